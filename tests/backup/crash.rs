//! SIGKILL in the middle of a backup or a restore, at many instants: no partial
//! backup is ever listed, and the store is whole — the old one or the new one,
//! never a mix — with the safety copy present once the swap began.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use iea_maintenance::backup::Destination;
use iea_maintenance::backup::archive;
use iea_maintenance::backup::restore;
use iea_maintenance::backup::run::{self, Trigger};
use iea_maintenance::jobs::{Cancel, NoProgress};

use crate::{BIN, Install, archives, lose_a_year, text};

fn spawn(install: &Install, args: &[&str]) -> Child {
    Command::new(BIN)
        .args(args)
        .env("IEA_HOME", install.home.root())
        .env_remove("DISPLAY")
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
        std::thread::sleep(Duration::from_millis(5));
    }
    let killed = child.kill().is_ok();
    let _ = child.wait();
    killed
}

/// How long one full run takes here, to spread the kills over it.
fn timed_run(install: &Install, name: &str) -> Duration {
    let started = Instant::now();
    let r = run::run_script(
        &install.ctx(),
        name,
        Trigger::Manuel,
        &NoProgress,
        &Cancel::new(),
    )
    .expect("run");
    assert!(r.outcome.delivered(), "{r:?}");
    started.elapsed()
}

#[test]
fn sigkill_during_a_backup_never_lists_a_partial_backup() {
    let install = Install::new(60_000);
    let folder = install.folder("Sauvegardes");
    install.add_script(
        "Quotidienne",
        50,
        Destination::Folder {
            path: folder.clone(),
        },
    );
    // Two whole runs of the command that is killed, timed, to spread the kills
    // over the faster one: the first runs with cold caches, and on a loaded
    // machine it can take twice as long as the next, so that most kills land
    // after the end.
    let mut full = Duration::MAX;
    for _ in 0..2 {
        crate::next_second();
        let started = Instant::now();
        let status = spawn(&install, &["backup", "run", "Quotidienne"])
            .wait()
            .expect("wait");
        assert!(status.success(), "backup run: {status}");
        full = full.min(started.elapsed());
    }
    let payslips = install.payslips();
    let mut killed = 0;
    for i in 1..=8u32 {
        crate::next_second();
        let child = spawn(&install, &["backup", "run", "Quotidienne"]);
        if kill_after(child, full * i / 8) {
            killed += 1;
        }
        // Whatever was listed is a whole, verified backup.
        let listed = run::list_backups(&install.ctx(), "Quotidienne").expect("list");
        for b in &listed {
            archive::verify_archive(&folder.join(&b.name), &NoProgress, &Cancel::new())
                .unwrap_or_else(|e| {
                    panic!("kill {i}: listed backup {} is not whole: {e:?}", b.name)
                });
        }
        assert_eq!(install.integrity(), "ok", "kill {i}");
        assert_eq!(install.payslips(), payslips, "kill {i}");
    }
    assert!(killed >= 4, "only {killed} runs were killed in the middle");
    // The next run works: the lock died with the process, leftovers are cleaned.
    crate::next_second();
    timed_run(&install, "Quotidienne");
    let staging = install.ctx().staging_dir;
    assert!(
        archives(&staging).is_empty(),
        "staging cleaned by the next run: {:?}",
        archives(&staging)
    );
}

