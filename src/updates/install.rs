//! "Installer": the new binary takes the running one's place, and the way back.
//!
//! No "Quitter le gestionnaire de services" by hand any more (seed 002):
//! 1. the binary is unpacked from the verified package beside the running one
//!    (`.iea-maintenance.nouveau`), flushed to disk;
//! 2. it is started once with `update self-check` and must answer with the
//!    release's version before anything changes;
//! 3. the running binary is kept as `iea-maintenance.precedent` (a hard link
//!    renamed into place), the installation is recorded, then the new binary is
//!    renamed over the program: one atomic rename, so the program's path always
//!    names a whole binary, the old one or the new one;
//! 4. the resident service sees its program change and restarts itself on it
//!    (as does an open centre). It writes `sante.json` once its icon is up; when
//!    that does not come within [`HEALTH_TIMEOUT`] (or the service is gone for
//!    [`DEAD_AFTER`]), the previous binary is put back by the same kind of
//!    rename, the service started again on it, and the user told.
//!
//! [`rollback`] is the same way back by hand (`update rollback`). It is refused
//! once the store was updated beyond what the previous version understands:
//! an old program on a newer store is the one mix this module never makes.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::manifest::Release;
use super::{BINARY_NAME, PRODUCT, SelfCheck, TARGET, UpdateDirs, program_version, version_cmp};
use crate::home::Home;
use crate::instance;
use crate::jobs::{Cancel, JobError, JobKind, JobLock, Phase, Progress};
use crate::store::sessions::SessionInfo;

/// How long the new version's service has to come up healthy.
pub const HEALTH_TIMEOUT: Duration = Duration::from_secs(90);

/// How long the service may stay gone after the replacement before the new
/// version is judged unable to start (it restarts in a few seconds).
pub const DEAD_AFTER: Duration = Duration::from_secs(15);

/// How long a self-check may take.
const SELF_CHECK_TIMEOUT: Duration = Duration::from_secs(30);

/// The suffix of the kept previous binary.
const PREVIOUS_SUFFIX: &str = ".precedent";

static PROGRAM: OnceLock<Option<PathBuf>> = OnceLock::new();

/// The path of the running program, as it was when the process started (the
/// service asks it again after its file was replaced, when the system would
/// name the old, removed file).
pub fn program_path() -> Option<PathBuf> {
    PROGRAM
        .get_or_init(|| {
            std::env::current_exe().ok().map(|p| {
                // Linux names a replaced executable "… (deleted)".
                let text = p.to_string_lossy();
                match text.strip_suffix(" (deleted)") {
                    Some(stripped) => PathBuf::from(stripped),
                    None => p,
                }
            })
        })
        .clone()
}

/// The kept previous binary beside `program`.
pub fn previous_path(program: &Path) -> PathBuf {
    let mut name = program.file_name().unwrap_or_default().to_os_string();
    name.push(PREVIOUS_SUFFIX);
    program.with_file_name(name)
}

/// Where the new binary is unpacked, beside `program` (same folder, so that the
/// final rename is atomic).
fn unpacked_path(program: &Path) -> PathBuf {
    crate::fsutil::parent_dir(program).join(".iea-maintenance.nouveau")
}

/// The identity of a file (device and inode): it changes when the file is
/// replaced by a rename.
pub fn file_identity(path: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        std::fs::metadata(path)
            .ok()
            .and_then(|m| m.modified().ok())
            .map(|t| {
                (
                    0,
                    t.duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs()),
                )
            })
    }
}

/// Where an installation stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum InstallState {
    /// Replaced; the service's return on the new version is awaited.
    Pending {
        /// When the wait ends.
        deadline: DateTime<Utc>,
    },
    /// The new version runs (or no service had to come back).
    Confirmed,
    /// The previous binary was put back.
    RolledBack {
        /// Why.
        reason: RollbackReason,
        /// When.
        at: DateTime<Utc>,
    },
}

