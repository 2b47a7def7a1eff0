//! The backup scripts themselves on the command line, for administrators who
//! script an installation: `backup check` (the scripts file read as the
//! service reads it), `backup postpone` and `backup resume` (the centre's
//! « Repousser » and « Annuler le report », before and after a year-end
//! closing).
//!
//! Every change goes through the domain ([`crate::backup::edit`]) under the
//! lock of the scripts file, so the service's own writes are kept.

use std::process::ExitCode;

use clap::Args;

use super::ensure_home;
use super::error::explained;
use super::output::say;
use super::usage::between;
use crate::backup::ScriptEntry;
use crate::backup::book::ScriptBook;
use crate::backup::edit::{self, Selection};
use crate::backup::schedule::{self, MAX_POSTPONE_DAYS};
use crate::home::Home;
use crate::messages;

/// The scripts a command is for: names, or `--all`.
#[derive(Args)]
pub(super) struct Which {
    /// Les noms des scripts
    #[arg(
        value_name = "NOM",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    names: Vec<String>,
    /// Tous les scripts
    #[arg(long)]
    all: bool,
}

impl Which {
    fn selection(&self) -> Selection {
        if self.all {
            Selection::All
        } else {
            Selection::Named(self.names.clone())
        }
    }
}

/// `backup postpone (NOM… | --all) --days N`.
#[derive(Args)]
pub(super) struct PostponeArgs {
    #[command(flatten)]
    which: Which,
    /// Nombre de jours sans exécution automatique (2 ou 3 avant une clôture)
    #[arg(long, value_name = "N", value_parser = between(1u32, MAX_POSTPONE_DAYS))]
    days: u32,
}

/// `backup resume (NOM… | --all)`.
#[derive(Args)]
pub(super) struct ResumeArgs {
    #[command(flatten)]
    which: Which,
}

/// `backup check`: reads the scripts file as the service and the centre read
/// it, and says it is correct or what is wrong with it, as `config check`
/// does for `config.toml`. Creates nothing.
pub(super) fn check(home: &Home) -> anyhow::Result<ExitCode> {
    let path = ScriptBook::path(home);
    let book = ScriptBook::load(home).map_err(explained(messages::book_error))?;
    if path.exists() {
        say!(
            "{} : fichier correct, {}.",
            path.display(),
            messages::script_count(book.entries.len())
        )?;
    } else {
        say!(
            "{} : le fichier n'existe pas encore. {}",
            path.display(),
            messages::NO_SCRIPT
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// "<nom> — prochaine exécution le …" for each script.
fn next_runs(entries: &[ScriptEntry]) -> anyhow::Result<()> {
    let now = chrono::Local::now();
    for e in entries {
        say!(
            "  {}",
            messages::next_run_line(
                &e.script.name,
                &schedule::next_run(&e.script, &e.state, &now)
            )
        )?;
    }
    Ok(())
}

fn names(entries: &[ScriptEntry]) -> Vec<String> {
    entries.iter().map(|e| e.script.name.clone()).collect()
}

pub(super) fn postpone(home: &Home, args: &PostponeArgs) -> anyhow::Result<ExitCode> {
    ensure_home(home)?;
    let now = chrono::Local::now();
    let done = edit::postpone(home, &args.which.selection(), args.days, &now)
        .map_err(explained(messages::book_error))?;
    if done.is_empty() {
        say!("{}", messages::NO_SCRIPT)?;
        return Ok(ExitCode::SUCCESS);
    }
    say!("{}", messages::postponed_text(&names(&done), args.days))?;
    next_runs(&done)?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn resume(home: &Home, args: &ResumeArgs) -> anyhow::Result<ExitCode> {
    ensure_home(home)?;
    let done =
        edit::resume(home, &args.which.selection()).map_err(explained(messages::book_error))?;
    if done.is_empty() {
        say!("{}", messages::NOTHING_POSTPONED)?;
        return Ok(ExitCode::SUCCESS);
    }
    say!("{}", messages::postponement_cleared_text(&names(&done)))?;
    next_runs(&done)?;
    Ok(ExitCode::SUCCESS)
}
