//! One run of a script: what arrives at the destination, the count to keep,
//! "Emplacement indisponible" and the later delivery, a damaged store, the run
//! journal, and the scheduler's due runs.

use chrono::{Duration, Local, Utc};
use iea_maintenance::backup::archive;
use iea_maintenance::backup::book::ScriptBook;
use iea_maintenance::backup::destination::{VolumeSearch, removable};
use iea_maintenance::backup::reason::RunReason;
use iea_maintenance::backup::run::{self, Trigger};
use iea_maintenance::backup::{Destination, RemovableSettings, RunOutcome};
use iea_maintenance::jobs::{Cancel, JobKind, JobLock, NoProgress};
use iea_maintenance::messages;
use iea_maintenance::store::Store;

use crate::{Install, archives, next_second};

#[test]
fn a_run_to_a_folder_leaves_one_verified_archive_and_journals_it() {
    let install = Install::new(3_000);
    let folder = install.folder("Sauvegardes");
    install.add_script(
        "Quotidienne",
        5,
        Destination::Folder {
            path: folder.clone(),
        },
    );

    let report = run::run_script(
        &install.ctx(),
        "Quotidienne",
        Trigger::Manuel,
        &NoProgress,
        &Cancel::new(),
    )
    .expect("run");
    assert_eq!(report.outcome, RunOutcome::Ok, "{report:?}");
    let names = archives(&folder);
    assert_eq!(names.len(), 1, "{names:?}");
    assert_eq!(Some(&names[0]), report.archive.as_ref());
    assert!(names[0].starts_with("Quotidienne-") && names[0].ends_with(".iea.zip"));

    // The archive is a good backup: its manifest matches the store.
    let manifest = archive::verify_archive(&folder.join(&names[0]), &NoProgress, &Cancel::new())
        .expect("verify");
    assert_eq!(manifest.counts.get("payslips").copied(), Some(3_000));
    assert_eq!(manifest.script.as_deref(), Some("Quotidienne"));

    // Nothing left in staging, the state and the store's journal know.
    let staging = install.ctx().staging_dir;
    assert!(
        archives(&staging).iter().all(|n| !n.ends_with(".iea.zip")),
        "{:?}",
        archives(&staging)
    );
    let book = ScriptBook::load(&install.home).expect("book");
    let state = &book.get("Quotidienne").expect("script").state;
    assert_eq!(state.last_outcome, Some(RunOutcome::Ok));
    assert!(state.last_good_at.is_some() && state.last_run_at.is_some());
    assert_eq!(
        install.count("SELECT count(*) FROM backup_runs WHERE script = 'Quotidienne' AND outcome = 'ok' AND archive IS NOT NULL"),
        1
    );
}

#[test]
fn only_the_newest_backups_are_kept_and_a_failed_run_removes_none() {
    let install = Install::new(500);
    let folder = install.folder("Sauvegardes");
    install.add_script(
        "Hebdo",
        2,
        Destination::Folder {
            path: folder.clone(),
        },
    );
    // A script whose name starts alike: its archives are never touched.
    install.add_script(
        "Hebdo-bis",
        1,
        Destination::Folder {
            path: folder.clone(),
        },
    );
    let ctx = install.ctx();
    let mut made = Vec::new();
    for _ in 0..3 {
        let r = run::run_script(&ctx, "Hebdo", Trigger::Manuel, &NoProgress, &Cancel::new())
            .expect("run");
        assert_eq!(r.outcome, RunOutcome::Ok, "{r:?}");
        made.push(r.archive.expect("archive"));
        next_second();
    }
    let bis = run::run_script(
        &ctx,
        "Hebdo-bis",
        Trigger::Manuel,
        &NoProgress,
        &Cancel::new(),
    )
    .expect("run");
    let mut expected = vec![
        made[1].clone(),
        made[2].clone(),
        bis.archive.expect("archive"),
    ];
    expected.sort();
    assert_eq!(archives(&folder), expected);

    // The folder goes away (renamed): the run fails, the verified archive waits
    // in staging, and the two good backups are still there once it is back.
    let moved = install.dir.path().join("Sauvegardes-renommé");
    std::fs::rename(&folder, &moved).expect("rename");
    next_second();
    let failed =
        run::run_script(&ctx, "Hebdo", Trigger::Manuel, &NoProgress, &Cancel::new()).expect("run");
    assert_eq!(failed.outcome, RunOutcome::Echec);
    assert!(failed.kept_in_staging);
    let reason = messages::run_reason(failed.reason.as_ref().expect("reason"));
    assert!(reason.contains("Emplacement indisponible"), "{reason}");
    assert!(reason.contains("conservée sur ce poste"), "{reason}");
    let pending = failed.archive.clone().expect("archive kept");
    assert!(ctx.staging_dir.join(&pending).is_file());
    assert_eq!(
        ScriptBook::load(&install.home)
            .expect("book")
            .get("Hebdo")
            .expect("script")
            .state
            .pending,
        vec![pending.clone()]
    );
    std::fs::rename(&moved, &folder).expect("back");

    // The scheduler's tick delivers what waited, even with nothing due.
    let due = run::run_due(&ctx, &Local::now(), false, &Cancel::new()).expect("due");
    assert_eq!(due.runs.len(), 1, "{due:?}");
    assert_eq!(due.runs[0].trigger, Trigger::Livraison);
    assert_eq!(due.runs[0].outcome, RunOutcome::Avertissement);
    assert!(!ctx.staging_dir.join(&pending).exists());
    let names = archives(&folder);
    assert!(names.contains(&pending), "{names:?}");
    assert!(names.contains(&made[2]), "{names:?}");
    assert!(
        !names.contains(&made[1]),
        "the oldest went once the new one was verified: {names:?}"
    );
    assert!(
        ScriptBook::load(&install.home)
            .expect("book")
            .get("Hebdo")
            .expect("script")
            .state
            .pending
            .is_empty()
    );
}

