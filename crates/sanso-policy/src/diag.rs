//! Diagnostics: what went wrong (or looks suspicious) in a policy or cases
//! file, where (byte span, 1-based line and column) and about which named
//! thing ([`Subject`]); rendered with `codespan-reporting`.
//!
//! Every error class has a stable short code (see [`codes`]); guardrail
//! violations use `G1`..`G9` (the contract's rule numbers), warnings `W...`.

use std::fmt;
use std::ops::Range;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term;
use sanso_i18n::t;

/// Stable diagnostic codes, one per error class. `docs/policy.md` lists them.
pub mod codes {
    /// The text is not valid TOML (or repeats a key or table).
    pub const SYNTAX: &str = "E001";
    /// The file holds nothing (only whitespace or comments).
    pub const EMPTY_FILE: &str = "E002";
    /// A key the format does not know (typos must not silently change a policy).
    pub const UNKNOWN_KEY: &str = "E003";
    /// A required key is absent.
    pub const MISSING_KEY: &str = "E004";
    /// A value of the wrong TOML type.
    pub const WRONG_TYPE: &str = "E005";
    /// Two zones, hosts, flows or cases with the same name (zones and hosts share one namespace).
    pub const DUPLICATE_NAME: &str = "E010";
    /// A name that is empty, reserved (`self`) or holds control characters.
    pub const BAD_NAME: &str = "E011";
    /// A tier that is not mynumber, lgwan, internet or external.
    pub const BAD_TIER: &str = "E012";
    /// Not an address or network in CIDR form.
    pub const BAD_ADDRESS: &str = "E020";
    /// A network with host bits set (`10.1.2.0/16`).
    pub const HOST_BITS_SET: &str = "E021";
    /// A catch-all network (`0.0.0.0/0`, `::/0`) outside an `external` zone.
    pub const CATCH_ALL: &str = "E022";
    /// Two internal (non-external) zones whose networks overlap.
    pub const INTERNAL_OVERLAP: &str = "E023";
    /// Two zones with the same network.
    pub const SAME_NETWORK: &str = "E024";
    /// One interface in two zones.
    pub const SHARED_INTERFACE: &str = "E025";
    /// An interface name the kernel refuses (1..=15 bytes, no '/', no whitespace).
    pub const BAD_INTERFACE: &str = "E026";
    /// A zone without interfaces or without networks; any other empty list.
    pub const EMPTY_LIST: &str = "E027";
    /// A host address that does not classify to the host's zone.
    pub const HOST_OUTSIDE_ZONE: &str = "E028";
    /// A `dynamic` pool outside its zone's networks, or overlapping another zone's.
    pub const DYNAMIC_OUTSIDE_ZONE: &str = "E029";
    /// A host naming a zone that does not exist.
    pub const UNKNOWN_ZONE: &str = "E030";
    /// A flow endpoint that names no zone, host or `self`.
    pub const UNKNOWN_ENDPOINT: &str = "E031";
    /// A flow naming a service that is neither built in nor defined.
    pub const UNKNOWN_SERVICE: &str = "E032";
    /// A service entry that is not `tcp/PORT[-PORT]`, `udp/...`, `icmp/TYPE` or `icmpv6/TYPE`.
    pub const BAD_SERVICE: &str = "E033";
    /// Port 0, a port above 65535 or a range whose first port is above its last.
    pub const BAD_PORT: &str = "E034";
    /// A `limit` that is not `N/second|minute|hour` with N in 1..=1000000.
    pub const BAD_LIMIT: &str = "E035";
    /// An `until` that is not a date `YYYY-MM-DD` or an RFC 3339 date-time with offset.
    pub const BAD_UNTIL: &str = "E036";
    /// An `exception` without a non-empty `approved_by` and `ticket`.
    pub const BAD_EXCEPTION: &str = "E037";
    /// A flow from the gateway to itself.
    pub const SELF_TO_SELF: &str = "E038";
    /// An unknown ICMP or ICMPv6 type name.
    pub const BAD_ICMP_TYPE: &str = "E039";
    /// A case naming a host that does not exist.
    pub const UNKNOWN_HOST: &str = "E050";
    /// A case whose source and destination are of different address families.
    pub const FAMILY_MISMATCH: &str = "E051";
    /// A case whose protocol does not fit its addresses or its port.
    pub const BAD_PROTO: &str = "E052";
    /// A case `iif` that is no zone's interface.
    pub const UNKNOWN_INTERFACE: &str = "E053";
    /// A case source that classifies to no zone and has no `iif`.
    pub const NO_SOURCE_ZONE: &str = "E054";
    /// An external zone's `beyond` that is not internet, lgwan or closed.
    pub const BAD_BEYOND: &str = "E040";
    /// `beyond` on a zone that is not external.
    pub const BEYOND_NOT_EXTERNAL: &str = "E041";
    /// An exception's `approved_on` or `review_by` that is not a date YYYY-MM-DD.
    pub const BAD_DATE: &str = "E042";
    /// Guardrail 1: mynumber <-> lgwan, the LGWAN backbone, a closed line or self
    /// needs an exception and named hosts at both ends.
    pub const G1: &str = "G1";
    /// Guardrail 2: mynumber <-> the internet tier or the Internet, exception or not.
    pub const G2: &str = "G2";
    /// Guardrail 3: lgwan (or the backbone) <-> the internet tier needs a named
    /// sanitizer or screen-transfer host serving the flow's services (or an exception).
    pub const G3: &str = "G3";
    /// Guardrail 4: lgwan (or the backbone) <-> the Internet, exception or not.
    pub const G4: &str = "G4";
    /// Guardrail 5: internet tier <-> the Internet only through security-cloud hosts (or an exception).
    pub const G5: &str = "G5";
    /// Guardrail 6: transit between external networks (refused for the Internet
    /// <-> the backbone or a closed line; otherwise an exception).
    pub const G6: &str = "G6";
    /// Guardrail 7: the Internet -> the gateway needs an exception.
    pub const G7: &str = "G7";
    /// Guardrail 8: explicit services; no port range wider than 1024 ports across tiers without an exception.
    pub const G8: &str = "G8";
    /// Guardrail 9: a non-empty reason.
    pub const G9: &str = "G9";
    /// Warning: an exception on a flow that crosses no guardrail.
    pub const UNNEEDED_EXCEPTION: &str = "W001";
    /// Warning: the same entry twice in one list.
    pub const DUPLICATE_ENTRY: &str = "W002";
    /// Warning: a role that looks like a misspelt well-known role.
    pub const SUSPICIOUS_ROLE: &str = "W003";
    /// Warning: a file-defined service replaces a built-in one.
    pub const OVERRIDDEN_SERVICE: &str = "W004";
    /// Warning: an external zone without `beyond` (counted as the Internet).
    pub const NO_BEYOND: &str = "W005";
    /// Warning: an `until` already past.
    pub const UNTIL_PAST: &str = "W006";
    /// Warning: an exception's `review_by` already past.
    pub const REVIEW_PAST: &str = "W007";
    /// Warning: the Internet (not the security cloud) or a closed line into an
    /// internal zone without `until` (委託 access without an end).
    pub const OPEN_ENDED_ACCESS: &str = "W008";
    /// Warning: a sanitizer or screen-transfer host without `serves`.
    pub const ROLE_WITHOUT_SERVES: &str = "W009";
    /// Warning: `serves` on a host without role sanitizer or screen-transfer.
    pub const SERVES_WITHOUT_ROLE: &str = "W010";
    /// Warning: a service over every port between two zones of one tier.
    pub const ALL_PORTS: &str = "W011";
    /// Warning: a named host's address in its zone's `dynamic` pool.
    pub const HOST_IN_DYNAMIC: &str = "W012";
    /// Every code above, for documentation checks.
    pub const ALL: &[&str] = &[
        SYNTAX,
        EMPTY_FILE,
        UNKNOWN_KEY,
        MISSING_KEY,
        WRONG_TYPE,
        DUPLICATE_NAME,
        BAD_NAME,
        BAD_TIER,
        BAD_ADDRESS,
        HOST_BITS_SET,
        CATCH_ALL,
        INTERNAL_OVERLAP,
        SAME_NETWORK,
        SHARED_INTERFACE,
        BAD_INTERFACE,
        EMPTY_LIST,
        HOST_OUTSIDE_ZONE,
        DYNAMIC_OUTSIDE_ZONE,
        UNKNOWN_ZONE,
        UNKNOWN_ENDPOINT,
        UNKNOWN_SERVICE,
        BAD_SERVICE,
        BAD_PORT,
        BAD_LIMIT,
        BAD_UNTIL,
        BAD_EXCEPTION,
        SELF_TO_SELF,
        BAD_ICMP_TYPE,
        UNKNOWN_HOST,
        FAMILY_MISMATCH,
        BAD_PROTO,
        UNKNOWN_INTERFACE,
        NO_SOURCE_ZONE,
        BAD_BEYOND,
        BEYOND_NOT_EXTERNAL,
        BAD_DATE,
        G1,
        G2,
        G3,
        G4,
        G5,
        G6,
        G7,
        G8,
        G9,
        UNNEEDED_EXCEPTION,
        DUPLICATE_ENTRY,
        SUSPICIOUS_ROLE,
        OVERRIDDEN_SERVICE,
        NO_BEYOND,
        UNTIL_PAST,
        REVIEW_PAST,
        OPEN_ENDED_ACCESS,
        ROLE_WITHOUT_SERVES,
        SERVES_WITHOUT_ROLE,
        ALL_PORTS,
        HOST_IN_DYNAMIC,
    ];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

/// The named thing a diagnostic is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Subject {
    Zone(String),
    Host(String),
    Flow(String),
    Service(String),
    Case(String),
    /// The file as a whole, or its `[policy]` table.
    Policy,
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Zone(n) => f.write_str(&t!("policy-subject-zone", name = format!("{n:?}"))),
            Subject::Host(n) => f.write_str(&t!("policy-subject-host", name = format!("{n:?}"))),
            Subject::Flow(n) => f.write_str(&t!("policy-subject-flow", name = format!("{n:?}"))),
            Subject::Service(n) => {
                f.write_str(&t!("policy-subject-service", name = format!("{n:?}")))
            }
            Subject::Case(n) => f.write_str(&t!("policy-subject-case", name = format!("{n:?}"))),
            Subject::Policy => f.write_str(&t!("policy-subject-policy")),
        }
    }
}

