//! The Debian package (`deploy/debian/build`, which `scripts/dev deb` runs on
//! the release binary), built here from the test binary: its contents, the
//! skeleton policy that enables nothing, lintian when it is installed, and
//! the unpacked package working from a scratch root (`sanso --version`,
//! `man -l` on its pages).

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::root_dir;

/// Whether `tool` is installed. Under CI (`CI` set), where `scripts/dev`
/// installs every tool this test uses, a missing one fails the test instead
/// of skipping part of it.
fn have(tool: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    // CI sets CI, or SANSO_REQUIRE_ROOT=1 (.ci/run): there it must run.
    let required = std::env::var_os("CI").is_some()
        || std::env::var(sanso_testkit::REQUIRE_ROOT_ENV).as_deref() == Ok("1");
    assert!(
        found || !required,
        "{tool} is not installed, but CI must run this check (scripts/dev setup installs it)"
    );
    found
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_package_holds_what_a_gateway_needs_and_works_unpacked() {
    if !have("dpkg-deb") {
        println!("skipped: dpkg-deb not found (not a Debian system)");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let deb = run(Command::new(root_dir().join("deploy/debian/build"))
        .arg(env!("CARGO_BIN_EXE_sanso"))
        .arg(dir.path().join("out")));
    let deb = PathBuf::from(deb.trim());
    assert!(deb.is_file(), "{}", deb.display());
    assert!(
        deb.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(&format!("sanso_{}_", env!("CARGO_PKG_VERSION")))),
        "{}",
        deb.display()
    );

    let listing = run(Command::new("dpkg-deb").arg("-c").arg(&deb));
    for path in [
        "./usr/bin/sanso",
        "./usr/lib/sanso/sanso-boot",
        "./usr/share/sanso/fallback.nft",
        "./usr/lib/systemd/system/sanso.service",
        "./usr/lib/systemd/system/sanso-boot.service",
        "./usr/share/man/man8/sanso.8.gz",
        "./usr/share/man/man8/sanso-check.8.gz",
        "./usr/share/man/man8/sanso-daemon.8.gz",
        "./usr/share/bash-completion/completions/sanso",
        "./usr/share/zsh/vendor-completions/_sanso",
        "./usr/share/fish/vendor_completions.d/sanso.fish",
        "./usr/share/doc/sanso/operations.md",
        "./usr/share/doc/sanso/json.md",
        "./usr/share/doc/sanso/copyright",
        "./usr/share/doc/sanso/examples/policy.toml",
        "./usr/share/doc/sanso/examples/ha/ha.toml",
        "./usr/share/doc/sanso/examples/ha/sanso-ha-relay.service",
        "./usr/share/doc/sanso/i18n.md",
        "./etc/sanso/policy.toml",
    ] {
        assert!(
            listing.lines().any(|l| l.ends_with(path)),
            "{path} missing from the package:\n{listing}"
        );
    }
    // The unit's Documentation= points at a file the package installs.
    let unit = std::fs::read_to_string(root_dir().join("deploy/sanso.service")).expect("unit");
    assert!(unit.contains("Documentation=file:/usr/share/doc/sanso/operations.md"));
    let package = run(Command::new("dpkg-deb").arg("-f").arg(&deb).arg("Package"));
    assert_eq!(package.trim(), "sanso");
    let control = run(Command::new("dpkg-deb")
        .arg("-I")
        .arg(&deb)
        .arg("conffiles"));
    assert_eq!(control.trim(), "/etc/sanso/policy.toml");

    if have("lintian") {
        let out = Command::new("lintian")
            .args(["--tag-display-limit", "0", "--fail-on", "error"])
            .arg(&deb)
            .output()
            .expect("lintian");
        println!("lintian:\n{}", String::from_utf8_lossy(&out.stdout));
        assert!(out.status.success(), "lintian found errors");
    } else {
        println!("lintian not found: the package was not linted (apt-get install lintian)");
    }

    // Unpacked into a scratch root, the binary and the man pages work.
    let scratch = dir.path().join("root");
    run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&scratch));
    let bin = scratch.join("usr/bin/sanso");
    let version = run(Command::new(&bin).arg("--version"));
    assert_eq!(
        version.trim(),
        format!("sanso {}", env!("CARGO_PKG_VERSION"))
    );
    // The skeleton policy is all comments: `sanso check` refuses it, so the
    // package enables nothing until the admin writes a policy.
    let skeleton = scratch.join("etc/sanso/policy.toml");
    let out = Command::new(&bin)
        .arg("check")
        .arg(&skeleton)
        .env("NO_COLOR", "1")
        .output()
        .expect("sanso check");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("E002"));
    if have("man") {
        let page = run(Command::new("man")
            .args(["-P", "cat", "-l"])
            .arg(scratch.join("usr/share/man/man8/sanso-check.8.gz"))
            .env("MANWIDTH", "80"));
        assert!(page.contains("sanso check"), "{page}");
        assert!(page.contains("guardrails"), "{page}");
    } else {
        println!("man not found: the man pages were not rendered (apt-get install man-db)");
    }
}

/// The package's binary is built without the `bench` feature
/// (`scripts/dev deb`), and that build links no benchmark code
/// (issue 16, item 7).
#[test]
fn the_package_build_leaves_out_the_benchmarks() {
    let script = std::fs::read_to_string(root_dir().join("scripts/dev")).expect("scripts/dev");
    let deb = &script[script.find("deb() {").expect("deb()")..];
    let deb = &deb[..deb.find("\n}").expect("end of deb()")];
    assert!(
        deb.contains("cargo build --release --locked --bin sanso --no-default-features"),
        "{deb}"
    );
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--locked",
            "--offline",
            "-p",
            "sanso",
            "--no-default-features",
        ])
        .args(["-e", "normal", "--prefix", "none"])
        .current_dir(root_dir())
        .output()
        .expect("cargo tree");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(
        tree.lines().any(|l| l.starts_with("sanso-daemon ")),
        "{tree}"
    );
    for crate_name in ["sanso-benches ", "sanso-synth ", "plotters ", "criterion "] {
        assert!(
            !tree.lines().any(|l| l.starts_with(crate_name)),
            "{crate_name}in the package build:\n{tree}"
        );
    }
}
