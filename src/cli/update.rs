//! `update check|download|install|rollback|database`: "Gérer les mises à jour"
//! at a terminal and in administrators' scripts, with the screen's rules and
//! messages.
//!
//! - `check` is « Actualiser »: the manifest fetched and verified (refused
//!   before any use otherwise), the releases listed.
//! - `download [VERSION]` is « Télécharger » (the newest by default), resumed
//!   after a cut, checked for size and SHA-256.
//! - `install [VERSION]` downloads when needed, waits until nobody is connected
//!   to the store (the names are said), asks « oui », then installs: self-check,
//!   atomic replacement, the resident service back on the new version or the
//!   previous binary put back.
//! - `rollback` puts the kept previous binary back.
//! - `database` is « Mise à jour de la base de données »: a verified backup,
//!   then the migrations, then the OPCO report.
//! - `self-check` (hidden) is what an installer asks a new binary.

use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;
use serde::Serialize;

use super::confirm::{Question, confirm};
use super::error::explained;
use super::output::{self, note, say};
use super::progress::Bar;
use super::{CliError, plain};
use crate::home::Home;
use crate::jobs::Cancel;
use crate::messages;
use crate::updates::database::{self, DatabaseUpdateError};
use crate::updates::download::{self, DownloadError};
use crate::updates::install::{self, InstallError, InstallOptions};
use crate::updates::manifest::{self, Accepted, UpdateClient};
use crate::updates::{self, program_version};

/// How often the sessions are looked at again while waiting for them to end.
const SESSIONS_POLL: Duration = Duration::from_secs(5);

