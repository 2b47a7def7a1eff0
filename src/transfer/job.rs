//! « Transférer »: the job that sends the chosen stores to the secure space,
//! one after the other, each in two steps, the seed's columns:
//!
//! - « C », compression: the verified archive of the backup code
//!   ([`archive::build_archive`]: snapshot, integrity check, manifest). An
//!   archive kept from an earlier run is used again only while the store still
//!   holds the same data (same files, or else a new snapshot hashing as the
//!   manifest says); a store changed since is compressed again, and the upload
//!   of the outdated archive removed from the server.
//! - « T », transfer: a tus upload ([`super::tus`]), created once, its address
//!   written to the state file before the first byte goes, then resumed from
//!   the server's offset after a cut, a SIGKILL or a shutdown.
//!
//! Then one completion call gives the receipt. Stores the server already
//! acknowledged are not sent again. Everything the next run needs is in the
//! state file ([`super::state`]), saved after each step.

use std::collections::{BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Local, Utc};
use serde::Serialize;
use sha2::{Digest as _, Sha256};
use url::Url;

use super::prereq::{self, Acknowledged, Blocker};
use super::server::{self, CompletedFile, ServerError, TransferStatus};
use super::state::{ArchiveRecord, RunRecord, StateError, StoreStamp, TransferState, UploadRecord};
use super::tus::{Sharebox, TusError};
use crate::backup::archive::{self, ArchiveFault};
use crate::backup::destination::PARTIAL_PREFIX;
use crate::config::{Config, ConfigError, ConnectionKind, ConnectionSettings, ProxySettings};
use crate::connection::servers::{ServerProblem, Step};
use crate::home::Home;
use crate::installation::{Installation, InstallationError};
use crate::jobs::{Cancel, JobError, JobKind, JobLock, Phase, Progress};
use crate::secrets::{SecretError, SecretKey};

/// The folder of `<staging>` that holds the archives being sent.
pub const STAGING_FOLDER: &str = "transfert";

/// How often a row's gauge is told to the window at most.
const GAUGE_EVERY: Duration = Duration::from_millis(100);

/// The speed shown is measured over this much recent time.
const SPEED_WINDOW: Duration = Duration::from_secs(3);

/// The proxy typed in the window « La connexion à Sharebox en mode direct n'a
/// pu s'établir » (or on the command line).
#[derive(Clone, PartialEq, Eq)]
pub struct FallbackProxy {
    /// Its address.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// Its user; empty for none.
    pub user: String,
    /// Its password.
    pub password: ProxyPassword,
    /// Keep it (password encrypted) in the connection settings once it
    /// worked, to be offered first next time.
    pub save: bool,
}

impl std::fmt::Debug for FallbackProxy {
    /// Everything but the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FallbackProxy")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("save", &self.save)
            .finish_non_exhaustive()
    }
}

/// The password of a [`FallbackProxy`].
#[derive(Clone, PartialEq, Eq)]
pub enum ProxyPassword {
    /// None.
    None,
    /// The one saved in the connection settings (offered first).
    Saved,
    /// The one typed.
    Typed(String),
}

/// What to send.
#[derive(Debug, Clone, Default)]
pub struct TransferRequest {
    /// The stores, in the order of the list.
    pub stores: Vec<PathBuf>,
    /// The data items the user chose to send anyway.
    pub acknowledged: BTreeSet<Acknowledged>,
    /// The proxy of the fallback window, when the direct way failed.
    pub proxy: Option<FallbackProxy>,
}

/// Where a step (« C » or « T ») of a store stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    /// Not started.
    Waiting,
    /// Under way.
    Running,
    /// Done in this run.
    Done,
    /// Done before: the archive kept (C) or the store already received (T).
    AlreadyDone,
    /// Stopped on an error.
    Failed,
    /// Stopped by « Annuler ».
    Cancelled,
}

/// The gauge of a row: what is done of the step under way, its speed and the
/// time left.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Gauge {
    /// The step (its phase).
    pub phase: Option<Phase>,
    /// Bytes done.
    pub done: u64,
    /// Bytes in all (0 when unknown).
    pub total: u64,
    /// Bytes per second, once measured.
    pub bytes_per_sec: Option<f64>,
    /// Seconds left at that speed.
    pub seconds_left: Option<u64>,
}

impl Gauge {
    /// Empty.
    pub const EMPTY: Self = Self {
        phase: None,
        done: 0,
        total: 0,
        bytes_per_sec: None,
        seconds_left: None,
    };

    /// The part done, between 0 and 1, when the total is known.
    pub fn fraction(&self) -> Option<f32> {
        (self.total > 0).then(|| (self.done.min(self.total) as f64 / self.total as f64) as f32)
    }
}

