//! The shell's side of "Administrer": the commands of "Comptes utilisateurs"
//! and "Gestionnaire de licences" ([`AdminCommand`]), the work each starts,
//! and what comes back ([`AdminState`]: who is identified, the answers of the
//! Net-entreprises tests and of the resets). As for every command, the work
//! runs on a worker thread with its own connection to the store, and its answer
//! is applied once per frame.
//!
//! Who acts is the shell's business, not the screens': a change is made on
//! behalf of the user identified with [`AdminCommand::Identify`] (forgotten
//! when the store changes). Two things need no identification, as in the
//! seeds: "Déconnecter" a session left by a crash (the store refuses a live
//! one) and the licence manager (the server knows the licence key).

use std::path::Path;

use eframe::egui;

use super::app::CentreApp;
use super::background::{Settled, Work};
use super::command::{Action, Secret};
use super::ctx::Outcome;
use super::task::JobProgress;
use crate::accounts::net_entreprises::{
    self, RecentTest, Source, TestAllReport, TestError, Tested,
};
use crate::accounts::{self, AccountChanges, AccountError, Actor, Saved, Target, UserSummary};
use crate::licences::{self, LicenceError, NewWorkstationId, ResetReport};
use crate::messages::{self, Explanation};
use crate::store::Store;
use crate::store::sessions::SessionInfo;

/// The kinds of "Administrer" work, each with its outcome next to its control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdminAction {
    /// [`AdminCommand::Identify`].
    Identify,
    /// [`AdminCommand::SaveAccount`].
    SaveAccount,
    /// [`AdminCommand::RemoveAccount`].
    RemoveAccount,
    /// [`AdminCommand::Disconnect`].
    Disconnect,
    /// [`AdminCommand::TestCredentials`].
    TestCredentials,
    /// [`AdminCommand::TestAll`].
    TestAll,
    /// [`AdminCommand::ResetWorkstations`].
    ResetWorkstations,
    /// [`AdminCommand::NewWorkstationId`].
    NewWorkstationId,
}

/// An intent of the "Administrer" screens.
#[derive(Debug)]
pub enum AdminCommand {
    /// "Valider" of the identification: checks the password (hashed again when
    /// the stored hash is weaker) and acts as that user from then on.
    Identify {
        /// The login typed.
        login: String,
        /// The password typed.
        password: Secret,
    },
    /// "Changer d'utilisateur": forgets who is identified (at once).
    Forget,
    /// « Enregistrer »: both tabs of the account in one transaction.
    SaveAccount {
        /// The account.
        target: Target,
        /// What changes.
        changes: Box<AccountChanges>,
        /// "Créer le premier compte" of a store without any.
        first_account: bool,
    },
    /// « Supprimer » (confirmed).
    RemoveAccount {
        /// The account.
        login: String,
    },
    /// "Déconnecter": closes the account's sessions left by a crash.
    Disconnect {
        /// The account.
        login: String,
    },
    /// The blue ball: tests these credentials with Net-entreprises.
    TestCredentials {
        /// What is tested.
        source: Box<Source>,
        /// A second test within a minute was confirmed.
        confirmed: bool,
        /// The credentials of "Créer le premier compte".
        first_account: bool,
    },
    /// "Tester tous les comptes".
    TestAll {
        /// A second test within a minute was confirmed.
        confirmed: bool,
    },
    /// "Annuler" during "Tester tous les comptes".
    CancelTestAll,
    /// Forgets the window of the last test (its "Fermer").
    DismissTest,
    /// « Réinitialiser poste » (confirmed) on these workstation ids.
    ResetWorkstations(Vec<String>),
    /// "Prendre un nouvel identifiant pour ce poste" (confirmed).
    NewWorkstationId,
}

/// What a blue ball test came to.
#[derive(Debug, Clone)]
pub enum CredentialAnswer {
    /// The portal answered.
    Tested(Tested),
    /// Tested less than a minute ago: a new test waits for a confirmation.
    Recent(Vec<RecentTest>),
    /// Not tested, and why.
    Failed(Explanation),
}

/// What "Tester tous les comptes" came to.
#[derive(Debug, Clone)]
pub enum TestAllAnswer {
    /// Every line.
    Report(TestAllReport),
    /// Some portal accounts were tested less than a minute ago.
    Recent(Vec<RecentTest>),
    /// Nothing was tested, and why.
    Failed(Explanation),
}

/// What a reset, or a new workstation id, came to: its lines, each with
/// whether it went as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetAnswer {
    /// (went well, sentence).
    pub lines: Vec<(bool, String)>,
}

/// What the "Administrer" screens read of the shell.
#[derive(Debug, Default)]
pub struct AdminState {
    /// The identified user, and the store generation they were identified on.
    actor: Option<(Actor, u64)>,
    accounts_generation: u64,
    licences_generation: u64,
    credential_test: Option<CredentialAnswer>,
    test_all: Option<TestAllAnswer>,
    test_all_progress: Option<JobProgress>,
    reset: Option<ResetAnswer>,
}

