//! French sentences for the server tests and the authentication.
//!
//! The words follow the practical guides users know: "Tester l'accès aux
//! serveurs", the success sentence of seed 000 ("La connexion local/internet s'est
//! déroulée avec succès."), the case-3 boxes ("Serveur d'authentification /
//! Autorisation refusée", "Licence d'installation non reconnue"), the duplicate
//! licence sentence of seed 003, the ":80" advice of seed 001, and what to write
//! to support (subject "Serveur de connexion `<version>`"). No password ever
//! appears here: the results and errors carry none.

use std::fmt::Write as _;

use super::{Explanation, config_error, explain, installation_error, io_error, secret_error};
use crate::connection::auth::{AuthError, AuthOutcome, DuplicateWorkstation};
use crate::connection::client::ClientError;
use crate::connection::servers::{ServerName, ServerProblem, ServerResult, ServerTestReport, Step};
use crate::service::state::ConnectionState;

/// The message of a server test where every address answered (seed 000, case 1).
pub const SERVERS_OK: &str = "La connexion local/internet s'est déroulée avec succès.";

/// What assistance mode allows meanwhile (seed 000, cases 2 and 3).
pub(super) const MEANWHILE: &str = "En attendant l'intervention de l'assistance, l'utilisation du \
     logiciel reste possible : vous devez pour cela activer le mode assistance (clic droit sur \
     l'icône d'Impact emploi, « Demande de support technique » puis « Activer le mode \
     assistance »).";

/// The label of an address, as on the connection settings window.
pub fn server_name(name: ServerName) -> &'static str {
    match name {
        ServerName::Authentification => "Adresse du serveur d'authentification",
        ServerName::MiseAJour => "Adresse du serveur de mise à jour",
        ServerName::NetEntreprises => "Adresse d'authentification Net Entreprise",
    }
}

/// The step where a test stopped, in a few words.
pub fn server_step(step: Step) -> &'static str {
    match step {
        Step::Dns => "nom (DNS)",
        Step::Tcp => "connexion",
        Step::Tls => "sécurisation (TLS)",
        Step::Proxy => "proxy",
        Step::Http => "réponse HTTP",
        Step::Protocol => "protocole",
        Step::Ok => "terminé",
    }
}

/// What went wrong with an address, in plain French.
pub fn server_problem(p: &ServerProblem) -> String {
    match p {
        ServerProblem::NameNotFound => "Nom de serveur introuvable".to_owned(),
        ServerProblem::ConnectionRefused => "Connexion refusée".to_owned(),
        ServerProblem::ConnectionCut => {
            "Connexion coupée par le serveur ou par un équipement du réseau".to_owned()
        }
        ServerProblem::NoAnswerInTime { timeout_secs } => {
            format!("Pas de réponse dans le délai ({timeout_secs} s)")
        }
        ServerProblem::CertificateUnknownIssuer => {
            "Certificat non reconnu (autorité inconnue)".to_owned()
        }
        ServerProblem::CertificateExpired => "Certificat expiré".to_owned(),
        ServerProblem::CertificateWrongName => "Certificat établi pour un autre nom".to_owned(),
        ServerProblem::CertificateOther(detail) => format!("Certificat refusé ({detail})"),
        ServerProblem::ProxyRefused => {
            "Le proxy refuse la connexion : identification demandée ou refusée".to_owned()
        }
        ServerProblem::ProxyUnreachable => "Serveur proxy injoignable".to_owned(),
        ServerProblem::UnexpectedHttp(code) => format!("Réponse HTTP inattendue (code {code})"),
        ServerProblem::Redirected { location } => {
            format!("Redirigé vers {location} : service déplacé ou en maintenance")
        }
        ServerProblem::NotTheService(found) if found.is_empty() => {
            "L'adresse répond, mais ce n'est pas le service attendu".to_owned()
        }
        ServerProblem::NotTheService(found) => {
            format!("L'adresse répond, mais c'est un autre service (« {found} »)")
        }
        ServerProblem::SchemeRefusedInSecureMode => {
            "Le mode Sécurisé n'accepte que les adresses https://".to_owned()
        }
        ServerProblem::ExtraCaUnusable { path } => format!(
            "Le fichier d'autorité de certification « {path} » est illisible ou ne contient \
             aucun certificat"
        ),
        ServerProblem::Other(detail) => format!("Erreur technique : {detail}"),
    }
}

/// One line per address for a report or the command line: "✔ Adresse … : …
/// accessible" or "✘ Adresse … : … – échec à l'étape « connexion » : Connexion
/// refusée".
pub fn server_result_line(r: &ServerResult) -> String {
    match &r.problem {
        None if r.ok => format!("✔ {} : {} – accessible", server_name(r.name), r.url),
        problem => format!(
            "✘ {} : {} – échec à l'étape « {} » : {}",
            server_name(r.name),
            r.url,
            server_step(r.step),
            problem.as_ref().map_or_else(String::new, server_problem)
        ),
    }
}

/// The sentence under the test: [`SERVERS_OK`], or how many addresses failed.
pub fn server_test_summary(report: &ServerTestReport) -> String {
    if report.all_ok() {
        return SERVERS_OK.to_owned();
    }
    let failed = report.results.iter().filter(|r| !r.ok).count();
    if failed <= 1 {
        "Échec de connexion au serveur : une adresse ne répond pas comme prévu.".to_owned()
    } else {
        format!("Échec de connexion au serveur : {failed} adresses ne répondent pas comme prévu.")
    }
}

