//! The file that keeps the backup scripts and what the installation remembers of
//! each: `IEA_HOME/sauvegardes.toml`, a `[[script]]` array of [`ScriptEntry`].
//!
//! Three programs change it — the resident service after each run, the
//! maintenance centre's "Module de sauvegardes", the command line — so every
//! change goes through [`ScriptBook::modify`]: an exclusive lock on
//! `locks/sauvegardes.lock`, then read, change, write, so that no one loses
//! another's write. The file is rewritten atomically with mode 0600 (it holds
//! encrypted FTP passwords), and a file that cannot be understood is reported,
//! never replaced: it may be the only record of the user's scripts.

use std::fs::OpenOptions;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::script::{BackupScript, MAX_EVERY, MAX_NAME_CHARS, ScriptEntry, ScriptState};
use crate::diagnostics::SystemError;
use crate::fsutil;
use crate::home::Home;

/// The name of the scripts file under `IEA_HOME`.
pub const SCRIPTS_FILE: &str = "sauvegardes.toml";

/// The name of the lock file under `IEA_HOME/locks` that serialises changes.
pub const LOCK_FILE: &str = "sauvegardes.lock";

/// The first lines of the file, for whoever opens it by hand.
const HEADER: &str = "# Scripts de sauvegarde d'Impact emploi association.\n\
# Ce fichier est écrit par le centre de maintenance : modifiez les scripts depuis\n\
# « Sauvegarder / Restaurer », ou avec « iea-maintenance backup modify », plutôt\n\
# qu'ici. Après une modification à la main : « iea-maintenance backup check ».\n\n";

/// Why the scripts file could not be read, understood, written or changed.
#[derive(Debug, thiserror::Error)]
pub enum BookError {
    /// The file exists but could not be read.
    #[error("cannot read the backup scripts file {path}: {source}")]
    Read {
        /// The scripts file.
        path: PathBuf,
        /// The system error.
        source: io::Error,
    },
    /// The file could be read but does not hold valid scripts. It was left as it is.
    #[error(
        "backup scripts file {path} is invalid{}{}: {detail}",
        .line.map(|l| format!(" at line {l}")).unwrap_or_default(),
        .key.as_ref().map(|k| format!(", key `{k}`")).unwrap_or_default()
    )]
    Syntax {
        /// The scripts file.
        path: PathBuf,
        /// The 1-based line of the problem, when it is known.
        line: Option<usize>,
        /// The key at fault (`time`, `frequency.unit`, `keep`…), when known.
        key: Option<String>,
        /// What is wrong (the parser's words, or which rule a value breaks).
        detail: String,
    },
    /// The file could not be written (the old content is still in place).
    #[error("cannot write the backup scripts file {path}: {source}")]
    Write {
        /// The scripts file.
        path: PathBuf,
        /// The system error.
        source: io::Error,
    },
    /// The lock that serialises changes could not be created or taken.
    #[error("cannot lock the backup scripts file with {path}: {source}")]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// The system error.
        source: io::Error,
    },
    /// No script has that name.
    #[error("no backup script named {name}")]
    NotFound {
        /// The name asked for.
        name: String,
    },
    /// Another script already has that name (names are compared without case).
    #[error("another backup script is already named {name}")]
    DuplicateName {
        /// The name refused.
        name: String,
    },
}

impl BookError {
    /// The error as a fact that can be kept and said again later.
    pub fn fault(&self) -> BookFault {
        use BookFaultKind as K;
        let kind = match self {
            Self::Read { path, source } => K::Read {
                path: path.clone(),
                system: SystemError::of(source),
            },
            Self::Syntax {
                path,
                line,
                key,
                detail,
            } => K::Syntax {
                path: path.clone(),
                line: *line,
                key: key.clone(),
                detail: detail.clone(),
            },
            Self::Write { path, source } => K::Write {
                path: path.clone(),
                system: SystemError::of(source),
            },
            Self::Lock { path, source } => K::Lock {
                path: path.clone(),
                system: SystemError::of(source),
            },
            Self::NotFound { name } => K::NotFound { name: name.clone() },
            Self::DuplicateName { name } => K::DuplicateName { name: name.clone() },
        };
        BookFault {
            kind,
            technical: self.to_string(),
        }
    }
}

