//! "Gestionnaire de licences" › "Gestion des licences par poste" (seeds 002 and
//! 003, "Résoudre un problème de licence").
//!
//! The table lists the workstations that hold the licence, as the
//! authentication server lists them, merged with the store's workstations and
//! this one: host name ("ce poste" on this one), first and last connection,
//! state. A duplicate licence shows both computers side by side. Rows are
//! ticked, then « Réinitialiser poste » (after a confirmation) asks the server
//! to free each, and says what became of each: done, unknown workstation, too
//! many resets and until when; this workstation then authenticates again at
//! once, and the status bar shows the blue ball when the server agrees.
//!
//! Without the server's list (no connection, no licence key, assistance mode)
//! the local list is shown, the screen says what is missing and why, and the
//! reset is greyed. When this folder was copied from another computer, the
//! screen says so in plain words and offers to take a new workstation id.

use std::collections::BTreeSet;

use eframe::egui::{self, RichText};

use crate::licences::{self, FingerprintCheck, LicenceError, LicenceView, WorkstationRow};
use crate::messages::{self, Explanation};
use crate::ui::screen::{NavGroup, Screen, ScreenId};
use crate::ui::task::Task;
use crate::ui::widgets::{self, Mark};
use crate::ui::{Action, AdminAction, AdminCommand, AppCtx, Command, Outcome};

/// What the view was read for: a change of any reads it again.
type ViewKey = (u64, u64, u64);

/// The licence manager.
#[derive(Debug, Default)]
pub struct Licences {
    last_pass: Option<u64>,
    view: Task<Result<LicenceView, Explanation>>,
    viewed_for: Option<ViewKey>,
    /// The workstations ticked, by id.
    ticked: BTreeSet<String>,
    /// « Réinitialiser poste » waits for its confirmation.
    confirm_reset: bool,
    /// "Prendre un nouvel identifiant" waits for its confirmation.
    confirm_new_id: bool,
}

impl Licences {
    fn key(ctx: &AppCtx) -> ViewKey {
        (
            ctx.store_generation(),
            ctx.admin().licences_generation(),
            ctx.config_generation(),
        )
    }

    fn start_view(&mut self, egui_ctx: &egui::Context, ctx: &AppCtx) {
        self.viewed_for = Some(Self::key(ctx));
        let home = ctx.home.clone();
        let store = ctx.store_path().map(std::path::Path::to_path_buf);
        let support = ctx.support_address().to_owned();
        self.view.start(egui_ctx, "centre-licences", move || {
            licences::licence_view(&home, store.as_deref()).map_err(|e: LicenceError| {
                messages::licence_error(&e, &support, env!("CARGO_PKG_VERSION"))
            })
        });
    }

