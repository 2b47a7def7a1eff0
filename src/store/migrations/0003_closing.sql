-- Schema version 3: year-end closing ("Clôture d'exercice", seed 002).
-- The payslips and declarations of a closed exercise move into the closed
-- tables below, keeping their ids; the store itself refuses any change to them.
-- Every refusal raises a message starting with IEA_EXERCICE_CLOTURE, which the
-- program recognises and explains in French.

CREATE TABLE closed_payslips (
    id                     INTEGER PRIMARY KEY,
    exercise_id            INTEGER NOT NULL REFERENCES exercises (id) ON DELETE RESTRICT,
    employer_id            INTEGER NOT NULL,
    employee_id            INTEGER NOT NULL,
    contract_id            INTEGER NOT NULL,
    period                 TEXT NOT NULL CHECK (period GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]' AND substr(period, 6, 2) BETWEEN '01' AND '12'),
    gross_cents            INTEGER NOT NULL CHECK (gross_cents >= 0),
    employee_contrib_cents INTEGER NOT NULL CHECK (employee_contrib_cents >= 0),
    employer_contrib_cents INTEGER NOT NULL CHECK (employer_contrib_cents >= 0),
    net_cents              INTEGER NOT NULL CHECK (net_cents = gross_cents - employee_contrib_cents),
    pas_cents              INTEGER NOT NULL CHECK (pas_cents BETWEEN 0 AND net_cents),
    hours_centi            INTEGER NOT NULL CHECK (hours_centi >= 0),
    FOREIGN KEY (contract_id, employer_id, employee_id) REFERENCES contracts (id, employer_id, employee_id) ON DELETE RESTRICT,
    UNIQUE (contract_id, period)
);

CREATE TABLE closed_declarations (
    id           INTEGER PRIMARY KEY,
    exercise_id  INTEGER NOT NULL REFERENCES exercises (id) ON DELETE RESTRICT,
    employer_id  INTEGER NOT NULL REFERENCES employers (id) ON DELETE RESTRICT,
    period       TEXT NOT NULL CHECK (period GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]' AND substr(period, 6, 2) BETWEEN '01' AND '12'),
    status       TEXT NOT NULL CHECK (status IN ('a_deposer', 'deposee', 'acceptee', 'rejetee')),
    deposited_at TEXT,
    total_cents  INTEGER NOT NULL CHECK (total_cents >= 0),
    CHECK ((status = 'a_deposer') = (deposited_at IS NULL)),
    UNIQUE (employer_id, period)
);

CREATE INDEX closed_payslips_exercise ON closed_payslips (exercise_id);
CREATE INDEX closed_declarations_exercise ON closed_declarations (exercise_id);

-- Closed rows are read-only.
CREATE TRIGGER closed_payslips_no_update BEFORE UPDATE ON closed_payslips
BEGIN
    SELECT RAISE(ABORT, 'IEA_EXERCICE_CLOTURE: bulletin d''un exercice clôturé');
END;
CREATE TRIGGER closed_payslips_no_delete BEFORE DELETE ON closed_payslips
BEGIN
    SELECT RAISE(ABORT, 'IEA_EXERCICE_CLOTURE: bulletin d''un exercice clôturé');
END;
CREATE TRIGGER closed_declarations_no_update BEFORE UPDATE ON closed_declarations
BEGIN
    SELECT RAISE(ABORT, 'IEA_EXERCICE_CLOTURE: déclaration d''un exercice clôturé');
END;
CREATE TRIGGER closed_declarations_no_delete BEFORE DELETE ON closed_declarations
BEGIN
    SELECT RAISE(ABORT, 'IEA_EXERCICE_CLOTURE: déclaration d''un exercice clôturé');
END;

-- A closed exercise stays closed.
CREATE TRIGGER exercises_closed_no_update BEFORE UPDATE ON exercises
WHEN OLD.state = 'cloture'
BEGIN
    SELECT RAISE(ABORT, 'IEA_EXERCICE_CLOTURE: exercice clôturé');
END;
CREATE TRIGGER exercises_closed_no_delete BEFORE DELETE ON exercises
WHEN OLD.state = 'cloture'
BEGIN
    SELECT RAISE(ABORT, 'IEA_EXERCICE_CLOTURE: exercice clôturé');
END;

-- Nothing new lands in a closed year. Each check is two lookups by primary or
-- unique key (employers.id, exercises (dossier_id, year)): cheap enough for the
-- demo's million inserts.
CREATE TRIGGER payslips_closed_year_no_insert BEFORE INSERT ON payslips
WHEN EXISTS (
    SELECT 1 FROM employers e
    JOIN exercises x ON x.dossier_id = e.dossier_id
        AND x.year = CAST(substr(NEW.period, 1, 4) AS INTEGER)
    WHERE e.id = NEW.employer_id AND x.state = 'cloture'
)
BEGIN
    SELECT RAISE(ABORT, 'IEA_EXERCICE_CLOTURE: bulletin dans un exercice clôturé');
END;
CREATE TRIGGER payslips_closed_year_no_move BEFORE UPDATE OF period, employer_id ON payslips
WHEN EXISTS (
    SELECT 1 FROM employers e
    JOIN exercises x ON x.dossier_id = e.dossier_id
        AND x.year = CAST(substr(NEW.period, 1, 4) AS INTEGER)
    WHERE e.id = NEW.employer_id AND x.state = 'cloture'
)
BEGIN
    SELECT RAISE(ABORT, 'IEA_EXERCICE_CLOTURE: bulletin dans un exercice clôturé');
END;
CREATE TRIGGER declarations_closed_year_no_insert BEFORE INSERT ON declarations
WHEN EXISTS (
    SELECT 1 FROM employers e
    JOIN exercises x ON x.dossier_id = e.dossier_id
        AND x.year = CAST(substr(NEW.period, 1, 4) AS INTEGER)
    WHERE e.id = NEW.employer_id AND x.state = 'cloture'
)
BEGIN
    SELECT RAISE(ABORT, 'IEA_EXERCICE_CLOTURE: déclaration dans un exercice clôturé');
END;
CREATE TRIGGER declarations_closed_year_no_move BEFORE UPDATE OF period, employer_id ON declarations
WHEN EXISTS (
    SELECT 1 FROM employers e
    JOIN exercises x ON x.dossier_id = e.dossier_id
        AND x.year = CAST(substr(NEW.period, 1, 4) AS INTEGER)
    WHERE e.id = NEW.employer_id AND x.state = 'cloture'
)
BEGIN
    SELECT RAISE(ABORT, 'IEA_EXERCICE_CLOTURE: déclaration dans un exercice clôturé');
END;
