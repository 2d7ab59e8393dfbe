//! The fuzz targets over their corpus (`corpus/`, where a campaign's
//! findings are kept) and over inputs from a seeded generator: every
//! property the targets assert holds in CI, not only under a fuzzer.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sanso_fuzz::audit::{self, VALID_LOG};
use sanso_fuzz::synth::KernelVerdict;
use sanso_fuzz::{
    audit_verify, cases_text, compile_nft_check, netlink_answers, policy_grammar, policy_text,
    readback, Outcome,
};
use sanso_nft::readback::TablePresence;

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

fn named<'a>(files: &'a [(String, Vec<u8>)], name: &str) -> &'a [u8] {
    &files
        .iter()
        .find(|(n, _)| n.ends_with(name))
        .unwrap_or_else(|| panic!("{name} is in the corpus"))
        .1
}

/// A few bytes of `data` replaced, lines dropped or repeated.
fn mutate(rng: &mut ChaCha8Rng, data: &[u8], round: usize) -> Vec<u8> {
    let mut out = data.to_vec();
    if out.is_empty() {
        return out;
    }
    match round % 3 {
        0 => {
            for _ in 0..1 + round % 5 {
                let at = rng.next_u32() as usize % out.len();
                out[at] = rng.next_u32() as u8;
            }
        }
        1 => {
            let lines: Vec<&[u8]> = data.split_inclusive(|b| *b == b'\n').collect();
            let skip = rng.next_u32() as usize % lines.len();
            out = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .flat_map(|(_, l)| l.iter().copied())
                .collect();
        }
        _ => {
            let at = rng.next_u32() as usize % out.len();
            let len = (rng.next_u32() as usize % 64).min(out.len() - at);
            let piece = out[at..at + len].to_vec();
            let to = rng.next_u32() as usize % out.len();
            out.splice(to..to, piece);
        }
    }
    out
}

/// The real listings of the example read back in full, as their own image
/// (no difference from themselves: `readback` asserts it).
#[test]
fn the_readback_corpus_replays() {
    let files = corpus("readback");
    for (name, data) in &files {
        readback(data).unwrap_or_else(|| panic!("{name} does not read"));
    }
    // The plain listing alone names what no JSON listing held.
    let text_only = readback(named(&files, "example-text.nft")).expect("reads");
    assert!(text_only.incomplete.is_some());
    let small = readback(named(&files, "small.listing")).expect("reads");
    assert!(small.incomplete.is_none(), "{:?}", small.incomplete);
    assert_eq!(
        &small,
        sanso_fuzz::readback::reference_table(),
        "the reference is the small listing"
    );
    let table = readback(named(&files, "example.listing")).expect("reads");
    assert_eq!(table.presence, TablePresence::Present);
    assert!(table.incomplete.is_none(), "{:?}", table.incomplete);
    assert!(table.comment.is_some());
    assert!(table.chains.len() >= 3, "{:?}", table.chains.keys());
    assert!(table.chains.values().any(|c| !c.rules.is_empty()));
    assert!(!table.objects.is_empty() && !table.sets.is_empty());
}

#[test]
fn mutated_listings_keep_the_properties() {
    let files = corpus("readback");
    let text = named(&files, "example-text.nft").to_vec();
    let both = named(&files, "example.listing").to_vec();
    let mut rng = ChaCha8Rng::seed_from_u64(0x7265_6164);
    let mut read = 0;
    for round in 0..90 {
        let seed = if round % 6 == 0 { &both } else { &text };
        read += usize::from(readback(&mutate(&mut rng, seed, round)).is_some());
    }
    assert!(read >= 45, "only {read} mutated listings read");
}

