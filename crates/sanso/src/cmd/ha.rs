//! `sanso ha`: the active/standby pair (issue 18): `check` an HA file,
//! `render` a node's keepalived.conf and conntrackd.conf, `notify`,
//! which keepalived calls on every transition, and `relay`, which hands a
//! peer's priority-0 advertisement on one link to this node's instances on
//! the others (see [`sanso_ha::vrrp`] for why).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use sanso_daemon::ha::{write_role, RoleRecord};
use sanso_i18n::t;
use sanso_process::ProcessError;

/// High availability: an active/standby pair on keepalived (VRRP) and
/// conntrackd (FTFW), described by an HA file beside the policy.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    Check(CheckArgs),
    Render(RenderArgs),
    Notify(NotifyArgs),
    Relay(RelayArgs),
}

/// Validate an HA file; exit 1 with every problem (file:line:col, the node
/// or field at fault).
#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// The HA file (TOML), e.g. /etc/sanso/ha.toml.
    ha_file: PathBuf,
}

/// Write DIR/keepalived.conf and DIR/conntrackd.conf for one node.
#[derive(Debug, clap::Args)]
struct RenderArgs {
    /// The HA file (TOML), e.g. /etc/sanso/ha.toml.
    ha_file: PathBuf,
    /// The node whose files to render (a [nodes.NAME] of the file).
    #[arg(long)]
    node: String,
    /// The directory to write into (created if missing).
    #[arg(short = 'o', long = "output")]
    output: PathBuf,
    /// The sanso binary keepalived calls on transitions.
    #[arg(long, default_value = "/usr/bin/sanso")]
    sanso: PathBuf,
    /// The daemon's state directory (where the role is recorded).
    #[arg(long, default_value = sanso_daemon::DEFAULT_STATE_DIR)]
    state_dir: PathBuf,
    /// Where conntrackd.conf will be installed (the notify passes it to conntrackd -C).
    #[arg(long, default_value = "/etc/conntrackd/conntrackd.conf")]
    conntrackd_config: PathBuf,
    /// conntrackd's control socket.
    #[arg(long, default_value = "/var/run/conntrackd.ctl")]
    conntrackd_socket: PathBuf,
    /// conntrackd's lock file.
    #[arg(long, default_value = "/var/lock/conntrack.lock")]
    conntrackd_lock: PathBuf,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Role {
    Master,
    Backup,
    Fault,
    /// keepalived is stopping (its notify_stop).
    Stop,
}

/// Called by keepalived on a transition of the sync group: records the
/// role for the daemon (`sanso status`) and runs conntrackd's transition
/// commands (master: commit the external cache, flush, resync, bulk send;
/// backup: resync request after shortening the kernel's timers; fault and
/// stop: shorten the timers). Always exits 0: keepalived cannot do anything
/// about a failure, which is recorded and logged.
#[derive(Debug, clap::Args)]
struct NotifyArgs {
    #[arg(value_enum)]
    role: Role,
    /// The daemon's state directory.
    #[arg(long, default_value = sanso_daemon::DEFAULT_STATE_DIR)]
    state_dir: PathBuf,
    /// conntrackd's configuration (its control socket is found there).
    #[arg(long, default_value = "/etc/conntrackd/conntrackd.conf")]
    conntrackd_config: PathBuf,
    /// The conntrackd binary.
    #[arg(long, default_value = "conntrackd")]
    conntrackd: PathBuf,
}

/// Runs beside keepalived on each node: when the peer, master of one of
/// the pair's VRRP instances, resigns it (a priority-0 advertisement, sent
/// by keepalived when the peer loses a link or stops), hand the resignation
/// to this node's instances on the other links at once, so that the sync
/// group takes over after the skew time (about 0.6 s) instead of waiting
/// 3 advertisement intervals on the link the peer lost. Needs CAP_NET_RAW.
#[derive(Debug, clap::Args)]
struct RelayArgs {
    /// The HA file (TOML), e.g. /etc/sanso/ha.toml.
    ha_file: PathBuf,
    /// This node (a [nodes.NAME] of the file).
    #[arg(long)]
    node: String,
}

pub fn run(args: Args) -> Result<ExitCode> {
    match args.command {
        Sub::Check(args) => check(&args),
        Sub::Render(args) => render(&args),
        Sub::Notify(args) => notify(&args),
        Sub::Relay(args) => relay(&args),
    }
}

fn load(path: &Path) -> Result<sanso_ha::Ha> {
    let text = std::fs::read_to_string(path)
        .with_context(|| t!("ha-cannot-read", path = path.display().to_string()))?;
    match sanso_ha::load(&path.display().to_string(), &text) {
        Ok(ha) => Ok(ha),
        Err(errors) => {
            let n = errors.0.len();
            bail!(
                "{errors}\n{}",
                t!("ha-problems", path = path.display().to_string(), count = n)
            )
        }
    }
}

fn check(args: &CheckArgs) -> Result<ExitCode> {
    let ha = load(&args.ha_file)?;
    println!(
        "{}",
        t!(
            "ha-valid",
            path = args.ha_file.display().to_string(),
            nodes = ha.node_names(),
            interface = &ha.sync.interface,
            count = ha.virtuals.len()
        )
    );
    Ok(ExitCode::SUCCESS)
}

fn render(args: &RenderArgs) -> Result<ExitCode> {
    let ha = load(&args.ha_file)?;
    let options = sanso_ha::RenderOptions {
        sanso: args.sanso.clone(),
        state_dir: args.state_dir.clone(),
        conntrackd_config: args.conntrackd_config.clone(),
        conntrackd_socket: args.conntrackd_socket.clone(),
        conntrackd_lock: args.conntrackd_lock.clone(),
    };
    let Some(rendered) = sanso_ha::render(&ha, &args.node, &options) else {
        bail!(
            "{}",
            t!(
                "ha-no-such-node",
                path = args.ha_file.display().to_string(),
                node = format!("{:?}", args.node),
                nodes = ha.node_names()
            )
        );
    };
    std::fs::create_dir_all(&args.output)
        .with_context(|| t!("ha-cannot-create", path = args.output.display().to_string()))?;
    for (name, text) in [
        ("keepalived.conf", &rendered.keepalived),
        ("conntrackd.conf", &rendered.conntrackd),
    ] {
        let path = args.output.join(name);
        std::fs::write(&path, text)
            .with_context(|| t!("ha-cannot-write", path = path.display().to_string()))?;
        println!("{}", t!("ha-wrote", path = path.display().to_string()));
    }
    Ok(ExitCode::SUCCESS)
}

/// How long one conntrackd command may take.
const COMMAND_LIMIT: Duration = Duration::from_secs(10);

/// Runs `conntrackd -C CONFIG FLAG`, bounded; one line saying how it went.
fn conntrackd(args: &NotifyArgs, flag: &str) -> (bool, String) {
    let what = format!("conntrackd {flag}");
    let ran = sanso_process::Command::new(&args.conntrackd)
        .arg("-C")
        .arg(&args.conntrackd_config)
        .arg(flag)
        .timeout(COMMAND_LIMIT)
        .run();
    match ran {
        Ok(_) => (true, t!("ha-command-ok", command = &what)),
        Err(ProcessError::Spawn { error, .. }) => (
            false,
            t!("ha-command-cannot-run", command = &what, error = error),
        ),
        Err(ProcessError::Failed { status, .. }) => (
            false,
            t!("ha-command-failed", command = &what, status = status),
        ),
        Err(ProcessError::TimedOut { .. }) => (
            false,
            t!(
                "ha-command-no-answer",
                command = &what,
                seconds = COMMAND_LIMIT.as_secs()
            ),
        ),
        Err(err @ ProcessError::TooMuchOutput { .. }) => (
            false,
            t!("ha-command-error", command = &what, error = err.to_string()),
        ),
    }
}

fn notify(args: &NotifyArgs) -> Result<ExitCode> {
    // conntrackd's primary-backup.sh, step for step.
    let flags: &[&str] = match args.role {
        // Commit the external cache into the kernel, flush both caches,
        // resync the internal cache with the kernel, send a bulk update.
        Role::Master => &["-c", "-f", "-R", "-B"],
        // Shorten the kernel's timers (zombie entries), ask the new master
        // for a resync.
        Role::Backup => &["-t", "-n"],
        Role::Fault | Role::Stop => &["-t"],
    };
    let role = match args.role {
        Role::Master => "master",
        Role::Backup => "backup",
        Role::Fault => "fault",
        Role::Stop => "stop",
    };
    let mut lines = Vec::new();
    if matches!(args.role, Role::Backup) {
        // Is conntrackd running? Start it when not (as the script does).
        let (running, line) = conntrackd(args, "-s");
        if !running {
            lines.push(line);
            lines.push(conntrackd(args, "-d").1);
        }
    }
    for flag in flags {
        lines.push(conntrackd(args, flag).1);
    }
    let record = RoleRecord {
        role: role.to_owned(),
        since: jiff::Timestamp::now().to_string(),
        conntrackd: lines,
    };
    for line in &record.conntrackd {
        eprintln!("{}", t!("ha-notify-line", role = role, line = line));
    }
    if let Err(err) = write_role(&args.state_dir, &record) {
        eprintln!(
            "{}",
            t!(
                "ha-notify-cannot-record",
                role = role,
                path = args.state_dir.display().to_string(),
                error = err.to_string()
            )
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn relay(args: &RelayArgs) -> Result<ExitCode> {
    let ha = load(&args.ha_file)?;
    if ha.node(&args.node).is_none() {
        bail!(
            "{}",
            t!(
                "ha-no-such-node",
                path = args.ha_file.display().to_string(),
                node = format!("{:?}", args.node),
                nodes = ha.node_names()
            )
        );
    }
    sanso_daemon::ha::relay::run(&ha, &args.node)?;
    Ok(ExitCode::SUCCESS)
}
