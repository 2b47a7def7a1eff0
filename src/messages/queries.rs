//! French words for "Extractions de données" (seed 002, « Exécuter une
//! requête »): the queries as the drop-down list shows them, the expected
//! form of each kind of parameter, the refusal of a value, the values of the
//! result view (euros, French dates), the failures of a query or an export,
//! and the end of an export.

use std::fmt::Write as _;
use std::path::Path;

use super::{
    Explanation, TITLE_CANCELLED, TITLE_DISK_FULL, duration_text, integer, io_error, money,
};
use crate::queries::export::ExportError;
use crate::queries::params::{DefaultRule, ParamKind, ParamProblem, ProblemKind};
use crate::queries::{Cell, ColumnKind, ExportFormat, ExportReport, Query, QueryError};

/// The module's name in the navigation, as the seed writes it.
pub const EXTRACTIONS_TITLE: &str = "Extractions de données";

/// The seed's button that opens the parameters of the chosen query.
pub const RUN_QUERY: &str = "Exécuter une requête";

/// The title of the parameters' window.
pub const PARAMS_WINDOW_TITLE: &str = "Paramètres de la requête";

/// The title of the result window.
pub const RESULT_WINDOW_TITLE: &str = "Visualisation du résultat de la requête";

/// A query as the drop-down list and the command line show it: "35.
/// Employeurs-caisse OPCO".
pub fn query_label(query: &Query) -> String {
    format!("{}. {}", query.number, query.title)
}

/// The form a value of `kind` is typed in, with an example.
pub fn expected_form(kind: ParamKind) -> &'static str {
    match kind {
        ParamKind::Date => "une date JJ/MM/AAAA, par exemple 31/12/2026",
        ParamKind::Month => "un mois MM/AAAA, par exemple 03/2026",
        ParamKind::Year => "une année AAAA, par exemple 2026",
        ParamKind::Dossier => "le nom d'un dossier de la base, ou « tous »",
        ParamKind::Employer => {
            "le SIRET (14 chiffres) ou le nom d'un employeur de la base, ou « tous »"
        }
    }
}

/// The kind of a parameter in a few words, for `queries show`.
pub fn kind_label(kind: ParamKind) -> &'static str {
    match kind {
        ParamKind::Date => "date",
        ParamKind::Month => "mois",
        ParamKind::Year => "année",
        ParamKind::Dossier => "dossier",
        ParamKind::Employer => "employeur",
    }
}

/// A default value in a few words, for `queries show`.
pub fn default_label(rule: DefaultRule, kind: ParamKind) -> &'static str {
    match rule {
        DefaultRule::Today => "aujourd'hui",
        DefaultRule::StartOfYear => "le 1er janvier de cette année",
        DefaultRule::EndOfYear => "le 31 décembre de cette année",
        DefaultRule::StartOfMonth => "le premier jour de ce mois",
        DefaultRule::EndOfMonth => "le dernier jour de ce mois",
        DefaultRule::CurrentMonth => "ce mois-ci",
        DefaultRule::PreviousMonth => "le mois dernier",
        DefaultRule::January => "janvier de cette année",
        DefaultRule::CurrentYear => "cette année",
        DefaultRule::PreviousYear => "l'année dernière",
        DefaultRule::All => "tous",
        DefaultRule::First if kind == ParamKind::Employer => {
            "le premier employeur en activité du premier dossier en production"
        }
        DefaultRule::First => "le premier dossier en production non archivé",
    }
}

/// The kind of a column in a few words, for `queries show`.
pub fn column_kind_label(kind: ColumnKind) -> &'static str {
    match kind {
        ColumnKind::Text => "texte",
        ColumnKind::Integer => "nombre entier",
        ColumnKind::Money => "montant en euros",
        ColumnKind::Hundredths => "nombre à deux décimales",
        ColumnKind::Date => "date",
        ColumnKind::Month => "mois",
        ColumnKind::Key => "ordre des lignes (non affiché)",
    }
}

