//! "Comptes utilisateurs / Droits d'accès" (Administrer › Comptes
//! utilisateurs, seeds 001 and 003).
//!
//! The table lists the accounts: "Utilisateur", "Nom détaillé", the role, the
//! open sessions with their workstation and last sign of life, and the state of
//! the Net-entreprises credentials. Above it, the identification: the accounts
//! are managed once identified with an Impact emploi password (an
//! administrator manages every account, anyone else their own). Under it,
//! « Nouveau », « Modifier », « Supprimer » (after a confirmation) and, on the
//! right as the seed shows, « Déconnecter » — which closes a session left by a
//! crash without a password, the store refusing a live one — and « Tester tous
//! les comptes ».
//!
//! « Nouveau » and « Modifier » open the account's form in place of the table,
//! with its tabs « Impact Emploi » (the password with « Confirmer », and the
//! old one to change one's own), « Droits d'accès » (per dossier: aucun accès,
//! consultation, modification) and « Net Entreprise » (SIRET, nom, prénom, mot
//! de passe, kept exactly as typed, a warning under a field that starts or
//! ends with a space, and the blue ball button that tests them). The form keeps
//! the raw text apart; « Enregistrer » checks every field, shows the problems
//! next to them, and saves both tabs in one transaction. « Quitter » with
//! unsaved changes asks first.

use eframe::egui::{self, RichText};

use crate::accounts::net_entreprises::{self, LineOutcome, Source};
use crate::accounts::{
    self, AccountChanges, AccountField, Accounts, Actor, CredentialsChange, Level, PasswordChange,
    Role, Secret, Target, UserSummary,
};
use crate::messages::{self, Explanation};
use crate::service::state::TrayIconKind;
use crate::store::Store;
use crate::ui::screen::{NavGroup, Screen, ScreenId};
use crate::ui::task::Task;
use crate::ui::widgets::{self, Mark};
use crate::ui::{
    Action, AdminAction, AdminCommand, AppCtx, Command, CredentialAnswer, Outcome, TestAllAnswer,
};

/// Width of the text fields, in points.
const FIELD_WIDTH: f32 = 260.0;

/// The label of the blue ball button.
const TEST_BUTTON: &str = "Tester les identifiants";

/// What the list was read for: a change of any reads it again.
type ListKey = (u64, u64, u64);

/// The tabs of the form, as the original window names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    ImpactEmploi,
    Droits,
    NetEntreprise,
}

/// The form as typed. Its `Debug` shows no password.
#[derive(Clone, PartialEq, Eq)]
struct Draft {
    login: String,
    display_name: String,
    role: Role,
    old_password: String,
    password: String,
    confirmation: String,
    /// (dossier id, dossier name, right).
    rights: Vec<(i64, String, Level)>,
    siret: String,
    last_name: String,
    first_name: String,
    net_password: String,
}

impl std::fmt::Debug for Draft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Draft")
            .field("login", &self.login)
            .field("display_name", &self.display_name)
            .field("role", &self.role)
            .field("siret", &self.siret)
            .finish_non_exhaustive()
    }
}

impl Draft {
    /// A new account: a manager without rights (the first account, an
    /// administrator).
    fn new(accounts: &Accounts, first: bool) -> Self {
        Self {
            login: String::new(),
            display_name: String::new(),
            role: if first {
                Role::Administrateur
            } else {
                Role::Gestionnaire
            },
            old_password: String::new(),
            password: String::new(),
            confirmation: String::new(),
            rights: accounts
                .dossiers
                .iter()
                .map(|d| (d.id, d.name.clone(), Level::Aucun))
                .collect(),
            siret: String::new(),
            last_name: String::new(),
            first_name: String::new(),
            net_password: String::new(),
        }
    }

    /// The account as stored (no password: those fields stay empty).
    fn of(accounts: &Accounts, user: &UserSummary) -> Self {
        let mut draft = Self::new(accounts, false);
        draft.login.clone_from(&user.login);
        draft.display_name.clone_from(&user.display_name);
        draft.role = user.role;
        draft.rights = accounts
            .rights_of(user.id)
            .iter()
            .map(|r| (r.dossier_id, r.dossier.clone(), r.level))
            .collect();
        if let Some(n) = &user.net_entreprises {
            draft.siret.clone_from(&n.siret);
            draft.last_name.clone_from(&n.last_name);
            draft.first_name.clone_from(&n.first_name);
        }
        draft
    }

    fn text(&self, field: AccountField) -> &str {
        match field {
            AccountField::Login => &self.login,
            AccountField::DisplayName => &self.display_name,
            AccountField::OldPassword => &self.old_password,
            AccountField::Password => &self.password,
            AccountField::Confirmation => &self.confirmation,
            AccountField::Siret => &self.siret,
            AccountField::LastName => &self.last_name,
            AccountField::FirstName => &self.first_name,
            AccountField::NetPassword => &self.net_password,
        }
    }
}

/// Who edits an account: what the form lets them change.
#[derive(Debug, Clone, Copy)]
struct Editing {
    /// The account is the identified user's own.
    own: bool,
    /// The identified user acts as an administrator.
    administrator: bool,
}

