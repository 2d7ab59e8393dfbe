//! `dynamic` pools of a zone (DHCP ranges, issue 16 item 6): inside the
//! zone's own networks (E029 otherwise), a named host in a pool is warning
//! W012, and a valid pool reaches the model.

use sanso_policy::{load_policy, Diagnostics};

const BASE: &str = r#"
[policy]
name = "pools"

[zones.lg]
tier = "lgwan"
interfaces = ["lg0"]
networks = ["10.20.0.0/16"]
@DYNAMIC@

[zones.lg-dc]
tier = "external"
beyond = "lgwan"
interfaces = ["lg1"]
networks = ["10.20.200.0/24"]

[hosts.pc]
zone = "lg"
addresses = ["@PC@"]
"#;

fn load(dynamic: &str, pc: &str) -> Result<sanso_policy::Policy, Diagnostics> {
    load_policy(
        "pools.toml",
        &BASE.replace("@DYNAMIC@", dynamic).replace("@PC@", pc),
    )
}

fn codes(d: &Diagnostics) -> Vec<&str> {
    d.items.iter().map(|i| i.code).collect()
}

#[test]
fn a_pool_inside_the_zone_reaches_the_model() {
    let policy = load(
        r#"dynamic = ["10.20.100.0/22", "10.20.104.0/24"]"#,
        "10.20.1.5",
    )
    .expect("valid");
    let lg = policy.zones.iter().find(|z| z.name == "lg").expect("lg");
    let pools: Vec<String> = lg.dynamic.iter().map(ToString::to_string).collect();
    assert_eq!(pools, ["10.20.100.0/22", "10.20.104.0/24"]);
}

#[test]
fn a_pool_outside_the_zone_or_partly_another_zones_is_refused() {
    let err = load(r#"dynamic = ["10.30.0.0/24"]"#, "10.20.1.5").expect_err("outside");
    assert_eq!(codes(&err), ["E029"], "{err:?}");
    assert!(err.items[0]
        .message
        .contains("not inside a network of zone \"lg\""));
    assert_eq!(err.items[0].line, 9);
    let err = load(r#"dynamic = ["10.20.192.0/18"]"#, "10.20.1.5").expect_err("overlap");
    assert_eq!(codes(&err), ["E029"], "{err:?}");
    assert!(err.items[0]
        .message
        .contains("overlaps network 10.20.200.0/24 of zone \"lg-dc\""));
    let err = load(r#"dynamic = ["10.20.300.0/24"]"#, "10.20.1.5").expect_err("syntax");
    assert_eq!(codes(&err), ["E020"], "{err:?}");
}

#[test]
fn a_named_host_in_a_pool_is_a_warning() {
    let text = BASE
        .replace("@DYNAMIC@", r#"dynamic = ["10.20.100.0/22"]"#)
        .replace("@PC@", "10.20.101.9");
    let loaded = match sanso_policy::load_policy_with_warnings("pools.toml", &text) {
        Ok(loaded) => loaded,
        Err(d) => panic!("{d:?}"),
    };
    let (policy, warnings) = (loaded.value, loaded.warnings);
    assert_eq!(policy.hosts.len(), 1);
    assert_eq!(codes(&warnings), ["W012"], "{warnings:?}");
    assert!(warnings.items[0]
        .message
        .contains("lies in the dynamic pool 10.20.100.0/22"));
}
