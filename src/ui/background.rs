//! The shell's background work. Everything the shell itself does on the disk,
//! the network or the store — reading `config.toml` and the service's state at
//! start, opening the store, re-reading what other programs change, and every
//! [`Command`](super::Command) that writes — runs as a [`Task`] keyed by
//! [`Work`], on a named worker thread. What it comes back with ([`Settled`]) is
//! applied on the UI thread, once per frame, like the commands. The window thus
//! keeps drawing when a store or a backup folder sits on a network share that
//! no longer answers.
//!
//! A store is closed by the worker that follows it (closing writes to the
//! file), never by the UI thread.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use eframe::egui;

use super::app::CentreApp;
use super::command::Action;
use super::ctx::{
    BackupResult, ClosingResult, Outcome, RunningJob, StoreState, UpdateResult, UpdateStep,
};
use super::task::{Task, TaskState};
use crate::assistance::{AssistanceError, AssistanceOutcome};
use crate::backup::book::{BookError, ScriptBook};
use crate::backup::restore::RestoreReport;
use crate::config::{Config, ConfigError};
use crate::connection::auth::{AuthError, AuthOutcome, Authentication};
use crate::connection::servers::ServerTestReport;
use crate::home::Home;
use crate::jobs::{Cancel, Progress};
use crate::messages::{self, Explanation};
use crate::service::persist::PersistedState;
use crate::service::state::ConnectionState;
use crate::store::catalog::CatalogError;
use crate::store::sessions::{DisconnectError, SessionInfo};
use crate::store::{Store, StoreError};

/// How often the service's state, the scripts and the store's size are read
/// again (the service changes them).
const REFRESH_EVERY: Duration = Duration::from_secs(5);

/// The shell's kinds of background work; one of each runs at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Work {
    /// Reading `config.toml`, the service's state and the scripts (at start,
    /// and again on [`Command::ReloadConfig`](super::Command::ReloadConfig)).
    Load,
    /// Opening the active store.
    OpenStore,
    /// Reading again what other programs change: the service's state, the
    /// backup scripts, the store's size.
    Refresh,
    /// "Exécuter": a backup run.
    Backup,
    /// "Clôturer": a year-end closing.
    Closing,
    /// A step of an update: download, install or database update.
    Update,
    /// A command whose answer is shown next to its control (a restore too).
    Action(Action),
}

/// What was read at start (or again after "Réessayer").
#[derive(Debug)]
pub(super) struct Loaded {
    config: Result<Config, ConfigError>,
    persisted: PersistedState,
    scripts: Result<ScriptBook, BookError>,
    autostart: bool,
}

impl Loaded {
    /// Reads everything the centre shows apart from the store.
    pub(super) fn read(home: &Home) -> Self {
        let config = Config::load(home);
        if let Err(e) = &config {
            tracing::warn!(error = %e, "configuration illisible");
        }
        let scripts = ScriptBook::load(home);
        if let Err(e) = &scripts {
            tracing::warn!(error = %e, "scripts de sauvegarde illisibles");
        }
        Self {
            config,
            persisted: PersistedState::load(home),
            scripts,
            autostart: crate::autostart::is_enabled(),
        }
    }
}

