//! French words for backup scripts: the short sentences shown next to the fields
//! of the script form, the errors of the scripts file, the "Date de sauvegarde
//! incorrecte" of the practical guide, the staleness alarm of the tray and of
//! Accueil, the frequency ("tous les jours", "toutes les 2 semaines") and the
//! line "<nom> — prochaine exécution le JJ/MM/AAAA à HH:MM" of the script list.

use std::fmt::{Display, Write as _};

use chrono::{DateTime, Local, NaiveDate, TimeZone};

use super::{Explanation, explain, system_error};
use crate::backup::book::{BookError, BookFault, BookFaultKind};
use crate::backup::draft::{FieldProblem, ScriptField, ScriptProblem};
use crate::backup::edit::SaveError;
use crate::backup::schedule::{DateAnomaly, Staleness};
use crate::backup::script::{DestinationKind, Frequency, FrequencyUnit, FtpSecurity, RunOutcome};

/// The next step of "Date de sauvegarde incorrecte", as in the practical guide
/// ("actualisez la date, puis enregistrez").
pub const REFRESH_THEN_SAVE: &str = "Cliquez sur « Actualiser la date », puis sur « Enregistrer ».";

/// "Aucun script de sauvegarde ne s'appelle « … »."
pub(crate) fn no_script_named(name: &str) -> String {
    format!("Aucun script de sauvegarde ne s'appelle « {name} ».")
}

/// A unit of the frequency, as the form's drop-down list says it.
pub fn frequency_unit_label(unit: FrequencyUnit) -> &'static str {
    match unit {
        FrequencyUnit::Jours => "Jour(s)",
        FrequencyUnit::Semaines => "Semaine(s)",
        FrequencyUnit::Mois => "Mois",
    }
}

/// A kind of destination, as the form's choice says it.
pub fn destination_kind_label(kind: DestinationKind) -> &'static str {
    match kind {
        DestinationKind::Folder => "Dossier local ou réseau",
        DestinationKind::Removable => "Support amovible (clé USB, disque externe)",
        DestinationKind::Ftp => "Site distant (FTP)",
    }
}

/// A choice of FTP security, as the form says it.
pub fn ftp_security_label(security: FtpSecurity) -> &'static str {
    match security {
        FtpSecurity::Explicit => "FTPS explicite",
        FtpSecurity::Implicit => "FTPS implicite",
        FtpSecurity::Plain => "FTP non chiffré",
    }
}

/// What a run came to, in a word: "OK", "avertissement", "échec".
pub fn outcome_label(outcome: RunOutcome) -> &'static str {
    match outcome {
        RunOutcome::Ok => "OK",
        RunOutcome::Avertissement => "avertissement",
        RunOutcome::Echec => "échec",
    }
}

/// The short sentence shown next to a field of the script form.
pub fn script_problem(p: &ScriptProblem) -> String {
    match p {
        ScriptProblem::Empty => "Ce champ doit être rempli.".to_owned(),
        ScriptProblem::TooLong { max } => format!("{max} caractères au plus."),
        ScriptProblem::Separator => "Le nom ne peut pas contenir / ni \\.".to_owned(),
        ScriptProblem::Reserved => "Le nom ne peut pas commencer par un point.".to_owned(),
        ScriptProblem::Duplicate => "Un autre script porte déjà ce nom.".to_owned(),
        ScriptProblem::NotANumber => "Entrez un nombre entier.".to_owned(),
        ScriptProblem::OutOfRange { min, max } => format!("Entre {min} et {max}."),
        ScriptProblem::BadDate => "Date attendue au format JJ/MM/AAAA.".to_owned(),
        ScriptProblem::BadTime => "Heure attendue au format HH:MM.".to_owned(),
        ScriptProblem::NotAbsolute => {
            "Indiquez un chemin complet (par exemple /home/paie/Sauvegardes).".to_owned()
        }
        ScriptProblem::HasScheme => "N'indiquez que le nom du serveur, sans « ftp:// ».".to_owned(),
        ScriptProblem::HasSpace => "Le nom du serveur ne peut pas contenir d'espace.".to_owned(),
        // What happened; the form shows it under the field, and nothing waits
        // for delivery.
        ScriptProblem::Removable(fault) => super::destination_access_fault(fault).what,
    }
}

