// A test, not the pure core: it may read files, the clock and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

//! Reading policy and cases files (`read_source`): regular files only,
//! never blocking, size-capped, UTF-8 with a located error.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use sanso_policy::{
    load_policy, read_source, read_source_file, ByteOrder, Encoding, FileKind, ReadError,
    MAX_SOURCE_BYTES,
};

/// `read_source` on another thread, failing the test if it takes more than
/// five seconds (a read that blocks would hang the test otherwise).
fn read_within_a_bound(path: &Path) -> Result<String, ReadError> {
    let (send, receive) = mpsc::channel();
    let path = path.to_owned();
    std::thread::spawn(move || {
        let _ = send.send(read_source(&path));
    });
    receive
        .recv_timeout(Duration::from_secs(5))
        .expect("read_source returned within 5 s")
}

fn not_regular(result: Result<String, ReadError>) -> (PathBuf, FileKind, String) {
    let err = result.expect_err("refused");
    let text = err.to_string();
    match err {
        ReadError::NotRegular { path, kind } => (path, kind, text),
        other => panic!("expected NotRegular, got {other:?}"),
    }
}

#[test]
fn a_fifo_is_refused_without_waiting_for_a_writer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = dir.path().join("policy.toml");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).expect("mkfifo");
    let (path, kind, text) = not_regular(read_within_a_bound(&fifo));
    assert_eq!((path, kind), (fifo.clone(), FileKind::Fifo));
    assert_eq!(
        text,
        format!(
            "{} is a FIFO (named pipe), not a regular file (or a symbolic link to one)",
            fifo.display()
        )
    );
}

#[test]
fn a_symlink_to_a_fifo_is_refused_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = dir.path().join("pipe");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).expect("mkfifo");
    let link = dir.path().join("policy.toml");
    std::os::unix::fs::symlink(&fifo, &link).expect("symlink");
    let (path, kind, _) = not_regular(read_within_a_bound(&link));
    assert_eq!((path, kind), (link, FileKind::Fifo));
}

#[test]
fn dev_zero_is_refused_as_a_device() {
    let (_, kind, text) = not_regular(read_within_a_bound(Path::new("/dev/zero")));
    assert_eq!(kind, FileKind::CharDevice);
    assert!(
        text.starts_with("/dev/zero is a character device, not a regular file"),
        "{text}"
    );
}

#[test]
fn a_directory_and_a_socket_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_, kind, _) = not_regular(read_within_a_bound(dir.path()));
    assert_eq!(kind, FileKind::Directory);
    let socket = dir.path().join("sock");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).expect("bind");
    let (_, kind, text) = not_regular(read_within_a_bound(&socket));
    assert_eq!(kind, FileKind::Socket);
    assert!(text.contains("is a socket, not a regular file"), "{text}");
}

#[test]
fn a_file_over_the_cap_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let big = dir.path().join("policy.toml");
    // Sparse: no 64 MiB written, and nothing of it is read.
    let file = std::fs::File::create(&big).expect("create");
    file.set_len(MAX_SOURCE_BYTES + 1).expect("set_len");
    match read_within_a_bound(&big) {
        Err(err @ ReadError::TooLarge { .. }) => assert_eq!(
            err.to_string(),
            format!(
                "{} is too large: 67108865 bytes (64.0 MiB), more than the limit of 64 MiB",
                big.display()
            )
        ),
        other => panic!("expected TooLarge, got {other:?}"),
    }
    // Exactly at the cap is still read (all zero bytes: valid UTF-8).
    file.set_len(MAX_SOURCE_BYTES).expect("set_len");
    assert_eq!(
        read_within_a_bound(&big).expect("at the cap").len() as u64,
        MAX_SOURCE_BYTES
    );
}

