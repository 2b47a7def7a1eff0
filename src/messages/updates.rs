//! The updates in French: "Gérer les mises à jour", its steps and its refusals,
//! the database update and "Rapport mise à jour caisses OPCO.txt", with the
//! words of the seed's guides ("Actualiser", "Télécharger / Installer",
//! "Mise à jour de la base de données").

use std::fmt::Write as _;

use super::{
    Explanation, Notification, explain, integer, io_error, job_error, session_who, store_error,
};
use crate::fsutil::human_size;
use crate::store::sessions::SessionInfo;
use crate::updates::database::{DatabaseUpdateError, DatabaseUpdated};
use crate::updates::download::DownloadError;
use crate::updates::install::{InstallError, Installed, RolledBack};
use crate::updates::manifest::{ManifestError, Refusal, Release};
use crate::updates::report::{OpcoReport, Unmatched};

/// The title of the screen and of the menu of the centre.
pub const UPDATES_TITLE: &str = "Gérer les mises à jour";

/// What the database update asks before it starts (it refuses while someone
/// is connected, and names who).
pub const CLOSE_EVERY_WORKSTATION_FOR_DATABASE: &str = "Fermez le logiciel sur chaque poste si \
     vous êtes en réseau : la base de données n'est mise à jour que lorsque plus personne n'y \
     est connecté.";

/// The warning of the second step (seed 002), enforced.
pub const CLOSE_EVERY_WORKSTATION: &str = "Vérifiez que le logiciel est bien fermé sur chaque \
     poste si vous êtes en réseau : l'installation attend que plus personne ne soit connecté \
     à la base de données.";

const TODO_CONNECTION: &str = "Vérifiez la connexion avec « Paramètres de connexion » puis \
     « Tester l'accès aux serveurs », et cliquez de nouveau sur « Actualiser ».";

const TODO_SUPPORT: &str = "Ne l'installez pas. Cliquez de nouveau sur « Actualiser » plus \
     tard ; si le refus se répète, prévenez l'assistance \
     (impact-emploi-association@urssaf.fr) en recopiant ce message.";

/// A date `AAAA-MM-JJ` as `JJ/MM/AAAA` (as given when it is not one).
pub fn iso_date_fr(iso: &str) -> String {
    chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .map_or_else(|_| iso.to_owned(), |d| d.format("%d/%m/%Y").to_string())
}

/// Why a manifest was refused, in one sentence.
pub fn refusal_text(r: &Refusal) -> String {
    match r {
        Refusal::SignatureUnreadable => {
            "la signature de la liste des mises à jour est illisible".to_owned()
        }
        Refusal::UnknownKey => "la liste des mises à jour est signée par une clé inconnue de \
             ce programme"
            .to_owned(),
        Refusal::BadSignature => "la signature ne correspond pas à la liste des mises à jour \
             (liste modifiée, ou signature d'une autre liste)"
            .to_owned(),
        Refusal::CommentMismatch { sequence, .. } => {
            format!("la signature ne porte pas le numéro de la liste des mises à jour ({sequence})")
        }
        Refusal::NotJson { .. } => "la liste des mises à jour est illisible".to_owned(),
        Refusal::WrongProduct { product } => {
            format!("la liste des mises à jour est celle d'un autre logiciel ({product})")
        }
        Refusal::Replay { sequence, highest } => format!(
            "c'est une ancienne liste des mises à jour (numéro {sequence}, alors que ce poste a \
             déjà reçu le numéro {highest}) : le serveur rejoue une liste périmée"
        ),
        Refusal::Expired { expires } => format!(
            "la liste des mises à jour a expiré le {} : le serveur n'est plus tenu à jour",
            expires
                .with_timezone(&chrono::Local)
                .format("%d/%m/%Y à %H:%M")
        ),
    }
}

