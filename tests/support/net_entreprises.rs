//! A Net-entreprises authentication service on 127.0.0.1, written from
//! PROTOCOL.md ("Net-entreprises authentication"), on the loopback HTTPS peer of
//! `https.rs`.
//!
//! It knows declarants (SIRET, nom, prénom as typed, and a password), answers
//! `POST /authentifier/1.0/` as the table says — 200 with a fresh token and its
//! `Expires`, each 401 realm, 403 once an account has failed three times in a
//! row, 422 for a SIRET that fails its key or a wrong service code — and can be
//! told to answer 407, 429, 404, 503 or a redirect for a while. It keeps every
//! token it issued, so that a test can look for them in everything the program
//! wrote, and counts the calls in flight.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::https::{Reply, Request, TestCert, TestServer};

/// The path the service answers on.
pub const PATH: &str = "/authentifier/1.0/";

/// A declarant's state on the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Works.
    Active,
    /// Password expired.
    Expired,
    /// Not registered for the DSN service.
    NotRegistered,
}

#[derive(Debug, Clone)]
struct Declarant {
    password: String,
    standing: Standing,
    failures: u32,
    locked: bool,
}

/// What the portal answers to everyone for a while, whatever the credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forced {
    /// 401 with a realm the protocol does not list.
    OtherRealm(String),
    /// 407: the request judged dangerous.
    Dangerous,
    /// 422: invalid parameters.
    InvalidParameters,
    /// 429 with `Retry-After` in seconds.
    TooManyRequests(u64),
    /// 404.
    NotFound,
    /// 503.
    Unavailable,
    /// 302 to this address.
    Redirect(String),
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

struct State {
    declarants: Mutex<HashMap<(String, String, String), Declarant>>,
    forced: Mutex<Option<Forced>>,
    tokens: Mutex<Vec<String>>,
    token_lifetime: Mutex<Duration>,
    clock: Mutex<Option<chrono::DateTime<chrono::Utc>>>,
    delay: Mutex<Duration>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    next_token: AtomicUsize,
}

/// The Net-entreprises peer.
pub struct NetEntreprisesPeer {
    server: TestServer,
    state: Arc<State>,
}

