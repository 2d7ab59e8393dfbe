//! Compile stages: load (parse + validate), lower to the IR, render nft text,
//! encode the netlink batch.

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
    for flows in common::sizes() {
        let text = common::text(flows);
        group.throughput(Throughput::Elements(flows as u64));
        group.bench_with_input(BenchmarkId::new("load", flows), &text, |b, text| {
            b.iter(|| sanso_policy::load_policy("synthetic.toml", black_box(text)).expect("valid"))
        });
        let policy = sanso_policy::load_policy("synthetic.toml", &text)
            .expect("synthetic policies validate");
        group.bench_with_input(BenchmarkId::new("lower", flows), &policy, |b, policy| {
            b.iter(|| sanso_ir::lower(black_box(policy), 0))
        });
        let ruleset = sanso_ir::lower(&policy, 0);
        group.bench_with_input(BenchmarkId::new("render", flows), &ruleset, |b, ruleset| {
            b.iter(|| sanso_nft::text::render(black_box(ruleset)))
        });
        // The netlink batch `apply` sends, encoded but not sent.
        group.bench_with_input(BenchmarkId::new("encode", flows), &ruleset, |b, ruleset| {
            b.iter(|| sanso_nft::netlink::batch_messages(black_box(ruleset)).expect("encodes"))
        });
    }
    group.finish();
}

criterion_group!(benches, compile);
criterion_main!(benches);
