//! "Clôturer un exercice": on a real store with payslips in two years, the
//! unmet prerequisites are shown in red and "Clôturer" is greyed; the screen's
//! own fixes (a real backup, the postponement of the scripts, "Déconnecter" on a
//! session left by a crash) turn them green; the closing, once confirmed, moves
//! the year's payslips and ends on its report and the guide's reminder; the year
//! is then listed as closed with the same totals. A closing refused by the job
//! itself says why and leaves the store untouched.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Local, Utc};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use iea_maintenance::backup::RunOutcome;
use iea_maintenance::backup::book::ScriptBook;
use iea_maintenance::backup::run::{self, BackupContext, Trigger};
use iea_maintenance::jobs::{Cancel, NoProgress};
use iea_maintenance::messages;
use iea_maintenance::store::Store;
use iea_maintenance::ui::{CentreApp, ScreenId};

use crate::sauvegardes::{add_script, backup_folder, centre_now, daily, now};
use crate::support::{
    Workstation, centre, click, fixed_workstation, is_disabled, shows, shows_part, snapshot,
    store_with_payroll, workstation,
};

/// The dossier with two years: 2 payslips in 2023, 10 in 2024.
const DOSSIER: &str = "Association Les Amis du Quartier";
const YEAR_2024_OPEN: &str = "2024 — 10 bulletins — ouvert";
const YEAR_2023_OPEN: &str = "2023 — 2 bulletins — ouvert";

/// What a screen reader says for a red barred circle.
const FAILED_MARK: &str = "En échec";

/// [`store_with_payroll`] with the exercise rows of its dossier and a change in
/// the journal on 1 November 2026 (a backup must be newer).
fn closing_store(ws: &Workstation) -> PathBuf {
    let path = store_with_payroll(ws);
    let store = Store::open(&path).expect("open");
    store
        .connection()
        .execute_batch(
            "INSERT INTO exercises (dossier_id, year, state) VALUES (1, 2023, 'ouvert'), (1, 2024, 'ouvert');
             INSERT INTO audit_log (at, actor, action, detail) VALUES
               ('2026-11-01T09:00:00+00:00', 'dupont', 'bulletin', 'Bulletin 10/2026 calculé');",
        )
        .expect("rows");
    path
}

/// A session of "Dupont sur POSTE-COMPTA" whose last heartbeat was at `beat`.
fn add_session(store: &Path, beat: DateTime<Utc>) {
    let store = Store::open(store).expect("open");
    let beat = beat.to_rfc3339();
    let started = (chrono::DateTime::parse_from_rfc3339(&beat).expect("beat")
        - chrono::Duration::hours(1))
    .to_rfc3339();
    store
        .connection()
        .execute_batch(&format!(
            "INSERT INTO users (login, display_name, role, password_hash, created_at)
               VALUES ('dupont', 'Dupont', 'gestionnaire', '$argon2id$x', '2026-01-01T00:00:00Z');
             INSERT INTO workstations (id, hostname) VALUES
               ('11111111-1111-1111-1111-111111111111', 'POSTE-COMPTA');
             INSERT INTO sessions (user_id, workstation_id, started_at, heartbeat_at)
               SELECT id, '11111111-1111-1111-1111-111111111111', '{started}', '{beat}'
               FROM users WHERE login = 'dupont';"
        ))
        .expect("session");
}

/// A good backup by the script `name` of `ws`, made outside the screen.
fn backup_now(ws: &Workstation, name: &str) {
    let ctx = BackupContext::load(&ws.home).expect("context");
    let report =
        run::run_script(&ctx, name, Trigger::Manuel, &NoProgress, &Cancel::new()).expect("run");
    assert_eq!(report.outcome, RunOutcome::Ok, "{:?}", report.reason);
}

/// Payslips of dossier 1 still in the open table for `year`.
fn open_payslips(store: &Path, year: i32) -> i64 {
    let store = Store::open_read_only(store).expect("open");
    store
        .connection()
        .query_row(
            "SELECT count(*) FROM payslips p JOIN employers e ON e.id = p.employer_id
             WHERE e.dossier_id = 1 AND substr(p.period, 1, 4) = ?1",
            [year.to_string()],
            |r| r.get(0),
        )
        .expect("count")
}

fn failed_marks(harness: &Harness<'_, CentreApp>) -> usize {
    harness.query_all_by_label(FAILED_MARK).count()
}

/// Chooses the dossier and the year.
fn choose(harness: &mut Harness<'_, CentreApp>, year_line: &str) {
    click(harness, DOSSIER);
    click(harness, year_line);
}

