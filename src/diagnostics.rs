//! Store diagnostics: what "Diagnostiquer" on the "Base de données inaccessible"
//! screen and the `doctor` command run when a store cannot be opened.
//!
//! [`diagnose`] walks from the root of the file system down to the store file,
//! then looks at the folder (reachable? on a network share?), the access rights,
//! the free space, the processes holding locks on the store, and finally opens the
//! store read-only to check its identity, schema version and integrity. Each step
//! is a [`Check`]; the first decisive failure gives the [`Conclusion`]. Results are
//! structured, without French: `messages` words them for people.
//!
//! Diagnostics are read-only: they never create, modify or keep a lock on anything.
//! They never open the store file themselves, only `SQLite` does: with POSIX locks,
//! closing any descriptor of a file drops every lock the process holds on it, which
//! would silently unlock a store that another part of this process (the centre, a
//! job) has open; `SQLite` knows and keeps such descriptors open. A store with no
//! `-wal` or `-journal` beside it is read through an `immutable` connection (no
//! lock, no file created: a plain read-only connection would create `-wal` and
//! `-shm` for a store in WAL mode), and that answer is kept only if the file did
//! not change meanwhile; otherwise [`Store::open_read_only`] reads it with locking.
//! File-system calls that a hung network share can block forever run on a helper
//! thread and are abandoned after [`ANSWER_TIMEOUT`].

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::store::{
    APPLICATION_ID, SCHEMA_VERSION, Store, StoreError, is_network_path, size_on_disk,
};

/// How long a file-system call may take before the folder is said not to answer.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// Below this much free space the disk is considered full.
pub const DISK_FULL_BYTES: u64 = 1024 * 1024;

/// Below this much free space (or twice the store's size) a warning is given.
pub const LOW_SPACE_BYTES: u64 = 100 * 1024 * 1024;

/// How long a process must keep writing before the store is said to be locked
/// (a write normally lasts milliseconds).
const WRITER_PATIENCE: Duration = Duration::from_secs(1);

/// At most this many integrity problems are kept.
const MAX_PROBLEMS: usize = 20;

/// The result of [`diagnose`].
#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    /// The store examined, made absolute.
    pub store_path: PathBuf,
    /// Every check, in the order run.
    pub checks: Vec<Check>,
    /// What is wrong, if anything, and so what to do next.
    pub conclusion: Conclusion,
    /// When the diagnosis ran (RFC 3339, local time).
    pub at: String,
}

impl Diagnosis {
    /// Whether nothing needs doing.
    pub fn is_healthy(&self) -> bool {
        matches!(self.conclusion, Conclusion::Healthy)
    }

    /// Whether the store can be used as it is: healthy, or only short of free
    /// space (a warning to act on, not a store that cannot be used).
    pub fn is_usable(&self) -> bool {
        matches!(
            self.conclusion,
            Conclusion::Healthy | Conclusion::LowSpace { .. }
        )
    }

    /// The worst outcome among the checks ([`Outcome::Ok`] when there are none).
    pub fn worst_outcome(&self) -> Outcome {
        self.checks
            .iter()
            .map(|c| c.outcome)
            .max_by_key(|o| o.severity())
            .unwrap_or(Outcome::Ok)
    }
}

/// One step of a diagnosis.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// What was checked.
    pub kind: CheckKind,
    /// The path or item checked.
    pub subject: String,
    /// How it went.
    pub outcome: Outcome,
    /// What was found, structured (for the French wording).
    pub finding: Finding,
    /// Technical detail for IT staff: system error text, numbers, modes.
    pub detail: String,
}

/// Kinds of checks, in the order [`diagnose`] runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// A folder on the way from the root to the store.
    PathComponent,
    /// The store's folder can be listed.
    FolderReachable,
    /// Whether the store's folder is on a network share.
    NetworkFileSystem,
    /// The store file exists and is a file.
    FileExists,
    /// Read and write rights on the file or on its folder.
    Permissions,
    /// Free space on the disk holding the store.
    FreeSpace,
    /// Processes holding locks on the store's files.
    Lock,
    /// The store opens read-only and is an Impact emploi store.
    OpenStore,
    /// The store's schema version against this program's.
    SchemaVersion,
    /// `PRAGMA integrity_check`.
    Integrity,
}

/// How a check went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Fine.
    Ok,
    /// Works, but deserves attention.
    Warning,
    /// Prevents using the store.
    Failed,
    /// Not run: an earlier failure makes it meaningless.
    Skipped,
}

impl Outcome {
    fn severity(self) -> u8 {
        match self {
            Self::Skipped => 0,
            Self::Ok => 1,
            Self::Warning => 2,
            Self::Failed => 3,
        }
    }
}

/// A file or a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Item {
    /// The store file.
    File,
    /// The folder holding it.
    Folder,
}

/// What a check found, in structured form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "finding", rename_all = "snake_case")]
pub enum Finding {
    /// Not looked at (skipped checks).
    NotChecked,
    /// There, of the expected type; the size for the store file.
    Present {
        /// Size in bytes of a file.
        size_bytes: Option<u64>,
    },
    /// Nothing at this path.
    Missing,
    /// A file where a folder is expected, or a folder where the store file is.
    WrongType,
    /// The system did not answer in time (typically a network share gone away).
    NoAnswer {
        /// Seconds waited.
        waited_secs: u64,
    },
    /// The system refused to look.
    Denied,
    /// Another system error.
    System {
        /// Its class.
        error: SystemError,
    },
    /// The folder was listed.
    Listed {
        /// Entries in it.
        entries: u64,
    },
    /// Where the folder lives.
    Location {
        /// On a network share.
        network: bool,
    },
    /// The rights of the current user on the file or the folder.
    Access {
        /// Which one.
        item: Item,
        /// Reading (for a folder: looking inside).
        can_read: bool,
        /// Writing (for a folder: creating `SQLite`'s journal files in it).
        can_write: bool,
        /// Writing fails because the whole disk is read-only.
        read_only_disk: bool,
    },
    /// Free space on the disk.
    Space {
        /// Bytes available to this user.
        available_bytes: u64,
        /// The store's size, its WAL included (0 when absent).
        store_bytes: u64,
    },
    /// Processes holding locks on the store's files (empty: none).
    Holders {
        /// The processes.
        holders: Vec<LockHolder>,
    },
    /// This check cannot be run on this system.
    Unavailable,
    /// The store opened and is an Impact emploi store.
    Opened,
    /// The store could not be opened.
    OpenFailed {
        /// Why.
        problem: StoreProblem,
    },
    /// The schema versions compared.
    Schema {
        /// The store's.
        found: u32,
        /// The newest this program knows.
        supported: u32,
    },
    /// What `PRAGMA integrity_check` reported (empty: sound).
    Integrity {
        /// The first problems reported.
        problems: Vec<String>,
        /// How many in all.
        total: usize,
    },
}

/// Classes of system errors, so they can be worded in French.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SystemError {
    /// No such file or folder.
    NotFound,
    /// Access refused.
    PermissionDenied,
    /// A file stands where a folder is expected.
    NotADirectory,
    /// A folder stands where a file is expected.
    IsADirectory,
    /// No space left.
    StorageFull,
    /// The disk is read-only.
    ReadOnly,
    /// No answer in time.
    TimedOut,
    /// The network or the server cannot be reached.
    NetworkUnreachable,
    /// The network share was disconnected under us (stale handle).
    Disconnected,
    /// Another program uses the file.
    Busy,
    /// A bad file or folder name.
    InvalidName,
    /// Unreadable or truncated content.
    Unreadable,
    /// Anything else.
    Other,
}

impl SystemError {
    /// The class of an I/O error.
    pub fn of(e: &io::Error) -> Self {
        Self::from_kind(e.kind())
    }

    /// The class of an I/O error kind.
    pub fn from_kind(kind: io::ErrorKind) -> Self {
        use io::ErrorKind as K;
        match kind {
            K::NotFound => Self::NotFound,
            K::PermissionDenied => Self::PermissionDenied,
            K::NotADirectory => Self::NotADirectory,
            K::IsADirectory => Self::IsADirectory,
            K::StorageFull | K::QuotaExceeded | K::FileTooLarge => Self::StorageFull,
            K::ReadOnlyFilesystem => Self::ReadOnly,
            K::TimedOut => Self::TimedOut,
            K::HostUnreachable
            | K::NetworkUnreachable
            | K::NetworkDown
            | K::NotConnected
            | K::ConnectionRefused
            | K::ConnectionReset
            | K::ConnectionAborted
            | K::AddrNotAvailable => Self::NetworkUnreachable,
            K::StaleNetworkFileHandle => Self::Disconnected,
            K::ResourceBusy | K::WouldBlock | K::ExecutableFileBusy | K::Deadlock => Self::Busy,
            K::InvalidInput | K::InvalidFilename => Self::InvalidName,
            K::InvalidData | K::UnexpectedEof => Self::Unreadable,
            _ => Self::Other,
        }
    }
}