/// The form of « Nouveau » or « Modifier ».
#[derive(Debug)]
struct Editor {
    /// The account changed; `None` for « Nouveau ».
    login: Option<String>,
    /// "Créer le premier compte" of a store without any.
    first_account: bool,
    /// Who edits it.
    editing: Editing,
    /// A Net-entreprises password is stored for the account.
    stored_net_password: bool,
    tab: Tab,
    draft: Draft,
    initial: Draft,
    /// The problems of the last « Enregistrer », and the form as it was then:
    /// a problem shows while its field is unchanged.
    problems: Vec<accounts::FieldProblem>,
    checked: Option<Draft>,
    phase: Phase,
}

/// Where the form stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Being typed.
    Editing,
    /// « Enregistrer » was sent: the form closes once it is saved.
    Saving,
    /// « Quitter » with unsaved changes asks first.
    ConfirmQuit,
}

impl Editor {
    fn is_dirty(&self) -> bool {
        self.draft != self.initial
    }

    /// The problem of `field` from the last « Enregistrer », if it is unchanged.
    fn problem(&self, field: AccountField) -> Option<String> {
        let checked = self.checked.as_ref()?;
        if checked.text(field) != self.draft.text(field) {
            return None;
        }
        self.problems
            .iter()
            .find(|p| p.field == field)
            .map(|p| messages::field_issue(p.field, p.issue))
    }

    fn target(&self) -> Target {
        match &self.login {
            Some(login) => Target::Existing {
                login: login.clone(),
            },
            None => Target::New {
                login: self.draft.login.clone(),
            },
        }
    }

    /// What « Enregistrer » changes: only what differs from the stored account.
    fn changes(&self) -> AccountChanges {
        let (d, i) = (&self.draft, &self.initial);
        let new = self.login.is_none();
        let mut changes = AccountChanges::default();
        if new || d.display_name != i.display_name {
            changes.display_name = Some(d.display_name.clone());
        }
        if new || d.role != i.role {
            changes.role = Some(d.role);
        }
        if new || !d.password.is_empty() || !d.confirmation.is_empty() {
            changes.password = Some(PasswordChange {
                old: self.editing.own.then(|| d.old_password.clone()),
                new: d.password.clone(),
                confirmation: d.confirmation.clone(),
            });
        }
        if d.role != Role::Administrateur && self.editing.administrator {
            let moved: Vec<(i64, Level)> = d
                .rights
                .iter()
                .filter(|(id, _, level)| {
                    let before = i.rights.iter().find(|(b, _, _)| b == id).map(|r| r.2);
                    before != Some(*level) && !(new && *level == Level::Aucun)
                })
                .map(|(id, _, level)| (*id, *level))
                .collect();
            if !moved.is_empty() {
                changes.rights = Some(moved);
            }
        }
        let net_typed = [&d.siret, &d.last_name, &d.first_name, &d.net_password]
            .iter()
            .any(|t| !t.is_empty());
        let net_changed = d.siret != i.siret
            || d.last_name != i.last_name
            || d.first_name != i.first_name
            || !d.net_password.is_empty();
        if net_typed && net_changed {
            changes.net_entreprises = Some(CredentialsChange::Set {
                siret: d.siret.clone(),
                last_name: d.last_name.clone(),
                first_name: d.first_name.clone(),
                password: (!d.net_password.is_empty()).then(|| Secret(d.net_password.clone())),
            });
        } else if !net_typed && self.stored_net_password {
            changes.net_entreprises = Some(CredentialsChange::Remove);
        }
        changes
    }

    /// The typed Net-entreprises credentials, for the blue ball.
    fn typed_source(&self) -> Source {
        Source::Typed {
            login: self.login.clone(),
            siret: self.draft.siret.clone(),
            last_name: self.draft.last_name.clone(),
            first_name: self.draft.first_name.clone(),
            password: (!self.draft.net_password.is_empty())
                .then(|| Secret(self.draft.net_password.clone())),
        }
    }
}

/// The identification typed.
#[derive(Default)]
struct Identification {
    login: String,
    password: String,
}

impl std::fmt::Debug for Identification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identification")
            .field("login", &self.login)
            .finish_non_exhaustive()
    }
}

/// The "Comptes utilisateurs" screen.
#[derive(Debug, Default)]
pub struct Comptes {
    last_pass: Option<u64>,
    listing: Task<Result<Accounts, Explanation>>,
    listed_for: Option<ListKey>,
    /// The account chosen in the table.
    selected: Option<String>,
    identification: Identification,
    editor: Option<Editor>,
    /// The account « Supprimer » asks about.
    confirm_delete: Option<String>,
    /// Which action under the table sent the last command (its outcome shows there).
    last_change: Option<AdminAction>,
    /// The blue ball's window is open.
    test_window: bool,
    /// "Tester tous les comptes"' window is open.
    test_all_window: bool,
}

impl Comptes {
    fn list_key(ctx: &AppCtx) -> ListKey {
        (
            ctx.store_generation(),
            ctx.admin().accounts_generation(),
            ctx.sessions_generation(),
        )
    }

    fn start_listing(&mut self, egui_ctx: &egui::Context, ctx: &AppCtx) {
        let Some(path) = ctx.store_path().map(std::path::Path::to_path_buf) else {
            return;
        };
        self.listed_for = Some(Self::list_key(ctx));
        let now = ctx.now().to_utc();
        self.listing.start(egui_ctx, "centre-comptes", move || {
            let store = Store::open_read_only(&path).map_err(|e| messages::store_error(&e))?;
            accounts::list(store.connection(), now)
                .map_err(|e| messages::store_error(&store.err(e)))
        });
    }

