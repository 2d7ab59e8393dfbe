## cli のメッセージ（日本語）。ID は "cli-" で始まり、en/cli.ftl と同じ ID・同じ変数を持つ。

