//! `iea-maintenance status`: what the installation is, in one object that scripts
//! and later checks rely on (`status --json`).

use std::path::PathBuf;

use serde::Serialize;

use crate::config::{Config, ConfigError};
use crate::home::Home;
use crate::service::persist::PersistedState;
use crate::service::state::ConnectionState;
use crate::store::{Store, StoreError};

/// The store part of the status.
#[derive(Debug, Serialize)]
pub struct StoreStatus {
    /// The active store.
    pub path: PathBuf,
    /// `PRAGMA user_version`, when the store opens.
    pub schema_version: Option<u32>,
    /// Size on disk (WAL included), 0 when missing.
    pub size_bytes: u64,
    /// Number of dossiers, when the store opens.
    pub dossiers: Option<u64>,
    /// Number of payslips, when the store opens.
    pub payslips: Option<u64>,
    /// Why the store cannot be opened (English technical text; `doctor` explains).
    pub error: Option<String>,
}

/// The whole status.
#[derive(Debug, Serialize)]
pub struct Status {
    /// Program version.
    pub version: &'static str,
    /// `IEA_HOME`.
    pub home: PathBuf,
    /// The configuration file.
    pub config: PathBuf,
    /// The store.
    pub store: StoreStatus,
    /// `connected`, `unreachable`, `auth_refused`, `licence_refused`,
    /// `licence_duplicate`, `assistance` or `unknown`.
    pub state: &'static str,
    /// Assistance mode on.
    pub assistance: bool,
    /// The last authentication's result, for the text of `status` (the tray's
    /// French line); `state` is its key in the JSON.
    #[serde(skip)]
    pub connection: ConnectionState,
}

/// Reads the status of the installation at `home`. The store is opened
/// read-only: asking for the status changes nothing.
pub fn collect(home: &Home) -> Result<(Status, Option<StoreError>), ConfigError> {
    let config = Config::load(home)?;
    let persisted = PersistedState::load(home);
    let path = config.paths.store.clone();
    let (store, error) = match Store::open_read_only(&path).and_then(|s| s.summary()) {
        Ok(summary) => (
            StoreStatus {
                path,
                schema_version: Some(summary.schema_version),
                size_bytes: summary.size_bytes,
                dossiers: Some(summary.dossiers.len() as u64),
                payslips: Some(summary.payslips),
                error: None,
            },
            None,
        ),
        Err(e) => (
            StoreStatus {
                size_bytes: crate::store::size_on_disk(&path),
                path,
                schema_version: None,
                dossiers: None,
                payslips: None,
                error: Some(e.to_string()),
            },
            Some(e),
        ),
    };
    let state = persisted.state_key();
    Ok((
        Status {
            version: crate::updates::program_version(),
            home: home.root().to_path_buf(),
            config: home.config_file(),
            store,
            state,
            assistance: persisted.assistance,
            connection: persisted.connection,
        },
        error,
    ))
}
