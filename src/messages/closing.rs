//! French words for the year-end closing ("Clôturer un exercice", seed 002): the
//! prerequisites and why one is unmet, the refusals and failures of the job, its
//! final report and the note after an interrupted closing.

use std::fmt::Write as _;

use chrono::{DateTime, Local, Utc};

use super::Explanation;
use crate::closing::{
    CloseReport, ClosingError, DossierError, ExerciseInfo, Prerequisite, PrerequisiteDetail,
    PrerequisiteKind, Prerequisites, Recovery, Totals,
};
use crate::store::sessions::SessionInfo;

/// The seed's reminder at the end of a closing.
pub const CLOSING_BACKUP_REMINDER: &str =
    "Une fois la clôture effectuée, merci de relancer le processus de sauvegarde automatique.";

/// An amount of cents in euros, French style: "1 234,56 €" (narrow no-break
/// space between thousands, no-break space before the sign).
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!(
        "{sign}{},{:02}\u{a0}€",
        super::integer(i128::from(abs / 100)),
        abs % 100
    )
}

/// "21:05" for today, else "le 22/11/2026 à 21:05"; the text as is when it is
/// not a time.
pub fn closing_since(started_at: &str) -> String {
    match DateTime::parse_from_rfc3339(started_at) {
        Ok(t) => {
            let t = t.with_timezone(&Local);
            if t.date_naive() == Local::now().date_naive() {
                t.format("%H:%M").to_string()
            } else {
                t.format("le %d/%m/%Y à %H:%M").to_string()
            }
        }
        Err(_) if started_at.is_empty() => "peu".to_owned(),
        Err(_) => started_at.to_owned(),
    }
}

/// The label of a prerequisite, as the screen and the command line list it.
pub fn prerequisite_label(kind: PrerequisiteKind) -> &'static str {
    match kind {
        PrerequisiteKind::RecentBackup => {
            "Sauvegarde vérifiée faite après la dernière modification"
        }
        PrerequisiteKind::BackupsPostponed => {
            "Toutes les sauvegardes repoussées d'au moins 2 jours"
        }
        PrerequisiteKind::NobodyConnected => "Aucun utilisateur connecté",
        PrerequisiteKind::LicenceValid => "Licence valide",
    }
}

/// What to do to meet an unmet prerequisite.
pub fn prerequisite_todo(kind: PrerequisiteKind) -> &'static str {
    match kind {
        PrerequisiteKind::RecentBackup => {
            "Faites une sauvegarde maintenant (« Sauvegarder / Restaurer », « Exécuter ») et \
             attendez qu'elle soit vérifiée."
        }
        PrerequisiteKind::BackupsPostponed => {
            "Dans « Sauvegarder / Restaurer », sélectionnez tous les scripts de sauvegarde et \
             repoussez leur exécution automatique de 2 ou 3 jours, puis enregistrez."
        }
        PrerequisiteKind::NobodyConnected => {
            "Fermez Impact emploi sur tous les postes. Une session restée ouverte après un arrêt \
             brutal du poste peut être fermée avec « Déconnecter »."
        }
        PrerequisiteKind::LicenceValid => {
            "Contactez l'assistance Impact emploi pour rétablir la licence de ce poste."
        }
    }
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local)
        .format("%d/%m/%Y à %H:%M:%S")
        .to_string()
}

/// What was found for a prerequisite: the date of the last backup against the
/// last change, the scripts not postponed, who is connected, the licence.
pub fn prerequisite_detail(p: &Prerequisite) -> String {
    match &p.detail {
        PrerequisiteDetail::RecentBackup {
            last_good,
            last_change,
        } => recent_backup_detail(p.met, *last_good, *last_change),
        PrerequisiteDetail::BackupsPostponed { late } => backups_postponed_detail(late),
        PrerequisiteDetail::NobodyConnected => nobody_connected_detail(&p.sessions),
        PrerequisiteDetail::LicenceValid { refused } => licence_detail(refused.as_deref()),
        PrerequisiteDetail::ScriptsUnreadable { fault } => super::book_fault(fault).one_line(),
    }
}

