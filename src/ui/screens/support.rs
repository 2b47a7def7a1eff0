//! "Demande d'assistance à distance": a message to support, prefilled by
//! [`support::compose`] (run on a worker thread when the screen opens, since it
//! reads the logs and may diagnose the store) — the address, an editable subject
//! and message, and the support report attached, readable under "Voir le
//! rapport". "Envoyer" mails it on a worker thread when sending is configured;
//! otherwise the screen says which settings are missing, and the guides' way
//! always works: copy the recipients, copy the content, save the report and send
//! it from the usual mailbox.

use std::path::PathBuf;

use eframe::egui::{self, RichText};

use crate::fsutil;
use crate::messages;
use crate::support::{self, SupportError, SupportRequest};
use crate::ui::screen::{NavGroup, Screen, ScreenId};
use crate::ui::task::Task;
use crate::ui::widgets;
use crate::ui::{Action, AppCtx, Command};

/// Width of the subject and message fields, in points.
const FIELD_WIDTH: f32 = 560.0;

/// What the last copy put on the clipboard, to say so next to its button.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Copied {
    Recipients,
    Content,
}

/// The "Demande d'assistance à distance" screen.
#[derive(Debug, Default)]
pub struct SupportScreen {
    composed: Task<Result<SupportRequest, SupportError>>,
    /// The request as the user edits it.
    draft: Option<SupportRequest>,
    last_pass: Option<u64>,
    copied: Option<Copied>,
    /// "Enregistrer le rapport…": its dialog, open on a worker thread.
    save_dialog: Task<Option<PathBuf>>,
}

impl SupportScreen {
    fn content_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        ui.label(
            "Décrivez votre problème à l'assistance d'Impact emploi. Le rapport technique de \
             ce poste est joint au message : il ne contient aucun mot de passe.",
        );
        ui.add_space(8.0);
        let Some(mut draft) = self.draft.clone() else {
            ui.horizontal_wrapped(|ui| {
                if self.composed.is_pending() {
                    widgets::pending_ui(ui, "Préparation du message et du rapport…");
                } else if let Some(Err(e)) = self.composed.latest() {
                    widgets::explanation_ui(ui, &messages::support_error(e));
                } else if let Some(failure) = self.composed.failure() {
                    widgets::failed_ui(
                        ui,
                        &format!(
                            "La préparation du rapport s'est arrêtée ({}).",
                            failure.reason()
                        ),
                    );
                }
            });
            return;
        };

        egui::Grid::new("support-message")
            .num_columns(2)
            .spacing([12.0, 6.0])
            .show(ui, |ui| {
                let to = ui.label("À");
                ui.label(RichText::new(&draft.to).strong())
                    .labelled_by(to.id);
                ui.end_row();

                let subject = ui.label("Objet");
                ui.add(egui::TextEdit::singleline(&mut draft.subject).desired_width(FIELD_WIDTH))
                    .labelled_by(subject.id);
                ui.end_row();

                let body = ui.label("Message");
                ui.add(
                    egui::TextEdit::multiline(&mut draft.body)
                        .desired_width(FIELD_WIDTH)
                        .desired_rows(8),
                )
                .labelled_by(body.id);
                ui.end_row();

                ui.label("Pièce jointe");
                ui.label(format!(
                    "{} ({})",
                    draft.report_name,
                    fsutil::human_size(draft.report.len() as u64)
                ));
                ui.end_row();
            });
        if self.composed.is_pending() {
            ui.horizontal(|ui| widgets::pending_ui(ui, "Mise à jour du rapport…"));
        }
        egui::CollapsingHeader::new("Voir le rapport")
            .id_salt("support-rapport")
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("support-rapport-texte")
                    .max_height(260.0)
                    .show(ui, |ui| {
                        let mut text: &str = &draft.report;
                        ui.add(
                            egui::TextEdit::multiline(&mut text)
                                .font(egui::TextStyle::Monospace)
                                .desired_width(f32::INFINITY),
                        )
                        .accessible_name("Rapport joint");
                    });
            });

        ui.add_space(10.0);
        send_ui(ui, ctx, &draft);

        ui.add_space(10.0);
        ui.horizontal_wrapped(|ui| {
            if ui
                .add(egui::Button::new("Copier les destinataires"))
                .clicked()
            {
                ctx.push(Command::CopyToClipboard(draft.to.clone()));
                self.copied = Some(Copied::Recipients);
            }
            if ui.add(egui::Button::new("Copier le contenu")).clicked() {
                ctx.push(Command::CopyToClipboard(content(&draft)));
                self.copied = Some(Copied::Content);
            }
            let save = ui.add_enabled(
                !self.save_dialog.is_pending(),
                egui::Button::new("Enregistrer le rapport…"),
            );
            if save.clicked() {
                widgets::FileDialog::save_file("Enregistrer le rapport", &draft.report_name)
                    .filter("Texte", &["txt"])
                    .open(&mut self.save_dialog, ui.ctx());
            }
            match self.copied {
                Some(Copied::Recipients) => {
                    widgets::done_ui(ui, "Adresse de l'assistance copiée.");
                }
                Some(Copied::Content) => {
                    widgets::done_ui(ui, "Objet, message et rapport copiés.");
                }
                None => {}
            }
        });
        if ctx.outcome(Action::SaveSupportReport).is_some() {
            ui.horizontal_wrapped(|ui| {
                widgets::outcome_ui(
                    ui,
                    ctx.outcome(Action::SaveSupportReport),
                    "Enregistrement…",
                );
            });
        }
        if missing_settings(ctx).is_some() {
            ui.add_space(4.0);
            ui.label(RichText::new(messages::SEND_FROM_MAILBOX).weak());
        }

        if self.draft.as_ref() != Some(&draft) {
            self.copied = None;
            ctx.clear_outcome(Action::SendSupport);
            self.draft = Some(draft);
        }
    }
}

