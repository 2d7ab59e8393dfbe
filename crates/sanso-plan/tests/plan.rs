//! Plans between small policies: one more flow, identical, changed service,
//! first apply.

use sanso_ir::Ruleset;
use sanso_plan::{ChangeKind, FlowField, ReachKind};
use sanso_policy::Policy;

const NOW: i64 = 1_796_083_200;

const BASE: &str = r#"
[policy]
name = "plan-city"
revision = "1"

[zones.lg-office]
tier = "lgwan"
interfaces = ["lg0"]
networks = ["10.20.0.0/16"]

[zones.mn-office]
tier = "mynumber"
interfaces = ["mn0"]
networks = ["10.10.0.0/16"]

[zones.upstream]
tier = "external"
beyond = "lgwan"
interfaces = ["wan0"]
networks = ["0.0.0.0/0"]

[hosts.lg-proxy]
zone = "lg-office"
addresses = ["10.20.0.10"]

[[flows]]
name = "lg-dns"
from = ["lg-office"]
to = ["self"]
services = ["dns"]
reason = "resolver on the gateway"
"#;

const WEB: &str = r#"
[[flows]]
name = "lg-web"
from = ["lg-proxy"]
to = ["upstream"]
services = ["https"]
reason = "web proxy"
"#;

/// The caller's renderer stands in for `sanso_nft::text::render` (this
/// crate does not depend on sanso-nft): one line per flow, enough to see
/// the diff. The binary's tests check the diff of the real nft text.
fn render(ruleset: &Ruleset) -> String {
    ruleset
        .flows
        .iter()
        .map(|f| format!("flow {}\n", f.name))
        .collect()
}

fn plan_between(old: Option<(&Policy, &Ruleset)>, new: (&Policy, &Ruleset)) -> sanso_plan::Plan {
    sanso_plan::plan(old, new, render)
}

fn compile(text: &str) -> (Policy, Ruleset) {
    let policy = sanso_policy::load_policy("plan.toml", text).expect("valid test policy");
    let ruleset = sanso_ir::lower(&policy, NOW);
    (policy, ruleset)
}

#[test]
fn identical_policies_give_an_empty_plan() {
    let (p, r) = compile(BASE);
    let plan = plan_between(Some((&p, &r)), (&p, &r));
    assert!(plan.is_empty(), "{plan}");
    assert!(plan.to_string().contains("No changes."));
}

#[test]
fn one_more_flow_is_named_with_its_reachability() {
    let (p0, r0) = compile(BASE);
    let (p1, r1) = compile(&format!("{BASE}{WEB}"));
    let plan = plan_between(Some((&p0, &r0)), (&p1, &r1));
    assert!(!plan.is_empty());
    assert_eq!(plan.flows.len(), 1);
    assert_eq!(plan.flows[0].kind, ChangeKind::Added);
    assert_eq!(plan.flows[0].name, "lg-web");
    assert_eq!(plan.flows[0].summary, "lg-proxy -> upstream: https");
    let reach: Vec<(ReachKind, &str, &str, &str)> = plan
        .reachability
        .iter()
        .map(|r| {
            (
                r.kind,
                r.from.name.as_str(),
                r.to.name.as_str(),
                r.service.as_str(),
            )
        })
        .collect();
    assert_eq!(
        reach,
        [(ReachKind::Reachable, "lg-office", "upstream", "tcp/443")]
    );
    let text = plan.to_string();
    assert!(
        text.contains("+ flow lg-web: lg-proxy -> upstream: https"),
        "{text}"
    );
    assert!(
        text.contains("+ now reachable: lg-office (LGWAN接続系) -> upstream (外部): tcp/443"),
        "{text}"
    );
    assert!(
        plan.ruleset_diff.contains("\n+flow lg-web\n"),
        "{}",
        plan.ruleset_diff
    );

    // And back: the flow is removed and the pair unreachable again.
    let back = plan_between(Some((&p1, &r1)), (&p0, &r0));
    assert_eq!(back.flows[0].kind, ChangeKind::Removed);
    assert_eq!(back.reachability[0].kind, ReachKind::Unreachable);
    assert!(back
        .to_string()
        .contains("- no longer reachable: lg-office (LGWAN接続系) -> upstream (外部): tcp/443"));
}

#[test]
fn changed_service_names_the_field_and_the_reachability() {
    let (p0, r0) = compile(&format!("{BASE}{WEB}"));
    let (p1, r1) = compile(&format!("{BASE}{}", WEB.replace("\"https\"", "\"ssh\"")));
    let plan = plan_between(Some((&p0, &r0)), (&p1, &r1));
    assert_eq!(plan.flows.len(), 1, "{plan}");
    assert_eq!(plan.flows[0].kind, ChangeKind::Changed);
    assert_eq!(plan.flows[0].fields(), [FlowField::Services]);
    let reach: Vec<(ReachKind, &str)> = plan
        .reachability
        .iter()
        .map(|r| (r.kind, r.service.as_str()))
        .collect();
    assert_eq!(
        reach,
        [
            (ReachKind::Reachable, "tcp/22"),
            (ReachKind::Unreachable, "tcp/443")
        ]
    );
    let text = plan.to_string();
    assert!(text.contains("~ flow lg-web (services changed)"), "{text}");
    assert!(
        text.contains("services: https (tcp/443) -> ssh (tcp/22)"),
        "{text}"
    );
}

#[test]
fn changed_fields_without_reachability_change() {
    let (p0, r0) = compile(&format!("{BASE}{WEB}"));
    let edited = WEB.replace(
        "reason = \"web proxy\"",
        "reason = \"web proxy (audited)\"\nlog = true\nlimit = \"5/second\"",
    );
    let (p1, r1) = compile(&format!("{BASE}{edited}"));
    let plan = plan_between(Some((&p0, &r0)), (&p1, &r1));
    assert_eq!(
        plan.flows[0].fields(),
        [FlowField::Log, FlowField::Limit, FlowField::Reason]
    );
    assert!(plan.reachability.is_empty(), "{plan}");
}

#[test]
fn first_apply_adds_everything_and_serialises() {
    let (p, r) = compile(&format!("{BASE}{WEB}"));
    let plan = plan_between(None, (&p, &r));
    assert_eq!(plan.zones.len(), 3);
    assert!(plan.zones.iter().all(|z| z.kind == ChangeKind::Added));
    assert_eq!(plan.flows.len(), 2);
    assert!(plan
        .to_string()
        .starts_with("Plan: first apply of plan-city rev 1"));
    let json = serde_json::to_value(&plan).expect("plan serialises");
    assert_eq!(json["flows"][1]["name"], "lg-web");
    assert_eq!(json["reachability"][0]["kind"], "reachable");
    assert_eq!(json["zones"][0]["tier"]["japanese"], "LGWAN接続系");
}

#[test]
fn zone_changes_are_named() {
    let (p0, r0) = compile(BASE);
    let (p1, r1) = compile(&BASE.replace(
        "networks = [\"10.20.0.0/16\"]",
        "networks = [\"10.20.0.0/16\", \"10.21.0.0/16\"]",
    ));
    let plan = plan_between(Some((&p0, &r0)), (&p1, &r1));
    assert_eq!(plan.zones.len(), 1, "{plan}");
    assert_eq!(plan.zones[0].name, "lg-office");
    assert!(
        plan.to_string()
            .contains("networks: 10.20.0.0/16 -> 10.20.0.0/16, 10.21.0.0/16"),
        "{plan}"
    );
    assert!(plan.flows.is_empty());
}