    fn copied_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        let x = messages::copied_installation();
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal_wrapped(|ui| {
                widgets::mark_ui(ui, Mark::Warning);
                ui.label(RichText::new(&x.title).strong());
            });
            ui.label(&x.what);
            ui.label(&x.why);
            let busy = ctx.is_pending(Action::Admin(AdminAction::NewWorkstationId));
            if ui
                .add_enabled(
                    !busy,
                    egui::Button::new("Prendre un nouvel identifiant pour ce poste"),
                )
                .clicked()
            {
                self.confirm_new_id = true;
            }
        });
        ui.add_space(8.0);
    }

    fn table_ui(&mut self, ui: &mut egui::Ui, view: &LicenceView) {
        let read = view.licence.is_some();
        egui::Grid::new("licences-postes")
            .striped(true)
            .num_columns(5)
            .spacing([16.0, 6.0])
            .show(ui, |ui| {
                for header in [
                    "Poste",
                    "Première connexion",
                    "Dernière connexion",
                    "État",
                    "Identifiant",
                ] {
                    ui.label(RichText::new(header).strong());
                }
                ui.end_row();
                for row in &view.rows {
                    let mut ticked = self.ticked.contains(&row.id);
                    let name = messages::workstation_name(row);
                    let enabled = view.can_reset() && row.on_server;
                    if ui
                        .add_enabled(enabled, egui::Checkbox::new(&mut ticked, name))
                        .changed()
                    {
                        if ticked {
                            self.ticked.insert(row.id.clone());
                        } else {
                            self.ticked.remove(&row.id);
                        }
                    }
                    ui.label(messages::seen(row.first_seen.as_deref()));
                    ui.label(messages::seen(row.last_seen.as_deref()));
                    let state = messages::workstation_state(row, read);
                    if row.state == Some(licences::WorkstationState::Duplicate) {
                        ui.label(
                            RichText::new(state)
                                .color(widgets::error_color(ui))
                                .strong(),
                        );
                    } else {
                        ui.label(state);
                    }
                    ui.label(RichText::new(short_id(&row.id)).weak().monospace());
                    ui.end_row();
                }
            });
    }

    /// A duplicate licence: both computers side by side.
    fn duplicates_ui(ui: &mut egui::Ui, duplicates: &[&WorkstationRow]) {
        ui.add_space(10.0);
        ui.horizontal_wrapped(|ui| {
            widgets::mark_ui(ui, Mark::Failed);
            ui.label(
                RichText::new(format!("Licence identique sur {} postes", duplicates.len()))
                    .strong()
                    .color(widgets::error_color(ui)),
            );
        });
        ui.label(
            "Le serveur voit la même licence sur ces ordinateurs, suite certainement à une \
             réinstallation ou à une copie. Cochez celui qui ne doit plus utiliser la licence, \
             puis cliquez sur « Réinitialiser poste ».",
        );
        ui.add_space(4.0);
        ui.columns(duplicates.len().clamp(1, 3), |columns| {
            for (column, row) in columns.iter_mut().zip(duplicates) {
                egui::Frame::group(column.style()).show(column, |ui| {
                    ui.set_width(ui.available_width());
                    ui.label(RichText::new(messages::workstation_name(row)).strong());
                    ui.label(format!(
                        "Première connexion : {}",
                        messages::seen(row.first_seen.as_deref())
                    ));
                    ui.label(format!(
                        "Dernière connexion : {}",
                        messages::seen(row.last_seen.as_deref())
                    ));
                    ui.label(
                        RichText::new(format!("Identifiant : {}", row.id))
                            .weak()
                            .small(),
                    );
                });
            }
        });
    }

    fn buttons_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx, view: &LicenceView) {
        self.ticked
            .retain(|id| view.rows.iter().any(|r| &r.id == id && r.on_server));
        let busy = ctx.is_pending(Action::Admin(AdminAction::ResetWorkstations));
        ui.add_space(8.0);
        ui.horizontal_wrapped(|ui| {
            let reset = ui
                .add_enabled(
                    view.can_reset() && !self.ticked.is_empty() && !busy,
                    egui::Button::new("Réinitialiser poste"),
                )
                .on_disabled_hover_text(if view.can_reset() {
                    "Cochez d'abord le ou les postes à réinitialiser."
                } else {
                    "La liste du serveur est nécessaire pour réinitialiser un poste."
                });
            if reset.clicked() {
                self.confirm_reset = true;
            }
            if ui
                .add_enabled(!self.view.is_pending(), egui::Button::new("Actualiser"))
                .clicked()
            {
                self.start_view(ui.ctx(), ctx);
            }
            if busy {
                widgets::pending_ui(ui, "Réinitialisation…");
            }
        });
        for action in [
            AdminAction::ResetWorkstations,
            AdminAction::NewWorkstationId,
        ] {
            if let Some(Outcome::Failed(e)) = ctx.outcome(Action::Admin(action)) {
                let e = e.clone();
                egui::Frame::group(ui.style()).show(ui, |ui| widgets::explanation_ui(ui, &e));
            }
        }
        if let Some(answer) = ctx.admin().reset().cloned() {
            ui.add_space(6.0);
            for (ok, line) in &answer.lines {
                ui.horizontal_wrapped(|ui| {
                    widgets::mark_ui(ui, if *ok { Mark::Ok } else { Mark::Failed });
                    ui.label(widgets::unbroken_quotes(line));
                });
            }
        }
    }

    fn modals_ui(&mut self, ui: &egui::Ui, ctx: &mut AppCtx, view: &LicenceView) {
        if self.confirm_reset {
            let names: Vec<String> = view
                .rows
                .iter()
                .filter(|r| self.ticked.contains(&r.id))
                .map(messages::workstation_name)
                .collect();
            let decided = widgets::confirm_modal_ui(
                ui,
                "reinitialiser-postes",
                if names.len() > 1 {
                    "Réinitialiser ces postes ?"
                } else {
                    "Réinitialiser ce poste ?"
                },
                "Réinitialiser",
                |ui| {
                    for name in &names {
                        ui.label(format!("• {name}"));
                    }
                    ui.add_space(4.0);
                    ui.label(
                        "La licence de chaque poste réinitialisé est libérée : il s'enregistrera \
                         de nouveau à sa prochaine authentification. Le serveur accepte 3 \
                         réinitialisations au plus par licence et par jour.",
                    );
                },
            );
            match decided {
                Some(true) => {
                    self.confirm_reset = false;
                    let ids: Vec<String> = self.ticked.iter().cloned().collect();
                    self.ticked.clear();
                    ctx.push(Command::Admin(AdminCommand::ResetWorkstations(ids)));
                }
                Some(false) => self.confirm_reset = false,
                None => {}
            }
        }
        if self.confirm_new_id {
            let decided = widgets::confirm_modal_ui(
                ui,
                "nouvel-identifiant",
                "Prendre un nouvel identifiant pour ce poste ?",
                "Prendre un nouvel identifiant",
                |ui| {
                    ui.label(
                        "Ce poste se présentera au serveur sous un nouvel identifiant ; l'ancien \
                         reste celui de l'ordinateur d'où vient ce dossier. Les données de paie \
                         ne sont pas touchées.",
                    );
                },
            );
            match decided {
                Some(true) => {
                    self.confirm_new_id = false;
                    ctx.push(Command::Admin(AdminCommand::NewWorkstationId));
                }
                Some(false) => self.confirm_new_id = false,
                None => {}
            }
        }
    }
}

