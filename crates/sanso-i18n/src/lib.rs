//! The one message catalogue of sanso, and the language it speaks.
//!
//! Every sentence sanso prints for a person (diagnostics with their notes,
//! explain, test, plan, drift, status, daemon events and errors, the report)
//! is a Fluent message in `locales/{en,ja}/<area>.ftl`, looked up by id with
//! [`t!`] (the process language) or [`t_in!`] (a given one).
//! Code holds ids and arguments, never the text.
//!
//! Architecture invariant: both languages hold the same ids with the same
//! variables, every id the code names exists, and every id in the catalogue
//! is named by the code (`tests/catalogue.rs`).
//! Rule codes (`E021`, `G2`), names, addresses and `file:line` are arguments,
//! the same in both languages.
//!
//! The process language is set once by the binary ([`set_lang`], from
//! `--lang` or the locale, see [`Lang::from_locale`]); this crate reads no
//! environment itself. Until it is set, and in tests, it is English.

#![forbid(unsafe_code)]

use std::borrow::Cow;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// The languages sanso speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    /// English, the default.
    En,
    /// 日本語.
    Ja,
}

impl Lang {
    /// Every language, in catalogue order.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ja];

    /// Japanese when the first of `LC_ALL`, `LC_MESSAGES` and `LANG` that is
    /// set and not empty starts with `ja` (POSIX's order: `LC_ALL` overrides
    /// the others); English otherwise. `get` reads one variable.
    pub fn from_locale(get: impl Fn(&str) -> Option<String>) -> Lang {
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .filter_map(get)
            .find(|v| !v.is_empty());
        match locale {
            Some(l) if l.starts_with("ja") => Lang::Ja,
            _ => Lang::En,
        }
    }

    /// The language's code: `en` or `ja`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }

    /// The catalogue files of this language: (area, Fluent source).
    pub fn sources(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Lang::En => catalogue::EN,
            Lang::Ja => catalogue::JA,
        }
    }
}

impl std::str::FromStr for Lang {
    type Err = UnknownLang;

    /// `en`, `ja`, or a locale name such as `ja_JP.UTF-8` or `en-US`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let primary = lower.split(['_', '-', '.', '@']).next().unwrap_or_default();
        match primary {
            "ja" | "jp" | "japanese" => Ok(Lang::Ja),
            "en" | "c" | "posix" | "english" => Ok(Lang::En),
            _ => Err(UnknownLang(s.to_owned())),
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// A language sanso does not speak.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownLang(pub String);

impl std::fmt::Display for UnknownLang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown language {:?} (known: en, ja)", self.0)
    }
}

impl std::error::Error for UnknownLang {}

static CURRENT: AtomicU8 = AtomicU8::new(0);

/// Sets the process language. The binary calls it once, before it prints.
pub fn set_lang(lang: Lang) {
    CURRENT.store(lang as u8, Ordering::Relaxed);
}

/// The process language (English until [`set_lang`]).
pub fn lang() -> Lang {
    match CURRENT.load(Ordering::Relaxed) {
        1 => Lang::Ja,
        _ => Lang::En,
    }
}

/// One argument of a message: text, or a number (numbers choose plurals).
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Str(String),
    Num(f64),
}

/// What can be a message argument. Other types pass their `to_string()`.
pub trait IntoArg {
    fn into_arg(self) -> Arg;
}

macro_rules! numeric_args {
    ($($t:ty),*) => {$(
        impl IntoArg for $t {
            #[allow(clippy::cast_precision_loss, clippy::cast_lossless)]
            fn into_arg(self) -> Arg {
                Arg::Num(self as f64)
            }
        }
        impl IntoArg for &$t {
            #[allow(clippy::cast_precision_loss, clippy::cast_lossless)]
            fn into_arg(self) -> Arg {
                Arg::Num(*self as f64)
            }
        }
    )*};
}
numeric_args!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize, f32, f64);

impl IntoArg for &str {
    fn into_arg(self) -> Arg {
        Arg::Str(self.to_owned())
    }
}
impl IntoArg for String {
    fn into_arg(self) -> Arg {
        Arg::Str(self)
    }
}
impl IntoArg for &String {
    fn into_arg(self) -> Arg {
        Arg::Str(self.clone())
    }
}
impl IntoArg for &&str {
    fn into_arg(self) -> Arg {
        Arg::Str((*self).to_owned())
    }
}
impl IntoArg for Cow<'_, str> {
    fn into_arg(self) -> Arg {
        Arg::Str(self.into_owned())
    }
}
impl IntoArg for &Cow<'_, str> {
    fn into_arg(self) -> Arg {
        Arg::Str(self.to_string())
    }
}
impl IntoArg for char {
    fn into_arg(self) -> Arg {
        Arg::Str(self.to_string())
    }
}
impl IntoArg for Arg {
    fn into_arg(self) -> Arg {
        self
    }
}

