//! Restarting on a new binary. After an installation replaced the program's
//! file, the resident service (and an open centre) see it change — its
//! device and inode differ from the ones it started from — and start again on
//! it in place (`exec`): same process, the new program. Nobody has to quit the
//! service by hand before an update any more (seed 002).
//!
//! The service waits for a backup under way to end first (it holds the
//! backup lock until the new program takes over), so that no automatic backup
//! is cut in the middle.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::home::Home;
use crate::jobs::{JobKind, JobLock};
use crate::updates::install::{file_identity, program_path};

/// How long the service waits for a backup under way before it restarts.
const BACKUP_WAIT: Duration = Duration::from_mins(30);

/// The program's file as it was when the process started, to tell when an
/// installation replaced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramWatch {
    path: PathBuf,
    identity: Option<(u64, u64)>,
}

impl ProgramWatch {
    /// The running program's file, now.
    pub fn start() -> Option<Self> {
        let path = program_path()?;
        let identity = file_identity(&path);
        Some(Self { path, identity })
    }

    /// Whether another file now stands at the program's path (a whole binary:
    /// installations only ever rename one there).
    pub fn replaced(&self) -> bool {
        let now = file_identity(&self.path);
        now.is_some() && now != self.identity
    }

    /// The program's path.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

/// Starts the program at `path` again in place of this process, with `args`.
/// Returns only when that could not be done.
pub fn exec(path: &std::path::Path, args: &[String]) -> std::io::Error {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt as _;
        std::process::Command::new(path).args(args).exec()
    }
    #[cfg(not(unix))]
    {
        match std::process::Command::new(path).args(args).spawn() {
            Ok(_) => std::process::exit(0),
            Err(e) => e,
        }
    }
}

/// The service's restart: waits for a backup under way to end (holding its
/// lock so that none starts), then starts the new program in its place.
pub fn restart_service(home: &Home, watch: &ProgramWatch) -> std::io::Error {
    let started = Instant::now();
    let _backup = loop {
        match JobLock::acquire(home, JobKind::Backup) {
            Ok(lock) => break Some(lock),
            Err(_) if started.elapsed() < BACKUP_WAIT => {
                std::thread::sleep(Duration::from_secs(1));
            }
            Err(e) => {
                tracing::warn!(error = %e, "redémarrage sans attendre la fin de la sauvegarde");
                break None;
            }
        }
    };
    tracing::info!(program = %watch.path().display(), "nouveau programme installé : redémarrage du gestionnaire de services");
    exec(watch.path(), &[])
}
