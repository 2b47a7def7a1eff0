//! Schema migrations: numbered SQL files embedded in the binary, each applied in
//! one transaction together with its `PRAGMA user_version`, so a store is always
//! at one whole version.

use rusqlite::Connection;

/// One migration: the version it brings the store to, and its SQL.
struct Migration {
    version: u32,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: include_str!("migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        sql: include_str!("migrations/0002_backup_runs.sql"),
    },
    Migration {
        version: 3,
        sql: include_str!("migrations/0003_closing.sql"),
    },
    Migration {
        version: 4,
        sql: include_str!("migrations/0004_closed_no_insert.sql"),
    },
    Migration {
        version: 5,
        sql: include_str!("migrations/0005_accounts.sql"),
    },
];

/// The schema version this program writes and understands.
pub const SCHEMA_VERSION: u32 = 5;

/// Brings the store to [`SCHEMA_VERSION`], one transaction per step. Returns the
/// version reached. A store newer than the program is left untouched.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<u32> {
    let start: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let mut current = start;
    for m in MIGRATIONS.iter().filter(|m| m.version > start) {
        let tx = conn.transaction()?;
        tx.execute_batch(m.sql)?;
        tx.pragma_update(None, "user_version", m.version)?;
        tx.commit()?;
        current = m.version;
    }
    Ok(current)
}

/// Applies every migration to a new, empty database.
pub(crate) fn apply_all(conn: &mut Connection) -> rusqlite::Result<()> {
    migrate(conn).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_increasing_and_end_at_the_schema_version() {
        let mut last = 0;
        for m in MIGRATIONS {
            assert!(m.version > last, "migration {} out of order", m.version);
            last = m.version;
        }
        assert_eq!(last, SCHEMA_VERSION);
    }

    #[test]
    fn migrating_twice_changes_nothing() {
        let mut conn = Connection::open_in_memory().expect("memory");
        assert_eq!(migrate(&mut conn).expect("first"), SCHEMA_VERSION);
        assert_eq!(migrate(&mut conn).expect("second"), SCHEMA_VERSION);
    }

    #[test]
    fn a_failing_migration_leaves_the_previous_version() {
        let mut conn = Connection::open_in_memory().expect("memory");
        // A table in the way makes migration 1 fail half-way through.
        conn.execute_batch("CREATE TABLE users (x)")
            .expect("obstacle");
        assert!(migrate(&mut conn).is_err());
        let version: u32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("version");
        assert_eq!(version, 0);
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'dossiers'",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(tables, 0, "the failed step must leave nothing behind");
    }
}
