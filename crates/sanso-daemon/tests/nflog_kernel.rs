//! The NFLOG reader against the real kernel, in a throwaway network
//! namespace with a hand-written table (root only; skipped, saying so,
//! otherwise): no kernel log is involved, so nothing (`nf_log_all_netns`)
//! needs setting for a namespace.
//!
//! Packets are UDP datagrams sent over the namespace's loopback from
//! 127.0.0.2 and 127.0.0.3 and logged in its output hook, each source
//! through its own token bucket of a dynamic set (a meter per source
//! address, as the ruleset does).

mod common;

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use common::Netns;
use sanso_daemon::nflog::{self, Headers, Item, NflogError, L4};
use tokio::sync::mpsc;

/// Not the daemon's group: a daemon on this machine keeps its own.
const GROUP: u16 = 2911;

fn is_root() -> bool {
    sanso_testkit::root("network namespaces, nftables and NFLOG")
}

fn table() -> String {
    format!(
        r#"table inet nflog_test {{
    set src4 {{ type ipv4_addr; size 1024; flags dynamic,timeout; timeout 1m; }}
    chain logged {{
        update @src4 {{ ip saddr limit rate 1/minute burst 3 packets }} log prefix "sanso drop mn>upstream " group {GROUP}
        drop
    }}
    chain output {{
        type filter hook output priority 0; policy accept;
        udp dport 9999 jump logged
    }}
}}
"#
    )
}

/// Sends `count` datagrams from each source to 127.0.0.1:9999, from a thread
/// inside the namespace.
fn send_from(ns: &Netns, sources: &[&str], count: usize) {
    let path = format!("/var/run/netns/{}", ns.name);
    let sources: Vec<IpAddr> = sources.iter().map(|s| s.parse().expect("ip")).collect();
    std::thread::spawn(move || {
        let file = std::fs::File::open(&path).expect("netns file");
        // SAFETY: a valid namespace fd; only this short-lived thread changes namespace.
        assert_eq!(
            unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) },
            0,
            "setns"
        );
        for src in sources {
            let socket = UdpSocket::bind(SocketAddr::new(src, 0)).expect("bind");
            for _ in 0..count {
                // Dropped in output: the error (EPERM) is expected.
                let _ = socket.send_to(b"attempt", "127.0.0.1:9999");
            }
        }
    })
    .join()
    .expect("sender thread");
}

async fn packets_within(rx: &mut mpsc::Receiver<Item>, wait: Duration) -> Vec<nflog::LogPacket> {
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(Some(item)) = tokio::time::timeout_at(deadline, rx.recv()).await {
        match item {
            Item::Packet(p) => got.push(*p),
            Item::Lost(n) => panic!("{n} packets lost"),
        }
    }
    got
}

#[tokio::test]
async fn the_reader_gets_logged_packets_inside_a_namespace_limited_per_source() {
    if !is_root() {
        return;
    }
    let ns = Netns::create("nflog");
    let file = tempfile::NamedTempFile::new().expect("temp");
    std::fs::write(file.path(), table()).expect("write");
    ns.nft(&["-f", &file.path().display().to_string()]);

    let (tx, mut rx) = mpsc::channel(1024);
    let started = Instant::now();
    let _reader = nflog::spawn(Some(ns.name.clone()), GROUP, tx).expect("reader");
    eprintln!("bound NFLOG group {GROUP} in {:?}", started.elapsed());

    // A second reader of the same group in the same namespace is refused.
    let (tx2, _rx2) = mpsc::channel(1);
    match nflog::spawn(Some(ns.name.clone()), GROUP, tx2) {
        Err(NflogError::Bind { group, .. }) => assert_eq!(group, GROUP),
        other => panic!("expected a bind refusal, got {other:?}"),
    }

    let sent = Instant::now();
    send_from(&ns, &["127.0.0.2", "127.0.0.3"], 10);
    let got = packets_within(&mut rx, Duration::from_secs(2)).await;
    // Three per source (the burst), whatever the other source sent.
    let from = |a: &str| {
        got.iter()
            .filter(|p| {
                p.headers
                    .is_some_and(|h| h.src == a.parse::<IpAddr>().expect("ip"))
            })
            .count()
    };
    assert_eq!((from("127.0.0.2"), from("127.0.0.3")), (3, 3), "{got:#?}");
    let first = &got[0];
    assert_eq!(first.prefix, "sanso drop mn>upstream ");
    assert_eq!(first.hook, Some(3), "output hook");
    assert_eq!(first.outdev.as_deref(), Some("lo"));
    let Some(Headers {
        dst,
        proto: 17,
        l4: L4::Ports { dst: 9999, .. },
        ..
    }) = first.headers
    else {
        panic!("headers: {:?}", first.headers);
    };
    assert_eq!(dst, "127.0.0.1".parse::<IpAddr>().expect("ip"));
    let latency = first
        .received
        .duration_since(std::time::SystemTime::now() - sent.elapsed())
        .unwrap_or_default();
    eprintln!("first logged packet received {latency:?} after the send began");
}

#[tokio::test]
async fn a_missing_namespace_is_an_error_at_start() {
    let (tx, _rx) = mpsc::channel(1);
    match nflog::spawn(
        Some(format!("sanso-{}-no-such-ns", std::process::id())),
        GROUP,
        tx,
    ) {
        Err(NflogError::Namespace { .. }) => {}
        other => panic!("expected a namespace error, got {other:?}"),
    }
}
