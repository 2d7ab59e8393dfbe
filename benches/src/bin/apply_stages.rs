//! Where the time of an apply goes (issue 17): for a policy file, or a
//! seeded synthetic policy of N flows, in a throwaway namespace (root):
//! encode (the batch, not sent), apply (socket, send, kernel, ACKs: wall,
//! user and system CPU of this process), apply again over the table it
//! replaces, the check after an apply (`conformance::check_applied`: read back
//! and checked), the `nft` listing (`readback::live_table`) and the shape
//! check on it (`conformance::check_live`), and the batch's messages by kind.
//!
//! `apply_stages [--runs R] [--no-nft] [--apply-only] (--flows N | FILE)...`
//! Prints one line per stage and run, then a JSON line per input.

sanso_benches::sanso_allocator!();

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use sanso_benches::kernel::Namespace;

/// User and system CPU time so far of this process (all threads) and of
/// its waited-for children (the `nft` and `ip` processes).
fn cpu() -> (Duration, Duration) {
    let of = |who: libc::c_int| {
        // SAFETY: a zeroed rusage is valid; getrusage fills it.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: valid pointer to a rusage.
        unsafe { libc::getrusage(who, &raw mut usage) };
        let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
        (tv(usage.ru_utime), tv(usage.ru_stime))
    };
    let (su, ss) = of(libc::RUSAGE_SELF);
    let (cu, cs) = of(libc::RUSAGE_CHILDREN);
    (su + cu, ss + cs)
}

struct Stage {
    wall: Duration,
    user: Duration,
    sys: Duration,
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Stage) {
    let (u0, s0) = cpu();
    let t0 = Instant::now();
    let out = f();
    let wall = t0.elapsed();
    let (u1, s1) = cpu();
    (
        out,
        Stage {
            wall,
            user: u1 - u0,
            sys: s1 - s0,
        },
    )
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut runs = 1;
    let mut nft = true;
    let mut apply_only = false;
    let mut inputs: Vec<(String, String)> = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--no-nft" => nft = false,
            "--apply-only" => apply_only = true,
            "--runs" => runs = args.next().and_then(|v| v.parse().ok()).expect("--runs N"),
            "--flows" => {
                let n: usize = args.next().and_then(|v| v.parse().ok()).expect("--flows N");
                let text = sanso_synth::policy_text(&sanso_synth::SynthSpec::new(n, 1));
                inputs.push((format!("synthetic-{n}"), text));
            }
            file => {
                let text = std::fs::read_to_string(file).expect("policy file");
                inputs.push((file.to_owned(), text));
            }
        }
    }
    for (label, text) in inputs {
        let policy = sanso_policy::load_policy(&label, &text).expect("a valid policy");
        let ruleset = sanso_ir::lower(&policy, 0);
        let flows = ruleset.flows.len();
        let one_less = sanso_ir::lower(
            &sanso_policy::load_policy(&label, &sanso_benches::without_middle_flow(&text))
                .expect("a valid policy"),
            0,
        );
        let (messages, encode) =
            timed(|| sanso_nft::netlink::batch_messages(&ruleset).expect("encode"));
        let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
        for m in &messages {
            *kinds.entry(m.kind.to_string()).or_default() += 1;
        }
        println!(
            "{label}: {flows} flows, {} messages {kinds:?}; encode {:.0} ms",
            messages.len(),
            ms(encode.wall)
        );
        let mut json: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        let mut show = |run: usize, name: &'static str, s: &Stage| {
            println!(
                "  run {run} {name:<17} wall {:>9.1} ms  user {:>9.1} ms  sys {:>9.1} ms",
                ms(s.wall),
                ms(s.user),
                ms(s.sys)
            );
            json.entry(name).or_default().push(ms(s.wall));
        };
        for run in 0..runs {
            show(run, "encode", &encode);
            let ns = Namespace::create("stages").expect("ip netns add");
            let (first, apply_new) =
                timed(|| sanso_nft::netlink::apply(&ruleset, Some(ns.name())).expect("apply"));
            show(run, "apply_into_empty", &apply_new);
            println!(
                "  run {run} batch {} messages, {} bytes, {} elements",
                first.messages, first.bytes, first.elements
            );
            let (_, apply_replace) = timed(|| {
                sanso_nft::netlink::apply(&ruleset, Some(ns.name())).expect("apply again")
            });
            show(run, "apply_replacing", &apply_replace);
            // One flow removed, then added back, in place: the whole call
            // (the new table's kernel objects built, compared, sent) and
            // the batch's own time (compare, encode, send, ACK).
            let none = sanso_nft::isolation::Isolated::default();
            let applier = sanso_nft::netlink::Applier::new(Some(ns.name().to_owned()));
            applier.apply(&ruleset, &none).expect("apply");
            for (name, target) in [("in_place_remove", &one_less), ("in_place_add", &ruleset)] {
                let ((batch, mode), stage) =
                    timed(|| applier.apply(target, &none).expect("apply in place"));
                show(run, name, &stage);
                println!(
                    "  run {run} {name}: {mode:?}, {} messages, {} bytes, batch {:.1} ms",
                    batch.messages,
                    batch.bytes,
                    ms(batch.duration)
                );
            }
            if apply_only {
                continue;
            }
            // What `sanso apply` runs after the batch.
            let (report, applied) = timed(|| {
                sanso_nft::conformance::check_applied(&ruleset, Some(ns.name())).expect("read back")
            });
            assert!(
                report.conforms(),
                "{:?}",
                &report.problems[..5.min(report.problems.len())]
            );
            show(run, "check_applied", &applied);
            if !nft {
                continue;
            }
            // The nft listing the daemon's drift check reads, and the shape
            // check on it.
            let (live, readback) = timed(|| sanso_nft::readback::live_table(Some(ns.name())));
            show(run, "nft_readback", &readback);
            match live {
                Ok(live) => {
                    let (report, check) =
                        timed(|| sanso_nft::conformance::check_live(&ruleset, &live));
                    assert!(report.conforms(), "{:?}", report.problems.first());
                    show(run, "check_live", &check);
                }
                Err(e) => println!("  run {run} nft_readback failed: {e}"),
            }
        }
        println!(
            "{}",
            serde_json::json!({"input": label, "flows": flows, "messages": messages.len(),
                               "kinds": kinds, "wall_ms": json})
        );
    }
}
