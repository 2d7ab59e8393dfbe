//! Profiling aid: the classifier over a synthetic policy's trace, one
//! packet per call and in batches (`classify_each`), alternating, e.g.
//! `lookups 10000 8192 100`, or under
//! `valgrind --tool=callgrind --cache-sim=yes --branch-sim=yes`.

sanso_benches::sanso_allocator!();

use std::hint::black_box;

use sanso_benches::userspace;
use sanso_classify::{Classifier, Verdict};

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<usize>().expect("FLOWS TRACE-LEN PASSES"));
    let flows = args.next().unwrap_or(10_000);
    let len = args.next().unwrap_or(8_192);
    let passes = args.next().unwrap_or(3);
    let text = sanso_synth::policy_text(&sanso_synth::SynthSpec::new(flows, 7));
    let (policy, ruleset, _) =
        userspace::compile_cost("synth.toml", &text, 1_790_000_000, 1).expect("a valid policy");
    let packets: Vec<_> = sanso_synth::trace(&policy, 0x5a5a, len)
        .iter()
        .map(|p| userspace::packet(p, ruleset.compiled_at))
        .collect();
    let classifier = Classifier::new(&ruleset);
    let (mut single, mut batched) = (Vec::new(), Vec::new());
    let (mut accepted_single, mut accepted_batched) = (0usize, 0usize);
    for _ in 0..passes {
        let t = userspace::thread_cpu_time();
        for p in &packets {
            let d = classifier.classify(black_box(p));
            accepted_single += usize::from(d.verdict == Verdict::Accept);
            black_box(d);
        }
        single.push((userspace::thread_cpu_time() - t).as_nanos() as f64 / len as f64);
        let t = userspace::thread_cpu_time();
        classifier.classify_each(black_box(&packets), |_, d| {
            accepted_batched += usize::from(d.verdict == Verdict::Accept);
            black_box(d);
        });
        batched.push((userspace::thread_cpu_time() - t).as_nanos() as f64 / len as f64);
    }
    assert_eq!(accepted_single, accepted_batched);
    println!(
        "{flows} flows, {len} packets, median of {passes} passes: one per call {:.1} ns/lookup, batched {:.1} ns/lookup ({} accepted per pass)",
        userspace::median(&mut single),
        userspace::median(&mut batched),
        accepted_single / passes.max(1)
    );
}
