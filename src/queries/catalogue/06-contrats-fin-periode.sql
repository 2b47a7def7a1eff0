-- number: 6
-- title: Contrats se terminant sur une période
-- description: Les contrats dont la date de fin tombe dans la période : fins de CDD, de contrats aidés et d'apprentissage à préparer.
-- param: debut | date | Du | start_of_year
-- param: fin | date | Au | end_of_year
-- param: dossier | dossier | Dossier | all
-- column: dossier | text | Dossier
-- column: employeur | text | Employeur
-- column: nom | text | Nom
-- column: prenom | text | Prénom
-- column: contrat | text | Contrat
-- column: debut_contrat | date | Début du contrat
-- column: fin_contrat | date | Fin du contrat
-- column: heures | hundredths | Heures hebdomadaires
SELECT d.name,
       e.name,
       s.last_name,
       s.first_name,
       c.kind,
       c.start_date,
       c.end_date,
       c.weekly_hours_centi
FROM contracts c
JOIN employees s ON s.id = c.employee_id
JOIN employers e ON e.id = c.employer_id
JOIN dossiers d ON d.id = e.dossier_id
WHERE c.end_date BETWEEN :debut AND :fin
  AND (:dossier IS NULL OR e.dossier_id = :dossier)
ORDER BY c.end_date, d.name, e.name, s.last_name, s.first_name