impl AdminState {
    /// Changes each time an account changed: the list is read again.
    pub fn accounts_generation(&self) -> u64 {
        self.accounts_generation
    }

    /// Changes each time a workstation was reset or took a new id.
    pub fn licences_generation(&self) -> u64 {
        self.licences_generation
    }

    /// The answer of the last blue ball test, until its window is closed.
    pub fn credential_test(&self) -> Option<&CredentialAnswer> {
        self.credential_test.as_ref()
    }

    /// The answer of the last "Tester tous les comptes", until its window is
    /// closed.
    pub fn test_all(&self) -> Option<&TestAllAnswer> {
        self.test_all.as_ref()
    }

    /// Where "Tester tous les comptes" stands while it runs.
    pub fn test_all_progress(&self) -> Option<&JobProgress> {
        self.test_all_progress.as_ref()
    }

    /// What the last reset or new id came to.
    pub fn reset(&self) -> Option<&ResetAnswer> {
        self.reset.as_ref()
    }

    /// The identified user, if identified on the store of `store_generation`.
    pub(super) fn actor(&self, store_generation: u64) -> Option<&Actor> {
        self.actor
            .as_ref()
            .filter(|(_, generation)| *generation == store_generation)
            .map(|(actor, _)| actor)
    }
}

/// What "Administrer" work comes back with.
#[derive(Debug)]
pub(super) enum AdminSettled {
    Identified(Result<Actor, AccountError>),
    Saved(Result<Saved, AccountError>),
    Removed(Result<UserSummary, AccountError>),
    Disconnected(Result<Vec<SessionInfo>, AccountError>),
    Tested(Result<Tested, TestError>),
    TestedAll(Result<TestAllReport, TestError>),
    Reset(Result<ResetReport, LicenceError>),
    NewId(Result<NewWorkstationId, LicenceError>),
}

fn work(action: AdminAction) -> Work {
    Work::Action(Action::Admin(action))
}

/// What a refused identity says.
fn identify_first() -> Explanation {
    messages::account_error(&AccountError::NotAllowed {
        what: accounts::Denied::OtherAccount,
    })
}

