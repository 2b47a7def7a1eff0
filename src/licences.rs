//! The licence manager per workstation ("Administrer" › "Gestionnaire de
//! licences" › "Gestion des licences par poste", seeds 002 and 003) and the
//! machine fingerprint (PROTOCOL.md, "Licences per workstation").
//!
//! [`licence_view`] merges the workstations that hold the licence, as the
//! authentication server lists them, with the store's `workstations` table and
//! this workstation; without the server's list (no connection, no licence key,
//! assistance mode) the local list is shown and the view says why the rest is
//! missing. [`reset_workstations`] is « Réinitialiser poste » on one or several
//! rows: each reset is asked once (a reset counts against a daily quota) and
//! its answer kept; when this workstation was reset it takes a new workstation
//! id, and it then authenticates again at once, so that the tray goes back to
//! the blue ball as soon as the server agrees.
//!
//! Beside its workstation id, an installation keeps the fingerprint of its
//! computer: `HMAC-SHA256(installation key, machine id)`. When it no longer
//! matches, `IEA_HOME` was copied to another computer (or the system was
//! reinstalled): [`check_fingerprint`] says so at start, the authentication
//! stops presenting the other computer's id, and [`take_new_workstation_id`],
//! with the user's agreement, gives this computer its own. An installation that
//! has no fingerprint yet records it and keeps its id.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::config::{Config, ConfigError, ConnectionKind, ConnectionSettings};
use crate::connection::auth::{self, AuthError};
use crate::connection::install_crypto_provider;
use crate::connection::servers::{Answer, Failure, Link, ServerProblem, Step, join};
use crate::home::Home;
use crate::installation::{self, Installation, InstallationError};
use crate::secrets::{SecretError, SecretKey};
use crate::service::persist::PersistedState;
use crate::store::Store;

/// Who is named in the audit log for what the program does by itself.
const AUDIT_PROGRAM: &str = "gestionnaire de licences";

// ---------------------------------------------------------------------------
// Machine fingerprint.

/// The machine id of this computer: `/etc/machine-id` on Linux (or D-Bus's
/// copy), the registry's `MachineGuid` on Windows. `None` when the system has
/// none.
pub fn machine_id() -> Option<String> {
    #[cfg(windows)]
    {
        let out = std::process::Command::new("reg")
            .args([
                "query",
                r"HKLM\SOFTWARE\Microsoft\Cryptography",
                "/v",
                "MachineGuid",
            ])
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        text.lines()
            .find(|l| l.contains("MachineGuid"))
            .and_then(|l| l.split_whitespace().last())
            .map(str::to_owned)
    }
    #[cfg(not(windows))]
    {
        ["/etc/machine-id", "/var/lib/dbus/machine-id"]
            .into_iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .map(|t| t.trim().to_owned())
            .find(|t| !t.is_empty())
    }
}

/// The fingerprint of a machine id with the installation's key.
pub fn fingerprint(key: &SecretKey, machine_id: &str) -> String {
    key.hmac_hex(machine_id.as_bytes())
}

/// What the fingerprint kept beside the workstation id says of this computer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FingerprintCheck {
    /// The identity belongs to this computer.
    Matches,
    /// No fingerprint was kept yet (an installation of an earlier version):
    /// this computer's is now recorded, and the workstation id kept.
    Recorded,
    /// The identity was made on another computer: `IEA_HOME` was copied, or the
    /// system reinstalled. A new workstation id is needed, with the user's
    /// agreement.
    Changed,
    /// This system gives no machine id: nothing can be compared.
    Unavailable,
    /// No fingerprint is kept yet, and nothing was recorded (a read-only look).
    NotRecorded,
}

