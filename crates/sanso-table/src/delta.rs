//! The change from one table to another as kernel objects deleted and
//! added in place ([`diff`]), for an incremental apply: one batch that
//! leaves every object both tables hold as it is, so that its counter
//! values, limit buckets and meter state survive the change.
//!
//! What is compared, and what a difference costs:
//! - a set or map whose declaration (kind, key fields) is the same keeps
//!   its place; its elements are compared as the kernel holds them (after
//!   interval encoding, [`for_each_kernel_element`]) and only those that
//!   differ are deleted or added. A declaration that differs recreates the
//!   set (delete, then add with all its elements);
//! - a named object (counter, limit) that differs in any way is deleted and
//!   added again (the kernel keeps a counter's comment as it was on an
//!   update): this is how counter `identity` names the policy loaded now;
//! - a chain whose declaration (hook, comment) differs is recreated; one
//!   whose rules differ keeps its place and has its rules flushed and added
//!   again, in order;
//! - whatever refers to an object that is recreated is renewed with it: the
//!   rules of a chain that jump to a recreated chain, look up a recreated
//!   set or count into a recreated object, and the map elements that jump
//!   to a recreated chain (the kernel refuses to delete what is referred
//!   to).
//!
//! `sanso_nft::netlink::encode` writes the result as one batch in an order
//! the kernel accepts (see [`Delta`]).

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use crate::objects::{
    for_each_kernel_element, ChainObject, Expr, NamedObject, RuleObject, SetObject, TableObjects,
    Verdict, WireElement,
};

/// What turns the old table into the new one, in the order of the batch:
/// deletions first (elements, rules, sets, chains, objects: each after what
/// refers to it), then additions (chains, objects, sets with their
/// elements, elements of kept sets, rules: each before what refers to it).
#[derive(Default)]
pub struct Delta<'a> {
    /// Elements deleted from sets kept in place (the old set, for its name).
    pub del_elements: Vec<(&'a SetObject, Vec<WireElement<'a>>)>,
    /// Chains whose rules are all deleted: kept chains with rules that
    /// change, and chains deleted or recreated.
    pub flush_chains: Vec<&'a ChainObject>,
    /// Sets deleted: gone from the new table, or recreated.
    pub del_sets: Vec<&'a SetObject>,
    /// Chains deleted: gone from the new table, or recreated.
    pub del_chains: Vec<&'a ChainObject>,
    /// Named objects deleted: gone from the new table, or changed.
    pub del_objects: Vec<&'a NamedObject>,
    /// Chains added (without rules): new, or recreated.
    pub add_chains: Vec<&'a ChainObject>,
    /// Named objects added: new, or changed.
    pub add_objects: Vec<&'a NamedObject>,
    /// Sets added with all their elements: new, or recreated.
    pub add_sets: Vec<&'a SetObject>,
    /// Elements added to sets kept in place (the new set).
    pub add_elements: Vec<(&'a SetObject, Vec<WireElement<'a>>)>,
    /// Chains whose rules are all added: new, recreated, or flushed.
    pub add_rules: Vec<&'a ChainObject>,
    /// Sets the table holds and keeps (the rules added may look them up by
    /// name).
    pub kept_sets: Vec<&'a str>,
}

impl Delta<'_> {
    /// Whether the two tables are the same.
    pub fn is_empty(&self) -> bool {
        self.del_elements.is_empty()
            && self.flush_chains.is_empty()
            && self.del_sets.is_empty()
            && self.del_chains.is_empty()
            && self.del_objects.is_empty()
            && self.add_chains.is_empty()
            && self.add_objects.is_empty()
            && self.add_sets.is_empty()
            && self.add_elements.is_empty()
            && self.add_rules.is_empty()
    }

    /// Elements deleted and added in kept sets.
    pub fn elements_changed(&self) -> (usize, usize) {
        let count = |v: &[(&SetObject, Vec<WireElement<'_>>)]| v.iter().map(|(_, e)| e.len()).sum();
        (count(&self.del_elements), count(&self.add_elements))
    }
}

/// Why two tables cannot be turned into one another in place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotInPlace {
    /// The tables' comments differ: the kernel keeps a table's comment as
    /// it was, so only a replace of the table changes it.
    TableComment,
}

