//! "Configurer les chemins": each field is checked next to itself, a bad value is
//! never saved (the file on disk stays as it was), a good one is saved, "Annuler"
//! restores the saved values and a missing folder can be created.

use crate::support::{
    centre, click, fixed_workstation, is_disabled, set_field, shows, shows_part,
    store_with_payroll, workstation,
};
use egui_kittest::kittest::Queryable;
use iea_maintenance::config::Config;
use iea_maintenance::store::Store;
use iea_maintenance::ui::ScreenId;

fn saved_text(ws: &crate::support::Workstation) -> String {
    std::fs::read_to_string(ws.home.config_file()).expect("config.toml")
}

#[test]
fn a_missing_logs_folder_is_refused_and_nothing_is_written() {
    let ws = workstation();
    store_with_payroll(&ws);
    Config::load(&ws.home)
        .expect("defaults")
        .save(&ws.home)
        .expect("save");
    let before = saved_text(&ws);
    let mut harness = centre(&ws, ScreenId::Chemins);
    assert!(is_disabled(&harness, "Enregistrer"), "nothing to save yet");

    let missing = ws.home.root().join("journaux-mal-saisis");
    set_field(
        &mut harness,
        "Dossier des journaux",
        &missing.display().to_string(),
    );
    assert!(shows(&harness, "Ce dossier n'existe pas."));
    assert!(shows(&harness, "Modifications non enregistrées"));
    click(&mut harness, "Enregistrer");
    assert!(shows(
        &harness,
        "Rien n'a été enregistré : corrigez d'abord les champs signalés en rouge."
    ));
    assert_eq!(saved_text(&ws), before, "config.toml must not change");
    assert!(!missing.exists(), "no folder created without asking");
}

#[test]
fn an_empty_path_and_a_foreign_file_are_refused() {
    let ws = workstation();
    store_with_payroll(&ws);
    Config::load(&ws.home)
        .expect("defaults")
        .save(&ws.home)
        .expect("save");
    let before = saved_text(&ws);
    let mut harness = centre(&ws, ScreenId::Chemins);

    set_field(&mut harness, "Base de données", "   ");
    click(&mut harness, "Enregistrer");
    assert_eq!(saved_text(&ws), before);

    let foreign = ws.home.root().join("courrier.txt");
    std::fs::write(&foreign, "Bonjour, ceci est une lettre.").expect("write");
    set_field(
        &mut harness,
        "Base de données",
        &foreign.display().to_string(),
    );
    assert!(
        shows_part(&harness, "n'est pas une base de données Impact emploi"),
        "the store's problem is shown next to the field"
    );
    click(&mut harness, "Enregistrer");
    assert_eq!(
        saved_text(&ws),
        before,
        "a foreign file is never saved as the store"
    );
    assert_eq!(
        std::fs::read_to_string(&foreign).expect("read"),
        "Bonjour, ceci est une lettre."
    );
}

#[test]
fn good_paths_are_saved() {
    let ws = workstation();
    store_with_payroll(&ws);
    let other = ws.home.root().join("seconde.iea");
    drop(Store::create(&other).expect("create"));
    let staging = ws.home.root().join("preparation");
    std::fs::create_dir(&staging).expect("folder");
    let mut harness = centre(&ws, ScreenId::Chemins);

    set_field(
        &mut harness,
        "Base de données",
        &other.display().to_string(),
    );
    assert!(shows(&harness, "Base Impact emploi reconnue."));
    set_field(
        &mut harness,
        "Dossier des sauvegardes",
        &staging.display().to_string(),
    );
    click(&mut harness, "Enregistrer");
    assert!(shows(&harness, "Les chemins ont été enregistrés."));
    assert!(!shows(&harness, "Modifications non enregistrées"));

    let saved = Config::load(&ws.home).expect("load");
    assert_eq!(saved.paths.store, other);
    assert_eq!(saved.paths.staging, staging);
    assert!(saved.paths.known_stores.contains(&other));
    // The centre now works on the new store.
    assert_eq!(harness.state().ctx().store_path(), Some(other.as_path()));
}

#[test]
fn annuler_restores_the_saved_values() {
    let ws = workstation();
    store_with_payroll(&ws);
    let mut harness = centre(&ws, ScreenId::Chemins);
    let logs = ws.home.logs_dir().display().to_string();
    set_field(&mut harness, "Dossier des journaux", "/nulle/part");
    assert!(shows(&harness, "Modifications non enregistrées"));
    click(&mut harness, "Annuler");
    assert!(!shows(&harness, "Modifications non enregistrées"));
    let field =
        harness.get_by_role_and_label(eframe::egui::Role::TextInput, "Dossier des journaux");
    assert_eq!(field.value().as_deref(), Some(logs.as_str()));
}

#[test]
fn a_missing_folder_can_be_created() {
    let ws = workstation();
    store_with_payroll(&ws);
    let mut harness = centre(&ws, ScreenId::Chemins);
    let wanted = ws.home.root().join("journaux-2025");
    set_field(
        &mut harness,
        "Dossier des journaux",
        &wanted.display().to_string(),
    );
    click(&mut harness, "Créer le dossier des journaux");
    assert!(wanted.is_dir());
    assert!(!shows(&harness, "Ce dossier n'existe pas."));
    click(&mut harness, "Enregistrer");
    assert_eq!(Config::load(&ws.home).expect("load").paths.logs, wanted);
}

#[test]
fn chemins_snapshot() {
    let ws = fixed_workstation("chemins");
    store_with_payroll(&ws);
    let mut harness = centre(&ws, ScreenId::Chemins);
    set_field(
        &mut harness,
        "Dossier des journaux",
        "/tmp/iea-instantanes/chemins/journaux-mal-saisis",
    );
    click(&mut harness, "Enregistrer");
    crate::support::snapshot(&mut harness, "chemins");
}

#[test]
fn a_folder_that_cannot_be_read_is_explained_in_french_not_in_the_system_s_words() {
    // Regression: a folder below a file was shown with the system's English
    // words ("Not a directory (os error 20)").
    let ws = workstation();
    store_with_payroll(&ws);
    let file = ws.home.root().join("note.txt");
    std::fs::write(&file, "une note").expect("write");
    let mut harness = centre(&ws, ScreenId::Chemins);
    set_field(
        &mut harness,
        "Dossier des journaux",
        &file.join("journaux").display().to_string(),
    );
    assert!(shows(
        &harness,
        "Ce dossier ne peut pas être lu. Le chemin d'accès contient un fichier là où un \
         dossier est attendu."
    ));
    assert!(!shows_part(&harness, "os error"));
    set_field(
        &mut harness,
        "Dossier des journaux",
        &file.display().to_string(),
    );
    assert!(shows(
        &harness,
        "Ce chemin désigne un fichier, pas un dossier."
    ));
}
