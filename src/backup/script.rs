//! What a backup script is ("Module de sauvegardes"): a name, a frequency "tous les
//! N Jour(s) / Semaine(s) / Mois", a start date and a time of day, whether it runs
//! automatically, how many backups to keep, and one destination — a local or
//! network folder, a removable disk recognised by its identity, or an FTP site.
//!
//! These are the validated types; the raw form lives in [`super::draft`], the file
//! that keeps them in [`super::book`], the calendar in [`super::schedule`].

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use super::destination::Place;
use super::reason::RunReason;

/// The longest script name, in characters.
pub const MAX_NAME_CHARS: usize = 60;
/// How many backups a script keeps unless told otherwise (as the original).
pub const DEFAULT_KEEP: u8 = 5;
/// The largest "tous les N" and the largest count to keep.
pub const MAX_EVERY: u8 = 99;

/// The unit of "tous les N …".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FrequencyUnit {
    /// "Jour(s)".
    Jours,
    /// "Semaine(s)".
    Semaines,
    /// "Mois".
    Mois,
}

impl FrequencyUnit {
    /// Every unit, in the order of the drop-down list.
    pub const ALL: [Self; 3] = [Self::Jours, Self::Semaines, Self::Mois];
}

/// "Tous les `every` `unit`".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frequency {
    /// 1 to [`MAX_EVERY`].
    pub every: u8,
    /// Days, weeks or months.
    pub unit: FrequencyUnit,
}

/// How an FTP site is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FtpSecurity {
    /// FTPS explicite (AUTH TLS on the usual port, 21).
    Explicit,
    /// FTPS implicite (TLS from the first byte, port 990).
    Implicit,
    /// Plain FTP: the password and the payroll data cross the network unencrypted.
    Plain,
}

impl FtpSecurity {
    /// Every choice, in the order of the form.
    pub const ALL: [Self; 3] = [Self::Explicit, Self::Implicit, Self::Plain];

    /// The usual port of the choice.
    pub fn default_port(self) -> u16 {
        match self {
            Self::Implicit => 990,
            Self::Explicit | Self::Plain => 21,
        }
    }
}

/// A remote site ("Site distant (FTP)").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FtpSettings {
    /// Host name or address.
    pub host: String,
    /// Port, 1–65535.
    pub port: u16,
    /// User name.
    pub user: String,
    /// The password encrypted with the installation key (`secrets`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_encrypted: Option<String>,
    /// Remote folder ("/" or "/sauvegardes/iea"); created when missing.
    pub folder: String,
    /// Explicit, implicit or plain.
    pub security: FtpSecurity,
    /// Passive mode (the default; active mode rarely crosses a firewall).
    pub passive: bool,
}

/// A removable disk ("Support amovible"), recognised wherever it is mounted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemovableSettings {
    /// The identity written in the marker file on the volume (a UUID).
    pub volume_id: String,
    /// What the user knows the volume by (its label, or the folder it was chosen
    /// in), for messages only.
    pub volume_label: String,
    /// The backup folder relative to the volume's root ("" for the root).
    pub folder: PathBuf,
}

/// Where a script's backups go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Destination {
    /// "Dossier local ou réseau".
    Folder {
        /// The folder.
        path: PathBuf,
    },
    /// "Support amovible (clé USB, disque externe)".
    Removable(RemovableSettings),
    /// "Site distant (FTP)".
    Ftp(FtpSettings),
}

impl Destination {
    /// The kind of destination.
    pub fn kind(&self) -> DestinationKind {
        match self {
            Self::Folder { .. } => DestinationKind::Folder,
            Self::Removable(_) => DestinationKind::Removable,
            Self::Ftp(_) => DestinationKind::Ftp,
        }
    }

    /// Where it is, for lists, logs and the run journal: the folder, the volume
    /// and folder, or `ftp://user@host:port/folder` (never a password).
    pub fn place(&self) -> Place {
        match self {
            Self::Folder { path } => Place::Folder { path: path.clone() },
            Self::Removable(r) => Place::Removable {
                label: r.volume_label.clone(),
                folder: r.folder.clone(),
            },
            Self::Ftp(f) => {
                let scheme = match f.security {
                    FtpSecurity::Explicit | FtpSecurity::Plain => "ftp",
                    FtpSecurity::Implicit => "ftps",
                };
                Place::Ftp {
                    url: format!("{scheme}://{}@{}:{}{}", f.user, f.host, f.port, f.folder),
                }
            }
        }
    }
}

