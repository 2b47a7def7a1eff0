//! Tab "Net Entreprise" of an account: the declarant's SIRET, nom, prénom and
//! mot de passe on the Net-entreprises portal (seed 001), kept exactly as
//! typed with the password encrypted by the installation's key, and the blue
//! ball button that tests them against the portal.
//!
//! The SIRET is checked here (14 digits and their key) before anything is
//! sent. A test is made once and never again by itself: three refusals lock the
//! account on the portal, so a second test of the same portal account (SIRET,
//! nom, prénom) within a minute is refused until the user confirms it
//! ([`TestError::RecentlyTested`]), and the refusals in a row are counted.
//! "Tester tous les comptes" ([`test_all`]) tests every account at once with a
//! bounded number of calls in flight, one call per portal account and password
//! (the seed says several users often share the same credentials), as a job
//! that only one process runs at a time.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension as _, params};
use serde::Serialize;

use super::{AccountError, AccountField, Actor, FieldIssue, FieldProblem};
use crate::config::{Config, ConfigError, ConnectionKind};
use crate::connection::net_entreprises::{CredentialVerdict, Credentials, Portal};
use crate::connection::servers::{ServerProblem, Step};
use crate::home::Home;
use crate::identifiers;
use crate::jobs::{Cancel, JobError, JobKind, JobLock, Phase, Progress};
use crate::secrets::{SecretError, SecretKey};
use crate::store::{Store, StoreError};

/// The longest "Nom" or "Prénom" kept.
pub const NAME_MAX_CHARS: usize = 200;

/// A second test of the same portal account within this time asks first.
pub const RETEST_WINDOW: chrono::Duration = chrono::Duration::seconds(60);

/// How many calls "Tester tous les comptes" keeps in flight at most.
pub const MAX_CONCURRENT_TESTS: usize = 8;

/// A portal account: what Net-entreprises knows a declarant by (the password
/// aside). Two users with the same SIRET, nom and prénom share one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct PortalAccount {
    /// SIRET.
    pub siret: String,
    /// Nom.
    pub last_name: String,
    /// Prénom.
    pub first_name: String,
}

impl PortalAccount {
    /// The portal account of `credentials`.
    pub fn of(credentials: &Credentials) -> Self {
        Self {
            siret: credentials.siret.clone(),
            last_name: credentials.last_name.clone(),
            first_name: credentials.first_name.clone(),
        }
    }
}

/// The last test of a portal account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestRecord {
    /// When (RFC 3339).
    pub tested_at: String,
    /// The verdict's code ([`CredentialVerdict::code`]).
    pub outcome: String,
    /// Refusals in a row (reset by a success).
    pub refusals: u32,
}

/// An account's credentials as the list shows them: never the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CredentialsSummary {
    /// SIRET.
    pub siret: String,
    /// Nom.
    pub last_name: String,
    /// Prénom.
    pub first_name: String,
    /// When they were last saved.
    pub updated_at: String,
    /// The last test of their portal account, if any.
    pub last_test: Option<TestRecord>,
}

/// A stored row, the password still encrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredRow {
    pub(crate) siret: String,
    pub(crate) last_name: String,
    pub(crate) first_name: String,
    pub(crate) password_encrypted: String,
    pub(crate) updated_at: String,
}

pub(crate) fn stored_row(conn: &Connection, user_id: i64) -> rusqlite::Result<Option<StoredRow>> {
    conn.query_row(
        "SELECT siret, last_name, first_name, password_encrypted, updated_at
         FROM net_entreprises_credentials WHERE user_id = ?1",
        [user_id],
        |r| {
            Ok(StoredRow {
                siret: r.get(0)?,
                last_name: r.get(1)?,
                first_name: r.get(2)?,
                password_encrypted: r.get(3)?,
                updated_at: r.get(4)?,
            })
        },
    )
    .optional()
}