/// Advice after a failed test, only where it helps:
///
/// - seed 001: add « :80 » after the server name of the first two addresses,
///   when one of them is still the default `https://` address and failed where
///   a filtering network stops it (connection, proxy, no answer): some
///   networks let the vendor's server through on port 80 only. An address the
///   user typed with a port of their own, or another server, keeps its port:
///   it was set on purpose, and changing it would be poor advice;
/// - an `http://` address refused in Sécurisé mode: write `https://`;
/// - a proxy asking for an identification: fill in its user and password;
/// - a certificate of an unknown authority: the company's authority file.
pub fn server_advice(report: &ServerTestReport) -> Option<String> {
    let mut advice: Vec<String> = Vec::new();

    let port_advice: Vec<(ServerName, String)> = report
        .results
        .iter()
        .filter(|r| !r.ok && blocked_by_the_network(r))
        .filter_map(|r| {
            let url = url::Url::parse(&r.url).ok()?;
            is_default_address(r.name, &url).then(|| (r.name, with_port_80(&url)))
        })
        .collect();
    if !port_advice.is_empty() {
        let which = if port_advice.len() == 2 {
            "des deux premières adresses".to_owned()
        } else {
            format!("de l'« {} »", server_name(port_advice[0].0))
        };
        let examples: Vec<String> = port_advice
            .iter()
            .map(|(_, fixed)| format!("« {fixed} »"))
            .collect();
        let host = url::Url::parse(crate::config::DEFAULT_AUTH_URL)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        advice.push(format!(
            "Le réseau ne laisse peut-être passer le serveur Impact emploi que par le port \
             80 : ajoutez « :80 » au bout {which}, juste après « {host} » ({}). Cliquez \
             ensuite sur « Enregistrer », puis relancez « Tester l'accès aux serveurs ».",
            and_list(&examples)
        ));
    }

    let failed = |p: &ServerProblem| {
        report
            .results
            .iter()
            .any(|r| !r.ok && r.problem.as_ref() == Some(p))
    };
    if failed(&ServerProblem::SchemeRefusedInSecureMode) {
        advice.push(
            "En mode Sécurisé, remplacez « http:// » par « https:// » au début des adresses \
             (par exemple « https://impact-emploi.urssaf.fr »), puis cliquez sur « Enregistrer »."
                .to_owned(),
        );
    }
    for problem in [
        ServerProblem::ProxyRefused,
        ServerProblem::CertificateUnknownIssuer,
    ] {
        if failed(&problem)
            && let Some(what_to_do) = problem_advice(&problem)
        {
            advice.push(what_to_do.to_owned());
        }
    }
    (!advice.is_empty()).then(|| advice.join("\n"))
}

/// What to do about a problem whose cause the user (or the IT contact) can
/// fix in the connection settings; `None` for the others.
fn problem_advice(p: &ServerProblem) -> Option<&'static str> {
    match p {
        ServerProblem::ProxyRefused => Some(
            "Le serveur proxy refuse la connexion sans identification valable : indiquez \
             l'utilisateur et le mot de passe du proxy dans les paramètres de connexion (votre \
             informaticien les connaît).",
        ),
        ServerProblem::CertificateUnknownIssuer => Some(
            "Si le réseau de votre structure contrôle les connexions sécurisées, demandez à \
             votre informaticien le fichier de son autorité de certification et indiquez-le \
             dans les paramètres de connexion.",
        ),
        ServerProblem::CertificateExpired
        | ServerProblem::CertificateWrongName
        | ServerProblem::CertificateOther(_) => Some(
            "Le certificat présenté n'est pas celui du serveur attendu : vérifiez l'adresse \
             dans les paramètres de connexion, et l'heure de cet ordinateur ; si elles sont \
             justes, montrez ce message à votre informaticien.",
        ),
        ServerProblem::SchemeRefusedInSecureMode => Some(
            "En mode Sécurisé, remplacez « http:// » par « https:// » au début des adresses, \
             puis cliquez sur « Enregistrer ».",
        ),
        _ => None,
    }
}

/// The authentication server could not be reached just now (`auth retry`, the
/// tray's « Relancer l'authentification »): at which step and why — an
/// untrusted certificate said as such, as « Tester l'accès aux serveurs » says
/// it — and whether an automatic retry is planned (`next_retry`, RFC 3339) or
/// none, the resident service not running.
pub fn auth_unreachable(
    step: Step,
    problem: &ServerProblem,
    next_retry: Option<&str>,
    support_address: &str,
    version: &str,
) -> Explanation {
    let contact = contact_support(support_address, version);
    let retry = match next_retry {
        Some(at) => format!("Nouvel essai automatique le {}.", french_time(at)),
        None => "Aucun nouvel essai automatique n'est prévu : le gestionnaire de services \
                 n'est pas lancé."
            .to_owned(),
    };
    let todo = format!(
        "{}Vérifiez les paramètres de connexion avec « Tester l'accès aux serveurs » \
         (iea-maintenance servers test), puis réessayez. Si malgré cette action le cœur rouge \
         est toujours présent : {} {MEANWHILE}",
        problem_advice(problem).map_or_else(String::new, |a| format!("{a} ")),
        lower_first(&contact)
    );
    explain(
        super::TITLE_CONNECTION_FAILED,
        format!(
            "Le serveur d'authentification n'a pas pu être joint (étape « {} ») : {}. {retry}",
            server_step(step),
            server_problem(problem)
        ),
        "Sans réponse du serveur, ce poste ne peut pas faire vérifier sa licence.",
        todo,
        format!(
            "Étape : {}\nProblème : {problem:?}\nProchain essai : {}",
            server_step(step),
            next_retry.unwrap_or("non planifié")
        ),
    )
}

