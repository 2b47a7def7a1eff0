//! The centre's shared state ([`AppCtx`]): what the screens read — the
//! configuration, the active store, the service's state, the backup scripts,
//! the jobs under way and what became of the commands — and the queue of the
//! [`Command`]s they push. Only the shell changes it, when it applies those
//! commands and when background work comes back; everything in it is already in
//! memory, so that a screen reading it never waits.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Local};

use super::command::{Action, Command};
use super::task::JobProgress;
use super::widgets::{self, PathDisplay};
use crate::backup::book::{BookError, ScriptBook};
use crate::backup::run::RunReport;
use crate::closing::CloseReport;
use crate::config::{self, Config, ConfigError};
use crate::connection::servers::ServerTestReport;
use crate::home::Home;
use crate::messages::Explanation;
use crate::service::persist::PersistedState;
use crate::service::state::{Capabilities, ServiceInputs, tray_view};
use crate::store::{Store, StoreError};

/// The active store as the centre sees it.
#[derive(Debug)]
pub enum StoreState {
    /// `config.toml` is invalid, so no store is known.
    NotConfigured,
    /// Being opened on a worker thread (or about to be, once the configuration
    /// is read).
    Opening,
    /// Being opened again after a failure ("Réessayer"); the failure stays on
    /// screen meanwhile.
    Retrying(StoreError),
    /// Open (read-write, schema up to date).
    Open(Store),
    /// Cannot be opened; the screens that need it give way to
    /// "Base de données inaccessible".
    Failed(StoreError),
}

/// What became of a command that can take time or fail.
#[derive(Debug)]
pub enum Outcome {
    /// Running.
    Pending,
    /// Done; the French sentence to show.
    Done(String),
    /// Failed; what happened and what to do.
    Failed(Explanation),
}

/// A backup run, a restore or a closing under way, as the screens show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningJob {
    /// What the job works on: the script run, or the backup restored.
    pub subject: String,
    /// The current phase and its progress, once the job reported one.
    pub progress: Option<JobProgress>,
    /// "Annuler" was asked; the job stops at its next check.
    pub cancelling: bool,
}

impl RunningJob {
    /// A job that has just started on `subject`.
    pub(super) fn new(subject: String) -> Self {
        Self {
            subject,
            progress: None,
            cancelling: false,
        }
    }
}

/// Which step of an update runs, or ran last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateStep {
    /// « Télécharger ».
    Download,
    /// « Installer ».
    Install,
    /// « Mise à jour de la base de données ».
    Database,
}

/// How an update step ended.
#[derive(Debug, Clone)]
pub enum UpdateResult {
    /// The package is downloaded and checked.
    Downloaded(crate::updates::download::Downloaded),
    /// The version is installed.
    Installed(crate::updates::install::Installed),
    /// The store is updated.
    DatabaseUpdated(Box<crate::updates::database::DatabaseUpdated>),
    /// The step failed; what happened and what to do.
    Failed(UpdateStep, Explanation),
}

/// What the centre knows of the updates: the last « Actualiser », the step
/// under way and how the last one ended.
#[derive(Debug, Default)]
pub struct UpdatesState {
    /// The last manifest accepted by « Actualiser » (kept while a new one is
    /// fetched).
    pub accepted: Option<crate::updates::manifest::Accepted>,
    /// Changes each time « Actualiser » answers.
    pub generation: u64,
    /// The step under way.
    pub running: Option<(UpdateStep, RunningJob)>,
    /// How the last step ended.
    pub result: Option<UpdateResult>,
}

/// What a run of a script came to: the report, or why it could not start.
pub type BackupResult = Result<RunReport, Explanation>;

/// What a year-end closing came to: its report, or what went wrong.
pub type ClosingResult = Result<CloseReport, Explanation>;

