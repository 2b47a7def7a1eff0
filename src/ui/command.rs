//! The intents screens push ([`Command`]) and the kinds of commands whose answer
//! is shown next to the control that sent them ([`Action`]). A screen never
//! changes the shared state itself: a button pushes a command, and the shell
//! applies every command once, at the end of the frame (`egui_demo_app`'s
//! `Command`, rerun's `SystemCommand`). A command that reaches the disk, the
//! network or another program runs on a worker thread; its state — pending,
//! done, failed — is kept as an [`Outcome`](super::Outcome) per [`Action`].

use std::path::PathBuf;

use super::ScreenId;
use crate::backup::BackupScript;
use crate::backup::restore::RestoreSource;
use crate::config::{Config, ConnectionSettings};
use crate::support::SupportRequest;

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
    /// [`Command::TestServers`]; the report itself is [`AppCtx::server_test`](super::AppCtx::server_test).
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
    /// The commands of "Administrer" ([`Command::Admin`]).
    Admin(super::admin::AdminAction),
    /// [`Command::RefreshUpdates`]: « Actualiser ».
    RefreshUpdates,
    /// [`Command::OpenFile`].
    OpenFile,
}

/// An intent pushed by a screen; the shell applies it at the end of the frame.
/// Unless said otherwise, a command that reads or writes a file runs on a worker
/// thread, and its state shows next to its control through its [`Action`].
#[derive(Debug)]
pub enum Command {
    /// Show a screen. Screens this version does not have are ignored.
    Navigate(ScreenId),
    /// Read `config.toml`, the service's state and the scripts again (after the
    /// file was fixed by hand), then reopen the store.
    ReloadConfig,
    /// Open the active store again ("Réessayer").
    ReloadStore,
    /// Save the paths of this configuration, already validated by the screen,
    /// through [`Config::modify`] (the rest is taken from the file as it is now,
    /// so that another program's change is kept); the store is reopened when its
    /// path changed.
    SaveConfig(Box<Config>),
    /// Turn "Démarrer avec la session" on or off (the autostart entry of the
    /// desktop session).
    SetAutostart(bool),
    /// Make the existing store at this path active: a job that opens it first and
    /// changes nothing if it does not open.
    SwitchStore(PathBuf),
    /// Create a new empty store at this path (the user confirmed) and make it active.
    CreateStore(PathBuf),
    /// Remove a store from the list of known stores; its file is never touched.
    ForgetStore(PathBuf),
    /// Keep a dated copy of `config.toml`, write the defaults, read them back and
    /// reopen the store.
    ResetConfigKeepingCopy,
    /// Create a missing folder (for the paths of "Configurer les chemins").
    CreateFolder(PathBuf),
    /// Put text on the clipboard (at once: it is the window's own clipboard).
    CopyToClipboard(String),
    /// Show a folder in the file manager (started on a worker thread).
    OpenFolder(PathBuf),
    /// Close the centre (at once).
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
    /// [`AppCtx::server_test`](super::AppCtx::server_test) and saved as the last test.
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
    /// is kept). Written through [`ScriptBook::modify`](crate::backup::book::ScriptBook::modify).
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
    /// `dossier_id`, as a job with progress ([`closing::close_year`](crate::closing::close_year), its
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
    /// "Administrer": accounts, Net-entreprises tests, licences (see
    /// [`AdminCommand`](super::admin::AdminCommand)).
    Admin(super::admin::AdminCommand),
    /// « Actualiser »: fetch and verify the update manifest (a refusal is
    /// explained); the answer is [`AppCtx::updates`](super::AppCtx::updates).
    RefreshUpdates,
    /// « Télécharger »: download the package of this version, as a job with
    /// progress and « Annuler », resuming an earlier try.
    DownloadUpdate(String),
    /// « Installer » (after the assistant): install this downloaded version, as
    /// a job; the centre restarts on the new program once it is in place.
    InstallUpdate(String),
    /// « Mise à jour de la base de données »: a verified backup, then the
    /// migrations, as a job; the store is opened again after.
    UpdateDatabase,
    /// « Annuler » during a download or before the database update changes
    /// anything.
    CancelUpdate,
    /// Forget the end of the last update step (back to the list).
    DismissUpdate,
    /// Open a file with the desktop's program for it (the OPCO report).
    OpenFile(PathBuf),
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
