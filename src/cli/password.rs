//! Passwords on the command line: never as an argument, which the other users
//! of the computer could read in the list of processes. They are typed on the
//! terminal without being shown (a new one twice, the second time as
//! « Confirmer »), or read from the standard input, one line each, with
//! `--password-stdin` for scripts.

use std::io::{self, BufRead as _, IsTerminal as _};

use anyhow::Context as _;

use super::output::write_note;
use super::{CliError, plain};

/// Where a password comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum From {
    /// Typed on the terminal, not shown.
    Terminal,
    /// One line of the standard input.
    Stdin,
}

impl From {
    /// The terminal, or the standard input with `--password-stdin`.
    pub(super) fn of(stdin: bool) -> Self {
        if stdin { Self::Stdin } else { Self::Terminal }
    }
}

/// One line of the standard input, without its end of line (nothing else is
/// removed: a password is kept as typed).
fn stdin_line() -> anyhow::Result<String> {
    let mut line = String::new();
    io::stdin()
        .lock()
        .read_line(&mut line)
        .context("le mot de passe n'a pas pu être lu sur l'entrée standard")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// A password typed on the terminal after `prompt`, not shown; a bad usage
/// when there is no terminal to type on.
fn terminal_line(prompt: &str, what: &str) -> anyhow::Result<String> {
    let terminal = console::Term::stderr();
    if !io::stdin().is_terminal() || !terminal.is_term() {
        return Err(CliError::usage(plain(
            &format!("{what} nécessaire"),
            format!(
                "{what} se tape sur le terminal, sans être affiché, ou se lit sur l'entrée \
                 standard ; il n'y a pas de terminal ici."
            ),
            "Ajoutez --password-stdin et donnez le mot de passe sur l'entrée standard (une \
             ligne). Jamais en argument : les autres utilisateurs du poste le verraient.",
        ))
        .into());
    }
    write_note(format_args!("{prompt} (rien ne s'affiche) : "), false);
    terminal
        .read_secure_line()
        .context("le mot de passe n'a pas pu être lu sur le terminal")
}

/// A password that exists already (the Net-entreprises one): typed once, or one
/// line of the standard input.
pub(super) fn read(from: From, prompt: &str, what: &str) -> anyhow::Result<String> {
    match from {
        From::Stdin => stdin_line(),
        From::Terminal => terminal_line(prompt, what),
    }
}

/// A new password and its confirmation: typed twice on the terminal, or one
/// line of the standard input (then its own confirmation).
pub(super) fn read_new(from: From, prompt: &str) -> anyhow::Result<(String, String)> {
    match from {
        From::Stdin => {
            let line = stdin_line()?;
            Ok((line.clone(), line))
        }
        From::Terminal => {
            let new = terminal_line(prompt, "Le mot de passe")?;
            let again = terminal_line("Confirmer", "Le mot de passe")?;
            Ok((new, again))
        }
    }
}
