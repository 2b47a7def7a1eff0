//! "Extractions de données" (seed 002, « Exécuter une requête »): the predefined
//! queries payroll managers run to pull targeted data out of their store, and
//! the exports that spreadsheets and XML tools open.
//!
//! - [`catalogue`]: one `.sql` file per query under `src/queries/catalogue/`,
//!   its metadata in a comment header (number, title, description, typed
//!   parameters with their defaults, typed columns), embedded in the binary.
//!   Adding a query is adding one file (the build script lists the folder).
//! - [`params`]: the typed parameters (date, month, year, dossier, employer),
//!   their defaults and their validation, each problem a typed fact naming the
//!   parameter and the expected form.
//! - [`run`]: a query runs on a read-only (`query_only`) connection, and a
//!   statement that could write is refused before it runs; rows stream into a
//!   [`RowSink`] with progress and a cancel flag that also interrupts SQLite.
//! - [`table`]: the rows kept in memory for the result view, column by column
//!   (a million payslips fit in tens of megabytes), sortable on any column.
//! - [`export`]: XLSX (`rust_xlsxwriter` in constant-memory mode), XML (with
//!   the XSD of `assets/`), TXT (tab-separated), JSON; written to a temporary
//!   file beside the target and renamed, never over an existing file unless
//!   the caller says the user agreed.
//!
//! The domain says nothing in French: `messages::queries` does.

pub mod catalogue;
pub mod export;
pub mod params;
pub mod run;
pub mod table;

use std::path::PathBuf;

pub use catalogue::{Catalogue, CatalogueError, Column, ColumnKind, Query};
pub use export::{ExportError, ExportFormat, ExportReport};
pub use params::{
    Choices, DefaultRule, ParamKind, ParamProblem, ParamSpec, ParamValue, ProblemKind, Scope,
    Values,
};
pub use run::{Cell, RowSink, RunStats};
pub use table::ResultTable;

use crate::store::StoreError;

/// Why a query could not run or its export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The store could not be opened or read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No query has this number.
    #[error("no query numbered {number}")]
    UnknownQuery {
        /// The number asked.
        number: u32,
    },
    /// Some parameters were refused (all of them are listed).
    #[error("{} parameter(s) refused", problems.len())]
    Params {
        /// What is wrong with each.
        problems: Vec<ParamProblem>,
    },
    /// The entry's statement could change the store: it is refused before it
    /// runs (the connection is read-only as well).
    #[error("query {number} is not a read-only statement")]
    NotReadOnly {
        /// The query.
        number: u32,
    },
    /// The entry's SQL does not compile against this store.
    #[error("query {number} does not compile: {source}")]
    Sql {
        /// The query.
        number: u32,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The statement returns another number of columns than its header declares.
    #[error("query {number} returns {found} columns, its header declares {declared}")]
    ColumnsMismatch {
        /// The query.
        number: u32,
        /// Columns in the header.
        declared: usize,
        /// Columns of the statement.
        found: usize,
    },
    /// The user cancelled.
    #[error("cancelled")]
    Cancelled,
    /// The export file could not be written.
    #[error(transparent)]
    Export(#[from] ExportError),
}

impl QueryError {
    /// The export file the error is about, if any.
    pub fn export_path(&self) -> Option<&PathBuf> {
        match self {
            Self::Export(e) => Some(e.path()),
            _ => None,
        }
    }
}
