//! "Actualiser": the update manifest and its minisign signature, fetched from the
//! update server ("Adresse du serveur de mise à jour") through the connection
//! settings, and refused before any use when PROTOCOL.md says so:
//! - the signature does not verify with one of the trusted keys ([`super::keys`]);
//! - its trusted comment (`sequence:<N>`) and the manifest's `sequence` disagree;
//! - the sequence is lower than the highest this installation accepted (a
//!   replayed old manifest);
//! - it has passed its `expires` (a frozen mirror).
//!
//! Nothing of a manifest is read before its signature verified: the JSON is
//! parsed only then. Every refusal is logged. An accepted manifest is kept with
//! its signature under `IEA_HOME/mises-a-jour`, with its sequence, so that the
//! next fetch can tell a replay and the install step works from exactly what
//! was verified.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use minisign_verify::Signature;
use serde::{Deserialize, Serialize};
use url::Url;

use super::{PRODUCT, TARGET, UpdateDirs, keys, program_version, version_cmp};
use crate::config::{Config, ConfigError, ConnectionKind, ConnectionSettings};
use crate::connection::client::{self, ClientError};
use crate::home::Home;
use crate::secrets::{SecretError, SecretKey};

/// The largest manifest or signature read (a real manifest is a few kilobytes).
const MAX_MANIFEST_BYTES: u64 = 4 << 20;

/// The update manifest (PROTOCOL.md). Unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always "iea-maintenance".
    pub product: String,
    /// Grows with every manifest the vendor publishes.
    pub sequence: u64,
    /// After this instant the manifest is refused.
    pub expires: DateTime<Utc>,
    /// The releases offered, in any order.
    pub releases: Vec<Release>,
}

/// One release of the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    /// Its version (semver).
    pub version: String,
    /// Its date (`AAAA-MM-JJ`).
    pub date: String,
    /// Its title.
    pub title: String,
    /// Its "Lisez-moi", in markdown.
    #[serde(default)]
    pub notes: String,
    /// The store schema it brings.
    pub schema_version: u32,
    /// The oldest installed version that may go straight to it.
    #[serde(default)]
    pub min_version: Option<String>,
    /// Its packages, by target triple.
    #[serde(default)]
    pub packages: BTreeMap<String, Package>,
}

/// A package of a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// Its address, relative to the update server's.
    pub url: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256, hexadecimal.
    pub sha256: String,
}

impl Release {
    /// The package for this computer, if the release has one.
    pub fn package(&self) -> Option<&Package> {
        self.packages.get(TARGET)
    }

    /// Whether it is newer than the running program.
    pub fn is_newer(&self) -> bool {
        version_cmp(&self.version, program_version()).is_gt()
    }

    /// Whether it is the running program's version.
    pub fn is_installed(&self) -> bool {
        version_cmp(&self.version, program_version()).is_eq()
    }

    /// Whether the running program may go straight to it.
    pub fn reachable_from(&self, installed: &str) -> bool {
        self.min_version
            .as_deref()
            .is_none_or(|min| version_cmp(installed, min).is_ge())
    }
}

impl Manifest {
    /// The releases, newest first.
    pub fn releases_newest_first(&self) -> Vec<&Release> {
        let mut releases: Vec<&Release> = self.releases.iter().collect();
        releases.sort_by(|a, b| version_cmp(&b.version, &a.version));
        releases
    }

    /// The newest release newer than the running program, if any.
    pub fn newest(&self) -> Option<&Release> {
        self.releases_newest_first()
            .into_iter()
            .find(|r| r.is_newer())
    }

    /// The release of `version`.
    pub fn release(&self, version: &str) -> Option<&Release> {
        self.releases
            .iter()
            .find(|r| version_cmp(&r.version, version).is_eq())
    }
}

