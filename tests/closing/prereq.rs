//! Each unmet prerequisite refuses the start, with its French, on the command
//! line; with all of them met the closing goes through.

use iea_maintenance::closing::{self, PrerequisiteKind};
use iea_maintenance::messages;
use iea_maintenance::service::persist::PersistedState;
use iea_maintenance::service::state::ConnectionState;
use iea_maintenance::store::Store;

use crate::{Install, text};

/// The unmet prerequisites, as the library sees them.
fn unmet(install: &Install) -> Vec<PrerequisiteKind> {
    closing::prerequisites(&install.home, &install.store(), chrono::Local::now())
        .expect("prerequisites")
        .unmet()
        .into_iter()
        .map(|p| p.kind)
        .collect()
}

/// The command line refuses, names the prerequisite and leaves the year open.
fn refused(install: &Install, kind: PrerequisiteKind, words: &str) {
    assert_eq!(unmet(install), [kind]);
    let out = install.close_cli();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains(&format!("✘ {}", messages::prerequisite_label(kind))),
        "{said}"
    );
    assert!(said.contains(words), "{said}");
    assert!(!install.year().0, "closed despite: {said}");
}

#[test]
fn each_unmet_prerequisite_refuses_the_start_with_its_message() {
    let install = Install::new(5_000);
    // The demo as built: no backup at all, its leftover session.
    assert_eq!(
        unmet(&install),
        [
            PrerequisiteKind::RecentBackup,
            PrerequisiteKind::NobodyConnected
        ]
    );
    let out = install.close_cli();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("Aucune sauvegarde vérifiée"), "{said}");
    assert!(said.contains("session interrompue"), "{said}");

    // The leftover session alone.
    install.add_daily_script("Quotidienne");
    install.backup_now("Quotidienne");
    install.postpone("Quotidienne", 3);
    refused(&install, PrerequisiteKind::NobodyConnected, "POSTE-PAIE-01");
    install.sql("DELETE FROM sessions");

    // A change after the last backup.
    crate::next_second();
    Store::open(&install.store())
        .expect("open")
        .audit("Dupont", "payslip.updated", "Bulletin corrigé")
        .expect("audit");
    refused(
        &install,
        PrerequisiteKind::RecentBackup,
        "la base a été modifiée depuis",
    );
    install.backup_now("Quotidienne");
    // The run after a postponement clears it: postpone again.
    install.postpone("Quotidienne", 3);

    // A script not postponed.
    install.add_daily_script("Hebdomadaire");
    refused(
        &install,
        PrerequisiteKind::BackupsPostponed,
        "« Hebdomadaire »",
    );
    install.postpone("Hebdomadaire", 2);

    // The licence withdrawn.
    let mut state = PersistedState::load(&install.home);
    state.set_connection(
        ConnectionState::LicenceRefused {
            message: "Licence retirée".to_owned(),
        },
        "test",
    );
    state.save(&install.home).expect("state");
    refused(&install, PrerequisiteKind::LicenceValid, "Licence retirée");
    state.set_connection(ConnectionState::Connected, "test");
    state.save(&install.home).expect("state");

    // Without --yes and without a terminal: asked for --yes.
    let out = install.cli(&["close-year", "--dossier", crate::DOSSIER, "--year", "2025"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--yes"));

    // All met: it goes through.
    assert!(unmet(&install).is_empty());
    let (_, before) = install.year();
    let out = install.close_cli();
    assert!(out.status.success(), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["payslips_moved"], before.payslips);
    assert_eq!(report["declarations_moved"], before.declarations);
    assert_eq!(report["totals"]["gross_cents"], before.gross_cents);
    assert_eq!(report["steps"].as_array().map(Vec::len), Some(3));
    let (closed, after) = install.year();
    assert!(closed);
    assert_eq!(after, before);
}

#[test]
fn a_session_left_by_a_crash_is_closed_from_the_command_line_and_an_active_one_is_not() {
    let install = Install::new(500);
    // The demo's leftover session: listed as interrupted, named in the refusal
    // with the command that closes it.
    let out = install.cli(&["sessions", "list", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let list = json["sessions"].as_array().expect("sessions");
    assert_eq!(list.len(), 1, "{json}");
    assert_eq!(list[0]["active"], false);
    let id = list[0]["id"].as_i64().expect("id");
    let said = text(&install.close_cli());
    assert!(
        said.contains(&format!("iea-maintenance sessions disconnect {id}")),
        "{said}"
    );

    // An active session (a heartbeat just now) is not closed.
    install.sql(&format!(
        "UPDATE sessions SET heartbeat_at = '{}' WHERE id = {id}",
        chrono::Utc::now().to_rfc3339()
    ));
    let out = install.cli(&["sessions", "disconnect", &id.to_string()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("est active"), "{}", text(&out));
    assert_eq!(install.count("SELECT count(*) FROM sessions"), 1);

    // Once stale again, it is closed.
    install.sql(&format!(
        "UPDATE sessions SET heartbeat_at = started_at WHERE id = {id}"
    ));
    let out = install.cli(&["sessions", "disconnect", &id.to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("fermée"), "{}", text(&out));
    assert_eq!(install.count("SELECT count(*) FROM sessions"), 0);
    let out = install.cli(&["sessions", "disconnect", &id.to_string()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}

#[test]
fn regression_close_year_on_a_closed_year_says_it_is_already_closed() {
    let install = Install::ready(500);
    let out = install.close_cli();
    assert!(out.status.success(), "{}", text(&out));
    // The closing's own audit line is newer than the last backup: the
    // prerequisites would now say the store changed since. What is asked
    // comes first.
    let out = install.close_cli();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("Exercice déjà clôturé"), "{said}");
    assert!(
        said.contains(&format!(
            "L'exercice {} du dossier « {} » est déjà clôturé.",
            crate::YEAR,
            crate::DOSSIER
        )),
        "{said}"
    );
    assert!(!said.contains("modifiée depuis"), "{said}");
    assert!(!said.contains("Prérequis"), "{said}");
}

#[test]
fn regression_a_year_without_data_is_not_found_before_the_prerequisites() {
    // The demo as built: prerequisites unmet (no backup, a leftover session).
    let install = Install::new(500);
    assert!(!unmet(&install).is_empty());
    let out = install.cli(&[
        "close-year",
        "--dossier",
        crate::DOSSIER,
        "--year",
        "1999",
        "--yes",
    ]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("Exercice introuvable"), "{said}");
    assert!(
        said.contains("n'a ni bulletin ni déclaration en 1999"),
        "{said}"
    );
    assert!(!said.contains("Prérequis"), "{said}");
}

#[test]
fn regression_the_closing_refusal_gives_the_command_beside_the_screen() {
    let install = Install::new(500);
    install.sql("DELETE FROM sessions");
    install.add_daily_script("Quotidienne");
    let out = install.cli(&[
        "close-year",
        "--dossier",
        crate::DOSSIER,
        "--year",
        &crate::YEAR.to_string(),
        "--yes",
    ]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    // The screen's words stay, and the command is beside them.
    assert!(said.contains("« Sauvegarder / Restaurer »"), "{said}");
    assert!(
        said.contains("En ligne de commande : iea-maintenance backup run Quotidienne"),
        "{said}"
    );
    assert!(
        said.contains("En ligne de commande : iea-maintenance backup postpone --all --days 2"),
        "{said}"
    );

    // The commands given are the ones that meet the prerequisites.
    crate::next_second();
    for args in [
        &["backup", "run", "Quotidienne"][..],
        &["backup", "postpone", "--all", "--days", "2"][..],
    ] {
        let out = install.cli(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
    }
    let out = install.cli(&[
        "close-year",
        "--dossier",
        crate::DOSSIER,
        "--year",
        &crate::YEAR.to_string(),
        "--yes",
    ]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    // And the closing's end says how to relaunch the automatic backups.
    assert!(
        said.contains("En ligne de commande : iea-maintenance backup resume --all"),
        "{said}"
    );
    let out = install.cli(&["backup", "resume", "--all"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(unmet(&install).contains(&PrerequisiteKind::BackupsPostponed));
}