/// The credentials of the account `user_id` as the list shows them.
pub fn summary(conn: &Connection, user_id: i64) -> rusqlite::Result<Option<CredentialsSummary>> {
    let Some(row) = stored_row(conn, user_id)? else {
        return Ok(None);
    };
    let account = PortalAccount {
        siret: row.siret.clone(),
        last_name: row.last_name.clone(),
        first_name: row.first_name.clone(),
    };
    Ok(Some(CredentialsSummary {
        last_test: last_test(conn, &account)?,
        siret: row.siret,
        last_name: row.last_name,
        first_name: row.first_name,
        updated_at: row.updated_at,
    }))
}

/// The last test of a portal account.
pub fn last_test(
    conn: &Connection,
    account: &PortalAccount,
) -> rusqlite::Result<Option<TestRecord>> {
    conn.query_row(
        "SELECT tested_at, outcome, refusals FROM net_entreprises_tests
         WHERE siret = ?1 AND last_name = ?2 AND first_name = ?3",
        params![account.siret, account.last_name, account.first_name],
        |r| {
            Ok(TestRecord {
                tested_at: r.get(0)?,
                outcome: r.get(1)?,
                refusals: r.get(2)?,
            })
        },
    )
    .optional()
}

/// Whether `siret` may be sent: 14 digits, exactly as typed, and their key.
pub fn check_siret(siret: &str) -> Result<(), FieldIssue> {
    if siret.is_empty() {
        return Err(FieldIssue::Empty);
    }
    if !siret.chars().all(|c| c.is_ascii_digit()) {
        return Err(FieldIssue::SiretNotDigits);
    }
    if siret.len() != 14 {
        return Err(FieldIssue::SiretLength { len: siret.len() });
    }
    if !identifiers::siret_is_valid(siret) {
        return Err(FieldIssue::SiretKey);
    }
    Ok(())
}

/// Checks the fields of the tab as typed; `password: None` keeps the stored
/// one, which must then exist (`stored`).
pub(crate) fn check_fields(
    siret: &str,
    last_name: &str,
    first_name: &str,
    password: Option<&str>,
    stored: bool,
    problems: &mut Vec<FieldProblem>,
) {
    if let Err(issue) = check_siret(siret) {
        problems.push(FieldProblem {
            field: AccountField::Siret,
            issue,
        });
    }
    for (field, value) in [
        (AccountField::LastName, last_name),
        (AccountField::FirstName, first_name),
    ] {
        // A name is kept as typed, spaces included; only spaces is no name.
        if value.trim().is_empty() {
            problems.push(FieldProblem {
                field,
                issue: FieldIssue::Empty,
            });
        } else if value.chars().count() > NAME_MAX_CHARS {
            problems.push(FieldProblem {
                field,
                issue: FieldIssue::TooLong {
                    max: NAME_MAX_CHARS,
                },
            });
        }
    }
    let missing = match password {
        Some(p) => p.is_empty(),
        None => !stored,
    };
    if missing {
        problems.push(FieldProblem {
            field: AccountField::NetPassword,
            issue: FieldIssue::Empty,
        });
    }
}

