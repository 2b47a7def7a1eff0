//! The prerequisites of seed 004 (« Prérequis »), checked by the program on
//! each chosen store instead of a checklist the user ticks by hand.
//!
//! - The data ([`DataCheck`]), one SQL query each on the store opened
//!   read-only, with the offending rows ([`Offence`]): `messages` says where
//!   each is fixed in Impact emploi. An unmet data item may be acknowledged
//!   explicitly ([`Acknowledged`]); the report then names it.
//! - The installation ([`InstallationFinding`]): a verified backup newer than
//!   the last change (as the closing checks it), nobody connected (the payroll
//!   program's sessions, by their heartbeat), no other workstation's service
//!   running (by its sign of life, [`crate::service::presence`]). These block
//!   the transfer. The antivirus cannot be checked: it is a reminder.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike as _, Local, NaiveDate, Utc};
use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use serde::{Deserialize, Serialize};

use crate::backup::book::ScriptBook;
use crate::home::Home;
use crate::service::presence::{self, ServiceSeen};
use crate::store::sessions::{self, SessionInfo};
use crate::store::{Store, StoreError, StoreFault};

/// At most this many offending rows are listed per item (the count says the rest).
pub const MAX_ROWS: usize = 200;

/// Employers of a production dossier with no activity left at this date must
/// be archived (seed 004: « plus actifs au 31 décembre 2021 »).
pub const EMPLOYERS_INACTIVE_AT: &str = "2021-12-31";

/// Employees of a production dossier with no running contract at this date
/// must be archived (seed 004: « plus de contrat en cours au 31 décembre 2020 »).
pub const EMPLOYEES_WITHOUT_CONTRACT_AT: &str = "2020-12-31";

/// An employer without a payslip for this many months and without a running
/// contract is no longer managed: it needs its « Date de sortie du dispositif ».
pub const NOT_MANAGED_AFTER_MONTHS: u32 = 12;

/// The data items of seed 004, in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataCheck {
    /// « Le nom de vos dossiers de Production soit unique » (compared without
    /// case, accents kept, spaces folded).
    UniqueDossierNames,
    /// « Les dossiers non utilisés en Production soient passés à l'état
    /// Simulation »: a production dossier that never had a payslip or a
    /// declaration.
    UnusedDossiersInSimulation,
    /// « La Date de sortie du dispositif soit renseignée pour les Employeurs qui
    /// ne sont plus gérés »: archived, or without payslip for
    /// [`NOT_MANAGED_AFTER_MONTHS`] months and without a running contract.
    ExitDateSet,
    /// « Chaque Employeur ait un seul et unique code risque actif pour le taux
    /// AT/MP » (employers still managed).
    OneRiskCode,
    /// « Les Employeurs du dossier de Production qui ne sont plus actifs au 31
    /// décembre 2021 soient archivés ».
    InactiveEmployersArchived,
    /// « Les Salariés du dossier Production qui n'ont plus de contrat en cours
    /// au 31 décembre 2020 soient archivés ».
    EmployeesArchived,
}

impl DataCheck {
    /// The six, in the order of the seed.
    pub const ALL: [Self; 6] = [
        Self::UniqueDossierNames,
        Self::UnusedDossiersInSimulation,
        Self::ExitDateSet,
        Self::OneRiskCode,
        Self::InactiveEmployersArchived,
        Self::EmployeesArchived,
    ];

    /// The name an administrator gives on the command line (`--accept`).
    pub fn code(self) -> &'static str {
        match self {
            Self::UniqueDossierNames => "noms-dossiers",
            Self::UnusedDossiersInSimulation => "dossiers-simulation",
            Self::ExitDateSet => "date-sortie",
            Self::OneRiskCode => "code-risque",
            Self::InactiveEmployersArchived => "employeurs-archives",
            Self::EmployeesArchived => "salaries-archives",
        }
    }

    /// The item whose [`code`](Self::code) is `code`.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code.trim())
    }
}

