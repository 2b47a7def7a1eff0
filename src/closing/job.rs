//! The closing job itself: lock, check, move, reindex.
//!
//! While it runs, the job holds the closing and backup job locks (the scheduler
//! and any backup or restore wait), a marker file beside the store
//! (`<store>.cloture-en-cours`, locked with a file lock for the job's life: every
//! [`Store::open`] reports it as "clôture en cours"), and one SQLite connection in
//! exclusive locking mode, so that any other connection gets "busy".
//!
//! The move is one transaction: after a crash at any instant the store is either
//! untouched or closed for that year. The marker outlives a crash (its lock does
//! not), and [`recover_interrupted`] tells which of the two it was.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::prereq::{Prerequisite, prerequisites};
use super::view::{Totals, closed_totals, exercise_row, open_totals, period_bounds};
use crate::home::Home;
use crate::jobs::{Cancel, JobError, JobKind, JobLock, Phase, Progress};
use crate::store::{BUSY_TIMEOUT, Store, StoreError};

/// Suffix of the marker file beside the store: `<store path><suffix>`, holding
/// JSON `{dossier, dossier_id, year, host, pid, started_at}`.
pub const MARKER_SUFFIX: &str = ".cloture-en-cours";

/// Who writes the audit line of a closing.
const AUDIT_ACTOR: &str = "centre de maintenance";

/// Page cache of the job's connection, in KiB (SQLite's negative `cache_size`):
/// large enough to hold the indexes a closing rewrites.
const JOB_CACHE_KIB: i64 = 262_144;

/// How often the cancel flag is looked at while a long statement runs.
const CANCEL_POLL: Duration = Duration::from_millis(20);

/// Which dossier and year to close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseRequest {
    /// The dossier's id.
    pub dossier_id: i64,
    /// The year.
    pub year: i32,
}

/// The seed's three steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClosingStep {
    /// "Arrêt du serveur – Réparation de la base": lock and checks.
    Repair,
    /// "Clôture": the move, in one transaction.
    Close,
    /// "Réindexation": `REINDEX`, `ANALYZE`, `PRAGMA optimize`.
    Reindex,
}

impl ClosingStep {
    /// The three, in order.
    pub const ALL: [Self; 3] = [Self::Repair, Self::Close, Self::Reindex];

    /// The phase the job reports for this step.
    pub fn phase(self) -> Phase {
        match self {
            Self::Repair => Phase::ClosingRepair,
            Self::Close => Phase::ClosingClose,
            Self::Reindex => Phase::ClosingReindex,
        }
    }
}

/// What a closing did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseReport {
    /// The dossier's name.
    pub dossier: String,
    /// The year closed.
    pub year: i32,
    /// Payslips moved into `closed_payslips`.
    pub payslips_moved: u64,
    /// Declarations moved into `closed_declarations`.
    pub declarations_moved: u64,
    /// Totals of the moved rows (equal before and after the move: checked).
    pub totals: Totals,
    /// Lock to end.
    pub elapsed: Duration,
    /// Time of each step, in the order of [`ClosingStep::ALL`].
    pub step_durations: [Duration; 3],
}

/// Why a closing did not happen. In every case but a failure of the last step
/// ("Réindexation", after the commit), the store is as it was.
#[derive(Debug, thiserror::Error)]
pub enum ClosingError {
    /// Another closing, backup or restore runs.
    #[error(transparent)]
    Job(#[from] JobError),
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No dossier with that id.
    #[error("no dossier with id {id}")]
    UnknownDossier {
        /// The id asked.
        id: i64,
    },
    /// Neither payslip nor declaration nor exercise for that year.
    #[error("no exercise {year} in dossier {dossier}")]
    NoSuchYear {
        /// The dossier's name.
        dossier: String,
        /// The year asked.
        year: i32,
    },
    /// The exercise is already closed.
    #[error("exercise {year} of dossier {dossier} is already closed")]
    AlreadyClosed {
        /// The dossier's name.
        dossier: String,
        /// The year.
        year: i32,
    },
    /// The unmet prerequisites.
    #[error("{} prerequisite(s) unmet", .0.len())]
    Prerequisites(Vec<Prerequisite>),
    /// `integrity_check` or `foreign_key_check` failed: nothing was changed.
    #[error("store damaged: {}", problems.join("; "))]
    Damaged {
        /// What the checks reported.
        problems: Vec<String>,
    },
    /// Another closing holds the marker.
    #[error("a closing is already running on {host} since {started_at}")]
    InProgress {
        /// Its computer.
        host: String,
        /// Its start (RFC 3339).
        started_at: String,
    },
    /// The marker file.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The system error.
        source: std::io::Error,
    },
    /// Cancelled before the move was committed: nothing changed.
    #[error("cancelled")]
    Cancelled,
}