/// The text between `<tag>` and `</tag>`, unescaped.
fn field(body: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&close)? + start;
    Some(
        body[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

fn luhn_ok(s: &str) -> bool {
    s.len() == 14
        && s.bytes().all(|b| b.is_ascii_digit())
        && s.bytes()
            .rev()
            .enumerate()
            .map(|(i, b)| {
                let d = u32::from(b - b'0');
                if i % 2 == 1 {
                    let t = d * 2;
                    if t > 9 { t - 9 } else { t }
                } else {
                    d
                }
            })
            .sum::<u32>()
            % 10
            == 0
}

/// An HTTP date, `Expires`' format.
fn http_date(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

impl NetEntreprisesPeer {
    /// The service over HTTPS with `cert`, tokens valid `token_lifetime`.
    pub fn start(cert: &TestCert) -> Self {
        let server = TestServer::https(cert);
        let state = Arc::new(State {
            declarants: Mutex::new(HashMap::new()),
            forced: Mutex::new(None),
            tokens: Mutex::new(Vec::new()),
            token_lifetime: Mutex::new(Duration::from_mins(90)),
            clock: Mutex::new(None),
            delay: Mutex::new(Duration::ZERO),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            next_token: AtomicUsize::new(1),
        });
        let shared = Arc::clone(&state);
        server.handle(move |request| answer(&shared, request));
        Self { server, state }
    }

    /// The address of the service, for `net_entreprises_url`.
    pub fn url(&self) -> String {
        self.server.url_of(PATH)
    }

    /// A declarant the portal knows.
    pub fn declarant(
        &self,
        siret: &str,
        nom: &str,
        prenom: &str,
        password: &str,
        standing: Standing,
    ) {
        lock(&self.state.declarants).insert(
            (siret.to_owned(), nom.to_owned(), prenom.to_owned()),
            Declarant {
                password: password.to_owned(),
                standing,
                failures: 0,
                locked: false,
            },
        );
    }

    /// Answers everyone with `forced` until [`stop_forcing`](Self::stop_forcing).
    pub fn force(&self, forced: Forced) {
        *lock(&self.state.forced) = Some(forced);
    }

    /// Answers as the credentials say again.
    pub fn stop_forcing(&self) {
        *lock(&self.state.forced) = None;
    }

    /// Every answer waits `delay` before it is sent.
    pub fn answer_after(&self, delay: Duration) {
        *lock(&self.state.delay) = delay;
    }

    /// The lifetime of the tokens issued from now on.
    pub fn token_lifetime(&self, lifetime: Duration) {
        *lock(&self.state.token_lifetime) = lifetime;
    }

    /// The time the portal's answers give (`Date`, and `Expires` from it),
    /// instead of its clock: for pictures that stay the same.
    pub fn clock(&self, at: chrono::DateTime<chrono::Utc>) {
        *lock(&self.state.clock) = Some(at);
    }

    /// Every token issued so far.
    pub fn tokens(&self) -> Vec<String> {
        lock(&self.state.tokens).clone()
    }

    /// Every request read so far.
    pub fn requests(&self) -> Vec<Request> {
        self.server.requests()
    }

    /// How many requests were read.
    pub fn request_count(&self) -> usize {
        self.server.request_count()
    }

    /// The most requests answered at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }

    /// Whether that declarant is locked after three failures.
    pub fn is_locked(&self, siret: &str, nom: &str, prenom: &str) -> bool {
        lock(&self.state.declarants)
            .get(&(siret.to_owned(), nom.to_owned(), prenom.to_owned()))
            .is_some_and(|d| d.locked)
    }
}

/// Counts a call in flight for as long as it lives.
struct InFlight<'a>(&'a State);

impl<'a> InFlight<'a> {
    fn new(state: &'a State) -> Self {
        let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        state.max_in_flight.fetch_max(now, Ordering::SeqCst);
        Self(state)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

fn answer(state: &State, request: &Request) -> Reply {
    let _counted = InFlight::new(state);
    let delay = *lock(&state.delay);
    if !delay.is_zero() {
        std::thread::sleep(delay);
    }
    if request.method != "POST" || request.path.split('?').next() != Some(PATH) {
        return Reply::status(404);
    }
    let xml = request
        .header("Content-Type")
        .is_some_and(|v| v.starts_with("application/xml"));
    let client = request
        .header("User-Agent")
        .is_some_and(|v| v.starts_with("Client-DSN ("));
    if !xml || !client {
        return Reply::status(422);
    }
    if let Some(forced) = lock(&state.forced).clone() {
        return match forced {
            Forced::OtherRealm(realm) => {
                Reply::status(401).header("WWW-Authenticate", &format!("Basic realm=\"{realm}\""))
            }
            Forced::Dangerous => Reply::status(407),
            Forced::InvalidParameters => Reply::status(422),
            Forced::TooManyRequests(secs) => {
                Reply::status(429).header("Retry-After", &secs.to_string())
            }
            Forced::NotFound => Reply::status(404),
            Forced::Unavailable => Reply::status(503),
            Forced::Redirect(to) => Reply::redirect(302, &to),
        };
    }
    let body = request.body_text();
    let (Some(siret), Some(nom), Some(prenom), Some(password), Some(service)) = (
        field(&body, "siret"),
        field(&body, "nom"),
        field(&body, "prenom"),
        field(&body, "motdepasse"),
        field(&body, "service"),
    ) else {
        // The server test's empty <identifiants/>: read, and refused.
        return Reply::status(401).header("WWW-Authenticate", "Basic realm=\"net-entreprises.fr\"");
    };
    if !luhn_ok(&siret) || !matches!(service.as_str(), "25" | "97") {
        return Reply::status(422);
    }
    let mut declarants = lock(&state.declarants);
    let Some(d) = declarants.get_mut(&(siret, nom, prenom)) else {
        return Reply::status(401).header("WWW-Authenticate", "Basic realm=\"net-entreprises.fr\"");
    };
    if d.locked {
        return Reply::status(403);
    }
    if d.password != password {
        d.failures += 1;
        if d.failures >= 3 {
            d.locked = true;
        }
        return Reply::status(401).header("WWW-Authenticate", "Basic realm=\"net-entreprises.fr\"");
    }
    d.failures = 0;
    match d.standing {
        Standing::Expired => Reply::status(401).header(
            "WWW-Authenticate",
            "Basic realm=\"Expiration du mot de passe\"",
        ),
        Standing::NotRegistered => Reply::status(401).header(
            "WWW-Authenticate",
            "DSNLogin realm=\"Utilisateur non-inscrit au service\"",
        ),
        Standing::Active => {
            let n = state.next_token.fetch_add(1, Ordering::SeqCst);
            let token = format!("JETON-NETE-{n:04}-{}", uuid::Uuid::new_v4().simple());
            lock(&state.tokens).push(token.clone());
            let now = lock(&state.clock).unwrap_or_else(chrono::Utc::now);
            let lifetime = *lock(&state.token_lifetime);
            let expires =
                now + chrono::Duration::from_std(lifetime).unwrap_or(chrono::Duration::zero());
            Reply::text(200, &token)
                .header("Date", &http_date(now))
                .header("Expires", &http_date(expires))
        }
    }
}
