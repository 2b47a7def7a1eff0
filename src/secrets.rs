//! Secrets the program must send later (proxy password, SMTP password,
//! Net-entreprises password), encrypted at rest with a per-installation key.
//!
//! The key is 32 random bytes in `IEA_HOME/cle-installation`, created at first use
//! with mode 0600 and kept outside the store and `config.toml`: a copy of the
//! store or of the configuration sent to someone carries no readable password.
//! A stored secret reads `v1:` followed by the base64 of a fresh 12-byte nonce and
//! the ChaCha20-Poly1305 ciphertext, so that the same password encrypted twice
//! gives two different texts and any change to the text is detected.
//!
//! Nothing here ever puts a key byte or a plaintext in an error, a log line or a
//! `Debug` output. The small private-file helpers at the end (create with mode
//! 0600 without ever replacing, atomic rewrite with mode 0600, permission repair)
//! are shared with [`crate::installation`], which keeps the support key the same way.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::rand_core::RngCore as _;
use chacha20poly1305::aead::{Aead, KeyInit, OsRng};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};

use crate::fsutil;
use crate::home::Home;

/// Name of the key file under `IEA_HOME`.
pub const KEY_FILE_NAME: &str = "cle-installation";

/// Prefix of every stored secret of the current format.
pub const FORMAT_PREFIX: &str = "v1:";

/// Size of a key, in bytes.
pub const KEY_LEN: usize = 32;

const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// Errors of the installation key and of stored secrets. None carries a key byte
/// or a plaintext.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The key file could not be read or created.
    #[error("cannot use the key file {path}: {source}")]
    Io {
        /// The key file.
        path: PathBuf,
        /// The system error.
        source: io::Error,
    },
    /// The key file exists but does not hold exactly 32 bytes. It is left as it
    /// is: replacing it would make every stored secret unreadable for good.
    #[error("key file {path} is damaged: {len} bytes instead of 32")]
    DamagedKey {
        /// The key file.
        path: PathBuf,
        /// Its size in bytes.
        len: u64,
    },
    /// The system's random generator failed, so no key could be made.
    #[error("the system random generator failed: {detail}")]
    Random {
        /// The generator's message.
        detail: String,
    },
    /// The stored text is not a secret of a format this program knows.
    #[error("stored secret has a bad format: {problem}")]
    BadFormat {
        /// What is wrong, in a few fixed words (never the text itself).
        problem: &'static str,
    },
    /// The stored secret was encrypted with another installation's key, or it
    /// was changed after being written.
    #[error("stored secret cannot be decrypted: other installation's key or altered text")]
    WrongKeyOrTampered,
}

/// The installation's key for secrets at rest.
pub struct SecretKey {
    key: [u8; KEY_LEN],
}

impl std::fmt::Debug for SecretKey {
    /// Shows that a key is there, never its bytes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretKey")
            .field("key", &"<masquée>")
            .finish()
    }
}

impl SecretKey {
    /// Reads `IEA_HOME/cle-installation`, creating it (32 random bytes, mode 0600)
    /// when it does not exist yet. A key file that others may read is reported in
    /// the log and set back to 0600; a file of the wrong size is an error and is
    /// never replaced.
    pub fn load_or_create(home: &Home) -> Result<Self, SecretError> {
        crate::fsutil::debug_assert_not_ui_thread("SecretKey::load_or_create");
        let path = home.root().join(KEY_FILE_NAME);
        let key = load_or_create_key_file(&path).map_err(|e| match e {
            KeyFileError::Io(source) => SecretError::Io {
                path: path.clone(),
                source,
            },
            KeyFileError::Length(len) => SecretError::DamagedKey {
                path: path.clone(),
                len,
            },
            KeyFileError::Random(detail) => SecretError::Random { detail },
        })?;
        Ok(Self { key })
    }

    /// A key from raw bytes (tests, key rotation).
    #[cfg(test)]
    fn from_bytes(key: [u8; KEY_LEN]) -> Self {
        Self { key }
    }

    /// The key of bytes read by [`read_key_file`], for the looks that must not
    /// create the key file.
    pub(crate) fn from_key(key: [u8; KEY_LEN]) -> Self {
        Self { key }
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(&self.key.into())
    }

    /// Encrypts `plain` for storage: `v1:` + base64(nonce || ciphertext), with a
    /// fresh random nonce each time.
    ///
    /// # Panics
    ///
    /// Only if the system's random generator fails or the text is longer than the
    /// cipher allows (256 GiB), neither of which a password can cause.
    pub fn encrypt(&self, plain: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let Ok(ciphertext) = self
            .cipher()
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
        else {
            unreachable!("ChaCha20-Poly1305 only refuses texts longer than 256 GiB");
        };
        let mut raw = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        raw.extend_from_slice(&nonce);
        raw.extend_from_slice(&ciphertext);
        format!("{FORMAT_PREFIX}{}", BASE64.encode(raw))
    }

