//! Assistance mode and its unlock codes, the "mot de passe du jour"
//! (PROTOCOL.md, "Assistance mode unlock codes").
//!
//! When the authentication server cannot be reached or refuses the licence, the
//! user can still work in assistance mode (the red beetle in the tray). Switching
//! it on or off takes a code that support reads over the phone or sends by
//! e-mail: eight digits derived from the installation's support key, the action
//! and the local date, valid today and yesterday. After five wrong entries, entry
//! is refused for fifteen minutes; the count lives in
//! `IEA_HOME/assistance-essais.json` so that restarting the program does not reset
//! it. Every accepted and refused entry goes to the store's audit log when the
//! store can be opened, and always to the program's log; the code itself never
//! does.
//!
//! Assistance mode exists for when things are broken, so nothing here needs the
//! store, the configuration or the network to work.

use std::path::PathBuf;

use chrono::{DateTime, Local, NaiveDate, TimeDelta};
use hmac::{Hmac, Mac as _};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::config::Config;
use crate::fsutil;
use crate::home::Home;
use crate::installation::{self, Installation, InstallationError};
use crate::service::persist::PersistedState;
use crate::service::state::ConnectionState;
use crate::store::Store;

/// Name of the file under `IEA_HOME` that keeps the count of wrong entries.
pub const ATTEMPTS_FILE_NAME: &str = "assistance-essais.json";

/// Wrong entries allowed before entry is locked.
pub const MAX_FAILURES: u32 = 5;

/// How long entry stays locked after [`MAX_FAILURES`] wrong entries, in minutes.
pub const LOCK_MINUTES: i64 = 15;

/// Number of digits of a code.
pub const CODE_DIGITS: usize = 8;

/// The audit log's actor when the session's user name is unknown.
const UNKNOWN_USER: &str = "utilisateur inconnu";

/// What a code unlocks. A code for one action never works for the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssistanceAction {
    /// "Activer le mode assistance".
    Enable,
    /// "Désactiver le mode assistance".
    Disable,
}

impl AssistanceAction {
    /// The word in the code's message: `enable` or `disable`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enable => "enable",
            Self::Disable => "disable",
        }
    }

    /// The audit log's action code.
    fn audit_action(self) -> &'static str {
        match self {
            Self::Enable => "assistance.activation",
            Self::Disable => "assistance.desactivation",
        }
    }
}

/// The code for `action` on `date` (the local calendar date): RFC 4226 dynamic
/// truncation of HMAC-SHA256(`support_key`,
/// `"iea-assistance:" + action + ":" + installation_id + ":" + YYYY-MM-DD`),
/// modulo 10^8, as 8 digits with leading zeros.
pub fn code_for(
    support_key: &[u8; 32],
    action: AssistanceAction,
    installation_id: &uuid::Uuid,
    date: NaiveDate,
) -> String {
    let message = format!(
        "iea-assistance:{}:{}:{}",
        action.as_str(),
        installation_id.hyphenated(),
        date.format("%Y-%m-%d")
    );
    // HMAC pads a key shorter than SHA-256's 64-byte block with zeros (RFC 2104),
    // so giving the padded block is the same MAC, without a fallible constructor.
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(support_key);
    let mut mac = <Hmac<Sha256> as hmac::digest::KeyInit>::new(&block.into());
    mac.update(message.as_bytes());
    let mac = mac.finalize().into_bytes();
    let offset = usize::from(mac[31] & 0x0f);
    let binary = u32::from_be_bytes([
        mac[offset] & 0x7f,
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]);
    format!("{:08}", binary % 100_000_000)
}

/// A code as support reads it out: `"1234 5678"`.
pub fn display_code(code: &str) -> String {
    let code = normalize_code(code);
    if code.len() == CODE_DIGITS && code.is_ascii() {
        format!("{} {}", &code[..4], &code[4..])
    } else {
        code
    }
}

/// A typed code without the spaces and dashes people add while typing or
/// pasting it (non-breaking spaces and typographic dashes included).
pub fn normalize_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '‐' | '‑' | '‒' | '–' | '—'))
        .collect()
}