/// Why [`Store::open_read_only`] failed, without the paths and sources of
/// [`StoreError`] (those go in the check's detail).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreProblem {
    /// A folder on the way is missing.
    FolderNotFound,
    /// The file is missing.
    FileNotFound,
    /// The path is a folder.
    NotAFile,
    /// Access refused.
    PermissionDenied,
    /// Another process holds a lock.
    Locked,
    /// Not an `SQLite` database.
    NotADatabase,
    /// An `SQLite` database, not an Impact emploi store.
    NotAStore,
    /// Damaged.
    Corrupt,
    /// Made by a newer program.
    TooNew,
    /// Made by an older program: "Mise à jour de la base de données" first.
    NeedsUpdate,
    /// The disk is full.
    DiskFull,
    /// Anything else.
    Other,
}

impl StoreProblem {
    /// The class of a store error.
    pub fn of(e: &StoreError) -> Self {
        match e {
            StoreError::FolderNotFound { .. } => Self::FolderNotFound,
            StoreError::FileNotFound { .. } => Self::FileNotFound,
            StoreError::NotAFile { .. } => Self::NotAFile,
            StoreError::PermissionDenied { .. } => Self::PermissionDenied,
            StoreError::Locked { .. } | StoreError::ClosingInProgress { .. } => Self::Locked,
            StoreError::NotADatabase { .. } => Self::NotADatabase,
            StoreError::NotAStore { .. } => Self::NotAStore,
            StoreError::Corrupt { .. } => Self::Corrupt,
            StoreError::TooNew { .. } => Self::TooNew,
            StoreError::NeedsUpdate { .. } => Self::NeedsUpdate,
            StoreError::DiskFull { .. } => Self::DiskFull,
            StoreError::AlreadyExists { .. }
            | StoreError::ClosedExercise { .. }
            | StoreError::Sqlite { .. }
            | StoreError::Io { .. } => Self::Other,
        }
    }
}

/// A process holding a lock on the store, its WAL or its shared-memory file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockHolder {
    /// Process id.
    pub pid: u32,
    /// Program name as the system knows it (`/proc/<pid>/comm`); empty when unknown.
    pub program: String,
    /// Whether it holds a write lock (a transaction writing), not only a read lock.
    pub writing: bool,
}

/// Why a folder on the way to the store cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FolderProblem {
    /// It does not exist.
    Missing,
    /// A file stands where the folder should be.
    NotAFolder,
    /// The system did not answer in time.
    NoAnswer,
    /// Another system error.
    System(SystemError),
}

/// What the diagnosis concludes, hence the next step. The first decisive failure
/// wins; warnings only conclude when nothing failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Conclusion {
    /// Everything checked is fine.
    Healthy,
    /// A folder on the way cannot be reached (missing, not a folder, no answer).
    FolderUnreachable {
        /// The first folder that failed.
        folder: PathBuf,
        /// How it failed.
        problem: FolderProblem,
        /// Whether the path is known to go through a network share.
        network: bool,
    },
    /// The folder is there, the store file is not.
    FileMissing {
        /// The folder, which was found.
        folder: PathBuf,
    },
    /// The store path names a folder.
    NotAFile,
    /// The current user lacks rights on the file or its folder.
    PermissionDenied {
        /// The file or folder.
        path: PathBuf,
        /// Which one it is.
        item: Item,
        /// Reading is allowed.
        can_read: bool,
        /// Writing is allowed.
        can_write: bool,
    },
    /// Other processes hold the store (a writer for too long, or the open timed out).
    Locked {
        /// Who, when the system says (empty when unknown).
        holders: Vec<LockHolder>,
    },
    /// The file is not an `SQLite` database at all.
    NotADatabase,
    /// An `SQLite` database, but not an Impact emploi store.
    NotAStore,
    /// The store is damaged.
    Corrupt {
        /// The first problems reported.
        problems: Vec<String>,
    },
    /// The store was written by a newer program.
    TooNew {
        /// Its schema version.
        found: u32,
        /// The newest this program knows.
        supported: u32,
    },
    /// No space left on the store's disk.
    DiskFull {
        /// Bytes still available.
        available_bytes: u64,
    },
    /// The store works, but its disk is nearly full.
    LowSpace {
        /// Bytes still available.
        available_bytes: u64,
        /// The store's size.
        store_bytes: u64,
    },
    /// Something else failed; the cause says what.
    Other {
        /// What failed.
        cause: OtherCause,
    },
}

/// What failed, for [`Conclusion::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", content = "params", rename_all = "snake_case")]
pub enum OtherCause {
    /// The system refused to say whether the store file is there.
    System {
        /// The system error, classified.
        error: SystemError,
        /// The system's own message.
        technical: String,
    },
    /// Opening the store failed in a way the other conclusions do not cover (a
    /// closing in progress, an unexpected SQLite or system error).
    Store {
        /// Why.
        fault: crate::store::StoreFault,
    },
}

/// Examines the store at `store_path` and says what prevents using it, if
/// anything. Never creates, modifies or keeps a lock on anything.
pub fn diagnose(store_path: &Path) -> Diagnosis {
    crate::fsutil::debug_assert_not_ui_thread("diagnostics::diagnose");
    let store_path = std::path::absolute(store_path).unwrap_or_else(|_| store_path.to_path_buf());
    let mut run = Run {
        path: store_path.clone(),
        folder: crate::fsutil::parent_dir(&store_path).to_path_buf(),
        checks: Vec::new(),
        failure: None,
        warning: None,
        holders: Vec::new(),
        file_access: None,
        available_bytes: None,
    };
    run.all();
    let conclusion = run
        .failure
        .take()
        .or_else(|| run.warning.take())
        .unwrap_or(Conclusion::Healthy);
    Diagnosis {
        store_path,
        checks: run.checks,
        conclusion,
        at: chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
    }
}

/// The state of one diagnosis while it runs.
struct Run {
    path: PathBuf,
    folder: PathBuf,
    checks: Vec<Check>,
    /// The first decisive failure.
    failure: Option<Conclusion>,
    /// The first warning that deserves to conclude when nothing failed.
    warning: Option<Conclusion>,
    holders: Vec<LockHolder>,
    file_access: Option<(bool, bool)>,
    available_bytes: Option<u64>,
}

/// A stage failed so that what follows is meaningless.
struct Stop;

impl Run {
    fn push(
        &mut self,
        kind: CheckKind,
        subject: &Path,
        outcome: Outcome,
        finding: Finding,
        detail: String,
    ) {
        self.checks.push(Check {
            kind,
            subject: subject.display().to_string(),
            outcome,
            finding,
            detail,
        });
    }

    fn skip(&mut self, kind: CheckKind, subject: &Path, why: &str) {
        self.push(
            kind,
            subject,
            Outcome::Skipped,
            Finding::NotChecked,
            why.to_owned(),
        );
    }

    fn fail(&mut self, conclusion: Conclusion) {
        if self.failure.is_none() {
            self.failure = Some(conclusion);
        }
    }

    /// Keeps the most pressing warning: a store locked for writing before a disk
    /// nearly full.
    fn warn(&mut self, conclusion: Conclusion) {
        let pressing = |c: &Conclusion| matches!(c, Conclusion::Locked { .. });
        if self
            .warning
            .as_ref()
            .is_none_or(|w| pressing(&conclusion) && !pressing(w))
        {
            self.warning = Some(conclusion);
        }
    }

    /// Whether the store is on a network share; a share that does not answer
    /// counts as one.
    fn on_network(&self) -> bool {
        on_network_at(&self.path)
    }

