//! sanso-nft owns the kernel side of the IR: rendering it as `nft -f` text
//! ([`text`]), building the same ruleset as one atomic nftnl netlink batch
//! ([`netlink`]), and reading the live table back ([`readback`]).
//!
//! The layout of `table inet sanso` is specified in `docs/ruleset.md`; both
//! back ends implement exactly that.

pub mod netlink;
pub mod readback;
pub mod text;
pub mod verify;
