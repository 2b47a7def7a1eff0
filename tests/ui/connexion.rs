//! "Paramètres de connexion" against real servers on loopback: the three
//! addresses of a working HTTPS peer (a test authority given as the extra
//! certificate authority) get three green ticks and the seed's success sentence;
//! an unknown authority and a refused connection get the red barred circle with
//! the French problem; an `http://` address in Sécurisé mode is refused next to
//! its field and never saved; a good edit is saved with the proxy password
//! encrypted; "Quitter" with changes asks first; "Relancer l'authentification"
//! authenticates now, and is refused in assistance mode.

use crate::https::{TestCa, TestServer, answers, loopback_cert, unused_port};
use crate::support::{
    centre, click, click_in_view, click_link, fixed_workstation, is_checked, is_disabled,
    set_field, set_text, settle, shows, shows_part, store_with_payroll, workstation,
};
use egui_kittest::kittest::Queryable;
use iea_maintenance::config::{Config, ConnectionKind, ConnectionMode, ValueProblem};
use iea_maintenance::connection::servers::{ServerProblem, ServerTestReport};
use iea_maintenance::messages;
use iea_maintenance::secrets::SecretKey;
use iea_maintenance::service::persist::PersistedState;
use iea_maintenance::service::state::ConnectionState;
use iea_maintenance::ui::ScreenId;

const AUTH: &str = "Adresse du serveur d'authentification :";
const UPDATE: &str = "Adresse du serveur de mise à jour :";
const NET: &str = "Adresse d'authentification Net Entreprise :";
const CA: &str = "Autorité de certification supplémentaire (facultatif) :";
const TEST: &str = "Tester l'accès aux serveurs";
const QUIT: &str = "Quitter les paramètres de connexion";

fn saved_text(ws: &crate::support::Workstation) -> String {
    std::fs::read_to_string(ws.home.config_file()).expect("config.toml")
}

/// Writes the defaults to `config.toml`, so that "unchanged" means byte-identical.
fn save_defaults(ws: &crate::support::Workstation) {
    Config::load(&ws.home)
        .expect("defaults")
        .save(&ws.home)
        .expect("save");
}

/// How many marks with this spoken name are on screen ("Bon", "En échec").
fn marks(
    harness: &egui_kittest::Harness<'_, iea_maintenance::ui::CentreApp>,
    spoken: &str,
) -> usize {
    harness
        .query_all_by_role_and_label(eframe::egui::Role::Image, spoken)
        .count()
}

/// A working HTTPS peer answering the three services, its authority written
/// into the workstation.
fn working_peer(root: &std::path::Path) -> (TestServer, std::path::PathBuf) {
    let ca = TestCa::new("Autorite de test IEA");
    let server = TestServer::https(&loopback_cert(&ca)).with_protocol_routes();
    let ca_file = ca.write_pem(root);
    (server, ca_file)
}

fn fill_addresses(
    harness: &mut egui_kittest::Harness<'_, iea_maintenance::ui::CentreApp>,
    server: &TestServer,
) {
    set_field(harness, AUTH, &server.url());
    set_field(harness, UPDATE, &server.url_of("/updates"));
    set_field(harness, NET, &server.url_of("/authentifier/1.0/"));
}

