//! `sanso boot`: load the last good ruleset at boot, before any interface
//! is up (`deploy/sanso-boot`, run by `sanso-boot.service`).
//!
//! In order, the first that works:
//!
//! 1. netlink: the policy the daemon saved beside `last-good.nft`
//!    (`last-good.json`, checked to belong to it), compiled at the current
//!    time, applied in one batch with what `isolations.json` isolates, read
//!    back and checked;
//! 2. the nft text: `nft -f` of `last-good.nft` with `isolation.nft` in one
//!    transaction; refused, the ruleset alone (said loudly);
//! 3. the closed fallback: `nft -f` of the fallback file; refused or
//!    missing, the copy built into sanso.
//!
//! Each step that fails says why (stderr) before the next one runs; what
//! loaded is said once it has (stdout), "verified" once the read-back
//! matched. Exit status 1 only when nothing loaded.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Result;
use sanso_daemon::actor::last_good;
use sanso_daemon::actor::LAST_GOOD_FILE;
use sanso_daemon::bounded::error_chain as chain;
use sanso_daemon::isolation::{Isolations, ISOLATIONS_FILE, ISOLATION_SCRIPT_FILE};
use sanso_i18n::t;
use sanso_nft::isolation::Isolated;
use serde_json::{json, Value};

use crate::common;

/// Load the last good ruleset at boot: through netlink, else its nft text,
/// else the closed fallback.
///
/// Reads the daemon's state directory: the policy saved with the last good
/// ruleset (last-good.json) is compiled at the current time and applied in
/// one netlink batch with what isolations.json isolates, then read back and
/// checked. When that cannot be done (no or a mismatched last-good.json, a
/// policy that no longer compiles, the kernel refusing the batch, a table
/// that reads back otherwise), `nft -f` loads last-good.nft with
/// isolation.nft in one transaction (then last-good.nft alone), and when
/// that fails too, the closed fallback ruleset. Says which one loaded and
/// why; exits 1 only when nothing could be loaded.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The daemon's state directory (last-good.nft, last-good.json,
    /// isolations.json, isolation.nft).
    #[arg(long, default_value = sanso_daemon::DEFAULT_STATE_DIR)]
    state_dir: PathBuf,
    /// The closed fallback ruleset (nft text); when it is missing or nft
    /// refuses it, the copy built into sanso is loaded.
    #[arg(long, default_value = "/usr/share/sanso/fallback.nft")]
    fallback: PathBuf,
    /// Load inside this network namespace (`ip netns` name).
    #[arg(long)]
    netns: Option<String>,
    /// Print one JSON object: what was loaded, why, and how long each step
    /// took (docs/json.md).
    #[arg(long)]
    json: bool,
}

/// What was loaded, as `--json` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Loaded {
    Netlink,
    NftText,
    NftTextWithoutIsolation,
    Fallback,
    BuiltInFallback,
}

impl Loaded {
    fn as_str(self) -> &'static str {
        match self {
            Loaded::Netlink => "netlink",
            Loaded::NftText => "nft-text",
            Loaded::NftTextWithoutIsolation => "nft-text-without-isolation",
            Loaded::Fallback => "fallback",
            Loaded::BuiltInFallback => "built-in-fallback",
        }
    }
}

/// What the run found, for the text and the JSON document.
struct Boot<'a> {
    args: &'a Args,
    started: Instant,
    json: bool,
    /// Each step that did not load, and why (in order).
    fallbacks: Vec<(&'static str, String)>,
    timings: serde_json::Map<String, Value>,
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

impl Boot<'_> {
    fn netns(&self) -> Option<&str> {
        self.args.netns.as_deref()
    }

    fn time(&mut self, key: &str, d: Duration) {
        self.timings.insert(key.to_owned(), json!(ms(d)));
    }

    /// A line for a person: stdout for what loaded, stderr for the rest
    /// (both only without `--json`, whose document is the one output).
    fn say(&self, text: &str) {
        if !self.json {
            println!("sanso boot: {text}");
        }
    }

    fn warn(&self, text: &str) {
        eprintln!("sanso boot: {text}");
    }

    /// A step that did not load: said now, kept for the document.
    fn failed(&mut self, step: &'static str, reason: String, next: String) {
        self.warn(&t!("cli-boot-then", reason = reason.as_str(), next = next));
        self.fallbacks.push((step, reason));
    }
}

/// The policy a netlink restore loaded: its file, and what the boot record
/// keeps of it.
struct LoadedPolicy {
    file: String,
    record: last_good::BootPolicy,
}

impl LoadedPolicy {
    fn json(&self) -> Value {
        json!({
            "file": self.file,
            "name": self.record.name,
            "revision": self.record.revision,
            "content_hash": self.record.content_hash,
        })
    }
}