/// Why the previous binary was put back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RollbackReason {
    /// The new version's service did not come up healthy in time.
    ServiceDidNotStart,
    /// Asked by hand (`update rollback`, « Revenir à la version précédente »).
    Asked,
}

/// The record of the last installation, `IEA_HOME/mises-a-jour/installation.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallRecord {
    /// The version replaced.
    pub from_version: String,
    /// The newest store schema it knows.
    pub from_schema: u32,
    /// The version installed.
    pub to_version: String,
    /// The newest store schema it knows.
    pub to_schema: u32,
    /// The program's path.
    pub program: PathBuf,
    /// The kept previous binary.
    pub previous: PathBuf,
    /// When the new binary took its place.
    pub installed_at: DateTime<Utc>,
    /// Whether the resident service ran when it was installed.
    pub service_was_running: bool,
    /// Where it stands.
    #[serde(flatten)]
    pub state: InstallState,
}

impl InstallRecord {
    /// The record of `home`, if an installation was ever made.
    pub fn load(home: &Home) -> Option<Self> {
        std::fs::read(UpdateDirs::of(home).install_record())
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
    }

    fn save(&self, home: &Home) -> Result<(), InstallError> {
        let dirs = UpdateDirs::of(home);
        let path = dirs.install_record();
        dirs.ensure(dirs.root()).map_err(io_err(dirs.root()))?;
        let bytes =
            serde_json::to_vec_pretty(self).map_err(|e| io_err(&path)(std::io::Error::other(e)))?;
        crate::fsutil::write_atomic(&path, &bytes).map_err(io_err(&path))
    }
}

/// What the resident service writes once it is up: the proof an installation
/// waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// The version running.
    pub version: String,
    /// Its process.
    pub pid: u32,
    /// When it came up.
    pub at: DateTime<Utc>,
}

impl Health {
    /// The last health written in `home`.
    pub fn load(home: &Home) -> Option<Self> {
        std::fs::read(UpdateDirs::of(home).health_file())
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
    }

    /// Records that the service of this version is up (called by the service
    /// once its icon shows).
    pub fn record_up(home: &Home) -> std::io::Result<()> {
        let dirs = UpdateDirs::of(home);
        std::fs::create_dir_all(dirs.root())?;
        let health = Self {
            version: program_version().to_owned(),
            pid: std::process::id(),
            at: Utc::now(),
        };
        let bytes = serde_json::to_vec(&health).map_err(std::io::Error::other)?;
        crate::fsutil::write_atomic(&dirs.health_file(), &bytes)
    }
}

/// Why a version was not installed (or not put back).
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// The program's own path is unknown.
    #[error("the program's path is unknown")]
    NoProgramPath,
    /// The release is not newer than the running version.
    #[error("{version} is not newer than {installed}")]
    NotNewer {
        /// The release.
        version: String,
        /// The running version.
        installed: String,
    },
    /// The running version is too old to go straight to this release.
    #[error("{installed} cannot go straight to {version} (at least {min_version})")]
    TooOld {
        /// The release.
        version: String,
        /// The running version.
        installed: String,
        /// The oldest version that may.
        min_version: String,
    },
    /// The package is not downloaded (or no longer matches the manifest).
    #[error("package of {version} not downloaded")]
    NotDownloaded {
        /// The release.
        version: String,
    },
    /// The package holds no binary for this computer.
    #[error("the package holds no {BINARY_NAME}: {detail}")]
    BadPackage {
        /// What is wrong.
        detail: String,
    },
    /// Someone works on the store: every workstation must be closed first.
    #[error("{} sessions open", sessions.len())]
    SessionsOpen {
        /// The live sessions.
        sessions: Vec<SessionInfo>,
    },
    /// The new binary did not pass its self-check; the running one is untouched.
    #[error("self-check failed: {detail}")]
    SelfCheckFailed {
        /// What went wrong.
        detail: String,
    },
    /// The new version's service did not come up: the previous binary was put
    /// back.
    #[error("the service of {version} did not start; {previous} put back")]
    RolledBack {
        /// The version that did not start.
        version: String,
        /// The version put back.
        previous: String,
    },
    /// The new version's service did not come up, and the way back failed too.
    #[error("the service of {version} did not start, and the way back failed: {detail}")]
    RollbackFailed {
        /// The version that did not start.
        version: String,
        /// Why the way back failed.
        detail: String,
    },
    /// No installation to go back from.
    #[error("no previous version kept")]
    NothingToRollBack,
    /// The store was updated beyond what the previous version understands.
    #[error("store schema {store_schema} is newer than the previous version's {previous_schema}")]
    StoreAlreadyUpdated {
        /// The store's schema.
        store_schema: u32,
        /// The previous version's newest.
        previous_schema: u32,
        /// The previous version.
        previous: String,
    },
    /// A job of the same kind runs, or "Annuler" was asked.
    #[error(transparent)]
    Job(#[from] JobError),
    /// A file could not be written or read.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The system error.
        source: std::io::Error,
    },
}