/// What an interrupted closing left, as [`recover_interrupted`] found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
    /// The move was not committed: the store is as before, the year still open.
    Untouched {
        /// The dossier's name.
        dossier: String,
        /// The year.
        year: i32,
    },
    /// The move was committed: the year is closed (only the reindexing may be
    /// missing, which costs speed, not data).
    Completed {
        /// The dossier's name.
        dossier: String,
        /// The year.
        year: i32,
    },
}

/// The marker's content.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct MarkerInfo {
    dossier: String,
    dossier_id: i64,
    year: i32,
    host: String,
    pid: u32,
    started_at: String,
}

/// The marker path of `store_path`.
fn marker_path(store_path: &Path) -> PathBuf {
    let mut s = store_path.as_os_str().to_owned();
    s.push(MARKER_SUFFIX);
    PathBuf::from(s)
}

fn read_marker(file: &mut File) -> Option<MarkerInfo> {
    use std::io::{Read as _, Seek as _};
    let mut text = String::new();
    file.rewind().ok()?;
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
}

/// Whether a closing holds the store at `store_path`: `Some((host, started_at,
/// dossier, year))` only when the marker exists and its file lock is held by a
/// live process (a marker left by a crash is not a closing in progress).
pub fn closing_in_progress(store_path: &Path) -> Option<(String, String, String, i32)> {
    let path = marker_path(store_path);
    let mut file = File::open(&path).ok()?;
    match file.try_lock_shared() {
        // Nobody holds it: stale (or just being created — the job checks again).
        Ok(()) => None,
        Err(TryLockError::WouldBlock) => Some(read_marker(&mut file).map_or_else(
            || (String::from("?"), String::new(), String::new(), 0),
            |m| (m.host, m.started_at, m.dossier, m.year),
        )),
        Err(TryLockError::Error(e)) => {
            tracing::warn!(error = %e, marker = %path.display(), "marqueur de clôture illisible");
            None
        }
    }
}

/// The marker, created and locked for the job's life; removed on drop.
struct Marker {
    path: PathBuf,
    file: File,
}

impl Marker {
    fn create(store_path: &Path, info: &MarkerInfo) -> Result<Self, ClosingError> {
        let path = marker_path(store_path);
        let io = |source| ClosingError::Io {
            path: path.clone(),
            source,
        };
        // A stale marker being removed by a recovery while we open it would leave
        // us holding an unlinked file: open again until the file we lock is the
        // one at the path.
        for _ in 0..10 {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(io)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    let other = read_marker(&mut file);
                    return Err(ClosingError::InProgress {
                        host: other
                            .as_ref()
                            .map_or_else(|| "?".to_owned(), |m| m.host.clone()),
                        started_at: other.map(|m| m.started_at).unwrap_or_default(),
                    });
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
            if !same_file(&file, &path) {
                continue;
            }
            let bytes =
                serde_json::to_vec_pretty(info).map_err(|e| io(std::io::Error::other(e)))?;
            file.set_len(0).map_err(io)?;
            file.write_all(&bytes).map_err(io)?;
            file.sync_all().map_err(io)?;
            crate::fsutil::sync_dir(crate::fsutil::parent_dir(&path)).map_err(io)?;
            return Ok(Self { path, file });
        }
        Err(io(std::io::Error::other("marker keeps changing")))
    }
}

