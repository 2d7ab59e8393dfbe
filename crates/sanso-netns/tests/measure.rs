//! Timing of the harness, for the numbers in README.md: setup time, time per
//! probe, and the send-to-capture latency that the drop wait must cover.
//! Ignored by default (it takes a while); run as root with
//! `cargo test -p sanso-netns --test measure -- --ignored --nocapture`.

mod common;

use std::time::Duration;

use common::*;
use sanso_netns::{run_probes_with, HarnessOptions, KernelVerdict, Probe, ProbeL4};

fn mixed(n: usize) -> Vec<Probe> {
    (0..n)
        .map(|k| {
            let l4 = match k % 3 {
                0 => ProbeL4::Tcp(443),
                1 => ProbeL4::Udp(53),
                _ => ProbeL4::Icmp(if k % 2 == 0 { 8 } else { 128 }),
            };
            match k % 4 {
                0 => to(
                    &format!("10.10.{}.{}", k / 250 % 250, k % 250 + 1),
                    &format!("10.20.{}.{}", k / 250 % 250, k % 250 + 1),
                    l4,
                ),
                1 => to(&format!("fd00:10::{k:x}"), &format!("2001:db8::{k:x}"), l4),
                2 => to_self(&format!("10.20.{}.{}", k / 250 % 250, k % 250 + 1), l4),
                _ => to_self(&format!("fd00:20::{k:x}"), l4),
            }
        })
        .map(|mut p| {
            // ICMP type must match the family.
            if let ProbeL4::Icmp(_) = p.l4 {
                p.l4 = ProbeL4::Icmp(if p.src.is_ipv4() { 8 } else { 128 });
            }
            p
        })
        .collect()
}

#[test]
#[ignore = "measurement; run with --ignored --nocapture"]
fn latency_and_cost() {
    if !root_or_skip("latency_and_cost") {
        return;
    }
    for n in [10, 100, 1000, 5000, 20000] {
        let mut latencies: Vec<Duration> = Vec::new();
        for _ in 0..3 {
            let run = run_probes_with(&policy(), ACCEPT_ALL, &mixed(n), &HarnessOptions::default())
                .expect("run");
            println!("n={n}\n{}", run.stats);
            assert!(
                run.outcomes
                    .iter()
                    .all(|o| o.verdict == KernelVerdict::Accept),
                "accept-all lost a probe"
            );
            latencies.extend(run.outcomes.iter().filter_map(|o| o.latency));
        }
        latencies.sort();
        let q = |f: f64| latencies[((latencies.len() - 1) as f64 * f) as usize];
        println!(
            "n={n}: latency p50 {:?}, p99 {:?}, max {:?}\n",
            q(0.5),
            q(0.99),
            q(1.0)
        );
    }
}
