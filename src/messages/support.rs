//! French sentences for the support request and its mail.
//!
//! Every failure to send ends with the practical guides' fallback: the message
//! and the report stay on screen, and « Copier les destinataires », « Copier le
//! contenu » and « Enregistrer le rapport… » let the user send them from their
//! usual mailbox. No sentence here ever holds a password: the errors carry none.

use super::{Explanation, explain, io_error};
use crate::support::{AddressRole, SEND_TIMEOUT, SmtpStep, SupportError};

/// Shown once the server accepted the request (seed 000's reminder).
pub const SUPPORT_SENT: &str = "Votre demande a été envoyée à l'assistance. Un accusé de \
     réception vous informera de sa prise en compte ; merci de ne pas renvoyer le même \
     message.";

/// Why nothing is lost when sending fails.
const NOTHING_LOST: &str = "Votre demande n'est pas partie, mais rien n'est perdu : le \
     message et le rapport restent affichés, prêts à être envoyés autrement.";

/// How to send the request without this program (seed 004's fallback).
pub const SEND_FROM_MAILBOX: &str = "Vous pouvez l'envoyer depuis votre messagerie \
     habituelle : ouvrez un nouveau message, cliquez sur « Copier les destinataires » et \
     collez-les comme destinataires, cliquez sur « Copier le contenu » et collez-le dans le \
     corps du message, reprenez l'objet indiqué, puis cliquez sur « Enregistrer le \
     rapport… » et joignez le fichier enregistré avant d'envoyer.";

/// The connection state of `status --json`'s key in French, as the tray says it.
pub fn support_state_label(key: &str) -> &'static str {
    match key {
        "connected" => "Connecté au serveur Impact emploi",
        "unreachable" => "Échec de connexion au serveur",
        "auth_refused" => "Serveur d'authentification : autorisation refusée",
        "licence_refused" => "Licence non reconnue : consultation seulement",
        "licence_duplicate" => "Licence identique sur 2 postes",
        "assistance" => "Mode assistance : déconnecté du serveur de production",
        _ => "Connexion au serveur non vérifiée",
    }
}

/// What the server refused, to follow "a refusé".
fn step_label(step: SmtpStep) -> &'static str {
    match step {
        SmtpStep::Greeting => "les messages de ce poste",
        SmtpStep::Sender => "l'adresse de l'expéditeur",
        SmtpStep::Recipient => "l'adresse du destinataire",
        SmtpStep::Message => "le message lui-même",
    }
}

/// "What to do" with the fallback after the specific advice.
fn todo_then_mailbox(advice: &str) -> String {
    if advice.is_empty() {
        SEND_FROM_MAILBOX.to_owned()
    } else {
        format!("{advice} En attendant, {}", lower_first(SEND_FROM_MAILBOX))
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_lowercase().chain(chars).collect()
    })
}

/// "smtp.asso.fr (port 587)".
fn server(host: &str, port: u16) -> String {
    format!("« {host} » (port {port})")
}