/// The change from `old` to `new` (module doc), or why there is none that
/// keeps the table in place.
pub fn diff<'a>(old: &'a TableObjects, new: &'a TableObjects) -> Result<Delta<'a>, NotInPlace> {
    if old.table_comment != new.table_comment {
        return Err(NotInPlace::TableComment);
    }
    let mut delta = Delta::default();

    // Sets: kept (same declaration), recreated, added, deleted.
    let old_sets: HashMap<&str, &SetObject> =
        old.sets.iter().map(|s| (s.name.as_str(), s)).collect();
    let new_set_names: HashSet<&str> = new.sets.iter().map(|s| s.name.as_str()).collect();
    let mut recreated_sets: HashSet<&str> = HashSet::new();
    let mut kept_sets: Vec<(&SetObject, &SetObject)> = Vec::new();
    for set in &new.sets {
        match old_sets.get(set.name.as_str()) {
            Some(was) if was.kind == set.kind && was.fields == set.fields => {
                kept_sets.push((was, set));
                delta.kept_sets.push(&set.name);
            }
            Some(was) => {
                recreated_sets.insert(&set.name);
                delta.del_sets.push(was);
                delta.add_sets.push(set);
            }
            None => delta.add_sets.push(set),
        }
    }
    for set in &old.sets {
        if !new_set_names.contains(set.name.as_str()) {
            delta.del_sets.push(set);
        }
    }

    // Named objects: any difference recreates.
    let old_objects: HashMap<&str, &NamedObject> =
        old.objects.iter().map(|o| (o.name(), o)).collect();
    let new_object_names: HashSet<&str> = new.objects.iter().map(NamedObject::name).collect();
    let mut recreated_objects: HashSet<&str> = HashSet::new();
    for object in &new.objects {
        match old_objects.get(object.name()) {
            Some(was) if *was == object => {}
            Some(was) => {
                recreated_objects.insert(object.name());
                delta.del_objects.push(was);
                delta.add_objects.push(object);
            }
            None => delta.add_objects.push(object),
        }
    }
    for object in &old.objects {
        if !new_object_names.contains(object.name()) {
            delta.del_objects.push(object);
        }
    }

    // Chains: kept, recreated (declaration differs), added, deleted.
    let old_chains: HashMap<&str, &ChainObject> =
        old.chains.iter().map(|c| (c.name.as_str(), c)).collect();
    let new_chain_names: HashSet<&str> = new.chains.iter().map(|c| c.name.as_str()).collect();
    let mut recreated_chains: HashSet<&str> = HashSet::new();
    let mut kept_chains: Vec<(&ChainObject, &ChainObject)> = Vec::new();
    for chain in &new.chains {
        match old_chains.get(chain.name.as_str()) {
            Some(was) if was.hook == chain.hook && was.comment == chain.comment => {
                kept_chains.push((was, chain));
            }
            Some(was) => {
                recreated_chains.insert(&chain.name);
                if !was.rules.is_empty() {
                    delta.flush_chains.push(was);
                }
                delta.del_chains.push(was);
                delta.add_chains.push(chain);
                delta.add_rules.push(chain);
            }
            None => {
                delta.add_chains.push(chain);
                delta.add_rules.push(chain);
            }
        }
    }
    for chain in &old.chains {
        if !new_chain_names.contains(chain.name.as_str()) {
            if !chain.rules.is_empty() {
                delta.flush_chains.push(chain);
            }
            delta.del_chains.push(chain);
        }
    }
    let renewed = Renewed {
        chains: &recreated_chains,
        objects: &recreated_objects,
        sets: &recreated_sets,
    };
    for (was, chain) in kept_chains {
        if was.rules != chain.rules || chain.rules.iter().any(|r| renewed.refers_to(r)) {
            if !was.rules.is_empty() {
                delta.flush_chains.push(was);
            }
            delta.add_rules.push(chain);
        }
    }

    // Elements of kept sets, as the kernel holds them.
    for (was, set) in kept_sets {
        // Most sets hold the same elements: compared as the IR gives them
        // (in order), they need no kernel encoding.
        let renews = !renewed.chains.is_empty()
            && set
                .elements
                .iter()
                .any(|e| renewed.jumps_to_one(e.verdict.as_ref()));
        if was.elements == set.elements && !renews {
            continue;
        }
        let (gone, added) = element_changes(was, set, &renewed);
        if !gone.is_empty() {
            delta.del_elements.push((was, gone));
        }
        if !added.is_empty() {
            delta.add_elements.push((set, added));
        }
    }
    Ok(delta)
}

