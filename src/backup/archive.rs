//! Backup archives: a consistent snapshot of the live store, checked, zipped with
//! a manifest, and verified again before anything is restored from it.
//!
//! [`build_archive`] copies the store with SQLite's online backup API while other
//! programs may be writing (in WAL mode it holds one read transaction, so the copy
//! is one moment of the store and writers are never blocked; in rollback-journal
//! mode, on network shares, it copies in short steps and SQLite restarts the copy
//! when the store changes). The copy is then checked (`PRAGMA integrity_check`,
//! identity, schema version) on one thread while another compresses and hashes
//! it, so that both cores work; a damaged store never gives an archive. The zip is
//! written under a temporary name, flushed to disk and only then renamed: a file
//! with a final name in staging is always whole.
//!
//! [`verify_archive`] reads an archive back and checks the database against its
//! manifest (size and SHA-256); [`extract_verified`] does the same while
//! extracting it for a restore, then checks the extracted database as SQLite sees
//! it. Everything streams through fixed-size buffers: memory stays small whatever
//! the size of the store.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike as _, Local, Timelike as _, Utc};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, ErrorCode, OpenFlags};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zip::result::ZipError;
use zip::write::{SimpleFileOptions, StreamWriter};
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::destination::PARTIAL_PREFIX;
use crate::diagnostics::SystemError;
use crate::fsutil;
use crate::jobs::{Cancel, Phase, Progress};
use crate::store::{APPLICATION_ID, BUSY_TIMEOUT, SCHEMA_VERSION, Store, StoreError, StoreFault};

/// The name of the database inside an archive.
pub const DATABASE_ENTRY: &str = "impact-emploi.iea";

/// The name of the manifest inside an archive.
pub const MANIFEST_ENTRY: &str = "manifeste.json";

/// The manifest format this program writes and reads.
pub const MANIFEST_FORMAT: u32 = 1;

/// The tables whose row counts the manifest records (a table missing from an
/// older schema is left out of the counts).
pub const COUNTED_TABLES: [&str; 10] = [
    "dossiers",
    "employers",
    "employees",
    "contracts",
    "payslips",
    "declarations",
    "exercises",
    "users",
    "closed_payslips",
    "closed_declarations",
];

/// Size of every read and write buffer: large enough for few system calls, small
/// enough that a backup stays far below its memory budget.
const BUFFER_BYTES: usize = 1 << 20;

/// Pages copied per step of the online backup. Between steps the copy checks its
/// cancel flag and, in rollback-journal mode, lets writers in (4 096-byte pages:
/// 8 MB, a few milliseconds of copying).
const PAGES_PER_STEP: i32 = 2048;

/// In rollback-journal mode, how many times the copy may start again because the
/// store changed before it copies everything in one step (writers then wait for
/// at most the time of one copy).
const MAX_RESTARTS: u32 = 3;

/// Deflate level. Measured on a demo store of 1 000 000 payslips (135 MB, two
/// cores): level 2 of zlib-rs compresses it to 48 MB in 0.9 s, level 1 to 55 MB
/// in 0.6 s, level 6 to 43 MB in 2.0 s. The integrity check of the copy runs
/// meanwhile on the other core and takes 1.2 s, so level 2 costs nothing in
/// time and is the smallest archive that does not lengthen the backup.
const COMPRESSION_LEVEL: i64 = 2;

/// The largest manifest read (a real one is well under a kilobyte).
const MAX_MANIFEST_BYTES: u64 = 1 << 20;

/// Integrity problems kept in an error (SQLite lists up to 100 by default).
const MAX_PROBLEMS: u32 = 20;

/// What an archive says about the database it holds.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The manifest format, [`MANIFEST_FORMAT`].
    pub format: u32,
    /// The version of the program that made the archive.
    pub program_version: String,
    /// The database's schema version (`PRAGMA user_version`).
    pub schema_version: u32,
    /// The backup script that made it (none for a copy made by hand).
    pub script: Option<String>,
    /// When the snapshot was taken.
    pub created_at: DateTime<Utc>,
    /// SHA-256 of the database entry, lower-case hexadecimal.
    pub database_sha256: String,
    /// Size of the database entry in bytes.
    pub database_size: u64,
    /// Row counts of the main tables ([`COUNTED_TABLES`]).
    pub counts: BTreeMap<String, u64>,
}

/// An archive made in staging by [`build_archive`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltArchive {
    /// `staging_dir/file_name`.
    pub path: PathBuf,
    /// SHA-256 of the zip file, lower-case hexadecimal.
    pub sha256_hex: String,
    /// Size of the zip file in bytes.
    pub size_bytes: u64,
    /// Its manifest.
    pub manifest: Manifest,
}

/// Why an archive could not be made, verified or extracted. In every case the
/// files this module was writing have been removed.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The store (or the copy or extracted database) could not be opened or read.
    #[error("cannot open database {path}: {source}")]
    Open {
        /// The database.
        path: PathBuf,
        /// Why, classified.
        source: StoreError,
    },
    /// The online copy of the store failed (store kept busy, unexpected error).
    #[error("snapshot failed: {detail}")]
    Snapshot {
        /// What SQLite reported.
        detail: String,
    },
    /// `PRAGMA integrity_check` found problems: the store is damaged.
    #[error("database damaged: {}", problems.join("; "))]
    Damaged {
        /// The problems, as SQLite lists them (the first few).
        problems: Vec<String>,
    },
    /// The database is not an Impact emploi store (wrong `application_id`).
    #[error("not an Impact emploi store")]
    NotAStore,
    /// The database was written by a newer program.
    #[error("schema version {found} is newer than this program's {supported}")]
    TooNew {
        /// Its schema version.
        found: u32,
        /// The newest this program knows.
        supported: u32,
    },
    /// The file is not a backup archive: not a zip, no manifest, bad manifest.
    #[error("not a backup archive: {path}: {detail}")]
    NotAnArchive {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The archive is damaged: size or hash mismatch, CRC error, bad data.
    #[error("archive corrupt: {path}: {detail}")]
    Corrupt {
        /// The archive.
        path: PathBuf,
        /// Which check failed.
        detail: String,
    },
    /// Any other input/output error.
    #[error("i/o error on {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The system error.
        source: io::Error,
    },
    /// The disk filled up (or a quota was reached) while writing `path`.
    #[error("no space left while writing {path}")]
    NoSpace {
        /// The file being written.
        path: PathBuf,
    },
    /// The work was cancelled.
    #[error("cancelled")]
    Cancelled,
}

impl ArchiveError {
    /// The error as a fact that can be kept and said again later.
    pub fn fault(&self) -> ArchiveFault {
        use ArchiveFaultKind as K;
        let kind = match self {
            Self::Open { path, source } => K::Open {
                path: path.clone(),
                store: source.fault(),
            },
            Self::Snapshot { detail } => K::Snapshot {
                detail: detail.clone(),
            },
            Self::Damaged { problems } => K::Damaged {
                problems: problems.clone(),
            },
            Self::NotAStore => K::NotAStore,
            Self::TooNew { found, supported } => K::TooNew {
                found: *found,
                supported: *supported,
            },
            Self::NotAnArchive { path, detail } => K::NotAnArchive {
                path: path.clone(),
                detail: detail.clone(),
            },
            Self::Corrupt { path, detail } => K::Corrupt {
                path: path.clone(),
                detail: detail.clone(),
            },
            Self::Io { path, source } => K::Io {
                path: path.clone(),
                system: SystemError::of(source),
            },
            Self::NoSpace { path } => K::NoSpace { path: path.clone() },
            Self::Cancelled => K::Cancelled,
        };
        ArchiveFault {
            kind,
            technical: self.to_string(),
        }
    }
}

