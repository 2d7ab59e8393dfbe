//! Builds a [`TopologySpec`] in the kernel ([`Topology`]): the namespaces,
//! veth links, addresses, routes, neighbours and sysctls, and loads the
//! ruleset into the gateway namespace. Everything is removed when the
//! [`Topology`] is dropped.
//!
//! Network safety: every `ip` command names one of the run's own namespaces
//! (`ip -n NS`, `ip netns exec NS`), sysctls are written by a thread that has
//! entered the namespace first, and nothing is done in the caller's namespace.

use std::time::{Duration, Instant};

use sanso_policy::Policy;

use crate::netns::{enter, run_command, run_ip, Netns, RunId};
use crate::placement::{TopologySpec, PEER_IFNAME};
use crate::{HarnessError, Probe};

/// A built topology. Dropping it removes its namespaces (and so its links).
#[derive(Debug)]
pub struct Topology {
    spec: TopologySpec,
    // Fields drop in declaration order: the peers, then the gateway.
    peers: Vec<Netns>,
    gateway: Netns,
    setup_time: Duration,
}

/// Fails with [`HarnessError::NotPrivileged`] unless the effective user is root.
pub fn ensure_privileged() -> Result<(), HarnessError> {
    let euid = nix::unistd::geteuid();
    if euid.is_root() {
        Ok(())
    } else {
        Err(HarnessError::NotPrivileged {
            euid: euid.as_raw(),
        })
    }
}

