//! The administrator's command line for accounts, Net-entreprises credentials
//! and licences: the real binary on temporary `IEA_HOME`s with a demo store,
//! against real HTTPS peers on 127.0.0.1 that follow PROTOCOL.md.
//!
//! Among others: the rules of the store said in French with their exit codes,
//! passwords read from the standard input and never printed, each answer of
//! Net-entreprises in its JSON, and a grep over everything the program wrote —
//! its outputs, its logs, its state, its store — that finds none of the tokens
//! the portal issued.

mod support;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use iea_maintenance::config::Config;
use iea_maintenance::home::Home;
use iea_maintenance::installation::Installation;
use support::https::{TestCa, loopback_cert};
use support::licence_server::{LicenceServer, Seat};
use support::net_entreprises::{NetEntreprisesPeer, Standing};
use url::Url;

const BIN: &str = env!("CARGO_BIN_EXE_iea-maintenance");
const THEATRE: &str = "Association Les Amis du Théâtre";
const SIRET: &str = "73282932000074";

/// Runs the program with `stdin` on its standard input, and keeps every output
/// for the grep at the end.
struct Runner {
    home: PathBuf,
    outputs: Vec<Vec<u8>>,
}

impl Runner {
    fn new(home: &Path) -> Self {
        Self {
            home: home.to_path_buf(),
            outputs: Vec::new(),
        }
    }

    fn run(&mut self, args: &[&str], stdin: &str) -> Output {
        let mut child = Command::new(BIN)
            .args(args)
            .env("IEA_HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join("xdg-config"))
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run the binary");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write stdin");
        let out = child.wait_with_output().expect("wait");
        self.outputs.push(out.stdout.clone());
        self.outputs.push(out.stderr.clone());
        out
    }

