//! Reading a spanned TOML document (`toml::de::DeTable`) field by field while
//! recording every problem as a diagnostic: unknown keys, missing keys, wrong
//! types. The loaders of policies and cases build on these helpers so that
//! one bad value never hides the next.

use std::ops::Range;

use sanso_i18n::t;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::diag::{codes, Diagnostics, Draft, Subject};
use crate::width::{did_you_mean, loose};

pub(crate) type Value<'i> = Spanned<DeValue<'i>>;

/// The text of a TOML value's type, for messages ("a string").
pub(crate) fn type_name(value: &DeValue<'_>) -> String {
    let kind = match value {
        DeValue::String(_) => "string",
        DeValue::Integer(_) => "integer",
        DeValue::Float(_) => "float",
        DeValue::Boolean(_) => "boolean",
        DeValue::Datetime(_) => "datetime",
        DeValue::Array(_) => "array",
        DeValue::Table(_) => "table",
    };
    t!("policy-type", kind = kind)
}

/// The entries of a table in file order (the parser sorts them by key).
pub(crate) fn entries<'t, 'i>(
    table: &'t DeTable<'i>,
) -> Vec<(&'t str, Range<usize>, &'t Value<'i>)> {
    let mut out: Vec<_> = table
        .iter()
        .map(|(k, v)| (k.get_ref().as_ref(), k.span(), v))
        .collect();
    out.sort_by_key(|(_, span, _)| span.start);
    out
}

/// Strings with their spans, in file order.
pub(crate) type Strings = Vec<(String, Range<usize>)>;

/// The outcome of reading a list of strings.
pub(crate) enum ListRead {
    Absent,
    /// Present but not a list of strings (already reported).
    Malformed,
    List(Strings),
}

/// A table being read: knows its span and the subject to blame.
pub(crate) struct TableReader<'t, 'i> {
    pub table: &'t DeTable<'i>,
    /// Where the table starts (its header, or the inline table).
    pub span: Range<usize>,
    pub subject: Option<Subject>,
    /// What to call the table in "missing key" messages, e.g. "[policy]".
    what: What<'t>,
}

/// The name of a table in messages: its text, or how to write it when a
/// message needs it (most of the thousands of hosts and flows need none).
enum What<'a> {
    Text(String),
    Later(Box<dyn Fn() -> String + 'a>),
}

impl<'t, 'i> TableReader<'t, 'i> {
    pub fn new(
        table: &'t DeTable<'i>,
        span: Range<usize>,
        subject: Option<Subject>,
        what: impl Into<String>,
    ) -> Self {
        TableReader {
            table,
            span,
            subject,
            what: What::Text(what.into()),
        }
    }

    /// Like [`TableReader::new`], with the name written only when a message
    /// needs it.
    pub fn new_lazy(
        table: &'t DeTable<'i>,
        span: Range<usize>,
        subject: Option<Subject>,
        what: impl Fn() -> String + 't,
    ) -> Self {
        TableReader {
            table,
            span,
            subject,
            what: What::Later(Box::new(what)),
        }
    }

    /// What to call the table in messages.
    pub fn what(&self) -> String {
        match &self.what {
            What::Text(text) => text.clone(),
            What::Later(write) => write(),
        }
    }

    fn error(&self, code: &'static str, span: Range<usize>, message: impl Into<String>) -> Draft {
        Draft::error(code, span, message).subject(self.subject.clone())
    }

    /// Reports every key not in `allowed`, suggesting the closest allowed key.
    pub fn deny_unknown_keys(&self, diags: &mut Diagnostics, allowed: &[&str]) {
        // The common case, every key allowed, needs no file order (and no
        // sorted copy of the entries of each of thousands of tables).
        if self
            .table
            .iter()
            .all(|(k, _)| allowed.contains(&k.get_ref().as_ref()))
        {
            return;
        }
        for (key, span, _) in entries(self.table) {
            if !allowed.contains(&key) {
                let mut d = self.error(
                    codes::UNKNOWN_KEY,
                    span,
                    match self.subject {
                        Some(Subject::Policy) | None => {
                            t!("policy-unknown-key-in", key = key, what = self.what())
                        }
                        Some(_) => t!("policy-unknown-key", key = key),
                    },
                );
                match closest(key, allowed.iter().copied()) {
                    Some(best) => d = d.note(did_you_mean(key, best)),
                    None => d = d.note(t!("policy-allowed-keys", keys = allowed.join(", "))),
                }
                diags.push(d);
            }
        }
    }

    pub fn get(&self, key: &str) -> Option<&'t Value<'i>> {
        self.table.get(key)
    }

    pub fn missing(&self, diags: &mut Diagnostics, key: &str) {
        diags.push(self.error(
            codes::MISSING_KEY,
            self.span.clone(),
            t!("policy-missing-key", key = key, what = self.what()),
        ));
    }

