//! The `keepalived.conf` and `conntrackd.conf` of one node.
//!
//! keepalived: one VRRP instance per zone interface, all in one sync group
//! (they move together), the group's transitions calling
//! `sanso ha notify master|backup|fault|stop`, which records the role for the
//! daemon and runs conntrackd's transition commands (the
//! `primary-backup.sh` of conntrackd's examples).
//!
//! conntrackd: FTFW over UDP unicast on the sync interface, to the peer's
//! sync address, with the external cache (committed on becoming master).

use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;

use crate::model::{Ha, Node};

/// Where things are on the node; the defaults are the Debian package's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderOptions {
    /// The `sanso` binary keepalived calls on transitions.
    pub sanso: PathBuf,
    /// The daemon's state directory (where the role is recorded).
    pub state_dir: PathBuf,
    /// Where the rendered conntrackd.conf is installed.
    pub conntrackd_config: PathBuf,
    /// conntrackd's control socket.
    pub conntrackd_socket: PathBuf,
    /// conntrackd's lock file.
    pub conntrackd_lock: PathBuf,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            sanso: "/usr/bin/sanso".into(),
            state_dir: "/var/lib/sanso".into(),
            conntrackd_config: "/etc/conntrackd/conntrackd.conf".into(),
            conntrackd_socket: "/var/run/conntrackd.ctl".into(),
            conntrackd_lock: "/var/lock/conntrack.lock".into(),
        }
    }
}

/// The two files of a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub keepalived: String,
    pub conntrackd: String,
}

/// The VRRP sync group's name.
pub const SYNC_GROUP: &str = "sanso";

/// Renders the files of node `node`; `None` when the pair has no such node.
pub fn render(ha: &Ha, node: &str, options: &RenderOptions) -> Option<Rendered> {
    let me = ha.node(node)?;
    let peer = ha.peer_of(node)?;
    Some(Rendered {
        keepalived: keepalived(ha, me, peer, options),
        conntrackd: conntrackd(ha, me, peer, options),
    })
}

fn quoted_path(p: &std::path::Path) -> String {
    p.display().to_string()
}

fn notify(options: &RenderOptions, role: &str) -> String {
    format!(
        "\"{} ha notify {role} --state-dir {} --conntrackd-config {}\"",
        quoted_path(&options.sanso),
        quoted_path(&options.state_dir),
        quoted_path(&options.conntrackd_config)
    )
}

fn keepalived(ha: &Ha, me: &Node, peer: &Node, options: &RenderOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# keepalived.conf of node {} (peer {}), rendered by `sanso ha render` from {}.\n# Do not edit: change the HA file and render again.",
        me.name, peer.name, ha.file
    );
    let _ = writeln!(
        out,
        "\nglobal_defs {{\n    router_id sanso-{}\n    script_user root\n    enable_script_security\n}}",
        me.name
    );
    let _ = writeln!(out, "\nvrrp_sync_group {SYNC_GROUP} {{\n    group {{");
    for v in &ha.virtuals {
        let _ = writeln!(out, "        {}", v.instance());
    }
    let _ = writeln!(out, "    }}");
    for (key, role) in [
        ("notify_master", "master"),
        ("notify_backup", "backup"),
        ("notify_fault", "fault"),
        ("notify_stop", "stop"),
    ] {
        let _ = writeln!(out, "    {key} {}", notify(options, role));
    }
    let _ = writeln!(out, "}}");
    for v in &ha.virtuals {
        // VRRP carries one family per instance: an interface with IPv4
        // addresses advertises over IPv4 and moves its IPv6 addresses
        // along (excluded from the adverts); an IPv6-only one uses VRRPv3
        // over IPv6.
        let has_v4 = v.addresses.iter().any(|a| a.addr().is_ipv4());
        let (carried, along): (Vec<&ipnet::IpNet>, Vec<_>) = v
            .addresses
            .iter()
            .partition(|a| a.addr().is_ipv4() == has_v4);
        let _ = writeln!(
            out,
            "\nvrrp_instance {} {{\n    state BACKUP\n    interface {}\n    virtual_router_id {}\n    priority {}\n    advert_int {}",
            v.instance(),
            v.interface,
            v.router_id,
            me.priority,
            ha.vrrp.advert_interval
        );
        if !has_v4 {
            let _ = writeln!(out, "    version 3");
        }
        let _ = writeln!(out, "    virtual_ipaddress {{");
        for a in carried {
            let _ = writeln!(out, "        {a} dev {}", v.interface);
        }
        let _ = writeln!(out, "    }}");
        if !along.is_empty() {
            let _ = writeln!(out, "    virtual_ipaddress_excluded {{");
            for a in along {
                let _ = writeln!(out, "        {a} dev {}", v.interface);
            }
            let _ = writeln!(out, "    }}");
        }
        let _ = writeln!(out, "}}");
    }
    out
}

