-- number: 1
-- title: Salariés présents sur une période
-- description: Les salariés dont un contrat couvre au moins un jour de la période, avec leur employeur et leur contrat.
-- param: debut | date | Du | start_of_year
-- param: fin | date | Au | end_of_year
-- param: dossier | dossier | Dossier | all
-- column: dossier | text | Dossier
-- column: employeur | text | Employeur
-- column: nom | text | Nom
-- column: prenom | text | Prénom
-- column: nir | text | N° de sécurité sociale
-- column: contrat | text | Contrat
-- column: debut_contrat | date | Début du contrat
-- column: fin_contrat | date | Fin du contrat
-- column: heures | hundredths | Heures hebdomadaires
SELECT d.name,
       e.name,
       s.last_name,
       s.first_name,
       s.nir,
       c.kind,
       c.start_date,
       c.end_date,
       c.weekly_hours_centi
FROM contracts c
JOIN employees s ON s.id = c.employee_id
JOIN employers e ON e.id = c.employer_id
JOIN dossiers d ON d.id = e.dossier_id
WHERE c.start_date <= :fin
  AND (c.end_date IS NULL OR c.end_date >= :debut)
  AND (:dossier IS NULL OR e.dossier_id = :dossier)
ORDER BY d.name, e.name, s.last_name, s.first_name, c.start_date