/// A failure a filtering network or proxy gives for a port it does not let
/// through.
fn blocked_by_the_network(r: &ServerResult) -> bool {
    match (&r.step, &r.problem) {
        (
            Step::Tcp | Step::Proxy,
            Some(ServerProblem::ConnectionRefused | ServerProblem::NoAnswerInTime { .. }),
        )
        | (Step::Http, Some(ServerProblem::NoAnswerInTime { .. })) => true,
        (Step::Proxy, Some(ServerProblem::UnexpectedHttp(code))) => *code != 407,
        _ => false,
    }
}

/// Whether `url` is still the default address of `name` (seed 001's advice is
/// for those only). The Net-entreprises address is never one: it is another
/// organisation's server.
fn is_default_address(name: ServerName, url: &url::Url) -> bool {
    let default = match name {
        ServerName::Authentification => crate::config::DEFAULT_AUTH_URL,
        ServerName::MiseAJour => crate::config::DEFAULT_UPDATE_URL,
        ServerName::NetEntreprises => return false,
    };
    url::Url::parse(default).is_ok_and(|d| d == *url)
}

/// The address with ":80" right after the server name (`Url` would drop a
/// default port, so it is written by hand).
fn with_port_80(url: &url::Url) -> String {
    let host = match url.host() {
        Some(url::Host::Ipv6(ip)) => format!("[{ip}]"),
        Some(h) => h.to_string(),
        None => String::new(),
    };
    let mut text = format!("{}://{host}:80{}", url.scheme(), url.path());
    if let Some(q) = url.query() {
        text.push('?');
        text.push_str(q);
    }
    text
}

/// "Contactez l'assistance … objet « Serveur de connexion 3.1.0 »".
pub(super) fn contact_support(support_address: &str, version: &str) -> String {
    format!(
        "Contactez l'assistance ({support_address}) en précisant en objet « Serveur de \
         connexion {version} » et vos coordonnées dans le corps du message."
    )
}

/// "31/12/2027" from "2027-12-31", or the text as given.
pub(super) fn french_date(ymd: &str) -> String {
    chrono::NaiveDate::parse_from_str(ymd, "%Y-%m-%d")
        .map_or_else(|_| ymd.to_owned(), |d| d.format("%d/%m/%Y").to_string())
}

/// "02/05/2024 à 14:03" from an RFC 3339 time, or the text as given.
pub(super) fn french_time(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339).map_or_else(
        |_| rfc3339.to_owned(),
        |t| {
            t.with_timezone(&chrono::Local)
                .format("%d/%m/%Y à %H:%M")
                .to_string()
        },
    )
}

fn server_said(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(" Message du serveur : « {message} »")
    }
}

/// What the original program said of a duplicate licence (seed 003).
const DUPLICATE_SEED: &str = "Une licence est identique sur 2 postes différents, suite \
     certainement à une réinstallation ! La solution consiste à réinstaller l'un des 2 \
     postes avec le bon code de réinstallation.";

/// "« A »", "« A » et « B »", "« A », « B » et « C »" (items already quoted).
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} et {last}", rest.join(", ")),
    }
}

fn workstation_line(w: &DuplicateWorkstation) -> String {
    if w.last_seen.is_empty() {
        format!("« {} »", w.hostname)
    } else {
        format!("« {} » (vu le {})", w.hostname, french_time(&w.last_seen))
    }
}

