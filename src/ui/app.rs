//! The centre's shell: the runtime state shared by the screens ([`AppCtx`]), the
//! [`Command`]s screens push, and [`CentreApp`], which draws the navigation panel,
//! the status bar and the current screen, then applies the commands once per frame.
//!
//! Commands that take time (opening a store, switching or creating one, testing
//! the servers, authenticating, sending a support request) run on named worker
//! threads; their state (pending, done, failed) is kept as an [`Outcome`] per
//! [`Action`] so that the screen that sent them can show it next to its button.
//! Backup runs, restores and year-end closings are jobs: their progress is shown
//! while they run ([`RunningJob`]), and they can be cancelled.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use chrono::{DateTime, Local};
use eframe::egui;

use super::screen::{Entry, Screen, ScreenId};
use super::screens::{self, ConfigErrorScreen, Inaccessible};
use super::task::{JobProgress, Task};
use super::widgets;
use crate::assistance::{self, AssistanceError, AssistanceOutcome};
use crate::backup::book::{BookError, ScriptBook};
use crate::backup::restore::{self, RestoreReport, RestoreSource};
use crate::backup::run::{self, BackupContext, RunReport, Trigger};
use crate::backup::{BackupScript, schedule};
use crate::closing::{self, CloseReport, CloseRequest};
use crate::config::{self, Config, ConfigError, ConnectionSettings};
use crate::connection::auth::{self, AuthError};
use crate::connection::servers::{self, ServerTestReport};
use crate::fsutil;
use crate::home::Home;
use crate::jobs::{JobError, JobKind};
use crate::messages::{self, Explanation};
use crate::secrets::SecretKey;
use crate::service::persist::PersistedState;
use crate::service::state::{Capabilities, ConnectionState, ServiceInputs, tray_view};
use crate::store::catalog::{self, CatalogError};
use crate::store::sessions::{DisconnectError, SessionInfo};
use crate::store::{Store, StoreError};
use crate::support::{self, SupportError, SupportRequest};

/// How often the status bar re-reads the service's state and the store's size.
const REFRESH_EVERY: Duration = Duration::from_secs(5);

/// The active store as the centre sees it.
#[derive(Debug)]
pub enum StoreState {
    /// `config.toml` is invalid, so no store is known.
    NotConfigured,
    /// Being opened on a worker thread.
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

/// Commands whose result is shown next to the control that sent them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// [`Command::SaveConfig`].
    SaveConfig,
    /// [`Command::SetAutostart`].
    Autostart,
    /// [`Command::SwitchStore`].
    SwitchStore,
    /// [`Command::CreateStore`].
    CreateStore,
    /// [`Command::ForgetStore`].
    ForgetStore,
    /// [`Command::ResetConfigKeepingCopy`].
    ResetConfig,
    /// [`Command::CreateFolder`].
    CreateFolder,
    /// [`Command::OpenFolder`].
    OpenFolder,
    /// [`Command::SaveConnection`].
    SaveConnection,
    /// [`Command::TestServers`]; the report itself is [`AppCtx::server_test`].
    TestServers,
    /// [`Command::RetryAuthentication`].
    Authenticate,
    /// [`Command::EnableAssistance`] and [`Command::DisableAssistance`].
    Assistance,
    /// [`Command::SendSupport`].
    SendSupport,
    /// [`Command::SaveSupportReport`].
    SaveSupportReport,
    /// [`Command::SaveScript`].
    SaveScript,
    /// [`Command::DeleteScript`].
    DeleteScript,
    /// [`Command::PostponeScripts`], [`Command::ClearPostponement`] and
    /// [`Command::RefreshStartDate`].
    ScheduleScripts,
    /// [`Command::Restore`]; done with the success message.
    Restore,
    /// [`Command::DisconnectSession`].
    DisconnectSession,
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

/// An intent pushed by a screen; the shell applies it at the end of the frame.
#[derive(Debug)]
pub enum Command {
    /// Show a screen. Screens this version does not have are ignored.
    Navigate(ScreenId),
    /// Read `config.toml` again (after it was fixed by hand), then reopen the store.
    ReloadConfig,
    /// Open the active store again ("Réessayer").
    ReloadStore,
    /// Save this configuration, already validated by the screen, atomically; the
    /// store is reopened when its path changed.
    SaveConfig(Box<Config>),
    /// Turn "Démarrer avec la session" on or off.
    SetAutostart(bool),
    /// Make the existing store at this path active: a job that opens it first and
    /// changes nothing if it does not open.
    SwitchStore(PathBuf),
    /// Create a new empty store at this path (the user confirmed) and make it active.
    CreateStore(PathBuf),
    /// Remove a store from the list of known stores; its file is never touched.
    ForgetStore(PathBuf),
    /// Keep a dated copy of `config.toml`, write the defaults, reload.
    ResetConfigKeepingCopy,
    /// Create a missing folder (for the paths of "Configurer les chemins").
    CreateFolder(PathBuf),
    /// Put text on the clipboard.
    CopyToClipboard(String),
    /// Show a folder in the file manager.
    OpenFolder(PathBuf),
    /// Close the centre.
    Quit,
    /// Save the connection settings of "Paramètres de connexion", already
    /// validated by the screen, into `config.toml` (atomically, the rest of the
    /// configuration unchanged). A new proxy password is encrypted with the
    /// installation's key first; the clear text never reaches the file.
    SaveConnection {
        /// The new settings; their `proxy.password_encrypted` is the stored one.
        settings: Box<ConnectionSettings>,
        /// What becomes of the stored proxy password.
        proxy_password: PasswordChange,
    },
    /// "Tester l'accès aux serveurs" with these settings as typed (not
    /// necessarily saved), on a worker thread; the report is kept in
    /// [`AppCtx::server_test`] and saved as the last test.
    TestServers {
        /// The settings to test.
        settings: Box<ConnectionSettings>,
        /// A proxy password typed but not saved yet; without one, the stored
        /// password (if any) is used.
        proxy_password: Option<Secret>,
    },
    /// "Relancer l'authentification auprès du serveur" now, with the saved
    /// settings, on a worker thread (refused in assistance mode).
    RetryAuthentication,
    /// "Activer le mode assistance" with this code of the day.
    EnableAssistance(Secret),
    /// "Désactiver le mode assistance" with this code of the day.
    DisableAssistance(Secret),
    /// "Envoyer": send this support request by e-mail, on a worker thread.
    SendSupport(Box<SupportRequest>),
    /// "Enregistrer le rapport…": write the request's report to this file.
    SaveSupportReport {
        /// The request whose report is written.
        request: Box<SupportRequest>,
        /// The file chosen by the user.
        path: PathBuf,
    },
    /// "Enregistrer" in the backup script editor: add this script, already
    /// validated by the screen, or replace the script named `replacing` (its state
    /// is kept). Written through [`ScriptBook::modify`].
    SaveScript {
        /// The script.
        script: Box<BackupScript>,
        /// The name of the script it replaces, when it was edited.
        replacing: Option<String>,
    },
    /// "Supprimer" (confirmed): remove the script; the backups it made stay.
    DeleteScript(String),
    /// "Repousser de N jours": no automatic run of these scripts before
    /// `days` days from now.
    PostponeScripts {
        /// The scripts.
        names: Vec<String>,
        /// How many days.
        days: u32,
    },
    /// "Annuler le report": the scripts run again at their usual times.
    ClearPostponement(Vec<String>),
    /// "Actualiser la date": move the script's start date to its next run from
    /// now ("Date de sauvegarde incorrecte").
    RefreshStartDate(String),
    /// "Exécuter": run the script now, as a job with progress.
    RunBackup(String),
    /// "Annuler" during a backup run.
    CancelBackup,
    /// "Restaurer" (confirmed): put this backup in place of the store, as a job
    /// with progress; the store is closed meanwhile and opened again after.
    Restore(RestoreSource),
    /// "Annuler" during a restore (heeded before the store is replaced).
    CancelRestore,
    /// "Clôturer" (confirmed): close the year `year` of the dossier
    /// `dossier_id`, as a job with progress ([`closing::close_year`], its
    /// prerequisites checked again); the store is closed meanwhile (the job locks
    /// it for everyone) and opened again after.
    CloseYear {
        /// The dossier's id.
        dossier_id: i64,
        /// The year (exercise) to close.
        year: i32,
        /// The dossier's name, for the progress view.
        dossier: String,
    },
    /// "Annuler" during a closing (heeded before the second step commits).
    CancelClosing,
    /// "Retour à la liste des exercices": forget the end of the last closing.
    DismissClosing,
    /// "Déconnecter": remove the session `id` of the store, left behind by a
    /// crash (one `DELETE`, on a worker thread).
    DisconnectSession {
        /// The session's row id.
        id: i64,
    },
}

/// A password or code typed by the user: never shown in debug output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps typed text.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The text, for the one call that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// What becomes of the stored proxy password when the connection settings are
/// saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordChange {
    /// Keep the stored one (or none).
    Keep,
    /// Replace it by this one, encrypted before it is written.
    Replace(Secret),
    /// Remove it.
    Remove,
}

