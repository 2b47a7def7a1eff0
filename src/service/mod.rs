//! The resident service: its state machine, its persisted state and its run loop.

pub mod actions;
pub mod auth_loop;
pub mod notify;
pub mod persist;
pub mod presence;
pub mod restart;
pub mod scheduler;
pub mod state;
pub mod update_check;

/// The environment the resident service runs with: GTK's OpenGL off. GTK 3 opens
/// a GLX context for its windows as soon as the menu is shown, which loads Mesa
/// (libGL, its LLVM and software rasteriser) into the process and doubled the
/// service's memory for the rest of the day; the tray's icon and menu never
/// draw with OpenGL. Set before GTK starts, by the service re-executing itself
/// (`cli::service`), since a running program cannot safely change its own
/// environment.
pub const GL_OFF: (&str, &str) = ("GDK_GL", "disable");

/// The centre's screens the service opens, by their `--screen` names. The service
/// names them without the GUI (it never links the centre's code); a test in
/// `ui` checks that every name here opens a screen.
pub mod screens {
    /// "Accueil".
    pub const ACCUEIL: &str = "accueil";
    /// "Paramètres de connexion".
    pub const CONNEXION: &str = "connexion";
    /// "Configurer les chemins de l'application".
    pub const CHEMINS: &str = "chemins";
    /// "Demande d'assistance à distance".
    pub const SUPPORT: &str = "support";
    /// "Mode assistance".
    pub const ASSISTANCE: &str = "assistance";
    /// "Changer de base de données".
    pub const BASE: &str = "base";
    /// "À propos du Tiers de confiance".
    pub const A_PROPOS: &str = "a-propos";
    /// "Sauvegarder / Restaurer".
    pub const SAUVEGARDES: &str = "sauvegardes";
    /// "Comptes utilisateurs".
    pub const COMPTES: &str = "comptes";
    /// "Gestionnaire de licences".
    pub const LICENCES: &str = "licences";

    /// "Gérer les mises à jour".
    pub const MISES_A_JOUR: &str = "mises-a-jour";

    /// Every screen the service may open.
    pub const ALL: [&str; 11] = [
        ACCUEIL,
        CONNEXION,
        CHEMINS,
        SUPPORT,
        ASSISTANCE,
        BASE,
        A_PROPOS,
        SAUVEGARDES,
        COMPTES,
        LICENCES,
        MISES_A_JOUR,
    ];
}

use crate::config::Config;
use crate::home::Home;
use crate::store::Store;
use persist::PersistedState;
use state::{BackupAlarm, ServiceInputs, StoreAlarm};

/// Reads what the tray depends on now: the persisted connection state and
/// assistance mode, and whether the active store opens. Cheap enough to call every
/// few seconds: the store is only opened, never scanned.
pub fn current_inputs(home: &Home) -> ServiceInputs {
    let persisted = PersistedState::load(home);
    let store_problem = match Config::load(home) {
        Err(_) => Some(StoreAlarm::ConfigUnreadable),
        Ok(config) => Store::open_read_only(&config.paths.store)
            .err()
            .map(|e| StoreAlarm::DoesNotOpen { fault: e.fault() }),
    };
    let backup_warnings = match crate::backup::book::ScriptBook::load(home) {
        Ok(book) => crate::backup::run::late_scripts(&book, &chrono::Local::now())
            .into_iter()
            .map(BackupAlarm::Late)
            .collect(),
        Err(_) => vec![BackupAlarm::ScriptsUnreadable],
    };
    ServiceInputs {
        connection: persisted.connection,
        assistance: persisted.assistance,
        store_problem,
        backup_warnings,
    }
}

/// Tells when anything the tray depends on may have changed, by the size and
/// modification time of the files behind it (config, state, store and its WAL).
/// Looking at file metadata costs next to nothing; the store is opened only when
/// something moved.
#[derive(Debug, Default)]
pub struct ChangeWatch {
    last: Option<Vec<FileStamp>>,
}

/// A file and, when it exists, its modification time and size.
type FileStamp = (std::path::PathBuf, Option<(std::time::SystemTime, u64)>);

impl ChangeWatch {
    /// Whether something changed since the last call (true on the first call).
    pub fn changed(&mut self, home: &Home) -> bool {
        let store =
            Config::load(home).map_or_else(|_| home.default_store_path(), |c| c.paths.store);
        let mut wal = store.clone().into_os_string();
        wal.push("-wal");
        let scripts = home.root().join(crate::backup::book::SCRIPTS_FILE);
        let now: Vec<_> = [
            home.config_file(),
            home.state_file(),
            scripts,
            store,
            wal.into(),
        ]
        .into_iter()
        .map(|p| {
            let stamp = std::fs::metadata(&p)
                .ok()
                .and_then(|m| Some((m.modified().ok()?, m.len())));
            (p, stamp)
        })
        .collect();
        // Backups fall behind with time alone: look again every ten minutes even
        // when no file moved.
        let minutes = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() / 600);
        let mut now = now;
        now.push((
            std::path::PathBuf::from("(horloge)"),
            Some((std::time::UNIX_EPOCH, minutes)),
        ));
        let changed = self.last.as_ref() != Some(&now);
        self.last = Some(now);
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_watch_sees_state_and_store_changes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        let mut watch = ChangeWatch::default();
        assert!(watch.changed(&home));
        assert!(!watch.changed(&home));
        let mut state = PersistedState {
            assistance: true,
            ..PersistedState::default()
        };
        state.save(&home).expect("save");
        assert!(watch.changed(&home));
        assert!(!watch.changed(&home));
        std::fs::create_dir_all(home.default_store_path().parent().expect("parent")).expect("dir");
        drop(Store::create(&home.default_store_path()).expect("create"));
        assert!(watch.changed(&home));
        assert!(current_inputs(&home).store_problem.is_none());
        assert!(current_inputs(&home).assistance);
    }
}
