//! `config check|reset`: checks `config.toml`, naming the line and the key at
//! fault, or keeps a dated copy of it and puts the default values back.

use std::process::ExitCode;

use clap::Subcommand;

use super::error::explained;
use super::output::say;
use crate::config::{self, Config};
use crate::home::Home;
use crate::messages;

#[derive(Subcommand)]
pub(super) enum ConfigCmd {
    /// Vérifie config.toml et indique la ligne et la clé en cause
    Check,
    /// Conserve une copie datée de config.toml puis rétablit les valeurs par défaut
    Reset,
}

pub(super) fn run(home: &Home, cmd: &ConfigCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        ConfigCmd::Check => {
            Config::load(home).map_err(explained(messages::config_error))?;
            say!("{} : configuration correcte.", home.config_file().display())?;
        }
        ConfigCmd::Reset => {
            super::ensure_home(home)?;
            let copy =
                config::reset_keeping_copy(home).map_err(explained(messages::config_error))?;
            if let Some(copy) = copy {
                say!("Copie de l'ancienne configuration : {}", copy.display())?;
            }
            say!(
                "Valeurs par défaut rétablies dans {}.",
                home.config_file().display()
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
