//! The public keys an update manifest may be signed with (PROTOCOL.md): the
//! vendor's current key and the next one, so that the vendor can rotate keys
//! without a release that nobody could verify.
//!
//! A release build trusts these two keys and nothing else: no file, setting or
//! environment variable adds a key. Debug builds (the ones `cargo test` runs)
//! also trust the project's test key, whose secret half is in
//! `tests/support/cles/test.key` so that the tests can sign manifests. The
//! test key is added by `cfg(debug_assertions)`, a property of the build
//! itself: a release binary does not contain it, and the update benchmark,
//! built in release, checks that such a binary refuses a manifest signed with
//! it.

use minisign_verify::PublicKey;

/// A trusted key: its name for the logs, and the minisign public key (base64,
/// the second line of a `minisign.pub` file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedKey {
    /// Which key ("editeur-actuelle"…), for the logs.
    pub name: &'static str,
    /// The minisign public key, base64.
    pub base64: &'static str,
}

/// The vendor's keys, embedded in every build: the current one, then the next.
pub const VENDOR_KEYS: [TrustedKey; 2] = [
    TrustedKey {
        name: "editeur-actuelle",
        base64: "RWRbYxwxiUqsNDdvUGx8v7rBZfFdK8JLQfJ5H0pB0mQW+IKpqlzwNyx5",
    },
    TrustedKey {
        name: "editeur-suivante",
        base64: "RWReWHVkwLT+8Y+IpM3Va2qb5AbwSFCVc8eZmLTY9EKj3tpWZhJdlmEZ",
    },
];

/// The project's test key, trusted by debug builds only.
pub const TEST_KEY: TrustedKey = TrustedKey {
    name: "test",
    base64: "RWQ15rEXyI+qaBYSbRIAfMnJv89uaJdxVu0qiJ0dmx50WIcRxkwl7TGU",
};

/// Whether this build trusts the test key: debug builds only.
pub const TRUSTS_TEST_KEY: bool = cfg!(debug_assertions);

/// The keys this build trusts, in order.
pub fn trusted() -> Vec<TrustedKey> {
    let mut keys = VENDOR_KEYS.to_vec();
    if TRUSTS_TEST_KEY {
        keys.push(TEST_KEY);
    }
    keys
}

/// The decoded keys this build trusts, with their names. A key that does not
/// decode is a bug of the build; it is left out and logged.
pub(crate) fn decoded() -> Vec<(&'static str, PublicKey)> {
    trusted()
        .into_iter()
        .filter_map(|k| match PublicKey::from_base64(k.base64) {
            Ok(key) => Some((k.name, key)),
            Err(e) => {
                tracing::error!(key = k.name, error = %e, "clé publique illisible");
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_key_decodes() {
        for key in VENDOR_KEYS.iter().chain(std::iter::once(&TEST_KEY)) {
            assert!(PublicKey::from_base64(key.base64).is_ok(), "{}", key.name);
        }
        assert_eq!(decoded().len(), trusted().len());
    }

    #[test]
    fn the_test_key_is_trusted_only_by_debug_builds() {
        let names: Vec<_> = trusted().iter().map(|k| k.name).collect();
        assert_eq!(&names[..2], ["editeur-actuelle", "editeur-suivante"]);
        assert_eq!(names.contains(&"test"), cfg!(debug_assertions));
    }
}