/// One offending row, with what `messages` needs to say it and where to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", content = "params", rename_all = "snake_case")]
pub enum Offence {
    /// A production dossier whose name another production dossier also has.
    DuplicateName {
        /// The dossier's name, as written.
        dossier: String,
        /// How many production dossiers have the same name (itself included).
        same_name: u64,
    },
    /// A production dossier without any payslip or declaration.
    UnusedProduction {
        /// The dossier.
        dossier: String,
    },
    /// An employer no longer managed without « Date de sortie du dispositif ».
    NoExitDate {
        /// Its dossier.
        dossier: String,
        /// The employer.
        employer: String,
        /// Its SIRET.
        siret: String,
        /// Whether it is archived.
        archived: bool,
        /// Its last payslip's period (`AAAA-MM`), if any.
        last_period: Option<String>,
    },
    /// An employer still managed with no active AT/MP risk code, or several.
    RiskCodes {
        /// Its dossier.
        dossier: String,
        /// The employer.
        employer: String,
        /// Its SIRET.
        siret: String,
        /// The active codes (none, or more than one).
        active: Vec<String>,
    },
    /// A production employer with no activity left at 31/12/2021, not archived.
    InactiveEmployer {
        /// Its dossier.
        dossier: String,
        /// The employer.
        employer: String,
        /// Its SIRET.
        siret: String,
        /// Its last payslip's period, if any.
        last_period: Option<String>,
    },
    /// A production employee without a running contract at 31/12/2020, not
    /// archived.
    EmployeeWithoutContract {
        /// Its dossier.
        dossier: String,
        /// The employer.
        employer: String,
        /// « NOM Prénom ».
        employee: String,
        /// The end of the last contract, if any.
        last_end: Option<String>,
    },
}

/// One data item as checked on one store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataFinding {
    /// Which item.
    pub check: DataCheck,
    /// The offending rows (at most [`MAX_ROWS`]).
    pub rows: Vec<Offence>,
    /// How many rows offend in all.
    pub total: u64,
}

impl DataFinding {
    /// Whether the item is met.
    pub fn met(&self) -> bool {
        self.total == 0
    }
}

/// The installation items of seed 004.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InstallationCheck {
    /// « Vos données soient sauvegardées »: a verified backup newer than the
    /// last change.
    RecentBackup,
    /// « Le logiciel Impact emploi soit fermé »: nobody connected.
    NobodyConnected,
    /// « fermer sur les autres postes … le gestionnaire de services ».
    NoOtherService,
    /// « L'antivirus soit bien désactivé »: cannot be checked, a reminder.
    Antivirus,
}

/// What was found for the installation items of one store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstallationFinding {
    /// The newest verified backup of the store (its own journal, and the
    /// scripts' state for the active store).
    pub last_backup: Option<DateTime<Utc>>,
    /// The newest change journaled in the store.
    pub last_change: Option<DateTime<Utc>>,
    /// The sessions of the payroll program; the active ones block.
    #[serde(skip)]
    pub sessions: Vec<SessionInfo>,
    /// The services of the other workstations that left a sign of life; the
    /// running ones block.
    #[serde(skip)]
    pub services: Vec<ServiceSeen>,
}