/// A [`BookError`] kept as facts (in a closing's prerequisites): the same cases
/// with the system error classified, and the program's own message as text for
/// the technical details. `messages` says it in French.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookFault {
    /// What went wrong, with its parameters.
    #[serde(flatten)]
    pub kind: BookFaultKind,
    /// The program's own message (in English), for the technical details.
    pub technical: String,
}

/// The cases of [`BookError`], each with what its French needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", content = "params", rename_all = "snake_case")]
pub enum BookFaultKind {
    /// [`BookError::Read`].
    Read {
        /// The scripts file.
        path: PathBuf,
        /// The system error, classified.
        system: SystemError,
    },
    /// [`BookError::Syntax`].
    Syntax {
        /// The scripts file.
        path: PathBuf,
        /// The 1-based line of the problem, when it is known.
        line: Option<usize>,
        /// The key at fault, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
        /// What is wrong.
        detail: String,
    },
    /// [`BookError::Write`].
    Write {
        /// The scripts file.
        path: PathBuf,
        /// The system error, classified.
        system: SystemError,
    },
    /// [`BookError::Lock`].
    Lock {
        /// The lock file.
        path: PathBuf,
        /// The system error, classified.
        system: SystemError,
    },
    /// [`BookError::NotFound`].
    NotFound {
        /// The name asked for.
        name: String,
    },
    /// [`BookError::DuplicateName`].
    DuplicateName {
        /// The name refused.
        name: String,
    },
}

/// The file's layout: `[[script]]` tables.
#[derive(Debug, Default, Serialize, Deserialize)]
struct BookFile {
    #[serde(default, rename = "script")]
    scripts: Vec<ScriptEntry>,
}

/// The backup scripts of the installation, sorted by name (without case or
/// accents, as a French reader expects).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScriptBook {
    /// The scripts and their states, sorted by name.
    pub entries: Vec<ScriptEntry>,
}

impl ScriptBook {
    /// The scripts file of `home`.
    pub fn path(home: &Home) -> PathBuf {
        home.root().join(SCRIPTS_FILE)
    }

