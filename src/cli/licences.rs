//! `licences list|reset|new-id`: « Gestion des licences par poste » from the
//! command line. `list` shows the workstations that hold the licence, the
//! server's list merged with the store's and this workstation, or the local
//! list and why the server's is missing (exit 1 then); `reset POSTE…` is
//! « Réinitialiser poste » after « oui », each answer said, then this
//! workstation authenticates again at once; `new-id` gives a computer whose
//! `IEA_HOME` was copied its own workstation id.

use std::process::ExitCode;

use clap::Subcommand;
use serde::Serialize;

use super::confirm::{Question, confirm};
use super::output::{self, note, say};
use super::{CliError, ensure_home, exit_code};
use crate::config::{Config, DEFAULT_SUPPORT_ADDRESS};
use crate::home::Home;
use crate::licences::{self, FingerprintCheck, LicenceError, LicenceView};
use crate::messages::{self, Explanation};

const VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Subcommand)]
pub(super) enum LicencesCmd {
    /// Liste les postes qui utilisent la licence : nom, première et dernière connexion, état
    List {
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// « Réinitialiser poste » : libère la licence des postes nommés (nom ou identifiant)
    Reset {
        /// Les postes, par leur nom ou leur identifiant
        #[arg(value_name = "POSTE", required = true)]
        targets: Vec<String>,
        /// Confirme sans poser de question
        #[arg(long)]
        yes: bool,
    },
    /// Donne un nouvel identifiant à ce poste quand son dossier de données vient d'un autre ordinateur
    NewId {
        /// Confirme sans poser de question
        #[arg(long)]
        yes: bool,
    },
}

impl LicencesCmd {
    pub(super) fn json(&self) -> bool {
        matches!(self, Self::List { json: true })
    }

    /// Whether the command changes something (and so leaves a line in the log).
    pub(super) fn writes(&self) -> bool {
        !matches!(self, Self::List { .. })
    }
}

/// `licences list --json`: the view, and why the server's list is missing.
#[derive(Serialize)]
struct ListJson<'a> {
    #[serde(flatten)]
    view: &'a LicenceView,
    server_error: Option<Explanation>,
}

fn support_address(home: &Home) -> String {
    Config::load(home).map_or_else(
        |_| DEFAULT_SUPPORT_ADDRESS.to_owned(),
        |c| c.mail.support_address,
    )
}

fn failed(home: &Home) -> impl FnOnce(LicenceError) -> CliError + '_ {
    move |e| CliError::failure(messages::licence_error(&e, &support_address(home), VERSION))
}

pub(super) fn run(home: &Home, cmd: &LicencesCmd) -> anyhow::Result<ExitCode> {
    if cmd.writes() {
        ensure_home(home)?;
    }
    let store = Config::load(home).ok().map(|c| c.paths.store);
    let support = support_address(home);
    match cmd {
        LicencesCmd::List { json } => {
            let view = licences::licence_view(home, store.as_deref()).map_err(failed(home))?;
            let missing = view
                .server_missing
                .as_ref()
                .map(|f| messages::licence_failure(f, &support, VERSION));
            if *json {
                output::json(&ListJson {
                    view: &view,
                    server_error: missing.clone(),
                })?;
            } else {
                print_view(&view, missing.as_ref())?;
            }
            Ok(exit_code(missing.is_none()))
        }
        LicencesCmd::Reset { targets, yes } => {
            confirm(
                *yes,
                &Question {
                    announce: format!(
                        "La licence de {} va être libérée : {} devra s'enregistrer de nouveau \
                         auprès du serveur (3 réinitialisations au plus par jour).",
                        targets.join(", "),
                        if targets.len() > 1 {
                            "chacun de ces postes"
                        } else {
                            "ce poste"
                        }
                    ),
                    unasked: format!(
                        "Réinitialiser {} demande une confirmation.",
                        targets.join(", ")
                    ),
                    action: "Réinitialisation",
                },
            )?;
            let requested_by = crate::accounts::Actor::command_line()
                .audit_name()
                .to_owned();
            let report =
                licences::reset_workstations(home, store.as_deref(), targets, &requested_by)
                    .map_err(failed(home))?;
            for line in messages::reset_report_lines(&report, &support, VERSION) {
                say!("{line}")?;
            }
            Ok(exit_code(report.all_reset()))
        }
        LicencesCmd::NewId { yes } => {
            let check = licences::check_fingerprint(home).map_err(failed(home))?;
            if check != FingerprintCheck::Changed {
                say!(
                    "Le dossier de données de ce poste a été fait sur cet ordinateur : son \
                     identifiant reste le même."
                )?;
                return Ok(ExitCode::SUCCESS);
            }
            let x = messages::copied_installation();
            confirm(
                *yes,
                &Question {
                    announce: format!(
                        "{}\nCe poste va prendre un nouvel identifiant ; l'ancien reste celui \
                         de l'autre ordinateur.",
                        x.what
                    ),
                    unasked: "Prendre un nouvel identifiant de poste demande une confirmation."
                        .to_owned(),
                    action: "Opération",
                },
            )?;
            let who = crate::accounts::Actor::command_line()
                .audit_name()
                .to_owned();
            let done = licences::take_new_workstation_id(home, store.as_deref(), &who)
                .map_err(failed(home))?;
            for line in messages::new_id_lines(&done, &support, VERSION) {
                say!("{line}")?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_view(view: &LicenceView, missing: Option<&Explanation>) -> anyhow::Result<()> {
    if let Some(licence) = &view.licence {
        say!("{}", messages::licence_line(licence, &view.rows))?;
    }
    if let Some(x) = missing {
        note!("{}\n{}\n{}", x.title, x.what, x.why);
        if !x.todo.is_empty() {
            note!("Que faire : {}", x.todo);
        }
    }
    if view.fingerprint == FingerprintCheck::Changed {
        let x = messages::copied_installation();
        note!("{}\n{}\nQue faire : {}", x.title, x.what, x.todo);
    }
    let read = view.licence.is_some();
    for r in &view.rows {
        say!(
            "{} — {} — première connexion : {} — dernière : {} — {}",
            messages::workstation_name(r),
            r.id,
            messages::seen(r.first_seen.as_deref()),
            messages::seen(r.last_seen.as_deref()),
            messages::workstation_state(r, read)
        )?;
    }
    let duplicates = view.duplicates();
    if duplicates.len() > 1 {
        say!(
            "Licence identique sur {} postes : {}. Réinitialisez celui qui ne doit plus \
             l'utiliser (iea-maintenance licences reset POSTE).",
            duplicates.len(),
            duplicates
                .iter()
                .map(|r| messages::workstation_name(r))
                .collect::<Vec<_>>()
                .join(" et ")
        )?;
    }
    Ok(())
}
