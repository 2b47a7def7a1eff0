//! The resident service: its state machine, its persisted state and its run loop.

pub mod persist;
pub mod state;
pub mod actions;

use crate::config::Config;
use crate::home::Home;
use crate::store::Store;
use persist::PersistedState;
use state::ServiceInputs;

/// Reads what the tray depends on now: the persisted connection state and
/// assistance mode, and whether the active store opens. Cheap enough to call every
/// few seconds: the store is only opened, never scanned.
pub fn current_inputs(home: &Home) -> ServiceInputs {
    let persisted = PersistedState::load(home);
    let store_problem = match Config::load(home) {
        Err(_) => Some("configuration illisible".to_owned()),
        Ok(config) => Store::open_read_only(&config.paths.store)
            .err()
            .map(|e| short_store_problem(&e).to_owned()),
    };
    ServiceInputs {
        connection: persisted.connection,
        assistance: persisted.assistance,
        store_problem,
        backup_warnings: Vec::new(),
    }
}

/// A few words for the tray's status line; the centre gives the full explanation.
fn short_store_problem(e: &crate::store::StoreError) -> &'static str {
    use crate::store::StoreError as E;
    match e {
        E::FolderNotFound { .. } => "chemin introuvable",
        E::FileNotFound { .. } => "fichier introuvable",
        E::NotAFile { .. } | E::NotADatabase { .. } | E::NotAStore { .. } => {
            "fichier non reconnu"
        }
        E::PermissionDenied { .. } => "accès refusé",
        E::Locked { .. } => "base verrouillée",
        E::Corrupt { .. } => "base endommagée",
        E::TooNew { .. } => "base plus récente que le programme",
        E::AlreadyExists { .. } | E::DiskFull { .. } | E::Sqlite { .. } | E::Io { .. } => {
            "erreur d'accès"
        }
    }
}
