//! Accueil shows the true figures of the active store, read in the background,
//! and reads them again on "Actualiser".

mod ui_support;

use egui_kittest::kittest::Queryable;
use iea_maintenance::store::Store;
use iea_maintenance::ui::ScreenId;
use ui_support::{centre, click, fixed_workstation, shows, store_with_payroll, workstation};

#[test]
fn accueil_shows_the_counts_of_the_store() {
    let ws = workstation();
    let path = store_with_payroll(&ws);
    let harness = centre(&ws, ScreenId::Accueil);

    assert!(
        shows(&harness, &path.display().to_string()),
        "store path shown"
    );
    for name in ["Association Les Amis du Quartier", "Club de foot Essai"] {
        assert!(shows(&harness, name), "dossier {name} shown");
    }
    assert!(shows(&harness, "Production"));
    assert!(shows(&harness, "Simulation"));
    // Dossier 1: 1 active employer of 2, 3 employees, 12 payslips, 11/2023–06/2024.
    assert!(shows(&harness, "1 / 2"));
    assert!(shows(&harness, "12"));
    // 11/2023: first period of dossier 1 and of the total line.
    assert_eq!(harness.query_all_by_label("11/2023").count(), 2);
    // Dossier 2: 1 of 1, one payslip in 01/2024 (first and last period).
    assert!(shows(&harness, "1 / 1"));
    assert_eq!(harness.query_all_by_label("01/2024").count(), 2);
    // Totals.
    assert!(shows(&harness, "Total (2 dossiers)"));
    assert!(shows(&harness, "2 / 3"));
    assert!(shows(&harness, "4"));
    assert!(shows(&harness, "13"));
    // 06/2024: last period of dossier 1 and of the total line.
    assert_eq!(harness.query_all_by_label("06/2024").count(), 2);
    assert!(shows(&harness, "Connexion au serveur non vérifiée"));
}

#[test]
fn actualiser_reads_the_store_again() {
    let ws = workstation();
    let path = store_with_payroll(&ws);
    let mut harness = centre(&ws, ScreenId::Accueil);
    assert!(shows(&harness, "13"));
    // Another program adds a payslip for 07/2024.
    {
        let store = Store::open(&path).expect("open");
        store
            .connection()
            .execute(
                "INSERT INTO payslips (employer_id, employee_id, contract_id, period, gross_cents,
                    employee_contrib_cents, employer_contrib_cents, net_cents, pas_cents, hours_centi)
                 VALUES (1, 1, 1, '2024-07', 200000, 44000, 60000, 156000, 0, 15167)",
                [],
            )
            .expect("payslip");
    }
    assert!(!shows(&harness, "14"));
    click(&mut harness, "Actualiser");
    assert!(shows(&harness, "14"), "new total after Actualiser");
    assert_eq!(harness.query_all_by_label("07/2024").count(), 2);
}

#[test]
fn an_empty_store_says_it_has_no_dossier() {
    let ws = workstation();
    std::fs::create_dir_all(ws.store_path().parent().expect("parent")).expect("folder");
    drop(Store::create(&ws.store_path()).expect("create"));
    let harness = centre(&ws, ScreenId::Accueil);
    assert!(shows(&harness, "Cette base ne contient aucun dossier."));
}

#[test]
fn accueil_snapshot() {
    let ws = fixed_workstation("accueil");
    store_with_payroll(&ws);
    let mut harness = centre(&ws, ScreenId::Accueil);
    ui_support::snapshot(&mut harness, "accueil");
}