    fn accounts(&self) -> Option<&Accounts> {
        self.listing.latest().and_then(|r| r.as_ref().ok())
    }

    // -----------------------------------------------------------------------
    // Identification.

    fn identification_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx, accounts: &Accounts) {
        if let Some(actor) = ctx.actor() {
            let line = actor.user().map_or_else(String::new, |u| {
                messages::identified_line(&u.display_name, u.role, u.acts_as_administrator)
            });
            ui.horizontal_wrapped(|ui| {
                widgets::mark_ui(ui, Mark::Ok);
                ui.label(line);
                if ui.add(egui::Button::new("Changer d'utilisateur")).clicked() {
                    self.editor = None;
                    ctx.push(Command::Admin(AdminCommand::Forget));
                }
            });
            return;
        }
        if accounts.users.is_empty() {
            ui.label(
                "Cette base n'a encore aucun compte utilisateur. Créez le premier : il sera \
                 l'administrateur de l'installation.",
            );
            if ui
                .add(egui::Button::new("Créer le premier compte"))
                .clicked()
            {
                ctx.clear_outcome(Action::Admin(AdminAction::SaveAccount));
                let draft = Draft::new(accounts, true);
                self.editor = Some(Editor {
                    login: None,
                    first_account: true,
                    editing: Editing {
                        own: false,
                        administrator: true,
                    },
                    stored_net_password: false,
                    tab: Tab::ImpactEmploi,
                    initial: draft.clone(),
                    draft,
                    problems: Vec::new(),
                    checked: None,
                    phase: Phase::Editing,
                });
            }
            return;
        }
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(RichText::new("Identification").strong());
            ui.label(
                "Identifiez-vous avec votre compte Impact emploi pour modifier les comptes : un \
                 administrateur gère tous les comptes, chacun peut modifier le sien.",
            );
            let pending = ctx.is_pending(Action::Admin(AdminAction::Identify));
            let mut submit = false;
            ui.horizontal_wrapped(|ui| {
                widgets::labelled_field_ui(
                    ui,
                    "Utilisateur",
                    &mut self.identification.login,
                    160.0,
                );
                let label = ui.label("Mot de passe");
                let field = ui
                    .add(
                        egui::TextEdit::singleline(&mut self.identification.password)
                            .password(true)
                            .desired_width(160.0),
                    )
                    .labelled_by(label.id);
                if field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                    submit = true;
                }
                let ready = !self.identification.login.trim().is_empty()
                    && !self.identification.password.is_empty()
                    && !pending;
                if ui
                    .add_enabled(ready, egui::Button::new("Valider"))
                    .clicked()
                {
                    submit = true;
                }
            });
            if submit
                && !pending
                && !self.identification.login.trim().is_empty()
                && !self.identification.password.is_empty()
            {
                ctx.push(Command::Admin(AdminCommand::Identify {
                    login: self.identification.login.trim().to_owned(),
                    password: crate::ui::Secret::new(std::mem::take(
                        &mut self.identification.password,
                    )),
                }));
            }
            let outcome = ctx.outcome(Action::Admin(AdminAction::Identify));
            if matches!(outcome, Some(Outcome::Failed(_) | Outcome::Pending)) {
                ui.horizontal_wrapped(|ui| {
                    widgets::outcome_ui(ui, outcome, "Vérification du mot de passe…");
                });
            }
        });
    }

    // -----------------------------------------------------------------------
    // The table and its buttons.

    fn table_ui(&mut self, ui: &mut egui::Ui, accounts: &Accounts) {
        if accounts.users.is_empty() {
            return;
        }
        if self
            .selected
            .as_ref()
            .is_some_and(|s| accounts.user(s).is_none())
        {
            self.selected = None;
        }
        egui::Grid::new("comptes-utilisateurs")
            .striped(true)
            .num_columns(5)
            .spacing([14.0, 6.0])
            .show(ui, |ui| {
                for header in [
                    "Utilisateur",
                    "Nom détaillé",
                    "Rôle",
                    "Sessions ouvertes",
                    "Net-entreprises",
                ] {
                    ui.label(RichText::new(header).strong());
                }
                ui.end_row();
                for user in &accounts.users {
                    let selected = self
                        .selected
                        .as_ref()
                        .is_some_and(|s| s.eq_ignore_ascii_case(&user.login));
                    if ui
                        .add(egui::Button::selectable(selected, user.login.as_str()))
                        .clicked()
                    {
                        self.selected = Some(user.login.clone());
                    }
                    ui.label(&user.display_name);
                    let mut role = messages::role_label(user.role).to_owned();
                    if user.acts_as_administrator && user.role != Role::Administrateur {
                        role.push_str(" (seul compte)");
                    }
                    ui.label(role);
                    ui.vertical(|ui| {
                        if user.sessions.is_empty() {
                            ui.label(RichText::new("aucune").weak());
                        }
                        // The workstation, then its last sign of life in
                        // small type: one line each, never broken.
                        for s in &user.sessions {
                            let color = if s.active {
                                ui.visuals().text_color()
                            } else {
                                widgets::warn_color(ui)
                            };
                            ui.add(
                                egui::Label::new(RichText::new(&s.hostname).color(color)).extend(),
                            );
                            ui.add(
                                egui::Label::new(
                                    RichText::new(messages::session_detail(s))
                                        .small()
                                        .color(color),
                                )
                                .extend(),
                            );
                        }
                    });
                    net_summary_ui(ui, user);
                    ui.end_row();
                }
            });
    }

    fn buttons_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx, accounts: &Accounts) {
        let actor = ctx.actor().cloned();
        let administrator = actor
            .as_ref()
            .and_then(Actor::user)
            .is_some_and(|u| u.acts_as_administrator);
        let me = actor.as_ref().and_then(Actor::user).map(|u| u.id);
        let chosen = self
            .selected
            .as_deref()
            .and_then(|s| accounts.user(s))
            .cloned();
        let may_modify = chosen
            .as_ref()
            .is_some_and(|u| administrator || Some(u.id) == me);
        let busy = ctx.is_pending(Action::Admin(AdminAction::SaveAccount))
            || ctx.is_pending(Action::Admin(AdminAction::RemoveAccount));
        let need = "Identifiez-vous avec un compte administrateur.";
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            let new = ui
                .add_enabled(administrator && !busy, egui::Button::new("Nouveau"))
                .on_disabled_hover_text(need);
            if new.clicked() {
                self.open_editor(ctx, accounts, None);
            }
            let modify = ui
                .add_enabled(may_modify && !busy, egui::Button::new("Modifier"))
                .on_disabled_hover_text(
                    "Choisissez votre compte dans le tableau (un administrateur peut modifier \
                     tous les comptes).",
                );
            if modify.clicked()
                && let Some(user) = &chosen
            {
                self.open_editor(ctx, accounts, Some(user));
            }
            let delete = ui
                .add_enabled(
                    administrator && chosen.is_some() && !busy,
                    egui::Button::new("Supprimer"),
                )
                .on_disabled_hover_text(need);
            if delete.clicked()
                && let Some(user) = &chosen
            {
                self.confirm_delete = Some(user.login.clone());
            }
            // « Déconnecter » at the right under the table (seed 003).
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let testing = ctx.is_pending(Action::Admin(AdminAction::TestAll));
                let any_credentials = accounts.users.iter().any(|u| u.net_entreprises.is_some());
                let test_all = ui
                    .add_enabled(
                        administrator && any_credentials && !testing,
                        egui::Button::new("Tester tous les comptes"),
                    )
                    .on_disabled_hover_text(
                        "Réservé aux administrateurs, pour les comptes qui ont des \
                         identifiants Net-entreprises.",
                    );
                if test_all.clicked() {
                    self.test_all_window = true;
                    ctx.push(Command::Admin(AdminCommand::TestAll { confirmed: false }));
                }
                let has_sessions = chosen.as_ref().is_some_and(|u| !u.sessions.is_empty());
                let disconnect = ui
                    .add_enabled(
                        has_sessions && !ctx.is_pending(Action::Admin(AdminAction::Disconnect)),
                        egui::Button::new("Déconnecter"),
                    )
                    .on_disabled_hover_text(
                        "Sélectionnez la ligne d'un compte qui a une session ouverte.",
                    );
                if disconnect.clicked()
                    && let Some(user) = &chosen
                {
                    self.last_change = Some(AdminAction::Disconnect);
                    ctx.push(Command::Admin(AdminCommand::Disconnect {
                        login: user.login.clone(),
                    }));
                }
            });
        });
        for action in [
            AdminAction::SaveAccount,
            AdminAction::RemoveAccount,
            AdminAction::Disconnect,
        ] {
            let outcome = ctx.outcome(Action::Admin(action));
            if self.last_change == Some(action) && outcome.is_some() {
                ui.horizontal_wrapped(|ui| widgets::outcome_ui(ui, outcome, "En cours…"));
            }
        }
    }

    fn open_editor(&mut self, ctx: &mut AppCtx, accounts: &Accounts, user: Option<&UserSummary>) {
        ctx.clear_outcome(Action::Admin(AdminAction::SaveAccount));
        let identified = ctx.actor().and_then(Actor::user).cloned();
        let draft = match user {
            Some(u) => Draft::of(accounts, u),
            None => Draft::new(accounts, false),
        };
        self.editor = Some(Editor {
            login: user.map(|u| u.login.clone()),
            first_account: false,
            editing: Editing {
                own: user.is_some_and(|u| identified.as_ref().is_some_and(|i| i.id == u.id)),
                administrator: identified.is_some_and(|i| i.acts_as_administrator),
            },
            stored_net_password: user.is_some_and(|u| u.net_entreprises.is_some()),
            tab: Tab::ImpactEmploi,
            initial: draft.clone(),
            draft,
            problems: Vec::new(),
            checked: None,
            phase: Phase::Editing,
        });
    }

    fn delete_modal_ui(&mut self, ui: &egui::Ui, ctx: &mut AppCtx, accounts: &Accounts) {
        let Some(login) = self.confirm_delete.clone() else {
            return;
        };
        let name = accounts
            .user(&login)
            .map(|u| u.display_name.clone())
            .unwrap_or_default();
        let decided = widgets::confirm_modal_ui(
            ui,
            "supprimer-compte",
            &format!("Supprimer le compte « {login} » ?"),
            "Supprimer le compte",
            |ui| {
                ui.label(format!(
                    "Le compte « {login} » ({name}) sera supprimé, avec ses droits d'accès et \
                     ses identifiants Net-entreprises. Les dossiers et la paie ne sont pas \
                     touchés."
                ));
            },
        );
        match decided {
            Some(true) => {
                self.confirm_delete = None;
                self.last_change = Some(AdminAction::RemoveAccount);
                ctx.push(Command::Admin(AdminCommand::RemoveAccount { login }));
            }
            Some(false) => self.confirm_delete = None,
            None => {}
        }
    }

    // -----------------------------------------------------------------------
    // The form.

    fn editor_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        let Some(mut editor) = self.editor.take() else {
            return;
        };
        if editor.phase == Phase::Saving {
            match ctx.outcome(Action::Admin(AdminAction::SaveAccount)) {
                Some(Outcome::Done(_)) => {
                    self.last_change = Some(AdminAction::SaveAccount);
                    self.selected = Some(
                        editor
                            .login
                            .clone()
                            .unwrap_or_else(|| editor.draft.login.clone()),
                    );
                    return;
                }
                Some(Outcome::Failed(_)) | None => editor.phase = Phase::Editing,
                Some(Outcome::Pending) => {}
            }
        }
        let title = match &editor.login {
            Some(login) => format!("Compte « {login} »"),
            None if editor.first_account => "Premier compte".to_owned(),
            None => "Nouveau compte".to_owned(),
        };
        ui.label(RichText::new(title).strong().size(16.0));
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            for (tab, label) in [
                (Tab::ImpactEmploi, "Impact Emploi"),
                (Tab::Droits, "Droits d'accès"),
                (Tab::NetEntreprise, "Net Entreprise"),
            ] {
                if ui
                    .add(egui::Button::selectable(editor.tab == tab, label))
                    .clicked()
                {
                    editor.tab = tab;
                }
            }
        });
        ui.separator();
        match editor.tab {
            Tab::ImpactEmploi => impact_emploi_ui(ui, &mut editor),
            Tab::Droits => rights_ui(ui, &mut editor),
            Tab::NetEntreprise => self.net_entreprise_ui(ui, ctx, &mut editor),
        }
        ui.add_space(10.0);
        ui.separator();
        let saving = ctx.is_pending(Action::Admin(AdminAction::SaveAccount))
            || editor.phase == Phase::Saving;
        let mut leave = false;
        ui.horizontal(|ui| {
            if ui
                .add_enabled(!saving, egui::Button::new("Enregistrer"))
                .clicked()
            {
                save(ctx, &mut editor);
            }
            // Named apart from the navigation panel's "Quitter", which closes
            // the centre: a screen reader says which one it is.
            if ui
                .add_enabled(!saving, egui::Button::new("Quitter"))
                .accessible_name("Quitter le compte")
                .clicked()
            {
                if editor.is_dirty() {
                    editor.phase = Phase::ConfirmQuit;
                } else {
                    leave = true;
                }
            }
            let outcome = ctx.outcome(Action::Admin(AdminAction::SaveAccount));
            if matches!(outcome, Some(Outcome::Failed(_) | Outcome::Pending)) {
                widgets::outcome_ui(ui, outcome, "Enregistrement…");
            }
        });
        if leave {
            return;
        }
        if !editor.problems.is_empty() && editor.checked.is_some() {
            ui.label(
                RichText::new(
                    "Des champs sont à corriger (voyez chaque onglet) : rien n'a été enregistré.",
                )
                .color(widgets::error_color(ui)),
            );
        }
        if editor.phase == Phase::ConfirmQuit {
            let decided = widgets::confirm_modal_ui(
                ui,
                "quitter-compte",
                messages::DISCARD_CHANGES_TITLE,
                messages::DISCARD_CHANGES,
                |ui| {
                    ui.label(
                        "Les modifications de ce compte n'ont pas été enregistrées. Les \
                         abandonner ?",
                    );
                },
            );
            match decided {
                Some(true) => return,
                Some(false) => editor.phase = Phase::Editing,
                None => {}
            }
        }
        self.editor = Some(editor);
    }

    fn net_entreprise_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx, editor: &mut Editor) {
        ui.label(
            "Reportez à l'identique les informations de votre connexion à Net-entreprises \
             (attention aux majuscules, minuscules et caractères spéciaux). Conseil : faites \
             un copier-coller depuis le portail Net-entreprises.",
        );
        ui.add_space(6.0);
        egui::Grid::new("compte-net-entreprises")
            .num_columns(2)
            .spacing([12.0, 8.0])
            .show(ui, |ui| {
                for field in [
                    AccountField::Siret,
                    AccountField::LastName,
                    AccountField::FirstName,
                    AccountField::NetPassword,
                ] {
                    let label_text = if field == AccountField::NetPassword {
                        "Mot de passe"
                    } else {
                        messages::field_label(field)
                    };
                    let label = ui.label(label_text);
                    ui.vertical(|ui| {
                        let text = match field {
                            AccountField::Siret => &mut editor.draft.siret,
                            AccountField::LastName => &mut editor.draft.last_name,
                            AccountField::FirstName => &mut editor.draft.first_name,
                            _ => &mut editor.draft.net_password,
                        };
                        let mut edit = egui::TextEdit::singleline(text).desired_width(FIELD_WIDTH);
                        if field == AccountField::NetPassword {
                            edit = edit.password(true);
                            if editor.stored_net_password {
                                edit = edit.hint_text("enregistré – vide : le garder");
                            }
                        }
                        ui.add(edit).labelled_by(label.id);
                        let value = editor.draft.text(field).to_owned();
                        if let Some(problem) = editor.problem(field) {
                            ui.label(RichText::new(problem).color(widgets::error_color(ui)));
                        } else if field == AccountField::Siret
                            && !value.is_empty()
                            && let Err(issue) = net_entreprises::check_siret(&value)
                        {
                            ui.label(
                                RichText::new(messages::field_issue(field, issue))
                                    .color(widgets::error_color(ui)),
                            );
                        } else if let Some(spaces) = accounts::edge_spaces(&value) {
                            ui.label(
                                RichText::new(messages::edge_spaces_warning(spaces))
                                    .color(widgets::warn_color(ui)),
                            );
                        }
                    });
                    ui.end_row();
                }
            });
        ui.add_space(8.0);
        let testing = ctx.is_pending(Action::Admin(AdminAction::TestCredentials));
        let identified = ctx.actor().is_some() || editor.first_account;
        ui.horizontal_wrapped(|ui| {
            let button = widgets::state_icon_button_ui(
                ui,
                TrayIconKind::Ball,
                TEST_BUTTON,
                identified && !testing,
            )
            .on_hover_text(
                "Vérifie auprès de Net-entreprises que la saisie est correcte, sans \
                 enregistrer (un seul essai : trois échecs bloquent le compte).",
            );
            if button.clicked() {
                self.test_window = true;
                ctx.push(Command::Admin(AdminCommand::TestCredentials {
                    source: Box::new(editor.typed_source()),
                    confirmed: false,
                    first_account: editor.first_account,
                }));
            }
            if testing {
                widgets::pending_ui(ui, "Test auprès de Net-entreprises…");
            }
        });
    }

    // -----------------------------------------------------------------------
    // The windows of the tests.

    fn test_window_ui(&mut self, ui: &egui::Ui, ctx: &mut AppCtx) {
        if !self.test_window {
            return;
        }
        let pending = ctx.is_pending(Action::Admin(AdminAction::TestCredentials));
        let answer = ctx.admin().credential_test().cloned();
        let mut close = false;
        let mut again = false;
        let modal =
            egui::Modal::new(egui::Id::unique("test-net-entreprises")).show(ui.ctx(), |ui| {
                ui.set_max_width(560.0);
                ui.heading("Vérification des identifiants de connexion");
                ui.add_space(8.0);
                match (&answer, pending) {
                    (_, true) | (None, false) => {
                        ui.horizontal(|ui| {
                            widgets::pending_ui(ui, "Test auprès de Net-entreprises…");
                        });
                    }
                    (Some(CredentialAnswer::Tested(t)), false) => {
                        let x = messages::verdict_explanation(t);
                        widgets::verdict_ui(ui, t.verdict.is_valid(), &x);
                    }
                    (Some(CredentialAnswer::Recent(recent)), false) => {
                        ui.label(messages::recent_test_question(recent));
                        ui.add_space(6.0);
                        if ui.add(egui::Button::new("Tester de nouveau")).clicked() {
                            again = true;
                        }
                    }
                    (Some(CredentialAnswer::Failed(x)), false) => widgets::verdict_ui(ui, false, x),
                }
                ui.add_space(10.0);
                if ui.add(egui::Button::new("Fermer")).clicked() {
                    close = true;
                }
            });
        if again && let Some(editor) = &self.editor {
            ctx.push(Command::Admin(AdminCommand::TestCredentials {
                source: Box::new(editor.typed_source()),
                confirmed: true,
                first_account: editor.first_account,
            }));
        }
        if close || (modal.should_close() && !pending) {
            self.test_window = false;
            ctx.push(Command::Admin(AdminCommand::DismissTest));
        }
    }

    fn test_all_window_ui(&mut self, ui: &egui::Ui, ctx: &mut AppCtx, accounts: &Accounts) {
        if !self.test_all_window {
            return;
        }
        let pending = ctx.is_pending(Action::Admin(AdminAction::TestAll));
        let answer = ctx.admin().test_all().cloned();
        let progress = ctx.admin().test_all_progress().cloned();
        let mut close = false;
        let mut again = false;
        let mut cancel = false;
        egui::Modal::new(egui::Id::unique("tester-tous-les-comptes")).show(ui.ctx(), |ui| {
            ui.set_max_width(640.0);
            ui.heading("Tester tous les comptes");
            ui.add_space(8.0);
            match (&answer, pending) {
                (Some(TestAllAnswer::Report(report)), false) => {
                    egui::ScrollArea::vertical()
                        .max_height(360.0)
                        .show(ui, |ui| {
                            for line in &report.lines {
                                ui.horizontal_wrapped(|ui| {
                                    let ok = line.is_valid();
                                    let mark = match &line.outcome {
                                        LineOutcome::Tested(_) if ok => Mark::Ok,
                                        LineOutcome::Tested(_) => Mark::Failed,
                                        _ => Mark::Skipped,
                                    };
                                    widgets::mark_ui(ui, mark);
                                    ui.label(messages::account_line_text(line));
                                });
                            }
                        });
                    ui.add_space(6.0);
                    ui.label(RichText::new(messages::test_all_summary(report)).strong());
                }
                (Some(TestAllAnswer::Recent(recent)), false) => {
                    ui.label(messages::recent_test_question(recent));
                    ui.add_space(6.0);
                    if ui.add(egui::Button::new("Tester de nouveau")).clicked() {
                        again = true;
                    }
                }
                (Some(TestAllAnswer::Failed(x)), false) => widgets::verdict_ui(ui, false, x),
                _ => {
                    // Each account on its own line while the tests run.
                    for user in accounts
                        .users
                        .iter()
                        .filter(|u| u.net_entreprises.is_some())
                    {
                        ui.horizontal(|ui| {
                            ui.spinner();
                            ui.label(format!("{} ({})", user.login, user.display_name));
                        });
                    }
                    if let Some(p) = &progress {
                        ui.add(
                            egui::ProgressBar::new(p.fraction().unwrap_or(0.0))
                                .text(format!("{} / {}", p.done, p.total)),
                        );
                    }
                    if ui.add(egui::Button::new("Annuler")).clicked() {
                        cancel = true;
                    }
                }
            }
            ui.add_space(10.0);
            if !pending && ui.add(egui::Button::new("Fermer")).clicked() {
                close = true;
            }
        });
        if cancel {
            ctx.push(Command::Admin(AdminCommand::CancelTestAll));
        }
        if again {
            ctx.push(Command::Admin(AdminCommand::TestAll { confirmed: true }));
        }
        if close {
            self.test_all_window = false;
            ctx.push(Command::Admin(AdminCommand::DismissTest));
        }
    }
}