/// The runtime state the screens read, and the queue of their commands.
#[derive(Debug)]
pub struct AppCtx {
    /// The installation.
    pub home: Home,
    /// The configuration, or why `config.toml` cannot be used; `None` while it
    /// is read for the first time.
    pub config: Option<Result<Config, ConfigError>>,
    /// The active store.
    pub store: StoreState,
    /// The service's last known state (connection, assistance).
    pub persisted: PersistedState,
    /// Commands pushed this frame, applied by the shell at its end.
    pub commands: Vec<Command>,
    pub(super) outcomes: HashMap<Action, Outcome>,
    pub(super) server_test: Option<ServerTestReport>,
    pub(super) state_generation: u64,
    pub(super) store_generation: u64,
    pub(super) config_generation: u64,
    pub(super) fs_generation: u64,
    pub(super) store_size: Option<u64>,
    pub(super) notice: Option<String>,
    pub(super) clock: Option<DateTime<Local>>,
    pub(super) scripts: Result<ScriptBook, BookError>,
    pub(super) scripts_generation: u64,
    pub(super) autostart: bool,
    pub(super) running_backup: Option<RunningJob>,
    pub(super) running_restore: Option<RunningJob>,
    pub(super) backup_results: HashMap<String, BackupResult>,
    pub(super) running_closing: Option<RunningJob>,
    pub(super) closing_result: Option<ClosingResult>,
    pub(super) sessions_generation: u64,
    pub(super) paths: PathDisplay,
    pub(super) admin: super::admin::AdminState,
    pub(super) saved_in: widgets::SavedIn,
    pub(super) updates: UpdatesState,
    /// Where the reports meant for the desktop go; `None`: the user's desktop.
    pub(super) desktop: Option<PathBuf>,
}

impl AppCtx {
    /// The state of the centre of `home`, nothing read yet: the shell reads the
    /// configuration, the service's state and the scripts on a worker thread at
    /// the first frame, then opens the store.
    pub fn new(home: Home) -> Self {
        Self {
            home,
            config: None,
            store: StoreState::Opening,
            persisted: PersistedState::default(),
            commands: Vec::new(),
            outcomes: HashMap::new(),
            server_test: None,
            state_generation: 0,
            store_generation: 0,
            config_generation: 0,
            fs_generation: 0,
            store_size: None,
            notice: None,
            clock: None,
            scripts: Ok(ScriptBook::default()),
            scripts_generation: 0,
            autostart: false,
            running_backup: None,
            running_restore: None,
            backup_results: HashMap::new(),
            running_closing: None,
            closing_result: None,
            sessions_generation: 0,
            paths: PathDisplay::default(),
            admin: super::admin::AdminState::default(),
            saved_in: widgets::SavedIn::default(),
            updates: UpdatesState::default(),
            desktop: None,
        }
    }

    /// The time the screens reckon with: the clock, or the instant tests froze
    /// it at (so that the dates shown do not change with the day).
    pub fn now(&self) -> DateTime<Local> {
        self.clock.unwrap_or_else(Local::now)
    }

    /// Whether the clock is frozen (tests and snapshots): the durations shown
    /// are then frozen too, at zero, so that pictures do not change with the
    /// speed of the machine.
    pub fn clock_is_frozen(&self) -> bool {
        self.clock.is_some()
    }