impl Drop for Marker {
    fn drop(&mut self) {
        // Removed while still locked: nobody can take it for a stale one.
        if let Err(e) = std::fs::remove_file(&self.path) {
            tracing::warn!(error = %e, marker = %self.path.display(), "marqueur de clôture non supprimé");
        }
        let _ = self.file.unlock();
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}

/// What the job learns about the request before it takes the store.
struct Target {
    dossier: String,
}

/// Checks what is asked, before anything else is looked at: the dossier
/// exists, and its year has something to close and is not closed yet. Gives
/// the dossier's name.
///
/// A closing refused for its prerequisites must first be a closing that can
/// be: a year already closed would otherwise be refused because the store
/// "changed since the last backup" (its own closing wrote the change), and a
/// year with no data for the backup it lacks.
pub fn check_request(store: &Store, req: &CloseRequest) -> Result<String, ClosingError> {
    resolve(store, req).map(|target| target.dossier)
}

/// Checks that the dossier exists and the year can be closed.
fn resolve(store: &Store, req: &CloseRequest) -> Result<Target, ClosingError> {
    let conn = store.connection();
    let dossier: Option<String> = conn
        .query_row(
            "SELECT name FROM dossiers WHERE id = ?1",
            [req.dossier_id],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| store.err(e))?;
    let dossier = dossier.ok_or(ClosingError::UnknownDossier { id: req.dossier_id })?;
    match exercise_row(conn, req.dossier_id, req.year).map_err(|e| store.err(e))? {
        Some((_, true, _)) => {
            return Err(ClosingError::AlreadyClosed {
                dossier,
                year: req.year,
            });
        }
        Some(_) => {}
        None => {
            let totals = open_totals(conn, req.dossier_id, req.year).map_err(|e| store.err(e))?;
            if totals.payslips == 0 && totals.declarations == 0 {
                return Err(ClosingError::NoSuchYear {
                    dossier,
                    year: req.year,
                });
            }
        }
    }
    Ok(Target { dossier })
}

/// Closes exercise `req.year` of dossier `req.dossier_id` in the store at
/// `store_path`, in the seed's three steps (each announced with
/// [`Progress::phase`]; the second with the number of rows to move).
///
/// With `check_prerequisites`, refuses to start while one is unmet
/// ([`ClosingError::Prerequisites`]). Cancelling is honoured until the move's
/// commit; after it, the reindexing runs to its end.
pub fn close_year(
    home: &Home,
    store_path: &Path,
    req: &CloseRequest,
    check_prerequisites: bool,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<CloseReport, ClosingError> {
    let started = Instant::now();
    let _closing = JobLock::acquire(home, JobKind::Closing)?;
    let _backup = JobLock::acquire(home, JobKind::Backup)?;
    if let Some((host, started_at, _, _)) = closing_in_progress(store_path) {
        return Err(ClosingError::InProgress { host, started_at });
    }
    if let Some(recovery) = recover_interrupted(store_path)? {
        tracing::info!(
            ?recovery,
            "clôture interrompue constatée avant une nouvelle clôture"
        );
    }
    let target = {
        let store = Store::open(store_path)?;
        resolve(&store, req)?
    };
    if check_prerequisites {
        let found = prerequisites(home, store_path, chrono::Local::now())?;
        if !found.all_met() {
            return Err(ClosingError::Prerequisites(found.unmet()));
        }
    }
    check(cancel)?;
    let marker = Marker::create(
        store_path,
        &MarkerInfo {
            dossier: target.dossier.clone(),
            dossier_id: req.dossier_id,
            year: req.year,
            host: crate::installation::hostname(),
            pid: std::process::id(),
            started_at: chrono::Local::now().to_rfc3339(),
        },
    )?;
    tracing::info!(dossier = %target.dossier, year = req.year, "clôture d'exercice : début");
    let result = run_locked(store_path, req, &target, progress, cancel, started);
    drop(marker);
    match &result {
        Ok(report) => tracing::info!(
            dossier = %report.dossier,
            year = report.year,
            payslips = report.payslips_moved,
            declarations = report.declarations_moved,
            elapsed_ms = report.elapsed.as_millis() as u64,
            "clôture d'exercice : terminée"
        ),
        Err(e) => tracing::warn!(error = %e, "clôture d'exercice : non faite"),
    }
    result
}

/// The three steps, under the locks and the marker.
fn run_locked(
    store_path: &Path,
    req: &CloseRequest,
    target: &Target,
    progress: &dyn Progress,
    cancel: &Cancel,
    started: Instant,
) -> Result<CloseReport, ClosingError> {
    let sq = |e: rusqlite::Error| ClosingError::Store(StoreError::from_sqlite(store_path, e));
    // Declared before the connection: released after it is closed.
    let _gate = crate::store::gate::enter(store_path).map_err(ClosingError::Store)?;
    let mut conn = Connection::open_with_flags(
        store_path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sq)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sq)?;
    conn.execute_batch(&format!(
        "PRAGMA foreign_keys = ON;
         PRAGMA locking_mode = EXCLUSIVE;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -{JOB_CACHE_KIB};"
    ))
    .map_err(sq)?;
    let mut durations = [Duration::ZERO; 3];

    // The watcher turns a cancel into an interruption of the running statement,
    // so that a long check or move stops at once — until the commit. It looks
    // and interrupts under the lock that ends its watch: once the watch is over,
    // no interruption can fall on the commit.
    let watching = Mutex::new(true);
    let interrupt = conn.get_interrupt_handle();
    let moved = std::thread::scope(|scope| {
        scope.spawn(|| {
            loop {
                {
                    let Ok(on) = watching.lock() else { break };
                    if !*on {
                        break;
                    }
                    if cancel.is_cancelled() {
                        interrupt.interrupt();
                        break;
                    }
                }
                std::thread::sleep(CANCEL_POLL);
            }
        });
        let result = (|| {
            let t = Instant::now();
            progress.phase(ClosingStep::Repair.phase(), 2);
            // Take the store for this connection alone, for as long as it is open.
            conn.execute_batch("BEGIN EXCLUSIVE; COMMIT;").map_err(sq)?;
            let mut problems = integrity_problems(&conn).map_err(sq)?;
            progress.advance(1);
            check(cancel)?;
            problems.extend(foreign_key_problems(&conn).map_err(sq)?);
            progress.advance(2);
            if !problems.is_empty() {
                return Err(ClosingError::Damaged { problems });
            }
            durations[0] = t.elapsed();
            check(cancel)?;
            let t = Instant::now();
            // The store's triggers refuse any write to a closed year from every
            // connection; checking each moved row against them would cost about
            // 4 µs a row (+60 % on the move, measured on 190 000 payslips). This
            // private connection holds the store alone during its transaction,
            // writes nothing but the rows of the year it closes, with plain INSERTs
            // (a key already taken aborts, never replaces) and compares the totals
            // before it commits: the checks are off for it, and for the move only.
            conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false)
                .map_err(sq)?;
            let moved = move_rows(&mut conn, req, target, progress, cancel, &watching);
            let restored = conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, true);
            durations[1] = t.elapsed();
            let moved = moved?;
            restored.map_err(sq)?;
            Ok(moved)
        })();
        stop_watch(&watching);
        result
    })
    .map_err(|e| match e {
        ClosingError::Store(StoreError::Sqlite { source, .. })
            if cancel.is_cancelled()
                && source.sqlite_error_code()
                    == Some(rusqlite::ErrorCode::OperationInterrupted) =>
        {
            ClosingError::Cancelled
        }
        ClosingError::Job(JobError::Cancelled) => ClosingError::Cancelled,
        e => e,
    })?;

    let t = Instant::now();
    progress.phase(ClosingStep::Reindex.phase(), 3);
    conn.execute_batch("REINDEX;").map_err(sq)?;
    progress.advance(1);
    conn.execute_batch("ANALYZE;").map_err(sq)?;
    progress.advance(2);
    conn.execute_batch("PRAGMA optimize;").map_err(sq)?;
    // Closing the connection checkpoints the WAL into the store.
    conn.close().map_err(|(_, e)| sq(e))?;
    progress.advance(3);
    durations[2] = t.elapsed();
    Ok(CloseReport {
        dossier: target.dossier.clone(),
        year: req.year,
        payslips_moved: moved.payslips,
        declarations_moved: moved.declarations,
        totals: moved,
        elapsed: started.elapsed(),
        step_durations: durations,
    })
}