/// A secondary place in the file that explains a diagnostic
/// ("first defined here", "the other zone's network").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Range<usize>,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable short code, e.g. `E021` or `G2` (see [`codes`]).
    pub code: &'static str,
    /// Names the culprit first: `flow "mail-in": ...`.
    pub message: String,
    /// Byte range in the file's text (on character boundaries).
    pub span: Range<usize>,
    /// 1-based line of `span.start`.
    pub line: usize,
    /// 1-based column (in characters) of `span.start`.
    pub column: usize,
    pub subject: Option<Subject>,
    /// Hints: "did you mean ...", the rationale of a guardrail.
    pub notes: Vec<String>,
    pub labels: Vec<Label>,
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// All diagnostics of one file, with the file's name and text so they can be rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostics {
    pub file: String,
    pub text: String,
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new(file: &str, text: &str) -> Self {
        Diagnostics {
            file: file.to_owned(),
            text: text.to_owned(),
            items: Vec::new(),
        }
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// The number of errors (not warnings) so far.
    pub fn error_count(&self) -> usize {
        self.errors().count()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.is_error())
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| !d.is_error())
    }

    /// Every diagnostic as codespan renders it (`error[E021]: zone "x": ...`,
    /// then ` --> file:line:col` and the source excerpt), errors and warnings
    /// in file order, followed by a one-line summary. ANSI colors when `color`.
    pub fn render(&self, color: bool) -> String {
        // A UTF-8 byte order mark is not shown, nor counted as a column.
        let bom = bom_len(&self.text);
        let body = &self.text[bom..];
        let file = SimpleFile::new(self.file.as_str(), body);
        let config = term::Config::default();
        let mut out = String::new();
        for d in &self.items {
            let cs_diag = to_codespan(d, body.len(), bom);
            let rendered = if color {
                let mut buffer = term::termcolor::Buffer::ansi();
                term::emit_to_write_style(&mut buffer, &config, &file, &cs_diag)
                    .map(|()| String::from_utf8_lossy(buffer.as_slice()).into_owned())
            } else {
                term::emit_into_string(&config, &file, &cs_diag)
            };
            match rendered {
                Ok(text) => out.push_str(&text),
                // Spans are clamped to the text, so this is not expected; never panic.
                Err(_) => out.push_str(&format!(
                    "{}[{}]: {}\n  --> {}:{}:{}\n\n",
                    severity_word(d.severity),
                    d.code,
                    d.message,
                    self.file,
                    d.line,
                    d.column
                )),
            }
        }
        let errors = self.errors().count();
        let warnings = self.warnings().count();
        if errors + warnings > 0 {
            out.push_str(&summary(&self.file, errors, warnings));
            out.push('\n');
        }
        out
    }

    /// Computes every line and column, then sorts by position (then code)
    /// so output is deterministic and reads top-down.
    pub(crate) fn finish(&mut self) {
        let index = LineIndex::new(&self.text);
        for d in &mut self.items {
            (d.line, d.column) = index.locate(&self.text, d.span.start);
        }
        self.items.sort_by(|a, b| {
            (a.span.start, a.span.end, a.code, &a.message).cmp(&(
                b.span.start,
                b.span.end,
                b.code,
                &b.message,
            ))
        });
        self.items.dedup();
    }

    /// Records a diagnostic and clamps its span; [`Diagnostics::finish`]
    /// computes lines and columns.
    pub(crate) fn push(&mut self, draft: Draft) {
        let span = clamp_span(&self.text, draft.span);
        let (line, column) = (0, 0);
        let message = match &draft.subject {
            Some(subject) => format!("{subject}: {}", draft.message),
            None => draft.message,
        };
        let labels = draft
            .labels
            .into_iter()
            .map(|l| Label {
                span: clamp_span(&self.text, l.span),
                message: l.message,
            })
            .collect();
        self.items.push(Diagnostic {
            severity: draft.severity,
            code: draft.code,
            message,
            span,
            line,
            column,
            subject: draft.subject,
            notes: draft.notes,
            labels,
        });
    }
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn summary(file: &str, errors: usize, warnings: usize) -> String {
    let counts = match (errors, warnings) {
        (0, w) => t!("common-warnings", count = w),
        (e, 0) => t!("common-errors", count = e),
        (e, w) => t!(
            "common-and",
            first = t!("common-errors", count = e),
            second = t!("common-warnings", count = w)
        ),
    };
    format!("{file}: {counts}")
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

impl std::error::Error for Diagnostics {}

/// The length of a UTF-8 byte order mark at the start of `text` (0 or 3).
/// The TOML parser skips one; Windows editors may write it.
pub(crate) fn bom_len(text: &str) -> usize {
    if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    }
}