    fn all(&mut self) {
        let folder = self.folder.clone();
        let path = self.path.clone();
        if self.components().is_err() {
            let why = "a folder on the way is missing or unreachable";
            self.skip(CheckKind::FolderReachable, &folder, why);
            self.skip(CheckKind::NetworkFileSystem, &folder, why);
            self.skip(CheckKind::FileExists, &path, why);
            self.skip_store_checks(why);
            return;
        }
        if self.folder_reachable().is_err() {
            let why = "the folder cannot be read";
            self.skip(CheckKind::NetworkFileSystem, &folder, why);
            self.skip(CheckKind::FileExists, &path, why);
            self.skip_store_checks(why);
            return;
        }
        self.network();
        let file_present = self.file_exists().is_ok();
        if file_present {
            self.permissions(Item::File);
        } else {
            self.skip(CheckKind::Permissions, &path, "the file is missing");
        }
        self.permissions(Item::Folder);
        self.free_space();
        if file_present {
            self.locks();
            self.open_and_check();
        } else {
            self.skip(CheckKind::Lock, &path, "the file is missing");
            self.skip(CheckKind::OpenStore, &path, "the file is missing");
            self.skip(CheckKind::SchemaVersion, &path, "the file is missing");
            self.skip(CheckKind::Integrity, &path, "the file is missing");
        }
    }

    fn skip_store_checks(&mut self, why: &str) {
        let (path, folder) = (self.path.clone(), self.folder.clone());
        self.skip(CheckKind::Permissions, &path, why);
        self.skip(CheckKind::Permissions, &folder, why);
        self.skip(CheckKind::FreeSpace, &folder, why);
        self.skip(CheckKind::Lock, &path, why);
        self.skip(CheckKind::OpenStore, &path, why);
        self.skip(CheckKind::SchemaVersion, &path, why);
        self.skip(CheckKind::Integrity, &path, why);
    }

