//! « Extractions de données »: the predefined queries on a realistic store
//! (the demo's, one of its years closed), their exports read back by tools
//! written elsewhere — openpyxl and python-calamine for XLSX, Python's csv
//! module for TXT, `xmllint --schema` and xml.etree for XML — and compared with
//! the test's own SQL; the read-only guard; the command line's refusals.

#[path = "support/exports.rs"]
mod exports;

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{Local, NaiveDate, TimeZone};
use iea_maintenance::closing::{self, CloseRequest};
use iea_maintenance::config::Config;
use iea_maintenance::demo::{DemoOptions, build_demo};
use iea_maintenance::home::Home;
use iea_maintenance::jobs::{Cancel, NoProgress};
use iea_maintenance::queries::export::{self, ExportFormat, ExportMeta};
use iea_maintenance::queries::params::{self, Choices, Values};
use iea_maintenance::queries::run::{self, CountSink};
use iea_maintenance::queries::table::TableBuilder;
use iea_maintenance::queries::{Catalogue, Query, QueryError, ResultTable};
use iea_maintenance::store::Store;
use serde_json::Value;

use exports::{read_export, xmllint_valid};

const BIN: &str = env!("CARGO_BIN_EXE_iea-maintenance");

/// The employer whose name holds every character an export must escape.
const TRICKY: &str = "Foyer \"Le Tilleul\"\tà <Sens> & Cie";

/// A demo store of a few thousand payslips with the tricky employer, and its
/// year 2022 of the first dossier closed (its rows in the closed tables).
struct Fixture {
    _dir: tempfile::TempDir,
    home: Home,
    store: PathBuf,
}

fn fixture(close_2022: bool) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = Home::at(dir.path().join("iea"));
    home.ensure().expect("home");
    Config::defaults(&home).save(&home).expect("config");
    let store = home.default_store_path();
    let opts = DemoOptions {
        payslips: 3000,
        seed: 5,
        overwrite: false,
    };
    build_demo(&home, &store, &opts, &NoProgress, &Cancel::new()).expect("demo");
    Store::open(&store)
        .expect("open")
        .connection()
        .execute_batch(&format!(
            "INSERT INTO employers (id, dossier_id, siret, name, ccn_code, opco) VALUES
               (900001, 1, '12345678900011', '{}', '9999', NULL);
             INSERT INTO employees (id, employer_id, nir, last_name, first_name, birth_date) VALUES
               (900001, 900001, '290017512345612', 'Lefèvre', 'Zoé', '1990-01-15');
             INSERT INTO contracts (id, employer_id, employee_id, kind, start_date, weekly_hours_centi)
               VALUES (900001, 900001, 900001, 'CDI', '2026-01-01', 3500);
             INSERT INTO payslips (employer_id, employee_id, contract_id, period, gross_cents,
               employee_contrib_cents, employer_contrib_cents, net_cents, pas_cents, hours_centi)
               VALUES (900001, 900001, 900001, '2026-03', 123456, 23456, 45678, 100000, 1234, 15167);",
            TRICKY.replace('\'', "''")
        ))
        .expect("tricky employer");
    if close_2022 {
        close(&home, &store, 2022);
    }
    Fixture {
        _dir: dir,
        home,
        store,
    }
}

fn close(home: &Home, store: &Path, year: i32) {
    let req = CloseRequest {
        dossier_id: 1,
        year,
    };
    let report = closing::close_year(home, store, &req, false, &NoProgress, &Cancel::new())
        .expect("closing");
    assert!(report.payslips_moved > 0, "the year had payslips");
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 12).expect("today")
}

fn query(number: u32) -> &'static Query {
    Catalogue::builtin().get(number).expect("query")
}

fn values(f: &Fixture, q: &Query, typed: &[(&str, &str)]) -> Values {
    let store = Store::open_read_only(&f.store).expect("open");
    let choices = Choices::read(store.connection()).expect("choices");
    let typed: Vec<(String, String)> = typed
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    params::validate(&q.params, &typed, today(), &choices).expect("values")
}

fn export(f: &Fixture, q: &Query, v: &Values, format: ExportFormat, name: &str) -> PathBuf {
    let target = f.home.root().join(name);
    let at = Local
        .with_ymd_and_hms(2026, 11, 12, 10, 0, 0)
        .single()
        .expect("time")
        .fixed_offset();
    let report = export::write_query(
        &f.store,
        q,
        v,
        format,
        &target,
        false,
        at,
        &NoProgress,
        &Cancel::new(),
    )
    .expect("export");
    assert_eq!(report.path, target);
    target
}

