//! IR -> `nft -f` text (docs/ruleset.md).
