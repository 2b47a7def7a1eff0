//! The backup scripts themselves on the command line, for administrators who
//! script an installation: `backup add|modify|remove` (the centre's
//! « Nouveau », « Modifier » and « Supprimer », with the form's fields as
//! options and its validation), `backup check` (the scripts file read as the
//! service reads it), `backup postpone` and `backup resume` (« Repousser » and
//! « Annuler le report », before and after a year-end closing).
//!
//! Every change goes through the domain ([`crate::backup::edit`]) under the
//! lock of the scripts file, so the service's own writes are kept. The FTP
//! password is never an argument, which other users of the computer could
//! read in the list of processes: it is typed on the terminal without being
//! shown, or read from the standard input with `--password-stdin`.

use std::io::{self, BufRead as _, IsTerminal as _};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, ValueEnum};

use super::confirm::{Question, confirm};
use super::error::explained;
use super::output::{note, say, write_note};
use super::usage::between;
use super::{CliError, ensure_home, load_config, plain};
use crate::backup::book::{BookError, ScriptBook};
use crate::backup::destination::{VolumeSearch, removable};
use crate::backup::draft::{ScriptDraft, ScriptField};
use crate::backup::edit::{self, SaveError, Selection};
use crate::backup::schedule::{self, MAX_POSTPONE_DAYS};
use crate::backup::{
    BackupScript, Destination, DestinationKind, FrequencyUnit, FtpSecurity, ScriptEntry,
};
use crate::home::Home;
use crate::messages;
use crate::secrets::SecretKey;

/// « Tous les N … » : the unit, in the form's words.
#[derive(Clone, Copy, ValueEnum)]
enum Unit {
    Jours,
    Semaines,
    Mois,
}

impl From<Unit> for FrequencyUnit {
    fn from(u: Unit) -> Self {
        match u {
            Unit::Jours => Self::Jours,
            Unit::Semaines => Self::Semaines,
            Unit::Mois => Self::Mois,
        }
    }
}

/// A yes-or-no field of the form (« Exécution automatique », « Mode passif »).
#[derive(Clone, Copy, ValueEnum)]
enum YesNo {
    Oui,
    Non,
}

impl From<YesNo> for bool {
    fn from(v: YesNo) -> Self {
        matches!(v, YesNo::Oui)
    }
}

/// How the FTP site is reached: FTPS explicite, FTPS implicite, or plain FTP
/// (« aucune » sécurité). The variants carry no doc comment: clap would show
/// it as an English "Possible values" list.
#[derive(Clone, Copy, ValueEnum)]
enum Security {
    Explicite,
    Implicite,
    Aucune,
}

impl From<Security> for FtpSecurity {
    fn from(s: Security) -> Self {
        match s {
            Security::Explicite => Self::Explicit,
            Security::Implicite => Self::Implicit,
            Security::Aucune => Self::Plain,
        }
    }
}

/// The fields of the script form as options. One left out keeps the form's
/// value: a new script's (every day at 23:00 from today, automatic, 5 kept),
/// or, for `modify`, the script's own. Numbers, dates and names are taken as
/// typed and checked by the form's own rules, with its messages.
#[derive(Args)]
pub(super) struct FormFields {
    /// « Tous les » N jours, semaines ou mois, de 1 à 99 (1 pour un nouveau script)
    #[arg(long, value_name = "N")]
    every: Option<String>,
    /// L'unité de « Tous les » : jours, semaines ou mois (jours pour un nouveau script)
    #[arg(long, value_name = "UNITÉ", hide_possible_values = true)]
    unit: Option<Unit>,
    /// « À partir du » JJ/MM/AAAA (aujourd'hui pour un nouveau script)
    #[arg(long, value_name = "JJ/MM/AAAA")]
    from: Option<String>,
    /// L'heure, HH:MM (23:00 pour un nouveau script)
    #[arg(long, value_name = "HH:MM")]
    at: Option<String>,
    /// « Nombre de sauvegardes à conserver », de 1 à 99 (5 pour un nouveau script)
    #[arg(long, value_name = "N")]
    keep: Option<String>,
    /// « Exécution automatique » : oui ou non (oui pour un nouveau script)
    #[arg(long, value_name = "OUI|NON", hide_possible_values = true)]
    automatic: Option<YesNo>,
    /// Vers un dossier local ou réseau : son chemin complet
    #[arg(long, value_name = "DOSSIER", group = "destination")]
    folder: Option<String>,
    /// Vers un support amovible (clé USB, disque externe) branché : le chemin complet du
    /// dossier ; le support sera reconnu où qu'il soit branché
    #[arg(long, value_name = "DOSSIER", group = "destination")]
    removable: Option<String>,
    /// Vers un site distant (FTP) : le nom du serveur
    #[arg(long = "ftp", value_name = "SERVEUR", group = "destination")]
    ftp_host: Option<String>,
    /// FTP : le port (21, ou 990 en FTPS implicite)
    #[arg(long = "ftp-port", value_name = "PORT")]
    ftp_port: Option<String>,
    /// FTP : l'utilisateur
    #[arg(long = "ftp-user", value_name = "NOM")]
    ftp_user: Option<String>,
    /// FTP : le dossier distant, depuis la racine du site (/ pour un nouveau script)
    #[arg(long = "ftp-folder", value_name = "/DOSSIER")]
    ftp_folder: Option<String>,
    /// FTP : la sécurité : explicite (FTPS explicite, pour un nouveau script), implicite
    /// (FTPS implicite) ou aucune (FTP non chiffré)
    #[arg(
        long = "ftp-security",
        value_name = "SÉCURITÉ",
        hide_possible_values = true
    )]
    ftp_security: Option<Security>,
    /// FTP : le mode passif : oui ou non (oui pour un nouveau script)
    #[arg(
        long = "ftp-passive",
        value_name = "OUI|NON",
        hide_possible_values = true
    )]
    ftp_passive: Option<YesNo>,
    /// FTP : lit le mot de passe sur l'entrée standard (une ligne ; vide : sans mot de
    /// passe) au lieu de le demander sur le terminal
    #[arg(long)]
    password_stdin: bool,
}

