//! Benchmark of "Tester tous les comptes": `iea-maintenance netentreprises
//! test --all` for `ACCOUNTS` accounts, each with credentials of its own,
//! against a Net-entreprises peer on 127.0.0.1 (HTTPS, PROTOCOL.md) that takes
//! `ANSWER_DELAY` before each answer. Tested one after the other, the accounts
//! would take the sum of the answers (50 × 300 ms = 15 s); the program tests
//! them side by side, at most `MAX_CONCURRENT_TESTS` at a time (three refusals
//! lock an account on the portal: the load stays bounded).
//!
//! `cargo bench --bench netentreprises_all` prepares, for each run, a fresh
//! `IEA_HOME` with its store, the accounts and their encrypted credentials,
//! then times:
//! - the real binary, `netentreprises test --all --json` (process start,
//!   store, decryption of each password, the calls, the lines saved);
//! - the plain tool doing the same calls in the same run: `curl`, one process
//!   per account, `xargs -P` with the program's bound, posting the same XML
//!   with the protocol's headers.
//!
//! It checks that every account was tested and found valid, and prints the
//! times, the ratio to the sum of the answers, and the most calls the peer saw
//! at once. It asserts nothing about time.

#![allow(clippy::print_stdout, dead_code)]

#[path = "../support/mod.rs"]
mod support;

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use iea_maintenance::accounts::net_entreprises::MAX_CONCURRENT_TESTS;
use iea_maintenance::accounts::{
    AccountChanges, Actor, CredentialsChange, PasswordChange, Role, Secret, Target, save,
};
use iea_maintenance::config::Config;
use iea_maintenance::home::Home;
use iea_maintenance::store::Store;
use support::https::{TestCa, loopback_cert};
use support::net_entreprises::{NetEntreprisesPeer, Standing};
use url::Url;

const BIN: &str = env!("CARGO_BIN_EXE_iea-maintenance");

/// How many accounts have credentials.
const ACCOUNTS: usize = 50;

/// How long the peer takes before each answer.
const ANSWER_DELAY: Duration = Duration::from_millis(300);

/// How many times each side runs; the median is printed.
const RUNS: usize = 3;

const SIRET: &str = "73282932000074";

fn main() -> Result<(), Box<dyn Error>> {
    iea_maintenance::connection::install_crypto_provider();
    let ca = TestCa::new("Autorite de test du banc Net-entreprises");
    let peer = NetEntreprisesPeer::start(&loopback_cert(&ca));
    peer.answer_after(ANSWER_DELAY);
    for n in 0..ACCOUNTS {
        peer.declarant(SIRET, &nom(n), "Prénom", &password(n), Standing::Active);
    }
    let sum = ANSWER_DELAY * u32::try_from(ACCOUNTS)?;
    println!(
        "netentreprises test --all: {ACCOUNTS} accounts, {} ms per answer \
         (sum of the answers {:.1} s), at most {MAX_CONCURRENT_TESTS} calls at once\n",
        ANSWER_DELAY.as_millis(),
        sum.as_secs_f64()
    );

    let mut ours = Vec::new();
    let mut plain = Vec::new();
    for run in 1..=RUNS {
        let dir = tempfile::tempdir()?;
        let home = prepare(dir.path(), &peer, &ca)?;
        let before = peer.request_count();
        let elapsed = program(&home)?;
        let calls = peer.request_count() - before;
        if calls != ACCOUNTS {
            return Err(format!("{calls} calls for {ACCOUNTS} accounts").into());
        }
        // The peer counts since it started: read before curl's first calls.
        let at_once = if run == 1 {
            format!("   ({} calls at once at most)", peer.max_in_flight())
        } else {
            String::new()
        };
        println!(
            "  run {run}: iea-maintenance          {:>6.2} s{at_once}",
            elapsed.as_secs_f64()
        );
        ours.push(elapsed);
        if let Some(elapsed) = curl(dir.path(), &peer, &ca)? {
            println!(
                "  run {run}: curl | xargs -P {MAX_CONCURRENT_TESTS}        {:>6.2} s",
                elapsed.as_secs_f64()
            );
            plain.push(elapsed);
        }
    }

    let ours = median(&mut ours);
    println!();
    println!(
        "iea-maintenance netentreprises test --all   {:>6.2} s   {:.2} × the sum of the answers ({:.1} s)",
        ours.as_secs_f64(),
        ours.as_secs_f64() / sum.as_secs_f64(),
        sum.as_secs_f64()
    );
    if plain.is_empty() {
        println!("curl: not found, no comparison with the plain tool");
    } else {
        let plain = median(&mut plain);
        println!(
            "curl, {MAX_CONCURRENT_TESTS} at a time (same calls)              {:>6.2} s   {:.2} × the sum; the program takes {:.2} × curl",
            plain.as_secs_f64(),
            plain.as_secs_f64() / sum.as_secs_f64(),
            ours.as_secs_f64() / plain.as_secs_f64()
        );
    }
    Ok(())
}