/// `Err(Cancelled)` once cancellation was asked.
fn check(cancel: &Cancel) -> Result<(), ClosingError> {
    if cancel.is_cancelled() {
        Err(ClosingError::Cancelled)
    } else {
        Ok(())
    }
}

/// Ends the cancel watcher's watch.
fn stop_watch(watching: &Mutex<bool>) {
    match watching.lock() {
        Ok(mut on) => *on = false,
        Err(poisoned) => *poisoned.into_inner() = false,
    }
}

/// `PRAGMA integrity_check`, its problems only.
fn integrity_problems(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let rows: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(rows.into_iter().filter(|r| r != "ok").collect())
}

/// `PRAGMA foreign_key_check`, as lines for the report's technical details, in
/// English like SQLite's own (at most 100).
fn foreign_key_problems(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt =
        conn.prepare("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check LIMIT 100")?;
    stmt.query_map([], |r| {
        let table: String = r.get(0)?;
        let rowid: Option<i64> = r.get(1)?;
        let parent: String = r.get(2)?;
        Ok(format!(
            "{table} row {}: missing reference in {parent}",
            rowid.map_or_else(|| "?".to_owned(), |id| id.to_string())
        ))
    })?
    .collect()
}

/// Step 2: one transaction moves the year's rows into the closed tables, closes
/// the exercise and journals it. The totals are compared before the commit.
fn move_rows(
    conn: &mut Connection,
    req: &CloseRequest,
    target: &Target,
    progress: &dyn Progress,
    cancel: &Cancel,
    watching: &Mutex<bool>,
) -> Result<Totals, ClosingError> {
    let path = conn.path().map(PathBuf::from).unwrap_or_default();
    let sq = |e: rusqlite::Error| ClosingError::Store(StoreError::from_sqlite(&path, e));
    let (first, last) = period_bounds(req.year);
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(sq)?;
    let before = open_totals(&tx, req.dossier_id, req.year).map_err(sq)?;
    progress.phase(
        ClosingStep::Close.phase(),
        before.payslips + before.declarations,
    );
    tx.execute(
        "INSERT INTO exercises (dossier_id, year, state) VALUES (?1, ?2, 'ouvert')
         ON CONFLICT (dossier_id, year) DO NOTHING",
        params![req.dossier_id, req.year],
    )
    .map_err(sq)?;
    let (exercise_id, state): (i64, String) = tx
        .query_row(
            "SELECT id, state FROM exercises WHERE dossier_id = ?1 AND year = ?2",
            params![req.dossier_id, req.year],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(sq)?;
    // Checked again inside the transaction: the triggers that would refuse a
    // second closing are off on this connection (see `close_year`).
    if state == "cloture" {
        return Err(ClosingError::AlreadyClosed {
            dossier: target.dossier.clone(),
            year: req.year,
        });
    }
    // Set-based: SQLite walks the dossier's employers, then each one's range of
    // `payslips_employer_period`.
    let payslips = tx
        .execute(
            "INSERT INTO closed_payslips (id, exercise_id, employer_id, employee_id, contract_id,
                 period, gross_cents, employee_contrib_cents, employer_contrib_cents, net_cents,
                 pas_cents, hours_centi)
             SELECT p.id, ?1, p.employer_id, p.employee_id, p.contract_id, p.period,
                 p.gross_cents, p.employee_contrib_cents, p.employer_contrib_cents, p.net_cents,
                 p.pas_cents, p.hours_centi
             FROM employers e JOIN payslips p ON p.employer_id = e.id
             WHERE e.dossier_id = ?2 AND p.period BETWEEN ?3 AND ?4",
            params![exercise_id, req.dossier_id, first, last],
        )
        .map_err(sq)? as u64;
    progress.advance(payslips);
    let declarations = tx
        .execute(
            "INSERT INTO closed_declarations (id, exercise_id, employer_id, period, status,
                 deposited_at, total_cents)
             SELECT d.id, ?1, d.employer_id, d.period, d.status, d.deposited_at, d.total_cents
             FROM employers e JOIN declarations d ON d.employer_id = e.id
             WHERE e.dossier_id = ?2 AND d.period BETWEEN ?3 AND ?4",
            params![exercise_id, req.dossier_id, first, last],
        )
        .map_err(sq)? as u64;
    let deleted_payslips = tx
        .execute(
            "DELETE FROM payslips
             WHERE employer_id IN (SELECT id FROM employers WHERE dossier_id = ?1)
               AND period BETWEEN ?2 AND ?3",
            params![req.dossier_id, first, last],
        )
        .map_err(sq)? as u64;
    let deleted_declarations = tx
        .execute(
            "DELETE FROM declarations
             WHERE employer_id IN (SELECT id FROM employers WHERE dossier_id = ?1)
               AND period BETWEEN ?2 AND ?3",
            params![req.dossier_id, first, last],
        )
        .map_err(sq)? as u64;
    let now = chrono::Local::now().to_rfc3339();
    tx.execute(
        "UPDATE exercises SET state = 'cloture', closed_at = ?1 WHERE id = ?2",
        params![now, exercise_id],
    )
    .map_err(sq)?;
    tx.execute(
        "INSERT INTO audit_log (at, actor, action, detail) VALUES (?1, ?2, 'exercise.closed', ?3)",
        params![
            now,
            AUDIT_ACTOR,
            format!(
                "Exercice {}, dossier {} : {payslips} bulletins, {declarations} déclarations",
                req.year, target.dossier
            )
        ],
    )
    .map_err(sq)?;
    let after = closed_totals(&tx, exercise_id).map_err(sq)?;
    progress.advance(payslips + declarations);
    // Nothing may be lost: the same rows, the same cents. A mismatch is a bug;
    // the rollback keeps the store as it was.
    if after != before
        || deleted_payslips != payslips
        || deleted_declarations != declarations
        || after.payslips != payslips
        || after.declarations != declarations
    {
        return Err(ClosingError::Damaged {
            problems: vec![format!(
                "les totaux ne concordent pas après le déplacement (avant {before:?}, après \
                 {after:?}) : rien n'a été modifié"
            )],
        });
    }
    // The last moment a cancel is honoured: stop the watcher first, so that no
    // interruption can fall on the commit itself.
    stop_watch(watching);
    if cancel.is_cancelled() {
        tx.rollback().map_err(sq)?;
        return Err(ClosingError::Cancelled);
    }
    tx.commit().map_err(sq)?;
    Ok(after)
}

