-- Schema version 4: a closed exercise cannot be rewritten by an insert either.
-- Version 3 refused UPDATE and DELETE on the closed tables, but not these, from
-- any SQLite connection:
--   * INSERT OR REPLACE / REPLACE with the id (or the unique key) of a closed
--     row: SQLite deletes the old row without firing DELETE triggers (unless
--     recursive_triggers is on, which no other program sets), then inserts;
--   * a plain INSERT of a new row for a closed exercise, which changes its
--     totals;
--   * the same on `exercises`, which reopened a closed year.
-- A BEFORE INSERT trigger fires for every form of insert (plain, OR REPLACE,
-- REPLACE, OR IGNORE, and an UPSERT before its conflict check), so one trigger
-- per table closes them all. The closing job itself only inserts rows of the
-- exercise it is closing, while that exercise is still open, with keys no other
-- row has: the lookups below are by primary or unique key, a few microseconds a
-- row (measured by the closing benchmark).

CREATE TRIGGER closed_payslips_no_insert BEFORE INSERT ON closed_payslips
WHEN (SELECT state FROM exercises WHERE id = NEW.exercise_id) = 'cloture'
  OR EXISTS (SELECT 1 FROM closed_payslips WHERE id = NEW.id)
  OR EXISTS (SELECT 1 FROM closed_payslips
             WHERE contract_id = NEW.contract_id AND period = NEW.period)
BEGIN
    SELECT RAISE(ABORT, 'IEA_EXERCICE_CLOTURE: bulletin d''un exercice clôturé');
END;

CREATE TRIGGER closed_declarations_no_insert BEFORE INSERT ON closed_declarations
WHEN (SELECT state FROM exercises WHERE id = NEW.exercise_id) = 'cloture'
  OR EXISTS (SELECT 1 FROM closed_declarations WHERE id = NEW.id)
  OR EXISTS (SELECT 1 FROM closed_declarations
             WHERE employer_id = NEW.employer_id AND period = NEW.period)
BEGIN
    SELECT RAISE(ABORT, 'IEA_EXERCICE_CLOTURE: déclaration d''un exercice clôturé');
END;

-- A closed exercise is not replaced by an open one of the same id or year.
CREATE TRIGGER exercises_closed_no_replace BEFORE INSERT ON exercises
WHEN EXISTS (SELECT 1 FROM exercises
             WHERE (id = NEW.id OR (dossier_id = NEW.dossier_id AND year = NEW.year))
               AND state = 'cloture')
BEGIN
    SELECT RAISE(ABORT, 'IEA_EXERCICE_CLOTURE: exercice clôturé');
END;
