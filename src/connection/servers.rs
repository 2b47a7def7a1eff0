//! "Tester l'accès aux serveurs": checks the three addresses of the connection
//! settings the way PROTOCOL.md says, and says for each which step failed.
//!
//! - authentication server A: `GET {A}/api/v1/ping`, reachable when it answers 200
//!   with `{"service":"iea-auth"}`;
//! - update server U: `GET {U}/manifest.json`, reachable when it answers 200 with
//!   JSON;
//! - Net-entreprises N: `POST {N}` of an empty `<identifiants/>`, reachable on any
//!   HTTP answer (a 4xx proves the service read the request); a redirect is shown
//!   as such and never followed.
//!
//! To tell the user *where* it breaks, each call first walks the way itself with
//! the limits of the mode — name resolution (on a thread, with a limit), TCP
//! connection, the proxy tunnel, the TLS handshake with the very configuration of
//! the client — then makes the request with the reqwest client. A failure of one
//! step is reported with that [`Step`] and a [`ServerProblem`].
//!
//! Time limits: the three servers are tested at the same time, and each call,
//! retries included, lives within one budget — the request limit of the mode
//! (10 s in Normal and Sécurisé, 30 s in Étendu), the connection steps within the
//! connect limit. So the whole test never lasts longer than the budget of one call,
//! whatever the servers do. In Étendu mode a call that failed for a passing reason
//! (connection refused or reset, no answer while connecting, 502/503/504) is tried
//! again up to twice, after 1 s then 2 s, but only while enough of the budget is
//! left for a real attempt: the bound is never traded for retries.

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use url::{Host, Url};

use super::client::{
    self, ClientError, ProxyRoute, ProxyTarget, build_client_with_tls, check_scheme, display_url,
};
use super::{Timeouts, install_crypto_provider, timeouts};
use crate::config::{ConnectionKind, ConnectionMode, ConnectionSettings};
use crate::fsutil;
use crate::home::Home;

/// The file, under `IEA_HOME`, that keeps the last server test.
pub const LAST_TEST_FILE: &str = "dernier-test-serveurs.json";

/// The three addresses of the connection settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerName {
    /// "Adresse du serveur d'authentification" (A).
    Authentification,
    /// "Adresse du serveur de mise à jour" (U).
    MiseAJour,
    /// "Adresse d'authentification Net Entreprise" (N).
    NetEntreprises,
}

/// The steps of reaching a server, in order; `Ok` when all went well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Finding the server's address from its name.
    Dns,
    /// Opening the TCP connection.
    Tcp,
    /// Securing the connection (TLS handshake, certificate); also the refusal of
    /// `http://` in Sécurisé mode, which is a matter of securing.
    Tls,
    /// Going through the proxy (reaching it, its identification, its tunnel).
    Proxy,
    /// The HTTP exchange (answer, status code).
    Http,
    /// The content of the answer (is it the expected service?).
    Protocol,
    /// Every step succeeded.
    Ok,
}

/// What went wrong, with no secret in it (no password, no key, no token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerProblem {
    /// The name does not resolve.
    NameNotFound,
    /// Nothing listens on that port (the connection was refused).
    ConnectionRefused,
    /// The connection was cut by the other end or by a device on the way
    /// (reset, closed before the exchange was over), as a firewall does with
    /// a connection it does not allow.
    ConnectionCut,
    /// No answer within the limit.
    NoAnswerInTime {
        /// The limit that ran out, in seconds.
        timeout_secs: u64,
    },
    /// The certificate was not issued by a known authority.
    CertificateUnknownIssuer,
    /// The certificate has expired.
    CertificateExpired,
    /// The certificate was issued for another name.
    CertificateWrongName,
    /// Another certificate problem (the TLS library's words).
    CertificateOther(String),
    /// The proxy asks for an identification (407) or refused the one given.
    ProxyRefused,
    /// The proxy cannot be reached.
    ProxyUnreachable,
    /// An HTTP status the service does not give when it works.
    UnexpectedHttp(u16),
    /// The server sends elsewhere (moved, or in maintenance); not followed.
    Redirected {
        /// Where to (without user information or query).
        location: String,
    },
    /// A 200 answer that is not the expected service: the `service` name the
    /// answer gave, or an empty text when the answer was not the expected JSON.
    NotTheService(String),
    /// An `http://` address in Sécurisé mode; nothing was sent.
    SchemeRefusedInSecureMode,
    /// The extra certificate authority file of the settings cannot be used.
    ExtraCaUnusable {
        /// The file.
        path: String,
    },
    /// Anything else (the library's words, technical).
    Other(String),
}