impl Screen for SupportScreen {
    fn id(&self) -> ScreenId {
        ScreenId::Support
    }

    fn title(&self) -> &'static str {
        "Demande d'assistance à distance"
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
        Screen::poll(self, ctx);
        widgets::title_ui(ui, "Demande d'assistance à distance");
        if widgets::entered(&mut self.last_pass, ui) && !self.composed.is_pending() {
            let home = ctx.home.clone();
            self.copied = None;
            self.composed
                .start(ui.ctx(), "centre-demande-assistance", move || {
                    support::compose(&home)
                });
        }
        egui::ScrollArea::vertical()
            .auto_shrink(false)
            .show(ui, |ui| self.content_ui(ui, ctx));
    }

    /// Takes the prepared request if it is ready (the shell calls this every
    /// frame, shown or not).
    fn poll(&mut self, ctx: &mut AppCtx) {
        // The report is written as it is when the file was chosen.
        if self.save_dialog.poll()
            && let Some(Some(path)) = self.save_dialog.take()
            && let Some(draft) = &self.draft
        {
            ctx.push(Command::SaveSupportReport {
                request: Box::new(draft.clone()),
                path,
            });
        }
        if self.composed.poll()
            && let Some(Ok(new)) = self.composed.latest()
        {
            self.draft = Some(match self.draft.take() {
                // Keep what the user wrote; take the fresh report.
                Some(old) => SupportRequest {
                    subject: old.subject,
                    body: old.body,
                    ..new.clone()
                },
                None => new.clone(),
            });
        }
    }

    /// Whether the request is being prepared.
    fn is_busy(&self) -> bool {
        self.composed.is_pending()
    }
}

/// "Envoyer" and its state, or why sending is not possible here.
fn send_ui(ui: &mut egui::Ui, ctx: &mut AppCtx, draft: &SupportRequest) {
    let missing = missing_settings(ctx);
    let pending = ctx.is_pending(Action::SendSupport);
    ui.horizontal_wrapped(|ui| {
        let button = ui.add_enabled(missing.is_none() && !pending, egui::Button::new("Envoyer"));
        if button.clicked() {
            ctx.push(Command::SendSupport(Box::new(draft.clone())));
        }
        widgets::outcome_ui(ui, ctx.outcome(Action::SendSupport), "Envoi en cours…");
    });
    if let Some(missing) = missing {
        ui.horizontal_wrapped(|ui| {
            widgets::mark_ui(ui, widgets::Mark::Warning);
            ui.label(missing);
        });
    }
}

/// Why "Envoyer" cannot work, naming the settings of `config.toml` to fill in;
/// `None` when sending is configured.
fn missing_settings(ctx: &AppCtx) -> Option<String> {
    let Some(config) = ctx.config() else {
        return Some(
            "L'envoi direct n'est pas possible : le fichier config.toml contient une erreur \
             (voir « Accueil »)."
                .to_owned(),
        );
    };
    if support::sending_configured(config) {
        return None;
    }
    let mut names = Vec::new();
    if config.mail.smtp_host.trim().is_empty() {
        names.push("smtp_host (le serveur d'envoi du courrier)");
    }
    if config.mail.sender.trim().is_empty() {
        names.push("sender (votre adresse e-mail)");
    }
    Some(format!(
        "L'envoi direct n'est pas configuré sur ce poste. À renseigner dans le fichier \
         config.toml, section [mail] : {}.",
        names.join(", ")
    ))
}

/// What "Copier le contenu" puts on the clipboard: subject, message and report.
fn content(r: &SupportRequest) -> String {
    format!(
        "Objet : {}\n\n{}\n\n----- {} -----\n{}",
        r.subject, r.body, r.report_name, r.report
    )
}
