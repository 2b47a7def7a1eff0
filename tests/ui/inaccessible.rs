//! "Base de données inaccessible" (seed 003): shown instead of the screens that
//! need the store when it cannot be opened, with the explanation, "Plus de
//! détails", "Diagnostiquer", "Réessayer" and "Changer de base de données…". The
//! centre never crashes and never creates a store there.

use crate::support::{
    centre, click, fill_payroll, fixed_workstation, shows, shows_part, workstation,
};
use egui_kittest::kittest::Queryable;
use iea_maintenance::diagnostics::diagnose;
use iea_maintenance::messages;
use iea_maintenance::store::Store;
use iea_maintenance::ui::ScreenId;

#[test]
fn a_missing_store_gives_the_inaccessible_screen() {
    let ws = workstation();
    let path = ws.store_path();
    let harness = centre(&ws, ScreenId::Accueil);
    assert!(shows(&harness, "Base de données inaccessible"));
    // The store's folder is missing: the seed's words for a network path.
    assert!(shows_part(&harness, "le chemin réseau n'a pas été trouvé"));
    assert!(shows(&harness, "Plus de détails"));
    for button in ["Réessayer", "Changer de base de données…", "Diagnostiquer"] {
        assert!(shows(&harness, button), "{button}");
    }
    assert!(
        !shows(&harness, "Base de données active"),
        "Accueil is not shown"
    );
    assert!(!path.exists(), "no store is ever created here");
    assert!(!path.parent().expect("parent").exists(), "nor its folder");
}

#[test]
fn a_missing_file_says_the_file_is_not_found() {
    let ws = workstation();
    std::fs::create_dir_all(ws.store_path().parent().expect("parent")).expect("folder");
    let mut harness = centre(&ws, ScreenId::Accueil);
    assert!(shows_part(&harness, "Le fichier spécifié est introuvable"));
    harness
        .get_by_role_and_label(eframe::egui::Role::DisclosureTriangle, "Plus de détails")
        .click();
    crate::support::settle(&mut harness);
    assert!(shows_part(
        &harness,
        &format!("Base de données : {}", ws.store_path().display())
    ));
    assert!(!ws.store_path().exists());
}

#[test]
fn diagnostiquer_shows_each_check_and_the_conclusion() {
    let ws = workstation();
    let path = ws.store_path();
    let mut harness = centre(&ws, ScreenId::Accueil);
    click(&mut harness, "Diagnostiquer");
    assert!(shows(&harness, "Résultat du diagnostic"));
    let expected = diagnose(&path);
    for check in &expected.checks {
        let label = messages::check_label(check);
        assert!(shows(&harness, &label), "check shown: {label}");
    }
    assert!(
        shows(&harness, "En échec"),
        "a red mark for the failed check"
    );
    assert!(shows(&harness, "Bon"), "a green mark for the good ones");
    let conclusion = messages::conclusion(&expected);
    assert!(shows(&harness, &conclusion.title));
    assert!(shows(&harness, "Copier le rapport"));
    assert!(!path.exists(), "diagnosing creates nothing");
}

#[test]
fn other_screens_stay_reachable() {
    let ws = workstation();
    let mut harness = centre(&ws, ScreenId::Accueil);
    click(&mut harness, "Changer de base de données…");
    assert_eq!(harness.state().screen(), ScreenId::Base);
    assert!(shows(&harness, "Bases connues"));
    for (entry, title) in [
        (
            "Configurer les chemins",
            "Configurer les chemins de l'application",
        ),
        ("Journal", "Dossier des journaux :"),
        ("À propos", "À propos du Tiers de confiance"),
    ] {
        click(&mut harness, entry);
        assert!(shows(&harness, title), "{entry} reachable");
        assert!(!shows(&harness, "Base de données inaccessible"));
    }
    click(&mut harness, "Accueil");
    assert!(shows(&harness, "Base de données inaccessible"));
}

#[test]
fn reessayer_opens_the_store_once_it_is_back() {
    let ws = workstation();
    let mut harness = centre(&ws, ScreenId::Accueil);
    assert!(shows(&harness, "Base de données inaccessible"));
    // The share is back.
    let path = ws.store_path();
    std::fs::create_dir_all(path.parent().expect("parent")).expect("folder");
    fill_payroll(&Store::create(&path).expect("create"));
    click(&mut harness, "Réessayer");
    assert!(!shows(&harness, "Base de données inaccessible"));
    assert!(shows(&harness, "Base de données active"));
    assert!(shows(&harness, "13"), "the payslips are counted");
}

#[test]
fn a_foreign_file_is_explained_and_left_alone() {
    let ws = workstation();
    let path = ws.store_path();
    std::fs::create_dir_all(path.parent().expect("parent")).expect("folder");
    std::fs::write(&path, "ceci n'est pas une base").expect("write");
    let harness = centre(&ws, ScreenId::Accueil);
    assert!(shows(&harness, "Base de données inaccessible"));
    assert!(shows(&harness, "Fichier non reconnu"));
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        "ceci n'est pas une base"
    );
}

#[test]
fn inaccessible_snapshots() {
    let ws = fixed_workstation("inaccessible");
    let mut harness = centre(&ws, ScreenId::Accueil);
    crate::support::snapshot(&mut harness, "inaccessible");
    click(&mut harness, "Diagnostiquer");
    crate::support::snapshot(&mut harness, "inaccessible-diagnostic");
}
