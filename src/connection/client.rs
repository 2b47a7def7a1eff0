//! The one HTTP client configuration every call to a server goes through.
//!
//! From the connection settings it makes a TLS configuration (the usual roots —
//! Mozilla's list and the system's store — plus the optional extra authority file
//! of the settings; verification is never switched off) and a blocking reqwest
//! client with the time limits of the mode, no redirect following (PROTOCOL.md:
//! redirects are shown, not followed), our `User-Agent`, and the proxy of the
//! connection kind. The proxy password is given decrypted by the caller, used for
//! the `Proxy-Authorization` header and nowhere else.
//!
//! [`ProxyRoute`] tells, for one address, which proxy a call goes through: the
//! server test uses it to check the way step by step with the same decision the
//! client makes.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use url::Url;

use super::{install_crypto_provider, timeouts};
use crate::config::{ConnectionKind, ConnectionMode, ConnectionSettings};

/// Errors of making a client from the connection settings.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The extra certificate authority file could not be read.
    #[error("cannot read the extra certificate authority file {path}: {source}")]
    ExtraCaUnreadable {
        /// The file named in the settings.
        path: PathBuf,
        /// The system error.
        source: std::io::Error,
    },
    /// The extra certificate authority file holds no usable certificate.
    #[error("the extra certificate authority file {path} holds no usable certificate: {detail}")]
    ExtraCaInvalid {
        /// The file named in the settings.
        path: PathBuf,
        /// What the PEM reader or the certificate store said.
        detail: String,
    },
    /// An `http://` address while the mode is Sécurisé; nothing was sent.
    #[error("{url}: the secure mode only accepts https:// addresses")]
    SchemeRefusedInSecureMode {
        /// The address refused (without any user information).
        url: String,
    },
    /// The proxy settings (or the `*_PROXY` environment variable) cannot be used.
    #[error("unusable proxy setting {origin}: {detail}")]
    BadProxy {
        /// Where the setting came from: `proxy` (the settings) or a variable name.
        origin: String,
        /// What is wrong (never the password).
        detail: String,
    },
    /// The TLS layer or the HTTP client could not be set up.
    #[error("the HTTP client cannot be set up: {detail}")]
    Setup {
        /// The library's message.
        detail: String,
    },
}

/// The `User-Agent` of every call: `iea-maintenance/<version>`.
pub fn user_agent() -> String {
    format!("iea-maintenance/{}", crate::updates::program_version())
}