#[test]
fn sigkill_during_a_restore_leaves_the_old_or_the_new_store() {
    let install = Install::new(60_000);
    let folder = install.folder("Sauvegardes");
    install.add_script(
        "Quotidienne",
        5,
        Destination::Folder {
            path: folder.clone(),
        },
    );
    timed_run(&install, "Quotidienne");
    let whole = install.payslips();
    let archive_name = archives(&folder).pop().expect("archive");
    let archive_path = folder.join(&archive_name);
    let arg = archive_path.to_str().expect("utf-8").to_owned();

    // How long a restore takes here.
    lose_a_year(&install);
    let partial = install.payslips();
    let started = Instant::now();
    let o = install.cli(&["backup", "restore", "--file", &arg, "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let full = started.elapsed();

    let mut seen_old = 0;
    let mut seen_new = 0;
    for i in 1..=10u32 {
        if install.payslips() == whole {
            lose_a_year(&install);
        }
        assert_eq!(install.payslips(), partial);
        let child = spawn(&install, &["backup", "restore", "--file", &arg, "--yes"]);
        // Over 1.5 times the measured duration: on a loaded machine a restore
        // takes longer than the one timed, and some kills must land after the swap
        // (a restore that finished first counts as the new store, rightly).
        kill_after(child, full * i * 3 / 20);
        // The next start settles what was cut short.
        let o = install.cli(&["status"]);
        assert!(o.status.success(), "kill {i}: {}", text(&o));
        assert_eq!(install.integrity(), "ok", "kill {i}");
        let now = install.payslips();
        if now == whole {
            seen_new += 1;
            // The store before the restore is kept, whole.
            let copies = restore::safety_copies(&install.store());
            let newest = copies.last().expect("safety copy present");
            let conn = rusqlite::Connection::open_with_flags(
                &newest.path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            )
            .expect("copy opens");
            let n: i64 = conn
                .query_row("SELECT count(*) FROM payslips", [], |r| r.get(0))
                .expect("count");
            assert_eq!(
                n, partial,
                "kill {i}: the safety copy is the previous store"
            );
        } else {
            assert_eq!(now, partial, "kill {i}: neither old nor new");
            seen_old += 1;
        }
        assert!(
            !install.home.root().join(restore::JOURNAL_FILE).exists(),
            "kill {i}: journal settled"
        );
    }
    assert!(
        seen_old > 0 && seen_new > 0,
        "old {seen_old}, new {seen_new}"
    );
}

/// Regression: every start of any command settled "an interrupted restore"
/// without the restore lock, so a `status` (or a centre opened from the tray)
/// started while a restore swapped the store could put the old store back under
/// its feet and lose the safety copy. Commands now leave a running restore alone.
#[test]
fn commands_started_during_a_restore_never_settle_it() {
    use std::sync::atomic::{AtomicBool, Ordering};

    let install = Install::new(60_000);
    let folder = install.folder("Sauvegardes");
    install.add_script(
        "Quotidienne",
        5,
        Destination::Folder {
            path: folder.clone(),
        },
    );
    timed_run(&install, "Quotidienne");
    let whole = install.payslips();
    let archive_path = folder.join(archives(&folder).pop().expect("archive"));
    let arg = archive_path.to_str().expect("utf-8").to_owned();

    for round in 1..=6u32 {
        crate::next_second();
        lose_a_year(&install);
        let partial = install.payslips();
        let done = AtomicBool::new(false);
        let restored = std::thread::scope(|s| {
            for who in 0..4 {
                let install = &install;
                let done = &done;
                s.spawn(move || {
                    let commands: [&[&str]; 4] = [
                        &["status"],
                        &["backup", "list"],
                        &["sessions", "list"],
                        &["exercises", "list"],
                    ];
                    let mut i = who;
                    while !done.load(Ordering::Relaxed) {
                        let _ = install.cli(commands[i % commands.len()]);
                        i += 1;
                    }
                });
            }
            let o = install.cli(&["backup", "restore", "--file", &arg, "--yes"]);
            done.store(true, Ordering::Relaxed);
            o
        });
        assert_eq!(
            restored.status.code(),
            Some(0),
            "round {round}: {}",
            text(&restored)
        );
        assert_eq!(install.integrity(), "ok", "round {round}");
        assert_eq!(
            install.payslips(),
            whole,
            "round {round}: the restored store"
        );
        let copies = restore::safety_copies(&install.store());
        let newest = copies.last().expect("safety copy present");
        let conn = rusqlite::Connection::open_with_flags(
            &newest.path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .expect("copy opens");
        let n: i64 = conn
            .query_row("SELECT count(*) FROM payslips", [], |r| r.get(0))
            .expect("count");
        assert_eq!(
            n, partial,
            "round {round}: the safety copy is the previous store"
        );
        assert!(
            !install.home.root().join(restore::JOURNAL_FILE).exists(),
            "round {round}: journal cleared"
        );
    }
}

/// Regression: the restore replaced the store's file while other programs had
/// the previous one open. SQLite finds a store's `-wal` and `-shm` by its name,
/// so their log and shared index were taken for the new file's: the restore's
/// own check then read "disk I/O error" and put the old store back (seen with
/// `status` and `backup list` started during a restore). The file under the
/// store's name now never changes while a connection to it is open.
#[test]
fn regression_a_restore_never_replaces_the_store_under_an_open_connection() {
    use std::os::unix::fs::MetadataExt as _;

    let install = Install::new(20_000);
    let folder = install.folder("Sauvegardes");
    install.add_script(
        "Quotidienne",
        5,
        Destination::Folder {
            path: folder.clone(),
        },
    );
    timed_run(&install, "Quotidienne");
    let whole = install.payslips();
    let archive_path = folder.join(archives(&folder).pop().expect("archive"));
    crate::next_second();
    lose_a_year(&install);
    let inode = || std::fs::metadata(install.store()).expect("store").ino();
    let before = inode();

    // Another program has the store open, as a `status` or a centre would.
    let open = iea_maintenance::store::Store::open_read_only(&install.store()).expect("opens");
    let mut restoring = spawn(
        &install,
        &[
            "backup",
            "restore",
            "--file",
            archive_path.to_str().expect("utf-8"),
            "--yes",
        ],
    );
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        restoring.try_wait().expect("wait").is_none(),
        "the restore waits while the store is open"
    );
    assert_eq!(
        inode(),
        before,
        "the store's file was replaced under an open connection"
    );
    drop(open);
    let status = restoring.wait().expect("restore ends");
    assert!(
        status.success(),
        "the restore goes on once the store is closed"
    );
    assert_ne!(inode(), before, "the restored store is in place");
    assert_eq!(install.integrity(), "ok");
    assert_eq!(install.payslips(), whole);
}
