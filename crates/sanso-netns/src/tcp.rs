//! Real TCP clients and servers for the kernel tests: kernel sockets on
//! threads inside a topology's namespaces ([`Netns::spawn`]) exchanging
//! byte patterns through the gateway, so that a test sees what an
//! application would see: whether a new connection opens, whether one
//! opened earlier still passes, and when it stopped passing.
//!
//! The connection tests of this crate (`tests/lifetime.rs`,
//! `tests/isolation.rs`) and the isolation end-to-end test of the `sanso`
//! binary share it, and most of them the fixture at the top: an office zone
//! behind `lg0` and a server zone behind `lg1`, a client and a server
//! address in each family ([`office_and_servers`], [`topology`]).
//!
//! Every wait is bounded: connects, reads and writes have timeouts, loops
//! have deadlines and channels are read with a timeout. A server ends at its
//! deadline, when its peer closes, or (an [`echo_service`]) when the test
//! sets its stop flag; a [`Held`] connection's thread ends when it is
//! dropped. What cannot be set up (a bind, a connect that a test needs, a
//! thread) is a [`HarnessError::Client`]; a connection that does not pass is
//! an outcome (`false`, fewer bytes back), not an error.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sanso_i18n::t;
use sanso_policy::Policy;

use crate::client::start_server;
use crate::netns::{InNetns, Netns};
use crate::{HarnessError, Probe, ProbeDst, ProbeL4, Topology};

// ---- the fixture: an office and its server ----

/// The office's client (zone `office`, behind `lg0`), IPv4.
pub const CLIENT_V4: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 20, 0, 5));
/// The server (host `server` of zone `servers`, behind `lg1`), IPv4.
pub const SERVER_V4: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 21, 0, 10));
/// The office's client, IPv6.
pub const CLIENT_V6: IpAddr = IpAddr::V6(Ipv6Addr::new(0xfd00, 0x20, 0, 0, 0, 0, 0, 5));
/// The server, IPv6.
pub const SERVER_V6: IpAddr = IpAddr::V6(Ipv6Addr::new(0xfd00, 0x21, 0, 0, 0, 0, 0, 0x10));
/// The client and the server of each family, IPv4 first.
pub const FAMILIES: [(IpAddr, IpAddr); 2] = [(CLIENT_V4, SERVER_V4), (CLIENT_V6, SERVER_V6)];

/// Policy text of the fixture's zones and host: `office` (lgwan, `lg0`,
/// 10.20.0.0/16 and fd00:20::/48), `servers` (lgwan, `lg1`, 10.21.0.0/16
/// and fd00:21::/48) and the host `server` at [`SERVER_V4`] and
/// [`SERVER_V6`]. A test writes its `[policy]` table before it and its flows
/// (and any further zone) after it.
pub fn office_and_servers() -> String {
    format!(
        r#"
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
addresses = ["{SERVER_V4}", "{SERVER_V6}"]
"#
    )
}

/// The topology of `policy` (the fixture's zones) with the client and the
/// server of both families in place: the clients on the peer behind `lg0`,
/// the servers on the peer behind `lg1`. The probes only place the
/// addresses; nothing is sent.
pub fn topology(policy: &Policy) -> Result<Topology, HarnessError> {
    let probes: Vec<Probe> = FAMILIES
        .iter()
        .map(|&(src, dst)| Probe {
            iif: None,
            src,
            dst: ProbeDst::Addr(dst),
            l4: ProbeL4::Tcp(1),
        })
        .collect();
    Topology::build(policy, &probes)
}

/// The peer namespace behind the gateway's interface `interface`: where a
/// client or server of that interface's zone runs.
pub fn peer<'t>(topo: &'t Topology, interface: &str) -> Option<&'t Netns> {
    let i = topo
        .spec()
        .links
        .iter()
        .position(|l| l.interface == interface)?;
    topo.peers().get(i)
}

/// The gateway's own addresses on `interface`, IPv4 then IPv6: what a
/// client behind that interface connects to for a flow to `self`.
pub fn gateway_addresses(topo: &Topology, interface: &str) -> Option<[IpAddr; 2]> {
    let link = topo
        .spec()
        .links
        .iter()
        .find(|l| l.interface == interface)?;
    Some([IpAddr::V4(link.gateway_v4), IpAddr::V6(link.gateway_v6)])
}

// ---- exchanges ----

/// How long a client waits for its connection to open.
const CONNECT_WAIT: Duration = Duration::from_secs(2);

