//! Benchmark of « T », the upload of a store's archive to the secure space,
//! against `curl` sending the same bytes to the same tus server in the same
//! run.
//!
//! `cargo bench --bench transfer` builds a demo store of
//! `TRANSFER_BENCH_PAYSLIPS` payslips (default 1 000 000), makes its verified
//! archive (« C », timed for information), starts the official tus server
//! (@tus/server, Node, HTTPS on 127.0.0.1, `bash .ci/setup` installs it), then
//! times, `TRANSFER_BENCH_ROUNDS` times each (default 5), alternating:
//! - the program's tus client: `OPTIONS`, creation, then the chunks;
//! - `curl`: the creation (`POST`), then one `PATCH` streaming the whole file.
//!
//! It prints the medians and their ratio (target: at most 1.1), and checks that
//! every upload arrived whole; it asserts nothing about time.

#![allow(clippy::print_stdout)]

// Both files allow dead code themselves.
#[path = "../support/https.rs"]
mod https;
#[path = "../support/tus.rs"]
mod tus;

use std::error::Error;
use std::process::Command;
use std::time::{Duration, Instant};

use iea_maintenance::backup::archive;
use iea_maintenance::config::{Config, ConnectionMode};
use iea_maintenance::demo::{DemoOptions, build_demo};
use iea_maintenance::home::Home;
use iea_maintenance::jobs::{Cancel, NoProgress};
use iea_maintenance::transfer::tus::Sharebox;

fn main() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let home = Home::at(dir.path().join("iea"));
    home.ensure()?;
    let payslips: u64 = match std::env::var("TRANSFER_BENCH_PAYSLIPS") {
        Ok(v) => v.replace('_', "").parse()?,
        Err(_) => 1_000_000,
    };
    let rounds: usize = std::env::var("TRANSFER_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
        .max(1);
    let store = home.default_store_path();
    println!("building a demo store of {payslips} payslips…");
    build_demo(
        &home,
        &store,
        &DemoOptions {
            payslips,
            seed: 1,
            overwrite: false,
        },
        &NoProgress,
        &Cancel::new(),
    )?;
    let staging = dir.path().join("staging");
    std::fs::create_dir_all(&staging)?;
    let started = Instant::now();
    let built = archive::build_archive(
        &store,
        &staging,
        "banc-transfert.iea.zip",
        None,
        &NoProgress,
        &Cancel::new(),
    )?;
    println!(
        "« C »: store of {} bytes compressed to {} bytes in {:.2} s",
        std::fs::metadata(&store)?.len(),
        built.size_bytes,
        started.elapsed().as_secs_f64()
    );

    let ca = https::TestCa::new("Autorite du banc de transfert");
    let cert = https::loopback_cert(&ca);
    let server = tus::TusServer::start(dir.path(), &cert, None);
    let ca_file = ca.write_pem(dir.path());
    let mut settings = Config::defaults(&home).connection;
    settings.mode = ConnectionMode::Secure;
    settings.extra_ca_file = Some(ca_file.clone());
    let endpoint = url::Url::parse(&server.url())?;
    let size = built.size_bytes;

    let ours = || -> Result<Duration, Box<dyn Error>> {
        let t = Instant::now();
        let sharebox = Sharebox::connect(&settings, None, &endpoint)?;
        let upload = sharebox.create(
            size,
            &[
                ("filename", "banc-transfert.iea.zip"),
                ("sha256", built.sha256_hex.as_str()),
            ],
        )?;
        sharebox.upload(&upload, &built.path, size, 0, &|_| {}, &Cancel::new())?;
        Ok(t.elapsed())
    };
    let curl = || -> Result<Duration, Box<dyn Error>> {
        let t = Instant::now();
        let created = Command::new("curl")
            .args(["-sS", "--fail", "--cacert"])
            .arg(&ca_file)
            .args(["-X", "POST", "-D", "-", "-o", "/dev/null"])
            .args(["-H", "Tus-Resumable: 1.0.0"])
            .args(["-H", &format!("Upload-Length: {size}")])
            .arg(server.url())
            .output()?;
        if !created.status.success() {
            return Err(format!("curl POST: {}", String::from_utf8_lossy(&created.stderr)).into());
        }
        let headers = String::from_utf8_lossy(&created.stdout);
        let location = headers
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("location")
                    .then(|| value.trim().to_owned())
            })
            .ok_or("no Location")?;
        let sent = Command::new("curl")
            .args(["-sS", "--fail", "--cacert"])
            .arg(&ca_file)
            .args(["-X", "PATCH", "-o", "/dev/null"])
            .args(["-H", "Tus-Resumable: 1.0.0", "-H", "Upload-Offset: 0"])
            .args(["-H", "Content-Type: application/offset+octet-stream"])
            .args(["-H", "Expect:"])
            .arg("-T")
            .arg(&built.path)
            .arg(&location)
            .status()?;
        if !sent.success() {
            return Err("curl PATCH failed".into());
        }
        Ok(t.elapsed())
    };

    // Once each first, untimed: Node's first requests warm it up.
    ours()?;
    curl()?;
    let mut ours_times = Vec::new();
    let mut curl_times = Vec::new();
    for _ in 0..rounds {
        ours_times.push(ours()?);
        curl_times.push(curl()?);
    }
    let uploads = server.uploads();
    assert_eq!(uploads.len(), 2 * (rounds + 1));
    for u in &uploads {
        assert_eq!(u.received(), size, "every upload arrived whole");
        assert_eq!(u.sha256(), built.sha256_hex, "the same bytes");
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (o, c) = (median(&mut ours_times), median(&mut curl_times));
    let mb = size as f64 / 1_000_000.0;
    println!(
        "« T », {mb:.1} Mo to the loopback tus server, median of {rounds}:\n  \
         iea-maintenance : {:.3} s ({:.0} Mo/s)\n  curl            : {:.3} s ({:.0} Mo/s)\n  \
         ratio           : {:.2} (target ≤ 1.10)",
        o.as_secs_f64(),
        mb / o.as_secs_f64(),
        c.as_secs_f64(),
        mb / c.as_secs_f64(),
        o.as_secs_f64() / c.as_secs_f64()
    );
    Ok(())
}