/// A support error in French: what happened, that nothing was lost, what to do
/// (always ending with how to send the request from the usual mailbox).
pub fn support_error(e: &SupportError) -> Explanation {
    let technical = format!("Message technique : {e}");
    match e {
        SupportError::NotConfigured => explain(
            "Envoi des e-mails non configuré",
            "Impact emploi ne peut pas envoyer lui-même votre demande : le serveur d'envoi \
             des e-mails (SMTP) ou l'adresse de l'expéditeur n'est pas indiqué dans la \
             configuration.",
            NOTHING_LOST,
            format!(
                "{SEND_FROM_MAILBOX} Pour envoyer directement la prochaine fois, renseignez le \
                 serveur d'envoi des e-mails et l'adresse de l'expéditeur dans le centre de \
                 maintenance (votre fournisseur de messagerie ou votre informaticien vous les \
                 indiquera)."
            ),
            technical,
        ),
        SupportError::Config(c) => explain(
            "Configuration illisible",
            format!(
                "Le fichier de configuration « {} » n'a pas pu être lu : les réglages d'envoi \
                 des e-mails sont inconnus.",
                c.path().display()
            ),
            NOTHING_LOST,
            todo_then_mailbox(
                "Corrigez la configuration depuis le centre de maintenance (son message \
                 indique la ligne en cause).",
            ),
            // Not the parser's text: it may quote the value of the line.
            format!("Fichier : {}", c.path().display()),
        ),
        SupportError::Address { role, address } => {
            let (what, advice) = match role {
                AddressRole::Sender => (
                    format!(
                        "L'adresse de l'expéditeur « {address} », indiquée dans la \
                         configuration, n'est pas une adresse e-mail valable."
                    ),
                    "Corrigez l'adresse de l'expéditeur dans le centre de maintenance \
                     (exemple : paie@association.fr).",
                ),
                AddressRole::Recipient => (
                    format!("L'adresse du destinataire « {address} » n'est pas valable."),
                    "Corrigez l'adresse du destinataire (l'adresse de l'assistance est \
                     impact-emploi-association@urssaf.fr).",
                ),
            };
            explain(
                "Adresse e-mail incorrecte",
                what,
                NOTHING_LOST,
                todo_then_mailbox(advice),
                technical,
            )
        }
        SupportError::Connection {
            host,
            port,
            timed_out,
            detail: _,
        } => explain(
            "Serveur d'envoi injoignable",
            if *timed_out {
                format!(
                    "Le serveur d'envoi des e-mails {} n'a pas répondu dans les {} secondes.",
                    server(host, *port),
                    SEND_TIMEOUT.as_secs()
                )
            } else {
                format!(
                    "Impact emploi n'a pas pu joindre le serveur d'envoi des e-mails {}.",
                    server(host, *port)
                )
            },
            NOTHING_LOST,
            todo_then_mailbox(
                "Vérifiez la connexion à internet, puis le nom du serveur et le port dans le \
                 centre de maintenance ; un pare-feu peut aussi bloquer l'envoi : votre \
                 informaticien pourra le vérifier.",
            ),
            technical,
        ),
        SupportError::Tls { host, port, .. } => explain(
            "Liaison sécurisée impossible",
            format!(
                "La liaison chiffrée avec le serveur d'envoi des e-mails {} n'a pas pu être \
                 établie : son certificat n'est pas reconnu, ou la sécurité choisie (STARTTLS \
                 ou TLS) ne correspond pas à ce serveur.",
                server(host, *port)
            ),
            "Impact emploi n'envoie jamais votre demande ni votre mot de passe sur une liaison \
             qu'il n'a pas pu vérifier. Rien n'est parti, et rien n'est perdu : le message et \
             le rapport restent affichés.",
            todo_then_mailbox(
                "Vérifiez la sécurité et le port choisis (STARTTLS avec le port 587, TLS avec \
                 le port 465). Si votre réseau contrôle les connexions avec sa propre autorité \
                 de certification, demandez son fichier à votre informaticien et indiquez-le \
                 dans les paramètres de connexion.",
            ),
            technical,
        ),
        SupportError::ExtraCa { path, .. } => explain(
            "Autorité de certification inutilisable",
            format!(
                "Le fichier d'autorité de certification « {} », indiqué dans les paramètres \
                 de connexion, n'a pas pu être utilisé.",
                path.display()
            ),
            NOTHING_LOST,
            todo_then_mailbox(
                "Demandez à votre informaticien le bon fichier (un certificat au format PEM) \
                 ou retirez ce réglage des paramètres de connexion.",
            ),
            technical,
        ),
        SupportError::PasswordInClear { host } => explain(
            "Envoi non chiffré refusé",
            format!(
                "La configuration demande d'envoyer les e-mails sans chiffrement au serveur \
                 « {host} », avec un mot de passe : il circulerait en clair sur le réseau."
            ),
            "Impact emploi refuse de le faire, pour protéger votre mot de passe. Rien n'est \
             parti, et rien n'est perdu : le message et le rapport restent affichés.",
            todo_then_mailbox(
                "Choisissez STARTTLS ou TLS pour la sécurité de l'envoi des e-mails dans le \
                 centre de maintenance.",
            ),
            technical,
        ),
        SupportError::Authentication { user, .. } => explain(
            "Identifiants refusés",
            if user.is_empty() {
                "Le serveur d'envoi des e-mails demande un nom d'utilisateur et un mot de \
                 passe, et la configuration n'en indique pas."
                    .to_owned()
            } else {
                format!(
                    "Le serveur d'envoi des e-mails a refusé l'utilisateur « {user} » et son \
                     mot de passe."
                )
            },
            NOTHING_LOST,
            todo_then_mailbox(
                "Vérifiez le nom d'utilisateur et saisissez de nouveau le mot de passe de la \
                 messagerie dans le centre de maintenance.",
            ),
            technical,
        ),
        SupportError::Refused {
            step,
            code,
            message,
        } => {
            let server_words = if message.trim().is_empty() {
                String::new()
            } else {
                format!(" : « {} »", message.trim())
            };
            let advice = match step {
                _ if (400..500).contains(code) => {
                    "Ce refus est temporaire : réessayez dans quelques minutes."
                }
                SmtpStep::Recipient => {
                    "Vérifiez l'adresse du destinataire ; si elle est juste, votre serveur \
                     d'envoi n'accepte peut-être pas les messages vers l'extérieur : votre \
                     fournisseur de messagerie ou votre informaticien vous le dira."
                }
                SmtpStep::Sender => {
                    "Vérifiez que l'adresse de l'expéditeur est bien celle du compte de \
                     messagerie configuré."
                }
                SmtpStep::Message | SmtpStep::Greeting => {
                    "Votre fournisseur de messagerie ou votre informaticien pourra vous dire \
                     pourquoi le serveur refuse ce message."
                }
            };
            explain(
                "Envoi refusé par le serveur",
                format!(
                    "Le serveur d'envoi des e-mails a refusé {} (code {code}{server_words}).",
                    step_label(*step)
                ),
                NOTHING_LOST,
                todo_then_mailbox(advice),
                technical,
            )
        }
        SupportError::Protocol { host, port, .. } => explain(
            "Réponse inattendue du serveur d'envoi",
            format!(
                "Le serveur {} ne répond pas comme un serveur d'envoi des e-mails.",
                server(host, *port)
            ),
            NOTHING_LOST,
            todo_then_mailbox(
                "Vérifiez le nom du serveur, le port et la sécurité de l'envoi des e-mails \
                 dans le centre de maintenance.",
            ),
            technical,
        ),
        SupportError::Secret(_) => explain(
            "Mot de passe enregistré illisible",
            "Le mot de passe de la messagerie, enregistré chiffré sur ce poste, n'a pas pu \
             être déchiffré (fichier de clé absent ou abîmé, ou configuration copiée depuis un \
             autre poste).",
            NOTHING_LOST,
            todo_then_mailbox(
                "Saisissez de nouveau le mot de passe de la messagerie dans le centre de \
                 maintenance.",
            ),
            technical,
        ),
        SupportError::Io { path, source } => explain(
            "Rapport non enregistré",
            format!(
                "Le rapport n'a pas pu être enregistré dans « {} ». {}",
                path.display(),
                io_error(source)
            ),
            "Le message et le rapport restent affichés : rien n'est perdu.",
            "Cliquez de nouveau sur « Enregistrer le rapport… » et choisissez un autre dossier \
             (vos Documents, par exemple), ou collez le rapport dans votre message avec \
             « Copier le contenu ».",
            format!(
                "Fichier : {}\nErreur système : {}\n{technical}",
                path.display(),
                io_error(source)
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;
    use std::path::PathBuf;

    fn all_errors() -> Vec<SupportError> {
        vec![
            SupportError::NotConfigured,
            SupportError::Config(crate::config::ConfigError::Syntax {
                path: PathBuf::from("/iea/config.toml"),
                line: 3,
                detail: "unterminated string".into(),
            }),
            SupportError::Address {
                role: AddressRole::Sender,
                address: "paie(at)asso".into(),
            },
            SupportError::Address {
                role: AddressRole::Recipient,
                address: "assistance".into(),
            },
            SupportError::Connection {
                host: "smtp.asso.fr".into(),
                port: 587,
                timed_out: true,
                detail: "timed out".into(),
            },
            SupportError::Connection {
                host: "smtp.asso.fr".into(),
                port: 587,
                timed_out: false,
                detail: "connection refused".into(),
            },
            SupportError::Tls {
                host: "smtp.asso.fr".into(),
                port: 587,
                detail: "invalid peer certificate: UnknownIssuer".into(),
            },
            SupportError::ExtraCa {
                path: PathBuf::from("/iea/ca.pem"),
                detail: "no certificate in the file".into(),
            },
            SupportError::PasswordInClear {
                host: "smtp.asso.fr".into(),
            },
            SupportError::Authentication {
                user: "paie@asso.fr".into(),
                code: Some(535),
                message: "5.7.8 Authentication credentials invalid".into(),
            },
            SupportError::Authentication {
                user: String::new(),
                code: Some(530),
                message: "5.7.0 Authentication required".into(),
            },
            SupportError::Refused {
                step: SmtpStep::Recipient,
                code: 550,
                message: "5.1.1 No such user".into(),
            },
            SupportError::Refused {
                step: SmtpStep::Sender,
                code: 553,
                message: String::new(),
            },
            SupportError::Refused {
                step: SmtpStep::Message,
                code: 452,
                message: "4.3.1 Insufficient system storage".into(),
            },
            SupportError::Refused {
                step: SmtpStep::Greeting,
                code: 554,
                message: "No SMTP service here".into(),
            },
            SupportError::Protocol {
                host: "smtp.asso.fr".into(),
                port: 25,
                detail: "incomplete response".into(),
            },
            SupportError::Secret(crate::secrets::SecretError::WrongKeyOrTampered),
            SupportError::Io {
                path: PathBuf::from("/media/usb/rapport.txt"),
                source: io::Error::from(io::ErrorKind::PermissionDenied),
            },
        ]
    }

    #[test]
    fn every_support_error_says_what_why_and_how_to_send_anyway() {
        for e in all_errors() {
            let x = support_error(&e);
            for (name, text) in [
                ("title", &x.title),
                ("what", &x.what),
                ("why", &x.why),
                ("todo", &x.todo),
                ("details", &x.details),
            ] {
                assert!(!text.trim().is_empty(), "empty {name} for {e:?}");
            }
            assert!(x.why.contains("rien n'est perdu"), "{x:#?}");
            assert!(
                !x.what.contains('\u{2019}'),
                "typographic apostrophe: {x:#?}"
            );
            if matches!(e, SupportError::Io { .. }) {
                assert!(x.todo.contains("« Enregistrer le rapport… »"), "{x:#?}");
            } else {
                for button in [
                    "« Copier les destinataires »",
                    "« Copier le contenu »",
                    "« Enregistrer le rapport… »",
                ] {
                    assert!(x.todo.contains(button), "{button} missing: {x:#?}");
                }
                assert!(x.todo.contains("messagerie habituelle"), "{x:#?}");
            }
        }
    }

    #[test]
    fn a_refused_recipient_names_the_code_and_the_server_words() {
        let x = support_error(&SupportError::Refused {
            step: SmtpStep::Recipient,
            code: 550,
            message: "5.1.1 No such user".into(),
        });
        assert!(x.what.contains("l'adresse du destinataire"), "{x:#?}");
        assert!(x.what.contains("code 550"), "{x:#?}");
        assert!(x.what.contains("No such user"), "{x:#?}");
        let temporary = support_error(&SupportError::Refused {
            step: SmtpStep::Recipient,
            code: 450,
            message: String::new(),
        });
        assert!(
            temporary.todo.starts_with("Ce refus est temporaire"),
            "{temporary:#?}"
        );
    }

    #[test]
    fn sent_message_follows_the_seed() {
        assert!(SUPPORT_SENT.contains("accusé de réception"));
        assert!(SUPPORT_SENT.contains("ne pas renvoyer"));
        assert_eq!(
            support_state_label("connected"),
            "Connecté au serveur Impact emploi"
        );
        assert_eq!(
            support_state_label("???"),
            "Connexion au serveur non vérifiée"
        );
    }
}
