//! `sweep`: runs the benchmark over synthetic policies of several sizes,
//! prints a Markdown table and writes the SVG plot of `docs/benchmarks.md`.
//!
//! ```text
//! cargo run --release -p sanso-benches --bin sweep -- \
//!     --flows 100,1000,10000,100000 --kernel --plot docs/benchmarks.svg
//! ```
//!
//! `--hosts-only` generates flows between hosts only (no zone-wide ends).

sanso_benches::sanso_allocator!();

use std::process::ExitCode;

use sanso_benches::{run, KernelMode, PolicySource, Settings};
use sanso_synth::EndpointMix;

fn main() -> ExitCode {
    let mut flows = vec![100, 1_000, 10_000];
    let mut kernel = KernelMode::Skip;
    let mut plot_path = None;
    let mut endpoints = EndpointMix::Mixed;
    let mut kernel_rounds = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--flows" => {
                let list = args.next().unwrap_or_default();
                match list
                    .split(',')
                    .map(|n| n.trim().replace('_', "").parse::<usize>())
                    .collect()
                {
                    Ok(v) => flows = v,
                    Err(_) => {
                        eprintln!(
                            "error: --flows takes a comma-separated list of numbers, not `{list}`"
                        );
                        return ExitCode::from(2);
                    }
                }
            }
            "--kernel" => kernel = KernelMode::Measure,
            "--hosts-only" => endpoints = EndpointMix::HostsOnly,
            "--plot" => plot_path = args.next(),
            "--kernel-rounds" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) => kernel_rounds = Some(n),
                None => {
                    eprintln!("error: --kernel-rounds takes a number");
                    return ExitCode::from(2);
                }
            },
            other => {
                eprintln!("error: unknown argument `{other}` (use --flows N,N,... [--kernel] [--hosts-only] [--kernel-rounds N] [--plot FILE])");
                return ExitCode::from(2);
            }
        }
    }
    let mut settings = Settings {
        kernel,
        ..Settings::default()
    };
    if let Some(rounds) = kernel_rounds {
        settings.kernel_budget.rounds = rounds;
    }
    let mut results = Vec::new();
    for &n in &flows {
        eprintln!("measuring {n} flows ...");
        match run(
            &PolicySource::Synthetic {
                flows: n,
                seed: 1,
                endpoints,
            },
            &settings,
        ) {
            Ok(m) => {
                eprint!("{}", m.text());
                results.push(m);
            }
            Err(err) => {
                eprintln!(
                    "error at {n} flows: {}",
                    sanso_benches::plot::error_chain(&err)
                );
                return ExitCode::FAILURE;
            }
        }
    }
    print!("{}", sanso_benches::plot::markdown_table(&results));
    let paths = sanso_benches::plot::paths_markdown_table(&results);
    if !paths.is_empty() {
        print!("\nThe established path, a spoofed flood and a TCP stream:\n\n{paths}");
    }
    if let Some(path) = plot_path {
        if let Err(err) = sanso_benches::plot::write_svg(&results, std::path::Path::new(&path)) {
            eprintln!("error: cannot write the plot {path}: {err}");
            return ExitCode::FAILURE;
        }
        eprintln!("wrote {path}");
    }
    ExitCode::SUCCESS
}
