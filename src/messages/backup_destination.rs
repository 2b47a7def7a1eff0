//! French sentences for the places backups go: a folder, a removable disk, an
//! FTP site.
//!
//! The wording follows the practical guide "Sauvegarde des bases de données –
//! Anomalies": "Emplacement indisponible (répertoire renommé, déplacé, absence
//! de droits, problème d'accès…)", and its advice — "modifiez l'emplacement en
//! cliquant sur « Parcourir »" when the place no longer exists. When the place is
//! only unavailable, the verified backup waits on this computer and is delivered
//! as soon as the place is back: [`destination_error`] says so;
//! [`destination_access_error`] is for listing, fetching and verifying, where
//! nothing waits. The errors carry no password, so none can appear here.

use super::{Explanation, explain, system_error};
use crate::backup::destination::{
    DestinationError, DestinationFault, DestinationFaultKind, Place, SiteUnreachable,
};

/// The title of every "the place cannot be used for now" error.
pub const TITLE_LOCATION_UNAVAILABLE: &str = "Emplacement indisponible";

/// What happens to the backup made while the destination is unavailable.
pub const KEPT_FOR_DELIVERY: &str = "La sauvegarde a bien été faite et vérifiée : elle est \
     conservée sur cet ordinateur et sera déposée automatiquement dès que l'emplacement sera \
     de nouveau disponible.";

const PREVIOUS_UNTOUCHED: &str = "Les sauvegardes déjà déposées à cet emplacement ne sont pas \
     touchées.";

const NOT_DELIVERED: &str = "Aucune nouvelle sauvegarde n'a été déposée ; les sauvegardes \
     déjà présentes à cet emplacement ne sont pas touchées.";

const BROWSE: &str = "modifiez l'emplacement en cliquant sur « Parcourir… » dans le script \
     de sauvegarde";

const KEEP_A_COPY: &str = "Dans tous les cas, gardez aussi une copie de vos sauvegardes sur \
     une clé USB ou un disque externe conservés dans un lieu sûr.";

/// Where backups go, on one line: the folder, "support amovible « CLE-PAIE »,
/// dossier Sauvegardes", or the FTP site's address.
pub fn place(p: &Place) -> String {
    match p {
        Place::Folder { path } => path.display().to_string(),
        Place::Removable { label, folder } if folder.as_os_str().is_empty() => {
            format!("support amovible « {label} »")
        }
        Place::Removable { label, folder } => {
            format!("support amovible « {label} », dossier {}", folder.display())
        }
        Place::RemovableFound { label, at } => {
            format!(
                "support amovible « {label} » (trouvé dans {})",
                at.display()
            )
        }
        Place::Ftp { url } => url.clone(),
    }
}

/// A place with its words, for `--json`.
pub fn place_worded(p: &Place) -> super::Worded<'_, Place> {
    super::Worded {
        fact: p,
        text: place(p),
    }
}

/// A destination error in French, for a run: when the place is unavailable,
/// says that the verified backup waits on this computer for it.
pub fn destination_error(e: &DestinationError) -> Explanation {
    explain_destination(&e.fault(), true)
}

/// A destination error in French, for listing, fetching or verifying the
/// backups kept there (nothing waits for delivery then).
pub fn destination_access_error(e: &DestinationError) -> Explanation {
    explain_destination(&e.fault(), false)
}

/// A destination error kept as a fact, in French, as [`destination_error`] says
/// it for a run.
pub fn destination_fault(f: &DestinationFault) -> Explanation {
    explain_destination(f, true)
}

/// A destination error kept as a fact, in French, as
/// [`destination_access_error`] says it for listing, fetching or verifying.
pub fn destination_access_fault(f: &DestinationFault) -> Explanation {
    explain_destination(f, false)
}

/// How an FTP site could not be reached, in a few words for the details.
fn unreachable_detail(cause: &SiteUnreachable) -> String {
    match cause {
        SiteUnreachable::UnknownHost => "nom d'hôte introuvable".to_owned(),
        SiteUnreachable::NoAnswer => "pas de réponse du serveur dans le délai".to_owned(),
        SiteUnreachable::Refused => "connexion refusée".to_owned(),
        SiteUnreachable::Dropped => "connexion coupée par le serveur".to_owned(),
        SiteUnreachable::ServiceUnavailable { reply } => format!("service indisponible ({reply})"),
        SiteUnreachable::NoDataConnection { reply } => {
            format!("connexion de données impossible ({reply})")
        }
        SiteUnreachable::TransferAborted { reply } => format!("transfert interrompu ({reply})"),
        SiteUnreachable::System { detail } => detail.clone(),
    }
}