/// The state of an account's Net-entreprises credentials, for the table: the
/// SIRET, then the last test's verdict in small type, in green when the
/// credentials were accepted and in red when refused.
fn net_summary_ui(ui: &mut egui::Ui, user: &UserSummary) {
    let Some(n) = &user.net_entreprises else {
        ui.label(RichText::new("aucun identifiant").weak());
        return;
    };
    ui.vertical(|ui| {
        ui.add(egui::Label::new(format!("SIRET {}", n.siret)).extend());
        let verdict = match &n.last_test {
            None => RichText::new("Non testés").weak(),
            Some(t) => {
                let color = if t.outcome == "valid" {
                    widgets::ok_color(ui)
                } else {
                    widgets::error_color(ui)
                };
                RichText::new(messages::verdict_code_line(&t.outcome)).color(color)
            }
        };
        ui.add(egui::Label::new(verdict.small()).extend());
    });
}

/// A field of the form with its label, and its problem under it.
fn field_ui(ui: &mut egui::Ui, editor: &mut Editor, field: AccountField, enabled: bool) {
    let label = ui.label(messages::field_label(field));
    ui.vertical(|ui| {
        let password = matches!(
            field,
            AccountField::OldPassword | AccountField::Password | AccountField::Confirmation
        );
        let hint = (password && editor.login.is_some() && field != AccountField::OldPassword)
            .then_some("vide : inchangé");
        let text = match field {
            AccountField::Login => &mut editor.draft.login,
            AccountField::DisplayName => &mut editor.draft.display_name,
            AccountField::OldPassword => &mut editor.draft.old_password,
            AccountField::Password => &mut editor.draft.password,
            _ => &mut editor.draft.confirmation,
        };
        let mut edit = egui::TextEdit::singleline(text)
            .desired_width(FIELD_WIDTH)
            .password(password);
        if let Some(hint) = hint {
            edit = edit.hint_text(hint);
        }
        ui.add_enabled(enabled, edit).labelled_by(label.id);
        if let Some(problem) = editor.problem(field) {
            ui.label(RichText::new(problem).color(widgets::error_color(ui)));
        }
    });
    ui.end_row();
}

