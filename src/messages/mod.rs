//! The one place where errors, diagnoses and the domain's facts become French
//! sentences for payroll managers: what happened, why it matters, what to do, and
//! the technical details kept for "Plus de détails" and the IT contact.
//!
//! The domain returns typed facts (a backup run's reason, a prerequisite's detail,
//! the tray's state, the support report's facts) and errors; each is said here,
//! once. Facts that are stored (a run's reason, where a backup went) are said when
//! shown, so a stored fact reads in the words of the program that shows it;
//! [`Worded`] gives the `--json` outputs the code, the parameters and the sentence.
//!
//! Plain text only (no egui here): the windows, the command line, the tray, the
//! notifications, the logs and the support report all show the same words. The wording follows the practical guides
//! users already know ("Base de données inaccessible", "le chemin réseau n'a pas été
//! trouvé", "Plus de détails", "Diagnostiquer", "contactez votre informaticien").
//! Nothing here ever prints a password, token or key: the errors carry none.

mod accounts;
mod assistance;
mod backup_archive;
mod backup_destination;
mod backup_run;
mod backup_script;
mod closing;
mod connection;
mod licences;
mod paths;
mod queries;
mod sessions;
mod support;
mod transfer;
mod tray;
mod updates;

pub use accounts::*;
pub use assistance::*;
pub use backup_archive::*;
pub use backup_destination::*;
pub use backup_run::*;
pub use backup_script::*;
pub use closing::*;
pub use connection::*;
pub use licences::*;
pub use paths::*;
pub use queries::*;
pub use sessions::*;
pub use support::*;
pub use transfer::*;
pub use tray::*;
pub use updates::*;

use std::fmt;
use std::io;
use std::path::Path;

use serde::Serialize;

use crate::config::{ConfigError, ValueProblem};
use crate::demo::DemoError;
use crate::diagnostics::{
    Check, CheckKind, Conclusion, Diagnosis, Finding, FolderProblem, Item, LockHolder, OtherCause,
    Outcome, StoreProblem, SystemError,
};
use crate::fsutil::human_size;
use crate::home::HomeError;
use crate::jobs::{JobError, JobKind, Phase};
use crate::store::{StoreError, StoreFault, StoreFaultKind};

/// An error or a diagnosis in plain French. It serialises as its five fields,
/// for the command line's JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Explanation {
    /// A short title ("Base de données inaccessible").
    pub title: String,
    /// What happened.
    pub what: String,
    /// Why it matters (and what was not lost).
    pub why: String,
    /// What to do now.
    pub todo: String,
    /// Technical details for "Plus de détails" and for the IT contact.
    pub details: String,
}

impl fmt::Display for Explanation {
    /// The whole explanation as text: the title, the what / why / what-to-do
    /// paragraphs, then the technical details under « Détails techniques : »
    /// (for the IT contact or support), so that wherever it is written — the
    /// command line, a log, a saved report — nothing of it is lost. The centre
    /// shows the details apart, behind « Plus de détails ».
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.title)?;
        for paragraph in [&self.what, &self.why, &self.todo] {
            if !paragraph.is_empty() {
                write!(f, "\n\n{paragraph}")?;
            }
        }
        let details = self.details.trim();
        if !details.is_empty() {
            write!(f, "\n\nDétails techniques :\n{details}")?;
        }
        Ok(())
    }
}

impl Explanation {
    /// The title, what happened and what to do, on one line: for journals, lists
    /// and the command line, where there is no room for paragraphs.
    pub fn one_line(&self) -> String {
        let mut line = self.title.clone();
        for part in [&self.what, &self.todo] {
            let part = part.trim();
            if !part.is_empty() {
                line.push_str(if line.ends_with('.') { " " } else { " : " });
                line.push_str(&part.replace('\n', " "));
            }
        }
        line
    }
}

/// A fact with its French sentence, for the `--json` outputs: the fact's code and
/// parameters as it serialises (`{"code": …, "params": {…}}`), and `text`, the
/// sentence the user reads.
#[derive(Debug, Clone, Serialize)]
pub struct Worded<'a, T: Serialize> {
    /// The fact.
    #[serde(flatten)]
    pub fact: &'a T,
    /// What it says in French.
    pub text: String,
}

fn explain(
    title: &str,
    what: impl Into<String>,
    why: &str,
    todo: impl Into<String>,
    details: impl Into<String>,
) -> Explanation {
    Explanation {
        title: title.to_owned(),
        what: what.into(),
        why: why.to_owned(),
        todo: todo.into(),
        details: details.into(),
    }
}

/// A file that is not an SQLite database at all (open error or diagnosis).
fn not_a_database(path: &dyn fmt::Display, details: String) -> Explanation {
    explain(
        TITLE_NOT_RECOGNISED,
        format!(
            "Le fichier « {path} » n'est pas une base de données Impact emploi : ce n'est \
             pas une base de données du tout."
        ),
        WHY_NOT_OURS,
        format!(
            "{TODO_CHOOSE_STORE} Si ce fichier était bien votre base, il est gravement \
             endommagé : restaurez la dernière sauvegarde."
        ),
        details,
    )
}

/// An SQLite database of another program (open error or diagnosis).
fn not_a_store(path: &dyn fmt::Display, details: String) -> Explanation {
    explain(
        TITLE_NOT_RECOGNISED,
        format!(
            "Le fichier « {path} » est une base de données, mais pas une base Impact \
             emploi : il appartient sans doute à un autre logiciel."
        ),
        WHY_NOT_OURS,
        TODO_CHOOSE_STORE,
        details,
    )
}

/// A store written by a newer program (open error or diagnosis).
fn too_new(path: &dyn fmt::Display, found: u32, supported: u32, details: String) -> Explanation {
    explain(
        "Base de données trop récente",
        format!(
            "La base de données « {path} » a été enregistrée par une version plus récente \
             d'Impact emploi (version de base {found} ; ce programme connaît jusqu'à la \
             version {supported})."
        ),
        "Ce programme ne peut pas l'utiliser sans risquer d'abîmer des données qu'il ne \
         connaît pas ; il ne l'a pas modifiée.",
        TODO_UPDATE,
        details,
    )
}

const TITLE_UNREACHABLE: &str = "Base de données inaccessible";

/// The title of a store that needs "Mise à jour de la base de données".
pub const TITLE_NEEDS_UPDATE: &str = "Mise à jour de la base de données nécessaire";

/// What to do with a store that needs its update.
pub const TODO_NEEDS_UPDATE: &str = "Dans le centre de maintenance, cliquez sur « Maintenir » \
     puis « Gérer les mises à jour », et enfin sur « Mise à jour de la base de données » \
     (en ligne de commande : iea-maintenance update database). Une sauvegarde vérifiée de \
     la base est faite avant.";

/// The title of a damaged store, whether found by opening, checking or backing up.
pub(crate) const TITLE_DAMAGED_STORE: &str = "Base de données endommagée";

/// The title of a stored password that can no longer be decrypted.
pub(crate) const TITLE_STORED_PASSWORD_UNREADABLE: &str = "Mot de passe enregistré illisible";

/// The title of a failed authentication: the server could not be reached.
pub(crate) const TITLE_CONNECTION_FAILED: &str = "Échec de connexion au serveur";

/// The title of the confirmation before unsaved changes are dropped.
pub const DISCARD_CHANGES_TITLE: &str = "Abandonner les modifications ?";

/// The button that drops unsaved changes.
pub const DISCARD_CHANGES: &str = "Abandonner les modifications";

/// The title of a file that is not what was expected (not a store, not a backup).
pub(crate) const TITLE_NOT_RECOGNISED: &str = "Fichier non reconnu";

/// The title of a full disk.
pub(crate) const TITLE_DISK_FULL: &str = "Disque plein";

/// The title of every error of work stopped by the user.
pub(crate) const TITLE_CANCELLED: &str = "Opération annulée";

/// What happened when the user stopped the work.
pub(crate) const CANCELLED_AT_YOUR_REQUEST: &str = "L'opération a été annulée à votre demande.";

const WHY_STORE: &str = "Sans sa base de données, Impact emploi ne peut ni afficher ni \
     enregistrer les paies. Rien n'a été modifié : vos données sont restées telles quelles.";

const WHY_NOT_OURS: &str = "Impact emploi ne peut rien en faire et ne l'a pas modifié.";

const TODO_NETWORK: &str = "Vérifiez que le partage réseau est connecté, redémarrez \
     l'ordinateur ; si le problème persiste, contactez votre informaticien pour réactiver les \
     accès au répertoire et donnez-lui le rapport ci-dessous.";

const TODO_DIAGNOSE: &str = "Cliquez sur « Diagnostiquer » pour en savoir plus. Si le \
     problème persiste, contactez votre informaticien et donnez-lui le rapport du diagnostic.";

const TODO_CHOOSE_STORE: &str = "Ne choisissez pas ce fichier. Choisissez votre base \
     Impact emploi (fichier .iea) avec « Changer de base de données » dans le centre de \
     maintenance.";

