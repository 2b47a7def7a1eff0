//! Authentication of the installation (PROTOCOL.md, "Authentication server")
//! against a real HTTPS peer on 127.0.0.1, through `authenticate_now` on a
//! throw-away `IEA_HOME`: every answer of the protocol, what the program sent, the
//! state it records, the retry plan, and assistance mode.

mod support;

use std::collections::BTreeSet;
use std::path::PathBuf;

use iea_maintenance::config::{Config, ConnectionKind, ConnectionMode};
use iea_maintenance::connection::auth::{
    AuthError, AuthOutcome, DuplicateWorkstation, authenticate, authenticate_now,
};
use iea_maintenance::connection::servers::{ServerProblem, Step};
use iea_maintenance::home::Home;
use iea_maintenance::installation::{self, Installation};
use iea_maintenance::messages;
use iea_maintenance::secrets::SecretKey;
use iea_maintenance::service::persist::PersistedState;
use iea_maintenance::service::state::ConnectionState;
use support::https::{Reply, SilentListener, TestCa, TestServer, answers, loopback_cert};
use support::proxy::ConnectProxy;
use url::Url;

const LICENCE: &str = "IEA-LIC-4242-TEST";
const AUTHENTICATE: &str = "/api/v1/authenticate";

/// A throw-away installation whose authentication server is `auth_url`.
struct Workstation {
    dir: tempfile::TempDir,
    home: Home,
}

impl Workstation {
    fn new(mode: ConnectionMode, auth_url: &str, ca_file: Option<PathBuf>) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        home.ensure().expect("home");
        let mut config = Config::defaults(&home);
        config.connection.mode = mode;
        config.connection.auth_url = Url::parse(auth_url).expect("url");
        config.connection.extra_ca_file = ca_file;
        config.save(&home).expect("config");
        let mut installation = Installation::load_or_create(&home).expect("identity");
        LICENCE.clone_into(&mut installation.licence_key);
        installation.save(&home).expect("identity saved");
        Self { dir, home }
    }

    fn config(&self) -> Config {
        Config::load(&self.home).expect("config")
    }

    fn installation(&self) -> Installation {
        Installation::load_or_create(&self.home).expect("identity")
    }
}

/// An HTTPS authentication server and a workstation in Sécurisé mode trusting it.
fn secure_pair() -> (TestServer, Workstation, TestCa) {
    let ca = TestCa::new("Autorite de test");
    let server = TestServer::https(&loopback_cert(&ca));
    let ws = Workstation::new(ConnectionMode::Secure, &server.url(), None);
    let ca_file = ca.write_pem(ws.dir.path());
    let mut config = ws.config();
    config.connection.extra_ca_file = Some(ca_file);
    config.save(&ws.home).expect("config");
    (server, ws, ca)
}

fn seconds_from_now(rfc3339: &str) -> i64 {
    let at = chrono::DateTime::parse_from_rfc3339(rfc3339).expect("RFC 3339");
    (at.with_timezone(&chrono::Local) - chrono::Local::now()).num_seconds()
}

#[test]
fn connected_and_the_body_has_exactly_the_protocol_fields() {
    let (server, ws, _ca) = secure_pair();
    server.route(
        "POST",
        AUTHENTICATE,
        answers::auth_ok("Association des amis", "2027-12-31"),
    );
    let state = authenticate_now(&ws.home).expect("authenticated");
    assert_eq!(state.connection, ConnectionState::Connected);
    assert_eq!(state.consecutive_failures, 0);
    assert_eq!(
        state.history.last().map(|e| e.state.as_str()),
        Some("connected")
    );
    assert_eq!(
        PersistedState::load(&ws.home),
        state,
        "what was returned is saved"
    );

    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    let sent = &requests[0];
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", AUTHENTICATE)
    );
    assert!(
        sent.header("Content-Type")
            .is_some_and(|v| v.starts_with("application/json")),
        "{sent:#?}"
    );
    let body = sent.json();
    let fields: BTreeSet<&str> = body
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        fields,
        BTreeSet::from([
            "hostname",
            "installation_id",
            "licence_key",
            "version",
            "workstation_id"
        ])
    );
    let me = ws.installation();
    assert_eq!(body["installation_id"], me.installation_id.to_string());
    assert_eq!(body["workstation_id"], me.workstation_id.to_string());
    assert_eq!(body["hostname"], installation::hostname());
    assert_eq!(body["licence_key"], LICENCE);
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn each_refusal_gives_its_state_and_clears_the_failures() {
    let (server, ws, _ca) = secure_pair();
    let cases = [
        (
            answers::auth_refused("Poste non autorisé"),
            ConnectionState::AuthRefused {
                message: "Poste non autorisé".into(),
            },
        ),
        (
            answers::licence_not_recognized("Licence retirée"),
            ConnectionState::LicenceRefused {
                message: "Licence retirée".into(),
            },
        ),
        (
            answers::licence_duplicate(
                "Licence en double",
                &[
                    ("w-1", "PC-COMPTA", "2026-01-02T09:00:00+01:00"),
                    ("w-2", "PC-ACCUEIL", "2026-01-03T09:00:00+01:00"),
                ],
            ),
            ConnectionState::LicenceDuplicate {
                message: "Licence en double".into(),
            },
        ),
    ];
    for (reply, expected) in cases {
        let mut before = PersistedState::load(&ws.home);
        before.consecutive_failures = 3;
        before.save(&ws.home).expect("state");
        server.route("POST", AUTHENTICATE, reply);
        let state = authenticate_now(&ws.home).expect("answered");
        assert_eq!(state.connection, expected);
        assert_eq!(state.consecutive_failures, 0, "{expected:?}");
        let last = state.history.last().expect("history");
        assert_eq!(last.state, expected.key());
        let message = match &expected {
            ConnectionState::AuthRefused { message }
            | ConnectionState::LicenceRefused { message }
            | ConnectionState::LicenceDuplicate { message } => message.as_str(),
            other => panic!("not a refusal: {other:?}"),
        };
        assert!(last.detail.contains(message), "{last:#?}");
    }
    let last = PersistedState::load(&ws.home);
    assert!(
        last.history
            .last()
            .expect("history")
            .detail
            .contains("PC-COMPTA"),
        "{last:#?}"
    );
}