impl std::fmt::Display for ServerProblem {
    /// A short technical description (English), for logs and the history; the
    /// French sentence is `messages::server_problem`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NameNotFound => f.write_str("name not found"),
            Self::ConnectionRefused => f.write_str("connection refused"),
            Self::ConnectionCut => f.write_str("connection cut (reset or closed)"),
            Self::NoAnswerInTime { timeout_secs } => {
                write!(f, "no answer within {timeout_secs} s")
            }
            Self::CertificateUnknownIssuer => f.write_str("certificate: unknown issuer"),
            Self::CertificateExpired => f.write_str("certificate: expired"),
            Self::CertificateWrongName => f.write_str("certificate: not valid for this name"),
            Self::CertificateOther(d) => write!(f, "certificate: {d}"),
            Self::ProxyRefused => f.write_str("proxy authentication required (407)"),
            Self::ProxyUnreachable => f.write_str("proxy unreachable"),
            Self::UnexpectedHttp(code) => write!(f, "unexpected HTTP status {code}"),
            Self::Redirected { location } => write!(f, "redirected to {location}"),
            Self::NotTheService(found) if found.is_empty() => {
                f.write_str("not the expected service (unreadable answer)")
            }
            Self::NotTheService(found) => write!(f, "not the expected service ({found})"),
            Self::SchemeRefusedInSecureMode => f.write_str("http:// refused in secure mode"),
            Self::ExtraCaUnusable { path } => {
                write!(f, "extra certificate authority file unusable: {path}")
            }
            Self::Other(d) => f.write_str(d),
        }
    }
}

impl ServerProblem {
    /// The step and problem of a client that could not be made.
    pub fn from_client_error(e: &ClientError) -> (Step, Self) {
        match e {
            ClientError::ExtraCaUnreadable { path, .. }
            | ClientError::ExtraCaInvalid { path, .. } => (
                Step::Tls,
                Self::ExtraCaUnusable {
                    path: path.display().to_string(),
                },
            ),
            ClientError::SchemeRefusedInSecureMode { .. } => {
                (Step::Tls, Self::SchemeRefusedInSecureMode)
            }
            ClientError::BadProxy { origin, detail } => {
                (Step::Proxy, Self::Other(format!("{origin}: {detail}")))
            }
            ClientError::Setup { detail } => (Step::Tls, Self::Other(detail.clone())),
        }
    }
}

/// The result for one address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerResult {
    /// Which address.
    pub name: ServerName,
    /// The address as configured (without user information).
    pub url: String,
    /// Reachable as PROTOCOL.md defines it.
    pub ok: bool,
    /// The step that failed, [`Step::Ok`] when reachable.
    pub step: Step,
    /// What went wrong, `None` when reachable.
    pub problem: Option<ServerProblem>,
    /// How long the check took, retries included, in milliseconds.
    pub elapsed_ms: u64,
}

/// The result of "Tester l'accès aux serveurs".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerTestReport {
    /// When the test started (RFC 3339, local time).
    pub at: String,
    /// The connection mode tested.
    pub mode: ConnectionMode,
    /// The connection kind tested.
    pub kind: ConnectionKind,
    /// One result per address: authentication, update, Net-entreprises.
    pub results: Vec<ServerResult>,
}

impl ServerTestReport {
    /// Whether every address is reachable.
    pub fn all_ok(&self) -> bool {
        !self.results.is_empty() && self.results.iter().all(|r| r.ok)
    }

    /// The result for one address.
    pub fn result(&self, name: ServerName) -> Option<&ServerResult> {
        self.results.iter().find(|r| r.name == name)
    }

    /// Where the last test is kept.
    pub fn last_path(home: &Home) -> std::path::PathBuf {
        home.root().join(LAST_TEST_FILE)
    }

    /// Keeps this report as the last test (atomic write).
    pub fn save_last(&self, home: &Home) -> io::Result<()> {
        let bytes = serde_json::to_vec_pretty(self).map_err(io::Error::other)?;
        std::fs::create_dir_all(home.root())?;
        fsutil::write_atomic(&Self::last_path(home), &bytes)
    }

