//! French sentences for the support request and its mail: the body and the
//! support report written from [`SupportFacts`], and why sending failed.
//!
//! Every failure to send ends with the practical guides' fallback: the message
//! and the report stay on screen, and « Copier les destinataires », « Copier le
//! contenu » and « Enregistrer le rapport… » let the user send them from their
//! usual mailbox. No sentence here ever holds a password: the errors carry none.

use std::fmt::Write as _;

use super::{Explanation, explain, io_error};
use crate::config::{ConfigError, ConnectionKind, ConnectionMode, MailSecurity};
use crate::service::state::{ConnectionState, TrayLine};
use crate::store::SCHEMA_VERSION;
use crate::support::{
    AddressRole, REPORT_LOG_LINES, SEND_TIMEOUT, SmtpStep, SupportError, SupportFacts,
};

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
pub fn support_state_label(key: &str) -> String {
    let line = match key {
        "connected" => TrayLine::Connected,
        "unreachable" => TrayLine::ConnectionFailed { next_retry: None },
        "auth_refused" => TrayLine::AuthRefused,
        "licence_refused" => TrayLine::LicenceRefused,
        "licence_duplicate" => TrayLine::LicenceDuplicate,
        "assistance" => TrayLine::Assistance,
        _ => TrayLine::ConnectionUnverified,
    };
    super::tray_line(&line)
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
            super::TITLE_STORED_PASSWORD_UNREADABLE,
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

// ---------------------------------------------------------------------------
// The request's body and the support report, written from the facts.

/// Written instead of a stored password or key.
pub const STORED_SECRET: &str = "(enregistré, chiffré)";

/// Written where a setting is empty.
const NONE: &str = "(aucun)";

/// Written where no password is stored.
pub const NO_SECRET: &str = NONE;

/// Written in place of a secret that turned up where it should not (a log line).
pub const SECRET_MASKED: &str = "(masqué)";

/// The default subject the practical guides ask for.
pub fn support_subject() -> String {
    format!("Serveur de connexion {}", crate::updates::program_version())
}

/// The connection state in French, with the server's words when it gave some.
fn state_line(facts: &SupportFacts) -> String {
    let p = &facts.persisted;
    let label = support_state_label(p.state_key());
    let server = match &p.connection {
        ConnectionState::AuthRefused { message }
        | ConnectionState::LicenceRefused { message }
        | ConnectionState::LicenceDuplicate { message }
            if !message.trim().is_empty() =>
        {
            format!(" (message du serveur : {})", message.trim())
        }
        _ => String::new(),
    };
    format!("{label}{server}")
}

fn store_line(facts: &SupportFacts) -> String {
    let path = facts.config().paths.store.display().to_string();
    match &facts.store {
        Ok(s) => format!(
            "{path} (version de base {} ; {}, {}, {}, {})",
            s.schema_version,
            count(s.dossiers.len() as u64, "dossier", "dossiers"),
            count(s.employers, "employeur", "employeurs"),
            count(s.employees, "salarié", "salariés"),
            count(s.payslips, "bulletin", "bulletins"),
        ),
        Err(e) => format!("{path} – ne s'ouvre pas : {}", super::store_error(e).title),
    }
}

/// "activé" or "désactivé".
fn on_off(on: bool) -> &'static str {
    if on { "activé" } else { "désactivé" }
}