    /// Each folder from the root down to the store's folder: there, and a folder.
    fn components(&mut self) -> Result<(), Stop> {
        let mut folders: Vec<PathBuf> = self
            .folder
            .ancestors()
            .filter(|d| !d.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .collect();
        folders.reverse();
        let mut last_present: Option<PathBuf> = None;
        for dir in folders {
            let probe = dir.clone();
            let answer = within_timeout(move || std::fs::metadata(&probe));
            let problem = match answer {
                Some(Ok(meta)) if meta.is_dir() => {
                    self.push(
                        CheckKind::PathComponent,
                        &dir,
                        Outcome::Ok,
                        Finding::Present { size_bytes: None },
                        format!("directory{}", mode_of(&meta)),
                    );
                    last_present = Some(dir);
                    continue;
                }
                Some(Ok(meta)) => {
                    self.push(
                        CheckKind::PathComponent,
                        &dir,
                        Outcome::Failed,
                        Finding::WrongType,
                        format!("not a directory ({})", file_type_name(&meta)),
                    );
                    FolderProblem::NotAFolder
                }
                Some(Err(e)) => {
                    let error = SystemError::of(&e);
                    let (finding, problem) = match error {
                        SystemError::NotFound => (Finding::Missing, FolderProblem::Missing),
                        SystemError::NotADirectory => {
                            (Finding::WrongType, FolderProblem::NotAFolder)
                        }
                        SystemError::PermissionDenied => {
                            (Finding::Denied, FolderProblem::System(error))
                        }
                        _ => (Finding::System { error }, FolderProblem::System(error)),
                    };
                    self.push(
                        CheckKind::PathComponent,
                        &dir,
                        Outcome::Failed,
                        finding,
                        e.to_string(),
                    );
                    if error == SystemError::PermissionDenied {
                        // Looking inside the folder above was refused.
                        let parent = crate::fsutil::parent_dir(&dir).to_path_buf();
                        self.fail(Conclusion::PermissionDenied {
                            path: parent,
                            item: Item::Folder,
                            can_read: false,
                            can_write: false,
                        });
                        return Err(Stop);
                    }
                    problem
                }
                None => {
                    self.push(
                        CheckKind::PathComponent,
                        &dir,
                        Outcome::Failed,
                        Finding::NoAnswer {
                            waited_secs: ANSWER_TIMEOUT.as_secs(),
                        },
                        format!("no answer to stat() within {} s", ANSWER_TIMEOUT.as_secs()),
                    );
                    FolderProblem::NoAnswer
                }
            };
            // The file system is the one of the last folder found on the way.
            let network = problem == FolderProblem::NoAnswer
                || last_present
                    .as_deref()
                    .map_or_else(|| self.on_network(), on_network_at);
            self.fail(Conclusion::FolderUnreachable {
                folder: dir,
                problem,
                network,
            });
            return Err(Stop);
        }
        Ok(())
    }

    /// The folder can be listed, in time.
    fn folder_reachable(&mut self) -> Result<(), Stop> {
        let folder = self.folder.clone();
        let probe = folder.clone();
        let answer = within_timeout(move || {
            std::fs::read_dir(&probe).map(|entries| entries.flatten().count() as u64)
        });
        match answer {
            Some(Ok(entries)) => {
                self.push(
                    CheckKind::FolderReachable,
                    &folder,
                    Outcome::Ok,
                    Finding::Listed { entries },
                    format!("{entries} entries"),
                );
                Ok(())
            }
            // Listing is not needed to use the store; the rights checks say more.
            Some(Err(e)) if e.kind() == io::ErrorKind::PermissionDenied => {
                self.push(
                    CheckKind::FolderReachable,
                    &folder,
                    Outcome::Warning,
                    Finding::Denied,
                    format!("listing refused: {e}"),
                );
                Ok(())
            }
            Some(Err(e)) => {
                let error = SystemError::of(&e);
                self.push(
                    CheckKind::FolderReachable,
                    &folder,
                    Outcome::Failed,
                    Finding::System { error },
                    format!("listing failed: {e}"),
                );
                self.fail(Conclusion::FolderUnreachable {
                    folder,
                    problem: FolderProblem::System(error),
                    network: self.on_network(),
                });
                Err(Stop)
            }
            None => {
                self.push(
                    CheckKind::FolderReachable,
                    &folder,
                    Outcome::Failed,
                    Finding::NoAnswer {
                        waited_secs: ANSWER_TIMEOUT.as_secs(),
                    },
                    format!(
                        "no answer to readdir() within {} s",
                        ANSWER_TIMEOUT.as_secs()
                    ),
                );
                self.fail(Conclusion::FolderUnreachable {
                    folder,
                    problem: FolderProblem::NoAnswer,
                    network: true,
                });
                Err(Stop)
            }
        }
    }

    fn network(&mut self) {
        let folder = self.folder.clone();
        let network = self.on_network();
        let probe = folder.clone();
        let detail = within_timeout(move || file_system_detail(&probe, network))
            .unwrap_or_else(|| "statfs did not answer".to_owned());
        self.push(
            CheckKind::NetworkFileSystem,
            &folder,
            Outcome::Ok,
            Finding::Location { network },
            detail,
        );
    }

    /// The store file is there and is a file.
    fn file_exists(&mut self) -> Result<(), Stop> {
        let path = self.path.clone();
        let probe = path.clone();
        match within_timeout(move || std::fs::metadata(&probe)) {
            Some(Ok(meta)) if meta.is_file() => {
                let mut detail = format!("{} bytes{}", meta.len(), mode_of(&meta));
                for suffix in ["-wal", "-shm", "-journal"] {
                    if let Ok(m) = std::fs::metadata(with_suffix(&path, suffix)) {
                        let _ = write!(detail, "; {suffix} present, {} bytes", m.len());
                    }
                }
                self.push(
                    CheckKind::FileExists,
                    &path,
                    Outcome::Ok,
                    Finding::Present {
                        size_bytes: Some(meta.len()),
                    },
                    detail,
                );
                Ok(())
            }
            Some(Ok(meta)) => {
                self.push(
                    CheckKind::FileExists,
                    &path,
                    Outcome::Failed,
                    Finding::WrongType,
                    format!("not a regular file ({})", file_type_name(&meta)),
                );
                self.fail(Conclusion::NotAFile);
                Err(Stop)
            }
            Some(Err(e)) => {
                let error = SystemError::of(&e);
                let finding = match error {
                    SystemError::NotFound => Finding::Missing,
                    SystemError::PermissionDenied => Finding::Denied,
                    _ => Finding::System { error },
                };
                self.push(
                    CheckKind::FileExists,
                    &path,
                    Outcome::Failed,
                    finding,
                    e.to_string(),
                );
                let folder = self.folder.clone();
                self.fail(match error {
                    SystemError::NotFound => Conclusion::FileMissing { folder },
                    SystemError::PermissionDenied => Conclusion::PermissionDenied {
                        path: folder,
                        item: Item::Folder,
                        can_read: false,
                        can_write: false,
                    },
                    _ => Conclusion::Other {
                        cause: OtherCause::System {
                            error,
                            technical: e.to_string(),
                        },
                    },
                });
                Err(Stop)
            }
            None => {
                self.push(
                    CheckKind::FileExists,
                    &path,
                    Outcome::Failed,
                    Finding::NoAnswer {
                        waited_secs: ANSWER_TIMEOUT.as_secs(),
                    },
                    format!("no answer to stat() within {} s", ANSWER_TIMEOUT.as_secs()),
                );
                self.fail(Conclusion::FolderUnreachable {
                    folder: self.folder.clone(),
                    problem: FolderProblem::NoAnswer,
                    network: true,
                });
                Err(Stop)
            }
        }
    }

    /// Read and write rights of this process on the file, or on the folder (where
    /// `SQLite` creates its journal files).
    fn permissions(&mut self, item: Item) {
        let target = match item {
            Item::File => self.path.clone(),
            Item::Folder => self.folder.clone(),
        };
        let probe = target.clone();
        let Some(rights) = within_timeout(move || access_rights(&probe, item)) else {
            self.push(
                CheckKind::Permissions,
                &target,
                Outcome::Failed,
                Finding::NoAnswer {
                    waited_secs: ANSWER_TIMEOUT.as_secs(),
                },
                format!(
                    "no answer to access() within {} s",
                    ANSWER_TIMEOUT.as_secs()
                ),
            );
            self.fail(Conclusion::FolderUnreachable {
                folder: self.folder.clone(),
                problem: FolderProblem::NoAnswer,
                network: true,
            });
            return;
        };
        let (can_read, can_write, read_only_disk) =
            (rights.read, rights.write, rights.read_only_disk);
        if item == Item::File {
            self.file_access = Some((can_read, can_write));
        }
        let outcome = if can_read && can_write {
            Outcome::Ok
        } else {
            Outcome::Failed
        };
        self.push(
            CheckKind::Permissions,
            &target,
            outcome,
            Finding::Access {
                item,
                can_read,
                can_write,
                read_only_disk,
            },
            rights.detail,
        );
        if outcome == Outcome::Failed {
            self.fail(Conclusion::PermissionDenied {
                path: target,
                item,
                can_read,
                can_write,
            });
        }
    }

    fn free_space(&mut self) {
        let folder = self.folder.clone();
        let store_bytes = size_on_disk(&self.path);
        match available_space(&folder) {
            Some(Ok((available_bytes, detail))) => {
                self.available_bytes = Some(available_bytes);
                let outcome = if available_bytes < DISK_FULL_BYTES {
                    Outcome::Failed
                } else if available_bytes < LOW_SPACE_BYTES
                    || available_bytes < store_bytes.saturating_mul(2)
                {
                    Outcome::Warning
                } else {
                    Outcome::Ok
                };
                self.push(
                    CheckKind::FreeSpace,
                    &folder,
                    outcome,
                    Finding::Space {
                        available_bytes,
                        store_bytes,
                    },
                    format!("{detail}; store {store_bytes} bytes"),
                );
                match outcome {
                    Outcome::Failed => self.fail(Conclusion::DiskFull { available_bytes }),
                    Outcome::Warning => self.warn(Conclusion::LowSpace {
                        available_bytes,
                        store_bytes,
                    }),
                    Outcome::Ok | Outcome::Skipped => {}
                }
            }
            Some(Err(e)) => self.push(
                CheckKind::FreeSpace,
                &folder,
                Outcome::Warning,
                Finding::System {
                    error: SystemError::of(&e),
                },
                format!("statvfs failed: {e}"),
            ),
            None => self.push(
                CheckKind::FreeSpace,
                &folder,
                Outcome::Skipped,
                Finding::Unavailable,
                "free space cannot be read on this system".to_owned(),
            ),
        }
    }

    /// Who holds locks on the store; a writer that stays is a locked store.
    fn locks(&mut self) {
        let path = self.path.clone();
        let Some(first) = lock_holders(&path) else {
            self.push(
                CheckKind::Lock,
                &path,
                Outcome::Skipped,
                Finding::Unavailable,
                "lock holders cannot be listed on this system".to_owned(),
            );
            return;
        };
        let (mut holders, mut detail) = match first {
            Ok(found) => found,
            Err(e) => {
                self.push(
                    CheckKind::Lock,
                    &path,
                    Outcome::Warning,
                    Finding::System {
                        error: SystemError::of(&e),
                    },
                    format!("cannot read /proc/locks: {e}"),
                );
                return;
            }
        };
        let mut outcome = Outcome::Ok;
        if holders.iter().any(|h| h.writing) {
            // Writes last milliseconds: only a writer still there a moment later
            // is worth reporting.
            std::thread::sleep(WRITER_PATIENCE);
            if let Some(Ok((again, again_detail))) = lock_holders(&path) {
                let stayed: Vec<LockHolder> = again
                    .iter()
                    .filter(|h| h.writing && holders.iter().any(|f| f.writing && f.pid == h.pid))
                    .cloned()
                    .collect();
                holders = again;
                detail = again_detail;
                if !stayed.is_empty() {
                    outcome = Outcome::Warning;
                    self.warn(Conclusion::Locked { holders: stayed });
                }
            }
        }
        self.holders.clone_from(&holders);
        self.push(
            CheckKind::Lock,
            &path,
            outcome,
            Finding::Holders { holders },
            detail,
        );
    }

    /// Opens the store read-only, then compares its schema version and checks its
    /// integrity.
    ///
    /// A read-only `SQLite` connection to a store in WAL mode creates the `-wal` and
    /// `-shm` files when they are missing (and cannot read it at all when the folder
    /// is not writable). So when no `-wal` or `-journal` file exists, the store is
    /// first read through an `immutable` connection, which takes no lock and creates
    /// nothing. Its answer stands only when nothing changed meanwhile (same size and
    /// modification time, still no journal); otherwise, and when a journal exists,
    /// the store is opened with [`Store::open_read_only`], which respects other
    /// processes' locks.
    fn open_and_check(&mut self) {
        if self.quiet_check() {
            return;
        }
        let path = self.path.clone();
        let store = match Store::open_read_only(&path) {
            Ok(store) => store,
            Err(e) => {
                self.open_failed(&e);
                return;
            }
        };
        let journal_mode: String = store
            .connection()
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap_or_default();
        self.push(
            CheckKind::OpenStore,
            &path,
            Outcome::Ok,
            Finding::Opened,
            format!(
                "opened read-only with locking; journal_mode={journal_mode}; application_id ok"
            ),
        );
        let version = store.schema_version();
        self.schema(version);
        let problems = store.integrity_problems();
        self.integrity(problems);
    }

    /// The lock-free, file-free first pass of [`Self::open_and_check`]. `false`
    /// when its answer cannot be trusted and the store must be opened normally.
    fn quiet_check(&mut self) -> bool {
        let path = self.path.clone();
        if has_journal(&path) {
            return false;
        }
        let before = fingerprint(&path);
        let probe = immutable_probe(&path);
        if before.is_none() || fingerprint(&path) != before || has_journal(&path) {
            return false;
        }
        let probe = match probe {
            Ok(probe) => probe,
            Err(e) => {
                self.open_failed(&e);
                return true;
            }
        };
        if probe.application_id != APPLICATION_ID {
            self.open_failed(&StoreError::NotAStore { path });
            return true;
        }
        if probe.version > SCHEMA_VERSION {
            self.open_failed(&StoreError::TooNew {
                path,
                found: probe.version,
                supported: SCHEMA_VERSION,
            });
            return true;
        }
        self.push(
            CheckKind::OpenStore,
            &path,
            Outcome::Ok,
            Finding::Opened,
            "read without locking (immutable): no -wal or -journal file, \
             file unchanged during the check; application_id ok"
                .to_owned(),
        );
        self.schema(Ok(probe.version));
        self.integrity(probe.problems);
        true
    }

    /// Records a failed opening: the checks that needed the store are skipped.
    fn open_failed(&mut self, e: &StoreError) {
        let path = self.path.clone();
        self.push(
            CheckKind::OpenStore,
            &path,
            Outcome::Failed,
            Finding::OpenFailed {
                problem: StoreProblem::of(e),
            },
            e.to_string(),
        );
        if let StoreError::TooNew {
            found, supported, ..
        } = e
        {
            self.push(
                CheckKind::SchemaVersion,
                &path,
                Outcome::Failed,
                Finding::Schema {
                    found: *found,
                    supported: *supported,
                },
                format!("user_version {found} > {supported}"),
            );
        } else {
            self.skip(CheckKind::SchemaVersion, &path, "the store did not open");
        }
        self.skip(CheckKind::Integrity, &path, "the store did not open");
        let conclusion = self.store_conclusion(e);
        self.fail(conclusion);
    }

    fn schema(&mut self, version: Result<u32, StoreError>) {
        let path = self.path.clone();
        match version {
            Ok(found) => {
                let outcome = if found == SCHEMA_VERSION {
                    Outcome::Ok
                } else {
                    // Older: the program brings it up to date at its next opening.
                    Outcome::Warning
                };
                self.push(
                    CheckKind::SchemaVersion,
                    &path,
                    outcome,
                    Finding::Schema {
                        found,
                        supported: SCHEMA_VERSION,
                    },
                    format!("user_version {found}, program {SCHEMA_VERSION}"),
                );
            }
            Err(e) => {
                self.push(
                    CheckKind::SchemaVersion,
                    &path,
                    Outcome::Failed,
                    Finding::OpenFailed {
                        problem: StoreProblem::of(&e),
                    },
                    e.to_string(),
                );
                let conclusion = self.store_conclusion(&e);
                self.fail(conclusion);
            }
        }
    }

    fn integrity(&mut self, problems: Result<Vec<String>, StoreError>) {
        let path = self.path.clone();
        match problems {
            Ok(problems) if problems.is_empty() => self.push(
                CheckKind::Integrity,
                &path,
                Outcome::Ok,
                Finding::Integrity {
                    problems: Vec::new(),
                    total: 0,
                },
                "integrity_check: ok".to_owned(),
            ),
            Ok(mut problems) => {
                let total = problems.len();
                problems.truncate(MAX_PROBLEMS);
                self.push(
                    CheckKind::Integrity,
                    &path,
                    Outcome::Failed,
                    Finding::Integrity {
                        problems: problems.clone(),
                        total,
                    },
                    format!(
                        "integrity_check: {total} problem(s): {}",
                        problems.join(" | ")
                    ),
                );
                self.fail(Conclusion::Corrupt { problems });
            }
            Err(e) => {
                self.push(
                    CheckKind::Integrity,
                    &path,
                    Outcome::Failed,
                    Finding::OpenFailed {
                        problem: StoreProblem::of(&e),
                    },
                    e.to_string(),
                );
                let conclusion = self.store_conclusion(&e);
                self.fail(conclusion);
            }
        }
    }

    /// The conclusion a store error leads to, with what earlier checks learnt.
    fn store_conclusion(&mut self, e: &StoreError) -> Conclusion {
        match e {
            StoreError::FolderNotFound { folder, .. } => Conclusion::FolderUnreachable {
                folder: folder.clone(),
                problem: FolderProblem::Missing,
                network: self.on_network(),
            },
            StoreError::FileNotFound { .. } => Conclusion::FileMissing {
                folder: self.folder.clone(),
            },
            StoreError::NotAFile { .. } => Conclusion::NotAFile,
            StoreError::PermissionDenied { path } => {
                let (can_read, can_write) = self.file_access.unwrap_or((false, false));
                Conclusion::PermissionDenied {
                    path: path.clone(),
                    item: Item::File,
                    can_read,
                    can_write,
                }
            }
            StoreError::Locked { .. } => {
                // The lock may have been taken while we waited: look again.
                let now = lock_holders(&self.path)
                    .and_then(Result::ok)
                    .map(|(h, _)| h)
                    .unwrap_or_default();
                let mut holders = if now.is_empty() {
                    self.holders.clone()
                } else {
                    now
                };
                if holders.iter().any(|h| h.writing) {
                    holders.retain(|h| h.writing);
                }
                Conclusion::Locked { holders }
            }
            StoreError::NotADatabase { .. } => Conclusion::NotADatabase,
            StoreError::NotAStore { .. } => Conclusion::NotAStore,
            StoreError::Corrupt { detail, .. } => Conclusion::Corrupt {
                problems: vec![detail.clone()],
            },
            StoreError::TooNew {
                found, supported, ..
            } => Conclusion::TooNew {
                found: *found,
                supported: *supported,
            },
            StoreError::DiskFull { .. } => Conclusion::DiskFull {
                available_bytes: self.available_bytes.unwrap_or(0),
            },
            StoreError::ClosingInProgress { .. }
            | StoreError::NeedsUpdate { .. }
            | StoreError::AlreadyExists { .. }
            | StoreError::ClosedExercise { .. }
            | StoreError::Sqlite { .. }
            | StoreError::Io { .. } => Conclusion::Other {
                cause: OtherCause::Store { fault: e.fault() },
            },
        }
    }
}

/// What an `immutable` connection read from a store.
struct Probe {
    application_id: i32,
    version: u32,
    problems: Result<Vec<String>, StoreError>,
}

/// Reads a store's identity, version and integrity through an `immutable`
/// connection: no lock, no file created. Only meaningful when no other process
/// writes meanwhile, which the caller makes sure of.
fn immutable_probe(path: &Path) -> Result<Probe, StoreError> {
    use rusqlite::{Connection, OpenFlags};

    let Ok(mut uri) = url::Url::from_file_path(path) else {
        return Err(StoreError::Io {
            path: path.to_path_buf(),
            source: io::Error::new(io::ErrorKind::InvalidInput, "not an absolute path"),
        });
    };
    uri.set_query(Some("mode=ro&immutable=1"));
    let err = |e| StoreError::from_sqlite(path, e);
    let conn = Connection::open_with_flags(
        uri.as_str(),
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(err)?;
    let application_id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(err)?;
    let version: u32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(err)?;
    let problems = (|| {
        let mut stmt = conn.prepare("PRAGMA integrity_check")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.filter(|r| r.as_ref().map_or(true, |s| s != "ok"))
            .collect::<rusqlite::Result<Vec<String>>>()
    })()
    .map_err(err);
    Ok(Probe {
        application_id,
        version,
        problems,
    })
}

/// Whether a `-wal` or `-journal` file sits beside the store: then other
/// processes may have data or a transaction in them, and only a normal, locking
/// connection reads the store correctly.
fn has_journal(path: &Path) -> bool {
    ["-wal", "-journal"]
        .iter()
        .any(|suffix| std::fs::symlink_metadata(with_suffix(path, suffix)).is_ok())
}

/// Size and modification time, to see whether a file changed (read with `stat`,
/// never by opening the file).
fn fingerprint(path: &Path) -> Option<(u64, std::time::SystemTime)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.len(), meta.modified().ok()?))
}

