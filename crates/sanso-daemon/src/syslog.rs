//! `--audit-syslog HOST:PORT`: a copy of the audit chain's head, sent with
//! every record to a remote syslog collector, so that a head exists off the
//! gateway even where the journal is not shipped (docs/operations.md,
//! "The head file").
//!
//! One RFC 5424 message per record over UDP (RFC 5426), facility `authpriv`
//! (10), severity `notice` (5): best effort, never blocking the daemon. A
//! message that cannot be sent is logged and counted by the caller; the
//! record itself is already fsynced in the log.

use std::net::{SocketAddr, UdpSocket};

/// Where and how heads are sent.
#[derive(Debug)]
pub struct SyslogSink {
    socket: UdpSocket,
    target: SocketAddr,
    hostname: String,
}

/// `<PRI>`: facility authpriv (10) * 8 + severity notice (5).
const PRI: u8 = 10 * 8 + 5;

/// RFC 5424 caps HOSTNAME at 255 printable ASCII characters.
const MAX_HOSTNAME: usize = 255;

impl SyslogSink {
    /// A sink sending to `target` from an ephemeral local port.
    pub fn new(target: SocketAddr) -> std::io::Result<Self> {
        let local: SocketAddr = if target.is_ipv4() {
            ([0, 0, 0, 0], 0).into()
        } else {
            ([0u16; 8], 0).into()
        };
        let socket = UdpSocket::bind(local)?;
        socket.set_nonblocking(true)?;
        Ok(SyslogSink {
            socket,
            target,
            hostname: hostname(),
        })
    }

    /// The collector.
    pub fn target(&self) -> SocketAddr {
        self.target
    }

    /// Sends one message naming the record's event and the new head.
    pub fn send(&self, time: &str, event: &str, head: &str) -> std::io::Result<()> {
        let line = message(&self.hostname, std::process::id(), time, event, head);
        self.socket
            .send_to(line.as_bytes(), self.target)
            .map(|_| ())
    }
}

/// One RFC 5424 message: `<85>1 TIME HOST sanso PID audit - MSG`, the
/// message `audit record written event=E audit_head=COUNT:HASH` as the
/// journal line has it.
pub fn message(hostname: &str, pid: u32, time: &str, event: &str, head: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_graphic())
            .take(MAX_HOSTNAME)
            .collect()
    };
    let host = clean(hostname);
    format!(
        "<{PRI}>1 {} {} sanso {pid} audit - audit record written event={} audit_head={}",
        clean(time),
        if host.is_empty() {
            "-".to_owned()
        } else {
            host
        },
        clean(event),
        clean(head)
    )
}

fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at most
    // that many bytes.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return String::new();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_head_reaches_a_collector_as_rfc5424() {
        let collector = UdpSocket::bind("127.0.0.1:0").expect("bind");
        collector
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        let sink = SyslogSink::new(collector.local_addr().expect("addr")).expect("sink");
        sink.send("2026-12-06T16:00:00Z", "apply", "12:2c6d")
            .expect("sent");
        let mut buf = [0u8; 1024];
        let n = collector.recv(&mut buf).expect("received");
        let text = std::str::from_utf8(&buf[..n]).expect("utf-8");
        assert!(text.starts_with("<85>1 2026-12-06T16:00:00Z "), "{text}");
        assert!(
            text.ends_with(" audit - audit record written event=apply audit_head=12:2c6d"),
            "{text}"
        );
    }

    #[test]
    fn fields_cannot_forge_a_second_message() {
        let line = message("gw 1\n<85>1", 7, "t", "apply\nx", "1:ab");
        assert!(!line.contains('\n'));
        assert!(line.contains(" gw1<85>1 sanso 7 "), "{line}");
        assert!(line.contains("event=applyx "), "{line}");
        assert_eq!(message("", 1, "t", "e", "h").split(' ').nth(2), Some("-"));
    }
}