/// Why a licence operation could not be made (the server's answers are
/// outcomes, not errors).
#[derive(Debug, thiserror::Error)]
pub enum LicenceError {
    /// The configuration cannot be read.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The workstation's identity cannot be read or written.
    #[error(transparent)]
    Installation(#[from] InstallationError),
    /// The installation's key cannot be used.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// A host name names several workstations: their ids must be given.
    #[error("{hostname} names several workstations: {ids:?}")]
    AmbiguousHostname {
        /// The host name given.
        hostname: String,
        /// The workstations of that name.
        ids: Vec<String>,
    },
    /// A name that is no workstation of the licence.
    #[error("no workstation {name}")]
    UnknownWorkstation {
        /// The name or id given.
        name: String,
    },
    /// The reset needs the server's list, which could not be read.
    #[error("the server's list of workstations is missing")]
    ServerViewMissing(LicenceFailure),
    /// This workstation has no identity yet (`installation.toml`): it never
    /// started, so no server knows it.
    #[error("this workstation has no identity yet")]
    NoIdentity,
}

/// Compares the fingerprint kept in `installation.toml` with this computer's,
/// recording it when none is kept yet. Never changes the workstation id.
pub fn check_fingerprint(home: &Home) -> Result<FingerprintCheck, LicenceError> {
    crate::fsutil::debug_assert_not_ui_thread("licences::check_fingerprint");
    let Some(machine) = machine_id() else {
        return Ok(FingerprintCheck::Unavailable);
    };
    check_fingerprint_of(home, &machine)
}

/// [`check_fingerprint`] for a given machine id.
pub fn check_fingerprint_of(home: &Home, machine: &str) -> Result<FingerprintCheck, LicenceError> {
    let mut installation = Installation::load_or_create(home)?;
    let mine = fingerprint(&SecretKey::load_or_create(home)?, machine);
    match &installation.machine_fingerprint {
        Some(kept) if *kept == mine => Ok(FingerprintCheck::Matches),
        Some(_) => {
            tracing::warn!(
                poste = %installation.workstation_id,
                "l'identité de ce poste a été faite sur un autre ordinateur"
            );
            Ok(FingerprintCheck::Changed)
        }
        None => {
            installation.machine_fingerprint = Some(mine);
            installation.save(home)?;
            tracing::info!(poste = %installation.workstation_id, "empreinte de l'ordinateur enregistrée");
            Ok(FingerprintCheck::Recorded)
        }
    }
}

/// What the fingerprint says, without recording anything (for the views that
/// only look).
pub fn fingerprint_status(home: &Home, installation: &Installation) -> FingerprintCheck {
    let Some(machine) = machine_id() else {
        return FingerprintCheck::Unavailable;
    };
    let Some(kept) = &installation.machine_fingerprint else {
        return FingerprintCheck::NotRecorded;
    };
    let key = crate::secrets::read_key_file(&home.root().join(crate::secrets::KEY_FILE_NAME));
    match key {
        Ok(Some(key)) => {
            if *kept == fingerprint(&SecretKey::from_key(key), &machine) {
                FingerprintCheck::Matches
            } else {
                FingerprintCheck::Changed
            }
        }
        // A fingerprint kept without the key that made it: a copy missing its
        // key file is no identity of this computer either.
        _ => FingerprintCheck::Changed,
    }
}

/// Whether the identity of `installation` was made on another computer (read
/// only: nothing is recorded). The authentication asks this before presenting
/// the workstation id.
pub fn identity_is_a_copy(home: &Home, installation: &Installation) -> bool {
    let (Some(kept), Some(machine)) = (&installation.machine_fingerprint, machine_id()) else {
        return false;
    };
    SecretKey::load_or_create(home).is_ok_and(|key| *kept != fingerprint(&key, &machine))
}

/// What taking a new workstation id did.
#[derive(Debug)]
pub struct NewWorkstationId {
    /// The id the copy carried.
    pub old: String,
    /// This computer's new id.
    pub new: String,
    /// The authentication made at once with it (`None` in assistance mode).
    pub authentication: Option<Result<PersistedState, AuthError>>,
}

/// With the user's agreement: gives this computer a new workstation id and
/// records its fingerprint, then authenticates at once (not in assistance
/// mode). The old id stays the other computer's.
pub fn take_new_workstation_id(
    home: &Home,
    store_path: Option<&Path>,
    who: &str,
) -> Result<NewWorkstationId, LicenceError> {
    crate::fsutil::debug_assert_not_ui_thread("licences::take_new_workstation_id");
    let mut installation = Installation::load_or_create(home)?;
    let old = installation.workstation_id.to_string();
    installation.workstation_id = uuid::Uuid::new_v4();
    installation.machine_fingerprint = machine_id()
        .map(|m| SecretKey::load_or_create(home).map(|key| fingerprint(&key, &m)))
        .transpose()?;
    installation.save(home)?;
    let new = installation.workstation_id.to_string();
    tracing::info!(ancien = %old, nouveau = %new, "nouvel identifiant de poste");
    audit(
        store_path,
        who,
        "workstation.new_id",
        &format!("ancien={old} nouveau={new}"),
    );
    Ok(NewWorkstationId {
        old,
        new,
        authentication: authenticate_again(home),
    })
}

/// Authenticates at once, unless assistance mode is on.
fn authenticate_again(home: &Home) -> Option<Result<PersistedState, AuthError>> {
    match auth::authenticate_now(home) {
        Err(AuthError::AssistanceMode) => None,
        other => Some(other),
    }
}

/// Notes a line in the audit log of the store, when it can be opened; the
/// program's log has it anyway.
fn audit(store_path: Option<&Path>, who: &str, action: &str, detail: &str) {
    let Some(path) = store_path else { return };
    if let Err(e) = Store::open(path).and_then(|s| s.audit(who, action, detail)) {
        tracing::warn!(error = %e, action, "journal d'audit de la base inaccessible");
    }
}

// ---------------------------------------------------------------------------
// The server's list.

/// A workstation's state, as the server says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkstationState {
    /// Holds a seat.
    Active,
    /// The same licence on two computers.
    Duplicate,
    /// Reset: it registers again at its next authentication.
    Reset,
    /// A state this program does not know (servers evolve).
    #[serde(other)]
    Unknown,
}

