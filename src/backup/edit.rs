//! Changes to the backup scripts asked for by name, as the command line asks
//! them: a script created or changed from the fields of its form ("Nouveau",
//! "Modifier"), a script removed, the automatic runs of some scripts or of all
//! of them postponed ("Repousser de N jours", before a year-end closing), and
//! that postponement cancelled ("Annuler le report", after it).
//!
//! Each change is one [`ScriptBook::modify`]: the scripts file is locked, read,
//! changed and written whole, so the service's own writes (a run's result) are
//! kept, and a change that fails — a name that is not found, a value the form
//! refuses — writes nothing at all. A form is validated against the scripts
//! as they are under the lock: a name taken meanwhile by another program is
//! refused, never overwritten.

use std::path::Path;

use chrono::{DateTime, NaiveDate, TimeZone};

use super::book::{BookError, ScriptBook};
use super::destination::DestinationError;
use super::draft::{FieldProblem, ScriptDraft};
use super::schedule;
use super::script::{BackupScript, RemovableSettings, ScriptEntry};
use crate::home::Home;
use crate::secrets::SecretKey;

/// Why a script from its form was not saved. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Values the form refuses, every one with its field
    /// (`messages::script_field_problem` says each in French).
    #[error("{} value(s) refused by the script form", .0.len())]
    Invalid(Vec<FieldProblem>),
    /// The scripts file (or no script of the name to change).
    #[error(transparent)]
    Book(#[from] BookError),
}

/// What a removable disk chosen in a form becomes: its marker written, its
/// identity read ([`super::destination::removable::mark`] in the program).
pub type PrepareRemovable<'a> = &'a dyn Fn(&Path) -> Result<RemovableSettings, DestinationError>;

/// "Nouveau", then "Enregistrer": a new script from the fields `fill` sets
/// on a new form (the guide's example of [`ScriptDraft::new`] for `today`),
/// validated as the form validates it. A typed FTP password is encrypted with
/// `key`.
pub fn add(
    home: &Home,
    today: NaiveDate,
    fill: impl FnOnce(&mut ScriptDraft),
    key: &SecretKey,
    removable: PrepareRemovable<'_>,
) -> Result<BackupScript, SaveError> {
    let mut draft = ScriptDraft::new(today);
    fill(&mut draft);
    let outcome = ScriptBook::modify(home, |book| {
        Ok(validated_upsert(book, &draft, None, key, removable))
    })?;
    outcome.map_err(SaveError::Invalid)
}

/// "Modifier", then "Enregistrer": the script named `name` changed by `fill`
/// on its form as it is under the lock ([`ScriptDraft::from_script`]: its FTP
/// password kept unless another is typed, its removable disk kept while its
/// folder is). Its state — last run, last good backup, postponement — is
/// kept. Gives the script before and after.
pub fn modify(
    home: &Home,
    name: &str,
    fill: impl FnOnce(&mut ScriptDraft),
    key: &SecretKey,
    removable: PrepareRemovable<'_>,
) -> Result<(BackupScript, BackupScript), SaveError> {
    let mut fill = Some(fill);
    let outcome = ScriptBook::modify(home, |book| {
        let original = book
            .get(name)
            .ok_or_else(|| BookError::NotFound {
                name: name.to_owned(),
            })?
            .script
            .clone();
        let mut draft = ScriptDraft::from_script(&original);
        if let Some(fill) = fill.take() {
            fill(&mut draft);
        }
        Ok(
            validated_upsert(book, &draft, Some(&original), key, removable)
                .map(|saved| (original, saved)),
        )
    })?;
    outcome.map_err(SaveError::Invalid)
}

/// Validates `draft` against `book` and, when every field is good, puts the
/// script in it (in place of `original`). Refused values change nothing, so
/// [`ScriptBook::modify`] writes nothing.
fn validated_upsert(
    book: &mut ScriptBook,
    draft: &ScriptDraft,
    original: Option<&BackupScript>,
    key: &SecretKey,
    removable: PrepareRemovable<'_>,
) -> Result<BackupScript, Vec<FieldProblem>> {
    let script = draft.validate(book, original, key, removable)?;
    // The validation refused every name another script has, under this lock:
    // the upsert cannot fail on one.
    book.upsert(script.clone(), original.map(|o| o.name.as_str()))
        .map_err(|_| {
            vec![FieldProblem {
                field: super::draft::ScriptField::Name,
                problem: super::draft::ScriptProblem::Duplicate,
            }]
        })?;
    Ok(script)
}

/// "Supprimer": removes the script named `name` and gives it back. The
/// backups it made stay where they are.
pub fn remove(home: &Home, name: &str) -> Result<ScriptEntry, BookError> {
    ScriptBook::modify(home, |book| book.remove(name))
}

/// Which scripts a change is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Every script of the installation.
    All,
    /// These, by name (without regard to case, as the scripts file compares
    /// names).
    Named(Vec<String>),
}

