//! Mistakes of Japanese environments (issue 15, item 3), one test each: 全角
//! (full-width) look-alikes of ASCII typed by an input method left in 全角
//! mode, names in the wrong case, and a UTF-8 byte order mark. Each error
//! keeps its class's code, points at the value (line and column) and says
//! the fix, in 半角, in a note. Files in other encodings: tests/source.rs.
//! The rendered text: tests/snapshots.rs (`japanese`, `japanese_cases`).

use sanso_policy::{codes, load_cases, load_policy, Diagnostic, Diagnostics, Subject};

const BASE: &str = include_str!("fixtures/base.toml");

fn errors_of(text: &str) -> Diagnostics {
    match load_policy("test.toml", text) {
        Ok(_) => panic!("expected errors, the policy loaded:\n{text}"),
        Err(d) => d,
    }
}

/// The only error of a text, which must have `code`.
fn only_error(text: &str, code: &str) -> Diagnostic {
    let diags = errors_of(text);
    let errors: Vec<&Diagnostic> = diags.errors().collect();
    assert_eq!(
        errors.len(),
        1,
        "expected one error:\n{}",
        diags.render(false)
    );
    assert_eq!(errors[0].code, code, "{}", diags.render(false));
    errors[0].clone()
}

/// `base` with `from` replaced by `to` (which must occur).
fn replaced(base: &str, from: &str, to: &str) -> String {
    assert!(base.contains(from), "{from} not in the text");
    base.replacen(from, to, 1)
}