/// Compares two codes in constant time, so that timing says nothing of the digits.
fn same_code(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Whether `typed` is the code of `action` for `today` or for the day before.
fn accepts(
    support_key: &[u8; 32],
    action: AssistanceAction,
    installation_id: &uuid::Uuid,
    typed: &str,
    today: NaiveDate,
) -> bool {
    let typed = normalize_code(typed);
    if typed.len() != CODE_DIGITS || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    [Some(today), today.pred_opt()]
        .into_iter()
        .flatten()
        .map(|date| {
            same_code(
                &code_for(support_key, action, installation_id, date),
                &typed,
            )
        })
        .fold(false, |found, ok| found | ok)
}

/// Assistance mode and the entry of codes, as the dialog shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssistanceStatus {
    /// Assistance mode is on (red beetle).
    pub enabled: bool,
    /// Wrong entries since the last accepted one (0 to [`MAX_FAILURES`]).
    pub failures: u32,
    /// Entry is refused until then.
    pub locked_until: Option<DateTime<Local>>,
}

/// What an accepted code did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssistanceOutcome {
    /// Assistance mode is now on.
    Enabled,
    /// Assistance mode is now off; the connection is unverified until the next
    /// successful authentication.
    Disabled,
}

/// Why a code was not accepted or its effect not recorded. Never carries the code.
#[derive(Debug, thiserror::Error)]
pub enum AssistanceError {
    /// The code is not the one of this action, today or yesterday.
    #[error("wrong code, {remaining_tries} tries left")]
    WrongCode {
        /// Entries left before the lock.
        remaining_tries: u32,
    },
    /// Too many wrong entries: entry is refused until `until`, even a right code.
    #[error("code entry locked until {until}")]
    Locked {
        /// End of the lock.
        until: DateTime<Local>,
    },
    /// Enabling while assistance mode is already on (no attempt counted).
    #[error("assistance mode is already enabled")]
    AlreadyEnabled,
    /// Disabling while assistance mode is already off (no attempt counted).
    #[error("assistance mode is already disabled")]
    AlreadyDisabled,
    /// The installation's identity or support key cannot be used.
    #[error(transparent)]
    Installation(#[from] InstallationError),
    /// The count of entries or the new state could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The system error.
        source: std::io::Error,
    },
}

/// The count of wrong entries, as kept on disk.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Attempts {
    failures: u32,
    locked_until: Option<DateTime<Local>>,
}

impl Attempts {
    fn path(home: &Home) -> PathBuf {
        home.root().join(ATTEMPTS_FILE_NAME)
    }

    /// Reads the count; none yet gives zero. A damaged file is logged and read as
    /// zero: it only guards against guessing from this program's own dialog.
    fn load(home: &Home) -> Self {
        let path = Self::path(home);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(fichier = %path.display(), erreur = %e, "compteur d'essais illisible, remis à zéro");
                Self::default()
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::default(),
            Err(e) => {
                tracing::warn!(fichier = %path.display(), erreur = %e, "compteur d'essais illisible");
                Self::default()
            }
        }
    }

    /// The count as it stands at `now`: an expired lock starts a fresh series.
    fn at(self, now: DateTime<Local>) -> Self {
        match self.locked_until {
            Some(until) if until <= now => Self::default(),
            _ => self,
        }
    }

    fn save(&self, home: &Home) -> Result<(), AssistanceError> {
        let path = Self::path(home);
        let io_err = |source| AssistanceError::Io {
            path: path.clone(),
            source,
        };
        let bytes =
            serde_json::to_vec_pretty(self).map_err(|e| io_err(std::io::Error::other(e)))?;
        std::fs::create_dir_all(home.root()).map_err(io_err)?;
        fsutil::write_atomic(&path, &bytes).map_err(io_err)
    }
}

/// Assistance mode and the state of code entry at `now`.
pub fn status(home: &Home, now: DateTime<Local>) -> AssistanceStatus {
    crate::fsutil::debug_assert_not_ui_thread("assistance::status");
    let attempts = Attempts::load(home).at(now);
    AssistanceStatus {
        enabled: PersistedState::load(home).assistance,
        failures: attempts.failures,
        locked_until: attempts.locked_until,
    }
}

/// Switches assistance mode on with the code of the day (or of yesterday).
pub fn enable(
    home: &Home,
    typed_code: &str,
    now: DateTime<Local>,
) -> Result<AssistanceOutcome, AssistanceError> {
    enter(home, AssistanceAction::Enable, typed_code, now)
}

