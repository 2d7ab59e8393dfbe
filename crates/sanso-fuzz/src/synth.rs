//! The `compile_nft_check` target: policies from sanso-synth's generator
//! (flow count, seed and options from the input) must load without errors,
//! compile every way (see [`crate::compile`]), and, given a scratch network
//! namespace, pass `nft -c -f` and a netlink apply there.

use std::io::Write;
use std::process::{Command, Stdio};

use arbitrary::{Arbitrary, Unstructured};
use sanso_synth::{EndpointMix, SynthSpec};

/// The environment variable naming the scratch namespace the fuzz binary
/// checks with the kernel in (`scripts/dev fuzz` creates it); without it the
/// binary only compiles.
pub const NETNS_ENV: &str = "SANSO_FUZZ_NETNS";

/// Most flows of one generated policy (the kernel check runs per input).
pub const MAX_FLOWS: usize = 60;

/// The generator's parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SynthDraft {
    pub flows: usize,
    pub seed: u64,
    pub hosts_only: bool,
    /// Judged after every `until` of the generator (2099-12-31): the
    /// flows that end are gone.
    pub after_contracts: bool,
}

impl<'a> Arbitrary<'a> for SynthDraft {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(SynthDraft {
            flows: u.int_in_range(0..=MAX_FLOWS)?,
            seed: u.arbitrary()?,
            hosts_only: u.arbitrary()?,
            after_contracts: u.ratio(1, 8)?,
        })
    }
}

/// 2100-01-01T00:00:00Z.
const AFTER_CONTRACTS: i64 = 4_102_444_800;

impl SynthDraft {
    pub fn spec(&self) -> SynthSpec {
        SynthSpec {
            flows: self.flows,
            seed: self.seed,
            endpoints: if self.hosts_only {
                EndpointMix::HostsOnly
            } else {
                EndpointMix::Mixed
            },
        }
    }

    pub fn now(&self) -> i64 {
        if self.after_contracts {
            AFTER_CONTRACTS
        } else {
            crate::NOW
        }
    }
}

/// What the kernel said of one generated policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KernelVerdict {
    /// No namespace given: not asked.
    NotAsked,
    Accepted,
    /// `nft -c` or the netlink apply refused, with its words.
    Refused(String),
}

/// Generates the policy `data` describes, compiles it (panics when it does
/// not load or compile) and, with `netns`, asks the kernel there. Returns
/// the draft, the policy text and the kernel's verdict.
pub fn compile_nft_check(
    data: &[u8],
    netns: Option<&str>,
) -> Option<(SynthDraft, String, KernelVerdict)> {
    let draft = SynthDraft::arbitrary(&mut Unstructured::new(data)).ok()?;
    let text = sanso_synth::policy_text(&draft.spec());
    let loaded = match sanso_policy::load_policy_at("synth.toml", &text, draft.now()) {
        Ok(loaded) => loaded,
        Err(d) => panic!("{draft:?}: the generated policy does not load:\n{d}"),
    };
    let ruleset = crate::compile_at(&loaded.value, draft.now());
    let verdict = match netns {
        None => KernelVerdict::NotAsked,
        Some(ns) => kernel_verdict(ns, &ruleset),
    };
    Some((draft, text, verdict))
}

/// `nft -c -f -` of the ruleset's text, then a netlink apply of it, in `ns`.
pub fn kernel_verdict(ns: &str, ruleset: &sanso_ir::Ruleset) -> KernelVerdict {
    let script = sanso_nft::text::render(ruleset);
    if let Err(words) = nft_check(ns, &script) {
        return KernelVerdict::Refused(format!("nft -c: {words}"));
    }
    match sanso_nft::netlink::apply(ruleset, Some(ns)) {
        Err(err) => KernelVerdict::Refused(format!("netlink apply: {err}")),
        Ok(_) => KernelVerdict::Accepted,
    }
}

/// `ip netns exec NS nft -c -f -` with `script` on its input.
pub fn nft_check(ns: &str, script: &str) -> Result<(), String> {
    let mut child = Command::new("ip")
        .args(["netns", "exec", ns, "nft", "-c", "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("ip netns exec {ns} nft: {e}"))?;
    let mut stdin = child.stdin.take().expect("a piped stdin");
    let written = stdin.write_all(script.as_bytes());
    drop(stdin);
    let out = child
        .wait_with_output()
        .map_err(|e| format!("ip netns exec {ns} nft: {e}"))?;
    written.map_err(|e| format!("writing to nft: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}