/// The TLS configuration of every call: Mozilla's roots (webpki-roots), the
/// system's store (unreadable system certificates are skipped) and the extra
/// authority file of the settings when there is one. A missing or unusable extra
/// file is an error: the user asked for it, so it is never silently ignored.
pub fn tls_config(settings: &ConnectionSettings) -> Result<rustls::ClientConfig, ClientError> {
    install_crypto_provider();
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    // The system store may hold certificates rustls cannot parse, and may be
    // partly unreadable: what can be used is used.
    let native = rustls_native_certs::load_native_certs();
    let _ = roots.add_parsable_certificates(native.certs);
    if let Some(path) = &settings.extra_ca_file {
        for cert in read_extra_ca(path)? {
            roots.add(cert).map_err(|e| ClientError::ExtraCaInvalid {
                path: path.clone(),
                detail: e.to_string(),
            })?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Setup {
            detail: e.to_string(),
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    // The client speaks HTTP/1.1 only (reqwest is built without HTTP/2).
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The certificates of a PEM file; at least one is required.
fn read_extra_ca(path: &Path) -> Result<Vec<CertificateDer<'static>>, ClientError> {
    let bytes = std::fs::read(path).map_err(|source| ClientError::ExtraCaUnreadable {
        path: path.to_path_buf(),
        source,
    })?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ClientError::ExtraCaInvalid {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(ClientError::ExtraCaInvalid {
            path: path.to_path_buf(),
            detail: "no CERTIFICATE section".to_owned(),
        });
    }
    Ok(certs)
}

/// Refuses an `http://` address in Sécurisé mode, before anything is sent.
pub fn check_scheme(settings: &ConnectionSettings, url: &Url) -> Result<(), ClientError> {
    if settings.mode == ConnectionMode::Secure && url.scheme() != "https" {
        return Err(ClientError::SchemeRefusedInSecureMode {
            url: display_url(url),
        });
    }
    Ok(())
}

/// The blocking client of the settings: TLS of [`tls_config`], the time limits of
/// the mode, redirects not followed, our `User-Agent`, and the proxy of the
/// connection kind (`proxy_password` is the decrypted proxy password, if any). In
/// Sécurisé mode the client also refuses any `http://` address by itself.
pub fn build_client(
    settings: &ConnectionSettings,
    proxy_password: Option<&str>,
) -> Result<reqwest::blocking::Client, ClientError> {
    build_client_with_tls(settings, proxy_password, tls_config(settings)?)
}

/// [`build_client`] with a TLS configuration already made by [`tls_config`].
pub(crate) fn build_client_with_tls(
    settings: &ConnectionSettings,
    proxy_password: Option<&str>,
    tls: rustls::ClientConfig,
) -> Result<reqwest::blocking::Client, ClientError> {
    install_crypto_provider();
    let limits = timeouts(settings.mode);
    let mut builder = reqwest::blocking::Client::builder()
        .tls_backend_preconfigured(tls)
        .connect_timeout(limits.connect)
        .timeout(limits.request)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(user_agent())
        .https_only(settings.mode == ConnectionMode::Secure);
    builder = match settings.kind {
        ConnectionKind::Direct => builder.no_proxy(),
        ConnectionKind::Proxy => {
            let target = ProxyTarget::from_settings(settings, proxy_password)?;
            let mut proxy = reqwest::Proxy::all(target.url_without_credentials()).map_err(|e| {
                ClientError::BadProxy {
                    origin: "proxy".to_owned(),
                    detail: e.without_url().to_string(),
                }
            })?;
            if let Some((user, password)) = &target.credentials {
                proxy = proxy.basic_auth(user, password);
            }
            builder.proxy(proxy)
        }
        ConnectionKind::System => {
            let system = SystemProxy::from_env()?;
            builder.proxy(reqwest::Proxy::custom(move |url| {
                system.for_url(url).and_then(|t| t.url_with_credentials())
            }))
        }
    };
    builder.build().map_err(|e| ClientError::Setup {
        detail: e.without_url().to_string(),
    })
}

/// An address as shown to the user: without user name or password.
pub fn display_url(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

// ---------------------------------------------------------------------------
// Which proxy a call goes through.

/// The proxy one call goes through.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyTarget {
    /// Host name or address of the proxy (IPv6 without brackets).
    pub host: String,
    /// Its port.
    pub port: u16,
    /// User and password for `Proxy-Authorization: Basic`, when a user is set.
    pub credentials: Option<(String, String)>,
}

impl std::fmt::Debug for ProxyTarget {
    /// Shows the proxy without its password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyTarget")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.credentials.as_ref().map(|(u, _)| u))
            .finish_non_exhaustive()
    }
}

impl ProxyTarget {
    fn from_settings(
        settings: &ConnectionSettings,
        proxy_password: Option<&str>,
    ) -> Result<Self, ClientError> {
        let p = &settings.proxy;
        let host = p.host.trim().trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(ClientError::BadProxy {
                origin: "proxy".to_owned(),
                detail: "no proxy host".to_owned(),
            });
        }
        let user = p.user.trim();
        Ok(Self {
            host: host.to_owned(),
            port: p.port,
            credentials: (!user.is_empty()).then(|| {
                (
                    user.to_owned(),
                    proxy_password.unwrap_or_default().to_owned(),
                )
            }),
        })
    }

    /// `host:port` as written in a request line (`[v6]:port` for IPv6).
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    fn url_without_credentials(&self) -> String {
        format!("http://{}", self.authority())
    }

    /// The proxy as an address with its credentials, the form reqwest reads
    /// them from for a custom proxy. Never shown nor logged.
    fn url_with_credentials(&self) -> Option<Url> {
        let mut url = Url::parse(&self.url_without_credentials()).ok()?;
        if let Some((user, password)) = &self.credentials {
            url.set_username(user).ok()?;
            url.set_password(Some(password)).ok()?;
        }
        Some(url)
    }

    /// The value of `Proxy-Authorization`, when credentials are set.
    pub fn authorization(&self) -> Option<String> {
        use base64::Engine as _;
        self.credentials.as_ref().map(|(user, password)| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            )
        })
    }
}