impl InstallationFinding {
    /// Whether a verified backup is newer than the last change.
    pub fn backup_met(&self) -> bool {
        match (self.last_backup, self.last_change) {
            (Some(good), Some(change)) => good >= change,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }

    /// The sessions that are alive (someone works in Impact emploi).
    pub fn connected(&self) -> Vec<&SessionInfo> {
        self.sessions.iter().filter(|s| s.active).collect()
    }

    /// The other workstations whose service runs.
    pub fn running_services(&self) -> Vec<&ServiceSeen> {
        self.services.iter().filter(|s| s.running).collect()
    }

    /// Whether this item is met.
    pub fn met(&self, check: InstallationCheck) -> bool {
        match check {
            InstallationCheck::RecentBackup => self.backup_met(),
            InstallationCheck::NobodyConnected => self.connected().is_empty(),
            InstallationCheck::NoOtherService => self.running_services().is_empty(),
            InstallationCheck::Antivirus => true,
        }
    }

    /// Whether anything here blocks the transfer.
    pub fn blocks(&self) -> bool {
        [
            InstallationCheck::RecentBackup,
            InstallationCheck::NobodyConnected,
            InstallationCheck::NoOtherService,
        ]
        .into_iter()
        .any(|c| !self.met(c))
    }
}

/// Every item for one store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoreFindings {
    /// The six data items, in their order.
    pub data: Vec<DataFinding>,
    /// The installation items.
    pub installation: InstallationFinding,
}

/// One store as checked: its findings, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreCheck {
    /// The store.
    pub store: PathBuf,
    /// What was found, or why the store could not be checked (a store that
    /// cannot be checked cannot be sent).
    pub result: Result<StoreFindings, StoreFault>,
}

/// A data item the user chose to send anyway, for one store.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Acknowledged {
    /// The store.
    pub store: PathBuf,
    /// The item.
    pub check: DataCheck,
}

/// All the prerequisites of the stores chosen, as checked at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prerequisites {
    /// In the order the stores were given.
    pub stores: Vec<StoreCheck>,
    /// When.
    pub checked_at: DateTime<Local>,
}

/// Why the transfer may not start yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocker {
    /// A store could not be read.
    Unreadable(PathBuf),
    /// An installation item is unmet for this store.
    Installation(PathBuf, InstallationCheck),
    /// A data item is unmet and not acknowledged.
    Data(PathBuf, DataCheck),
}

impl Prerequisites {
    /// What keeps the transfer from starting, given the data items acknowledged.
    pub fn blockers(&self, acknowledged: &BTreeSet<Acknowledged>) -> Vec<Blocker> {
        let mut out = Vec::new();
        for check in &self.stores {
            let Ok(findings) = &check.result else {
                out.push(Blocker::Unreadable(check.store.clone()));
                continue;
            };
            for item in [
                InstallationCheck::RecentBackup,
                InstallationCheck::NobodyConnected,
                InstallationCheck::NoOtherService,
            ] {
                if !findings.installation.met(item) {
                    out.push(Blocker::Installation(check.store.clone(), item));
                }
            }
            for data in &findings.data {
                let ack = Acknowledged {
                    store: check.store.clone(),
                    check: data.check,
                };
                if !data.met() && !acknowledged.contains(&ack) {
                    out.push(Blocker::Data(check.store.clone(), data.check));
                }
            }
        }
        out
    }

    /// The acknowledgements that apply: those of unmet data items only (an
    /// item fixed meanwhile needs none, and the report does not name it).
    pub fn applied(&self, acknowledged: &BTreeSet<Acknowledged>) -> Vec<Acknowledged> {
        acknowledged
            .iter()
            .filter(|a| {
                self.stores.iter().any(|s| {
                    s.store == a.store
                        && s.result
                            .as_ref()
                            .is_ok_and(|f| f.data.iter().any(|d| d.check == a.check && !d.met()))
                })
            })
            .cloned()
            .collect()
    }
}

