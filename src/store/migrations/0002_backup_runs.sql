-- The journal of backup runs ("Module de sauvegardes"): one row per run, automatic
-- or by hand, with its true outcome and, when it was not plainly OK, why.
CREATE TABLE backup_runs (
    id          INTEGER PRIMARY KEY,
    script      TEXT NOT NULL CHECK (length(script) BETWEEN 1 AND 60),
    trigger     TEXT NOT NULL CHECK (trigger IN ('manuel', 'automatique', 'livraison')),
    started_at  TEXT NOT NULL,
    ended_at    TEXT NOT NULL CHECK (ended_at >= started_at),
    destination TEXT NOT NULL,
    archive     TEXT,
    size_bytes  INTEGER CHECK (size_bytes IS NULL OR size_bytes >= 0),
    outcome     TEXT NOT NULL CHECK (outcome IN ('ok', 'avertissement', 'echec')),
    reason      TEXT,
    CHECK (outcome = 'echec' OR archive IS NOT NULL)
);

CREATE INDEX backup_runs_script ON backup_runs (script, started_at);