    /// Decrypts a text made by [`encrypt`](Self::encrypt) with this key.
    pub fn decrypt(&self, stored: &str) -> Result<String, SecretError> {
        let body = stored
            .trim()
            .strip_prefix(FORMAT_PREFIX)
            .ok_or(SecretError::BadFormat {
                problem: "missing v1: prefix",
            })?;
        let raw = BASE64.decode(body).map_err(|_| SecretError::BadFormat {
            problem: "not base64",
        })?;
        if raw.len() < NONCE_LEN + TAG_LEN {
            return Err(SecretError::BadFormat {
                problem: "too short",
            });
        }
        let (nonce, ciphertext) = raw.split_at(NONCE_LEN);
        let plain = self
            .cipher()
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| SecretError::WrongKeyOrTampered)?;
        String::from_utf8(plain).map_err(|_| SecretError::BadFormat {
            problem: "not UTF-8 text",
        })
    }
}

impl SecretKey {
    /// `HMAC-SHA256(installation key, message)` in lower-case hex: a value that
    /// only this installation can compute and that tells nothing of the key or
    /// the message (the machine fingerprint of PROTOCOL.md).
    pub fn hmac_hex(&self, message: &[u8]) -> String {
        use hmac::{Hmac, Mac as _};
        use std::fmt::Write as _;
        // HMAC pads a 32-byte key with zeros to SHA-256's 64-byte block (RFC
        // 2104): giving the padded block is the same MAC, without a fallible
        // constructor.
        let mut block = [0u8; 64];
        block[..KEY_LEN].copy_from_slice(&self.key);
        let mut mac = <Hmac<sha2::Sha256> as hmac::digest::KeyInit>::new(&block.into());
        mac.update(message);
        mac.finalize()
            .into_bytes()
            .iter()
            .fold(String::with_capacity(64), |mut hex, b| {
                let _ = write!(hex, "{b:02x}");
                hex
            })
    }
}

/// The clear text of a secret stored encrypted with the installation's key
/// (`None` when none is stored), for the call that must send it. The key is
/// created on first use, as [`SecretKey::load_or_create`] does.
pub fn reveal(home: &Home, stored: Option<&str>) -> Result<Option<String>, SecretError> {
    let Some(stored) = stored else {
        return Ok(None);
    };
    SecretKey::load_or_create(home)?.decrypt(stored).map(Some)
}

// ---------------------------------------------------------------------------
// Private key files, shared with `installation`.

/// Why a key file could not be used (each caller turns this into its own error).
#[derive(Debug)]
pub(crate) enum KeyFileError {
    /// Reading, creating or syncing failed.
    Io(io::Error),
    /// The file does not hold exactly [`KEY_LEN`] bytes (its size).
    Length(u64),
    /// The random generator failed.
    Random(String),
}

/// Reads a 32-byte key file, or `None` when it does not exist. Permissions that
/// let others read it are repaired (with a warning in the log).
pub(crate) fn read_key_file(path: &Path) -> Result<Option<[u8; KEY_LEN]>, KeyFileError> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(KeyFileError::Io(e)),
    };
    let len = file.metadata().map_err(KeyFileError::Io)?.len();
    if len != KEY_LEN as u64 {
        return Err(KeyFileError::Length(len));
    }
    let mut key = [0u8; KEY_LEN];
    file.read_exact(&mut key).map_err(KeyFileError::Io)?;
    ensure_private(path);
    Ok(Some(key))
}

/// Reads a 32-byte key file, creating it with random bytes and mode 0600 when it
/// does not exist. Two processes starting together end up with the same key: the
/// file is never replaced once there.
pub(crate) fn load_or_create_key_file(path: &Path) -> Result<[u8; KEY_LEN], KeyFileError> {
    if let Some(key) = read_key_file(path)? {
        return Ok(key);
    }
    let mut key = [0u8; KEY_LEN];
    OsRng
        .try_fill_bytes(&mut key)
        .map_err(|e| KeyFileError::Random(e.to_string()))?;
    fs::create_dir_all(fsutil::parent_dir(path)).map_err(KeyFileError::Io)?;
    if fsutil::create_new_whole(path, &key, true).map_err(KeyFileError::Io)? {
        tracing::info!(fichier = %path.display(), "clé créée");
        return Ok(key);
    }
    // Another process made it first: use theirs.
    read_key_file(path)?.ok_or_else(|| KeyFileError::Io(io::ErrorKind::NotFound.into()))
}

