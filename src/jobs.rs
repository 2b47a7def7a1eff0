//! Long work as jobs: plain functions that report progress through [`Progress`],
//! check a [`Cancel`] flag between steps, and hold a [`JobLock`] so that a second
//! job of the same kind — in this process or another — is refused with
//! [`JobError::AlreadyRunning`]. The GUI, the command line and the scheduler run
//! the same job functions.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::home::Home;

/// Kinds of jobs; two of the same kind never run at once on one installation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// Building the demo store.
    Demo,
    /// Creating or switching stores.
    StoreSwitch,
    /// A backup run or a delivery (one at a time, whoever starts it).
    Backup,
    /// A restore (it also holds the backup lock while it swaps the store).
    Restore,
    /// A year-end closing (it also holds the backup lock for its whole run).
    Closing,
    /// A database transfer to the secure space (it also holds the backup lock:
    /// a backup writes its journal into the store being sent).
    Transfer,
    /// "Tester tous les comptes" (Net-entreprises): two at once would test the
    /// same portal accounts twice, and three refusals lock an account.
    NetEntreprisesTests,
    /// The download of an update package.
    UpdateDownload,
    /// The installation of a new version of the program (or the way back).
    UpdateInstall,
    /// "Mise à jour de la base de données": the store's migrations.
    DatabaseUpdate,
}

impl JobKind {
    /// The lock file's stem.
    fn slug(self) -> &'static str {
        match self {
            Self::Demo => "demo",
            Self::StoreSwitch => "changement-base",
            Self::Backup => "sauvegarde",
            Self::Restore => "restauration",
            Self::Closing => "cloture",
            Self::Transfer => "transfert",
            Self::NetEntreprisesTests => "test-net-entreprises",
            Self::UpdateDownload => "telechargement-mise-a-jour",
            Self::UpdateInstall => "installation-mise-a-jour",
            Self::DatabaseUpdate => "mise-a-jour-base",
        }
    }
}

/// Job-level errors shared by every job.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// A job of the same kind already runs (pid of the holder when known).
    #[error("a {kind:?} job is already running (pid {holder_pid:?})")]
    AlreadyRunning {
        /// The kind.
        kind: JobKind,
        /// Process holding the lock, as it wrote in the lock file.
        holder_pid: Option<u32>,
    },
    /// The user cancelled.
    #[error("cancelled")]
    Cancelled,
    /// The lock file could not be created.
    #[error("cannot create lock {path}: {source}")]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// The system error.
        source: std::io::Error,
    },
}

/// The steps jobs report through [`Progress::phase`]; `messages::phase_label`
/// says each in French.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Demo: the finished file flushed and put in place of the store.
    DemoSetup,
    /// Demo: the accounts and the empty file, before the payroll is loaded.
    DemoPreparation,
    /// Demo: the payslips (counted).
    DemoPayslips,
    /// Demo: the integrity check of the finished file.
    DemoCheck,
    /// Demo: the new store opened as the programs will open it.
    DemoVerify,
    /// Backup: the consistent copy of the live store (pages counted).
    CopyStore,
    /// Backup: the copy checked, hashed and compressed (bytes counted).
    CheckAndCompress,
    /// Backup: the copy checked (when it is not compressed at once).
    CheckCopy,
    /// Backup: the archive written and synced.
    WriteArchive,
    /// Restore: the archive downloaded from the script's destination.
    FetchBackup,
    /// Restore or verification: the archive read whole (bytes counted).
    ReadBackup,
    /// Restore: the database extracted beside the store (bytes counted).
    ExtractBackup,
    /// Restore: the extracted database checked.
    CheckRestored,
    /// Restore: the swap of the old store for the new one.
    ReplaceStore,
    /// Closing, step 1: "Arrêt du serveur – Réparation de la base".
    ClosingRepair,
    /// Closing, step 2: "Clôture".
    ClosingClose,
    /// Closing, step 3: "Réindexation".
    ClosingReindex,
    /// Transfer: an archive kept from an earlier run compared with the store
    /// (a new snapshot, hashed).
    TransferCompare,
    /// Transfer: an archive read back before it is sent again.
    TransferCheckArchive,
    /// Transfer: the archive sent to the secure space (bytes counted).
    TransferUpload,
    /// "Tester tous les comptes": the accounts tested with Net-entreprises
    /// (counted).
    NetEntreprisesTests,
    /// Extraction: the query runs (rows counted, total unknown).
    QueryRun,
    /// Extraction: the rows written to the export file (rows counted).
    QueryExport,
    /// Update: the package downloaded (bytes counted).
    UpdateDownload,
    /// Update: the package checked (size, SHA-256).
    UpdateCheck,
    /// Update: the new binary unpacked beside the running one.
    UpdateUnpack,
    /// Update: the new binary's self-check.
    UpdateSelfCheck,
    /// Update: the new binary put in place, the previous one kept.
    UpdateReplace,
    /// Update: waiting for the resident service to come back on the new version.
    UpdateServiceRestart,
    /// Update: the previous binary put back.
    UpdateRollback,
    /// Database update: the migrations (steps counted).
    DatabaseMigrate,
    /// Database update: the report written.
    DatabaseReport,
}

