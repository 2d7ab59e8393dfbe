//! The netfilter netlink socket: opened in the caller's network namespace or
//! inside `/var/run/netns/<name>` (by a helper thread, so the caller's thread
//! never changes namespace), sized for the batch, and the exchange of one
//! batch for its ACKs; plain sends and receives for ctnetlink
//! (`super::conntrack`).

use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

use sanso_i18n::t;

use super::encode::{Batch, MessageInfo, MessageKind};
use super::wire;
use super::{ApplyError, NetlinkOp};

const SOL_NETLINK: libc::c_int = 270;
const NETLINK_CAP_ACK: libc::c_int = 10;
const NETLINK_EXT_ACK: libc::c_int = 11;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
/// Datagrams of replies read for one request at most (a bound, far above
/// any table's or conntrack table's dump).
const MAX_REPLY_DATAGRAMS: usize = 1 << 20;
const NLM_F_ACK_TLVS: u16 = 0x200;
const NLMSGERR_ATTR_MSG: u16 = 1;
/// How long to wait for the kernel's answers. The kernel processes a batch
/// during `sendmsg`, so every answer is queued when it returns; this only
/// bounds the wait if something is wrong.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);
/// Receive-buffer space reserved per ACK (an ACK skb's true size is well below).
const RCVBUF_PER_ACK: usize = 2048;

/// An `AF_NETLINK`/`NETLINK_NETFILTER` socket.
pub(crate) struct NetfilterSocket {
    fd: OwnedFd,
}

fn last_error(op: NetlinkOp) -> ApplyError {
    ApplyError::Io {
        op,
        source: io::Error::last_os_error(),
    }
}

