//! The demo store built through the public API, as the `demo` command does: into
//! the default store path of a fresh `IEA_HOME`, with the default options; and a
//! build killed (SIGKILL) half-way, which must leave the old store whole.

use std::path::Path;
use std::time::{Duration, Instant};

use iea_maintenance::demo::{DemoOptions, build_demo};
use iea_maintenance::home::Home;
use iea_maintenance::jobs::{Cancel, NoProgress};
use iea_maintenance::store::Store;

#[test]
fn the_default_demo_lands_in_the_default_store_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = Home::at(dir.path());
    let path = home.default_store_path();
    let opts = DemoOptions::default();
    let report = build_demo(&home, &path, &opts, &NoProgress, &Cancel::new()).expect("build");
    assert_eq!(report.payslips, 20_000);
    let store = Store::open(&path).expect("open");
    let summary = store.summary().expect("summary");
    assert_eq!(summary.payslips, 20_000);
    assert_eq!(summary.employers, report.employers);
    assert_eq!(summary.employees, report.employees);
    assert_eq!(summary.users, 3);
    assert_eq!(summary.dossiers.len(), 4);
}

/// Where the child process of the kill test builds.
const CHILD_ENV: &str = "IEA_DEMO_KILL_TEST_DIR";

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        // The store's gate (its lock file `.NOM.verrou`) stays beside it.
        .filter(|n| !n.ends_with(".verrou"))
        .collect();
    names.sort();
    names
}

#[test]
fn a_demo_killed_half_way_leaves_the_old_store_whole() {
    if let Some(dir) = std::env::var_os(CHILD_ENV) {
        // The child: a build long enough to be killed in the middle.
        let dir = Path::new(&dir);
        let opts = DemoOptions {
            payslips: 5_000_000,
            seed: 9,
            overwrite: true,
        };
        let _ = build_demo(
            &Home::at(dir.join("home")),
            &dir.join("donnees").join("paie.iea"),
            &opts,
            &NoProgress,
            &Cancel::new(),
        );
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let home = Home::at(dir.path().join("home"));
    let data = dir.path().join("donnees");
    let path = data.join("paie.iea");
    let small = DemoOptions {
        payslips: 300,
        seed: 1,
        overwrite: true,
    };
    build_demo(&home, &path, &small, &NoProgress, &Cancel::new()).expect("first build");
    let before = std::fs::read(&path).expect("read");

    let mut child = std::process::Command::new(std::env::current_exe().expect("exe"))
        .args([
            "a_demo_killed_half_way_leaves_the_old_store_whole",
            "--exact",
            "--nocapture",
        ])
        .env(CHILD_ENV, dir.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let tmp = data.join(".paie.iea.demo-tmp");
    let deadline = Instant::now() + Duration::from_mins(1);
    while !tmp.exists() {
        assert!(
            Instant::now() < deadline,
            "the child never started building"
        );
        assert!(
            child.try_wait().expect("wait").is_none(),
            "the child ended early"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // Well into the payslips.
    std::thread::sleep(Duration::from_millis(500));
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");

    assert_eq!(std::fs::read(&path).expect("read"), before);
    let store = Store::open(&path).expect("open the old store");
    assert_eq!(store.summary().expect("summary").payslips, 300);
    assert!(store.integrity_problems().expect("check").is_empty());
    drop(store);

    // The lock died with the child; the next build clears the leftover.
    let report = build_demo(&home, &path, &small, &NoProgress, &Cancel::new()).expect("rebuild");
    assert_eq!(report.payslips, 300);
    assert_eq!(files(&data), ["paie.iea"]);
}
