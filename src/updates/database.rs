//! "Mise à jour de la base de données": the store brought to this program's
//! schema, the way the seed's last step does it, made safe.
//!
//! 1. Nobody may be working on the store: live sessions (by heartbeat) are
//!    named, and the update waits for them to end.
//! 2. A verified backup of the store is taken first with the backup archive
//!    code (snapshot, integrity check, zip, read back), into
//!    `IEA_HOME/mises-a-jour/sauvegardes`.
//! 3. Every pending migration runs in one `BEGIN EXCLUSIVE` transaction (the
//!    store's write lock: on a shared store, one workstation migrates, the
//!    others find it done); a crash leaves the store at its old version, whole.
//! 4. When the OPCO correspondence (schema 6) was among the steps, its report
//!    is written on the desktop and kept under `IEA_HOME`.
//!
//! A store newer than the program is refused, as everywhere.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{Local, Utc};
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use super::UpdateDirs;
use super::report::{self, OpcoReport, ReportFiles};
use crate::backup::archive::{self, ArchiveError};
use crate::config::{Config, ConfigError};
use crate::home::Home;
use crate::jobs::{Cancel, JobError, JobKind, JobLock, Phase, Progress};
use crate::store::sessions::SessionInfo;
use crate::store::{BUSY_TIMEOUT, Migrated, SCHEMA_VERSION, Store, StoreError};

/// The schema version that brings the OPCO correspondence and its report.
pub const OPCO_SCHEMA: u32 = 6;

/// The script name recorded in the backup taken before an update.
pub const BACKUP_LABEL: &str = "avant mise à jour";

/// Where the store stands against this program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatabaseStatus {
    /// The store.
    pub path: PathBuf,
    /// Its schema version.
    pub found: u32,
    /// This program's.
    pub supported: u32,
}

impl DatabaseStatus {
    /// Whether the store needs its update.
    pub fn needs_update(&self) -> bool {
        self.found < self.supported
    }
}

/// What a database update did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatabaseUpdated {
    /// The store.
    pub store: PathBuf,
    /// The version it had.
    pub from: u32,
    /// The version it has.
    pub to: u32,
    /// The migrations applied, in order; empty when it was already up to date
    /// (by another workstation, for example).
    pub steps: Vec<u32>,
    /// The verified backup taken before (none when nothing had to change).
    pub backup: Option<PathBuf>,
    /// How long the backup took.
    pub backup_secs: f64,
    /// How long the migrations took.
    pub migration_secs: f64,
    /// The OPCO report, when the OPCO correspondence was applied.
    pub report: Option<(OpcoReport, ReportFiles)>,
}

