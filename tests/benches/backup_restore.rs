//! Benchmark of a verified backup and of a restore, each against the plain tools
//! doing the same work in the same run, and of the backup's peak memory.
//!
//! `cargo bench --bench backup_restore` builds a demo store of
//! `BACKUP_BENCH_PAYSLIPS` payslips (default 1 000 000; or uses the store given
//! in `BACKUP_BENCH_STORE`, copied first), then times:
//! - `iea-maintenance backup run` to a local folder (snapshot, integrity check,
//!   zip, written, read back and checked), against `sqlite3 "VACUUM INTO …"` +
//!   `zip -6` + `unzip -t` + `sqlite3 "PRAGMA integrity_check"`;
//! - `iea-maintenance backup restore --file … --yes`, against `unzip` +
//!   `sqlite3 "PRAGMA integrity_check"`;
//! - the peak resident memory of `backup run` (`VmHWM` of `/proc/PID/status`, read
//!   until the process ends).
//!
//! It prints the times and the ratios; it asserts nothing about time.

#![allow(clippy::print_stdout)]

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{Local, NaiveTime};
use iea_maintenance::backup::book::ScriptBook;
use iea_maintenance::backup::{BackupScript, Destination, Frequency, FrequencyUnit};
use iea_maintenance::config::Config;
use iea_maintenance::demo::{DemoOptions, build_demo};
use iea_maintenance::home::Home;
use iea_maintenance::jobs::{Cancel, NoProgress};

const BIN: &str = env!("CARGO_BIN_EXE_iea-maintenance");

fn main() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let home = Home::at(dir.path().join("iea"));
    home.ensure()?;
    Config::defaults(&home).save(&home)?;
    let store = home.default_store_path();
    if let Some(given) = std::env::var_os("BACKUP_BENCH_STORE") {
        std::fs::copy(&given, &store)?;
    } else {
        let payslips: u64 = match std::env::var("BACKUP_BENCH_PAYSLIPS") {
            Ok(v) => v.replace('_', "").parse()?,
            Err(_) => 1_000_000,
        };
        println!("building a demo store of {payslips} payslips…");
        build_demo(
            &home,
            &store,
            &DemoOptions {
                payslips,
                seed: 1,
                overwrite: false,
            },
            &NoProgress,
            &Cancel::new(),
        )?;
    }
    let store_size = std::fs::metadata(&store)?.len();
    let folder = dir.path().join("Sauvegardes");
    std::fs::create_dir_all(&folder)?;
    ScriptBook::modify(&home, |book| {
        book.upsert(
            BackupScript {
                name: "Banc".to_owned(),
                frequency: Frequency {
                    every: 1,
                    unit: FrequencyUnit::Jours,
                },
                start_date: Local::now().date_naive(),
                time: NaiveTime::from_hms_opt(23, 0, 0).unwrap_or_default(),
                enabled: false,
                keep: 50,
                destination: Destination::Folder {
                    path: folder.clone(),
                },
            },
            None,
        )
    })?;
    println!("store: {:.1} MB", store_size as f64 / 1e6);

    // Ours: a verified backup, with its peak memory.
    let (backup_time, peak_kb) = timed_with_peak(
        Command::new(BIN)
            .args(["backup", "run", "Banc"])
            .env("IEA_HOME", home.root()),
    )?;
    let archive = newest(&folder)?;
    let archive_size = std::fs::metadata(&archive)?.len();

    // The plain pipeline.
    let work = dir.path().join("plain");
    std::fs::create_dir_all(&work)?;
    let snap = work.join("snap.iea");
    let zipped = work.join("snap.zip");
    let plain_backup = sum(&[
        timed(
            Command::new("sqlite3")
                .arg(&store)
                .arg(format!("VACUUM INTO '{}'", snap.display())),
        )?,
        timed(
            Command::new("zip")
                .args(["-6", "-q", "-j"])
                .arg(&zipped)
                .arg(&snap),
        )?,
        timed(Command::new("unzip").args(["-t", "-q"]).arg(&zipped))?,
        timed(
            Command::new("sqlite3")
                .arg(&snap)
                .arg("PRAGMA integrity_check"),
        )?,
    ]);
    let plain_zip_size = std::fs::metadata(&zipped)?.len();

    // Ours: a restore of that backup.
    let restore_time = timed(
        Command::new(BIN)
            .args(["backup", "restore", "--file"])
            .arg(&archive)
            .arg("--yes")
            .env("IEA_HOME", home.root()),
    )?;
    // The plain restore: unzip and check.
    let out = work.join("restored");
    std::fs::create_dir_all(&out)?;
    let plain_restore = sum(&[
        timed(
            Command::new("unzip")
                .args(["-o", "-q"])
                .arg(&archive)
                .arg("-d")
                .arg(&out),
        )?,
        timed(
            Command::new("sqlite3")
                .arg(out.join(iea_maintenance::backup::archive::DATABASE_ENTRY))
                .arg("PRAGMA integrity_check"),
        )?,
    ]);

    println!();
    println!("{:<58} {:>9}", "work", "time (s)");
    row(
        "iea-maintenance backup run (verified, local folder)",
        backup_time,
    );
    row(
        "sqlite3 VACUUM INTO + zip -6 + unzip -t + integrity_check",
        plain_backup,
    );
    row("iea-maintenance backup restore --file", restore_time);
    row("unzip + sqlite3 integrity_check", plain_restore);
    println!();
    println!(
        "ratio backup / plain pipeline: {:.2} (target ≤ 0.50)",
        ratio(backup_time, plain_backup)
    );
    println!(
        "ratio restore / unzip + integrity_check: {:.2} (target ≤ 1.00)",
        ratio(restore_time, plain_restore)
    );
    println!(
        "peak memory of backup run: {:.1} MB (target < 64 MB)",
        peak_kb as f64 / 1024.0
    );
    println!(
        "archive: {:.1} MB (zip -6 of the same data: {:.1} MB)",
        archive_size as f64 / 1e6,
        plain_zip_size as f64 / 1e6
    );
    Ok(())
}

fn row(label: &str, d: Duration) {
    println!("{label:<58} {:>9.2}", d.as_secs_f64());
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(f64::EPSILON)
}

fn sum(parts: &[Duration]) -> Duration {
    parts.iter().sum()
}

fn timed(cmd: &mut Command) -> Result<Duration, Box<dyn Error>> {
    let started = Instant::now();
    let status = cmd.stdout(Stdio::null()).status()?;
    if !status.success() {
        return Err(format!("{cmd:?} failed: {status}").into());
    }
    Ok(started.elapsed())
}

/// Runs `cmd`, returning its duration and its peak resident set (kB), read from
/// `/proc/PID/status` (`VmHWM`) until it ends.
fn timed_with_peak(cmd: &mut Command) -> Result<(Duration, u64), Box<dyn Error>> {
    let started = Instant::now();
    let mut child = cmd.stdout(Stdio::null()).spawn()?;
    let status_file = PathBuf::from(format!("/proc/{}/status", child.id()));
    let mut peak = 0u64;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file)
            && let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = peak.max(kb);
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    if !status.success() {
        return Err(format!("{cmd:?} failed: {status}").into());
    }
    Ok((started.elapsed(), peak))
}

fn newest(folder: &Path) -> Result<PathBuf, Box<dyn Error>> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(folder)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".iea.zip"))
        .collect();
    names.sort();
    names.pop().ok_or_else(|| "no archive written".into())
}
