-- number: 15
-- title: Déclarations à déposer ou rejetées
-- description: Les déclarations qui demandent une action : celles qui restent à déposer et celles qui ont été rejetées, exercices clôturés compris, de la plus ancienne à la plus récente.
-- param: dossier | dossier | Dossier | all
-- column: dossier | text | Dossier
-- column: employeur | text | Employeur
-- column: siret | text | SIRET
-- column: periode | month | Période
-- column: etat | text | État
-- column: deposee_le | date | Déposée le
-- column: montant | money | Montant
WITH toutes AS (
    SELECT employer_id, period, status, deposited_at, total_cents FROM declarations
    WHERE status IN ('a_deposer', 'rejetee')
    UNION ALL
    SELECT employer_id, period, status, deposited_at, total_cents FROM closed_declarations
    WHERE status IN ('a_deposer', 'rejetee')
)
SELECT d.name,
       e.name,
       e.siret,
       t.period,
       CASE t.status WHEN 'a_deposer' THEN 'À déposer' ELSE 'Rejetée' END,
       substr(t.deposited_at, 1, 10),
       t.total_cents
FROM toutes t
JOIN employers e ON e.id = t.employer_id
JOIN dossiers d ON d.id = e.dossier_id
WHERE (:dossier IS NULL OR e.dossier_id = :dossier)
ORDER BY t.period, d.name, e.name, e.siret
