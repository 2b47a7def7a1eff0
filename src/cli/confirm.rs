//! The « oui » confirmation before an action that cannot be taken back (a
//! closing, a restore). `--yes` confirms without a question; without a
//! terminal to ask on, the command refuses as a bad usage (exit 2) rather than
//! wait for an answer no one will type; any answer but « oui » abandons with
//! nothing changed (exit 1).

use std::io::{self, BufRead as _, IsTerminal as _};

use anyhow::Context as _;

use super::CliError;
use super::output::write_note;
use crate::messages::Explanation;

/// What to ask.
pub(crate) struct Question<'a> {
    /// Said on the terminal before « Tapez « oui » pour continuer ».
    pub(crate) announce: String,
    /// What the action does, said when there is no terminal to ask on.
    pub(crate) unasked: String,
    /// The action, feminine: « Clôture », « Restauration » (« … abandonnée »).
    pub(crate) action: &'a str,
}

/// Asks `question` unless `yes`; `Ok` when the action may go on.
pub(crate) fn confirm(yes: bool, question: &Question<'_>) -> anyhow::Result<()> {
    if yes {
        return Ok(());
    }
    if !io::stdin().is_terminal() {
        return Err(CliError::usage(Explanation {
            title: "Confirmation nécessaire".to_owned(),
            what: question.unasked.clone(),
            todo: "Ajoutez --yes pour confirmer sans question.".to_owned(),
            ..Explanation::default()
        })
        .into());
    }
    write_note(
        format_args!("{}\nTapez « oui » pour continuer : ", question.announce),
        false,
    );
    let mut answer = String::new();
    io::stdin()
        .lock()
        .read_line(&mut answer)
        .context("la réponse n'a pas pu être lue")?;
    if answer.trim().eq_ignore_ascii_case("oui") {
        Ok(())
    } else {
        Err(CliError::failure(Explanation {
            title: format!("{} abandonnée", question.action),
            what: "Rien n'a été modifié.".to_owned(),
            ..Explanation::default()
        })
        .into())
    }
}