    /// Reads the scripts file. A missing file is an empty book; a file that
    /// cannot be understood is an error (with its line when known) and is left
    /// untouched.
    pub fn load(home: &Home) -> Result<Self, BookError> {
        crate::fsutil::debug_assert_not_ui_thread("ScriptBook::load");
        let path = Self::path(home);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(source) => return Err(BookError::Read { path, source }),
        };
        Self::parse(&text, &path)
    }

    /// Reads the scripts from the text of a scripts file (`path` is for errors).
    pub fn parse(text: &str, path: &Path) -> Result<Self, BookError> {
        let file: BookFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_at(text, s.start));
            BookError::Syntax {
                path: path.to_path_buf(),
                line,
                key: key_at_fault(text, line, e.message()),
                detail: e.message().to_owned(),
            }
        })?;
        let syntax = |key: Option<&str>, detail: String| BookError::Syntax {
            path: path.to_path_buf(),
            line: None,
            key: key.map(str::to_owned),
            detail,
        };
        for (i, entry) in file.scripts.iter().enumerate() {
            if let Some((key, problem)) = entry_problem(&entry.script) {
                return Err(syntax(Some(key), format!("script {}: {problem}", i + 1)));
            }
            if let Some(other) = file.scripts[..i]
                .iter()
                .find(|o| same_name(&o.script.name, &entry.script.name))
            {
                return Err(syntax(
                    Some("name"),
                    format!(
                        "two scripts are named {:?} and {:?}",
                        other.script.name, entry.script.name
                    ),
                ));
            }
        }
        let mut book = Self {
            entries: file.scripts,
        };
        book.sort();
        Ok(book)
    }

    /// The text of the scripts file for this book.
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        #[derive(Serialize)]
        struct BookFileRef<'a> {
            #[serde(rename = "script")]
            scripts: &'a [ScriptEntry],
        }
        let body = toml::to_string(&BookFileRef {
            scripts: &self.entries,
        })?;
        Ok(format!("{HEADER}{body}"))
    }

    /// Writes the scripts file atomically, with mode 0600 (it holds encrypted
    /// FTP passwords). Prefer [`modify`](Self::modify), which keeps other
    /// programs' changes.
    pub fn save(&self, home: &Home) -> Result<(), BookError> {
        crate::fsutil::debug_assert_not_ui_thread("ScriptBook::save");
        let path = Self::path(home);
        let write_error = |source| BookError::Write {
            path: path.clone(),
            source,
        };
        let text = self
            .to_toml()
            .map_err(|e| write_error(io::Error::other(e)))?;
        std::fs::create_dir_all(home.root()).map_err(write_error)?;
        fsutil::write_atomic_private(&path, text.as_bytes()).map_err(write_error)
    }

    /// Changes the scripts without losing another program's change: takes the
    /// exclusive lock `locks/sauvegardes.lock` (waiting for it — it is held only
    /// for the few milliseconds of a read and a write), reads the file, calls `f`,
    /// and writes the file when `f` succeeded and changed something. When `f`
    /// fails nothing is written.
    pub fn modify<T>(
        home: &Home,
        f: impl FnOnce(&mut ScriptBook) -> Result<T, BookError>,
    ) -> Result<T, BookError> {
        let dir = home.locks_dir();
        let lock_path = dir.join(LOCK_FILE);
        let lock_error = |source| BookError::Lock {
            path: lock_path.clone(),
            source,
        };
        std::fs::create_dir_all(&dir).map_err(lock_error)?;
        let lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(lock_error)?;
        // Released when `lock` is dropped, and by the system if the process dies.
        lock.lock().map_err(lock_error)?;
        let before = Self::load(home)?;
        let mut book = before.clone();
        let value = f(&mut book)?;
        book.sort();
        if book != before {
            book.save(home)?;
        }
        drop(lock);
        Ok(value)
    }

    /// The script named `name` (exactly, or else without regard to case).
    pub fn get(&self, name: &str) -> Option<&ScriptEntry> {
        self.index_of(name).map(|i| &self.entries[i])
    }

    /// The script named `name`, to change it (exactly, or else without regard to
    /// case).
    pub fn get_mut(&mut self, name: &str) -> Option<&mut ScriptEntry> {
        self.index_of(name).map(|i| &mut self.entries[i])
    }

    /// Adds `script`, or when `replacing` names a script, replaces that one while
    /// keeping its state (last run, last good backup, postponement, archives
    /// waiting for their destination). A name already used by another script,
    /// without regard to case, is refused.
    pub fn upsert(
        &mut self,
        script: BackupScript,
        replacing: Option<&str>,
    ) -> Result<(), BookError> {
        let replaced = match replacing {
            Some(old) => Some(self.index_of(old).ok_or_else(|| BookError::NotFound {
                name: old.to_owned(),
            })?),
            None => None,
        };
        let clash = self
            .entries
            .iter()
            .enumerate()
            .any(|(i, e)| Some(i) != replaced && same_name(&e.script.name, &script.name));
        if clash {
            return Err(BookError::DuplicateName { name: script.name });
        }
        match replaced {
            Some(i) => self.entries[i].script = script,
            None => self.entries.push(ScriptEntry {
                script,
                state: ScriptState::default(),
            }),
        }
        self.sort();
        Ok(())
    }

    /// Removes the script named `name` and gives it back.
    pub fn remove(&mut self, name: &str) -> Result<ScriptEntry, BookError> {
        let i = self.index_of(name).ok_or_else(|| BookError::NotFound {
            name: name.to_owned(),
        })?;
        Ok(self.entries.remove(i))
    }

    /// The state of the script named `name`, to change it.
    pub fn state_mut(&mut self, name: &str) -> Result<&mut ScriptState, BookError> {
        self.get_mut(name)
            .map(|e| &mut e.state)
            .ok_or_else(|| BookError::NotFound {
                name: name.to_owned(),
            })
    }

    fn index_of(&self, name: &str) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.script.name == name)
            .or_else(|| {
                self.entries
                    .iter()
                    .position(|e| same_name(&e.script.name, name))
            })
    }

    fn sort(&mut self) {
        self.entries.sort_by_cached_key(|e| {
            let name = &e.script.name;
            (sort_key(name), name.clone())
        });
    }
}

