//! The auditor's report as one self-contained HTML page (`sanso report
//! -o x.html`), written from the [`Document`] alone: inline CSS (system
//! fonts with a Japanese fallback list, print CSS for A4), an inline SVG
//! diagram, no script and nothing fetched from anywhere. Every policy string
//! is escaped.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::markdown::{
    beyond_text, by_organisation, crossing_controls, isolation_kind, time_text, waived,
};
use super::{Audit, Document, FlowRow, Live};
use sanso_i18n::{t_in, Lang};

/// Text for HTML element content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
:root { --ink: #1a1a1a; --line: #9aa3ad; --soft: #eef1f4; }
body { font-family: system-ui, -apple-system, "Segoe UI", "Hiragino Sans", "Hiragino Kaku Gothic ProN", "Yu Gothic", "Meiryo", "Noto Sans CJK JP", "Noto Sans JP", "IPAexGothic", "IPAGothic", sans-serif; color: var(--ink); margin: 2em; font-size: 10.5pt; line-height: 1.5; }
h1 { font-size: 20pt; margin: 0 0 .5em; }
h2 { font-size: 14pt; border-bottom: 2px solid var(--ink); padding-bottom: .2em; margin-top: 1.6em; }
table { border-collapse: collapse; width: 100%; margin: .6em 0; }
th, td { border: 1px solid var(--line); padding: .25em .45em; vertical-align: top; text-align: left; word-break: break-word; }
th { background: var(--soft); }
td.mark { text-align: center; font-size: 13pt; }
td.never { background: #f6d5d5; } td.control { background: #fbefc9; } td.allowed { background: #dcefdc; }
td.none { color: #888; text-align: center; }
.flag { color: #a40000; font-weight: bold; }
.small { font-size: 9pt; color: #444; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 9pt; word-break: break-all; }
section.cover { min-height: 40vh; }
.signoff td { height: 3em; }
.signoff td.findings { height: 8em; }
svg { max-width: 100%; height: auto; }
@page { size: A4; margin: 15mm; }
@media print {
  body { margin: 0; font-size: 9.5pt; }
  section { break-before: page; }
  section.cover { break-before: auto; }
  tr, .path { break-inside: avoid; }
  thead { display: table-header-group; }
}
"#;

/// A sentence of the catalogue as HTML: escaped, and what it sets between
/// backticks (`` `sanso release` ``) as code. Unpaired backticks stay as
/// they are.
pub fn prose(text: &str) -> String {
    let escaped = esc(text);
    let pieces: Vec<&str> = escaped.split('`').collect();
    if pieces.len().is_multiple_of(2) {
        return escaped;
    }
    let mut out = String::with_capacity(escaped.len() + 16);
    for (i, piece) in pieces.iter().enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{piece}</code>");
        } else {
            out.push_str(piece);
        }
    }
    out
}

fn list(items: &[String]) -> String {
    items.iter().map(|s| esc(s)).collect::<Vec<_>>().join(", ")
}

fn opt(text: &Option<String>) -> String {
    text.as_deref().map_or_else(|| "—".to_string(), esc)
}

fn head_row(out: &mut String, columns: &[&str]) {
    out.push_str("<thead><tr>");
    for c in columns {
        let _ = write!(out, "<th>{}</th>", esc(c));
    }
    out.push_str("</tr></thead>\n");
}

/// The whole page, in `lang`; policy strings escaped.
pub fn render(lang: Lang, doc: &Document) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{} {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        lang.code(),
        esc(&doc.cover.title),
        esc(&doc.cover.name)
    );

    // Cover.
    let c = &doc.cover;
    let _ = writeln!(
        out,
        "<section class=\"cover\" id=\"cover\">\n<h1>{}: {}</h1>\n<table>",
        esc(&c.title),
        esc(&c.name)
    );
    let mut row = |k: &str, v: String| {
        let _ = writeln!(out, "<tr><th>{}</th><td>{v}</td></tr>", esc(k));
    };
    row(&t_in!(lang, "report-policy"), esc(&c.policy_file));
    row(&t_in!(lang, "report-name"), esc(&c.name));
    row(&t_in!(lang, "report-revision"), opt(&c.revision));
    row(
        &t_in!(lang, "report-content-hash"),
        format!("<code>{}</code>", esc(&c.content_hash)),
    );
    row(&t_in!(lang, "report-generated-at"), esc(&c.generated_at));
    if let Some(g) = &c.gateway {
        row(&t_in!(lang, "report-gateway"), esc(g));
    }
    row(
        &t_in!(lang, "report-size-label"),
        t_in!(
            lang,
            "report-size",
            zones = c.counts.zones,
            hosts = c.counts.hosts,
            flows = c.counts.flows,
            exceptions = c.counts.exceptions,
        ),
    );
    out.push_str("</table>\n");
    let _ = writeln!(
        out,
        "<p>{}</p>\n</section>",
        &t_in!(lang, "report-deny-default")
    );

    // Diagram.
    let _ = writeln!(
        out,
        "<section id=\"diagram\">\n<h2>{}</h2>\n<p class=\"small\">{}</p>",
        &t_in!(lang, "report-diagram"),
        &t_in!(lang, "report-diagram-note")
    );
    out.push_str(&svg(lang, doc));
    out.push_str("</section>\n");

    // Matrices.
    let _ = writeln!(
        out,
        "<section id=\"matrices\">\n<h2>{}</h2>\n<p class=\"small\">{}</p>\n<table class=\"tier-matrix\">",
        &t_in!(lang, "report-tier-matrix"),
        &t_in!(lang, "report-tier-matrix-note")
    );
    let _ = write!(
        out,
        "<thead><tr><th>{}</th>",
        esc(&t_in!(lang, "report-from-to"))
    );
    for t in &doc.tier_matrix.tiers {
        let _ = write!(out, "<th>{}</th>", esc(&t.label));
    }
    out.push_str("</tr></thead>\n");
    for (i, t) in doc.tier_matrix.tiers.iter().enumerate() {
        let _ = write!(out, "<tr><th>{}</th>", esc(&t.label));
        for cell in &doc.tier_matrix.cells[i] {
            let g = cell.guardrail.map(|g| format!(" G{g}")).unwrap_or_default();
            let _ = write!(
                out,
                "<td class=\"mark {}\">{}<span class=\"small\">{g}</span>",
                cell.judgement, cell.mark
            );
            if !cell.flows.is_empty() {
                let _ = write!(
                    out,
                    "<br><span class=\"small\">{}</span>",
                    list(&cell.flows)
                );
            }
            out.push_str("</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n<ul class=\"small\">\n");
    for g in &doc.guardrails {
        let _ = writeln!(out, "<li>G{}: {}</li>", g.guardrail, esc(&g.title));
    }
    out.push_str("</ul>\n");
    let _ = writeln!(
        out,
        "<h2>{}</h2>\n<p class=\"small\">{}</p>\n<table class=\"zone-matrix\">",
        &t_in!(lang, "report-zone-matrix"),
        &t_in!(lang, "report-zone-matrix-note")
    );
    let _ = write!(
        out,
        "<thead><tr><th>{}</th>",
        esc(&t_in!(lang, "report-from-to"))
    );
    for z in &doc.zone_matrix.zones {
        let _ = write!(out, "<th>{}</th>", esc(z));
    }
    out.push_str("</tr></thead>\n");
    for (i, z) in doc.zone_matrix.zones.iter().enumerate() {
        let _ = write!(out, "<tr><th>{}</th>", esc(z));
        for cell in &doc.zone_matrix.cells[i] {
            if cell.is_empty() {
                out.push_str("<td class=\"none\">—</td>");
            } else {
                let _ = write!(out, "<td class=\"small\">{}</td>", list(cell));
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n</section>\n");

    // Zones and hosts.
    let _ = writeln!(
        out,
        "<section id=\"inventory\">\n<h2>{}</h2>\n<p class=\"small\">{}</p>\n<table class=\"zones\">",
        &t_in!(lang, "report-zones"),
        prose(&t_in!(lang, "report-zones-note"))
    );
    head_row(
        &mut out,
        &[
            &t_in!(lang, "report-zone"),
            &t_in!(lang, "report-organisation"),
            &t_in!(lang, "report-tier"),
            &t_in!(lang, "report-beyond"),
            &t_in!(lang, "report-interfaces"),
            &t_in!(lang, "report-networks"),
        ],
    );
    for z in by_organisation(&doc.zones) {
        let _ = writeln!(
            out,
            "<tr data-standing=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            z.standing,
            esc(&z.name),
            opt(&z.organisation),
            esc(&z.tier_label),
            esc(&beyond_text(lang, z)),
            list(&z.interfaces),
            list(&z.networks)
        );
    }
    out.push_str("</table>\n");
    let _ = writeln!(
        out,
        "<h2>{}</h2>\n<table class=\"hosts\">",
        &t_in!(lang, "report-hosts")
    );
    head_row(
        &mut out,
        &[
            &t_in!(lang, "report-host"),
            &t_in!(lang, "report-zone"),
            &t_in!(lang, "report-tier"),
            &t_in!(lang, "report-organisation"),
            &t_in!(lang, "report-addresses"),
            &t_in!(lang, "report-roles"),
            &t_in!(lang, "report-serves"),
        ],
    );
    for h in &doc.hosts {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(&h.name),
            esc(&h.zone),
            esc(&h.tier_label),
            opt(&h.organisation),
            list(&h.addresses),
            list(&h.roles),
            list(&h.serves)
        );
    }
    out.push_str("</table>\n</section>\n");

    // Flows.
    let _ = writeln!(
        out,
        "<section id=\"flows\">\n<h2>{}</h2>\n<table class=\"flows\">",
        &t_in!(lang, "report-flows")
    );
    head_row(
        &mut out,
        &[
            &t_in!(lang, "report-flow"),
            &t_in!(lang, "report-from"),
            &t_in!(lang, "report-to"),
            &t_in!(lang, "report-services"),
            &t_in!(lang, "report-crossing"),
            &t_in!(lang, "report-reason"),
            &t_in!(lang, "report-conditions"),
            &t_in!(lang, "report-line"),
        ],
    );
    for f in &doc.flows {
        let crossing = crossing_cell(lang, f);
        let mut conditions = Vec::new();
        if f.log {
            conditions.push(t_in!(lang, "report-cond-log"));
        }
        if let Some(limit) = &f.limit {
            conditions.push(t_in!(lang, "report-cond-limit", limit = esc(limit)));
        }
        if let Some(until) = &f.until {
            let state = match f.until_state {
                Some("expired") => format!(
                    " <span class=\"flag\">({})</span>",
                    &t_in!(lang, "report-expired")
                ),
                _ => String::new(),
            };
            conditions.push(format!(
                "{}{state}",
                t_in!(lang, "report-cond-until", until = esc(until))
            ));
        }
        let _ = writeln!(
            out,
            "<tr class=\"flow\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"crossing\">{crossing}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&f.name),
            list(&f.from),
            list(&f.to),
            list(&f.services),
            esc(&f.reason),
            conditions.join("<br>"),
            f.line
        );
    }
    out.push_str("</table>\n</section>\n");

    // Exceptions and 委託.
    let _ = writeln!(
        out,
        "<section id=\"exceptions\">\n<h2>{}</h2>",
        &t_in!(lang, "report-exceptions")
    );
    if doc.exceptions.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", &t_in!(lang, "report-none"));
    } else {
        let _ = writeln!(
            out,
            "<p class=\"small\">{}</p>\n<table class=\"exceptions\">",
            prose(&t_in!(lang, "report-exceptions-note"))
        );
        head_row(
            &mut out,
            &[
                &t_in!(lang, "report-flow"),
                &t_in!(lang, "report-from"),
                &t_in!(lang, "report-to"),
                &t_in!(lang, "report-approved-by"),
                &t_in!(lang, "report-ticket"),
                &t_in!(lang, "report-approved-on"),
                &t_in!(lang, "report-review-by"),
                &t_in!(lang, "report-waives"),
                &t_in!(lang, "report-reason"),
            ],
        );
        for e in &doc.exceptions {
            let review = match &e.review_by {
                Some(d) if e.overdue => format!(
                    "{} <span class=\"flag\">({})</span>",
                    esc(d),
                    &t_in!(lang, "report-overdue")
                ),
                other => opt(other),
            };
            let _ = writeln!(
                out,
                "<tr class=\"exception\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{review}</td><td class=\"waived\">{}</td><td>{}</td></tr>",
                esc(&e.flow),
                list(&e.from),
                list(&e.to),
                esc(&e.approved_by),
                esc(&e.ticket),
                opt(&e.approved_on),
                esc(&waived(e)),
                esc(&e.reason)
            );
        }
        out.push_str("</table>\n");
    }
    if !doc.idle_exceptions.is_empty() {
        let idle: Vec<&str> = doc
            .idle_exceptions
            .iter()
            .map(|e| e.flow.as_str())
            .collect();
        let _ = writeln!(
            out,
            "<p class=\"idle\">{}</p>",
            prose(&t_in!(lang, "report-not-counted", flows = idle.join(", ")))
        );
    }
    bounded(&mut out, lang, doc);
    let _ = writeln!(
        out,
        "<h2>{}</h2>\n<p class=\"small\">{}</p>",
        &t_in!(lang, "report-windows"),
        prose(&t_in!(lang, "report-windows-note"))
    );
    if doc.entrustment.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", &t_in!(lang, "report-none"));
    } else {
        out.push_str("<table class=\"windows\">\n");
        head_row(
            &mut out,
            &[
                &t_in!(lang, "report-flow"),
                &t_in!(lang, "report-until"),
                &t_in!(lang, "report-state"),
                &t_in!(lang, "report-reason"),
            ],
        );
        for w in &doc.entrustment {
            let state = match w.state {
                "active" => t_in!(lang, "report-window-active"),
                "expired" => format!(
                    "<span class=\"flag\">{}</span>",
                    &t_in!(lang, "report-window-expired")
                ),
                _ => format!(
                    "<span class=\"flag\">{}</span>",
                    t_in!(lang, "report-window-missing-until")
                ),
            };
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{state}</td><td>{}</td></tr>",
                esc(&w.flow),
                opt(&w.until),
                esc(&w.reason)
            );
        }
        out.push_str("</table>\n");
    }
    out.push_str("</section>\n");

    // Exposure paths.
    let _ = writeln!(
        out,
        "<section id=\"exposure\">\n<h2>{}</h2>\n<p class=\"small\">{}</p>",
        &t_in!(lang, "report-exposure"),
        t_in!(
            lang,
            "report-exposure-note",
            max_hops = doc.exposure.max_hops,
            total = doc.exposure.total,
        )
    );
    if doc.exposure.paths.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", &t_in!(lang, "report-none"));
    } else {
        out.push_str("<ol class=\"paths\">\n");
        for p in &doc.exposure.paths {
            out.push_str("<li class=\"path\">");
            out.push_str(
                &p.nodes
                    .iter()
                    .map(|n| esc(n))
                    .collect::<Vec<_>>()
                    .join(" → "),
            );
            out.push_str("<br><span class=\"small\">");
            let hops: Vec<String> = p
                .hops
                .iter()
                .map(|h| {
                    let controls = if h.controls.is_empty() {
                        t_in!(lang, "report-no-control")
                    } else {
                        list(&h.controls)
                    };
                    format!("{} [{controls}]", esc(&h.flow))
                })
                .collect();
            out.push_str(&hops.join(" ; "));
            out.push_str("</span></li>\n");
        }
        out.push_str("</ol>\n");
    }
    out.push_str("</section>\n");

    // Isolations, live, audit.
    let _ = writeln!(
        out,
        "<section id=\"isolations\">\n<h2>{}</h2>\n<p class=\"small\">{}</p>",
        &t_in!(lang, "report-isolations"),
        prose(&t_in!(
            lang,
            "report-state-dir",
            dir = &doc.isolations_source.dir,
            file = &doc.isolations_source.file
        ))
    );
    if doc.isolations.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", &t_in!(lang, "report-none"));
    } else {
        let _ = writeln!(
            out,
            "<p class=\"small\">{}</p>\n<table class=\"isolations\">",
            prose(&t_in!(lang, "report-isolations-note"))
        );
        head_row(
            &mut out,
            &[
                &t_in!(lang, "report-target"),
                &t_in!(lang, "report-kind"),
                &t_in!(lang, "report-addresses"),
                &t_in!(lang, "report-since"),
                &t_in!(lang, "report-isolated-until"),
                &t_in!(lang, "report-operator"),
                &t_in!(lang, "report-ticket"),
                &t_in!(lang, "report-reason"),
            ],
        );
        for i in &doc.isolations {
            let until = match (&i.until, i.until_state) {
                (Some(text), Some("expired")) => format!(
                    "<span class=\"flag\">{}</span>",
                    prose(&t_in!(lang, "report-isolation-passed", until = text))
                ),
                (Some(text), _) => esc(text),
                (None, _) => prose(&t_in!(lang, "report-until-release")),
            };
            let _ = writeln!(
                out,
                "<tr class=\"isolation\"><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{until}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&i.target),
                esc(&isolation_kind(lang, i)),
                list(&i.addresses),
                esc(&i.since),
                esc(&i.by),
                opt(&i.ticket),
                esc(&i.reason)
            );
        }
        out.push_str("</table>\n");
    }
    out.push_str("</section>\n");
    if let Some(live) = &doc.live {
        live_section(&mut out, lang, live);
    }
    if let Some(audit) = &doc.audit {
        audit_section(&mut out, lang, audit);
    }

    // Sign-off.
    let _ = writeln!(
        out,
        "<section id=\"sign-off\">\n<h2>{}</h2>\n<table class=\"signoff\">",
        &t_in!(lang, "report-sign-off")
    );
    for (i, label) in doc.sign_off.iter().enumerate() {
        let class = if i + 1 == doc.sign_off.len() {
            " class=\"findings\""
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "<tr><th style=\"width:20%\">{}</th><td{class}></td></tr>",
            esc(label)
        );
    }
    out.push_str("</table>\n</section>\n</body>\n</html>\n");
    out
}

/// What lets a flow cross: its controls, each once with the guardrails it
/// satisfies (or why it crosses none), then in small print each crossing
/// (or, when it meets no guardrail between tiers, between which).
fn crossing_cell(lang: Lang, flow: &FlowRow) -> String {
    let mut cell = esc(&crossing_controls(lang, flow));
    let detail: Vec<String> = if flow.crossings.is_empty() {
        match (flow.no_crossing_kind, &flow.no_crossing) {
            (Some("no-guardrail"), Some(why)) => vec![esc(why)],
            _ => Vec::new(),
        }
    } else {
        flow.crossings.iter().map(|c| esc(&c.text)).collect()
    };
    if !detail.is_empty() {
        let _ = write!(
            cell,
            "<br><span class=\"small\">{}</span>",
            detail.join("<br>")
        );
    }
    cell
}

/// The flows with an `until`: when each ends and whether it has.
fn bounded(out: &mut String, lang: Lang, doc: &Document) {
    let _ = writeln!(out, "<h2>{}</h2>", &t_in!(lang, "report-time-bounded"));
    let bounded: Vec<&FlowRow> = doc.flows.iter().filter(|f| f.ends_at.is_some()).collect();
    if bounded.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", &t_in!(lang, "report-none"));
        return;
    }
    out.push_str("<table class=\"bounded\">\n");
    head_row(
        out,
        &[
            &t_in!(lang, "report-flow"),
            &t_in!(lang, "report-until"),
            &t_in!(lang, "report-state"),
        ],
    );
    for flow in bounded {
        let state = if flow.until_state == Some("active") {
            t_in!(lang, "report-window-active")
        } else {
            format!(
                "<span class=\"flag\">{}</span>",
                &t_in!(lang, "report-window-expired")
            )
        };
        let ends = t_in!(
            lang,
            "report-ends",
            until = flow.until.as_deref().unwrap_or("-"),
            time = time_text(flow.ends_at.as_deref().unwrap_or("-"))
        );
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{state}</td></tr>",
            esc(&flow.name),
            esc(&ends)
        );
    }
    out.push_str("</table>\n");
}