/// What background work comes back with; applied on the UI thread.
#[derive(Debug)]
pub(super) enum Settled {
    /// [`Work::Load`].
    Loaded(Box<Loaded>),
    /// [`Work::OpenStore`]: the store, and its size on disk.
    StoreOpened {
        result: Result<Store, StoreError>,
        size: Option<u64>,
    },
    /// [`Work::Refresh`]; the store's size when it was open.
    Refreshed {
        persisted: PersistedState,
        scripts: Result<ScriptBook, BookError>,
        store_size: Option<u64>,
        /// An installation replaced the program's file.
        program_replaced: bool,
    },
    /// A command's answer and nothing else to change.
    Said(Outcome),
    /// "Créer le dossier": path checks run again.
    FolderCreated(Outcome),
    /// "Démarrer avec la session": the new setting, or why it did not change.
    Autostart(Result<bool, Explanation>),
    /// The configuration saved (paths, connection settings), and what to say.
    ConfigSaved {
        result: Result<Config, Explanation>,
        done: String,
    },
    /// "Rétablir les valeurs par défaut": the copy kept, and the new
    /// configuration read back.
    ConfigReset(Result<(Option<PathBuf>, Result<Config, ConfigError>), ConfigError>),
    /// Another store made active, created or forgotten.
    StoreChanged(Result<Config, CatalogError>),
    /// "Tester l'accès aux serveurs".
    ServerTest(Box<ServerTestReport>),
    /// "Relancer l'authentification".
    Authenticated(Box<Result<Authentication, AuthError>>),
    /// Assistance mode switched, or not.
    Assistance(Result<AssistanceOutcome, AssistanceError>),
    /// The backup scripts changed (or not), and read again.
    ScriptsChanged {
        outcome: Outcome,
        scripts: Result<ScriptBook, BookError>,
    },
    /// A session left behind by a crash, removed (or not).
    SessionClosed(Result<SessionInfo, DisconnectError>),
    /// [`Work::Backup`].
    BackupRun(BackupResult),
    /// A restore.
    Restored(Result<RestoreReport, Explanation>),
    /// [`Work::Closing`].
    Closed(ClosingResult),
    /// "Administrer" work.
    Admin(Box<super::admin::AdminSettled>),
    /// « Actualiser ».
    UpdatesRefreshed(Result<crate::updates::manifest::Accepted, Explanation>),
    /// [`Work::Update`].
    UpdateStepEnded(UpdateResult),
}

/// The shell's tasks, one per kind of work.
#[derive(Debug, Default)]
pub(super) struct Background {
    tasks: HashMap<Work, Task<Settled>>,
    /// The egui time of the last refresh.
    last_refresh: Option<f64>,
}

impl Background {
    /// Whether any of the shell's work runs.
    pub(super) fn is_busy(&self) -> bool {
        self.tasks.values().any(Task::is_pending)
    }

    /// Whether work of kind `work` runs.
    pub(super) fn is_pending(&self, work: Work) -> bool {
        self.tasks.get(&work).is_some_and(Task::is_pending)
    }

    /// The last progress of the job of kind `work` that runs.
    pub(super) fn progress(&self, work: Work) -> Option<super::task::JobProgress> {
        self.tasks.get(&work).and_then(|t| t.progress().cloned())
    }

    /// Asks the job of kind `work` to stop at its next check.
    pub(super) fn cancel(&self, work: Work) {
        if let Some(task) = self.tasks.get(&work) {
            task.cancel();
        }
    }

    /// Forgets a refresh under way: what it reads may be older than a change
    /// the centre is making.
    fn forget_refresh(&mut self) {
        self.tasks.remove(&Work::Refresh);
    }
}

impl CentreApp {
    /// Starts `work` of kind `key` on a thread named `thread_name`, unless work
    /// of that kind runs already (its control is greyed then; a second click
    /// changes nothing). A command's answer shows as pending meanwhile.
    pub(super) fn start_work(
        &mut self,
        egui_ctx: &egui::Context,
        key: Work,
        thread_name: &str,
        work: impl FnOnce() -> Settled + Send + 'static,
    ) -> bool {
        self.start_job_work(egui_ctx, key, thread_name, move |_, _| work())
    }

    /// As [`start_work`](Self::start_work), for a job that reports its
    /// progress and heeds "Annuler".
    pub(super) fn start_job_work(
        &mut self,
        egui_ctx: &egui::Context,
        key: Work,
        thread_name: &str,
        work: impl FnOnce(&dyn Progress, &Cancel) -> Settled + Send + 'static,
    ) -> bool {
        let task = self.background.tasks.entry(key).or_default();
        if task.is_pending() {
            return false;
        }
        task.start_job(egui_ctx, thread_name, work);
        if !task.is_pending() {
            // No thread: say it where the answer would have been.
            self.stopped_short(egui_ctx, key);
            return false;
        }
        if let Work::Action(action) = key {
            self.ctx.set_outcome(action, Outcome::Pending);
        }
        true
    }