    /// The last test kept, if any (an unreadable file counts as none).
    pub fn load_last(home: &Home) -> Option<Self> {
        let bytes = std::fs::read(Self::last_path(home)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

/// Tests the three addresses of `settings` at the same time and returns when all
/// are known, within the budget of one call of the mode (see the module doc).
/// `proxy_password` is the decrypted proxy password, if any.
pub fn test_servers(
    settings: &ConnectionSettings,
    proxy_password: Option<&str>,
) -> ServerTestReport {
    crate::fsutil::debug_assert_not_ui_thread("servers::test_servers");
    install_crypto_provider();
    let at = chrono::Local::now().to_rfc3339();
    let link = Link::new(settings, proxy_password);
    let checks = [
        (ServerName::Authentification, &settings.auth_url),
        (ServerName::MiseAJour, &settings.update_url),
        (ServerName::NetEntreprises, &settings.net_entreprises_url),
    ];
    let results = std::thread::scope(|scope| {
        let handles: Vec<_> = checks
            .iter()
            .map(|&(name, url)| {
                let link = &link;
                let work = move || check_one(link, name, url);
                (
                    std::thread::Builder::new()
                        .name(format!("test-serveur-{name:?}"))
                        .spawn_scoped(scope, work),
                    name,
                    url,
                )
            })
            .collect();
        handles
            .into_iter()
            .map(|(handle, name, url)| match handle {
                Ok(h) => h.join().unwrap_or_else(|_| ServerResult {
                    name,
                    url: display_url(url),
                    ok: false,
                    step: Step::Http,
                    problem: Some(ServerProblem::Other("internal error".to_owned())),
                    elapsed_ms: 0,
                }),
                // No thread could be made: test it here, the bound still holds
                // for this address.
                Err(_) => check_one(&link, name, url),
            })
            .collect()
    });
    ServerTestReport {
        at,
        mode: settings.mode,
        kind: settings.kind,
        results,
    }
}

/// One address, start to end.
fn check_one(
    link: &Result<Link<'_>, (Step, ServerProblem)>,
    name: ServerName,
    url: &Url,
) -> ServerResult {
    let start = Instant::now();
    let outcome = match link {
        Err((step, problem)) => Err(Failure::fixed(*step, problem.clone())),
        Ok(link) => match name {
            ServerName::Authentification => {
                let target = join(url, "api/v1/ping");
                link.call(&target, |c, t| c.get(target.clone()).timeout(t), judge_ping)
            }
            ServerName::MiseAJour => {
                let target = join(url, "manifest.json");
                link.call(
                    &target,
                    |c, t| c.get(target.clone()).timeout(t),
                    judge_manifest,
                )
            }
            ServerName::NetEntreprises => link.call(
                url,
                |c, t| {
                    c.post(url.clone())
                        .timeout(t)
                        .header(reqwest::header::CONTENT_TYPE, "application/xml")
                        .header(reqwest::header::USER_AGENT, dsn_user_agent())
                        .body("<identifiants/>")
                },
                judge_net_entreprises,
            ),
        },
    };
    let elapsed_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    let password = link.as_ref().ok().and_then(|l| l.proxy_password);
    match outcome {
        Ok(()) => ServerResult {
            name,
            url: display_url(url),
            ok: true,
            step: Step::Ok,
            problem: None,
            elapsed_ms,
        },
        Err(f) => ServerResult {
            name,
            url: display_url(url),
            ok: false,
            step: f.step,
            problem: Some(redact(f.problem, password)),
            elapsed_ms,
        },
    }
}

/// `User-Agent` of the Net-entreprises API (PROTOCOL.md).
fn dsn_user_agent() -> String {
    format!(
        "Client-DSN (iea-maintenance/{}; Impact emploi association)",
        crate::updates::program_version()
    )
}

/// `base` taken as a folder, then `relative` inside it: `https://h` and
/// `https://h/` both give `https://h/api/v1/ping`; `https://h/updates` gives
/// `https://h/updates/manifest.json`.
pub fn join(base: &Url, relative: &str) -> Url {
    let mut folder = base.clone();
    folder.set_query(None);
    folder.set_fragment(None);
    if !folder.path().ends_with('/') {
        let path = format!("{}/", folder.path());
        folder.set_path(&path);
    }
    folder.join(relative).unwrap_or(folder)
}

fn judge_ping(answer: &Answer) -> Result<(), Failure> {
    if answer.status != 200 {
        return Err(answer.status_failure());
    }
    let service = serde_json::from_slice::<serde_json::Value>(&answer.body)
        .ok()
        .and_then(|v| v.get("service").and_then(|s| s.as_str()).map(str::to_owned));
    match service {
        Some(s) if s == "iea-auth" => Ok(()),
        found => Err(Failure::fixed(
            Step::Protocol,
            ServerProblem::NotTheService(shorten(&found.unwrap_or_default(), 60)),
        )),
    }
}

fn judge_manifest(answer: &Answer) -> Result<(), Failure> {
    if answer.status != 200 {
        return Err(answer.status_failure());
    }
    match serde_json::from_slice::<serde_json::Value>(&answer.body) {
        Ok(_) => Ok(()),
        Err(_) => Err(Failure::fixed(
            Step::Protocol,
            ServerProblem::NotTheService(String::new()),
        )),
    }
}

fn judge_net_entreprises(answer: &Answer) -> Result<(), Failure> {
    match answer.redirect() {
        Some(f) => Err(f),
        None => Ok(()),
    }
}

/// Replaces the proxy password, should a library ever echo it, by `***`.
pub(crate) fn redact(problem: ServerProblem, password: Option<&str>) -> ServerProblem {
    let Some(password) = password.filter(|p| p.len() >= 3) else {
        return problem;
    };
    let clean = |s: String| s.replace(password, "***");
    match problem {
        ServerProblem::CertificateOther(s) => ServerProblem::CertificateOther(clean(s)),
        ServerProblem::NotTheService(s) => ServerProblem::NotTheService(clean(s)),
        ServerProblem::Other(s) => ServerProblem::Other(clean(s)),
        ServerProblem::Redirected { location } => ServerProblem::Redirected {
            location: clean(location),
        },
        other => other,
    }
}

fn shorten(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max_chars).collect();
        out.push('…');
        out
    }
}

// ---------------------------------------------------------------------------
// One call, step by step, with the retries of the mode.

/// How long a retry must at least have left to be worth starting.
const MIN_ATTEMPT: Duration = Duration::from_secs(2);
/// The first back-off of Étendu mode; it doubles after each retry.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// The most of an answer's body that is read.
const MAX_BODY: u64 = 4 * 1024 * 1024;

/// A failed call: the step, the problem, and whether trying again may help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) step: Step,
    pub(crate) problem: ServerProblem,
    pub(crate) transient: bool,
}

impl Failure {
    /// A failure that trying again will not change.
    pub(crate) fn fixed(step: Step, problem: ServerProblem) -> Self {
        Self {
            step,
            problem,
            transient: false,
        }
    }

