// A test, not the pure core: it may read files, the clock and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

//! Synthetic policies from `sanso-synth`: the lowered IR satisfies its
//! invariants and the classifier agrees with the reference on a trace; an
//! ignored test prints the timings in thread CPU time (run it with
//! `--release --ignored --nocapture`).

use std::hint::black_box;
use std::time::{Duration, Instant};

use sanso_classify::reference::Reference;
use sanso_classify::{Classifier, Packet, Path, L4};
use sanso_ir::{check_invariants, lower};
use sanso_policy::{load_policy, Policy};
use sanso_synth::{policy_text, trace, ProbeL4, SynthSpec};

/// A time at which some synthetic flows may have expired and some not.
const NOW: i64 = 1_790_000_000;

fn synth_policy(flows: usize) -> Policy {
    let text = policy_text(&SynthSpec::new(flows, 7));
    match load_policy("synth.toml", &text) {
        Ok(policy) => policy,
        Err(diags) => panic!("synthetic policy does not load:\n{}", diags.render(false)),
    }
}

fn packets(policy: &Policy, len: usize) -> Vec<Packet> {
    trace(policy, 11, len)
        .into_iter()
        .map(|probe| Packet {
            path: Path::Forward,
            iif: None,
            src: probe.src,
            dst: probe.dst,
            l4: match probe.l4 {
                ProbeL4::Tcp(dport) => L4::Tcp { dport },
                ProbeL4::Udp(dport) => L4::Udp { dport },
                ProbeL4::Icmp(icmp_type) => L4::Icmp { icmp_type },
            },
            time: NOW,
        })
        .collect()
}

#[test]
fn synthetic_policy_agrees_with_reference() {
    let policy = synth_policy(500);
    let ruleset = lower(&policy, NOW);
    check_invariants(&ruleset).expect("invariants hold");
    let classifier = Classifier::new(&ruleset);
    let reference = Reference::new(&policy);
    let mut accepted = 0;
    let trace = packets(&policy, 3_000);
    let one_by_one: Vec<_> = trace.iter().map(|p| classifier.classify(p)).collect();
    // Batched lookups (over source spans of many blocks here) agree too, in order.
    let mut batched = Vec::new();
    classifier.classify_batched(&trace, |i, d| batched.push((i, d)));
    assert_eq!(batched.len(), trace.len());
    for ((i, d), (j, want)) in batched.iter().zip(one_by_one.iter().enumerate()) {
        assert_eq!((*i, d), (j, want), "packet {j}: {:?}", trace[j]);
    }
    for (p, got) in trace.iter().zip(one_by_one) {
        accepted += usize::from(got.verdict == sanso_classify::Verdict::Accept);
        let mut want = reference.classify(p);
        if let sanso_classify::DecidedBy::DefaultDrop { expired, .. } = &mut want.by {
            expired.retain(|f| policy.flows[f.0].until.is_none_or(|u| u > NOW));
        }
        assert_eq!(classifier.in_policy_terms(got), want, "packet {p:?}");
    }
    // The trace is built to hit flows about half the time.
    assert!(accepted > 500, "only {accepted} of 3000 accepted");
}

fn per_lookup(total: Duration, n: usize) -> f64 {
    total.as_nanos() as f64 / n as f64
}

/// CPU time of this thread, so that the numbers hold on a
/// busy machine; falls back to wall-clock time elsewhere.
struct CpuClock(Instant, Option<u64>);

impl CpuClock {
    fn now() -> Self {
        CpuClock(Instant::now(), thread_cpu_ns())
    }

    fn elapsed(&self) -> Duration {
        match (self.1, thread_cpu_ns()) {
            (Some(a), Some(b)) => Duration::from_nanos(b - a),
            _ => self.0.elapsed(),
        }
    }
}

fn thread_cpu_ns() -> Option<u64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64)
}