fn live_section(out: &mut String, lang: Lang, live: &Live) {
    let _ = writeln!(
        out,
        "<section id=\"live\">\n<h2>{}</h2>\n<p>{}: {}</p>",
        &t_in!(lang, "report-live"),
        &t_in!(lang, "report-live-table"),
        opt(&live.live_comment)
    );
    if live.matches {
        let _ = writeln!(out, "<p>{}</p>", &t_in!(lang, "report-live-matches"));
    } else {
        let _ = writeln!(
            out,
            "<p class=\"flag\">{}</p>\n<ul>",
            &t_in!(lang, "report-live-drift")
        );
        for d in &live.differences {
            let _ = writeln!(out, "<li><code>{}</code></li>", esc(d));
        }
        out.push_str("</ul>\n");
    }
    for w in &live.warnings {
        let _ = writeln!(
            out,
            "<p class=\"small\">{}: {}</p>",
            &t_in!(lang, "report-warning"),
            esc(w)
        );
    }
    if let Some(e) = &live.counters_error {
        let _ = writeln!(
            out,
            "<p class=\"flag\">{}: {}</p>",
            &t_in!(lang, "report-counters-error"),
            esc(e)
        );
    }
    let _ = writeln!(
        out,
        "<h2>{}</h2>\n<table class=\"hits\">",
        &t_in!(lang, "report-hits")
    );
    head_row(
        out,
        &[
            &t_in!(lang, "report-flow"),
            &t_in!(lang, "report-packets"),
            &t_in!(lang, "report-bytes"),
            &t_in!(lang, "report-state"),
        ],
    );
    for h in &live.hits {
        let state = if h.unused {
            format!(
                "<span class=\"flag\">{}</span>",
                &t_in!(lang, "report-unused")
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{state}</td></tr>",
            esc(&h.flow),
            h.packets,
            h.bytes
        );
    }
    out.push_str("</table>\n");
    let _ = writeln!(out, "<h2>{}</h2>", &t_in!(lang, "report-drops"));
    if live.drops.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", &t_in!(lang, "report-none"));
    } else {
        out.push_str("<table class=\"drops\">\n");
        head_row(
            out,
            &[&t_in!(lang, "report-pair"), &t_in!(lang, "report-packets")],
        );
        for d in &live.drops {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td></tr>",
                esc(&d.pair),
                d.packets
            );
        }
        out.push_str("</table>\n");
    }
    out.push_str("</section>\n");
}