/// Why a test was not made (the portal's answers are verdicts, not errors).
#[derive(Debug, thiserror::Error)]
pub enum TestError {
    /// The account may not be tested by this actor, or does not exist.
    #[error(transparent)]
    Account(#[from] AccountError),
    /// The account has no Net-entreprises credentials.
    #[error("{login} has no Net-entreprises credentials")]
    NoCredentials {
        /// The account.
        login: String,
    },
    /// These portal accounts were tested less than a minute ago: a new test
    /// must be confirmed. Nothing was sent.
    #[error("tested less than a minute ago: {accounts:?}")]
    RecentlyTested {
        /// The portal accounts, with who holds them and how long ago.
        accounts: Vec<RecentTest>,
    },
    /// The stored password cannot be decrypted on this workstation.
    #[error("stored password of {login} unreadable: {source}")]
    Unreadable {
        /// The account.
        login: String,
        /// Why.
        source: SecretError,
    },
    /// The connection settings cannot be read.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The proxy password cannot be decrypted.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// Another "Tester tous les comptes" runs.
    #[error(transparent)]
    Job(#[from] JobError),
    /// The store could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A portal account tested less than a minute ago.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecentTest {
    /// The portal account.
    pub account: PortalAccount,
    /// The logins that hold it here.
    pub logins: Vec<String>,
    /// Seconds since its last test.
    pub seconds_ago: i64,
    /// Its last verdict's code.
    pub outcome: String,
}

/// One test made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tested {
    /// The portal account.
    pub account: PortalAccount,
    /// What the portal said.
    pub verdict: CredentialVerdict,
    /// When.
    pub tested_at: String,
    /// Refusals in a row of this portal account after this test.
    pub refusals: u32,
    /// The address tested (without user information).
    pub url: String,
}

/// What is tested: an account's stored credentials, or credentials typed in
/// the form (not necessarily saved; the stored password when none is typed).
#[derive(Debug, Clone)]
pub enum Source {
    /// The stored credentials of `login`.
    Stored {
        /// The account.
        login: String,
    },
    /// As typed in the tab "Net Entreprise".
    Typed {
        /// The account, when it exists already (its stored password may be used).
        login: Option<String>,
        /// SIRET.
        siret: String,
        /// Nom.
        last_name: String,
        /// Prénom.
        first_name: String,
        /// Mot de passe; `None` takes the stored one.
        password: Option<super::Secret>,
    },
}

/// The blue ball: tests one account's credentials with the portal of the
/// connection settings. Refused without a call when the SIRET (or another
/// field) is wrong, and when the portal account was tested less than
/// [`RETEST_WINDOW`] ago unless `confirmed`. The verdict is recorded with the
/// portal account and in the audit log.
pub fn test_one(
    home: &Home,
    store: &Store,
    actor: &Actor,
    source: &Source,
    confirmed: bool,
) -> Result<Tested, TestError> {
    crate::fsutil::debug_assert_not_ui_thread("net_entreprises::test_one");
    let login = match source {
        Source::Stored { login } => Some(login.clone()),
        Source::Typed { login, .. } => login.clone(),
    };
    may_test(store, actor, login.as_deref())?;
    let credentials = match source {
        Source::Stored { login } => match super::credentials_of(home, store, login) {
            Ok(Some(c)) => c,
            Ok(None) => {
                return Err(TestError::NoCredentials {
                    login: login.clone(),
                });
            }
            Err(AccountError::Secret(source)) => {
                return Err(TestError::Unreadable {
                    login: login.clone(),
                    source,
                });
            }
            Err(e) => return Err(e.into()),
        },
        Source::Typed {
            login,
            siret,
            last_name,
            first_name,
            password,
        } => {
            let stored = match (password, login) {
                (None, Some(login)) => match super::credentials_of(home, store, login) {
                    Ok(c) => c,
                    Err(AccountError::Secret(source)) => {
                        return Err(TestError::Unreadable {
                            login: login.clone(),
                            source,
                        });
                    }
                    Err(e) => return Err(e.into()),
                },
                _ => None,
            };
            let mut problems = Vec::new();
            check_fields(
                siret,
                last_name,
                first_name,
                password.as_ref().map(|p| p.0.as_str()),
                stored.is_some(),
                &mut problems,
            );
            if !problems.is_empty() {
                return Err(AccountError::Fields { problems }.into());
            }
            let secret = match (password, &stored) {
                (Some(p), _) => p.0.clone(),
                (None, Some(s)) => s.password().to_owned(),
                (None, None) => String::new(),
            };
            Credentials::new(siret, last_name, first_name, &secret)
        }
    };
    if let Err(issue) = check_siret(&credentials.siret) {
        return Err(AccountError::Fields {
            problems: vec![FieldProblem {
                field: AccountField::Siret,
                issue,
            }],
        }
        .into());
    }
    let account = PortalAccount::of(&credentials);
    let now = Utc::now();
    if !confirmed && let Some(recent) = recent(store, &account, now)? {
        return Err(TestError::RecentlyTested {
            accounts: vec![RecentTest {
                logins: login.into_iter().collect(),
                ..recent
            }],
        });
    }
    let portal = portal(home)?;
    let verdict = match &portal {
        Ok(portal) => portal.check(&credentials),
        Err((step, problem)) => CredentialVerdict::Unreachable {
            step: *step,
            problem: problem.clone(),
        },
    };
    drop(credentials);
    let url = portal.as_ref().map_or_else(|_| String::new(), Portal::url);
    let tested = record(store, actor, &account, login.as_deref(), verdict, now, &url)?;
    Ok(tested)
}

/// Whether `actor` may test the account `login` (any account for an
/// administrator; a new account's typed credentials too).
fn may_test(store: &Store, actor: &Actor, login: Option<&str>) -> Result<(), AccountError> {
    match actor {
        Actor::Installation { .. } | Actor::FirstAccount { .. } => Ok(()),
        Actor::User(me) => {
            let now = Utc::now();
            let all = super::list(store.connection(), now).map_err(|e| store.err(e))?;
            let current =
                all.users
                    .iter()
                    .find(|u| u.id == me.id)
                    .ok_or(AccountError::NotAllowed {
                        what: super::Denied::ActorGone,
                    })?;
            let own = login.is_some_and(|l| l.to_lowercase() == current.login.to_lowercase());
            if current.acts_as_administrator || own {
                Ok(())
            } else {
                Err(AccountError::NotAllowed {
                    what: super::Denied::OtherAccount,
                })
            }
        }
    }
}

/// The last test of `account` if it was less than [`RETEST_WINDOW`] ago.
fn recent(
    store: &Store,
    account: &PortalAccount,
    now: DateTime<Utc>,
) -> Result<Option<RecentTest>, StoreError> {
    let Some(last) = last_test(store.connection(), account).map_err(|e| store.err(e))? else {
        return Ok(None);
    };
    // An unreadable time counts as just now: asking once too often is safer
    // than a lock-out.
    let ago = DateTime::parse_from_rfc3339(&last.tested_at)
        .map_or(chrono::Duration::zero(), |t| now - t.with_timezone(&Utc));
    Ok((ago < RETEST_WINDOW).then(|| RecentTest {
        account: account.clone(),
        logins: Vec::new(),
        seconds_ago: ago.num_seconds().max(0),
        outcome: last.outcome,
    }))
}

/// The portal of the configuration of `home`, or why no call can be made.
fn portal(home: &Home) -> Result<Result<Portal, (Step, ServerProblem)>, TestError> {
    let config = Config::load(home)?;
    let settings = &config.connection;
    let proxy_password = match (&settings.kind, &settings.proxy.password_encrypted) {
        (ConnectionKind::Proxy, Some(stored)) => {
            Some(SecretKey::load_or_create(home)?.decrypt(stored)?)
        }
        _ => None,
    };
    Ok(Portal::new(settings, proxy_password.as_deref()))
}

/// Records a test of `account` (one transaction): its verdict, the refusals in
/// a row, and the audit line.
fn record(
    store: &Store,
    actor: &Actor,
    account: &PortalAccount,
    login: Option<&str>,
    verdict: CredentialVerdict,
    now: DateTime<Utc>,
    url: &str,
) -> Result<Tested, StoreError> {
    let tx = rusqlite::Transaction::new_unchecked(
        store.connection(),
        rusqlite::TransactionBehavior::Immediate,
    )
    .map_err(|e| store.err(e))?;
    let tested = record_in(
        store,
        actor,
        account,
        &[login.unwrap_or("")],
        verdict,
        now,
        url,
    )?;
    tx.commit().map_err(|e| store.err(e))?;
    Ok(tested)
}

/// The writes of [`record`], inside the caller's transaction.
fn record_in(
    store: &Store,
    actor: &Actor,
    account: &PortalAccount,
    logins: &[&str],
    verdict: CredentialVerdict,
    now: DateTime<Utc>,
    url: &str,
) -> Result<Tested, StoreError> {
    let conn = store.connection();
    let before = last_test(conn, account)
        .map_err(|e| store.err(e))?
        .map_or(0, |t| t.refusals);
    let refusals = if verdict.is_refusal() {
        before.saturating_add(1)
    } else if verdict.is_valid() {
        0
    } else {
        before
    };
    let tested_at = now.to_rfc3339();
    conn.execute(
        "INSERT INTO net_entreprises_tests (siret, last_name, first_name, tested_at, outcome, refusals)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (siret, last_name, first_name) DO UPDATE SET
           tested_at = excluded.tested_at, outcome = excluded.outcome,
           refusals = excluded.refusals",
        params![
            account.siret,
            account.last_name,
            account.first_name,
            tested_at,
            verdict.code(),
            refusals
        ],
    )
    .map_err(|e| store.err(e))?;
    let logins: Vec<&str> = logins.iter().copied().filter(|l| !l.is_empty()).collect();
    store.audit(
        actor.audit_name(),
        "net_entreprises.tested",
        &format!(
            "login={} siret={} resultat={}",
            if logins.is_empty() {
                "(nouveau compte)".to_owned()
            } else {
                logins.join(",")
            },
            account.siret,
            verdict.code()
        ),
    )?;
    tracing::info!(
        siret = %account.siret,
        resultat = verdict.code(),
        "test des identifiants Net-entreprises"
    );
    Ok(Tested {
        account: account.clone(),
        verdict,
        tested_at,
        refusals,
        url: url.to_owned(),
    })
}

/// What became of one account in "Tester tous les comptes".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LineOutcome {
    /// Tested (alone or with the accounts sharing its credentials).
    Tested(Tested),
    /// Not tested: its stored password cannot be decrypted here.
    Unreadable,
    /// Not tested: another password of the same portal account was tested
    /// just before; testing it too must be confirmed.
    SameAccountJustTested {
        /// The login whose password was tested.
        tested_with: String,
    },
    /// Not tested: the SIRET stored cannot be sent.
    BadSiret,
    /// Not tested: "Annuler" was asked first.
    Cancelled,
}