/// Why a value was refused, next to its field: what is wrong and what is
/// expected, without naming the parameter (the field's row does).
pub fn param_problem_short(p: &ParamProblem) -> String {
    let expected = p.kind.map(expected_form).unwrap_or_default();
    let typed = p.text.trim();
    match p.problem.as_ref() {
        ProblemKind::Empty => format!("Valeur obligatoire : {expected}."),
        ProblemKind::NotADate => {
            format!("« {typed} » n'est pas une date valide : {expected}.")
        }
        ProblemKind::NotAMonth => format!("« {typed} » n'est pas un mois valide : {expected}."),
        ProblemKind::NotAYear => format!("« {typed} » n'est pas une année : {expected}."),
        ProblemKind::YearOutOfRange { min, max } => {
            format!("L'année doit être comprise entre {min} et {max}.")
        }
        ProblemKind::UnknownDossier { known } => {
            let mut text = format!("Aucun dossier ne s'appelle « {typed} ».");
            if !known.is_empty() {
                let names: Vec<String> = known.iter().map(|n| format!("« {n} »")).collect();
                let _ = write!(text, " Dossiers : {}, ou « tous ».", names.join(", "));
            }
            text
        }
        ProblemKind::NoDossier => "La base ne contient aucun dossier.".to_owned(),
        ProblemKind::UnknownEmployer => {
            format!("Aucun employeur n'a ce SIRET ou ce nom (« {typed} ») : {expected}.")
        }
        ProblemKind::SeveralEmployers { count } => format!(
            "{count} employeurs s'appellent « {typed} » : donnez plutôt le SIRET (14 chiffres)."
        ),
        ProblemKind::NoEmployer => "La base ne contient aucun employeur.".to_owned(),
        ProblemKind::EndBeforeStart {
            start_label,
            start_text,
        } => format!(
            "« {} » est avant « {start_label} » ({start_text}) : la fin de la période doit \
             suivre son début.",
            p.text
        ),
        ProblemKind::UnknownParam { known } => {
            if known.is_empty() {
                "Cette requête n'a aucun paramètre.".to_owned()
            } else {
                format!("Paramètres de cette requête : {}.", known.join(", "))
            }
        }
        ProblemKind::Repeated => "Ce paramètre est donné deux fois.".to_owned(),
        ProblemKind::NotNameValue => {
            "La forme attendue est --param nom=valeur, par exemple --param du=01/2026.".to_owned()
        }
    }
}

/// A refused value as a full sentence, naming the parameter: for the command
/// line and the logs.
pub fn param_problem(p: &ParamProblem) -> String {
    let who = match (p.problem.as_ref(), p.label.is_empty()) {
        (ProblemKind::UnknownParam { .. }, _) => {
            format!("Paramètre inconnu « {} »", p.name)
        }
        (ProblemKind::NotNameValue, _) => format!("« {} »", p.name),
        (_, true) => format!("Paramètre « {} »", p.name),
        (_, false) => format!("Paramètre « {} » ({})", p.name, p.label),
    };
    format!("{who} : {}", param_problem_short(p))
}

/// The parameters refused, all of them.
pub fn params_error(problems: &[ParamProblem]) -> Explanation {
    Explanation {
        title: "Paramètres de la requête incorrects".to_owned(),
        what: problems
            .iter()
            .map(param_problem)
            .collect::<Vec<_>>()
            .join("\n"),
        why: "La requête n'a pas été exécutée et aucun fichier n'a été écrit.".to_owned(),
        todo: "Corrigez ces valeurs, puis relancez la requête (les paramètres et leurs formes : \
               iea-maintenance queries show NUMÉRO)."
            .to_owned(),
        details: String::new(),
    }
}