const TODO_CORRUPT: &str = "Ne continuez pas à travailler sur cette base : cela pourrait \
     aggraver les dégâts. Restaurez la dernière sauvegarde depuis le centre de maintenance, \
     puis vérifiez les paies saisies depuis cette sauvegarde. Gardez le fichier endommagé : \
     votre informaticien ou l'assistance pourront l'examiner.";

/// What to do when rights are missing; `report` says where the report is.
fn todo_rights(report: &str) -> String {
    format!(
        "Contactez votre informaticien pour qu'il vous redonne les droits de lecture et \
         d'écriture sur ce fichier et sur le dossier qui le contient (Impact emploi y crée des \
         fichiers temporaires à chaque enregistrement) ; donnez-lui {report}."
    )
}

/// Where the report is, from an error message.
const REPORT_OF_DIAGNOSE: &str = "le rapport de « Diagnostiquer »";

/// Where the report is, on the diagnosis screen.
const REPORT_BELOW: &str = "le rapport ci-dessous";

const TODO_DISK_FULL: &str = "Libérez de la place sur ce disque (videz la corbeille, \
     supprimez les fichiers devenus inutiles) ou demandez à votre informaticien d'agrandir \
     l'espace disponible, puis recommencez.";

const TODO_UPDATE: &str = "Mettez à jour Impact emploi sur ce poste (recherche des mises à \
     jour dans le centre de maintenance), puis relancez-le. Si la mise à jour n'est pas \
     proposée, contactez l'assistance.";

/// A whole number the French way, thousands apart: "10 000 000" (narrow
/// no-break spaces, so that a number is never cut at the end of a line).
pub fn integer(n: i128) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut grouped = String::from(if n < 0 { "-" } else { "" });
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('\u{202f}');
        }
        grouped.push(c);
    }
    grouped
}

/// A job's step as its progress bar says it ("Copie de la base"…); the closing's
/// steps carry the seed's words.
pub fn phase_label(phase: Phase) -> &'static str {
    match phase {
        Phase::DemoSetup => "Mise en place de la base",
        Phase::DemoPreparation => "Préparation",
        Phase::DemoPayslips => "Bulletins de salaire",
        Phase::DemoCheck => "Contrôle de la base",
        Phase::DemoVerify => "Vérification",
        Phase::CopyStore => "Copie de la base",
        Phase::CheckAndCompress => "Vérification et compression de la copie",
        Phase::CheckCopy => "Vérification de la copie",
        Phase::WriteArchive => "Enregistrement de l'archive",
        Phase::FetchBackup => "Récupération de la sauvegarde",
        Phase::ReadBackup => "Lecture de la sauvegarde",
        Phase::ExtractBackup => "Extraction de la sauvegarde",
        Phase::CheckRestored => "Vérification de la base restaurée",
        Phase::ReplaceStore => "Remplacement de la base",
        Phase::ClosingRepair => "Arrêt du serveur – Réparation de la base",
        Phase::ClosingClose => "Clôture",
        Phase::ClosingReindex => "Réindexation",
        Phase::TransferCompare => "Comparaison de la base et de son archive",
        Phase::TransferCheckArchive => "Relecture de l'archive",
        Phase::TransferUpload => "Transfert vers Sharebox",
        Phase::NetEntreprisesTests => "Test des comptes Net-entreprises",
        Phase::QueryRun => "Exécution de la requête",
        Phase::QueryExport => "Enregistrement du fichier",
        Phase::UpdateDownload => "Téléchargement de la mise à jour",
        Phase::UpdateCheck => "Vérification du téléchargement",
        Phase::UpdateUnpack => "Décompression de la mise à jour",
        Phase::UpdateSelfCheck => "Vérification du nouveau programme",
        Phase::UpdateReplace => "Remplacement du programme",
        Phase::UpdateServiceRestart => "Redémarrage du gestionnaire de services",
        Phase::UpdateRollback => "Retour à la version précédente",
        Phase::DatabaseMigrate => "Mise à jour de la base de données",
        Phase::DatabaseReport => "Rapport de la mise à jour",
    }
}

/// A system error in French, as a full sentence ("Le fichier spécifié est introuvable.").
pub fn io_error(e: &io::Error) -> &'static str {
    system_error(SystemError::of(e))
}

/// A class of system error in French, as a full sentence.
pub fn system_error(e: SystemError) -> &'static str {
    match e {
        SystemError::NotFound => "Le fichier spécifié est introuvable.",
        SystemError::PermissionDenied => "Accès refusé.",
        SystemError::NotADirectory => {
            "Le chemin d'accès contient un fichier là où un dossier est attendu."
        }
        SystemError::IsADirectory => "Un dossier se trouve là où un fichier est attendu.",
        SystemError::StorageFull => "Il n'y a plus assez de place sur le disque.",
        SystemError::ReadOnly => "Le disque est en lecture seule.",
        SystemError::TimedOut => "Le délai d'attente est dépassé : aucune réponse.",
        SystemError::NetworkUnreachable => "Le chemin réseau n'a pas été trouvé.",
        SystemError::Disconnected => "Le partage réseau a été déconnecté.",
        SystemError::Busy => "Le fichier est utilisé par un autre programme.",
        SystemError::InvalidName => {
            "La syntaxe du nom de fichier, de répertoire ou de volume est incorrecte."
        }
        SystemError::Unreadable => "Le contenu du fichier est illisible ou incomplet.",
        SystemError::Other => "Une erreur système inattendue s'est produite.",
    }
}

/// The technical lines shared by all store errors: the system message in French,
/// the path, then the program's own message.
fn store_details(system: &str, f: &StoreFault) -> String {
    let technical = format!(
        "Base de données : {}\nMessage technique : {}",
        f.kind.path().display(),
        f.technical
    );
    if system.is_empty() {
        technical
    } else {
        format!("Erreur système : {system}\n{technical}")
    }
}

/// A dossier's state as the centre and the support report say it.
pub fn dossier_state_label(state: crate::store::DossierState) -> &'static str {
    match state {
        crate::store::DossierState::Production => "Production",
        crate::store::DossierState::Simulation => "Simulation",
    }
}

/// A store error in French.
pub fn store_error(e: &StoreError) -> Explanation {
    store_fault(&e.fault())
}

