//! The screen shown when `config.toml` cannot be used: which file, which line and
//! which setting, in French; "Réessayer" once the file was fixed by hand, or —
//! after a confirmation — keep a dated copy of the file and go back to the default
//! settings. The file is never overwritten without that copy.

use eframe::egui::{self, RichText};

use crate::messages;
use crate::ui::widgets;
use crate::ui::{Action, AppCtx, Command};

/// The configuration error screen.
#[derive(Debug, Default)]
pub struct ConfigErrorScreen {
    confirm_reset: bool,
}

impl ConfigErrorScreen {
    /// Draws the screen.
    pub fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        let Some(error) = ctx.config_error() else {
            return;
        };
        let explanation = messages::config_error(error);
        let file = error.path().to_path_buf();
        widgets::title_ui(ui, &ctx.shown(&explanation.title));
        egui::ScrollArea::vertical()
            .auto_shrink(false)
            .show(ui, |ui| {
                widgets::explanation_ui(ui, &explanation);
                ui.add_space(8.0);
                ui.horizontal_wrapped(|ui| {
                    ui.label("Fichier :");
                    ui.label(RichText::new(ctx.path_text(&file)).monospace());
                });
                egui::CollapsingHeader::new("Plus de détails")
                    .id_salt("configuration-details")
                    .show(ui, |ui| {
                        ui.label(RichText::new(ctx.shown(&explanation.details)).monospace());
                    });
                ui.add_space(12.0);
                ui.horizontal_wrapped(|ui| {
                    if ui.add(egui::Button::new("Réessayer")).clicked() {
                        ctx.push(Command::ReloadConfig);
                    }
                    ui.label(
                        RichText::new("après avoir corrigé le fichier avec un éditeur de texte")
                            .weak(),
                    );
                });
                ui.add_space(6.0);
                ui.horizontal_wrapped(|ui| {
                    let reset = ui.add_enabled(
                        !self.confirm_reset,
                        egui::Button::new("Conserver une copie et rétablir les valeurs par défaut"),
                    );
                    if reset.clicked() {
                        self.confirm_reset = true;
                    }
                    widgets::outcome_ui(ui, ctx.outcome(Action::ResetConfig), "Rétablissement…");
                });
            });

        if self.confirm_reset {
            let decided = widgets::confirm_modal_ui(
                ui,
                "confirmer-reinitialisation",
                "Rétablir les valeurs par défaut ?",
                "Rétablir les valeurs par défaut",
                |ui| {
                    ui.label(format!(
                        "Une copie datée du fichier actuel sera conservée à côté de lui, dans \
                         le dossier {}. Ensuite, tous les réglages reprendront leurs valeurs \
                         par défaut : les chemins, les paramètres de connexion et l'adresse de \
                         l'assistance seront à vérifier.",
                        ctx.path_text(crate::fsutil::parent_dir(&file))
                    ));
                    ui.add_space(6.0);
                    ui.label("Vos bases de données et vos sauvegardes ne sont pas modifiées.");
                },
            );
            match decided {
                Some(true) => {
                    ctx.push(Command::ResetConfigKeepingCopy);
                    self.confirm_reset = false;
                }
                Some(false) => self.confirm_reset = false,
                None => {}
            }
        }
    }
}
