//! Network namespaces owned by a run: unique names, the [`Netns`] guard that
//! removes its namespace on drop (also while unwinding a panic), and the
//! SIGINT/SIGTERM handler that removes every live namespace before exiting 130.
//!
//! Names are `sanso-<pid>-<counter>-<role>`: unique per process and run, so
//! concurrent runs (threads or processes) never collide.
//!
//! Every namespace sanso creates follows one pattern, `sanso-<pid>-<rest>`
//! (the decimal pid of the creating process after [`NAME_PREFIX`]; the same
//! contract as `sanso_nft::readback::NAMESPACE_PREFIX`, which names the
//! scratch namespace of `sanso drift` `sanso-<pid>-expect-<n>`; tests and
//! benches name theirs `sanso-<pid>-<purpose>-...`). [`remove_stale_namespaces`]
//! removes every name of that pattern whose process is gone, whoever created
//! it; sanso-nft's sweep does the same before it creates its scratch
//! namespace.
//!
//! The signal handler may run at any instant, so it only uses async-signal-safe
//! calls (`umount2`, `unlink`, `_exit`) on paths registered in a lock-free
//! table: exactly what `ip netns del` does.

use std::ffi::CString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::Once;

use sanso_i18n::t;

use crate::HarnessError;

/// Where `ip netns` keeps its namespaces.
pub const NETNS_DIR: &str = "/var/run/netns";

/// The prefix of every namespace sanso creates; the creator's pid and a dash
/// follow it (see the module doc).
pub const NAME_PREFIX: &str = "sanso-";

static RUN_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Identifies one topology: the process and a per-process counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RunId {
    pub pid: u32,
    pub counter: u64,
}

impl RunId {
    /// A fresh id, never returned before by this process.
    pub fn next() -> Self {
        RunId {
            pid: std::process::id(),
            counter: RUN_COUNTER.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// `sanso-<pid>-<counter>`: the prefix of this run's namespace names.
    pub fn prefix(&self) -> String {
        format!("{NAME_PREFIX}{}-{}", self.pid, self.counter)
    }

    /// The namespace name for a role (`gw`, `p0`, ...).
    pub fn namespace_name(&self, role: &str) -> String {
        format!("{}-{role}", self.prefix())
    }

    /// A 32-bit token carried in every probe's payload tag.
    pub fn token(&self) -> u32 {
        // Mixing, not uniqueness, is wanted here: namespaces already separate runs.
        self.pid.rotate_left(16) ^ (self.counter as u32)
    }
}

/// A network namespace created with `ip netns add`, removed on drop.
#[derive(Debug)]
pub struct Netns {
    name: String,
    path: PathBuf,
    slot: Option<usize>,
}

impl Netns {
    /// Creates the namespace `name` (see [`RunId::namespace_name`]).
    pub fn create(name: &str) -> Result<Self, HarnessError> {
        install_signal_cleanup();
        let path = Path::new(NETNS_DIR).join(name);
        // Registered before it exists, so a signal between the two cannot leak it.
        let slot = register(&path);
        let ns = Netns {
            name: name.to_owned(),
            path,
            slot,
        };
        run_ip(&["netns", "add", name], None)?;
        Ok(ns)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file under `/var/run/netns`, for `setns`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens the namespace file; pass it to [`enter`].
    pub fn open(&self) -> Result<File, HarnessError> {
        File::open(&self.path).map_err(|source| HarnessError::EnterNamespace {
            namespace: self.name.clone(),
            source,
        })
    }

    /// Runs `f` on a new thread that has entered this namespace, so every
    /// socket `f` opens lives here (a real client or server). Returns once
    /// the thread is inside; entering failing is an error, not a panic.
    ///
    /// `f` must bound its own waits (socket timeouts, deadlines): joining
    /// waits for it. The namespace's name disappears when its [`Netns`]
    /// drops even while such a thread still runs; the thread's sockets then
    /// keep the namespace alive until they close.
    pub fn spawn<T, F>(&self, f: F) -> Result<InNetns<T>, HarnessError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let file = self.open()?;
        let name = self.name.clone();
        let (entered_tx, entered_rx) = std::sync::mpsc::sync_channel(1);
        let handle = std::thread::Builder::new()
            .name(format!("in {name}"))
            .spawn(move || {
                let entered = enter(&file, &name);
                let ok = entered.is_ok();
                let _ = entered_tx.send(entered);
                ok.then(f)
            })
            .map_err(|source| HarnessError::Spawn {
                command: t!("netns-thread-in-namespace", namespace = &self.name),
                source,
            })?;
        let thread = InNetns {
            handle,
            namespace: self.name.clone(),
        };
        match entered_rx.recv() {
            Ok(Ok(())) => Ok(thread),
            Ok(Err(e)) => {
                let _ = thread.handle.join();
                Err(e)
            }
            Err(_) => Err(thread
                .join()
                .err()
                .unwrap_or(HarnessError::ThreadPanicked { what: "namespace" })),
        }
    }

    /// Runs `f` inside this namespace (on a scoped thread, so `f` may
    /// borrow) and returns its value; a panic in `f` is an error.
    pub fn run<T: Send>(&self, f: impl FnOnce() -> T + Send) -> Result<T, HarnessError> {
        let file = self.open()?;
        std::thread::scope(|s| {
            s.spawn(|| {
                enter(&file, &self.name)?;
                Ok(f())
            })
            .join()
            .map_err(|_| HarnessError::ThreadPanicked { what: "namespace" })?
        })
    }
}

/// A thread running inside a namespace ([`Netns::spawn`]).
#[derive(Debug)]
pub struct InNetns<T> {
    handle: std::thread::JoinHandle<Option<T>>,
    namespace: String,
}

impl<T> InNetns<T> {
    /// Waits for the thread (it must bound its own waits) and returns its
    /// value; a panic in it is [`HarnessError::ThreadPanicked`].
    pub fn join(self) -> Result<T, HarnessError> {
        match self.handle.join() {
            Ok(Some(v)) => Ok(v),
            // Not reachable after a successful spawn: entering was checked.
            Ok(None) => Err(HarnessError::EnterNamespace {
                namespace: self.namespace,
                source: std::io::Error::other(t!("netns-setns-failed")),
            }),
            Err(_) => Err(HarnessError::ThreadPanicked { what: "namespace" }),
        }
    }

    /// True once the thread has returned.
    pub fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }

    /// The namespace the thread runs in.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            unregister(slot);
        }
        if run_ip(&["netns", "del", &self.name], None).is_err() || self.path.exists() {
            // Same as `ip netns del`, without the process, retrying the unlink.
            remove_namespace_file(&self.path);
        }
    }
}