/// The licence, as the server describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceInfo {
    /// The holder.
    pub holder: String,
    /// End of validity (YYYY-MM-DD).
    pub expires: String,
    /// How many workstations it allows.
    #[serde(default)]
    pub seats: Option<u32>,
}

/// One workstation of the server's list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct ServerWorkstation {
    id: String,
    hostname: String,
    #[serde(default)]
    first_seen: Option<String>,
    #[serde(default)]
    last_seen: Option<String>,
    #[serde(default = "unknown_state")]
    state: WorkstationState,
}

fn unknown_state() -> WorkstationState {
    WorkstationState::Unknown
}

#[derive(Deserialize)]
struct LicenceAnswer {
    licence: LicenceInfo,
    #[serde(default)]
    workstations: Vec<ServerWorkstation>,
}

#[derive(Deserialize)]
struct ResultAnswer {
    #[serde(default)]
    result: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    retry_after: Option<String>,
}

/// Why the server's list is missing, or a call could not be made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum LicenceFailure {
    /// No licence key on this workstation: nothing to ask about.
    NoLicenceKey,
    /// Assistance mode: no call to the production server.
    AssistanceMode,
    /// 401: authorisation refused.
    AuthRefused {
        /// The server's message.
        message: String,
    },
    /// 403: the licence is not recognised.
    LicenceRefused {
        /// The server's message.
        message: String,
    },
    /// No answer, or an answer PROTOCOL.md does not list.
    Unreachable {
        /// The step that failed.
        step: Step,
        /// What went wrong.
        problem: ServerProblem,
    },
}

/// A row of « Gestion des licences par poste ».
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkstationRow {
    /// The workstation id.
    pub id: String,
    /// Its host name.
    pub hostname: String,
    /// When the server first saw it (RFC 3339), if known.
    pub first_seen: Option<String>,
    /// When it was last seen (RFC 3339), the server's or else the store's.
    pub last_seen: Option<String>,
    /// Its state as the server says it; `None` without the server's list or
    /// when the server does not list it.
    pub state: Option<WorkstationState>,
    /// "ce poste".
    pub this_one: bool,
    /// Listed by the server.
    pub on_server: bool,
    /// Listed in the store's `workstations` table.
    pub in_store: bool,
}

/// What « Gestion des licences par poste » shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LicenceView {
    /// This workstation's id.
    pub this_workstation: String,
    /// The licence, when the server's list was read.
    pub licence: Option<LicenceInfo>,
    /// Why the server's list is missing, when it is.
    pub server_missing: Option<LicenceFailure>,
    /// The workstations: the server's, then the store's others, then this one
    /// when neither lists it.
    pub rows: Vec<WorkstationRow>,
    /// The machine fingerprint's verdict.
    pub fingerprint: FingerprintCheck,
    /// The address asked (the authentication server's), as shown.
    pub server_url: String,
}

