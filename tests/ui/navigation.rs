//! The navigation panel: the original product's entries, every one reachable
//! with a click (none greyed, none a placeholder screen); a later start's
//! request shows its screen; "Quitter" closes.

use crate::support::{centre, click, is_disabled, settle, shows, store_with_payroll, workstation};
use iea_maintenance::ui::{CentreApp, ScreenId};

#[test]
fn every_entry_of_the_original_is_there_and_none_is_greyed() {
    let ws = workstation();
    store_with_payroll(&ws);
    let harness = centre(&ws, ScreenId::Accueil);
    assert!(shows(&harness, "Administrer"));
    assert!(shows(&harness, "Maintenir"));
    assert!(shows(&harness, "Demande de support technique"));
    for label in [
        "Accueil",
        "Comptes utilisateurs",
        "Gestionnaire de licences",
        "Sauvegarder / Restaurer",
        "Restaurer une sauvegarde",
        "Gérer les mises à jour",
        "Transfert database vers Urssaf",
        "Clôturer un exercice",
        "Extractions de données",
        "Paramètres de connexion",
        "Demande d'assistance à distance",
        "Mode assistance",
        "Configurer les chemins",
        "Changer de base de données",
        "Journal",
        "À propos",
        "Quitter",
    ] {
        assert!(!is_disabled(&harness, label), "{label} must work");
    }
}

#[test]
fn entries_open_their_screens() {
    let ws = workstation();
    store_with_payroll(&ws);
    let mut harness = centre(&ws, ScreenId::Accueil);
    for (label, screen, title) in [
        (
            "Sauvegarder / Restaurer",
            ScreenId::Sauvegardes,
            "Module de sauvegardes",
        ),
        (
            "Restaurer une sauvegarde",
            ScreenId::Restauration,
            "Restaurer depuis un fichier",
        ),
        (
            "Configurer les chemins",
            ScreenId::Chemins,
            "Configurer les chemins de l'application",
        ),
        (
            "Changer de base de données",
            ScreenId::Base,
            "Bases connues",
        ),
        (
            "À propos",
            ScreenId::APropos,
            "À propos du Tiers de confiance",
        ),
        (
            "Clôturer un exercice",
            ScreenId::Cloture,
            "Prérequis à la clôture d'exercice",
        ),
        ("Journal", ScreenId::Journal, "Dossier des journaux :"),
        (
            "Comptes utilisateurs",
            ScreenId::ComptesUtilisateurs,
            "Comptes utilisateurs / Droits d'accès",
        ),
        (
            "Gestionnaire de licences",
            ScreenId::Licences,
            "Gestion des licences par poste",
        ),
        (
            "Paramètres de connexion",
            ScreenId::Connexion,
            "Tester l'accès aux serveurs",
        ),
        (
            "Mode assistance",
            ScreenId::Assistance,
            "Mot de passe du jour",
        ),
        (
            "Demande d'assistance à distance",
            ScreenId::Support,
            "Voir le rapport",
        ),
        ("Accueil", ScreenId::Accueil, "Base de données active"),
    ] {
        click(&mut harness, label);
        assert_eq!(harness.state().screen(), screen);
        assert!(shows(&harness, title), "{title} on {screen:?}");
    }
}

#[test]
fn a_request_from_a_later_start_shows_its_screen() {
    let ws = workstation();
    store_with_payroll(&ws);
    let mut harness = centre(&ws, ScreenId::Accueil);
    let ctx = harness.ctx.clone();
    harness.state_mut().bring_forward(&ctx, ScreenId::Base);
    settle(&mut harness);
    assert_eq!(harness.state().screen(), ScreenId::Base);
    assert!(shows(&harness, "Bases connues"));
}

#[test]
fn quitter_closes_the_centre() {
    let ws = workstation();
    store_with_payroll(&ws);
    let mut harness = centre(&ws, ScreenId::Accueil);
    assert!(!harness.state().quit_requested());
    click(&mut harness, "Quitter");
    assert!(harness.state().quit_requested());
}

#[test]
fn slugs_of_the_command_line_name_every_screen() {
    for screen in ScreenId::ALL {
        assert_eq!(ScreenId::from_slug(screen.slug()), Some(screen));
    }
    assert_eq!(ScreenId::from_slug("a-propos"), Some(ScreenId::APropos));
    let _: fn(iea_maintenance::home::Home, ScreenId) -> CentreApp = CentreApp::new;
}

#[test]
fn the_navigation_works_with_the_keyboard() {
    use egui_kittest::kittest::{NodeT, Queryable};
    let ws = workstation();
    store_with_payroll(&ws);
    let mut harness = centre(&ws, ScreenId::Accueil);
    let mut reached = false;
    for _ in 0..40 {
        harness.key_press(eframe::egui::Key::Tab);
        harness.run();
        let focused = harness
            .query_by(|n: &egui_kittest::kittest::AccessKitNode<'_>| n.is_focused())
            .and_then(|n| n.accesskit_node().label());
        if focused.as_deref() == Some("Journal") {
            reached = true;
            break;
        }
    }
    assert!(reached, "Tab reaches the Journal entry");
    harness.key_press(eframe::egui::Key::Enter);
    settle(&mut harness);
    assert_eq!(harness.state().screen(), ScreenId::Journal);
}

#[test]
fn connection_assistance_and_support_work_without_the_store() {
    // No store at all: the screens that need one give way to "Base de données
    // inaccessible", but not these, which help precisely then (restoring a
    // backup first of all).
    let ws = workstation();
    let mut harness = centre(&ws, ScreenId::Accueil);
    assert!(shows(&harness, "Base de données inaccessible"));
    for (label, screen, seen) in [
        (
            "Paramètres de connexion",
            ScreenId::Connexion,
            "Tester l'accès aux serveurs",
        ),
        (
            "Mode assistance",
            ScreenId::Assistance,
            "Mot de passe du jour",
        ),
        (
            "Demande d'assistance à distance",
            ScreenId::Support,
            "Voir le rapport",
        ),
        (
            "Restaurer une sauvegarde",
            ScreenId::Restauration,
            "Restaurer depuis un fichier",
        ),
    ] {
        click(&mut harness, label);
        assert_eq!(harness.state().screen(), screen);
        assert!(shows(&harness, seen), "{seen} on {screen:?}");
        assert!(!shows(&harness, "Base de données inaccessible"));
    }
    assert!(
        !ws.store_path().exists(),
        "no store is created by these screens"
    );
}