/// Why "Actualiser" gave no list.
pub fn manifest_error(e: &ManifestError) -> Explanation {
    match e {
        ManifestError::Config(e) => super::config_error(e),
        ManifestError::Secret(e) => super::secret_error(e),
        ManifestError::Client(e) => super::client_error(e),
        ManifestError::BadAddress { url } => explain(
            "Adresse du serveur de mise à jour incorrecte",
            format!("L'adresse « {url} » ne permet pas de trouver la liste des mises à jour."),
            "",
            "Corrigez l'« Adresse du serveur de mise à jour » dans « Paramètres de connexion ».",
            url.clone(),
        ),
        ManifestError::Unreachable { url, detail } => explain(
            "Serveur de mise à jour injoignable",
            "Le serveur de mise à jour n'a pas répondu.",
            "Aucune mise à jour n'a été téléchargée ; le programme installé continue de \
             fonctionner.",
            TODO_CONNECTION,
            format!("{url} : {detail}"),
        ),
        ManifestError::Status { url, status } => explain(
            "Serveur de mise à jour",
            format!(
                "Le serveur de mise à jour a répondu, mais sans la liste des mises à jour (code \
                 {status})."
            ),
            "Aucune mise à jour n'a été téléchargée.",
            TODO_CONNECTION,
            format!("{url} : HTTP {status}"),
        ),
        ManifestError::Refused { refusal, url } => explain(
            "Liste des mises à jour refusée",
            format!(
                "La liste des mises à jour a été refusée : {}.",
                refusal_text(refusal)
            ),
            "Le programme n'installe que des mises à jour dont il a vérifié la provenance : \
             rien de cette liste n'a été utilisé.",
            TODO_SUPPORT,
            format!("{url} : {refusal}"),
        ),
        ManifestError::NoneAccepted => explain(
            "Liste des mises à jour",
            "Aucune liste des mises à jour n'a encore été reçue sur ce poste.",
            "",
            "Cliquez d'abord sur « Actualiser » (en ligne de commande : iea-maintenance update \
             check).",
            String::new(),
        ),
        ManifestError::Io { path, source } => explain(
            "Mises à jour",
            format!(
                "Le fichier « {} » n'a pas pu être écrit ou lu.",
                path.display()
            ),
            io_error(source),
            "Vérifiez la place libre et vos droits sur le dossier IEA_HOME, puis réessayez.",
            source.to_string(),
        ),
    }
}

/// Why a package was not downloaded.
pub fn download_error(e: &DownloadError) -> Explanation {
    const WHY_REFUSED: &str = "Un paquet qui ne correspond pas exactement à la liste signée n'est \
         jamais installé ; il a été supprimé.";
    match e {
        DownloadError::Manifest(e) => manifest_error(e),
        DownloadError::UnknownVersion { version } => explain(
            "Version inconnue",
            format!("La version {version} n'est pas dans la liste des mises à jour."),
            "",
            "Cliquez sur « Actualiser » et choisissez une version de la liste (en ligne de \
             commande : iea-maintenance update check).",
            String::new(),
        ),
        DownloadError::NothingNewer => explain(
            "Aucune mise à jour",
            format!(
                "Aucune version plus récente que la version installée ({}) n'est proposée.",
                crate::updates::program_version()
            ),
            "",
            "",
            String::new(),
        ),
        DownloadError::NoPackage { version, target } => explain(
            "Pas de paquet pour ce poste",
            format!("La version {version} n'est pas proposée pour ce type d'ordinateur."),
            "",
            "Prévenez l'assistance.",
            target.clone(),
        ),
        DownloadError::Unreachable { url, detail } => explain(
            "Téléchargement impossible",
            "Le serveur de mise à jour n'a pas répondu.",
            "Rien n'a été installé.",
            TODO_CONNECTION,
            format!("{url} : {detail}"),
        ),
        DownloadError::Status { url, status } => explain(
            "Téléchargement impossible",
            format!("Le serveur de mise à jour a refusé le téléchargement (code {status})."),
            "Rien n'a été installé.",
            "Réessayez plus tard ; si cela se répète, prévenez l'assistance.",
            format!("{url} : HTTP {status}"),
        ),
        DownloadError::Interrupted { done, size, detail } => explain(
            "Téléchargement interrompu",
            format!(
                "Le téléchargement s'est interrompu après {} sur {}.",
                human_size(*done),
                human_size(*size)
            ),
            "Ce qui a été reçu est conservé : le téléchargement reprendra là où il s'est \
             arrêté.",
            "Cliquez de nouveau sur « Télécharger » (en ligne de commande : iea-maintenance \
             update download).",
            detail.clone(),
        ),
        DownloadError::SizeMismatch { expected, found } => explain(
            "Paquet refusé",
            format!(
                "Le paquet reçu n'a pas la taille annoncée par la liste des mises à jour ({} au \
                 lieu de {}).",
                integer(i128::from(*found)),
                integer(i128::from(*expected))
            ),
            WHY_REFUSED,
            TODO_SUPPORT,
            format!("taille {found} au lieu de {expected}"),
        ),
        DownloadError::ShaMismatch { expected, found } => explain(
            "Paquet refusé",
            "Le paquet reçu ne correspond pas à son empreinte SHA-256 dans la liste des mises à \
             jour.",
            WHY_REFUSED,
            TODO_SUPPORT,
            format!("SHA-256 {found} au lieu de {expected}"),
        ),
        DownloadError::Job(e) => job_error(e),
        DownloadError::Io { path, source } => explain(
            "Téléchargement impossible",
            format!("Le fichier « {} » n'a pas pu être écrit.", path.display()),
            io_error(source),
            "Vérifiez la place libre sur le disque, puis réessayez.",
            source.to_string(),
        ),
    }
}

