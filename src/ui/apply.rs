//! Applying the screens' [`Command`]s, once per frame, at its end. A command
//! that only changes what the window shows (navigate, copy, quit) takes effect
//! at once; every other one starts background work ([`Work`]), whose answer the
//! shell applies when it arrives: nothing here reads or writes a file on the UI
//! thread.

use std::path::{Path, PathBuf};

use eframe::egui;

use super::app::CentreApp;
use super::background::{Settled, Work, io_failure};
use super::command::{Action, Command, PasswordChange};
use super::ctx::{Outcome, RunningJob, UpdateResult, UpdateStep};
use crate::assistance::{self, AssistanceAction};
use crate::backup::book::{BookError, ScriptBook};
use crate::backup::restore::{self, RestoreSource};
use crate::backup::run::{self, BackupContext, Trigger};
use crate::backup::schedule;
use crate::closing::{self, CloseRequest};
use crate::config::{Config, ConfigError, ConnectionSettings};
use crate::connection::auth;
use crate::connection::servers;
use crate::home::Home;
use crate::jobs::{JobError, JobKind};
use crate::messages::{self, Explanation};
use crate::secrets::SecretKey;
use crate::store::catalog::{self, CatalogError};
use crate::store::sessions::DisconnectError;
use crate::store::{Store, sessions};
use crate::support;

/// The three commands that change the active store: one at a time.
const STORE_CHANGES: [Action; 3] = [
    Action::SwitchStore,
    Action::CreateStore,
    Action::ForgetStore,
];

impl CentreApp {
    /// Applies the commands pushed this frame, in order.
    pub(super) fn apply_commands(&mut self, egui_ctx: &egui::Context) {
        let commands = std::mem::take(&mut self.ctx.commands);
        for command in commands {
            self.apply(egui_ctx, command);
        }
    }

