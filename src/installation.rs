//! Who this workstation is: the installation's identity sent to the
//! authentication server (PROTOCOL.md), and the support key behind the assistance
//! mode's "mot de passe du jour".
//!
//! `IEA_HOME/installation.toml` holds the installation id, the workstation id and
//! the licence key. It is written whole at first start and never replaced
//! silently afterwards: a damaged file is an error that names the line, because a
//! new identity would look like a new workstation to the server (a duplicate
//! licence) and would change every assistance code. `IEA_HOME/cle-support` holds 32
//! random bytes, mode 0600, created at first start and never shown: support
//! derives the daily unlock codes from it ([`crate::assistance`]).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::fsutil;
use crate::home::Home;
use crate::secrets::{self, KEY_LEN, KeyFileError};

/// Name of the identity file under `IEA_HOME`.
pub const INSTALLATION_FILE_NAME: &str = "installation.toml";

/// Name of the support key file under `IEA_HOME`.
pub const SUPPORT_KEY_FILE_NAME: &str = "cle-support";

/// The host name used when the system gives none.
pub const UNKNOWN_HOSTNAME: &str = "poste-inconnu";

/// Errors of the installation's identity and support key. None carries the
/// licence key or a key byte.
#[derive(Debug, thiserror::Error)]
pub enum InstallationError {
    /// A file could not be read or written.
    #[error("cannot use {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The system error.
        source: io::Error,
    },
    /// `installation.toml` exists but cannot be understood. It is left as it is.
    #[error("{path} is damaged (line {line}): {detail}")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem, 0 when unknown.
        line: usize,
        /// The parser's words (never the licence key).
        detail: String,
    },
    /// The support key file does not hold exactly 32 bytes. It is left as it is.
    #[error("support key {path} is damaged: {len} bytes instead of 32")]
    DamagedSupportKey {
        /// The key file.
        path: PathBuf,
        /// Its size in bytes.
        len: u64,
    },
    /// The support key file does not exist (read-only use, such as the support's
    /// code generator, which must never create one).
    #[error("no support key at {path}")]
    SupportKeyMissing {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The system's random generator failed.
    #[error("the system random generator failed: {detail}")]
    Random {
        /// The generator's message.
        detail: String,
    },
}

/// The identity of this installation and workstation.
#[derive(Clone, PartialEq, Eq)]
pub struct Installation {
    /// The installation (the licence holder's set-up), stable for its lifetime.
    pub installation_id: uuid::Uuid,
    /// This workstation; "Réinitialiser poste" gives it a new one.
    pub workstation_id: uuid::Uuid,
    /// The licence key typed by the user, empty until then.
    pub licence_key: String,
    /// The fingerprint of the computer this identity belongs to
    /// (`licences::fingerprint`), `None` until it is first recorded: an
    /// identity found on another computer is a copy (PROTOCOL.md).
    pub machine_fingerprint: Option<String>,
}

impl std::fmt::Debug for Installation {
    /// The ids, but never the licence key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let licence = if self.licence_key.is_empty() {
            "<vide>"
        } else {
            "<masquée>"
        };
        f.debug_struct("Installation")
            .field("installation_id", &self.installation_id)
            .field("workstation_id", &self.workstation_id)
            .field("licence_key", &licence)
            .field("machine_fingerprint", &self.machine_fingerprint)
            .finish()
    }
}

/// The file's form.
#[derive(Serialize, Deserialize)]
struct RawInstallation {
    installation_id: uuid::Uuid,
    workstation_id: uuid::Uuid,
    #[serde(default)]
    licence_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    machine_fingerprint: Option<String>,
}

const FILE_HEADER: &str = "# Identité de ce poste pour Impact emploi (serveur d'authentification, \
     mode assistance).\n# Ne modifiez pas ce fichier : un autre identifiant ferait de ce poste \
     un nouveau poste.\n\n";

impl Installation {
    /// The identity file of `home`.
    pub fn path(home: &Home) -> PathBuf {
        home.root().join(INSTALLATION_FILE_NAME)
    }

