//! The licence side of the authentication server on 127.0.0.1, written from
//! PROTOCOL.md ("Licences per workstation" and "Authentication server"), on the
//! loopback HTTPS peer of `https.rs`.
//!
//! It holds one licence (holder, expiry, seats, key) and its workstations with
//! their states, and answers:
//! - `GET /api/v1/licence?installation_id=…` with `X-Licence-Key`: the licence
//!   and its workstations (403 for another key or installation);
//! - `POST /api/v1/workstations/<id>/reset`: 200 `reset` (the seat is freed; a
//!   duplicate left alone becomes active again), 404 `unknown_workstation`,
//!   429 `too_many_resets` with `retry_after` after three resets in a day;
//! - `POST /api/v1/authenticate`: 200 for an active workstation, 409 with the
//!   duplicates for one of them, and a new workstation id registers as active;
//! - `GET /api/v1/ping`.

#![allow(dead_code)]

use std::sync::{Arc, Mutex, PoisonError};

use serde_json::json;

use super::https::{Reply, Request, TestCert, TestServer};

/// A workstation of the licence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seat {
    /// Its id.
    pub id: String,
    /// Its host name.
    pub hostname: String,
    /// First seen (RFC 3339).
    pub first_seen: String,
    /// Last seen (RFC 3339).
    pub last_seen: String,
    /// `active`, `duplicate` or `reset`.
    pub state: String,
}

impl Seat {
    /// A seat in `state`, first seen in 2024, last seen on 22/11/2026.
    pub fn new(id: &str, hostname: &str, state: &str) -> Self {
        Self {
            id: id.to_owned(),
            hostname: hostname.to_owned(),
            first_seen: "2024-09-02T08:30:00+00:00".to_owned(),
            last_seen: "2026-11-22T08:45:00+00:00".to_owned(),
            state: state.to_owned(),
        }
    }
}

struct State {
    installation_id: Mutex<String>,
    key: String,
    seats: Mutex<Vec<Seat>>,
    resets: Mutex<u32>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The licence server peer.
pub struct LicenceServer {
    server: TestServer,
    state: Arc<State>,
}

/// The licence's holder, as the peer says it.
pub const HOLDER: &str = "Association Les Amis du Quartier";
/// Its end of validity.
pub const EXPIRES: &str = "2027-12-31";

impl LicenceServer {
    /// The server over HTTPS with `cert`, for `installation_id` and its licence
    /// `key`, holding `seats`.
    pub fn start(cert: &TestCert, installation_id: &str, key: &str, seats: Vec<Seat>) -> Self {
        let server = TestServer::https(cert);
        let state = Arc::new(State {
            installation_id: Mutex::new(installation_id.to_owned()),
            key: key.to_owned(),
            seats: Mutex::new(seats),
            resets: Mutex::new(0),
        });
        let shared = Arc::clone(&state);
        server.handle(move |request| answer(&shared, request));
        Self { server, state }
    }

    /// `https://127.0.0.1:PORT`, for `auth_url`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The seats now.
    pub fn seats(&self) -> Vec<Seat> {
        lock(&self.state.seats).clone()
    }

    /// Every request read so far.
    pub fn requests(&self) -> Vec<Request> {
        self.server.requests()
    }

    /// The requests to `path` (query aside).
    pub fn requests_to(&self, method: &str, path: &str) -> Vec<Request> {
        self.server
            .requests()
            .into_iter()
            .filter(|r| r.method == method && r.path.split('?').next() == Some(path))
            .collect()
    }