/// Settles a closing interrupted by a crash: when a marker is left beside the
/// store and no process holds it, looks at the exercise's state — closed (the
/// move was committed) or not (it was not, and the store is as before) — removes
/// the marker and says which. `None` when there was nothing to settle.
pub fn recover_interrupted(store_path: &Path) -> Result<Option<Recovery>, ClosingError> {
    let path = marker_path(store_path);
    let io = |source| ClosingError::Io {
        path: path.clone(),
        source,
    };
    let mut file = match OpenOptions::new().read(true).write(true).open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    match file.try_lock() {
        Ok(()) => {}
        // A closing runs: nothing to settle.
        Err(TryLockError::WouldBlock) => return Ok(None),
        Err(TryLockError::Error(e)) => return Err(io(e)),
    }
    let info = read_marker(&mut file);
    let recovery = match info {
        Some(info) => {
            // Opening replays the WAL: the committed move, if any, is there. A
            // plain connection: `Store::open` would see our lock on the marker.
            let sq = |e| ClosingError::Store(StoreError::from_sqlite(store_path, e));
            let conn = Connection::open_with_flags(
                store_path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(sq)?;
            conn.busy_timeout(BUSY_TIMEOUT).map_err(sq)?;
            let closed = exercise_row(&conn, info.dossier_id, info.year)
                .map_err(sq)?
                .is_some_and(|(_, closed, _)| closed);
            drop(conn);
            Some(if closed {
                Recovery::Completed {
                    dossier: info.dossier,
                    year: info.year,
                }
            } else {
                Recovery::Untouched {
                    dossier: info.dossier,
                    year: info.year,
                }
            })
        }
        // Killed before the marker was written: the store was not touched yet.
        None => None,
    };
    std::fs::remove_file(&path).map_err(io)?;
    drop(file);
    if let Some(r) = &recovery {
        tracing::warn!(recovery = ?r, "clôture d'exercice interrompue : état constaté");
    }
    Ok(recovery)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::NoProgress;

    /// The store of the view's tests (one dossier, payslips in 2024 and 2025).
    fn small_store(dir: &Path) -> PathBuf {
        crate::closing::view::tests::small_store(dir)
            .path()
            .to_path_buf()
    }

    fn count(path: &Path, table: &str) -> i64 {
        Store::open(path)
            .expect("open")
            .connection()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .expect("count")
    }

    #[test]
    fn closing_moves_the_year_and_keeps_the_totals() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        let path = small_store(dir.path());
        let req = CloseRequest {
            dossier_id: 1,
            year: 2025,
        };
        let report =
            close_year(&home, &path, &req, false, &NoProgress, &Cancel::new()).expect("close");
        assert_eq!((report.payslips_moved, report.declarations_moved), (2, 1));
        assert_eq!(report.totals.gross_cents, 420_001);
        assert_eq!(count(&path, "payslips"), 1);
        assert_eq!(count(&path, "closed_payslips"), 2);
        assert!(!marker_path(&path).exists());
        assert!(matches!(
            close_year(&home, &path, &req, false, &NoProgress, &Cancel::new()),
            Err(ClosingError::AlreadyClosed { .. })
        ));
        let store = Store::open(&path).expect("open");
        let refused = store
            .connection()
            .execute("UPDATE closed_payslips SET gross_cents = 0", [])
            .map_err(|e| store.err(e));
        assert!(matches!(refused, Err(StoreError::ClosedExercise { .. })));
        let refused = store
            .connection()
            .execute(
                "INSERT INTO payslips (employer_id, employee_id, contract_id, period, gross_cents,
                     employee_contrib_cents, employer_contrib_cents, net_cents, pas_cents, hours_centi)
                 VALUES (1, 1, 1, '2025-03', 1, 0, 0, 1, 0, 0)",
                [],
            )
            .map_err(|e| store.err(e));
        assert!(matches!(refused, Err(StoreError::ClosedExercise { .. })));
        let refused = store
            .connection()
            .execute("DELETE FROM exercises", [])
            .map_err(|e| store.err(e));
        assert!(matches!(refused, Err(StoreError::ClosedExercise { .. })));
    }

    #[test]
    fn unknown_dossier_empty_year_and_cancel_change_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        let path = small_store(dir.path());
        let run = |dossier_id, year, cancel: &Cancel| {
            close_year(
                &home,
                &path,
                &CloseRequest { dossier_id, year },
                false,
                &NoProgress,
                cancel,
            )
        };
        assert!(matches!(
            run(9, 2025, &Cancel::new()),
            Err(ClosingError::UnknownDossier { id: 9 })
        ));
        assert!(matches!(
            run(1, 2019, &Cancel::new()),
            Err(ClosingError::NoSuchYear { .. })
        ));
        let cancel = Cancel::new();
        cancel.cancel();
        assert!(matches!(
            run(1, 2025, &cancel),
            Err(ClosingError::Cancelled)
        ));
        assert_eq!(count(&path, "payslips"), 3);
        assert_eq!(count(&path, "closed_payslips"), 0);
    }

    #[test]
    fn a_held_marker_blocks_the_store_and_a_stale_one_is_settled() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = small_store(dir.path());
        let info = MarkerInfo {
            dossier: "Asso".to_owned(),
            dossier_id: 1,
            year: 2025,
            host: "SERVEUR".to_owned(),
            pid: 1,
            started_at: "2026-11-22T21:00:00+01:00".to_owned(),
        };
        let marker = Marker::create(&path, &info).expect("marker");
        let (host, _, dossier, year) = closing_in_progress(&path).expect("in progress");
        assert_eq!(
            (host.as_str(), dossier.as_str(), year),
            ("SERVEUR", "Asso", 2025)
        );
        assert!(matches!(
            Store::open(&path),
            Err(StoreError::ClosingInProgress { .. })
        ));
        assert_eq!(recover_interrupted(&path).expect("nothing"), None);
        drop(marker);
        assert!(closing_in_progress(&path).is_none());
        // A crash: the file stays, its lock goes.
        let marker_file = marker_path(&path);
        std::fs::write(&marker_file, serde_json::to_vec(&info).expect("json")).expect("write");
        assert!(closing_in_progress(&path).is_none());
        assert_eq!(
            recover_interrupted(&path).expect("recover"),
            Some(Recovery::Untouched {
                dossier: "Asso".to_owned(),
                year: 2025
            })
        );
        assert!(!marker_file.exists());
    }
}
