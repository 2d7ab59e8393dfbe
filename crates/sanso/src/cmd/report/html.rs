//! The report as one self-contained HTML page: inline CSS (system fonts with
//! a Japanese fallback list, print CSS for A4), an inline SVG diagram, no
//! script and nothing fetched from anywhere. Every policy string is escaped.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::doc::{Document, Live};
use super::lang::Lang;

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

pub fn render(lang: Lang, doc: &Document) -> String {
    let l = |ja: &'static str, en: &'static str| lang.s(ja, en);
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
    row(l("ポリシー", "Policy"), esc(&c.policy_file));
    row(l("名前", "Name"), esc(&c.name));
    row(l("版", "Revision"), opt(&c.revision));
    row(
        l("内容のハッシュ (SHA-256)", "Content hash (SHA-256)"),
        format!("<code>{}</code>", esc(&c.content_hash)),
    );
    row(
        l("作成日時 (日本標準時)", "Generated at (JST)"),
        esc(&c.generated_at),
    );
    if let Some(g) = &c.gateway {
        row(l("ゲートウェイ", "Gateway"), esc(g));
    }
    row(
        l("規模", "Size"),
        match lang {
            Lang::Ja => format!(
                "ゾーン {} / ホスト {} / 通信 {} / 例外 {}",
                c.counts.zones, c.counts.hosts, c.counts.flows, c.counts.exceptions
            ),
            Lang::En => format!(
                "{} zones, {} hosts, {} flows, {} exceptions",
                c.counts.zones, c.counts.hosts, c.counts.flows, c.counts.exceptions
            ),
        },
    );
    out.push_str("</table>\n");
    let _ = writeln!(
        out,
        "<p>{}</p>\n</section>",
        l(
            "既定は拒否です。この報告に載っている通信以外はすべて遮断され、記録されます (レート制限付き)。",
            "Deny by default: everything not listed in this report is dropped and logged (rate-limited)."
        )
    );

    // Diagram.
    let _ = writeln!(
        out,
        "<section id=\"diagram\">\n<h2>{}</h2>\n<p class=\"small\">{}</p>",
        l("構成図", "Diagram"),
        l(
            "帯が層、箱がゾーン、矢印が層をまたぐ通信とその統制です。",
            "Bands are tiers, boxes zones, arrows the crossings between zones with the control that allows them."
        )
    );
    out.push_str(&svg(doc));
    out.push_str("</section>\n");

    // Matrices.
    let _ = writeln!(
        out,
        "<section id=\"matrices\">\n<h2>{}</h2>\n<p class=\"small\">{}</p>\n<table class=\"tier-matrix\">",
        l("層の間の通信", "Tier matrix"),
        l(
            "行が通信元、列が通信先。○ 許可できる / △ 統制 (無害化、画面転送、セキュリティクラウド、例外) を通してのみ / × 決して許可されない。番号は規則、下段はこのポリシーの通信。",
            "Rows are sources, columns destinations. ○ allowed / △ only through a control (sanitizer, screen transfer, security cloud, exception) / × never. The number is the guardrail; below it, this policy's flows."
        )
    );
    out.push_str("<thead><tr><th>from \\ to</th>");
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
        l("ゾーン間の通信", "Zone matrix"),
        l(
            "行が通信元、列が通信先。新しい接続を許可する通信の名前、— は通信不可。",
            "Rows are sources, columns destinations: the flows that allow new connections, — none."
        )
    );
    out.push_str("<thead><tr><th>from \\ to</th>");
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
        "<section id=\"inventory\">\n<h2>{}</h2>\n<table class=\"zones\">",
        l("ゾーン", "Zones")
    );
    head_row(
        &mut out,
        &[
            l("ゾーン", "Zone"),
            l("組織", "Organisation"),
            l("分類", "Tier"),
            l("インターフェース", "Interfaces"),
            l("ネットワーク", "Networks"),
        ],
    );
    for z in &doc.zones {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            esc(&z.name),
            opt(&z.organisation),
            esc(&z.tier_label),
            list(&z.interfaces),
            list(&z.networks)
        );
    }
    out.push_str("</table>\n");
    let _ = writeln!(
        out,
        "<h2>{}</h2>\n<table class=\"hosts\">",
        l("ホスト一覧", "Host inventory")
    );
    head_row(
        &mut out,
        &[
            l("ホスト", "Host"),
            l("ゾーン", "Zone"),
            l("分類", "Tier"),
            l("組織", "Organisation"),
            l("アドレス", "Addresses"),
            l("役割", "Roles"),
            l("提供するサービス (serves)", "Serves"),
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
        l("許可された通信", "Allowed flows")
    );
    head_row(
        &mut out,
        &[
            l("名前", "Flow"),
            l("通信元", "From"),
            l("通信先", "To"),
            l("サービス", "Services"),
            l("理由", "Reason"),
            l(
                "越える規則と統制",
                "Guardrail crossed and what satisfies it",
            ),
            l("条件", "Conditions"),
            l("行", "Line"),
        ],
    );
    for f in &doc.flows {
        let crossing = if f.crossings.is_empty() {
            f.no_crossing.as_deref().map(esc).unwrap_or_default()
        } else {
            f.crossings
                .iter()
                .map(|c| esc(&c.text))
                .collect::<Vec<_>>()
                .join("<br>")
        };
        let mut conditions = Vec::new();
        if f.log {
            conditions.push(l("記録 (log)", "log").to_string());
        }
        if let Some(limit) = &f.limit {
            conditions.push(format!("{} {}", l("上限", "limit"), esc(limit)));
        }
        if let Some(until) = &f.until {
            let state = match f.until_state {
                Some("expired") => format!(
                    " <span class=\"flag\">({})</span>",
                    l("期限切れ", "expired")
                ),
                _ => String::new(),
            };
            conditions.push(format!("{} {}{state}", l("期限", "until"), esc(until)));
        }
        let _ = writeln!(
            out,
            "<tr class=\"flow\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"small\">{crossing}</td><td>{}</td><td>{}</td></tr>",
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
        l("例外", "Exceptions")
    );
    if doc.exceptions.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", l("なし", "None."));
    } else {
        out.push_str("<table class=\"exceptions\">\n");
        head_row(
            &mut out,
            &[
                l("名前", "Flow"),
                l("通信元", "From"),
                l("通信先", "To"),
                l("承認者", "Approved by"),
                l("チケット", "Ticket"),
                l("承認日", "Approved on"),
                l("見直し期限", "Review by"),
                l("免除する規則", "Waives"),
                l("理由", "Reason"),
            ],
        );
        for e in &doc.exceptions {
            let review = match &e.review_by {
                Some(d) if e.overdue => format!(
                    "{} <span class=\"flag\">({})</span>",
                    esc(d),
                    l("期限超過", "overdue")
                ),
                other => opt(other),
            };
            let waives: Vec<String> = e.waives.iter().map(|g| format!("G{g}")).collect();
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{review}</td><td>{}</td><td>{}</td></tr>",
                esc(&e.flow),
                list(&e.from),
                list(&e.to),
                esc(&e.approved_by),
                esc(&e.ticket),
                opt(&e.approved_on),
                waives.join(", "),
                esc(&e.reason)
            );
        }
        out.push_str("</table>\n");
    }
    let _ = writeln!(
        out,
        "<h2>{}</h2>\n<p class=\"small\">{}</p>",
        l("委託の期間", "Contractor (委託) windows"),
        l(
            "期限 (until) のある通信、および理由に「委託」とある通信や契約先 (contractor) のホストとの通信。",
            "Flows with an `until`, and flows whose reason names 委託 or that reach a host with role contractor."
        )
    );
    if doc.entrustment.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", l("なし", "None."));
    } else {
        out.push_str("<table class=\"windows\">\n");
        head_row(
            &mut out,
            &[
                l("名前", "Flow"),
                l("期限", "Until"),
                l("状態", "State"),
                l("理由", "Reason"),
            ],
        );
        for w in &doc.entrustment {
            let state = match w.state {
                "active" => l("有効", "active").to_string(),
                "expired" => format!(
                    "<span class=\"flag\">{}</span>",
                    l(
                        "期限切れ (ルールセットにない)",
                        "expired (not in the ruleset)"
                    )
                ),
                _ => format!(
                    "<span class=\"flag\">{}</span>",
                    l("期限 (until) がない", "missing an until")
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
        l("外部からの到達経路", "Exposure paths"),
        match lang {
            Lang::Ja => format!(
                "インターネットまたはインターネット接続系のアドレスから、通信を受けて先へ接続するホストを経由して、個人番号利用事務系または LGWAN接続系に届く、{} 本以下の通信の連鎖。全 {} 件。",
                doc.exposure.max_hops, doc.exposure.total
            ),
            Lang::En => format!(
                "Every chain of at most {} flows by which an address in the Internet or the internet tier reaches the mynumber or lgwan tier through hosts that accept and connect onward: {} in all.",
                doc.exposure.max_hops, doc.exposure.total
            ),
        }
    );
    if doc.exposure.paths.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", l("なし", "None."));
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
                        l("統制なし (同一層)", "no control (same tier)").to_string()
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
        "<section id=\"isolations\">\n<h2>{}</h2>",
        l("緊急時対応: 隔離中", "Incident response: isolated now")
    );
    if doc.isolations.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", l("なし", "None."));
    } else {
        out.push_str("<table>\n");
        head_row(
            &mut out,
            &[
                l("対象", "Target"),
                l("アドレス", "Addresses"),
                l("開始", "Since"),
                l("解除予定", "Until"),
                l("操作者", "Operator"),
                l("チケット", "Ticket"),
                l("理由", "Reason"),
            ],
        );
        for i in &doc.isolations {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&i.target),
                list(&i.addresses),
                esc(&i.since),
                opt(&i.until),
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
        l("確認", "Sign-off")
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

fn live_section(out: &mut String, lang: Lang, live: &Live) {
    let l = |ja: &'static str, en: &'static str| lang.s(ja, en);
    let _ = writeln!(
        out,
        "<section id=\"live\">\n<h2>{}</h2>\n<p>{}: {}</p>",
        l("稼働中のゲートウェイ", "Live gateway"),
        l("稼働中のテーブル", "Live table"),
        opt(&live.live_comment)
    );
    if live.matches {
        let _ = writeln!(
            out,
            "<p>{}</p>",
            l(
                "承認されたポリシーと一致しています。",
                "The live gateway matches the approved policy."
            )
        );
    } else {
        let _ = writeln!(
            out,
            "<p class=\"flag\">{}</p>\n<ul>",
            l(
                "承認されたポリシーと一致しません (ドリフト):",
                "The live gateway does NOT match the approved policy (drift):"
            )
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
            l("警告", "warning"),
            esc(w)
        );
    }
    if let Some(e) = &live.counters_error {
        let _ = writeln!(
            out,
            "<p class=\"flag\">{}: {}</p>",
            l("カウンタを読めません", "cannot read the counters"),
            esc(e)
        );
    }
    let _ = writeln!(
        out,
        "<h2>{}</h2>\n<table class=\"hits\">",
        l("通信ごとの利用数", "Hits per flow")
    );
    head_row(
        out,
        &[
            l("名前", "Flow"),
            l("パケット", "Packets"),
            l("バイト", "Bytes"),
            l("状態", "State"),
        ],
    );
    for h in &live.hits {
        let state = if h.unused {
            format!(
                "<span class=\"flag\">{}</span>",
                l("前回の適用以降、未使用", "unused since the last apply")
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
    let _ = writeln!(
        out,
        "<h2>{}</h2>",
        l("ゾーンの組ごとの遮断数", "Drops per zone pair")
    );
    if live.drops.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", l("なし", "None."));
    } else {
        out.push_str("<table class=\"drops\">\n");
        head_row(
            out,
            &[l("通信元.通信先", "From.to"), l("パケット", "Packets")],
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

fn audit_section(out: &mut String, lang: Lang, audit: &super::doc::Audit) {
    let l = |ja: &'static str, en: &'static str| lang.s(ja, en);
    let _ = writeln!(
        out,
        "<section id=\"history\">\n<h2>{}</h2>",
        l("変更履歴", "Change history")
    );
    if audit.intact {
        let _ = writeln!(
            out,
            "<p>{} <code>{}</code>: {} ({} {}).</p>",
            l("監査ログ", "Audit log"),
            esc(&audit.file),
            l("ハッシュチェーン正常", "hash chain intact"),
            audit.records,
            l("件", "records")
        );
    } else {
        let _ = writeln!(
            out,
            "<p class=\"flag\">{} <code>{}</code>: {} {}</p>",
            l("監査ログ", "Audit log"),
            esc(&audit.file),
            l("改ざんされています", "was altered"),
            opt(&audit.broken)
        );
    }
    out.push_str("<table class=\"history\">\n");
    head_row(
        out,
        &[
            "#",
            l("日時", "Time"),
            l("事象", "Event"),
            l("版", "Revision"),
            "SHA-256",
            l("操作者", "Operator"),
            l("チケット", "Ticket"),
            l("理由", "Reason"),
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
            l("通信の差分", "Flow changes"),
            esc(&d.old[..d.old.len().min(16)]),
            esc(&d.new[..d.new.len().min(16)])
        );
        if !d.archived {
            let _ = writeln!(
                out,
                "<p class=\"small\">{}</p>",
                l(
                    "アーカイブに版がないため差分を示せません。",
                    "Not in the daemon's archive: no diff."
                )
            );
            continue;
        }
        if d.flows.is_empty() {
            let _ = writeln!(out, "<p>{}</p>", l("通信の変更なし", "No flow changed."));
            continue;
        }
        out.push_str("<ul>\n");
        for f in &d.flows {
            let kind = match f.kind.as_str() {
                "added" => l("追加", "added"),
                "removed" => l("削除", "removed"),
                _ => l("変更", "changed"),
            };
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
/// labelled groups, zones as boxes, crossings as arrows labelled with their
/// control. The layout depends only on the document (file order).
pub fn svg(doc: &Document) -> String {
    const WIDTH: i64 = 1100;
    const BAND_H: i64 = 130;
    const LABEL_W: i64 = 260;
    const BOX_W: i64 = 170;
    const BOX_H: i64 = 46;
    const GAP: i64 = 40;
    const ORG_GAP: i64 = 30;
    let height = BAND_H * doc.diagram.bands.len() as i64 + 20;
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
