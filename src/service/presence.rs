//! The resident service's sign of life beside the store it serves, so that a
//! workstation can tell which others still run their service manager (seed 004:
//! « fermer sur les autres postes Impact emploi ET le gestionnaire de
//! services »).
//!
//! Every workstation's service writes, every [`PERIOD`], a small file named
//! after its workstation id in a hidden folder beside the active store
//! (`.impact-emploi.iea.postes/<id>.json`): on a network share every
//! workstation sees the others'. A file older than [`TIMEOUT`] was left by a
//! service that stopped without saying so (a crash, a cut network). The service
//! removes its own file when it quits.
//!
//! The sign is a file rather than a row of the store on purpose: a store that
//! changed every minute by the mere presence of a program would never have a
//! backup "newer than the last change", and every archive made for a transfer
//! would be out of date before it is sent.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::fsutil;

/// How often a running service renews its sign of life.
pub const PERIOD: Duration = Duration::from_secs(30);

/// A sign of life older than this is a service that no longer runs (four
/// periods: a busy computer may be late once or twice).
pub const TIMEOUT: chrono::Duration = chrono::Duration::minutes(2);

/// What one service says of itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presence {
    /// Its workstation.
    pub workstation_id: uuid::Uuid,
    /// The workstation's host name.
    pub hostname: String,
    /// Its process on that workstation.
    pub pid: u32,
    /// Its program's version.
    pub version: String,
    /// When it last renewed the file.
    pub heartbeat_at: DateTime<Utc>,
}

/// A service found beside a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSeen {
    /// What its file says.
    pub presence: Presence,
    /// Whether its sign of life is recent enough at the time asked.
    pub running: bool,
}

/// The folder of the signs of life of the services of `store`.
pub fn folder(store: &Path) -> PathBuf {
    let name = store
        .file_name()
        .map_or_else(|| "base".into(), |n| n.to_string_lossy().into_owned());
    fsutil::parent_dir(store).join(format!(".{name}.postes"))
}

fn file_of(store: &Path, workstation_id: uuid::Uuid) -> PathBuf {
    folder(store).join(format!("{workstation_id}.json"))
}

/// Writes (atomically) the sign of life of this service beside `store`.
pub fn announce(store: &Path, presence: &Presence) -> io::Result<()> {
    crate::fsutil::debug_assert_not_ui_thread("presence::announce");
    std::fs::create_dir_all(folder(store))?;
    let text = serde_json::to_vec_pretty(presence).map_err(io::Error::other)?;
    fsutil::write_atomic(&file_of(store, presence.workstation_id), &text)
}

/// Removes the sign of life of `workstation_id` beside `store` (the service
/// quits). A file already gone is fine.
pub fn withdraw(store: &Path, workstation_id: uuid::Uuid) -> io::Result<()> {
    match std::fs::remove_file(file_of(store, workstation_id)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// The services that left a sign of life beside `store`, oldest first, each
/// said running or not at `now`. Files that cannot be read as a sign of life
/// (another program's, half-copied) are skipped; no folder is no service.
pub fn services(store: &Path, now: DateTime<Utc>) -> io::Result<Vec<ServiceSeen>> {
    crate::fsutil::debug_assert_not_ui_thread("presence::services");
    let entries = match std::fs::read_dir(folder(store)) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut seen = Vec::new();
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let Ok(presence) = serde_json::from_slice::<Presence>(&bytes) else {
            continue;
        };
        let running = now.signed_duration_since(presence.heartbeat_at) <= TIMEOUT;
        seen.push(ServiceSeen { presence, running });
    }
    seen.sort_by_key(|s| s.presence.heartbeat_at);
    Ok(seen)
}

/// Renews the sign of life of this workstation's service beside the active
/// store of `home`, and returns that store and the workstation (for
/// [`withdraw`] when the service quits). `None` when the configuration or the
/// identity cannot be read, or the file cannot be written (a read-only share):
/// a sign of life is a courtesy to the other workstations, never a reason to
/// stop.
pub fn renew(home: &crate::home::Home) -> Option<(PathBuf, uuid::Uuid)> {
    let config = crate::config::Config::load(home).ok()?;
    let installation = crate::installation::Installation::load(home).ok()??;
    let store = config.paths.store;
    match announce(&store, &of_this_service(installation.workstation_id)) {
        Ok(()) => Some((store, installation.workstation_id)),
        Err(e) => {
            tracing::debug!(error = %e, store = %store.display(), "signe de vie non écrit");
            None
        }
    }
}

/// This service's sign of life now: the workstation `workstation_id`, this
/// process.
pub fn of_this_service(workstation_id: uuid::Uuid) -> Presence {
    Presence {
        workstation_id,
        hostname: crate::installation::hostname(),
        pid: std::process::id(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        heartbeat_at: Utc::now(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn presence(id: u128, at: DateTime<Utc>) -> Presence {
        Presence {
            workstation_id: uuid::Uuid::from_u128(id),
            hostname: format!("POSTE-{id}"),
            pid: 42,
            version: "3.1.0".into(),
            heartbeat_at: at,
        }
    }

    #[test]
    fn a_recent_sign_is_running_an_old_one_is_not_and_withdrawn_is_gone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = dir.path().join("paie.iea");
        let now = Utc::now();
        assert!(services(&store, now).expect("none").is_empty());
        announce(&store, &presence(1, now - chrono::Duration::seconds(20))).expect("one");
        announce(&store, &presence(2, now - chrono::Duration::hours(3))).expect("two");
        std::fs::write(folder(&store).join("autre.json"), "pas un signe").expect("junk");
        let seen = services(&store, now).expect("services");
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].presence.hostname, "POSTE-2");
        assert!(!seen[0].running, "three hours without a sign");
        assert!(seen[1].running);
        withdraw(&store, uuid::Uuid::from_u128(1)).expect("withdraw");
        withdraw(&store, uuid::Uuid::from_u128(1)).expect("twice is fine");
        assert_eq!(services(&store, now).expect("services").len(), 1);
        assert!(folder(&store).ends_with(".paie.iea.postes"));
    }
}