/// Switches assistance mode off with the code of the day (or of yesterday); the
/// connection then shows as unverified until the next successful authentication.
pub fn disable(
    home: &Home,
    typed_code: &str,
    now: DateTime<Local>,
) -> Result<AssistanceOutcome, AssistanceError> {
    enter(home, AssistanceAction::Disable, typed_code, now)
}

fn enter(
    home: &Home,
    action: AssistanceAction,
    typed_code: &str,
    now: DateTime<Local>,
) -> Result<AssistanceOutcome, AssistanceError> {
    let mut state = PersistedState::load(home);
    match (action, state.assistance) {
        (AssistanceAction::Enable, true) => return Err(AssistanceError::AlreadyEnabled),
        (AssistanceAction::Disable, false) => return Err(AssistanceError::AlreadyDisabled),
        _ => {}
    }

    let mut attempts = Attempts::load(home).at(now);
    if let Some(until) = attempts.locked_until {
        audit(
            home,
            action,
            false,
            &format!(
                "code refusé : saisie bloquée jusqu'à {}",
                until.format("%H:%M")
            ),
        );
        return Err(AssistanceError::Locked { until });
    }

    let installation = Installation::load_or_create(home)?;
    let key = installation::support_key(home)?;
    if !accepts(
        &key,
        action,
        &installation.installation_id,
        typed_code,
        now.date_naive(),
    ) {
        attempts.failures = (attempts.failures + 1).min(MAX_FAILURES);
        let n = attempts.failures;
        if n >= MAX_FAILURES {
            let until = now + TimeDelta::minutes(LOCK_MINUTES);
            attempts.locked_until = Some(until);
            attempts.save(home)?;
            audit(
                home,
                action,
                false,
                &format!(
                    "code refusé ({n}/{MAX_FAILURES}) : saisie bloquée jusqu'à {}",
                    until.format("%H:%M")
                ),
            );
            return Err(AssistanceError::Locked { until });
        }
        attempts.save(home)?;
        audit(
            home,
            action,
            false,
            &format!("code refusé ({n}/{MAX_FAILURES})"),
        );
        return Err(AssistanceError::WrongCode {
            remaining_tries: MAX_FAILURES - n,
        });
    }

    Attempts::default().save(home)?;
    let outcome = match action {
        AssistanceAction::Enable => {
            state.set_assistance(true, "mode assistance activé (mot de passe du jour)");
            AssistanceOutcome::Enabled
        }
        AssistanceAction::Disable => {
            // Blue ball with the red heart until the next successful authentication.
            // The connection first, so that the history notes one change: from
            // assistance to "not verified".
            state.set_connection(
                ConnectionState::Unknown,
                "en attente de la prochaine authentification",
            );
            state.set_assistance(false, "mode assistance désactivé (mot de passe du jour)");
            AssistanceOutcome::Disabled
        }
    };
    state.save(home).map_err(|source| AssistanceError::Io {
        path: home.state_file(),
        source,
    })?;
    audit(home, action, true, "code accepté");
    Ok(outcome)
}

/// The session's user name, for the audit log: the operating system's account
/// (asked of the system, so a program started without `USER` — by the service
/// manager of the desktop, a scheduler, `env -i` — still names its user), then
/// the environment, and only then "utilisateur inconnu".
fn session_user() -> String {
    whoami::username()
        .ok()
        .filter(|name| !name.trim().is_empty())
        .or_else(|| {
            ["USER", "USERNAME", "LOGNAME"]
                .into_iter()
                .find_map(|var| std::env::var(var).ok().filter(|v| !v.trim().is_empty()))
        })
        .unwrap_or_else(|| UNKNOWN_USER.to_owned())
}

