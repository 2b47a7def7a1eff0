//! The SQLite payroll store: opening without ever creating by mistake, the schema
//! migrations, and the read models the screens and the command line show.
//!
//! Opening a store never creates one: a missing, unreadable, locked or foreign file
//! gives a typed [`StoreError`] that the "Base de données inaccessible" screen and
//! `doctor` explain. Only [`Store::create`] makes a new store, at a path whose folder
//! exists and where no file is yet.

mod audit;
pub mod catalog;
mod fault;
pub mod gate;
mod migrate;
pub mod sessions;
mod summary;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub use audit::AuditEntry;
pub use fault::{StoreFault, StoreFaultKind};
pub use migrate::{
    Migrated, SCHEMA_VERSION, check_migrations, is_known_version, migrate, migrate_with, pending,
};
pub use summary::{DossierState, DossierSummary, StoreSummary};

/// `PRAGMA application_id` of our stores ("IEAP"): tells them from other SQLite files.
pub const APPLICATION_ID: i32 = 0x4945_4150;

/// The start of every message the store's triggers raise when a change would
/// touch a closed exercise (migration 0003).
pub const CLOSED_EXERCISE_TAG: &str = "IEA_EXERCICE_CLOTURE";

/// How long a statement waits for another process's lock before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a store could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The folder that should hold the store does not exist or cannot be reached
    /// (a network share that is down gives this too).
    #[error("folder not found: {folder}")]
    FolderNotFound {
        /// The store's path.
        path: PathBuf,
        /// The first missing folder on the way.
        folder: PathBuf,
    },
    /// The folder exists, the file does not.
    #[error("file not found: {path}")]
    FileNotFound {
        /// The store's path.
        path: PathBuf,
    },
    /// The path names a folder, not a file.
    #[error("not a file: {path}")]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// The system refused access.
    #[error("permission denied: {path}")]
    PermissionDenied {
        /// The path.
        path: PathBuf,
    },
    /// Another program holds a lock on the store longer than the busy timeout.
    #[error("store locked: {path}")]
    Locked {
        /// The store.
        path: PathBuf,
    },
    /// The file is not an SQLite database at all.
    #[error("not a database: {path}")]
    NotADatabase {
        /// The file.
        path: PathBuf,
    },
    /// The file is an SQLite database, but not an Impact emploi store.
    #[error("not an Impact emploi store: {path}")]
    NotAStore {
        /// The file.
        path: PathBuf,
    },
    /// The store is damaged.
    #[error("store corrupt: {path}: {detail}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What SQLite reported.
        detail: String,
    },
    /// The store was made by a newer program.
    #[error("schema version {found} is newer than this program's {supported}")]
    TooNew {
        /// The store.
        path: PathBuf,
        /// Its schema version.
        found: u32,
        /// The newest this program knows.
        supported: u32,
    },
    /// The store was made by an older program: it needs "Mise à jour de la
    /// base de données" (a backup, then its migrations) before it is used.
    #[error("schema version {found} is older than this program's {supported}: update needed")]
    NeedsUpdate {
        /// The store.
        path: PathBuf,
        /// Its schema version.
        found: u32,
        /// The version this program writes.
        supported: u32,
    },
    /// [`Store::create`] was asked to write over an existing file.
    #[error("a file already exists at {path}")]
    AlreadyExists {
        /// The path.
        path: PathBuf,
    },
    /// The disk is full.
    #[error("disk full while writing {path}")]
    DiskFull {
        /// The store.
        path: PathBuf,
    },
    /// The change touches a closed exercise: its payslips and declarations, the
    /// exercise itself, or a new row in its year (refused by the store's triggers).
    #[error("closed exercise: change refused in {path}")]
    ClosedExercise {
        /// The store.
        path: PathBuf,
    },
    /// A year-end closing holds the store (see [`crate::closing`]).
    #[error("year-end closing in progress on {host} since {started_at}: {path}")]
    ClosingInProgress {
        /// The store.
        path: PathBuf,
        /// The computer running the closing.
        host: String,
        /// When it started (RFC 3339).
        started_at: String,
    },
    /// Any other SQLite failure.
    #[error("SQLite error on {path}: {source}")]
    Sqlite {
        /// The store.
        path: PathBuf,
        /// The underlying error.
        source: rusqlite::Error,
    },
    /// Any other system failure.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl StoreError {
    /// Classifies an SQLite error met while working on `path`.
    pub fn from_sqlite(path: &Path, source: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as C;
        let path = path.to_path_buf();
        if source.to_string().contains(CLOSED_EXERCISE_TAG) {
            return Self::ClosedExercise { path };
        }
        let code = source.sqlite_error_code();
        match code {
            Some(C::DatabaseBusy | C::DatabaseLocked) => Self::Locked { path },
            Some(C::NotADatabase) => Self::NotADatabase { path },
            Some(C::DatabaseCorrupt) => Self::Corrupt {
                path,
                detail: source.to_string(),
            },
            Some(C::PermissionDenied | C::ReadOnly | C::AuthorizationForStatementDenied) => {
                Self::PermissionDenied { path }
            }
            Some(C::DiskFull) => Self::DiskFull { path },
            Some(C::CannotOpen) => classify_missing(&path).unwrap_or(Self::Sqlite { path, source }),
            _ => Self::Sqlite { path, source },
        }
    }

    /// The error as a fact that can be kept and said again later.
    pub fn fault(&self) -> StoreFault {
        StoreFault::from(self)
    }

    /// The store path the error is about.
    pub fn path(&self) -> &Path {
        match self {
            Self::FolderNotFound { path, .. }
            | Self::FileNotFound { path }
            | Self::NotAFile { path }
            | Self::PermissionDenied { path }
            | Self::Locked { path }
            | Self::NotADatabase { path }
            | Self::NotAStore { path }
            | Self::Corrupt { path, .. }
            | Self::TooNew { path, .. }
            | Self::NeedsUpdate { path, .. }
            | Self::AlreadyExists { path }
            | Self::DiskFull { path }
            | Self::ClosedExercise { path }
            | Self::ClosingInProgress { path, .. }
            | Self::Sqlite { path, .. }
            | Self::Io { path, .. } => path,
        }
    }
}

