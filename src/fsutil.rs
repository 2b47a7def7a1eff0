//! Small file-system helpers shared by every module that writes files that matter.
//!
//! The rule of the house: a write that matters goes to a temporary file in the
//! target folder, is flushed to disk, renamed over the target, and the folder is
//! flushed too. A crash at any instant leaves the old or the new content, never a mix.
//!
//! It also keeps the mark of the thread that draws the window ([`mark_ui_thread`]):
//! a disk or a network share can take seconds to answer, or never answer, and the
//! window must keep drawing meanwhile. The functions that reach the disk or the
//! network call [`debug_assert_not_ui_thread`], so that a screen test fails the
//! day a screen calls one of them while it draws.

use std::cell::Cell;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::diagnostics::SystemError;

thread_local! {
    /// How many marks the current thread holds (marks may nest).
    static UI_THREAD_MARKS: Cell<usize> = const { Cell::new(0) };
}

/// The mark of the thread drawing the window, held while it draws a frame.
/// Dropping it lifts the mark. It stays on the thread that took it.
#[derive(Debug)]
#[must_use = "the thread is marked only while the mark is held"]
pub struct UiThreadMark {
    /// Not `Send`: the mark belongs to the thread that took it.
    _thread: PhantomData<*const ()>,
}

impl Drop for UiThreadMark {
    fn drop(&mut self) {
        UI_THREAD_MARKS.with(|marks| marks.set(marks.get().saturating_sub(1)));
    }
}

/// Marks the current thread as the one that draws the window, until the mark
/// is dropped. The window's shell takes it at the start of every frame.
pub fn mark_ui_thread() -> UiThreadMark {
    UI_THREAD_MARKS.with(|marks| marks.set(marks.get() + 1));
    UiThreadMark {
        _thread: PhantomData,
    }
}

/// Whether the current thread holds the mark of [`mark_ui_thread`].
pub fn is_ui_thread() -> bool {
    UI_THREAD_MARKS.with(|marks| marks.get() > 0)
}

/// Fails (in debug builds: tests, development) when called on the thread that
/// draws the window: `what` reaches the disk or the network, and may wait on a
/// dead network share for as long as the system lets it. Such work belongs on a
/// worker thread.
#[track_caller]
pub fn debug_assert_not_ui_thread(what: &str) {
    debug_assert!(
        !is_ui_thread(),
        "{what} called on the UI thread: the window would freeze while the disk or \
         the network answers; run it on a worker thread"
    );
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
    debug_assert_not_ui_thread("fsutil::write_atomic");
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
    debug_assert_not_ui_thread("fsutil::create_new_whole");
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
pub(crate) fn temp_beside(path: &Path, private: bool) -> io::Result<(PathBuf, File)> {
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
    debug_assert_not_ui_thread("fsutil::rename_durable");
    fs::rename(from, to)?;
    sync_dir(parent_dir(to))
}

/// Flushes a folder's entries to disk (no-op where the platform cannot).
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    debug_assert_not_ui_thread("fsutil::sync_dir");
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

/// What a path typed by the user must name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A file (a certificate, a backup to restore).
    File,
    /// A folder (the backups in preparation, the logs).
    Folder,
}

/// Why a path does not name what it must; `messages::entry_problem` says it in
/// French.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryProblem {
    /// Nothing is there.
    Missing,
    /// The other kind is there: a folder where a file is expected, or the reverse.
    WrongKind,
    /// The system refuses to look (the user's rights).
    Denied,
    /// The system could not tell (a network share that does not answer, a bad
    /// name…).
    System(SystemError),
}

/// Checks that `path` names an entry of `kind`. It asks the system, which may
/// wait for a network share: never on the UI thread.
pub fn check_entry(path: &Path, kind: EntryKind) -> Result<(), EntryProblem> {
    debug_assert_not_ui_thread("fsutil::check_entry");
    match fs::metadata(path) {
        Ok(m) if m.is_dir() == (kind == EntryKind::Folder) => Ok(()),
        Ok(_) => Err(EntryProblem::WrongKind),
        Err(e) => Err(match SystemError::of(&e) {
            SystemError::NotFound => EntryProblem::Missing,
            SystemError::PermissionDenied => EntryProblem::Denied,
            other => EntryProblem::System(other),
        }),
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
    fn the_ui_thread_mark_holds_while_held_and_stays_on_its_thread() {
        assert!(!is_ui_thread());
        let outer = mark_ui_thread();
        let inner = mark_ui_thread();
        assert!(is_ui_thread());
        let elsewhere = std::thread::spawn(is_ui_thread).join().expect("thread");
        assert!(!elsewhere, "a worker thread is never marked");
        drop(inner);
        assert!(is_ui_thread(), "marks nest");
        drop(outer);
        assert!(!is_ui_thread());
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "called on the UI thread")]
    fn writing_a_file_on_the_ui_thread_fails_in_debug_builds() {
        let dir = tempfile::tempdir().expect("tempdir");
        let _mark = mark_ui_thread();
        let _ = write_atomic(&dir.path().join("f"), b"x");
    }

    #[test]
    fn an_entry_is_checked_against_the_kind_it_must_be() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("ca.pem");
        fs::write(&file, b"x").expect("write");
        assert_eq!(check_entry(&file, EntryKind::File), Ok(()));
        assert_eq!(check_entry(dir.path(), EntryKind::Folder), Ok(()));
        assert_eq!(
            check_entry(&file, EntryKind::Folder),
            Err(EntryProblem::WrongKind)
        );
        assert_eq!(
            check_entry(dir.path(), EntryKind::File),
            Err(EntryProblem::WrongKind)
        );
        let missing = dir.path().join("absent");
        assert_eq!(
            check_entry(&missing, EntryKind::Folder),
            Err(EntryProblem::Missing)
        );
        // A file standing where a folder of the path is expected.
        assert_eq!(
            check_entry(&file.join("dessous"), EntryKind::File),
            Err(EntryProblem::System(SystemError::NotADirectory))
        );
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
