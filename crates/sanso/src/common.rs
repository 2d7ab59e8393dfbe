//! What several subcommands share: reading and validating a policy (its
//! diagnostics), the time at which `until` is judged, and the documents of
//! `--json` (docs/json.md).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use sanso_classify::{Packet, Path as PacketPath, Verdict, L4};
use sanso_daemon::isolation::Isolations;
use sanso_i18n::t;
use sanso_netns::{KernelVerdict, Probe, ProbeDst, ProbeL4, RunStats};
use sanso_policy::{Case, Diagnostic, Diagnostics, Loaded, Policy, Severity, Subject};

/// A policy or cases file that failed validation: every diagnostic, for
/// `main` to render (text on stderr, or the failure document of `--json`).
#[derive(Debug)]
pub struct Invalid(pub Diagnostics);

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&diagnostics_summary(&self.0))
    }
}

impl std::error::Error for Invalid {}

/// A failure whose `--json` document says more than its message: `details`
/// (an object) is merged into `{"ok": false, "error": message}`.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub details: serde_json::Map<String, serde_json::Value>,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// `bad.toml: 2 errors, 1 warning`, the closing line of the rendered
/// diagnostics.
pub fn diagnostics_summary(diagnostics: &Diagnostics) -> String {
    let errors = diagnostics.errors().count();
    let warnings = diagnostics.warnings().count();
    let counts = match (errors, warnings) {
        (e, 0) => t!("common-errors", count = e),
        (0, w) => t!("common-warnings", count = w),
        (e, w) => t!(
            "common-and",
            first = t!("common-errors", count = e),
            second = t!("common-warnings", count = w)
        ),
    };
    format!("{}: {counts}", diagnostics.file)
}

/// Whether to colour diagnostics: only on a terminal, and never with NO_COLOR.
/// The first `shown` problems of a read-back check, and a line saying how
/// many more there are when they do not all fit.
pub fn first_problems(problems: &[String], shown: usize) -> Vec<String> {
    let mut lines: Vec<String> = problems.iter().take(shown).cloned().collect();
    if problems.len() > shown {
        lines.push(t!("cli-apply-and-more", count = problems.len() - shown));
    }
    lines
}

pub fn use_color() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

/// Reads a policy or cases file the way the daemon does
/// ([`sanso_policy::read_source`]): a regular file of at most 64 MiB, in
/// UTF-8; the error names the file and what is wrong with it.
pub fn read_text(path: &Path) -> Result<String> {
    Ok(sanso_policy::read_source(path)?)
}

/// Loads and validates a policy file; warnings go to stderr. `Err(Invalid)`
/// with every diagnostic when the policy is invalid.
pub fn load_policy(path: &Path) -> Result<Policy> {
    load_policy_counting_warnings(path).map(|(policy, _)| policy)
}

/// Like [`load_policy`], also giving the number of warnings it printed.
pub fn load_policy_counting_warnings(path: &Path) -> Result<(Policy, usize)> {
    let text = read_text(path)?;
    check_policy_text(path, &text)
}

/// Validates a policy already read from `path` (warnings to stderr, as
/// [`load_policy`]); also the number of warnings printed.
pub fn check_policy_text(path: &Path, text: &str) -> Result<(Policy, usize)> {
    let file = path.display().to_string();
    let loaded = sanso_policy::load_policy_at(&file, text, now_or(None));
    let warnings = loaded.as_ref().map_or(0, |l| l.warnings.warnings().count());
    report_diagnostics(loaded).map(|policy| (policy, warnings))
}

/// Loads and validates a cases file against `policy`, like [`load_policy`].
pub fn load_cases(path: &Path, policy: &Policy) -> Result<Vec<Case>> {
    let text = read_text(path)?;
    let file = path.display().to_string();
    report_diagnostics(sanso_policy::load_cases_with_warnings(&file, &text, policy))
}

fn report_diagnostics<T>(loaded: Result<Loaded<T>, Diagnostics>) -> Result<T> {
    match loaded {
        Ok(loaded) => {
            if !loaded.warnings.is_empty() {
                eprint!("{}", loaded.warnings.render(use_color()));
            }
            Ok(loaded.value)
        }
        Err(diagnostics) => Err(Invalid(diagnostics).into()),
    }
}

/// What the kernel harness saw, as the verdict judged against the others.
pub fn kernel_verdict(verdict: KernelVerdict) -> Verdict {
    match verdict {
        KernelVerdict::Accept => Verdict::Accept,
        KernelVerdict::Drop => Verdict::Drop,
    }
}

