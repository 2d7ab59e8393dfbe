//! The `readback` target: the parser of the live table's listings
//! (`sanso_nft::readback`) on any text.
//!
//! Input: `JSON \0 TEXT`, the output of `nft -j list table inet sanso` and
//! of `nft list table inet sanso` (without a NUL byte, the whole input is
//! both). It is read as sanso reads a live table: from the JSON when it
//! parses, otherwise from the per-kind listings (here: none) and the text.

use std::sync::OnceLock;

use sanso_nft::readback::{self, LiveTable, ReadbackError};
use serde_json::Value;

/// The real listing of a small policy in the corpus (`small.listing`): the
/// table every input is compared with.
pub const REFERENCE_LISTING: &[u8] = include_bytes!("../corpus/readback/small.listing");

/// The two listings of an input.
pub fn split(data: &[u8]) -> Option<(&str, &str)> {
    let text = std::str::from_utf8(data).ok()?;
    Some(text.split_once('\0').unwrap_or((text, text)))
}

/// Reads `data` as a live table. Panics when a property breaks:
/// a table read in full is its own image (no difference from itself), and
/// compares with the reference table both ways without panicking.
pub fn readback(data: &[u8]) -> Option<LiveTable> {
    let (json, text) = split(data)?;
    let table = read(json, text).ok()?;
    check_self_image(&table);
    let reference = reference_table();
    for d in [
        readback::diff(reference, &table),
        readback::diff(&table, reference),
    ] {
        let _ = d.to_string();
    }
    // The plain listing alone (as when every JSON listing failed).
    if let Ok(plain) = readback::from_listing(&Value::Null, text) {
        check_self_image(&plain);
    }
    Some(table)
}

/// Reads `json` and `text` as [`sanso_nft::readback::live_table`] does, with
/// no further listings to fall back on.
pub fn read(json: &str, text: &str) -> Result<LiveTable, ReadbackError> {
    let chains = serde_json::from_str(json).unwrap_or(Value::Null);
    readback::read_present(json, text, &chains, |_| Ok(Value::Null))
}

/// A table read in full shows no difference from itself, also without
/// its isolation elements.
pub fn check_self_image(table: &LiveTable) {
    if table.incomplete.is_some() {
        return;
    }
    let same = readback::diff(table, table);
    assert!(
        same.is_empty() && same.text_diff.is_empty(),
        "a table differs from itself: {same}{}",
        same.text_diff
    );
    let same = readback::diff_ignoring_isolation(table, table);
    assert!(same.is_empty(), "a table differs from itself: {same}");
}

/// The small policy's live table, read from the corpus.
pub fn reference_table() -> &'static LiveTable {
    static TABLE: OnceLock<LiveTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let (json, text) = split(REFERENCE_LISTING).expect("the small listing is text");
        read(json, text).expect("the small listing reads")
    })
}
