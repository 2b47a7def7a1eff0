//! The backup scheduler of the resident service: runs the due scripts with nobody
//! at the screen, delivers the archives that waited for their destination, and
//! raises one notification when a script's backups fall behind.
//!
//! It wakes every [`TICK`] and compares the wall clock with each script's next
//! run, so a computer that slept or was off runs a missed backup once at wake or
//! start, never several times. In assistance mode nothing runs automatically and
//! the log says so (seed 000's warning).

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::Local;

use crate::backup::book::ScriptBook;
use crate::backup::run::{self, BackupContext, DueReport};
use crate::home::Home;
use crate::jobs::Cancel;
use crate::service::persist::PersistedState;

/// How often the scheduler looks at the clock (and renews the service's sign
/// of life, [`crate::service::presence::PERIOD`]).
pub const TICK: Duration = crate::service::presence::PERIOD;

/// What the scheduler remembers between ticks.
#[derive(Debug, Default)]
pub struct Scheduler {
    /// Scripts already announced as late (one notification each, until they
    /// catch up).
    announced_late: BTreeSet<String>,
    /// Whether "assistance mode: no automatic run" was already logged for the
    /// current stretch of assistance mode.
    assistance_logged: bool,
    /// The last configuration problem logged (not repeated every tick).
    last_problem: Option<String>,
}

impl Scheduler {
    /// One tick at the current time: runs what is due. Returns what was done
    /// (`None` when the installation cannot be read — logged once).
    pub fn tick(&mut self, home: &Home, cancel: &Cancel) -> Option<DueReport> {
        let ctx = match BackupContext::load(home) {
            Ok(ctx) => {
                self.last_problem = None;
                ctx
            }
            Err(e) => {
                let problem = e.to_string();
                if self.last_problem.as_deref() != Some(&problem) {
                    tracing::warn!(error = %problem, "sauvegardes automatiques suspendues");
                    self.last_problem = Some(problem);
                }
                return None;
            }
        };
        let assistance = PersistedState::load(home).assistance;
        let now = Local::now();
        let report = match run::run_due(&ctx, &now, assistance, cancel) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "sauvegardes automatiques : tour manqué");
                return None;
            }
        };
        if assistance && !report.skipped_for_assistance.is_empty() {
            if !self.assistance_logged {
                tracing::warn!(
                    "{}",
                    crate::messages::assistance_skipped(&report.skipped_for_assistance)
                );
                self.assistance_logged = true;
            }
        } else if !assistance {
            self.assistance_logged = false;
        }
        for r in &report.runs {
            tracing::info!(
                script = %r.script,
                outcome = r.outcome.code(),
                reason = r
                    .reason
                    .as_ref()
                    .map(crate::messages::run_reason)
                    .unwrap_or_default(),
                "sauvegarde automatique"
            );
        }
        self.announce_late(home);
        Some(report)
    }

    /// One notification per script that falls behind, again only after it
    /// caught up.
    fn announce_late(&mut self, home: &Home) {
        let Ok(book) = ScriptBook::load(home) else {
            return;
        };
        let now = Local::now();
        let mut late = BTreeSet::new();
        for script in run::late_scripts(&book, &now) {
            if !self.announced_late.contains(&script.script) {
                tracing::warn!(
                    script = %script.script,
                    "{}",
                    crate::messages::staleness_line(&script.script, &script.staleness)
                );
                crate::service::notify::backup_late(&script);
            }
            late.insert(script.script);
        }
        self.announced_late = late;
    }
}

/// Starts the scheduler on its own thread, for the life of the process.
pub fn spawn(home: Home) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("planificateur-sauvegardes".into())
        .spawn(move || {
            let mut scheduler = Scheduler::default();
            let cancel = Cancel::new();
            // The sign of life beside the store: renewed at every tick (its
            // period), moved along when the active store changes.
            let mut announced: Option<(std::path::PathBuf, uuid::Uuid)> = None;
            loop {
                let now_at = crate::service::presence::renew(&home);
                if let Some((old_store, id)) = &announced
                    && now_at.as_ref().is_none_or(|(store, _)| store != old_store)
                {
                    let _ = crate::service::presence::withdraw(old_store, *id);
                }
                announced = now_at;
                scheduler.tick(&home, &cancel);
                std::thread::sleep(TICK);
            }
        })
}