#[derive(Subcommand)]
pub(super) enum UpdateCmd {
    /// « Actualiser » : lit la liste signée des mises à jour et affiche les versions
    Check {
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// « Télécharger » : télécharge une mise à jour (la plus récente par défaut), avec reprise
    Download {
        /// La version à télécharger
        #[arg(value_name = "VERSION")]
        version: Option<String>,
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// « Installer » : installe une mise à jour (la plus récente par défaut), téléchargée au besoin
    Install {
        /// La version à installer
        #[arg(value_name = "VERSION")]
        version: Option<String>,
        /// Installe sans demander de confirmation
        #[arg(long)]
        yes: bool,
    },
    /// Remet en place la version précédente du programme
    Rollback {
        /// Sans demander de confirmation
        #[arg(long)]
        yes: bool,
    },
    /// « Mise à jour de la base de données » : sauvegarde vérifiée, puis mise à jour
    Database {
        /// Sans demander de confirmation
        #[arg(long)]
        yes: bool,
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Vérification d'un nouveau programme par celui qui l'installe
    #[command(name = "self-check", hide = true)]
    SelfCheck,
}

impl UpdateCmd {
    /// Whether the command was asked for JSON.
    pub(super) fn json(&self) -> bool {
        matches!(
            self,
            Self::Check { json: true }
                | Self::Download { json: true, .. }
                | Self::Database { json: true, .. }
                | Self::SelfCheck
        )
    }

    /// Whether the command writes (and so logs and settles an installation).
    pub(super) fn writes(&self) -> bool {
        !matches!(self, Self::SelfCheck)
    }
}

/// One release in `update check --json`.
#[derive(Serialize)]
struct ReleaseJson<'a> {
    version: &'a str,
    date: &'a str,
    title: &'a str,
    schema_version: u32,
    installed: bool,
    newer: bool,
    downloaded: bool,
    size: Option<u64>,
}

/// `update check --json`.
#[derive(Serialize)]
struct CheckJson<'a> {
    installed: &'a str,
    sequence: u64,
    expires: String,
    newest: Option<&'a str>,
    releases: Vec<ReleaseJson<'a>>,
}

pub(super) fn run(home: &Home, cmd: &UpdateCmd) -> anyhow::Result<ExitCode> {
    if let UpdateCmd::SelfCheck = cmd {
        return self_check();
    }
    super::ensure_home(home)?;
    match cmd {
        UpdateCmd::Check { json } => check(home, *json),
        UpdateCmd::Download { version, json } => {
            let (accepted, client) = refreshed(home)?;
            let done = fetch(home, &accepted, &client, version.as_deref())?;
            if *json {
                output::json(&done)?;
            } else if done.already_there {
                say!(
                    "La mise à jour {} est déjà téléchargée et vérifiée : {}",
                    done.version,
                    done.path.display()
                )?;
            } else {
                say!(
                    "La mise à jour {} a été téléchargée et vérifiée (taille et SHA-256) : {}",
                    done.version,
                    done.path.display()
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        UpdateCmd::Install { version, yes } => install_version(home, version.as_deref(), *yes),
        UpdateCmd::Rollback { yes } => rollback(home, *yes),
        UpdateCmd::Database { yes, json } => update_database(home, *yes, *json),
        UpdateCmd::SelfCheck => self_check(),
    }
}

/// `update self-check`: the answer a new binary gives its installer.
fn self_check() -> anyhow::Result<ExitCode> {
    match updates::self_check() {
        Ok(answer) => {
            output::json(&answer)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(problem) => Err(CliError::failure(plain(
            "Vérification du programme",
            format!("Le programme ne passe pas sa propre vérification : {problem}"),
            "",
        ))
        .into()),
    }
}

/// « Actualiser », and the client used for it (for a download that follows).
fn refreshed(home: &Home) -> anyhow::Result<(Accepted, UpdateClient)> {
    let client = UpdateClient::of_home(home).map_err(explained(messages::manifest_error))?;
    let accepted = manifest::refresh_with(home, &client, chrono::Utc::now())
        .map_err(explained(messages::manifest_error))?;
    Ok((accepted, client))
}

fn check(home: &Home, json: bool) -> anyhow::Result<ExitCode> {
    let (accepted, _) = refreshed(home)?;
    let m = &accepted.manifest;
    let releases = m.releases_newest_first();
    let newest = m.newest().map(|r| r.version.as_str());
    if json {
        output::json(&CheckJson {
            installed: program_version(),
            sequence: m.sequence,
            expires: m.expires.to_rfc3339(),
            newest,
            releases: releases
                .iter()
                .map(|r| ReleaseJson {
                    version: &r.version,
                    date: &r.date,
                    title: &r.title,
                    schema_version: r.schema_version,
                    installed: r.is_installed(),
                    newer: r.is_newer(),
                    downloaded: download::verified_package(home, r).is_some(),
                    size: r.package().map(|p| p.size),
                })
                .collect(),
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    say!("Version installée : {}", program_version())?;
    if releases.is_empty() {
        say!("Aucune mise à jour n'est proposée.")?;
    }
    for r in &releases {
        let state = if r.is_installed() {
            "installée"
        } else if r.is_newer() {
            "disponible"
        } else {
            "plus ancienne"
        };
        say!("{} ({state})", messages::release_line(r))?;
    }
    match newest {
        Some(v) => say!("Pour l'installer : iea-maintenance update install {v}")?,
        None => say!("Impact emploi est à jour.")?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Downloads `version` (the newest by default) with a progress bar.
fn fetch(
    home: &Home,
    accepted: &Accepted,
    client: &UpdateClient,
    version: Option<&str>,
) -> anyhow::Result<download::Downloaded> {
    let release =
        download::choose(accepted, version).map_err(explained(messages::download_error))?;
    let bar = Bar::new();
    let done = download::download(home, accepted, release, client, &bar, &Cancel::new());
    drop(bar);
    Ok(done.map_err(explained(|e: &DownloadError| messages::download_error(e)))?)
}

/// Waits until nobody is connected to the store, saying who is, and again
/// when it changes.
fn wait_for_sessions(home: &Home) {
    let mut said: Option<Vec<i64>> = None;
    loop {
        let live = install::live_sessions(home);
        if live.is_empty() {
            if said.is_some() {
                note!("Plus personne n'est connecté à la base de données.");
            }
            return;
        }
        let ids: Vec<i64> = live.iter().map(|s| s.id).collect();
        if said.as_ref() != Some(&ids) {
            note!(
                "{}\nEn attente de la fermeture d'Impact emploi sur ces postes :\n{}\n\
                 (Ctrl+C pour abandonner ; rien n'a été modifié.)",
                messages::CLOSE_EVERY_WORKSTATION,
                messages::sessions_list(&live)
            );
            said = Some(ids);
        }
        std::thread::sleep(SESSIONS_POLL);
    }
}

fn install_version(home: &Home, version: Option<&str>, yes: bool) -> anyhow::Result<ExitCode> {
    let (accepted, client) = refreshed(home)?;
    let release = download::choose(&accepted, version)
        .map_err(explained(messages::download_error))?
        .clone();
    install::check_release(&release).map_err(explained(messages::install_error))?;
    let package = match download::verified_package(home, &release) {
        Some(path) => path,
        None => fetch(home, &accepted, &client, Some(&release.version))?.path,
    };
    wait_for_sessions(home);
    confirm(
        yes,
        &Question {
            announce: format!(
                "La version {} d'Impact emploi va remplacer la version {}. La version actuelle \
                 est conservée et reviendra d'elle-même si la nouvelle ne démarre pas.",
                release.version,
                program_version()
            ),
            unasked: format!(
                "L'installation de la version {} remplace le programme.",
                release.version
            ),
            action: "Installation",
        },
    )?;
    let opts = InstallOptions::current().map_err(explained(messages::install_error))?;
    let bar = Bar::new();
    let result = install::install(home, &release, &package, &opts, &bar, &Cancel::new());
    drop(bar);
    let installed = result.map_err(explained(|e: &InstallError| messages::install_error(e)))?;
    say!("{}", messages::installed_text(&installed))?;
    if release.schema_version > crate::store::SCHEMA_VERSION
        || database::status(home).is_ok_and(|s| s.found < release.schema_version)
    {
        say!(
            "Étape suivante, « Mise à jour de la base de données » : iea-maintenance update database"
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn rollback(home: &Home, yes: bool) -> anyhow::Result<ExitCode> {
    let record = install::InstallRecord::load(home).ok_or_else(|| {
        CliError::failure(messages::install_error(&InstallError::NothingToRollBack))
    })?;
    confirm(
        yes,
        &Question {
            announce: format!(
                "La version {} va remettre en place la version {}.",
                record.to_version, record.from_version
            ),
            unasked: format!(
                "Le retour à la version {} remplace le programme.",
                record.from_version
            ),
            action: "Retour à la version précédente",
        },
    )?;
    let bar = Bar::new();
    let result = install::rollback(home, &bar);
    drop(bar);
    let back = result.map_err(explained(|e: &InstallError| messages::install_error(e)))?;
    say!("{}", messages::rolled_back_text(&back))?;
    Ok(ExitCode::SUCCESS)
}

fn update_database(home: &Home, yes: bool, json: bool) -> anyhow::Result<ExitCode> {
    let status = database::status(home).map_err(explained(messages::database_update_error))?;
    if status.found > status.supported {
        return Err(
            CliError::failure(messages::store_error(&crate::store::StoreError::TooNew {
                path: status.path,
                found: status.found,
                supported: status.supported,
            }))
            .into(),
        );
    }
    if status.needs_update() {
        wait_for_sessions(home);
        confirm(
            yes,
            &Question {
                announce: format!(
                    "La base de données « {} » va être mise à jour (de la version de base {} à la version {}). \
                     Une sauvegarde vérifiée en est faite avant.",
                    status.path.display(),
                    status.found,
                    status.supported
                ),
                unasked: "La mise à jour de la base de données la modifie.".to_owned(),
                action: "Mise à jour de la base de données",
            },
        )?;
    }
    let bar = Bar::new();
    let result = database::update_database(home, None, &bar, &Cancel::new());
    drop(bar);
    let done = result.map_err(explained(|e: &DatabaseUpdateError| {
        messages::database_update_error(e)
    }))?;
    if json {
        output::json(&done)?;
    } else {
        say!("{}", messages::database_updated_text(&done))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Tells how a pending installation left by a stopped installer was settled.
pub(super) fn settle_pending_install(home: &Home) {
    match install::settle_pending(home) {
        None => {}
        Some(Ok(back)) => note!(
            "La dernière installation ne s'est pas terminée : {}",
            messages::rolled_back_text(&back)
        ),
        Some(Err(e)) => super::error::note_explanation(&messages::install_error(&e)),
    }
}
