//! `layouts`: the kernel drop-path cost of ruleset texts against the empty
//! and conntrack baselines, in one run, for comparing kernel layouts before
//! the compiler emits them (`docs/benchmarks.md`, "Kernel building blocks").
//!
//! ```text
//! # hand-made texts along POLICY's drop path (every text must drop it)
//! cargo run --release -p sanso-benches --bin layouts -- POLICY.toml A.nft B.nft ...
//! # the building blocks (sanso_benches::primitives), on a 100-flow synthetic policy's path
//! cargo run --release -p sanso-benches --bin layouts -- --primitives [--rounds N]
//! ```
//!
//! Root only (network namespaces, removed afterwards).

sanso_benches::sanso_allocator!();

use std::process::ExitCode;

use sanso_benches::kernel::{
    conntrack_ruleset_text, drop_path, empty_ruleset_text, measure_texts, KernelBudget,
};
use sanso_benches::primitives::primitive_texts;
use sanso_policy::Policy;

fn load(path: &str) -> Result<Policy, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    sanso_policy::load_policy(path, &text).map_err(|d| d.render(false))
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn run() -> Result<(), String> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut budget = KernelBudget::default();
    if let Some(i) = args.iter().position(|a| a == "--rounds") {
        let n = args
            .get(i + 1)
            .and_then(|n| n.parse().ok())
            .ok_or("--rounds takes a number")?;
        budget.rounds = n;
        args.drain(i..i + 2);
    }
    let primitives = args.first().is_some_and(|a| a == "--primitives");
    let policy = if primitives {
        let text = sanso_synth::policy_text(&sanso_synth::SynthSpec::new(100, 1));
        sanso_policy::load_policy("synth.toml", &text).map_err(|d| d.render(false))?
    } else {
        load(
            args.first()
                .ok_or("usage: layouts POLICY.toml RULESET.nft ... | --primitives")?,
        )?
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let ruleset = sanso_ir::lower(&policy, now);
    let path = drop_path(&ruleset, &policy).ok_or("the policy has no drop path")?;
    let mut named = vec![
        ("empty".to_owned(), empty_ruleset_text()),
        ("conntrack".to_owned(), conntrack_ruleset_text()),
    ];
    if primitives {
        named.extend(
            primitive_texts(&path)
                .into_iter()
                .map(|(name, text)| (format!("prerouting raw: {name}, drop"), text)),
        );
    } else {
        for file in &args[1..] {
            let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
            named.push((file.clone(), text));
        }
    }
    eprintln!(
        "drop path: {} -> {} udp/{} ({} -> {}), {} rounds",
        path.src, path.dst, path.port, path.src_interface, path.dst_interface, budget.rounds
    );
    let texts: Vec<String> = named.iter().map(|(_, t)| t.clone()).collect();
    let costs = measure_texts(&path, &texts, budget).map_err(|e| e.to_string())?;
    let (empty, conntrack) = (costs[0].cpu_ns, costs[1].cpu_ns);
    let early = primitives.then(|| costs[2].cpu_ns);
    match early {
        Some(_) => println!(
            "| ruleset | ns/packet | / empty | - early drop | load ms |\n|---|---:|---:|---:|---:|"
        ),
        None => println!(
            "| ruleset | ns/packet | / empty | / conntrack | load ms |\n|---|---:|---:|---:|---:|"
        ),
    }
    for ((name, _), c) in named.iter().zip(&costs) {
        let third = match early {
            Some(early) => format!("{:+.0}", c.cpu_ns - early),
            None => format!("{:.2}x", c.cpu_ns / conntrack),
        };
        println!(
            "| {name} | {:.0} | {:.2}x | {third} | {:.0} |",
            c.cpu_ns,
            c.cpu_ns / empty,
            c.load_ms
        );
    }
    println!("(conntrack / empty: {:.2}x)", conntrack / empty);
    Ok(())
}