#[test]
fn the_journal_keeps_a_reason_as_a_code_and_still_reads_an_old_sentence() {
    let install = Install::new(100);
    let away = install.dir.path().join("Partage-absent");
    install.add_script("Quotidienne", 5, Destination::Folder { path: away });
    let failed = run::run_script(
        &install.ctx(),
        "Quotidienne",
        Trigger::Manuel,
        &NoProgress,
        &Cancel::new(),
    )
    .expect("run");
    assert_eq!(failed.outcome, RunOutcome::Echec, "{failed:?}");
    let reason = failed.reason.clone().expect("reason");
    assert!(
        matches!(reason, RunReason::KeptInStaging { .. }),
        "{reason:?}"
    );

    // The columns hold codes and their parameters, not sentences.
    let (stored, place): (String, String) = Store::open_read_only(&install.store())
        .expect("open")
        .connection()
        .query_row(
            "SELECT reason, destination FROM backup_runs WHERE script = 'Quotidienne'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("row");
    let place: serde_json::Value = serde_json::from_str(&place).expect("JSON");
    assert_eq!(place["code"], "folder", "{place}");
    let value: serde_json::Value = serde_json::from_str(&stored).expect("JSON");
    assert_eq!(value["code"], "kept_in_staging", "{stored}");
    assert_eq!(value["params"]["fault"]["code"], "missing", "{stored}");
    assert!(!stored.contains("Emplacement indisponible"), "{stored}");

    // A row written by an older version holds a French sentence: shown as written.
    let old = "Emplacement indisponible : le dossier « /mnt/serveur » est introuvable.";
    Store::open(&install.store())
        .expect("open")
        .connection()
        .execute(
            "INSERT INTO backup_runs (script, trigger, started_at, ended_at, destination,
                 archive, size_bytes, outcome, reason)
             VALUES ('Quotidienne', 'automatique', '2020-01-01T23:00:00+00:00',
                 '2020-01-01T23:00:05+00:00', '/mnt/serveur', NULL, NULL, 'echec', ?1)",
            [old],
        )
        .expect("old row");

    let store = Store::open_read_only(&install.store()).expect("open");
    let runs = run::journaled_runs(&store, "Quotidienne").expect("journal");
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert_eq!(runs[0].reason, Some(RunReason::Legacy { text: old.into() }));
    assert_eq!(
        messages::run_reason(runs[0].reason.as_ref().expect("old reason")),
        old
    );
    assert_eq!(runs[1].reason.as_ref(), Some(&reason));
    assert_eq!(runs[1].outcome, Some(RunOutcome::Echec));
    assert_eq!(
        messages::run_reason(&reason),
        messages::run_reason(runs[1].reason.as_ref().expect("reason")),
        "the sentence is made again from the stored facts"
    );
}

#[test]
fn a_damaged_store_gives_a_failure_and_no_archive() {
    let install = Install::new(300);
    let folder = install.folder("Sauvegardes");
    install.add_script(
        "Quotidienne",
        5,
        Destination::Folder {
            path: folder.clone(),
        },
    );
    // Overwrite a page in the middle of the file: the store is damaged.
    let store = install.store();
    {
        let s = Store::open(&store).expect("open");
        s.connection()
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;")
            .expect("checkpoint");
    }
    let mut bytes = std::fs::read(&store).expect("read");
    let page = 4096;
    // Break the b-tree headers of a few pages in the middle of the file.
    let pages = bytes.len() / page;
    for n in [pages / 3, pages / 2, 2 * pages / 3] {
        for b in &mut bytes[n * page..n * page + 12] {
            *b = 0xFF;
        }
    }
    std::fs::write(&store, &bytes).expect("write");
    let r = run::run_script(
        &install.ctx(),
        "Quotidienne",
        Trigger::Manuel,
        &NoProgress,
        &Cancel::new(),
    )
    .expect("run");
    assert_eq!(r.outcome, RunOutcome::Echec, "{r:?}");
    assert!(archives(&folder).is_empty(), "{:?}", archives(&folder));
    assert!(r.reason.is_some());
}

