//! The command line of `iea-maintenance`: the clap definitions and the body of
//! each command group, one file per group, over the same domain functions as the
//! centre and the service. Without a command the program is the resident
//! service; every command is for payroll managers at a terminal and for
//! administrators' scripts alike.
//!
//! Shared by every command, one of each: the « oui » confirmation
//! (`confirm.rs`), the progress bar of a job (`progress.rs`), the output on the
//! standard output, lines and JSON, which ends quietly when the reader stops
//! early (`output.rs`), the French of a bad usage and the bounds of numbers
//! (`usage.rs`), and the error printer ([`report`], `error.rs`). A command that
//! fails returns a [`CliError`] carrying its French explanation; `main` prints
//! it once.
//!
//! A new command goes in the file of its group (or a new file beside them):
//! its clap definition next to its body, then one variant in `Cmd` and one
//! line in the dispatch of [`run`].
//!
//! Exit status: 0 success, 1 failure, 2 bad usage.

mod assistance;
mod auth;
mod autostart;
mod backup;
mod backup_scripts;
mod centre;
mod closing;
mod config;
mod confirm;
mod demo;
mod doctor;
mod error;
mod licences;
mod netentreprises;
mod output;
mod password;
mod progress;
mod queries;
mod servers;
mod service;
mod sessions;
mod status;
mod transfer;
mod update;
mod usage;
mod users;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::config::Config;
use crate::home::Home;
use crate::messages::{self, Explanation};
use crate::{installation, logging};
use tracing_appender::non_blocking::WorkerGuard;

use error::explained;
pub use error::{CliError, report};
use output::note;

const HELP_TEMPLATE: &str = "\
{before-help}{name} {version} — {about}

Utilisation : {usage}

{all-args}{after-help}";

/// Help of the sub-commands: their own sentence, no program banner.
const SUB_HELP_TEMPLATE: &str = "\
{about}

Utilisation : {usage}

{all-args}{after-help}";

/// The parsed command line.
#[derive(Parser)]
#[command(
    name = "iea-maintenance",
    version,
    about = "gestionnaire de services et centre de maintenance d'Impact emploi",
    after_help = "Sans commande : démarre le gestionnaire de services (icône dans la zone de \
                  notification). Toutes les données sont sous le dossier IEA_HOME \
                  (variable d'environnement) ou, à défaut, dans le dossier de données de \
                  l'utilisateur.\nCodes de sortie : 0 succès, 1 échec, 2 mauvaise utilisation.",
    help_template = HELP_TEMPLATE,
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    #[command(flatten)]
    common: CommonFlags,
}

#[derive(Args)]
struct CommonFlags {
    /// Affiche cette aide
    #[arg(short = 'h', long = "help", action = clap::ArgAction::Help, global = true)]
    help: Option<bool>,
    /// Affiche la version
    #[arg(short = 'V', long = "version", action = clap::ArgAction::Version)]
    version: Option<bool>,
}

