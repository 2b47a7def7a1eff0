//! "Restaurer une sauvegarde": puts a verified backup in place of the store,
//! so that whatever happens the store is either the old one or the new one,
//! never a mix, and the old one can always be had back.
//!
//! 1. The archive is made local (fetched from its destination into staging when
//!    needed) and read whole: manifest, SHA-256 of the database, integrity check,
//!    schema not newer than the program's. The database is extracted beside the
//!    store, so that the swap is a rename on one file system.
//! 2. Nobody may be connected (sessions with a recent heartbeat): their names are
//!    given.
//! 3. A journal (`restauration-en-cours.json` in `IEA_HOME`) is written; the
//!    store is checkpointed (its `-wal` emptied and removed, `-shm` removed).
//! 4. The current store is moved, whole, into the folder `avant-restauration`
//!    beside it: that file is the safety copy, restorable like any backup
//!    ("avant restauration"). The extracted database takes the store's name.
//! 5. The new store is opened (migrated when it is older) and its counts checked
//!    against the manifest; any failure puts the previous store back.
//!
//! A crash between the two renames leaves the journal: [`recover_interrupted`],
//! called at every start, puts the previous store back, or finishes the job when
//! the new store was already in place.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Local, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use super::archive::{self, ArchiveError, Manifest};
use super::book::{BookError, ScriptBook};
use super::destination::{self, DestinationError, PARTIAL_PREFIX, StoredBackup};
use super::run::BackupContext;
use crate::fsutil;
use crate::home::Home;
use crate::jobs::{Cancel, JobError, JobKind, JobLock, Phase, Progress};
use crate::store::sessions::{self, SessionInfo};
use crate::store::{Store, StoreError};

/// The name under which safety copies are listed, as a script would be.
pub const SAFETY_LABEL: &str = "avant restauration";

/// The folder, beside the store, that holds the safety copies.
pub const SAFETY_DIR: &str = "avant-restauration";

/// How many safety copies are kept (the oldest are removed after a restore).
pub const SAFETY_KEEP: usize = 3;

/// The journal of a restore under way, in `IEA_HOME`.
pub const JOURNAL_FILE: &str = "restauration-en-cours.json";

/// What to restore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreSource {
    /// Any `.iea.zip` file ("Restaurer depuis un fichier…").
    File(PathBuf),
    /// The backup `name` of script `script`, at its destination.
    Stored {
        /// The script.
        script: String,
        /// The archive's file name.
        name: String,
    },
    /// A safety copy taken before an earlier restore (its file name).
    Safety {
        /// The file name in the safety folder.
        name: String,
    },
}

/// Which backup to restore, as a person names it before it is looked up (the
/// command line's `--file`, `--script` and `--latest`; the centre picks from
/// its lists and gives a [`RestoreSource`] directly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreChoice {
    /// Any `.iea.zip` file, with no script ("un nouveau poste avec la seule clé").
    File(PathBuf),
    /// The backup of `script` at its location whose file name is the one of
    /// `file` (a full path may be given: only its file name counts).
    InScript {
        /// The script, or [`SAFETY_LABEL`] for the safety copies.
        script: String,
        /// The backup's file, or only its name.
        file: PathBuf,
    },
    /// The newest backup of `script` at its location.
    Latest {
        /// The script, or [`SAFETY_LABEL`] for the safety copies.
        script: String,
    },
}

impl RestoreChoice {
    /// The backup this choice names. [`SAFETY_LABEL`] stands for the safety
    /// copies beside the store, as it does in the list of scripts; `Latest`
    /// reads the script's location to find its newest backup.
    pub fn resolve(self, ctx: &BackupContext) -> Result<RestoreSource, RestoreError> {
        let (script, name) = match self {
            Self::File(path) => return Ok(RestoreSource::File(path)),
            Self::InScript { script, file } => {
                let name = file.file_name().map_or_else(
                    || file.to_string_lossy().into_owned(),
                    |n| n.to_string_lossy().into_owned(),
                );
                (script, name)
            }
            Self::Latest { script } => {
                let Some(newest) = restorable(ctx, &script)?.pop() else {
                    return Err(RestoreError::NoBackup { script });
                };
                (script, newest.name)
            }
        };
        Ok(if script == SAFETY_LABEL {
            RestoreSource::Safety { name }
        } else {
            RestoreSource::Stored { script, name }
        })
    }
}