/// A store error kept as a fact, in French.
pub fn store_fault(f: &StoreFault) -> Explanation {
    use StoreFaultKind as K;
    let path = f.kind.path().display();
    match &f.kind {
        K::FolderNotFound { folder, .. } => explain(
            TITLE_UNREACHABLE,
            format!(
                "Le dossier « {} », qui doit contenir la base de données « {path} », est \
                 introuvable : le chemin réseau n'a pas été trouvé (partage déconnecté, ou \
                 dossier renommé ou déplacé).",
                folder.display()
            ),
            WHY_STORE,
            format!(
                "Ouvrez l'explorateur de fichiers et saisissez le nom du dossier « {} » pour \
                 vérifier qu'il répond. Vérifiez que le partage réseau est connecté, \
                 redémarrez l'ordinateur ; si le problème persiste, cliquez sur \
                 « Diagnostiquer » et contactez votre informaticien pour réactiver les accès au \
                 répertoire, en lui donnant le rapport du diagnostic.",
                folder.display()
            ),
            store_details(system_error(SystemError::NetworkUnreachable), f),
        ),
        K::FileNotFound { .. } => explain(
            TITLE_UNREACHABLE,
            format!(
                "Le fichier spécifié est introuvable : la base de données « {path} » n'est \
                 pas dans son dossier."
            ),
            WHY_STORE,
            "Vérifiez que le fichier n'a pas été renommé, déplacé ou supprimé. S'il a changé \
             de place, choisissez-le de nouveau avec « Changer de base de données ». Sinon, \
             cliquez sur « Diagnostiquer » et contactez votre informaticien en lui donnant le \
             rapport : il pourra restaurer la base depuis une sauvegarde.",
            store_details(system_error(SystemError::NotFound), f),
        ),
        K::NotAFile { .. } => explain(
            TITLE_UNREACHABLE,
            format!("« {path} » est un dossier, pas le fichier d'une base de données."),
            WHY_STORE,
            "Choisissez le fichier de la base lui-même (par exemple impact-emploi.iea), pas \
             le dossier qui le contient, avec « Changer de base de données ».",
            store_details(system_error(SystemError::IsADirectory), f),
        ),
        K::PermissionDenied { .. } => explain(
            TITLE_UNREACHABLE,
            format!(
                "Accès refusé : votre session n'a pas le droit de lire ou de modifier la base \
                 de données « {path} »."
            ),
            WHY_STORE,
            todo_rights(REPORT_OF_DIAGNOSE),
            store_details(system_error(SystemError::PermissionDenied), f),
        ),
        K::Locked { .. } => explain(
            "Base de données occupée",
            format!(
                "La base de données « {path} » est bloquée par un autre programme ou un autre \
                 poste depuis plus de {} secondes.",
                crate::store::BUSY_TIMEOUT.as_secs()
            ),
            "Pour protéger les paies, deux programmes ne peuvent pas modifier la base en même \
             temps. Rien n'a été modifié.",
            "Attendez la fin de l'opération en cours (sauvegarde, clôture, saisie sur un autre \
             poste), puis réessayez. Si la base reste bloquée, fermez Impact emploi sur les \
             autres postes ou redémarrez l'ordinateur. « Diagnostiquer » indique quel \
             programme la bloque.",
            store_details(system_error(SystemError::Busy), f),
        ),
        K::NotADatabase { .. } => not_a_database(&path, store_details("", f)),
        K::NotAStore { .. } => not_a_store(&path, store_details("", f)),
        K::Corrupt { .. } => explain(
            TITLE_DAMAGED_STORE,
            format!("La base de données « {path} » est endommagée."),
            "Continuer à travailler dessus pourrait aggraver les dégâts et fausser les paies.",
            TODO_CORRUPT,
            store_details("", f),
        ),
        K::TooNew {
            found, supported, ..
        } => too_new(&path, *found, *supported, store_details("", f)),
        K::NeedsUpdate {
            found, supported, ..
        } => explain(
            TITLE_NEEDS_UPDATE,
            format!(
                "La base de données « {path} » a été enregistrée par une version précédente \
                 d'Impact emploi (version de base {found}) : elle doit être mise à jour pour \
                 cette version du programme (version de base {supported})."
            ),
            "Le programme ne modifie jamais une base sans l'avoir sauvegardée d'abord : \
             elle n'a pas été modifiée, et reste lisible.",
            TODO_NEEDS_UPDATE,
            store_details("", f),
        ),
        K::AlreadyExists { .. } => explain(
            "Fichier déjà présent",
            format!("Un fichier existe déjà à l'emplacement « {path} »."),
            "Impact emploi ne remplace jamais un fichier existant : il pourrait contenir des \
             paies. Rien n'a été modifié.",
            "Choisissez un autre nom pour la nouvelle base, ou ouvrez le fichier existant avec \
             « Changer de base de données ».",
            store_details("", f),
        ),
        K::DiskFull { .. } => explain(
            TITLE_DISK_FULL,
            format!("Le disque qui contient la base de données « {path} » est plein."),
            "La dernière opération n'a pas pu être enregistrée : elle a été annulée en entier, \
             et les données enregistrées avant restent intactes.",
            TODO_DISK_FULL,
            store_details(system_error(SystemError::StorageFull), f),
        ),
        K::ClosedExercise { .. } => explain(
            "Exercice clôturé",
            "Exercice clôturé : les bulletins et déclarations d'un exercice clôturé ne peuvent \
             plus être modifiés.",
            "La clôture fige les paies d'une année : elles restent consultables, mais ni \
             modifiables ni supprimables, et aucun bulletin ne peut plus y être ajouté. Rien n'a \
             été modifié.",
            "Consultez ces paies dans les exercices clôturés ; une correction se saisit sur un \
             exercice ouvert.",
            store_details("", f),
        ),
        K::ClosingInProgress {
            host, started_at, ..
        } => explain(
            "Clôture en cours",
            format!(
                "Clôture en cours sur {host} depuis {} : Impact emploi ne peut pas être utilisé \
                 pendant la clôture. Réessayez quand elle sera terminée.",
                closing_since(started_at)
            ),
            "La clôture d'exercice réserve la base de données pour elle seule, afin que \
             personne ne modifie les paies pendant qu'elle les déplace.",
            "Attendez la fin de la clôture (elle peut durer longtemps sur une grosse base), \
             puis réessayez.",
            store_details("", f),
        ),
        K::Sqlite { .. } => explain(
            TITLE_UNREACHABLE,
            format!(
                "Une erreur inattendue s'est produite en travaillant sur la base de données \
                 « {path} »."
            ),
            WHY_STORE,
            format!("Fermez puis relancez Impact emploi. {TODO_DIAGNOSE}"),
            store_details("", f),
        ),
        K::Io { system, .. } => explain(
            TITLE_UNREACHABLE,
            format!(
                "Impact emploi n'a pas pu accéder à « {path} ». {}",
                system_error(*system)
            ),
            WHY_STORE,
            TODO_DIAGNOSE,
            store_details(system_error(*system), f),
        ),
    }
}

/// The French name of a configuration key, for the keys the screens show.
fn key_label(key: &str) -> Option<&'static str> {
    Some(match key {
        "connection.kind" => "Type de connexion",
        "connection.mode" => "Mode de connexion",
        "connection.auth_url" => "Adresse du serveur d'authentification",
        "connection.update_url" => "Adresse du serveur de mise à jour",
        "connection.net_entreprises_url" => "Adresse d'authentification Net-entreprises",
        "connection.proxy.host" | "host" => "Adresse du serveur proxy",
        "connection.proxy.port" | "port" => "Port du serveur proxy",
        "connection.proxy.user" => "Utilisateur du serveur proxy",
        "paths.store" => "Base de données",
        "paths.staging" => "Dossier de préparation des sauvegardes",
        "paths.logs" => "Dossier des journaux",
        "paths.known_stores" => "Bases de données connues",
        "mail.smtp_host" | "smtp_host" => "Serveur d'envoi des e-mails (SMTP)",
        "mail.smtp_port" | "smtp_port" => "Port du serveur d'envoi des e-mails",
        "mail.security" => "Sécurité de l'envoi des e-mails",
        "mail.user" => "Utilisateur du serveur d'envoi des e-mails",
        "mail.sender" | "sender" => "Adresse de l'expéditeur",
        "mail.support_address" | "support_address" => "Adresse de l'assistance",
        _ => return None,
    })
}

/// "réglage « Mode de connexion » (clé connection.mode)", to follow "du" or "le".
fn setting(key: &str) -> String {
    match key_label(key) {
        Some(label) => format!("réglage « {label} » (clé {key})"),
        None => format!("réglage « {key} »"),
    }
}

const WHY_CONFIG: &str = "Impact emploi n'utilise pas un fichier de configuration qu'il ne \
     comprend pas, pour ne jamais appliquer un réglage mal lu. Le fichier n'a pas été modifié.";

const TODO_CONFIG_RESET: &str = "Vous pouvez aussi repartir des réglages par défaut depuis \
     le centre de maintenance : une copie datée du fichier actuel est conservée à côté.";

/// A configuration error in French, naming the file, the line and the key.
pub fn config_error(e: &ConfigError) -> Explanation {
    let path = e.path().display();
    match e {
        ConfigError::Read { source, .. } => explain(
            "Configuration illisible",
            format!(
                "Le fichier de configuration « {path} » n'a pas pu être lu. {}",
                io_error(source)
            ),
            "Sans lui, les paramètres de connexion et les chemins de l'application sont \
             inconnus.",
            format!(
                "Vérifiez que votre session a accès à ce fichier, sinon contactez votre \
                 informaticien. {TODO_CONFIG_RESET}"
            ),
            format!(
                "Fichier : {path}\nErreur système : {}\nMessage technique : {e}",
                io_error(source)
            ),
        ),
        ConfigError::Syntax { line, detail, .. } => explain(
            "Fichier de configuration incorrect",
            format!(
                "Le fichier de configuration « {path} » contient une erreur d'écriture à la \
                 ligne {line}."
            ),
            WHY_CONFIG,
            format!(
                "Corrigez la ligne {line} de ce fichier (un guillemet ou un crochet oublié, le \
                 plus souvent). {TODO_CONFIG_RESET}"
            ),
            format!("Fichier : {path}\nLigne : {line}\nMessage technique : {detail}"),
        ),
        ConfigError::UnknownKey { line, key, .. } => explain(
            "Fichier de configuration incorrect",
            format!(
                "Ligne {line} du fichier de configuration « {path} » : le réglage « {key} » \
                 est inconnu (faute de frappe ?)."
            ),
            WHY_CONFIG,
            format!(
                "Corrigez le nom du réglage « {key} » à la ligne {line}, ou supprimez cette \
                 ligne. {TODO_CONFIG_RESET}"
            ),
            format!("Fichier : {path}\nLigne : {line}\nClé : {key}\nMessage technique : {e}"),
        ),
        ConfigError::Invalid {
            line, key, problem, ..
        } => {
            let technical = match problem {
                ValueProblem::WrongType { detail } => format!("\nMessage technique : {detail}"),
                _ => String::new(),
            };
            let what = match (*line, key.is_empty()) {
                (0, true) => format!(
                    "Fichier de configuration « {path} » : un réglage a une valeur incorrecte. {}",
                    value_problem(problem)
                ),
                (0, false) => format!(
                    "Fichier de configuration « {path} » : le {} n'y figure pas, ou sa valeur \
                     par défaut ne convient pas. {}",
                    setting(key),
                    value_problem(problem)
                ),
                (line, true) => format!(
                    "Fichier de configuration « {path} », ligne {line} : la valeur est \
                     incorrecte. {}",
                    value_problem(problem)
                ),
                (line, false) => format!(
                    "Fichier de configuration « {path} », ligne {line} : la valeur du {} est \
                     incorrecte. {}",
                    setting(key),
                    value_problem(problem)
                ),
            };
            let place = if *line == 0 {
                "dans le fichier".to_owned()
            } else {
                format!("à la ligne {line} du fichier")
            };
            explain(
                "Réglage incorrect",
                what,
                WHY_CONFIG,
                format!(
                    "Corrigez ce réglage dans le centre de maintenance (ou {place}). \
                     {TODO_CONFIG_RESET}"
                ),
                format!(
                    "Fichier : {path}\nLigne : {line}\nClé : {key}\nProblème : {problem:?}{technical}"
                ),
            )
        }
        ConfigError::Write { source, .. } => explain(
            "Configuration non enregistrée",
            format!(
                "Le fichier de configuration « {path} » n'a pas pu être enregistré. {}",
                io_error(source)
            ),
            "Vos derniers réglages ne sont pas pris en compte ; l'ancien fichier est resté \
             intact.",
            "Vérifiez qu'il reste de la place sur le disque et que votre session a le droit \
             d'écrire dans ce dossier, puis recommencez. Sinon, contactez votre informaticien.",
            format!(
                "Fichier : {path}\nErreur système : {}\nMessage technique : {e}",
                io_error(source)
            ),
        ),
    }
}

