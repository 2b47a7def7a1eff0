//! The form of a backup script ("Nouveau" and "Modifier" in the "Module de
//! sauvegardes"): what the user typed, kept as raw text apart from the validated
//! [`BackupScript`], and its validation, which reports every problem at once,
//! each tied to its field, so that the form can show it next to the field. A
//! value that does not pass is never saved.

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone};

use super::book::{ScriptBook, same_name};
use super::destination::{DestinationError, DestinationFault};
use super::script::{
    BackupScript, DEFAULT_KEEP, Destination, DestinationKind, Frequency, FrequencyUnit,
    FtpSecurity, FtpSettings, MAX_EVERY, MAX_NAME_CHARS, RemovableSettings,
};
use crate::secrets::SecretKey;

/// The form's fields, as typed. `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct ScriptDraft {
    /// "Nom du script".
    pub name: String,
    /// The N of "tous les N …".
    pub every: String,
    /// "Jour(s)", "Semaine(s)", "Mois".
    pub unit: FrequencyUnit,
    /// "À partir du", JJ/MM/AAAA.
    pub start_date: String,
    /// "À", HH:MM.
    pub time: String,
    /// "Exécution automatique".
    pub enabled: bool,
    /// "Nombre de sauvegardes à conserver".
    pub keep: String,
    /// Which destination.
    pub kind: DestinationKind,
    /// The folder of a local or network destination.
    pub folder: String,
    /// The folder on a removable disk: a full path where the disk is mounted
    /// now when choosing it; for a saved script, its label and folder on the
    /// volume (see [`ScriptDraft::from_script`]).
    pub removable_folder: String,
    /// FTP host name.
    pub ftp_host: String,
    /// FTP port.
    pub ftp_port: String,
    /// FTP user name.
    pub ftp_user: String,
    /// The FTP password typed now; empty keeps the stored one.
    pub ftp_password: String,
    /// The remote folder, starting with '/'.
    pub ftp_folder: String,
    /// FTPS explicite, implicite, or plain FTP.
    pub ftp_security: FtpSecurity,
    /// Passive mode.
    pub ftp_passive: bool,
}

impl fmt::Debug for ScriptDraft {
    /// Every field but the password, which shows as masked when typed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let password = if self.ftp_password.is_empty() {
            ""
        } else {
            "<masqué>"
        };
        f.debug_struct("ScriptDraft")
            .field("name", &self.name)
            .field("every", &self.every)
            .field("unit", &self.unit)
            .field("start_date", &self.start_date)
            .field("time", &self.time)
            .field("enabled", &self.enabled)
            .field("keep", &self.keep)
            .field("kind", &self.kind)
            .field("folder", &self.folder)
            .field("removable_folder", &self.removable_folder)
            .field("ftp_host", &self.ftp_host)
            .field("ftp_port", &self.ftp_port)
            .field("ftp_user", &self.ftp_user)
            .field("ftp_password", &password)
            .field("ftp_folder", &self.ftp_folder)
            .field("ftp_security", &self.ftp_security)
            .field("ftp_passive", &self.ftp_passive)
            .finish()
    }
}

/// A field of the form, to put a problem next to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScriptField {
    /// "Nom du script".
    Name,
    /// "Tous les N".
    Every,
    /// "Nombre de sauvegardes à conserver".
    Keep,
    /// "À partir du".
    StartDate,
    /// "À" (time of day).
    Time,
    /// The folder of a local or network destination.
    Folder,
    /// The folder on a removable disk.
    RemovableFolder,
    /// FTP host.
    FtpHost,
    /// FTP port.
    FtpPort,
    /// FTP user.
    FtpUser,
    /// FTP remote folder.
    FtpFolder,
}

/// What is wrong with a value (`messages::script_problem` says it in French).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptProblem {
    /// Nothing was typed.
    Empty,
    /// Longer than `max` characters.
    TooLong {
        /// The limit.
        max: usize,
    },
    /// A name with '/', '\\' or a NUL character (names become file names).
    Separator,
    /// A name that is ".", ".." or starts with '.' (hidden or partial files).
    Reserved,
    /// Another script has this name (case aside).
    Duplicate,
    /// Not a whole number.
    NotANumber,
    /// A number outside `min..=max`.
    OutOfRange {
        /// The smallest value allowed.
        min: u32,
        /// The largest value allowed.
        max: u32,
    },
    /// Not a date JJ/MM/AAAA (or not a day of the calendar).
    BadDate,
    /// Not a time HH:MM.
    BadTime,
    /// A path that is not complete (absolute), or a remote folder without its
    /// leading '/'.
    NotAbsolute,
    /// A host typed with "ftp://" or another scheme.
    HasScheme,
    /// A host with spaces.
    HasSpace,
    /// The removable disk could not be prepared: why.
    Removable(DestinationFault),
}