#[test]
fn a_second_run_at_the_same_time_is_refused() {
    let install = Install::new(100);
    let folder = install.folder("Sauvegardes");
    install.add_script("Quotidienne", 5, Destination::Folder { path: folder });
    let _held = JobLock::acquire(&install.home, JobKind::Backup).expect("lock");
    let err = run::run_script(
        &install.ctx(),
        "Quotidienne",
        Trigger::Manuel,
        &NoProgress,
        &Cancel::new(),
    )
    .expect_err("refused");
    assert!(matches!(err, run::RunError::Job(_)), "{err:?}");
}

#[test]
fn the_scheduler_runs_a_missed_backup_once_and_not_in_assistance_mode() {
    let install = Install::new(200);
    let folder = install.folder("Sauvegardes");
    install.add_script(
        "Quotidienne",
        5,
        Destination::Folder {
            path: folder.clone(),
        },
    );
    // The script should have run ten days ago and every day since.
    ScriptBook::modify(&install.home, |book| {
        let e = book.get_mut("Quotidienne").expect("script");
        e.script.start_date = Local::now().date_naive() - Duration::days(10);
        Ok(())
    })
    .expect("date");
    let ctx = install.ctx();
    let now = Local::now();

    let skipped = run::run_due(&ctx, &now, true, &Cancel::new()).expect("due");
    assert_eq!(
        skipped.skipped_for_assistance,
        vec!["Quotidienne".to_owned()]
    );
    assert!(skipped.runs.is_empty() && archives(&folder).is_empty());

    let due = run::run_due(&ctx, &now, false, &Cancel::new()).expect("due");
    assert_eq!(due.runs.len(), 1, "ten missed days make one run: {due:?}");
    assert_eq!(due.runs[0].outcome, RunOutcome::Ok);
    let again = run::run_due(&ctx, &Local::now(), false, &Cancel::new()).expect("due");
    assert!(again.runs.is_empty(), "{again:?}");
    assert_eq!(archives(&folder).len(), 1);
    let state = ScriptBook::load(&install.home)
        .expect("book")
        .get("Quotidienne")
        .expect("s")
        .state
        .clone();
    assert!(state.last_run_at.expect("ran") <= Utc::now());
}

#[test]
fn a_removable_disk_is_found_where_it_is_mounted_now() {
    let install = Install::new(200);
    let mount_a = install.folder("media-a");
    let on_key = mount_a.join("IEA");
    std::fs::create_dir_all(&on_key).expect("folder on key");
    let search = VolumeSearch {
        extra_roots: vec![mount_a.clone()],
    };
    let settings: RemovableSettings = removable::mark(&on_key, &search).expect("mark");
    install.add_script("Clé", 3, Destination::Removable(settings));

    let mut ctx = install.ctx();
    ctx.search = search;
    let r =
        run::run_script(&ctx, "Clé", Trigger::Manuel, &NoProgress, &Cancel::new()).expect("run");
    assert_eq!(r.outcome, RunOutcome::Ok, "{r:?}");
    assert_eq!(
        archives(&on_key)
            .iter()
            .filter(|n| n.ends_with(".iea.zip"))
            .count(),
        1
    );

    // Unplugged: "Emplacement indisponible", the archive waits.
    let mount_b = install.dir.path().join("media-b");
    std::fs::rename(&mount_a, &mount_b).expect("unplug");
    next_second();
    let r =
        run::run_script(&ctx, "Clé", Trigger::Manuel, &NoProgress, &Cancel::new()).expect("run");
    assert_eq!(r.outcome, RunOutcome::Echec);
    assert!(r.kept_in_staging, "{r:?}");

    // Plugged in again at another place: found by its marker, delivered.
    ctx.search = VolumeSearch {
        extra_roots: vec![mount_b.clone()],
    };
    let delivered = run::deliver_pending(&ctx, &Cancel::new()).expect("deliver");
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    assert!(delivered[0].outcome.delivered());
    assert_eq!(
        archives(&mount_b.join("IEA"))
            .iter()
            .filter(|n| n.ends_with(".iea.zip"))
            .count(),
        2
    );
}
