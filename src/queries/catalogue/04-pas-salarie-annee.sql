-- number: 4
-- title: PAS retenu par salarié et par année
-- description: Le prélèvement à la source retenu sur l'année pour chaque salarié, avec le net avant impôt sur lequel il a été calculé, exercices clôturés compris.
-- param: annee | year | Année | previous_year
-- param: dossier | dossier | Dossier | all
-- column: dossier | text | Dossier
-- column: employeur | text | Employeur
-- column: nom | text | Nom
-- column: prenom | text | Prénom
-- column: nir | text | N° de sécurité sociale
-- column: annee | integer | Année
-- column: bulletins | integer | Bulletins
-- column: net | money | Net avant impôt
-- column: pas | money | PAS retenu
WITH bulletins AS (
    SELECT employer_id, employee_id, net_cents, pas_cents
    FROM payslips
    WHERE substr(period, 1, 4) = printf('%04d', :annee)
    UNION ALL
    SELECT employer_id, employee_id, net_cents, pas_cents
    FROM closed_payslips
    WHERE substr(period, 1, 4) = printf('%04d', :annee)
)
SELECT d.name,
       e.name,
       s.last_name,
       s.first_name,
       s.nir,
       :annee,
       count(*),
       sum(b.net_cents),
       sum(b.pas_cents)
FROM bulletins b
JOIN employers e ON e.id = b.employer_id
JOIN dossiers d ON d.id = e.dossier_id
JOIN employees s ON s.id = b.employee_id
WHERE (:dossier IS NULL OR e.dossier_id = :dossier)
GROUP BY e.id, s.id
ORDER BY d.name, e.name, s.last_name, s.first_name, s.nir