/// A problem and the field it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// Where to show it.
    pub field: ScriptField,
    /// What is wrong.
    pub problem: ScriptProblem,
}

/// The problem of `field` among `problems`, if any (the first one).
pub fn problem_of(problems: &[FieldProblem], field: ScriptField) -> Option<&ScriptProblem> {
    problems
        .iter()
        .find(|p| p.field == field)
        .map(|p| &p.problem)
}

impl ScriptDraft {
    /// A new script as the practical guide's example: every day at 23:00 from
    /// `today`, running automatically, keeping 5 backups, to a folder. The FTP
    /// fields are ready for an FTPS explicite site in passive mode.
    pub fn new(today: NaiveDate) -> Self {
        Self {
            name: String::new(),
            every: "1".to_owned(),
            unit: FrequencyUnit::Jours,
            start_date: format_date(today),
            time: "23:00".to_owned(),
            enabled: true,
            keep: DEFAULT_KEEP.to_string(),
            kind: DestinationKind::Folder,
            folder: String::new(),
            removable_folder: String::new(),
            ftp_host: String::new(),
            ftp_port: FtpSecurity::Explicit.default_port().to_string(),
            ftp_user: String::new(),
            ftp_password: String::new(),
            ftp_folder: "/".to_owned(),
            ftp_security: FtpSecurity::Explicit,
            ftp_passive: true,
        }
    }

    /// The form of a saved script ("Modifier"). The password field is empty
    /// (the stored one is kept unless another is typed). A removable disk's
    /// folder shows as its label followed by the folder on the volume
    /// ("CLE-PAIE/Sauvegardes"): the disk need not be plugged in to change the
    /// schedule, and [`validate`](Self::validate) keeps the disk as it was while
    /// that text is left unchanged.
    pub fn from_script(script: &BackupScript) -> Self {
        let mut draft = Self::new(script.start_date);
        draft.name.clone_from(&script.name);
        draft.every = script.frequency.every.to_string();
        draft.unit = script.frequency.unit;
        draft.time = format_time(script.time);
        draft.enabled = script.enabled;
        draft.keep = script.keep.to_string();
        draft.kind = script.destination.kind();
        match &script.destination {
            Destination::Folder { path } => draft.folder = path.display().to_string(),
            Destination::Removable(r) => draft.removable_folder = removable_text(r),
            Destination::Ftp(f) => {
                draft.ftp_host.clone_from(&f.host);
                draft.ftp_port = f.port.to_string();
                draft.ftp_user.clone_from(&f.user);
                draft.ftp_folder.clone_from(&f.folder);
                draft.ftp_security = f.security;
                draft.ftp_passive = f.passive;
            }
        }
        draft
    }

    /// Chooses how the FTP site is reached; the port follows, to the usual
    /// port of the new choice, unless another than the usual one was typed
    /// (21 for FTPS explicite, 990 for FTPS implicite).
    pub fn set_ftp_security(&mut self, security: FtpSecurity) {
        let previous = self.ftp_security;
        self.ftp_security = security;
        if security != previous && self.ftp_port.trim() == previous.default_port().to_string() {
            self.ftp_port = security.default_port().to_string();
        }
    }

    /// "Actualiser la date": the start date becomes today when the time typed
    /// is still ahead today, else tomorrow (today when the time is not valid).
    pub fn refresh_start_date<Tz: TimeZone>(&mut self, now: &DateTime<Tz>) {
        let date = parse_time(&self.time).map_or_else(
            || now.date_naive(),
            |time| super::schedule::refreshed_date(time, now),
        );
        self.start_date = format_date(date);
    }