/// Who is connected, one line each.
pub fn sessions_list(sessions: &[SessionInfo]) -> String {
    sessions
        .iter()
        .map(|s| format!("– {}", session_who(s)))
        .collect::<Vec<_>>()
        .join("\n")
}

fn sessions_open(sessions: &[SessionInfo], action: &str) -> Explanation {
    explain(
        "Postes encore connectés",
        format!(
            "Impact emploi est encore ouvert sur la base de données :\n{}",
            sessions_list(sessions)
        ),
        &format!(
            "{action} demande que le logiciel soit fermé sur chaque poste, pour que personne ne \
             travaille sur la base pendant ce temps. Rien n'a été modifié."
        ),
        "Demandez à chacun de quitter Impact emploi, puis recommencez. Une session restée \
         ouverte après un arrêt brutal d'un poste se ferme avec « Déconnecter » (en ligne de \
         commande : iea-maintenance sessions disconnect NUMÉRO).",
        String::new(),
    )
}

/// Why a version was not installed, or not put back.
pub fn install_error(e: &InstallError) -> Explanation {
    match e {
        InstallError::NoProgramPath => explain(
            "Installation impossible",
            "Le programme ne retrouve pas son propre fichier.",
            "Rien n'a été modifié.",
            "Relancez le programme depuis son emplacement habituel, puis réessayez.",
            String::new(),
        ),
        InstallError::NotNewer { version, installed } => explain(
            "Version déjà installée",
            format!(
                "La version {version} n'est pas plus récente que la version installée \
                 ({installed})."
            ),
            "",
            "Choisissez une version plus récente dans la liste.",
            String::new(),
        ),
        InstallError::TooOld {
            version,
            installed,
            min_version,
        } => explain(
            "Mise à jour intermédiaire nécessaire",
            format!(
                "La version {version} ne s'installe que sur la version {min_version} ou plus \
                 récente ; la version installée est la {installed}."
            ),
            "Rien n'a été modifié.",
            format!(
                "Installez d'abord une version entre {min_version} et {version}, puis celle-ci."
            ),
            String::new(),
        ),
        InstallError::NotDownloaded { version } => explain(
            "Mise à jour non téléchargée",
            format!("La mise à jour {version} n'est pas encore téléchargée."),
            "",
            "Cliquez d'abord sur « Télécharger » (en ligne de commande : iea-maintenance update \
             download).",
            String::new(),
        ),
        InstallError::BadPackage { detail } => explain(
            "Paquet refusé",
            "Le paquet ne contient pas le programme pour ce poste.",
            "Rien n'a été modifié : le programme installé continue de fonctionner.",
            TODO_SUPPORT,
            detail.clone(),
        ),
        InstallError::SessionsOpen { sessions } => sessions_open(sessions, "L'installation"),
        InstallError::SelfCheckFailed { detail } => explain(
            "Nouveau programme refusé",
            "Le nouveau programme n'a pas passé sa vérification : il n'a pas donné sa version \
             comme attendu.",
            "Il n'a pas été installé : le programme actuel est resté en place et continue de \
             fonctionner.",
            TODO_SUPPORT,
            detail.clone(),
        ),
        InstallError::RolledBack { version, previous } => explain(
            "Retour à la version précédente",
            format!(
                "La version {version} a été installée, mais le gestionnaire de services n'a pas \
                 redémarré avec elle. La version {previous} a été remise en place \
                 automatiquement."
            ),
            "Impact emploi fonctionne comme avant la mise à jour ; vos données n'ont pas été \
             modifiées.",
            "Prévenez l'assistance (impact-emploi-association@urssaf.fr) en indiquant la \
             version refusée ; réessayez quand une correction sera livrée.",
            format!("{version} -> {previous}"),
        ),
        InstallError::RollbackFailed { version, detail } => explain(
            "Retour à la version précédente impossible",
            format!(
                "La version {version} ne démarre pas, et la version précédente n'a pas pu être \
                 remise en place automatiquement."
            ),
            "Vos données n'ont pas été modifiées.",
            "Lancez « iea-maintenance update rollback » ; si cela échoue, contactez votre \
             informaticien et l'assistance en leur donnant ce message.",
            detail.clone(),
        ),
        InstallError::NothingToRollBack => explain(
            "Aucune version précédente",
            "Aucune version précédente n'est conservée sur ce poste.",
            "Le programme installé n'a pas été modifié.",
            "",
            String::new(),
        ),
        InstallError::StoreAlreadyUpdated {
            store_schema,
            previous_schema,
            previous,
        } => explain(
            "Retour impossible : base déjà mise à jour",
            format!(
                "La base de données a déjà été mise à jour (version de base {store_schema}) : \
                 la version {previous} ne connaît que la version de base {previous_schema} et \
                 ne pourrait pas l'utiliser."
            ),
            "Le programme installé n'a pas été modifié : un ancien programme sur une base plus \
             récente risquerait d'abîmer les paies.",
            "Gardez la version installée. Pour revenir en arrière malgré tout, restaurez la \
             sauvegarde prise avant la mise à jour de la base (dossier mises-a-jour/sauvegardes \
             d'IEA_HOME) : les saisies faites depuis seraient perdues.",
            String::new(),
        ),
        InstallError::Job(e) => job_error(e),
        InstallError::Io { path, source } => explain(
            "Installation impossible",
            format!("Le fichier « {} » n'a pas pu être écrit.", path.display()),
            "Le programme installé est resté entier.",
            "Vérifiez vos droits sur le dossier du programme et la place libre, puis réessayez.",
            format!("{} : {}", io_error(source), source),
        ),
    }
}

