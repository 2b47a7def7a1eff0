//! The authentication of the installation with the authentication server
//! (PROTOCOL.md, "Authentication server"): who we are, and what the server says
//! of our licence.
//!
//! [`authenticate`] makes the call and reads the answer into an [`AuthOutcome`];
//! [`authenticate_now`] is "Relancer l'authentification auprès du serveur": it
//! reads the configuration and the identity of the workstation, calls the server
//! (never in assistance mode), and records the resulting [`ConnectionState`] for
//! the tray, `status` and the support report, with the automatic retry time when
//! the server could not be reached ([`retry_delay`]). [`authenticate_on_request`]
//! is the same asked for from the command line: it plans that retry only when
//! the resident service runs to make it.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::install_crypto_provider;
use super::servers::{Answer, Failure, Link, ServerProblem, Step, join, redact};
use crate::config::{Config, ConfigError, ConnectionKind, ConnectionSettings};
use crate::home::Home;
use crate::installation::{self, Installation, InstallationError};
use crate::secrets::{SecretError, SecretKey};
use crate::service::persist::PersistedState;
use crate::service::state::ConnectionState;

/// The first automatic retry comes this long after a failure.
pub const FIRST_RETRY: Duration = Duration::from_secs(30);
/// Retries are never further apart than this.
pub const MAX_RETRY: Duration = Duration::from_mins(15);
/// The longest server message kept (the rest is cut).
const MAX_MESSAGE_CHARS: usize = 500;

/// One workstation holding the licence, as the server lists it on a duplicate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateWorkstation {
    /// The workstation id.
    pub id: String,
    /// Its host name.
    pub hostname: String,
    /// When the server last saw it (RFC 3339).
    pub last_seen: String,
}

/// What the authentication server said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AuthOutcome {
    /// Case 1: 200, the licence is valid.
    Connected {
        /// The licence holder.
        holder: String,
        /// End of validity (YYYY-MM-DD).
        expires: String,
    },
    /// Case 3: 401, authorisation refused.
    AuthRefused {
        /// The server's message.
        message: String,
    },
    /// Case 3: 403, licence not recognised (withdrawn): consultation only.
    LicenceRefused {
        /// The server's message.
        message: String,
    },
    /// 409: the same licence on two workstations.
    LicenceDuplicate {
        /// The server's message.
        message: String,
        /// The workstations holding it.
        workstations: Vec<DuplicateWorkstation>,
    },
    /// Case 2: no answer in time, or an answer that is none of the above.
    Unreachable {
        /// The step that failed.
        step: Step,
        /// What went wrong (no secret in it).
        problem: ServerProblem,
    },
}

/// Errors of [`authenticate_now`] (a server that says no is an outcome, not an
/// error).
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Assistance mode is on: the installation does not talk to the
    /// authentication server until it is turned off.
    #[error("assistance mode is on: no authentication")]
    AssistanceMode,
    /// The workstation's identity was made on another computer (`IEA_HOME`
    /// copied, system reinstalled): the other computer's id is not presented
    /// until this one takes its own (`licences::take_new_workstation_id`).
    #[error("the workstation identity comes from another computer")]
    CopiedInstallation,
    /// The configuration cannot be read.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The workstation's identity cannot be read.
    #[error(transparent)]
    Installation(#[from] InstallationError),
    /// The stored proxy password cannot be decrypted.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The new state could not be written.
    #[error("cannot write the state file {path}: {source}")]
    SaveState {
        /// The state file.
        path: std::path::PathBuf,
        /// The system error.
        source: std::io::Error,
    },
}

/// The body of `POST {A}/api/v1/authenticate`, exactly PROTOCOL.md's fields.
#[derive(Serialize)]
struct AuthRequest<'a> {
    installation_id: String,
    workstation_id: String,
    hostname: String,
    licence_key: &'a str,
    version: &'a str,
}

/// The answer's fields this program reads (unknown fields are ignored).
#[derive(Deserialize)]
struct AuthAnswer {
    result: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    licence: Option<Licence>,
    #[serde(default)]
    workstations: Vec<DuplicateWorkstation>,
}

#[derive(Deserialize)]
struct Licence {
    holder: String,
    expires: String,
}

/// Authenticates `installation` with the authentication server of `settings`
/// (`proxy_password`: the decrypted proxy password, if any; `version`: the
/// program's version). Never fails: no answer in time, or an answer PROTOCOL.md
/// does not list, is [`AuthOutcome::Unreachable`]. The call lives within the
/// budget of the mode, retries included.
pub fn authenticate(
    settings: &ConnectionSettings,
    proxy_password: Option<&str>,
    installation: &Installation,
    version: &str,
) -> AuthOutcome {
    install_crypto_provider();
    let link = match Link::new(settings, proxy_password) {
        Ok(link) => link,
        Err((step, problem)) => return AuthOutcome::Unreachable { step, problem },
    };
    let url = join(&settings.auth_url, "api/v1/authenticate");
    let body = AuthRequest {
        installation_id: installation.installation_id.to_string(),
        workstation_id: installation.workstation_id.to_string(),
        hostname: installation::hostname(),
        licence_key: &installation.licence_key,
        version,
    };
    let result = link.call(
        &url,
        |client, left| client.post(url.clone()).timeout(left).json(&body),
        judge,
    );
    result.unwrap_or_else(|f| AuthOutcome::Unreachable {
        step: f.step,
        problem: f.problem,
    })
}

