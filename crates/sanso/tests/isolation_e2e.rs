//! Isolation (緊急時対応, issue 14 item 1) end to end, as an admin meets it:
//! the real `sanso daemon` enforcing in the gateway namespace of a
//! throwaway topology, the real `sanso isolate`, `release`, `isolations`,
//! `reload` and `explain`, the real `deploy/sanso-boot`, and real TCP
//! connections between the peer namespaces of an office zone and a server
//! zone, over IPv4 and IPv6.
//!
//! * A live connection through the gateway stops passing within 1 s of the
//!   start of `sanso isolate office` (the time is measured and printed).
//! * While isolated, new connections are dropped in both directions; the
//!   admin's connections to the gateway (a flow to `self`) go on and open.
//! * The isolation survives `sanso reload`, SIGHUP, a drift restore (the set
//!   flushed by hand), a daemon killed with SIGKILL (the table deleted too:
//!   the state directory alone brings it back) and a reboot
//!   (`deploy/sanso-boot` loads `last-good.nft` with `isolation.nft`, in the
//!   topology's gateway and in a fresh namespace).
//! * `sanso release office` lets new connections through again.
//! * The audit log has the `isolate` and `release` records, each after its
//!   `intent`, with the operator, ticket and reason.
//!
//! Needs root (network namespaces); skips with a printed reason otherwise.
//! Every wait is bounded; namespaces are removed on drop, also on panic, and
//! the daemon is killed on drop.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{code, is_root, root_dir, text};
use sanso_netns::netns::{InNetns, Netns};
use sanso_netns::{Probe, ProbeDst, ProbeL4, Topology};

const CLIENT_V4: &str = "10.20.0.5";
const SERVER_V4: &str = "10.21.0.10";
const CLIENT_V6: &str = "fd00:20::5";
const SERVER_V6: &str = "fd00:21::10";
const FAMILIES: [(&str, &str); 2] = [(CLIENT_V4, SERVER_V4), (CLIENT_V6, SERVER_V6)];

/// The office (the zone isolated) reaches the server on 8080, the server
/// reaches the office on 8081, the office manages the gateway on 2222.
const POLICY: &str = r#"
[policy]
name = "isolation-e2e"
revision = "1"

[zones.office]
tier = "lgwan"
interfaces = ["lg0"]
networks = ["10.20.0.0/16", "fd00:20::/48"]

[zones.servers]
tier = "lgwan"
interfaces = ["lg1"]
networks = ["10.21.0.0/16", "fd00:21::/48"]

[hosts.server]
zone = "servers"
addresses = ["10.21.0.10", "fd00:21::10"]

[[flows]]
name = "web"
from = ["office"]
to = ["server"]
services = ["tcp/8080"]
reason = "業務システム / the office's application"

[[flows]]
name = "back"
from = ["server"]
to = ["office"]
services = ["tcp/8081"]
reason = "通知 / the server's notifications"

[[flows]]
name = "admin"
from = ["office"]
to = ["self"]
services = ["tcp/2222"]
reason = "管理 / management of the gateway"
"#;

const REASON: &str = "マルウェア感染の疑い / suspected malware";
const TICKET: &str = "INC-2026-0200";
const RELEASE_REASON: &str = "駆除完了 / cleaned";

fn ip(s: &str) -> IpAddr {
    s.parse().expect("test address")
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

/// Sends `data` and reads the same number of bytes back within `wait`.
fn exchange(stream: &mut TcpStream, data: &[u8], wait: Duration) -> Vec<u8> {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let _ = stream.set_write_timeout(Some(wait));
    if stream.write_all(data).is_err() {
        return Vec::new();
    }
    let start = Instant::now();
    let mut back = Vec::new();
    let mut buf = [0u8; 4096];
    while back.len() < data.len() && start.elapsed() < wait {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => back.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => break,
        }
    }
    back
}

