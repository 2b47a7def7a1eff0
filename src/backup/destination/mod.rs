//! The places backups go, behind one small interface: put a verified archive
//! under a temporary name, check what arrived, give it its final name; list,
//! fetch and remove the archives of a script. A folder ([`folder`]), a removable
//! disk found by its identity wherever it is mounted ([`removable`]), an FTP site
//! ([`ftp`]).
//!
//! Every operation has a bounded duration (FTP has timeouts; a folder on an
//! unreachable share is the system's business) and fails with a typed
//! [`DestinationError`] that `messages` explains: "Emplacement indisponible"
//! and its causes, a full disk, a refused login, a copy that does not match.

pub mod folder;
pub mod ftp;
pub mod removable;

use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::script::Destination;
use crate::config::ConnectionSettings;
use crate::diagnostics::SystemError;
use crate::secrets::SecretKey;

/// The ending of every backup archive's name.
pub const ARCHIVE_SUFFIX: &str = ".iea.zip";

/// The prefix of names being written (never listed as backups).
pub const PARTIAL_PREFIX: &str = ".en-cours-";

/// An archive found at a destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBackup {
    /// The file name, `<script>-<AAAAMMJJ-HHMMSS>.iea.zip`.
    pub name: String,
    /// Its size in bytes.
    pub size_bytes: u64,
    /// The local time in its name.
    pub taken_at: NaiveDateTime,
}

/// The name of the archive of `script` taken at `at` (local time).
pub fn archive_name(script: &str, at: NaiveDateTime) -> String {
    format!("{script}-{}{ARCHIVE_SUFFIX}", at.format("%Y%m%d-%H%M%S"))
}

/// The time in `name` when it is an archive name of `script`, else `None`
/// (partial files, other scripts' archives whose names start alike, strangers).
pub fn parse_archive_name(script: &str, name: &str) -> Option<NaiveDateTime> {
    let rest = name.strip_prefix(script)?.strip_prefix('-')?;
    let stamp = rest.strip_suffix(ARCHIVE_SUFFIX)?;
    if stamp.len() != 15 {
        return None;
    }
    NaiveDateTime::parse_from_str(stamp, "%Y%m%d-%H%M%S").ok()
}

/// Why a destination could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DestinationError {
    /// "Emplacement indisponible": the folder is missing (renamed, moved, share
    /// unreachable) — `what` is the folder as the user knows it.
    #[error("location unavailable: {what}")]
    Missing {
        /// The folder or site, as shown to users.
        what: String,
    },
    /// The removable disk is not plugged in (no mounted volume carries its marker).
    #[error("removable volume {label} not found")]
    VolumeAbsent {
        /// The volume's label.
        label: String,
    },
    /// No right to write or read there.
    #[error("permission denied at {what}")]
    PermissionDenied {
        /// The folder or site.
        what: String,
    },
    /// The destination is full (ENOSPC / quota / FTP 452 or 552).
    #[error("no space left at {what}")]
    Full {
        /// The folder or site.
        what: String,
    },
    /// The file read back differs from the one sent (size or SHA-256).
    #[error("copy at {what} does not match: {detail}")]
    Mismatch {
        /// The folder or site.
        what: String,
        /// Which check failed (sizes, hashes).
        detail: String,
    },
    /// FTP: the host could not be resolved, reached, or did not answer in time.
    #[error("ftp server {host}:{port} unreachable: {cause}")]
    Unreachable {
        /// Host.
        host: String,
        /// Port.
        port: u16,
        /// How it failed.
        cause: SiteUnreachable,
    },
    /// FTP: the user name or password was refused (530).
    #[error("ftp login refused for {user}")]
    LoginRefused {
        /// The user.
        user: String,
    },
    /// FTP: TLS could not be set up (certificate not recognised, expired, for
    /// another name, or the server does not offer TLS).
    #[error("ftp tls failure: {detail}")]
    Tls {
        /// What failed.
        detail: String,
    },
    /// FTP: an answer the protocol does not allow at that point.
    #[error("ftp protocol error: {detail}")]
    Protocol {
        /// The server's reply or what was wrong.
        detail: String,
    },
    /// The stored password cannot be decrypted (key changed).
    #[error("stored password unreadable")]
    Secret,
    /// Any other input/output error, with where it happened.
    #[error("i/o error at {what}: {source}")]
    Io {
        /// The file or folder.
        what: String,
        /// The system error.
        source: std::io::Error,
    },
    /// The work was cancelled.
    #[error("cancelled")]
    Cancelled,
}