/// The body of the request: a place for the problem and the user's contact
/// details, then the installation's facts.
pub fn support_body(facts: &SupportFacts) -> String {
    let (installation_id, workstation_id) = match &facts.installation {
        Ok(i) => (i.installation_id.to_string(), i.workstation_id.to_string()),
        Err(_) => ("indisponible".to_owned(), "indisponible".to_owned()),
    };
    let mut b = String::new();
    b.push_str("Bonjour,\n\n");
    b.push_str(
        "Décrivez ici votre problème : ce que vous faisiez, le message affiché, \
         depuis quand.\n\n",
    );
    b.push_str("Vos coordonnées : …\n");
    b.push_str("  Nom et prénom : \n");
    b.push_str("  Association : \n");
    b.push_str("  Téléphone : \n");
    b.push_str("  Adresse e-mail : \n\n");
    b.push_str("Informations sur l'installation (remplies automatiquement) :\n");
    let _ = writeln!(
        b,
        "  Version du programme : {}",
        crate::updates::program_version()
    );
    let _ = writeln!(b, "  Nom du poste : {}", facts.host_name);
    let _ = writeln!(b, "  Identifiant d'installation : {installation_id}");
    let _ = writeln!(b, "  Identifiant du poste : {workstation_id}");
    let _ = writeln!(b, "  Base de données : {}", store_line(facts));
    let _ = writeln!(b, "  État de la connexion : {}", state_line(facts));
    let _ = writeln!(
        b,
        "  Mode assistance : {}",
        on_off(facts.persisted.assistance)
    );
    let _ = writeln!(
        b,
        "\nLe rapport technique est joint à ce message ({}).\n",
        facts.report_name()
    );
    b.push_str("Cordialement,\n");
    b
}

/// The support report: versions, current state and its recent history, the last
/// server test, the store (and the diagnosis when it does not open), the
/// configuration without any secret, and the recent log lines. Plain text,
/// French headings. The log lines are quoted as they are: the caller masks any
/// secret that slipped into them.
pub fn support_report(facts: &SupportFacts) -> String {
    let mut r = String::new();
    let _ = writeln!(r, "Rapport de support – Impact emploi association");
    let _ = writeln!(
        r,
        "Date : {}",
        facts.now.format("%d/%m/%Y à %H:%M:%S (%:z)")
    );
    versions_section(&mut r, facts);
    state_section(&mut r, facts);
    server_test_section(&mut r, facts);
    store_section(&mut r, facts);
    config_section(&mut r, facts);
    log_section(&mut r, facts);
    r
}

fn versions_section(r: &mut String, facts: &SupportFacts) {
    heading(r, "Versions");
    let _ = writeln!(
        r,
        "Programme : iea-maintenance {}",
        crate::updates::program_version()
    );
    let _ = writeln!(r, "Version de base prise en charge : {SCHEMA_VERSION}");
    let _ = writeln!(r, "Système : {}", facts.operating_system);
    let _ = writeln!(r, "Nom du poste : {}", facts.host_name);
    match &facts.installation {
        Ok(i) => {
            let _ = writeln!(r, "Identifiant d'installation : {}", i.installation_id);
            let _ = writeln!(r, "Identifiant du poste : {}", i.workstation_id);
            let licence = if i.licence_key.trim().is_empty() {
                "non renseignée"
            } else {
                "renseignée (non reproduite ici)"
            };
            let _ = writeln!(r, "Clé de licence : {licence}");
        }
        Err(e) => {
            let _ = writeln!(r, "Identifiants d'installation : indisponibles ({e})");
        }
    }
    let _ = writeln!(r, "Dossier de l'application : {}", facts.home_dir.display());
}

fn state_section(r: &mut String, facts: &SupportFacts) {
    let p = &facts.persisted;
    heading(r, "État");
    let _ = writeln!(r, "Connexion : {}", state_line(facts));
    let _ = writeln!(r, "Mode assistance : {}", on_off(p.assistance));
    let _ = writeln!(
        r,
        "Échecs d'authentification consécutifs : {}",
        p.consecutive_failures
    );
    let _ = writeln!(
        r,
        "État enregistré le : {}",
        p.updated_at.as_deref().unwrap_or("jamais")
    );
    if p.history.is_empty() {
        let _ = writeln!(r, "Historique : aucun changement d'état enregistré");
    } else {
        let _ = writeln!(r, "Historique (du plus ancien au plus récent) :");
        for event in &p.history {
            let detail = if event.detail.trim().is_empty() {
                String::new()
            } else {
                format!(" – {}", event.detail.trim())
            };
            let _ = writeln!(
                r,
                "  {} : {} [{}]{detail}",
                event.at,
                support_state_label(&event.state),
                event.state
            );
        }
    }
}