/// Moves the calling thread into the namespace `file` refers to. Use it only
/// in threads the harness spawned for the purpose: the thread stays there.
pub fn enter(file: &File, name: &str) -> Result<(), HarnessError> {
    nix::sched::setns(file, nix::sched::CloneFlags::CLONE_NEWNET).map_err(|e| {
        HarnessError::EnterNamespace {
            namespace: name.to_owned(),
            source: e.into(),
        }
    })
}

/// Runs `ip ARGS`, feeding `stdin` when given (for `-batch -`).
pub(crate) fn run_ip(args: &[&str], stdin: Option<&str>) -> Result<(), HarnessError> {
    run_command("ip", args, stdin).map(drop)
}

/// Runs a command to completion through the one runner (`sanso_process`,
/// bounded in time and output); stderr goes into the error on failure.
pub(crate) fn run_command(
    program: &str,
    args: &[&str],
    stdin: Option<&str>,
) -> Result<String, HarnessError> {
    let mut cmd = sanso_process::Command::new(program).args(args.iter().copied());
    if let Some(text) = stdin {
        cmd = cmd.stdin(text);
    }
    cmd.run().map_err(HarnessError::Run)
}

/// Names of the namespaces under `/var/run/netns` that start with `prefix`
/// (e.g. a [`RunId::prefix`]), sorted.
pub fn namespaces_with_prefix(prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(NETNS_DIR)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with(prefix))
        .collect();
    names.sort();
    names
}