/// The netlink restore's outcome when it loaded.
struct NetlinkLoaded {
    policy: LoadedPolicy,
    isolated: usize,
    verified: bool,
    readback_error: Option<String>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let mut boot = Boot {
        args: &args,
        started: Instant::now(),
        json: args.json,
        fallbacks: Vec::new(),
        timings: serde_json::Map::new(),
    };
    match netlink(&mut boot) {
        Ok(done) => {
            return finish(
                &mut boot,
                Loaded::Netlink,
                done.verified,
                Some(done.policy),
                Some(done.isolated),
                done.readback_error,
            )
        }
        Err(reason) => boot.failed("netlink", reason, t!("cli-boot-next-text")),
    }
    if let Some(loaded) = text(&mut boot) {
        return finish(&mut boot, loaded, false, None, None, None);
    }
    if let Some(loaded) = fallback(&mut boot) {
        return finish(&mut boot, loaded, false, None, None, None);
    }
    save_record(&boot, "nothing", false, None, None);
    let reasons: Vec<String> = boot
        .fallbacks
        .iter()
        .map(|(step, reason)| format!("{step}: {reason}"))
        .collect();
    anyhow::bail!(
        "{}",
        t!("cli-boot-nothing-loaded", reasons = reasons.join("; "))
    )
}

/// Step 1: the saved policy through netlink. `Err`: why not (when the
/// batch was applied and read back otherwise, the table is the one
/// compiled, and the next step replaces it).
fn netlink(boot: &mut Boot) -> Result<NetlinkLoaded, String> {
    let state_dir = &boot.args.state_dir;
    let read = Instant::now();
    let isolations = Isolations::load(state_dir)
        .map_err(|e| t!("cli-boot-isolations-unreadable", error = chain(&e)))?;
    // The daemon writes both; the element update alone means the entries
    // were lost, and only the text still holds what is isolated.
    let script = state_dir.join(ISOLATION_SCRIPT_FILE);
    if !state_dir.join(ISOLATIONS_FILE).exists() && read_file(&script).is_ok_and(|s| s.is_some()) {
        return Err(t!(
            "cli-boot-isolations-missing",
            file = state_dir.join(ISOLATIONS_FILE).display().to_string(),
            script = script.display().to_string()
        ));
    }
    let isolated = isolations.isolated();
    let restore = last_good::load(state_dir).map_err(|e| chain(&e))?;
    boot.time("read_ms", read.elapsed());

    let compile = Instant::now();
    let now = common::now_or(None);
    let policy = sanso_policy::load_policy(&restore.source.file, &restore.source.text).map_err(
        |diagnostics| {
            let first = diagnostics
                .errors()
                .next()
                .map(|d| format!("{}:{}: {}", diagnostics.file, d.line, d.message))
                .unwrap_or_default();
            t!(
                "cli-boot-does-not-compile",
                summary = common::diagnostics_summary(&diagnostics),
                first = first
            )
        },
    )?;
    let mut ruleset = sanso_ir::lower(&policy, now);
    ruleset.ha = restore.ha.clone();
    let compiled_in = compile.elapsed();
    boot.time("compile_ms", compiled_in);

    let apply = Instant::now();
    let report = sanso_nft::netlink::apply_with(&ruleset, &isolated, boot.netns())
        .map_err(|e| t!("cli-boot-kernel-refused", error = chain(&e)))?;
    boot.time("apply_ms", apply.elapsed());
    boot.time("loaded_ms", boot.started.elapsed());
    let name = t!(
        "cli-name-rev",
        name = policy.name.as_str(),
        revision = policy.revision.as_deref().unwrap_or("-")
    );
    boot.say(&t!(
        "cli-boot-loaded-netlink",
        policy = name.as_str(),
        isolated = isolated_text(&isolated),
        messages = report.messages,
        compile = format!("{:.0}", ms(compiled_in)),
        apply = format!("{:.0}", ms(report.duration))
    ));
    let loaded = || LoadedPolicy {
        file: restore.source.file.clone(),
        record: last_good::BootPolicy {
            name: policy.name.clone(),
            revision: policy.revision.clone(),
            content_hash: policy.content_hash.clone(),
        },
    };

    let check = Instant::now();
    let readback = sanso_nft::conformance::check_applied_with(&ruleset, &isolated, boot.netns());
    boot.time("verify_ms", check.elapsed());
    match readback {
        Ok(report) if report.conforms() => {
            boot.say(&t!(
                "cli-boot-verified",
                checked = report.checked.to_string(),
                ms = format!("{:.0}", ms(check.elapsed()))
            ));
            Ok(NetlinkLoaded {
                policy: loaded(),
                isolated: isolated.len(),
                verified: true,
                readback_error: None,
            })
        }
        Ok(report) => Err(t!(
            "cli-boot-reads-back-otherwise",
            count = report.problems.len(),
            problems = common::first_problems(&report.problems, 5).join("; ")
        )),
        // Loaded, and nothing says it is wrong: it stays (the next steps
        // could not check theirs either), said loudly.
        Err(err) => {
            let error = chain(&err);
            boot.warn(&t!("cli-boot-not-verified", error = error.as_str()));
            Ok(NetlinkLoaded {
                policy: loaded(),
                isolated: isolated.len(),
                verified: false,
                readback_error: Some(error),
            })
        }
    }
}

