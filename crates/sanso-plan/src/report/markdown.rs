//! The auditor's report as Markdown (`sanso report`, the default on
//! standard output), written from the [`Document`] alone: what it shows is
//! what the JSON and the HTML page hold.

use std::fmt::Write as _;

use sanso_i18n::{t_in, Lang};

use super::{Audit, ControlGroup, Document, ExceptionRow, FlowRow, IsolationRow, Live, ZoneRow};

/// The whole report, in `lang`; policy strings as written.
pub fn render(lang: Lang, doc: &Document) -> String {
    let mut out = String::new();
    cover(&mut out, lang, doc);
    zones(&mut out, lang, doc);
    zone_matrix(&mut out, lang, doc);
    flows(&mut out, lang, doc);
    exceptions(&mut out, lang, doc);
    bounded(&mut out, lang, doc);
    isolations(&mut out, lang, doc);
    if let Some(audit) = &doc.audit {
        history(&mut out, lang, audit);
    }
    if let Some(live) = &doc.live {
        live_section(&mut out, lang, live);
    }
    out
}

/// Markdown table cell text: no pipes, no newlines.
pub fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// A Markdown table's header: the column titles, then the separator row.
fn table_header<S: AsRef<str>>(out: &mut String, columns: &[S]) {
    let titles: Vec<&str> = columns.iter().map(AsRef::as_ref).collect();
    let _ = writeln!(out, "| {} |", titles.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(columns.len()));
}

/// What a section's table shows, a blank line, then the table's header.
fn table_intro<S: AsRef<str>>(out: &mut String, intro: &str, columns: &[S]) {
    let _ = writeln!(out, "{intro}");
    let _ = writeln!(out);
    table_header(out, columns);
}

/// A section's heading and the blank line after it.
fn heading(out: &mut String, title: &str) {
    let _ = writeln!(out, "## {title}");
    let _ = writeln!(out);
}

/// `2026-12-01 09:00 JST` from the document's RFC 3339 (in JST); the text
/// as it is when it is not one.
pub(super) fn time_text(rfc3339: &str) -> String {
    match rfc3339.parse::<jiff::Timestamp>() {
        Ok(t) => t
            .to_zoned(super::jst())
            .strftime("%Y-%m-%d %H:%M JST")
            .to_string(),
        Err(_) => rfc3339.to_owned(),
    }
}

fn cover(out: &mut String, lang: Lang, doc: &Document) {
    let cover = &doc.cover;
    let _ = writeln!(out, "# {}: {}", cover.title, cover.name);
    let _ = writeln!(out);
    table_header(
        out,
        &[t_in!(lang, "report-item"), t_in!(lang, "report-value")],
    );
    let _ = writeln!(
        out,
        "| {} | {} |",
        t_in!(lang, "report-policy"),
        cell(&cover.policy_file)
    );
    let _ = writeln!(
        out,
        "| {} | {} |",
        t_in!(lang, "report-revision"),
        cover.revision.as_deref().unwrap_or("-")
    );
    let _ = writeln!(out, "| SHA-256 | `{}` |", cover.content_hash);
    let _ = writeln!(
        out,
        "| {} | {} |",
        t_in!(lang, "report-made-at"),
        time_text(&cover.generated_at)
    );
    let _ = writeln!(
        out,
        "| {} | {} |",
        t_in!(lang, "report-size-label"),
        t_in!(
            lang,
            "report-size",
            zones = cover.counts.zones,
            hosts = cover.counts.hosts,
            flows = cover.counts.flows,
            exceptions = cover.counts.exceptions,
        )
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", t_in!(lang, "report-md-deny-default"));
    let _ = writeln!(out);
}

/// What an external zone counts as: `lgwan: the LGWAN backbone`; `—` for a
/// zone of the three tiers.
pub(super) fn beyond_text(lang: Lang, zone: &ZoneRow) -> String {
    if zone.tier != "external" {
        return "—".to_string();
    }
    let standing = t_in!(lang, "report-standing", standing = zone.standing);
    match zone.beyond {
        Some(beyond) => format!("{beyond}: {standing}"),
        None => t_in!(lang, "report-beyond-missing", standing = standing),
    }
}

/// The zones grouped by organisation (in the order organisations first
/// appear), in the document's order within a group; zones without one last.
pub(super) fn by_organisation(zones: &[ZoneRow]) -> Vec<&ZoneRow> {
    let mut organisations: Vec<&str> = Vec::new();
    for org in zones.iter().filter_map(|z| z.organisation.as_deref()) {
        if !organisations.contains(&org) {
            organisations.push(org);
        }
    }
    let mut sorted: Vec<&ZoneRow> = zones.iter().collect();
    sorted.sort_by_key(|z| {
        z.organisation
            .as_deref()
            .and_then(|o| organisations.iter().position(|x| *x == o))
            .unwrap_or(usize::MAX)
    });
    sorted
}

fn zones(out: &mut String, lang: Lang, doc: &Document) {
    heading(out, &t_in!(lang, "report-zones"));
    table_intro(
        out,
        &t_in!(lang, "report-zones-note"),
        &[
            t_in!(lang, "report-zone"),
            t_in!(lang, "report-organisation"),
            t_in!(lang, "report-tier"),
            t_in!(lang, "report-beyond"),
            t_in!(lang, "report-interfaces"),
            t_in!(lang, "report-networks"),
        ],
    );
    for zone in by_organisation(&doc.zones) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            cell(&zone.name),
            cell(zone.organisation.as_deref().unwrap_or("—")),
            t_in!(lang, "report-md-tier", tier = zone.tier),
            beyond_text(lang, zone),
            zone.interfaces.join(", "),
            zone.networks.join(", ")
        );
    }
    let _ = writeln!(out);
}