/// The message `id` in `lang` with `args`.
///
/// Never fails: a message missing in `lang` is taken from English, one
/// missing there too is shown as its id and arguments (the catalogue test
/// keeps both from happening).
pub fn message(lang: Lang, id: &str, args: &[(&str, Arg)]) -> String {
    if let Some(text) = format_in(lang, id, args) {
        return text;
    }
    if lang != Lang::En {
        if let Some(text) = format_in(Lang::En, id, args) {
            return text;
        }
    }
    let mut text = id.to_owned();
    for (name, value) in args {
        let value = match value {
            Arg::Str(s) => s.clone(),
            Arg::Num(n) => n.to_string(),
        };
        text.push_str(&format!(" {name}={value}"));
    }
    text
}

fn format_in(lang: Lang, id: &str, args: &[(&str, Arg)]) -> Option<String> {
    let bundle = bundle(lang);
    let pattern = bundle.get_message(id)?.value()?;
    let mut fluent_args = FluentArgs::with_capacity(args.len());
    for (name, value) in args {
        let value = match value {
            Arg::Str(s) => FluentValue::from(s.as_str()),
            Arg::Num(n) => FluentValue::from(*n),
        };
        fluent_args.set(*name, value);
    }
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
    Some(text.into_owned())
}

fn bundle(lang: Lang) -> &'static FluentBundle<FluentResource> {
    static BUNDLES: [OnceLock<FluentBundle<FluentResource>>; 2] =
        [OnceLock::new(), OnceLock::new()];
    BUNDLES[lang as usize].get_or_init(|| build_bundle(lang))
}

fn build_bundle(lang: Lang) -> FluentBundle<FluentResource> {
    // Both codes are valid language tags; "und" would only lose plural rules.
    let id: unic_langid::LanguageIdentifier = lang.code().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Terminals and logs, not bidirectional text: no isolation marks
    // around arguments.
    bundle.set_use_isolating(false);
    for (_, source) in lang.sources() {
        // A syntax error keeps the rest of the file (the catalogue test
        // refuses one); a repeated id keeps the first.
        let resource = match FluentResource::try_new((*source).to_owned()) {
            Ok(resource) => resource,
            Err((resource, _)) => resource,
        };
        bundle.add_resource_overriding(resource);
    }
    bundle
}

/// The message `id` in the process language: `t!("policy-unknown-key", key = k)`.
/// The id is a literal, so the catalogue test can find every use.
#[macro_export]
macro_rules! t {
    ($id:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::message(
            $crate::lang(),
            $id,
            &[$((stringify!($name), $crate::IntoArg::into_arg($value))),*],
        )
    };
}

/// The message `id` in a given language: `t_in!(lang, "report-title")`.
#[macro_export]
macro_rules! t_in {
    ($lang:expr, $id:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::message(
            $lang,
            $id,
            &[$((stringify!($name), $crate::IntoArg::into_arg($value))),*],
        )
    };
}

mod catalogue {
    macro_rules! files {
        ($lang:literal: $($area:literal),* $(,)?) => {
            &[$(($area, include_str!(concat!("../locales/", $lang, "/", $area, ".ftl")))),*]
        };
    }
    pub const EN: &[(&str, &str)] = files!("en":
        "common", "policy", "guardrail", "cases", "cli", "explain", "test",
        "plan", "status", "daemon", "report", "ha", "nft", "netns", "process",
    );
    pub const JA: &[(&str, &str)] = files!("ja":
        "common", "policy", "guardrail", "cases", "cli", "explain", "test",
        "plan", "status", "daemon", "report", "ha", "nft", "netns", "process",
        // Japanese only: the English of `--help` is the clap derive's doc
        // comments (sanso/src/help.rs).
        "help",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_locale_variable_set_decides() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(Lang::from_locale(env(&[("LANG", "ja_JP.UTF-8")])), Lang::Ja);
        assert_eq!(
            Lang::from_locale(env(&[("LC_ALL", "C"), ("LANG", "ja_JP.UTF-8")])),
            Lang::En
        );
        assert_eq!(
            Lang::from_locale(env(&[("LC_ALL", ""), ("LC_MESSAGES", "ja_JP.UTF-8")])),
            Lang::Ja
        );
        assert_eq!(Lang::from_locale(env(&[])), Lang::En);
    }

    #[test]
    fn languages_parse_from_codes_and_locales() {
        assert_eq!("ja".parse(), Ok(Lang::Ja));
        assert_eq!("ja_JP.UTF-8".parse(), Ok(Lang::Ja));
        assert_eq!("en-US".parse(), Ok(Lang::En));
        assert_eq!("C".parse(), Ok(Lang::En));
        assert!("fr".parse::<Lang>().is_err());
    }

    #[test]
    fn plurals_and_arguments_follow_the_language() {
        let one = t_in!(Lang::En, "common-errors", count = 1);
        let two = t_in!(Lang::En, "common-errors", count = 2);
        assert_eq!(one, "1 error");
        assert_eq!(two, "2 errors");
        assert_eq!(t_in!(Lang::Ja, "common-errors", count = 2), "エラー 2 件");
    }

    #[test]
    fn a_missing_message_shows_its_id_and_arguments() {
        let text = message(Lang::Ja, "no-such-message", &[("x", Arg::Num(3.0))]);
        assert_eq!(text, "no-such-message x=3");
    }
}
