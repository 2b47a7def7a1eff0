//! `netentreprises set|test`: the tab "Net Entreprise" of an account from the
//! command line. `set` saves the SIRET, nom and prénom exactly as typed and
//! the password (typed without being shown, or one line of the standard
//! input), encrypted; `test` is the blue ball button for one account, or
//! "Tester tous les comptes" with `--all`, and asks « oui » before testing
//! again a portal account tested less than a minute ago (three refusals lock
//! it). The token the portal issues is never printed.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::confirm::{Question, confirm};
use super::error::explained;
use super::output::{self, say};
use super::password::{self, From};
use super::progress::Bar;
use super::{ensure_home, exit_code, load_config};
use crate::accounts::net_entreprises::{
    self, AccountLine, LineOutcome, Source, TestAllReport, TestError, Tested,
};
use crate::accounts::{self, AccountChanges, Actor, CredentialsChange, Secret, Target};
use crate::home::Home;
use crate::jobs::Cancel;
use crate::messages::{self, Explanation};
use crate::store::Store;

#[derive(Subcommand)]
pub(super) enum NetEntreprisesCmd {
    /// Enregistre les identifiants Net-entreprises d'un compte, tels que tapés ; le mot de passe est tapé sans s'afficher, ou lu sur l'entrée standard
    Set(SetArgs),
    /// Teste les identifiants d'un compte (ou de tous avec --all) auprès de Net-entreprises
    Test(TestArgs),
}

#[derive(Args)]
pub(super) struct SetArgs {
    /// Le nom d'utilisateur
    #[arg(value_name = "UTILISATEUR")]
    login: String,
    /// SIRET de l'établissement (14 chiffres)
    #[arg(long, value_name = "SIRET")]
    siret: String,
    /// Nom du déclarant sur Net-entreprises, tel qu'il y est écrit
    #[arg(long, value_name = "NOM", allow_hyphen_values = true)]
    nom: String,
    /// Prénom du déclarant sur Net-entreprises, tel qu'il y est écrit
    #[arg(long, value_name = "PRÉNOM", allow_hyphen_values = true)]
    prenom: String,
    /// Lit le mot de passe sur l'entrée standard (une ligne)
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Args)]
pub(super) struct TestArgs {
    /// Le nom d'utilisateur
    #[arg(
        value_name = "UTILISATEUR",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    login: Option<String>,
    /// Teste tous les comptes qui ont des identifiants
    #[arg(long)]
    all: bool,
    /// Teste de nouveau sans question un compte testé il y a moins d'une minute
    #[arg(long)]
    yes: bool,
    /// Sortie JSON
    #[arg(long)]
    pub(super) json: bool,
}

impl NetEntreprisesCmd {
    pub(super) fn json(&self) -> bool {
        matches!(self, Self::Test(args) if args.json)
    }
}

/// `netentreprises test --json`.
#[derive(Serialize)]
struct TestJson<'a> {
    results: Vec<LineJson<'a>>,
    calls: usize,
    ok: bool,
}

#[derive(Serialize)]
struct LineJson<'a> {
    login: &'a str,
    #[serde(flatten)]
    outcome: &'a LineOutcome,
    text: String,
    explanation: Option<Explanation>,
}

