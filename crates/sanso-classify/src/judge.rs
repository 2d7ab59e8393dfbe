//! Judging verdicts: a case's `expect` against what the classifier, the
//! kernel and a real client did (`sanso test`), and the policy's meaning,
//! the classifier and the kernel against each other (`sanso verify`).
//!
//! Every verdict is a [`Verdict`]; the binary only gathers them (running
//! the kernel harness) and prints what is judged here.
//!
//! A flow with a `limit` is a token bucket in the kernel, and cases and
//! random packets arrive far faster than it lets them through. So the kernel
//! runs load the ruleset [`without_limits`]: every drop where the policy
//! accepts is then a failure or a disagreement, never excused as the
//! limit's (which could hide a wrong or missing element). The limit itself
//! is no element of the packet path the classifier predicts; the kernel
//! tests of `sanso-netns` check that it is enforced.
//!
//! Pure: no I/O.

use sanso_ir::{FlowIdx, Ruleset};

use crate::{Decision, Verdict};

/// The ruleset the kernel runs of `sanso test --kernel` and `sanso verify`
/// load: `ruleset` with every flow's `limit` removed, and nothing else
/// changed (the same flows, marks, elements and groups). The classifier's
/// decisions are the same for both: it never models a limit.
pub fn without_limits(ruleset: &Ruleset) -> Ruleset {
    let mut unlimited = ruleset.clone();
    for flow in &mut unlimited.flows {
        flow.limit = None;
    }
    unlimited
}

/// The flows of `ruleset` with a `limit`, in order: those whose limit
/// [`without_limits`] leaves out of a kernel run.
pub fn limited_flows(ruleset: &Ruleset) -> Vec<FlowIdx> {
    (0..ruleset.flows.len())
        .map(FlowIdx)
        .filter(|&f| ruleset.flow(f).limit.is_some())
        .collect()
}

/// What the kernel did with a case's packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kernel {
    /// Not sent: the case has its own `at`, and the kernel's clock is real.
    NotSent,
    /// The packet arrived (accept) or did not (drop).
    Saw(Verdict),
}

impl Kernel {
    /// The word of the table and of `--json`: `-`, `accept`, `drop`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kernel::NotSent => "-",
            Kernel::Saw(verdict) => verdict.as_str(),
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
    pub kernel: Option<Kernel>,
    pub client: Option<Verdict>,
    /// Every engine agrees with `expect` (a case not sent passes on the
    /// kernel's side).
    pub pass: bool,
}