fn server_test_section(r: &mut String, facts: &SupportFacts) {
    heading(r, "Dernier test des serveurs");
    let Some(test) = &facts.server_test else {
        let _ = writeln!(r, "Aucun test enregistré.");
        return;
    };
    let _ = writeln!(
        r,
        "Le {} (mode {}, {}) : {}",
        test.at,
        connection_mode(test.mode),
        connection_kind(test.kind),
        super::server_test_summary(test)
    );
    for result in &test.results {
        let _ = writeln!(
            r,
            "  {} ({} ms)",
            super::server_result_line(result),
            result.elapsed_ms
        );
    }
}

fn store_section(r: &mut String, facts: &SupportFacts) {
    heading(r, "Base de données");
    let path = &facts.config().paths.store;
    let _ = writeln!(r, "Fichier : {}", path.display());
    let _ = writeln!(
        r,
        "Taille : {}",
        crate::fsutil::human_size(facts.store_size_bytes)
    );
    match &facts.store {
        Ok(s) => {
            let _ = writeln!(r, "Version de base : {}", s.schema_version);
            let _ = writeln!(
                r,
                "Contenu : {}, {}, {}, {}, {}, {}",
                count(s.dossiers.len() as u64, "dossier", "dossiers"),
                count(s.employers, "employeur", "employeurs"),
                count(s.employees, "salarié", "salariés"),
                count(s.payslips, "bulletin", "bulletins"),
                count(s.users, "utilisateur", "utilisateurs"),
                count(s.workstations, "poste", "postes"),
            );
            for d in &s.dossiers {
                let _ = writeln!(
                    r,
                    "  {} ({}{}) : {}, {}, {}, périodes {} à {}",
                    d.name,
                    super::dossier_state_label(d.state),
                    if d.archived { ", archivé" } else { "" },
                    count(d.employers, "employeur", "employeurs"),
                    count(d.employees, "salarié", "salariés"),
                    count(d.payslips, "bulletin", "bulletins"),
                    d.first_period.as_deref().unwrap_or("–"),
                    d.last_period.as_deref().unwrap_or("–"),
                );
            }
        }
        Err(e) => {
            let x = super::store_error(e);
            let _ = writeln!(r, "Ne s'ouvre pas : {}", x.title);
            let _ = writeln!(r, "{}", x.what);
            if let Some(d) = &facts.diagnosis {
                let _ = writeln!(
                    r,
                    "Conclusion du diagnostic : {}",
                    super::conclusion(d).title
                );
                r.push('\n');
                r.push_str(&super::diagnosis_report(d));
            }
        }
    }
}