    /// `text` (a sentence that may name paths) as the window writes it (see
    /// [`PathDisplay`]).
    pub fn shown<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.paths.text(text)
    }

    /// `path` as the window writes it, in a field or a sentence.
    pub fn path_text(&self, path: &Path) -> String {
        self.paths.path(path)
    }

    /// The text of a path field as it is (see [`PathDisplay`]), for the forms
    /// that check their paths themselves.
    pub fn typed_text(&self, text: &str) -> String {
        self.paths.typed(text)
    }

    /// The path typed in a field: trimmed, as it is (see [`PathDisplay`]), and
    /// taken from `IEA_HOME` when relative (as `config.toml` does).
    pub fn typed_path(&self, text: &str) -> PathBuf {
        widgets::typed_path(&self.home, &self.paths.typed(text))
    }

    /// The backup scripts, or why `sauvegardes.toml` cannot be read.
    pub fn scripts(&self) -> Result<&ScriptBook, &BookError> {
        self.scripts.as_ref()
    }

    /// Changes each time the backup scripts were read again and differ.
    pub fn scripts_generation(&self) -> u64 {
        self.scripts_generation
    }

    /// Whether the service starts with the session, as last read.
    pub fn autostart(&self) -> bool {
        self.autostart
    }

    /// The backup run under way, if any.
    pub fn running_backup(&self) -> Option<&RunningJob> {
        self.running_backup.as_ref()
    }

    /// The restore under way, if any.
    pub fn running_restore(&self) -> Option<&RunningJob> {
        self.running_restore.as_ref()
    }

    /// What the centre knows of the updates.
    pub fn updates(&self) -> &UpdatesState {
        &self.updates
    }

    /// The year-end closing under way, if any.
    pub fn running_closing(&self) -> Option<&RunningJob> {
        self.running_closing.as_ref()
    }

    /// How the last closing of this session ended, until "Retour à la liste
    /// des exercices".
    pub fn closing_result(&self) -> Option<&ClosingResult> {
        self.closing_result.as_ref()
    }

    /// Changes each time the centre removed a session of the store: the
    /// closing's prerequisites are checked again.
    pub fn sessions_generation(&self) -> u64 {
        self.sessions_generation
    }

    /// What the "Administrer" screens read: tests, resets, generations.
    pub fn admin(&self) -> &super::admin::AdminState {
        &self.admin
    }

    /// The user identified in "Comptes utilisateurs" on the active store.
    pub fn actor(&self) -> Option<&crate::accounts::Actor> {
        self.admin.actor(self.store_generation)
    }

    /// What the last "Exécuter" of `script` in this session came to.
    pub fn backup_result(&self, script: &str) -> Option<&BackupResult> {
        self.backup_results.get(script)
    }

    /// Takes the backup scripts as read again; the generation changes when
    /// they differ.
    pub(super) fn set_scripts(&mut self, scripts: Result<ScriptBook, BookError>) {
        let same = match (&scripts, &self.scripts) {
            (Ok(new), Ok(old)) => new == old,
            (Err(new), Err(old)) => new.to_string() == old.to_string(),
            _ => false,
        };
        if !same {
            self.scripts = scripts;
            self.scripts_generation += 1;
        }
    }

    /// Takes the service's state as read again; the generation changes when
    /// it differs.
    pub(super) fn set_persisted(&mut self, persisted: PersistedState) {
        if persisted != self.persisted {
            self.persisted = persisted;
            self.state_generation += 1;
        }
    }

    /// Queues a command for the end of the frame.
    pub fn push(&mut self, command: Command) {
        self.commands.push(command);
    }

    /// Whether the configuration was read at least once (valid or not).
    pub fn config_read(&self) -> bool {
        self.config.is_some()
    }

    /// The configuration, when `config.toml` was read and is valid.
    pub fn config(&self) -> Option<&Config> {
        self.config.as_ref().and_then(|c| c.as_ref().ok())
    }

    /// Why `config.toml` cannot be used, when it was read and is invalid.
    pub fn config_error(&self) -> Option<&ConfigError> {
        self.config.as_ref().and_then(|c| c.as_ref().err())
    }

    /// The active store's path, when the configuration is valid.
    pub fn store_path(&self) -> Option<&Path> {
        self.config().map(|c| c.paths.store.as_path())
    }

    /// The logs folder: the configured one, or the default when `config.toml`
    /// is invalid (the journal stays readable then).
    pub fn logs_dir(&self) -> PathBuf {
        self.config()
            .map_or_else(|| self.home.logs_dir(), |c| c.paths.logs.clone())
    }

    /// What became of the last command of kind `action`, if any.
    pub fn outcome(&self, action: Action) -> Option<&Outcome> {
        self.outcomes.get(&action)
    }

    /// Forgets the result of `action` (a screen does so when its form changes).
    pub fn clear_outcome(&mut self, action: Action) {
        if !matches!(self.outcomes.get(&action), Some(Outcome::Pending)) {
            self.outcomes.remove(&action);
        }
    }

    /// Whether a command of kind `action` runs.
    pub fn is_pending(&self, action: Action) -> bool {
        matches!(self.outcomes.get(&action), Some(Outcome::Pending))
    }

    /// Changes each time the store is (re)opened: screens showing its content
    /// read it again.
    pub fn store_generation(&self) -> u64 {
        self.store_generation
    }

    /// Changes each time the configuration is loaded or saved: forms re-read it.
    pub fn config_generation(&self) -> u64 {
        self.config_generation
    }

    /// Changes when the centre created a folder: path checks run again.
    pub fn fs_generation(&self) -> u64 {
        self.fs_generation
    }

    /// Changes when the service's state was read again or assistance mode was
    /// switched: screens showing it read it again.
    pub fn state_generation(&self) -> u64 {
        self.state_generation
    }

    /// The report of the last "Tester l'accès aux serveurs" of this session,
    /// kept while a new test runs.
    pub fn server_test(&self) -> Option<&ServerTestReport> {
        self.server_test.as_ref()
    }

    /// The support address: the configured one, or the product's.
    pub fn support_address(&self) -> &str {
        self.config().map_or(config::DEFAULT_SUPPORT_ADDRESS, |c| {
            c.mail.support_address.as_str()
        })
    }

    /// The connection line of the service, in French (the tray's status line,
    /// without the store, which is shown apart).
    pub fn connection_line(&self) -> String {
        let inputs = ServiceInputs {
            connection: self.persisted.connection.clone(),
            assistance: self.persisted.assistance,
            store_problem: None,
            backup_warnings: Vec::new(),
        };
        crate::messages::tray_line(&tray_view(&inputs, Capabilities::CURRENT).status)
    }

    pub(super) fn set_outcome(&mut self, action: Action, outcome: Outcome) {
        self.outcomes.insert(action, outcome);
    }
}