/// What a choice value means, for the list of allowed values.
fn choice_label(value: &str) -> Option<&'static str> {
    Some(match value {
        "direct" => "connexion directe par réseau local",
        "proxy" => "par l'intermédiaire d'un serveur proxy",
        "system" => "paramètres du système",
        "normal" => "Normal",
        "extended" => "Étendu",
        "secure" => "Sécurisé",
        "starttls" => "STARTTLS",
        "tls" => "TLS",
        "none" => "sans chiffrement",
        _ => return None,
    })
}

/// A short French sentence for a bad value, also shown next to form fields.
pub fn value_problem(p: &ValueProblem) -> String {
    match p {
        ValueProblem::BadUrl => "Cette adresse n'est pas une adresse web valable (exemple : \
             https://impact-emploi.urssaf.fr)."
            .to_owned(),
        ValueProblem::BadScheme => "L'adresse doit commencer par https:// (ou http:// hors du \
             mode Sécurisé)."
            .to_owned(),
        ValueProblem::HttpInSecureMode => {
            "Le mode Sécurisé n'accepte que les adresses https://.".to_owned()
        }
        ValueProblem::PortOutOfRange => "Le port doit être compris entre 1 et 65535.".to_owned(),
        ValueProblem::MissingProxyHost => "Indiquez l'adresse du serveur proxy, ou choisissez \
             un autre type de connexion."
            .to_owned(),
        ValueProblem::BadHost => "Ce nom de serveur contient des espaces ou des caractères \
             qui ne peuvent pas y figurer."
            .to_owned(),
        ValueProblem::BadEmail => {
            "Cette adresse e-mail n'est pas valable (exemple : paie@association.fr).".to_owned()
        }
        ValueProblem::EmptyPath => {
            "Indiquez un chemin : ce réglage ne peut pas rester vide.".to_owned()
        }
        ValueProblem::UnknownChoice { allowed } => {
            let choices: Vec<String> = allowed
                .iter()
                .map(|a| match choice_label(a) {
                    Some(label) => format!("« {a} » ({label})"),
                    None => format!("« {a} »"),
                })
                .collect();
            format!(
                "Valeur non reconnue. Valeurs possibles : {}.",
                choices.join(", ")
            )
        }
        ValueProblem::WrongType { detail } => {
            let expected = detail.split("expected").nth(1).unwrap_or_default();
            if expected.contains("integer") || expected.contains("i64") || expected.contains("u16")
            {
                "Un nombre est attendu ici (sans guillemets).".to_owned()
            } else if expected.contains("string") {
                "Un texte entre guillemets est attendu ici.".to_owned()
            } else if expected.contains("sequence") || expected.contains("array") {
                "Une liste entre crochets est attendue ici : [\"…\", \"…\"].".to_owned()
            } else {
                "Cette valeur n'est pas du type attendu (par exemple du texte là où un nombre \
                 est attendu)."
                    .to_owned()
            }
        }
    }
}

/// "La création…" from "la création…".
fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The French name of a kind of job, as a sentence's subject ("une sauvegarde").
pub fn job_kind(kind: JobKind) -> &'static str {
    match kind {
        JobKind::Demo => "la création de la base de démonstration",
        JobKind::StoreSwitch => "le changement de base de données",
        JobKind::Backup => "une sauvegarde",
        JobKind::Restore => "une restauration",
        JobKind::Closing => "une clôture d'exercice",
        JobKind::Transfer => "un transfert des bases de données",
        JobKind::NetEntreprisesTests => "un test de tous les comptes Net-entreprises",
        JobKind::UpdateDownload => "le téléchargement d'une mise à jour",
        JobKind::UpdateInstall => "l'installation d'une mise à jour",
        JobKind::DatabaseUpdate => "la mise à jour de la base de données",
    }
}

/// A job error in French.
pub fn job_error(e: &JobError) -> Explanation {
    match e {
        JobError::AlreadyRunning { kind, holder_pid } => explain(
            "Opération déjà en cours",
            match holder_pid {
                Some(pid) => format!(
                    "{} est déjà en cours (processus {pid}).",
                    capitalized(job_kind(*kind))
                ),
                None => format!(
                    "{} est déjà en cours sur ce poste.",
                    capitalized(job_kind(*kind))
                ),
            },
            "Deux opérations de ce type en même temps pourraient mélanger leurs données : la \
             seconde a donc été refusée, et rien n'a été modifié.",
            "Attendez la fin de l'opération en cours, puis recommencez si besoin. Si aucune \
             opération ne semble en cours, fermez Impact emploi et le centre de maintenance, \
             puis redémarrez l'ordinateur.",
            format!("Message technique : {e}"),
        ),
        JobError::Cancelled => explain(
            TITLE_CANCELLED,
            CANCELLED_AT_YOUR_REQUEST,
            "Elle s'est arrêtée à une étape sûre : aucune donnée n'est restée à moitié \
             enregistrée.",
            "Vous pouvez la relancer quand vous le souhaitez.",
            format!("Message technique : {e}"),
        ),
        JobError::Lock { path, source } => explain(
            "Opération impossible",
            format!(
                "L'opération n'a pas pu démarrer : le fichier « {} », qui évite de lancer deux \
                 fois la même opération, n'a pas pu être créé. {}",
                path.display(),
                io_error(source)
            ),
            "Sans ce fichier, Impact emploi ne lance pas l'opération, par prudence. Rien n'a \
             été modifié.",
            "Vérifiez qu'il reste de la place sur le disque et que votre session a le droit \
             d'écrire dans le dossier d'Impact emploi ; sinon, contactez votre informaticien.",
            format!(
                "Fichier : {}\nErreur système : {}\nMessage technique : {e}",
                path.display(),
                io_error(source)
            ),
        ),
    }
}

/// An error of the demo store's creation in French. Whatever happened, an
/// existing store was left as it was.
pub fn demo_error(e: &DemoError) -> Explanation {
    const WHY: &str = "La base de démonstration est construite à part puis mise en place d'un \
         coup : la base existante, s'il y en a une, n'a pas été modifiée.";
    let details = format!("Message technique : {e}");
    match e {
        DemoError::Exists { path } => explain(
            "Une base existe déjà",
            format!(
                "Une base existe déjà à l'emplacement « {} ».",
                path.display()
            ),
            WHY,
            "Pour la remplacer par une base de démonstration, relancez avec --force \
             (iea-maintenance demo --force) ; sinon, choisissez un autre emplacement dans \
             « Configurer les chemins ».",
            details,
        ),
        DemoError::NotAStore { path } => explain(
            "Fichier conservé",
            format!(
                "Le fichier « {} » n'est pas une base Impact emploi : il n'a pas été remplacé.",
                path.display()
            ),
            WHY,
            "Choisissez un autre emplacement pour la base dans « Configurer les chemins », ou \
             déplacez ce fichier si vous êtes sûr de ne plus en avoir besoin.",
            details,
        ),
        DemoError::StoreInUse { path } => explain(
            "Base en cours d'utilisation",
            format!(
                "La base « {} » est ouverte par un autre programme (le centre de maintenance \
                 ou Impact emploi) : elle ne peut pas être remplacée maintenant.",
                path.display()
            ),
            WHY,
            "Fermez Impact emploi et le centre de maintenance, puis recommencez.",
            details,
        ),
        DemoError::CreateFolder { path, source } | DemoError::Io { path, source } => explain(
            "Base de démonstration non créée",
            format!(
                "Le dossier ou le fichier « {} » n'a pas pu être écrit. {}",
                path.display(),
                io_error(source)
            ),
            WHY,
            "Vérifiez qu'il reste de la place sur le disque et que votre session a le droit \
             d'écrire dans ce dossier ; sinon, contactez votre informaticien.",
            details,
        ),
        DemoError::Store(inner) => store_error(inner),
        DemoError::Job(inner) => job_error(inner),
        DemoError::PasswordHash { .. } | DemoError::Verification { .. } => explain(
            "Base de démonstration non créée",
            "La base de démonstration construite n'a pas passé ses contrôles : elle n'a pas \
             été mise en place.",
            WHY,
            "Recommencez ; si le problème persiste, écrivez à l'assistance en joignant ce \
             message.",
            details,
        ),
    }
}

