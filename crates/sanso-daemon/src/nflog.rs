//! The NFLOG reader: the packets the ruleset logs (`log group N`), read from
//! the kernel over netlink (`NETLINK_NETFILTER`, subsystem `NFNL_SUBSYS_ULOG`)
//! in the daemon's network namespace, with no kernel log involved (so it
//! works inside a namespace, where the kernel log is silent unless
//! `nf_log_all_netns` is set).
//!
//! [`spawn`] starts one thread that enters the namespace (`setns`, only that
//! thread), opens the socket, binds the group (`NFULNL_CFG_CMD_BIND`, copy
//! mode packet with [`COPY_RANGE`] bytes: the IP header and the L4 ports),
//! and then hands every logged packet to the caller's channel. Interface
//! indexes are turned into names on that thread, so they are the
//! namespace's names. The thread ends when the channel's receiver is gone.
//!
//! Losses are counted, never guessed: the group is bound with per-instance
//! sequence numbers (`NFULNL_CFG_F_SEQ`), so a gap (a full socket buffer, a
//! message the kernel could not queue) is reported as [`Item::Lost`] with
//! the number of packets missing.
//!
//! The parsing ([`parse_datagram`], [`Headers::parse`]) is pure and tested
//! on bytes; the socket part needs root and a kernel test.

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::mpsc;

/// Bytes of each logged packet copied to the daemon: an IPv4 header with
/// options (at most 60) or an IPv6 header with a few extension headers,
/// and the first 8 bytes of TCP, UDP or ICMP (ports, type and code).
pub const COPY_RANGE: u32 = 128;
/// The kernel sends what it queued after this long (hundredths of a
/// second), or as soon as [`QUEUE_THRESHOLD`] packets wait.
const FLUSH_TIMEOUT_CS: u32 = 1;
const QUEUE_THRESHOLD: u32 = 32;
/// The socket's receive buffer (`SO_RCVBUFFORCE`, root).
const RCVBUF: usize = 4 * 1024 * 1024;
/// How often the reader looks whether it should stop.
const POLL: Duration = Duration::from_secs(1);
/// How long a resolved interface name is trusted.
const NAME_TTL: Duration = Duration::from_secs(10);

const NLMSG_HDRLEN: usize = 16;
const NFGEN_HDRLEN: usize = 4;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLM_F_REQUEST: u16 = 1;
const NLM_F_ACK: u16 = 4;
const NLA_TYPE_MASK: u16 = 0x3fff;

fn ulog_type(msg: libc::c_int) -> u16 {
    ((libc::NFNL_SUBSYS_ULOG as u16) << 8) | msg as u16
}

/// One packet as the kernel logged it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogPacket {
    /// The rule's log prefix (`sanso drop lg>inet `), as the kernel stored it.
    pub prefix: String,
    /// The netfilter hook (`NF_INET_*`: 0 prerouting, 1 input, 2 forward,
    /// 3 output, 4 postrouting).
    pub hook: Option<u8>,
    /// The input and output interfaces, by name in the daemon's namespace
    /// (`None`: none, or gone before the name was read).
    pub indev: Option<String>,
    pub outdev: Option<String>,
    /// What [`Headers::parse`] read from the copied bytes.
    pub headers: Option<Headers>,
    /// When the daemon received it.
    pub received: SystemTime,
}

/// What the reader hands on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Packet(Box<LogPacket>),
    /// Packets the kernel logged that never arrived (a gap in the sequence
    /// numbers, or a receive buffer that overflowed).
    Lost(u64),
}

/// The addresses and ports of a logged packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Headers {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// IANA protocol number of the transport header.
    pub proto: u8,
    pub l4: L4,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum L4 {
    /// TCP, UDP, UDP-Lite, SCTP, DCCP: the ports; `syn` for a TCP segment
    /// with SYN and without ACK (a connection attempt).
    Ports { src: u16, dst: u16, syn: bool },
    /// ICMP or ICMPv6.
    Icmp { icmp_type: u8, code: u8 },
    /// Another protocol, a later fragment, or not copied.
    Other,
}

impl Headers {
    /// Reads the IP header (v4 or v6, by its version) and the transport
    /// header's first bytes; `None` when not even the addresses are there.
    pub fn parse(bytes: &[u8]) -> Option<Headers> {
        match bytes.first()? >> 4 {
            4 => Self::parse_v4(bytes),
            6 => Self::parse_v6(bytes),
            _ => None,
        }
    }

