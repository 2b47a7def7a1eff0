//! French words for backup runs and restores: the reasons kept in the run
//! journal and the script's state, the warnings of a run that went through, the
//! restore's refusals and its confirmation.

use std::fmt::Write as _;
use std::path::Path;

use super::{
    Explanation, archive_fault, destination_access_fault, destination_fault, system_error,
};
use crate::backup::reason::{RunReason, RunWarning, VerifyProblem};
use crate::diagnostics::SystemError;

/// Why a run was not plainly OK, on one line: for the run journal, the list of
/// scripts, the command line and the logs. A sentence stored by an older
/// version is given as written.
pub fn run_reason(r: &RunReason) -> String {
    match r {
        RunReason::StagingUnusable { path, system } => staging_unusable(path, *system),
        RunReason::ArchiveFailed { fault } => archive_fault(fault).one_line(),
        RunReason::KeptInStaging { fault } => kept_in_staging(&destination_fault(fault)),
        RunReason::DeliveryFailed { fault } => destination_fault(fault).one_line(),
        RunReason::Warnings { warnings } => warnings
            .iter()
            .map(run_warning)
            .collect::<Vec<_>>()
            .join(" "),
        RunReason::Legacy { text } => text.clone(),
    }
}

/// A run's reason with its sentence, for `--json`.
pub fn run_reason_worded(r: &RunReason) -> super::Worded<'_, RunReason> {
    super::Worded {
        fact: r,
        text: run_reason(r),
    }
}

/// What needs attention after a run that put its backup in place.
pub fn run_warning(w: &RunWarning) -> String {
    match w {
        RunWarning::PlainFtp => plain_ftp_warning(),
        RunWarning::PruneFailed { fault } => prune_failed(&destination_fault(fault)),
        RunWarning::DeliveredLate { archive } => delivered_late(archive),
    }
}

/// Why a kept backup failed its verification, on one line.
pub fn verify_problem(p: &VerifyProblem) -> String {
    match p {
        VerifyProblem::Archive { fault } => archive_fault(fault).one_line(),
        VerifyProblem::Destination { fault } => destination_access_fault(fault).one_line(),
    }
}

/// The staging folder cannot be created or written.
fn staging_unusable(path: &Path, system: SystemError) -> String {
    format!(
        "Échec : le dossier de préparation des sauvegardes « {} » est inutilisable ({}). \
         Choisissez un autre dossier dans « Configurer les chemins ».",
        path.display(),
        system_error(system)
    )
}

/// A run to a plain FTP site: it went through, unencrypted.
pub fn plain_ftp_warning() -> String {
    "Le site FTP est utilisé sans chiffrement : le mot de passe et les données de paie \
     circulent en clair sur le réseau. Choisissez « FTPS explicite » ou « FTPS implicite » \
     si le serveur le permet."
        .to_owned()
}

/// The destination is unavailable: the verified archive waits on this computer.
fn kept_in_staging(cause: &Explanation) -> String {
    let mut line = cause.one_line();
    if !line.contains("conservée sur ce poste") {
        line.push_str(
            " La sauvegarde vérifiée est conservée sur ce poste et sera déposée dès que \
             l'emplacement sera de nouveau disponible.",
        );
    }
    line
}

/// The new backup is in place but the oldest could not be removed.
fn prune_failed(cause: &Explanation) -> String {
    format!(
        "La nouvelle sauvegarde est en place et vérifiée, mais les plus anciennes n'ont pas \
         pu être supprimées ({}). Libérez de la place à l'emplacement de sauvegarde.",
        cause.one_line()
    )
}

/// An archive that waited in staging has reached its destination.
fn delivered_late(archive: &str) -> String {
    format!(
        "La sauvegarde « {archive} », conservée sur ce poste pendant l'indisponibilité de \
         l'emplacement, y a été déposée et vérifiée."
    )
}

/// The title of a script name that matches no script.
const TITLE_NO_SUCH_SCRIPT: &str = "Script de sauvegarde introuvable";

