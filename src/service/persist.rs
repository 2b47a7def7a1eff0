//! The service's last known state, kept in `IEA_HOME/state.json` so that `status`,
//! the centre and a restarted service all see the same connection state and
//! assistance mode.

use serde::{Deserialize, Serialize};

use super::state::ConnectionState;
use crate::fsutil;
use crate::home::Home;

/// What survives a restart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersistedState {
    /// Last authentication result.
    pub connection: ConnectionState,
    /// Assistance mode on.
    pub assistance: bool,
    /// When this was written (RFC 3339), if ever.
    pub updated_at: Option<String>,
    /// Failed authentications in a row, for the retry back-off.
    #[serde(default)]
    pub consecutive_failures: u32,
    /// The last changes of state, oldest first (for the support report).
    #[serde(default)]
    pub history: Vec<StateEvent>,
}

/// One change of state, as the support report lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateEvent {
    /// When (RFC 3339, local time).
    pub at: String,
    /// `status --json`'s key of the new state (`connected`, `assistance`…).
    pub state: String,
    /// A short detail: the server's message, the assistance action.
    pub detail: String,
}

/// How many changes of state are kept.
pub const HISTORY_LEN: usize = 50;

impl Default for PersistedState {
    fn default() -> Self {
        Self {
            connection: ConnectionState::Unknown,
            assistance: false,
            updated_at: None,
            consecutive_failures: 0,
            history: Vec::new(),
        }
    }
}

impl PersistedState {
    /// Reads the state; a missing or unreadable file gives the default (unknown
    /// connection, no assistance): this file is a cache, never the only copy of
    /// anything the user typed.
    pub fn load(home: &Home) -> Self {
        crate::fsutil::debug_assert_not_ui_thread("PersistedState::load");
        std::fs::read(home.state_file())
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// The key `status --json` prints for this state.
    pub fn state_key(&self) -> &'static str {
        if self.assistance {
            "assistance"
        } else {
            self.connection.key()
        }
    }

    /// Sets the connection state, noting the change in the history when the
    /// state's kind changes.
    pub fn set_connection(&mut self, connection: ConnectionState, detail: &str) {
        let before = self.state_key();
        self.connection = connection;
        if before != self.state_key() || self.history.is_empty() {
            self.note(detail);
        }
    }

    /// Turns assistance mode on or off, noting it in the history.
    pub fn set_assistance(&mut self, on: bool, detail: &str) {
        if self.assistance != on {
            self.assistance = on;
            self.note(detail);
        }
    }

    fn note(&mut self, detail: &str) {
        self.history.push(StateEvent {
            at: chrono::Local::now().to_rfc3339(),
            state: self.state_key().to_owned(),
            detail: detail.to_owned(),
        });
        if self.history.len() > HISTORY_LEN {
            let extra = self.history.len() - HISTORY_LEN;
            self.history.drain(..extra);
        }
    }

    /// Writes the state atomically, stamping the time.
    pub fn save(&mut self, home: &Home) -> std::io::Result<()> {
        crate::fsutil::debug_assert_not_ui_thread("PersistedState::save");
        self.updated_at = Some(chrono::Local::now().to_rfc3339());
        let bytes = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        std::fs::create_dir_all(home.root())?;
        fsutil::write_atomic(&home.state_file(), &bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_and_a_damaged_file_reads_as_unknown() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        assert_eq!(PersistedState::load(&home), PersistedState::default());
        let mut s = PersistedState {
            connection: ConnectionState::AuthRefused {
                message: "refus".into(),
            },
            assistance: true,
            ..PersistedState::default()
        };
        s.save(&home).expect("save");
        assert_eq!(PersistedState::load(&home), s);
        std::fs::write(home.state_file(), b"{not json").expect("damage");
        assert_eq!(PersistedState::load(&home), PersistedState::default());
    }

    #[test]
    fn history_notes_changes_of_kind_only_and_stays_short() {
        let mut s = PersistedState::default();
        s.set_connection(ConnectionState::Connected, "ok");
        s.set_connection(ConnectionState::Connected, "ok again");
        s.set_assistance(true, "activé");
        s.set_assistance(false, "désactivé");
        let states: Vec<&str> = s.history.iter().map(|e| e.state.as_str()).collect();
        assert_eq!(states, ["connected", "assistance", "connected"]);
        for n in 0..200 {
            let c = if n % 2 == 0 {
                ConnectionState::Connected
            } else {
                ConnectionState::Unreachable { next_retry: None }
            };
            s.set_connection(c, "");
        }
        assert_eq!(s.history.len(), HISTORY_LEN);
    }
}
