## cases のメッセージ（日本語）。ID は "cases-" で始まり、en/cases.ftl と同じ ID・同じ変数を持つ。

