-- number: 7
-- title: Employeurs sans code risque AT/MP actif
-- description: Les employeurs en activité (non archivés) qui n'ont aucun code risque accidents du travail et maladies professionnelles valable à la date choisie, avec le dernier code connu.
-- param: date | date | À la date du | today
-- param: dossier | dossier | Dossier | all
-- column: dossier | text | Dossier
-- column: employeur | text | Employeur
-- column: siret | text | SIRET
-- column: ccn | text | CCN
-- column: dernier_code | text | Dernier code risque
-- column: valable_jusqu_au | date | Valable jusqu'au
SELECT d.name,
       e.name,
       e.siret,
       e.ccn_code,
       (SELECT r.risk_code FROM employer_risks r
        WHERE r.employer_id = e.id ORDER BY r.valid_from DESC LIMIT 1),
       (SELECT r.valid_to FROM employer_risks r
        WHERE r.employer_id = e.id ORDER BY r.valid_from DESC LIMIT 1)
FROM employers e
JOIN dossiers d ON d.id = e.dossier_id
WHERE e.archived = 0
  AND d.archived = 0
  AND (:dossier IS NULL OR e.dossier_id = :dossier)
  AND NOT EXISTS (
      SELECT 1 FROM employer_risks r
      WHERE r.employer_id = e.id
        AND r.valid_from <= :date
        AND (r.valid_to IS NULL OR r.valid_to >= :date)
  )
ORDER BY d.name, e.name, e.siret