/// How one call reaches its server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyRoute {
    /// Straight to the server.
    Direct,
    /// Through an HTTP proxy (CONNECT for `https://`, forwarding for `http://`).
    Via(ProxyTarget),
}

impl ProxyRoute {
    /// The route of a call to `url` with these settings; the same decision the
    /// client of [`build_client`] makes.
    pub fn for_url(
        settings: &ConnectionSettings,
        proxy_password: Option<&str>,
        url: &Url,
    ) -> Result<Self, ClientError> {
        Ok(match settings.kind {
            ConnectionKind::Direct => Self::Direct,
            ConnectionKind::Proxy => {
                Self::Via(ProxyTarget::from_settings(settings, proxy_password)?)
            }
            ConnectionKind::System => SystemProxy::from_env()?
                .for_url(url)
                .map_or(Self::Direct, Self::Via),
        })
    }
}

/// The system's proxy settings, read from the environment variables every
/// platform knows: `HTTPS_PROXY` for `https://` addresses, `HTTP_PROXY` for
/// `http://` ones, `ALL_PROXY` for both when the specific one is absent (lower-case
/// names too), and `NO_PROXY` for the hosts reached directly. Only `http://`
/// proxies (or `host:port` without scheme) are supported.
#[derive(Clone, PartialEq, Eq)]
pub struct SystemProxy {
    https: Option<ProxyTarget>,
    http: Option<ProxyTarget>,
    no_proxy: Vec<String>,
}

impl std::fmt::Debug for SystemProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SystemProxy")
            .field("https", &self.https)
            .field("http", &self.http)
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

impl SystemProxy {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ClientError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the variables through `lookup` (the environment, or a test's table).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ClientError> {
        let first = |names: &[&'static str]| {
            names.iter().find_map(|name| {
                lookup(name)
                    .map(|v| v.trim().to_owned())
                    .filter(|v| !v.is_empty())
                    .map(|v| (*name, v))
            })
        };
        let all = first(&["ALL_PROXY", "all_proxy"]);
        let parse = |found: Option<(&'static str, String)>| {
            found
                .or_else(|| all.clone())
                .map(|(name, value)| parse_proxy_variable(name, &value))
                .transpose()
        };
        let https = parse(first(&["HTTPS_PROXY", "https_proxy"]))?;
        let http = parse(first(&["HTTP_PROXY", "http_proxy"]))?;
        let no_proxy = first(&["NO_PROXY", "no_proxy"])
            .map(|(_, v)| {
                v.split(',')
                    .map(|s| s.trim().to_ascii_lowercase())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            https,
            http,
            no_proxy,
        })
    }

    /// The proxy for `url`, `None` to go direct.
    pub fn for_url(&self, url: &Url) -> Option<ProxyTarget> {
        let target = match url.scheme() {
            "https" => self.https.as_ref(),
            "http" => self.http.as_ref(),
            _ => None,
        }?;
        let host = url.host_str()?;
        (!self.bypasses(host)).then(|| target.clone())
    }