/// How an FTP site could not be reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", content = "params", rename_all = "snake_case")]
pub enum SiteUnreachable {
    /// The host name does not resolve.
    UnknownHost,
    /// No answer within the time limits.
    NoAnswer,
    /// Nothing accepts connections on that port.
    Refused,
    /// The server cut the connection.
    Dropped,
    /// 421: the service is not available.
    ServiceUnavailable {
        /// The server's reply.
        reply: String,
    },
    /// 425: the data connection could not be opened.
    NoDataConnection {
        /// The server's reply.
        reply: String,
    },
    /// 426: the transfer was aborted.
    TransferAborted {
        /// The server's reply.
        reply: String,
    },
    /// Another system error.
    System {
        /// The system's words.
        detail: String,
    },
}

impl std::fmt::Display for SiteUnreachable {
    /// The technical words (in English, as the other technical messages).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownHost => f.write_str("host name not found"),
            Self::NoAnswer => f.write_str("no answer in time"),
            Self::Refused => f.write_str("connection refused"),
            Self::Dropped => f.write_str("connection dropped by the server"),
            Self::ServiceUnavailable { reply } => write!(f, "service unavailable ({reply})"),
            Self::NoDataConnection { reply } => write!(f, "no data connection ({reply})"),
            Self::TransferAborted { reply } => write!(f, "transfer aborted ({reply})"),
            Self::System { detail } => f.write_str(detail),
        }
    }
}

impl DestinationError {
    /// Whether this is "Emplacement indisponible" (the destination may come back:
    /// the verified archive waits in staging).
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            Self::Missing { .. }
                | Self::VolumeAbsent { .. }
                | Self::PermissionDenied { .. }
                | Self::Full { .. }
                | Self::Unreachable { .. }
        )
    }
}

impl DestinationError {
    /// The error as a fact that can be kept and said again later.
    pub fn fault(&self) -> DestinationFault {
        use DestinationFaultKind as K;
        let kind = match self {
            Self::Missing { what } => K::Missing { what: what.clone() },
            Self::VolumeAbsent { label } => K::VolumeAbsent {
                label: label.clone(),
            },
            Self::PermissionDenied { what } => K::PermissionDenied { what: what.clone() },
            Self::Full { what } => K::Full { what: what.clone() },
            Self::Mismatch { what, detail } => K::Mismatch {
                what: what.clone(),
                detail: detail.clone(),
            },
            Self::Unreachable { host, port, cause } => K::Unreachable {
                host: host.clone(),
                port: *port,
                cause: cause.clone(),
            },
            Self::LoginRefused { user } => K::LoginRefused { user: user.clone() },
            Self::Tls { detail } => K::Tls {
                detail: detail.clone(),
            },
            Self::Protocol { detail } => K::Protocol {
                detail: detail.clone(),
            },
            Self::Secret => K::Secret,
            Self::Io { what, source } => K::Io {
                what: what.clone(),
                system: SystemError::of(source),
            },
            Self::Cancelled => K::Cancelled,
        };
        DestinationFault {
            kind,
            technical: self.to_string(),
        }
    }
}

/// A [`DestinationError`] kept as facts (in a backup run's reason and warnings, a
/// verification's result): the same cases with the system error classified, and
/// the program's own message as text for the technical details. It carries no
/// password, as the error carries none. `messages` says it in French.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DestinationFault {
    /// What went wrong, with its parameters.
    #[serde(flatten)]
    pub kind: DestinationFaultKind,
    /// The program's own message (in English), for the technical details.
    pub technical: String,
}

/// The cases of [`DestinationError`], each with what its French needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", content = "params", rename_all = "snake_case")]
pub enum DestinationFaultKind {
    /// [`DestinationError::Missing`].
    Missing {
        /// The folder or site, as shown to users.
        what: String,
    },
    /// [`DestinationError::VolumeAbsent`].
    VolumeAbsent {
        /// The volume's label.
        label: String,
    },
    /// [`DestinationError::PermissionDenied`].
    PermissionDenied {
        /// The folder or site.
        what: String,
    },
    /// [`DestinationError::Full`].
    Full {
        /// The folder or site.
        what: String,
    },
    /// [`DestinationError::Mismatch`].
    Mismatch {
        /// The folder or site.
        what: String,
        /// Which check failed.
        detail: String,
    },
    /// [`DestinationError::Unreachable`].
    Unreachable {
        /// Host.
        host: String,
        /// Port.
        port: u16,
        /// How it failed.
        cause: SiteUnreachable,
    },
    /// [`DestinationError::LoginRefused`].
    LoginRefused {
        /// The user.
        user: String,
    },
    /// [`DestinationError::Tls`].
    Tls {
        /// What failed.
        detail: String,
    },
    /// [`DestinationError::Protocol`].
    Protocol {
        /// The server's reply or what was wrong.
        detail: String,
    },
    /// [`DestinationError::Secret`].
    Secret,
    /// [`DestinationError::Io`].
    Io {
        /// The file or folder.
        what: String,
        /// The system error, classified.
        system: SystemError,
    },
    /// [`DestinationError::Cancelled`].
    Cancelled,
}