/// Why the store was not updated.
pub fn database_update_error(e: &DatabaseUpdateError) -> Explanation {
    match e {
        DatabaseUpdateError::Config(e) => super::config_error(e),
        DatabaseUpdateError::Store(e) => store_error(e),
        DatabaseUpdateError::SessionsOpen { sessions } => {
            sessions_open(sessions, "La mise à jour de la base de données")
        }
        DatabaseUpdateError::Backup(e) => {
            let mut x = super::archive_error(e);
            "Sauvegarde avant mise à jour impossible".clone_into(&mut x.title);
            "La base n'est jamais mise à jour sans une sauvegarde vérifiée : elle n'a \
             pas été modifiée."
                .clone_into(&mut x.why);
            x
        }
        DatabaseUpdateError::Migration { source } => {
            let mut x = store_error(source);
            "Mise à jour de la base de données échouée".clone_into(&mut x.title);
            "La mise à jour a été annulée en entier : la base est restée dans son état \
             précédent, et la sauvegarde prise avant est conservée."
                .clone_into(&mut x.why);
            x
        }
        DatabaseUpdateError::Job(e) => job_error(e),
        DatabaseUpdateError::Report { done, source } => explain(
            "Rapport non écrit",
            format!(
                "La base de données a été mise à jour (version de base {}), mais le rapport \
                 « Rapport mise à jour caisses OPCO.txt » n'a pas pu être écrit.",
                done.to
            ),
            io_error(source),
            "La liste des employeurs concernés se retrouve avec la requête « 35.Employeurs-caisse \
             OPCO ».",
            source.to_string(),
        ),
    }
}

/// The end message of "Mise à jour de la base de données".
pub fn database_updated_text(d: &DatabaseUpdated) -> String {
    if d.steps.is_empty() {
        return format!(
            "La base de données est à jour (version de base {}) : rien n'a été modifié.",
            d.to
        );
    }
    let mut t = format!(
        "La base de données a été mise à jour (de la version de base {} à la version {}).",
        d.from, d.to
    );
    if let Some(backup) = &d.backup {
        let _ = write!(
            t,
            "\nSauvegarde vérifiée prise avant : {}",
            backup.display()
        );
    }
    if let Some((report, files)) = &d.report {
        let _ = write!(
            t,
            "\nCorrespondance OPCO : {} employeur(s) sans correspondance sur {}.",
            report.unmatched_count(),
            report.employers_total
        );
        match &files.desktop {
            Some(desktop) => {
                let _ = write!(
                    t,
                    "\nLe rapport est sur votre bureau : {}",
                    desktop.display()
                );
            }
            None => {
                let _ = write!(
                    t,
                    "\nAucun bureau n'a été trouvé pour y déposer le rapport."
                );
            }
        }
        let _ = write!(t, "\nCopie conservée : {}", files.kept.display());
    }
    t.push_str("\nVous pouvez à présent relancer Impact emploi.");
    t
}