/// `d` for codespan, over a text of `len` bytes that starts `shift` bytes
/// into the diagnostics' text (after a byte order mark).
fn to_codespan(d: &Diagnostic, len: usize, shift: usize) -> cs::Diagnostic<()> {
    let span = |s: &Range<usize>| {
        let start = s.start.saturating_sub(shift).min(len);
        start..s.end.saturating_sub(shift).min(len).max(start)
    };
    let severity = match d.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
    };
    // The subject prefix is already in the message; the primary label repeats
    // only the short culprit so the excerpt reads well.
    let primary = match &d.subject {
        Some(s) => s.to_string(),
        None => String::new(),
    };
    let mut labels = vec![cs::Label::primary((), span(&d.span)).with_message(primary)];
    for l in &d.labels {
        labels.push(cs::Label::secondary((), span(&l.span)).with_message(&l.message));
    }
    cs::Diagnostic::new(severity)
        .with_code(d.code)
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(d.notes.clone())
}

/// A diagnostic before its line and column are known.
#[derive(Debug)]
pub(crate) struct Draft {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub span: Range<usize>,
    pub subject: Option<Subject>,
    pub notes: Vec<String>,
    pub labels: Vec<Label>,
}

impl Draft {
    pub fn error(code: &'static str, span: Range<usize>, message: impl Into<String>) -> Self {
        Draft {
            severity: Severity::Error,
            code,
            message: message.into(),
            span,
            subject: None,
            notes: Vec::new(),
            labels: Vec::new(),
        }
    }