/// Whether two script names are the same for the user (case aside).
pub fn same_name(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

/// The key names are sorted by: lower case, accents removed ("Été" between
/// "essai" and "fin").
fn sort_key(name: &str) -> String {
    name.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => 'a',
            'ç' => 'c',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' | 'ì' => 'i',
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ÿ' | 'ý' => 'y',
            'ñ' => 'n',
            other => other,
        })
        .collect()
}

/// What is wrong with a script read from the file, if anything, and the key
/// at fault (the rules of the form, so that a hand edit cannot slip a bad
/// value past it).
fn entry_problem(s: &BackupScript) -> Option<(&'static str, String)> {
    let name = &s.name;
    if name.trim().is_empty() {
        return Some(("name", "empty name".to_owned()));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Some((
            "name",
            format!("name {name:?} longer than {MAX_NAME_CHARS} characters"),
        ));
    }
    if name.contains(['/', '\\', '\0']) || name.starts_with('.') {
        return Some(("name", format!("name {name:?} cannot be a file name")));
    }
    if !(1..=MAX_EVERY).contains(&s.frequency.every) {
        return Some((
            "frequency.every",
            format!("frequency.every of {name:?} must be 1 to {MAX_EVERY}"),
        ));
    }
    if !(1..=MAX_EVERY).contains(&s.keep) {
        return Some(("keep", format!("keep of {name:?} must be 1 to {MAX_EVERY}")));
    }
    None
}

/// The key a parser error is about: the one it names when a key is missing
/// or unknown, else the key written on the line of the error.
fn key_at_fault(text: &str, line: Option<usize>, message: &str) -> Option<String> {
    for prefix in ["missing field `", "unknown field `"] {
        if let Some(rest) = message.strip_prefix(prefix) {
            return rest.split('`').next().map(str::to_owned);
        }
    }
    let written = text.lines().nth(line?.checked_sub(1)?)?;
    let (key, _) = written.split_once('=')?;
    let key = key.trim().trim_matches('"');
    (!key.is_empty() && !key.starts_with('[')).then(|| key.to_owned())
}