#[test]
fn every_server_answering_gives_three_green_ticks_and_the_success_sentence() {
    let ws = workstation();
    store_with_payroll(&ws);
    save_defaults(&ws);
    let before = saved_text(&ws);
    let (server, ca_file) = working_peer(ws.home.root());
    let mut harness = centre(&ws, ScreenId::Connexion);
    assert!(is_checked(&harness, "Sécurisé"), "Sécurisé is the default");
    assert!(is_checked(&harness, "Connexion directe par réseau local"));
    assert_eq!(marks(&harness, "Bon"), 0, "no mark before a test");

    fill_addresses(&mut harness, &server);
    set_field(&mut harness, CA, &ca_file.display().to_string());
    click_in_view(&mut harness, TEST);

    // A green tick at the end of each address, and one before the sentence.
    assert_eq!(marks(&harness, "Bon"), 4);
    assert_eq!(marks(&harness, "En échec"), 0);
    assert!(shows(&harness, messages::SERVERS_OK));
    // The three services were really asked.
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    for wanted in [
        "/api/v1/ping",
        "/updates/manifest.json",
        "/authentifier/1.0/",
    ] {
        assert!(paths.iter().any(|p| p == wanted), "{wanted} in {paths:?}");
    }
    // The report is kept for the support report; testing saved nothing else.
    let last = ServerTestReport::load_last(&ws.home).expect("last test saved");
    assert!(last.all_ok());
    assert_eq!(
        saved_text(&ws),
        before,
        "testing does not save the settings"
    );

    // Changing an address afterwards takes its mark away (it was not tested).
    set_field(&mut harness, NET, "https://127.0.0.1:1/autre/");
    assert_eq!(
        marks(&harness, "Bon"),
        2,
        "no mark and no sentence for the new address"
    );
    assert!(!shows(&harness, messages::SERVERS_OK));
}

#[test]
fn an_unknown_authority_and_a_refused_connection_show_the_red_barred_circle() {
    let ws = workstation();
    store_with_payroll(&ws);
    // A server whose authority nobody trusts: not given as the extra authority.
    let stranger = TestCa::new("Autorite inconnue");
    let server = TestServer::https(&loopback_cert(&stranger)).with_protocol_routes();
    let closed = unused_port();
    let mut harness = centre(&ws, ScreenId::Connexion);
    set_field(&mut harness, AUTH, &server.url());
    set_field(&mut harness, UPDATE, &server.url_of("/updates"));
    set_field(
        &mut harness,
        NET,
        &format!("https://127.0.0.1:{closed}/authentifier/1.0/"),
    );
    click_in_view(&mut harness, TEST);

    // A red barred circle at the end of each address, and one before the summary.
    assert_eq!(marks(&harness, "En échec"), 4);
    assert_eq!(marks(&harness, "Bon"), 0);
    let unknown = messages::server_problem(&ServerProblem::CertificateUnknownIssuer);
    let refused = messages::server_problem(&ServerProblem::ConnectionRefused);
    assert_eq!(
        harness.query_all_by_label_contains(&unknown).count(),
        2,
        "the problem is written under each of the two addresses"
    );
    assert!(shows_part(&harness, &refused));
    assert!(
        shows_part(&harness, "sécurisation (TLS)"),
        "the failing step is named"
    );
    assert!(!shows(&harness, messages::SERVERS_OK));
    assert!(shows_part(&harness, "Échec de connexion au serveur"));
    // An unknown authority gets advice about the company's authority file, one
    // paragraph per line.
    let report = ServerTestReport::load_last(&ws.home).expect("last test saved");
    assert!(!report.all_ok());
    let advice = messages::server_advice(&report).expect("advice for an unknown authority");
    for paragraph in advice.lines() {
        assert!(shows(&harness, paragraph), "{paragraph}");
    }
}

#[test]
fn an_http_address_in_secure_mode_is_refused_next_to_its_field_and_never_saved() {
    let ws = workstation();
    store_with_payroll(&ws);
    save_defaults(&ws);
    let before = saved_text(&ws);
    let mut harness = centre(&ws, ScreenId::Connexion);
    set_field(&mut harness, AUTH, "http://127.0.0.1:8080");
    let problem = messages::value_problem(&ValueProblem::HttpInSecureMode);
    assert!(
        shows(&harness, &problem),
        "the problem sits next to the field"
    );
    assert!(
        is_disabled(&harness, TEST),
        "nothing is tested with a bad value"
    );
    assert!(shows(&harness, "Modifications non enregistrées"));

    click_in_view(&mut harness, "Enregistrer");
    assert!(shows(
        &harness,
        "Rien n'a été enregistré : corrigez d'abord les champs signalés en rouge."
    ));
    assert_eq!(saved_text(&ws), before, "config.toml is byte-identical");

    // The same address is fine in Normal mode.
    harness
        .get_by_role_and_label(eframe::egui::Role::RadioButton, "Normal")
        .click();
    settle(&mut harness);
    assert!(!shows(&harness, &problem));
    assert!(!is_disabled(&harness, TEST));

    // A port out of range is refused too.
    harness
        .get_by_role_and_label(
            eframe::egui::Role::RadioButton,
            "Connexion par l'intermédiaire d'un serveur proxy",
        )
        .click();
    settle(&mut harness);
    assert!(shows(
        &harness,
        &messages::value_problem(&ValueProblem::MissingProxyHost)
    ));
    set_field(&mut harness, "Serveur proxy", "proxy.asso.local");
    set_field(&mut harness, "Port", "70000");
    assert!(shows(
        &harness,
        &messages::value_problem(&ValueProblem::PortOutOfRange)
    ));
    click_in_view(&mut harness, "Enregistrer");
    assert_eq!(saved_text(&ws), before, "still byte-identical");
}

