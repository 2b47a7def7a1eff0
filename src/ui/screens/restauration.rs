//! "Restaurer une sauvegarde": choose the script that made the backup (or
//! "avant restauration", the copies of the store kept by earlier restores), then
//! one of its backups — listed in the background, since an FTP site may take a
//! few seconds — and "Restaurer". A file can be restored too ("Restaurer depuis
//! un fichier…", or its path typed).
//!
//! Nothing is replaced before a confirmation that says what: the store's path,
//! the backup's date, and that a copy of the current store is kept. The restore
//! is a job of the shell ([`Command::Restore`]) with its progress and "Annuler";
//! its refusals (users connected, named; a damaged archive; a backup made by a
//! newer version) are explained in French, and after a success the shell opens
//! the restored store.

use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use eframe::egui::{self, RichText};

use crate::backup::destination::{ARCHIVE_SUFFIX, StoredBackup};
use crate::backup::restore::{self, RestoreSource, SAFETY_LABEL};
use crate::backup::run::BackupContext;
use crate::fsutil::{self, EntryKind, EntryProblem};
use crate::messages::{self, Explanation};
use crate::ui::screen::{NavGroup, Screen, ScreenId};
use crate::ui::task::Task;
use crate::ui::widgets;
use crate::ui::{Action, AppCtx, Command, Outcome, StoreState};

use super::sauvegardes::running_ui;

/// Width of the path field, in points.
const PATH_WIDTH: f32 = 420.0;

/// The backups of a script, as listed: which script, and the list or why not.
type Listing = (String, Result<Vec<StoredBackup>, Explanation>);

/// Which control started the restore, to show its state next to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Origin {
    #[default]
    List,
    File,
}

/// A restore waiting for its confirmation.
#[derive(Debug, Clone)]
struct Asked {
    source: RestoreSource,
    /// Which backup, in French, for the confirmation.
    subject: String,
}

/// The "Restaurer une sauvegarde" screen.
#[derive(Debug, Default)]
pub struct Restauration {
    last_pass: Option<u64>,
    /// The store generation the safety copies were looked for at.
    safety_checked_for: Option<u64>,
    /// Whether copies kept by earlier restores ("avant restauration") are
    /// there, looked for on a worker thread.
    safety_copies: Task<bool>,
    /// The script chosen.
    script: Option<String>,
    backups: Task<Listing>,
    /// The store generation the backups were listed at.
    listed_for: Option<u64>,
    /// The backup chosen (its file name).
    chosen: Option<String>,
    file_path: String,
    file_problem: Option<String>,
    /// The file to restore, checked on a worker thread before the confirmation.
    file_check: Task<(PathBuf, Result<(), EntryProblem>)>,
    browse: Task<Option<PathBuf>>,
    /// A file chosen in the dialog, to check before the confirmation.
    picked: Option<PathBuf>,
    asked: Option<Asked>,
    origin: Origin,
}

impl Restauration {
    fn start_listing(&mut self, egui_ctx: &egui::Context, ctx: &AppCtx, script: String) {
        let home = ctx.home.clone();
        self.listed_for = Some(ctx.store_generation());
        self.backups
            .start(egui_ctx, "centre-liste-sauvegardes", move || {
                let listed = BackupContext::load(&home)
                    .map_err(|e| messages::run_error(&e))
                    .and_then(|backup_ctx| {
                        restore::restorable(&backup_ctx, &script)
                            .map_err(|e| messages::restore_error(&e))
                    });
                (script, listed)
            });
    }