/// What an installation did.
pub fn installed_text(i: &Installed) -> String {
    let mut t = format!(
        "La version {} est installée (à la place de la version {}).",
        i.to_version, i.from_version
    );
    if i.service_restarted {
        t.push_str("\nLe gestionnaire de services a redémarré avec la nouvelle version.");
    }
    let _ = write!(
        t,
        "\nLa version précédente est conservée : {}",
        i.previous.display()
    );
    t
}

/// What the way back did.
pub fn rolled_back_text(r: &RolledBack) -> String {
    let mut t = format!(
        "La version {} a été remise en place (à la place de la version {}).",
        r.to_version, r.from_version
    );
    if r.service_started {
        t.push_str("\nLe gestionnaire de services a été relancé.");
    }
    t
}

/// A release as the list shows it: "3.2.0 – 02/11/2026 – titre".
pub fn release_line(r: &Release) -> String {
    format!("{} – {} – {}", r.version, iso_date_fr(&r.date), r.title)
}

/// A new version found by the service's daily check.
pub fn new_version_notification(r: &Release) -> Notification {
    Notification {
        summary: "Impact emploi – mise à jour disponible",
        body: format!(
            "La version {} d'Impact emploi est disponible ({}).\nCliquez ici pour la voir dans \
             « Gérer les mises à jour » ; rien n'est installé sans votre accord.",
            r.version, r.title
        ),
        action: "Gérer les mises à jour",
    }
}

/// "Rapport mise à jour caisses OPCO.txt" (seed 002).
pub fn opco_report_text(r: &OpcoReport) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "Rapport mise à jour caisses OPCO");
    let _ = writeln!(
        t,
        "Mise à jour de la base de données du {}",
        r.generated_at.format("%d/%m/%Y à %H:%M")
    );
    let _ = writeln!(t, "Base de données : {}", r.store.display());
    let _ = writeln!(t);
    let _ = writeln!(
        t,
        "Les correspondances entre OPCO et conventions collectives (CCN) ont été mises à jour \
         pour les {} employeurs de la base, dossiers archivés compris.",
        integer(i128::from(r.employers_total))
    );
    let count = r.unmatched_count();
    if count == 0 {
        let _ = writeln!(
            t,
            "Une correspondance a été trouvée pour chaque employeur : il n'y a rien à corriger."
        );
        return t;
    }
    let _ = writeln!(
        t,
        "Aucune correspondance n'a été trouvée pour {} employeur(s) (employeurs sans CCN ou avec \
         CCN clôturée) :",
        integer(count as i128)
    );
    for dossier in &r.dossiers {
        let _ = writeln!(t);
        let archived = if dossier.archived { " (archivé)" } else { "" };
        let _ = writeln!(t, "Dossier « {} »{archived}", dossier.name);
        for e in &dossier.employers {
            let why = match e.reason {
                Unmatched::NoAgreement => {
                    "sans convention collective (CCN 9999) : mention « caisse non répertoriée »"
                        .to_owned()
                }
                Unmatched::ClosedAgreement => format!(
                    "CCN {} clôturée{} : OPCO inchangé ({})",
                    e.ccn_code,
                    e.closed_on
                        .as_deref()
                        .map(|d| format!(" le {}", iso_date_fr(d)))
                        .unwrap_or_default(),
                    e.opco.as_deref().unwrap_or("aucun")
                ),
                Unmatched::UnknownAgreement => format!(
                    "CCN {} absente de la table de correspondance : OPCO inchangé ({})",
                    e.ccn_code,
                    e.opco.as_deref().unwrap_or("aucun")
                ),
            };
            let archived = if e.archived { ", archivé" } else { "" };
            let _ = writeln!(t, "  - {} (SIRET {}{archived}) : {why}", e.name, e.siret);
        }
    }
    let _ = writeln!(t);
    let _ = writeln!(
        t,
        "Que faire : si c'est anormal (par exemple un club de sport en CCN 9999), inscrivez la \
         CCN dans la « Fiche administrative employeur », onglet « Convention collective » \
         (attention : une CCN sur les bulletins entraîne des obligations), puis renseignez \
         l'OPCO dans les onglets « Identification des organismes » et « Formation \
         professionnelle ». Pour une CCN absente de la table, contactez l'assistance. La \
         requête prédéfinie « 35.Employeurs-caisse OPCO » donne la liste complète."
    );
    t
}
