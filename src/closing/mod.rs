//! Year-end closing ("Clôturer un exercice", seed 002): the payslips and
//! declarations of one year of one dossier move into the closed tables, where the
//! store itself refuses any change, and the exercise is marked closed.
//!
//! The job runs the seed's three steps:
//! 1. "Arrêt du serveur – Réparation de la base": the store is locked for
//!    everyone else (a marker file beside the store, held with a file lock, that
//!    `Store::open` reports as "clôture en cours"; SQLite's exclusive locking
//!    mode), then `PRAGMA integrity_check` and `foreign_key_check`. A damaged
//!    store stops here, with the advice to restore a backup.
//! 2. "Clôture": one transaction moves the rows and closes the exercise;
//!    cancelling before its commit leaves the store untouched.
//! 3. "Réindexation": `REINDEX`, `ANALYZE`, `PRAGMA optimize`.
//!
//! After a crash at any instant the store is either untouched or fully closed for
//! that year: [`recover_interrupted`], called at every start, says which and
//! removes the stale marker.
//!
//! Prerequisites ([`prerequisites`]) are checked before the job starts:
//! a verified backup newer than the last change to the store; every backup script
//! postponed by at least two days; nobody connected; the licence not withdrawn.

pub mod job;
pub mod prereq;
pub mod view;

pub use job::{
    CloseReport, CloseRequest, ClosingError, ClosingStep, MARKER_SUFFIX, Recovery, check_request,
    close_year, closing_in_progress, recover_interrupted,
};
pub use prereq::{
    Prerequisite, PrerequisiteDetail, PrerequisiteKind, Prerequisites, last_change, prerequisites,
};
pub use view::{
    DossierError, DossierInfo, ExerciseInfo, Totals, dossier_named, dossiers, exercises,
};