impl NetfilterSocket {
    /// Opens the socket in the current thread's network namespace.
    pub(crate) fn open_here() -> Result<Self, ApplyError> {
        // SAFETY: plain socket(2); the fd is owned right away.
        let raw = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::NETLINK_NETFILTER,
            )
        };
        if raw < 0 {
            return Err(last_error(NetlinkOp::OpenSocket));
        }
        // SAFETY: `raw` is a fresh fd that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: zeroed sockaddr_nl is valid; we set the family.
        let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        // SAFETY: `addr` is a valid sockaddr_nl of the given size.
        let rc = unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&raw const addr).cast::<libc::sockaddr>(),
                std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        };
        if rc < 0 {
            return Err(last_error(NetlinkOp::BindSocket));
        }
        let socket = NetfilterSocket { fd };
        // Short ACKs (no copy of the request) and error messages from the kernel.
        socket.set_int(
            SOL_NETLINK,
            NETLINK_CAP_ACK,
            1,
            NetlinkOp::SetOption("NETLINK_CAP_ACK"),
        )?;
        // Extended ACKs are optional (older kernels); ignore a refusal.
        let _ = socket.set_int(
            SOL_NETLINK,
            NETLINK_EXT_ACK,
            1,
            NetlinkOp::SetOption("NETLINK_EXT_ACK"),
        );
        Ok(socket)
    }

    /// Opens the socket in the current namespace, or in the named one.
    pub(crate) fn open(netns: Option<&str>) -> Result<Self, ApplyError> {
        in_namespace(netns, Self::open_here)
    }

    /// Sends `bytes` (one or more netlink messages) in one `sendmsg`.
    pub(crate) fn send(&self, bytes: &[u8], op: NetlinkOp) -> Result<(), ApplyError> {
        // SAFETY: zeroed sockaddr_nl is valid; pid 0 is the kernel.
        let mut kernel: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        kernel.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        // SAFETY: the buffer and address are valid for the given lengths.
        let sent = unsafe {
            libc::sendto(
                self.fd.as_raw_fd(),
                bytes.as_ptr().cast::<libc::c_void>(),
                bytes.len(),
                0,
                (&raw const kernel).cast::<libc::sockaddr>(),
                std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        };
        if sent < 0 {
            return Err(last_error(op));
        }
        if sent as usize != bytes.len() {
            return Err(ApplyError::Io {
                op,
                source: io::Error::other(t!("nft-short-send")),
            });
        }
        Ok(())
    }

    /// Reads the replies to a request sent on this socket until
    /// `NLMSG_DONE` (a dump), an error, or `each` returning false (or, when
    /// `dump` is false, the request's ACK); `each` gets every message of
    /// `subsystem` (type without subsystem, body after the netlink header),
    /// read with the one walk and errno reader ([`wire::messages`],
    /// [`wire::error_of`]). At most `MAX_REPLY_DATAGRAMS` datagrams, each
    /// within `wait`. A refusal comes back as an error (`ENOENT` for an
    /// absent table is not one for a dump: the dump is then empty).
    pub(crate) fn read_replies(
        &self,
        op: NetlinkOp,
        subsystem: u16,
        wait: Duration,
        dump: bool,
        mut each: impl FnMut(u16, &[u8]) -> bool,
    ) -> Result<(), ApplyError> {
        let mut buf = vec![0u8; 64 * 1024];
        for _ in 0..MAX_REPLY_DATAGRAMS {
            let Some(n) = self.receive(&mut buf, wait, op)? else {
                return Err(ApplyError::Io {
                    op,
                    source: io::Error::new(io::ErrorKind::TimedOut, t!("nft-dump-did-not-end")),
                });
            };
            for (kind, body) in wire::messages(&buf[..n]) {
                match kind {
                    NLMSG_DONE => return Ok(()),
                    NLMSG_ERROR => {
                        let errno = wire::error_of(body);
                        if errno != 0 {
                            return Err(ApplyError::Io {
                                op,
                                source: io::Error::from_raw_os_error(errno),
                            });
                        }
                        if !dump {
                            return Ok(());
                        }
                    }
                    k if k >> 8 == subsystem && !each(k & 0xff, body) => return Ok(()),
                    _ => {}
                }
            }
        }
        Err(ApplyError::Io {
            op,
            source: io::Error::other(t!("nft-dump-did-not-end")),
        })
    }

    /// Receives one datagram into `buf` within `wait`; `None` when nothing
    /// came.
    pub(crate) fn receive(
        &self,
        buf: &mut [u8],
        wait: Duration,
        op: NetlinkOp,
    ) -> Result<Option<usize>, ApplyError> {
        let deadline = Instant::now() + wait;
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            let mut pfd = libc::pollfd {
                fd: self.fd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            let millis = (deadline - now).as_millis().min(i32::MAX as u128) as libc::c_int;
            // SAFETY: one valid pollfd.
            let ready = unsafe { libc::poll(&raw mut pfd, 1, millis.max(1)) };
            if ready < 0 {
                let err = io::Error::last_os_error();
                if err.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(ApplyError::Io { op, source: err });
            }
            if ready == 0 {
                return Ok(None);
            }
            // SAFETY: `buf` is valid for its length.
            let n = unsafe {
                libc::recv(
                    self.fd.as_raw_fd(),
                    buf.as_mut_ptr().cast::<libc::c_void>(),
                    buf.len(),
                    libc::MSG_DONTWAIT,
                )
            };
            if n < 0 {
                let err = io::Error::last_os_error();
                if matches!(
                    err.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                ) {
                    continue;
                }
                return Err(ApplyError::Io { op, source: err });
            }
            return Ok(Some(n as usize));
        }
    }

    /// Sizes the receive buffer for `bytes` of answers.
    pub(crate) fn size_receive_buffer(&self, bytes: usize) -> Result<(), ApplyError> {
        self.size_buffer(
            libc::SO_RCVBUFFORCE,
            libc::SO_RCVBUF,
            bytes,
            NetlinkOp::SizeReceiveBuffer,
        )
    }

    fn set_int(
        &self,
        level: libc::c_int,
        opt: libc::c_int,
        value: libc::c_int,
        op: NetlinkOp,
    ) -> Result<(), ApplyError> {
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
            return Err(last_error(op));
        }
        Ok(())
    }

    /// Sizes a socket buffer: the privileged `*BUFFORCE` first (past
    /// `net.core.*mem_max`), the plain option as a fallback.
    fn size_buffer(
        &self,
        force: libc::c_int,
        plain: libc::c_int,
        bytes: usize,
        op: NetlinkOp,
    ) -> Result<(), ApplyError> {
        let value = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
        if self.set_int(libc::SOL_SOCKET, force, value, op).is_ok() {
            return Ok(());
        }
        self.set_int(libc::SOL_SOCKET, plain, value, op)
    }

    /// Sends `batch` in one `sendmsg` (the kernel applies a batch only when
    /// it arrives whole) and collects the answers: until every acked message
    /// has its answer (the kernel sends the answers of a batch in order, so
    /// the refusals of messages that asked for none come before), or, once a
    /// message was refused, until no more come.
    pub(crate) fn exchange(&self, batch: &Batch) -> Result<Vec<Answer>, ApplyError> {
        let mut unanswered: Vec<u32> = batch
            .messages
            .iter()
            .filter(|m| m.acked)
            .map(|m| m.seq)
            .collect();
        unanswered.sort_unstable();
        // Any message may be refused, and each refusal is an answer: room
        // for one per message, so that none is dropped (the space is only
        // taken when answers arrive).
        let answerable = batch
            .messages
            .iter()
            .filter(|m| !matches!(m.kind, MessageKind::BatchBegin | MessageKind::BatchEnd))
            .count();
        self.size_buffer(
            libc::SO_SNDBUFFORCE,
            libc::SO_SNDBUF,
            batch.bytes.len() + 64 * 1024,
            NetlinkOp::SizeSendBuffer,
        )?;
        self.size_buffer(
            libc::SO_RCVBUFFORCE,
            libc::SO_RCVBUF,
            answerable * RCVBUF_PER_ACK + 256 * 1024,
            NetlinkOp::SizeReceiveBuffer,
        )?;
        self.send(&batch.bytes, NetlinkOp::SendBatch)?;

        let mut answers = Vec::with_capacity(unanswered.len());
        let mut buf = vec![0u8; 64 * 1024];
        let deadline = Instant::now() + ANSWER_TIMEOUT;
        let mut failed = false;
        while !unanswered.is_empty() {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            // Once a message failed, the kernel may not answer the rest: wait briefly.
            let wait = if failed {
                Duration::from_millis(200)
            } else {
                deadline - now
            };
            let mut pfd = libc::pollfd {
                fd: self.fd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            let ready = unsafe {
                libc::poll(
                    &raw mut pfd,
                    1,
                    wait.as_millis().min(i32::MAX as u128) as libc::c_int,
                )
            };
            if ready < 0 {
                let err = io::Error::last_os_error();
                if err.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(ApplyError::Io {
                    op: NetlinkOp::WaitForAnswers,
                    source: err,
                });
            }
            if ready == 0 {
                break;
            }
            // SAFETY: `buf` is valid for its length.
            let n = unsafe {
                libc::recv(
                    self.fd.as_raw_fd(),
                    buf.as_mut_ptr().cast::<libc::c_void>(),
                    buf.len(),
                    libc::MSG_DONTWAIT,
                )
            };
            if n < 0 {
                let err = io::Error::last_os_error();
                if matches!(
                    err.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                ) {
                    continue;
                }
                return Err(ApplyError::Io {
                    op: NetlinkOp::ReceiveAnswers,
                    source: err,
                });
            }
            for answer in parse_answers(&buf[..n as usize]) {
                failed |= answer.errno != 0;
                if let Ok(at) = unanswered.binary_search(&answer.seq) {
                    unanswered.remove(at);
                }
                answers.push(answer);
            }
        }
        Ok(answers)
    }
}

