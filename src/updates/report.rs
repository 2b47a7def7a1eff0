//! "Rapport mise à jour caisses OPCO.txt" (seed 002): the employers for which
//! the OPCO correspondence of the database update found nothing — no
//! collective agreement (9999), a closed one, or one the table does not know —
//! dossier by dossier, archived dossiers included.
//!
//! The facts come from the store itself (`opco_update_report`, filled by the
//! migration in the same transaction as the update), so the report says exactly
//! what the update did, and can be written again later from the store. The
//! French text is `messages::opco_report_text`. The file is written on the
//! user's desktop (the XDG desktop folder) and a dated copy is kept under
//! `IEA_HOME/mises-a-jour/rapports`.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Local};
use rusqlite::Connection;
use serde::Serialize;

use super::UpdateDirs;
use crate::home::Home;

/// The name of the report on the desktop, as the seed gives it.
pub const REPORT_FILE_NAME: &str = "Rapport mise à jour caisses OPCO.txt";

/// Why no OPCO was found for an employer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unmatched {
    /// No collective agreement (9999): « caisse non répertoriée ».
    NoAgreement,
    /// The agreement was closed.
    ClosedAgreement,
    /// The agreement is not in the correspondence table.
    UnknownAgreement,
}

/// An employer without correspondence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnmatchedEmployer {
    /// The employer's row id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its SIRET.
    pub siret: String,
    /// Its agreement (IDCC).
    pub ccn_code: String,
    /// The agreement's title, when the table knows it.
    pub ccn_title: Option<String>,
    /// When the agreement was closed (`AAAA-MM-JJ`).
    pub closed_on: Option<String>,
    /// Why no OPCO was found.
    pub reason: Unmatched,
    /// Its OPCO now (unchanged, or « caisse non répertoriée »).
    pub opco: Option<String>,
    /// Whether the employer is archived.
    pub archived: bool,
}

/// The employers of one dossier without correspondence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportDossier {
    /// The dossier's name.
    pub name: String,
    /// Whether the dossier is archived.
    pub archived: bool,
    /// Its employers without correspondence.
    pub employers: Vec<UnmatchedEmployer>,
}

/// The facts of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpcoReport {
    /// When the report was made.
    pub generated_at: DateTime<Local>,
    /// The store updated.
    pub store: PathBuf,
    /// How many employers the store has.
    pub employers_total: u64,
    /// The dossiers with employers without correspondence, by name.
    pub dossiers: Vec<ReportDossier>,
}

impl OpcoReport {
    /// How many employers are listed.
    pub fn unmatched_count(&self) -> usize {
        self.dossiers.iter().map(|d| d.employers.len()).sum()
    }
}

/// Reads the report's facts from a store at schema 6 or later.
pub fn read(conn: &Connection, store: &Path, now: DateTime<Local>) -> rusqlite::Result<OpcoReport> {
    let employers_total: i64 =
        conn.query_row("SELECT count(*) FROM employers", [], |r| r.get(0))?;
    let employers_total = employers_total.unsigned_abs();
    let mut stmt = conn.prepare(
        "SELECT d.name, d.archived, e.id, e.name, e.siret, r.ccn_code, c.title, c.closed_on,
                r.reason, e.opco, e.archived
         FROM opco_update_report r
         JOIN employers e ON e.id = r.employer_id
         JOIN dossiers d ON d.id = e.dossier_id
         LEFT JOIN ccn_opco c ON c.idcc = r.ccn_code
         ORDER BY d.name COLLATE NOCASE, e.name COLLATE NOCASE, e.id",
    )?;
    let rows = stmt.query_map([], |r| {
        let reason: String = r.get(8)?;
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, bool>(1)?,
            UnmatchedEmployer {
                id: r.get(2)?,
                name: r.get(3)?,
                siret: r.get(4)?,
                ccn_code: r.get(5)?,
                ccn_title: r.get(6)?,
                closed_on: r.get(7)?,
                reason: match reason.as_str() {
                    "sans_ccn" => Unmatched::NoAgreement,
                    "ccn_cloturee" => Unmatched::ClosedAgreement,
                    _ => Unmatched::UnknownAgreement,
                },
                opco: r.get(9)?,
                archived: r.get(10)?,
            },
        ))
    })?;
    let mut dossiers: Vec<ReportDossier> = Vec::new();
    for row in rows {
        let (dossier, archived, employer) = row?;
        match dossiers.last_mut() {
            Some(last) if last.name == dossier => last.employers.push(employer),
            _ => dossiers.push(ReportDossier {
                name: dossier,
                archived,
                employers: vec![employer],
            }),
        }
    }
    Ok(OpcoReport {
        generated_at: now,
        store: store.to_path_buf(),
        employers_total,
        dossiers,
    })
}

/// Where the report was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportFiles {
    /// The copy kept under `IEA_HOME/mises-a-jour/rapports`.
    pub kept: PathBuf,
    /// The file on the desktop, when there is a desktop folder.
    pub desktop: Option<PathBuf>,
}

/// The user's desktop folder: the XDG desktop folder when the session names
/// one (`user-dirs.dirs`), else `~/Desktop` when it exists.
pub fn desktop_dir() -> Option<PathBuf> {
    if let Some(dirs) = directories::UserDirs::new() {
        if let Some(desktop) = dirs.desktop_dir() {
            return Some(desktop.to_path_buf());
        }
        let fallback = dirs.home_dir().join("Desktop");
        if fallback.is_dir() {
            return Some(fallback);
        }
    }
    None
}

/// Writes `text` as the report: a dated copy under `IEA_HOME`, and the file in
/// the `desktop` folder when there is one (replaced atomically when an older
/// report is there).
pub fn write(
    home: &Home,
    desktop: Option<&Path>,
    text: &str,
    at: DateTime<Local>,
) -> std::io::Result<ReportFiles> {
    let dirs = UpdateDirs::of(home);
    let reports = dirs.reports_dir();
    std::fs::create_dir_all(&reports)?;
    let kept = reports.join(format!(
        "{} {REPORT_FILE_NAME}",
        at.format("%Y-%m-%d %H-%M-%S")
    ));
    crate::fsutil::write_atomic(&kept, text.as_bytes())?;
    let desktop = match desktop {
        Some(dir) => {
            let written = std::fs::create_dir_all(dir).and_then(|()| {
                crate::fsutil::write_atomic(&dir.join(REPORT_FILE_NAME), text.as_bytes())
            });
            match written {
                Ok(()) => Some(dir.join(REPORT_FILE_NAME)),
                Err(e) => {
                    tracing::warn!(error = %e, folder = %dir.display(), "rapport non écrit sur le bureau");
                    None
                }
            }
        }
        None => None,
    };
    Ok(ReportFiles { kept, desktop })
}