/// An error about `IEA_HOME` in French.
pub fn home_error(e: &HomeError) -> Explanation {
    match e {
        HomeError::NoDataFolder => explain(
            "Dossier de données introuvable",
            "Impact emploi ne trouve pas le dossier où ranger ses données pour votre session.",
            "Sans lui, ni la configuration, ni la base de données, ni les journaux ne peuvent \
             être enregistrés.",
            format!(
                "Contactez votre informaticien : il peut indiquer ce dossier avec la variable \
                 d'environnement {}.",
                crate::home::HOME_ENV
            ),
            format!("Message technique : {e}"),
        ),
        HomeError::CreateFolder { path, source } => explain(
            "Dossier de données impossible à créer",
            format!(
                "Le dossier « {} » n'a pas pu être créé. {}",
                path.display(),
                io_error(source)
            ),
            "Impact emploi y range sa configuration, ses journaux et ses fichiers de travail ; \
             sans lui, il ne peut pas démarrer correctement.",
            "Vérifiez qu'il reste de la place sur le disque et que votre session a le droit \
             d'écrire à cet endroit ; sinon, contactez votre informaticien.",
            format!(
                "Dossier : {}\nErreur système : {}\nMessage technique : {e}",
                path.display(),
                io_error(source)
            ),
        ),
    }
}

// ---------------------------------------------------------------------------
// Diagnoses.

/// "iea-maintenance (processus 1234)".
fn holder(h: &LockHolder) -> String {
    if h.program.is_empty() {
        format!("un programme inconnu (processus {})", h.pid)
    } else {
        format!("« {} » (processus {})", h.program, h.pid)
    }
}

fn holders_list(holders: &[LockHolder]) -> String {
    let names: Vec<String> = holders.iter().map(holder).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} et {last}", rest.join(", ")),
    }
}

/// A short phrase for why a store did not open ("ce fichier n'est pas une base de données").
fn store_problem(p: StoreProblem) -> &'static str {
    match p {
        StoreProblem::FolderNotFound => "le chemin réseau n'a pas été trouvé",
        StoreProblem::FileNotFound => "le fichier spécifié est introuvable",
        StoreProblem::NotAFile => "c'est un dossier, pas un fichier",
        StoreProblem::PermissionDenied => "accès refusé",
        StoreProblem::Locked => "la base est bloquée par un autre programme",
        StoreProblem::NotADatabase => "ce fichier n'est pas une base de données",
        StoreProblem::NotAStore => "ce n'est pas une base Impact emploi",
        StoreProblem::Corrupt => "la base est endommagée",
        StoreProblem::TooNew => "la base vient d'une version plus récente d'Impact emploi",
        StoreProblem::NeedsUpdate => "la base doit être mise à jour",
        StoreProblem::DiskFull => "le disque est plein",
        StoreProblem::Other => "erreur inattendue",
    }
}

/// A sentence without its capital and final period, to follow a colon.
fn lowered(sentence: &str) -> String {
    let mut chars = sentence.trim_end_matches('.').chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_lowercase().chain(chars).collect()
    })
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n <= 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// One check as a line of French: "Dossier /srv/partage : accessible".
pub fn check_label(c: &Check) -> String {
    let s = &c.subject;
    let what = match (c.kind, &c.finding) {
        (CheckKind::PathComponent, _) => format!("Dossier {s}"),
        (CheckKind::FolderReachable, _) => format!("Contenu du dossier {s}"),
        (CheckKind::NetworkFileSystem, _) => format!("Emplacement du dossier {s}"),
        (CheckKind::FileExists, _) => format!("Fichier {s}"),
        (
            CheckKind::Permissions,
            Finding::Access {
                item: Item::Folder, ..
            },
        ) => format!("Droits sur le dossier {s}"),
        (
            CheckKind::Permissions,
            Finding::Access {
                item: Item::File, ..
            },
        ) => format!("Droits sur le fichier {s}"),
        (CheckKind::Permissions, _) => format!("Droits sur {s}"),
        (CheckKind::FreeSpace, _) => format!("Espace libre sur le disque de {s}"),
        (CheckKind::Lock, _) => "Programmes utilisant la base".to_owned(),
        (CheckKind::OpenStore, _) => "Ouverture de la base".to_owned(),
        (CheckKind::SchemaVersion, _) => "Version de la base".to_owned(),
        (CheckKind::Integrity, _) => "Contrôle d'intégrité de la base".to_owned(),
    };
    let state = match &c.finding {
        Finding::NotChecked => "non vérifié (une étape précédente a échoué)".to_owned(),
        Finding::Present { size_bytes: None } => "accessible".to_owned(),
        Finding::Present {
            size_bytes: Some(n),
        } => format!("présent ({})", human_size(*n)),
        Finding::Missing => match c.kind {
            CheckKind::FileExists => "le fichier spécifié est introuvable".to_owned(),
            _ => "introuvable".to_owned(),
        },
        Finding::WrongType => match c.kind {
            CheckKind::FileExists => "c'est un dossier, pas un fichier".to_owned(),
            _ => "ce n'est pas un dossier".to_owned(),
        },
        Finding::NoAnswer { waited_secs } => {
            format!("aucune réponse après {waited_secs} secondes")
        }
        Finding::Denied => "accès refusé".to_owned(),
        Finding::System { error } => lowered(system_error(*error)),
        Finding::Listed { entries } => {
            format!("lisible ({})", plural(*entries, "élément", "éléments"))
        }
        Finding::Location { network: true } => "partage réseau".to_owned(),
        Finding::Location { network: false } => "disque de cet ordinateur".to_owned(),
        Finding::Access {
            item,
            can_read,
            can_write,
            read_only_disk,
        } => match (item, can_read, can_write) {
            (_, true, true) => "lecture et écriture autorisées".to_owned(),
            (_, true, false) if *read_only_disk => {
                "lecture autorisée, écriture impossible (disque en lecture seule)".to_owned()
            }
            (Item::Folder, true, false) => {
                "lecture autorisée, création de fichiers refusée".to_owned()
            }
            (Item::File, true, false) => "lecture autorisée, écriture refusée".to_owned(),
            (_, false, true) => "lecture refusée".to_owned(),
            (_, false, false) => "lecture et écriture refusées".to_owned(),
        },
        Finding::Space {
            available_bytes, ..
        } => match c.outcome {
            Outcome::Failed => format!(
                "disque plein ({} disponibles)",
                human_size(*available_bytes)
            ),
            Outcome::Warning => format!("seulement {} disponibles", human_size(*available_bytes)),
            _ => format!("{} disponibles", human_size(*available_bytes)),
        },
        Finding::Holders { holders } if holders.is_empty() => "aucun".to_owned(),
        Finding::Holders { holders } => {
            let writers: Vec<LockHolder> = holders.iter().filter(|h| h.writing).cloned().collect();
            if writers.is_empty() {
                format!("ouverte par {}", holders_list(holders))
            } else {
                format!("en cours de modification par {}", holders_list(&writers))
            }
        }
        Finding::Unavailable => "non vérifiable sur ce système".to_owned(),
        Finding::Opened => "réussie".to_owned(),
        Finding::OpenFailed { problem } => format!("impossible : {}", store_problem(*problem)),
        Finding::Schema { found, supported } => match found.cmp(supported) {
            std::cmp::Ordering::Equal => format!("{found} (à jour)"),
            std::cmp::Ordering::Less => format!(
                "{found} (sera mise à jour vers la version {supported} à la prochaine ouverture)"
            ),
            std::cmp::Ordering::Greater => {
                format!("{found}, plus récente que ce programme (version {supported} au plus)")
            }
        },
        Finding::Integrity { total: 0, .. } => "aucun problème".to_owned(),
        Finding::Integrity { total, .. } => {
            format!(
                "{} trouvé(s)",
                plural(*total as u64, "problème", "problèmes")
            )
        }
    };
    format!("{what} : {state}")
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The technical lines of the checks that did not pass.
fn problem_details(d: &Diagnosis) -> String {
    let lines: Vec<String> = d
        .checks
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Failed | Outcome::Warning))
        .map(|c| format!("{} — {}", check_label(c), c.detail))
        .collect();
    if lines.is_empty() {
        format!(
            "Base de données : {}\nTous les contrôles sont bons.",
            d.store_path.display()
        )
    } else {
        format!(
            "Base de données : {}\n{}",
            d.store_path.display(),
            lines.join("\n")
        )
    }
}