/// The sentence next to a field, knowing which field it is: an empty name
/// reads "Indiquez un nom.", an FTP folder without its '/' asks for one.
pub fn script_field_problem(field: ScriptField, p: &ScriptProblem) -> String {
    use ScriptField as F;
    match (field, p) {
        (F::Name, ScriptProblem::Empty) => "Indiquez un nom.".to_owned(),
        (F::Every | F::Keep | F::FtpPort, ScriptProblem::Empty) => "Indiquez un nombre.".to_owned(),
        (F::StartDate, ScriptProblem::Empty) => script_problem(&ScriptProblem::BadDate),
        (F::Time, ScriptProblem::Empty) => script_problem(&ScriptProblem::BadTime),
        (F::Folder | F::RemovableFolder, ScriptProblem::Empty) => {
            "Choisissez un dossier avec « Parcourir ».".to_owned()
        }
        (F::FtpHost, ScriptProblem::Empty) => {
            "Indiquez le nom du serveur (par exemple ftp.association.fr).".to_owned()
        }
        (F::FtpUser, ScriptProblem::Empty) => "Indiquez le nom d'utilisateur.".to_owned(),
        (F::FtpFolder, ScriptProblem::Empty | ScriptProblem::NotAbsolute) => {
            "Le dossier du serveur commence par / (par exemple /sauvegardes).".to_owned()
        }
        _ => script_problem(p),
    }
}

/// The label of a field of the script form, as the form shows it.
pub fn script_field_label(field: ScriptField) -> &'static str {
    match field {
        ScriptField::Name => "Nom du script",
        ScriptField::Every => "Tous les",
        ScriptField::Keep => "Nombre de sauvegardes à conserver",
        ScriptField::StartDate => "À partir du",
        ScriptField::Time => "Heure",
        ScriptField::Folder => "Dossier de sauvegarde",
        ScriptField::RemovableFolder => "Dossier sur le support amovible",
        ScriptField::FtpHost => "Serveur",
        ScriptField::FtpPort => "Port",
        ScriptField::FtpUser => "Utilisateur",
        ScriptField::FtpFolder => "Dossier distant",
    }
}

