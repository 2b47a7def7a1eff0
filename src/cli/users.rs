//! `users list|add|modify|passwd|remove|rights|disconnect`: the accounts of
//! the store (« Comptes utilisateurs / Droits d'accès ») from the command line,
//! with the rules of the screen. The command line acts as the installation's
//! administrator: it sets any password without the old one. A password never
//! comes as an argument (terminal, or `--password-stdin`).

use std::process::ExitCode;

use clap::Subcommand;
use serde::Serialize;

use super::confirm::{Question, confirm};
use super::error::explained;
use super::output::{self, say};
use super::password::{self, From};
use super::{CliError, ensure_home, load_config};
use crate::accounts::{
    self, AccountChanges, Accounts, Actor, DossierRight, Level, PasswordChange, Role, Target,
    UserSummary,
};
use crate::home::Home;
use crate::messages;
use crate::store::Store;

/// A word of the command line that is not one of the choices.
#[derive(Debug)]
pub(super) struct Choices(&'static str);

impl std::fmt::Display for Choices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "valeurs possibles : {}", self.0)
    }
}

impl std::error::Error for Choices {}

fn role(text: &str) -> Result<Role, Choices> {
    Role::parse(text.trim()).ok_or(Choices("administrateur, gestionnaire, consultation"))
}

fn level(text: &str) -> Result<Level, Choices> {
    Level::parse(text.trim()).ok_or(Choices("aucun, consultation, modification"))
}

#[derive(Subcommand)]
pub(super) enum UsersCmd {
    /// Liste les comptes : utilisateur, nom détaillé, rôle, sessions ouvertes, identifiants Net-entreprises
    List {
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Crée un compte (« Nouveau ») ; son mot de passe est tapé deux fois, ou lu sur l'entrée standard
    Add {
        /// Le nom d'utilisateur
        #[arg(value_name = "UTILISATEUR")]
        login: String,
        /// « Nom détaillé »
        #[arg(long, value_name = "NOM")]
        nom: String,
        /// Le rôle : administrateur, gestionnaire (par défaut), consultation
        #[arg(long, value_name = "RÔLE", value_parser = role, default_value = "gestionnaire", hide_default_value = true)]
        role: Role,
        /// Lit le mot de passe sur l'entrée standard (une ligne)
        #[arg(long)]
        password_stdin: bool,
    },
    /// Modifie le nom détaillé ou le rôle d'un compte (« Modifier »)
    Modify {
        /// Le nom d'utilisateur
        #[arg(value_name = "UTILISATEUR")]
        login: String,
        /// Nouveau « Nom détaillé »
        #[arg(long, value_name = "NOM")]
        nom: Option<String>,
        /// Nouveau rôle : administrateur, gestionnaire, consultation
        #[arg(long, value_name = "RÔLE", value_parser = role)]
        role: Option<Role>,
    },
    /// Donne un nouveau mot de passe à un compte (tapé deux fois, ou lu sur l'entrée standard)
    Passwd {
        /// Le nom d'utilisateur
        #[arg(value_name = "UTILISATEUR")]
        login: String,
        /// Lit le mot de passe sur l'entrée standard (une ligne)
        #[arg(long)]
        password_stdin: bool,
    },
    /// Supprime un compte après « oui » (refusé pour le dernier administrateur ou un compte en cours d'utilisation)
    Remove {
        /// Le nom d'utilisateur
        #[arg(value_name = "UTILISATEUR")]
        login: String,
        /// Confirme sans poser de question
        #[arg(long)]
        yes: bool,
    },
    /// Affiche les droits d'accès d'un compte, ou règle son droit sur un dossier
    Rights {
        /// Le nom d'utilisateur
        #[arg(value_name = "UTILISATEUR")]
        login: String,
        /// Le dossier dont le droit change
        #[arg(long, value_name = "NOM", requires = "niveau")]
        dossier: Option<String>,
        /// Le droit : aucun, consultation, modification
        #[arg(long, value_name = "NIVEAU", value_parser = level, requires = "dossier")]
        niveau: Option<Level>,
    },
    /// « Déconnecter » : ferme les sessions d'un compte restées ouvertes après un arrêt brutal (refusé pour une session active)
    Disconnect {
        /// Le nom d'utilisateur
        #[arg(value_name = "UTILISATEUR")]
        login: String,
    },
}

impl UsersCmd {
    pub(super) fn json(&self) -> bool {
        matches!(self, Self::List { json: true })
    }

