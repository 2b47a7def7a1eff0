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
}

impl Default for PersistedState {
    fn default() -> Self {
        Self {
            connection: ConnectionState::Unknown,
            assistance: false,
            updated_at: None,
        }
    }
}

impl PersistedState {
    /// Reads the state; a missing or unreadable file gives the default (unknown
    /// connection, no assistance): this file is a cache, never the only copy of
    /// anything the user typed.
    pub fn load(home: &Home) -> Self {
        std::fs::read(home.state_file())
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Writes the state atomically, stamping the time.
    pub fn save(&mut self, home: &Home) -> std::io::Result<()> {
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
            updated_at: None,
        };
        s.save(&home).expect("save");
        assert_eq!(PersistedState::load(&home), s);
        std::fs::write(home.state_file(), b"{not json").expect("damage");
        assert_eq!(PersistedState::load(&home), PersistedState::default());
    }
}
