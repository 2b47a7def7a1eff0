//! Who is connected to the store: the payroll program's sessions (user,
//! workstation, start, heartbeat). A session whose heartbeat is older than
//! [`HEARTBEAT_TIMEOUT`] was left behind by a crash or a cut network: it no
//! longer counts as connected, and "Déconnecter" may remove it.

use chrono::{DateTime, Duration, Utc};
use rusqlite::Connection;

use super::{Store, StoreError};

/// How long a session stays "connected" after its last heartbeat.
pub const HEARTBEAT_TIMEOUT: Duration = Duration::minutes(5);

/// One session of the payroll program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// Row id.
    pub id: i64,
    /// The user's login.
    pub login: String,
    /// The user's display name.
    pub user_name: String,
    /// The workstation's host name.
    pub hostname: String,
    /// When the session started (as stored).
    pub started_at: String,
    /// The last heartbeat (as stored).
    pub heartbeat_at: String,
    /// Whether the heartbeat is recent enough for the session to count as
    /// connected at the time asked.
    pub active: bool,
}

/// Every session of the store, with whether it is active at `now`.
pub fn sessions(conn: &Connection, now: DateTime<Utc>) -> rusqlite::Result<Vec<SessionInfo>> {
    let mut stmt = conn.prepare(
        "SELECT s.id, u.login, u.display_name, w.hostname, s.started_at, s.heartbeat_at
         FROM sessions s
         JOIN users u ON u.id = s.user_id
         JOIN workstations w ON w.id = s.workstation_id
         ORDER BY s.started_at, s.id",
    )?;
    let rows = stmt.query_map([], |r| {
        let heartbeat_at: String = r.get(5)?;
        // An unreadable heartbeat is treated as connected: refusing a restore
        // wrongly is safer than replacing a store someone uses.
        let active = DateTime::parse_from_rfc3339(&heartbeat_at).map_or(true, |h| {
            now.signed_duration_since(h.with_timezone(&Utc)) <= HEARTBEAT_TIMEOUT
        });
        Ok(SessionInfo {
            id: r.get(0)?,
            login: r.get(1)?,
            user_name: r.get(2)?,
            hostname: r.get(3)?,
            started_at: r.get(4)?,
            heartbeat_at,
            active,
        })
    })?;
    rows.collect()
}

/// The sessions connected at `now`.
pub fn connected(conn: &Connection, now: DateTime<Utc>) -> rusqlite::Result<Vec<SessionInfo>> {
    Ok(sessions(conn, now)?
        .into_iter()
        .filter(|s| s.active)
        .collect())
}

/// Why "Déconnecter" did not close a session.
#[derive(Debug, thiserror::Error)]
pub enum DisconnectError {
    /// No session has that id (already closed, or a wrong number).
    #[error("no session {id}")]
    Unknown {
        /// The id asked.
        id: i64,
    },
    /// The session is alive: its heartbeat is recent. Only a session left by a
    /// crash may be closed; a live one belongs to someone working.
    #[error("session {} is active", session.id)]
    Active {
        /// The session, as read inside the refused transaction.
        session: Box<SessionInfo>,
    },
    /// The store could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Closes the session `id` ("Déconnecter", for a session left by a crash) and
/// returns it. A session whose heartbeat is recent at `now` is refused: the
/// check and the deletion are one write transaction, so a heartbeat that comes
/// back in between (a screen showing a stale list) is seen.
pub fn disconnect(
    store: &Store,
    id: i64,
    now: DateTime<Utc>,
) -> Result<SessionInfo, DisconnectError> {
    let tx = rusqlite::Transaction::new_unchecked(
        store.connection(),
        rusqlite::TransactionBehavior::Immediate,
    )
    .map_err(|e| store.err(e))?;
    let found = sessions(&tx, now).map_err(|e| store.err(e))?;
    let Some(session) = found.into_iter().find(|s| s.id == id) else {
        return Err(DisconnectError::Unknown { id });
    };
    if session.active {
        return Err(DisconnectError::Active {
            session: Box::new(session),
        });
    }
    tx.execute("DELETE FROM sessions WHERE id = ?1", [id])
        .map_err(|e| store.err(e))?;
    tx.commit().map_err(|e| store.err(e))?;
    Ok(session)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_with_sessions(dir: &std::path::Path) -> Store {
        let store = Store::create(&dir.join("s.iea")).expect("create");
        store
            .connection()
            .execute_batch(
                "INSERT INTO users (login, display_name, role, password_hash, created_at)
                   VALUES ('dupont', 'Dupont', 'gestionnaire', '$argon2id$x', '2026-01-01T00:00:00Z');
                 INSERT INTO workstations (id, hostname) VALUES
                   ('11111111-1111-1111-1111-111111111111', 'POSTE-COMPTA');
                 INSERT INTO sessions (user_id, workstation_id, started_at, heartbeat_at) VALUES
                   (1, '11111111-1111-1111-1111-111111111111', '2026-11-22T08:00:00+00:00', '2026-11-22T09:58:00+00:00'),
                   (1, '11111111-1111-1111-1111-111111111111', '2026-11-20T08:00:00+00:00', '2026-11-20T17:00:00+00:00');",
            )
            .expect("rows");
        store
    }

    #[test]
    fn a_recent_heartbeat_is_connected_and_an_old_one_is_not() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store_with_sessions(dir.path());
        let now = DateTime::parse_from_rfc3339("2026-11-22T10:00:00+00:00")
            .expect("now")
            .with_timezone(&Utc);
        let all = sessions(store.connection(), now).expect("sessions");
        assert_eq!(all.len(), 2);
        let live = connected(store.connection(), now).expect("connected");
        assert_eq!(live.len(), 1);
        assert_eq!(
            crate::messages::session_who(&live[0]),
            "Dupont sur POSTE-COMPTA"
        );
        let stale = all.iter().find(|s| !s.active).expect("one left by a crash");
        let closed = disconnect(&store, stale.id, now).expect("disconnect");
        assert_eq!(closed.id, stale.id);
        assert_eq!(
            sessions(store.connection(), now).expect("sessions").len(),
            1
        );
    }

    /// Regression: "Déconnecter" was a plain DELETE, so a screen showing a stale
    /// list (or any caller) could close the session of someone working.
    #[test]
    fn a_live_session_is_refused_even_when_it_came_back_to_life() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store_with_sessions(dir.path());
        let now = DateTime::parse_from_rfc3339("2026-11-22T10:00:00+00:00")
            .expect("now")
            .with_timezone(&Utc);
        let live = connected(store.connection(), now).expect("connected");
        match disconnect(&store, live[0].id, now) {
            Err(DisconnectError::Active { session }) => assert_eq!(session.id, live[0].id),
            other => panic!("a live session was not refused: {other:?}"),
        }
        // The list was read while the old session looked dead; its workstation
        // then sent a heartbeat: the deletion sees it and refuses.
        let stale = sessions(store.connection(), now).expect("sessions");
        let left = stale
            .iter()
            .find(|s| !s.active)
            .expect("one left by a crash");
        store
            .connection()
            .execute(
                "UPDATE sessions SET heartbeat_at = ?1 WHERE id = ?2",
                rusqlite::params![now.to_rfc3339(), left.id],
            )
            .expect("heartbeat");
        assert!(matches!(
            disconnect(&store, left.id, now),
            Err(DisconnectError::Active { .. })
        ));
        assert_eq!(
            sessions(store.connection(), now).expect("sessions").len(),
            2
        );
        assert!(matches!(
            disconnect(&store, 999, now),
            Err(DisconnectError::Unknown { id: 999 })
        ));
    }
}
