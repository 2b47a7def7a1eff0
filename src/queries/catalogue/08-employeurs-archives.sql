-- number: 8
-- title: Employeurs archivés
-- description: Les employeurs archivés, ou dont le dossier est archivé, avec leur date de sortie du dispositif, leur nombre de salariés et leur dernier bulletin (exercices clôturés compris).
-- param: dossier | dossier | Dossier | all
-- column: dossier | text | Dossier
-- column: employeur | text | Employeur
-- column: siret | text | SIRET
-- column: ccn | text | CCN
-- column: opco | text | Caisse OPCO
-- column: sortie | date | Date de sortie du dispositif
-- column: salaries | integer | Salariés
-- column: dernier_bulletin | month | Dernier bulletin
SELECT d.name,
       e.name,
       e.siret,
       e.ccn_code,
       coalesce(e.opco, 'caisse non répertoriée'),
       e.exit_date,
       (SELECT count(*) FROM employees s WHERE s.employer_id = e.id),
       (SELECT max(period) FROM (
            SELECT max(period) AS period FROM payslips p WHERE p.employer_id = e.id
            UNION ALL
            SELECT max(period) FROM closed_payslips c WHERE c.employer_id = e.id))
FROM employers e
JOIN dossiers d ON d.id = e.dossier_id
WHERE (e.archived = 1 OR d.archived = 1)
  AND (:dossier IS NULL OR e.dossier_id = :dossier)
ORDER BY d.name, e.name, e.siret
