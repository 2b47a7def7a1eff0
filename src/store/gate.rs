//! The store's gate: a lock file beside the store (`.NOM.verrou`), held shared
//! by every connection to the store for as long as it lives, and exclusively
//! by the only job that replaces the store's file, the restore.
//!
//! SQLite finds a store's `-wal` and `-shm` by the store's name. When the file
//! under that name is replaced while another program has the previous one
//! open, that program's write-ahead log and shared index are taken for the new
//! file's: the new store reads as "disk I/O error", or worse, receives pages of
//! the previous one. SQLite's own locks cannot prevent it, since they belong to
//! the file, not to the name. The gate does: no connection opens while the name
//! changes file, and the name never changes file under an open connection.
//!
//! The lock is an advisory `flock` on the lock file, released by the system
//! when the process ends, whatever the way (a SIGKILL included). Where the lock
//! file cannot be made (a folder the user may only read), the store is used
//! without the gate: nothing can replace it there either.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::StoreError;

/// How long an opening waits for a replacement of the store to end, and a
/// replacement for the connections open to end.
pub const GATE_WAIT: Duration = Duration::from_mins(1);

/// A hold on a store's gate; the hold ends when this is dropped.
#[derive(Debug)]
pub struct Gate {
    _file: File,
}

/// The lock file of the store at `store`.
pub fn gate_path(store: &Path) -> PathBuf {
    let name = store
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    crate::fsutil::parent_dir(store).join(format!(".{name}.verrou"))
}

/// Passes the gate of `store` to use it (shared with every other connection):
/// waits while the store is being replaced. `None` where no lock file can be
/// made.
pub fn enter(store: &Path) -> Result<Option<Gate>, StoreError> {
    hold(store, false, GATE_WAIT)
}

/// Closes the gate of `store` to replace its file: waits for the connections
/// open to the store to end, then keeps any other from opening until the
/// returned hold is dropped. `None` where no lock file can be made.
pub fn close(store: &Path) -> Result<Option<Gate>, StoreError> {
    hold(store, true, GATE_WAIT)
}

/// [`close`], waiting at most `wait` for the connections open to end.
pub fn close_within(store: &Path, wait: Duration) -> Result<Option<Gate>, StoreError> {
    hold(store, true, wait)
}

fn hold(store: &Path, exclusive: bool, wait: Duration) -> Result<Option<Gate>, StoreError> {
    let path = gate_path(store);
    let file = match OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
    {
        Ok(f) => f,
        // A folder the user may only read: a lock file left there still works.
        Err(_) => match File::open(&path) {
            Ok(f) => f,
            Err(_) => return Ok(None),
        },
    };
    let started = Instant::now();
    loop {
        let tried = if exclusive {
            file.try_lock()
        } else {
            file.try_lock_shared()
        };
        match tried {
            Ok(()) => return Ok(Some(Gate { _file: file })),
            Err(TryLockError::WouldBlock) if started.elapsed() < wait => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(TryLockError::WouldBlock) => {
                return Err(StoreError::Locked {
                    path: store.to_path_buf(),
                });
            }
            // A file system without locks: as without a lock file.
            Err(TryLockError::Error(e)) => {
                tracing::warn!(error = %e, file = %path.display(), "verrou de la base indisponible");
                return Ok(None);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_gate_keeps_openings_out_and_waits_for_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = dir.path().join("paie.iea");
        let reader = enter(&store).expect("enter").expect("gate");
        let second = enter(&store).expect("enter").expect("gate");
        assert!(
            matches!(
                close_within(&store, Duration::from_millis(100)),
                Err(StoreError::Locked { .. })
            ),
            "a replacement waits for the connections"
        );
        drop((reader, second));
        let closed = close(&store).expect("close").expect("gate");
        assert!(
            matches!(
                hold(&store, false, Duration::from_millis(100)),
                Err(StoreError::Locked { .. })
            ),
            "no opening while the store is replaced"
        );
        drop(closed);
        assert!(enter(&store).expect("enter").is_some());
        assert_eq!(
            gate_path(&store).file_name().and_then(|n| n.to_str()),
            Some(".paie.iea.verrou")
        );
    }
}