/// The three kinds of destination, for the form's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DestinationKind {
    /// A folder.
    Folder,
    /// A removable disk.
    Removable,
    /// An FTP site.
    Ftp,
}

impl DestinationKind {
    /// Every kind, in the order of the form.
    pub const ALL: [Self; 3] = [Self::Folder, Self::Removable, Self::Ftp];
}

/// A backup script, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupScript {
    /// Unique, 1–[`MAX_NAME_CHARS`] characters, no path separator.
    pub name: String,
    /// "Tous les N …".
    pub frequency: Frequency,
    /// The first day (local calendar).
    pub start_date: NaiveDate,
    /// The time of day (local clock).
    pub time: NaiveTime,
    /// Whether the service runs it automatically.
    pub enabled: bool,
    /// How many verified backups to keep, 1–99.
    pub keep: u8,
    /// Where the backups go.
    pub destination: Destination,
}

/// What a run came to. Outcomes are true: writing nothing is a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunOutcome {
    /// The backup is at its destination and was read back and checked.
    Ok,
    /// The backup is at its destination and checked, but something needs
    /// attention (old backups not removed, unencrypted FTP, delivered late…).
    Avertissement,
    /// No new verified backup at the destination.
    Echec,
}

impl RunOutcome {
    /// The text stored in the run journal (`backup_runs.outcome`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Avertissement => "avertissement",
            Self::Echec => "echec",
        }
    }

    /// The outcome whose [`code`](Self::code) is `code`.
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Ok, Self::Avertissement, Self::Echec]
            .into_iter()
            .find(|o| o.code() == code)
    }

    /// Whether the run left a new verified backup at the destination.
    pub fn delivered(self) -> bool {
        matches!(self, Self::Ok | Self::Avertissement)
    }
}

/// What the installation remembers of a script between runs (kept beside the
/// script, in `IEA_HOME`, so that restoring an old store does not rewind it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptState {
    /// When the last run started (automatic or by hand).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_run_at: Option<DateTime<Utc>>,
    /// How it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_outcome: Option<RunOutcome>,
    /// Why, when it was not plainly OK (older files hold a French sentence, read
    /// as [`RunReason::Legacy`]).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::reason::stored_or_legacy"
    )]
    pub last_reason: Option<RunReason>,
    /// When the snapshot of the last backup delivered and verified was taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_good_at: Option<DateTime<Utc>>,
    /// "Repousser de N jours": no automatic run before this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postponed_until: Option<DateTime<Utc>>,
    /// Verified archives waiting in staging for their destination to come back
    /// (file names in the staging folder, oldest first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<String>,
}

/// A script and what the installation remembers of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "EntryFile")]
pub struct ScriptEntry {
    /// The script.
    #[serde(flatten)]
    pub script: BackupScript,
    /// Its state.
    #[serde(default)]
    pub state: ScriptState,
}

/// How a [`ScriptEntry`] is read from the scripts file: the same keys as it
/// is written with, listed one by one. A `#[serde(flatten)]` reading goes
/// through a buffer that forgets where each value was, and every error then
/// pointed at the `[[script]]` line whatever the key at fault ("25:99" for
/// the time, an unknown frequency, a missing key); read field by field, the
/// parser names the line of the value.
#[derive(Deserialize)]
struct EntryFile {
    name: String,
    frequency: Frequency,
    start_date: NaiveDate,
    time: NaiveTime,
    enabled: bool,
    keep: u8,
    destination: Destination,
    #[serde(default)]
    state: ScriptState,
}

impl From<EntryFile> for ScriptEntry {
    fn from(e: EntryFile) -> Self {
        Self {
            script: BackupScript {
                name: e.name,
                frequency: e.frequency,
                start_date: e.start_date,
                time: e.time,
                enabled: e.enabled,
                keep: e.keep,
                destination: e.destination,
            },
            state: e.state,
        }
    }
}
