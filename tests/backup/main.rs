//! Backups and restores end to end, on real stores in temporary `IEA_HOME`s:
//! runs to a folder and a removable disk, the count to keep, "Emplacement
//! indisponible" and the delivery of what waited, restores and their refusals,
//! the command line, and SIGKILL in the middle of a backup or a restore.

#![allow(dead_code)]

mod cli;
mod crash;
mod restore;
mod run;

#[path = "../support/install.rs"]
mod install;

use std::path::Path;

use iea_maintenance::store::Store;

pub(crate) use install::{BIN, Install, next_second, text};

impl Install {
    /// The number of payslips in the store.
    pub(crate) fn payslips(&self) -> i64 {
        self.count("SELECT count(*) FROM payslips")
    }
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
