## status のメッセージ（日本語）。ID は "status-" で始まり、en/status.ftl と同じ ID・同じ変数を持つ。

