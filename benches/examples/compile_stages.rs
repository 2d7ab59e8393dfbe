//! The compile stages of one policy file, timed once each (a profiling aid;
//! the criterion bench `compile` is the measurement):
//! `cargo run --release -p sanso-benches --example compile_stages -- p.toml [rounds]`;
//! `pair:N` for a path writes the one-zone-pair synthetic policy of N flows
//! (seed 1) to `pairN.toml` and compiles that. With `SANSO_STAGES_WRITE=1`
//! the rendered text of the last round goes to `<policy>.out.nft`, to compare
//! with `sanso compile`'s output before a change.

use std::time::Instant;

sanso_benches::sanso_allocator!();

fn main() {
    let mut args = std::env::args().skip(1);
    let mut path = args
        .next()
        .expect("usage: compile_stages POLICY|pair:N [ROUNDS]");
    if let Some(flows) = path.strip_prefix("pair:") {
        let flows: usize = flows.parse().expect("pair:N");
        let text = sanso_synth::policy_text(&sanso_synth::SynthSpec {
            flows,
            seed: 1,
            endpoints: sanso_synth::EndpointMix::SinglePair,
        });
        path = format!("pair{flows}.toml");
        std::fs::write(&path, text).expect("policy written");
    }
    let rounds: usize = args.next().map_or(1, |r| r.parse().expect("rounds"));
    let text = std::fs::read_to_string(&path).expect("policy readable");
    for _ in 0..rounds {
        let t = Instant::now();
        let policy = sanso_policy::load_policy(&path, &text).expect("valid");
        let load = t.elapsed();
        let t = Instant::now();
        let ruleset = sanso_ir::lower(&policy, 0);
        let lower = t.elapsed();
        let t = Instant::now();
        let rendered = sanso_nft::text::render(&ruleset);
        let render = t.elapsed();
        let t = Instant::now();
        let messages = sanso_nft::netlink::batch_messages(&ruleset).expect("encodes");
        let encode = t.elapsed();
        println!(
            "load {:>8.1} ms  lower {:>8.1} ms  render {:>8.1} ms  encode {:>8.1} ms  compile {:>8.1} ms  ({} bytes, {} messages)",
            load.as_secs_f64() * 1e3,
            lower.as_secs_f64() * 1e3,
            render.as_secs_f64() * 1e3,
            encode.as_secs_f64() * 1e3,
            (load + lower + encode).as_secs_f64() * 1e3,
            rendered.len(),
            messages.len()
        );
        if std::env::var_os("SANSO_STAGES_WRITE").is_some() {
            std::fs::write(format!("{path}.out.nft"), &rendered).expect("text written");
        }
    }
}
