//! Support-side generator of the assistance mode's "mot de passe du jour"
//! (PROTOCOL.md, "Assistance mode unlock codes").
//!
//! ```text
//! cargo run --example assistance-code -- --home DOSSIER activer|desactiver [--date AAAA-MM-JJ]
//! ```
//! (`enable` and `disable` are accepted too.) It reads the installation's identity
//! and support key from the given `IEA_HOME` (or the `IEA_HOME` variable) and
//! prints the code as "1234 5678" on the standard output, alone on its line; the
//! explanation goes to the error output. It never creates anything: a folder
//! without `installation.toml` or `cle-support` is an error.

// The code on the standard output is this program's whole purpose.
#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use iea_maintenance::assistance::{AssistanceAction, code_for, display_code};
use iea_maintenance::home::{HOME_ENV, Home};
use iea_maintenance::installation::{self, Installation};
use iea_maintenance::messages::installation_error;

const USAGE: &str = "Usage : assistance-code --home DOSSIER activer|desactiver [--date AAAA-MM-JJ]

Affiche le mot de passe du jour qui active ou désactive le mode assistance de
l'installation dont DOSSIER est le dossier de données (IEA_HOME). Sans --date, le
code est celui d'aujourd'hui ; il reste valable le lendemain.";

/// What the command line asks.
struct Request {
    home: PathBuf,
    action: AssistanceAction,
    date: NaiveDate,
}

/// Reads the arguments; `Err` holds the French message to print.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<Request>, String> {
    let mut home = None;
    let mut action = None;
    let mut date = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" | "--aide" => return Ok(None),
            "--home" => {
                let value = args
                    .next()
                    .ok_or("--home demande le chemin d'un dossier de données.")?;
                home = Some(PathBuf::from(value));
            }
            "--date" => {
                let value = args.next().ok_or("--date demande une date AAAA-MM-JJ.")?;
                let parsed = NaiveDate::parse_from_str(&value, "%Y-%m-%d").map_err(|_| {
                    format!("Date « {value} » incorrecte : écrivez-la AAAA-MM-JJ (2026-03-10).")
                })?;
                date = Some(parsed);
            }
            "activer" | "enable" => action = Some(AssistanceAction::Enable),
            "desactiver" | "désactiver" | "disable" => action = Some(AssistanceAction::Disable),
            other => return Err(format!("Argument inconnu : « {other} ».")),
        }
    }
    let home = home
        .or_else(|| {
            std::env::var_os(HOME_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .ok_or("Indiquez le dossier de données de l'installation avec --home DOSSIER.")?;
    let action = action.ok_or("Indiquez l'action : activer ou desactiver.")?;
    let date = date.unwrap_or_else(|| chrono::Local::now().date_naive());
    Ok(Some(Request { home, action, date }))
}

fn main() -> ExitCode {
    let request = match parse_args(std::env::args().skip(1)) {
        Ok(Some(request)) => request,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("{message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if !request.home.is_dir() {
        eprintln!(
            "Le dossier de données « {} » est introuvable.",
            request.home.display()
        );
        return ExitCode::FAILURE;
    }
    let home = Home::at(&request.home);
    let installation = match Installation::load(&home) {
        Ok(Some(installation)) => installation,
        Ok(None) => {
            eprintln!(
                "Aucune installation dans « {} » : le fichier installation.toml est absent \
                 (Impact emploi n'a jamais démarré avec ce dossier de données).",
                request.home.display()
            );
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("{}", installation_error(&e));
            return ExitCode::FAILURE;
        }
    };
    let key = match installation::read_support_key(&home) {
        Ok(key) => key,
        Err(e) => {
            eprintln!("{}", installation_error(&e));
            return ExitCode::FAILURE;
        }
    };
    let code = code_for(
        &key,
        request.action,
        &installation.installation_id,
        request.date,
    );
    let verb = match request.action {
        AssistanceAction::Enable => "activer",
        AssistanceAction::Disable => "désactiver",
    };
    eprintln!(
        "Mot de passe du jour pour {verb} le mode assistance de l'installation {}, \
         valable le {} et le lendemain :",
        installation.installation_id,
        request.date.format("%d/%m/%Y")
    );
    println!("{}", display_code(&code));
    ExitCode::SUCCESS
}