    fn passing(step: Step, problem: ServerProblem) -> Self {
        Self {
            step,
            problem,
            transient: true,
        }
    }
}

/// An HTTP answer, body read (up to [`MAX_BODY`]).
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) location: Option<String>,
    pub(crate) body: Vec<u8>,
    /// Every header of the answer (the tus calls of the transfer read theirs).
    pub(crate) headers: reqwest::header::HeaderMap,
}

impl Answer {
    /// A 3xx with a `Location`, as a failure: shown, never followed.
    pub(crate) fn redirect(&self) -> Option<Failure> {
        if !(300..400).contains(&self.status) {
            return None;
        }
        let location = self.location.clone()?;
        Some(Failure::fixed(
            Step::Http,
            ServerProblem::Redirected { location },
        ))
    }

    /// The failure of an answer whose status is not the expected one.
    pub(crate) fn status_failure(&self) -> Failure {
        self.redirect().unwrap_or_else(|| {
            let problem = ServerProblem::UnexpectedHttp(self.status);
            if matches!(self.status, 502..=504) {
                Failure::passing(Step::Http, problem)
            } else {
                Failure::fixed(Step::Http, problem)
            }
        })
    }
}

/// Everything a call needs: the settings, the client, the TLS configuration the
/// client uses (for the step-by-step check) and the limits of the mode.
pub(crate) struct Link<'a> {
    settings: &'a ConnectionSettings,
    proxy_password: Option<&'a str>,
    client: reqwest::blocking::Client,
    tls: Arc<rustls::ClientConfig>,
    limits: Timeouts,
}

impl<'a> Link<'a> {
    /// The link of the settings, or the step and problem that prevent any call.
    pub(crate) fn new(
        settings: &'a ConnectionSettings,
        proxy_password: Option<&'a str>,
    ) -> Result<Self, (Step, ServerProblem)> {
        let made = || -> Result<Self, ClientError> {
            let tls = client::tls_config(settings)?;
            let client = build_client_with_tls(settings, proxy_password, tls.clone())?;
            Ok(Self {
                settings,
                proxy_password,
                client,
                tls: Arc::new(tls),
                limits: timeouts(settings.mode),
            })
        };
        made().map_err(|e| ServerProblem::from_client_error(&e))
    }

