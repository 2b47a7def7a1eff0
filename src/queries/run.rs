//! Running a query: on a read-only connection, with its statement refused
//! before it runs if it could write, its rows streamed one by one into a
//! [`RowSink`] (the result view's table, an export file), its progress
//! reported and its cancel flag checked — by the loop between rows, and by
//! SQLite itself while it sorts or groups before the first row.
//!
//! Three locks keep a query from changing the store: the statement must start
//! with `SELECT` or `WITH`, SQLite must find it read-only
//! (`sqlite3_stmt_readonly`), and the connection is `query_only`
//! ([`Store::open_read_only`]).

use std::borrow::Cow;
use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::types::ValueRef;

use super::catalogue::{ColumnKind, Query};
use super::params::Values;
use super::{ExportError, QueryError};
use crate::jobs::{Cancel, Phase, Progress};
use crate::store::Store;

/// One value of a row, borrowed from SQLite while the row is read.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// No value (SQL NULL).
    Null,
    /// A number: cents for money, hundredths for hours and rates.
    Int(i64),
    /// Text, dates (`AAAA-MM-JJ`) and months (`AAAA-MM`) included.
    Text(Cow<'a, str>),
}

impl Cell<'_> {
    /// The cell with its text owned.
    pub fn to_owned_cell(&self) -> Cell<'static> {
        match self {
            Self::Null => Cell::Null,
            Self::Int(i) => Cell::Int(*i),
            Self::Text(t) => Cell::Text(Cow::Owned(t.clone().into_owned())),
        }
    }
}

/// Receives the rows of a query, one at a time, only its visible columns.
pub trait RowSink {
    /// One row; an error stops the query.
    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), ExportError>;
}

/// What a run came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunStats {
    /// Rows read.
    pub rows: u64,
    /// Time taken.
    pub elapsed: Duration,
}

/// How many rows between two progress reports and cancel checks.
const ROWS_PER_REPORT: u64 = 2048;

/// How many SQLite steps between two looks at the cancel flag while SQLite
/// works before the first row (a sort, a grouping).
const STEPS_PER_CANCEL_CHECK: i32 = 50_000;

