//! The plan as text for a human approver: English, with the Japanese tier
//! names next to zones, one line per change, then the ruleset diff.

use std::fmt;

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
    format!(
        "{} rev {} (sha256:{hash})",
        p.name,
        p.revision.as_deref().unwrap_or("-")
    )
}

fn end(z: &ZoneEnd) -> String {
    match &z.tier {
        Some(t) => format!("{} ({})", z.name, t.japanese),
        None => "self (the gateway)".to_owned(),
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.old {
            Some(old) => writeln!(f, "Plan: {} -> {}", id(old), id(&self.new))?,
            None => writeln!(f, "Plan: first apply of {}", id(&self.new))?,
        }
        if self.is_empty() {
            return writeln!(f, "No changes.");
        }
        if self.is_semantically_empty() {
            writeln!(
                f,
                "No change to zones, flows or reachability; only the ruleset text differs."
            )?;
        }
        if !self.zones.is_empty() {
            writeln!(f, "\nZones:")?;
            for z in &self.zones {
                writeln!(
                    f,
                    "  {} zone {} ({}, {})",
                    mark(z.kind),
                    z.name,
                    z.tier.tier,
                    z.tier.japanese
                )?;
                for c in &z.changes {
                    writeln!(f, "      {}: {} -> {}", c.field.as_str(), c.old, c.new)?;
                }
            }
        }
        if !self.flows.is_empty() {
            writeln!(f, "\nFlows:")?;
            for flow in &self.flows {
                match flow.kind {
                    ChangeKind::Added | ChangeKind::Removed => {
                        writeln!(
                            f,
                            "  {} flow {}: {}",
                            mark(flow.kind),
                            flow.name,
                            flow.summary
                        )?;
                        writeln!(f, "      reason: {}", flow.reason)?;
                    }
                    ChangeKind::Changed => {
                        let fields: Vec<&str> =
                            flow.changes.iter().map(|c| c.field.as_str()).collect();
                        writeln!(f, "  ~ flow {} ({} changed)", flow.name, fields.join(", "))?;
                        for c in &flow.changes {
                            writeln!(f, "      {}: {} -> {}", c.field.as_str(), c.old, c.new)?;
                        }
                    }
                }
            }
        }
        if !self.reachability.is_empty() {
            writeln!(f, "\nReachability between zones:")?;
            for r in &self.reachability {
                let (m, words) = match r.kind {
                    ReachKind::Reachable => ('+', "now reachable"),
                    ReachKind::Unreachable => ('-', "no longer reachable"),
                };
                writeln!(
                    f,
                    "  {m} {words}: {} -> {}: {}",
                    end(&r.from),
                    end(&r.to),
                    r.service
                )?;
            }
        }
        if !self.ruleset_diff.is_empty() {
            writeln!(f, "\nRuleset (nft text):")?;
            f.write_str(&self.ruleset_diff)?;
        }
        Ok(())
    }
}