/// One account's line in "Tester tous les comptes".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountLine {
    /// The account.
    pub login: String,
    /// Its "Nom détaillé".
    pub display_name: String,
    /// What became of it.
    pub outcome: LineOutcome,
}

impl AccountLine {
    /// Whether the portal accepted this account's credentials.
    pub fn is_valid(&self) -> bool {
        matches!(&self.outcome, LineOutcome::Tested(t) if t.verdict.is_valid())
    }
}

/// "Tester tous les comptes".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestAllReport {
    /// One line per account with credentials, by login.
    pub lines: Vec<AccountLine>,
    /// How many calls were made to the portal.
    pub calls: usize,
}

impl TestAllReport {
    /// Whether every account's credentials were accepted.
    pub fn all_valid(&self) -> bool {
        !self.lines.is_empty() && self.lines.iter().all(AccountLine::is_valid)
    }
}

/// A call's verdict and when it came.
type Answered = (CredentialVerdict, DateTime<Utc>);

/// One call to make: a portal account and a password, and who holds them.
struct Call {
    account: PortalAccount,
    credentials: Credentials,
    logins: Vec<String>,
}

/// "Tester tous les comptes": tests the credentials of every account at once,
/// with at most [`MAX_CONCURRENT_TESTS`] calls in flight. Accounts that share
/// the same credentials are tested with one call; another password of the same
/// portal account is tested only when `confirmed` (after the first one, never
/// at the same time). Refused without any call while a portal account was
/// tested less than a minute ago, unless `confirmed`, and while another
/// "Tester tous les comptes" runs (its lock). Administrators only. "Annuler"
/// stops before the calls not yet made.
pub fn test_all(
    home: &Home,
    store_path: &std::path::Path,
    actor: &Actor,
    confirmed: bool,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<TestAllReport, TestError> {
    crate::fsutil::debug_assert_not_ui_thread("net_entreprises::test_all");
    let _lock = JobLock::acquire(home, JobKind::NetEntreprisesTests)?;
    let store = Store::open(store_path)?;
    match actor {
        Actor::User(me) if !me_is_administrator(&store, me.id)? => {
            return Err(AccountError::NotAllowed {
                what: super::Denied::OtherAccount,
            }
            .into());
        }
        _ => {}
    }
    let now = Utc::now();
    let all = super::list(store.connection(), now).map_err(|e| store.err(e))?;
    let key = SecretKey::load_or_create(home)?;

    // Each account's line, and the calls to make.
    let mut lines: Vec<AccountLine> = Vec::new();
    let mut calls: Vec<Call> = Vec::new();
    for user in &all.users {
        let Some(stored) = stored_row(store.connection(), user.id).map_err(|e| store.err(e))?
        else {
            continue;
        };
        let mut line = AccountLine {
            login: user.login.clone(),
            display_name: user.display_name.clone(),
            outcome: LineOutcome::Cancelled,
        };
        if check_siret(&stored.siret).is_err() {
            line.outcome = LineOutcome::BadSiret;
            lines.push(line);
            continue;
        }
        let Ok(password) = key.decrypt(&stored.password_encrypted) else {
            line.outcome = LineOutcome::Unreadable;
            lines.push(line);
            continue;
        };
        let credentials = Credentials::new(
            &stored.siret,
            &stored.last_name,
            &stored.first_name,
            &password,
        );
        match calls.iter_mut().find(|c| c.credentials == credentials) {
            Some(call) => call.logins.push(user.login.clone()),
            None => calls.push(Call {
                account: PortalAccount::of(&credentials),
                credentials,
                logins: vec![user.login.clone()],
            }),
        }
        lines.push(line);
    }

    // The portal accounts tested a moment ago, and the extra passwords of one
    // portal account: both wait for a confirmation.
    let mut recent_tests = Vec::new();
    let mut seen: HashMap<PortalAccount, String> = HashMap::new();
    let mut skipped: Vec<(Vec<String>, String)> = Vec::new();
    calls.retain(|call| {
        if let Some(first) = seen.get(&call.account) {
            if !confirmed {
                skipped.push((call.logins.clone(), first.clone()));
                return false;
            }
        } else {
            seen.insert(call.account.clone(), call.logins[0].clone());
        }
        true
    });
    for account in seen.keys() {
        if let Some(mut r) = recent(&store, account, now)? {
            r.logins = calls
                .iter()
                .filter(|c| &c.account == account)
                .flat_map(|c| c.logins.clone())
                .collect();
            recent_tests.push(r);
        }
    }
    if !confirmed && !recent_tests.is_empty() {
        recent_tests.sort_by(|a, b| a.logins.cmp(&b.logins));
        return Err(TestError::RecentlyTested {
            accounts: recent_tests,
        });
    }

    // The calls: one worker per portal account at a time, at most
    // MAX_CONCURRENT_TESTS workers.
    let portal = portal(home)?;
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, call) in calls.iter().enumerate() {
        match groups
            .iter_mut()
            .find(|g| calls[g[0]].account == call.account)
        {
            Some(group) => group.push(i),
            None => groups.push(vec![i]),
        }
    }
    let total = lines.len() as u64;
    progress.phase(Phase::NetEntreprisesTests, total);
    let verdicts: Mutex<Vec<Option<Answered>>> = Mutex::new(vec![None; calls.len()]);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(lines.len() - calls.iter().map(|c| c.logins.len()).sum::<usize>());
    let workers = MAX_CONCURRENT_TESTS.min(groups.len());
    std::thread::scope(|scope| {
        for n in 0..workers {
            let (groups, calls, verdicts, next, done, portal) =
                (&groups, &calls, &verdicts, &next, &done, &portal);
            let work = move || {
                loop {
                    let g = next.fetch_add(1, Ordering::SeqCst);
                    let Some(group) = groups.get(g) else { break };
                    for &i in group {
                        if cancel.is_cancelled() {
                            break;
                        }
                        let verdict = match portal {
                            Ok(portal) => portal.check(&calls[i].credentials),
                            Err((step, problem)) => CredentialVerdict::Unreachable {
                                step: *step,
                                problem: problem.clone(),
                            },
                        };
                        if let Ok(mut v) = verdicts.lock() {
                            v[i] = Some((verdict, Utc::now()));
                        }
                        let finished = done.fetch_add(calls[i].logins.len(), Ordering::SeqCst)
                            + calls[i].logins.len();
                        progress.advance(finished as u64);
                    }
                }
            };
            let spawned = std::thread::Builder::new()
                .name(format!("test-net-entreprises-{n}"))
                .spawn_scoped(scope, work);
            if let Err(e) = spawned {
                tracing::warn!(error = %e, "test Net-entreprises : un fil de travail n'a pas démarré");
            }
        }
    });
    let verdicts = verdicts.into_inner().unwrap_or_default();

    // Everything recorded in one transaction.
    let url = portal.as_ref().map_or_else(|_| String::new(), Portal::url);
    let tx = rusqlite::Transaction::new_unchecked(
        store.connection(),
        rusqlite::TransactionBehavior::Immediate,
    )
    .map_err(|e| store.err(e))?;
    let mut made = 0;
    for (call, verdict) in calls.iter().zip(verdicts) {
        let Some((verdict, at)) = verdict else {
            continue;
        };
        made += 1;
        let logins: Vec<&str> = call.logins.iter().map(String::as_str).collect();
        let tested = record_in(&store, actor, &call.account, &logins, verdict, at, &url)?;
        for line in lines.iter_mut().filter(|l| call.logins.contains(&l.login)) {
            line.outcome = LineOutcome::Tested(tested.clone());
        }
    }
    tx.commit().map_err(|e| store.err(e))?;
    for (logins, first) in skipped {
        for line in lines.iter_mut().filter(|l| logins.contains(&l.login)) {
            line.outcome = LineOutcome::SameAccountJustTested {
                tested_with: first.clone(),
            };
        }
    }
    Ok(TestAllReport { lines, calls: made })
}