    /// Reads `config.toml`, the service's state and the scripts on a worker
    /// thread; the store is opened once they are known.
    pub(super) fn load(&mut self, egui_ctx: &egui::Context) {
        let home = self.ctx.home.clone();
        // A newer reading replaces one under way.
        self.background.tasks.remove(&Work::Load);
        self.start_work(egui_ctx, Work::Load, "centre-lecture-reglages", move || {
            Settled::Loaded(Box::new(Loaded::read(&home)))
        });
    }

    /// Takes the store out of the shell for a job that replaces or locks its
    /// file: the store shows as being opened until the job ends. The job closes
    /// it first, on its own thread.
    pub(super) fn take_store(&mut self) -> Option<Store> {
        if !matches!(self.ctx.store, StoreState::Open(_)) {
            return None;
        }
        self.ctx.store_generation += 1;
        match std::mem::replace(&mut self.ctx.store, StoreState::Opening) {
            StoreState::Open(store) => Some(store),
            _ => None,
        }
    }

    /// Opens the active store on a worker thread, after closing the one open
    /// (on that thread too).
    pub(super) fn open_store(&mut self, egui_ctx: &egui::Context) {
        let previous = self.take_open_store();
        let Some(path) = self.ctx.store_path().map(Path::to_path_buf) else {
            close_elsewhere(previous);
            self.ctx.store = StoreState::NotConfigured;
            self.ctx.store_generation += 1;
            return;
        };
        self.ctx.store = match std::mem::replace(&mut self.ctx.store, StoreState::Opening) {
            StoreState::Failed(e) | StoreState::Retrying(e) => StoreState::Retrying(e),
            _ => StoreState::Opening,
        };
        // A newer opening replaces one under way (its store is closed by its
        // own thread).
        self.background.tasks.remove(&Work::OpenStore);
        self.start_work(
            egui_ctx,
            Work::OpenStore,
            "centre-ouverture-base",
            move || {
                drop(previous);
                let result = Store::open(&path);
                let size = result
                    .as_ref()
                    .ok()
                    .map(|store| crate::store::size_on_disk(store.path()));
                Settled::StoreOpened { result, size }
            },
        );
    }

    /// The open store, taken out without a change of generation (it is opened
    /// again at once).
    fn take_open_store(&mut self) -> Option<Store> {
        if !matches!(self.ctx.store, StoreState::Open(_)) {
            return None;
        }
        match std::mem::replace(&mut self.ctx.store, StoreState::Opening) {
            StoreState::Open(store) => Some(store),
            _ => None,
        }
    }

    /// Reads again what other programs change, every few seconds.
    pub(super) fn refresh_when_due(&mut self, egui_ctx: &egui::Context) {
        let now = egui_ctx.input(|i| i.time);
        let due = self
            .background
            .last_refresh
            .is_none_or(|t| now - t >= REFRESH_EVERY.as_secs_f64());
        // Nothing to compare with before the first reading.
        if due && self.ctx.config_read() && !self.background.is_pending(Work::Load) {
            self.background.last_refresh = Some(now);
            if !self.background.is_pending(Work::Refresh) {
                self.refresh(egui_ctx);
            }
        }
        egui_ctx.request_repaint_after(REFRESH_EVERY);
    }

    /// Reads the service's state, the scripts and the store's size again now;
    /// a reading under way is dropped (it may predate a change just made).
    pub(super) fn refresh(&mut self, egui_ctx: &egui::Context) {
        self.background.forget_refresh();
        let home = self.ctx.home.clone();
        let store = match &self.ctx.store {
            StoreState::Open(store) => Some(store.path().to_path_buf()),
            _ => None,
        };
        let program = self.program.clone();
        self.start_work(egui_ctx, Work::Refresh, "centre-actualisation", move || {
            Settled::Refreshed {
                persisted: PersistedState::load(&home),
                scripts: ScriptBook::load(&home),
                store_size: store.map(|path| crate::store::size_on_disk(&path)),
                program_replaced: program.is_some_and(|p| p.replaced()),
            }
        });
    }

