//! The licence manager in French ("Gestion des licences par poste", seeds 002
//! and 003): each workstation's state, why the server's list is missing, what
//! each « Réinitialiser poste » came to (done, unknown workstation, too many
//! resets and until when), and the computer whose `IEA_HOME` was copied.

use std::fmt::Write as _;

use super::connection::{MEANWHILE, contact_support, french_date, french_time, lower_first};
use super::{
    Explanation, auth_error, config_error, explain, installation_error, secret_error,
    server_problem, server_step, tray_line,
};
use crate::connection::auth::AuthError;
use crate::licences::{
    FingerprintCheck, LicenceError, LicenceFailure, LicenceInfo, NewWorkstationId, ResetOutcome,
    ResetReport, ResetResult, WorkstationRow, WorkstationState,
};
use crate::service::persist::PersistedState;
use crate::service::state::{Capabilities, ConnectionState, ServiceInputs, tray_view};

/// The window's title, as seed 003 names it.
pub const LICENCES_TITLE: &str = "Gestion des licences par poste";

/// "ce poste", next to this workstation's name.
pub const THIS_WORKSTATION: &str = "ce poste";

/// A workstation's state, in the column « État ».
pub fn workstation_state(row: &WorkstationRow, server_read: bool) -> &'static str {
    match (&row.state, server_read) {
        (Some(WorkstationState::Active), _) => "Actif",
        (Some(WorkstationState::Duplicate), _) => "En double",
        (Some(WorkstationState::Reset), _) => "Réinitialisé",
        (Some(WorkstationState::Unknown), _) => "État inconnu",
        (None, true) => "Inconnu du serveur",
        (None, false) => "Non vérifié",
    }
}

/// "POSTE-COMPTA (ce poste)".
pub fn workstation_name(row: &WorkstationRow) -> String {
    if row.this_one {
        format!("{} ({THIS_WORKSTATION})", row.hostname)
    } else {
        row.hostname.clone()
    }
}

/// A time of the server's list, or "—".
pub fn seen(time: Option<&str>) -> String {
    time.map_or_else(|| "—".to_owned(), french_time)
}

/// The licence line: "Licence de Association des amis, valable jusqu'au
/// 31/12/2027 – 3 postes au plus, 2 utilisés".
pub fn licence_line(licence: &LicenceInfo, rows: &[WorkstationRow]) -> String {
    let mut line = format!(
        "Licence de « {} », valable jusqu'au {}",
        licence.holder,
        french_date(&licence.expires)
    );
    if let Some(seats) = licence.seats {
        let used = rows
            .iter()
            .filter(|r| r.on_server && r.state != Some(WorkstationState::Reset))
            .count();
        let _ = write!(
            line,
            " – {seats} poste{} au plus, {used} utilisé{}",
            if seats > 1 { "s" } else { "" },
            if used > 1 { "s" } else { "" }
        );
    }
    line
}

/// Why the server's list is missing, and what can still be done.
pub fn licence_failure(f: &LicenceFailure, support_address: &str, version: &str) -> Explanation {
    const TITLE: &str = "Liste du serveur indisponible";
    const WHY: &str = "Seule la liste connue de ce poste est affichée, sans l'état que le \
                       serveur donne à chaque poste ; « Réinitialiser poste » attend l'avis du \
                       serveur et n'est pas proposé d'ici là.";
    let contact = contact_support(support_address, version);
    match f {
        LicenceFailure::NoLicenceKey => explain(
            TITLE,
            "Ce poste n'a pas encore de clé de licence : le serveur ne peut pas dire quels \
             postes l'utilisent.",
            WHY,
            "La clé de licence est enregistrée à l'installation d'Impact emploi ; si elle \
             manque, contactez l'assistance.",
            String::new(),
        ),
        LicenceFailure::AssistanceMode => explain(
            TITLE,
            "Le mode assistance est activé : ce poste ne contacte pas le serveur de production.",
            WHY,
            "Désactivez le mode assistance (avec le mot de passe du jour), puis cliquez sur \
             « Actualiser ».",
            String::new(),
        ),
        LicenceFailure::AuthRefused { message } => explain(
            TITLE,
            format!(
                "Le serveur a refusé l'autorisation de lire la liste des postes{}.",
                said(message)
            ),
            WHY,
            contact,
            format!("Réponse du serveur : 401\nMessage : {message}"),
        ),
        LicenceFailure::LicenceRefused { message } => explain(
            TITLE,
            format!(
                "Le serveur ne reconnaît pas la licence de cette installation{}.",
                said(message)
            ),
            WHY,
            format!("{contact} {MEANWHILE}"),
            format!("Réponse du serveur : 403\nMessage : {message}"),
        ),
        LicenceFailure::Unreachable { step, problem } => explain(
            TITLE,
            format!(
                "Le serveur d'authentification n'a pas pu être joint (étape « {} ») : {}.",
                server_step(*step),
                server_problem(problem)
            ),
            WHY,
            "Vérifiez la connexion avec « Tester l'accès aux serveurs » (Paramètres de \
             connexion), puis cliquez sur « Actualiser ».",
            format!("Étape : {}\nProblème : {problem}", server_step(*step)),
        ),
    }
}