/// Which zone (or the gateway) may open connections to which: the number
/// of flows of each cell.
fn zone_matrix(out: &mut String, lang: Lang, doc: &Document) {
    let matrix = &doc.zone_matrix;
    heading(out, &t_in!(lang, "report-zone-matrix"));
    let columns: Vec<String> = std::iter::once(cell(&t_in!(lang, "report-from-to")))
        .chain(matrix.zones.iter().map(|n| cell(n)))
        .collect();
    table_intro(out, &t_in!(lang, "report-md-zone-matrix-note"), &columns);
    for (from, cells) in matrix.zones.iter().zip(&matrix.cells) {
        let row: Vec<String> = cells
            .iter()
            .map(|flows| match flows.len() {
                0 => "—".to_string(),
                n => n.to_string(),
            })
            .collect();
        let _ = writeln!(out, "| **{}** | {} |", cell(from), row.join(" | "));
    }
    let _ = writeln!(out);
}

/// `G1`, `G1, G8`.
fn guardrail_list(guardrails: &[u8]) -> String {
    guardrails
        .iter()
        .map(|g| format!("G{g}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One control with its guardrails: `screen-transfer inet-vbrowser (G3)`,
/// `exception SEC-2026-041 (G1)`.
fn control_text(lang: Lang, group: &ControlGroup) -> String {
    let host = group.host.as_deref().unwrap_or("-");
    let what = match group.control {
        "role-host" => {
            let role = group.role.as_deref().unwrap_or("-");
            let label = match role {
                "sanitizer" | "screen-transfer" => {
                    t_in!(lang, "report-md-control", control = role)
                }
                other => other.to_owned(),
            };
            format!("{label} {host}")
        }
        "security-cloud" => format!(
            "{} {host}",
            t_in!(lang, "report-md-control", control = "security-cloud")
        ),
        _ => format!(
            "{} {}",
            t_in!(lang, "report-md-control", control = "exception"),
            group.ticket.as_deref().unwrap_or("-")
        ),
    };
    format!("{what} ({})", guardrail_list(&group.guardrails))
}

/// What lets a flow cross the guardrails it meets, or `— same tier`,
/// `— crosses no guardrail`.
pub(super) fn crossing_controls(lang: Lang, flow: &FlowRow) -> String {
    if flow.controls.is_empty() {
        return match flow.no_crossing_kind {
            Some("same-tier") => format!("— {}", t_in!(lang, "report-same-tier")),
            _ => format!("— {}", t_in!(lang, "report-crosses-no-guardrail")),
        };
    }
    flow.controls
        .iter()
        .map(|g| control_text(lang, g))
        .collect::<Vec<_>>()
        .join("; ")
}

/// `log`, `limit 10/second`, `until 2027-03-31` (or expired).
fn conditions(lang: Lang, flow: &FlowRow) -> String {
    let mut conditions = Vec::new();
    if flow.log {
        conditions.push(t_in!(lang, "report-cond-log"));
    }
    if let Some(limit) = &flow.limit {
        conditions.push(t_in!(lang, "report-cond-limit", limit = limit));
    }
    if let (Some(until), Some(state)) = (&flow.until, flow.until_state) {
        conditions.push(if state == "active" {
            t_in!(lang, "report-cond-until", until = until)
        } else {
            t_in!(lang, "report-cond-until-expired", until = until)
        });
    }
    conditions.join("; ")
}

fn flows(out: &mut String, lang: Lang, doc: &Document) {
    heading(out, &t_in!(lang, "report-flows"));
    table_intro(
        out,
        &t_in!(lang, "report-flows-note"),
        &[
            t_in!(lang, "report-flow"),
            t_in!(lang, "report-from"),
            t_in!(lang, "report-to"),
            t_in!(lang, "report-services"),
            t_in!(lang, "report-md-crossing"),
            t_in!(lang, "report-reason"),
            t_in!(lang, "report-conditions"),
            t_in!(lang, "report-line"),
        ],
    );
    for flow in &doc.flows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&flow.name),
            cell(&flow.from.join(", ")),
            cell(&flow.to.join(", ")),
            cell(&flow.services.join(", ")),
            cell(&crossing_controls(lang, flow)),
            cell(&flow.reason),
            cell(&conditions(lang, flow)),
            flow.line
        );
    }
    // The guardrails the flows meet, with their titles.
    let mut met: Vec<u8> = doc
        .flows
        .iter()
        .flat_map(|f| f.crossings.iter().map(|c| c.guardrail))
        .collect();
    met.sort_unstable();
    met.dedup();
    if !met.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", t_in!(lang, "report-guardrails"));
        let _ = writeln!(out);
        for g in met {
            let title = match doc.guardrails.iter().find(|r| r.guardrail == g) {
                Some(row) => row.title.clone(),
                None => super::words::guardrail_title(lang, g),
            };
            let _ = writeln!(out, "- G{g}: {title}");
        }
    }
    let _ = writeln!(out);
}