/// Whether `path` (or its folder, when it does not exist) is on a network share;
/// a share that does not answer counts as one.
fn on_network_at(path: &Path) -> bool {
    let path = path.to_path_buf();
    within_timeout(move || is_network_path(&path)).unwrap_or(true)
}

/// Runs `work` on a helper thread and waits at most [`ANSWER_TIMEOUT`]. `None`
/// when no answer came in time (the thread is left to finish on its own: it
/// only reads) or no thread could be started.
fn within_timeout<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("iea-diagnostic".to_owned())
        .spawn(move || {
            let _ = tx.send(work());
        })
        .ok()?;
    rx.recv_timeout(ANSWER_TIMEOUT).ok()
}

/// `path` with `suffix` appended to its file name (`-wal`, `-shm`…).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn file_type_name(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        "directory"
    } else if t.is_file() {
        "regular file"
    } else if t.is_symlink() {
        "symbolic link"
    } else {
        "special file"
    }
}

/// "; mode 0755, owner uid 1000 gid 1000" on Unix.
fn mode_of(meta: &std::fs::Metadata) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        format!(
            "; mode {:04o}, owner uid {} gid {}",
            meta.mode() & 0o7777,
            meta.uid(),
            meta.gid()
        )
    }
    #[cfg(not(unix))]
    {
        if meta.permissions().readonly() {
            "; read-only".to_owned()
        } else {
            String::new()
        }
    }
}