    /// Takes the answers of the shell's work that arrived, applies them, and
    /// keeps the progress of the jobs for the screens.
    pub(super) fn poll_background(&mut self, egui_ctx: &egui::Context) {
        let mut arrived = Vec::new();
        let mut stopped = Vec::new();
        for (key, task) in &mut self.background.tasks {
            if task.poll() {
                if let Some(settled) = task.take() {
                    arrived.push((*key, settled));
                }
            } else if task.state() == TaskState::Failed {
                task.clear();
                stopped.push(*key);
            }
        }
        for (key, settled) in arrived {
            self.settle(egui_ctx, key, settled);
        }
        for key in stopped {
            self.stopped_short(egui_ctx, key);
        }
        self.follow_jobs();
        self.follow_admin();
    }

    /// Copies the progress of the jobs under way where the screens read it.
    fn follow_jobs(&mut self) {
        let tasks = &self.background.tasks;
        let follow = |running: &mut Option<RunningJob>, key: Work| {
            if let (Some(running), Some(task)) = (running.as_mut(), tasks.get(&key)) {
                running.progress = task.progress().cloned();
                running.cancelling = task.is_cancelling();
            }
        };
        follow(&mut self.ctx.running_backup, Work::Backup);
        follow(&mut self.ctx.running_restore, Work::Action(Action::Restore));
        follow(&mut self.ctx.running_closing, Work::Closing);
        if let (Some((_, running)), Some(task)) =
            (self.ctx.updates.running.as_mut(), tasks.get(&Work::Update))
        {
            running.progress = task.progress().cloned();
            running.cancelling = task.is_cancelling();
        }
    }

