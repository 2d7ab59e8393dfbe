//! The `audit_verify` target: `sanso audit verify` (the chain check of
//! `sanso_daemon::audit`) on any bytes as the log and as the head.
//!
//! Input: `LOG \0 HEAD` (without a NUL byte, all of it is the log and there
//! is no head). HEAD is read both as a head file and as `--head` text. The
//! first bytes also name one byte of a valid log (`corpus/audit/valid.jsonl`)
//! to change: the change must be reported.

use std::io::BufReader;

use sanso_daemon::audit::{self, Anchor, Head, HeadCheck};

/// A valid log of a few records (written by `AuditLog::append`).
pub const VALID_LOG: &[u8] = include_bytes!("../corpus/audit/valid.jsonl");

/// What a log and head came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// `Ok(records)` or `Err(line of the break)`.
    pub chain: Result<usize, usize>,
    pub checks: Vec<HeadCheck>,
}

/// Verifies `data` as a log (and head) and checks that a one-byte change
/// of [`VALID_LOG`] is reported. Panics when a property breaks.
pub fn audit_verify(data: &[u8]) -> Verdict {
    let verdict = verify(data);
    one_changed_byte(data);
    verdict
}

/// `sanso audit verify` on `LOG \0 HEAD`.
pub fn verify(data: &[u8]) -> Verdict {
    let (log, head) = match data.iter().position(|b| *b == 0) {
        Some(at) => (&data[..at], Some(&data[at + 1..])),
        None => (data, None),
    };
    let mut anchors = Vec::new();
    if let Some(head) = head {
        if let Ok(kept) = audit::parse_head(head.to_vec()) {
            anchors.push(Anchor::from(kept));
        }
        if let Ok(given) = String::from_utf8_lossy(head).parse::<Anchor>() {
            let again: Anchor = given.to_string().parse().expect("an anchor reads back");
            assert_eq!(again, given);
            anchors.push(given);
        }
    }
    let (chain, checks) =
        audit::check_chain_against(BufReader::new(log), &anchors).expect("a slice reads");
    let lines = log.split_inclusive(|b| *b == b'\n').count();
    let chain = match chain {
        Ok(verified) => {
            assert_eq!(verified.records, lines, "every line is a record");
            assert_eq!(checks.len(), anchors.len());
            let found = Head {
                count: verified.records as u64,
                hash: verified.head,
            };
            for (check, anchor) in checks.iter().zip(&anchors) {
                assert!(!check.explain(anchor, &found).is_empty());
            }
            Ok(verified.records)
        }
        Err(broken) => {
            assert!(broken.line >= 1 && broken.line <= lines, "{broken:?}");
            assert!(!broken.to_string().is_empty());
            assert!(checks.is_empty());
            Err(broken.line)
        }
    };
    Verdict { chain, checks }
}

/// Changes the byte of [`VALID_LOG`] that `data`'s first four bytes name
/// (XOR with the fifth, or 1): the chain check must fail.
pub fn one_changed_byte(data: &[u8]) {
    let Some(at) = data.get(..4) else {
        return;
    };
    let at = u32::from_le_bytes([at[0], at[1], at[2], at[3]]) as usize % VALID_LOG.len();
    let flip = data.get(4).copied().filter(|b| *b != 0).unwrap_or(1);
    let mut log = VALID_LOG.to_vec();
    log[at] ^= flip;
    let (chain, _) =
        audit::check_chain_against(BufReader::new(&log[..]), &[]).expect("a slice reads");
    assert!(
        chain.is_err(),
        "byte {at} of the valid log changed (^{flip:#04x}) and the chain still verifies"
    );
}