    /// Checks every field and gives the validated script, or every problem at
    /// once, each with its field.
    ///
    /// `book` holds the other scripts (for unique names); `original` is the
    /// script being changed, if any (its own name is allowed, its FTP password
    /// kept when none is typed, its removable disk kept while its folder text is
    /// unchanged). A typed FTP password is encrypted with `key`. `removable`
    /// prepares a removable disk at the full path chosen (writes its marker,
    /// reads its identity) and is called only for a newly chosen folder.
    pub fn validate(
        &self,
        book: &ScriptBook,
        original: Option<&BackupScript>,
        key: &SecretKey,
        removable: &dyn Fn(&Path) -> Result<RemovableSettings, DestinationError>,
    ) -> Result<BackupScript, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let p = &mut problems;
        let name = note(p, ScriptField::Name, self.check_name(book, original));
        let every = note(p, ScriptField::Every, small_number(&self.every));
        let keep = note(p, ScriptField::Keep, small_number(&self.keep));
        let start_date = note(
            p,
            ScriptField::StartDate,
            parse_date(&self.start_date).ok_or(ScriptProblem::BadDate),
        );
        let time = note(
            p,
            ScriptField::Time,
            parse_time(&self.time).ok_or(ScriptProblem::BadTime),
        );
        let destination = match self.kind {
            DestinationKind::Folder => note(p, ScriptField::Folder, absolute_path(&self.folder))
                .map(|path| Destination::Folder { path }),
            DestinationKind::Removable => note(
                p,
                ScriptField::RemovableFolder,
                self.check_removable(original, removable),
            )
            .map(Destination::Removable),
            DestinationKind::Ftp => self.check_ftp(original, key, p).map(Destination::Ftp),
        };

        match (name, every, keep, start_date, time, destination) {
            (
                Some(name),
                Some(every),
                Some(keep),
                Some(start_date),
                Some(time),
                Some(destination),
            ) if problems.is_empty() => Ok(BackupScript {
                name,
                frequency: Frequency {
                    every,
                    unit: self.unit,
                },
                start_date,
                time,
                enabled: self.enabled,
                keep,
                destination,
            }),
            _ => Err(problems),
        }
    }

    fn check_name(
        &self,
        book: &ScriptBook,
        original: Option<&BackupScript>,
    ) -> Result<String, ScriptProblem> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(ScriptProblem::Empty);
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(ScriptProblem::TooLong {
                max: MAX_NAME_CHARS,
            });
        }
        if name.contains(['/', '\\', '\0']) {
            return Err(ScriptProblem::Separator);
        }
        if name.starts_with('.') {
            // Covers "." and "..", and the hidden names of partial files.
            return Err(ScriptProblem::Reserved);
        }
        let taken = book.entries.iter().any(|e| {
            same_name(&e.script.name, name) && original.is_none_or(|o| o.name != e.script.name)
        });
        if taken {
            return Err(ScriptProblem::Duplicate);
        }
        Ok(name.to_owned())
    }

    fn check_removable(
        &self,
        original: Option<&BackupScript>,
        removable: &dyn Fn(&Path) -> Result<RemovableSettings, DestinationError>,
    ) -> Result<RemovableSettings, ScriptProblem> {
        if let Some(Destination::Removable(settings)) = original.map(|o| &o.destination)
            && self.removable_folder.trim() == removable_text(settings)
        {
            return Ok(settings.clone());
        }
        let path = absolute_path(&self.removable_folder)?;
        removable(&path).map_err(|e| ScriptProblem::Removable(e.fault()))
    }

    fn check_ftp(
        &self,
        original: Option<&BackupScript>,
        key: &SecretKey,
        p: &mut Vec<FieldProblem>,
    ) -> Option<FtpSettings> {
        let host = note(p, ScriptField::FtpHost, ftp_host(&self.ftp_host));
        let port = note(
            p,
            ScriptField::FtpPort,
            number_in(&self.ftp_port, 1, u32::from(u16::MAX)),
        )
        .and_then(|port| u16::try_from(port).ok());
        let user = note(p, ScriptField::FtpUser, non_empty(&self.ftp_user));
        let folder = note(p, ScriptField::FtpFolder, ftp_folder(&self.ftp_folder));
        let password_encrypted = if self.ftp_password.is_empty() {
            // None at all is allowed: some servers take anonymous logins.
            match original.map(|o| &o.destination) {
                Some(Destination::Ftp(f)) => f.password_encrypted.clone(),
                _ => None,
            }
        } else {
            Some(key.encrypt(&self.ftp_password))
        };
        Some(FtpSettings {
            host: host?,
            port: port?,
            user: user?,
            password_encrypted,
            folder: folder?,
            security: self.ftp_security,
            passive: self.ftp_passive,
        })
    }
}

