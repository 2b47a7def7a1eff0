//! The Net-entreprises authentication service (PROTOCOL.md, "Net-entreprises
//! authentication", the public API of the GIP-MDS guide): is this SIRET, nom,
//! prénom and mot de passe accepted by the portal?
//!
//! [`Portal::check`] sends one `POST {N}` with the `<identifiants>` XML body and
//! reads the answer into a [`CredentialVerdict`]: a 200 is valid (its body, the
//! token, is read only to see that it is there, then wiped: it is never shown,
//! kept, logged nor put in an error; its `Expires` header gives its lifetime),
//! each 401 realm, 403, 407, 422, 429, 404/503 and a redirect have their own
//! verdict. The call is made once: a refused test is never tried again by
//! itself, because three refusals lock the account on the portal.
//!
//! The client is the one of the connection settings ([`super::client`]): their
//! proxy, their extra certificate authority, their time limits, redirects shown
//! and never followed.

use std::io::Read as _;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use url::Url;

use super::client::{ClientError, build_client, check_scheme, display_url};
use super::servers::{ServerProblem, Step};
use super::{install_crypto_provider, timeouts};
use crate::config::ConnectionSettings;

/// The realm of an unknown account or a wrong password.
pub const REALM_WRONG_CREDENTIALS: &str = "net-entreprises.fr";
/// The realm of an expired password.
pub const REALM_PASSWORD_EXPIRED: &str = "Expiration du mot de passe";
/// The realm of a declarant not registered for the DSN service.
pub const REALM_NOT_REGISTERED: &str = "Utilisateur non-inscrit au service";

/// The service code of the DSN general scheme in production.
pub const SERVICE_PRODUCTION: u16 = 25;
/// The service code of the test environment.
pub const SERVICE_TEST: u16 = 97;
/// The host of the test environment.
pub const TEST_HOST: &str = "test-services.net-entreprises.fr";

/// The most of a token read (a token is a few hundred bytes).
const MAX_TOKEN_BYTES: u64 = 64 * 1024;

/// The `<identifiants>` of one declarant, exactly as typed: no trimming, no
/// change of case. Its `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The establishment's SIRET (14 digits).
    pub siret: String,
    /// "Nom" of the declarant on the portal.
    pub last_name: String,
    /// "Prénom" of the declarant on the portal.
    pub first_name: String,
    password: String,
}

impl Credentials {
    /// Credentials as typed.
    pub fn new(siret: &str, last_name: &str, first_name: &str, password: &str) -> Self {
        Self {
            siret: siret.to_owned(),
            last_name: last_name.to_owned(),
            first_name: first_name.to_owned(),
            password: password.to_owned(),
        }
    }

    /// The password, for the one call that sends it and for its encryption.
    pub fn password(&self) -> &str {
        &self.password
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("siret", &self.siret)
            .field("last_name", &self.last_name)
            .field("first_name", &self.first_name)
            .field("password", &"<masqué>")
            .finish()
    }
}

/// What the portal said of a set of credentials (PROTOCOL.md's table), or why
/// it could not be asked. No variant carries the token or the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum CredentialVerdict {
    /// 200: the credentials are valid; a token was issued (and wiped).
    Valid {
        /// The token's expiry from `Expires` (RFC 3339), when the header is there.
        expires: Option<String>,
        /// Its lifetime in seconds, from the server's `Date` (or this computer's
        /// clock) to `Expires`.
        lifetime_secs: Option<i64>,
    },
    /// 401 `Basic realm="net-entreprises.fr"`: unknown account or wrong password.
    WrongCredentials,
    /// 401 realm "Expiration du mot de passe".
    PasswordExpired,
    /// 401 `DSNLogin realm="Utilisateur non-inscrit au service"`.
    NotRegistered,
    /// A 401 with another realm (or none): refused, for a reason the protocol
    /// does not list.
    Unauthorized {
        /// The realm given, empty when none.
        realm: String,
    },
    /// 403: the account is locked after several failures (or the request refused).
    Locked,
    /// 407: the portal judged the request dangerous.
    Dangerous,
    /// 422: invalid parameters.
    InvalidParameters,
    /// 429: too many requests.
    TooManyRequests {
        /// `Retry-After`, in seconds, when the portal gave it.
        retry_after_secs: Option<u64>,
    },
    /// 404 or 503: the service is unavailable.
    Unavailable {
        /// The status.
        status: u16,
    },
    /// A 3xx: the service is elsewhere or in maintenance; not followed.
    Redirected {
        /// Where to (without user information or query).
        location: String,
    },
    /// An answer the protocol does not list (a 200 without a token included).
    Unexpected {
        /// The status.
        status: u16,
    },
    /// No answer: the way to the portal failed (nothing was judged).
    Unreachable {
        /// The step that failed.
        step: Step,
        /// What went wrong.
        problem: ServerProblem,
    },
}

