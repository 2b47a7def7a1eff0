//! The service's authentication loop: it authenticates at start, then again
//! periodically while connected, and with a growing back-off (30 s up to 15 min)
//! while failing. "Relancer l'authentification auprès du serveur" wakes it at once.
//! In assistance mode it makes no call to the authentication server.
//!
//! Each change of state that needs the user gives one desktop notification (not
//! one per retry); a click on it opens the centre on the screen that helps.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use crate::connection::auth::{self, AuthError};
use crate::home::Home;
use crate::service::persist::PersistedState;
use crate::service::screens;
use crate::service::state::ConnectionState;

/// How often a connected installation authenticates again.
pub const CONNECTED_PERIOD: Duration = Duration::from_mins(30);

/// How often the loop looks again while assistance mode is on (it does not call
/// the server then; it only waits for the mode to end).
const ASSISTANCE_PERIOD: Duration = Duration::from_secs(30);

/// What wakes the loop before its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// Authenticate now ("Relancer l'authentification", assistance mode ended).
    RetryNow,
    /// Leave the loop.
    Stop,
}

/// A handle to the running loop.
#[derive(Debug, Clone)]
pub struct AuthLoop {
    wake: Sender<Wake>,
}

impl AuthLoop {
    /// Starts the loop on a named thread. `on_change` is called with the new state
    /// whenever the state's kind changes (for notifications).
    pub fn start(
        home: Home,
        on_change: impl Fn(&PersistedState) + Send + 'static,
    ) -> std::io::Result<Self> {
        let (wake, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("authentification".into())
            .spawn(move || run(&home, &rx, &on_change))?;
        Ok(Self { wake })
    }

    /// Asks for an authentication now.
    pub fn retry_now(&self) {
        let _ = self.wake.send(Wake::RetryNow);
    }

    /// Stops the loop.
    pub fn stop(&self) {
        let _ = self.wake.send(Wake::Stop);
    }
}

fn run(home: &Home, wake: &Receiver<Wake>, on_change: &dyn Fn(&PersistedState)) {
    let mut last_key = PersistedState::load(home).state_key();
    loop {
        let before = PersistedState::load(home);
        let wait = if before.assistance {
            ASSISTANCE_PERIOD
        } else {
            match auth::authenticate_now(home) {
                Ok(after) => {
                    if after.state_key() != last_key {
                        on_change(&after);
                    }
                    last_key = after.state_key();
                    delay_after(&after)
                }
                // Assistance mode began between the two reads: nothing to do.
                Err(AuthError::AssistanceMode) => ASSISTANCE_PERIOD,
                Err(e) => {
                    tracing::warn!(error = %e, "authentification impossible");
                    auth::retry_delay(before.consecutive_failures)
                }
            }
        };
        match wake.recv_timeout(wait) {
            Ok(Wake::RetryNow) | Err(RecvTimeoutError::Timeout) => {}
            Ok(Wake::Stop) | Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// How long to wait after an authentication that gave `state`.
pub fn delay_after(state: &PersistedState) -> Duration {
    match state.connection {
        ConnectionState::Connected => CONNECTED_PERIOD,
        _ => auth::retry_delay(state.consecutive_failures.saturating_sub(1)),
    }
}

/// The centre screen that helps with a state, for the notification's click.
pub fn helping_screen(state: &PersistedState) -> &'static str {
    if state.assistance {
        return screens::ASSISTANCE;
    }
    match state.connection {
        ConnectionState::Unreachable { .. } => screens::CONNEXION,
        ConnectionState::LicenceDuplicate { .. } => screens::LICENCES,
        _ => screens::ACCUEIL,
    }
}

/// Whether a state needs the user (and so a notification).
pub fn needs_user(state: &PersistedState) -> bool {
    !state.assistance
        && !matches!(
            state.connection,
            ConnectionState::Connected | ConnectionState::Unknown
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failing_states_need_the_user_and_open_the_right_screen() {
        let mut s = PersistedState::default();
        assert!(!needs_user(&s));
        s.connection = ConnectionState::Unreachable { next_retry: None };
        assert!(needs_user(&s));
        assert_eq!(helping_screen(&s), "connexion");
        s.connection = ConnectionState::AuthRefused {
            message: "non".into(),
        };
        assert!(needs_user(&s));
        assert_eq!(helping_screen(&s), "accueil");
        s.connection = ConnectionState::LicenceDuplicate {
            message: "doublon".into(),
        };
        assert_eq!(helping_screen(&s), "licences");
        s.assistance = true;
        assert!(!needs_user(&s));
        assert_eq!(helping_screen(&s), "assistance");
    }

    #[test]
    fn connected_waits_the_period_and_failures_back_off() {
        let mut s = PersistedState {
            connection: ConnectionState::Connected,
            ..PersistedState::default()
        };
        assert_eq!(delay_after(&s), CONNECTED_PERIOD);
        s.connection = ConnectionState::Unreachable { next_retry: None };
        s.consecutive_failures = 1;
        assert_eq!(delay_after(&s), Duration::from_secs(30));
        s.consecutive_failures = 3;
        assert_eq!(delay_after(&s), Duration::from_mins(2));
        s.consecutive_failures = 40;
        assert_eq!(delay_after(&s), Duration::from_mins(15));
    }
}
