//! Benchmark of the demo store generator, against the plain `sqlite3` shell doing
//! comparable work in the same run.
//!
//! `cargo bench --bench demo_generation` builds a demo store of
//! `DEMO_BENCH_PAYSLIPS` payslips (default 1 000 000) with the library, then has
//! `sqlite3` load the same schema file and insert as many dossiers, employers,
//! employees, contracts, payslips and declarations with recursive CTEs, in one
//! transaction under the same pragmas. It prints both timings, rows per second and
//! the ratio. It asserts nothing about time: numbers depend on the machine.
//! `DEMO_BENCH_KEEP=/some/file.iea` keeps a copy of the generated store.

#![allow(clippy::print_stdout)]

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use iea_maintenance::demo::{DemoOptions, DemoReport, build_demo};
use iea_maintenance::home::Home;
use iea_maintenance::jobs::{Cancel, NoProgress};

const SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/src/store/migrations/0001_initial.sql"
);

fn main() -> Result<(), Box<dyn Error>> {
    let payslips: u64 = match std::env::var("DEMO_BENCH_PAYSLIPS") {
        Ok(v) => v.replace('_', "").parse()?,
        Err(_) => 1_000_000,
    };
    let dir = tempfile::tempdir()?;
    let home = Home::at(dir.path().join("home"));
    let path = dir.path().join("donnees").join("demo.iea");
    let opts = DemoOptions {
        payslips,
        seed: 1,
        overwrite: false,
    };

    println!("demo_generation: {payslips} payslips, seed 1");
    let started = Instant::now();
    let report = build_demo(&home, &path, &opts, &NoProgress, &Cancel::new())?;
    let ours = started.elapsed();
    let ours_size = std::fs::metadata(&path)?.len();
    if let Some(keep) = std::env::var_os("DEMO_BENCH_KEEP") {
        std::fs::copy(&path, &keep)?;
        println!("store kept at {}", Path::new(&keep).display());
    }

    let baseline = run_sqlite3(dir.path(), &report)?;

    println!();
    println!(
        "{:<32} {:>10} {:>12} {:>14} {:>10}",
        "tool", "time (s)", "payslips", "payslips/s", "size (MB)"
    );
    print_row("iea-maintenance build_demo", ours, payslips, ours_size);
    match &baseline {
        Some((time, size)) => {
            print_row("sqlite3 shell, recursive CTE", *time, payslips, *size);
            println!();
            println!(
                "ratio build_demo / sqlite3: {:.2}",
                ours.as_secs_f64() / time.as_secs_f64().max(f64::EPSILON)
            );
        }
        None => println!("sqlite3 shell: not installed, no baseline (apt-get install sqlite3)"),
    }
    println!(
        "rows: {} dossiers, {} employers, {} employees, {} contracts, {} payslips, {} declarations",
        report.dossiers,
        report.employers,
        report.employees,
        report.contracts,
        report.payslips,
        report.declarations
    );
    println!(
        "build_demo includes 3 argon2 hashes, foreign keys on, the final optimize, the \
         rename and the re-open with count checks."
    );
    Ok(())
}

fn print_row(tool: &str, time: Duration, payslips: u64, size: u64) {
    let secs = time.as_secs_f64();
    println!(
        "{tool:<32} {secs:>10.3} {payslips:>12} {:>14.0} {:>10.1}",
        payslips as f64 / secs.max(f64::EPSILON),
        size as f64 / 1_048_576.0
    );
}

/// Loads the schema and as many rows as `report` counts with the `sqlite3` shell;
/// `None` when the shell is not installed.
fn run_sqlite3(dir: &Path, report: &DemoReport) -> Result<Option<(Duration, u64)>, Box<dyn Error>> {
    let version = match Command::new("sqlite3").arg("--version").output() {
        Ok(out) => String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    println!("baseline: sqlite3 {version}");

    let n = report.payslips;
    // Each contract has at most one payslip per month of the 58 months.
    let contracts = report.contracts.max(n.div_ceil(58)).max(1);
    let employees = report.employees.clamp(1, contracts);
    let associations = report.employers.clamp(1, employees);
    let mut script = String::from(
        ".bail on\n\
         PRAGMA locking_mode = EXCLUSIVE;\n\
         PRAGMA journal_mode = MEMORY;\n\
         PRAGMA synchronous = OFF;\n\
         PRAGMA temp_store = MEMORY;\n\
         PRAGMA cache_size = -262144;\n\
         PRAGMA foreign_keys = ON;\n",
    );
    script.push_str(&std::fs::read_to_string(SCHEMA)?);
    write!(
        script,
        "
BEGIN;
INSERT INTO dossiers (id, name, state, created_at)
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {dossiers})
  SELECT i, 'Dossier ' || i, 'production', '2021-11-08' FROM n;
INSERT INTO employers (id, dossier_id, siret, name, ccn_code, opco)
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {associations})
  SELECT i, 1 + (i - 1) % {dossiers}, printf('%014d', i), 'Association ' || i, '2511', 'AFDAS' FROM n;
INSERT INTO employees (id, employer_id, nir, last_name, first_name, birth_date)
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {employees})
  SELECT i, 1 + (i - 1) % {associations}, printf('1%014d', i), 'Nom ' || i, 'Prénom', '1980-05-17' FROM n;
INSERT INTO contracts (id, employer_id, employee_id, kind, start_date, weekly_hours_centi)
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {contracts})
  SELECT i, 1 + ((i - 1) % {employees}) % {associations}, 1 + (i - 1) % {employees}, 'CDI', '2021-09-01', 3500 FROM n;
INSERT INTO payslips (id, employer_id, employee_id, contract_id, period, gross_cents,
                      employee_contrib_cents, employer_contrib_cents, net_cents, pas_cents, hours_centi)
  WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last}),
  p AS (SELECT i, 1 + i % {contracts} AS c, i / {contracts} AS k,
               150000 + (i * 7919) % 100000 AS g FROM n WHERE i < {n})
  SELECT i + 1, 1 + ((c - 1) % {employees}) % {associations}, 1 + (c - 1) % {employees}, c,
         printf('%04d-%02d', 2022 + k / 12, 1 + k % 12),
         g, g * 22 / 100, g * 35 / 100, g - g * 22 / 100, (g - g * 22 / 100) * 3 / 100, 15167
  FROM p;
INSERT INTO declarations (employer_id, period, status, deposited_at, total_cents)
  SELECT employer_id, period, 'acceptee', '2026-01-05T10:00:00+01:00',
         sum(employee_contrib_cents + employer_contrib_cents + pas_cents)
  FROM payslips GROUP BY employer_id, period;
COMMIT;
PRAGMA journal_mode = WAL;
PRAGMA analysis_limit = 1000;
PRAGMA optimize = 0x10002;
SELECT count(*) FROM payslips;
",
        dossiers = report.dossiers.max(1),
        last = n.saturating_sub(1),
    )?;
    let script_path = dir.join("baseline.sql");
    std::fs::write(&script_path, &script)?;
    let db = dir.join("baseline.db");

    let started = Instant::now();
    let out = Command::new("sqlite3")
        .arg(&db)
        .stdin(std::fs::File::open(&script_path)?)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()?;
    let time = started.elapsed();
    if !out.status.success() {
        return Err(format!(
            "sqlite3 failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let counted = stdout.lines().last().unwrap_or_default().trim();
    if counted != n.to_string() {
        println!("baseline: sqlite3 inserted {counted} payslips for {n} asked");
    }
    Ok(Some((time, std::fs::metadata(&db)?.len())))
}