/// The names of the objects recreated by a change.
struct Renewed<'s, 'a> {
    chains: &'s HashSet<&'a str>,
    objects: &'s HashSet<&'a str>,
    sets: &'s HashSet<&'a str>,
}

impl Renewed<'_, '_> {
    /// Whether `verdict` jumps to a recreated chain.
    fn jumps_to_one(&self, verdict: Option<&Verdict>) -> bool {
        matches!(verdict, Some(Verdict::Jump(c)) if self.chains.contains(c.as_str()))
    }

    /// Whether `rule` refers to a recreated object (its set lookups, object
    /// references and jumps, its anonymous set's jumps).
    fn refers_to(&self, rule: &RuleObject) -> bool {
        rule.exprs.iter().any(|e| match e {
            Expr::Lookup { set, .. } | Expr::Meter { set, .. } => self.sets.contains(set.as_str()),
            Expr::Objref { name, .. } => self.objects.contains(name.as_str()),
            Expr::Verdict(verdict) => self.jumps_to_one(Some(verdict)),
            _ => false,
        }) || rule.anon_set.as_ref().is_some_and(|s| {
            s.elements
                .iter()
                .any(|e| self.jumps_to_one(e.verdict.as_ref()))
        })
    }
}

/// An element as the kernel holds it, compared by everything it carries.
struct Wire<'a>(WireElement<'a>);

impl PartialEq for Wire<'_> {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (&self.0, &other.0);
        *a.key == *b.key
            && a.key_end.as_deref() == b.key_end.as_deref()
            && a.interval_end == b.interval_end
            && a.open == b.open
            && a.verdict == b.verdict
    }
}

impl Eq for Wire<'_> {}

impl Hash for Wire<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (*self.0.key).hash(state);
        self.0.key_end.as_deref().hash(state);
        self.0.interval_end.hash(state);
    }
}

