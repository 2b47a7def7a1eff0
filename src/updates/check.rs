//! The resident service's look for new versions: once a day it fetches the
//! manifest (refusing it as "Actualiser" does), and announces each new version
//! once. Nothing is ever downloaded or installed without a person's click.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::UpdateDirs;
use super::manifest::{self, Release};
use crate::home::Home;

/// How often the manifest is fetched.
pub const CHECK_EVERY: Duration = Duration::hours(24);

/// How soon a failed check is tried again.
pub const RETRY_AFTER_FAILURE: Duration = Duration::hours(1);

/// What the service remembers of its checks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct CheckRecord {
    /// The last successful check.
    last_check: Option<DateTime<Utc>>,
    /// The last failed one.
    last_failure: Option<DateTime<Utc>>,
    /// The versions already announced.
    announced: Vec<String>,
}

impl CheckRecord {
    fn load(home: &Home) -> Self {
        std::fs::read(UpdateDirs::of(home).check_file())
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    fn save(&self, home: &Home) {
        let dirs = UpdateDirs::of(home);
        let saved = std::fs::create_dir_all(dirs.root()).and_then(|()| {
            let bytes = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
            crate::fsutil::write_atomic(&dirs.check_file(), &bytes)
        });
        if let Err(e) = saved {
            tracing::warn!(error = %e, "vérification des mises à jour non enregistrée");
        }
    }
}

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckOutcome {
    /// Not time yet.
    NotDue,
    /// Nothing newer than the running version, or nothing not announced yet.
    NothingNew,
    /// A newer version, announced now for the first time.
    NewVersion(Box<Release>),
    /// The manifest could not be had or was refused (said in the log).
    Failed(String),
}

/// Checks when a day has passed since the last check (an hour after a failed
/// one), at `now`.
pub fn check_if_due(home: &Home, now: DateTime<Utc>) -> CheckOutcome {
    let mut record = CheckRecord::load(home);
    let due = record.last_check.is_none_or(|t| now - t >= CHECK_EVERY)
        && record
            .last_failure
            .is_none_or(|t| now - t >= RETRY_AFTER_FAILURE);
    if !due {
        return CheckOutcome::NotDue;
    }
    match manifest::refresh(home, now) {
        Ok(accepted) => {
            record.last_check = Some(now);
            record.last_failure = None;
            let outcome = match accepted.manifest.newest() {
                Some(release) if !record.announced.contains(&release.version) => {
                    record.announced.push(release.version.clone());
                    tracing::info!(version = %release.version, "nouvelle version disponible");
                    CheckOutcome::NewVersion(Box::new(release.clone()))
                }
                _ => CheckOutcome::NothingNew,
            };
            record.save(home);
            outcome
        }
        Err(e) => {
            tracing::warn!(error = %e, "vérification des mises à jour impossible");
            record.last_failure = Some(now);
            record.save(home);
            CheckOutcome::Failed(e.to_string())
        }
    }
}