/// What a diagnosis concludes, in plain words, with the next step.
pub fn conclusion(d: &Diagnosis) -> Explanation {
    let path = d.store_path.display();
    let details = problem_details(d);
    match &d.conclusion {
        Conclusion::Healthy => explain(
            "Base de données en bon état",
            format!(
                "Tous les contrôles sont bons : la base de données « {path} » est accessible, \
                 lisible et intacte."
            ),
            "Impact emploi peut l'ouvrir normalement.",
            "Si Impact emploi affiche encore une erreur, redémarrez l'ordinateur puis \
             relancez-le ; si le problème persiste, contactez votre informaticien et \
             donnez-lui le rapport ci-dessous.",
            details,
        ),
        Conclusion::FolderUnreachable {
            folder,
            problem,
            network,
        } => {
            let folder = folder.display();
            let what = match problem {
                FolderProblem::NoAnswer => format!(
                    "Le chemin réseau n'a pas été trouvé : le dossier « {folder} » ne répond pas."
                ),
                FolderProblem::Missing if *network => format!(
                    "Le chemin réseau n'a pas été trouvé : le dossier « {folder} » est \
                     introuvable."
                ),
                FolderProblem::Missing => format!(
                    "Le dossier « {folder} » est introuvable : le partage réseau est peut-être \
                     déconnecté, ou le dossier a été renommé ou déplacé."
                ),
                FolderProblem::NotAFolder => format!(
                    "« {folder} » est un fichier, alors qu'un dossier est attendu à cet endroit \
                     du chemin de la base."
                ),
                FolderProblem::System(e) => format!(
                    "Le dossier « {folder} » est inaccessible. {}",
                    system_error(*e)
                ),
            };
            explain(
                TITLE_UNREACHABLE,
                what,
                WHY_STORE,
                format!(
                    "{TODO_NETWORK} Si la base a été déplacée, choisissez-la de nouveau avec \
                     « Changer de base de données »."
                ),
                details,
            )
        }
        Conclusion::FileMissing { folder } => explain(
            TITLE_UNREACHABLE,
            format!(
                "Le dossier « {} » est accessible, mais le fichier spécifié est introuvable : \
                 « {} » n'y est pas.",
                folder.display(),
                file_name(&d.store_path)
            ),
            WHY_STORE,
            "Ouvrez ce dossier avec l'explorateur de fichiers et vérifiez que la base n'a pas \
             été renommée, déplacée ou supprimée. Si elle a changé de place, choisissez-la de \
             nouveau avec « Changer de base de données ». Sinon, contactez votre informaticien \
             et donnez-lui le rapport ci-dessous : il pourra la restaurer depuis une sauvegarde.",
            details,
        ),
        Conclusion::NotAFile => explain(
            TITLE_UNREACHABLE,
            format!("« {path} » est un dossier, pas le fichier d'une base de données."),
            WHY_STORE,
            "Choisissez le fichier de la base lui-même (par exemple impact-emploi.iea), pas le \
             dossier qui le contient, avec « Changer de base de données ».",
            details,
        ),
        Conclusion::PermissionDenied {
            path: denied,
            item,
            can_read,
            can_write,
        } => {
            let denied = denied.display();
            let what = match (item, can_read, can_write) {
                (Item::Folder, false, _) => format!(
                    "Accès refusé : votre session ne peut pas ouvrir le dossier « {denied} »."
                ),
                (Item::Folder, true, _) => format!(
                    "Accès refusé : votre session ne peut pas créer de fichiers dans le dossier \
                     « {denied} », ce dont Impact emploi a besoin à chaque enregistrement."
                ),
                (Item::File, false, _) => format!(
                    "Accès refusé : votre session ne peut pas lire la base de données \
                     « {denied} »."
                ),
                (Item::File, true, _) => format!(
                    "Accès refusé : votre session peut lire la base de données « {denied} », \
                     mais pas la modifier."
                ),
            };
            explain(
                TITLE_UNREACHABLE,
                what,
                WHY_STORE,
                todo_rights(REPORT_BELOW),
                details,
            )
        }
        Conclusion::Locked { holders } => {
            let who = if holders.is_empty() {
                "un autre programme ou un autre poste".to_owned()
            } else {
                holders_list(holders)
            };
            explain(
                "Base de données occupée",
                format!("La base de données « {path} » est bloquée par {who}."),
                "Pour protéger les paies, un seul programme à la fois peut modifier la base : \
                 tant qu'elle est bloquée, Impact emploi ne peut pas enregistrer.",
                "Attendez la fin de l'opération en cours (sauvegarde, clôture, saisie sur un \
                 autre poste) puis réessayez. Si la base reste bloquée, fermez ce programme ou \
                 Impact emploi sur les autres postes, ou redémarrez l'ordinateur ; si le \
                 problème persiste, contactez votre informaticien et donnez-lui le rapport \
                 ci-dessous.",
                details,
            )
        }
        Conclusion::NotADatabase => not_a_database(&path, details),
        Conclusion::NotAStore => not_a_store(&path, details),
        Conclusion::Corrupt { problems } => explain(
            TITLE_DAMAGED_STORE,
            format!(
                "La base de données « {path} » est endommagée ({}).",
                plural(
                    problems.len() as u64,
                    "problème relevé",
                    "problèmes relevés"
                )
            ),
            "Continuer à travailler dessus pourrait aggraver les dégâts et fausser les paies.",
            TODO_CORRUPT,
            format!("{details}\n{}", problems.join("\n")),
        ),
        Conclusion::TooNew { found, supported } => too_new(&path, *found, *supported, details),
        Conclusion::DiskFull { available_bytes } => explain(
            TITLE_DISK_FULL,
            format!(
                "Le disque qui contient la base de données « {path} » est plein (il reste {}).",
                human_size(*available_bytes)
            ),
            "Impact emploi ne peut plus rien enregistrer dans la base ; les données déjà \
             enregistrées restent intactes.",
            TODO_DISK_FULL,
            details,
        ),
        Conclusion::LowSpace {
            available_bytes,
            store_bytes,
        } => explain(
            "Disque presque plein",
            format!(
                "La base de données fonctionne, mais le disque qui la contient est presque \
                 plein : il reste {} pour une base de {}.",
                human_size(*available_bytes),
                human_size(*store_bytes)
            ),
            "Quand le disque sera plein, Impact emploi ne pourra plus enregistrer les paies \
             ni faire de sauvegarde.",
            TODO_DISK_FULL,
            details,
        ),
        Conclusion::Other { cause } => explain(
            TITLE_UNREACHABLE,
            format!("Une erreur inattendue empêche d'utiliser la base de données « {path} »."),
            WHY_STORE,
            "Redémarrez l'ordinateur puis relancez Impact emploi ; si le problème persiste, \
             contactez votre informaticien et donnez-lui le rapport ci-dessous.",
            format!("{details}\nMessage technique : {}", other_cause(cause)),
        ),
    }
}

/// The technical line of [`Conclusion::Other`]. A closing in progress is said in
/// full: its French says who runs it and since when.
fn other_cause(cause: &OtherCause) -> String {
    match cause {
        OtherCause::System { technical, .. } => technical.clone(),
        OtherCause::Store { fault } => match fault.kind {
            StoreFaultKind::ClosingInProgress { .. } => store_fault(fault).one_line(),
            _ => fault.technical.clone(),
        },
    }
}

fn outcome_mark(o: Outcome) -> &'static str {
    match o {
        Outcome::Ok => "✔",
        Outcome::Warning => "⚠",
        Outcome::Failed => "✘",
        Outcome::Skipped => "–",
    }
}

/// "02/05/2024 à 14:03:12" from an RFC 3339 date, or the text as is.
fn french_date(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339).map_or_else(
        |_| rfc3339.to_owned(),
        |t| t.format("%d/%m/%Y à %H:%M:%S (UTC%:z)").to_string(),
    )
}