/// Why the store was not updated. In every case it is left as it was.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseUpdateError {
    /// The configuration cannot be read.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The store cannot be opened or read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Someone works on the store.
    #[error("{} sessions open", sessions.len())]
    SessionsOpen {
        /// The live sessions.
        sessions: Vec<SessionInfo>,
    },
    /// The backup before the update failed; nothing was changed.
    #[error("backup before the update failed: {0}")]
    Backup(#[from] ArchiveError),
    /// A migration failed; the transaction was rolled back.
    #[error("migration failed: {source}")]
    Migration {
        /// What SQLite said, classified.
        source: StoreError,
    },
    /// A job of the same kind runs, or "Annuler" was asked.
    #[error(transparent)]
    Job(#[from] JobError),
    /// The report could not be written (the update itself is done).
    #[error("report not written: {source}")]
    Report {
        /// What the update did.
        done: Box<DatabaseUpdated>,
        /// The system error.
        source: std::io::Error,
    },
}

/// The active store's schema against this program's (read-only, nothing
/// changed).
pub fn status(home: &Home) -> Result<DatabaseStatus, DatabaseUpdateError> {
    let config = Config::load(home)?;
    let path = config.paths.store;
    let store = Store::open_read_only(&path)?;
    Ok(DatabaseStatus {
        found: store.schema_version()?,
        supported: SCHEMA_VERSION,
        path,
    })
}

/// "Mise à jour de la base de données" on the active store of `home`; the
/// report goes on `desktop`, or on the user's desktop ([`report::desktop_dir`])
/// when `None`.
pub fn update_database(
    home: &Home,
    desktop: Option<&Path>,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<DatabaseUpdated, DatabaseUpdateError> {
    let _lock = JobLock::acquire(home, JobKind::DatabaseUpdate)?;
    let status = status(home)?;
    let path = status.path.clone();
    if status.found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path,
            found: status.found,
            supported: SCHEMA_VERSION,
        }
        .into());
    }
    if !status.needs_update() {
        return Ok(DatabaseUpdated {
            store: path,
            from: status.found,
            to: status.found,
            steps: Vec::new(),
            backup: None,
            backup_secs: 0.0,
            migration_secs: 0.0,
            report: None,
        });
    }
    let sessions = live_sessions(&path)?;
    if !sessions.is_empty() {
        return Err(DatabaseUpdateError::SessionsOpen { sessions });
    }
    cancel.check()?;

    let started = Instant::now();
    let backup = backup_before(home, &path, status.found, progress, cancel)?;
    let backup_secs = started.elapsed().as_secs_f64();
    // The last moment "Annuler" is heeded: the migrations are one transaction.
    cancel.check()?;

    let started = Instant::now();
    let migrated = migrate_store(&path, progress)
        .map_err(|source| DatabaseUpdateError::Migration { source })?;
    let migration_secs = started.elapsed().as_secs_f64();
    tracing::info!(
        store = %path.display(),
        from = migrated.from,
        to = migrated.to,
        steps = ?migrated.steps,
        backup = %backup.display(),
        "base de données mise à jour"
    );
    let mut done = DatabaseUpdated {
        store: path.clone(),
        from: migrated.from,
        to: migrated.to,
        steps: migrated.steps.clone(),
        backup: Some(backup),
        backup_secs,
        migration_secs,
        report: None,
    };
    if migrated.steps.contains(&OPCO_SCHEMA) {
        progress.phase(Phase::DatabaseReport, 0);
        let store = Store::open_read_only(&path)?;
        let now = Local::now();
        let facts = report::read(store.connection(), &path, now).map_err(|e| store.err(e))?;
        drop(store);
        let text = crate::messages::opco_report_text(&facts);
        let desktop = desktop.map(Path::to_path_buf).or_else(report::desktop_dir);
        match report::write(home, desktop.as_deref(), &text, now) {
            Ok(files) => done.report = Some((facts, files)),
            Err(source) => {
                return Err(DatabaseUpdateError::Report {
                    done: Box::new(done),
                    source,
                });
            }
        }
    }
    Ok(done)
}

/// The sessions connected to the store at `path` now.
fn live_sessions(path: &Path) -> Result<Vec<SessionInfo>, StoreError> {
    let store = Store::open_read_only(path)?;
    crate::store::sessions::connected(store.connection(), Utc::now()).map_err(|e| store.err(e))
}

/// Takes the verified backup of the store before its update, named after its
/// schema and the time: `avant-mise-a-jour-v4-20261203-211500.iea.zip`.
pub fn backup_before(
    home: &Home,
    store: &Path,
    schema: u32,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<PathBuf, DatabaseUpdateError> {
    let dir = UpdateDirs::of(home).backups_dir();
    std::fs::create_dir_all(&dir).map_err(|source| {
        DatabaseUpdateError::Backup(ArchiveError::Io {
            path: dir.clone(),
            source,
        })
    })?;
    let name = format!(
        "avant-mise-a-jour-v{schema}-{}{}",
        Local::now().format("%Y%m%d-%H%M%S"),
        crate::backup::destination::ARCHIVE_SUFFIX
    );
    let built = archive::build_archive(store, &dir, &name, Some(BACKUP_LABEL), progress, cancel)?;
    archive::verify_archive(&built.path, progress, cancel)?;
    Ok(built.path)
}

/// Runs the pending migrations of the store at `path` in one exclusive
/// transaction (see [`crate::store::migrate_with`]); the steps are reported
/// through `progress`.
pub fn migrate_store(path: &Path, progress: &dyn Progress) -> Result<Migrated, StoreError> {
    crate::fsutil::debug_assert_not_ui_thread("migrate_store");
    // Declared before the connection: released after it is closed.
    let _gate = crate::store::gate::enter(path)?;
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| StoreError::from_sqlite(path, e))?;
    let err = |e| StoreError::from_sqlite(path, e);
    conn.busy_timeout(BUSY_TIMEOUT.max(Duration::from_secs(30)))
        .map_err(err)?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(err)?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(err)?;
    let app_id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(err)?;
    if app_id != crate::store::APPLICATION_ID {
        return Err(StoreError::NotAStore {
            path: path.to_path_buf(),
        });
    }
    let version: u32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(err)?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    let total = crate::store::pending(version).len() as u64;
    progress.phase(Phase::DatabaseMigrate, total);
    let mut done = 0;
    let migrated = crate::store::migrate_with(&mut conn, &mut |_| {
        progress.advance(done);
        done += 1;
    })
    .map_err(err)?;
    progress.advance(total);
    conn.close().map_err(|(_, e)| err(e))?;
    Ok(migrated)
}