fn said(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(" (message du serveur : « {message} »)")
    }
}

/// What one « Réinitialiser poste » came to, on one line.
pub fn reset_line(r: &ResetResult) -> String {
    let name = if r.this_one {
        format!("{} ({THIS_WORKSTATION})", r.hostname)
    } else {
        r.hostname.clone()
    };
    let what = match &r.outcome {
        ResetOutcome::Reset => {
            "réinitialisé : la place est libérée ; le poste s'enregistrera de nouveau à sa \
             prochaine authentification, sous un nouvel identifiant."
                .to_owned()
        }
        ResetOutcome::UnknownWorkstation => "poste inconnu du serveur pour cette licence (il a \
                                            peut-être déjà été réinitialisé) : rien à faire."
            .to_owned(),
        ResetOutcome::TooManyResets { retry_after } => match retry_after {
            Some(at) => format!(
                "refusé : 3 réinitialisations au plus par licence et par jour. Nouvel essai \
                 possible à partir du {}.",
                french_time(at)
            ),
            None => "refusé : 3 réinitialisations au plus par licence et par jour. Réessayez \
                     demain."
                .to_owned(),
        },
        ResetOutcome::Refused { status, message } => {
            format!("refusé par le serveur (code {status}){}.", said(message))
        }
        ResetOutcome::Failed { step, problem } => format!(
            "non réinitialisé : le serveur n'a pas pu être joint (étape « {} ») : {}.",
            server_step(*step),
            server_problem(problem)
        ),
        ResetOutcome::NotAsked => "non demandé.".to_owned(),
    };
    format!("{name} : {what}")
}

/// What the authentication made at once after a reset or a new id says.
pub fn authentication_after(
    result: &Result<PersistedState, AuthError>,
    support_address: &str,
    version: &str,
) -> String {
    match result {
        Ok(state) if state.connection == ConnectionState::Connected => {
            "Ce poste s'est authentifié de nouveau : le serveur l'accepte, l'icône redevient la \
             boule bleue."
                .to_owned()
        }
        Ok(state) => {
            let inputs = ServiceInputs {
                connection: state.connection.clone(),
                assistance: state.assistance,
                store_problem: None,
                backup_warnings: Vec::new(),
            };
            let status = tray_view(&inputs, Capabilities::CURRENT).status;
            let advice =
                super::connection_state_explanation(&state.connection, support_address, version)
                    .map(|x| format!(" {}", x.todo))
                    .unwrap_or_default();
            format!(
                "Ce poste s'est authentifié de nouveau, mais le serveur ne l'accepte pas \
                 encore : {}.{advice}",
                lower_first(&tray_line(&status))
            )
        }
        Err(e) => format!(
            "Ce poste n'a pas pu s'authentifier de nouveau : {}",
            lower_first(&auth_error(e).what)
        ),
    }
}

/// The report of « Réinitialiser poste »: one line per workstation, the new id
/// of this one, and the authentication made at once.
pub fn reset_report_lines(
    report: &ResetReport,
    support_address: &str,
    version: &str,
) -> Vec<String> {
    let mut lines: Vec<String> = report.results.iter().map(reset_line).collect();
    if let Some(new) = &report.new_workstation_id {
        lines.push(format!("Ce poste a pris un nouvel identifiant ({new})."));
    }
    match &report.authentication {
        Some(result) => lines.push(authentication_after(result, support_address, version)),
        None if report
            .results
            .iter()
            .any(|r| r.outcome == ResetOutcome::Reset) =>
        {
            lines.push(
                "Mode assistance activé : ce poste s'authentifiera quand il sera désactivé."
                    .to_owned(),
            );
        }
        None => {}
    }
    lines
}

