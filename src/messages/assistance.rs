//! French sentences for assistance mode and its unlock codes, the installation's
//! identity and the encrypted passwords.
//!
//! The words follow the practical guide users know (seed 000): "Activer le mode
//! assistance", "Désactiver le mode assistance", "le mot de passe du jour", the red
//! beetle, the blue ball with the red heart. No code, key or password ever appears
//! here: the errors carry none.

use super::{Explanation, explain, io_error};
use crate::assistance::{
    AssistanceError, AssistanceOutcome, CODE_DIGITS, LOCK_MINUTES, MAX_FAILURES,
};
use crate::installation::InstallationError;
use crate::secrets::SecretError;

/// The warning the original shows when assistance mode is switched on, and at
/// the top of the "Module de sauvegardes" while it is on.
pub const ASSISTANCE_WARNING: &str = "ATTENTION en mode assistance, les fichiers de scripts ne \
     seront pas pris en compte automatiquement !";

/// The warning, with the scripts that were due and did not run.
pub fn assistance_skipped(scripts: &[String]) -> String {
    format!("{ASSISTANCE_WARNING} Non exécutés : {}", scripts.join(", "))
}

/// Why a refused assistance request costs nothing.
const NOTHING_CHANGED_NO_TRY_COUNTED: &str = "Rien n'a été modifié et aucun essai n'a été compté.";

/// What to do when the system itself failed (no random numbers).
const TODO_RESTART_COMPUTER: &str = "Redémarrez l'ordinateur puis recommencez ; si le problème \
     persiste, contactez votre informaticien.";

/// What the mot de passe du jour is, for every message about a code.
const ABOUT_THE_CODE: &str = "Le mode assistance ne s'active et ne se désactive qu'avec le \
     « mot de passe du jour » que l'assistance vous donne par e-mail ou par téléphone. Il est \
     valable aujourd'hui et hier, et sert à une seule action : un mot de passe pour activer \
     ne désactive pas.";

/// "3 essais", "1 essai".
fn tries(n: u32) -> String {
    if n <= 1 {
        format!("{n} essai")
    } else {
        format!("{n} essais")
    }
}