/// An [`ArchiveError`] kept as facts (in a backup run's reason, a verification's
/// result): the same cases with the system error classified, and the program's
/// own message as text for the technical details. `messages` says it in French.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveFault {
    /// What went wrong, with its parameters.
    #[serde(flatten)]
    pub kind: ArchiveFaultKind,
    /// The program's own message (in English), for the technical details.
    pub technical: String,
}

impl ArchiveFault {
    /// The same fault about `shown` instead of `local`: a backup fetched into a
    /// temporary copy to be checked is named as the user knows it (its file at the
    /// destination), not by a copy that no longer exists.
    #[must_use]
    pub fn naming(mut self, local: &Path, shown: &Path) -> Self {
        use ArchiveFaultKind as K;
        if let K::Open { path, .. }
        | K::NotAnArchive { path, .. }
        | K::Corrupt { path, .. }
        | K::Io { path, .. }
        | K::NoSpace { path } = &mut self.kind
            && path == local
        {
            *path = shown.to_path_buf();
        }
        self.technical = self
            .technical
            .replace(&*local.to_string_lossy(), &shown.to_string_lossy());
        self
    }
}

/// The cases of [`ArchiveError`], each with what its French needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", content = "params", rename_all = "snake_case")]
pub enum ArchiveFaultKind {
    /// [`ArchiveError::Open`].
    Open {
        /// The database.
        path: PathBuf,
        /// Why, as a store fault.
        store: StoreFault,
    },
    /// [`ArchiveError::Snapshot`].
    Snapshot {
        /// What SQLite reported.
        detail: String,
    },
    /// [`ArchiveError::Damaged`].
    Damaged {
        /// The problems, as SQLite lists them.
        problems: Vec<String>,
    },
    /// [`ArchiveError::NotAStore`].
    NotAStore,
    /// [`ArchiveError::TooNew`].
    TooNew {
        /// Its schema version.
        found: u32,
        /// The newest this program knows.
        supported: u32,
    },
    /// [`ArchiveError::NotAnArchive`].
    NotAnArchive {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// [`ArchiveError::Corrupt`].
    Corrupt {
        /// The archive.
        path: PathBuf,
        /// Which check failed.
        detail: String,
    },
    /// [`ArchiveError::Io`].
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The system error, classified.
        system: SystemError,
    },
    /// [`ArchiveError::NoSpace`].
    NoSpace {
        /// The file being written.
        path: PathBuf,
    },
    /// [`ArchiveError::Cancelled`].
    Cancelled,
}