impl CredentialVerdict {
    /// The verdict's code, as kept in the store and printed by `--json`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Valid { .. } => "valid",
            Self::WrongCredentials => "wrong_credentials",
            Self::PasswordExpired => "password_expired",
            Self::NotRegistered => "not_registered",
            Self::Unauthorized { .. } => "unauthorized",
            Self::Locked => "locked",
            Self::Dangerous => "dangerous",
            Self::InvalidParameters => "invalid_parameters",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::Unavailable { .. } => "unavailable",
            Self::Redirected { .. } => "redirected",
            Self::Unexpected { .. } => "unexpected",
            Self::Unreachable { .. } => "unreachable",
        }
    }

    /// Whether the portal accepted the credentials.
    pub fn is_valid(&self) -> bool {
        matches!(self, Self::Valid { .. })
    }

    /// Whether the portal refused the credentials themselves: such a refusal
    /// counts towards the lock of the account (three in a row).
    pub fn is_refusal(&self) -> bool {
        matches!(self, Self::WrongCredentials | Self::Unauthorized { .. })
    }
}

/// The service code for the address `url`: 97 on the test environment, 25
/// everywhere else.
pub fn service_code(url: &Url) -> u16 {
    if url.host_str() == Some(TEST_HOST) {
        SERVICE_TEST
    } else {
        SERVICE_PRODUCTION
    }
}

/// `text` with the five XML special characters escaped.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// The request body of PROTOCOL.md, values escaped and otherwise as typed.
pub fn request_body(credentials: &Credentials, service: u16) -> String {
    format!(
        "<identifiants>\n  <siret>{}</siret>\n  <nom>{}</nom>\n  <prenom>{}</prenom>\n  \
         <motdepasse>{}</motdepasse>\n  <service>{service}</service>\n</identifiants>",
        xml_escape(&credentials.siret),
        xml_escape(&credentials.last_name),
        xml_escape(&credentials.first_name),
        xml_escape(&credentials.password),
    )
}

/// `User-Agent` of the Net-entreprises API (PROTOCOL.md).
pub fn dsn_user_agent() -> String {
    format!(
        "Client-DSN (iea-maintenance/{}; Impact emploi association)",
        env!("CARGO_PKG_VERSION")
    )
}

/// The Net-entreprises address of the connection settings and the client that
/// reaches it; one for many tests ("Tester tous les comptes" shares it between
/// its workers).
#[derive(Debug, Clone)]
pub struct Portal {
    url: Url,
    service: u16,
    client: reqwest::blocking::Client,
    request_secs: u64,
}

impl Portal {
    /// The portal of `settings` (`proxy_password`: the decrypted proxy password,
    /// if any), or the step and problem that prevent any call — an `http://`
    /// address in Sécurisé mode among them.
    pub fn new(
        settings: &ConnectionSettings,
        proxy_password: Option<&str>,
    ) -> Result<Self, (Step, ServerProblem)> {
        install_crypto_provider();
        let url = settings.net_entreprises_url.clone();
        let made = || -> Result<Self, ClientError> {
            check_scheme(settings, &url)?;
            Ok(Self {
                service: service_code(&url),
                client: build_client(settings, proxy_password)?,
                request_secs: timeouts(settings.mode).request.as_secs(),
                url: url.clone(),
            })
        };
        made().map_err(|e| ServerProblem::from_client_error(&e))
    }

    /// The address tested, as shown (without user information).
    pub fn url(&self) -> String {
        display_url(&self.url)
    }

