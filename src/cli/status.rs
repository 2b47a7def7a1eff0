//! `status [--json]`: what the installation is (version, store, connection
//! state, assistance mode). The store is opened read-only: asking changes
//! nothing. Exit code 1 when the store cannot be used.

use std::process::ExitCode;

use clap::Args;

use super::CliError;
use super::error::explained;
use super::output::{self, say};
use crate::fsutil::human_size;
use crate::home::Home;
use crate::service::state::{self, Capabilities, ServiceInputs};
use crate::{messages, status};

#[derive(Args)]
pub(super) struct StatusArgs {
    /// Sortie JSON sur une ligne
    #[arg(long)]
    pub(super) json: bool,
}

pub(super) fn run(home: &Home, args: &StatusArgs) -> anyhow::Result<ExitCode> {
    let (status, store_error) = status::collect(home).map_err(explained(messages::config_error))?;
    if args.json {
        // The store's error is part of the status: one document, exit code 1.
        output::json(&status)?;
        return Ok(super::exit_code(store_error.is_none()));
    }
    say!("Impact emploi – iea-maintenance {}", status.version)?;
    say!("Dossier de l'installation : {}", status.home.display())?;
    say!("Base de données : {}", status.store.path.display())?;
    if let (Some(v), Some(d), Some(p)) = (
        status.store.schema_version,
        status.store.dossiers,
        status.store.payslips,
    ) {
        say!(
            "  version du schéma {v}, {}, {} dossiers, {} bulletins de salaire",
            human_size(status.store.size_bytes),
            messages::integer(i128::from(d)),
            messages::integer(i128::from(p))
        )?;
    }
    // The tray's own line for the connection, never the key of `--json`
    // ("unknown", "licence_refused"): one wording for the same state. The
    // store is said apart, just above.
    let inputs = ServiceInputs {
        connection: status.connection.clone(),
        assistance: status.assistance,
        store_problem: None,
        backup_warnings: Vec::new(),
    };
    say!(
        "Connexion : {}",
        messages::tray_line(&state::tray_view(&inputs, Capabilities::CURRENT).status)
    )?;
    match store_error {
        None => Ok(ExitCode::SUCCESS),
        Some(e) => {
            let mut explanation = messages::store_error(&e);
            explanation
                .todo
                .push_str("\nPour un diagnostic détaillé : iea-maintenance doctor");
            Err(CliError::failure(explanation).into())
        }
    }
}