/// [`mode_of`] for a path; empty when it cannot be read.
#[cfg(unix)]
fn mode_detail(path: &Path) -> String {
    std::fs::metadata(path).map_or_else(|_| String::new(), |m| mode_of(&m))
}

fn file_system_detail(folder: &Path, network: bool) -> String {
    let kind = if network { "network" } else { "local" };
    #[cfg(target_os = "linux")]
    {
        match rustix::fs::statfs(folder) {
            Ok(s) => format!("{kind} file system (type 0x{:x})", s.f_type),
            Err(e) => format!("{kind} file system (statfs: {e})"),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = folder;
        format!("{kind} file system")
    }
}

struct Rights {
    read: bool,
    write: bool,
    read_only_disk: bool,
    detail: String,
}

/// What this process may do with `path`. A folder needs search rights too.
fn access_rights(path: &Path, item: Item) -> Rights {
    #[cfg(unix)]
    {
        use rustix::fs::Access;
        let search = match item {
            Item::File => Access::empty(),
            Item::Folder => Access::EXEC_OK,
        };
        let read = rustix::fs::access(path, Access::READ_OK | search);
        let write = rustix::fs::access(path, Access::WRITE_OK | search);
        let read_only_disk = matches!(&write, Err(e) if *e == rustix::io::Errno::ROFS);
        let verdict = |r: &rustix::io::Result<()>| match r {
            Ok(()) => "yes".to_owned(),
            Err(e) => format!("no ({e})"),
        };
        let detail = format!(
            "read: {}, write: {}{}; process euid {} egid {}",
            verdict(&read),
            verdict(&write),
            mode_detail(path),
            rustix::process::geteuid().as_raw(),
            rustix::process::getegid().as_raw(),
        );
        Rights {
            read: read.is_ok(),
            write: write.is_ok(),
            read_only_disk,
            detail,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = item;
        let meta = std::fs::metadata(path);
        let read = meta.is_ok();
        let write = meta.as_ref().is_ok_and(|m| !m.permissions().readonly());
        Rights {
            read,
            write,
            read_only_disk: false,
            detail: format!("metadata: {meta:?}"),
        }
    }
}

/// Bytes available to this user on the disk holding `folder`, with a technical
/// detail; `None` where the system cannot say.
#[allow(
    clippy::unnecessary_wraps,
    reason = "None where the system has no statvfs"
)]
fn available_space(folder: &Path) -> Option<io::Result<(u64, String)>> {
    #[cfg(unix)]
    {
        let probe = folder.to_path_buf();
        let answer = within_timeout(move || rustix::fs::statvfs(&probe));
        Some(match answer {
            Some(Ok(s)) => {
                let bytes = s.f_bavail.saturating_mul(s.f_frsize);
                Ok((
                    bytes,
                    format!(
                        "available {bytes} bytes (f_bavail {} x f_frsize {}), total {} bytes",
                        s.f_bavail,
                        s.f_frsize,
                        s.f_blocks.saturating_mul(s.f_frsize)
                    ),
                ))
            }
            Some(Err(e)) => Err(io::Error::from(e)),
            None => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "statvfs did not answer",
            )),
        })
    }
    #[cfg(not(unix))]
    {
        let _ = folder;
        None
    }
}

/// The processes holding locks on the store file, its `-wal` and its `-shm`,
/// with the matching `/proc/locks` lines as detail. `None` where the system
/// cannot list lock holders (anything but Linux).
///
/// Matching is by device and inode; on overlay file systems the kernel may show
/// the underlying file's numbers, and nothing matches.
pub fn lock_holders(store: &Path) -> Option<io::Result<(Vec<LockHolder>, String)>> {
    #[cfg(target_os = "linux")]
    {
        let text = match std::fs::read_to_string("/proc/locks") {
            Ok(text) => text,
            Err(e) => return Some(Err(e)),
        };
        let targets: Vec<(FileRole, FileId)> = [
            (FileRole::Main, ""),
            (FileRole::Wal, "-wal"),
            (FileRole::Shm, "-shm"),
        ]
        .into_iter()
        .filter_map(|(role, suffix)| {
            let s = rustix::fs::stat(with_suffix(store, suffix)).ok()?;
            Some((
                role,
                FileId {
                    major: rustix::fs::major(s.st_dev),
                    minor: rustix::fs::minor(s.st_dev),
                    inode: s.st_ino,
                },
            ))
        })
        .collect();
        let mut holders: Vec<LockHolder> = Vec::new();
        let mut lines = Vec::new();
        for (raw, lock) in text
            .lines()
            .filter_map(|l| parse_lock_line(l).map(|p| (l, p)))
        {
            let Some((role, _)) = targets.iter().find(|(_, id)| *id == lock.file) else {
                continue;
            };
            lines.push(format!("{role:?}: {}", raw.trim()));
            let Ok(pid) = u32::try_from(lock.pid) else {
                continue; // open-file-description locks have no owner (-1)
            };
            let writing = lock.write
                && match role {
                    FileRole::Main => true,
                    // SQLite's WAL write lock is byte 120 of the -shm file.
                    FileRole::Shm => lock.start <= 120 && lock.end.is_none_or(|e| e >= 120),
                    FileRole::Wal => false,
                };
            if let Some(h) = holders.iter_mut().find(|h| h.pid == pid) {
                h.writing |= writing;
            } else {
                holders.push(LockHolder {
                    pid,
                    program: program_name(pid),
                    writing,
                });
            }
        }
        let detail = if lines.is_empty() {
            "no lock in /proc/locks".to_owned()
        } else {
            lines.join("; ")
        };
        Some(Ok((holders, detail)))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = store;
        None
    }
}

/// Which of the store's files a lock is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
enum FileRole {
    Main,
    Wal,
    Shm,
}

/// A file as `/proc/locks` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    major: u32,
    minor: u32,
    inode: u64,
}

/// One granted lock of `/proc/locks`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LockLine {
    pid: i64,
    write: bool,
    file: FileId,
    start: u64,
    /// `None` for "EOF".
    end: Option<u64>,
}

/// Parses `1: POSIX  ADVISORY  WRITE 20636 fe:00:10010782 120 120`. Waiters
/// (`1: -> POSIX …`) are not holders and give `None`.
fn parse_lock_line(line: &str) -> Option<LockLine> {
    let mut fields = line.split_whitespace();
    fields.next()?; // "1:"
    let class = fields.next()?;
    if class == "->" {
        return None;
    }
    let _mode = fields.next()?; // ADVISORY, MANDATORY, ACTIVE…
    let access = fields.next()?;
    let pid: i64 = fields.next()?.parse().ok()?;
    let mut id = fields.next()?.split(':');
    let major = u32::from_str_radix(id.next()?, 16).ok()?;
    let minor = u32::from_str_radix(id.next()?, 16).ok()?;
    let inode: u64 = id.next()?.parse().ok()?;
    let start: u64 = fields.next()?.parse().ok()?;
    let end = match fields.next()? {
        "EOF" => None,
        n => Some(n.parse().ok()?),
    };
    Some(LockLine {
        pid,
        write: access == "WRITE",
        file: FileId {
            major,
            minor,
            inode,
        },
        start,
        end,
    })
}

