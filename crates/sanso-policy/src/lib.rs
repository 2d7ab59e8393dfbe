//! sanso-policy owns the policy file: it turns TOML text into a validated
//! [`Policy`] (zones, hosts, flows with their services resolved) or into a
//! complete list of [`Diagnostic`]s naming file, line, column and the zone,
//! host or flow at fault.
//!
//! Pure: no file system, no clock, no environment. Callers pass the text and
//! the file name; the time used for `until` is the caller's business.

pub mod model;

pub use model::*;
