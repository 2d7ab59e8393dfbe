//! Real clients through the gateway (`client = true` cases of `sanso test
//! --kernel`): kernel sockets in the topology's namespaces, not crafted
//! packets. A TCP case is a connection with 1 KB each way; a UDP case a
//! datagram and its answer. The answer comes back only as part of the
//! connection the ruleset let through (established), so a client case
//! checks the reply path too.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nix::sys::socket::{
    bind, connect, setsockopt, socket, sockopt, AddressFamily, SockFlag, SockType, SockaddrStorage,
};
use sanso_i18n::t;
use sanso_policy::Policy;

use crate::netns::{InNetns, Netns};
use crate::placement::PlacedProbe;
use crate::tcp::{accept_until, listen};
use crate::{
    ensure_privileged, CapturePoint, HarnessError, KernelVerdict, Probe, ProbeL4, Topology,
};

const PAYLOAD: usize = 1024;

/// Runs each probe (tcp or udp) as a real client exchange through the
/// compiled ruleset in a fresh topology; `wait` bounds each exchange.
pub fn run_clients(
    policy: &Policy,
    nft_text: &str,
    probes: &[Probe],
    wait: Duration,
) -> Result<Vec<KernelVerdict>, HarnessError> {
    ensure_privileged()?;
    if probes.is_empty() {
        return Ok(Vec::new());
    }
    let topo = Topology::build(policy, probes)?;
    topo.load_ruleset(nft_text)?;
    let spec = topo.spec();
    let mut verdicts = Vec::with_capacity(probes.len());
    for (i, p) in spec.probes.iter().enumerate() {
        let src_ns = &topo.peers()[p.iif];
        let dst_ns = match p.capture {
            CapturePoint::Gateway => topo.gateway(),
            CapturePoint::Unrouted => {
                verdicts.push(KernelVerdict::Drop);
                continue;
            }
            CapturePoint::Peer(_) => spec
                .links
                .iter()
                .position(|l| l.peer_addresses.contains(&p.dst))
                .map(|j| &topo.peers()[j])
                .ok_or_else(|| {
                    HarnessError::Client(t!(
                        "netns-client-no-namespace",
                        probe = i,
                        address = p.dst.to_string()
                    ))
                })?,
        };
        let ok = match p.l4 {
            ProbeL4::Tcp(port) => tcp_exchange(src_ns, dst_ns, p, port, wait)?,
            ProbeL4::Udp(port) => udp_exchange(src_ns, dst_ns, p, port, wait)?,
            ProbeL4::Icmp(_) => {
                return Err(HarnessError::Client(t!(
                    "netns-client-needs-tcp-or-udp",
                    probe = i
                )))
            }
        };
        verdicts.push(if ok {
            KernelVerdict::Accept
        } else {
            KernelVerdict::Drop
        });
    }
    Ok(verdicts)
}

/// The payload of a client case: [`PAYLOAD`] bytes that differ with `seed`.
fn pattern(seed: u8) -> Vec<u8> {
    crate::tcp::pattern(PAYLOAD, seed)
}

/// Starts a server thread in `ns`: `bind` there, tell the caller it is
/// listening, then `serve` and yield its value. Returns once it listens;
/// fails when `bind` fails (the thread then yields `T::default()`).
pub(crate) fn start_server<S: 'static, T: Default + Send + 'static>(
    ns: &Netns,
    what: SocketAddr,
    bind: impl FnOnce() -> std::io::Result<S> + Send + 'static,
    serve: impl FnOnce(S) -> T + Send + 'static,
) -> Result<InNetns<T>, HarnessError> {
    let (ready_tx, ready_rx) = mpsc::channel();
    let server = ns.spawn(move || -> T {
        let Ok(socket) = bind() else {
            let _ = ready_tx.send(false);
            return T::default();
        };
        let _ = ready_tx.send(true);
        serve(socket)
    })?;
    if ready_rx
        .recv_timeout(Duration::from_secs(5))
        .unwrap_or(false)
    {
        Ok(server)
    } else {
        server.join()?;
        Err(HarnessError::Client(t!(
            "netns-client-cannot-bind",
            address = what.to_string()
        )))
    }
}