    fn parse_v4(b: &[u8]) -> Option<Headers> {
        let ihl = usize::from(b[0] & 0x0f) * 4;
        let src: [u8; 4] = b.get(12..16)?.try_into().ok()?;
        let dst: [u8; 4] = b.get(16..20)?.try_into().ok()?;
        let proto = *b.get(9)?;
        let fragment_offset = u16::from_be_bytes([*b.get(6)?, *b.get(7)?]) & 0x1fff;
        let l4 = if ihl < 20 || fragment_offset != 0 {
            L4::Other
        } else {
            transport(proto, b.get(ihl..).unwrap_or_default(), libc::IPPROTO_ICMP)
        };
        Some(Headers {
            src: IpAddr::V4(Ipv4Addr::from(src)),
            dst: IpAddr::V4(Ipv4Addr::from(dst)),
            proto,
            l4,
        })
    }

    fn parse_v6(b: &[u8]) -> Option<Headers> {
        let src: [u8; 16] = b.get(8..24)?.try_into().ok()?;
        let dst: [u8; 16] = b.get(24..40)?.try_into().ok()?;
        let mut next = *b.get(6)?;
        let mut at = 40;
        let mut l4 = None;
        // Extension headers: hop-by-hop, routing, destination options,
        // fragment (a later fragment has no transport header), AH.
        for _ in 0..8 {
            let Some(h) = b.get(at..at + 2) else {
                l4 = Some(L4::Other);
                break;
            };
            match next {
                0 | 43 | 60 => at += (usize::from(h[1]) + 1) * 8,
                44 => {
                    let offset = b
                        .get(at + 2..at + 4)
                        .map(|o| u16::from_be_bytes([o[0], o[1]]) >> 3);
                    if offset != Some(0) {
                        l4 = Some(L4::Other);
                        break;
                    }
                    at += 8;
                }
                51 => at += (usize::from(h[1]) + 2) * 4,
                _ => break,
            }
            next = h[0];
        }
        let l4 = l4.unwrap_or_else(|| {
            transport(next, b.get(at..).unwrap_or_default(), libc::IPPROTO_ICMPV6)
        });
        Some(Headers {
            src: IpAddr::V6(Ipv6Addr::from(src)),
            dst: IpAddr::V6(Ipv6Addr::from(dst)),
            proto: next,
            l4,
        })
    }
}

fn transport(proto: u8, b: &[u8], icmp: libc::c_int) -> L4 {
    let port_protocols = [
        libc::IPPROTO_TCP,
        libc::IPPROTO_UDP,
        libc::IPPROTO_UDPLITE,
        libc::IPPROTO_SCTP,
        libc::IPPROTO_DCCP,
    ];
    if i32::from(proto) == icmp {
        return match b {
            [icmp_type, code, ..] => L4::Icmp {
                icmp_type: *icmp_type,
                code: *code,
            },
            _ => L4::Other,
        };
    }
    if !port_protocols.contains(&i32::from(proto)) {
        return L4::Other;
    }
    match b {
        [s0, s1, d0, d1, rest @ ..] => {
            // TCP flags are byte 13: SYN 0x02, ACK 0x10.
            let syn = i32::from(proto) == libc::IPPROTO_TCP
                && rest.get(9).is_some_and(|f| f & 0x12 == 0x02);
            L4::Ports {
                src: u16::from_be_bytes([*s0, *s1]),
                dst: u16::from_be_bytes([*d0, *d1]),
                syn,
            }
        }
        _ => L4::Other,
    }
}

/// One netlink message of a datagram, as far as the reader cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    Packet(RawPacket),
    /// An acknowledgement: 0, or a negative errno.
    Ack(i32),
    /// Anything else (another subsystem, a config echo).
    Other,
}

/// The attributes of one `NFULNL_MSG_PACKET`, before interface names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawPacket {
    pub prefix: String,
    pub hook: Option<u8>,
    pub indev: Option<u32>,
    pub outdev: Option<u32>,
    pub payload: Vec<u8>,
    /// The instance's sequence number (`NFULNL_CFG_F_SEQ`).
    pub seq: Option<u32>,
}

fn be32(b: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(..4)?.try_into().ok()?))
}

