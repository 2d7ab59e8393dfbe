## nft のメッセージ（日本語）。ID は "nft-" で始まり、en/nft.ftl と同じ ID・同じ変数を持つ。