/// The first packet of a probe (a case, a random packet), as the
/// classifier sees it.
pub fn packet_for_probe(probe: &Probe, time: i64) -> Packet {
    let (path, dst) = match probe.dst {
        ProbeDst::Addr(addr) => (PacketPath::Forward, addr),
        // The gateway's own address: the classifier does not look at it on
        // the input path, so the source stands in for it.
        ProbeDst::Gateway => (PacketPath::ToGateway, probe.src),
    };
    let l4 = match probe.l4 {
        ProbeL4::Tcp(dport) => L4::Tcp { dport },
        ProbeL4::Udp(dport) => L4::Udp { dport },
        ProbeL4::Icmp(icmp_type) => L4::Icmp { icmp_type },
    };
    Packet {
        path,
        iif: probe.iif.clone(),
        src: probe.src,
        dst,
        l4,
        time,
    }
}

/// The numbers of a kernel run, for `--json`.
pub fn run_stats_json(stats: &RunStats) -> serde_json::Value {
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    serde_json::json!({
        "probes": stats.probes,
        "accepted": stats.accepted,
        "namespaces": stats.namespaces,
        "setup_ms": ms(stats.setup),
        "load_ms": ms(stats.load),
        "send_ms": ms(stats.send),
        "wait_ms": ms(stats.wait),
        "teardown_ms": ms(stats.teardown),
        "drop_wait_ms": ms(stats.drop_wait),
        "per_probe_ms": ms(stats.per_probe()),
    })
}

/// The ruleset text a kernel run of `sanso test --kernel` and `sanso
/// verify` loads: `ruleset` without any flow's `limit`
/// (`sanso_classify::judge::without_limits`), so that no kernel drop is a
/// limit's; and the flows whose limit it leaves out.
pub fn kernel_run_ruleset(ruleset: &sanso_ir::Ruleset) -> (String, Vec<LimitLeftOut>) {
    let left_out = sanso_classify::judge::limited_flows(ruleset)
        .into_iter()
        .map(|f| {
            let flow = ruleset.flow(f);
            LimitLeftOut {
                flow: flow.name.clone(),
                limit: flow
                    .limit
                    .as_ref()
                    .map(|l| format!("{}/{}", l.count, l.unit.as_str()))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let text = sanso_nft::text::render(&sanso_classify::judge::without_limits(ruleset));
    (text, left_out)
}

/// A flow whose `limit` a kernel run left out, as `--json` gives it.
#[derive(Debug, serde::Serialize)]
pub struct LimitLeftOut {
    pub flow: String,
    pub limit: String,
}

/// The one line saying which limits a kernel run left out; `None` when the
/// policy has none.
pub fn limits_left_out_line(left_out: &[LimitLeftOut]) -> Option<String> {
    (!left_out.is_empty()).then(|| {
        let flows: Vec<String> = left_out
            .iter()
            .map(|l| format!("{} ({})", l.flow, l.limit))
            .collect();
        t!(
            "test-limits-left-out",
            count = left_out.len(),
            flows = flows.join(", ")
        )
    })
}

/// Parses `--now`/`--at` values: `YYYY-MM-DD` (the start of that day in
/// JST, the zone `until` dates are read in) or RFC 3339 with an offset.
/// Returns seconds since the Unix epoch.
pub fn parse_time(text: &str) -> Result<i64, String> {
    sanso_policy::values::parse_instant(text).map_err(|e| e.to_string())
}

/// The time to judge expiry at: `--now` if given, else the system clock.
pub fn now_or(explicit: Option<i64>) -> i64 {
    explicit.unwrap_or_else(|| jiff::Timestamp::now().as_second())
}

/// Prints one JSON document (pretty, then a newline) on stdout: what every
/// `--json` prints, once (docs/json.md).
pub fn print_json(value: &impl serde::Serialize) -> Result<()> {
    use std::io::Write;
    let text = serde_json::to_string_pretty(value)?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{text}")?;
    stdout.flush()?;
    Ok(())
}

/// The policy a document is about: its file, name, revision and content hash.
pub fn policy_json(path: &Path, policy: &Policy) -> serde_json::Value {
    serde_json::json!({
        "file": path.display().to_string(),
        "name": policy.name,
        "revision": policy.revision,
        "content_hash": policy.content_hash,
    })
}

/// The fields every document about a checked file carries: the file, the
/// numbers of errors and warnings, and every diagnostic (docs/json.md,
/// "Diagnostics").
pub fn diagnostics_fields(diagnostics: &Diagnostics) -> serde_json::Map<String, serde_json::Value> {
    let mut fields = serde_json::Map::new();
    fields.insert("file".into(), diagnostics.file.clone().into());
    fields.insert("errors".into(), diagnostics.errors().count().into());
    fields.insert("warnings".into(), diagnostics.warnings().count().into());
    fields.insert(
        "diagnostics".into(),
        diagnostics
            .items
            .iter()
            .map(|d| diagnostic_json(diagnostics, d))
            .collect(),
    );
    fields
}

/// One diagnostic: what the rendered text shows, as fields.
fn diagnostic_json(diagnostics: &Diagnostics, d: &Diagnostic) -> serde_json::Value {
    let subject = d.subject.as_ref().map(|s| {
        let (kind, name) = match s {
            Subject::Zone(n) => ("zone", Some(n)),
            Subject::Host(n) => ("host", Some(n)),
            Subject::Flow(n) => ("flow", Some(n)),
            Subject::Service(n) => ("service", Some(n)),
            Subject::Case(n) => ("case", Some(n)),
            Subject::Policy => ("policy", None),
        };
        serde_json::json!({ "kind": kind, "name": name })
    });
    let labels: Vec<serde_json::Value> = d
        .labels
        .iter()
        .map(|l| {
            let (line, column) = line_column(&diagnostics.text, l.span.start);
            serde_json::json!({ "line": line, "column": column, "message": l.message })
        })
        .collect();
    serde_json::json!({
        "severity": match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        },
        "code": d.code,
        "message": d.message,
        "file": diagnostics.file,
        "line": d.line,
        "column": d.column,
        "subject": subject,
        "notes": d.notes,
        "labels": labels,
    })
}

/// 1-based line and column (in characters; a byte order mark is no column)
/// of a byte offset, as the diagnostics count them.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or_else(
        || {
            if before.starts_with('\u{feff}') {
                '\u{feff}'.len_utf8()
            } else {
                0
            }
        },
        |i| i + 1,
    );
    (line, before[start..].chars().count() + 1)
}