/// Splits a datagram into its netlink messages; a truncated or malformed
/// message ends the datagram (what came before is kept).
pub fn parse_datagram(mut buf: &[u8]) -> Vec<Message> {
    let mut out = Vec::new();
    while buf.len() >= NLMSG_HDRLEN {
        let len = u32::from_ne_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
        let kind = u16::from_ne_bytes([buf[4], buf[5]]);
        if len < NLMSG_HDRLEN || len > buf.len() {
            break;
        }
        let body = &buf[NLMSG_HDRLEN..len];
        out.push(match kind {
            NLMSG_ERROR => Message::Ack(
                body.get(..4)
                    .map_or(0, |e| i32::from_ne_bytes([e[0], e[1], e[2], e[3]])),
            ),
            NLMSG_DONE => Message::Other,
            k if k == ulog_type(libc::NFULNL_MSG_PACKET) => {
                Message::Packet(parse_packet(body.get(NFGEN_HDRLEN..).unwrap_or_default()))
            }
            _ => Message::Other,
        });
        buf = buf.get(align4(len)..).unwrap_or_default();
    }
    out
}

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

fn parse_packet(mut attrs: &[u8]) -> RawPacket {
    let mut p = RawPacket::default();
    while attrs.len() >= 4 {
        let len = usize::from(u16::from_ne_bytes([attrs[0], attrs[1]]));
        let kind = u16::from_ne_bytes([attrs[2], attrs[3]]) & NLA_TYPE_MASK;
        if len < 4 || len > attrs.len() {
            break;
        }
        let value = &attrs[4..len];
        match i32::from(kind) {
            libc::NFULA_PACKET_HDR => p.hook = value.get(2).copied(),
            libc::NFULA_IFINDEX_INDEV => p.indev = be32(value),
            libc::NFULA_IFINDEX_OUTDEV => p.outdev = be32(value),
            libc::NFULA_PAYLOAD => p.payload = value.to_vec(),
            libc::NFULA_SEQ => p.seq = be32(value),
            libc::NFULA_PREFIX => {
                let text = value.split(|&b| b == 0).next().unwrap_or_default();
                p.prefix = String::from_utf8_lossy(text).into_owned();
            }
            _ => {}
        }
        attrs = attrs.get(align4(len)..).unwrap_or_default();
    }
    p
}

/// A `NFULNL_MSG_CONFIG` request for `group`: bind, copy `COPY_RANGE`
/// bytes of each packet, flush after `FLUSH_TIMEOUT_CS` or
/// `QUEUE_THRESHOLD` packets, number the packets.
pub fn bind_request(group: u16, seq: u32) -> Vec<u8> {
    let mut attrs = Vec::new();
    let mut attr = |kind: libc::c_int, value: &[u8]| {
        let len = 4 + value.len();
        attrs.extend_from_slice(&(len as u16).to_ne_bytes());
        attrs.extend_from_slice(&(kind as u16).to_ne_bytes());
        attrs.extend_from_slice(value);
        attrs.resize(align4(attrs.len()), 0);
    };
    attr(libc::NFULA_CFG_CMD, &[libc::NFULNL_CFG_CMD_BIND as u8]);
    let mut mode = COPY_RANGE.to_be_bytes().to_vec();
    mode.extend_from_slice(&[libc::NFULNL_COPY_PACKET as u8, 0]);
    attr(libc::NFULA_CFG_MODE, &mode);
    attr(libc::NFULA_CFG_TIMEOUT, &FLUSH_TIMEOUT_CS.to_be_bytes());
    attr(libc::NFULA_CFG_QTHRESH, &QUEUE_THRESHOLD.to_be_bytes());
    attr(
        libc::NFULA_CFG_FLAGS,
        &(libc::NFULNL_CFG_F_SEQ as u16).to_be_bytes(),
    );
    let len = NLMSG_HDRLEN + NFGEN_HDRLEN + attrs.len();
    let mut msg = Vec::with_capacity(len);
    msg.extend_from_slice(&(len as u32).to_ne_bytes());
    msg.extend_from_slice(&ulog_type(libc::NFULNL_MSG_CONFIG).to_ne_bytes());
    msg.extend_from_slice(&(NLM_F_REQUEST | NLM_F_ACK).to_ne_bytes());
    msg.extend_from_slice(&seq.to_ne_bytes());
    msg.extend_from_slice(&0u32.to_ne_bytes());
    // nfgenmsg: AF_UNSPEC (the group serves every family), version, group.
    msg.extend_from_slice(&[libc::AF_UNSPEC as u8, libc::NFNETLINK_V0 as u8]);
    msg.extend_from_slice(&group.to_be_bytes());
    msg.extend_from_slice(&attrs);
    msg
}

