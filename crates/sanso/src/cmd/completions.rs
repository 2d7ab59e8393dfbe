//! `sanso completions SHELL`: the shell completion script, from the clap
//! definitions; and `sanso man --out DIR` (hidden, for packagers): the man
//! pages, sanso(8) and one page per subcommand (sanso-check(8), ...).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::CommandFactory;
use clap_complete::Shell;
use sanso_i18n::t;

/// Print a shell completion script (bash, zsh, fish, elvish, powershell).
///
/// bash: `sanso completions bash > /etc/bash_completion.d/sanso`;
/// zsh: into a directory of `$fpath` as `_sanso`;
/// fish: `~/.config/fish/completions/sanso.fish`.
/// The Debian package installs the bash, zsh and fish scripts.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell.
    shell: Shell,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let mut cli = crate::Cli::command();
    clap_complete::generate(args.shell, &mut cli, "sanso", &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}

/// Write the man pages (roff) into a directory: sanso.8 and one page per
/// subcommand, sanso-<command>.8. For packagers (`scripts/dev deb`).
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// The directory to write into (created if missing).
    #[arg(long)]
    out: PathBuf,
}

pub fn run_man(args: ManArgs) -> Result<ExitCode> {
    std::fs::create_dir_all(&args.out)
        .with_context(|| t!("cli-man-creating", path = args.out.display().to_string()))?;
    let cli = crate::Cli::command();
    let mut written = 0;
    write_page(&args.out, "sanso", &cli)?;
    written += 1;
    for sub in cli.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("sanso-{}", sub.get_name());
        let page = sub
            .clone()
            .name(name.clone())
            .bin_name(format!("sanso {}", sub.get_name()));
        write_page(&args.out, &name, &page)?;
        written += 1;
    }
    println!(
        "{}",
        t!(
            "cli-man-wrote",
            count = written,
            dir = args.out.display().to_string()
        )
    );
    Ok(ExitCode::SUCCESS)
}

fn write_page(dir: &std::path::Path, name: &str, cmd: &clap::Command) -> Result<()> {
    let mut bytes = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .section("8")
        .manual("System Manager's Manual")
        .source(format!("sanso {}", env!("CARGO_PKG_VERSION")))
        .render(&mut bytes)
        .with_context(|| t!("cli-man-rendering", page = format!("{name}.8")))?;
    let path = dir.join(format!("{name}.8"));
    std::fs::write(&path, bytes)
        .with_context(|| t!("cli-man-writing", path = path.display().to_string()))
}