    pub fn warning(code: &'static str, span: Range<usize>, message: impl Into<String>) -> Self {
        Draft {
            severity: Severity::Warning,
            ..Draft::error(code, span, message)
        }
    }

    pub fn subject(mut self, subject: Option<Subject>) -> Self {
        self.subject = subject;
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn label(mut self, span: Range<usize>, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }
}

/// Clamps a span to the text and moves its ends onto character boundaries.
fn clamp_span(text: &str, span: Range<usize>) -> Range<usize> {
    let mut start = span.start.min(text.len());
    let mut end = span.end.min(text.len()).max(start);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// Start offsets of the lines of a text, to turn byte offsets into 1-based
/// line and column (in characters, like codespan) in logarithmic time.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    pub fn locate(&self, text: &str, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset);
        // A byte order mark is no column of the first line.
        let start = self.starts[line - 1].max(bom_len(text).min(offset));
        (line, text[start..offset].chars().count() + 1)
    }
}

/// What [`LineIndex::locate`] gives, found by moving through the text from
/// the last offset asked for (from the start when asked for an earlier
/// one): cheap for offsets asked for in increasing order.
pub(crate) struct LineCursor<'t> {
    text: &'t str,
    /// An offset, the 1-based line holding it and where that line starts.
    pos: usize,
    line: usize,
    line_start: usize,
}

