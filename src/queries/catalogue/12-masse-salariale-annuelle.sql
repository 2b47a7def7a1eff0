-- number: 12
-- title: Masse salariale annuelle par employeur
-- description: Pour chaque employeur et chaque année choisie, les salariés payés, les bulletins, le brut, les cotisations patronales et le coût total employeur, exercices clôturés compris.
-- param: du | year | De l'année | previous_year
-- param: au | year | À l'année | current_year
-- param: dossier | dossier | Dossier | all
-- column: dossier | text | Dossier
-- column: employeur | text | Employeur
-- column: siret | text | SIRET
-- column: annee | integer | Année
-- column: salaries | integer | Salariés payés
-- column: bulletins | integer | Bulletins
-- column: brut | money | Brut
-- column: cotisations_patronales | money | Cotisations patronales
-- column: cout_total | money | Coût total employeur
WITH bulletins AS (
    SELECT employer_id, employee_id, CAST(substr(period, 1, 4) AS INTEGER) AS annee,
           gross_cents, employer_contrib_cents
    FROM payslips
    WHERE CAST(substr(period, 1, 4) AS INTEGER) BETWEEN :du AND :au
    UNION ALL
    SELECT employer_id, employee_id, CAST(substr(period, 1, 4) AS INTEGER),
           gross_cents, employer_contrib_cents
    FROM closed_payslips
    WHERE CAST(substr(period, 1, 4) AS INTEGER) BETWEEN :du AND :au
)
SELECT d.name,
       e.name,
       e.siret,
       b.annee,
       count(DISTINCT b.employee_id),
       count(*),
       sum(b.gross_cents),
       sum(b.employer_contrib_cents),
       sum(b.gross_cents + b.employer_contrib_cents)
FROM bulletins b
JOIN employers e ON e.id = b.employer_id
JOIN dossiers d ON d.id = e.dossier_id
WHERE (:dossier IS NULL OR e.dossier_id = :dossier)
GROUP BY e.id, b.annee
ORDER BY d.name, e.name, e.siret, b.annee
