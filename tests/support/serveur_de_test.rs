//! A loopback authentication and update server for trying every case of the
//! connection guide (seed 000) by hand, without the vendor's servers.
//!
//! ```text
//! cargo run --example serveur-de-test -- [--home DOSSIER] CAS
//! ```
//! `CAS` is one of `connecte` (case 1), `panne` (case 2: the server answers 500),
//! `muet` (case 2: it never answers), `refus` (case 3: authorisation refused),
//! `licence` (case 3: licence not recognised) or `doublon` (the same licence on two
//! workstations). The server listens on 127.0.0.1 only, implements PROTOCOL.md's
//! ping, manifest and authentication, and runs until Ctrl-C. With `--home`, the
//! three addresses of that installation's config.toml are pointed at it (mode
//! Normal, the other settings kept).

#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "https.rs"]
mod https;

use std::path::PathBuf;
use std::process::ExitCode;

use https::{Reply, TestServer, answers};
use iea_maintenance::config::{Config, ConnectionKind, ConnectionMode};
use iea_maintenance::home::Home;

const USAGE: &str =
    "Usage : serveur-de-test [--home DOSSIER] connecte|panne|muet|refus|licence|doublon

Démarre sur 127.0.0.1 un serveur d'authentification et de mise à jour de test qui
répond selon le cas choisi. Avec --home, les adresses de l'installation dont DOSSIER
est le dossier de données (IEA_HOME) sont dirigées vers lui (mode Normal).";

fn answer(case: &str) -> Option<Reply> {
    Some(match case {
        "connecte" => answers::auth_ok("Association de démonstration", "2027-12-31"),
        "panne" => Reply::status(500),
        "muet" => Reply::hang(),
        "refus" => answers::auth_refused("Autorisation refusée par le serveur de test."),
        "licence" => answers::licence_not_recognized("La licence vous a été retirée."),
        "doublon" => answers::licence_duplicate(
            "Une licence est identique sur 2 postes différents, suite certainement à une \
             réinstallation !",
            &[
                (
                    "0d4c1a52-2a0e-4d8e-9b7f-3c1f0e9a6b11",
                    "POSTE-PAIE-01",
                    "2026-11-20T09:12:00+01:00",
                ),
                (
                    "7a9e3b20-5c4d-4f61-8e2a-9d0b1c3e5f72",
                    "POSTE-ACCUEIL",
                    "2026-11-21T14:40:00+01:00",
                ),
            ],
        ),
        _ => return None,
    })
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut home: Option<PathBuf> = None;
    let mut case = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--home" => home = args.next().map(PathBuf::from),
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => case = Some(other.to_owned()),
        }
    }
    let Some(reply) = case.as_deref().and_then(answer) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let server = TestServer::http().with_protocol_routes();
    server.route("POST", "/api/v1/authenticate", reply);
    let auth = server.url();
    let update = server.url_of("/updates");
    let net = server.url_of("/authentifier/1.0/");
    if let Some(dir) = home {
        let home = Home::at(dir);
        let mut config = match Config::load(&home) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("{}", iea_maintenance::messages::config_error(&e));
                return ExitCode::from(1);
            }
        };
        config.connection.kind = ConnectionKind::Direct;
        config.connection.mode = ConnectionMode::Normal;
        for (field, url) in [
            (&mut config.connection.auth_url, &auth),
            (&mut config.connection.update_url, &update),
            (&mut config.connection.net_entreprises_url, &net),
        ] {
            match url::Url::parse(url) {
                Ok(u) => *field = u,
                Err(e) => {
                    eprintln!("Adresse incorrecte {url} : {e}");
                    return ExitCode::from(1);
                }
            }
        }
        if let Err(e) = config.save(&home) {
            eprintln!("{}", iea_maintenance::messages::config_error(&e));
            return ExitCode::from(1);
        }
        println!(
            "Les adresses de {} sont dirigées vers ce serveur (mode Normal).",
            home.config_file().display()
        );
    }
    println!("Serveur de test « {} » démarré.", case.unwrap_or_default());
    println!("  Adresse du serveur d'authentification : {auth}");
    println!("  Adresse du serveur de mise à jour : {update}");
    println!("  Adresse d'authentification Net Entreprise : {net}");
    println!("Ctrl-C pour arrêter.");
    loop {
        std::thread::sleep(std::time::Duration::from_hours(1));
    }
}
