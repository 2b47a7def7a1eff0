//! French words for « Transfert database vers Urssaf » (seed 004, « Reprise de
//! données »): the prerequisites and where each is fixed, the columns of the
//! progress window (« Progression », « C », « T »), the proxy window (step
//! 5bis), the failures and what to do, and the report of step 6.

use std::fmt::Write as _;

use chrono::{DateTime, Local, Utc};

use super::{Explanation, explain, server_problem, server_step};
use crate::fsutil::human_size;
use crate::transfer::job::{Gauge, StepState, TransferError};
use crate::transfer::prereq::{Blocker, DataCheck, InstallationCheck, Offence};
use crate::transfer::report::{ReportError, ReportFacts};
use crate::transfer::server::ServerError;
use crate::transfer::tus::TusError;

/// The screen's title and the button of the seed.
pub const TRANSFER_TITLE: &str = "Transfert database vers Urssaf";

/// The title of the proxy window (seed step 5bis).
pub const DIRECT_FAILED_TITLE: &str = "La connexion à Sharebox en mode direct n'a pu s'établir";

/// The seed's explanation in the proxy window.
pub const DIRECT_FAILED_WHY: &str = "Les outils pour assurer la sécurité des accès vers internet \
     mis en place dans votre association peuvent empêcher une connexion à Sharebox en mode \
     direct (utilisation d'un accès VPN, d'un proxy…).";

/// What to type in the proxy window.
pub const DIRECT_FAILED_TODO: &str = "Vous devez renseigner l'adresse, le port, ainsi que les \
     identifiants de connexion utilisés par votre serveur proxy. Votre service informatique est \
     l'interlocuteur à privilégier pour obtenir ces informations.";

/// The antivirus reminder (it cannot be checked).
pub const ANTIVIRUS_REMINDER: &str = "L'antivirus ne peut pas être vérifié par le programme : \
     assurez-vous qu'il est bien désactivé pendant le transfert, puis réactivez-le à la fin.";

/// The seed's words while the window works.
pub const NO_INPUT_NEEDED: &str = "A cette étape, aucune intervention de votre part n'est \
     requise. Merci de patienter pendant l'exécution de ces actions.";

/// The end of seed step 6.
pub const SUCCESS: &str = "Le transfert de votre/vos bases de données a été effectué avec succès.";

/// What to do after the success (seed step 6).
pub const TELL_THE_TEAM: &str = "Vous devez communiquer cette information à l'équipe IEA : \
     cliquez sur le bouton « Envoyer le rapport ».";

/// The label of a data item, in the seed's words.
pub fn data_check_label(check: DataCheck) -> &'static str {
    match check {
        DataCheck::UniqueDossierNames => "Le nom de vos dossiers de « Production » est unique",
        DataCheck::UnusedDossiersInSimulation => {
            "Les dossiers non utilisés en « Production » sont passés à l'état « Simulation »"
        }
        DataCheck::ExitDateSet => {
            "La « Date de sortie du dispositif Impact emploi » est renseignée pour les \
             employeurs qui ne sont plus gérés"
        }
        DataCheck::OneRiskCode => {
            "Chaque employeur a un seul et unique code risque actif pour le taux AT/MP"
        }
        DataCheck::InactiveEmployersArchived => {
            "Les employeurs du dossier de « Production » qui ne sont plus actifs au 31 décembre \
             2021 sont archivés"
        }
        DataCheck::EmployeesArchived => {
            "Les salariés du dossier de « Production » qui n'ont plus de contrat en cours au 31 \
             décembre 2020 sont archivés"
        }
    }
}