    /// One call to `url`: `request` builds it from the client and the time left;
    /// `judge` says what the answer means. Retries (Étendu) stay within the
    /// budget of one call.
    pub(crate) fn call<T>(
        &self,
        url: &Url,
        request: impl Fn(&reqwest::blocking::Client, Duration) -> reqwest::blocking::RequestBuilder,
        judge: impl Fn(&Answer) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        let deadline = Instant::now() + self.limits.request;
        let mut backoff = FIRST_BACKOFF;
        let mut retries_left = self.limits.retries;
        loop {
            let result = self
                .attempt(url, deadline, &request)
                .and_then(|answer| judge(&answer));
            match result {
                Err(failure) if failure.transient && retries_left > 0 => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left < backoff + MIN_ATTEMPT {
                        return Err(failure);
                    }
                    std::thread::sleep(backoff);
                    backoff *= 2;
                    retries_left -= 1;
                }
                other => return other,
            }
        }
    }

    /// One call to `url` and no other, whatever the mode: for a request that
    /// must not be repeated behind the user's back (a workstation's reset
    /// counts against a daily quota).
    pub(crate) fn call_once<T>(
        &self,
        url: &Url,
        request: impl Fn(&reqwest::blocking::Client, Duration) -> reqwest::blocking::RequestBuilder,
        judge: impl Fn(&Answer) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        let deadline = Instant::now() + self.limits.request;
        self.attempt(url, deadline, &request)
            .and_then(|answer| judge(&answer))
    }

    fn attempt(
        &self,
        url: &Url,
        deadline: Instant,
        request: &impl Fn(&reqwest::blocking::Client, Duration) -> reqwest::blocking::RequestBuilder,
    ) -> Result<Answer, Failure> {
        check_scheme(self.settings, url).map_err(|e| {
            let (step, problem) = ServerProblem::from_client_error(&e);
            Failure::fixed(step, problem)
        })?;
        let route = ProxyRoute::for_url(self.settings, self.proxy_password, url).map_err(|e| {
            let (step, problem) = ServerProblem::from_client_error(&e);
            Failure::fixed(step, problem)
        })?;
        let host = url
            .host()
            .map(|h| h.to_owned())
            .ok_or_else(|| Failure::fixed(Step::Dns, ServerProblem::NameNotFound))?;
        let port = url.port_or_known_default().unwrap_or(443);
        let https = url.scheme() == "https";
        let connect_deadline = deadline.min(Instant::now() + self.limits.connect);
        let connect_secs = self.limits.connect.as_secs();

        // The way to the server, step by step.
        let via_proxy = match &route {
            ProxyRoute::Direct => {
                let addrs = resolve(&host, port, connect_deadline, connect_secs)?;
                let stream = tcp_connect(&addrs, connect_deadline, connect_secs, Step::Tcp)?;
                if https {
                    self.tls_handshake(stream, &host, connect_deadline, connect_secs)?;
                }
                false
            }
            ProxyRoute::Via(proxy) => {
                let proxy_host =
                    Host::parse(&proxy.host).unwrap_or(Host::Domain(proxy.host.clone()));
                let addrs = resolve(&proxy_host, proxy.port, connect_deadline, connect_secs)
                    .map_err(|f| Failure {
                        step: Step::Proxy,
                        problem: ServerProblem::ProxyUnreachable,
                        transient: f.transient,
                    })?;
                let mut stream = tcp_connect(&addrs, connect_deadline, connect_secs, Step::Proxy)
                    .map_err(|f| Failure {
                    step: Step::Proxy,
                    problem: match f.problem {
                        p @ ServerProblem::NoAnswerInTime { .. } => p,
                        _ => ServerProblem::ProxyUnreachable,
                    },
                    transient: f.transient,
                })?;
                if https {
                    tunnel(
                        &mut stream,
                        proxy,
                        &host,
                        port,
                        connect_deadline,
                        connect_secs,
                    )?;
                    self.tls_handshake(stream, &host, connect_deadline, connect_secs)?;
                }
                true
            }
        };

        // The request itself, with the client, in the time left.
        let left = deadline.saturating_duration_since(Instant::now());
        let request_secs = self.limits.request.as_secs();
        if left.is_zero() {
            return Err(Failure::passing(
                Step::Http,
                ServerProblem::NoAnswerInTime {
                    timeout_secs: request_secs,
                },
            ));
        }
        let response = request(&self.client, left)
            .send()
            .map_err(|e| reqwest_failure(&e, request_secs))?;
        let status = response.status().as_u16();
        if via_proxy && status == 407 {
            return Err(Failure::fixed(Step::Proxy, ServerProblem::ProxyRefused));
        }
        if via_proxy && !https && matches!(status, 502 | 504) {
            // A forwarding proxy that could not reach the server says so this way.
            return Err(Failure::passing(
                Step::Proxy,
                ServerProblem::UnexpectedHttp(status),
            ));
        }
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(|l| clean_location(url, l));
        let headers = response.headers().clone();
        let mut body = Vec::new();
        response
            .take(MAX_BODY)
            .read_to_end(&mut body)
            .map_err(|e| match e.kind() {
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Failure::passing(
                    Step::Http,
                    ServerProblem::NoAnswerInTime {
                        timeout_secs: request_secs,
                    },
                ),
                _ => Failure::passing(Step::Http, ServerProblem::Other(e.to_string())),
            })?;
        Ok(Answer {
            status,
            location,
            body,
            headers,
        })
    }

    /// The TLS handshake with the client's configuration, to classify
    /// certificate problems; the connection is closed afterwards.
    fn tls_handshake(
        &self,
        mut stream: TcpStream,
        host: &Host<String>,
        deadline: Instant,
        connect_secs: u64,
    ) -> Result<(), Failure> {
        let name = match host {
            Host::Domain(d) => rustls::pki_types::ServerName::try_from(d.clone()),
            Host::Ipv4(ip) => Ok(rustls::pki_types::ServerName::from(IpAddr::V4(*ip))),
            Host::Ipv6(ip) => Ok(rustls::pki_types::ServerName::from(IpAddr::V6(*ip))),
        }
        .map_err(|_| Failure::fixed(Step::Dns, ServerProblem::NameNotFound))?;
        let mut conn = rustls::ClientConnection::new(Arc::clone(&self.tls), name)
            .map_err(|e| Failure::fixed(Step::Tls, ServerProblem::Other(e.to_string())))?;
        let no_answer = || {
            Failure::passing(
                Step::Tls,
                ServerProblem::NoAnswerInTime {
                    timeout_secs: connect_secs,
                },
            )
        };
        while conn.is_handshaking() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(no_answer());
            }
            let _ = stream.set_read_timeout(Some(left));
            let _ = stream.set_write_timeout(Some(left));
            match conn.complete_io(&mut stream) {
                Ok((0, 0)) if conn.is_handshaking() => {
                    return Err(Failure::passing(Step::Tls, ServerProblem::ConnectionCut));
                }
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(no_answer());
                }
                Err(e) => return Err(tls_failure(&e)),
            }
        }
        conn.send_close_notify();
        let _ = conn.complete_io(&mut stream);
        Ok(())
    }
}

/// The step and problem of a TLS error.
fn tls_failure(e: &io::Error) -> Failure {
    let tls = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    match tls {
        Some(rustls::Error::InvalidCertificate(cert)) => {
            use rustls::CertificateError as C;
            let problem = match cert {
                C::UnknownIssuer => ServerProblem::CertificateUnknownIssuer,
                C::Expired | C::ExpiredContext { .. } => ServerProblem::CertificateExpired,
                C::NotValidForName | C::NotValidForNameContext { .. } => {
                    ServerProblem::CertificateWrongName
                }
                other => ServerProblem::CertificateOther(format!("{other:?}")),
            };
            Failure::fixed(Step::Tls, problem)
        }
        Some(other) => Failure::fixed(Step::Tls, ServerProblem::Other(other.to_string())),
        None if is_cut(e) => Failure::passing(Step::Tls, ServerProblem::ConnectionCut),
        None => Failure::passing(Step::Tls, ServerProblem::Other(e.to_string())),
    }
}

