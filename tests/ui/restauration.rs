//! "Restaurer une sauvegarde": a real backup restored through the screen brings
//! deleted rows back, after a confirmation naming what is replaced; a connected
//! user stops it, named; a damaged file is refused and the store left as it was;
//! "avant restauration" lists the copy kept.

use std::path::{Path, PathBuf};

use egui_kittest::kittest::Queryable;
use iea_maintenance::backup::RunOutcome;
use iea_maintenance::backup::destination::parse_archive_name;
use iea_maintenance::backup::restore;
use iea_maintenance::backup::run::{self, BackupContext, Trigger};
use iea_maintenance::jobs::{Cancel, NoProgress};
use iea_maintenance::messages;
use iea_maintenance::store::Store;
use iea_maintenance::ui::ScreenId;

use crate::sauvegardes::{add_script, backup_folder, centre_now, daily, now};
use crate::support::{
    Workstation, click, fixed_workstation, set_field, shows, shows_part, snapshot,
    store_with_payroll, workstation,
};

/// A good backup of the store of `ws` by the script "Quotidienne": its file.
fn backup_now(ws: &Workstation) -> PathBuf {
    let folder = backup_folder(ws);
    add_script(ws, daily("Quotidienne", now().date_naive(), &folder));
    let ctx = BackupContext::load(&ws.home).expect("context");
    let report = run::run_script(
        &ctx,
        "Quotidienne",
        Trigger::Manuel,
        &NoProgress,
        &Cancel::new(),
    )
    .expect("run");
    assert_eq!(report.outcome, RunOutcome::Ok, "{:?}", report.reason);
    folder.join(report.archive.expect("archive"))
}

/// The line of `archive` in the list of backups.
fn line_of(archive: &Path) -> String {
    let name = archive.file_name().expect("name").to_string_lossy();
    let taken = parse_archive_name("Quotidienne", &name).expect("date in the name");
    let size = std::fs::metadata(archive).expect("archive").len();
    messages::stored_backup_line(taken, size)
}

fn payslips(store: &Path) -> i64 {
    let store = Store::open_read_only(store).expect("open");
    store
        .connection()
        .query_row("SELECT count(*) FROM payslips", [], |r| r.get(0))
        .expect("count")
}

fn delete_some_payslips(store: &Path) {
    let store = Store::open(store).expect("open");
    let deleted = store
        .connection()
        .execute("DELETE FROM payslips WHERE period >= '2024-03'", [])
        .expect("delete");
    assert!(deleted > 0);
}

/// Selects the backup `archive` of "Quotidienne" and asks to restore it.
fn ask_to_restore(
    harness: &mut egui_kittest::Harness<'_, iea_maintenance::ui::CentreApp>,
    archive: &Path,
) {
    click(harness, "Quotidienne");
    assert!(shows(harness, messages::BACKUPS_NEWEST_FIRST));
    click(harness, &line_of(archive));
    click(harness, "Restaurer");
}

#[test]
fn a_backup_restored_through_the_screen_brings_the_rows_back() {
    let ws = workstation();
    let store = store_with_payroll(&ws);
    let archive = backup_now(&ws);
    delete_some_payslips(&store);
    let before = payslips(&store);
    assert!(before < 13);

    let mut harness = centre_now(&ws, ScreenId::Restauration);
    ask_to_restore(&mut harness, &archive);
    // The confirmation says what is replaced, by what, and the copy kept.
    assert!(shows(&harness, "Restaurer cette sauvegarde ?"));
    assert!(shows(&harness, &store.display().to_string()));
    assert!(shows_part(&harness, "(script « Quotidienne »)"));
    assert!(shows_part(&harness, "« avant restauration »"));
    assert_eq!(payslips(&store), before, "nothing before the confirmation");
    click(&mut harness, "Restaurer la sauvegarde");

    assert!(shows_part(
        &harness,
        "La restauration de la base de données s'est déroulée avec succès."
    ));
    assert_eq!(payslips(&store), 13, "the deleted payslips are back");
    assert_eq!(restore::safety_copies(&store).len(), 1, "a copy was kept");
    assert!(
        shows(&harness, restore::SAFETY_LABEL),
        "the copy is offered for restore"
    );
    assert!(
        matches!(
            harness.state().ctx().store,
            iea_maintenance::ui::StoreState::Open(_)
        ),
        "the restored store is open again"
    );
}