/// Checks every prerequisite of `stores` at `now`. The stores are opened
/// read-only and never changed; `home` gives this workstation (its own
/// service is not "another workstation's") and the backup scripts' state.
pub fn check(home: &Home, stores: &[PathBuf], now: DateTime<Local>) -> Prerequisites {
    crate::fsutil::debug_assert_not_ui_thread("transfer::prereq::check");
    let config = crate::config::Config::load(home).ok();
    let active = config.as_ref().map(|c| c.paths.store.clone());
    let book = ScriptBook::load(home).ok();
    let this_workstation = crate::installation::Installation::load(home)
        .ok()
        .flatten()
        .map(|i| i.workstation_id);
    let stores = stores
        .iter()
        .map(|store| {
            let active_backup = (active.as_deref() == Some(store.as_path()))
                .then(|| {
                    book.as_ref()
                        .and_then(|b| b.entries.iter().filter_map(|e| e.state.last_good_at).max())
                })
                .flatten();
            StoreCheck {
                store: store.clone(),
                result: check_store(store, now, active_backup, this_workstation)
                    .map_err(|e| e.fault()),
            }
        })
        .collect();
    Prerequisites {
        stores,
        checked_at: now,
    }
}

/// The items of one store.
fn check_store(
    path: &Path,
    now: DateTime<Local>,
    active_backup: Option<DateTime<Utc>>,
    this_workstation: Option<uuid::Uuid>,
) -> Result<StoreFindings, StoreError> {
    let store = Store::open_read_only(path)?;
    let conn = store.connection();
    let data = data_findings(conn, now.date_naive()).map_err(|e| store.err(e))?;
    let last_change = crate::closing::last_change(&store)?;
    let journaled = last_journaled_backup(conn).map_err(|e| store.err(e))?;
    let last_backup = journaled.max(active_backup);
    let sessions = sessions::sessions(conn, now.with_timezone(&Utc)).map_err(|e| store.err(e))?;
    // A folder that cannot be read hides no one: it is said as a store
    // problem rather than taken for "nobody".
    let services = presence::services(path, now.with_timezone(&Utc))
        .map_err(|source| StoreError::Io {
            path: presence::folder(path),
            source,
        })?
        .into_iter()
        .filter(|s| Some(s.presence.workstation_id) != this_workstation)
        .collect();
    Ok(StoreFindings {
        data,
        installation: InstallationFinding {
            last_backup,
            last_change,
            sessions,
            services,
        },
    })
}

/// The newest verified backup in the store's own journal: a run that made and
/// checked its archive (`ok`, or `avertissement` when the archive waits in
/// staging or old ones could not be removed).
fn last_journaled_backup(conn: &Connection) -> rusqlite::Result<Option<DateTime<Utc>>> {
    let at: Option<String> = conn.query_row(
        "SELECT max(started_at) FROM backup_runs
         WHERE outcome IN ('ok', 'avertissement') AND archive IS NOT NULL",
        [],
        |r| r.get(0),
    )?;
    Ok(at
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc)))
}