/// Whether an I/O error is a connection cut by the other end or on the way.
fn is_cut(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof
    )
}

/// The step and problem of a reqwest error (the way was checked just before, so
/// what is left is mostly the HTTP exchange).
pub(crate) fn reqwest_failure(e: &reqwest::Error, request_secs: u64) -> Failure {
    if e.is_timeout() {
        return Failure::passing(
            Step::Http,
            ServerProblem::NoAnswerInTime {
                timeout_secs: request_secs,
            },
        );
    }
    let step = if e.is_connect() {
        Step::Tcp
    } else {
        Step::Http
    };
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = source {
        if err.downcast_ref::<io::Error>().is_some_and(is_cut) {
            return Failure::passing(step, ServerProblem::ConnectionCut);
        }
        source = err.source();
    }
    let mut detail = String::new();
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = source {
        let text = if detail.is_empty() {
            // The top level: without the address (it may hold user information).
            let mut shown = err.to_string();
            if let Some(url) = e.url() {
                shown = shown.replace(url.as_str(), &display_url(url));
            }
            shown
        } else {
            err.to_string()
        };
        if !detail.contains(&text) {
            if !detail.is_empty() {
                detail.push_str(": ");
            }
            detail.push_str(&text);
        }
        source = err.source();
    }
    Failure::passing(step, ServerProblem::Other(detail))
}

/// `Location` made absolute against `url`, without user information or query.
fn clean_location(url: &Url, location: &str) -> String {
    match url.join(location) {
        Ok(mut target) => {
            target.set_query(None);
            target.set_fragment(None);
            display_url(&target)
        }
        Err(_) => shorten(location.split('?').next().unwrap_or_default(), 200),
    }
}

/// Resolves `host` within the limit. Names under `.invalid` never resolve
/// (RFC 6761, 6.4) and are answered at once, without asking the network. The
/// system resolver cannot be cancelled: when the limit runs out its thread is left
/// to finish on its own.
fn resolve(
    host: &Host<String>,
    port: u16,
    deadline: Instant,
    connect_secs: u64,
) -> Result<Vec<SocketAddr>, Failure> {
    let name = match host {
        Host::Ipv4(ip) => return Ok(vec![SocketAddr::new(IpAddr::V4(*ip), port)]),
        Host::Ipv6(ip) => return Ok(vec![SocketAddr::new(IpAddr::V6(*ip), port)]),
        Host::Domain(name) => name.trim_end_matches('.').to_ascii_lowercase(),
    };
    if name == "invalid" || name.ends_with(".invalid") {
        return Err(Failure::fixed(Step::Dns, ServerProblem::NameNotFound));
    }
    let (tx, rx) = mpsc::channel();
    let lookup = name.clone();
    let spawned = std::thread::Builder::new()
        .name("resolution-dns".to_owned())
        .spawn(move || {
            let _ = tx.send(
                (lookup.as_str(), port)
                    .to_socket_addrs()
                    .map(Iterator::collect::<Vec<_>>),
            );
        });
    if spawned.is_err() {
        return Err(Failure::passing(
            Step::Dns,
            ServerProblem::Other("cannot start the name resolution".to_owned()),
        ));
    }
    let left = deadline.saturating_duration_since(Instant::now());
    match rx.recv_timeout(left) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(Ok(_)) => Err(Failure::fixed(Step::Dns, ServerProblem::NameNotFound)),
        Ok(Err(e)) => {
            // EAI_AGAIN ("Temporary failure in name resolution") may pass.
            if e.to_string().contains("emporary") {
                Err(Failure::passing(Step::Dns, ServerProblem::NameNotFound))
            } else {
                Err(Failure::fixed(Step::Dns, ServerProblem::NameNotFound))
            }
        }
        Err(_) => Err(Failure::passing(
            Step::Dns,
            ServerProblem::NoAnswerInTime {
                timeout_secs: connect_secs,
            },
        )),
    }
}

/// Connects to the first address that answers; each address gets an equal share
/// of the time left, so one silent address does not eat the whole limit.
fn tcp_connect(
    addrs: &[SocketAddr],
    deadline: Instant,
    connect_secs: u64,
    step: Step,
) -> Result<TcpStream, Failure> {
    let mut refused = false;
    let mut timed_out = false;
    let mut other: Option<io::Error> = None;
    for (i, addr) in addrs.iter().enumerate() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            timed_out = true;
            break;
        }
        let share = left / u32::try_from(addrs.len() - i).unwrap_or(1).max(1);
        match TcpStream::connect_timeout(addr, share.max(Duration::from_millis(1))) {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) => match e.kind() {
                io::ErrorKind::ConnectionRefused => refused = true,
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => timed_out = true,
                _ => other = Some(e),
            },
        }
    }
    Err(if refused {
        Failure::passing(step, ServerProblem::ConnectionRefused)
    } else if timed_out {
        Failure::passing(
            step,
            ServerProblem::NoAnswerInTime {
                timeout_secs: connect_secs,
            },
        )
    } else {
        Failure::passing(
            step,
            ServerProblem::Other(other.map_or_else(|| "no address".to_owned(), |e| e.to_string())),
        )
    })
}