/// The value of `result`, or `None` after noting its problem for `field`.
fn note<T>(
    problems: &mut Vec<FieldProblem>,
    field: ScriptField,
    result: Result<T, ScriptProblem>,
) -> Option<T> {
    result
        .map_err(|problem| problems.push(FieldProblem { field, problem }))
        .ok()
}

/// How a removable disk of a saved script shows in the form: its label, then
/// the folder on the volume.
fn removable_text(settings: &RemovableSettings) -> String {
    let label = Path::new(&settings.volume_label);
    if settings.folder.as_os_str().is_empty() {
        label.display().to_string()
    } else {
        label.join(&settings.folder).display().to_string()
    }
}

/// "JJ/MM/AAAA", as the form shows dates.
pub fn format_date(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// "HH:MM", as the form shows times.
pub fn format_time(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}

/// A date typed as JJ/MM/AAAA, J/M/AAAA or AAAA-MM-JJ (the year always in four
/// digits: "01/02/26" is refused rather than read as year 26).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let parts: Vec<&str> = text.split(['/', '-']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let digits = |s: &str, min: usize, max: usize| {
        (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    let (year, month, day) = if text.contains('/') && !text.contains('-') {
        (c, b, a)
    } else if text.contains('-') && !text.contains('/') && digits(a, 4, 4) {
        (a, b, c)
    } else {
        return None;
    };
    if !(digits(year, 4, 4) && digits(month, 1, 2) && digits(day, 1, 2)) {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

/// A time typed as HH:MM, H:MM, "23h00", "23h" or "23 h 30".
pub fn parse_time(text: &str) -> Option<NaiveTime> {
    let text: String = text
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    let (hours, minutes) = if let Some((h, m)) = text.split_once(':') {
        (h, m)
    } else {
        let (h, m) = text.split_once('h')?;
        (h, if m.is_empty() { "00" } else { m })
    };
    let digits = |s: &str, min: usize, max: usize| {
        (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !(digits(hours, 1, 2) && digits(minutes, 2, 2)) {
        return None;
    }
    NaiveTime::from_hms_opt(hours.parse().ok()?, minutes.parse().ok()?, 0)
}

/// A whole number within `min..=max`.
fn number_in(text: &str, min: u32, max: u32) -> Result<u32, ScriptProblem> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ScriptProblem::Empty);
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ScriptProblem::NotANumber);
    }
    // Many digits are out of range, not "not a number".
    let value = text.parse::<u32>().unwrap_or(u32::MAX);
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(ScriptProblem::OutOfRange { min, max })
    }
}

/// "Tous les N" and the count to keep: 1 to [`MAX_EVERY`].
fn small_number(text: &str) -> Result<u8, ScriptProblem> {
    let value = number_in(text, 1, u32::from(MAX_EVERY))?;
    u8::try_from(value).map_err(|_| ScriptProblem::OutOfRange {
        min: 1,
        max: u32::from(MAX_EVERY),
    })
}

fn non_empty(text: &str) -> Result<String, ScriptProblem> {
    let text = text.trim();
    if text.is_empty() {
        Err(ScriptProblem::Empty)
    } else {
        Ok(text.to_owned())
    }
}

/// A complete path ("/home/paie/Sauvegardes").
fn absolute_path(text: &str) -> Result<PathBuf, ScriptProblem> {
    let text = non_empty(text)?;
    let path = PathBuf::from(text);
    if path.is_absolute() {
        Ok(path)
    } else {
        Err(ScriptProblem::NotAbsolute)
    }
}

/// An FTP host: the name alone, no scheme, no space.
fn ftp_host(text: &str) -> Result<String, ScriptProblem> {
    let host = non_empty(text)?;
    if host.contains("://") {
        return Err(ScriptProblem::HasScheme);
    }
    if host.chars().any(char::is_whitespace) {
        return Err(ScriptProblem::HasSpace);
    }
    Ok(host)
}