    /// Reads `installation.toml`; `None` when there is none yet. Creates nothing.
    pub fn load(home: &Home) -> Result<Option<Self>, InstallationError> {
        let path = Self::path(home);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(InstallationError::Io { path, source }),
        };
        parse(&bytes, &path).map(Some)
    }

    /// Reads `installation.toml`, creating it at first start with new ids and no
    /// licence key. A damaged file is an error and is never replaced.
    pub fn load_or_create(home: &Home) -> Result<Self, InstallationError> {
        if let Some(found) = Self::load(home)? {
            return Ok(found);
        }
        let new = Self {
            installation_id: uuid::Uuid::new_v4(),
            workstation_id: uuid::Uuid::new_v4(),
            licence_key: String::new(),
            machine_fingerprint: None,
        };
        let path = Self::path(home);
        let io_err = |source| InstallationError::Io {
            path: path.clone(),
            source,
        };
        fs::create_dir_all(home.root()).map_err(io_err)?;
        if fsutil::create_new_whole(&path, new.to_toml()?.as_bytes(), true).map_err(io_err)? {
            tracing::info!(
                installation = %new.installation_id,
                poste = %new.workstation_id,
                "identité de l'installation créée"
            );
            return Ok(new);
        }
        // Another process (service and centre starting together) wrote it first.
        Self::load(home)?.ok_or_else(|| io_err(io::ErrorKind::NotFound.into()))
    }

    /// Writes `installation.toml` atomically (mode 0600: it holds the licence key).
    pub fn save(&self, home: &Home) -> Result<(), InstallationError> {
        let path = Self::path(home);
        let io_err = |source| InstallationError::Io {
            path: path.clone(),
            source,
        };
        fs::create_dir_all(home.root()).map_err(io_err)?;
        fsutil::write_atomic_private(&path, self.to_toml()?.as_bytes()).map_err(io_err)
    }

    fn to_toml(&self) -> Result<String, InstallationError> {
        let raw = RawInstallation {
            installation_id: self.installation_id,
            workstation_id: self.workstation_id,
            licence_key: self.licence_key.clone(),
            machine_fingerprint: self.machine_fingerprint.clone(),
        };
        // Serialising three plain fields cannot fail; map it anyway rather than panic.
        let body = toml::to_string(&raw).map_err(|e| InstallationError::Io {
            path: PathBuf::from(INSTALLATION_FILE_NAME),
            source: io::Error::other(e.to_string()),
        })?;
        Ok(format!("{FILE_HEADER}{body}"))
    }
}

/// Parses the identity file, naming the line of a problem without ever quoting
/// the licence key.
fn parse(bytes: &[u8], path: &Path) -> Result<Installation, InstallationError> {
    let damaged = |line: usize, detail: String| InstallationError::Damaged {
        path: path.to_path_buf(),
        line,
        detail,
    };
    let text = std::str::from_utf8(bytes).map_err(|_| damaged(0, "not UTF-8 text".to_owned()))?;
    let raw: RawInstallation = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .and_then(|span| text.get(..span.start))
            .map_or(0, |before| before.matches('\n').count() + 1);
        let on_licence_line = text
            .lines()
            .nth(line.saturating_sub(1))
            .is_some_and(|l| l.contains("licence_key"));
        // The parser may quote the value it could not read: not for the licence key.
        let detail = if on_licence_line {
            "unreadable licence_key value".to_owned()
        } else {
            e.message().to_owned()
        };
        damaged(line, detail)
    })?;
    Ok(Installation {
        installation_id: raw.installation_id,
        workstation_id: raw.workstation_id,
        licence_key: raw.licence_key,
        machine_fingerprint: raw.machine_fingerprint,
    })
}

/// The machine's host name (the kernel's, else `/etc/hostname`, else the
/// environment), or `"poste-inconnu"`.
pub fn hostname() -> String {
    let from_file = |p: &str| fs::read_to_string(p).ok();
    [
        from_file("/proc/sys/kernel/hostname"),
        from_file("/etc/hostname"),
        std::env::var("HOSTNAME").ok(),
        std::env::var("COMPUTERNAME").ok(),
    ]
    .into_iter()
    .flatten()
    .find_map(|text| {
        let name = text.lines().next().unwrap_or_default().trim().to_owned();
        (!name.is_empty()).then_some(name)
    })
    .unwrap_or_else(|| UNKNOWN_HOSTNAME.to_owned())
}

/// The support key file of `home`.
pub fn support_key_path(home: &Home) -> PathBuf {
    home.root().join(SUPPORT_KEY_FILE_NAME)
}

fn key_error(path: &Path, e: KeyFileError) -> InstallationError {
    match e {
        KeyFileError::Io(source) => InstallationError::Io {
            path: path.to_path_buf(),
            source,
        },
        KeyFileError::Length(len) => InstallationError::DamagedSupportKey {
            path: path.to_path_buf(),
            len,
        },
        KeyFileError::Random(detail) => InstallationError::Random { detail },
    }
}