/// One row of the window: a store, its gauge, its « C » and « T ».
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoreRow {
    /// The store.
    pub store: PathBuf,
    /// Its name (the file's).
    pub name: String,
    /// « C ».
    pub compression: StepState,
    /// « T ».
    pub transfer: StepState,
    /// « Progression ».
    pub gauge: Gauge,
}

/// Receives the rows as they change. Cheap: called often.
pub trait TransferProgress: Send + Sync {
    /// Row `index` (in the order of the request) is now `row`.
    fn row(&self, index: usize, row: &StoreRow);
}

/// Progress that goes nowhere.
pub struct NoTransferProgress;

impl TransferProgress for NoTransferProgress {
    fn row(&self, _index: usize, _row: &StoreRow) {}
}

/// What became of one store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoreOutcome {
    /// The store.
    pub store: PathBuf,
    /// Its name.
    pub name: String,
    /// The archive's size.
    pub size_bytes: u64,
    /// The archive's SHA-256 (what the server has).
    pub sha256: String,
    /// When its snapshot was taken.
    pub made_at: DateTime<Utc>,
    /// When the server had it whole.
    pub received_at: Option<DateTime<Utc>>,
    /// The receipt of its completion.
    pub receipt: String,
    /// When it was acknowledged.
    pub completed_at: DateTime<Utc>,
    /// Received by an earlier run: nothing was sent this time.
    pub already_received: bool,
    /// The offset this run's upload started from (what the server kept).
    pub resumed_from: u64,
    /// The bytes this run put on the wire for it.
    pub bytes_sent: u64,
    /// The archive of an earlier run was replaced: the store had changed.
    pub recompressed: bool,
}

/// What a transfer did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransferReport {
    /// When the run started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub ended_at: DateTime<Utc>,
    /// Each store, in the order of the request.
    pub stores: Vec<StoreOutcome>,
    /// The data items sent anyway.
    pub acknowledged: Vec<Acknowledged>,
    /// Who receives the report.
    pub recipients: Vec<String>,
    /// The subject the server gave.
    pub subject: String,
    /// The proxy of the fallback window, when it was used (`hôte:port`).
    pub via_proxy: Option<String>,
}

/// Why a transfer stopped. The state file keeps what was done: the next run
/// goes on from there.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// No store chosen.
    #[error("no store to send")]
    NoStore,
    /// Another transfer, or a backup, runs.
    #[error(transparent)]
    Job(#[from] JobError),
    /// The configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The workstation's identity.
    #[error(transparent)]
    Installation(#[from] InstallationError),
    /// A stored password could not be decrypted.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The state file.
    #[error(transparent)]
    State(#[from] StateError),
    /// The authentication server did not say whether the transfer is open,
    /// or refused the completion.
    #[error("transfer server: {0}")]
    Server(#[from] ServerError),
    /// The transfer is not open for this installation.
    #[error("transfer not open: {message}")]
    Closed {
        /// The server's words.
        message: String,
    },
    /// Prerequisites are unmet (checked again at the start).
    #[error("{} prerequisite(s) unmet", blockers.len())]
    Prerequisites {
        /// What blocks.
        blockers: Vec<Blocker>,
    },
    /// A store could not be compressed.
    #[error("archive of {store}: {}", fault.technical)]
    Archive {
        /// The store.
        store: PathBuf,
        /// Why (boxed: the error stays small on the happy path).
        fault: Box<ArchiveFault>,
    },
    /// The connection to the secure space could not be established: the
    /// proxy window's case.
    #[error("secure space unreachable ({step:?}): {problem}")]
    NotEstablished {
        /// Where it broke.
        step: Step,
        /// What went wrong.
        problem: ServerProblem,
        /// The proxy of the fallback window, when it was used (`hôte:port`).
        via_proxy: Option<String>,
    },
    /// The upload of a store stopped.
    #[error("upload of {store}: {error}")]
    Upload {
        /// The store.
        store: PathBuf,
        /// Why.
        error: TusError,
    },
    /// The staging folder could not be used.
    #[error("cannot use {path}: {source}")]
    Io {
        /// The folder or file.
        path: PathBuf,
        /// The system error.
        source: std::io::Error,
    },
    /// « Annuler »: what was done is kept.
    #[error("cancelled")]
    Cancelled,
}

/// The rows as they stand, and the observer told of every change.
struct Board<'a> {
    rows: Mutex<Vec<StoreRow>>,
    meters: Mutex<Vec<Meter>>,
    observer: &'a dyn TransferProgress,
}

/// The speed of one row's step, over the last few seconds.
#[derive(Default)]
struct Meter {
    samples: VecDeque<(Instant, u64)>,
    last_told: Option<Instant>,
}

impl Meter {
    fn restart(&mut self) {
        self.samples.clear();
        self.last_told = None;
    }

    /// Records `done` now and gives the speed, when enough time has passed.
    fn speed(&mut self, done: u64) -> Option<f64> {
        let now = Instant::now();
        self.samples.push_back((now, done));
        while self
            .samples
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) > SPEED_WINDOW)
            && self.samples.len() > 2
        {
            self.samples.pop_front();
        }
        let (t0, d0) = *self.samples.front()?;
        let span = now.duration_since(t0).as_secs_f64();
        (span >= 0.3).then(|| done.saturating_sub(d0) as f64 / span)
    }
}