    fn apply(&mut self, egui_ctx: &egui::Context, command: Command) {
        let home = self.ctx.home.clone();
        match command {
            Command::Navigate(screen) => self.navigate(screen),
            Command::ReloadConfig => self.load(egui_ctx),
            Command::ReloadStore => self.open_store(egui_ctx),
            Command::SaveConfig(config) => self.save_paths(egui_ctx, *config),
            Command::SetAutostart(enabled) => {
                self.start_work(
                    egui_ctx,
                    Work::Action(Action::Autostart),
                    "centre-demarrage-session",
                    move || Settled::Autostart(set_autostart(enabled).map(|()| enabled)),
                );
            }
            Command::SwitchStore(path) => {
                self.change_store(egui_ctx, Action::SwitchStore, catalog::switch_to, path);
            }
            Command::CreateStore(path) => {
                self.change_store(
                    egui_ctx,
                    Action::CreateStore,
                    catalog::create_and_activate,
                    path,
                );
            }
            Command::ForgetStore(path) => {
                self.change_store(egui_ctx, Action::ForgetStore, catalog::forget, path);
            }
            Command::ResetConfigKeepingCopy => {
                self.start_work(
                    egui_ctx,
                    Work::Action(Action::ResetConfig),
                    "centre-reglages-par-defaut",
                    move || {
                        Settled::ConfigReset(
                            crate::config::reset_keeping_copy(&home)
                                .map(|copy| (copy, Config::load(&home))),
                        )
                    },
                );
            }
            Command::CreateFolder(path) => {
                self.start_work(
                    egui_ctx,
                    Work::Action(Action::CreateFolder),
                    "centre-creation-dossier",
                    move || Settled::FolderCreated(create_folder(&path)),
                );
            }
            Command::CopyToClipboard(text) => egui_ctx.copy_text(text),
            Command::OpenFolder(path) => {
                self.start_work(
                    egui_ctx,
                    Work::Action(Action::OpenFolder),
                    "centre-ouverture-dossier",
                    move || Settled::Said(open_folder(&path)),
                );
            }
            Command::Quit => {
                self.quit_requested = true;
                egui_ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            Command::SaveConnection {
                settings,
                proxy_password,
            } => {
                if self.ctx.config().is_none() {
                    return;
                }
                self.start_work(
                    egui_ctx,
                    Work::Action(Action::SaveConnection),
                    "centre-enregistrement-connexion",
                    move || Settled::ConfigSaved {
                        result: save_connection(&home, *settings, &proxy_password),
                        done: "Les paramètres de connexion ont été enregistrés.".to_owned(),
                    },
                );
            }
            Command::TestServers {
                settings,
                proxy_password,
            } => {
                self.start_work(
                    egui_ctx,
                    Work::Action(Action::TestServers),
                    "centre-test-serveurs",
                    move || {
                        let password = proxy_password
                            .map(|p| p.expose().to_owned())
                            .or_else(|| stored_proxy_password(&home, &settings));
                        let report = servers::test_servers(&settings, password.as_deref());
                        if let Err(e) = report.save_last(&home) {
                            tracing::warn!(error = %e, "dernier test des serveurs non conservé");
                        }
                        Settled::ServerTest(Box::new(report))
                    },
                );
            }
            Command::RetryAuthentication => {
                self.start_work(
                    egui_ctx,
                    Work::Action(Action::Authenticate),
                    "centre-authentification",
                    move || Settled::Authenticated(Box::new(auth::authenticate_on_request(&home))),
                );
            }
            Command::EnableAssistance(code) => {
                self.switch_assistance(egui_ctx, AssistanceAction::Enable, code);
            }
            Command::DisableAssistance(code) => {
                self.switch_assistance(egui_ctx, AssistanceAction::Disable, code);
            }
            Command::SendSupport(request) => {
                self.start_work(
                    egui_ctx,
                    Work::Action(Action::SendSupport),
                    "centre-envoi-assistance",
                    move || {
                        Settled::Said(match support::send(&home, &request) {
                            Ok(()) => Outcome::Done(messages::SUPPORT_SENT.to_owned()),
                            Err(e) => {
                                tracing::warn!(error = %e, "demande d'assistance non envoyée");
                                Outcome::Failed(messages::support_error(&e))
                            }
                        })
                    },
                );
            }
            Command::SaveSupportReport { request, path } => {
                self.start_work(
                    egui_ctx,
                    Work::Action(Action::SaveSupportReport),
                    "centre-enregistrement-rapport",
                    move || {
                        Settled::Said(match support::save_report(&request, &path) {
                            Ok(()) => Outcome::Done(format!(
                                "Le rapport a été enregistré : {}",
                                path.display()
                            )),
                            Err(e) => Outcome::Failed(messages::support_error(&e)),
                        })
                    },
                );
            }
            Command::SaveScript { script, replacing } => {
                let name = script.name.clone();
                let done = match &replacing {
                    Some(_) => format!("Le script « {name} » a été enregistré."),
                    None => format!("Le script « {name} » a été créé."),
                };
                self.modify_scripts(egui_ctx, Action::SaveScript, move |book| {
                    book.upsert(*script, replacing.as_deref()).map(|()| done)
                });
            }
            Command::DeleteScript(name) => {
                self.ctx.backup_results.remove(&name);
                self.modify_scripts(egui_ctx, Action::DeleteScript, move |book| {
                    book.remove(&name).map(|_| {
                        format!(
                            "Le script « {name} » a été supprimé. Les sauvegardes qu'il a faites \
                             sont conservées."
                        )
                    })
                });
            }
            Command::PostponeScripts { names, days } => {
                let now = self.ctx.now();
                self.modify_scripts(egui_ctx, Action::ScheduleScripts, move |book| {
                    for name in &names {
                        let entry = book
                            .get_mut(name)
                            .ok_or_else(|| BookError::NotFound { name: name.clone() })?;
                        schedule::postpone(entry, days, &now);
                    }
                    Ok(messages::postponed_text(&names, days))
                });
            }
            Command::ClearPostponement(names) => {
                self.modify_scripts(egui_ctx, Action::ScheduleScripts, move |book| {
                    for name in &names {
                        schedule::clear_postponement(book.state_mut(name)?);
                    }
                    Ok(messages::postponement_cleared_text(&names))
                });
            }
            Command::RefreshStartDate(name) => {
                let now = self.ctx.now();
                self.modify_scripts(egui_ctx, Action::ScheduleScripts, move |book| {
                    let entry = book
                        .get_mut(&name)
                        .ok_or_else(|| BookError::NotFound { name: name.clone() })?;
                    let refreshed = schedule::refreshed_start(&entry.script, &now);
                    entry.script.start_date = refreshed;
                    Ok(messages::start_refreshed_text(&name, refreshed))
                });
            }
            Command::RunBackup(name) => self.start_backup(egui_ctx, name),
            Command::CancelBackup => self.background.cancel(Work::Backup),
            Command::Restore(source) => self.start_restore(egui_ctx, source),
            Command::CancelRestore => self.background.cancel(Work::Action(Action::Restore)),
            Command::CloseYear {
                dossier_id,
                year,
                dossier,
            } => self.start_closing(egui_ctx, CloseRequest { dossier_id, year }, &dossier),
            Command::CancelClosing => self.background.cancel(Work::Closing),
            Command::DismissClosing => self.ctx.closing_result = None,
            Command::RefreshUpdates => {
                self.start_work(
                    egui_ctx,
                    Work::Action(Action::RefreshUpdates),
                    "centre-actualiser-mises-a-jour",
                    move || {
                        Settled::UpdatesRefreshed(
                            crate::updates::manifest::refresh(&home, chrono::Utc::now())
                                .map_err(|e| messages::manifest_error(&e)),
                        )
                    },
                );
            }
            Command::DownloadUpdate(version) => {
                self.start_update(egui_ctx, UpdateStep::Download, version);
            }
            Command::InstallUpdate(version) => {
                self.start_update(egui_ctx, UpdateStep::Install, version);
            }
            Command::UpdateDatabase => {
                self.start_update(egui_ctx, UpdateStep::Database, String::new());
            }
            Command::CancelUpdate => self.background.cancel(Work::Update),
            Command::DismissUpdate => self.ctx.updates.result = None,
            Command::OpenFile(path) => {
                self.start_work(
                    egui_ctx,
                    Work::Action(Action::OpenFile),
                    "centre-ouverture-fichier",
                    move || Settled::Said(open_file(&path)),
                );
            }
            Command::DisconnectSession { id } => {
                let Some(path) = self.ctx.store_path().map(Path::to_path_buf) else {
                    return;
                };
                self.start_work(
                    egui_ctx,
                    Work::Action(Action::DisconnectSession),
                    "centre-deconnexion-session",
                    move || {
                        Settled::SessionClosed(
                            Store::open(&path)
                                .map_err(DisconnectError::from)
                                .and_then(|store| {
                                    sessions::disconnect(&store, id, chrono::Utc::now())
                                }),
                        )
                    },
                );
            }
            Command::Admin(command) => self.apply_admin(egui_ctx, command),
        }
    }

    /// "Enregistrer" in "Configurer les chemins": only the paths are this
    /// screen's; the rest is taken from the file as it is now, so that another
    /// program's change is kept.
    fn save_paths(&mut self, egui_ctx: &egui::Context, config: Config) {
        let home = self.ctx.home.clone();
        self.start_work(
            egui_ctx,
            Work::Action(Action::SaveConfig),
            "centre-enregistrement-chemins",
            move || {
                let saved = Config::modify(&home, |current| {
                    current.paths = config.paths;
                    Ok::<_, ConfigError>(current.clone())
                });
                match &saved {
                    Ok(_) => tracing::info!("configuration enregistrée"),
                    Err(e) => tracing::warn!(error = %e, "configuration non enregistrée"),
                }
                Settled::ConfigSaved {
                    result: saved.map_err(|e| messages::config_error(&e)),
                    done: "Les chemins ont été enregistrés.".to_owned(),
                }
            },
        );
    }

    /// Switches, creates or forgets a store as a job; one at a time (the domain
    /// refuses a second one too; here it is refused without a thread).
    fn change_store(
        &mut self,
        egui_ctx: &egui::Context,
        action: Action,
        job: fn(&Home, &Path) -> Result<Config, CatalogError>,
        path: PathBuf,
    ) {
        if STORE_CHANGES.iter().any(|a| self.ctx.is_pending(*a)) {
            return;
        }
        let home = self.ctx.home.clone();
        self.start_work(
            egui_ctx,
            Work::Action(action),
            "centre-changement-base",
            move || Settled::StoreChanged(job(&home, &path)),
        );
    }

    /// Enables or disables assistance mode with the typed code.
    fn switch_assistance(
        &mut self,
        egui_ctx: &egui::Context,
        action: AssistanceAction,
        code: super::Secret,
    ) {
        let home = self.ctx.home.clone();
        self.start_work(
            egui_ctx,
            Work::Action(Action::Assistance),
            "centre-mode-assistance",
            move || {
                let now = chrono::Local::now();
                Settled::Assistance(match action {
                    AssistanceAction::Enable => assistance::enable(&home, code.expose(), now),
                    AssistanceAction::Disable => assistance::disable(&home, code.expose(), now),
                })
            },
        );
    }

    /// Changes the backup scripts through [`ScriptBook::modify`] (locked
    /// read-change-write, so the service's changes are kept), then reads them
    /// again; `change` says what to tell when it worked.
    fn modify_scripts(
        &mut self,
        egui_ctx: &egui::Context,
        action: Action,
        change: impl FnOnce(&mut ScriptBook) -> Result<String, BookError> + Send + 'static,
    ) {
        let home = self.ctx.home.clone();
        self.start_work(
            egui_ctx,
            Work::Action(action),
            "centre-scripts-sauvegarde",
            move || {
                let outcome = match ScriptBook::modify(&home, change) {
                    Ok(done) => {
                        tracing::info!(?action, "scripts de sauvegarde enregistrés");
                        Outcome::Done(done)
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, ?action, "scripts de sauvegarde non modifiés");
                        Outcome::Failed(messages::book_error(&e))
                    }
                };
                Settled::ScriptsChanged {
                    outcome,
                    scripts: ScriptBook::load(&home),
                }
            },
        );
    }