/// Every payslip, open and closed, as the test reads them itself: dossier,
/// employer, SIRET, last and first name, period, then the cents and hours.
fn payslips_by_sql(store: &Path) -> Vec<(Vec<String>, Vec<i64>)> {
    let store = Store::open_read_only(store).expect("open");
    let mut stmt = store
        .connection()
        .prepare(
            "SELECT d.name, e.name, e.siret, s.last_name, s.first_name, p.period,
                    p.hours_centi, p.gross_cents, p.employee_contrib_cents,
                    p.employer_contrib_cents, p.net_cents, p.pas_cents
             FROM (SELECT * FROM payslips UNION ALL
                   SELECT id, employer_id, employee_id, contract_id, period, gross_cents,
                          employee_contrib_cents, employer_contrib_cents, net_cents,
                          pas_cents, hours_centi FROM closed_payslips) p
             JOIN employers e ON e.id = p.employer_id
             JOIN dossiers d ON d.id = e.dossier_id
             JOIN employees s ON s.id = p.employee_id",
        )
        .expect("prepare");
    let mut rows: Vec<(Vec<String>, Vec<i64>)> = stmt
        .query_map([], |r| {
            let texts = (0..6)
                .map(|i| r.get::<_, String>(i))
                .collect::<Result<Vec<_>, _>>()?;
            let numbers = (6..12)
                .map(|i| r.get::<_, i64>(i))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((texts, numbers))
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    rows.sort();
    rows
}

fn closed_count(store: &Path) -> i64 {
    Store::open_read_only(store)
        .expect("open")
        .connection()
        .query_row("SELECT count(*) FROM closed_payslips", [], |r| r.get(0))
        .expect("count")
}

fn s(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

#[test]
fn xlsx_of_every_payslip_is_read_by_openpyxl_with_the_types_and_values_of_the_sql() {
    let f = fixture(true);
    assert!(closed_count(&f.store) > 0);
    let q = query(9);
    let v = values(&f, q, &[]);
    let file = export(&f, q, &v, ExportFormat::Xlsx, "bulletins.xlsx");
    let book = read_export("xlsx", &file);
    assert_eq!(book["title"], "9. Bulletins de toutes les périodes");
    let sheets = book["sheets"].as_array().expect("sheets");
    assert_eq!(sheets.len(), 1);
    let sheet = &sheets[0];
    assert_eq!(sheet["name"], "Résultat");
    assert_eq!(sheet["freeze"], "A2", "header row frozen");
    let rows = sheet["rows"].as_array().expect("rows");
    let expected = payslips_by_sql(&f.store);
    assert_eq!(rows.len(), expected.len() + 1);
    assert_eq!(sheet["filter"], format!("A1:L{}", rows.len()), "filtered");
    let header: Vec<String> = rows[0]
        .as_array()
        .expect("header")
        .iter()
        .map(|c| s(&c["v"]))
        .collect();
    assert_eq!(
        header,
        [
            "Dossier",
            "Employeur",
            "SIRET",
            "Nom",
            "Prénom",
            "Période",
            "Heures",
            "Brut",
            "Cotisations salariales",
            "Cotisations patronales",
            "Net avant impôt",
            "PAS"
        ]
    );
    assert!(rows[0][0]["bold"].as_bool().expect("bold"));
    let mut got: Vec<(Vec<String>, Vec<i64>)> = Vec::new();
    for row in &rows[1..] {
        let cells = row.as_array().expect("cells");
        for c in &cells[0..5] {
            assert_eq!(c["t"], "s", "text as text: {c}");
        }
        let period = &cells[5];
        assert!(
            period["date"].as_bool().expect("date"),
            "period as a date: {period}"
        );
        assert_eq!(period["fmt"], "mm/yyyy");
        assert_eq!(cells[6]["fmt"], "0.00", "hours with two decimals");
        for c in &cells[7..12] {
            assert_eq!(c["t"], "n", "money as a number: {c}");
            assert!(s(&c["fmt"]).contains('€'), "money in euros: {c}");
        }
        let mut texts: Vec<String> = cells[0..5].iter().map(|c| s(&c["v"])).collect();
        texts.push(s(&period["v"])[..7].to_owned());
        let numbers: Vec<i64> = cells[6..12]
            .iter()
            .map(|c| (c["v"].as_f64().expect("number") * 100.0).round() as i64)
            .collect();
        got.push((texts, numbers));
    }
    got.sort();
    assert_eq!(got, expected);
}

#[test]
fn past_1048576_rows_a_new_sheet_starts_with_its_header() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("paie.iea");
    drop(Store::create(&path).expect("create"));
    let q = Query::parse(
        "grand.sql",
        "-- number: 90\n-- title: Un million de lignes\n-- column: n | integer | Numéro\n\
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1048577)\n\
         SELECT i FROM n",
    )
    .expect("parse");
    let target = dir.path().join("grand.xlsx");
    let report = export::write_query(
        &path,
        &q,
        &Values::default(),
        ExportFormat::Xlsx,
        &target,
        false,
        Local::now().fixed_offset(),
        &NoProgress,
        &Cancel::new(),
    )
    .expect("export");
    assert_eq!((report.rows, report.sheets), (1_048_577, 2));
    let book = read_export("xlsx-count", &target);
    let sheets = book["sheets"].as_array().expect("sheets");
    assert_eq!(sheets[0]["name"], "Résultat");
    assert_eq!(sheets[0]["rows"], 1_048_576, "a full sheet");
    assert_eq!(sheets[0]["last"][0], "1048575.0");
    assert_eq!(sheets[1]["name"], "Résultat (2)");
    assert_eq!(sheets[1]["rows"], 3, "its header and the last two rows");
    assert_eq!(sheets[1]["first"][0], "Numéro");
    assert_eq!(sheets[1]["second"][0], "1048576.0");
    assert_eq!(sheets[1]["last"][0], "1048577.0");
}

#[test]
fn txt_opens_as_tab_separated_utf8_with_a_bom_and_crlf_and_french_numbers() {
    let f = fixture(false);
    let q = query(9);
    let v = values(&f, q, &[]);
    let file = export(&f, q, &v, ExportFormat::Txt, "bulletins.txt");
    let txt = read_export("txt", &file);
    assert_eq!(txt["bom"], true, "UTF-8 with a BOM");
    assert_eq!(txt["bare_lf"], 0, "CRLF only");
    let rows = txt["rows"].as_array().expect("rows");
    let expected = payslips_by_sql(&f.store);
    assert_eq!(rows.len(), expected.len() + 1);
    assert_eq!(txt["crlf"].as_u64(), Some(rows.len() as u64));
    assert_eq!(rows[0][0], "Dossier");
    let french = |text: &str| -> i64 {
        assert!(!text.contains('.'), "decimal comma: {text}");
        text.replace(',', "").parse().expect("number")
    };
    let mut got: Vec<(Vec<String>, Vec<i64>)> = rows[1..]
        .iter()
        .map(|r| {
            let r: Vec<String> = r.as_array().expect("row").iter().map(s).collect();
            let (month, year) = r[5].split_once('/').expect("MM/AAAA");
            let mut texts = r[0..5].to_vec();
            texts.push(format!("{year}-{month}"));
            (texts, r[6..12].iter().map(|t| french(t)).collect())
        })
        .collect();
    got.sort();
    assert_eq!(got, expected);
    assert!(
        got.iter().any(|(t, _)| t[1] == TRICKY),
        "a name with a tab and quotes comes back whole"
    );
}

#[test]
fn xml_is_valid_against_the_shipped_schema_and_holds_the_values() {
    let f = fixture(true);
    let q = query(35);
    let v = values(&f, q, &[("dossier", "tous")]);
    let file = export(&f, q, &v, ExportFormat::Xml, "opco.xml");
    let (valid, said) = xmllint_valid(&file);
    assert!(valid, "xmllint: {said}");
    assert!(said.contains("validates"), "{said}");
    let xml = read_export("xml", &file);
    assert_eq!(xml["requete"], "35");
    assert_eq!(xml["params"]["dossier"], "tous");
    let store = Store::open_read_only(&f.store).expect("open");
    let expected: Vec<(String, String, String, Option<String>)> = store
        .connection()
        .prepare(
            "SELECT e.siret, e.ccn_code, coalesce(e.opco, 'caisse non répertoriée'), e.exit_date
             FROM employers e ORDER BY e.siret",
        )
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let rows = xml["rows"].as_array().expect("rows");
    let mut got: Vec<(String, String, String, Option<String>)> = rows
        .iter()
        .map(|r| {
            let r = r.as_array().expect("row");
            let exit = &r[6];
            let exit = if exit["tag"] == "vide" {
                None
            } else {
                assert_eq!(exit["tag"], "date");
                Some(s(&exit["text"]))
            };
            (s(&r[2]["text"]), s(&r[3]["text"]), s(&r[4]["text"]), exit)
        })
        .collect();
    got.sort();
    assert_eq!(got, expected);
    let tricky = rows
        .iter()
        .find(|r| r[2]["text"] == "12345678900011")
        .expect("tricky employer");
    assert_eq!(tricky[1]["text"], TRICKY, "escaped and read back whole");
    assert_eq!(tricky[4]["text"], "caisse non répertoriée");
    // Payslips too: money as decimals, periods as months.
    let q9 = query(9);
    let file = export(
        &f,
        q9,
        &values(&f, q9, &[]),
        ExportFormat::Xml,
        "bulletins.xml",
    );
    let (valid, said) = xmllint_valid(&file);
    assert!(valid, "xmllint: {said}");
    let xml = read_export("xml", &file);
    let first = &xml["rows"][0];
    assert_eq!(first[5]["tag"], "mois");
    assert_eq!(first[7]["tag"], "montant");
    assert_eq!(
        xml["rows"].as_array().expect("rows").len(),
        payslips_by_sql(&f.store).len()
    );
}

#[test]
fn json_holds_decimal_amounts_and_iso_periods() {
    let f = fixture(false);
    let q = query(11);
    let v = values(&f, q, &[("employeur", "12345678900011"), ("annee", "2026")]);
    let file = export(&f, q, &v, ExportFormat::Json, "employeur.json");
    let doc: Value = serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("json");
    assert_eq!(doc["query"], 11);
    let rows = doc["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row[0], "2026-03");
    assert_eq!(row[1], "Lefèvre");
    assert_eq!(row[3].as_f64(), Some(151.67));
    assert_eq!(row[4].as_f64(), Some(1234.56));
    assert_eq!(row[9].as_f64(), Some(987.66), "net à payer = net - PAS");
    assert_eq!(row[10], "ouvert");
}

/// The rows of `query` with `v`, in memory.
fn rows_of(f: &Fixture, q: &Query, v: &Values) -> ResultTable {
    let mut builder = TableBuilder::new(q.visible_columns());
    run::run_on_store(&f.store, q, v, &mut builder, &NoProgress, &Cancel::new()).expect("run");
    builder.finish()
}

fn table_text(t: &ResultTable) -> Vec<String> {
    (0..t.len()).map(|r| format!("{:?}", t.row(r))).collect()
}

#[test]
fn closed_years_stay_consultable_in_every_query() {
    let f = fixture(false);
    let typed: [(u32, &[(&str, &str)]); 6] = [
        (2, &[("du", "01/2022"), ("au", "12/2022")]),
        (3, &[("annee", "2022")]),
        (4, &[("annee", "2022")]),
        (5, &[("du", "01/2022"), ("au", "12/2022")]),
        (9, &[]),
        (12, &[("du", "2022"), ("au", "2022")]),
    ];
    let before: Vec<Vec<String>> = typed
        .iter()
        .map(|(n, t)| table_text(&rows_of(&f, query(*n), &values(&f, query(*n), t))))
        .collect();
    assert!(before.iter().all(|t| !t.is_empty()));
    close(&f.home, &f.store, 2022);
    for ((n, t), was) in typed.iter().zip(&before) {
        let now = table_text(&rows_of(&f, query(*n), &values(&f, query(*n), t)));
        // Query 2 says which exercise a payslip is in: « clôturé » now.
        let now: Vec<String> = now.iter().map(|l| l.replace("clôturé", "ouvert")).collect();
        assert_eq!(&now, was, "query {n} after the closing of 2022");
    }
    let years = rows_of(&f, query(14), &values(&f, query(14), &[]));
    assert!(
        table_text(&years)
            .iter()
            .any(|l| l.contains("Int(2022)") && l.contains("clôturé")),
        "query 14 shows 2022 closed"
    );
}

#[test]
fn a_catalogue_entry_that_tries_to_write_is_refused_and_the_store_is_untouched() {
    let f = fixture(false);
    let count = |store: &Path| -> i64 {
        Store::open_read_only(store)
            .expect("open")
            .connection()
            .query_row("SELECT count(*) FROM payslips", [], |r| r.get(0))
            .expect("count")
    };
    let before = count(&f.store);
    for (i, sql) in [
        "DELETE FROM payslips",
        "-- looks like a comment\nUPDATE payslips SET gross_cents = 0",
        "WITH x AS (SELECT 1) DELETE FROM payslips WHERE id IN (SELECT * FROM x)",
        "INSERT INTO audit_log (at, actor, action) VALUES ('x', 'y', 'z')",
        "ATTACH DATABASE ':memory:' AS autre",
        "PRAGMA query_only = 0",
        "DROP TABLE payslips",
    ]
    .iter()
    .enumerate()
    {
        let text = format!(
            "-- number: {}\n-- title: Écrit\n-- column: a | text | A\n{sql}",
            i + 1
        );
        let q = Query::parse("ecrit.sql", &text).expect("parse");
        let result = run::run_on_store(
            &f.store,
            &q,
            &Values::default(),
            &mut CountSink::default(),
            &NoProgress,
            &Cancel::new(),
        );
        assert!(
            matches!(result, Err(QueryError::NotReadOnly { .. })),
            "{sql}: {result:?}"
        );
    }
    assert_eq!(count(&f.store), before);
    // And the connection the queries run on is read-only by itself.
    let q = Query::parse(
        "lecture.sql",
        "-- number: 99\n-- title: Lecture seule\n-- column: q | integer | q\nSELECT query_only FROM pragma_query_only",
    )
    .expect("parse");
    let t = {
        let mut b = TableBuilder::new(q.visible_columns());
        run::run_on_store(
            &f.store,
            &q,
            &Values::default(),
            &mut b,
            &NoProgress,
            &Cancel::new(),
        )
        .expect("run");
        b.finish()
    };
    assert_eq!(t.cell(0, 0), iea_maintenance::queries::Cell::Int(1));
}

#[test]
fn a_cancelled_export_leaves_no_file() {
    let f = fixture(false);
    let q = query(9);
    let v = values(&f, q, &[]);
    let target = f.home.root().join("annule.xlsx");
    let cancel = Cancel::new();
    cancel.cancel();
    let result = export::write_query(
        &f.store,
        q,
        &v,
        ExportFormat::Xlsx,
        &target,
        false,
        Local::now().fixed_offset(),
        &NoProgress,
        &cancel,
    );
    assert!(matches!(result, Err(QueryError::Cancelled)), "{result:?}");
    let left: Vec<_> = std::fs::read_dir(f.home.root())
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("annule"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // The table's export is cancelled the same way.
    let table = rows_of(&f, q, &v);
    let meta = ExportMeta::new(q, &v, Local::now().fixed_offset());
    let result = export::write_table(
        &table,
        None,
        &meta,
        ExportFormat::Txt,
        &target,
        false,
        &NoProgress,
        &cancel,
    );
    assert!(matches!(result, Err(QueryError::Cancelled)), "{result:?}");
    assert!(!target.exists());
}

fn cli(f: &Fixture, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .env("IEA_HOME", f.home.root())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run")
}

#[test]
fn the_command_line_names_a_bad_parameter_and_never_replaces_a_file_unasked() {
    let f = fixture(false);
    let out_file = f.home.root().join("periode.txt");
    let out = cli(
        &f,
        &[
            "queries",
            "run",
            "2",
            "--param",
            "du=13/2026",
            "--param",
            "dossier=Inconnu",
            "--output",
            out_file.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "Paramètre « du » (Du mois) : « 13/2026 » n'est pas un mois valide : un mois MM/AAAA"
        ),
        "{err}"
    );
    assert!(
        err.contains("Aucun dossier ne s'appelle « Inconnu »"),
        "{err}"
    );
    assert!(!out_file.exists());

    let run = |extra: &[&str]| {
        let mut args = vec![
            "queries",
            "run",
            "2",
            "--param",
            "du=01/2026",
            "--param",
            "au=06/2026",
            "--output",
            out_file.to_str().expect("utf-8"),
        ];
        args.extend_from_slice(extra);
        cli(&f, &args)
    };
    let out = run(&["--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["query"], 2);
    assert_eq!(report["format"], "txt");
    assert!(report["rows"].as_u64().expect("rows") > 0);
    assert_eq!(report["parameters"][0]["value"], "2026-01");

    std::fs::write(&out_file, "à garder").expect("write");
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2), "no terminal to ask on");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
    assert_eq!(
        std::fs::read_to_string(&out_file).expect("read"),
        "à garder"
    );
    let out = run(&["--yes"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Fichier TXT enregistré"));
    assert_ne!(
        std::fs::read_to_string(&out_file).expect("read"),
        "à garder"
    );

    let out = cli(&f, &["queries", "list", "--json"]);
    let list: Value = serde_json::from_slice(&out.stdout).expect("json");
    let labels: Vec<String> = list
        .as_array()
        .expect("list")
        .iter()
        .map(|q| s(&q["label"]))
        .collect();
    assert!(labels.contains(&"35. Employeurs-caisse OPCO".to_owned()));
    assert!(labels.len() >= 15);
    let out = cli(&f, &["queries", "show", "35"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("coalesce(e.opco, 'caisse non répertoriée')"),
        "{text}"
    );
    let out = cli(&f, &["queries", "show", "36", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let err: Value = serde_json::from_slice(&out.stdout).expect("json error");
    assert_eq!(err["error"]["title"], "Requête inconnue");
}
