//! A hand-built `Ruleset` for the text back end's tests: IPv4 and IPv6, ports
//! and ICMP, a group of overlapping flows, `until`, `limit`, `log`, a
//! catch-all zone and unsafe (non-ASCII) zone and flow names.
// Tests start programs of their own (nft, ip, the daemon); the code under
// test runs them through sanso_process.
#![allow(clippy::disallowed_methods)]
#![allow(dead_code)]

use std::net::{Ipv4Addr, Ipv6Addr};

use sanso_ir::{
    AddrRange, Element, Family, FlowIdx, FlowRule, GroupIdx, L4Key, L4Proto, Ruleset, SpoofKey,
    Target, ZoneIdx, ZoneInfo, ZoneRange,
};
use sanso_policy::{RateLimit, RateUnit, Tier};

pub fn v4(a: &str, b: &str) -> AddrRange<Ipv4Addr> {
    AddrRange {
        first: a.parse().expect("test address"),
        last: b.parse().expect("test address"),
    }
}

pub fn v6(a: &str, b: &str) -> AddrRange<Ipv6Addr> {
    AddrRange {
        first: a.parse().expect("test address"),
        last: b.parse().expect("test address"),
    }
}

fn flow(name: &str, reason: &str, policy_index: usize) -> FlowRule {
    FlowRule {
        name: name.to_owned(),
        mark: 0x5a00_0000 + policy_index as u32 + 1,
        reason: reason.to_owned(),
        policy_index,
        log: false,
        limit: None,
        until: None,
        exception_ticket: None,
    }
}

fn zone(name: &str, tier: Tier, interface: &str) -> ZoneInfo {
    ZoneInfo {
        name: name.to_owned(),
        tier,
        interfaces: vec![interface.to_owned()],
    }
}

const MN: Option<ZoneIdx> = Some(ZoneIdx(0));
const LG: Option<ZoneIdx> = Some(ZoneIdx(1));
const UP: Option<ZoneIdx> = Some(ZoneIdx(2));
const GW: Option<ZoneIdx> = None;

fn tcp(first: u16, last: u16) -> L4Key {
    L4Key::Ports {
        proto: L4Proto::Tcp,
        first,
        last,
    }
}

fn el<A>(
    src: AddrRange<A>,
    dst: AddrRange<A>,
    l4: L4Key,
    target: Target,
    zs: Option<ZoneIdx>,
    zd: Option<ZoneIdx>,
) -> Element<A> {
    Element {
        src,
        dst,
        l4,
        target,
        src_zone: zs,
        dst_zone: zd,
    }
}

