//! `sanso_nft::netlink::apply` of the compiled ruleset into a throwaway
//! network namespace (root only; skipped otherwise).

sanso_benches::sanso_allocator!();

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sanso_benches::kernel::Namespace;

mod common;

fn apply(c: &mut Criterion) {
    if !sanso_testkit::root("apply into a throwaway network namespace") {
        return;
    }
    let mut group = c.benchmark_group("apply");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_secs(5));
    for flows in common::sizes() {
        let (_, ruleset) = common::compiled(flows);
        let ns = Namespace::create("apply").expect("ip netns add");
        group.throughput(Throughput::Elements(flows as u64));
        group.bench_with_input(
            BenchmarkId::new("netlink", flows),
            &ruleset,
            |b, ruleset| {
                b.iter(|| {
                    sanso_nft::netlink::apply(ruleset, Some(ns.name()))
                        .expect("apply into the bench namespace")
                })
            },
        );
        drop(ns);
    }
    group.finish();
}

criterion_group!(benches, apply);
criterion_main!(benches);
