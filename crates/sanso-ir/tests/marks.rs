//! Flow marks (the `ct mark` a flow sets on its connections): stable across
//! applies that leave a flow's meaning alone, new when what it allows
//! changes, never 0, distinct within a ruleset.

use std::collections::HashSet;

use sanso_ir::{lower, Ruleset};

const BASE: &str = r#"
[policy]
name = "marks"

[zones.lg]
tier = "lgwan"
interfaces = ["lg0"]
networks = ["10.20.0.0/16", "fd00:20::/48"]

[zones.lg2]
tier = "lgwan"
interfaces = ["lg1"]
networks = ["10.21.0.0/16"]

[hosts.lg-server]
zone = "lg2"
addresses = ["10.21.0.10"]

[[flows]]
name = "web"
from = ["lg"]
to = ["lg-server"]
services = ["https"]
reason = "t"

[[flows]]
name = "ssh"
from = ["lg"]
to = ["lg-server"]
services = ["ssh"]
reason = "t"
"#;

fn compile(text: &str) -> Ruleset {
    let policy = sanso_policy::load_policy("marks.toml", text)
        .unwrap_or_else(|d| panic!("{}", d.render(false)));
    lower(&policy, 0)
}

fn mark(ruleset: &Ruleset, name: &str) -> u32 {
    ruleset
        .flows
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no flow {name}"))
        .mark
}

#[test]
fn marks_are_nonzero_and_distinct() {
    let r = compile(BASE);
    let marks: HashSet<u32> = r.flows.iter().map(|f| f.mark).collect();
    assert_eq!(marks.len(), r.flows.len());
    assert!(!marks.contains(&0));
    // The same flow twice under two names: two marks.
    let twin = BASE.replace(
        "name = \"ssh\"\nfrom = [\"lg\"]\nto = [\"lg-server\"]\nservices = [\"ssh\"]",
        "name = \"web2\"\nfrom = [\"lg\"]\nto = [\"lg-server\"]\nservices = [\"https\"]",
    );
    let r = compile(&twin);
    assert_ne!(mark(&r, "web"), mark(&r, "web2"));
}

#[test]
fn a_flow_left_alone_keeps_its_mark() {
    let before = compile(BASE);
    // Another flow added, a reason, log, limit and until changed, a flow
    // reordered, the revision changed, another zone carved out of nothing
    // the flow uses: "web" still allows exactly the same.
    let after = BASE
        .replace("name = \"marks\"", "name = \"marks\"\nrevision = \"2\"")
        .replace(
            "services = [\"https\"]\nreason = \"t\"",
            "services = [\"https\"]\nreason = \"業務\"\nlog = true\nlimit = \"5/second\"\nuntil = \"2099-01-01\"",
        )
        + "\n[[flows]]\nname = \"dns\"\nfrom = [\"lg\"]\nto = [\"lg-server\"]\nservices = [\"dns\"]\nreason = \"t\"\n"
        + "\n[zones.mn]\ntier = \"mynumber\"\ninterfaces = [\"mn0\"]\nnetworks = [\"10.10.0.0/16\"]\n";
    let after = compile(&after);
    assert_eq!(mark(&before, "web"), mark(&after, "web"));
    assert_eq!(mark(&before, "ssh"), mark(&after, "ssh"));
}

#[test]
fn a_flow_that_allows_something_else_gets_a_new_mark() {
    let before = compile(BASE);
    for changed in [
        // Narrowed: a service.
        BASE.replace(
            "services = [\"https\"]",
            "services = [\"tcp/443\", \"tcp/8443\"]",
        ),
        // A host's addresses.
        BASE.replace(
            "addresses = [\"10.21.0.10\"]",
            "addresses = [\"10.21.0.11\"]",
        ),
        // A zone's networks (the source of the flow).
        BASE.replace(
            "networks = [\"10.20.0.0/16\", \"fd00:20::/48\"]",
            "networks = [\"10.20.0.0/17\", \"fd00:20::/48\"]",
        ),
    ] {
        let after = compile(&changed);
        assert_ne!(mark(&before, "web"), mark(&after, "web"), "{changed}");
    }
    // The source zone loses its IPv6 network, but the destination host has
    // no IPv6 address: the flow allows exactly what it did.
    let after = compile(&BASE.replace(", \"fd00:20::/48\"]", "]"));
    assert_eq!(mark(&before, "web"), mark(&after, "web"));
    // Renamed: a different flow.
    let after = compile(&BASE.replace("name = \"web\"", "name = \"www\""));
    assert_ne!(mark(&before, "web"), mark(&after, "www"));
}
