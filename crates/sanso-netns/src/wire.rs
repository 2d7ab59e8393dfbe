//! Sends a topology's probes and captures them on the far side.
//!
//! Two helper threads, each entering the namespaces it needs with `setns`
//! (sockets stay bound to the namespace they were created in):
//! * the capturer opens, before anything is sent, a packet socket in every
//!   peer namespace that expects probes (frames the gateway transmitted on
//!   that link: after its forward and postrouting hooks) and raw IP sockets
//!   in the gateway namespace for `to = self` probes (a raw socket receives
//!   only packets that passed the input hook);
//! * the sender injects each probe's Ethernet frame on the peer end of the
//!   probe's input interface (pnet datalink), addressed to the gateway's MAC.
//!
//! After the last send, the capturer keeps reading until every expected probe
//! arrived or the drop wait ran out. Every loop is bounded in count and time.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::socket::{
    recv, recvfrom, setsockopt, socket, sockopt, AddressFamily, LinkAddr, MsgFlags, SockFlag,
    SockProtocol, SockType, SockaddrIn6,
};
use pnet::datalink::{self, Channel};
use pnet::packet::ip::IpNextHeaderProtocol;
use sanso_i18n::t;

use crate::netns::{enter, Netns};
use crate::packet::{build_frame, match_frame, match_ip, match_l4, protocol};
use crate::placement::{Mac, TopologySpec, PEER_IFNAME};
use crate::{CapturePoint, HarnessError, SocketStep};

/// Receive buffer of every capture socket: holds a large batch even if the
/// capturer falls behind.
const CAPTURE_RCVBUF: usize = 16 << 20;
/// How long the capturer may take to open its sockets.
const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// Upper bound on one exchange beyond sending and the drop wait.
const HARD_CAP: Duration = Duration::from_secs(120);
/// Frames read from one socket before looking at the others.
const DRAIN_PER_PASS: usize = 4096;

/// What one exchange observed.
#[derive(Clone, Debug)]
pub(crate) struct Exchange {
    pub sent: Vec<Instant>,
    pub arrived: Vec<Option<Instant>>,
    pub send_time: Duration,
    pub wait_time: Duration,
}

enum Capture {
    /// A packet socket in the peer namespace of link `link`.
    Peer {
        link: usize,
        fd: OwnedFd,
        ifindex: usize,
        gateway_mac: Mac,
    },
    /// An IPv4 raw socket in the gateway (delivers the IP header too).
    GatewayV4 { fd: OwnedFd },
    /// An IPv6 raw socket in the gateway (delivers the transport segment only).
    GatewayV6 {
        fd: OwnedFd,
        proto: IpNextHeaderProtocol,
    },
}

pub(crate) fn exchange(
    spec: &TopologySpec,
    gateway: &Netns,
    peers: &[Netns],
    drop_wait: Duration,
) -> Result<Exchange, HarnessError> {
    let token = spec.run.token();
    let frames: Vec<Vec<u8>> = spec
        .probes
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let link = &spec.links[p.iif];
            build_frame(p, k as u32, token, link.peer_mac, link.gateway_mac)
        })
        .collect();

    std::thread::scope(|s| {
        let (ready_tx, ready_rx) = mpsc::channel::<()>();
        let (deadline_tx, deadline_rx) = mpsc::channel::<Instant>();
        let capturer = s.spawn(move || capture(spec, gateway, peers, token, ready_tx, deadline_rx));
        let join_capturer =
            |h: std::thread::ScopedJoinHandle<'_, Result<Vec<Option<Instant>>, HarnessError>>| {
                h.join()
                    .map_err(|_| HarnessError::ThreadPanicked { what: "capture" })?
            };
        match ready_rx.recv_timeout(READY_TIMEOUT) {
            Ok(()) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                // The capturer failed to open its sockets: its error says why.
                drop(deadline_tx);
                join_capturer(capturer)?;
                return Err(HarnessError::ThreadPanicked { what: "capture" });
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                drop(deadline_tx);
                let _ = join_capturer(capturer);
                return Err(HarnessError::CaptureNotReady {
                    seconds: READY_TIMEOUT.as_secs(),
                });
            }
        }
        let send_start = Instant::now();
        let sent = s.spawn(|| send(spec, peers, &frames)).join();
        let send_time = send_start.elapsed();
        let sent = match sent {
            Ok(Ok(sent)) => sent,
            Ok(Err(e)) => {
                drop(deadline_tx);
                let _ = join_capturer(capturer);
                return Err(e);
            }
            Err(_) => {
                drop(deadline_tx);
                let _ = join_capturer(capturer);
                return Err(HarnessError::ThreadPanicked { what: "send" });
            }
        };
        let wait_start = Instant::now();
        // If the capturer already finished (everything arrived), nobody listens: fine.
        let _ = deadline_tx.send(wait_start + drop_wait);
        let arrived = join_capturer(capturer)?;
        Ok(Exchange {
            sent,
            arrived,
            send_time,
            wait_time: wait_start.elapsed(),
        })
    })
}