/// How long a caller waits for a thread to say that it listens or is
/// connected, and for a result beyond the exchange's own wait.
const READY_WAIT: Duration = Duration::from_secs(5);

/// The read timeout of every socket here: how often a loop looks at its
/// deadline and stop flag.
const POLL: Duration = Duration::from_millis(50);

/// How long [`new_connections`] gives a connection to open, and then its
/// exchange to come back.
const NEW_CONNECTION_WAIT: Duration = Duration::from_millis(1500);

/// A [`Held`] connection that its owner neither uses nor drops for this long
/// closes: a bound on the thread, not a feature.
const HELD_IDLE: Duration = Duration::from_secs(300);

/// Milliseconds since the Unix epoch (0 before it): the clock of [`Try`],
/// comparable with the instants a test computes (a flow's `until`).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// `len` bytes that differ with `seed`: each round of a test sends other
/// bytes, so a late echo of an earlier round never passes for this one.
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

/// Sends `data` on `stream` and reads until as many bytes came back, the
/// peer closed, or `wait` passed; returns what came back (`== data` means
/// the round trip passed). Sets the stream's timeouts: when they cannot be
/// set, nothing is sent and nothing comes back.
pub fn exchange(stream: &mut TcpStream, data: &[u8], wait: Duration) -> Vec<u8> {
    if stream.set_read_timeout(Some(POLL)).is_err()
        || stream.set_write_timeout(Some(wait)).is_err()
        || stream.write_all(data).is_err()
    {
        return Vec::new();
    }
    let start = Instant::now();
    let mut back = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    while back.len() < data.len() && start.elapsed() < wait {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => back.extend_from_slice(&buf[..n]),
            Err(e) if is_timeout(&e) => {}
            Err(_) => break,
        }
    }
    back
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

// ---- servers ----

/// A non-blocking listener on `addr`, so that accepting can watch a deadline.
pub(crate) fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let listener = TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// The next connection on a non-blocking `listener`, or `None` once `until`
/// passed (or accepting failed).
pub(crate) fn accept_until(listener: &TcpListener, until: Instant) -> Option<TcpStream> {
    loop {
        match listener.accept() {
            Ok((stream, _)) => return Some(stream),
            Err(e) if e.kind() == ErrorKind::WouldBlock && Instant::now() < until => {
                thread::sleep(Duration::from_millis(5));
            }
            Err(_) => return None,
        }
    }
}

/// Echoes what `stream` receives until the peer closes, `until` passes or
/// `stop` is set; returns what it received, in order.
fn echo(mut stream: TcpStream, until: Instant, stop: Option<&AtomicBool>) -> Vec<u8> {
    let mut got = Vec::new();
    let left = until.saturating_duration_since(Instant::now());
    if left.is_zero()
        || stream.set_nonblocking(false).is_err()
        || stream.set_read_timeout(Some(POLL)).is_err()
        || stream.set_write_timeout(Some(left)).is_err()
    {
        return got;
    }
    let stopped = || stop.is_some_and(|s| s.load(Ordering::Relaxed));
    let mut buf = [0u8; 16 * 1024];
    while Instant::now() < until && !stopped() {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                got.extend_from_slice(&buf[..n]);
                if stream.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            Err(e) if is_timeout(&e) => {}
            Err(_) => break,
        }
    }
    got
}

/// An echo server in `ns` on `addr` for one connection: it accepts the
/// first that comes and echoes it until the client closes, all within
/// `life`. Yields the bytes it received, in order (none when no connection
/// came). Returns once it listens.
pub fn echo_once(
    ns: &Netns,
    addr: SocketAddr,
    life: Duration,
) -> Result<InNetns<Vec<u8>>, HarnessError> {
    let until = Instant::now() + life;
    start_server(
        ns,
        addr,
        move || listen(addr),
        move |listener| {
            accept_until(&listener, until)
                .map(|stream| echo(stream, until, None))
                .unwrap_or_default()
        },
    )
}

/// An echo service in `ns` on `addr`: it accepts every connection that comes
/// until `life` passed or `stop` is set, and echoes each on a thread of its
/// own (which ends then too, or when its client closes). Yields how many it
/// accepted. Returns once it listens.
///
/// `stop` is how a test ends its services: set it, then join them.
pub fn echo_service(
    ns: &Netns,
    addr: SocketAddr,
    life: Duration,
    stop: &Arc<AtomicBool>,
) -> Result<InNetns<usize>, HarnessError> {
    let until = Instant::now() + life;
    let stop = Arc::clone(stop);
    start_server(
        ns,
        addr,
        move || listen(addr),
        move |listener| {
            let mut accepted = 0;
            while Instant::now() < until && !stop.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        accepted += 1;
                        let stop = Arc::clone(&stop);
                        // A thread spawned here is in this namespace too. If
                        // none can be spawned, the connection just closes.
                        let _ = thread::Builder::new()
                            .name(format!("echo {addr}"))
                            .spawn(move || echo(stream, until, Some(&stop)));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
            accepted
        },
    )
}

