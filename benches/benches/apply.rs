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

/// One flow removed and added back, in turn: the table changed in place
/// (`Applier::apply`, which builds the new table's kernel objects, finds
/// what differs and sends it) against the same change as a replace of the
/// table, in the same run.
fn change_one_flow(c: &mut Criterion) {
    if !sanso_testkit::root("apply into a throwaway network namespace") {
        return;
    }
    let mut group = c.benchmark_group("change_one_flow");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_secs(5));
    let none = sanso_nft::isolation::Isolated::default();
    for flows in common::sizes() {
        let text = common::text(flows);
        let compile = |text: &str| {
            let policy = sanso_policy::load_policy("synthetic.toml", text)
                .expect("synthetic policies validate");
            sanso_ir::lower(&policy, 0)
        };
        let both = [
            compile(&text),
            compile(&sanso_benches::without_middle_flow(&text)),
        ];
        let ns = Namespace::create("inplace").expect("ip netns add");
        let applier = sanso_nft::netlink::Applier::new(Some(ns.name().to_owned()));
        applier.apply(&both[0], &none).expect("first apply");
        let mut turn = 0;
        group.bench_function(BenchmarkId::new("in_place", flows), |b| {
            b.iter(|| {
                turn += 1;
                let (_, mode) = applier
                    .apply(&both[turn % 2], &none)
                    .expect("apply into the bench namespace");
                assert!(
                    matches!(mode, sanso_nft::netlink::ApplyMode::InPlace(_)),
                    "{mode:?}"
                );
            })
        });
        group.bench_function(BenchmarkId::new("replace", flows), |b| {
            b.iter(|| {
                turn += 1;
                sanso_nft::netlink::apply(&both[turn % 2], Some(ns.name()))
                    .expect("apply into the bench namespace")
            })
        });
        drop(ns);
    }
    group.finish();
}

criterion_group!(benches, apply, change_one_flow);
criterion_main!(benches);
