//! Benchmarks of the updates, each against the plain tool doing the same work
//! in the same run; it prints times and ratios and asserts nothing about time.
//!
//! `cargo bench --bench updates`:
//! - the download of a 50 MB package from the loopback HTTPS update peer
//!   (`download::download`: fetched, written, SHA-256 computed, flushed to
//!   disk and renamed), against `curl` fetching the same file from the same
//!   peer to a file; five runs each, alternated, medians compared;
//! - the database update's migrations on the demo store of 1 000 000 payslips
//!   made at schema 5 (`database::migrate_store`: one exclusive transaction,
//!   the migration's SQL, `user_version`, commit), against the `sqlite3` shell
//!   running the same SQL in the same transaction on a copy of the same store;
//!   the verified backup taken before is timed apart (`database::backup_before`).
//!
//! `UPDATES_BENCH_PAYSLIPS` changes the size of the demo store, and
//! `UPDATES_BENCH_MB` the size of the package.
//!
//! Built in release, it also shows that a release binary trusts only the
//! embedded vendor keys: the manifest signed with the test key is refused.

#![allow(clippy::print_stdout)]

#[path = "../support/mod.rs"]
mod support;

use std::error::Error;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use iea_maintenance::config::{Config, ConnectionMode};
use iea_maintenance::demo::{DemoOptions, build_demo_at_schema};
use iea_maintenance::home::Home;
use iea_maintenance::jobs::{Cancel, NoProgress};
use iea_maintenance::updates::download;
use iea_maintenance::updates::manifest::{self, Accepted, Manifest, ManifestError, UpdateClient};
use support::updates::{TestKey, UpdatePeer, fresh_manifest, release};

