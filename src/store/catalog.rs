//! The stores a workstation knows ("Changer de base de données"): listing them with
//! what can be read of each, switching the active store, creating a new empty store
//! and forgetting one from the list.
//!
//! Switching and creating are jobs of kind [`JobKind::StoreSwitch`]: they hold its
//! lock, so two of them never run at once, whether started from the centre or the
//! command line. Each reads `config.toml` from disk, changes it and saves it
//! atomically, and returns the configuration it wrote. A store that cannot be opened
//! is never made active, nothing is ever created at a path whose folder is missing,
//! and forgetting a store never touches its file.

use std::path::{Path, PathBuf};

use super::{Store, StoreError, size_on_disk};
use crate::config::{Config, ConfigError};
use crate::home::Home;
use crate::jobs::{JobError, JobKind, JobLock};

/// Who writes the audit lines of this module.
const AUDIT_ACTOR: &str = "centre de maintenance";

/// What could be read of a store that opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreFacts {
    /// Size on disk, WAL included.
    pub size_bytes: u64,
    /// `PRAGMA user_version`.
    pub schema_version: u32,
    /// Number of dossiers.
    pub dossiers: u64,
}

/// One store of the list, with the result of opening it.
#[derive(Debug)]
pub struct ProbedStore {
    /// The store's file.
    pub path: PathBuf,
    /// Whether it is the active store of the configuration.
    pub active: bool,
    /// Whether it is in the list of known stores (the active one may not be).
    pub known: bool,
    /// What could be read of it, or why it does not open.
    pub state: Result<StoreFacts, StoreError>,
}

/// Why a change of the list of stores failed.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// Another store change is running (lock held).
    #[error(transparent)]
    Job(#[from] JobError),
    /// The store could not be opened or created.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The configuration could not be read or saved.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The active store cannot be removed from the list.
    #[error("{path} is the active store")]
    ActiveStore {
        /// The store.
        path: PathBuf,
    },
}

/// The stores to show: the active one first, then the known ones in the order
/// they were added, each once.
pub fn candidates(config: &Config) -> Vec<PathBuf> {
    let mut out = vec![config.paths.store.clone()];
    for p in &config.paths.known_stores {
        if !out.contains(p) {
            out.push(p.clone());
        }
    }
    out
}

/// Opens `path` read-only (nothing is migrated or written) and reads its facts.
pub fn probe(path: &Path) -> Result<StoreFacts, StoreError> {
    let store = Store::open_read_only(path)?;
    let dossiers: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM dossiers", [], |r| r.get(0))
        .map_err(|e| store.err(e))?;
    Ok(StoreFacts {
        size_bytes: size_on_disk(path),
        schema_version: store.schema_version()?,
        dossiers: dossiers as u64,
    })
}

/// Probes every store of [`candidates`]. Slow stores (network shares) make this
/// slow: run it on a worker thread.
pub fn probe_all(config: &Config) -> Vec<ProbedStore> {
    candidates(config)
        .into_iter()
        .map(|path| ProbedStore {
            active: path == config.paths.store,
            known: config.paths.known_stores.contains(&path),
            state: probe(&path),
            path,
        })
        .collect()
}

/// Checks, before asking for confirmation, that a new store may be created at
/// `path`: its folder exists and no file is there yet. [`Store::create`] checks
/// again when it runs.
pub fn check_new_store_path(path: &Path) -> Result<(), StoreError> {
    Store::check_new_path(path)
}

/// Makes the existing store at `path` the active one: it must open (read-write,
/// its schema brought up to date) before the configuration is changed. Returns the
/// saved configuration.
pub fn switch_to(home: &Home, path: &Path) -> Result<Config, CatalogError> {
    let _lock = JobLock::acquire(home, JobKind::StoreSwitch)?;
    let store = Store::open(path)?;
    let config = Config::modify(home, |config| {
        config.set_active_store(path);
        Ok::<_, ConfigError>(config.clone())
    })?;
    // The switch is done once the configuration is saved; a failed audit line
    // must not undo it.
    if let Err(e) = store.audit(AUDIT_ACTOR, "store.activated", &path.to_string_lossy()) {
        tracing::warn!(error = %e, "ligne d'audit non écrite");
    }
    tracing::info!(store = %path.display(), "base de données active changée");
    Ok(config)
}

