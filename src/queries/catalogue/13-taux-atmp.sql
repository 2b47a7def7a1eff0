-- number: 13
-- title: Taux AT/MP des employeurs
-- description: Le code risque accidents du travail et maladies professionnelles de chaque employeur valable à la date choisie, avec son taux.
-- param: date | date | À la date du | today
-- param: dossier | dossier | Dossier | all
-- column: dossier | text | Dossier
-- column: employeur | text | Employeur
-- column: siret | text | SIRET
-- column: code | text | Code risque
-- column: taux | hundredths | Taux (%)
-- column: valable_du | date | Valable du
-- column: valable_au | date | Valable jusqu'au
SELECT d.name,
       e.name,
       e.siret,
       r.risk_code,
       r.rate_bp,
       r.valid_from,
       r.valid_to
FROM employer_risks r
JOIN employers e ON e.id = r.employer_id
JOIN dossiers d ON d.id = e.dossier_id
WHERE r.valid_from <= :date
  AND (r.valid_to IS NULL OR r.valid_to >= :date)
  AND (:dossier IS NULL OR e.dossier_id = :dossier)
ORDER BY d.name, e.name, e.siret, r.risk_code
