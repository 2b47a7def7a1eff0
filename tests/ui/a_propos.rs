//! "À propos du Tiers de confiance": product, version, supported schema version,
//! the installation's paths and the support address, with a copy button.

use crate::support::{centre, fixed_workstation, shows, store_with_payroll, workstation};
use egui_kittest::kittest::Queryable;
use iea_maintenance::config::Config;
use iea_maintenance::ui::ScreenId;

#[test]
fn a_propos_shows_what_support_asks_for() {
    let ws = workstation();
    store_with_payroll(&ws);
    let mut config = Config::load(&ws.home).expect("defaults");
    config.mail.support_address = "assistance@asso-exemple.fr".to_owned();
    config.save(&ws.home).expect("save");
    let mut harness = centre(&ws, ScreenId::APropos);

    assert!(shows(&harness, "À propos du Tiers de confiance"));
    assert!(shows(
        &harness,
        "Impact emploi – Gestionnaire de services (Tiers de confiance)"
    ));
    assert!(shows(&harness, env!("CARGO_PKG_VERSION")));
    assert!(shows(
        &harness,
        &iea_maintenance::store::SCHEMA_VERSION.to_string()
    ));
    assert!(shows(&harness, &ws.home.root().display().to_string()));
    assert!(shows(
        &harness,
        &ws.home.config_file().display().to_string()
    ));
    assert!(shows(&harness, &ws.store_path().display().to_string()));
    assert!(shows(&harness, &ws.home.logs_dir().display().to_string()));
    assert!(shows(&harness, "assistance@asso-exemple.fr"));
    assert!(shows(&harness, "MIT"));

    harness
        .get_by_role_and_label(eframe::egui::Role::Button, "Copier les informations")
        .click();
    harness.step();
    let copied = harness
        .output()
        .platform_output
        .commands
        .iter()
        .find_map(|c| match c {
            eframe::egui::OutputCommand::CopyText(t) => Some(t.clone()),
            _ => None,
        })
        .expect("text put on the clipboard");
    assert!(copied.contains("Adresse de l'assistance : assistance@asso-exemple.fr"));
    assert!(copied.contains(env!("CARGO_PKG_VERSION")));
    crate::support::settle(&mut harness);
    assert!(shows(&harness, "Copié dans le presse-papiers."));
}

#[test]
fn a_propos_stays_reachable_when_the_store_is_missing() {
    let ws = workstation();
    let harness = centre(&ws, ScreenId::APropos);
    assert!(shows(&harness, "À propos du Tiers de confiance"));
    assert!(!shows(&harness, "Base de données inaccessible"));
}

#[test]
fn a_propos_snapshot() {
    let ws = fixed_workstation("a-propos");
    store_with_payroll(&ws);
    let mut harness = centre(&ws, ScreenId::APropos);
    crate::support::snapshot(&mut harness, "a-propos");
}
