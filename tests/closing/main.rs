//! Year-end closing end to end, on demo stores in temporary `IEA_HOME`s and with
//! the real binary: totals kept, closed rows read-only, each prerequisite's
//! refusal, cancel before the commit, the store held during the closing, and
//! SIGKILL at many instants of a closing.

#![allow(dead_code)]

mod crash;
mod job;
mod prereq;

#[path = "../support/install.rs"]
mod install;

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;
use std::process::Output;

use chrono::Local;
use iea_maintenance::backup::Destination;
use iea_maintenance::backup::book::ScriptBook;
use iea_maintenance::backup::run::{Trigger, run_script};
use iea_maintenance::backup::schedule;
use iea_maintenance::closing::{self, Totals};
use iea_maintenance::jobs::{Cancel, NoProgress};
use iea_maintenance::store::Store;

pub(crate) use install::{BIN, Install, next_second, text};

/// The demo's big dossier ("Association Les Amis du Théâtre").
pub(crate) const DOSSIER: &str = "Association Les Amis du Théâtre";
/// Its id.
pub(crate) const DOSSIER_ID: i64 = 1;
/// The year the tests close.
pub(crate) const YEAR: i32 = 2025;

impl Install {
    /// A demo store whose prerequisites are all met: the demo's leftover
    /// session removed, a verified backup made after the last change, and the
    /// script postponed by three days.
    pub(crate) fn ready(payslips: u64) -> Self {
        let install = Self::new(payslips);
        install.sql("DELETE FROM sessions");
        install.add_daily_script("Quotidienne");
        install.backup_now("Quotidienne");
        install.postpone("Quotidienne", 3);
        install
    }

    /// Adds a daily script at 23:00 from today to the test's "Sauvegardes" folder.
    pub(crate) fn add_daily_script(&self, name: &str) {
        self.add_script(
            name,
            5,
            Destination::Folder {
                path: self.folder("Sauvegardes"),
            },
        );
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

    pub(crate) fn marker(&self) -> PathBuf {
        let mut s = self.store().into_os_string();
        s.push(closing::MARKER_SUFFIX);
        PathBuf::from(s)
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