/// Sets a file that others may read or write back to mode 0600, noting it in the
/// log. A failure to repair (a file owned by someone else) is logged, not fatal:
/// refusing the key would lock the user out of their own saved passwords.
pub(crate) fn ensure_private(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let Ok(meta) = fs::metadata(path) else {
            return;
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            tracing::warn!(
                fichier = %path.display(),
                droits = format!("{mode:o}"),
                "fichier de clé lisible par d'autres comptes : droits ramenés à 600"
            );
            if let Err(e) = fs::set_permissions(path, fs::Permissions::from_mode(0o600)) {
                tracing::warn!(fichier = %path.display(), erreur = %e, "droits non corrigés");
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = path;
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
    fn round_trip_gives_the_text_back() {
        let (_dir, home) = home();
        let key = SecretKey::load_or_create(&home).expect("key");
        for plain in ["", "mot de passe", "Pâques-2026 €/ñ 🔑", &"x".repeat(5000)] {
            let stored = key.encrypt(plain);
            assert!(stored.starts_with("v1:"), "{stored}");
            assert!(!stored.contains(plain) || plain.is_empty());
            assert_eq!(key.decrypt(&stored).expect("decrypt"), plain);
        }
    }

    #[test]
    fn a_stored_secret_is_revealed_with_the_installation_key() {
        let (_dir, home) = home();
        assert_eq!(reveal(&home, None).expect("nothing stored"), None);
        let stored = SecretKey::load_or_create(&home)
            .expect("key")
            .encrypt("secret-proxy");
        assert_eq!(
            reveal(&home, Some(&stored)).expect("reveal").as_deref(),
            Some("secret-proxy")
        );
        assert!(reveal(&home, Some("v1:abîmé")).is_err());
    }

    #[test]
    fn two_encryptions_of_the_same_text_differ() {
        let key = SecretKey::from_bytes([7; KEY_LEN]);
        let a = key.encrypt("secret-proxy");
        let b = key.encrypt("secret-proxy");
        assert_ne!(a, b);
        assert_eq!(key.decrypt(&a).expect("a"), key.decrypt(&b).expect("b"));
    }

    #[test]
    fn tampered_or_foreign_texts_are_refused_without_leaking() {
        let plain = "Tr3s-S3cret";
        let key = SecretKey::from_bytes([1; KEY_LEN]);
        let other = SecretKey::from_bytes([2; KEY_LEN]);
        let stored = key.encrypt(plain);

        let foreign = other.decrypt(&stored).expect_err("foreign key");
        assert!(matches!(foreign, SecretError::WrongKeyOrTampered));

        // Flip one bit of the ciphertext (after the nonce).
        let mut raw = BASE64
            .decode(stored.strip_prefix("v1:").expect("prefix"))
            .expect("base64");
        raw[NONCE_LEN + 1] ^= 0x01;
        let tampered = format!("v1:{}", BASE64.encode(&raw));
        let err = key.decrypt(&tampered).expect_err("tampered");
        assert!(matches!(err, SecretError::WrongKeyOrTampered));

        for bad in [plain, "v1:", "v1:***", "v2:AAAA", "v1:AAAAAAAA"] {
            assert!(
                matches!(key.decrypt(bad), Err(SecretError::BadFormat { .. })),
                "{bad}"
            );
        }

        for e in [foreign, err, key.decrypt(plain).expect_err("plain")] {
            let text = format!("{e} {e:?}");
            assert!(!text.contains(plain), "leak: {text}");
            assert!(!text.contains(&stored[3..]), "ciphertext in error: {text}");
        }
    }

    #[test]
    fn the_hmac_is_rfc_4231_s() {
        // RFC 4231, test case 2 has a 4-byte key ("Jefe"): padded like ours.
        let mut key = [0u8; KEY_LEN];
        key[..4].copy_from_slice(b"Jefe");
        assert_eq!(
            SecretKey::from_bytes(key).hmac_hex(b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn debug_shows_no_key_bytes() {
        let key = SecretKey::from_bytes([0xAB; KEY_LEN]);
        let text = format!("{key:?}");
        // The array's Debug would print "171, 171, …".
        assert!(!text.contains("171"), "{text}");
    }

    #[cfg(unix)]
    #[test]
    fn key_file_is_private_stable_and_repaired() {
        use std::os::unix::fs::PermissionsExt as _;
        let (_dir, home) = home();
        let key = SecretKey::load_or_create(&home).expect("create");
        let path = home.root().join(KEY_FILE_NAME);
        let meta = fs::metadata(&path).expect("meta");
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert_eq!(meta.len(), KEY_LEN as u64);

        // Same key at the next start: what was stored stays readable.
        let stored = key.encrypt("smtp");
        let again = SecretKey::load_or_create(&home).expect("load");
        assert_eq!(again.decrypt(&stored).expect("decrypt"), "smtp");

        // Opened up by someone: set back to 0600 at the next load.
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        SecretKey::load_or_create(&home).expect("load");
        let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);

        // No temporary file left behind.
        let names: Vec<_> = fs::read_dir(home.root())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, [std::ffi::OsString::from(KEY_FILE_NAME)]);
    }

    #[test]
    fn a_damaged_key_file_is_an_error_and_is_kept() {
        let (_dir, home) = home();
        let path = home.root().join(KEY_FILE_NAME);
        fs::write(&path, b"short").expect("write");
        let err = SecretKey::load_or_create(&home).expect_err("damaged");
        assert!(
            matches!(err, SecretError::DamagedKey { len: 5, .. }),
            "{err:?}"
        );
        assert_eq!(fs::read(&path).expect("read"), b"short");
    }
}
