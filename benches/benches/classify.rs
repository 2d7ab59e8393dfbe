//! Classifier (one packet per call, and in batches) against the linear
//! first-match reference, per packet of a seeded trace.

sanso_benches::sanso_allocator!();

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sanso_classify::reference::Reference;
use sanso_classify::Classifier;

mod common;

const TRACE: usize = 4096;
/// The linear scan gets a shorter trace: it is 100-10,000x slower.
const LINEAR_TRACE: usize = 64;

fn classify(c: &mut Criterion) {
    let mut group = c.benchmark_group("classify");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    for flows in common::sizes() {
        let (policy, ruleset) = common::compiled(flows);
        let packets: Vec<_> = sanso_synth::trace(&policy, 0x5a5a, TRACE)
            .iter()
            .map(|p| sanso_benches::userspace::packet(p, 0))
            .collect();
        let classifier = Classifier::new(&ruleset);
        group.throughput(Throughput::Elements(packets.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("classifier", flows),
            &packets,
            |b, packets| {
                b.iter(|| {
                    for p in packets {
                        black_box(classifier.classify(black_box(p)));
                    }
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("classifier-batched", flows),
            &packets,
            |b, packets| {
                b.iter(|| {
                    classifier.classify_each(black_box(packets), |_, d| {
                        black_box(d);
                    })
                })
            },
        );
        let reference = Reference::new(&policy);
        let short = &packets[..LINEAR_TRACE];
        group.throughput(Throughput::Elements(short.len() as u64));
        group.bench_with_input(BenchmarkId::new("linear", flows), short, |b, packets| {
            b.iter(|| {
                for p in packets {
                    black_box(reference.classify(black_box(p)));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, classify);
criterion_main!(benches);