/// A cell of the result view, in French: euros, `JJ/MM/AAAA`, `MM/AAAA`.
pub fn cell_text(cell: &Cell<'_>, kind: ColumnKind) -> String {
    match (cell, kind) {
        (Cell::Null, _) => String::new(),
        (Cell::Int(v), ColumnKind::Money) => money(*v),
        (Cell::Int(v), ColumnKind::Hundredths) => {
            let abs = v.unsigned_abs();
            let sign = if *v < 0 { "-" } else { "" };
            format!("{sign}{},{:02}", integer(i128::from(abs / 100)), abs % 100)
        }
        (Cell::Int(v), _) => integer(i128::from(*v)),
        (Cell::Text(t), ColumnKind::Date) => crate::queries::export::iso_date(t)
            .map_or_else(|| t.to_string(), |(y, m, d)| format!("{d}/{m}/{y}")),
        (Cell::Text(t), ColumnKind::Month) => crate::queries::export::iso_month(t)
            .map_or_else(|| t.to_string(), |(y, m)| format!("{m}/{y}")),
        (Cell::Text(t), _) => t.to_string(),
    }
}

/// "1 ligne", "12 345 lignes".
pub fn rows_count(n: u64) -> String {
    match n {
        0 => "aucune ligne".to_owned(),
        1 => "1 ligne".to_owned(),
        n => format!("{} lignes", integer(i128::from(n))),
    }
}

/// The name of a format on the buttons and in sentences.
pub fn format_label(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::Xlsx => "XLSX",
        ExportFormat::Xml => "XML",
        ExportFormat::Txt => "TXT",
        ExportFormat::Json => "JSON",
    }
}

/// The end of an export, in one sentence.
pub fn export_done(report: &ExportReport) -> String {
    let sheets = if report.sheets > 1 {
        format!(" sur {} feuilles", report.sheets)
    } else {
        String::new()
    };
    format!(
        "Fichier {} enregistré : « {} » ({}{sheets}, {}).",
        format_label(report.format),
        report.path.display(),
        rows_count(report.rows),
        duration_text(report.elapsed)
    )
}

/// The question before an existing file is replaced.
pub fn replace_question(path: &Path) -> String {
    format!(
        "Le fichier « {} » existe déjà. Voulez-vous le remplacer ? Son contenu actuel sera perdu.",
        path.display()
    )
}

/// A failed export, in French.
pub fn export_error(e: &ExportError) -> Explanation {
    let details = format!("Message technique : {e}");
    let nothing = "Aucun fichier n'a été écrit à cet emplacement ; la base n'a pas été modifiée.";
    match e {
        ExportError::Exists { path } => Explanation {
            title: "Le fichier existe déjà".to_owned(),
            what: format!("Le fichier « {} » existe déjà.", path.display()),
            why: "Il n'a pas été remplacé : un fichier existant n'est jamais écrasé sans votre \
                  accord."
                .to_owned(),
            todo: "Choisissez un autre nom, ou confirmez son remplacement (en ligne de commande : \
                   --yes)."
                .to_owned(),
            details,
        },
        ExportError::FolderNotFound { folder, .. } => Explanation {
            title: "Dossier introuvable".to_owned(),
            what: format!("Le dossier « {} » n'existe pas.", folder.display()),
            why: nothing.to_owned(),
            todo: "Choisissez un dossier existant (vérifiez qu'une clé USB ou un partage réseau \
                   est bien branché), puis recommencez."
                .to_owned(),
            details,
        },
        ExportError::Io { path, source } => {
            let full = source.kind() == std::io::ErrorKind::StorageFull;
            Explanation {
                title: if full {
                    TITLE_DISK_FULL.to_owned()
                } else {
                    "Export impossible".to_owned()
                },
                what: format!(
                    "Le fichier « {} » n'a pas pu être écrit. {}",
                    path.display(),
                    io_error(source)
                ),
                why: nothing.to_owned(),
                todo: "Choisissez un dossier où vous avez le droit d'écrire et où il reste de la \
                       place (vos Documents, par exemple), puis recommencez."
                    .to_owned(),
                details,
            }
        }
        ExportError::Xlsx { path, .. } => Explanation {
            title: "Export impossible".to_owned(),
            what: format!("Le classeur « {} » n'a pas pu être écrit.", path.display()),
            why: nothing.to_owned(),
            todo: "Vérifiez qu'il reste de la place dans ce dossier, puis recommencez ; si le \
                   problème persiste, exportez en TXT et signalez-le à l'assistance avec les \
                   détails ci-dessous."
                .to_owned(),
            details,
        },
    }
}