/// Why a script was not saved: each refused value on its line, with the
/// field's label and, from `place`, where it was typed (the option of the
/// command line), and the form's own sentence.
pub fn script_not_saved(
    problems: &[FieldProblem],
    place: &dyn Fn(ScriptField) -> String,
) -> Explanation {
    let mut what = String::from("Rien n'a été enregistré : corrigez d'abord ces valeurs.");
    for p in problems {
        let _ = write!(
            what,
            "\n• {} ({}) : {}",
            script_field_label(p.field),
            place(p.field),
            script_field_problem(p.field, &p.problem)
        );
    }
    Explanation {
        title: "Script de sauvegarde non enregistré".to_owned(),
        what,
        why: "Un script n'est enregistré que lorsque toutes ses valeurs sont correctes : une \
              valeur refusée n'est jamais enregistrée."
            .to_owned(),
        todo: "Corrigez les valeurs indiquées, puis recommencez.".to_owned(),
        details: problems
            .iter()
            .map(|p| format!("{:?} : {:?}", p.field, p.problem))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// A script from its form that was not saved, in French.
pub fn save_error(e: &SaveError, place: &dyn Fn(ScriptField) -> String) -> Explanation {
    match e {
        SaveError::Invalid(problems) => script_not_saved(problems, place),
        SaveError::Book(book) => book_error(book),
    }
}

/// "Le script « X » a été créé." or "… a été enregistré.", as the form says it.
pub fn script_saved_text(name: &str, created: bool) -> String {
    if created {
        format!("Le script « {name} » a été créé.")
    } else {
        format!("Le script « {name} » a été enregistré.")
    }
}

/// Said once a script was removed: the backups it made are kept, and where;
/// the ones still waiting for their destination stay in `staging`.
pub fn script_removed_text(
    name: &str,
    destination: &str,
    pending: &[String],
    staging: &std::path::Path,
) -> String {
    let mut text = format!(
        "Le script « {name} » a été supprimé. Les sauvegardes qu'il a faites sont conservées : \
         {destination}."
    );
    if !pending.is_empty() {
        let _ = write!(
            text,
            "\nSes sauvegardes en attente de dépôt restent dans {} : {}.",
            staging.display(),
            pending.join(", ")
        );
    }
    text
}

const WHY_BOOK: &str = "Sans ce fichier, les sauvegardes automatiques ne peuvent pas être \
     planifiées ni leurs résultats retenus. Vos sauvegardes déjà faites ne sont pas touchées.";

const TODO_RIGHTS: &str = "Vérifiez qu'il reste de la place sur le disque et que votre session \
     a le droit d'écrire dans le dossier d'Impact emploi ; sinon, contactez votre informaticien.";

/// An error of the scripts file (`sauvegardes.toml`) in French.
pub fn book_error(e: &BookError) -> Explanation {
    book_fault(&e.fault())
}

/// A scripts-file error kept as a fact, in French.
pub fn book_fault(f: &BookFault) -> Explanation {
    use BookFaultKind as K;
    let technical = format!("Message technique : {}", f.technical);
    match &f.kind {
        K::Read { path, system } => explain(
            "Scripts de sauvegarde illisibles",
            format!(
                "Le fichier des scripts de sauvegarde « {} » n'a pas pu être lu. {}",
                path.display(),
                system_error(*system)
            ),
            WHY_BOOK,
            "Vérifiez que votre session a accès à ce fichier ; sinon, contactez votre \
             informaticien et donnez-lui les détails ci-dessous.",
            format!(
                "Fichier : {}\nErreur système : {}\n{technical}",
                path.display(),
                system_error(*system)
            ),
        ),
        K::Syntax {
            path,
            line,
            key,
            detail,
        } => {
            let mut place = line.map_or_else(String::new, |l| format!(" à la ligne {l}"));
            if let Some(key) = key {
                let _ = write!(place, ", clé « {key} »");
                if let Some(expected) = expected_value(key, detail) {
                    let _ = write!(place, " : {expected}");
                }
            }
            explain(
                "Scripts de sauvegarde incorrects",
                format!(
                    "Le fichier des scripts de sauvegarde « {} » contient une erreur{place}.",
                    path.display()
                ),
                "Les sauvegardes automatiques sont suspendues tant qu'il n'est pas corrigé. \
                 Impact emploi ne l'a pas remplacé : il contient peut-être vos seuls \
                 réglages de sauvegarde.",
                "Si ce fichier a été modifié à la main, corrigez-le ou remettez-le tel qu'il \
                 était. Sinon, contactez votre informaticien ou l'assistance et donnez-leur \
                 les détails ci-dessous.",
                format!(
                    "Fichier : {}{}{}\nMessage technique : {detail}",
                    path.display(),
                    line.map_or_else(String::new, |l| format!("\nLigne : {l}")),
                    key.as_ref()
                        .map_or_else(String::new, |k| format!("\nClé : {k}"))
                ),
            )
        }
        K::Write { path, system } => explain(
            "Scripts de sauvegarde non enregistrés",
            format!(
                "Le fichier des scripts de sauvegarde « {} » n'a pas pu être enregistré. {}",
                path.display(),
                system_error(*system)
            ),
            "Le fichier est resté tel qu'il était avant votre modification : rien n'est \
             enregistré à moitié.",
            TODO_RIGHTS,
            format!(
                "Fichier : {}\nErreur système : {}\n{technical}",
                path.display(),
                system_error(*system)
            ),
        ),
        K::Lock { path, system } => explain(
            "Scripts de sauvegarde non modifiés",
            format!(
                "Le fichier « {} », qui évite que deux programmes modifient les scripts de \
                 sauvegarde en même temps, n'a pas pu être utilisé. {}",
                path.display(),
                system_error(*system)
            ),
            "Par prudence, rien n'a été modifié.",
            TODO_RIGHTS,
            format!(
                "Fichier : {}\nErreur système : {}\n{technical}",
                path.display(),
                system_error(*system)
            ),
        ),
        K::NotFound { name } => explain(
            "Script introuvable",
            no_script_named(name),
            "Il a peut-être été supprimé ou renommé depuis un autre poste ou le centre de \
             maintenance. Rien n'a été modifié.",
            "Vérifiez la liste des scripts dans « Sauvegarder / Restaurer », puis \
             recommencez.",
            technical,
        ),
        K::DuplicateName { name } => explain(
            "Nom déjà utilisé",
            format!("Un autre script de sauvegarde s'appelle déjà « {name} »."),
            "Chaque script a son propre nom : ses sauvegardes portent ce nom. Rien n'a été \
             modifié.",
            "Choisissez un autre nom, puis cliquez sur « Enregistrer ».",
            technical,
        ),
    }
}

/// What the key of the scripts file at fault should hold, in French: a key
/// that is missing, or the form of its value.
fn expected_value(key: &str, detail: &str) -> Option<String> {
    if detail.starts_with("missing field") {
        return Some("cette clé manque".to_owned());
    }
    if detail.starts_with("unknown field") {
        return Some("clé inconnue".to_owned());
    }
    let leaf = key.rsplit('.').next().unwrap_or(key);
    let expected = match leaf {
        "name" => {
            "un nom de 1 à 60 caractères, sans / ni \\, entre guillemets, différent \
                   de celui des autres scripts"
        }
        "start_date" => "une date écrite AAAA-MM-JJ, par exemple \"2026-01-05\"",
        "time" => "une heure écrite HH:MM:SS, par exemple \"23:00:00\"",
        "enabled" | "passive" => "true ou false",
        "every" | "keep" => "un nombre entier de 1 à 99",
        "unit" => "\"jours\", \"semaines\" ou \"mois\"",
        "type" => "\"folder\", \"removable\" ou \"ftp\"",
        "security" => "\"explicit\", \"implicit\" ou \"plain\"",
        "port" => "un nombre entier de 1 à 65535",
        "path" | "host" | "user" | "folder" | "volume_id" | "volume_label" => {
            "un texte entre guillemets"
        }
        _ => return None,
    };
    Some(format!("il faut {expected}"))
}

/// "Date de sauvegarde incorrecte", what is wrong with it, and the next step.
pub fn date_anomaly(a: &DateAnomaly) -> String {
    match a {
        DateAnomaly::NeverRanSince { start } => format!(
            "Date de sauvegarde incorrecte : ce script devait commencer le {} et ne s'est \
             jamais exécuté. {REFRESH_THEN_SAVE}",
            day(*start)
        ),
        DateAnomaly::TooFarAhead { start } => format!(
            "Date de sauvegarde incorrecte : la première sauvegarde est prévue le {}, dans \
             plus d'un an. {REFRESH_THEN_SAVE}",
            day(*start)
        ),
    }
}

/// One short line for the tray and Accueil: "Sauvegarde « Quotidienne » en
/// retard : dernière sauvegarde réussie le 12/11/2026" (or "aucune sauvegarde
/// réussie"). The date is on this computer's calendar.
pub fn staleness_line(script: &str, s: &Staleness) -> String {
    staleness_line_in(script, s, &Local)
}

/// [`staleness_line`] with the date on the calendar of `tz`.
pub fn staleness_line_in<Tz: TimeZone>(script: &str, s: &Staleness, tz: &Tz) -> String {
    match s.last_good_at {
        Some(at) => format!(
            "Sauvegarde « {script} » en retard : dernière sauvegarde réussie le {}",
            day(at.with_timezone(tz).date_naive())
        ),
        None => format!("Sauvegarde « {script} » en retard : aucune sauvegarde réussie"),
    }
}

/// "tous les jours", "tous les 3 jours", "toutes les semaines", "toutes les 2
/// semaines", "tous les mois", "tous les 3 mois".
pub fn frequency_text(f: Frequency) -> String {
    match (f.unit, f.every) {
        (FrequencyUnit::Jours, 1) => "tous les jours".to_owned(),
        (FrequencyUnit::Jours, n) => format!("tous les {n} jours"),
        (FrequencyUnit::Semaines, 1) => "toutes les semaines".to_owned(),
        (FrequencyUnit::Semaines, n) => format!("toutes les {n} semaines"),
        (FrequencyUnit::Mois, 1) => "tous les mois".to_owned(),
        (FrequencyUnit::Mois, n) => format!("tous les {n} mois"),
    }
}

/// "<nom> — prochaine exécution le JJ/MM/AAAA à HH:MM", as the script list shows
/// each script (the instant on the wall clock of its zone).
pub fn next_run_line<Tz: TimeZone>(name: &str, at: &DateTime<Tz>) -> String
where
    Tz::Offset: Display,
{
    format!(
        "{name} — prochaine exécution le {}",
        at.format("%d/%m/%Y à %H:%M")
    )
}

/// Said once "Repousser de N jours" worked: "Les sauvegardes automatiques de
/// « A » et « B » sont repoussées de 2 jours."
pub fn postponed_text(names: &[String], days: u32) -> String {
    let unit = if days > 1 { "jours" } else { "jour" };
    match names {
        [one] => format!("La sauvegarde automatique de « {one} » est repoussée de {days} {unit}."),
        _ => format!(
            "Les sauvegardes automatiques de {} sont repoussées de {days} {unit}.",
            quoted_list(names)
        ),
    }
}

/// "aucun script de sauvegarde", "1 script de sauvegarde", "3 scripts de
/// sauvegarde".
pub fn script_count(n: usize) -> String {
    match n {
        0 => "aucun script de sauvegarde".to_owned(),
        1 => "1 script de sauvegarde".to_owned(),
        n => format!("{} scripts de sauvegarde", super::integer(n as i128)),
    }
}

/// Said when there is no backup script at all, with the two ways to make one.
pub const NO_SCRIPT: &str = "Aucun script de sauvegarde. Créez-en un dans le centre de \
     maintenance (« Sauvegarder / Restaurer ») ou avec iea-maintenance backup add.";

/// Said when « Annuler le report » found nothing postponed.
pub const NOTHING_POSTPONED: &str =
    "Aucune sauvegarde automatique n'était repoussée : rien n'a changé.";

/// Said once a postponement was cancelled.
pub fn postponement_cleared_text(names: &[String]) -> String {
    match names {
        [one] => format!(
            "La sauvegarde automatique de « {one} » n'est plus repoussée : elle reprend \
             son calendrier."
        ),
        _ => format!(
            "Les sauvegardes automatiques de {} ne sont plus repoussées : elles reprennent \
             leur calendrier.",
            quoted_list(names)
        ),
    }
}

/// Said once "Actualiser la date" moved a script's start date.
pub fn start_refreshed_text(name: &str, start: NaiveDate) -> String {
    format!(
        "La date de départ du script « {name} » est maintenant le {}.",
        day(start)
    )
}

/// "« A »", "« A » et « B »", "« A », « B » et « C »".
fn quoted_list(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("« {n} »")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} et {last}", rest.join(", ")),
    }
}

