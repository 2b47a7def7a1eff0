//! "Configurer les chemins de l'application": where the store, the backups in
//! preparation and the logs live, and whether the service starts with the session.
//!
//! The form keeps the raw text of each field apart from the validated
//! configuration. Each field is checked as it is typed, on a worker thread (a
//! folder on a network share may take long to answer), and its problem is shown
//! next to it in red: an empty path, a missing folder (with "Créer le dossier"), a
//! file that is not an Impact emploi store (opened read-only). Saving is refused
//! while a field is wrong or still being checked, so a bad value never reaches
//! `config.toml`. The dialogs of "Parcourir…" open on worker threads too.

use std::collections::HashMap;
use std::path::PathBuf;

use eframe::egui::{self, RichText};

use crate::config::{Config, ValueProblem};
use crate::fsutil::{EntryKind, EntryProblem};
use crate::messages;
use crate::store::{Store, StoreError};
use crate::ui::screen::{NavGroup, Screen, ScreenId};
use crate::ui::task::Task;
use crate::ui::widgets::{self, PathCheck, PathFact};
use crate::ui::{Action, AppCtx, Command};

/// Width of the path fields, in points.
const FIELD_WIDTH: f32 = 430.0;

/// The raw values of the form.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PathsForm {
    store: String,
    staging: String,
    logs: String,
    autostart: bool,
}

impl PathsForm {
    /// The form of the saved configuration, the paths written as the window
    /// writes them.
    fn from_config(config: &Config, ctx: &AppCtx) -> Self {
        Self {
            store: ctx.path_text(&config.paths.store),
            staging: ctx.path_text(&config.paths.staging),
            logs: ctx.path_text(&config.paths.logs),
            autostart: ctx.autostart(),
        }
    }
}

/// The fields of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
enum Field {
    #[default]
    Store,
    Staging,
    Logs,
}

/// What is known of a field's value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Validity {
    /// Good, with an optional note.
    Valid(Option<String>),
    /// Wrong; the French reason.
    Invalid(String),
    /// A folder that does not exist (it can be created).
    MissingFolder(PathBuf),
    /// Being checked.
    Checking,
}

impl Validity {
    fn is_valid(&self) -> bool {
        matches!(self, Self::Valid(_))
    }
}

/// The result of checking a store path: the text checked, the store generation it
/// was checked at (a store created or switched meanwhile is checked again) and
/// what opening said.
type StoreCheck = (String, u64, Result<(), StoreError>);

/// The "Configurer les chemins" screen.
#[derive(Debug, Default)]
pub struct Chemins {
    form: Option<PathsForm>,
    saved: Option<PathsForm>,
    seeded_for: Option<u64>,
    store_check: Task<StoreCheck>,
    folder_checks: HashMap<Field, PathCheck>,
    /// A "Parcourir…" dialog open on a worker thread, and its field.
    browse: Task<Option<PathBuf>>,
    browse_field: Field,
    refused: bool,
}

