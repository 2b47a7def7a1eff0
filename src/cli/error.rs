//! A command's failure and the one place that prints it.
//!
//! A command that fails returns a [`CliError`]: the French explanation made by
//! `messages` from the domain's typed error, and the exit code (1 failure, 2
//! bad usage). `main` hands it to [`report`], which prints it once: on the
//! standard error as text, with its technical details; with `--json`, as one
//! JSON object on the standard output, `{"error":{"title","what","why","todo",
//! "details"}}`, so that a script reading the output of `--json` always reads
//! JSON. Any other error (a system call that failed with no explanation of its
//! own) is printed the same way, its causes as details.

use std::fmt;
use std::io::{self, Write as _};
use std::process::ExitCode;

use serde::Serialize;

use crate::messages::Explanation;

/// A failure of a command, explained in French, with its exit code.
#[derive(Debug)]
pub struct CliError {
    // Boxed: an explanation is five strings, and a `Result` carries its error
    // by value at every `?` of a command.
    explanation: Box<Explanation>,
    usage: bool,
}

impl CliError {
    /// The command failed (exit code 1).
    pub fn failure(explanation: Explanation) -> Self {
        Self {
            explanation: Box::new(explanation),
            usage: false,
        }
    }

    /// The command was badly used, for example a confirmation that could not
    /// be asked (exit code 2).
    pub fn usage(explanation: Explanation) -> Self {
        Self {
            explanation: Box::new(explanation),
            usage: true,
        }
    }

    /// What the user reads.
    pub fn explanation(&self) -> &Explanation {
        &self.explanation
    }

    /// 1, or 2 for a bad usage.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(if self.usage { 2 } else { 1 })
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.explanation.one_line())
    }
}

impl std::error::Error for CliError {}

/// `map_err(explained(messages::store_error))`: a domain error becomes a
/// failure with its French explanation.
pub(crate) fn explained<E>(say: impl FnOnce(&E) -> Explanation) -> impl FnOnce(E) -> CliError {
    move |e| CliError::failure(say(&e))
}

/// Prints `err` once, as JSON on the standard output when `json`, else as
/// text on the standard error, and gives the exit code. A reader that closed
/// the standard output early (`| head`) is no failure: nothing is printed and
/// the exit code is 0, as ripgrep does.
pub fn report(err: &anyhow::Error, json: bool) -> ExitCode {
    if is_broken_pipe(err) {
        return ExitCode::SUCCESS;
    }
    let (explanation, code) = match err.downcast_ref::<CliError>() {
        Some(e) => ((*e.explanation).clone(), e.exit_code()),
        None => (unexplained(err), ExitCode::from(1)),
    };
    if json {
        print_json(&explanation);
    } else {
        note_explanation(&explanation);
    }
    code
}

/// Whether a write failed because the reader of the standard output went
/// away.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// An error that carries no explanation: its message, its causes as details.
fn unexplained(err: &anyhow::Error) -> Explanation {
    Explanation {
        title: "Erreur".to_owned(),
        what: capitalized(&err.to_string()),
        details: err
            .chain()
            .skip(1)
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
        ..Explanation::default()
    }
}

/// `text` with its first letter as a capital: clap's and `anyhow`'s messages
/// start in lower case, to follow "Erreur : ".
pub(crate) fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// `{"error":{…}}` on the standard output. Nothing more can be done when it
/// cannot be written, so a failed write is ignored.
pub(crate) fn print_json(explanation: &Explanation) {
    #[derive(Serialize)]
    struct ErrorJson<'a> {
        error: &'a Explanation,
    }
    if let Ok(text) = serde_json::to_string(&ErrorJson { error: explanation }) {
        let _ = writeln!(io::stdout().lock(), "{text}");
    }
}

/// The explanation as text on the standard error: its title and paragraphs,
/// then its technical details for the IT contact or support. Used for errors
/// and for the notes a command goes on after.
pub(crate) fn note_explanation(explanation: &Explanation) {
    let _ = writeln!(io::stderr().lock(), "{explanation}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_pipe_is_found_among_the_causes() {
        let pipe = anyhow::Error::from(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(is_broken_pipe(&pipe));
        assert!(is_broken_pipe(&pipe.context("écriture de la liste")));
        let other = anyhow::Error::from(io::Error::from(io::ErrorKind::PermissionDenied));
        assert!(!is_broken_pipe(&other));
    }

    #[test]
    fn an_error_without_explanation_keeps_its_causes_as_details() {
        let err = anyhow::Error::from(io::Error::from(io::ErrorKind::PermissionDenied))
            .context("le démarrage avec la session n'a pas pu être activé");
        let x = unexplained(&err);
        assert_eq!(x.title, "Erreur");
        assert_eq!(
            x.what,
            "Le démarrage avec la session n'a pas pu être activé"
        );
        assert!(x.details.contains("permission denied"), "{x:?}");
    }

    #[test]
    fn messages_start_with_a_capital() {
        assert_eq!(capitalized("écran inconnu"), "Écran inconnu");
        assert_eq!(capitalized(""), "");
    }

    #[test]
    fn an_explained_error_keeps_its_exit_code() {
        let x = Explanation {
            title: "Titre".to_owned(),
            ..Explanation::default()
        };
        let usage = anyhow::Error::from(CliError::usage(x.clone()));
        let failure = anyhow::Error::from(CliError::failure(x));
        assert_eq!(
            usage.downcast_ref::<CliError>().map(CliError::exit_code),
            Some(ExitCode::from(2))
        );
        assert_eq!(
            failure.downcast_ref::<CliError>().map(CliError::exit_code),
            Some(ExitCode::from(1))
        );
    }
}