/// A safety copy, as listed under "avant restauration".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetyCopy {
    /// Its file name.
    pub name: String,
    /// Its full path.
    pub path: PathBuf,
    /// Its size.
    pub size_bytes: u64,
    /// When it was set aside (local time).
    pub taken_at: NaiveDateTime,
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreReport {
    /// The manifest of what is now the store (for a safety copy, made from the
    /// file itself).
    pub manifest: Manifest,
    /// The store replaced.
    pub store_path: PathBuf,
    /// Where the previous store was set aside, if there was one.
    pub safety_copy: Option<PathBuf>,
    /// How long it took.
    pub elapsed: Duration,
}

/// Why a restore did not happen (in every case the store is as it was).
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// Another backup or restore is under way.
    #[error(transparent)]
    Job(#[from] JobError),
    /// The scripts file.
    #[error(transparent)]
    Book(#[from] BookError),
    /// No script of that name.
    #[error("no backup script named {name}")]
    UnknownScript {
        /// The name asked.
        name: String,
    },
    /// The script's location holds no backup to restore.
    #[error("no backup of {script} at its location")]
    NoBackup {
        /// The script (or [`SAFETY_LABEL`]).
        script: String,
    },
    /// The archive could not be fetched from its destination.
    #[error(transparent)]
    Destination(#[from] DestinationError),
    /// The archive is not a good backup (damaged, not ours, newer schema…).
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// Users are connected to the store.
    #[error("{} session(s) connected", sessions.len())]
    Connected {
        /// Who.
        sessions: Vec<SessionInfo>,
    },
    /// The current store could not be read to check sessions or checkpointed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Moving files failed; the previous store is back in place.
    #[error("i/o error at {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The system error.
        source: std::io::Error,
    },
    /// The restored store did not open or did not match its manifest; the
    /// previous store was put back.
    #[error("restored store rejected: {detail}")]
    CheckFailed {
        /// What did not match.
        detail: String,
    },
    /// The user cancelled before anything was replaced.
    #[error("cancelled")]
    Cancelled,
}

/// What [`recover_interrupted`] found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
    /// The restore stopped before the store was replaced: nothing changed.
    Untouched {
        /// The store.
        store: PathBuf,
    },
    /// The restore stopped in the middle of the swap: the previous store was
    /// put back.
    PreviousPutBack {
        /// The store.
        store: PathBuf,
    },
    /// The restored store was already in place: the restore is complete.
    Completed {
        /// The store.
        store: PathBuf,
        /// The safety copy of the previous store.
        safety_copy: PathBuf,
    },
}

/// The journal written before the swap.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Journal {
    store: PathBuf,
    incoming: PathBuf,
    aside: PathBuf,
    started_at: DateTime<Utc>,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> RestoreError + '_ {
    move |source| RestoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The folder of safety copies for the store at `store_path`.
pub fn safety_dir(store_path: &Path) -> PathBuf {
    fsutil::parent_dir(store_path).join(SAFETY_DIR)
}

/// The safety copies kept beside the store, oldest first.
pub fn safety_copies(store_path: &Path) -> Vec<SafetyCopy> {
    crate::fsutil::debug_assert_not_ui_thread("restore::safety_copies");
    let dir = safety_dir(store_path);
    let Ok(read) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut copies: Vec<SafetyCopy> = read
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_owned();
            let stamp = name
                .strip_prefix("avant-restauration-")?
                .strip_suffix(".iea")?;
            let taken_at = NaiveDateTime::parse_from_str(stamp, "%Y%m%d-%H%M%S").ok()?;
            let size_bytes = e.metadata().ok()?.len();
            Some(SafetyCopy {
                path: e.path(),
                name,
                size_bytes,
                taken_at,
            })
        })
        .collect();
    copies.sort_by_key(|c| c.taken_at);
    copies
}

/// The sessions connected to the store at `store_path` now (none when there is
/// no store).
pub fn connected_sessions(store_path: &Path) -> Result<Vec<SessionInfo>, StoreError> {
    if !store_path.exists() {
        return Ok(Vec::new());
    }
    let store = Store::open_read_only(store_path)?;
    sessions::connected(store.connection(), Utc::now()).map_err(|e| store.err(e))
}

