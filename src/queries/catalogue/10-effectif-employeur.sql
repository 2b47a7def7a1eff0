-- number: 10
-- title: Effectif par employeur à une date
-- description: Pour chaque employeur, le nombre de salariés sous contrat à la date choisie, par type de contrat, et leurs heures hebdomadaires.
-- param: date | date | À la date du | today
-- param: dossier | dossier | Dossier | all
-- column: dossier | text | Dossier
-- column: employeur | text | Employeur
-- column: siret | text | SIRET
-- column: salaries | integer | Salariés
-- column: cdi | integer | CDI
-- column: cdd | integer | CDD
-- column: autres | integer | Autres contrats
-- column: heures | hundredths | Heures hebdomadaires
SELECT d.name,
       e.name,
       e.siret,
       count(DISTINCT c.employee_id),
       sum(c.kind = 'CDI'),
       sum(c.kind = 'CDD'),
       sum(c.kind NOT IN ('CDI', 'CDD')),
       sum(c.weekly_hours_centi)
FROM contracts c
JOIN employers e ON e.id = c.employer_id
JOIN dossiers d ON d.id = e.dossier_id
WHERE c.start_date <= :date
  AND (c.end_date IS NULL OR c.end_date >= :date)
  AND (:dossier IS NULL OR e.dossier_id = :dossier)
GROUP BY e.id
ORDER BY d.name, e.name, e.siret
