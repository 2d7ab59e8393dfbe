//! Policy text -> everything the daemon installs: the validated policy, its
//! IR as of a given instant, and the `nft -f` text (saved as the last good
//! ruleset for boot). Pure: the caller reads the file and picks the time.

use std::sync::Arc;

use sanso_ir::Ruleset;
use sanso_policy::Policy;

use crate::audit::PolicyRef;

/// A policy file as it was read: what gets recompiled at expiry and on rollback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicySource {
    /// The file name used in diagnostics.
    pub file: String,
    pub text: String,
}

/// A policy compiled for the kernel.
#[derive(Clone, Debug)]
pub struct Compiled {
    pub source: PolicySource,
    pub policy: Arc<Policy>,
    pub ruleset: Arc<Ruleset>,
    /// `nft -f` text of the same ruleset (replaces `table inet sanso` atomically).
    pub text: String,
}

/// A policy that did not compile, with its diagnostics rendered as text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Refusal {
    pub file: String,
    pub diagnostics: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&sanso_i18n::t!(
            "daemon-compile-refused",
            file = &self.file,
            diagnostics = &self.diagnostics
        ))
    }
}

/// Validates, lowers (judging `until` at `now`, seconds since the epoch) and
/// renders a policy.
pub fn compile(source: PolicySource, now: i64) -> Result<Compiled, Refusal> {
    let policy = sanso_policy::load_policy(&source.file, &source.text).map_err(|d| Refusal {
        file: source.file.clone(),
        diagnostics: d.render(false),
    })?;
    let mut ruleset = sanso_ir::lower(&policy, now);
    // A node of an HA pair admits its pair's own traffic (`--ha`).
    ruleset.ha = crate::ha::ruleset_inputs();
    let text = sanso_nft::text::render(&ruleset);
    Ok(Compiled {
        source,
        policy: Arc::new(policy),
        ruleset: Arc::new(ruleset),
        text,
    })
}

impl Compiled {
    /// What audit records say about this policy.
    pub fn policy_ref(&self) -> PolicyRef {
        PolicyRef {
            name: self.policy.name.clone(),
            revision: self.policy.revision.clone(),
            content_hash: self.policy.content_hash.clone(),
        }
    }

    /// The next instant (epoch seconds) after compile time at which an
    /// emitted flow expires: the daemon recompiles then.
    pub fn next_expiry(&self) -> Option<i64> {
        self.ruleset
            .flows
            .iter()
            .filter_map(|f| f.until)
            .filter(|&u| u > self.ruleset.compiled_at)
            .min()
    }

    /// Names of the flows of `self` that `newer` no longer emits.
    pub fn flows_gone_in(&self, newer: &Compiled) -> Vec<String> {
        self.ruleset
            .flows
            .iter()
            .filter(|f| !newer.ruleset.flows.iter().any(|g| g.name == f.name))
            .map(|f| f.name.clone())
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small valid policy; `until` (a date) bounds the `maint` flow when given.
    pub fn policy_text(revision: &str, until: Option<&str>) -> String {
        let until = until
            .map(|u| format!("until = \"{u}\""))
            .unwrap_or_default();
        include_str!("../tests/fixtures/test-city.toml")
            .replace("@REVISION@", revision)
            .replace("@UNTIL@", &until)
    }

    pub fn source(text: &str) -> PolicySource {
        PolicySource {
            file: "policy.toml".into(),
            text: text.into(),
        }
    }

    #[test]
    fn compiles_and_reports_the_next_expiry() {
        let text = policy_text("r1", Some("2030-01-01"));
        let compiled = compile(source(&text), 0).expect("valid");
        assert_eq!(compiled.policy_ref().revision.as_deref(), Some("r1"));
        assert!(compiled.text.contains("table inet sanso"));
        // 2030-01-01 through the end of the day in JST.
        let until = compiled.next_expiry().expect("an expiry");
        assert_eq!(until, 1_893_510_000);
        let later = compile(source(&text), until).expect("valid");
        assert_eq!(later.next_expiry(), None);
        assert_eq!(compiled.flows_gone_in(&later), vec!["maint".to_owned()]);
    }

    #[test]
    fn an_invalid_policy_is_refused_with_diagnostics() {
        let err = compile(source("[policy]\nname = 1\n"), 0).expect_err("invalid");
        assert!(!err.diagnostics.is_empty());
        assert!(err.to_string().contains("policy.toml"));
    }
}
