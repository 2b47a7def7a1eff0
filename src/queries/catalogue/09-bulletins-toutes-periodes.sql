-- number: 9
-- title: Bulletins de toutes les périodes
-- description: Tous les bulletins de salaire de la base, exercices clôturés compris, avec le nom de l'employeur et du salarié, employeur par employeur et mois par mois.
-- param: dossier | dossier | Dossier | all
-- column: dossier | text | Dossier
-- column: employeur | text | Employeur
-- column: siret | text | SIRET
-- column: nom | text | Nom
-- column: prenom | text | Prénom
-- column: periode | month | Période
-- column: heures | hundredths | Heures
-- column: brut | money | Brut
-- column: cotisations_salariales | money | Cotisations salariales
-- column: cotisations_patronales | money | Cotisations patronales
-- column: net | money | Net avant impôt
-- column: pas | money | PAS
-- column: employeur_id | key | ordre des employeurs
-- column: salarie_id | key | ordre des salariés
--
-- The open payslips are read in the order of the index payslips_employer_period
-- (INDEXED BY, and CROSS JOIN keeps them the outer loop: left to itself the
-- planner starts from the dossiers and sorts a million rows before the first
-- one); only the rows of one employer and period are sorted by employee. SQLite
-- merges them with the closed years' rows (MERGE (UNION ALL)): the first rows
-- come at once. The key columns carry that order and are neither shown nor
-- exported.
SELECT d.name, e.name, e.siret, s.last_name, s.first_name, p.period,
       p.hours_centi, p.gross_cents, p.employee_contrib_cents,
       p.employer_contrib_cents, p.net_cents, p.pas_cents,
       p.employer_id, p.employee_id
FROM payslips p INDEXED BY payslips_employer_period
CROSS JOIN employers e ON e.id = p.employer_id
CROSS JOIN dossiers d ON d.id = e.dossier_id
CROSS JOIN employees s ON s.id = p.employee_id
WHERE (:dossier IS NULL OR e.dossier_id = :dossier)
UNION ALL
SELECT d.name, e.name, e.siret, s.last_name, s.first_name, p.period,
       p.hours_centi, p.gross_cents, p.employee_contrib_cents,
       p.employer_contrib_cents, p.net_cents, p.pas_cents,
       p.employer_id, p.employee_id
FROM closed_payslips p
CROSS JOIN employers e ON e.id = p.employer_id
CROSS JOIN dossiers d ON d.id = e.dossier_id
CROSS JOIN employees s ON s.id = p.employee_id
WHERE (:dossier IS NULL OR e.dossier_id = :dossier)
ORDER BY 13, 6, 14