/// What a background task of the shell sends back.
#[derive(Debug)]
enum TaskResult {
    ServerTest(Box<ServerTestReport>),
    Auth(Box<Result<PersistedState, AuthError>>),
    Assistance(Result<AssistanceOutcome, AssistanceError>),
    Support(Result<(), SupportError>),
    Disconnect(Result<SessionInfo, DisconnectError>),
}

/// What a store job sends back: which action, and the configuration it saved.
type JobResult = (Action, Result<Config, CatalogError>);

/// A backup run or a restore under way, as the screens show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningJob {
    /// What the job works on: the script run, or the backup restored.
    pub subject: String,
    /// The current phase and its progress, once the job reported one.
    pub progress: Option<JobProgress>,
    /// "Annuler" was asked; the job stops at its next check.
    pub cancelling: bool,
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
    /// The configuration, or why `config.toml` cannot be used.
    pub config: Result<Config, ConfigError>,
    /// The active store.
    pub store: StoreState,
    /// The service's last known state (connection, assistance).
    pub persisted: PersistedState,
    /// Commands pushed this frame, applied by the shell at its end.
    pub commands: Vec<Command>,
    outcomes: HashMap<Action, Outcome>,
    server_test: Option<ServerTestReport>,
    state_generation: u64,
    store_generation: u64,
    config_generation: u64,
    fs_generation: u64,
    store_size: Option<u64>,
    notice: Option<String>,
    clock: Option<DateTime<Local>>,
    scripts: Result<ScriptBook, BookError>,
    scripts_generation: u64,
    running_backup: Option<RunningJob>,
    running_restore: Option<RunningJob>,
    backup_results: HashMap<String, BackupResult>,
    running_closing: Option<RunningJob>,
    closing_result: Option<ClosingResult>,
    sessions_generation: u64,
}

impl AppCtx {
    /// Loads the configuration and the service's state of `home`. The store is
    /// opened by the shell, on a worker thread.
    pub fn load(home: Home) -> Self {
        let config = Config::load(&home);
        if let Err(e) = &config {
            tracing::warn!(error = %e, "configuration illisible");
        }
        let persisted = PersistedState::load(&home);
        let scripts = ScriptBook::load(&home);
        if let Err(e) = &scripts {
            tracing::warn!(error = %e, "scripts de sauvegarde illisibles");
        }
        Self {
            home,
            config,
            store: StoreState::NotConfigured,
            persisted,
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
            scripts,
            scripts_generation: 0,
            running_backup: None,
            running_restore: None,
            backup_results: HashMap::new(),
            running_closing: None,
            closing_result: None,
            sessions_generation: 0,
        }
    }

    /// The time the screens reckon with: the clock, or the instant tests froze
    /// it at (so that the dates shown do not change with the day).
    pub fn now(&self) -> DateTime<Local> {
        self.clock.unwrap_or_else(Local::now)
    }

    /// The backup scripts, or why `sauvegardes.toml` cannot be read.
    pub fn scripts(&self) -> Result<&ScriptBook, &BookError> {
        self.scripts.as_ref()
    }

    /// Changes each time the backup scripts were read again and differ.
    pub fn scripts_generation(&self) -> u64 {
        self.scripts_generation
    }

    /// The backup run under way, if any.
    pub fn running_backup(&self) -> Option<&RunningJob> {
        self.running_backup.as_ref()
    }

