-- number: 5
-- title: Déclarations et leur état
-- description: Les déclarations sociales nominatives (DSN) des mois choisis, exercices clôturés compris, avec leur état, leur date de dépôt et leur montant.
-- param: du | month | Du mois | january
-- param: au | month | Au mois | current_month
-- param: dossier | dossier | Dossier | all
-- column: dossier | text | Dossier
-- column: employeur | text | Employeur
-- column: siret | text | SIRET
-- column: periode | month | Période
-- column: etat | text | État
-- column: deposee_le | date | Déposée le
-- column: montant | money | Montant
-- column: exercice | text | Exercice
WITH toutes AS (
    SELECT employer_id, period, status, deposited_at, total_cents, 'ouvert' AS exercice
    FROM declarations
    WHERE period BETWEEN :du AND :au
    UNION ALL
    SELECT employer_id, period, status, deposited_at, total_cents, 'clôturé'
    FROM closed_declarations
    WHERE period BETWEEN :du AND :au
)
SELECT d.name,
       e.name,
       e.siret,
       t.period,
       CASE t.status
           WHEN 'a_deposer' THEN 'À déposer'
           WHEN 'deposee' THEN 'Déposée'
           WHEN 'acceptee' THEN 'Acceptée'
           WHEN 'rejetee' THEN 'Rejetée'
           ELSE t.status
       END,
       substr(t.deposited_at, 1, 10),
       t.total_cents,
       t.exercice
FROM toutes t
JOIN employers e ON e.id = t.employer_id
JOIN dossiers d ON d.id = e.dossier_id
WHERE (:dossier IS NULL OR e.dossier_id = :dossier)
ORDER BY d.name, e.name, e.siret, t.period
