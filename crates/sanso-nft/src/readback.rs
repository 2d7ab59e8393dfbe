//! Reading `table inet sanso` back from the kernel, in a normal form, and
//! comparing two such readings (drift detection, issue 4).
//!
//! * [`live_table`] reads the table with `nft -j list table inet sanso` (and
//!   the plain listing, for comments and readable rules) inside a network
//!   namespace, or in the current one.
//! * [`expected_table`] loads a compiled ruleset text into a throwaway
//!   namespace and reads it back, so that both sides of a comparison went
//!   through the kernel's own normalisation (prefixes, ranges, expressions).
//! * [`diff`] gives a readable account of what differs ([`TableDiff`]) and a
//!   unified diff of the listings.
//!
//! The normal form drops handles and counter state (packets, bytes) and keeps
//! set elements sorted. Reading back shells out to `nft`; only the apply path
//! must not. `nft` runs with `TZ=UTC` so that `meta time` prints the same
//! everywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;
use serde_json::Value;

/// Hooks on which a foreign base chain could accept what sanso drops.
const GUARDED_HOOKS: [&str; 3] = ["forward", "input", "output"];

#[derive(Debug, thiserror::Error)]
pub enum ReadbackError {
    #[error("could not run `{command}`")]
    Spawn {
        command: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{command}` failed ({status}): {stderr}")]
    Failed {
        command: String,
        status: String,
        stderr: String,
    },
    #[error("`{command}` printed JSON that could not be read")]
    Json {
        command: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("`{command}` printed JSON of an unexpected shape: {what}")]
    Shape { command: String, what: String },
}

/// Whether the table exists at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TablePresence {
    Present,
    Absent,
}

/// `table inet sanso` as the kernel holds it, in normal form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LiveTable {
    pub presence: TablePresence,
    pub comment: Option<String>,
    /// Counters and limits, keyed by `"<kind> <name>"`.
    pub objects: BTreeMap<String, LiveObject>,
    /// Sets and maps by name.
    pub sets: BTreeMap<String, LiveSet>,
    /// Chains by name.
    pub chains: BTreeMap<String, LiveChain>,
    /// `nft list table inet sanso` without counter state; empty when absent.
    pub text: String,
    /// Base chains of other tables on the hooks sanso guards.
    pub foreign_base_chains: Vec<ForeignChain>,
}

/// A named counter or limit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LiveObject {
    pub kind: String,
    pub name: String,
    /// Its definition without handle and state, as compact JSON.
    pub spec: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LiveSet {
    /// `set` or `map`.
    pub kind: String,
    pub name: String,
    /// Type, map type and flags, as compact JSON.
    pub spec: String,
    /// Sorted by text.
    pub elements: Vec<LiveElement>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LiveElement {
    /// In nft syntax, e.g. `10.20.0.0/16 . tcp . 443 : jump allow.a.b.c`.
    pub text: String,
    /// The kernel's JSON form, compact; the identity of the element.
    pub json: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LiveChain {
    pub name: String,
    /// `type filter hook forward priority 0; policy drop` for a base chain.
    pub hook: Option<String>,
    pub comment: Option<String>,
    pub rules: Vec<LiveRule>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LiveRule {
    /// As `nft list` prints it (counter state removed).
    pub text: String,
    /// The rule's expressions (and comment) as compact JSON; its identity.
    pub json: String,
}

/// A base chain of another table on forward, input or output.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ForeignChain {
    pub family: String,
    pub table: String,
    pub chain: String,
    pub hook: String,
    pub priority: String,
    pub policy: String,
}

impl fmt::Display for ForeignChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "foreign base chain {} {} {} on hook {} (priority {}, policy {}) may accept what sanso drops",
            self.family, self.table, self.chain, self.hook, self.priority, self.policy
        )
    }
}

impl LiveTable {
    fn absent(foreign_base_chains: Vec<ForeignChain>) -> Self {
        LiveTable {
            presence: TablePresence::Absent,
            comment: None,
            objects: BTreeMap::new(),
            sets: BTreeMap::new(),
            chains: BTreeMap::new(),
            text: String::new(),
            foreign_base_chains,
        }
    }
}

/// Reads `table inet sanso` inside network namespace `netns` (`ip netns exec`),
/// or in the current namespace when `None` (only the daemon on a real gateway
/// does that; tests always pass a namespace). A missing table is not an error:
/// it reads as [`TablePresence::Absent`].
pub fn live_table(netns: Option<&str>) -> Result<LiveTable, ReadbackError> {
    let chains_json = run_nft_json(netns, &["list", "chains"])?;
    let foreign = foreign_base_chains(&chains_json);
    let tables = run_nft_json(netns, &["list", "tables"])?;
    let has_table = entries(&tables)
        .any(|(kind, body)| kind == "table" && body["family"] == "inet" && body["name"] == "sanso");
    if !has_table {
        return Ok(LiveTable::absent(foreign));
    }
    let json = run_nft_json(netns, &["list", "table", "inet", "sanso"])?;
    let text = run_nft(netns, &["list", "table", "inet", "sanso"], None)?;
    let mut table = from_listing(&json, &text).map_err(|what| ReadbackError::Shape {
        command: "nft -j list table inet sanso".to_owned(),
        what,
    })?;
    table.foreign_base_chains = foreign;
    Ok(table)
}

/// The kernel's own view of a compiled ruleset: loads `ruleset_text` (as
/// [`crate::text::render`] writes it) into a throwaway network namespace,
/// reads it back with [`live_table`] and removes the namespace. Needs root.
pub fn expected_table(ruleset_text: &str) -> Result<LiveTable, ReadbackError> {
    let ns = ScratchNamespace::create()?;
    run_nft(Some(&ns.name), &["-f", "/dev/stdin"], Some(ruleset_text))?;
    live_table(Some(&ns.name))
}

/// A namespace that exists while the value lives.
struct ScratchNamespace {
    name: String,
}

impl ScratchNamespace {
    fn create() -> Result<Self, ReadbackError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("sanso-expect-{}-{n}", std::process::id());
        run(Command::new("ip").args(["netns", "add", &name]), None)?;
        Ok(ScratchNamespace { name })
    }
}

impl Drop for ScratchNamespace {
    fn drop(&mut self) {
        // Best effort: a failure here leaves a namespace behind, nothing worse.
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn nft_command(netns: Option<&str>, args: &[&str]) -> Command {
    let mut cmd = match netns {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns, "nft"]);
            c
        }
        None => Command::new("nft"),
    };
    cmd.args(args).env("TZ", "UTC");
    cmd
}

fn run_nft(
    netns: Option<&str>,
    args: &[&str],
    stdin: Option<&str>,
) -> Result<String, ReadbackError> {
    run(&mut nft_command(netns, args), stdin)
}

fn run_nft_json(netns: Option<&str>, args: &[&str]) -> Result<Value, ReadbackError> {
    let mut full = vec!["-j"];
    full.extend_from_slice(args);
    let out = run_nft(netns, &full, None)?;
    serde_json::from_str(&out).map_err(|source| ReadbackError::Json {
        command: format!("nft {}", full.join(" ")),
        source,
    })
}

fn run(cmd: &mut Command, stdin: Option<&str>) -> Result<String, ReadbackError> {
    let command = format!("{cmd:?}");
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let spawn_err = |source| ReadbackError::Spawn {
        command: command.clone(),
        source,
    };
    let mut child = cmd.spawn().map_err(spawn_err)?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes()).map_err(spawn_err)?;
    }
    let out = child.wait_with_output().map_err(spawn_err)?;
    if !out.status.success() {
        return Err(ReadbackError::Failed {
            command,
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The `(kind, body)` entries of an `nft -j` answer, metainfo skipped.
fn entries(json: &Value) -> impl Iterator<Item = (&str, &Value)> {
    json["nftables"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e.as_object())
        .flat_map(|o| o.iter())
        .filter(|(k, _)| k.as_str() != "metainfo")
        .map(|(k, v)| (k.as_str(), v))
}

fn foreign_base_chains(json: &Value) -> Vec<ForeignChain> {
    let mut found: Vec<ForeignChain> = entries(json)
        .filter(|(kind, _)| *kind == "chain")
        .filter_map(|(_, c)| {
            let hook = c["hook"].as_str()?;
            let ours = c["family"] == "inet" && c["table"] == "sanso";
            if ours || !GUARDED_HOOKS.contains(&hook) {
                return None;
            }
            Some(ForeignChain {
                family: str_of(&c["family"]),
                table: str_of(&c["table"]),
                chain: str_of(&c["name"]),
                hook: hook.to_owned(),
                priority: str_of(&c["prio"]),
                policy: str_of(&c["policy"]),
            })
        })
        .collect();
    found.sort();
    found
}

fn str_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_owned(),
        other => other.to_string(),
    }
}

/// Builds the normal form from the JSON and the plain listing of the table.
/// Public for tests and for callers that already hold both listings.
pub fn from_listing(json: &Value, text: &str) -> Result<LiveTable, String> {
    let parsed = parse_listing_text(text);
    let mut table = LiveTable::absent(Vec::new());
    table.presence = TablePresence::Present;
    table.comment = parsed.table_comment;
    table.text = parsed.clean_text;
    let mut rule_json: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (kind, body) in entries(json) {
        let name = str_of(&body["name"]);
        match kind {
            "table" => {}
            "counter" | "limit" | "quota" | "ct helper" | "ct timeout" | "ct expectation"
            | "synproxy" | "secmark" => {
                let spec = strip(
                    body,
                    &[
                        "family", "table", "name", "handle", "packets", "bytes", "used",
                    ],
                );
                table.objects.insert(
                    format!("{kind} {name}"),
                    LiveObject {
                        kind: kind.to_owned(),
                        name,
                        spec: spec.to_string(),
                    },
                );
            }
            "set" | "map" => {
                let mut elements: Vec<LiveElement> = body["elem"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|e| LiveElement {
                        text: expr_text(e),
                        json: normalise(e).to_string(),
                    })
                    .collect();
                elements.sort();
                let spec = strip(body, &["family", "table", "name", "handle", "elem"]);
                table.sets.insert(
                    name.clone(),
                    LiveSet {
                        kind: kind.to_owned(),
                        name,
                        spec: spec.to_string(),
                        elements,
                    },
                );
            }
            "chain" => {
                let hook = body["hook"].as_str().map(|hook| {
                    format!(
                        "type {} hook {hook} priority {}; policy {}",
                        str_of(&body["type"]),
                        str_of(&body["prio"]),
                        str_of(&body["policy"])
                    )
                });
                let comment = parsed.chain_comments.get(&name).cloned();
                table.chains.insert(
                    name.clone(),
                    LiveChain {
                        name,
                        hook,
                        comment,
                        rules: Vec::new(),
                    },
                );
            }
            "rule" => {
                let chain = str_of(&body["chain"]);
                let ident = normalise(&strip(body, &["family", "table", "chain", "handle"]));
                rule_json.entry(chain).or_default().push(ident.to_string());
            }
            other => return Err(format!("unknown object kind {other:?}")),
        }
    }
    for (chain_name, jsons) in rule_json {
        let chain = table
            .chains
            .get_mut(&chain_name)
            .ok_or_else(|| format!("rule in unknown chain {chain_name:?}"))?;
        let texts = parsed.chain_rules.get(&chain_name);
        let texts_match = texts.is_some_and(|t| t.len() == jsons.len());
        chain.rules = jsons
            .into_iter()
            .enumerate()
            .map(|(i, json)| {
                let text = match texts {
                    Some(t) if texts_match => t[i].clone(),
                    _ => json.clone(),
                };
                LiveRule { text, json }
            })
            .collect();
    }
    Ok(table)
}

/// A copy of the object `body` without `keys`.
fn strip(body: &Value, keys: &[&str]) -> Value {
    match body {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !keys.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Drops volatile state inside expressions: handles and the packets/bytes of
/// anonymous counters.
fn normalise(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| k.as_str() != "handle")
                .map(|(k, v)| {
                    let v = if k == "counter" && v.is_object() {
                        strip(v, &["packets", "bytes"])
                    } else {
                        normalise(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(normalise).collect()),
        other => other.clone(),
    }
}

/// An element or expression of `nft -j` in nft syntax; compact JSON for
/// shapes it does not know.
fn expr_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) if items.len() == 2 => {
            format!("{} : {}", expr_text(&items[0]), expr_text(&items[1]))
        }
        Value::Object(map) if map.len() == 1 => {
            let (k, inner) = map
                .iter()
                .next()
                .expect("an object of length one has an entry");
            match (k.as_str(), inner) {
                ("prefix", p) => format!("{}/{}", expr_text(&p["addr"]), expr_text(&p["len"])),
                ("range", Value::Array(r)) if r.len() == 2 => {
                    format!("{}-{}", expr_text(&r[0]), expr_text(&r[1]))
                }
                ("concat", Value::Array(parts)) => {
                    parts.iter().map(expr_text).collect::<Vec<_>>().join(" . ")
                }
                ("elem", e) => expr_text(&e["val"]),
                ("set", Value::Array(items)) => {
                    format!(
                        "{{ {} }}",
                        items.iter().map(expr_text).collect::<Vec<_>>().join(", ")
                    )
                }
                ("jump" | "goto", t) => format!("{k} {}", str_of(&t["target"])),
                (verdict, Value::Null) => verdict.to_owned(),
                _ => v.to_string(),
            }
        }
        other => other.to_string(),
    }
}

/// What the plain listing adds to the JSON (comments are missing from nft
/// 1.0.6's JSON) and the listing without counter state.
#[derive(Default)]
struct ParsedListing {
    table_comment: Option<String>,
    chain_comments: BTreeMap<String, String>,
    chain_rules: BTreeMap<String, Vec<String>>,
    clean_text: String,
}

fn parse_listing_text(text: &str) -> ParsedListing {
    let mut parsed = ParsedListing::default();
    let mut chain: Option<String> = None;
    let mut in_block = false;
    for raw in text.lines() {
        let depth = raw.len() - raw.trim_start_matches('\t').len();
        let line = raw.trim();
        if depth == 2 && line.starts_with("packets ") && line.contains(" bytes ") {
            continue; // a named counter's state
        }
        let clean = strip_counter_state(line);
        parsed.clean_text.push_str(&raw[..depth]);
        parsed.clean_text.push_str(&clean);
        parsed.clean_text.push('\n');
        match depth {
            1 if line.starts_with("comment \"") => parsed.table_comment = Some(unquote(&line[8..])),
            1 if line.starts_with("chain ") && line.ends_with('{') => {
                chain = Some(line[6..line.len() - 1].trim().to_owned());
                in_block = true;
            }
            1 if line.ends_with('{') => {
                chain = None;
                in_block = true;
            }
            1 if line == "}" => {
                chain = None;
                in_block = false;
            }
            2 if in_block => {
                if let Some(name) = &chain {
                    if line.starts_with("comment \"") {
                        parsed
                            .chain_comments
                            .insert(name.clone(), unquote(&line[8..]));
                    } else if !line.starts_with("type ") {
                        parsed
                            .chain_rules
                            .entry(name.clone())
                            .or_default()
                            .push(clean);
                    }
                }
            }
            _ => {}
        }
    }
    parsed
}

fn unquote(s: &str) -> String {
    s.trim().trim_matches('"').to_owned()
}

/// `counter packets 12 bytes 3400` -> `counter`.
fn strip_counter_state(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find("counter packets ") {
        out.push_str(&rest[..at + "counter".len()]);
        let after = &rest[at + "counter packets ".len()..];
        let skip_num = |s: &str| {
            s.trim_start_matches(|c: char| c.is_ascii_digit())
                .to_owned()
        };
        let after = skip_num(after);
        let after = match after.strip_prefix(" bytes ") {
            Some(a) => skip_num(a),
            None => after,
        };
        rest = &rest[rest.len() - after.len()..];
    }
    out.push_str(rest);
    out
}

/// What kind of thing changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Thing {
    Table,
    Chain,
    Set,
    Map,
    Object,
    Rule,
    Element,
}

/// How it changed, seen from the expected table: `Added` is in the live table
/// only, `Removed` in the expected table only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

/// One difference between the expected and the live table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    pub thing: Thing,
    pub kind: ChangeKind,
    /// The chain, set or map it is in, for rules and elements.
    pub within: Option<String>,
    /// The chain, set, object, rule or element itself (for `Changed`: `old -> new`).
    pub detail: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let thing = match self.thing {
            Thing::Table => "table",
            Thing::Chain => "chain",
            Thing::Set => "set",
            Thing::Map => "map",
            Thing::Object => "object",
            Thing::Rule => "rule",
            Thing::Element => "element",
        };
        let kind = match self.kind {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
        };
        match (&self.within, self.kind) {
            (Some(within), ChangeKind::Added) if self.thing == Thing::Element => {
                write!(f, "{thing} added to {within}: {}", self.detail)
            }
            (Some(within), ChangeKind::Removed) if self.thing == Thing::Element => {
                write!(f, "{thing} removed from {within}: {}", self.detail)
            }
            (Some(within), _) => write!(f, "{thing} {kind} in {within}: {}", self.detail),
            (None, _) => write!(f, "{thing} {kind}: {}", self.detail),
        }
    }
}

/// The difference between an expected and a live table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TableDiff {
    /// In table order: table, objects, sets and their elements, chains and their rules.
    pub changes: Vec<Change>,
    /// Foreign base chains on forward/input/output in the live namespace.
    pub warnings: Vec<String>,
    /// Unified diff of the two listings (`expected` -> `live`); empty when equal.
    pub text_diff: String,
}

impl TableDiff {
    /// True when the live table matches the expected one (warnings aside).
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

impl fmt::Display for TableDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.changes.is_empty() {
            writeln!(f, "no drift: the live table matches the expected ruleset")?;
        } else {
            writeln!(
                f,
                "drift: {} difference(s) between the expected and the live table",
                self.changes.len()
            )?;
            for change in &self.changes {
                writeln!(f, "  {change}")?;
            }
        }
        for warning in &self.warnings {
            writeln!(f, "warning: {warning}")?;
        }
        Ok(())
    }
}

/// Compares the `expected` table (usually from [`expected_table`]) with the
/// `live` one (from [`live_table`]). Other tables are ignored, except that a
/// foreign base chain on forward, input or output in `live` is a warning.
pub fn diff(expected: &LiveTable, live: &LiveTable) -> TableDiff {
    let mut changes = Vec::new();
    let change = |thing, kind, within: Option<&str>, detail: String| Change {
        thing,
        kind,
        within: within.map(str::to_owned),
        detail,
    };
    match (expected.presence, live.presence) {
        (TablePresence::Present, TablePresence::Absent) => {
            changes.push(change(
                Thing::Table,
                ChangeKind::Removed,
                None,
                "inet sanso".to_owned(),
            ));
        }
        (TablePresence::Absent, TablePresence::Present) => {
            changes.push(change(
                Thing::Table,
                ChangeKind::Added,
                None,
                "inet sanso".to_owned(),
            ));
        }
        _ => {}
    }
    if expected.presence == TablePresence::Present && live.presence == TablePresence::Present {
        if expected.comment != live.comment {
            changes.push(change(
                Thing::Table,
                ChangeKind::Changed,
                None,
                format!(
                    "comment {:?} -> {:?}",
                    expected.comment.as_deref().unwrap_or(""),
                    live.comment.as_deref().unwrap_or("")
                ),
            ));
        }
        diff_keyed(&expected.objects, &live.objects, &mut changes, |key, o| {
            (Thing::Object, format!("{key} {}", o.spec))
        });
        diff_sets(expected, live, &mut changes);
        diff_chains(expected, live, &mut changes);
    }
    let text_diff = if expected.text == live.text {
        String::new()
    } else {
        similar::TextDiff::from_lines(&expected.text, &live.text)
            .unified_diff()
            .context_radius(3)
            .header("expected", "live")
            .to_string()
    };
    TableDiff {
        changes,
        warnings: live
            .foreign_base_chains
            .iter()
            .map(ToString::to_string)
            .collect(),
        text_diff,
    }
}

/// Added / removed / changed between two maps whose values describe themselves.
fn diff_keyed<T: PartialEq>(
    expected: &BTreeMap<String, T>,
    live: &BTreeMap<String, T>,
    changes: &mut Vec<Change>,
    describe: impl Fn(&str, &T) -> (Thing, String),
) {
    let keys: BTreeSet<&String> = expected.keys().chain(live.keys()).collect();
    for key in keys {
        let (kind, detail) = match (expected.get(key), live.get(key)) {
            (Some(e), None) => (ChangeKind::Removed, describe(key, e)),
            (None, Some(l)) => (ChangeKind::Added, describe(key, l)),
            (Some(e), Some(l)) if e != l => {
                let (thing, old) = describe(key, e);
                let (_, new) = describe(key, l);
                (ChangeKind::Changed, (thing, format!("{old} -> {new}")))
            }
            _ => continue,
        };
        changes.push(Change {
            thing: detail.0,
            kind,
            within: None,
            detail: detail.1,
        });
    }
}

fn set_thing(set: &LiveSet) -> Thing {
    if set.kind == "map" {
        Thing::Map
    } else {
        Thing::Set
    }
}

fn diff_sets(expected: &LiveTable, live: &LiveTable, changes: &mut Vec<Change>) {
    let names: BTreeSet<&String> = expected.sets.keys().chain(live.sets.keys()).collect();
    for name in names {
        match (expected.sets.get(name), live.sets.get(name)) {
            (Some(e), None) => changes.push(Change {
                thing: set_thing(e),
                kind: ChangeKind::Removed,
                within: None,
                detail: format!("{name} ({} elements)", e.elements.len()),
            }),
            (None, Some(l)) => changes.push(Change {
                thing: set_thing(l),
                kind: ChangeKind::Added,
                within: None,
                detail: format!("{name} ({} elements)", l.elements.len()),
            }),
            (Some(e), Some(l)) => {
                if e.kind != l.kind || e.spec != l.spec {
                    changes.push(Change {
                        thing: set_thing(e),
                        kind: ChangeKind::Changed,
                        within: None,
                        detail: format!("{name}: {} {} -> {} {}", e.kind, e.spec, l.kind, l.spec),
                    });
                }
                let within = format!("{} {name}", l.kind);
                let old: BTreeSet<&str> = e.elements.iter().map(|x| x.json.as_str()).collect();
                let new: BTreeSet<&str> = l.elements.iter().map(|x| x.json.as_str()).collect();
                for x in e.elements.iter().filter(|x| !new.contains(x.json.as_str())) {
                    changes.push(Change {
                        thing: Thing::Element,
                        kind: ChangeKind::Removed,
                        within: Some(within.clone()),
                        detail: x.text.clone(),
                    });
                }
                for x in l.elements.iter().filter(|x| !old.contains(x.json.as_str())) {
                    changes.push(Change {
                        thing: Thing::Element,
                        kind: ChangeKind::Added,
                        within: Some(within.clone()),
                        detail: x.text.clone(),
                    });
                }
            }
            (None, None) => {}
        }
    }
}

fn diff_chains(expected: &LiveTable, live: &LiveTable, changes: &mut Vec<Change>) {
    let names: BTreeSet<&String> = expected.chains.keys().chain(live.chains.keys()).collect();
    for name in names {
        let chain_change = |kind, detail| Change {
            thing: Thing::Chain,
            kind,
            within: None,
            detail,
        };
        match (expected.chains.get(name), live.chains.get(name)) {
            (Some(e), None) => changes.push(chain_change(
                ChangeKind::Removed,
                format!("{name} ({} rules)", e.rules.len()),
            )),
            (None, Some(l)) => changes.push(chain_change(
                ChangeKind::Added,
                format!("{name} ({} rules)", l.rules.len()),
            )),
            (Some(e), Some(l)) => {
                if e.hook != l.hook {
                    changes.push(chain_change(
                        ChangeKind::Changed,
                        format!(
                            "{name}: {} -> {}",
                            e.hook.as_deref().unwrap_or("regular chain"),
                            l.hook.as_deref().unwrap_or("regular chain")
                        ),
                    ));
                }
                if e.comment != l.comment {
                    changes.push(chain_change(
                        ChangeKind::Changed,
                        format!(
                            "{name}: comment {:?} -> {:?}",
                            e.comment.as_deref().unwrap_or(""),
                            l.comment.as_deref().unwrap_or("")
                        ),
                    ));
                }
                diff_rules(name, &e.rules, &l.rules, changes);
            }
            (None, None) => {}
        }
    }
}

fn diff_rules(chain: &str, expected: &[LiveRule], live: &[LiveRule], changes: &mut Vec<Change>) {
    let old: Vec<&str> = expected.iter().map(|r| r.json.as_str()).collect();
    let new: Vec<&str> = live.iter().map(|r| r.json.as_str()).collect();
    let within = Some(format!("chain {chain}"));
    let rule = |kind, detail| Change {
        thing: Thing::Rule,
        kind,
        within: within.clone(),
        detail,
    };
    for op in similar::capture_diff_slices(similar::Algorithm::Myers, &old, &new) {
        match op {
            similar::DiffOp::Equal { .. } => {}
            similar::DiffOp::Delete {
                old_index, old_len, ..
            } => {
                for r in &expected[old_index..old_index + old_len] {
                    changes.push(rule(ChangeKind::Removed, r.text.clone()));
                }
            }
            similar::DiffOp::Insert {
                new_index, new_len, ..
            } => {
                for r in &live[new_index..new_index + new_len] {
                    changes.push(rule(ChangeKind::Added, r.text.clone()));
                }
            }
            similar::DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                let olds = &expected[old_index..old_index + old_len];
                let news = &live[new_index..new_index + new_len];
                let paired = old_len.min(new_len);
                for (o, n) in olds.iter().zip(news) {
                    changes.push(rule(
                        ChangeKind::Changed,
                        format!("{} -> {}", o.text, n.text),
                    ));
                }
                for r in &olds[paired..] {
                    changes.push(rule(ChangeKind::Removed, r.text.clone()));
                }
                for r in &news[paired..] {
                    changes.push(rule(ChangeKind::Added, r.text.clone()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_state_is_stripped_from_rule_text() {
        assert_eq!(
            strip_counter_state("ct state invalid counter packets 12 bytes 3400 drop"),
            "ct state invalid counter drop"
        );
        assert_eq!(
            strip_counter_state("counter name \"x\" accept"),
            "counter name \"x\" accept"
        );
    }

    #[test]
    fn element_text_reads_like_nft() {
        let e: Value = serde_json::from_str(
            r#"[{"concat": [{"prefix": {"addr": "10.0.0.0", "len": 8}}, {"range": ["10.1.0.0", "10.1.0.5"]}, "tcp", {"range": [22, 23]}]}, {"jump": {"target": "allow.a.b.c"}}]"#,
        )
        .expect("test json");
        assert_eq!(
            expr_text(&e),
            "10.0.0.0/8 . 10.1.0.0-10.1.0.5 . tcp . 22-23 : jump allow.a.b.c"
        );
    }

    fn listing() -> (Value, String) {
        let json = serde_json::json!({"nftables": [
            {"metainfo": {"version": "1.0.6"}},
            {"table": {"family": "inet", "name": "sanso", "handle": 3}},
            {"counter": {"family": "inet", "name": "invalid", "table": "sanso", "handle": 1, "packets": 7, "bytes": 99}},
            {"set": {"family": "inet", "name": "s", "table": "sanso", "type": "ipv4_addr", "handle": 2, "flags": ["interval"],
                     "elem": ["10.0.0.2", {"prefix": {"addr": "10.1.0.0", "len": 16}}]}},
            {"chain": {"family": "inet", "table": "sanso", "name": "forward", "handle": 4, "type": "filter", "hook": "forward", "prio": 0, "policy": "drop"}},
            {"rule": {"family": "inet", "table": "sanso", "chain": "forward", "handle": 5,
                      "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 22}}, {"counter": {"packets": 3, "bytes": 10}}, {"accept": null}]}}
        ]});
        let text = "table inet sanso {\n\tcomment \"sanso x\"\n\tcounter invalid {\n\t\tpackets 7 bytes 99\n\t}\n\n\tset s {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = { 10.0.0.2, 10.1.0.0/16 }\n\t}\n\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n\t\tcomment \"c\"\n\t\ttcp dport 22 counter packets 3 bytes 10 accept\n\t}\n}\n".to_owned();
        (json, text)
    }

    #[test]
    fn normal_form_drops_handles_and_state() {
        let (json, text) = listing();
        let t = from_listing(&json, &text).expect("valid listing");
        assert_eq!(t.comment.as_deref(), Some("sanso x"));
        assert_eq!(t.objects["counter invalid"].spec, "{}");
        let chain = &t.chains["forward"];
        assert_eq!(chain.comment.as_deref(), Some("c"));
        assert_eq!(
            chain.hook.as_deref(),
            Some("type filter hook forward priority 0; policy drop")
        );
        assert_eq!(chain.rules[0].text, "tcp dport 22 counter accept");
        assert!(
            !chain.rules[0].json.contains("packets"),
            "{}",
            chain.rules[0].json
        );
        assert!(!t.text.contains("packets"), "{}", t.text);
        let elements: Vec<&str> = t.sets["s"]
            .elements
            .iter()
            .map(|e| e.text.as_str())
            .collect();
        assert_eq!(elements, ["10.0.0.2", "10.1.0.0/16"]);
    }

    #[test]
    fn diff_names_added_rules_and_elements() {
        let (json, text) = listing();
        let expected = from_listing(&json, &text).expect("valid listing");
        let mut live = expected.clone();
        assert!(diff(&expected, &live).is_empty());
        let chain = live.chains.get_mut("forward").expect("forward");
        chain.rules.push(LiveRule {
            text: "udp dport 53 accept".into(),
            json: "[\"x\"]".into(),
        });
        let set = live.sets.get_mut("s").expect("set s");
        set.elements.remove(0);
        live.text.push_str("# changed\n");
        let d = diff(&expected, &live);
        let lines: Vec<String> = d.changes.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "element removed from set s: 10.0.0.2",
                "rule added in chain forward: udp dport 53 accept",
            ]
        );
        assert!(d.text_diff.contains("+# changed"), "{}", d.text_diff);
    }
}