/// Runs `query` with `values` on the store at `path`, opened read-only, its
/// rows into `sink`.
pub fn run_on_store(
    path: &Path,
    query: &Query,
    values: &Values,
    sink: &mut dyn RowSink,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<RunStats, QueryError> {
    crate::fsutil::debug_assert_not_ui_thread("queries::run_on_store");
    let mut store = Store::open_read_only(path)?;
    run(&mut store, query, values, sink, progress, cancel)
}

/// Runs `query` on an open store (tests may pass a store opened otherwise; the
/// statement checks still apply).
pub fn run(
    store: &mut Store,
    query: &Query,
    values: &Values,
    sink: &mut dyn RowSink,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<RunStats, QueryError> {
    let started = Instant::now();
    progress.phase(Phase::QueryRun, 0);
    if !starts_as_a_read(&query.sql) {
        return Err(QueryError::NotReadOnly {
            number: query.number,
        });
    }
    let watched = cancel.clone();
    // While SQLite sorts a million rows before the first one, only this hook
    // sees « Annuler ».
    store
        .connection_mut()
        .progress_handler(STEPS_PER_CANCEL_CHECK, Some(move || watched.is_cancelled()))
        .map_err(|e| QueryError::Store(crate::store::StoreError::from_sqlite(Path::new(""), e)))?;
    let result = run_statement(store, query, values, sink, progress, cancel);
    let _ = store
        .connection_mut()
        .progress_handler(0, None::<fn() -> bool>);
    let rows = result?;
    Ok(RunStats {
        rows,
        elapsed: started.elapsed(),
    })
}

fn run_statement(
    store: &Store,
    query: &Query,
    values: &Values,
    sink: &mut dyn RowSink,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<u64, QueryError> {
    let number = query.number;
    let conn = store.connection();
    let mut stmt = conn
        .prepare(&query.sql)
        .map_err(|source| QueryError::Sql { number, source })?;
    if !stmt.readonly() {
        return Err(QueryError::NotReadOnly { number });
    }
    if stmt.column_count() != query.columns.len() {
        return Err(QueryError::ColumnsMismatch {
            number,
            declared: query.columns.len(),
            found: stmt.column_count(),
        });
    }
    for (spec, value) in &values.0 {
        if let Some(index) = stmt
            .parameter_index(&format!(":{}", spec.name))
            .map_err(|source| QueryError::Sql { number, source })?
        {
            stmt.raw_bind_parameter(index, value.bind())
                .map_err(|source| QueryError::Sql { number, source })?;
        }
    }
    let visible: Vec<(usize, ColumnKind)> = query
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.kind != ColumnKind::Key)
        .map(|(i, c)| (i, c.kind))
        .collect();
    let mut rows = stmt.raw_query();
    let mut count: u64 = 0;
    loop {
        let row = match rows.next() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(_) if cancel.is_cancelled() => return Err(QueryError::Cancelled),
            Err(e) => return Err(QueryError::Store(store.err(e))),
        };
        let mut cells: Vec<Cell<'_>> = Vec::with_capacity(visible.len());
        for &(i, kind) in &visible {
            let value = row
                .get_ref(i)
                .map_err(|e| QueryError::Store(store.err(e)))?;
            cells.push(cell(value, kind));
        }
        sink.row(&cells)?;
        count += 1;
        if count.is_multiple_of(ROWS_PER_REPORT) {
            progress.advance(count);
            if cancel.is_cancelled() {
                return Err(QueryError::Cancelled);
            }
        }
    }
    progress.advance(count);
    Ok(count)
}

/// A value read from SQLite as a cell of a `kind` column: numbers for numeric
/// kinds (a REAL from an average is rounded to the cent), text for the others.
fn cell(value: ValueRef<'_>, kind: ColumnKind) -> Cell<'_> {
    match (value, kind.is_numeric()) {
        (ValueRef::Null, _) => Cell::Null,
        (ValueRef::Integer(i), true) => Cell::Int(i),
        (ValueRef::Real(f), true) => Cell::Int(f.round() as i64),
        (ValueRef::Text(t), true) => match std::str::from_utf8(t)
            .ok()
            .and_then(|s| s.trim().parse().ok())
        {
            Some(i) => Cell::Int(i),
            None => Cell::Text(String::from_utf8_lossy(t)),
        },
        (ValueRef::Text(t), false) => Cell::Text(String::from_utf8_lossy(t)),
        (ValueRef::Integer(i), false) => Cell::Text(Cow::Owned(i.to_string())),
        (ValueRef::Real(f), false) => Cell::Text(Cow::Owned(f.to_string())),
        (ValueRef::Blob(b), _) => Cell::Text(Cow::Owned(format!("({} octets)", b.len()))),
    }
}

/// Whether the statement, past its comments, starts with `SELECT` or `WITH`.
fn starts_as_a_read(sql: &str) -> bool {
    let mut rest = sql;
    loop {
        rest = rest.trim_start();
        if let Some(comment) = rest.strip_prefix("--") {
            rest = comment.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(comment) = rest.strip_prefix("/*") {
            rest = comment.split_once("*/").map_or("", |(_, after)| after);
        } else {
            break;
        }
    }
    let word: String = rest
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_ascii_uppercase();
    word == "SELECT" || word == "WITH"
}

/// A sink that only counts (tests, checks).
#[derive(Debug, Default)]
pub struct CountSink(pub u64);

impl RowSink for CountSink {
    fn row(&mut self, _cells: &[Cell<'_>]) -> Result<(), ExportError> {
        self.0 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::NoProgress;
    use crate::queries::catalogue::Catalogue;
    use crate::queries::params::{self, Choices};

    #[test]
    fn statements_are_recognised_past_their_comments() {
        assert!(starts_as_a_read("-- number: 1\n/* x */ select 1"));
        assert!(starts_as_a_read("WITH a AS (SELECT 1) SELECT * FROM a"));
        assert!(!starts_as_a_read("-- select\nDELETE FROM payslips"));
        assert!(!starts_as_a_read("ATTACH 'x' AS y"));
        assert!(!starts_as_a_read("PRAGMA query_only = 0"));
    }

    #[test]
    fn every_builtin_query_runs_with_its_defaults_on_an_empty_store() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("paie.iea");
        drop(Store::create(&path).expect("create"));
        let mut store = Store::open_read_only(&path).expect("open");
        let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 15).expect("date");
        for query in Catalogue::builtin().queries() {
            let values = params::defaults(&query.params, today, &Choices::default());
            // Every parameter is used by its statement.
            let stmt = store.connection().prepare(&query.sql).expect("prepare");
            for p in &query.params {
                assert!(
                    stmt.parameter_index(&format!(":{}", p.name))
                        .ok()
                        .flatten()
                        .is_some(),
                    "{}: :{} unused",
                    query.file,
                    p.name
                );
            }
            assert_eq!(stmt.parameter_count(), query.params.len(), "{}", query.file);
            drop(stmt);
            let mut sink = CountSink::default();
            run(
                &mut store,
                query,
                &values,
                &mut sink,
                &NoProgress,
                &Cancel::new(),
            )
            .unwrap_or_else(|e| panic!("{}: {e}", query.file));
            assert_eq!(sink.0, 0);
        }
    }

    /// The plan of query 9 on a demo store, one line per step.
    fn plan_of_query_9(store: &Store) -> Vec<String> {
        let query = Catalogue::builtin().get(9).expect("query 9");
        let mut stmt = store
            .connection()
            .prepare(&format!("EXPLAIN QUERY PLAN {}", query.sql))
            .expect("explain");
        stmt.query_map([rusqlite::types::Null], |row| row.get::<_, String>(3))
            .expect("plan")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    #[test]
    fn regression_query_9_reads_the_payslips_in_order_without_sorting_them_first() {
        // Left to itself, SQLite started from the dossiers and sorted every
        // payslip before the first row: 1.2 s before « Visualisation du
        // résultat » showed anything on the million-payslip store.
        let dir = tempfile::tempdir().expect("tempdir");
        let home = crate::home::Home::at(dir.path().join("iea"));
        home.ensure().expect("home");
        let path = home.default_store_path();
        let opts = crate::demo::DemoOptions {
            payslips: 3_000,
            seed: 1,
            overwrite: false,
        };
        crate::demo::build_demo(&home, &path, &opts, &NoProgress, &Cancel::new()).expect("demo");
        let store = Store::open_read_only(&path).expect("open");
        let plan = plan_of_query_9(&store);
        assert!(
            plan.iter()
                .any(|step| step == "SCAN p USING INDEX payslips_employer_period"),
            "{plan:#?}"
        );
        // Only the closed years' rows are sorted whole; the open ones by employee
        // within one employer and period.
        assert_eq!(
            plan.iter()
                .filter(|step| *step == "USE TEMP B-TREE FOR ORDER BY")
                .count(),
            1,
            "{plan:#?}"
        );
    }

    #[test]
    fn every_query_that_reads_payslips_or_declarations_reads_the_closed_years_too() {
        for query in Catalogue::builtin().queries() {
            let sql = query.sql.to_lowercase();
            for table in ["payslips", "declarations"] {
                let open = sql.matches(&format!("from {table}")).count()
                    + sql.matches(&format!("join {table}")).count();
                let closed = sql.matches(&format!("closed_{table}")).count();
                if open > 0 {
                    assert!(
                        closed > 0,
                        "{} reads {table} but not closed_{table}",
                        query.file
                    );
                }
            }
        }
    }
}
