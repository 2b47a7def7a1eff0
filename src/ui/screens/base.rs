//! "Changer de base de données": the stores this workstation knows, each opened
//! read-only on a worker thread to say whether it can be used; switching to one,
//! opening another file, creating a new empty store (after a confirmation saying
//! what will be created) and removing a store from the list (its file is never
//! deleted). The work itself is in [`crate::store::catalog`]; this screen only
//! pushes commands and shows their state next to their buttons.

use std::path::PathBuf;

use eframe::egui::{self, RichText};

use crate::config::Config;
use crate::fsutil;
use crate::messages::{self, Explanation};
use crate::store::StoreError;
use crate::store::catalog::{self, ProbedStore};
use crate::ui::screen::{NavGroup, Screen, ScreenId};
use crate::ui::task::Task;
use crate::ui::widgets;
use crate::ui::{Action, AppCtx, Command};

/// Width of the path fields, in points.
const FIELD_WIDTH: f32 = 420.0;

/// Which control started the last switch, to show its state next to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum SwitchOrigin {
    #[default]
    List,
    Other,
}

/// Which path field a "Parcourir…" dialog fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum PathField {
    #[default]
    Other,
    New,
}

/// The "Changer de base de données" screen.
#[derive(Debug, Default)]
pub struct BaseScreen {
    probes: Task<Vec<ProbedStore>>,
    probed_for: Option<(u64, u64)>,
    last_pass: Option<u64>,
    selected: Option<PathBuf>,
    other_path: String,
    new_path: String,
    /// "Créer la base…": the path is checked (its folder exists, no file is
    /// there) before the confirmation.
    new_path_check: Task<(PathBuf, Result<(), StoreError>)>,
    new_path_problem: Option<Explanation>,
    confirm_create: Option<PathBuf>,
    switch_origin: SwitchOrigin,
    /// A "Parcourir…" dialog open on a worker thread, and its field.
    browse: Task<Option<PathBuf>>,
    browse_field: PathField,
}

impl BaseScreen {
    /// Takes the answers of the screen's background work that arrived: the
    /// stores probed, the place of a new store checked (then confirmed), a path
    /// chosen in a dialog.
    fn take_answers(&mut self, ctx: &AppCtx) {
        self.probes.poll();
        if self.new_path_check.poll()
            && let Some((path, checked)) = self.new_path_check.take()
        {
            match checked {
                Ok(()) => self.confirm_create = Some(path),
                Err(e) => self.new_path_problem = Some(messages::store_error(&e)),
            }
        }
        if self.browse.poll()
            && let Some(Some(picked)) = self.browse.take()
        {
            let text = ctx.path_text(&picked);
            match self.browse_field {
                PathField::Other => self.other_path = text,
                PathField::New => {
                    self.new_path = text;
                    self.new_path_problem = None;
                }
            }
        }
    }

    fn start_probing(&mut self, egui_ctx: &egui::Context, config: Config) {
        self.probes
            .start(egui_ctx, "centre-verification-bases", move || {
                catalog::probe_all(&config)
            });
    }

