-- number: 14
-- title: Exercices et leur état
-- description: Les exercices de chaque dossier, ouverts ou clôturés, avec leurs bulletins, leurs totaux et leurs déclarations : les années clôturées restent consultables.
-- param: dossier | dossier | Dossier | all
-- column: dossier | text | Dossier
-- column: annee | integer | Année
-- column: etat | text | État
-- column: cloture_le | date | Clôturé le
-- column: bulletins | integer | Bulletins
-- column: brut | money | Brut
-- column: net | money | Net avant impôt
-- column: pas | money | PAS
-- column: declarations | integer | Déclarations
WITH bulletins AS (
    SELECT e.dossier_id, substr(p.period, 1, 4) AS annee, p.gross_cents, p.net_cents, p.pas_cents
    FROM payslips p JOIN employers e ON e.id = p.employer_id
    UNION ALL
    SELECT e.dossier_id, substr(p.period, 1, 4), p.gross_cents, p.net_cents, p.pas_cents
    FROM closed_payslips p JOIN employers e ON e.id = p.employer_id
),
par_annee AS (
    SELECT dossier_id, annee, count(*) AS n, sum(gross_cents) AS brut,
           sum(net_cents) AS net, sum(pas_cents) AS pas
    FROM bulletins GROUP BY dossier_id, annee
),
dsn AS (
    SELECT e.dossier_id, substr(t.period, 1, 4) AS annee, count(*) AS n
    FROM (SELECT employer_id, period FROM declarations
          UNION ALL
          SELECT employer_id, period FROM closed_declarations) t
    JOIN employers e ON e.id = t.employer_id
    GROUP BY e.dossier_id, substr(t.period, 1, 4)
)
SELECT d.name,
       x.year,
       CASE x.state WHEN 'cloture' THEN 'clôturé' ELSE 'ouvert' END,
       substr(x.closed_at, 1, 10),
       coalesce(b.n, 0),
       coalesce(b.brut, 0),
       coalesce(b.net, 0),
       coalesce(b.pas, 0),
       coalesce(t.n, 0)
FROM exercises x
JOIN dossiers d ON d.id = x.dossier_id
LEFT JOIN par_annee b ON b.dossier_id = x.dossier_id AND b.annee = printf('%04d', x.year)
LEFT JOIN dsn t ON t.dossier_id = x.dossier_id AND t.annee = printf('%04d', x.year)
WHERE (:dossier IS NULL OR x.dossier_id = :dossier)
ORDER BY d.name, x.year DESC