/// Tab « Impact Emploi ».
fn impact_emploi_ui(ui: &mut egui::Ui, editor: &mut Editor) {
    egui::Grid::new("compte-impact-emploi")
        .num_columns(2)
        .spacing([12.0, 8.0])
        .show(ui, |ui| {
            field_ui(ui, editor, AccountField::Login, editor.login.is_none());
            field_ui(ui, editor, AccountField::DisplayName, true);
            ui.label("Rôle");
            ui.horizontal(|ui| {
                for role in Role::ALL {
                    let chosen = editor.draft.role == role;
                    let radio = ui.add_enabled(
                        editor.editing.administrator,
                        egui::RadioButton::new(chosen, messages::role_label(role)),
                    );
                    if radio.clicked() {
                        editor.draft.role = role;
                    }
                }
            });
            ui.end_row();
            if editor.editing.own {
                field_ui(ui, editor, AccountField::OldPassword, true);
            }
            field_ui(ui, editor, AccountField::Password, true);
            field_ui(ui, editor, AccountField::Confirmation, true);
        });
    ui.add_space(6.0);
    ui.label(
        RichText::new(format!(
            "Le mot de passe a au moins {} caractères ; tapez-le deux fois (« Mot de passe » \
             puis « Confirmer »).{}",
            accounts::password::MIN_CHARS,
            if editor.editing.own {
                " Pour changer le vôtre, tapez d'abord l'actuel."
            } else {
                ""
            }
        ))
        .weak(),
    );
}

