//! One run of a backup script, and the work around it: the due runs of the
//! scheduler (the resident service and `backup run-due`), the delivery of
//! verified archives left in staging when their destination was unavailable, and
//! the verification of the backups a script keeps.
//!
//! A run: snapshot of the live store into staging, integrity check, zip with its
//! manifest ([`super::archive`]); delivery to the destination under a temporary
//! name, read back and checked, renamed ([`super::destination`]); only then the
//! removal of the oldest backups beyond the count to keep. Every run is journaled
//! in the store (`backup_runs`) and in the script's state.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Local, NaiveDateTime, TimeZone, Utc};

use super::archive;
use super::book::{BookError, ScriptBook};
use super::destination::{
    self, Access, DestinationError, Location, Place, StoredBackup, VolumeSearch, archive_name,
};
use super::reason::{RunReason, RunWarning, VerifyProblem};
use super::schedule;
use super::script::{BackupScript, Destination, FtpSecurity, RunOutcome, ScriptEntry};
use crate::config::{Config, ConfigError};
use crate::diagnostics::SystemError;
use crate::home::Home;
use crate::jobs::{Cancel, JobError, JobKind, JobLock, NoProgress, Progress};
use crate::messages;
use crate::secrets::{SecretError, SecretKey};
use crate::store::{Store, StoreError};

/// What a run needs from the installation.
#[derive(Debug)]
pub struct BackupContext {
    /// The installation.
    pub home: Home,
    /// The active store.
    pub store_path: PathBuf,
    /// Where archives are prepared (and wait when their destination is away).
    pub staging_dir: PathBuf,
    /// The installation key (FTP passwords).
    pub key: SecretKey,
    /// Where removable disks are looked for.
    pub search: VolumeSearch,
    /// The connection settings (trusted authorities for FTPS).
    pub connection: crate::config::ConnectionSettings,
}

/// Who started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// "Exécuter", `backup run NAME`.
    Manuel,
    /// The scheduler (service or `backup run-due`).
    Automatique,
    /// The delivery of an archive that waited in staging.
    Livraison,
}

/// What a run came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunReport {
    /// The script.
    pub script: String,
    /// Who started it.
    pub trigger: Trigger,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// End.
    pub ended_at: DateTime<Utc>,
    /// OK, avertissement, échec.
    pub outcome: RunOutcome,
    /// Why, when not plainly OK (`messages::run_reason` says it).
    pub reason: Option<RunReason>,
    /// The archive's file name, when one was made.
    pub archive: Option<String>,
    /// Its size.
    pub size_bytes: Option<u64>,
    /// The SHA-256 of the archive file (lower-case hex), when one was made; a
    /// delivered archive was read back and matched it. What an administrator
    /// compares a copy with.
    pub archive_sha256: Option<String>,
    /// Where the backup went (a removable disk says where it was found).
    pub destination: Place,
    /// Old backups removed after this one was verified.
    pub removed: Vec<String>,
    /// The verified archive waits in staging for its destination.
    pub kept_in_staging: bool,
}

/// Why a run could not even start.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// No script of that name.
    #[error("no backup script named {name}")]
    UnknownScript {
        /// The name asked.
        name: String,
    },
    /// Another backup or restore runs.
    #[error(transparent)]
    Job(#[from] JobError),
    /// The scripts file.
    #[error(transparent)]
    Book(#[from] BookError),
    /// The configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The installation key.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The destination (listing, verifying).
    #[error(transparent)]
    Destination(#[from] DestinationError),
}

/// The backups a script keeps at its destination, as `backup verify` found them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBackup {
    /// The archive.
    pub backup: StoredBackup,
    /// `None` when it was read back whole and matches its manifest; else why not.
    pub problem: Option<VerifyProblem>,
}

impl Trigger {
    /// The text stored in the run journal (`backup_runs.trigger`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Manuel => "manuel",
            Self::Automatique => "automatique",
            Self::Livraison => "livraison",
        }
    }
}

impl BackupContext {
    /// The context of the installation at `home`: its configuration (store and
    /// staging paths, connection settings), its key, and the removable disks'
    /// search (the system's mount points, plus `IEA_SUPPORTS_AMOVIBLES`).
    pub fn load(home: &Home) -> Result<Self, RunError> {
        let config = Config::load(home)?;
        let key = SecretKey::load_or_create(home)?;
        Ok(Self {
            home: home.clone(),
            store_path: config.paths.store.clone(),
            staging_dir: config.paths.staging.clone(),
            key,
            search: VolumeSearch::from_env(),
            connection: config.connection,
        })
    }

