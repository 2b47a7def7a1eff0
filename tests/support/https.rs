//! Loopback HTTP(S) peers for the network tests, made at test time and never
//! reaching beyond 127.0.0.1.
//!
//! - [`TestCa`]: a certificate authority made with rcgen for one test; write its
//!   PEM file with [`TestCa::write_pem`] and point `extra_ca_file` at it. Another
//!   `TestCa` that nobody trusts plays the "unknown authority".
//! - [`issue`]: leaf certificates from a `TestCa`, valid, expired
//!   ([`Validity::Expired`]) or for another name (pass other names).
//! - [`TestServer`]: an HTTP/1.1 server on a free port of 127.0.0.1, plain or TLS
//!   (rustls), answering from a table `(method, path) -> Reply` the test fills
//!   ([`TestServer::route`]) or from a closure ([`TestServer::handle`]); it keeps
//!   every request it read (method, path, headers, body) for the assertions. One
//!   request per connection (`Connection: close`). [`answers`] has the PROTOCOL.md
//!   answers ready-made.
//! - [`SilentListener`]: accepts TCP connections and never says a word.
//! - [`unused_port`]: a port where nothing listens (connection refused).
//!
//! Everything stops when dropped: the listening socket is closed and every thread
//! is joined (connection threads poll a stop flag every 50 ms).

#![allow(dead_code)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use base64::Engine as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// How often blocked reads look at the stop flag.
const POLL: Duration = Duration::from_millis(50);
/// A connection that sends nothing for this long is closed.
const IDLE_LIMIT: Duration = Duration::from_secs(30);
/// The largest request head or body read.
const MAX_REQUEST: usize = 8 * 1024 * 1024;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

// ---------------------------------------------------------------------------
// Certificates.

/// A certificate authority made for one test.
pub struct TestCa {
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    cert: rcgen::Certificate,
    name: String,
}

impl TestCa {
    /// A new authority whose common name is `name`.
    pub fn new(name: &str) -> Self {
        let key = rcgen::KeyPair::generate().expect("CA key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "Tests iea-maintenance");
        let cert = params.self_signed(&key).expect("self-signed CA");
        Self {
            issuer: rcgen::Issuer::new(params, key),
            cert,
            name: name.to_owned(),
        }
    }

    /// The authority's certificate, PEM.
    pub fn pem(&self) -> String {
        self.cert.pem()
    }

    /// The authority's certificate, DER.
    pub fn der(&self) -> CertificateDer<'static> {
        self.cert.der().clone()
    }

    /// Writes the PEM file into `dir` and returns its path (for `extra_ca_file`).
    pub fn write_pem(&self, dir: &Path) -> PathBuf {
        let file_name: String = self
            .name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let path = dir.join(format!("{file_name}.pem"));
        std::fs::write(&path, self.pem()).expect("write CA PEM");
        path
    }
}

/// The validity period of an issued certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// From 2020 to 2099.
    Current,
    /// The year 2000 only: long expired.
    Expired,
}

/// A leaf certificate and its key, ready for a TLS server.
pub struct TestCert {
    chain: Vec<CertificateDer<'static>>,
    key_der: Vec<u8>,
    key_pem: String,
    pem: String,
}

impl TestCert {
    /// The certificate, PEM.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// Writes the certificate (followed by its authority) and its key as PEM
    /// files into `dir`, for servers written elsewhere: (certificate, key).
    pub fn write_pem_files(&self, dir: &Path) -> (PathBuf, PathBuf) {
        let cert = dir.join("serveur-cert.pem");
        let mut chain = String::new();
        for der in &self.chain {
            let body = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
            chain.push_str("-----BEGIN CERTIFICATE-----\n");
            for line in body.as_bytes().chunks(64) {
                chain.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
                chain.push('\n');
            }
            chain.push_str("-----END CERTIFICATE-----\n");
        }
        std::fs::write(&cert, chain).expect("write certificate PEM");
        let key = dir.join("serveur-cle.pem");
        std::fs::write(&key, &self.key_pem).expect("write key PEM");
        (cert, key)
    }

    /// A rustls server configuration presenting this certificate (HTTP/1.1).
    pub fn server_config(&self) -> Arc<rustls::ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(
                self.chain.clone(),
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone())),
            )
            .expect("server certificate");
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Arc::new(config)
    }
}