/// Why a manifest was refused; nothing of it was used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "code", content = "params", rename_all = "snake_case")]
pub enum Refusal {
    /// The signature file is not a minisign signature.
    #[error("the signature is not a minisign signature")]
    SignatureUnreadable,
    /// The signature was made with a key this build does not trust.
    #[error("signed with an unknown key")]
    UnknownKey,
    /// The signature does not match the manifest's bytes (a wrong signature,
    /// or the signature of another manifest).
    #[error("the signature does not match the manifest")]
    BadSignature,
    /// The trusted comment does not say the manifest's sequence.
    #[error("trusted comment {comment:?} does not match sequence {sequence}")]
    CommentMismatch {
        /// The trusted comment.
        comment: String,
        /// The manifest's sequence.
        sequence: u64,
    },
    /// The manifest's JSON cannot be read (after its signature verified).
    #[error("the manifest cannot be read: {detail}")]
    NotJson {
        /// What the JSON reader said.
        detail: String,
    },
    /// A manifest for another product.
    #[error("manifest of another product: {product}")]
    WrongProduct {
        /// The product it names.
        product: String,
    },
    /// An older manifest than one already accepted: a replay.
    #[error("sequence {sequence} is lower than the highest accepted, {highest}")]
    Replay {
        /// Its sequence.
        sequence: u64,
        /// The highest this installation accepted.
        highest: u64,
    },
    /// The manifest has expired: a frozen mirror.
    #[error("manifest expired at {expires}")]
    Expired {
        /// When it expired.
        expires: DateTime<Utc>,
    },
}

/// Why "Actualiser" gave no list of releases.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The configuration cannot be read.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The stored proxy password cannot be decrypted.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The connection settings give no usable client (extra authority file,
    /// proxy, `http://` in Sécurisé mode).
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The update server's address cannot give the manifest's.
    #[error("bad update server address {url}")]
    BadAddress {
        /// The address.
        url: String,
    },
    /// The server could not be reached, or stopped answering.
    #[error("{url}: {detail}")]
    Unreachable {
        /// What was asked.
        url: String,
        /// What the client said (never a password).
        detail: String,
    },
    /// The server answered, but not with the file.
    #[error("{url}: HTTP {status}")]
    Status {
        /// What was asked.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The manifest was refused before any use.
    #[error("manifest refused: {refusal}")]
    Refused {
        /// Why.
        refusal: Refusal,
        /// Where it came from.
        url: String,
    },
    /// No manifest was ever accepted here (for the steps that need one).
    #[error("no manifest accepted yet")]
    NoneAccepted,
    /// A file of `IEA_HOME/mises-a-jour` could not be written or read.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The system error.
        source: std::io::Error,
    },
}

/// A manifest accepted: its content, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The manifest.
    pub manifest: Manifest,
    /// The update server's address it came from.
    pub base: Url,
    /// Which trusted key signed it.
    pub key: &'static str,
}

impl Accepted {
    /// The full address of a package (relative to the update server).
    pub fn package_url(&self, package: &Package) -> Result<Url, ManifestError> {
        base_dir(&self.base)
            .join(&package.url)
            .map_err(|_| ManifestError::BadAddress {
                url: package.url.clone(),
            })
    }
}

/// What this installation remembers of accepted manifests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
struct SequenceRecord {
    sequence: u64,
}

/// The highest sequence this installation accepted (0 when none).
pub fn highest_accepted(home: &Home) -> u64 {
    std::fs::read(UpdateDirs::of(home).sequence_file())
        .ok()
        .and_then(|b| serde_json::from_slice::<SequenceRecord>(&b).ok())
        .map_or(0, |r| r.sequence)
}

