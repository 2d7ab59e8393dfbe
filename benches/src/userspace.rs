//! Userspace measurements: the classifier over the IR against the linear
//! first-match reference over the policy, on the same seeded trace, and the
//! compile time (load + lower + render).
//!
//! Timing is by rounds: each round times one pass over the trace for each
//! engine, alternating (classifier one packet per call, classifier in
//! batches, linear, classifier, ...), and the median
//! of rounds is reported, so that a noisy neighbour hits both engines alike.
//! A pass is timed in the thread's CPU time, as the kernel measurement is,
//! so that time the core spends on other work does not count.

use std::hint::black_box;
use std::time::{Duration, Instant};

use sanso_classify::reference::Reference;
use sanso_classify::{Classifier, Packet, Path, L4};
use sanso_ir::Ruleset;
use sanso_policy::Policy;
use sanso_synth::{Probe, ProbeL4};

/// The first packet of a connection for the classifiers, from a trace probe.
pub fn packet(probe: &Probe, time: i64) -> Packet {
    Packet {
        path: Path::Forward,
        iif: None,
        src: probe.src,
        dst: probe.dst,
        l4: match probe.l4 {
            ProbeL4::Tcp(dport) => L4::Tcp { dport },
            ProbeL4::Udp(dport) => L4::Udp { dport },
            ProbeL4::Icmp(icmp_type) => L4::Icmp { icmp_type },
        },
        time,
    }
}

/// Medians of nanoseconds per lookup.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LookupCost {
    /// One `classify` call per packet.
    pub classifier_ns: f64,
    /// The same trace through `classify_each` (batches of
    /// [`sanso_classify::BATCH`]).
    pub batched_ns: f64,
    pub linear_ns: f64,
    /// Bytes of the classifier's index (`classify_each` batches from
    /// [`sanso_classify::BATCH_FROM_BYTES`]).
    pub index_bytes: usize,
    /// Packets of the trace the linear scan went through per round (a prefix
    /// of the trace when the whole trace would exceed the round's time budget).
    pub linear_packets: usize,
    pub rounds: usize,
}

/// Settings of [`lookup_cost`].
#[derive(Clone, Copy, Debug)]
pub struct LookupBudget {
    pub rounds: usize,
    /// Rough upper bound of one linear round; the linear trace is cut to fit.
    pub linear_round: Duration,
}

impl Default for LookupBudget {
    fn default() -> Self {
        LookupBudget {
            rounds: 15,
            linear_round: Duration::from_millis(150),
        }
    }
}

/// Median ns per lookup of [`Classifier`] and of [`Reference`] over `packets`.
pub fn lookup_cost(
    policy: &Policy,
    ruleset: &Ruleset,
    packets: &[Packet],
    budget: LookupBudget,
) -> LookupCost {
    let classifier = Classifier::new(ruleset);
    let reference = Reference::new(policy);
    let rounds = budget.rounds.max(1);
    // Calibrate the linear prefix on a few packets (bounded).
    let probe_len = packets.len().min(64);
    let started = Instant::now();
    for p in &packets[..probe_len] {
        black_box(reference.classify(black_box(p)));
    }
    let per_packet = started.elapsed().as_secs_f64() / probe_len.max(1) as f64;
    let fit = (budget.linear_round.as_secs_f64() / per_packet.max(1e-9)) as usize;
    let linear_packets = fit
        .clamp(probe_len.min(packets.len()), packets.len())
        .max(1)
        .min(packets.len());

    let mut fast = Vec::with_capacity(rounds);
    let mut batched = Vec::with_capacity(rounds);
    let mut slow = Vec::with_capacity(rounds);
    // One warm-up pass of the classifier (caches, branch predictors).
    for p in packets {
        black_box(classifier.classify(black_box(p)));
    }
    for _ in 0..rounds {
        // The linear round streams the whole policy through the caches; an
        // untimed pass first measures the classifier hot, as on a busy gateway.
        for p in packets {
            black_box(classifier.classify(black_box(p)));
        }
        let t = thread_cpu_time();
        for p in packets {
            black_box(classifier.classify(black_box(p)));
        }
        fast.push((thread_cpu_time() - t).as_nanos() as f64 / packets.len().max(1) as f64);
        let t = thread_cpu_time();
        classifier.classify_each(black_box(packets), |_, d| {
            black_box(d);
        });
        batched.push((thread_cpu_time() - t).as_nanos() as f64 / packets.len().max(1) as f64);
        let t = thread_cpu_time();
        for p in &packets[..linear_packets] {
            black_box(reference.classify(black_box(p)));
        }
        slow.push((thread_cpu_time() - t).as_nanos() as f64 / linear_packets as f64);
    }
    LookupCost {
        classifier_ns: median(&mut fast),
        batched_ns: median(&mut batched),
        index_bytes: classifier.index_bytes().iter().sum(),
        linear_ns: median(&mut slow),
        linear_packets,
        rounds,
    }
}

/// Median of the compile stages in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CompileCost {
    pub load_ms: f64,
    pub lower_ms: f64,
    pub render_ms: f64,
    /// Median of the per-round sums.
    pub total_ms: f64,
    pub rounds: usize,
}

/// Errors of [`compile_cost`].
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error("the policy does not validate")]
    Invalid(#[source] Box<sanso_policy::Diagnostics>),
}

/// Times `load_policy`, `lower` and `render` on `text`, `rounds` times.
/// Returns the last compiled policy and ruleset with the timings.
pub fn compile_cost(
    file: &str,
    text: &str,
    now: i64,
    rounds: usize,
) -> Result<(Policy, Ruleset, CompileCost), CompileError> {
    let rounds = rounds.max(1);
    let (mut load, mut lower, mut render, mut total) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut last = None;
    for _ in 0..rounds {
        let t0 = Instant::now();
        let policy = sanso_policy::load_policy(file, text)
            .map_err(|d| CompileError::Invalid(Box::new(d)))?;
        let t1 = Instant::now();
        let ruleset = sanso_ir::lower(&policy, now);
        let t2 = Instant::now();
        let rendered = sanso_nft::text::render(&ruleset);
        let t3 = Instant::now();
        black_box(rendered);
        let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1e3;
        load.push(ms(t0, t1));
        lower.push(ms(t1, t2));
        render.push(ms(t2, t3));
        total.push(ms(t0, t3));
        last = Some((policy, ruleset));
    }
    let (policy, ruleset) = last.expect("rounds >= 1, so one round ran");
    let cost = CompileCost {
        load_ms: median(&mut load),
        lower_ms: median(&mut lower),
        render_ms: median(&mut render),
        total_ms: median(&mut total),
        rounds,
    };
    Ok((policy, ruleset, cost))
}

/// Median; `NaN` for no samples.
pub fn median(samples: &mut [f64]) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    samples.sort_by(f64::total_cmp);
    let mid = samples.len() / 2;
    if samples.len() % 2 == 1 {
        samples[mid]
    } else {
        (samples[mid - 1] + samples[mid]) / 2.0
    }
}

/// CPU time of the calling thread: what a timed pass costs on a shared
/// machine, without the time other work holds the core (wall time counts it).
/// Zero if the clock cannot be read.
pub fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-pointer; CLOCK_THREAD_CPUTIME_ID always exists on Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}
