//! Backups and restores ("Sauvegarder / Restaurer"), done so that a backup
//! reported as good can always be restored.
//!
//! - [`script`]: what a backup script is; [`draft`]: its form, validated;
//!   [`book`]: the file in `IEA_HOME` that keeps the scripts and what the
//!   installation remembers of each (last run, last good backup, postponement,
//!   archives waiting for their destination).
//! - [`edit`]: the changes the command line asks by name: a script created or
//!   changed from its form, removed, postponed, its postponement cancelled.
//! - [`schedule`]: the calendar, in local time, across daylight-saving changes and
//!   month ends; missed runs; the anomalies "Date de sauvegarde incorrecte" and
//!   the staleness alarm.
//! - [`archive`]: a consistent snapshot of the live store, checked, zipped with its
//!   manifest; verified before any restore.
//! - [`destination`]: folder, removable disk, FTP site.
//! - [`run`]: one run of a script, the due runs of the scheduler, the delivery of
//!   archives left in staging, the verification of kept backups; [`reason`]: why a
//!   run was not plainly OK, as facts kept with the script and in the journal.
//! - [`restore`]: putting a backup back in place of the store, atomically, with a
//!   safety copy taken first and recovery after a crash.

pub mod archive;
pub mod book;
pub mod destination;
pub mod draft;
pub mod edit;
pub mod reason;
pub mod restore;
pub mod run;
pub mod schedule;
pub mod script;

pub use script::{
    BackupScript, Destination, DestinationKind, Frequency, FrequencyUnit, FtpSecurity, FtpSettings,
    RemovableSettings, RunOutcome, ScriptEntry, ScriptState,
};
