//! sanso-policy owns the policy file: it turns TOML text into a validated
//! [`Policy`] (zones, hosts, flows with their services resolved) or into a
//! complete list of [`Diagnostic`]s naming file, line, column and the zone,
//! host or flow at fault. It also loads packet-path test cases ([`Case`]).
//!
//! Pure: no file system, no clock, no environment. Callers pass the text and
//! the file name; the time used for `until` is the caller's business.
//! The one exception is [`source`]: reading a policy or cases file safely
//! (regular files only, size-capped, UTF-8), so that the CLI and the daemon
//! read them the same way; nothing else here calls it.

#![forbid(unsafe_code)]

pub mod case;
pub mod diag;
mod guardrail;
mod load;
pub mod model;
pub mod service;
pub mod source;
pub mod values;
mod walk;
pub mod width;

pub use case::{load_cases, load_cases_with_warnings, Case, CaseProto, CaseTarget, Expect};
pub use diag::{codes, Diagnostic, Diagnostics, Label, Severity, Subject};
pub use guardrail::{
    forbidden_outright, guardrail_between, MAX_PORT_RANGE, SANITIZING_ROLES, SECURITY_CLOUD_ROLE,
};
pub use load::{
    content_hash, load_policy, load_policy_at, load_policy_with_warnings, Loaded, KNOWN_ROLES,
};
pub use model::*;
pub use service::{
    builtin_service, icmp_type_name, icmp_type_number, parse_icmp_type, parse_service_match,
    IcmpFamily, ServiceSpecError, BUILTIN_SERVICES, ICMPV6_TYPES, ICMP_TYPES,
};
pub use source::{
    read_source, read_source_file, ByteOrder, Encoding, FileIdentity, FileKind, ReadError,
    SourceFile, MAX_SOURCE_BYTES,
};
