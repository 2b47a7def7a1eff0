//! "Base de données inaccessible" (seed 003): shown instead of the screens that
//! need the store when it cannot be opened. It says in plain French what happened,
//! why it matters and what to do, keeps the system's own words under "Plus de
//! détails", and offers "Diagnostiquer" — a read-only examination of the path, the
//! rights, the locks and the file, run on a worker thread — whose report can be
//! copied for the IT contact. Nothing here creates or changes a store.

use std::path::PathBuf;

use eframe::egui::{self, RichText};

use crate::diagnostics::{self, Diagnosis};
use crate::messages;
use crate::ui::task::Task;
use crate::ui::widgets::Mark;
use crate::ui::{AppCtx, Command, StoreState};
use crate::ui::{ScreenId, widgets};

/// The "Base de données inaccessible" screen.
#[derive(Debug, Default)]
pub struct Inaccessible {
    diagnosis: Task<Diagnosis>,
    copied: bool,
}

impl Inaccessible {
    /// Whether a diagnosis runs.
    pub fn is_busy(&self) -> bool {
        self.diagnosis.is_pending()
    }

    /// Takes the result of the screen's background work if it is done (the shell
    /// calls this every frame, shown or not).
    pub fn poll(&mut self) {
        self.diagnosis.poll();
    }

    /// Draws the screen.
    pub fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        self.diagnosis.poll();
        let (error, retrying) = match &ctx.store {
            StoreState::Failed(e) => (e, false),
            StoreState::Retrying(e) => (e, true),
            _ => return,
        };
        let explanation = messages::store_error(error);
        let needs_update = matches!(error, crate::store::StoreError::NeedsUpdate { .. });
        let path: PathBuf = error.path().to_path_buf();
        // A diagnosis of another store is not shown.
        if self
            .diagnosis
            .latest()
            .is_some_and(|d| d.store_path != std::path::absolute(&path).unwrap_or(path.clone()))
        {
            self.diagnosis.clear();
            self.copied = false;
        }

        widgets::title_ui(ui, "Base de données inaccessible");
        egui::ScrollArea::vertical()
            .auto_shrink(false)
            .show(ui, |ui| {
                if explanation.title != "Base de données inaccessible" {
                    ui.label(
                        RichText::new(ctx.shown(&explanation.title))
                            .strong()
                            .size(15.0),
                    );
                    ui.add_space(4.0);
                }
                widgets::explanation_ui(ui, &explanation);
                ui.add_space(8.0);
                egui::CollapsingHeader::new("Plus de détails")
                    .id_salt("inaccessible-details")
                    .show(ui, |ui| {
                        ui.label(format!("Base de données : {}", ctx.path_text(&path)));
                        if !explanation.details.is_empty() {
                            ui.add_space(4.0);
                            ui.label(RichText::new(ctx.shown(&explanation.details)).monospace());
                        }
                    });
                ui.add_space(10.0);

                if needs_update
                    && ui
                        .button("Mise à jour de la base de données…")
                        .on_hover_text(messages::UPDATES_TITLE)
                        .clicked()
                {
                    ctx.push(Command::Navigate(ScreenId::MisesAJour));
                }
                ui.horizontal_wrapped(|ui| {
                    if ui
                        .add_enabled(!retrying, egui::Button::new("Réessayer"))
                        .clicked()
                    {
                        ctx.push(Command::ReloadStore);
                    }
                    if retrying {
                        widgets::pending_ui(ui, "Ouverture de la base…");
                    }
                    ui.separator();
                    if ui
                        .add(egui::Button::new("Changer de base de données…"))
                        .clicked()
                    {
                        ctx.push(Command::Navigate(ScreenId::Base));
                    }
                });
                ui.add_space(6.0);
                ui.horizontal_wrapped(|ui| {
                    let run = ui.add_enabled(
                        !self.diagnosis.is_pending(),
                        egui::Button::new("Diagnostiquer"),
                    );
                    if run.clicked() {
                        self.copied = false;
                        let path = path.clone();
                        self.diagnosis
                            .start(ui.ctx(), "centre-diagnostic", move || {
                                diagnostics::diagnose(&path)
                            });
                    }
                    if self.diagnosis.is_pending() {
                        widgets::pending_ui(ui, "Diagnostic en cours…");
                    } else if let Some(failure) = self.diagnosis.failure() {
                        widgets::failed_ui(
                            ui,
                            &format!("Le diagnostic s'est arrêté ({}).", failure.reason()),
                        );
                    }
                });
                if let Some(d) = self.diagnosis.latest() {
                    ui.add_space(8.0);
                    diagnosis_ui(ui, ctx, d, &mut self.copied);
                }
            });
    }
}

/// The checks of a diagnosis with their marks, the conclusion and the copy button.
fn diagnosis_ui(ui: &mut egui::Ui, ctx: &mut AppCtx, d: &Diagnosis, copied: &mut bool) {
    widgets::section_ui(ui, "Résultat du diagnostic");
    // The conclusion first: it says what to do next.
    let conclusion = messages::conclusion(d);
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal(|ui| {
            let mark = match d.worst_outcome() {
                diagnostics::Outcome::Failed => Mark::Failed,
                diagnostics::Outcome::Warning => Mark::Warning,
                diagnostics::Outcome::Ok | diagnostics::Outcome::Skipped => Mark::Ok,
            };
            widgets::mark_ui(ui, mark);
            ui.label(
                RichText::new(ctx.shown(&conclusion.title))
                    .strong()
                    .size(15.0),
            );
        });
        ui.label(ctx.shown(&conclusion.what));
        if !conclusion.todo.is_empty() {
            ui.add_space(4.0);
            ui.label(format!("Que faire : {}", ctx.shown(&conclusion.todo)));
        }
        ui.add_space(6.0);
        ui.horizontal_wrapped(|ui| {
            if ui.add(egui::Button::new("Copier le rapport")).clicked() {
                ctx.push(Command::CopyToClipboard(messages::diagnosis_report(d)));
                *copied = true;
            }
            if *copied {
                widgets::done_ui(ui, "Rapport copié dans le presse-papiers.");
            } else {
                ui.label(
                    RichText::new(
                        "à coller dans un message pour votre informaticien ou l'assistance",
                    )
                    .weak(),
                );
            }
        });
    });
    ui.add_space(8.0);
    ui.label(RichText::new("Contrôles effectués").strong());
    egui::Grid::new("diagnostic-controles")
        .num_columns(2)
        .min_col_width(0.0)
        .spacing([8.0, 4.0])
        .show(ui, |ui| {
            for check in &d.checks {
                let mark = match check.outcome {
                    diagnostics::Outcome::Ok => Mark::Ok,
                    diagnostics::Outcome::Warning => Mark::Warning,
                    diagnostics::Outcome::Failed => Mark::Failed,
                    diagnostics::Outcome::Skipped => Mark::Skipped,
                };
                widgets::mark_ui(ui, mark);
                ui.label(ctx.shown(&messages::check_label(check)));
                ui.end_row();
            }
        });
}