    /// Whether the command changes the store (and so leaves a line in the log).
    pub(super) fn changes_the_store(&self) -> bool {
        match self {
            Self::List { .. } => false,
            Self::Rights { dossier, .. } => dossier.is_some(),
            _ => true,
        }
    }
}

/// `users list --json`.
#[derive(Serialize)]
struct ListJson<'a> {
    users: Vec<UserJson<'a>>,
    dossiers: Vec<&'a str>,
}

#[derive(Serialize)]
struct UserJson<'a> {
    #[serde(flatten)]
    user: &'a UserSummary,
    sessions: Vec<SessionJson<'a>>,
    rights: Vec<RightJson<'a>>,
}

#[derive(Serialize)]
struct SessionJson<'a> {
    id: i64,
    workstation: &'a str,
    started_at: &'a str,
    heartbeat_at: &'a str,
    active: bool,
}

#[derive(Serialize)]
struct RightJson<'a> {
    dossier: &'a str,
    level: Level,
}

fn rights_json(rights: &[DossierRight]) -> Vec<RightJson<'_>> {
    rights
        .iter()
        .map(|r| RightJson {
            dossier: &r.dossier,
            level: r.level,
        })
        .collect()
}

pub(super) fn run(home: &Home, cmd: &UsersCmd) -> anyhow::Result<ExitCode> {
    if cmd.changes_the_store() {
        ensure_home(home)?;
    }
    let store_path = load_config(home)?.paths.store;
    let store = Store::open(&store_path).map_err(explained(messages::store_error))?;
    let now = chrono::Utc::now();
    let actor = Actor::command_line();
    let saved = |target: Target, changes: AccountChanges| -> anyhow::Result<ExitCode> {
        let saved = accounts::save(home, &store, &actor, &target, &changes)
            .map_err(explained(messages::account_error))?;
        say!("{}", messages::saved_text(&saved))?;
        Ok(ExitCode::SUCCESS)
    };
    match cmd {
        UsersCmd::List { json } => {
            let all = accounts::list(store.connection(), now)
                .map_err(|e| store.err(e))
                .map_err(explained(messages::store_error))?;
            if *json {
                output::json(&list_json(&all))?;
            } else {
                print_list(&all)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        UsersCmd::Add {
            login,
            nom,
            role,
            password_stdin,
        } => {
            let (new, confirmation) = password::read_new(
                From::of(*password_stdin),
                &format!("Mot de passe de « {login} »"),
            )?;
            saved(
                Target::New {
                    login: login.clone(),
                },
                AccountChanges {
                    display_name: Some(nom.clone()),
                    role: Some(*role),
                    password: Some(PasswordChange {
                        old: None,
                        new,
                        confirmation,
                    }),
                    ..AccountChanges::default()
                },
            )
        }
        UsersCmd::Modify { login, nom, role } => saved(
            Target::Existing {
                login: login.clone(),
            },
            AccountChanges {
                display_name: nom.clone(),
                role: *role,
                ..AccountChanges::default()
            },
        ),
        UsersCmd::Passwd {
            login,
            password_stdin,
        } => {
            // Said before the typing: an unknown login is not worth a password.
            accounts::account(&store, login, now).map_err(explained(messages::account_error))?;
            let (new, confirmation) = password::read_new(
                From::of(*password_stdin),
                &format!("Nouveau mot de passe de « {login} »"),
            )?;
            saved(
                Target::Existing {
                    login: login.clone(),
                },
                AccountChanges {
                    password: Some(PasswordChange {
                        old: None,
                        new,
                        confirmation,
                    }),
                    ..AccountChanges::default()
                },
            )
        }
        UsersCmd::Remove { login, yes } => {
            let (user, _) = accounts::account(&store, login, now)
                .map_err(explained(messages::account_error))?;
            confirm(
                *yes,
                &Question {
                    announce: format!(
                        "Le compte « {} » ({}, {}) va être supprimé, avec ses droits et ses \
                         identifiants Net-entreprises.",
                        user.login,
                        user.display_name,
                        messages::role_label(user.role).to_lowercase()
                    ),
                    unasked: format!(
                        "Supprimer le compte « {} » demande une confirmation.",
                        user.login
                    ),
                    action: "Suppression",
                },
            )?;
            let removed = accounts::remove(&store, &actor, login, now)
                .map_err(explained(messages::account_error))?;
            say!("{}", messages::removed_text(&removed))?;
            Ok(ExitCode::SUCCESS)
        }
        UsersCmd::Rights {
            login,
            dossier,
            niveau,
        } => {
            if let (Some(name), Some(level)) = (dossier, niveau) {
                let dossiers = accounts::dossiers(store.connection())
                    .map_err(|e| store.err(e))
                    .map_err(explained(messages::store_error))?;
                let found = dossiers
                    .iter()
                    .find(|d| d.name.to_lowercase() == name.trim().to_lowercase())
                    .ok_or_else(|| {
                        CliError::failure(messages::account_error(
                            &accounts::AccountError::UnknownDossier { name: name.clone() },
                        ))
                    })?;
                let saved = accounts::save(
                    home,
                    &store,
                    &actor,
                    &Target::Existing {
                        login: login.clone(),
                    },
                    &AccountChanges {
                        rights: Some(vec![(found.id, *level)]),
                        ..AccountChanges::default()
                    },
                )
                .map_err(explained(messages::account_error))?;
                say!("{}", messages::saved_text(&saved))?;
            }
            let (user, rights) = accounts::account(&store, login, now)
                .map_err(explained(messages::account_error))?;
            print_rights(&user, &rights)?;
            Ok(ExitCode::SUCCESS)
        }
        UsersCmd::Disconnect { login } => {
            let closed = accounts::disconnect_user(&store, &actor, login, now)
                .map_err(explained(messages::account_error))?;
            say!("{}", messages::disconnected_text(&closed))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn list_json(all: &Accounts) -> ListJson<'_> {
    ListJson {
        users: all
            .users
            .iter()
            .map(|u| UserJson {
                user: u,
                sessions: u
                    .sessions
                    .iter()
                    .map(|s| SessionJson {
                        id: s.id,
                        workstation: &s.hostname,
                        started_at: &s.started_at,
                        heartbeat_at: &s.heartbeat_at,
                        active: s.active,
                    })
                    .collect(),
                rights: rights_json(all.rights_of(u.id)),
            })
            .collect(),
        dossiers: all.dossiers.iter().map(|d| d.name.as_str()).collect(),
    }
}

fn print_list(all: &Accounts) -> anyhow::Result<()> {
    if all.users.is_empty() {
        say!(
            "Aucun compte utilisateur. Créez le premier, administrateur : iea-maintenance \
             users add NOM --nom \"Nom détaillé\" --role administrateur"
        )?;
        return Ok(());
    }
    for u in &all.users {
        let mut role = messages::role_label(u.role).to_owned();
        if u.acts_as_administrator && u.role != Role::Administrateur {
            role.push_str(", seul compte : droits d'administrateur");
        }
        say!("{} — {} ({role})", u.login, u.display_name)?;
        for s in &u.sessions {
            say!("    session {} : {}", s.id, messages::session_line(s))?;
        }
        match &u.net_entreprises {
            Some(n) => {
                let test = n.last_test.as_ref().map_or_else(
                    || "jamais testés".to_owned(),
                    |t| {
                        format!(
                            "dernier test : {}",
                            messages::verdict_code_line(&t.outcome).to_lowercase()
                        )
                    },
                );
                say!(
                    "    Net-entreprises : SIRET {}, nom « {} », prénom « {} » — {test}",
                    n.siret,
                    n.last_name,
                    n.first_name
                )?;
            }
            None => say!("    Net-entreprises : aucun identifiant")?,
        }
    }
    Ok(())
}

fn print_rights(user: &UserSummary, rights: &[DossierRight]) -> anyhow::Result<()> {
    if user.acts_as_administrator {
        say!(
            "« {} » a tous les droits sur tous les dossiers ({}).",
            user.login,
            if user.role == Role::Administrateur {
                "administrateur"
            } else {
                "seul compte de l'installation"
            }
        )?;
        return Ok(());
    }
    say!(
        "Droits d'accès de « {} » ({}) :",
        user.login,
        messages::role_label(user.role).to_lowercase()
    )?;
    if rights.is_empty() {
        say!("  aucun dossier dans cette base")?;
    }
    for r in rights {
        say!("  {} : {}", r.dossier, messages::level_label(r.level))?;
    }
    Ok(())
}