/// "with N isolated ranges" / "nothing isolated".
fn isolated_text(isolated: &Isolated) -> String {
    if isolated.is_empty() {
        t!("cli-boot-nothing-isolated")
    } else {
        t!("cli-boot-isolated", ranges = isolated.len())
    }
}

/// Largest nft text read (`last-good.nft` is about 180 MB at 100,000 flows).
const MAX_TEXT_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// The bytes of a regular, non-empty file; `None` when it is missing or
/// empty; `Err` (saying which) when it is not a regular file, too large or
/// unreadable. Opened through the one opener of files sanso did not just
/// write ([`sanso_policy::source::open_regular`]): a FIFO is never waited
/// on, a device never opened.
fn read_file(path: &Path) -> std::result::Result<Option<Vec<u8>>, String> {
    use sanso_policy::source::{open_regular, ReadError};
    use std::io::Read as _;
    let (file, metadata) = match open_regular(path, MAX_TEXT_BYTES) {
        Ok(opened) => opened,
        Err(ReadError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            return Ok(None)
        }
        Err(ReadError::Io { source, .. }) => return Err(format!("{}: {source}", path.display())),
        Err(ReadError::NotRegular { .. }) => {
            return Err(t!("cli-boot-not-a-file", file = path.display().to_string()))
        }
        Err(other) => return Err(other.to_string()),
    };
    if metadata.len() == 0 {
        return Ok(None);
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(MAX_TEXT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    // Grown past the cap while it was read: not cut short, refused.
    if bytes.len() as u64 > MAX_TEXT_BYTES {
        return Err(format!(
            "{}: {}",
            path.display(),
            std::io::Error::from(std::io::ErrorKind::FileTooLarge)
        ));
    }
    Ok(Some(bytes))
}

/// `nft -f -` with `script` in the namespace.
fn nft_load(netns: Option<&str>, script: Vec<u8>) -> std::result::Result<(), String> {
    sanso_process::Command::new("nft")
        .args(["-f", "-"])
        .netns(netns)
        .stdin(script)
        .run()
        .map(|_| ())
        .map_err(|e| chain(&e))
}

/// Step 2: `last-good.nft` with `isolation.nft`, then alone.
fn text(boot: &mut Boot) -> Option<Loaded> {
    let state_dir = boot.args.state_dir.clone();
    let last_good = state_dir.join(LAST_GOOD_FILE);
    let isolation = state_dir.join(ISOLATION_SCRIPT_FILE);
    let file = last_good.display().to_string();
    let ruleset = match read_file(&last_good) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            boot.failed(
                "nft-text",
                t!("cli-boot-no-text", file = file.as_str()),
                t!("cli-boot-next-fallback"),
            );
            return None;
        }
        Err(error) => {
            boot.failed("nft-text", error, t!("cli-boot-next-fallback"));
            return None;
        }
    };
    let started = Instant::now();
    match read_file(&isolation) {
        Ok(Some(script)) => {
            let mut both = ruleset.clone();
            if !both.ends_with(b"\n") {
                both.push(b'\n');
            }
            both.extend_from_slice(&script);
            match nft_load(boot.netns(), both) {
                Ok(()) => {
                    boot.time("load_ms", started.elapsed());
                    boot.time("loaded_ms", boot.started.elapsed());
                    boot.say(&t!(
                        "cli-boot-loaded-text",
                        file = file.as_str(),
                        isolation = isolation.display().to_string(),
                        ms = format!("{:.0}", ms(started.elapsed()))
                    ));
                    return Some(Loaded::NftText);
                }
                Err(error) => boot.failed(
                    "nft-text",
                    t!(
                        "cli-boot-text-isolation-refused",
                        file = file.as_str(),
                        isolation = isolation.display().to_string(),
                        error = error
                    ),
                    t!("cli-boot-next-alone"),
                ),
            }
        }
        Ok(None) => {}
        Err(error) => boot.failed("nft-text", error, t!("cli-boot-next-alone")),
    }
    let started = Instant::now();
    match nft_load(boot.netns(), ruleset) {
        Ok(()) => {
            boot.time("load_ms", started.elapsed());
            boot.time("loaded_ms", boot.started.elapsed());
            boot.say(&t!(
                "cli-boot-loaded-text-alone",
                file = file.as_str(),
                ms = format!("{:.0}", ms(started.elapsed()))
            ));
            // Said on stderr too: the journal of a boot that lost its isolation.
            if boot.fallbacks.iter().any(|(s, _)| *s == "nft-text") {
                boot.warn(&t!("cli-boot-isolation-lost"));
            }
            Some(Loaded::NftTextWithoutIsolation)
        }
        Err(error) => {
            boot.failed(
                "nft-text",
                t!("cli-boot-text-refused", file = file.as_str(), error = error),
                t!("cli-boot-next-fallback"),
            );
            None
        }
    }
}