    fn json(&mut self, args: &[&str]) -> (i32, serde_json::Value) {
        let o = self.run(args, "");
        let value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{args:?} is not JSON ({e}): {}", text(&o)));
        (o.status.code().expect("code"), value)
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A demo store (accounts Administrateur, Dupont, Martin; password "demo").
fn demo(runner: &mut Runner) {
    let o = runner.run(&["demo", "--payslips", "200"], "");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

/// Every file under `dir`, recursively.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("list") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn accounts_from_the_command_line_follow_the_rules_of_the_store() {
    let home = tempfile::tempdir().expect("home");
    let mut r = Runner::new(home.path());
    demo(&mut r);

    let (code, list) = r.json(&["users", "list", "--json"]);
    assert_eq!(code, 0);
    let logins: Vec<&str> = list["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| u["login"].as_str().expect("login"))
        .collect();
    assert_eq!(logins, ["Administrateur", "Dupont", "Martin"]);
    assert_eq!(list["users"][0]["role"], "administrateur");
    assert_eq!(
        list["users"][1]["sessions"][0]["workstation"],
        "POSTE-PAIE-01"
    );

    // A new account, its password on the standard input.
    let o = r.run(
        &[
            "users",
            "add",
            "claire",
            "--nom",
            "Claire Petit",
            "--role",
            "gestionnaire",
            "--password-stdin",
        ],
        "Bonjour-2026!\n",
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("Le compte « claire » a été créé."));
    // Never as an argument, and without a terminal it is said how.
    let o = r.run(&["users", "add", "paul", "--nom", "Paul"], "");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--password-stdin"), "{}", text(&o));
    let o = r.run(
        &["users", "add", "paul", "--nom", "Paul", "--role", "chef"],
        "",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("administrateur, gestionnaire, consultation"),
        "{}",
        text(&o)
    );
    // A password too short is refused, naming the field.
    let o = r.run(
        &["users", "passwd", "claire", "--password-stdin"],
        "court\n",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("« Mot de passe » : Le mot de passe doit avoir au moins 8"));

    // Rights per dossier.
    let o = r.run(
        &[
            "users",
            "rights",
            "claire",
            "--dossier",
            THEATRE,
            "--niveau",
            "modification",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains(&format!("{THEATRE} : Modification")));
    let o = r.run(
        &[
            "users",
            "rights",
            "Administrateur",
            "--dossier",
            THEATRE,
            "--niveau",
            "aucun",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("tous les droits"), "{}", text(&o));
    let o = r.run(
        &[
            "users",
            "rights",
            "claire",
            "--dossier",
            "Nulle part",
            "--niveau",
            "aucun",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("Dossier introuvable"));
    // To consultation: the modification right becomes consultation, and it is said.
    let o = r.run(&["users", "modify", "claire", "--role", "consultation"], "");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("sont devenus des droits de consultation"));

    // Never without an administrator.
    let o = r.run(
        &[
            "users",
            "modify",
            "Administrateur",
            "--role",
            "gestionnaire",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("Dernier administrateur"), "{}", text(&o));
    let o = r.run(&["users", "remove", "Administrateur", "--yes"], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("dernier administrateur"));
    // A removal asks first.
    let o = r.run(&["users", "remove", "claire"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("--yes"));
    let o = r.run(&["users", "remove", "claire", "--yes"], "");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // "Déconnecter": Dupont's demo session was left long ago.
    let o = r.run(&["users", "disconnect", "Dupont"], "");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("POSTE-PAIE-01 a été fermée"),
        "{}",
        text(&o)
    );
    let o = r.run(&["users", "disconnect", "Dupont"], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("Aucune session"));

    // No password reached an output or a file.
    let mut written = Vec::new();
    files(home.path(), &mut written);
    for secret in ["Bonjour-2026!", "court"] {
        for out in &r.outputs {
            assert!(!contains(out, secret.as_bytes()), "{secret} printed");
        }
        for file in &written {
            let bytes = std::fs::read(file).expect("read");
            assert!(!contains(&bytes, secret.as_bytes()), "{secret} in {file:?}");
        }
    }
}

#[test]
fn net_entreprises_credentials_are_tested_and_no_token_is_ever_written() {
    let ca = TestCa::new("Autorite de test");
    let peer = NetEntreprisesPeer::start(&loopback_cert(&ca));
    peer.declarant(
        SIRET,
        "DUPONT",
        "Claire",
        "Net-E-secret-1",
        Standing::Active,
    );
    peer.declarant(
        SIRET,
        "MARTIN",
        "Julien",
        "Net-E-secret-2",
        Standing::Active,
    );
    let home = tempfile::tempdir().expect("home");
    let mut r = Runner::new(home.path());
    demo(&mut r);
    let ws = Home::at(home.path());
    let mut config = Config::load(&ws).expect("config");
    config.connection.net_entreprises_url = Url::parse(&peer.url()).expect("url");
    config.connection.extra_ca_file = Some(ca.write_pem(home.path()));
    config.save(&ws).expect("config");

    let o = r.run(
        &[
            "netentreprises",
            "set",
            "Dupont",
            "--siret",
            SIRET,
            "--nom",
            "DUPONT",
            "--prenom",
            "Claire",
            "--password-stdin",
        ],
        "Net-E-secret-1\n",
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = r.run(
        &[
            "netentreprises",
            "set",
            "Martin",
            "--siret",
            SIRET,
            "--nom",
            "MARTIN ",
            "--prenom",
            "Julien",
            "--password-stdin",
        ],
        "faux-mot-de-passe\n",
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("Nom : Attention : ce champ finit par une espace"),
        "{}",
        text(&o)
    );
    // A SIRET that fails its key: refused before anything is sent.
    let o = r.run(
        &[
            "netentreprises",
            "set",
            "Martin",
            "--siret",
            "73282932000075",
            "--nom",
            "MARTIN",
            "--prenom",
            "Julien",
            "--password-stdin",
        ],
        "x\n",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("« SIRET »"), "{}", text(&o));

    let (code, json) = r.json(&["netentreprises", "test", "Dupont", "--json"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["ok"], true);
    assert_eq!(json["results"][0]["verdict"]["code"], "valid");
    let secs = json["results"][0]["verdict"]["lifetime_secs"]
        .as_i64()
        .expect("lifetime");
    assert!((5390..=5410).contains(&secs), "{secs}");
    assert!(
        json["results"][0]["explanation"]["what"]
            .as_str()
            .expect("what")
            .contains("valable jusqu'au")
    );
    // Again at once: a confirmation first, none on a pipe.
    let o = r.run(&["netentreprises", "test", "Dupont"], "");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("moins d'une minute"), "{}", text(&o));
    assert_eq!(peer.request_count(), 1);
    let o = r.run(&["netentreprises", "test", "Dupont", "--yes"], "");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("Identifiants Net-entreprises valides"));

    // A wrong password: one call, its verdict, exit 1.
    let before = peer.request_count();
    let (code, json) = r.json(&["netentreprises", "test", "Martin", "--json"]);
    assert_eq!(code, 1);
    assert_eq!(json["results"][0]["verdict"]["code"], "wrong_credentials");
    assert_eq!(
        json["results"][0]["explanation"]["title"],
        "Compte inconnu ou mot de passe incorrect"
    );
    assert_eq!(peer.request_count(), before + 1, "a 401 is not retried");

    // Every account at once.
    let (code, json) = r.json(&["netentreprises", "test", "--all", "--yes", "--json"]);
    assert_eq!(code, 1, "{json}");
    let results = json["results"].as_array().expect("results");
    assert_eq!(results.len(), 2);
    assert_eq!(json["calls"], 2);

    // The token: in no output, no log, no file.
    let tokens = peer.tokens();
    assert!(tokens.len() >= 3, "{tokens:?}");
    let mut written = Vec::new();
    files(home.path(), &mut written);
    assert!(
        written
            .iter()
            .any(|f| f.starts_with(home.path().join("logs"))),
        "the logs are part of the grep: {written:?}"
    );
    for token in &tokens {
        for out in &r.outputs {
            assert!(!contains(out, token.as_bytes()), "token printed");
        }
        for file in &written {
            let bytes = std::fs::read(file).expect("read");
            assert!(!contains(&bytes, token.as_bytes()), "token in {file:?}");
        }
    }
    // Nor the Net-entreprises passwords.
    for file in &written {
        let bytes = std::fs::read(file).expect("read");
        for secret in ["Net-E-secret-1", "faux-mot-de-passe"] {
            assert!(!contains(&bytes, secret.as_bytes()), "{secret} in {file:?}");
        }
    }
}

#[test]
fn licences_are_listed_and_reset_from_the_command_line() {
    let home = tempfile::tempdir().expect("home");
    let mut r = Runner::new(home.path());
    demo(&mut r);
    let ws = Home::at(home.path());
    let mut identity = Installation::load(&ws)
        .expect("read")
        .expect("made by demo");
    "IEA-LIC-CLI".clone_into(&mut identity.licence_key);
    identity.save(&ws).expect("licence key");
    let (installation, workstation) = (
        identity.installation_id.to_string(),
        identity.workstation_id.to_string(),
    );
    let ca = TestCa::new("Autorite de test");
    let server = LicenceServer::start(
        &loopback_cert(&ca),
        &installation,
        "IEA-LIC-CLI",
        vec![
            Seat::new(&workstation, "POSTE-COMPTA", "duplicate"),
            Seat::new(
                "bbbbbbbb-0000-4000-8000-000000000001",
                "POSTE-ACCUEIL",
                "duplicate",
            ),
        ],
    );
    let mut config = Config::load(&ws).expect("config");
    config.connection.auth_url = Url::parse(&server.url()).expect("url");
    config.connection.extra_ca_file = Some(ca.write_pem(home.path()));
    config.save(&ws).expect("config");

    let (code, json) = r.json(&["licences", "list", "--json"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["licence"]["holder"], support::licence_server::HOLDER);
    let hosts: Vec<(&str, &str, bool)> = json["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|w| {
            (
                w["hostname"].as_str().expect("hostname"),
                w["state"].as_str().unwrap_or("-"),
                w["this_one"].as_bool().expect("this_one"),
            )
        })
        .collect();
    assert_eq!(
        &hosts[..2],
        [
            ("POSTE-COMPTA", "duplicate", true),
            ("POSTE-ACCUEIL", "duplicate", false)
        ]
    );
    let o = r.run(&["licences", "list"], "");
    assert!(text(&o).contains("POSTE-COMPTA (ce poste)"), "{}", text(&o));
    assert!(
        text(&o).contains("Licence identique sur 2 postes"),
        "{}",
        text(&o)
    );

    let o = r.run(&["licences", "reset", "POSTE-ACCUEIL"], "");
    assert_eq!(o.status.code(), Some(2), "asks first: {}", text(&o));
    let o = r.run(&["licences", "reset", "POSTE-ACCUEIL", "--yes"], "");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("POSTE-ACCUEIL : réinitialisé"),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("boule bleue"), "{}", text(&o));
    let (_, status) = r.json(&["status", "--json"]);
    assert_eq!(status["state"], "connected");
    let o = r.run(&["licences", "reset", "POSTE-ACCUEIL", "--yes"], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("inconnu du serveur"), "{}", text(&o));
}