/// Runs `f` in the current network namespace, or (`netns = Some(name)`) on a
/// helper thread that entered `/var/run/netns/<name>` and ends with `f`: the
/// sockets `f` opens live in that namespace, and the caller's thread never
/// changes namespace.
pub(crate) fn in_namespace<T, F>(netns: Option<&str>, f: F) -> Result<T, ApplyError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ApplyError> + Send + 'static,
{
    let Some(name) = netns else {
        return f();
    };
    if name.is_empty() || name == "." || name == ".." || name.contains('/') || name.contains('\0') {
        return Err(ApplyError::BadNamespaceName(name.to_owned()));
    }
    let path = format!("/var/run/netns/{name}");
    let owned_name = name.to_owned();
    let handle = std::thread::Builder::new()
        .name("sanso-netns".to_owned())
        .spawn(move || -> Result<T, ApplyError> {
            let ns = File::open(&path).map_err(|source| ApplyError::Namespace {
                name: owned_name.clone(),
                source,
            })?;
            // SAFETY: setns(2) on an fd we own; it changes only this helper
            // thread, which ends right after `f`.
            if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } < 0 {
                return Err(ApplyError::Namespace {
                    name: owned_name,
                    source: io::Error::last_os_error(),
                });
            }
            f()
        })
        .map_err(|source| ApplyError::Io {
            op: NetlinkOp::SpawnHelper,
            source,
        })?;
    handle.join().map_err(|_| ApplyError::Io {
        op: NetlinkOp::JoinHelper,
        source: io::Error::other(t!("nft-helper-panicked")),
    })?
}

