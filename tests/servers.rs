//! "Tester l'accès aux serveurs" against real peers on 127.0.0.1: an HTTPS server
//! with a certificate authority made at test time, a silent listener, a port
//! where nothing listens, a name that never resolves and an HTTP proxy with
//! CONNECT. Nothing here reaches any other address.

mod support;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use iea_maintenance::config::{ConnectionKind, ConnectionMode, ConnectionSettings, ProxySettings};
use iea_maintenance::connection::servers::{
    ServerName, ServerProblem, ServerTestReport, Step, test_servers,
};
use iea_maintenance::home::Home;
use iea_maintenance::messages;
use support::https::{
    Reply, SilentListener, TestCa, TestServer, Validity, answers, issue, loopback_cert, unused_port,
};
use support::proxy::ConnectProxy;
use url::Url;

fn url(s: &str) -> Url {
    Url::parse(s).expect("url")
}

/// Settings pointing the three addresses at `base` the way the defaults are
/// shaped: `{base}`, `{base}/updates`, `{base}/authentifier/1.0/`.
fn settings(mode: ConnectionMode, base: &str, ca: Option<PathBuf>) -> ConnectionSettings {
    ConnectionSettings {
        kind: ConnectionKind::Direct,
        mode,
        proxy: ProxySettings {
            host: String::new(),
            port: 8080,
            user: String::new(),
            password_encrypted: None,
        },
        auth_url: url(base),
        update_url: url(&format!("{base}/updates")),
        net_entreprises_url: url(&format!("{base}/authentifier/1.0/")),
        extra_ca_file: ca,
    }
}

/// A trusted authority, its PEM file, and an HTTPS server with PROTOCOL.md's
/// three services.
struct Peers {
    _dir: tempfile::TempDir,
    ca_file: PathBuf,
    ca: TestCa,
    server: TestServer,
}

fn https_peers() -> Peers {
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = TestCa::new("Autorite de test");
    let ca_file = ca.write_pem(dir.path());
    let server = TestServer::https(&loopback_cert(&ca)).with_protocol_routes();
    Peers {
        _dir: dir,
        ca_file,
        ca,
        server,
    }
}

fn only(report: &ServerTestReport, name: ServerName) -> (bool, Step, Option<ServerProblem>) {
    let r = report.result(name).expect("result");
    (r.ok, r.step, r.problem.clone())
}

fn assert_all(report: &ServerTestReport, step: Step, problem: &ServerProblem) {
    assert_eq!(report.results.len(), 3, "{report:#?}");
    for r in &report.results {
        assert!(!r.ok, "{report:#?}");
        assert_eq!(r.step, step, "{report:#?}");
        assert_eq!(r.problem.as_ref(), Some(problem), "{report:#?}");
    }
}

#[test]
fn all_three_answer_over_https_with_the_test_authority() {
    let p = https_peers();
    let s = settings(
        ConnectionMode::Secure,
        &p.server.url(),
        Some(p.ca_file.clone()),
    );
    let report = test_servers(&s, None);
    assert!(report.all_ok(), "{report:#?}");
    for r in &report.results {
        assert_eq!((r.step, &r.problem), (Step::Ok, &None), "{report:#?}");
    }
    assert_eq!(
        messages::server_test_summary(&report),
        "La connexion local/internet s'est déroulée avec succès."
    );
    assert_eq!(messages::server_advice(&report), None);

    let requests = p.server.requests();
    let find = |method: &str, path: &str| {
        requests
            .iter()
            .find(|r| r.method == method && r.path == path)
            .unwrap_or_else(|| panic!("no {method} {path} in {requests:#?}"))
    };
    let ping = find("GET", "/api/v1/ping");
    assert_eq!(
        ping.header("User-Agent"),
        Some(concat!("iea-maintenance/", env!("CARGO_PKG_VERSION")))
    );
    find("GET", "/updates/manifest.json");
    let n = find("POST", "/authentifier/1.0/");
    assert_eq!(n.header("Content-Type"), Some("application/xml"));
    assert_eq!(n.body_text(), "<identifiants/>");
    assert_eq!(requests.len(), 3, "one request per address: {requests:#?}");

    // The last test is kept and read back.
    let home_dir = tempfile::tempdir().expect("tempdir");
    let home = Home::at(home_dir.path());
    report.save_last(&home).expect("save");
    assert!(home_dir.path().join("dernier-test-serveurs.json").is_file());
    assert_eq!(ServerTestReport::load_last(&home), Some(report));
}