/// Verifies `bytes` against `signature` and this installation's highest
/// sequence, at `now`. Pure: nothing is written. The JSON is read only once
/// the signature verified.
pub fn verify(
    bytes: &[u8],
    signature: &str,
    highest: u64,
    now: DateTime<Utc>,
) -> Result<(Manifest, &'static str), Refusal> {
    let signature = Signature::decode(signature).map_err(|_| Refusal::SignatureUnreadable)?;
    let mut key_known = false;
    let mut signed_by = None;
    for (name, key) in keys::decoded() {
        match key.verify(bytes, &signature, true) {
            Ok(()) => {
                signed_by = Some(name);
                break;
            }
            Err(minisign_verify::Error::UnexpectedKeyId) => {}
            Err(_) => key_known = true,
        }
    }
    let Some(key) = signed_by else {
        return Err(if key_known {
            Refusal::BadSignature
        } else {
            Refusal::UnknownKey
        });
    };
    let manifest: Manifest = serde_json::from_slice(bytes).map_err(|e| Refusal::NotJson {
        detail: e.to_string(),
    })?;
    let comment = signature.trusted_comment().trim();
    if comment != format!("sequence:{}", manifest.sequence) {
        return Err(Refusal::CommentMismatch {
            comment: comment.to_owned(),
            sequence: manifest.sequence,
        });
    }
    if manifest.product != PRODUCT {
        return Err(Refusal::WrongProduct {
            product: manifest.product,
        });
    }
    if manifest.sequence < highest {
        return Err(Refusal::Replay {
            sequence: manifest.sequence,
            highest,
        });
    }
    if manifest.expires <= now {
        return Err(Refusal::Expired {
            expires: manifest.expires,
        });
    }
    Ok((manifest, key))
}

/// An HTTP client of the installation's connection settings, and the proxy
/// password it uses (to keep it out of error messages).
pub struct UpdateClient {
    /// The client.
    pub client: reqwest::blocking::Client,
    /// The update server's address.
    pub base: Url,
    proxy_password: Option<String>,
}

impl std::fmt::Debug for UpdateClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpdateClient")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

impl UpdateClient {
    /// The client of `home`'s saved connection settings.
    pub fn of_home(home: &Home) -> Result<Self, ManifestError> {
        crate::fsutil::debug_assert_not_ui_thread("UpdateClient::of_home");
        crate::connection::install_crypto_provider();
        let config = Config::load(home)?;
        let settings = &config.connection;
        let proxy_password = match (&settings.kind, &settings.proxy.password_encrypted) {
            (ConnectionKind::Proxy, Some(stored)) => {
                Some(SecretKey::load_or_create(home)?.decrypt(stored)?)
            }
            _ => None,
        };
        Self::new(settings, proxy_password)
    }

    /// The client of `settings`, with the decrypted proxy password if any.
    pub fn new(
        settings: &ConnectionSettings,
        proxy_password: Option<String>,
    ) -> Result<Self, ManifestError> {
        let base = settings.update_url.clone();
        client::check_scheme(settings, &base)?;
        let client = client::build_client(settings, proxy_password.as_deref())?;
        Ok(Self {
            client,
            base,
            proxy_password,
        })
    }

    /// A client error's words, without the proxy password.
    pub fn redact(&self, text: String) -> String {
        match &self.proxy_password {
            Some(p) if !p.is_empty() => text.replace(p.as_str(), "***"),
            _ => text,
        }
    }

    /// GETs a small file (at most `limit` bytes).
    fn get_small(&self, url: &Url, limit: u64) -> Result<Vec<u8>, ManifestError> {
        let shown = client::display_url(url);
        let unreachable = |detail: String| ManifestError::Unreachable {
            url: shown.clone(),
            detail: self.redact(detail),
        };
        let response = self
            .client
            .get(url.clone())
            .send()
            .map_err(|e| unreachable(e.without_url().to_string()))?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(ManifestError::Status { url: shown, status });
        }
        let mut bytes = Vec::new();
        response
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| unreachable(e.to_string()))?;
        if bytes.len() as u64 > limit {
            return Err(unreachable(format!("more than {limit} bytes")));
        }
        Ok(bytes)
    }
}

/// The folder form of an address: `…/updates` becomes `…/updates/`, so that
/// joining `manifest.json` stays under it.
fn base_dir(base: &Url) -> Url {
    let mut dir = base.clone();
    if !dir.path().ends_with('/') {
        let path = format!("{}/", dir.path());
        dir.set_path(&path);
    }
    dir
}