/// Folds a name for comparison: lower case (every alphabet), surrounding and
/// repeated spaces removed. Accents are kept: « Théâtre » and « Theatre » are
/// two names.
pub fn fold_name(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The six data items, in their order.
fn data_findings(conn: &Connection, today: NaiveDate) -> rusqlite::Result<Vec<DataFinding>> {
    // SQLite's lower() only knows ASCII: the comparison of names is ours.
    conn.create_scalar_function(
        "iea_nom_compare",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| Ok(fold_name(&ctx.get::<String>(0)?)),
    )?;
    let closed = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'closed_payslips'",
        [],
        |r| r.get::<_, i64>(0),
    )? > 0;
    // Payslips of closed years count as activity too.
    let payslips = if closed {
        "(SELECT employer_id, period FROM payslips
          UNION ALL SELECT employer_id, period FROM closed_payslips)"
    } else {
        "(SELECT employer_id, period FROM payslips)"
    };
    let declarations = if closed {
        "(SELECT employer_id FROM declarations UNION ALL SELECT employer_id FROM closed_declarations)"
    } else {
        "(SELECT employer_id FROM declarations)"
    };
    let today_text = today.format("%Y-%m-%d").to_string();
    let managed_since = months_before(today, NOT_MANAGED_AFTER_MONTHS);
    let inactive_period = &EMPLOYERS_INACTIVE_AT[..7];

    let mut out = Vec::new();
    out.push(finding(
        conn,
        DataCheck::UniqueDossierNames,
        "SELECT d.name, g.n FROM dossiers d
         JOIN (SELECT iea_nom_compare(name) AS k, count(*) AS n FROM dossiers
               WHERE state = 'production' GROUP BY k HAVING count(*) > 1) g
           ON g.k = iea_nom_compare(d.name)
         WHERE d.state = 'production'
         ORDER BY g.k, d.name",
        &[],
        |r| {
            Ok(Offence::DuplicateName {
                dossier: r.get(0)?,
                same_name: r.get::<_, i64>(1)? as u64,
            })
        },
    )?);
    out.push(finding(
        conn,
        DataCheck::UnusedDossiersInSimulation,
        &format!(
            "SELECT d.name FROM dossiers d
             WHERE d.state = 'production'
               AND NOT EXISTS (SELECT 1 FROM {payslips} p JOIN employers e ON e.id = p.employer_id
                               WHERE e.dossier_id = d.id)
               AND NOT EXISTS (SELECT 1 FROM {declarations} x JOIN employers e ON e.id = x.employer_id
                               WHERE e.dossier_id = d.id)
             ORDER BY d.name"
        ),
        &[],
        |r| {
            Ok(Offence::UnusedProduction {
                dossier: r.get(0)?,
            })
        },
    )?);
    out.push(finding(
        conn,
        DataCheck::ExitDateSet,
        &format!(
            "SELECT d.name, e.name, e.siret, e.archived,
                    (SELECT max(period) FROM {payslips} p WHERE p.employer_id = e.id)
             FROM employers e JOIN dossiers d ON d.id = e.dossier_id
             WHERE e.exit_date IS NULL
               AND (e.archived = 1
                    OR (NOT EXISTS (SELECT 1 FROM contracts c WHERE c.employer_id = e.id
                                    AND c.start_date <= ?1 AND (c.end_date IS NULL OR c.end_date >= ?1))
                        AND NOT EXISTS (SELECT 1 FROM {payslips} p WHERE p.employer_id = e.id
                                        AND p.period >= ?2)))
             ORDER BY d.name, e.name"
        ),
        &[&today_text, &managed_since],
        |r| {
            Ok(Offence::NoExitDate {
                dossier: r.get(0)?,
                employer: r.get(1)?,
                siret: r.get(2)?,
                archived: r.get::<_, i64>(3)? == 1,
                last_period: r.get(4)?,
            })
        },
    )?);
    out.push(finding(
        conn,
        DataCheck::OneRiskCode,
        "SELECT d.name, e.name, e.siret,
                (SELECT group_concat(code, ',') FROM
                   (SELECT DISTINCT risk_code AS code FROM employer_risks k
                    WHERE k.employer_id = e.id AND k.valid_from <= ?1
                      AND (k.valid_to IS NULL OR k.valid_to >= ?1) ORDER BY code))
         FROM employers e JOIN dossiers d ON d.id = e.dossier_id
         WHERE e.archived = 0 AND (e.exit_date IS NULL OR e.exit_date > ?1)
           AND (SELECT count(DISTINCT risk_code) FROM employer_risks k
                WHERE k.employer_id = e.id AND k.valid_from <= ?1
                  AND (k.valid_to IS NULL OR k.valid_to >= ?1)) <> 1
         ORDER BY d.name, e.name",
        &[&today_text],
        |r| {
            let codes: Option<String> = r.get(3)?;
            Ok(Offence::RiskCodes {
                dossier: r.get(0)?,
                employer: r.get(1)?,
                siret: r.get(2)?,
                active: codes
                    .map(|c| c.split(',').map(str::to_owned).collect())
                    .unwrap_or_default(),
            })
        },
    )?);
    out.push(finding(
        conn,
        DataCheck::InactiveEmployersArchived,
        &format!(
            "SELECT d.name, e.name, e.siret,
                    (SELECT max(period) FROM {payslips} p WHERE p.employer_id = e.id)
             FROM employers e JOIN dossiers d ON d.id = e.dossier_id
             WHERE d.state = 'production' AND e.archived = 0
               AND NOT EXISTS (SELECT 1 FROM contracts c WHERE c.employer_id = e.id
                               AND (c.end_date IS NULL OR c.end_date >= ?1))
               AND NOT EXISTS (SELECT 1 FROM {payslips} p WHERE p.employer_id = e.id
                               AND p.period >= ?2)
             ORDER BY d.name, e.name"
        ),
        &[&EMPLOYERS_INACTIVE_AT, &inactive_period],
        |r| {
            Ok(Offence::InactiveEmployer {
                dossier: r.get(0)?,
                employer: r.get(1)?,
                siret: r.get(2)?,
                last_period: r.get(3)?,
            })
        },
    )?);
    out.push(finding(
        conn,
        DataCheck::EmployeesArchived,
        "SELECT d.name, e.name, w.last_name, w.first_name,
                (SELECT max(end_date) FROM contracts c WHERE c.employee_id = w.id)
         FROM employees w
         JOIN employers e ON e.id = w.employer_id
         JOIN dossiers d ON d.id = e.dossier_id
         WHERE d.state = 'production' AND w.archived = 0
           AND NOT EXISTS (SELECT 1 FROM contracts c WHERE c.employee_id = w.id
                           AND (c.end_date IS NULL OR c.end_date >= ?1))
         ORDER BY d.name, e.name, w.last_name, w.first_name",
        &[&EMPLOYEES_WITHOUT_CONTRACT_AT],
        |r| {
            // Upper case of every alphabet (SQLite's upper() knows ASCII only).
            let last: String = r.get(2)?;
            let first: String = r.get(3)?;
            Ok(Offence::EmployeeWithoutContract {
                dossier: r.get(0)?,
                employer: r.get(1)?,
                employee: format!("{} {first}", last.to_uppercase()),
                last_end: r.get(4)?,
            })
        },
    )?);
    Ok(out)
}

