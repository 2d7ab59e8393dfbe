//! One module per subcommand; each has `Args` (clap) and `run`.

pub mod check;
pub mod compile;
pub mod explain;
pub mod test;
pub mod verify;
pub mod plan;
pub mod drift;
pub mod report;
pub mod apply;
pub mod audit;
pub mod bench;
pub mod confirm;
pub mod daemon;
pub mod reload;
pub mod status;