/// The pid in a name of the pattern `sanso-<pid>-<rest>` (see the module
/// doc); `None` for any other name.
pub fn namespace_creator(name: &str) -> Option<u32> {
    let (pid, _) = name.strip_prefix(NAME_PREFIX)?.split_once('-')?;
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

/// Removes the namespaces a killed process left behind: those of the
/// pattern `sanso-<pid>-<rest>` whose pid no longer exists (the harness's,
/// `sanso drift`'s scratch namespace, tests' and benches'). Returns their
/// names. Namespaces of live processes are kept, and nothing is removed when
/// `/proc` cannot tell (not mounted).
pub fn remove_stale_namespaces() -> Vec<String> {
    if !Path::new("/proc/self").exists() {
        return Vec::new();
    }
    let mut removed = Vec::new();
    for name in namespaces_with_prefix(NAME_PREFIX) {
        let Some(pid) = namespace_creator(&name) else {
            continue;
        };
        if Path::new("/proc").join(pid.to_string()).exists() {
            continue;
        }
        if run_ip(&["netns", "del", &name], None).is_ok() {
            removed.push(name);
        }
    }
    removed
}

// ---- the lock-free registry read by the signal handler ----

const SLOTS: usize = 4096;

/// NUL-terminated paths of live namespaces (leaked `CString`s), or null.
static REGISTRY: [AtomicPtr<libc::c_char>; SLOTS] =
    [const { AtomicPtr::new(std::ptr::null_mut()) }; SLOTS];

fn register(path: &Path) -> Option<usize> {
    let c = CString::new(path.as_os_str().as_encoded_bytes()).ok()?;
    let raw = c.into_raw();
    for (i, slot) in REGISTRY.iter().enumerate() {
        if slot
            .compare_exchange(
                std::ptr::null_mut(),
                raw,
                Ordering::AcqRel,
                Ordering::Relaxed,
            )
            .is_ok()
        {
            return Some(i);
        }
    }
    // Table full: the namespace is still removed on drop, just not on a signal.
    // SAFETY: `raw` came from `CString::into_raw` above and was not shared.
    drop(unsafe { CString::from_raw(raw) });
    None
}

fn unregister(slot: usize) {
    let raw = REGISTRY[slot].swap(std::ptr::null_mut(), Ordering::AcqRel);
    if !raw.is_null() {
        // SAFETY: non-null entries come from `CString::into_raw` in `register`;
        // the swap gave us sole ownership (the signal handler swaps too).
        drop(unsafe { CString::from_raw(raw) });
    }
}

fn remove_namespace_file(path: &Path) {
    if let Ok(c) = CString::new(path.as_os_str().as_encoded_bytes()) {
        // SAFETY: `c` is a valid NUL-terminated path for the duration of the call.
        unsafe { libc::umount2(c.as_ptr(), libc::MNT_DETACH) };
    }
    for _ in 0..UNLINK_RETRIES {
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            _ => return,
        }
    }
    eprintln!(
        "{}",
        t!("netns-cannot-remove", path = path.display().to_string())
    );
}

/// How often the signal handler retries an `unlink` that failed (EBUSY while
/// another mount namespace, e.g. a concurrent `ip netns exec`, still holds a
/// copy of the mount being detached).
const UNLINK_RETRIES: usize = 20;

extern "C" fn on_signal(_signal: libc::c_int) {
    for slot in &REGISTRY {
        let raw = slot.swap(std::ptr::null_mut(), Ordering::AcqRel);
        if !raw.is_null() {
            // SAFETY: `raw` is a leaked NUL-terminated path from `register`; only
            // async-signal-safe calls are made, and the memory is never freed
            // here (the process exits).
            unsafe {
                libc::umount2(raw, libc::MNT_DETACH);
                for _ in 0..UNLINK_RETRIES {
                    if libc::unlink(raw) == 0 || *libc::__errno_location() == libc::ENOENT {
                        break;
                    }
                    let pause = libc::timespec {
                        tv_sec: 0,
                        tv_nsec: 5_000_000,
                    };
                    libc::nanosleep(&pause, std::ptr::null_mut());
                }
            }
        }
    }
    // SAFETY: `_exit` is async-signal-safe and does not return.
    unsafe { libc::_exit(130) }
}

/// Installs the SIGINT/SIGTERM handler that removes every live namespace of
/// this process and exits with status 130. Idempotent; [`Netns::create`]
/// calls it.
pub fn install_signal_cleanup() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
        let action = SigAction::new(
            SigHandler::Handler(on_signal),
            SaFlags::SA_RESTART,
            SigSet::empty(),
        );
        for signal in [Signal::SIGINT, Signal::SIGTERM] {
            // SAFETY: `on_signal` only makes async-signal-safe calls.
            if let Err(e) = unsafe { sigaction(signal, &action) } {
                eprintln!(
                    "{}",
                    t!(
                        "netns-cannot-install-handler",
                        signal = signal.to_string(),
                        error = e.to_string()
                    )
                );
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_prefixed() {
        let a = RunId::next();
        let b = RunId::next();
        assert_ne!(a.prefix(), b.prefix());
        assert!(a
            .namespace_name("gw")
            .starts_with(&format!("sanso-{}-", std::process::id())));
        assert!(a.namespace_name("gw").ends_with("-gw"));
    }

    #[test]
    fn the_sweep_reads_the_creator_of_every_pattern_name() {
        let run = RunId::next();
        assert_eq!(
            namespace_creator(&run.namespace_name("gw")),
            Some(std::process::id())
        );
        assert_eq!(namespace_creator("sanso-42-expect-0"), Some(42));
        assert_eq!(namespace_creator("sanso-42-bench-gw-1"), Some(42));
        for other in ["sanso-expect-42-0", "sanso-42", "sanso-+42-x", "other-42-x"] {
            assert_eq!(namespace_creator(other), None, "{other}");
        }
    }

    #[test]
    fn registry_round_trip_frees_slots() {
        let s = register(Path::new("/var/run/netns/sanso-test-slot")).expect("registry has room");
        assert!(!REGISTRY[s].load(Ordering::Acquire).is_null());
        unregister(s);
        assert!(REGISTRY[s].load(Ordering::Acquire).is_null());
    }
}
