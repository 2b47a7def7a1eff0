//! "Journal": the lines of the daily log files, newest last, with a filter.

use crate::support::{
    centre, click, fixed_workstation, set_field, shows, store_with_payroll, workstation,
};
use iea_maintenance::ui::ScreenId;

const DAY_1: &str = "2025-03-03T09:12:01.000000Z  INFO démarrage process=\"service\" version=\"3.1.0\"\n\
2025-03-03T09:12:02.000000Z  INFO icône de notification affichée\n";
const DAY_2: &str = "2025-03-04T08:00:00.000000Z  INFO démarrage process=\"centre\" version=\"3.1.0\"\n\
2025-03-04T08:00:05.000000Z  WARN base de données inaccessible error=folder not found: /mnt/partage\n\
2025-03-04T08:01:00.000000Z  INFO base de données active changée store=/srv/paie.iea\n";

fn write_logs(ws: &crate::support::Workstation) {
    let dir = ws.home.logs_dir();
    std::fs::write(dir.join("iea-maintenance.2025-03-03.log"), DAY_1).expect("day 1");
    std::fs::write(dir.join("iea-maintenance.2025-03-04.log"), DAY_2).expect("day 2");
}

#[test]
fn journal_shows_the_lines_of_the_log_files() {
    let ws = workstation();
    store_with_payroll(&ws);
    write_logs(&ws);
    let harness = centre(&ws, ScreenId::Journal);
    for line in DAY_1.lines().chain(DAY_2.lines()) {
        assert!(shows(&harness, line), "line shown: {line}");
    }
    assert!(shows(&harness, "5 lignes"));
    assert!(shows(&harness, &ws.home.logs_dir().display().to_string()));
}

#[test]
fn the_filter_keeps_matching_lines() {
    let ws = workstation();
    store_with_payroll(&ws);
    write_logs(&ws);
    let mut harness = centre(&ws, ScreenId::Journal);
    set_field(&mut harness, "Filtrer", "INACCESSIBLE");
    assert!(shows(&harness, "1 ligne sur 5"));
    assert!(shows(&harness, DAY_2.lines().nth(1).expect("line")));
    assert!(!shows(&harness, DAY_1.lines().next().expect("line")));
}

#[test]
fn actualiser_reads_new_lines() {
    let ws = workstation();
    store_with_payroll(&ws);
    write_logs(&ws);
    let mut harness = centre(&ws, ScreenId::Journal);
    let new_line = "2025-03-05T10:00:00.000000Z  INFO sauvegarde terminée";
    std::fs::write(
        ws.home.logs_dir().join("iea-maintenance.2025-03-05.log"),
        format!("{new_line}\n"),
    )
    .expect("day 3");
    assert!(!shows(&harness, new_line));
    click(&mut harness, "Actualiser");
    assert!(shows(&harness, new_line));
    assert!(shows(&harness, "6 lignes"));
}

#[test]
fn an_empty_journal_says_so() {
    let ws = workstation();
    store_with_payroll(&ws);
    let harness = centre(&ws, ScreenId::Journal);
    assert!(shows(
        &harness,
        "Le journal ne contient encore aucune ligne."
    ));
}

#[test]
fn journal_snapshot() {
    let ws = fixed_workstation("journal");
    store_with_payroll(&ws);
    write_logs(&ws);
    let mut harness = centre(&ws, ScreenId::Journal);
    crate::support::snapshot(&mut harness, "journal");
}

#[test]
fn coming_back_to_the_journal_reads_it_again() {
    let ws = workstation();
    store_with_payroll(&ws);
    write_logs(&ws);
    let mut harness = centre(&ws, ScreenId::Journal);
    let new_line = "2025-03-05T11:00:00.000000Z  INFO base de données active changée";
    std::fs::write(
        ws.home.logs_dir().join("iea-maintenance.2025-03-05.log"),
        format!("{new_line}\n"),
    )
    .expect("day 3");
    click(&mut harness, "Accueil");
    click(&mut harness, "Journal");
    assert!(shows(&harness, new_line));
}