// The doc comments of the variants are the French help of the commands; the
// headings and templates of every help are set once, by `french_help`.
#[derive(Subcommand)]
enum Cmd {
    /// Ouvre le centre de maintenance (ou l'amène au premier plan s'il est déjà ouvert)
    Centre(centre::CentreArgs),
    #[command(about = "Crée une base de démonstration réaliste dans IEA_HOME")]
    Demo(demo::DemoArgs),
    /// Affiche l'état de l'installation
    Status(status::StatusArgs),
    /// Diagnostique l'accès à la base de données
    Doctor(doctor::DoctorArgs),
    /// Vérifie ou réinitialise le fichier de configuration
    #[command(subcommand)]
    Config(config::ConfigCmd),
    /// Teste l'accès aux serveurs (authentification, mise à jour, Net-entreprises)
    #[command(subcommand)]
    Servers(servers::ServersCmd),
    /// Authentification auprès du serveur Impact emploi
    #[command(subcommand)]
    Auth(auth::AuthCmd),
    /// Mode assistance (avec le mot de passe du jour donné par l'assistance)
    #[command(subcommand)]
    Assistance(assistance::AssistanceCmd),
    /// Démarrage du gestionnaire de services avec la session
    #[command(subcommand)]
    Autostart(autostart::AutostartCmd),
    /// Sauvegardes et restaurations de la base
    #[command(subcommand)]
    Backup(backup::BackupCmd),
    /// Clôture un exercice : les bulletins et déclarations de l'année passent dans les exercices clôturés
    #[command(name = "close-year")]
    CloseYear(closing::CloseYearArgs),
    /// Exercices des dossiers, ouverts et clôturés, avec leurs totaux
    #[command(subcommand)]
    Exercises(closing::ExercisesCmd),
    /// Sessions d'Impact emploi ouvertes sur la base (« Déblocage accès au site »)
    #[command(subcommand)]
    Sessions(sessions::SessionsCmd),
    /// Transfert des bases de données vers Urssaf (« Reprise de données »)
    #[command(subcommand)]
    Transfer(transfer::TransferCmd),
    /// Comptes utilisateurs et droits d'accès (« Comptes utilisateurs / Droits d'accès »)
    #[command(subcommand)]
    Users(users::UsersCmd),
    /// Identifiants Net-entreprises des comptes : enregistrement et test
    #[command(subcommand, name = "netentreprises")]
    NetEntreprises(netentreprises::NetEntreprisesCmd),
    /// Licences par poste (« Gestion des licences par poste ») : liste, réinitialisation
    #[command(subcommand)]
    Licences(licences::LicencesCmd),
    /// Extractions de données : requêtes prédéfinies et export de leur résultat (XLSX, XML, TXT, JSON)
    #[command(subcommand)]
    Queries(queries::QueriesCmd),
    /// Mises à jour du programme et de la base de données (« Gérer les mises à jour »)
    #[command(subcommand)]
    Update(update::UpdateCmd),
}

/// Parses the arguments of the process. Help and version are printed as clap
/// writes them (exit 0); a bad usage is said in French (exit 2): the `Err` is
/// the exit code, the message already printed.
pub fn parse() -> Result<Cli, ExitCode> {
    french_help(
        Cli::command().version(crate::updates::program_version()),
        HELP_TEMPLATE,
    )
    .try_get_matches()
    .and_then(|matches| Cli::from_arg_matches(&matches))
    .map_err(|e| usage::report(&e))
}

/// The headings of a help, as French typography writes them: a space before
/// the colon that clap adds (« Commandes : », « Arguments : », « Options : »),
/// plain like every other colon the program prints.
const COMMANDS_HEADING: &str = "Commandes ";
const ARGUMENTS_HEADING: &str = "Arguments ";
const OPTIONS_HEADING: &str = "Options ";

/// Gives `cmd` and every command under it, however deep, the program's help:
/// its template (« Utilisation : » rather than clap's "Usage:") and its
/// headings. clap writes "Commands:", "Arguments:" and "Options:" itself unless
/// each argument names its heading, and a nested command (`backup verify`)
/// does not inherit its parent's template: both are set here, once, rather
/// than on each definition, where one forgotten attribute showed English.
fn french_help(cmd: clap::Command, template: &'static str) -> clap::Command {
    cmd.help_template(template)
        .subcommand_help_heading(COMMANDS_HEADING)
        .subcommand_value_name("COMMANDE")
        .mut_args(|arg| {
            let heading = if arg.is_positional() {
                ARGUMENTS_HEADING
            } else {
                OPTIONS_HEADING
            };
            arg.help_heading(heading)
        })
        .mut_subcommands(|sub| french_help(sub, SUB_HELP_TEMPLATE))
}

impl Cli {
    /// Whether the command was asked for JSON: its errors are JSON too.
    pub fn json(&self) -> bool {
        match &self.command {
            Some(Cmd::Status(args)) => args.json,
            Some(Cmd::Doctor(args)) => args.json,
            Some(Cmd::Servers(cmd)) => cmd.json(),
            Some(Cmd::Backup(cmd)) => cmd.json(),
            Some(Cmd::CloseYear(args)) => args.json,
            Some(Cmd::Exercises(cmd)) => cmd.json(),
            Some(Cmd::Sessions(cmd)) => cmd.json(),
            Some(Cmd::Transfer(cmd)) => cmd.json(),
            Some(Cmd::Users(cmd)) => cmd.json(),
            Some(Cmd::NetEntreprises(cmd)) => cmd.json(),
            Some(Cmd::Licences(cmd)) => cmd.json(),
            Some(Cmd::Queries(cmd)) => cmd.json(),
            Some(Cmd::Update(cmd)) => cmd.json(),
            _ => false,
        }
    }

