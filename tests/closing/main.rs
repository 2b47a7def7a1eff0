//! Year-end closing end to end, on demo stores in temporary `IEA_HOME`s and with
//! the real binary: totals kept, closed rows read-only, each prerequisite's
//! refusal, cancel before the commit, the store held during the closing, and
//! SIGKILL at many instants of a closing.

#![allow(dead_code)]

mod crash;
mod job;
mod prereq;

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;
use std::process::{Command, Output};

use chrono::{Local, NaiveTime};
use iea_maintenance::backup::book::ScriptBook;
use iea_maintenance::backup::run::{BackupContext, Trigger, run_script};
use iea_maintenance::backup::schedule;
use iea_maintenance::backup::{BackupScript, Destination, Frequency, FrequencyUnit};
use iea_maintenance::closing::{self, Totals};
use iea_maintenance::config::Config;
use iea_maintenance::demo::{DemoOptions, build_demo};
use iea_maintenance::home::Home;
use iea_maintenance::jobs::{Cancel, NoProgress};
use iea_maintenance::store::Store;

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_iea-maintenance");

/// The demo's big dossier ("Association Les Amis du Théâtre").
pub(crate) const DOSSIER: &str = "Association Les Amis du Théâtre";
/// Its id.
pub(crate) const DOSSIER_ID: i64 = 1;
/// The year the tests close.
pub(crate) const YEAR: i32 = 2025;

/// An installation of its own, with a demo store.
pub(crate) struct Install {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) home: Home,
}

impl Install {
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

    /// A demo store whose prerequisites are all met: the demo's leftover
    /// session removed, a verified backup made after the last change, and the
    /// script postponed by three days.
    pub(crate) fn ready(payslips: u64) -> Self {
        let install = Self::new(payslips);
        install.sql("DELETE FROM sessions");
        install.add_script("Quotidienne");
        install.backup_now("Quotidienne");
        install.postpone("Quotidienne", 3);
        install
    }

    pub(crate) fn store(&self) -> PathBuf {
        self.home.default_store_path()
    }

    pub(crate) fn ctx(&self) -> BackupContext {
        BackupContext::load(&self.home).expect("context")
    }

    /// Adds a daily script at 23:00 from today to a folder of the test.
    pub(crate) fn add_script(&self, name: &str) {
        let folder = self.dir.path().join("Sauvegardes");
        std::fs::create_dir_all(&folder).expect("folder");
        let script = BackupScript {
            name: name.to_owned(),
            frequency: Frequency {
                every: 1,
                unit: FrequencyUnit::Jours,
            },
            start_date: Local::now().date_naive(),
            time: NaiveTime::from_hms_opt(23, 0, 0).expect("time"),
            enabled: true,
            keep: 5,
            destination: Destination::Folder { path: folder },
        };
        ScriptBook::modify(&self.home, |book| book.upsert(script, None)).expect("add script");
    }

    /// A real, verified backup, in a second later than any change before.
    pub(crate) fn backup_now(&self, name: &str) {
        next_second();
        let r = run_script(
            &self.ctx(),
            name,
            Trigger::Manuel,
            &NoProgress,
            &Cancel::new(),
        )
        .expect("run");
        assert!(r.outcome.delivered(), "{r:?}");
    }

    pub(crate) fn postpone(&self, name: &str, days: u32) {
        ScriptBook::modify(&self.home, |book| {
            if let Some(entry) = book.get_mut(name) {
                schedule::postpone(entry, days, &Local::now());
            }
            Ok(())
        })
        .expect("postpone");
    }

    pub(crate) fn sql(&self, sql: &str) {
        Store::open(&self.store())
            .expect("open")
            .connection()
            .execute_batch(sql)
            .expect("sql");
    }

    pub(crate) fn count(&self, sql: &str) -> i64 {
        Store::open(&self.store())
            .expect("open")
            .connection()
            .query_row(sql, [], |r| r.get(0))
            .expect("count")
    }

    /// The exercise `YEAR` of the big dossier: closed, and its totals.
    pub(crate) fn year(&self) -> (bool, Totals) {
        let store = Store::open(&self.store()).expect("open");
        let list = closing::exercises(store.connection(), Some(DOSSIER_ID)).expect("exercises");
        let x = list.iter().find(|x| x.year == YEAR).expect("year listed");
        (x.closed, x.totals)
    }

    /// A digest of every row of every table that a closing touches.
    pub(crate) fn content(&self) -> u64 {
        let store = Store::open(&self.store()).expect("open");
        let mut h = DefaultHasher::new();
        for table in [
            "payslips",
            "declarations",
            "exercises",
            "audit_log",
            "closed_payslips",
            "closed_declarations",
            "sessions",
        ] {
            let mut stmt = store
                .connection()
                .prepare(&format!("SELECT * FROM {table} ORDER BY rowid"))
                .expect("select");
            let n = stmt.column_count();
            let mut rows = stmt.query([]).expect("rows");
            while let Some(row) = rows.next().expect("row") {
                for i in 0..n {
                    format!("{:?}", row.get_ref(i).expect("value")).hash(&mut h);
                }
            }
        }
        h.finish()
    }

    pub(crate) fn integrity(&self) -> String {
        Store::open(&self.store())
            .expect("open")
            .connection()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("check")
    }

    pub(crate) fn marker(&self) -> PathBuf {
        let mut s = self.store().into_os_string();
        s.push(closing::MARKER_SUFFIX);
        PathBuf::from(s)
    }

    /// Runs the binary on this installation.
    pub(crate) fn cli(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .env("IEA_HOME", self.home.root())
            .env("XDG_CONFIG_HOME", self.dir.path().join("xdg-config"))
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run the binary")
    }

    /// `close-year` of the test's year, confirmed.
    pub(crate) fn close_cli(&self) -> Output {
        self.cli(&[
            "close-year",
            "--dossier",
            DOSSIER,
            "--year",
            &YEAR.to_string(),
            "--yes",
            "--json",
        ])
    }
}

pub(crate) fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Waits until the next wall-clock second.
pub(crate) fn next_second() {
    let now = Local::now();
    let ms = 1000 - u64::from(now.timestamp_subsec_millis());
    std::thread::sleep(std::time::Duration::from_millis(ms + 20));
}
