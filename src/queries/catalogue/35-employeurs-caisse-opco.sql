-- number: 35
-- title: Employeurs-caisse OPCO
-- description: Pour le dossier de travail choisi, chaque employeur, archivés compris, avec sa convention collective (CCN) et son opérateur de compétences (OPCO), ou « caisse non répertoriée » quand aucune correspondance n'a été trouvée. Une CCN 9999 signifie « absence de convention » : vérifiez que c'est normal.
-- param: dossier | dossier | Dossier de travail | first
-- column: dossier | text | Dossier
-- column: employeur | text | Employeur
-- column: siret | text | SIRET
-- column: ccn | text | CCN
-- column: opco | text | Caisse OPCO
-- column: archive | text | Employeur archivé
-- column: sortie | date | Date de sortie du dispositif
SELECT d.name,
       e.name,
       e.siret,
       e.ccn_code,
       coalesce(e.opco, 'caisse non répertoriée'),
       CASE WHEN e.archived = 1 OR d.archived = 1 THEN 'oui' ELSE 'non' END,
       e.exit_date
FROM employers e
JOIN dossiers d ON d.id = e.dossier_id
WHERE (:dossier IS NULL OR e.dossier_id = :dossier)
ORDER BY d.name, e.name, e.siret