/// Reads an answer as PROTOCOL.md's table says: the status and the `result`
/// must agree, else it is "anything else".
fn judge(answer: &Answer) -> Result<AuthOutcome, Failure> {
    if !matches!(answer.status, 200 | 401 | 403 | 409) {
        return Err(answer.status_failure());
    }
    let unreadable = || Failure::fixed(Step::Protocol, ServerProblem::NotTheService(String::new()));
    let parsed: AuthAnswer = serde_json::from_slice(&answer.body).map_err(|_| unreadable())?;
    let message = || clean_message(parsed.message.as_deref().unwrap_or_default());
    match (answer.status, parsed.result.as_str()) {
        (200, "ok") => {
            let licence = parsed.licence.as_ref().ok_or_else(unreadable)?;
            Ok(AuthOutcome::Connected {
                holder: clean_message(&licence.holder),
                expires: clean_message(&licence.expires),
            })
        }
        (401, "authorization_refused") => Ok(AuthOutcome::AuthRefused { message: message() }),
        (403, "licence_not_recognized") => Ok(AuthOutcome::LicenceRefused { message: message() }),
        (409, "licence_duplicate") => Ok(AuthOutcome::LicenceDuplicate {
            message: message(),
            workstations: parsed.workstations.clone(),
        }),
        _ => Err(Failure::fixed(
            Step::Protocol,
            ServerProblem::UnexpectedHttp(answer.status),
        )),
    }
}

/// A server text as kept: one paragraph, trimmed, not too long.
fn clean_message(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= MAX_MESSAGE_CHARS {
        flat
    } else {
        let mut cut: String = flat.chars().take(MAX_MESSAGE_CHARS).collect();
        cut.push('…');
        cut
    }
}

/// How long to wait before the next automatic try, given the failures in a row
/// that came *before* the one just met: 30 s, then 60 s, 120 s… never more than
/// 15 minutes.
pub fn retry_delay(consecutive_failures: u32) -> Duration {
    let factor = 1_u64
        .checked_shl(consecutive_failures.min(32))
        .unwrap_or(u64::MAX);
    FIRST_RETRY
        .checked_mul(u32::try_from(factor).unwrap_or(u32::MAX))
        .map_or(MAX_RETRY, |d| d.min(MAX_RETRY))
}

/// "Relancer l'authentification auprès du serveur": authenticates now with the
/// configuration of `home` and records the result in its state file.
///
/// Refused with [`AuthError::AssistanceMode`] in assistance mode (nothing is
/// sent). A definitive answer (connected or refused) resets the failures in a
/// row; an unreachable server adds one and plans the next try at
/// now + [`retry_delay`] (of the failures before this one). The state file is
/// read again after the call, so that a change made meanwhile by another process
/// (assistance mode switched on in the centre) is kept.
pub fn authenticate_now(home: &Home) -> Result<PersistedState, AuthError> {
    authenticate_and_record(home, true).map(|done| done.state)
}

/// What an authentication asked for by hand came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authentication {
    /// The state recorded, as the tray and `status` read it.
    pub state: PersistedState,
    /// What the server said this time, whole: its message, and on a duplicate
    /// licence the workstations it names (the state keeps only the message).
    pub outcome: AuthOutcome,
}

/// An authentication asked for from outside the service (`auth retry`): as
/// [`authenticate_now`], but a failure plans an automatic retry only when the
/// resident service runs to make it. Without it nothing would try again, and
/// the state must not announce a retry at a time when nothing will happen.
pub fn authenticate_on_request(home: &Home) -> Result<Authentication, AuthError> {
    let service_retries = crate::instance::is_running(home, crate::instance::SERVICE);
    authenticate_and_record(home, service_retries)
}

