//! Talking to the servers of Impact emploi: the HTTP client every call goes
//! through ([`client`]), the "Tester l'accès aux serveurs" check ([`servers`]),
//! the authentication of the installation ([`auth`]) and the test of a
//! declarant's credentials with Net-entreprises ([`net_entreprises`]), as
//! PROTOCOL.md describes them.
//!
//! The connection settings ("Paramètres de connexion") decide everything here: the
//! mode gives the time limits ([`timeouts`]) and whether `http://` is allowed, the
//! kind says whether a proxy is used. Every call has a time limit, certificates are
//! always verified, and no password ever reaches an error or a log line.

pub mod auth;
pub mod client;
pub mod net_entreprises;
pub mod servers;

use std::time::Duration;

use crate::config::ConnectionMode;

/// The time limits of one call, from the connection mode (PROTOCOL.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Limit for reaching the server: name resolution, TCP connection, TLS
    /// handshake (and the proxy tunnel when there is one).
    pub connect: Duration,
    /// Limit for a whole call, connection included: the budget of one call.
    pub request: Duration,
    /// How many times a call that failed for a passing reason is tried again
    /// (within the same budget, see [`servers`]).
    pub retries: u32,
}

/// The time limits of a connection mode: Normal 5 s / 10 s without retry, Étendu
/// 15 s / 30 s with two retries, Sécurisé as Normal (it differs by what it
/// accepts, not by its patience).
pub fn timeouts(mode: ConnectionMode) -> Timeouts {
    match mode {
        ConnectionMode::Normal | ConnectionMode::Secure => Timeouts {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(10),
            retries: 0,
        },
        ConnectionMode::Extended => Timeouts {
            connect: Duration::from_secs(15),
            request: Duration::from_secs(30),
            retries: 2,
        },
    }
}

/// Installs `ring` as the process's TLS crypto provider. Reqwest is built without
/// a provider of its own (`rustls-no-provider`), so this must run before the first
/// client or TLS configuration is made; every entry point of this module calls it.
/// Calling it again, or after someone else installed a provider, does nothing.
pub fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Another thread may win the race: "already installed" is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_have_the_protocol_time_limits() {
        let normal = timeouts(ConnectionMode::Normal);
        assert_eq!(normal.connect, Duration::from_secs(5));
        assert_eq!(normal.request, Duration::from_secs(10));
        assert_eq!(normal.retries, 0);
        let extended = timeouts(ConnectionMode::Extended);
        assert_eq!(extended.connect, Duration::from_secs(15));
        assert_eq!(extended.request, Duration::from_secs(30));
        assert_eq!(extended.retries, 2);
        assert_eq!(timeouts(ConnectionMode::Secure), normal);
    }

    #[test]
    fn installing_the_provider_twice_is_harmless() {
        install_crypto_provider();
        install_crypto_provider();
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
    }
}
