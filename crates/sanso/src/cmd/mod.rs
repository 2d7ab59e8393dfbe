//! One module per subcommand; each has `Args` (clap) and `run`.

pub mod check;
pub mod compile;
pub mod explain;
pub mod test;