#[test]
fn duplicate_licence_lists_both_workstations() {
    let (server, ws, _ca) = secure_pair();
    server.route(
        "POST",
        AUTHENTICATE,
        answers::licence_duplicate(
            "Licence en double",
            &[
                ("w-1", "PC-COMPTA", "2026-01-02T09:00:00+01:00"),
                ("w-2", "PC-ACCUEIL", "2026-01-03T09:00:00+01:00"),
            ],
        ),
    );
    let config = ws.config();
    let outcome = authenticate(&config.connection, None, &ws.installation(), "3.1.0");
    let AuthOutcome::LicenceDuplicate {
        message,
        workstations,
    } = &outcome
    else {
        panic!("expected a duplicate, got {outcome:?}");
    };
    assert_eq!(message, "Licence en double");
    assert_eq!(
        workstations[1],
        DuplicateWorkstation {
            id: "w-2".into(),
            hostname: "PC-ACCUEIL".into(),
            last_seen: "2026-01-03T09:00:00+01:00".into(),
        }
    );
    let x = messages::auth_outcome(&outcome, &config.mail.support_address, "3.1.0");
    assert!(
        x.what
            .contains("Une licence est identique sur 2 postes différents")
    );
    assert!(x.what.contains("PC-ACCUEIL"), "{x:#?}");
}

#[test]
fn server_errors_are_unreachable_and_retries_back_off() {
    let (server, ws, _ca) = secure_pair();
    server.route(
        "POST",
        AUTHENTICATE,
        Reply::text(500, "Internal Server Error"),
    );

    let first = authenticate_now(&ws.home).expect("done");
    let ConnectionState::Unreachable {
        next_retry: Some(next),
    } = &first.connection
    else {
        panic!("expected unreachable, got {first:?}");
    };
    assert_eq!(first.consecutive_failures, 1);
    let wait = seconds_from_now(next);
    assert!((25..=31).contains(&wait), "first retry in 30 s, got {wait}");
    let last = first.history.last().expect("history");
    assert_eq!(last.state, "unreachable");
    assert!(last.detail.contains("500"), "{last:#?}");

    let second = authenticate_now(&ws.home).expect("done");
    let ConnectionState::Unreachable {
        next_retry: Some(next),
    } = &second.connection
    else {
        panic!("expected unreachable, got {second:?}");
    };
    assert_eq!(second.consecutive_failures, 2);
    let wait = seconds_from_now(next);
    assert!(
        (55..=61).contains(&wait),
        "second retry in 60 s, got {wait}"
    );

    // An answer the protocol does not list (a 401 that is not the server's) is
    // "anything else" too.
    server.route(
        "POST",
        AUTHENTICATE,
        Reply::text(401, "<html>Identifiez-vous</html>"),
    );
    let third = authenticate_now(&ws.home).expect("done");
    assert_eq!(third.connection.key(), "unreachable");
    assert_eq!(third.consecutive_failures, 3);

    // The server answers again: back to connected, failures cleared.
    server.route("POST", AUTHENTICATE, answers::auth_ok("Asso", "2027-12-31"));
    let fourth = authenticate_now(&ws.home).expect("done");
    assert_eq!(fourth.connection, ConnectionState::Connected);
    assert_eq!(fourth.consecutive_failures, 0);
    let kinds: Vec<&str> = fourth.history.iter().map(|e| e.state.as_str()).collect();
    assert_eq!(kinds, ["unreachable", "connected"]);
}

