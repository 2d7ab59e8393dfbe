//! One module per subcommand; each has `Args` (clap) and `run`.

pub mod apply;
pub mod audit;
#[cfg(feature = "bench")]
pub mod bench;
pub mod boot;
pub mod check;
pub mod compile;
pub mod completions;
pub mod confirm;
pub mod daemon;
pub mod diff;
pub mod drift;
pub mod events;
pub mod explain;
pub mod ha;
pub mod isolate;
pub mod plan;
pub mod reload;
pub mod report;
pub mod status;
pub mod test;
pub mod verify;
