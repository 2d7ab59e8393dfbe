//! High availability: the daemon's side of an active/standby pair
//! (issue 18). keepalived moves the virtual addresses and conntrackd the
//! connection state; this module
//!
//! * records the node's role as keepalived's notify reports it
//!   (`sanso ha notify` writes [`ROLE_FILE`] in the state directory;
//!   [`write_role`], [`read_role`]);
//! * runs the policy exchange ([`run`]): every check interval it sends the
//!   peer, over the sync link, an authenticated announcement of the applied
//!   revision and content hash ([`sanso_ha::announce`]), and receives the
//!   peer's; a difference that lasts longer than one check interval is a
//!   warning in the log and the `sanso_ha_policy_mismatch` metric;
//! * keeps the [`HaStatus`] that `sanso status` and the metrics show
//!   ([`current`]): one per process, set only when the daemon runs with
//!   `--ha`.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use sanso_i18n::t;

use crate::actor::Handle;

/// The role record in the state directory.
pub const ROLE_FILE: &str = "ha-role.json";

/// What `sanso ha notify` records.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleRecord {
    /// `master`, `backup`, `fault` or `stop`.
    pub role: String,
    /// RFC 3339.
    pub since: String,
    /// What conntrackd's transition commands said, one line each.
    #[serde(default)]
    pub conntrackd: Vec<String>,
}

/// Writes the role record atomically (a new file renamed over the old).
pub fn write_role(state_dir: &Path, record: &RoleRecord) -> std::io::Result<()> {
    use std::io::Write as _;
    std::fs::create_dir_all(state_dir)?;
    let path = state_dir.join(ROLE_FILE);
    let tmp = state_dir.join(format!(".{ROLE_FILE}.{}", std::process::id()));
    let text = serde_json::to_string(record).map_err(std::io::Error::other)?;
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, &path)
}

/// The role record, `None` when keepalived has not reported yet (or the
/// file cannot be read: said in the log by the caller).
pub fn read_role(state_dir: &Path) -> Option<RoleRecord> {
    let text = std::fs::read_to_string(state_dir.join(ROLE_FILE)).ok()?;
    serde_json::from_str(&text).ok()
}

/// What `sanso status` shows of the pair.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HaStatus {
    pub node: String,
    pub peer: String,
    /// keepalived's last notify: `master`, `backup`, `fault`, `stop`, or
    /// `unknown` before the first.
    pub role: String,
    #[serde(default)]
    pub role_since: Option<String>,
    /// The peer's last announcement, if one was heard.
    #[serde(default)]
    pub peer_role: Option<String>,
    #[serde(default)]
    pub peer_revision: Option<String>,
    #[serde(default)]
    pub peer_content_hash: Option<String>,
    /// RFC 3339 of the last announcement accepted from the peer.
    #[serde(default)]
    pub peer_heard_at: Option<String>,
    /// `match`, `mismatch`, `unknown` (no policy yet on one side, or the
    /// peer not heard within three check intervals).
    pub policy: String,
    /// Since when the policies differ (RFC 3339).
    #[serde(default)]
    pub mismatch_since: Option<String>,
    /// Whether the difference has lasted longer than one check interval.
    #[serde(default)]
    pub mismatch_warned: bool,
    pub check_interval_seconds: u64,
    /// Datagrams dropped (bad MAC, stale, replayed, from a stranger).
    #[serde(default)]
    pub refused_datagrams: u64,
    /// Differences that lasted longer than one check interval.
    #[serde(default)]
    pub mismatch_events: u64,
}

impl std::fmt::Display for HaStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ha role:      {} (node {}", self.role, self.node)?;
        if let Some(since) = &self.role_since {
            write!(f, ", since {since}")?;
        }
        writeln!(f, ")")?;
        match (&self.peer_heard_at, &self.peer_content_hash) {
            (Some(at), hash) => writeln!(
                f,
                "ha peer:      {} {} rev {} sha256:{} (heard {at})",
                self.peer,
                self.peer_role.as_deref().unwrap_or("unknown"),
                self.peer_revision.as_deref().unwrap_or("-"),
                hash.as_deref().unwrap_or("-"),
            )?,
            (None, _) => writeln!(f, "ha peer:      {} not heard yet", self.peer)?,
        }
        write!(f, "ha policy:    {}", self.policy)?;
        if let Some(since) = &self.mismatch_since {
            write!(f, " since {since}")?;
            if self.mismatch_warned {
                write!(
                    f,
                    " (longer than the check interval of {} s: warning)",
                    self.check_interval_seconds
                )?;
            }
        }
        writeln!(f)
    }
}

