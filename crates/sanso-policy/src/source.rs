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

use std::fmt;
use std::fs::{File, FileType, Metadata};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The largest policy or cases file read: 64 MiB. The largest synthetic
/// policy of the benchmarks (100,000 flows) is about 20 MB.
pub const MAX_SOURCE_BYTES: u64 = 64 * 1024 * 1024;

/// Why a policy or cases file was not read. Each message names the file.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is {kind}, not a regular file (or a symbolic link to one)", path.display())]
    NotRegular { path: PathBuf, kind: FileKind },
    #[error("{} is too large: {}, more than the limit of {} MiB", path.display(), size_text(*size, *at_least), MAX_SOURCE_BYTES / (1024 * 1024))]
    TooLarge {
        path: PathBuf,
        /// Its size in bytes (for a file that grew while it was read, the
        /// bytes read before stopping).
        size: u64,
        at_least: bool,
    },
    #[error("{} is not UTF-8: line {line}, byte {column} of that line is {} (byte {offset} of the file); {}", path.display(), hex(bytes), encoding_hint(path, *utf16))]
    NotUtf8 {
        path: PathBuf,
        /// 1-based line of the first invalid byte.
        line: usize,
        /// 1-based byte of that line.
        column: usize,
        /// 0-based byte offset in the file.
        offset: usize,
        /// The invalid bytes (at most 4).
        bytes: Vec<u8>,
        /// The file starts with a UTF-16 byte order mark.
        utf16: bool,
    },
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
        f.write_str(match self {
            FileKind::Directory => "a directory",
            FileKind::Fifo => "a FIFO (named pipe)",
            FileKind::CharDevice => "a character device",
            FileKind::BlockDevice => "a block device",
            FileKind::Socket => "a socket",
            FileKind::Other => "neither a file nor a directory",
        })
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
    let open_error = |source| ReadError::Io {
        path: path.to_owned(),
        source,
    };
    // Look first, so that a device is never opened (opening one can have
    // effects of its own, e.g. a watchdog or a tape).
    let metadata = std::fs::metadata(path).map_err(open_error)?;
    check_metadata(path, &metadata)?;
    // O_NONBLOCK: a FIFO swapped in since the look does not wait for a
    // writer; O_NOCTTY: a terminal never becomes the caller's.
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(open_error)?;
    let metadata = file.metadata().map_err(open_error)?;
    check_metadata(path, &metadata)?;
    let bytes = read_capped(path, &mut file, metadata.len())?;
    let text = decode(path, bytes)?;
    Ok(SourceFile {
        text,
        identity: FileIdentity::of(&metadata),
    })
}

fn check_metadata(path: &Path, metadata: &Metadata) -> Result<(), ReadError> {
    if let Some(kind) = FileKind::of(metadata.file_type()) {
        return Err(ReadError::NotRegular {
            path: path.to_owned(),
            kind,
        });
    }
    if metadata.len() > MAX_SOURCE_BYTES {
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

/// The bytes as UTF-8, or where the first byte that is not.
fn decode(path: &Path, bytes: Vec<u8>) -> Result<String, ReadError> {
    String::from_utf8(bytes).map_err(|err| {
        let bytes = err.as_bytes();
        let utf8 = err.utf8_error();
        let offset = utf8.valid_up_to();
        let before = &bytes[..offset];
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let len = utf8.error_len().unwrap_or(bytes.len() - offset).min(4);
        ReadError::NotUtf8 {
            path: path.to_owned(),
            line: before.iter().filter(|&&b| b == b'\n').count() + 1,
            column: offset - line_start + 1,
            offset,
            bytes: bytes[offset..offset + len].to_vec(),
            utf16: bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]),
        }
    })
}

fn size_text(size: u64, at_least: bool) -> String {
    let mib = size as f64 / (1024.0 * 1024.0);
    let at_least = if at_least { "at least " } else { "" };
    format!("{at_least}{size} bytes ({mib:.1} MiB)")
}

fn hex(bytes: &[u8]) -> String {
    let bytes: Vec<String> = bytes.iter().map(|b| format!("0x{b:02X}")).collect();
    bytes.join(" ")
}

fn encoding_hint(path: &Path, utf16: bool) -> String {
    let (from, what) = if utf16 {
        (
            "UTF-16",
            "this file is UTF-16 (it starts with a byte order mark)",
        )
    } else {
        (
            "SHIFT_JIS",
            "a Shift_JIS file (as Windows editors save Japanese text)",
        )
    };
    format!(
        "sanso reads UTF-8 only: convert {what} with `iconv -f {from} -t UTF-8 {} > new.toml`",
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_located_by_line_and_byte() {
        let err = decode(Path::new("p.toml"), b"a = 1\nb = \"\x83\x65\"\n".to_vec())
            .expect_err("not UTF-8");
        let text = err.to_string();
        assert!(
            text.starts_with(
                "p.toml is not UTF-8: line 2, byte 6 of that line is 0x83 (byte 11 of the file); "
            ),
            "{text}"
        );
        assert!(
            text.contains("iconv -f SHIFT_JIS -t UTF-8 p.toml"),
            "{text}"
        );
    }

    #[test]
    fn a_utf16_file_gets_the_utf16_hint() {
        let err = decode(Path::new("p.toml"), vec![0xFF, 0xFE, b'a', 0]).expect_err("UTF-16");
        assert!(
            err.to_string().contains("iconv -f UTF-16 -t UTF-8"),
            "{err}"
        );
    }

    #[test]
    fn a_truncated_sequence_at_the_end_is_located() {
        let err = decode(Path::new("p.toml"), "a = \"日".as_bytes()[..7].to_vec())
            .expect_err("cut in the middle of a character");
        assert!(
            err.to_string()
                .contains("line 1, byte 6 of that line is 0xE6 0x97 (byte 5 of the file)"),
            "{err}"
        );
    }
}
