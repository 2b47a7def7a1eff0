//! What a transfer remembers between runs, so that the next « Transférer »
//! takes up where the last one stopped (a cut connection, a SIGKILL, a
//! shutdown): for each store, the archive made for it and the state of the
//! store when it was made, the address of its upload on the server, whether
//! the server has it whole, and the receipt of the completion call.
//!
//! `IEA_HOME/transfert/etat.json`, written whole and atomically after every
//! step that matters (before the first byte of an upload is sent, its address
//! is on disk): a crash at any instant leaves the old or the new state. The
//! archives themselves sit in `<staging>/transfert/`, read-only once made.

use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::prereq::Acknowledged;
use crate::fsutil;
use crate::home::Home;

/// The format of the file this program writes.
pub const FORMAT: u32 = 1;

/// The folder under `IEA_HOME` that holds the state.
pub const FOLDER: &str = "transfert";

/// The state file's name.
pub const FILE: &str = "etat.json";

/// The size and modification time of a file, when it exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since 1970.
    pub modified_ns: u128,
}

/// What the store's files looked like just before its snapshot was taken. The
/// same stamp later means the same store without reading it; another stamp
/// sends the transfer to compare the data itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreStamp {
    /// The store file.
    pub store: Option<FileStamp>,
    /// Its write-ahead log, where recent changes sit until they are folded in.
    pub wal: Option<FileStamp>,
}

impl StoreStamp {
    /// The stamp of the store at `path` now.
    pub fn of(path: &Path) -> Self {
        let stamp = |p: &Path| {
            let meta = std::fs::metadata(p).ok()?;
            let modified = meta.modified().ok()?;
            Some(FileStamp {
                size: meta.len(),
                modified_ns: modified
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos()),
            })
        };
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        Self {
            store: stamp(path),
            wal: stamp(Path::new(&wal)),
        }
    }
}

/// The archive made for a store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveRecord {
    /// Its file name in `<staging>/transfert/`.
    pub file_name: String,
    /// Its size in bytes.
    pub size_bytes: u64,
    /// SHA-256 of the archive file (what the server receives).
    pub sha256: String,
    /// SHA-256 of the database inside, from the manifest: the store's data.
    pub database_sha256: String,
    /// Size of the database inside.
    pub database_size: u64,
    /// When the snapshot was taken.
    pub made_at: DateTime<Utc>,
    /// The store's files just before the snapshot.
    pub stamp: StoreStamp,
}

/// The upload of an archive on the secure space.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadRecord {
    /// The address uploads are created at (`upload_url` of the server).
    pub endpoint: String,
    /// The address of this upload, as the server gave it.
    pub url: String,
    /// The SHA-256 of the archive being uploaded there.
    pub archive_sha256: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When the server had it whole.
    pub received_at: Option<DateTime<Utc>>,
}

/// The completion call that included a store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completion {
    /// The server's receipt.
    pub receipt: String,
    /// When.
    pub completed_at: DateTime<Utc>,
}

/// Everything remembered about one store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreRecord {
    /// The store.
    pub store: PathBuf,
    /// The archive made for it, once made.
    pub archive: Option<ArchiveRecord>,
    /// Its upload, once created.
    pub upload: Option<UploadRecord>,
    /// The completion, once the server acknowledged the store.
    pub completion: Option<Completion>,
}

impl StoreRecord {
    /// A store nothing was done for yet.
    pub fn new(store: PathBuf) -> Self {
        Self {
            store,
            archive: None,
            upload: None,
            completion: None,
        }
    }

    /// Whether the server received the store whole and acknowledged it.
    pub fn done(&self) -> bool {
        self.completion.is_some()
    }
}

