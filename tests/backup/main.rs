//! Backups and restores end to end, on real stores in temporary `IEA_HOME`s:
//! runs to a folder and a removable disk, the count to keep, "Emplacement
//! indisponible" and the delivery of what waited, restores and their refusals,
//! the command line, and SIGKILL in the middle of a backup or a restore.

#![allow(dead_code)]

mod cli;
mod crash;
mod restore;
mod run;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::{Local, NaiveTime};
use iea_maintenance::backup::book::ScriptBook;
use iea_maintenance::backup::run::BackupContext;
use iea_maintenance::backup::{BackupScript, Destination, Frequency, FrequencyUnit};
use iea_maintenance::config::Config;
use iea_maintenance::demo::{DemoOptions, build_demo};
use iea_maintenance::home::Home;
use iea_maintenance::jobs::{Cancel, NoProgress};
use iea_maintenance::store::Store;

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_iea-maintenance");

/// An installation of its own, with a demo store of `payslips` payslips.
pub(crate) struct Install {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) home: Home,
}

impl Install {
    pub(crate) fn new(payslips: u64) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path().join("iea"));
        home.ensure().expect("ensure");
        let config = Config::defaults(&home);
        config.save(&home).expect("config");
        build_demo(
            &home,
            &home.default_store_path(),
            &DemoOptions {
                payslips,
                seed: 7,
                overwrite: false,
            },
            &NoProgress,
            &Cancel::new(),
        )
        .expect("demo");
        Self { dir, home }
    }

    pub(crate) fn store(&self) -> PathBuf {
        self.home.default_store_path()
    }

    pub(crate) fn ctx(&self) -> BackupContext {
        BackupContext::load(&self.home).expect("context")
    }

    /// A folder under the test's directory, created.
    pub(crate) fn folder(&self, name: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::create_dir_all(&p).expect("folder");
        p
    }

    /// Adds a daily script at 23:00 from today to `destination`.
    pub(crate) fn add_script(&self, name: &str, keep: u8, destination: Destination) {
        let script = BackupScript {
            name: name.to_owned(),
            frequency: Frequency {
                every: 1,
                unit: FrequencyUnit::Jours,
            },
            start_date: Local::now().date_naive(),
            time: NaiveTime::from_hms_opt(23, 0, 0).expect("time"),
            enabled: true,
            keep,
            destination,
        };
        ScriptBook::modify(&self.home, |book| book.upsert(script, None)).expect("add script");
    }

    pub(crate) fn count(&self, sql: &str) -> i64 {
        let store = Store::open_read_only(&self.store()).expect("open");
        store
            .connection()
            .query_row(sql, [], |r| r.get(0))
            .expect("count")
    }

    pub(crate) fn payslips(&self) -> i64 {
        self.count("SELECT count(*) FROM payslips")
    }

    /// Runs the binary on this installation.
    pub(crate) fn cli(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .env("IEA_HOME", self.home.root())
            .env("XDG_CONFIG_HOME", self.dir.path().join("xdg-config"))
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .output()
            .expect("run the binary")
    }
}

pub(crate) fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The archive names in `folder` (final names only), sorted.
pub(crate) fn archives(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Deletes the payslips of one year, so a restore has something to bring back.
pub(crate) fn lose_a_year(install: &Install) -> i64 {
    let store = Store::open(&install.store()).expect("open");
    let n = store
        .connection()
        .execute("DELETE FROM payslips WHERE period LIKE '2023-%'", [])
        .expect("delete");
    assert!(n > 0, "the demo store has payslips in 2023");
    n as i64
}

/// Waits until the next wall-clock second, so two runs get two names.
pub(crate) fn next_second() {
    let now = Local::now();
    let ms = 1000 - u64::from(now.timestamp_subsec_millis());
    std::thread::sleep(std::time::Duration::from_millis(ms + 20));
}