/// Where, in Impact emploi, the rows of a data item are fixed.
pub fn data_check_fix(check: DataCheck) -> &'static str {
    match check {
        DataCheck::UniqueDossierNames => {
            "Dans Impact emploi, ouvrez chacun de ces dossiers (« Dossiers », fiche du dossier) \
             et donnez-lui un nom qu'aucun autre dossier de production ne porte."
        }
        DataCheck::UnusedDossiersInSimulation => {
            "Dans Impact emploi, fiche de chacun de ces dossiers : passez son état de \
             « Production » à « Simulation »."
        }
        DataCheck::ExitDateSet => {
            "Dans Impact emploi, « Fiche administrative employeur » de chacun : renseignez la \
             « Date de sortie du dispositif Impact emploi »."
        }
        DataCheck::OneRiskCode => {
            "Dans Impact emploi, « Fiche administrative employeur », taux AT/MP : gardez un seul \
             code risque actif (fermez les autres par une date de fin), ou saisissez celui qui \
             manque."
        }
        DataCheck::InactiveEmployersArchived => {
            "Dans Impact emploi, « Fiche administrative employeur » de chacun : archivez \
             l'employeur."
        }
        DataCheck::EmployeesArchived => {
            "Dans Impact emploi, « Fiche administrative du salarié » de chacun : archivez le \
             salarié."
        }
    }
}

/// A payslip period `AAAA-MM` as `MM/AAAA`; anything else as stored.
fn period(stored: &str) -> String {
    match stored.split_once('-') {
        Some((y, m)) if y.len() == 4 && m.len() == 2 => format!("{m}/{y}"),
        _ => stored.to_owned(),
    }
}

/// An ISO date `AAAA-MM-JJ` as `JJ/MM/AAAA`; anything else as stored.
fn date(stored: &str) -> String {
    chrono::NaiveDate::parse_from_str(stored, "%Y-%m-%d")
        .map_or_else(|_| stored.to_owned(), |d| d.format("%d/%m/%Y").to_string())
}

/// One offending row, in a line.
pub fn offence_line(o: &Offence) -> String {
    match o {
        Offence::DuplicateName { dossier, same_name } => {
            format!("Dossier « {dossier} » : {same_name} dossiers de production portent ce nom.")
        }
        Offence::UnusedProduction { dossier } => format!(
            "Dossier « {dossier} » : en production, mais sans aucun bulletin ni déclaration."
        ),
        Offence::NoExitDate {
            dossier,
            employer,
            siret,
            archived,
            last_period,
        } => {
            let why = match (archived, last_period) {
                (true, _) => "archivé".to_owned(),
                (false, Some(p)) => format!("dernier bulletin en {}", period(p)),
                (false, None) => "aucun bulletin".to_owned(),
            };
            format!(
                "{employer} (SIRET {siret}), dossier « {dossier} » : {why}, sans date de sortie."
            )
        }
        Offence::RiskCodes {
            dossier,
            employer,
            siret,
            active,
        } => {
            let codes = match active.as_slice() {
                [] => "aucun code risque actif".to_owned(),
                many => format!("{} codes risque actifs ({})", many.len(), many.join(", ")),
            };
            format!("{employer} (SIRET {siret}), dossier « {dossier} » : {codes}.")
        }
        Offence::InactiveEmployer {
            dossier,
            employer,
            siret,
            last_period,
        } => format!(
            "{employer} (SIRET {siret}), dossier « {dossier} » : {}, non archivé.",
            last_period.as_deref().map_or_else(
                || "aucune activité".to_owned(),
                |p| format!("dernier bulletin en {}", period(p))
            )
        ),
        Offence::EmployeeWithoutContract {
            dossier,
            employer,
            employee,
            last_end,
        } => format!(
            "{employee}, {employer}, dossier « {dossier} » : {}, non archivé.",
            last_end.as_deref().map_or_else(
                || "aucun contrat".to_owned(),
                |d| format!("dernier contrat terminé le {}", date(d))
            )
        ),
    }
}

/// The label of an installation item.
pub fn installation_check_label(check: InstallationCheck) -> &'static str {
    match check {
        InstallationCheck::RecentBackup => {
            "Vos données sont sauvegardées (sauvegarde vérifiée après la dernière modification)"
        }
        InstallationCheck::NobodyConnected => {
            "Le logiciel Impact emploi est fermé sur tous les postes"
        }
        InstallationCheck::NoOtherService => {
            "Le gestionnaire de services est fermé sur les autres postes"
        }
        InstallationCheck::Antivirus => "L'antivirus est désactivé",
    }
}