/// 1-based line and column (in characters) of the first `needle`.
fn position(text: &str, needle: &str) -> (usize, usize) {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in text"));
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// The diagnostic points at `value` (written in quotes in the text).
fn assert_at(d: &Diagnostic, text: &str, value: &str) {
    let quoted = format!("\"{value}\"");
    assert_eq!((d.line, d.column), position(text, &quoted), "{d:?}");
    assert_eq!(&text[d.span.clone()], quoted, "{d:?}");
}

fn assert_note(d: &Diagnostic, note: &str) {
    assert!(
        d.notes.iter().any(|n| n == note),
        "expected the note {note:?}, got {:?}",
        d.notes
    );
}

// ---- 全角 in addresses ----

#[test]
fn a_full_width_zone_network_shows_its_half_width_form() {
    let text = replaced(BASE, "\"10.20.0.0/16\"", "\"１０.２０.０.０/１６\"");
    let d = only_error(&text, codes::BAD_ADDRESS);
    assert!(
        d.message
            .starts_with("zone \"lg\": `１０.２０.０.０/１６` is not"),
        "{}",
        d.message
    );
    assert_at(&d, &text, "１０.２０.０.０/１６");
    assert_note(
        &d,
        "did you mean `10.20.0.0/16`? (全角 characters: １ ０ ２ ６; write them 半角)",
    );
}

#[test]
fn a_full_width_host_address_with_full_width_dots_shows_its_half_width_form() {
    let text = replaced(BASE, "\"10.20.5.10\"", "\"１０．２０．５．１０\"");
    let d = only_error(&text, codes::BAD_ADDRESS);
    assert_eq!(d.subject, Some(Subject::Host("sanitizer".into())));
    assert_at(&d, &text, "１０．２０．５．１０");
    assert_note(
        &d,
        "did you mean `10.20.5.10`? (全角 characters: １ ０ ． ２ ５; write them 半角)",
    );
}

#[test]
fn a_full_width_address_that_is_wrong_in_half_width_too_is_not_suggested() {
    let text = replaced(BASE, "\"10.20.0.0/16\"", "\"１０.２０.０.０/３３\"");
    let d = only_error(&text, codes::BAD_ADDRESS);
    assert_note(
        &d,
        "全角 characters: １ ０ ２ ３; in 半角 it reads `10.20.0.0/33`, which is not valid either",
    );
}

// ---- 全角 in names ----

#[test]
fn a_zone_name_with_full_width_letters_is_refused_with_its_half_width_form() {
    // Declared in 全角 and used in 全角: one error, at the declaration (its
    // uses still resolve, so nothing else fails).
    let text = BASE
        .replace("[zones.lg]", "[zones.\"ｌｇ\"]")
        .replace("zone = \"lg\"", "zone = \"ｌｇ\"");
    let d = only_error(&text, codes::BAD_NAME);
    assert_eq!(d.subject, Some(Subject::Zone("ｌｇ".into())));
    assert!(d.message.contains("全角 (full-width)"), "{}", d.message);
    assert_at(&d, &text, "ｌｇ");
    assert_note(
        &d,
        "did you mean `lg`? (全角 characters: ｌ ｇ; write them 半角)",
    );
}

#[test]
fn a_zone_name_with_an_ideographic_space_is_refused() {
    let text = BASE
        .replace("[zones.upstream]", "[zones.\"up\u{3000}stream\"]")
        .replace("zone = \"upstream\"", "zone = \"up\u{3000}stream\"");
    let d = only_error(&text, codes::BAD_NAME);
    assert_at(&d, &text, "up\u{3000}stream");
    assert_note(
        &d,
        "did you mean `up stream`? (全角 characters: U+3000 (全角スペース); write them 半角)",
    );
}

#[test]
fn host_and_flow_names_with_full_width_characters_are_refused() {
    let text = replaced(BASE, "[hosts.mn-pc]", "[hosts.\"ｍｎ－ｐｃ\"]");
    let d = only_error(&text, codes::BAD_NAME);
    assert_eq!(d.subject, Some(Subject::Host("ｍｎ－ｐｃ".into())));
    assert_note(
        &d,
        "did you mean `mn-pc`? (全角 characters: ｍ ｎ － ｐ ｃ; write them 半角)",
    );

    let text = format!(
        "{BASE}\n[[flows]]\nname = \"ｗｅｂ１\"\nfrom = [\"inet\"]\nto = [\"upstream\"]\nservices = [\"https\"]\nreason = \"r\"\nexception = {{ approved_by = \"CISO\", ticket = \"T-1\" }}\n"
    );
    let d = only_error(&text, codes::BAD_NAME);
    assert_eq!(d.subject, Some(Subject::Flow("ｗｅｂ１".into())));
    assert_at(&d, &text, "ｗｅｂ１");
    assert_note(
        &d,
        "did you mean `web1`? (全角 characters: ｗ ｅ ｂ １; write them 半角)",
    );
}

#[test]
fn japanese_names_without_full_width_ascii_are_accepted() {
    // Kanji, kana and the prolonged sound mark ー have no 半角 form to
    // confuse; the policy's own name is free text in any width.
    let text = BASE
        .replace("[zones.lg]", "[zones.\"市役所\"]")
        .replace("zone = \"lg\"", "zone = \"市役所\"")
        .replace("[hosts.lg-server]", "[hosts.\"住民記録サーバー\"]")
        .replace("name = \"test-city\"", "name = \"テスト市（本庁）\"");
    let policy = load_policy("t.toml", &text).unwrap_or_else(|d| panic!("{d}"));
    assert!(policy.zones.iter().any(|z| z.name == "市役所"));
    assert!(policy.hosts.iter().any(|h| h.name == "住民記録サーバー"));
    assert_eq!(policy.name, "テスト市（本庁）");
}

// ---- 全角 in interfaces ----

#[test]
fn a_full_width_interface_shows_its_half_width_form() {
    let text = replaced(
        BASE,
        "interfaces = [\"in0\"]",
        "interfaces = [\"ｅｔｈ０\"]",
    );
    let d = only_error(&text, codes::BAD_INTERFACE);
    assert!(
        d.message
            .contains("`ｅｔｈ０` contains `ｅ` (U+FF45), which is 全角 (full-width)"),
        "{}",
        d.message
    );
    assert_at(&d, &text, "ｅｔｈ０");
    assert_note(
        &d,
        "did you mean `eth0`? (全角 characters: ｅ ｔ ｈ ０; write them 半角)",
    );
}

// ---- tiers and services: case and width ----

#[test]
fn an_upper_case_tier_gets_a_did_you_mean() {
    let text = replaced(BASE, "tier = \"lgwan\"", "tier = \"LGWAN\"");
    let d = only_error(&text, codes::BAD_TIER);
    assert!(d.message.contains("unknown tier `LGWAN`"), "{}", d.message);
    assert_at(&d, &text, "LGWAN");
    assert_note(&d, "did you mean `lgwan`? (names are case-sensitive)");
}

#[test]
fn a_full_width_tier_gets_a_did_you_mean() {
    let text = replaced(BASE, "tier = \"lgwan\"", "tier = \"ｌｇｗａｎ\"");
    let d = only_error(&text, codes::BAD_TIER);
    assert_note(
        &d,
        "did you mean `lgwan`? (全角 characters: ｌ ｇ ｗ ａ ｎ; write them 半角)",
    );
    // 全角 capitals: both said.
    let text = replaced(BASE, "tier = \"lgwan\"", "tier = \"ＬＧＷＡＮ\"");
    let d = only_error(&text, codes::BAD_TIER);
    assert_note(
        &d,
        "did you mean `lgwan`? (全角 characters: Ｌ Ｇ Ｗ Ａ Ｎ; write them 半角, and names are case-sensitive)",
    );
}

#[test]
fn an_upper_case_beyond_gets_a_did_you_mean() {
    let text = replaced(BASE, "beyond = \"internet\"", "beyond = \"Internet\"");
    let d = only_error(&text, codes::BAD_BEYOND);
    assert_note(&d, "did you mean `internet`? (names are case-sensitive)");
}

/// The base policy and a flow from inet to the security-cloud host with
/// these services (otherwise valid).
fn with_services(services: &str) -> String {
    format!("{BASE}\n[[flows]]\nname = \"f\"\nfrom = [\"inet-proxy\"]\nto = [\"cloud\"]\nservices = [{services}]\nreason = \"r\"\n")
}

#[test]
fn an_upper_case_service_gets_a_did_you_mean() {
    let text = with_services("\"HTTPS\"");
    let d = only_error(&text, codes::UNKNOWN_SERVICE);
    assert_eq!(d.message, "flow \"f\": unknown service `HTTPS`");
    assert_at(&d, &text, "HTTPS");
    assert_note(&d, "did you mean `https`? (names are case-sensitive)");
}

#[test]
fn a_full_width_service_gets_a_did_you_mean() {
    let text = with_services("\"ｈｔｔｐｓ\"");
    let d = only_error(&text, codes::UNKNOWN_SERVICE);
    assert_at(&d, &text, "ｈｔｔｐｓ");
    assert_note(
        &d,
        "did you mean `https`? (全角 characters: ｈ ｔ ｐ ｓ; write them 半角)",
    );
}

#[test]
fn a_service_defined_in_mixed_case_is_found_from_lower_case() {
    let text = with_services("\"filexfer\"").replace(
        "[[flows]]",
        "[services]\nFileXfer = [\"tcp/8443\"]\n\n[[flows]]",
    );
    let d = only_error(&text, codes::UNKNOWN_SERVICE);
    assert_note(&d, "did you mean `FileXfer`? (names are case-sensitive)");
}

#[test]
fn a_full_width_or_upper_case_service_entry_shows_its_half_width_form() {
    // `／` is no `/`: the entry is still read as an entry.
    let text = with_services("\"ｔｃｐ／８４４３\"");
    let d = only_error(&text, codes::BAD_SERVICE);
    assert_at(&d, &text, "ｔｃｐ／８４４３");
    assert_note(
        &d,
        "did you mean `tcp/8443`? (全角 characters: ｔ ｃ ｐ ／ ８ ４ ３; write them 半角)",
    );
    let text = with_services("\"TCP/443\"");
    let d = only_error(&text, codes::BAD_SERVICE);
    assert_note(&d, "did you mean `tcp/443`? (names are case-sensitive)");
    // Only the port in 全角: not a port number, same help.
    let text = with_services("\"tcp/４４３\"");
    let d = only_error(&text, codes::BAD_SERVICE);
    assert_note(
        &d,
        "did you mean `tcp/443`? (全角 characters: ４ ３; write them 半角)",
    );
}

// ---- references, values ----

#[test]
fn full_width_references_to_zones_and_hosts_get_a_did_you_mean() {
    let text = replaced(BASE, "zone = \"lg\"", "zone = \"ｌｇ\"");
    let d = only_error(&text, codes::UNKNOWN_ZONE);
    assert_note(
        &d,
        "did you mean `lg`? (全角 characters: ｌ ｇ; write them 半角)",
    );
    let text =
        with_services("\"https\"").replace("from = [\"inet-proxy\"]", "from = [\"ＩＮＥＴ\"]");
    let d = only_error(&text, codes::UNKNOWN_ENDPOINT);
    assert_at(&d, &text, "ＩＮＥＴ");
    assert_note(
        &d,
        "did you mean `inet`? (全角 characters: Ｉ Ｎ Ｅ Ｔ; write them 半角, and names are case-sensitive)",
    );
}

#[test]
fn full_width_limit_and_until_show_their_half_width_form() {
    let text = with_services("\"https\"").replace(
        "reason = \"r\"",
        "reason = \"r\"\nlimit = \"２０/second\"\nuntil = \"２０２６-１２-３１\"",
    );
    let diags = errors_of(&text);
    let notes = |code: &str| -> Vec<String> {
        diags
            .errors()
            .filter(|d| d.code == code)
            .flat_map(|d| d.notes.clone())
            .collect()
    };
    assert_eq!(
        notes(codes::BAD_LIMIT),
        ["did you mean `20/second`? (全角 characters: ２ ０; write them 半角)"]
    );
    assert_eq!(
        notes(codes::BAD_UNTIL)[0],
        "did you mean `2026-12-31`? (全角 characters: ２ ０ ６ １ ３; write them 半角)"
    );
}

#[test]
fn an_unknown_key_in_the_wrong_case_gets_a_did_you_mean() {
    let text = replaced(BASE, "tier = \"lgwan\"", "Tier = \"lgwan\"");
    let diags = errors_of(&text);
    let d = diags
        .errors()
        .find(|d| d.code == codes::UNKNOWN_KEY)
        .expect("unknown key");
    assert_note(d, "did you mean `tier`? (names are case-sensitive)");
}

// ---- 全角 in the TOML itself ----

#[test]
fn an_ideographic_space_between_key_and_equals_is_shown_in_half_width() {
    let text = replaced(BASE, "tier = \"lgwan\"", "tier\u{3000}= \"lgwan\"");
    let diags = errors_of(&text);
    let d = diags
        .errors()
        .find(|d| d.code == codes::SYNTAX)
        .expect("not TOML");
    assert_eq!((d.line, d.column), position(&text, "\u{3000}"));
    assert_note(
        d,
        "全角 characters outside quotes are not TOML (U+3000 (全角スペース)); in 半角 the line reads `tier = \"lgwan\"`",
    );
}

#[test]
fn a_full_width_equals_sign_and_bare_key_are_shown_in_half_width() {
    let text = replaced(BASE, "tier = \"lgwan\"", "tier ＝ \"lgwan\"");
    let d = only_error(&text, codes::SYNTAX);
    assert_note(
        &d,
        "全角 characters outside quotes are not TOML (＝); in 半角 the line reads `tier = \"lgwan\"`",
    );
    let text = replaced(BASE, "[zones.lg]", "[zones.ｌｇ]");
    let d = only_error(&text, codes::SYNTAX);
    assert_note(
        &d,
        "全角 characters outside quotes are not TOML (ｌ ｇ); in 半角 the line reads `[zones.lg]`",
    );
}

// ---- a UTF-8 byte order mark ----

#[test]
fn a_utf8_bom_is_accepted_and_not_counted_as_a_column() {
    let with_bom = format!("\u{feff}{BASE}");
    load_policy("t.toml", &with_bom).unwrap_or_else(|d| panic!("{d}"));
    // An error on the first line is at column 1, and the rendering shows
    // file:1:1 with no BOM in the excerpt.
    let text = format!("\u{feff}[policy\n{BASE}");
    let diags = errors_of(&text);
    let d = diags.errors().next().expect("an error");
    assert_eq!((d.line, d.code), (1, codes::SYNTAX));
    let rendered = diags.render(false);
    assert!(!rendered.contains('\u{feff}'), "{rendered}");
    assert!(
        rendered.contains(&format!("t.toml:1:{}", d.column)),
        "{rendered}"
    );
    assert_eq!(d.column, "[policy".chars().count() + 1);
}

// ---- cases ----

#[test]
fn case_mistakes_in_full_width_and_upper_case_get_their_half_width_form() {
    let policy = load_policy("base.toml", BASE).expect("base loads");
    let text = "[[cases]]\nname = \"c\"\nfrom = \"１０．１０．１．５\"\nto = \"ｌｇ－ｓｅｒｖｅｒ\"\nproto = \"TCP\"\nport = 443\nexpect = \"Drop\"\niif = \"ｍｎ０\"\n";
    let diags = match load_cases("cases.toml", text, &policy) {
        Ok(_) => panic!("loaded"),
        Err(d) => d,
    };
    let got: Vec<(&str, usize, Vec<String>)> = diags
        .errors()
        .map(|d| (d.code, d.line, d.notes.clone()))
        .collect();
    assert_eq!(
        got,
        [
            (
                codes::BAD_ADDRESS,
                3,
                vec!["did you mean `10.10.1.5`? (全角 characters: １ ０ ． ５; write them 半角)".to_owned()]
            ),
            (
                codes::UNKNOWN_HOST,
                4,
                vec!["did you mean `lg-server`? (全角 characters: ｌ ｇ － ｓ ｅ ｒ ｖ; write them 半角)".to_owned()]
            ),
            (
                codes::BAD_PROTO,
                5,
                vec!["did you mean `tcp`? (names are case-sensitive)".to_owned()]
            ),
            (
                codes::WRONG_TYPE,
                7,
                vec!["did you mean `drop`? (names are case-sensitive)".to_owned()]
            ),
            (
                codes::UNKNOWN_INTERFACE,
                8,
                vec!["did you mean `mn0`? (全角 characters: ｍ ｎ ０; write them 半角)".to_owned()]
            ),
        ],
        "{}",
        diags.render(false)
    );
}