    /// Whether `host` is listed in `NO_PROXY`: `*` for every host, an address,
    /// an IPv4 network (`192.168.0.0/16`), or a domain that also covers its
    /// sub-domains (`asso.fr` and `.asso.fr` both cover `paie.asso.fr`).
    fn bypasses(&self, host: &str) -> bool {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        let ip = host.parse::<IpAddr>().ok();
        self.no_proxy.iter().any(|entry| {
            if entry == "*" {
                return true;
            }
            if let Some((net, bits)) = entry.split_once('/') {
                return match (ip, net.parse::<IpAddr>(), bits.parse::<u32>()) {
                    (Some(IpAddr::V4(a)), Ok(IpAddr::V4(n)), Ok(bits)) if bits <= 32 => {
                        let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
                        u32::from(a) & mask == u32::from(n) & mask
                    }
                    (Some(IpAddr::V6(a)), Ok(IpAddr::V6(n)), Ok(bits)) if bits <= 128 => {
                        let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
                        u128::from(a) & mask == u128::from(n) & mask
                    }
                    _ => false,
                };
            }
            let entry = entry.trim_start_matches('[');
            let name = entry.split(']').next().unwrap_or(entry);
            // "host:port" entries: the port is not taken into account.
            let name = match name.rsplit_once(':') {
                Some((h, port)) if !h.contains(':') && port.parse::<u16>().is_ok() => h,
                _ => name,
            };
            let name = name.trim_start_matches("*.").trim_start_matches('.');
            if let (Some(ip), Ok(entry_ip)) = (ip, name.parse::<IpAddr>()) {
                return ip == entry_ip;
            }
            !name.is_empty()
                && (host == name
                    || host
                        .strip_suffix(name)
                        .is_some_and(|head| head.ends_with('.')))
        })
    }
}

/// A `*_PROXY` value: `http://[user[:password]@]host[:port]` or `host[:port]`.
fn parse_proxy_variable(name: &str, value: &str) -> Result<ProxyTarget, ClientError> {
    let bad = |detail: &str| ClientError::BadProxy {
        origin: name.to_owned(),
        detail: detail.to_owned(),
    };
    let text = if value.contains("://") {
        value.to_owned()
    } else {
        format!("http://{value}")
    };
    let url = Url::parse(&text).map_err(|_| bad("not an address"))?;
    if url.scheme() != "http" {
        return Err(bad("only http:// proxies are supported"));
    }
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad("no host"))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let credentials = (!url.username().is_empty()).then(|| {
        (
            percent_decode(url.username()),
            percent_decode(url.password().unwrap_or_default()),
        )
    });
    Ok(ProxyTarget {
        host,
        port: url.port_or_known_default().unwrap_or(80),
        credentials,
    })
}

