//! « Mise à jour de la base de données » on the demo store made as the
//! previous schema made it: a verified backup first, then the migration; every
//! employer gets the OPCO its collective agreement gives (archived dossiers
//! included), and "Rapport mise à jour caisses OPCO.txt" — on the desktop and
//! kept under `IEA_HOME` — lists exactly the employers the test's own SQL finds
//! without a correspondence. Sessions block it; a store two versions behind
//! goes through each step; a newer store is refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use iea_maintenance::demo::{DemoOptions, build_demo_at_schema};
use iea_maintenance::jobs::{Cancel, NoProgress};
use iea_maintenance::store::{SCHEMA_VERSION, Store};
use iea_maintenance::updates::UpdateDirs;
use iea_maintenance::updates::database::{self, DatabaseUpdateError};
use iea_maintenance::updates::report::REPORT_FILE_NAME;
use rusqlite::Connection;

use crate::updates::{UpdatePeer, Workstation, stderr, stdout};

/// A workstation whose store is the demo store of schema `schema` (2 000
/// payslips), with a desktop folder named by its `user-dirs.dirs`.
fn workstation_with_demo(peer: &UpdatePeer, schema: u32) -> Workstation {
    let ws = Workstation::new(peer);
    build_demo_at_schema(
        &ws.home,
        &ws.home.default_store_path(),
        &DemoOptions {
            payslips: 2_000,
            seed: 7,
            overwrite: false,
        },
        schema,
        &NoProgress,
        &Cancel::new(),
    )
    .expect("demo store");
    let config = ws.dir.path().join("config");
    std::fs::create_dir_all(&config).expect("config folder");
    std::fs::write(
        config.join("user-dirs.dirs"),
        "XDG_DESKTOP_DIR=\"$HOME/Bureau\"\n",
    )
    .expect("user-dirs.dirs");
    ws
}

fn desktop(ws: &Workstation) -> PathBuf {
    ws.dir.path().join("Bureau")
}