    /// The name that tags the log lines of this command, for the commands
    /// that log; the read-only commands (`status`, `doctor`…) write nothing
    /// under `IEA_HOME`, not even a log.
    fn log_process(&self) -> Option<&'static str> {
        match &self.command {
            None => Some("service"),
            Some(Cmd::Centre(_)) => Some("centre"),
            Some(Cmd::CloseYear(_)) => Some("cloture"),
            Some(Cmd::Backup(cmd)) if cmd.writes() => Some("sauvegarde"),
            Some(Cmd::Auth(_) | Cmd::Assistance(_) | Cmd::NetEntreprises(_)) => Some("cli"),
            Some(Cmd::Sessions(cmd)) if cmd.changes_the_store() => Some("cli"),
            Some(Cmd::Transfer(cmd)) if cmd.writes() => Some("transfert"),
            Some(Cmd::Users(cmd)) if cmd.changes_the_store() => Some("cli"),
            Some(Cmd::Licences(cmd)) if cmd.writes() => Some("cli"),
            Some(Cmd::Update(cmd)) if cmd.writes() => Some("mise-a-jour"),
            _ => None,
        }
    }
}

/// Starts the daily log files for the commands that log (the service, the
/// centre, backups, the closing, the connection commands); the read-only
/// commands write nothing under `IEA_HOME`. Keep the guard until the end of
/// `main`: it writes the last lines. `None` when nothing is logged.
pub fn start_logging(cli: &Cli) -> Option<WorkerGuard> {
    let process = cli.log_process()?;
    let home = Home::from_env().ok()?;
    logging::init(&logs_dir(&home), process)
}

/// Runs the command: the resident service without one. Before any command, a
/// restore or a closing cut short by a crash is settled and the user told
/// which way it went.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // Remembered before anything could replace the program's file.
    let _ = crate::updates::install::program_path();
    let home = Home::from_env().map_err(explained(messages::home_error))?;
    // A new binary's self-check changes nothing and settles nothing.
    if let Some(Cmd::Update(cmd)) = &cli.command
        && !cmd.writes()
    {
        return update::run(&home, cmd);
    }
    settle_interrupted_restore(&home);
    settle_interrupted_closing(&home);
    if matches!(cli.command, None | Some(Cmd::Centre(_) | Cmd::Update(_))) {
        update::settle_pending_install(&home);
    }
    match cli.command {
        None => service::run(&home),
        Some(Cmd::Centre(args)) => centre::run(&home, &args),
        Some(Cmd::Demo(args)) => demo::run(&home, &args),
        Some(Cmd::Status(args)) => status::run(&home, &args),
        Some(Cmd::Doctor(args)) => doctor::run(&home, &args),
        Some(Cmd::Config(cmd)) => config::run(&home, &cmd),
        Some(Cmd::Servers(cmd)) => servers::run(&home, &cmd),
        Some(Cmd::Auth(cmd)) => auth::run(&home, &cmd),
        Some(Cmd::Assistance(cmd)) => assistance::run(&home, &cmd),
        Some(Cmd::Autostart(cmd)) => autostart::run(&cmd),
        Some(Cmd::Backup(cmd)) => backup::run(&home, cmd),
        Some(Cmd::CloseYear(args)) => closing::close_year(&home, &args),
        Some(Cmd::Exercises(cmd)) => closing::exercises(&home, &cmd),
        Some(Cmd::Sessions(cmd)) => sessions::run(&home, &cmd),
        Some(Cmd::Transfer(cmd)) => transfer::run(&home, cmd),
        Some(Cmd::Users(cmd)) => users::run(&home, &cmd),
        Some(Cmd::NetEntreprises(cmd)) => netentreprises::run(&home, &cmd),
        Some(Cmd::Licences(cmd)) => licences::run(&home, &cmd),
        Some(Cmd::Queries(cmd)) => queries::run(&home, &cmd),
        Some(Cmd::Update(cmd)) => update::run(&home, &cmd),
    }
}