#[test]
fn addresses_with_and_without_final_slash_are_joined_alike() {
    let p = https_peers();
    let base = p.server.url();
    let mut s = settings(ConnectionMode::Secure, &base, Some(p.ca_file.clone()));
    s.auth_url = url(&format!("{base}/"));
    s.update_url = url(&format!("{base}/updates/"));
    let report = test_servers(&s, None);
    assert!(report.all_ok(), "{report:#?}");
}

#[test]
fn certificate_of_an_unknown_authority_fails_at_tls() {
    let p = https_peers();
    let stranger = TestCa::new("Autorite inconnue");
    let server = TestServer::https(&loopback_cert(&stranger)).with_protocol_routes();
    let s = settings(
        ConnectionMode::Secure,
        &server.url(),
        Some(p.ca_file.clone()),
    );
    let report = test_servers(&s, None);
    assert_all(&report, Step::Tls, &ServerProblem::CertificateUnknownIssuer);
    assert_eq!(
        server.request_count(),
        0,
        "nothing sent to an unverified server"
    );
    let advice = messages::server_advice(&report).expect("advice");
    assert!(advice.contains("autorité de certification"), "{advice}");
}

#[test]
fn expired_certificate_fails_at_tls() {
    let p = https_peers();
    let cert = issue(&p.ca, &["127.0.0.1"], Validity::Expired);
    let server = TestServer::https(&cert).with_protocol_routes();
    let s = settings(
        ConnectionMode::Secure,
        &server.url(),
        Some(p.ca_file.clone()),
    );
    let report = test_servers(&s, None);
    assert_all(&report, Step::Tls, &ServerProblem::CertificateExpired);
    assert_eq!(server.request_count(), 0);
}

#[test]
fn certificate_for_another_name_fails_at_tls() {
    let p = https_peers();
    let cert = issue(&p.ca, &["autre-serveur.example"], Validity::Current);
    let server = TestServer::https(&cert).with_protocol_routes();
    let s = settings(
        ConnectionMode::Secure,
        &server.url(),
        Some(p.ca_file.clone()),
    );
    let report = test_servers(&s, None);
    assert_all(&report, Step::Tls, &ServerProblem::CertificateWrongName);
    assert_eq!(server.request_count(), 0);
    assert_eq!(
        messages::server_problem(&ServerProblem::CertificateWrongName),
        "Certificat établi pour un autre nom"
    );
}

#[test]
fn port_without_listener_fails_at_tcp() {
    let port = unused_port();
    let s = settings(
        ConnectionMode::Normal,
        &format!("http://127.0.0.1:{port}"),
        None,
    );
    let report = test_servers(&s, None);
    assert_all(&report, Step::Tcp, &ServerProblem::ConnectionRefused);
}

#[test]
fn regression_a_port_set_on_purpose_gets_no_port_80_advice() {
    // An address typed with a port of its own that nothing answers on: seed
    // 001's « :80 » is for the default addresses a network filters, never in
    // place of a port the user chose.
    let port = unused_port();
    let s = settings(
        ConnectionMode::Normal,
        &format!("http://127.0.0.1:{port}"),
        None,
    );
    let report = test_servers(&s, None);
    assert_all(&report, Step::Tcp, &ServerProblem::ConnectionRefused);
    let advice = messages::server_advice(&report).unwrap_or_default();
    assert!(!advice.contains(":80"), "{advice}");
    assert!(!advice.contains("à la place du port"), "{advice}");
}

/// How fast this fails is measured by the `time_limits` benchmark, beside the
/// system's resolver asked the same name.
#[test]
fn name_that_never_resolves_fails_at_dns() {
    // RFC 6761: ".invalid" never resolves; no network is needed to know it.
    let s = settings(
        ConnectionMode::Secure,
        "https://impact-emploi.invalid",
        None,
    );
    let report = test_servers(&s, None);
    assert_all(&report, Step::Dns, &ServerProblem::NameNotFound);
    assert_eq!(
        messages::server_problem(&ServerProblem::NameNotFound),
        "Nom de serveur introuvable"
    );
}

