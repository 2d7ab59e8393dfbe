//! Hand-written rulesets through the real kernel: each probe's verdict is
//! what the ruleset in `common` says. Root only; skipped visibly otherwise.

mod common;

use common::*;
use sanso_netns::{run_probes, run_probes_with, HarnessOptions, KernelVerdict, Probe, ProbeL4};

use KernelVerdict::{Accept, Drop};
use ProbeL4::{Icmp, Tcp, Udp};

fn check(cases: &[(Probe, KernelVerdict)]) {
    let probes: Vec<Probe> = cases.iter().map(|(p, _)| p.clone()).collect();
    let run = run_probes_with(&policy(), RULESET, &probes, &HarnessOptions::default())
        .expect("kernel run");
    println!("{}", run.stats);
    let mut wrong = Vec::new();
    for ((probe, want), got) in cases.iter().zip(&run.outcomes) {
        if got.verdict != *want {
            wrong.push(format!(
                "{probe}: expected {want}, kernel said {} ({:?})",
                got.verdict, got
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    for prefix in &run.stats.run_prefixes {
        assert_eq!(
            sanso_netns::netns::namespaces_with_prefix(&format!("{prefix}-")),
            Vec::<String>::new()
        );
    }
}

#[test]
fn ipv4_tcp_udp_icmp_forward() {
    if !root_or_skip("ipv4_tcp_udp_icmp_forward") {
        return;
    }
    check(&[
        (to("10.10.0.5", "10.20.0.5", Tcp(443)), Accept),
        (to("10.10.0.5", "10.20.0.5", Tcp(444)), Drop),
        (to("10.10.0.5", "10.20.0.5", Tcp(442)), Drop),
        (to("10.20.0.5", "10.10.0.5", Tcp(443)), Drop),
        (to("10.10.0.5", "10.20.0.6", Udp(53)), Accept),
        (to("10.10.0.5", "10.20.0.6", Udp(54)), Drop),
        (to("10.10.0.5", "10.20.0.6", Tcp(53)), Drop),
        (to("10.10.0.5", "10.20.0.7", Icmp(8)), Accept),
        (to("10.10.0.5", "10.20.0.7", Icmp(13)), Drop),
        (to("10.20.0.9", "10.10.0.5", Icmp(8)), Drop),
        // Into the catch-all zone behind wan0.
        (to("10.20.0.5", "198.51.100.7", Tcp(25)), Accept),
        (to("10.20.0.5", "203.0.113.7", Tcp(25)), Drop),
        (to("10.10.0.5", "198.51.100.7", Tcp(25)), Drop),
    ]);
}

#[test]
fn ipv6_tcp_and_icmpv6_forward() {
    if !root_or_skip("ipv6_tcp_and_icmpv6_forward") {
        return;
    }
    check(&[
        (to("fd00:10::5", "fd00:20::5", Tcp(22)), Accept),
        (to("fd00:10::5", "fd00:20::5", Tcp(23)), Drop),
        (to("fd00:20::5", "fd00:10::5", Tcp(22)), Drop),
        (to("fd00:10::5", "fd00:20::6", Icmp(128)), Accept),
        (to("fd00:10::5", "fd00:20::6", Udp(22)), Drop),
        (to("fd00:10::5", "2001:db8::1", Icmp(128)), Drop),
    ]);
}

#[test]
fn to_self_accepted_and_dropped() {
    if !root_or_skip("to_self_accepted_and_dropped") {
        return;
    }
    check(&[
        (to_self("10.10.0.5", Tcp(22)), Accept),
        (to_self("10.10.0.5", Tcp(23)), Drop),
        (to_self("10.20.0.5", Tcp(22)), Drop),
        (to_self("10.20.0.5", Udp(123)), Accept),
        (to_self("10.10.0.5", Udp(123)), Drop),
        (to_self("fd00:10::5", Icmp(128)), Accept),
        (to_self("fd00:20::5", Icmp(128)), Drop),
        (to_self("10.10.0.5", Icmp(8)), Drop),
    ]);
}

#[test]
fn anti_spoofing_drops_a_source_on_the_wrong_interface() {
    if !root_or_skip("anti_spoofing_drops_a_source_on_the_wrong_interface") {
        return;
    }
    check(&[
        // The same packet, once on its own interface, once spoofed from lgwan's.
        (to("10.10.0.5", "10.20.0.5", Tcp(443)), Accept),
        (via("lg0", to("10.10.0.6", "10.20.0.5", Tcp(443))), Drop),
        (via("mn0", to("10.10.0.7", "10.20.0.5", Tcp(443))), Accept),
        (via("wan0", to("10.10.0.8", "10.20.0.5", Tcp(443))), Accept),
        (via("lg0", to_self("10.10.0.5", Tcp(22))), Drop),
        (via("mn0", to("fd00:20::8", "fd00:20::9", Icmp(128))), Drop),
    ]);
}

#[test]
fn a_refused_ruleset_is_an_error() {
    if !root_or_skip("a_refused_ruleset_is_an_error") {
        return;
    }
    let err = run_probes(
        &policy(),
        "table inet broken { chain c { nonsense } }",
        &[to("10.10.0.5", "10.20.0.5", Tcp(443))],
    )
    .expect_err("nft must refuse it");
    assert!(
        matches!(err, sanso_netns::HarnessError::NftLoad { .. }),
        "{err}"
    );
}

#[test]
fn many_probes_all_arrive_when_everything_is_accepted() {
    if !root_or_skip("many_probes_all_arrive_when_everything_is_accepted") {
        return;
    }
    let n = 2000;
    let probes: Vec<Probe> = (0..n)
        .map(|k| {
            let src = format!("10.10.{}.{}", k / 250, k % 250 + 1);
            let dst = format!("10.20.{}.{}", k / 250, k % 250 + 1);
            let l4 = match k % 3 {
                0 => Tcp(443),
                1 => Udp(53),
                _ => Icmp(8),
            };
            if k % 2 == 0 {
                to(&src, &dst, l4)
            } else {
                let l4 = if let Icmp(_) = l4 { Icmp(128) } else { l4 };
                to(&format!("fd00:10::{k:x}"), &format!("2001:db8::{k:x}"), l4)
            }
        })
        .collect();
    let run = run_probes_with(&policy(), ACCEPT_ALL, &probes, &HarnessOptions::default())
        .expect("kernel run");
    println!("{}", run.stats);
    let dropped: Vec<_> = run
        .outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| o.verdict == Drop)
        .map(|(k, _)| k)
        .collect();
    assert!(dropped.is_empty(), "accept-all dropped probes {dropped:?}");
}