    /// Asks the portal once whether `credentials` are valid (never again by
    /// itself: see the module's doc).
    pub fn check(&self, credentials: &Credentials) -> CredentialVerdict {
        let sent = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/xml")
            .header(reqwest::header::USER_AGENT, dsn_user_agent())
            .body(request_body(credentials, self.service))
            .send();
        match sent {
            Ok(response) => judge(&self.url, response, Utc::now()),
            Err(e) => {
                let (step, problem) = transport_problem(&e, self.request_secs);
                CredentialVerdict::Unreachable { step, problem }
            }
        }
    }
}

/// Reads the answer as PROTOCOL.md's table says.
fn judge(
    url: &Url,
    response: reqwest::blocking::Response,
    now: DateTime<Utc>,
) -> CredentialVerdict {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let header = |name: reqwest::header::HeaderName| {
        headers
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    match status {
        200 => {
            // The token: read to see that one came, then wiped and dropped.
            let mut token = Vec::new();
            let read = response.take(MAX_TOKEN_BYTES).read_to_end(&mut token);
            let issued = read.is_ok() && token.iter().any(|b| !b.is_ascii_whitespace());
            token.fill(0);
            drop(token);
            if !issued {
                return CredentialVerdict::Unexpected { status };
            }
            let expires = header(reqwest::header::EXPIRES).and_then(|e| http_date(&e));
            let origin = header(reqwest::header::DATE)
                .and_then(|d| http_date(&d))
                .unwrap_or(now);
            CredentialVerdict::Valid {
                expires: expires.map(|e| e.to_rfc3339()),
                lifetime_secs: expires.map(|e| (e - origin).num_seconds()),
            }
        }
        401 => {
            let challenge = header(reqwest::header::WWW_AUTHENTICATE).unwrap_or_default();
            let realm = realm_of(&challenge);
            match realm.as_str() {
                REALM_WRONG_CREDENTIALS => CredentialVerdict::WrongCredentials,
                REALM_PASSWORD_EXPIRED => CredentialVerdict::PasswordExpired,
                REALM_NOT_REGISTERED => CredentialVerdict::NotRegistered,
                _ => CredentialVerdict::Unauthorized { realm },
            }
        }
        403 => CredentialVerdict::Locked,
        407 => CredentialVerdict::Dangerous,
        422 => CredentialVerdict::InvalidParameters,
        429 => CredentialVerdict::TooManyRequests {
            retry_after_secs: header(reqwest::header::RETRY_AFTER)
                .and_then(|r| retry_after_secs(&r, now)),
        },
        404 | 503 => CredentialVerdict::Unavailable { status },
        300..=399 => match header(reqwest::header::LOCATION) {
            Some(location) => CredentialVerdict::Redirected {
                location: clean_location(url, &location),
            },
            None => CredentialVerdict::Unexpected { status },
        },
        _ => CredentialVerdict::Unexpected { status },
    }
}

/// The realm of a `WWW-Authenticate` challenge (`Basic realm="…"`,
/// `DSNLogin realm="…"`), empty when there is none.
pub fn realm_of(challenge: &str) -> String {
    let lower = challenge.to_ascii_lowercase();
    let Some(at) = lower.find("realm=") else {
        return String::new();
    };
    let rest = &challenge[at + "realm=".len()..];
    if let Some(quoted) = rest.strip_prefix('"') {
        quoted.split('"').next().unwrap_or_default().to_owned()
    } else {
        rest.split([',', ' ']).next().unwrap_or_default().to_owned()
    }
}

/// An HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn http_date(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(text.trim())
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// `Retry-After` in seconds: a number of seconds, or an HTTP date.
fn retry_after_secs(text: &str, now: DateTime<Utc>) -> Option<u64> {
    let text = text.trim();
    text.parse::<u64>().ok().or_else(|| {
        http_date(text).map(|at| u64::try_from((at - now).num_seconds().max(0)).unwrap_or(0))
    })
}

/// A `Location` as shown: absolute, without user information, query or fragment.
fn clean_location(base: &Url, location: &str) -> String {
    match base.join(location) {
        Ok(mut url) => {
            url.set_query(None);
            url.set_fragment(None);
            display_url(&url)
        }
        Err(_) => location.chars().take(200).collect(),
    }
}

/// The step and problem of a call that got no answer.
fn transport_problem(e: &reqwest::Error, request_secs: u64) -> (Step, ServerProblem) {
    if e.is_timeout() {
        return (
            Step::Http,
            ServerProblem::NoAnswerInTime {
                timeout_secs: request_secs,
            },
        );
    }
    let mut source: Option<&dyn std::error::Error> = Some(e);
    let mut words = Vec::new();
    while let Some(err) = source {
        if let Some(tls) = err.downcast_ref::<rustls::Error>() {
            return (Step::Tls, tls_problem(tls));
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                return (Step::Tcp, ServerProblem::ConnectionRefused);
            }
            if let Some(tls) = io
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            {
                return (Step::Tls, tls_problem(tls));
            }
        }
        let text = err.to_string();
        if text.contains("dns error") || text.contains("failed to lookup address") {
            return (Step::Dns, ServerProblem::NameNotFound);
        }
        // The top level names the address, which may hold user information.
        let shown = e.url().map_or(text.clone(), |url| {
            text.replace(url.as_str(), &display_url(url))
        });
        if !words.contains(&shown) {
            words.push(shown);
        }
        source = err.source();
    }
    let step = if e.is_connect() {
        Step::Tcp
    } else {
        Step::Http
    };
    (step, ServerProblem::Other(words.join(": ")))
}