#[test]
fn a_good_edit_is_saved_with_the_proxy_password_encrypted() {
    let ws = workstation();
    store_with_payroll(&ws);
    let mut harness = centre(&ws, ScreenId::Connexion);
    harness
        .get_by_role_and_label(
            eframe::egui::Role::RadioButton,
            "Connexion par l'intermédiaire d'un serveur proxy",
        )
        .click();
    settle(&mut harness);
    set_field(&mut harness, "Serveur proxy", "proxy.asso.local");
    set_field(&mut harness, "Port", "3128");
    set_field(&mut harness, "Utilisateur", "paie");
    set_text(
        &mut harness,
        eframe::egui::Role::PasswordInput,
        "Mot de passe",
        "S3cret-Proxy!",
    );
    harness
        .get_by_role_and_label(eframe::egui::Role::RadioButton, "Étendu")
        .click();
    settle(&mut harness);
    set_field(&mut harness, AUTH, "http://127.0.0.1:80");
    click_in_view(&mut harness, "Enregistrer");
    assert!(shows(
        &harness,
        "Les paramètres de connexion ont été enregistrés."
    ));
    assert!(!shows(&harness, "Modifications non enregistrées"));

    let saved = Config::load(&ws.home).expect("load");
    let expected = {
        let mut c = Config::defaults(&ws.home);
        c.connection.kind = ConnectionKind::Proxy;
        c.connection.mode = ConnectionMode::Extended;
        c.connection.proxy.host = "proxy.asso.local".into();
        c.connection.proxy.port = 3128;
        c.connection.proxy.user = "paie".into();
        c.connection.proxy.password_encrypted = saved.connection.proxy.password_encrypted.clone();
        c.connection.auth_url = url::Url::parse("http://127.0.0.1:80").expect("url");
        c.paths = saved.paths.clone();
        c
    };
    assert_eq!(saved, expected);
    let stored = saved
        .connection
        .proxy
        .password_encrypted
        .expect("a stored password");
    let key = SecretKey::load_or_create(&ws.home).expect("key");
    assert_eq!(key.decrypt(&stored).expect("decrypt"), "S3cret-Proxy!");
    assert!(
        !saved_text(&ws).contains("S3cret-Proxy!"),
        "the clear password never reaches config.toml"
    );
    // The field is empty again and says a password is stored.
    let field = harness.get_by_role_and_label(eframe::egui::Role::PasswordInput, "Mot de passe");
    assert_eq!(field.value().as_deref().unwrap_or_default(), "");
    assert!(shows(&harness, "Supprimer le mot de passe enregistré"));
}