fn nom(n: usize) -> String {
    format!("DECLARANT{n:02}")
}

fn password(n: usize) -> String {
    format!("Secret-{n:02}")
}

/// A fresh `IEA_HOME` pointed at the peer, its store holding an administrator
/// and `ACCOUNTS` managers, each with credentials of their own.
fn prepare(root: &Path, peer: &NetEntreprisesPeer, ca: &TestCa) -> Result<Home, Box<dyn Error>> {
    let home = Home::at(root.join("iea"));
    home.ensure()?;
    let mut config = Config::defaults(&home);
    config.connection.net_entreprises_url = Url::parse(&peer.url())?;
    config.connection.extra_ca_file = Some(ca.write_pem(home.root()));
    config.save(&home)?;
    let path = home.default_store_path();
    std::fs::create_dir_all(path.parent().ok_or("store folder")?)?;
    let store = Store::create(&path)?;
    let actor = Actor::command_line();
    let account = |login: &str, role: Role, net: Option<usize>| {
        save(
            &home,
            &store,
            &actor,
            &Target::New {
                login: login.to_owned(),
            },
            &AccountChanges {
                display_name: Some(format!("Compte {login}")),
                role: Some(role),
                password: Some(PasswordChange {
                    old: None,
                    new: "Mot-de-passe-1".to_owned(),
                    confirmation: "Mot-de-passe-1".to_owned(),
                }),
                net_entreprises: net.map(|n| CredentialsChange::Set {
                    siret: SIRET.to_owned(),
                    last_name: nom(n),
                    first_name: "Prénom".to_owned(),
                    password: Some(Secret(password(n))),
                }),
                ..AccountChanges::default()
            },
        )
    };
    account("admin", Role::Administrateur, None)?;
    for n in 0..ACCOUNTS {
        account(&format!("gestionnaire{n:02}"), Role::Gestionnaire, Some(n))?;
    }
    Ok(home)
}

/// The real binary: `netentreprises test --all --json`, every line valid.
fn program(home: &Home) -> Result<Duration, Box<dyn Error>> {
    let started = Instant::now();
    let out = Command::new(BIN)
        .args(["netentreprises", "test", "--all", "--json"])
        .env("IEA_HOME", home.root())
        .env("XDG_CONFIG_HOME", home.root().join("xdg-config"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null())
        .output()?;
    let elapsed = started.elapsed();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    let results = json["results"].as_array().map_or(0, Vec::len);
    if !out.status.success() || json["ok"] != serde_json::Value::Bool(true) || results != ACCOUNTS {
        return Err(format!("not every account was valid: {json}").into());
    }
    Ok(elapsed)
}

/// `curl` posting the same XML for every account, `MAX_CONCURRENT_TESTS` at a
/// time (`xargs -P`); `None` without curl.
fn curl(
    dir: &Path,
    peer: &NetEntreprisesPeer,
    ca: &TestCa,
) -> Result<Option<Duration>, Box<dyn Error>> {
    if Command::new("curl")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_err()
    {
        return Ok(None);
    }
    let bodies = dir.join("corps");
    std::fs::create_dir_all(&bodies)?;
    let mut files: Vec<PathBuf> = Vec::new();
    for n in 0..ACCOUNTS {
        let file = bodies.join(format!("{n:02}.xml"));
        std::fs::write(
            &file,
            format!(
                "<identifiants><siret>{SIRET}</siret><nom>{}</nom><prenom>Prénom</prenom>\
                 <motdepasse>{}</motdepasse><service>25</service></identifiants>",
                nom(n),
                password(n)
            ),
        )?;
        files.push(file);
    }
    let list = files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    let pem = ca.write_pem(dir);
    let script = format!(
        "printf '%s\\n' \"$LIST\" | xargs -P {MAX_CONCURRENT_TESTS} -I{{}} \
         curl -sS -o /dev/null -w '%{{http_code}}\\n' --cacert \"$PEM\" \
         -H 'Content-Type: application/xml' -A 'Client-DSN (curl; banc d essai)' \
         --data-binary @{{}} \"$URL\""
    );
    let started = Instant::now();
    let out = Command::new("sh")
        .args(["-c", &script])
        .env("LIST", list)
        .env("PEM", &pem)
        .env("URL", peer.url())
        .output()?;
    let elapsed = started.elapsed();
    let codes = String::from_utf8_lossy(&out.stdout);
    let ok = codes.lines().filter(|c| *c == "200").count();
    if ok != ACCOUNTS {
        return Err(format!(
            "curl: {ok} answers 200 of {ACCOUNTS}: {codes}{}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(Some(elapsed))
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}
