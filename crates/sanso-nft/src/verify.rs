//! Read-back after an apply: does the live `table inet sanso` have the shape
//! the IR says it must (comment, chains with their rule counts, named
//! objects, sets with their element counts)?
//!
//! This is the cheap check that runs after every apply; it catches a table
//! that was not replaced, or a batch the kernel took only in part. The exact
//! comparison against the kernel's own view of the text (`readback::diff`)
//! is `sanso drift`.

use std::collections::BTreeMap;

use sanso_ir::Ruleset;

use crate::netlink::plan::{plan, ObjectPlan};
use crate::readback::{LiveTable, TablePresence};

/// What `table inet sanso` must hold for a ruleset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableShape {
    pub comment: String,
    /// Chain name -> number of rules.
    pub chains: BTreeMap<String, usize>,
    /// `"counter <name>"` / `"limit <name>"`.
    pub objects: Vec<String>,
    /// Set or map name -> number of elements.
    pub sets: BTreeMap<String, usize>,
}

/// The shape the kernel must show after `ruleset` was applied.
pub fn expected_shape(ruleset: &Ruleset) -> TableShape {
    let plan = plan(ruleset);
    let mut objects: Vec<String> = plan
        .objects
        .iter()
        .map(|o| match o {
            ObjectPlan::Counter { name, .. } => format!("counter {name}"),
            ObjectPlan::Limit { name, .. } => format!("limit {name}"),
        })
        .collect();
    objects.sort();
    TableShape {
        comment: plan.table_comment.clone(),
        chains: plan
            .chains
            .iter()
            .map(|c| (c.name.clone(), c.rules.len()))
            .collect(),
        objects,
        sets: plan
            .sets
            .iter()
            .map(|s| (s.name.clone(), s.elements.len()))
            .collect(),
    }
}

/// Every way `live` differs from `shape`; empty when it matches.
pub fn check_shape(shape: &TableShape, live: &LiveTable) -> Vec<String> {
    let mut problems = Vec::new();
    if live.presence == TablePresence::Absent {
        problems.push("table inet sanso is missing".to_owned());
        return problems;
    }
    if live.comment.as_deref() != Some(shape.comment.as_str()) {
        problems.push(format!(
            "table comment is {:?}, expected {:?}",
            live.comment.as_deref().unwrap_or(""),
            shape.comment
        ));
    }
    for (name, rules) in &shape.chains {
        match live.chains.get(name) {
            None => problems.push(format!("chain {name} is missing")),
            Some(chain) if chain.rules.len() != *rules => problems.push(format!(
                "chain {name} has {} rules, expected {rules}",
                chain.rules.len()
            )),
            Some(_) => {}
        }
    }
    for name in live
        .chains
        .keys()
        .filter(|n| !shape.chains.contains_key(*n))
    {
        problems.push(format!("chain {name} is not sanso's"));
    }
    let live_objects: Vec<&String> = live.objects.keys().collect();
    let expected_objects: Vec<&String> = shape.objects.iter().collect();
    if live_objects != expected_objects {
        problems.push(format!(
            "{} named objects, expected {}",
            live_objects.len(),
            expected_objects.len()
        ));
    }
    for (name, elements) in &shape.sets {
        match live.sets.get(name) {
            None => problems.push(format!("set {name} is missing")),
            Some(set) if set.elements.len() != *elements => problems.push(format!(
                "set {name} has {} elements, expected {elements}",
                set.elements.len()
            )),
            Some(_) => {}
        }
    }
    for name in live.sets.keys().filter(|n| !shape.sets.contains_key(*n)) {
        problems.push(format!("set {name} is not sanso's"));
    }
    problems
}

/// The outcome of reading the table back after an apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verification {
    /// The live table has the compiled shape.
    Verified,
    /// The live table differs from the compiled shape in these ways.
    Mismatch(Vec<String>),
}

/// Reads `table inet sanso` back (in `netns`, or here) and checks it against
/// the shape `ruleset` must have.
pub fn verify_applied(
    ruleset: &Ruleset,
    netns: Option<&str>,
) -> Result<Verification, crate::readback::ReadbackError> {
    let live = crate::readback::live_table(netns)?;
    let problems = check_shape(&expected_shape(ruleset), &live);
    Ok(if problems.is_empty() {
        Verification::Verified
    } else {
        Verification::Mismatch(problems)
    })
}