static CURRENT: OnceLock<Mutex<HaStatus>> = OnceLock::new();
static RULESET_INPUTS: OnceLock<sanso_ir::HaInputs> = OnceLock::new();

/// What the ruleset of this node admits for the pair; `None` without `--ha`.
pub fn ruleset_inputs() -> Option<sanso_ir::HaInputs> {
    RULESET_INPUTS.get().cloned()
}

/// The pair's traffic as the compiler takes it ([`sanso_ir::HaInputs`]).
pub fn inputs_of(settings: &HaSettings) -> Option<sanso_ir::HaInputs> {
    let ha = &settings.ha;
    let peer = ha.peer_of(&settings.node)?;
    Some(sanso_ir::HaInputs {
        sync_interface: ha.sync.interface.clone(),
        peer: peer.sync_address,
        sync_ports: vec![ha.sync.conntrackd_port, ha.sync.exchange_port],
        vrrp_interfaces: ha.virtuals.iter().map(|v| v.interface.clone()).collect(),
    })
}

/// Makes every ruleset this process compiles admit the pair's traffic
/// (once per process: the daemon runs as one node).
pub fn set_ruleset_inputs(settings: &HaSettings) {
    if let Some(inputs) = inputs_of(settings) {
        let _ = RULESET_INPUTS.set(inputs);
    }
}

/// The pair's status, when this daemon runs with `--ha`.
pub fn current() -> Option<HaStatus> {
    let cell = CURRENT.get()?;
    Some(
        cell.lock()
            .map_or_else(|p| p.into_inner().clone(), |s| s.clone()),
    )
}

fn update(f: impl FnOnce(&mut HaStatus)) {
    if let Some(cell) = CURRENT.get() {
        let mut guard = cell
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard);
    }
}

/// The pair's metrics, Prometheus text; empty without `--ha`.
pub fn metrics_text() -> String {
    let Some(s) = current() else {
        return String::new();
    };
    let role = |r: &str| u8::from(s.role == r);
    format!(
        "# HELP sanso_ha_role The node's VRRP role as keepalived last reported it (1 for the current one).\n\
         # TYPE sanso_ha_role gauge\n\
         sanso_ha_role{{role=\"master\"}} {}\nsanso_ha_role{{role=\"backup\"}} {}\nsanso_ha_role{{role=\"fault\"}} {}\nsanso_ha_role{{role=\"stop\"}} {}\n\
         # HELP sanso_ha_policy_mismatch 1 while the peer has announced another policy for longer than one check interval.\n\
         # TYPE sanso_ha_policy_mismatch gauge\n\
         sanso_ha_policy_mismatch {}\n\
         # HELP sanso_ha_peer_heard 1 while the peer's announcements arrive (within three check intervals).\n\
         # TYPE sanso_ha_peer_heard gauge\n\
         sanso_ha_peer_heard {}\n\
         # HELP sanso_ha_policy_mismatch_events_total Policy differences with the peer that lasted longer than one check interval.\n\
         # TYPE sanso_ha_policy_mismatch_events_total counter\n\
         sanso_ha_policy_mismatch_events_total {}\n\
         # HELP sanso_ha_refused_datagrams_total Announcements dropped: bad MAC, stale, replayed or from another node.\n\
         # TYPE sanso_ha_refused_datagrams_total counter\n\
         sanso_ha_refused_datagrams_total {}\n",
        role("master"),
        role("backup"),
        role("fault"),
        role("stop"),
        u8::from(s.mismatch_warned),
        u8::from(s.policy != "unknown"),
        s.mismatch_events,
        s.refused_datagrams,
    )
}

