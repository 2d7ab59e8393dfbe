//! Writes the seed corpora of the `readback`, `netlink_answers`,
//! `audit_verify` and `compile_nft_check` targets from real output: the
//! bundled example applied into a scratch network namespace and listed by
//! nft, the kernel's answers to sanso's netlink reads there, and a log
//! written by `AuditLog`. Run by hand when the formats change (root):
//!
//!     cargo test -p sanso-fuzz --test capture_seeds -- --ignored
//!
//! then commit `corpus/`. The replay tests check what is there.

use std::path::{Path, PathBuf};
use std::process::Command;

use sanso_daemon::audit::{AuditLog, Entry, EventKind, PolicyRef};
use sanso_netns::netns::{Netns, RunId};
use sanso_nft::netlink::fuzzing::{message, push_attr, record};

fn corpus(target: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    std::fs::create_dir_all(&dir).expect("the corpus directory");
    dir
}

fn write(target: &str, name: &str, bytes: &[u8]) {
    let path = corpus(target).join(name);
    std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    eprintln!("wrote {} ({} bytes)", path.display(), bytes.len());
}

fn run(ns: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new("ip")
        .args(["netns", "exec", ns])
        .args(args)
        .output()
        .expect("ip netns exec");
    assert!(out.status.success(), "{args:?}: {out:?}");
    out.stdout
}

/// `nft -j list table inet sanso` and `nft list table inet sanso`.
fn listings(ns: &str) -> (Vec<u8>, Vec<u8>) {
    (
        run(ns, &["nft", "-j", "list", "table", "inet", "sanso"]),
        run(ns, &["nft", "list", "table", "inet", "sanso"]),
    )
}

/// `JSON \0 TEXT`, the readback target's input.
fn both(json: &[u8], text: &[u8]) -> Vec<u8> {
    let mut out = json.to_vec();
    out.push(0);
    out.extend_from_slice(text);
    out
}

/// Two zones, one host, one logged and rate-limited flow.
const SMALL_POLICY: &str = r#"[policy]
name = "small"
revision = "1"

[zones.lg-office]
tier = "lgwan"
interfaces = ["lg0"]
networks = ["10.20.0.0/16", "fd00:20::/48"]

[zones.lgwan-wan]
tier = "external"
beyond = "lgwan"
interfaces = ["lgwan0"]
networks = ["10.250.0.0/16"]

[hosts.asp]
zone = "lgwan-wan"
addresses = ["10.250.1.10"]

[[flows]]
name = "lgwan-asp"
from = ["lg-office"]
to = ["asp"]
services = ["https"]
reason = "LGWAN-ASP の利用"
log = true
limit = "100/second"
"#;

const NFNL_SUBSYS_CTNETLINK: u16 = 1;
const NFNL_SUBSYS_NFTABLES: u16 = 10;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_DUMP: u16 = 0x300;