/// What the authentication server said, in the words of seeds 000 and 003, with
/// what to do: the support address and the subject line
/// « Serveur de connexion `version` », and that assistance mode allows working
/// meanwhile.
pub fn auth_outcome(o: &AuthOutcome, support_address: &str, version: &str) -> Explanation {
    let contact = contact_support(support_address, version);
    match o {
        AuthOutcome::Connected { holder, expires } => explain(
            "Connexion au serveur réussie",
            format!(
                "Votre installation Impact emploi est connectée au serveur de production. \
                 Licence au nom de « {holder} », valable jusqu'au {}.",
                french_date(expires)
            ),
            "Le logiciel peut être utilisé normalement.",
            "Aucune action n'est nécessaire : vous pouvez lancer Impact emploi.",
            format!(
                "Réponse du serveur d'authentification : 200 ok\nTitulaire : {holder}\nFin de validité : {expires}"
            ),
        ),
        AuthOutcome::AuthRefused { message } => explain(
            "Serveur d'authentification / Autorisation refusée",
            format!(
                "Le serveur d'authentification a refusé l'autorisation d'utiliser Impact \
                 emploi sur ce poste.{}",
                server_said(message)
            ),
            "La connexion au serveur fonctionne, mais les informations reçues ne permettent \
             pas d'utiliser le logiciel. Pour résoudre ce cas, une intervention technique est \
             nécessaire.",
            format!("{contact} {MEANWHILE}"),
            format!(
                "Réponse du serveur d'authentification : 401 authorization_refused\nMessage : {message}"
            ),
        ),
        AuthOutcome::LicenceRefused { message } => explain(
            "Licence d'installation non reconnue",
            format!(
                "Le serveur d'authentification ne reconnaît pas la licence de cette \
                 installation.{}",
                server_said(message)
            ),
            "RAPPEL : La licence vous a été retirée, mais vous pouvez utiliser Impact Emploi \
             pour de la consultation !",
            format!(
                "Pour résoudre ce cas, une intervention technique est nécessaire. {contact} \
                 {MEANWHILE}"
            ),
            format!(
                "Réponse du serveur d'authentification : 403 licence_not_recognized\nMessage : {message}"
            ),
        ),
        AuthOutcome::LicenceDuplicate {
            message,
            workstations,
        } => {
            // The server's own words first; the seed's sentence, which users
            // know from the original program, says what it means.
            let mut what = if message.trim().is_empty() {
                format!("Le serveur virtuel a répondu : {DUPLICATE_SEED}")
            } else {
                format!(
                    "Le serveur d'authentification a répondu : « {} ».\n{DUPLICATE_SEED}",
                    message.trim()
                )
            };
            if !workstations.is_empty() {
                let list: Vec<String> = workstations.iter().map(workstation_line).collect();
                let _ = write!(what, "\nPostes concernés : {}.", and_list(&list));
            }
            let mut details = format!(
                "Réponse du serveur d'authentification : 409 licence_duplicate\nMessage : {message}"
            );
            for w in workstations {
                let _ = write!(
                    details,
                    "\nPoste {} : {} (dernière connexion : {})",
                    w.id, w.hostname, w.last_seen
                );
            }
            explain(
                "Licence identique sur 2 postes",
                what,
                "Tant que la même licence est utilisée sur deux postes, le serveur refuse la \
                 connexion de ce poste.",
                // The seed's procedure: the licence manager frees the
                // workstation that must no longer use the licence.
                format!(
                    "Ouvrez le centre de maintenance, « Administrer » puis « Gestionnaire de \
                     licences » : la fenêtre « Gestion des licences par poste » montre {}. \
                     Sélectionnez le poste qui ne doit plus utiliser la licence et cliquez sur \
                     « Réinitialiser poste » ; relancez ensuite Impact emploi. Si la \
                     réinitialisation est refusée : {} {MEANWHILE}",
                    if workstations.is_empty() {
                        "les postes qui utilisent la licence".to_owned()
                    } else {
                        format!("les {} postes côte à côte", workstations.len())
                    },
                    lower_first(&contact)
                ),
                details,
            )
        }
        AuthOutcome::Unreachable { step, problem } => explain(
            super::TITLE_CONNECTION_FAILED,
            format!(
                "Le serveur d'authentification n'a pas pu être joint (étape « {} ») : {}.",
                server_step(*step),
                server_problem(problem)
            ),
            "Sans réponse du serveur, ce poste ne peut pas faire vérifier sa licence. Un \
             nouvel essai est fait automatiquement, de plus en plus espacé.",
            format!(
                "Vérifiez les paramètres de connexion avec « Tester l'accès aux serveurs », \
                 puis faites un clic droit sur l'icône et choisissez « Relancer \
                 l'authentification auprès du serveur ». Si malgré cette action le cœur rouge \
                 est toujours présent : {} {MEANWHILE}",
                lower_first(&contact)
            ),
            format!("Étape : {}\nProblème : {problem}", server_step(*step)),
        ),
    }
}

