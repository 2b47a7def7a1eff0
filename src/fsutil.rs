//! Small file-system helpers shared by every module that writes files that matter.
//!
//! The rule of the house: a write that matters goes to a temporary file in the
//! target folder, is flushed to disk, renamed over the target, and the folder is
//! flushed too. A crash at any instant leaves the old or the new content, never a mix.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// What is at a path a user typed, for the forms that ask for a folder or a
/// file (`messages::path_problem` says why it does not do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathFound {
    /// A folder.
    Folder,
    /// A file.
    File,
    /// Nothing.
    Missing,
    /// The system refused to look.
    Denied,
    /// The system could not say.
    Unreadable(crate::diagnostics::SystemError),
}

/// Looks at what is at `path` (one `metadata` call, following links).
pub fn examine(path: &Path) -> PathFound {
    match fs::metadata(path) {
        Ok(m) if m.is_dir() => PathFound::Folder,
        Ok(_) => PathFound::File,
        Err(e) if e.kind() == io::ErrorKind::NotFound => PathFound::Missing,
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => PathFound::Denied,
        Err(e) => PathFound::Unreadable(crate::diagnostics::SystemError::of(&e)),
    }
}

/// Replaces `path` with `bytes` atomically (temporary file, fsync, rename, fsync
/// of the folder). The parent folder must exist.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, bytes, false)
}

/// As [`write_atomic`], the new file having mode 0600 from its first byte (files
/// that hold keys or identities).
pub fn write_atomic_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, bytes, true)
}

fn write_atomic_with(path: &Path, bytes: &[u8], private: bool) -> io::Result<()> {
    let (tmp, mut file) = temp_beside(path, private)?;
    let result = (|| {
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        rename_durable(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Writes `bytes` to a new file at `path`, whole or not at all, never replacing
/// an existing file (mode 0600 when `private`). Returns `false` when a file was
/// already there; it is left untouched.
pub fn create_new_whole(path: &Path, bytes: &[u8], private: bool) -> io::Result<bool> {
    let (tmp, mut file) = temp_beside(path, private)?;
    let result = (|| {
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        // A hard link fails when the target exists, where a rename would replace it.
        match fs::hard_link(&tmp, path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
            // File systems without hard links: check, then rename (the window
            // between the two is tiny).
            Err(_) if !path.exists() => fs::rename(&tmp, path).map(|()| true),
            Err(_) => Ok(false),
        }
    })();
    let _ = fs::remove_file(&tmp);
    let created = result?;
    sync_dir(parent_dir(path))?;
    Ok(created)
}

/// A new temporary file beside `path`, unique per process and call (threads and
/// processes never share one), mode 0600 when `private`.
fn temp_beside(path: &Path, private: bool) -> io::Result<(PathBuf, File)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
    let tmp = parent_dir(path).join(format!(
        ".{}.{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    // A leftover of a crashed process with the same id and counter.
    let _ = fs::remove_file(&tmp);
    let file = options.open(&tmp)?;
    Ok((tmp, file))
}

/// Renames `from` to `to` and flushes the folder of `to`, so that the rename
/// survives a power cut.
pub fn rename_durable(from: &Path, to: &Path) -> io::Result<()> {
    fs::rename(from, to)?;
    sync_dir(parent_dir(to))
}

/// Flushes a folder's entries to disk (no-op where the platform cannot).
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// The folder holding `path`, `.` for a bare file name.
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A human size in French units ("12,4 Mo").
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["octets", "Ko", "Mo", "Go", "To"];
    if bytes < 1024 {
        return format!("{bytes} octets");
    }
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit]).replace('.', ",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_content_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("config.toml");
        write_atomic(&target, b"old").expect("first write");
        write_atomic(&target, b"new").expect("second write");
        assert_eq!(fs::read(&target).expect("read"), b"new");
        let names: Vec<_> = fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names.len(), 1, "leftovers: {names:?}");
    }

    #[test]
    fn sizes_read_in_french() {
        assert_eq!(human_size(512), "512 octets");
        assert_eq!(human_size(1536), "1,5 Ko");
        assert_eq!(human_size(5 * 1024 * 1024), "5,0 Mo");
    }

    #[test]
    fn create_new_whole_never_replaces_and_private_files_are_0600() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        assert!(create_new_whole(&path, b"first", true).expect("create"));
        assert!(!create_new_whole(&path, b"second", true).expect("again"));
        assert_eq!(fs::read(&path).expect("read"), b"first");
        write_atomic_private(&path, b"third").expect("rewrite");
        assert_eq!(fs::read(&path).expect("read"), b"third");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            fs::read_dir(dir.path()).expect("list").count(),
            1,
            "no leftovers"
        );
    }
}
