## explain のメッセージ（日本語）。ID は "explain-" で始まり、en/explain.ftl と同じ ID・同じ変数を持つ。