/// Runs one item's query: the first [`MAX_ROWS`] rows and the count of all.
fn finding(
    conn: &Connection,
    check: DataCheck,
    sql: &str,
    params: &[&dyn rusqlite::ToSql],
    row: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<Offence>,
) -> rusqlite::Result<DataFinding> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query(params)?;
    let mut kept = Vec::new();
    let mut total = 0_u64;
    while let Some(r) = rows.next()? {
        if kept.len() < MAX_ROWS {
            kept.push(row(r)?);
        }
        total += 1;
    }
    Ok(DataFinding {
        check,
        rows: kept,
        total,
    })
}

/// The month `months` months before `day`, as a payslip period (`AAAA-MM`).
fn months_before(day: NaiveDate, months: u32) -> String {
    let index = i64::from(day.year()) * 12 + i64::from(day.month0()) - i64::from(months);
    format!(
        "{:04}-{:02}",
        index.div_euclid(12),
        index.rem_euclid(12) + 1
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold_case_and_spaces_but_keep_accents() {
        assert_eq!(fold_name("  Club   de l'ÉTOILE "), "club de l'étoile");
        assert_eq!(fold_name("Club de l'Étoile"), "club de l'étoile");
        assert_ne!(fold_name("Théâtre"), fold_name("Theatre"));
    }

    #[test]
    fn months_before_crosses_years() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 15).expect("day");
        assert_eq!(months_before(day, 12), "2025-03");
        assert_eq!(months_before(day, 3), "2025-12");
        assert_eq!(months_before(day, 2), "2026-01");
    }

    #[test]
    fn codes_round_trip() {
        for c in DataCheck::ALL {
            assert_eq!(DataCheck::from_code(c.code()), Some(c));
        }
        assert_eq!(DataCheck::from_code("inconnu"), None);
    }
}
