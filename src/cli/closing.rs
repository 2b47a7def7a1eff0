//! The year-end closing on the command line: `close-year --dossier NOM --year
//! AAAA [--yes] [--json]` checks what is asked (a year that exists and is
//! still open), then the prerequisites, whose refusal gives the command beside
//! each screen; it asks for « oui » and runs the closing job with a progress
//! bar; `exercises list [--dossier NOM]
//! [--json]` lists the years of each dossier, open or closed, with their
//! totals.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::confirm::{Question, confirm};
use super::error::explained;
use super::output::{self, say};
use super::progress::Bar;
use super::usage::between;
use super::{CliError, ensure_home, load_config};
use crate::backup::book::ScriptBook;
use crate::closing::{self, CloseReport, CloseRequest, ClosingStep, Totals};
use crate::home::Home;
use crate::jobs::Cancel;
use crate::messages;
use crate::store::Store;

/// The years a closing or a list may name: payroll years, with room on both
/// sides.
const YEARS: (i32, i32) = (1900, 2100);

#[derive(Args)]
pub(super) struct CloseYearArgs {
    /// Nom du dossier
    #[arg(long, value_name = "NOM")]
    dossier: String,
    /// Année de l'exercice à clôturer
    #[arg(long, value_name = "AAAA", value_parser = between(YEARS.0, YEARS.1))]
    year: i32,
    /// Confirme sans poser de question
    #[arg(long)]
    yes: bool,
    /// Sortie JSON
    #[arg(long)]
    pub(super) json: bool,
}

#[derive(Subcommand)]
pub(super) enum ExercisesCmd {
    /// Liste les exercices, du plus récent au plus ancien, par dossier
    List {
        /// Seulement ce dossier
        #[arg(long, value_name = "NOM")]
        dossier: Option<String>,
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
}

impl ExercisesCmd {
    pub(super) fn json(&self) -> bool {
        matches!(self, Self::List { json: true, .. })
    }
}

/// `close-year --json`: what the closing did.
#[derive(Serialize)]
struct CloseJson<'a> {
    dossier: &'a str,
    year: i32,
    payslips_moved: u64,
    declarations_moved: u64,
    totals: &'a Totals,
    elapsed_ms: u64,
    steps: Vec<StepJson>,
}

/// One step of the closing and its time.
#[derive(Serialize)]
struct StepJson {
    step: &'static str,
    elapsed_ms: u64,
}

impl<'a> From<&'a CloseReport> for CloseJson<'a> {
    fn from(r: &'a CloseReport) -> Self {
        Self {
            dossier: &r.dossier,
            year: r.year,
            payslips_moved: r.payslips_moved,
            declarations_moved: r.declarations_moved,
            totals: &r.totals,
            elapsed_ms: r.elapsed.as_millis() as u64,
            steps: ClosingStep::ALL
                .iter()
                .zip(r.step_durations)
                .map(|(step, d)| StepJson {
                    step: messages::phase_label(step.phase()),
                    elapsed_ms: d.as_millis() as u64,
                })
                .collect(),
        }
    }
}

pub(super) fn close_year(home: &Home, args: &CloseYearArgs) -> anyhow::Result<ExitCode> {
    let (dossier, year) = (args.dossier.as_str(), args.year);
    ensure_home(home)?;
    let store_path = load_config(home)?.paths.store;
    // What is asked comes first: a year already closed or without data is
    // said so, whatever the prerequisites.
    let request = {
        let store = Store::open(&store_path).map_err(explained(messages::store_error))?;
        let dossier_id = closing::dossier_named(&store, dossier)
            .map_err(explained(messages::dossier_error))?
            .id;
        let request = CloseRequest { dossier_id, year };
        closing::check_request(&store, &request).map_err(explained(messages::closing_error))?;
        request
    };
    let found = closing::prerequisites(home, &store_path, chrono::Local::now())
        .map_err(explained(messages::store_error))?;
    if !found.all_met() {
        // The scripts' names make the backup command one to copy.
        let scripts: Vec<String> = ScriptBook::load(home)
            .map(|book| book.entries.into_iter().map(|e| e.script.name).collect())
            .unwrap_or_default();
        return Err(CliError::failure(messages::closing_refused(&found, &scripts)).into());
    }
    confirm(
        args.yes,
        &Question {
            announce: format!(
                "L'exercice {year} du dossier « {dossier} » va être clôturé : ses bulletins et \
                 déclarations ne pourront plus être modifiés.\nImpact emploi ne pourra pas être \
                 utilisé pendant l'opération, qui peut être longue."
            ),
            unasked: format!(
                "La clôture de l'exercice {year} du dossier « {dossier} » fige ses bulletins \
                 et déclarations."
            ),
            action: "Clôture",
        },
    )?;
    let report = closing::close_year(
        home,
        &store_path,
        &request,
        true,
        &Bar::new(),
        &Cancel::new(),
    )
    .map_err(explained(messages::closing_error))?;
    if args.json {
        output::json(&CloseJson::from(&report))?;
    } else {
        say!("{}", messages::close_report_text(&report))?;
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn exercises(home: &Home, cmd: &ExercisesCmd) -> anyhow::Result<ExitCode> {
    let ExercisesCmd::List { dossier, json } = cmd;
    let store_path = load_config(home)?.paths.store;
    let store = Store::open(&store_path).map_err(explained(messages::store_error))?;
    let only = dossier
        .as_deref()
        .map(|name| closing::dossier_named(&store, name))
        .transpose()
        .map_err(explained(messages::dossier_error))?
        .map(|d| d.id);
    let list = closing::exercises(store.connection(), only)
        .map_err(|e| store.err(e))
        .map_err(explained(messages::store_error))?;
    if *json {
        output::json(&list)?;
        return Ok(ExitCode::SUCCESS);
    }
    if list.is_empty() {
        say!("Aucun exercice.")?;
    }
    for x in &list {
        say!("{}", messages::exercise_text(x))?;
    }
    Ok(ExitCode::SUCCESS)
}