/// Authenticates and records the state; `retry_planned`: whether someone will
/// try again after a failure (the next try's time is recorded only then).
fn authenticate_and_record(home: &Home, retry_planned: bool) -> Result<Authentication, AuthError> {
    install_crypto_provider();
    if PersistedState::load(home).assistance {
        tracing::info!("authentification non lancée : mode assistance actif");
        return Err(AuthError::AssistanceMode);
    }
    let config = Config::load(home)?;
    let installation = Installation::load_or_create(home)?;
    if crate::licences::identity_is_a_copy(home, &installation) {
        tracing::warn!(
            "authentification non lancée : identité de poste copiée d'un autre ordinateur"
        );
        return Err(AuthError::CopiedInstallation);
    }
    let settings = &config.connection;
    let proxy_password = match (&settings.kind, &settings.proxy.password_encrypted) {
        (ConnectionKind::Proxy, Some(stored)) => {
            Some(SecretKey::load_or_create(home)?.decrypt(stored)?)
        }
        _ => None,
    };
    let outcome = authenticate(
        settings,
        proxy_password.as_deref(),
        &installation,
        crate::updates::program_version(),
    );
    let outcome = match outcome {
        AuthOutcome::Unreachable { step, problem } => AuthOutcome::Unreachable {
            step,
            problem: redact(problem, proxy_password.as_deref()),
        },
        other => other,
    };
    drop(proxy_password);

    // The call may have taken seconds, during which the centre may have changed
    // the state (assistance mode): start again from what is on disk now, so that
    // only the connection part is ours to change.
    let mut state = PersistedState::load(home);
    let (connection, detail) = match &outcome {
        AuthOutcome::Connected { holder, expires } => {
            state.consecutive_failures = 0;
            (
                ConnectionState::Connected,
                format!("licence de {holder}, valable jusqu'au {expires}"),
            )
        }
        AuthOutcome::AuthRefused { message } => {
            state.consecutive_failures = 0;
            (
                ConnectionState::AuthRefused {
                    message: message.clone(),
                },
                message.clone(),
            )
        }
        AuthOutcome::LicenceRefused { message } => {
            state.consecutive_failures = 0;
            (
                ConnectionState::LicenceRefused {
                    message: message.clone(),
                },
                message.clone(),
            )
        }
        AuthOutcome::LicenceDuplicate {
            message,
            workstations,
        } => {
            state.consecutive_failures = 0;
            let hosts: Vec<&str> = workstations.iter().map(|w| w.hostname.as_str()).collect();
            (
                ConnectionState::LicenceDuplicate {
                    message: message.clone(),
                },
                if hosts.is_empty() {
                    message.clone()
                } else {
                    format!("{message} ({})", hosts.join(", "))
                },
            )
        }
        AuthOutcome::Unreachable { step, problem } => {
            let wait = retry_delay(state.consecutive_failures);
            state.consecutive_failures = state.consecutive_failures.saturating_add(1);
            let next = chrono::Local::now()
                + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
            (
                ConnectionState::Unreachable {
                    next_retry: retry_planned.then(|| next.to_rfc3339()),
                },
                format!("{}: {problem}", step_key(*step)),
            )
        }
    };
    state.set_connection(connection, &detail);
    state.save(home).map_err(|source| AuthError::SaveState {
        path: home.state_file(),
        source,
    })?;
    tracing::info!(
        state = state.connection.key(),
        consecutive_failures = state.consecutive_failures,
        "authentification : {detail}"
    );
    Ok(Authentication { state, outcome })
}

/// The serialised name of a step, for the history.
fn step_key(step: Step) -> &'static str {
    match step {
        Step::Dns => "dns",
        Step::Tcp => "tcp",
        Step::Tls => "tls",
        Step::Proxy => "proxy",
        Step::Http => "http",
        Step::Protocol => "protocol",
        Step::Ok => "ok",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delay_doubles_from_30_s_up_to_15_min() {
        let secs: Vec<u64> = (0..8).map(|n| retry_delay(n).as_secs()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 900, 900, 900]);
        assert_eq!(retry_delay(u32::MAX), MAX_RETRY);
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
    fn answers_are_read_as_the_protocol_table_says() {
        assert_eq!(
            judge(&answer(
                200,
                r#"{"result":"ok","licence":{"holder":"Asso","expires":"2027-12-31"},"server_time":"x","extra":1}"#
            ))
            .expect("ok"),
            AuthOutcome::Connected {
                holder: "Asso".into(),
                expires: "2027-12-31".into()
            }
        );
        assert_eq!(
            judge(&answer(
                401,
                r#"{"result":"authorization_refused","message":"Non"}"#
            ))
            .expect("401"),
            AuthOutcome::AuthRefused {
                message: "Non".into()
            }
        );
        assert!(matches!(
            judge(&answer(
                403,
                r#"{"result":"licence_not_recognized","message":"Retirée"}"#
            )),
            Ok(AuthOutcome::LicenceRefused { .. })
        ));
        // A 401 that is not the server's (a proxy, a portal) is "anything else".
        let f = judge(&answer(401, "<html>login</html>")).expect_err("not the server");
        assert_eq!(f.step, Step::Protocol);
        let f = judge(&answer(401, r#"{"result":"ok"}"#)).expect_err("mismatch");
        assert_eq!(f.problem, ServerProblem::UnexpectedHttp(401));
        let f = judge(&answer(500, "")).expect_err("500");
        assert_eq!(f.problem, ServerProblem::UnexpectedHttp(500));
        let f = judge(&answer(200, r#"{"result":"ok"}"#)).expect_err("no licence");
        assert_eq!(f.step, Step::Protocol);
    }

    #[test]
    fn messages_are_flattened_and_cut() {
        assert_eq!(clean_message("  Licence\n retirée  "), "Licence retirée");
        let long = "a".repeat(2000);
        assert_eq!(clean_message(&long).chars().count(), MAX_MESSAGE_CHARS + 1);
    }
}
