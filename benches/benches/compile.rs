//! Compile stages: load (parse + validate), lower to the IR, render nft text,
//! encode the netlink batch; at `SANSO_BENCH_FLOWS` sizes of the realistic
//! synthetic policy, and at `SANSO_BENCH_PAIR_FLOWS` sizes of the policy
//! whose flows all lie between one pair of zones (ids `load-one-pair/N`...).

sanso_benches::sanso_allocator!();

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

mod common;

fn compile(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_secs(3));
    let cases = common::sizes()
        .into_iter()
        .map(|flows| ("", flows, common::text(flows)))
        .chain(
            common::pair_sizes()
                .into_iter()
                .map(|flows| ("-one-pair", flows, common::pair_text(flows))),
        );
    for (suffix, flows, text) in cases {
        let id = |stage: &str| BenchmarkId::new(format!("{stage}{suffix}"), flows);
        group.throughput(Throughput::Elements(flows as u64));
        group.bench_with_input(id("load"), &text, |b, text| {
            b.iter(|| sanso_policy::load_policy("synthetic.toml", black_box(text)).expect("valid"))
        });
        let policy = sanso_policy::load_policy("synthetic.toml", &text)
            .expect("synthetic policies validate");
        group.bench_with_input(id("lower"), &policy, |b, policy| {
            b.iter(|| sanso_ir::lower(black_box(policy), 0))
        });
        let ruleset = sanso_ir::lower(&policy, 0);
        group.bench_with_input(id("render"), &ruleset, |b, ruleset| {
            b.iter(|| sanso_nft::text::render(black_box(ruleset)))
        });
        // The netlink batch `apply` sends, encoded but not sent.
        group.bench_with_input(id("encode"), &ruleset, |b, ruleset| {
            b.iter(|| sanso_nft::netlink::batch_messages(black_box(ruleset)).expect("encodes"))
        });
    }
    group.finish();
}

criterion_group!(benches, compile);
criterion_main!(benches);
