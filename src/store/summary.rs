//! What Accueil and `status` show of a store: its size, schema version and
//! dossiers with their counts, each number read from the store itself.

use std::path::PathBuf;

use serde::Serialize;

use super::{Store, StoreError, size_on_disk};

/// State of a dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DossierState {
    /// Real payroll.
    Production,
    /// Trials that do not count.
    Simulation,
}

impl DossierState {
    /// The value stored in the `state` column.
    pub fn as_sql(self) -> &'static str {
        match self {
            Self::Production => "production",
            Self::Simulation => "simulation",
        }
    }

    /// Reads the `state` column.
    pub fn from_sql(s: &str) -> Option<Self> {
        match s {
            "production" => Some(Self::Production),
            "simulation" => Some(Self::Simulation),
            _ => None,
        }
    }
}

/// One dossier and its counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DossierSummary {
    /// Row id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Production or Simulation.
    pub state: DossierState,
    /// Archived dossiers are kept but no longer worked on.
    pub archived: bool,
    /// Employers not archived.
    pub active_employers: u64,
    /// All employers.
    pub employers: u64,
    /// All employees of its employers.
    pub employees: u64,
    /// Payslips of its employers.
    pub payslips: u64,
    /// Oldest pay period (`AAAA-MM`), if any payslip.
    pub first_period: Option<String>,
    /// Newest pay period (`AAAA-MM`), if any payslip.
    pub last_period: Option<String>,
}

/// The whole store at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoreSummary {
    /// The file.
    pub path: PathBuf,
    /// Size on disk, WAL included.
    pub size_bytes: u64,
    /// `PRAGMA user_version`.
    pub schema_version: u32,
    /// Dossiers, by name.
    pub dossiers: Vec<DossierSummary>,
    /// Payslips in all dossiers.
    pub payslips: u64,
    /// Employers in all dossiers.
    pub employers: u64,
    /// Employees in all dossiers.
    pub employees: u64,
    /// User accounts.
    pub users: u64,
    /// Known workstations.
    pub workstations: u64,
}

impl Store {
    /// Reads the summary of the store; every number is counted now.
    pub fn summary(&self) -> Result<StoreSummary, StoreError> {
        let c = self.connection();
        let count = |sql: &str| -> Result<u64, StoreError> {
            c.query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(|e| self.err(e))
        };
        let mut stmt = c
            .prepare(
                "SELECT d.id, d.name, d.state, d.archived,
                        (SELECT count(*) FROM employers e WHERE e.dossier_id = d.id AND e.archived = 0),
                        (SELECT count(*) FROM employers e WHERE e.dossier_id = d.id),
                        (SELECT count(*) FROM employees w JOIN employers e ON e.id = w.employer_id
                          WHERE e.dossier_id = d.id),
                        (SELECT count(*) FROM payslips p JOIN employers e ON e.id = p.employer_id
                          WHERE e.dossier_id = d.id),
                        (SELECT min(p.period) FROM payslips p JOIN employers e ON e.id = p.employer_id
                          WHERE e.dossier_id = d.id),
                        (SELECT max(p.period) FROM payslips p JOIN employers e ON e.id = p.employer_id
                          WHERE e.dossier_id = d.id)
                 FROM dossiers d ORDER BY d.name",
            )
            .map_err(|e| self.err(e))?;
        let dossiers = stmt
            .query_map([], |r| {
                let state: String = r.get(2)?;
                Ok(DossierSummary {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    state: DossierState::from_sql(&state).unwrap_or(DossierState::Simulation),
                    archived: r.get::<_, i64>(3)? != 0,
                    active_employers: r.get::<_, i64>(4)? as u64,
                    employers: r.get::<_, i64>(5)? as u64,
                    employees: r.get::<_, i64>(6)? as u64,
                    payslips: r.get::<_, i64>(7)? as u64,
                    first_period: r.get(8)?,
                    last_period: r.get(9)?,
                })
            })
            .and_then(Iterator::collect::<rusqlite::Result<Vec<_>>>)
            .map_err(|e| self.err(e))?;
        Ok(StoreSummary {
            path: self.path().to_path_buf(),
            size_bytes: size_on_disk(self.path()),
            schema_version: self.schema_version()?,
            payslips: count("SELECT count(*) FROM payslips")?,
            employers: count("SELECT count(*) FROM employers")?,
            employees: count("SELECT count(*) FROM employees")?,
            users: count("SELECT count(*) FROM users")?,
            workstations: count("SELECT count(*) FROM workstations")?,
            dossiers,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::store::Store;

    #[test]
    fn empty_store_summary_counts_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::create(&dir.path().join("paie.iea")).expect("create");
        let s = store.summary().expect("summary");
        assert!(s.dossiers.is_empty());
        assert_eq!((s.payslips, s.employers, s.users), (0, 0, 0));
        assert!(s.size_bytes > 0);
    }
}