/// One sysctl: the path under `/proc/sys` and the value written.
pub type Sysctl = (String, &'static str);

/// Sysctls written in every namespace before its interfaces exist (so new
/// interfaces inherit them through `default`), by role.
pub fn namespace_sysctls(gateway: bool) -> Vec<Sysctl> {
    let forwarding = if gateway { "1" } else { "0" };
    let mut v: Vec<Sysctl> = vec![("net/ipv4/ip_forward".into(), forwarding)];
    for scope in ["all", "default"] {
        v.extend([
            (format!("net/ipv4/conf/{scope}/forwarding"), forwarding),
            (format!("net/ipv4/conf/{scope}/rp_filter"), "0"),
            (format!("net/ipv4/conf/{scope}/send_redirects"), "0"),
            (format!("net/ipv6/conf/{scope}/disable_ipv6"), "0"),
            (format!("net/ipv6/conf/{scope}/forwarding"), forwarding),
            (format!("net/ipv6/conf/{scope}/accept_dad"), "0"),
            (format!("net/ipv6/conf/{scope}/dad_transmits"), "0"),
            (format!("net/ipv6/conf/{scope}/accept_ra"), "0"),
            (format!("net/ipv6/conf/{scope}/router_solicitations"), "0"),
        ]);
    }
    v
}

/// Sysctls written per interface once the interfaces exist: verdicts must
/// come from sanso's ruleset, not from reverse-path filtering or DAD.
pub fn interface_sysctls(interface: &str, gateway: bool) -> Vec<Sysctl> {
    let forwarding = if gateway { "1" } else { "0" };
    vec![
        (format!("net/ipv4/conf/{interface}/rp_filter"), "0"),
        (format!("net/ipv4/conf/{interface}/forwarding"), forwarding),
        (format!("net/ipv4/conf/{interface}/send_redirects"), "0"),
        (format!("net/ipv6/conf/{interface}/forwarding"), forwarding),
        (format!("net/ipv6/conf/{interface}/accept_dad"), "0"),
    ]
}

impl Topology {
    /// Lays out and builds the topology for `probes` (see [`TopologySpec`]).
    pub fn build(policy: &Policy, probes: &[Probe]) -> Result<Self, HarnessError> {
        ensure_privileged()?;
        Self::from_spec(TopologySpec::new(RunId::next(), policy, probes)?)
    }

    /// Builds the topology `spec` lays out.
    pub fn from_spec(spec: TopologySpec) -> Result<Self, HarnessError> {
        ensure_privileged()?;
        // A run killed with SIGKILL could not remove its namespaces: the
        // next run removes those whose process is gone.
        crate::netns::remove_stale_namespaces();
        let start = Instant::now();
        let gateway = Netns::create(&spec.gateway_ns)?;
        let mut peers = Vec::with_capacity(spec.links.len());
        for link in &spec.links {
            peers.push(Netns::create(&link.peer_ns)?);
        }
        // From here on, an error drops `gateway` and `peers`: nothing is left.
        let mut jobs = vec![(&gateway, namespace_sysctls(true))];
        jobs.extend(peers.iter().map(|p| (p, namespace_sysctls(false))));
        write_sysctls(&jobs)?;

        run_ip(
            &["-n", gateway.name(), "-batch", "-"],
            Some(&spec.gateway_script()),
        )?;
        for (i, peer) in peers.iter().enumerate() {
            run_ip(
                &["-n", peer.name(), "-batch", "-"],
                Some(&spec.peer_script(i)),
            )?;
        }

        let gw_ifaces = spec
            .links
            .iter()
            .flat_map(|l| interface_sysctls(&l.interface, true))
            .collect();
        let mut jobs = vec![(&gateway, gw_ifaces)];
        jobs.extend(
            peers
                .iter()
                .map(|p| (p, interface_sysctls(PEER_IFNAME, false))),
        );
        write_sysctls(&jobs)?;

        let setup_time = start.elapsed();
        Ok(Topology {
            spec,
            peers,
            gateway,
            setup_time,
        })
    }

    /// Loads nft text into the gateway namespace: `ip netns exec GW nft -f -`.
    pub fn load_ruleset(&self, nft_text: &str) -> Result<(), HarnessError> {
        run_command(
            "ip",
            &["netns", "exec", self.gateway.name(), "nft", "-f", "-"],
            Some(nft_text),
        )
        .map(drop)
        .map_err(|e| match e {
            HarnessError::Run(sanso_process::ProcessError::Failed { stderr, .. }) => {
                HarnessError::NftLoad { stderr }
            }
            other => other,
        })
    }

    /// Runs `nft ARGS` in the gateway namespace and returns its output
    /// (e.g. `list ruleset`, to read counters after an exchange).
    pub fn nft(&self, args: &[&str]) -> Result<String, HarnessError> {
        let mut full = vec!["netns", "exec", self.gateway.name(), "nft"];
        full.extend_from_slice(args);
        run_command("ip", &full, None)
    }

    pub fn spec(&self) -> &TopologySpec {
        &self.spec
    }

    pub fn gateway(&self) -> &Netns {
        &self.gateway
    }

    /// The peer namespaces, in link order.
    pub fn peers(&self) -> &[Netns] {
        &self.peers
    }

    /// How long [`Topology::from_spec`] took.
    pub fn setup_time(&self) -> Duration {
        self.setup_time
    }
}

/// Writes sysctls, each list inside its namespace, from one helper thread.
fn write_sysctls(jobs: &[(&Netns, Vec<Sysctl>)]) -> Result<(), HarnessError> {
    std::thread::scope(|s| {
        s.spawn(|| {
            for (ns, list) in jobs {
                let file = ns.open()?;
                enter(&file, ns.name())?;
                for (path, value) in list {
                    std::fs::write(format!("/proc/sys/{path}"), value).map_err(|source| {
                        HarnessError::Sysctl {
                            namespace: ns.name().to_owned(),
                            path: path.clone(),
                            source,
                        }
                    })?;
                }
            }
            Ok(())
        })
        .join()
        .map_err(|_| HarnessError::ThreadPanicked { what: "sysctl" })?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_forwards_and_peers_do_not() {
        let gw = namespace_sysctls(true);
        assert!(gw.contains(&("net/ipv4/ip_forward".into(), "1")));
        assert!(gw.contains(&("net/ipv6/conf/all/forwarding".into(), "1")));
        assert!(gw.contains(&("net/ipv4/conf/all/rp_filter".into(), "0")));
        assert!(gw.contains(&("net/ipv4/conf/default/rp_filter".into(), "0")));
        assert!(gw.contains(&("net/ipv6/conf/default/accept_dad".into(), "0")));
        let peer = namespace_sysctls(false);
        assert!(peer.contains(&("net/ipv4/ip_forward".into(), "0")));
        assert!(peer.contains(&("net/ipv6/conf/all/forwarding".into(), "0")));
        let iface = interface_sysctls("mn0", true);
        assert!(iface.contains(&("net/ipv4/conf/mn0/rp_filter".into(), "0")));
        assert!(iface.contains(&("net/ipv6/conf/mn0/forwarding".into(), "1")));
    }
}