impl FormFields {
    /// Whether an option of the FTP site was given.
    fn names_ftp_settings(&self) -> bool {
        self.ftp_port.is_some()
            || self.ftp_user.is_some()
            || self.ftp_folder.is_some()
            || self.ftp_security.is_some()
            || self.ftp_passive.is_some()
    }

    /// Puts the options given on the form, as a person would type them.
    fn fill(&self, d: &mut ScriptDraft) {
        let set = |field: &mut String, value: &Option<String>| {
            if let Some(v) = value {
                field.clone_from(v);
            }
        };
        set(&mut d.every, &self.every);
        set(&mut d.start_date, &self.from);
        set(&mut d.time, &self.at);
        set(&mut d.keep, &self.keep);
        if let Some(unit) = self.unit {
            d.unit = unit.into();
        }
        if let Some(automatic) = self.automatic {
            d.enabled = automatic.into();
        }
        if let Some(folder) = &self.folder {
            d.kind = DestinationKind::Folder;
            d.folder.clone_from(folder);
        }
        if let Some(folder) = &self.removable {
            d.kind = DestinationKind::Removable;
            d.removable_folder.clone_from(folder);
        }
        if let Some(host) = &self.ftp_host {
            d.kind = DestinationKind::Ftp;
            d.ftp_host.clone_from(host);
        }
        // Before the port: a port typed here wins over the usual one.
        if let Some(security) = self.ftp_security {
            d.set_ftp_security(security.into());
        }
        set(&mut d.ftp_port, &self.ftp_port);
        set(&mut d.ftp_user, &self.ftp_user);
        set(&mut d.ftp_folder, &self.ftp_folder);
        if let Some(passive) = self.ftp_passive {
            d.ftp_passive = passive.into();
        }
    }
}

/// Where each field of the form is typed on the command line (`name`: the
/// option or argument of the script's name).
fn option_of(field: ScriptField, name: &str) -> String {
    match field {
        ScriptField::Name => name,
        ScriptField::Every => "--every",
        ScriptField::Keep => "--keep",
        ScriptField::StartDate => "--from",
        ScriptField::Time => "--at",
        ScriptField::Folder => "--folder",
        ScriptField::RemovableFolder => "--removable",
        ScriptField::FtpHost => "--ftp",
        ScriptField::FtpPort => "--ftp-port",
        ScriptField::FtpUser => "--ftp-user",
        ScriptField::FtpFolder => "--ftp-folder",
    }
    .to_owned()
}

/// A form that was not saved: refused values are a bad usage (exit 2), as a
/// number out of bounds is; the scripts file, a failure.
fn not_saved(e: &SaveError, name: &str) -> CliError {
    let explanation = messages::save_error(e, &|field| option_of(field, name));
    match e {
        SaveError::Invalid(_) => CliError::usage(explanation),
        SaveError::Book(_) => CliError::failure(explanation),
    }
}