/// Receives progress from a job. Implementations must be cheap: jobs call them often.
pub trait Progress: Send + Sync {
    /// A new phase begins, with `total` units of work (0 when unknown).
    fn phase(&self, phase: Phase, total: u64);
    /// `done` units of the current phase are finished.
    fn advance(&self, done: u64);
}

/// Progress that goes nowhere (tests, quiet command lines).
pub struct NoProgress;

impl Progress for NoProgress {
    fn phase(&self, _phase: Phase, _total: u64) {}
    fn advance(&self, _done: u64) {}
}

/// A cancel flag shared between the job and whoever may stop it.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A flag not yet raised.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the job to stop at its next check.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether cancellation was asked.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// `Err(Cancelled)` once cancellation was asked; jobs call it between steps.
    pub fn check(&self) -> Result<(), JobError> {
        if self.is_cancelled() {
            Err(JobError::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// Held for as long as a job runs; released on drop (and by the system if the
/// process dies, so a crash never leaves a job "running" forever).
#[derive(Debug)]
pub struct JobLock {
    _file: File,
}

impl JobLock {
    /// Takes the lock of `kind` in `home`, or says who holds it.
    pub fn acquire(home: &Home, kind: JobKind) -> Result<Self, JobError> {
        crate::fsutil::debug_assert_not_ui_thread("JobLock::acquire");
        let dir = home.locks_dir();
        let path = dir.join(format!("{}.lock", kind.slug()));
        std::fs::create_dir_all(&dir).map_err(|source| JobError::Lock {
            path: path.clone(),
            source,
        })?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|source| JobError::Lock {
                path: path.clone(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => {
                file.set_len(0).ok();
                let _ = write!(file, "{}", std::process::id());
                Ok(Self { _file: file })
            }
            Err(TryLockError::WouldBlock) => {
                let holder_pid = std::fs::read_to_string(&path)
                    .ok()
                    .and_then(|s| s.trim().parse().ok());
                Err(JobError::AlreadyRunning { kind, holder_pid })
            }
            Err(TryLockError::Error(source)) => Err(JobError::Lock { path, source }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_job_of_the_same_kind_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        let first = JobLock::acquire(&home, JobKind::Demo).expect("first");
        match JobLock::acquire(&home, JobKind::Demo) {
            Err(JobError::AlreadyRunning { kind, holder_pid }) => {
                assert_eq!(kind, JobKind::Demo);
                assert_eq!(holder_pid, Some(std::process::id()));
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        // Another kind is free.
        let _other = JobLock::acquire(&home, JobKind::StoreSwitch).expect("other kind");
        drop(first);
        JobLock::acquire(&home, JobKind::Demo).expect("free again");
    }

    #[test]
    fn cancel_is_seen_by_clones() {
        let cancel = Cancel::new();
        let seen = cancel.clone();
        assert!(seen.check().is_ok());
        cancel.cancel();
        assert!(matches!(seen.check(), Err(JobError::Cancelled)));
    }
}