/// What the last run that reached the server knew of the transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended (`None` while it runs, or when it was cut short).
    pub ended_at: Option<DateTime<Utc>>,
    /// The stores of that run, in their order.
    pub stores: Vec<PathBuf>,
    /// Where the report goes (given by the server).
    pub recipients: Vec<String>,
    /// The subject the server gave for the report.
    pub subject: String,
    /// The data items sent anyway.
    pub acknowledged: Vec<Acknowledged>,
}

/// The whole state file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferState {
    /// [`FORMAT`].
    pub format: u32,
    /// One record per store ever chosen.
    pub stores: Vec<StoreRecord>,
    /// The last run that reached the server.
    pub last_run: Option<RunRecord>,
}

impl Default for TransferState {
    fn default() -> Self {
        Self {
            format: FORMAT,
            stores: Vec::new(),
            last_run: None,
        }
    }
}

/// Why the state file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// It could not be read or written.
    #[error("cannot use {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The system error.
        source: io::Error,
    },
    /// It cannot be understood. It is left as it is.
    #[error("{path} is damaged: {detail}")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// The parser's words.
        detail: String,
    },
}

impl TransferState {
    /// The state file of `home`.
    pub fn path(home: &Home) -> PathBuf {
        home.root().join(FOLDER).join(FILE)
    }

    /// Reads the state of `home`; none yet is an empty state.
    pub fn load(home: &Home) -> Result<Self, StateError> {
        crate::fsutil::debug_assert_not_ui_thread("TransferState::load");
        let path = Self::path(home);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| StateError::Damaged {
                path,
                detail: e.to_string(),
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(StateError::Io { path, source }),
        }
    }

    /// Writes the state of `home` atomically.
    pub fn save(&self, home: &Home) -> Result<(), StateError> {
        crate::fsutil::debug_assert_not_ui_thread("TransferState::save");
        let path = Self::path(home);
        let io_err = |source| StateError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(fsutil::parent_dir(&path)).map_err(io_err)?;
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| StateError::Io {
            path: path.clone(),
            source: io::Error::other(e),
        })?;
        fsutil::write_atomic(&path, &bytes).map_err(io_err)
    }

    /// The record of `store`, if any.
    pub fn record(&self, store: &Path) -> Option<&StoreRecord> {
        self.stores.iter().find(|r| r.store == store)
    }

    /// The record of `store`, made when missing.
    pub fn record_mut(&mut self, store: &Path) -> &mut StoreRecord {
        if let Some(i) = self.stores.iter().position(|r| r.store == store) {
            &mut self.stores[i]
        } else {
            self.stores.push(StoreRecord::new(store.to_path_buf()));
            let last = self.stores.len() - 1;
            &mut self.stores[last]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_round_trips_and_a_damaged_file_is_said_not_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        assert_eq!(
            TransferState::load(&home).expect("none"),
            TransferState::default()
        );
        let mut state = TransferState::default();
        state.record_mut(Path::new("/a.iea")).completion = Some(Completion {
            receipt: "R-1".into(),
            completed_at: Utc::now(),
        });
        state.record_mut(Path::new("/a.iea"));
        state.record_mut(Path::new("/b.iea"));
        state.save(&home).expect("save");
        let back = TransferState::load(&home).expect("load");
        assert_eq!(back, state);
        assert_eq!(back.stores.len(), 2);
        assert!(back.record(Path::new("/a.iea")).expect("a").done());
        std::fs::write(TransferState::path(&home), "{pas du json").expect("spoil");
        assert!(matches!(
            TransferState::load(&home),
            Err(StateError::Damaged { .. })
        ));
    }

    #[test]
    fn a_stamp_changes_with_the_store_and_its_log() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = dir.path().join("s.iea");
        assert_eq!(StoreStamp::of(&store).store, None);
        std::fs::write(&store, b"abc").expect("write");
        let first = StoreStamp::of(&store);
        assert_eq!(first, StoreStamp::of(&store));
        std::fs::write(dir.path().join("s.iea-wal"), b"x").expect("wal");
        assert_ne!(first, StoreStamp::of(&store));
    }
}
