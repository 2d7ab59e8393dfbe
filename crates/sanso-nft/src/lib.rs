//! sanso-nft owns the kernel side of the IR: rendering it as `nft -f` text
//! ([`text`]), building the same ruleset as one atomic nftnl netlink batch
//! ([`netlink`]), reading the live table back ([`readback`]) and checking
//! that it has the compiled ruleset's shape and elements ([`conformance`]),
//! and the elements of the isolation sets, changed without replacing the
//! table ([`isolation`]).
//!
//! The layout of `table inet sanso` is specified in `docs/ruleset.md`; both
//! back ends implement exactly that.

pub mod conformance;
pub mod isolation;
pub mod netlink;
pub mod readback;
pub mod text;
