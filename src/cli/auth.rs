//! `auth retry`: authenticates the installation now and says the state
//! obtained, as the tray's « Relancer l'authentification » does. Exit code 0
//! only when connected.

use std::process::ExitCode;

use clap::Subcommand;

use super::error::explained;
use super::output::say;
use super::{ensure_home, exit_code, load_config};
use crate::home::Home;
use crate::messages;
use crate::service::state::{self, Capabilities, ConnectionState, ServiceInputs};

#[derive(Subcommand)]
pub(super) enum AuthCmd {
    /// Relance l'authentification maintenant et affiche l'état obtenu
    Retry,
}

pub(super) fn run(home: &Home, cmd: &AuthCmd) -> anyhow::Result<ExitCode> {
    let AuthCmd::Retry = cmd;
    crate::connection::install_crypto_provider();
    ensure_home(home)?;
    let persisted =
        crate::connection::auth::authenticate_now(home).map_err(explained(messages::auth_error))?;
    let config = load_config(home)?;
    say!("État : {}", persisted.state_key())?;
    let inputs = ServiceInputs {
        connection: persisted.connection.clone(),
        assistance: persisted.assistance,
        store_problem: None,
        backup_warnings: Vec::new(),
    };
    say!(
        "{}",
        messages::tray_line(&state::tray_view(&inputs, Capabilities::CURRENT).status)
    )?;
    if let Some(explanation) = messages::connection_state_explanation(
        &persisted.connection,
        &config.mail.support_address,
        env!("CARGO_PKG_VERSION"),
    ) {
        say!("{explanation}")?;
    }
    Ok(exit_code(
        persisted.connection == ConnectionState::Connected,
    ))
}