/// How long this takes (the budget of one call, 10 s in Normal mode) is
/// measured by the `time_limits` benchmark, beside curl waiting as long.
#[test]
fn silent_server_is_unreachable_with_no_answer_in_time() {
    let silent = SilentListener::start();
    let ws = Workstation::new(ConnectionMode::Normal, &silent.http_url(), None);
    let state = authenticate_now(&ws.home).expect("done");
    assert_eq!(state.connection.key(), "unreachable");
    assert!(
        state
            .history
            .last()
            .expect("history")
            .detail
            .contains("no answer within 10 s"),
        "{state:#?}"
    );

    let config = ws.config();
    let outcome = authenticate(&config.connection, None, &ws.installation(), "3.1.0");
    assert_eq!(
        outcome,
        AuthOutcome::Unreachable {
            step: Step::Http,
            problem: ServerProblem::NoAnswerInTime { timeout_secs: 10 },
        }
    );
}

#[test]
fn assistance_mode_refuses_without_any_request() {
    let (server, ws, _ca) = secure_pair();
    server.route("POST", AUTHENTICATE, answers::auth_ok("Asso", "2027-12-31"));
    let mut state = PersistedState::default();
    state.set_assistance(true, "activé par le test");
    state.save(&ws.home).expect("state");
    let before = PersistedState::load(&ws.home);

    let refused = authenticate_now(&ws.home).expect_err("assistance mode");
    assert!(matches!(refused, AuthError::AssistanceMode), "{refused:?}");
    assert_eq!(server.request_count(), 0);
    assert_eq!(PersistedState::load(&ws.home), before, "state untouched");
    let x = messages::auth_error(&refused);
    assert!(x.todo.contains("Désactiver le mode assistance"), "{x:#?}");
}

#[test]
fn http_address_in_secure_mode_is_refused_before_any_request() {
    let server = TestServer::http();
    server.route("POST", AUTHENTICATE, answers::auth_ok("Asso", "2027-12-31"));
    let ws = Workstation::new(ConnectionMode::Normal, &server.url(), None);
    let mut settings = ws.config().connection;
    settings.mode = ConnectionMode::Secure;
    let outcome = authenticate(&settings, None, &ws.installation(), "3.1.0");
    assert_eq!(
        outcome,
        AuthOutcome::Unreachable {
            step: Step::Tls,
            problem: ServerProblem::SchemeRefusedInSecureMode,
        }
    );
    assert_eq!(server.request_count(), 0);

    // In Normal mode the same address is used as typed.
    let state = authenticate_now(&ws.home).expect("done");
    assert_eq!(state.connection, ConnectionState::Connected);
}

#[test]
fn encrypted_proxy_password_is_used_and_never_written() {
    let (server, ws, _ca) = secure_pair();
    server.route("POST", AUTHENTICATE, answers::auth_ok("Asso", "2027-12-31"));
    let password = "Secret-du-proxy-42";
    let proxy = ConnectProxy::with_basic_auth("paie", password);
    let mut config = ws.config();
    config.connection.kind = ConnectionKind::Proxy;
    config.connection.proxy.host = proxy.host();
    config.connection.proxy.port = proxy.port();
    config.connection.proxy.user = "paie".to_owned();
    let key = SecretKey::load_or_create(&ws.home).expect("key");
    config.connection.proxy.password_encrypted = Some(key.encrypt(password));
    config.save(&ws.home).expect("config");

    let state = authenticate_now(&ws.home).expect("done");
    assert_eq!(state.connection, ConnectionState::Connected);
    assert!(proxy.accepted() >= 2, "{:#?}", proxy.requests());
    assert_eq!(proxy.refused(), 0);
    for file in ["state.json", "config.toml"] {
        let text = std::fs::read_to_string(ws.dir.path().join(file)).expect("read");
        assert!(!text.contains(password), "{file} holds the password");
    }

    // Without the right password the proxy refuses: unreachable at the proxy step.
    config.connection.proxy.password_encrypted = Some(key.encrypt("mauvais"));
    config.save(&ws.home).expect("config");
    let outcome = authenticate(
        &ws.config().connection,
        Some("mauvais"),
        &ws.installation(),
        "3.1.0",
    );
    assert_eq!(
        outcome,
        AuthOutcome::Unreachable {
            step: Step::Proxy,
            problem: ServerProblem::ProxyRefused,
        }
    );
}