    fn list_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx, config: &Config) {
        match self.probes.latest() {
            None if self.probes.is_pending() => {}
            None => {
                ui.label("Aucune base n'est connue.");
            }
            Some(probed) => {
                // One entry per store: the path to select on the first line, what
                // is known of it on the second (long network paths fit the width).
                for p in probed {
                    let selected = self.selected.as_ref() == Some(&p.path);
                    egui::Frame::group(ui.style())
                        .fill(if selected {
                            ui.visuals().extreme_bg_color
                        } else {
                            ui.visuals().panel_fill
                        })
                        .show(ui, |ui| {
                            ui.set_width(ui.available_width());
                            let path_text = ctx.path_text(&p.path);
                            if ui
                                .add(egui::Button::selectable(selected, path_text).wrap())
                                .clicked()
                            {
                                self.selected = Some(p.path.clone());
                            }
                            ui.horizontal_wrapped(|ui| store_facts_ui(ui, ctx, p));
                        });
                }
            }
        }

        let selected = self
            .selected
            .as_ref()
            .and_then(|s| self.probes.latest()?.iter().find(|p| &p.path == s));
        let can_use = selected.is_some_and(|p| !p.active && p.state.is_ok());
        let can_forget = selected.is_some_and(|p| p.known && !p.active);
        let selected_path = selected.map(|p| p.path.clone());

        ui.add_space(6.0);
        ui.horizontal_wrapped(|ui| {
            let refresh =
                ui.add_enabled(!self.probes.is_pending(), egui::Button::new("Actualiser"));
            if refresh.clicked() {
                self.start_probing(ui.ctx(), config.clone());
            }
            if self.probes.is_pending() {
                widgets::pending_ui(ui, "Vérification des bases…");
            } else if let Some(failure) = self.probes.failure() {
                widgets::failed_ui(
                    ui,
                    &format!("La vérification s'est arrêtée ({}).", failure.reason()),
                );
            }
        });
        ui.horizontal_wrapped(|ui| {
            let busy = ctx.is_pending(Action::SwitchStore) || ctx.is_pending(Action::CreateStore);
            let use_it = ui.add_enabled(can_use && !busy, egui::Button::new("Utiliser cette base"));
            if use_it.clicked()
                && let Some(path) = selected_path.clone()
            {
                self.switch_origin = SwitchOrigin::List;
                ctx.push(Command::SwitchStore(path));
            }
            if self.switch_origin == SwitchOrigin::List
                && ctx.outcome(Action::SwitchStore).is_some()
            {
                widgets::outcome_ui(ui, ctx.outcome(Action::SwitchStore), "Changement de base…");
            } else if selected_path.is_none() {
                ui.label(RichText::new("Cliquez d'abord sur une base de la liste.").weak());
            }
        });
        ui.horizontal_wrapped(|ui| {
            let forget = ui.add_enabled(
                can_forget && !ctx.is_pending(Action::ForgetStore),
                egui::Button::new("Retirer de la liste"),
            );
            if forget.clicked()
                && let Some(path) = selected_path
            {
                ctx.push(Command::ForgetStore(path));
                self.selected = None;
            }
            ui.label(
                RichText::new("Le fichier de la base n'est pas supprimé : il est seulement retiré de cette liste.")
                    .weak(),
            );
        });
        ui.horizontal_wrapped(|ui| {
            widgets::outcome_ui(ui, ctx.outcome(Action::ForgetStore), "Retrait de la liste…");
        });
    }

    fn other_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        ui.label(
            "Indiquez le fichier d'une base Impact emploi (par exemple sur le serveur de \
             l'association). Elle est vérifiée avant de devenir la base active.",
        );
        ui.horizontal_wrapped(|ui| {
            let changed = path_field_ui(ui, "Chemin de la base à ouvrir", &mut self.other_path);
            if changed && self.switch_origin == SwitchOrigin::Other {
                ctx.clear_outcome(Action::SwitchStore);
            }
            let browse = ui
                .add_enabled(!self.browse.is_pending(), egui::Button::new("Parcourir…"))
                .accessible_name("Parcourir… : base à ouvrir");
            if browse.clicked() {
                self.browse_field = PathField::Other;
                widgets::FileDialog::pick_file("Ouvrir une base Impact emploi")
                    .filter("Base Impact emploi", &["iea"])
                    .filter("Tous les fichiers", &["*"])
                    .near(ctx.typed_path(&self.other_path))
                    .open(&mut self.browse, ui.ctx());
            }
        });
        ui.horizontal_wrapped(|ui| {
            let busy = ctx.is_pending(Action::SwitchStore) || ctx.is_pending(Action::CreateStore);
            let open = ui.add_enabled(
                !self.other_path.trim().is_empty() && !busy,
                egui::Button::new("Ouvrir cette base"),
            );
            if open.clicked() {
                self.switch_origin = SwitchOrigin::Other;
                let path = ctx.typed_path(&self.other_path);
                ctx.push(Command::SwitchStore(path));
            }
            if self.switch_origin == SwitchOrigin::Other {
                widgets::outcome_ui(
                    ui,
                    ctx.outcome(Action::SwitchStore),
                    "Vérification de la base…",
                );
            }
        });
    }

    fn create_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        ui.label(
            "Une base vide ne contient aucun dossier. Le dossier qui la contiendra doit déjà \
             exister ; aucune base existante n'est remplacée.",
        );
        ui.horizontal_wrapped(|ui| {
            if path_field_ui(ui, "Chemin de la nouvelle base", &mut self.new_path) {
                self.new_path_problem = None;
                ctx.clear_outcome(Action::CreateStore);
            }
            let browse = ui
                .add_enabled(!self.browse.is_pending(), egui::Button::new("Parcourir…"))
                .accessible_name("Parcourir… : nouvelle base");
            if browse.clicked() {
                self.browse_field = PathField::New;
                widgets::FileDialog::save_file("Créer une nouvelle base vide", "impact-emploi.iea")
                    .filter("Base Impact emploi", &["iea"])
                    .near(ctx.typed_path(&self.new_path))
                    .open(&mut self.browse, ui.ctx());
            }
        });
        ui.horizontal_wrapped(|ui| {
            let busy = ctx.is_pending(Action::SwitchStore) || ctx.is_pending(Action::CreateStore);
            let checking = self.new_path_check.is_pending();
            let create = ui.add_enabled(
                !self.new_path.trim().is_empty() && !busy && !checking,
                egui::Button::new("Créer la base…"),
            );
            if create.clicked() {
                let path = ctx.typed_path(&self.new_path);
                ctx.clear_outcome(Action::CreateStore);
                self.new_path_problem = None;
                self.new_path_check.start(
                    ui.ctx(),
                    "centre-verification-nouvelle-base",
                    move || {
                        let checked = catalog::check_new_store_path(&path);
                        (path, checked)
                    },
                );
            }
            if checking {
                widgets::pending_ui(ui, "Vérification de l'emplacement…");
            }
            widgets::outcome_ui(ui, ctx.outcome(Action::CreateStore), "Création de la base…");
        });
        if let Some(problem) = &self.new_path_problem {
            ui.horizontal_wrapped(|ui| widgets::failed_ui(ui, &problem.what));
            if !problem.todo.is_empty() {
                ui.label(ctx.shown(&problem.todo));
            }
            ui.label("Aucune base n'a été créée.");
        }
    }

    /// The confirmation before a store is created.
    fn confirm_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx, config: &Config) {
        let Some(path) = self.confirm_create.clone() else {
            return;
        };
        let decided = widgets::confirm_modal_ui(
            ui,
            "confirmer-creation-base",
            "Créer une nouvelle base vide ?",
            "Créer la base",
            |ui| {
                ui.label("Une base de données vide va être créée à cet emplacement :");
                ui.label(RichText::new(ctx.path_text(&path)).monospace());
                ui.add_space(6.0);
                ui.label(format!(
                    "Elle deviendra la base active d'Impact emploi. La base actuelle ({}) n'est ni \
                 modifiée ni supprimée : elle reste dans la liste des bases connues.",
                    ctx.path_text(&config.paths.store)
                ));
            },
        );
        match decided {
            Some(true) => {
                ctx.push(Command::CreateStore(path));
                self.confirm_create = None;
            }
            Some(false) => self.confirm_create = None,
            None => {}
        }
    }
}