    /// "Exécuter": runs the script as a job. A second run while one is under
    /// way is refused as the domain would refuse it.
    fn start_backup(&mut self, egui_ctx: &egui::Context, name: String) {
        if self.background.is_pending(Work::Backup) {
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
        let started = self.start_job_work(
            egui_ctx,
            Work::Backup,
            "centre-sauvegarde",
            move |progress, cancel| {
                Settled::BackupRun(
                    BackupContext::load(&home)
                        .map_err(|e| messages::run_error(&e))
                        .and_then(|ctx| {
                            run::run_script(&ctx, &script, Trigger::Manuel, progress, cancel)
                                .map_err(|e| messages::run_error(&e))
                        }),
                )
            },
        );
        if started {
            self.ctx.backup_results.remove(&name);
            self.ctx.running_backup = Some(RunningJob::new(name));
        }
    }

    /// "Restaurer": the store is taken out of the shell (the restore replaces
    /// its file), and the job closes it before it restores; the store is opened
    /// again at the end.
    fn start_restore(&mut self, egui_ctx: &egui::Context, source: RestoreSource) {
        if self.background.is_pending(Work::Action(Action::Restore))
            || self.background.is_pending(Work::OpenStore)
        {
            return;
        }
        let subject = match &source {
            RestoreSource::File(path) => path.display().to_string(),
            RestoreSource::Stored { name, .. } | RestoreSource::Safety { name } => name.clone(),
        };
        let store = self.take_store();
        let home = self.ctx.home.clone();
        let started = self.start_job_work(
            egui_ctx,
            Work::Action(Action::Restore),
            "centre-restauration",
            move |progress, cancel| {
                // Our own connection would keep the store busy while it is replaced.
                drop(store);
                Settled::Restored(
                    BackupContext::load(&home)
                        .map_err(|e| messages::run_error(&e))
                        .and_then(|ctx| {
                            restore::restore(&ctx, &source, progress, cancel)
                                .map_err(|e| messages::restore_error(&e))
                        }),
                )
            },
        );
        if started {
            self.ctx.running_restore = Some(RunningJob::new(subject));
        }
    }

    /// "Clôturer": the store is taken out of the shell (the job locks it for
    /// everyone, this centre included), and the job closes it before it starts;
    /// the store is opened again at the end.
    fn start_closing(&mut self, egui_ctx: &egui::Context, req: CloseRequest, dossier: &str) {
        // A second closing, or one during a restore, is refused as the domain
        // would refuse it; while the store is being opened the button is greyed.
        let busy = if self.background.is_pending(Work::Closing) {
            Some(JobKind::Closing)
        } else if self.background.is_pending(Work::Action(Action::Restore)) {
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
        if self.background.is_pending(Work::OpenStore) {
            return;
        }
        let Some(store_path) = self.ctx.store_path().map(Path::to_path_buf) else {
            return;
        };
        let store = self.take_store();
        let home = self.ctx.home.clone();
        let subject = format!("exercice {} du dossier « {dossier} »", req.year);
        let started = self.start_job_work(
            egui_ctx,
            Work::Closing,
            "centre-cloture",
            move |progress, cancel| {
                // Our own connection would keep the store busy: the job takes
                // SQLite's exclusive lock, and its marker makes every other
                // opening wait.
                drop(store);
                Settled::Closed(
                    closing::close_year(&home, &store_path, &req, true, progress, cancel)
                        .map_err(|e| messages::closing_error(&e)),
                )
            },
        );
        if started {
            self.ctx.closing_result = None;
            self.ctx.running_closing = Some(RunningJob::new(subject));
        }
    }
}

impl CentreApp {
    /// Starts a step of an update as a job (one at a time). The database update
    /// takes the store out of the shell, like a restore; the store is opened
    /// again when it ends.
    fn start_update(&mut self, egui_ctx: &egui::Context, step: UpdateStep, version: String) {
        if self.background.is_pending(Work::Update) {
            return;
        }
        let home = self.ctx.home.clone();
        let store = if step == UpdateStep::Database {
            self.take_store()
        } else {
            None
        };
        let accepted = self.ctx.updates.accepted.clone();
        let desktop = self.ctx.desktop.clone();
        let subject = match step {
            UpdateStep::Database => "la base de données".to_owned(),
            _ => format!("la version {version}"),
        };
        let started = self.start_job_work(
            egui_ctx,
            Work::Update,
            "centre-mise-a-jour",
            move |progress, cancel| {
                drop(store);
                Settled::UpdateStepEnded(run_update_step(
                    &home,
                    step,
                    &version,
                    accepted.as_ref(),
                    desktop.as_deref(),
                    progress,
                    cancel,
                ))
            },
        );
        if started {
            self.ctx.updates.result = None;
            self.ctx.updates.running = Some((step, RunningJob::new(subject)));
        }
    }
}

/// One step of an update, on the worker thread.
fn run_update_step(
    home: &Home,
    step: UpdateStep,
    version: &str,
    accepted: Option<&crate::updates::manifest::Accepted>,
    desktop: Option<&Path>,
    progress: &dyn crate::jobs::Progress,
    cancel: &crate::jobs::Cancel,
) -> UpdateResult {
    use crate::updates::{database, download, install, manifest};
    let failed = |e: Explanation| UpdateResult::Failed(step, e);
    if step == UpdateStep::Database {
        return match database::update_database(home, desktop, progress, cancel) {
            Ok(done) => UpdateResult::DatabaseUpdated(Box::new(done)),
            Err(e) => failed(messages::database_update_error(&e)),
        };
    }
    let Some(accepted) = accepted else {
        return failed(messages::manifest_error(
            &manifest::ManifestError::NoneAccepted,
        ));
    };
    let release = match download::choose(accepted, Some(version)) {
        Ok(r) => r.clone(),
        Err(e) => return failed(messages::download_error(&e)),
    };
    if step == UpdateStep::Download {
        let client = match manifest::UpdateClient::of_home(home) {
            Ok(c) => c,
            Err(e) => return failed(messages::manifest_error(&e)),
        };
        return match download::download(home, accepted, &release, &client, progress, cancel) {
            Ok(done) => UpdateResult::Downloaded(done),
            Err(e) => failed(messages::download_error(&e)),
        };
    }
    let Some(package) = download::verified_package(home, &release) else {
        return failed(messages::install_error(
            &install::InstallError::NotDownloaded {
                version: release.version.clone(),
            },
        ));
    };
    let opts = match install::InstallOptions::current() {
        Ok(o) => o,
        Err(e) => return failed(messages::install_error(&e)),
    };
    match install::install(home, &release, &package, &opts, progress, cancel) {
        Ok(done) => UpdateResult::Installed(done),
        Err(e) => failed(messages::install_error(&e)),
    }
}

/// Opens a file with the desktop's program for it, and says only when it
/// could not.
fn open_file(path: &Path) -> Outcome {
    let program = if cfg!(target_os = "windows") {
        "explorer"
    } else if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let spawned = std::process::Command::new(program)
        .arg(path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    match spawned {
        Ok(mut child) => {
            let _ = std::thread::Builder::new()
                .name("reap-child".into())
                .spawn(move || {
                    let _ = child.wait();
                });
            Outcome::Done(String::new())
        }
        Err(e) => Outcome::Failed(io_failure(
            "Fichier non ouvert",
            format!("Le fichier {} n'a pas pu être ouvert.", path.display()),
            &e,
        )),
    }
}

/// Creates a missing folder, and says so.
fn create_folder(path: &Path) -> Outcome {
    match std::fs::create_dir_all(path) {
        Ok(()) => Outcome::Done(format!("Le dossier {} a été créé.", path.display())),
        Err(e) => Outcome::Failed(io_failure(
            "Dossier non créé",
            format!("Le dossier {} n'a pas pu être créé.", path.display()),
            &e,
        )),
    }
}

/// Shows a folder in the file manager, and says only when it could not.
fn open_folder(path: &Path) -> Outcome {
    match crate::service::actions::open_folder(path) {
        Ok(()) => Outcome::Done(String::new()),
        Err(e) => Outcome::Failed(io_failure(
            "Dossier non ouvert",
            format!("Le dossier {} n'a pas pu être ouvert.", path.display()),
            &e,
        )),
    }
}

/// Turns "Démarrer avec la session" on or off.
fn set_autostart(enabled: bool) -> Result<(), Explanation> {
    if enabled {
        let exe = std::env::current_exe().map_err(|e| {
            io_failure(
                "Démarrage avec la session",
                "Le programme ne retrouve pas son propre fichier.".to_owned(),
                &e,
            )
        })?;
        crate::autostart::enable(&exe)
            .map(|_| ())
            .map_err(|e| autostart_failure(&e))
    } else {
        crate::autostart::disable().map_err(|e| autostart_failure(&e))
    }
}

/// Writes the connection settings into `config.toml` through [`Config::modify`]
/// (only they are this screen's: another program's change to the rest is kept);
/// a new proxy password is encrypted first. Nothing is written on any failure.
fn save_connection(
    home: &Home,
    mut settings: ConnectionSettings,
    password: &PasswordChange,
) -> Result<Config, Explanation> {
    match password {
        PasswordChange::Keep => {}
        PasswordChange::Remove => settings.proxy.password_encrypted = None,
        PasswordChange::Replace(secret) => {
            let key = SecretKey::load_or_create(home).map_err(|e| {
                tracing::warn!(error = %e, "clé de l'installation inutilisable");
                messages::secret_error(&e)
            })?;
            settings.proxy.password_encrypted = Some(key.encrypt(secret.expose()));
        }
    }
    let saved = Config::modify(home, |current| {
        current.connection = settings;
        Ok::<_, ConfigError>(current.clone())
    });
    match saved {
        Ok(config) => {
            tracing::info!("paramètres de connexion enregistrés");
            Ok(config)
        }
        Err(e) => {
            tracing::warn!(error = %e, "paramètres de connexion non enregistrés");
            Err(messages::config_error(&e))
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

fn autostart_failure(e: &crate::autostart::AutostartError) -> Explanation {
    Explanation {
        title: "Démarrage avec la session".to_owned(),
        what: "Le démarrage avec la session n'a pas pu être modifié.".to_owned(),
        why: "Le gestionnaire de services ne démarrera pas comme demandé à la prochaine ouverture de session.".to_owned(),
        todo: "Vérifiez vos droits sur votre dossier personnel, puis réessayez.".to_owned(),
        details: e.to_string(),
    }
}