/// How the daemon takes part in a pair (`sanso daemon --ha FILE --node NAME`).
#[derive(Clone, Debug)]
pub struct HaSettings {
    pub ha: sanso_ha::Ha,
    pub node: String,
    /// The shared key (the contents of `sync.key_file`).
    pub key: Vec<u8>,
    /// The daemon's state directory (the role record).
    pub state_dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum HaError {
    #[error("{}", t!("ha-unknown-node", node = format!("{node:?}"), nodes = known))]
    UnknownNode { node: String, known: String },
    #[error("{}", t!("ha-cannot-bind", address = addr.to_string()))]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// The peer as last heard.
struct Peer {
    announcement: sanso_ha::announce::Announcement,
    heard: Instant,
    heard_at: Timestamp,
}

/// Binds the announcement socket: before the daemon is ready, so that a
/// missing sync address is an error at start, not a silent pair.
pub async fn bind(settings: &HaSettings) -> Result<tokio::net::UdpSocket, HaError> {
    let me = settings
        .ha
        .node(&settings.node)
        .ok_or_else(|| HaError::UnknownNode {
            node: settings.node.clone(),
            known: settings.ha.node_names(),
        })?;
    let addr = SocketAddr::new(me.sync_address, settings.ha.sync.exchange_port);
    tokio::net::UdpSocket::bind(addr)
        .await
        .map_err(|source| HaError::Bind { addr, source })
}

fn random_boot() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

/// The exchange: runs until the daemon stops.
pub async fn run(settings: HaSettings, socket: tokio::net::UdpSocket, actor: Handle) {
    let Some(peer_node) = settings.ha.peer_of(&settings.node).cloned() else {
        return;
    };
    let interval = settings.ha.sync.check_interval;
    let _ = CURRENT.set(Mutex::new(HaStatus {
        node: settings.node.clone(),
        peer: peer_node.name.clone(),
        role: "unknown".to_owned(),
        policy: "unknown".to_owned(),
        check_interval_seconds: interval.as_secs(),
        ..HaStatus::default()
    }));
    let to = SocketAddr::new(peer_node.sync_address, settings.ha.sync.exchange_port);
    let boot = random_boot();
    let mut seq = 0u64;
    let mut peer: Option<Peer> = None;
    let mut last_seq: Option<(u64, u64)> = None;
    let mut mismatch: Option<(Instant, Timestamp)> = None;
    let mut said_send_error = false;
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut buf = vec![0u8; sanso_ha::announce::MAX_DATAGRAM];
    let mut local: (Option<String>, Option<String>) = (None, None);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let role = read_role(&settings.state_dir);
                let status = actor.status().await;
                local = status
                    .as_ref()
                    .and_then(|s| s.policy.as_ref())
                    .map_or((None, None), |p| (p.revision.clone(), Some(p.content_hash.clone())));
                update(|s| {
                    if let Some(r) = &role {
                        if s.role != r.role {
                            tracing::info!(role = %r.role, since = %r.since, "{}", t!("ha-log-role"));
                        }
                        s.role.clone_from(&r.role);
                        s.role_since = Some(r.since.clone());
                    }
                });
                seq += 1;
                let announcement = sanso_ha::announce::Announcement {
                    node: settings.node.clone(),
                    boot,
                    seq,
                    sent_at: Timestamp::now().as_second(),
                    role: role.map_or_else(|| "unknown".to_owned(), |r| r.role),
                    revision: local.0.clone(),
                    content_hash: local.1.clone(),
                };
                let datagram = sanso_ha::announce::seal(&announcement, &settings.key);
                match socket.send_to(&datagram, to).await {
                    Ok(_) => said_send_error = false,
                    Err(err) if !said_send_error => {
                        said_send_error = true;
                        tracing::warn!(peer = %to, error = %err, "{}", t!("ha-log-cannot-send"));
                    }
                    Err(_) => {}
                }
            }
            received = socket.recv_from(&mut buf) => {
                let Ok((n, from)) = received else { continue };
                let datagram = buf.get(..n).unwrap_or_default();
                match accept(datagram, from.ip(), &settings, &peer_node.name, peer_node.sync_address, last_seq) {
                    Ok(a) => {
                        last_seq = Some((a.boot, a.seq));
                        peer = Some(Peer { announcement: a, heard: Instant::now(), heard_at: Timestamp::now() });
                    }
                    Err(why) => {
                        tracing::debug!(from = %from, error = %why, "{}", t!("ha-log-dropped"));
                        update(|s| s.refused_datagrams += 1);
                        continue;
                    }
                }
            }
        }
        if let Some(detail) = judge(&local, peer.as_ref(), interval, &mut mismatch) {
            actor.record_ha_mismatch(detail).await;
        }
    }
}

