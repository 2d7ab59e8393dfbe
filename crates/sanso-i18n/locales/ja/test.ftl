## test のメッセージ（日本語）。ID は "test-" で始まり、en/test.ftl と同じ ID・同じ変数を持つ。