/// The indexes in `book` of the scripts `which` names, each once, in the
/// book's order; a name that no script has is [`BookError::NotFound`].
fn selected(book: &ScriptBook, which: &Selection) -> Result<Vec<usize>, BookError> {
    let mut indexes: Vec<usize> = match which {
        Selection::All => (0..book.entries.len()).collect(),
        Selection::Named(names) => names
            .iter()
            .map(|name| {
                let found = book
                    .get(name)
                    .ok_or_else(|| BookError::NotFound { name: name.clone() })?;
                Ok(book
                    .entries
                    .iter()
                    .position(|e| e.script.name == found.script.name)
                    .unwrap_or_default())
            })
            .collect::<Result<_, BookError>>()?,
    };
    indexes.sort_unstable();
    indexes.dedup();
    Ok(indexes)
}

/// "Repousser de `days` jours": no automatic run of the selected scripts
/// before the later of their next run and `now`, moved `days` days ahead
/// ([`schedule::postpone`]; postponing again adds to it). Gives the scripts
/// as changed, to say when each runs next.
pub fn postpone<Tz: TimeZone>(
    home: &Home,
    which: &Selection,
    days: u32,
    now: &DateTime<Tz>,
) -> Result<Vec<ScriptEntry>, BookError> {
    ScriptBook::modify(home, |book| {
        let indexes = selected(book, which)?;
        for &i in &indexes {
            schedule::postpone(&mut book.entries[i], days, now);
        }
        Ok(indexes.iter().map(|&i| book.entries[i].clone()).collect())
    })
}

