//! High availability (issue 18) end to end, with the real programs: two
//! gateway namespaces A and B, each running `sanso daemon --ha` with the
//! same policy, keepalived (VRRP) and conntrackd (FTFW) from the Debian
//! packages, configured by `sanso ha render`; a client namespace and a
//! server namespace, each on a bridge shared by both gateways; a direct
//! sync link between A and B.
//!
//! * A TCP connection through A (real sockets, data flowing both ways)
//!   survives a failover to B (A's uplink downed): its conntrack entry is
//!   on B, data keeps flowing, nothing is reset. The failover time, from
//!   the link-down to the first packet through B (pings every 50 ms from
//!   the client, which only B can answer once A's uplink is down), and the
//!   time until the TCP connection moves again are printed.
//! * Failback (A's uplink up again, A preempts): the connection goes on.
//! * `drift` is in-sync on both nodes.
//! * A policy changed on one node only makes `sanso status` on both show
//!   the mismatch within one check interval.
//!
//! Needs root, keepalived and conntrackd; says so visibly and skips (or
//! fails under SANSO_REQUIRE_ROOT=1) otherwise. Every wait is bounded;
//! namespaces are removed and the programs killed on drop.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use sanso_netns::netns::{Netns, RunId};

const POLICY: &str = r#"
[policy]
name = "ha-e2e"
revision = "REV"

[zones.office]
tier = "lgwan"
interfaces = ["lan0"]
networks = ["10.0.1.0/24"]

[zones.servers]
tier = "lgwan"
interfaces = ["wan0"]
networks = ["10.0.2.0/24"]

[hosts.server]
zone = "servers"
addresses = ["10.0.2.10"]

[[flows]]
name = "app"
from = ["office"]
to = ["server"]
services = ["tcp/8080", "ping"]
reason = "業務システム / the office's application"
EXTRA
"#;

const EXTRA_FLOW: &str = r#"
[[flows]]
name = "mail"
from = ["office"]
to = ["server"]
services = ["smtp"]
reason = "メール / mail, on one node only"
"#;

const CHECK_INTERVAL: u64 = 1;

fn policy(revision: &str, extra: bool) -> String {
    POLICY
        .replace("REV", revision)
        .replace("EXTRA", if extra { EXTRA_FLOW } else { "" })
}

fn ha_toml(key_file: &Path) -> String {
    format!(
        r#"
[sync]
interface = "sync0"
key_file = "{}"
check_interval = {CHECK_INTERVAL}

[virtual.lan0]
router_id = 51
addresses = ["10.0.1.1/24"]

[virtual.wan0]
router_id = 52
addresses = ["10.0.2.1/24"]

[nodes.gw-a]
priority = 150
sync_address = "192.168.255.1"

[nodes.gw-b]
priority = 100
sync_address = "192.168.255.2"
"#,
        key_file.display()
    )
}

