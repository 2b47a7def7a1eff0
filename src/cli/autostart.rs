//! `autostart enable|disable|status`: whether the resident service starts
//! with the user's session.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;

use super::output::say;
use crate::autostart;

#[derive(Subcommand)]
pub(super) enum AutostartCmd {
    /// Démarrer avec la session
    Enable,
    /// Ne plus démarrer avec la session
    Disable,
    /// Indique si le démarrage avec la session est actif
    Status,
}

pub(super) fn run(cmd: &AutostartCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        AutostartCmd::Enable => {
            let exe = std::env::current_exe().context("programme introuvable")?;
            let path = autostart::enable(&exe)
                .context("le démarrage avec la session n'a pas pu être activé")?;
            say!("Démarrage avec la session activé ({}).", path.display())?;
        }
        AutostartCmd::Disable => {
            autostart::disable()
                .context("le démarrage avec la session n'a pas pu être désactivé")?;
            say!("Démarrage avec la session désactivé.")?;
        }
        AutostartCmd::Status => {
            say!(
                "Démarrage avec la session : {}",
                if autostart::is_enabled() {
                    "activé"
                } else {
                    "désactivé"
                }
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