    fn scripts_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        let mut names: Vec<String> = match ctx.scripts() {
            Ok(book) => book.entries.iter().map(|e| e.script.name.clone()).collect(),
            Err(e) => {
                ui.horizontal_wrapped(|ui| {
                    widgets::failed_ui(ui, &messages::book_error(e).what);
                });
                Vec::new()
            }
        };
        if self.safety_copies.latest() == Some(&true) {
            names.push(SAFETY_LABEL.to_owned());
        }
        if names.is_empty() {
            ui.label(
                "Aucun script de sauvegarde. Restaurez un fichier de sauvegarde ci-dessous, ou \
                 créez un script dans « Sauvegarder / Restaurer ».",
            );
            return;
        }
        ui.horizontal_wrapped(|ui| {
            for name in names {
                let selected = self.script.as_deref() == Some(name.as_str());
                if ui
                    .add(egui::Button::selectable(selected, name.as_str()))
                    .clicked()
                    && !selected
                {
                    self.chosen = None;
                    self.backups.clear();
                    self.script = Some(name.clone());
                    self.start_listing(ui.ctx(), ctx, name);
                }
            }
        });
    }

    fn backups_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        let Some(script) = self.script.clone() else {
            ui.label(RichText::new("Choisissez d'abord un script.").weak());
            return;
        };
        if self.backups.is_pending() {
            ui.horizontal(|ui| widgets::pending_ui(ui, "Recherche des sauvegardes…"));
        } else if let Some(failure) = self.backups.failure() {
            ui.horizontal_wrapped(|ui| {
                widgets::failed_ui(
                    ui,
                    &format!("La recherche s'est arrêtée ({}).", failure.reason()),
                );
            });
        }
        let listed = match self.backups.latest() {
            Some((of, listed)) if *of == script => listed,
            _ => return,
        };
        let backups = match listed {
            Ok(backups) => backups.clone(),
            Err(e) => {
                let e = e.clone();
                egui::Frame::group(ui.style()).show(ui, |ui| widgets::explanation_ui(ui, &e));
                return;
            }
        };
        if backups.is_empty() {
            ui.label("Aucune sauvegarde de ce script n'a été trouvée à son emplacement.");
            return;
        }
        ui.label(RichText::new(messages::BACKUPS_NEWEST_FIRST).weak());
        for backup in backups.iter().rev() {
            let selected = self.chosen.as_deref() == Some(backup.name.as_str());
            let line = messages::stored_backup_line(backup.taken_at, backup.size_bytes);
            let response = ui
                .add(egui::Button::selectable(selected, line))
                .on_hover_text(backup.name.as_str());
            if response.clicked() {
                self.chosen = Some(backup.name.clone());
                if self.origin == Origin::List {
                    ctx.clear_outcome(Action::Restore);
                }
            }
        }
        let chosen = self
            .chosen
            .as_ref()
            .and_then(|c| backups.iter().find(|b| &b.name == c));
        ui.add_space(6.0);
        ui.horizontal_wrapped(|ui| {
            let restore = ui.add_enabled(
                chosen.is_some() && can_restore(ctx),
                egui::Button::new("Restaurer"),
            );
            if restore.clicked()
                && let Some(backup) = chosen
            {
                let source = if script == SAFETY_LABEL {
                    RestoreSource::Safety {
                        name: backup.name.clone(),
                    }
                } else {
                    RestoreSource::Stored {
                        script: script.clone(),
                        name: backup.name.clone(),
                    }
                };
                self.asked = Some(Asked {
                    source,
                    subject: messages::restore_subject(&script, backup.taken_at),
                });
                self.origin = Origin::List;
            }
            if chosen.is_none() {
                ui.label(RichText::new("Cliquez d'abord sur une sauvegarde de la liste.").weak());
            }
        });
        if self.origin == Origin::List {
            status_ui(ui, ctx);
        }
    }

    fn file_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        ui.label(
            "Une sauvegarde copiée ailleurs (clé USB, disque externe, message) se restaure \
             depuis son fichier .iea.zip.",
        );
        ui.horizontal_wrapped(|ui| {
            let label = ui.label("Fichier de sauvegarde");
            let field = ui
                .add(egui::TextEdit::singleline(&mut self.file_path).desired_width(PATH_WIDTH))
                .labelled_by(label.id);
            if field.changed() {
                self.file_problem = None;
                if self.origin == Origin::File {
                    ctx.clear_outcome(Action::Restore);
                }
            }
        });
        ui.horizontal_wrapped(|ui| {
            let usable = can_restore(ctx);
            let checking = self.file_check.is_pending();
            let typed = ui.add_enabled(
                usable && !checking && !self.file_path.trim().is_empty(),
                egui::Button::new("Restaurer ce fichier"),
            );
            if typed.clicked() {
                let path = ctx.typed_path(&self.file_path);
                self.ask_for_file(ui.ctx(), path);
            }
            let browse = ui.add_enabled(
                usable && !checking && !self.browse.is_pending(),
                egui::Button::new("Restaurer depuis un fichier…"),
            );
            if browse.clicked() {
                widgets::FileDialog::pick_file("Restaurer depuis un fichier")
                    .filter("Sauvegarde Impact emploi (.iea.zip)", &["zip"])
                    .filter("Tous les fichiers", &["*"])
                    .near(ctx.typed_path(&self.file_path))
                    .open(&mut self.browse, ui.ctx());
            }
            if checking {
                widgets::pending_ui(ui, "Vérification du fichier…");
            }
        });
        if let Some(problem) = &self.file_problem {
            ui.horizontal_wrapped(|ui| widgets::failed_ui(ui, problem));
        }
        if self.origin == Origin::File {
            status_ui(ui, ctx);
        }
    }

    /// Checks the file at `path` on a worker thread; the confirmation is asked
    /// once it is known to be a file.
    fn ask_for_file(&mut self, egui_ctx: &egui::Context, path: PathBuf) {
        self.file_problem = None;
        self.file_check
            .start(egui_ctx, "centre-verification-fichier", move || {
                let checked = fsutil::check_entry(&path, EntryKind::File);
                (path, checked)
            });
    }

    /// Asks to confirm the restore of the file at `path` when it is one, or
    /// says why not under the field.
    fn file_checked(&mut self, path: PathBuf, checked: Result<(), EntryProblem>) {
        match checked {
            Ok(()) => {
                self.file_problem = None;
                self.origin = Origin::File;
                self.asked = Some(Asked {
                    subject: messages::restore_file_subject(&path, file_taken_at(&path)),
                    source: RestoreSource::File(path),
                });
            }
            Err(problem) => {
                self.file_problem = Some(messages::entry_problem(EntryKind::File, problem));
            }
        }
    }

    /// The confirmation: what is replaced, by what, and the copy kept.
    fn confirm_ui(&mut self, ui: &egui::Ui, ctx: &mut AppCtx, store_path: &Path) {
        let Some(asked) = self.asked.clone() else {
            return;
        };
        let decided = widgets::confirm_modal_ui(
            ui,
            "confirmer-restauration",
            "Restaurer cette sauvegarde ?",
            "Restaurer la sauvegarde",
            |ui| {
                let lines = messages::restore_confirm_text(store_path, &asked.subject);
                for (i, line) in lines.iter().enumerate() {
                    let line = ctx.shown(line);
                    if i == 1 {
                        ui.label(RichText::new(line).monospace());
                        ui.add_space(6.0);
                    } else {
                        ui.label(line);
                    }
                }
            },
        );
        match decided {
            Some(true) => {
                self.asked = None;
                ctx.push(Command::Restore(asked.source));
            }
            Some(false) => self.asked = None,
            None => {}
        }
    }
}

