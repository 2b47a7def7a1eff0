//! The accounts themselves: the list with their open sessions, identification,
//! creation and change of an account (both tabs of the form in one
//! transaction), removal, rights per dossier and "Déconnecter".

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension as _, params};
use serde::Serialize;

use super::net_entreprises::{self, CredentialsSummary};
use super::password;
use super::{AccountError, AccountField, Denied, FieldIssue, FieldProblem, Level, Role};
use crate::connection::net_entreprises::Credentials;
use crate::home::Home;
use crate::secrets::SecretKey;
use crate::store::Store;
use crate::store::sessions::{self, DisconnectError, SessionInfo};

/// The longest login, as the store allows.
pub const LOGIN_MAX_CHARS: usize = 40;
/// The longest "Nom détaillé".
pub const DISPLAY_NAME_MAX_CHARS: usize = 80;

/// A user identified by their password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserIdentity {
    /// Row id.
    pub id: i64,
    /// The login, as stored.
    pub login: String,
    /// "Nom détaillé".
    pub display_name: String,
    /// The role at identification.
    pub role: Role,
    /// Whether the account acts as an administrator: it is one, or it is the
    /// only account of a store without any (seed 001's single workstation).
    pub acts_as_administrator: bool,
}

/// On whose behalf a change is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The command line: the installation's administrator (who can run it on
    /// this folder can write to the store anyway). `who` names the system
    /// account for the audit log.
    Installation {
        /// "ligne de commande (jdupont)".
        who: String,
    },
    /// "Créer le premier compte" in a store that has none yet; refused once
    /// it has one.
    FirstAccount {
        /// Who, for the audit log.
        who: String,
    },
    /// A user identified with [`identify`].
    User(UserIdentity),
}

impl Actor {
    /// The command line, named after the system account that runs it.
    pub fn command_line() -> Self {
        Self::Installation {
            who: format!("ligne de commande ({})", system_user()),
        }
    }

    /// The first account's creation in the centre, named after the system account.
    pub fn first_account() -> Self {
        Self::FirstAccount {
            who: format!("centre de maintenance ({})", system_user()),
        }
    }

    /// Who acted, as the audit log writes it.
    pub fn audit_name(&self) -> &str {
        match self {
            Self::Installation { who } | Self::FirstAccount { who } => who,
            Self::User(u) => &u.login,
        }
    }

    /// The identified user, if the actor is one.
    pub fn user(&self) -> Option<&UserIdentity> {
        match self {
            Self::User(u) => Some(u),
            _ => None,
        }
    }
}

/// The system account running the program, or "inconnu".
fn system_user() -> String {
    whoami::username()
        .ok()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "inconnu".to_owned())
}

/// What an actor may do, as the store says now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Authority {
    /// Everything.
    Administrator,
    /// Only the account `user_id`.
    Own { user_id: i64 },
    /// The first account of an empty store.
    First,
}

/// One account of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserSummary {
    /// Row id.
    pub id: i64,
    /// "Utilisateur".
    pub login: String,
    /// "Nom détaillé".
    pub display_name: String,
    /// Its role.
    pub role: Role,
    /// Whether it acts as an administrator (see [`UserIdentity`]).
    pub acts_as_administrator: bool,
    /// When it was created (as stored).
    pub created_at: String,
    /// Its sessions of the payroll program, with workstation and last sign of life.
    #[serde(skip)]
    pub sessions: Vec<SessionInfo>,
    /// Its Net-entreprises credentials (never the password) and their last test.
    pub net_entreprises: Option<CredentialsSummary>,
}

/// A dossier of the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dossier {
    /// Row id.
    pub id: i64,
    /// Its name.
    pub name: String,
}

/// A right of an account on one dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DossierRight {
    /// The dossier's id.
    pub dossier_id: i64,
    /// Its name.
    pub dossier: String,
    /// The right (every right for an administrator).
    pub level: Level,
}

/// The accounts of a store, the dossiers their rights are about, and every
/// account's rights.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Accounts {
    /// The accounts, by login.
    pub users: Vec<UserSummary>,
    /// The dossiers, by name.
    pub dossiers: Vec<Dossier>,
    /// How many accounts are administrators.
    pub administrators: usize,
    /// The rights, per account id, one per dossier.
    pub rights: Vec<(i64, Vec<DossierRight>)>,
}

impl Accounts {
    /// The account of `login` (any case).
    pub fn user(&self, login: &str) -> Option<&UserSummary> {
        self.users
            .iter()
            .find(|u| u.login.to_lowercase() == login.to_lowercase())
    }