fn tcp_exchange(
    src_ns: &Netns,
    dst_ns: &Netns,
    p: &PlacedProbe,
    port: u16,
    wait: Duration,
) -> Result<bool, HarnessError> {
    let server_addr = SocketAddr::new(p.dst, port);
    let bind = move || listen(server_addr);
    let server = start_server(dst_ns, server_addr, bind, move |listener: TcpListener| {
        let Some(mut stream) = accept_until(&listener, Instant::now() + wait) else {
            return false;
        };
        let _ = stream.set_nonblocking(false);
        let _ = stream.set_read_timeout(Some(wait));
        let mut got = vec![0u8; PAYLOAD];
        stream.read_exact(&mut got).is_ok() && stream.write_all(&pattern(2)).is_ok()
    })?;
    let src = p.src;
    let client = src_ns.spawn(move || -> bool {
        let Ok(mut stream) = connect_from(src, server_addr, wait) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(wait));
        if stream.write_all(&pattern(1)).is_err() {
            return false;
        }
        let mut back = vec![0u8; PAYLOAD];
        stream.read_exact(&mut back).is_ok() && back == pattern(2)
    })?;
    let client_ok = client.join()?;
    let server_ok = server.join()?;
    Ok(client_ok && server_ok)
}

/// A TCP connection from `src` (bound before connecting) to `to`, giving up
/// after `wait`.
fn connect_from(src: IpAddr, to: SocketAddr, wait: Duration) -> std::io::Result<TcpStream> {
    let family = if src.is_ipv4() {
        AddressFamily::Inet
    } else {
        AddressFamily::Inet6
    };
    let fd: OwnedFd = socket(family, SockType::Stream, SockFlag::SOCK_CLOEXEC, None)?;
    bind(
        fd.as_raw_fd(),
        &SockaddrStorage::from(SocketAddr::new(src, 0)),
    )?;
    // Linux bounds a blocking connect by the send timeout.
    let timeout =
        nix::sys::time::TimeVal::new(wait.as_secs() as i64, i64::from(wait.subsec_micros()));
    setsockopt(&fd, sockopt::SendTimeout, &timeout)?;
    connect(fd.as_raw_fd(), &SockaddrStorage::from(to))?;
    Ok(TcpStream::from(fd))
}

fn udp_exchange(
    src_ns: &Netns,
    dst_ns: &Netns,
    p: &PlacedProbe,
    port: u16,
    wait: Duration,
) -> Result<bool, HarnessError> {
    let server_addr = SocketAddr::new(p.dst, port);
    let bind = move || {
        let socket = UdpSocket::bind(server_addr)?;
        socket.set_read_timeout(Some(wait))?;
        Ok(socket)
    };
    let server = start_server(dst_ns, server_addr, bind, move |socket: UdpSocket| {
        let mut buf = [0u8; 2048];
        match socket.recv_from(&mut buf) {
            Ok((n, from)) => socket.send_to(&buf[..n], from).is_ok(),
            Err(_) => false,
        }
    })?;
    let src = p.src;
    let client = src_ns.spawn(move || -> bool {
        let Ok(socket) = UdpSocket::bind(SocketAddr::new(src, 0)) else {
            return false;
        };
        let _ = socket.set_read_timeout(Some(wait));
        if socket.connect(server_addr).is_err() || socket.send(&pattern(3)).is_err() {
            return false;
        }
        let mut buf = [0u8; 2048];
        matches!(socket.recv(&mut buf), Ok(n) if buf[..n] == pattern(3)[..])
    })?;
    let client_ok = client.join()?;
    let _ = server.join()?;
    Ok(client_ok)
}
