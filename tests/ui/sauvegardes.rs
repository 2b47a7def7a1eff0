//! "Sauvegarder / Restaurer", the "Module de sauvegardes": scripts created
//! through the form into `sauvegardes.toml` and listed with their next run; bad
//! values shown next to their fields and never saved; "Exécuter" making a real
//! archive; "Supprimer" asking first; "Repousser de 2 jours" and "Annuler le
//! report"; "Date de sauvegarde incorrecte" fixed by "Actualiser la date"; the
//! warning of assistance mode. The clock is frozen so that the dates shown do
//! not change with the day.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Local, NaiveDate, NaiveTime, TimeZone, Utc};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use iea_maintenance::backup::book::ScriptBook;
use iea_maintenance::backup::reason::RunReason;
use iea_maintenance::backup::{BackupScript, Destination, Frequency, FrequencyUnit, RunOutcome};
use iea_maintenance::service::persist::PersistedState;
use iea_maintenance::ui::{CentreApp, ScreenId};

use crate::support::{
    WINDOW, Workstation, click, click_link, fixed_workstation, set_field, set_text, settle, shows,
    shows_part, snapshot, store_with_payroll, workstation,
};

/// The frozen "now" of these tests: Thursday 12 November 2026, 10:00.
pub fn now() -> DateTime<Local> {
    Local
        .with_ymd_and_hms(2026, 11, 12, 10, 0, 0)
        .single()
        .expect("now")
}

/// The whole centre showing `screen`, its clock frozen at [`now`], settled.
pub fn centre_now(ws: &Workstation, screen: ScreenId) -> Harness<'static, CentreApp> {
    let mut app = crate::support::centre_app(ws, screen);
    app.set_clock(Some(now()));
    let mut harness = Harness::builder()
        .with_size(WINDOW)
        .with_theme(eframe::egui::Theme::Light)
        .build_ui_state(|ui, app: &mut CentreApp| app.frame_ui(ui), app);
    settle(&mut harness);
    harness
}

/// A script "tous les jours à 23:00" from `start` to `folder`.
pub fn daily(name: &str, start: NaiveDate, folder: &Path) -> BackupScript {
    BackupScript {
        name: name.to_owned(),
        frequency: Frequency {
            every: 1,
            unit: FrequencyUnit::Jours,
        },
        start_date: start,
        time: NaiveTime::from_hms_opt(23, 0, 0).expect("time"),
        enabled: true,
        keep: 5,
        destination: Destination::Folder {
            path: folder.to_path_buf(),
        },
    }
}

/// Adds `script` to the scripts file of `ws`.
pub fn add_script(ws: &Workstation, script: BackupScript) {
    ScriptBook::modify(&ws.home, |book| book.upsert(script, None)).expect("script");
}

/// The backup folder of the tests, created.
pub fn backup_folder(ws: &Workstation) -> PathBuf {
    let folder = ws.home.root().join("Sauvegardes");
    std::fs::create_dir_all(&folder).expect("folder");
    folder
}

/// Ticks or unticks the checkbox named `label`.
pub fn tick(harness: &mut Harness<'_, CentreApp>, label: &str) {
    harness
        .get_by_role_and_label(eframe::egui::Role::CheckBox, label)
        .click();
    settle(harness);
}

/// The text in the field named `label`.
pub fn field_value(harness: &Harness<'_, CentreApp>, label: &str) -> String {
    use egui_kittest::kittest::NodeT;
    harness
        .get_by_role_and_label(eframe::egui::Role::TextInput, label)
        .accesskit_node()
        .value()
        .unwrap_or_default()
}

fn today() -> NaiveDate {
    now().date_naive()
}

fn scripts_file(ws: &Workstation) -> PathBuf {
    ScriptBook::path(&ws.home)
}