/// The three tests run together; that the whole takes the budget of one call
/// (10 s in Normal mode) is measured by the `time_limits` benchmark.
#[test]
fn silent_servers_are_reported_at_the_step_where_they_fell_silent() {
    // A: accepts TCP and never answers (plain HTTP); U: the same over https (no
    // TLS handshake); N: completes TLS, reads the request, never answers.
    let p = https_peers();
    let silent = SilentListener::start();
    p.server.route("POST", "/authentifier/1.0/", Reply::hang());
    let mut s = settings(
        ConnectionMode::Normal,
        &p.server.url(),
        Some(p.ca_file.clone()),
    );
    s.auth_url = url(&silent.http_url());
    s.update_url = url(&format!("{}/updates", silent.https_url()));

    let report = test_servers(&s, None);
    assert_eq!(
        only(&report, ServerName::Authentification),
        (
            false,
            Step::Http,
            Some(ServerProblem::NoAnswerInTime { timeout_secs: 10 })
        )
    );
    assert_eq!(
        only(&report, ServerName::MiseAJour),
        (
            false,
            Step::Tls,
            Some(ServerProblem::NoAnswerInTime { timeout_secs: 5 })
        )
    );
    assert_eq!(
        only(&report, ServerName::NetEntreprises),
        (
            false,
            Step::Http,
            Some(ServerProblem::NoAnswerInTime { timeout_secs: 10 })
        )
    );
    assert!(silent.accepted() >= 2, "both silent addresses were reached");
    assert_eq!(
        messages::server_problem(&ServerProblem::NoAnswerInTime { timeout_secs: 10 }),
        "Pas de réponse dans le délai (10 s)"
    );
}

#[test]
fn http_in_secure_mode_is_refused_before_any_request() {
    let server = TestServer::http().with_protocol_routes();
    let silent = SilentListener::start();
    let mut s = settings(ConnectionMode::Secure, &server.url(), None);
    s.update_url = url(&format!("{}/updates", silent.http_url()));
    let report = test_servers(&s, None);
    assert_all(
        &report,
        Step::Tls,
        &ServerProblem::SchemeRefusedInSecureMode,
    );
    assert_eq!(server.request_count(), 0);
    assert_eq!(silent.accepted(), 0, "not even a TCP connection");
    let advice = messages::server_advice(&report).expect("advice");
    assert!(
        advice.contains("remplacez « http:// » par « https:// »"),
        "{advice}"
    );

    // The same addresses in Normal mode are used as typed.
    s.mode = ConnectionMode::Normal;
    s.update_url = url(&format!("{}/updates", server.url()));
    let report = test_servers(&s, None);
    assert!(report.all_ok(), "{report:#?}");
}

#[test]
fn server_errors_and_other_services_are_told_apart() {
    let p = https_peers();
    p.server
        .route("GET", "/api/v1/ping", Reply::text(500, "erreur interne"));
    p.server.route(
        "GET",
        "/updates/manifest.json",
        Reply::text(200, "<html>Portail captif</html>"),
    );
    let s = settings(
        ConnectionMode::Secure,
        &p.server.url(),
        Some(p.ca_file.clone()),
    );
    let report = test_servers(&s, None);
    assert_eq!(
        only(&report, ServerName::Authentification),
        (false, Step::Http, Some(ServerProblem::UnexpectedHttp(500)))
    );
    assert_eq!(
        only(&report, ServerName::MiseAJour),
        (
            false,
            Step::Protocol,
            Some(ServerProblem::NotTheService(String::new()))
        )
    );
    assert!(only(&report, ServerName::NetEntreprises).0);

    p.server.route(
        "GET",
        "/api/v1/ping",
        Reply::json(200, &serde_json::json!({"service": "iea-licences"})),
    );
    let report = test_servers(&s, None);
    assert_eq!(
        only(&report, ServerName::Authentification),
        (
            false,
            Step::Protocol,
            Some(ServerProblem::NotTheService("iea-licences".to_owned()))
        )
    );
}

#[test]
fn net_entreprises_refusing_empty_credentials_is_reachable() {
    let p = https_peers();
    let s = settings(
        ConnectionMode::Secure,
        &p.server.url(),
        Some(p.ca_file.clone()),
    );
    for status in [401, 403, 422, 503] {
        p.server
            .route("POST", "/authentifier/1.0/", Reply::status(status));
        let report = test_servers(&s, None);
        assert!(report.all_ok(), "{status}: {report:#?}");
    }
}

