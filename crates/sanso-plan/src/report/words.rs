//! The words of a flow's crossings, in a given language: the rule a pair
//! meets (`lgwan <-> internet tier`), what satisfies it, why a pair meets
//! none, a guardrail's title. `sanso explain` and the report share them.

use sanso_i18n::{t_in, Lang};
use sanso_policy::{Control, Crossing, Exception, Flow, HostId, Policy, Standing};

/// The key of a standing in the catalogue's selectors and in JSON:
/// `mynumber`, `lgwan`, `internet`, `lgwan-backbone`, `the-internet`,
/// `closed-line`, `self`.
pub fn standing_key(standing: Standing) -> &'static str {
    match standing {
        Standing::Mynumber => "mynumber",
        Standing::Lgwan => "lgwan",
        Standing::InternetTier => "internet",
        Standing::LgwanBackbone => "lgwan-backbone",
        Standing::TheInternet => "the-internet",
        Standing::ClosedLine => "closed-line",
        Standing::Gateway => "self",
    }
}

/// What an end counts as, in a sentence: `the lgwan tier`, `the Internet`.
pub fn standing_words(lang: Lang, standing: Standing) -> String {
    t_in!(lang, "report-standing", standing = standing_key(standing))
}

/// The ends of the rule a crossing meets: `lgwan <-> internet tier`,
/// `the Internet -> self`; guardrail 8 also says what it is about.
fn between_in(lang: Lang, policy: &Policy, crossing: &Crossing) -> String {
    let short = |end| {
        t_in!(
            lang,
            "report-standing-short",
            standing = standing_key(policy.standing(end))
        )
    };
    t_in!(
        lang,
        "report-between",
        guardrail = crossing.guardrail.0,
        from = short(crossing.from),
        to = short(crossing.to),
    )
}

/// The ends of the rule a crossing meets as JSON's `between` holds them:
/// always the English words (`lgwan <-> internet tier`), the same in every
/// language, as JSON's other values are.
pub fn crossing_between(policy: &Policy, crossing: &Crossing) -> String {
    between_in(Lang::En, policy, crossing)
}

/// `approved by CISO, ticket SEC-2026-041 (approved on 2026-04-01, review by 2027-03-31)`;
/// the dates only when written.
pub fn exception_text_in(lang: Lang, exception: &Exception) -> String {
    let by = &exception.approved_by;
    let ticket = &exception.ticket;
    match (&exception.approved_on, &exception.review_by) {
        (None, None) => t_in!(
            lang,
            "report-exception-approval",
            approved_by = by,
            ticket = ticket
        ),
        (Some(on), None) => t_in!(
            lang,
            "report-exception-approval-approved-on",
            approved_by = by,
            ticket = ticket,
            approved_on = on,
        ),
        (None, Some(review)) => t_in!(
            lang,
            "report-exception-approval-review-by",
            approved_by = by,
            ticket = ticket,
            review_by = review,
        ),
        (Some(on), Some(review)) => t_in!(
            lang,
            "report-exception-approval-both",
            approved_by = by,
            ticket = ticket,
            approved_on = on,
            review_by = review,
        ),
    }
}

/// The names of a role host's `serves`, as written.
fn served(policy: &Policy, host: HostId) -> String {
    let names: Vec<&str> = policy
        .host(host)
        .serves
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    names.join(", ")
}

/// What satisfies a crossing: `host "inet-vbrowser" (role screen-transfer,
/// serves vbrowser)`, `host "pref-cloud-proxy" (role security-cloud)`,
/// `exception approved by CISO, ticket SEC-2026-041 (...)`.
fn control_text_in(lang: Lang, policy: &Policy, flow: &Flow, control: &Control) -> String {
    match control {
        Control::RoleHost { host, role } => t_in!(
            lang,
            "report-control-role-host",
            name = format!("{:?}", policy.host(*host).name),
            role = role,
            serves = served(policy, *host),
        ),
        Control::SecurityCloud { host } => t_in!(
            lang,
            "report-control-security-cloud",
            name = format!("{:?}", policy.host(*host).name)
        ),
        Control::Exception => match &flow.exception {
            Some(exception) => t_in!(
                lang,
                "report-control-exception",
                approval = exception_text_in(lang, exception)
            ),
            None => t_in!(lang, "report-control-exception-bare"),
        },
    }
}

/// One line per crossing, in a given language: `guardrail 3 (lgwan <-> internet tier): satisfied by ...`.
pub fn crossing_text_in(lang: Lang, policy: &Policy, flow: &Flow, crossing: &Crossing) -> String {
    t_in!(
        lang,
        "report-crossing-text",
        guardrail = crossing.guardrail.0,
        between = between_in(lang, policy, crossing),
        control = control_text_in(lang, policy, flow, &crossing.control),
    )
}

/// Why a pair meets no guardrail, in a given language: `same tier`, or
/// `no guardrail between the lgwan tier and the LGWAN backbone`.
pub fn no_crossing_text_in(lang: Lang, from: Standing, to: Standing) -> String {
    if from == to {
        t_in!(lang, "report-same-tier")
    } else {
        t_in!(
            lang,
            "report-no-guardrail-between",
            from = standing_words(lang, from),
            to = standing_words(lang, to),
        )
    }
}

/// The title of a guardrail by its number in the contract (guardrails 2
/// and 4 refuse whatever the flow brings, 9 is a flow's reason).
pub fn guardrail_title(lang: Lang, guardrail: u8) -> String {
    t_in!(lang, "report-guardrail-title", guardrail = guardrail)
}

/// The kind of a control in JSON: `role-host`, `security-cloud`, `exception`.
pub fn control_kind(control: &Control) -> &'static str {
    match control {
        Control::RoleHost { .. } => "role-host",
        Control::SecurityCloud { .. } => "security-cloud",
        Control::Exception => "exception",
    }
}