/// Issues a server certificate for `names` (host names or IP addresses, such as
/// `"127.0.0.1"`) signed by `ca`.
pub fn issue(ca: &TestCa, names: &[&str], validity: Validity) -> TestCert {
    let key = rcgen::KeyPair::generate().expect("leaf key");
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let mut params = rcgen::CertificateParams::new(names.clone()).expect("leaf params");
    if let Some(first) = names.first() {
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, first.as_str());
    }
    params.is_ca = rcgen::IsCa::NoCa;
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    match validity {
        Validity::Current => {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2099, 12, 31);
        }
        Validity::Expired => {
            params.not_before = rcgen::date_time_ymd(2000, 1, 1);
            params.not_after = rcgen::date_time_ymd(2000, 12, 31);
        }
    }
    let cert = params.signed_by(&key, &ca.issuer).expect("sign leaf");
    TestCert {
        pem: cert.pem(),
        chain: vec![cert.der().clone(), ca.der()],
        key_der: key.serialize_der(),
        key_pem: key.serialize_pem(),
    }
}

/// A certificate for 127.0.0.1 and localhost, valid, from `ca`.
pub fn loopback_cert(ca: &TestCa) -> TestCert {
    issue(ca, &["127.0.0.1", "localhost"], Validity::Current)
}

// ---------------------------------------------------------------------------
// Requests and replies.

/// A request the server read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`…
    pub method: String,
    /// The request target as sent (`/api/v1/ping`, with its query if any).
    pub path: String,
    /// Headers in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body (de-chunked).
    pub body: Vec<u8>,
}

impl Request {
    /// The first header of that name (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON (panics when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }
}

/// What the server answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Extra headers (`Content-Length` and `Connection: close` are added).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// Never answer: hold the connection open until the server is dropped.
    pub hang: bool,
    /// Wait this long before answering.
    pub delay: Duration,
}

impl Reply {
    /// An empty answer with this status.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            hang: false,
            delay: Duration::ZERO,
        }
    }

    /// A JSON answer.
    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Self::status(status)
            .header("Content-Type", "application/json")
            .body(value.to_string())
    }

    /// A text answer.
    pub fn text(status: u16, body: &str) -> Self {
        Self::status(status)
            .header("Content-Type", "text/plain; charset=utf-8")
            .body(body)
    }

    /// A redirect to `location`.
    pub fn redirect(status: u16, location: &str) -> Self {
        Self::status(status).header("Location", location)
    }

    /// Reads the request, then never answers.
    pub fn hang() -> Self {
        Self {
            hang: true,
            ..Self::status(200)
        }
    }

    /// Adds a header.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets the body.
    #[must_use]
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Answers after `delay`.
    #[must_use]
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// The answers of PROTOCOL.md, ready-made.
pub mod answers {
    use super::Reply;
    use serde_json::json;

    /// `GET {A}/api/v1/ping` of the authentication server.
    pub fn ping() -> Reply {
        Reply::json(200, &json!({"service": "iea-auth", "version": "test"}))
    }

    /// A minimal update manifest.
    pub fn manifest() -> Reply {
        Reply::json(200, &json!({"product": "iea-maintenance", "releases": []}))
    }

    /// Net-entreprises' answer to unknown credentials.
    pub fn net_entreprises_unknown_account() -> Reply {
        Reply::status(401).header("WWW-Authenticate", "Basic realm=\"net-entreprises.fr\"")
    }

    /// 200: case 1, connected.
    pub fn auth_ok(holder: &str, expires: &str) -> Reply {
        Reply::json(
            200,
            &json!({
                "result": "ok",
                "licence": {"holder": holder, "expires": expires},
                "server_time": "2026-01-02T10:00:00+01:00",
            }),
        )
    }

    /// 401: authorisation refused.
    pub fn auth_refused(message: &str) -> Reply {
        Reply::json(
            401,
            &json!({"result": "authorization_refused", "message": message}),
        )
    }

    /// 403: licence not recognised.
    pub fn licence_not_recognized(message: &str) -> Reply {
        Reply::json(
            403,
            &json!({"result": "licence_not_recognized", "message": message}),
        )
    }

    /// 409: the same licence on two workstations, given as `(id, hostname,
    /// last_seen)`.
    pub fn licence_duplicate(message: &str, workstations: &[(&str, &str, &str)]) -> Reply {
        let list: Vec<serde_json::Value> = workstations
            .iter()
            .map(|(id, hostname, last_seen)| {
                json!({"id": id, "hostname": hostname, "last_seen": last_seen})
            })
            .collect();
        Reply::json(
            409,
            &json!({"result": "licence_duplicate", "workstations": list, "message": message}),
        )
    }
}

type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

