//! The closing itself: totals kept, closed rows read-only, cancel, and the store
//! held for the closing alone while it runs.

use std::sync::{Arc, Barrier};

use iea_maintenance::backup::run::run_due;
use iea_maintenance::closing::{
    self, CloseRequest, ClosingError, ClosingStep, close_year, closing_in_progress,
};
use iea_maintenance::jobs::{Cancel, JobError, NoProgress, Phase, Progress};
use iea_maintenance::messages;
use iea_maintenance::store::{Store, StoreError};

use crate::{DOSSIER_ID, Install, YEAR, text};

const REQ: CloseRequest = CloseRequest {
    dossier_id: DOSSIER_ID,
    year: YEAR,
};

#[test]
fn closing_keeps_every_count_and_every_cent() {
    let install = Install::ready(20_000);
    let (closed, before) = install.year();
    assert!(!closed);
    assert!(before.payslips > 1000, "{before:?}");
    assert!(before.declarations > 0, "{before:?}");
    let all_payslips = install.count("SELECT count(*) FROM payslips");
    let report = close_year(
        &install.home,
        &install.store(),
        &REQ,
        true,
        &NoProgress,
        &Cancel::new(),
    )
    .expect("close");
    assert_eq!(report.totals, before);
    assert_eq!(report.payslips_moved, before.payslips);
    assert_eq!(report.declarations_moved, before.declarations);
    let (closed, after) = install.year();
    assert!(closed);
    assert_eq!(
        after, before,
        "the closed year's totals are the open year's"
    );
    assert_eq!(
        install.count("SELECT count(*) FROM payslips")
            + install.count("SELECT count(*) FROM closed_payslips"),
        all_payslips
    );
    assert_eq!(
        install.count(
            "SELECT count(*) FROM payslips WHERE period BETWEEN '2025-01' AND '2025-12'
             AND employer_id IN (SELECT id FROM employers WHERE dossier_id = 1)"
        ),
        0
    );
    assert_eq!(
        install.count("SELECT count(*) FROM audit_log WHERE action = 'exercise.closed'"),
        1
    );
    assert_eq!(install.integrity(), "ok");
    let text = messages::close_report_text(&report);
    assert!(
        text.contains("relancer le processus de sauvegarde automatique"),
        "{text}"
    );
    // The command line lists it, closed, with the same totals.
    let out = install.cli(&["exercises", "list", "--dossier", crate::DOSSIER, "--json"]);
    assert!(out.status.success(), "{}", crate::text(&out));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let year = list
        .as_array()
        .expect("array")
        .iter()
        .find(|x| x["year"] == YEAR)
        .expect("year");
    assert_eq!(year["closed"], true);
    assert_eq!(year["totals"]["gross_cents"], before.gross_cents);
    assert_eq!(year["totals"]["net_cents"], before.net_cents);
    assert_eq!(year["totals"]["payslips"], before.payslips);
    // A second closing of the same year is refused.
    assert!(matches!(
        close_year(
            &install.home,
            &install.store(),
            &REQ,
            false,
            &NoProgress,
            &Cancel::new()
        ),
        Err(ClosingError::AlreadyClosed { .. })
    ));
}