/// Tab « Droits d'accès ».
fn rights_ui(ui: &mut egui::Ui, editor: &mut Editor) {
    if editor.draft.role == Role::Administrateur {
        ui.label("Un administrateur a tous les droits sur tous les dossiers.");
        return;
    }
    if editor.draft.rights.is_empty() {
        ui.label("Cette base ne contient aucun dossier.");
        return;
    }
    if !editor.editing.administrator {
        ui.label(RichText::new("Seul un administrateur peut changer les droits d'accès.").weak());
    }
    let consultation = editor.draft.role == Role::Consultation;
    if consultation {
        ui.label(
            RichText::new(
                "Un compte de consultation lit les dossiers sans les modifier : « Modification » \
                 ne lui est pas proposé.",
            )
            .weak(),
        );
    }
    egui::Grid::new("compte-droits")
        .striped(true)
        .num_columns(4)
        .spacing([18.0, 6.0])
        .show(ui, |ui| {
            ui.label(RichText::new("Dossier").strong());
            for level in Level::ALL {
                ui.label(RichText::new(messages::level_label(level)).strong());
            }
            ui.end_row();
            for (_, name, current) in &mut editor.draft.rights {
                ui.label(name.as_str());
                for level in Level::ALL {
                    let enabled = editor.editing.administrator
                        && !(consultation && level == Level::Modification);
                    let chosen = *current == level;
                    let radio = ui.add_enabled(enabled, egui::RadioButton::new(chosen, ""));
                    let spoken = format!("{} : {name}", messages::level_label(level));
                    radio.widget_info(|| {
                        egui::WidgetInfo::selected(
                            egui::Role::RadioButton,
                            enabled,
                            chosen,
                            &spoken,
                        )
                    });
                    if radio.clicked() {
                        *current = level;
                    }
                }
                ui.end_row();
            }
        });
}

