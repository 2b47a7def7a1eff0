-- number: 2
-- title: Bulletins d'une période avec leurs totaux
-- description: Chaque bulletin de salaire des mois choisis, exercices clôturés compris, avec son brut, ses cotisations, son net, son prélèvement à la source et son net à payer.
-- param: du | month | Du mois | january
-- param: au | month | Au mois | current_month
-- param: dossier | dossier | Dossier | all
-- column: dossier | text | Dossier
-- column: employeur | text | Employeur
-- column: nom | text | Nom
-- column: prenom | text | Prénom
-- column: periode | month | Période
-- column: heures | hundredths | Heures
-- column: brut | money | Brut
-- column: cotisations_salariales | money | Cotisations salariales
-- column: cotisations_patronales | money | Cotisations patronales
-- column: net | money | Net avant impôt
-- column: pas | money | PAS
-- column: net_a_payer | money | Net à payer
-- column: exercice | text | Exercice
WITH bulletins AS (
    SELECT employer_id, employee_id, period, hours_centi, gross_cents,
           employee_contrib_cents, employer_contrib_cents, net_cents, pas_cents,
           'ouvert' AS exercice
    FROM payslips
    WHERE period BETWEEN :du AND :au
    UNION ALL
    SELECT employer_id, employee_id, period, hours_centi, gross_cents,
           employee_contrib_cents, employer_contrib_cents, net_cents, pas_cents,
           'clôturé'
    FROM closed_payslips
    WHERE period BETWEEN :du AND :au
)
SELECT d.name,
       e.name,
       s.last_name,
       s.first_name,
       b.period,
       b.hours_centi,
       b.gross_cents,
       b.employee_contrib_cents,
       b.employer_contrib_cents,
       b.net_cents,
       b.pas_cents,
       b.net_cents - b.pas_cents,
       b.exercice
FROM bulletins b
JOIN employers e ON e.id = b.employer_id
JOIN dossiers d ON d.id = e.dossier_id
JOIN employees s ON s.id = b.employee_id
WHERE (:dossier IS NULL OR e.dossier_id = :dossier)
ORDER BY d.name, e.name, b.period, s.last_name, s.first_name