impl<'a> Board<'a> {
    fn new(rows: Vec<StoreRow>, observer: &'a dyn TransferProgress) -> Self {
        let meters = rows.iter().map(|_| Meter::default()).collect();
        for (i, row) in rows.iter().enumerate() {
            observer.row(i, row);
        }
        Self {
            rows: Mutex::new(rows),
            meters: Mutex::new(meters),
            observer,
        }
    }

    /// Changes row `i` and tells the observer.
    fn set(&self, i: usize, change: impl FnOnce(&mut StoreRow)) {
        let Ok(mut rows) = self.rows.lock() else {
            return;
        };
        if let Some(row) = rows.get_mut(i) {
            change(row);
            self.observer.row(i, row);
        }
    }

    /// A new step on row `i`: its phase and total.
    fn phase(&self, i: usize, phase: Phase, total: u64) {
        if let Ok(mut meters) = self.meters.lock()
            && let Some(m) = meters.get_mut(i)
        {
            m.restart();
        }
        self.set(i, |row| {
            row.gauge = Gauge {
                phase: Some(phase),
                done: 0,
                total,
                bytes_per_sec: None,
                seconds_left: None,
            };
        });
    }

    /// `done` bytes of the step of row `i`; told at most every
    /// [`GAUGE_EVERY`] (and always at the end).
    fn advance(&self, i: usize, done: u64) {
        let Ok(mut meters) = self.meters.lock() else {
            return;
        };
        let Some(meter) = meters.get_mut(i) else {
            return;
        };
        let speed = meter.speed(done);
        let total = self
            .rows
            .lock()
            .ok()
            .and_then(|r| r.get(i).map(|r| r.gauge.total))
            .unwrap_or(0);
        let due = meter.last_told.is_none_or(|t| t.elapsed() >= GAUGE_EVERY)
            || (total > 0 && done >= total);
        if !due {
            return;
        }
        meter.last_told = Some(Instant::now());
        drop(meters);
        self.set(i, |row| {
            row.gauge.done = done;
            row.gauge.bytes_per_sec = speed;
            row.gauge.seconds_left = speed
                .filter(|s| *s > 0.0 && total > 0)
                .map(|s| (total.saturating_sub(done) as f64 / s).ceil() as u64);
        });
    }
}

/// The compression's progress for row `i`: the backup code's phases, as
/// bytes of the store.
struct RowProgress<'a, 'b> {
    board: &'a Board<'b>,
    index: usize,
    /// The store's size, for the copy phase that counts pages.
    store_bytes: u64,
    pages: Mutex<u64>,
}

impl Progress for RowProgress<'_, '_> {
    fn phase(&self, phase: Phase, total: u64) {
        if phase == Phase::CopyStore {
            if let Ok(mut pages) = self.pages.lock() {
                *pages = total.max(1);
            }
            self.board.phase(self.index, phase, self.store_bytes);
        } else {
            self.board.phase(self.index, phase, total);
        }
    }

    fn advance(&self, done: u64) {
        let phase = self
            .board
            .rows
            .lock()
            .ok()
            .and_then(|r| r.get(self.index).and_then(|r| r.gauge.phase));
        let done = if phase == Some(Phase::CopyStore) {
            let pages = self.pages.lock().map_or(1, |p| *p);
            (u128::from(done) * u128::from(self.store_bytes) / u128::from(pages.max(1))) as u64
        } else {
            done
        };
        self.board.advance(self.index, done);
    }
}

