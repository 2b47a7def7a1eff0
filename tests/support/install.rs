//! An installation of its own for end-to-end tests: a temporary `IEA_HOME` with
//! the default configuration and a demo store, the real binary run on it, and
//! the few reads the backup and closing tests share. Each test program adds its
//! own methods in an `impl Install` block of its own.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use chrono::{Local, NaiveTime};
use iea_maintenance::backup::book::ScriptBook;
use iea_maintenance::backup::run::BackupContext;
use iea_maintenance::backup::{BackupScript, Destination, Frequency, FrequencyUnit};
use iea_maintenance::config::Config;
use iea_maintenance::demo::{DemoOptions, build_demo};
use iea_maintenance::home::Home;
use iea_maintenance::jobs::{Cancel, NoProgress};
use iea_maintenance::store::Store;

/// The program under test.
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_iea-maintenance");

/// An installation of its own, with a demo store.
pub(crate) struct Install {
    /// Holds everything; removed at the end of the test.
    pub(crate) dir: tempfile::TempDir,
    /// The installation's `IEA_HOME` (inside `dir`).
    pub(crate) home: Home,
}

impl Install {
    /// A new installation whose store is a demo of `payslips` payslips (seed 7).
    pub(crate) fn new(payslips: u64) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path().join("iea"));
        home.ensure().expect("ensure");
        Config::defaults(&home).save(&home).expect("config");
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

    /// The active store.
    pub(crate) fn store(&self) -> PathBuf {
        self.home.default_store_path()
    }

    /// What a backup run needs.
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

    /// Runs `sql` on the store.
    pub(crate) fn sql(&self, sql: &str) {
        Store::open(&self.store())
            .expect("open")
            .connection()
            .execute_batch(sql)
            .expect("sql");
    }

    /// The one number `sql` gives.
    pub(crate) fn count(&self, sql: &str) -> i64 {
        Store::open_read_only(&self.store())
            .expect("open")
            .connection()
            .query_row(sql, [], |r| r.get(0))
            .expect("count")
    }

    /// `PRAGMA integrity_check` of the store.
    pub(crate) fn integrity(&self) -> String {
        Store::open_read_only(&self.store())
            .expect("store opens")
            .connection()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("check")
    }

    /// Runs the binary on this installation, without a terminal or a display.
    pub(crate) fn cli(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .env("IEA_HOME", self.home.root())
            .env("XDG_CONFIG_HOME", self.dir.path().join("xdg-config"))
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::null())
            .output()
            .expect("run the binary")
    }
}

/// What a run of the binary printed, both streams.
pub(crate) fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Waits until the next wall-clock second (archive names are to the second).
pub(crate) fn next_second() {
    let now = Local::now();
    let ms = 1000 - u64::from(now.timestamp_subsec_millis());
    std::thread::sleep(std::time::Duration::from_millis(ms + 20));
}
