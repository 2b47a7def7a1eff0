//! `sessions list [--json]` and `sessions disconnect NUMÉRO`: the sessions of
//! Impact emploi open on the store (« Déblocage accès au site »), and closing
//! one left open by a workstation that stopped abruptly. The store itself
//! refuses to close a live session.

use std::process::ExitCode;

use clap::Subcommand;
use serde::Serialize;

use super::error::explained;
use super::load_config;
use super::output::{self, say};
use super::usage::between;
use crate::home::Home;
use crate::messages;
use crate::store::Store;
use crate::store::sessions::{self, SessionInfo};

#[derive(Subcommand)]
pub(super) enum SessionsCmd {
    /// Liste les sessions : utilisateur, poste, début, dernier signe de vie
    List {
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Ferme une session restée ouverte après un arrêt brutal du poste (refusé pour une session active)
    Disconnect {
        /// Le numéro de la session (voir « sessions list »)
        #[arg(value_name = "NUMÉRO", value_parser = between(1i64, i64::MAX))]
        id: i64,
    },
}

impl SessionsCmd {
    pub(super) fn json(&self) -> bool {
        matches!(self, Self::List { json: true })
    }

    /// Whether the command changes the store (and so leaves a line in the log).
    pub(super) fn changes_the_store(&self) -> bool {
        matches!(self, Self::Disconnect { .. })
    }
}

/// `sessions list --json`.
#[derive(Serialize)]
struct ListJson<'a> {
    sessions: Vec<SessionJson<'a>>,
}

/// One session, under the names the command line has always given.
#[derive(Serialize)]
struct SessionJson<'a> {
    id: i64,
    login: &'a str,
    user: &'a str,
    workstation: &'a str,
    started_at: &'a str,
    heartbeat_at: &'a str,
    active: bool,
}

impl<'a> From<&'a SessionInfo> for SessionJson<'a> {
    fn from(s: &'a SessionInfo) -> Self {
        Self {
            id: s.id,
            login: &s.login,
            user: &s.user_name,
            workstation: &s.hostname,
            started_at: &s.started_at,
            heartbeat_at: &s.heartbeat_at,
            active: s.active,
        }
    }
}

pub(super) fn run(home: &Home, cmd: &SessionsCmd) -> anyhow::Result<ExitCode> {
    if cmd.changes_the_store() {
        super::ensure_home(home)?;
    }
    let store_path = load_config(home)?.paths.store;
    let store = Store::open(&store_path).map_err(explained(messages::store_error))?;
    let now = chrono::Utc::now();
    match cmd {
        SessionsCmd::List { json } => {
            let all = sessions::sessions(store.connection(), now)
                .map_err(|e| store.err(e))
                .map_err(explained(messages::store_error))?;
            if *json {
                output::json(&ListJson {
                    sessions: all.iter().map(SessionJson::from).collect(),
                })?;
            } else if all.is_empty() {
                say!("Aucune session ouverte sur la base.")?;
            } else {
                for s in &all {
                    say!(
                        "{} : {} depuis {}, dernier signe de vie {} — {}",
                        s.id,
                        messages::session_who(s),
                        s.started_at,
                        s.heartbeat_at,
                        if s.active {
                            "active"
                        } else {
                            "interrompue (peut être fermée)"
                        }
                    )?;
                }
            }
        }
        SessionsCmd::Disconnect { id } => {
            let session = sessions::disconnect(&store, *id, now)
                .map_err(explained(messages::disconnect_error))?;
            tracing::info!(session = id, who = %messages::session_who(&session), "session interrompue fermée");
            say!("{}", messages::session_closed(&session))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