#[test]
fn unmet_prerequisites_are_fixed_on_the_screen_then_the_year_is_closed() {
    let ws = workstation();
    let store = closing_store(&ws);
    let folder = backup_folder(&ws);
    // Runs every day from today: not postponed; never run: no backup.
    add_script(
        &ws,
        daily("Quotidienne", Local::now().date_naive(), &folder),
    );
    // Left behind by a crash two hours ago.
    add_session(&store, Utc::now() - chrono::Duration::hours(2));

    // The real clock: the job checks the prerequisites again with it.
    let mut harness = centre(&ws, ScreenId::Cloture);
    choose(&mut harness, YEAR_2024_OPEN);
    assert!(shows(&harness, "Prérequis à la clôture d'exercice"));
    assert_eq!(failed_marks(&harness), 3, "backup, postponement, session");
    assert!(is_disabled(&harness, "Clôturer"));
    assert!(shows_part(&harness, "prérequis ne sont pas remplis"));
    assert!(shows_part(
        &harness,
        "Impact emploi doit être fermé sur tous les postes"
    ));

    click(&mut harness, "Sauvegarder maintenant");
    assert_eq!(failed_marks(&harness), 2, "the backup is made");
    click(&mut harness, "Repousser toutes les sauvegardes de 2 jours");
    assert_eq!(failed_marks(&harness), 1, "the scripts are postponed");
    click(&mut harness, "Déconnecter Dupont sur POSTE-COMPTA");
    assert_eq!(failed_marks(&harness), 0, "nobody is connected");
    assert!(!is_disabled(&harness, "Clôturer"));

    click(&mut harness, "Clôturer");
    assert!(shows(&harness, "Clôturer l'exercice 2024 ?"));
    assert!(shows(&harness, &format!("Dossier : {DOSSIER}")));
    assert!(shows_part(&harness, "1ère étape : Arrêt du serveur"));
    assert!(shows_part(&harness, "3ème étape : Réindexation de la base"));
    assert_eq!(
        open_payslips(&store, 2024),
        10,
        "nothing before the confirmation"
    );
    click(&mut harness, "Clôturer l'exercice");

    // The end screen.
    assert!(shows_part(&harness, "est clôturé"), "the end screen");
    assert!(shows(&harness, "Bulletins transférés"));
    assert!(shows(&harness, "10"));
    let gross = messages::money(10 * 200_000);
    assert!(shows(&harness, &gross));
    assert!(shows(&harness, &messages::money(10 * 156_000)));
    assert!(shows(
        &harness,
        "Une fois la clôture effectuée, merci de relancer le processus de sauvegarde automatique."
    ));
    assert_eq!(open_payslips(&store, 2024), 0, "the payslips were moved");
    assert_eq!(
        open_payslips(&store, 2023),
        2,
        "the other year is untouched"
    );
    assert!(
        matches!(
            harness.state().ctx().store,
            iea_maintenance::ui::StoreState::Open(_)
        ),
        "the store is open again"
    );

    // "Relancer les sauvegardes automatiques" clears the postponement.
    click(&mut harness, "Relancer les sauvegardes automatiques");
    let book = ScriptBook::load(&ws.home).expect("scripts");
    let entry = book.get("Quotidienne").expect("script");
    assert_eq!(entry.state.postponed_until, None);

    // Back to the list: 2024 is closed, read-only, with the same totals.
    click(&mut harness, "Retour à la liste des exercices");
    let today = Local::now().format("%d/%m/%Y").to_string();
    let closed_line = format!("2024 — 10 bulletins — clôturé le {today}");
    assert!(shows(&harness, &closed_line), "{closed_line}");
    assert!(
        is_disabled(&harness, &closed_line),
        "a closed year cannot be chosen"
    );
    assert!(shows(&harness, "Exercices clôturés (consultation)"));
    assert!(shows(&harness, &gross));
    assert!(shows(&harness, YEAR_2023_OPEN));
}

#[test]
fn a_closing_refused_by_the_job_says_why_and_leaves_the_store_untouched() {
    let ws = workstation();
    let store = closing_store(&ws);
    let folder = backup_folder(&ws);
    let mut script = daily("Manuelle", Local::now().date_naive(), &folder);
    script.enabled = false;
    add_script(&ws, script);
    backup_now(&ws, "Manuelle");

    let mut harness = centre(&ws, ScreenId::Cloture);
    choose(&mut harness, YEAR_2023_OPEN);
    assert_eq!(failed_marks(&harness), 0, "every prerequisite is met");
    // Someone opens Impact emploi after the check.
    add_session(&store, Utc::now());
    click(&mut harness, "Clôturer");
    click(&mut harness, "Clôturer l'exercice");

    assert!(!shows(&harness, "Bulletins transférés"));
    assert!(failed_marks(&harness) >= 1, "the failure is shown in red");
    assert_eq!(open_payslips(&store, 2023), 2, "the store is untouched");
    click(&mut harness, "Retour à la liste des exercices");
    assert!(shows(&harness, YEAR_2023_OPEN));
    assert!(shows_part(&harness, "Dupont sur POSTE-COMPTA"));
}

#[test]
fn cloture_snapshot() {
    let ws = fixed_workstation("cloture");
    let store = closing_store(&ws);
    let folder = backup_folder(&ws);
    add_script(&ws, daily("Quotidienne", now().date_naive(), &folder));
    add_session(
        &store,
        DateTime::parse_from_rfc3339("2026-11-12T07:00:00+00:00")
            .expect("beat")
            .with_timezone(&Utc),
    );
    let mut harness = centre_now(&ws, ScreenId::Cloture);
    choose(&mut harness, YEAR_2024_OPEN);
    assert!(is_disabled(&harness, "Clôturer"));
    snapshot(&mut harness, "cloture");
}

#[test]
fn cloture_end_snapshot() {
    let ws = fixed_workstation("cloture-fin");
    let store = closing_store(&ws);
    let folder = backup_folder(&ws);
    let mut script = daily("Manuelle", now().date_naive(), &folder);
    script.enabled = false;
    add_script(&ws, script);
    backup_now(&ws, "Manuelle");

    let mut harness = centre_now(&ws, ScreenId::Cloture);
    choose(&mut harness, YEAR_2023_OPEN);
    click(&mut harness, "Clôturer");
    click(&mut harness, "Clôturer l'exercice");
    assert!(shows(&harness, "Bulletins transférés"));
    assert_eq!(open_payslips(&store, 2023), 0);
    snapshot(&mut harness, "cloture-fin");
}
