//! The `sanso` binary: a clap CLI with one module per subcommand (`cmd/`).
//!
//! `check`, `compile`, `explain` and `test` work without root; the rest talk to
//! the kernel (in a named network namespace or on the gateway itself).

mod cmd;
mod common;
mod describe;
mod help;

use std::process::ExitCode;

/// mimalloc rather than glibc's malloc: compiling a large policy allocates
/// millions of small objects, and takes about half the time with it
/// (docs/benchmarks.md, "Issue 17: compile").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand};

/// sanso (三層): enforce the three-tier network model (三層の対策) of Japanese
/// local governments on a Linux gateway with nftables.
///
/// Zones are classified into 個人番号利用事務系 (mynumber), LGWAN接続系 (lgwan)
/// and インターネット接続系 (internet); policies that break the model are
/// refused; the allowlist compiles to one atomic nftables ruleset.
#[derive(Debug, Parser)]
#[command(name = "sanso", version, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The language of every message and report: ja (日本語) or en.
    /// Default from the locale: Japanese when the first of LC_ALL,
    /// LC_MESSAGES and LANG that is set starts with `ja`.
    #[arg(long, global = true, value_name = "ja|en")]
    lang: Option<sanso_i18n::Lang>,
}

#[derive(Debug, Subcommand)]
enum Command {
    Check(cmd::check::Args),
    Compile(cmd::compile::Args),
    Explain(cmd::explain::Args),
    Test(cmd::test::Args),
    Verify(cmd::verify::Args),
    Plan(cmd::plan::Args),
    Diff(cmd::diff::Args),
    Drift(cmd::drift::Args),
    Report(cmd::report::Args),
    Apply(cmd::apply::Args),
    Daemon(cmd::daemon::Args),
    Status(cmd::status::Args),
    Events(cmd::events::Args),
    Reload(cmd::reload::Args),
    Confirm(cmd::confirm::Args),
    Isolate(cmd::isolate::IsolateArgs),
    Release(cmd::isolate::ReleaseArgs),
    Isolations(cmd::isolate::ListArgs),
    Audit(cmd::audit::Args),
    Ha(cmd::ha::Args),
    Boot(cmd::boot::Args),
    #[cfg(feature = "bench")]
    Bench(cmd::bench::Args),
    Completions(cmd::completions::Args),
    #[command(hide = true)]
    Man(cmd::completions::ManArgs),
}

/// Whether the command given asks for `--json`: then its failures, too, are
/// one JSON document on stdout (docs/json.md).
fn json_requested(matches: &ArgMatches) -> bool {
    let mut leaf = matches;
    while let Some((_, sub)) = leaf.subcommand() {
        leaf = sub;
    }
    matches!(leaf.try_get_one::<bool>("json"), Ok(Some(true)))
}

/// A command line clap refuses: its message on stderr and its exit status
/// (2); with `--json` among the arguments also the failure document.
fn usage_error(err: clap::Error) -> ExitCode {
    if err.use_stderr() && std::env::args_os().any(|a| a == "--json") {
        let text = err.render().to_string();
        let first = text.lines().next().unwrap_or_default();
        let message = first.strip_prefix("error: ").unwrap_or(first);
        let doc = serde_json::json!({ "ok": false, "error": message, "usage": true });
        // Best effort: the message follows on stderr either way.
        let _ = common::print_json(&doc);
    }
    let _ = err.print();
    ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2))
}

/// `--lang` as given on the command line, read before clap parses it, so
/// that what clap's value parsers say (a bad `--confirm` duration) is in
/// that language too. A value that is no language is left to clap.
fn lang_in_args() -> Option<sanso_i18n::Lang> {
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        let arg = arg.to_str()?;
        if arg == "--" {
            break;
        }
        if arg == "--lang" {
            return args.next()?.to_str()?.parse().ok();
        }
        if let Some(value) = arg.strip_prefix("--lang=") {
            return value.parse().ok();
        }
    }
    None
}

fn main() -> ExitCode {
    sanso_i18n::set_lang(
        lang_in_args().unwrap_or_else(|| sanso_i18n::Lang::from_locale(|k| std::env::var(k).ok())),
    );
    let matches = match help::localise(Cli::command(), sanso_i18n::lang()).try_get_matches() {
        Ok(matches) => matches,
        Err(err) => return usage_error(err),
    };
    let json = json_requested(&matches);
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => return usage_error(err),
    };
    if let Some(lang) = cli.lang {
        sanso_i18n::set_lang(lang);
    }
    let result = match cli.command {
        Command::Check(args) => cmd::check::run(args),
        Command::Compile(args) => cmd::compile::run(args),
        Command::Explain(args) => cmd::explain::run(args),
        Command::Test(args) => cmd::test::run(args),
        Command::Verify(args) => cmd::verify::run(args),
        Command::Plan(args) => cmd::plan::run(args),
        Command::Diff(args) => cmd::diff::run(args),
        Command::Drift(args) => cmd::drift::run(args),
        Command::Report(args) => cmd::report::run(args),
        Command::Apply(args) => cmd::apply::run(args),
        Command::Daemon(args) => cmd::daemon::run(args),
        Command::Status(args) => cmd::status::run(args),
        Command::Events(args) => cmd::events::run(args),
        Command::Reload(args) => cmd::reload::run(args),
        Command::Confirm(args) => cmd::confirm::run(args),
        Command::Isolate(args) => cmd::isolate::isolate(args),
        Command::Release(args) => cmd::isolate::release(args),
        Command::Isolations(args) => cmd::isolate::list(args),
        Command::Audit(args) => cmd::audit::run(args),
        Command::Ha(args) => cmd::ha::run(args),
        Command::Boot(args) => cmd::boot::run(args),
        #[cfg(feature = "bench")]
        Command::Bench(args) => cmd::bench::run(args),
        Command::Completions(args) => cmd::completions::run(args),
        Command::Man(args) => cmd::completions::run_man(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            common::report_failure(&err, json);
            ExitCode::from(1)
        }
    }
}