    /// The restore under way, if any.
    pub fn running_restore(&self) -> Option<&RunningJob> {
        self.running_restore.as_ref()
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

    /// What the last "Exécuter" of `script` in this session came to.
    pub fn backup_result(&self, script: &str) -> Option<&BackupResult> {
        self.backup_results.get(script)
    }

    /// Reads the backup scripts again; the generation changes when they differ.
    fn reload_scripts(&mut self) {
        let scripts = ScriptBook::load(&self.home);
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

    /// Queues a command for the end of the frame.
    pub fn push(&mut self, command: Command) {
        self.commands.push(command);
    }

    /// The configuration, when `config.toml` is valid.
    pub fn config(&self) -> Option<&Config> {
        self.config.as_ref().ok()
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
        tray_view(&inputs, Capabilities::CURRENT).status_line
    }

    fn set_outcome(&mut self, action: Action, outcome: Outcome) {
        self.outcomes.insert(action, outcome);
    }
}

/// Turns a failed store job into French.
pub(crate) fn catalog_error(e: &CatalogError) -> Explanation {
    match e {
        CatalogError::Job(e) => messages::job_error(e),
        CatalogError::Store(e) => messages::store_error(e),
        CatalogError::Config(e) => messages::config_error(e),
        CatalogError::ActiveStore { path } => Explanation {
            title: "Base active".to_owned(),
            what: format!(
                "La base {} est la base active : elle ne peut pas être retirée de la liste.",
                path.display()
            ),
            why: "Le logiciel travaille sur cette base.".to_owned(),
            todo: "Choisissez d'abord une autre base, puis retirez celle-ci de la liste."
                .to_owned(),
            details: String::new(),
        },
    }
}

/// A failure of the system met by the shell itself (a folder that cannot be
/// created or opened).
fn io_failure(title: &str, what: String, source: &std::io::Error) -> Explanation {
    Explanation {
        title: title.to_owned(),
        what,
        why: "Le système a refusé l'opération.".to_owned(),
        todo: "Vérifiez le chemin et vos droits sur ce dossier, puis réessayez.".to_owned(),
        details: source.to_string(),
    }
}

/// Which screen fills the central panel this frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    Screen(ScreenId),
    ConfigError,
    Inaccessible,
}

/// The maintenance centre: shell and screens.
#[derive(Debug)]
pub struct CentreApp {
    ctx: AppCtx,
    screen: ScreenId,
    /// The entries of the navigation panel, each screen with its own state,
    /// kept while the user moves between them.
    screens: Vec<Entry>,
    config_error: ConfigErrorScreen,
    inaccessible: Inaccessible,
    opening: Task<Result<Store, StoreError>>,
    store_job: Task<JobResult>,
    tasks: HashMap<Action, Task<TaskResult>>,
    backup_job: Task<BackupResult>,
    restore_job: Task<Result<RestoreReport, Explanation>>,
    closing_job: Task<ClosingResult>,
    requests: Option<Receiver<ScreenId>>,
    last_refresh: Option<f64>,
    started: bool,
    quit_requested: bool,
}

impl CentreApp {
    /// The centre of `home`, showing `screen` first (Accueil for a screen this
    /// version does not have). The store is opened at the first frame.
    pub fn new(home: Home, screen: ScreenId) -> Self {
        Self {
            ctx: AppCtx::load(home),
            screen: if screen.is_built() {
                screen
            } else {
                ScreenId::Accueil
            },
            screens: screens::registry(),
            config_error: ConfigErrorScreen::default(),
            inaccessible: Inaccessible::default(),
            opening: Task::default(),
            store_job: Task::default(),
            tasks: HashMap::new(),
            backup_job: Task::default(),
            restore_job: Task::default(),
            closing_job: Task::default(),
            requests: None,
            last_refresh: None,
            started: false,
            quit_requested: false,
        }
    }

    /// Screens asked by later starts of the centre.
    pub fn set_requests(&mut self, requests: Receiver<ScreenId>) {
        self.requests = Some(requests);
    }

    /// The selected screen (what the navigation panel highlights).
    pub fn screen(&self) -> ScreenId {
        self.screen
    }

    /// The shared state.
    pub fn ctx(&self) -> &AppCtx {
        &self.ctx
    }

    /// Freezes the clock the screens reckon with at `now` (`None`: the real
    /// clock again). Tests and snapshots use it so that the dates shown — next
    /// runs, anomalies, staleness — do not change with the day.
    pub fn set_clock(&mut self, now: Option<DateTime<Local>>) {
        self.ctx.clock = now;
    }

    /// Whether "Quitter" was chosen.
    pub fn quit_requested(&self) -> bool {
        self.quit_requested
    }

    /// Whether any work runs in the background (store opening, jobs, screens'
    /// requests). Tests wait for this to become false.
    pub fn is_busy(&self) -> bool {
        !self.started
            || self.opening.is_pending()
            || self.store_job.is_pending()
            || self.tasks.values().any(Task::is_pending)
            || self.backup_job.is_pending()
            || self.restore_job.is_pending()
            || self.closing_job.is_pending()
            || self.inaccessible.is_busy()
            || self.built_screens().any(Screen::is_busy)
    }

    /// Shows `screen` and brings the window forward (a later start asked for it).
    pub fn bring_forward(&mut self, egui_ctx: &egui::Context, screen: ScreenId) {
        self.navigate(screen);
        egui_ctx.send_viewport_cmd(egui::ViewportCommand::Visible(true));
        egui_ctx.send_viewport_cmd(egui::ViewportCommand::Minimized(false));
        egui_ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
    }

    fn navigate(&mut self, screen: ScreenId) {
        if screen.is_built() {
            self.screen = screen;
        }
    }

    /// Draws one frame of the whole window into `ui` and applies the commands the
    /// screens pushed.
    pub fn frame_ui(&mut self, ui: &mut egui::Ui) {
        let egui_ctx = ui.ctx().clone();
        if !self.started {
            self.started = true;
            self.open_store(&egui_ctx);
        }
        self.poll_background(&egui_ctx);
        self.refresh_cached(&egui_ctx);

        egui::Panel::bottom("barre-etat").show(ui, |ui| self.status_bar_ui(ui));
        egui::Panel::left("navigation")
            .resizable(false)
            .exact_size(240.0)
            .show(ui, |ui| self.navigation_ui(ui));
        egui::CentralPanel::default().show(ui, |ui| {
            self.notice_ui(ui);
            self.screen_ui(ui);
        });

        self.apply_commands(&egui_ctx);
    }

    fn shown(&self) -> Shown {
        if self.ctx.config.is_err() {
            if self.screen.works_without_config() {
                Shown::Screen(self.screen)
            } else {
                Shown::ConfigError
            }
        } else if matches!(
            self.ctx.store,
            StoreState::Failed(_) | StoreState::Retrying(_)
        ) && !self.screen.works_without_store()
        {
            Shown::Inaccessible
        } else {
            Shown::Screen(self.screen)
        }
    }

    /// The screens of this version.
    fn built_screens(&self) -> impl Iterator<Item = &dyn Screen> {
        self.screens.iter().filter_map(|e| match e {
            Entry::Built(s) => Some(s.as_ref()),
            Entry::Planned(_) => None,
        })
    }

    fn screen_ui(&mut self, ui: &mut egui::Ui) {
        let shown = self.shown();
        let ctx = &mut self.ctx;
        match shown {
            Shown::ConfigError => self.config_error.ui(ui, ctx),
            Shown::Inaccessible => self.inaccessible.ui(ui, ctx),
            Shown::Screen(id) => {
                // The navigation never selects a screen this version does not have.
                let screen = self.screens.iter_mut().find_map(|e| match e {
                    Entry::Built(s) if s.id() == id => Some(s),
                    _ => None,
                });
                if let Some(screen) = screen {
                    screen.ui(ui, ctx);
                }
            }
        }
    }

