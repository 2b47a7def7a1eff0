//! Reading dossiers, exercises and closed years: counts and totals of each year,
//! from the open tables for an open year and from the closed tables for a closed
//! one, so that the closing can be shown to keep every cent.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::store::{Store, StoreError};

/// Counts and money totals of a set of payslips and declarations (cents).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Payslips.
    pub payslips: u64,
    /// Gross pay.
    pub gross_cents: i64,
    /// Net pay before income tax.
    pub net_cents: i64,
    /// Employees' contributions.
    pub employee_contrib_cents: i64,
    /// Employers' contributions.
    pub employer_contrib_cents: i64,
    /// Income tax withheld (prélèvement à la source).
    pub pas_cents: i64,
    /// Monthly declarations.
    pub declarations: u64,
    /// Total of the declarations.
    pub declarations_total_cents: i64,
}

/// One dossier of the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DossierInfo {
    /// Row id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// `production` or `simulation`.
    pub state: String,
    /// Archived ("Dossiers archivés").
    pub archived: bool,
}

/// One year of one dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExerciseInfo {
    /// The dossier's id.
    pub dossier_id: i64,
    /// The dossier's name.
    pub dossier: String,
    /// The year.
    pub year: i32,
    /// Whether the exercise is closed.
    pub closed: bool,
    /// When it was closed (as stored, RFC 3339).
    pub closed_at: Option<String>,
    /// Open: from `payslips` / `declarations`; closed: from the closed tables.
    pub totals: Totals,
}

/// Every dossier, by name.
pub fn dossiers(conn: &Connection) -> rusqlite::Result<Vec<DossierInfo>> {
    let mut stmt =
        conn.prepare("SELECT id, name, state, archived FROM dossiers ORDER BY name, id")?;
    stmt.query_map([], |r| {
        Ok(DossierInfo {
            id: r.get(0)?,
            name: r.get(1)?,
            state: r.get(2)?,
            archived: r.get(3)?,
        })
    })?
    .collect()
}