    /// What opening a destination needs.
    pub fn access(&self) -> Access<'_> {
        Access {
            key: &self.key,
            search: &self.search,
            connection: &self.connection,
        }
    }
}

/// What [`run_due`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DueReport {
    /// The runs and deliveries made, in order.
    pub runs: Vec<RunReport>,
    /// Scripts that were due but not run because assistance mode is on.
    pub skipped_for_assistance: Vec<String>,
    /// Scripts that were due but not run because another backup or restore was
    /// under way (they run at the next tick).
    pub skipped_busy: Vec<String>,
}

impl DueReport {
    /// Whether any run or delivery failed.
    pub fn any_failed(&self) -> bool {
        self.runs.iter().any(|r| r.outcome == RunOutcome::Echec)
    }
}

/// Runs the script `name` now: snapshot, check, archive, delivery, read-back,
/// then removal of the oldest backups beyond the count to keep. `Err` only when
/// no run could start (unknown script, another backup under way, unreadable
/// scripts file); a run that fails is an `Ok` report whose outcome is
/// [`RunOutcome::Echec`], journaled like the others.
pub fn run_script(
    ctx: &BackupContext,
    name: &str,
    trigger: Trigger,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<RunReport, RunError> {
    let _lock = JobLock::acquire(&ctx.home, JobKind::Backup)?;
    let book = ScriptBook::load(&ctx.home)?;
    let entry = book
        .get(name)
        .cloned()
        .ok_or_else(|| RunError::UnknownScript {
            name: name.to_owned(),
        })?;
    let report = run_locked(ctx, &entry, trigger, progress, cancel);
    record(ctx, &report, None)?;
    Ok(report)
}

/// The run itself, under the backup lock.
fn run_locked(
    ctx: &BackupContext,
    entry: &ScriptEntry,
    trigger: Trigger,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> RunReport {
    let script = &entry.script;
    // Archive names are to the second: a run right after another waits for the
    // next second rather than take the same name.
    if let Some(last) = entry.state.last_run_at {
        let now = Utc::now();
        if now.timestamp() <= last.timestamp() {
            let wait = 1000 - u64::from(now.timestamp_subsec_millis()).min(999);
            std::thread::sleep(std::time::Duration::from_millis(wait + 5));
        }
    }
    clean_staging(ctx, entry);
    let started_at = Utc::now();
    let taken_local = started_at.with_timezone(&Local).naive_local();
    let file_name = archive_name(&script.name, taken_local);
    let mut report = RunReport {
        script: script.name.clone(),
        trigger,
        started_at,
        ended_at: started_at,
        outcome: RunOutcome::Echec,
        reason: None,
        archive: None,
        size_bytes: None,
        archive_sha256: None,
        destination: script.destination.place(),
        removed: Vec::new(),
        kept_in_staging: false,
    };
    tracing::info!(script = %script.name, trigger = trigger.code(), "sauvegarde : début");
    if let Err(e) = std::fs::create_dir_all(&ctx.staging_dir) {
        report.reason = Some(RunReason::StagingUnusable {
            path: ctx.staging_dir.clone(),
            system: SystemError::of(&e),
        });
        report.ended_at = Utc::now();
        return report;
    }
    let built = match archive::build_archive(
        &ctx.store_path,
        &ctx.staging_dir,
        &file_name,
        Some(&script.name),
        progress,
        cancel,
    ) {
        Ok(built) => built,
        Err(e) => {
            report.reason = Some(RunReason::ArchiveFailed { fault: e.fault() });
            report.ended_at = Utc::now();
            return report;
        }
    };
    report.archive = Some(file_name.clone());
    report.size_bytes = Some(built.size_bytes);
    report.archive_sha256 = Some(built.sha256_hex.clone());
    match deliver(
        ctx,
        script,
        &built.path,
        &file_name,
        &built.sha256_hex,
        cancel,
    ) {
        Ok(delivery) => {
            remove_quietly(&built.path);
            report.removed = delivery.removed;
            report.destination = delivery.described;
            let mut warnings = delivery.warnings;
            if matches!(&script.destination, Destination::Ftp(f) if f.security == FtpSecurity::Plain)
            {
                warnings.insert(0, RunWarning::PlainFtp);
            }
            if warnings.is_empty() {
                report.outcome = RunOutcome::Ok;
            } else {
                report.outcome = RunOutcome::Avertissement;
                report.reason = Some(RunReason::Warnings { warnings });
            }
        }
        Err(e) if e.is_unavailable() => {
            report.kept_in_staging = true;
            report.reason = Some(RunReason::KeptInStaging { fault: e.fault() });
        }
        Err(e) => {
            remove_quietly(&built.path);
            report.reason = Some(RunReason::DeliveryFailed { fault: e.fault() });
        }
    }
    report.ended_at = Utc::now();
    tracing::info!(
        script = %script.name,
        outcome = report.outcome.code(),
        reason = report.reason.as_ref().map(messages::run_reason).unwrap_or_default(),
        "sauvegarde : fin"
    );
    report
}

/// What a delivery did besides putting the archive in place.
struct Delivery {
    /// The destination as found (a removable disk says where it is mounted).
    described: Place,
    /// Old backups removed.
    removed: Vec<String>,
    /// What needs attention.
    warnings: Vec<RunWarning>,
}

/// Puts the verified archive `local` at the script's destination as
/// `final_name`, then removes the oldest backups beyond the count to keep.
fn deliver(
    ctx: &BackupContext,
    script: &BackupScript,
    local: &Path,
    final_name: &str,
    sha256_hex: &str,
    cancel: &Cancel,
) -> Result<Delivery, DestinationError> {
    let mut location = destination::open(&script.destination, &ctx.access())?;
    match location.put(local, final_name, sha256_hex, cancel) {
        Ok(_) => {}
        // Already there: an earlier delivery went through but its end was lost
        // (connection cut after the rename). It counts if it is the same file.
        Err(DestinationError::Io { what, source })
            if source.kind() == std::io::ErrorKind::AlreadyExists =>
        {
            let copy = ctx.staging_dir.join(format!(
                "{}comparaison-{final_name}",
                destination::PARTIAL_PREFIX
            ));
            let same = location
                .fetch(final_name, &copy)
                .ok()
                .and_then(|_| archive::sha256_file(&copy).ok())
                .is_some_and(|sha| sha.eq_ignore_ascii_case(sha256_hex));
            remove_quietly(&copy);
            if !same {
                return Err(DestinationError::Io { what, source });
            }
            tracing::info!(archive = %final_name, "sauvegarde déjà déposée à l'identique");
        }
        Err(e) => return Err(e),
    }
    let described = location.place();
    let mut warnings = Vec::new();
    let removed = match prune(location.as_mut(), script) {
        Ok(removed) => removed,
        Err(e) => {
            warnings.push(RunWarning::PruneFailed { fault: e.fault() });
            Vec::new()
        }
    };
    Ok(Delivery {
        described,
        removed,
        warnings,
    })
}

/// Removes the oldest backups of `script` beyond its count to keep. Only
/// archives with a final name count, and a final name is given only after the
/// copy was read back and checked: a failed run never lowers the number of good
/// backups below the count to keep.
fn prune(
    location: &mut dyn Location,
    script: &BackupScript,
) -> Result<Vec<String>, DestinationError> {
    let backups = location.list(&script.name)?;
    let keep = usize::from(script.keep.max(1));
    let excess = backups.len().saturating_sub(keep);
    let mut removed = Vec::new();
    for old in backups.into_iter().take(excess) {
        location.remove(&old.name)?;
        tracing::info!(archive = %old.name, "sauvegarde ancienne supprimée");
        removed.push(old.name);
    }
    Ok(removed)
}

/// Updates the script's state and the store's run journal after a run or a
/// delivery. `delivered` names the pending archive a delivery took care of.
fn record(
    ctx: &BackupContext,
    report: &RunReport,
    delivered: Option<&str>,
) -> Result<(), RunError> {
    let keep_pending = ScriptBook::modify(&ctx.home, |book| {
        let Some(entry) = book.get_mut(&report.script) else {
            return Ok(None);
        };
        let state = &mut entry.state;
        if report.trigger != Trigger::Livraison {
            state.last_run_at = Some(report.started_at);
            // The postponement was for this run.
            if state
                .postponed_until
                .is_some_and(|p| p <= report.started_at)
            {
                schedule::clear_postponement(state);
            }
        }
        state.last_outcome = Some(report.outcome);
        state.last_reason.clone_from(&report.reason);
        if report.outcome.delivered() {
            let taken = report
                .archive
                .as_deref()
                .and_then(|a| destination::parse_archive_name(&report.script, a))
                .and_then(|t| Local.from_local_datetime(&t).earliest())
                .map_or(report.started_at, |t| t.with_timezone(&Utc));
            if state.last_good_at.is_none_or(|g| g < taken) {
                state.last_good_at = Some(taken);
            }
        }
        if let Some(done) = delivered {
            state.pending.retain(|p| p != done);
        }
        if report.kept_in_staging
            && let Some(archive) = &report.archive
            && !state.pending.contains(archive)
        {
            state.pending.push(archive.clone());
        }
        // Only the newest archives wait: as many as the script keeps.
        let keep = usize::from(entry.script.keep.max(1));
        let excess = state.pending.len().saturating_sub(keep);
        Ok(Some(state.pending.drain(..excess).collect::<Vec<_>>()))
    })?;
    for dropped in keep_pending.into_iter().flatten() {
        remove_quietly(&ctx.staging_dir.join(&dropped));
    }
    journal(ctx, report);
    Ok(())
}

/// Writes the run in the store's journal (`backup_runs`). A store that cannot be
/// opened (the reason the run failed, often) only costs the journal line: the
/// run is in the log files and the script's state anyway.
fn journal(ctx: &BackupContext, report: &RunReport) {
    // Both as codes with their parameters (JSON), said in French when shown.
    let stored = serde_json::to_string(&report.destination).and_then(|destination| {
        let reason = report
            .reason
            .as_ref()
            .map(RunReason::to_stored)
            .transpose()?;
        Ok((destination, reason))
    });
    let (destination, reason) = match stored {
        Ok(stored) => stored,
        Err(e) => {
            tracing::warn!(error = %e, script = %report.script, "journal des sauvegardes non écrit");
            return;
        }
    };
    let result = Store::open(&ctx.store_path).and_then(|store| {
        store
            .connection()
            .execute(
                "INSERT INTO backup_runs (script, trigger, started_at, ended_at, destination,
                     archive, size_bytes, outcome, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                rusqlite::params![
                    report.script,
                    report.trigger.code(),
                    report.started_at.to_rfc3339(),
                    report.ended_at.max(report.started_at).to_rfc3339(),
                    destination,
                    report.archive,
                    report.size_bytes.map(|s| s as i64),
                    report.outcome.code(),
                    reason,
                ],
            )
            .map(|_| ())
            .map_err(|e| store.err(e))
    });
    if let Err(e) = result {
        tracing::warn!(error = %e, script = %report.script, "journal des sauvegardes non écrit");
    }
}

/// One line of the store's run journal (`backup_runs`), as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournaledRun {
    /// The script.
    pub script: String,
    /// When the run started (RFC 3339, as stored).
    pub started_at: String,
    /// How it ended (`None` for a code this version does not know).
    pub outcome: Option<RunOutcome>,
    /// The archive, when one was made.
    pub archive: Option<String>,
    /// Why, when not plainly OK: a code with its parameters, or the sentence an
    /// older version wrote ([`RunReason::Legacy`]).
    pub reason: Option<RunReason>,
}

/// The runs of `script` in the store's journal, oldest first.
pub fn journaled_runs(store: &Store, script: &str) -> Result<Vec<JournaledRun>, StoreError> {
    let mut stmt = store
        .connection()
        .prepare(
            "SELECT script, started_at, outcome, archive, reason FROM backup_runs
             WHERE script = ?1 ORDER BY started_at, id",
        )
        .map_err(|e| store.err(e))?;
    stmt.query_map([script], |r| {
        Ok(JournaledRun {
            script: r.get(0)?,
            started_at: r.get(1)?,
            outcome: RunOutcome::from_code(&r.get::<_, String>(2)?),
            archive: r.get(3)?,
            reason: r
                .get::<_, Option<String>>(4)?
                .map(|text| RunReason::from_stored(&text)),
        })
    })
    .and_then(Iterator::collect)
    .map_err(|e| store.err(e))
}

/// Delivers the verified archives that waited in staging because their
/// destination was unavailable, oldest first; each delivery is journaled.
pub fn deliver_pending(ctx: &BackupContext, cancel: &Cancel) -> Result<Vec<RunReport>, RunError> {
    let _lock = JobLock::acquire(&ctx.home, JobKind::Backup)?;
    deliver_pending_locked(ctx, cancel)
}

fn deliver_pending_locked(
    ctx: &BackupContext,
    cancel: &Cancel,
) -> Result<Vec<RunReport>, RunError> {
    let book = ScriptBook::load(&ctx.home)?;
    let mut reports = Vec::new();
    for entry in &book.entries {
        for name in &entry.state.pending {
            if cancel.is_cancelled() {
                return Ok(reports);
            }
            let local = ctx.staging_dir.join(name);
            if !local.is_file() {
                // Removed by hand, or by a cleaner: nothing left to deliver.
                ScriptBook::modify(&ctx.home, |book| {
                    if let Ok(state) = book.state_mut(&entry.script.name) {
                        state.pending.retain(|p| p != name);
                    }
                    Ok(())
                })?;
                continue;
            }
            let started_at = Utc::now();
            let mut report = RunReport {
                script: entry.script.name.clone(),
                trigger: Trigger::Livraison,
                started_at,
                ended_at: started_at,
                outcome: RunOutcome::Echec,
                reason: None,
                archive: Some(name.clone()),
                size_bytes: std::fs::metadata(&local).ok().map(|m| m.len()),
                archive_sha256: None,
                destination: entry.script.destination.place(),
                removed: Vec::new(),
                kept_in_staging: true,
            };
            let sha = match archive::sha256_file(&local) {
                Ok(sha) => sha,
                Err(e) => {
                    tracing::warn!(error = %e, archive = %name, "archive en attente illisible");
                    continue;
                }
            };
            report.archive_sha256 = Some(sha.clone());
            match deliver(ctx, &entry.script, &local, name, &sha, cancel) {
                Ok(delivery) => {
                    remove_quietly(&local);
                    report.kept_in_staging = false;
                    report.destination = delivery.described;
                    report.removed = delivery.removed;
                    report.outcome = RunOutcome::Avertissement;
                    let mut warnings = vec![RunWarning::DeliveredLate {
                        archive: name.clone(),
                    }];
                    warnings.extend(delivery.warnings);
                    report.reason = Some(RunReason::Warnings { warnings });
                    report.ended_at = Utc::now();
                    record(ctx, &report, Some(name))?;
                    reports.push(report);
                }
                Err(e) if e.is_unavailable() => {
                    // Still away: it waits; no journal line for each attempt.
                    tracing::debug!(archive = %name, error = %e, "emplacement toujours indisponible");
                }
                Err(e) => {
                    report.reason = Some(RunReason::DeliveryFailed { fault: e.fault() });
                    report.ended_at = Utc::now();
                    tracing::warn!(archive = %name, error = %e, "livraison en échec");
                    journal(ctx, &report);
                    reports.push(report);
                }
            }
        }
    }
    Ok(reports)
}

/// The scheduler's tick (the resident service, `backup run-due`): delivers what
/// waits in staging, then runs every enabled script that is due at `now`, once
/// each however many runs were missed. In assistance mode nothing runs
/// automatically (seed 000's warning) and the due scripts are named in the
/// report and the log.
pub fn run_due(
    ctx: &BackupContext,
    now: &DateTime<Local>,
    assistance: bool,
    cancel: &Cancel,
) -> Result<DueReport, RunError> {
    let book = ScriptBook::load(&ctx.home)?;
    let due: Vec<String> = book
        .entries
        .iter()
        .filter(|e| schedule::is_due(e, now))
        .map(|e| e.script.name.clone())
        .collect();
    let mut report = DueReport::default();
    if assistance {
        if !due.is_empty() {
            tracing::warn!("{}", messages::assistance_skipped(&due));
        }
        report.skipped_for_assistance = due;
        return Ok(report);
    }
    // A year-end closing holds the store: everything waits for the next tick.
    if crate::closing::closing_in_progress(&ctx.store_path).is_some() {
        if !due.is_empty() {
            tracing::info!(
                scripts = %due.join(", "),
                "clôture d'exercice en cours : sauvegardes automatiques différées"
            );
        }
        report.skipped_busy = due;
        return Ok(report);
    }
    let has_pending = book.entries.iter().any(|e| !e.state.pending.is_empty());
    if has_pending {
        match JobLock::acquire(&ctx.home, JobKind::Backup) {
            Ok(_lock) => report.runs.extend(deliver_pending_locked(ctx, cancel)?),
            Err(JobError::AlreadyRunning { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    for name in due {
        if cancel.is_cancelled() {
            break;
        }
        match run_script(ctx, &name, Trigger::Automatique, &NoProgress, cancel) {
            Ok(run) => report.runs.push(run),
            Err(RunError::Job(JobError::AlreadyRunning { .. })) => report.skipped_busy.push(name),
            Err(RunError::UnknownScript { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(report)
}

/// The backups of script `name` at its destination, oldest first.
pub fn list_backups(ctx: &BackupContext, name: &str) -> Result<Vec<StoredBackup>, RunError> {
    let book = ScriptBook::load(&ctx.home)?;
    let entry = book.get(name).ok_or_else(|| RunError::UnknownScript {
        name: name.to_owned(),
    })?;
    let mut location = destination::open(&entry.script.destination, &ctx.access())?;
    Ok(location.list(name)?)
}

/// `backup verify`: reads back every backup script `name` keeps at its
/// destination (downloaded again for FTP) and checks it against its manifest.
pub fn verify_script(
    ctx: &BackupContext,
    name: &str,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Vec<VerifiedBackup>, RunError> {
    let book = ScriptBook::load(&ctx.home)?;
    let entry = book.get(name).ok_or_else(|| RunError::UnknownScript {
        name: name.to_owned(),
    })?;
    let mut location = destination::open(&entry.script.destination, &ctx.access())?;
    let backups = location.list(name)?;
    std::fs::create_dir_all(&ctx.staging_dir).map_err(|source| {
        RunError::Destination(DestinationError::Io {
            what: ctx.staging_dir.display().to_string(),
            source,
        })
    })?;
    let place = location.place();
    let mut results = Vec::new();
    for backup in backups {
        if cancel.is_cancelled() {
            break;
        }
        let copy = ctx.staging_dir.join(format!(
            "{}verification-{}",
            destination::PARTIAL_PREFIX,
            backup.name
        ));
        let problem = match location.fetch(&backup.name, &copy) {
            Ok(_) => match archive::verify_archive(&copy, progress, cancel) {
                Ok(_) => None,
                Err(e) => Some(VerifyProblem::Archive {
                    fault: e.fault().naming(&copy, &place.file(&backup.name)),
                }),
            },
            Err(e) => Some(VerifyProblem::Destination { fault: e.fault() }),
        };
        remove_quietly(&copy);
        results.push(VerifiedBackup { backup, problem });
    }
    Ok(results)
}

/// A script whose backups fall behind (the staleness alarm of the tray and of
/// Accueil; `messages::staleness_line` says it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LateScript {
    /// The script's name.
    pub script: String,
    /// How far behind.
    pub staleness: schedule::Staleness,
}

/// Every enabled script whose last good backup is too old, in the book's order.
pub fn late_scripts(book: &ScriptBook, now: &DateTime<Local>) -> Vec<LateScript> {
    book.entries
        .iter()
        .filter_map(|e| {
            schedule::staleness(e, now).map(|staleness| LateScript {
                script: e.script.name.clone(),
                staleness,
            })
        })
        .collect()
}

/// The time in the name of archive `name` of `script`, as local time.
pub fn taken_at(script: &str, name: &str) -> Option<NaiveDateTime> {
    destination::parse_archive_name(script, name)
}

/// Removes what a run killed in the middle left in staging (partial archives,
/// snapshots): under the backup lock nothing else is writing there. Archives
/// waiting for delivery are kept.
fn clean_staging(ctx: &BackupContext, entry: &ScriptEntry) {
    let Ok(read) = std::fs::read_dir(&ctx.staging_dir) else {
        return;
    };
    for e in read.filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().into_owned();
        let leftover = name.starts_with(destination::PARTIAL_PREFIX)
            || (destination::parse_archive_name(&entry.script.name, &name).is_some()
                && !entry.state.pending.contains(&name));
        if leftover {
            tracing::info!(file = %name, "reste d'une sauvegarde interrompue supprimé");
            remove_quietly(&e.path());
        }
    }
}

fn remove_quietly(path: &Path) {
    if let Err(e) = std::fs::remove_file(path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(path = %path.display(), error = %e, "fichier temporaire non supprimé");
    }
}