/// What an installation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Installed {
    /// The version replaced.
    pub from_version: String,
    /// The version installed.
    pub to_version: String,
    /// The program's path.
    pub program: PathBuf,
    /// Where the previous binary is kept.
    pub previous: PathBuf,
    /// Whether the resident service came back on the new version (false when
    /// none was running).
    pub service_restarted: bool,
}

/// What the way back did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RolledBack {
    /// The version taken away.
    pub from_version: String,
    /// The version put back.
    pub to_version: String,
    /// The program's path.
    pub program: PathBuf,
    /// Whether the resident service was started again on it.
    pub service_started: bool,
}

/// How an installation runs: the program to replace and how long the service
/// has to come back (tests give their own copy of the program).
#[derive(Debug, Clone)]
pub struct InstallOptions {
    /// The binary to replace.
    pub program: PathBuf,
    /// How long the new version's service has to come up.
    pub health_timeout: Duration,
}

impl InstallOptions {
    /// The running program, with [`HEALTH_TIMEOUT`].
    pub fn current() -> Result<Self, InstallError> {
        Ok(Self {
            program: program_path().ok_or(InstallError::NoProgramPath)?,
            health_timeout: HEALTH_TIMEOUT,
        })
    }
}

/// Checks that `release` may be installed over the running version.
pub fn check_release(release: &Release) -> Result<(), InstallError> {
    let installed = program_version();
    if version_cmp(&release.version, installed).is_le() {
        return Err(InstallError::NotNewer {
            version: release.version.clone(),
            installed: installed.to_owned(),
        });
    }
    if !release.reachable_from(installed) {
        return Err(InstallError::TooOld {
            version: release.version.clone(),
            installed: installed.to_owned(),
            min_version: release.min_version.clone().unwrap_or_default(),
        });
    }
    Ok(())
}

/// The sessions open on the active store now (every workstation must be
/// closed before an installation or a database update). A store that does
/// not open has nobody on it.
pub fn live_sessions(home: &Home) -> Vec<SessionInfo> {
    let Ok(config) = crate::config::Config::load(home) else {
        return Vec::new();
    };
    let Ok(store) = crate::store::Store::open_read_only(&config.paths.store) else {
        return Vec::new();
    };
    crate::store::sessions::connected(store.connection(), Utc::now()).unwrap_or_default()
}

