//! sanso-table owns what `table inet sanso` is, apart from any kernel: the
//! table a [`sanso_ir::Ruleset`] becomes, as `nft -f` text ([`text`], with
//! the names and grouping of the layout in [`text::layout`]) and as typed
//! kernel objects ([`objects`]: chains with their rules spelled as
//! nf_tables expressions, named objects, sets with their interval element
//! encoding); the difference of two such tables for a change in place
//! ([`delta`]); and the addresses isolated, as disjoint ranges
//! ([`isolation::Isolated`]), with the `nft -f` text of their element
//! update.
//!
//! Pure (ARCHITECTURE.md, "the core is pure"): no files, sockets,
//! processes, clock or environment, and no unsafe code. `sanso-nft` turns
//! these objects into netlink batches, applies them and reads the table
//! back; the layout is specified in `docs/ruleset.md`.

#![forbid(unsafe_code)]

pub mod delta;
pub mod isolation;
pub mod objects;
pub mod text;
