//! Judging verdicts: a case's `expect` against what the classifier, the
//! kernel and a real client did (`sanso test`), and the policy's meaning,
//! the classifier and the kernel against each other (`sanso verify`).
//!
//! Every verdict is a [`Verdict`]; the binary only gathers them (running
//! the kernel harness) and prints what is judged here.
//!
//! A flow with a `limit` is a token bucket in the kernel: cases and random
//! packets arrive far faster than it lets through, so the kernel rightly
//! drops those above it. Such a drop is not held against the kernel, but
//! only once the kernel has accepted at least the limit's burst of the
//! flow's packets ([`limit_explains_drops`]): before that the bucket cannot
//! be empty, and a drop is the flow's rule failing (a wrong or missing
//! element).
//!
//! Pure: no I/O.

use std::collections::BTreeMap;

use sanso_ir::{FlowIdx, Ruleset};

use crate::{DecidedBy, Decision, Verdict};

/// The flow that accepted a packet, if it has a `limit`: the kernel drops
/// such a flow's packets above the limit, which a burst of probes exceeds.
pub fn limited_flow(ruleset: &Ruleset, decision: &Decision) -> Option<FlowIdx> {
    match decision.by {
        DecidedBy::Flow(f) if ruleset.flow(f).limit.is_some() => Some(f),
        _ => None,
    }
}

/// Whether flow `f`'s `limit` can explain kernel drops of its packets, given
/// that the kernel accepted `accepted` of them. A flow's limit is a token
/// bucket that starts full with `count` tokens (burst = count, see
/// docs/ruleset.md) when the table is loaded: it drops nothing before it
/// has let `count` packets through. Drops with fewer accepts are the flow's
/// rule failing (a wrong or missing element), never its limit.
pub fn limit_explains_drops(ruleset: &Ruleset, f: FlowIdx, accepted: usize) -> bool {
    ruleset
        .flow(f)
        .limit
        .as_ref()
        .is_some_and(|limit| accepted >= limit.count as usize)
}

/// What the kernel did with a case's packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kernel {
    /// Not sent: the case has its own `at`, and the kernel's clock is real.
    NotSent,
    /// The packet arrived (accept) or did not (drop).
    Saw(Verdict),
}

/// The kernel's verdict on a case, as judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KernelOutcome {
    /// Not sent: judged in userspace only.
    NotSent,
    /// What the kernel did.
    Saw(Verdict),
    /// Dropped where the classifier accepts, by a flow whose `limit` the
    /// cases have spent ([`limit_explains_drops`]): not a failure.
    OverLimit,
}

impl KernelOutcome {
    /// The word of the table and of `--json`: `-`, `accept`, `drop`, `limit`.
    pub fn as_str(self) -> &'static str {
        match self {
            KernelOutcome::NotSent => "-",
            KernelOutcome::Saw(verdict) => verdict.as_str(),
            KernelOutcome::OverLimit => "limit",
        }
    }
}

/// One case and what each engine did with it.
#[derive(Clone, Copy, Debug)]
pub struct CaseRun<'a> {
    /// The case's `expect`.
    pub expect: Verdict,
    /// The classifier's decision.
    pub decision: &'a Decision,
    /// What the kernel did; `None` when the cases did not go through the
    /// kernel at all.
    pub kernel: Option<Kernel>,
    /// What a real client saw (`client = true` cases through the kernel).
    pub client: Option<Verdict>,
}

/// A judged case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaseOutcome {
    pub expected: Verdict,
    pub userspace: Verdict,
    /// `None` when the cases did not go through the kernel.
    pub kernel: Option<KernelOutcome>,
    pub client: Option<Verdict>,
    /// Every engine agrees with `expect` (a case not sent, or dropped over
    /// its flow's limit, passes on the kernel's side).
    pub pass: bool,
}