/// Installs the verified package `package` of `release` in place of
/// `opts.program`, then waits for the resident service (if it ran) to come
/// back on it, putting the previous binary back when it does not.
pub fn install(
    home: &Home,
    release: &Release,
    package: &Path,
    opts: &InstallOptions,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Installed, InstallError> {
    let _lock = JobLock::acquire(home, JobKind::UpdateInstall)?;
    check_release(release)?;
    let sessions = live_sessions(home);
    if !sessions.is_empty() {
        return Err(InstallError::SessionsOpen { sessions });
    }
    let program = &opts.program;
    let service_was_running = instance::is_running(home, instance::SERVICE);

    progress.phase(Phase::UpdateUnpack, 0);
    let new = unpacked_path(program);
    unpack(package, &new)?;
    if let Err(e) = cancel.check() {
        let _ = std::fs::remove_file(&new);
        return Err(e.into());
    }

    progress.phase(Phase::UpdateSelfCheck, 0);
    match run_self_check(&new) {
        Ok(answer)
            if answer.product == PRODUCT
                && answer.version == release.version
                && answer.target == TARGET => {}
        Ok(answer) => {
            let _ = std::fs::remove_file(&new);
            tracing::warn!(expected = %release.version, found = %answer.version, "nouveau programme refusé");
            return Err(InstallError::SelfCheckFailed {
                detail: format!(
                    "{} {} ({}) instead of {PRODUCT} {} ({TARGET})",
                    answer.product, answer.version, answer.target, release.version
                ),
            });
        }
        Err(detail) => {
            let _ = std::fs::remove_file(&new);
            tracing::warn!(detail = %detail, "nouveau programme refusé");
            return Err(InstallError::SelfCheckFailed { detail });
        }
    }
    if let Err(e) = cancel.check() {
        let _ = std::fs::remove_file(&new);
        return Err(e.into());
    }

    // From here on, no "Annuler": the replacement is one rename.
    progress.phase(Phase::UpdateReplace, 0);
    let previous = previous_path(program);
    keep_previous(program, &previous)?;
    let installed_at = Utc::now();
    let mut record = InstallRecord {
        from_version: program_version().to_owned(),
        from_schema: crate::store::SCHEMA_VERSION,
        to_version: release.version.clone(),
        to_schema: release.schema_version,
        program: program.clone(),
        previous: previous.clone(),
        installed_at,
        service_was_running,
        state: InstallState::Pending {
            deadline: installed_at
                + chrono::Duration::from_std(opts.health_timeout).unwrap_or_default(),
        },
    };
    record.save(home)?;
    crate::fsutil::rename_durable(&new, program).map_err(io_err(program))?;
    tracing::info!(
        from = %record.from_version,
        to = %record.to_version,
        program = %program.display(),
        "nouveau programme en place"
    );

    if !service_was_running {
        record.state = InstallState::Confirmed;
        record.save(home)?;
        return Ok(Installed {
            from_version: record.from_version,
            to_version: record.to_version,
            program: program.clone(),
            previous,
            service_restarted: false,
        });
    }

    progress.phase(Phase::UpdateServiceRestart, opts.health_timeout.as_secs());
    if wait_for_health(
        home,
        &record.to_version,
        installed_at,
        opts.health_timeout,
        progress,
    ) {
        record.state = InstallState::Confirmed;
        record.save(home)?;
        tracing::info!(version = %record.to_version, "gestionnaire de services revenu sur la nouvelle version");
        return Ok(Installed {
            from_version: record.from_version,
            to_version: record.to_version,
            program: program.clone(),
            previous,
            service_restarted: true,
        });
    }
    tracing::error!(version = %record.to_version, "le gestionnaire de services n'a pas redémarré : retour à la version précédente");
    progress.phase(Phase::UpdateRollback, 0);
    match put_back(home, &mut record, RollbackReason::ServiceDidNotStart) {
        Ok(_) => Err(InstallError::RolledBack {
            version: record.to_version,
            previous: record.from_version,
        }),
        Err(e) => Err(InstallError::RollbackFailed {
            version: record.to_version,
            detail: e.to_string(),
        }),
    }
}

/// Waits until the service wrote its health on `version` after `since`; gives
/// up at `timeout`, or once the service was gone for [`DEAD_AFTER`].
fn wait_for_health(
    home: &Home,
    version: &str,
    since: DateTime<Utc>,
    timeout: Duration,
    progress: &dyn Progress,
) -> bool {
    let started = Instant::now();
    let mut gone_since: Option<Instant> = None;
    loop {
        if Health::load(home).is_some_and(|h| h.version == version && h.at >= since) {
            return true;
        }
        if instance::is_running(home, instance::SERVICE) {
            gone_since = None;
        } else {
            let since = *gone_since.get_or_insert_with(Instant::now);
            if since.elapsed() >= DEAD_AFTER {
                return false;
            }
        }
        if started.elapsed() >= timeout {
            return false;
        }
        progress.advance(started.elapsed().as_secs());
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// "Revenir à la version précédente" (`update rollback`): puts the kept
/// previous binary back in place of the program.
pub fn rollback(home: &Home, progress: &dyn Progress) -> Result<RolledBack, InstallError> {
    let _lock = JobLock::acquire(home, JobKind::UpdateInstall)?;
    let mut record = InstallRecord::load(home).ok_or(InstallError::NothingToRollBack)?;
    if matches!(record.state, InstallState::RolledBack { .. }) || !record.previous.is_file() {
        return Err(InstallError::NothingToRollBack);
    }
    progress.phase(Phase::UpdateRollback, 0);
    put_back(home, &mut record, RollbackReason::Asked)
}

/// Puts the previous binary of `record` back, and starts the service again on
/// it when it ran before and is gone now.
fn put_back(
    home: &Home,
    record: &mut InstallRecord,
    reason: RollbackReason,
) -> Result<RolledBack, InstallError> {
    if let Some(store_schema) = store_schema(home)
        && store_schema > record.from_schema
    {
        return Err(InstallError::StoreAlreadyUpdated {
            store_schema,
            previous_schema: record.from_schema,
            previous: record.from_version.clone(),
        });
    }
    // The kept binary must still be whole and be the version it is said to be.
    match run_self_check(&record.previous) {
        Ok(answer) if answer.version == record.from_version => {}
        Ok(answer) => {
            return Err(InstallError::SelfCheckFailed {
                detail: format!("{} instead of {}", answer.version, record.from_version),
            });
        }
        Err(detail) => return Err(InstallError::SelfCheckFailed { detail }),
    }
    let program = record.program.clone();
    // A copy (hard link) of the kept binary is renamed over the program: the
    // previous binary stays kept, and the program is whole at every instant.
    let back = crate::fsutil::parent_dir(&program).join(".iea-maintenance.retour");
    let _ = std::fs::remove_file(&back);
    link_or_copy(&record.previous, &back)?;
    crate::fsutil::rename_durable(&back, &program).map_err(io_err(&program))?;
    record.state = InstallState::RolledBack {
        reason,
        at: Utc::now(),
    };
    record.save(home)?;
    tracing::warn!(
        from = %record.to_version,
        to = %record.from_version,
        ?reason,
        "version précédente remise en place"
    );
    // A service that runs restarts itself on the program it sees change; one
    // that is gone (the new version did not start) is started again.
    let mut service_started = false;
    if record.service_was_running && !instance::is_running(home, instance::SERVICE) {
        match start_service(&program) {
            Ok(()) => service_started = true,
            Err(e) => tracing::warn!(error = %e, "gestionnaire de services non relancé"),
        }
    }
    Ok(RolledBack {
        from_version: record.to_version.clone(),
        to_version: record.from_version.clone(),
        program,
        service_started,
    })
}

/// Settles an installation left waiting by an installer that stopped (a crash,
/// a power cut) once its deadline passed: confirmed when the service came back
/// on the new version, otherwise the previous binary is put back. Returns what
/// was done, for the user.
pub fn settle_pending(home: &Home) -> Option<Result<RolledBack, InstallError>> {
    let mut record = InstallRecord::load(home)?;
    let InstallState::Pending { deadline } = record.state else {
        return None;
    };
    if Utc::now() < deadline {
        return None;
    }
    let _lock = JobLock::acquire(home, JobKind::UpdateInstall).ok()?;
    if Health::load(home)
        .is_some_and(|h| h.version == record.to_version && h.at >= record.installed_at)
        || !record.service_was_running
    {
        record.state = InstallState::Confirmed;
        let _ = record.save(home);
        return None;
    }
    Some(put_back(
        home,
        &mut record,
        RollbackReason::ServiceDidNotStart,
    ))
}

/// The store's schema version, when the active store opens.
fn store_schema(home: &Home) -> Option<u32> {
    let config = crate::config::Config::load(home).ok()?;
    crate::store::Store::open_read_only(&config.paths.store)
        .ok()?
        .schema_version()
        .ok()
}

/// Starts the resident service on `program`, detached.
pub fn start_service(program: &Path) -> std::io::Result<()> {
    let mut child = Command::new(program)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    std::thread::Builder::new()
        .name("reap-service".into())
        .spawn(move || {
            let _ = child.wait();
        })
        .map(|_| ())
}

/// Unpacks the program's binary of the zip `package` to `to` (mode 0755),
/// flushed to disk. Only the entry named [`BINARY_NAME`] is read (at the top or
/// in one folder): no name of the package ever chooses where a file goes.
fn unpack(package: &Path, to: &Path) -> Result<(), InstallError> {
    let bad = |detail: String| InstallError::BadPackage { detail };
    let file = std::fs::File::open(package).map_err(io_err(package))?;
    let mut zip =
        zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| bad(e.to_string()))?;
    let name = zip
        .file_names()
        .filter_map(Result::ok)
        .map(std::borrow::Cow::into_owned)
        .find(|n| {
            let parts: Vec<&str> = n.split('/').collect();
            parts.last() == Some(&BINARY_NAME) && parts.len() <= 2
        })
        .ok_or_else(|| bad(format!("no entry {BINARY_NAME}")))?;
    let mut entry = zip.by_name(&name).map_err(|e| bad(e.to_string()))?;
    let _ = std::fs::remove_file(to);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o755);
    }
    let mut out = options.open(to).map_err(io_err(to))?;
    let copied = std::io::copy(&mut entry, &mut out);
    let synced = copied.and_then(|_| out.sync_all());
    drop(out);
    if let Err(e) = synced {
        let _ = std::fs::remove_file(to);
        return Err(match e.kind() {
            std::io::ErrorKind::InvalidData => bad(e.to_string()),
            _ => io_err(to)(e),
        });
    }
    crate::fsutil::sync_dir(crate::fsutil::parent_dir(to)).map_err(io_err(to))
}