pub(super) fn run(home: &Home, cmd: &NetEntreprisesCmd) -> anyhow::Result<ExitCode> {
    ensure_home(home)?;
    let store_path = load_config(home)?.paths.store;
    let store = Store::open(&store_path).map_err(explained(messages::store_error))?;
    let actor = Actor::command_line();
    match cmd {
        NetEntreprisesCmd::Set(args) => {
            // Said before the typing: an unknown login is not worth a password.
            accounts::account(&store, &args.login, chrono::Utc::now())
                .map_err(explained(messages::account_error))?;
            let secret = password::read(
                From::of(args.password_stdin),
                &format!(
                    "Mot de passe Net-entreprises de {} {}",
                    args.prenom, args.nom
                ),
                "Le mot de passe Net-entreprises",
            )?;
            for (field, value) in [
                ("Nom", &args.nom),
                ("Prénom", &args.prenom),
                ("Mot de passe", &secret),
            ] {
                if let Some(spaces) = accounts::edge_spaces(value) {
                    super::output::note!("{field} : {}", messages::edge_spaces_warning(spaces));
                }
            }
            let saved = accounts::save(
                home,
                &store,
                &actor,
                &Target::Existing {
                    login: args.login.clone(),
                },
                &AccountChanges {
                    net_entreprises: Some(CredentialsChange::Set {
                        siret: args.siret.clone(),
                        last_name: args.nom.clone(),
                        first_name: args.prenom.clone(),
                        password: Some(Secret(secret)),
                    }),
                    ..AccountChanges::default()
                },
            )
            .map_err(explained(messages::account_error))?;
            say!("{}", messages::saved_text(&saved))?;
            Ok(ExitCode::SUCCESS)
        }
        NetEntreprisesCmd::Test(args) => {
            let report = if let Some(login) = &args.login {
                {
                    let tested = asked_again(args.yes, |confirmed| {
                        net_entreprises::test_one(
                            home,
                            &store,
                            &actor,
                            &Source::Stored {
                                login: login.clone(),
                            },
                            confirmed,
                        )
                    })?;
                    let display_name = accounts::account(&store, login, chrono::Utc::now())
                        .map(|(u, _)| u.display_name)
                        .unwrap_or_default();
                    TestAllReport {
                        lines: vec![AccountLine {
                            login: login.clone(),
                            display_name,
                            outcome: LineOutcome::Tested(tested),
                        }],
                        calls: 1,
                    }
                }
            } else {
                {
                    drop(store);
                    asked_again(args.yes, |confirmed| {
                        net_entreprises::test_all(
                            home,
                            &store_path,
                            &actor,
                            confirmed,
                            &Bar::new(),
                            &Cancel::new(),
                        )
                    })?
                }
            };
            if args.json {
                output::json(&TestJson {
                    results: report
                        .lines
                        .iter()
                        .map(|l| LineJson {
                            login: &l.login,
                            outcome: &l.outcome,
                            text: messages::account_line_text(l),
                            explanation: tested(l).map(messages::verdict_explanation),
                        })
                        .collect(),
                    calls: report.calls,
                    ok: report.all_valid(),
                })?;
            } else if args.all {
                for line in &report.lines {
                    say!("{}", messages::account_line_text(line))?;
                }
                say!("{}", messages::test_all_summary(&report))?;
            } else if let Some(t) = report.lines.first().and_then(tested) {
                let x = messages::verdict_explanation(t);
                say!("{x}")?;
            }
            Ok(exit_code(report.all_valid()))
        }
    }
}

fn tested(line: &AccountLine) -> Option<&Tested> {
    match &line.outcome {
        LineOutcome::Tested(t) => Some(t),
        _ => None,
    }
}

/// Runs `test` unconfirmed; when a portal account was tested less than a
/// minute ago, asks « oui » (or takes `--yes`) and runs it confirmed.
fn asked_again<T>(yes: bool, test: impl Fn(bool) -> Result<T, TestError>) -> anyhow::Result<T> {
    match test(yes) {
        Err(TestError::RecentlyTested { accounts }) => {
            confirm(
                false,
                &Question {
                    announce: messages::recent_test_question(&accounts),
                    unasked: format!(
                        "{} Tester de nouveau demande une confirmation.",
                        messages::recent_test_question(&accounts)
                            .lines()
                            .next()
                            .unwrap_or_default()
                    ),
                    action: "Vérification",
                },
            )?;
            test(true).map_err(|e| explained(messages::test_error)(e).into())
        }
        other => other.map_err(|e| explained(messages::test_error)(e).into()),
    }
}