// ---- clients ----

/// Whether a new connection from each namespace to its address opens and
/// carries a 64-byte exchange; all are tried at once, each given 1.5 s to
/// open and 1.5 s for the exchange. In the order of `tries`.
pub fn new_connections(tries: &[(&Netns, SocketAddr)]) -> Result<Vec<bool>, HarnessError> {
    let handles = tries
        .iter()
        .map(|&(ns, to)| {
            ns.spawn(move || {
                let Ok(mut stream) = TcpStream::connect_timeout(&to, NEW_CONNECTION_WAIT) else {
                    return false;
                };
                let data = pattern(64, 42);
                exchange(&mut stream, &data, NEW_CONNECTION_WAIT) == data
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    handles.into_iter().map(InNetns::join).collect()
}

/// A round for a [`Held`] connection: the bytes to send and how long they
/// may take to come back.
type Round = (Arc<[u8]>, Duration);

/// A connection held open by a thread in a namespace, exchanged on in
/// rounds at the test's pace ([`exchanges`], [`rounds`]): whether a
/// connection opened before a change (an apply, an isolation) still passes
/// after it. Dropping it closes the connection and ends its thread.
#[derive(Debug)]
pub struct Held {
    label: String,
    rounds: mpsc::Sender<Round>,
    results: mpsc::Receiver<Vec<u8>>,
    _thread: InNetns<()>,
}

impl Held {
    /// Opens a connection from `ns` to `to` (within 2 s); `label` names it
    /// in errors. Not opening is an error: a held connection is set up
    /// while the policy allows it.
    pub fn open(label: &str, ns: &Netns, to: SocketAddr) -> Result<Held, HarnessError> {
        let (rounds, round_rx) = mpsc::channel::<Round>();
        let (result_tx, results) = mpsc::channel();
        let (ready_tx, ready_rx) = mpsc::channel();
        let thread = ns.spawn(move || {
            let Ok(mut stream) = TcpStream::connect_timeout(&to, CONNECT_WAIT) else {
                let _ = ready_tx.send(false);
                return;
            };
            let _ = ready_tx.send(true);
            // Ends when the `Held` drops (the sender with it), or when idle.
            while let Ok((data, wait)) = round_rx.recv_timeout(HELD_IDLE) {
                if result_tx.send(exchange(&mut stream, &data, wait)).is_err() {
                    return;
                }
            }
        })?;
        let label = format!("{label} ({to})");
        if !ready_rx.recv_timeout(READY_WAIT).unwrap_or(false) {
            return Err(HarnessError::Client(t!(
                "netns-client-could-not-connect",
                label = &label
            )));
        }
        Ok(Held {
            label,
            rounds,
            results,
            _thread: thread,
        })
    }

    /// One held connection from `ns` to each of `to`, in order
    /// ([`Held::open`]).
    pub fn open_each(
        label: &str,
        ns: &Netns,
        to: &[SocketAddr],
    ) -> Result<Vec<Held>, HarnessError> {
        to.iter().map(|&to| Held::open(label, ns, to)).collect()
    }

    /// The label given to [`Held::open`], with the address.
    pub fn label(&self) -> &str {
        &self.label
    }
}

/// One round on every connection at once: each sends `data`; what came back
/// on each within `wait`, in the order of `held`. After an error the
/// connections may be out of step (a late result): drop them.
pub fn exchanges(
    held: &[&Held],
    data: &[u8],
    wait: Duration,
) -> Result<Vec<Vec<u8>>, HarnessError> {
    let data: Arc<[u8]> = Arc::from(data);
    for h in held {
        h.rounds
            .send((Arc::clone(&data), wait))
            .map_err(|_| HarnessError::Client(t!("netns-client-thread-ended", label = &h.label)))?;
    }
    held.iter()
        .map(|h| {
            h.results.recv_timeout(wait + READY_WAIT).map_err(|_| {
                HarnessError::Client(t!(
                    "netns-client-no-result",
                    label = &h.label,
                    wait = format!("{:?}", wait + READY_WAIT)
                ))
            })
        })
        .collect()
}

/// One round on every connection at once ([`exchanges`]): which came back
/// whole within `wait`.
pub fn rounds(held: &[&Held], data: &[u8], wait: Duration) -> Result<Vec<bool>, HarnessError> {
    Ok(exchanges(held, data, wait)?
        .into_iter()
        .map(|back| back == *data)
        .collect())
}

/// One exchange of a watched connection: when it started and ended
/// ([`now_ms`]) and whether the bytes came back whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Try {
    pub start_ms: i64,
    pub end_ms: i64,
    pub ok: bool,
}

/// How [`watch`] exercises its connection.
#[derive(Clone, Copy, Debug)]
pub struct Watch {
    /// Bytes per exchange.
    pub size: usize,
    /// How long each exchange may take.
    pub wait: Duration,
    /// The pause after an exchange that passed.
    pub pause: Duration,
    /// Exchanges go on until one fails or this instant ([`now_ms`]) passed.
    pub until_ms: i64,
    /// Then one more exchange, later: whether the connection passes after
    /// all (or still passes).
    pub last: Option<LastTry>,
}

impl Watch {
    /// Watching for the instant a live connection is cut: 64 bytes every
    /// 20 ms, each given 250 ms, until one fails or `until_ms` passed.
    pub fn for_cut(until_ms: i64) -> Watch {
        Watch {
            size: 64,
            wait: Duration::from_millis(250),
            pause: Duration::from_millis(20),
            until_ms,
            last: None,
        }
    }
}

/// The exchange a [`Watch`] makes after the others.
#[derive(Clone, Copy, Debug)]
pub struct LastTry {
    /// Not before this instant ([`now_ms`]).
    pub at_ms: i64,
    /// How long it may take.
    pub wait: Duration,
}

/// A connection from `ns` to `to`, exchanged on as `how` says by a thread
/// of its own, which yields every [`Try`] in order. Returns once the
/// connection is open (within 2 s); not opening is an error.
pub fn watch(ns: &Netns, to: SocketAddr, how: Watch) -> Result<InNetns<Vec<Try>>, HarnessError> {
    let (ready_tx, ready_rx) = mpsc::channel();
    let handle = ns.spawn(move || {
        let mut tries = Vec::new();
        let Ok(mut stream) = TcpStream::connect_timeout(&to, CONNECT_WAIT) else {
            let _ = ready_tx.send(false);
            return tries;
        };
        let _ = ready_tx.send(true);
        let mut once = |seed: u8, wait: Duration| {
            let data = pattern(how.size, seed);
            let start_ms = now_ms();
            let ok = exchange(&mut stream, &data, wait) == data;
            Try {
                start_ms,
                end_ms: now_ms(),
                ok,
            }
        };
        let mut seed = 0u8;
        while now_ms() < how.until_ms {
            seed = seed.wrapping_add(1);
            let t = once(seed, how.wait);
            tries.push(t);
            if !t.ok {
                break;
            }
            thread::sleep(how.pause);
        }
        if let Some(last) = how.last {
            let early = u64::try_from(last.at_ms - now_ms()).unwrap_or(0);
            thread::sleep(Duration::from_millis(early));
            tries.push(once(seed.wrapping_add(1), last.wait));
        }
        tries
    })?;
    if ready_rx.recv_timeout(READY_WAIT).unwrap_or(false) {
        Ok(handle)
    } else {
        Err(HarnessError::Client(t!(
            "netns-client-watched-could-not-connect",
            address = to.to_string()
        )))
    }
}

/// One watched connection from `ns` to each of `to`, in order ([`watch`]).
pub fn watch_each(
    ns: &Netns,
    to: &[SocketAddr],
    how: Watch,
) -> Result<Vec<InNetns<Vec<Try>>>, HarnessError> {
    to.iter().map(|&to| watch(ns, to, how)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixture_names_the_addresses_it_exports() {
        let text = office_and_servers();
        assert!(text.contains(r#"addresses = ["10.21.0.10", "fd00:21::10"]"#));
        assert_eq!(CLIENT_V6.to_string(), "fd00:20::5");
        assert_eq!(SERVER_V6.to_string(), "fd00:21::10");
    }

    #[test]
    fn patterns_differ_by_seed() {
        assert_eq!(pattern(4, 1), [1, 32, 63, 94]);
        assert_ne!(pattern(64, 1), pattern(64, 2));
    }
}