/// Why the reader could not start.
#[derive(Debug, thiserror::Error)]
pub enum NflogError {
    Namespace {
        name: String,
        #[source]
        source: io::Error,
    },
    Io {
        op: NflogOp,
        #[source]
        source: io::Error,
    },
    Bind {
        group: u16,
        #[source]
        source: io::Error,
    },
}

/// What the reader could not do ([`NflogError::Io`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NflogOp {
    OpenSocket,
    BindSocket,
    SetTimeout,
    SendBind,
    ReadBindAnswer,
    SpawnThread,
    StartThread,
}

impl std::fmt::Display for NflogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use sanso_i18n::t;
        f.write_str(&match self {
            NflogError::Namespace { name, .. } => {
                t!("daemon-nflog-namespace", name = format!("{name:?}"))
            }
            NflogError::Io { op, .. } => match op {
                NflogOp::OpenSocket => t!("daemon-nflog-open-socket"),
                NflogOp::BindSocket => t!("daemon-nflog-bind-socket"),
                NflogOp::SetTimeout => t!("daemon-nflog-set-timeout"),
                NflogOp::SendBind => t!("daemon-nflog-send-bind"),
                NflogOp::ReadBindAnswer => t!("daemon-nflog-read-bind-answer"),
                NflogOp::SpawnThread => t!("daemon-nflog-spawn-thread"),
                NflogOp::StartThread => t!("daemon-nflog-start-thread"),
            },
            NflogError::Bind { group, .. } => t!("daemon-nflog-bind-group", group = group),
        })
    }
}

fn io_error(op: NflogOp) -> NflogError {
    NflogError::Io {
        op,
        source: io::Error::last_os_error(),
    }
}

/// The bound socket, on the reader's thread.
struct Socket {
    fd: OwnedFd,
}

