## nft messages (English). Ids start with "nft-"; ja/nft.ftl holds the same ids with the same variables.

