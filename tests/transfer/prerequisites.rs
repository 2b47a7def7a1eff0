//! Each prerequisite of seed 004 is detected on a store spoiled on purpose,
//! with the offending rows named; the installation items (backup, sessions,
//! the other workstations' services) block; a data item may be acknowledged.

use std::collections::BTreeSet;

use chrono::{Local, Utc};
use iea_maintenance::service::presence::{self, Presence};
use iea_maintenance::transfer::prereq::{DataCheck, InstallationCheck, Offence};
use iea_maintenance::transfer::{Acknowledged, Blocker, check};

use crate::install::Install;

/// The one production dossier name of the demo this test copies.
const DOSSIER: &str = "Association Les Amis du Théâtre";

/// The data items unmet on the store, with their rows.
fn unmet(install: &Install) -> Vec<(DataCheck, Vec<Offence>)> {
    let found = check(&install.home, &[install.store()], Local::now());
    found.stores[0]
        .result
        .as_ref()
        .expect("checked")
        .data
        .iter()
        .filter(|d| !d.met())
        .map(|d| (d.check, d.rows.clone()))
        .collect()
}

#[test]
fn each_data_prerequisite_is_detected_on_a_store_spoiled_on_purpose() {
    let install = Install::new(2_000);
    // The demo's own blemishes (an employer without payslip for a year and no
    // exit date, risk codes that overlap) are fixed first: the store then
    // meets every data item.
    install.sql(
        "UPDATE employers SET exit_date = '2025-06-30'
         WHERE exit_date IS NULL AND id NOT IN
           (SELECT employer_id FROM contracts WHERE end_date IS NULL OR end_date >= date('now'))
           AND id NOT IN (SELECT employer_id FROM payslips
                          WHERE period >= strftime('%Y-%m', 'now', '-12 months'));
         DELETE FROM employer_risks;
         INSERT INTO employer_risks (employer_id, risk_code, rate_bp, valid_from)
           SELECT id, '853AA', 100, '2020-01-01' FROM employers;",
    );
    assert_eq!(unmet(&install), Vec::new(), "a clean store to start from");

    // 1 and 2: a second production dossier named as the first (case and
    // spaces aside), never used.
    install.sql(&format!(
        "INSERT INTO dossiers (name, state, archived, created_at)
         VALUES ('  {}  ', 'production', 0, '2026-01-05');",
        DOSSIER.to_uppercase()
    ));
    // 3: an archived employer without « Date de sortie du dispositif ».
    install.sql("UPDATE employers SET archived = 1, exit_date = NULL WHERE id = 2;");
    // 4: a second active AT/MP risk code.
    install.sql(
        "INSERT INTO employer_risks (employer_id, risk_code, rate_bp, valid_from)
         VALUES (1, '913AC', 150, '2020-01-01');",
    );
    // 5 and 6: a production employer whose activity ended in 2019, with its
    // employee, neither archived.
    install.sql(
        "INSERT INTO employers (id, dossier_id, siret, name, ccn_code, exit_date, archived)
           VALUES (900, 1, '44306184100047', 'Club fermé de Melun', '2511', '2019-12-31', 0);
         INSERT INTO employer_risks (employer_id, risk_code, rate_bp, valid_from, valid_to)
           VALUES (900, '926CB', 120, '2015-01-01', '2019-12-31');
         INSERT INTO employees (id, employer_id, nir, last_name, first_name, birth_date)
           VALUES (900, 900, '190017512345612', 'Lefèvre', 'Jeanne', '1990-01-15');
         INSERT INTO contracts (employer_id, employee_id, kind, start_date, end_date, weekly_hours_centi)
           VALUES (900, 900, 'CDD', '2018-01-01', '2019-06-30', 2000);",
    );

    let name_of = |id: i64| -> String {
        iea_maintenance::store::Store::open_read_only(&install.store())
            .expect("open")
            .connection()
            .query_row("SELECT name FROM employers WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .expect("employer")
    };
    let (archived_one, two_codes) = (name_of(2), name_of(1));
    let found = unmet(&install);
    let checks: Vec<DataCheck> = found.iter().map(|(c, _)| *c).collect();
    assert_eq!(
        checks,
        DataCheck::ALL.to_vec(),
        "every item, in the seed's order"
    );
    let rows = |check: DataCheck| {
        found
            .iter()
            .find(|(c, _)| *c == check)
            .map(|(_, r)| r.clone())
            .unwrap_or_default()
    };
    let duplicates = rows(DataCheck::UniqueDossierNames);
    assert_eq!(duplicates.len(), 2, "{duplicates:?}");
    assert!(
        duplicates
            .iter()
            .all(|o| matches!(o, Offence::DuplicateName { same_name: 2, .. }))
    );
    assert!(matches!(
        &rows(DataCheck::UnusedDossiersInSimulation)[..],
        [Offence::UnusedProduction { dossier }] if dossier.trim() == DOSSIER.to_uppercase()
    ));
    assert!(rows(DataCheck::ExitDateSet).iter().any(|o| matches!(
        o,
        Offence::NoExitDate { employer, archived: true, .. }
            if *employer == archived_one
    )));
    assert!(rows(DataCheck::OneRiskCode).iter().any(|o| matches!(
        o,
        Offence::RiskCodes { employer, active, .. }
            if *employer == two_codes && active.len() == 2
    )));
    assert!(matches!(
        &rows(DataCheck::InactiveEmployersArchived)[..],
        [Offence::InactiveEmployer { employer, .. }] if employer == "Club fermé de Melun"
    ));
    assert!(matches!(
        &rows(DataCheck::EmployeesArchived)[..],
        [Offence::EmployeeWithoutContract { employee, last_end: Some(end), .. }]
            if employee == "LEFÈVRE Jeanne" && end == "2019-06-30"
    ));
    // The rows are said with where to fix them.
    let line = iea_maintenance::messages::offence_line(&rows(DataCheck::EmployeesArchived)[0]);
    assert!(line.contains("30/06/2019"), "{line}");

    // Acknowledged, a data item no longer blocks, and is named for the report.
    let stores = vec![install.store()];
    let found = check(&install.home, &stores, Local::now());
    let all: BTreeSet<Acknowledged> = DataCheck::ALL
        .iter()
        .map(|c| Acknowledged {
            store: install.store(),
            check: *c,
        })
        .collect();
    assert!(
        found
            .blockers(&all)
            .iter()
            .all(|b| matches!(b, Blocker::Installation(..))),
        "only the installation items are left"
    );
    assert_eq!(found.applied(&all).len(), 6);
}

#[test]
fn the_backup_sessions_and_other_services_block_and_are_named() {
    let install = Install::new(500);
    let store = install.store();
    let found = check(&install.home, std::slice::from_ref(&store), Local::now());
    let blockers = found.blockers(&BTreeSet::new());
    assert!(blockers.contains(&Blocker::Installation(
        store.clone(),
        InstallationCheck::RecentBackup
    )));

    // Dupont works on POSTE-COMPTA; POSTE-ACCUEIL's service runs; this
    // workstation's own service does not count.
    install.sql(&format!(
        "INSERT INTO users (login, display_name, role, password_hash, created_at)
           VALUES ('dupont2', 'Dupont', 'gestionnaire', '$argon2id$x', '2026-01-01T00:00:00Z');
         INSERT INTO workstations (id, hostname) VALUES
           ('11111111-1111-1111-1111-111111111111', 'POSTE-COMPTA');
         INSERT INTO sessions (user_id, workstation_id, started_at, heartbeat_at)
           SELECT id, '11111111-1111-1111-1111-111111111111', '{now}', '{now}'
           FROM users WHERE login = 'dupont2';",
        now = Utc::now().to_rfc3339()
    ));
    let other = Presence {
        workstation_id: uuid::Uuid::from_u128(0xACC0),
        hostname: "POSTE-ACCUEIL".into(),
        pid: 4242,
        version: "3.1.0".into(),
        heartbeat_at: Utc::now(),
    };
    presence::announce(&store, &other).expect("other service");
    let me = iea_maintenance::installation::Installation::load_or_create(&install.home)
        .expect("identity");
    presence::announce(&store, &presence::of_this_service(me.workstation_id)).expect("mine");

    let found = check(&install.home, std::slice::from_ref(&store), Local::now());
    let findings = found.stores[0].result.as_ref().expect("checked");
    let connected: Vec<String> = findings
        .installation
        .connected()
        .iter()
        .map(|s| iea_maintenance::messages::session_who(s))
        .collect();
    assert_eq!(connected, ["Dupont sur POSTE-COMPTA"]);
    let services: Vec<&str> = findings
        .installation
        .running_services()
        .iter()
        .map(|s| s.presence.hostname.as_str())
        .collect();
    assert_eq!(
        services,
        ["POSTE-ACCUEIL"],
        "this workstation's service is not listed"
    );
    let blockers = found.blockers(&BTreeSet::new());
    for item in [
        InstallationCheck::RecentBackup,
        InstallationCheck::NobodyConnected,
        InstallationCheck::NoOtherService,
    ] {
        assert!(
            blockers.contains(&Blocker::Installation(store.clone(), item)),
            "{item:?}"
        );
    }
    // Acknowledging data items never lifts them.
    let all: BTreeSet<Acknowledged> = DataCheck::ALL
        .iter()
        .map(|c| Acknowledged {
            store: store.clone(),
            check: *c,
        })
        .collect();
    assert_eq!(found.blockers(&all).len(), 3);
}