/// The installation's support key (`IEA_HOME/cle-support`, 32 random bytes, mode
/// 0600), created at first start. Never shown, never logged.
pub fn support_key(home: &Home) -> Result<[u8; KEY_LEN], InstallationError> {
    let path = support_key_path(home);
    secrets::load_or_create_key_file(&path).map_err(|e| key_error(&path, e))
}

/// What a first start of the installation creates (PROTOCOL.md), made sure of:
/// its identity and its support key, each read when it exists and created
/// when it does not, never replaced. Every program that writes in `IEA_HOME`
/// calls it at its start — the service, the centre and the commands — so that
/// support can compute the assistance codes of an installation that was only
/// ever used from the command line.
pub fn ensure_identity(home: &Home) -> Result<Installation, InstallationError> {
    let installation = Installation::load_or_create(home)?;
    support_key(home)?;
    Ok(installation)
}

/// The installation's support key, read only: a missing file is
/// [`InstallationError::SupportKeyMissing`] and nothing is created.
pub fn read_support_key(home: &Home) -> Result<[u8; KEY_LEN], InstallationError> {
    let path = support_key_path(home);
    match secrets::read_key_file(&path) {
        Ok(Some(key)) => Ok(key),
        Ok(None) => Err(InstallationError::SupportKeyMissing { path }),
        Err(e) => Err(key_error(&path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn home() -> (tempfile::TempDir, Home) {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        (dir, home)
    }

    #[test]
    fn identity_is_created_once_and_stays_the_same() {
        let (_dir, home) = home();
        assert_eq!(Installation::load(&home).expect("load"), None);
        assert!(!Installation::path(&home).exists(), "load must not create");
        let first = Installation::load_or_create(&home).expect("create");
        assert_ne!(first.installation_id, first.workstation_id);
        assert!(first.licence_key.is_empty());
        let again = Installation::load_or_create(&home).expect("load");
        assert_eq!(first, again);
        assert_eq!(Installation::load(&home).expect("load"), Some(first));
    }

    #[test]
    fn saved_changes_come_back() {
        let (_dir, home) = home();
        let mut inst = Installation::load_or_create(&home).expect("create");
        inst.licence_key = "IEA-1234-ABCD".to_owned();
        inst.workstation_id = uuid::Uuid::new_v4();
        inst.save(&home).expect("save");
        assert_eq!(Installation::load_or_create(&home).expect("load"), inst);
        assert!(!format!("{inst:?}").contains("IEA-1234"), "{inst:?}");
    }

    #[test]
    fn a_damaged_file_is_an_error_and_is_left_untouched() {
        let (_dir, home) = home();
        let path = Installation::path(&home);
        for damaged in [
            "installation_id = \"pas-un-uuid\"\nworkstation_id = \"x\"\n",
            "installation_id = \"6f1c2d9e-",
            "",
            "licence_key = \"SECRET-LICENCE\" oops\n",
        ] {
            fs::write(&path, damaged).expect("write");
            let err = Installation::load_or_create(&home).expect_err(damaged);
            assert!(
                matches!(err, InstallationError::Damaged { .. }),
                "{damaged}: {err:?}"
            );
            assert!(!err.to_string().contains("SECRET-LICENCE"), "{err}");
            assert_eq!(fs::read_to_string(&path).expect("read"), damaged);
        }
        fs::write(&path, "\n\ninstallation_id = 12\n").expect("write");
        match Installation::load(&home) {
            Err(InstallationError::Damaged { line, .. }) => assert_eq!(line, 3),
            other => panic!("expected a damaged file, got {other:?}"),
        }
    }

    #[test]
    fn support_key_is_created_once_private_and_read_only_never_creates() {
        let (_dir, home) = home();
        assert!(matches!(
            read_support_key(&home),
            Err(InstallationError::SupportKeyMissing { .. })
        ));
        assert!(!support_key_path(&home).exists());
        let key = support_key(&home).expect("create");
        assert_eq!(support_key(&home).expect("again"), key);
        assert_eq!(read_support_key(&home).expect("read"), key);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(support_key_path(&home))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        fs::write(support_key_path(&home), [1u8; 40]).expect("damage");
        assert!(matches!(
            support_key(&home),
            Err(InstallationError::DamagedSupportKey { len: 40, .. })
        ));
    }

    #[test]
    fn hostname_is_never_empty() {
        assert!(!hostname().is_empty());
        assert!(!hostname().contains('\n'));
    }
}
