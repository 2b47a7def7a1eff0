//! "À propos du Tiers de confiance": the product, its version, the schema version
//! it supports, where its files are, and the support address — everything support
//! asks for, with a button that copies it.

use eframe::egui::{self, RichText};

use crate::ui::screen::{NavGroup, Screen, ScreenId};
use crate::ui::widgets;
use crate::ui::{AppCtx, Command};

/// The product's name, as the tray's "À propos" says it.
pub const PRODUCT_NAME: &str = "Impact emploi – Gestionnaire de services (Tiers de confiance)";

/// The "À propos" screen.
#[derive(Debug, Default)]
pub struct APropos {
    copied: bool,
}

/// The lines shown, as (label, value).
fn facts(ctx: &AppCtx) -> Vec<(&'static str, String)> {
    let config = ctx.config();
    let unknown = || "configuration à corriger".to_owned();
    vec![
        ("Produit", PRODUCT_NAME.to_owned()),
        ("Version", crate::updates::program_version().to_owned()),
        (
            "Version de base de données prise en charge",
            crate::store::SCHEMA_VERSION.to_string(),
        ),
        (
            "Dossier de l'application (IEA_HOME)",
            ctx.home.root().display().to_string(),
        ),
        (
            "Fichier de configuration",
            ctx.home.config_file().display().to_string(),
        ),
        (
            "Base de données",
            config.map_or_else(unknown, |c| c.paths.store.display().to_string()),
        ),
        ("Dossier des journaux", ctx.logs_dir().display().to_string()),
        (
            "Adresse de l'assistance",
            config.map_or_else(unknown, |c| c.mail.support_address.clone()),
        ),
        ("Licence", "MIT".to_owned()),
    ]
}

impl Screen for APropos {
    fn id(&self) -> ScreenId {
        ScreenId::APropos
    }

    fn title(&self) -> &'static str {
        "À propos du Tiers de confiance"
    }

    fn nav_label(&self) -> &'static str {
        "À propos"
    }

    fn nav_group(&self) -> NavGroup {
        NavGroup::About
    }

    fn works_without_store(&self) -> bool {
        true
    }

    fn works_without_config(&self) -> bool {
        true
    }

    /// Draws the screen.
    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        widgets::title_ui(ui, "À propos du Tiers de confiance");
        let facts = facts(ctx);
        egui::ScrollArea::vertical()
            .auto_shrink(false)
            .show(ui, |ui| {
                egui::Grid::new("a-propos")
                    .num_columns(2)
                    .spacing([24.0, 8.0])
                    .show(ui, |ui| {
                        for (label, value) in &facts {
                            ui.label(RichText::new(*label).strong());
                            ui.label(ctx.shown(value));
                            ui.end_row();
                        }
                    });
                ui.add_space(12.0);
                ui.label(
                    "Pour écrire à l'assistance, indiquez un objet, vos coordonnées et joignez \
                     ces informations à votre message.",
                );
                ui.add_space(8.0);
                ui.horizontal(|ui| {
                    if ui
                        .add(egui::Button::new("Copier les informations"))
                        .clicked()
                    {
                        let text = facts
                            .iter()
                            .map(|(label, value)| format!("{label} : {value}"))
                            .collect::<Vec<_>>()
                            .join("\n");
                        ctx.push(Command::CopyToClipboard(text));
                        self.copied = true;
                    }
                    if self.copied {
                        widgets::done_ui(ui, "Copié dans le presse-papiers.");
                    }
                });
            });
    }
}
