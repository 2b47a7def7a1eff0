//! User accounts of the payroll store ("Administrer" › "Comptes utilisateurs /
//! Droits d'accès", seeds 001 and 003): who may use Impact emploi, with which
//! role, which rights on each dossier, and with which Net-entreprises
//! credentials each one deposits the DSN.
//!
//! Every change goes through [`save`], [`remove`] or [`disconnect_user`] on
//! behalf of an [`Actor`]: a user identified by their password ([`identify`]),
//! or the command line, which acts as the installation's administrator (who can
//! run it on this folder can read and write the store anyway). An
//! administrator may change every account; anyone else only their own display
//! name, password (giving the old one) and Net-entreprises credentials. Each
//! change is one transaction with its line in the audit log (who, what, when,
//! never a password), and the store's own triggers (migration 0005) refuse
//! what would leave it without an administrator or with an inconsistent
//! right, whoever writes to it.
//!
//! The password of an account is [`password`]'s business (Argon2id); the
//! Net-entreprises credentials and their test against the portal are
//! [`net_entreprises`]'s.

pub mod net_entreprises;
pub mod password;
mod users;

pub use users::*;

use serde::Serialize;

use crate::secrets::SecretError;
use crate::store::StoreError;
use crate::store::sessions::{DisconnectError, SessionInfo};

/// The role of an account, as the original product names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// "Administrateur": every right, manages the accounts.
    Administrateur,
    /// "Gestionnaire": works on the dossiers given to them.
    Gestionnaire,
    /// "Consultation": reads the dossiers given to them, changes nothing.
    Consultation,
}

impl Role {
    /// Every role, from the most to the least powerful.
    pub const ALL: [Self; 3] = [Self::Administrateur, Self::Gestionnaire, Self::Consultation];

    /// The word the store keeps (and the command line takes).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Administrateur => "administrateur",
            Self::Gestionnaire => "gestionnaire",
            Self::Consultation => "consultation",
        }
    }

    /// The role the store's word names.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// A right on one dossier ("Droits d'accès").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// "Aucun accès": the dossier is not shown to the account.
    Aucun,
    /// "Consultation": read only.
    Consultation,
    /// "Modification": read and change.
    Modification,
}

impl Level {
    /// Every level, from none to the most.
    pub const ALL: [Self; 3] = [Self::Aucun, Self::Consultation, Self::Modification];

    /// The word of the command line (`aucun`, `consultation`, `modification`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Aucun => "aucun",
            Self::Consultation => "consultation",
            Self::Modification => "modification",
        }
    }

    /// The level a word names.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == text)
    }
}

/// The fields of an account's form, for the problems shown next to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountField {
    /// "Utilisateur" (the login).
    Login,
    /// "Nom détaillé".
    DisplayName,
    /// "Ancien mot de passe".
    OldPassword,
    /// "Mot de passe" (Impact emploi).
    Password,
    /// « Confirmer ».
    Confirmation,
    /// Net-entreprises: "SIRET".
    Siret,
    /// Net-entreprises: "Nom".
    LastName,
    /// Net-entreprises: "Prénom".
    FirstName,
    /// Net-entreprises: "Mot de passe".
    NetPassword,
}

/// What is wrong with a field. Never carries a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum FieldIssue {
    /// Nothing typed (or only spaces where spaces mean nothing).
    Empty,
    /// Longer than allowed.
    TooLong {
        /// The maximum, in characters.
        max: usize,
    },
    /// The login starts or ends with a space, or holds a control character.
    LoginCharacters,
    /// Another account has this login (whatever the case).
    LoginTaken,
    /// A new password that cannot be accepted.
    Password(password::PasswordProblem),
    /// The SIRET holds something else than digits (a space included).
    SiretNotDigits,
    /// The SIRET does not have 14 digits.
    SiretLength {
        /// How many characters were typed.
        len: usize,
    },
    /// The SIRET's 14 digits fail their check key: a typing mistake.
    SiretKey,
}

/// One problem of the form: which field, what is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    /// The field.
    pub field: AccountField,
    /// What is wrong.
    pub issue: FieldIssue,
}

/// What an actor tried and may not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Denied {
    /// Create, delete or change another account: administrators only.
    OtherAccount,
    /// Change a role: administrators only.
    Role,
    /// Change rights: administrators only.
    Rights,
    /// The identified account no longer exists (deleted meanwhile).
    ActorGone,
    /// "Créer le premier compte" once the store has accounts.
    NotFirstAccount,
}

