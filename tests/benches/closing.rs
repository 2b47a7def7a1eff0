//! Benchmark of a year-end closing against the `sqlite3` shell doing the same
//! work in the same run.
//!
//! `cargo bench --bench closing` builds a demo store of `CLOSING_BENCH_PAYSLIPS`
//! payslips (default 1 000 000), then, on fresh copies of it, alternately times:
//! - `closing::close_year` of dossier 1, year 2025 (lock, `integrity_check`,
//!   `foreign_key_check`, the move in one transaction with its totals checked,
//!   `REINDEX`, `ANALYZE`, `PRAGMA optimize`, checkpoint);
//! - `sqlite3` doing `integrity_check`, the same `INSERT … SELECT` and `DELETE`
//!   in one transaction, `REINDEX` and `ANALYZE`.
//!
//! It prints the times and the ratio; it asserts nothing about time.

#![allow(clippy::print_stdout)]

use std::error::Error;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use iea_maintenance::closing::{CloseRequest, close_year};
use iea_maintenance::config::Config;
use iea_maintenance::demo::{DemoOptions, build_demo};
use iea_maintenance::home::Home;
use iea_maintenance::jobs::{Cancel, NoProgress};

const SHELL_SCRIPT: &str = "
.output /dev/null
PRAGMA integrity_check;
.output stdout
BEGIN;
INSERT INTO closed_payslips (id, exercise_id, employer_id, employee_id, contract_id, period,
    gross_cents, employee_contrib_cents, employer_contrib_cents, net_cents, pas_cents, hours_centi)
SELECT p.id, (SELECT id FROM exercises WHERE dossier_id = 1 AND year = 2025), p.employer_id,
    p.employee_id, p.contract_id, p.period, p.gross_cents, p.employee_contrib_cents,
    p.employer_contrib_cents, p.net_cents, p.pas_cents, p.hours_centi
FROM employers e JOIN payslips p ON p.employer_id = e.id
WHERE e.dossier_id = 1 AND p.period BETWEEN '2025-01' AND '2025-12';
INSERT INTO closed_declarations (id, exercise_id, employer_id, period, status, deposited_at, total_cents)
SELECT d.id, (SELECT id FROM exercises WHERE dossier_id = 1 AND year = 2025), d.employer_id,
    d.period, d.status, d.deposited_at, d.total_cents
FROM employers e JOIN declarations d ON d.employer_id = e.id
WHERE e.dossier_id = 1 AND d.period BETWEEN '2025-01' AND '2025-12';
DELETE FROM payslips WHERE employer_id IN (SELECT id FROM employers WHERE dossier_id = 1)
    AND period BETWEEN '2025-01' AND '2025-12';
DELETE FROM declarations WHERE employer_id IN (SELECT id FROM employers WHERE dossier_id = 1)
    AND period BETWEEN '2025-01' AND '2025-12';
UPDATE exercises SET state = 'cloture', closed_at = '2026-11-22T20:00:00+01:00'
    WHERE dossier_id = 1 AND year = 2025;
COMMIT;
REINDEX;
ANALYZE;
";

fn fresh_copy(from: &Path, to: &Path) -> Result<(), Box<dyn Error>> {
    for suffix in ["", "-wal", "-shm"] {
        let mut s = to.as_os_str().to_owned();
        s.push(suffix);
        let _ = std::fs::remove_file(s);
    }
    std::fs::copy(from, to)?;
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let home = Home::at(dir.path().join("iea"));
    home.ensure()?;
    Config::defaults(&home).save(&home)?;
    let pristine = dir.path().join("pristine.iea");
    let payslips: u64 = match std::env::var("CLOSING_BENCH_PAYSLIPS") {
        Ok(v) => v.replace('_', "").parse()?,
        Err(_) => 1_000_000,
    };
    println!("building a demo store of {payslips} payslips…");
    build_demo(
        &home,
        &pristine,
        &DemoOptions {
            payslips,
            seed: 1,
            overwrite: false,
        },
        &NoProgress,
        &Cancel::new(),
    )?;
    // One file, no WAL: both sides start from the same bytes.
    rusqlite::Connection::open(&pristine)?.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    let work = home.default_store_path();
    if let Some(folder) = work.parent() {
        std::fs::create_dir_all(folder)?;
    }
    let (mut ours, mut shell) = (Vec::new(), Vec::new());
    let mut moved = 0;
    for round in 0..2 {
        fresh_copy(&pristine, &work)?;
        let t = Instant::now();
        let report = close_year(
            &home,
            &work,
            &CloseRequest {
                dossier_id: 1,
                year: 2025,
            },
            false,
            &NoProgress,
            &Cancel::new(),
        )?;
        ours.push(t.elapsed());
        moved = report.payslips_moved;
        println!(
            "round {round}: close_year {:?} (steps {:?})",
            t.elapsed(),
            report.step_durations
        );
        fresh_copy(&pristine, &work)?;
        let t = Instant::now();
        let mut child = Command::new("sqlite3")
            .arg(&work)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        child
            .stdin
            .take()
            .ok_or("no stdin")?
            .write_all(SHELL_SCRIPT.as_bytes())?;
        let out = child.wait_with_output()?;
        shell.push(t.elapsed());
        if !out.status.success() {
            return Err(format!("sqlite3: {}", String::from_utf8_lossy(&out.stderr)).into());
        }
        println!("round {round}: sqlite3 {:?}", t.elapsed());
    }
    let best = |v: &[Duration]| v.iter().min().copied().unwrap_or_default();
    println!(
        "closing of {moved} payslips: close_year {:?}, sqlite3 shell {:?}, ratio {:.2}",
        best(&ours),
        best(&shell),
        best(&ours).as_secs_f64() / best(&shell).as_secs_f64()
    );
    Ok(())
}