/// Opens an HTTP CONNECT tunnel through the proxy to `host:port`.
fn tunnel(
    stream: &mut TcpStream,
    proxy: &ProxyTarget,
    host: &Host<String>,
    port: u16,
    deadline: Instant,
    connect_secs: u64,
) -> Result<(), Failure> {
    let no_answer = || {
        Failure::passing(
            Step::Proxy,
            ServerProblem::NoAnswerInTime {
                timeout_secs: connect_secs,
            },
        )
    };
    let lost = |e: &io::Error| match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => no_answer(),
        _ => Failure::passing(Step::Proxy, ServerProblem::ProxyUnreachable),
    };
    let authority = match host {
        Host::Ipv6(ip) => format!("[{ip}]:{port}"),
        other => format!("{other}:{port}"),
    };
    let mut head = format!(
        "CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: {}\r\n",
        client::user_agent()
    );
    if let Some(value) = proxy.authorization() {
        head.push_str("Proxy-Authorization: ");
        head.push_str(&value);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(no_answer());
    }
    let _ = stream.set_write_timeout(Some(left));
    stream.write_all(head.as_bytes()).map_err(|e| lost(&e))?;
    drop(head);

    // Read the answer's head byte by byte: what follows belongs to TLS.
    let mut answer = Vec::new();
    let mut byte = [0_u8; 1];
    while !answer.ends_with(b"\r\n\r\n") {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(no_answer());
        }
        let _ = stream.set_read_timeout(Some(left));
        match stream.read(&mut byte) {
            Ok(0) => {
                return Err(Failure::passing(
                    Step::Proxy,
                    ServerProblem::ProxyUnreachable,
                ));
            }
            Ok(_) => answer.push(byte[0]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(lost(&e)),
        }
        if answer.len() > 16 * 1024 {
            return Err(Failure::fixed(
                Step::Proxy,
                ServerProblem::Other("proxy answer too long".to_owned()),
            ));
        }
    }
    let status = std::str::from_utf8(&answer)
        .ok()
        .and_then(|text| text.split_whitespace().nth(1))
        .and_then(|code| code.parse::<u16>().ok());
    match status {
        Some(200..=299) => Ok(()),
        // 407 is the standard answer; some proxies (tinyproxy) refuse wrong
        // credentials with 401 instead. Either way the answer is the proxy's own:
        // no tunnel is open yet, so the server behind it has not been reached.
        Some(401 | 407) => Err(Failure::fixed(Step::Proxy, ServerProblem::ProxyRefused)),
        Some(code @ 502..=504) => Err(Failure::passing(
            Step::Proxy,
            ServerProblem::UnexpectedHttp(code),
        )),
        Some(code) => Err(Failure::fixed(
            Step::Proxy,
            ServerProblem::UnexpectedHttp(code),
        )),
        None => Err(Failure::fixed(
            Step::Proxy,
            ServerProblem::Other("not an HTTP proxy".to_owned()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    #[test]
    fn names_and_steps_serialise_as_documented() {
        let names: Vec<String> = [
            ServerName::Authentification,
            ServerName::MiseAJour,
            ServerName::NetEntreprises,
        ]
        .iter()
        .map(|n| serde_json::to_string(n).expect("json"))
        .collect();
        assert_eq!(
            names,
            [
                "\"authentification\"",
                "\"mise_a_jour\"",
                "\"net_entreprises\""
            ]
        );
        assert_eq!(serde_json::to_string(&Step::Tls).expect("json"), "\"tls\"");
        assert_eq!(
            serde_json::to_string(&ServerProblem::UnexpectedHttp(502)).expect("json"),
            "{\"unexpected_http\":502}"
        );
    }

    #[test]
    fn join_takes_the_base_as_a_folder() {
        assert_eq!(
            join(&url("https://h.fr"), "api/v1/ping").as_str(),
            "https://h.fr/api/v1/ping"
        );
        assert_eq!(
            join(&url("https://h.fr/"), "api/v1/ping").as_str(),
            "https://h.fr/api/v1/ping"
        );
        assert_eq!(
            join(&url("https://h.fr/updates"), "manifest.json").as_str(),
            "https://h.fr/updates/manifest.json"
        );
        assert_eq!(
            join(&url("https://h.fr/updates/"), "manifest.json").as_str(),
            "https://h.fr/updates/manifest.json"
        );
        assert_eq!(
            join(&url("http://h.fr:8080/iea/auth?x=1"), "api/v1/ping").as_str(),
            "http://h.fr:8080/iea/auth/api/v1/ping"
        );
    }

    /// How fast this fails is measured by the `time_limits` benchmark, beside
    /// the system's own resolver (`getent hosts`).
    #[test]
    fn invalid_names_fail_at_dns_without_the_network() {
        let host = Host::Domain("impact-emploi.invalid".to_owned());
        let f = resolve(&host, 443, Instant::now() + Duration::from_secs(5), 5)
            .expect_err("never resolves");
        assert_eq!(f.step, Step::Dns);
        assert_eq!(f.problem, ServerProblem::NameNotFound);
        assert!(!f.transient);
    }

    #[test]
    fn redirects_are_cleaned_and_made_absolute() {
        let base = url("https://h.fr/authentifier/1.0/");
        assert_eq!(
            clean_location(&base, "/maintenance?token=abc"),
            "https://h.fr/maintenance"
        );
        assert_eq!(
            clean_location(&base, "https://user:pw@ailleurs.fr/x"),
            "https://ailleurs.fr/x"
        );
    }

    #[test]
    fn statuses_are_judged_as_the_protocol_says() {
        let answer = |status: u16, body: &str| Answer {
            status,
            location: None,
            body: body.as_bytes().to_vec(),
            headers: reqwest::header::HeaderMap::new(),
        };
        assert!(judge_ping(&answer(200, r#"{"service":"iea-auth","version":"1"}"#)).is_ok());
        assert_eq!(
            judge_ping(&answer(200, r#"{"service":"autre"}"#))
                .expect_err("other")
                .problem,
            ServerProblem::NotTheService("autre".to_owned())
        );
        assert_eq!(
            judge_ping(&answer(200, "<html>"))
                .expect_err("html")
                .problem,
            ServerProblem::NotTheService(String::new())
        );
        let f = judge_ping(&answer(503, "")).expect_err("503");
        assert_eq!((f.step, f.transient), (Step::Http, true));
        assert!(!judge_ping(&answer(404, "")).expect_err("404").transient);
        assert!(judge_manifest(&answer(200, r#"{"releases":[]}"#)).is_ok());
        assert_eq!(
            judge_manifest(&answer(200, "pas du json"))
                .expect_err("text")
                .step,
            Step::Protocol
        );
        for status in [200, 401, 403, 404, 422, 429, 500, 503] {
            assert!(
                judge_net_entreprises(&answer(status, "")).is_ok(),
                "{status}"
            );
        }
        let moved = Answer {
            status: 302,
            location: Some("https://ailleurs.fr/".to_owned()),
            body: Vec::new(),
            headers: reqwest::header::HeaderMap::new(),
        };
        assert_eq!(
            judge_net_entreprises(&moved).expect_err("redirect").problem,
            ServerProblem::Redirected {
                location: "https://ailleurs.fr/".to_owned()
            }
        );
    }

    /// tinyproxy answers a CONNECT with wrong credentials by 401 (and
    /// `WWW-Authenticate`), not 407: that is the proxy refusing them, not an
    /// unexpected answer from the server behind it, which was never reached.
    #[test]
    fn regression_proxy_refusing_credentials_with_401_is_a_proxy_refusal() {
        use std::net::TcpListener;
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let proxy_side = std::thread::spawn(move || {
            let (mut peer, _) = listener.accept().expect("accept");
            let mut head = Vec::new();
            let mut byte = [0_u8; 1];
            while !head.ends_with(b"\r\n\r\n") && peer.read(&mut byte).expect("read") == 1 {
                head.push(byte[0]);
            }
            peer.write_all(
                b"HTTP/1.0 401 Unauthorized\r\nServer: tinyproxy/1.11.1\r\n\
                  Content-Type: text/html\r\nWWW-Authenticate: Basic realm=\"Tinyproxy\"\r\n\
                  Connection: close\r\n\r\n<html>Unauthorized</html>",
            )
            .expect("answer");
            String::from_utf8(head).expect("utf-8")
        });
        let mut stream = TcpStream::connect(addr).expect("connect");
        let proxy = ProxyTarget {
            host: "127.0.0.1".to_owned(),
            port: addr.port(),
            credentials: Some(("paie".to_owned(), "pas-le-bon".to_owned())),
        };
        let failure = tunnel(
            &mut stream,
            &proxy,
            &Host::Domain("serveur.example".to_owned()),
            443,
            Instant::now() + Duration::from_secs(30),
            30,
        )
        .expect_err("refused");
        let head = proxy_side.join().expect("proxy side");
        assert!(head.starts_with("CONNECT serveur.example:443 "), "{head}");
        assert!(head.contains("Proxy-Authorization: Basic "), "{head}");
        assert_eq!(failure.step, Step::Proxy);
        assert_eq!(failure.problem, ServerProblem::ProxyRefused);
        assert!(!failure.transient);
    }

    #[test]
    fn the_proxy_password_never_stays_in_a_problem() {
        let p = redact(
            ServerProblem::Other("proxy said s3cret-pw".to_owned()),
            Some("s3cret-pw"),
        );
        assert_eq!(p, ServerProblem::Other("proxy said ***".to_owned()));
    }

    #[test]
    fn last_report_round_trips() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        assert!(ServerTestReport::load_last(&home).is_none());
        let report = ServerTestReport {
            at: "2026-01-02T10:00:00+01:00".to_owned(),
            mode: ConnectionMode::Secure,
            kind: ConnectionKind::Direct,
            results: vec![ServerResult {
                name: ServerName::MiseAJour,
                url: "https://h.fr/updates".to_owned(),
                ok: false,
                step: Step::Tls,
                problem: Some(ServerProblem::NoAnswerInTime { timeout_secs: 5 }),
                elapsed_ms: 5001,
            }],
        };
        report.save_last(&home).expect("save");
        assert!(dir.path().join(LAST_TEST_FILE).is_file());
        assert_eq!(ServerTestReport::load_last(&home), Some(report.clone()));
        assert!(!report.all_ok());
    }
}
