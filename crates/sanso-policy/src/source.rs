//! Reading a policy or cases file: the one place sanso-policy touches the
//! file system, shared by the CLI and the daemon.
//!
//! [`read_source`] reads only regular files (symbolic links are followed,
//! as config management installs them), at most [`MAX_SOURCE_BYTES`], and
//! only UTF-8. It never blocks on what is not a regular file: the path is
//! looked at before it is opened (so a device is never opened at all), the
//! open is non-blocking (so a FIFO swapped in meanwhile does not wait for a
//! writer), and the open file is checked again before anything is read.
//! Parsing and validation stay pure: they take the text.
//!
//! A file in another encoding is refused with what it looks like and how
//! to convert it: UTF-16 (with or without a byte order mark; an ASCII-only
//! UTF-16 file is valid UTF-8 full of NUL bytes, so it is recognised by
//! where its zero bytes are), Shift_JIS as Windows writes it (CP932) or
//! EUC-JP, located at the first byte that is not UTF-8. A UTF-8 byte order
//! mark, which Windows editors may write, is kept: the TOML parser skips
//! it, and the text stays the file's bytes (its hash is the file's).

// The one reader of policy and cases files: the documented exception to
// the pure core (ARCHITECTURE.md), so the purity lint is allowed here only.
#![allow(clippy::disallowed_methods)]

use std::fmt;
use std::fs::{File, FileType, Metadata};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use sanso_i18n::t;

/// The largest policy or cases file read: 64 MiB. The largest synthetic
/// policy of the benchmarks (100,000 flows) is about 20 MB.
pub const MAX_SOURCE_BYTES: u64 = 64 * 1024 * 1024;

/// Why a policy or cases file was not read. Each message names the file.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    NotRegular {
        path: PathBuf,
        kind: FileKind,
    },
    TooLarge {
        path: PathBuf,
        /// Its size in bytes (for a file that grew while it was read, the
        /// bytes read before stopping).
        size: u64,
        at_least: bool,
    },
    NotUtf8 {
        path: PathBuf,
        /// 1-based line of the first invalid byte.
        line: usize,
        /// 1-based byte of that line.
        column: usize,
        /// 0-based byte offset in the file: of the first byte that is not
        /// UTF-8, or, for Shift_JIS or EUC-JP, of the first byte of the
        /// non-ASCII text holding it (whose first bytes may be valid UTF-8).
        offset: usize,
        /// The bytes from there to the first that is not UTF-8 (at most 4).
        bytes: Vec<u8>,
        /// What the file (or, when `utf8_before`, that line) looks like.
        encoding: Encoding,
        /// The bytes before it hold UTF-8 beyond ASCII: only part of the
        /// file is in another encoding (text pasted from another file).
        utf8_before: bool,
    },
    Utf16 {
        path: PathBuf,
        order: ByteOrder,
        /// The file starts with a byte order mark.
        bom: bool,
    },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&match self {
            ReadError::Io { path, .. } => t!("policy-read-io", path = path.display().to_string()),
            ReadError::NotRegular { path, kind } => t!(
                "policy-read-not-regular",
                path = path.display().to_string(),
                kind = kind.to_string()
            ),
            ReadError::TooLarge {
                path,
                size,
                at_least,
            } => t!(
                "policy-read-too-large",
                path = path.display().to_string(),
                size = size_text(*size, *at_least),
                limit = (MAX_SOURCE_BYTES / (1024 * 1024)).to_string()
            ),
            ReadError::NotUtf8 {
                path,
                line,
                column,
                offset,
                bytes,
                encoding,
                utf8_before,
            } => t!(
                "policy-read-not-utf8",
                path = path.display().to_string(),
                line = line.to_string(),
                column = column.to_string(),
                bytes = hex(bytes),
                offset = offset.to_string(),
                hint = not_utf8_hint(path, *encoding, *utf8_before)
            ),
            ReadError::Utf16 { path, order, bom } => t!(
                "policy-read-utf16",
                path = path.display().to_string(),
                form = utf16_form(*order, *bom),
                hint = utf16_hint(path, *order, *bom)
            ),
        })
    }
}

/// What a file that is not UTF-8 looks like, judged from its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// Shift_JIS as Windows writes it (CP932, Windows-31J): what Japanese
    /// Windows editors save by default.
    ShiftJis,
    /// EUC-JP, as older Unix systems write Japanese text.
    EucJp,
    /// Neither.
    Unknown,
}