#[test]
fn a_script_made_with_the_form_is_saved_and_listed_with_its_next_run() {
    let ws = workstation();
    store_with_payroll(&ws);
    let folder = backup_folder(&ws);
    let mut harness = centre_now(&ws, ScreenId::Sauvegardes);
    assert!(shows(&harness, "Module de sauvegardes"));
    assert!(shows_part(&harness, "Aucun script de sauvegarde"));

    click(&mut harness, "Nouveau");
    assert!(shows(&harness, "Nouveau script de sauvegarde"));
    // The practical guide's example: every day at 23:00 from today, 5 kept.
    assert_eq!(field_value(&harness, "À partir du"), "12/11/2026");
    assert_eq!(field_value(&harness, "Heure"), "23:00");
    assert_eq!(
        field_value(&harness, "Nombre de sauvegardes à conserver"),
        "5"
    );
    set_field(&mut harness, "Nom du script", "Quotidienne");
    set_field(
        &mut harness,
        "Dossier de sauvegarde",
        &folder.display().to_string(),
    );
    click(&mut harness, "Enregistrer");

    assert!(
        shows(
            &harness,
            "Quotidienne — prochaine exécution le 12/11/2026 à 23:00"
        ),
        "the new script is listed with its next run"
    );
    assert!(shows_part(
        &harness,
        "Tous les jours à 23:00, à partir du 12/11/2026"
    ));
    assert!(shows_part(&harness, &folder.display().to_string()));
    assert!(shows_part(&harness, "Jamais exécuté"));
    assert!(shows_part(
        &harness,
        "Le script « Quotidienne » a été créé."
    ));

    let book = ScriptBook::load(&ws.home).expect("book");
    assert_eq!(book.entries.len(), 1);
    let script = &book.entries[0].script;
    assert_eq!(script.name, "Quotidienne");
    assert_eq!(script.start_date, today());
    assert_eq!(script.keep, 5);
    assert_eq!(
        script.destination,
        Destination::Folder {
            path: folder.clone()
        }
    );
}

#[test]
fn bad_values_are_shown_next_to_their_fields_and_nothing_is_saved() {
    let ws = workstation();
    store_with_payroll(&ws);
    let folder = backup_folder(&ws);
    let mut harness = centre_now(&ws, ScreenId::Sauvegardes);
    click(&mut harness, "Nouveau");
    set_field(&mut harness, "Nom du script", "Paie/Mensuelle");
    set_field(&mut harness, "Tous les", "0");
    set_field(&mut harness, "Heure", "25:00");
    set_field(
        &mut harness,
        "Dossier de sauvegarde",
        &folder.display().to_string(),
    );
    click(&mut harness, "Enregistrer");

    assert!(shows(&harness, "Le nom ne peut pas contenir / ni \\."));
    assert!(shows(&harness, "Entre 1 et 99."));
    assert!(shows(&harness, "Heure attendue au format HH:MM."));
    assert!(shows_part(&harness, "Rien n'a été enregistré"));
    assert!(
        !scripts_file(&ws).exists(),
        "a bad value never reaches sauvegardes.toml"
    );

    // Fixing a field takes its message away; the others stay until fixed.
    set_field(&mut harness, "Heure", "22:30");
    assert!(!shows(&harness, "Heure attendue au format HH:MM."));
    assert!(shows(&harness, "Entre 1 et 99."));

    set_field(&mut harness, "Nom du script", "Mensuelle");
    set_field(&mut harness, "Tous les", "1");
    click(&mut harness, "Enregistrer");
    let book = ScriptBook::load(&ws.home).expect("book");
    assert_eq!(book.entries.len(), 1);
    assert_eq!(
        book.entries[0].script.time,
        NaiveTime::from_hms_opt(22, 30, 0).expect("time")
    );
}

#[test]
fn quitter_with_unsaved_changes_asks_first() {
    let ws = workstation();
    store_with_payroll(&ws);
    let mut harness = centre_now(&ws, ScreenId::Sauvegardes);
    click(&mut harness, "Nouveau");
    set_field(&mut harness, "Nom du script", "Hebdomadaire");
    click(&mut harness, "Quitter le script");
    assert!(shows(&harness, "Abandonner les modifications ?"));
    click(&mut harness, "Annuler");
    assert!(
        shows(&harness, "Nouveau script de sauvegarde"),
        "still editing"
    );
    click(&mut harness, "Quitter le script");
    click(&mut harness, "Abandonner les modifications");
    assert!(shows(&harness, "Nouveau"));
    assert!(!shows(&harness, "Nouveau script de sauvegarde"));
    assert!(!scripts_file(&ws).exists());
}

