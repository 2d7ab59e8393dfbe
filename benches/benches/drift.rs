//! What the daemon's drift watch and metrics cost per tick and per scrape
//! (root only; skipped otherwise), on the compiled synthetic ruleset applied
//! into a throwaway network namespace:
//!
//! * `full_check`: read the live table back (`sanso_nft::readback::live_table`:
//!   `nft -j list` and `nft list`, parsed) and compare it with what was
//!   applied, what a tick does when the generation changed and every
//!   `--drift-full-every` ticks;
//! * `generation`: one NFT_MSG_GETGEN, what every other tick does;
//! * `counters_netlink`: the named counters in one netlink dump, what a
//!   scrape reads;
//! * `counters_nft`: `nft -j list counters`, what a scrape ran before.
//!
//! Read the ratios against `full_check` and `counters_nft` measured in the
//! same run (docs/operations.md, "Drift").

sanso_benches::sanso_allocator!();

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use sanso_benches::kernel::Namespace;

mod common;

fn drift(c: &mut Criterion) {
    if !sanso_testkit::root("read a table back from a throwaway network namespace") {
        return;
    }
    let mut group = c.benchmark_group("drift");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_secs(3));
    // Reading 100,000 flows back through nft takes minutes per sample.
    let sizes = std::env::var("SANSO_BENCH_FLOWS")
        .map_or_else(|_| vec![1_000, 10_000], |_| common::sizes());
    for flows in sizes {
        let (_, ruleset) = common::compiled(flows);
        let ns = Namespace::create("drift").expect("ip netns add");
        sanso_nft::netlink::apply(&ruleset, Some(ns.name())).expect("apply into the namespace");
        let applied = sanso_nft::readback::live_table(Some(ns.name())).expect("read back");
        group.bench_with_input(
            BenchmarkId::new("full_check", flows),
            &applied,
            |b, applied| {
                b.iter(|| {
                let live = sanso_nft::readback::live_table(Some(ns.name())).expect("read back");
                assert!(sanso_nft::readback::diff_ignoring_isolation(applied, &live).is_empty());
            })
            },
        );
        group.bench_function(BenchmarkId::new("generation", flows), |b| {
            b.iter(|| sanso_nft::netlink::generation(Some(ns.name())).expect("generation"))
        });
        group.bench_function(BenchmarkId::new("counters_netlink", flows), |b| {
            b.iter(|| {
                let (_, counters) =
                    sanso_nft::netlink::named_counters(Some(ns.name()), "sanso").expect("counters");
                assert!(!counters.is_empty());
            })
        });
        group.bench_function(BenchmarkId::new("counters_nft", flows), |b| {
            b.iter(|| {
                sanso_process::Command::new("nft")
                    .args(["-j", "list", "counters", "table", "inet", "sanso"])
                    .netns(Some(ns.name()))
                    .run()
                    .expect("nft -j list counters")
            })
        });
        drop(ns);
    }
    group.finish();
}

criterion_group!(benches, drift);
criterion_main!(benches);
