//! "Gérer les mises à jour": « Actualiser » lists the releases of a signed
//! manifest from a loopback HTTPS update peer, with the chosen release's
//! "Lisez-moi" formatted; a refused manifest is explained and nothing of it is
//! shown; « Télécharger / Installer » downloads, then the warning names the
//! workstation still connected and waits for it, then the assistant's
//! « Suivant », « Suivant », « Installer »; a store of the previous schema gets
//! its « Mise à jour de la base de données » from here, with the report.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use iea_maintenance::demo::{DemoOptions, build_demo_at_schema};
use iea_maintenance::jobs::{Cancel, NoProgress};
use iea_maintenance::store::Store;
use iea_maintenance::ui::{CentreApp, ScreenId};
use iea_maintenance::updates::report::REPORT_FILE_NAME;

use crate::support::{
    WINDOW, Workstation, centre_app, click, fixed_workstation, is_disabled, settle, shows,
    shows_part, snapshot, store_with_payroll,
};
use crate::updates::{TestKey, UpdatePeer, fresh_manifest, manifest, release};

/// Points the update address of `ws` at `peer` (Sécurisé, its authority added).
fn point_at(ws: &Workstation, peer: &UpdatePeer) {
    let mut config = iea_maintenance::config::Config::load(&ws.home).expect("config");
    config.connection.update_url = peer.url().parse().expect("url");
    config.connection.extra_ca_file = Some(peer.write_ca(ws.home.root()));
    config.save(&ws.home).expect("save");
}

/// Two releases around the installed one, the newest with a package.
fn publish_releases(peer: &UpdatePeer) {
    let package = b"paquet de test".to_vec();
    peer.put("paquet.zip", package.clone());
    let mut older = release("3.0.5", "ancien.zip", b"ancien");
    older["date"] = "2026-06-15".into();
    older["title"] = "Correctifs de juin".into();
    let mut newest = release("3.2.0", "paquet.zip", &package);
    newest["title"] = "Heures supplémentaires et rapport OPCO".into();
    peer.publish(&fresh_manifest(8, &[newest, older]), &TestKey::project());
}

fn centre_on_updates(ws: &Workstation, desktop: &std::path::Path) -> Harness<'static, CentreApp> {
    let mut app = centre_app(ws, ScreenId::MisesAJour);
    app.set_desktop(desktop);
    let mut harness = Harness::builder()
        .with_size(WINDOW)
        .with_theme(eframe::egui::Theme::Light)
        .build_ui_state(|ui, app: &mut CentreApp| app.frame_ui(ui), app);
    settle(&mut harness);
    harness
}

/// Runs frames until `what` shows (the screen looks again every few seconds).
fn wait_for(harness: &mut Harness<'_, CentreApp>, what: &str) {
    let deadline = Instant::now() + Duration::from_mins(1);
    while !shows_part(harness, what) {
        assert!(Instant::now() < deadline, "« {what} » never showed");
        harness.step();
        std::thread::sleep(Duration::from_millis(50));
        settle(harness);
    }
}

#[test]
fn the_releases_are_listed_with_the_notes_of_the_newest() {
    let peer = UpdatePeer::start();
    let ws = fixed_workstation("mises-a-jour");
    store_with_payroll(&ws);
    point_at(&ws, &peer);
    publish_releases(&peer);
    let desktop = tempfile::tempdir().expect("desktop");
    let mut harness = centre_on_updates(&ws, desktop.path());
    // Entering the screen refreshed the list and chose the newest release.
    assert!(shows(&harness, "Version installée : 3.1.0"));
    assert!(shows(&harness, "Disponible"));
    assert!(shows(&harness, "Plus ancienne"));
    assert!(shows(&harness, "Heures supplémentaires et rapport OPCO"));
    assert!(shows(&harness, "Lisez-moi de la version 3.2.0"));
    assert!(shows_part(&harness, "Correction de la DSN"));
    assert!(!is_disabled(&harness, "Télécharger / Installer"));
    snapshot(&mut harness, "mises_a_jour_liste");
    // Choosing the older one shows its notes, and it cannot be installed.
    click(&mut harness, "3.0.5");
    assert!(shows(&harness, "Lisez-moi de la version 3.0.5"));
    assert!(is_disabled(&harness, "Télécharger / Installer"));
}

#[test]
fn a_refused_manifest_is_explained_and_nothing_of_it_shown() {
    let peer = UpdatePeer::start();
    let ws = fixed_workstation("mises-a-jour-refus");
    store_with_payroll(&ws);
    point_at(&ws, &peer);
    // A fixed instant in the past, so that the picture is the same at every run.
    let expired = chrono::DateTime::parse_from_rfc3339("2026-11-30T23:00:00+00:00")
        .expect("date")
        .with_timezone(&chrono::Utc);
    let bytes = manifest(3, expired, &[release("3.2.0", "paquet.zip", b"x")]);
    peer.publish(&bytes, &TestKey::project());
    let desktop = tempfile::tempdir().expect("desktop");
    let mut harness = centre_on_updates(&ws, desktop.path());
    assert!(shows(&harness, "Liste des mises à jour refusée"));
    assert!(shows_part(
        &harness,
        "la liste des mises à jour a expiré le"
    ));
    assert!(
        !shows(&harness, "3.2.0"),
        "nothing of a refused manifest is shown"
    );
    snapshot(&mut harness, "mises_a_jour_refus");
}