impl Socket {
    fn open(group: u16) -> Result<Socket, NflogError> {
        // SAFETY: plain socket(2); the fd is owned right away.
        let raw = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::NETLINK_NETFILTER,
            )
        };
        if raw < 0 {
            return Err(io_error(NflogOp::OpenSocket));
        }
        // SAFETY: `raw` is a fresh fd that nothing else owns.
        let socket = Socket {
            fd: unsafe { OwnedFd::from_raw_fd(raw) },
        };
        // SAFETY: a zeroed sockaddr_nl is valid; the family is set.
        let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        // SAFETY: `addr` is a valid sockaddr_nl of the given size.
        let rc = unsafe {
            libc::bind(
                socket.fd.as_raw_fd(),
                (&raw const addr).cast::<libc::sockaddr>(),
                std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        };
        if rc < 0 {
            return Err(io_error(NflogOp::BindSocket));
        }
        if socket
            .set_int(
                libc::SOL_SOCKET,
                libc::SO_RCVBUFFORCE,
                RCVBUF as libc::c_int,
            )
            .is_err()
        {
            let _ = socket.set_int(libc::SOL_SOCKET, libc::SO_RCVBUF, RCVBUF as libc::c_int);
        }
        let timeout = libc::timeval {
            tv_sec: POLL.as_secs() as libc::time_t,
            tv_usec: 0,
        };
        // SAFETY: `timeout` is a timeval of the given size.
        let rc = unsafe {
            libc::setsockopt(
                socket.fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVTIMEO,
                (&raw const timeout).cast::<libc::c_void>(),
                std::mem::size_of::<libc::timeval>() as libc::socklen_t,
            )
        };
        if rc < 0 {
            return Err(io_error(NflogOp::SetTimeout));
        }
        socket.bind_group(group)?;
        Ok(socket)
    }

    fn set_int(&self, level: libc::c_int, opt: libc::c_int, value: libc::c_int) -> io::Result<()> {
        // SAFETY: `value` is a c_int of the given size.
        let rc = unsafe {
            libc::setsockopt(
                self.fd.as_raw_fd(),
                level,
                opt,
                (&raw const value).cast::<libc::c_void>(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    fn bind_group(&self, group: u16) -> Result<(), NflogError> {
        let request = bind_request(group, 1);
        // SAFETY: sending a buffer we own, of its length.
        let sent = unsafe {
            libc::send(
                self.fd.as_raw_fd(),
                request.as_ptr().cast::<libc::c_void>(),
                request.len(),
                0,
            )
        };
        if sent < 0 {
            return Err(io_error(NflogOp::SendBind));
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut buf = vec![0u8; 64 * 1024];
        while Instant::now() < deadline {
            let n = match self.recv(&mut buf) {
                Ok(n) => n,
                Err(e) if retry(&e) => continue,
                Err(source) => {
                    return Err(NflogError::Io {
                        op: NflogOp::ReadBindAnswer,
                        source,
                    })
                }
            };
            for message in parse_datagram(&buf[..n]) {
                match message {
                    Message::Ack(0) => return Ok(()),
                    Message::Ack(errno) => {
                        return Err(NflogError::Bind {
                            group,
                            source: io::Error::from_raw_os_error(-errno),
                        })
                    }
                    _ => {}
                }
            }
        }
        Err(NflogError::Bind {
            group,
            source: io::Error::new(
                io::ErrorKind::TimedOut,
                sanso_i18n::t!("daemon-nflog-no-answer", seconds = 5),
            ),
        })
    }

    fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        // SAFETY: receiving into a buffer we own, of its length.
        let n = unsafe {
            libc::recv(
                self.fd.as_raw_fd(),
                buf.as_mut_ptr().cast::<libc::c_void>(),
                buf.len(),
                0,
            )
        };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(n as usize)
    }
}

fn retry(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

/// Enters `/var/run/netns/NAME` on the current thread (the reader's own).
fn enter_namespace(name: &str) -> Result<(), NflogError> {
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']) {
        return Err(NflogError::Namespace {
            name: name.to_owned(),
            source: io::Error::new(
                io::ErrorKind::InvalidInput,
                sanso_i18n::t!("daemon-nflog-not-a-namespace"),
            ),
        });
    }
    let ns =
        File::open(format!("/var/run/netns/{name}")).map_err(|source| NflogError::Namespace {
            name: name.to_owned(),
            source,
        })?;
    // SAFETY: setns(2) on an fd we own; it changes only the calling thread,
    // the reader's own, which stays in the namespace for its whole life.
    if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } < 0 {
        return Err(NflogError::Namespace {
            name: name.to_owned(),
            source: io::Error::last_os_error(),
        });
    }
    Ok(())
}

/// Interface names by index, read on the reader's thread (so in its
/// namespace), each trusted for [`NAME_TTL`].
#[derive(Default)]
struct Names {
    known: HashMap<u32, (Option<String>, Instant)>,
}

impl Names {
    fn name(&mut self, index: Option<u32>) -> Option<String> {
        let index = index.filter(|&i| i != 0)?;
        if let Some((name, at)) = self.known.get(&index) {
            if at.elapsed() < NAME_TTL {
                return name.clone();
            }
        }
        let mut buf = [0 as libc::c_char; libc::IF_NAMESIZE];
        // SAFETY: `buf` has IF_NAMESIZE bytes, as if_indextoname requires.
        let ptr = unsafe { libc::if_indextoname(index, buf.as_mut_ptr()) };
        let name = (!ptr.is_null()).then(|| {
            // SAFETY: on success `buf` holds a NUL-terminated name.
            unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) }
                .to_string_lossy()
                .into_owned()
        });
        if self.known.len() > 4096 {
            self.known.clear();
        }
        self.known.insert(index, (name.clone(), Instant::now()));
        name
    }
}

