-- Schema version 6: "Correspondance OPCO et conventions collectives" (seed 002).
--
-- Since 1 April 2019 the collective agreements (CCN, by their IDCC number) are
-- grouped under 11 skills operators (OPCO), replacing the 20 former OPCA, some of
-- which changed their name. This migration brings the reference table of the
-- OPCOs and the CCN -> OPCO correspondence, updates every employer's OPCO from
-- it (archived dossiers and employers included), and keeps the list of the
-- employers for which no correspondence was found, from which the program writes
-- "Rapport mise à jour caisses OPCO.txt".
--
-- Source of the correspondence: ministère du Travail, list of the approved OPCOs
-- and of the professional branches attached to each ("Liste des opérateurs de
-- compétences", arrêtés d'agrément des OPCO du 29 mars 2019, in force on
-- 1 April 2019); IDCC 3239 (particuliers employeurs et emploi à domicile,
-- convention collective du 15 mars 2021) replaced IDCC 2111 and 2395 on
-- 1 January 2022, which are kept here as closed agreements. The seed's own
-- cases: 2511 -> AFDAS, 1518 -> OPCO Cohésion sociale, 9999 (no agreement) ->
-- "caisse non répertoriée". Only agreements met in associations are listed; an
-- employer whose agreement is not here is reported, never guessed.

CREATE TABLE opco (
    code TEXT PRIMARY KEY NOT NULL CHECK (length(code) BETWEEN 2 AND 20),
    name TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0)
) WITHOUT ROWID;

INSERT INTO opco (code, name) VALUES
    ('AFDAS', 'AFDAS'),
    ('AKTO', 'Akto'),
    ('ATLAS', 'ATLAS'),
    ('COHESION_SOCIALE', 'OPCO Cohésion sociale'),
    ('COMMERCE', 'L''Opcommerce'),
    ('CONSTRUCTYS', 'Constructys'),
    ('EP', 'OPCO EP'),
    ('MOBILITES', 'OPCO Mobilités'),
    ('OCAPIAT', 'OCAPIAT'),
    ('OPCO_2I', 'OPCO 2i'),
    ('SANTE', 'OPCO Santé');

