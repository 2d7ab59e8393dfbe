//! sanso-nft owns the kernel side of the IR: building the ruleset as one
//! atomic nftnl netlink batch and applying it ([`netlink`]), reading the
//! live table back ([`readback`]) and checking that it has the compiled
//! ruleset's shape and elements ([`conformance`]), and the elements of the
//! isolation sets, changed without replacing the table ([`isolation`]).
//!
//! What is pure lives in `sanso-table`: the table as typed kernel objects,
//! its `nft -f` text ([`text`], re-exported here), the difference of two
//! tables and the isolated addresses ([`isolation::Isolated`]).
//!
//! The layout of `table inet sanso` is specified in `docs/ruleset.md`; both
//! back ends implement exactly that.

pub mod conformance;
pub mod isolation;
pub mod netlink;
pub mod readback;

/// The nft text back end and the names of the layout: pure, in sanso-table.
pub use sanso_table::text;
