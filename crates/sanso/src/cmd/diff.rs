//! `sanso diff`: what changed between two policy revisions the daemon
//! applied, read from its archive (`STATE/policies/<sha256>.toml`) or from
//! files; and `--list`, what the archive holds.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use sanso_daemon::archive;
use sanso_i18n::t;

use crate::common;

/// Show the difference between two policy revisions: flows added, removed or
/// changed (and which fields), zones, and which zone pairs and services
/// become reachable or unreachable.
///
/// OLD and NEW are each a content hash, or a prefix of one (at least 8 hex
/// digits, as the audit records and `sanso status` show them), of a policy
/// the daemon applied and archived in its state directory; or a policy file.
/// An archived policy is checked against its hash first.
///
/// Exit status, like diff(1): 0 when nothing differs, 2 when something
/// does, 1 on error.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The older revision: a content hash (prefix) or a policy file.
    #[arg(required_unless_present = "list")]
    old: Option<String>,
    /// The newer revision: a content hash (prefix) or a policy file.
    #[arg(required_unless_present = "list")]
    new: Option<String>,
    /// List the archived revisions, in the order first applied, and exit.
    #[arg(long, conflicts_with_all = ["old", "new"])]
    list: bool,
    /// The daemon's state directory, which holds the archive.
    #[arg(long, default_value = sanso_daemon::DEFAULT_STATE_DIR)]
    state_dir: PathBuf,
    /// Show the unified diff of the two compiled rulesets (nft text), not only how many lines differ.
    #[arg(long)]
    ruleset: bool,
    /// Judge expiry (for reachability) at this time instead of now (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_parser = common::parse_time)]
    now: Option<i64>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    if args.list {
        return list(&args);
    }
    let (Some(old), Some(new)) = (&args.old, &args.new) else {
        bail!(t!("plan-diff-give-old-and-new"));
    };
    let old = Revision::resolve(&args.state_dir, old)?;
    let new = Revision::resolve(&args.state_dir, new)?;
    let now = common::now_or(args.now);
    let old_policy = old.load()?;
    let new_policy = new.load()?;
    let old_ruleset = sanso_ir::lower(&old_policy, now);
    let new_ruleset = sanso_ir::lower(&new_policy, now);
    let mut plan = sanso_plan::plan(
        Some((&old_policy, &old_ruleset)),
        (&new_policy, &new_ruleset),
        sanso_nft::text::render,
    );
    let differs = !plan.is_empty();
    if args.json {
        let out = serde_json::json!({
            "old": old.describe_json(),
            "new": new.describe_json(),
            "plan": plan,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        if !args.ruleset && !plan.ruleset_diff.is_empty() {
            let lines = plan
                .ruleset_diff
                .lines()
                .filter(|l| {
                    (l.starts_with('+') && !l.starts_with("+++"))
                        || (l.starts_with('-') && !l.starts_with("---"))
                })
                .count();
            plan.ruleset_diff = format!("  {}\n", t!("plan-diff-lines-differ", count = lines));
        }
        println!("{}", t!("plan-diff-old", revision = old.describe()));
        println!("{}", t!("plan-diff-new", revision = new.describe()));
        print!("{plan}");
    }
    Ok(if differs {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// One side of the diff.
struct Revision {
    path: PathBuf,
    /// For an archived policy: its hash (the file's name) and description.
    archived: Option<(String, Option<archive::Revision>)>,
}

impl Revision {
    /// A file when `what` names one; otherwise a content hash (prefix), with
    /// or without `sha256:`, looked up in the archive.
    fn resolve(state_dir: &Path, what: &str) -> Result<Revision> {
        let path = Path::new(what);
        if path.is_file() {
            return Ok(Revision {
                path: path.to_owned(),
                archived: None,
            });
        }
        let prefix = what.strip_prefix("sha256:").unwrap_or(what);
        let path = archive::find(state_dir, prefix)
            .with_context(|| t!("plan-diff-not-a-revision", what = format!("`{what}`")))?;
        let hash = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let described = archive::list(state_dir)?
            .into_iter()
            .find(|(h, _)| *h == hash)
            .and_then(|(_, r)| r);
        Ok(Revision {
            path,
            archived: Some((hash, described)),
        })
    }

    /// The policy, validated; an archived one must still have the hash it
    /// is filed under.
    fn load(&self) -> Result<sanso_policy::Policy> {
        let policy = common::load_policy(&self.path)?;
        if let Some((hash, _)) = &self.archived {
            if policy.content_hash != *hash {
                bail!(t!(
                    "plan-diff-archive-changed",
                    path = self.path.display().to_string(),
                    hash = &policy.content_hash
                ));
            }
        }
        Ok(policy)
    }

    fn describe(&self) -> String {
        match &self.archived {
            None => self.path.display().to_string(),
            Some((_, None)) => t!("plan-diff-archived", path = self.path.display().to_string()),
            Some((_, Some(r))) => t!(
                "plan-diff-archived-as",
                path = self.path.display().to_string(),
                name = &r.name,
                revision = r.revision.as_deref().unwrap_or("-"),
                applied = &r.first_applied,
                file = &r.file
            ),
        }
    }

    fn describe_json(&self) -> serde_json::Value {
        serde_json::json!({
            "path": self.path.display().to_string(),
            "archived": self.archived.as_ref().map(|(_, r)| r),
        })
    }
}

fn list(args: &Args) -> Result<ExitCode> {
    let all = archive::list(&args.state_dir)?;
    if args.json {
        let out: Vec<serde_json::Value> = all
            .iter()
            .map(|(hash, r)| serde_json::json!({ "content_hash": hash, "archived": r }))
            .collect();
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    if all.is_empty() {
        println!(
            "{}",
            t!(
                "plan-diff-archive-empty",
                dir = archive::dir(&args.state_dir).display().to_string()
            )
        );
    }
    for (hash, revision) in &all {
        match revision {
            Some(r) => println!(
                "{}",
                t!(
                    "plan-diff-archive-entry",
                    hash = &hash[..16],
                    applied = &r.first_applied,
                    name = &r.name,
                    revision = r.revision.as_deref().unwrap_or("-"),
                    file = &r.file
                )
            ),
            None => println!("{}", t!("plan-diff-archive-entry-bare", hash = &hash[..16])),
        }
    }
    Ok(ExitCode::SUCCESS)
}
