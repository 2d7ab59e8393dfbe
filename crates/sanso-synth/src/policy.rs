//! The synthetic policy generator: a seeded, realistic policy of a given
//! number of flows, as TOML text (so that parsing is part of what a benchmark
//! measures). Every policy it writes is valid under the policy contract v2
//! (`docs/policy-format.md`): no guardrail error and none of the warnings a
//! careful author would fix (no external zone without `beyond`, no exception
//! that waives nothing, no role host without `serves`, no access from the
//! Internet or a closed line without `until`).
//!
//! Shape (all derived from the flow count, see [`SynthSpec::shape`]):
//! several zones per tier (`mn-z<i>`, `lg-z<i>`, `in-z<i>` on `10.<k>.0.0/16`
//! and `fd00:0:<k>::/48`), three external zones (`upstream` catch-all, beyond
//! the Internet, with the security-cloud proxies; `jlis`, a closed line;
//! `lgwan-wan`, the LGWAN backbone), many hosts per zone (single addresses in
//! blocks of 16, some `/28` server farms, a third with an IPv6 address), custom
//! services with single ports, port ranges (at most 100 ports) that overlap and
//! tcp+udp pairs, and flows of these kinds:
//!
//! * inside one tier, host to host (most), host to zone, zone to host, zone to zone;
//! * lgwan to the internet tier's screen-transfer host (host 1 of each internet
//!   zone), internet hosts to lgwan's sanitizer host and the internet tier's
//!   sanitizer to lgwan (host 0 of each lgwan and internet zone); each role host
//!   `serves` every service of the flows it carries (guardrail 3);
//! * internet to the security-cloud hosts (guardrail 5);
//! * the security cloud to internet hosts (guardrail 5), and other Internet
//!   hosts (or the whole `upstream` zone) to internet hosts under an exception
//!   with an `until` (委託 access);
//! * lgwan to the LGWAN backbone;
//! * mynumber hosts to J-LIS or lgwan hosts, and to the gateway, under an
//!   exception (guardrail 1: named hosts at both ends);
//! * zones to the gateway itself and the gateway to the security cloud.
//!
//! No flow touches mynumber and the internet tier or the Internet together
//! (guardrail 2), lgwan and the Internet (guardrail 4), or two external zones
//! (guardrail 6). Services are at most 100 ports wide and a flow names at most
//! three, so no flow allows a port range wider than 1024 ports (guardrail 8).

use std::fmt::Write as _;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SynthSpec {
    /// Number of `[[flows]]` entries (10 to 100,000 are the intended sizes).
    pub flows: usize,
    pub seed: u64,
    pub endpoints: EndpointMix,
}

/// Which ends flows may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndpointMix {
    /// Hosts mostly, whole zones (and `self`) for about one flow in six: realistic.
    Mixed,
    /// Hosts only (no zone or `self` ends): isolates the cost of zone-wide flows.
    HostsOnly,
    /// Every flow from a plain host of `lg-z0` to a plain host of `lg-z1`:
    /// one zone pair holds all the flows (its map in the kernel, its sweep
    /// in the lowering), the worst case of a policy of that size.
    SinglePair,
}

/// The sizes the generator derives from the flow count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Zones in each of the three tiers.
    pub zones_per_tier: usize,
    /// Hosts in each internal zone.
    pub hosts_per_zone: usize,
    /// Custom services (besides the built-ins).
    pub services: usize,
    /// Plain (non security-cloud) hosts in the `upstream` zone.
    pub upstream_hosts: usize,
}

/// Each internal zone holds hosts in blocks of 16 addresses of its /16.
const MAX_HOSTS_PER_ZONE: usize = 4096;

impl SynthSpec {
    pub fn new(flows: usize, seed: u64) -> Self {
        SynthSpec {
            flows,
            seed,
            endpoints: EndpointMix::Mixed,
        }
    }

