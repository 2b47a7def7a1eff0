//! "Gestion des licences par poste" as a person uses it, against a real HTTPS
//! licence server on 127.0.0.1 that follows PROTOCOL.md: the workstations with
//! "ce poste", a duplicate licence shown side by side, « Réinitialiser poste »
//! after a confirmation with each answer explained and the blue ball back once
//! this workstation authenticated again; without a connection, the local list,
//! why the server's is missing, and the reset greyed; a folder copied from
//! another computer, and the new workstation id taken with agreement.

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use iea_maintenance::config::Config;
use iea_maintenance::installation::Installation;
use iea_maintenance::licences;
use iea_maintenance::secrets::SecretKey;
use iea_maintenance::service::persist::PersistedState;
use iea_maintenance::service::state::ConnectionState;
use iea_maintenance::store::Store;
use iea_maintenance::ui::{CentreApp, ScreenId};
use url::Url;

use crate::https::{TestCa, loopback_cert, unused_port};
use crate::licence_server::{LicenceServer, Seat};
use crate::support::{
    Workstation, centre, click, fixed_workstation, is_disabled, settle, shows, shows_part,
    snapshot, store_with_payroll, workstation,
};

const KEY: &str = "IEA-LIC-ECRAN";
/// This workstation's id, fixed so that the pictures stay the same.
const THIS: &str = "c0ffee00-0000-4000-8000-000000000001";
const OTHER: &str = "c0ffee00-0000-4000-8000-000000000002";

/// A workstation with a store, its licence key and a fixed workstation id,
/// the authentication address pointed at `url` trusting `ca`.
fn prepare(ws: &Workstation, url: &str, ca: &TestCa) -> Installation {
    let path = store_with_payroll(ws);
    Store::open(&path)
        .expect("store")
        .connection()
        .execute(
            "INSERT INTO workstations (id, hostname, last_seen)
             VALUES (?1, 'ANCIEN-PORTABLE', '2025-03-01T10:00:00+00:00')",
            ["c0ffee00-0000-4000-8000-000000000009"],
        )
        .expect("workstation");
    let mut installation = Installation::load_or_create(&ws.home).expect("identity");
    KEY.clone_into(&mut installation.licence_key);
    installation.workstation_id = THIS.parse().expect("uuid");
    installation.save(&ws.home).expect("identity");
    let mut config = Config::load(&ws.home).expect("config");
    config.connection.auth_url = Url::parse(url).expect("url");
    config.connection.extra_ca_file = Some(ca.write_pem(ws.home.root()));
    config.save(&ws.home).expect("config");
    installation
}

fn checkbox(harness: &Harness<'_, CentreApp>, label: &str) -> bool {
    harness
        .get_by_role_and_label(eframe::egui::Role::CheckBox, label)
        .accesskit_node()
        .is_disabled()
}

#[test]
fn a_duplicate_is_shown_side_by_side_reset_and_the_blue_ball_comes_back() {
    let ws = fixed_workstation("licences");
    let ca = TestCa::new("Autorite de test licences");
    let installation = Installation::load_or_create(&ws.home).expect("identity");
    let server = LicenceServer::start(
        &loopback_cert(&ca),
        &installation.installation_id.to_string(),
        KEY,
        vec![
            Seat::new(THIS, "POSTE-COMPTA", "duplicate"),
            Seat::new(OTHER, "POSTE-ACCUEIL", "duplicate"),
        ],
    );
    prepare(&ws, &server.url(), &ca);
    let mut harness = centre(&ws, ScreenId::Licences);

    assert!(shows(&harness, "Gestion des licences par poste"));
    assert!(shows_part(
        &harness,
        "Licence de « Association Les Amis du Quartier »"
    ));
    assert!(shows(&harness, "POSTE-COMPTA (ce poste)"));
    assert!(shows(&harness, "ANCIEN-PORTABLE"), "the store's own");
    assert!(shows(&harness, "Licence identique sur 2 postes"));
    assert_eq!(
        harness.query_all_by_label("En double").count(),
        2,
        "both computers"
    );
    assert!(
        is_disabled(&harness, "Réinitialiser poste"),
        "nothing ticked yet"
    );
    assert!(
        checkbox(&harness, "ANCIEN-PORTABLE"),
        "not the server's: no reset"
    );
    harness
        .get_by_role_and_label(eframe::egui::Role::CheckBox, "POSTE-ACCUEIL")
        .click();
    settle(&mut harness);
    snapshot(&mut harness, "licences");

    click(&mut harness, "Réinitialiser poste");
    assert!(shows(&harness, "Réinitialiser ce poste ?"));
    assert!(shows(&harness, "• POSTE-ACCUEIL"));
    click(&mut harness, "Réinitialiser");
    assert!(shows_part(
        &harness,
        "POSTE-ACCUEIL : réinitialisé : la place est libérée"
    ));
    assert!(shows_part(&harness, "l'icône redevient la boule bleue"));
    assert_eq!(
        PersistedState::load(&ws.home).connection,
        ConnectionState::Connected
    );
    assert!(
        shows(&harness, "Connecté au serveur Impact emploi"),
        "the status bar"
    );
    assert!(shows(&harness, "Réinitialisé"), "the list read again");
    assert!(!shows(&harness, "Licence identique sur 2 postes"));
    snapshot(&mut harness, "licences-reinitialisation");
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|r| r.path.ends_with("/reset"))
            .count(),
        1
    );
}