/// A workstation whose `IEA_HOME` was copied from another computer.
pub fn copied_installation() -> Explanation {
    explain(
        "Dossier copié depuis un autre ordinateur",
        "Le dossier de données d'Impact emploi de ce poste a été fait sur un autre ordinateur : \
         il a été copié ici, ou le système a été réinstallé.",
        "Ce poste présenterait au serveur l'identifiant de l'autre ordinateur, et le serveur \
         verrait la même licence sur deux postes (« Licence identique sur 2 postes »). \
         L'authentification est suspendue en attendant votre accord ; les données de paie ne \
         sont pas concernées.",
        "Donnez à ce poste son propre identifiant : centre de maintenance, « Administrer », \
         « Gestionnaire de licences », bouton « Prendre un nouvel identifiant pour ce poste » \
         (en ligne de commande : iea-maintenance licences new-id).",
        String::new(),
    )
}

/// The fingerprint's verdict, when it says something.
pub fn fingerprint_note(check: FingerprintCheck) -> Option<String> {
    match check {
        FingerprintCheck::Matches
        | FingerprintCheck::Unavailable
        | FingerprintCheck::NotRecorded => None,
        FingerprintCheck::Recorded => Some(
            "L'empreinte de cet ordinateur a été enregistrée à côté de l'identifiant du poste, \
             qui ne change pas."
                .to_owned(),
        ),
        FingerprintCheck::Changed => Some(copied_installation().what),
    }
}

/// What taking a new workstation id did.
pub fn new_id_lines(done: &NewWorkstationId, support_address: &str, version: &str) -> Vec<String> {
    let mut lines = vec![format!(
        "Ce poste a pris un nouvel identifiant ({}) ; l'ancien ({}) reste celui de l'autre \
         ordinateur.",
        done.new, done.old
    )];
    match &done.authentication {
        Some(result) => lines.push(authentication_after(result, support_address, version)),
        None => lines.push(
            "Mode assistance activé : ce poste s'authentifiera quand il sera désactivé.".to_owned(),
        ),
    }
    lines
}

/// Why a licence operation could not be made.
pub fn licence_error(e: &LicenceError, support_address: &str, version: &str) -> Explanation {
    match e {
        LicenceError::Config(e) => config_error(e),
        LicenceError::Installation(e) => installation_error(e),
        LicenceError::Secret(e) => secret_error(e),
        LicenceError::AmbiguousHostname { hostname, ids } => explain(
            "Plusieurs postes de ce nom",
            format!(
                "Plusieurs postes de la licence s'appellent « {hostname} » : {}.",
                ids.join(", ")
            ),
            "Rien n'a été réinitialisé.",
            "Donnez l'identifiant du poste à réinitialiser plutôt que son nom \
             (« iea-maintenance licences list » les affiche).",
            String::new(),
        ),
        LicenceError::UnknownWorkstation { name } => explain(
            "Poste introuvable",
            format!("Aucun poste de la licence ne s'appelle « {name} »."),
            "Rien n'a été réinitialisé.",
            "Vérifiez le nom ou l'identifiant du poste (« iea-maintenance licences list »).",
            String::new(),
        ),
        LicenceError::NoIdentity => explain(
            "Poste sans identité",
            "Ce poste n'a pas encore d'identité pour le serveur de licences : Impact emploi n'y \
             a jamais démarré.",
            "Sans identité, il n'y a rien à demander au serveur.",
            "Lancez une fois le gestionnaire de services (ou le centre de maintenance) sur ce \
             poste, puis recommencez.",
            String::new(),
        ),
        LicenceError::ServerViewMissing(f) => {
            let mut x = licence_failure(f, support_address, version);
            "« Réinitialiser poste » a besoin de la liste du serveur ; rien n'a été \
             réinitialisé."
                .clone_into(&mut x.why);
            x
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> ResetResult {
        ResetResult {
            id: "id".to_owned(),
            hostname: "POSTE-ACCUEIL".to_owned(),
            this_one: false,
            outcome: ResetOutcome::Reset,
        }
    }

    #[test]
    fn each_reset_answer_is_explained() {
        let mut r = row();
        assert!(reset_line(&r).starts_with("POSTE-ACCUEIL : réinitialisé"));
        r.outcome = ResetOutcome::UnknownWorkstation;
        assert!(reset_line(&r).contains("inconnu du serveur"));
        r.outcome = ResetOutcome::TooManyResets {
            retry_after: Some("2026-11-23T00:00:00+00:00".to_owned()),
        };
        let line = reset_line(&r);
        assert!(line.contains("3 réinitialisations au plus"), "{line}");
        assert!(line.contains("Nouvel essai possible à partir du"), "{line}");
        r.this_one = true;
        assert!(reset_line(&r).starts_with("POSTE-ACCUEIL (ce poste)"));
    }
}