struct Shared {
    stop: AtomicBool,
    routes: Mutex<HashMap<(String, String), Reply>>,
    handler: Mutex<Option<Handler>>,
    requests: Mutex<Vec<Request>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

impl Shared {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    fn reply_for(&self, request: &Request) -> Reply {
        let path_only = request
            .path
            .split('?')
            .next()
            .unwrap_or_default()
            .to_owned();
        let routes = lock(&self.routes);
        if let Some(reply) = routes
            .get(&(request.method.clone(), request.path.clone()))
            .or_else(|| routes.get(&(request.method.clone(), path_only)))
        {
            return reply.clone();
        }
        drop(routes);
        let handler = lock(&self.handler).clone();
        handler.map_or_else(
            || Reply::json(404, &serde_json::json!({"error": "not found"})),
            |h| h(request),
        )
    }
}

/// An HTTP or HTTPS server on 127.0.0.1 for one test.
pub struct TestServer {
    addr: SocketAddr,
    tls: bool,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl TestServer {
    /// A plain HTTP server.
    pub fn http() -> Self {
        Self::start(None)
    }

    /// An HTTPS server presenting `cert`.
    pub fn https(cert: &TestCert) -> Self {
        Self::start(Some(cert.server_config()))
    }

    /// A server, TLS when a configuration is given.
    pub fn start(tls: Option<Arc<rustls::ServerConfig>>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            routes: Mutex::new(HashMap::new()),
            handler: Mutex::new(None),
            requests: Mutex::new(Vec::new()),
            workers: Mutex::new(Vec::new()),
        });
        let is_tls = tls.is_some();
        let state = Arc::clone(&shared);
        let accept = std::thread::Builder::new()
            .name(format!("test-https-{}", addr.port()))
            .spawn(move || {
                for stream in listener.incoming() {
                    if state.stopped() {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let worker_state = Arc::clone(&state);
                    let tls = tls.clone();
                    let worker = std::thread::Builder::new()
                        .name("test-https-connexion".to_owned())
                        .spawn(move || serve(stream, tls, &worker_state));
                    let mut workers = lock(&state.workers);
                    workers.retain(|w| !w.is_finished());
                    if let Ok(w) = worker {
                        workers.push(w);
                    }
                }
            })
            .expect("accept thread");
        Self {
            addr,
            tls: is_tls,
            shared,
            accept: Some(accept),
        }
    }

    /// Answers `method path` with `reply` (replacing an earlier route). A path
    /// without query also matches requests with one.
    pub fn route(&self, method: &str, path: &str, reply: Reply) -> &Self {
        lock(&self.shared.routes).insert((method.to_owned(), path.to_owned()), reply);
        self
    }

    /// Answers what no route matches with `f` (instead of a 404).
    pub fn handle(&self, f: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> &Self {
        *lock(&self.shared.handler) = Some(Arc::new(f));
        self
    }

    /// The routes of PROTOCOL.md's three services, all answering as when they
    /// work: `GET /api/v1/ping`, `GET /updates/manifest.json`, and
    /// `POST /authentifier/1.0/` (401 to the empty credentials of the test).
    pub fn with_protocol_routes(self) -> Self {
        self.route("GET", "/api/v1/ping", answers::ping());
        self.route("GET", "/updates/manifest.json", answers::manifest());
        self.route(
            "POST",
            "/authentifier/1.0/",
            answers::net_entreprises_unknown_account(),
        );
        self
    }

    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// [`url`](Self::url) followed by `path` (which starts with `/`).
    pub fn url_of(&self, path: &str) -> String {
        format!("{}{path}", self.url())
    }

    /// The address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port listened on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every request read so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared.requests).clone()
    }

    /// How many requests were read.
    pub fn request_count(&self) -> usize {
        lock(&self.shared.requests).len()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop up so that it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
        let workers: Vec<_> = lock(&self.shared.workers).drain(..).collect();
        for w in workers {
            let _ = w.join();
        }
    }
}

/// A connection, plain or TLS.
/// A server-side connection, plain or TLS (shared with the SMTP peer).
pub enum ServerStream {
    /// Plain TCP.
    Plain(TcpStream),
    /// TLS over TCP.
    Tls(Box<rustls::StreamOwned<rustls::ServerConnection, TcpStream>>),
}

impl ServerStream {
    /// The TCP socket underneath.
    pub fn tcp(&self) -> &TcpStream {
        match self {
            Self::Plain(s) => s,
            Self::Tls(s) => &s.sock,
        }
    }

    /// Ends the connection (TLS `close_notify` first).
    pub fn close(&mut self) {
        if let Self::Tls(s) = self {
            s.conn.send_close_notify();
            let _ = s.flush();
        }
        let _ = self.tcp().shutdown(Shutdown::Both);
    }
}

impl Read for ServerStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Plain(s) => s.read(buf),
            Self::Tls(s) => s.read(buf),
        }
    }
}

impl Write for ServerStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Plain(s) => s.write(buf),
            Self::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Plain(s) => s.flush(),
            Self::Tls(s) => s.flush(),
        }
    }
}

