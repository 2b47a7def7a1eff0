//! "Journal": the recent lines of the daily log files (newest at the bottom), read
//! on a worker thread, with a filter, a copy button for support and a button that
//! opens the logs folder.

use std::path::PathBuf;

use eframe::egui::{self, RichText};

use crate::messages;
use crate::ui::screen::{NavGroup, Screen, ScreenId};
use crate::ui::task::Task;
use crate::ui::widgets;
use crate::ui::{Action, AppCtx, Command};

/// How many lines are read.
const MAX_LINES: usize = 2000;

/// The lines read, and the folder they were read from.
type Lines = (PathBuf, std::io::Result<Vec<String>>);

/// The "Journal" screen.
#[derive(Debug, Default)]
pub struct Journal {
    lines: Task<Lines>,
    read_for: Option<u64>,
    last_pass: Option<u64>,
    filter: String,
    copied: bool,
}

impl Journal {
    fn start_reading(&mut self, egui_ctx: &egui::Context, dir: PathBuf) {
        self.copied = false;
        self.lines
            .start(egui_ctx, "centre-lecture-journal", move || {
                let lines = crate::logging::recent_lines(&dir, MAX_LINES);
                (dir, lines)
            });
    }
}

impl Screen for Journal {
    fn id(&self) -> ScreenId {
        ScreenId::Journal
    }

    fn title(&self) -> &'static str {
        "Journal"
    }

    fn nav_group(&self) -> NavGroup {
        NavGroup::Settings
    }

    fn works_without_store(&self) -> bool {
        true
    }

    fn works_without_config(&self) -> bool {
        true
    }

    /// Draws the screen.
    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        self.lines.poll();
        widgets::title_ui(ui, "Journal");
        let dir = ctx.logs_dir();
        let entered = widgets::entered(&mut self.last_pass, ui);
        if entered || self.read_for != Some(ctx.config_generation()) {
            self.read_for = Some(ctx.config_generation());
            self.start_reading(ui.ctx(), dir.clone());
        }

        ui.horizontal_wrapped(|ui| {
            ui.label("Dossier des journaux :");
            ui.label(RichText::new(ctx.path_text(&dir)).monospace());
        });
        ui.add_space(6.0);

        let all: &[String] = match self.lines.latest() {
            Some((_, Ok(lines))) => lines,
            _ => &[],
        };
        let needle = self.filter.trim().to_lowercase();
        let shown: Vec<&String> = all
            .iter()
            .filter(|l| needle.is_empty() || l.to_lowercase().contains(&needle))
            .collect();

        let mut refresh = false;
        let mut copied = self.copied;
        ui.horizontal_wrapped(|ui| {
            // The filter applies from the next frame (the lines shown were chosen above).
            widgets::labelled_field_ui(ui, "Filtrer", &mut self.filter, 260.0);
            refresh = ui
                .add_enabled(!self.lines.is_pending(), egui::Button::new("Actualiser"))
                .clicked();
            if ui
                .add_enabled(!shown.is_empty(), egui::Button::new("Copier"))
                .clicked()
            {
                let text = shown
                    .iter()
                    .map(|l| l.as_str())
                    .collect::<Vec<_>>()
                    .join("\n");
                ctx.push(Command::CopyToClipboard(text));
                copied = true;
            }
            if ui
                .add(egui::Button::new("Ouvrir le dossier des journaux"))
                .clicked()
            {
                ctx.push(Command::OpenFolder(dir.clone()));
            }
        });
        ui.horizontal_wrapped(|ui| {
            if self.lines.is_pending() {
                widgets::pending_ui(ui, "Lecture du journal…");
            } else if let Some(failure) = self.lines.failure() {
                widgets::failed_ui(
                    ui,
                    &format!("La lecture s'est arrêtée ({}).", failure.reason()),
                );
            } else if let Some((read_dir, Err(e))) = self.lines.latest() {
                widgets::failed_ui(
                    ui,
                    &format!(
                        "Le journal n'a pas pu être lu dans {}. {}",
                        read_dir.display(),
                        messages::io_error(e)
                    ),
                );
            } else if self.lines.has_result() {
                let text = if needle.is_empty() {
                    lines_label(all.len())
                } else {
                    format!(
                        "{} sur {}",
                        lines_label(shown.len()),
                        widgets::count(all.len() as u64)
                    )
                };
                ui.label(RichText::new(text).weak());
            }
            if copied {
                widgets::done_ui(ui, "Copié dans le presse-papiers.");
            }
            if let Some(crate::ui::Outcome::Failed(_)) = ctx.outcome(Action::OpenFolder) {
                widgets::outcome_ui(ui, ctx.outcome(Action::OpenFolder), "");
            }
        });
        ui.add_space(6.0);

        egui::Frame::group(ui.style()).show(ui, |ui| {
            if self.lines.has_result() && all.is_empty() {
                ui.label("Le journal ne contient encore aucune ligne.");
            }
            let row_height = ui.text_style_height(&egui::TextStyle::Monospace);
            egui::ScrollArea::both()
                .auto_shrink(false)
                .stick_to_bottom(true)
                .show_rows(ui, row_height, shown.len(), |ui, range| {
                    for line in &shown[range] {
                        ui.add(
                            egui::Label::new(RichText::new(line.as_str()).monospace())
                                .wrap_mode(egui::TextWrapMode::Extend),
                        );
                    }
                });
        });
        self.copied = copied;
        if refresh {
            self.start_reading(ui.ctx(), dir);
        }
    }

    /// Takes the result of the screen's background work if it is done (the shell
    /// calls this every frame, shown or not).
    fn poll(&mut self, _ctx: &mut AppCtx) {
        self.lines.poll();
    }

    /// Whether the logs are being read.
    fn is_busy(&self) -> bool {
        self.lines.is_pending()
    }
}

/// "1 ligne", "12 lignes".
fn lines_label(n: usize) -> String {
    match n {
        0 => "aucune ligne".to_owned(),
        1 => "1 ligne".to_owned(),
        n => format!("{} lignes", widgets::count(n as u64)),
    }
}