/// Zones: `mn-office` (mynumber), `住民 zone` (lgwan, unsafe name), `upstream`
/// (external, the catch-all). Flows: `lg-web` (log, limit) and `lg-web-admin`
/// overlap on tcp/443 (group 0); `保守 "window"` (until, exception, unsafe
/// name); `ping` (ICMP and ICMPv6); `dns-to-gw` (input); `gw-dns` (output).
pub fn ruleset() -> Ruleset {
    let mut lg_web = flow(
        "lg-web",
        "LGWAN terminals browse through the security cloud",
        0,
    );
    lg_web.log = true;
    lg_web.limit = Some(RateLimit {
        count: 20,
        unit: RateUnit::Second,
    });
    let lg_web_admin = flow("lg-web-admin", "admin console", 1);
    let mut maint = flow(
        "保守 \"window\"",
        "委託: vendor maintenance \\ until year end",
        2,
    );
    maint.until = Some(1_798_729_200);
    maint.exception_ticket = Some("SEC-2026-041".to_owned());
    let mut ping = flow("ping", "reachability checks", 3);
    ping.log = true;
    let dns_gw = flow("dns-to-gw", "resolver on the gateway", 4);
    let gw_dns = flow("gw-dns", "the gateway asks upstream resolvers", 5);

    let group = Target::Group(GroupIdx(0));
    let f = |i| Target::Flow(FlowIdx(i));
    let all4 = v4("0.0.0.0", "255.255.255.255");
    let all6 = v6("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    let lg_net = v4("10.20.0.0", "10.20.255.255");
    let cloud = v4("198.51.100.10", "198.51.100.11");

    let v4_family = Family {
        zones: vec![
            ZoneRange {
                range: v4("0.0.0.0", "10.9.255.255"),
                zone: ZoneIdx(2),
            },
            ZoneRange {
                range: v4("10.10.0.0", "10.10.255.255"),
                zone: ZoneIdx(0),
            },
            ZoneRange {
                range: v4("10.11.0.0", "10.19.255.255"),
                zone: ZoneIdx(2),
            },
            ZoneRange {
                range: lg_net,
                zone: ZoneIdx(1),
            },
            ZoneRange {
                range: v4("10.21.0.0", "255.255.255.255"),
                zone: ZoneIdx(2),
            },
        ],
        antispoof: vec![
            SpoofKey {
                interface: "lg0".into(),
                range: lg_net,
            },
            SpoofKey {
                interface: "mn0".into(),
                range: v4("10.10.0.0", "10.10.255.255"),
            },
            SpoofKey {
                interface: "wan0".into(),
                range: v4("0.0.0.0", "10.9.255.255"),
            },
            SpoofKey {
                interface: "wan0".into(),
                range: v4("10.11.0.0", "10.19.255.255"),
            },
            SpoofKey {
                interface: "wan0".into(),
                range: v4("10.21.0.0", "255.255.255.255"),
            },
        ],
        forward: vec![
            el(
                v4("10.10.0.5", "10.10.0.5"),
                v4("10.20.5.10", "10.20.5.10"),
                tcp(22, 22),
                f(2),
                MN,
                LG,
            ),
            el(
                lg_net,
                v4("10.10.0.0", "10.10.255.255"),
                L4Key::Icmp { icmp_type: 8 },
                f(3),
                LG,
                MN,
            ),
            el(lg_net, cloud, tcp(443, 443), group, LG, UP),
            el(lg_net, cloud, tcp(8443, 8444), f(0), LG, UP),
        ],
        input: vec![el(
            lg_net,
            all4,
            L4Key::Ports {
                proto: L4Proto::Udp,
                first: 53,
                last: 53,
            },
            f(4),
            LG,
            GW,
        )],
        output: vec![],
    };
    let mn6 = v6("fd00:10::", "fd00:10:0:ffff:ffff:ffff:ffff:ffff");
    let v6_family = Family {
        zones: vec![
            ZoneRange {
                range: v6("::", "fd00:f:ffff:ffff:ffff:ffff:ffff:ffff"),
                zone: ZoneIdx(2),
            },
            ZoneRange {
                range: mn6,
                zone: ZoneIdx(0),
            },
            ZoneRange {
                range: v6("fd00:11::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
                zone: ZoneIdx(2),
            },
        ],
        antispoof: vec![
            SpoofKey {
                interface: "mn0".into(),
                range: mn6,
            },
            SpoofKey {
                interface: "wan0".into(),
                range: v6("::", "fd00:f:ffff:ffff:ffff:ffff:ffff:ffff"),
            },
            SpoofKey {
                interface: "wan0".into(),
                range: v6("fd00:11::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
            },
        ],
        forward: vec![
            el(
                mn6,
                v6("2001:db8::1", "2001:db8::1"),
                L4Key::Icmp { icmp_type: 128 },
                f(3),
                MN,
                UP,
            ),
            el(
                mn6,
                v6("2001:db8::1", "2001:db8::1"),
                L4Key::Icmp { icmp_type: 200 },
                f(3),
                MN,
                UP,
            ),
        ],
        input: vec![],
        output: vec![el(
            all6,
            v6("2001:db8::53", "2001:db8::53"),
            L4Key::Ports {
                proto: L4Proto::Udp,
                first: 53,
                last: 53,
            },
            f(5),
            GW,
            UP,
        )],
    };
    Ruleset {
        policy_name: "test-city".to_owned(),
        revision: Some("2026-11-30.1".to_owned()),
        content_hash: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".to_owned(),
        compiled_at: 1_780_000_000,
        zones: vec![
            zone("mn-office", Tier::Mynumber, "mn0"),
            zone("住民 zone", Tier::Lgwan, "lg0"),
            zone("upstream", Tier::External, "wan0"),
        ],
        flows: vec![lg_web, lg_web_admin, maint, ping, dns_gw, gw_dns],
        groups: vec![vec![FlowIdx(0), FlowIdx(1)]],
        v4: v4_family,
        v6: v6_family,
        ha: None,
    }
}

/// A ruleset with no zones and no flows.
pub fn empty() -> Ruleset {
    Ruleset {
        policy_name: "empty".to_owned(),
        revision: None,
        content_hash: "ffffffffffffffffffffffffffffffff".to_owned(),
        compiled_at: 0,
        zones: vec![],
        flows: vec![],
        groups: vec![],
        v4: Family {
            zones: vec![],
            antispoof: vec![],
            forward: vec![],
            input: vec![],
            output: vec![],
        },
        v6: Family {
            zones: vec![],
            antispoof: vec![],
            forward: vec![],
            input: vec![],
            output: vec![],
        },
        ha: None,
    }
}

/// True when the test may create network namespaces; prints why not otherwise.
pub fn have_root(test: &str) -> bool {
    sanso_testkit::root(&format!("{test} creates a network namespace"))
}

/// A network namespace that exists while the value lives (removed on drop,
/// also when the test panics). Names are unique per process and call, and
/// follow `sanso_nft::readback::NAMESPACE_PREFIX` (`sanso-<pid>-<purpose>-<n>`),
/// so a killed test's namespaces are swept by the next run.
pub struct TestNamespace {
    pub name: String,
}

impl TestNamespace {
    pub fn new(purpose: &str) -> Self {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("sanso-{}-{purpose}-{n}", std::process::id());
        let status = std::process::Command::new("ip")
            .args(["netns", "add", &name])
            .status()
            .expect("run ip");
        assert!(status.success(), "ip netns add {name} failed");
        TestNamespace { name }
    }

    /// Runs `nft ARGS` inside the namespace with `stdin` as its input.
    pub fn nft(&self, args: &[&str], stdin: &str) -> std::process::Output {
        use std::io::Write as _;
        let mut child = std::process::Command::new("ip")
            .args(["netns", "exec", &self.name, "nft"])
            .args(args)
            .env("TZ", "UTC")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run nft");
        child
            .stdin
            .take()
            .expect("piped stdin")
            .write_all(stdin.as_bytes())
            .expect("write nft input");
        child.wait_with_output().expect("wait for nft")
    }

    /// Like [`nft`](Self::nft) but panics with nft's message on failure.
    pub fn nft_ok(&self, args: &[&str], stdin: &str) -> String {
        let out = self.nft(args, stdin);
        assert!(
            out.status.success(),
            "nft {args:?} failed in {}: {}",
            self.name,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for TestNamespace {
    fn drop(&mut self) {
        let _ = std::process::Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}