/// Notes an entry in the program's log and, when the active store can be opened,
/// in its audit log. `detail` never holds the code.
fn audit(home: &Home, action: AssistanceAction, accepted: bool, detail: &str) {
    let what = action.audit_action();
    if accepted {
        tracing::info!(action = what, "mode assistance : {detail}");
    } else {
        tracing::warn!(action = what, "mode assistance : {detail}");
    }
    let store_path = match Config::load(home) {
        Ok(config) => config.paths.store,
        Err(e) => {
            tracing::warn!(erreur = %e, "configuration illisible : saisie notée dans le journal seulement");
            return;
        }
    };
    let written =
        Store::open(&store_path).and_then(|store| store.audit(&session_user(), what, detail));
    if let Err(e) = written {
        tracing::warn!(erreur = %e, "journal d'audit de la base inaccessible : saisie notée dans le journal seulement");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    /// The test vector, computed independently with Python 3's standard library:
    ///
    /// ```text
    /// import hmac, hashlib
    /// key = bytes(range(32))                     # 00 01 02 … 1f
    /// msg = b"iea-assistance:enable:6f1c2d9e-3b7a-4c1e-9f42-0d5e8a7b1c23:2026-03-10"
    /// mac = hmac.new(key, msg, hashlib.sha256).digest()
    /// o = mac[31] & 0x0f
    /// b = ((mac[o] & 0x7f) << 24) | (mac[o+1] << 16) | (mac[o+2] << 8) | mac[o+3]
    /// print(f"{b % 10**8:08d}")                  # 95290658
    /// ```
    ///
    /// The same with `disable` gives 48131467, with `enable` on 2026-03-09
    /// 32619953, and with `enable` on 2026-01-06 09550173 (a leading zero).
    #[test]
    fn known_vector_matches_an_independent_implementation() {
        let key: [u8; 32] = std::array::from_fn(|i| i as u8);
        let id = uuid::Uuid::parse_str("6f1c2d9e-3b7a-4c1e-9f42-0d5e8a7b1c23").expect("uuid");
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
        let cases = [
            (AssistanceAction::Enable, day(2026, 3, 10), "95290658"),
            (AssistanceAction::Disable, day(2026, 3, 10), "48131467"),
            (AssistanceAction::Enable, day(2026, 3, 9), "32619953"),
            (AssistanceAction::Enable, day(2026, 1, 6), "09550173"),
        ];
        for (action, date, expected) in cases {
            assert_eq!(
                code_for(&key, action, &id, date),
                expected,
                "{action:?} {date}"
            );
        }
    }

    #[test]
    fn codes_read_in_two_groups_and_typing_noise_is_ignored() {
        assert_eq!(display_code("09550173"), "0955 0173");
        assert_eq!(display_code("0955 0173"), "0955 0173");
        assert_eq!(normalize_code(" 0955-0173 "), "09550173");
        assert_eq!(normalize_code("09\u{a0}55–01 73\t"), "09550173");
        assert_eq!(normalize_code("12ab"), "12ab");
    }

    /// A frozen "now": 10 March 2026, 14:00 local time.
    fn frozen_now() -> DateTime<Local> {
        Local
            .with_ymd_and_hms(2026, 3, 10, 14, 0, 0)
            .single()
            .expect("unambiguous local time")
    }

    struct Setup {
        _dir: tempfile::TempDir,
        home: Home,
        key: [u8; 32],
        id: uuid::Uuid,
    }

    impl Setup {
        /// A home with an identity, a support key and (optionally) a store.
        fn new(with_store: bool) -> Self {
            let dir = tempfile::tempdir().expect("tempdir");
            let home = Home::at(dir.path());
            home.ensure().expect("ensure");
            let id = Installation::load_or_create(&home)
                .expect("installation")
                .installation_id;
            let key = installation::support_key(&home).expect("key");
            if with_store {
                let path = home.default_store_path();
                std::fs::create_dir_all(fsutil::parent_dir(&path)).expect("folder");
                Store::create(&path).expect("store");
            }
            Self {
                _dir: dir,
                home,
                key,
                id,
            }
        }

        fn code(&self, action: AssistanceAction, date: NaiveDate) -> String {
            code_for(&self.key, action, &self.id, date)
        }

        fn today(&self, action: AssistanceAction) -> String {
            self.code(action, frozen_now().date_naive())
        }

        /// A well-formed code that is not the right one today or yesterday.
        fn wrong(&self, action: AssistanceAction) -> String {
            let right = [
                self.today(action),
                self.code(action, frozen_now().date_naive() - TimeDelta::days(1)),
            ];
            // Two right codes at most, so one of the first three numbers is wrong.
            (0..3)
                .map(|n| format!("{n:08}"))
                .find(|c| !right.contains(c))
                .expect("some other code")
        }

        fn audit_lines(&self) -> Vec<(String, String)> {
            let store = Store::open(&self.home.default_store_path()).expect("open");
            let mut stmt = store
                .connection()
                .prepare(
                    "SELECT action, detail FROM audit_log WHERE action LIKE 'assistance.%' ORDER BY id",
                )
                .expect("prepare");
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .expect("query")
                .collect::<Result<_, _>>()
                .expect("rows")
        }
    }

    use AssistanceAction::{Disable, Enable};

    #[test]
    fn todays_and_yesterdays_codes_work_the_day_before_yesterdays_does_not() {
        let s = Setup::new(false);
        let now = frozen_now();
        let today = now.date_naive();
        let yesterday = s.code(Enable, today - TimeDelta::days(1));
        let before = s.code(Enable, today - TimeDelta::days(2));
        assert!(matches!(
            enable(&s.home, &before, now),
            Err(AssistanceError::WrongCode { remaining_tries: 4 })
        ));
        assert_eq!(
            enable(&s.home, &yesterday, now).expect("yesterday"),
            AssistanceOutcome::Enabled
        );
        assert_eq!(
            disable(&s.home, &s.today(Disable), now).expect("today"),
            AssistanceOutcome::Disabled
        );
        // Just after midnight, yesterday's code (the day support sent it) still works.
        let next_morning = now + TimeDelta::hours(11);
        assert_eq!(
            enable(&s.home, &s.today(Enable), next_morning).expect("next day"),
            AssistanceOutcome::Enabled
        );
    }

    #[test]
    fn an_enable_code_does_not_disable_and_the_other_way_round() {
        let s = Setup::new(false);
        let now = frozen_now();
        assert!(matches!(
            enable(&s.home, &s.today(Disable), now),
            Err(AssistanceError::WrongCode { .. })
        ));
        enable(&s.home, &s.today(Enable), now).expect("enable");
        assert!(matches!(
            disable(&s.home, &s.today(Enable), now),
            Err(AssistanceError::WrongCode { .. })
        ));
        assert!(status(&s.home, now).enabled);
    }

    #[test]
    fn spaces_and_dashes_are_ignored() {
        let s = Setup::new(false);
        let code = s.today(Enable);
        let typed = format!(" {}-{} ", &code[..4], &code[4..]);
        assert_eq!(
            enable(&s.home, &typed, frozen_now()).expect("enable"),
            AssistanceOutcome::Enabled
        );
        let code = display_code(&s.today(Disable));
        assert_eq!(
            disable(&s.home, &code, frozen_now()).expect("disable"),
            AssistanceOutcome::Disabled
        );
    }

    #[test]
    fn five_wrong_entries_lock_for_fifteen_minutes_across_restarts() {
        let s = Setup::new(false);
        let now = frozen_now();
        let wrong = s.wrong(Enable);
        for remaining in (1..MAX_FAILURES).rev() {
            match enable(&s.home, &wrong, now) {
                Err(AssistanceError::WrongCode { remaining_tries }) => {
                    assert_eq!(remaining_tries, remaining);
                }
                other => panic!("expected a wrong code, got {other:?}"),
            }
        }
        let until = now + TimeDelta::minutes(LOCK_MINUTES);
        match enable(&s.home, &wrong, now) {
            Err(AssistanceError::Locked { until: u }) => assert_eq!(u, until),
            other => panic!("expected the lock, got {other:?}"),
        }

        // A "restart": nothing is kept in memory, the next entry reads the disk.
        let on_disk: Attempts = serde_json::from_slice(
            &std::fs::read(s.home.root().join(ATTEMPTS_FILE_NAME)).expect("attempts file"),
        )
        .expect("json");
        assert_eq!(on_disk.failures, MAX_FAILURES);
        assert_eq!(on_disk.locked_until, Some(until));
        let st = status(&s.home, now + TimeDelta::minutes(1));
        assert_eq!((st.failures, st.locked_until), (MAX_FAILURES, Some(until)));

        // Even the right code is refused while locked, and does not extend the lock.
        let almost = until - TimeDelta::seconds(1);
        match enable(&s.home, &s.today(Enable), almost) {
            Err(AssistanceError::Locked { until: u }) => assert_eq!(u, until),
            other => panic!("expected the lock, got {other:?}"),
        }
        assert!(!status(&s.home, almost).enabled);

        // Fifteen minutes later, entry is open again with a fresh series.
        let st = status(&s.home, until);
        assert_eq!((st.failures, st.locked_until), (0, None));
        assert_eq!(
            enable(&s.home, &s.today(Enable), until).expect("after the lock"),
            AssistanceOutcome::Enabled
        );
    }

    #[test]
    fn a_right_code_resets_the_count_and_the_count_survives_a_restart() {
        let s = Setup::new(false);
        let now = frozen_now();
        let wrong = s.wrong(Enable);
        for _ in 0..3 {
            let _ = enable(&s.home, &wrong, now);
        }
        assert_eq!(status(&s.home, now).failures, 3);
        enable(&s.home, &s.today(Enable), now).expect("enable");
        assert_eq!(status(&s.home, now).failures, 0);
        // Garbage counts as a wrong entry too.
        assert!(matches!(
            disable(&s.home, "bonjour", now),
            Err(AssistanceError::WrongCode { remaining_tries: 4 })
        ));
    }

    #[test]
    fn enabling_twice_is_refused_without_counting_an_attempt() {
        let s = Setup::new(false);
        let now = frozen_now();
        assert!(matches!(
            disable(&s.home, &s.wrong(Disable), now),
            Err(AssistanceError::AlreadyDisabled)
        ));
        enable(&s.home, &s.today(Enable), now).expect("enable");
        assert!(matches!(
            enable(&s.home, &s.wrong(Enable), now),
            Err(AssistanceError::AlreadyEnabled)
        ));
        assert_eq!(status(&s.home, now).failures, 0);
    }

    #[test]
    fn entries_are_audited_in_the_store_without_the_code() {
        let s = Setup::new(true);
        let now = frozen_now();
        let wrong = s.wrong(Enable);
        let right = s.today(Enable);
        assert!(enable(&s.home, &wrong, now).is_err());
        enable(&s.home, &right, now).expect("enable");
        let off = s.today(Disable);
        disable(&s.home, &off, now).expect("disable");
        let lines = s.audit_lines();
        assert_eq!(
            lines,
            [
                (
                    "assistance.activation".to_owned(),
                    "code refusé (1/5)".to_owned()
                ),
                (
                    "assistance.activation".to_owned(),
                    "code accepté".to_owned()
                ),
                (
                    "assistance.desactivation".to_owned(),
                    "code accepté".to_owned()
                ),
            ]
        );
        let store = Store::open(&s.home.default_store_path()).expect("open");
        for entry in store.recent_audit(100).expect("audit") {
            let text = format!("{} {} {}", entry.actor, entry.action, entry.detail);
            for code in [&wrong, &right, &off] {
                assert!(
                    !text.contains(code.as_str()),
                    "code in the audit log: {text}"
                );
                assert!(
                    !text.contains(&display_code(code)),
                    "code in the audit log: {text}"
                );
            }
        }
    }

    #[test]
    fn entries_work_without_a_store_or_with_a_broken_configuration() {
        let s = Setup::new(false);
        let now = frozen_now();
        enable(&s.home, &s.today(Enable), now).expect("no store");
        std::fs::write(s.home.config_file(), "[connection\n").expect("break config");
        disable(&s.home, &s.today(Disable), now).expect("broken config");
        assert!(
            !s.home.default_store_path().exists(),
            "no store may be created"
        );
    }

    #[test]
    fn the_service_state_follows_the_mode() {
        let s = Setup::new(false);
        let now = frozen_now();
        let mut state = PersistedState::load(&s.home);
        state.set_connection(ConnectionState::Connected, "ok");
        state.save(&s.home).expect("save");

        enable(&s.home, &s.today(Enable), now).expect("enable");
        let state = PersistedState::load(&s.home);
        assert!(state.assistance);
        assert_eq!(state.state_key(), "assistance");
        assert!(status(&s.home, now).enabled);

        disable(&s.home, &s.today(Disable), now).expect("disable");
        let state = PersistedState::load(&s.home);
        assert!(!state.assistance);
        assert_eq!(state.connection, ConnectionState::Unknown);
        assert_eq!(state.state_key(), "unknown");
        let keys: Vec<&str> = state.history.iter().map(|e| e.state.as_str()).collect();
        assert_eq!(keys, ["connected", "assistance", "unknown"]);
    }
}
