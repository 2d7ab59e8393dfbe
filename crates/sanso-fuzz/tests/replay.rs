//! The fuzz targets over their corpus (`corpus/`, where a campaign's
//! findings are kept) and over inputs from a seeded generator: every
//! property the targets assert holds in CI, not only under a fuzzer.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sanso_fuzz::{cases_text, policy_grammar, policy_text, Outcome};

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} is empty", dir.display());
    files
        .into_iter()
        .map(|p| {
            let data = std::fs::read(&p).expect("a corpus file");
            (p.display().to_string(), data)
        })
        .collect()
}

#[test]
fn the_policy_corpus_replays() {
    let mut compiled = 0;
    for (name, data) in corpus("policy") {
        if let Outcome::Compiled(_) = policy_text(&data) {
            compiled += 1;
        }
        eprintln!("replayed {name}");
    }
    // The bundled example is in the corpus and compiles.
    assert!(compiled >= 1);
}

#[test]
fn the_cases_corpus_replays() {
    for (_, data) in corpus("cases") {
        cases_text(&data);
    }
}

#[test]
fn a_wildcard_interface_is_refused() {
    let data = corpus("policy")
        .into_iter()
        .find(|(n, _)| n.ends_with("wildcard-interface.toml"))
        .expect("in the corpus")
        .1;
    assert!(matches!(policy_text(&data), Outcome::Refused(_)));
}

/// Random bytes, mutated example text, and the grammar: a few thousand
/// inputs, bounded in count (the machine is shared; a campaign runs under
/// cargo fuzz, see fuzz/README.md).
#[test]
fn generated_inputs_keep_the_properties() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x5a50);
    let example = include_bytes!("../../../config/policy.toml");
    let (mut refused, mut compiled) = (0, 0);
    for round in 0..600 {
        let mut bytes = vec![0u8; 64 + (round % 7) * 64];
        rng.fill_bytes(&mut bytes);
        if let Some((_, outcome)) = policy_grammar(&bytes) {
            match outcome {
                Outcome::Compiled(_) => compiled += 1,
                Outcome::Refused(_) => refused += 1,
                Outcome::NotText => {}
            }
        }
        // The example with a few bytes changed.
        let mut mutated = example.to_vec();
        for _ in 0..1 + round % 4 {
            let at = (rng.next_u32() as usize) % mutated.len();
            mutated[at] = (rng.next_u32() & 0x7f) as u8;
        }
        policy_text(&mutated);
        cases_text(&bytes);
    }
    eprintln!("grammar: {compiled} compiled, {refused} refused");
    // The grammar reaches both sides of `check`.
    assert!(compiled >= 20, "only {compiled} grammar policies compiled");
    assert!(
        refused >= 20,
        "only {refused} grammar policies were refused"
    );
}