#[test]
fn redirects_are_shown_and_not_followed() {
    let p = https_peers();
    let elsewhere = TestServer::https(&loopback_cert(&p.ca)).with_protocol_routes();
    let target = elsewhere.url_of("/maintenance");
    p.server
        .route("POST", "/authentifier/1.0/", Reply::redirect(302, &target));
    p.server.route(
        "GET",
        "/api/v1/ping",
        Reply::redirect(301, "/ailleurs/ping"),
    );
    let s = settings(
        ConnectionMode::Secure,
        &p.server.url(),
        Some(p.ca_file.clone()),
    );
    let report = test_servers(&s, None);
    assert_eq!(
        only(&report, ServerName::NetEntreprises),
        (
            false,
            Step::Http,
            Some(ServerProblem::Redirected {
                location: target.clone()
            })
        )
    );
    assert_eq!(
        only(&report, ServerName::Authentification),
        (
            false,
            Step::Http,
            Some(ServerProblem::Redirected {
                location: p.server.url_of("/ailleurs/ping")
            })
        )
    );
    assert_eq!(
        elsewhere.request_count(),
        0,
        "the redirect was not followed"
    );
    assert_eq!(
        p.server
            .requests()
            .iter()
            .filter(|r| r.path.starts_with("/ailleurs"))
            .count(),
        0
    );
    let text = messages::server_problem(&ServerProblem::Redirected { location: target });
    assert!(
        text.ends_with(": service déplacé ou en maintenance"),
        "{text}"
    );
}

fn through_proxy(s: &mut ConnectionSettings, proxy: &ConnectProxy, user: &str) {
    s.kind = ConnectionKind::Proxy;
    s.proxy.host = proxy.host();
    s.proxy.port = proxy.port();
    user.clone_into(&mut s.proxy.user);
}

#[test]
fn https_goes_through_the_connect_proxy() {
    let p = https_peers();
    let proxy = ConnectProxy::start();
    let mut s = settings(
        ConnectionMode::Secure,
        &p.server.url(),
        Some(p.ca_file.clone()),
    );
    through_proxy(&mut s, &proxy, "");
    let report = test_servers(&s, None);
    assert!(report.all_ok(), "{report:#?}");
    let seen = proxy.requests();
    assert!(seen.len() >= 3, "{seen:#?}");
    let authority = p.server.addr().to_string();
    assert!(
        seen.iter()
            .all(|r| r.method == "CONNECT" && r.target == authority && r.accepted),
        "{seen:#?}"
    );
    assert_eq!(p.server.request_count(), 3);
}

#[test]
fn plain_http_is_forwarded_by_the_proxy() {
    let server = TestServer::http().with_protocol_routes();
    let proxy = ConnectProxy::start();
    let mut s = settings(ConnectionMode::Normal, &server.url(), None);
    through_proxy(&mut s, &proxy, "");
    let report = test_servers(&s, None);
    assert!(report.all_ok(), "{report:#?}");
    let seen = proxy.requests();
    assert_eq!(seen.len(), 3, "{seen:#?}");
    assert!(
        seen.iter()
            .any(|r| r.method == "GET" && r.target == server.url_of("/api/v1/ping")),
        "{seen:#?}"
    );
    assert!(
        seen.iter()
            .any(|r| r.method == "POST" && r.target == server.url_of("/authentifier/1.0/")),
        "{seen:#?}"
    );
}

#[test]
fn proxy_asking_for_credentials() {
    let p = https_peers();
    let password = "Mot-de-passe-proxy!";
    let proxy = ConnectProxy::with_basic_auth("paie", password);
    let mut s = settings(
        ConnectionMode::Secure,
        &p.server.url(),
        Some(p.ca_file.clone()),
    );

    // Without credentials: 407, step proxy, and nothing reaches the server.
    through_proxy(&mut s, &proxy, "");
    let report = test_servers(&s, None);
    assert_all(&report, Step::Proxy, &ServerProblem::ProxyRefused);
    assert_eq!(p.server.request_count(), 0);
    assert!(proxy.refused() >= 3);
    let advice = messages::server_advice(&report).expect("advice");
    assert!(advice.contains("mot de passe du proxy"), "{advice}");
    assert_eq!(
        messages::server_problem(&ServerProblem::ProxyRefused),
        "Le proxy refuse la connexion : identification demandée ou refusée"
    );

    // A wrong password: refused the same way.
    through_proxy(&mut s, &proxy, "paie");
    let report = test_servers(&s, Some("pas-le-bon"));
    assert_all(&report, Step::Proxy, &ServerProblem::ProxyRefused);

    // With them: every address answers, through the proxy.
    let before = proxy.accepted();
    let report = test_servers(&s, Some(password));
    assert!(report.all_ok(), "{report:#?}");
    assert!(proxy.accepted() >= before + 3);
    assert_eq!(p.server.request_count(), 3);
    let saved = serde_json::to_string(&report).expect("json");
    assert!(!saved.contains(password), "{saved}");
}

