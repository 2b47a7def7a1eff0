//! The connection commands end to end: the real binary against real peers on
//! loopback (`servers test`, `auth retry`, `assistance`), on temporary `IEA_HOME`s.
//! Nothing here reaches any address but 127.0.0.1.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use support::https::{SilentListener, TestCa, TestServer, answers, loopback_cert};

const BIN: &str = env!("CARGO_BIN_EXE_iea-maintenance");

fn run(home: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("IEA_HOME", home)
        .env_remove("HTTPS_PROXY")
        .env_remove("HTTP_PROXY")
        .env_remove("https_proxy")
        .env_remove("http_proxy")
        .env_remove("DISPLAY")
        .output()
        .expect("run the binary")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Writes a config.toml whose three addresses are the given ones.
fn configure(home: &Path, mode: &str, auth: &str, update: &str, net: &str, ca: Option<&Path>) {
    let ca_line = ca.map_or(String::new(), |p| {
        format!("extra_ca_file = \"{}\"\n", p.display())
    });
    std::fs::write(
        home.join("config.toml"),
        format!(
            "[connection]\nkind = \"direct\"\nmode = \"{mode}\"\nauth_url = \"{auth}\"\n\
             update_url = \"{update}\"\nnet_entreprises_url = \"{net}\"\n{ca_line}"
        ),
    )
    .expect("config");
}

#[test]
fn servers_test_passes_over_https_and_prints_the_protocol_json() {
    let home = tempfile::tempdir().expect("home");
    let ca = TestCa::new("Autorité de test");
    let server = TestServer::https(&loopback_cert(&ca)).with_protocol_routes();
    let ca_file = ca.write_pem(home.path());
    configure(
        home.path(),
        "secure",
        &server.url(),
        &server.url_of("/updates"),
        &server.url_of("/authentifier/1.0/"),
        Some(&ca_file),
    );
    let o = run(home.path(), &["servers", "test", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let results = json["results"].as_array().expect("results");
    let names: Vec<&str> = results
        .iter()
        .map(|r| r["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        ["authentification", "mise_a_jour", "net_entreprises"]
    );
    for r in results {
        assert_eq!(r["ok"], true, "{r}");
        assert_eq!(r["step"], "ok", "{r}");
        assert!(
            r["url"]
                .as_str()
                .expect("url")
                .starts_with("https://127.0.0.1:")
        );
        assert!(r["message"].is_string() && r["elapsed_ms"].is_u64(), "{r}");
    }
    let o = run(home.path(), &["servers", "test"]);
    assert!(
        text(&o).contains("La connexion local/internet s'est déroulée avec succès."),
        "{}",
        text(&o)
    );
}

#[test]
fn servers_test_against_a_silent_server_says_no_answer_in_time() {
    let home = tempfile::tempdir().expect("home");
    let silent = SilentListener::start();
    let url = silent.http_url();
    configure(
        home.path(),
        "normal",
        &url,
        &format!("{url}/updates"),
        &format!("{url}/authentifier/1.0/"),
        None,
    );
    // How long it takes (Normal mode: 10 s for a request, the three addresses
    // tested together) is measured by the `time_limits` benchmark.
    let o = run(home.path(), &["servers", "test", "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    for r in json["results"].as_array().expect("results") {
        assert_eq!(r["ok"], false, "{r}");
        assert!(
            r["message"].as_str().expect("message").contains("délai"),
            "{r}"
        );
    }
}

#[test]
fn auth_retry_maps_the_server_answer_to_the_state() {
    let home = tempfile::tempdir().expect("home");
    let server = TestServer::http().with_protocol_routes();
    configure(
        home.path(),
        "normal",
        &server.url(),
        &server.url_of("/updates"),
        &server.url_of("/authentifier/1.0/"),
        None,
    );
    server.route(
        "POST",
        "/api/v1/authenticate",
        answers::licence_not_recognized("Licence retirée"),
    );
    let o = run(home.path(), &["auth", "retry"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    // The state in the tray's French words (it used to print the JSON key).
    assert!(
        t.contains("État : Licence non reconnue : consultation seulement"),
        "{t}"
    );
    assert!(t.contains("« Licence retirée »"), "{t}");
    assert!(t.contains("consultation"), "{t}");
    assert!(t.contains("Serveur de connexion"), "{t}");
    let status: serde_json::Value =
        serde_json::from_slice(&run(home.path(), &["status", "--json"]).stdout).expect("json");
    assert_eq!(status["state"], "licence_refused");

    server.route(
        "POST",
        "/api/v1/authenticate",
        answers::auth_ok("Association de test", "2027-12-31"),
    );
    let o = run(home.path(), &["auth", "retry"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let status: serde_json::Value =
        serde_json::from_slice(&run(home.path(), &["status", "--json"]).stdout).expect("json");
    assert_eq!(status["state"], "connected");
}

#[test]
fn assistance_mode_from_the_command_line_with_the_code_of_the_day() {
    use iea_maintenance::assistance::{AssistanceAction, code_for, display_code};
    use iea_maintenance::home::Home;
    use iea_maintenance::installation::{Installation, support_key};

    let home = tempfile::tempdir().expect("home");
    let server = TestServer::http().with_protocol_routes();
    configure(
        home.path(),
        "normal",
        &server.url(),
        &server.url_of("/updates"),
        &server.url_of("/authentifier/1.0/"),
        None,
    );
    let h = Home::at(home.path());
    let installation = Installation::load_or_create(&h).expect("installation");
    let key = support_key(&h).expect("key");
    let today = chrono::Local::now().date_naive();
    let enable = display_code(&code_for(
        &key,
        AssistanceAction::Enable,
        &installation.installation_id,
        today,
    ));
    let disable = code_for(
        &key,
        AssistanceAction::Disable,
        &installation.installation_id,
        today,
    );

    let o = run(
        home.path(),
        &["assistance", "enable", "--code", "0000 0000"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("mot de passe du jour"), "{}", text(&o));

    let o = run(home.path(), &["assistance", "enable", "--code", &enable]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("les fichiers de scripts ne seront pas pris en compte"),
        "{}",
        text(&o)
    );
    let status: serde_json::Value =
        serde_json::from_slice(&run(home.path(), &["status", "--json"]).stdout).expect("json");
    assert_eq!(status["state"], "assistance");
    assert_eq!(status["assistance"], true);

    // No call to the authentication server in assistance mode.
    let before = server.request_count();
    let o = run(home.path(), &["auth", "retry"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(server.request_count(), before);

    let o = run(home.path(), &["assistance", "disable", "--code", &disable]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let status: serde_json::Value =
        serde_json::from_slice(&run(home.path(), &["status", "--json"]).stdout).expect("json");
    assert_eq!(status["state"], "unknown");
    assert!(text(&run(home.path(), &["assistance", "status"])).contains("désactivé"));
}

#[test]
fn regression_auth_retry_after_a_409_says_the_server_message_and_names_both_workstations() {
    let home = tempfile::tempdir().expect("home");
    let server = TestServer::http().with_protocol_routes();
    configure(
        home.path(),
        "normal",
        &server.url(),
        &server.url_of("/updates"),
        &server.url_of("/authentifier/1.0/"),
        None,
    );
    server.route(
        "POST",
        "/api/v1/authenticate",
        answers::licence_duplicate(
            "Licence utilisée par deux postes depuis le 02/01",
            &[
                ("w-1", "PC-COMPTA", "2026-01-02T09:00:00+01:00"),
                ("w-2", "PC-ACCUEIL", "2026-01-03T09:00:00+01:00"),
            ],
        ),
    );
    let o = run(home.path(), &["auth", "retry"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("État : Licence identique sur 2 postes"), "{t}");
    assert!(
        t.contains("« Licence utilisée par deux postes depuis le 02/01 »"),
        "the server's own message: {t}"
    );
    // Last seen in local time, whatever the machine's zone.
    assert!(
        t.contains("Postes concernés : « PC-COMPTA » (vu le 02/01/2026 à "),
        "{t}"
    );
    assert!(
        t.contains(") et « PC-ACCUEIL » (vu le 03/01/2026 à "),
        "{t}"
    );
    // The seed's procedure: the licence manager and its button.
    assert!(t.contains("« Gestionnaire de licences »"), "{t}");
    assert!(t.contains("« Réinitialiser poste »"), "{t}");
    assert!(t.contains("impact-emploi-association@urssaf.fr"), "{t}");
}

#[test]
fn regression_auth_retry_without_a_service_announces_no_automatic_retry() {
    use iea_maintenance::home::Home;

    let home = tempfile::tempdir().expect("home");
    let server = TestServer::http().with_protocol_routes();
    configure(
        home.path(),
        "normal",
        &server.url(),
        &server.url_of("/updates"),
        &server.url_of("/authentifier/1.0/"),
        None,
    );
    server.route(
        "POST",
        "/api/v1/authenticate",
        support::https::Reply::text(500, "Internal Server Error"),
    );
    let o = run(home.path(), &["auth", "retry"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("Échec de connexion au serveur"), "{t}");
    assert!(!t.contains("Nouvel essai automatique"), "{t}");
    assert!(!t.contains("nouvel essai à"), "{t}");
    assert!(
        t.contains("Aucun nouvel essai automatique n'est prévu"),
        "{t}"
    );
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(home.path().join("state.json")).expect("state"))
            .expect("json");
    assert_eq!(state["connection"]["state"], "unreachable");
    assert!(state["connection"]["next_retry"].is_null(), "{state}");
    // `status` then says no retry time either.
    let t = text(&run(home.path(), &["status"]));
    assert!(
        t.contains("Connexion : Échec de connexion au serveur\n"),
        "{t}"
    );

    // With the service running (its instance lock held), the retry it will
    // make is announced.
    let h = Home::at(home.path());
    std::fs::create_dir_all(h.locks_dir()).expect("locks");
    let lock = std::fs::File::create(h.locks_dir().join("service.instance.lock")).expect("lock");
    lock.lock().expect("hold the service's lock");
    let o = run(home.path(), &["auth", "retry"]);
    let t = text(&o);
    assert!(t.contains("Nouvel essai automatique le "), "{t}");
    assert!(t.contains("nouvel essai à "), "{t}");
    drop(lock);
}

/// Regression: `auth retry` against a server whose certificate this workstation
/// does not trust said only that the server « n'a pas pu être joint »: it says
/// that the certificate is the cause, as `servers test` does, and what to do.
#[test]
fn regression_auth_retry_says_an_untrusted_certificate_is_the_cause() {
    let home = tempfile::tempdir().expect("home");
    // A certificate of an authority the settings do not name.
    let stranger = TestCa::new("Autorité inconnue de ce poste");
    let server = TestServer::https(&loopback_cert(&stranger)).with_protocol_routes();
    configure(
        home.path(),
        "secure",
        &server.url(),
        &server.url_of("/updates"),
        &server.url_of("/authentifier/1.0/"),
        None,
    );
    let o = run(home.path(), &["auth", "retry"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    assert!(
        t.contains("Certificat non reconnu (autorité inconnue)"),
        "{t}"
    );
    assert!(t.contains("autorité de certification"), "{t}");
    assert!(
        t.contains("Aucun nouvel essai automatique n'est prévu"),
        "{t}"
    );
    assert_eq!(server.request_count(), 0, "nothing was sent to it");
}