/// The last group of an id (twelve random digits), enough to tell two apart
/// on screen; the duplicates' cards give the whole id.
fn short_id(id: &str) -> String {
    id.rsplit('-').next().unwrap_or(id).to_owned()
}

impl Screen for Licences {
    fn id(&self) -> ScreenId {
        ScreenId::Licences
    }

    fn title(&self) -> &'static str {
        "Gestionnaire de licences"
    }

    fn nav_group(&self) -> NavGroup {
        NavGroup::Administer
    }

    /// The licences are the server's: the screen works with a store that does
    /// not open (its workstations are then the server's and this one).
    fn works_without_store(&self) -> bool {
        true
    }

    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        Screen::poll(self, ctx);
        widgets::title_ui(ui, messages::LICENCES_TITLE);
        let entered = widgets::entered(&mut self.last_pass, ui);
        if (entered || self.viewed_for != Some(Self::key(ctx))) && !self.view.is_pending() {
            self.start_view(ui.ctx(), ctx);
        }
        let view = match self.view.latest() {
            Some(Ok(view)) => view.clone(),
            Some(Err(e)) => {
                let e = e.clone();
                egui::Frame::group(ui.style()).show(ui, |ui| widgets::explanation_ui(ui, &e));
                return;
            }
            None => {
                ui.horizontal(|ui| {
                    widgets::pending_ui(ui, "Lecture des postes auprès du serveur…");
                });
                return;
            }
        };
        egui::ScrollArea::vertical()
            .auto_shrink(false)
            .show(ui, |ui| {
                if view.fingerprint == FingerprintCheck::Changed {
                    self.copied_ui(ui, ctx);
                }
                match (&view.licence, &view.server_missing) {
                    (Some(licence), _) => {
                        ui.label(messages::licence_line(licence, &view.rows));
                    }
                    (None, Some(missing)) => {
                        let x = messages::licence_failure(
                            missing,
                            ctx.support_address(),
                            env!("CARGO_PKG_VERSION"),
                        );
                        egui::Frame::group(ui.style()).show(ui, |ui| {
                            ui.set_width(ui.available_width());
                            widgets::verdict_ui(ui, false, &x);
                        });
                    }
                    (None, None) => {}
                }
                ui.add_space(8.0);
                ui.label(
                    "Sélectionnez chaque poste qui ne doit plus utiliser la licence, puis \
                     cliquez sur « Réinitialiser poste ».",
                );
                ui.add_space(4.0);
                self.table_ui(ui, &view);
                let duplicates = view.duplicates();
                if duplicates.len() > 1 {
                    Self::duplicates_ui(ui, &duplicates);
                }
                self.buttons_ui(ui, ctx, &view);
                if self.view.is_pending() {
                    ui.horizontal(|ui| widgets::pending_ui(ui, "Actualisation…"));
                }
            });
        self.modals_ui(ui, ctx, &view);
    }

    fn poll(&mut self, _ctx: &mut AppCtx) {
        self.view.poll();
    }

    fn is_busy(&self) -> bool {
        self.view.is_pending()
    }
}