/// An echo service in `ns` on `addr`, accepting every connection until
/// `life` passed or `stop`, each echoed on a thread of its own.
fn spawn_echo_service(
    ns: &Netns,
    addr: SocketAddr,
    life: Duration,
    stop: &Arc<AtomicBool>,
) -> InNetns<()> {
    let (ready_tx, ready_rx) = mpsc::channel();
    let stop = Arc::clone(stop);
    let handle = ns
        .spawn(move || {
            let listener = TcpListener::bind(addr).expect("bind the service");
            listener.set_nonblocking(true).expect("nonblocking");
            ready_tx.send(()).expect("ready");
            let start = Instant::now();
            while start.elapsed() < life && !stop.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((mut stream, _)) => {
                        let left = life.saturating_sub(start.elapsed());
                        let stop = Arc::clone(&stop);
                        thread::spawn(move || {
                            let _ = stream.set_nonblocking(false);
                            let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
                            let begun = Instant::now();
                            let mut buf = [0u8; 4096];
                            while begun.elapsed() < left && !stop.load(Ordering::Relaxed) {
                                match stream.read(&mut buf) {
                                    Ok(0) => break,
                                    Ok(n) => {
                                        if stream.write_all(&buf[..n]).is_err() {
                                            break;
                                        }
                                    }
                                    Err(e)
                                        if matches!(
                                            e.kind(),
                                            ErrorKind::WouldBlock | ErrorKind::TimedOut
                                        ) => {}
                                    Err(_) => break,
                                }
                            }
                        });
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        })
        .expect("service thread");
    ready_rx
        .recv_timeout(Duration::from_secs(5))
        .expect("service ready");
    handle
}

/// A connection held open by a thread in `ns`; each round sends 1 KB and
/// says whether it came back within the wait.
struct Held {
    label: String,
    commands: mpsc::Sender<Option<(u8, Duration)>>,
    results: mpsc::Receiver<bool>,
    _thread: InNetns<()>,
}

impl Held {
    fn open(label: &str, ns: &Netns, to: SocketAddr) -> Held {
        let (commands, command_rx) = mpsc::channel::<Option<(u8, Duration)>>();
        let (result_tx, results) = mpsc::channel::<bool>();
        let thread = ns
            .spawn(move || {
                let Ok(mut stream) = TcpStream::connect_timeout(&to, Duration::from_secs(2)) else {
                    let _ = result_tx.send(false);
                    return;
                };
                let _ = result_tx.send(true);
                while let Ok(Some((seed, wait))) = command_rx.recv_timeout(Duration::from_secs(120))
                {
                    let data = pattern(1024, seed);
                    if result_tx
                        .send(exchange(&mut stream, &data, wait) == data)
                        .is_err()
                    {
                        return;
                    }
                }
            })
            .expect("connection thread");
        let connected = results
            .recv_timeout(Duration::from_secs(5))
            .unwrap_or(false);
        assert!(connected, "{label}: could not connect to {to}");
        Held {
            label: format!("{label} ({to})"),
            commands,
            results,
            _thread: thread,
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let _ = self.commands.send(None);
    }
}

/// One round on every held connection at once: which came back in `wait`.
fn rounds(held: &[&Held], seed: u8, wait: Duration) -> Vec<bool> {
    for h in held {
        h.commands.send(Some((seed, wait))).expect("command");
    }
    held.iter()
        .map(|h| {
            h.results
                .recv_timeout(wait + Duration::from_secs(5))
                .unwrap_or_else(|_| panic!("{}: no result", h.label))
        })
        .collect()
}

/// One exchange of a watched connection: when it started and ended (ms
/// since the epoch) and whether it came back.
#[derive(Clone, Copy, Debug)]
struct Try {
    start_ms: i64,
    end_ms: i64,
    ok: bool,
}

/// A connection from `ns` to `to` exchanging 64 bytes every 20 ms (each
/// given 250 ms) until one fails or `for_ms` passed.
fn watch(ns: &Netns, to: SocketAddr, for_ms: i64) -> InNetns<Vec<Try>> {
    let (ready_tx, ready_rx) = mpsc::channel();
    let handle = ns
        .spawn(move || {
            let mut tries = Vec::new();
            let Ok(mut stream) = TcpStream::connect_timeout(&to, Duration::from_secs(2)) else {
                let _ = ready_tx.send(false);
                return tries;
            };
            let _ = ready_tx.send(true);
            let until = now_ms() + for_ms;
            let mut seed = 0u8;
            while now_ms() < until {
                seed = seed.wrapping_add(1);
                let data = pattern(64, seed);
                let start_ms = now_ms();
                let ok = exchange(&mut stream, &data, Duration::from_millis(250)) == data;
                tries.push(Try {
                    start_ms,
                    end_ms: now_ms(),
                    ok,
                });
                if !ok {
                    break;
                }
                thread::sleep(Duration::from_millis(20));
            }
            tries
        })
        .expect("watcher thread");
    let connected = ready_rx
        .recv_timeout(Duration::from_secs(5))
        .unwrap_or(false);
    assert!(connected, "watcher could not connect to {to}");
    handle
}

/// Whether a new connection from `ns` to each of `to` opens and carries an
/// exchange, all tried at once (each within 1.5 s).
fn new_connections(tries: &[(&Netns, SocketAddr)]) -> Vec<bool> {
    let handles: Vec<InNetns<bool>> = tries
        .iter()
        .map(|(ns, to)| {
            let to = *to;
            ns.spawn(move || {
                let Ok(mut stream) = TcpStream::connect_timeout(&to, Duration::from_millis(1500))
                else {
                    return false;
                };
                let data = pattern(64, 42);
                exchange(&mut stream, &data, Duration::from_millis(1500)) == data
            })
            .expect("connect thread")
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().expect("connect thread"))
        .collect()
}

/// The peer namespace behind gateway interface `interface`.
fn peer<'t>(topo: &'t Topology, interface: &str) -> &'t Netns {
    let i = topo
        .plan()
        .links
        .iter()
        .position(|l| l.interface == interface)
        .expect("link");
    &topo.peers()[i]
}

/// `sanso ARGS` as `sudo` would run it for `alice`.
fn sanso(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sanso"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("SUDO_USER", "alice")
        .output()
        .expect("run sanso")
}

/// `sanso ARGS` that must succeed; its standard output.
fn sanso_ok(args: &[&str]) -> String {
    let out = sanso(args);
    assert_eq!(
        code(&out),
        0,
        "sanso {args:?}: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// `ip netns exec NS PROGRAM ARGS`.
fn in_netns(ns: &str, program: &str, args: &[&str]) -> Output {
    Command::new("ip")
        .args(["netns", "exec", ns, program])
        .args(args)
        .output()
        .expect("ip netns exec")
}

fn nft(ns: &str, args: &[&str]) -> Output {
    in_netns(ns, "nft", args)
}

fn records(state: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(state.join("audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("record"))
        .collect()
}

/// The daemon's files and its namespace.
struct Setup {
    netns: String,
    dir: PathBuf,
    policy: PathBuf,
    state: PathBuf,
    socket: PathBuf,
}

impl Setup {
    fn socket(&self) -> &str {
        self.socket.to_str().expect("path")
    }

    fn state(&self) -> &str {
        self.state.to_str().expect("path")
    }
}

/// `sanso daemon`, killed on drop.
struct Daemon {
    child: Option<Child>,
    log: PathBuf,
}

impl Daemon {
    /// Starts the daemon and waits (at most 30 s) until it has applied the
    /// policy and answers on its socket.
    fn start(setup: &Setup, run: usize) -> Daemon {
        let log = setup.dir.join(format!("daemon-{run}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_sanso"))
            .args([
                "daemon",
                "--netns",
                &setup.netns,
                "--policy",
                setup.policy.to_str().expect("path"),
                "--state-dir",
                setup.state(),
                "--socket",
                setup.socket(),
                "--watch-interval",
                "1h",
                "--drift-interval",
                "1s",
                "--neighbour-interval",
                "1h",
            ])
            .env_remove("SUDO_USER")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("start the daemon");
        let daemon = Daemon {
            child: Some(child),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let out = sanso(&["status", "--json", "--socket", setup.socket()]);
            if code(&out) == 0 {
                let status: serde_json::Value =
                    serde_json::from_slice(&out.stdout).expect("status json");
                if !status["policy"].is_null() {
                    break;
                }
            }
            assert!(
                Instant::now() < deadline,
                "the daemon did not apply within 30 s: {}",
                daemon.log_text()
            );
            thread::sleep(Duration::from_millis(100));
        }
        daemon
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn pid(&self) -> i32 {
        let pid = self.child.as_ref().expect("running").id();
        i32::try_from(pid).expect("pid")
    }

    /// Sends `signal` to the daemon.
    fn signal(&self, signal: i32) {
        // SAFETY: kill has no memory-safety preconditions; the pid is our
        // child's, which we have not waited for, so it is still ours.
        let rc = unsafe { libc::kill(self.pid(), signal) };
        assert_eq!(rc, 0, "kill({signal})");
    }

    /// Kills it with SIGKILL, as a crash would.
    fn kill(mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops it with SIGTERM, waiting at most 60 s.
    fn stop(mut self) {
        self.signal(libc::SIGTERM);
        if let Some(mut child) = self.child.take() {
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
            panic!("the daemon did not stop within 60 s of SIGTERM");
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Waits (at most `secs`) until `done` holds.
fn wait_for(secs: u64, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {secs} s");
        thread::sleep(Duration::from_millis(100));
    }
}

/// The elements of `set` in table inet sanso of `ns`, as nft lists them.
fn set_elements(ns: &str, set: &str) -> String {
    let out = nft(ns, &["list", "set", "inet", "sanso", set]);
    assert_eq!(code(&out), 0, "nft list set {set}: {}", text(&out.stderr));
    let listing = text(&out.stdout);
    listing
        .split_once("elements = {")
        .and_then(|(_, rest)| rest.split_once('}'))
        .map(|(elements, _)| elements.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

#[test]
fn isolate_cuts_within_a_second_persists_and_release_reopens() {
    if !is_root() {
        println!("skipped: needs root (network namespaces): isolate_cuts_within_a_second_persists_and_release_reopens");
        return;
    }
    let policy = sanso_policy::load_policy("policy.toml", POLICY)
        .unwrap_or_else(|d| panic!("{}", d.render(false)));
    let probes: Vec<Probe> = FAMILIES
        .iter()
        .map(|(src, dst)| Probe {
            iif: None,
            src: ip(src),
            dst: ProbeDst::Addr(ip(dst)),
            l4: ProbeL4::Tcp(8080),
        })
        .collect();
    let topo = Topology::build(&policy, &probes).expect("topology");
    let gateway = topo.gateway();
    let office = peer(&topo, "lg0");
    let servers = peer(&topo, "lg1");
    let lg0 = topo
        .plan()
        .links
        .iter()
        .find(|l| l.interface == "lg0")
        .expect("lg0");
    let gw_addrs = [IpAddr::V4(lg0.gateway_v4), IpAddr::V6(lg0.gateway_v6)];

    let dir = tempfile::tempdir().expect("temp dir");
    let setup = Setup {
        netns: gateway.name().to_owned(),
        dir: dir.path().to_owned(),
        policy: dir.path().join("policy.toml"),
        state: dir.path().join("state"),
        socket: dir.path().join("sanso.sock"),
    };
    std::fs::write(&setup.policy, POLICY).expect("policy");
    let mut daemon = Daemon::start(&setup, 1);

    let life = Duration::from_secs(240);
    let stop = Arc::new(AtomicBool::new(false));
    let mut services = Vec::new();
    let (mut web, mut back, mut admin) = (Vec::new(), Vec::new(), Vec::new());
    for (i, (client, server)) in FAMILIES.iter().enumerate() {
        web.push(SocketAddr::new(ip(server), 8080));
        back.push(SocketAddr::new(ip(client), 8081));
        admin.push(SocketAddr::new(gw_addrs[i], 2222));
        services.push(spawn_echo_service(servers, web[i], life, &stop));
        services.push(spawn_echo_service(office, back[i], life, &stop));
        services.push(spawn_echo_service(gateway, admin[i], life, &stop));
    }
    // web4, back4, admin4, web6, back6, admin6.
    let all_new = |label: &str| {
        let mut tries = Vec::new();
        for i in 0..2 {
            tries.push((office, web[i]));
            tries.push((servers, back[i]));
            tries.push((office, admin[i]));
        }
        let got = new_connections(&tries);
        println!("{label}: new connections web4, back4, admin4, web6, back6, admin6: {got:?}");
        got
    };
    const OPEN: [bool; 6] = [true; 6];
    // Only management (a flow to self) opens.
    const ISOLATED: [bool; 6] = [false, false, true, false, false, true];
    assert_eq!(all_new("before"), OPEN, "the policy's flows work");

    // Connections open before the isolation: forwarded both ways, and the
    // admin's to the gateway.
    let held_web: Vec<Held> = web.iter().map(|a| Held::open("web", office, *a)).collect();
    let held_back: Vec<Held> = back
        .iter()
        .map(|a| Held::open("back", servers, *a))
        .collect();
    let held_admin: Vec<Held> = admin
        .iter()
        .map(|a| Held::open("admin", office, *a))
        .collect();
    let held: Vec<&Held> = held_web
        .iter()
        .chain(&held_back)
        .chain(&held_admin)
        .collect();
    let wait = Duration::from_millis(1500);
    assert_eq!(rounds(&held, 1, wait), [true; 6], "the connections work");

    // 1. Isolate the office; watch one live connection per family.
    let watchers: Vec<InNetns<Vec<Try>>> = web.iter().map(|a| watch(office, *a, 4000)).collect();
    thread::sleep(Duration::from_millis(300));
    let t0 = now_ms();
    let said = sanso_ok(&[
        "isolate",
        "office",
        "--reason",
        REASON,
        "--ticket",
        TICKET,
        "--socket",
        setup.socket(),
    ]);
    let t1 = now_ms();
    println!(
        "sanso isolate office: returned after {} ms: {said}",
        t1 - t0
    );
    assert!(said.contains("isolated office in "), "{said}");
    let mut cut_ms = Vec::new();
    for (watcher, to) in watchers.into_iter().zip(&web) {
        let tries = watcher.join().expect("watcher");
        let passed: Vec<&Try> = tries.iter().filter(|t| t.ok).collect();
        let last_ok = passed.last().map(|t| t.start_ms - t0);
        let failed = tries
            .iter()
            .find(|t| !t.ok)
            .copied()
            .unwrap_or_else(|| panic!("{to}: the connection still passed 4 s after isolate"));
        println!(
            "{to}: {} exchanges passed, the last started {last_ok:?} ms from the start of \
             `sanso isolate`; the first that failed started {} ms from it",
            passed.len(),
            failed.start_ms - t0
        );
        assert!(
            passed.len() >= 3,
            "{to}: the connection did not work before"
        );
        assert!(
            failed.end_ms > t0,
            "{to}: the connection failed before `sanso isolate` started"
        );
        let cut = failed.start_ms - t0;
        assert!(
            cut < 1000,
            "{to}: the connection passed until {cut} ms after `sanso isolate` started"
        );
        cut_ms.push(cut);
    }
    println!(
        "MEASURED: live connections cut {} ms (IPv4) and {} ms (IPv6) after the start of \
         `sanso isolate` (the command itself returned after {} ms)",
        cut_ms[0],
        cut_ms[1],
        t1 - t0
    );

    // 2. Open connections: forwarded ones cut in both directions, the
    // admin's to the gateway goes on; new ones: only management opens.
    let isolated_rounds = [false, false, false, false, true, true];
    assert_eq!(
        rounds(&held, 2, wait),
        isolated_rounds,
        "while isolated: web4, web6, back4, back6, admin4, admin6 passing"
    );
    assert_eq!(all_new("isolated"), ISOLATED);
    let listed = sanso_ok(&["isolations", "--socket", setup.socket()]);
    assert!(
        listed.contains("office (zone, lgwan): 10.20.0.0/16 fd00:20::/48")
            && listed.contains(REASON)
            && listed.contains(TICKET),
        "{listed}"
    );

    // 3. Reload (the command, then SIGHUP): still isolated.
    let said = sanso_ok(&[
        "reload",
        "--reason",
        "定期反映 / routine",
        "--socket",
        setup.socket(),
    ]);
    println!("sanso reload: {said}");
    assert_eq!(all_new("after sanso reload"), ISOLATED);
    assert_eq!(
        rounds(&held_admin.iter().collect::<Vec<_>>(), 3, wait),
        [true, true],
        "the admin's connections after the reload"
    );
    let reloads = |state: &Path| {
        records(state)
            .iter()
            .filter(|r| r["event"] == "reload" && r["detail"]["trigger"] == "sighup")
            .count()
    };
    daemon.signal(libc::SIGHUP);
    wait_for(30, "the SIGHUP reload", || reloads(&setup.state) == 1);
    assert_eq!(all_new("after SIGHUP"), ISOLATED);

    // 4. Drift: someone empties the set by hand; the drift watch puts it
    // back (--drift-interval 1s).
    let out = nft(
        &setup.netns,
        &["flush", "set", "inet", "sanso", "isolated4"],
    );
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    wait_for(30, "the drift restore", || {
        set_elements(&setup.netns, "isolated4") == "10.20.0.0/16"
    });
    assert!(
        records(&setup.state)
            .iter()
            .any(|r| r["event"] == "drift"
                && r["detail"]["changes"].to_string().contains("isolation")),
        "no drift record names the isolation"
    );
    assert_eq!(all_new("after the drift restore"), ISOLATED);

    // 5. A crash (SIGKILL), and the table gone with it: the next daemon
    // isolates again from the state directory alone.
    daemon.kill();
    let out = nft(&setup.netns, &["delete", "table", "inet", "sanso"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    daemon = Daemon::start(&setup, 2);
    assert_eq!(all_new("after a restart"), ISOLATED);
    let listed = sanso_ok(&["isolations", "--json", "--socket", setup.socket()]);
    let entries: serde_json::Value = serde_json::from_str(&listed).expect("json");
    assert_eq!(entries.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(entries[0]["target"], "office", "{listed}");
    assert_eq!(entries[0]["kind"], "zone", "{listed}");
    assert_eq!(entries[0]["reason"], REASON, "{listed}");
    assert_eq!(entries[0]["ticket"], TICKET, "{listed}");
    assert_eq!(entries[0]["by"]["sudo_user"], "alice", "{listed}");

    // `sanso explain` and `sanso report` read the same state directory; the
    // live table, isolation sets included, is what the report expects.
    let policy_arg = setup.policy.to_str().expect("path");
    let explained = sanso_ok(&[
        "explain",
        policy_arg,
        "--from",
        CLIENT_V4,
        "--to",
        SERVER_V4,
        "--port",
        "8080",
        "--state-dir",
        setup.state(),
    ]);
    assert!(
        explained.contains("verdict:    isolated (drop)")
            && explained.contains("isolated:   the source 10.20.0.5: office (zone, lgwan)")
            && explained.contains(TICKET)
            && explained.contains(REASON),
        "{explained}"
    );
    let explained = sanso_ok(&[
        "explain",
        policy_arg,
        "--from",
        CLIENT_V4,
        "--to",
        "self",
        "--port",
        "2222",
        "--state-dir",
        setup.state(),
    ]);
    assert!(
        explained.contains("verdict:    accept") && explained.contains("management: stays open"),
        "{explained}"
    );
    let out = sanso(&[
        "report",
        policy_arg,
        "--state-dir",
        setup.state(),
        "--live",
        "--netns",
        &setup.netns,
    ]);
    let report = text(&out.stdout);
    assert_eq!(code(&out), 0, "{report}{}", text(&out.stderr));
    assert!(
        report.contains("## 緊急時対応: 隔離中 / Incident response: isolated now")
            && report.lines().any(|l| l.starts_with("| office |")
                && l.contains(TICKET)
                && l.contains("sudo alice"))
            && report.contains("一致しています / The live gateway matches the approved policy."),
        "{report}"
    );
    // `sanso drift` expects the isolation too: no drift.
    let out = sanso(&[
        "drift",
        policy_arg,
        "--netns",
        &setup.netns,
        "--state-dir",
        setup.state(),
    ]);
    assert_eq!(code(&out), 0, "{}{}", text(&out.stdout), text(&out.stderr));

    // 6. A reboot: the daemon stops, the table is gone, sanso-boot loads
    // last-good.nft with isolation.nft; packets tell.
    daemon.stop();
    let out = nft(&setup.netns, &["delete", "table", "inet", "sanso"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let boot = root_dir().join("deploy/sanso-boot");
    let fallback = root_dir().join("deploy/fallback.nft");
    let last_good = setup.state.join("last-good.nft");
    let boot_args = [
        boot.to_str().expect("path"),
        last_good.to_str().expect("path"),
        fallback.to_str().expect("path"),
    ];
    let out = in_netns(&setup.netns, "sh", &boot_args);
    let said = text(&out.stdout);
    assert_eq!(code(&out), 0, "{said}{}", text(&out.stderr));
    assert!(said.contains("with the isolation in"), "{said}");
    assert_eq!(all_new("after boot, no daemon"), ISOLATED);
    // And in a fresh gateway namespace.
    let fresh = Netns::create(&format!("sanso-{}-isoe2e-boot", std::process::id()))
        .expect("a fresh namespace");
    let out = in_netns(fresh.name(), "sh", &boot_args);
    assert_eq!(code(&out), 0, "{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(set_elements(fresh.name(), "isolated4"), "10.20.0.0/16");
    assert_eq!(set_elements(fresh.name(), "isolated6"), "fd00:20::/48");
    drop(fresh);

    // 7. Release: new connections open in every direction again.
    let daemon = Daemon::start(&setup, 3);
    let said = sanso_ok(&[
        "release",
        "office",
        "--reason",
        RELEASE_REASON,
        "--ticket",
        TICKET,
        "--socket",
        setup.socket(),
    ]);
    println!("sanso release office: {said}");
    assert!(said.contains("released office in "), "{said}");
    assert_eq!(all_new("released"), OPEN);
    assert_eq!(
        sanso_ok(&["isolations", "--socket", setup.socket()]).trim(),
        "nothing is isolated"
    );
    assert!(!setup.state.join("isolation.nft").exists());
    assert_eq!(set_elements(&setup.netns, "isolated4"), "");

    // 8. The audit log: each change after its intent, with who and why.
    let all = records(&setup.state);
    for (event, reason) in [("isolate", REASON), ("release", RELEASE_REASON)] {
        let at = all
            .iter()
            .position(|r| r["event"] == event && r["detail"]["operator"]["by"] == "peer")
            .unwrap_or_else(|| {
                panic!(
                    "no {event} record by a peer; the log's events: {:?}",
                    all.iter()
                        .map(|r| r["event"].as_str().unwrap_or("?"))
                        .collect::<Vec<_>>()
                )
            });
        let record = &all[at];
        let operator = &record["detail"]["operator"];
        assert_eq!(operator["reason"], reason, "{record}");
        assert_eq!(operator["ticket"], TICKET, "{record}");
        assert_eq!(operator["sudo_user"], "alice", "{record}");
        assert_eq!(operator["uid"], 0, "{record}");
        assert_eq!(
            record["detail"]["targets"][0]["target"], "office",
            "{record}"
        );
        let intent = &all[at - 1];
        assert_eq!(intent["event"], "intent", "{intent}");
        assert_eq!(intent["detail"]["load"], "isolation", "{intent}");
        assert_eq!(intent["detail"]["trigger"], event, "{intent}");
    }
    let out = sanso(&[
        "audit",
        "verify",
        setup.state.join("audit.jsonl").to_str().expect("path"),
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stdout));

    drop(daemon);
    drop(held);
    drop((held_web, held_back, held_admin));
    stop.store(true, Ordering::Relaxed);
    for s in services {
        let _ = s.join();
    }
}