/// Makes a verified archive of the store at `store_path` in `staging_dir`, named
/// `file_name` (normally [`super::destination::archive_name`]).
///
/// The snapshot is taken with SQLite's online backup API from a read-only
/// connection, checked with `PRAGMA integrity_check` (a damaged store gives
/// [`ArchiveError::Damaged`] and no archive), and zipped with its manifest under
/// a temporary name, flushed, then renamed to `file_name`. On failure or cancel
/// nothing of this run is left in staging.
pub fn build_archive(
    store_path: &Path,
    staging_dir: &Path,
    file_name: &str,
    script: Option<&str>,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<BuiltArchive, ArchiveError> {
    check_file_name(staging_dir, file_name)?;
    check_cancel(cancel)?;
    let started = Instant::now();
    let snapshot = Scratch::new(staging_dir.join(format!("{PARTIAL_PREFIX}{file_name}.base")));
    let partial = Scratch::new(staging_dir.join(format!("{PARTIAL_PREFIX}{file_name}")));
    let final_path = staging_dir.join(file_name);

    let created_at = Utc::now();
    take_snapshot(store_path, snapshot.path(), progress, cancel)?;
    check_cancel(cancel)?;

    let checker = Checker::start(snapshot.path())?;
    let (written, manifest) = write_zip(
        snapshot.path(),
        partial.path(),
        checker,
        |facts, sha, size| {
            accept_facts(facts, None)?;
            Ok(Manifest {
                format: MANIFEST_FORMAT,
                program_version: crate::updates::program_version().to_owned(),
                schema_version: facts.schema_version,
                script: script.map(str::to_owned),
                created_at,
                database_sha256: sha,
                database_size: size,
                counts: facts.counts.clone(),
            })
        },
        created_at,
        progress,
        cancel,
    )?;
    check_cancel(cancel)?;
    fsutil::rename_durable(partial.path(), &final_path).map_err(io_err(&final_path))?;
    partial.forget();
    drop(snapshot);
    tracing::info!(
        archive = %final_path.display(),
        size_bytes = written.size_bytes,
        database_bytes = manifest.database_size,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "archive de sauvegarde prête"
    );
    Ok(BuiltArchive {
        path: final_path,
        sha256_hex: written.sha256_hex,
        size_bytes: written.size_bytes,
        manifest,
    })
}

/// Reads the archive at `path` whole: its manifest, then the database entry,
/// decompressed as a stream and checked against the manifest (size, SHA-256, and
/// the zip's own CRC). Does not run `PRAGMA integrity_check` (restores do).
pub fn verify_archive(
    path: &Path,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Manifest, ArchiveError> {
    let mut archive = open_archive(path)?;
    let manifest = manifest_of(&mut archive, path)?;
    check_cancel(cancel)?;
    progress.phase(Phase::ReadBackup, manifest.database_size);
    stream_database(&mut archive, path, &manifest, None, progress, cancel)?;
    Ok(manifest)
}

/// Extracts the database of the archive at `path` to `to_db` (which must not
/// exist), checking its size and SHA-256 while writing, flushes it to disk, then
/// opens it read-only and checks its identity, its integrity, and that its schema
/// is not newer than this program's ([`ArchiveError::TooNew`]) and is the one
/// the manifest states. On any failure `to_db` is removed.
pub fn extract_verified(
    path: &Path,
    to_db: &Path,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Manifest, ArchiveError> {
    let mut archive = open_archive(path)?;
    let manifest = manifest_of(&mut archive, path)?;
    check_cancel(cancel)?;
    let (target, file) = create_target(to_db)?;
    progress.phase(Phase::ExtractBackup, manifest.database_size);
    let mut out = BufWriter::with_capacity(BUFFER_BYTES, file);
    stream_database(
        &mut archive,
        path,
        &manifest,
        Some((&mut out, to_db)),
        progress,
        cancel,
    )?;
    let file = out
        .into_inner()
        .map_err(|e| io_err(to_db)(e.into_error()))?;
    file.sync_all().map_err(io_err(to_db))?;
    drop(file);
    check_cancel(cancel)?;

    progress.phase(Phase::CheckRestored, 0);
    let facts = Checker::start(to_db)?.finish(cancel)?;
    accept_facts(&facts, Some((&manifest, path)))?;
    fsutil::sync_dir(fsutil::parent_dir(to_db)).map_err(io_err(to_db))?;
    target.forget();
    Ok(manifest)
}

/// Copies a bare store file (a safety copy set aside by an earlier restore) to
/// `to_db` (which must not exist) with the online backup API, so that a
/// write-ahead log beside it is taken in, then checks the copy as
/// [`extract_verified`] does. Returns a manifest made from the copy itself
/// (`created_at` is the source file's modification time). On any failure `to_db`
/// is removed.
pub fn adopt_database(
    db_path: &Path,
    to_db: &Path,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Manifest, ArchiveError> {
    check_cancel(cancel)?;
    let created_at = fs::metadata(db_path)
        .and_then(|m| m.modified())
        .map_or_else(|_| Utc::now(), DateTime::<Utc>::from);
    let (target, file) = create_target(to_db)?;
    drop(file);
    take_snapshot(db_path, to_db, progress, cancel)?;
    check_cancel(cancel)?;
    progress.phase(Phase::CheckCopy, 0);
    let checker = Checker::start(to_db)?;
    let (sha, size) = sha256_and_size(to_db).map_err(io_err(to_db))?;
    let facts = checker.finish(cancel)?;
    accept_facts(&facts, None)?;
    File::open(to_db)
        .and_then(|f| f.sync_all())
        .map_err(io_err(to_db))?;
    fsutil::sync_dir(fsutil::parent_dir(to_db)).map_err(io_err(to_db))?;
    target.forget();
    Ok(Manifest {
        format: MANIFEST_FORMAT,
        program_version: crate::updates::program_version().to_owned(),
        schema_version: facts.schema_version,
        script: None,
        created_at,
        database_sha256: sha,
        database_size: size,
        counts: facts.counts,
    })
}

/// The SHA-256 of the file at `path`, lower-case hexadecimal (read in fixed-size
/// chunks).
pub fn sha256_file(path: &Path) -> io::Result<String> {
    sha256_and_size(path).map(|(sha, _)| sha)
}

/// The SHA-256 and size of a snapshot of the store at `store_path`, taken as
/// [`build_archive`] takes it (the online backup API into `staging_dir`, then
/// removed): equal to the `database_sha256` of an archive's manifest exactly
/// when the store holds the same data as when that archive was made. It tells
/// whether an archive still is the store, without making a new one.
pub fn snapshot_sha256(
    store_path: &Path,
    staging_dir: &Path,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<(String, u64), ArchiveError> {
    check_cancel(cancel)?;
    let file_name = store_path
        .file_name()
        .map_or_else(|| "base".into(), |n| n.to_string_lossy().into_owned());
    let snapshot = Scratch::new(staging_dir.join(format!("{PARTIAL_PREFIX}{file_name}.controle")));
    take_snapshot(store_path, snapshot.path(), progress, cancel)?;
    check_cancel(cancel)?;
    sha256_and_size(snapshot.path()).map_err(io_err(snapshot.path()))
}

/// The manifest of the archive at `path`, without decompressing the database.
pub fn read_manifest(path: &Path) -> Result<Manifest, ArchiveError> {
    let mut archive = open_archive(path)?;
    manifest_of(&mut archive, path)
}

// ---------------------------------------------------------------------------
// Snapshot

/// Copies the store at `store_path` into the new file `dest` with the online
/// backup API, and leaves `dest` a standalone database in rollback-journal mode
/// (no `-wal` needed beside it).
fn take_snapshot(
    store_path: &Path,
    dest: &Path,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<(), ArchiveError> {
    take_snapshot_in_steps(store_path, dest, PAGES_PER_STEP, progress, cancel)
}

/// [`take_snapshot`], copying `pages_per_step` pages at a time.
fn take_snapshot_in_steps(
    store_path: &Path,
    dest: &Path,
    pages_per_step: i32,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<(), ArchiveError> {
    let source = Store::open_read_only(store_path).map_err(|source| ArchiveError::Open {
        path: store_path.to_path_buf(),
        source,
    })?;
    let source_conn = source.connection();
    let src_err = |e: rusqlite::Error| ArchiveError::Open {
        path: store_path.to_path_buf(),
        source: source.err(e),
    };
    let journal_mode: String = source_conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .map_err(src_err)?;
    let wal = journal_mode.eq_ignore_ascii_case("wal");

    // The file is created here, not by SQLite, so that a folder without rights
    // or a full disk reads as such.
    if !dest.exists() {
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(dest)
            .map_err(io_err(dest))?;
    }
    let mut copy_conn = Connection::open_with_flags(
        dest,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| snapshot_err(dest, &e))?;
    // A scratch copy needs no journal and no flush: it is checked and hashed
    // before anything relies on it.
    copy_conn
        .pragma_update(None, "journal_mode", "OFF")
        .and_then(|()| copy_conn.pragma_update(None, "synchronous", "OFF"))
        .map_err(|e| snapshot_err(dest, &e))?;

    if wal {
        // One read transaction for the whole copy: the copy is one moment of the
        // store, SQLite never restarts it, and writers are not blocked (readers
        // never block writers in WAL mode).
        source_conn.execute_batch("BEGIN").map_err(src_err)?;
        source_conn
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
                r.get::<_, i64>(0)
            })
            .map_err(src_err)?;
    }
    let copied = copy_pages(
        source_conn,
        &mut copy_conn,
        dest,
        wal,
        pages_per_step,
        progress,
        cancel,
    );
    if wal {
        let _ = source_conn.execute_batch("COMMIT");
    }
    drop(source);
    copied?;

    // The copy carries the source's header, WAL mode included: turn it back into
    // a standalone file.
    let mode: String = copy_conn
        .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
        .map_err(|e| snapshot_err(dest, &e))?;
    if !mode.eq_ignore_ascii_case("delete") {
        return Err(ArchiveError::Snapshot {
            detail: format!("copy left in journal mode {mode}"),
        });
    }
    copy_conn.close().map_err(|(_, e)| snapshot_err(dest, &e))?;
    Ok(())
}

/// The page-copying loop of [`take_snapshot`].
fn copy_pages(
    source_conn: &Connection,
    copy_conn: &mut Connection,
    dest: &Path,
    wal: bool,
    pages_per_step: i32,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<(), ArchiveError> {
    let backup = Backup::new(source_conn, copy_conn).map_err(|e| snapshot_err(dest, &e))?;
    let mut pages = pages_per_step;
    let mut restarts = 0;
    let mut last_remaining = i32::MAX;
    let mut busy_since: Option<Instant> = None;
    let mut phase_started = false;
    loop {
        check_cancel(cancel)?;
        let step = backup.step(pages).map_err(|e| snapshot_err(dest, &e))?;
        let state = backup.progress();
        if !phase_started {
            progress.phase(Phase::CopyStore, state.pagecount.max(0) as u64);
            phase_started = true;
        }
        match step {
            StepResult::Done => {
                progress.advance(state.pagecount.max(0) as u64);
                return Ok(());
            }
            StepResult::More => busy_since = None,
            StepResult::Busy | StepResult::Locked => {
                let since = *busy_since.get_or_insert_with(Instant::now);
                if since.elapsed() > BUSY_TIMEOUT {
                    return Err(ArchiveError::Snapshot {
                        detail: format!(
                            "store kept locked by another program for more than {} s",
                            BUSY_TIMEOUT.as_secs()
                        ),
                    });
                }
                thread::sleep(Duration::from_millis(20));
                continue;
            }
            // `StepResult` is non-exhaustive.
            _ => {
                return Err(ArchiveError::Snapshot {
                    detail: "unexpected backup step result".to_owned(),
                });
            }
        }
        if state.remaining > last_remaining && !wal {
            // The store changed under the copy, which started again.
            restarts += 1;
            if restarts >= MAX_RESTARTS {
                pages = -1;
            }
        }
        last_remaining = state.remaining;
        progress.advance((state.pagecount - state.remaining).max(0) as u64);
    }
}

/// Classifies an SQLite error met while copying into `dest`.
fn snapshot_err(dest: &Path, e: &rusqlite::Error) -> ArchiveError {
    match e.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => ArchiveError::NoSpace {
            path: dest.to_path_buf(),
        },
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => ArchiveError::Damaged {
            problems: vec![e.to_string()],
        },
        _ => ArchiveError::Snapshot {
            detail: e.to_string(),
        },
    }
}

// ---------------------------------------------------------------------------
// Checking a database

/// What the check of a database found.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Facts {
    application_id: i32,
    schema_version: u32,
    problems: Vec<String>,
    counts: BTreeMap<String, u64>,
}

/// Identity, schema version, `PRAGMA integrity_check` and row counts.
fn inspect(conn: &Connection) -> rusqlite::Result<Facts> {
    let application_id: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let schema_version: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let mut problems = Vec::new();
    {
        let mut stmt = conn.prepare(&format!("PRAGMA integrity_check({MAX_PROBLEMS})"))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let line: String = row.get(0)?;
            if line != "ok" {
                problems.push(line);
            }
        }
    }
    let mut counts = BTreeMap::new();
    if problems.is_empty() && application_id == APPLICATION_ID {
        for table in COUNTED_TABLES {
            let exists: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1)",
                [table],
                |r| r.get(0),
            )?;
            if exists {
                let n: i64 =
                    conn.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
                        r.get(0)
                    })?;
                counts.insert(table.to_owned(), n.max(0) as u64);
            }
        }
    }
    Ok(Facts {
        application_id,
        schema_version,
        problems,
        counts,
    })
}

