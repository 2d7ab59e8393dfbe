//! `sanso audit verify`: check the hash chain of an audit log, and check it
//! against its head file or a head an auditor kept.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use sanso_daemon::audit::{self, Anchor, ChainBreak, Head, HeadCheck, HeadFileError};
use sanso_i18n::t;
use serde_json::json;

/// Work with the daemon's audit log (audit.jsonl in its state directory).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Debug, clap::Subcommand)]
enum AuditCommand {
    /// Verify the hash chain, then check its end against the head file
    /// beside the log (audit.head) and against --head.
    ///
    /// Exit 0 when the chain is intact and ends at the head file's head
    /// (and at or after --head); 2 when a record was changed, removed,
    /// reordered or is not strict JSON, or the log does not end where a
    /// head says; 1 when it cannot be checked. Without a head file and
    /// without --head only the chain's internal consistency is checked:
    /// records cut from the end cannot be detected.
    Verify {
        /// The audit log, e.g. /var/lib/sanso/audit.jsonl.
        file: PathBuf,
        /// A head kept elsewhere, e.g. from the journal's
        /// `audit_head=COUNT:HASH`: a record hash, or COUNT:HASH. It must
        /// be the log's last record; when it is an earlier one, the log
        /// continues after it, which is said and accepted.
        #[arg(long, value_name = "HASH")]
        head: Option<String>,
        /// The record count of --head (the same as --head COUNT:HASH).
        #[arg(long, value_name = "N", requires = "head")]
        count: Option<u64>,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: Args) -> Result<ExitCode> {
    match args.command {
        AuditCommand::Verify {
            file,
            head,
            count,
            json,
        } => {
            // Parsed here, not by clap, so a bad head exits 1 (an error),
            // not 2 (a mismatch).
            let head = head
                .map(|text| {
                    text.parse::<Anchor>()
                        .with_context(|| format!("--head {text:?}"))
                })
                .transpose()?;
            let given = match (head, count) {
                (Some(anchor), Some(n)) if anchor.count.is_some_and(|c| c != n) => {
                    bail!(
                        "{}",
                        t!(
                            "cli-audit-count-contradicts",
                            count = n,
                            head = anchor.to_string()
                        )
                    )
                }
                (Some(anchor), Some(n)) => Some(Anchor {
                    count: Some(n),
                    hash: anchor.hash,
                }),
                (anchor, _) => anchor,
            };
            let check = check_log(&file, given)?;
            if json {
                println!("{}", check.to_json());
            } else {
                print!("{}", check.to_text());
            }
            Ok(if check.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
        }
    }
}

/// Where the head a log is checked against comes from.
#[derive(Debug)]
enum Source {
    HeadFile(PathBuf),
    Given,
}

/// One head checked against the log.
#[derive(Debug)]
struct HeadFinding {
    source: Source,
    /// `None`: the head file is there but is not a head.
    expected: Option<Anchor>,
    check: Option<HeadCheck>,
    message: String,
}

impl HeadFinding {
    fn ok(&self) -> bool {
        // A head kept elsewhere may be an earlier record; the head file
        // must be the last one.
        matches!(
            (&self.source, self.check),
            (_, Some(HeadCheck::Matches)) | (Source::Given, Some(HeadCheck::Continues { .. }))
        )
    }

    fn label(&self) -> String {
        match &self.source {
            Source::HeadFile(path) => path.display().to_string(),
            Source::Given => "--head".into(),
        }
    }

    fn to_json(&self) -> serde_json::Value {
        json!({
            "expected": self.expected.as_ref().map(ToString::to_string),
            "check": self.check,
            "ok": self.ok(),
            "message": self.message,
        })
    }
}

#[derive(Debug)]
struct AuditCheck {
    file: PathBuf,
    head_file: PathBuf,
    chain: Result<Head, ChainBreak>,
    from_head_file: Option<HeadFinding>,
    from_given: Option<HeadFinding>,
}

impl AuditCheck {
    fn ok(&self) -> bool {
        self.chain.is_ok()
            && self.from_head_file.as_ref().is_none_or(HeadFinding::ok)
            && self.from_given.as_ref().is_none_or(HeadFinding::ok)
    }

    fn anchored(&self) -> bool {
        self.from_head_file.is_some() || self.from_given.is_some()
    }

    fn status(&self) -> &'static str {
        match (&self.chain, self.ok()) {
            (Err(_), _) => "broken",
            (Ok(_), false) => "mismatch",
            (Ok(_), true) => "intact",
        }
    }

    fn unanchored_note(&self) -> String {
        t!(
            "cli-audit-unanchored",
            head_file = self.head_file.display().to_string()
        )
    }

    fn to_text(&self) -> String {
        let file = self.file.display();
        let mut out = String::new();
        match &self.chain {
            Ok(head) => out.push_str(&format!(
                "{file}: {}\n",
                t!(
                    "cli-audit-intact",
                    count = head.count,
                    head = head.to_string()
                )
            )),
            Err(at) => out.push_str(&format!(
                "{file}:{}: {}\n",
                at.line,
                t!("cli-audit-broken", reason = at.reason.to_string())
            )),
        }
        for finding in [&self.from_head_file, &self.from_given]
            .into_iter()
            .flatten()
        {
            let verdict = if finding.ok() {
                t!("cli-audit-head-ok")
            } else {
                t!("cli-audit-head-mismatch")
            };
            out.push_str(&format!(
                "{}: {verdict}: {}\n",
                finding.label(),
                finding.message
            ));
        }
        if self.chain.is_ok() && !self.anchored() {
            out.push_str(&format!("note: {}\n", self.unanchored_note()));
        }
        out
    }

    fn to_json(&self) -> serde_json::Value {
        let (chain, broken) = match &self.chain {
            Ok(head) => (
                json!({ "records": head.count, "head": head.to_string() }),
                json!(null),
            ),
            Err(at) => (
                json!(null),
                json!({ "line": at.line, "reason": at.reason, "message": at.reason.to_string() }),
            ),
        };
        let head_file = json!({
            "path": self.head_file.display().to_string(),
            "present": self.from_head_file.is_some(),
        });
        let head_file = match (&self.from_head_file, head_file) {
            (Some(finding), serde_json::Value::Object(mut map)) => {
                if let serde_json::Value::Object(more) = finding.to_json() {
                    map.extend(more);
                }
                serde_json::Value::Object(map)
            }
            (_, value) => value,
        };
        json!({
            "file": self.file.display().to_string(),
            "status": self.status(),
            "anchored": self.anchored(),
            "chain": chain,
            "break": broken,
            "head_file": head_file,
            "given_head": self.from_given.as_ref().map(HeadFinding::to_json),
            "note": (self.chain.is_ok() && !self.anchored()).then(|| self.unanchored_note()),
        })
    }
}

fn check_log(file: &Path, given: Option<Anchor>) -> Result<AuditCheck> {
    let head_file = audit::head_path(file);
    let kept = match audit::read_head(&head_file) {
        Ok(head) => Ok(head),
        Err(HeadFileError::Read(source)) => {
            return Err(source)
                .with_context(|| t!("cli-cannot-read", path = head_file.display().to_string()))
        }
        Err(err @ HeadFileError::Malformed) => Err(err),
    };
    let mut anchors = Vec::new();
    if let Ok(Some(head)) = &kept {
        anchors.push(Anchor::from(head.clone()));
    }
    if let Some(anchor) = &given {
        anchors.push(anchor.clone());
    }
    let (chain, checks) = audit::check_chain_file_against(file, &anchors)
        .with_context(|| t!("cli-cannot-read", path = file.display().to_string()))?;
    let chain = chain.map(|c| Head {
        count: c.records as u64,
        hash: c.head,
    });
    let mut checks = checks.into_iter();
    let mut finding = |source: Source, expected: Anchor| {
        let check = checks.next();
        let message = match (&chain, check) {
            (Ok(found), Some(check)) => check.explain(&expected, found),
            _ => t!("cli-audit-not-checked", head = expected.to_string()),
        };
        HeadFinding {
            source,
            expected: Some(expected),
            check,
            message,
        }
    };
    let from_head_file = match kept {
        Ok(Some(head)) => Some(finding(
            Source::HeadFile(head_file.clone()),
            Anchor::from(head),
        )),
        Ok(None) => None,
        Err(err) => Some(HeadFinding {
            source: Source::HeadFile(head_file.clone()),
            expected: None,
            check: None,
            message: err.to_string(),
        }),
    };
    let from_given = given.map(|anchor| finding(Source::Given, anchor));
    Ok(AuditCheck {
        file: file.to_owned(),
        head_file,
        chain,
        from_head_file,
        from_given,
    })
}