/// A refused or failed assistance entry in French.
pub fn assistance_error(e: &AssistanceError) -> Explanation {
    match e {
        AssistanceError::WrongCode { remaining_tries } => explain(
            "Mot de passe du jour incorrect",
            "Le code saisi n'est pas le mot de passe du jour de cette action. Rien n'a été \
             modifié.",
            ABOUT_THE_CODE,
            format!(
                "Vérifiez le code ({CODE_DIGITS} chiffres ; les espaces et les tirets ne comptent \
                 pas) et qu'il a été donné pour l'action choisie (activer ou désactiver). Il vous \
                 reste {} avant que la saisie soit bloquée pendant {LOCK_MINUTES} minutes. En cas \
                 de doute, redemandez le mot de passe du jour à l'assistance.",
                tries(*remaining_tries)
            ),
            format!(
                "Essais erronés : {}/{MAX_FAILURES}\nMessage technique : {e}",
                MAX_FAILURES.saturating_sub(*remaining_tries)
            ),
        ),
        AssistanceError::Locked { until } => {
            let at = until.format("%H:%M");
            explain(
                "Saisie du mot de passe du jour bloquée",
                format!(
                    "Trop de codes erronés ont été saisis : la saisie du mot de passe du jour \
                     est bloquée jusqu'à {at}."
                ),
                "Ce blocage protège le mode assistance contre les essais au hasard ; il reste en \
                 place même si vous redémarrez l'ordinateur. Rien n'a été modifié.",
                format!(
                    "Attendez {at}, puis saisissez de nouveau le mot de passe du jour que \
                     l'assistance vous a donné (par e-mail ou par téléphone ; il est valable \
                     aujourd'hui et hier). En cas de doute, redemandez-le à l'assistance avant \
                     de réessayer."
                ),
                format!(
                    "Bloqué jusqu'à : {}\nMessage technique : {e}",
                    until.format("%d/%m/%Y %H:%M")
                ),
            )
        }
        AssistanceError::AlreadyEnabled => explain(
            "Mode assistance déjà activé",
            "Le mode assistance est déjà activé sur ce poste (scarabée rouge dans la zone de \
             notification).",
            NOTHING_CHANGED_NO_TRY_COUNTED,
            "Pour revenir en mode connexion, choisissez « Désactiver le mode assistance » dans \
             « Demande de support technique », avec le mot de passe du jour.",
            format!("Message technique : {e}"),
        ),
        AssistanceError::AlreadyDisabled => explain(
            "Mode assistance déjà désactivé",
            "Le mode assistance n'est pas activé sur ce poste.",
            NOTHING_CHANGED_NO_TRY_COUNTED,
            "Si le serveur d'authentification ne répond pas ou refuse la licence, vous pouvez \
             activer le mode assistance avec « Activer le mode assistance » et le mot de passe \
             du jour donné par l'assistance.",
            format!("Message technique : {e}"),
        ),
        AssistanceError::Installation(inner) => installation_error(inner),
        AssistanceError::Io { path, source } => explain(
            "Mode assistance non modifié",
            format!(
                "Impact emploi n'a pas pu enregistrer le changement dans « {} ». {}",
                path.display(),
                io_error(source)
            ),
            "Le mode assistance est resté tel qu'il était.",
            "Vérifiez qu'il reste de la place sur le disque et que votre session peut écrire \
             dans le dossier de données d'Impact emploi, puis recommencez avec le même mot de \
             passe du jour ; sinon, contactez votre informaticien.",
            format!(
                "Fichier : {}\nErreur système : {}\nMessage technique : {e}",
                path.display(),
                io_error(source)
            ),
        ),
    }
}

/// What an accepted code did, in French (with the scripts warning on enabling).
pub fn assistance_outcome(o: &AssistanceOutcome) -> String {
    match o {
        AssistanceOutcome::Enabled => format!(
            "Le mode assistance est activé : le scarabée rouge remplace la boule bleue. Vous \
             pouvez relancer Impact emploi.\n\n{ASSISTANCE_WARNING}"
        ),
        AssistanceOutcome::Disabled => "Le mode assistance est désactivé : la boule bleue \
             accompagnée d'un cœur rouge apparaît jusqu'à la prochaine authentification réussie."
            .to_owned(),
    }
}

const WHY_SAVED_PASSWORDS: &str = "Les mots de passe enregistrés (serveur proxy, messagerie) \
     sont chiffrés avec la clé de ce poste : sans elle, ils ne peuvent pas être relus. Aucune \
     donnée de paie n'est concernée.";