impl Chemins {
    fn form_ui(
        &mut self,
        ui: &mut egui::Ui,
        ctx: &mut AppCtx,
        form: &mut PathsForm,
        saved: &PathsForm,
        config: &Config,
    ) {
        ui.label(
            "Indiquez où se trouvent la base de données d'Impact emploi, le dossier où les \
             sauvegardes sont préparées et le dossier des journaux.",
        );
        ui.add_space(8.0);

        let store_validity = self.store_validity(ui.ctx(), ctx, &form.store);
        let staging_validity = self.folder_validity(ui.ctx(), ctx, Field::Staging, &form.staging);
        let logs_validity = self.folder_validity(ui.ctx(), ctx, Field::Logs, &form.logs);

        let mut browse = None;
        egui::Grid::new("chemins-champs")
            .num_columns(2)
            .spacing([12.0, 4.0])
            .show(ui, |ui| {
                let rows = [
                    (
                        Field::Store,
                        "Base de données",
                        &mut form.store,
                        &store_validity,
                        None,
                    ),
                    (
                        Field::Staging,
                        "Dossier des sauvegardes",
                        &mut form.staging,
                        &staging_validity,
                        Some("Créer le dossier des sauvegardes"),
                    ),
                    (
                        Field::Logs,
                        "Dossier des journaux",
                        &mut form.logs,
                        &logs_validity,
                        Some("Créer le dossier des journaux"),
                    ),
                ];
                for (field, label, text, validity, create_label) in rows {
                    let browsing = self.browse.is_pending();
                    if field_row_ui(ui, ctx, label, text, validity, create_label, browsing) {
                        browse = Some((field, label, text.clone()));
                    }
                }
            });
        if let Some((field, label, text)) = browse {
            self.browse_field = field;
            let dialog = if field == Field::Store {
                widgets::FileDialog::pick_file(label)
            } else {
                widgets::FileDialog::pick_folder(label)
            };
            dialog
                .near(ctx.typed_path(&text))
                .open(&mut self.browse, ui.ctx());
        }
        if let Some(crate::ui::Outcome::Failed(_)) = ctx.outcome(Action::CreateFolder) {
            widgets::outcome_ui(ui, ctx.outcome(Action::CreateFolder), "");
        }

        ui.add_space(12.0);
        ui.checkbox(&mut form.autostart, "Démarrer avec la session");
        ui.label(
            RichText::new(
                "Le gestionnaire de services (l'icône près de l'horloge) se lance à \
                 l'ouverture de votre session.",
            )
            .weak(),
        );

        ui.add_space(16.0);
        let dirty = form != saved;
        let all_valid =
            store_validity.is_valid() && staging_validity.is_valid() && logs_validity.is_valid();
        ui.horizontal_wrapped(|ui| {
            let save = ui.add_enabled(dirty, egui::Button::new("Enregistrer"));
            if save.clicked() {
                if all_valid {
                    self.refused = false;
                    Self::push_save(ctx, form, saved, config);
                } else {
                    self.refused = true;
                }
            }
            if ui
                .add_enabled(dirty, egui::Button::new("Annuler"))
                .clicked()
            {
                *form = saved.clone();
                self.refused = false;
            }
            if dirty {
                ui.label(
                    RichText::new("Modifications non enregistrées").color(widgets::warn_color(ui)),
                );
            }
        });
        if self.refused {
            ui.horizontal_wrapped(|ui| {
                widgets::failed_ui(
                    ui,
                    if matches!(store_validity, Validity::Checking) {
                        "La base de données est encore en cours de vérification : rien n'a été enregistré."
                    } else {
                        "Rien n'a été enregistré : corrigez d'abord les champs signalés en rouge."
                    },
                );
            });
        }
        for action in [Action::SaveConfig, Action::Autostart] {
            if ctx.outcome(action).is_some() {
                ui.horizontal_wrapped(|ui| {
                    widgets::outcome_ui(ui, ctx.outcome(action), "Enregistrement…");
                });
            }
        }
    }

    fn push_save(ctx: &mut AppCtx, form: &PathsForm, saved: &PathsForm, config: &Config) {
        let paths_changed =
            (&form.store, &form.staging, &form.logs) != (&saved.store, &saved.staging, &saved.logs);
        if paths_changed {
            let mut new = config.clone();
            new.set_active_store(&ctx.typed_path(&form.store));
            new.paths.staging = ctx.typed_path(&form.staging);
            new.paths.logs = ctx.typed_path(&form.logs);
            ctx.push(Command::SaveConfig(Box::new(new)));
        }
        if form.autostart != saved.autostart {
            ctx.push(Command::SetAutostart(form.autostart));
        }
    }

    /// The store field's validity; starts a check on a worker thread when the
    /// text changed (one check at a time: the newest text is checked next).
    fn store_validity(&mut self, egui_ctx: &egui::Context, ctx: &AppCtx, text: &str) -> Validity {
        let text = text.trim();
        let generation = ctx.store_generation();
        if text.is_empty() {
            return Validity::Invalid(messages::value_problem(&ValueProblem::EmptyPath));
        }
        match self.store_check.latest() {
            Some((checked, at, result)) if checked == text && *at == generation => match result {
                Ok(()) => Validity::Valid(Some("Base Impact emploi reconnue.".to_owned())),
                Err(e) => Validity::Invalid(messages::store_error(e).what),
            },
            _ => {
                if !self.store_check.is_pending() {
                    let key = text.to_owned();
                    let path = ctx.typed_path(text);
                    self.store_check
                        .start(egui_ctx, "centre-verification-base", move || {
                            let result = Store::open_read_only(&path).map(drop);
                            (key, generation, result)
                        });
                }
                Validity::Checking
            }
        }
    }

    /// A folder field's validity, checked on a worker thread when the text
    /// changes or the centre created a folder.
    fn folder_validity(
        &mut self,
        egui_ctx: &egui::Context,
        ctx: &AppCtx,
        field: Field,
        text: &str,
    ) -> Validity {
        let check = self.folder_checks.entry(field).or_default();
        match check.fact(egui_ctx, ctx, EntryKind::Folder, text) {
            PathFact::Empty => Validity::Invalid(messages::value_problem(&ValueProblem::EmptyPath)),
            PathFact::Checking => Validity::Checking,
            PathFact::Found(_) => {
                Validity::Valid(Some(messages::entry_found(EntryKind::Folder).to_owned()))
            }
            PathFact::Problem(path, EntryProblem::Missing) => Validity::MissingFolder(path),
            PathFact::Problem(_, problem) => {
                Validity::Invalid(messages::entry_problem(EntryKind::Folder, problem))
            }
        }
    }

