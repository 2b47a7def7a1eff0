//! The resident service in French: the tray's status line and menu, and the
//! desktop notifications, in the words of the original product ("Connecté au
//! serveur Impact emploi", "Relancer l'authentification auprès du serveur"…).
//! The service gives facts ([`TrayLine`], [`MenuAction`]); the tray glue, the
//! notifications and the centre say them with these functions.

use crate::backup::run::LateScript;
use crate::service::state::{BackupAlarm, MenuAction, StoreAlarm, Submenu, TrayLine};
use crate::store::StoreFaultKind;

/// A line of the tray's state.
pub fn tray_line(line: &TrayLine) -> String {
    match line {
        TrayLine::Assistance => "Mode assistance : déconnecté du serveur de production".to_owned(),
        TrayLine::StoreUnusable(problem) => format!(
            "Base de données inaccessible : {}",
            short_store_problem(problem)
        ),
        TrayLine::ConnectionUnverified => "Connexion au serveur non vérifiée".to_owned(),
        TrayLine::ConnectionFailed { next_retry } => match next_retry {
            Some(at) => format!(
                "{} – nouvel essai à {}",
                super::TITLE_CONNECTION_FAILED,
                short_time(at)
            ),
            None => super::TITLE_CONNECTION_FAILED.to_owned(),
        },
        TrayLine::AuthRefused => "Serveur d'authentification : autorisation refusée".to_owned(),
        TrayLine::LicenceRefused => "Licence non reconnue : consultation seulement".to_owned(),
        TrayLine::LicenceDuplicate => "Licence identique sur 2 postes".to_owned(),
        TrayLine::Backup(BackupAlarm::Late(late)) => late_line(late),
        TrayLine::Backup(BackupAlarm::ScriptsUnreadable) => {
            "Fichier des scripts de sauvegarde illisible".to_owned()
        }
        TrayLine::Connected => "Connecté au serveur Impact emploi".to_owned(),
    }
}

/// A few words on why the store cannot be used, for the status line; the centre
/// gives the full explanation.
fn short_store_problem(problem: &StoreAlarm) -> &'static str {
    use StoreFaultKind as K;
    match problem {
        StoreAlarm::ConfigUnreadable => "configuration illisible",
        StoreAlarm::DoesNotOpen { fault } => match fault.kind {
            K::FolderNotFound { .. } => "chemin introuvable",
            K::FileNotFound { .. } => "fichier introuvable",
            K::NotAFile { .. } | K::NotADatabase { .. } | K::NotAStore { .. } => {
                "fichier non reconnu"
            }
            K::PermissionDenied { .. } => "accès refusé",
            K::Locked { .. } => "base verrouillée",
            K::Corrupt { .. } => "base endommagée",
            K::TooNew { .. } => "base plus récente que le programme",
            K::NeedsUpdate { .. } => "mise à jour de la base de données à faire",
            K::ClosingInProgress { .. } => "clôture d'exercice en cours",
            K::ClosedExercise { .. } => "exercice clôturé",
            K::AlreadyExists { .. } | K::DiskFull { .. } | K::Sqlite { .. } | K::Io { .. } => {
                "erreur d'accès"
            }
        },
    }
}

/// "14:05" from an RFC 3339 time, or the text as given.
fn short_time(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339).map_or_else(
        |_| rfc3339.to_owned(),
        |t| t.with_timezone(&chrono::Local).format("%H:%M").to_string(),
    )
}

/// A script whose backups fall behind, on one line.
fn late_line(late: &LateScript) -> String {
    super::staleness_line(&late.script, &late.staleness)
}

/// The seed's words for a menu entry.
pub fn menu_label(action: MenuAction) -> &'static str {
    match action {
        MenuAction::ConnectionSettings => "Paramètres de connexion…",
        MenuAction::RetryAuthentication => "Relancer l'authentification auprès du serveur",
        MenuAction::ConfigurePaths => "Configurer les chemins de l'application…",
        MenuAction::OpenCentre => "Ouvrir le centre de maintenance…",
        MenuAction::UpdateNow => "Mettre à jour Impact Emploi maintenant…",
        MenuAction::ExploreFolder => "Explorer le répertoire de l'application…",
        MenuAction::RemoteAssistance => "Demande d'assistance à distance…",
        MenuAction::EnableAssistance => "Activer le mode assistance…",
        MenuAction::DisableAssistance => "Désactiver le mode assistance…",
        MenuAction::ChangeDatabase => "Changer de base de données…",
        MenuAction::About => "À propos du Tiers de confiance…",
        MenuAction::Quit => "Quitter le gestionnaire de services",
        MenuAction::ManageLicences => "Gestion des licences par poste…",
    }
}

