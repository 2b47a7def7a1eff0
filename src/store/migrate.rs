//! Schema migrations: numbered SQL files embedded in the binary, tracked by
//! `PRAGMA user_version`.
//!
//! Every pending migration of a store runs in one transaction, step after step
//! in their order (a store two versions behind goes through both), each step
//! setting its `user_version` inside that transaction: a crash or a failed step
//! leaves the store whole at the version it had, never between two. The
//! transaction is `BEGIN EXCLUSIVE`: SQLite's write lock of the store, so that
//! when several workstations share a store only one migrates it, and the
//! others find it done.
//!
//! Numbers may skip one (a version kept for another line of work): a store is
//! taken from its version to [`SCHEMA_VERSION`] through the migrations of
//! higher numbers, whatever lies between.

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
    Migration {
        version: 6,
        sql: include_str!("migrations/0006_opco.sql"),
    },
];

/// The schema version this program writes and understands.
pub const SCHEMA_VERSION: u32 = 6;

/// What a migration run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrated {
    /// The version found (inside the lock).
    pub from: u32,
    /// The version reached.
    pub to: u32,
    /// The versions applied, in order (empty when there was nothing to do).
    pub steps: Vec<u32>,
}

/// The migrations a store at `version` needs, in order.
pub fn pending(version: u32) -> Vec<u32> {
    MIGRATIONS
        .iter()
        .filter(|m| m.version > version)
        .map(|m| m.version)
        .collect()
}

/// Brings the store to [`SCHEMA_VERSION`] in one exclusive transaction, calling
/// `on_step` before each step. The version is read again once the lock is held:
/// a store migrated meanwhile by another workstation is left as it is. A store
/// newer than the program is left untouched.
pub fn migrate_with(
    conn: &mut Connection,
    on_step: &mut dyn FnMut(u32),
) -> rusqlite::Result<Migrated> {
    let tx = rusqlite::Transaction::new(conn, rusqlite::TransactionBehavior::Exclusive)?;
    let from: u32 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let mut to = from;
    let mut steps = Vec::new();
    for m in MIGRATIONS.iter().filter(|m| m.version > from) {
        on_step(m.version);
        tx.execute_batch(m.sql)?;
        tx.pragma_update(None, "user_version", m.version)?;
        to = m.version;
        steps.push(m.version);
    }
    tx.commit()?;
    Ok(Migrated { from, to, steps })
}

/// Brings the store to [`SCHEMA_VERSION`] (see [`migrate_with`]). Returns the
/// version reached.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<u32> {
    migrate_with(conn, &mut |_| {}).map(|m| m.to)
}

/// Applies every migration up to `version` to a new, empty database (the
/// stores of older programs, for the tests of the database update).
pub(crate) fn apply_up_to(conn: &mut Connection, version: u32) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    for m in MIGRATIONS.iter().filter(|m| m.version <= version) {
        tx.execute_batch(m.sql)?;
        tx.pragma_update(None, "user_version", m.version)?;
    }
    tx.commit()
}

/// Whether `version` is one this program's migrations reach.
pub fn is_known_version(version: u32) -> bool {
    MIGRATIONS.iter().any(|m| m.version == version)
}

/// Checks the embedded migrations: increasing, ending at [`SCHEMA_VERSION`]
/// (the self-check of a new binary runs it).
pub fn check_migrations() -> Result<(), String> {
    let mut last = 0;
    for m in MIGRATIONS {
        if m.version <= last || m.sql.trim().is_empty() {
            return Err(format!("migration {} out of order or empty", m.version));
        }
        last = m.version;
    }
    if last == SCHEMA_VERSION {
        Ok(())
    } else {
        Err(format!("last migration {last}, schema {SCHEMA_VERSION}"))
    }
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
        check_migrations().expect("migrations in order");
        assert_eq!(pending(4), [5, 6]);
        assert_eq!(pending(2), [3, 4, 5, 6]);
        assert!(pending(SCHEMA_VERSION).is_empty());
    }

    #[test]
    fn a_store_two_versions_behind_goes_through_each_step_in_one_transaction() {
        let mut conn = Connection::open_in_memory().expect("memory");
        apply_up_to(&mut conn, 3).expect("version 3");
        let mut seen = Vec::new();
        let done = migrate_with(&mut conn, &mut |v| seen.push(v)).expect("migrate");
        assert_eq!(done.from, 3);
        assert_eq!(done.to, SCHEMA_VERSION);
        assert_eq!(done.steps, [4, 5, 6]);
        assert_eq!(seen, [4, 5, 6]);
    }

    #[test]
    fn a_failing_later_step_leaves_the_store_at_its_version() {
        let mut conn = Connection::open_in_memory().expect("memory");
        apply_up_to(&mut conn, 3).expect("version 3");
        // A table in the way makes the last step fail after steps 4 and 5 ran.
        conn.execute_batch("CREATE TABLE opco (x)")
            .expect("obstacle");
        assert!(migrate(&mut conn).is_err());
        let version: u32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("version");
        assert_eq!(version, 3, "step 4 rolled back with step 6");
        let triggers: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'closed_payslips_no_insert'",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(triggers, 0);
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
