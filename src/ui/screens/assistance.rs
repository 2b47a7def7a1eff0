//! "Mode assistance": whether assistance mode is on (the red beetle) or off, what
//! it means in the words of the practical guides, and the entry of the code of the
//! day ("mot de passe du jour") that support gives by e-mail or phone to switch it
//! on or off. Switching it on first shows the warning of the original product,
//! with its "OK". The switch itself is a [`Command`]; its result (done, wrong code
//! with the tries left, entry locked until a given time) is shown next to the
//! button.

use chrono::Local;
use eframe::egui::{self, RichText};

use crate::assistance::{self, AssistanceStatus};
use crate::messages;
use crate::service::state::TrayIconKind;
use crate::ui::screen::{NavGroup, Screen, ScreenId};
use crate::ui::task::Task;
use crate::ui::widgets;
use crate::ui::{Action, AppCtx, Command, Outcome, Secret};

/// The "Mode assistance" screen.
#[derive(Debug, Default)]
pub struct AssistanceScreen {
    code: String,
    /// Whether the mode is on, and the entry's lock, read on a worker thread
    /// (the previous reading stays on screen meanwhile).
    status: Task<AssistanceStatus>,
    /// The state generation and the pass the status was read at.
    read_for: Option<u64>,
    last_pass: Option<u64>,
    confirm_enable: bool,
    /// A code was sent and its answer not seen yet: an accepted code is cleared
    /// (it served), a refused one stays to be corrected.
    sent: bool,
}

impl AssistanceScreen {
    fn content_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx, status: &AssistanceStatus) {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal(|ui| {
                if status.enabled {
                    widgets::state_icon_ui(ui, TrayIconKind::Beetle);
                    ui.label(
                        RichText::new(
                            "Le mode assistance est activé : votre installation est \
                             déconnectée du serveur de production.",
                        )
                        .strong()
                        .color(widgets::error_color(ui)),
                    );
                } else {
                    widgets::state_icon_ui(
                        ui,
                        if ctx.persisted.connection
                            == crate::service::state::ConnectionState::Connected
                        {
                            TrayIconKind::Ball
                        } else {
                            TrayIconKind::BallHeart
                        },
                    );
                    ui.label(RichText::new("Le mode assistance est désactivé.").strong());
                }
            });
        });

        ui.add_space(8.0);
        if status.enabled {
            ui.label(
                "Le scarabée rouge, près de l'horloge, signale le mode assistance : Impact \
                 emploi reste utilisable, mais sans connexion au serveur de production.",
            );
            ui.add_space(4.0);
            ui.label(
                "Pour revenir en mode connexion, désactivez le mode assistance, puis appliquez \
                 la procédure de connexion au serveur («\u{a0}Paramètres de connexion\u{a0}»).",
            );
        } else {
            ui.label(
                "Si la connexion au serveur échoue malgré «\u{a0}Relancer l'authentification \
                 auprès du serveur\u{a0}», ou si le serveur refuse votre licence, contactez l'assistance. En \
                 attendant l'intervention de l'assistance, l'utilisation du logiciel reste \
                 possible : vous devez pour cela activer le mode assistance.",
            );
        }
        ui.add_space(4.0);
        ui.horizontal_wrapped(|ui| {
            ui.label(format!(
                "Récupérez le mot de passe du jour auprès de l'assistance ({}), par e-mail ou \
                 par téléphone, puis saisissez-le ci-dessous.",
                ctx.support_address()
            ));
        });
        if ui.link("Écrire à l'assistance…").clicked() {
            ctx.push(Command::Navigate(ScreenId::Support));
        }

        ui.add_space(12.0);
        let pending = ctx.is_pending(Action::Assistance);
        let locked = status.locked_until.filter(|until| *until > Local::now());
        ui.horizontal(|ui| {
            let label = ui.label("Mot de passe du jour");
            ui.add_enabled(
                locked.is_none() && !pending,
                egui::TextEdit::singleline(&mut self.code)
                    .desired_width(140.0)
                    .hint_text("1234 5678")
                    .font(egui::TextStyle::Monospace),
            )
            .labelled_by(label.id);
        });
        ui.label(
            RichText::new("Les espaces et les tirets sont acceptés, comme l'assistance les dicte.")
                .weak(),
        );
        if let Some(until) = locked {
            ui.add_space(4.0);
            ui.horizontal_wrapped(|ui| {
                widgets::failed_ui(
                    ui,
                    &format!(
                        "Trop d'essais erronés : la saisie est bloquée jusqu'à {}.",
                        until.format("%H:%M")
                    ),
                );
            });
        }

        ui.add_space(8.0);
        let has_code = !assistance::normalize_code(&self.code).is_empty();
        ui.horizontal_wrapped(|ui| {
            let usable = has_code && locked.is_none() && !pending;
            if status.enabled {
                let button =
                    ui.add_enabled(usable, egui::Button::new("Désactiver le mode assistance"));
                if button.clicked() {
                    self.sent = true;
                    ctx.push(Command::DisableAssistance(Secret::new(self.code.clone())));
                }
            } else {
                let button =
                    ui.add_enabled(usable, egui::Button::new("Activer le mode assistance"));
                if button.clicked() {
                    self.confirm_enable = true;
                }
            }
            if pending {
                widgets::pending_ui(ui, "Vérification du code…");
            }
        });
        outcome_ui(ui, ctx.outcome(Action::Assistance));
    }

    /// The original product's warning before switching assistance mode on.
    fn confirm_ui(&mut self, ui: &egui::Ui, ctx: &mut AppCtx) {
        if !self.confirm_enable {
            return;
        }
        let decided = widgets::confirm_modal_ui(
            ui,
            "assistance-avertissement",
            "Activer le mode assistance",
            "OK",
            |ui| {
                ui.horizontal(|ui| {
                    widgets::mark_ui(ui, widgets::Mark::Warning);
                    ui.label(RichText::new(messages::ASSISTANCE_WARNING).strong());
                });
            },
        );
        match decided {
            Some(true) => {
                self.confirm_enable = false;
                self.sent = true;
                ctx.push(Command::EnableAssistance(Secret::new(self.code.clone())));
            }
            Some(false) => self.confirm_enable = false,
            None => {}
        }
    }
}