/// "Annuler le report": the selected scripts go back to their calendar. Gives
/// the scripts whose postponement was cancelled (those that had none are left
/// as they were and not named).
pub fn resume(home: &Home, which: &Selection) -> Result<Vec<ScriptEntry>, BookError> {
    ScriptBook::modify(home, |book| {
        let mut resumed = Vec::new();
        for i in selected(book, which)? {
            let entry = &mut book.entries[i];
            if entry.state.postponed_until.is_some() {
                schedule::clear_postponement(&mut entry.state);
                resumed.push(entry.clone());
            }
        }
        Ok(resumed)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::script::{BackupScript, Destination, Frequency, FrequencyUnit, ScriptState};
    use chrono::{NaiveDate, NaiveTime, Utc};
    use chrono_tz::Europe::Paris;
    use std::path::PathBuf;

    fn script(name: &str) -> BackupScript {
        BackupScript {
            name: name.to_owned(),
            frequency: Frequency {
                every: 1,
                unit: FrequencyUnit::Jours,
            },
            start_date: NaiveDate::from_ymd_opt(2026, 5, 1).expect("date"),
            time: NaiveTime::from_hms_opt(23, 0, 0).expect("time"),
            enabled: true,
            keep: 5,
            destination: Destination::Folder {
                path: PathBuf::from("/home/paie/Sauvegardes"),
            },
        }
    }

    fn home_with(names: &[&str]) -> (tempfile::TempDir, Home) {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        ScriptBook::modify(&home, |book| {
            for name in names {
                book.upsert(script(name), None)?;
            }
            Ok(())
        })
        .expect("scripts");
        (dir, home)
    }

    fn until(home: &Home, name: &str) -> Option<DateTime<Utc>> {
        ScriptBook::load(home)
            .expect("load")
            .get(name)
            .expect("script")
            .state
            .postponed_until
    }

    #[test]
    fn named_scripts_are_postponed_once_each_and_resumed() {
        let (_dir, home) = home_with(&["Quotidienne", "Hebdo"]);
        let now = Paris
            .with_ymd_and_hms(2026, 5, 11, 10, 0, 0)
            .single()
            .expect("now");
        let done = postpone(
            &home,
            &Selection::Named(vec!["quotidienne".into(), "Quotidienne".into()]),
            3,
            &now,
        )
        .expect("postpone");
        let names: Vec<&str> = done.iter().map(|e| e.script.name.as_str()).collect();
        assert_eq!(names, ["Quotidienne"], "case aside, once");
        // The script never ran since its start, so it was due now: no run
        // before three days from now.
        let expected = Paris
            .with_ymd_and_hms(2026, 5, 14, 10, 0, 0)
            .single()
            .expect("until")
            .with_timezone(&Utc);
        assert_eq!(until(&home, "Quotidienne"), Some(expected));
        assert_eq!(until(&home, "Hebdo"), None);

        let resumed = resume(&home, &Selection::All).expect("resume");
        let names: Vec<&str> = resumed.iter().map(|e| e.script.name.as_str()).collect();
        assert_eq!(names, ["Quotidienne"], "only the one that was postponed");
        assert_eq!(until(&home, "Quotidienne"), None);
        assert!(resume(&home, &Selection::All).expect("again").is_empty());
    }

    fn no_disk(_: &Path) -> Result<RemovableSettings, DestinationError> {
        panic!("no removable disk was chosen")
    }

    fn key(home: &Home) -> SecretKey {
        SecretKey::load_or_create(home).expect("key")
    }

    #[test]
    fn a_form_is_saved_whole_or_not_at_all_and_a_change_keeps_the_state() {
        use crate::backup::draft::{ScriptField, ScriptProblem};
        use crate::backup::script::{DestinationKind, FtpSettings};

        let (_dir, home) = home_with(&["Quotidienne"]);
        let today = NaiveDate::from_ymd_opt(2026, 5, 11).expect("date");
        let before = std::fs::read(ScriptBook::path(&home)).expect("file");

        // Every refused value at once, and nothing written.
        let err = add(
            &home,
            today,
            |d| {
                d.name = "QUOTIDIENNE".into();
                d.keep = "0".into();
                d.folder = "relatif".into();
            },
            &key(&home),
            &no_disk,
        )
        .expect_err("refused");
        let SaveError::Invalid(problems) = err else {
            panic!("{err:?}");
        };
        let fields: Vec<ScriptField> = problems.iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [ScriptField::Name, ScriptField::Keep, ScriptField::Folder]
        );
        assert_eq!(problems[0].problem, ScriptProblem::Duplicate);
        assert_eq!(
            std::fs::read(ScriptBook::path(&home)).expect("file"),
            before
        );

        // A good form: an FTP site with its password encrypted.
        let saved = add(
            &home,
            today,
            |d| {
                d.name = "Distante".into();
                d.kind = DestinationKind::Ftp;
                d.ftp_host = "ftp.asso.fr".into();
                d.ftp_user = "paie".into();
                d.ftp_password = "S3cret !".into();
            },
            &key(&home),
            &no_disk,
        )
        .expect("saved");
        assert_eq!(saved.start_date, today);
        let text = std::fs::read_to_string(ScriptBook::path(&home)).expect("file");
        assert!(!text.contains("S3cret"), "{text}");

        // A change keeps the state and the password not typed again.
        ScriptBook::modify(&home, |book| {
            book.state_mut("Distante")?.last_good_at = Some(Utc::now());
            Ok(())
        })
        .expect("state");
        let (old, new) = modify(
            &home,
            "distante",
            |d| {
                d.keep = "9".into();
                d.name = "Site distant".into();
            },
            &key(&home),
            &no_disk,
        )
        .expect("changed");
        assert_eq!((old.keep, new.keep), (5, 9));
        let book = ScriptBook::load(&home).expect("load");
        let entry = book.get("Site distant").expect("renamed");
        assert!(entry.state.last_good_at.is_some(), "state kept");
        let Destination::Ftp(FtpSettings {
            password_encrypted: Some(stored),
            ..
        }) = &entry.script.destination
        else {
            panic!("{entry:?}");
        };
        assert_eq!(key(&home).decrypt(stored).expect("decrypt"), "S3cret !");
        assert!(book.get("Distante").is_none());

        assert!(matches!(
            modify(&home, "Absente", |_| {}, &key(&home), &no_disk),
            Err(SaveError::Book(BookError::NotFound { .. }))
        ));
        let removed = remove(&home, "site distant").expect("removed");
        assert_eq!(removed.script.name, "Site distant");
        assert!(matches!(
            remove(&home, "Site distant"),
            Err(BookError::NotFound { .. })
        ));
    }

    #[test]
    fn all_scripts_are_postponed_and_an_unknown_name_changes_nothing() {
        let (_dir, home) = home_with(&["Quotidienne", "Hebdo"]);
        let now = Utc::now();
        let err = postpone(
            &home,
            &Selection::Named(vec!["Hebdo".into(), "Absente".into()]),
            2,
            &now,
        )
        .expect_err("unknown");
        assert!(matches!(err, BookError::NotFound { ref name } if name == "Absente"));
        assert_eq!(until(&home, "Hebdo"), None, "nothing written");

        let done = postpone(&home, &Selection::All, 2, &now).expect("all");
        assert_eq!(done.len(), 2);
        let book = ScriptBook::load(&home).expect("load");
        for e in &book.entries {
            assert!(schedule::postponed_at_least(e, 2, &now), "{e:?}");
        }
        assert!(
            resume(&home, &Selection::Named(vec!["Absente".into()])).is_err(),
            "unknown"
        );
        assert_eq!(
            resume(&home, &Selection::Named(vec!["HEBDO".into()]))
                .expect("resume")
                .len(),
            1
        );
        let state: &ScriptState = &ScriptBook::load(&home)
            .expect("load")
            .get("Hebdo")
            .expect("hebdo")
            .state
            .clone();
        assert_eq!(state.postponed_until, None);
    }
}