#[cfg(target_os = "linux")]
fn program_name(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    fn check(d: &Diagnosis, kind: CheckKind) -> &Check {
        d.checks
            .iter()
            .find(|c| c.kind == kind)
            .unwrap_or_else(|| panic!("no {kind:?} check in {d:#?}"))
    }

    fn is_root() -> bool {
        rustix::process::geteuid().is_root()
    }

    /// A store with a few hundred rows, spread over several pages.
    fn store_with_rows(path: &Path) {
        let store = Store::create(path).expect("create");
        let c = store.connection();
        c.execute_batch("BEGIN").expect("begin");
        for i in 0..400 {
            c.execute(
                "INSERT INTO dossiers (name, state, created_at) VALUES (?1, 'production', '2024-01-01')",
                [format!("Association numero {i:04} des amis du quartier")],
            )
            .expect("insert");
        }
        c.execute_batch("COMMIT").expect("commit");
    }

    fn listing(dir: &Path) -> Vec<(String, u64)> {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .expect("list")
            .map(|e| {
                let e = e.expect("entry");
                (
                    e.file_name().to_string_lossy().into_owned(),
                    e.metadata().expect("meta").len(),
                )
            })
            .collect();
        names.sort();
        names
    }

    #[test]
    fn healthy_store_passes_every_check_and_is_left_untouched() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("paie.iea");
        store_with_rows(&path);
        let before = listing(dir.path());
        let bytes = std::fs::read(&path).expect("read");
        let d = diagnose(&path);
        assert_eq!(d.conclusion, Conclusion::Healthy, "{d:#?}");
        assert!(d.is_healthy());
        assert_eq!(d.store_path, path);
        for kind in [
            CheckKind::PathComponent,
            CheckKind::FolderReachable,
            CheckKind::NetworkFileSystem,
            CheckKind::FileExists,
            CheckKind::Permissions,
            CheckKind::FreeSpace,
            CheckKind::Lock,
            CheckKind::OpenStore,
            CheckKind::SchemaVersion,
            CheckKind::Integrity,
        ] {
            let c = check(&d, kind);
            assert!(
                matches!(c.outcome, Outcome::Ok | Outcome::Warning),
                "{kind:?}: {c:#?}"
            );
        }
        assert!(
            d.checks.iter().all(|c| c.outcome != Outcome::Failed),
            "{d:#?}"
        );
        assert_eq!(check(&d, CheckKind::PathComponent).subject, "/");
        assert_eq!(
            check(&d, CheckKind::SchemaVersion).finding,
            Finding::Schema {
                found: SCHEMA_VERSION,
                supported: SCHEMA_VERSION
            }
        );
        // Read-only: no file appeared, none changed.
        assert_eq!(listing(dir.path()), before);
        assert_eq!(std::fs::read(&path).expect("read"), bytes);
        // The result serializes for `doctor --json`.
        let json = serde_json::to_string(&d).expect("json");
        assert!(json.contains("\"kind\":\"healthy\""), "{json}");
    }

    #[test]
    fn missing_file_in_an_existing_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("absente.iea");
        let d = diagnose(&path);
        assert_eq!(
            d.conclusion,
            Conclusion::FileMissing {
                folder: dir.path().to_path_buf()
            }
        );
        let file = check(&d, CheckKind::FileExists);
        assert_eq!(
            (file.outcome, &file.finding),
            (Outcome::Failed, &Finding::Missing)
        );
        assert_eq!(check(&d, CheckKind::FolderReachable).outcome, Outcome::Ok);
        assert_eq!(check(&d, CheckKind::OpenStore).outcome, Outcome::Skipped);
        assert_eq!(check(&d, CheckKind::Integrity).outcome, Outcome::Skipped);
        assert!(!path.exists(), "diagnostics must never create the store");
    }

    #[test]
    fn missing_folder_two_levels_up_names_the_first_missing_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("partage").join("compta").join("paie.iea");
        let d = diagnose(&path);
        let first_missing = dir.path().join("partage");
        match &d.conclusion {
            Conclusion::FolderUnreachable {
                folder, problem, ..
            } => {
                assert_eq!(folder, &first_missing);
                assert_eq!(*problem, FolderProblem::Missing);
            }
            other => panic!("expected an unreachable folder, got {other:?}"),
        }
        let components: Vec<&Check> = d
            .checks
            .iter()
            .filter(|c| c.kind == CheckKind::PathComponent)
            .collect();
        let last = components.last().expect("components");
        assert_eq!(last.subject, first_missing.display().to_string());
        assert_eq!(
            (last.outcome, &last.finding),
            (Outcome::Failed, &Finding::Missing)
        );
        assert!(
            components[..components.len() - 1]
                .iter()
                .all(|c| c.outcome == Outcome::Ok)
        );
        assert!(
            !components.iter().any(|c| c.subject.ends_with("compta")),
            "the walk must stop at the first missing folder"
        );
        for kind in [
            CheckKind::FileExists,
            CheckKind::OpenStore,
            CheckKind::Integrity,
        ] {
            assert_eq!(check(&d, kind).outcome, Outcome::Skipped);
        }
        assert!(!first_missing.exists());
    }

    #[test]
    fn a_file_on_the_way_is_not_a_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("partage"), b"x").expect("write");
        let d = diagnose(&dir.path().join("partage").join("paie.iea"));
        assert!(matches!(
            d.conclusion,
            Conclusion::FolderUnreachable {
                problem: FolderProblem::NotAFolder,
                ..
            }
        ));
    }

    #[test]
    fn a_folder_given_instead_of_a_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("paie.iea");
        std::fs::create_dir(&path).expect("mkdir");
        let d = diagnose(&path);
        assert_eq!(d.conclusion, Conclusion::NotAFile);
        let file = check(&d, CheckKind::FileExists);
        assert_eq!(
            (file.outcome, &file.finding),
            (Outcome::Failed, &Finding::WrongType)
        );
        assert_eq!(check(&d, CheckKind::OpenStore).outcome, Outcome::Skipped);
    }

    #[test]
    fn a_text_file_is_not_a_database() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("notes.iea");
        std::fs::write(&path, "Liste des salaries\n".repeat(300)).expect("write");
        let d = diagnose(&path);
        assert_eq!(d.conclusion, Conclusion::NotADatabase, "{d:#?}");
        assert_eq!(
            check(&d, CheckKind::OpenStore).finding,
            Finding::OpenFailed {
                problem: StoreProblem::NotADatabase
            }
        );
        assert_eq!(check(&d, CheckKind::Integrity).outcome, Outcome::Skipped);
    }

    #[test]
    fn a_foreign_sqlite_file_is_not_a_store() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("autre.sqlite");
        Connection::open(&path)
            .expect("open")
            .execute_batch("CREATE TABLE clients (nom TEXT); INSERT INTO clients VALUES ('x');")
            .expect("create");
        let d = diagnose(&path);
        assert_eq!(d.conclusion, Conclusion::NotAStore, "{d:#?}");
    }

    #[test]
    fn a_store_from_a_newer_program_is_too_new() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("paie.iea");
        drop(Store::create(&path).expect("create"));
        Connection::open(&path)
            .expect("open")
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .expect("bump");
        let d = diagnose(&path);
        assert_eq!(
            d.conclusion,
            Conclusion::TooNew {
                found: SCHEMA_VERSION + 1,
                supported: SCHEMA_VERSION
            }
        );
        assert_eq!(check(&d, CheckKind::SchemaVersion).outcome, Outcome::Failed);
    }

    #[test]
    fn a_damaged_store_is_corrupt() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("paie.iea");
        store_with_rows(&path);
        // The store was closed: its WAL is merged and gone. Scribble over the
        // middle of the last pages, where the rows are.
        let mut bytes = std::fs::read(&path).expect("read");
        assert!(bytes.len() >= 4 * 4096, "store too small: {}", bytes.len());
        let pages = bytes.len() / 4096;
        for page in pages - 3..pages {
            let start = page * 4096 + 1000;
            for b in &mut bytes[start..start + 1500] {
                *b = 0xA5;
            }
        }
        std::fs::write(&path, &bytes).expect("write");
        let d = diagnose(&path);
        assert!(
            matches!(&d.conclusion, Conclusion::Corrupt { problems } if !problems.is_empty()),
            "{d:#?}"
        );
        let integrity = check(&d, CheckKind::Integrity);
        let open = check(&d, CheckKind::OpenStore);
        assert!(
            integrity.outcome == Outcome::Failed || open.outcome == Outcome::Failed,
            "{d:#?}"
        );
        // Diagnostics never repair or rewrite.
        assert_eq!(std::fs::read(&path).expect("read"), bytes);
    }

    #[test]
    fn lock_lines_are_parsed() {
        let l = parse_lock_line("1: POSIX  ADVISORY  WRITE 20636 fe:00:10010782 120 120")
            .expect("line");
        assert_eq!(
            l,
            LockLine {
                pid: 20636,
                write: true,
                file: FileId {
                    major: 0xfe,
                    minor: 0,
                    inode: 10_010_782
                },
                start: 120,
                end: Some(120),
            }
        );
        let l = parse_lock_line("3: FLOCK  ADVISORY  READ 1 08:1f:42 0 EOF").expect("line");
        assert_eq!((l.write, l.file.minor, l.end), (false, 0x1f, None));
        assert!(parse_lock_line("1: -> POSIX  ADVISORY  WRITE 12 fe:00:1 0 EOF").is_none());
        assert!(parse_lock_line("").is_none());
    }

    /// A writer that keeps an exclusive transaction open on a rollback-journal
    /// store: readers wait for the busy timeout, then the store is "locked", and
    /// the holder (this very process, through another connection) is named.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_held_lock_names_its_holder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("paie.iea");
        drop(Store::create(&path).expect("create"));
        let holder = Connection::open(&path).expect("open");
        holder
            .pragma_update(None, "journal_mode", "DELETE")
            .expect("journal mode");
        holder
            .execute_batch(
                "BEGIN EXCLUSIVE; INSERT INTO meta (key, value) VALUES ('verrou', 'test');",
            )
            .expect("lock");
        let d = diagnose(&path);
        let me = std::process::id();
        match &d.conclusion {
            Conclusion::Locked { holders } => {
                assert!(
                    holders
                        .iter()
                        .any(|h| h.pid == me && h.writing && !h.program.is_empty()),
                    "{holders:?}"
                );
            }
            other => panic!("expected a locked store, got {other:?}"),
        }
        let lock = check(&d, CheckKind::Lock);
        assert!(
            matches!(&lock.finding, Finding::Holders { holders } if holders.iter().any(|h| h.pid == me)),
            "{lock:#?}"
        );
        assert_eq!(
            check(&d, CheckKind::OpenStore).finding,
            Finding::OpenFailed {
                problem: StoreProblem::Locked
            }
        );
        holder.execute_batch("ROLLBACK").expect("unlock");
        drop(holder);
        assert_eq!(diagnose(&path).conclusion, Conclusion::Healthy);
    }

    /// A store that another connection of this process keeps open (WAL mode, so a
    /// `-wal` file exists) is checked through a normal, locking connection, and
    /// the other connection keeps its locks afterwards.
    #[cfg(target_os = "linux")]
    #[test]
    fn an_open_store_is_checked_with_locking_and_keeps_its_locks() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("paie.iea");
        let open = Store::create(&path).expect("create");
        open.schema_version().expect("read");
        assert!(with_suffix(&path, "-wal").exists());
        let me = std::process::id();
        let mine = |path: &Path| {
            lock_holders(path)
                .expect("linux")
                .expect("proc locks")
                .0
                .into_iter()
                .any(|h| h.pid == me)
        };
        assert!(mine(&path), "the open store holds no lock");
        let d = diagnose(&path);
        assert_eq!(d.conclusion, Conclusion::Healthy, "{d:#?}");
        let lock = check(&d, CheckKind::Lock);
        assert!(
            matches!(&lock.finding, Finding::Holders { holders }
                if holders.iter().any(|h| h.pid == me && !h.writing)),
            "{lock:#?}"
        );
        assert!(
            check(&d, CheckKind::OpenStore)
                .detail
                .contains("with locking"),
            "{d:#?}"
        );
        assert!(
            mine(&path),
            "diagnostics dropped the locks of the open store"
        );
        open.connection()
            .execute(
                "INSERT INTO meta (key, value) VALUES ('apres', 'diagnostic')",
                [],
            )
            .expect("the open store still works");
    }

    /// Another program (the `sqlite3` shell) writing to a WAL store: reading still
    /// works, but the writer is named and the store said to be locked.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_writer_in_another_process_is_named() {
        use std::io::Write as _;
        use std::process::{Command, Stdio};

        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("paie.iea");
        drop(Store::create(&path).expect("create"));
        let Ok(mut child) = Command::new("sqlite3")
            .arg(&path)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        else {
            eprintln!("SKIPPED: no sqlite3 shell on this machine");
            return;
        };
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(
                b"PRAGMA journal_mode=WAL;\nBEGIN EXCLUSIVE;\nINSERT INTO meta (key, value) VALUES ('verrou', 'x');\n",
            )
            .expect("send");
        stdin.flush().expect("flush");
        let pid = child.id();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let holders = lock_holders(&path).expect("linux").expect("proc locks").0;
            if holders.iter().any(|h| h.pid == pid && h.writing) {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "sqlite3 never locked: {holders:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let d = diagnose(&path);
        drop(stdin);
        let _ = child.kill();
        let _ = child.wait();
        match &d.conclusion {
            Conclusion::Locked { holders } => {
                let h = holders.iter().find(|h| h.pid == pid).expect("the shell");
                assert_eq!(h.program, "sqlite3");
                assert!(h.writing);
            }
            other => panic!("expected a locked store, got {other:?} in {d:#?}"),
        }
        assert_eq!(check(&d, CheckKind::Lock).outcome, Outcome::Warning);
        // In WAL mode reading goes on while someone writes.
        assert_eq!(check(&d, CheckKind::OpenStore).outcome, Outcome::Ok);
    }

    /// chmod 000 on the folder. Root passes every permission check, so as root
    /// the test runs its assertions in a child process as `nobody` (through
    /// `setpriv`), and says it skipped them when that is not possible.
    #[cfg(target_os = "linux")]
    #[test]
    fn permission_denied_on_the_folder_or_the_file() {
        use std::os::unix::fs::PermissionsExt;
        const CHILD: &str = "IEA_DIAGNOSTICS_UNPRIVILEGED_DIR";

        if let Some(root) = std::env::var_os(CHILD) {
            assert!(!is_root());
            unprivileged_assertions(Path::new(&root));
            return;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let closed = root.join("ferme");
        std::fs::create_dir(&closed).expect("mkdir");
        drop(Store::create(&closed.join("paie.iea")).expect("create"));
        let read_only = root.join("lecture");
        std::fs::create_dir(&read_only).expect("mkdir");
        drop(Store::create(&read_only.join("paie.iea")).expect("create"));
        std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o000)).expect("chmod");
        for p in [read_only.join("paie.iea"), read_only.clone()] {
            let mode = if p.is_dir() { 0o555 } else { 0o444 };
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).expect("chmod");
        }
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).expect("chmod");

        if is_root() {
            // As root the checks pass: only make sure nothing breaks.
            assert!(diagnose(&closed.join("paie.iea")).is_healthy());
            let exe = std::env::current_exe().expect("exe");
            let run = std::process::Command::new("setpriv")
                .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(&exe)
                .args([
                    "--exact",
                    "diagnostics::tests::permission_denied_on_the_folder_or_the_file",
                    "--test-threads=1",
                    "--nocapture",
                ])
                .env(CHILD, root)
                .output();
            match run {
                Ok(out) if String::from_utf8_lossy(&out.stdout).contains("running 1 test") => {
                    assert!(
                        out.status.success(),
                        "the unprivileged run failed:\n{}\n{}",
                        String::from_utf8_lossy(&out.stdout),
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
                Ok(out) => eprintln!(
                    "SKIPPED: running as root and setpriv could not drop privileges ({}); \
                     permission assertions not checked",
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
                Err(e) => eprintln!(
                    "SKIPPED: running as root and cannot drop privileges ({e}); \
                     permission assertions not checked"
                ),
            }
        } else {
            unprivileged_assertions(root);
        }
        std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
    }

    #[cfg(target_os = "linux")]
    fn unprivileged_assertions(root: &Path) {
        let closed = root.join("ferme");
        let d = diagnose(&closed.join("paie.iea"));
        match &d.conclusion {
            Conclusion::PermissionDenied { path, item, .. } => {
                assert_eq!((path, *item), (&closed, Item::Folder), "{d:#?}");
            }
            other => panic!("expected a refusal, got {other:?} in {d:#?}"),
        }
        assert_eq!(
            check(&d, CheckKind::FolderReachable).finding,
            Finding::Denied
        );
        let read_only = root.join("lecture");
        let d = diagnose(&read_only.join("paie.iea"));
        match &d.conclusion {
            Conclusion::PermissionDenied {
                item,
                can_read,
                can_write,
                ..
            } => assert_eq!((*item, *can_read, *can_write), (Item::File, true, false)),
            other => panic!("expected a refusal, got {other:?} in {d:#?}"),
        }
        // Reading still works, so the store itself was checked.
        assert_eq!(
            check(&d, CheckKind::Integrity).outcome,
            Outcome::Ok,
            "{d:#?}"
        );
    }

    #[test]
    fn system_errors_are_classified() {
        let e = io::Error::from(io::ErrorKind::NotFound);
        assert_eq!(SystemError::of(&e), SystemError::NotFound);
        assert_eq!(
            SystemError::from_kind(io::ErrorKind::HostUnreachable),
            SystemError::NetworkUnreachable
        );
    }
}