    /// Takes the answers of the screen's background work that arrived.
    fn take_answers(&mut self, ctx: &AppCtx) {
        self.store_check.poll();
        for check in self.folder_checks.values_mut() {
            check.poll();
        }
        if self.browse.poll()
            && let Some(Some(picked)) = self.browse.take()
            && let Some(form) = &mut self.form
        {
            let text = ctx.path_text(&picked);
            match self.browse_field {
                Field::Store => form.store = text,
                Field::Staging => form.staging = text,
                Field::Logs => form.logs = text,
            }
        }
    }
}

impl Screen for Chemins {
    fn id(&self) -> ScreenId {
        ScreenId::Chemins
    }

    fn title(&self) -> &'static str {
        "Configurer les chemins de l'application"
    }

    fn nav_label(&self) -> &'static str {
        "Configurer les chemins"
    }

    fn nav_group(&self) -> NavGroup {
        NavGroup::Settings
    }

    fn works_without_store(&self) -> bool {
        true
    }

    /// Draws the screen.
    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        self.take_answers(ctx);
        widgets::title_ui(ui, "Configurer les chemins de l'application");
        let Some(config) = ctx.config().cloned() else {
            return;
        };
        // Fill the form from the configuration when it changed, unless the user
        // has edits of their own.
        if self.seeded_for != Some(ctx.config_generation()) {
            let saved = PathsForm::from_config(&config, ctx);
            if self.form.is_none() || self.form == self.saved {
                self.form = Some(saved.clone());
            }
            self.saved = Some(saved);
            self.seeded_for = Some(ctx.config_generation());
        }
        let (Some(mut form), Some(saved)) = (self.form.clone(), self.saved.clone()) else {
            return;
        };

        egui::ScrollArea::vertical()
            .auto_shrink(false)
            .show(ui, |ui| {
                self.form_ui(ui, ctx, &mut form, &saved, &config);
            });
        if self.form.as_ref() != Some(&form) {
            self.refused = false;
            ctx.clear_outcome(Action::SaveConfig);
            ctx.clear_outcome(Action::Autostart);
        }
        self.form = Some(form);
    }

    /// Takes the result of the screen's background work if it is done (the shell
    /// calls this every frame, shown or not).
    fn poll(&mut self, ctx: &mut AppCtx) {
        self.take_answers(ctx);
    }

    /// Whether a path is being checked (an open dialog waits for the user).
    fn is_busy(&self) -> bool {
        self.store_check.is_pending() || self.folder_checks.values().any(PathCheck::is_busy)
    }
}

/// One row of the form: the label, the field with "Parcourir…" (greyed while
/// a dialog is open), then the field's validity below it. Returns whether
/// "Parcourir…" was clicked.
fn field_row_ui(
    ui: &mut egui::Ui,
    ctx: &mut AppCtx,
    label: &str,
    text: &mut String,
    validity: &Validity,
    create_label: Option<&str>,
    browsing: bool,
) -> bool {
    let label_response = ui.label(label);
    let browse = ui
        .horizontal(|ui| {
            ui.add(egui::TextEdit::singleline(text).desired_width(FIELD_WIDTH))
                .labelled_by(label_response.id);
            ui.add_enabled(!browsing, egui::Button::new("Parcourir…"))
                .accessible_name(format!("Parcourir… : {label}"))
                .clicked()
        })
        .inner;
    ui.end_row();

    ui.label("");
    ui.horizontal_wrapped(|ui| match validity {
        Validity::Valid(Some(note)) => widgets::done_ui(ui, note),
        Validity::Valid(None) => widgets::done_ui(ui, ""),
        Validity::Checking => widgets::pending_ui(ui, "Vérification…"),
        Validity::Invalid(reason) => widgets::failed_ui(ui, reason),
        Validity::MissingFolder(path) => {
            widgets::failed_ui(
                ui,
                &messages::entry_problem(EntryKind::Folder, EntryProblem::Missing),
            );
            if let Some(create_label) = create_label
                && ui.add(egui::Button::new(create_label)).clicked()
            {
                ctx.push(Command::CreateFolder(path.clone()));
            }
        }
    });
    ui.end_row();
    browse
}