impl CentreApp {
    /// Applies an "Administrer" command.
    pub(super) fn apply_admin(&mut self, egui_ctx: &egui::Context, command: AdminCommand) {
        let home = self.ctx.home.clone();
        let store_path = self.ctx.store_path().map(Path::to_path_buf);
        let actor = self.ctx.admin.actor(self.ctx.store_generation()).cloned();
        let requested_by = actor.as_ref().map_or_else(
            || centre_actor().audit_name().to_owned(),
            |a| a.audit_name().to_owned(),
        );
        // Accounts live in the store; the licence manager works without one.
        let store_needed = !matches!(
            command,
            AdminCommand::Forget
                | AdminCommand::CancelTestAll
                | AdminCommand::DismissTest
                | AdminCommand::ResetWorkstations(_)
                | AdminCommand::NewWorkstationId
        );
        let path = match (&store_path, store_needed) {
            (Some(path), _) => path.clone(),
            (None, false) => std::path::PathBuf::new(),
            (None, true) => return,
        };
        match command {
            AdminCommand::Identify { login, password } => {
                self.admin_work(egui_ctx, AdminAction::Identify, "centre-identification", {
                    move || {
                        AdminSettled::Identified(
                            Store::open(&path)
                                .map_err(AccountError::from)
                                .and_then(|s| accounts::identify(&s, &login, password.expose())),
                        )
                    }
                });
            }
            AdminCommand::Forget => {
                self.ctx.admin.actor = None;
                self.ctx.clear_outcome(Action::Admin(AdminAction::Identify));
            }
            AdminCommand::SaveAccount {
                target,
                changes,
                first_account,
            } => {
                let Some(actor) = actor.or_else(|| first_account.then(Actor::first_account)) else {
                    self.refuse(AdminAction::SaveAccount);
                    return;
                };
                self.admin_work(
                    egui_ctx,
                    AdminAction::SaveAccount,
                    "centre-compte",
                    move || {
                        AdminSettled::Saved(
                            Store::open(&path)
                                .map_err(AccountError::from)
                                .and_then(|s| accounts::save(&home, &s, &actor, &target, &changes)),
                        )
                    },
                );
            }
            AdminCommand::RemoveAccount { login } => {
                let Some(actor) = actor else {
                    self.refuse(AdminAction::RemoveAccount);
                    return;
                };
                self.admin_work(
                    egui_ctx,
                    AdminAction::RemoveAccount,
                    "centre-suppression-compte",
                    move || {
                        AdminSettled::Removed(
                            Store::open(&path)
                                .map_err(AccountError::from)
                                .and_then(|s| {
                                    accounts::remove(&s, &actor, &login, chrono::Utc::now())
                                }),
                        )
                    },
                );
            }
            AdminCommand::Disconnect { login } => {
                // Seed 003 asks no password for it: the store refuses a live
                // session whoever asks.
                let actor = actor.unwrap_or_else(centre_actor);
                self.admin_work(
                    egui_ctx,
                    AdminAction::Disconnect,
                    "centre-deconnexion-compte",
                    move || {
                        AdminSettled::Disconnected(
                            Store::open(&path)
                                .map_err(AccountError::from)
                                .and_then(|s| {
                                    accounts::disconnect_user(
                                        &s,
                                        &actor,
                                        &login,
                                        chrono::Utc::now(),
                                    )
                                }),
                        )
                    },
                );
            }
            AdminCommand::TestCredentials {
                source,
                confirmed,
                first_account,
            } => {
                let Some(actor) = actor.or_else(|| first_account.then(Actor::first_account)) else {
                    self.refuse(AdminAction::TestCredentials);
                    return;
                };
                self.ctx.admin.credential_test = None;
                self.admin_work(
                    egui_ctx,
                    AdminAction::TestCredentials,
                    "centre-test-net-entreprises",
                    move || {
                        AdminSettled::Tested(
                            Store::open(&path)
                                .map_err(|e| TestError::Account(e.into()))
                                .and_then(|s| {
                                    net_entreprises::test_one(&home, &s, &actor, &source, confirmed)
                                }),
                        )
                    },
                );
            }
            AdminCommand::TestAll { confirmed } => {
                let Some(actor) = actor else {
                    self.refuse(AdminAction::TestAll);
                    return;
                };
                self.ctx.admin.test_all = None;
                self.ctx.admin.test_all_progress = None;
                self.start_job_work(
                    egui_ctx,
                    work(AdminAction::TestAll),
                    "centre-test-tous-les-comptes",
                    move |progress, cancel| {
                        Settled::Admin(Box::new(AdminSettled::TestedAll(
                            net_entreprises::test_all(
                                &home, &path, &actor, confirmed, progress, cancel,
                            ),
                        )))
                    },
                );
            }
            AdminCommand::CancelTestAll => self.background.cancel(work(AdminAction::TestAll)),
            AdminCommand::DismissTest => {
                self.ctx.admin.credential_test = None;
                self.ctx.admin.test_all = None;
            }
            AdminCommand::ResetWorkstations(ids) => {
                self.ctx.admin.reset = None;
                self.admin_work(
                    egui_ctx,
                    AdminAction::ResetWorkstations,
                    "centre-reinitialisation-postes",
                    move || {
                        AdminSettled::Reset(licences::reset_workstations(
                            &home,
                            store_path.as_deref(),
                            &ids,
                            &requested_by,
                        ))
                    },
                );
            }
            AdminCommand::NewWorkstationId => {
                self.ctx.admin.reset = None;
                self.admin_work(
                    egui_ctx,
                    AdminAction::NewWorkstationId,
                    "centre-nouvel-identifiant",
                    move || {
                        AdminSettled::NewId(licences::take_new_workstation_id(
                            &home,
                            store_path.as_deref(),
                            &requested_by,
                        ))
                    },
                );
            }
        }
    }

    fn admin_work(
        &mut self,
        egui_ctx: &egui::Context,
        action: AdminAction,
        thread_name: &str,
        run: impl FnOnce() -> AdminSettled + Send + 'static,
    ) {
        self.start_work(egui_ctx, work(action), thread_name, move || {
            Settled::Admin(Box::new(run()))
        });
    }

    /// A change asked without anyone identified (the screens grey it then).
    fn refuse(&mut self, action: AdminAction) {
        self.ctx
            .set_outcome(Action::Admin(action), Outcome::Failed(identify_first()));
    }

    /// Copies the progress of "Tester tous les comptes" where the screen reads it.
    pub(super) fn follow_admin(&mut self) {
        self.ctx.admin.test_all_progress = self.background.progress(work(AdminAction::TestAll));
    }