#[test]
fn without_a_connection_the_local_list_is_shown_and_the_reset_greyed() {
    let ws = fixed_workstation("licences-hors-ligne");
    let ca = TestCa::new("Autorite de test");
    prepare(&ws, &format!("https://127.0.0.1:{}", unused_port()), &ca);
    // This workstation as the store knows it (its sessions name it).
    let store = Store::open(&ws.store_path()).expect("store");
    store
        .connection()
        .execute(
            "INSERT INTO workstations (id, hostname, last_seen)
             VALUES (?1, 'POSTE-COMPTA', '2026-11-21T16:00:00+00:00')",
            [THIS],
        )
        .expect("workstation");
    let mut harness = centre(&ws, ScreenId::Licences);
    assert!(shows(&harness, "Liste du serveur indisponible"));
    assert!(shows_part(
        &harness,
        "Le serveur d'authentification n'a pas pu être joint"
    ));
    assert!(shows(&harness, "ANCIEN-PORTABLE"));
    assert!(shows(&harness, "POSTE-COMPTA (ce poste)"));
    assert!(shows(&harness, "Non vérifié"));
    assert!(is_disabled(&harness, "Réinitialiser poste"));
    snapshot(&mut harness, "licences-hors-ligne");
}

#[test]
fn a_folder_copied_from_another_computer_takes_a_new_id_with_agreement() {
    let ws = workstation();
    let ca = TestCa::new("Autorite de test");
    let installation = Installation::load_or_create(&ws.home).expect("identity");
    let server = LicenceServer::start(
        &loopback_cert(&ca),
        &installation.installation_id.to_string(),
        KEY,
        vec![Seat::new(THIS, "POSTE-COMPTA", "active")],
    );
    prepare(&ws, &server.url(), &ca);
    let machine = licences::machine_id().expect("this system has a machine id");
    let mut copied = Installation::load_or_create(&ws.home).expect("identity");
    let key = SecretKey::load_or_create(&ws.home).expect("key");
    copied.machine_fingerprint = Some(licences::fingerprint(&key, &format!("{machine}-ailleurs")));
    copied.save(&ws.home).expect("identity");

    let mut harness = centre(&ws, ScreenId::Licences);
    assert!(shows(&harness, "Dossier copié depuis un autre ordinateur"));
    click(&mut harness, "Prendre un nouvel identifiant pour ce poste");
    assert!(shows(
        &harness,
        "Prendre un nouvel identifiant pour ce poste ?"
    ));
    click(&mut harness, "Prendre un nouvel identifiant");
    assert!(shows_part(
        &harness,
        "Ce poste a pris un nouvel identifiant"
    ));
    assert!(!shows(&harness, "Dossier copié depuis un autre ordinateur"));
    let now = Installation::load_or_create(&ws.home).expect("identity");
    assert_ne!(now.workstation_id.to_string(), THIS);
    assert_eq!(
        PersistedState::load(&ws.home).connection,
        ConnectionState::Connected,
        "authenticated at once under the new id"
    );
}
