//! The Impact emploi password of an account (tab "Impact Emploi"): hashed with
//! Argon2id at OWASP's parameters at least (19 MiB of memory, 2 passes, one
//! lane), never kept in clear, and hashed again at the next identification when
//! the stored hash was made with weaker parameters (an older program, a store
//! imported from elsewhere).

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::OsRng;
use chacha20poly1305::aead::rand_core::RngCore as _;

/// Memory of one hash, in KiB: OWASP's minimum for Argon2id (19 MiB).
pub const MEMORY_KIB: u32 = 19 * 1024;
/// Passes over the memory: OWASP's minimum with 19 MiB.
pub const PASSES: u32 = 2;
/// Lanes: one, as OWASP advises.
pub const LANES: u32 = 1;

/// The shortest new password accepted, in characters.
pub const MIN_CHARS: usize = 8;
/// The longest new password accepted, in characters (hashing has a cost).
pub const MAX_CHARS: usize = 128;

/// Why a new password is refused. Never carries the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum PasswordProblem {
    /// Fewer than [`MIN_CHARS`] characters.
    TooShort {
        /// The minimum.
        min: usize,
    },
    /// More than [`MAX_CHARS`] characters.
    TooLong {
        /// The maximum.
        max: usize,
    },
    /// The password and its confirmation (« Confirmer ») differ.
    Mismatch,
}

/// Whether `password` may become an account's password, and `confirmation`
/// (the « Confirmer » field) repeats it.
pub fn check_new(password: &str, confirmation: &str) -> Result<(), PasswordProblem> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(PasswordProblem::TooShort { min: MIN_CHARS });
    }
    if chars > MAX_CHARS {
        return Err(PasswordProblem::TooLong { max: MAX_CHARS });
    }
    if password != confirmation {
        return Err(PasswordProblem::Mismatch);
    }
    Ok(())
}

/// The hasher at this program's parameters.
fn hasher() -> Argon2<'static> {
    // The constants are within Argon2's bounds: `new` cannot fail with them.
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None).unwrap_or(Params::DEFAULT);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes `password` with a fresh random salt, as a PHC string
/// (`$argon2id$v=19$m=19456,t=2,p=1$…`).
///
/// # Errors
///
/// The library's message, which never holds the password.
pub fn hash(password: &str) -> Result<String, String> {
    let mut salt = [0_u8; 16];
    OsRng.fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches the stored PHC hash. An unreadable hash matches
/// nothing.
pub fn verify(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    // The parameters come from the hash itself, whatever they are.
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// Whether a stored hash was made with weaker settings than this program's: not
/// Argon2id, an older version, less memory, fewer passes, or more than one lane
/// (OWASP's lane count). Such a hash is replaced at the next identification.
pub fn needs_rehash(stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return true;
    };
    if Algorithm::try_from(parsed.algorithm) != Ok(Algorithm::Argon2id) {
        return true;
    }
    if parsed
        .version
        .is_some_and(|v| v != u32::from(Version::V0x13))
    {
        return true;
    }
    match Params::try_from(&parsed) {
        Ok(p) => p.m_cost() < MEMORY_KIB || p.t_cost() < PASSES || p.p_cost() != LANES,
        Err(_) => true,
    }
}

/// The parameters of a stored hash, for tests and the support report:
/// (algorithm, memory in KiB, passes, lanes).
pub fn parameters(stored: &str) -> Option<(String, u32, u32, u32)> {
    let parsed = PasswordHash::new(stored).ok()?;
    let params = Params::try_from(&parsed).ok()?;
    Some((
        parsed.algorithm.as_str().to_owned(),
        params.m_cost(),
        params.t_cost(),
        params.p_cost(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hash of `password` made with other parameters, as an older program did.
    fn weak_hash(password: &str, algorithm: Algorithm, m: u32, t: u32, p: u32) -> String {
        let params = Params::new(m, t, p, None).expect("params");
        let salt = SaltString::encode_b64(b"0123456789abcdef").expect("salt");
        Argon2::new(algorithm, Version::V0x13, params)
            .hash_password(password.as_bytes(), &salt)
            .expect("hash")
            .to_string()
    }

    #[test]
    fn new_hashes_are_argon2id_at_owasp_parameters_and_verify() {
        let stored = hash("Pâquerette-2026").expect("hash");
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert_eq!(
            parameters(&stored),
            Some(("argon2id".to_owned(), 19456, 2, 1))
        );
        assert!(verify("Pâquerette-2026", &stored));
        assert!(!verify("pâquerette-2026", &stored));
        assert!(!needs_rehash(&stored));
        assert_ne!(
            stored,
            hash("Pâquerette-2026").expect("again"),
            "fresh salt"
        );
        assert!(!stored.contains("Pâquerette"));
    }

    #[test]
    fn weaker_hashes_are_recognised() {
        for weak in [
            weak_hash("secret", Algorithm::Argon2id, 4096, 3, 1),
            weak_hash("secret", Algorithm::Argon2id, 19456, 1, 1),
            weak_hash("secret", Algorithm::Argon2id, 19456, 2, 2),
            weak_hash("secret", Algorithm::Argon2i, 19456, 2, 1),
            weak_hash("secret", Algorithm::Argon2d, 65536, 3, 1),
        ] {
            assert!(verify("secret", &weak), "{weak}");
            assert!(needs_rehash(&weak), "{weak}");
        }
        // Stronger than the minimum is kept as it is.
        assert!(!needs_rehash(&weak_hash(
            "secret",
            Algorithm::Argon2id,
            65536,
            3,
            1
        )));
        assert!(needs_rehash("$argon2id$x"));
        assert!(!verify("x", "$argon2id$x"));
    }

    #[test]
    fn new_passwords_are_checked() {
        assert_eq!(
            check_new("court", "court"),
            Err(PasswordProblem::TooShort { min: 8 })
        );
        assert_eq!(
            check_new("assez-long", "assez-lonG"),
            Err(PasswordProblem::Mismatch)
        );
        assert_eq!(
            check_new(&"x".repeat(129), &"x".repeat(129)),
            Err(PasswordProblem::TooLong { max: 128 })
        );
        // Characters, not bytes: eight accented letters are enough.
        assert_eq!(check_new("éàèùâêîô", "éàèùâêîô"), Ok(()));
    }
}