/// The kernel's real answers read as what they are.
#[test]
fn the_netlink_corpus_replays() {
    let files = corpus("netlink");
    for (_, data) in &files {
        netlink_answers(data);
    }
    let read = |name| netlink_answers(named(&files, name));
    assert_eq!(read("getgen-0.bin").generations, 1);
    assert_eq!(read("getgen-1.bin").answers, 1);
    assert!(read("counters-0.bin").counters >= 5);
    assert_eq!(read("conntrack-0.bin").conntrack_entries, 2);
    // The read-back's dumps: each first datagram holds things its readers find.
    for dump in [
        "dump-tables-0.bin",
        "dump-chains-0.bin",
        "dump-rules-forward-0.bin",
        "dump-sets-0.bin",
        "dump-elements-live-0.bin",
    ] {
        assert!(read(dump).table_objects > 0, "{dump}");
    }
    let refused = sanso_nft::netlink::fuzzing::answers(named(&files, "missing-table-0.bin"));
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].errno, libc_enoent());
    let acked = sanso_nft::netlink::fuzzing::answers(named(&files, "getgen-1.bin"));
    assert_eq!(acked[0].errno, 0);
}

/// ENOENT on Linux.
fn libc_enoent() -> i32 {
    2
}

/// An `NLMSG_ERROR` whose errno field is i32::MIN: negating it overflowed
/// (a panic in debug builds; the `netlink_answers` target found it in 2 s,
/// `found-errno-negate-overflow.bin`); it is an error, never an ACK.
#[test]
fn an_errno_of_i32_min_is_an_error() {
    netlink_answers(named(&corpus("netlink"), "found-errno-negate-overflow.bin"));
    let data = named(&corpus("netlink"), "errno-i32-min.bin").to_vec();
    let answers = sanso_nft::netlink::fuzzing::answers(&data);
    assert_eq!(answers.len(), 1);
    assert_ne!(answers[0].errno, 0);
    let (_, body) = sanso_nft::netlink::fuzzing::messages(&data)[0];
    assert_ne!(sanso_nft::netlink::fuzzing::error_of(body), 0);
}

#[test]
fn generated_datagrams_keep_the_properties() {
    let files = corpus("netlink");
    let mut rng = ChaCha8Rng::seed_from_u64(0x6e6c);
    for round in 0..3_000 {
        let (_, seed) = &files[round % files.len()];
        netlink_answers(&mutate(&mut rng, seed, round));
        let mut bytes = vec![0u8; round % 300];
        rng.fill_bytes(&mut bytes);
        netlink_answers(&bytes);
    }
}

#[test]
fn the_audit_corpus_replays() {
    let files = corpus("audit");
    for (_, data) in &files {
        audit_verify(data);
    }
    assert_eq!(audit::verify(VALID_LOG).chain, Ok(4));
    let with_head = audit::verify(named(&files, "valid-with-head-file"));
    assert_eq!(with_head.chain, Ok(4));
    assert_eq!(
        with_head.checks,
        [sanso_daemon::audit::HeadCheck::Matches],
        "the head file AuditLog wrote matches"
    );
    let other = audit::verify(named(&files, "valid-with-other-anchor"));
    assert_eq!(other.checks, [sanso_daemon::audit::HeadCheck::Differs]);
}

/// Every byte of the valid log, changed three ways: always reported.
#[test]
fn every_changed_byte_of_a_valid_log_is_reported() {
    for at in 0..VALID_LOG.len() as u32 {
        for flip in [0x01u8, 0x20, 0x80] {
            let mut data = at.to_le_bytes().to_vec();
            data.push(flip);
            audit::one_changed_byte(&data);
        }
    }
}

#[test]
fn generated_logs_keep_the_properties() {
    let files = corpus("audit");
    let mut rng = ChaCha8Rng::seed_from_u64(0x6175);
    for round in 0..600 {
        let (_, seed) = &files[round % files.len()];
        audit_verify(&mutate(&mut rng, seed, round));
    }
}

/// Generated policies load and compile (the kernel check is in
/// tests/kernel_accepts.rs).
#[test]
fn the_synth_corpus_and_generated_drafts_compile() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x7379);
    let mut inputs: Vec<Vec<u8>> = corpus("synth").into_iter().map(|(_, d)| d).collect();
    for _ in 0..12 {
        let mut bytes = vec![0u8; 12];
        rng.fill_bytes(&mut bytes);
        inputs.push(bytes);
    }
    for data in inputs {
        let (_, text, verdict) = compile_nft_check(&data, None).expect("a draft");
        assert!(text.contains("[[flows]]") || data[0] % 61 == 0);
        assert_eq!(verdict, KernelVerdict::NotAsked);
    }
}