/// An error about the installation's key or a saved password, in French.
pub fn secret_error(e: &SecretError) -> Explanation {
    match e {
        SecretError::Io { path, source } => explain(
            "Clé de chiffrement inaccessible",
            format!(
                "Impact emploi n'a pas pu lire ou créer la clé de chiffrement de ce poste \
                 (« {} »). {}",
                path.display(),
                io_error(source)
            ),
            WHY_SAVED_PASSWORDS,
            "Vérifiez que votre session peut lire et écrire dans le dossier de données \
             d'Impact emploi, puis recommencez ; sinon, contactez votre informaticien.",
            format!(
                "Fichier : {}\nErreur système : {}\nMessage technique : {e}",
                path.display(),
                io_error(source)
            ),
        ),
        SecretError::DamagedKey { path, .. } => explain(
            "Clé de chiffrement endommagée",
            format!(
                "La clé de chiffrement de ce poste (« {} ») est endommagée.",
                path.display()
            ),
            WHY_SAVED_PASSWORDS,
            "Contactez votre informaticien : il peut restaurer ce fichier depuis une \
             sauvegarde du poste. S'il n'en existe pas, il peut le mettre de côté ; une \
             nouvelle clé sera créée et vous devrez saisir de nouveau les mots de passe du \
             serveur proxy et de la messagerie.",
            format!("Fichier : {}\nMessage technique : {e}", path.display()),
        ),
        SecretError::Random { .. } => explain(
            "Clé de chiffrement impossible à créer",
            "Le système n'a pas fourni les nombres aléatoires nécessaires pour créer la clé \
             de chiffrement de ce poste.",
            WHY_SAVED_PASSWORDS,
            TODO_RESTART_COMPUTER,
            format!("Message technique : {e}"),
        ),
        SecretError::BadFormat { .. } | SecretError::WrongKeyOrTampered => explain(
            super::TITLE_STORED_PASSWORD_UNREADABLE,
            "Un mot de passe enregistré (serveur proxy ou messagerie) ne peut pas être relu : \
             il a été enregistré sur un autre poste, ou le fichier de configuration a été \
             modifié à la main.",
            "Impact emploi ne peut pas l'envoyer tant qu'il n'est pas saisi de nouveau. Les \
             autres réglages et les données de paie ne sont pas concernés.",
            "Saisissez de nouveau ce mot de passe dans l'écran concerné (« Paramètres de \
             connexion » pour le proxy, réglages de la messagerie pour l'e-mail), puis \
             enregistrez.",
            format!("Message technique : {e}"),
        ),
    }
}

