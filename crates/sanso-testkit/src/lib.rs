//! The one root check of sanso's kernel tests (network namespaces, nftables,
//! mounts), so that a skipped test is never counted as passed:
//!
//! * as root, [`root`] is true and the test runs;
//! * otherwise, with `SANSO_REQUIRE_ROOT=1` (CI sets it), the test fails:
//!   a kernel test that cannot run there is a failure, not a pass;
//! * otherwise it says `skipped: <test>: needs root (<why>)` on stderr, and
//!   appends the test's name to the file named by `SANSO_SKIP_LOG` when set
//!   (`scripts/dev test` sets it, and its closing line counts those tests as
//!   skipped, not passed), and the test returns early.
//!
//! The test's name is its libtest thread's name (`module::test`).

use std::io::Write as _;

/// `SANSO_REQUIRE_ROOT=1`: a root test that cannot run fails.
pub const REQUIRE_ROOT_ENV: &str = "SANSO_REQUIRE_ROOT";
/// A file that collects the names of skipped tests, one a line.
pub const SKIP_LOG_ENV: &str = "SANSO_SKIP_LOG";

/// Whether the test may use the kernel (root). When not, records the skip
/// as described in the crate docs (or panics under `SANSO_REQUIRE_ROOT=1`);
/// `why` says what the test needs root for.
pub fn root(why: &str) -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        return true;
    }
    skip(why);
    false
}

/// Records that the current test skips part or all of itself: `why`. Under
/// `SANSO_REQUIRE_ROOT=1` it panics instead.
pub fn skip(why: &str) {
    let current = std::thread::current();
    let test = current.name().unwrap_or("(unnamed test)");
    assert!(
        std::env::var(REQUIRE_ROOT_ENV).as_deref() != Ok("1"),
        "{test}: needs root ({why}), and {REQUIRE_ROOT_ENV}=1 does not allow skipping it"
    );
    eprintln!("skipped: {test}: needs root ({why})");
    if let Some(path) = std::env::var_os(SKIP_LOG_ENV) {
        let line = format!("{test}\n");
        // One short O_APPEND write a line: concurrent tests do not interleave.
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(line.as_bytes()));
        if let Err(err) = written {
            eprintln!(
                "warning: cannot record the skip in {}: {err}",
                path.to_string_lossy()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// Run by [`skips_are_counted_and_refused_when_root_is_required`] as
    /// another user.
    #[test]
    #[ignore = "helper: run as a non-root user by the test below"]
    fn child_needing_root() {
        assert!(!root("the child"), "the child must not be root");
    }

    /// As root: this test binary, copied where anyone can run it, runs its
    /// child test as `nobody`. The skip is logged under the child's name;
    /// with SANSO_REQUIRE_ROOT=1 the child fails instead.
    #[test]
    fn skips_are_counted_and_refused_when_root_is_required() {
        if !root("runs a child as another user") {
            return;
        }
        if Command::new("setpriv").arg("--version").output().is_err() {
            skip("setpriv (util-linux) is missing");
            return;
        }
        let dir = std::env::temp_dir().join(format!("sanso-testkit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let exe = dir.join("child");
        std::fs::copy(std::env::current_exe().expect("exe"), &exe).expect("copy");
        let log = dir.join("skips");
        let chmod = |path: &std::path::Path, mode: u32| {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        };
        chmod(&dir, 0o777);
        chmod(&exe, 0o755);
        let run = |require: &str| {
            Command::new("setpriv")
                .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
                .arg(&exe)
                .args([
                    "--exact",
                    "tests::child_needing_root",
                    "--ignored",
                    "--test-threads=1",
                ])
                .env(SKIP_LOG_ENV, &log)
                .env(REQUIRE_ROOT_ENV, require)
                .current_dir(&dir)
                .output()
                .expect("run the child")
        };
        let skipped = run("0");
        let logged = std::fs::read_to_string(&log).unwrap_or_default();
        let refused = run("1");
        let _ = std::fs::remove_dir_all(&dir);
        assert!(skipped.status.success(), "{skipped:?}");
        assert_eq!(logged, "tests::child_needing_root\n");
        assert!(
            !refused.status.success(),
            "SANSO_REQUIRE_ROOT=1 must fail the child"
        );
        assert!(
            String::from_utf8_lossy(&refused.stdout).contains("does not allow skipping it"),
            "{refused:?}"
        );
    }
}