    /// Applies what work of kind `key` came back with.
    fn settle(&mut self, egui_ctx: &egui::Context, key: Work, settled: Settled) {
        let action = match key {
            Work::Action(action) => Some(action),
            _ => None,
        };
        let say = |app: &mut Self, outcome: Outcome| {
            if let Some(action) = action {
                app.ctx.set_outcome(action, outcome);
            }
        };
        match settled {
            Settled::Loaded(loaded) => {
                let Loaded {
                    config,
                    persisted,
                    scripts,
                    autostart,
                } = *loaded;
                self.ctx.config = Some(config);
                self.ctx.autostart = autostart;
                self.ctx.config_generation += 1;
                self.ctx.set_persisted(persisted);
                self.ctx.set_scripts(scripts);
                // Just read: the next refresh is due a full period later.
                self.background.last_refresh = Some(egui_ctx.input(|i| i.time));
                self.open_store(egui_ctx);
            }
            Settled::StoreOpened { result, size } => {
                self.ctx.store = match result {
                    Ok(store) => {
                        self.ctx.store_size = size;
                        StoreState::Open(store)
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "base de données inaccessible");
                        StoreState::Failed(e)
                    }
                };
                self.ctx.store_generation += 1;
            }
            Settled::Refreshed {
                persisted,
                scripts,
                store_size,
                program_replaced,
            } => {
                if program_replaced {
                    self.restart_on_new_program();
                }
                self.ctx.set_persisted(persisted);
                // The service changes the scripts' states after its runs.
                self.ctx.set_scripts(scripts);
                if store_size.is_some() && matches!(self.ctx.store, StoreState::Open(_)) {
                    self.ctx.store_size = store_size;
                }
            }
            Settled::Said(outcome) => say(self, outcome),
            Settled::FolderCreated(outcome) => {
                self.ctx.fs_generation += 1;
                say(self, outcome);
            }
            Settled::Autostart(result) => {
                let outcome = match result {
                    Ok(enabled) => {
                        self.ctx.autostart = enabled;
                        // The forms showing it read it again.
                        self.ctx.config_generation += 1;
                        Outcome::Done(autostart_done(enabled).to_owned())
                    }
                    Err(e) => Outcome::Failed(e),
                };
                say(self, outcome);
            }
            Settled::ConfigSaved { result, done } => match result {
                Ok(config) => {
                    let previous = self.ctx.store_path().map(Path::to_path_buf);
                    let store_changed = previous.as_deref() != Some(config.paths.store.as_path());
                    self.ctx.config = Some(Ok(config));
                    self.ctx.config_generation += 1;
                    say(self, Outcome::Done(done));
                    if store_changed {
                        self.open_store(egui_ctx);
                    }
                }
                Err(e) => say(self, Outcome::Failed(e)),
            },
            Settled::ConfigReset(result) => match result {
                Ok((copy, config)) => {
                    let message = config_reset_done(copy.as_deref());
                    tracing::info!("configuration remise aux valeurs par défaut");
                    self.ctx.notice = Some(message.clone());
                    say(self, Outcome::Done(message));
                    self.ctx.config = Some(config);
                    self.ctx.config_generation += 1;
                    self.open_store(egui_ctx);
                }
                Err(e) => say(self, Outcome::Failed(messages::config_error(&e))),
            },
            Settled::StoreChanged(result) => {
                if let Some(action) = action {
                    self.store_changed(egui_ctx, action, result);
                }
            }
            Settled::ServerTest(report) => {
                self.ctx.server_test = Some(*report);
                say(self, Outcome::Done(String::new()));
            }
            Settled::Authenticated(result) => {
                self.ctx.state_generation += 1;
                let outcome = match *result {
                    Ok(done) => {
                        self.ctx.persisted = done.state;
                        match &done.outcome {
                            // Why this time (an untrusted certificate said as
                            // such), and whether the service will try again.
                            AuthOutcome::Unreachable { step, problem } => {
                                let next_retry = match &self.ctx.persisted.connection {
                                    ConnectionState::Unreachable { next_retry } => {
                                        next_retry.clone()
                                    }
                                    _ => None,
                                };
                                Outcome::Failed(messages::auth_unreachable(
                                    *step,
                                    problem,
                                    next_retry.as_deref(),
                                    self.ctx.support_address(),
                                    env!("CARGO_PKG_VERSION"),
                                ))
                            }
                            _ => self.authentication_outcome(),
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "authentification non relancée");
                        Outcome::Failed(messages::auth_error(&e))
                    }
                };
                say(self, outcome);
            }
            Settled::Assistance(result) => {
                self.ctx.state_generation += 1;
                let outcome = match result {
                    Ok(o) => Outcome::Done(messages::assistance_outcome(&o)),
                    Err(e) => {
                        tracing::warn!(error = %e, "mode assistance inchangé");
                        Outcome::Failed(messages::assistance_error(&e))
                    }
                };
                say(self, outcome);
            }
            Settled::ScriptsChanged { outcome, scripts } => {
                self.ctx.set_scripts(scripts);
                say(self, outcome);
            }
            Settled::SessionClosed(result) => {
                self.ctx.sessions_generation += 1;
                let outcome = match result {
                    Ok(session) => {
                        tracing::info!(session = session.id, "session interrompue fermée");
                        Outcome::Done(messages::session_closed(&session))
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "session non fermée");
                        Outcome::Failed(messages::disconnect_error(&e))
                    }
                };
                say(self, outcome);
            }
            Settled::BackupRun(result) => {
                if let Some(running) = self.ctx.running_backup.take() {
                    if let Err(e) = &result {
                        tracing::warn!(script = %running.subject, error = %e.what, "sauvegarde non lancée");
                    }
                    self.ctx.backup_results.insert(running.subject, result);
                }
            }
            Settled::Restored(result) => {
                self.ctx.running_restore = None;
                let outcome = match result {
                    Ok(report) => Outcome::Done(messages::restore_success(&report)),
                    Err(e) => Outcome::Failed(e),
                };
                say(self, outcome);
                self.open_store(egui_ctx);
            }
            Settled::UpdatesRefreshed(result) => {
                self.ctx.updates.generation += 1;
                match result {
                    Ok(accepted) => {
                        self.ctx.updates.accepted = Some(accepted);
                        say(self, Outcome::Done(String::new()));
                    }
                    Err(e) => say(self, Outcome::Failed(e)),
                }
            }
            Settled::UpdateStepEnded(result) => {
                self.ctx.updates.running = None;
                let database = matches!(
                    result,
                    UpdateResult::DatabaseUpdated(_)
                        | UpdateResult::Failed(UpdateStep::Database, _)
                );
                self.ctx.updates.result = Some(result);
                if database {
                    self.open_store(egui_ctx);
                }
            }
            Settled::Closed(result) => {
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
            }
            Settled::Admin(settled) => self.settle_admin(*settled),
        }
        // Commands and jobs may have changed what other programs change too
        // (the service's state, the scripts' states, the store's size): read
        // them again now rather than at the next tick.
        if matches!(
            key,
            Work::Action(_) | Work::Backup | Work::Closing | Work::Update
        ) {
            self.refresh(egui_ctx);
        }
    }

    /// Work of kind `key` stopped without an answer (its thread could not
    /// start, or died): say so where its answer would have been.
    fn stopped_short(&mut self, egui_ctx: &egui::Context, key: Work) {
        match key {
            Work::Load => {
                self.ctx.config.get_or_insert_with(|| {
                    Err(ConfigError::Read {
                        path: self.ctx.home.config_file(),
                        source: std::io::Error::other("lecture interrompue"),
                    })
                });
                self.ctx.config_generation += 1;
            }
            Work::OpenStore => {
                self.ctx.store = StoreState::Failed(StoreError::Io {
                    path: self
                        .ctx
                        .store_path()
                        .map(Path::to_path_buf)
                        .unwrap_or_default(),
                    source: std::io::Error::other("ouverture interrompue"),
                });
                self.ctx.store_generation += 1;
            }
            Work::Refresh => {}
            Work::Backup => {
                if let Some(running) = self.ctx.running_backup.take() {
                    self.ctx
                        .backup_results
                        .insert(running.subject, Err(interrupted()));
                }
                self.refresh(egui_ctx);
            }
            Work::Closing => {
                if self.ctx.running_closing.take().is_some() {
                    self.ctx.closing_result = Some(Err(interrupted()));
                }
                self.open_store(egui_ctx);
            }
            Work::Update => {
                if let Some((step, _)) = self.ctx.updates.running.take() {
                    self.ctx.updates.result = Some(UpdateResult::Failed(step, interrupted()));
                }
                self.open_store(egui_ctx);
            }
            Work::Action(action) => {
                self.ctx.set_outcome(action, Outcome::Failed(interrupted()));
                if action == Action::Restore {
                    self.ctx.running_restore = None;
                    self.open_store(egui_ctx);
                }
            }
        }
    }

    /// Applies the end of a store switch, creation or removal from the list.
    fn store_changed(
        &mut self,
        egui_ctx: &egui::Context,
        action: Action,
        result: Result<Config, CatalogError>,
    ) {
        match result {
            Ok(config) => {
                let path = config.paths.store.clone();
                let previous = self.ctx.store_path().map(Path::to_path_buf);
                self.ctx.config = Some(Ok(config));
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
                crate::updates::program_version(),
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
}

/// Closes `store` on a thread of its own, for the rare case where no worker
/// follows it.
pub(super) fn close_elsewhere(store: Option<Store>) {
    let Some(store) = store else {
        return;
    };
    let spawned = std::thread::Builder::new()
        .name("centre-fermeture-base".into())
        .spawn(move || drop(store));
    if let Err(e) = spawned {
        // The store was moved into the closure that could not run, and is
        // closed with it.
        tracing::warn!(error = %e, "base fermée sans tâche de fond");
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
pub(super) fn io_failure(title: &str, what: String, source: &std::io::Error) -> Explanation {
    Explanation {
        title: title.to_owned(),
        what,
        why: "Le système a refusé l'opération.".to_owned(),
        todo: "Vérifiez le chemin et vos droits sur ce dossier, puis réessayez.".to_owned(),
        details: source.to_string(),
    }
}

/// What "Démarrer avec la session" says once changed.
fn autostart_done(enabled: bool) -> &'static str {
    if enabled {
        "Le gestionnaire de services démarrera avec la session."
    } else {
        "Le gestionnaire de services ne démarrera plus avec la session."
    }
}

/// What "Rétablir les valeurs par défaut" says once done, naming the copy kept.
fn config_reset_done(copy: Option<&Path>) -> String {
    match copy {
        Some(copy) => format!(
            "Les valeurs par défaut ont été rétablies. Une copie de l'ancien fichier a été \
             conservée : {}",
            copy.display()
        ),
        None => "Les valeurs par défaut ont été rétablies.".to_owned(),
    }
}

/// Work that stopped without an answer (its thread could not start or died).
pub(super) fn interrupted() -> Explanation {
    io_failure(
        "Opération interrompue",
        "L'opération s'est arrêtée avant la fin.".to_owned(),
        &std::io::Error::other("tâche de fond interrompue"),
    )
}