-- One row per collective agreement: its OPCO, or the date it was closed (no
-- OPCO then). 9999 is the absence of an agreement.
CREATE TABLE ccn_opco (
    idcc      TEXT PRIMARY KEY NOT NULL CHECK (length(idcc) = 4 AND idcc NOT GLOB '*[^0-9]*'),
    title     TEXT NOT NULL CHECK (length(trim(title)) > 0),
    opco_code TEXT REFERENCES opco (code) ON DELETE RESTRICT,
    closed_on TEXT CHECK (closed_on IS NULL OR closed_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    CHECK ((opco_code IS NULL) = (closed_on IS NOT NULL OR idcc = '9999'))
) WITHOUT ROWID;

INSERT INTO ccn_opco (idcc, title, opco_code, closed_on) VALUES
    -- OPCO Cohésion sociale (formerly Uniformation)
    ('1518', 'Métiers de l''éducation, de la culture, des loisirs et de l''animation (ÉCLAT)', 'COHESION_SOCIALE', NULL),
    ('1261', 'Acteurs du lien social et familial (ALISFA)', 'COHESION_SOCIALE', NULL),
    ('2941', 'Aide, accompagnement, soins et services à domicile (BAD)', 'COHESION_SOCIALE', NULL),
    ('1031', 'Fédération nationale des associations familiales rurales', 'COHESION_SOCIALE', NULL),
    ('2128', 'Mutualité', 'COHESION_SOCIALE', NULL),
    ('2150', 'Personnels des sociétés anonymes et fondations d''HLM', 'COHESION_SOCIALE', NULL),
    ('2190', 'Missions locales et PAIO', 'COHESION_SOCIALE', NULL),
    ('2336', 'Habitat et logement accompagnés', 'COHESION_SOCIALE', NULL),
    ('2793', 'Régies de quartier', 'COHESION_SOCIALE', NULL),
    ('3016', 'Ateliers et chantiers d''insertion', 'COHESION_SOCIALE', NULL),
    -- AFDAS
    ('2511', 'Sport', 'AFDAS', NULL),
    ('1285', 'Entreprises artistiques et culturelles', 'AFDAS', NULL),
    ('3090', 'Entreprises du secteur privé du spectacle vivant', 'AFDAS', NULL),
    ('2717', 'Entreprises techniques au service de la création et de l''événement', 'AFDAS', NULL),
    ('1790', 'Espaces de loisirs, d''attractions et culturels', 'AFDAS', NULL),
    -- OPCO Santé
    ('0413', 'Établissements et services pour personnes inadaptées et handicapées (1966)', 'SANTE', NULL),
    ('0029', 'Établissements privés d''hospitalisation, de soins, de cure et de garde à but non lucratif (1951)', 'SANTE', NULL),
    ('0405', 'Établissements médico-sociaux de l''union intersyndicale (1965)', 'SANTE', NULL),
    ('2264', 'Hospitalisation privée', 'SANTE', NULL),
    -- ATLAS
    ('1486', 'Bureaux d''études techniques, cabinets d''ingénieurs-conseils et sociétés de conseils (Syntec)', 'ATLAS', NULL),
    ('0787', 'Cabinets d''experts-comptables et de commissaires aux comptes', 'ATLAS', NULL),
    -- Akto
    ('1979', 'Hôtels, cafés, restaurants (HCR)', 'AKTO', NULL),
    ('1266', 'Restauration de collectivités', 'AKTO', NULL),
    ('3043', 'Entreprises de propreté et services associés', 'AKTO', NULL),
    -- OPCO EP
    ('3239', 'Particuliers employeurs et emploi à domicile', 'EP', NULL),
    ('0843', 'Boulangerie-pâtisserie artisanale', 'EP', NULL),
    ('1996', 'Pharmacie d''officine', 'EP', NULL),
    -- OPCO Mobilités
    ('0016', 'Transports routiers et activités auxiliaires du transport', 'MOBILITES', NULL),
    ('1090', 'Services de l''automobile', 'MOBILITES', NULL),
    -- L'Opcommerce
    ('2216', 'Commerce de détail et de gros à prédominance alimentaire', 'COMMERCE', NULL),
    -- OPCO 2i
    ('0044', 'Industries chimiques', 'OPCO_2I', NULL),
    -- Constructys
    ('1597', 'Bâtiment : ouvriers des entreprises occupant jusqu''à 10 salariés', 'CONSTRUCTYS', NULL),
    -- OCAPIAT
    ('7018', 'Entreprises du paysage', 'OCAPIAT', NULL),
    -- Closed agreements: replaced by 3239 on 1 January 2022.
    ('2111', 'Salariés du particulier employeur', NULL, '2021-12-31'),
    ('2395', 'Assistants maternels du particulier employeur', NULL, '2021-12-31'),
    -- No agreement.
    ('9999', 'Absence de convention collective', NULL, NULL);

-- The employers for which no correspondence was found by this update: no
-- agreement (9999), a closed one, or one missing from the table. Kept with the
-- store, so that the report can be written again from it.
CREATE TABLE opco_update_report (
    employer_id INTEGER PRIMARY KEY REFERENCES employers (id) ON DELETE CASCADE,
    ccn_code    TEXT NOT NULL,
    reason      TEXT NOT NULL CHECK (reason IN ('sans_ccn', 'ccn_cloturee', 'ccn_inconnue')),
    opco_before TEXT
);

INSERT INTO opco_update_report (employer_id, ccn_code, reason, opco_before)
SELECT e.id,
       e.ccn_code,
       CASE
           WHEN e.ccn_code = '9999' THEN 'sans_ccn'
           WHEN c.idcc IS NULL THEN 'ccn_inconnue'
           ELSE 'ccn_cloturee'
       END,
       e.opco
FROM employers e
LEFT JOIN ccn_opco c ON c.idcc = e.ccn_code
WHERE c.opco_code IS NULL;

UPDATE employers
SET opco = (SELECT o.name
            FROM ccn_opco c JOIN opco o ON o.code = c.opco_code
            WHERE c.idcc = employers.ccn_code)
WHERE ccn_code IN (SELECT idcc FROM ccn_opco WHERE opco_code IS NOT NULL);

UPDATE employers SET opco = 'caisse non répertoriée' WHERE ccn_code = '9999';