fn accept(
    datagram: &[u8],
    from: IpAddr,
    settings: &HaSettings,
    peer_name: &str,
    peer_address: IpAddr,
    last: Option<(u64, u64)>,
) -> Result<sanso_ha::announce::Announcement, String> {
    if from != peer_address {
        return Err(t!(
            "ha-dropped-address",
            from = from.to_string(),
            peer = peer_address.to_string()
        ));
    }
    let a = sanso_ha::announce::open(datagram, &settings.key, Timestamp::now().as_second())
        .map_err(|e| e.to_string())?;
    if a.node != peer_name {
        return Err(t!(
            "ha-dropped-node",
            node = format!("{:?}", a.node),
            peer = format!("{peer_name:?}")
        ));
    }
    if let Some((boot, seq)) = last {
        if a.boot == boot && a.seq <= seq {
            return Err(t!("ha-dropped-replayed", seq = a.seq, last = seq));
        }
    }
    Ok(a)
}

/// Compares the local and the peer's policy and keeps the status; the
/// detail of the audit record when a difference has just lasted longer
/// than one check interval.
fn judge(
    local: &(Option<String>, Option<String>),
    peer: Option<&Peer>,
    interval: Duration,
    mismatch: &mut Option<(Instant, Timestamp)>,
) -> Option<serde_json::Value> {
    let fresh = peer.filter(|p| p.heard.elapsed() <= 3 * interval);
    let verdict = match (fresh, &local.1) {
        (Some(p), Some(mine)) => match &p.announcement.content_hash {
            Some(theirs) if theirs == mine => "match",
            Some(_) => "mismatch",
            None => "unknown",
        },
        _ => "unknown",
    };
    if verdict == "mismatch" {
        if mismatch.is_none() {
            *mismatch = Some((Instant::now(), Timestamp::now()));
        }
    } else if let Some((_, since)) = mismatch.take() {
        tracing::info!(since = %since, "{}", t!("ha-log-match-again"));
    }
    let lasting = mismatch.is_some_and(|(since, _)| since.elapsed() > interval);
    let mut record = None;
    update(|s| {
        s.policy = verdict.to_owned();
        if let Some(p) = peer {
            s.peer_role = Some(p.announcement.role.clone());
            s.peer_revision.clone_from(&p.announcement.revision);
            s.peer_content_hash.clone_from(&p.announcement.content_hash);
            s.peer_heard_at = Some(p.heard_at.to_string());
        }
        s.mismatch_since = mismatch.map(|(_, at)| at.to_string());
        if lasting && !s.mismatch_warned {
            s.mismatch_events += 1;
            tracing::warn!(
                peer = %s.peer,
                peer_revision = s.peer_revision.as_deref().unwrap_or("-"),
                peer_content_hash = s.peer_content_hash.as_deref().unwrap_or("-"),
                revision = local.0.as_deref().unwrap_or("-"),
                content_hash = local.1.as_deref().unwrap_or("-"),
                "{}",
                t!("ha-log-mismatch")
            );
            record = Some(serde_json::json!({
                "node": s.node,
                "peer": s.peer,
                "since": s.mismatch_since,
                "revision": local.0,
                "content_hash": local.1,
                "peer_revision": s.peer_revision,
                "peer_content_hash": s.peer_content_hash,
                "check_interval_s": s.check_interval_seconds,
            }));
        }
        s.mismatch_warned = lasting;
    });
    record
}

/// `sanso ha relay`: hands the peer's resignation of one VRRP instance to
/// this node's others (see [`sanso_ha::vrrp`] for why). Raw VRRP sockets
/// (IPv4 and IPv6), blocking; needs CAP_NET_RAW.
pub mod relay {
    use std::ffi::CString;
    use std::net::{IpAddr, Ipv6Addr};
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::time::{Duration, Instant};

    use sanso_ha::vrrp::{self, Instance};
    use sanso_i18n::t;

    type Result<T> = std::io::Result<T>;

