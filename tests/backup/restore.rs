//! Restores: the data comes back, the previous store is kept "avant
//! restauration" and can itself be restored; refusals leave the store as it was
//! (connected users, a flipped byte, a newer schema).

use chrono::Utc;
use iea_maintenance::backup::archive;
use iea_maintenance::backup::restore::{self, RestoreError, RestoreSource, SAFETY_LABEL};
use iea_maintenance::backup::run::{self, Trigger};
use iea_maintenance::backup::{Destination, RunOutcome};
use iea_maintenance::jobs::{Cancel, NoProgress};
use iea_maintenance::store::Store;

use crate::{Install, archives, lose_a_year};

fn backup_now(install: &Install) -> std::path::PathBuf {
    let folder = install.folder("Sauvegardes");
    install.add_script(
        "Quotidienne",
        5,
        Destination::Folder {
            path: folder.clone(),
        },
    );
    let r = run::run_script(
        &install.ctx(),
        "Quotidienne",
        Trigger::Manuel,
        &NoProgress,
        &Cancel::new(),
    )
    .expect("run");
    assert_eq!(r.outcome, RunOutcome::Ok, "{r:?}");
    folder.join(r.archive.expect("archive"))
}

fn store_hash(install: &Install) -> String {
    {
        let s = Store::open(&install.store()).expect("open");
        s.connection()
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .expect("checkpoint");
    }
    archive::sha256_file(&install.store()).expect("hash")
}

#[test]
fn a_restore_brings_the_data_back_and_keeps_the_previous_store() {
    let install = Install::new(2_000);
    let before = install.payslips();
    let archive_path = backup_now(&install);
    let lost = lose_a_year(&install);
    assert_eq!(install.payslips(), before - lost);

    let ctx = install.ctx();
    let kept = restore::restorable(&ctx, "Quotidienne").expect("list");
    assert_eq!(kept.len(), 1);
    let report = restore::restore(
        &ctx,
        &RestoreSource::Stored {
            script: "Quotidienne".into(),
            name: kept[0].name.clone(),
        },
        &NoProgress,
        &Cancel::new(),
    )
    .expect("restore");
    assert_eq!(install.payslips(), before, "the lost year is back");
    let safety = report.safety_copy.clone().expect("safety copy");
    assert!(safety.is_file());
    let check: String = Store::open_read_only(&install.store())
        .expect("open")
        .connection()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("check");
    assert_eq!(check, "ok");
    let success = iea_maintenance::messages::restore_success(&report);
    assert!(success.contains("s'est déroulée avec succès"), "{success}");

    // The previous store is restorable as "avant restauration".
    let copies = restore::restorable(&ctx, SAFETY_LABEL).expect("copies");
    assert_eq!(copies.len(), 1);
    restore::restore(
        &ctx,
        &RestoreSource::Safety {
            name: copies[0].name.clone(),
        },
        &NoProgress,
        &Cancel::new(),
    )
    .expect("restore the safety copy");
    assert_eq!(
        install.payslips(),
        before - lost,
        "back to the store before the restore"
    );
    assert!(archive_path.is_file(), "the backup itself is untouched");
}

#[test]
fn a_restore_is_refused_while_someone_is_connected() {
    let install = Install::new(300);
    let archive_path = backup_now(&install);
    {
        let store = Store::open(&install.store()).expect("open");
        store
            .connection()
            .execute(
                "INSERT INTO sessions (user_id, workstation_id, started_at, heartbeat_at)
                 SELECT u.id, w.id, ?1, ?1 FROM users u, workstations w
                 WHERE u.login = 'Dupont' ORDER BY w.hostname LIMIT 1",
                [Utc::now().to_rfc3339()],
            )
            .expect("session");
    }
    let hash = store_hash(&install);
    let err = restore::restore(
        &install.ctx(),
        &RestoreSource::File(archive_path),
        &NoProgress,
        &Cancel::new(),
    )
    .expect_err("refused");
    let RestoreError::Connected { sessions } = &err else {
        panic!("expected Connected, got {err:?}");
    };
    assert_eq!(sessions.len(), 1);
    let text = iea_maintenance::messages::restore_error(&err).to_string();
    assert!(text.contains(&sessions[0].user_name), "{text}");
    assert!(text.contains("n'a pas été modifiée"), "{text}");
    assert_eq!(store_hash(&install), hash);
}

#[test]
fn an_archive_with_one_flipped_byte_is_refused_before_anything_is_replaced() {
    let install = Install::new(1_000);
    let archive_path = backup_now(&install);
    let mut bytes = std::fs::read(&archive_path).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    let bad = install.dir.path().join("abimee.iea.zip");
    std::fs::write(&bad, &bytes).expect("write");
    lose_a_year(&install);
    let hash = store_hash(&install);
    let err = restore::restore(
        &install.ctx(),
        &RestoreSource::File(bad),
        &NoProgress,
        &Cancel::new(),
    )
    .expect_err("refused");
    assert!(matches!(err, RestoreError::Archive(_)), "{err:?}");
    assert_eq!(store_hash(&install), hash, "the store is untouched");
    let store_dir = install.store().parent().expect("dir").to_path_buf();
    assert!(
        archives(&store_dir)
            .iter()
            .all(|n| !n.contains("restauration") || n == "avant-restauration"),
        "nothing left beside the store: {:?}",
        archives(&store_dir)
    );
}

#[test]
fn a_backup_of_a_newer_program_is_refused() {
    let install = Install::new(200);
    let newer = install.dir.path().join("newer.iea");
    {
        let store = Store::open(&install.store()).expect("open");
        store
            .connection()
            .execute("VACUUM INTO ?1", [newer.to_string_lossy()])
            .expect("copy");
    }
    {
        let conn = rusqlite::Connection::open(&newer).expect("open copy");
        conn.pragma_update(
            None,
            "user_version",
            iea_maintenance::store::SCHEMA_VERSION + 1,
        )
        .expect("version");
    }
    // Zip it as a program from the future would.
    let staged = install.folder("futur");
    let zipped = staged.join("Futur-20300101-000000.iea.zip");
    {
        use std::io::Write;
        let file = std::fs::File::create(&zipped).expect("zip");
        let mut zip = zip::ZipWriter::new(file);
        let opts = zip::write::SimpleFileOptions::default();
        let db = std::fs::read(&newer).expect("db");
        let manifest = serde_json::json!({
            "format": 1,
            "program_version": "99.0.0",
            "schema_version": iea_maintenance::store::SCHEMA_VERSION + 1,
            "script": "Futur",
            "created_at": "2030-01-01T00:00:00Z",
            "database_sha256": sha256_hex(&db),
            "database_size": db.len(),
            "counts": {}
        });
        zip.start_file(archive::MANIFEST_ENTRY, opts)
            .expect("manifest");
        zip.write_all(manifest.to_string().as_bytes())
            .expect("write");
        zip.start_file(archive::DATABASE_ENTRY, opts)
            .expect("db entry");
        zip.write_all(&db).expect("write");
        zip.finish().expect("finish");
    }
    let hash = store_hash(&install);
    let err = restore::restore(
        &install.ctx(),
        &RestoreSource::File(zipped),
        &NoProgress,
        &Cancel::new(),
    )
    .expect_err("refused");
    assert!(
        matches!(
            err,
            RestoreError::Archive(archive::ArchiveError::TooNew { .. })
        ),
        "{err:?}"
    );
    assert_eq!(store_hash(&install), hash);
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        use std::fmt::Write as _;
        let _ = write!(out, "{b:02x}");
    }
    out
}