#[test]
#[ignore = "writes the seed corpora; run by hand as root"]
fn capture_seeds() {
    if !sanso_testkit::root("applies the example into a scratch network namespace") {
        return;
    }
    let id = RunId::next();
    let ns = Netns::create(&id.namespace_name("seeds")).expect("a scratch namespace");
    let ns = ns.name();
    let policy = sanso_fuzz::example_policy();
    let ruleset = sanso_fuzz::compile(&policy);

    // readback: the two listings nft gives of the live table, of a small
    // policy (the target's reference: cheap to mutate and compare) and of
    // the example.
    let small = match sanso_policy::load_policy_at("small.toml", SMALL_POLICY, sanso_fuzz::NOW) {
        Ok(loaded) => sanso_fuzz::compile(&loaded.value),
        Err(d) => panic!("the small policy does not load:\n{d}"),
    };
    sanso_nft::netlink::apply(&small, Some(ns)).expect("the small policy applies");
    let (json, text) = listings(ns);
    write("readback", "small.listing", &both(&json, &text));
    sanso_nft::netlink::apply(&ruleset, Some(ns)).expect("the example applies");
    let (json, text) = listings(ns);
    write("readback", "example.listing", &both(&json, &text));
    write("readback", "example-text.nft", &text);

    // netlink_answers: the answers to sanso's reads, and refusals.
    let mut seeds: Vec<(&str, Vec<u8>)> = Vec::new();
    let getgen = message(
        NFNL_SUBSYS_NFTABLES,
        16,
        NLM_F_REQUEST | NLM_F_ACK,
        1,
        0,
        &[],
    );
    seeds.push(("getgen", getgen));
    let mut attrs = Vec::new();
    push_attr(&mut attrs, 1, b"sanso\0");
    push_attr(&mut attrs, 3, &1u32.to_be_bytes());
    seeds.push((
        "counters",
        message(
            NFNL_SUBSYS_NFTABLES,
            19,
            NLM_F_REQUEST | NLM_F_DUMP,
            2,
            1,
            &attrs,
        ),
    ));
    let mut attrs = Vec::new();
    push_attr(&mut attrs, 1, b"no-such-table\0");
    seeds.push((
        "missing-table",
        message(
            NFNL_SUBSYS_NFTABLES,
            1,
            NLM_F_REQUEST | NLM_F_ACK,
            3,
            1,
            &attrs,
        ),
    ));
    // The dumps of the read-back after an apply (netlink/table.rs): the
    // table, its chains, the rules of one chain, its sets, the elements
    // of one map (NFT_MSG_GETTABLE, GETCHAIN, GETRULE, GETSET, GETSETELEM).
    let table_attr = |kind: u16| {
        let mut attrs = Vec::new();
        push_attr(&mut attrs, kind, b"sanso\0");
        attrs
    };
    let mut rules = table_attr(1);
    push_attr(&mut rules, 2, b"forward\0");
    let mut elements = table_attr(1);
    push_attr(&mut elements, 2, b"live\0");
    for (name, kind, seq, attrs) in [
        ("dump-tables", 1, 10, Vec::new()),
        ("dump-chains", 4, 11, Vec::new()),
        ("dump-rules-forward", 7, 12, rules),
        ("dump-sets", 10, 13, table_attr(1)),
        ("dump-elements-live", 13, 14, elements),
    ] {
        seeds.push((
            name,
            message(
                NFNL_SUBSYS_NFTABLES,
                kind,
                NLM_F_REQUEST | NLM_F_DUMP,
                seq,
                1,
                &attrs,
            ),
        ));
    }
    // Traffic on the loopback, so that conntrack has entries to dump.
    run(ns, &["ip", "link", "set", "lo", "up"]);
    run(
        ns,
        &["ping", "-c", "2", "-i", "0.2", "-W", "1", "127.0.0.1"],
    );
    run(ns, &["ping", "-c", "2", "-i", "0.2", "-W", "1", "::1"]);
    seeds.push((
        "conntrack",
        message(
            NFNL_SUBSYS_CTNETLINK,
            1,
            NLM_F_REQUEST | NLM_F_DUMP,
            4,
            0,
            &[],
        ),
    ));
    let mut tuple = Vec::new();
    let mut ip = Vec::new();
    push_attr(&mut ip, 1, &[192, 0, 2, 1]);
    push_attr(&mut ip, 2, &[192, 0, 2, 2]);
    push_attr(&mut tuple, 1 | 0x8000, &ip);
    let mut attrs = Vec::new();
    push_attr(&mut attrs, 1 | 0x8000, &tuple);
    seeds.push((
        "conntrack-delete-missing",
        message(
            NFNL_SUBSYS_CTNETLINK,
            2,
            NLM_F_REQUEST | NLM_F_ACK,
            5,
            2,
            &attrs,
        ),
    ));
    for (name, request) in seeds {
        let datagrams = record(Some(ns), &request, 16).expect("the kernel answers");
        assert!(!datagrams.is_empty(), "{name}: no answer");
        for (i, datagram) in datagrams.iter().enumerate() {
            write("netlink", &format!("{name}-{i}.bin"), datagram);
        }
    }

    // audit_verify: a log AuditLog wrote, and its head file.
    let dir = std::env::temp_dir().join(format!("sanso-fuzz-seeds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let path = dir.join("audit.jsonl");
    {
        let mut log = AuditLog::open(&path).expect("a new log");
        for (n, event) in [
            EventKind::Start,
            EventKind::Intent,
            EventKind::Apply,
            EventKind::Drift,
        ]
        .into_iter()
        .enumerate()
        {
            log.append(&Entry {
                event,
                uid: 0,
                policy: Some(PolicyRef {
                    name: "example".into(),
                    revision: Some(format!("r{n}")),
                    content_hash: format!("{:064x}", n + 1),
                }),
                detail: serde_json::json!({ "n": n, "note": "ゾーン \"引用\"" }),
            })
            .expect("an append");
        }
    }
    let log = std::fs::read(&path).expect("the log");
    let head = std::fs::read(sanso_daemon::audit::head_path(&path)).expect("the head file");
    std::fs::remove_dir_all(&dir).expect("the temp dir goes");
    write("audit", "valid.jsonl", &log);
    let mut with_head = log.clone();
    with_head.push(0);
    with_head.extend_from_slice(&head);
    write("audit", "valid-with-head-file", &with_head);
    let mut with_anchor = log;
    with_anchor.push(0);
    with_anchor.extend_from_slice(format!("2:{}", "0".repeat(64)).as_bytes());
    write("audit", "valid-with-other-anchor", &with_anchor);

    // compile_nft_check: flow counts 0, 1, 7, 30, 60 (the draft's first byte
    // picks the count), other seeds and options.
    for (name, bytes) in [
        ("empty", vec![0u8; 10]),
        ("one-flow", vec![1, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0]),
        ("seven-hosts-only", vec![7, 9, 9, 9, 9, 9, 9, 9, 9, 1, 0]),
        ("thirty", vec![30, 42, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        (
            "sixty-after-contracts",
            vec![60, 7, 7, 7, 7, 7, 7, 7, 7, 0, 1],
        ),
    ] {
        write("synth", &format!("{name}.bin"), &bytes);
    }
}
