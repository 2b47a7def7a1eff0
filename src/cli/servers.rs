//! `servers test [--json]`: tests the three addresses of the connection
//! settings at the same time, keeps the result as the last test, and says
//! what to do. Exit code 0 only when all three answer.

use std::process::ExitCode;

use clap::Subcommand;
use serde::Serialize;

use super::error::explained;
use super::output::{self, say};
use super::{exit_code, load_config};
use crate::connection::servers::{self, ServerResult};
use crate::home::Home;
use crate::{messages, secrets};

#[derive(Subcommand)]
pub(super) enum ServersCmd {
    /// Teste les trois adresses en même temps ; code de sortie 0 seulement si toutes répondent
    Test {
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
}

impl ServersCmd {
    pub(super) fn json(&self) -> bool {
        match self {
            Self::Test { json } => *json,
        }
    }
}

/// `servers test --json`: the results, each with its French sentence.
#[derive(Serialize)]
struct TestJson<'a> {
    results: Vec<ResultJson<'a>>,
}

/// One address: the typed result as the domain gives it, and what it means.
#[derive(Serialize)]
struct ResultJson<'a> {
    #[serde(flatten)]
    result: &'a ServerResult,
    message: String,
}

/// "accessible", or what went wrong.
fn message(r: &ServerResult) -> String {
    r.problem
        .as_ref()
        .map_or_else(|| "accessible".to_owned(), messages::server_problem)
}

pub(super) fn run(home: &Home, cmd: &ServersCmd) -> anyhow::Result<ExitCode> {
    let ServersCmd::Test { json } = cmd;
    crate::connection::install_crypto_provider();
    let config = load_config(home)?;
    // The test is kept for the centre (`dernier-test-serveurs.json`): a
    // command that writes in IEA_HOME.
    super::ensure_home(home)?;
    let proxy_password =
        secrets::reveal(home, config.connection.proxy.password_encrypted.as_deref())
            .map_err(explained(messages::secret_error))?;
    let report = servers::test_servers(&config.connection, proxy_password.as_deref());
    if let Err(e) = report.save_last(home) {
        tracing::warn!(error = %e, "dernier test des serveurs non enregistré");
    }
    if *json {
        output::json(&TestJson {
            results: report
                .results
                .iter()
                .map(|result| ResultJson {
                    result,
                    message: message(result),
                })
                .collect(),
        })?;
    } else {
        for r in &report.results {
            say!(
                "{} {} — {}{}",
                if r.ok { "✔" } else { "✘" },
                r.url,
                message(r),
                if r.ok {
                    String::new()
                } else {
                    format!(" (étape : {})", messages::server_step(r.step))
                }
            )?;
        }
        if report.all_ok() {
            say!("{}", messages::SERVERS_OK)?;
        } else if let Some(advice) = messages::server_advice(&report) {
            say!("{advice}")?;
        }
    }
    Ok(exit_code(report.all_ok()))
}