/// Why a run, a listing or a verification could not start.
pub fn run_error(e: &crate::backup::run::RunError) -> Explanation {
    use crate::backup::run::RunError as E;
    match e {
        E::UnknownScript { name } => Explanation {
            title: TITLE_NO_SUCH_SCRIPT.to_owned(),
            what: super::no_script_named(name),
            why: String::new(),
            todo: "Vérifiez le nom dans « Sauvegarder / Restaurer » (ou avec la commande \
                   « iea-maintenance backup list »)."
                .to_owned(),
            details: String::new(),
        },
        E::Job(job) => super::job_error(job),
        E::Book(book) => super::book_error(book),
        E::Config(config) => super::config_error(config),
        E::Secret(secret) => Explanation {
            title: "Clé de l'installation illisible".to_owned(),
            what: "La clé qui protège les mots de passe enregistrés ne peut pas être lue."
                .to_owned(),
            why: "Sans elle, le mot de passe du site FTP ne peut pas être utilisé.".to_owned(),
            todo: "Vérifiez les droits du dossier de l'installation, ou contactez votre \
                   informaticien."
                .to_owned(),
            details: secret.to_string(),
        },
        E::Destination(d) => super::destination_error(d),
    }
}

/// One run in a few lines, for the command line and the journal view.
pub fn run_report_text(r: &crate::backup::run::RunReport) -> String {
    use crate::backup::script::RunOutcome;
    let head = match r.outcome {
        RunOutcome::Ok => format!("{} : sauvegarde OK", r.script),
        RunOutcome::Avertissement => {
            format!("{} : sauvegarde faite, avec un avertissement", r.script)
        }
        RunOutcome::Echec => format!("{} : ÉCHEC de la sauvegarde", r.script),
    };
    let mut text = head;
    if let Some(archive) = &r.archive
        && r.outcome.delivered()
    {
        let _ = write!(
            text,
            "\n  {archive} ({}) vers {}, relue et vérifiée",
            crate::fsutil::human_size(r.size_bytes.unwrap_or(0)),
            super::place(&r.destination)
        );
    }
    if !r.removed.is_empty() {
        let _ = write!(
            text,
            "\n  anciennes sauvegardes supprimées : {}",
            r.removed.join(", ")
        );
    }
    if let Some(reason) = &r.reason {
        let _ = write!(text, "\n  {}", run_reason(reason));
    }
    text
}