/// Starts the reader thread: in `netns` when given, bound to `group`.
/// Returns once the group is bound (or could not be), so a refusal is the
/// caller's error at start.
pub fn spawn(
    netns: Option<String>,
    group: u16,
    tx: mpsc::Sender<Item>,
) -> Result<std::thread::JoinHandle<()>, NflogError> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let handle = std::thread::Builder::new()
        .name("sanso-nflog".to_owned())
        .spawn(move || {
            let opened = netns
                .as_deref()
                .map_or(Ok(()), enter_namespace)
                .and_then(|()| Socket::open(group));
            let socket = match opened {
                Ok(socket) => {
                    let _ = ready_tx.send(Ok(()));
                    socket
                }
                Err(err) => {
                    let _ = ready_tx.send(Err(err));
                    return;
                }
            };
            read_loop(&socket, &tx);
        })
        .map_err(|source| NflogError::Io {
            op: NflogOp::SpawnThread,
            source,
        })?;
    match ready_rx.recv() {
        Ok(Ok(())) => Ok(handle),
        Ok(Err(err)) => {
            let _ = handle.join();
            Err(err)
        }
        Err(_) => Err(NflogError::Io {
            op: NflogOp::StartThread,
            source: io::Error::other(sanso_i18n::t!("daemon-nflog-thread-ended")),
        }),
    }
}