/// What to do for an unmet installation item.
pub fn installation_check_todo(check: InstallationCheck) -> &'static str {
    match check {
        InstallationCheck::RecentBackup => {
            "Faites une sauvegarde maintenant (« Sauvegarder / Restaurer », « Exécuter ») et \
             attendez qu'elle soit vérifiée ; la fiche pratique « Paramétrage : Sauvegarde et \
             restaurations » est à votre disposition."
        }
        InstallationCheck::NobodyConnected => {
            "Demandez à chaque personne citée de fermer Impact emploi. Une session restée \
             ouverte après un arrêt brutal du poste se ferme avec « Déconnecter » (« Clôturer un \
             exercice ») ou `iea-maintenance sessions disconnect`."
        }
        InstallationCheck::NoOtherService => {
            "Sur chaque poste cité : clic droit sur la boule bleue (ou le scarabée rouge), puis \
             « Quitter le gestionnaire de services »."
        }
        InstallationCheck::Antivirus => ANTIVIRUS_REMINDER,
    }
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local)
        .format("%d/%m/%Y à %H:%M")
        .to_string()
}

/// What was found for the backup item.
pub fn backup_detail(
    last_backup: Option<DateTime<Utc>>,
    last_change: Option<DateTime<Utc>>,
) -> String {
    match (last_backup, last_change) {
        (None, _) => "Aucune sauvegarde vérifiée de cette base.".to_owned(),
        (Some(good), Some(change)) if good < change => format!(
            "Dernière sauvegarde vérifiée le {}, mais la base a été modifiée depuis (le {}).",
            local(good),
            local(change)
        ),
        (Some(good), _) => format!(
            "Dernière sauvegarde vérifiée le {}, après la dernière modification.",
            local(good)
        ),
    }
}

/// A service of another workstation: « POSTE-ACCUEIL (dernier signe de vie à
/// 14:02) ».
pub fn service_seen(s: &crate::service::presence::ServiceSeen) -> String {
    format!(
        "{} (dernier signe de vie le {})",
        s.presence.hostname,
        local(s.presence.heartbeat_at)
    )
}

/// What a blocker is, in a line (the command line and the job's refusal).
pub fn blocker_line(b: &Blocker) -> String {
    match b {
        Blocker::Unreadable(store) => {
            format!("« {} » : la base n'a pas pu être lue.", store.display())
        }
        Blocker::Installation(store, check) => format!(
            "« {} » : {} — non rempli. {}",
            store.display(),
            installation_check_label(*check),
            installation_check_todo(*check)
        ),
        Blocker::Data(store, check) => format!(
            "« {} » : {} — non rempli et non accepté. {}",
            store.display(),
            data_check_label(*check),
            data_check_fix(*check)
        ),
    }
}

/// A step of the columns « C » and « T », as words (also what a screen
/// reader says of the icon).
pub fn step_state(state: StepState) -> &'static str {
    match state {
        StepState::Waiting => "En attente",
        StepState::Running => "En cours",
        StepState::Done => "Terminé",
        StepState::AlreadyDone => "Déjà fait",
        StepState::Failed => "Échec",
        StepState::Cancelled => "Annulé",
    }
}

/// A number of seconds as « 17 s », « 3 min 05 s », « 1 h 02 min ».
pub fn seconds_left(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min {:02} s", secs / 60, secs % 60),
        _ => format!("{} h {:02} min", secs / 3600, secs % 3600 / 60),
    }
}

/// The text of the gauge: « 12,3 Mo / 48,0 Mo – 2,1 Mo/s – 17 s restantes ».
pub fn gauge_text(g: &Gauge) -> String {
    let mut text = if g.total > 0 {
        format!("{} / {}", human_size(g.done), human_size(g.total))
    } else if g.done > 0 {
        human_size(g.done)
    } else {
        String::new()
    };
    if let Some(speed) = g.bytes_per_sec {
        let _ = write!(text, " – {}/s", human_size(speed as u64));
    }
    if let Some(left) = g.seconds_left
        && g.total > g.done
    {
        let _ = write!(text, " – {} restantes", seconds_left(left));
    }
    text
}