const RUNS: usize = 5;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn env_number(name: &str, default: u64) -> Result<u64, Box<dyn Error>> {
    Ok(match std::env::var(name) {
        Ok(v) => v.replace('_', "").parse()?,
        Err(_) => default,
    })
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let home = Home::at(dir.path().join("iea"));
    home.ensure()?;
    let peer = UpdatePeer::start();
    let mut config = Config::defaults(&home);
    config.connection.mode = ConnectionMode::Secure;
    config.connection.update_url = peer.url().parse()?;
    let ca = peer.write_ca(dir.path());
    config.connection.extra_ca_file = Some(ca.clone());
    config.save(&home)?;

    // ---- the download
    let megabytes = env_number("UPDATES_BENCH_MB", 50)?;
    let package: Vec<u8> = (0..megabytes * 1024 * 1024)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    peer.put("paquet.zip", package.clone());
    let bytes = fresh_manifest(9, &[release("9.9.9", "paquet.zip", &package)]);
    peer.publish(&bytes, &TestKey::project());

    // What a release build does with a manifest signed with the test key.
    match manifest::refresh(&home, Utc::now()) {
        Err(ManifestError::Refused { refusal, .. }) => {
            println!("manifest signed with the test key: refused ({refusal})");
        }
        Ok(_) if cfg!(debug_assertions) => {
            println!("manifest signed with the test key: accepted (debug build)");
        }
        other => println!("manifest signed with the test key: {other:?} (unexpected)"),
    }
    // The download itself needs no signature: the manifest is taken as is.
    let accepted = Accepted {
        manifest: serde_json::from_slice::<Manifest>(&bytes)?,
        base: peer.url().parse()?,
        key: "banc",
    };
    let wanted = accepted.manifest.release("9.9.9").ok_or("release")?.clone();
    let client = UpdateClient::of_home(&home)?;
    let url = format!("{}/paquet.zip", peer.url());
    let curl_out = dir.path().join("curl.zip");
    let (mut ours, mut curl) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let _ = std::fs::remove_file(download::package_path(&home, "9.9.9"));
        let t = Instant::now();
        let done = download::download(
            &home,
            &accepted,
            &wanted,
            &client,
            &NoProgress,
            &Cancel::new(),
        )?;
        ours.push(t.elapsed());
        assert!(!done.already_there && done.size == package.len() as u64);

        let _ = std::fs::remove_file(&curl_out);
        let t = Instant::now();
        let status = Command::new("curl")
            .args(["-sS", "--http1.1", "--cacert"])
            .arg(&ca)
            .arg("-o")
            .arg(&curl_out)
            .arg(&url)
            .stdout(Stdio::null())
            .status()?;
        curl.push(t.elapsed());
        assert!(status.success(), "curl failed");
        assert_eq!(std::fs::metadata(&curl_out)?.len(), package.len() as u64);
    }
    let (ours, curl) = (median(ours), median(curl));
    println!(
        "download of {megabytes} MB: iea-maintenance {:.3} s (SHA-256, flushed, renamed), curl {:.3} s; ratio {:.2}",
        ours.as_secs_f64(),
        curl.as_secs_f64(),
        ours.as_secs_f64() / curl.as_secs_f64()
    );

    // ---- the database update
    let payslips = env_number("UPDATES_BENCH_PAYSLIPS", 1_000_000)?;
    println!("building a demo store of {payslips} payslips at schema 5…");
    let original = dir.path().join("demo-v5.iea");
    build_demo_at_schema(
        &home,
        &original,
        &DemoOptions {
            payslips,
            seed: 1,
            overwrite: false,
        },
        5,
        &NoProgress,
        &Cancel::new(),
    )?;
    let size = std::fs::metadata(&original)?.len();
    let script = format!(
        "PRAGMA foreign_keys = ON;\nPRAGMA synchronous = FULL;\nBEGIN EXCLUSIVE;\n{}\nPRAGMA user_version = 6;\nCOMMIT;\n",
        include_str!("../../src/store/migrations/0006_opco.sql")
    );
    let (mut ours, mut shell) = (Vec::new(), Vec::new());
    for run in 0..RUNS {
        let copy = dir.path().join(format!("migration-{run}.iea"));
        std::fs::copy(&original, &copy)?;
        let t = Instant::now();
        let migrated = iea_maintenance::updates::database::migrate_store(&copy, &NoProgress)?;
        ours.push(t.elapsed());
        assert_eq!(migrated.steps, [6]);
        std::fs::remove_file(&copy)?;

        let copy = dir.path().join(format!("sqlite3-{run}.iea"));
        std::fs::copy(&original, &copy)?;
        let t = Instant::now();
        let mut child = Command::new("sqlite3")
            .arg("-bail")
            .arg(&copy)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()?;
        {
            use std::io::Write as _;
            child
                .stdin
                .take()
                .ok_or("stdin")?
                .write_all(script.as_bytes())?;
        }
        let status = child.wait()?;
        shell.push(t.elapsed());
        assert!(status.success(), "sqlite3 failed");
        check_migrated(&copy)?;
        std::fs::remove_file(&copy)?;
    }
    let (ours, shell) = (median(ours), median(shell));
    println!(
        "migration of the {payslips}-payslip store ({:.0} MB): iea-maintenance {:.3} s, sqlite3 {:.3} s; ratio {:.2}",
        size as f64 / 1e6,
        ours.as_secs_f64(),
        shell.as_secs_f64(),
        ours.as_secs_f64() / shell.as_secs_f64()
    );
    let t = Instant::now();
    let backup = iea_maintenance::updates::database::backup_before(
        &home,
        &original,
        4,
        &NoProgress,
        &Cancel::new(),
    )?;
    println!(
        "verified backup before the update (apart): {:.3} s, {:.0} MB",
        t.elapsed().as_secs_f64(),
        std::fs::metadata(&backup)?.len() as f64 / 1e6
    );
    Ok(())
}

/// The sqlite3 shell's copy ended at schema 6 with the OPCOs set.
fn check_migrated(path: &Path) -> Result<(), Box<dyn Error>> {
    let conn = rusqlite::Connection::open(path)?;
    let version: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let afdas: i64 = conn.query_row(
        "SELECT count(*) FROM employers WHERE ccn_code = '2511' AND opco = 'AFDAS'",
        [],
        |r| r.get(0),
    )?;
    if version == 6 && afdas > 0 {
        Ok(())
    } else {
        Err(format!("sqlite3 left version {version}, {afdas} AFDAS").into())
    }
}
