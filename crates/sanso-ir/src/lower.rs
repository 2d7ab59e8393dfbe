//! Lowering: validated Policy -> Ruleset (disjoint keys, groups of overlapping flows).

use sanso_policy::Policy;

use crate::Ruleset;

/// Compiles `policy` as of `now` (seconds since the Unix epoch): flows whose
/// `until` is at or before `now` are left out.
pub fn lower(policy: &Policy, now: i64) -> Ruleset {
    let _ = (policy, now);
    todo!("lowering")
}