    /// Counts `n` resets as already made today.
    pub fn resets_made(&self, n: u32) {
        *lock(&self.state.resets) = n;
    }
}

fn seat_json(s: &Seat) -> serde_json::Value {
    json!({"id": s.id, "hostname": s.hostname, "first_seen": s.first_seen,
           "last_seen": s.last_seen, "state": s.state})
}

fn answer(state: &State, request: &Request) -> Reply {
    let path = request.path.split('?').next().unwrap_or_default();
    let query = request.path.split_once('?').map_or("", |(_, q)| q);
    let installation = lock(&state.installation_id).clone();
    let key_ok = request.header("X-Licence-Key") == Some(state.key.as_str());
    let refused = || {
        Reply::json(
            403,
            &json!({"result": "licence_not_recognized", "message": "Licence inconnue"}),
        )
    };
    match (request.method.as_str(), path) {
        ("GET", "/api/v1/ping") => {
            Reply::json(200, &json!({"service": "iea-auth", "version": "test"}))
        }
        ("GET", "/api/v1/licence") => {
            if !key_ok || query != format!("installation_id={installation}") {
                return refused();
            }
            let seats = lock(&state.seats);
            Reply::json(
                200,
                &json!({
                    "licence": {"holder": HOLDER, "expires": EXPIRES, "seats": 3},
                    "workstations": seats.iter().map(seat_json).collect::<Vec<_>>(),
                }),
            )
        }
        ("POST", p) if p.starts_with("/api/v1/workstations/") && p.ends_with("/reset") => {
            let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
            if !key_ok || body["installation_id"] != installation.as_str() {
                return refused();
            }
            let id = p
                .trim_start_matches("/api/v1/workstations/")
                .trim_end_matches("/reset");
            let mut resets = lock(&state.resets);
            if *resets >= 3 {
                let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1))
                    .date_naive()
                    .and_hms_opt(0, 0, 0)
                    .map(|t| t.and_utc().to_rfc3339())
                    .unwrap_or_default();
                return Reply::json(
                    429,
                    &json!({"result": "too_many_resets", "retry_after": tomorrow}),
                );
            }
            let mut seats = lock(&state.seats);
            let Some(seat) = seats.iter_mut().find(|s| s.id == id && s.state != "reset") else {
                return Reply::json(404, &json!({"result": "unknown_workstation"}));
            };
            "reset".clone_into(&mut seat.state);
            *resets += 1;
            // A duplicate left alone is no duplicate any more.
            let duplicates = seats.iter().filter(|s| s.state == "duplicate").count();
            if duplicates == 1 {
                for s in seats.iter_mut().filter(|s| s.state == "duplicate") {
                    "active".clone_into(&mut s.state);
                }
            }
            Reply::json(200, &json!({"result": "reset"}))
        }
        ("POST", "/api/v1/authenticate") => {
            let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
            if body["licence_key"] != state.key.as_str() {
                return Reply::json(
                    403,
                    &json!({"result": "licence_not_recognized", "message": "Licence inconnue"}),
                );
            }
            let id = body["workstation_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let hostname = body["hostname"].as_str().unwrap_or_default().to_owned();
            let mut seats = lock(&state.seats);
            let ok = || {
                Reply::json(
                    200,
                    &json!({"result": "ok", "licence": {"holder": HOLDER, "expires": EXPIRES},
                            "server_time": chrono::Utc::now().to_rfc3339()}),
                )
            };
            match seats.iter().find(|s| s.id == id).map(|s| s.state.clone()) {
                Some(state) if state == "active" => ok(),
                Some(state) if state == "duplicate" => {
                    let list: Vec<serde_json::Value> = seats
                        .iter()
                        .filter(|s| s.state == "duplicate")
                        .map(|s| json!({"id": s.id, "hostname": s.hostname, "last_seen": s.last_seen}))
                        .collect();
                    Reply::json(
                        409,
                        &json!({"result": "licence_duplicate", "workstations": list,
                                "message": "Licence utilisée sur deux postes"}),
                    )
                }
                _ => {
                    let now = chrono::Utc::now().to_rfc3339();
                    seats.push(Seat {
                        id,
                        hostname,
                        first_seen: now.clone(),
                        last_seen: now,
                        state: "active".to_owned(),
                    });
                    ok()
                }
            }
        }
        _ => Reply::json(404, &json!({"error": "not found"})),
    }
}