impl LicenceView {
    /// The workstations the server says share the licence by mistake.
    pub fn duplicates(&self) -> Vec<&WorkstationRow> {
        self.rows
            .iter()
            .filter(|r| r.state == Some(WorkstationState::Duplicate))
            .collect()
    }

    /// Whether « Réinitialiser poste » can be used: only with the server's list.
    pub fn can_reset(&self) -> bool {
        self.server_missing.is_none()
    }
}

/// Everything a call to the licence server needs.
struct Client {
    settings: ConnectionSettings,
    proxy_password: Option<String>,
    installation: Installation,
}

impl Client {
    fn load(home: &Home) -> Result<Self, LicenceError> {
        install_crypto_provider();
        let installation = Installation::load(home)?.ok_or(LicenceError::NoIdentity)?;
        let config = Config::load(home)?;
        let settings = config.connection;
        let proxy_password = match (&settings.kind, &settings.proxy.password_encrypted) {
            (ConnectionKind::Proxy, Some(stored)) => {
                Some(SecretKey::load_or_create(home)?.decrypt(stored)?)
            }
            _ => None,
        };
        Ok(Self {
            settings,
            proxy_password,
            installation,
        })
    }

    fn link(&self) -> Result<Link<'_>, LicenceFailure> {
        Link::new(&self.settings, self.proxy_password.as_deref())
            .map_err(|(step, problem)| LicenceFailure::Unreachable { step, problem })
    }

    /// `GET {A}/api/v1/licence?installation_id=…` (retries of the mode allowed:
    /// it changes nothing).
    fn fetch(&self) -> Result<(LicenceInfo, Vec<ServerWorkstation>), LicenceFailure> {
        if self.installation.licence_key.trim().is_empty() {
            return Err(LicenceFailure::NoLicenceKey);
        }
        let link = self.link()?;
        let mut url = join(&self.settings.auth_url, "api/v1/licence");
        url.query_pairs_mut().append_pair(
            "installation_id",
            &self.installation.installation_id.to_string(),
        );
        let key = self.installation.licence_key.clone();
        let judged = link.call(
            &url,
            |c, left| {
                c.get(url.clone())
                    .timeout(left)
                    .header("X-Licence-Key", key.as_str())
            },
            judge_licence,
        );
        judged.map_err(failure)?
    }

    /// `POST {A}/api/v1/workstations/<id>/reset`, once.
    fn reset(&self, link: &Link<'_>, id: &str, requested_by: &str) -> ResetOutcome {
        let url = join(
            &self.settings.auth_url,
            &format!("api/v1/workstations/{id}/reset"),
        );
        let body = serde_json::json!({
            "installation_id": self.installation.installation_id.to_string(),
            "requested_by": requested_by,
        });
        let key = self.installation.licence_key.as_str();
        link.call_once(
            &url,
            |c, left| {
                c.post(url.clone())
                    .timeout(left)
                    .header("X-Licence-Key", key)
                    .json(&body)
            },
            judge_reset,
        )
        .unwrap_or_else(|f| ResetOutcome::Failed {
            step: f.step,
            problem: f.problem,
        })
    }
}

fn failure(f: Failure) -> LicenceFailure {
    LicenceFailure::Unreachable {
        step: f.step,
        problem: f.problem,
    }
}

/// A server text as kept: one line, not too long.
fn clean(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(500)
        .collect()
}

type Fetched = Result<(LicenceInfo, Vec<ServerWorkstation>), LicenceFailure>;

fn judge_licence(answer: &Answer) -> Result<Fetched, Failure> {
    let message = || {
        serde_json::from_slice::<ResultAnswer>(&answer.body)
            .ok()
            .and_then(|a| a.message)
            .map(|m| clean(&m))
            .unwrap_or_default()
    };
    match answer.status {
        200 => serde_json::from_slice::<LicenceAnswer>(&answer.body)
            .map(|a| Ok((a.licence, a.workstations)))
            .map_err(|_| {
                Failure::fixed(Step::Protocol, ServerProblem::NotTheService(String::new()))
            }),
        401 => Ok(Err(LicenceFailure::AuthRefused { message: message() })),
        403 => Ok(Err(LicenceFailure::LicenceRefused { message: message() })),
        _ => Err(answer.status_failure()),
    }
}

