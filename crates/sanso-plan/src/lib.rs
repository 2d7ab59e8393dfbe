//! sanso-plan owns the dry run (issue 4): what replacing one compiled policy
//! by another would change, as the people who approve policies read it.
//!
//! [`plan`] compares an old `(Policy, Ruleset)` (or nothing, for a first
//! apply) with a new one and gives a [`Plan`]:
//!
//! * zones added, removed or changed (tier, interfaces, networks);
//! * flows added, removed or changed, naming the fields that changed
//!   (from, to, services, log, limit, until, exception, reason);
//! * reachability between zones: for each (source zone, destination zone,
//!   service match) that becomes reachable or unreachable, derived from the
//!   IR's elements, so it is exactly what the kernel will allow;
//! * the unified diff of the two `nft -f` texts, rendered by the function
//!   the caller passes (`sanso_nft::text::render`: this crate does not
//!   depend on the crate that also holds sockets and runs `nft`).
//!
//! [`report`] builds the auditor's report of one policy as data, with the
//! zone matrix [`report::ZoneMatrix`], and writes it as Markdown
//! ([`report::markdown::render`]) and as an HTML page
//! ([`report::html::render`]); `sanso report` gathers its inputs and prints
//! it.
//!
//! Pure: no I/O, no clock. The plan renders as text in the process language
//! (the message catalogue, `sanso_i18n`), with Japanese tier names
//! ([`std::fmt::Display`]), and serialises with serde for `--json`; its data
//! (names, fields' values, summaries) stays the same in every language.

#![forbid(unsafe_code)]

mod flows;
mod reach;
mod render;
pub mod report;

use sanso_ir::Ruleset;
use sanso_policy::{Policy, Tier};
use serde::Serialize;

pub use flows::{FlowChange, FlowField, ZoneChange, ZoneField};
pub use reach::{ReachChange, ReachKind, Reachability, ZoneEnd};

/// Whether something appears, disappears or changes between old and new.
pub use sanso_ir::ChangeKind;

/// Which policy file a side of the plan came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PolicyId {
    pub name: String,
    pub revision: Option<String>,
    /// SHA-256 of the policy text, lowercase hex.
    pub content_hash: String,
}

impl PolicyId {
    fn of(policy: &Policy) -> Self {
        PolicyId {
            name: policy.name.clone(),
            revision: policy.revision.clone(),
            content_hash: policy.content_hash.clone(),
        }
    }
}

/// What applying `new` in place of `old` would change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// `None` when nothing was applied before.
    pub old: Option<PolicyId>,
    pub new: PolicyId,
    pub zones: Vec<ZoneChange>,
    pub flows: Vec<FlowChange>,
    pub reachability: Vec<ReachChange>,
    /// Unified diff of the rendered rulesets (`old` -> `new`); empty when equal.
    pub ruleset_diff: String,
}

impl Plan {
    /// True when applying the new policy changes nothing: no zone, flow or
    /// reachability change and byte-identical ruleset text. (A policy edited
    /// only in its comments still changes the content hash in the table
    /// comment, so its plan is not empty; see [`Plan::is_semantically_empty`].)
    pub fn is_empty(&self) -> bool {
        self.is_semantically_empty() && self.ruleset_diff.is_empty()
    }

    /// True when no zone, flow or reachability changes, whatever the text.
    pub fn is_semantically_empty(&self) -> bool {
        self.zones.is_empty() && self.flows.is_empty() && self.reachability.is_empty()
    }
}

/// Computes the plan from `old` (the applied policy and its compiled
/// ruleset, or `None` for a first apply) to `new`. `render` gives a
/// ruleset's `nft -f` text, for [`Plan::ruleset_diff`]; it must be pure.
///
/// ```ignore
/// let plan = sanso_plan::plan(
///     Some((&old_policy, &old_ruleset)),
///     (&new_policy, &new_ruleset),
///     sanso_nft::text::render,
/// );
/// if !plan.is_empty() { println!("{plan}"); }
/// let json = serde_json::to_string_pretty(&plan)?;
/// ```
pub fn plan(
    old: Option<(&Policy, &Ruleset)>,
    new: (&Policy, &Ruleset),
    render: impl Fn(&Ruleset) -> String,
) -> Plan {
    let (new_policy, new_ruleset) = new;
    let new_text = render(new_ruleset);
    let old_text = old.map(|(_, r)| render(r)).unwrap_or_default();
    let ruleset_diff = if old_text == new_text {
        String::new()
    } else {
        similar::TextDiff::from_lines(&old_text, &new_text)
            .unified_diff()
            .context_radius(2)
            .header("old ruleset", "new ruleset")
            .to_string()
    };
    let old_reach = old.map(|(_, r)| Reachability::of(r)).unwrap_or_default();
    let new_reach = Reachability::of(new_ruleset);
    Plan {
        old: old.map(|(p, _)| PolicyId::of(p)),
        new: PolicyId::of(new_policy),
        zones: flows::zone_changes(old.map(|(p, _)| p), new_policy),
        flows: flows::flow_changes(old.map(|(p, _)| p), new_policy),
        reachability: reach::changes(&old_reach, &new_reach),
        ruleset_diff,
    }
}

/// A tier as shown in plans: the policy word and the Japanese name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct TierName {
    pub tier: &'static str,
    pub japanese: &'static str,
}

impl TierName {
    fn of(tier: Tier) -> Self {
        TierName {
            tier: tier.as_str(),
            japanese: tier.japanese(),
        }
    }
}