/// Adds employers whose agreement is closed (2395) or unknown (7777), one in
/// the archived dossier.
fn add_rare_agreements(store: &Path) {
    let conn = Connection::open(store).expect("open");
    let archived: i64 = conn
        .query_row(
            "SELECT id FROM dossiers WHERE archived = 1 LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("an archived dossier");
    conn.execute_batch(&format!(
        "INSERT INTO employers (dossier_id, siret, name, ccn_code, opco, archived) VALUES
           (1, '11111111100011', 'Relais assistantes maternelles des Lilas', '2395', 'AGEFOS PME', 0),
           (1, '11111111100029', 'Association des pêcheurs du lac', '7777', NULL, 0),
           ({archived}, '11111111100037', 'Crèche parentale Les Petits Pas', '2395', 'AGEFOS PME', 1);"
    ))
    .expect("rare agreements");
}

/// What the test expects of every employer, from its own reading of the seed
/// and of the store before the update: (name, siret) -> expected OPCO.
fn expected_opco(store: &Path) -> BTreeMap<i64, Option<String>> {
    let conn = Connection::open(store).expect("open");
    let mut stmt = conn
        .prepare("SELECT id, ccn_code, opco FROM employers")
        .expect("prepare");
    stmt.query_map([], |r| {
        let id: i64 = r.get(0)?;
        let ccn: String = r.get(1)?;
        let before: Option<String> = r.get(2)?;
        let after = match ccn.as_str() {
            "2511" => Some("AFDAS".to_owned()),
            "1518" | "1261" | "2941" => Some("OPCO Cohésion sociale".to_owned()),
            "0413" => Some("OPCO Santé".to_owned()),
            "9999" => Some("caisse non répertoriée".to_owned()),
            _ => before,
        };
        Ok((id, after))
    })
    .expect("query")
    .collect::<Result<_, _>>()
    .expect("rows")
}

/// The employers without correspondence, by the test's own SQL: no agreement,
/// or one the seed's list does not give an OPCO.
fn expected_unmatched(store: &Path) -> Vec<(String, String)> {
    let conn = Connection::open(store).expect("open");
    let mut stmt = conn
        .prepare(
            "SELECT name, siret FROM employers
             WHERE ccn_code NOT IN ('2511', '1518', '1261', '2941', '0413')
             ORDER BY siret",
        )
        .expect("prepare");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

fn opco_now(store: &Path) -> BTreeMap<i64, Option<String>> {
    let conn = Connection::open(store).expect("open");
    let mut stmt = conn
        .prepare("SELECT id, opco FROM employers")
        .expect("prepare");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

#[test]
fn the_opco_migration_on_the_demo_store_gives_every_employer_its_opco_and_reports_the_others() {
    let peer = UpdatePeer::start();
    let ws = workstation_with_demo(&peer, 4);
    let store = ws.home.default_store_path();
    add_rare_agreements(&store);
    let expected = expected_opco(&store);
    let unmatched = expected_unmatched(&store);
    assert!(
        unmatched.len() >= 4,
        "9999 employers and the rare ones: {unmatched:?}"
    );
    assert!(
        expected.len() > unmatched.len(),
        "most employers have a correspondence"
    );
    // Opening it as before would have migrated it silently: now it says so.
    assert!(matches!(
        Store::open(&store),
        Err(iea_maintenance::store::StoreError::NeedsUpdate { found: 4, .. })
    ));

    let out = ws.run(&["update", "database", "--yes"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let said = stdout(&out);
    assert!(
        said.contains(
            "La base de données a été mise à jour (de la version de base 4 à la version 6)."
        ),
        "{said}"
    );
    assert!(
        said.contains(&format!(
            "Correspondance OPCO : {} employeur(s) sans correspondance",
            unmatched.len()
        )),
        "{said}"
    );

    // Every employer, archived ones included, has the expected OPCO.
    assert_eq!(opco_now(&store), expected);
    let migrated = Store::open(&store).expect("opens now");
    assert_eq!(migrated.schema_version().expect("version"), SCHEMA_VERSION);
    assert!(migrated.integrity_problems().expect("check").is_empty());
    drop(migrated);

    // The report: on the desktop, and kept; exactly the employers found by SQL.
    let report = std::fs::read_to_string(desktop(&ws).join(REPORT_FILE_NAME))
        .expect("report on the desktop");
    let listed: Vec<&str> = report.lines().filter(|l| l.starts_with("  - ")).collect();
    assert_eq!(listed.len(), unmatched.len(), "{report}");
    for (name, siret) in &unmatched {
        assert!(
            report.contains(&format!("  - {name} (SIRET {siret}")),
            "{name} missing:\n{report}"
        );
    }
    assert!(
        report.contains("CCN 2395 clôturée le 31/12/2021 : OPCO inchangé (AGEFOS PME)"),
        "{report}"
    );
    assert!(
        report.contains("CCN 7777 absente de la table de correspondance"),
        "{report}"
    );
    assert!(
        report.contains("mention « caisse non répertoriée »"),
        "{report}"
    );
    assert!(
        report.contains("(archivé)"),
        "archived dossiers are in the report:\n{report}"
    );
    let kept: Vec<PathBuf> = std::fs::read_dir(UpdateDirs::of(&ws.home).reports_dir())
        .expect("kept reports")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(std::fs::read_to_string(&kept[0]).expect("kept"), report);

    // The backup taken before: verified, of the store as it was.
    let backups: Vec<PathBuf> = std::fs::read_dir(UpdateDirs::of(&ws.home).backups_dir())
        .expect("backups")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    let manifest =
        iea_maintenance::backup::archive::verify_archive(&backups[0], &NoProgress, &Cancel::new())
            .expect("verified backup");
    assert_eq!(manifest.schema_version, 4);
    assert_eq!(manifest.script.as_deref(), Some(database::BACKUP_LABEL));

    // Asked again: nothing to do.
    let out = ws.run(&["update", "database", "--yes"]);
    assert!(out.status.success());
    assert!(
        stdout(&out).contains("La base de données est à jour (version de base 6)"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_store_two_versions_behind_goes_through_each_step() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    let store = ws.home.default_store_path();
    std::fs::create_dir_all(store.parent().expect("folder")).expect("dir");
    Store::create_older(&store, 3).expect("schema 3");
    let done = database::update_database(
        &ws.home,
        Some(&ws.dir.path().join("Bureau")),
        &NoProgress,
        &Cancel::new(),
    )
    .expect("update");
    assert_eq!((done.from, done.to), (3, SCHEMA_VERSION));
    assert_eq!(done.steps, [4, 5, 6]);
    assert!(done.backup.is_some());
}

#[test]
fn a_connected_session_blocks_the_update_and_names_who() {
    let peer = UpdatePeer::start();
    let ws = workstation_with_demo(&peer, 4);
    let store = ws.home.default_store_path();
    {
        let conn = Connection::open(&store).expect("open");
        conn.execute(
            "UPDATE sessions SET heartbeat_at = ?1 WHERE id = (SELECT min(id) FROM sessions)",
            [chrono::Utc::now().to_rfc3339()],
        )
        .expect("a live session");
    }
    match database::update_database(
        &ws.home,
        Some(&ws.dir.path().join("Bureau")),
        &NoProgress,
        &Cancel::new(),
    ) {
        Err(DatabaseUpdateError::SessionsOpen { sessions }) => {
            assert!(!sessions.is_empty());
            let said = iea_maintenance::messages::database_update_error(
                &DatabaseUpdateError::SessionsOpen {
                    sessions: sessions.clone(),
                },
            );
            assert!(said.what.contains(&sessions[0].hostname), "{said:?}");
        }
        other => panic!("expected the sessions to block it, got {other:?}"),
    }
    let conn = Connection::open(&store).expect("open");
    let version: u32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("version");
    assert_eq!(version, 4, "untouched");
    assert!(
        !UpdateDirs::of(&ws.home).backups_dir().exists(),
        "no backup either"
    );
}

#[test]
fn a_store_newer_than_the_program_is_refused() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    let store = ws.home.default_store_path();
    std::fs::create_dir_all(store.parent().expect("folder")).expect("dir");
    drop(Store::create(&store).expect("store"));
    Connection::open(&store)
        .expect("open")
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .expect("newer");
    let out = ws.run(&["update", "database", "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("Base de données trop récente"),
        "{}",
        stderr(&out)
    );
}

/// Regression: the restore checked what it restored by opening it for
/// writing, which an older store refuses since opening no longer migrates: the
/// backup taken before a database update could not be restored (« La base
/// restaurée ne correspond pas… ») and the old store was put back. It is now
/// restored as it is, then updated again after its own backup.
#[test]
fn the_backup_taken_before_a_database_update_is_restored_then_updated_again() {
    let peer = UpdatePeer::start();
    let ws = workstation_with_demo(&peer, 5);
    let store = ws.home.default_store_path();
    let done =
        database::update_database(&ws.home, Some(&desktop(&ws)), &NoProgress, &Cancel::new())
            .expect("update");
    let backup = done.backup.expect("the backup taken before");
    assert_eq!(
        Store::open(&store)
            .expect("updated")
            .schema_version()
            .expect("version"),
        SCHEMA_VERSION
    );

    let out = ws.run(&[
        "backup",
        "restore",
        "--file",
        backup.to_str().expect("utf-8"),
        "--yes",
    ]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert!(matches!(
        Store::open(&store),
        Err(iea_maintenance::store::StoreError::NeedsUpdate { found: 5, .. })
    ));
    let out = ws.run(&["update", "database", "--yes"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(
        Store::open(&store)
            .expect("updated again")
            .schema_version()
            .expect("version"),
        SCHEMA_VERSION
    );
}