fn tls_problem(e: &rustls::Error) -> ServerProblem {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(C::UnknownIssuer) => {
            ServerProblem::CertificateUnknownIssuer
        }
        rustls::Error::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
            ServerProblem::CertificateExpired
        }
        rustls::Error::InvalidCertificate(
            C::NotValidForName | C::NotValidForNameContext { .. },
        ) => ServerProblem::CertificateWrongName,
        rustls::Error::InvalidCertificate(other) => {
            ServerProblem::CertificateOther(format!("{other:?}"))
        }
        other => ServerProblem::Other(other.to_string()),
    }
}

/// The time limit of one test in the mode of `settings`, for the windows that
/// say how long they may wait.
pub fn time_limit(settings: &ConnectionSettings) -> Duration {
    timeouts(settings.mode).request
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_the_protocol_s_xml_with_values_as_typed() {
        let c = Credentials::new("73282932000074", " Dupont ", "Zoé & <Léa>", "p\"a's");
        let body = request_body(&c, SERVICE_PRODUCTION);
        assert_eq!(
            body,
            "<identifiants>\n  <siret>73282932000074</siret>\n  <nom> Dupont </nom>\n  \
             <prenom>Zoé &amp; &lt;Léa&gt;</prenom>\n  <motdepasse>p&quot;a&apos;s</motdepasse>\n  \
             <service>25</service>\n</identifiants>"
        );
        assert!(!format!("{c:?}").contains("p\"a's"));
    }

    #[test]
    fn the_test_environment_has_its_service_code() {
        let prod =
            Url::parse("https://services.net-entreprises.fr/authentifier/1.0/").expect("url");
        let test =
            Url::parse("https://test-services.net-entreprises.fr/authentifier/1.0/").expect("url");
        assert_eq!(service_code(&prod), 25);
        assert_eq!(service_code(&test), 97);
    }

    #[test]
    fn realms_are_read_from_the_challenge() {
        assert_eq!(
            realm_of("Basic realm=\"net-entreprises.fr\""),
            "net-entreprises.fr"
        );
        assert_eq!(
            realm_of("DSNLogin realm=\"Utilisateur non-inscrit au service\""),
            "Utilisateur non-inscrit au service"
        );
        assert_eq!(realm_of("Basic Realm=abc, charset=\"UTF-8\""), "abc");
        assert_eq!(realm_of("Bearer"), "");
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        let now = DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z")
            .expect("now")
            .with_timezone(&Utc);
        assert_eq!(retry_after_secs("120", now), Some(120));
        assert_eq!(
            retry_after_secs("Sun, 22 Nov 2026 10:05:00 GMT", now),
            Some(300)
        );
        assert_eq!(retry_after_secs("bientôt", now), None);
    }

    #[test]
    fn locations_are_shown_without_secrets() {
        let base = Url::parse("https://services.example/authentifier/1.0/").expect("url");
        assert_eq!(
            clean_location(&base, "https://u:p@maintenance.example/page?jeton=x#a"),
            "https://maintenance.example/page"
        );
        assert_eq!(
            clean_location(&base, "/ailleurs/"),
            "https://services.example/ailleurs/"
        );
    }
}
