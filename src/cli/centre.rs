//! `centre [--screen ÉCRAN]`: opens the maintenance centre window, or brings
//! the open one forward on the screen asked (one centre per installation).

use std::fmt;
use std::process::ExitCode;
use std::sync::mpsc;

use anyhow::Context as _;
use clap::Args;

use super::{CliError, ensure_home, plain};
use crate::home::Home;
use crate::instance::{self, Acquired};
use crate::ui::{self, ScreenId};

#[derive(Args)]
pub(super) struct CentreArgs {
    /// Écran à afficher : accueil (par défaut), comptes, licences, chemins, base, journal, a-propos
    #[arg(
        long,
        value_name = "ÉCRAN",
        default_value = "accueil",
        hide_default_value = true,
        value_parser = screen
    )]
    screen: ScreenId,
}

/// A screen name that is not one of the centre's.
#[derive(Debug)]
struct UnknownScreen;

impl fmt::Display for UnknownScreen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = ScreenId::ALL
            .iter()
            .filter(|s| s.is_built())
            .map(|s| s.slug())
            .collect();
        write!(
            f,
            "écran inconnu ; écrans disponibles : {}",
            names.join(", ")
        )
    }
}

impl std::error::Error for UnknownScreen {}

/// The value parser of `--screen`.
fn screen(slug: &str) -> Result<ScreenId, UnknownScreen> {
    ScreenId::from_slug(slug).ok_or(UnknownScreen)
}

pub(super) fn run(home: &Home, args: &CentreArgs) -> anyhow::Result<ExitCode> {
    ensure_home(home)?;
    let screen = args.screen;
    let primary = match instance::acquire(home, "centre", screen.slug())
        .context("impossible de vérifier si le centre de maintenance est déjà ouvert")?
    {
        Acquired::Forwarded => return Ok(ExitCode::SUCCESS),
        Acquired::Primary(p) => p,
    };
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("centre-requests".into())
        .spawn(move || {
            for request in primary.requests {
                let screen = ScreenId::from_slug(&request).unwrap_or(ScreenId::Accueil);
                if tx.send(screen).is_err() {
                    break;
                }
            }
        })
        .context("impossible de démarrer le centre de maintenance")?;
    ui::run_centre(ui::CentreOptions {
        home: home.clone(),
        screen,
        requests: Some(rx),
    })
    .map_err(|e| {
        let mut explanation = plain(
            "Centre de maintenance indisponible",
            "La fenêtre du centre de maintenance n'a pas pu s'ouvrir.",
            "Vérifiez que vous êtes dans une session graphique.",
        );
        explanation.details = e.to_string();
        CliError::failure(explanation)
    })?;
    Ok(ExitCode::SUCCESS)
}