#[test]
fn proxy_that_does_not_answer_fails_at_the_proxy_step() {
    let p = https_peers();
    let mut s = settings(
        ConnectionMode::Secure,
        &p.server.url(),
        Some(p.ca_file.clone()),
    );
    s.kind = ConnectionKind::Proxy;
    s.proxy.host = "127.0.0.1".to_owned();
    s.proxy.port = unused_port();
    let report = test_servers(&s, None);
    assert_all(&report, Step::Proxy, &ServerProblem::ProxyUnreachable);
    assert_eq!(p.server.request_count(), 0);
}

#[test]
fn extended_mode_retries_a_passing_failure_within_its_budget() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let p = https_peers();
    let pings = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&pings);
    // The ping answers 503 once, then works (not through a route: the handler
    // decides per request).
    let server = TestServer::https(&loopback_cert(&p.ca));
    server.route("GET", "/updates/manifest.json", answers::manifest());
    server.route("POST", "/authentifier/1.0/", Reply::status(401));
    server.handle(move |request| {
        if request.path == "/api/v1/ping" && count.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::status(503)
        } else if request.path == "/api/v1/ping" {
            answers::ping()
        } else {
            Reply::status(404)
        }
    });

    let mut s = settings(
        ConnectionMode::Normal,
        &server.url(),
        Some(p.ca_file.clone()),
    );
    let report = test_servers(&s, None);
    assert_eq!(
        only(&report, ServerName::Authentification),
        (false, Step::Http, Some(ServerProblem::UnexpectedHttp(503))),
        "Normal mode does not retry"
    );

    pings.store(0, Ordering::SeqCst);
    s.mode = ConnectionMode::Extended;
    let report = test_servers(&s, None);
    assert!(report.all_ok(), "Étendu retries after 1 s: {report:#?}");
    assert_eq!(pings.load(Ordering::SeqCst), 2);
    let auth = report.result(ServerName::Authentification).expect("A");
    assert!(auth.elapsed_ms >= 1000, "{auth:#?}");

    // A refusal that does not pass is retried twice (1 s, then 2 s): the test
    // cannot end sooner than those waits, which a busy machine only lengthens.
    // That it stays within the 30 s budget is measured by the `time_limits`
    // benchmark, not asserted here.
    let port = unused_port();
    let s = settings(
        ConnectionMode::Extended,
        &format!("http://127.0.0.1:{port}"),
        None,
    );
    let start = Instant::now();
    let report = test_servers(&s, None);
    assert_all(&report, Step::Tcp, &ServerProblem::ConnectionRefused);
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_secs(3), "{elapsed:?}");
}

/// The child half of [`system_settings_follow_the_proxy_variables`]: runs in a
/// process started with the variables set (edition 2024 makes changing the
/// environment of a running test process unsafe).
fn system_child(base: &str, ca_file: &str) {
    let mut s = settings(ConnectionMode::Secure, base, Some(PathBuf::from(ca_file)));
    s.kind = ConnectionKind::System;
    let report = test_servers(&s, None);
    assert!(report.all_ok(), "{report:#?}");
}

#[test]
fn system_settings_follow_the_proxy_variables() {
    if let (Ok(base), Ok(ca)) = (
        std::env::var("IEA_TEST_SERVER_URL"),
        std::env::var("IEA_TEST_CA_FILE"),
    ) {
        system_child(&base, &ca);
        return;
    }
    let p = https_peers();
    let proxy = ConnectProxy::start();
    let run = |no_proxy: &str| {
        let child = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "system_settings_follow_the_proxy_variables",
                "--exact",
                "--quiet",
            ])
            .env("IEA_TEST_SERVER_URL", p.server.url())
            .env("IEA_TEST_CA_FILE", &p.ca_file)
            .env("HTTPS_PROXY", proxy.url())
            .env("NO_PROXY", no_proxy)
            .env_remove("https_proxy")
            .env_remove("no_proxy")
            .env_remove("ALL_PROXY")
            .env_remove("all_proxy")
            .output()
            .expect("child test");
        assert!(
            child.status.success(),
            "child failed with NO_PROXY={no_proxy:?}:\n{}{}",
            String::from_utf8_lossy(&child.stdout),
            String::from_utf8_lossy(&child.stderr)
        );
    };
    run("");
    let through = proxy.accepted();
    assert!(
        through >= 3,
        "HTTPS_PROXY was used: {:#?}",
        proxy.requests()
    );
    run("127.0.0.1");
    assert_eq!(proxy.accepted(), through, "NO_PROXY bypassed the proxy");
    assert_eq!(p.server.request_count(), 6);
}