/// The byte order of a UTF-16 file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteOrder {
    Little,
    Big,
}

impl ReadError {
    /// There is no file at the path (a missing file is not an error for the
    /// daemon's file watch: a rename may be in progress).
    pub fn is_missing(&self) -> bool {
        matches!(self, ReadError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }
}

/// What a path names when it is not a regular file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Directory,
    Fifo,
    CharDevice,
    BlockDevice,
    Socket,
    Other,
}

impl FileKind {
    /// `None` for a regular file.
    fn of(file_type: FileType) -> Option<FileKind> {
        if file_type.is_file() {
            None
        } else if file_type.is_dir() {
            Some(FileKind::Directory)
        } else if file_type.is_fifo() {
            Some(FileKind::Fifo)
        } else if file_type.is_char_device() {
            Some(FileKind::CharDevice)
        } else if file_type.is_block_device() {
            Some(FileKind::BlockDevice)
        } else if file_type.is_socket() {
            Some(FileKind::Socket)
        } else {
            Some(FileKind::Other)
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            FileKind::Directory => "directory",
            FileKind::Fifo => "fifo",
            FileKind::CharDevice => "char-device",
            FileKind::BlockDevice => "block-device",
            FileKind::Socket => "socket",
            FileKind::Other => "other",
        };
        f.write_str(&t!("policy-file-kind", kind = kind))
    }
}

/// Which file was read: device, inode and, where the file system records
/// it, the birth time (an inode number can be reused at once by a file
/// removed and created again, as GNU `install` does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileIdentity {
    pub dev: u64,
    pub ino: u64,
    pub born: Option<SystemTime>,
}

impl FileIdentity {
    fn of(metadata: &Metadata) -> FileIdentity {
        FileIdentity {
            dev: metadata.dev(),
            ino: metadata.ino(),
            born: metadata.created().ok(),
        }
    }
}

/// A source file as read: its text and which file it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    pub text: String,
    pub identity: FileIdentity,
}

/// Reads a policy or cases file: a regular file (symbolic links followed)
/// of at most [`MAX_SOURCE_BYTES`], in UTF-8. Never blocks on a FIFO or a
/// device.
pub fn read_source(path: &Path) -> Result<String, ReadError> {
    read_source_file(path).map(|file| file.text)
}

/// [`read_source`], also saying which file was read (identified on the
/// open file, so text and identity belong together).
pub fn read_source_file(path: &Path) -> Result<SourceFile, ReadError> {
    let (mut file, metadata) = open_regular(path, MAX_SOURCE_BYTES)?;
    let bytes = read_capped(path, &mut file, metadata.len())?;
    let text = decode(path, bytes)?;
    Ok(SourceFile {
        text,
        identity: FileIdentity::of(&metadata),
    })
}

/// Opens `path` for reading when it is a regular file (symbolic links
/// followed) of at most `max` bytes, and gives its metadata as opened.
/// Never blocks on a FIFO and never opens a device: the one way sanso opens
/// a file it did not write itself (policies, cases, the state directory's
/// files at boot).
pub fn open_regular(path: &Path, max: u64) -> Result<(File, Metadata), ReadError> {
    let open_error = |source| ReadError::Io {
        path: path.to_owned(),
        source,
    };
    // Look first, so that a device is never opened (opening one can have
    // effects of its own, e.g. a watchdog or a tape).
    let metadata = std::fs::metadata(path).map_err(open_error)?;
    check_metadata(path, &metadata, max)?;
    // O_NONBLOCK: a FIFO swapped in since the look does not wait for a
    // writer; O_NOCTTY: a terminal never becomes the caller's.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(open_error)?;
    let metadata = file.metadata().map_err(open_error)?;
    check_metadata(path, &metadata, max)?;
    Ok((file, metadata))
}

fn check_metadata(path: &Path, metadata: &Metadata, max: u64) -> Result<(), ReadError> {
    if let Some(kind) = FileKind::of(metadata.file_type()) {
        return Err(ReadError::NotRegular {
            path: path.to_owned(),
            kind,
        });
    }
    if metadata.len() > max {
        return Err(ReadError::TooLarge {
            path: path.to_owned(),
            size: metadata.len(),
            at_least: false,
        });
    }
    Ok(())
}

