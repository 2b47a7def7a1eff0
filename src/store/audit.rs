//! The audit log: who did what to the installation, and when.

use super::{Store, StoreError};

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// RFC 3339 local time.
    pub at: String,
    /// Who acted (user login, "service", "ligne de commande"…).
    pub actor: String,
    /// What was done, a short code such as `store.created`.
    pub action: String,
    /// Free text, never a secret.
    pub detail: String,
}

impl Store {
    /// Appends a line to the audit log.
    pub fn audit(&self, actor: &str, action: &str, detail: &str) -> Result<(), StoreError> {
        self.connection()
            .execute(
                "INSERT INTO audit_log (at, actor, action, detail) VALUES (?1, ?2, ?3, ?4)",
                (chrono::Local::now().to_rfc3339(), actor, action, detail),
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The newest `limit` lines of the audit log, newest first.
    pub fn recent_audit(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        let mut stmt = self
            .connection()
            .prepare("SELECT at, actor, action, detail FROM audit_log ORDER BY id DESC LIMIT ?1")
            .map_err(|e| self.err(e))?;
        stmt.query_map([limit], |r| {
            Ok(AuditEntry {
                at: r.get(0)?,
                actor: r.get(1)?,
                action: r.get(2)?,
                detail: r.get(3)?,
            })
        })
        .and_then(Iterator::collect)
        .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use crate::store::Store;

    #[test]
    fn audit_lines_come_back_newest_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::create(&dir.path().join("paie.iea")).expect("create");
        store.audit("Administrateur", "a", "premier").expect("a");
        store.audit("service", "b", "second").expect("b");
        let lines = store.recent_audit(10).expect("read");
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].action, "b");
        assert_eq!(lines[1].detail, "premier");
    }
}
