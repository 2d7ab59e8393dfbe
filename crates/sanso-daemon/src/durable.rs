//! Files of the state directory written so that a crash or a full disk
//! leaves either the old or the new content, never a part: the one way the
//! daemon writes, replaces and removes them (`last-good.nft` and
//! `last-good.json`, the confirm window, the audit head, isolations, the
//! policy archive).

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Writes `text` to `path` durably, mode 0600: a temporary file beside it
/// (`<name>.tmp`), fsync, rename over `path`, fsync of the directory.
pub fn write(path: &Path, text: &str) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut file = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)?;
    sync_dir(path)
}

/// Removes `path` durably (the directory fsynced after); a file already
/// gone is not an error.
pub fn remove(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => sync_dir(path),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(err),
    }
}

/// Makes a creation, rename or removal in the directory of `path` durable.
pub fn sync_dir(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_replaced_whole_and_removed_and_their_temporaries_do_not_collide() {
        let dir = tempfile::tempdir().expect("dir");
        // `with_extension` would give both of these the same temporary.
        let (toml, json) = (dir.path().join("p.toml"), dir.path().join("p.json"));
        write(&toml, "a = 1\n").expect("write");
        write(&json, "{}\n").expect("write");
        write(&toml, "a = 2\n").expect("replace");
        assert_eq!(std::fs::read_to_string(&toml).expect("read"), "a = 2\n");
        assert_eq!(std::fs::read_to_string(&json).expect("read"), "{}\n");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&toml).expect("stat").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .filter_map(|e| e.ok().map(|e| e.file_name()))
            .collect();
        assert_eq!(names.len(), 2, "no temporaries left: {names:?}");
        remove(&toml).expect("remove");
        remove(&toml).expect("removing again is fine");
        assert!(!toml.exists());
    }
}