/// Reads at most one byte more than the cap, so a file that grows while it
/// is read (or a /proc file that says 0) still stops there.
fn read_capped(path: &Path, file: &mut File, expected: u64) -> Result<Vec<u8>, ReadError> {
    // The cast is lossless: `expected` is at most MAX_SOURCE_BYTES here.
    let mut bytes = Vec::with_capacity(expected as usize);
    file.take(MAX_SOURCE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| ReadError::Io {
            path: path.to_owned(),
            source,
        })?;
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(ReadError::TooLarge {
            path: path.to_owned(),
            size: bytes.len() as u64,
            at_least: true,
        });
    }
    Ok(bytes)
}

/// The bytes as UTF-8, or why not: UTF-16, or where the first byte that
/// is not UTF-8 is and what the file looks like.
fn decode(path: &Path, bytes: Vec<u8>) -> Result<String, ReadError> {
    if let Some((order, bom)) = utf16_order(&bytes) {
        return Err(ReadError::Utf16 {
            path: path.to_owned(),
            order,
            bom,
        });
    }
    String::from_utf8(bytes).map_err(|err| {
        let bytes = err.as_bytes();
        let utf8 = err.utf8_error();
        let mut offset = utf8.valid_up_to();
        let line_start = bytes[..offset]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let mut len = utf8.error_len().unwrap_or(bytes.len() - offset);
        // Earlier lines are valid UTF-8; when they hold characters of three
        // or four bytes (as kana, kanji and 全角 forms are), the file is
        // UTF-8 and only this part is not, so judge this line alone. (A
        // legacy encoding's first bytes may happen to be valid UTF-8 too,
        // but hardly whole lines of them.)
        let utf8_before = bytes[..line_start].iter().any(|&b| b >= 0xE0);
        let encoding = if utf8.error_len().is_none() {
            // A UTF-8 sequence cut short by the end of the file: no
            // evidence of another encoding.
            Encoding::Unknown
        } else if utf8_before {
            let line_end = bytes[offset..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |i| offset + i);
            legacy_encoding(&bytes[line_start..line_end])
        } else {
            legacy_encoding(bytes)
        };
        if encoding != Encoding::Unknown && !utf8_before {
            // Legacy text may start with bytes that happen to be valid UTF-8
            // (EUC-JP's 名 is): point at where the non-ASCII text starts.
            let run = bytes[line_start..offset]
                .iter()
                .rposition(u8::is_ascii)
                .map_or(line_start, |i| line_start + i + 1);
            len += offset - run;
            offset = run;
        }
        ReadError::NotUtf8 {
            path: path.to_owned(),
            line: bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1,
            column: offset - line_start + 1,
            offset,
            bytes: bytes[offset..offset + len.min(4)].to_vec(),
            encoding,
            utf8_before,
        }
    })
}

/// How many bytes from the start are looked at to recognise UTF-16
/// without a byte order mark.
const UTF16_SAMPLE: usize = 64 * 1024;

/// UTF-16 (and whether it starts with a byte order mark): by its byte order
/// mark, or, without one, by its zero bytes. A policy is mostly ASCII, which
/// UTF-16 writes with a zero high byte: at every odd offset (little-endian)
/// or every even one (big-endian), and hardly any at the other. Text in
/// UTF-8 holds no zero bytes at all (TOML forbids NUL), and a file of zeros
/// has them at both.
fn utf16_order(bytes: &[u8]) -> Option<(ByteOrder, bool)> {
    if bytes.starts_with(&[0xFF, 0xFE]) {
        return Some((ByteOrder::Little, true));
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return Some((ByteOrder::Big, true));
    }
    let sample = &bytes[..bytes.len().min(UTF16_SAMPLE)];
    if !sample.contains(&0) {
        return None;
    }
    let pairs = sample.len() / 2;
    let (mut even, mut odd) = (0, 0);
    for (i, _) in sample.iter().enumerate().filter(|(_, &b)| b == 0) {
        if i % 2 == 0 {
            even += 1;
        } else {
            odd += 1;
        }
    }
    let mostly = |zeros: usize, other: usize| pairs > 0 && zeros * 2 >= pairs && other * 8 <= zeros;
    if mostly(odd, even) {
        Some((ByteOrder::Little, false))
    } else if mostly(even, odd) {
        Some((ByteOrder::Big, false))
    } else {
        None
    }
}

