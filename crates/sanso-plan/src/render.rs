//! The plan as text for a human approver, in the process language (the
//! message catalogue's `plan-...` messages), with the Japanese tier names
//! next to zones, one line per change, then the ruleset diff.

use std::fmt;

use sanso_i18n::t;

use crate::reach::ReachKind;
use crate::{ChangeKind, Plan, PolicyId, ZoneEnd};

fn mark(kind: ChangeKind) -> char {
    match kind {
        ChangeKind::Added => '+',
        ChangeKind::Removed => '-',
        ChangeKind::Changed => '~',
    }
}

fn id(p: &PolicyId) -> String {
    let hash: String = p.content_hash.chars().take(16).collect();
    t!(
        "plan-policy-id",
        name = &p.name,
        revision = p.revision.as_deref().unwrap_or("-"),
        hash = hash
    )
}

fn end(z: &ZoneEnd) -> String {
    match &z.tier {
        Some(t) => format!("{} ({})", z.name, t.japanese),
        None => t!("plan-gateway"),
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.old {
            Some(old) => writeln!(f, "{}", t!("plan-head", old = id(old), new = id(&self.new)))?,
            None => writeln!(f, "{}", t!("plan-head-first", new = id(&self.new)))?,
        }
        if self.is_empty() {
            return writeln!(f, "{}", t!("plan-no-changes"));
        }
        if self.is_semantically_empty() {
            writeln!(f, "{}", t!("plan-only-text-differs"))?;
        }
        if !self.zones.is_empty() {
            writeln!(f, "\n{}", t!("plan-zones-heading"))?;
            for z in &self.zones {
                writeln!(
                    f,
                    "  {} {}",
                    mark(z.kind),
                    t!(
                        "plan-zone",
                        zone = &z.name,
                        tier = z.tier.tier,
                        standing = z.tier.japanese
                    )
                )?;
                for c in &z.changes {
                    writeln!(f, "      {}: {} -> {}", c.field.as_str(), c.old, c.new)?;
                }
            }
        }
        if !self.flows.is_empty() {
            writeln!(f, "\n{}", t!("plan-flows-heading"))?;
            for flow in &self.flows {
                match flow.kind {
                    ChangeKind::Added | ChangeKind::Removed => {
                        writeln!(
                            f,
                            "  {} {}",
                            mark(flow.kind),
                            t!("plan-flow", flow = &flow.name, summary = &flow.summary)
                        )?;
                        writeln!(f, "      {}", t!("plan-flow-reason", reason = &flow.reason))?;
                    }
                    ChangeKind::Changed => {
                        let fields: Vec<&str> =
                            flow.changes.iter().map(|c| c.field.as_str()).collect();
                        writeln!(
                            f,
                            "  {} {}",
                            mark(flow.kind),
                            t!(
                                "plan-flow-changed",
                                flow = &flow.name,
                                fields = fields.join(", ")
                            )
                        )?;
                        for c in &flow.changes {
                            writeln!(f, "      {}: {} -> {}", c.field.as_str(), c.old, c.new)?;
                        }
                    }
                }
            }
        }
        if !self.reachability.is_empty() {
            writeln!(f, "\n{}", t!("plan-reach-heading"))?;
            for r in &self.reachability {
                let from = end(&r.from);
                let to = end(&r.to);
                let service = &r.service;
                let (m, line) = match r.kind {
                    ReachKind::Reachable => (
                        '+',
                        t!("plan-reachable", from = from, to = to, service = service),
                    ),
                    ReachKind::Unreachable => (
                        '-',
                        t!("plan-unreachable", from = from, to = to, service = service),
                    ),
                };
                writeln!(f, "  {m} {line}")?;
            }
        }
        if !self.ruleset_diff.is_empty() {
            writeln!(f, "\n{}", t!("plan-ruleset-heading"))?;
            f.write_str(&self.ruleset_diff)?;
        }
        Ok(())
    }
}