/// The failure document of `--json` (docs/json.md, "Failures"):
/// `{"ok": false, "error": ...}`, with the diagnostics of an invalid file
/// and the details of a [`Failure`].
pub fn failure_json(err: &anyhow::Error) -> serde_json::Value {
    let mut doc = serde_json::Map::new();
    doc.insert("ok".into(), false.into());
    doc.insert("error".into(), format!("{err:#}").into());
    if let Some(Invalid(diagnostics)) = err.downcast_ref::<Invalid>() {
        doc.extend(diagnostics_fields(diagnostics));
    } else if let Some(failure) = err.downcast_ref::<Failure>() {
        doc.extend(failure.details.clone());
    }
    serde_json::Value::Object(doc)
}

/// Says why a command failed: the diagnostics or `error: ...` on stderr, or
/// with `--json` the failure document on stdout.
pub fn report_failure(err: &anyhow::Error, json: bool) {
    if json && print_json(&failure_json(err)).is_ok() {
        return;
    }
    match err.downcast_ref::<Invalid>() {
        Some(Invalid(diagnostics)) => eprint!("{}", diagnostics.render(use_color())),
        None => eprintln!("error: {err:#}"),
    }
}

/// What `sanso isolate` cut off, from `STATE/isolations.json`, and the
/// state directory it came from: none when the file does not exist. Given
/// with `--state-dir`, a file that cannot be read or is damaged is an error
/// naming it; the default directory (root's, mode 0700) that cannot be read
/// is a warning, and the verdicts leave isolation out.
pub(crate) fn load_isolations(given: Option<&Path>) -> Result<(PathBuf, Isolations)> {
    let Some(state_dir) = given else {
        let state_dir = PathBuf::from(sanso_daemon::DEFAULT_STATE_DIR);
        return Ok(match load_isolations_from(&state_dir) {
            Ok(isolations) => (state_dir, isolations),
            Err(err) => {
                eprintln!(
                    "warning: {}",
                    t!("cli-isolations-left-out", error = format!("{err:#}"))
                );
                (state_dir, Isolations::default())
            }
        });
    };
    Ok((state_dir.to_owned(), load_isolations_from(state_dir)?))
}

fn load_isolations_from(state_dir: &Path) -> Result<Isolations> {
    let context = || {
        t!(
            "cli-isolations-unreadable",
            dir = state_dir.display().to_string()
        )
    };
    // Isolations::load reads through sanso_policy's one safe reader: never
    // blocking on a FIFO or reading a device put in its place.
    Isolations::load(state_dir)
        .map_err(anyhow::Error::new)
        .with_context(context)
}