/// JJ/MM/AAAA.
fn day(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::draft::ScriptField;
    use chrono::Utc;
    use std::io;
    use std::path::PathBuf;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn every_problem_has_a_short_sentence() {
        let all = [
            ScriptProblem::Empty,
            ScriptProblem::TooLong { max: 60 },
            ScriptProblem::Separator,
            ScriptProblem::Reserved,
            ScriptProblem::Duplicate,
            ScriptProblem::NotANumber,
            ScriptProblem::OutOfRange { min: 1, max: 99 },
            ScriptProblem::BadDate,
            ScriptProblem::BadTime,
            ScriptProblem::NotAbsolute,
            ScriptProblem::HasScheme,
            ScriptProblem::HasSpace,
            ScriptProblem::Removable(
                crate::backup::destination::DestinationError::Cancelled.fault(),
            ),
        ];
        for p in &all {
            let s = script_problem(p);
            assert!(s.ends_with('.') && s.len() < 90, "{p:?}: {s}");
        }
        assert_eq!(script_problem(&all[1]), "60 caractères au plus.");
        assert_eq!(
            script_problem(&all[2]),
            "Le nom ne peut pas contenir / ni \\."
        );
        assert_eq!(
            script_problem(&all[4]),
            "Un autre script porte déjà ce nom."
        );
        assert_eq!(script_problem(&all[6]), "Entre 1 et 99.");
        assert_eq!(
            script_problem(&all[7]),
            "Date attendue au format JJ/MM/AAAA."
        );
        assert_eq!(script_problem(&all[8]), "Heure attendue au format HH:MM.");
        assert_eq!(
            script_problem(&all[10]),
            "N'indiquez que le nom du serveur, sans « ftp:// »."
        );
        assert_eq!(
            script_field_problem(ScriptField::Name, &ScriptProblem::Empty),
            "Indiquez un nom."
        );
        assert_eq!(
            script_field_problem(ScriptField::Keep, &all[6]),
            "Entre 1 et 99."
        );
        assert!(
            script_field_problem(ScriptField::FtpFolder, &ScriptProblem::NotAbsolute)
                .contains("commence par /")
        );
    }

    #[test]
    fn every_book_error_has_french_text() {
        let path = PathBuf::from("/home/paie/.iea/sauvegardes.toml");
        let all = [
            BookError::Read {
                path: path.clone(),
                source: io::Error::from(io::ErrorKind::PermissionDenied),
            },
            BookError::Syntax {
                path: path.clone(),
                line: Some(7),
                key: Some("enabled".into()),
                detail: "invalid boolean".into(),
            },
            BookError::Syntax {
                path: path.clone(),
                line: None,
                key: None,
                detail: "two scripts are named".into(),
            },
            BookError::Write {
                path: path.clone(),
                source: io::Error::from(io::ErrorKind::StorageFull),
            },
            BookError::Lock {
                path: PathBuf::from("/home/paie/.iea/locks/sauvegardes.lock"),
                source: io::Error::from(io::ErrorKind::PermissionDenied),
            },
            BookError::NotFound {
                name: "Quotidienne".into(),
            },
            BookError::DuplicateName {
                name: "Quotidienne".into(),
            },
        ];
        for e in &all {
            let x = book_error(e);
            for text in [&x.title, &x.what, &x.why, &x.todo, &x.details] {
                assert!(!text.trim().is_empty(), "{x:#?}");
            }
            assert!(!x.what.contains('\u{2019}'), "{x:#?}");
            assert!(x.details.contains("Message technique"), "{x:#?}");
        }
        let x = book_error(&all[0]);
        assert!(
            x.what.contains("sauvegardes.toml") && x.what.contains("Accès refusé"),
            "{x:#?}"
        );
        let x = book_error(&all[1]);
        assert!(x.what.contains("à la ligne 7"), "{x:#?}");
        assert!(x.why.contains("ne l'a pas remplacé"), "{x:#?}");
        assert!(x.details.contains("invalid boolean"), "{x:#?}");
        assert!(!book_error(&all[2]).what.contains("ligne"));
        assert!(book_error(&all[3]).what.contains("plus assez de place"));
        assert!(book_error(&all[6]).what.contains("« Quotidienne »"));
    }

    #[test]
    fn date_anomalies_say_what_to_do() {
        let s = date_anomaly(&DateAnomaly::NeverRanSince {
            start: date(2020, 3, 16),
        });
        assert!(s.starts_with("Date de sauvegarde incorrecte"), "{s}");
        assert!(s.contains("16/03/2020"), "{s}");
        assert!(
            s.ends_with("Cliquez sur « Actualiser la date », puis sur « Enregistrer »."),
            "{s}"
        );
        let s = date_anomaly(&DateAnomaly::TooFarAhead {
            start: date(2029, 9, 1),
        });
        assert!(
            s.contains("01/09/2029") && s.contains("plus d'un an"),
            "{s}"
        );
        assert!(s.ends_with(REFRESH_THEN_SAVE), "{s}");
    }

    #[test]
    fn staleness_lines() {
        let at = |d| {
            Utc.with_ymd_and_hms(2026, 11, d, 12, 0, 0)
                .single()
                .expect("t")
        };
        let s = Staleness {
            last_good_at: Some(at(12)),
            overdue_since: at(14),
        };
        assert_eq!(
            staleness_line_in("Quotidienne", &s, &chrono_tz::Europe::Paris),
            "Sauvegarde « Quotidienne » en retard : dernière sauvegarde réussie le 12/11/2026"
        );
        let never = Staleness {
            last_good_at: None,
            overdue_since: at(14),
        };
        assert_eq!(
            staleness_line("Quotidienne", &never),
            "Sauvegarde « Quotidienne » en retard : aucune sauvegarde réussie"
        );
    }

    #[test]
    fn frequencies_read_in_french() {
        let f = |every, unit| frequency_text(Frequency { every, unit });
        assert_eq!(f(1, FrequencyUnit::Jours), "tous les jours");
        assert_eq!(f(3, FrequencyUnit::Jours), "tous les 3 jours");
        assert_eq!(f(1, FrequencyUnit::Semaines), "toutes les semaines");
        assert_eq!(f(2, FrequencyUnit::Semaines), "toutes les 2 semaines");
        assert_eq!(f(1, FrequencyUnit::Mois), "tous les mois");
        assert_eq!(f(3, FrequencyUnit::Mois), "tous les 3 mois");
    }

    #[test]
    fn the_next_run_line_is_exact() {
        let at = chrono_tz::Europe::Paris
            .with_ymd_and_hms(2026, 3, 29, 23, 0, 0)
            .single()
            .expect("t");
        assert_eq!(
            next_run_line("Quotidienne", &at),
            "Quotidienne — prochaine exécution le 29/03/2026 à 23:00"
        );
    }

    #[test]
    fn schedule_changes_are_confirmed() {
        let names = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            postponed_text(&names(&["Quotidienne"]), 2),
            "La sauvegarde automatique de « Quotidienne » est repoussée de 2 jours."
        );
        assert_eq!(
            postponed_text(&names(&["A", "B", "C"]), 1),
            "Les sauvegardes automatiques de « A », « B » et « C » sont repoussées de 1 jour."
        );
        assert!(postponement_cleared_text(&names(&["A", "B"])).contains("« A » et « B »"));
        assert_eq!(
            start_refreshed_text("Hebdo", date(2026, 5, 12)),
            "La date de départ du script « Hebdo » est maintenant le 12/05/2026."
        );
    }
}