/// Why no dossier answers to a name.
#[derive(Debug, thiserror::Error)]
pub enum DossierError {
    /// No dossier has that name, even without regard to case.
    #[error("no dossier named {name:?}")]
    Unknown {
        /// The name asked.
        name: String,
        /// The names of the dossiers of the store, by name.
        known: Vec<String>,
    },
    /// The dossiers could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The dossier called `name`. The exact name wins; otherwise the name is
/// matched without regard to case, because people type the names they read
/// in Impact emploi ("association les amis du théâtre"). The store keeps names
/// unique only without regard to ASCII case, so "Théâtre" and "THÉÂTRE" may
/// both exist: their exact names tell them apart.
pub fn dossier_named(store: &Store, name: &str) -> Result<DossierInfo, DossierError> {
    let mut list = dossiers(store.connection()).map_err(|e| store.err(e))?;
    let lower = name.to_lowercase();
    let found = list
        .iter()
        .position(|d| d.name == name)
        .or_else(|| list.iter().position(|d| d.name.to_lowercase() == lower));
    match found {
        Some(at) => Ok(list.swap_remove(at)),
        None => Err(DossierError::Unknown {
            name: name.to_owned(),
            known: list.into_iter().map(|d| d.name).collect(),
        }),
    }
}

/// The first and last period of `year` ("2025-01", "2025-12"): an index-friendly
/// range on `period` (the indexes are on `(employer_id, period)`).
pub(crate) fn period_bounds(year: i32) -> (String, String) {
    (format!("{year:04}-01"), format!("{year:04}-12"))
}

/// Totals of the open rows of `year` in dossier `dossier_id`.
pub(crate) fn open_totals(
    conn: &Connection,
    dossier_id: i64,
    year: i32,
) -> rusqlite::Result<Totals> {
    let (first, last) = period_bounds(year);
    totals_with(
        conn,
        "SELECT count(*), total(p.gross_cents), total(p.net_cents),
                total(p.employee_contrib_cents), total(p.employer_contrib_cents),
                total(p.pas_cents)
         FROM employers e JOIN payslips p ON p.employer_id = e.id
         WHERE e.dossier_id = ?1 AND p.period BETWEEN ?2 AND ?3",
        "SELECT count(*), total(d.total_cents)
         FROM employers e JOIN declarations d ON d.employer_id = e.id
         WHERE e.dossier_id = ?1 AND d.period BETWEEN ?2 AND ?3",
        params![dossier_id, first, last],
    )
}

/// Totals of the closed rows of exercise `exercise_id`.
pub(crate) fn closed_totals(conn: &Connection, exercise_id: i64) -> rusqlite::Result<Totals> {
    totals_with(
        conn,
        "SELECT count(*), total(gross_cents), total(net_cents),
                total(employee_contrib_cents), total(employer_contrib_cents), total(pas_cents)
         FROM closed_payslips WHERE exercise_id = ?1",
        "SELECT count(*), total(total_cents) FROM closed_declarations WHERE exercise_id = ?1",
        params![exercise_id],
    )
}

fn totals_with(
    conn: &Connection,
    payslips_sql: &str,
    declarations_sql: &str,
    args: &[&dyn rusqlite::ToSql],
) -> rusqlite::Result<Totals> {
    // `total()` is a float; sums of cents stay exact far beyond any payroll
    // (2^53 cents), and unlike `sum()` it never overflows into an error.
    let cents = |f: f64| f.round() as i64;
    let mut totals = conn.query_row(payslips_sql, args, |r| {
        Ok(Totals {
            payslips: r.get::<_, i64>(0)? as u64,
            gross_cents: cents(r.get(1)?),
            net_cents: cents(r.get(2)?),
            employee_contrib_cents: cents(r.get(3)?),
            employer_contrib_cents: cents(r.get(4)?),
            pas_cents: cents(r.get(5)?),
            declarations: 0,
            declarations_total_cents: 0,
        })
    })?;
    conn.query_row(declarations_sql, args, |r| {
        totals.declarations = r.get::<_, i64>(0)? as u64;
        totals.declarations_total_cents = cents(r.get(1)?);
        Ok(())
    })?;
    Ok(totals)
}

/// The exercise row of `year` in dossier `dossier_id`: id, closed, closed at.
pub(crate) fn exercise_row(
    conn: &Connection,
    dossier_id: i64,
    year: i32,
) -> rusqlite::Result<Option<(i64, bool, Option<String>)>> {
    conn.query_row(
        "SELECT id, state = 'cloture', closed_at FROM exercises WHERE dossier_id = ?1 AND year = ?2",
        params![dossier_id, year],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .optional()
}

/// Every year that has an exercise row or payslips, per dossier (by name), newest
/// first; `dossier_id` narrows to one dossier.
pub fn exercises(
    conn: &Connection,
    dossier_id: Option<i64>,
) -> rusqlite::Result<Vec<ExerciseInfo>> {
    // Covering scans of `payslips_employer_period` and of the declarations'
    // (employer_id, period) key: no table row is read.
    let mut years = conn.prepare(
        "SELECT CAST(substr(p.period, 1, 4) AS INTEGER)
         FROM employers e JOIN payslips p ON p.employer_id = e.id WHERE e.dossier_id = ?1
         UNION
         SELECT CAST(substr(d.period, 1, 4) AS INTEGER)
         FROM employers e JOIN declarations d ON d.employer_id = e.id WHERE e.dossier_id = ?1
         UNION
         SELECT year FROM exercises WHERE dossier_id = ?1
         ORDER BY 1 DESC",
    )?;
    let mut out = Vec::new();
    for dossier in dossiers(conn)? {
        if dossier_id.is_some_and(|id| id != dossier.id) {
            continue;
        }
        let list: Vec<i32> = years
            .query_map([dossier.id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for year in list {
            let row = exercise_row(conn, dossier.id, year)?;
            let (closed, closed_at, totals) = match row {
                Some((id, true, closed_at)) => (true, closed_at, closed_totals(conn, id)?),
                _ => (false, None, open_totals(conn, dossier.id, year)?),
            };
            out.push(ExerciseInfo {
                dossier_id: dossier.id,
                dossier: dossier.name.clone(),
                year,
                closed,
                closed_at,
                totals,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::store::Store;

    /// A store with one dossier, one employer, one contract and payslips in 2024
    /// and 2025.
    pub(crate) fn small_store(dir: &std::path::Path) -> Store {
        let store = Store::create(&dir.join("paie.iea")).expect("create");
        store
            .connection()
            .execute_batch(
                "INSERT INTO dossiers (id, name, state, created_at) VALUES (1, 'Asso', 'production', '2020-01-01');
                 INSERT INTO employers (id, dossier_id, siret, name, ccn_code) VALUES (1, 1, '73282932000074', 'Asso', '2511');
                 INSERT INTO employees (id, employer_id, nir, last_name, first_name, birth_date)
                   VALUES (1, 1, '180017512345678', 'Durand', 'Léa', '1980-01-01');
                 INSERT INTO contracts (id, employer_id, employee_id, kind, start_date, weekly_hours_centi)
                   VALUES (1, 1, 1, 'CDI', '2024-01-01', 3500);
                 INSERT INTO payslips (employer_id, employee_id, contract_id, period, gross_cents,
                     employee_contrib_cents, employer_contrib_cents, net_cents, pas_cents, hours_centi)
                   VALUES (1, 1, 1, '2024-12', 200000, 44000, 80000, 156000, 3000, 15167),
                          (1, 1, 1, '2025-01', 210000, 46000, 84000, 164000, 3100, 15167),
                          (1, 1, 1, '2025-02', 210001, 46000, 84000, 164001, 3100, 15167);
                 INSERT INTO declarations (employer_id, period, status, total_cents)
                   VALUES (1, '2025-01', 'a_deposer', 130000);",
            )
            .expect("rows");
        store
    }

    #[test]
    fn open_years_are_summed_from_the_open_tables() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = small_store(dir.path());
        let list = exercises(store.connection(), None).expect("exercises");
        let years: Vec<i32> = list.iter().map(|e| e.year).collect();
        assert_eq!(years, [2025, 2024]);
        let t = list[0].totals;
        assert_eq!(
            (t.payslips, t.gross_cents, t.net_cents),
            (2, 420_001, 328_001)
        );
        assert_eq!((t.declarations, t.declarations_total_cents), (1, 130_000));
        assert!(!list[0].closed);
        assert_eq!(
            dossiers(store.connection()).expect("dossiers")[0].name,
            "Asso"
        );
    }

    #[test]
    fn a_dossier_is_found_by_its_name_with_or_without_its_case() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = small_store(dir.path());
        store
            .connection()
            .execute_batch(
                "INSERT INTO dossiers (id, name, state, created_at)
                   VALUES (2, 'Théâtre', 'production', '2020-01-01'),
                          (3, 'THÉÂTRE', 'simulation', '2020-01-01'),
                          (4, 'Centre social', 'production', '2020-01-01');",
            )
            .expect("dossiers");
        assert_eq!(dossier_named(&store, "Asso").expect("exact").id, 1);
        assert_eq!(dossier_named(&store, "asso").expect("case").id, 1);
        assert_eq!(dossier_named(&store, "Théâtre").expect("exact").id, 2);
        assert_eq!(dossier_named(&store, "THÉÂTRE").expect("exact").id, 3);
        assert_eq!(dossier_named(&store, "centre SOCIAL").expect("case").id, 4);
        match dossier_named(&store, "Inconnu") {
            Err(DossierError::Unknown { name, known }) => {
                assert_eq!(name, "Inconnu");
                assert_eq!(known.len(), 4, "{known:?}");
                assert!(known.contains(&"Centre social".to_owned()));
            }
            other => panic!("found: {other:?}"),
        }
    }
}