fn run(args: &[&str]) -> Output {
    let out = Command::new(args[0])
        .args(&args[1..])
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn ip(ns: &str, args: &str) {
    let mut all = vec!["ip", "-n", ns];
    all.extend(args.split_whitespace());
    run(&all);
}

fn found(program: &str) -> bool {
    ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        .iter()
        .any(|d| Path::new(d).join(program).exists())
}

/// Waits for `what` at most `limit`, every 50 ms.
fn wait_for(what: &str, limit: Duration, mut check: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while start.elapsed() < limit {
        if check() {
            return start.elapsed();
        }
        thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out after {limit:?} waiting for {what}");
}

/// One gateway: its namespace's name, files and programs.
struct Node {
    name: &'static str,
    ns: String,
    dir: PathBuf,
    children: Vec<Child>,
}

impl Node {
    fn state(&self) -> PathBuf {
        self.dir.join("state")
    }
    fn socket(&self) -> PathBuf {
        self.dir.join("sanso.sock")
    }
    fn conntrackd_conf(&self) -> PathBuf {
        self.dir.join("conntrackd.conf")
    }
    fn policy(&self) -> PathBuf {
        self.dir.join("policy.toml")
    }

    fn exec(&self, args: &[&str]) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.ns]).args(args);
        c.stdin(Stdio::null());
        c
    }

    fn spawn(&mut self, label: &str, args: &[&str]) {
        let log = std::fs::File::create(self.dir.join(format!("{label}.log"))).expect("log");
        let child = self
            .exec(args)
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        self.children.push(child);
    }

    fn start_keepalived(&mut self, label: &str) {
        let d = self.dir.display().to_string();
        self.spawn(
            label,
            &[
                "keepalived",
                "-n",
                "-l",
                "-P",
                "-D",
                "-f",
                &format!("{d}/keepalived.conf"),
                "-p",
                &format!("{d}/keepalived.pid"),
                "-r",
                &format!("{d}/vrrp.pid"),
            ],
        );
    }

    /// Stops keepalived (SIGTERM: it sends priority 0 on every link and
    /// removes its addresses) and waits until it has gone.
    fn stop_keepalived(&self) {
        let pid_file = self.dir.join("keepalived.pid");
        let pid: i32 = std::fs::read_to_string(&pid_file)
            .expect("keepalived.pid")
            .trim()
            .parse()
            .expect("a pid");
        // SAFETY: kill(2) on the keepalived this test started (its pid file).
        unsafe { libc::kill(pid, libc::SIGTERM) };
        wait_for("keepalived stopped", Duration::from_secs(10), || {
            !pid_file.exists()
        });
    }

    fn status(&self) -> serde_json::Value {
        let out = Command::new(env!("CARGO_BIN_EXE_sanso"))
            .args(["status", "--json", "--socket"])
            .arg(self.socket())
            .output()
            .expect("sanso status");
        serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
    }

    fn role(&self) -> Option<String> {
        sanso_daemon::ha::read_role(&self.state()).map(|r| r.role)
    }

    fn has_vip(&self) -> bool {
        let out = Command::new("ip")
            .args(["-n", &self.ns, "-4", "addr", "show", "dev", "lan0"])
            .output()
            .expect("ip addr");
        String::from_utf8_lossy(&out.stdout).contains("10.0.1.1/24")
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        for child in &mut self.children {
            // SIGTERM first (keepalived removes its addresses), then kill.
            if let Ok(pid) = i32::try_from(child.id()) {
                // SAFETY: kill(2) on our own child's pid.
                unsafe { libc::kill(pid, libc::SIGTERM) };
            }
        }
        thread::sleep(Duration::from_millis(300));
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        // conntrackd was started with -d (it forks): stop it by its socket.
        let _ = self
            .exec(&[
                "conntrackd",
                "-C",
                &self.conntrackd_conf().display().to_string(),
                "-k",
            ])
            .output();
    }
}