fn explain_destination(f: &DestinationFault, run: bool) -> Explanation {
    use DestinationFaultKind as K;
    let why_unavailable = if run {
        KEPT_FOR_DELIVERY
    } else {
        PREVIOUS_UNTOUCHED
    };
    let why_failed = if run {
        NOT_DELIVERED
    } else {
        PREVIOUS_UNTOUCHED
    };
    let technical = format!("Message technique : {}", f.technical);
    match &f.kind {
        K::Missing { what } => explain(
            TITLE_LOCATION_UNAVAILABLE,
            format!(
                "Le dossier de sauvegarde « {what} » est introuvable : il a été renommé, \
                 déplacé ou supprimé, ou le partage réseau qui le contient n'est pas \
                 connecté (le chemin réseau n'a pas été trouvé)."
            ),
            why_unavailable,
            format!(
                "Si le dossier existe toujours mais que vous ne pouvez pas y accéder pour \
                 l'instant (partage réseau déconnecté, travail à distance…), reconnectez le \
                 partage ou redémarrez l'ordinateur ; si le problème persiste, contactez votre \
                 informaticien. Si l'emplacement n'existe plus, {BROWSE}. {KEEP_A_COPY}"
            ),
            format!("Emplacement : {what}\n{technical}"),
        ),
        K::VolumeAbsent { label } => explain(
            TITLE_LOCATION_UNAVAILABLE,
            format!(
                "Le support amovible « {label} » (clé USB ou disque externe) n'est pas branché \
                 sur cet ordinateur, ou son dossier de sauvegarde n'y a pas été trouvé."
            ),
            why_unavailable,
            format!(
                "Branchez la clé USB ou le disque « {label} » sur cet ordinateur et attendez \
                 qu'il apparaisse dans l'explorateur de fichiers. Impact emploi le reconnaît \
                 où qu'il soit branché, grâce au fichier {MARKER} placé dans son dossier de \
                 sauvegarde : ne renommez pas ce dossier et ne supprimez pas ce fichier. Pour \
                 sauvegarder sur un autre support, {BROWSE}.",
                MARKER = crate::backup::destination::removable::MARKER_FILE
            ),
            format!("Support : {label}\n{technical}"),
        ),
        K::PermissionDenied { what } => explain(
            TITLE_LOCATION_UNAVAILABLE,
            format!(
                "Accès refusé : votre session n'a pas le droit d'écrire dans « {what} » \
                 (absence de droits, ou support protégé en écriture)."
            ),
            why_unavailable,
            format!(
                "Contactez votre informaticien pour qu'il vous redonne les droits de lecture \
                 et d'écriture sur ce dossier ; pour une clé USB ou une carte mémoire, vérifiez \
                 qu'elle n'est pas verrouillée. Sinon, {BROWSE} pour choisir un dossier où vous \
                 pouvez écrire."
            ),
            format!(
                "Emplacement : {what}\nErreur système : {}\n{technical}",
                system_error(crate::diagnostics::SystemError::PermissionDenied)
            ),
        ),
        K::Full { what } => explain(
            TITLE_LOCATION_UNAVAILABLE,
            format!(
                "L'emplacement « {what} » est plein : la sauvegarde n'a pas pu y être copiée \
                 en entier (la copie incomplète a été supprimée)."
            ),
            why_unavailable,
            format!(
                "Libérez de la place à cet emplacement (supprimez les fichiers devenus \
                 inutiles, en gardant les sauvegardes récentes) ou demandez à votre \
                 informaticien d'agrandir l'espace disponible. Vous pouvez aussi choisir un \
                 autre emplacement : {BROWSE}."
            ),
            format!(
                "Emplacement : {what}\nErreur système : {}\n{technical}",
                system_error(crate::diagnostics::SystemError::StorageFull)
            ),
        ),
        K::Unreachable { host, port, cause } => explain(
            TITLE_LOCATION_UNAVAILABLE,
            format!(
                "Le site FTP {host} (port {port}) n'a pas pu être joint : nom de serveur \
                 introuvable, serveur arrêté, pas de réponse dans le délai, ou connexion \
                 bloquée par un pare-feu."
            ),
            why_unavailable,
            "Vérifiez la connexion à internet, puis l'adresse et le port du site dans le \
             script de sauvegarde. Si le problème persiste, contactez votre hébergeur ou votre \
             informaticien en lui donnant les détails ci-dessous.",
            format!(
                "Site : {host}:{port}\nDétail : {}\n{technical}",
                unreachable_detail(cause)
            ),
        ),
        K::LoginRefused { user } => explain(
            "Identification refusée",
            format!("Le site FTP a refusé l'utilisateur « {user} » ou son mot de passe."),
            why_failed,
            "Vérifiez l'utilisateur et le mot de passe dans le script de sauvegarde, \
             enregistrez, puis recommencez. Si vous ne les connaissez pas, demandez-les à votre \
             hébergeur ou à votre informaticien.",
            format!("Utilisateur : {user}\n{technical}"),
        ),
        K::Tls { detail } => explain(
            "Liaison sécurisée impossible",
            "La liaison chiffrée (FTPS) avec le site FTP n'a pas pu être établie : son \
             certificat n'est pas reconnu, a expiré ou a été établi pour un autre nom, ou le \
             serveur ne propose pas le chiffrement choisi.",
            if run {
                "Impact emploi n'envoie jamais vos données de paie ni votre mot de passe sur \
                 une liaison qu'il n'a pas pu vérifier. Aucune nouvelle sauvegarde n'a été \
                 déposée ; les sauvegardes déjà présentes ne sont pas touchées."
            } else {
                "Impact emploi n'envoie jamais votre mot de passe sur une liaison qu'il n'a \
                 pas pu vérifier. Les sauvegardes déjà déposées ne sont pas touchées."
            },
            "Vérifiez le choix « FTPS explicite » ou « FTPS implicite » et le port (21 ou \
             990) dans le script de sauvegarde. Si votre réseau ou votre hébergeur utilise sa \
             propre autorité de certification, demandez son fichier à votre informaticien et \
             indiquez-le dans les paramètres de connexion.",
            format!("Détail : {detail}\n{technical}"),
        ),
        K::Protocol { detail } => explain(
            "Site FTP en erreur",
            "Le site FTP a donné une réponse inattendue et l'échange a été interrompu.",
            why_failed,
            "Recommencez un peu plus tard. Si le problème persiste, contactez votre hébergeur \
             ou votre informaticien en lui donnant les détails ci-dessous.",
            format!("Réponse du serveur : {detail}\n{technical}"),
        ),
        K::Secret => explain(
            super::TITLE_STORED_PASSWORD_UNREADABLE,
            "Le mot de passe du site FTP enregistré dans le script de sauvegarde ne peut plus \
             être déchiffré : la clé de chiffrement de ce poste a changé.",
            why_failed,
            "Saisissez de nouveau le mot de passe du site FTP dans le script de sauvegarde, \
             puis enregistrez.",
            technical,
        ),
        K::Mismatch { what, detail } => explain(
            "Copie de sauvegarde incorrecte",
            format!(
                "La copie relue à l'emplacement « {what} » ne correspond pas à la sauvegarde \
                 envoyée."
            ),
            if run {
                "Une sauvegarde qui ne se relit pas à l'identique ne pourrait pas être \
                 restaurée : cette copie n'a pas été retenue. Les sauvegardes déjà présentes \
                 ne sont pas touchées."
            } else {
                PREVIOUS_UNTOUCHED
            },
            "Recommencez la sauvegarde. Si le problème se répète, le support est peut-être \
             défectueux (clé USB usée, disque qui faiblit, réseau instable) : choisissez un \
             autre emplacement et parlez-en à votre informaticien.",
            format!("Emplacement : {what}\nDétail : {detail}\n{technical}"),
        ),
        K::Io { what, system } => explain(
            "Erreur d'accès à l'emplacement",
            format!(
                "Impact emploi n'a pas pu utiliser « {what} ». {}",
                system_error(*system)
            ),
            why_failed,
            "Recommencez. Si le problème persiste, contactez votre informaticien en lui \
             donnant les détails ci-dessous.",
            format!(
                "Emplacement : {what}\nErreur système : {}\n{technical}",
                system_error(*system)
            ),
        ),
        K::Cancelled => explain(
            super::TITLE_CANCELLED,
            super::CANCELLED_AT_YOUR_REQUEST,
            "La copie en cours a été abandonnée et supprimée ; les sauvegardes déjà présentes \
             ne sont pas touchées.",
            "",
            technical,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_error() -> Vec<DestinationError> {
        vec![
            DestinationError::Missing {
                what: "/srv/partage/sauvegardes".to_owned(),
            },
            DestinationError::VolumeAbsent {
                label: "CLE-PAIE".to_owned(),
            },
            DestinationError::PermissionDenied {
                what: "/srv/partage/sauvegardes".to_owned(),
            },
            DestinationError::Full {
                what: "/media/disque".to_owned(),
            },
            DestinationError::Mismatch {
                what: "/media/disque".to_owned(),
                detail: "10 bytes written, 9 read back".to_owned(),
            },
            DestinationError::Unreachable {
                host: "ftp.example.org".to_owned(),
                port: 21,
                cause: SiteUnreachable::Refused,
            },
            DestinationError::LoginRefused {
                user: "asso".to_owned(),
            },
            DestinationError::Tls {
                detail: "unknown issuer".to_owned(),
            },
            DestinationError::Protocol {
                detail: "500 what?".to_owned(),
            },
            DestinationError::Secret,
            DestinationError::Io {
                what: "/media/disque".to_owned(),
                source: std::io::Error::other("boom"),
            },
            DestinationError::Cancelled,
        ]
    }

    #[test]
    fn every_destination_error_has_french_text() {
        for e in every_error() {
            for x in [destination_error(&e), destination_access_error(&e)] {
                assert!(!x.title.is_empty(), "{e:?}");
                assert!(!x.what.is_empty(), "{e:?}");
                assert!(!x.why.is_empty(), "{e:?}");
                assert!(x.details.contains("Message technique"), "{e:?}");
                if !matches!(e, DestinationError::Cancelled) {
                    assert!(!x.todo.is_empty(), "{e:?}");
                }
            }
        }
    }

    #[test]
    fn only_unavailable_places_promise_a_later_delivery() {
        for e in every_error() {
            let run = destination_error(&e);
            assert_eq!(
                run.why.contains(KEPT_FOR_DELIVERY),
                e.is_unavailable(),
                "{e:?}: {run}"
            );
            assert_eq!(
                run.title == TITLE_LOCATION_UNAVAILABLE,
                e.is_unavailable(),
                "{e:?}"
            );
            // Listing or fetching never promises anything.
            assert!(
                !destination_access_error(&e)
                    .why
                    .contains("déposée automatiquement")
            );
        }
    }

    #[test]
    fn places_read_as_users_know_them() {
        use std::path::PathBuf;
        assert_eq!(
            place(&Place::Removable {
                label: "CLE-PAIE".into(),
                folder: PathBuf::new(),
            }),
            "support amovible « CLE-PAIE »"
        );
        assert_eq!(
            place(&Place::Removable {
                label: "CLE-PAIE".into(),
                folder: PathBuf::from("Sauvegardes"),
            }),
            "support amovible « CLE-PAIE », dossier Sauvegardes"
        );
        assert_eq!(
            place(&Place::RemovableFound {
                label: "CLE-PAIE".into(),
                at: PathBuf::from("/media/paie/CLE-PAIE/Sauvegardes"),
            }),
            "support amovible « CLE-PAIE » (trouvé dans /media/paie/CLE-PAIE/Sauvegardes)"
        );
        let ftp = Place::Ftp {
            url: "ftps://paie@ftp.asso.fr:990/sauvegardes".into(),
        };
        assert_eq!(place(&ftp), "ftps://paie@ftp.asso.fr:990/sauvegardes");
        let json = serde_json::to_value(place_worded(&ftp)).expect("json");
        assert_eq!(json["code"], "ftp");
        assert_eq!(json["text"], place(&ftp));
    }

    #[test]
    fn the_guide_advice_is_given() {
        let missing = destination_error(&DestinationError::Missing {
            what: "D:/Sauvegardes".to_owned(),
        });
        assert!(missing.what.contains("D:/Sauvegardes"));
        assert!(
            missing
                .todo
                .contains("modifiez l'emplacement en cliquant sur « Parcourir… »")
        );
        let key = destination_error(&DestinationError::VolumeAbsent {
            label: "CLE-PAIE".to_owned(),
        });
        assert!(
            key.todo
                .starts_with("Branchez la clé USB ou le disque « CLE-PAIE »"),
            "{}",
            key.todo
        );
        let full = destination_error(&DestinationError::Full {
            what: "E:/".to_owned(),
        });
        assert!(full.todo.contains("Libérez de la place"));
        assert!(full.todo.contains("autre emplacement"));
        let denied = destination_error(&DestinationError::PermissionDenied {
            what: "E:/".to_owned(),
        });
        assert!(denied.what.starts_with("Accès refusé"));
    }
}