/// The last known connection state (tray, home screen, `status`) in French,
/// `None` when connected (nothing to explain). The refusals read as
/// [`auth_outcome`]; an unreachable server says when the next automatic try is.
pub fn connection_state_explanation(
    state: &ConnectionState,
    support_address: &str,
    version: &str,
) -> Option<Explanation> {
    let outcome = match state {
        ConnectionState::Connected => return None,
        ConnectionState::Unknown => {
            return Some(explain(
                "Connexion au serveur non vérifiée",
                "L'authentification de ce poste auprès du serveur Impact emploi n'a pas encore \
                 été faite.",
                "Tant qu'elle n'est pas faite, ce poste ne sait pas si sa licence est valable.",
                "Faites un clic droit sur l'icône d'Impact emploi et choisissez « Relancer \
                 l'authentification auprès du serveur ».",
                "État : inconnu (aucune authentification enregistrée)",
            ));
        }
        ConnectionState::Unreachable { next_retry } => {
            let contact = contact_support(support_address, version);
            // No time means that no retry was planned: the attempt was made
            // without the resident service, and nothing will try again.
            let (retry, todo) = match next_retry.as_deref() {
                Some(at) => (
                    format!("Nouvel essai automatique le {}.", french_time(at)),
                    "Ouvrez les paramètres de connexion et cliquez sur « Tester l'accès aux \
                     serveurs » pour voir où la connexion échoue, puis choisissez « Relancer \
                     l'authentification auprès du serveur »."
                        .to_owned(),
                ),
                None => (
                    "Aucun nouvel essai automatique n'est prévu : le gestionnaire de \
                     services n'est pas lancé."
                        .to_owned(),
                    "Cherchez où la connexion échoue avec « Tester l'accès aux serveurs » \
                     (iea-maintenance servers test), puis réessayez avec iea-maintenance auth \
                     retry, ou démarrez le gestionnaire de services : il réessaiera de \
                     lui-même."
                        .to_owned(),
                ),
            };
            return Some(explain(
                super::TITLE_CONNECTION_FAILED,
                format!(
                    "Le serveur d'authentification n'a pas pu être joint lors de la dernière \
                     tentative. {retry}"
                ),
                "Sans réponse du serveur, ce poste ne peut pas faire vérifier sa licence.",
                format!(
                    "{todo} Si malgré cette action le cœur rouge est toujours présent : {} \
                     {MEANWHILE}",
                    lower_first(&contact)
                ),
                format!(
                    "État : unreachable\nProchain essai : {}",
                    next_retry.as_deref().unwrap_or("non planifié")
                ),
            ));
        }
        ConnectionState::AuthRefused { message } => AuthOutcome::AuthRefused {
            message: message.clone(),
        },
        ConnectionState::LicenceRefused { message } => AuthOutcome::LicenceRefused {
            message: message.clone(),
        },
        ConnectionState::LicenceDuplicate { message } => AuthOutcome::LicenceDuplicate {
            message: message.clone(),
            workstations: Vec::new(),
        },
    };
    Some(auth_outcome(&outcome, support_address, version))
}

pub(super) fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_lowercase().collect::<String>() + chars.as_str()
    })
}

/// A client that could not be made, in French.
pub fn client_error(e: &ClientError) -> Explanation {
    const WHY_CA: &str = "Impact emploi ne se connecte jamais à un serveur dont le certificat \
         n'a pas pu être vérifié. Sans ce fichier, aucune connexion sécurisée n'est tentée ; \
         rien n'a été envoyé.";
    const TODO_CA: &str = "Vérifiez le chemin du fichier d'autorité de certification dans les \
         paramètres de connexion, ou demandez le bon fichier (format PEM) à votre informaticien. \
         Si votre réseau n'en a pas besoin, videz ce champ puis enregistrez.";
    let details = format!("Message technique : {e}");
    match e {
        ClientError::ExtraCaUnreadable { path, source } => explain(
            "Fichier d'autorité de certification illisible",
            format!(
                "Le fichier d'autorité de certification indiqué dans les paramètres de \
                 connexion (« {} ») n'a pas pu être lu. {}",
                path.display(),
                io_error(source)
            ),
            WHY_CA,
            TODO_CA,
            details,
        ),
        ClientError::ExtraCaInvalid { path, .. } => explain(
            "Fichier d'autorité de certification inutilisable",
            format!(
                "Le fichier d'autorité de certification indiqué dans les paramètres de \
                 connexion (« {} ») ne contient aucun certificat utilisable.",
                path.display()
            ),
            WHY_CA,
            TODO_CA,
            details,
        ),
        ClientError::SchemeRefusedInSecureMode { url } => explain(
            "Adresse refusée en mode Sécurisé",
            format!(
                "L'adresse « {url} » commence par « http:// ». Le mode Sécurisé n'accepte que \
                 les adresses https://."
            ),
            "Une adresse http:// ferait passer les échanges en clair sur le réseau ; rien n'a \
             été envoyé.",
            "Dans les paramètres de connexion, remplacez « http:// » par « https:// » (par \
             exemple « https://impact-emploi.urssaf.fr »), puis enregistrez.",
            details,
        ),
        ClientError::BadProxy { origin, .. } => explain(
            "Réglage du proxy inutilisable",
            if origin == "proxy" {
                "Le serveur proxy indiqué dans les paramètres de connexion ne peut pas être \
                 utilisé (adresse manquante ou incorrecte)."
                    .to_owned()
            } else {
                format!(
                    "Le réglage de proxy du système (variable d'environnement {origin}) ne peut \
                     pas être utilisé : seuls les proxys http:// sont pris en charge."
                )
            },
            "Aucune connexion aux serveurs n'est possible tant que ce réglage est incorrect ; \
             rien n'a été envoyé.",
            "Vérifiez l'adresse et le port du serveur proxy avec votre informaticien, ou \
             choisissez « Connexion directe par réseau local » si votre réseau n'a pas de proxy.",
            details,
        ),
        ClientError::Setup { .. } => explain(
            "Connexion impossible à préparer",
            "Impact emploi n'a pas pu préparer la connexion sécurisée aux serveurs.",
            "Aucune connexion aux serveurs n'est possible pour le moment ; rien n'a été envoyé.",
            "Fermez puis relancez Impact emploi. Si le problème persiste, contactez votre \
             informaticien en lui donnant les détails ci-dessous.",
            details,
        ),
    }
}

