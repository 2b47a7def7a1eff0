//! Bad usage in French: clap's errors said in the program's words (exit 2),
//! and the bounds of every number the command line takes, so that a value
//! out of range is refused with the argument and its range named instead of
//! reaching the domain (`demo --payslips 18446744073709551615` used to abort
//! the process).

use std::fmt::{self, Write as _};
use std::process::ExitCode;
use std::str::FromStr;

use clap::error::{ContextKind, ErrorKind};

use super::error::{capitalized, print_json};
use super::output::note;
use crate::messages::{self, Explanation};

/// Prints clap's help and version as they are (exit 0), and its errors in
/// French (exit 2). With `--json` among the arguments the error is JSON on the
/// standard output, as every error of a `--json` command is.
pub(crate) fn report(e: &clap::Error) -> ExitCode {
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        // A closed output (`--help | head`) is no failure.
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let message = french(e);
    if std::env::args_os().any(|a| a == "--json") {
        let explanation = Explanation {
            title: "Mauvaise utilisation".to_owned(),
            what: format!("{}.", capitalized(&message)),
            todo: "Pour l'aide : iea-maintenance --help".to_owned(),
            ..Explanation::default()
        };
        print_json(&explanation);
    } else {
        note!("Erreur : {message}.\nPour l'aide : iea-maintenance --help");
    }
    ExitCode::from(2)
}

/// What was wrong, in French, without the final full stop.
fn french(e: &clap::Error) -> String {
    let value = |k| e.get(k).map(ToString::to_string).unwrap_or_default();
    match e.kind() {
        ErrorKind::InvalidSubcommand => {
            format!(
                "commande inconnue : « {} »",
                value(ContextKind::InvalidSubcommand)
            )
        }
        ErrorKind::UnknownArgument => {
            format!("option inconnue : « {} »", value(ContextKind::InvalidArg))
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            let mut message = format!(
                "valeur incorrecte « {} » pour {}",
                value(ContextKind::InvalidValue),
                value(ContextKind::InvalidArg)
            );
            // The value parsers of this module say what is expected, in French;
            // a choice among words lists them.
            if let Some(expected) = std::error::Error::source(e) {
                let _ = write!(message, " : {expected}");
            } else if let Some(valid) = e.get(ContextKind::ValidValue) {
                let _ = write!(message, " : valeurs possibles : {valid}");
            }
            message
        }
        ErrorKind::MissingRequiredArgument => {
            format!(
                "argument obligatoire manquant : {}",
                value(ContextKind::InvalidArg)
            )
        }
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "une commande est attendue".to_owned()
        }
        _ => "arguments incorrects".to_owned(),
    }
}

/// A value that is not a whole number between two bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OutOfRange {
    min: i128,
    max: i128,
}

impl fmt::Display for OutOfRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "un nombre entier de {} à {} est attendu",
            messages::integer(self.min),
            messages::integer(self.max)
        )
    }
}

impl std::error::Error for OutOfRange {}

/// The value parser of a whole number from `min` to `max`, both included:
/// `#[arg(value_parser = between(1u64, 10_000_000))]`.
pub(crate) fn between<T>(
    min: T,
    max: T,
) -> impl Fn(&str) -> Result<T, OutOfRange> + Clone + Send + Sync + 'static
where
    T: FromStr + PartialOrd + Copy + Into<i128> + Send + Sync + 'static,
{
    move |text: &str| {
        let refused = || OutOfRange {
            min: min.into(),
            max: max.into(),
        };
        let value: T = text.trim().parse().map_err(|_| refused())?;
        if value < min || value > max {
            return Err(refused());
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_outside_its_bounds_is_refused_with_the_bounds() {
        let payslips = between(1u64, 10_000_000);
        assert_eq!(payslips("20000"), Ok(20_000));
        assert_eq!(payslips("1"), Ok(1));
        assert_eq!(payslips("10000000"), Ok(10_000_000));
        for bad in [
            "0",
            "10000001",
            "18446744073709551615",
            "99999999999999999999",
            "-1",
            "dix",
        ] {
            let e = payslips(bad).expect_err(bad);
            assert_eq!(
                e.to_string(),
                "un nombre entier de 1 à 10\u{202f}000\u{202f}000 est attendu"
            );
        }
        let years = between(1900i32, 2100);
        assert_eq!(years("2025"), Ok(2025));
        assert!(years("20250").is_err());
    }
}