    fn navigation_ui(&mut self, ui: &mut egui::Ui) {
        ui.add_space(8.0);
        ui.heading("Centre de maintenance");
        ui.add_space(8.0);
        let infos: Vec<_> = self.screens.iter().map(Entry::info).collect();
        // Consecutive entries of one group form a block: under its heading, or
        // set apart by a little space when it has none.
        for block in infos.chunk_by(|a, b| a.group == b.group) {
            let heading = block.first().and_then(|i| i.group.heading());
            if let Some(heading) = heading {
                ui.add_space(6.0);
                ui.label(egui::RichText::new(heading).strong());
            }
            for info in block {
                let indent = if heading.is_some() { 14.0 } else { 0.0 };
                ui.horizontal(|ui| {
                    ui.add_space(indent);
                    let button = egui::Button::selectable(self.screen == info.id, info.nav_label);
                    if ui.add_enabled(info.built, button).clicked() {
                        self.ctx.push(Command::Navigate(info.id));
                    }
                });
            }
            if heading.is_none() && block.len() > 1 {
                ui.add_space(4.0);
            }
        }
        ui.add_space(6.0);
        ui.separator();
        if ui.add(egui::Button::new("Quitter")).clicked() {
            self.ctx.push(Command::Quit);
        }
    }

    fn status_bar_ui(&self, ui: &mut egui::Ui) {
        ui.horizontal_wrapped(|ui| {
            // The connection line says "Mode assistance…" when the mode is on.
            ui.label(self.ctx.connection_line());
            ui.separator();
            let store = match (&self.ctx.store, self.ctx.store_path()) {
                (_, None) => "Base : configuration à corriger".to_owned(),
                (_, Some(p)) if self.ctx.running_closing.is_some() => {
                    format!("Base : {} – clôture d'exercice en cours", p.display())
                }
                (StoreState::Failed(_), Some(p)) => format!("Base inaccessible : {}", p.display()),
                (StoreState::Opening | StoreState::Retrying(_), Some(p)) => {
                    format!("Base : {} – ouverture…", p.display())
                }
                (_, Some(p)) => match self.ctx.store_size {
                    Some(size) => format!("Base : {} ({})", p.display(), fsutil::human_size(size)),
                    None => format!("Base : {}", p.display()),
                },
            };
            ui.label(store);
        });
    }