impl Screen for Restauration {
    fn id(&self) -> ScreenId {
        ScreenId::Restauration
    }

    fn title(&self) -> &'static str {
        "Restaurer une sauvegarde"
    }

    fn nav_group(&self) -> NavGroup {
        NavGroup::Maintain
    }

    fn works_without_store(&self) -> bool {
        true
    }

    /// Draws the screen.
    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        Screen::poll(self, ctx);
        widgets::title_ui(ui, "Restaurer une sauvegarde");
        let Some(store_path) = ctx.store_path().map(Path::to_path_buf) else {
            return;
        };
        if let Some(picked) = self.picked.take() {
            self.ask_for_file(ui.ctx(), picked);
        }
        let entered = widgets::entered(&mut self.last_pass, ui);
        if entered || self.safety_checked_for != Some(ctx.store_generation()) {
            self.safety_checked_for = Some(ctx.store_generation());
            let store_path = store_path.clone();
            self.safety_copies
                .start(ui.ctx(), "centre-copies-avant-restauration", move || {
                    !restore::safety_copies(&store_path).is_empty()
                });
        }
        // A restore changes the safety copies: list again what is shown.
        if let Some(script) = self.script.clone()
            && (entered || self.listed_for != Some(ctx.store_generation()))
            && ctx.running_restore().is_none()
        {
            self.start_listing(ui.ctx(), ctx, script);
        }

        egui::ScrollArea::vertical()
            .auto_shrink(false)
            .show(ui, |ui| {
                ui.label(
                    "Choisissez le script qui a fait la sauvegarde, puis la sauvegarde à \
                     restaurer. La base de données actuelle sera remplacée ; une copie en est \
                     conservée avant.",
                );
                widgets::section_ui(ui, "Script de sauvegarde");
                self.scripts_ui(ui, ctx);
                widgets::section_ui(ui, "Sauvegardes disponibles");
                self.backups_ui(ui, ctx);
                widgets::section_ui(ui, "Restaurer depuis un fichier");
                self.file_ui(ui, ctx);
            });
        self.confirm_ui(ui, ctx, &store_path);
    }

    /// Takes the result of the screen's background work if it is done (the shell
    /// calls this every frame, shown or not).
    fn poll(&mut self, ctx: &mut AppCtx) {
        self.backups.poll();
        self.safety_copies.poll();
        if self.file_check.poll()
            && let Some((path, checked)) = self.file_check.take()
        {
            self.file_checked(path, checked);
        }
        if self.browse.poll()
            && let Some(Some(picked)) = self.browse.take()
        {
            self.file_path = ctx.path_text(&picked);
            self.file_problem = None;
            // Checked when the screen is drawn next (it has the window's context).
            self.picked = Some(picked);
        }
    }

    /// Whether the backups, the safety copies or a file are being looked for.
    fn is_busy(&self) -> bool {
        self.backups.is_pending() || self.safety_copies.is_pending() || self.file_check.is_pending()
    }
}

