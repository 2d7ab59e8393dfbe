//! Property tests: no input makes loading or rendering panic, whether it is
//! arbitrary text or a valid policy with random edits.

use proptest::prelude::*;
use sanso_policy::{load_cases, load_policy, Policy};

const COMPLETE: &str = include_str!("fixtures/contract-complete.toml");
const ERRORS: &str = include_str!("fixtures/errors-flows.toml");
const CASES: &str = include_str!("fixtures/contract-cases.toml");

fn policy() -> Policy {
    load_policy("contract-complete.toml", COMPLETE).expect("contract example loads")
}

/// Loads, and renders whatever comes back, both ways.
fn exercise(text: &str) {
    match load_policy("p.toml", text) {
        Ok(p) => {
            assert_eq!(p.content_hash.len(), 64);
        }
        Err(d) => {
            assert!(d.has_errors());
            let plain = d.render(false);
            assert!(plain.contains("error["));
            let _ = d.render(true);
        }
    }
}

/// An edit to apply to a valid text.
#[derive(Clone, Debug)]
enum Edit {
    Delete { at: usize, len: usize },
    Insert { at: usize, text: String },
    DuplicateLine { line: usize },
    ReplaceNumber { nth: usize, with: String },
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut s = text.to_owned();
    for e in edits {
        let clamp = |s: &str, at: usize| {
            let mut at = at % (s.len() + 1);
            while !s.is_char_boundary(at) {
                at -= 1;
            }
            at
        };
        match e {
            Edit::Delete { at, len } => {
                let a = clamp(&s, *at);
                let b = clamp(&s, (a + len).min(s.len()));
                s.replace_range(a..b.max(a), "");
            }
            Edit::Insert { at, text } => {
                let a = clamp(&s, *at);
                s.insert_str(a, text);
            }
            Edit::DuplicateLine { line } => {
                let lines: Vec<&str> = s.lines().collect();
                if !lines.is_empty() {
                    let l = lines[line % lines.len()].to_owned();
                    s = format!("{s}\n{l}\n");
                }
            }
            Edit::ReplaceNumber { nth, with } => {
                let digits: Vec<usize> = s
                    .char_indices()
                    .filter(|(_, c)| c.is_ascii_digit())
                    .map(|(i, _)| i)
                    .collect();
                if !digits.is_empty() {
                    let i = digits[nth % digits.len()];
                    s.replace_range(i..i + 1, with);
                }
            }
        }
    }
    s
}

fn edit() -> impl Strategy<Value = Edit> {
    let snippet = prop_oneof![
        Just("\"".to_owned()),
        Just("[".to_owned()),
        Just("]\n".to_owned()),
        Just("\n[[flows]]\nname = \"x\"\n".to_owned()),
        Just("self".to_owned()),
        Just("/0".to_owned()),
        Just("99999999999999999999999".to_owned()),
        Just("名前".to_owned()),
        Just("0.0.0.0/0".to_owned()),
        ".{0,12}",
    ];
    prop_oneof![
        (any::<usize>(), 0usize..40).prop_map(|(at, len)| Edit::Delete { at, len }),
        (any::<usize>(), snippet).prop_map(|(at, text)| Edit::Insert { at, text }),
        any::<usize>().prop_map(|line| Edit::DuplicateLine { line }),
        (
            any::<usize>(),
            prop_oneof![
                Just("0".to_owned()),
                Just("99999".to_owned()),
                Just("-1".to_owned()),
                "[0-9]{1,25}"
            ]
        )
            .prop_map(|(nth, with)| Edit::ReplaceNumber { nth, with }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        exercise(&text);
    }

    #[test]
    fn toml_ish_text_never_panics(text in "(\\[\\[?[a-z.]{0,12}\\]\\]?\n|[a-z_]{1,10} = (\"[^\"\n]{0,20}\"|[0-9]{1,22}|\\[\"[^\"\n]{0,15}\"\\]|true|\\{ [a-z_]{1,8} = \"x\" \\})\n){0,20}") {
        exercise(&text);
    }

    #[test]
    fn mutated_valid_policies_never_panic(edits in proptest::collection::vec(edit(), 1..6)) {
        exercise(&apply(COMPLETE, &edits));
        exercise(&apply(ERRORS, &edits));
    }

    #[test]
    fn mutated_cases_never_panic(edits in proptest::collection::vec(edit(), 1..6)) {
        let p = policy();
        let text = apply(CASES, &edits);
        if let Err(d) = load_cases("c.toml", &text, &p) {
            let _ = d.render(false);
        }
    }
}