/// The kernel's answer to one message: `errno` 0 is an ACK.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Answer {
    pub seq: u32,
    pub errno: i32,
    /// The extended-ACK message, when the kernel sent one.
    pub message: Option<String>,
}

fn u16_at(buf: &[u8], at: usize) -> Option<u16> {
    buf.get(at..at + 2)
        .map(|b| u16::from_ne_bytes([b[0], b[1]]))
}

fn u32_at(buf: &[u8], at: usize) -> Option<u32> {
    buf.get(at..at + 4)
        .map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
}

/// The `NLMSG_ERROR` messages of one datagram.
pub(crate) fn parse_answers(mut buf: &[u8]) -> Vec<Answer> {
    const HDR: usize = 16;
    let mut out = Vec::new();
    while buf.len() >= HDR {
        let Some(len) = u32_at(buf, 0).map(|l| l as usize) else {
            break;
        };
        if len < HDR || len > buf.len() {
            break;
        }
        let msg = &buf[..len];
        let kind = u16_at(msg, 4).unwrap_or(0);
        let flags = u16_at(msg, 6).unwrap_or(0);
        if kind == NLMSG_ERROR && len >= HDR + 4 + HDR {
            let errno = u32_at(msg, HDR).map_or(0, |e| (e as i32).wrapping_neg());
            // The seq of the request is in the copied request header.
            let seq = u32_at(msg, HDR + 4 + 8).unwrap_or(0);
            let message = if flags & NLM_F_ACK_TLVS != 0 {
                ext_ack_message(&msg[HDR + 4 + HDR..])
            } else {
                None
            };
            out.push(Answer {
                seq,
                errno,
                message,
            });
        }
        let step = len.div_ceil(4) * 4;
        if step >= buf.len() {
            break;
        }
        buf = &buf[step..];
    }
    out
}

fn ext_ack_message(mut tlvs: &[u8]) -> Option<String> {
    while tlvs.len() >= 4 {
        let len = usize::from(u16_at(tlvs, 0)?);
        let kind = u16_at(tlvs, 2)?;
        if len < 4 || len > tlvs.len() {
            return None;
        }
        if kind == NLMSGERR_ATTR_MSG {
            let text = &tlvs[4..len];
            let text = text.split(|b| *b == 0).next().unwrap_or(text);
            return Some(String::from_utf8_lossy(text).into_owned());
        }
        let step = len.div_ceil(4) * 4;
        if step >= tlvs.len() {
            break;
        }
        tlvs = &tlvs[step..];
    }
    None
}

/// The message an answer is about.
pub(crate) fn message_of(messages: &[MessageInfo], seq: u32) -> Option<&MessageInfo> {
    let first = messages.first()?.seq;
    messages
        .get(seq.wrapping_sub(first) as usize)
        .filter(|m| m.seq == seq)
}
