//! SIGKILL at many instants of a download, an installation and a database
//! update. Afterwards a package with its final name is always a verified one,
//! the program is always a whole binary of the old or the new version, and the
//! store is whole at its old or its new version, never between.

use std::process::Stdio;
use std::time::Duration;

use iea_maintenance::demo::{DemoOptions, build_demo_at_schema};
use iea_maintenance::jobs::{Cancel, NoProgress};
use iea_maintenance::store::{SCHEMA_VERSION, Store};
use iea_maintenance::updates::download::package_path;
use rusqlite::Connection;

use crate::updates::{
    Fault, TestKey, UpdatePeer, Workstation, example, fresh_manifest, package_of, release,
    sha256_hex, stderr,
};

/// Runs `args` on `ws` and kills it (SIGKILL) after `after`; whether it had
/// ended by itself.
fn kill_after(ws: &Workstation, args: &[&str], after: Duration) -> bool {
    let mut child = ws
        .command(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start");
    std::thread::sleep(after);
    let ended = child.try_wait().expect("wait").is_some();
    let _ = child.kill();
    let _ = child.wait();
    ended
}

#[test]
fn a_download_killed_anywhere_never_leaves_an_unverified_package() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    let bytes: Vec<u8> = (0..3_000_000_u32).map(|i| (i % 253) as u8).collect();
    peer.put("paquet.zip", bytes.clone());
    peer.publish(
        &fresh_manifest(1, &[release("3.2.0", "paquet.zip", &bytes)]),
        &TestKey::project(),
    );
    peer.set_fault(Fault::Slow(Duration::from_millis(15)));
    let target = package_path(&ws.home, "3.2.0");
    for i in 0..12_u64 {
        kill_after(
            &ws,
            &["update", "download"],
            Duration::from_millis(60 + i * 70),
        );
        if target.exists() {
            assert_eq!(
                sha256_hex(&std::fs::read(&target).expect("package")),
                sha256_hex(&bytes),
                "a package with its final name is always the verified one"
            );
        }
    }
    peer.set_fault(Fault::None);
    let out = ws.run(&["update", "download"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read(&target).expect("package"), bytes);
}

#[test]
fn an_installation_killed_anywhere_leaves_a_whole_old_or_new_program() {
    let peer = UpdatePeer::start();
    let package = package_of(&example("version-suivante"));
    peer.put("paquet.zip", package.clone());
    peer.publish(
        &fresh_manifest(1, &[release("3.2.0", "paquet.zip", &package)]),
        &TestKey::project(),
    );
    let mut seen = std::collections::BTreeSet::new();
    for i in 0..10_u64 {
        let ws = Workstation::new(&peer);
        let out = ws.run(&["update", "download"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let ended = kill_after(
            &ws,
            &["update", "install", "--yes"],
            Duration::from_millis(150 + i * 120),
        );
        // Whatever the instant, the program answers as one version or the other.
        let version = ws.program_version();
        assert!(version == "3.1.0" || version == "3.2.0", "{version}");
        seen.insert(version.clone());
        if ended {
            assert_eq!(version, "3.2.0");
        }
        // Asked again, the installation ends at the new version.
        if version == "3.1.0" {
            let out = ws.run(&["update", "install", "--yes"]);
            assert!(out.status.success(), "{}", stderr(&out));
            assert_eq!(ws.program_version(), "3.2.0");
        }
    }
    assert!(
        seen.contains("3.1.0"),
        "some kills came before the replacement: {seen:?}"
    );
}

#[test]
fn a_database_update_killed_anywhere_leaves_the_store_whole_at_one_version() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    let store = ws.home.default_store_path();
    build_demo_at_schema(
        &ws.home,
        &store,
        &DemoOptions {
            payslips: 60_000,
            seed: 3,
            overwrite: false,
        },
        4,
        &NoProgress,
        &Cancel::new(),
    )
    .expect("demo store");
    let opco_before: Vec<Option<String>> = {
        let conn = Connection::open(&store).expect("open");
        let mut stmt = conn
            .prepare("SELECT opco FROM employers ORDER BY id")
            .expect("prepare");
        stmt.query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    let mut versions = std::collections::BTreeSet::new();
    for i in 0..14_u64 {
        let ended = kill_after(
            &ws,
            &["update", "database", "--yes"],
            Duration::from_millis(40 + i * 90),
        );
        let read = Store::open_read_only(&store).expect("the store opens");
        let version = read.schema_version().expect("version");
        assert!(read.integrity_problems().expect("check").is_empty());
        let opco: Vec<Option<String>> = {
            let mut stmt = read
                .connection()
                .prepare("SELECT opco FROM employers ORDER BY id")
                .expect("prepare");
            stmt.query_map([], |r| r.get(0))
                .expect("query")
                .collect::<Result<_, _>>()
                .expect("rows")
        };
        drop(read);
        match version {
            4 => assert_eq!(opco, opco_before, "old version, old data"),
            v if v == SCHEMA_VERSION => {
                assert_ne!(opco, opco_before, "new version, migrated data");
                assert!(
                    opco.iter()
                        .any(|o| o.as_deref() == Some("caisse non répertoriée"))
                );
            }
            other => panic!("a store between two versions: {other}"),
        }
        versions.insert(version);
        if ended || version == SCHEMA_VERSION {
            break;
        }
    }
    assert!(
        versions.contains(&4),
        "some kills came before the migration"
    );
    let out = ws.run(&["update", "database", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let read = Store::open(&store).expect("opens at the new version");
    assert_eq!(read.schema_version().expect("version"), SCHEMA_VERSION);
}