/// What the server said of one reset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ResetOutcome {
    /// 200: the seat is free; the workstation registers again at its next
    /// authentication, under a new id.
    Reset,
    /// 404: no such workstation for this licence.
    UnknownWorkstation,
    /// 429: at most 3 resets per licence per day.
    TooManyResets {
        /// When a reset is possible again (RFC 3339), when the server said.
        retry_after: Option<String>,
    },
    /// 401 or 403: refused, as for authentication.
    Refused {
        /// The status.
        status: u16,
        /// The server's message.
        message: String,
    },
    /// No answer, or one PROTOCOL.md does not list.
    Failed {
        /// The step that failed.
        step: Step,
        /// What went wrong.
        problem: ServerProblem,
    },
    /// Not asked: "Annuler" came first, or the server's list is missing.
    NotAsked,
}

impl ResetOutcome {
    /// The outcome's code, for the audit log.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Reset => "reset",
            Self::UnknownWorkstation => "unknown_workstation",
            Self::TooManyResets { .. } => "too_many_resets",
            Self::Refused { .. } => "refused",
            Self::Failed { .. } => "failed",
            Self::NotAsked => "not_asked",
        }
    }
}

fn judge_reset(answer: &Answer) -> Result<ResetOutcome, Failure> {
    let parsed = serde_json::from_slice::<ResultAnswer>(&answer.body).ok();
    let result = parsed.as_ref().map_or("", |p| p.result.as_str());
    match (answer.status, result) {
        (200, "reset") => Ok(ResetOutcome::Reset),
        (404, "unknown_workstation") => Ok(ResetOutcome::UnknownWorkstation),
        (429, "too_many_resets") => Ok(ResetOutcome::TooManyResets {
            retry_after: parsed.and_then(|p| p.retry_after).map(|r| clean(&r)),
        }),
        (401 | 403, _) => Ok(ResetOutcome::Refused {
            status: answer.status,
            message: parsed
                .and_then(|p| p.message)
                .map(|m| clean(&m))
                .unwrap_or_default(),
        }),
        (200 | 404 | 429, _) => Err(Failure::fixed(
            Step::Protocol,
            ServerProblem::UnexpectedHttp(answer.status),
        )),
        _ => Err(answer.status_failure()),
    }
}

/// The store's workstations: (id, host name, last seen).
fn store_workstations(store_path: &Path) -> Vec<(String, String, Option<String>)> {
    let read = || -> Result<Vec<(String, String, Option<String>)>, crate::store::StoreError> {
        let store = Store::open_read_only(store_path)?;
        let mut stmt = store
            .connection()
            .prepare("SELECT id, hostname, last_seen FROM workstations ORDER BY hostname")
            .map_err(|e| store.err(e))?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .and_then(Iterator::collect)
            .map_err(|e| store.err(e))
    };
    read().unwrap_or_else(|e| {
        tracing::warn!(error = %e, "postes de la base illisibles");
        Vec::new()
    })
}

/// « Gestion des licences par poste »: the server's list merged with the
/// store's `workstations` table and this workstation. Never fails for the
/// server: its list is then missing and the view says why. Writes nothing
/// (the store is read read-only, the fingerprint compared, not recorded).
pub fn licence_view(home: &Home, store_path: Option<&Path>) -> Result<LicenceView, LicenceError> {
    crate::fsutil::debug_assert_not_ui_thread("licences::licence_view");
    let client = Client::load(home)?;
    let fingerprint = fingerprint_status(home, &client.installation);
    let fetched = if PersistedState::load(home).assistance {
        Err(LicenceFailure::AssistanceMode)
    } else {
        client.fetch()
    };
    let this = client.installation.workstation_id.to_string();
    let local = store_path.map(store_workstations).unwrap_or_default();
    let (licence, server, missing) = match fetched {
        Ok((licence, list)) => (Some(licence), list, None),
        Err(why) => (None, Vec::new(), Some(why)),
    };
    let mut rows: Vec<WorkstationRow> = server
        .into_iter()
        .map(|w| WorkstationRow {
            in_store: local.iter().any(|(id, _, _)| *id == w.id),
            this_one: w.id == this,
            on_server: true,
            id: w.id,
            hostname: w.hostname,
            first_seen: w.first_seen,
            last_seen: w.last_seen,
            state: Some(w.state),
        })
        .collect();
    for (id, hostname, last_seen) in local {
        if rows.iter().any(|r| r.id == id) {
            continue;
        }
        rows.push(WorkstationRow {
            this_one: id == this,
            id,
            hostname,
            first_seen: None,
            last_seen,
            state: None,
            on_server: false,
            in_store: true,
        });
    }
    if !rows.iter().any(|r| r.this_one) {
        rows.push(WorkstationRow {
            id: this.clone(),
            hostname: installation::hostname(),
            first_seen: None,
            last_seen: None,
            state: None,
            this_one: true,
            on_server: false,
            in_store: false,
        });
    }
    Ok(LicenceView {
        this_workstation: this,
        licence,
        server_missing: missing,
        rows,
        fingerprint,
        server_url: crate::connection::client::display_url(&client.settings.auth_url),
    })
}