    pub fn wrong_type(
        &self,
        diags: &mut Diagnostics,
        key: &str,
        value: &Value<'_>,
        expected: &str,
    ) {
        diags.push(self.error(
            codes::WRONG_TYPE,
            value.span(),
            t!(
                "policy-wrong-type",
                key = key,
                expected = expected,
                found = type_name(value.get_ref())
            ),
        ));
    }

    /// A required string.
    pub fn req_str(&self, diags: &mut Diagnostics, key: &str) -> Option<(String, Range<usize>)> {
        self.req_str_ref(diags, key)
            .map(|(s, span)| (s.to_owned(), span))
    }

    /// Like [`TableReader::req_str`], borrowing the string from the document.
    pub fn req_str_ref(
        &self,
        diags: &mut Diagnostics,
        key: &str,
    ) -> Option<(&'t str, Range<usize>)> {
        match self.get(key) {
            None => {
                self.missing(diags, key);
                None
            }
            Some(v) => self.as_str(diags, key, v),
        }
    }

    /// An optional string: `None` when absent or of the wrong type (then reported).
    pub fn opt_str(&self, diags: &mut Diagnostics, key: &str) -> Option<(String, Range<usize>)> {
        self.opt_str_ref(diags, key)
            .map(|(s, span)| (s.to_owned(), span))
    }

    /// Like [`TableReader::opt_str`], borrowing the string from the document.
    pub fn opt_str_ref(
        &self,
        diags: &mut Diagnostics,
        key: &str,
    ) -> Option<(&'t str, Range<usize>)> {
        self.get(key).and_then(|v| self.as_str(diags, key, v))
    }

    fn as_str(
        &self,
        diags: &mut Diagnostics,
        key: &str,
        v: &'t Value<'i>,
    ) -> Option<(&'t str, Range<usize>)> {
        match v.get_ref() {
            DeValue::String(s) => Some((s.as_ref(), v.span())),
            _ => {
                self.wrong_type(diags, key, v, &t!("policy-type", kind = "string"));
                None
            }
        }
    }

    pub fn opt_bool(&self, diags: &mut Diagnostics, key: &str) -> Option<bool> {
        let v = self.get(key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.wrong_type(diags, key, v, &t!("policy-expected-bool"));
                None
            }
        }
    }

    /// A list of strings. With `single` a lone string counts as a list of one.
    pub fn str_list(&self, diags: &mut Diagnostics, key: &str, single: bool) -> ListRead {
        let Some(v) = self.get(key) else {
            return ListRead::Absent;
        };
        // Written only for a diagnostic.
        let expected = || {
            if single {
                t!("policy-expected-string-or-strings")
            } else {
                t!("policy-expected-strings")
            }
        };
        match v.get_ref() {
            DeValue::String(s) if single => ListRead::List(vec![(s.to_string(), v.span())]),
            DeValue::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                let mut ok = true;
                for item in items.iter() {
                    match item.get_ref() {
                        DeValue::String(s) => out.push((s.to_string(), item.span())),
                        other => {
                            ok = false;
                            diags.push(self.error(
                                codes::WRONG_TYPE,
                                item.span(),
                                t!(
                                    "policy-wrong-element-type",
                                    key = key,
                                    expected = &expected(),
                                    found = type_name(other)
                                ),
                            ));
                        }
                    }
                }
                if ok {
                    ListRead::List(out)
                } else {
                    ListRead::Malformed
                }
            }
            _ => {
                self.wrong_type(diags, key, v, &expected());
                ListRead::Malformed
            }
        }
    }
}

/// The candidate closest to `word` by edit distance, when close enough to be
/// a plausible typo. Both are compared in [`loose`] form (半角, lowercase),
/// so a word in the wrong case or in 全角 finds its candidate at distance 0.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word = loose(word);
    let len = word.chars().count();
    let limit = if len <= 3 { 1 } else { (len / 3).clamp(2, 3) };
    candidates
        .into_iter()
        .map(|c| (edit_distance(&word, &loose(c)), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters; long inputs are cut to keep it cheap.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(64).collect();
    let b: Vec<char> = b.chars().take(64).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_typos_only() {
        assert_eq!(
            closest("intefaces", ["tier", "interfaces", "networks"]),
            Some("interfaces")
        );
        assert_eq!(closest("colour", ["tier", "interfaces"]), None);
        // Case and width do not count.
        assert_eq!(closest("LGWAN", ["mynumber", "lgwan"]), Some("lgwan"));
        assert_eq!(closest("ｈｔｔｐｓ", ["http", "https"]), Some("https"));
        assert_eq!(closest("Https", ["http", "https"]), Some("https"));
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