    /// The rights of the account `user_id`, one per dossier.
    pub fn rights_of(&self, user_id: i64) -> &[DossierRight] {
        self.rights
            .iter()
            .find(|(id, _)| *id == user_id)
            .map_or(&[], |(_, r)| r.as_slice())
    }
}

/// A user row.
#[derive(Debug, Clone)]
struct UserRow {
    id: i64,
    login: String,
    display_name: String,
    role: Role,
    password_hash: String,
}

fn read_role(text: &str) -> Role {
    // The store's CHECK allows only the three words.
    Role::parse(text).unwrap_or(Role::Consultation)
}

fn find_user(conn: &Connection, login: &str) -> rusqlite::Result<Option<UserRow>> {
    conn.query_row(
        "SELECT id, login, display_name, role, password_hash
         FROM users WHERE login = ?1 COLLATE NOCASE",
        [login],
        |r| {
            Ok(UserRow {
                id: r.get(0)?,
                login: r.get(1)?,
                display_name: r.get(2)?,
                role: read_role(&r.get::<_, String>(3)?),
                password_hash: r.get(4)?,
            })
        },
    )
    .optional()
}

fn user_by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<UserRow>> {
    let login: Option<String> = conn
        .query_row("SELECT login FROM users WHERE id = ?1", [id], |r| r.get(0))
        .optional()?;
    match login {
        Some(login) => find_user(conn, &login),
        None => Ok(None),
    }
}

