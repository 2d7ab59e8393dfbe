//! The catalogue is whole: every file parses, both languages hold the same
//! ids with the same variables, every id the workspace's code names with
//! `t!` / `t_in!` exists and gets exactly the variables its message uses,
//! and every id in the catalogue is used.
// The test reads the workspace's sources; the crate itself stays pure.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fluent_syntax::ast;
use sanso_i18n::Lang;

/// id -> (area, variables, the pattern's text as written)
type Messages = BTreeMap<String, (String, BTreeSet<String>, String)>;

fn messages(lang: Lang) -> Messages {
    let mut out = Messages::new();
    let mut problems = Vec::new();
    for (area, source) in lang.sources() {
        let resource = match fluent_syntax::parser::parse(*source) {
            Ok(resource) => resource,
            Err((resource, errors)) => {
                for e in errors {
                    let line = source[..e.pos.start.min(source.len())].lines().count();
                    problems.push(format!("{}/{area}.ftl:{line}: {:?}", lang.code(), e.kind));
                }
                resource
            }
        };
        for entry in resource.body {
            match entry {
                ast::Entry::Message(m) => {
                    let id = m.id.name.to_owned();
                    if !id.starts_with(&format!("{area}-")) {
                        problems.push(format!(
                            "{}/{area}.ftl: {id} does not start with \"{area}-\"",
                            lang.code()
                        ));
                    }
                    if !m.attributes.is_empty() {
                        problems.push(format!(
                            "{}/{area}.ftl: {id} has attributes; give each its own message",
                            lang.code()
                        ));
                    }
                    let Some(pattern) = &m.value else {
                        problems.push(format!("{}/{area}.ftl: {id} has no value", lang.code()));
                        continue;
                    };
                    let mut vars = BTreeSet::new();
                    pattern_vars(pattern, &mut vars);
                    let start = source.find(&format!("\n{id} =")).map_or(0, |i| i + 1);
                    let text = source[start..]
                        .split_once('=')
                        .map(|(_, rest)| rest)
                        .unwrap_or_default();
                    let end = text
                        .match_indices('\n')
                        .find(|(i, _)| {
                            text[i + 1..]
                                .chars()
                                .next()
                                .is_some_and(|c| !c.is_whitespace())
                        })
                        .map_or(text.len(), |(i, _)| i);
                    let written = text[..end].trim().to_owned();
                    if out
                        .insert(id.clone(), (area.to_string(), vars, written))
                        .is_some()
                    {
                        problems.push(format!("{}/{area}.ftl: {id} defined twice", lang.code()));
                    }
                }
                ast::Entry::Term(t) => problems.push(format!(
                    "{}/{area}.ftl: term -{} (write the word into each message)",
                    lang.code(),
                    t.id.name
                )),
                ast::Entry::Junk { content } => problems.push(format!(
                    "{}/{area}.ftl: cannot parse {content:?}",
                    lang.code()
                )),
                _ => {}
            }
        }
    }
    assert!(
        problems.is_empty(),
        "catalogue problems:\n{}",
        problems.join("\n")
    );
    out
}

fn pattern_vars(pattern: &ast::Pattern<&str>, vars: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            expression_vars(expression, vars);
        }
    }
}

fn expression_vars(expression: &ast::Expression<&str>, vars: &mut BTreeSet<String>) {
    match expression {
        ast::Expression::Select { selector, variants } => {
            inline_vars(selector, vars);
            for v in variants {
                pattern_vars(&v.value, vars);
            }
        }
        ast::Expression::Inline(inline) => inline_vars(inline, vars),
    }
}

fn inline_vars(inline: &ast::InlineExpression<&str>, vars: &mut BTreeSet<String>) {
    match inline {
        ast::InlineExpression::VariableReference { id } => {
            vars.insert(id.name.to_owned());
        }
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for p in &arguments.positional {
                inline_vars(p, vars);
            }
        }
        ast::InlineExpression::Placeable { expression } => expression_vars(expression, vars),
        _ => {}
    }
}

/// The area that only Japanese has: the Japanese of `sanso --help`, whose
/// English is the clap derive's doc comments in the code, not a catalogue
/// file. Its ids are named by the clap tree, not by `t!`; sanso's
/// `help.rs` tests check them against the tree instead (every text has its
/// Japanese, no id is stale).
const JAPANESE_ONLY: &str = "help";

#[test]
fn the_japanese_only_area_has_no_english_file() {
    let areas = |lang: Lang| {
        lang.sources()
            .iter()
            .map(|(area, _)| *area)
            .collect::<Vec<_>>()
    };
    assert!(!areas(Lang::En).contains(&JAPANESE_ONLY));
    assert!(areas(Lang::Ja).contains(&JAPANESE_ONLY));
}