/// Shift_JIS (CP932) or EUC-JP, when all of `bytes` is valid in one of them.
/// Text valid in both (EUC-JP's byte pairs read as Shift_JIS's half-width
/// katakana and kanji) is Shift_JIS when it holds a byte 0x80..=0xA0: a
/// lead byte of Shift_JIS's kana and most of its kanji, which EUC-JP uses
/// only for its rare single shifts.
fn legacy_encoding(bytes: &[u8]) -> Encoding {
    match (is_shift_jis(bytes), is_euc_jp(bytes)) {
        (true, false) => Encoding::ShiftJis,
        (false, true) => Encoding::EucJp,
        (true, true) if bytes.iter().any(|b| (0x80..=0xA0).contains(b)) => Encoding::ShiftJis,
        (true, true) => Encoding::EucJp,
        (false, false) => Encoding::Unknown,
    }
}

/// CP932: ASCII, half-width katakana 0xA1..=0xDF, or a lead byte
/// 0x81..=0x9F or 0xE0..=0xFC and a trail byte 0x40..=0x7E or 0x80..=0xFC.
fn is_shift_jis(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            0x00..=0x7F | 0xA1..=0xDF => i += 1,
            0x81..=0x9F | 0xE0..=0xFC => match bytes.get(i + 1) {
                Some(0x40..=0x7E | 0x80..=0xFC) => i += 2,
                _ => return false,
            },
            _ => return false,
        }
    }
    true
}

/// EUC-JP: ASCII, two bytes 0xA1..=0xFE, 0x8E and a half-width katakana
/// 0xA1..=0xDF, or 0x8F and two bytes 0xA1..=0xFE (JIS X 0212).
fn is_euc_jp(bytes: &[u8]) -> bool {
    let high = |i: usize| matches!(bytes.get(i), Some(0xA1..=0xFE));
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            0x00..=0x7F => i += 1,
            0xA1..=0xFE if high(i + 1) => i += 2,
            0x8E if matches!(bytes.get(i + 1), Some(0xA1..=0xDF)) => i += 2,
            0x8F if high(i + 1) && high(i + 2) => i += 3,
            _ => return false,
        }
    }
    true
}

fn size_text(size: u64, at_least: bool) -> String {
    let mib = size as f64 / (1024.0 * 1024.0);
    t!(
        "policy-size",
        at_least = if at_least { "yes" } else { "no" },
        size = size.to_string(),
        mib = format!("{mib:.1}")
    )
}

fn hex(bytes: &[u8]) -> String {
    let bytes: Vec<String> = bytes.iter().map(|b| format!("0x{b:02X}")).collect();
    bytes.join(" ")
}

/// What to do: save the file as UTF-8 in the editor, or convert it.
fn not_utf8_hint(path: &Path, encoding: Encoding, utf8_before: bool) -> String {
    let (looks, from) = match encoding {
        Encoding::ShiftJis => (Some(t!("policy-looks-shift-jis")), "CP932"),
        Encoding::EucJp => (Some("EUC-JP".to_owned()), "EUC-JP"),
        Encoding::Unknown => (None, ""),
    };
    let path = path.display().to_string();
    match (utf8_before, looks) {
        (true, None) => t!("policy-not-utf8-partly"),
        (true, Some(looks)) => t!("policy-not-utf8-partly-looks", looks = looks),
        (false, None) => t!(
            "policy-not-utf8-unknown",
            save = t!("policy-save-as-utf8"),
            path = path
        ),
        (false, Some(looks)) => t!(
            "policy-not-utf8-looks",
            looks = looks,
            save = t!("policy-save-as-utf8"),
            from = from,
            path = path
        ),
    }
}

fn utf16_form(order: ByteOrder, bom: bool) -> String {
    match (order, bom) {
        (ByteOrder::Little, true) => t!("policy-utf16-le-bom"),
        (ByteOrder::Little, false) => t!("policy-utf16-le"),
        (ByteOrder::Big, true) => t!("policy-utf16-be-bom"),
        (ByteOrder::Big, false) => t!("policy-utf16-be"),
    }
}