/// (accounts, administrators) of the store.
fn counts(conn: &Connection) -> rusqlite::Result<(i64, i64)> {
    conn.query_row(
        "SELECT count(*), count(*) FILTER (WHERE role = 'administrateur') FROM users",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}

/// Whether an account of `role` acts as an administrator in a store of
/// `accounts` accounts, `administrators` of them administrators.
fn acts_as_administrator(role: Role, accounts: i64, administrators: i64) -> bool {
    role == Role::Administrateur || (administrators == 0 && accounts == 1)
}

/// What `actor` may do in the store now.
fn authority(store: &Store, actor: &Actor) -> Result<Authority, AccountError> {
    let conn = store.connection();
    let (accounts, administrators) = counts(conn).map_err(|e| store_err(store, e))?;
    match actor {
        Actor::Installation { .. } => Ok(Authority::Administrator),
        Actor::FirstAccount { .. } if accounts == 0 => Ok(Authority::First),
        Actor::FirstAccount { .. } => Err(AccountError::NotAllowed {
            what: Denied::NotFirstAccount,
        }),
        Actor::User(me) => {
            let row = user_by_id(conn, me.id)
                .map_err(|e| store_err(store, e))?
                .ok_or(AccountError::NotAllowed {
                    what: Denied::ActorGone,
                })?;
            if acts_as_administrator(row.role, accounts, administrators) {
                Ok(Authority::Administrator)
            } else {
                Ok(Authority::Own { user_id: row.id })
            }
        }
    }
}

/// An SQLite error of a change, read for the store's refusals (migration
/// 0005's tags, a taken login) before it is a store error.
fn refusal(store: &Store, e: rusqlite::Error, login: &str) -> AccountError {
    let text = e.to_string();
    if text.contains("IEA_DERNIER_ADMINISTRATEUR") {
        AccountError::LastAdministrator {
            login: login.to_owned(),
        }
    } else if text.contains("IEA_SANS_ADMINISTRATEUR") {
        AccountError::WithoutAdministrator
    } else if text.contains("IEA_DERNIER_COMPTE") {
        AccountError::LastAccount {
            login: login.to_owned(),
        }
    } else if text.contains("IEA_DROIT_INCOHERENT") {
        AccountError::InconsistentRight
    } else if text.contains("UNIQUE constraint failed: users.login") {
        AccountError::Fields {
            problems: vec![FieldProblem {
                field: AccountField::Login,
                issue: FieldIssue::LoginTaken,
            }],
        }
    } else {
        AccountError::Store(store.err(e))
    }
}

// ---------------------------------------------------------------------------
// Reading.

/// Every account with its sessions at `now` and its Net-entreprises
/// credentials, every dossier, and every account's rights.
pub fn list(conn: &Connection, now: DateTime<Utc>) -> rusqlite::Result<Accounts> {
    let (accounts, administrators) = counts(conn)?;
    let all_sessions = sessions::sessions(conn, now)?;
    let mut stmt = conn.prepare(
        "SELECT id, login, display_name, role, created_at FROM users ORDER BY login COLLATE NOCASE",
    )?;
    let rows: Vec<(i64, String, String, String, String)> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut users = Vec::with_capacity(rows.len());
    for (id, login, display_name, role, created_at) in rows {
        let role = read_role(&role);
        let sessions = all_sessions
            .iter()
            .filter(|s| s.login == login)
            .cloned()
            .collect();
        users.push(UserSummary {
            id,
            acts_as_administrator: acts_as_administrator(role, accounts, administrators),
            net_entreprises: net_entreprises::summary(conn, id)?,
            login,
            display_name,
            role,
            created_at,
            sessions,
        });
    }
    let dossiers = dossiers(conn)?;
    let mut rights = Vec::with_capacity(users.len());
    for u in &users {
        rights.push((
            u.id,
            rights_of(conn, u.id, u.acts_as_administrator, &dossiers)?,
        ));
    }
    Ok(Accounts {
        users,
        dossiers,
        administrators: usize::try_from(administrators).unwrap_or(0),
        rights,
    })
}

/// The dossiers of the store, by name.
pub fn dossiers(conn: &Connection) -> rusqlite::Result<Vec<Dossier>> {
    let mut stmt = conn.prepare("SELECT id, name FROM dossiers ORDER BY name COLLATE NOCASE")?;
    stmt.query_map([], |r| {
        Ok(Dossier {
            id: r.get(0)?,
            name: r.get(1)?,
        })
    })?
    .collect()
}

/// The rights of an account on each dossier: every right for one that acts as
/// an administrator.
fn rights_of(
    conn: &Connection,
    user_id: i64,
    administrator: bool,
    dossiers: &[Dossier],
) -> rusqlite::Result<Vec<DossierRight>> {
    let mut stmt = conn.prepare("SELECT dossier_id, level FROM user_rights WHERE user_id = ?1")?;
    let stored: Vec<(i64, String)> = stmt
        .query_map([user_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(dossiers
        .iter()
        .map(|d| {
            let level = if administrator {
                Level::Modification
            } else {
                stored
                    .iter()
                    .find(|(id, _)| *id == d.id)
                    .and_then(|(_, l)| Level::parse(l))
                    .unwrap_or(Level::Aucun)
            };
            DossierRight {
                dossier_id: d.id,
                dossier: d.name.clone(),
                level,
            }
        })
        .collect())
}

// ---------------------------------------------------------------------------
// Identification.

/// Identifies `login` by `password`. A hash made with weaker parameters than
/// this program's is replaced by a new one (and the audit log says so). An
/// unknown login and a wrong password are the same refusal.
pub fn identify(store: &Store, login: &str, password: &str) -> Result<Actor, AccountError> {
    crate::fsutil::debug_assert_not_ui_thread("accounts::identify");
    let conn = store.connection();
    let Some(row) = find_user(conn, login).map_err(|e| store_err(store, e))? else {
        // Hash anyway, so that an unknown login takes as long as a wrong password.
        let _ = password::verify(password, dummy_hash());
        return Err(AccountError::BadCredentials);
    };
    if !password::verify(password, &row.password_hash) {
        return Err(AccountError::BadCredentials);
    }
    if password::needs_rehash(&row.password_hash) {
        let stronger = password::hash(password).map_err(|detail| AccountError::Hash { detail })?;
        let tx = immediate(store)?;
        tx.execute(
            "UPDATE users SET password_hash = ?1 WHERE id = ?2 AND password_hash = ?3",
            params![stronger, row.id, row.password_hash],
        )
        .map_err(|e| store_err(store, e))?;
        store.audit(
            &row.login,
            "user.password_rehashed",
            &format!(
                "login={} argon2id m={} t={} p={}",
                row.login,
                password::MEMORY_KIB,
                password::PASSES,
                password::LANES
            ),
        )?;
        tx.commit().map_err(|e| store_err(store, e))?;
        tracing::info!(login = %row.login, "empreinte du mot de passe renforcée");
    }
    let (accounts, administrators) = counts(conn).map_err(|e| store_err(store, e))?;
    Ok(Actor::User(UserIdentity {
        id: row.id,
        acts_as_administrator: acts_as_administrator(row.role, accounts, administrators),
        login: row.login,
        display_name: row.display_name,
        role: row.role,
    }))
}

/// A valid Argon2id hash of nothing anyone types, for the time of a refusal.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| password::hash("\u{0}identifiant inconnu").unwrap_or_default())
}

fn store_err(store: &Store, e: rusqlite::Error) -> AccountError {
    AccountError::Store(store.err(e))
}

fn immediate(store: &Store) -> Result<rusqlite::Transaction<'_>, AccountError> {
    rusqlite::Transaction::new_unchecked(
        store.connection(),
        rusqlite::TransactionBehavior::Immediate,
    )
    .map_err(|e| store_err(store, e))
}

// ---------------------------------------------------------------------------
// Creation and change.

/// Which account a [`save`] is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// « Nouveau »: an account with this login.
    New {
        /// The login typed.
        login: String,
    },
    /// « Modifier »: the account of this login.
    Existing {
        /// The login.
        login: String,
    },
}