#[test]
fn both_languages_hold_the_same_ids_with_the_same_variables() {
    let en = messages(Lang::En);
    // The help area is parsed and checked by `messages` but has no English
    // to compare with.
    let ja: Messages = messages(Lang::Ja)
        .into_iter()
        .filter(|(_, (area, _, _))| area != JAPANESE_ONLY)
        .collect();
    let mut problems = Vec::new();
    for (id, (area, vars, text)) in &en {
        match ja.get(id) {
            None => problems.push(format!("{id} ({area}.ftl) has no Japanese")),
            Some((ja_area, ja_vars, ja_text)) => {
                if ja_area != area {
                    problems.push(format!("{id} is in en/{area}.ftl but ja/{ja_area}.ftl"));
                }
                if ja_vars != vars {
                    problems.push(format!("{id}: English uses {vars:?}, Japanese {ja_vars:?}"));
                }
                if ja_text == text && has_words(text) {
                    problems.push(format!("{id}: the Japanese is the English text: {text:?}"));
                }
            }
        }
    }
    for id in ja.keys().filter(|id| !en.contains_key(*id)) {
        problems.push(format!("{id} has no English"));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Whether a pattern says something in words outside its placeables (a
/// message that is only arguments and punctuation may be the same in both).
fn has_words(text: &str) -> bool {
    let mut depth = 0usize;
    let mut run = 0usize;
    for c in text.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            c if depth == 0 && c.is_ascii_alphabetic() => {
                run += 1;
                if run >= 3 {
                    return true;
                }
                continue;
            }
            _ => {}
        }
        run = 0;
    }
    false
}

/// One use of `t!` or `t_in!` in the code: where, the id, the argument names.
#[derive(Debug)]
struct Use {
    at: String,
    id: String,
    args: BTreeSet<String>,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn uses() -> Vec<Use> {
    let root = workspace();
    let mut files = Vec::new();
    rust_files(&root.join("crates"), &mut files);
    rust_files(&root.join("benches"), &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        // Comments may show the macro; they are not uses.
        let code: String = text
            .lines()
            .map(|l| {
                if l.trim_start().starts_with("//") {
                    ""
                } else {
                    l
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let shown = file
            .strip_prefix(&root)
            .unwrap_or(&file)
            .display()
            .to_string();
        for (macro_name, skip_first) in [("t!(", false), ("t_in!(", true)] {
            let mut from = 0;
            while let Some(i) = code[from..].find(macro_name) {
                let start = from + i;
                from = start + macro_name.len();
                let before = code[..start].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '"') {
                    continue;
                }
                if code[..start].ends_with("macro_rules! ") {
                    continue;
                }
                let line = code[..start].lines().count().max(1);
                let at = format!("{shown}:{line}");
                match parse_use(&code[from..], skip_first) {
                    Some((id, args)) => out.push(Use { at, id, args }),
                    None => out.push(Use {
                        at,
                        id: String::from("<not a literal id>"),
                        args: BTreeSet::new(),
                    }),
                }
            }
        }
    }
    out
}

/// The id and argument names of a macro call's body (after the `(`).
fn parse_use(body: &str, skip_first: bool) -> Option<(String, BTreeSet<String>)> {
    let parts = top_level_args(body)?;
    let mut parts = parts.into_iter();
    if skip_first {
        parts.next()?;
    }
    let id = parts.next()?;
    let id = id.trim().strip_prefix('"')?.strip_suffix('"')?.to_owned();
    let mut args = BTreeSet::new();
    for p in parts {
        let p = p.trim();
        if p.is_empty() {
            continue;
        }
        let (name, _) = p.split_once('=')?;
        args.insert(name.trim().to_owned());
    }
    Some((id, args))
}

/// The comma-separated arguments up to the `)` that closes the call.
fn top_level_args(body: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut depth = 0i32;
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                current.push(c);
                while let Some(s) = chars.next() {
                    current.push(s);
                    if s == '\\' {
                        current.push(chars.next()?);
                    } else if s == '"' {
                        break;
                    }
                }
            }
            '(' | '[' | '{' => {
                depth += 1;
                current.push(c);
            }
            ')' | ']' | '}' if depth > 0 => {
                depth -= 1;
                current.push(c);
            }
            ')' => {
                parts.push(current);
                return Some(parts);
            }
            ',' if depth == 0 => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    None
}

#[test]
fn every_id_the_code_names_exists_with_its_variables() {
    let en = messages(Lang::En);
    let uses = uses();
    let mut problems = Vec::new();
    for u in &uses {
        match en.get(&u.id) {
            None => problems.push(format!("{}: {} is not in the catalogue", u.at, u.id)),
            Some((_, vars, _)) if *vars != u.args => problems.push(format!(
                "{}: {} uses {vars:?} but is given {:?}",
                u.at, u.id, u.args
            )),
            Some(_) => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_id_in_the_catalogue_is_used() {
    let used: BTreeSet<String> = uses().into_iter().map(|u| u.id).collect();
    // The help area's ids are used by name built from the clap tree, which
    // this scan of `t!` cannot see (sanso's help.rs tests check them).
    let unused: Vec<_> = messages(Lang::En)
        .into_iter()
        .filter(|(_, (area, _, _))| area != JAPANESE_ONLY)
        .filter(|(id, _)| !used.contains(id))
        .map(|(id, (area, _, _))| format!("{id} ({area}.ftl)"))
        .collect();
    assert!(unused.is_empty(), "unused messages:\n{}", unused.join("\n"));
}

#[test]
fn the_scanner_reads_ids_and_argument_names() {
    let (id, args) = parse_use(r#""x-y", a = f(1, 2), b = "q,)", )"#, false).expect("parses");
    assert_eq!(id, "x-y");
    assert_eq!(args, BTreeSet::from(["a".to_owned(), "b".to_owned()]));
    let (id, args) = parse_use(r#"Lang::En, "x-z")"#, true).expect("parses");
    assert_eq!(id, "x-z");
    assert!(args.is_empty());
}