/// Judges cases against their `expect`, in order. A kernel drop of a case
/// the classifier accepts is [`KernelOutcome::OverLimit`] when the deciding
/// flow has a `limit` and the kernel accepted at least its burst of the
/// flow's cases.
pub fn judge_cases(ruleset: &Ruleset, cases: &[CaseRun<'_>]) -> Vec<CaseOutcome> {
    let mut kernel_accepted: BTreeMap<FlowIdx, usize> = BTreeMap::new();
    for case in cases {
        if let (Some(f), Some(Kernel::Saw(Verdict::Accept))) =
            (limited_flow(ruleset, case.decision), case.kernel)
        {
            *kernel_accepted.entry(f).or_default() += 1;
        }
    }
    cases
        .iter()
        .map(|case| {
            let expected = case.expect;
            let userspace = case.decision.verdict;
            let kernel = case.kernel.map(|k| match k {
                Kernel::NotSent => KernelOutcome::NotSent,
                Kernel::Saw(Verdict::Drop)
                    if userspace == Verdict::Accept
                        && limited_flow(ruleset, case.decision).is_some_and(|f| {
                            limit_explains_drops(
                                ruleset,
                                f,
                                kernel_accepted.get(&f).copied().unwrap_or(0),
                            )
                        }) =>
                {
                    KernelOutcome::OverLimit
                }
                Kernel::Saw(verdict) => KernelOutcome::Saw(verdict),
            });
            let pass = expected == userspace
                && kernel.is_none_or(|k| match k {
                    KernelOutcome::Saw(verdict) => verdict == expected,
                    KernelOutcome::NotSent | KernelOutcome::OverLimit => true,
                })
                && case.client.is_none_or(|c| c == expected);
            CaseOutcome {
                expected,
                userspace,
                kernel,
                client: case.client,
                pass,
            }
        })
        .collect()
}

/// One packet and what each engine did with it (`sanso verify`).
#[derive(Clone, Copy, Debug)]
pub struct PacketRun<'a> {
    /// What the policy means: the reference evaluator's verdict.
    pub meant: Verdict,
    /// The classifier's decision.
    pub decision: &'a Decision,
    /// What the kernel did; `None` without a kernel run.
    pub kernel: Option<Verdict>,
}

/// The kernel drops of one limited flow's packets set aside as over its
/// limit: reported, not counted as disagreements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OverLimit {
    pub flow: FlowIdx,
    /// The flow's packets the kernel accepted.
    pub accepted: usize,
    /// Those it dropped, over the limit.
    pub dropped: usize,
}

/// Where the engines disagree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Comparison {
    /// Indices of the packets on which the engines disagree: in order,
    /// then those of limited flows whose limit does not explain the
    /// kernel's drops (flow by flow).
    pub disagreements: Vec<usize>,
    /// Limited flows whose kernel drops the limit explains, by flow.
    pub over_limit: Vec<OverLimit>,
}