/// Refuses a database that is not ours, damaged or too new; with a manifest,
/// also one whose schema version or counts differ from it.
fn accept_facts(facts: &Facts, manifest: Option<(&Manifest, &Path)>) -> Result<(), ArchiveError> {
    if !facts.problems.is_empty() {
        return Err(ArchiveError::Damaged {
            problems: facts.problems.clone(),
        });
    }
    if facts.application_id != APPLICATION_ID {
        return Err(ArchiveError::NotAStore);
    }
    if facts.schema_version > SCHEMA_VERSION {
        return Err(ArchiveError::TooNew {
            found: facts.schema_version,
            supported: SCHEMA_VERSION,
        });
    }
    if let Some((manifest, path)) = manifest {
        if manifest.schema_version != facts.schema_version {
            return Err(ArchiveError::Corrupt {
                path: path.to_path_buf(),
                detail: format!(
                    "manifest says schema version {}, database has {}",
                    manifest.schema_version, facts.schema_version
                ),
            });
        }
        if manifest.counts != facts.counts {
            return Err(ArchiveError::Corrupt {
                path: path.to_path_buf(),
                detail: format!(
                    "manifest counts {:?}, database counts {:?}",
                    manifest.counts, facts.counts
                ),
            });
        }
    }
    Ok(())
}

/// [`inspect`] running on its own thread and connection, so that the check of a
/// copy overlaps its compression. Dropping it interrupts the check and waits.
struct Checker {
    db: PathBuf,
    handle: Option<thread::JoinHandle<rusqlite::Result<Facts>>>,
    interrupt: rusqlite::InterruptHandle,
}

impl Checker {
    /// Opens `db` read-only and starts checking it.
    fn start(db: &Path) -> Result<Self, ArchiveError> {
        let conn = Connection::open_with_flags(
            db,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| ArchiveError::Open {
            path: db.to_path_buf(),
            source: StoreError::from_sqlite(db, e),
        })?;
        let interrupt = conn.get_interrupt_handle();
        let handle = thread::Builder::new()
            .name("verification-copie".to_owned())
            .spawn(move || inspect(&conn))
            .map_err(io_err(db))?;
        Ok(Self {
            db: db.to_path_buf(),
            handle: Some(handle),
            interrupt,
        })
    }

    /// Waits for the result, interrupting the check if `cancel` is raised.
    fn finish(mut self, cancel: &Cancel) -> Result<Facts, ArchiveError> {
        let Some(handle) = self.handle.take() else {
            return Err(ArchiveError::Snapshot {
                detail: "check already finished".to_owned(),
            });
        };
        while !handle.is_finished() {
            if cancel.is_cancelled() {
                self.interrupt.interrupt();
            }
            thread::sleep(Duration::from_millis(10));
        }
        let result = handle.join().map_err(|_| ArchiveError::Snapshot {
            detail: "the integrity check thread panicked".to_owned(),
        })?;
        if cancel.is_cancelled() {
            return Err(ArchiveError::Cancelled);
        }
        result.map_err(|e| match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => ArchiveError::Damaged {
                problems: vec![e.to_string()],
            },
            _ => ArchiveError::Open {
                path: self.db.clone(),
                source: StoreError::from_sqlite(&self.db, e),
            },
        })
    }
}

impl Drop for Checker {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            self.interrupt.interrupt();
            let _ = handle.join();
        }
    }
}

// ---------------------------------------------------------------------------
// Writing the zip

/// A writer that hashes and counts what goes through it (the zip is written
/// strictly in sequence, so this is the hash of the file).
struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
    written: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

type ArchiveWriter = ZipWriter<StreamWriter<HashingWriter<BufWriter<File>>>>;

/// The zip file as written.
struct Written {
    sha256_hex: String,
    size_bytes: u64,
}

/// Writes the zip at `partial`: the database `snapshot` (compressed and hashed
/// here while `checker` checks it), then the manifest that `manifest` makes from
/// the check's facts and the database's hash and size. Flushes the file.
fn write_zip(
    snapshot: &Path,
    partial: &Path,
    checker: Checker,
    manifest: impl FnOnce(&Facts, String, u64) -> Result<Manifest, ArchiveError>,
    created_at: DateTime<Utc>,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<(Written, Manifest), ArchiveError> {
    let mut input = File::open(snapshot).map_err(io_err(snapshot))?;
    let total = input.metadata().map_err(io_err(snapshot))?.len();
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(partial)
        .map_err(io_err(partial))?;
    let mut zip: ArchiveWriter = ZipWriter::new_stream(HashingWriter {
        inner: BufWriter::with_capacity(BUFFER_BYTES, file),
        hasher: Sha256::new(),
        written: 0,
    });
    let options = entry_options(created_at).large_file(total >= 0xF000_0000);
    zip.start_file(DATABASE_ENTRY, options)
        .map_err(zip_write_err(partial))?;

    progress.phase(Phase::CheckAndCompress, total);
    let mut hasher = Sha256::new();
    let mut buf = vec![0_u8; BUFFER_BYTES];
    let mut done: u64 = 0;
    loop {
        check_cancel(cancel)?;
        let n = read_some(&mut input, &mut buf).map_err(io_err(snapshot))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        zip.write_all(&buf[..n]).map_err(io_err(partial))?;
        done += n as u64;
        progress.advance(done);
    }
    drop(buf);
    if done != total {
        return Err(ArchiveError::Snapshot {
            detail: format!("copy changed while compressed ({total} then {done} bytes)"),
        });
    }
    let database_sha256 = hex(&hasher.finalize());

    if !checker
        .handle
        .as_ref()
        .is_some_and(thread::JoinHandle::is_finished)
    {
        progress.phase(Phase::CheckCopy, 0);
    }
    let facts = checker.finish(cancel)?;
    let manifest = manifest(&facts, database_sha256, done)?;
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| ArchiveError::Snapshot {
        detail: format!("manifest: {e}"),
    })?;
    zip.start_file(MANIFEST_ENTRY, entry_options(created_at))
        .map_err(zip_write_err(partial))?;
    zip.write_all(&json).map_err(io_err(partial))?;
    check_cancel(cancel)?;

    progress.phase(Phase::WriteArchive, 0);
    let hashing = zip.finish().map_err(zip_write_err(partial))?.into_inner();
    let file = hashing
        .inner
        .into_inner()
        .map_err(|e| io_err(partial)(e.into_error()))?;
    file.sync_all().map_err(io_err(partial))?;
    Ok((
        Written {
            sha256_hex: hex(&hashing.hasher.finalize()),
            size_bytes: hashing.written,
        },
        manifest,
    ))
}

