## netns のメッセージ（日本語）。ID は "netns-" で始まり、en/netns.ftl と同じ ID・同じ変数を持つ。