impl DestinationFaultKind {
    /// Whether this is "Emplacement indisponible" (see
    /// [`DestinationError::is_unavailable`]).
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            Self::Missing { .. }
                | Self::VolumeAbsent { .. }
                | Self::PermissionDenied { .. }
                | Self::Full { .. }
                | Self::Unreachable { .. }
        )
    }
}

/// Where a script's backups go, as users know it (`messages::place` says it on
/// one line). Never holds a password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", content = "params", rename_all = "snake_case")]
pub enum Place {
    /// A folder.
    Folder {
        /// The folder.
        path: PathBuf,
    },
    /// A removable disk, as the script names it.
    Removable {
        /// The volume's label.
        label: String,
        /// The backup folder on the volume (empty for its root).
        folder: PathBuf,
    },
    /// A removable disk, found plugged in.
    RemovableFound {
        /// The volume's label.
        label: String,
        /// Where its backup folder was found.
        at: PathBuf,
    },
    /// An FTP site: `ftp://user@host:port/folder` (`ftps://` for implicit FTPS).
    Ftp {
        /// The site's address, without password.
        url: String,
    },
}

impl Place {
    /// Where the backup `name` is at this place, as a user would look for it:
    /// the file in the folder, or its address on the FTP site. Errors about a
    /// copy fetched for checking name this, never the local temporary copy.
    pub fn file(&self, name: &str) -> PathBuf {
        match self {
            Self::Folder { path } => path.join(name),
            Self::Removable { folder, .. } => folder.join(name),
            Self::RemovableFound { at, .. } => at.join(name),
            Self::Ftp { url } => PathBuf::from(format!("{}/{name}", url.trim_end_matches('/'))),
        }
    }
}

/// One destination, opened for a run (an FTP session stays open across calls).
pub trait Location {
    /// Where it is (no password).
    fn place(&self) -> Place;

    /// Delivers the local archive `local` as `final_name`: writes it under a
    /// temporary name ([`PARTIAL_PREFIX`]), flushes it to stable storage, reads it
    /// back and checks its size and SHA-256 (`sha256_hex` of `local`), and only
    /// then renames it. On any failure the temporary file is removed (best
    /// effort) and nothing is listed. Returns the size written.
    fn put(
        &mut self,
        local: &Path,
        final_name: &str,
        sha256_hex: &str,
        cancel: &crate::jobs::Cancel,
    ) -> Result<u64, DestinationError>;

    /// The archives of `script` (final names only), oldest first.
    fn list(&mut self, script: &str) -> Result<Vec<StoredBackup>, DestinationError>;

    /// Copies the archive `name` into the local file `to` (created or replaced).
    fn fetch(&mut self, name: &str, to: &Path) -> Result<u64, DestinationError>;

    /// Removes the archive `name`.
    fn remove(&mut self, name: &str) -> Result<(), DestinationError>;
}

/// What opening a destination may need from the installation.
#[derive(Debug, Clone, Copy)]
pub struct Access<'a> {
    /// Decrypts the FTP password.
    pub key: &'a SecretKey,
    /// Where removable disks are looked for.
    pub search: &'a VolumeSearch,
    /// The connection settings: FTPS trusts the same authorities as every other
    /// call (`connection::client::tls_config`, including the extra CA file).
    pub connection: &'a ConnectionSettings,
}

/// Opens `destination` for use (for a removable disk, finds where it is mounted;
/// for FTP, connects and logs in with the password decrypted by `access.key`).
pub fn open(
    destination: &Destination,
    access: &Access<'_>,
) -> Result<Box<dyn Location>, DestinationError> {
    match destination {
        Destination::Folder { path } => Ok(Box::new(folder::FolderLocation::new(path.clone()))),
        Destination::Removable(settings) => {
            Ok(Box::new(removable::locate(settings, access.search)?))
        }
        Destination::Ftp(settings) => Ok(Box::new(ftp::FtpLocation::connect(settings, access)?)),
    }
}

/// Where removable volumes are looked for: the system's mount points (read from
/// `/proc/self/mountinfo` on Linux) plus any extra roots (tests, unusual mounts).
#[derive(Debug, Clone, Default)]
pub struct VolumeSearch {
    /// Folders searched besides the mount points, first.
    pub extra_roots: Vec<PathBuf>,
}