/// Decodes `%XX` escapes of a URL's user information.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = (bytes[i] == b'%')
            .then(|| s.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        if let Some(b) = decoded {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::home::Home;

    fn settings() -> (tempfile::TempDir, ConnectionSettings) {
        let dir = tempfile::tempdir().expect("tempdir");
        let c = Config::defaults(&Home::at(dir.path())).connection;
        (dir, c)
    }

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    fn url(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    #[test]
    fn default_tls_config_has_roots_and_http1() {
        let (_d, s) = settings();
        let config = tls_config(&s).expect("config");
        assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
    }

    #[test]
    fn a_missing_or_bad_extra_ca_file_is_an_error() {
        let (dir, mut s) = settings();
        s.extra_ca_file = Some(dir.path().join("absent.pem"));
        assert!(matches!(
            tls_config(&s),
            Err(ClientError::ExtraCaUnreadable { .. })
        ));
        let bad = dir.path().join("bad.pem");
        std::fs::write(&bad, "pas un certificat").expect("write");
        s.extra_ca_file = Some(bad.clone());
        assert!(matches!(
            tls_config(&s),
            Err(ClientError::ExtraCaInvalid { .. })
        ));
        std::fs::write(
            &bad,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .expect("write");
        assert!(matches!(
            tls_config(&s),
            Err(ClientError::ExtraCaInvalid { .. })
        ));
        assert!(build_client(&s, None).is_err());
    }

    #[test]
    fn http_is_refused_in_secure_mode_only() {
        let (_d, mut s) = settings();
        let plain = url("http://user:secret@impact-emploi.urssaf.fr/");
        match check_scheme(&s, &plain) {
            Err(ClientError::SchemeRefusedInSecureMode { url }) => {
                assert!(!url.contains("secret"), "{url}");
                assert!(!url.contains("user"), "{url}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert!(check_scheme(&s, &url("https://impact-emploi.urssaf.fr/")).is_ok());
        s.mode = ConnectionMode::Normal;
        assert!(check_scheme(&s, &plain).is_ok());
    }

    #[test]
    fn clients_build_for_every_kind() {
        let (_d, mut s) = settings();
        assert!(build_client(&s, None).is_ok());
        s.kind = ConnectionKind::Proxy;
        s.proxy.host = "proxy.asso.local".into();
        s.proxy.user = "paie".into();
        assert!(build_client(&s, Some("mot-de-passe")).is_ok());
        s.kind = ConnectionKind::System;
        assert!(build_client(&s, None).is_ok());
    }

    #[test]
    fn proxy_target_debug_hides_the_password() {
        let (_d, mut s) = settings();
        s.kind = ConnectionKind::Proxy;
        s.proxy.host = "proxy.asso.local".into();
        s.proxy.port = 3128;
        s.proxy.user = "paie".into();
        let route =
            ProxyRoute::for_url(&s, Some("tres-secret"), &url("https://x.fr/")).expect("route");
        let ProxyRoute::Via(target) = &route else {
            panic!("expected a proxy, got {route:?}");
        };
        assert_eq!(target.authority(), "proxy.asso.local:3128");
        assert!(!format!("{route:?}").contains("tres-secret"));
        assert_eq!(
            target.authorization().as_deref(),
            Some("Basic cGFpZTp0cmVzLXNlY3JldA==")
        );
    }

    #[test]
    fn system_proxy_follows_the_variables() {
        let p = SystemProxy::from_lookup(env(&[
            ("HTTPS_PROXY", "http://user:p%40ss@proxy.asso.local:3128"),
            ("http_proxy", "proxy2.asso.local:8080"),
            (
                "NO_PROXY",
                "localhost, .interne.asso.fr, 10.0.0.0/8, 192.168.1.5, [::1]",
            ),
        ]))
        .expect("proxy");
        let https = p
            .for_url(&url("https://impact-emploi.urssaf.fr/"))
            .expect("https");
        assert_eq!(https.authority(), "proxy.asso.local:3128");
        assert_eq!(
            https.credentials,
            Some(("user".to_owned(), "p@ss".to_owned()))
        );
        let http = p
            .for_url(&url("http://impact-emploi.urssaf.fr/"))
            .expect("http");
        assert_eq!(http.authority(), "proxy2.asso.local:8080");
        assert_eq!(http.credentials, None);
        for direct in [
            "https://localhost:8443/",
            "https://paie.interne.asso.fr/",
            "https://interne.asso.fr/",
            "https://10.20.30.40/",
            "https://192.168.1.5/",
            "https://[::1]:8443/",
        ] {
            assert_eq!(p.for_url(&url(direct)), None, "{direct}");
        }
        for proxied in ["https://192.168.1.6/", "https://pasinterne.asso.fr/"] {
            assert!(p.for_url(&url(proxied)).is_some(), "{proxied}");
        }
    }

    #[test]
    fn system_proxy_fallbacks_and_refusals() {
        let p = SystemProxy::from_lookup(env(&[("ALL_PROXY", "http://all.asso.local:3128")]))
            .expect("proxy");
        assert!(p.for_url(&url("https://x.fr/")).is_some());
        assert!(p.for_url(&url("http://x.fr/")).is_some());
        let p = SystemProxy::from_lookup(env(&[
            ("HTTPS_PROXY", "http://p.local:3128"),
            ("NO_PROXY", "*"),
        ]))
        .expect("proxy");
        assert_eq!(p.for_url(&url("https://x.fr/")), None);
        assert!(
            SystemProxy::from_lookup(env(&[]))
                .expect("none")
                .for_url(&url("https://x.fr/"))
                .is_none()
        );
        assert!(matches!(
            SystemProxy::from_lookup(env(&[("HTTPS_PROXY", "socks5://p.local:1080")])),
            Err(ClientError::BadProxy { .. })
        ));
    }
}