/// `backup add NOM (--folder DOSSIER | --removable DOSSIER | --ftp SERVEUR …)`.
#[derive(Args)]
pub(super) struct AddArgs {
    /// Le nom du script (ses sauvegardes portent ce nom)
    #[arg(value_name = "NOM")]
    name: String,
    #[command(flatten)]
    fields: FormFields,
}

/// `backup modify NOM [--name NOUVEAU_NOM] [champs…]`.
#[derive(Args)]
pub(super) struct ModifyArgs {
    /// Le script à modifier
    #[arg(value_name = "NOM")]
    name: String,
    /// Son nouveau nom
    #[arg(long = "name", value_name = "NOUVEAU_NOM")]
    new_name: Option<String>,
    #[command(flatten)]
    fields: FormFields,
    /// FTP : demande un nouveau mot de passe sur le terminal (sans lui, le mot de passe
    /// enregistré est gardé)
    #[arg(long, conflicts_with = "password_stdin")]
    password: bool,
}

/// `backup remove NOM [--yes]`.
#[derive(Args)]
pub(super) struct RemoveArgs {
    /// Le script à supprimer
    #[arg(value_name = "NOM")]
    name: String,
    /// Ne demande pas de confirmation
    #[arg(long)]
    yes: bool,
}

/// Where the FTP password comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PasswordFrom {
    /// The one stored is kept (or, for a new script, none is asked).
    Nowhere,
    /// Typed on the terminal, not shown.
    Terminal,
    /// One line of the standard input.
    Stdin,
}

/// The FTP password, from where it was asked for. Never printed.
fn read_password(from: PasswordFrom, user: &str, host: &str) -> anyhow::Result<String> {
    match from {
        PasswordFrom::Nowhere => Ok(String::new()),
        PasswordFrom::Stdin => {
            let mut line = String::new();
            io::stdin()
                .lock()
                .read_line(&mut line)
                .context("le mot de passe n'a pas pu être lu sur l'entrée standard")?;
            Ok(line.trim_end_matches(['\r', '\n']).to_owned())
        }
        PasswordFrom::Terminal => {
            let terminal = console::Term::stderr();
            if !io::stdin().is_terminal() || !terminal.is_term() {
                return Err(CliError::usage(plain(
                    "Mot de passe FTP nécessaire",
                    "Le mot de passe du site FTP se tape sur le terminal, sans être affiché, \
                     ou se lit sur l'entrée standard ; il n'y a pas de terminal ici.",
                    "Ajoutez --password-stdin et donnez le mot de passe sur l'entrée standard \
                     (une ligne vide : sans mot de passe). Jamais en argument : les autres \
                     utilisateurs du poste le verraient.",
                ))
                .into());
            }
            write_note(
                format_args!(
                    "Mot de passe FTP de « {user} » sur {host} (rien ne s'affiche ; vide : sans \
                     mot de passe) : "
                ),
                false,
            );
            terminal
                .read_secure_line()
                .context("le mot de passe n'a pas pu être lu sur le terminal")
        }
    }
}

/// What a saved script does: its next run, frequency, destination; and the
/// warning of an unencrypted FTP site.
fn describe(home: &Home, script: &BackupScript) -> anyhow::Result<()> {
    let now = chrono::Local::now();
    let state = ScriptBook::load(home)
        .ok()
        .and_then(|b| b.get(&script.name).map(|e| e.state.clone()))
        .unwrap_or_default();
    say!(
        "  {}",
        messages::next_run_line(&script.name, &schedule::next_run(script, &state, &now))
    )?;
    say!(
        "  {}, à conserver : {}, vers {}{}",
        messages::frequency_text(script.frequency),
        script.keep,
        messages::place(&script.destination.place()),
        if script.enabled {
            ""
        } else {
            " (exécution automatique désactivée)"
        }
    )?;
    if matches!(&script.destination, Destination::Ftp(f) if f.security == FtpSecurity::Plain) {
        note!("{}", messages::plain_ftp_warning());
    }
    Ok(())
}

/// The key that encrypts the FTP password, and where removable disks are
/// looked for.
fn form_tools(home: &Home) -> Result<(SecretKey, VolumeSearch), CliError> {
    let key = SecretKey::load_or_create(home).map_err(explained(messages::secret_error))?;
    Ok((key, VolumeSearch::from_env()))
}

/// Options of an FTP site given for another destination.
fn ftp_options_without_ftp() -> CliError {
    CliError::usage(plain(
        "Options FTP sans site FTP",
        "Les options --ftp-…, --password et --password-stdin ne servent qu'à un script dont \
         la destination est un site distant (FTP).",
        "Indiquez le site avec --ftp SERVEUR, ou retirez ces options.",
    ))
}