impl Target {
    fn login(&self) -> &str {
        match self {
            Self::New { login } | Self::Existing { login } => login,
        }
    }
}

/// A new Impact emploi password, with its confirmation and, to change one's own,
/// the old one. Its `Debug` shows none of them.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordChange {
    /// "Ancien mot de passe": required to change one's own.
    pub old: Option<String>,
    /// "Mot de passe".
    pub new: String,
    /// « Confirmer ».
    pub confirmation: String,
}

impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordChange(***)")
    }
}

/// What becomes of the Net-entreprises credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialsChange {
    /// Set them as typed; `password: None` keeps the one stored.
    Set {
        /// SIRET.
        siret: String,
        /// Nom.
        last_name: String,
        /// Prénom.
        first_name: String,
        /// Mot de passe; `None` keeps the stored one.
        password: Option<Secret>,
    },
    /// Remove them.
    Remove,
}

/// A typed password; its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// What « Enregistrer » changes; `None` leaves a part as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountChanges {
    /// "Nom détaillé".
    pub display_name: Option<String>,
    /// The role.
    pub role: Option<Role>,
    /// The Impact emploi password.
    pub password: Option<PasswordChange>,
    /// Rights on dossiers (by id); the dossiers not listed keep theirs.
    pub rights: Option<Vec<(i64, Level)>>,
    /// The Net-entreprises credentials.
    pub net_entreprises: Option<CredentialsChange>,
}

/// One part of an account that a save changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Change {
    /// The account was created.
    Created,
    /// "Nom détaillé".
    DisplayName,
    /// The role.
    Role {
        /// Before.
        from: Role,
        /// After.
        to: Role,
    },
    /// The Impact emploi password.
    Password,
    /// Rights on these dossiers.
    Rights {
        /// The dossiers whose right changed, with the new right.
        dossiers: Vec<(String, Level)>,
    },
    /// Rights lowered to consultation by a change to the consultation role.
    RightsLowered {
        /// The dossiers.
        dossiers: Vec<String>,
    },
    /// The Net-entreprises credentials saved.
    NetEntreprises,
    /// The Net-entreprises credentials removed.
    NetEntreprisesRemoved,
}

/// What a save did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Saved {
    /// The account's login.
    pub login: String,
    /// What changed, in order; empty when nothing did.
    pub changes: Vec<Change>,
}

/// Checks a login typed for a new account.
fn check_login(login: &str, problems: &mut Vec<FieldProblem>) {
    let field = AccountField::Login;
    if login.trim().is_empty() {
        problems.push(FieldProblem {
            field,
            issue: FieldIssue::Empty,
        });
    } else if login.chars().count() > LOGIN_MAX_CHARS {
        problems.push(FieldProblem {
            field,
            issue: FieldIssue::TooLong {
                max: LOGIN_MAX_CHARS,
            },
        });
    } else if login.trim() != login || login.chars().any(char::is_control) {
        problems.push(FieldProblem {
            field,
            issue: FieldIssue::LoginCharacters,
        });
    }
}

fn check_display_name(name: &str, problems: &mut Vec<FieldProblem>) {
    let field = AccountField::DisplayName;
    if name.trim().is_empty() {
        problems.push(FieldProblem {
            field,
            issue: FieldIssue::Empty,
        });
    } else if name.chars().count() > DISPLAY_NAME_MAX_CHARS {
        problems.push(FieldProblem {
            field,
            issue: FieldIssue::TooLong {
                max: DISPLAY_NAME_MAX_CHARS,
            },
        });
    }
}

fn check_password(change: &PasswordChange, problems: &mut Vec<FieldProblem>) {
    if let Err(p) = password::check_new(&change.new, &change.confirmation) {
        let field = if p == password::PasswordProblem::Mismatch {
            AccountField::Confirmation
        } else {
            AccountField::Password
        };
        problems.push(FieldProblem {
            field,
            issue: FieldIssue::Password(p),
        });
    }
}

fn is_net_field(field: AccountField) -> bool {
    matches!(
        field,
        AccountField::Siret
            | AccountField::LastName
            | AccountField::FirstName
            | AccountField::NetPassword
    )
}

