//! Hand-built policies for the classifier's tests.
#![allow(dead_code)]

use std::net::IpAddr;

use ipnet::IpNet;
use sanso_policy::{
    Endpoint, Flow, Host, HostId, Location, Policy, PortRange, Service, ServiceMatch, Tier, Zone,
    ZoneId,
};

pub struct Builder(pub Policy);

impl Builder {
    pub fn new() -> Self {
        Builder(Policy {
            name: "test".into(),
            revision: None,
            zones: vec![],
            hosts: vec![],
            flows: vec![],
            content_hash: "0".repeat(64),
        })
    }

    pub fn zone(
        &mut self,
        name: &str,
        tier: Tier,
        interfaces: &[&str],
        nets: &[IpNet],
    ) -> Endpoint {
        self.0.zones.push(Zone {
            name: name.into(),
            tier,
            beyond: None,
            organisation: None,
            dynamic: Vec::new(),
            interfaces: interfaces.iter().map(|s| s.to_string()).collect(),
            networks: nets.to_vec(),
            location: Location::default(),
        });
        Endpoint::Zone(ZoneId(self.0.zones.len() - 1))
    }

    pub fn host(&mut self, name: &str, zone: ZoneId, addrs: &[IpNet]) -> Endpoint {
        self.0.hosts.push(Host {
            name: name.into(),
            zone,
            addresses: addrs.to_vec(),
            roles: vec![],
            serves: vec![],
            location: Location::default(),
        });
        Endpoint::Host(HostId(self.0.hosts.len() - 1))
    }

    pub fn flow(
        &mut self,
        name: &str,
        from: &[Endpoint],
        to: &[Endpoint],
        matches: &[ServiceMatch],
        until: Option<i64>,
    ) {
        self.0.flows.push(Flow {
            name: name.into(),
            from: from.to_vec(),
            to: to.to_vec(),
            services: vec![Service {
                name: "svc".into(),
                matches: matches.to_vec(),
            }],
            reason: "test".into(),
            log: false,
            limit: None,
            until,
            until_text: None,
            exception: None,
            crossings: vec![],
            location: Location::default(),
        });
    }
}

/// A prefix, or an address as a /32 or /128.
pub fn net(s: &str) -> IpNet {
    match s.parse::<IpNet>() {
        Ok(n) => n,
        Err(_) => IpNet::from(s.parse::<IpAddr>().expect("test address")),
    }
}

pub fn ip(s: &str) -> IpAddr {
    s.parse().expect("test address")
}

pub fn tcp(first: u16, last: u16) -> ServiceMatch {
    ServiceMatch::Tcp(PortRange { first, last })
}
