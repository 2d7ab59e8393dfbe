//! `ha.toml`: parse (raw types with spans, unknown keys refused), then
//! validate into [`Ha`], reporting every problem at once.
//!
//! ```toml
//! [sync]
//! interface = "sync0"          # the dedicated link between the two nodes
//! key_file = "/etc/sanso/ha.key"
//! conntrackd_port = 3780       # conntrackd's FTFW messages (UDP)
//! exchange_port = 3781         # sanso's policy announcements (UDP)
//! check_interval = 5           # seconds between announcements and checks
//!
//! [vrrp]
//! advert_interval = 1          # seconds
//!
//! [virtual.lan0]               # one table per zone interface
//! router_id = 51
//! addresses = ["10.0.1.1/24"]
//!
//! [nodes.gw-a]
//! priority = 150
//! sync_address = "192.168.255.1"
//!
//! [nodes.gw-b]
//! priority = 100
//! sync_address = "192.168.255.2"
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use ipnet::IpNet;
use sanso_i18n::t;
use serde::Deserialize;
use toml::Spanned;

/// A validated HA description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ha {
    /// The file it was read from (for messages).
    pub file: String,
    pub sync: Sync,
    pub vrrp: Vrrp,
    /// One per zone interface, sorted by interface name.
    pub virtuals: Vec<Virtual>,
    /// Exactly two, sorted by name.
    pub nodes: [Node; 2],
}

/// The dedicated link between the nodes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sync {
    pub interface: String,
    pub key_file: PathBuf,
    pub conntrackd_port: u16,
    pub exchange_port: u16,
    pub check_interval: Duration,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vrrp {
    /// Seconds between adverts (keepalived's `advert_int`).
    pub advert_interval: u8,
}

/// The virtual addresses of one zone interface: one VRRP instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Virtual {
    pub interface: String,
    pub router_id: u8,
    pub addresses: Vec<IpNet>,
}

impl Virtual {
    /// The VRRP instance's name in keepalived.conf.
    pub fn instance(&self) -> String {
        format!("sanso_{}", self.interface.replace(['.', '-'], "_"))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    /// VRRP priority (1 to 254); the higher one is active when both run.
    pub priority: u8,
    /// This node's address on the sync interface.
    pub sync_address: IpAddr,
}

impl Ha {
    /// The node called `name`.
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.name == name)
    }

    /// The other node of the pair.
    pub fn peer_of(&self, name: &str) -> Option<&Node> {
        self.node(name)?;
        self.nodes.iter().find(|n| n.name != name)
    }

    /// The node names, for messages.
    pub fn node_names(&self) -> String {
        t!(
            "ha-node-names",
            first = &self.nodes[0].name,
            second = &self.nodes[1].name
        )
    }
}

/// One problem in an HA file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HaError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The table or field at fault (`nodes.gw-a.priority`), empty for the
    /// file as a whole.
    pub at: String,
    pub message: String,
}

impl fmt::Display for HaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if !self.at.is_empty() {
            write!(f, "{}: ", self.at)?;
        }
        write!(f, "{}", self.message)
    }
}

/// Every problem found, in file order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct HaErrors(pub Vec<HaError>);