/// Why the transfer is not open, as the server said it.
pub fn transfer_closed(message: &str) -> String {
    if message.trim().is_empty() {
        "Le transfert n'est pas encore ouvert pour votre installation : attendez que le « GO » \
         vous soit donné."
            .to_owned()
    } else {
        format!(
            "Le transfert n'est pas encore ouvert pour votre installation. Message du serveur : \
             « {} »",
            message.trim()
        )
    }
}

/// Why the server did not say whether the transfer is open, in a line.
pub fn transfer_server_problem(e: &ServerError) -> String {
    match e {
        ServerError::Unreachable { step, problem } => format!(
            "Le serveur d'authentification ne répond pas (étape «\u{a0}{}\u{a0}» : {}).",
            server_step(*step),
            server_problem(problem)
        ),
        ServerError::Refused { status, message } if message.is_empty() => {
            format!("Le serveur d'authentification refuse cette installation (code {status}).")
        }
        ServerError::Refused { status, message } => format!(
            "Le serveur d'authentification refuse cette installation (code {status}) : « {message} »."
        ),
    }
}

/// What went wrong with Sharebox, in a line.
pub fn tus_problem(e: &TusError) -> String {
    match e {
        TusError::NotEstablished { step, problem } => format!(
            "connexion impossible (étape «\u{a0}{}\u{a0}» : {})",
            server_step(*step),
            server_problem(problem)
        ),
        TusError::Lost { problem } => format!(
            "la connexion a été interrompue plusieurs fois ({})",
            server_problem(problem)
        ),
        TusError::NotTus { detail } => {
            format!("l'adresse ne répond pas comme un espace de dépôt (tus 1.0.0) : {detail}")
        }
        TusError::Status { method, status } => {
            format!("réponse inattendue du serveur de dépôt ({method} : code {status})")
        }
        TusError::Gone => "le serveur de dépôt ne connaît plus ce dépôt".to_owned(),
        TusError::TooLarge { size, max } => format!(
            "l'archive ({}) dépasse la taille acceptée par le serveur ({})",
            human_size(*size),
            human_size(*max)
        ),
        TusError::Read { path, detail } => format!("l'archive « {path} » est illisible ({detail})"),
        TusError::Cancelled => "annulé".to_owned(),
    }
}

const WHY_KEPT: &str = "Rien n'est perdu : ce qui a déjà été envoyé est conservé par Sharebox, et \
     le prochain « Transférer » reprend là où le transfert s'est arrêté, sans renvoyer ce qui est \
     arrivé. Vos bases de données ne sont pas modifiées par le transfert.";