/// A plain-text report of a diagnosis to copy for the IT contact: date, program
/// version, store, every check with ✔/⚠/✘ and its technical detail, the conclusion
/// and the next step. Holds no secret: only paths, rights, sizes and system errors.
pub fn diagnosis_report(d: &Diagnosis) -> String {
    let c = conclusion(d);
    let mut lines = vec![
        "Rapport de diagnostic de la base de données – Impact emploi association".to_owned(),
        format!("Date : {}", french_date(&d.at)),
        format!(
            "Programme : iea-maintenance {}",
            crate::updates::program_version()
        ),
        format!("Base de données : {}", d.store_path.display()),
        String::new(),
        format!("Conclusion : {}", c.title),
        c.what,
        format!("Que faire : {}", c.todo),
        String::new(),
        "Contrôles (✔ bon, ⚠ à surveiller, ✘ en échec, – non vérifié) :".to_owned(),
    ];
    for check in &d.checks {
        lines.push(format!(
            "{} {}",
            outcome_mark(check.outcome),
            check_label(check)
        ));
        if !check.detail.is_empty() {
            lines.push(format!("    {}", check.detail));
        }
    }
    if let Conclusion::Corrupt { problems } = &d.conclusion {
        lines.push(String::new());
        lines.push("Problèmes relevés par le contrôle d'intégrité :".to_owned());
        lines.extend(problems.iter().map(|p| format!("    {p}")));
    }
    lines.push(String::new());
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::diagnose;
    use crate::jobs::JobKind;
    use std::path::PathBuf;

    fn assert_french(e: &Explanation) {
        for (name, text) in [
            ("title", &e.title),
            ("what", &e.what),
            ("why", &e.why),
            ("todo", &e.todo),
            ("details", &e.details),
        ] {
            assert!(!text.trim().is_empty(), "empty {name} in {e:#?}");
        }
        assert!(
            !e.what.contains('\u{2019}'),
            "typographic apostrophe in {e:#?}"
        );
        let shown = e.to_string();
        assert!(
            shown.starts_with(&e.title) && shown.contains(&e.todo),
            "{shown}"
        );
    }

    fn sqlite_error() -> rusqlite::Error {
        rusqlite::Connection::open_in_memory()
            .expect("memory")
            .execute("SELECT * FROM absente", [])
            .expect_err("no such table")
    }

    #[test]
    fn whole_numbers_are_grouped_by_thousands() {
        assert_eq!(integer(0), "0");
        assert_eq!(integer(999), "999");
        assert_eq!(integer(100_000), "100\u{202f}000");
        assert_eq!(integer(-1_234_567), "-1\u{202f}234\u{202f}567");
        assert_eq!(
            integer(i128::from(u64::MAX)),
            "18\u{202f}446\u{202f}744\u{202f}073\u{202f}709\u{202f}551\u{202f}615"
        );
    }

    #[test]
    fn an_unknown_dossier_names_the_dossiers_there_are() {
        let x = dossier_error(&crate::closing::DossierError::Unknown {
            name: "Inconnu".to_owned(),
            known: vec!["Asso".to_owned(), "Centre social".to_owned()],
        });
        assert_french(&x);
        assert_eq!(x.what, "Aucun dossier ne s'appelle « Inconnu ».");
        assert_eq!(x.todo, "Dossiers : « Asso », « Centre social ».");
    }

    #[test]
    fn every_store_error_has_french_text() {
        let p = || PathBuf::from("/srv/partage/compta/paie.iea");
        let all = [
            StoreError::FolderNotFound {
                path: p(),
                folder: PathBuf::from("/srv/partage"),
            },
            StoreError::FileNotFound { path: p() },
            StoreError::NotAFile { path: p() },
            StoreError::PermissionDenied { path: p() },
            StoreError::Locked { path: p() },
            StoreError::NotADatabase { path: p() },
            StoreError::NotAStore { path: p() },
            StoreError::Corrupt {
                path: p(),
                detail: "database disk image is malformed".into(),
            },
            StoreError::TooNew {
                path: p(),
                found: 3,
                supported: 1,
            },
            StoreError::AlreadyExists { path: p() },
            StoreError::DiskFull { path: p() },
            StoreError::Sqlite {
                path: p(),
                source: sqlite_error(),
            },
            StoreError::Io {
                path: p(),
                source: io::Error::from(io::ErrorKind::NotFound),
            },
        ];
        for e in &all {
            let x = store_error(e);
            assert_french(&x);
            assert!(x.what.contains("/srv/partage"), "{x:#?}");
        }
        let x = store_error(&all[0]);
        assert_eq!(x.title, "Base de données inaccessible");
        assert!(
            x.what.contains("le chemin réseau n'a pas été trouvé"),
            "{x:#?}"
        );
        assert!(
            x.details.contains("Le chemin réseau n'a pas été trouvé."),
            "{x:#?}"
        );
        assert!(x.todo.contains("contactez votre informaticien"), "{x:#?}");
        assert!(
            store_error(&all[1])
                .what
                .contains("Le fichier spécifié est introuvable")
        );
        assert!(store_error(&all[3]).what.contains("Accès refusé"));
        assert!(
            store_error(&all[6])
                .todo
                .contains("Ne choisissez pas ce fichier")
        );
        let corrupt = store_error(&all[7]);
        assert!(
            corrupt.todo.contains("Restaurez la dernière sauvegarde"),
            "{corrupt:#?}"
        );
        assert!(corrupt.todo.contains("Ne continuez pas"), "{corrupt:#?}");
        assert!(store_error(&all[8]).todo.contains("Mettez à jour"));
        assert!(
            store_error(&all[12])
                .what
                .contains("Le fichier spécifié est introuvable.")
        );
    }

    #[test]
    fn system_errors_read_in_french() {
        assert_eq!(
            io_error(&io::Error::from(io::ErrorKind::NotFound)),
            "Le fichier spécifié est introuvable."
        );
        assert_eq!(
            io_error(&io::Error::from(io::ErrorKind::PermissionDenied)),
            "Accès refusé."
        );
        assert_eq!(
            io_error(&io::Error::from(io::ErrorKind::HostUnreachable)),
            "Le chemin réseau n'a pas été trouvé."
        );
    }

    fn every_value_problem() -> Vec<ValueProblem> {
        vec![
            ValueProblem::BadUrl,
            ValueProblem::BadScheme,
            ValueProblem::HttpInSecureMode,
            ValueProblem::PortOutOfRange,
            ValueProblem::MissingProxyHost,
            ValueProblem::BadHost,
            ValueProblem::BadEmail,
            ValueProblem::EmptyPath,
            ValueProblem::UnknownChoice {
                allowed: &["normal", "extended", "secure"],
            },
            ValueProblem::WrongType {
                detail: "invalid type: string \"abc\", expected i64".into(),
            },
        ]
    }

    #[test]
    fn every_value_problem_has_a_french_sentence() {
        for p in every_value_problem() {
            let s = value_problem(&p);
            assert!(s.ends_with('.') && s.len() > 20, "{p:?}: {s}");
        }
        assert_eq!(
            value_problem(&ValueProblem::HttpInSecureMode),
            "Le mode Sécurisé n'accepte que les adresses https://."
        );
        assert_eq!(
            value_problem(&ValueProblem::PortOutOfRange),
            "Le port doit être compris entre 1 et 65535."
        );
        let choice = value_problem(&ValueProblem::UnknownChoice {
            allowed: &["normal", "extended", "secure"],
        });
        for allowed in ["« normal »", "« extended »", "« secure » (Sécurisé)"] {
            assert!(choice.contains(allowed), "{choice}");
        }
        assert!(
            value_problem(&ValueProblem::WrongType {
                detail: "invalid type: string \"abc\", expected i64".into()
            })
            .contains("nombre")
        );
    }

    #[test]
    fn config_errors_name_the_file_line_and_key() {
        let path = PathBuf::from("/home/paie/.iea/config.toml");
        for problem in every_value_problem() {
            let e = ConfigError::Invalid {
                path: path.clone(),
                line: 4,
                key: "connection.auth_url".into(),
                problem: problem.clone(),
            };
            let x = config_error(&e);
            assert_french(&x);
            assert!(x.what.contains("config.toml"), "{x:#?}");
            assert!(x.what.contains("ligne 4"), "{x:#?}");
            assert!(x.what.contains("connection.auth_url"), "{x:#?}");
            assert!(x.what.contains(&value_problem(&problem)), "{x:#?}");
        }
        let e = ConfigError::UnknownKey {
            path: path.clone(),
            line: 7,
            key: "auth_ulr".into(),
        };
        let x = config_error(&e);
        assert_french(&x);
        assert!(
            x.what.contains("Ligne 7") && x.what.contains("auth_ulr"),
            "{x:#?}"
        );
        let x = config_error(&ConfigError::Syntax {
            path: path.clone(),
            line: 3,
            detail: "unterminated string".into(),
        });
        assert_french(&x);
        assert!(
            x.what.contains("ligne 3") && x.details.contains("unterminated"),
            "{x:#?}"
        );
        for e in [
            ConfigError::Read {
                path: path.clone(),
                source: io::Error::from(io::ErrorKind::PermissionDenied),
            },
            ConfigError::Write {
                path,
                source: io::Error::from(io::ErrorKind::StorageFull),
            },
        ] {
            let x = config_error(&e);
            assert_french(&x);
            assert!(x.what.contains("config.toml"), "{x:#?}");
        }
    }

    /// Regression: `Display` dropped `details`, so the technical part of an
    /// explanation never reached the command line or the log.
    #[test]
    fn an_explanation_written_out_keeps_its_details() {
        let e = explain(
            "Titre",
            "Ce qui s'est passé.",
            "Pourquoi.",
            "Que faire.",
            "os error 13",
        );
        assert_eq!(
            e.to_string(),
            "Titre\n\nCe qui s'est passé.\n\nPourquoi.\n\nQue faire.\n\nDétails techniques :\nos error 13"
        );
        let without = explain("Titre", "Quoi.", "", "", "");
        assert_eq!(without.to_string(), "Titre\n\nQuoi.");
    }

    #[test]
    fn a_real_config_error_reads_well() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = crate::home::Home::at(dir.path());
        let text =
            "[connection]\nmode = \"secure\"\n\nauth_url = \"http://impact-emploi.urssaf.fr\"\n";
        let e = crate::config::Config::parse(text, &home.config_file(), &home).expect_err("http");
        let x = config_error(&e);
        assert!(x.what.contains("ligne 4"), "{x:#?}");
        assert!(
            x.what.contains("Adresse du serveur d'authentification"),
            "{x:#?}"
        );
        assert!(
            x.what
                .contains("Le mode Sécurisé n'accepte que les adresses https://"),
            "{x:#?}"
        );
    }

    #[test]
    fn job_and_home_errors_have_french_text() {
        let x = job_error(&JobError::AlreadyRunning {
            kind: JobKind::Demo,
            holder_pid: Some(1234),
        });
        assert_french(&x);
        assert_eq!(
            x.what,
            "La création de la base de démonstration est déjà en cours (processus 1234)."
        );
        for e in [
            JobError::AlreadyRunning {
                kind: JobKind::StoreSwitch,
                holder_pid: None,
            },
            JobError::Cancelled,
            JobError::Lock {
                path: PathBuf::from("/iea/locks/demo.lock"),
                source: io::Error::from(io::ErrorKind::PermissionDenied),
            },
        ] {
            assert_french(&job_error(&e));
        }
        for e in [
            HomeError::NoDataFolder,
            HomeError::CreateFolder {
                path: PathBuf::from("/iea"),
                source: io::Error::from(io::ErrorKind::ReadOnlyFilesystem),
            },
        ] {
            assert_french(&home_error(&e));
        }
    }

    #[test]
    fn display_shows_title_then_paragraphs() {
        let x = store_error(&StoreError::FileNotFound {
            path: PathBuf::from("/p.iea"),
        });
        let shown = x.to_string();
        assert_eq!(
            shown,
            format!(
                "{}\n\n{}\n\n{}\n\n{}\n\nDétails techniques :\n{}",
                x.title,
                x.what,
                x.why,
                x.todo,
                x.details.trim()
            )
        );
    }

    fn synthetic(conclusion: Conclusion) -> Diagnosis {
        Diagnosis {
            store_path: PathBuf::from("/srv/partage/paie.iea"),
            checks: Vec::new(),
            conclusion,
            at: "2024-05-02T14:03:12+02:00".into(),
        }
    }

    #[test]
    fn every_conclusion_has_a_next_step() {
        let holder = LockHolder {
            pid: 4321,
            program: "iea-maintenance".into(),
            writing: true,
        };
        let all = [
            Conclusion::Healthy,
            Conclusion::FolderUnreachable {
                folder: PathBuf::from("/srv/partage"),
                problem: FolderProblem::NoAnswer,
                network: true,
            },
            Conclusion::FolderUnreachable {
                folder: PathBuf::from("/srv/partage"),
                problem: FolderProblem::Missing,
                network: false,
            },
            Conclusion::FolderUnreachable {
                folder: PathBuf::from("/srv/partage"),
                problem: FolderProblem::NotAFolder,
                network: false,
            },
            Conclusion::FolderUnreachable {
                folder: PathBuf::from("/srv/partage"),
                problem: FolderProblem::System(SystemError::Disconnected),
                network: true,
            },
            Conclusion::FileMissing {
                folder: PathBuf::from("/srv/partage"),
            },
            Conclusion::NotAFile,
            Conclusion::PermissionDenied {
                path: PathBuf::from("/srv/partage"),
                item: Item::Folder,
                can_read: true,
                can_write: false,
            },
            Conclusion::Locked {
                holders: vec![holder.clone()],
            },
            Conclusion::Locked { holders: vec![] },
            Conclusion::NotADatabase,
            Conclusion::NotAStore,
            Conclusion::Corrupt {
                problems: vec!["Tree 4 page 4: btreeInitPage() returns error code 11".into()],
            },
            Conclusion::TooNew {
                found: 2,
                supported: 1,
            },
            Conclusion::DiskFull {
                available_bytes: 4096,
            },
            Conclusion::LowSpace {
                available_bytes: 50 * 1024 * 1024,
                store_bytes: 40 * 1024 * 1024,
            },
            Conclusion::Other {
                cause: OtherCause::System {
                    error: SystemError::Other,
                    technical: "disk I/O error".into(),
                },
            },
        ];
        for c in all {
            let x = conclusion(&synthetic(c));
            assert_french(&x);
        }
        // A closing in progress is said in full, with who runs it.
        let closing = StoreError::ClosingInProgress {
            path: PathBuf::from("/srv/paie/base.iea"),
            host: "POSTE-PAIE-02".into(),
            started_at: "2026-01-05T09:00:00+01:00".into(),
        };
        let x = conclusion(&synthetic(Conclusion::Other {
            cause: OtherCause::Store {
                fault: closing.fault(),
            },
        }));
        assert!(
            x.details.contains("Message technique : Clôture en cours")
                && x.details.contains("sur POSTE-PAIE-02 depuis"),
            "{x:#?}"
        );
        let x = conclusion(&synthetic(Conclusion::FolderUnreachable {
            folder: PathBuf::from("/srv/partage"),
            problem: FolderProblem::NoAnswer,
            network: true,
        }));
        assert!(x.todo.starts_with(TODO_NETWORK), "{x:#?}");
        assert!(
            x.what.contains("Le chemin réseau n'a pas été trouvé"),
            "{x:#?}"
        );
        let x = conclusion(&synthetic(Conclusion::Locked {
            holders: vec![holder],
        }));
        assert!(
            x.what.contains("« iea-maintenance » (processus 4321)"),
            "{x:#?}"
        );
    }

    #[test]
    fn report_holds_the_path_and_every_check() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("partage").join("paie.iea");
        let d = diagnose(&path);
        let report = diagnosis_report(&d);
        assert!(report.contains(&path.display().to_string()), "{report}");
        assert!(
            report.contains(crate::updates::program_version()),
            "{report}"
        );
        assert!(report.contains("Base de données inaccessible"), "{report}");
        assert!(report.contains("✘ Dossier"), "{report}");
        for c in &d.checks {
            assert!(
                report.contains(&check_label(c)),
                "missing {c:?} in {report}"
            );
        }
        let x = conclusion(&d);
        assert!(report.contains(&x.todo), "{report}");
    }

    #[test]
    fn healthy_report_and_labels() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("paie.iea");
        drop(crate::store::Store::create(&path).expect("create"));
        let mut d = diagnose(&path);
        d.at = "2024-05-02T14:03:12+02:00".into();
        let report = diagnosis_report(&d);
        assert!(report.contains("Date : 02/05/2024 à 14:03:12"), "{report}");
        assert!(report.contains("Base de données en bon état"), "{report}");
        assert!(report.contains("✔ Dossier / : accessible"), "{report}");
        assert!(
            report.contains("Contrôle d'intégrité de la base : aucun problème"),
            "{report}"
        );
        assert!(!report.lines().any(|l| l.starts_with('✘')), "{report}");
        assert!(
            report.contains("lecture et écriture autorisées"),
            "{report}"
        );
        let labels: Vec<String> = d.checks.iter().map(check_label).collect();
        // The store and its gate (`.paie.iea.verrou`, see `store::gate`).
        assert!(
            labels.contains(&format!(
                "Contenu du dossier {} : lisible (2 éléments)",
                dir.path().display()
            )),
            "{labels:#?}"
        );
    }

    #[test]
    fn demo_errors_say_the_existing_store_was_left_alone() {
        use crate::demo::DemoError;
        use std::path::PathBuf;
        let path = PathBuf::from("/srv/paie/impact-emploi.iea");
        for e in [
            DemoError::Exists { path: path.clone() },
            DemoError::NotAStore { path: path.clone() },
            DemoError::StoreInUse { path: path.clone() },
            DemoError::Io {
                path: path.clone(),
                source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
            },
            DemoError::Verification {
                path,
                detail: "compte".into(),
            },
        ] {
            let x = demo_error(&e);
            assert!(!x.title.is_empty() && !x.what.is_empty() && !x.todo.is_empty());
            assert!(x.why.contains("n'a pas été modifiée"), "{x}");
        }
        let x = demo_error(&DemoError::Exists {
            path: PathBuf::from("/srv/x.iea"),
        });
        assert!(
            x.what.contains("existe déjà") && x.todo.contains("--force"),
            "{x}"
        );
    }
}
