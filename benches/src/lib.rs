//! sanso-benches owns the measurements behind `sanso bench` and the criterion
//! benches: userspace lookup and compile costs ([`userspace`]), the kernel
//! drop-path cost per packet through a gateway namespace ([`kernel`]) and of
//! its building blocks ([`primitives`]), one
//! run and its report ([`run`]) and the SVG plot of a sweep ([`plot`]). The
//! criterion benches live in `benches/`.

pub mod kernel;
pub mod plot;
pub mod primitives;
pub mod run;
pub mod userspace;

pub use run::{run, KernelMode, Measurement, PolicySource, RunError, Settings};
pub use sanso_synth::EndpointMix;