fn read_loop(socket: &Socket, tx: &mpsc::Sender<Item>) {
    let mut buf = vec![0u8; 256 * 1024];
    let mut names = Names::default();
    let mut next_seq: Option<u32> = None;
    loop {
        if tx.is_closed() {
            return;
        }
        let n = match socket.recv(&mut buf) {
            Ok(n) => n,
            Err(e) if retry(&e) => continue,
            Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                // The gap shows in the sequence numbers of the next packet;
                // without one, say at least one was lost.
                if next_seq.is_none() && tx.blocking_send(Item::Lost(1)).is_err() {
                    return;
                }
                continue;
            }
            Err(e) => {
                tracing::error!(error = %e, "{}", sanso_i18n::t!("daemon-log-nflog-receive-failed"));
                std::thread::sleep(POLL);
                continue;
            }
        };
        let received = SystemTime::now();
        for message in parse_datagram(&buf[..n]) {
            let Message::Packet(raw) = message else {
                continue;
            };
            if let Some(seq) = raw.seq {
                if let Some(expected) = next_seq {
                    let gap = seq.wrapping_sub(expected);
                    // A huge gap is a counter reset (the instance rebound).
                    if gap > 0
                        && gap < u32::MAX / 2
                        && tx.blocking_send(Item::Lost(u64::from(gap))).is_err()
                    {
                        return;
                    }
                }
                next_seq = Some(seq.wrapping_add(1));
            }
            let packet = LogPacket {
                headers: Headers::parse(&raw.payload),
                prefix: raw.prefix,
                hook: raw.hook,
                indev: names.name(raw.indev),
                outdev: names.name(raw.outdev),
                received,
            };
            if tx.blocking_send(Item::Packet(Box::new(packet))).is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nla(kind: libc::c_int, value: &[u8]) -> Vec<u8> {
        let mut v = ((4 + value.len()) as u16).to_ne_bytes().to_vec();
        v.extend_from_slice(&(kind as u16).to_ne_bytes());
        v.extend_from_slice(value);
        v.resize(align4(v.len()), 0);
        v
    }

    fn nlmsg(kind: u16, body: &[u8]) -> Vec<u8> {
        let len = NLMSG_HDRLEN + body.len();
        let mut v = (len as u32).to_ne_bytes().to_vec();
        v.extend_from_slice(&kind.to_ne_bytes());
        v.extend_from_slice(&[0; 10]);
        v.extend_from_slice(body);
        v.resize(align4(v.len()), 0);
        v
    }

    fn ipv4_tcp_syn() -> Vec<u8> {
        let mut p = vec![0x45, 0, 0, 60, 0, 0, 0x40, 0, 64, 6, 0, 0];
        p.extend_from_slice(&[10, 1, 0, 5]);
        p.extend_from_slice(&[203, 0, 113, 9]);
        // TCP: 40000 -> 443, seq, ack, data offset, flags SYN.
        p.extend_from_slice(&40000u16.to_be_bytes());
        p.extend_from_slice(&443u16.to_be_bytes());
        p.extend_from_slice(&[0; 8]);
        p.extend_from_slice(&[0x50, 0x02, 0xff, 0xff]);
        p
    }

    #[test]
    fn a_packet_message_gives_prefix_hook_interfaces_payload_and_seq() {
        let mut body = vec![libc::AF_INET as u8, 0, 0, 7];
        body.extend(nla(libc::NFULA_PACKET_HDR, &[0x08, 0x00, 2, 0]));
        body.extend(nla(libc::NFULA_IFINDEX_INDEV, &3u32.to_be_bytes()));
        body.extend(nla(libc::NFULA_IFINDEX_OUTDEV, &4u32.to_be_bytes()));
        body.extend(nla(libc::NFULA_PREFIX, b"sanso drop mn>inet \0"));
        body.extend(nla(libc::NFULA_SEQ, &41u32.to_be_bytes()));
        body.extend(nla(libc::NFULA_PAYLOAD, &ipv4_tcp_syn()));
        let mut datagram = nlmsg(ulog_type(libc::NFULNL_MSG_PACKET), &body);
        datagram.extend(nlmsg(NLMSG_ERROR, &(-16i32).to_ne_bytes()));
        let messages = parse_datagram(&datagram);
        assert_eq!(messages.len(), 2);
        let Message::Packet(p) = &messages[0] else {
            panic!("{messages:?}")
        };
        assert_eq!(p.prefix, "sanso drop mn>inet ");
        assert_eq!(
            (p.hook, p.indev, p.outdev, p.seq),
            (Some(2), Some(3), Some(4), Some(41))
        );
        assert_eq!(
            Headers::parse(&p.payload),
            Some(Headers {
                src: "10.1.0.5".parse().expect("ip"),
                dst: "203.0.113.9".parse().expect("ip"),
                proto: 6,
                l4: L4::Ports {
                    src: 40000,
                    dst: 443,
                    syn: true
                },
            })
        );
        assert_eq!(messages[1], Message::Ack(-16));
    }

    #[test]
    fn truncated_input_never_panics_and_keeps_what_came_before() {
        let mut body = vec![2, 0, 0, 7];
        body.extend(nla(libc::NFULA_PREFIX, b"sanso spoofed \0"));
        let whole = nlmsg(ulog_type(libc::NFULNL_MSG_PACKET), &body);
        for cut in 0..whole.len() {
            let _ = parse_datagram(&whole[..cut]);
        }
        let mut two = whole.clone();
        two.extend_from_slice(&whole[..whole.len() - 3]);
        assert_eq!(parse_datagram(&two).len(), 1);
        let syn = ipv4_tcp_syn();
        for cut in 0..syn.len() {
            let h = Headers::parse(&syn[..cut]);
            assert_eq!(h.is_some(), cut >= 20, "{cut}");
        }
    }

    #[test]
    fn ipv6_with_extension_headers_and_icmp() {
        let mut p = vec![0x60, 0, 0, 0, 0, 16, 0, 64];
        p.extend_from_slice(&"fd00:20::5".parse::<Ipv6Addr>().expect("ip").octets());
        p.extend_from_slice(&"2001:db8::1".parse::<Ipv6Addr>().expect("ip").octets());
        // Hop-by-hop (next: UDP), 8 bytes.
        p[6] = 0;
        p.extend_from_slice(&[17, 0, 0, 0, 0, 0, 0, 0]);
        p.extend_from_slice(&5353u16.to_be_bytes());
        p.extend_from_slice(&53u16.to_be_bytes());
        let h = Headers::parse(&p).expect("parsed");
        assert_eq!(h.proto, 17);
        assert_eq!(
            h.l4,
            L4::Ports {
                src: 5353,
                dst: 53,
                syn: false
            }
        );
        let mut icmp = p[..40].to_vec();
        icmp[6] = 58;
        icmp.extend_from_slice(&[128, 0, 0, 0]);
        assert_eq!(
            Headers::parse(&icmp).map(|h| h.l4),
            Some(L4::Icmp {
                icmp_type: 128,
                code: 0
            })
        );
    }

    #[test]
    fn the_bind_request_is_one_config_message_for_the_group() {
        let msg = bind_request(7301, 9);
        assert_eq!(
            u32::from_ne_bytes(msg[..4].try_into().expect("4")) as usize,
            msg.len()
        );
        assert_eq!(u16::from_ne_bytes([msg[4], msg[5]]), 0x0401);
        assert_eq!(&msg[18..20], &7301u16.to_be_bytes());
        // cmd BIND, then mode: copy range 128, copy packet.
        assert_eq!(&msg[20..25], &[5, 0, 1, 0, 1]);
        assert_eq!(&msg[28..38], &[10, 0, 2, 0, 0, 0, 0, 128, 2, 0]);
    }
}
