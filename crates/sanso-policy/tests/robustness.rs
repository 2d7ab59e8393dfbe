//! Property tests: no input makes loading or rendering panic, whether it is
//! arbitrary text or a valid policy with random edits.

use ipnet::IpNet;
use proptest::prelude::*;
use sanso_policy::{codes, load_cases, load_policy, Policy};

const COMPLETE: &str = include_str!("fixtures/contract-policy.toml");
const ERRORS: &str = include_str!("fixtures/errors-flows.toml");
const CASES: &str = include_str!("fixtures/contract-cases.toml");

fn policy() -> Policy {
    load_policy("contract-policy.toml", COMPLETE).expect("contract example loads")
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

/// Random small IPv4 networks inside 10.0.0.0/8, so that nesting is common.
fn network() -> impl Strategy<Value = IpNet> {
    (0u32..16, 8u8..=12).prop_map(|(bits, len)| {
        let addr = std::net::Ipv4Addr::from(0x0a00_0000 | (bits << 20));
        IpNet::new(addr.into(), len).expect("valid length").trunc()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// The sorted sweep finds exactly the equal and overlapping pairs that a
    /// naive comparison of every pair finds.
    #[test]
    fn overlap_checks_match_the_naive_pairwise_ones(zones in proptest::collection::vec((proptest::collection::vec(network(), 1..4), any::<bool>()), 1..6)) {
        let mut text = String::from("[policy]\nname = \"p\"\n");
        for (i, (nets, external)) in zones.iter().enumerate() {
            let tier = if *external { "external" } else { "lgwan" };
            let list: Vec<String> = nets.iter().map(|n| format!("\"{n}\"")).collect();
            text += &format!("[zones.z{i}]\ntier = \"{tier}\"\ninterfaces = [\"e{i}\"]\nnetworks = [{}]\n", list.join(", "));
        }
        let all: Vec<(usize, IpNet, bool)> = zones.iter().enumerate().flat_map(|(i, (nets, ext))| nets.iter().map(move |n| (i, *n, !*ext))).collect();
        let (mut same, mut dup, mut overlap) = (0, 0, 0);
        for (j, (zj, nj, ij)) in all.iter().enumerate() {
            for (zi, ni, ii) in &all[..j] {
                if ni == nj {
                    if zi == zj { dup += 1 } else { same += 1 }
                } else if zi != zj && *ii && *ij && (ni.contains(nj) || nj.contains(ni)) {
                    overlap += 1;
                }
            }
        }
        let diags = match sanso_policy::load_policy_with_warnings("p.toml", &text) {
            Ok(l) => l.warnings,
            Err(d) => d,
        };
        let count = |code: &str| diags.items.iter().filter(|d| d.code == code).count();
        // Equal networks are reported once per later copy against the first.
        let copies = |same_zone: bool| {
            let mut n = 0;
            for (j, (zj, nj, _)) in all.iter().enumerate() {
                if let Some((zf, _, _)) = all[..j].iter().find(|(_, ni, _)| ni == nj) {
                    if (zf == zj) == same_zone { n += 1 }
                }
            }
            n
        };
        prop_assert_eq!(count(codes::SAME_NETWORK), copies(false));
        prop_assert_eq!(count(codes::DUPLICATE_ENTRY), copies(true));
        prop_assert!(count(codes::SAME_NETWORK) + count(codes::DUPLICATE_ENTRY) <= same + dup);
        prop_assert_eq!(same + dup > 0, count(codes::SAME_NETWORK) + count(codes::DUPLICATE_ENTRY) > 0);
        prop_assert_eq!(count(codes::INTERNAL_OVERLAP), overlap, "{}", diags.render(false));
    }
}
