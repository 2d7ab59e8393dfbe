//! One benchmark run over a policy text: compile, userspace lookups and
//! (optionally) the kernel drop path; the report `sanso bench` prints.

use serde::Serialize;

use crate::kernel::{self, KernelBudget, KernelCost, PathCosts, Variant};
use crate::userspace::{self, CompileCost, LookupBudget, LookupCost};

/// Where the policy comes from.
#[derive(Clone, Debug)]
pub enum PolicySource {
    /// A policy file's text.
    File { name: String, text: String },
    /// The synthetic generator.
    Synthetic {
        flows: usize,
        seed: u64,
        endpoints: sanso_synth::EndpointMix,
    },
}

/// Whether to measure the kernel drop path (root only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelMode {
    Skip,
    Measure,
}

#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Seed of the packet trace.
    pub trace_seed: u64,
    pub trace_len: usize,
    pub compile_rounds: usize,
    pub lookup: LookupBudget,
    pub kernel: KernelMode,
    pub kernel_budget: KernelBudget,
    /// Seconds since the Unix epoch at which expiry is judged.
    pub now: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            trace_seed: 0x5a5a,
            trace_len: 8192,
            compile_rounds: 3,
            lookup: LookupBudget::default(),
            kernel: KernelMode::Skip,
            kernel_budget: KernelBudget::default(),
            now: 0,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Compile(#[from] userspace::CompileError),
    #[error("kernel drop-path measurement")]
    Kernel(#[from] kernel::KernelError),
}

/// Everything one run measured.
#[derive(Clone, Debug)]
pub struct Measurement {
    pub flows: usize,
    pub policy_bytes: usize,
    pub elements: usize,
    pub compile: CompileCost,
    pub lookup: LookupCost,
    pub trace_len: usize,
    pub kernel: Option<KernelCost>,
    /// The established path and the spoofed flood (with the kernel drop path).
    pub paths: Option<PathCosts>,
}

impl PolicySource {
    /// The policy's file name (for diagnostics) and TOML text.
    pub fn text(&self) -> (String, String) {
        match self {
            PolicySource::File { name, text } => (name.clone(), text.clone()),
            PolicySource::Synthetic {
                flows,
                seed,
                endpoints,
            } => (
                format!("synthetic-{flows}.toml"),
                sanso_synth::policy_text(&sanso_synth::SynthSpec {
                    flows: *flows,
                    seed: *seed,
                    endpoints: *endpoints,
                }),
            ),
        }
    }
}

pub fn run(source: &PolicySource, settings: &Settings) -> Result<Measurement, RunError> {
    let (name, text) = source.text();
    let (policy, ruleset, compile) =
        userspace::compile_cost(&name, &text, settings.now, settings.compile_rounds)?;
    let trace = sanso_synth::trace(&policy, settings.trace_seed, settings.trace_len);
    let packets: Vec<_> = trace
        .iter()
        .map(|p| userspace::packet(p, ruleset.compiled_at))
        .collect();
    let lookup = userspace::lookup_cost(&policy, &ruleset, &packets, settings.lookup);
    let (kernel, paths) = match settings.kernel {
        KernelMode::Skip => (None, None),
        KernelMode::Measure => (
            Some(kernel::measure(&policy, &ruleset, settings.kernel_budget)?),
            Some(kernel::measure_paths(
                &policy,
                &ruleset,
                settings.kernel_budget,
            )?),
        ),
    };
    let elements = [&ruleset.v4.forward, &ruleset.v4.input, &ruleset.v4.output]
        .iter()
        .map(|t| t.len())
        .sum::<usize>()
        + [&ruleset.v6.forward, &ruleset.v6.input, &ruleset.v6.output]
            .iter()
            .map(|t| t.len())
            .sum::<usize>();
    Ok(Measurement {
        flows: policy.flows.len(),
        policy_bytes: text.len(),
        elements,
        compile,
        lookup,
        trace_len: packets.len(),
        kernel,
        paths,
    })
}

/// The `--json` object (documented keys only).
#[derive(Debug, Serialize)]
pub struct JsonDocument {
    pub flows: usize,
    pub compile_ms: f64,
    pub userspace: JsonUserspace,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kernel: Option<JsonKernel>,
}

#[derive(Debug, Serialize)]
pub struct JsonUserspace {
    pub ns_per_lookup_median: f64,
    pub linear_ns_per_lookup_median: f64,
    /// The classifier over the same trace in batches (`classify_each`).
    pub batched_ns_per_lookup_median: f64,
}

#[derive(Debug, Serialize)]
pub struct JsonKernel {
    pub ns_per_packet_sanso: f64,
    pub ns_per_packet_empty: f64,
    pub ns_per_packet_linear: f64,
    /// The empty table plus `ct state established,related accept`.
    pub ns_per_packet_conntrack: f64,
    /// `established.ns_per_packet_sanso` and
    /// `established.ns_per_packet_conntrack` again, under the names of
    /// issue 17 (absent with `established`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ns_per_packet_established_sanso: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ns_per_packet_established_conntrack: Option<f64>,
    /// Packets of an established connection allowed by a flow (absent when
    /// the policy has no UDP flow between two zones to open one on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub established: Option<JsonEstablished>,
    /// Packets anti-spoofing drops.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spoofed: Option<JsonSpoofed>,
    /// One TCP stream through the gateway (absent when the policy has no
    /// TCP flow between two zones to open it on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp_throughput: Option<JsonThroughput>,
}

#[derive(Debug, Serialize)]
pub struct JsonThroughput {
    /// Median Mbit/s the receiving application read, through sanso's ruleset.
    pub mbit_per_s_sanso: f64,
    /// Through the conntrack-only table.
    pub mbit_per_s_conntrack: f64,
    /// Through no ruleset at all (no connection tracking).
    pub mbit_per_s_none: f64,
    /// sanso's ratio to the conntrack-only table (higher is better).
    pub sanso_per_conntrack: f64,
    /// The sanso rounds: bytes the receiver read in the measured windows,
    /// new connections the flows counted (one per round), packets `ended`
    /// counted (0).
    pub sanso_bytes: u64,
    pub sanso_new_connections: u64,
    pub sanso_ended: u64,
}

#[derive(Debug, Serialize)]
pub struct JsonEstablished {
    /// The connection's mark looked up in `live`.
    pub ns_per_packet_sanso: f64,
    /// The same table with `ct state established,related accept` (no marks).
    pub ns_per_packet_without_marks: f64,
    pub ns_per_packet_conntrack: f64,
    /// sanso's ratio to the conntrack-only table.
    pub sanso_per_conntrack: f64,
    /// sanso's ratio to the same table without marks.
    pub sanso_per_without_marks: f64,
    /// The sanso rounds: datagrams sent on the connections, packets the
    /// receiver's interface got, new connections the flows counted (the
    /// opening datagrams only), packets `ended` counted (0).
    pub sanso_sent: u64,
    pub sanso_received: u64,
    pub sanso_new_connections: u64,
    pub sanso_ended: u64,
}

#[derive(Debug, Serialize)]
pub struct JsonSpoofed {
    /// Anti-spoofing in prerouting at priority raw, before conntrack.
    pub ns_per_packet_sanso: f64,
    /// Anti-spoofing first in forward, after conntrack (the earlier layout).
    pub ns_per_packet_after_conntrack: f64,
    pub ns_per_packet_empty: f64,
    pub ns_per_packet_conntrack: f64,
    /// sanso's ratio to the empty table.
    pub sanso_per_empty: f64,
    /// The earlier layout's ratio to the empty table.
    pub after_conntrack_per_empty: f64,
    /// sanso's ratio to the conntrack-only table.
    pub sanso_per_conntrack: f64,
    /// The sanso rounds: spoofed datagrams sent, packets the `spoofed`
    /// counter counted.
    pub sanso_sent: u64,
    pub sanso_spoofed_counted: u64,
}

impl Measurement {
    pub fn json(&self) -> JsonDocument {
        JsonDocument {
            flows: self.flows,
            compile_ms: self.compile.total_ms,
            userspace: JsonUserspace {
                ns_per_lookup_median: self.lookup.classifier_ns,
                linear_ns_per_lookup_median: self.lookup.linear_ns,
                batched_ns_per_lookup_median: self.lookup.batched_ns,
            },
            kernel: self.kernel.as_ref().map(|k| JsonKernel {
                ns_per_packet_sanso: k.cpu(Variant::Sanso),
                ns_per_packet_empty: k.cpu(Variant::Empty),
                ns_per_packet_linear: k.cpu(Variant::Linear),
                ns_per_packet_conntrack: k.cpu(Variant::Conntrack),
                ns_per_packet_established_sanso: self
                    .paths
                    .as_ref()
                    .filter(|p| p.established.is_some())
                    .map(|p| p.established("sanso")),
                ns_per_packet_established_conntrack: self
                    .paths
                    .as_ref()
                    .filter(|p| p.established.is_some())
                    .map(|p| p.established("conntrack")),
                established: self
                    .paths
                    .as_ref()
                    .filter(|p| p.established.is_some())
                    .map(|p| JsonEstablished {
                        ns_per_packet_sanso: p.established("sanso"),
                        ns_per_packet_without_marks: p.established("sanso-without-marks"),
                        ns_per_packet_conntrack: p.established("conntrack"),
                        sanso_per_conntrack: p.established("sanso") / p.established("conntrack"),
                        sanso_per_without_marks: p.established("sanso")
                            / p.established("sanso-without-marks"),
                        sanso_sent: p.established_check.sent,
                        sanso_received: p.established_check.received,
                        sanso_new_connections: p.established_check.new_connections,
                        sanso_ended: p.established_check.ended,
                    }),
                spoofed: self.paths.as_ref().map(|p| JsonSpoofed {
                    ns_per_packet_sanso: p.spoofed("sanso"),
                    ns_per_packet_after_conntrack: p.spoofed("sanso-antispoof-after-conntrack"),
                    ns_per_packet_empty: p.spoofed("empty"),
                    ns_per_packet_conntrack: p.spoofed("conntrack"),
                    sanso_per_empty: p.spoofed("sanso") / p.spoofed("empty"),
                    after_conntrack_per_empty: p.spoofed("sanso-antispoof-after-conntrack")
                        / p.spoofed("empty"),
                    sanso_per_conntrack: p.spoofed("sanso") / p.spoofed("conntrack"),
                    sanso_sent: p.spoofed_check.sent,
                    sanso_spoofed_counted: p.spoofed_check.counted,
                }),
                tcp_throughput: self
                    .paths
                    .as_ref()
                    .and_then(|p| p.throughput.as_ref())
                    .map(|t| JsonThroughput {
                        mbit_per_s_sanso: t.bits_per_s("sanso") / 1e6,
                        mbit_per_s_conntrack: t.bits_per_s("conntrack") / 1e6,
                        mbit_per_s_none: t.bits_per_s("none") / 1e6,
                        sanso_per_conntrack: t.bits_per_s("sanso") / t.bits_per_s("conntrack"),
                        sanso_bytes: t.check.bytes,
                        sanso_new_connections: t.check.new_connections,
                        sanso_ended: t.check.ended,
                    }),
            }),
        }
    }

    /// A human-readable report, one fact per line.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let c = &self.compile;
        let l = &self.lookup;
        out.push_str(&format!(
            "flows: {}  (policy {} bytes, {} IR elements)\n",
            self.flows, self.policy_bytes, self.elements
        ));
        out.push_str(&format!(
            "compile: {:.1} ms  (load {:.1} + lower {:.1} + render {:.1}; median of {})\n",
            c.total_ms, c.load_ms, c.lower_ms, c.render_ms, c.rounds
        ));
        out.push_str(&format!(
            "userspace: classifier {:.1} ns/lookup one per call, {:.1} through classify_each ({}; index {} KB), linear {:.1} ns/lookup, ratio {:.0}x  (trace {} packets, linear on the first {}; median of {})\n",
            l.classifier_ns,
            l.batched_ns,
            if l.index_bytes > sanso_classify::BATCH_FROM_BYTES {
                format!("batches of {}", sanso_classify::BATCH)
            } else {
                "one by one: the index fits in cache".to_owned()
            },
            l.index_bytes / 1000,
            l.linear_ns,
            l.linear_ns / l.classifier_ns,
            self.trace_len,
            l.linear_packets,
            l.rounds
        ));
        if let Some(k) = &self.kernel {
            out.push_str(&format!(
                "kernel drop path (sender CPU ns/packet): sanso {:.0}, empty {:.0}, linear {:.0}, conntrack {:.0}  (sanso/empty {:.2}x, sanso/conntrack {:.2}x, linear/sanso {:.1}x)\n",
                k.cpu(Variant::Sanso),
                k.cpu(Variant::Empty),
                k.cpu(Variant::Linear),
                k.cpu(Variant::Conntrack),
                k.cpu(Variant::Sanso) / k.cpu(Variant::Empty),
                k.cpu(Variant::Sanso) / k.cpu(Variant::Conntrack),
                k.cpu(Variant::Linear) / k.cpu(Variant::Sanso),
            ));
            out.push_str(&format!(
                "kernel drop path (sender wall ns/packet): sanso {:.0}, empty {:.0}, linear {:.0}  ({} linear rules, {} packets, median of {} rounds)\n",
                k.wall(Variant::Sanso),
                k.wall(Variant::Empty),
                k.wall(Variant::Linear),
                k.linear_rules,
                k.packets,
                k.rounds
            ));
            out.push_str(&format!(
                "ruleset load (nft -f): sanso {:.0} ms, empty {:.0} ms, linear {:.0} ms\n",
                k.load(Variant::Sanso),
                k.load(Variant::Empty),
                k.load(Variant::Linear)
            ));
        }
        if let Some(p) = &self.paths {
            if p.established.is_some() {
                let e = &p.established_check;
                out.push_str(&format!(
                    "kernel established path (sender CPU ns/packet): sanso {:.0}, without marks {:.0}, conntrack {:.0}  (sanso/conntrack {:.2}x, sanso/without marks {:.2}x; median of {} rounds; sanso rounds: {} sent, {} received, {} new connections counted, {} ended)\n",
                    p.established("sanso"),
                    p.established("sanso-without-marks"),
                    p.established("conntrack"),
                    p.established("sanso") / p.established("conntrack"),
                    p.established("sanso") / p.established("sanso-without-marks"),
                    p.rounds,
                    e.sent,
                    e.received,
                    e.new_connections,
                    e.ended,
                ));
            } else {
                out.push_str("kernel established path: not measured (no UDP flow without a limit between two zones with IPv4 networks on distinct interfaces)\n");
            }
            out.push_str(&format!(
                "kernel spoofed flood (sender CPU ns/packet): sanso {:.0}, anti-spoofing after conntrack {:.0}, empty {:.0}, conntrack {:.0}  (sanso/empty {:.2}x, after-conntrack/empty {:.2}x, sanso/conntrack {:.2}x; sanso rounds: {} sent, {} counted as spoofed)\n",
                p.spoofed("sanso"),
                p.spoofed("sanso-antispoof-after-conntrack"),
                p.spoofed("empty"),
                p.spoofed("conntrack"),
                p.spoofed("sanso") / p.spoofed("empty"),
                p.spoofed("sanso-antispoof-after-conntrack") / p.spoofed("empty"),
                p.spoofed("sanso") / p.spoofed("conntrack"),
                p.spoofed_check.sent,
                p.spoofed_check.counted,
            ));
            if let Some(t) = &p.throughput {
                out.push_str(&format!(
                    "kernel TCP throughput (one stream, Mbit/s the receiver read): sanso {:.0}, conntrack {:.0}, no ruleset {:.0}  (sanso/conntrack {:.2}x, conntrack/no ruleset {:.2}x; median of {} rounds; sanso rounds: {} bytes read, {} new connections counted, {} ended)\n",
                    t.bits_per_s("sanso") / 1e6,
                    t.bits_per_s("conntrack") / 1e6,
                    t.bits_per_s("none") / 1e6,
                    t.bits_per_s("sanso") / t.bits_per_s("conntrack"),
                    t.bits_per_s("conntrack") / t.bits_per_s("none"),
                    p.rounds,
                    t.check.bytes,
                    t.check.new_connections,
                    t.check.ended,
                ));
            } else {
                out.push_str("kernel TCP throughput: not measured (no TCP flow without a limit between two zones with IPv4 networks on distinct interfaces)\n");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(kernel: KernelMode) -> Measurement {
        let settings = Settings {
            trace_len: 256,
            compile_rounds: 1,
            lookup: LookupBudget {
                rounds: 3,
                linear_round: std::time::Duration::from_millis(20),
            },
            kernel,
            ..Settings::default()
        };
        let source = PolicySource::Synthetic {
            flows: 30,
            seed: 2,
            endpoints: sanso_synth::EndpointMix::Mixed,
        };
        run(&source, &settings).expect("a small synthetic policy benchmarks")
    }

    #[test]
    fn json_has_the_documented_keys_and_no_kernel_without_kernel() {
        let json = serde_json::to_value(small(KernelMode::Skip).json()).expect("serialisable");
        assert_eq!(json["flows"], 30);
        assert!(json["compile_ms"].is_f64());
        assert!(json["userspace"]["ns_per_lookup_median"].is_f64());
        assert!(json["userspace"]["linear_ns_per_lookup_median"].is_f64());
        assert!(json["userspace"]["batched_ns_per_lookup_median"].is_f64());
        assert!(json.get("kernel").is_none());
        let keys: Vec<_> = json
            .as_object()
            .expect("an object")
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["compile_ms", "flows", "userspace"]);
    }

    #[test]
    fn kernel_keys_when_measured_as_root() {
        if !sanso_testkit::root("network namespaces") {
            return;
        }
        let mut m = small(KernelMode::Skip);
        // A short kernel run on the same policy.
        let text = sanso_synth::policy_text(&sanso_synth::SynthSpec::new(30, 2));
        let policy = sanso_policy::load_policy("s.toml", &text).expect("valid");
        let ruleset = sanso_ir::lower(&policy, 0);
        let budget = KernelBudget {
            rounds: 1,
            blast: std::time::Duration::from_millis(20),
            max_packets: 20_000,
        };
        m.kernel = Some(
            kernel::measure(&policy, &ruleset, budget)
                .expect("kernel measurement in throwaway namespaces"),
        );
        m.paths = Some(
            kernel::measure_paths(&policy, &ruleset, budget)
                .expect("established and spoofed paths in throwaway namespaces"),
        );
        let json = serde_json::to_value(m.json()).expect("serialisable");
        for key in [
            "ns_per_packet_sanso",
            "ns_per_packet_empty",
            "ns_per_packet_linear",
            "ns_per_packet_conntrack",
        ] {
            assert!(
                json["kernel"][key].as_f64().is_some_and(|ns| ns > 0.0),
                "{key}: {json}"
            );
        }
        for key in [
            "established/ns_per_packet_sanso",
            "established/ns_per_packet_without_marks",
            "established/ns_per_packet_conntrack",
            "spoofed/ns_per_packet_sanso",
            "spoofed/ns_per_packet_after_conntrack",
            "spoofed/ns_per_packet_empty",
            "spoofed/ns_per_packet_conntrack",
        ] {
            let (group, name) = key.split_once('/').expect("group/key");
            assert!(
                json["kernel"][group][name]
                    .as_f64()
                    .is_some_and(|ns| ns > 0.0),
                "{key}: {json}"
            );
        }
        assert_eq!(
            json["kernel"]["ns_per_packet_established_sanso"],
            json["kernel"]["established"]["ns_per_packet_sanso"]
        );
        assert_eq!(
            json["kernel"]["ns_per_packet_established_conntrack"],
            json["kernel"]["established"]["ns_per_packet_conntrack"]
        );
        for key in [
            "mbit_per_s_sanso",
            "mbit_per_s_conntrack",
            "mbit_per_s_none",
            "sanso_per_conntrack",
        ] {
            assert!(
                json["kernel"]["tcp_throughput"][key]
                    .as_f64()
                    .is_some_and(|x| x > 0.0),
                "tcp_throughput/{key}: {json}"
            );
        }
        assert_eq!(json["kernel"]["tcp_throughput"]["sanso_new_connections"], 1);
        assert_eq!(json["kernel"]["tcp_throughput"]["sanso_ended"], 0);
        let text = m.text();
        assert!(text.contains("kernel TCP throughput ("), "{text}");
        assert!(text.contains("kernel established path"), "{text}");
        assert!(text.contains("kernel spoofed flood"), "{text}");
    }
}