impl<'t> LineCursor<'t> {
    pub fn new(text: &'t str) -> Self {
        LineCursor {
            text,
            pos: 0,
            line: 1,
            line_start: 0,
        }
    }

    pub fn locate(&mut self, offset: usize) -> (usize, usize) {
        let text = self.text;
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        if offset < self.pos {
            *self = LineCursor::new(text);
        }
        let between = &text.as_bytes()[self.pos..offset];
        if let Some(last) = between.iter().rposition(|&b| b == b'\n') {
            self.line += between.iter().filter(|&&b| b == b'\n').count();
            self.line_start = self.pos + last + 1;
        }
        self.pos = offset;
        // A byte order mark is no column of the first line.
        let start = self.line_start.max(bom_len(text).min(offset));
        (self.line, text[start..offset].chars().count() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_cursor_agrees_with_line_index() {
        let texts = [
            "",
            "a = 1\n名前 = \"x\"\n",
            "\u{feff}a = 1\n\nb = 2",
            "\n\n\r\nx\n",
            "\u{feff}",
        ];
        for text in texts {
            let index = LineIndex::new(text);
            let offsets: Vec<usize> = (0..=text.len() + 2).collect();
            let mut cursor = LineCursor::new(text);
            for &o in &offsets {
                assert_eq!(cursor.locate(o), index.locate(text, o), "{text:?} at {o}");
            }
            // Backwards too.
            for &o in offsets.iter().rev() {
                assert_eq!(cursor.locate(o), index.locate(text, o), "{text:?} at {o}");
            }
        }
    }

    fn line_column(text: &str, offset: usize) -> (usize, usize) {
        LineIndex::new(text).locate(text, offset)
    }

    #[test]
    fn line_column_counts_characters() {
        let text = "a = 1\n名前 = \"x\"\n";
        assert_eq!(line_column(text, 0), (1, 1));
        let offset = text
            .find('=')
            .map(|_| text.rfind('=').unwrap_or(0))
            .unwrap_or(0);
        assert_eq!(line_column(text, offset), (2, 4));
    }

    #[test]
    fn a_byte_order_mark_is_no_column() {
        let text = "\u{feff}[policy\nx";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 3), (1, 1));
        assert_eq!(line_column(text, 4), (1, 2));
        assert_eq!(line_column(text, text.len() - 1), (2, 1));
    }

    #[test]
    fn clamp_moves_onto_char_boundaries() {
        let text = "名前";
        assert_eq!(clamp_span(text, 1..2), 0..3);
        assert_eq!(clamp_span(text, 5..99), 3..6);
    }
}