/// Detail of [`PrerequisiteKind::RecentBackup`].
fn recent_backup_detail(
    met: bool,
    last_good: Option<DateTime<Utc>>,
    last_change: Option<DateTime<Utc>>,
) -> String {
    match (last_good, last_change) {
        (None, _) => "Aucune sauvegarde vérifiée n'a encore été faite.".to_owned(),
        (Some(good), Some(change)) if !met => format!(
            "La dernière sauvegarde vérifiée date du {}, mais la base a été modifiée depuis \
             (dernière modification le {}).",
            local(good),
            local(change)
        ),
        (Some(good), _) => format!(
            "Dernière sauvegarde vérifiée le {}, après la dernière modification de la base.",
            local(good)
        ),
    }
}

/// Detail of [`PrerequisiteKind::BackupsPostponed`]; `late` names the scripts
/// that would run within two days.
fn backups_postponed_detail(late: &[String]) -> String {
    match late {
        [] => "Aucune sauvegarde automatique ne démarrera dans les 2 jours.".to_owned(),
        [one] => format!("Le script « {one} » n'est pas repoussé d'au moins 2 jours."),
        many => format!(
            "Les scripts {} ne sont pas repoussés d'au moins 2 jours.",
            many.iter()
                .map(|n| format!("« {n} »"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Detail of [`PrerequisiteKind::NobodyConnected`].
fn nobody_connected_detail(sessions: &[SessionInfo]) -> String {
    if sessions.is_empty() {
        return "Personne n'utilise Impact emploi.".to_owned();
    }
    let who: Vec<String> = sessions
        .iter()
        .map(|s| {
            if s.active {
                super::session_who(s)
            } else {
                format!(
                    "{} (session interrompue, à déconnecter)",
                    super::session_who(s)
                )
            }
        })
        .collect();
    // "Connecté" only for sessions that are alive; a session left by a crash is
    // an open session, not a connected user.
    let head = match (sessions.iter().any(|s| s.active), sessions.len()) {
        (true, 1) => "Connecté",
        (true, _) => "Connectés",
        (false, 1) => "Session restée ouverte",
        (false, _) => "Sessions restées ouvertes",
    };
    format!("{head} : {}.", who.join(", "))
}

/// Detail of [`PrerequisiteKind::LicenceValid`]; `refused` is the server's
/// message when the licence was withdrawn.
fn licence_detail(refused: Option<&str>) -> String {
    match refused {
        None => "La licence n'est pas retirée.".to_owned(),
        Some(m) if m.trim().is_empty() => "La licence de ce poste a été retirée.".to_owned(),
        Some(m) => format!("La licence de ce poste a été retirée (« {} »).", m.trim()),
    }
}

/// One line per prerequisite: "✔ label — detail" or "✘ label — detail — todo".
pub fn prerequisite_line(p: &Prerequisite) -> String {
    if p.met {
        format!(
            "✔ {} — {}",
            prerequisite_label(p.kind),
            prerequisite_detail(p)
        )
    } else {
        format!(
            "✘ {} — {} {}",
            prerequisite_label(p.kind),
            prerequisite_detail(p),
            prerequisite_todo(p.kind)
        )
    }
}

/// The command that meets an unmet prerequisite, for the command line: the
/// backup to run (`scripts`: the names of the backup scripts), the
/// postponement of every script. `None` where only a person can help.
pub fn prerequisite_command(kind: PrerequisiteKind, scripts: &[String]) -> Option<String> {
    match kind {
        PrerequisiteKind::RecentBackup => Some(match scripts {
            [] => "iea-maintenance backup add NOM --folder DOSSIER, puis iea-maintenance \
                   backup run NOM"
                .to_owned(),
            [one] => format!("iea-maintenance backup run {}", shell_word(one)),
            many => format!(
                "iea-maintenance backup run NOM (NOM : {})",
                many.iter()
                    .map(|n| shell_word(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }),
        PrerequisiteKind::BackupsPostponed => Some(format!(
            "iea-maintenance backup postpone --all --days {}",
            crate::closing::prereq::POSTPONE_DAYS
        )),
        PrerequisiteKind::NobodyConnected | PrerequisiteKind::LicenceValid => None,
    }
}

/// The command that relaunches the automatic backups after a closing (the
/// seed's reminder, on the command line).
pub const RESUME_BACKUPS_COMMAND: &str = "iea-maintenance backup resume --all";

/// `name` as one word of a shell command: as it is when it is plain, else
/// between single quotes.
fn shell_word(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':' | '@'));
    if plain {
        name.to_owned()
    } else {
        format!("'{}'", name.replace('\'', "'\\''"))
    }
}

/// The refusal to start a closing while prerequisites are unmet: every
/// prerequisite on its line (✔ or ✘), what to do on the screen and, beside
/// it, the command that does it (`scripts`: the names of the backup scripts),
/// and the command that closes each session left open by a crash.
pub fn closing_refused(found: &Prerequisites, scripts: &[String]) -> Explanation {
    let mut what =
        String::from("La clôture ne peut pas commencer : des prérequis ne sont pas remplis.");
    for p in &found.items {
        let _ = write!(what, "\n{}", prerequisite_line(p));
        if let Some(command) = prerequisite_command(p.kind, scripts).filter(|_| !p.met) {
            let _ = write!(what, " En ligne de commande : {command}");
        }
    }
    let mut todo = String::new();
    for s in found
        .items
        .iter()
        .flat_map(|p| &p.sessions)
        .filter(|s| !s.active)
    {
        if !todo.is_empty() {
            todo.push('\n');
        }
        let _ = write!(
            todo,
            "Pour fermer la session interrompue de {} : iea-maintenance sessions disconnect {}",
            super::session_who(s),
            s.id
        );
    }
    let unmet: Vec<&str> = found
        .items
        .iter()
        .filter(|p| !p.met)
        .map(|p| prerequisite_label(p.kind))
        .collect();
    Explanation {
        title: "Prérequis de la clôture non remplis".to_owned(),
        what,
        why: "Avant une clôture, il faut une sauvegarde récente, aucune sauvegarde automatique \
              pendant l'opération, et que personne n'utilise Impact emploi. Rien n'a été modifié."
            .to_owned(),
        todo,
        details: format!("prérequis non remplis : {}", unmet.join(" ; ")),
    }
}

/// Why no dossier answers to the name given, with the names that do.
pub fn dossier_error(e: &DossierError) -> Explanation {
    match e {
        DossierError::Unknown { name, known } => {
            let names: Vec<String> = known.iter().map(|n| format!("« {n} »")).collect();
            Explanation {
                title: "Dossier introuvable".to_owned(),
                what: format!("Aucun dossier ne s'appelle « {name} »."),
                why: "Les exercices et leur clôture se rapportent à un dossier, désigné par \
                      son nom."
                    .to_owned(),
                todo: if names.is_empty() {
                    "La base ne contient aucun dossier.".to_owned()
                } else {
                    format!("Dossiers : {}.", names.join(", "))
                },
                details: e.to_string(),
            }
        }
        DossierError::Store(store) => super::store_error(store),
    }
}

/// Why a closing did not happen, in French.
pub fn closing_error(e: &ClosingError) -> Explanation {
    let plain = |title: &str, what: String, why: &str, todo: &str| Explanation {
        title: title.to_owned(),
        what,
        why: why.to_owned(),
        todo: todo.to_owned(),
        details: e.to_string(),
    };
    match e {
        ClosingError::Job(job) => super::job_error(job),
        ClosingError::Store(store) => super::store_error(store),
        ClosingError::UnknownDossier { id } => plain(
            "Dossier introuvable",
            format!("Aucun dossier ne porte le numéro {id}."),
            "",
            "Choisissez le dossier dans la liste (« iea-maintenance exercises list »).",
        ),
        ClosingError::NoSuchYear { dossier, year } => plain(
            "Exercice introuvable",
            format!("Le dossier « {dossier} » n'a ni bulletin ni déclaration en {year}."),
            "Il n'y a rien à clôturer.",
            "Vérifiez l'année choisie.",
        ),
        ClosingError::AlreadyClosed { dossier, year } => plain(
            "Exercice déjà clôturé",
            format!("L'exercice {year} du dossier « {dossier} » est déjà clôturé."),
            "Ses bulletins et déclarations restent consultables.",
            "",
        ),
        ClosingError::Prerequisites(unmet) => {
            let mut what = String::from("La clôture ne peut pas commencer :");
            for p in unmet {
                let _ = write!(
                    what,
                    "\n• {} — {}",
                    prerequisite_label(p.kind),
                    prerequisite_detail(p)
                );
            }
            let mut todo = String::new();
            for p in unmet {
                if !todo.is_empty() {
                    todo.push('\n');
                }
                todo.push_str(prerequisite_todo(p.kind));
            }
            plain(
                "Prérequis de la clôture non remplis",
                what,
                "Avant une clôture, il faut une sauvegarde récente, aucune sauvegarde \
                 automatique pendant l'opération, et que personne n'utilise Impact emploi.",
                &todo,
            )
        }
        ClosingError::Damaged { problems } => Explanation {
            title: super::TITLE_DAMAGED_STORE.to_owned(),
            what: "Le contrôle de la base de données, avant la clôture, a trouvé des \
                   anomalies. La clôture n'a pas été faite et rien n'a été modifié."
                .to_owned(),
            why: "Clôturer une base endommagée figerait des paies peut-être fausses ; \
                  Impact emploi ne « répare » pas une base en devinant ce qu'elle contenait."
                .to_owned(),
            todo: "Ne continuez pas à travailler sur cette base : restaurez la dernière \
                   sauvegarde depuis le centre de maintenance, vérifiez les paies saisies \
                   depuis, puis relancez la clôture. Gardez le rapport ci-dessous pour votre \
                   informaticien ou l'assistance."
                .to_owned(),
            details: problems.join("\n"),
        },
        ClosingError::InProgress { host, started_at } => plain(
            "Clôture déjà en cours",
            format!(
                "Une clôture est déjà en cours sur {host} depuis {}.",
                closing_since(started_at)
            ),
            "Deux clôtures ne peuvent pas avoir lieu en même temps.",
            "Attendez qu'elle soit terminée.",
        ),
        ClosingError::Io { path, source } => plain(
            "Clôture impossible",
            format!(
                "Le fichier « {} » n'a pas pu être écrit ({}).",
                path.display(),
                super::io_error(source)
            ),
            "La clôture n'a pas commencé ; rien n'a été modifié.",
            "Vérifiez les droits sur le dossier de la base de données, puis réessayez.",
        ),
        ClosingError::Cancelled => plain(
            "Clôture annulée",
            "La clôture a été annulée avant d'être enregistrée.".to_owned(),
            "La base de données est exactement comme avant : rien n'a été modifié.",
            "",
        ),
    }
}

/// "1 bulletin", "12 345 bulletins", "aucun bulletin": a count and its noun.
fn count_of(n: u64, one: &str, many: &str) -> String {
    match n {
        0 => format!("aucun {one}"),
        1 => format!("1 {one}"),
        n => format!("{} {many}", super::integer(i128::from(n))),
    }
}

/// A year of `exercises list`, on two lines: the dossier, the year, open or
/// closed, the counts; then the totals, each by its name — gross, net, the
/// employee's and the employer's contributions, the PAS withheld.
pub fn exercise_text(x: &ExerciseInfo) -> String {
    let t = &x.totals;
    let state = match x.closed_at.as_deref().map(closed_on) {
        Some(Some(day)) if x.closed => format!("clôturé le {day}"),
        _ if x.closed => "clôturé".to_owned(),
        _ => "ouvert".to_owned(),
    };
    format!(
        "{} — {} — {state} — {}, {}\n  brut {}, net {}, cotisations salariales {}, \
         cotisations patronales {}, prélèvement à la source (PAS) {}",
        x.dossier,
        x.year,
        count_of(t.payslips, "bulletin", "bulletins"),
        count_of(t.declarations, "déclaration", "déclarations"),
        money(t.gross_cents),
        money(t.net_cents),
        money(t.employee_contrib_cents),
        money(t.employer_contrib_cents),
        money(t.pas_cents),
    )
}

/// "31/01/2026" from a stored RFC 3339 time, on this computer's calendar.
fn closed_on(rfc3339: &str) -> Option<String> {
    DateTime::parse_from_rfc3339(rfc3339)
        .ok()
        .map(|t| t.with_timezone(&Local).format("%d/%m/%Y").to_string())
}

/// The counts and totals of a year, one per line.
pub fn totals_text(t: &Totals) -> String {
    format!(
        "Bulletins : {}\nBrut : {}\nNet : {}\nCotisations salariales : {}\nCotisations \
         patronales : {}\nPrélèvement à la source : {}\nDéclarations : {} ({})",
        super::integer(i128::from(t.payslips)),
        money(t.gross_cents),
        money(t.net_cents),
        money(t.employee_contrib_cents),
        money(t.employer_contrib_cents),
        money(t.pas_cents),
        super::integer(i128::from(t.declarations)),
        money(t.declarations_total_cents)
    )
}

/// "1 h 02 min 03 s", "2 min 05 s", "4,2 s".
pub fn duration_text(d: std::time::Duration) -> String {
    let secs = d.as_secs();
    if secs >= 3600 {
        format!(
            "{} h {:02} min {:02} s",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    } else if secs >= 60 {
        format!("{} min {:02} s", secs / 60, secs % 60)
    } else {
        format!("{:.1} s", d.as_secs_f64()).replace('.', ",")
    }
}

/// The end of a closing on the command line: what moved, the totals, the
/// time, and the seed's reminder to resume the automatic backups, with the
/// command that does it.
pub fn close_report_text(r: &CloseReport) -> String {
    format!(
        "L'exercice {} du dossier « {} » est clôturé : {} bulletin(s) et {} déclaration(s) \
         déplacés dans les exercices clôturés, totaux vérifiés.\n{}\nDurée : {}.\n\n{} En ligne \
         de commande : {RESUME_BACKUPS_COMMAND}",
        r.year,
        r.dossier,
        super::integer(i128::from(r.payslips_moved)),
        super::integer(i128::from(r.declarations_moved)),
        totals_text(&r.totals),
        duration_text(r.elapsed),
        CLOSING_BACKUP_REMINDER
    )
}

/// What the start found after a closing interrupted by a crash.
pub fn closing_recovery_note(r: &Recovery) -> String {
    match r {
        Recovery::Untouched { dossier, year } => format!(
            "La clôture de l'exercice {year} du dossier « {dossier} » a été interrompue avant \
             d'être enregistrée : la base de données est intacte et l'exercice reste ouvert. \
             Relancez la clôture."
        ),
        Recovery::Completed { dossier, year } => format!(
            "La clôture de l'exercice {year} du dossier « {dossier} » a été interrompue après \
             son enregistrement : l'exercice est bien clôturé. {CLOSING_BACKUP_REMINDER}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_written_the_french_way() {
        assert_eq!(money(123_456), "1\u{202f}234,56\u{a0}€");
        assert_eq!(money(5), "0,05\u{a0}€");
        assert_eq!(money(-100_000_000), "-1\u{202f}000\u{202f}000,00\u{a0}€");
    }

    #[test]
    fn a_prerequisite_says_what_was_found() {
        let prerequisite = |kind, met, detail| Prerequisite {
            kind,
            met,
            detail,
            sessions: Vec::new(),
        };
        let late = prerequisite(
            PrerequisiteKind::BackupsPostponed,
            false,
            PrerequisiteDetail::BackupsPostponed {
                late: vec!["Quotidienne".into()],
            },
        );
        assert_eq!(
            prerequisite_detail(&late),
            "Le script « Quotidienne » n'est pas repoussé d'au moins 2 jours."
        );
        assert!(
            prerequisite_line(&late).starts_with("✘ Toutes les sauvegardes repoussées"),
            "{}",
            prerequisite_line(&late)
        );
        let unreadable = prerequisite(
            PrerequisiteKind::RecentBackup,
            false,
            PrerequisiteDetail::ScriptsUnreadable {
                fault: crate::backup::book::BookError::Syntax {
                    path: "/iea/sauvegardes.toml".into(),
                    line: Some(3),
                    key: None,
                    detail: "expected `=`".into(),
                }
                .fault(),
            },
        );
        assert!(
            prerequisite_detail(&unreadable).starts_with("Scripts de sauvegarde incorrects"),
            "{}",
            prerequisite_detail(&unreadable)
        );
        let licence = prerequisite(
            PrerequisiteKind::LicenceValid,
            false,
            PrerequisiteDetail::LicenceValid {
                refused: Some("Licence retirée".into()),
            },
        );
        assert_eq!(
            prerequisite_detail(&licence),
            "La licence de ce poste a été retirée (« Licence retirée »)."
        );
        let nobody = prerequisite(
            PrerequisiteKind::NobodyConnected,
            true,
            PrerequisiteDetail::NobodyConnected,
        );
        assert_eq!(
            prerequisite_detail(&nobody),
            "Personne n'utilise Impact emploi."
        );
    }

    #[test]
    fn a_year_gives_each_total_by_its_name() {
        let x = ExerciseInfo {
            dossier_id: 1,
            dossier: "Asso".into(),
            year: 2025,
            closed: false,
            closed_at: None,
            totals: Totals {
                payslips: 12_345,
                gross_cents: 123_456_789,
                net_cents: 96_000_000,
                employee_contrib_cents: 27_456_789,
                employer_contrib_cents: 41_000_000,
                pas_cents: 3_210_000,
                declarations: 1,
                declarations_total_cents: 68_456_789,
            },
        };
        assert_eq!(
            exercise_text(&x),
            "Asso — 2025 — ouvert — 12\u{202f}345 bulletins, 1 déclaration\n  brut \
             1\u{202f}234\u{202f}567,89\u{a0}€, net 960\u{202f}000,00\u{a0}€, cotisations \
             salariales 274\u{202f}567,89\u{a0}€, cotisations patronales \
             410\u{202f}000,00\u{a0}€, prélèvement à la source (PAS) 32\u{202f}100,00\u{a0}€"
        );
    }

    #[test]
    fn script_names_are_written_as_one_shell_word() {
        assert_eq!(shell_word("Quotidienne"), "Quotidienne");
        assert_eq!(shell_word("Clé-USB_2"), "Clé-USB_2");
        assert_eq!(shell_word("Mensuelle FTP"), "'Mensuelle FTP'");
        assert_eq!(shell_word("L'hebdo"), "'L'\\''hebdo'");
        assert_eq!(shell_word("$HOME"), "'$HOME'");
    }

    #[test]
    fn every_prerequisite_has_a_label_and_a_todo() {
        for kind in PrerequisiteKind::ALL {
            assert!(!prerequisite_label(kind).is_empty());
            assert!(!prerequisite_todo(kind).is_empty());
        }
    }
}
