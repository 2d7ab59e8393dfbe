//! Text from outside (a client's file name, a policy's diagnostics, an
//! error from a file) made fit for logs, status and the audit: control
//! characters escaped, so nothing can start a forged log line or drive the
//! terminal that shows it, and the length bounded, so a large input cannot
//! make every status answer and log line large too.
//!
//! [`bounded`] gives one line; [`bounded_lines`] keeps line breaks (for
//! rendered diagnostics) within a number of lines. Both say what they cut
//! in English (their text goes into audit records, which are data); the
//! `_in` forms say it in a given language, for the operator.

use sanso_i18n::{t_in, Lang};

/// An error and its causes on one line, joined with `: ` (not bounded:
/// pass it through [`bounded`] where it goes into logs, status or the audit).
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The longest file name kept (`Apply`'s `file`; the policy file's path).
pub const FILE_NAME_CHARS: usize = 200;

/// The most of an error or of rendered diagnostics kept (`last_error`,
/// audit details, log fields): 40 lines of at most 1000 characters (one
/// line of the daemon's own errors chains several causes), 4096 characters
/// in all.
pub const ERROR_BOUNDS: Bounds = Bounds {
    lines: 40,
    line_chars: 1000,
    chars: 4096,
};

/// Limits for [`bounded_lines`]; the tails that say what was cut count
/// towards none of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    /// Lines kept.
    pub lines: usize,
    /// Characters kept of each line (escapes counted as they are written).
    pub line_chars: usize,
    /// Characters kept in all (line breaks included).
    pub chars: usize,
}

/// `text` on one line: control characters escaped (a line break as `\n`,
/// ESC as `\u{1b}`), cut after `max_chars` characters of the result with
/// `… (N more bytes)` saying how much of `text` was left out.
pub fn bounded(text: &str, max_chars: usize) -> String {
    bounded_in(Lang::En, text, max_chars)
}

/// [`bounded`], saying what was cut in `lang`.
pub fn bounded_in(lang: Lang, text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    let (used, _) = push_escaped(&mut out, text, max_chars);
    push_rest(lang, &mut out, text.len() - used);
    out
}

/// `text` with its line breaks kept and everything else escaped as in
/// [`bounded`]: each line cut after `bounds.line_chars` characters, at most
/// `bounds.lines` lines and `bounds.chars` characters in all, and a last
/// line `… (N more lines, M more bytes)` when lines were left out.
pub fn bounded_lines(text: &str, bounds: Bounds) -> String {
    bounded_lines_in(Lang::En, text, bounds)
}

/// [`bounded_lines`], saying what was cut in `lang`.
pub fn bounded_lines_in(lang: Lang, text: &str, bounds: Bounds) -> String {
    let mut out = String::new();
    let mut budget = bounds.chars;
    let mut lines = text.split_inclusive('\n');
    let mut kept_lines = 0;
    let mut kept_bytes = 0;
    while kept_lines < bounds.lines && budget > 0 {
        let Some(line) = lines.next() else {
            break;
        };
        kept_lines += 1;
        kept_bytes += line.len();
        let (body, newline) = match line.strip_suffix('\n') {
            Some(body) => (body, true),
            None => (line, false),
        };
        let (used, written) = push_escaped(&mut out, body, bounds.line_chars.min(budget));
        budget -= written;
        push_rest(lang, &mut out, body.len() - used);
        if newline {
            out.push('\n');
            budget = budget.saturating_sub(1);
        }
    }
    let rest_lines = lines.count();
    if rest_lines > 0 {
        out.push_str(&t_in!(
            lang,
            "daemon-bounded-more-lines",
            lines = rest_lines,
            bytes = text.len() - kept_bytes
        ));
    }
    out
}

/// Appends the escaped start of `text`, at most `max_chars` characters
/// (an escape is never split); returns how many bytes of `text` that took
/// and how many characters it wrote.
fn push_escaped(out: &mut String, text: &str, max_chars: usize) -> (usize, usize) {
    let mut written = 0;
    for (at, c) in text.char_indices() {
        let escaped = escape(c);
        let width = escaped.as_deref().map_or(1, |e| e.chars().count());
        if written + width > max_chars {
            return (at, written);
        }
        match escaped {
            Some(e) => out.push_str(&e),
            None => out.push(c),
        }
        written += width;
    }
    (text.len(), written)
}