/// Runs `binary update self-check` and reads its answer.
pub fn run_self_check(binary: &Path) -> Result<SelfCheck, String> {
    let mut child = Command::new(binary)
        .args(["update", "self-check"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("does not start: {e}"))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < SELF_CHECK_TIMEOUT => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("no answer within {SELF_CHECK_TIMEOUT:?}"));
            }
            Err(e) => return Err(e.to_string()),
        }
    };
    let mut out = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        let _ = stdout.read_to_string(&mut out);
    }
    if !status.success() {
        let mut err = String::new();
        if let Some(mut stderr) = child.stderr.take() {
            let _ = stderr.read_to_string(&mut err);
        }
        return Err(format!("{status}: {}", err.trim()));
    }
    serde_json::from_str(out.trim()).map_err(|e| format!("unreadable answer ({e}): {}", out.trim()))
}

/// Keeps the running program as `previous`: a hard link (or a copy where links
/// are not possible) made under a temporary name, then renamed into place.
fn keep_previous(program: &Path, previous: &Path) -> Result<(), InstallError> {
    let tmp = crate::fsutil::parent_dir(program).join(".iea-maintenance.precedent.tmp");
    let _ = std::fs::remove_file(&tmp);
    link_or_copy(program, &tmp)?;
    crate::fsutil::rename_durable(&tmp, previous).map_err(io_err(previous))
}

fn link_or_copy(from: &Path, to: &Path) -> Result<(), InstallError> {
    if std::fs::hard_link(from, to).is_err() {
        std::fs::copy(from, to).map_err(io_err(to))?;
        std::fs::File::open(to)
            .and_then(|f| f.sync_all())
            .map_err(io_err(to))?;
    }
    crate::fsutil::sync_dir(crate::fsutil::parent_dir(to)).map_err(io_err(to))
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> InstallError + '_ {
    move |source| InstallError::Io {
        path: path.to_path_buf(),
        source,
    }
}
