//! SIGKILL in the middle of « C » and in the middle of « T », then « Transférer »
//! again: the file the secure space ends with has the SHA-256 the program
//! announced (metadata and completion), is a whole, verified archive, and
//! after a kill during « T » the upload resumed from what the server kept.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use iea_maintenance::backup::archive;
use iea_maintenance::config::Config;
use iea_maintenance::jobs::{Cancel, NoProgress};

use crate::World;
use crate::install::{BIN, text};
use crate::support::tus::CutRelay;

impl World {
    /// `transfer run --yes --json` with the data items of the demo accepted.
    fn transfer_args(&self) -> Vec<String> {
        let mut args: Vec<String> = ["transfer", "run", "--yes", "--json"]
            .map(str::to_owned)
            .to_vec();
        for a in &self.request().acknowledged {
            args.push("--accept".into());
            args.push(a.check.code().into());
        }
        args
    }

    /// The program running `transfer run`, as a child to kill.
    fn spawn_transfer(&self) -> Child {
        Command::new(BIN)
            .args(self.transfer_args())
            .env("IEA_HOME", self.install.home.root())
            .env_remove("DISPLAY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the program")
    }

    /// Where the archives being sent are prepared.
    fn transfer_staging(&self) -> PathBuf {
        Config::load(&self.install.home)
            .expect("config")
            .paths
            .staging
            .join("transfert")
    }

    /// Runs `transfer run` to the end; its JSON report.
    fn transfer_to_the_end(&self) -> serde_json::Value {
        let args = self.transfer_args();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = self.install.cli(&args);
        assert!(out.status.success(), "{}", text(&out));
        serde_json::from_slice(&out.stdout).expect("JSON report")
    }
}

/// Waits until `ready` says so (a few milliseconds between looks), then
/// kills `child` with SIGKILL.
fn kill_when(mut child: Child, what: &str, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_mins(2);
    while !ready() {
        assert!(
            child.try_wait().expect("wait").is_none(),
            "the program ended before {what}"
        );
        assert!(Instant::now() < deadline, "never reached {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
}

/// The server's file is the announced one, and a whole archive.
fn check_delivered(world: &World, report: &serde_json::Value) {
    let uploads = world.tus.uploads();
    assert_eq!(uploads.len(), 1, "{uploads:?}");
    let sha = report["stores"][0]["sha256"].as_str().expect("sha");
    assert_eq!(uploads[0].sha256(), sha);
    assert_eq!(uploads[0].metadata["sha256"], sha);
    assert_eq!(world.completions()[0]["files"][0]["sha256"], sha);
    let manifest = archive::verify_archive(&uploads[0].data, &NoProgress, &Cancel::new())
        .expect("the file received is a whole, verified archive");
    assert_eq!(
        manifest.schema_version,
        iea_maintenance::store::SCHEMA_VERSION
    );
}

#[test]
fn a_sigkill_during_compression_then_a_rerun_delivers_the_announced_file() {
    let world = World::new(200_000);
    let staging = world.transfer_staging();
    let child = world.spawn_transfer();
    kill_when(child, "the compression", || {
        std::fs::read_dir(&staging).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with(".en-cours-"))
        })
    });
    assert!(world.tus.uploads().is_empty(), "killed before « T »");

    let report = world.transfer_to_the_end();
    check_delivered(&world, &report);
    let left: Vec<String> = std::fs::read_dir(&staging)
        .expect("staging")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(left.is_empty(), "nothing left in staging: {left:?}");
}

#[test]
fn a_sigkill_during_the_upload_then_a_rerun_resumes_and_delivers_the_announced_file() {
    let world = World::new(100_000);
    // A slow line, so that the program is stopped in the middle of « T ».
    let relay = CutRelay::slow(world.tus.port(), 3 * 1024 * 1024);
    world.open(&format!("https://127.0.0.1:{}/files/", relay.port()));
    let child = world.spawn_transfer();
    kill_when(child, "the middle of the upload", || {
        world
            .tus
            .uploads()
            .first()
            .is_some_and(|u| u.received() > 1024 * 1024)
    });
    let kept = world.tus.uploads()[0].received();
    let size = world.tus.uploads()[0].size;
    assert!(kept < size, "killed in the middle: {kept} of {size}");

    let report = world.transfer_to_the_end();
    let resumed_from = report["stores"][0]["resumed_from"]
        .as_u64()
        .expect("offset");
    assert!(
        resumed_from >= 1024 * 1024,
        "resumed from the server's offset, not from zero: {resumed_from}"
    );
    assert_eq!(report["stores"][0]["size_bytes"].as_u64(), Some(size));
    check_delivered(&world, &report);
}