/// The median of `samples` (sorted in place).
fn median(samples: &mut [f64]) -> f64 {
    samples.sort_unstable_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Times `run` `rounds` times; the median in seconds and the last result.
fn timed<T>(rounds: usize, mut run: impl FnMut() -> T) -> (f64, T) {
    let mut samples = Vec::with_capacity(rounds);
    let mut last = None;
    for _ in 0..rounds {
        let t = CpuClock::now();
        last = Some(run());
        samples.push(t.elapsed().as_secs_f64());
    }
    (median(&mut samples), last.expect("at least one round"))
}

#[test]
#[ignore = "timing; run with --release --ignored --nocapture"]
fn scale_timing() {
    // SANSO_SCALE_FLOWS="1000,10000,100000" picks the sizes. Every figure is
    // the median of several rounds of thread CPU time (the machine is shared).
    let sizes: Vec<usize> = std::env::var("SANSO_SCALE_FLOWS")
        .unwrap_or_else(|_| "1000,10000,100000".into())
        .split(',')
        .map(|s| {
            s.trim()
                .parse()
                .expect("SANSO_SCALE_FLOWS: comma-separated counts")
        })
        .collect();
    for flows in sizes {
        let rounds = if flows >= 100_000 { 3 } else { 5 };
        let (load, policy) = timed(rounds, || synth_policy(flows));
        let (lowering, ruleset) = timed(rounds, || lower(&policy, NOW));
        let count = |f: fn(&sanso_ir::Family<std::net::Ipv4Addr>) -> usize,
                     g: fn(&sanso_ir::Family<std::net::Ipv6Addr>) -> usize| {
            f(&ruleset.v4) + g(&ruleset.v6)
        };
        let forward = count(|f| f.forward.len(), |f| f.forward.len());
        let input = count(|f| f.input.len(), |f| f.input.len());
        let output = count(|f| f.output.len(), |f| f.output.len());
        let (build, classifier) = timed(rounds, || Classifier::new(&ruleset));
        let trace = packets(&policy, 100_000);
        let mut fast: Vec<f64> = (0..5)
            .map(|_| {
                let t = CpuClock::now();
                for p in &trace {
                    black_box(classifier.classify(black_box(p)));
                }
                per_lookup(t.elapsed(), trace.len())
            })
            .collect();
        let fast = median(&mut fast);
        // The same over 1,000 packets that stay in cache.
        let hot_trace = &trace[..1_000];
        let mut hot: Vec<f64> = (0..5)
            .map(|_| {
                let t = CpuClock::now();
                for _ in 0..100 {
                    for p in hot_trace {
                        black_box(classifier.classify(black_box(p)));
                    }
                }
                per_lookup(t.elapsed(), 100 * hot_trace.len())
            })
            .collect();
        let hot = median(&mut hot);
        let reference = Reference::new(&policy);
        let sample = &trace[..(2_000_000 / flows.max(1)).clamp(100, 20_000)];
        let mut slow: Vec<f64> = (0..3)
            .map(|_| {
                let t = CpuClock::now();
                for p in sample {
                    black_box(reference.classify(black_box(p)));
                }
                per_lookup(t.elapsed(), sample.len())
            })
            .collect();
        let slow = median(&mut slow);
        println!(
            "flows {flows:>6}: load {:>8.1} ms lower {:>8.1} ms | elements fwd {forward} in {input} out {output}, {} groups \
             | index {:>7.1} ms | classify {fast:>6.1} ns (hot {hot:>5.1} ns) | reference {slow:>11.1} ns | x{:.0}",
            load * 1e3,
            lowering * 1e3,
            ruleset.groups.len(),
            build * 1e3,
            slow / fast
        );
    }
}

#[test]
fn example_policy_agrees_with_reference() {
    let text = include_str!("../../../config/policy.toml");
    let policy = match load_policy("config/policy.toml", text) {
        Ok(policy) => policy,
        Err(diags) => panic!("example policy does not load:\n{}", diags.render(false)),
    };
    let ruleset = lower(&policy, NOW);
    check_invariants(&ruleset).expect("invariants hold");
    let classifier = Classifier::new(&ruleset);
    let reference = Reference::new(&policy);
    for p in packets(&policy, 2_000) {
        let mut want = reference.classify(&p);
        if let sanso_classify::DecidedBy::DefaultDrop { expired, .. } = &mut want.by {
            expired.retain(|f| policy.flows[f.0].until.is_none_or(|u| u > NOW));
        }
        assert_eq!(
            classifier.in_policy_terms(classifier.classify(&p)),
            want,
            "packet {p:?}"
        );
    }
}
