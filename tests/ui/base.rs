//! "Changer de base de données": the known stores with their state, switching
//! (refused for a file that is not an Impact emploi store), creating a new empty
//! store only after a confirmation and never at a mistyped folder, and removing a
//! store from the list without deleting its file.

use crate::support::{
    Workstation, centre, click, fixed_workstation, is_disabled, set_field, shows, shows_part,
    store_with_payroll, workstation,
};
use egui_kittest::kittest::Queryable;
use iea_maintenance::config::Config;
use iea_maintenance::store::Store;
use iea_maintenance::ui::ScreenId;

/// The default store with payroll, a second good store, a missing one and a
/// foreign file, all known.
fn four_stores(ws: &Workstation) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    store_with_payroll(ws);
    let second = ws.home.root().join("seconde.iea");
    drop(Store::create(&second).expect("create"));
    let missing = ws.home.root().join("partage").join("disparue.iea");
    let foreign = ws.home.root().join("photo.jpg");
    std::fs::write(&foreign, b"\xff\xd8\xff\xe0 une photo").expect("write");
    let mut config = Config::load(&ws.home).expect("defaults");
    let active = config.paths.store.clone();
    config.remember_store(&active);
    for p in [&second, &missing, &foreign] {
        config.remember_store(p);
    }
    config.save(&ws.home).expect("save");
    (second, missing, foreign)
}

#[test]
fn known_stores_are_listed_with_their_state() {
    let ws = workstation();
    let (second, missing, foreign) = four_stores(&ws);
    let harness = centre(&ws, ScreenId::Base);
    for p in [&ws.store_path(), &second, &missing, &foreign] {
        assert!(
            shows(&harness, &p.display().to_string()),
            "{} listed",
            p.display()
        );
    }
    assert!(shows(&harness, "Base active"));
    assert_eq!(harness.query_all_by_label("Ouvrable").count(), 2);
    assert!(shows(&harness, "Dossier introuvable"));
    assert!(shows(&harness, "Pas une base Impact emploi"));
    // Nothing selected yet.
    assert!(is_disabled(&harness, "Utiliser cette base"));
    assert!(is_disabled(&harness, "Retirer de la liste"));
}

#[test]
fn a_good_store_of_the_list_becomes_active() {
    let ws = workstation();
    let (second, _, _) = four_stores(&ws);
    let mut harness = centre(&ws, ScreenId::Base);
    click(&mut harness, &second.display().to_string());
    click(&mut harness, "Utiliser cette base");
    assert!(shows_part(&harness, "est maintenant la base active"));
    assert_eq!(Config::load(&ws.home).expect("load").paths.store, second);
    assert_eq!(harness.state().ctx().store_path(), Some(second.as_path()));
}

#[test]
fn the_active_store_and_broken_ones_cannot_be_used() {
    let ws = workstation();
    let (_, missing, foreign) = four_stores(&ws);
    let mut harness = centre(&ws, ScreenId::Base);
    for p in [ws.store_path(), missing, foreign] {
        click(&mut harness, &p.display().to_string());
        assert!(
            is_disabled(&harness, "Utiliser cette base"),
            "{}",
            p.display()
        );
    }
    click(&mut harness, &ws.store_path().display().to_string());
    assert!(
        is_disabled(&harness, "Retirer de la liste"),
        "the active store stays"
    );
}

#[test]
fn switching_to_a_foreign_file_is_refused() {
    let ws = workstation();
    store_with_payroll(&ws);
    Config::load(&ws.home)
        .expect("defaults")
        .save(&ws.home)
        .expect("save");
    let before = std::fs::read_to_string(ws.home.config_file()).expect("read");
    let letter = ws.home.root().join("lettre.odt");
    std::fs::write(&letter, "PK pas une base").expect("write");
    let mut harness = centre(&ws, ScreenId::Base);
    set_field(
        &mut harness,
        "Chemin de la base à ouvrir",
        &letter.display().to_string(),
    );
    click(&mut harness, "Ouvrir cette base");
    assert!(shows_part(
        &harness,
        "n'est pas une base de données Impact emploi"
    ));
    assert_eq!(
        std::fs::read_to_string(ws.home.config_file()).expect("read"),
        before,
        "the configuration is unchanged"
    );
    assert_eq!(
        harness.state().ctx().store_path(),
        Some(ws.store_path().as_path())
    );
    assert_eq!(
        std::fs::read_to_string(&letter).expect("read"),
        "PK pas une base"
    );
}