/// « Enregistrer »: checks every field; sends the changes when all are good.
fn save(ctx: &mut AppCtx, editor: &mut Editor) {
    let changes = editor.changes();
    let target = editor.target();
    let mut problems = accounts::check_fields(
        &target,
        &changes,
        Some(editor.stored_net_password),
        editor.editing.own,
    );
    editor.checked = Some(editor.draft.clone());
    if !problems.is_empty() {
        // The first tab with a problem is shown.
        problems.sort_by_key(|p| tab_of(p.field) as u8);
        editor.tab = tab_of(problems[0].field);
        editor.problems = problems;
        return;
    }
    editor.problems.clear();
    editor.phase = Phase::Saving;
    ctx.push(Command::Admin(AdminCommand::SaveAccount {
        target,
        changes: Box::new(changes),
        first_account: editor.first_account,
    }));
}

fn tab_of(field: AccountField) -> Tab {
    match field {
        AccountField::Siret
        | AccountField::LastName
        | AccountField::FirstName
        | AccountField::NetPassword => Tab::NetEntreprise,
        _ => Tab::ImpactEmploi,
    }
}

impl Screen for Comptes {
    fn id(&self) -> ScreenId {
        ScreenId::ComptesUtilisateurs
    }

    fn title(&self) -> &'static str {
        messages::ACCOUNTS_TITLE
    }

    fn nav_label(&self) -> &'static str {
        "Comptes utilisateurs"
    }

    fn nav_group(&self) -> NavGroup {
        NavGroup::Administer
    }

    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        Screen::poll(self, ctx);
        widgets::title_ui(ui, messages::ACCOUNTS_TITLE);
        let entered = widgets::entered(&mut self.last_pass, ui);
        if !matches!(ctx.store, crate::ui::StoreState::Open(_)) {
            ui.horizontal(|ui| widgets::pending_ui(ui, "Ouverture de la base de données…"));
            return;
        }
        if (entered || self.listed_for != Some(Self::list_key(ctx))) && !self.listing.is_pending() {
            self.start_listing(ui.ctx(), ctx);
        }
        if let Some(Err(e)) = self.listing.latest() {
            let e = e.clone();
            egui::Frame::group(ui.style()).show(ui, |ui| widgets::explanation_ui(ui, &e));
            return;
        }
        let Some(accounts) = self.accounts().cloned() else {
            ui.horizontal(|ui| widgets::pending_ui(ui, "Lecture des comptes…"));
            return;
        };
        egui::ScrollArea::vertical()
            .auto_shrink(false)
            .show(ui, |ui| {
                if self.editor.is_some() {
                    self.editor_ui(ui, ctx);
                } else {
                    self.identification_ui(ui, ctx, &accounts);
                    ui.add_space(8.0);
                    self.table_ui(ui, &accounts);
                    if !accounts.users.is_empty() {
                        self.buttons_ui(ui, ctx, &accounts);
                    }
                }
            });
        self.delete_modal_ui(ui, ctx, &accounts);
        self.test_window_ui(ui, ctx);
        self.test_all_window_ui(ui, ctx, &accounts);
    }

    fn poll(&mut self, _ctx: &mut AppCtx) {
        self.listing.poll();
    }

    fn is_busy(&self) -> bool {
        self.listing.is_pending()
    }
}