#[test]
fn download_then_the_warning_waits_for_the_workstation_then_the_assistant() {
    let peer = UpdatePeer::start();
    let ws = fixed_workstation("mises-a-jour-postes");
    let store = store_with_payroll(&ws);
    point_at(&ws, &peer);
    publish_releases(&peer);
    // Marie works on POSTE-PAIE.
    Store::open(&store)
        .expect("store")
        .connection()
        .execute_batch(&format!(
            "INSERT INTO users (login, display_name, role, password_hash, created_at)
               VALUES ('marie', 'Marie Dupont', 'gestionnaire', '$argon2id$x', '2026-01-01T00:00:00Z');
             INSERT INTO workstations (id, hostname) VALUES ('33333333-3333-3333-3333-333333333333', 'POSTE-PAIE');
             INSERT INTO sessions (user_id, workstation_id, started_at, heartbeat_at)
               VALUES (1, '33333333-3333-3333-3333-333333333333', '{now}', '{now}');",
            now = chrono::Utc::now().to_rfc3339()
        ))
        .expect("a live session");
    let desktop = tempfile::tempdir().expect("desktop");
    let mut harness = centre_on_updates(&ws, desktop.path());
    click(&mut harness, "Télécharger / Installer");
    wait_for(&mut harness, "Le téléchargement est terminé");
    click(&mut harness, "OK");
    wait_for(&mut harness, "Marie Dupont sur POSTE-PAIE");
    assert!(shows_part(
        &harness,
        "En attente de la fermeture d'Impact emploi"
    ));
    assert!(is_disabled(&harness, "OK"), "enforced, not just advised");
    snapshot(&mut harness, "mises_a_jour_postes_connectes");
    // Marie quits Impact emploi.
    Store::open(&store)
        .expect("store")
        .connection()
        .execute("DELETE FROM sessions", [])
        .expect("session ends");
    wait_for(
        &mut harness,
        "Plus personne n'est connecté à la base de données.",
    );
    click(&mut harness, "OK");
    assert!(shows(&harness, "Bienvenue dans l'assistant de mise à jour"));
    click(&mut harness, "Suivant");
    assert!(shows(&harness, "Ce que fait l'installation"));
    click(&mut harness, "Suivant");
    assert!(shows(&harness, "Prêt à installer"));
    assert!(shows(&harness, "Installer"));
    // « Installer » would replace the test program itself: the installation
    // is tested with copies of the program (tests/updates).
    click(&mut harness, "Annuler");
    assert!(shows(&harness, "Télécharger / Installer"));
}

#[test]
fn a_store_of_the_previous_schema_is_updated_from_the_screen_with_its_report() {
    let peer = UpdatePeer::start();
    let ws = fixed_workstation("mises-a-jour-base");
    build_demo_at_schema(
        &ws.home,
        &ws.store_path(),
        &DemoOptions {
            payslips: 400,
            seed: 2,
            overwrite: false,
        },
        4,
        &NoProgress,
        &Cancel::new(),
    )
    .expect("demo store of schema 4");
    point_at(&ws, &peer);
    publish_releases(&peer);
    let desktop = tempfile::tempdir().expect("desktop");
    let mut harness = centre_on_updates(&ws, desktop.path());
    assert!(shows_part(&harness, "est en version de base 4"));
    snapshot(&mut harness, "mises_a_jour_base_a_mettre_a_jour");
    click(&mut harness, "Mise à jour de la base de données");
    wait_for(
        &mut harness,
        "La mise à jour de la base de données est terminée.",
    );
    assert!(shows_part(
        &harness,
        "La base de données a été mise à jour (de la version de base 4 à la version 6)."
    ));
    assert!(shows(&harness, "Ouvrir le rapport"));
    assert!(desktop.path().join(REPORT_FILE_NAME).is_file());
    assert_eq!(
        Store::open(&ws.store_path())
            .expect("opens now")
            .schema_version()
            .expect("version"),
        6
    );
}

#[test]
fn a_store_to_update_says_so_everywhere_and_leads_to_its_update() {
    let peer = UpdatePeer::start();
    let ws = fixed_workstation("base-a-mettre-a-jour");
    std::fs::create_dir_all(ws.store_path().parent().expect("folder")).expect("dir");
    Store::create_older(&ws.store_path(), 4).expect("store of schema 4");
    point_at(&ws, &peer);
    publish_releases(&peer);
    let mut harness = crate::support::centre(&ws, ScreenId::Accueil);
    assert!(shows(
        &harness,
        "Mise à jour de la base de données nécessaire"
    ));
    assert!(shows_part(&harness, "version de base 4"));
    snapshot(&mut harness, "base-a-mettre-a-jour");
    click(&mut harness, "Mise à jour de la base de données…");
    assert_eq!(harness.state().screen(), ScreenId::MisesAJour);
    assert!(shows(&harness, "Mise à jour de la base de données"));
}
