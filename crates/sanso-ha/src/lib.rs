//! sanso-ha owns the description of an active/standby gateway pair
//! (`ha.toml`, beside the node-independent policy) and everything derived
//! from it without I/O:
//!
//! * [`load`]: TOML text -> a validated [`Ha`], or every problem found, each
//!   with file, line, column and the node or field at fault ([`HaError`]);
//! * [`render`]: the `keepalived.conf` and `conntrackd.conf` of one node;
//! * [`announce`]: the authenticated datagram in which each daemon tells
//!   its peer which policy it has applied (HMAC-SHA256 over a shared key);
//! * [`vrrp`]: reading VRRP advertisements and writing the priority-0 ones
//!   that `sanso ha relay` hands to this node's other instances when the
//!   peer resigns one.
//!
//! The engines are the ones Linux gateways already use: keepalived (VRRP)
//! moves the virtual addresses, conntrackd (FTFW) keeps the connection
//! state; sanso renders their configuration, is called on every transition
//! and checks that both nodes enforce the same policy.

#![forbid(unsafe_code)]

pub mod announce;
pub mod model;
pub mod render;
pub mod vrrp;

pub use model::{load, Ha, HaError, HaErrors, Node, Sync, Virtual, Vrrp};
pub use render::{render, RenderOptions, Rendered};
