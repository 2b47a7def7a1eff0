//! « Installer » without the desktop: the program's own binary built to report
//! the next version replaces the program after its self-check, the previous
//! one kept; a binary that fails its self-check leaves the old one in place;
//! installing waits for every workstation to be closed; « update rollback »
//! puts the previous one back, and is refused once the store was updated
//! beyond what the previous version knows.

use std::io::Read as _;
use std::time::{Duration, Instant};

use iea_maintenance::store::Store;
use iea_maintenance::updates::install::{InstallRecord, InstallState, previous_path};

use crate::updates::{
    TestKey, UpdatePeer, Workstation, example, fresh_manifest, package_of, package_of_bytes,
    release, stderr, stdout,
};

/// Publishes 3.2.0 whose package holds `package`.
fn publish(peer: &UpdatePeer, version: &str, package: &[u8]) {
    peer.put("paquet.zip", package.to_vec());
    peer.publish(
        &fresh_manifest(3, &[release(version, "paquet.zip", package)]),
        &TestKey::project(),
    );
}

fn files_of(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn the_next_version_replaces_the_program_and_the_previous_one_is_kept() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    publish(&peer, "3.2.0", &package_of(&example("version-suivante")));
    assert_eq!(ws.program_version(), "3.1.0");
    let out = ws.run(&["update", "install", "--yes"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let said = stdout(&out);
    assert!(
        said.contains("La version 3.2.0 est installée (à la place de la version 3.1.0)."),
        "{said}"
    );
    assert_eq!(ws.program_version(), "3.2.0");
    let previous = previous_path(&ws.program);
    assert_eq!(
        std::fs::read(&previous).expect("previous kept"),
        std::fs::read(crate::updates::BIN).expect("original")
    );
    assert_eq!(
        files_of(&ws.app_dir()),
        ["iea-maintenance", "iea-maintenance.precedent"],
        "nothing half-written left beside the program"
    );
    let record = InstallRecord::load(&ws.home).expect("record");
    assert_eq!(record.state, InstallState::Confirmed);
    assert_eq!(
        (record.from_version.as_str(), record.to_version.as_str()),
        ("3.1.0", "3.2.0")
    );

    // The way back, asked by hand from the new version.
    let out = ws.run(&["update", "rollback", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out)
            .contains("La version 3.1.0 a été remise en place (à la place de la version 3.2.0)."),
        "{}",
        stdout(&out)
    );
    assert_eq!(ws.program_version(), "3.1.0");
    assert!(matches!(
        InstallRecord::load(&ws.home).expect("record").state,
        InstallState::RolledBack { .. }
    ));
}

#[test]
fn a_binary_that_gives_another_version_fails_its_self_check_and_changes_nothing() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    // The package says 3.3.0; its binary answers 3.2.0.
    publish(&peer, "3.3.0", &package_of(&example("version-suivante")));
    let before = std::fs::read(&ws.program).expect("program");
    let out = ws.run(&["update", "install", "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("Nouveau programme refusé"), "{err}");
    assert!(
        err.contains("le programme actuel est resté en place"),
        "{err}"
    );
    assert_eq!(std::fs::read(&ws.program).expect("program"), before);
    assert_eq!(files_of(&ws.app_dir()), ["iea-maintenance"]);
    assert!(InstallRecord::load(&ws.home).is_none());
}

#[test]
fn a_binary_that_does_not_run_fails_its_self_check_and_changes_nothing() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    // The start of a real binary, cut: it cannot run.
    let whole = std::fs::read(example("version-suivante")).expect("binary");
    publish(&peer, "3.2.0", &package_of_bytes(&whole[..whole.len() / 3]));
    let before = std::fs::read(&ws.program).expect("program");
    let out = ws.run(&["update", "install", "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("Nouveau programme refusé"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&ws.program).expect("program"), before);
    assert_eq!(files_of(&ws.app_dir()), ["iea-maintenance"]);
}

#[test]
fn an_older_version_or_one_out_of_reach_is_refused() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    let package = package_of_bytes(b"inutile");
    peer.put("paquet.zip", package.clone());
    let mut far = release("4.0.0", "paquet.zip", &package);
    far["min_version"] = "3.5.0".into();
    let old = release("3.0.9", "paquet.zip", &package);
    peer.publish(&fresh_manifest(4, &[far, old]), &TestKey::project());
    let out = ws.run(&["update", "install", "4.0.0", "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("La version 4.0.0 ne s'installe que sur la version 3.5.0"),
        "{}",
        stderr(&out)
    );
    let out = ws.run(&["update", "install", "3.0.9", "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("n'est pas plus récente que la version installée"),
        "{}",
        stderr(&out)
    );
    assert_eq!(ws.program_version(), "3.1.0");
}

/// A store at `ws`'s default place with one user and one workstation.
fn store_with_a_session(ws: &Workstation, heartbeat: chrono::DateTime<chrono::Utc>) {
    std::fs::create_dir_all(ws.home.default_store_path().parent().expect("folder")).expect("dir");
    let store = Store::create(&ws.home.default_store_path()).expect("store");
    store
        .connection()
        .execute_batch(
            "INSERT INTO users (login, display_name, role, password_hash, created_at)
               VALUES ('martin', 'Martin', 'gestionnaire', '$argon2id$x', '2026-01-01T00:00:00Z');
             INSERT INTO workstations (id, hostname) VALUES
               ('22222222-2222-2222-2222-222222222222', 'POSTE-ACCUEIL');",
        )
        .expect("rows");
    store
        .connection()
        .execute(
            "INSERT INTO sessions (user_id, workstation_id, started_at, heartbeat_at)
             VALUES (1, '22222222-2222-2222-2222-222222222222', ?1, ?1)",
            [heartbeat.to_rfc3339()],
        )
        .expect("session");
}

#[test]
fn installing_waits_until_every_workstation_is_closed() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    publish(&peer, "3.2.0", &package_of(&example("version-suivante")));
    store_with_a_session(&ws, chrono::Utc::now());
    let mut child = ws
        .command(&["update", "install", "--yes"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("install");
    let mut err = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0_u8; 4096];
        while let Ok(n) = err.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut said = String::new();
    let deadline = Instant::now() + Duration::from_mins(1);
    while !said.contains("Martin sur POSTE-ACCUEIL") && Instant::now() < deadline {
        if let Ok(bytes) = rx.recv_timeout(Duration::from_millis(200)) {
            said.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    assert!(
        said.contains("En attente de la fermeture d'Impact emploi sur ces postes"),
        "{said}"
    );
    // Still waiting: nothing replaced.
    std::thread::sleep(Duration::from_secs(2));
    assert!(child.try_wait().expect("wait").is_none());
    assert_eq!(ws.program_version(), "3.1.0");
    // Martin quits Impact emploi: his session ends.
    Store::open(&ws.home.default_store_path())
        .expect("store")
        .connection()
        .execute("DELETE FROM sessions", [])
        .expect("session ends");
    let status = child.wait().expect("install ends");
    assert!(status.success());
    assert_eq!(ws.program_version(), "3.2.0");
}

#[test]
fn the_way_back_is_refused_once_the_store_was_updated_beyond_the_previous_version() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    publish(&peer, "3.2.0", &package_of(&example("version-suivante")));
    std::fs::create_dir_all(ws.home.default_store_path().parent().expect("folder")).expect("dir");
    drop(Store::create(&ws.home.default_store_path()).expect("store"));
    let out = ws.run(&["update", "install", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Both builds here know schema 6: the record is given what an older
    // previous version would have known (schema 4), as after a release that
    // brought a migration.
    let path = iea_maintenance::updates::UpdateDirs::of(&ws.home).install_record();
    let mut record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("record")).expect("json");
    record["from_schema"] = 4.into();
    std::fs::write(&path, serde_json::to_vec(&record).expect("json")).expect("record");
    let out = ws.run(&["update", "rollback", "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("Retour impossible : base déjà mise à jour"),
        "{err}"
    );
    assert!(
        err.contains("la version 3.1.0 ne connaît que la version de base 4"),
        "{err}"
    );
    assert_eq!(ws.program_version(), "3.2.0", "nothing changed");
}