/// The script named `name`, or why there is none.
fn existing(home: &Home, name: &str) -> Result<ScriptEntry, CliError> {
    ScriptBook::load(home)
        .map_err(explained(messages::book_error))?
        .get(name)
        .cloned()
        .ok_or_else(|| {
            CliError::failure(messages::book_error(&BookError::NotFound {
                name: name.to_owned(),
            }))
        })
}

pub(super) fn add(home: &Home, args: &AddArgs) -> anyhow::Result<ExitCode> {
    ensure_home(home)?;
    let fields = &args.fields;
    if fields.ftp_host.is_none() && (fields.names_ftp_settings() || fields.password_stdin) {
        return Err(ftp_options_without_ftp().into());
    }
    if fields.folder.is_none() && fields.removable.is_none() && fields.ftp_host.is_none() {
        return Err(CliError::usage(plain(
            "Destination non indiquée",
            "Un script de sauvegarde a besoin d'une destination.",
            "Indiquez --folder DOSSIER, --removable DOSSIER ou --ftp SERVEUR.",
        ))
        .into());
    }
    let password = match &fields.ftp_host {
        Some(host) => read_password(
            if fields.password_stdin {
                PasswordFrom::Stdin
            } else {
                PasswordFrom::Terminal
            },
            fields.ftp_user.as_deref().unwrap_or_default(),
            host,
        )?,
        None => String::new(),
    };
    let (key, search) = form_tools(home)?;
    let prepare = |p: &std::path::Path| removable::mark(p, &search);
    let script = edit::add(
        home,
        chrono::Local::now().date_naive(),
        |d| {
            d.name.clone_from(&args.name);
            fields.fill(d);
            d.ftp_password = password;
        },
        &key,
        &prepare,
    )
    .map_err(|e| not_saved(&e, "NOM"))?;
    say!("{}", messages::script_saved_text(&script.name, true))?;
    describe(home, &script)?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn modify(home: &Home, args: &ModifyArgs) -> anyhow::Result<ExitCode> {
    ensure_home(home)?;
    let fields = &args.fields;
    // The destination the script will have decides whether a password is
    // asked: worked out first, so that no one types under the file's lock.
    let current = existing(home, &args.name)?.script;
    let mut planned = ScriptDraft::from_script(&current);
    fields.fill(&mut planned);
    if planned.kind != DestinationKind::Ftp
        && (fields.names_ftp_settings() || fields.password_stdin || args.password)
    {
        return Err(ftp_options_without_ftp().into());
    }
    let becomes_ftp =
        planned.kind == DestinationKind::Ftp && current.destination.kind() != DestinationKind::Ftp;
    let from = if fields.password_stdin {
        PasswordFrom::Stdin
    } else if args.password || becomes_ftp {
        PasswordFrom::Terminal
    } else {
        PasswordFrom::Nowhere
    };
    let password = read_password(from, &planned.ftp_user, &planned.ftp_host)?;
    let (key, search) = form_tools(home)?;
    let prepare = |p: &std::path::Path| removable::mark(p, &search);
    let (_, script) = edit::modify(
        home,
        &args.name,
        |d| {
            if let Some(name) = &args.new_name {
                d.name.clone_from(name);
            }
            fields.fill(d);
            d.ftp_password = password;
        },
        &key,
        &prepare,
    )
    .map_err(|e| not_saved(&e, "--name"))?;
    say!("{}", messages::script_saved_text(&script.name, false))?;
    describe(home, &script)?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn remove(home: &Home, args: &RemoveArgs) -> anyhow::Result<ExitCode> {
    ensure_home(home)?;
    let entry = existing(home, &args.name)?;
    let name = entry.script.name;
    let destination = messages::place(&entry.script.destination.place());
    confirm(
        args.yes,
        &Question {
            announce: format!(
                "Le script « {name} » va être supprimé : il ne fera plus de sauvegarde.\nLes \
                 sauvegardes qu'il a déjà faites sont conservées ({destination})."
            ),
            unasked: format!(
                "La suppression du script « {name} » arrête ses sauvegardes (celles déjà \
                 faites sont conservées)."
            ),
            action: "Suppression",
        },
    )?;
    let removed = edit::remove(home, &name).map_err(explained(messages::book_error))?;
    let staging =
        load_config(home).map_or_else(|_| home.root().join("staging"), |c| c.paths.staging);
    say!(
        "{}",
        messages::script_removed_text(
            &removed.script.name,
            &messages::place(&removed.script.destination.place()),
            &removed.state.pending,
            &staging
        )
    )?;
    Ok(ExitCode::SUCCESS)
}

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