/// The guardrails an exception waives, with the pairs:
/// `G1 (mn-batch-01 → chukan-server)`.
pub(super) fn waived(exception: &ExceptionRow) -> String {
    exception
        .waived
        .iter()
        .map(|w| {
            let pairs: Vec<String> = w
                .pairs
                .iter()
                .map(|p| format!("{} → {}", p.from, p.to))
                .collect();
            format!("G{} ({})", w.guardrail, pairs.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn exceptions(out: &mut String, lang: Lang, doc: &Document) {
    heading(out, &t_in!(lang, "report-exceptions"));
    if doc.exceptions.is_empty() {
        let _ = writeln!(out, "{}", t_in!(lang, "report-none"));
    } else {
        table_intro(
            out,
            &t_in!(lang, "report-exceptions-note"),
            &[
                t_in!(lang, "report-flow"),
                t_in!(lang, "report-from"),
                t_in!(lang, "report-to"),
                t_in!(lang, "report-approved-by"),
                t_in!(lang, "report-ticket"),
                t_in!(lang, "report-approved-on"),
                t_in!(lang, "report-review-by"),
                t_in!(lang, "report-waives"),
                t_in!(lang, "report-reason"),
            ],
        );
        for e in &doc.exceptions {
            let review = match e.review_by.as_deref() {
                Some(date) if e.overdue => format!("{date} ({})", t_in!(lang, "report-overdue")),
                Some(date) => date.to_string(),
                None => "-".to_string(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                cell(&e.flow),
                cell(&e.from.join(", ")),
                cell(&e.to.join(", ")),
                cell(&e.approved_by),
                cell(&e.ticket),
                cell(e.approved_on.as_deref().unwrap_or("-")),
                cell(&review),
                cell(&waived(e)),
                cell(&e.reason)
            );
        }
    }
    if !doc.idle_exceptions.is_empty() {
        let idle: Vec<&str> = doc
            .idle_exceptions
            .iter()
            .map(|e| e.flow.as_str())
            .collect();
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{}",
            t_in!(lang, "report-not-counted", flows = cell(&idle.join(", ")))
        );
    }
    let _ = writeln!(out);
}

/// The flows with an `until`, when each ends and whether it has.
fn bounded(out: &mut String, lang: Lang, doc: &Document) {
    heading(out, &t_in!(lang, "report-time-bounded"));
    let bounded: Vec<&FlowRow> = doc.flows.iter().filter(|f| f.ends_at.is_some()).collect();
    if bounded.is_empty() {
        let _ = writeln!(out, "{}", t_in!(lang, "report-none"));
    } else {
        table_header(
            out,
            &[
                t_in!(lang, "report-flow"),
                t_in!(lang, "report-until"),
                t_in!(lang, "report-state"),
            ],
        );
        for flow in bounded {
            let state = if flow.until_state == Some("active") {
                t_in!(lang, "report-window-active")
            } else {
                t_in!(lang, "report-window-expired")
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                cell(&flow.name),
                t_in!(
                    lang,
                    "report-ends",
                    until = flow.until.as_deref().unwrap_or("-"),
                    time = time_text(flow.ends_at.as_deref().unwrap_or("-"))
                ),
                state
            );
        }
    }
    let _ = writeln!(out);
}

/// `zone (lgwan)`, `prefix`.
pub(super) fn isolation_kind(lang: Lang, row: &IsolationRow) -> String {
    let kind = t_in!(lang, "report-isolation-kind", kind = row.kind);
    match &row.tier {
        Some(tier) => format!("{kind} ({tier})"),
        None => kind,
    }
}

/// What `sanso isolate` has cut off now (緊急時対応).
fn isolations(out: &mut String, lang: Lang, doc: &Document) {
    heading(out, &t_in!(lang, "report-isolations"));
    let _ = writeln!(
        out,
        "{}",
        t_in!(
            lang,
            "report-state-dir",
            dir = &doc.isolations_source.dir,
            file = &doc.isolations_source.file
        )
    );
    let _ = writeln!(out);
    if doc.isolations.is_empty() {
        let _ = writeln!(out, "{}", t_in!(lang, "report-none"));
        let _ = writeln!(out);
        return;
    }
    table_intro(
        out,
        &t_in!(lang, "report-isolations-note"),
        &[
            t_in!(lang, "report-target"),
            t_in!(lang, "report-kind"),
            t_in!(lang, "report-addresses"),
            t_in!(lang, "report-since"),
            t_in!(lang, "report-isolated-until"),
            t_in!(lang, "report-operator"),
            t_in!(lang, "report-ticket"),
            t_in!(lang, "report-reason"),
        ],
    );
    for row in &doc.isolations {
        let until = match (&row.until, row.until_state) {
            (Some(text), Some("expired")) => t_in!(lang, "report-isolation-passed", until = text),
            (Some(text), _) => text.clone(),
            (None, _) => t_in!(lang, "report-until-release"),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&row.target),
            cell(&isolation_kind(lang, row)),
            cell(&row.addresses.join(", ")),
            cell(&row.since),
            cell(&until),
            cell(&row.by),
            cell(row.ticket.as_deref().unwrap_or("-")),
            cell(&row.reason),
        );
    }
    let _ = writeln!(out);
}

/// A record's text as a cell, `-` when it has none.
fn or_dash(text: Option<&str>) -> String {
    text.map_or_else(|| "-".to_string(), cell)
}

/// A record's time or event as a cell, `-` when it has none (the
/// document holds an empty text then).
fn or_dash_empty(text: &str) -> String {
    or_dash(Some(text).filter(|t| !t.is_empty()))
}

/// The change history from the audit log, and whether its chain holds.
fn history(out: &mut String, lang: Lang, audit: &Audit) {
    heading(out, &t_in!(lang, "report-history"));
    match (&audit.head, &audit.broken) {
        (_, Some(at)) => {
            let _ = writeln!(
                out,
                "**{}**",
                t_in!(lang, "report-md-chain-altered", file = &audit.file, at = at)
            );
        }
        (head, None) => {
            let _ = writeln!(
                out,
                "{}",
                t_in!(
                    lang,
                    "report-md-chain-intact",
                    file = &audit.file,
                    records = audit.records,
                    head = head.as_deref().unwrap_or("-")
                )
            );
        }
    }
    let _ = writeln!(out);
    table_header(
        out,
        &[
            "#".to_owned(),
            t_in!(lang, "report-time"),
            t_in!(lang, "report-event"),
            t_in!(lang, "report-revision"),
            "SHA-256".to_owned(),
            "uid".to_owned(),
            t_in!(lang, "report-operator"),
            t_in!(lang, "report-ticket"),
            t_in!(lang, "report-reason"),
        ],
    );
    for row in &audit.history {
        let hash: String = row
            .content_hash
            .as_deref()
            .unwrap_or("-")
            .chars()
            .take(16)
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | `{}` | {} | {} | {} | {} |",
            row.seq,
            or_dash_empty(&row.time),
            or_dash_empty(&row.event),
            or_dash(row.revision.as_deref()),
            hash,
            row.uid.map_or_else(|| "-".to_string(), |u| u.to_string()),
            or_dash(row.operator.as_deref()),
            or_dash(row.ticket.as_deref()),
            or_dash(row.reason.as_deref()),
        );
    }
    let _ = writeln!(out);
}

/// Whether the live table matches the policy, and how it differs.
fn live_section(out: &mut String, lang: Lang, live: &Live) {
    heading(out, &t_in!(lang, "report-live"));
    let _ = writeln!(
        out,
        "{}: {}",
        t_in!(lang, "report-live-table"),
        live.live_comment
            .clone()
            .unwrap_or_else(|| t_in!(lang, "report-live-none"))
    );
    let _ = writeln!(out);
    if live.matches {
        let _ = writeln!(out, "{}", t_in!(lang, "report-live-matches"));
    } else {
        let _ = writeln!(
            out,
            "**{}**",
            t_in!(lang, "report-live-differs", count = live.differences.len())
        );
        let _ = writeln!(out);
        for change in &live.differences {
            let _ = writeln!(out, "- {}", cell(change));
        }
    }
    for warning in &live.warnings {
        let _ = writeln!(
            out,
            "- {}: {}",
            t_in!(lang, "report-warning"),
            cell(warning)
        );
    }
    let _ = writeln!(out);
}