/// Why a restore did not happen; the store is always as it was.
pub fn restore_error(e: &crate::backup::restore::RestoreError) -> Explanation {
    use crate::backup::restore::RestoreError as E;
    const UNTOUCHED: &str = "Votre base actuelle n'a pas été modifiée.";
    match e {
        E::Job(job) => super::job_error(job),
        E::Book(book) => super::book_error(book),
        E::UnknownScript { name } => Explanation {
            title: TITLE_NO_SUCH_SCRIPT.to_owned(),
            what: super::no_script_named(name),
            why: UNTOUCHED.to_owned(),
            todo: "Choisissez le script dans la liste.".to_owned(),
            details: String::new(),
        },
        E::NoBackup { script } => Explanation {
            title: "Aucune sauvegarde à restaurer".to_owned(),
            what: format!("Le script « {script} » n'a aucune sauvegarde à son emplacement."),
            why: UNTOUCHED.to_owned(),
            todo: "Vérifiez que l'emplacement du script est disponible (clé ou disque branché, \
                   partage connecté), ou restaurez depuis un fichier."
                .to_owned(),
            details: e.to_string(),
        },
        E::Destination(d) => {
            let mut x = super::destination_error(d);
            x.why = format!("La sauvegarde n'a pas pu être récupérée. {UNTOUCHED}");
            x
        }
        E::Archive(a) => {
            let mut x = super::archive_error(a);
            x.why = format!("La restauration a été refusée avant toute modification. {UNTOUCHED}");
            x
        }
        E::Connected { sessions } => {
            let names: Vec<String> = sessions.iter().map(super::session_who).collect();
            Explanation {
                title: "Restauration impossible : la base est utilisée".to_owned(),
                what: format!(
                    "{} connecté{} à la base : {}.",
                    if sessions.len() > 1 {
                        "Des utilisateurs sont"
                    } else {
                        "Un utilisateur est"
                    },
                    if sessions.len() > 1 { "s" } else { "" },
                    names.join(", ")
                ),
                why: format!(
                    "Restaurer maintenant ferait perdre leur travail en cours. {UNTOUCHED}"
                ),
                todo: "Demandez-leur de fermer Impact emploi sur leur poste, puis relancez la \
                       restauration."
                    .to_owned(),
                details: sessions
                    .iter()
                    .map(|s| {
                        format!(
                            "{} ({}) depuis {}, dernier signe {}",
                            s.login, s.hostname, s.started_at, s.heartbeat_at
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            }
        }
        E::Store(s) => {
            let mut x = super::store_error(s);
            x.why =
                format!("La base actuelle n'a pas pu être préparée au remplacement. {UNTOUCHED}");
            x
        }
        E::Io { path, source } => Explanation {
            title: "Restauration interrompue".to_owned(),
            what: format!(
                "Le fichier « {} » n'a pas pu être déplacé : {}.",
                path.display(),
                super::io_error(source)
            ),
            why: "L'ancienne base a été remise en place.".to_owned(),
            todo: "Vérifiez la place libre et les droits du dossier de la base, puis \
                   recommencez."
                .to_owned(),
            details: source.to_string(),
        },
        E::CheckFailed { detail } => Explanation {
            title: "Sauvegarde refusée après restauration".to_owned(),
            what: "La base restaurée ne correspond pas à ce que la sauvegarde annonçait."
                .to_owned(),
            why: "L'ancienne base a été remise en place : rien n'est perdu.".to_owned(),
            todo: "Choisissez une autre sauvegarde, ou contactez l'assistance avec le rapport."
                .to_owned(),
            details: detail.clone(),
        },
        E::Cancelled => Explanation {
            title: "Restauration annulée".to_owned(),
            what: "La restauration a été annulée.".to_owned(),
            why: UNTOUCHED.to_owned(),
            todo: String::new(),
            details: String::new(),
        },
    }
}

/// The confirmation of a restore (seed 002: "Le message suivant confirme la
/// restauration"), with what was restored.
pub fn restore_success(r: &crate::backup::restore::RestoreReport) -> String {
    let taken = r
        .manifest
        .created_at
        .with_timezone(&chrono::Local)
        .format("%d/%m/%Y à %H:%M");
    let count = |table: &str| {
        super::integer(i128::from(
            r.manifest.counts.get(table).copied().unwrap_or(0),
        ))
    };
    let (payslips, dossiers) = (count("payslips"), count("dossiers"));
    let mut text = format!(
        "La restauration de la base de données s'est déroulée avec succès.\n\
         La base {} est maintenant celle de la sauvegarde du {taken} ({dossiers} dossiers, \
         {payslips} bulletins de salaire).",
        r.store_path.display()
    );
    if let Some(copy) = &r.safety_copy {
        let _ = write!(
            text,
            "\nL'ancienne base est conservée : {} (restaurable sous « avant restauration »).",
            copy.display()
        );
    }
    text
}

/// What the start found of a restore cut short.
pub fn recovery_note(r: &crate::backup::restore::Recovery) -> String {
    use crate::backup::restore::Recovery as R;
    match r {
        R::Untouched { store } => format!(
            "Une restauration a été interrompue avant de remplacer la base {} : la base n'a \
             pas été modifiée.",
            store.display()
        ),
        R::PreviousPutBack { store } => format!(
            "Une restauration a été interrompue pendant le remplacement de la base {} : \
             l'ancienne base a été remise en place, complète. Relancez la restauration si \
             vous le souhaitez.",
            store.display()
        ),
        R::Completed { store, safety_copy } => format!(
            "Une restauration a été interrompue juste après le remplacement de la base {} : \
             la base restaurée est en place, complète. L'ancienne base est conservée : {}.",
            store.display(),
            safety_copy.display()
        ),
    }
}

// ---------------------------------------------------------------------------
// The screens "Sauvegarder / Restaurer", "Restaurer une sauvegarde" and
// Accueil's backup line.

/// What to do about "Date de sauvegarde incorrecte" from the list of scripts,
/// where "Actualiser la date" saves at once.
pub const REFRESH_SAVES_AT_ONCE: &str = "Cliquez sur « Actualiser la date » : la date de \
     départ devient la prochaine heure prévue, et elle est enregistrée aussitôt.";

/// The order of the list of backups to restore.
pub const BACKUPS_NEWEST_FIRST: &str =
    "Les sauvegardes les plus récentes sont en haut de la liste.";

/// The headline of a script that does not run automatically.
pub fn manual_only_line(name: &str) -> String {
    format!("{name} — exécution automatique désactivée")
}

/// A postponement under way ("Repousser de N jours").
pub fn postponed_until_line<Tz: chrono::TimeZone>(until: &chrono::DateTime<Tz>) -> String
where
    Tz::Offset: std::fmt::Display,
{
    format!(
        "Report en cours : aucune exécution automatique avant le {}.",
        until.format("%d/%m/%Y à %H:%M")
    )
}

/// The schedule of a script in one line: "tous les jours à 23:00, à partir du
/// 02/11/2026 · 5 sauvegardes conservées".
pub fn schedule_line(script: &crate::backup::BackupScript) -> String {
    let keep = match script.keep {
        1 => "1 sauvegarde conservée".to_owned(),
        n => format!("{n} sauvegardes conservées"),
    };
    format!(
        "{} à {}, à partir du {} · {keep}",
        super::capitalized(&super::frequency_text(script.frequency)),
        script.time.format("%H:%M"),
        script.start_date.format("%d/%m/%Y"),
    )
}

/// "Dernière exécution le JJ/MM/AAAA à HH:MM : OK" (or "avertissement",
/// "échec"); "Jamais exécuté" when it never ran.
pub fn last_run_line<Tz: chrono::TimeZone>(
    at: Option<&chrono::DateTime<Tz>>,
    outcome: Option<crate::backup::RunOutcome>,
) -> String
where
    Tz::Offset: std::fmt::Display,
{
    match (at, outcome) {
        (Some(at), Some(outcome)) => format!(
            "Dernière exécution le {} : {}",
            at.format("%d/%m/%Y à %H:%M"),
            super::outcome_label(outcome)
        ),
        (Some(at), None) => format!("Dernière exécution le {}", at.format("%d/%m/%Y à %H:%M")),
        (None, _) => "Jamais exécuté".to_owned(),
    }
}

/// Verified backups waiting on this computer for their destination.
pub fn pending_line(pending: &[String]) -> String {
    match pending {
        [one] => format!(
            "1 sauvegarde vérifiée attend sur ce poste que son emplacement soit de nouveau \
             disponible : {one}."
        ),
        many => format!(
            "{} sauvegardes vérifiées attendent sur ce poste que leur emplacement soit de \
             nouveau disponible : {}.",
            many.len(),
            many.join(", ")
        ),
    }
}

/// The body of the confirmation before a script is deleted.
pub fn delete_script_text(name: &str, destination: &str) -> String {
    format!(
        "Le script « {name} » va être supprimé : il ne s'exécutera plus. Les sauvegardes \
         qu'il a déjà faites ne sont pas supprimées : elles restent à leur emplacement \
         ({destination})."
    )
}

/// Accueil: the most recent good backup, and the script that made it.
pub fn last_backup_line<Tz: chrono::TimeZone>(script: &str, at: &chrono::DateTime<Tz>) -> String
where
    Tz::Offset: std::fmt::Display,
{
    format!("le {} (script « {script} »)", at.format("%d/%m/%Y à %H:%M"))
}

/// One backup in the list to restore: its date and size.
pub fn stored_backup_line(taken_at: chrono::NaiveDateTime, size_bytes: u64) -> String {
    format!(
        "{} — {}",
        taken_at.format("%d/%m/%Y %H:%M:%S"),
        crate::fsutil::human_size(size_bytes)
    )
}

/// The confirmation before a restore: what is replaced, by what, and the copy
/// kept. `backup` says which backup ("la sauvegarde du 12/11/2026 à 23:00:04
/// (script « Quotidienne »)", "le fichier …").
pub fn restore_confirm_text(store: &Path, backup: &str) -> Vec<String> {
    vec![
        format!("La base de données actuelle va être remplacée par {backup}. Base remplacée :"),
        store.display().to_string(),
        format!(
            "Une copie de la base actuelle est conservée avant le remplacement : vous la \
             retrouverez sous « {} » dans la liste des scripts, et pourrez la restaurer à \
             son tour.",
            crate::backup::restore::SAFETY_LABEL
        ),
        "Impact emploi doit être fermé sur tous les postes pendant la restauration.".to_owned(),
    ]
}

/// Which backup a restore puts back, for its confirmation.
pub fn restore_subject(script: &str, taken_at: chrono::NaiveDateTime) -> String {
    let when = taken_at.format("%d/%m/%Y à %H:%M:%S");
    if script == crate::backup::restore::SAFETY_LABEL {
        format!("la copie « avant restauration » du {when}")
    } else {
        format!("la sauvegarde du {when} (script « {script} »)")
    }
}

/// Which backup a restore puts back, named as the command line was told:
/// "le fichier …", "la sauvegarde … du script « … »", "la copie … (avant
/// restauration)".
pub fn restore_source_subject(source: &crate::backup::restore::RestoreSource) -> String {
    use crate::backup::restore::RestoreSource;
    match source {
        RestoreSource::File(p) => format!("le fichier {}", p.display()),
        RestoreSource::Stored { script, name } => {
            format!("la sauvegarde {name} du script « {script} »")
        }
        RestoreSource::Safety { name } => format!("la copie {name} (avant restauration)"),
    }
}

/// A file chosen for a restore, for its confirmation; its date when its name
/// carries one.
pub fn restore_file_subject(path: &Path, taken_at: Option<chrono::NaiveDateTime>) -> String {
    match taken_at {
        Some(at) => format!(
            "le fichier de sauvegarde « {} » (sauvegarde du {})",
            path.display(),
            at.format("%d/%m/%Y à %H:%M:%S")
        ),
        None => format!("le fichier de sauvegarde « {} »", path.display()),
    }
}

/// After "Exécuter": the archive made, its size and where it was put, when it
/// reached its destination.
pub fn run_archive_line(r: &crate::backup::run::RunReport) -> Option<String> {
    let archive = r.archive.as_deref().filter(|_| r.outcome.delivered())?;
    Some(format!(
        "Sauvegarde « {archive} » ({}) déposée et vérifiée : {}",
        crate::fsutil::human_size(r.size_bytes.unwrap_or(0)),
        super::place(&r.destination)
    ))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::backup::archive::ArchiveError;
    use crate::backup::destination::DestinationError;

    fn missing() -> crate::backup::destination::DestinationFault {
        DestinationError::Missing {
            what: "/srv/partage/sauvegardes".into(),
        }
        .fault()
    }

    #[test]
    fn every_reason_is_said_on_one_line() {
        let reasons = [
            RunReason::StagingUnusable {
                path: PathBuf::from("/var/tmp/iea"),
                system: SystemError::ReadOnly,
            },
            RunReason::ArchiveFailed {
                fault: ArchiveError::NotAStore.fault(),
            },
            RunReason::KeptInStaging { fault: missing() },
            RunReason::DeliveryFailed {
                fault: DestinationError::Secret.fault(),
            },
            RunReason::Warnings {
                warnings: vec![RunWarning::PlainFtp],
            },
        ];
        for r in &reasons {
            let line = run_reason(r);
            assert!(!line.is_empty() && !line.contains('\n'), "{r:?}: {line}");
        }
        assert!(run_reason(&reasons[0]).contains("« /var/tmp/iea »"));
        assert!(run_reason(&reasons[0]).contains(system_error(SystemError::ReadOnly)));
        let kept = run_reason(&reasons[2]);
        assert!(kept.starts_with("Emplacement indisponible"), "{kept}");
        assert!(kept.contains("/srv/partage/sauvegardes"), "{kept}");
        assert!(kept.contains("conservée sur ce poste"), "{kept}");
    }

    #[test]
    fn warnings_are_said_in_order_and_an_old_sentence_as_written() {
        let r = RunReason::Warnings {
            warnings: vec![
                RunWarning::DeliveredLate {
                    archive: "Hebdo-20260301-230003.iea.zip".into(),
                },
                RunWarning::PlainFtp,
                RunWarning::PruneFailed { fault: missing() },
            ],
        };
        let line = run_reason(&r);
        let late = line
            .find("« Hebdo-20260301-230003.iea.zip »")
            .expect("late");
        let plain = line.find(&plain_ftp_warning()).expect("plain FTP");
        let prune = line.find("les plus anciennes n'ont pas").expect("prune");
        assert!(late < plain && plain < prune, "{line}");
        let old = RunReason::Legacy {
            text: "Sauvegarde faite.".into(),
        };
        assert_eq!(run_reason(&old), "Sauvegarde faite.");
    }

    #[test]
    fn a_verification_problem_says_what_was_not_read() {
        let fetched = verify_problem(&VerifyProblem::Destination { fault: missing() });
        assert!(fetched.starts_with("Emplacement indisponible"), "{fetched}");
        // Nothing waits for delivery when only verifying.
        assert!(!fetched.contains("conservée sur ce poste"), "{fetched}");
        let damaged = verify_problem(&VerifyProblem::Archive {
            fault: ArchiveError::Corrupt {
                path: PathBuf::from("/srv/Hebdo.iea.zip"),
                detail: "SHA-256 differs".into(),
            }
            .fault(),
        });
        assert!(damaged.starts_with("Sauvegarde endommagée"), "{damaged}");
    }

    #[test]
    fn json_gives_the_code_the_parameters_and_the_sentence() {
        let r = RunReason::KeptInStaging { fault: missing() };
        let json = serde_json::to_value(run_reason_worded(&r)).expect("json");
        assert_eq!(json["code"], "kept_in_staging");
        assert_eq!(json["params"]["fault"]["code"], "missing");
        assert_eq!(json["text"], run_reason(&r));
    }
}