/// An authentication that could not be made, in French.
pub fn auth_error(e: &AuthError) -> Explanation {
    match e {
        AuthError::AssistanceMode => explain(
            "Mode assistance activé",
            "Le mode assistance est activé : votre installation est déconnectée du serveur de \
             production, et l'authentification n'a pas été lancée.",
            "En mode assistance, Impact emploi ne contacte pas le serveur d'authentification ; \
             vous pouvez continuer à utiliser le logiciel.",
            "Pour revenir en mode connexion, désactivez d'abord le mode assistance : récupérez \
             le mot de passe du jour auprès de l'assistance, faites un clic droit sur le \
             scarabée rouge, « Demande de support technique » puis « Désactiver le mode \
             assistance ». Relancez ensuite l'authentification.",
            format!("Message technique : {e}"),
        ),
        AuthError::CopiedInstallation => super::copied_installation(),
        AuthError::Config(e) => config_error(e),
        AuthError::Installation(e) => installation_error(e),
        AuthError::Secret(e) => secret_error(e),
        AuthError::SaveState { path, source } => explain(
            "État de la connexion non enregistré",
            format!(
                "Le résultat de l'authentification n'a pas pu être enregistré dans « {} ». {}",
                path.display(),
                io_error(source)
            ),
            "L'icône et le centre de maintenance peuvent montrer un état ancien ; la paie \
             n'est pas concernée.",
            "Vérifiez que votre session peut écrire dans le dossier de données d'Impact \
             emploi, puis relancez l'authentification ; sinon, contactez votre informaticien.",
            format!("Message technique : {e}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConnectionKind, ConnectionMode};

    fn result(
        name: ServerName,
        url: &str,
        step: Step,
        problem: Option<ServerProblem>,
    ) -> ServerResult {
        ServerResult {
            name,
            url: url.to_owned(),
            ok: problem.is_none(),
            step,
            problem,
            elapsed_ms: 12,
        }
    }

    fn report(mode: ConnectionMode, results: Vec<ServerResult>) -> ServerTestReport {
        ServerTestReport {
            at: "2026-01-02T10:00:00+01:00".to_owned(),
            mode,
            kind: ConnectionKind::Direct,
            results,
        }
    }

    #[test]
    fn problems_and_steps_read_in_plain_french() {
        let cases = [
            (ServerProblem::NameNotFound, "Nom de serveur introuvable"),
            (ServerProblem::ConnectionRefused, "Connexion refusée"),
            (
                ServerProblem::NoAnswerInTime { timeout_secs: 10 },
                "Pas de réponse dans le délai (10 s)",
            ),
            (
                ServerProblem::CertificateUnknownIssuer,
                "Certificat non reconnu (autorité inconnue)",
            ),
            (ServerProblem::CertificateExpired, "Certificat expiré"),
            (
                ServerProblem::CertificateWrongName,
                "Certificat établi pour un autre nom",
            ),
            (
                ServerProblem::ProxyRefused,
                "Le proxy refuse la connexion : identification demandée ou refusée",
            ),
            (
                ServerProblem::UnexpectedHttp(502),
                "Réponse HTTP inattendue (code 502)",
            ),
            (
                ServerProblem::SchemeRefusedInSecureMode,
                "Le mode Sécurisé n'accepte que les adresses https://",
            ),
        ];
        for (p, text) in cases {
            assert_eq!(server_problem(&p), text);
        }
        assert_eq!(
            server_problem(&ServerProblem::Redirected {
                location: "https://ailleurs.fr/".into()
            }),
            "Redirigé vers https://ailleurs.fr/ : service déplacé ou en maintenance"
        );
        assert_eq!(
            [
                Step::Dns,
                Step::Tcp,
                Step::Tls,
                Step::Proxy,
                Step::Http,
                Step::Protocol
            ]
            .map(server_step),
            [
                "nom (DNS)",
                "connexion",
                "sécurisation (TLS)",
                "proxy",
                "réponse HTTP",
                "protocole"
            ]
        );
    }

    #[test]
    fn success_sentence_is_the_seed_one() {
        let ok = report(
            ConnectionMode::Secure,
            vec![result(
                ServerName::Authentification,
                "https://a.fr/",
                Step::Ok,
                None,
            )],
        );
        assert_eq!(server_test_summary(&ok), SERVERS_OK);
        assert_eq!(
            SERVERS_OK,
            "La connexion local/internet s'est déroulée avec succès."
        );
        assert_eq!(server_advice(&ok), None);
        assert_eq!(
            server_result_line(&ok.results[0]),
            "✔ Adresse du serveur d'authentification : https://a.fr/ – accessible"
        );
    }

    // Rewritten with the advice: it used to be given to an http:// address with
    // a port of its own (« à la place du port indiqué »), which is the one case
    // where it is poor advice.
    #[test]
    fn port_80_advice_only_for_the_default_addresses_a_network_filters() {
        let refused = || Some(ServerProblem::ConnectionRefused);
        // The two default addresses, refused: advice for both, after the name.
        let r = report(
            ConnectionMode::Secure,
            vec![
                result(
                    ServerName::Authentification,
                    "https://impact-emploi.urssaf.fr/",
                    Step::Tcp,
                    refused(),
                ),
                result(
                    ServerName::MiseAJour,
                    "https://impact-emploi.urssaf.fr/updates",
                    Step::Tcp,
                    refused(),
                ),
                result(
                    ServerName::NetEntreprises,
                    "https://services.net-entreprises.fr/authentifier/1.0/",
                    Step::Tcp,
                    refused(),
                ),
            ],
        );
        let advice = server_advice(&r).expect("advice");
        assert!(
            advice.contains(
                "ajoutez « :80 » au bout des deux premières adresses, juste après \
                 « impact-emploi.urssaf.fr »"
            ),
            "{advice}"
        );
        assert!(
            advice.contains(
                "« https://impact-emploi.urssaf.fr:80/ » et \
                 « https://impact-emploi.urssaf.fr:80/updates »"
            ),
            "{advice}"
        );
        assert!(!advice.contains("net-entreprises"), "{advice}");
        assert!(!advice.contains("à la place"), "{advice}");

        // One default address with no answer in time: advice for it alone.
        let r = report(
            ConnectionMode::Extended,
            vec![result(
                ServerName::MiseAJour,
                "https://impact-emploi.urssaf.fr/updates",
                Step::Http,
                Some(ServerProblem::NoAnswerInTime { timeout_secs: 30 }),
            )],
        );
        let advice = server_advice(&r).expect("advice");
        assert!(
            advice.contains("de l'« Adresse du serveur de mise à jour »"),
            "{advice}"
        );

        // A port set on purpose, another server, an address already on port 80,
        // a name that does not resolve, a server that answers: no ":80".
        for (url, step, problem) in [
            ("http://impact-emploi.urssaf.fr:8080/", Step::Tcp, refused()),
            (
                "https://impact-emploi.urssaf.fr:8443/",
                Step::Tcp,
                refused(),
            ),
            ("http://impact-emploi.urssaf.fr/", Step::Tcp, refused()),
            ("https://paie.asso.fr/", Step::Tcp, refused()),
            ("https://impact-emploi.urssaf.fr:80/", Step::Tcp, refused()),
            (
                "https://impact-emploi.urssaf.fr/",
                Step::Dns,
                Some(ServerProblem::NameNotFound),
            ),
            (
                "https://impact-emploi.urssaf.fr/",
                Step::Http,
                Some(ServerProblem::UnexpectedHttp(500)),
            ),
        ] {
            let r = report(
                ConnectionMode::Normal,
                vec![result(ServerName::Authentification, url, step, problem)],
            );
            assert!(
                server_advice(&r).is_none_or(|a| !a.contains(":80")),
                "{url} {step:?}"
            );
        }
    }

    #[test]
    fn other_advice() {
        let r = report(
            ConnectionMode::Secure,
            vec![
                result(
                    ServerName::Authentification,
                    "http://a.fr/",
                    Step::Tls,
                    Some(ServerProblem::SchemeRefusedInSecureMode),
                ),
                result(
                    ServerName::MiseAJour,
                    "https://a.fr/u",
                    Step::Proxy,
                    Some(ServerProblem::ProxyRefused),
                ),
                result(
                    ServerName::NetEntreprises,
                    "https://n.fr/",
                    Step::Tls,
                    Some(ServerProblem::CertificateUnknownIssuer),
                ),
            ],
        );
        let advice = server_advice(&r).expect("advice");
        assert!(
            advice.contains("remplacez « http:// » par « https:// »"),
            "{advice}"
        );
        assert!(
            advice.contains("utilisateur et le mot de passe du proxy"),
            "{advice}"
        );
        assert!(advice.contains("autorité de certification"), "{advice}");
        assert!(!advice.contains(":80"), "{advice}");
        assert!(server_test_summary(&r).contains("3 adresses"));
    }

    fn assert_complete(x: &Explanation) {
        for text in [&x.title, &x.what, &x.why, &x.todo, &x.details] {
            assert!(!text.trim().is_empty(), "{x:#?}");
        }
        assert!(!x.what.contains('\u{2019}'), "{x:#?}");
    }

    #[test]
    fn outcomes_use_the_seed_words_and_say_what_to_do() {
        let support = "impact-emploi-association@urssaf.fr";
        let refused = auth_outcome(
            &AuthOutcome::AuthRefused {
                message: "Poste inconnu".into(),
            },
            support,
            "3.1.0",
        );
        assert_complete(&refused);
        assert_eq!(
            refused.title,
            "Serveur d'authentification / Autorisation refusée"
        );
        assert!(refused.what.contains("« Poste inconnu »"), "{refused:#?}");
        assert!(refused.todo.contains(support), "{refused:#?}");
        assert!(
            refused.todo.contains("« Serveur de connexion 3.1.0 »"),
            "{refused:#?}"
        );
        assert!(
            refused.todo.contains("activer le mode assistance"),
            "{refused:#?}"
        );

        let licence = auth_outcome(
            &AuthOutcome::LicenceRefused {
                message: String::new(),
            },
            support,
            "3.1.0",
        );
        assert_complete(&licence);
        assert_eq!(licence.title, "Licence d'installation non reconnue");
        assert_eq!(
            licence.why,
            "RAPPEL : La licence vous a été retirée, mais vous pouvez utiliser Impact Emploi \
             pour de la consultation !"
        );

        let duplicate = auth_outcome(
            &AuthOutcome::LicenceDuplicate {
                message: "Doublon".into(),
                workstations: vec![
                    DuplicateWorkstation {
                        id: "w1".into(),
                        hostname: "PC-COMPTA".into(),
                        last_seen: "2026-01-02T09:00:00+01:00".into(),
                    },
                    DuplicateWorkstation {
                        id: "w2".into(),
                        hostname: "PC-ACCUEIL".into(),
                        last_seen: String::new(),
                    },
                ],
            },
            support,
            "3.1.0",
        );
        assert_complete(&duplicate);
        assert!(duplicate.what.contains(
            "Une licence est identique sur 2 postes différents, suite certainement à une \
             réinstallation ! La solution consiste à réinstaller l'un des 2 postes avec le bon \
             code de réinstallation."
        ));
        assert!(
            duplicate.what.contains("« PC-COMPTA » (vu le 02/01/2026"),
            "{duplicate:#?}"
        );
        assert!(duplicate.what.contains("« Doublon »"), "{duplicate:#?}");
        assert!(
            duplicate.what.contains(") et « PC-ACCUEIL »."),
            "{duplicate:#?}"
        );
        // The seed's procedure: the licence manager and its button.
        assert!(
            duplicate.todo.contains("« Gestionnaire de licences »"),
            "{duplicate:#?}"
        );
        assert!(
            duplicate.todo.contains("« Réinitialiser poste »"),
            "{duplicate:#?}"
        );
        assert!(
            duplicate.todo.contains("les 2 postes côte à côte"),
            "{duplicate:#?}"
        );
        assert!(duplicate.todo.contains(support), "{duplicate:#?}");

        let down = auth_outcome(
            &AuthOutcome::Unreachable {
                step: Step::Tcp,
                problem: ServerProblem::ConnectionRefused,
            },
            support,
            "3.1.0",
        );
        assert_complete(&down);
        assert_eq!(down.title, "Échec de connexion au serveur");
        assert!(down.what.contains("Connexion refusée"), "{down:#?}");
        assert!(
            down.todo
                .contains("Relancer l'authentification auprès du serveur")
        );
        assert!(down.todo.contains("« Serveur de connexion 3.1.0 »"));
        assert!(down.todo.contains("activer le mode assistance"));

        let ok = auth_outcome(
            &AuthOutcome::Connected {
                holder: "Association des amis".into(),
                expires: "2027-12-31".into(),
            },
            support,
            "3.1.0",
        );
        assert_complete(&ok);
        assert!(ok.what.contains("31/12/2027"), "{ok:#?}");
    }

    #[test]
    fn every_connection_state_but_connected_is_explained() {
        let support = "impact-emploi-association@urssaf.fr";
        assert_eq!(
            connection_state_explanation(&ConnectionState::Connected, support, "3.1.0"),
            None
        );
        for state in [
            ConnectionState::Unknown,
            ConnectionState::Unreachable {
                next_retry: Some("2026-01-02T10:00:30+01:00".into()),
            },
            ConnectionState::Unreachable { next_retry: None },
            ConnectionState::AuthRefused {
                message: "Non".into(),
            },
            ConnectionState::LicenceRefused {
                message: "Retirée".into(),
            },
            ConnectionState::LicenceDuplicate {
                message: "Doublon".into(),
            },
        ] {
            let x = connection_state_explanation(&state, support, "3.1.0").expect("explained");
            assert_complete(&x);
        }
        let x = connection_state_explanation(
            &ConnectionState::Unreachable {
                next_retry: Some("2026-01-02T10:00:30+01:00".into()),
            },
            support,
            "3.1.0",
        )
        .expect("explained");
        assert!(
            x.what.contains("Nouvel essai automatique le 02/01/2026"),
            "{x:#?}"
        );
        assert!(x.todo.contains("« Serveur de connexion 3.1.0 »"), "{x:#?}");
        // Without a planned time, nothing will try again: no retry announced.
        let x = connection_state_explanation(
            &ConnectionState::Unreachable { next_retry: None },
            support,
            "3.1.0",
        )
        .expect("explained");
        assert!(!x.what.contains("Nouvel essai automatique"), "{x:#?}");
        assert!(
            x.what
                .contains("Aucun nouvel essai automatique n'est prévu"),
            "{x:#?}"
        );
        assert!(x.todo.contains("iea-maintenance auth retry"), "{x:#?}");
    }

    #[test]
    fn errors_have_french_text() {
        let path = std::path::PathBuf::from("/etc/iea/ca.pem");
        for e in [
            ClientError::ExtraCaUnreadable {
                path: path.clone(),
                source: std::io::Error::from(std::io::ErrorKind::NotFound),
            },
            ClientError::ExtraCaInvalid {
                path,
                detail: "no CERTIFICATE section".into(),
            },
            ClientError::SchemeRefusedInSecureMode {
                url: "http://a.fr/".into(),
            },
            ClientError::BadProxy {
                origin: "HTTPS_PROXY".into(),
                detail: "only http:// proxies are supported".into(),
            },
            ClientError::Setup { detail: "x".into() },
        ] {
            assert_complete(&client_error(&e));
        }
        let x = auth_error(&AuthError::AssistanceMode);
        assert_complete(&x);
        assert!(x.todo.contains("Désactiver le mode assistance"), "{x:#?}");
        assert_complete(&auth_error(&AuthError::SaveState {
            path: "/iea/state.json".into(),
            source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        }));
    }
}
