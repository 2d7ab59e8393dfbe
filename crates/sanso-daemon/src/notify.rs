//! systemd readiness (`sd_notify`): one datagram to `$NOTIFY_SOCKET`, written
//! here rather than with a crate. Without the variable (not under systemd)
//! nothing happens.

use std::os::unix::net::UnixDatagram;

/// Sends `state` (e.g. `"READY=1\nSTATUS=..."`) to the service manager.
/// Returns whether a message was sent.
pub fn notify(state: &str) -> std::io::Result<bool> {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        return Ok(false);
    };
    let socket = UnixDatagram::unbound()?;
    let bytes = path.as_encoded_bytes();
    if let Some(name) = bytes.strip_prefix(b"@") {
        use std::os::linux::net::SocketAddrExt;
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
        socket.send_to_addr(state.as_bytes(), &addr)?;
    } else {
        socket.send_to(state.as_bytes(), &path)?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    #[test]
    fn readiness_reaches_the_notify_socket() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("notify.sock");
        let receiver = std::os::unix::net::UnixDatagram::bind(&path).expect("bind");
        // SAFETY-free: set_var is only unsafe in edition 2024; this test owns the variable.
        std::env::set_var("NOTIFY_SOCKET", &path);
        let sent = super::notify("READY=1\nSTATUS=test");
        std::env::remove_var("NOTIFY_SOCKET");
        assert!(sent.expect("sent"));
        let mut buf = [0u8; 64];
        let n = receiver.recv(&mut buf).expect("recv");
        assert_eq!(&buf[..n], b"READY=1\nSTATUS=test");
    }
}