/// Why an account could not be read, changed, identified or disconnected.
/// None carries a password.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// No account has this login.
    #[error("no account {login}")]
    NotFound {
        /// The login asked.
        login: String,
    },
    /// Fields refused, all at once; nothing was written.
    #[error("fields refused: {problems:?}")]
    Fields {
        /// Every problem found.
        problems: Vec<FieldProblem>,
    },
    /// Identification refused: unknown login or wrong password (the two are
    /// not told apart).
    #[error("identification refused")]
    BadCredentials,
    /// The old password given to change one's own is not the right one.
    #[error("wrong old password")]
    WrongOldPassword,
    /// The actor may not do this.
    #[error("not allowed: {what:?}")]
    NotAllowed {
        /// What was refused.
        what: Denied,
    },
    /// The last administrator cannot be deleted nor lose the role.
    #[error("{login} is the last administrator")]
    LastAdministrator {
        /// The administrator.
        login: String,
    },
    /// The store has no administrator: a new account must be one.
    #[error("the store has no administrator: a new account must be one")]
    WithoutAdministrator,
    /// The store's last account cannot be deleted.
    #[error("{login} is the last account")]
    LastAccount {
        /// The account.
        login: String,
    },
    /// Rights for an administrator, who has them all.
    #[error("{login} is an administrator: every right")]
    AdministratorRights {
        /// The administrator.
        login: String,
    },
    /// "Modification" for a consultation account.
    #[error("{login} is a consultation account: no modification right on {dossier}")]
    ConsultationModifies {
        /// The account.
        login: String,
        /// The dossier.
        dossier: String,
    },
    /// A right on a dossier that does not exist.
    #[error("no dossier {name}")]
    UnknownDossier {
        /// The dossier named (or its number).
        name: String,
    },
    /// The store refused a right as inconsistent (another program's write, or
    /// a change that raced with another).
    #[error("inconsistent right refused by the store")]
    InconsistentRight,
    /// The account is in use: it cannot be deleted while its session lives.
    #[error("{login} has an active session")]
    ActiveSession {
        /// The account.
        login: String,
        /// The live session.
        session: Box<SessionInfo>,
    },
    /// "Déconnecter": the account has no session.
    #[error("{login} has no session")]
    NoSession {
        /// The account.
        login: String,
    },
    /// "Déconnecter" refused (a live session).
    #[error(transparent)]
    Disconnect(#[from] DisconnectError),
    /// The installation's key could not be used for the Net-entreprises password.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The password could not be hashed.
    #[error("password hashing failed: {detail}")]
    Hash {
        /// The library's message (never the password).
        detail: String,
    },
    /// The store could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AccountError {
    /// The problems of a form refused field by field.
    pub fn field_problems(&self) -> &[FieldProblem] {
        match self {
            Self::Fields { problems } => problems,
            _ => &[],
        }
    }
}

/// The spaces at the ends of a typed value: Net-entreprises compares what is
/// typed exactly, and a space copied by mistake is the usual cause of a refusal
/// (seed 001), so the form says so next to the field, and keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EdgeSpaces {
    /// The value starts with a space (or another blank).
    pub leading: bool,
    /// The value ends with a space (or another blank).
    pub trailing: bool,
}

/// The blanks at the ends of `text`, when there are any.
pub fn edge_spaces(text: &str) -> Option<EdgeSpaces> {
    let leading = text.starts_with(char::is_whitespace);
    let trailing = text.ends_with(char::is_whitespace);
    (leading || trailing).then_some(EdgeSpaces { leading, trailing })
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod words_tests {
    use super::*;

    #[test]
    fn words_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        for l in Level::ALL {
            assert_eq!(Level::parse(l.as_str()), Some(l));
        }
        assert_eq!(Role::parse("Administrateur"), None);
        assert_eq!(Level::parse("lecture"), None);
    }

    #[test]
    fn edge_spaces_are_seen_and_inner_ones_are_not() {
        assert_eq!(edge_spaces("Dupont"), None);
        assert_eq!(edge_spaces("Jean Pierre"), None);
        assert_eq!(
            edge_spaces(" Dupont"),
            Some(EdgeSpaces {
                leading: true,
                trailing: false
            })
        );
        assert_eq!(
            edge_spaces("Dupont\u{a0}"),
            Some(EdgeSpaces {
                leading: false,
                trailing: true
            })
        );
        assert_eq!(
            edge_spaces("\tx "),
            Some(EdgeSpaces {
                leading: true,
                trailing: true
            })
        );
    }
}
