-- number: 3
-- title: Totaux mensuels par employeur
-- description: Pour chaque employeur et chaque mois de l'année, le nombre de bulletins et leurs totaux, exercices clôturés compris.
-- param: annee | year | Année | current_year
-- param: dossier | dossier | Dossier | all
-- column: dossier | text | Dossier
-- column: employeur | text | Employeur
-- column: siret | text | SIRET
-- column: periode | month | Période
-- column: bulletins | integer | Bulletins
-- column: brut | money | Brut
-- column: cotisations_salariales | money | Cotisations salariales
-- column: cotisations_patronales | money | Cotisations patronales
-- column: net | money | Net avant impôt
-- column: pas | money | PAS
WITH bulletins AS (
    SELECT employer_id, period, gross_cents, employee_contrib_cents,
           employer_contrib_cents, net_cents, pas_cents
    FROM payslips
    WHERE substr(period, 1, 4) = printf('%04d', :annee)
    UNION ALL
    SELECT employer_id, period, gross_cents, employee_contrib_cents,
           employer_contrib_cents, net_cents, pas_cents
    FROM closed_payslips
    WHERE substr(period, 1, 4) = printf('%04d', :annee)
)
SELECT d.name,
       e.name,
       e.siret,
       b.period,
       count(*),
       sum(b.gross_cents),
       sum(b.employee_contrib_cents),
       sum(b.employer_contrib_cents),
       sum(b.net_cents),
       sum(b.pas_cents)
FROM bulletins b
JOIN employers e ON e.id = b.employer_id
JOIN dossiers d ON d.id = e.dossier_id
WHERE (:dossier IS NULL OR e.dossier_id = :dossier)
GROUP BY e.id, b.period
ORDER BY d.name, e.name, e.siret, b.period