#[test]
fn shift_jis_is_refused_with_its_line_and_the_iconv_hint() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("policy.toml");
    // `name = "名前"` in Shift_JIS on line 2.
    let mut bytes = b"[policy]\nname = \"".to_vec();
    bytes.extend_from_slice(&[0x96, 0xBC, 0x91, 0x4F]);
    bytes.extend_from_slice(b"\"\n");
    std::fs::write(&path, &bytes).expect("write");
    let err = read_within_a_bound(&path).expect_err("not UTF-8");
    assert!(matches!(
        err,
        ReadError::NotUtf8 {
            line: 2,
            column: 9,
            offset: 17,
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        format!(
            "{0} is not UTF-8: line 2, byte 9 of that line is 0x96 (byte 17 of the file); \
             it looks like Shift_JIS (CP932), as Windows editors save Japanese text; \
             sanso reads UTF-8 only: save the file as UTF-8 (the editor's \"UTF-8 で保存\"), \
             or convert it with `iconv -f CP932 -t UTF-8 {0} > new.toml`",
            path.display()
        )
    );
}

/// A small valid policy with Japanese text in a comment and a string.
const JAPANESE_POLICY: &str = "[policy]\nname = \"市役所\"\n\n# 三層の対策\n[zones.lg]\ntier = \"lgwan\"\ninterfaces = [\"lg0\"]\nnetworks = [\"10.20.0.0/16\"]\n";

fn written(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("policy.toml");
    std::fs::write(&path, bytes).expect("write");
    (dir, path)
}

fn utf16(text: &str, order: ByteOrder, bom: bool) -> Vec<u8> {
    let bom = if bom { Some(0xFEFF) } else { None };
    bom.into_iter()
        .chain(text.encode_utf16())
        .flat_map(|unit| match order {
            ByteOrder::Little => unit.to_le_bytes(),
            ByteOrder::Big => unit.to_be_bytes(),
        })
        .collect()
}

#[test]
fn utf16_is_recognised_in_either_byte_order_with_or_without_a_bom() {
    for (order, bom, form, from) in [
        (
            ByteOrder::Little,
            true,
            "little-endian, with a byte order mark",
            "UTF-16",
        ),
        (
            ByteOrder::Big,
            true,
            "big-endian, with a byte order mark",
            "UTF-16",
        ),
        (
            ByteOrder::Little,
            false,
            "little-endian, without a byte order mark",
            "UTF-16LE",
        ),
        (
            ByteOrder::Big,
            false,
            "big-endian, without a byte order mark",
            "UTF-16BE",
        ),
    ] {
        // With Japanese text, and ASCII only (then the bytes are valid UTF-8,
        // NUL for every other byte).
        for text in [JAPANESE_POLICY, "[policy]\nname = \"x\"\n"] {
            let (_dir, path) = written(&utf16(text, order, bom));
            let err = read_within_a_bound(&path).expect_err("UTF-16");
            assert!(
                matches!(err, ReadError::Utf16 { order: o, bom: b, .. } if o == order && b == bom),
                "{err:?}"
            );
            assert_eq!(
                err.to_string(),
                format!(
                    "{0} is UTF-16 ({form}), not UTF-8; sanso reads UTF-8 only: save the file as \
                     UTF-8 (the editor's \"UTF-8 で保存\"), or convert it with \
                     `iconv -f {from} -t UTF-8 {0} > new.toml`",
                    path.display()
                )
            );
        }
    }
}

#[test]
fn cp932_with_its_windows_extensions_is_named_shift_jis_cp932() {
    // `# ①` (an NEC special character, not in plain Shift_JIS) on line 3,
    // then 表 (whose second byte is 0x5C, `\\` in ASCII).
    let mut bytes = b"[policy]\nname = \"x\"\n# ".to_vec();
    bytes.extend_from_slice(&[0x87, 0x40, 0x95, 0x5C, b'\n']);
    let (_dir, path) = written(&bytes);
    let err = read_within_a_bound(&path).expect_err("CP932");
    assert!(
        matches!(
            err,
            ReadError::NotUtf8 {
                line: 3,
                column: 3,
                encoding: Encoding::ShiftJis,
                utf8_before: false,
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("it looks like Shift_JIS (CP932)"), "{text}");
    assert!(text.contains("\"UTF-8 で保存\""), "{text}");
    assert!(text.contains("iconv -f CP932 -t UTF-8"), "{text}");
}

#[test]
fn euc_jp_is_named_and_converted_from_euc_jp() {
    // `name = "名前"` in EUC-JP on line 2.
    let mut bytes = b"[policy]\nname = \"".to_vec();
    bytes.extend_from_slice(&[0xCC, 0xBE, 0xC1, 0xB0, b'"', b'\n']);
    let (_dir, path) = written(&bytes);
    let err = read_within_a_bound(&path).expect_err("EUC-JP");
    assert!(
        matches!(
            err,
            ReadError::NotUtf8 {
                line: 2,
                column: 9,
                encoding: Encoding::EucJp,
                ..
            }
        ),
        "{err:?}"
    );
    // 名's two bytes happen to be valid UTF-8; the error points at 名.
    assert!(
        err.to_string()
            .contains("line 2, byte 9 of that line is 0xCC 0xBE 0xC1 (byte 17 of the file)"),
        "{err}"
    );
    assert!(
        err.to_string().contains(&format!(
            "it looks like EUC-JP; sanso reads UTF-8 only: save the file as UTF-8 (the editor's \"UTF-8 で保存\"), or convert it with `iconv -f EUC-JP -t UTF-8 {} > new.toml`",
            path.display()
        )),
        "{err}"
    );
}

#[test]
fn a_shift_jis_line_pasted_into_a_utf8_file_is_not_converted_whole() {
    // UTF-8 Japanese on line 1, a Shift_JIS 名前 on line 2: converting the
    // file with iconv would garble line 1, so the hint says to retype.
    let mut bytes = "# 三層\nname = \"".as_bytes().to_vec();
    bytes.extend_from_slice(&[0x96, 0xBC, 0x91, 0x4F, b'"', b'\n']);
    let (_dir, path) = written(&bytes);
    let err = read_within_a_bound(&path).expect_err("mixed");
    assert!(
        matches!(
            err,
            ReadError::NotUtf8 {
                line: 2,
                encoding: Encoding::ShiftJis,
                utf8_before: true,
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("the lines before it are UTF-8, so only part of the file is in another encoding (it looks like Shift_JIS (CP932)"),
        "{text}"
    );
    assert!(!text.contains("iconv"), "{text}");
}

#[test]
fn a_utf8_bom_is_accepted_and_kept() {
    // Windows editors may write one ("UTF-8 (BOM 付き)"). The text is the
    // file's bytes (so the policy's hash is the file's), and the policy loads.
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes.extend_from_slice(JAPANESE_POLICY.as_bytes());
    let (_dir, path) = written(&bytes);
    let text = read_within_a_bound(&path).expect("a UTF-8 BOM is UTF-8");
    assert_eq!(text.as_bytes(), &bytes[..]);
    let policy = load_policy("policy.toml", &text).expect("loads");
    assert_eq!(policy.name, "市役所");
}

#[test]
fn a_symlink_to_a_regular_file_is_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("policy-2026-12-01.toml");
    std::fs::write(&target, "[policy]\nname = \"市\"\n").expect("write");
    let link = dir.path().join("policy.toml");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    assert_eq!(
        read_within_a_bound(&link).expect("read through the link"),
        "[policy]\nname = \"市\"\n"
    );
    // The identity is the target's.
    use std::os::unix::fs::MetadataExt;
    let read = read_source_file(&link).expect("read");
    assert_eq!(
        read.identity.ino,
        std::fs::metadata(&target).expect("stat").ino()
    );
}

#[test]
fn a_missing_file_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("policy.toml");
    let err = read_within_a_bound(&path).expect_err("missing");
    assert!(err.is_missing());
    assert_eq!(err.to_string(), format!("cannot read {}", path.display()));
    let dangling = dir.path().join("link.toml");
    std::os::unix::fs::symlink(&path, &dangling).expect("symlink");
    assert!(read_within_a_bound(&dangling)
        .expect_err("dangling link")
        .is_missing());
}

#[test]
fn a_replaced_file_has_another_identity() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("policy.toml");
    std::fs::write(&path, "a").expect("write");
    let first = read_source_file(&path).expect("read").identity;
    std::fs::write(&path, "b").expect("write in place");
    assert_eq!(read_source_file(&path).expect("read").identity, first);
    let new = dir.path().join("policy.toml.new");
    std::fs::write(&new, "c").expect("write");
    std::fs::rename(&new, &path).expect("rename");
    assert_ne!(read_source_file(&path).expect("read").identity, first);
}

#[test]
fn a_file_removed_and_created_again_has_another_identity() {
    // GNU install does this, and ext4 may give the new file the same inode
    // number: the birth time, where recorded, tells them apart.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("policy.toml");
    std::fs::write(&path, "a").expect("write");
    let first = read_source_file(&path).expect("read").identity;
    std::fs::remove_file(&path).expect("remove");
    std::fs::write(&path, "b").expect("create again");
    let second = read_source_file(&path).expect("read").identity;
    if first.ino == second.ino && first.born.is_none() {
        eprintln!("skipped: this file system records no birth time");
        return;
    }
    assert_ne!(second, first);
}
