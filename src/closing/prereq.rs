//! Prerequisites of a closing (seed 002, "Prérequis à la clôture d'exercice"),
//! each checked live and shown as met or not: a verified backup newer than the
//! last change to the store, every backup script postponed by at least two days,
//! nobody connected, the licence not withdrawn. The closing cannot start while one
//! is unmet.

use std::path::Path;

use chrono::{DateTime, Local, Utc};
use serde::Serialize;

use crate::backup::book::{BookFault, ScriptBook};
use crate::backup::schedule;
use crate::home::Home;
use crate::service::persist::PersistedState;
use crate::service::state::ConnectionState;
use crate::store::sessions::{self, SessionInfo};
use crate::store::{Store, StoreError};

/// How many days every backup script must be postponed by (seed 002: "repousser
/// d'au moins deux jours toutes les sauvegardes paramétrées").
pub const POSTPONE_DAYS: u32 = 2;

/// The four prerequisites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrerequisiteKind {
    /// A verified backup made after the last change to the store.
    RecentBackup,
    /// Every backup script postponed by at least two days.
    BackupsPostponed,
    /// No user or workstation connected.
    NobodyConnected,
    /// The licence is not withdrawn.
    LicenceValid,
}

impl PrerequisiteKind {
    /// The four, in the order they are shown.
    pub const ALL: [Self; 4] = [
        Self::RecentBackup,
        Self::BackupsPostponed,
        Self::NobodyConnected,
        Self::LicenceValid,
    ];
}

/// What was found when checking a prerequisite (`messages::prerequisite_detail`
/// says it, with the names of connected users, the scripts not postponed, the
/// date of the last backup against the last change…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrerequisiteDetail {
    /// [`PrerequisiteKind::RecentBackup`]: the newest verified backup and the
    /// newest change to the store, when there are.
    RecentBackup {
        /// When the newest verified backup was taken.
        last_good: Option<DateTime<Utc>>,
        /// The newest change journaled in the store.
        last_change: Option<DateTime<Utc>>,
    },
    /// [`PrerequisiteKind::BackupsPostponed`]: the scripts that would run within
    /// [`POSTPONE_DAYS`] days.
    BackupsPostponed {
        /// Their names.
        late: Vec<String>,
    },
    /// [`PrerequisiteKind::NobodyConnected`]: the sessions are in
    /// [`Prerequisite::sessions`].
    NobodyConnected,
    /// [`PrerequisiteKind::LicenceValid`]: the server's message when the licence
    /// was withdrawn.
    LicenceValid {
        /// The message, when withdrawn.
        refused: Option<String>,
    },
    /// The scripts file could not be read, so the backups cannot be checked.
    ScriptsUnreadable {
        /// Why.
        fault: BookFault,
    },
}

/// One prerequisite as checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prerequisite {
    /// Which.
    pub kind: PrerequisiteKind,
    /// Whether it is met.
    pub met: bool,
    /// What was found.
    pub detail: PrerequisiteDetail,
    /// Sessions listed for [`PrerequisiteKind::NobodyConnected`] (active ones
    /// block; stale ones, left by a crash, block too and can be removed with
    /// "Déconnecter", [`crate::store::sessions::disconnect`]).
    pub sessions: Vec<SessionInfo>,
}

/// All four, as checked at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prerequisites {
    /// In the order of [`PrerequisiteKind::ALL`].
    pub items: Vec<Prerequisite>,
}

impl Prerequisites {
    /// Whether the closing may start.
    pub fn all_met(&self) -> bool {
        self.items.iter().all(|p| p.met)
    }

    /// The unmet ones.
    pub fn unmet(&self) -> Vec<Prerequisite> {
        self.items.iter().filter(|p| !p.met).cloned().collect()
    }
}

/// Checks the four prerequisites of a closing of the store at `store_path`.
pub fn prerequisites(
    home: &Home,
    store_path: &Path,
    now: DateTime<Local>,
) -> Result<Prerequisites, StoreError> {
    let store = Store::open(store_path)?;
    let book = ScriptBook::load(home);
    let last_change = last_change(&store)?;
    let recent_backup = match &book {
        Ok(book) => {
            let last_good = book
                .entries
                .iter()
                .filter_map(|e| e.state.last_good_at)
                .max();
            let met = match (last_good, last_change) {
                (Some(good), Some(change)) => good >= change,
                (Some(_), None) => true,
                (None, _) => false,
            };
            Prerequisite {
                kind: PrerequisiteKind::RecentBackup,
                met,
                detail: PrerequisiteDetail::RecentBackup {
                    last_good,
                    last_change,
                },
                sessions: Vec::new(),
            }
        }
        Err(e) => Prerequisite {
            kind: PrerequisiteKind::RecentBackup,
            met: false,
            detail: PrerequisiteDetail::ScriptsUnreadable { fault: e.fault() },
            sessions: Vec::new(),
        },
    };
    let postponed = match &book {
        Ok(book) => {
            let late: Vec<String> = book
                .entries
                .iter()
                .filter(|e| !schedule::postponed_at_least(e, POSTPONE_DAYS, &now))
                .map(|e| e.script.name.clone())
                .collect();
            Prerequisite {
                kind: PrerequisiteKind::BackupsPostponed,
                met: late.is_empty(),
                detail: PrerequisiteDetail::BackupsPostponed { late },
                sessions: Vec::new(),
            }
        }
        Err(e) => Prerequisite {
            kind: PrerequisiteKind::BackupsPostponed,
            met: false,
            detail: PrerequisiteDetail::ScriptsUnreadable { fault: e.fault() },
            sessions: Vec::new(),
        },
    };
    let sessions = sessions::sessions(store.connection(), now.with_timezone(&Utc))
        .map_err(|e| store.err(e))?;
    let nobody = Prerequisite {
        kind: PrerequisiteKind::NobodyConnected,
        met: sessions.is_empty(),
        detail: PrerequisiteDetail::NobodyConnected,
        sessions,
    };
    let state = PersistedState::load(home);
    let refused = match &state.connection {
        ConnectionState::LicenceRefused { message } => Some(message.clone()),
        _ => None,
    };
    let licence = Prerequisite {
        kind: PrerequisiteKind::LicenceValid,
        met: refused.is_none(),
        detail: PrerequisiteDetail::LicenceValid { refused },
        sessions: Vec::new(),
    };
    Ok(Prerequisites {
        items: vec![recent_backup, postponed, nobody, licence],
    })
}

/// The newest change journaled in the store (`audit_log`, where the payroll
/// program notes every change; the transfer checks its backups the same way): the latest of the last line written and the
/// latest time written, since lines may come from computers whose clocks differ.
pub fn last_change(store: &Store) -> Result<Option<DateTime<Utc>>, StoreError> {
    let mut stmt = store
        .connection()
        .prepare(
            "SELECT at FROM (SELECT at FROM audit_log ORDER BY id DESC LIMIT 1)
             UNION ALL SELECT max(at) FROM audit_log",
        )
        .map_err(|e| store.err(e))?;
    let times: Vec<Option<String>> = stmt
        .query_map([], |r| r.get(0))
        .and_then(Iterator::collect)
        .map_err(|e| store.err(e))?;
    Ok(times
        .into_iter()
        .flatten()
        .filter_map(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc))
        .max())
}