/// An error about the installation's identity or support key, in French.
pub fn installation_error(e: &InstallationError) -> Explanation {
    const WHY_IDENTITY: &str = "Ce fichier identifie le poste auprès du serveur \
         d'authentification et pour le mode assistance. Impact emploi ne le remplace jamais de \
         lui-même : un nouvel identifiant ferait de ce poste un nouveau poste et changerait ses \
         mots de passe du jour. Le fichier n'a pas été modifié.";
    match e {
        InstallationError::Io { path, source } => explain(
            "Identité du poste inaccessible",
            format!(
                "Impact emploi n'a pas pu lire ou enregistrer « {} ». {}",
                path.display(),
                io_error(source)
            ),
            "Sans l'identité du poste, ni l'authentification auprès du serveur ni le mode \
             assistance ne peuvent fonctionner.",
            "Vérifiez qu'il reste de la place sur le disque et que votre session peut lire et \
             écrire dans le dossier de données d'Impact emploi ; sinon, contactez votre \
             informaticien.",
            format!(
                "Fichier : {}\nErreur système : {}\nMessage technique : {e}",
                path.display(),
                io_error(source)
            ),
        ),
        InstallationError::Damaged { path, line, detail } => explain(
            "Identité du poste endommagée",
            if *line > 0 {
                format!(
                    "Le fichier d'identité du poste « {} » est endommagé (ligne {line}).",
                    path.display()
                )
            } else {
                format!(
                    "Le fichier d'identité du poste « {} » est endommagé.",
                    path.display()
                )
            },
            WHY_IDENTITY,
            "Contactez l'assistance en joignant ce message : elle vous indiquera comment \
             rétablir l'identité de ce poste (ou votre informaticien peut restaurer ce fichier \
             depuis une sauvegarde du poste).",
            format!(
                "Fichier : {}\nLigne : {line}\nMessage technique : {detail}",
                path.display()
            ),
        ),
        InstallationError::DamagedSupportKey { path, .. } => explain(
            "Clé d'assistance endommagée",
            format!(
                "La clé d'assistance de ce poste (« {} ») est endommagée.",
                path.display()
            ),
            "Sans elle, aucun mot de passe du jour ne peut être vérifié : le mode assistance ne \
             peut être ni activé ni désactivé. Le fichier n'a pas été modifié.",
            "Contactez l'assistance en joignant ce message (ou votre informaticien, qui peut \
             restaurer ce fichier depuis une sauvegarde du poste).",
            format!("Fichier : {}\nMessage technique : {e}", path.display()),
        ),
        InstallationError::SupportKeyMissing { path } => explain(
            "Clé d'assistance absente",
            format!(
                "Aucune clé d'assistance n'a été trouvée à l'emplacement « {} ».",
                path.display()
            ),
            "Cette clé est créée au premier démarrage d'Impact emploi sur le poste ; sans elle, \
             aucun mot de passe du jour ne peut être calculé.",
            "Vérifiez le dossier de données indiqué : c'est celui du poste concerné, où \
             Impact emploi a déjà démarré au moins une fois.",
            format!("Fichier : {}\nMessage technique : {e}", path.display()),
        ),
        InstallationError::Random { .. } => explain(
            "Identité du poste impossible à créer",
            "Le système n'a pas fourni les nombres aléatoires nécessaires pour créer la clé \
             d'assistance de ce poste.",
            "Sans elle, le mode assistance ne peut pas fonctionner.",
            TODO_RESTART_COMPUTER,
            format!("Message technique : {e}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    #[test]
    fn wrong_code_says_how_many_tries_remain_and_what_the_code_is() {
        let text = assistance_error(&AssistanceError::WrongCode { remaining_tries: 3 }).to_string();
        assert!(text.contains("3 essais"), "{text}");
        assert!(text.contains("mot de passe du jour"), "{text}");
        assert!(text.contains("e-mail ou par téléphone"), "{text}");
        assert!(text.contains("aujourd'hui et hier"), "{text}");
        let one = assistance_error(&AssistanceError::WrongCode { remaining_tries: 1 }).to_string();
        assert!(one.contains("reste 1 essai "), "{one}");
    }

    #[test]
    fn lock_says_until_when() {
        let until = chrono::Local
            .with_ymd_and_hms(2026, 3, 10, 14, 15, 0)
            .single()
            .expect("time");
        let e = assistance_error(&AssistanceError::Locked { until });
        assert!(e.what.contains("jusqu'à 14:15"), "{}", e.what);
        assert!(e.todo.contains("14:15"), "{}", e.todo);
    }

    #[test]
    fn outcomes_use_the_guides_words() {
        let on = assistance_outcome(&AssistanceOutcome::Enabled);
        assert!(on.starts_with("Le mode assistance est activé : le scarabée rouge"));
        assert!(on.ends_with(ASSISTANCE_WARNING));
        let off = assistance_outcome(&AssistanceOutcome::Disabled);
        assert!(off.contains("boule bleue accompagnée d'un cœur rouge"));
    }

    #[test]
    fn every_explanation_is_complete() {
        let io = || std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let path = std::path::PathBuf::from("/tmp/iea");
        let mut all: Vec<Explanation> = vec![
            assistance_error(&AssistanceError::AlreadyEnabled),
            assistance_error(&AssistanceError::AlreadyDisabled),
            assistance_error(&AssistanceError::Io {
                path: path.clone(),
                source: io(),
            }),
        ];
        all.extend(
            [
                SecretError::Io {
                    path: path.clone(),
                    source: io(),
                },
                SecretError::DamagedKey {
                    path: path.clone(),
                    len: 3,
                },
                SecretError::Random { detail: "x".into() },
                SecretError::BadFormat { problem: "x" },
                SecretError::WrongKeyOrTampered,
            ]
            .iter()
            .map(secret_error),
        );
        all.extend(
            [
                InstallationError::Io {
                    path: path.clone(),
                    source: io(),
                },
                InstallationError::Damaged {
                    path: path.clone(),
                    line: 2,
                    detail: "x".into(),
                },
                InstallationError::DamagedSupportKey {
                    path: path.clone(),
                    len: 3,
                },
                InstallationError::SupportKeyMissing { path },
                InstallationError::Random { detail: "x".into() },
            ]
            .iter()
            .map(installation_error),
        );
        for e in all {
            for part in [&e.title, &e.what, &e.why, &e.todo, &e.details] {
                assert!(!part.trim().is_empty(), "{e:?}");
            }
        }
    }
}
