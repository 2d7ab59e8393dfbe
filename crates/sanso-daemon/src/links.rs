//! Which of the policy's interfaces exist on the gateway (issue 16, item 4).
//! A zone whose interface is missing (a typo, a renamed NIC) has no way in:
//! anti-spoofing drops everything claiming its addresses, silently. `apply`,
//! `plan --live` and the daemon say so for each one.

use std::collections::BTreeSet;

use sanso_policy::Policy;
use serde::{Deserialize, Serialize};

/// An interface the policy names and the gateway lacks.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MissingInterface {
    pub zone: String,
    pub interface: String,
}

impl std::fmt::Display for MissingInterface {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&sanso_i18n::t!(
            "daemon-links-missing-interface",
            zone = &self.zone,
            interface = &self.interface
        ))
    }
}

/// The link names of the gateway (`ip -j link show`, in `netns` when given).
pub fn gateway_links(netns: Option<&str>) -> Result<BTreeSet<String>, String> {
    let mut cmd = sanso_process::Command::new("ip");
    if let Some(ns) = netns {
        cmd = cmd.args(["-n", ns]);
    }
    let out = cmd
        .args(["-j", "link", "show"])
        .run()
        .map_err(|e| e.to_string())?;
    parse_links(&out)
}

/// Reads `ip -j link show` output.
pub fn parse_links(json: &str) -> Result<BTreeSet<String>, String> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let links = value
        .as_array()
        .ok_or_else(|| sanso_i18n::t!("daemon-json-not-an-array"))?;
    Ok(links
        .iter()
        .filter_map(|l| l["ifname"].as_str().map(str::to_owned))
        .collect())
}

/// Every (zone, interface) of `policy` that `links` lacks, in policy order.
pub fn missing_interfaces(policy: &Policy, links: &BTreeSet<String>) -> Vec<MissingInterface> {
    policy
        .zones
        .iter()
        .flat_map(|zone| {
            zone.interfaces
                .iter()
                .filter(|i| !links.contains(*i))
                .map(|i| MissingInterface {
                    zone: zone.name.clone(),
                    interface: i.clone(),
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interfaces_the_gateway_lacks_are_named_with_their_zone() {
        let links = parse_links(
            r#"[{"ifindex":1,"ifname":"lo"},{"ifindex":2,"ifname":"lg0","link_type":"ether"}]"#,
        )
        .expect("parses");
        let policy = sanso_policy::load_policy(
            "p.toml",
            include_str!("../tests/fixtures/kernel-test.toml")
                .replace("@REVISION@", "r1")
                .as_str(),
        )
        .expect("valid");
        let missing = missing_interfaces(&policy, &links);
        assert!(!missing.is_empty());
        assert!(missing.iter().all(|m| m.interface != "lg0"));
        assert!(missing[0]
            .to_string()
            .contains("does not exist on the gateway"));
        assert!(parse_links("{").is_err());
    }
}