/// Options of both entries: deflate, owner-only permissions, the snapshot's
/// local time.
fn entry_options(created_at: DateTime<Utc>) -> SimpleFileOptions {
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(COMPRESSION_LEVEL))
        .unix_permissions(0o600);
    let local = created_at.with_timezone(&Local);
    match zip::DateTime::from_date_and_time(
        u16::try_from(local.year()).unwrap_or(1980),
        local.month() as u8,
        local.day() as u8,
        local.hour() as u8,
        local.minute() as u8,
        local.second() as u8,
    ) {
        Ok(stamp) => options.last_modified_time(stamp),
        Err(_) => options,
    }
}

fn zip_write_err(path: &Path) -> impl Fn(ZipError) -> ArchiveError + '_ {
    move |e| match e {
        ZipError::Io(source) => io_err(path)(source),
        other => ArchiveError::Io {
            path: path.to_path_buf(),
            source: io::Error::other(other.to_string()),
        },
    }
}

// ---------------------------------------------------------------------------
// Reading an archive

fn open_archive(path: &Path) -> Result<ZipArchive<BufReader<File>>, ArchiveError> {
    let file = File::open(path).map_err(io_err(path))?;
    ZipArchive::new(BufReader::with_capacity(64 * 1024, file)).map_err(|e| match e {
        ZipError::Io(source) if source.raw_os_error().is_some() => io_err(path)(source),
        other => ArchiveError::NotAnArchive {
            path: path.to_path_buf(),
            detail: other.to_string(),
        },
    })
}

/// Reads and checks the manifest entry.
fn manifest_of(
    archive: &mut ZipArchive<BufReader<File>>,
    path: &Path,
) -> Result<Manifest, ArchiveError> {
    let not_archive = |detail: String| ArchiveError::NotAnArchive {
        path: path.to_path_buf(),
        detail,
    };
    let mut entry = match archive.by_name(MANIFEST_ENTRY) {
        Ok(entry) => entry,
        Err(ZipError::FileNotFound) => {
            return Err(not_archive(format!("no {MANIFEST_ENTRY} in the zip")));
        }
        Err(ZipError::Io(source)) if source.raw_os_error().is_some() => {
            return Err(io_err(path)(source));
        }
        Err(e) => return Err(not_archive(format!("{MANIFEST_ENTRY}: {e}"))),
    };
    if entry.size() > MAX_MANIFEST_BYTES {
        return Err(not_archive(format!(
            "{MANIFEST_ENTRY} too large ({} bytes)",
            entry.size()
        )));
    }
    let mut bytes = Vec::new();
    (&mut entry)
        .take(MAX_MANIFEST_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| read_err(path, e))?;
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| not_archive(format!("{MANIFEST_ENTRY}: {e}")))?;
    if manifest.format != MANIFEST_FORMAT {
        return Err(not_archive(format!(
            "manifest format {} (this program reads {MANIFEST_FORMAT})",
            manifest.format
        )));
    }
    let sha = &manifest.database_sha256;
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(not_archive(format!(
            "bad database hash in manifest: {sha:?}"
        )));
    }
    Ok(manifest)
}