/// The elements of `was` that `set` no longer holds, and those it adds. An
/// element that jumps to a recreated chain is added again, and the one it
/// replaces is deleted.
fn element_changes<'a>(
    was: &'a SetObject,
    set: &'a SetObject,
    renewed: &Renewed<'_, '_>,
) -> (Vec<WireElement<'a>>, Vec<WireElement<'a>>) {
    let mut old: HashSet<Wire<'a>> = HashSet::with_capacity(was.elements.len() * 2);
    let _ = for_each_kernel_element(was, |e| {
        old.insert(Wire(e));
        Ok::<(), std::convert::Infallible>(())
    });
    let mut added = Vec::new();
    let _ = for_each_kernel_element(set, |e| {
        let renews = renewed.jumps_to_one(e.verdict);
        let e = Wire(e);
        // A renewed element stays in `old`, to be deleted.
        if renews || !old.remove(&e) {
            added.push(e.0);
        }
        Ok::<(), std::convert::Infallible>(())
    });
    let gone = old.into_iter().map(|w| w.0).collect();
    (gone, added)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::{ElementObject, Field, SetKind, Value};

    fn element(host: u8, chain: &str) -> ElementObject {
        let host = Value::from([10, 0, 0, host]);
        ElementObject {
            key: vec![
                (host, host),
                (Value::from([6]), Value::from([6])),
                (Value::from([0, 22]), Value::from([0, 22])),
            ],
            verdict: Some(Verdict::Jump(chain.into())),
        }
    }

    fn chain(name: &str, comment: &str, counter: &str) -> ChainObject {
        ChainObject {
            name: name.into(),
            comment: Some(comment.into()),
            hook: None,
            rules: vec![RuleObject {
                anon_set: None,
                exprs: vec![
                    Expr::Objref {
                        kind: 1,
                        name: counter.into(),
                    },
                    Expr::Verdict(Verdict::Accept),
                ],
            }],
        }
    }

    fn counter(name: &str, comment: &str) -> NamedObject {
        NamedObject::Counter {
            name: name.into(),
            comment: Some(comment.into()),
        }
    }

    fn table(hosts: &[(u8, &str)], chains: Vec<ChainObject>, identity: &str) -> TableObjects {
        TableObjects {
            table_comment: "t".into(),
            chains,
            objects: vec![
                counter("identity", identity),
                counter("flow.a", "a"),
                counter("flow.b", "b"),
            ],
            sets: vec![SetObject {
                name: "in4".into(),
                kind: SetKind::VerdictMap,
                fields: vec![Field::Ipv4, Field::InetProto, Field::InetService],
                elements: hosts.iter().map(|(h, c)| element(*h, c)).collect(),
            }],
        }
    }

    fn ab() -> Vec<ChainObject> {
        vec![
            chain("allow.a", "a", "flow.a"),
            chain("allow.b", "b", "flow.b"),
        ]
    }

    #[test]
    fn the_same_table_is_no_change() {
        let old = table(&[(1, "allow.a"), (2, "allow.b")], ab(), "p1");
        let same = old.clone();
        let delta = diff(&old, &same).expect("in place");
        assert!(delta.is_empty());
    }

    #[test]
    fn a_table_comment_cannot_change_in_place() {
        let old = table(&[(1, "allow.a")], ab(), "p1");
        let mut new = old.clone();
        new.table_comment = "u".into();
        assert_eq!(diff(&old, &new).err(), Some(NotInPlace::TableComment));
    }

    #[test]
    fn one_element_gone_and_one_added_leave_the_rest() {
        let old = table(&[(1, "allow.a"), (2, "allow.b")], ab(), "p1");
        let new = table(&[(1, "allow.a"), (3, "allow.b")], ab(), "p1");
        let delta = diff(&old, &new).expect("in place");
        assert_eq!(delta.elements_changed(), (1, 1));
        assert_eq!(&delta.del_elements[0].1[0].key[..4], &[10, 0, 0, 2]);
        assert_eq!(&delta.add_elements[0].1[0].key[..4], &[10, 0, 0, 3]);
        assert!(delta.flush_chains.is_empty() && delta.add_rules.is_empty());
        assert!(delta.del_objects.is_empty() && delta.add_objects.is_empty());
        assert_eq!(delta.kept_sets, vec!["in4"]);
    }

    #[test]
    fn a_changed_object_is_recreated_with_the_rules_that_count_into_it() {
        let old = table(&[(1, "allow.a")], ab(), "p1");
        let mut new = table(&[(1, "allow.a")], ab(), "p2");
        let delta = diff(&old, &new).expect("in place");
        // The identity is counted into by no rule: only it changes.
        assert_eq!(delta.del_objects, vec![&old.objects[0]]);
        assert_eq!(delta.add_objects, vec![&new.objects[0]]);
        assert!(delta.add_rules.is_empty());

        new = table(&[(1, "allow.a")], ab(), "p1");
        new.objects[1] = counter("flow.a", "renamed");
        let delta = diff(&old, &new).expect("in place");
        let refilled: Vec<&str> = delta.add_rules.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(refilled, vec!["allow.a"]);
        assert_eq!(delta.flush_chains.len(), 1);
    }

    #[test]
    fn a_recreated_chain_renews_the_elements_that_jump_to_it() {
        let old = table(&[(1, "allow.a"), (2, "allow.b")], ab(), "p1");
        let mut chains = ab();
        chains[0].comment = Some("a and c".into());
        let new = table(&[(1, "allow.a"), (2, "allow.b")], chains, "p1");
        let delta = diff(&old, &new).expect("in place");
        let names = |v: &[&ChainObject]| v.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&delta.del_chains), vec!["allow.a"]);
        assert_eq!(names(&delta.add_chains), vec!["allow.a"]);
        assert_eq!(names(&delta.flush_chains), vec!["allow.a"]);
        // Element 10.0.0.1 jumps to it: deleted and added again; 10.0.0.2 stays.
        assert_eq!(delta.elements_changed(), (1, 1));
        assert_eq!(&delta.del_elements[0].1[0].key[..4], &[10, 0, 0, 1]);
    }

    #[test]
    fn a_set_of_another_declaration_is_recreated() {
        let old = table(&[(1, "allow.a")], ab(), "p1");
        let mut new = old.clone();
        new.sets[0].fields.pop();
        let delta = diff(&old, &new).expect("in place");
        assert_eq!(delta.del_sets.len(), 1);
        assert_eq!(delta.add_sets.len(), 1);
        assert!(delta.kept_sets.is_empty());
    }
}
