-- Schema version 1 of the payroll store.
-- Money in integer cents, hours in hundredths, dates as ISO-8601 text.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE dossiers (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(name)) BETWEEN 1 AND 80),
    state      TEXT NOT NULL CHECK (state IN ('production', 'simulation')),
    archived   INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at TEXT NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*')
);

CREATE TABLE employers (
    id         INTEGER PRIMARY KEY,
    dossier_id INTEGER NOT NULL REFERENCES dossiers (id) ON DELETE RESTRICT,
    siret      TEXT NOT NULL CHECK (length(siret) = 14 AND siret NOT GLOB '*[^0-9]*'),
    name       TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 120),
    -- Collective agreement (IDCC, 4 digits; 9999 = none) and its skills operator.
    ccn_code   TEXT NOT NULL CHECK (length(ccn_code) = 4 AND ccn_code NOT GLOB '*[^0-9]*'),
    opco       TEXT CHECK (opco IS NULL OR length(trim(opco)) > 0),
    -- "Date de sortie du dispositif": the association left Impact emploi.
    exit_date  TEXT CHECK (exit_date IS NULL OR exit_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    archived   INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    UNIQUE (dossier_id, siret)
);

-- AT/MP risk codes of an employer, each valid over a period.
CREATE TABLE employer_risks (
    id          INTEGER PRIMARY KEY,
    employer_id INTEGER NOT NULL REFERENCES employers (id) ON DELETE CASCADE,
    risk_code   TEXT NOT NULL CHECK (length(risk_code) = 5),
    rate_bp     INTEGER NOT NULL CHECK (rate_bp BETWEEN 0 AND 10000),
    valid_from  TEXT NOT NULL CHECK (valid_from GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    valid_to    TEXT CHECK (valid_to IS NULL OR (valid_to GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND valid_to >= valid_from)),
    UNIQUE (employer_id, risk_code, valid_from)
);

CREATE TABLE employees (
    id          INTEGER PRIMARY KEY,
    employer_id INTEGER NOT NULL REFERENCES employers (id) ON DELETE RESTRICT,
    -- NIR: 13 characters (2A/2B for Corsica) and a 2-digit key.
    nir         TEXT NOT NULL CHECK (length(nir) = 15),
    last_name   TEXT NOT NULL CHECK (length(trim(last_name)) > 0),
    first_name  TEXT NOT NULL CHECK (length(trim(first_name)) > 0),
    birth_date  TEXT NOT NULL CHECK (birth_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    archived    INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    UNIQUE (employer_id, nir),
    UNIQUE (id, employer_id)
);

CREATE TABLE contracts (
    id           INTEGER PRIMARY KEY,
    employer_id  INTEGER NOT NULL,
    employee_id  INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('CDI', 'CDD', 'CUI', 'apprentissage', 'CEE')),
    start_date   TEXT NOT NULL CHECK (start_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    end_date     TEXT CHECK (end_date IS NULL OR (end_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND end_date >= start_date)),
    weekly_hours_centi INTEGER NOT NULL CHECK (weekly_hours_centi BETWEEN 1 AND 4800),
    -- The employee must belong to the employer of the contract.
    FOREIGN KEY (employee_id, employer_id) REFERENCES employees (id, employer_id) ON DELETE RESTRICT,
    UNIQUE (id, employer_id, employee_id)
);

CREATE TABLE payslips (
    id                     INTEGER PRIMARY KEY,
    employer_id            INTEGER NOT NULL,
    employee_id            INTEGER NOT NULL,
    contract_id            INTEGER NOT NULL,
    period                 TEXT NOT NULL CHECK (period GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]' AND substr(period, 6, 2) BETWEEN '01' AND '12'),
    gross_cents            INTEGER NOT NULL CHECK (gross_cents >= 0),
    employee_contrib_cents INTEGER NOT NULL CHECK (employee_contrib_cents >= 0),
    employer_contrib_cents INTEGER NOT NULL CHECK (employer_contrib_cents >= 0),
    -- Net before income tax: gross less the employee's contributions.
    net_cents              INTEGER NOT NULL CHECK (net_cents = gross_cents - employee_contrib_cents),
    -- Prélèvement à la source, withheld from the net.
    pas_cents              INTEGER NOT NULL CHECK (pas_cents BETWEEN 0 AND net_cents),
    hours_centi            INTEGER NOT NULL CHECK (hours_centi >= 0),
    -- Employer, employee and contract must agree.
    FOREIGN KEY (contract_id, employer_id, employee_id) REFERENCES contracts (id, employer_id, employee_id) ON DELETE RESTRICT,
    UNIQUE (contract_id, period)
);

-- Monthly declarations (DSN) per employer.
CREATE TABLE declarations (
    id           INTEGER PRIMARY KEY,
    employer_id  INTEGER NOT NULL REFERENCES employers (id) ON DELETE RESTRICT,
    period       TEXT NOT NULL CHECK (period GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]' AND substr(period, 6, 2) BETWEEN '01' AND '12'),
    status       TEXT NOT NULL CHECK (status IN ('a_deposer', 'deposee', 'acceptee', 'rejetee')),
    deposited_at TEXT,
    total_cents  INTEGER NOT NULL CHECK (total_cents >= 0),
    CHECK ((status = 'a_deposer') = (deposited_at IS NULL)),
    UNIQUE (employer_id, period)
);

CREATE TABLE exercises (
    id         INTEGER PRIMARY KEY,
    dossier_id INTEGER NOT NULL REFERENCES dossiers (id) ON DELETE RESTRICT,
    year       INTEGER NOT NULL CHECK (year BETWEEN 1990 AND 2200),
    state      TEXT NOT NULL CHECK (state IN ('ouvert', 'cloture')),
    closed_at  TEXT,
    CHECK ((state = 'cloture') = (closed_at IS NOT NULL)),
    UNIQUE (dossier_id, year)
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(login)) BETWEEN 1 AND 40),
    display_name  TEXT NOT NULL CHECK (length(trim(display_name)) > 0),
    role          TEXT NOT NULL CHECK (role IN ('administrateur', 'gestionnaire', 'consultation')),
    password_hash TEXT NOT NULL CHECK (password_hash LIKE '$argon2%'),
    created_at    TEXT NOT NULL
);

CREATE TABLE workstations (
    id          TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    hostname    TEXT NOT NULL CHECK (length(trim(hostname)) > 0),
    licence_key TEXT,
    last_seen   TEXT
);

CREATE TABLE sessions (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    workstation_id TEXT NOT NULL REFERENCES workstations (id) ON DELETE CASCADE,
    started_at     TEXT NOT NULL,
    heartbeat_at   TEXT NOT NULL CHECK (heartbeat_at >= started_at)
);

CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY,
    at     TEXT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL CHECK (length(action) > 0),
    detail TEXT NOT NULL DEFAULT ''
);

CREATE INDEX employers_dossier ON employers (dossier_id);
CREATE INDEX employees_employer ON employees (employer_id);
CREATE INDEX contracts_employee ON contracts (employee_id);
CREATE INDEX payslips_employer_period ON payslips (employer_id, period);
CREATE INDEX payslips_employee ON payslips (employee_id);
CREATE INDEX sessions_user ON sessions (user_id);
