//! The announcement each daemon sends its peer over the sync link: which
//! policy it has applied and its HA role, as one UDP datagram
//!
//! ```text
//! <JSON of Announcement>\n<hex HMAC-SHA256 of the JSON under the shared key>
//! ```
//!
//! A datagram whose MAC does not verify, that is older than
//! [`MAX_AGE_SECS`] or from the future by as much, or not newer than the
//! last one accepted from that node (`seq` within one `boot`), is dropped.

use sanso_i18n::t;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The largest datagram accepted.
pub const MAX_DATAGRAM: usize = 4096;
/// How old (or how far ahead of this clock) an announcement may be.
pub const MAX_AGE_SECS: i64 = 60;
/// The shortest key accepted.
pub const MIN_KEY_BYTES: usize = 16;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announcement {
    /// The sending node.
    pub node: String,
    /// A random number per daemon start; `seq` counts within it.
    pub boot: u64,
    pub seq: u64,
    /// Unix seconds when sent.
    pub sent_at: i64,
    /// `master`, `backup`, `fault`, `stop` or `unknown` (keepalived's last notify).
    pub role: String,
    /// The applied policy, `None` before the first apply.
    pub revision: Option<String>,
    pub content_hash: Option<String>,
}

/// Why a datagram was dropped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("{}", t!("ha-refused-malformed"))]
    Malformed,
    #[error("{}", t!("ha-refused-bad-mac"))]
    BadMac,
    #[error("{}", t!("ha-refused-stale", seconds = *.0, max = MAX_AGE_SECS))]
    Stale(i64),
}

const BLOCK: usize = 64;

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares without an early exit.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The datagram for `announcement`.
pub fn seal(announcement: &Announcement, key: &[u8]) -> Vec<u8> {
    let json = serde_json::to_string(announcement).unwrap_or_default();
    let mac = hex(&hmac_sha256(key, json.as_bytes()));
    format!("{json}\n{mac}").into_bytes()
}

/// The announcement in `datagram`, if its MAC verifies under `key` and it
/// was sent within [`MAX_AGE_SECS`] of `now` (Unix seconds).
pub fn open(datagram: &[u8], key: &[u8], now: i64) -> Result<Announcement, Refused> {
    let text = std::str::from_utf8(datagram).map_err(|_| Refused::Malformed)?;
    let (json, mac) = text.rsplit_once('\n').ok_or(Refused::Malformed)?;
    let expected = hex(&hmac_sha256(key, json.as_bytes()));
    if !same(expected.as_bytes(), mac.trim().as_bytes()) {
        return Err(Refused::BadMac);
    }
    let announcement: Announcement = serde_json::from_str(json).map_err(|_| Refused::Malformed)?;
    let age = now - announcement.sent_at;
    if age.abs() > MAX_AGE_SECS {
        return Err(Refused::Stale(-age));
    }
    Ok(announcement)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // A key longer than a block is hashed first (RFC 4231 case 6).
        let mac = hmac_sha256(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First",
        );
        assert_eq!(
            hex(&mac),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    fn sample() -> Announcement {
        Announcement {
            node: "gw-a".into(),
            boot: 7,
            seq: 1,
            sent_at: 1_000,
            role: "master".into(),
            revision: Some("3".into()),
            content_hash: Some("ab".into()),
        }
    }

    #[test]
    fn sealed_announcements_open_under_the_same_key_only() {
        let d = seal(&sample(), b"0123456789abcdef");
        assert_eq!(open(&d, b"0123456789abcdef", 1_010), Ok(sample()));
        assert_eq!(open(&d, b"another key here", 1_010), Err(Refused::BadMac));
        assert_eq!(
            open(&d, b"0123456789abcdef", 1_100),
            Err(Refused::Stale(-100))
        );
        let mut altered = d.clone();
        altered[10] ^= 1;
        assert_eq!(
            open(&altered, b"0123456789abcdef", 1_010),
            Err(Refused::BadMac)
        );
        assert_eq!(open(b"junk", b"k", 0), Err(Refused::Malformed));
    }
}