fn audit_section(out: &mut String, lang: Lang, audit: &Audit) {
    let _ = writeln!(
        out,
        "<section id=\"history\">\n<h2>{}</h2>",
        &t_in!(lang, "report-history")
    );
    if audit.intact {
        let _ = writeln!(
            out,
            "<p>{} <code>{}</code>: {}.</p>",
            &t_in!(lang, "report-audit-log"),
            esc(&audit.file),
            t_in!(lang, "report-chain-intact", records = audit.records),
        );
    } else {
        let _ = writeln!(
            out,
            "<p class=\"flag\">{} <code>{}</code>: {} {}</p>",
            &t_in!(lang, "report-audit-log"),
            esc(&audit.file),
            &t_in!(lang, "report-audit-altered"),
            opt(&audit.broken)
        );
    }
    out.push_str("<table class=\"history\">\n");
    head_row(
        out,
        &[
            "#",
            &t_in!(lang, "report-time"),
            &t_in!(lang, "report-event"),
            &t_in!(lang, "report-revision"),
            "SHA-256",
            &t_in!(lang, "report-operator"),
            &t_in!(lang, "report-ticket"),
            &t_in!(lang, "report-reason"),
        ],
    );
    for r in &audit.history {
        let hash = r
            .content_hash
            .as_deref()
            .map(|h| esc(&h[..h.len().min(16)]))
            .unwrap_or_else(|| "—".into());
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{hash}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            r.seq,
            esc(&r.time),
            esc(&r.event),
            opt(&r.revision),
            opt(&r.operator),
            opt(&r.ticket),
            opt(&r.reason)
        );
    }
    out.push_str("</table>\n");
    for d in &audit.diffs {
        let _ = writeln!(
            out,
            "<h3>{} <code>{}</code> → <code>{}</code></h3>",
            &t_in!(lang, "report-flow-changes"),
            esc(&d.old[..d.old.len().min(16)]),
            esc(&d.new[..d.new.len().min(16)])
        );
        if !d.archived {
            let _ = writeln!(
                out,
                "<p class=\"small\">{}</p>",
                &t_in!(lang, "report-not-archived")
            );
            continue;
        }
        if d.flows.is_empty() {
            let _ = writeln!(out, "<p>{}</p>", &t_in!(lang, "report-no-flow-changed"));
            continue;
        }
        out.push_str("<ul>\n");
        for f in &d.flows {
            let kind = t_in!(lang, "report-change-kind", kind = f.kind.as_str());
            let _ = writeln!(
                out,
                "<li>{kind}: {} <span class=\"small\">{} {}</span></li>",
                esc(&f.name),
                esc(&f.summary),
                list(&f.fields)
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

/// The diagram: one band per tier (top: the Internet), organisations as
/// labelled groups, zones as boxes, the gateway itself (`self`) as a box in
/// a band of its own at the bottom, crossings as arrows labelled with their
/// control. The layout depends only on the document (file order).
pub fn svg(lang: Lang, doc: &Document) -> String {
    const WIDTH: i64 = 1100;
    const BAND_H: i64 = 130;
    const LABEL_W: i64 = 260;
    const BOX_W: i64 = 170;
    const BOX_H: i64 = 46;
    const GAP: i64 = 40;
    const ORG_GAP: i64 = 30;
    // The zones' bands, then the gateway's.
    let height = BAND_H * (doc.diagram.bands.len() as i64 + 1) + 20;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" role=\"img\" class=\"diagram\" font-family=\"system-ui, 'Hiragino Sans', 'Yu Gothic', Meiryo, 'Noto Sans CJK JP', sans-serif\" font-size=\"13\">"
    );
    out.push_str("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#333\"/></marker></defs>\n");
    let colours = [
        "#fde7e7", "#fff3d6", "#e3f1e3", "#e6eef9", "#efe6f7", "#eeeeee",
    ];
    // Box centres by zone name.
    let mut boxes: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for (i, band) in doc.diagram.bands.iter().enumerate() {
        let y = 10 + BAND_H * i as i64;
        let colour = colours[i % colours.len()];
        let _ = writeln!(
            out,
            "<rect x=\"0\" y=\"{y}\" width=\"{WIDTH}\" height=\"{BAND_H}\" fill=\"{colour}\" stroke=\"#bbb\"/><text x=\"12\" y=\"{}\" font-weight=\"bold\">{}</text>",
            y + BAND_H / 2 + 5,
            esc(&band.label)
        );
        let mut x = LABEL_W;
        for group in &band.groups {
            let n = group.zones.len() as i64;
            let group_w = n * BOX_W + (n - 1) * GAP;
            let box_y = y + 42;
            if let Some(org) = &group.organisation {
                let _ = writeln!(
                    out,
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#777\" stroke-dasharray=\"4 3\" rx=\"6\"/><text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#444\">{}</text>",
                    x - 10,
                    y + 22,
                    group_w + 20,
                    BOX_H + 34,
                    x - 4,
                    y + 36,
                    esc(org)
                );
            }
            for zone in &group.zones {
                let _ = writeln!(
                    out,
                    "<g class=\"zone\" data-zone=\"{}\"><rect x=\"{x}\" y=\"{box_y}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"4\" fill=\"#fff\" stroke=\"#333\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text></g>",
                    esc(zone),
                    x + BOX_W / 2,
                    box_y + BOX_H / 2 + 5,
                    esc(zone)
                );
                boxes.insert(zone.as_str(), (x + BOX_W / 2, box_y + BOX_H / 2));
                x += BOX_W + GAP;
            }
            x += ORG_GAP - GAP + GAP;
        }
    }
    let y = 10 + BAND_H * doc.diagram.bands.len() as i64;
    let box_y = y + 42;
    // At the right, where arrows from the zones (left first) cross the
    // fewest boxes.
    let x = WIDTH - 40 - BOX_W;
    let _ = writeln!(
        out,
        "<rect x=\"0\" y=\"{y}\" width=\"{WIDTH}\" height=\"{BAND_H}\" fill=\"#ffffff\" stroke=\"#bbb\"/><text x=\"12\" y=\"{}\" font-weight=\"bold\">{}</text>",
        y + BAND_H / 2 + 5,
        esc(&t_in!(
            lang,
            "report-standing-label",
            standing = super::words::standing_key(sanso_policy::Standing::Gateway)
        ))
    );
    let _ = writeln!(
        out,
        "<g class=\"gateway\" data-zone=\"self\"><rect x=\"{x}\" y=\"{box_y}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"4\" fill=\"#f4f4f4\" stroke=\"#333\" stroke-width=\"2\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\">self</text></g>",
        x + BOX_W / 2,
        box_y + BOX_H / 2 + 5,
    );
    boxes.insert("self", (x + BOX_W / 2, box_y + BOX_H / 2));
    for arrow in &doc.diagram.arrows {
        let (Some(&(x1, y1)), Some(&(x2, y2))) =
            (boxes.get(arrow.from.as_str()), boxes.get(arrow.to.as_str()))
        else {
            continue;
        };
        // Opposite directions between the same boxes run side by side: the
        // one going down on the left, the one going up on the right.
        let (dx, dy) = match (y2 - y1).signum() {
            1 => (-14, 0),
            -1 => (14, 0),
            _ => (0, if x2 > x1 { -8 } else { 8 }),
        };
        let (sy, ey) = match (y2 - y1).signum() {
            1 => (y1 + BOX_H / 2, y2 - BOX_H / 2),
            -1 => (y1 - BOX_H / 2, y2 + BOX_H / 2),
            _ => (y1, y2),
        };
        let (sx, ex) = if y1 == y2 {
            let s = (x2 - x1).signum();
            (x1 + s * BOX_W / 2, x2 - s * BOX_W / 2)
        } else {
            (x1, x2)
        };
        let (sx, ex, sy, ey) = (sx + dx, ex + dx, sy + dy, ey + dy);
        let (mx, my) = ((sx + ex) / 2, (sy + ey) / 2);
        let anchor = if dx < 0 { "end" } else { "start" };
        let tx = if dx < 0 { mx - 6 } else { mx + 6 };
        let _ = writeln!(
            out,
            "<g class=\"crossing\" data-from=\"{}\" data-to=\"{}\"><line x1=\"{sx}\" y1=\"{sy}\" x2=\"{ex}\" y2=\"{ey}\" stroke=\"#333\" stroke-width=\"1.6\" marker-end=\"url(#arrow)\"/><text x=\"{tx}\" y=\"{}\" text-anchor=\"{anchor}\" font-size=\"11\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">{}</text></g>",
            esc(&arrow.from),
            esc(&arrow.to),
            my + 4,
            esc(&arrow.label)
        );
    }
    out.push_str("</svg>\n");
    out
}