fn config_section(r: &mut String, facts: &SupportFacts) {
    heading(r, "Configuration (sans aucun secret)");
    let _ = writeln!(r, "Fichier : {}", facts.config_file.display());
    if let Err(e) = &facts.config {
        let _ = writeln!(
            r,
            "Fichier illisible, réglages par défaut utilisés ci-dessous : {}",
            config_error_summary(e)
        );
    }
    let config = facts.config();
    let net = &config.connection;
    let _ = writeln!(r, "Type de connexion : {}", connection_kind(net.kind));
    let _ = writeln!(r, "Mode de connexion : {}", connection_mode(net.mode));
    let _ = writeln!(r, "Serveur d'authentification : {}", net.auth_url);
    let _ = writeln!(r, "Serveur de mise à jour : {}", net.update_url);
    let _ = writeln!(
        r,
        "Authentification Net-entreprises : {}",
        net.net_entreprises_url
    );
    let _ = writeln!(
        r,
        "Autorité de certification supplémentaire : {}",
        net.extra_ca_file
            .as_ref()
            .map_or_else(|| "(aucune)".to_owned(), |p| p.display().to_string())
    );
    let _ = writeln!(
        r,
        "Proxy : {}:{} ; utilisateur : {} ; mot de passe : {}",
        or_none(&net.proxy.host),
        net.proxy.port,
        or_none(&net.proxy.user),
        secret_state(net.proxy.password_encrypted.as_ref())
    );
    let paths = &config.paths;
    let _ = writeln!(r, "Base de données : {}", paths.store.display());
    let _ = writeln!(
        r,
        "Dossier de préparation des sauvegardes : {}",
        paths.staging.display()
    );
    let _ = writeln!(r, "Dossier des journaux : {}", paths.logs.display());
    for known in &paths.known_stores {
        let _ = writeln!(r, "Base connue : {}", known.display());
    }
    let mail = &config.mail;
    let _ = writeln!(
        r,
        "Serveur d'envoi des e-mails : {}:{} ({})",
        or_none(&mail.smtp_host),
        mail.smtp_port,
        mail_security(mail.security)
    );
    let _ = writeln!(
        r,
        "Utilisateur SMTP : {} ; mot de passe : {}",
        or_none(&mail.user),
        secret_state(mail.password_encrypted.as_ref())
    );
    let _ = writeln!(r, "Expéditeur : {}", or_none(&mail.sender));
    let _ = writeln!(r, "Adresse de l'assistance : {}", mail.support_address);
}

fn log_section(r: &mut String, facts: &SupportFacts) {
    heading(
        r,
        &format!("Journal ({REPORT_LOG_LINES} dernières lignes au plus)"),
    );
    match &facts.log_lines {
        Ok(lines) if lines.is_empty() => {
            let _ = writeln!(r, "Aucune ligne.");
        }
        Ok(lines) => {
            for line in lines {
                let _ = writeln!(r, "{line}");
            }
        }
        Err(e) => {
            let _ = writeln!(r, "Journal illisible : {}", io_error(e));
        }
    }
}

fn heading(r: &mut String, title: &str) {
    let _ = write!(r, "\n== {title} ==\n");
}

fn count(n: u64, one: &str, many: &str) -> String {
    if n <= 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

fn or_none(s: &str) -> &str {
    if s.trim().is_empty() { NONE } else { s }
}

/// Whether a password is stored, never its text.
fn secret_state(stored: Option<&String>) -> &'static str {
    if stored.is_some_and(|s| !s.trim().is_empty()) {
        STORED_SECRET
    } else {
        NO_SECRET
    }
}

fn connection_kind(k: ConnectionKind) -> &'static str {
    match k {
        ConnectionKind::Direct => "connexion directe par réseau local",
        ConnectionKind::Proxy => "par l'intermédiaire d'un serveur proxy",
        ConnectionKind::System => "paramètres du système",
    }
}

fn connection_mode(m: ConnectionMode) -> &'static str {
    match m {
        ConnectionMode::Normal => "Normal",
        ConnectionMode::Extended => "Étendu",
        ConnectionMode::Secure => "Sécurisé",
    }
}

fn mail_security(s: MailSecurity) -> &'static str {
    match s {
        MailSecurity::Starttls => "STARTTLS",
        MailSecurity::Tls => "TLS",
        MailSecurity::None => "sans chiffrement",
    }
}

/// A configuration error for the report: where, and which key, but not the
/// parser's text, which may quote the value of the line (a password typed by
/// hand in the file, say).
fn config_error_summary(e: &ConfigError) -> String {
    let path = e.path().display();
    match e {
        ConfigError::Read { source, .. } | ConfigError::Write { source, .. } => {
            format!("{path} : {}", io_error(source))
        }
        ConfigError::Syntax { line, .. } => format!("{path}, ligne {line} : erreur d'écriture"),
        ConfigError::UnknownKey { line, key, .. } => {
            format!("{path}, ligne {line} : réglage inconnu « {key} »")
        }
        ConfigError::Invalid { line, key, .. } => {
            format!("{path}, ligne {line} : valeur incorrecte pour « {key} »")
        }
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
