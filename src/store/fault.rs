//! A [`StoreError`] as a fact that can be kept, compared and said again later: in
//! the reason of a backup run (stored in the scripts file and the run journal), in
//! a diagnosis, in the tray's state. The same cases as the error, with the system
//! error classified instead of the `io::Error` or SQLite error it carried, and the
//! program's own message kept as text for the technical details. `messages` says
//! a fault in French; a live error is said through its fault, so the words are
//! the same either way.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::StoreError;
use crate::diagnostics::SystemError;

/// A store error, kept as facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreFault {
    /// What went wrong, with its parameters.
    #[serde(flatten)]
    pub kind: StoreFaultKind,
    /// The program's own message (in English), for the technical details.
    pub technical: String,
}

/// The cases of [`StoreError`], each with what its French needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", content = "params", rename_all = "snake_case")]
pub enum StoreFaultKind {
    /// [`StoreError::FolderNotFound`].
    FolderNotFound {
        /// The store's path.
        path: PathBuf,
        /// The first missing folder on the way.
        folder: PathBuf,
    },
    /// [`StoreError::FileNotFound`].
    FileNotFound {
        /// The store's path.
        path: PathBuf,
    },
    /// [`StoreError::NotAFile`].
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// [`StoreError::PermissionDenied`].
    PermissionDenied {
        /// The path.
        path: PathBuf,
    },
    /// [`StoreError::Locked`].
    Locked {
        /// The store.
        path: PathBuf,
    },
    /// [`StoreError::NotADatabase`].
    NotADatabase {
        /// The file.
        path: PathBuf,
    },
    /// [`StoreError::NotAStore`].
    NotAStore {
        /// The file.
        path: PathBuf,
    },
    /// [`StoreError::Corrupt`].
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What SQLite reported.
        detail: String,
    },
    /// [`StoreError::TooNew`].
    TooNew {
        /// The store.
        path: PathBuf,
        /// Its schema version.
        found: u32,
        /// The newest this program knows.
        supported: u32,
    },
    /// [`StoreError::NeedsUpdate`].
    NeedsUpdate {
        /// The store.
        path: PathBuf,
        /// Its schema version.
        found: u32,
        /// The version this program writes.
        supported: u32,
    },
    /// [`StoreError::AlreadyExists`].
    AlreadyExists {
        /// The path.
        path: PathBuf,
    },
    /// [`StoreError::DiskFull`].
    DiskFull {
        /// The store.
        path: PathBuf,
    },
    /// [`StoreError::ClosedExercise`].
    ClosedExercise {
        /// The store.
        path: PathBuf,
    },
    /// [`StoreError::ClosingInProgress`].
    ClosingInProgress {
        /// The store.
        path: PathBuf,
        /// The computer running the closing.
        host: String,
        /// When it started (RFC 3339).
        started_at: String,
    },
    /// [`StoreError::Sqlite`]: the SQLite error is in the technical message.
    Sqlite {
        /// The store.
        path: PathBuf,
    },
    /// [`StoreError::Io`].
    Io {
        /// The path.
        path: PathBuf,
        /// The system error, classified.
        system: SystemError,
    },
}

impl StoreFaultKind {
    /// The store path the fault is about.
    pub fn path(&self) -> &Path {
        match self {
            Self::FolderNotFound { path, .. }
            | Self::FileNotFound { path }
            | Self::NotAFile { path }
            | Self::PermissionDenied { path }
            | Self::Locked { path }
            | Self::NotADatabase { path }
            | Self::NotAStore { path }
            | Self::Corrupt { path, .. }
            | Self::TooNew { path, .. }
            | Self::NeedsUpdate { path, .. }
            | Self::AlreadyExists { path }
            | Self::DiskFull { path }
            | Self::ClosedExercise { path }
            | Self::ClosingInProgress { path, .. }
            | Self::Sqlite { path }
            | Self::Io { path, .. } => path,
        }
    }
}

impl From<&StoreError> for StoreFault {
    fn from(e: &StoreError) -> Self {
        use StoreFaultKind as K;
        let kind = match e {
            StoreError::FolderNotFound { path, folder } => K::FolderNotFound {
                path: path.clone(),
                folder: folder.clone(),
            },
            StoreError::FileNotFound { path } => K::FileNotFound { path: path.clone() },
            StoreError::NotAFile { path } => K::NotAFile { path: path.clone() },
            StoreError::PermissionDenied { path } => K::PermissionDenied { path: path.clone() },
            StoreError::Locked { path } => K::Locked { path: path.clone() },
            StoreError::NotADatabase { path } => K::NotADatabase { path: path.clone() },
            StoreError::NotAStore { path } => K::NotAStore { path: path.clone() },
            StoreError::Corrupt { path, detail } => K::Corrupt {
                path: path.clone(),
                detail: detail.clone(),
            },
            StoreError::TooNew {
                path,
                found,
                supported,
            } => K::TooNew {
                path: path.clone(),
                found: *found,
                supported: *supported,
            },
            StoreError::NeedsUpdate {
                path,
                found,
                supported,
            } => K::NeedsUpdate {
                path: path.clone(),
                found: *found,
                supported: *supported,
            },
            StoreError::AlreadyExists { path } => K::AlreadyExists { path: path.clone() },
            StoreError::DiskFull { path } => K::DiskFull { path: path.clone() },
            StoreError::ClosedExercise { path } => K::ClosedExercise { path: path.clone() },
            StoreError::ClosingInProgress {
                path,
                host,
                started_at,
            } => K::ClosingInProgress {
                path: path.clone(),
                host: host.clone(),
                started_at: started_at.clone(),
            },
            StoreError::Sqlite { path, .. } => K::Sqlite { path: path.clone() },
            StoreError::Io { path, source } => K::Io {
                path: path.clone(),
                system: SystemError::of(source),
            },
        };
        Self {
            kind,
            technical: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_keeps_the_case_the_path_and_the_technical_message() {
        let e = StoreError::Io {
            path: PathBuf::from("/srv/paie/base.iea"),
            source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        };
        let fault = StoreFault::from(&e);
        assert_eq!(
            fault.kind,
            StoreFaultKind::Io {
                path: PathBuf::from("/srv/paie/base.iea"),
                system: SystemError::PermissionDenied,
            }
        );
        assert_eq!(fault.kind.path(), e.path());
        assert_eq!(fault.technical, e.to_string());
        let json = serde_json::to_string(&fault).expect("json");
        assert!(json.contains(r#""code":"io""#), "{json}");
        assert_eq!(
            serde_json::from_str::<StoreFault>(&json).expect("back"),
            fault
        );
    }
}