/// Creates a new empty store at `path` (its folder must exist, no file may be
/// there) and makes it the active one. Returns the saved configuration.
pub fn create_and_activate(home: &Home, path: &Path) -> Result<Config, CatalogError> {
    let _lock = JobLock::acquire(home, JobKind::StoreSwitch)?;
    // A configuration that cannot be read stops here, before a file is created.
    Config::load(home)?;
    let store = Store::create(path)?;
    let config = Config::modify(home, |config| {
        // Remember the previous store too, so that it stays one click away.
        let previous = config.paths.store.clone();
        config.remember_store(&previous);
        config.set_active_store(path);
        Ok::<_, ConfigError>(config.clone())
    })?;
    if let Err(e) = store.audit(AUDIT_ACTOR, "store.created", &path.to_string_lossy()) {
        tracing::warn!(error = %e, "ligne d'audit non écrite");
    }
    tracing::info!(store = %path.display(), "nouvelle base de données créée et activée");
    Ok(config)
}

/// Removes `path` from the known stores. The file itself is never touched. The
/// active store cannot be removed. Returns the saved configuration.
pub fn forget(home: &Home, path: &Path) -> Result<Config, CatalogError> {
    let _lock = JobLock::acquire(home, JobKind::StoreSwitch)?;
    let config = Config::modify(home, |config| {
        if config.paths.store == path {
            return Err(CatalogError::ActiveStore {
                path: path.to_path_buf(),
            });
        }
        config.paths.known_stores.retain(|p| p != path);
        Ok(config.clone())
    })?;
    tracing::info!(store = %path.display(), "base retirée de la liste");
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn home() -> (tempfile::TempDir, Home) {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        home.ensure().expect("ensure");
        (dir, home)
    }

    fn add_dossier(path: &Path, name: &str) {
        let store = Store::open(path).expect("open");
        store
            .connection()
            .execute(
                "INSERT INTO dossiers (name, state, created_at) VALUES (?1, 'production', '2024-01-01')",
                [name],
            )
            .expect("dossier");
    }

    #[test]
    fn candidates_put_the_active_store_first_once() {
        let (_d, home) = home();
        let mut c = Config::defaults(&home);
        let a = home.root().join("a.iea");
        let b = home.root().join("b.iea");
        c.remember_store(&a);
        c.remember_store(&b);
        c.set_active_store(&b);
        assert_eq!(candidates(&c), vec![b, a]);
    }

    #[test]
    fn probe_reads_facts_and_explains_failures() {
        let (_d, home) = home();
        let path = home.root().join("paie.iea");
        drop(Store::create(&path).expect("create"));
        add_dossier(&path, "Les Amis");
        add_dossier(&path, "Le Club");
        let facts = probe(&path).expect("probe");
        assert_eq!(facts.dossiers, 2);
        assert_eq!(facts.schema_version, crate::store::SCHEMA_VERSION);
        assert!(facts.size_bytes > 0);

        let foreign = home.root().join("autre.txt");
        std::fs::write(&foreign, b"pas une base").expect("write");
        assert!(matches!(
            probe(&foreign),
            Err(StoreError::NotADatabase { .. } | StoreError::NotAStore { .. })
        ));
        assert!(matches!(
            probe(&home.root().join("absente.iea")),
            Err(StoreError::FileNotFound { .. })
        ));
    }

    #[test]
    fn probe_all_marks_the_active_and_known_stores() {
        let (_d, home) = home();
        let active = home.root().join("active.iea");
        let other = home.root().join("autre.iea");
        drop(Store::create(&active).expect("create"));
        let mut c = Config::defaults(&home);
        c.set_active_store(&active);
        c.remember_store(&other);
        let probed = probe_all(&c);
        assert_eq!(probed.len(), 2);
        assert!(probed[0].active && probed[0].state.is_ok());
        assert!(!probed[1].active && probed[1].known);
        assert!(matches!(
            probed[1].state,
            Err(StoreError::FileNotFound { .. })
        ));
    }

    #[test]
    fn switching_to_a_foreign_file_changes_nothing() {
        let (_d, home) = home();
        let before = Config::defaults(&home);
        before.save(&home).expect("save");
        let text_before = std::fs::read_to_string(home.config_file()).expect("read");
        let foreign = home.root().join("photo.jpg");
        std::fs::write(&foreign, b"\xff\xd8\xff\xe0 pas une base").expect("write");
        let err = switch_to(&home, &foreign).expect_err("refused");
        assert!(matches!(
            err,
            CatalogError::Store(StoreError::NotADatabase { .. } | StoreError::NotAStore { .. })
        ));
        assert_eq!(
            std::fs::read_to_string(home.config_file()).expect("read"),
            text_before
        );
    }

    #[test]
    fn switching_to_a_good_store_saves_the_configuration() {
        let (_d, home) = home();
        let path = home.root().join("seconde.iea");
        drop(Store::create(&path).expect("create"));
        let saved = switch_to(&home, &path).expect("switch");
        assert_eq!(saved.paths.store, path);
        assert!(saved.paths.known_stores.contains(&path));
        assert_eq!(Config::load(&home).expect("load"), saved);
    }

    #[test]
    fn creating_refuses_a_missing_folder_and_an_existing_file() {
        let (_d, home) = home();
        let mistyped = home.root().join("dossier-mal-saisi").join("paie.iea");
        assert!(matches!(
            check_new_store_path(&mistyped),
            Err(StoreError::FolderNotFound { .. })
        ));
        assert!(matches!(
            create_and_activate(&home, &mistyped),
            Err(CatalogError::Store(StoreError::FolderNotFound { .. }))
        ));
        assert!(!mistyped.exists());
        assert!(!home.config_file().exists(), "nothing saved on failure");

        let existing = home.root().join("existe.iea");
        std::fs::write(&existing, b"x").expect("write");
        assert!(matches!(
            create_and_activate(&home, &existing),
            Err(CatalogError::Store(StoreError::AlreadyExists { .. }))
        ));
        assert_eq!(std::fs::read(&existing).expect("read"), b"x");
    }

    #[test]
    fn creating_activates_and_remembers_the_previous_store() {
        let (_d, home) = home();
        let previous = Config::defaults(&home).paths.store;
        let path = home.root().join("nouvelle.iea");
        check_new_store_path(&path).expect("free");
        let saved = create_and_activate(&home, &path).expect("create");
        assert_eq!(saved.paths.store, path);
        assert!(saved.paths.known_stores.contains(&previous));
        assert!(probe(&path).is_ok());
    }

    #[test]
    fn forgetting_keeps_the_file_and_refuses_the_active_store() {
        let (_d, home) = home();
        let kept = home.root().join("gardee.iea");
        drop(Store::create(&kept).expect("create"));
        let mut c = Config::defaults(&home);
        c.remember_store(&kept);
        c.save(&home).expect("save");
        let saved = forget(&home, &kept).expect("forget");
        assert!(!saved.paths.known_stores.contains(&kept));
        assert!(kept.exists(), "the file is never deleted");
        assert!(matches!(
            forget(&home, &saved.paths.store),
            Err(CatalogError::ActiveStore { .. })
        ));
    }

    #[test]
    fn a_second_switch_is_refused_while_one_runs() {
        let (_d, home) = home();
        let path = home.root().join("b.iea");
        drop(Store::create(&path).expect("create"));
        let _held = JobLock::acquire(&home, JobKind::StoreSwitch).expect("lock");
        assert!(matches!(
            switch_to(&home, &path),
            Err(CatalogError::Job(JobError::AlreadyRunning { .. }))
        ));
    }
}