/// A query that could not run or be exported, in French.
pub fn query_error(e: &QueryError) -> Explanation {
    let details = format!("Message technique : {e}");
    let broken = |number: &u32, what: String| Explanation {
        title: "Requête inutilisable".to_owned(),
        what,
        why: format!("La requête {number} n'a pas été exécutée ; la base n'a pas été modifiée."),
        todo: "Signalez-le à l'assistance avec les détails ci-dessous ; les autres requêtes \
               restent utilisables."
            .to_owned(),
        details: details.clone(),
    };
    match e {
        QueryError::Store(store) => super::store_error(store),
        QueryError::UnknownQuery { number } => Explanation {
            title: "Requête inconnue".to_owned(),
            what: format!("Aucune requête ne porte le numéro {number}."),
            why: String::new(),
            todo: "La liste des requêtes : iea-maintenance queries list".to_owned(),
            details,
        },
        QueryError::Params { problems } => params_error(problems),
        QueryError::NotReadOnly { number } => broken(
            number,
            format!(
                "La requête {number} modifierait la base : elle a été refusée. Les requêtes \
                 prédéfinies ne font que lire les données."
            ),
        ),
        QueryError::Sql { number, .. } => broken(
            number,
            format!("La requête {number} ne correspond pas à cette base de données."),
        ),
        QueryError::ColumnsMismatch {
            number,
            declared,
            found,
        } => broken(
            number,
            format!("La requête {number} donne {found} colonnes au lieu des {declared} annoncées."),
        ),
        QueryError::Cancelled => Explanation {
            title: TITLE_CANCELLED.to_owned(),
            what: super::CANCELLED_AT_YOUR_REQUEST.to_owned(),
            why: "Aucun fichier n'a été écrit ; la base n'a pas été modifiée.".to_owned(),
            todo: "Vous pouvez relancer la requête quand vous le souhaitez.".to_owned(),
            details,
        },
        QueryError::Export(export) => export_error(export),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(kind: ParamKind, text: &str, problem: ProblemKind) -> ParamProblem {
        ParamProblem {
            name: "du".into(),
            label: "Du mois".into(),
            kind: Some(kind),
            text: text.into(),
            problem: Box::new(problem),
        }
    }

    #[test]
    fn a_refused_value_names_the_parameter_and_the_expected_form() {
        let p = problem(ParamKind::Month, "13/2026", ProblemKind::NotAMonth);
        assert_eq!(
            param_problem(&p),
            "Paramètre « du » (Du mois) : « 13/2026 » n'est pas un mois valide : un mois \
             MM/AAAA, par exemple 03/2026."
        );
        let p = problem(ParamKind::Date, "", ProblemKind::Empty);
        assert!(param_problem_short(&p).contains("JJ/MM/AAAA"));
    }

    #[test]
    fn cells_are_written_the_french_way() {
        assert_eq!(
            cell_text(&Cell::Int(123_456), ColumnKind::Money),
            "1\u{202f}234,56\u{a0}€"
        );
        assert_eq!(
            cell_text(&Cell::Int(15_167), ColumnKind::Hundredths),
            "151,67"
        );
        assert_eq!(
            cell_text(&Cell::Text("2026-03-01".into()), ColumnKind::Date),
            "01/03/2026"
        );
        assert_eq!(
            cell_text(&Cell::Text("2026-03".into()), ColumnKind::Month),
            "03/2026"
        );
        assert_eq!(cell_text(&Cell::Null, ColumnKind::Money), "");
        assert_eq!(rows_count(12_345), "12\u{202f}345 lignes");
    }
}