/// The name of a store, as the report and the server know it: its file name.
pub fn store_name(store: &Path) -> String {
    store.file_name().map_or_else(
        || store.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The archive's file name for `store` made at `at`: the store's name, a
/// short fingerprint of its path (two stores of the same name in two folders
/// get two archives), the time.
fn archive_file_name(store: &Path, at: DateTime<Local>) -> String {
    let stem = store
        .file_stem()
        .map_or_else(|| "base".into(), |n| n.to_string_lossy().into_owned());
    let stem: String = stem
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let digest = Sha256::digest(store.as_os_str().as_encoded_bytes());
    format!(
        "transfert-{stem}-{}-{}{}",
        &archive::hex(&digest)[..8],
        at.format("%Y%m%d-%H%M%S"),
        crate::backup::destination::ARCHIVE_SUFFIX
    )
}

/// Sends the stores of `request` to the secure space. The state file keeps
/// every step, so that a run stopped anywhere (error, « Annuler », SIGKILL)
/// is taken up by the next one.
pub fn run(
    home: &Home,
    request: &TransferRequest,
    progress: &dyn TransferProgress,
    cancel: &Cancel,
) -> Result<TransferReport, TransferError> {
    crate::fsutil::debug_assert_not_ui_thread("transfer::run");
    crate::connection::install_crypto_provider();
    if request.stores.is_empty() {
        return Err(TransferError::NoStore);
    }
    let _transfer = JobLock::acquire(home, JobKind::Transfer)?;
    // No backup meanwhile: it would write its journal into a store being sent.
    let _backup = JobLock::acquire(home, JobKind::Backup)?;
    let started_at = Utc::now();
    let config = Config::load(home)?;
    let installation = Installation::load_or_create(home)?;
    let settings = &config.connection;
    let key = SecretKey::load_or_create(home)?;
    let proxy_password = match (&settings.kind, &settings.proxy.password_encrypted) {
        (ConnectionKind::Proxy, Some(stored)) => Some(key.decrypt(stored)?),
        _ => None,
    };
    let (upload_url, recipients, subject) =
        match server::status(settings, proxy_password.as_deref(), &installation)? {
            TransferStatus::Open {
                upload_url,
                recipients,
                subject,
            } => (upload_url, recipients, subject),
            TransferStatus::Closed { message } => return Err(TransferError::Closed { message }),
        };
    let found = prereq::check(home, &request.stores, Local::now());
    let blockers = found.blockers(&request.acknowledged);
    if !blockers.is_empty() {
        return Err(TransferError::Prerequisites { blockers });
    }
    let acknowledged = found.applied(&request.acknowledged);
    check_cancel(cancel)?;

    let mut state = TransferState::load(home)?;
    state.last_run = Some(RunRecord {
        started_at,
        ended_at: None,
        stores: request.stores.clone(),
        recipients: recipients.clone(),
        subject: subject.clone(),
        acknowledged: acknowledged.clone(),
    });
    state.save(home)?;
    let staging = config.paths.staging.join(STAGING_FOLDER);
    prepare_staging(&staging)?;

    let rows: Vec<StoreRow> = request
        .stores
        .iter()
        .map(|store| {
            let done = state
                .record(store)
                .is_some_and(super::state::StoreRecord::done);
            let step = if done {
                StepState::AlreadyDone
            } else {
                StepState::Waiting
            };
            StoreRow {
                store: store.clone(),
                name: store_name(store),
                compression: step,
                transfer: step,
                gauge: Gauge::EMPTY,
            }
        })
        .collect();
    let board = Board::new(rows, progress);
    let mut run = Run {
        home,
        staging: &staging,
        board: &board,
        cancel,
        state: &mut state,
        sharebox: None,
    };
    let mut outcomes: Vec<Option<StoreOutcome>> = vec![None; request.stores.len()];
    let to_send: Vec<usize> = (0..request.stores.len())
        .filter(|&i| {
            !run.state
                .record(&request.stores[i])
                .is_some_and(super::state::StoreRecord::done)
        })
        .collect();
    let mut via_proxy = None;
    if !to_send.is_empty() {
        // The way to the secure space first: a window to fill comes before
        // minutes of compression, not after.
        let (sharebox, via) = connect(
            settings,
            proxy_password.as_deref(),
            request.proxy.as_ref(),
            &key,
            &upload_url,
        )?;
        if let (Some(proxy), Some(_)) = (&request.proxy, &via)
            && proxy.save
        {
            save_fallback_proxy(home, proxy, &key)?;
        }
        via_proxy = via;
        run.sharebox = Some(sharebox);
    }
    for &i in &to_send {
        let store = &request.stores[i];
        let (mut sent, recompressed) = run.send(i, store, &installation)?;
        sent.recompressed = recompressed;
        outcomes[i] = Some(sent);
    }

    // The completion: the stores received in this run (or received before and
    // never acknowledged, after a cut just before the call).
    let pending: Vec<(usize, CompletedFile)> = request
        .stores
        .iter()
        .enumerate()
        .filter_map(|(i, store)| {
            let record = run.state.record(store)?;
            if record.done() {
                return None;
            }
            let archive = record.archive.as_ref()?;
            let upload = record.upload.as_ref()?;
            upload.received_at?;
            Some((
                i,
                CompletedFile {
                    upload_url: upload.url.clone(),
                    sha256: archive.sha256.clone(),
                    size: archive.size_bytes,
                    store_name: store_name(store),
                },
            ))
        })
        .collect();
    if !pending.is_empty() {
        let files: Vec<CompletedFile> = pending.iter().map(|(_, f)| f.clone()).collect();
        let receipt = server::complete(settings, proxy_password.as_deref(), &installation, &files)?;
        let completed_at = Utc::now();
        for (i, _) in &pending {
            let store = &request.stores[*i];
            let record = run.state.record_mut(store);
            record.completion = Some(super::state::Completion {
                receipt: receipt.clone(),
                completed_at,
            });
            // The server has it: the archive is no longer needed here.
            if let Some(archive) = &record.archive {
                remove_archive(&staging.join(&archive.file_name));
            }
        }
        run.state.save(home)?;
    }
    let ended_at = Utc::now();
    if let Some(last) = run.state.last_run.as_mut() {
        last.ended_at = Some(ended_at);
    }
    run.state.save(home)?;

    let stores = request
        .stores
        .iter()
        .enumerate()
        .map(|(i, store)| {
            let record = run.state.record(store);
            let archive = record.and_then(|r| r.archive.clone());
            let completion = record.and_then(|r| r.completion.clone());
            let this_run = outcomes[i].clone();
            StoreOutcome {
                store: store.clone(),
                name: store_name(store),
                size_bytes: archive.as_ref().map_or(0, |a| a.size_bytes),
                sha256: archive
                    .as_ref()
                    .map(|a| a.sha256.clone())
                    .unwrap_or_default(),
                made_at: archive.as_ref().map_or(started_at, |a| a.made_at),
                received_at: record.and_then(|r| r.upload.as_ref()?.received_at),
                receipt: completion
                    .as_ref()
                    .map(|c| c.receipt.clone())
                    .unwrap_or_default(),
                completed_at: completion.map_or(ended_at, |c| c.completed_at),
                already_received: this_run.is_none(),
                resumed_from: this_run.as_ref().map_or(0, |o| o.resumed_from),
                bytes_sent: this_run.as_ref().map_or(0, |o| o.bytes_sent),
                recompressed: this_run.is_some_and(|o| o.recompressed),
            }
        })
        .collect();
    let report = TransferReport {
        started_at,
        ended_at,
        stores,
        acknowledged,
        recipients,
        subject,
        via_proxy,
    };
    tracing::info!(
        bases = report.stores.len(),
        proxy = report.via_proxy.as_deref().unwrap_or("aucun"),
        "transfert des bases terminé"
    );
    Ok(report)
}

/// Keeps the proxy of the fallback window in the connection settings, its
/// password encrypted, to be offered first next time. The connection kind is
/// not changed: the other calls go on as the user set them.
pub fn save_fallback_proxy(
    home: &Home,
    proxy: &FallbackProxy,
    key: &SecretKey,
) -> Result<(), TransferError> {
    let encrypted = match &proxy.password {
        ProxyPassword::Typed(p) if !p.is_empty() => Some(Some(key.encrypt(p))),
        ProxyPassword::Typed(_) | ProxyPassword::None => Some(None),
        ProxyPassword::Saved => None,
    };
    Config::modify(home, |config| {
        let saved = &mut config.connection.proxy;
        proxy.host.trim().clone_into(&mut saved.host);
        saved.port = proxy.port;
        proxy.user.trim().clone_into(&mut saved.user);
        if let Some(password) = encrypted {
            saved.password_encrypted = password;
        }
        Ok::<(), TransferError>(())
    })?;
    tracing::info!(proxy = %format!("{}:{}", proxy.host, proxy.port), "proxy du transfert enregistré");
    Ok(())
}

/// The way to the secure space: with the connection settings, or through the
/// proxy of the fallback window. Returns the link and, for a fallback proxy,
/// its `hôte:port`.
fn connect(
    settings: &ConnectionSettings,
    proxy_password: Option<&str>,
    fallback: Option<&FallbackProxy>,
    key: &SecretKey,
    upload_url: &Url,
) -> Result<(Sharebox, Option<String>), TransferError> {
    let Some(proxy) = fallback else {
        return Sharebox::connect(settings, proxy_password, upload_url)
            .map(|s| (s, None))
            .map_err(|e| not_established(e, None));
    };
    let shown = format!("{}:{}", proxy.host.trim(), proxy.port);
    let mut through = settings.clone();
    through.kind = ConnectionKind::Proxy;
    through.proxy = ProxySettings {
        host: proxy.host.trim().to_owned(),
        port: proxy.port,
        user: proxy.user.trim().to_owned(),
        password_encrypted: None,
    };
    let password = match &proxy.password {
        ProxyPassword::None => None,
        ProxyPassword::Typed(p) => Some(p.clone()),
        ProxyPassword::Saved => settings
            .proxy
            .password_encrypted
            .as_deref()
            .map(|stored| key.decrypt(stored))
            .transpose()?,
    };
    Sharebox::connect(&through, password.as_deref(), upload_url)
        .map(|s| (s, Some(shown.clone())))
        .map_err(|e| not_established(e, Some(shown)))
}

fn not_established(e: TusError, via_proxy: Option<String>) -> TransferError {
    match e {
        TusError::NotEstablished { step, problem } => TransferError::NotEstablished {
            step,
            problem,
            via_proxy,
        },
        TusError::Lost { problem } => TransferError::NotEstablished {
            step: Step::Http,
            problem,
            via_proxy,
        },
        other => TransferError::Upload {
            store: PathBuf::new(),
            error: other,
        },
    }
}

/// Makes the staging folder and removes what a run killed in the middle left
/// there (half-written archives and snapshots): only one transfer runs at a
/// time, so nothing partial there belongs to anyone.
fn prepare_staging(staging: &Path) -> Result<(), TransferError> {
    std::fs::create_dir_all(staging).map_err(|source| TransferError::Io {
        path: staging.to_path_buf(),
        source,
    })?;
    let entries = std::fs::read_dir(staging).map_err(|source| TransferError::Io {
        path: staging.to_path_buf(),
        source,
    })?;
    for entry in entries.flatten() {
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with(PARTIAL_PREFIX)
        {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    Ok(())
}

/// Removes an archive made read-only.
fn remove_archive(path: &Path) {
    if let Ok(meta) = std::fs::metadata(path) {
        let mut permissions = meta.permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        permissions.set_readonly(false);
        let _ = std::fs::set_permissions(path, permissions);
    }
    let _ = std::fs::remove_file(path);
}

fn check_cancel(cancel: &Cancel) -> Result<(), TransferError> {
    if cancel.is_cancelled() {
        Err(TransferError::Cancelled)
    } else {
        Ok(())
    }
}

/// One run's working set.
struct Run<'a, 'b> {
    home: &'a Home,
    staging: &'a Path,
    board: &'a Board<'b>,
    cancel: &'a Cancel,
    state: &'a mut TransferState,
    sharebox: Option<Sharebox>,
}

/// Where the archive sent for a store comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// Made by an earlier run; the store still holds the same data.
    Kept,
    /// Made by this run; there was none.
    New,
    /// Made by this run in place of an earlier one: the store had changed.
    Replaced,
}

impl<'a, 'b> Run<'a, 'b> {
    fn save(&self) -> Result<(), TransferError> {
        Ok(self.state.save(self.home)?)
    }

    /// « C » then « T » for store `i`; returns what this run did, and whether
    /// the archive of an earlier run had to be replaced.
    fn send(
        &mut self,
        i: usize,
        store: &Path,
        installation: &Installation,
    ) -> Result<(StoreOutcome, bool), TransferError> {
        let result = self.compress(i, store).and_then(|(record, replaced)| {
            self.upload(i, store, &record, installation)
                .map(|outcome| (outcome, replaced))
        });
        if let Err(e) = &result {
            let state = if matches!(e, TransferError::Cancelled) {
                StepState::Cancelled
            } else {
                StepState::Failed
            };
            self.board.set(i, |row| {
                if row.compression == StepState::Running {
                    row.compression = state;
                }
                if row.transfer == StepState::Running {
                    row.transfer = state;
                }
            });
        }
        result
    }

    /// « C »: the archive of an earlier run when the store still holds the
    /// same data, else a new one; checked once more just before it is sent
    /// (« a change to the store after compression is detected before
    /// sending »). Returns it and whether an earlier archive was replaced.
    fn compress(&mut self, i: usize, store: &Path) -> Result<(ArchiveRecord, bool), TransferError> {
        self.board
            .set(i, |row| row.compression = StepState::Running);
        let kept = self.state.record(store).and_then(|r| r.archive.clone());
        let (mut record, mut origin) = match kept {
            Some(kept) => self.ensure_current(i, store, kept)?,
            None => (self.build(i, store)?, Origin::New),
        };
        if origin != Origin::Kept && StoreStamp::of(store) != record.stamp {
            let (checked, again) = self.ensure_current(i, store, record)?;
            record = checked;
            if again != Origin::Kept {
                origin = Origin::Replaced;
            }
        }
        self.board.set(i, |row| {
            row.compression = if origin == Origin::Kept {
                StepState::AlreadyDone
            } else {
                StepState::Done
            };
        });
        Ok((record, origin == Origin::Replaced))
    }

    /// `kept` if it still is the store (and is whole in staging), else a new
    /// archive; `true` when it was replaced.
    fn ensure_current(
        &mut self,
        i: usize,
        store: &Path,
        kept: ArchiveRecord,
    ) -> Result<(ArchiveRecord, Origin), TransferError> {
        let path = self.staging.join(&kept.file_name);
        let whole = std::fs::metadata(&path).is_ok_and(|m| m.len() == kept.size_bytes);
        if whole {
            let now = StoreStamp::of(store);
            let same_data = if now == kept.stamp {
                true
            } else {
                let progress = self.row_progress(i, store);
                self.board.phase(i, Phase::TransferCompare, 0);
                let (sha, _) =
                    archive::snapshot_sha256(store, self.staging, &progress, self.cancel)
                        .map_err(|e| archive_error(store, &e))?;
                sha == kept.database_sha256
            };
            if same_data {
                self.board
                    .phase(i, Phase::TransferCheckArchive, kept.size_bytes);
                let sha = archive::sha256_file(&path).map_err(|source| TransferError::Io {
                    path: path.clone(),
                    source,
                })?;
                if sha == kept.sha256 {
                    let record = self.state.record_mut(store);
                    if let Some(a) = record.archive.as_mut() {
                        a.stamp = now;
                    }
                    let kept = record.archive.clone().unwrap_or(kept);
                    self.save()?;
                    return Ok((kept, Origin::Kept));
                }
                tracing::warn!(archive = %path.display(), "archive du transfert modifiée sur le disque : refaite");
            } else {
                tracing::info!(base = %store.display(), "base modifiée depuis sa compression : nouvelle archive");
            }
        }
        self.forget_archive(store, &kept);
        Ok((self.build(i, store)?, Origin::Replaced))
    }

    /// An archive no longer wanted: its upload removed from the server (best
    /// effort), its file removed, both forgotten.
    fn forget_archive(&mut self, store: &Path, kept: &ArchiveRecord) {
        let upload = self.state.record(store).and_then(|r| r.upload.clone());
        if let (Some(upload), Some(sharebox)) = (upload, &self.sharebox)
            && let Ok(url) = Url::parse(&upload.url)
            && let Err(e) = sharebox.terminate(&url)
        {
            tracing::warn!(error = %e, "ancien dépôt non supprimé du serveur");
        }
        remove_archive(&self.staging.join(&kept.file_name));
        let record = self.state.record_mut(store);
        record.archive = None;
        record.upload = None;
    }

    fn row_progress(&self, i: usize, store: &Path) -> RowProgress<'a, 'b> {
        RowProgress {
            board: self.board,
            index: i,
            store_bytes: crate::store::size_on_disk(store),
            pages: Mutex::new(1),
        }
    }

    /// A new archive of `store`, recorded (with the stamp of the store just
    /// before its snapshot) before anything is sent.
    fn build(&mut self, i: usize, store: &Path) -> Result<ArchiveRecord, TransferError> {
        let stamp = StoreStamp::of(store);
        let name = archive_file_name(store, Local::now());
        let built = {
            let progress = self.row_progress(i, store);
            archive::build_archive(store, self.staging, &name, None, &progress, self.cancel)
                .map_err(|e| archive_error(store, &e))?
        };
        // Immutable from now on: what is sent is what was checked.
        if let Ok(meta) = std::fs::metadata(&built.path) {
            let mut permissions = meta.permissions();
            permissions.set_readonly(true);
            let _ = std::fs::set_permissions(&built.path, permissions);
        }
        let record = ArchiveRecord {
            file_name: name,
            size_bytes: built.size_bytes,
            sha256: built.sha256_hex,
            database_sha256: built.manifest.database_sha256,
            database_size: built.manifest.database_size,
            made_at: built.manifest.created_at,
            stamp,
        };
        let entry = self.state.record_mut(store);
        entry.archive = Some(record.clone());
        entry.upload = None;
        entry.completion = None;
        self.save()?;
        Ok(record)
    }

    /// « T »: the upload of `archive`, resumed where the server stands.
    fn upload(
        &mut self,
        i: usize,
        store: &Path,
        archive: &ArchiveRecord,
        installation: &Installation,
    ) -> Result<StoreOutcome, TransferError> {
        check_cancel(self.cancel)?;
        let upload_error = |error: TusError| match error {
            TusError::Cancelled => TransferError::Cancelled,
            error => TransferError::Upload {
                store: store.to_path_buf(),
                error,
            },
        };
        let Some(sharebox) = self.sharebox.as_ref() else {
            return Err(TransferError::NoStore);
        };
        self.board.set(i, |row| row.transfer = StepState::Running);
        self.board
            .phase(i, Phase::TransferUpload, archive.size_bytes);
        let endpoint = sharebox.endpoint.to_string();
        let existing = self
            .state
            .record(store)
            .and_then(|r| r.upload.clone())
            .filter(|u| u.archive_sha256 == archive.sha256);
        let mut resumed = None;
        if let Some(up) = &existing
            && up.endpoint == endpoint
            && let Ok(url) = Url::parse(&up.url)
        {
            match sharebox.offset(&url) {
                Ok(offset) if offset <= archive.size_bytes => resumed = Some((url, offset)),
                Ok(_) | Err(TusError::Gone) => {
                    tracing::info!(depot = %up.url, "dépôt inconnu du serveur : il est recréé");
                }
                Err(e) => return Err(upload_error(e)),
            }
        } else if let Some(up) = &existing
            && let Ok(url) = Url::parse(&up.url)
        {
            // Another secure space now: the old upload is of no use.
            let _ = sharebox.terminate(&url);
        }
        let (url, from) = if let Some(found) = resumed {
            found
        } else {
            let store_label = store_name(store);
            let installation_id = installation.installation_id.to_string();
            let url = sharebox
                .create(
                    archive.size_bytes,
                    &[
                        ("filename", archive.file_name.as_str()),
                        ("installation_id", installation_id.as_str()),
                        ("sha256", archive.sha256.as_str()),
                        ("store_name", store_label.as_str()),
                    ],
                )
                .map_err(upload_error)?;
            // Its address is on disk before the first byte goes.
            self.state.record_mut(store).upload = Some(UploadRecord {
                endpoint: endpoint.clone(),
                url: url.to_string(),
                archive_sha256: archive.sha256.clone(),
                created_at: Utc::now(),
                received_at: None,
            });
            self.save()?;
            (url, 0)
        };
        let path = self.staging.join(&archive.file_name);
        let board = self.board;
        let sent = sharebox
            .upload(
                &url,
                &path,
                archive.size_bytes,
                from,
                &|at| board.advance(i, at),
                self.cancel,
            )
            .map_err(upload_error)?;
        board.advance(i, archive.size_bytes);
        board.set(i, |row| row.transfer = StepState::Done);
        let received_at = Utc::now();
        if let Some(up) = self.state.record_mut(store).upload.as_mut() {
            up.received_at = Some(received_at);
        }
        self.save()?;
        tracing::info!(
            base = %store.display(),
            octets = archive.size_bytes,
            repris_a = sent.resumed_from,
            envoyes = sent.bytes_sent,
            reprises = sent.resumptions,
            "base reçue par Sharebox"
        );
        Ok(StoreOutcome {
            store: store.to_path_buf(),
            name: store_name(store),
            size_bytes: archive.size_bytes,
            sha256: archive.sha256.clone(),
            made_at: archive.made_at,
            received_at: Some(received_at),
            receipt: String::new(),
            completed_at: received_at,
            already_received: false,
            resumed_from: sent.resumed_from,
            bytes_sent: sent.bytes_sent,
            recompressed: false,
        })
    }
}

fn archive_error(store: &Path, e: &archive::ArchiveError) -> TransferError {
    if matches!(e, archive::ArchiveError::Cancelled) {
        return TransferError::Cancelled;
    }
    TransferError::Archive {
        store: store.to_path_buf(),
        fault: Box::new(e.fault()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_names_tell_stores_of_the_same_name_apart() {
        let at = Local::now();
        let a = archive_file_name(Path::new("/srv/a/impact emploi.iea"), at);
        let b = archive_file_name(Path::new("/srv/b/impact emploi.iea"), at);
        assert_ne!(a, b);
        assert!(a.starts_with("transfert-impact_emploi-"), "{a}");
        assert!(a.ends_with(".iea.zip"), "{a}");
    }

    #[test]
    fn the_fallback_proxy_never_shows_its_password() {
        let proxy = FallbackProxy {
            host: "proxy.asso.local".into(),
            port: 3128,
            user: "paie".into(),
            password: ProxyPassword::Typed("tres-secret".into()),
            save: true,
        };
        assert!(!format!("{proxy:?}").contains("tres-secret"));
    }

    #[test]
    fn the_gauge_measures_speed_and_time_left() {
        struct Keep(Mutex<Vec<StoreRow>>);
        impl TransferProgress for Keep {
            fn row(&self, _i: usize, row: &StoreRow) {
                self.0.lock().expect("lock").push(row.clone());
            }
        }
        let keep = Keep(Mutex::new(Vec::new()));
        let board = Board::new(
            vec![StoreRow {
                store: PathBuf::from("/a.iea"),
                name: "a.iea".into(),
                compression: StepState::Done,
                transfer: StepState::Running,
                gauge: Gauge::EMPTY,
            }],
            &keep,
        );
        board.phase(0, Phase::TransferUpload, 1000);
        board.advance(0, 100);
        std::thread::sleep(Duration::from_millis(400));
        board.advance(0, 500);
        let last = keep.0.lock().expect("lock").last().cloned().expect("rows");
        assert_eq!(last.gauge.done, 500);
        let speed = last.gauge.bytes_per_sec.expect("speed");
        assert!(speed > 0.0);
        assert!(last.gauge.seconds_left.is_some());
        assert_eq!(last.gauge.fraction(), Some(0.5));
    }
}