#[test]
fn a_connected_user_stops_the_restore_and_is_named() {
    let ws = workstation();
    let store = store_with_payroll(&ws);
    let archive = backup_now(&ws);
    delete_some_payslips(&store);
    let before = payslips(&store);
    {
        let store = Store::open(&store).expect("open");
        let beat = chrono::Utc::now().to_rfc3339();
        store
            .connection()
            .execute_batch(&format!(
                "INSERT INTO users (login, display_name, role, password_hash, created_at)
                   VALUES ('dupont', 'Dupont', 'gestionnaire', '$argon2id$x', '2026-01-01T00:00:00Z');
                 INSERT INTO workstations (id, hostname) VALUES
                   ('11111111-1111-1111-1111-111111111111', 'POSTE-COMPTA');
                 INSERT INTO sessions (user_id, workstation_id, started_at, heartbeat_at)
                   SELECT id, '11111111-1111-1111-1111-111111111111', '{beat}', '{beat}'
                   FROM users WHERE login = 'dupont';"
            ))
            .expect("session");
    }

    let mut harness = centre_now(&ws, ScreenId::Restauration);
    ask_to_restore(&mut harness, &archive);
    click(&mut harness, "Restaurer la sauvegarde");
    assert!(shows_part(&harness, "Dupont sur POSTE-COMPTA"));
    assert!(shows_part(&harness, "la base est utilisée"));
    assert_eq!(payslips(&store), before, "the store is as it was");
    assert!(restore::safety_copies(&store).is_empty());
}

#[test]
fn a_damaged_file_is_refused_and_the_store_untouched() {
    let ws = workstation();
    let store = store_with_payroll(&ws);
    let archive = backup_now(&ws);
    delete_some_payslips(&store);
    let before = payslips(&store);
    // A copy of the backup with one byte flipped in the middle.
    let damaged = ws.home.root().join("copie-abimee.iea.zip");
    let mut bytes = std::fs::read(&archive).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&damaged, bytes).expect("write");

    let mut harness = centre_now(&ws, ScreenId::Restauration);
    set_field(
        &mut harness,
        "Fichier de sauvegarde",
        &damaged.display().to_string(),
    );
    click(&mut harness, "Restaurer ce fichier");
    assert!(shows(&harness, "Restaurer cette sauvegarde ?"));
    assert!(shows_part(&harness, "copie-abimee.iea.zip"));
    click(&mut harness, "Restaurer la sauvegarde");

    assert!(shows_part(&harness, "refusée avant toute modification"));
    assert!(!shows_part(&harness, "s'est déroulée avec succès"));
    assert_eq!(payslips(&store), before, "the store is as it was");
    assert!(restore::safety_copies(&store).is_empty());
}

#[test]
fn a_missing_file_is_said_before_any_confirmation() {
    let ws = workstation();
    store_with_payroll(&ws);
    let mut harness = centre_now(&ws, ScreenId::Restauration);
    set_field(
        &mut harness,
        "Fichier de sauvegarde",
        &ws.home.root().join("absente.iea.zip").display().to_string(),
    );
    click(&mut harness, "Restaurer ce fichier");
    assert!(shows(&harness, "Ce fichier est introuvable."));
    assert!(!shows(&harness, "Restaurer cette sauvegarde ?"));
}

#[test]
fn a_folder_is_not_taken_for_a_backup_file() {
    let ws = workstation();
    store_with_payroll(&ws);
    let mut harness = centre_now(&ws, ScreenId::Restauration);
    set_field(
        &mut harness,
        "Fichier de sauvegarde",
        &ws.home.root().display().to_string(),
    );
    click(&mut harness, "Restaurer ce fichier");
    assert!(shows(
        &harness,
        "Ce chemin désigne un dossier, pas un fichier."
    ));
    assert!(!shows(&harness, "Restaurer cette sauvegarde ?"));
}

#[test]
fn restauration_snapshot() {
    let ws = fixed_workstation("restauration");
    store_with_payroll(&ws);
    let folder = backup_folder(&ws);
    add_script(&ws, daily("Quotidienne", now().date_naive(), &folder));
    for (day, size) in [(9, 181_000), (10, 182_500), (11, 184_320)] {
        let name = format!("Quotidienne-202611{day:02}-230004.iea.zip");
        std::fs::write(folder.join(name), vec![0_u8; size]).expect("backup");
    }
    let mut harness = centre_now(&ws, ScreenId::Restauration);
    click(&mut harness, "Quotidienne");
    let newest = harness
        .query_all_by_label_contains("11/11/2026 23:00:04")
        .count();
    assert_eq!(newest, 1);
    click(
        &mut harness,
        &messages::stored_backup_line(
            chrono::NaiveDate::from_ymd_opt(2026, 11, 11)
                .and_then(|d| d.and_hms_opt(23, 0, 4))
                .expect("date"),
            184_320,
        ),
    );
    snapshot(&mut harness, "restauration");
}