impl fmt::Display for HaErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHa {
    sync: Spanned<RawSync>,
    #[serde(default)]
    vrrp: Option<Spanned<RawVrrp>>,
    #[serde(default, rename = "virtual")]
    virtuals: BTreeMap<String, Spanned<RawVirtual>>,
    #[serde(default)]
    nodes: BTreeMap<String, Spanned<RawNode>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSync {
    interface: Spanned<String>,
    key_file: Spanned<String>,
    #[serde(default)]
    conntrackd_port: Option<Spanned<i64>>,
    #[serde(default)]
    exchange_port: Option<Spanned<i64>>,
    #[serde(default)]
    check_interval: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVrrp {
    #[serde(default)]
    advert_interval: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVirtual {
    router_id: Spanned<i64>,
    addresses: Spanned<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNode {
    priority: Spanned<i64>,
    sync_address: Spanned<String>,
}

/// conntrackd's default port.
pub const DEFAULT_CONNTRACKD_PORT: u16 = 3780;
/// sanso's announcements, next to it.
pub const DEFAULT_EXCHANGE_PORT: u16 = 3781;
pub const DEFAULT_CHECK_INTERVAL: Duration = Duration::from_secs(5);
/// keepalived's default.
pub const DEFAULT_ADVERT_INTERVAL: u8 = 1;

struct Problems<'t> {
    file: &'t str,
    text: &'t str,
    errors: Vec<(usize, HaError)>,
}

impl Problems<'_> {
    fn at(&mut self, offset: usize, at: impl Into<String>, message: impl Into<String>) {
        let (line, column) = line_column(self.text, offset);
        self.errors.push((
            offset,
            HaError {
                file: self.file.to_owned(),
                line,
                column,
                at: at.into(),
                message: message.into(),
            },
        ));
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

/// An interface name the kernel accepts: 1 to 15 bytes, no `/`, no
/// whitespace, not `.` or `..`.
fn interface_problem(name: &str) -> Option<String> {
    if name.is_empty() || name.len() > 15 {
        return Some(t!("ha-bad-interface-length", name = format!("{name:?}")));
    }
    if name == "."
        || name == ".."
        || name
            .chars()
            .any(|c| c == '/' || c == ':' || !c.is_ascii_graphic())
    {
        return Some(t!("ha-bad-interface-chars", name = format!("{name:?}")));
    }
    None
}

/// A node name usable in file names, keepalived's router_id and logs.
fn node_name_problem(name: &str) -> Option<String> {
    let safe = !name.is_empty()
        && name.len() <= 32
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    (!safe).then(|| t!("ha-bad-node-name", name = format!("{name:?}")))
}

fn in_range(
    problems: &mut Problems<'_>,
    value: &Spanned<i64>,
    at: &str,
    range: std::ops::RangeInclusive<i64>,
    what: &str,
) -> Option<i64> {
    let v = *value.get_ref();
    if range.contains(&v) {
        Some(v)
    } else {
        problems.at(
            value.span().start,
            at,
            t!(
                "ha-out-of-range",
                value = v.to_string(),
                what = what,
                min = range.start().to_string(),
                max = range.end().to_string()
            ),
        );
        None
    }
}

/// Reads an HA description; `file` names it in messages.
pub fn load(file: &str, text: &str) -> Result<Ha, HaErrors> {
    let mut problems = Problems {
        file,
        text,
        errors: Vec::new(),
    };
    let raw: RawHa = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(err) => {
            let offset = err.span().map_or(0, |s| s.start);
            let message = err.message().trim().to_owned();
            problems.at(offset, "", message);
            return Err(HaErrors(
                problems.errors.into_iter().map(|(_, e)| e).collect(),
            ));
        }
    };
    let ha = validate(&mut problems, raw);
    if problems.errors.is_empty() {
        if let Some(ha) = ha {
            return Ok(ha);
        }
    }
    problems.errors.sort_by_key(|(offset, _)| *offset);
    Err(HaErrors(
        problems.errors.into_iter().map(|(_, e)| e).collect(),
    ))
}

fn validate(problems: &mut Problems<'_>, raw: RawHa) -> Option<Ha> {
    let sync_start = raw.sync.span().start;
    let raw_sync = raw.sync.into_inner();
    let interface = raw_sync.interface.get_ref().clone();
    if let Some(problem) = interface_problem(&interface) {
        problems.at(raw_sync.interface.span().start, "sync.interface", problem);
    }
    let key_file = raw_sync.key_file.get_ref().clone();
    if !key_file.starts_with('/') {
        problems.at(
            raw_sync.key_file.span().start,
            "sync.key_file",
            t!("ha-key-file-relative", path = format!("{key_file:?}")),
        );
    }
    let port =
        |problems: &mut Problems<'_>, v: &Option<Spanned<i64>>, at: &str, default: u16| match v {
            Some(v) => in_range(problems, v, at, 1..=65535, &t!("ha-what-port"))
                .and_then(|p| u16::try_from(p).ok())
                .unwrap_or(default),
            None => default,
        };
    let conntrackd_port = port(
        problems,
        &raw_sync.conntrackd_port,
        "sync.conntrackd_port",
        DEFAULT_CONNTRACKD_PORT,
    );
    let exchange_port = port(
        problems,
        &raw_sync.exchange_port,
        "sync.exchange_port",
        DEFAULT_EXCHANGE_PORT,
    );
    if conntrackd_port == exchange_port {
        let offset = raw_sync
            .exchange_port
            .as_ref()
            .or(raw_sync.conntrackd_port.as_ref())
            .map_or(sync_start, |s| s.span().start);
        problems.at(
            offset,
            "sync.exchange_port",
            t!("ha-port-shared", port = exchange_port.to_string()),
        );
    }
    let check_interval = match &raw_sync.check_interval {
        Some(v) => in_range(
            problems,
            v,
            "sync.check_interval",
            1..=3600,
            &t!("ha-what-check-interval"),
        )
        .map_or(DEFAULT_CHECK_INTERVAL, |s| {
            Duration::from_secs(s.unsigned_abs())
        }),
        None => DEFAULT_CHECK_INTERVAL,
    };

    let advert_interval = match raw
        .vrrp
        .as_ref()
        .and_then(|v| v.get_ref().advert_interval.as_ref())
    {
        Some(v) => in_range(
            problems,
            v,
            "vrrp.advert_interval",
            1..=255,
            &t!("ha-what-advert-interval"),
        )
        .and_then(|s| u8::try_from(s).ok())
        .unwrap_or(DEFAULT_ADVERT_INTERVAL),
        None => DEFAULT_ADVERT_INTERVAL,
    };

    let mut virtuals = Vec::new();
    let mut ids: BTreeMap<u8, String> = BTreeMap::new();
    let mut seen_addresses: BTreeMap<IpAddr, String> = BTreeMap::new();
    if raw.virtuals.is_empty() {
        problems.at(0, "virtual", t!("ha-no-virtuals"));
    }
    for (name, spanned) in raw.virtuals {
        let start = spanned.span().start;
        let v = spanned.into_inner();
        let at = format!("virtual.{name}");
        if let Some(problem) = interface_problem(&name) {
            problems.at(start, &at, problem);
        }
        if name == interface {
            problems.at(
                start,
                &at,
                t!("ha-virtual-on-sync", name = format!("{name:?}")),
            );
        }
        let router_id = in_range(
            problems,
            &v.router_id,
            &format!("{at}.router_id"),
            1..=255,
            &t!("ha-what-router-id"),
        )
        .and_then(|r| u8::try_from(r).ok());
        if let Some(id) = router_id {
            if let Some(other) = ids.insert(id, name.clone()) {
                problems.at(
                    v.router_id.span().start,
                    format!("{at}.router_id"),
                    t!("ha-router-id-shared", id = id.to_string(), other = &other),
                );
            }
        }
        let mut addresses = Vec::new();
        if v.addresses.get_ref().is_empty() {
            problems.at(
                v.addresses.span().start,
                format!("{at}.addresses"),
                t!("ha-no-addresses"),
            );
        }
        for a in v.addresses.get_ref() {
            match a.get_ref().parse::<IpNet>() {
                Ok(net) => {
                    if let Some(other) = seen_addresses.insert(net.addr(), name.clone()) {
                        problems.at(
                            a.span().start,
                            format!("{at}.addresses"),
                            t!(
                                "ha-address-shared",
                                address = net.addr().to_string(),
                                other = &other
                            ),
                        );
                    }
                    addresses.push(net);
                }
                Err(_) => problems.at(
                    a.span().start,
                    format!("{at}.addresses"),
                    t!("ha-bad-address", value = format!("{:?}", a.get_ref())),
                ),
            }
        }
        if let Some(router_id) = router_id {
            virtuals.push(Virtual {
                interface: name,
                router_id,
                addresses,
            });
        }
    }

    let mut nodes = Vec::new();
    let node_count = raw.nodes.len();
    if node_count != 2 {
        let offset = raw.nodes.values().nth(2).map_or(0, |n| n.span().start);
        problems.at(offset, "nodes", t!("ha-node-count", count = node_count));
    }
    for (name, spanned) in raw.nodes {
        let start = spanned.span().start;
        let n = spanned.into_inner();
        let at = format!("nodes.{name}");
        if let Some(problem) = node_name_problem(&name) {
            problems.at(start, &at, problem);
        }
        let priority = in_range(
            problems,
            &n.priority,
            &format!("{at}.priority"),
            1..=254,
            &t!("ha-what-priority"),
        )
        .and_then(|p| u8::try_from(p).ok());
        let sync_address = match n.sync_address.get_ref().parse::<IpAddr>() {
            Ok(a) if a.is_unspecified() || a.is_multicast() || a.is_loopback() => {
                problems.at(
                    n.sync_address.span().start,
                    format!("{at}.sync_address"),
                    t!("ha-bad-sync-address-kind", address = a.to_string()),
                );
                None
            }
            Ok(a) => Some(a),
            Err(_) => {
                problems.at(
                    n.sync_address.span().start,
                    format!("{at}.sync_address"),
                    t!(
                        "ha-bad-sync-address",
                        value = format!("{:?}", n.sync_address.get_ref())
                    ),
                );
                None
            }
        };
        if let (Some(priority), Some(sync_address)) = (priority, sync_address) {
            nodes.push((
                n.priority.span().start,
                n.sync_address.span().start,
                Node {
                    name,
                    priority,
                    sync_address,
                },
            ));
        }
    }
    if let [(_, _, a), (p, s, b)] = nodes.as_slice() {
        if a.priority == b.priority {
            problems.at(
                *p,
                format!("nodes.{}.priority", b.name),
                t!(
                    "ha-same-priority",
                    priority = b.priority.to_string(),
                    other = &a.name
                ),
            );
        }
        if a.sync_address == b.sync_address {
            problems.at(
                *s,
                format!("nodes.{}.sync_address", b.name),
                t!(
                    "ha-same-sync-address",
                    address = b.sync_address.to_string(),
                    other = &a.name
                ),
            );
        } else if a.sync_address.is_ipv4() != b.sync_address.is_ipv4() {
            problems.at(
                *s,
                format!("nodes.{}.sync_address", b.name),
                t!(
                    "ha-sync-families",
                    address = b.sync_address.to_string(),
                    other = &a.name,
                    other_address = a.sync_address.to_string()
                ),
            );
        }
        for node in [a, b] {
            if let Some(iface) = seen_addresses.get(&node.sync_address) {
                problems.at(
                    *s,
                    format!("nodes.{}.sync_address", node.name),
                    t!(
                        "ha-sync-is-virtual",
                        address = node.sync_address.to_string(),
                        interface = iface
                    ),
                );
            }
        }
    }
    let mut nodes = nodes.into_iter().map(|(_, _, n)| n);
    let (Some(first), Some(second), None) = (nodes.next(), nodes.next(), nodes.next()) else {
        return None;
    };
    Some(Ha {
        file: problems.file.to_owned(),
        sync: Sync {
            interface,
            key_file: PathBuf::from(key_file),
            conntrackd_port,
            exchange_port,
            check_interval,
        },
        vrrp: Vrrp { advert_interval },
        virtuals,
        nodes: [first, second],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const EXAMPLE: &str = include_str!("../../../deploy/ha/ha.toml");

    fn errors(text: &str) -> Vec<String> {
        load("ha.toml", text)
            .expect_err("refused")
            .0
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn the_example_loads() {
        let ha = load("deploy/ha/ha.toml", EXAMPLE).expect("the example is valid");
        assert_eq!(ha.nodes[0].name, "gw-a");
        assert_eq!(ha.peer_of("gw-a").map(|n| n.name.as_str()), Some("gw-b"));
        assert_eq!(ha.peer_of("gw-c"), None);
        assert!(!ha.virtuals.is_empty());
        assert_eq!(ha.sync.conntrackd_port, 3780);
    }

    const BASE: &str = r#"
[sync]
interface = "sync0"
key_file = "/etc/sanso/ha.key"

[virtual.lan0]
router_id = 51
addresses = ["10.0.1.1/24"]

[nodes.a]
priority = 150
sync_address = "192.168.255.1"

[nodes.b]
priority = 100
sync_address = "192.168.255.2"
"#;

    #[test]
    fn defaults_apply() {
        let ha = load("ha.toml", BASE).expect("valid");
        assert_eq!(ha.sync.exchange_port, DEFAULT_EXCHANGE_PORT);
        assert_eq!(ha.sync.check_interval, DEFAULT_CHECK_INTERVAL);
        assert_eq!(ha.vrrp.advert_interval, 1);
        assert_eq!(ha.virtuals[0].instance(), "sanso_lan0");
    }

    #[test]
    fn every_problem_names_file_line_and_field() {
        let text = BASE
            .replace("priority = 100", "priority = 150")
            .replace("\"192.168.255.2\"", "\"192.168.255.2/24\"")
            .replace("router_id = 51", "router_id = 300");
        assert_eq!(
            errors(&text),
            [
                "ha.toml:7:13: virtual.lan0.router_id: 300 is out of range: a VRRP router id must be 1 to 255",
                "ha.toml:16:16: nodes.b.sync_address: \"192.168.255.2/24\" is not an address (no prefix length here), e.g. \"192.168.255.1\"",
            ]
        );
        let text = BASE.replace("priority = 100", "priority = 150");
        assert_eq!(
            errors(&text),
            ["ha.toml:15:12: nodes.b.priority: 150 is the priority of nodes.a too: the active node must have the higher one"]
        );
    }

    #[test]
    fn unknown_keys_and_missing_nodes_are_refused() {
        let e = errors(&BASE.replace("priority = 150", "priority = 150\npriorty = 1"));
        assert_eq!(e.len(), 1);
        assert!(
            e[0].starts_with("ha.toml:12:1: unknown field `priorty`"),
            "{e:?}"
        );
        let one = BASE.split("[nodes.b]").next().unwrap_or_default();
        assert_eq!(
            errors(one),
            ["ha.toml:1:1: nodes: 1 node(s) described: a pair needs exactly two [nodes.NAME] tables"]
        );
    }

    #[test]
    fn the_sync_interface_carries_no_virtual_address() {
        let text = BASE.replace("[virtual.lan0]", "[virtual.sync0]");
        let e = errors(&text);
        assert!(
            e[0].contains("virtual.sync0: \"sync0\" is the sync interface"),
            "{e:?}"
        );
        let text = BASE.replace(
            "key_file = \"/etc/sanso/ha.key\"",
            "key_file = \"ha.key\"\nexchange_port = 3780",
        );
        let e = errors(&text);
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].contains("sync.key_file: \"ha.key\" must be an absolute path"));
        assert!(e[1].contains("sync.exchange_port: 3780 is conntrackd's port too"));
    }
}