/// Restores `source` in place of the store of `ctx`. See the module's steps.
pub fn restore(
    ctx: &BackupContext,
    source: &RestoreSource,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<RestoreReport, RestoreError> {
    let started = Instant::now();
    let _restore = JobLock::acquire(&ctx.home, JobKind::Restore)?;
    let _backup = JobLock::acquire(&ctx.home, JobKind::Backup)?;
    // A previous restore cut short is settled first (this one holds the lock).
    if let Some(recovery) = settle_journal(&ctx.home)? {
        tracing::warn!(
            ?recovery,
            "restauration interrompue réglée avant la nouvelle"
        );
    }
    let store_path = ctx.store_path.clone();
    let store_dir = fsutil::parent_dir(&store_path).to_path_buf();
    let store_name = store_path
        .file_name()
        .map_or_else(|| "base".into(), |n| n.to_string_lossy().into_owned());

    // 1. The archive, local.
    let mut fetched: Option<PathBuf> = None;
    let local = match source {
        RestoreSource::File(path) => path.clone(),
        RestoreSource::Safety { name } => safety_dir(&store_path).join(name),
        RestoreSource::Stored { script, name } => {
            let book = ScriptBook::load(&ctx.home)?;
            let entry = book
                .get(script)
                .ok_or_else(|| RestoreError::UnknownScript {
                    name: script.clone(),
                })?;
            std::fs::create_dir_all(&ctx.staging_dir).map_err(io_err(&ctx.staging_dir))?;
            let copy = ctx
                .staging_dir
                .join(format!("{PARTIAL_PREFIX}restauration-{name}"));
            progress.phase(Phase::FetchBackup, 0);
            let mut location = destination::open(&entry.script.destination, &ctx.access())?;
            location.fetch(name, &copy)?;
            fetched = Some(copy.clone());
            copy
        }
    };
    let cleanup_fetched = |fetched: &Option<PathBuf>| {
        if let Some(f) = fetched {
            let _ = std::fs::remove_file(f);
        }
    };

    // 2. Nobody connected.
    match connected_sessions(&store_path) {
        Ok(list) if !list.is_empty() => {
            cleanup_fetched(&fetched);
            return Err(RestoreError::Connected { sessions: list });
        }
        Ok(_) => {}
        // A store that cannot be read is often why one restores: go on.
        Err(e) => tracing::warn!(error = %e, "sessions de la base actuelle illisibles"),
    }

    // 3. Extract and verify beside the store.
    let incoming = store_dir.join(format!(".{store_name}.restauration"));
    let _ = std::fs::remove_file(&incoming);
    let verified = if matches!(source, RestoreSource::Safety { .. }) {
        archive::adopt_database(&local, &incoming, progress, cancel)
    } else {
        archive::extract_verified(&local, &incoming, progress, cancel)
    };
    cleanup_fetched(&fetched);
    let manifest = match verified {
        Ok(m) => m,
        Err(ArchiveError::Cancelled) => return Err(RestoreError::Cancelled),
        Err(e) => return Err(e.into()),
    };
    if cancel.is_cancelled() {
        let _ = std::fs::remove_file(&incoming);
        return Err(RestoreError::Cancelled);
    }

    // 4. Journal, quiesce, swap, behind the store's closed gate: no program
    // has the store open while its file is replaced, nor opens it until the
    // restored one is checked (see `store::gate`).
    progress.phase(Phase::ReplaceStore, 0);
    let _closed = match crate::store::gate::close(&store_path) {
        Ok(g) => g,
        Err(e) => {
            let _ = std::fs::remove_file(&incoming);
            return Err(e.into());
        }
    };
    let had_store = store_path.exists();
    // One name per second; two restores within one second wait for the next.
    let aside = loop {
        let stamp = Local::now().format("%Y%m%d-%H%M%S");
        let candidate = safety_dir(&store_path).join(format!("avant-restauration-{stamp}.iea"));
        if !candidate.exists() {
            break candidate;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    if had_store {
        std::fs::create_dir_all(safety_dir(&store_path))
            .map_err(io_err(&safety_dir(&store_path)))?;
        if let Err(e) = quiesce(&store_path, &aside) {
            let _ = std::fs::remove_file(&incoming);
            return Err(e);
        }
    }
    let journal = Journal {
        store: store_path.clone(),
        incoming: incoming.clone(),
        aside: aside.clone(),
        started_at: Utc::now(),
    };
    write_journal(&ctx.home, &journal)?;
    if had_store && let Err(e) = fsutil::rename_durable(&store_path, &aside) {
        let _ = std::fs::remove_file(&incoming);
        clear_journal(&ctx.home);
        return Err(RestoreError::Io {
            path: store_path,
            source: e,
        });
    }
    if let Err(e) = fsutil::rename_durable(&incoming, &store_path) {
        put_back(&journal);
        clear_journal(&ctx.home);
        return Err(RestoreError::Io {
            path: store_path,
            source: e,
        });
    }

    // 5. Check what is now the store.
    if let Err(detail) = check_restored(&store_path, &manifest) {
        tracing::error!(%detail, "base restaurée refusée : l'ancienne est remise en place");
        let rejected = store_dir.join(format!(".{store_name}.refusee"));
        let _ = std::fs::rename(&store_path, &rejected);
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(sidecar(&store_path, suffix));
        }
        put_back(&journal);
        clear_journal(&ctx.home);
        let _ = std::fs::remove_file(&rejected);
        return Err(RestoreError::CheckFailed { detail });
    }
    clear_journal(&ctx.home);
    prune_safety_copies(&store_path);
    tracing::info!(
        store = %store_path.display(),
        created_at = %manifest.created_at,
        "restauration terminée"
    );
    Ok(RestoreReport {
        manifest,
        store_path,
        safety_copy: had_store.then_some(aside),
        elapsed: started.elapsed(),
    })
}

fn sidecar(store: &Path, suffix: &str) -> PathBuf {
    let mut s = store.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Empties the store's write-ahead log into the file and leaves it in rollback
/// journal mode, so that the file alone is the whole store: then it can be moved
/// without its `-wal` and `-shm`. Fails when another program holds the store.
fn quiesce(store_path: &Path, aside: &Path) -> Result<(), RestoreError> {
    let conn = rusqlite::Connection::open_with_flags(
        store_path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| RestoreError::Store(StoreError::from_sqlite(store_path, e)))?;
    let result = (|| {
        conn.busy_timeout(crate::store::BUSY_TIMEOUT)?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        let mode: String = conn.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
        Ok::<String, rusqlite::Error>(mode)
    })();
    drop(conn);
    match result {
        Ok(mode) if mode.eq_ignore_ascii_case("delete") => {}
        Ok(mode) => {
            return Err(RestoreError::Store(StoreError::from_sqlite(
                store_path,
                rusqlite::Error::InvalidParameterName(format!("journal_mode {mode}")),
            )));
        }
        // A damaged store cannot be checkpointed; it is moved aside as it is,
        // with its -wal beside it so nothing of it is lost.
        Err(e) => {
            tracing::warn!(error = %e, "base actuelle non vidée de son journal : mise de côté telle quelle");
            for suffix in ["-wal", "-shm"] {
                let from = sidecar(store_path, suffix);
                if from.exists() {
                    let to = sidecar(aside, suffix);
                    std::fs::rename(&from, &to).map_err(io_err(&from))?;
                }
            }
            return Ok(());
        }
    }
    for suffix in ["-wal", "-shm"] {
        let path = sidecar(store_path, suffix);
        if let Err(e) = std::fs::remove_file(&path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            return Err(RestoreError::Io { path, source: e });
        }
    }
    Ok(())
}

/// Opens the restored store read-only (one of an older schema is restored as
/// it is: the database update brings it up to date, after its own backup) and
/// checks its identity, schema and counts against the manifest.
fn check_restored(store_path: &Path, manifest: &Manifest) -> Result<(), String> {
    let store = Store::open_read_only_behind_closed_gate(store_path).map_err(|e| e.to_string())?;
    for (table, expected) in &manifest.counts {
        let sql = format!("SELECT count(*) FROM \"{}\"", table.replace('"', ""));
        let found: i64 = store
            .connection()
            .query_row(&sql, [], |r| r.get(0))
            .map_err(|e| format!("{table}: {e}"))?;
        if u64::try_from(found).ok() != Some(*expected) {
            return Err(format!("{table}: {found} lignes, {expected} attendues"));
        }
    }
    Ok(())
}

/// Puts the previous store back after a failed swap (best effort, logged).
fn put_back(journal: &Journal) {
    if journal.aside.exists()
        && !journal.store.exists()
        && let Err(e) = fsutil::rename_durable(&journal.aside, &journal.store)
    {
        tracing::error!(error = %e, aside = %journal.aside.display(), "ancienne base non remise en place");
    }
    let _ = std::fs::remove_file(&journal.incoming);
}

fn journal_path(home: &Home) -> PathBuf {
    home.root().join(JOURNAL_FILE)
}

fn write_journal(home: &Home, journal: &Journal) -> Result<(), RestoreError> {
    let path = journal_path(home);
    let bytes = serde_json::to_vec_pretty(journal).map_err(|e| RestoreError::Io {
        path: path.clone(),
        source: std::io::Error::other(e),
    })?;
    fsutil::write_atomic(&path, &bytes).map_err(io_err(&path))
}

fn clear_journal(home: &Home) {
    let path = journal_path(home);
    if let Err(e) = std::fs::remove_file(&path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(error = %e, "journal de restauration non supprimé");
    }
}

/// Settles a restore cut short by a crash (called at every start): the store is
/// left whole, old or new, and the journal removed. `None` when there was none, and
/// when a restore is running right now: its journal is not a leftover, and
/// "settling" it would put the old store back under its feet. The restore lock
/// tells the two apart, since the system releases it when a process dies.
pub fn recover_interrupted(home: &Home) -> Result<Option<Recovery>, RestoreError> {
    if !journal_path(home).exists() {
        return Ok(None);
    }
    let _restore = match JobLock::acquire(home, JobKind::Restore) {
        Ok(lock) => lock,
        Err(JobError::AlreadyRunning { .. }) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    settle_journal(home)
}

/// The settling itself; the caller holds the restore lock.
fn settle_journal(home: &Home) -> Result<Option<Recovery>, RestoreError> {
    let path = journal_path(home);
    let text = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(RestoreError::Io { path, source }),
    };
    let Ok(journal) = serde_json::from_slice::<Journal>(&text) else {
        tracing::warn!("journal de restauration illisible : supprimé");
        clear_journal(home);
        return Ok(None);
    };
    let recovery = if journal.store.exists() && journal.aside.exists() {
        // Both renames happened: the restored store is in place.
        let _ = std::fs::remove_file(&journal.incoming);
        Recovery::Completed {
            store: journal.store.clone(),
            safety_copy: journal.aside.clone(),
        }
    } else if !journal.store.exists() && journal.aside.exists() {
        let _closed = crate::store::gate::close(&journal.store)?;
        fsutil::rename_durable(&journal.aside, &journal.store).map_err(io_err(&journal.store))?;
        let _ = std::fs::remove_file(&journal.incoming);
        Recovery::PreviousPutBack {
            store: journal.store.clone(),
        }
    } else {
        let _ = std::fs::remove_file(&journal.incoming);
        Recovery::Untouched {
            store: journal.store.clone(),
        }
    };
    clear_journal(home);
    tracing::warn!(?recovery, "restauration interrompue : réglée au démarrage");
    Ok(Some(recovery))
}

/// Removes the oldest safety copies beyond [`SAFETY_KEEP`].
fn prune_safety_copies(store_path: &Path) {
    let copies = safety_copies(store_path);
    let excess = copies.len().saturating_sub(SAFETY_KEEP);
    for old in copies.into_iter().take(excess) {
        if let Err(e) = std::fs::remove_file(&old.path) {
            tracing::warn!(error = %e, copy = %old.path.display(), "ancienne copie avant restauration non supprimée");
        }
    }
}

/// The backups of `script` usable for a restore, oldest first: at its
/// destination for a script, beside the store for [`SAFETY_LABEL`].
pub fn restorable(ctx: &BackupContext, script: &str) -> Result<Vec<StoredBackup>, RestoreError> {
    if script == SAFETY_LABEL {
        return Ok(safety_copies(&ctx.store_path)
            .into_iter()
            .map(|c| StoredBackup {
                name: c.name,
                size_bytes: c.size_bytes,
                taken_at: c.taken_at,
            })
            .collect());
    }
    let book = ScriptBook::load(&ctx.home)?;
    let entry = book
        .get(script)
        .ok_or_else(|| RestoreError::UnknownScript {
            name: script.to_owned(),
        })?;
    let mut location = destination::open(&entry.script.destination, &ctx.access())?;
    Ok(location.list(script)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A journal left in the middle of the swap: the old store already moved
    /// aside, the new one not yet in place.
    fn mid_swap(home: &Home) -> Journal {
        let dir = home.root().join("donnees");
        std::fs::create_dir_all(safety_dir(&dir.join("paie.iea"))).expect("dirs");
        let journal = Journal {
            store: dir.join("paie.iea"),
            incoming: dir.join(".paie.iea.restauration"),
            aside: safety_dir(&dir.join("paie.iea")).join("avant-restauration-20261203-101010.iea"),
            started_at: Utc::now(),
        };
        std::fs::write(&journal.aside, b"ancienne base").expect("aside");
        std::fs::write(&journal.incoming, b"nouvelle base").expect("incoming");
        write_journal(home, &journal).expect("journal");
        journal
    }

    /// Regression: a command started while a restore swapped the store "settled"
    /// it, putting the old store back under the restore's feet.
    #[test]
    fn a_running_restore_is_never_settled_by_another_start() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path().join("iea"));
        home.ensure().expect("ensure");
        let journal = mid_swap(&home);
        let running = JobLock::acquire(&home, JobKind::Restore).expect("the restore's lock");

        assert_eq!(recover_interrupted(&home).expect("recover"), None);
        assert!(
            journal.aside.exists(),
            "the safety copy stays where the restore put it"
        );
        assert!(
            journal.incoming.exists(),
            "the verified new store is left alone"
        );
        assert!(!journal.store.exists(), "nothing is put back in place");
        assert!(
            journal_path(&home).exists(),
            "the journal belongs to the restore"
        );

        // Once the restore's process is gone (its lock with it), the next start
        // settles what it left: the previous store back in place.
        drop(running);
        assert_eq!(
            recover_interrupted(&home).expect("recover"),
            Some(Recovery::PreviousPutBack {
                store: journal.store.clone()
            })
        );
        assert_eq!(
            std::fs::read(&journal.store).expect("store"),
            b"ancienne base"
        );
        assert!(!journal_path(&home).exists());
    }

    #[test]
    fn a_choice_names_a_file_a_stored_backup_a_safety_copy_or_the_newest() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path().join("iea"));
        home.ensure().expect("ensure");
        let ctx = BackupContext::load(&home).expect("context");
        let file = PathBuf::from("/media/cle/Quotidienne-20261201-230000.iea.zip");

        assert_eq!(
            RestoreChoice::File(file.clone())
                .resolve(&ctx)
                .expect("file"),
            RestoreSource::File(file.clone())
        );
        assert_eq!(
            RestoreChoice::InScript {
                script: "Quotidienne".to_owned(),
                file: file.clone(),
            }
            .resolve(&ctx)
            .expect("stored"),
            RestoreSource::Stored {
                script: "Quotidienne".to_owned(),
                name: "Quotidienne-20261201-230000.iea.zip".to_owned(),
            }
        );
        assert!(matches!(
            RestoreChoice::Latest {
                script: "Inconnu".to_owned()
            }
            .resolve(&ctx),
            Err(RestoreError::UnknownScript { name }) if name == "Inconnu"
        ));

        // The safety copies: none yet, then the newest of two.
        let latest_copy = || {
            RestoreChoice::Latest {
                script: SAFETY_LABEL.to_owned(),
            }
            .resolve(&ctx)
        };
        assert!(matches!(
            latest_copy(),
            Err(RestoreError::NoBackup { script }) if script == SAFETY_LABEL
        ));
        let aside = safety_dir(&ctx.store_path);
        std::fs::create_dir_all(&aside).expect("folder");
        for name in [
            "avant-restauration-20261203-101010.iea",
            "avant-restauration-20261130-090000.iea",
        ] {
            std::fs::write(aside.join(name), b"base").expect("copy");
        }
        assert_eq!(
            latest_copy().expect("newest"),
            RestoreSource::Safety {
                name: "avant-restauration-20261203-101010.iea".to_owned()
            }
        );
        assert_eq!(
            RestoreChoice::InScript {
                script: SAFETY_LABEL.to_owned(),
                file: PathBuf::from("avant-restauration-20261130-090000.iea"),
            }
            .resolve(&ctx)
            .expect("named copy"),
            RestoreSource::Safety {
                name: "avant-restauration-20261130-090000.iea".to_owned()
            }
        );
    }
}
