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

#[doc(hidden)]
pub use mimalloc;

/// Makes the allocator `sanso` uses (its `main.rs`) the global allocator of
/// a benchmark target, so that the measurements are of what the binary
/// does. Not set here: `sanso bench` links this library into the binary,
/// which sets its own.
#[macro_export]
macro_rules! sanso_allocator {
    () => {
        #[global_allocator]
        static ALLOCATOR: $crate::mimalloc::MiMalloc = $crate::mimalloc::MiMalloc;
    };
}
pub use sanso_synth::EndpointMix;

/// `text` without its middle `[[flows]]` entry: a policy one flow away
/// from it (the change-in-place benchmarks apply the two in turn).
pub fn without_middle_flow(text: &str) -> String {
    let starts: Vec<usize> = text.match_indices("[[flows]]").map(|(at, _)| at).collect();
    let Some(&at) = starts.get(starts.len() / 2) else {
        return text.to_owned();
    };
    let end = starts
        .get(starts.len() / 2 + 1)
        .copied()
        .unwrap_or(text.len());
    format!("{}{}", &text[..at], &text[end..])
}