    /// Applies what "Administrer" work came back with.
    pub(super) fn settle_admin(&mut self, settled: AdminSettled) {
        let support = self.ctx.support_address().to_owned();
        let version = env!("CARGO_PKG_VERSION");
        let generation = self.ctx.store_generation();
        let admin = &mut self.ctx.admin;
        let (action, outcome) = match settled {
            AdminSettled::Identified(result) => (
                AdminAction::Identify,
                match result {
                    Ok(actor) => {
                        let line = actor.user().map_or_else(String::new, |u| {
                            messages::identified_line(
                                &u.display_name,
                                u.role,
                                u.acts_as_administrator,
                            )
                        });
                        tracing::info!(login = actor.audit_name(), "identification au centre");
                        admin.actor = Some((actor, generation));
                        Outcome::Done(line)
                    }
                    Err(e) => {
                        tracing::info!(error = %e, "identification refusée");
                        Outcome::Failed(messages::account_error(&e))
                    }
                },
            ),
            AdminSettled::Saved(result) => {
                admin.accounts_generation += 1;
                (
                    AdminAction::SaveAccount,
                    match result {
                        Ok(saved) => Outcome::Done(messages::saved_text(&saved)),
                        Err(e) => Outcome::Failed(messages::account_error(&e)),
                    },
                )
            }
            AdminSettled::Removed(result) => {
                admin.accounts_generation += 1;
                (
                    AdminAction::RemoveAccount,
                    match result {
                        Ok(user) => Outcome::Done(messages::removed_text(&user)),
                        Err(e) => Outcome::Failed(messages::account_error(&e)),
                    },
                )
            }
            AdminSettled::Disconnected(result) => {
                admin.accounts_generation += 1;
                self.ctx.sessions_generation += 1;
                (
                    AdminAction::Disconnect,
                    match result {
                        Ok(closed) => Outcome::Done(messages::disconnected_text(&closed)),
                        Err(e) => Outcome::Failed(messages::account_error(&e)),
                    },
                )
            }
            AdminSettled::Tested(result) => {
                admin.accounts_generation += 1;
                let answer = match result {
                    Ok(tested) => CredentialAnswer::Tested(tested),
                    Err(TestError::RecentlyTested { accounts }) => {
                        CredentialAnswer::Recent(accounts)
                    }
                    Err(e) => CredentialAnswer::Failed(messages::test_error(&e)),
                };
                admin.credential_test = Some(answer);
                (AdminAction::TestCredentials, Outcome::Done(String::new()))
            }
            AdminSettled::TestedAll(result) => {
                admin.accounts_generation += 1;
                admin.test_all_progress = None;
                let answer = match result {
                    Ok(report) => TestAllAnswer::Report(report),
                    Err(TestError::RecentlyTested { accounts }) => TestAllAnswer::Recent(accounts),
                    Err(e) => TestAllAnswer::Failed(messages::test_error(&e)),
                };
                admin.test_all = Some(answer);
                (AdminAction::TestAll, Outcome::Done(String::new()))
            }
            AdminSettled::Reset(result) => {
                admin.licences_generation += 1;
                match result {
                    Ok(report) => {
                        let mut lines: Vec<(bool, String)> = report
                            .results
                            .iter()
                            .map(|r| {
                                (
                                    r.outcome == licences::ResetOutcome::Reset,
                                    messages::reset_line(r),
                                )
                            })
                            .collect();
                        let after = messages::reset_report_lines(&report, &support, version);
                        let connected = matches!(
                            &report.authentication,
                            Some(Ok(s)) if s.connection == crate::service::state::ConnectionState::Connected
                        );
                        lines.extend(
                            after
                                .into_iter()
                                .skip(report.results.len())
                                .map(|l| (connected, l)),
                        );
                        admin.reset = Some(ResetAnswer { lines });
                        (AdminAction::ResetWorkstations, Outcome::Done(String::new()))
                    }
                    Err(e) => (
                        AdminAction::ResetWorkstations,
                        Outcome::Failed(messages::licence_error(&e, &support, version)),
                    ),
                }
            }
            AdminSettled::NewId(result) => {
                admin.licences_generation += 1;
                match result {
                    Ok(done) => {
                        let connected = matches!(
                            &done.authentication,
                            Some(Ok(s)) if s.connection == crate::service::state::ConnectionState::Connected
                        );
                        let lines = messages::new_id_lines(&done, &support, version);
                        admin.reset = Some(ResetAnswer {
                            lines: lines
                                .into_iter()
                                .enumerate()
                                .map(|(i, l)| (i == 0 || connected, l))
                                .collect(),
                        });
                        (AdminAction::NewWorkstationId, Outcome::Done(String::new()))
                    }
                    Err(e) => (
                        AdminAction::NewWorkstationId,
                        Outcome::Failed(messages::licence_error(&e, &support, version)),
                    ),
                }
            }
        };
        if matches!(
            action,
            AdminAction::ResetWorkstations | AdminAction::NewWorkstationId
        ) {
            // The authentication made at once changed the service's state.
            self.ctx.state_generation += 1;
        }
        self.ctx.set_outcome(Action::Admin(action), outcome);
    }
}

/// The centre acting without an identified user (only for "Déconnecter" and
/// the licence manager).
fn centre_actor() -> Actor {
    Actor::Installation {
        who: format!(
            "centre de maintenance ({})",
            whoami::username().unwrap_or_else(|_| "inconnu".to_owned())
        ),
    }
}