#[test]
fn plain_ftp_is_warned_about_in_red() {
    let ws = workstation();
    store_with_payroll(&ws);
    let mut harness = centre_now(&ws, ScreenId::Sauvegardes);
    click(&mut harness, "Nouveau");
    harness
        .get_by_role_and_label(eframe::egui::Role::RadioButton, "Site distant (FTP)")
        .click();
    settle(&mut harness);
    for field in [
        "Serveur",
        "Port",
        "Utilisateur",
        "Mot de passe",
        "Dossier distant",
    ] {
        assert!(shows(&harness, field), "{field}");
    }
    assert!(!shows_part(&harness, "circulent en clair"));
    harness
        .get_by_role_and_label(eframe::egui::Role::RadioButton, "FTP non chiffré")
        .click();
    settle(&mut harness);
    assert!(shows_part(&harness, "circulent en clair"));
    // The usual port follows the security.
    harness
        .get_by_role_and_label(eframe::egui::Role::RadioButton, "FTPS implicite")
        .click();
    settle(&mut harness);
    assert_eq!(field_value(&harness, "Port"), "990");
}

#[test]
fn executer_makes_a_real_archive_and_shows_ok() {
    let ws = workstation();
    store_with_payroll(&ws);
    let folder = backup_folder(&ws);
    add_script(&ws, daily("Quotidienne", today(), &folder));
    let mut harness = centre_now(&ws, ScreenId::Sauvegardes);
    let line = "Quotidienne — prochaine exécution le 12/11/2026 à 23:00";
    assert!(shows(&harness, line));
    tick(&mut harness, line);
    click(&mut harness, "Exécuter");

    let archives: Vec<PathBuf> = std::fs::read_dir(&folder)
        .expect("folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".iea.zip"))
        .collect();
    assert_eq!(archives.len(), 1, "one archive in {}", folder.display());
    assert!(std::fs::metadata(&archives[0]).expect("archive").len() > 0);
    assert!(
        shows_part(&harness, ": OK"),
        "the outcome next to the script"
    );
    assert!(shows_part(&harness, "déposée et vérifiée"));
    let book = ScriptBook::load(&ws.home).expect("book");
    assert_eq!(book.entries[0].state.last_outcome, Some(RunOutcome::Ok));
}

#[test]
fn supprimer_asks_first_and_keeps_the_backups() {
    let ws = workstation();
    store_with_payroll(&ws);
    let folder = backup_folder(&ws);
    let kept = folder.join("Quotidienne-20261110-230000.iea.zip");
    std::fs::write(&kept, b"une sauvegarde").expect("backup");
    add_script(&ws, daily("Quotidienne", today(), &folder));
    let mut harness = centre_now(&ws, ScreenId::Sauvegardes);
    tick(
        &mut harness,
        "Quotidienne — prochaine exécution le 12/11/2026 à 23:00",
    );
    click(&mut harness, "Supprimer");
    assert!(shows(&harness, "Supprimer le script « Quotidienne » ?"));
    assert!(shows_part(&harness, "ne sont pas supprimées"));
    click(&mut harness, "Annuler");
    assert_eq!(ScriptBook::load(&ws.home).expect("book").entries.len(), 1);

    click(&mut harness, "Supprimer");
    click(&mut harness, "Supprimer le script");
    assert!(ScriptBook::load(&ws.home).expect("book").entries.is_empty());
    assert!(!shows_part(&harness, "Quotidienne — prochaine exécution"));
    assert!(shows_part(
        &harness,
        "Le script « Quotidienne » a été supprimé."
    ));
    assert!(kept.exists(), "the backups already made stay");
}

#[test]
fn repousser_de_2_jours_moves_the_next_run_and_annuler_le_report_brings_it_back() {
    let ws = workstation();
    store_with_payroll(&ws);
    let folder = backup_folder(&ws);
    add_script(&ws, daily("Quotidienne", today(), &folder));
    add_script(&ws, daily("Seconde", today(), &folder));
    let mut harness = centre_now(&ws, ScreenId::Sauvegardes);
    // The closing's procedure: every script ticked, postponed by 2 days.
    tick(&mut harness, "Tout sélectionner");
    click(&mut harness, "Repousser");
    for name in ["Quotidienne", "Seconde"] {
        assert!(
            shows(
                &harness,
                &format!("{name} — prochaine exécution le 14/11/2026 à 23:00")
            ),
            "{name} postponed"
        );
    }
    assert!(shows_part(&harness, "sont repoussées de 2 jours"));
    let book = ScriptBook::load(&ws.home).expect("book");
    assert!(
        book.entries
            .iter()
            .all(|e| e.state.postponed_until.is_some())
    );

    click(&mut harness, "Annuler le report");
    assert!(shows(
        &harness,
        "Quotidienne — prochaine exécution le 12/11/2026 à 23:00"
    ));
    let book = ScriptBook::load(&ws.home).expect("book");
    assert!(
        book.entries
            .iter()
            .all(|e| e.state.postponed_until.is_none())
    );
}

#[test]
fn a_wrong_date_is_shown_in_red_and_actualiser_la_date_fixes_it() {
    let ws = workstation();
    store_with_payroll(&ws);
    let folder = backup_folder(&ws);
    let start = NaiveDate::from_ymd_opt(2026, 1, 5).expect("date");
    add_script(&ws, daily("Quotidienne", start, &folder));
    let mut harness = centre_now(&ws, ScreenId::Sauvegardes);
    assert!(shows_part(
        &harness,
        "Date de sauvegarde incorrecte : ce script devait commencer le 05/01/2026"
    ));
    assert!(shows(
        &harness,
        "Sauvegarde « Quotidienne » en retard : aucune sauvegarde réussie"
    ));
    click(&mut harness, "Actualiser la date de Quotidienne");

    assert!(!shows_part(&harness, "Date de sauvegarde incorrecte"));
    assert!(!shows_part(&harness, "en retard"));
    assert!(shows(
        &harness,
        "Quotidienne — prochaine exécution le 12/11/2026 à 23:00"
    ));
    let book = ScriptBook::load(&ws.home).expect("book");
    assert_eq!(book.entries[0].script.start_date, today(), "saved at once");
}

#[test]
fn assistance_mode_warns_that_scripts_do_not_run() {
    let ws = workstation();
    store_with_payroll(&ws);
    let mut state = PersistedState::default();
    state.set_assistance(true, "test");
    state.save(&ws.home).expect("state");
    let harness = centre_now(&ws, ScreenId::Sauvegardes);
    assert!(shows(
        &harness,
        "ATTENTION en mode assistance, les fichiers de scripts ne seront pas pris en compte automatiquement !"
    ));
}

/// Two scripts in every state the list shows: a good one, and one whose
/// destination went away (the reason in full, a backup waiting on this
/// computer), run by hand only.
fn scripts_in_every_state(ws: &Workstation) {
    let folder = backup_folder(ws);
    add_script(ws, daily("Quotidienne", today(), &folder));
    let mut monthly = daily(
        "Mensuelle serveur",
        NaiveDate::from_ymd_opt(2026, 9, 30).expect("date"),
        Path::new("/mnt/serveur/Sauvegardes"),
    );
    monthly.frequency = Frequency {
        every: 1,
        unit: FrequencyUnit::Mois,
    };
    monthly.keep = 12;
    add_script(ws, monthly);
    let at = |d: u32, h: u32| {
        Utc.with_ymd_and_hms(2026, 11, d, h, 0, 4)
            .single()
            .expect("at")
    };
    ScriptBook::modify(&ws.home, |book| {
        let good = book.state_mut("Quotidienne")?;
        good.last_run_at = Some(at(11, 23));
        good.last_outcome = Some(RunOutcome::Ok);
        good.last_good_at = Some(at(11, 23));
        let bad = book.state_mut("Mensuelle serveur")?;
        bad.last_run_at = Some(at(1, 23));
        bad.last_outcome = Some(RunOutcome::Echec);
        // A reason as an older version wrote it: shown as written.
        bad.last_reason = Some(RunReason::Legacy {
            text: "Emplacement indisponible : le dossier « /mnt/serveur/Sauvegardes » est \
                   introuvable (renommé, déplacé, ou le partage réseau n'est pas connecté). La \
                   sauvegarde vérifiée est conservée sur ce poste et sera déposée dès que \
                   l'emplacement sera de nouveau disponible."
                .to_owned(),
        });
        bad.pending = vec!["Mensuelle serveur-20261101-230004.iea.zip".to_owned()];
        Ok(())
    })
    .expect("states");
}

#[test]
fn the_list_says_what_went_wrong_in_full() {
    let ws = workstation();
    store_with_payroll(&ws);
    scripts_in_every_state(&ws);
    let harness = centre_now(&ws, ScreenId::Sauvegardes);
    assert!(shows(
        &harness,
        "Mensuelle serveur — prochaine exécution le 30/11/2026 à 23:00"
    ));
    assert!(shows(
        &harness,
        "Dernière exécution le 01/11/2026 à 23:00 : échec"
    ));
    assert!(shows_part(
        &harness,
        "Emplacement indisponible : le dossier"
    ));
    assert!(shows_part(
        &harness,
        "1 sauvegarde vérifiée attend sur ce poste"
    ));
    assert!(shows(
        &harness,
        "Dernière exécution le 11/11/2026 à 23:00 : OK"
    ));
}

#[test]
fn sauvegardes_snapshot() {
    let ws = fixed_workstation("sauvegardes");
    store_with_payroll(&ws);
    scripts_in_every_state(&ws);
    let mut harness = centre_now(&ws, ScreenId::Sauvegardes);
    snapshot(&mut harness, "sauvegardes");
}

#[test]
fn sauvegardes_script_snapshot() {
    let ws = fixed_workstation("sauvegardes-script");
    store_with_payroll(&ws);
    let mut harness = centre_now(&ws, ScreenId::Sauvegardes);
    click(&mut harness, "Nouveau");
    set_field(&mut harness, "Nom du script", "Paie/Mensuelle");
    set_field(&mut harness, "Tous les", "0");
    set_text(
        &mut harness,
        eframe::egui::Role::TextInput,
        "Dossier de sauvegarde",
        "/tmp/iea-instantanes/sauvegardes-script/Sauvegardes",
    );
    click(&mut harness, "Enregistrer");
    snapshot(&mut harness, "sauvegardes-script");
}

#[test]
fn accueil_shows_the_last_good_backup_and_the_late_ones() {
    let ws = workstation();
    store_with_payroll(&ws);
    let mut harness = centre_now(&ws, ScreenId::Accueil);
    assert!(shows(&harness, "Aucun script de sauvegarde"));
    click_link(&mut harness, "Sauvegarder / Restaurer");
    assert_eq!(harness.state().screen(), ScreenId::Sauvegardes);
    drop(harness);

    scripts_in_every_state(&ws);
    let mut late = daily(
        "Ancienne",
        NaiveDate::from_ymd_opt(2026, 10, 1).expect("date"),
        &backup_folder(&ws),
    );
    late.keep = 3;
    add_script(&ws, late);
    ScriptBook::modify(&ws.home, |book| {
        let state = book.state_mut("Ancienne")?;
        let at = Utc
            .with_ymd_and_hms(2026, 11, 1, 23, 0, 4)
            .single()
            .expect("at");
        state.last_run_at = Some(at);
        state.last_outcome = Some(RunOutcome::Ok);
        state.last_good_at = Some(at);
        Ok(())
    })
    .expect("state");
    let harness = centre_now(&ws, ScreenId::Accueil);
    assert!(shows(
        &harness,
        "le 11/11/2026 à 23:00 (script « Quotidienne »)"
    ));
    assert!(shows(
        &harness,
        "Sauvegarde « Ancienne » en retard : dernière sauvegarde réussie le 01/11/2026"
    ));
}
