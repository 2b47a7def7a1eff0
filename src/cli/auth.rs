//! `auth retry`: authenticates the installation now and says the state
//! obtained, as the tray's « Relancer l'authentification » does. Exit code 0
//! only when connected.
//!
//! A refusal is said with what the server answered this time (its message,
//! and the two workstations of a duplicate licence). A server that could not
//! be reached is followed by an automatic retry only when the resident service
//! runs: without it, none is announced.

use std::process::ExitCode;

use clap::Subcommand;

use super::error::explained;
use super::output::say;
use super::{ensure_home, exit_code, load_config};
use crate::connection::auth::{self, AuthOutcome};
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
    let done = auth::authenticate_on_request(home).map_err(explained(messages::auth_error))?;
    let config = load_config(home)?;
    let persisted = &done.state;
    let inputs = ServiceInputs {
        connection: persisted.connection.clone(),
        assistance: persisted.assistance,
        store_problem: None,
        backup_warnings: Vec::new(),
    };
    say!(
        "État : {}",
        messages::tray_line(&state::tray_view(&inputs, Capabilities::CURRENT).status)
    )?;
    let support = &config.mail.support_address;
    let version = crate::updates::program_version();
    let explanation = match &done.outcome {
        // Why, this time (an untrusted certificate said as such); the recorded
        // state says whether a retry is planned, and when.
        AuthOutcome::Unreachable { step, problem } => {
            let next_retry = match &persisted.connection {
                ConnectionState::Unreachable { next_retry } => next_retry.as_deref(),
                _ => None,
            };
            Some(messages::auth_unreachable(
                *step, problem, next_retry, support, version,
            ))
        }
        AuthOutcome::Connected { .. } => None,
        refused => Some(messages::auth_outcome(refused, support, version)),
    };
    if let Some(explanation) = explanation {
        say!("{explanation}")?;
    }
    Ok(exit_code(
        persisted.connection == ConnectionState::Connected,
    ))
}