impl Screen for BaseScreen {
    fn id(&self) -> ScreenId {
        ScreenId::Base
    }

    fn title(&self) -> &'static str {
        "Changer de base de données"
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
        widgets::title_ui(ui, "Changer de base de données");
        let Some(config) = ctx.config().cloned() else {
            return;
        };
        let key = (ctx.config_generation(), ctx.store_generation());
        let entered = widgets::entered(&mut self.last_pass, ui);
        if entered || self.probed_for != Some(key) {
            self.probed_for = Some(key);
            self.start_probing(ui.ctx(), config.clone());
        }

        egui::ScrollArea::vertical()
            .auto_shrink(false)
            .show(ui, |ui| {
                ui.label(
                    "La base active est celle sur laquelle Impact emploi travaille. Choisissez \
                     une base dans la liste, ouvrez-en une autre ou créez une base vide.",
                );
                widgets::section_ui(ui, "Bases connues");
                self.list_ui(ui, ctx, &config);
                widgets::section_ui(ui, "Ouvrir une autre base");
                self.other_ui(ui, ctx);
                widgets::section_ui(ui, "Créer une nouvelle base vide");
                self.create_ui(ui, ctx);
            });
        self.confirm_ui(ui, ctx, &config);
    }

    /// Takes the result of the screen's background work if it is done (the shell
    /// calls this every frame, shown or not).
    fn poll(&mut self, ctx: &mut AppCtx) {
        self.take_answers(ctx);
    }

    /// Whether the stores are being probed.
    fn is_busy(&self) -> bool {
        self.probes.is_pending() || self.new_path_check.is_pending()
    }
}