/// One reset asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResetResult {
    /// The workstation id.
    pub id: String,
    /// Its host name.
    pub hostname: String,
    /// Whether it is this workstation.
    pub this_one: bool,
    /// What the server said.
    pub outcome: ResetOutcome,
}

/// What « Réinitialiser poste » did.
#[derive(Debug)]
pub struct ResetReport {
    /// One result per workstation asked, in order.
    pub results: Vec<ResetResult>,
    /// This workstation's new id, when it was reset.
    pub new_workstation_id: Option<String>,
    /// The authentication made at once after a reset (`None` when nothing was
    /// reset, or in assistance mode).
    pub authentication: Option<Result<PersistedState, AuthError>>,
}

impl ResetReport {
    /// Whether every workstation asked was reset.
    pub fn all_reset(&self) -> bool {
        !self.results.is_empty()
            && self
                .results
                .iter()
                .all(|r| r.outcome == ResetOutcome::Reset)
    }
}

/// « Réinitialiser poste » on the workstations `targets` (ids or host names of
/// the server's list). Each reset is asked once, in order, and noted in the
/// audit log; when this workstation is reset it takes a new workstation id;
/// after any reset this workstation authenticates again at once (not in
/// assistance mode). Refused without the server's list, which says which
/// workstations exist.
pub fn reset_workstations(
    home: &Home,
    store_path: Option<&Path>,
    targets: &[String],
    requested_by: &str,
) -> Result<ResetReport, LicenceError> {
    crate::fsutil::debug_assert_not_ui_thread("licences::reset_workstations");
    let client = Client::load(home)?;
    if PersistedState::load(home).assistance {
        return Err(LicenceError::ServerViewMissing(
            LicenceFailure::AssistanceMode,
        ));
    }
    let (_, list) = client.fetch().map_err(LicenceError::ServerViewMissing)?;
    let this = client.installation.workstation_id.to_string();
    // Every name resolved before anything is asked.
    let mut chosen: Vec<&ServerWorkstation> = Vec::new();
    for target in targets {
        let target = target.trim();
        let by_id = list.iter().find(|w| w.id.eq_ignore_ascii_case(target));
        let found = if let Some(w) = by_id {
            w
        } else {
            {
                let named: Vec<&ServerWorkstation> = list
                    .iter()
                    .filter(|w| w.hostname.eq_ignore_ascii_case(target))
                    .collect();
                match named.as_slice() {
                    [one] => *one,
                    [] => {
                        return Err(LicenceError::UnknownWorkstation {
                            name: target.to_owned(),
                        });
                    }
                    many => {
                        return Err(LicenceError::AmbiguousHostname {
                            hostname: target.to_owned(),
                            ids: many.iter().map(|w| w.id.clone()).collect(),
                        });
                    }
                }
            }
        };
        if !chosen.iter().any(|w| w.id == found.id) {
            chosen.push(found);
        }
    }
    let link = client.link();
    let mut results = Vec::with_capacity(chosen.len());
    for w in chosen {
        let outcome = match &link {
            Ok(link) => client.reset(link, &w.id, requested_by),
            Err(LicenceFailure::Unreachable { step, problem }) => ResetOutcome::Failed {
                step: *step,
                problem: problem.clone(),
            },
            Err(_) => ResetOutcome::NotAsked,
        };
        tracing::info!(poste = %w.hostname, id = %w.id, resultat = outcome.code(), "réinitialisation de poste");
        audit(
            store_path,
            requested_by,
            "licence.workstation_reset",
            &format!(
                "poste={} id={} resultat={}",
                w.hostname,
                w.id,
                outcome.code()
            ),
        );
        results.push(ResetResult {
            this_one: w.id == this,
            id: w.id.clone(),
            hostname: w.hostname.clone(),
            outcome,
        });
    }
    let reset_here = results
        .iter()
        .any(|r| r.this_one && r.outcome == ResetOutcome::Reset);
    let new_workstation_id = if reset_here {
        // PROTOCOL.md: a reset workstation registers again under a new id.
        let mut installation = Installation::load_or_create(home)?;
        installation.workstation_id = uuid::Uuid::new_v4();
        installation.save(home)?;
        let new = installation.workstation_id.to_string();
        audit(
            store_path,
            AUDIT_PROGRAM,
            "workstation.new_id",
            &format!("ancien={this} nouveau={new}"),
        );
        Some(new)
    } else {
        None
    };
    let any_reset = results.iter().any(|r| r.outcome == ResetOutcome::Reset);
    Ok(ResetReport {
        results,
        new_workstation_id,
        authentication: if any_reset {
            authenticate_again(home)
        } else {
            None
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_is_recorded_once_then_compared() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        let before = Installation::load_or_create(&home).expect("identity");
        assert_eq!(before.machine_fingerprint, None);
        assert_eq!(
            check_fingerprint_of(&home, "machine-a").expect("check"),
            FingerprintCheck::Recorded
        );
        let after = Installation::load_or_create(&home).expect("identity");
        assert_eq!(
            after.workstation_id, before.workstation_id,
            "an existing installation keeps its id"
        );
        let kept = after.machine_fingerprint.clone().expect("kept");
        assert_eq!(kept.len(), 64);
        assert!(!kept.contains("machine-a"));
        assert_eq!(
            check_fingerprint_of(&home, "machine-a").expect("check"),
            FingerprintCheck::Matches
        );
        // The same folder on another computer.
        assert_eq!(
            check_fingerprint_of(&home, "machine-b").expect("check"),
            FingerprintCheck::Changed
        );
        assert_eq!(
            Installation::load_or_create(&home)
                .expect("identity")
                .workstation_id,
            before.workstation_id,
            "nothing changes without the user's agreement"
        );
    }

    #[test]
    fn another_installation_key_gives_another_fingerprint() {
        let a = tempfile::tempdir().expect("a");
        let b = tempfile::tempdir().expect("b");
        let ka = SecretKey::load_or_create(&Home::at(a.path())).expect("key a");
        let kb = SecretKey::load_or_create(&Home::at(b.path())).expect("key b");
        assert_ne!(fingerprint(&ka, "m"), fingerprint(&kb, "m"));
        assert_eq!(fingerprint(&ka, "m"), fingerprint(&ka, "m"));
    }

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            location: None,
            body: body.as_bytes().to_vec(),
            headers: reqwest::header::HeaderMap::new(),
        }
    }

    #[test]
    fn reset_answers_are_read_as_the_protocol_table_says() {
        assert_eq!(
            judge_reset(&answer(200, r#"{"result":"reset"}"#)).expect("200"),
            ResetOutcome::Reset
        );
        assert_eq!(
            judge_reset(&answer(404, r#"{"result":"unknown_workstation"}"#)).expect("404"),
            ResetOutcome::UnknownWorkstation
        );
        assert_eq!(
            judge_reset(&answer(
                429,
                r#"{"result":"too_many_resets","retry_after":"2026-11-23T00:00:00+01:00"}"#
            ))
            .expect("429"),
            ResetOutcome::TooManyResets {
                retry_after: Some("2026-11-23T00:00:00+01:00".to_owned())
            }
        );
        assert!(matches!(
            judge_reset(&answer(
                403,
                r#"{"result":"licence_not_recognized","message":"Non"}"#
            )),
            Ok(ResetOutcome::Refused { status: 403, .. })
        ));
        // A 404 that is not the server's (a wrong address) is no verdict.
        assert!(judge_reset(&answer(404, "<html>")).is_err());
        assert!(judge_reset(&answer(500, "")).is_err());
    }

    #[test]
    fn unknown_states_are_kept_as_unknown() {
        let w: ServerWorkstation =
            serde_json::from_str(r#"{"id":"x","hostname":"h","state":"suspended","extra":1}"#)
                .expect("parse");
        assert_eq!(w.state, WorkstationState::Unknown);
    }
}
