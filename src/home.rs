//! `IEA_HOME`: the one folder that holds everything the program keeps on a
//! workstation (config.toml, the default store, logs, locks, staging, state).
//!
//! Tests and simulated workstations each point `IEA_HOME` at their own folder, so
//! nothing here may reach outside the root it was given.

use std::path::{Path, PathBuf};

/// The environment variable that overrides the platform's data folder.
pub const HOME_ENV: &str = "IEA_HOME";

/// Errors met while locating or preparing `IEA_HOME`.
#[derive(Debug, thiserror::Error)]
pub enum HomeError {
    /// Neither `IEA_HOME` nor the platform's data folder could be determined.
    #[error("no data folder could be determined for this user")]
    NoDataFolder,
    /// A folder under the root could not be created.
    #[error("cannot create folder {path}: {source}")]
    CreateFolder {
        /// The folder that could not be created.
        path: PathBuf,
        /// The system error.
        source: std::io::Error,
    },
}

/// The root folder of an installation and the well-known places inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Home {
    root: PathBuf,
}

impl Home {
    /// `IEA_HOME` when set and not empty, else the platform's data folder
    /// (for example `~/.local/share/iea-maintenance` on Linux).
    pub fn from_env() -> Result<Self, HomeError> {
        if let Some(value) = std::env::var_os(HOME_ENV).filter(|v| !v.is_empty()) {
            return Ok(Self::at(PathBuf::from(value)));
        }
        let dirs = directories::ProjectDirs::from("fr", "Impact emploi", "iea-maintenance")
            .ok_or(HomeError::NoDataFolder)?;
        Ok(Self::at(dirs.data_dir().to_path_buf()))
    }

    /// A home rooted at `root` (made absolute against the current folder).
    pub fn at(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        let root = if root.is_absolute() {
            root
        } else {
            std::env::current_dir().map_or(root.clone(), |cwd| cwd.join(&root))
        };
        Self { root }
    }

    /// Creates the root and its standard sub-folders when missing.
    pub fn ensure(&self) -> Result<(), HomeError> {
        for dir in [
            self.root.clone(),
            self.logs_dir(),
            self.locks_dir(),
            self.staging_dir(),
        ] {
            std::fs::create_dir_all(&dir).map_err(|source| HomeError::CreateFolder {
                path: dir.clone(),
                source,
            })?;
        }
        Ok(())
    }

    /// The root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `config.toml`.
    pub fn config_file(&self) -> PathBuf {
        self.root.join("config.toml")
    }

    /// The default place of the payroll store.
    pub fn default_store_path(&self) -> PathBuf {
        self.root.join("donnees").join("impact-emploi.iea")
    }

    /// The default folder of log files.
    pub fn logs_dir(&self) -> PathBuf {
        self.root.join("logs")
    }

    /// Lock files of running jobs and processes.
    pub fn locks_dir(&self) -> PathBuf {
        self.root.join("locks")
    }

    /// The default staging folder (backups in preparation).
    pub fn staging_dir(&self) -> PathBuf {
        self.root.join("staging")
    }

    /// The service's last known state (connection, assistance), read by `status`.
    pub fn state_file(&self) -> PathBuf {
        self.root.join("state.json")
    }

    /// The local socket through which a second start talks to the running one.
    pub fn socket_path(&self, name: &str) -> PathBuf {
        self.locks_dir().join(format!("{name}.sock"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_live_under_the_root() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        home.ensure().expect("ensure");
        for p in [
            home.config_file(),
            home.default_store_path(),
            home.logs_dir(),
            home.locks_dir(),
            home.staging_dir(),
            home.state_file(),
        ] {
            assert!(
                p.starts_with(dir.path()),
                "{} outside the root",
                p.display()
            );
        }
        assert!(home.logs_dir().is_dir());
        assert!(home.staging_dir().is_dir());
    }

    #[test]
    fn relative_roots_are_made_absolute() {
        assert!(Home::at("relative/folder").root().is_absolute());
    }
}