/// The problems of the fields of a save, all at once, that need nothing but
/// what was typed: what the form shows next to its fields before anything is
/// sent. `stored_net_password`: whether a Net-entreprises password is stored
/// (`None`: the Net-entreprises fields are not checked); `own_password`:
/// whether a change of password is one's own (the old one is then required).
/// [`save`] checks the same, and what needs the store (a login taken).
pub fn check_fields(
    target: &Target,
    changes: &AccountChanges,
    stored_net_password: Option<bool>,
    own_password: bool,
) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    if let Target::New { login } = target {
        check_login(login, &mut problems);
        if changes.display_name.is_none() {
            problems.push(FieldProblem {
                field: AccountField::DisplayName,
                issue: FieldIssue::Empty,
            });
        }
        if changes.password.is_none() {
            problems.push(FieldProblem {
                field: AccountField::Password,
                issue: FieldIssue::Empty,
            });
        }
    }
    if let Some(name) = &changes.display_name {
        check_display_name(name, &mut problems);
    }
    if let Some(change) = &changes.password {
        if own_password && change.old.as_deref().is_none_or(str::is_empty) {
            problems.push(FieldProblem {
                field: AccountField::OldPassword,
                issue: FieldIssue::Empty,
            });
        }
        check_password(change, &mut problems);
    }
    if let (
        Some(stored),
        Some(CredentialsChange::Set {
            siret,
            last_name,
            first_name,
            password,
        }),
    ) = (stored_net_password, &changes.net_entreprises)
    {
        net_entreprises::check_fields(
            siret,
            last_name,
            first_name,
            password.as_ref().map(|p| p.0.as_str()),
            stored,
            &mut problems,
        );
    }
    problems
}