/// Decompresses the database entry as a stream, writing it to `sink` when given,
/// and checks its size and hash against `manifest`.
fn stream_database(
    archive: &mut ZipArchive<BufReader<File>>,
    path: &Path,
    manifest: &Manifest,
    mut sink: Option<(&mut dyn Write, &Path)>,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<(), ArchiveError> {
    let corrupt = |detail: String| ArchiveError::Corrupt {
        path: path.to_path_buf(),
        detail,
    };
    let mut entry = match archive.by_name(DATABASE_ENTRY) {
        Ok(entry) => entry,
        Err(ZipError::FileNotFound) => {
            return Err(ArchiveError::NotAnArchive {
                path: path.to_path_buf(),
                detail: format!("no {DATABASE_ENTRY} in the zip"),
            });
        }
        Err(ZipError::Io(source)) => return Err(read_err(path, source)),
        Err(e) => return Err(corrupt(format!("{DATABASE_ENTRY}: {e}"))),
    };
    if entry.size() != manifest.database_size {
        return Err(corrupt(format!(
            "zip says {} bytes, manifest {}",
            entry.size(),
            manifest.database_size
        )));
    }
    let mut hasher = Sha256::new();
    let mut buf = vec![0_u8; BUFFER_BYTES];
    let mut done: u64 = 0;
    loop {
        check_cancel(cancel)?;
        let n = read_some(&mut entry, &mut buf).map_err(|e| read_err(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        if let Some((out, to)) = sink.as_mut() {
            out.write_all(&buf[..n]).map_err(io_err(to))?;
        }
        done += n as u64;
        if done > manifest.database_size {
            return Err(corrupt(format!(
                "database longer than the {} bytes of the manifest",
                manifest.database_size
            )));
        }
        progress.advance(done);
    }
    if done != manifest.database_size {
        return Err(corrupt(format!(
            "database of {done} bytes, manifest says {}",
            manifest.database_size
        )));
    }
    let sha = hex(&hasher.finalize());
    if !sha.eq_ignore_ascii_case(&manifest.database_sha256) {
        return Err(corrupt(format!(
            "database SHA-256 {sha}, manifest says {}",
            manifest.database_sha256
        )));
    }
    Ok(())
}

/// An error reading an archive: a system error is an I/O problem, anything else
/// (bad deflate data, CRC mismatch, truncated file) means the archive is damaged.
fn read_err(path: &Path, e: io::Error) -> ArchiveError {
    if e.raw_os_error().is_some() {
        io_err(path)(e)
    } else {
        ArchiveError::Corrupt {
            path: path.to_path_buf(),
            detail: e.to_string(),
        }
    }
}

// ---------------------------------------------------------------------------
// Small helpers

/// A file this module is writing, removed (with any SQLite sidecar) when dropped
/// unless [`Scratch::forget`] was called.
struct Scratch {
    path: PathBuf,
    armed: bool,
}

impl Scratch {
    /// Takes charge of `path`, removing a leftover of a crashed run first.
    fn new(path: PathBuf) -> Self {
        remove_with_sidecars(&path);
        Self { path, armed: true }
    }

    fn path(&self) -> &Path {
        &self.path
    }

    /// The file is kept.
    fn forget(mut self) {
        self.armed = false;
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if self.armed {
            remove_with_sidecars(&self.path);
        }
    }
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn remove_with_sidecars(path: &Path) {
    let _ = fs::remove_file(path);
    for suffix in ["-wal", "-shm", "-journal"] {
        let _ = fs::remove_file(sidecar(path, suffix));
    }
}

/// Creates `to_db`, which must not exist, after removing orphaned SQLite
/// sidecars beside it (a stale `-wal` would otherwise be applied to the new file).
fn create_target(to_db: &Path) -> Result<(Scratch, File), ArchiveError> {
    if fs::symlink_metadata(to_db).is_ok() {
        return Err(ArchiveError::Io {
            path: to_db.to_path_buf(),
            source: io::Error::new(io::ErrorKind::AlreadyExists, "the target already exists"),
        });
    }
    for suffix in ["-wal", "-shm", "-journal"] {
        let _ = fs::remove_file(sidecar(to_db, suffix));
    }
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(to_db)
        .map_err(io_err(to_db))?;
    Ok((
        Scratch {
            path: to_db.to_path_buf(),
            armed: true,
        },
        file,
    ))
}

fn check_file_name(staging_dir: &Path, file_name: &str) -> Result<(), ArchiveError> {
    let plain = !file_name.is_empty()
        && !file_name.contains(['/', '\\'])
        && file_name != "."
        && file_name != ".."
        && !file_name.starts_with(PARTIAL_PREFIX);
    if plain {
        Ok(())
    } else {
        Err(ArchiveError::Io {
            path: staging_dir.join(file_name),
            source: io::Error::new(io::ErrorKind::InvalidInput, "not a plain file name"),
        })
    }
}

fn check_cancel(cancel: &Cancel) -> Result<(), ArchiveError> {
    if cancel.is_cancelled() {
        Err(ArchiveError::Cancelled)
    } else {
        Ok(())
    }
}

/// Maps an I/O error on `path`, a full disk or quota to [`ArchiveError::NoSpace`].
fn io_err(path: &Path) -> impl Fn(io::Error) -> ArchiveError + '_ {
    move |source| {
        if matches!(
            source.kind(),
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
        ) {
            ArchiveError::NoSpace {
                path: path.to_path_buf(),
            }
        } else {
            ArchiveError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    }
}

/// One `read`, retried when interrupted by a signal.
fn read_some(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match input.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

fn sha256_and_size(path: &Path) -> io::Result<(String, u64)> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0_u8; BUFFER_BYTES];
    let mut size = 0_u64;
    loop {
        let n = read_some(&mut file, &mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex(&hasher.finalize()), size))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

    use super::*;
    use crate::demo::{DemoOptions, build_demo};
    use crate::home::Home;
    use crate::jobs::NoProgress;

    const NAME: &str = "Hebdo-20250105-230000.iea.zip";

    /// A demo store with `payslips` payslips in a fresh temporary folder.
    fn demo_store(dir: &Path, payslips: u64) -> PathBuf {
        let home = Home::at(dir.join("home"));
        let path = dir.join("paie.iea");
        build_demo(
            &home,
            &path,
            &DemoOptions {
                payslips,
                seed: 7,
                overwrite: false,
            },
            &NoProgress,
            &Cancel::new(),
        )
        .expect("demo store");
        path
    }

    fn staging(dir: &Path) -> PathBuf {
        let staging = dir.join("staging");
        fs::create_dir_all(&staging).expect("staging");
        staging
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn count(path: &Path, table: &str) -> u64 {
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
            r.get::<_, i64>(0)
        })
        .expect("count") as u64
    }

    /// The transfer reuses an archive while a new snapshot of the store hashes
    /// as its manifest says, and makes a new one when the store changed: this
    /// holds only if two snapshots of an unchanged store are the same bytes.
    #[test]
    fn a_snapshot_hashes_as_the_archive_until_the_store_changes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = demo_store(dir.path(), 300);
        let staging = staging(dir.path());
        let built = build_archive(&store, &staging, NAME, None, &NoProgress, &Cancel::new())
            .expect("archive");
        // Opened and closed by someone else in between: no change of data.
        drop(Store::open(&store).expect("open"));
        let (sha, size) =
            snapshot_sha256(&store, &staging, &NoProgress, &Cancel::new()).expect("snapshot");
        assert_eq!(sha, built.manifest.database_sha256);
        assert_eq!(size, built.manifest.database_size);
        assert_eq!(names_in(&staging), vec![NAME.to_owned()], "nothing left");
        Store::open(&store)
            .expect("open")
            .connection()
            .execute("UPDATE employees SET first_name = 'Léa' WHERE id = 1", [])
            .expect("change");
        let (changed, _) =
            snapshot_sha256(&store, &staging, &NoProgress, &Cancel::new()).expect("snapshot");
        assert_ne!(changed, built.manifest.database_sha256);
    }

    /// Raises its cancel flag when the job enters the phase `label`.
    struct CancelAt {
        label: Phase,
        cancel: Cancel,
        seen: AtomicBool,
    }

    impl Progress for CancelAt {
        fn phase(&self, phase: Phase, _total: u64) {
            if phase == self.label {
                self.seen.store(true, Ordering::SeqCst);
                self.cancel.cancel();
            }
        }
        fn advance(&self, _done: u64) {}
    }

    #[test]
    fn archive_verify_and_extract_round_trip() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = demo_store(dir.path(), 600);
        let staging = staging(dir.path());
        let built = build_archive(
            &store,
            &staging,
            NAME,
            Some("Hebdo"),
            &NoProgress,
            &Cancel::new(),
        )
        .expect("archive");

        assert_eq!(built.path, staging.join(NAME));
        assert_eq!(
            names_in(&staging),
            vec![NAME.to_owned()],
            "only the archive"
        );
        assert_eq!(sha256_file(&built.path).expect("hash"), built.sha256_hex);
        assert_eq!(
            fs::metadata(&built.path).expect("meta").len(),
            built.size_bytes
        );
        let m = &built.manifest;
        assert_eq!(m.format, MANIFEST_FORMAT);
        assert_eq!(m.schema_version, SCHEMA_VERSION);
        assert_eq!(m.script.as_deref(), Some("Hebdo"));
        assert_eq!(m.program_version, crate::updates::program_version());
        assert_eq!(m.counts.get("payslips"), Some(&600));
        for table in COUNTED_TABLES {
            assert_eq!(m.counts.get(table), Some(&count(&store, table)), "{table}");
        }
        assert_eq!(read_manifest(&built.path).expect("manifest"), *m);
        assert_eq!(
            verify_archive(&built.path, &NoProgress, &Cancel::new()).expect("verify"),
            *m
        );

        // The zip is an ordinary zip: the database entry is a whole store.
        let restored = dir.path().join("restauree.iea");
        let extracted =
            extract_verified(&built.path, &restored, &NoProgress, &Cancel::new()).expect("extract");
        assert_eq!(extracted, *m);
        assert_eq!(sha256_file(&restored).expect("hash"), m.database_sha256);
        assert_eq!(
            fs::metadata(&restored).expect("meta").len(),
            m.database_size
        );
        let reopened = Store::open_read_only(&restored).expect("a store");
        assert!(reopened.integrity_problems().expect("check").is_empty());
        let mode: String = reopened
            .connection()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .expect("mode");
        assert_eq!(mode, "delete", "a standalone file, no WAL needed");
        drop(reopened);
        assert_eq!(count(&restored, "payslips"), 600);
    }

    #[test]
    fn a_flipped_byte_is_refused_and_nothing_is_left_at_the_target() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = demo_store(dir.path(), 300);
        let staging = staging(dir.path());
        let built = build_archive(&store, &staging, NAME, None, &NoProgress, &Cancel::new())
            .expect("archive");
        let mut bytes = fs::read(&built.path).expect("read");
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x55;
        fs::write(&built.path, &bytes).expect("write");

        match verify_archive(&built.path, &NoProgress, &Cancel::new()) {
            Err(ArchiveError::Corrupt { path, .. }) => assert_eq!(path, built.path),
            other => panic!("expected a corrupt archive, got {other:?}"),
        }
        let target = dir.path().join("restauree.iea");
        match extract_verified(&built.path, &target, &NoProgress, &Cancel::new()) {
            Err(ArchiveError::Corrupt { .. }) => {}
            other => panic!("expected a corrupt archive, got {other:?}"),
        }
        assert!(!target.exists());
        assert!(!sidecar(&target, "-wal").exists());
    }

    #[test]
    fn strangers_are_not_archives() {
        let dir = tempfile::tempdir().expect("tempdir");
        let text = dir.path().join("notes.iea.zip");
        fs::write(&text, b"pas une archive").expect("write");
        assert!(matches!(
            read_manifest(&text),
            Err(ArchiveError::NotAnArchive { .. })
        ));
        // A zip without manifest.
        let bare = dir.path().join("bare.zip");
        let mut zip = ZipWriter::new(File::create(&bare).expect("create"));
        zip.start_file("autre.txt", SimpleFileOptions::default())
            .expect("entry");
        zip.write_all(b"bonjour").expect("write");
        zip.finish().expect("finish");
        assert!(matches!(
            verify_archive(&bare, &NoProgress, &Cancel::new()),
            Err(ArchiveError::NotAnArchive { .. })
        ));
        // A truncated archive.
        let store = demo_store(dir.path(), 50);
        let staging = staging(dir.path());
        let built = build_archive(&store, &staging, NAME, None, &NoProgress, &Cancel::new())
            .expect("archive");
        let bytes = fs::read(&built.path).expect("read");
        fs::write(&built.path, &bytes[..bytes.len() / 3]).expect("truncate");
        assert!(matches!(
            verify_archive(&built.path, &NoProgress, &Cancel::new()),
            Err(ArchiveError::NotAnArchive { .. })
        ));
        assert!(matches!(
            read_manifest(&dir.path().join("absente.iea.zip")),
            Err(ArchiveError::Io { .. })
        ));
    }

    #[test]
    fn extraction_never_replaces_an_existing_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = demo_store(dir.path(), 50);
        let staging = staging(dir.path());
        let built = build_archive(&store, &staging, NAME, None, &NoProgress, &Cancel::new())
            .expect("archive");
        let target = dir.path().join("occupe.iea");
        fs::write(&target, b"important").expect("write");
        match extract_verified(&built.path, &target, &NoProgress, &Cancel::new()) {
            Err(ArchiveError::Io { source, .. }) => {
                assert_eq!(source.kind(), io::ErrorKind::AlreadyExists);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(fs::read(&target).expect("read"), b"important");
    }

    #[test]
    fn a_stale_wal_beside_the_target_is_not_applied() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = demo_store(dir.path(), 50);
        let staging = staging(dir.path());
        let built = build_archive(&store, &staging, NAME, None, &NoProgress, &Cancel::new())
            .expect("archive");
        let target = dir.path().join("restauree.iea");
        fs::write(sidecar(&target, "-wal"), vec![0xAB; 8192]).expect("stale wal");
        extract_verified(&built.path, &target, &NoProgress, &Cancel::new()).expect("extract");
        assert!(!sidecar(&target, "-wal").exists());
        assert_eq!(count(&target, "payslips"), 50);
    }

    /// Progress that slows the copy down (a millisecond per step).
    struct Slow;

    impl Progress for Slow {
        fn phase(&self, _phase: Phase, _total: u64) {}
        fn advance(&self, _done: u64) {
            thread::sleep(Duration::from_millis(1));
        }
    }

    /// Keeps adding (dossier, exercise) pairs to the store, one transaction
    /// each, until `stop`; `added` counts them.
    fn writer(
        path: PathBuf,
        prefix: &'static str,
        stop: Arc<AtomicBool>,
        added: Arc<AtomicU64>,
    ) -> thread::JoinHandle<()> {
        thread::spawn(move || {
            let mut conn = Connection::open(&path).expect("writer");
            conn.busy_timeout(Duration::from_secs(10)).expect("timeout");
            let mut i: u64 = 0;
            while !stop.load(Ordering::SeqCst) {
                let tx = conn.transaction().expect("tx");
                tx.execute(
                    "INSERT INTO dossiers (name, state, created_at) VALUES (?1, 'production', '2024-01-01')",
                    [format!("{prefix} {i} {}", "x".repeat(60))],
                )
                .expect("dossier");
                let id = tx.last_insert_rowid();
                tx.execute(
                    "INSERT INTO exercises (dossier_id, year, state) VALUES (?1, 2024, 'ouvert')",
                    [id],
                )
                .expect("exercise");
                tx.commit().expect("commit");
                i += 1;
                added.store(i, Ordering::SeqCst);
                // Without a pause a rollback-journal writer starves every reader
                // (real programs pause between saves).
                thread::sleep(Duration::from_millis(1));
            }
        })
    }

    fn snapshot_while_writing(journal_mode: &str) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("paie.iea");
        drop(Store::create(&path).expect("create"));
        {
            let conn = Connection::open(&path).expect("open");
            let mode: String = conn
                .query_row(&format!("PRAGMA journal_mode = {journal_mode}"), [], |r| {
                    r.get(0)
                })
                .expect("mode");
            assert_eq!(mode, journal_mode);
            let tx = conn.unchecked_transaction().expect("tx");
            for i in 0..3000 {
                tx.execute(
                    "INSERT INTO dossiers (name, state, created_at) VALUES (?1, 'production', '2024-01-01')",
                    [format!("Base {i} {}", "y".repeat(60))],
                )
                .expect("dossier");
                tx.execute(
                    "INSERT INTO exercises (dossier_id, year, state) VALUES (last_insert_rowid(), 2024, 'ouvert')",
                    [],
                )
                .expect("exercise");
            }
            tx.commit().expect("commit");
        }
        let stop = Arc::new(AtomicBool::new(false));
        let added = Arc::new(AtomicU64::new(0));
        let handle = writer(path.clone(), "Pendant", stop.clone(), added.clone());
        while added.load(Ordering::SeqCst) < 20 {
            thread::sleep(Duration::from_millis(5));
        }
        let staging = staging(dir.path());
        let copy = staging.join("copie.iea");
        // One page per step, slowly: the writer commits many times during the copy.
        let before = added.load(Ordering::SeqCst);
        let result = take_snapshot_in_steps(&path, &copy, 1, &Slow, &Cancel::new());
        let during = added.load(Ordering::SeqCst);
        stop.store(true, Ordering::SeqCst);
        handle.join().expect("writer");
        result.expect("snapshot");
        assert!(
            during > before + 5,
            "the writer kept writing ({before} then {during})"
        );

        let facts = inspect(
            &Connection::open_with_flags(&copy, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open"),
        )
        .expect("inspect");
        assert!(facts.problems.is_empty(), "{:?}", facts.problems);
        assert_eq!(facts.application_id, APPLICATION_ID);
        let dossiers = facts.counts["dossiers"];
        // A moment of the store: every dossier has its exercise, and the copy is
        // somewhere between the start and the end of the writes.
        assert_eq!(dossiers, facts.counts["exercises"]);
        assert!(dossiers >= 3000 + 20, "{dossiers}");
        assert!(
            dossiers <= 3000 + added.load(Ordering::SeqCst),
            "{dossiers}"
        );
        assert!(!sidecar(&copy, "-wal").exists());

        // And a whole archive taken while writing is consistent too.
        let stop = Arc::new(AtomicBool::new(false));
        let added = Arc::new(AtomicU64::new(0));
        let handle = writer(path.clone(), "Archive", stop.clone(), added.clone());
        let built = build_archive(&path, &staging, NAME, None, &NoProgress, &Cancel::new());
        stop.store(true, Ordering::SeqCst);
        handle.join().expect("writer");
        let built = built.expect("archive");
        assert_eq!(
            built.manifest.counts["dossiers"],
            built.manifest.counts["exercises"]
        );
    }

    #[test]
    fn a_snapshot_taken_while_another_connection_writes_is_consistent_wal() {
        snapshot_while_writing("wal");
    }

    #[test]
    fn a_snapshot_taken_while_another_connection_writes_is_consistent_rollback_journal() {
        snapshot_while_writing("delete");
    }

    #[test]
    fn cancel_at_any_phase_leaves_nothing_in_staging() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = demo_store(dir.path(), 300);
        let staging = staging(dir.path());
        let cancel = Cancel::new();
        cancel.cancel();
        assert!(matches!(
            build_archive(&store, &staging, NAME, None, &NoProgress, &cancel),
            Err(ArchiveError::Cancelled)
        ));
        assert!(names_in(&staging).is_empty());
        for label in [
            Phase::CopyStore,
            Phase::CheckAndCompress,
            Phase::WriteArchive,
        ] {
            let progress = CancelAt {
                label,
                cancel: Cancel::new(),
                seen: AtomicBool::new(false),
            };
            let result = build_archive(&store, &staging, NAME, None, &progress, &progress.cancel);
            assert!(
                progress.seen.load(Ordering::SeqCst),
                "phase {label:?} not seen"
            );
            assert!(
                matches!(result, Err(ArchiveError::Cancelled)),
                "{label:?}: {result:?}"
            );
            assert!(
                names_in(&staging).is_empty(),
                "{label:?}: {:?}",
                names_in(&staging)
            );
        }
        // Cancelling an extraction removes what was extracted.
        let built = build_archive(&store, &staging, NAME, None, &NoProgress, &Cancel::new())
            .expect("archive");
        let target = dir.path().join("restauree.iea");
        for label in [Phase::ExtractBackup, Phase::CheckRestored] {
            let progress = CancelAt {
                label,
                cancel: Cancel::new(),
                seen: AtomicBool::new(false),
            };
            let result = extract_verified(&built.path, &target, &progress, &progress.cancel);
            assert!(
                matches!(result, Err(ArchiveError::Cancelled)),
                "{label:?}: {result:?}"
            );
            assert!(!target.exists(), "{label:?}");
        }
    }

    /// Zeroes one page in the middle of the store's file.
    fn damage(path: &Path) {
        {
            let conn = Connection::open(path).expect("open");
            let _: String = conn
                .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
                .expect("checkpoint");
        }
        let mut bytes = fs::read(path).expect("read");
        let pages = bytes.len() / 4096;
        let page = pages / 2;
        bytes[page * 4096..(page + 1) * 4096].fill(0);
        fs::write(path, &bytes).expect("write");
    }

    #[test]
    fn a_damaged_store_gives_no_archive() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = demo_store(dir.path(), 2000);
        damage(&store);
        let staging = staging(dir.path());
        match build_archive(&store, &staging, NAME, None, &NoProgress, &Cancel::new()) {
            Err(ArchiveError::Damaged { problems }) => assert!(!problems.is_empty()),
            other => panic!("expected a damaged store, got {other:?}"),
        }
        assert!(names_in(&staging).is_empty());
    }

    /// An archive of the store at `path` made without the checks of
    /// [`build_archive`] (to make archives this program must refuse).
    fn unchecked_archive(path: &Path, archive: &Path) {
        let checker = Checker::start(path).expect("checker");
        write_zip(
            path,
            archive,
            checker,
            |facts, sha, size| {
                Ok(Manifest {
                    format: MANIFEST_FORMAT,
                    program_version: "99.0.0".to_owned(),
                    schema_version: facts.schema_version,
                    script: None,
                    created_at: Utc::now(),
                    database_sha256: sha,
                    database_size: size,
                    counts: facts.counts.clone(),
                })
            },
            Utc::now(),
            &NoProgress,
            &Cancel::new(),
        )
        .expect("zip");
    }

    #[test]
    fn a_too_new_schema_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("future.iea");
        drop(Store::create(&path).expect("create"));
        {
            let conn = Connection::open(&path).expect("open");
            conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
                .expect("bump");
            let _: String = conn
                .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
                .expect("mode");
        }
        // The live store is refused as it is opened...
        let staging = staging(dir.path());
        assert!(matches!(
            build_archive(&path, &staging, NAME, None, &NoProgress, &Cancel::new()),
            Err(ArchiveError::Open {
                source: StoreError::TooNew { .. },
                ..
            })
        ));
        assert!(names_in(&staging).is_empty());
        // ...and an archive of it is refused before any restore.
        let archive = dir.path().join("future.iea.zip");
        unchecked_archive(&path, &archive);
        verify_archive(&archive, &NoProgress, &Cancel::new()).expect("whole");
        let target = dir.path().join("restauree.iea");
        match extract_verified(&archive, &target, &NoProgress, &Cancel::new()) {
            Err(ArchiveError::TooNew { found, supported }) => {
                assert_eq!(found, SCHEMA_VERSION + 1);
                assert_eq!(supported, SCHEMA_VERSION);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert!(!target.exists());
    }

    #[test]
    fn an_archive_of_a_foreign_database_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("autre.sqlite");
        Connection::open(&path)
            .expect("open")
            .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .expect("create");
        let archive = dir.path().join("autre.iea.zip");
        unchecked_archive(&path, &archive);
        let target = dir.path().join("restauree.iea");
        assert!(matches!(
            extract_verified(&archive, &target, &NoProgress, &Cancel::new()),
            Err(ArchiveError::NotAStore)
        ));
        assert!(!target.exists());
    }

    #[test]
    fn counts_leave_out_tables_an_older_schema_lacks() {
        let conn = Connection::open_in_memory().expect("memory");
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .expect("id");
        conn.execute_batch(
            "CREATE TABLE dossiers (id INTEGER PRIMARY KEY); INSERT INTO dossiers VALUES (1), (2);",
        )
        .expect("schema");
        let facts = inspect(&conn).expect("inspect");
        assert_eq!(
            facts.counts,
            BTreeMap::from([("dossiers".to_owned(), 2_u64)])
        );
    }

    #[test]
    fn adopting_a_bare_store_takes_its_wal_in() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = demo_store(dir.path(), 100);
        // Rows still in the WAL of the source (a writer holds it open).
        let conn = Connection::open(&store).expect("open");
        conn.pragma_update(None, "wal_autocheckpoint", 0)
            .expect("no checkpoint");
        conn.execute(
            "INSERT INTO dossiers (name, state, created_at) VALUES ('Dans le journal', 'simulation', '2024-01-01')",
            [],
        )
        .expect("insert");
        let target = dir.path().join("adoptee.iea");
        let manifest = adopt_database(&store, &target, &NoProgress, &Cancel::new()).expect("adopt");
        drop(conn);
        assert_eq!(manifest.counts["dossiers"], count(&store, "dossiers"));
        assert_eq!(count(&target, "dossiers"), manifest.counts["dossiers"]);
        assert_eq!(
            sha256_file(&target).expect("hash"),
            manifest.database_sha256
        );
        assert!(manifest.script.is_none());
        // Never over an existing file.
        assert!(matches!(
            adopt_database(&store, &target, &NoProgress, &Cancel::new()),
            Err(ArchiveError::Io { .. })
        ));
    }

    #[test]
    fn bad_file_names_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in ["", "../x.iea.zip", "a/b.iea.zip", ".en-cours-x.iea.zip"] {
            assert!(matches!(
                build_archive(
                    &dir.path().join("paie.iea"),
                    dir.path(),
                    name,
                    None,
                    &NoProgress,
                    &Cancel::new()
                ),
                Err(ArchiveError::Io { .. })
            ));
        }
    }

    #[test]
    fn the_archive_is_an_ordinary_zip_for_unzip() {
        // `unzip` is installed where the benchmarks run; elsewhere there is
        // nothing to compare with.
        if std::process::Command::new("unzip")
            .arg("-v")
            .output()
            .is_err()
        {
            return;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let store = demo_store(dir.path(), 50);
        let staging = staging(dir.path());
        let built = build_archive(&store, &staging, NAME, None, &NoProgress, &Cancel::new())
            .expect("archive");
        let out = std::process::Command::new("unzip")
            .arg("-t")
            .arg(&built.path)
            .output()
            .expect("unzip");
        assert!(out.status.success(), "{out:?}");
        let listing = String::from_utf8_lossy(&out.stdout);
        assert!(listing.contains(DATABASE_ENTRY), "{listing}");
        assert!(listing.contains(MANIFEST_ENTRY), "{listing}");
    }

    #[test]
    fn hex_is_lower_case() {
        assert_eq!(hex(&[0x00, 0xAB, 0x7f]), "00ab7f");
    }
}