#[test]
fn closed_rows_refuse_every_change() {
    let install = Install::new(5_000);
    close_year(
        &install.home,
        &install.store(),
        &REQ,
        false,
        &NoProgress,
        &Cancel::new(),
    )
    .expect("close");
    let store = Store::open(&install.store()).expect("open");
    let c = store.connection();
    for sql in [
        "UPDATE closed_payslips SET gross_cents = gross_cents + 1",
        "DELETE FROM closed_payslips",
        "UPDATE closed_declarations SET total_cents = 0",
        "DELETE FROM closed_declarations",
        "UPDATE exercises SET state = 'ouvert', closed_at = NULL WHERE year = 2025 AND dossier_id = 1",
        "DELETE FROM exercises WHERE year = 2025 AND dossier_id = 1",
        "INSERT INTO payslips (employer_id, employee_id, contract_id, period, gross_cents,
             employee_contrib_cents, employer_contrib_cents, net_cents, pas_cents, hours_centi)
         SELECT employer_id, employee_id, id, '2025-06', 100, 0, 0, 100, 0, 0 FROM contracts
         WHERE employer_id IN (SELECT id FROM employers WHERE dossier_id = 1)
         LIMIT 1",
        "UPDATE payslips SET period = '2025-' || substr(period, 6) WHERE id = (SELECT p.id FROM payslips p
             JOIN employers e ON e.id = p.employer_id WHERE e.dossier_id = 1 AND p.period LIKE '2024-%' LIMIT 1)",
    ] {
        let e = c.execute_batch(sql).map_err(|e| store.err(e));
        match e {
            Err(e @ StoreError::ClosedExercise { .. }) => {
                let french = messages::store_error(&e).what;
                assert!(
                    french.contains("Exercice clôturé : les bulletins et déclarations d'un exercice clôturé ne peuvent plus être modifiés."),
                    "{french}"
                );
            }
            other => panic!("accepted or wrongly refused: {sql}: {other:?}"),
        }
    }
    // Open years stay editable.
    c.execute_batch("UPDATE payslips SET hours_centi = hours_centi WHERE period LIKE '2024-%'")
        .expect("open year");
}