#[test]
fn a_store_is_never_created_at_a_mistyped_folder() {
    let ws = workstation();
    store_with_payroll(&ws);
    let mut harness = centre(&ws, ScreenId::Base);
    let mistyped = ws.home.root().join("Documets").join("paie-2025.iea");
    set_field(
        &mut harness,
        "Chemin de la nouvelle base",
        &mistyped.display().to_string(),
    );
    click(&mut harness, "Créer la base…");
    assert!(
        !shows(&harness, "Créer une nouvelle base vide ?"),
        "no confirmation"
    );
    assert!(shows_part(&harness, "est introuvable"));
    assert!(shows(&harness, "Aucune base n'a été créée."));
    assert!(!mistyped.parent().expect("parent").exists());
    assert!(!mistyped.exists());
}

#[test]
fn an_existing_file_is_never_replaced() {
    let ws = workstation();
    store_with_payroll(&ws);
    let mut harness = centre(&ws, ScreenId::Base);
    set_field(
        &mut harness,
        "Chemin de la nouvelle base",
        &ws.store_path().display().to_string(),
    );
    click(&mut harness, "Créer la base…");
    assert!(!shows(&harness, "Créer une nouvelle base vide ?"));
    assert!(shows_part(&harness, "Un fichier existe déjà"));
    let store = Store::open(&ws.store_path()).expect("still there");
    assert_eq!(store.summary().expect("summary").payslips, 13);
}

#[test]
fn a_new_store_is_created_after_confirmation() {
    let ws = workstation();
    store_with_payroll(&ws);
    let previous = ws.store_path();
    let mut harness = centre(&ws, ScreenId::Base);
    let new = ws.home.root().join("paie-2025.iea");
    set_field(
        &mut harness,
        "Chemin de la nouvelle base",
        &new.display().to_string(),
    );

    // Cancelling creates nothing.
    click(&mut harness, "Créer la base…");
    assert!(shows(&harness, "Créer une nouvelle base vide ?"));
    assert!(
        shows(&harness, &new.display().to_string()),
        "the confirmation names the file"
    );
    click(&mut harness, "Annuler");
    assert!(!shows(&harness, "Créer une nouvelle base vide ?"));
    assert!(!new.exists());

    click(&mut harness, "Créer la base…");
    click(&mut harness, "Créer la base");
    assert!(new.is_file(), "created");
    assert!(shows_part(
        &harness,
        "a été créée ; c'est maintenant la base active"
    ));
    let config = Config::load(&ws.home).expect("load");
    assert_eq!(config.paths.store, new);
    assert!(config.paths.known_stores.contains(&previous));
    assert!(config.paths.known_stores.contains(&new));
    assert_eq!(harness.state().ctx().store_path(), Some(new.as_path()));
    let summary = Store::open(&new).expect("open").summary().expect("summary");
    assert!(summary.dossiers.is_empty());
}

#[test]
fn removing_from_the_list_keeps_the_file() {
    let ws = workstation();
    let (second, _, _) = four_stores(&ws);
    let mut harness = centre(&ws, ScreenId::Base);
    click(&mut harness, &second.display().to_string());
    click(&mut harness, "Retirer de la liste");
    assert!(shows_part(&harness, "Son fichier n'a pas été supprimé"));
    assert!(second.is_file());
    assert!(
        !Config::load(&ws.home)
            .expect("load")
            .paths
            .known_stores
            .contains(&second)
    );
    assert!(!shows(&harness, &second.display().to_string()));
}

#[test]
fn base_snapshots() {
    let ws = fixed_workstation("base");
    four_stores(&ws);
    let mut harness = centre(&ws, ScreenId::Base);
    crate::support::snapshot(&mut harness, "base");
    set_field(
        &mut harness,
        "Chemin de la nouvelle base",
        "/tmp/iea-instantanes/base/paie-2025.iea",
    );
    click(&mut harness, "Créer la base…");
    crate::support::snapshot(&mut harness, "base-confirmation");
}
