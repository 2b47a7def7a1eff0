//! Store diagnostics against real stores and real writers: a share that goes away
//! and comes back, and a diagnosis running while another connection keeps
//! writing (it must never take a busy store for a damaged one).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use iea_maintenance::diagnostics::{Conclusion, Finding, FolderProblem, StoreProblem, diagnose};
use iea_maintenance::messages;
use iea_maintenance::store::Store;

#[test]
fn a_share_that_goes_away_then_comes_back() {
    let root = tempfile::tempdir().expect("tempdir");
    let share = root.path().join("partage");
    std::fs::create_dir(&share).expect("mkdir");
    let path = share.join("impact-emploi.iea");
    drop(Store::create(&path).expect("create"));
    assert_eq!(diagnose(&path).conclusion, Conclusion::Healthy);

    // The share is "disconnected": its folder disappears.
    let away = root.path().join("ailleurs");
    std::fs::rename(&share, &away).expect("unplug");
    let d = diagnose(&path);
    match &d.conclusion {
        Conclusion::FolderUnreachable {
            folder, problem, ..
        } => assert_eq!(
            (folder.as_path(), *problem),
            (share.as_path(), FolderProblem::Missing)
        ),
        other => panic!("expected an unreachable folder, got {other:?}"),
    }
    let next = messages::conclusion(&d);
    assert_eq!(next.title, "Base de données inaccessible");
    assert!(
        next.todo
            .contains("contactez votre informaticien pour réactiver les accès au répertoire"),
        "{next:#?}"
    );
    let report = messages::diagnosis_report(&d);
    assert!(report.contains(&path.display().to_string()), "{report}");
    assert!(
        report.contains(&format!("✘ Dossier {} : introuvable", share.display())),
        "{report}"
    );
    assert!(!share.exists(), "diagnostics must not recreate the folder");

    std::fs::rename(&away, &share).expect("plug back");
    assert_eq!(diagnose(&path).conclusion, Conclusion::Healthy);
}

/// Keeps writing small transactions to `path` until `stop` is raised.
fn writer(path: &Path, stop: &AtomicBool, written: &AtomicU64, journal_mode: &str) {
    let store = Store::open(path).expect("open");
    let conn = store.connection();
    conn.pragma_update(None, "journal_mode", journal_mode)
        .expect("journal mode");
    let mut i = 0u64;
    while !stop.load(Ordering::SeqCst) {
        i += 1;
        // A busy moment (the diagnosis reading) is not an error for the writer.
        if conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                (format!("cle-{i}"), "x".repeat(3000)),
            )
            .is_ok()
        {
            written.fetch_add(1, Ordering::SeqCst);
        }
    }
}

fn busy_store_is_never_called_damaged(journal_mode: &'static str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("paie.iea");
    drop(Store::create(&path).expect("create"));
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicU64::new(0));
    let handle = {
        let (path, stop, written) = (path.clone(), Arc::clone(&stop), Arc::clone(&written));
        std::thread::Builder::new()
            .name("redacteur".into())
            .spawn(move || writer(&path, &stop, &written, journal_mode))
            .expect("spawn")
    };
    while written.load(Ordering::SeqCst) < 20 {
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut conclusions = Vec::new();
    for _ in 0..3 {
        let d = diagnose(&path);
        assert!(
            matches!(
                d.conclusion,
                Conclusion::Healthy | Conclusion::Locked { .. }
            ),
            "{journal_mode}: a busy store was reported as {d:#?}"
        );
        // Waiting for the writer may fail a check as "locked", never as damage.
        for c in &d.checks {
            let damage = match &c.finding {
                Finding::OpenFailed { problem } => *problem != StoreProblem::Locked,
                Finding::Integrity { total, .. } => *total > 0,
                _ => false,
            };
            assert!(!damage, "{journal_mode}: {c:#?}");
        }
        conclusions.push(d.conclusion);
    }
    stop.store(true, Ordering::SeqCst);
    handle.join().expect("writer");
    assert!(
        written.load(Ordering::SeqCst) > 20,
        "the writer was blocked throughout"
    );
    assert_eq!(
        diagnose(&path).conclusion,
        Conclusion::Healthy,
        "after: {conclusions:?}"
    );
}

#[test]
fn a_busy_rollback_journal_store_is_never_called_damaged() {
    busy_store_is_never_called_damaged("DELETE");
}

#[test]
fn a_busy_wal_store_is_never_called_damaged() {
    busy_store_is_never_called_damaged("WAL");
}
