-- number: 11
-- title: Bulletins d'un employeur
-- description: Les bulletins de salaire d'un employeur sur une année, exercices clôturés compris, mois par mois et salarié par salarié.
-- param: employeur | employer | Employeur | first
-- param: annee | year | Année | current_year
-- column: periode | month | Période
-- column: nom | text | Nom
-- column: prenom | text | Prénom
-- column: heures | hundredths | Heures
-- column: brut | money | Brut
-- column: cotisations_salariales | money | Cotisations salariales
-- column: cotisations_patronales | money | Cotisations patronales
-- column: net | money | Net avant impôt
-- column: pas | money | PAS
-- column: net_a_payer | money | Net à payer
-- column: exercice | text | Exercice
WITH bulletins AS (
    SELECT employee_id, period, hours_centi, gross_cents, employee_contrib_cents,
           employer_contrib_cents, net_cents, pas_cents, 'ouvert' AS exercice
    FROM payslips
    WHERE employer_id = :employeur AND substr(period, 1, 4) = printf('%04d', :annee)
    UNION ALL
    SELECT employee_id, period, hours_centi, gross_cents, employee_contrib_cents,
           employer_contrib_cents, net_cents, pas_cents, 'clôturé'
    FROM closed_payslips
    WHERE employer_id = :employeur AND substr(period, 1, 4) = printf('%04d', :annee)
)
SELECT b.period,
       s.last_name,
       s.first_name,
       b.hours_centi,
       b.gross_cents,
       b.employee_contrib_cents,
       b.employer_contrib_cents,
       b.net_cents,
       b.pas_cents,
       b.net_cents - b.pas_cents,
       b.exercice
FROM bulletins b
JOIN employees s ON s.id = b.employee_id
ORDER BY b.period, s.last_name, s.first_name