    pub fn shape(&self) -> Shape {
        let n = self.flows.max(1);
        let zones_per_tier = (2 + n.ilog10() as usize).clamp(2, 8);
        Shape {
            zones_per_tier,
            hosts_per_zone: n
                .div_ceil(2 * 3 * zones_per_tier)
                .clamp(4, MAX_HOSTS_PER_ZONE),
            services: (n / 40).clamp(8, 2000),
            upstream_hosts: (n / 100).clamp(4, 250),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tier {
    Mynumber,
    Lgwan,
    Internet,
}

impl Tier {
    const ALL: [Tier; 3] = [Tier::Mynumber, Tier::Lgwan, Tier::Internet];

    fn word(self) -> &'static str {
        match self {
            Tier::Mynumber => "mynumber",
            Tier::Lgwan => "lgwan",
            Tier::Internet => "internet",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Tier::Mynumber => "mn",
            Tier::Lgwan => "lg",
            Tier::Internet => "in",
        }
    }
}

const BUILTIN_SERVICES: [&str; 11] = [
    "https", "http", "ssh", "dns", "ntp", "smtp", "ldap", "rdp", "syslog", "ping", "smb",
];

const SECURITY_CLOUD_HOSTS: usize = 4;
const JLIS_HOSTS: usize = 3;
const LGWAN_WAN_HOSTS: usize = 8;

/// Host index 0 of every lgwan and internet zone is a sanitizer; index 1 of
/// every internet zone a screen-transfer server (a virtual browser the lgwan
/// side reaches). Hosts from index 2 on are plain hosts.
const SANITIZER: usize = 0;
const SCREEN_TRANSFER: usize = 1;
const FIRST_PLAIN: usize = 2;

/// What a screen-transfer host `serves` (flows to it pick among these).
const SCREEN_TRANSFER_SERVES: [&str; 2] = ["rdp", "https"];
/// What every sanitizer `serves` besides a few custom services of its own.
const SANITIZER_BUILTIN_SERVES: [&str; 3] = ["smtp", "https", "smb"];
/// Custom services in each sanitizer's `serves`.
const SANITIZER_CUSTOM_SERVES: usize = 3;

/// The `until` of flows that must end (委託 access from outside).
const CONTRACT_END: &str = "2099-12-31";

/// The policy as TOML text. Deterministic: the same spec gives the same bytes.
/// The result loads without errors and without the warnings W001, W005, W006,
/// W008, W009, W010 and W011 (the crate's tests check several sizes and seeds).
pub fn policy_text(spec: &SynthSpec) -> String {
    Generator::new(spec).run()
}

struct Generator {
    spec: SynthSpec,
    shape: Shape,
    rng: ChaCha8Rng,
    out: String,
    /// The `serves` of the sanitizer of each lgwan zone, then of each internet
    /// zone (see [`Generator::sanitizer_slot`]), filled as the hosts are written.
    sanitizer_serves: Vec<Vec<String>>,
}

impl Generator {
    fn new(spec: &SynthSpec) -> Self {
        Generator {
            spec: *spec,
            shape: spec.shape(),
            rng: ChaCha8Rng::seed_from_u64(spec.seed),
            // About 140 bytes per flow.
            out: String::with_capacity(4096 + spec.flows * 140),
            sanitizer_serves: Vec::new(),
        }
    }

    fn run(mut self) -> String {
        let Shape {
            zones_per_tier,
            hosts_per_zone,
            services,
            upstream_hosts,
        } = self.shape;
        let out = &mut self.out;
        // Writing to a String cannot fail; the `let _ =` below keep that visible.
        let _ = writeln!(
            out,
            "# Synthetic policy: {} flows, seed {}.",
            self.spec.flows, self.spec.seed
        );
        let _ = writeln!(out, "# Generated by sanso-synth; do not edit.\n");
        let _ = writeln!(out, "[policy]\nname = \"synthetic-{}\"", self.spec.flows);
        let _ = writeln!(out, "revision = \"seed-{}\"\n", self.spec.seed);

        for tier in Tier::ALL {
            for z in 0..zones_per_tier {
                let k = zone_octet(tier, z, zones_per_tier);
                let _ = writeln!(out, "[zones.{}-z{z}]", tier.prefix());
                let _ = writeln!(out, "tier = \"{}\"", tier.word());
                let _ = writeln!(out, "interfaces = [\"{}{z}\"]", tier.prefix());
                let _ = writeln!(
                    out,
                    "networks = [\"10.{k}.0.0/16\", \"fd00:0:{k:x}::/48\"]\n"
                );
            }
        }
        out.push_str("[zones.upstream]\ntier = \"external\"\nbeyond = \"internet\"\n");
        out.push_str("interfaces = [\"wan0\"]\nnetworks = [\"0.0.0.0/0\", \"::/0\"]\n\n");
        out.push_str("[zones.jlis]\ntier = \"external\"\nbeyond = \"closed\"\n");
        out.push_str("interfaces = [\"jlis0\"]\nnetworks = [\"192.0.2.0/24\"]\n\n");
        out.push_str("[zones.lgwan-wan]\ntier = \"external\"\nbeyond = \"lgwan\"\n");
        out.push_str("interfaces = [\"lgwan0\"]\nnetworks = [\"172.16.0.0/16\"]\n\n");

        for tier in Tier::ALL {
            for z in 0..zones_per_tier {
                let k = zone_octet(tier, z, zones_per_tier);
                for j in 0..hosts_per_zone {
                    self.internal_host(tier, z, k, j);
                }
            }
        }
        let out = &mut self.out;
        for i in 0..SECURITY_CLOUD_HOSTS {
            let _ = writeln!(out, "[hosts.pref-cloud-{i}]\nzone = \"upstream\"");
            let _ = writeln!(
                out,
                "addresses = [\"198.51.100.{}\", \"2001:db8:100::{:x}\"]",
                10 + i,
                10 + i
            );
            let _ = writeln!(out, "roles = [\"security-cloud\"]\n");
        }
        for i in 0..upstream_hosts {
            let _ = writeln!(out, "[hosts.ext-{i}]\nzone = \"upstream\"");
            let _ = writeln!(
                out,
                "addresses = [\"203.0.113.{}\"]\nroles = [\"partner\"]\n",
                i + 1
            );
        }
        for i in 0..JLIS_HOSTS {
            let _ = writeln!(out, "[hosts.chukan-{i}]\nzone = \"jlis\"");
            let _ = writeln!(
                out,
                "addresses = [\"192.0.2.{}\"]\nroles = [\"intermediate-server\"]\n",
                10 + i
            );
        }
        for i in 0..LGWAN_WAN_HOSTS {
            let _ = writeln!(out, "[hosts.lgwan-svc-{i}]\nzone = \"lgwan-wan\"");
            let _ = writeln!(
                out,
                "addresses = [\"172.16.{i}.10\"]\nroles = [\"lgwan-service\"]\n"
            );
        }

        out.push_str("[services]\n");
        for i in 0..services {
            let port = 10_000 + (i * 13) % 10_000;
            let _ = match i % 4 {
                0 => writeln!(out, "app{i} = [\"tcp/{port}\"]"),
                1 => writeln!(out, "uapp{i} = [\"udp/{port}\"]"),
                2 => {
                    // Ranges overlap each other (and some single ports).
                    let first = 20_000 + (i * 37) % 30_000;
                    let width = [9, 49, 99][(i / 4) % 3];
                    writeln!(out, "rng{i} = [\"tcp/{first}-{}\"]", first + width)
                }
                _ => writeln!(out, "mix{i} = [\"tcp/{port}\", \"udp/{port}\"]"),
            };
        }
        out.push('\n');

        for i in 0..self.spec.flows {
            self.flow(i);
        }
        self.out
    }

    fn internal_host(&mut self, tier: Tier, z: usize, k: usize, j: usize) {
        let block = j * 16;
        let (o3, o4) = (block / 256, block % 256);
        let farm = j > SCREEN_TRANSFER && self.rng.gen_bool(0.1);
        let v6 = self.rng.gen_bool(0.33);
        let role = match (tier, j) {
            (Tier::Lgwan | Tier::Internet, SANITIZER) => "sanitizer",
            (Tier::Internet, SCREEN_TRANSFER) => "screen-transfer",
            _ => ["server", "terminal", "printer", "db"][j % 4],
        };
        let serves: Option<Vec<String>> = match role {
            "sanitizer" => {
                let serves = self.new_sanitizer_serves();
                self.sanitizer_serves.push(serves.clone());
                Some(serves)
            }
            "screen-transfer" => Some(SCREEN_TRANSFER_SERVES.map(str::to_owned).to_vec()),
            _ => None,
        };
        let out = &mut self.out;
        let _ = writeln!(
            out,
            "[hosts.{}-z{z}-h{j}]\nzone = \"{}-z{z}\"",
            tier.prefix(),
            tier.prefix()
        );
        let _ = match (farm, v6) {
            (true, true) => writeln!(
                out,
                "addresses = [\"10.{k}.{o3}.{o4}/28\", \"fd00:0:{k:x}:{j:x}::/64\"]"
            ),
            (true, false) => writeln!(out, "addresses = [\"10.{k}.{o3}.{o4}/28\"]"),
            (false, true) => writeln!(
                out,
                "addresses = [\"10.{k}.{o3}.{}\", \"fd00:0:{k:x}:{j:x}::1\"]",
                o4 + 1
            ),
            (false, false) => writeln!(out, "addresses = [\"10.{k}.{o3}.{}\"]", o4 + 1),
        };
        let _ = writeln!(out, "roles = [\"{role}\"]");
        if let Some(serves) = serves {
            let _ = writeln!(out, "serves = [{}]", quoted_list(&serves));
        }
        out.push('\n');
    }

    /// A sanitizer's `serves`: the built-in mail and file services and a few
    /// custom ones, distinct.
    fn new_sanitizer_serves(&mut self) -> Vec<String> {
        let mut names: Vec<String> = SANITIZER_BUILTIN_SERVES.map(str::to_owned).to_vec();
        while names.len() < SANITIZER_BUILTIN_SERVES.len() + SANITIZER_CUSTOM_SERVES {
            let name = self.custom_service();
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// Where the sanitizer of zone `z` of `tier` (lgwan or internet) keeps
    /// its `serves` in `sanitizer_serves`.
    fn sanitizer_slot(&self, tier: Tier, z: usize) -> usize {
        match tier {
            Tier::Lgwan => z,
            Tier::Internet => self.shape.zones_per_tier + z,
            Tier::Mynumber => unreachable!("mynumber zones hold no sanitizer"),
        }
    }

    /// One to three of the services a role host serves (all of them when it
    /// serves fewer), distinct.
    fn served_services(&mut self, serves: &[String]) -> Vec<String> {
        let count = [1, 1, 1, 2, 2, 3][self.rng.gen_range(0..6)];
        serves
            .choose_multiple(&mut self.rng, count)
            .cloned()
            .collect()
    }

    fn host(&mut self, tier: Tier) -> String {
        let z = self.rng.gen_range(0..self.shape.zones_per_tier);
        let j = self.rng.gen_range(0..self.shape.hosts_per_zone);
        format!("{}-z{z}-h{j}", tier.prefix())
    }

    /// A host without a role of the three-tier model (index 2 on): the
    /// other end of a flow through a role host.
    fn plain_host(&mut self, tier: Tier) -> String {
        let z = self.rng.gen_range(0..self.shape.zones_per_tier);
        let j = self.rng.gen_range(FIRST_PLAIN..self.shape.hosts_per_zone);
        format!("{}-z{z}-h{j}", tier.prefix())
    }

    /// A plain host or (not with [`EndpointMix::HostsOnly`]) a whole zone.
    fn plain_host_or_zone(&mut self, tier: Tier, zone_share: f64) -> String {
        if self.spec.endpoints == EndpointMix::Mixed && self.rng.gen_bool(zone_share) {
            self.zone(tier)
        } else {
            self.plain_host(tier)
        }
    }

    fn zone(&mut self, tier: Tier) -> String {
        if self.spec.endpoints == EndpointMix::HostsOnly {
            return self.host(tier);
        }
        let z = self.rng.gen_range(0..self.shape.zones_per_tier);
        format!("{}-z{z}", tier.prefix())
    }

    fn tier(&mut self) -> Tier {
        *Tier::ALL.choose(&mut self.rng).expect("ALL is not empty")
    }

    fn host_or_zone(&mut self, tier: Tier, zone_share: f64) -> String {
        if self.rng.gen_bool(zone_share) {
            self.zone(tier)
        } else {
            self.host(tier)
        }
    }

    /// One of the custom services of the `[services]` table.
    fn custom_service(&mut self) -> String {
        let i = self.rng.gen_range(0..self.shape.services);
        let kind = ["app", "uapp", "rng", "mix"][i % 4];
        format!("{kind}{i}")
    }

    /// One to three services, mostly custom ones.
    fn services(&mut self) -> Vec<String> {
        let count = [1, 1, 1, 2, 2, 3][self.rng.gen_range(0..6)];
        let mut names: Vec<String> = Vec::with_capacity(count);
        while names.len() < count {
            let name = if self.rng.gen_bool(0.7) {
                self.custom_service()
            } else {
                BUILTIN_SERVICES[self.rng.gen_range(0..BUILTIN_SERVICES.len())].to_owned()
            };
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    fn flow(&mut self, i: usize) {
        if self.spec.endpoints == EndpointMix::SinglePair {
            return self.single_pair_flow(i);
        }
        let roll = self.rng.gen_range(0..100);
        let mut exception = false;
        // 委託 access from outside ends with its contract (no W008).
        let mut must_end = false;
        let (from, to, services, reason): (String, String, Vec<String>, &str) = match roll {
            // Inside one tier.
            0..=51 => {
                let tier = self.tier();
                (
                    self.host(tier),
                    self.host(tier),
                    self.services(),
                    "業務連携 (same tier, host to host)",
                )
            }
            52..=59 => {
                let tier = self.tier();
                if self.rng.gen_bool(0.5) {
                    (
                        self.host(tier),
                        self.zone(tier),
                        self.services(),
                        "業務連携 (host to zone)",
                    )
                } else {
                    (
                        self.zone(tier),
                        self.host(tier),
                        self.services(),
                        "業務連携 (zone to host)",
                    )
                }
            }
            60 => {
                let tier = self.tier();
                (
                    self.zone(tier),
                    self.zone(tier),
                    self.services(),
                    "業務連携 (zone to zone)",
                )
            }
            // lgwan <-> internet through sanitizer / screen-transfer hosts
            // (guardrail 3): the role host serves every service of the flow.
            61..=65 => {
                let from = self.plain_host_or_zone(Tier::Lgwan, 0.2);
                let z = self.rng.gen_range(0..self.shape.zones_per_tier);
                let to = format!("{}-z{z}-h{SCREEN_TRANSFER}", Tier::Internet.prefix());
                let services = self.served_services(&SCREEN_TRANSFER_SERVES.map(str::to_owned));
                (from, to, services, "画面転送: virtual browser")
            }
            66..=70 => {
                let z = self.rng.gen_range(0..self.shape.zones_per_tier);
                if self.rng.gen_bool(0.5) {
                    let from = self.plain_host(Tier::Internet);
                    let to = format!("{}-z{z}-h{SANITIZER}", Tier::Lgwan.prefix());
                    let serves = self.sanitizer_serves[self.sanitizer_slot(Tier::Lgwan, z)].clone();
                    (
                        from,
                        to,
                        self.served_services(&serves),
                        "無害化: files reach the sanitizer only",
                    )
                } else {
                    let from = format!("{}-z{z}-h{SANITIZER}", Tier::Internet.prefix());
                    let to = self.plain_host_or_zone(Tier::Lgwan, 0.2);
                    let serves =
                        self.sanitizer_serves[self.sanitizer_slot(Tier::Internet, z)].clone();
                    (
                        from,
                        to,
                        self.served_services(&serves),
                        "無害化: the sanitizer delivers cleaned mail and files",
                    )
                }
            }
            // internet -> security cloud.
            71..=80 => {
                let from = self.host_or_zone(Tier::Internet, 0.2);
                let to = format!("pref-cloud-{}", self.rng.gen_range(0..SECURITY_CLOUD_HOSTS));
                (
                    from,
                    to,
                    vec!["https".to_owned(), "http".to_owned()],
                    "セキュリティクラウド経由のWeb閲覧",
                )
            }
            // The Internet -> internet (guardrail 5): through the security
            // cloud, or other hosts under an exception until a contract ends.
            81..=86 => {
                let to = self.plain_host(Tier::Internet);
                if self.rng.gen_bool(0.6) {
                    let from =
                        format!("pref-cloud-{}", self.rng.gen_range(0..SECURITY_CLOUD_HOSTS));
                    (
                        from,
                        to,
                        self.services(),
                        "公開サービス (inbound through the security cloud)",
                    )
                } else {
                    exception = true;
                    must_end = true;
                    let from =
                        if self.spec.endpoints == EndpointMix::Mixed && self.rng.gen_bool(0.3) {
                            "upstream".to_owned()
                        } else {
                            format!("ext-{}", self.rng.gen_range(0..self.shape.upstream_hosts))
                        };
                    (
                        from,
                        to,
                        self.services(),
                        "委託: vendor maintenance from the Internet (approved)",
                    )
                }
            }
            // lgwan -> LGWAN backbone.
            87..=91 => {
                let from = self.host_or_zone(Tier::Lgwan, 0.2);
                let to = format!("lgwan-svc-{}", self.rng.gen_range(0..LGWAN_WAN_HOSTS));
                (from, to, self.services(), "LGWAN-ASP")
            }
            // mynumber hosts across guardrail 1, under an exception.
            92..=94 => {
                exception = true;
                let from = self.host(Tier::Mynumber);
                if self.rng.gen_bool(0.5) {
                    let to = format!("chukan-{}", self.rng.gen_range(0..JLIS_HOSTS));
                    (
                        from,
                        to,
                        vec!["https".to_owned()],
                        "情報連携: intermediate server",
                    )
                } else {
                    (
                        from,
                        self.plain_host(Tier::Lgwan),
                        self.services(),
                        "帳票連携 (approved)",
                    )
                }
            }
            // The gateway itself.
            95..=99 if self.spec.endpoints == EndpointMix::HostsOnly => {
                let tier = self.tier();
                (
                    self.host(tier),
                    self.host(tier),
                    self.services(),
                    "業務連携 (same tier, host to host)",
                )
            }
            95..=98 => {
                let tier = self.tier();
                let service = ["dns", "ntp", "ssh"][self.rng.gen_range(0..3)];
                if tier == Tier::Mynumber {
                    // Guardrail 1: a named host and an exception.
                    exception = true;
                    (
                        self.host(tier),
                        "self".to_owned(),
                        vec![service.to_owned()],
                        "gateway service (approved)",
                    )
                } else {
                    (
                        self.zone(tier),
                        "self".to_owned(),
                        vec![service.to_owned()],
                        "gateway service",
                    )
                }
            }
            _ => {
                let to = format!("pref-cloud-{}", self.rng.gen_range(0..SECURITY_CLOUD_HOSTS));
                (
                    "self".to_owned(),
                    to,
                    vec!["https".to_owned()],
                    "gateway updates",
                )
            }
        };
        self.write_flow(i, &from, &to, &services, reason, exception, must_end);
    }

    /// A flow of [`EndpointMix::SinglePair`]: plain host of `lg-z0` to plain
    /// host of `lg-z1`, one to three services.
    fn single_pair_flow(&mut self, i: usize) {
        let mut end = |z: usize| {
            let j = self.rng.gen_range(FIRST_PLAIN..self.shape.hosts_per_zone);
            format!("{}-z{z}-h{j}", Tier::Lgwan.prefix())
        };
        let (from, to) = (end(0), end(1));
        let services = self.services();
        self.write_flow(
            i,
            &from,
            &to,
            &services,
            "業務連携 (one zone pair)",
            false,
            false,
        );
    }

    /// Writes one `[[flows]]` entry; rolls its `log`, `limit` and `until`.
    #[allow(clippy::too_many_arguments)]
    fn write_flow(
        &mut self,
        i: usize,
        from: &str,
        to: &str,
        services: &[String],
        reason: &str,
        exception: bool,
        must_end: bool,
    ) {
        let log = self.rng.gen_bool(0.05);
        let limit = self.rng.gen_bool(0.03);
        let until = self.rng.gen_bool(0.05) || must_end;

        let out = &mut self.out;
        let _ = writeln!(out, "[[flows]]\nname = \"f{i:06}\"");
        let _ = writeln!(out, "from = [\"{from}\"]\nto = [\"{to}\"]");
        let _ = writeln!(out, "services = [{}]", quoted_list(services));
        let _ = writeln!(out, "reason = \"{reason} #{i}\"");
        if log {
            out.push_str("log = true\n");
        }
        if limit {
            out.push_str("limit = \"100/second\"\n");
        }
        if until {
            let _ = writeln!(out, "until = \"{CONTRACT_END}\"");
        }
        if exception {
            let _ = writeln!(
                out,
                "exception = {{ approved_by = \"CISO\", ticket = \"SYN-{i}\" }}"
            );
        }
        out.push('\n');
    }
}

/// The second octet of a zone's `10.k.0.0/16` (and the third group of its
/// `fd00:0:k::/48`).
fn zone_octet(tier: Tier, z: usize, zones_per_tier: usize) -> usize {
    let t = Tier::ALL
        .iter()
        .position(|&x| x == tier)
        .expect("tier is in ALL");
    1 + t * zones_per_tier + z
}

fn quoted_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
