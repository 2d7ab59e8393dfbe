//! sanso-synth owns seeded synthetic inputs for benchmarks and tests:
//! policies valid under the policy contract v2, guardrails included, without
//! avoidable warnings ([`policy_text`]), and packet traces over a validated
//! policy ([`trace`]).
//!
//! Pure: no I/O, no clock. The same seed gives the same bytes.

#![forbid(unsafe_code)]

mod policy;
mod trace;

pub use policy::{policy_text, EndpointMix, Shape, SynthSpec};
pub use trace::{trace, Probe, ProbeL4};