#[test]
fn quitter_with_changes_asks_first() {
    let ws = workstation();
    store_with_payroll(&ws);
    save_defaults(&ws);
    let before = saved_text(&ws);
    let mut harness = centre(&ws, ScreenId::Connexion);

    // Without changes, "Quitter" goes back to Accueil at once.
    click_in_view(&mut harness, QUIT);
    assert_eq!(harness.state().screen(), ScreenId::Accueil);

    click(&mut harness, "Paramètres de connexion");
    set_field(&mut harness, AUTH, "https://127.0.0.1:4443");
    click_in_view(&mut harness, QUIT);
    assert!(shows(&harness, "Abandonner les modifications ?"));
    assert_eq!(harness.state().screen(), ScreenId::Connexion);
    click(&mut harness, "Annuler");
    assert!(!shows(&harness, "Abandonner les modifications ?"));
    assert_eq!(harness.state().screen(), ScreenId::Connexion);
    assert!(
        shows(&harness, "Modifications non enregistrées"),
        "edits kept"
    );

    click_in_view(&mut harness, QUIT);
    click(&mut harness, "Abandonner les modifications");
    assert_eq!(harness.state().screen(), ScreenId::Accueil);
    assert_eq!(saved_text(&ws), before, "nothing saved");
    click(&mut harness, "Paramètres de connexion");
    let field = harness.get_by_role_and_label(eframe::egui::Role::TextInput, AUTH);
    assert_eq!(
        field.value().as_deref(),
        Some("https://impact-emploi.urssaf.fr/"),
        "the saved address is back"
    );
}

#[test]
fn relancer_l_authentification_authenticates_now_and_is_refused_in_assistance_mode() {
    let ws = workstation();
    store_with_payroll(&ws);
    let (server, ca_file) = working_peer(ws.home.root());
    server.route(
        "POST",
        "/api/v1/authenticate",
        answers::auth_ok("Association Les Amis du Quartier", "2099-12-31"),
    );
    let mut config = Config::load(&ws.home).expect("defaults");
    config.connection.auth_url = url::Url::parse(&server.url()).expect("url");
    config.connection.extra_ca_file = Some(ca_file);
    config.save(&ws.home).expect("save");

    let mut harness = centre(&ws, ScreenId::Connexion);
    assert!(shows(&harness, "Connexion au serveur non vérifiée"));
    click_in_view(
        &mut harness,
        "Relancer l'authentification auprès du serveur",
    );
    assert_eq!(
        PersistedState::load(&ws.home).connection,
        ConnectionState::Connected
    );
    assert!(shows(&harness, "Connecté au serveur Impact emploi"));
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.path == "/api/v1/authenticate"),
        "the server was asked"
    );

    // In assistance mode, nothing is sent and the screen says why.
    let mut state = PersistedState::load(&ws.home);
    state.set_assistance(true, "test");
    state.save(&ws.home).expect("state");
    let asked = server.request_count();
    let mut harness = centre(&ws, ScreenId::Connexion);
    assert!(is_disabled(
        &harness,
        "Relancer l'authentification auprès du serveur"
    ));
    assert!(shows_part(&harness, "Le mode assistance est activé"));
    click_link(&mut harness, "Mode assistance");
    assert_eq!(harness.state().screen(), ScreenId::Assistance);
    assert_eq!(
        server.request_count(),
        asked,
        "nothing sent in assistance mode"
    );
}

#[test]
fn connexion_snapshot_with_three_ticks() {
    let ws = fixed_workstation("connexion");
    store_with_payroll(&ws);
    let (server, ca_file) = working_peer(ws.home.root());
    let mut harness = centre(&ws, ScreenId::Connexion);
    fill_addresses(&mut harness, &server);
    // Typed as the centre shows it: the picture is the same at every run.
    set_field(&mut harness, CA, &ws.shown(&ca_file));
    click_in_view(&mut harness, TEST);
    assert_eq!(marks(&harness, "Bon"), 4);
    // Back to the top, then hide the addresses: their port changes at every run.
    harness
        .get_by_role_and_label(eframe::egui::Role::RadioButton, "Normal")
        .scroll_to_me();
    harness.remove_cursor();
    harness.run_ok();
    for label in [AUTH, UPDATE, NET] {
        let rect = harness
            .get_by_role_and_label(eframe::egui::Role::TextInput, label)
            .rect();
        harness.mask(rect.shrink(3.0));
    }
    harness.snapshot("connexion");
}