/// Title of the support submenu (seed 001), also the heading of its screens in
/// the centre's navigation.
pub const SUPPORT_SUBMENU: &str = "Demande de support technique";

/// The title of a submenu of the tray.
pub fn submenu_label(submenu: Submenu) -> &'static str {
    match submenu {
        Submenu::Support => SUPPORT_SUBMENU,
    }
}

/// The words of a desktop notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Its title.
    pub summary: &'static str,
    /// Its text.
    pub body: String,
    /// The label of its click, where the notification server shows one.
    pub action: &'static str,
}

/// A change of the connection's state that needs the user; `status` is the
/// tray's status line for it.
pub fn state_notification(status: &TrayLine) -> Notification {
    Notification {
        summary: "Impact emploi – connexion au serveur",
        body: format!(
            "{}\nCliquez ici pour ouvrir le centre de maintenance et voir que faire.",
            tray_line(status)
        ),
        action: "Ouvrir le centre de maintenance",
    }
}

/// The service found at start that its `IEA_HOME` comes from another computer.
pub fn copied_notification() -> Notification {
    Notification {
        summary: "Impact emploi – dossier copié depuis un autre ordinateur",
        body: "Ce poste utilise l'identifiant d'un autre ordinateur : il ne se connecte pas au \
               serveur en attendant votre accord.\nCliquez ici pour ouvrir le gestionnaire de \
               licences et donner à ce poste son propre identifiant."
            .to_owned(),
        action: "Ouvrir le gestionnaire de licences",
    }
}

/// A script whose backups fall behind.
pub fn late_notification(late: &LateScript) -> Notification {
    Notification {
        summary: "Impact emploi – sauvegardes en retard",
        body: format!(
            "{}\nCliquez ici pour ouvrir le module de sauvegardes du centre de maintenance.",
            late_line(late)
        ),
        action: "Ouvrir le module de sauvegardes",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::schedule::Staleness;
    use crate::store::StoreError;

    #[test]
    fn every_entry_has_its_words_and_they_differ() {
        let mut seen = std::collections::HashSet::new();
        for action in MenuAction::ALL {
            assert!(seen.insert(menu_label(action)), "{action:?}");
        }
        assert_eq!(
            menu_label(MenuAction::Quit),
            "Quitter le gestionnaire de services"
        );
        assert_eq!(
            submenu_label(Submenu::Support),
            "Demande de support technique"
        );
    }

    #[test]
    fn the_store_line_says_why_in_a_few_words() {
        let line = tray_line(&TrayLine::StoreUnusable(StoreAlarm::DoesNotOpen {
            fault: StoreError::FileNotFound {
                path: "/srv/paie/base.iea".into(),
            }
            .fault(),
        }));
        assert_eq!(line, "Base de données inaccessible : fichier introuvable");
        assert_eq!(
            tray_line(&TrayLine::StoreUnusable(StoreAlarm::ConfigUnreadable)),
            "Base de données inaccessible : configuration illisible"
        );
        assert_eq!(
            tray_line(&TrayLine::ConnectionFailed {
                next_retry: Some("not a date".into())
            }),
            "Échec de connexion au serveur – nouvel essai à not a date"
        );
    }

    #[test]
    fn notifications_say_the_line_and_what_a_click_does() {
        let late = LateScript {
            script: "Quotidienne".into(),
            staleness: Staleness {
                last_good_at: None,
                overdue_since: chrono::Utc::now(),
            },
        };
        let n = late_notification(&late);
        assert!(
            n.body
                .starts_with("Sauvegarde « Quotidienne » en retard : aucune sauvegarde réussie\n"),
            "{}",
            n.body
        );
        let n = state_notification(&TrayLine::AuthRefused);
        assert!(
            n.body.starts_with("Serveur d'authentification"),
            "{}",
            n.body
        );
        assert_eq!(n.action, "Ouvrir le centre de maintenance");
    }
}