fn conntrackd(ha: &Ha, me: &Node, peer: &Node, options: &RenderOptions) -> String {
    let (local, dest) = match (me.sync_address, peer.sync_address) {
        (IpAddr::V4(_), _) => ("IPv4_address", "IPv4_Destination_Address"),
        (IpAddr::V6(_), _) => ("IPv6_address", "IPv6_Destination_Address"),
    };
    let mut ignore = vec![
        "IPv4_address 127.0.0.1".to_owned(),
        "IPv6_address ::1".to_owned(),
    ];
    for node in [me, peer] {
        ignore.push(ignore_line(node.sync_address));
    }
    for v in &ha.virtuals {
        for a in &v.addresses {
            ignore.push(ignore_line(a.addr()));
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# conntrackd.conf of node {} (peer {}), rendered by `sanso ha render` from {}.\n# Do not edit: change the HA file and render again.\n# Systemd on: Debian's conntrackd.service is Type=notify.\n# FTFW over UDP on the sync interface; keepalived's notify (`sanso ha notify`)\n# commits the external cache on becoming master.",
        me.name, peer.name, ha.file
    );
    let _ = writeln!(
        out,
        "\nSync {{\n    Mode FTFW {{\n        DisableExternalCache off\n        CommitTimeout 1800\n        PurgeTimeout 5\n    }}\n    UDP {{\n        {local} {}\n        {dest} {}\n        Port {}\n        Interface {}\n        SndSocketBuffer 1249280\n        RcvSocketBuffer 1249280\n        Checksum on\n    }}\n}}",
        me.sync_address, peer.sync_address, ha.sync.conntrackd_port, ha.sync.interface
    );
    let _ = writeln!(
        out,
        "\nGeneral {{\n    HashSize 32768\n    HashLimit 131072\n    LogFile off\n    Syslog on\n    Systemd on\n    LockFile {}\n    UNIX {{\n        Path {}\n    }}\n    NetlinkBufferSize 2097152\n    NetlinkBufferSizeMaxGrowth 8388608\n    Filter From Userspace {{\n        Protocol Accept {{\n            TCP\n            SCTP\n            DCCP\n            UDP\n            ICMP\n            IPv6-ICMP\n        }}\n        Address Ignore {{",
        quoted_path(&options.conntrackd_lock),
        quoted_path(&options.conntrackd_socket)
    );
    for line in ignore {
        let _ = writeln!(out, "            {line}");
    }
    let _ = writeln!(out, "        }}\n    }}\n}}");
    out
}

fn ignore_line(a: IpAddr) -> String {
    match a {
        IpAddr::V4(a) => format!("IPv4_address {a}"),
        IpAddr::V6(a) => format!("IPv6_address {a}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::load;

    #[test]
    fn the_example_renders_for_each_node() {
        let text = include_str!("../../../deploy/ha/ha.toml");
        let ha = load("deploy/ha/ha.toml", text).expect("valid");
        let a = render(&ha, "gw-a", &RenderOptions::default()).expect("gw-a");
        assert!(a.keepalived.contains("vrrp_sync_group sanso {"));
        assert!(a.keepalived.contains("priority 150"));
        assert!(a.keepalived.contains("notify_master \"/usr/bin/sanso ha notify master --state-dir /var/lib/sanso --conntrackd-config /etc/conntrackd/conntrackd.conf\""));
        assert!(a
            .keepalived
            .contains("notify_stop \"/usr/bin/sanso ha notify stop --state-dir"));
        assert!(a.keepalived.contains("virtual_router_id 51"));
        assert!(a.conntrackd.contains("IPv4_address 192.168.255.1\n        IPv4_Destination_Address 192.168.255.2\n        Port 3780\n        Interface sync0"));
        assert!(a.conntrackd.contains("Mode FTFW"));
        let b = render(&ha, "gw-b", &RenderOptions::default()).expect("gw-b");
        assert!(b.keepalived.contains("priority 100"));
        assert!(b.conntrackd.contains(
            "IPv4_address 192.168.255.2\n        IPv4_Destination_Address 192.168.255.1"
        ));
        assert!(render(&ha, "gw-c", &RenderOptions::default()).is_none());
    }

    #[test]
    fn ipv6_addresses_move_along_an_ipv4_instance_or_get_their_own() {
        let text = r#"
[sync]
interface = "sync0"
key_file = "/k"
[virtual.lan0]
router_id = 1
addresses = ["10.0.1.1/24", "fd00:1::1/64"]
[virtual.v6only]
router_id = 2
addresses = ["fd00:2::1/64"]
[nodes.a]
priority = 2
sync_address = "fd00:ff::1"
[nodes.b]
priority = 1
sync_address = "fd00:ff::2"
"#;
        let ha = load("ha.toml", text).expect("valid");
        let a = render(&ha, "a", &RenderOptions::default()).expect("a");
        assert!(a.keepalived.contains("    virtual_ipaddress {\n        10.0.1.1/24 dev lan0\n    }\n    virtual_ipaddress_excluded {\n        fd00:1::1/64 dev lan0\n    }"), "{}", a.keepalived);
        assert!(a
            .keepalived
            .contains("version 3\n    virtual_ipaddress {\n        fd00:2::1/64 dev v6only"));
        assert!(a
            .conntrackd
            .contains("IPv6_address fd00:ff::1\n        IPv6_Destination_Address fd00:ff::2"));
    }
}
