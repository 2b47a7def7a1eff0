//! Accueil shows the true figures of the active store, read in the background,
//! and reads them again on "Actualiser"; under "Connexion au serveur", what to do
//! when the server refuses or cannot be reached, and the way to assistance mode.

use crate::support::{
    centre, click, click_in_view, click_link, fixed_workstation, shows, shows_part,
    store_with_payroll, workstation,
};
use egui_kittest::kittest::Queryable;
use iea_maintenance::service::persist::PersistedState;
use iea_maintenance::service::state::ConnectionState;
use iea_maintenance::store::Store;
use iea_maintenance::ui::ScreenId;

#[test]
fn accueil_shows_the_counts_of_the_store() {
    let ws = workstation();
    let path = store_with_payroll(&ws);
    let harness = centre(&ws, ScreenId::Accueil);

    assert!(
        shows(&harness, &path.display().to_string()),
        "store path shown"
    );
    for name in ["Association Les Amis du Quartier", "Club de foot Essai"] {
        assert!(shows(&harness, name), "dossier {name} shown");
    }
    assert!(shows(&harness, "Production"));
    assert!(shows(&harness, "Simulation"));
    // Dossier 1: 1 active employer of 2, 3 employees, 12 payslips, 11/2023–06/2024.
    assert!(shows(&harness, "1 / 2"));
    assert!(shows(&harness, "12"));
    // 11/2023: first period of dossier 1 and of the total line.
    assert_eq!(harness.query_all_by_label("11/2023").count(), 2);
    // Dossier 2: 1 of 1, one payslip in 01/2024 (first and last period).
    assert!(shows(&harness, "1 / 1"));
    assert_eq!(harness.query_all_by_label("01/2024").count(), 2);
    // Totals.
    assert!(shows(&harness, "Total (2 dossiers)"));
    assert!(shows(&harness, "2 / 3"));
    assert!(shows(&harness, "4"));
    assert!(shows(&harness, "13"));
    // 06/2024: last period of dossier 1 and of the total line.
    assert_eq!(harness.query_all_by_label("06/2024").count(), 2);
    assert!(shows(&harness, "Connexion au serveur non vérifiée"));
}

#[test]
fn actualiser_reads_the_store_again() {
    let ws = workstation();
    let path = store_with_payroll(&ws);
    let mut harness = centre(&ws, ScreenId::Accueil);
    assert!(shows(&harness, "13"));
    // Another program adds a payslip for 07/2024.
    {
        let store = Store::open(&path).expect("open");
        store
            .connection()
            .execute(
                "INSERT INTO payslips (employer_id, employee_id, contract_id, period, gross_cents,
                    employee_contrib_cents, employer_contrib_cents, net_cents, pas_cents, hours_centi)
                 VALUES (1, 1, 1, '2024-07', 200000, 44000, 60000, 156000, 0, 15167)",
                [],
            )
            .expect("payslip");
    }
    assert!(!shows(&harness, "14"));
    click(&mut harness, "Actualiser");
    assert!(shows(&harness, "14"), "new total after Actualiser");
    assert_eq!(harness.query_all_by_label("07/2024").count(), 2);
}

#[test]
fn an_empty_store_says_it_has_no_dossier() {
    let ws = workstation();
    std::fs::create_dir_all(ws.store_path().parent().expect("parent")).expect("folder");
    drop(Store::create(&ws.store_path()).expect("create"));
    let harness = centre(&ws, ScreenId::Accueil);
    assert!(shows(&harness, "Cette base ne contient aucun dossier."));
}

#[test]
fn accueil_snapshot() {
    let ws = fixed_workstation("accueil");
    store_with_payroll(&ws);
    let mut harness = centre(&ws, ScreenId::Accueil);
    crate::support::snapshot(&mut harness, "accueil");
}

fn set_state(ws: &crate::support::Workstation, connection: ConnectionState, assistance: bool) {
    let mut state = PersistedState::default();
    state.set_connection(connection, "test");
    state.set_assistance(assistance, "test");
    state.save(&ws.home).expect("state");
}

#[test]
fn a_refused_authorisation_says_what_to_do_with_the_ways_out() {
    let ws = workstation();
    store_with_payroll(&ws);
    set_state(
        &ws,
        ConnectionState::AuthRefused {
            message: "Autorisation refusée pour cette installation".into(),
        },
        false,
    );
    let mut harness = centre(&ws, ScreenId::Accueil);
    assert!(shows(
        &harness,
        "Serveur d'authentification : autorisation refusée"
    ));
    assert!(shows(&harness, "Boule bleue avec un cœur rouge"));
    // Seed 000, case 3: the support address, the subject, assistance meanwhile.
    assert!(shows_part(&harness, "impact-emploi-association@urssaf.fr"));
    assert!(shows_part(
        &harness,
        &format!("Serveur de connexion {}", env!("CARGO_PKG_VERSION"))
    ));
    assert!(shows_part(&harness, "mode assistance"));
    assert!(shows(
        &harness,
        "Relancer l'authentification auprès du serveur"
    ));
    click_in_view(&mut harness, "Paramètres de connexion…");
    assert_eq!(harness.state().screen(), ScreenId::Connexion);
}

#[test]
fn an_unreachable_server_can_be_tried_again_from_accueil() {
    let ws = workstation();
    store_with_payroll(&ws);
    set_state(
        &ws,
        ConnectionState::Unreachable { next_retry: None },
        false,
    );
    // A loopback address where nothing listens: the retry fails at once.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let mut config = iea_maintenance::config::Config::load(&ws.home).expect("config");
    config.connection.auth_url =
        url::Url::parse(&format!("https://127.0.0.1:{closed}")).expect("url");
    config.save(&ws.home).expect("save");

    let mut harness = centre(&ws, ScreenId::Accueil);
    assert!(shows(&harness, "Échec de connexion au serveur"));
    assert!(
        shows_part(&harness, "Tester l'accès aux serveurs"),
        "what to do"
    );
    click_in_view(
        &mut harness,
        "Relancer l'authentification auprès du serveur",
    );
    assert!(matches!(
        PersistedState::load(&ws.home).connection,
        ConnectionState::Unreachable { .. }
    ));
    assert!(
        shows_part(
            &harness,
            "Le serveur d'authentification n'a pas pu être joint"
        ),
        "the failure is said next to the button"
    );
}

#[test]
fn in_assistance_mode_accueil_shows_the_beetle_and_the_way_to_turn_it_off() {
    let ws = workstation();
    store_with_payroll(&ws);
    set_state(&ws, ConnectionState::Unknown, true);
    let mut harness = centre(&ws, ScreenId::Accueil);
    assert!(shows(&harness, "Scarabée rouge"));
    assert!(shows(
        &harness,
        "Mode assistance : déconnecté du serveur de production"
    ));
    assert!(!shows(
        &harness,
        "Relancer l'authentification auprès du serveur"
    ));
    click_link(&mut harness, "Mode assistance");
    assert_eq!(harness.state().screen(), ScreenId::Assistance);
}
