//! SIGKILL of `close-year --yes` at many instants over its duration: after each,
//! the next start settles the marker and says which way it went, and the year
//! is either open with all its rows or closed with all of them — totals
//! unchanged, store whole, marker gone.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{BIN, Install, YEAR, text};

fn spawn(install: &Install) -> Child {
    Command::new(BIN)
        .args([
            "close-year",
            "--dossier",
            crate::DOSSIER,
            "--year",
            &YEAR.to_string(),
            "--yes",
        ])
        .env("IEA_HOME", install.home.root())
        .env_remove("DISPLAY")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn")
}

/// Kills `child` after `delay`, or lets it finish; says whether it was killed.
fn kill_after(mut child: Child, delay: Duration) -> bool {
    let started = Instant::now();
    while started.elapsed() < delay {
        if child.try_wait().expect("wait").is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let killed = child.kill().is_ok();
    let _ = child.wait();
    killed
}

/// The store files, to put the open year back after a closing went through.
fn save(install: &Install) -> Vec<u8> {
    // Checkpointed: the file alone is the store.
    install.sql("PRAGMA wal_checkpoint(TRUNCATE)");
    std::fs::read(install.store()).expect("read")
}

fn put_back(install: &Install, bytes: &[u8]) {
    let store = install.store();
    for suffix in ["-wal", "-shm"] {
        let mut s = store.clone().into_os_string();
        s.push(suffix);
        let _ = std::fs::remove_file(s);
    }
    std::fs::write(&store, bytes).expect("write");
}

#[test]
fn sigkill_at_any_instant_leaves_the_year_open_or_closed_whole() {
    let install = Install::ready(100_000);
    let (_, totals) = install.year();
    let pristine = save(&install);
    // Two whole closings, timed, to spread the kills over the duration of the
    // faster one (the first runs with cold caches: on a loaded machine it can
    // take twice as long as the next, and most kills then land after the end).
    let mut full = Duration::MAX;
    for _ in 0..2 {
        let started = Instant::now();
        let out = install.close_cli();
        assert!(out.status.success(), "{}", text(&out));
        full = full.min(started.elapsed());
        put_back(&install, &pristine);
    }

    let kills = 16u32;
    let (mut killed, mut untouched, mut completed) = (0, 0, 0);
    for i in 0..kills {
        let had_marker_before = install.marker().exists();
        assert!(!had_marker_before);
        // Spread over 1.25 times the measured duration: on a loaded machine a
        // closing takes longer than the one timed, and the last kills must still
        // land after the commit.
        if kill_after(spawn(&install), full * 5 * (i + 1) / (4 * (kills + 1))) {
            killed += 1;
        }
        let marker_left = install.marker().exists();
        // The next start settles it and says which.
        let status = install.cli(&["status"]);
        let said = text(&status);
        assert!(
            !install.marker().exists(),
            "kill {i}: marker left after a start"
        );
        assert_eq!(install.integrity(), "ok", "kill {i}");
        let (closed, now) = install.year();
        assert_eq!(now, totals, "kill {i}: totals changed");
        let year_open_rows = install.count(
            "SELECT count(*) FROM payslips p JOIN employers e ON e.id = p.employer_id
             WHERE e.dossier_id = 1 AND p.period BETWEEN '2025-01' AND '2025-12'",
        );
        let year_closed_rows = install.count(
            "SELECT count(*) FROM closed_payslips c JOIN exercises x ON x.id = c.exercise_id
             WHERE x.dossier_id = 1 AND x.year = 2025",
        );
        if closed {
            completed += 1;
            assert_eq!(
                (year_open_rows, year_closed_rows),
                (0, totals.payslips as i64),
                "kill {i}"
            );
            if marker_left {
                assert!(
                    said.contains("l'exercice est bien clôturé"),
                    "kill {i}: {said}"
                );
            }
            put_back(&install, &pristine);
        } else {
            untouched += 1;
            assert_eq!(
                (year_open_rows, year_closed_rows),
                (totals.payslips as i64, 0),
                "kill {i}"
            );
            if marker_left {
                assert!(
                    said.contains("la base de données est intacte"),
                    "kill {i}: {said}"
                );
            }
        }
    }
    eprintln!(
        "closing of {} payslips in {full:?}: {killed} killed, {untouched} left open, {completed} closed",
        totals.payslips
    );
    assert!(
        killed >= kills / 2,
        "only {killed} closings were killed in the middle"
    );
    assert!(
        untouched > 0 && completed > 0,
        "{untouched} open, {completed} closed"
    );
}