fn open_captures(
    spec: &TopologySpec,
    gateway: &Netns,
    peers: &[Netns],
) -> Result<Vec<Capture>, HarnessError> {
    let mut captures = Vec::new();
    let peer_links: BTreeSet<usize> = spec
        .probes
        .iter()
        .filter_map(|p| match p.capture {
            CapturePoint::Peer(l) => Some(l),
            _ => None,
        })
        .collect();
    for l in peer_links {
        let ns = &peers[l];
        enter(&ns.open()?, ns.name())?;
        let fd = socket(
            AddressFamily::Packet,
            SockType::Raw,
            SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC,
            SockProtocol::EthAll,
        )
        .map_err(|e| HarnessError::socket(SocketStep::OpenPacketCapture, ns.name(), e))?;
        setsockopt(&fd, sockopt::RcvBufForce, &CAPTURE_RCVBUF)
            .map_err(|e| HarnessError::socket(SocketStep::EnlargeCaptureBuffer, ns.name(), e))?;
        let ifindex = nix::net::if_::if_nametoindex(PEER_IFNAME)
            .map_err(|e| HarnessError::socket(SocketStep::LookUpPeerInterface, ns.name(), e))?;
        captures.push(Capture::Peer {
            link: l,
            fd,
            ifindex: ifindex as usize,
            gateway_mac: spec.links[l].gateway_mac,
        });
    }

    let gateway_kinds: BTreeSet<(bool, u8)> = spec
        .probes
        .iter()
        .filter(|p| p.capture == CapturePoint::Gateway)
        .map(|p| (p.src.is_ipv4(), protocol(p.l4, p.src.is_ipv4()).0))
        .collect();
    if !gateway_kinds.is_empty() {
        enter(&gateway.open()?, gateway.name())?;
    }
    for (v4, proto) in gateway_kinds {
        let family = if v4 {
            AddressFamily::Inet
        } else {
            AddressFamily::Inet6
        };
        let sock_proto = match proto {
            6 => SockProtocol::Tcp,
            17 => SockProtocol::Udp,
            1 => SockProtocol::Icmp,
            _ => SockProtocol::IcmpV6,
        };
        let fd = socket(
            family,
            SockType::Raw,
            SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC,
            sock_proto,
        )
        .map_err(|e| HarnessError::socket(SocketStep::OpenRawCapture, gateway.name(), e))?;
        setsockopt(&fd, sockopt::RcvBufForce, &CAPTURE_RCVBUF).map_err(|e| {
            HarnessError::socket(SocketStep::EnlargeCaptureBuffer, gateway.name(), e)
        })?;
        captures.push(if v4 {
            Capture::GatewayV4 { fd }
        } else {
            Capture::GatewayV6 {
                fd,
                proto: IpNextHeaderProtocol(proto),
            }
        });
    }
    Ok(captures)
}

fn capture(
    spec: &TopologySpec,
    gateway: &Netns,
    peers: &[Netns],
    token: u32,
    ready: mpsc::Sender<()>,
    deadline_rx: mpsc::Receiver<Instant>,
) -> Result<Vec<Option<Instant>>, HarnessError> {
    let captures = open_captures(spec, gateway, peers)?;
    let mut arrived: Vec<Option<Instant>> = vec![None; spec.probes.len()];
    let mut remaining = spec
        .probes
        .iter()
        .filter(|p| p.capture != CapturePoint::Unrouted)
        .count();
    let _ = ready.send(());
    drop(ready);

    let hard_stop = Instant::now() + HARD_CAP + Duration::from_millis(spec.probes.len() as u64);
    let mut deadline: Option<Instant> = None;
    let mut buf = vec![0u8; 65_536];
    loop {
        let mut got_any = false;
        for c in &captures {
            for _ in 0..DRAIN_PER_PASS {
                let Some(index) = read_one(c, &mut buf, spec, token)? else {
                    break;
                };
                got_any = true;
                if let Some(k) = index {
                    if arrived[k].is_none() {
                        arrived[k] = Some(Instant::now());
                        remaining -= 1;
                    }
                }
            }
        }
        if remaining == 0 {
            break;
        }
        if deadline.is_none() {
            match deadline_rx.try_recv() {
                Ok(d) => deadline = Some(d),
                Err(mpsc::TryRecvError::Empty) => {}
                Err(mpsc::TryRecvError::Disconnected) => break,
            }
        }
        let now = Instant::now();
        if deadline.is_some_and(|d| now >= d) || now >= hard_stop {
            break;
        }
        if !got_any {
            std::thread::sleep(Duration::from_micros(200));
        }
    }
    Ok(arrived)
}

