//! `assistance enable|disable --code CODE` and `assistance status`: the
//! assistance mode, switched with the code of the day that support gives.

use std::process::ExitCode;

use clap::Subcommand;

use super::ensure_home;
use super::error::explained;
use super::output::say;
use crate::assistance;
use crate::home::Home;
use crate::messages;

#[derive(Subcommand)]
pub(super) enum AssistanceCmd {
    /// Active le mode assistance
    Enable {
        /// Le mot de passe du jour donné par l'assistance (les espaces sont permis)
        #[arg(long, value_name = "CODE")]
        code: String,
    },
    /// Désactive le mode assistance
    Disable {
        /// Le mot de passe du jour donné par l'assistance (les espaces sont permis)
        #[arg(long, value_name = "CODE")]
        code: String,
    },
    /// Indique si le mode assistance est actif
    Status,
}

pub(super) fn run(home: &Home, cmd: &AssistanceCmd) -> anyhow::Result<ExitCode> {
    ensure_home(home)?;
    let now = chrono::Local::now();
    let outcome = match cmd {
        AssistanceCmd::Status => {
            let s = assistance::status(home, now);
            say!(
                "Mode assistance : {}",
                if s.enabled { "activé" } else { "désactivé" }
            )?;
            if let Some(until) = s.locked_until {
                say!(
                    "Saisie du mot de passe du jour bloquée jusqu'à {} après 5 essais erronés.",
                    until.format("%H:%M")
                )?;
            }
            return Ok(ExitCode::SUCCESS);
        }
        AssistanceCmd::Enable { code } => assistance::enable(home, code, now),
        AssistanceCmd::Disable { code } => assistance::disable(home, code, now),
    }
    .map_err(explained(messages::assistance_error))?;
    say!("{}", messages::assistance_outcome(&outcome))?;
    Ok(ExitCode::SUCCESS)
}