    fn notice_ui(&mut self, ui: &mut egui::Ui) {
        let mut close = false;
        if let Some(notice) = &self.ctx.notice {
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    widgets::mark_ui(ui, widgets::Mark::Ok);
                    ui.label(notice.as_str());
                    if ui.add(egui::Button::new("Fermer")).clicked() {
                        close = true;
                    }
                });
            });
            ui.add_space(8.0);
        }
        if close {
            self.ctx.notice = None;
        }
    }

    /// Starts opening the active store on a worker thread.
    fn open_store(&mut self, egui_ctx: &egui::Context) {
        let Some(path) = self.ctx.store_path().map(Path::to_path_buf) else {
            self.ctx.store = StoreState::NotConfigured;
            self.ctx.store_generation += 1;
            return;
        };
        self.ctx.store = match std::mem::replace(&mut self.ctx.store, StoreState::Opening) {
            StoreState::Failed(e) | StoreState::Retrying(e) => StoreState::Retrying(e),
            _ => StoreState::Opening,
        };
        self.opening
            .start(egui_ctx, "centre-ouverture-base", move || {
                Store::open(&path)
            });
    }

    fn poll_background(&mut self, egui_ctx: &egui::Context) {
        for entry in &mut self.screens {
            if let Entry::Built(screen) = entry {
                screen.poll(&mut self.ctx);
            }
        }
        self.inaccessible.poll();
        self.poll_tasks();
        self.poll_jobs(egui_ctx);
        let arrived = self.opening.poll();
        let stopped = !self.opening.is_pending() && self.opening.failure().is_some();
        if arrived || stopped {
            // Move the result out: the request only keeps it until now.
            let mut taken = std::mem::take(&mut self.opening);
            self.ctx.store = match taken.take() {
                Some(Ok(store)) => {
                    self.ctx.store_size = Some(crate::store::size_on_disk(store.path()));
                    StoreState::Open(store)
                }
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "base de données inaccessible");
                    StoreState::Failed(e)
                }
                None => StoreState::Failed(StoreError::Io {
                    path: self
                        .ctx
                        .store_path()
                        .map(Path::to_path_buf)
                        .unwrap_or_default(),
                    source: std::io::Error::other("ouverture interrompue"),
                }),
            };
            self.ctx.store_generation += 1;
        }
        if self.store_job.poll() {
            let mut taken = std::mem::take(&mut self.store_job);
            if let Some((action, result)) = taken.take() {
                self.finish_store_job(egui_ctx, action, result);
            }
        } else if !self.store_job.is_pending() && self.store_job.failure().is_some() {
            self.store_job = Task::default();
            for action in [
                Action::SwitchStore,
                Action::CreateStore,
                Action::ForgetStore,
            ] {
                if self.ctx.is_pending(action) {
                    self.ctx.set_outcome(
                        action,
                        Outcome::Failed(io_failure(
                            "Opération interrompue",
                            "L'opération s'est arrêtée avant la fin.".to_owned(),
                            &std::io::Error::other("tâche de fond interrompue"),
                        )),
                    );
                }
            }
        }
    }

    /// Takes the results of the shell's background tasks that are done.
    fn poll_tasks(&mut self) {
        let mut finished = Vec::new();
        for (action, task) in &mut self.tasks {
            if task.poll() {
                finished.push(*action);
            } else if !task.is_pending() && task.failure().is_some() {
                task.clear();
                self.ctx.outcomes.insert(
                    *action,
                    Outcome::Failed(io_failure(
                        "Opération interrompue",
                        "L'opération s'est arrêtée avant la fin.".to_owned(),
                        &std::io::Error::other("tâche de fond interrompue"),
                    )),
                );
            }
        }
        for action in finished {
            let result = self.tasks.remove(&action).and_then(|mut t| t.take());
            if let Some(result) = result {
                self.finish_task(action, result);
            }
        }
    }

    fn finish_task(&mut self, action: Action, result: TaskResult) {
        // Tasks may write to the store (the journal of assistance mode): the
        // size in the status bar follows at once rather than at the next tick.
        self.refresh_store_size();
        let outcome = match result {
            TaskResult::ServerTest(report) => {
                self.ctx.server_test = Some(*report);
                Outcome::Done(String::new())
            }
            TaskResult::Auth(result) => {
                self.reload_state();
                match *result {
                    Ok(state) => {
                        self.ctx.persisted = state;
                        self.authentication_outcome()
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "authentification non relancée");
                        Outcome::Failed(messages::auth_error(&e))
                    }
                }
            }
            TaskResult::Assistance(result) => {
                self.reload_state();
                match result {
                    Ok(o) => Outcome::Done(messages::assistance_outcome(&o)),
                    Err(e) => {
                        tracing::warn!(error = %e, "mode assistance inchangé");
                        Outcome::Failed(messages::assistance_error(&e))
                    }
                }
            }
            TaskResult::Disconnect(result) => {
                self.ctx.sessions_generation += 1;
                match result {
                    Ok(session) => {
                        tracing::info!(session = session.id, "session interrompue fermée");
                        Outcome::Done(messages::session_closed(&session))
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "session non fermée");
                        Outcome::Failed(messages::disconnect_error(&e))
                    }
                }
            }
            TaskResult::Support(result) => match result {
                Ok(()) => Outcome::Done(messages::SUPPORT_SENT.to_owned()),
                Err(e) => {
                    tracing::warn!(error = %e, "demande d'assistance non envoyée");
                    Outcome::Failed(messages::support_error(&e))
                }
            },
        };
        self.ctx.set_outcome(action, outcome);
    }

    /// What a finished authentication says next to its button: the green tick
    /// when connected, otherwise what the state means and what to do.
    fn authentication_outcome(&self) -> Outcome {
        let state = &self.ctx.persisted.connection;
        let line = self.ctx.connection_line();
        if *state == ConnectionState::Connected {
            return Outcome::Done(line);
        }
        Outcome::Failed(
            messages::connection_state_explanation(
                state,
                self.ctx.support_address(),
                env!("CARGO_PKG_VERSION"),
            )
            .unwrap_or_else(|| Explanation {
                title: line.clone(),
                what: line,
                why: String::new(),
                todo: String::new(),
                details: String::new(),
            }),
        )
    }

    /// Reads the service's state again (after this centre or the domain changed it).
    fn reload_state(&mut self) {
        self.ctx.persisted = PersistedState::load(&self.ctx.home);
        self.ctx.state_generation += 1;
    }

    /// Starts `work` for `action` on a worker thread, unless one runs already
    /// (the button is greyed then; a second click changes nothing).
    /// Enables or disables assistance mode with the typed code, on a worker.
    fn start_assistance(
        &mut self,
        egui_ctx: &egui::Context,
        action: assistance::AssistanceAction,
        code: Secret,
    ) {
        let home = self.ctx.home.clone();
        self.start_task(
            egui_ctx,
            Action::Assistance,
            "centre-mode-assistance",
            move || {
                let now = chrono::Local::now();
                TaskResult::Assistance(match action {
                    assistance::AssistanceAction::Enable => {
                        assistance::enable(&home, code.expose(), now)
                    }
                    assistance::AssistanceAction::Disable => {
                        assistance::disable(&home, code.expose(), now)
                    }
                })
            },
        );
    }

    fn start_task(
        &mut self,
        egui_ctx: &egui::Context,
        action: Action,
        thread_name: &str,
        work: impl FnOnce() -> TaskResult + Send + 'static,
    ) {
        let task = self.tasks.entry(action).or_default();
        if task.is_pending() {
            return;
        }
        task.start(egui_ctx, thread_name, work);
        if task.is_pending() {
            self.ctx.set_outcome(action, Outcome::Pending);
        }
    }

    fn finish_store_job(
        &mut self,
        egui_ctx: &egui::Context,
        action: Action,
        result: Result<Config, CatalogError>,
    ) {
        match result {
            Ok(config) => {
                let path = config.paths.store.clone();
                let previous = self.ctx.store_path().map(Path::to_path_buf);
                self.ctx.config = Ok(config);
                self.ctx.config_generation += 1;
                let message = match action {
                    Action::CreateStore => format!(
                        "La nouvelle base {} a été créée ; c'est maintenant la base active.",
                        path.display()
                    ),
                    Action::ForgetStore => {
                        "La base a été retirée de la liste. Son fichier n'a pas été supprimé."
                            .to_owned()
                    }
                    _ => format!("La base {} est maintenant la base active.", path.display()),
                };
                self.ctx.set_outcome(action, Outcome::Done(message));
                if previous.as_deref() != Some(path.as_path()) || action != Action::ForgetStore {
                    self.open_store(egui_ctx);
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, ?action, "changement de base refusé");
                self.ctx
                    .set_outcome(action, Outcome::Failed(catalog_error(&e)));
            }
        }
    }

    fn refresh_cached(&mut self, egui_ctx: &egui::Context) {
        let now = egui_ctx.input(|i| i.time);
        let due = self
            .last_refresh
            .is_none_or(|t| now - t >= REFRESH_EVERY.as_secs_f64());
        if due {
            self.last_refresh = Some(now);
            let persisted = PersistedState::load(&self.ctx.home);
            if persisted != self.ctx.persisted {
                self.ctx.persisted = persisted;
                self.ctx.state_generation += 1;
            }
            self.refresh_store_size();
            // The service changes the scripts' states after its runs.
            self.ctx.reload_scripts();
        }
        egui_ctx.request_repaint_after(REFRESH_EVERY);
    }

    fn refresh_store_size(&mut self) {
        if let StoreState::Open(store) = &self.ctx.store {
            self.ctx.store_size = Some(crate::store::size_on_disk(store.path()));
        }
    }

    fn start_store_job(
        &mut self,
        egui_ctx: &egui::Context,
        action: Action,
        job: fn(&Home, &Path) -> Result<Config, CatalogError>,
        path: PathBuf,
    ) {
        if self.store_job.is_pending() {
            // The domain refuses a second job too; say it here without a thread.
            return;
        }
        self.ctx.set_outcome(action, Outcome::Pending);
        let home = self.ctx.home.clone();
        self.store_job
            .start(egui_ctx, "centre-changement-base", move || {
                (action, job(&home, &path))
            });
    }

    fn apply_commands(&mut self, egui_ctx: &egui::Context) {
        let commands = std::mem::take(&mut self.ctx.commands);
        for command in commands {
            self.apply(egui_ctx, command);
        }
    }

    fn apply(&mut self, egui_ctx: &egui::Context, command: Command) {
        match command {
            Command::Navigate(screen) => self.navigate(screen),
            Command::ReloadConfig => {
                self.ctx.config = Config::load(&self.ctx.home);
                self.ctx.config_generation += 1;
                self.open_store(egui_ctx);
            }
            Command::ReloadStore => self.open_store(egui_ctx),
            Command::SaveConfig(config) => {
                let previous = self.ctx.store_path().map(Path::to_path_buf);
                // Only the paths are this screen's: the rest is taken from the file
                // as it is now, so that another program's change is kept.
                let saved = Config::modify(&self.ctx.home, |current| {
                    current.paths = config.paths.clone();
                    Ok::<_, crate::config::ConfigError>(current.clone())
                });
                match saved {
                    Ok(config) => {
                        tracing::info!("configuration enregistrée");
                        let store_changed =
                            previous.as_deref() != Some(config.paths.store.as_path());
                        self.ctx.config = Ok(config);
                        self.ctx.config_generation += 1;
                        self.ctx.set_outcome(
                            Action::SaveConfig,
                            Outcome::Done("Les chemins ont été enregistrés.".to_owned()),
                        );
                        if store_changed {
                            self.open_store(egui_ctx);
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "configuration non enregistrée");
                        self.ctx.set_outcome(
                            Action::SaveConfig,
                            Outcome::Failed(messages::config_error(&e)),
                        );
                    }
                }
            }
            Command::SetAutostart(enabled) => {
                let result = if enabled {
                    std::env::current_exe()
                        .map_err(|e| {
                            io_failure(
                                "Démarrage avec la session",
                                "Le programme ne retrouve pas son propre fichier.".to_owned(),
                                &e,
                            )
                        })
                        .and_then(|exe| {
                            crate::autostart::enable(&exe)
                                .map(|_| ())
                                .map_err(|e| autostart_failure(&e))
                        })
                } else {
                    crate::autostart::disable().map_err(|e| autostart_failure(&e))
                };
                let outcome = match result {
                    Ok(()) if enabled => Outcome::Done(
                        "Le gestionnaire de services démarrera avec la session.".to_owned(),
                    ),
                    Ok(()) => Outcome::Done(
                        "Le gestionnaire de services ne démarrera plus avec la session.".to_owned(),
                    ),
                    Err(explanation) => Outcome::Failed(explanation),
                };
                self.ctx.set_outcome(Action::Autostart, outcome);
            }
            Command::SwitchStore(path) => {
                self.start_store_job(egui_ctx, Action::SwitchStore, catalog::switch_to, path);
            }
            Command::CreateStore(path) => {
                self.start_store_job(
                    egui_ctx,
                    Action::CreateStore,
                    catalog::create_and_activate,
                    path,
                );
            }
            Command::ForgetStore(path) => {
                self.start_store_job(egui_ctx, Action::ForgetStore, catalog::forget, path);
            }
            Command::ResetConfigKeepingCopy => match config::reset_keeping_copy(&self.ctx.home) {
                Ok(copy) => {
                    let message = match copy {
                        Some(copy) => format!(
                            "Les valeurs par défaut ont été rétablies. Une copie de l'ancien fichier a été conservée : {}",
                            copy.display()
                        ),
                        None => "Les valeurs par défaut ont été rétablies.".to_owned(),
                    };
                    tracing::info!("configuration remise aux valeurs par défaut");
                    self.ctx.notice = Some(message.clone());
                    self.ctx
                        .set_outcome(Action::ResetConfig, Outcome::Done(message));
                    self.ctx.config = Config::load(&self.ctx.home);
                    self.ctx.config_generation += 1;
                    self.open_store(egui_ctx);
                }
                Err(e) => {
                    self.ctx.set_outcome(
                        Action::ResetConfig,
                        Outcome::Failed(messages::config_error(&e)),
                    );
                }
            },
            Command::CreateFolder(path) => {
                let outcome = match std::fs::create_dir_all(&path) {
                    Ok(()) => Outcome::Done(format!("Le dossier {} a été créé.", path.display())),
                    Err(e) => Outcome::Failed(io_failure(
                        "Dossier non créé",
                        format!("Le dossier {} n'a pas pu être créé.", path.display()),
                        &e,
                    )),
                };
                self.ctx.fs_generation += 1;
                self.ctx.set_outcome(Action::CreateFolder, outcome);
            }
            Command::CopyToClipboard(text) => egui_ctx.copy_text(text),
            Command::OpenFolder(path) => {
                let outcome = match crate::service::actions::open_folder(&path) {
                    Ok(()) => Outcome::Done(String::new()),
                    Err(e) => Outcome::Failed(io_failure(
                        "Dossier non ouvert",
                        format!("Le dossier {} n'a pas pu être ouvert.", path.display()),
                        &e,
                    )),
                };
                self.ctx.set_outcome(Action::OpenFolder, outcome);
            }
            Command::Quit => {
                self.quit_requested = true;
                egui_ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            Command::SaveConnection {
                settings,
                proxy_password,
            } => self.save_connection(*settings, &proxy_password),
            Command::TestServers {
                settings,
                proxy_password,
            } => {
                let home = self.ctx.home.clone();
                self.start_task(
                    egui_ctx,
                    Action::TestServers,
                    "centre-test-serveurs",
                    move || {
                        let password = proxy_password
                            .map(|p| p.expose().to_owned())
                            .or_else(|| stored_proxy_password(&home, &settings));
                        let report = servers::test_servers(&settings, password.as_deref());
                        if let Err(e) = report.save_last(&home) {
                            tracing::warn!(error = %e, "dernier test des serveurs non conservé");
                        }
                        TaskResult::ServerTest(Box::new(report))
                    },
                );
            }
            Command::RetryAuthentication => {
                let home = self.ctx.home.clone();
                self.start_task(
                    egui_ctx,
                    Action::Authenticate,
                    "centre-authentification",
                    move || TaskResult::Auth(Box::new(auth::authenticate_now(&home))),
                );
            }
            Command::EnableAssistance(code) => {
                self.start_assistance(egui_ctx, assistance::AssistanceAction::Enable, code);
            }
            Command::DisableAssistance(code) => {
                self.start_assistance(egui_ctx, assistance::AssistanceAction::Disable, code);
            }
            Command::SendSupport(request) => {
                let home = self.ctx.home.clone();
                self.start_task(
                    egui_ctx,
                    Action::SendSupport,
                    "centre-envoi-assistance",
                    move || TaskResult::Support(support::send(&home, &request)),
                );
            }
            Command::SaveSupportReport { request, path } => {
                let outcome = match support::save_report(&request, &path) {
                    Ok(()) => {
                        Outcome::Done(format!("Le rapport a été enregistré : {}", path.display()))
                    }
                    Err(e) => Outcome::Failed(messages::support_error(&e)),
                };
                self.ctx.set_outcome(Action::SaveSupportReport, outcome);
            }
            Command::SaveScript { script, replacing } => {
                let name = script.name.clone();
                let done = match &replacing {
                    Some(_) => format!("Le script « {name} » a été enregistré."),
                    None => format!("Le script « {name} » a été créé."),
                };
                self.modify_scripts(Action::SaveScript, done, |book| {
                    book.upsert(*script, replacing.as_deref())
                });
            }
            Command::DeleteScript(name) => {
                let done = format!(
                    "Le script « {name} » a été supprimé. Les sauvegardes qu'il a faites sont \
                     conservées."
                );
                self.modify_scripts(Action::DeleteScript, done, |book| {
                    book.remove(&name).map(|_| ())
                });
                self.ctx.backup_results.remove(&name);
            }
            Command::PostponeScripts { names, days } => {
                let now = self.ctx.now();
                let done = messages::postponed_text(&names, days);
                self.modify_scripts(Action::ScheduleScripts, done, |book| {
                    for name in &names {
                        let entry = book
                            .get_mut(name)
                            .ok_or_else(|| BookError::NotFound { name: name.clone() })?;
                        schedule::postpone(entry, days, &now);
                    }
                    Ok(())
                });
            }
            Command::ClearPostponement(names) => {
                let done = messages::postponement_cleared_text(&names);
                self.modify_scripts(Action::ScheduleScripts, done, |book| {
                    for name in &names {
                        schedule::clear_postponement(book.state_mut(name)?);
                    }
                    Ok(())
                });
            }
            Command::RefreshStartDate(name) => {
                let now = self.ctx.now();
                let mut start = None;
                self.modify_scripts(Action::ScheduleScripts, String::new(), |book| {
                    let entry = book
                        .get_mut(&name)
                        .ok_or_else(|| BookError::NotFound { name: name.clone() })?;
                    let refreshed = schedule::refreshed_start(&entry.script, &now);
                    entry.script.start_date = refreshed;
                    start = Some(refreshed);
                    Ok(())
                });
                if let (Some(start), Some(Outcome::Done(_))) =
                    (start, self.ctx.outcome(Action::ScheduleScripts))
                {
                    self.ctx.set_outcome(
                        Action::ScheduleScripts,
                        Outcome::Done(messages::start_refreshed_text(&name, start)),
                    );
                }
            }
            Command::RunBackup(name) => self.start_backup(egui_ctx, name),
            Command::CancelBackup => self.backup_job.cancel(),
            Command::Restore(source) => self.start_restore(egui_ctx, source),
            Command::CancelRestore => self.restore_job.cancel(),
            Command::CloseYear {
                dossier_id,
                year,
                dossier,
            } => self.start_closing(egui_ctx, CloseRequest { dossier_id, year }, &dossier),
            Command::CancelClosing => self.closing_job.cancel(),
            Command::DismissClosing => self.ctx.closing_result = None,
            Command::DisconnectSession { id } => {
                let Some(path) = self.ctx.store_path().map(Path::to_path_buf) else {
                    return;
                };
                self.start_task(
                    egui_ctx,
                    Action::DisconnectSession,
                    "centre-deconnexion-session",
                    move || {
                        TaskResult::Disconnect(
                            Store::open(&path)
                                .map_err(DisconnectError::from)
                                .and_then(|store| {
                                    crate::store::sessions::disconnect(
                                        &store,
                                        id,
                                        chrono::Utc::now(),
                                    )
                                }),
                        )
                    },
                );
            }
        }
    }

    /// Changes the backup scripts through [`ScriptBook::modify`] (locked
    /// read-change-write, so the service's changes are kept), then reads them
    /// again; `done` is said when it worked.
    fn modify_scripts(
        &mut self,
        action: Action,
        done: String,
        change: impl FnOnce(&mut ScriptBook) -> Result<(), BookError>,
    ) {
        let outcome = match ScriptBook::modify(&self.ctx.home, change) {
            Ok(()) => {
                tracing::info!(?action, "scripts de sauvegarde enregistrés");
                Outcome::Done(done)
            }
            Err(e) => {
                tracing::warn!(error = %e, ?action, "scripts de sauvegarde non modifiés");
                Outcome::Failed(messages::book_error(&e))
            }
        };
        self.ctx.set_outcome(action, outcome);
        self.ctx.reload_scripts();
    }

    /// "Exécuter": runs the script as a job on a worker thread. A second run
    /// while one is under way is refused as the domain would refuse it.
    fn start_backup(&mut self, egui_ctx: &egui::Context, name: String) {
        if self.backup_job.is_pending() {
            let refused = JobError::AlreadyRunning {
                kind: JobKind::Backup,
                holder_pid: Some(std::process::id()),
            };
            self.ctx
                .backup_results
                .insert(name, Err(messages::job_error(&refused)));
            return;
        }
        let home = self.ctx.home.clone();
        let script = name.clone();
        self.backup_job
            .start_job(egui_ctx, "centre-sauvegarde", move |progress, cancel| {
                let ctx = BackupContext::load(&home).map_err(|e| messages::run_error(&e))?;
                run::run_script(&ctx, &script, Trigger::Manuel, progress, cancel)
                    .map_err(|e| messages::run_error(&e))
            });
        self.ctx.backup_results.remove(&name);
        self.ctx.running_backup = Some(RunningJob {
            subject: name,
            progress: None,
            cancelling: false,
        });
    }

    /// "Restaurer": closes the store (the restore replaces its file), then
    /// restores as a job on a worker thread; the store is opened again at the end.
    fn start_restore(&mut self, egui_ctx: &egui::Context, source: RestoreSource) {
        if self.restore_job.is_pending() || self.opening.is_pending() {
            return;
        }
        let subject = match &source {
            RestoreSource::File(path) => path.display().to_string(),
            RestoreSource::Stored { name, .. } | RestoreSource::Safety { name } => name.clone(),
        };
        // Our own connection would keep the store busy while it is replaced.
        if matches!(self.ctx.store, StoreState::Open(_)) {
            self.ctx.store = StoreState::Opening;
            self.ctx.store_generation += 1;
        }
        let home = self.ctx.home.clone();
        self.restore_job
            .start_job(egui_ctx, "centre-restauration", move |progress, cancel| {
                let ctx = BackupContext::load(&home).map_err(|e| messages::run_error(&e))?;
                restore::restore(&ctx, &source, progress, cancel)
                    .map_err(|e| messages::restore_error(&e))
            });
        self.ctx.set_outcome(Action::Restore, Outcome::Pending);
        self.ctx.running_restore = Some(RunningJob {
            subject,
            progress: None,
            cancelling: false,
        });
    }

    /// "Clôturer": closes the store (the job locks it for everyone, this centre
    /// included), then closes the year as a job on a worker thread; the store is
    /// opened again at the end.
    fn start_closing(&mut self, egui_ctx: &egui::Context, req: CloseRequest, dossier: &str) {
        // A second closing, or one during a restore, is refused as the domain
        // would refuse it; while the store is being opened the button is greyed.
        let busy = if self.closing_job.is_pending() {
            Some(JobKind::Closing)
        } else if self.restore_job.is_pending() {
            Some(JobKind::Restore)
        } else {
            None
        };
        if let Some(kind) = busy {
            let refused = JobError::AlreadyRunning {
                kind,
                holder_pid: Some(std::process::id()),
            };
            if self.ctx.running_closing.is_none() {
                self.ctx.closing_result = Some(Err(messages::job_error(&refused)));
            }
            return;
        }
        if self.opening.is_pending() {
            return;
        }
        let Some(store_path) = self.ctx.store_path().map(Path::to_path_buf) else {
            return;
        };
        // Our own connection would keep the store busy: the job takes SQLite's
        // exclusive lock, and its marker makes every other opening wait.
        if matches!(self.ctx.store, StoreState::Open(_)) {
            self.ctx.store = StoreState::Opening;
            self.ctx.store_generation += 1;
        }
        let home = self.ctx.home.clone();
        let subject = format!("exercice {} du dossier « {dossier} »", req.year);
        self.closing_job
            .start_job(egui_ctx, "centre-cloture", move |progress, cancel| {
                closing::close_year(&home, &store_path, &req, true, progress, cancel)
                    .map_err(|e| messages::closing_error(&e))
            });
        self.ctx.closing_result = None;
        self.ctx.running_closing = Some(RunningJob {
            subject,
            progress: None,
            cancelling: false,
        });
    }

    /// Follows the backup, restore and closing jobs: their progress for the
    /// screens, then their results.
    fn poll_jobs(&mut self, egui_ctx: &egui::Context) {
        if self.backup_job.poll()
            && let Some(result) = self.backup_job.take()
            && let Some(running) = self.ctx.running_backup.take()
        {
            if let Err(e) = &result {
                tracing::warn!(script = %running.subject, error = %e.what, "sauvegarde non lancée");
            }
            self.ctx.backup_results.insert(running.subject, result);
            self.ctx.reload_scripts();
        } else if !self.backup_job.is_pending()
            && let Some(running) = self.ctx.running_backup.take()
        {
            self.backup_job.clear();
            self.ctx
                .backup_results
                .insert(running.subject, Err(interrupted()));
            self.ctx.reload_scripts();
        }
        if let Some(running) = &mut self.ctx.running_backup {
            running.progress = self.backup_job.progress().cloned();
            running.cancelling = self.backup_job.is_cancelling();
        }

        if self.restore_job.poll()
            && let Some(result) = self.restore_job.take()
        {
            self.ctx.running_restore = None;
            let outcome = match result {
                Ok(report) => Outcome::Done(messages::restore_success(&report)),
                Err(e) => Outcome::Failed(e),
            };
            self.ctx.set_outcome(Action::Restore, outcome);
            self.open_store(egui_ctx);
        } else if !self.restore_job.is_pending() && self.ctx.running_restore.is_some() {
            self.restore_job.clear();
            self.ctx.running_restore = None;
            self.ctx
                .set_outcome(Action::Restore, Outcome::Failed(interrupted()));
            self.open_store(egui_ctx);
        }
        if let Some(running) = &mut self.ctx.running_restore {
            running.progress = self.restore_job.progress().cloned();
            running.cancelling = self.restore_job.is_cancelling();
        }

        if self.closing_job.poll()
            && let Some(result) = self.closing_job.take()
        {
            self.ctx.running_closing = None;
            match &result {
                Ok(report) => tracing::info!(
                    dossier = %report.dossier,
                    year = report.year,
                    payslips = report.payslips_moved,
                    "exercice clôturé"
                ),
                Err(e) => tracing::warn!(error = %e.what, "exercice non clôturé"),
            }
            self.ctx.closing_result = Some(result);
            self.open_store(egui_ctx);
        } else if !self.closing_job.is_pending() && self.ctx.running_closing.is_some() {
            self.closing_job.clear();
            self.ctx.running_closing = None;
            self.ctx.closing_result = Some(Err(interrupted()));
            self.open_store(egui_ctx);
        }
        if let Some(running) = &mut self.ctx.running_closing {
            running.progress = self.closing_job.progress().cloned();
            running.cancelling = self.closing_job.is_cancelling();
        }
    }

    /// Writes the connection settings into `config.toml`, the rest unchanged; a
    /// new proxy password is encrypted first. Nothing is written on any failure.
    fn save_connection(&mut self, mut settings: ConnectionSettings, password: &PasswordChange) {
        if self.ctx.config().is_none() {
            return;
        }
        match password {
            PasswordChange::Keep => {}
            PasswordChange::Remove => settings.proxy.password_encrypted = None,
            PasswordChange::Replace(secret) => match SecretKey::load_or_create(&self.ctx.home) {
                Ok(key) => {
                    settings.proxy.password_encrypted = Some(key.encrypt(secret.expose()));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "clé de l'installation inutilisable");
                    self.ctx.set_outcome(
                        Action::SaveConnection,
                        Outcome::Failed(messages::secret_error(&e)),
                    );
                    return;
                }
            },
        }
        // Only the connection settings are this screen's: the rest is taken from
        // the file as it is now, so that another program's change is kept.
        let saved = Config::modify(&self.ctx.home, |current| {
            current.connection = settings;
            Ok::<_, crate::config::ConfigError>(current.clone())
        });
        match saved {
            Ok(config) => {
                tracing::info!("paramètres de connexion enregistrés");
                self.ctx.config = Ok(config);
                self.ctx.config_generation += 1;
                self.ctx.set_outcome(
                    Action::SaveConnection,
                    Outcome::Done("Les paramètres de connexion ont été enregistrés.".to_owned()),
                );
            }
            Err(e) => {
                tracing::warn!(error = %e, "paramètres de connexion non enregistrés");
                self.ctx.set_outcome(
                    Action::SaveConnection,
                    Outcome::Failed(messages::config_error(&e)),
                );
            }
        }
    }
}