/// iconv's UTF-16 reads the byte order mark (and drops it); without one it
/// must be told the order.
fn utf16_hint(path: &Path, order: ByteOrder, bom: bool) -> String {
    let from = match (order, bom) {
        (_, true) => "UTF-16",
        (ByteOrder::Little, false) => "UTF-16LE",
        (ByteOrder::Big, false) => "UTF-16BE",
    };
    t!(
        "policy-utf16-hint",
        save = t!("policy-save-as-utf8"),
        from = from,
        path = path.display().to_string()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(bytes: &[u8]) -> Result<String, ReadError> {
        decode(Path::new("p.toml"), bytes.to_vec())
    }

    #[test]
    fn invalid_utf8_is_located_by_line_and_byte() {
        let err = decoded(b"a = 1\nb = \"\x83\x65\"\n").expect_err("not UTF-8");
        let text = err.to_string();
        assert!(
            text.starts_with(
                "p.toml is not UTF-8: line 2, byte 6 of that line is 0x83 (byte 11 of the file); "
            ),
            "{text}"
        );
        assert!(text.contains("iconv -f CP932 -t UTF-8 p.toml"), "{text}");
    }

    #[test]
    fn a_utf16_file_gets_the_utf16_hint() {
        let err = decoded(&[0xFF, 0xFE, b'a', 0]).expect_err("UTF-16");
        assert!(
            err.to_string().contains("iconv -f UTF-16 -t UTF-8"),
            "{err}"
        );
    }

    #[test]
    fn a_truncated_sequence_at_the_end_is_located() {
        let err =
            decoded(&"a = \"日".as_bytes()[..7]).expect_err("cut in the middle of a character");
        assert!(
            err.to_string()
                .contains("line 1, byte 6 of that line is 0xE6 0x97 (byte 5 of the file)"),
            "{err}"
        );
        // Two bytes are no evidence of another encoding.
        assert!(matches!(
            err,
            ReadError::NotUtf8 {
                encoding: Encoding::Unknown,
                ..
            }
        ));
    }

    #[test]
    fn utf16_is_recognised_by_its_zero_bytes() {
        let le: Vec<u8> = "[policy]\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let be: Vec<u8> = "[policy]\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(utf16_order(&le), Some((ByteOrder::Little, false)));
        assert_eq!(utf16_order(&be), Some((ByteOrder::Big, false)));
        // Japanese text (some code units without a zero byte) still counts.
        let ja: Vec<u8> = "# 三層の対策\nname = \"市役所\"\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(utf16_order(&ja), Some((ByteOrder::Little, false)));
        // Not UTF-16: no zero bytes, zeros at both parities, a lone zero.
        for bytes in [
            &b"[policy]\n"[..],
            &[0; 64][..],
            &[0][..],
            "\0\u{1}\u{2}\u{fffd}".as_bytes(),
        ] {
            assert_eq!(utf16_order(bytes), None, "{bytes:?}");
        }
    }

    #[test]
    fn japanese_legacy_encodings_are_told_apart() {
        // 名前 and 三層の対策 in CP932 and in EUC-JP (from iconv).
        let sjis = [0x96, 0xBC, 0x91, 0x4F, 0x8E, 0x4F, 0x91, 0x77, 0x82, 0xCC];
        let euc = [0xCC, 0xBE, 0xC1, 0xB0, 0xBB, 0xB0, 0xC1, 0xD8, 0xA4, 0xCE];
        assert_eq!(legacy_encoding(&sjis), Encoding::ShiftJis);
        assert_eq!(legacy_encoding(&euc), Encoding::EucJp);
        // CP932's NEC and IBM extensions (①, 髙) and a 0x5C trail byte (表).
        assert_eq!(
            legacy_encoding(&[0x87, 0x40, 0xFB, 0xFC, 0x95, 0x5C]),
            Encoding::ShiftJis
        );
        // Latin-1 "café" is neither.
        assert_eq!(legacy_encoding(b"caf\xE9 "), Encoding::Unknown);
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_decode_or_are_located_without_a_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            if let Err(ReadError::NotUtf8 { line, column, offset, bytes: shown, .. }) = decoded(&bytes) {
                proptest::prop_assert!(line >= 1 && column >= 1 && offset < bytes.len());
                proptest::prop_assert!(!shown.is_empty() && shown.len() <= 4);
                proptest::prop_assert_eq!(&bytes[offset..offset + shown.len()], &shown[..]);
            }
        }
    }
}