/// A remote folder, from the site's root.
fn ftp_folder(text: &str) -> Result<String, ScriptProblem> {
    let folder = non_empty(text)?;
    if folder.starts_with('/') {
        Ok(folder)
    } else {
        Err(ScriptProblem::NotAbsolute)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::script::{ScriptEntry, ScriptState};
    use crate::home::Home;
    use chrono_tz::Europe::Paris;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn key() -> (tempfile::TempDir, SecretKey) {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = SecretKey::load_or_create(&Home::at(dir.path())).expect("key");
        (dir, key)
    }

    fn no_disk(_: &Path) -> Result<RemovableSettings, DestinationError> {
        panic!("the removable disk was not expected to be prepared")
    }

    // The shape of the validator's callback, which may fail.
    #[allow(clippy::unnecessary_wraps)]
    fn disk(path: &Path) -> Result<RemovableSettings, DestinationError> {
        Ok(RemovableSettings {
            volume_id: "4f1c0e7a-0000-4000-8000-000000000001".into(),
            volume_label: "CLE-PAIE".into(),
            folder: path
                .strip_prefix("/media/paie/CLE-PAIE")
                .map_or_else(|_| PathBuf::new(), Path::to_path_buf),
        })
    }

    fn draft() -> ScriptDraft {
        let mut d = ScriptDraft::new(date(2026, 5, 11));
        d.name = "Quotidienne".into();
        d.folder = "/home/paie/Sauvegardes".into();
        d
    }

    fn book_with(names: &[&str]) -> ScriptBook {
        let mut book = ScriptBook::default();
        for name in names {
            let mut d = draft();
            d.name = (*name).to_owned();
            let (_dir, key) = key();
            let script = d
                .validate(&ScriptBook::default(), None, &key, &no_disk)
                .expect("valid");
            book.entries.push(ScriptEntry {
                script,
                state: ScriptState::default(),
            });
        }
        book
    }

    fn problems(
        d: &ScriptDraft,
        book: &ScriptBook,
        original: Option<&BackupScript>,
    ) -> Vec<FieldProblem> {
        let (_dir, key) = key();
        d.validate(book, original, &key, &disk)
            .expect_err("problems")
    }

    fn only(d: &ScriptDraft) -> (ScriptField, ScriptProblem) {
        let found = problems(d, &ScriptBook::default(), None);
        assert_eq!(found.len(), 1, "{found:?}");
        (found[0].field, found[0].problem.clone())
    }

    #[test]
    fn the_new_form_is_the_guide_example_and_validates() {
        let d = draft();
        assert_eq!(d.every, "1");
        assert_eq!(d.unit, FrequencyUnit::Jours);
        assert_eq!(d.start_date, "11/05/2026");
        assert_eq!(d.time, "23:00");
        assert_eq!(d.keep, "5");
        assert!(d.enabled && d.ftp_passive);
        assert_eq!(d.kind, DestinationKind::Folder);
        assert_eq!((d.ftp_port.as_str(), d.ftp_folder.as_str()), ("21", "/"));
        assert_eq!(d.ftp_security, FtpSecurity::Explicit);
        let (_dir, key) = key();
        let s = d
            .validate(&ScriptBook::default(), None, &key, &no_disk)
            .expect("valid");
        assert_eq!(s.name, "Quotidienne");
        assert_eq!(
            s.frequency,
            Frequency {
                every: 1,
                unit: FrequencyUnit::Jours
            }
        );
        assert_eq!(s.start_date, date(2026, 5, 11));
        assert_eq!(s.time, NaiveTime::from_hms_opt(23, 0, 0).expect("t"));
        assert_eq!(s.keep, 5);
        assert_eq!(
            s.destination,
            Destination::Folder {
                path: PathBuf::from("/home/paie/Sauvegardes")
            }
        );
        // And back to the form.
        assert_eq!(ScriptDraft::from_script(&s), d);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut d = draft();
        d.name = "  ".into();
        d.every = "zéro".into();
        d.keep = "0".into();
        d.start_date = "31/02/2026".into();
        d.time = "25:00".into();
        d.folder = "Sauvegardes".into();
        let found = problems(&d, &ScriptBook::default(), None);
        let fields: Vec<ScriptField> = found.iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                ScriptField::Name,
                ScriptField::Every,
                ScriptField::Keep,
                ScriptField::StartDate,
                ScriptField::Time,
                ScriptField::Folder
            ]
        );
        assert_eq!(
            problem_of(&found, ScriptField::Name),
            Some(&ScriptProblem::Empty)
        );
        assert_eq!(
            problem_of(&found, ScriptField::Every),
            Some(&ScriptProblem::NotANumber)
        );
        assert_eq!(
            problem_of(&found, ScriptField::Keep),
            Some(&ScriptProblem::OutOfRange { min: 1, max: 99 })
        );
        assert_eq!(
            problem_of(&found, ScriptField::Folder),
            Some(&ScriptProblem::NotAbsolute)
        );
        assert_eq!(problem_of(&found, ScriptField::FtpHost), None);
    }

    #[test]
    fn name_rules() {
        let with = |name: &str| {
            let mut d = draft();
            d.name = name.to_owned();
            d
        };
        assert_eq!(only(&with("")), (ScriptField::Name, ScriptProblem::Empty));
        assert_eq!(
            only(&with(&"é".repeat(61))),
            (ScriptField::Name, ScriptProblem::TooLong { max: 60 })
        );
        let (_dir, key) = key();
        let sixty = with(&format!("  {}  ", "é".repeat(60)))
            .validate(&ScriptBook::default(), None, &key, &no_disk)
            .expect("60 characters");
        assert_eq!(sixty.name, "é".repeat(60), "trimmed");
        for bad in ["a/b", "a\\b", "a\0b"] {
            assert_eq!(
                only(&with(bad)),
                (ScriptField::Name, ScriptProblem::Separator)
            );
        }
        for bad in [".", "..", ".cache"] {
            assert_eq!(
                only(&with(bad)),
                (ScriptField::Name, ScriptProblem::Reserved)
            );
        }

        let book = book_with(&["Quotidienne", "Hebdo"]);
        let found = problems(&with("quotidienne"), &book, None);
        assert_eq!(
            found,
            [FieldProblem {
                field: ScriptField::Name,
                problem: ScriptProblem::Duplicate
            }]
        );
        // Changing a script keeps its own name, or changes its case.
        let original = book.get("Quotidienne").expect("q").script.clone();
        for name in ["Quotidienne", "QUOTIDIENNE"] {
            with(name)
                .validate(&book, Some(&original), &key, &no_disk)
                .expect("own name");
        }
        let found = problems(&with("HEBDO"), &book, Some(&original));
        assert_eq!(found[0].problem, ScriptProblem::Duplicate);
    }

    #[test]
    fn numbers_from_1_to_99() {
        for (text, expected) in [("1", Ok(1)), (" 99 ", Ok(99)), ("07", Ok(7))] {
            assert_eq!(small_number(text), expected);
        }
        for (text, problem) in [
            ("", ScriptProblem::Empty),
            ("deux", ScriptProblem::NotANumber),
            ("-1", ScriptProblem::NotANumber),
            ("1,5", ScriptProblem::NotANumber),
            ("0", ScriptProblem::OutOfRange { min: 1, max: 99 }),
            ("100", ScriptProblem::OutOfRange { min: 1, max: 99 }),
            (
                "99999999999999999999",
                ScriptProblem::OutOfRange { min: 1, max: 99 },
            ),
        ] {
            assert_eq!(small_number(text), Err(problem.clone()), "{text}");
            let mut d = draft();
            d.every = text.to_owned();
            assert_eq!(only(&d), (ScriptField::Every, problem.clone()));
            let mut d = draft();
            d.keep = text.to_owned();
            assert_eq!(only(&d), (ScriptField::Keep, problem));
        }
    }

    #[test]
    fn dates_and_times_in_french_forms() {
        for text in ["05/03/2026", "5/3/2026", " 2026-03-05 ", "2026-3-5"] {
            assert_eq!(parse_date(text), Some(date(2026, 3, 5)), "{text}");
        }
        for text in [
            "",
            "05/03/26",
            "31/02/2026",
            "2026/03/05",
            "05-03-2026",
            "5 mars 2026",
            "05/03/2026/1",
            "aa/bb/cccc",
        ] {
            assert_eq!(parse_date(text), None, "{text}");
        }
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0);
        for (text, expected) in [
            ("23:00", t(23, 0)),
            ("9:05", t(9, 5)),
            ("23h00", t(23, 0)),
            ("23h", t(23, 0)),
            ("23H30", t(23, 30)),
            ("7 h 15", t(7, 15)),
            ("00:00", t(0, 0)),
        ] {
            assert_eq!(parse_time(text), expected, "{text}");
        }
        for text in [
            "",
            "24:00",
            "23:60",
            "23",
            "23:5",
            "h30",
            "23:00:00",
            "onze heures",
        ] {
            assert_eq!(parse_time(text), None, "{text}");
        }
        let mut d = draft();
        d.start_date = "2026".into();
        assert_eq!(only(&d), (ScriptField::StartDate, ScriptProblem::BadDate));
        let mut d = draft();
        d.time = "23.00".into();
        assert_eq!(only(&d), (ScriptField::Time, ScriptProblem::BadTime));
    }

    #[test]
    fn folder_destination_needs_a_complete_path() {
        let mut d = draft();
        d.folder = " ".into();
        assert_eq!(only(&d), (ScriptField::Folder, ScriptProblem::Empty));
        d.folder = "Sauvegardes/paie".into();
        assert_eq!(only(&d), (ScriptField::Folder, ScriptProblem::NotAbsolute));
        // Fields of the other kinds do not matter.
        let mut d = draft();
        d.ftp_host = "ftp://x".into();
        d.removable_folder = "relatif".into();
        let (_dir, key) = key();
        d.validate(&ScriptBook::default(), None, &key, &no_disk)
            .expect("folder only");
    }

    #[test]
    fn removable_destination_is_prepared_once_and_kept_while_unchanged() {
        let (_dir, key) = key();
        let mut d = draft();
        d.kind = DestinationKind::Removable;
        d.removable_folder = String::new();
        assert_eq!(
            only(&d),
            (ScriptField::RemovableFolder, ScriptProblem::Empty)
        );
        d.removable_folder = "CLE-PAIE".into();
        assert_eq!(
            only(&d),
            (ScriptField::RemovableFolder, ScriptProblem::NotAbsolute)
        );

        d.removable_folder = "/media/paie/CLE-PAIE/Sauvegardes".into();
        let s = d
            .validate(&ScriptBook::default(), None, &key, &disk)
            .expect("valid");
        let Destination::Removable(settings) = &s.destination else {
            panic!("removable expected: {s:?}");
        };
        assert_eq!(settings.folder, PathBuf::from("Sauvegardes"));

        // Edited later with the disk unplugged: the disk is kept as it was.
        let mut again = ScriptDraft::from_script(&s);
        assert_eq!(again.removable_folder, "CLE-PAIE/Sauvegardes");
        again.keep = "8".into();
        let changed = again
            .validate(&book_with(&[]), Some(&s), &key, &no_disk)
            .expect("unchanged disk");
        assert_eq!(changed.destination, s.destination);
        assert_eq!(changed.keep, 8);

        // The preparation failing is shown on the field.
        let mut d = draft();
        d.kind = DestinationKind::Removable;
        d.removable_folder = "/media/paie/CLE".into();
        let found = d
            .validate(&ScriptBook::default(), None, &key, &|_| {
                Err(DestinationError::PermissionDenied {
                    what: "/media/paie/CLE".into(),
                })
            })
            .expect_err("refused");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].field, ScriptField::RemovableFolder);
        let problem = &found[0].problem;
        assert!(matches!(problem, ScriptProblem::Removable(_)), "{found:?}");
        let detail = crate::messages::script_problem(problem);
        assert!(detail.contains("/media/paie/CLE"), "{detail}");
    }

    #[test]
    fn ftp_fields_and_password() {
        let (_dir, key) = key();
        let mut d = draft();
        d.kind = DestinationKind::Ftp;
        d.ftp_host = "ftp.asso.fr".into();
        d.ftp_user = "paie".into();
        d.ftp_folder = "/sauvegardes".into();
        d.ftp_password = "S3cret !".into();
        let s = d
            .validate(&ScriptBook::default(), None, &key, &no_disk)
            .expect("valid");
        let Destination::Ftp(settings) = &s.destination else {
            panic!("ftp expected: {s:?}");
        };
        assert_eq!(
            (
                settings.host.as_str(),
                settings.port,
                settings.user.as_str()
            ),
            ("ftp.asso.fr", 21, "paie")
        );
        let stored = settings.password_encrypted.clone().expect("encrypted");
        assert!(!stored.contains("S3cret"));
        assert_eq!(key.decrypt(&stored).expect("decrypt"), "S3cret !");

        // Edited without typing the password: the stored one stays.
        let again = ScriptDraft::from_script(&s);
        assert!(again.ftp_password.is_empty());
        assert_eq!(again.ftp_folder, "/sauvegardes");
        let kept = again
            .validate(&book_with(&[]), Some(&s), &key, &no_disk)
            .expect("valid");
        assert_eq!(kept.destination, s.destination);

        // No password at all: allowed (anonymous servers).
        let mut anonymous = d.clone();
        anonymous.ftp_password.clear();
        let anonymous = anonymous
            .validate(&ScriptBook::default(), None, &key, &no_disk)
            .expect("anonymous");
        assert!(matches!(
            anonymous.destination,
            Destination::Ftp(FtpSettings {
                password_encrypted: None,
                ..
            })
        ));

        let with = |change: &dyn Fn(&mut ScriptDraft)| {
            let mut changed = d.clone();
            change(&mut changed);
            only(&changed)
        };
        assert_eq!(
            with(&|x| x.ftp_host = "ftp://ftp.asso.fr".into()),
            (ScriptField::FtpHost, ScriptProblem::HasScheme)
        );
        assert_eq!(
            with(&|x| x.ftp_host = "ftp asso.fr".into()),
            (ScriptField::FtpHost, ScriptProblem::HasSpace)
        );
        assert_eq!(
            with(&|x| x.ftp_host = String::new()),
            (ScriptField::FtpHost, ScriptProblem::Empty)
        );
        assert_eq!(
            with(&|x| x.ftp_port = "0".into()),
            (
                ScriptField::FtpPort,
                ScriptProblem::OutOfRange { min: 1, max: 65535 }
            )
        );
        assert_eq!(
            with(&|x| x.ftp_port = "65536".into()),
            (
                ScriptField::FtpPort,
                ScriptProblem::OutOfRange { min: 1, max: 65535 }
            )
        );
        assert_eq!(
            with(&|x| x.ftp_port = "ftp".into()),
            (ScriptField::FtpPort, ScriptProblem::NotANumber)
        );
        assert_eq!(
            with(&|x| x.ftp_user = " ".into()),
            (ScriptField::FtpUser, ScriptProblem::Empty)
        );
        assert_eq!(
            with(&|x| x.ftp_folder = "sauvegardes".into()),
            (ScriptField::FtpFolder, ScriptProblem::NotAbsolute)
        );
        let mut x = d.clone();
        x.ftp_port = "990".into();
        x.ftp_security = FtpSecurity::Implicit;
        let s = x
            .validate(&ScriptBook::default(), None, &key, &no_disk)
            .expect("implicit");
        assert!(matches!(
            s.destination,
            Destination::Ftp(FtpSettings {
                port: 990,
                security: FtpSecurity::Implicit,
                ..
            })
        ));
    }

    #[test]
    fn the_usual_port_follows_the_ftp_security_unless_another_was_typed() {
        let mut d = draft();
        assert_eq!(d.ftp_port, "21");
        d.set_ftp_security(FtpSecurity::Implicit);
        assert_eq!(d.ftp_port, "990");
        d.set_ftp_security(FtpSecurity::Plain);
        assert_eq!(d.ftp_port, "21");
        d.ftp_port = "2121".into();
        d.set_ftp_security(FtpSecurity::Implicit);
        assert_eq!(d.ftp_port, "2121", "typed on purpose");
        assert_eq!(d.ftp_security, FtpSecurity::Implicit);
    }

    #[test]
    fn debug_never_shows_the_password() {
        let mut d = draft();
        d.ftp_password = "Tr3s-S3cret".into();
        let text = format!("{d:?}");
        assert!(!text.contains("Tr3s-S3cret"), "{text}");
        assert!(text.contains("<masqué>"), "{text}");
    }

    #[test]
    fn refresh_start_date_follows_the_time_typed() {
        let mut d = draft();
        d.start_date = "01/01/2020".into();
        let now = Paris
            .with_ymd_and_hms(2026, 5, 11, 22, 0, 0)
            .single()
            .expect("now");
        d.refresh_start_date(&now);
        assert_eq!(d.start_date, "11/05/2026");
        d.time = "21h".into();
        d.refresh_start_date(&now);
        assert_eq!(d.start_date, "12/05/2026");
        d.time = "n'importe".into();
        d.refresh_start_date(&now);
        assert_eq!(d.start_date, "11/05/2026");
    }
}