/// 1-based line of a byte offset.
fn line_at(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map_or(1, |head| head.bytes().filter(|b| *b == b'\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::destination::DestinationError;
    use crate::backup::reason::{RunReason, RunWarning};
    use crate::backup::script::{
        Destination, Frequency, FrequencyUnit, FtpSecurity, FtpSettings, RemovableSettings,
        RunOutcome,
    };
    use chrono::{NaiveDate, NaiveTime, TimeZone as _, Utc};

    fn home() -> (tempfile::TempDir, Home) {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        (dir, home)
    }

    fn script(name: &str) -> BackupScript {
        BackupScript {
            name: name.to_owned(),
            frequency: Frequency {
                every: 1,
                unit: FrequencyUnit::Jours,
            },
            start_date: NaiveDate::from_ymd_opt(2026, 1, 5).expect("date"),
            time: NaiveTime::from_hms_opt(23, 0, 0).expect("time"),
            enabled: true,
            keep: 5,
            destination: Destination::Folder {
                path: PathBuf::from("/home/paie/Sauvegardes"),
            },
        }
    }

    fn names(book: &ScriptBook) -> Vec<&str> {
        book.entries
            .iter()
            .map(|e| e.script.name.as_str())
            .collect()
    }

    #[test]
    fn a_missing_file_is_an_empty_book() {
        let (_dir, home) = home();
        assert_eq!(
            ScriptBook::load(&home).expect("load"),
            ScriptBook::default()
        );
    }

    #[test]
    fn every_destination_and_state_survives_a_round_trip() {
        let (_dir, home) = home();
        let mut book = ScriptBook::default();
        book.upsert(script("Quotidienne"), None).expect("folder");
        let mut usb = script("Clé");
        usb.frequency = Frequency {
            every: 2,
            unit: FrequencyUnit::Semaines,
        };
        usb.destination = Destination::Removable(RemovableSettings {
            volume_id: "4f1c0e7a-0000-4000-8000-000000000001".into(),
            volume_label: "CLE-PAIE".into(),
            folder: PathBuf::from("Sauvegardes/IEA"),
        });
        book.upsert(usb, None).expect("removable");
        let mut ftp = script("Distante");
        ftp.frequency = Frequency {
            every: 1,
            unit: FrequencyUnit::Mois,
        };
        ftp.enabled = false;
        ftp.destination = Destination::Ftp(FtpSettings {
            host: "ftp.asso.fr".into(),
            port: 21,
            user: "paie".into(),
            password_encrypted: Some("v1:AAAA".into()),
            folder: "/sauvegardes".into(),
            security: FtpSecurity::Explicit,
            passive: true,
        });
        book.upsert(ftp, None).expect("ftp");
        let state = book.state_mut("Quotidienne").expect("state");
        state.last_run_at = Some(
            Utc.with_ymd_and_hms(2026, 3, 1, 22, 0, 3)
                .single()
                .expect("t"),
        );
        state.last_outcome = Some(RunOutcome::Avertissement);
        state.last_reason = Some(RunReason::Warnings {
            warnings: vec![
                RunWarning::PlainFtp,
                RunWarning::PruneFailed {
                    fault: DestinationError::Full {
                        what: "/media/disque".into(),
                    }
                    .fault(),
                },
            ],
        });
        state.last_good_at = state.last_run_at;
        state.postponed_until = Some(
            Utc.with_ymd_and_hms(2026, 3, 4, 22, 0, 0)
                .single()
                .expect("t"),
        );
        state.pending = vec!["Quotidienne-20260301-230003.iea.zip".into()];

        book.save(&home).expect("save");
        let text = std::fs::read_to_string(ScriptBook::path(&home)).expect("read");
        assert!(text.contains("[[script]]"), "{text}");
        assert!(text.starts_with("# Scripts de sauvegarde"), "{text}");
        let again = ScriptBook::load(&home).expect("load");
        assert_eq!(again, book);
        assert_eq!(names(&again), ["Clé", "Distante", "Quotidienne"]);

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(ScriptBook::path(&home))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_file_written_by_an_older_version_keeps_its_reason_as_written() {
        // Before reasons were kept as codes, `last_reason` held the French sentence.
        let (_dir, home) = home();
        let old = "Les anciennes sauvegardes n'ont pas été supprimées.";
        std::fs::write(
            ScriptBook::path(&home),
            format!(
                "{HEADER}[[script]]
name = \"Quotidienne\"
start_date = \"2026-03-01\"
time = \"23:00:00\"
enabled = true
keep = 5

[script.frequency]
every = 1
unit = \"jours\"

[script.destination]
type = \"folder\"
path = \"/srv/sauvegardes\"

[script.state]
last_run_at = \"2026-03-01T22:00:03Z\"
last_outcome = \"avertissement\"
last_reason = \"{old}\"
"
            ),
        )
        .expect("write");
        let book = ScriptBook::load(&home).expect("an old file still reads");
        let state = &book.get("Quotidienne").expect("script").state;
        assert_eq!(state.last_outcome, Some(RunOutcome::Avertissement));
        let reason = state.last_reason.as_ref().expect("reason");
        assert_eq!(reason, &RunReason::Legacy { text: old.into() });
        assert_eq!(crate::messages::run_reason(reason), old);

        // Saved again (another script changed), it reads back the same.
        book.save(&home).expect("save");
        assert_eq!(ScriptBook::load(&home).expect("again"), book);
    }

    #[test]
    fn names_sort_without_case_or_accents() {
        let mut book = ScriptBook::default();
        for name in ["fin", "Été", "essai", "Annuelle", "zèbre", "Mensuelle"] {
            book.upsert(script(name), None).expect("upsert");
        }
        assert_eq!(
            names(&book),
            ["Annuelle", "essai", "Été", "fin", "Mensuelle", "zèbre"]
        );
    }

    #[test]
    fn upsert_refuses_a_name_of_another_script_and_keeps_the_state_when_replacing() {
        let mut book = ScriptBook::default();
        book.upsert(script("Quotidienne"), None).expect("first");
        book.upsert(script("Hebdo"), None).expect("second");
        let err = book
            .upsert(script("QUOTIDIENNE"), None)
            .expect_err("duplicate");
        assert!(matches!(err, BookError::DuplicateName { ref name } if name == "QUOTIDIENNE"));

        let when = Utc
            .with_ymd_and_hms(2026, 2, 1, 22, 0, 0)
            .single()
            .expect("t");
        book.state_mut("Quotidienne").expect("state").last_run_at = Some(when);

        // Renaming to another script's name is refused, whatever the case.
        let err = book
            .upsert(script("hebdo"), Some("Quotidienne"))
            .expect_err("clash");
        assert!(matches!(err, BookError::DuplicateName { .. }));

        // Changing only the case of its own name is fine; the state stays.
        let mut changed = script("quotidienne");
        changed.keep = 9;
        book.upsert(changed, Some("Quotidienne")).expect("replace");
        assert_eq!(names(&book), ["Hebdo", "quotidienne"]);
        let entry = book.get("quotidienne").expect("get");
        assert_eq!(entry.script.keep, 9);
        assert_eq!(entry.state.last_run_at, Some(when));

        let err = book
            .upsert(script("X"), Some("Absente"))
            .expect_err("unknown");
        assert!(matches!(err, BookError::NotFound { ref name } if name == "Absente"));
    }

    #[test]
    fn get_remove_and_state_mut() {
        let mut book = ScriptBook::default();
        book.upsert(script("Quotidienne"), None).expect("upsert");
        assert!(book.get("Quotidienne").is_some());
        assert!(book.get("quotidienne").is_some(), "case aside");
        assert!(book.get("Hebdo").is_none());
        assert!(book.get_mut("QUOTIDIENNE").is_some());
        assert!(matches!(
            book.state_mut("Hebdo"),
            Err(BookError::NotFound { .. })
        ));
        assert!(matches!(
            book.remove("Hebdo"),
            Err(BookError::NotFound { .. })
        ));
        let removed = book.remove("Quotidienne").expect("remove");
        assert_eq!(removed.script.name, "Quotidienne");
        assert!(book.entries.is_empty());
    }

    #[test]
    fn a_bad_file_is_reported_with_its_line_and_never_replaced() {
        let (_dir, home) = home();
        let path = ScriptBook::path(&home);
        let text = "[[script]]\nname = \"Quotidienne\"\nstart_date = \"2026-01-05\"\ntime = \"23:00:00\"\nenabled = tru\n";
        std::fs::write(&path, text).expect("write");
        let err = ScriptBook::load(&home).expect_err("syntax");
        assert!(
            matches!(err, BookError::Syntax { line: Some(5), .. }),
            "{err:?}"
        );
        let err = ScriptBook::modify(&home, |_| Ok(())).expect_err("modify");
        assert!(matches!(err, BookError::Syntax { .. }), "{err:?}");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), text);

        // Well formed, but a value the form would refuse.
        let mut book = ScriptBook::default();
        let mut s = script("Quotidienne");
        s.frequency.every = 0;
        book.entries.push(ScriptEntry {
            script: s,
            state: ScriptState::default(),
        });
        let text = book.to_toml().expect("toml");
        let err = ScriptBook::parse(&text, &path).expect_err("every 0");
        assert!(
            matches!(err, BookError::Syntax { line: None, .. }),
            "{err:?}"
        );

        // Two scripts with the same name, case aside.
        let mut book = ScriptBook::default();
        for name in ["Quotidienne", "quotidienne"] {
            book.entries.push(ScriptEntry {
                script: script(name),
                state: ScriptState::default(),
            });
        }
        let text = book.to_toml().expect("toml");
        assert!(matches!(
            ScriptBook::parse(&text, &path),
            Err(BookError::Syntax { .. })
        ));
    }

    #[test]
    fn an_unreadable_file_is_a_read_error() {
        let (_dir, home) = home();
        // A folder where the file should be.
        std::fs::create_dir_all(ScriptBook::path(&home)).expect("mkdir");
        assert!(matches!(
            ScriptBook::load(&home),
            Err(BookError::Read { .. })
        ));
    }

    #[test]
    fn modify_writes_only_on_success_and_keeps_concurrent_changes() {
        let (_dir, home) = home();
        ScriptBook::modify(&home, |book| book.upsert(script("Quotidienne"), None)).expect("create");
        assert!(home.locks_dir().join(LOCK_FILE).exists());

        // A failing change writes nothing.
        let err = ScriptBook::modify(&home, |book| {
            book.upsert(script("Hebdo"), None)?;
            book.remove("Absente").map(|_| ())
        })
        .expect_err("fails");
        assert!(matches!(err, BookError::NotFound { .. }));
        assert_eq!(
            names(&ScriptBook::load(&home).expect("load")),
            ["Quotidienne"]
        );

        // Many threads, each adding its own script and touching a shared state:
        // no write is lost.
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let home = home.clone();
                std::thread::spawn(move || {
                    ScriptBook::modify(&home, |book| {
                        book.upsert(script(&format!("Script {i}")), None)?;
                        book.state_mut("Quotidienne")?.pending.push(format!("a{i}"));
                        Ok(())
                    })
                    .expect("modify");
                })
            })
            .collect();
        for t in threads {
            t.join().expect("join");
        }
        let book = ScriptBook::load(&home).expect("load");
        assert_eq!(book.entries.len(), 9);
        assert_eq!(book.get("Quotidienne").expect("q").state.pending.len(), 8);

        // The value of the closure comes back.
        let n = ScriptBook::modify(&home, |book| Ok(book.entries.len())).expect("count");
        assert_eq!(n, 9);
    }

    #[test]
    fn errors_name_the_file_in_english() {
        let e = BookError::Syntax {
            path: PathBuf::from("/iea/sauvegardes.toml"),
            line: Some(3),
            key: None,
            detail: "invalid boolean".into(),
        };
        assert_eq!(
            e.to_string(),
            "backup scripts file /iea/sauvegardes.toml is invalid at line 3: invalid boolean"
        );
        let e = BookError::Syntax {
            path: PathBuf::from("/iea/sauvegardes.toml"),
            line: Some(5),
            key: Some("enabled".into()),
            detail: "invalid boolean".into(),
        };
        assert_eq!(
            e.to_string(),
            "backup scripts file /iea/sauvegardes.toml is invalid at line 5, key `enabled`: \
             invalid boolean"
        );
    }
}
