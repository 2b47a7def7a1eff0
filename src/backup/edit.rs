//! Changes to the backup scripts asked for by name, as the command line asks
//! them: postponing the automatic runs of some scripts or of all of them
//! ("Repousser de N jours", before a year-end closing), and cancelling that
//! postponement ("Annuler le report", after it).
//!
//! Each change is one [`ScriptBook::modify`]: the scripts file is locked, read,
//! changed and written whole, so the service's own writes (a run's result) are
//! kept, and a name that is not found changes nothing at all.

use chrono::{DateTime, TimeZone};

use super::book::{BookError, ScriptBook};
use super::schedule;
use super::script::ScriptEntry;
use crate::home::Home;

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