/// Reads one packet: `None` when the socket has nothing more, `Some(None)` for
/// a packet that is not an expected probe here, `Some(Some(k))` for probe `k`.
fn read_one(
    c: &Capture,
    buf: &mut [u8],
    spec: &TopologySpec,
    token: u32,
) -> Result<Option<Option<usize>>, HarnessError> {
    let probes = &spec.probes;
    let result = match c {
        Capture::Peer {
            link,
            fd,
            ifindex,
            gateway_mac,
        } => match recvfrom::<LinkAddr>(fd.as_raw_fd(), buf) {
            Ok((n, addr)) => {
                let ours = addr.is_some_and(|a| {
                    a.ifindex() == *ifindex && a.pkttype() != libc::PACKET_OUTGOING
                });
                let k = if ours {
                    match_frame(&buf[..n], *gateway_mac, token, probes)
                } else {
                    None
                };
                Ok(k.filter(|&k| probes[k].capture == CapturePoint::Peer(*link)))
            }
            Err(e) => Err(e),
        },
        Capture::GatewayV4 { fd } => recv(fd.as_raw_fd(), buf, MsgFlags::empty()).map(|n| {
            match_ip(&buf[..n], token, probes)
                .filter(|&k| probes[k].capture == CapturePoint::Gateway)
        }),
        Capture::GatewayV6 { fd, proto } => match recvfrom::<SockaddrIn6>(fd.as_raw_fd(), buf) {
            Ok((n, Some(from))) => Ok(match_l4(
                *proto,
                &buf[..n],
                IpAddr::V6(from.ip()),
                None,
                token,
                probes,
            )
            .filter(|&k| probes[k].capture == CapturePoint::Gateway)),
            Ok((_, None)) => Ok(None),
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(k) => Ok(Some(k)),
        Err(Errno::EAGAIN) => Ok(None),
        Err(Errno::EINTR) => Ok(Some(None)),
        Err(e) => Err(HarnessError::socket(SocketStep::ReadCapture, "capture", e)),
    }
}

/// How often a full send buffer is retried before giving up on a frame.
const SEND_RETRIES: u32 = 1000;

fn send(
    spec: &TopologySpec,
    peers: &[Netns],
    frames: &[Vec<u8>],
) -> Result<Vec<Instant>, HarnessError> {
    let links: BTreeSet<usize> = spec.probes.iter().map(|p| p.iif).collect();
    let mut senders: Vec<Option<Box<dyn datalink::DataLinkSender>>> =
        (0..spec.links.len()).map(|_| None).collect();
    for l in links {
        let ns = &peers[l];
        enter(&ns.open()?, ns.name())?;
        let interface = datalink::interfaces()
            .into_iter()
            .find(|i| i.name == PEER_IFNAME)
            .ok_or_else(|| {
                HarnessError::socket(
                    SocketStep::FindPeerInterface,
                    ns.name(),
                    std::io::Error::other(t!("netns-no-peer-interface", interface = PEER_IFNAME)),
                )
            })?;
        let config = datalink::Config {
            promiscuous: false,
            read_buffer_size: 2048,
            ..Default::default()
        };
        match datalink::channel(&interface, config) {
            Ok(Channel::Ethernet(tx, _rx)) => senders[l] = Some(tx),
            Ok(_) => {
                return Err(HarnessError::socket(
                    SocketStep::OpenSend,
                    ns.name(),
                    std::io::Error::other(t!("netns-not-ethernet")),
                ))
            }
            Err(e) => return Err(HarnessError::socket(SocketStep::OpenSend, ns.name(), e)),
        }
    }
    let mut sent = Vec::with_capacity(frames.len());
    for (p, frame) in spec.probes.iter().zip(frames) {
        let tx = senders[p.iif]
            .as_mut()
            .expect("a sender was opened for every input interface");
        let mut tries = 0;
        loop {
            match tx.send_to(frame, None) {
                Some(Ok(())) => break,
                Some(Err(e)) if e.raw_os_error() == Some(libc::ENOBUFS) && tries < SEND_RETRIES => {
                    tries += 1;
                    std::thread::sleep(Duration::from_micros(100));
                }
                Some(Err(e)) => {
                    return Err(HarnessError::socket(
                        SocketStep::SendProbe,
                        peers[p.iif].name(),
                        e,
                    ))
                }
                None => {
                    return Err(HarnessError::socket(
                        SocketStep::SendProbe,
                        peers[p.iif].name(),
                        std::io::Error::other(t!("netns-sent-nothing")),
                    ))
                }
            }
        }
        sent.push(Instant::now());
    }
    Ok(sent)
}