/// Step 3: the closed fallback, from its file, else built in.
fn fallback(boot: &mut Boot) -> Option<Loaded> {
    let file = boot.args.fallback.display().to_string();
    let started = Instant::now();
    let from_file = match read_file(&boot.args.fallback) {
        Ok(Some(bytes)) => nft_load(boot.netns(), bytes),
        Ok(None) => Err(t!("cli-boot-no-fallback-file", file = file.as_str())),
        Err(error) => Err(error),
    };
    match from_file {
        Ok(()) => {
            boot.time("load_ms", started.elapsed());
            boot.time("loaded_ms", boot.started.elapsed());
            boot.say(&t!("cli-boot-loaded-fallback", file = file.as_str()));
            return Some(Loaded::Fallback);
        }
        Err(error) => boot.failed(
            "fallback",
            t!(
                "cli-boot-fallback-refused",
                file = file.as_str(),
                error = error
            ),
            t!("cli-boot-next-built-in"),
        ),
    }
    let started = Instant::now();
    let built_in = sanso_daemon::kernel::FALLBACK_RULESET.as_bytes().to_vec();
    match nft_load(boot.netns(), built_in) {
        Ok(()) => {
            boot.time("load_ms", started.elapsed());
            boot.time("loaded_ms", boot.started.elapsed());
            boot.say(&t!("cli-boot-loaded-built-in"));
            Some(Loaded::BuiltInFallback)
        }
        Err(error) => {
            boot.fallbacks.push(("built-in-fallback", error));
            None
        }
    }
}

/// Leaves what loaded in the state directory for the daemon's `start`
/// record (`last_good::BOOT_RECORD_FILE`); a failure is said, and changes
/// nothing else.
fn save_record(
    boot: &Boot,
    loaded: &str,
    verified: bool,
    policy: Option<&LoadedPolicy>,
    isolated: Option<usize>,
) {
    let record = last_good::BootRecord {
        time: jiff::Timestamp::now().to_string(),
        boot_id: std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
            .ok()
            .map(|id| id.trim().to_owned()),
        loaded: loaded.to_owned(),
        verified,
        policy: policy.map(|p| p.record.clone()),
        isolated,
        fallbacks: boot
            .fallbacks
            .iter()
            .map(|(s, _)| (*s).to_owned())
            .collect(),
        loaded_microseconds: boot
            .timings
            .get("loaded_ms")
            .and_then(Value::as_f64)
            .map(|ms| (ms * 1000.0).round() as u64),
        netns: boot.args.netns.clone(),
    };
    if let Err(err) = last_good::save_boot_record(&boot.args.state_dir, &record) {
        let file = boot.args.state_dir.join(last_good::BOOT_RECORD_FILE);
        boot.warn(&t!(
            "cli-boot-record-not-saved",
            file = file.display().to_string(),
            error = err.to_string()
        ));
    }
}

/// Says what loaded (the text, or the document) and gives the exit status.
fn finish(
    boot: &mut Boot,
    loaded: Loaded,
    verified: bool,
    policy: Option<LoadedPolicy>,
    isolated: Option<usize>,
    readback_error: Option<String>,
) -> Result<ExitCode> {
    boot.time("total_ms", boot.started.elapsed());
    save_record(boot, loaded.as_str(), verified, policy.as_ref(), isolated);
    if !boot.json {
        return Ok(ExitCode::SUCCESS);
    }
    let fallbacks: Vec<Value> = boot
        .fallbacks
        .iter()
        .map(|(step, reason)| json!({ "step": step, "error": reason }))
        .collect();
    let timings = |key: &str| boot.timings.get(key).cloned().unwrap_or(Value::Null);
    common::print_json(&json!({
        "ok": true,
        "loaded": loaded.as_str(),
        "verified": verified,
        "readback_error": readback_error,
        "policy": policy.as_ref().map(LoadedPolicy::json),
        "isolated": isolated,
        "fallbacks": fallbacks,
        "netns": boot.args.netns,
        "read_ms": timings("read_ms"),
        "compile_ms": timings("compile_ms"),
        "apply_ms": timings("apply_ms"),
        "verify_ms": timings("verify_ms"),
        "load_ms": timings("load_ms"),
        "loaded_ms": timings("loaded_ms"),
        "total_ms": timings("total_ms"),
    }))?;
    Ok(ExitCode::SUCCESS)
}