/// The stored proxy password of `settings` in clear, for a server test; `None`
/// when there is none or it cannot be decrypted (the test then says the proxy
/// refused).
fn stored_proxy_password(home: &Home, settings: &ConnectionSettings) -> Option<String> {
    let stored = settings.proxy.password_encrypted.as_deref()?;
    let key = SecretKey::load_or_create(home)
        .map_err(|e| tracing::warn!(error = %e, "clé de l'installation inutilisable"))
        .ok()?;
    key.decrypt(stored)
        .map_err(|e| tracing::warn!(error = %e, "mot de passe du proxy illisible"))
        .ok()
}

/// A job that stopped without an answer (its thread could not start or died).
fn interrupted() -> Explanation {
    io_failure(
        "Opération interrompue",
        "L'opération s'est arrêtée avant la fin.".to_owned(),
        &std::io::Error::other("tâche de fond interrompue"),
    )
}

fn autostart_failure(e: &crate::autostart::AutostartError) -> Explanation {
    Explanation {
        title: "Démarrage avec la session".to_owned(),
        what: "Le démarrage avec la session n'a pas pu être modifié.".to_owned(),
        why: "Le gestionnaire de services ne démarrera pas comme demandé à la prochaine ouverture de session.".to_owned(),
        todo: "Vérifiez vos droits sur votre dossier personnel, puis réessayez.".to_owned(),
        details: e.to_string(),
    }
}

impl eframe::App for CentreApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        let asked: Vec<ScreenId> = self
            .requests
            .as_ref()
            .map(|rx| rx.try_iter().collect())
            .unwrap_or_default();
        for screen in asked {
            self.bring_forward(ctx, screen);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.frame_ui(ui);
    }
}