fn push_rest(lang: Lang, out: &mut String, rest: usize) {
    if rest > 0 {
        out.push_str(&t_in!(lang, "daemon-bounded-more-bytes", bytes = rest));
    }
}

/// How a character is shown, if not as itself: C0 and C1 controls and DEL
/// (ESC starts terminal sequences; a line break starts a forged log line),
/// and the Unicode line separators and bidirectional controls, which can
/// break a line or reorder what a reader sees.
fn escape(c: char) -> Option<String> {
    match c {
        '\n' => Some("\\n".to_owned()),
        '\r' => Some("\\r".to_owned()),
        '\t' => Some("\\t".to_owned()),
        c if c.is_control() => Some(format!("\\u{{{:x}}}", u32::from(c))),
        '\u{2028}'
        | '\u{2029}'
        | '\u{061c}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
        | '\u{feff}' => Some(format!("\\u{{{:x}}}", u32::from(c))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_chain_joins_every_cause() {
        let io = std::io::Error::other("disk full");
        let outer = std::io::Error::other(Wrapped(io));
        assert_eq!(error_chain(&outer), "cannot write: disk full");
    }

    /// An error whose source is the error it wraps.
    #[derive(Debug)]
    struct Wrapped(std::io::Error);

    impl std::fmt::Display for Wrapped {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("cannot write")
        }
    }

    impl std::error::Error for Wrapped {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn plain_text_and_japanese_stay_as_they_are() {
        assert_eq!(
            bounded("/etc/sanso/市役所.toml", 200),
            "/etc/sanso/市役所.toml"
        );
    }

    #[test]
    fn line_breaks_and_ansi_escapes_are_escaped() {
        assert_eq!(
            bounded("p.toml\nINFO forged line \x1b[31mred\x1b[0m\r", 200),
            "p.toml\\nINFO forged line \\u{1b}[31mred\\u{1b}[0m\\r"
        );
        assert_eq!(
            bounded("a\u{202e}b\u{2028}c\u{9b}d\u{7f}", 200),
            "a\\u{202e}b\\u{2028}c\\u{9b}d\\u{7f}"
        );
    }

    #[test]
    fn long_text_is_cut_with_what_was_left_out() {
        let text = "x".repeat(16 * 1024 * 1024);
        let cut = bounded(&text, 200);
        assert_eq!(cut, format!("{}… (16777016 more bytes)", "x".repeat(200)));
    }

    #[test]
    fn an_escape_is_never_split_and_bytes_count_whole_characters() {
        // 3 chars fit, the escape of ESC needs 6: cut before it.
        assert_eq!(bounded("abc\x1bdef", 5), "abc… (4 more bytes)");
        // 市 is 3 bytes.
        assert_eq!(bounded("市役所", 2), "市役… (3 more bytes)");
        assert_eq!(bounded("", 0), "");
        assert_eq!(bounded("ab", 0), "… (2 more bytes)");
    }

    #[test]
    fn lines_keep_their_breaks_within_bounds() {
        let bounds = Bounds {
            lines: 3,
            line_chars: 10,
            chars: 1000,
        };
        assert_eq!(
            bounded_lines(
                "error: x\n  \x1b[1m--> p.toml:1:1\nthird\nfourth\nfifth\n",
                bounds
            ),
            "error: x\n  \\u{1b}[1… (15 more bytes)\nthird\n… (2 more lines, 13 more bytes)"
        );
        assert_eq!(bounded_lines("a\r\nb", bounds), "a\\r\nb");
    }

    #[test]
    fn lines_stop_at_the_total() {
        let bounds = Bounds {
            lines: 100,
            line_chars: 100,
            chars: 7,
        };
        // "abc\n" is 4, "def" 3: the budget is spent, the rest is left out.
        assert_eq!(
            bounded_lines("abc\ndefgh\nij\n", bounds),
            "abc\ndef… (2 more bytes)\n… (1 more line, 3 more bytes)"
        );
    }

    #[test]
    fn a_huge_diagnostic_stays_small() {
        let text = format!("{}\n", "y".repeat(100_000)).repeat(100);
        let cut = bounded_lines(&text, ERROR_BOUNDS);
        assert!(
            cut.chars().count() < ERROR_BOUNDS.chars + 2000,
            "{}",
            cut.len()
        );
        assert!(cut.lines().count() <= ERROR_BOUNDS.lines + 1);
        assert!(cut.ends_with("more bytes)"), "{cut}");
    }
}