/// « Enregistrer »: creates the account (`Target::New`) or changes it, both
/// tabs at once, in one transaction with its lines in the audit log. Every
/// field is checked first and all problems are given together; nothing is
/// written then. An administrator may change everything; anyone else only
/// their own display name, password (giving the old one) and Net-entreprises
/// credentials.
pub fn save(
    home: &Home,
    store: &Store,
    actor: &Actor,
    target: &Target,
    changes: &AccountChanges,
) -> Result<Saved, AccountError> {
    crate::fsutil::debug_assert_not_ui_thread("accounts::save");
    let conn = store.connection();
    let sq = |e| store_err(store, e);
    let login = target.login();

    // The fields, all at once (the Net-entreprises ones and the old password
    // once the stored account is known).
    let mut problems = check_fields(target, changes, None, false);
    let existing = match target {
        Target::New { login } => {
            if !login.trim().is_empty() && find_user(conn, login).map_err(sq)?.is_some() {
                problems.push(FieldProblem {
                    field: AccountField::Login,
                    issue: FieldIssue::LoginTaken,
                });
            }
            None
        }
        Target::Existing { login } => Some(find_user(conn, login).map_err(sq)?.ok_or_else(
            || AccountError::NotFound {
                login: login.clone(),
            },
        )?),
    };
    let stored_credentials = match &existing {
        Some(row) => net_entreprises::stored_row(conn, row.id).map_err(sq)?,
        None => None,
    };
    problems.extend(
        check_fields(target, changes, Some(stored_credentials.is_some()), false)
            .into_iter()
            .filter(|p| is_net_field(p.field)),
    );

    // Who may do what.
    let authority = authority(store, actor)?;
    let own = match (&authority, &existing) {
        (Authority::Own { user_id }, Some(row)) => *user_id == row.id,
        _ => false,
    };
    match (&authority, target) {
        (Authority::Administrator, _) | (Authority::First, Target::New { .. }) => {}
        (Authority::Own { .. }, Target::Existing { .. }) if own => {
            if changes
                .role
                .is_some_and(|r| Some(r) != existing.as_ref().map(|e| e.role))
            {
                return Err(AccountError::NotAllowed { what: Denied::Role });
            }
            if changes.rights.is_some() {
                return Err(AccountError::NotAllowed {
                    what: Denied::Rights,
                });
            }
        }
        _ => {
            return Err(AccountError::NotAllowed {
                what: Denied::OtherAccount,
            });
        }
    }
    // One's own password: the old one first (the command line acts as the
    // installation's administrator and sets any).
    let self_change = match (actor, &existing) {
        (Actor::User(me), Some(row)) => me.id == row.id,
        _ => false,
    };
    if self_change {
        problems.extend(
            check_fields(target, changes, None, true)
                .into_iter()
                .filter(|p| p.field == AccountField::OldPassword),
        );
    }
    if let (Some(change), true, true) = (&changes.password, self_change, problems.is_empty()) {
        let old = change.old.as_deref().unwrap_or_default();
        if !existing
            .as_ref()
            .is_some_and(|row| password::verify(old, &row.password_hash))
        {
            return Err(AccountError::WrongOldPassword);
        }
    }
    if !problems.is_empty() {
        return Err(AccountError::Fields { problems });
    }

    // The rights, against the role the account will have.
    let before_role = existing.as_ref().map(|r| r.role);
    let role = changes.role.or(before_role).unwrap_or(Role::Gestionnaire);
    let all_dossiers = dossiers(conn).map_err(sq)?;
    let mut rights_asked = Vec::new();
    if let Some(rights) = &changes.rights {
        for (dossier_id, level) in rights {
            let Some(d) = all_dossiers.iter().find(|d| d.id == *dossier_id) else {
                return Err(AccountError::UnknownDossier {
                    name: dossier_id.to_string(),
                });
            };
            if role == Role::Administrateur {
                return Err(AccountError::AdministratorRights {
                    login: login.to_owned(),
                });
            }
            if role == Role::Consultation && *level == Level::Modification {
                return Err(AccountError::ConsultationModifies {
                    login: login.to_owned(),
                    dossier: d.name.clone(),
                });
            }
            rights_asked.push((d.clone(), *level));
        }
    }
    // The rules the store also enforces, said before anything is written.
    let (accounts, administrators) = counts(conn).map_err(sq)?;
    if before_role == Some(Role::Administrateur)
        && role != Role::Administrateur
        && administrators == 1
    {
        return Err(AccountError::LastAdministrator {
            login: login.to_owned(),
        });
    }
    if existing.is_none() && role != Role::Administrateur && administrators == 0 && accounts > 0 {
        return Err(AccountError::WithoutAdministrator);
    }

    // The slow parts before the transaction: hashing and encryption.
    let new_hash = match &changes.password {
        Some(change) => {
            Some(password::hash(&change.new).map_err(|detail| AccountError::Hash { detail })?)
        }
        None => None,
    };
    let new_credentials = match &changes.net_entreprises {
        Some(CredentialsChange::Set {
            siret,
            last_name,
            first_name,
            password,
        }) => {
            let encrypted = match password {
                Some(p) => SecretKey::load_or_create(home)?.encrypt(&p.0),
                // `check_fields` made sure one is stored.
                None => stored_credentials
                    .as_ref()
                    .map(|s| s.password_encrypted.clone())
                    .unwrap_or_default(),
            };
            Some((
                siret.clone(),
                last_name.clone(),
                first_name.clone(),
                encrypted,
            ))
        }
        _ => None,
    };

    let now = chrono::Local::now().to_rfc3339();
    let who = actor.audit_name().to_owned();
    let tx = immediate(store)?;
    let fail = |e: rusqlite::Error| refusal(store, e, login);
    let mut done = Vec::new();
    let user_id = match &existing {
        None => {
            tx.execute(
                "INSERT INTO users (login, display_name, role, password_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    login,
                    changes.display_name.as_deref().unwrap_or_default(),
                    role.as_str(),
                    new_hash.as_deref().unwrap_or_default(),
                    now
                ],
            )
            .map_err(fail)?;
            // Read before the audit line, whose row would be the last one.
            let id = tx.last_insert_rowid();
            done.push(Change::Created);
            store.audit(
                &who,
                "user.created",
                &format!("login={login} role={}", role.as_str()),
            )?;
            id
        }
        Some(row) => {
            if let Some(name) = changes
                .display_name
                .as_ref()
                .filter(|n| **n != row.display_name)
            {
                tx.execute(
                    "UPDATE users SET display_name = ?1 WHERE id = ?2",
                    params![name, row.id],
                )
                .map_err(fail)?;
                done.push(Change::DisplayName);
                store.audit(&who, "user.renamed", &format!("login={}", row.login))?;
            }
            if let Some(hash) = &new_hash {
                tx.execute(
                    "UPDATE users SET password_hash = ?1 WHERE id = ?2",
                    params![hash, row.id],
                )
                .map_err(fail)?;
                done.push(Change::Password);
                store.audit(
                    &who,
                    "user.password_changed",
                    &format!("login={}", row.login),
                )?;
            }
            row.id
        }
    };

    // Role and rights, in the order the store's rules allow.
    let role_changes = before_role.is_some_and(|b| b != role);
    let apply_rights = |done: &mut Vec<Change>| -> Result<(), AccountError> {
        let mut moved = Vec::new();
        for (dossier, level) in &rights_asked {
            let before: Option<String> = tx
                .query_row(
                    "SELECT level FROM user_rights WHERE user_id = ?1 AND dossier_id = ?2",
                    params![user_id, dossier.id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(fail)?;
            let before = before
                .as_deref()
                .and_then(Level::parse)
                .unwrap_or(Level::Aucun);
            if before == *level {
                continue;
            }
            if *level == Level::Aucun {
                tx.execute(
                    "DELETE FROM user_rights WHERE user_id = ?1 AND dossier_id = ?2",
                    params![user_id, dossier.id],
                )
                .map_err(fail)?;
            } else {
                tx.execute(
                    "INSERT INTO user_rights (user_id, dossier_id, level) VALUES (?1, ?2, ?3)
                     ON CONFLICT (user_id, dossier_id) DO UPDATE SET level = excluded.level",
                    params![user_id, dossier.id, level.as_str()],
                )
                .map_err(fail)?;
            }
            store.audit(
                &who,
                "user.right_changed",
                &format!(
                    "login={login} dossier={} niveau={}",
                    dossier.name,
                    level.as_str()
                ),
            )?;
            moved.push((dossier.name.clone(), *level));
        }
        if !moved.is_empty() {
            done.push(Change::Rights { dossiers: moved });
        }
        Ok(())
    };
    let update_role = |done: &mut Vec<Change>| -> Result<(), AccountError> {
        tx.execute(
            "UPDATE users SET role = ?1 WHERE id = ?2",
            params![role.as_str(), user_id],
        )
        .map_err(fail)?;
        let from = before_role.unwrap_or(role);
        store.audit(
            &who,
            "user.role_changed",
            &format!("login={login} role={}->{}", from.as_str(), role.as_str()),
        )?;
        done.push(Change::Role { from, to: role });
        Ok(())
    };
    if role_changes && role == Role::Administrateur {
        tx.execute("DELETE FROM user_rights WHERE user_id = ?1", [user_id])
            .map_err(fail)?;
        update_role(&mut done)?;
    } else if role_changes && role == Role::Consultation {
        apply_rights(&mut done)?;
        let mut stmt = tx
            .prepare(
                "SELECT d.name FROM user_rights r JOIN dossiers d ON d.id = r.dossier_id
                 WHERE r.user_id = ?1 AND r.level = 'modification' ORDER BY d.name",
            )
            .map_err(fail)?;
        let lowered: Vec<String> = stmt
            .query_map([user_id], |r| r.get(0))
            .and_then(Iterator::collect)
            .map_err(fail)?;
        drop(stmt);
        if !lowered.is_empty() {
            tx.execute(
                "UPDATE user_rights SET level = 'consultation'
                 WHERE user_id = ?1 AND level = 'modification'",
                [user_id],
            )
            .map_err(fail)?;
            store.audit(
                &who,
                "user.rights_lowered",
                &format!("login={login} dossiers={}", lowered.join(", ")),
            )?;
            done.push(Change::RightsLowered { dossiers: lowered });
        }
        update_role(&mut done)?;
    } else {
        if role_changes {
            update_role(&mut done)?;
        }
        apply_rights(&mut done)?;
    }

    // The Net-entreprises credentials.
    match (&changes.net_entreprises, new_credentials) {
        (_, Some((siret, last_name, first_name, encrypted))) => {
            let unchanged = stored_credentials.as_ref().is_some_and(|s| {
                s.siret == siret
                    && s.last_name == last_name
                    && s.first_name == first_name
                    && s.password_encrypted == encrypted
            });
            if !unchanged {
                tx.execute(
                    "INSERT INTO net_entreprises_credentials
                       (user_id, siret, last_name, first_name, password_encrypted, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (user_id) DO UPDATE SET siret = excluded.siret,
                       last_name = excluded.last_name, first_name = excluded.first_name,
                       password_encrypted = excluded.password_encrypted,
                       updated_at = excluded.updated_at",
                    params![user_id, siret, last_name, first_name, encrypted, now],
                )
                .map_err(fail)?;
                store.audit(
                    &who,
                    "net_entreprises.saved",
                    &format!("login={login} siret={siret}"),
                )?;
                done.push(Change::NetEntreprises);
            }
        }
        (Some(CredentialsChange::Remove), None) if stored_credentials.is_some() => {
            tx.execute(
                "DELETE FROM net_entreprises_credentials WHERE user_id = ?1",
                [user_id],
            )
            .map_err(fail)?;
            store.audit(&who, "net_entreprises.removed", &format!("login={login}"))?;
            done.push(Change::NetEntreprisesRemoved);
        }
        _ => {}
    }
    tx.commit().map_err(fail)?;
    if !done.is_empty() {
        tracing::info!(login, par = %who, "compte utilisateur enregistré");
    }
    let login = match &existing {
        Some(row) => row.login.clone(),
        None => login.to_owned(),
    };
    Ok(Saved {
        login,
        changes: done,
    })
}

// ---------------------------------------------------------------------------
// Removal and "Déconnecter".

/// « Supprimer » (confirmed): removes the account, its rights and its
/// Net-entreprises credentials. Administrators only; refused while the
/// account's session lives, and for the last administrator or account.
pub fn remove(
    store: &Store,
    actor: &Actor,
    login: &str,
    now: DateTime<Utc>,
) -> Result<UserSummary, AccountError> {
    crate::fsutil::debug_assert_not_ui_thread("accounts::remove");
    let conn = store.connection();
    let found = list(conn, now).map_err(|e| store_err(store, e))?;
    let user = found
        .user(login)
        .cloned()
        .ok_or_else(|| AccountError::NotFound {
            login: login.to_owned(),
        })?;
    if authority(store, actor)? != Authority::Administrator {
        return Err(AccountError::NotAllowed {
            what: Denied::OtherAccount,
        });
    }
    if let Some(live) = user.sessions.iter().find(|s| s.active) {
        return Err(AccountError::ActiveSession {
            login: user.login.clone(),
            session: Box::new(live.clone()),
        });
    }
    let tx = immediate(store)?;
    tx.execute("DELETE FROM users WHERE id = ?1", [user.id])
        .map_err(|e| refusal(store, e, &user.login))?;
    store.audit(
        actor.audit_name(),
        "user.removed",
        &format!("login={} role={}", user.login, user.role.as_str()),
    )?;
    tx.commit().map_err(|e| refusal(store, e, &user.login))?;
    tracing::info!(login = %user.login, par = actor.audit_name(), "compte utilisateur supprimé");
    Ok(user)
}

/// "Déconnecter" on an account (seed 003, "Déblocage accès au site"): closes
/// its sessions left behind by a crash, each through
/// [`sessions::disconnect`], which refuses a live one. When every session of
/// the account is alive, the refusal names the first. Administrators for any
/// account, anyone for their own.
pub fn disconnect_user(
    store: &Store,
    actor: &Actor,
    login: &str,
    now: DateTime<Utc>,
) -> Result<Vec<SessionInfo>, AccountError> {
    crate::fsutil::debug_assert_not_ui_thread("accounts::disconnect_user");
    let conn = store.connection();
    let found = list(conn, now).map_err(|e| store_err(store, e))?;
    let user = found.user(login).ok_or_else(|| AccountError::NotFound {
        login: login.to_owned(),
    })?;
    match authority(store, actor)? {
        Authority::Administrator => {}
        Authority::Own { user_id } if user_id == user.id => {}
        _ => {
            return Err(AccountError::NotAllowed {
                what: Denied::OtherAccount,
            });
        }
    }
    if user.sessions.is_empty() {
        return Err(AccountError::NoSession {
            login: user.login.clone(),
        });
    }
    let left: Vec<&SessionInfo> = user.sessions.iter().filter(|s| !s.active).collect();
    if left.is_empty() {
        let session = user.sessions[0].clone();
        return Err(AccountError::Disconnect(DisconnectError::Active {
            session: Box::new(session),
        }));
    }
    let mut closed = Vec::new();
    for s in left {
        let session = sessions::disconnect(store, s.id, now)?;
        store.audit(
            actor.audit_name(),
            "session.disconnected",
            &format!(
                "login={} poste={} dernier_signe_de_vie={}",
                session.login, session.hostname, session.heartbeat_at
            ),
        )?;
        tracing::info!(login = %session.login, poste = %session.hostname, "session interrompue fermée");
        closed.push(session);
    }
    Ok(closed)
}

/// The account `login` and its rights (for the command line's `users rights`).
pub fn account(
    store: &Store,
    login: &str,
    now: DateTime<Utc>,
) -> Result<(UserSummary, Vec<DossierRight>), AccountError> {
    let all = list(store.connection(), now).map_err(|e| store_err(store, e))?;
    let user = all
        .user(login)
        .cloned()
        .ok_or_else(|| AccountError::NotFound {
            login: login.to_owned(),
        })?;
    let rights = all.rights_of(user.id).to_vec();
    Ok((user, rights))
}

/// The Net-entreprises credentials of `login` in clear, decrypted with the
/// installation's key, for the test that sends them.
pub fn credentials_of(
    home: &Home,
    store: &Store,
    login: &str,
) -> Result<Option<Credentials>, AccountError> {
    let conn = store.connection();
    let sq = |e| store_err(store, e);
    let Some(row) = find_user(conn, login).map_err(sq)? else {
        return Err(AccountError::NotFound {
            login: login.to_owned(),
        });
    };
    let Some(stored) = net_entreprises::stored_row(conn, row.id).map_err(sq)? else {
        return Ok(None);
    };
    let password = SecretKey::load_or_create(home)?.decrypt(&stored.password_encrypted)?;
    Ok(Some(Credentials::new(
        &stored.siret,
        &stored.last_name,
        &stored.first_name,
        &password,
    )))
}