fn me_is_administrator(store: &Store, id: i64) -> Result<bool, TestError> {
    let all = super::list(store.connection(), Utc::now()).map_err(|e| store.err(e))?;
    Ok(all
        .users
        .iter()
        .any(|u| u.id == id && u.acts_as_administrator))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sirets_are_checked_as_typed() {
        assert_eq!(check_siret("73282932000074"), Ok(()));
        assert_eq!(check_siret(""), Err(FieldIssue::Empty));
        assert_eq!(
            check_siret("73282932000074 "),
            Err(FieldIssue::SiretNotDigits)
        );
        assert_eq!(
            check_siret("732 829 320 00074"),
            Err(FieldIssue::SiretNotDigits)
        );
        assert_eq!(
            check_siret("7328293200007"),
            Err(FieldIssue::SiretLength { len: 13 })
        );
        assert_eq!(check_siret("73282932000075"), Err(FieldIssue::SiretKey));
    }

    #[test]
    fn names_keep_their_spaces_but_are_not_only_spaces() {
        let mut problems = Vec::new();
        check_fields(
            "73282932000074",
            " Dupont ",
            "Zoé",
            Some("x"),
            false,
            &mut problems,
        );
        assert!(problems.is_empty(), "{problems:?}");
        check_fields("73282932000074", "   ", "", None, false, &mut problems);
        let fields: Vec<AccountField> = problems.iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                AccountField::LastName,
                AccountField::FirstName,
                AccountField::NetPassword
            ]
        );
        problems.clear();
        check_fields("73282932000074", "Dupont", "Zoé", None, true, &mut problems);
        assert!(problems.is_empty(), "the stored password is kept");
    }
}