/// Judges cases against their `expect`, in order. The kernel's verdicts
/// come from the ruleset [`without_limits`]: a kernel drop is a drop.
pub fn judge_cases(cases: &[CaseRun<'_>]) -> Vec<CaseOutcome> {
    cases
        .iter()
        .map(|case| {
            let expected = case.expect;
            let userspace = case.decision.verdict;
            let pass = expected == userspace
                && case.kernel.is_none_or(|k| match k {
                    Kernel::Saw(verdict) => verdict == expected,
                    Kernel::NotSent => true,
                })
                && case.client.is_none_or(|c| c == expected);
            CaseOutcome {
                expected,
                userspace,
                kernel: case.kernel,
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
    /// What the kernel did, with the ruleset [`without_limits`]; `None`
    /// without a kernel run.
    pub kernel: Option<Verdict>,
}

/// Compares the engines packet by packet and gives the indices, in order,
/// of the packets on which they disagree: the classifier differs from the
/// policy's meaning, or the kernel does.
pub fn compare_engines(packets: &[PacketRun<'_>]) -> Vec<usize> {
    packets
        .iter()
        .enumerate()
        .filter(|(_, p)| p.meant != p.decision.verdict || p.kernel.is_some_and(|k| k != p.meant))
        .map(|(i, _)| i)
        .collect()
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
    fn the_kernel_runs_ruleset_is_the_same_without_any_limit() {
        let ruleset = ruleset();
        let (slow, free) = (flow(&ruleset, "slow"), flow(&ruleset, "free"));
        assert!(ruleset.flow(slow).limit.is_some());
        assert_eq!(limited_flows(&ruleset), [slow]);

        let unlimited = without_limits(&ruleset);
        assert!(unlimited.flows.iter().all(|f| f.limit.is_none()));
        assert!(limited_flows(&unlimited).is_empty());
        // Nothing else changes: the same flows (names, marks, ...), groups
        // and elements.
        let mut limitless = ruleset.clone();
        limitless.flows[slow.0].limit = None;
        assert_eq!(unlimited, limitless);
        assert_eq!(unlimited.flow(free), ruleset.flow(free));
        assert_eq!(unlimited.flow(slow).mark, ruleset.flow(slow).mark);
        // The ruleset it was made from keeps its limit.
        assert!(ruleset.flow(slow).limit.is_some());
    }

    #[test]
    fn the_classifier_decides_alike_with_and_without_limits() {
        use crate::{Classifier, Packet, Path, L4};
        let ruleset = ruleset();
        let unlimited = without_limits(&ruleset);
        let (with, without) = (Classifier::new(&ruleset), Classifier::new(&unlimited));
        for (src, dst) in [
            ("10.20.0.5", "10.21.0.5"),
            ("10.21.0.5", "10.20.0.5"),
            ("10.20.0.5", "10.20.0.6"),
        ] {
            for port in [443, 80] {
                let packet = Packet {
                    path: Path::Forward,
                    iif: None,
                    src: src.parse().expect("address"),
                    dst: dst.parse().expect("address"),
                    l4: L4::Tcp { dport: port },
                    time: 0,
                };
                assert_eq!(with.classify(&packet), without.classify(&packet));
            }
        }
    }

    #[test]
    fn the_words_of_kernel_outcomes() {
        assert_eq!(Verdict::Accept.as_str(), "accept");
        assert_eq!(Verdict::Drop.to_string(), "drop");
        assert_eq!(Verdict::from(sanso_policy::Expect::Drop), Verdict::Drop);
        assert_eq!(Verdict::from(sanso_policy::Expect::Accept), Verdict::Accept);
        assert_eq!(Kernel::NotSent.as_str(), "-");
        assert_eq!(Kernel::Saw(Verdict::Accept).as_str(), "accept");
        assert_eq!(Kernel::Saw(Verdict::Drop).as_str(), "drop");
    }

    #[test]
    fn a_case_passes_when_every_engine_agrees_with_expect() {
        let ruleset = ruleset();
        let free = accepted_by(flow(&ruleset, "free"));
        let drop = dropped();
        let out = judge_cases(&[
            case(Verdict::Accept, &free, None),
            case(Verdict::Drop, &free, None),
            case(Verdict::Drop, &drop, Some(Kernel::Saw(Verdict::Drop))),
            case(Verdict::Drop, &drop, Some(Kernel::Saw(Verdict::Accept))),
            case(Verdict::Accept, &free, Some(Kernel::NotSent)),
            case(Verdict::Drop, &free, Some(Kernel::NotSent)),
        ]);
        let got: Vec<(Option<Kernel>, bool)> = out.iter().map(|o| (o.kernel, o.pass)).collect();
        assert_eq!(
            got,
            [
                (None, true),
                (None, false),
                (Some(Kernel::Saw(Verdict::Drop)), true),
                (Some(Kernel::Saw(Verdict::Accept)), false),
                (Some(Kernel::NotSent), true),
                (Some(Kernel::NotSent), false),
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
        let out = judge_cases(&[
            with_client(Some(Verdict::Accept)),
            with_client(Some(Verdict::Drop)),
        ]);
        assert!(out[0].pass);
        assert!(!out[1].pass);
        assert_eq!(out[1].client, Some(Verdict::Drop));
    }

    #[test]
    fn a_kernel_drop_of_a_limited_flows_case_is_a_failure_however_many_passed() {
        let ruleset = ruleset();
        let slow = accepted_by(flow(&ruleset, "slow"));
        let accept = Some(Kernel::Saw(Verdict::Accept));
        let drop = Some(Kernel::Saw(Verdict::Drop));
        let out = judge_cases(&[
            case(Verdict::Accept, &slow, accept),
            case(Verdict::Accept, &slow, accept),
            case(Verdict::Accept, &slow, accept),
            case(Verdict::Accept, &slow, drop),
        ]);
        let pass: Vec<bool> = out.iter().map(|o| o.pass).collect();
        assert_eq!(pass, [true, true, true, false]);
        assert_eq!(out[3].kernel, Some(Kernel::Saw(Verdict::Drop)));
    }

    #[test]
    fn engines_disagree_where_classifier_or_kernel_differ_from_the_meaning() {
        let ruleset = ruleset();
        let free = accepted_by(flow(&ruleset, "free"));
        let slow = accepted_by(flow(&ruleset, "slow"));
        let drop = dropped();
        fn run(meant: Verdict, decision: &Decision, kernel: Option<Verdict>) -> PacketRun<'_> {
            PacketRun {
                meant,
                decision,
                kernel,
            }
        }
        let disagreements = compare_engines(&[
            run(Verdict::Accept, &free, Some(Verdict::Accept)),
            run(Verdict::Drop, &free, Some(Verdict::Drop)),
            run(Verdict::Drop, &drop, Some(Verdict::Accept)),
            run(Verdict::Drop, &drop, None),
            run(Verdict::Accept, &drop, None),
            // A limited flow's packets: three accepts are no excuse for a drop.
            run(Verdict::Accept, &slow, Some(Verdict::Accept)),
            run(Verdict::Accept, &slow, Some(Verdict::Accept)),
            run(Verdict::Accept, &slow, Some(Verdict::Accept)),
            run(Verdict::Accept, &slow, Some(Verdict::Drop)),
        ]);
        assert_eq!(disagreements, [1, 2, 4, 8]);
    }
}