/// "Actualiser": fetches the manifest and its signature from the installation's
/// update server, verifies them at `now`, and keeps what was accepted. A refusal
/// is logged and nothing is kept.
pub fn refresh(home: &Home, now: DateTime<Utc>) -> Result<Accepted, ManifestError> {
    let client = UpdateClient::of_home(home)?;
    refresh_with(home, &client, now)
}

/// [`refresh`] with a client already made.
pub fn refresh_with(
    home: &Home,
    client: &UpdateClient,
    now: DateTime<Utc>,
) -> Result<Accepted, ManifestError> {
    let dir = base_dir(&client.base);
    let manifest_url = dir
        .join("manifest.json")
        .map_err(|_| ManifestError::BadAddress {
            url: client.base.to_string(),
        })?;
    let signature_url =
        dir.join("manifest.json.minisig")
            .map_err(|_| ManifestError::BadAddress {
                url: client.base.to_string(),
            })?;
    let bytes = client.get_small(&manifest_url, MAX_MANIFEST_BYTES)?;
    let signature = client.get_small(&signature_url, MAX_MANIFEST_BYTES)?;
    let shown = client::display_url(&manifest_url);
    let refused = |refusal: Refusal| {
        tracing::warn!(url = %shown, refusal = %refusal, "manifeste de mise à jour refusé");
        ManifestError::Refused {
            refusal,
            url: shown.clone(),
        }
    };
    let signature_text =
        String::from_utf8(signature).map_err(|_| refused(Refusal::SignatureUnreadable))?;
    let (manifest, key) =
        verify(&bytes, &signature_text, highest_accepted(home), now).map_err(refused)?;
    keep(home, &bytes, &signature_text, manifest.sequence)?;
    tracing::info!(
        sequence = manifest.sequence,
        releases = manifest.releases.len(),
        key,
        "manifeste de mise à jour accepté"
    );
    Ok(Accepted {
        manifest,
        base: client.base.clone(),
        key,
    })
}

/// Keeps an accepted manifest, its signature and its sequence (each written
/// atomically; the sequence last, so that a crash never records a sequence
/// whose manifest is not kept).
fn keep(home: &Home, bytes: &[u8], signature: &str, sequence: u64) -> Result<(), ManifestError> {
    let dirs = UpdateDirs::of(home);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ManifestError::Io { path, source }
    };
    dirs.ensure(dirs.root()).map_err(io(dirs.root()))?;
    crate::fsutil::write_atomic(&dirs.manifest_file(), bytes).map_err(io(&dirs.manifest_file()))?;
    crate::fsutil::write_atomic(&dirs.signature_file(), signature.as_bytes())
        .map_err(io(&dirs.signature_file()))?;
    if sequence > highest_accepted(home) {
        let record = serde_json::to_vec(&SequenceRecord { sequence })
            .map_err(|e| io(&dirs.sequence_file())(std::io::Error::other(e)))?;
        crate::fsutil::write_atomic(&dirs.sequence_file(), &record)
            .map_err(io(&dirs.sequence_file()))?;
    }
    Ok(())
}

/// The last manifest this installation accepted, verified again (signature,
/// sequence, expiry at `now`): the install step works from it. `Ok(None)` when
/// none was kept.
pub fn last_accepted(home: &Home, now: DateTime<Utc>) -> Result<Option<Accepted>, ManifestError> {
    let dirs = UpdateDirs::of(home);
    let Ok(bytes) = std::fs::read(dirs.manifest_file()) else {
        return Ok(None);
    };
    let signature =
        std::fs::read_to_string(dirs.signature_file()).map_err(|source| ManifestError::Io {
            path: dirs.signature_file(),
            source,
        })?;
    let base = Config::load(home)?.connection.update_url;
    let (manifest, key) =
        verify(&bytes, &signature, highest_accepted(home), now).map_err(|refusal| {
            ManifestError::Refused {
                refusal,
                url: dirs.manifest_file().display().to_string(),
            }
        })?;
    Ok(Some(Accepted {
        manifest,
        base,
        key,
    }))
}