/// The whole program: the arguments parsed, the log started, the command
/// run, its error printed once. `main` is this, and so are the builds of the
/// program that tests package as another version.
pub fn entry() -> ExitCode {
    let cli = match parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    // Held until the end: it writes the last log lines.
    let _log = start_logging(&cli);
    let json = cli.json();
    match run(cli) {
        Ok(code) => code,
        Err(err) => report(&err, json),
    }
}

/// The configuration, or why it cannot be used and how to start again from
/// the default values.
fn load_config(home: &Home) -> Result<Config, CliError> {
    Config::load(home).map_err(|e| {
        let mut explanation = messages::config_error(&e);
        let reset = "Pour repartir des valeurs par défaut en gardant une copie : \
                     iea-maintenance config reset";
        explanation.todo = if explanation.todo.is_empty() {
            reset.to_owned()
        } else {
            format!("{}\n{reset}", explanation.todo)
        };
        CliError::failure(explanation)
    })
}

/// Creates `IEA_HOME` and its folders, for the commands that write there, and
/// what a first start creates: the installation's identity and support key
/// ([`installation::ensure_identity`]), so that support can compute the
/// assistance codes of an installation used only from the command line.
///
/// The commands that only look (`status`, `doctor`, `config check`, `backup
/// list|check`, `exercises list`, `sessions list`) do not call it and create
/// nothing at all: they are what one runs on a folder to find out what it is
/// (a mistyped `IEA_HOME`, a copy, a read-only share), where a new identity
/// would be a new workstation for the licence server.
fn ensure_home(home: &Home) -> Result<(), CliError> {
    home.ensure().map_err(explained(messages::home_error))?;
    if let Err(e) = installation::ensure_identity(home) {
        // A damaged identity file must not stop a backup or a closing: it is
        // said, and the command goes on. Only the service refuses to start.
        tracing::warn!(error = %e, "identité de l'installation inutilisable");
        error::note_explanation(&messages::installation_error(&e));
        return Ok(());
    }
    // The computer's fingerprint beside the workstation id: recorded the first
    // time, and a copy from another computer said (PROTOCOL.md).
    match crate::licences::check_fingerprint(home) {
        Ok(crate::licences::FingerprintCheck::Changed) => {
            error::note_explanation(&messages::copied_installation());
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "empreinte de l'ordinateur non vérifiée"),
    }
    Ok(())
}

/// The logs folder of the configuration, or the default one when the
/// configuration cannot be read (the log then says why the command failed).
fn logs_dir(home: &Home) -> PathBuf {
    Config::load(home).map_or_else(|_| home.logs_dir(), |c| c.paths.logs)
}

/// A restore cut short by a crash is settled before anything else opens the
/// store, and the user is told which way it went.
fn settle_interrupted_restore(home: &Home) {
    match crate::backup::restore::recover_interrupted(home) {
        Ok(Some(recovery)) => note!("{}", messages::recovery_note(&recovery)),
        Ok(None) => {}
        Err(e) => error::note_explanation(&messages::restore_error(&e)),
    }
}

/// A closing cut short by a crash (its marker left beside the configured store)
/// is settled at every start, and the user is told whether the year was closed.
fn settle_interrupted_closing(home: &Home) {
    let Ok(config) = Config::load(home) else {
        return;
    };
    match crate::closing::recover_interrupted(&config.paths.store) {
        Ok(Some(recovery)) => note!("{}", messages::closing_recovery_note(&recovery)),
        Ok(None) => {}
        Err(e) => error::note_explanation(&messages::closing_error(&e)),
    }
}

/// Exit code 0 when `ok`, else 1: for commands whose report says what failed.
fn exit_code(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// An explanation with only a title, what happened and what to do.
fn plain(title: &str, what: impl Into<String>, todo: impl Into<String>) -> Explanation {
    Explanation {
        title: title.to_owned(),
        what: what.into(),
        todo: todo.into(),
        ..Explanation::default()
    }
}