/// Reads more bytes into `buf`, polling the stop flag. `None` at the end of the
/// connection, on a stop, an error or a long silence.
fn read_more(io: &mut impl Read, buf: &mut Vec<u8>, stop: &AtomicBool) -> Option<()> {
    let mut chunk = [0_u8; 16 * 1024];
    let start = Instant::now();
    loop {
        if stop.load(Ordering::SeqCst) || start.elapsed() > IDLE_LIMIT || buf.len() > MAX_REQUEST {
            return None;
        }
        match io.read(&mut chunk) {
            Ok(0) => return None,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                return Some(());
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(_) => return None,
        }
    }
}

/// Reads one HTTP/1.1 request: head, then a `Content-Length` or chunked body.
/// Bytes after the request are returned too (for proxies).
pub(crate) fn read_request(io: &mut impl Read, stop: &AtomicBool) -> Option<(Request, Vec<u8>)> {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(at) = find(&buf, b"\r\n\r\n") {
            break at;
        }
        read_more(io, &mut buf, stop)?;
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut rest = buf[head_end + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split_whitespace();
    let method = first.next()?.to_owned();
    let path = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let body = if header("Transfer-Encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(at) = find(&rest, b"\r\n") {
                    break at;
                }
                read_more(io, &mut rest, stop)?;
            };
            let size_text = String::from_utf8_lossy(&rest[..line_end]).into_owned();
            let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
            rest.drain(..line_end + 2);
            if size == 0 {
                // Trailers, up to the empty line.
                while find(&rest, b"\r\n").is_none() {
                    read_more(io, &mut rest, stop)?;
                }
                let end = find(&rest, b"\r\n")?;
                rest.drain(..end + 2);
                break;
            }
            while rest.len() < size + 2 {
                read_more(io, &mut rest, stop)?;
            }
            body.extend_from_slice(&rest[..size]);
            rest.drain(..size + 2);
        }
        body
    } else {
        let length: usize = header("Content-Length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if length > MAX_REQUEST {
            return None;
        }
        while rest.len() < length {
            read_more(io, &mut rest, stop)?;
        }
        rest.drain(..length).collect()
    };
    Some((
        Request {
            method,
            path,
            headers,
            body,
        },
        rest,
    ))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The reason phrase of a status.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        407 => "Proxy Authentication Required",
        409 => "Conflict",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn serve(stream: TcpStream, tls: Option<Arc<rustls::ServerConfig>>, shared: &Shared) {
    let _ = stream.set_read_timeout(Some(POLL));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let mut io = match tls {
        Some(config) => match rustls::ServerConnection::new(config) {
            Ok(conn) => ServerStream::Tls(Box::new(rustls::StreamOwned::new(conn, stream))),
            Err(_) => return,
        },
        None => ServerStream::Plain(stream),
    };
    let Some((request, _)) = read_request(&mut io, &shared.stop) else {
        io.close();
        return;
    };
    lock(&shared.requests).push(request.clone());
    let reply = shared.reply_for(&request);
    let until = Instant::now() + reply.delay;
    while reply.hang || Instant::now() < until {
        if shared.stopped() {
            io.close();
            return;
        }
        std::thread::sleep(POLL);
    }
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    for (name, value) in &reply.headers {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    let _ = write!(
        head,
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        reply.body.len()
    );
    let _ = io.write_all(head.as_bytes());
    if request.method != "HEAD" {
        let _ = io.write_all(&reply.body);
    }
    let _ = io.flush();
    io.close();
}

// ---------------------------------------------------------------------------
// Silence and absence.

/// Accepts TCP connections on 127.0.0.1 and never reads nor answers, until
/// dropped.
pub struct SilentListener {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accepted: Arc<Mutex<usize>>,
    accept: Option<JoinHandle<()>>,
}

impl SilentListener {
    /// Starts listening on a free port.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let stop = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(Mutex::new(0));
        let (flag, count) = (Arc::clone(&stop), Arc::clone(&accepted));
        let accept = std::thread::Builder::new()
            .name(format!("test-silence-{}", addr.port()))
            .spawn(move || {
                // Held open, unread, until the listener stops.
                let mut held = Vec::new();
                for stream in listener.incoming() {
                    if flag.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(s) = stream {
                        held.push(s);
                        *lock(&count) += 1;
                    }
                }
            })
            .expect("accept thread");
        Self {
            addr,
            stop,
            accepted,
            accept: Some(accept),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `https://127.0.0.1:PORT`.
    pub fn https_url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// The port listened on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// How many connections were accepted.
    pub fn accepted(&self) -> usize {
        *lock(&self.accepted)
    }
}

impl Drop for SilentListener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

/// A port of 127.0.0.1 where nothing listens: bound, read, then closed.
pub fn unused_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}