/// Explains why `path` cannot be opened when the file system says so, before
/// SQLite is asked anything.
fn classify_missing(path: &Path) -> Option<StoreError> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Some(StoreError::NotAFile {
            path: path.to_path_buf(),
        }),
        Ok(_) => None,
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            Some(StoreError::PermissionDenied {
                path: path.to_path_buf(),
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // Walk up to the first folder that is missing.
            let mut missing = None;
            let mut cur = path.parent();
            while let Some(dir) = cur.filter(|d| !d.as_os_str().is_empty()) {
                match std::fs::metadata(dir) {
                    Ok(m) if m.is_dir() => break,
                    _ => missing = Some(dir.to_path_buf()),
                }
                cur = dir.parent();
            }
            Some(match missing {
                Some(folder) => StoreError::FolderNotFound {
                    path: path.to_path_buf(),
                    folder,
                },
                None => StoreError::FileNotFound {
                    path: path.to_path_buf(),
                },
            })
        }
        Err(source) => Some(StoreError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// An open payroll store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The hold on the store's gate ([`gate`]): declared after the connection,
    /// so that it is released only once the connection is closed.
    _gate: Option<gate::Gate>,
}

impl Drop for Store {
    /// Closing a store writes to it (SQLite folds the WAL back into the file):
    /// never on the thread that draws the window.
    fn drop(&mut self) {
        crate::fsutil::debug_assert_not_ui_thread("closing a Store");
    }
}

impl Store {
    /// Opens an existing store for reading and writing. Never creates a file,
    /// and never migrates one: a store of an older schema gives
    /// [`StoreError::NeedsUpdate`], since its migrations run only through the
    /// database update, after a verified backup ([`crate::updates::database`]).
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_with(path, false, true)
    }

    /// Opens read-only the store that the caller has just put in place behind
    /// the closed gate it holds ([`gate::close`]): the restore's check of what
    /// it restored (a store of an older schema included).
    pub(crate) fn open_read_only_behind_closed_gate(path: &Path) -> Result<Self, StoreError> {
        Self::open_with(path, true, false)
    }

    /// Opens an existing store read-only, without migrating (diagnostics, backups).
    pub fn open_read_only(path: &Path) -> Result<Self, StoreError> {
        Self::open_with(path, true, true)
    }

    fn open_with(path: &Path, read_only: bool, through_gate: bool) -> Result<Self, StoreError> {
        crate::fsutil::debug_assert_not_ui_thread("Store::open");
        if let Some(err) = classify_missing(path) {
            return Err(err);
        }
        // Held before SQLite opens anything of the store, for as long as the
        // connection lives: the store's file is never replaced meanwhile.
        let gate = if through_gate {
            gate::enter(path)?
        } else {
            None
        };
        // A year-end closing holds the store for itself: say so rather than wait
        // for SQLite's busy timeout and call it "locked".
        if let Some((host, started_at, _, _)) = crate::closing::closing_in_progress(path) {
            return Err(StoreError::ClosingInProgress {
                path: path.to_path_buf(),
                host,
                started_at,
            });
        }
        let rw = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = if read_only {
            // Read-only by `query_only` on a read-write connection where the file
            // allows it: the last connection to a WAL store then removes the `-wal`
            // and `-shm` it needed, where a SQLITE_OPEN_READ_ONLY connection leaves
            // them behind (a `status`, a refused restore). A store the user may
            // only read is opened read-only for real.
            Connection::open_with_flags(path, rw)
                .and_then(|c| c.pragma_update(None, "query_only", true).map(|()| c))
                .or_else(|_| {
                    Connection::open_with_flags(
                        path,
                        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    )
                })
        } else {
            Connection::open_with_flags(path, rw)
        }
        .map_err(|e| StoreError::from_sqlite(path, e))?;
        let mut store = Self {
            conn,
            path: path.to_path_buf(),
            _gate: gate,
        };
        store.configure(read_only)?;
        store.check_identity()?;
        let version = store.schema_version()?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path: path.to_path_buf(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if !read_only && version < SCHEMA_VERSION {
            return Err(StoreError::NeedsUpdate {
                path: path.to_path_buf(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        Ok(store)
    }

    /// Creates a new empty store at `path`. The folder must exist and no file may
    /// be there yet; the store appears whole (built beside, then renamed) or not at all.
    pub fn create(path: &Path) -> Result<Self, StoreError> {
        crate::fsutil::debug_assert_not_ui_thread("Store::create");
        Self::check_new_path(path)?;
        let folder = crate::fsutil::parent_dir(path);
        let tmp = crate::fsutil::parent_dir(path).join(format!(
            ".{}.nouvelle",
            path.file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
        ));
        let _ = std::fs::remove_file(&tmp);
        {
            let mut conn = Connection::open(&tmp).map_err(|e| StoreError::from_sqlite(path, e))?;
            init_new(&mut conn).map_err(|e| StoreError::from_sqlite(path, e))?;
        }
        // Refuse to replace a file that appeared meanwhile.
        std::fs::hard_link(&tmp, path).map_err(|source| {
            let _ = std::fs::remove_file(&tmp);
            if source.kind() == std::io::ErrorKind::AlreadyExists {
                StoreError::AlreadyExists {
                    path: path.to_path_buf(),
                }
            } else {
                StoreError::Io {
                    path: path.to_path_buf(),
                    source,
                }
            }
        })?;
        let _ = std::fs::remove_file(&tmp);
        crate::fsutil::sync_dir(folder).map_err(|source| StoreError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::open(path)
    }

    /// Creates a new empty store at `path` as a program of schema `version`
    /// made it (an older store, for the tests of the database update and the
    /// demo of an older store). `version` must be one the migrations reach.
    pub fn create_older(path: &Path, version: u32) -> Result<(), StoreError> {
        crate::fsutil::debug_assert_not_ui_thread("Store::create_older");
        Self::check_new_path(path)?;
        let mut conn = Connection::open(path).map_err(|e| StoreError::from_sqlite(path, e))?;
        init_at(&mut conn, version).map_err(|e| StoreError::from_sqlite(path, e))
    }

    /// Whether a new store may be created at `path`: its folder exists and no file
    /// is there yet. Never creates anything.
    pub fn check_new_path(path: &Path) -> Result<(), StoreError> {
        crate::fsutil::debug_assert_not_ui_thread("Store::check_new_path");
        let folder = crate::fsutil::parent_dir(path);
        if !folder.is_dir() {
            return Err(StoreError::FolderNotFound {
                path: path.to_path_buf(),
                folder: folder.to_path_buf(),
            });
        }
        if path.exists() {
            return Err(StoreError::AlreadyExists {
                path: path.to_path_buf(),
            });
        }
        Ok(())
    }

    fn configure(&mut self, read_only: bool) -> Result<(), StoreError> {
        self.conn
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| self.err(e))?;
        self.conn
            .pragma_update(None, "foreign_keys", true)
            .map_err(|e| self.err(e))?;
        if !read_only {
            let mode = if is_network_path(&self.path) {
                "DELETE"
            } else {
                "WAL"
            };
            self.conn
                .pragma_update(None, "journal_mode", mode)
                .map_err(|e| self.err(e))?;
            // FULL, in WAL mode as in DELETE mode: with NORMAL, a power cut just
            // after a commit may roll the commit back, and a closing or a restore
            // that said "terminé" must stay done. Bulk loads (the demo, the backup's
            // scratch copy) use private connections to throw-away files that are
            // flushed once before they are renamed into place.
            self.conn
                .pragma_update(None, "synchronous", "FULL")
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// Refuses SQLite files that are not our stores (an empty file included).
    fn check_identity(&self) -> Result<(), StoreError> {
        let app_id: i32 = self
            .conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if app_id != APPLICATION_ID {
            return Err(StoreError::NotAStore {
                path: self.path.clone(),
            });
        }
        Ok(())
    }

    /// Classifies an SQLite error met on this store.
    pub fn err(&self, e: rusqlite::Error) -> StoreError {
        StoreError::from_sqlite(&self.path, e)
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The open connection (foreign keys on, busy timeout set).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The open connection, mutable (for transactions).
    pub fn connection_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// `PRAGMA user_version`.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        self.conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// `PRAGMA data_version`: changes when another connection commits.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        self.conn
            .pragma_query_value(None, "data_version", |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// `PRAGMA integrity_check`: `Ok(vec![])` when the store is sound, else the problems.
    pub fn integrity_problems(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("PRAGMA integrity_check")
            .map_err(|e| self.err(e))?;
        let rows: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .map_err(|e| self.err(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.err(e))?;
        Ok(rows.into_iter().filter(|r| r != "ok").collect())
    }
}

/// Sets up a brand-new database file as a store of the current schema.
pub(crate) fn init_new(conn: &mut Connection) -> rusqlite::Result<()> {
    init_at(conn, SCHEMA_VERSION)
}

/// Sets up a brand-new database file as a store of schema `version`.
pub(crate) fn init_at(conn: &mut Connection, version: u32) -> rusqlite::Result<()> {
    conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    if version == SCHEMA_VERSION {
        migrate::apply_all(conn)?;
    } else {
        migrate::apply_up_to(conn, version)?;
    }
    let now = chrono::Local::now().to_rfc3339();
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('created_at', ?1), ('created_by', ?2)",
        (
            now,
            format!("iea-maintenance {}", crate::updates::program_version()),
        ),
    )?;
    Ok(())
}

/// The store's size on disk, its WAL included.
pub fn size_on_disk(path: &Path) -> u64 {
    crate::fsutil::debug_assert_not_ui_thread("store::size_on_disk");
    let main = std::fs::metadata(path).map_or(0, |m| m.len());
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    main + std::fs::metadata(PathBuf::from(wal)).map_or(0, |m| m.len())
}

/// Whether `path` lives on a network file system, where SQLite's WAL must not be
/// used (it needs shared memory between the processes on one machine).
pub fn is_network_path(path: &Path) -> bool {
    #[cfg(target_os = "linux")]
    {
        const NETWORK_MAGICS: [i64; 7] = [
            0x6969,      // NFS
            0x517B,      // SMB
            0xFF53_4D42, // CIFS
            0xFE53_4D42, // SMB2
            0x6573_5546, // FUSE (sshfs and friends)
            0x0102_1997, // 9P
            0x0BD0_0BD0, // Lustre
        ];
        let probe = if path.exists() {
            path
        } else {
            crate::fsutil::parent_dir(path)
        };
        rustix::fs::statfs(probe).is_ok_and(|s| NETWORK_MAGICS.contains(&s.f_type))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let s = path.to_string_lossy();
        s.starts_with(r"\\") || s.starts_with("//")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_then_open_gives_current_schema() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("paie.iea");
        let store = Store::create(&path).expect("create");
        assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
        drop(store);
        let store = Store::open(&path).expect("open");
        assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
        assert!(store.integrity_problems().expect("check").is_empty());
    }

    /// Regression: the store ran `synchronous=NORMAL`, with which a power cut
    /// may roll back a commit that already said "terminé" (a closing, a restore).
    #[test]
    fn every_read_write_connection_flushes_each_commit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("paie.iea");
        drop(Store::create(&path).expect("create"));
        let store = Store::open(&path).expect("open");
        let level: i64 = store
            .connection()
            .pragma_query_value(None, "synchronous", |r| r.get(0))
            .expect("pragma");
        assert_eq!(level, 2, "synchronous = FULL");
    }

    /// Regression: a `status` or a refused restore left an empty `-wal` and a
    /// `-shm` beside the store.
    #[test]
    fn reading_leaves_no_side_file_and_writes_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("paie.iea");
        drop(Store::create(&path).expect("create"));
        let side = |suffix: &str| {
            let mut s = path.clone().into_os_string();
            s.push(suffix);
            std::path::PathBuf::from(s)
        };
        assert!(!side("-wal").exists() && !side("-shm").exists());
        let store = Store::open_read_only(&path).expect("open");
        assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
        assert!(
            store
                .connection()
                .execute_batch("DELETE FROM audit_log")
                .is_err(),
            "a read-only store refuses writes"
        );
        drop(store);
        assert!(!side("-wal").exists(), "no -wal left");
        assert!(!side("-shm").exists(), "no -shm left");
    }

    #[test]
    fn open_never_creates_a_missing_store() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("absent.iea");
        assert!(matches!(
            Store::open(&path),
            Err(StoreError::FileNotFound { .. })
        ));
        assert!(!path.exists());
        let deep = dir.path().join("partage").join("compta").join("paie.iea");
        match Store::open(&deep) {
            Err(StoreError::FolderNotFound { folder, .. }) => {
                assert_eq!(folder, dir.path().join("partage"));
            }
            other => panic!("expected a missing folder, got {other:?}"),
        }
        assert!(!dir.path().join("partage").exists());
    }

    #[test]
    fn create_refuses_an_existing_file_and_a_missing_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("paie.iea");
        std::fs::write(&path, b"important").expect("write");
        assert!(matches!(
            Store::create(&path),
            Err(StoreError::AlreadyExists { .. })
        ));
        assert_eq!(std::fs::read(&path).expect("read"), b"important");
        let typo = dir.path().join("dossier-mal-tape").join("paie.iea");
        assert!(matches!(
            Store::create(&typo),
            Err(StoreError::FolderNotFound { .. })
        ));
    }

    #[test]
    fn foreign_files_are_recognised() {
        let dir = tempfile::tempdir().expect("tempdir");
        let text = dir.path().join("notes.iea");
        std::fs::write(&text, vec![b'x'; 4096]).expect("write");
        assert!(matches!(
            Store::open(&text),
            Err(StoreError::NotADatabase { .. })
        ));
        let empty = dir.path().join("vide.iea");
        std::fs::write(&empty, b"").expect("write");
        assert!(matches!(
            Store::open(&empty),
            Err(StoreError::NotAStore { .. })
        ));
        let other = dir.path().join("autre.sqlite");
        Connection::open(&other)
            .expect("open")
            .execute_batch("CREATE TABLE t (x)")
            .expect("create");
        assert!(matches!(
            Store::open(&other),
            Err(StoreError::NotAStore { .. })
        ));
        assert!(matches!(
            Store::open(dir.path()),
            Err(StoreError::NotAFile { .. })
        ));
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("paie.iea");
        drop(Store::create(&path).expect("create"));
        Connection::open(&path)
            .expect("open")
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .expect("bump");
        assert!(matches!(Store::open(&path), Err(StoreError::TooNew { .. })));
    }

    #[test]
    fn an_older_store_is_never_migrated_by_opening_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("paie.iea");
        Store::create_older(&path, 4).expect("older store");
        match Store::open(&path) {
            Err(StoreError::NeedsUpdate {
                found, supported, ..
            }) => {
                assert_eq!(found, 4);
                assert_eq!(supported, SCHEMA_VERSION);
            }
            other => panic!("expected an update needed, got {other:?}"),
        }
        let store = Store::open_read_only(&path).expect("read-only");
        assert_eq!(store.schema_version().expect("version"), 4, "untouched");
    }

    #[test]
    fn constraints_reject_bad_rows() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::create(&dir.path().join("paie.iea")).expect("create");
        let c = store.connection();
        c.execute(
            "INSERT INTO dossiers (name, state, created_at) VALUES ('Asso', 'production', '2024-01-01')",
            [],
        )
        .expect("dossier");
        // Unknown state, duplicate name, bad SIRET, orphan employer.
        for bad in [
            "INSERT INTO dossiers (name, state, created_at) VALUES ('B', 'test', '2024-01-01')",
            "INSERT INTO dossiers (name, state, created_at) VALUES ('asso', 'production', '2024-01-01')",
            "INSERT INTO employers (dossier_id, siret, name, ccn_code) VALUES (1, '1234', 'X', '2511')",
            "INSERT INTO employers (dossier_id, siret, name, ccn_code) VALUES (99, '73282932000074', 'X', '2511')",
        ] {
            assert!(c.execute(bad, []).is_err(), "accepted: {bad}");
        }
    }
}