/// Every kind of write a plain SQLite connection can make to the closed year,
/// without the program's settings (no foreign keys, no recursive triggers).
fn writes_to_the_closed_year(c: &rusqlite::Connection) -> Vec<String> {
    let one = |sql: &str| -> String {
        c.query_row(sql, [], |r| r.get::<_, String>(0))
            .expect("a row to aim at")
    };
    // A closed payslip, copied with one more euro of gross (and net).
    let payslip = one(
        "SELECT id || ', ' || exercise_id || ', ' || employer_id || ', ' || employee_id || ', ' ||
                contract_id || ', ''' || period || ''', ' || (gross_cents + 100) || ', ' ||
                employee_contrib_cents || ', ' || employer_contrib_cents || ', ' ||
                (net_cents + 100) || ', ' || pas_cents || ', ' || hours_centi
         FROM closed_payslips ORDER BY id LIMIT 1",
    );
    let payslip_cols = "(id, exercise_id, employer_id, employee_id, contract_id, period, \
         gross_cents, employee_contrib_cents, employer_contrib_cents, net_cents, pas_cents, \
         hours_centi)";
    // A new payslip for the closed year: a new id, a month its contract has not.
    let new_payslip = one(
        "SELECT (SELECT max(id) + 1000000 FROM closed_payslips) || ', ' || x.id || ', ' ||
                c.employer_id || ', ' || c.employee_id || ', ' || c.id ||
                ', ''2025-01'', 100, 0, 0, 100, 0, 0'
         FROM contracts c JOIN employers e ON e.id = c.employer_id
         JOIN exercises x ON x.dossier_id = e.dossier_id AND x.year = 2025
             AND x.state = 'cloture'
         WHERE NOT EXISTS (SELECT 1 FROM closed_payslips p
                           WHERE p.contract_id = c.id AND p.period = '2025-01')
         LIMIT 1",
    );
    // The same closed payslip's id, but said to belong to an open exercise.
    let moved_payslip = one(
        "SELECT p.id || ', ' || o.id || ', ' || p.employer_id || ', ' || p.employee_id || ', ' ||
                p.contract_id || ', ''' || p.period || ''', 1, 0, 0, 1, 0, 0'
         FROM closed_payslips p, exercises o WHERE o.state = 'ouvert'
         ORDER BY p.id LIMIT 1",
    );
    let declaration = one(
        "SELECT id || ', ' || exercise_id || ', ' || employer_id || ', ''' || period || ''', ''' ||
                status || ''', ' || quote(deposited_at) || ', ' || (total_cents + 100)
         FROM closed_declarations ORDER BY id LIMIT 1",
    );
    let new_declaration = one(
        "SELECT (SELECT max(id) + 1000000 FROM closed_declarations) || ', ' || x.id || ', ' ||
                e.id || ', ''2025-01'', ''a_deposer'', NULL, 100'
         FROM employers e
         JOIN exercises x ON x.dossier_id = e.dossier_id AND x.year = 2025
             AND x.state = 'cloture'
         WHERE NOT EXISTS (SELECT 1 FROM closed_declarations d
                           WHERE d.employer_id = e.id AND d.period = '2025-01')
         LIMIT 1",
    );
    let declaration_cols =
        "(id, exercise_id, employer_id, period, status, deposited_at, total_cents)";
    let exercise = one(
        "SELECT id || ', ' || dossier_id || ', ' || year FROM exercises
         WHERE state = 'cloture' LIMIT 1",
    );
    vec![
        "UPDATE closed_payslips SET gross_cents = gross_cents + 1".to_owned(),
        "DELETE FROM closed_payslips".to_owned(),
        format!("INSERT INTO closed_payslips {payslip_cols} VALUES ({new_payslip})"),
        format!("INSERT OR REPLACE INTO closed_payslips {payslip_cols} VALUES ({payslip})"),
        format!("REPLACE INTO closed_payslips {payslip_cols} VALUES ({payslip})"),
        format!("INSERT OR REPLACE INTO closed_payslips {payslip_cols} VALUES ({moved_payslip})"),
        format!(
            "INSERT INTO closed_payslips {payslip_cols} VALUES ({payslip})
             ON CONFLICT (id) DO UPDATE SET gross_cents = excluded.gross_cents,
                 net_cents = excluded.net_cents"
        ),
        "UPDATE closed_declarations SET total_cents = 0".to_owned(),
        "DELETE FROM closed_declarations".to_owned(),
        format!("INSERT INTO closed_declarations {declaration_cols} VALUES ({new_declaration})"),
        format!(
            "INSERT OR REPLACE INTO closed_declarations {declaration_cols} VALUES ({declaration})"
        ),
        format!("REPLACE INTO closed_declarations {declaration_cols} VALUES ({declaration})"),
        format!(
            "INSERT INTO closed_declarations {declaration_cols} VALUES ({declaration})
             ON CONFLICT (id) DO UPDATE SET total_cents = excluded.total_cents"
        ),
        format!(
            "INSERT OR REPLACE INTO exercises (id, dossier_id, year, state, closed_at)
             VALUES ({exercise}, 'ouvert', NULL)"
        ),
        format!(
            "INSERT INTO exercises (id, dossier_id, year, state, closed_at)
             VALUES ({exercise}, 'ouvert', NULL)
             ON CONFLICT (dossier_id, year) DO UPDATE SET state = 'ouvert', closed_at = NULL"
        ),
    ]
}

/// The Python program that plays the same writes (one per line of its standard
/// input) with Python's own sqlite3 module and prints how many were accepted.
const PYTHON_WRITER: &str = "\
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
accepted = 0
for sql in sys.stdin.read().split('\\n;;\\n'):
    if not sql.strip():
        continue
    try:
        c.execute(sql)
        accepted += 1
        print('accepted:', sql, file=sys.stderr)
    except sqlite3.DatabaseError as e:
        if 'IEA_EXERCICE_CLOTURE' not in str(e):
            print('refused for another reason:', sql, e, file=sys.stderr)
            accepted += 1
print(accepted)
";

/// Regression: INSERT OR REPLACE rewrote a closed payslip (SQLite fires no DELETE
/// trigger on REPLACE), and a plain INSERT added rows to a closed year, from any
/// SQLite connection.
#[test]
fn closed_year_rewritten_by_insert_or_replace_is_refused_by_the_store() {
    use std::io::Write as _;

    let install = Install::new(5_000);
    close_year(
        &install.home,
        &install.store(),
        &REQ,
        false,
        &NoProgress,
        &Cancel::new(),
    )
    .expect("close");
    let before = install.content();
    let totals = install.year().1;
    let c = rusqlite::Connection::open(install.store()).expect("plain connection");
    let writes = writes_to_the_closed_year(&c);
    for sql in &writes {
        match c.execute_batch(sql) {
            Err(e) if e.to_string().contains("IEA_EXERCICE_CLOTURE") => {}
            other => panic!("accepted or wrongly refused: {sql}: {other:?}"),
        }
    }
    drop(c);
    assert_eq!(install.content(), before, "the store is unchanged");
    assert_eq!(install.year(), (true, totals));

    // The same writes from Python's sqlite3, a program of its own.
    let mut python = std::process::Command::new("python3")
        .arg("-c")
        .arg(PYTHON_WRITER)
        .arg(install.store())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 (installed by .ci/setup)");
    python
        .stdin
        .take()
        .expect("stdin")
        .write_all(writes.join("\n;;\n").as_bytes())
        .expect("write the statements");
    let out = python.wait_with_output().expect("python3 ends");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "0",
        "{}",
        text(&out)
    );
    assert_eq!(install.content(), before, "the store is unchanged");
}

/// Progress that stops the job at a given step: either cancels there, or
/// waits at the barrier twice (the test looks at the store in between).
struct StopAt {
    step: ClosingStep,
    cancel: Option<Cancel>,
    barrier: Option<Arc<Barrier>>,
}

impl Progress for StopAt {
    fn phase(&self, phase: Phase, _total: u64) {
        if phase == self.step.phase() {
            if let Some(c) = &self.cancel {
                c.cancel();
            }
            if let Some(b) = &self.barrier {
                b.wait();
                b.wait();
            }
        }
    }
    fn advance(&self, _done: u64) {}
}

#[test]
fn cancel_before_the_commit_leaves_the_store_as_it_was() {
    let install = Install::new(20_000);
    let before = install.content();
    let totals = install.year();
    for step in [ClosingStep::Repair, ClosingStep::Close] {
        let cancel = Cancel::new();
        let progress = StopAt {
            step,
            cancel: Some(cancel.clone()),
            barrier: None,
        };
        let r = close_year(
            &install.home,
            &install.store(),
            &REQ,
            false,
            &progress,
            &cancel,
        );
        assert!(matches!(r, Err(ClosingError::Cancelled)), "{step:?}: {r:?}");
        assert_eq!(install.content(), before, "{step:?}");
        assert_eq!(install.year(), totals);
        assert!(!install.marker().exists());
        assert_eq!(install.integrity(), "ok");
        let french = messages::closing_error(&ClosingError::Cancelled).to_string();
        assert!(french.contains("rien n'a été modifié"), "{french}");
    }
    // Cancelling during the reindexing, after the commit, changes nothing: the
    // year is closed.
    let cancel = Cancel::new();
    let progress = StopAt {
        step: ClosingStep::Reindex,
        cancel: Some(cancel.clone()),
        barrier: None,
    };
    close_year(
        &install.home,
        &install.store(),
        &REQ,
        false,
        &progress,
        &cancel,
    )
    .expect("closed");
    assert!(install.year().0);
}

#[test]
fn the_store_is_held_for_the_closing_alone_while_it_runs() {
    let install = Install::ready(20_000);
    let barrier = Arc::new(Barrier::new(2));
    let progress = StopAt {
        step: ClosingStep::Close,
        cancel: None,
        barrier: Some(barrier.clone()),
    };
    let home = install.home.clone();
    let store_path = install.store();
    let job = std::thread::Builder::new()
        .name("cloture".to_owned())
        .spawn(move || close_year(&home, &store_path, &REQ, true, &progress, &Cancel::new()))
        .expect("thread");
    barrier.wait();
    // The closing is between its checks and its move.
    let (host, _, dossier, year) = closing_in_progress(&install.store()).expect("in progress");
    assert_eq!((dossier.as_str(), year), (crate::DOSSIER, YEAR));
    assert!(!host.is_empty());
    match Store::open(&install.store()) {
        Err(e @ StoreError::ClosingInProgress { .. }) => {
            let french = messages::store_error(&e).what;
            assert!(french.starts_with("Clôture en cours sur "), "{french}");
            assert!(
                french.contains("Réessayez quand elle sera terminée"),
                "{french}"
            );
        }
        other => panic!("the store opened during the closing: {other:?}"),
    }
    // Another process is told the same.
    let out = install.cli(&["exercises", "list"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("Clôture en cours sur"),
        "{}",
        text(&out)
    );
    // SQLite itself refuses other connections (exclusive locking mode).
    let raw = rusqlite::Connection::open(install.store()).expect("raw");
    let busy = raw.query_row("SELECT count(*) FROM payslips", [], |r| r.get::<_, i64>(0));
    assert!(busy.is_err(), "a plain connection read the store: {busy:?}");
    // A second closing and the scheduler wait.
    assert!(matches!(
        close_year(
            &install.home,
            &install.store(),
            &REQ,
            false,
            &NoProgress,
            &Cancel::new()
        ),
        Err(ClosingError::Job(JobError::AlreadyRunning { .. }))
    ));
    let due = run_due(
        &install.ctx(),
        &(chrono::Local::now() + chrono::Duration::days(30)),
        false,
        &Cancel::new(),
    )
    .expect("run due");
    assert!(due.runs.is_empty(), "{due:?}");
    assert_eq!(due.skipped_busy, ["Quotidienne"]);
    barrier.wait();
    let report = job.join().expect("join").expect("closed");
    assert!(report.payslips_moved > 0);
    assert!(closing_in_progress(&install.store()).is_none());
    assert!(!install.marker().exists());
    Store::open(&install.store()).expect("open after");
}

#[test]
fn another_connected_session_refuses_the_start() {
    let install = Install::ready(5_000);
    let now = chrono::Utc::now().to_rfc3339();
    install.sql(&format!(
        "INSERT INTO sessions (user_id, workstation_id, started_at, heartbeat_at)
         SELECT 2, id, '{now}', '{now}' FROM workstations WHERE hostname = 'POSTE-ACCUEIL'"
    ));
    let r = close_year(
        &install.home,
        &install.store(),
        &REQ,
        true,
        &NoProgress,
        &Cancel::new(),
    );
    let Err(e @ ClosingError::Prerequisites(_)) = r else {
        panic!("started with a connected session: {r:?}");
    };
    let french = messages::closing_error(&e).to_string();
    assert!(french.contains("Aucun utilisateur connecté"), "{french}");
    assert!(french.contains("POSTE-ACCUEIL"), "{french}");
    assert!(!install.year().0);
    // "Déconnecter", then it starts.
    let store = Store::open(&install.store()).expect("open");
    let found = closing::prerequisites(&install.home, &install.store(), chrono::Local::now())
        .expect("prerequisites");
    for p in found.unmet() {
        for s in p.sessions {
            // The workstation was switched off without quitting: its heartbeat
            // stops, and only then may "Déconnecter" close the session.
            store
                .connection()
                .execute(
                    "UPDATE sessions SET started_at = '2026-01-05T08:00:00+00:00', \
                     heartbeat_at = '2026-01-05T09:00:00+00:00' WHERE id = ?1",
                    [s.id],
                )
                .expect("heartbeat stops");
            iea_maintenance::store::sessions::disconnect(&store, s.id, chrono::Utc::now())
                .expect("disconnect");
        }
    }
    drop(store);
    close_year(
        &install.home,
        &install.store(),
        &REQ,
        true,
        &NoProgress,
        &Cancel::new(),
    )
    .expect("close");
}

#[test]
fn regression_exercises_list_in_text_names_each_contribution_and_the_pas() {
    let install = Install::ready(800);
    let (_, totals) = install.year();
    let out = install.cli(&["exercises", "list", "--dossier", crate::DOSSIER]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    let line = said
        .lines()
        .position(|l| l.contains(&format!(" — {YEAR} — ouvert — ")))
        .expect("the year's line");
    let amounts = said.lines().nth(line + 1).expect("the totals' line");
    for (name, cents) in [
        ("brut", totals.gross_cents),
        ("net", totals.net_cents),
        ("cotisations salariales", totals.employee_contrib_cents),
        ("cotisations patronales", totals.employer_contrib_cents),
        ("prélèvement à la source (PAS)", totals.pas_cents),
    ] {
        let expected = format!("{name} {}", messages::money(cents));
        assert!(amounts.contains(&expected), "{expected} in {amounts}");
    }
    assert!(install.close_cli().status.success());
    let said = text(&install.cli(&["exercises", "list", "--dossier", crate::DOSSIER]));
    assert!(said.contains(&format!(" — {YEAR} — clôturé le ")), "{said}");
}
