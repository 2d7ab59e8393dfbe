## daemon のメッセージ（日本語）。ID は "daemon-" で始まり、en/daemon.ftl と同じ ID・同じ変数を持つ。