/// A transfer that stopped, in French.
pub fn transfer_error(e: &TransferError) -> Explanation {
    let details = format!("Message technique : {e}");
    match e {
        TransferError::NoStore => explain(
            "Aucune base à transférer",
            "Aucune base de données n'est cochée dans la liste.",
            "",
            "Cochez la base active, ou ajoutez une base avec « Ajouter ».",
            details,
        ),
        TransferError::Job(job) => super::job_error(job),
        TransferError::Config(c) => super::config_error(c),
        TransferError::Installation(i) => super::installation_error(i),
        TransferError::Secret(s) => super::secret_error(s),
        TransferError::State(s) => explain(
            "Suivi du transfert illisible",
            format!("Le fichier de suivi du transfert ne peut pas être utilisé : {s}."),
            "Sans lui, le programme ne sait pas ce qui a déjà été envoyé : il ne fait rien \
             plutôt que de tout recommencer en silence.",
            "Contactez l'assistance Impact emploi en joignant ce message.",
            details,
        ),
        TransferError::Server(s) => explain(
            "Serveur d'authentification injoignable",
            transfer_server_problem(s),
            "Le serveur dit si le transfert est ouvert pour votre installation et délivre \
             l'accusé de réception : sans lui, rien n'est envoyé.",
            "Vérifiez la connexion (« Paramètres de connexion », « Tester l'accès aux serveurs »), \
             puis recommencez.",
            details,
        ),
        TransferError::Closed { message } => explain(
            "Transfert pas encore ouvert",
            transfer_closed(message),
            "Cette action doit être exécutée uniquement à partir du moment où le GO vous est \
             donné.",
            "Le bouton « Transférer » se dégrise de lui-même dès que le serveur l'autorise.",
            details,
        ),
        TransferError::Prerequisites { blockers } => explain(
            "Prérequis non remplis",
            format!(
                "Le transfert ne peut pas commencer :\n{}",
                blockers
                    .iter()
                    .map(|b| format!("• {}", blocker_line(b)))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            "Une base sauvegardée et fermée partout est la condition d'une reprise sans perte.",
            "Réglez chaque point, puis recommencez. Un point sur les données peut aussi être \
             accepté tel quel : il sera alors cité dans le rapport.",
            details,
        ),
        TransferError::Archive { store, fault } => {
            let mut x = super::archive_fault(fault);
            x.title = format!("Compression de « {} » impossible", store.display());
            x
        }
        TransferError::NotEstablished {
            step,
            problem,
            via_proxy,
        } => explain(
            DIRECT_FAILED_TITLE,
            match via_proxy {
                None => format!(
                    "{DIRECT_FAILED_WHY} Détail : échec à l'étape «\u{a0}{}\u{a0}» ({}).",
                    server_step(*step),
                    server_problem(problem)
                ),
                Some(proxy) => format!(
                    "La connexion à Sharebox par le proxy {proxy} n'a pas pu s'établir non plus. \
                     Détail : échec à l'étape «\u{a0}{}\u{a0}» ({}).",
                    server_step(*step),
                    server_problem(problem)
                ),
            },
            "Rien n'a été envoyé ; vos bases ne sont pas modifiées.",
            DIRECT_FAILED_TODO,
            details,
        ),
        TransferError::Upload { store, error } => explain(
            "Transfert interrompu",
            format!(
                "Le transfert de « {} » vers Sharebox s'est arrêté : {}.",
                store.display(),
                tus_problem(error)
            ),
            WHY_KEPT,
            "Vérifiez la connexion, puis cliquez de nouveau sur « Transférer ».",
            details,
        ),
        TransferError::Io { path, source } => explain(
            "Dossier de préparation inutilisable",
            format!(
                "Le dossier « {} » ne peut pas être utilisé : {}.",
                path.display(),
                super::io_error(source)
            ),
            "Les archives à envoyer y sont préparées.",
            "Vérifiez la place libre sur le disque et les droits sur ce dossier (« Configurer \
             les chemins »).",
            details,
        ),
        TransferError::Cancelled => explain(
            "Transfert annulé",
            "Le transfert a été arrêté à votre demande.",
            WHY_KEPT,
            "Cliquez sur « Transférer » pour reprendre quand vous le souhaitez.",
            details,
        ),
    }
}

/// Why the report cannot be written or sent, in French.
pub fn report_error(e: &ReportError) -> Explanation {
    let details = format!("Message technique : {e}");
    match e {
        ReportError::NothingReceived => explain(
            "Aucun rapport à envoyer",
            "Aucune base n'a encore été reçue par Sharebox.",
            "",
            "Transférez d'abord vos bases (« Transférer »).",
            details,
        ),
        ReportError::State(_) | ReportError::Installation(_) => explain(
            "Rapport impossible",
            "Les informations du transfert n'ont pas pu être relues.",
            "",
            "Contactez l'assistance Impact emploi en joignant ce message.",
            details,
        ),
        ReportError::NoRecipient => explain(
            "Destinataires inconnus",
            "Le serveur n'a donné aucun destinataire pour le rapport.",
            "",
            "Copiez le contenu et envoyez-le à l'assistance Impact emploi depuis votre \
             messagerie.",
            details,
        ),
        ReportError::Send(s) => {
            let mut x = super::support_error(s);
            x.todo = format!(
                "{} Vous pouvez aussi utiliser « Copier les destinataires » et « Copier le \
                 contenu », puis envoyer le message depuis votre messagerie.",
                x.todo
            );
            x
        }
    }
}

/// The subject of the report: the server's, then « – [Nom du gestionnaire] ».
pub fn transfer_report_subject(base: &str, manager: &str) -> String {
    let manager = manager.trim();
    if manager.is_empty() {
        base.trim().to_owned()
    } else {
        format!("{} – {manager}", base.trim())
    }
}

/// The body of the report: the installation and the dates, each store with
/// its size, SHA-256 and receipt, the prerequisites sent anyway, then the
/// workstation.
pub fn transfer_report_body(f: &ReportFacts) -> String {
    let mut b = String::new();
    let _ = writeln!(b, "Bonjour,\n");
    let _ = writeln!(
        b,
        "Le transfert de nos bases de données vers Sharebox a été effectué avec succès.\n"
    );
    let _ = writeln!(b, "Installation : {}", f.installation_id);
    let _ = writeln!(b, "Gestionnaire : {}", f.manager);
    let _ = writeln!(b, "Transfert commencé le : {}", local(f.started_at));
    if let Some(end) = f.ended_at {
        let _ = writeln!(b, "Transfert terminé le : {}", local(end));
    }
    let _ = writeln!(b, "\nBases transférées ({}) :", f.stores.len());
    for s in &f.stores {
        let _ = writeln!(b, "• {}", s.name);
        let _ = writeln!(
            b,
            "  Taille de l'archive : {} ({} octets)",
            human_size(s.size_bytes),
            s.size_bytes
        );
        let _ = writeln!(b, "  SHA-256 : {}", s.sha256);
        let _ = writeln!(b, "  Archive faite le : {}", local(s.made_at));
        if let Some(at) = s.received_at {
            let _ = writeln!(b, "  Reçue par Sharebox le : {}", local(at));
        }
        let _ = writeln!(
            b,
            "  Accusé de réception : {} (le {})",
            s.receipt,
            local(s.completed_at)
        );
        let _ = writeln!(b, "  Fichier : {}", s.store.display());
    }
    let _ = writeln!(b, "\nPrérequis acceptés tels quels :");
    if f.acknowledged.is_empty() {
        let _ = writeln!(b, "aucun : tous les prérequis étaient remplis.");
    } else {
        for a in &f.acknowledged {
            let _ = writeln!(
                b,
                "• {} — {}",
                crate::transfer::job::store_name(&a.store),
                data_check_label(a.check)
            );
        }
    }
    let _ = writeln!(
        b,
        "\nPoste : {} — centre de maintenance {}",
        f.hostname, f.version
    );
    let _ = writeln!(b, "\nCordialement,\n{}", f.manager);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gauge_reads_in_french() {
        let g = Gauge {
            phase: None,
            done: 12 * 1024 * 1024,
            total: 48 * 1024 * 1024,
            bytes_per_sec: Some(2.0 * 1024.0 * 1024.0),
            seconds_left: Some(18),
        };
        assert_eq!(
            gauge_text(&g),
            "12,0 Mo / 48,0 Mo – 2,0 Mo/s – 18 s restantes"
        );
        assert_eq!(seconds_left(185), "3 min 05 s");
        assert_eq!(seconds_left(3720), "1 h 02 min");
    }

    #[test]
    fn the_subject_is_the_seed_s() {
        assert_eq!(
            transfer_report_subject(
                "Service Impact Emploi Association – Reprise de données",
                " Marie Dupont "
            ),
            "Service Impact Emploi Association – Reprise de données – Marie Dupont"
        );
    }

    #[test]
    fn rows_say_dates_the_french_way() {
        let line = offence_line(&Offence::EmployeeWithoutContract {
            dossier: "Asso".into(),
            employer: "Club".into(),
            employee: "DURAND Anne".into(),
            last_end: Some("2019-06-30".into()),
        });
        assert_eq!(
            line,
            "DURAND Anne, Club, dossier « Asso » : dernier contrat terminé le 30/06/2019, non archivé."
        );
    }
}