/// The second line of a store's entry: active or not, whether it opens, its
/// size, schema version and number of dossiers.
fn store_facts_ui(ui: &mut egui::Ui, ctx: &AppCtx, p: &ProbedStore) {
    ui.add_space(8.0);
    if p.active {
        ui.label(
            RichText::new("Base active")
                .strong()
                .color(widgets::ok_color(ui)),
        );
        ui.label("·");
    }
    match &p.state {
        Ok(facts) => {
            widgets::mark_ui(ui, widgets::Mark::Ok);
            ui.label(RichText::new("Ouvrable").color(widgets::ok_color(ui)));
            ui.label("·");
            ui.label(fsutil::human_size(facts.size_bytes));
            ui.label("·");
            ui.label(format!("version {}", facts.schema_version));
            ui.label("·");
            ui.label(match facts.dossiers {
                0 => "aucun dossier".to_owned(),
                1 => "1 dossier".to_owned(),
                n => format!("{} dossiers", widgets::count(n)),
            });
        }
        Err(e) => {
            widgets::mark_ui(ui, widgets::Mark::Failed);
            ui.label(RichText::new(state_label(e)).color(widgets::error_color(ui)));
            ui.label("–");
            ui.label(ctx.shown(&messages::store_error(e).what));
        }
    }
}

/// The state of a store that does not open, in a few words (the full
/// explanation follows it).
fn state_label(e: &StoreError) -> &'static str {
    match e {
        StoreError::FolderNotFound { .. } => "Dossier introuvable",
        StoreError::FileNotFound { .. } => "Introuvable",
        StoreError::NotAFile { .. } => "Dossier, pas un fichier",
        StoreError::PermissionDenied { .. } => "Accès refusé",
        StoreError::Locked { .. } => "Occupée",
        StoreError::NotADatabase { .. } | StoreError::NotAStore { .. } => {
            "Pas une base Impact emploi"
        }
        StoreError::Corrupt { .. } => "Endommagée",
        StoreError::TooNew { .. } => "Version trop récente",
        StoreError::NeedsUpdate { .. } => "À mettre à jour",
        StoreError::DiskFull { .. } => "Disque plein",
        StoreError::ClosingInProgress { .. } => "Clôture en cours",
        StoreError::ClosedExercise { .. } => "Exercice clôturé",
        StoreError::AlreadyExists { .. } | StoreError::Sqlite { .. } | StoreError::Io { .. } => {
            "Ne s'ouvre pas"
        }
    }
}

/// A labelled path field; returns whether its text changed.
fn path_field_ui(ui: &mut egui::Ui, label: &str, text: &mut String) -> bool {
    widgets::labelled_field_ui(ui, label, text, FIELD_WIDTH).changed()
}
