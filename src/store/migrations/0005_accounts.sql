-- Schema version 5: user accounts ("Comptes utilisateurs / Droits d'accès",
-- seeds 001 and 003): the rights of each user per dossier, the Net-entreprises
-- credentials of each user, and the last test of each Net-entreprises account.
--
-- The rules are the store's own, whatever program writes to it, and hold even
-- on a connection that did not switch foreign keys on:
--   * never without an administrator: the last administrator cannot be
--     deleted nor demoted, and a store without one only takes a new
--     administrator (a single-workstation store whose only account is not an
--     administrator keeps working with that account, as seed 001 says);
--   * the last account cannot be deleted;
--   * a right names a user and a dossier that exist; an administrator has
--     every right (no row of its own); a "consultation" account reads only.
-- Every refusal raises a message starting with one of the tags below, which
-- the program recognises and explains in French:
--   IEA_DERNIER_ADMINISTRATEUR, IEA_SANS_ADMINISTRATEUR, IEA_DERNIER_COMPTE,
--   IEA_DROIT_INCOHERENT.

-- "Droits d'accès": no row is "Aucun accès".
CREATE TABLE user_rights (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    dossier_id INTEGER NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    level      TEXT NOT NULL CHECK (level IN ('consultation', 'modification')),
    PRIMARY KEY (user_id, dossier_id)
) WITHOUT ROWID;

CREATE INDEX user_rights_dossier ON user_rights (dossier_id);

-- "Net Entreprise": the credentials of the portal, kept exactly as typed
-- (case, accents, spaces); the password encrypted with the installation's key
-- (`v1:` text, see secrets.rs), never in clear.
CREATE TABLE net_entreprises_credentials (
    user_id            INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    siret              TEXT NOT NULL CHECK (length(siret) = 14 AND siret NOT GLOB '*[^0-9]*'),
    last_name          TEXT NOT NULL CHECK (length(last_name) BETWEEN 1 AND 200),
    first_name         TEXT NOT NULL CHECK (length(first_name) BETWEEN 1 AND 200),
    password_encrypted TEXT NOT NULL CHECK (password_encrypted LIKE 'v1:%'),
    updated_at         TEXT NOT NULL
);

-- The last test of each portal account (SIRET, nom, prénom as typed), whoever
-- holds it: three refusals lock the account on the portal, so a second test
-- within a minute is asked for, and the refusals in a row are counted.
CREATE TABLE net_entreprises_tests (
    siret      TEXT NOT NULL,
    last_name  TEXT NOT NULL,
    first_name TEXT NOT NULL,
    tested_at  TEXT NOT NULL,
    outcome    TEXT NOT NULL CHECK (length(outcome) > 0),
    refusals   INTEGER NOT NULL DEFAULT 0 CHECK (refusals >= 0),
    PRIMARY KEY (siret, last_name, first_name)
) WITHOUT ROWID;

-- Never without an administrator. `id IS NOT NEW.id` and the login test leave
-- out the row an INSERT OR REPLACE would remove, so a replace cannot drop the
-- last administrator either.
CREATE TRIGGER users_never_without_administrator BEFORE INSERT ON users
WHEN NEW.role <> 'administrateur'
  AND NOT EXISTS (SELECT 1 FROM users
                  WHERE role = 'administrateur' AND id IS NOT NEW.id
                    AND login <> NEW.login COLLATE NOCASE)
  AND EXISTS (SELECT 1 FROM users
              WHERE id IS NOT NEW.id AND login <> NEW.login COLLATE NOCASE)
BEGIN
    SELECT RAISE(ABORT, 'IEA_SANS_ADMINISTRATEUR: le nouveau compte doit être administrateur');
END;

CREATE TRIGGER users_last_administrator_no_delete BEFORE DELETE ON users
WHEN OLD.role = 'administrateur'
  AND (SELECT count(*) FROM users WHERE role = 'administrateur') = 1
BEGIN
    SELECT RAISE(ABORT, 'IEA_DERNIER_ADMINISTRATEUR: dernier administrateur');
END;

CREATE TRIGGER users_last_account_no_delete BEFORE DELETE ON users
WHEN (SELECT count(*) FROM users) = 1
BEGIN
    SELECT RAISE(ABORT, 'IEA_DERNIER_COMPTE: dernier compte');
END;

CREATE TRIGGER users_last_administrator_no_demote BEFORE UPDATE OF role ON users
WHEN OLD.role = 'administrateur' AND NEW.role <> 'administrateur'
  AND (SELECT count(*) FROM users WHERE role = 'administrateur') = 1
BEGIN
    SELECT RAISE(ABORT, 'IEA_DERNIER_ADMINISTRATEUR: dernier administrateur');
END;

-- A role change must leave the rights consistent: the program removes an
-- administrator-to-be's rows and lowers a consultation account's first.
CREATE TRIGGER users_administrator_has_no_rights BEFORE UPDATE OF role ON users
WHEN NEW.role = 'administrateur'
  AND EXISTS (SELECT 1 FROM user_rights WHERE user_id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'IEA_DROIT_INCOHERENT: un administrateur a tous les droits');
END;

CREATE TRIGGER users_consultation_reads_only BEFORE UPDATE OF role ON users
WHEN NEW.role = 'consultation'
  AND EXISTS (SELECT 1 FROM user_rights WHERE user_id = NEW.id AND level = 'modification')
BEGIN
    SELECT RAISE(ABORT, 'IEA_DROIT_INCOHERENT: un compte de consultation ne modifie pas');
END;

-- Rights that name what exists, for the accounts that have rights of their own.
CREATE TRIGGER user_rights_consistent_insert BEFORE INSERT ON user_rights
WHEN NOT EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id)
  OR NOT EXISTS (SELECT 1 FROM dossiers WHERE id = NEW.dossier_id)
  OR (SELECT role FROM users WHERE id = NEW.user_id) = 'administrateur'
  OR ((SELECT role FROM users WHERE id = NEW.user_id) = 'consultation'
      AND NEW.level = 'modification')
BEGIN
    SELECT RAISE(ABORT, 'IEA_DROIT_INCOHERENT: droit refusé');
END;

CREATE TRIGGER user_rights_consistent_update BEFORE UPDATE ON user_rights
WHEN NOT EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id)
  OR NOT EXISTS (SELECT 1 FROM dossiers WHERE id = NEW.dossier_id)
  OR (SELECT role FROM users WHERE id = NEW.user_id) = 'administrateur'
  OR ((SELECT role FROM users WHERE id = NEW.user_id) = 'consultation'
      AND NEW.level = 'modification')
BEGIN
    SELECT RAISE(ABORT, 'IEA_DROIT_INCOHERENT: droit refusé');
END;

CREATE TRIGGER net_entreprises_credentials_user BEFORE INSERT ON net_entreprises_credentials
WHEN NOT EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id)
BEGIN
    SELECT RAISE(ABORT, 'IEA_DROIT_INCOHERENT: identifiants d''un compte inconnu');
END;

-- What goes with a user or a dossier, even where foreign keys are off.
CREATE TRIGGER users_deleted_take_their_rows AFTER DELETE ON users
BEGIN
    DELETE FROM user_rights WHERE user_id = OLD.id;
    DELETE FROM net_entreprises_credentials WHERE user_id = OLD.id;
END;

CREATE TRIGGER dossiers_deleted_take_their_rights AFTER DELETE ON dossiers
BEGIN
    DELETE FROM user_rights WHERE dossier_id = OLD.id;
END;
