//! `sanso test`: run packet-path cases through the userspace classifier
//! (and, with `--kernel`, through the real kernel) and compare with `expect`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use sanso_classify::{Classifier, Verdict};
use serde::Serialize;

use crate::{common, report};

/// Run packet-path cases against a policy and compare with each case's `expect`.
///
/// Prints a table (case, expected, got, decided by) and exits 0 only if every
/// case passes.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy file (TOML).
    policy: PathBuf,
    /// The cases file (TOML, `[[cases]]`).
    cases: PathBuf,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// Judge `until` at this time instead of now (YYYY-MM-DD or RFC 3339).
    /// A case's own `at` still wins.
    #[arg(long, value_parser = common::parse_time)]
    now: Option<i64>,
}

#[derive(Debug, Serialize)]
struct Row {
    name: String,
    line: usize,
    expected: &'static str,
    got: &'static str,
    decided_by: String,
    pass: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let policy = common::load_policy(&args.policy)?;
    let cases = common::load_cases(&args.cases, &policy)?;
    let now = common::now_or(args.now);
    let ruleset = sanso_ir::lower(&policy, now);
    let classifier = Classifier::new(&ruleset);

    let rows: Vec<Row> = cases
        .iter()
        .map(|case| {
            let packet = common::packet_for_case(case, now);
            let decision = classifier.classify(&packet);
            let expected = case.expect.as_str();
            let got = verdict_word(decision.verdict);
            Row {
                name: case.name.clone(),
                line: case.location.line,
                expected,
                got,
                decided_by: report::decided_by(&policy, &ruleset, &packet, &decision),
                pass: expected == got,
            }
        })
        .collect();

    let passed = rows.iter().filter(|r| r.pass).count();
    let failed = rows.len() - passed;
    if args.json {
        let out = serde_json::json!({
            "policy": policy.name,
            "revision": policy.revision,
            "cases": rows,
            "passed": passed,
            "failed": failed,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        let table: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    if r.pass { "ok".into() } else { "FAIL".into() },
                    r.name.clone(),
                    r.expected.into(),
                    r.got.into(),
                    r.decided_by.clone(),
                ]
            })
            .collect();
        print!("{}", report::table(&["", "CASE", "EXPECTED", "GOT", "DECIDED BY"], &table));
        for r in rows.iter().filter(|r| !r.pass) {
            println!(
                "FAILED {}:{}: case \"{}\": expected {}, got {} ({})",
                args.cases.display(),
                r.line,
                r.name,
                r.expected,
                r.got,
                r.decided_by
            );
        }
        println!("{passed} passed, {failed} failed");
    }
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

pub fn verdict_word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Accept => "accept",
        Verdict::Drop => "drop",
    }
}
