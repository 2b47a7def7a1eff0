//! No command: the resident service. It makes sure the installation has its
//! identity and support key, becomes the one service of the installation (a
//! second start opens the centre instead), starts the backup scheduler and
//! shows the tray icon. Where no tray host exists it says so and opens the
//! centre.

use std::process::ExitCode;

use anyhow::Context as _;

use super::error::explained;
use super::output::note;
use super::{CliError, exit_code, plain};
use crate::home::Home;
use crate::installation;
use crate::instance::{self, Acquired};
use crate::{messages, tray};

pub(super) fn run(home: &Home) -> anyhow::Result<ExitCode> {
    without_gl();
    home.ensure().map_err(explained(messages::home_error))?;
    crate::connection::install_crypto_provider();
    // The installation's identity and its support key exist from the first start
    // (PROTOCOL.md), so that support can compute unlock codes for it. The
    // commands go on without them; the service, whose identity the licence
    // server sees, does not start with a damaged one.
    installation::ensure_identity(home).map_err(explained(messages::installation_error))?;
    // A folder copied from another computer carries that computer's
    // workstation id: say so, and let the licence manager fix it with the
    // user's agreement (the authentication does not present it meanwhile).
    let copied = matches!(
        crate::licences::check_fingerprint(home),
        Ok(crate::licences::FingerprintCheck::Changed)
    );
    let primary = match instance::acquire(home, instance::SERVICE, "centre accueil")
        .context("impossible de vérifier si le gestionnaire de services est déjà lancé")?
    {
        Acquired::Forwarded => {
            note!("Le gestionnaire de services est déjà lancé : le centre de maintenance s'ouvre.");
            return Ok(ExitCode::SUCCESS);
        }
        Acquired::Primary(p) => p,
    };
    if copied {
        let x = messages::copied_installation();
        note!("{}\n{}\n{}", x.title, x.what, x.todo);
        crate::service::notify::copied_installation();
    }
    if let Err(e) = crate::service::scheduler::spawn(home.clone()) {
        tracing::error!(error = %e, "planificateur des sauvegardes non démarré");
        note!("Les sauvegardes automatiques n'ont pas pu démarrer : {e}");
    }
    if let Err(e) = crate::service::update_check::spawn(home.clone()) {
        tracing::warn!(error = %e, "vérification des mises à jour non démarrée");
    }
    let watch = crate::service::restart::ProgramWatch::start();
    let ran = tray::run(home.clone(), primary.requests);
    // The service quits (or restarts on a new program): the other
    // workstations no longer see it running until it says so again.
    if let (Ok(config), Ok(Some(identity))) = (
        crate::config::Config::load(home),
        installation::Installation::load(home),
    ) {
        let _ = crate::service::presence::withdraw(&config.paths.store, identity.workstation_id);
    }
    match ran {
        Ok(tray::TrayExit::Quit) => Ok(ExitCode::SUCCESS),
        Ok(tray::TrayExit::Restart) => {
            let Some(watch) = watch else {
                return Ok(ExitCode::SUCCESS);
            };
            // The instance lock (a close-on-exec file) goes with this image:
            // the new program takes it at its start.
            let e = crate::service::restart::restart_service(home, &watch);
            Err(e).context(
                "le gestionnaire de services n'a pas pu redémarrer sur la nouvelle version",
            )
        }
        Err(tray::TrayError::NoTrayHost) => {
            tracing::warn!("aucune zone de notification");
            // Up all the same: the centre stands in for the icon.
            if let Err(e) = crate::updates::install::Health::record_up(home) {
                tracing::warn!(error = %e, "état de santé non enregistré");
            }
            note!(
                "Aucune zone de notification n'a été trouvée sur ce bureau : l'icône du \
                 gestionnaire de services ne peut pas s'afficher.\n\
                 Le centre de maintenance s'ouvre à la place."
            );
            let exe = std::env::current_exe().context("programme introuvable")?;
            let status = std::process::Command::new(exe)
                .args(["centre", "--screen", "accueil"])
                .status()
                .context("impossible d'ouvrir le centre de maintenance")?;
            Ok(exit_code(status.success()))
        }
        Err(tray::TrayError::NoDisplay(detail)) => {
            tracing::error!(detail, "pas de session graphique");
            let mut explanation = plain(
                "Aucune session graphique",
                "Aucune session graphique n'est disponible : le gestionnaire de services a \
                 besoin d'un bureau pour afficher son icône.",
                "Les commandes « status », « doctor » et « demo » fonctionnent sans bureau.",
            );
            explanation.details = detail;
            Err(CliError::failure(explanation).into())
        }
        Err(e) => Err(e).context("l'icône du gestionnaire de services n'a pas pu être créée"),
    }
}

/// Makes sure GTK's OpenGL is off in the service (`service::GL_OFF`): when the
/// environment does not say so yet, the program replaces itself with the same
/// command and that setting, before any thread, lock or window exists. Should
/// the replacement fail, the service runs as it is, only larger.
fn without_gl() {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt as _;

        let (name, value) = crate::service::GL_OFF;
        if std::env::var_os(name).is_some_and(|v| v == value) {
            return;
        }
        let Ok(exe) = std::env::current_exe() else {
            return;
        };
        let error = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env(name, value)
            .exec();
        tracing::warn!(%error, "gestionnaire de services relancé sans OpenGL : impossible");
    }
}