/// A TCP client sending a counter every 20 ms and reading the echo.
struct Flow {
    stop: Arc<AtomicBool>,
    echoes: Arc<Mutex<Vec<Instant>>>,
    error: Arc<Mutex<Option<String>>>,
    sent: Arc<AtomicU64>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Flow {
    fn start(mut stream: TcpStream) -> Flow {
        let stop = Arc::new(AtomicBool::new(false));
        let echoes = Arc::new(Mutex::new(Vec::new()));
        let error = Arc::new(Mutex::new(None));
        let sent = Arc::new(AtomicU64::new(0));
        let (s, e, err, n) = (stop.clone(), echoes.clone(), error.clone(), sent.clone());
        let thread = thread::spawn(move || {
            stream
                .set_read_timeout(Some(Duration::from_secs(30)))
                .expect("timeout");
            let mut buf = [0u8; 8];
            let mut i = 0u64;
            while !s.load(Ordering::Relaxed) {
                i += 1;
                let result = stream
                    .write_all(&i.to_be_bytes())
                    .and_then(|()| stream.read_exact(&mut buf));
                match result {
                    Ok(()) if u64::from_be_bytes(buf) == i => {
                        n.store(i, Ordering::Relaxed);
                        e.lock().expect("lock").push(Instant::now());
                    }
                    Ok(()) => {
                        *err.lock().expect("lock") =
                            Some(format!("echo {} for {i}", u64::from_be_bytes(buf)));
                        return;
                    }
                    Err(x) => {
                        *err.lock().expect("lock") = Some(format!("after {i} round trips: {x}"));
                        return;
                    }
                }
                thread::sleep(Duration::from_millis(20));
            }
        });
        Flow {
            stop,
            echoes,
            error,
            sent,
            thread: Some(thread),
        }
    }

    /// How long after `t` the echoes resumed after their longest pause.
    fn resumed_after(&self, t: Instant) -> Option<Duration> {
        resumed_after(&self.echoes.lock().expect("lock"), t)
    }

    fn longest_pause_after(&self, t: Instant) -> Duration {
        longest_pause_after(&self.echoes.lock().expect("lock"), t)
    }

    fn check(&self) {
        if let Some(e) = self.error.lock().expect("lock").as_ref() {
            panic!("the TCP connection broke: {e}");
        }
    }

    fn count(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
}

impl Drop for Flow {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Pings from the client every 50 ms; the instants of the replies.
struct Pinger {
    child: Child,
    replies: Arc<Mutex<Vec<Instant>>>,
}

impl Pinger {
    fn start(ns: &str) -> Pinger {
        let mut child = Command::new("ip")
            .args([
                "netns",
                "exec",
                ns,
                "ping",
                "-n",
                "-i",
                "0.05",
                "-W",
                "1",
                "10.0.2.10",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("ping");
        let out = child.stdout.take().expect("stdout");
        let replies = Arc::new(Mutex::new(Vec::new()));
        let r = replies.clone();
        thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                if line.contains("bytes from") {
                    r.lock().expect("lock").push(Instant::now());
                }
            }
        });
        Pinger { child, replies }
    }

    fn resumed_after(&self, t: Instant) -> Option<Duration> {
        resumed_after(&self.replies.lock().expect("lock"), t)
    }

    fn longest_pause_after(&self, t: Instant) -> Duration {
        longest_pause_after(&self.replies.lock().expect("lock"), t)
    }
}

impl Drop for Pinger {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The end of the longest pause between consecutive instants from `t` on
/// (the one before `t` included), measured from `t`: when packets flowed
/// again after a failover at `t`. A reply in flight at `t` does not count.
fn resumed_after(instants: &[Instant], t: Instant) -> Option<Duration> {
    let from = instants.iter().rposition(|i| *i <= t).unwrap_or(0);
    instants
        .get(from..)?
        .windows(2)
        .max_by_key(|w| w[1].duration_since(w[0]))
        .map(|w| w[1].saturating_duration_since(t))
}

/// The longest pause between consecutive instants from `t` on (the one
/// before `t` included, and now after the last).
fn longest_pause_after(instants: &[Instant], t: Instant) -> Duration {
    let from = instants.iter().rposition(|i| *i <= t).unwrap_or(0);
    let mut all: Vec<Instant> = instants.get(from..).unwrap_or_default().to_vec();
    all.push(Instant::now());
    all.windows(2)
        .map(|w| w[1].duration_since(w[0]))
        .max()
        .unwrap_or_default()
}

fn echo_server(ns: &Netns) -> TcpListener {
    let listener = ns
        .run(|| TcpListener::bind("10.0.2.10:8080"))
        .expect("netns")
        .expect("bind");
    let l = listener.try_clone().expect("clone");
    thread::spawn(move || {
        for stream in l.incoming() {
            let Ok(mut s) = stream else { return };
            thread::spawn(move || {
                let mut buf = [0u8; 8];
                while s.read_exact(&mut buf).is_ok() {
                    if s.write_all(&buf).is_err() {
                        return;
                    }
                }
            });
        }
    });
    listener
}

/// A failover to B caused by `cause`: B master, the connection's data
/// flowing through B, its entry in B's table; the time from the cause to
/// the first packet through B printed and under 3 s.
fn failover(b: &Node, flow: &Flow, pinger: &Pinger, how: &str, cause: impl FnOnce()) {
    let before = flow.count();
    let t0 = Instant::now();
    cause();
    wait_for("B master", Duration::from_secs(15), || {
        b.role().as_deref() == Some("master")
    });
    wait_for("data flowing through B", Duration::from_secs(20), || {
        flow.count() > before + 20
    });
    flow.check();
    let ping = pinger
        .resumed_after(t0)
        .expect("a ping reply after the failover");
    let tcp = flow.resumed_after(t0).expect("an echo after the failover");
    eprintln!(
        "ha failover ({how}, advert_int 1 s): packets flowed again (through B) {} ms after it (pings every 50 ms; their longest pause {} ms); the TCP connection's data {} ms after it (longest pause {} ms)",
        ping.as_millis(),
        pinger.longest_pause_after(t0).as_millis(),
        tcp.as_millis(),
        flow.longest_pause_after(t0).as_millis()
    );
    assert!(
        ping < Duration::from_secs(3),
        "failover ({how}) took {ping:?}: the target is under 3 s"
    );
    let out = b
        .exec(&[
            "conntrackd",
            "-C",
            &b.conntrackd_conf().display().to_string(),
            "-i",
        ])
        .output()
        .expect("conntrackd -i");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("dport=8080"),
        "the connection is in B's kernel table (its internal cache after -R)"
    );
}

/// A failback to A caused by `cause` (A preempts): A master and B backup
/// again, the connection's data flowing; how long A took and the longest
/// pause of the pings and the data printed.
fn failback(a: &Node, b: &Node, flow: &Flow, pinger: &Pinger, how: &str, cause: impl FnOnce()) {
    let before = flow.count();
    let t1 = Instant::now();
    cause();
    let master = wait_for("A master again", Duration::from_secs(20), || {
        a.role().as_deref() == Some("master") && a.has_vip()
    });
    wait_for("B backup again", Duration::from_secs(20), || {
        b.role().as_deref() == Some("backup")
    });
    wait_for(
        "data flowing after failback",
        Duration::from_secs(20),
        || flow.count() > before + 20,
    );
    flow.check();
    eprintln!(
        "ha failback ({how}, A preempts): A master again after {} ms; the longest pause since then: pings {} ms, the TCP connection's data {} ms",
        master.as_millis(),
        pinger.longest_pause_after(t1).as_millis(),
        flow.longest_pause_after(t1).as_millis()
    );
}

#[test]
fn a_tcp_connection_survives_failover_and_failback_and_both_nodes_see_a_policy_mismatch() {
    if !sanso_testkit::root("network namespaces, keepalived and conntrackd") {
        return;
    }
    if !found("keepalived") || !found("conntrackd") {
        sanso_testkit::skip("keepalived and conntrackd (apt-get install keepalived conntrackd; scripts/dev setup installs them)");
        return;
    }
    let id = RunId::next();
    let sw = Netns::create(&id.namespace_name("sw")).expect("sw");
    let client = Netns::create(&id.namespace_name("c")).expect("c");
    let server = Netns::create(&id.namespace_name("s")).expect("s");
    let ns_a = Netns::create(&id.namespace_name("a")).expect("a");
    let ns_b = Netns::create(&id.namespace_name("b")).expect("b");
    // SANSO_HA_E2E_KEEP=1 keeps the files and the programs' logs.
    let keep = std::env::var_os("SANSO_HA_E2E_KEEP").is_some();
    let tmp = tempfile::Builder::new()
        .prefix("sanso-ha-e2e")
        .disable_cleanup(keep)
        .tempdir()
        .expect("tmp");
    if keep {
        eprintln!("ha e2e: files and logs kept in {}", tmp.path().display());
    }

    // Bridges in sw; each namespace plugged in by a veth pair.
    ip(sw.name(), "link add brl type bridge");
    ip(sw.name(), "link add brr type bridge");
    ip(sw.name(), "link set brl up");
    ip(sw.name(), "link set brr up");
    let plug = |port: &str, ns: &Netns, dev: &str, bridge: &str| {
        ip(
            sw.name(),
            &format!(
                "link add {port} type veth peer name {dev} netns {}",
                ns.name()
            ),
        );
        ip(sw.name(), &format!("link set {port} master {bridge} up"));
        ip(ns.name(), &format!("link set {dev} up"));
        ip(ns.name(), "link set lo up");
    };
    plug("vc0", &client, "eth0", "brl");
    plug("va1", &ns_a, "lan0", "brl");
    plug("vb1", &ns_b, "lan0", "brl");
    plug("vs0", &server, "eth0", "brr");
    plug("va2", &ns_a, "wan0", "brr");
    plug("vb2", &ns_b, "wan0", "brr");
    ip(
        ns_a.name(),
        &format!(
            "link add sync0 type veth peer name sync0 netns {}",
            ns_b.name()
        ),
    );
    ip(ns_a.name(), "link set sync0 up");
    ip(ns_b.name(), "link set sync0 up");
    ip(client.name(), "addr add 10.0.1.10/24 dev eth0");
    ip(client.name(), "route add default via 10.0.1.1");
    ip(server.name(), "addr add 10.0.2.10/24 dev eth0");
    ip(server.name(), "route add default via 10.0.2.1");
    for (ns, n) in [(&ns_a, 2), (&ns_b, 3)] {
        ip(ns.name(), &format!("addr add 10.0.1.{n}/24 dev lan0"));
        ip(ns.name(), &format!("addr add 10.0.2.{n}/24 dev wan0"));
        ip(
            ns.name(),
            &format!("addr add 192.168.255.{}/30 dev sync0", n - 1),
        );
        run(&[
            "ip",
            "netns",
            "exec",
            ns.name(),
            "sysctl",
            "-qw",
            "net.ipv4.ip_forward=1",
        ]);
    }

    let key = tmp.path().join("ha.key");
    std::fs::write(&key, b"0123456789abcdef0123456789abcdef").expect("key");
    let ha_file = tmp.path().join("ha.toml");
    std::fs::write(&ha_file, ha_toml(&key)).expect("ha.toml");
    let sanso = env!("CARGO_BIN_EXE_sanso");
    let mut nodes = Vec::new();
    for (name, ns) in [("gw-a", &ns_a), ("gw-b", &ns_b)] {
        let dir = tmp.path().join(name);
        std::fs::create_dir_all(&dir).expect("dir");
        let mut node = Node {
            name,
            ns: ns.name().to_owned(),
            dir,
            children: Vec::new(),
        };
        std::fs::write(node.policy(), policy("1", false)).expect("policy");
        let d = node.dir.display().to_string();
        run(&[
            sanso,
            "ha",
            "render",
            &ha_file.display().to_string(),
            "--node",
            name,
            "-o",
            &d,
            "--sanso",
            sanso,
            "--state-dir",
            &node.state().display().to_string(),
            "--conntrackd-config",
            &node.conntrackd_conf().display().to_string(),
            "--conntrackd-socket",
            &format!("{d}/conntrackd.ctl"),
            "--conntrackd-lock",
            &format!("{d}/conntrackd.lock"),
        ]);
        // The rendered files load with the real programs.
        let test = node
            .exec(&["keepalived", "-t", "-f", &format!("{d}/keepalived.conf")])
            .output()
            .expect("keepalived -t");
        assert!(
            test.status.success(),
            "keepalived -t: {}",
            String::from_utf8_lossy(&test.stderr)
        );
        let started = node
            .exec(&[
                "conntrackd",
                "-C",
                &node.conntrackd_conf().display().to_string(),
                "-d",
            ])
            .output()
            .expect("conntrackd -d");
        assert!(
            started.status.success(),
            "conntrackd -d: {}",
            String::from_utf8_lossy(&started.stderr)
        );
        let policy_path = node.policy().display().to_string();
        let state = node.state().display().to_string();
        let socket = node.socket().display().to_string();
        node.spawn(
            "daemon",
            &[
                sanso,
                "daemon",
                "--policy",
                &policy_path,
                "--state-dir",
                &state,
                "--socket",
                &socket,
                "--ha",
                &ha_file.display().to_string(),
                "--node",
                name,
                "--watch-interval",
                "1s",
                "--drift-interval",
                "2s",
            ],
        );
        nodes.push(node);
    }
    for node in &nodes {
        wait_for(
            &format!("{}'s daemon", node.name),
            Duration::from_secs(20),
            || node.status()["policy"]["revision"] == "1",
        );
    }
    for node in &mut nodes {
        // The relay hands the peer's resignation of one instance to the
        // others (priority 0 on the links it still has), so that the sync
        // group moves after the skew time, not 3 advertisement intervals.
        let name = node.name;
        node.spawn(
            "relay",
            &[
                sanso,
                "ha",
                "relay",
                &ha_file.display().to_string(),
                "--node",
                name,
            ],
        );
        node.start_keepalived("keepalived");
    }
    let (a, b) = (&nodes[0], &nodes[1]);
    wait_for(
        "A master with the virtual addresses",
        Duration::from_secs(20),
        || a.role().as_deref() == Some("master") && a.has_vip(),
    );
    wait_for("B backup", Duration::from_secs(20), || {
        b.role().as_deref() == Some("backup")
    });

    // A connection through A, data flowing.
    let _listener = echo_server(&server);
    let stream = client
        .run(|| {
            TcpStream::connect_timeout(
                &SocketAddr::from(([10, 0, 2, 10], 8080)),
                Duration::from_secs(5),
            )
        })
        .expect("netns")
        .expect("connect through A");
    let flow = Flow::start(stream);
    let pinger = Pinger::start(client.name());
    wait_for("data flowing through A", Duration::from_secs(10), || {
        flow.count() > 20
    });
    // Its entry reached B's external cache over the sync link.
    let b_conf = b.conntrackd_conf().display().to_string();
    wait_for(
        "the connection in B's external cache",
        Duration::from_secs(10),
        || {
            let out = b
                .exec(&["conntrackd", "-C", &b_conf, "-e"])
                .output()
                .expect("conntrackd -e");
            String::from_utf8_lossy(&out.stdout).contains("dport=8080")
        },
    );

    // Failover and failback: A's uplink down and up, then keepalived on A
    // stopped and started again.
    failover(b, &flow, &pinger, "A's uplink down", || {
        ip(ns_a.name(), "link set wan0 down")
    });
    failback(a, b, &flow, &pinger, "A's uplink up", || {
        ip(ns_a.name(), "link set wan0 up")
    });
    failover(b, &flow, &pinger, "keepalived on A stopped", || {
        a.stop_keepalived()
    });
    // keepalived's notify_stop recorded it.
    wait_for("A's role stop", Duration::from_secs(5), || {
        a.role().as_deref() == Some("stop")
    });
    nodes[0].start_keepalived("keepalived-again");
    let (a, b) = (&nodes[0], &nodes[1]);
    failback(a, b, &flow, &pinger, "keepalived on A started again", || {});

    // Both nodes enforce what they applied, and see the same policy.
    for node in [a, b] {
        wait_for(
            &format!("{}: drift checked and policies matching", node.name),
            Duration::from_secs(10),
            || {
                let s = node.status();
                s["drift"] == "in-sync" && s["ha"]["policy"] == "match"
            },
        );
    }

    // A policy changed on A only: both show the mismatch within one check interval.
    let next = a.dir.join("policy.next");
    std::fs::write(&next, policy("2", true)).expect("policy 2");
    std::fs::rename(&next, a.policy()).expect("replace");
    wait_for("A applying revision 2", Duration::from_secs(15), || {
        a.status()["policy"]["revision"] == "2"
    });
    let t2 = Instant::now();
    for node in [a, b] {
        let took = wait_for(
            &format!("{} showing the mismatch", node.name),
            Duration::from_secs(10),
            || node.status()["ha"]["policy"] == "mismatch",
        );
        let since = t2.elapsed();
        eprintln!(
            "ha mismatch: {} shows it {} ms after A applied revision 2",
            node.name,
            since.as_millis()
        );
        assert!(
            took <= Duration::from_secs(CHECK_INTERVAL) + Duration::from_millis(700),
            "{} took {took:?}, more than one check interval",
            node.name
        );
    }
    // Lasting longer than one interval: an audit record on both nodes.
    for node in [a, b] {
        wait_for(
            &format!("{}'s ha-mismatch audit record", node.name),
            Duration::from_secs(3 * CHECK_INTERVAL + 2),
            || {
                std::fs::read_to_string(node.state().join("audit.jsonl"))
                    .is_ok_and(|log| log.contains("\"ha-mismatch\""))
            },
        );
        assert_eq!(node.status()["ha"]["mismatch_warned"], true);
    }
    let text = Command::new(sanso)
        .args(["status", "--socket"])
        .arg(b.socket())
        .output()
        .expect("status");
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(text.contains("ha role:      backup (node gw-b"), "{text}");
    assert!(text.contains("ha peer:      gw-a master rev 2"), "{text}");
    assert!(text.contains("ha policy:    mismatch"), "{text}");
    flow.check();
}

fn has_address(ns: &str, dev: &str, address: &str) -> bool {
    let out = Command::new("ip")
        .args(["-n", ns, "addr", "show", "dev", dev])
        .output()
        .expect("ip addr");
    String::from_utf8_lossy(&out.stdout).contains(address)
}

/// The relay across address families: lan0 advertises over IPv4 (VRRPv2),
/// wan0 is IPv6-only (VRRPv3 to ff02::12). A's lan0 down: its priority 0
/// arrives over IPv6 on wan0 and is handed over IPv4 to lan0; after A
/// preempts again, A's wan0 down: the other way round. Both under 3 s
/// (without the relay, 2.6 to 3.6 s). keepalived only: no daemon, no
/// conntrackd, no traffic.
#[test]
fn the_relay_hands_a_resignation_between_vrrp_over_ipv4_and_over_ipv6() {
    if !sanso_testkit::root("network namespaces and keepalived") {
        return;
    }
    if !found("keepalived") {
        sanso_testkit::skip(
            "keepalived (apt-get install keepalived; scripts/dev setup installs it)",
        );
        return;
    }
    let id = RunId::next();
    let sw = Netns::create(&id.namespace_name("sw6")).expect("sw");
    let ns_a = Netns::create(&id.namespace_name("a6")).expect("a");
    let ns_b = Netns::create(&id.namespace_name("b6")).expect("b");
    let tmp = tempfile::tempdir().expect("tmp");
    for ns in [&sw, &ns_a, &ns_b] {
        // No duplicate address detection: addresses usable at once.
        run(&[
            "ip",
            "netns",
            "exec",
            ns.name(),
            "sysctl",
            "-qw",
            "net.ipv6.conf.all.accept_dad=0",
            "net.ipv6.conf.default.accept_dad=0",
        ]);
        ip(ns.name(), "link set lo up");
    }
    ip(sw.name(), "link add brl type bridge");
    ip(sw.name(), "link add brr type bridge");
    ip(sw.name(), "link set brl up");
    ip(sw.name(), "link set brr up");
    for (port, ns, dev, bridge) in [
        ("va1", &ns_a, "lan0", "brl"),
        ("vb1", &ns_b, "lan0", "brl"),
        ("va2", &ns_a, "wan0", "brr"),
        ("vb2", &ns_b, "wan0", "brr"),
    ] {
        ip(
            sw.name(),
            &format!(
                "link add {port} type veth peer name {dev} netns {}",
                ns.name()
            ),
        );
        ip(sw.name(), &format!("link set {port} master {bridge} up"));
        ip(ns.name(), &format!("link set {dev} up"));
    }
    for (ns, n) in [(&ns_a, 2), (&ns_b, 3)] {
        ip(ns.name(), &format!("addr add 10.0.1.{n}/24 dev lan0"));
        ip(ns.name(), &format!("addr add fd00:2::{n}/64 dev wan0"));
    }
    let ha_file = tmp.path().join("ha.toml");
    std::fs::write(
        &ha_file,
        r#"
[sync]
interface = "sync0"
key_file = "/nonexistent/ha.key"

[virtual.lan0]
router_id = 51
addresses = ["10.0.1.1/24"]

[virtual.wan0]
router_id = 52
addresses = ["fd00:2::1/64"]

[nodes.gw-a]
priority = 150
sync_address = "192.168.255.1"

[nodes.gw-b]
priority = 100
sync_address = "192.168.255.2"
"#,
    )
    .expect("ha.toml");
    let sanso = env!("CARGO_BIN_EXE_sanso");
    let mut nodes = Vec::new();
    for (name, ns) in [("gw-a", &ns_a), ("gw-b", &ns_b)] {
        let dir = tmp.path().join(name);
        let d = dir.display().to_string();
        let mut node = Node {
            name,
            ns: ns.name().to_owned(),
            dir,
            children: Vec::new(),
        };
        // The notify does nothing here (/bin/true): no conntrackd.
        run(&[
            sanso,
            "ha",
            "render",
            &ha_file.display().to_string(),
            "--node",
            name,
            "-o",
            &d,
            "--sanso",
            "/bin/true",
            "--state-dir",
            &format!("{d}/state"),
            "--conntrackd-config",
            &format!("{d}/conntrackd.conf"),
            "--conntrackd-socket",
            &format!("{d}/conntrackd.ctl"),
            "--conntrackd-lock",
            &format!("{d}/conntrackd.lock"),
        ]);
        node.spawn(
            "relay",
            &[
                sanso,
                "ha",
                "relay",
                &ha_file.display().to_string(),
                "--node",
                name,
            ],
        );
        node.start_keepalived("keepalived");
        nodes.push(node);
    }
    let (a, b) = (&nodes[0], &nodes[1]);
    let a_master =
        || has_address(&a.ns, "lan0", "10.0.1.1/24") && has_address(&a.ns, "wan0", "fd00:2::1/64");
    let b_master =
        || has_address(&b.ns, "lan0", "10.0.1.1/24") && has_address(&b.ns, "wan0", "fd00:2::1/64");
    for (down, how) in [("lan0", "over IPv6 to IPv4"), ("wan0", "over IPv4 to IPv6")] {
        wait_for("A master", Duration::from_secs(20), a_master);
        // A's next advertisement has gone out on both links.
        thread::sleep(Duration::from_millis(1200));
        let t0 = Instant::now();
        ip(&a.ns, &format!("link set {down} down"));
        let took = wait_for("B master", Duration::from_secs(10), b_master);
        eprintln!(
            "ha relay ({how}): A's {down} down, B master with both addresses after {} ms",
            took.as_millis()
        );
        assert!(
            t0.elapsed() < Duration::from_secs(3),
            "B took {took:?} (A's {down} down): the relay should hand the resignation {how}"
        );
        ip(&a.ns, &format!("link set {down} up"));
    }
    let log = std::fs::read_to_string(b.dir.join("relay.log")).expect("relay.log");
    assert!(
        log.contains("resigned vrid 52: handed to vrid 51 on lan0")
            && log.contains("resigned vrid 51: handed to vrid 52 on wan0"),
        "{log}"
    );
}
