//! 全角 (full-width) look-alikes of ASCII, as a Japanese input method types
//! them when it is left in full-width mode: `１０．２０．０．０／１６`,
//! `ｅｔｈ０`, `ＨＴＴＰＳ`, the ideographic space U+3000 (全角スペース).
//! They look like the ASCII the format means but are other characters, so
//! the loader refuses them where a name, address or keyword is expected,
//! and says what the value reads as in 半角 (half-width).
//!
//! The folding is an explicit map, not Unicode normalization: U+FF01..=U+FF5E
//! are the full-width forms of ASCII `!`..=`~` (each 0xFEE0 above it) and
//! U+3000 is the full-width space. On these characters that is exactly what
//! NFKC does; NFKC would also rewrite characters that are no width variant
//! of ASCII (`①` to `1`, `㈱` to `(株)`, half-width katakana `ｶ` to `カ`),
//! which are legitimate in Japanese names and have no 半角 form to suggest.
//! Japanese text (kana, kanji, `ー`) is never touched.
//!
//! Did-you-mean suggestions compare names in [`loose`] form (folded and
//! lowercase), so `HTTPS`, `ｈｔｔｐｓ` and `LGWAN` find `https` and `lgwan`.

use std::borrow::Cow;

use sanso_i18n::t;

/// The ideographic space (全角スペース).
const IDEOGRAPHIC_SPACE: char = '\u{3000}';

/// The 半角 form of a 全角 character: U+FF01..=U+FF5E are ASCII's `!`..=`~`
/// shifted by 0xFEE0, and U+3000 is the space. `None` for every other
/// character.
pub fn half_width(c: char) -> Option<char> {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0),
        IDEOGRAPHIC_SPACE => Some(' '),
        _ => None,
    }
}

/// Whether `text` holds a 全角 look-alike of ASCII.
pub fn has_full_width(text: &str) -> bool {
    text.chars().any(|c| half_width(c).is_some())
}

/// `text` with every 全角 look-alike of ASCII replaced by its 半角 form.
pub fn fold_width(text: &str) -> Cow<'_, str> {
    if has_full_width(text) {
        Cow::Owned(text.chars().map(|c| half_width(c).unwrap_or(c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// The form in which did-you-mean compares names: 半角 and lowercase.
pub(crate) fn loose(text: &str) -> String {
    fold_width(text).to_lowercase()
}

/// The distinct 全角 characters of `text` as notes list them, in order:
/// `ｌ ｇ －`, the ideographic space as `U+3000 (全角スペース)`.
pub(crate) fn listed(text: &str) -> String {
    let mut seen: Vec<char> = Vec::new();
    for c in text.chars().filter(|&c| half_width(c).is_some()) {
        if !seen.contains(&c) {
            seen.push(c);
        }
    }
    let shown: Vec<String> = seen
        .iter()
        .map(|&c| match c {
            IDEOGRAPHIC_SPACE => "U+3000 (全角スペース)".to_owned(),
            c => c.to_string(),
        })
        .collect();
    shown.join(" ")
}

/// A note for a value written with 全角 characters; `None` when it holds
/// none. When `valid` accepts the 半角 form, the note suggests it;
/// otherwise it says what the value reads as in 半角.
pub(crate) fn width_note(written: &str, valid: impl FnOnce(&str) -> bool) -> Option<String> {
    if !has_full_width(written) {
        return None;
    }
    let folded = fold_width(written);
    let chars = listed(written);
    Some(if valid(&folded) {
        t!("policy-did-you-mean-width", best = &folded, chars = chars)
    } else {
        t!(
            "policy-width-reads-invalid",
            folded = &folded,
            chars = chars
        )
    })
}

/// "did you mean `best`?" for a near miss of `written`, saying so when the
/// two differ in width (全角 characters) or in case.
pub(crate) fn did_you_mean(written: &str, best: &str) -> String {
    let folded = fold_width(written);
    let case = folded != best && folded.to_lowercase() == best.to_lowercase();
    match (has_full_width(written), case) {
        (true, false) => t!(
            "policy-did-you-mean-width",
            best = best,
            chars = listed(written)
        ),
        (true, true) => t!(
            "policy-did-you-mean-width-case",
            best = best,
            chars = listed(written)
        ),
        (false, true) => t!("policy-did-you-mean-case", best = best),
        (false, false) => t!("policy-did-you-mean", best = best),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_full_width_block_folds_onto_ascii_and_nothing_else_moves() {
        assert_eq!(half_width('！'), Some('!'));
        assert_eq!(half_width('～'), Some('~'));
        assert_eq!(half_width('\u{3000}'), Some(' '));
        // Every printable ASCII character has its 全角 form, and back.
        for ascii in '!'..='~' {
            let wide = char::from_u32(u32::from(ascii) + 0xFEE0).expect("in range");
            assert_eq!(half_width(wide), Some(ascii));
        }
        // Japanese text, half-width katakana, circled digits, the prolonged
        // sound mark and the ideographic full stop are not ASCII look-alikes.
        for c in [
            '市', 'あ', 'ア', 'ｶ', '①', 'ー', '。', '\u{FF5F}', '\u{FF00}', 'a',
        ] {
            assert_eq!(half_width(c), None, "{c}");
        }
        assert_eq!(fold_width("１０．２０．０．０／１６"), "10.20.0.0/16");
        assert_eq!(fold_width("第１庁舎"), "第1庁舎");
        assert!(matches!(fold_width("市役所"), Cow::Borrowed(_)));
        assert_eq!(loose("ＨＴＴＰＳ"), "https");
    }

    #[test]
    fn notes_name_the_full_width_characters() {
        assert_eq!(
            width_note("ｅｔｈ０", |_| true).as_deref(),
            Some("did you mean `eth0`? (全角 characters: ｅ ｔ ｈ ０; write them 半角)")
        );
        assert_eq!(
            width_note("lg\u{3000}office", |_| false).as_deref(),
            Some("全角 characters: U+3000 (全角スペース); in 半角 it reads `lg office`, which is not valid either")
        );
        assert_eq!(width_note("eth0", |_| true), None);
        assert_eq!(did_you_mean("lgwna", "lgwan"), "did you mean `lgwan`?");
        assert_eq!(
            did_you_mean("LGWAN", "lgwan"),
            "did you mean `lgwan`? (names are case-sensitive)"
        );
        assert_eq!(
            did_you_mean("ｈｔｔｐｓ", "https"),
            "did you mean `https`? (全角 characters: ｈ ｔ ｐ ｓ; write them 半角)"
        );
        assert_eq!(
            did_you_mean("ＨＴＴＰＳ", "https"),
            "did you mean `https`? (全角 characters: Ｈ Ｔ Ｐ Ｓ; write them 半角, and names are case-sensitive)"
        );
    }
}