impl Screen for AssistanceScreen {
    fn id(&self) -> ScreenId {
        ScreenId::Assistance
    }

    fn title(&self) -> &'static str {
        "Mode assistance"
    }

    fn nav_group(&self) -> NavGroup {
        NavGroup::Support
    }

    fn works_without_store(&self) -> bool {
        true
    }

    fn works_without_config(&self) -> bool {
        true
    }

    /// Draws the screen.
    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        widgets::title_ui(ui, "Mode assistance");
        let entered = widgets::entered(&mut self.last_pass, ui);
        let answered = self.sent && !ctx.is_pending(Action::Assistance);
        if answered {
            self.sent = false;
            if matches!(ctx.outcome(Action::Assistance), Some(Outcome::Done(_))) {
                self.code.clear();
            }
        }
        if entered || answered || self.read_for != Some(ctx.state_generation()) {
            let home = ctx.home.clone();
            self.status
                .start(ui.ctx(), "centre-etat-assistance", move || {
                    assistance::status(&home, Local::now())
                });
            self.read_for = Some(ctx.state_generation());
        }
        self.status.poll();
        let Some(status) = self.status.latest().cloned() else {
            ui.horizontal(|ui| widgets::pending_ui(ui, "Lecture de l'état du mode assistance…"));
            return;
        };

        egui::ScrollArea::vertical()
            .auto_shrink(false)
            .show(ui, |ui| self.content_ui(ui, ctx, &status));
        self.confirm_ui(ui, ctx);
    }

    fn poll(&mut self, _ctx: &mut AppCtx) {
        self.status.poll();
    }

    /// Whether the state of the mode is being read.
    fn is_busy(&self) -> bool {
        self.status.is_pending()
    }
}

/// The answer to the last code, under the buttons: a success in green, with the
/// scripts warning that comes with it set apart as a warning; a refusal with
/// what to do (tries left, end of the lock).
fn outcome_ui(ui: &mut egui::Ui, outcome: Option<&Outcome>) {
    match outcome {
        Some(Outcome::Done(text)) => {
            ui.add_space(6.0);
            let mut paragraphs = text.split("\n\n");
            if let Some(first) = paragraphs.next() {
                ui.horizontal_wrapped(|ui| widgets::done_ui(ui, first));
            }
            for warning in paragraphs {
                ui.horizontal_wrapped(|ui| {
                    widgets::mark_ui(ui, widgets::Mark::Warning);
                    ui.label(RichText::new(warning).color(widgets::warn_color(ui)));
                });
            }
        }
        Some(Outcome::Failed(_)) => {
            ui.add_space(6.0);
            widgets::outcome_ui(ui, outcome, "");
        }
        Some(Outcome::Pending) | None => {}
    }
}