    fn context(what: &str) -> impl FnOnce(std::io::Error) -> std::io::Error + '_ {
        move |err| std::io::Error::new(err.kind(), format!("{what}: {err}"))
    }

    /// A raw VRRP socket of one family, sending with the TTL (hop limit)
    /// VRRP requires and looping its multicast back to this node.
    struct Raw {
        fd: OwnedFd,
        ipv6: bool,
    }

    fn setopt<T>(fd: &OwnedFd, level: libc::c_int, name: libc::c_int, value: &T) -> Result<()> {
        // SAFETY: `value` points to a live T of the size passed.
        let rc = unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                level,
                name,
                (value as *const T).cast(),
                std::mem::size_of::<T>() as libc::socklen_t,
            )
        };
        if rc != 0 {
            return Err(std::io::Error::last_os_error())
                .map_err(context(&format!("setsockopt({level}, {name})")));
        }
        Ok(())
    }

    impl Raw {
        fn open(ipv6: bool) -> Result<Raw> {
            let family = if ipv6 { libc::AF_INET6 } else { libc::AF_INET };
            // SAFETY: plain socket(2); the descriptor is owned below.
            let raw = unsafe {
                libc::socket(
                    family,
                    libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                    libc::c_int::from(vrrp::PROTOCOL),
                )
            };
            if raw < 0 {
                return Err(std::io::Error::last_os_error())
                    .map_err(context(&t!("ha-relay-no-raw-socket")));
            }
            // SAFETY: `raw` is a new descriptor nobody else owns.
            let fd = unsafe { OwnedFd::from_raw_fd(raw) };
            let ttl: libc::c_int = vrrp::TTL.into();
            let on: libc::c_int = 1;
            if ipv6 {
                setopt(&fd, libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_HOPS, &ttl)?;
                setopt(&fd, libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_LOOP, &on)?;
                let offset = vrrp::V3_CHECKSUM_OFFSET as libc::c_int;
                setopt(&fd, libc::IPPROTO_RAW, libc::IPV6_CHECKSUM, &offset)?;
            } else {
                setopt(&fd, libc::IPPROTO_IP, libc::IP_MULTICAST_TTL, &ttl)?;
                setopt(&fd, libc::IPPROTO_IP, libc::IP_MULTICAST_LOOP, &on)?;
            }
            Ok(Raw { fd, ipv6 })
        }

        /// Sends `message` to VRRP's group on interface `index`.
        fn send(&self, index: u32, message: &[u8]) -> Result<()> {
            let rc = if self.ipv6 {
                let index_int = index as libc::c_int;
                setopt(
                    &self.fd,
                    libc::IPPROTO_IPV6,
                    libc::IPV6_MULTICAST_IF,
                    &index_int,
                )?;
                // SAFETY: an all-zero sockaddr_in6 is valid; fields set below.
                let mut to: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
                to.sin6_family = libc::AF_INET6 as libc::sa_family_t;
                to.sin6_addr.s6_addr = vrrp::GROUP_V6.octets();
                to.sin6_scope_id = index;
                // SAFETY: buffer and address are live for the call.
                unsafe {
                    libc::sendto(
                        self.fd.as_raw_fd(),
                        message.as_ptr().cast(),
                        message.len(),
                        0,
                        (&to as *const libc::sockaddr_in6).cast(),
                        std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t,
                    )
                }
            } else {
                // SAFETY: an all-zero ip_mreqn is valid ("any" address).
                let mut mreq: libc::ip_mreqn = unsafe { std::mem::zeroed() };
                mreq.imr_ifindex = index as libc::c_int;
                setopt(&self.fd, libc::IPPROTO_IP, libc::IP_MULTICAST_IF, &mreq)?;
                // SAFETY: an all-zero sockaddr_in is valid; fields set below.
                let mut to: libc::sockaddr_in = unsafe { std::mem::zeroed() };
                to.sin_family = libc::AF_INET as libc::sa_family_t;
                to.sin_addr.s_addr = u32::from_ne_bytes(vrrp::GROUP_V4.octets());
                // SAFETY: buffer and address are live for the call.
                unsafe {
                    libc::sendto(
                        self.fd.as_raw_fd(),
                        message.as_ptr().cast(),
                        message.len(),
                        0,
                        (&to as *const libc::sockaddr_in).cast(),
                        std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
                    )
                }
            };
            if rc < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        }

        /// One received advertisement and its source, if what arrived is one.
        fn receive(&self) -> Option<(IpAddr, vrrp::Advert)> {
            let mut buf = [0u8; 2048];
            // SAFETY: an all-zero sockaddr_storage is valid.
            let mut from: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
            let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
            // SAFETY: buffer and address are live and sized as passed.
            let n = unsafe {
                libc::recvfrom(
                    self.fd.as_raw_fd(),
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    libc::MSG_DONTWAIT,
                    (&mut from as *mut libc::sockaddr_storage).cast(),
                    &mut len,
                )
            };
            let n = usize::try_from(n).ok()?;
            let data = &buf[..n];
            if self.ipv6 {
                // SAFETY: an AF_INET6 socket fills a sockaddr_in6.
                let from6: libc::sockaddr_in6 =
                    unsafe { std::ptr::read((&from as *const libc::sockaddr_storage).cast()) };
                let source = Ipv6Addr::from(from6.sin6_addr.s6_addr);
                Some((IpAddr::V6(source), vrrp::parse(data)?))
            } else {
                let (source, advert) = vrrp::parse_ipv4_packet(data)?;
                Some((IpAddr::V4(source), advert))
            }
        }
    }

    fn index_of(interface: &str) -> Result<u32> {
        let name = CString::new(interface).map_err(std::io::Error::other)?;
        // SAFETY: a NUL-terminated name.
        let index = unsafe { libc::if_nametoindex(name.as_ptr()) };
        if index == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                t!("ha-relay-no-interface", interface = interface),
            ));
        }
        Ok(index)
    }

    /// Runs until killed: listens to the pair's VRRP advertisements and,
    /// when the master of one router id (the peer) resigns it, sends this
    /// node's instances of the others a priority-0 advertisement looped
    /// back to this node.
    pub fn run(ha: &sanso_ha::Ha, node: &str) -> Result<()> {
        let instances = vrrp::instances(ha);
        let interval = Duration::from_secs(u64::from(ha.vrrp.advert_interval));
        let mut sockets = Vec::new();
        for ipv6 in [false, true] {
            if instances.iter().any(|i| i.ipv6 == ipv6) {
                sockets.push(Raw::open(ipv6)?);
            }
        }
        let listed = instances
            .iter()
            .map(|i| {
                t!(
                    "ha-relay-instance",
                    interface = &i.interface,
                    vrid = i.router_id
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        eprintln!(
            "{}",
            t!(
                "ha-relay-started",
                node = node,
                count = instances.len(),
                instances = listed
            )
        );
        let mut listener = vrrp::Listener::new(&instances, interval);
        let start = Instant::now();
        let mut polls: Vec<libc::pollfd> = sockets
            .iter()
            .map(|s| libc::pollfd {
                fd: s.fd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        loop {
            // SAFETY: `polls` is a live array of its length.
            let rc = unsafe { libc::poll(polls.as_mut_ptr(), polls.len() as libc::nfds_t, 1000) };
            if rc < 0 {
                let err = std::io::Error::last_os_error();
                if err.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(err).map_err(context("poll"));
            }
            for (socket, poll) in sockets.iter().zip(polls.iter_mut()) {
                if poll.revents == 0 {
                    continue;
                }
                if poll.revents & (libc::POLLERR | libc::POLLNVAL) != 0 {
                    // Not a busy loop on a socket in error.
                    std::thread::sleep(Duration::from_millis(100));
                }
                poll.revents = 0;
                while let Some((source, advert)) = socket.receive() {
                    if let Some(router_id) = listener.heard(source, &advert, start.elapsed()) {
                        relay(&sockets, &instances, source, router_id);
                    }
                }
            }
        }
    }

    fn relay(sockets: &[Raw], instances: &[Instance], source: IpAddr, router_id: u8) {
        for target in vrrp::relay_targets(instances, router_id) {
            let Some(socket) = sockets.iter().find(|s| s.ipv6 == target.ipv6) else {
                continue;
            };
            let outcome =
                index_of(&target.interface).and_then(|index| socket.send(index, &target.message));
            match outcome {
                Ok(()) => eprintln!(
                    "{}",
                    t!(
                        "ha-relay-handed",
                        source = source.to_string(),
                        vrid = router_id,
                        target = target.router_id,
                        interface = &target.interface
                    )
                ),
                Err(err) => eprintln!(
                    "{}",
                    t!(
                        "ha-relay-cannot-hand",
                        source = source.to_string(),
                        vrid = router_id,
                        target = target.router_id,
                        interface = &target.interface,
                        error = err.to_string()
                    )
                ),
            }
        }
    }
}