/// Whether a restore can start now: none runs and the store is not being opened.
fn can_restore(ctx: &AppCtx) -> bool {
    ctx.running_restore().is_none()
        && !matches!(ctx.store, StoreState::Opening | StoreState::Retrying(_))
}

/// The restore under way (progress, "Annuler") or how the last one ended.
fn status_ui(ui: &mut egui::Ui, ctx: &mut AppCtx) {
    if let Some(running) = ctx.running_restore().cloned() {
        ui.add_space(4.0);
        running_ui(
            ui,
            ctx,
            &running,
            "Annuler la restauration",
            Command::CancelRestore,
        );
        return;
    }
    match ctx.outcome(Action::Restore) {
        Some(Outcome::Done(text)) => {
            let text = text.clone();
            ui.add_space(4.0);
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.set_width(ui.available_width());
                let mut lines = text.lines();
                if let Some(first) = lines.next() {
                    ui.horizontal_wrapped(|ui| widgets::done_ui(ui, first));
                }
                for line in lines {
                    ui.label(widgets::shown(ui, line));
                }
            });
        }
        Some(Outcome::Failed(e)) => {
            let e = e.clone();
            ui.add_space(4.0);
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.horizontal_wrapped(|ui| {
                    widgets::mark_ui(ui, widgets::Mark::Failed);
                    ui.label(RichText::new(&e.title).strong());
                });
                widgets::explanation_ui(ui, &e);
            });
        }
        Some(Outcome::Pending) | None => {}
    }
}

/// The time in the name of a backup file (`<script>-AAAAMMJJ-HHMMSS.iea.zip`).
fn file_taken_at(path: &Path) -> Option<NaiveDateTime> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix(ARCHIVE_SUFFIX)?;
    let start = stem.len().checked_sub(15)?;
    let stamp = stem.get(start..)?;
    NaiveDateTime::parse_from_str(stamp, "%Y%m%d-%H%M%S").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_date_of_a_backup_file_is_read_from_its_name() {
        let at = file_taken_at(Path::new("/media/cle/Quotidienne-20261112-230004.iea.zip"))
            .expect("date");
        assert_eq!(
            at.format("%d/%m/%Y %H:%M:%S").to_string(),
            "12/11/2026 23:00:04"
        );
        assert_eq!(file_taken_at(Path::new("/tmp/copie.iea.zip")), None);
        assert_eq!(file_taken_at(Path::new("/tmp/x-20261112-230004.zip")), None);
    }
}