/// Compares the engines packet by packet: a packet disagrees when the
/// classifier differs from the policy's meaning, or the kernel does. The
/// kernel's verdicts on the packets of a flow with a `limit` (where the
/// other two agree) are counted per flow: its drops are over the limit if
/// the kernel accepted at least the limit's burst of the flow's packets,
/// else disagreements.
pub fn compare_engines(ruleset: &Ruleset, packets: &[PacketRun<'_>]) -> Comparison {
    #[derive(Default)]
    struct Limited {
        accepted: usize,
        dropped: Vec<usize>,
    }
    let mut disagreements = Vec::new();
    let mut limited: BTreeMap<FlowIdx, Limited> = BTreeMap::new();
    for (i, packet) in packets.iter().enumerate() {
        let userspace = packet.decision.verdict;
        if let (Some(f), Some(k)) = (limited_flow(ruleset, packet.decision), packet.kernel) {
            if packet.meant == userspace {
                let entry = limited.entry(f).or_default();
                if k == packet.meant {
                    entry.accepted += 1;
                } else {
                    entry.dropped.push(i);
                }
                continue;
            }
        }
        if packet.meant != userspace || packet.kernel.is_some_and(|k| k != packet.meant) {
            disagreements.push(i);
        }
    }
    let mut over_limit = Vec::new();
    for (flow, Limited { accepted, dropped }) in limited {
        if dropped.is_empty() {
            continue;
        }
        if limit_explains_drops(ruleset, flow, accepted) {
            over_limit.push(OverLimit {
                flow,
                accepted,
                dropped: dropped.len(),
            });
        } else {
            disagreements.extend(dropped);
        }
    }
    Comparison {
        disagreements,
        over_limit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DecidedBy;

    /// Flow "slow" (lg -> lg2) is limited to 3/minute: its bucket holds 3
    /// tokens, so the kernel drops nothing of it before 3 were accepted.
    /// Flow "free" (lg2 -> lg) has no limit.
    const POLICY: &str = r#"
[policy]
name = "limits"

[zones.lg]
tier = "lgwan"
interfaces = ["lg0"]
networks = ["10.20.0.0/16"]

[zones.lg2]
tier = "lgwan"
interfaces = ["lg1"]
networks = ["10.21.0.0/16"]

[[flows]]
name = "slow"
from = ["lg"]
to = ["lg2"]
services = ["https"]
limit = "3/minute"
reason = "test"

[[flows]]
name = "free"
from = ["lg2"]
to = ["lg"]
services = ["https"]
reason = "test"
"#;

    fn ruleset() -> Ruleset {
        let policy = sanso_policy::load_policy("limits.toml", POLICY).expect("valid");
        sanso_ir::lower(&policy, 0)
    }

    fn flow(ruleset: &Ruleset, name: &str) -> FlowIdx {
        (0..ruleset.flows.len())
            .map(FlowIdx)
            .find(|&f| ruleset.flow(f).name == name)
            .expect(name)
    }

    fn accepted_by(f: FlowIdx) -> Decision {
        Decision {
            verdict: Verdict::Accept,
            by: DecidedBy::Flow(f),
        }
    }

    fn dropped() -> Decision {
        Decision {
            verdict: Verdict::Drop,
            by: DecidedBy::DefaultDrop {
                src_zone: None,
                dst_zone: None,
                expired: Vec::new(),
            },
        }
    }

    fn case(expect: Verdict, decision: &Decision, kernel: Option<Kernel>) -> CaseRun<'_> {
        CaseRun {
            expect,
            decision,
            kernel,
            client: None,
        }
    }

    #[test]
    fn a_limit_explains_drops_only_after_its_burst_was_let_through() {
        let ruleset = ruleset();
        let (slow, free) = (flow(&ruleset, "slow"), flow(&ruleset, "free"));
        assert!(!limit_explains_drops(&ruleset, slow, 0));
        assert!(
            !limit_explains_drops(&ruleset, slow, 2),
            "one accept is not a spent bucket"
        );
        assert!(limit_explains_drops(&ruleset, slow, 3));
        assert!(
            !limit_explains_drops(&ruleset, free, 100),
            "no limit, no excuse"
        );
    }

    #[test]
    fn only_an_accepting_flow_with_a_limit_is_limited() {
        let ruleset = ruleset();
        let (slow, free) = (flow(&ruleset, "slow"), flow(&ruleset, "free"));
        assert_eq!(limited_flow(&ruleset, &accepted_by(slow)), Some(slow));
        assert_eq!(limited_flow(&ruleset, &accepted_by(free)), None);
        assert_eq!(limited_flow(&ruleset, &dropped()), None);
    }

    #[test]
    fn the_words_of_verdicts_and_kernel_outcomes() {
        assert_eq!(Verdict::Accept.as_str(), "accept");
        assert_eq!(Verdict::Drop.to_string(), "drop");
        assert_eq!(Verdict::from(sanso_policy::Expect::Drop), Verdict::Drop);
        assert_eq!(Verdict::from(sanso_policy::Expect::Accept), Verdict::Accept);
        assert_eq!(KernelOutcome::NotSent.as_str(), "-");
        assert_eq!(KernelOutcome::Saw(Verdict::Accept).as_str(), "accept");
        assert_eq!(KernelOutcome::OverLimit.as_str(), "limit");
    }

    #[test]
    fn a_case_passes_when_every_engine_agrees_with_expect() {
        let ruleset = ruleset();
        let free = accepted_by(flow(&ruleset, "free"));
        let drop = dropped();
        let out = judge_cases(
            &ruleset,
            &[
                case(Verdict::Accept, &free, None),
                case(Verdict::Drop, &free, None),
                case(Verdict::Drop, &drop, Some(Kernel::Saw(Verdict::Drop))),
                case(Verdict::Drop, &drop, Some(Kernel::Saw(Verdict::Accept))),
                case(Verdict::Accept, &free, Some(Kernel::NotSent)),
                case(Verdict::Drop, &free, Some(Kernel::NotSent)),
            ],
        );
        let got: Vec<(Option<KernelOutcome>, bool)> =
            out.iter().map(|o| (o.kernel, o.pass)).collect();
        assert_eq!(
            got,
            [
                (None, true),
                (None, false),
                (Some(KernelOutcome::Saw(Verdict::Drop)), true),
                (Some(KernelOutcome::Saw(Verdict::Accept)), false),
                (Some(KernelOutcome::NotSent), true),
                (Some(KernelOutcome::NotSent), false),
            ]
        );
        assert_eq!(out[1].expected, Verdict::Drop);
        assert_eq!(out[1].userspace, Verdict::Accept);
    }

    #[test]
    fn a_real_client_must_agree_too() {
        let ruleset = ruleset();
        let free = accepted_by(flow(&ruleset, "free"));
        let saw = Some(Kernel::Saw(Verdict::Accept));
        let with_client = |client| CaseRun {
            client,
            ..case(Verdict::Accept, &free, saw)
        };
        let out = judge_cases(
            &ruleset,
            &[
                with_client(Some(Verdict::Accept)),
                with_client(Some(Verdict::Drop)),
            ],
        );
        assert!(out[0].pass);
        assert!(!out[1].pass);
        assert_eq!(out[1].client, Some(Verdict::Drop));
    }

    #[test]
    fn kernel_drops_of_a_limited_flow_pass_only_after_its_burst() {
        let ruleset = ruleset();
        let slow = accepted_by(flow(&ruleset, "slow"));
        let free = accepted_by(flow(&ruleset, "free"));
        let accept = Some(Kernel::Saw(Verdict::Accept));
        let drop = Some(Kernel::Saw(Verdict::Drop));
        // Two accepts: the bucket of 3 is not spent, the drop is a failure.
        let out = judge_cases(
            &ruleset,
            &[
                case(Verdict::Accept, &slow, accept),
                case(Verdict::Accept, &slow, accept),
                case(Verdict::Accept, &slow, drop),
            ],
        );
        assert_eq!(out[2].kernel, Some(KernelOutcome::Saw(Verdict::Drop)));
        assert!(!out[2].pass);
        // Three accepts (in any order): the drops are over the limit.
        let out = judge_cases(
            &ruleset,
            &[
                case(Verdict::Accept, &slow, drop),
                case(Verdict::Accept, &slow, accept),
                case(Verdict::Accept, &slow, accept),
                case(Verdict::Accept, &slow, accept),
                case(Verdict::Accept, &slow, drop),
                // A flow without a limit has no excuse.
                case(Verdict::Accept, &free, drop),
            ],
        );
        let kernel: Vec<_> = out
            .iter()
            .map(|o| o.kernel.map(KernelOutcome::as_str))
            .collect();
        assert_eq!(
            kernel,
            [
                Some("limit"),
                Some("accept"),
                Some("accept"),
                Some("accept"),
                Some("limit"),
                Some("drop")
            ]
        );
        let pass: Vec<bool> = out.iter().map(|o| o.pass).collect();
        assert_eq!(pass, [true, true, true, true, true, false]);
    }

    #[test]
    fn engines_disagree_where_classifier_or_kernel_differ_from_the_meaning() {
        let ruleset = ruleset();
        let free = accepted_by(flow(&ruleset, "free"));
        let drop = dropped();
        fn run(meant: Verdict, decision: &Decision, kernel: Option<Verdict>) -> PacketRun<'_> {
            PacketRun {
                meant,
                decision,
                kernel,
            }
        }
        let comparison = compare_engines(
            &ruleset,
            &[
                run(Verdict::Accept, &free, Some(Verdict::Accept)),
                run(Verdict::Drop, &free, Some(Verdict::Drop)),
                run(Verdict::Drop, &drop, Some(Verdict::Accept)),
                run(Verdict::Drop, &drop, None),
                run(Verdict::Accept, &drop, None),
            ],
        );
        assert_eq!(comparison.disagreements, [1, 2, 4]);
        assert!(comparison.over_limit.is_empty());
    }

    #[test]
    fn kernel_drops_of_a_limited_flow_are_set_aside_after_its_burst() {
        let ruleset = ruleset();
        let f = flow(&ruleset, "slow");
        let slow = accepted_by(f);
        let drop = dropped();
        // The classifier agrees with the meaning; the kernel did `kernel`.
        fn run(decision: &Decision, kernel: Verdict) -> PacketRun<'_> {
            PacketRun {
                meant: decision.verdict,
                decision,
                kernel: Some(kernel),
            }
        }
        // Two accepts and a drop: the drop is a disagreement, after the
        // others in order.
        let comparison = compare_engines(
            &ruleset,
            &[
                run(&slow, Verdict::Drop),
                run(&drop, Verdict::Accept),
                run(&slow, Verdict::Accept),
                run(&slow, Verdict::Accept),
            ],
        );
        assert_eq!(comparison.disagreements, [1, 0]);
        assert!(comparison.over_limit.is_empty());
        // Three accepts: the two drops are over the limit.
        let comparison = compare_engines(
            &ruleset,
            &[
                run(&slow, Verdict::Drop),
                run(&slow, Verdict::Accept),
                run(&slow, Verdict::Accept),
                run(&slow, Verdict::Accept),
                run(&slow, Verdict::Drop),
            ],
        );
        assert!(comparison.disagreements.is_empty());
        assert_eq!(
            comparison.over_limit,
            [OverLimit {
                flow: f,
                accepted: 3,
                dropped: 2
            }]
        );
        // Where the classifier already disagrees with the meaning, the
        // limit is no excuse and the kernel's accepts do not count.
        let comparison = compare_engines(
            &ruleset,
            &[PacketRun {
                meant: Verdict::Drop,
                decision: &slow,
                kernel: Some(Verdict::Accept),
            }],
        );
        assert_eq!(comparison.disagreements, [0]);
    }
}
