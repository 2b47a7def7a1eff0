//! "Sauvegarder / Restaurer": the "Module de sauvegardes" of the original product.
//!
//! The list shows each backup script as "<nom> — prochaine exécution le
//! JJ/MM/AAAA à HH:MM", with its frequency, destination, last result (the reason
//! in full when it was not plainly OK), the backups waiting on this computer for
//! their destination, and the anomalies of the practical guide in red:
//! "Emplacement indisponible" (the last reason), "Date de sauvegarde incorrecte"
//! (with "Actualiser la date") and a backup too old. Scripts are ticked to act on
//! them: "Modifier", "Supprimer" (after a confirmation), "Exécuter" (a job with
//! its progress and "Annuler"), "Repousser de N jours" and "Annuler le report"
//! (the year-end closing asks for every script to be postponed).
//!
//! "Nouveau" and "Modifier" open the script's form in place of the list. The
//! form keeps the raw text ([`ScriptDraft`]) apart from the validated script;
//! "Enregistrer" validates every field at once and writes nothing while one is
//! wrong, each problem shown next to its field. Every change is a [`Command`]
//! the shell applies through [`crate::backup::book::ScriptBook::modify`].

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono::{DateTime, Local};
use eframe::egui::{self, RichText};

use crate::backup::destination::{self, VolumeSearch};
use crate::backup::draft::{self, FieldProblem, ScriptDraft, ScriptField};
use crate::backup::schedule;
use crate::backup::script::{
    BackupScript, DestinationKind, FrequencyUnit, FtpSecurity, RunOutcome, ScriptEntry,
};
use crate::messages::{self, Explanation};
use crate::secrets::SecretKey;
use crate::ui::JobProgress;
use crate::ui::screen::{NavGroup, Screen, ScreenId};
use crate::ui::task::Task;
use crate::ui::widgets;
use crate::ui::{Action, AppCtx, Command, Outcome, RunningJob};

/// Width of the path fields, in points.
const PATH_WIDTH: f32 = 380.0;

/// Width of the short fields (numbers, dates, times), in points.
const SHORT_WIDTH: f32 = 90.0;

/// "Repousser de N jours": the closing's advice is 2 or 3 days.
const DEFAULT_POSTPONE_DAYS: u32 = 2;

/// The longest postponement offered.
const MAX_POSTPONE_DAYS: u32 = 365;

/// The "Sauvegarder / Restaurer" screen.
#[derive(Debug)]
pub struct Sauvegardes {
    /// The scripts ticked in the list.
    checked: BTreeSet<String>,
    /// "Repousser de N jours".
    postpone_days: u32,
    /// The form of "Nouveau" / "Modifier", shown in place of the list.
    editor: Option<Editor>,
    /// The script "Supprimer" asks about.
    confirm_delete: Option<String>,
    /// Which of the list's actions sent the last book change, to show its
    /// outcome next to it.
    last_change: Option<Action>,
}

impl Default for Sauvegardes {
    fn default() -> Self {
        Self {
            checked: BTreeSet::new(),
            postpone_days: DEFAULT_POSTPONE_DAYS,
            editor: None,
            confirm_delete: None,
            last_change: None,
        }
    }
}

/// The form of a script.
#[derive(Debug)]
struct Editor {
    /// The script being changed; `None` for "Nouveau".
    original: Option<BackupScript>,
    /// The fields as typed.
    draft: ScriptDraft,
    /// The fields as they were when the form opened (unsaved changes).
    initial: ScriptDraft,
    /// The problems of the last "Enregistrer", and the fields as they were
    /// then: a problem is shown while its field is unchanged.
    problems: Vec<FieldProblem>,
    validated: Option<ScriptDraft>,
    /// A problem that is not a field's (the installation key).
    failure: Option<Explanation>,
    /// "Enregistrer" was sent; the form closes once it is saved.
    saving: bool,
    /// "Quitter" with unsaved changes asks first.
    confirm_quit: bool,
    /// A folder dialog ("Parcourir…") open on a worker thread, and its field.
    browse: Task<Option<PathBuf>>,
    browse_field: ScriptField,
    /// "Enregistrer" checks the form on a worker thread: it reads the
    /// installation's key and may prepare a removable disk.
    validation: Task<Validation>,
}

/// What the check of the form found: the fields as they were, and the script
/// or the fields' problems — or a problem that is not a field's.
type Validation = (
    ScriptDraft,
    Result<Result<BackupScript, Vec<FieldProblem>>, Explanation>,
);

impl Editor {
    fn new(original: Option<BackupScript>, draft: ScriptDraft) -> Self {
        Self {
            original,
            initial: draft.clone(),
            draft,
            problems: Vec::new(),
            validated: None,
            failure: None,
            saving: false,
            confirm_quit: false,
            browse: Task::default(),
            browse_field: ScriptField::Folder,
            validation: Task::default(),
        }
    }

    fn is_dirty(&self) -> bool {
        self.draft != self.initial
    }

    /// The problem of `field` from the last "Enregistrer", if the field was not
    /// changed since.
    fn problem(&self, field: ScriptField) -> Option<String> {
        let validated = self.validated.as_ref()?;
        if field_text(validated, field) != field_text(&self.draft, field) {
            return None;
        }
        draft::problem_of(&self.problems, field).map(|p| messages::script_field_problem(field, p))
    }
}

/// The text of `field` in `draft`.
fn field_text(draft: &ScriptDraft, field: ScriptField) -> &str {
    match field {
        ScriptField::Name => &draft.name,
        ScriptField::Every => &draft.every,
        ScriptField::Keep => &draft.keep,
        ScriptField::StartDate => &draft.start_date,
        ScriptField::Time => &draft.time,
        ScriptField::Folder => &draft.folder,
        ScriptField::RemovableFolder => &draft.removable_folder,
        ScriptField::FtpHost => &draft.ftp_host,
        ScriptField::FtpPort => &draft.ftp_port,
        ScriptField::FtpUser => &draft.ftp_user,
        ScriptField::FtpFolder => &draft.ftp_folder,
    }
}

impl Sauvegardes {
    // -----------------------------------------------------------------------
    // The list of scripts.

    fn list_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        ui.label(
            "Chaque script sauvegarde la base de données à son rythme, vers un dossier, un \
             support amovible ou un site distant. Cochez un script pour le modifier, le \
             supprimer ou l'exécuter maintenant ; cochez-en plusieurs pour repousser leur \
             exécution automatique.",
        );
        ui.add_space(6.0);
        let entries = match ctx.scripts() {
            Ok(book) => book.entries.clone(),
            Err(e) => {
                let e = messages::book_error(e);
                egui::Frame::group(ui.style()).show(ui, |ui| widgets::explanation_ui(ui, &e));
                return;
            }
        };
        self.checked
            .retain(|name| entries.iter().any(|e| &e.script.name == name));
        let now = ctx.now();

        if entries.is_empty() {
            ui.label("Aucun script de sauvegarde. Cliquez sur « Nouveau » pour en créer un.");
        } else {
            if entries.len() > 1 {
                let mut all = self.checked.len() == entries.len();
                if ui.checkbox(&mut all, "Tout sélectionner").changed() {
                    self.checked = if all {
                        entries.iter().map(|e| e.script.name.clone()).collect()
                    } else {
                        BTreeSet::new()
                    };
                }
            }
            for entry in &entries {
                self.entry_ui(ui, ctx, entry, &now);
            }
        }

        ui.add_space(8.0);
        self.buttons_ui(ui, ctx, &entries, &now);
    }

    /// One script: its line to tick, then what is known of it.
    fn entry_ui(
        &mut self,
        ui: &mut egui::Ui,
        ctx: &mut AppCtx,
        entry: &ScriptEntry,
        now: &DateTime<Local>,
    ) {
        let script = &entry.script;
        let state = &entry.state;
        let name = &script.name;
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            let headline = if script.enabled {
                messages::next_run_line(name, &schedule::next_run(script, state, now))
            } else {
                messages::manual_only_line(name)
            };
            let mut ticked = self.checked.contains(name);
            if ui
                .checkbox(&mut ticked, RichText::new(headline).strong())
                .changed()
            {
                if ticked {
                    self.checked.insert(name.clone());
                } else {
                    self.checked.remove(name);
                }
            }
            let indent = ui.spacing().icon_width + ui.spacing().icon_spacing;
            ui.horizontal(|ui| {
                ui.add_space(indent);
                ui.vertical(|ui| facts_ui(ui, ctx, entry, now, &mut self.last_change));
            });
        });
    }

    /// The buttons under the list, and the outcome of the last change.
    fn buttons_ui(
        &mut self,
        ui: &mut egui::Ui,
        ctx: &mut AppCtx,
        entries: &[ScriptEntry],
        now: &DateTime<Local>,
    ) {
        let single = if self.checked.len() == 1 {
            self.checked
                .first()
                .and_then(|n| entries.iter().find(|e| &e.script.name == n))
        } else {
            None
        };
        let running = ctx.running_backup().is_some();
        ui.horizontal_wrapped(|ui| {
            if ui.add(egui::Button::new("Nouveau")).clicked() {
                ctx.clear_outcome(Action::SaveScript);
                self.last_change = None;
                self.editor = Some(Editor::new(None, ScriptDraft::new(now.date_naive())));
            }
            let modify = ui.add_enabled(single.is_some(), egui::Button::new("Modifier"));
            if modify.clicked()
                && let Some(entry) = single
            {
                ctx.clear_outcome(Action::SaveScript);
                self.last_change = None;
                let mut draft = ScriptDraft::from_script(&entry.script);
                // The folders written as the window writes paths.
                draft.folder = ctx.shown(&draft.folder).into_owned();
                draft.removable_folder = ctx.shown(&draft.removable_folder).into_owned();
                self.editor = Some(Editor::new(Some(entry.script.clone()), draft));
            }
            let delete = ui.add_enabled(single.is_some(), egui::Button::new("Supprimer"));
            if delete.clicked()
                && let Some(entry) = single
            {
                self.confirm_delete = Some(entry.script.name.clone());
            }
            let run = ui.add_enabled(single.is_some() && !running, egui::Button::new("Exécuter"));
            if run.clicked()
                && let Some(entry) = single
            {
                ctx.push(Command::RunBackup(entry.script.name.clone()));
            }
            if single.is_none() && !entries.is_empty() {
                ui.label(
                    RichText::new(
                        "Cochez un seul script pour le modifier, le supprimer ou l'exécuter.",
                    )
                    .weak(),
                );
            }
        });

        ui.add_space(4.0);
        let names: Vec<String> = self.checked.iter().cloned().collect();
        let any_postponed = entries.iter().any(|e| {
            self.checked.contains(&e.script.name)
                && e.state.postponed_until.is_some_and(|p| p > now.to_utc())
        });
        let busy = ctx.is_pending(Action::ScheduleScripts);
        ui.horizontal_wrapped(|ui| {
            let label = ui.label("Repousser de");
            ui.add(
                egui::DragValue::new(&mut self.postpone_days)
                    .range(1..=MAX_POSTPONE_DAYS)
                    .speed(0.1),
            )
            .labelled_by(label.id);
            ui.label(if self.postpone_days > 1 {
                "jours"
            } else {
                "jour"
            });
            let postpone =
                ui.add_enabled(!names.is_empty() && !busy, egui::Button::new("Repousser"));
            if postpone.clicked() {
                self.last_change = Some(Action::ScheduleScripts);
                ctx.push(Command::PostponeScripts {
                    names: names.clone(),
                    days: self.postpone_days,
                });
            }
            let clear = ui.add_enabled(
                any_postponed && !busy,
                egui::Button::new("Annuler le report"),
            );
            if clear.clicked() {
                self.last_change = Some(Action::ScheduleScripts);
                let postponed: Vec<String> = entries
                    .iter()
                    .filter(|e| {
                        self.checked.contains(&e.script.name)
                            && e.state.postponed_until.is_some_and(|p| p > now.to_utc())
                    })
                    .map(|e| e.script.name.clone())
                    .collect();
                ctx.push(Command::ClearPostponement(postponed));
            }
        });

        // The outcome of the last change made from here (an "Actualiser la date"
        // of a script line too).
        for action in [
            Action::SaveScript,
            Action::DeleteScript,
            Action::ScheduleScripts,
        ] {
            if self.last_change == Some(action) && ctx.outcome(action).is_some() {
                ui.horizontal_wrapped(|ui| {
                    widgets::outcome_ui(ui, ctx.outcome(action), "Enregistrement…");
                });
            }
        }
    }

    /// "Supprimer": the confirmation naming the script.
    fn delete_modal_ui(&mut self, ui: &egui::Ui, ctx: &mut AppCtx) {
        let Some(name) = self.confirm_delete.clone() else {
            return;
        };
        let destination = ctx
            .scripts()
            .ok()
            .and_then(|b| b.get(&name))
            .map(|e| messages::place(&e.script.destination.place()))
            .unwrap_or_default();
        let decided = widgets::confirm_modal_ui(
            ui,
            "supprimer-script",
            &format!("Supprimer le script « {name} » ?"),
            "Supprimer le script",
            |ui| {
                ui.label(ctx.shown(&messages::delete_script_text(&name, &destination)));
            },
        );
        match decided {
            Some(true) => {
                self.confirm_delete = None;
                self.checked.remove(&name);
                self.last_change = Some(Action::DeleteScript);
                ctx.push(Command::DeleteScript(name));
            }
            Some(false) => self.confirm_delete = None,
            None => {}
        }
    }

    // -----------------------------------------------------------------------
    // The form of a script.

    fn editor_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        let Some(mut editor) = self.editor.take() else {
            return;
        };
        // "Enregistrer" was applied at the end of the last frame.
        if editor.saving {
            match ctx.outcome(Action::SaveScript) {
                Some(Outcome::Done(_)) => {
                    self.last_change = Some(Action::SaveScript);
                    if let Some(original) = &editor.original {
                        self.checked.remove(&original.name);
                    }
                    return;
                }
                Some(Outcome::Failed(_)) | None => editor.saving = false,
                Some(Outcome::Pending) => {}
            }
        }
        // The form was checked: the script goes to the shell when every field
        // is good ("saving" from then on), or the problems show.
        if let Some((validated, result)) = editor.validation.take() {
            editor.validated = Some(validated);
            match result {
                Err(failure) => editor.failure = Some(failure),
                Ok(Err(problems)) => editor.problems = problems,
                Ok(Ok(script)) => {
                    editor.problems.clear();
                    editor.saving = true;
                    ctx.push(Command::SaveScript {
                        script: Box::new(script),
                        replacing: editor.original.as_ref().map(|o| o.name.clone()),
                    });
                }
            }
        }
        let mut close = false;
        egui::ScrollArea::vertical()
            .auto_shrink(false)
            .show(ui, |ui| {
                close = form_ui(ui, ctx, &mut editor);
            });
        if editor.confirm_quit {
            let decided = widgets::confirm_modal_ui(
                ui,
                "script-abandonner",
                messages::DISCARD_CHANGES_TITLE,
                messages::DISCARD_CHANGES,
                |ui| {
                    ui.label(
                        "Le script modifié n'a pas été enregistré. Si vous quittez maintenant, \
                         ces modifications seront perdues.",
                    );
                },
            );
            match decided {
                Some(true) => close = true,
                Some(false) => editor.confirm_quit = false,
                None => {}
            }
        }
        if close {
            ctx.clear_outcome(Action::SaveScript);
        } else {
            self.editor = Some(editor);
        }
    }
}

impl Screen for Sauvegardes {
    fn id(&self) -> ScreenId {
        ScreenId::Sauvegardes
    }

    fn title(&self) -> &'static str {
        "Sauvegarder / Restaurer"
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
        widgets::title_ui(ui, "Module de sauvegardes");
        if ctx.persisted.assistance {
            ui.label(
                RichText::new(messages::ASSISTANCE_WARNING)
                    .strong()
                    .color(widgets::error_color(ui)),
            );
            ui.add_space(6.0);
        }
        if self.editor.is_some() {
            self.editor_ui(ui, ctx);
        } else {
            egui::ScrollArea::vertical()
                .auto_shrink(false)
                .show(ui, |ui| self.list_ui(ui, ctx));
            self.delete_modal_ui(ui, ctx);
        }
    }

    /// Takes the result of the screen's background work if it is done (the shell
    /// calls this every frame, shown or not).
    fn poll(&mut self, ctx: &mut AppCtx) {
        let Some(editor) = &mut self.editor else {
            return;
        };
        if editor.browse.poll()
            && let Some(Some(picked)) = editor.browse.take()
        {
            let text = ctx.path_text(&picked);
            match editor.browse_field {
                ScriptField::RemovableFolder => editor.draft.removable_folder = text,
                _ => editor.draft.folder = text,
            }
        }
        // Its answer is taken when the form is drawn (`editor_ui`).
        editor.validation.poll();
    }

    /// Whether the form is being checked (a folder dialog waits for the user,
    /// and runs are the shell's jobs).
    fn is_busy(&self) -> bool {
        self.editor
            .as_ref()
            .is_some_and(|e| e.validation.is_pending())
    }
}

/// What is known of a script: schedule, destination, postponement, the run
/// under way or the last one, backups waiting, and the anomalies in red.
fn facts_ui(
    ui: &mut egui::Ui,
    ctx: &mut AppCtx,
    entry: &ScriptEntry,
    now: &DateTime<Local>,
    last_change: &mut Option<Action>,
) {
    let script = &entry.script;
    let state = &entry.state;
    let name = &script.name;
    ui.label(messages::schedule_line(script));
    ui.label(format!(
        "Destination : {} — {}",
        messages::destination_kind_label(script.destination.kind()),
        ctx.shown(&messages::place(&script.destination.place()))
    ));
    if let Some(until) = state.postponed_until
        && until > now.to_utc()
    {
        ui.label(
            RichText::new(messages::postponed_until_line(&until.with_timezone(&Local)))
                .color(widgets::warn_color(ui)),
        );
    }

    // The run under way, or the last one.
    let running = ctx.running_backup().filter(|r| &r.subject == name).cloned();
    if let Some(running) = running {
        running_ui(
            ui,
            ctx,
            &running,
            "Annuler la sauvegarde",
            Command::CancelBackup,
        );
    } else {
        last_run_ui(ui, entry);
        match ctx.backup_result(name) {
            Some(Err(e)) => {
                ui.horizontal_wrapped(|ui| widgets::failed_ui(ui, &e.what));
                if !e.todo.is_empty() {
                    ui.label(e.todo.as_str());
                }
            }
            Some(Ok(report)) => {
                if let Some(line) = messages::run_archive_line(report) {
                    ui.label(ctx.shown(&line));
                }
            }
            None => {}
        }
    }
    if !state.pending.is_empty() {
        ui.label(
            RichText::new(messages::pending_line(&state.pending)).color(widgets::warn_color(ui)),
        );
    }

    // The anomalies of the practical guide, in red.
    if let Some(anomaly) = schedule::date_anomaly(entry, now) {
        let text = messages::date_anomaly(&anomaly);
        let text = text
            .strip_suffix(messages::REFRESH_THEN_SAVE)
            .map_or(text.as_str(), str::trim_end);
        ui.label(RichText::new(text).color(widgets::error_color(ui)));
        ui.horizontal_wrapped(|ui| {
            let refresh = ui
                .add_enabled(
                    !ctx.is_pending(Action::ScheduleScripts),
                    egui::Button::new("Actualiser la date"),
                )
                .accessible_name(format!("Actualiser la date de {name}"));
            if refresh.clicked() {
                *last_change = Some(Action::ScheduleScripts);
                ctx.push(Command::RefreshStartDate(name.clone()));
            }
            ui.label(RichText::new(messages::REFRESH_SAVES_AT_ONCE).weak());
        });
    }
    if let Some(staleness) = schedule::staleness(entry, now) {
        ui.label(
            RichText::new(messages::staleness_line(name, &staleness))
                .strong()
                .color(widgets::error_color(ui)),
        );
    }
}

/// The progress of a job under way, its phase, and "Annuler".
pub(crate) fn running_ui(
    ui: &mut egui::Ui,
    ctx: &mut AppCtx,
    running: &RunningJob,
    cancel_name: &str,
    cancel: Command,
) {
    let phase = running
        .progress
        .as_ref()
        .map_or("Préparation…", |p| messages::phase_label(p.phase))
        .to_owned();
    let fraction = running.progress.as_ref().and_then(JobProgress::fraction);
    ui.horizontal(|ui| {
        let bar = egui::ProgressBar::new(fraction.unwrap_or(0.0))
            .desired_width(320.0)
            .text(phase.clone())
            .animate(fraction.is_none());
        ui.add(bar);
        let button = ui
            .add_enabled(!running.cancelling, egui::Button::new("Annuler"))
            .accessible_name(cancel_name);
        if button.clicked() {
            ctx.push(cancel);
        }
    });
    if running.cancelling {
        ui.horizontal(|ui| widgets::pending_ui(ui, "Annulation à la prochaine étape sûre…"));
    }
}

/// The last run of a script: when, how it ended, and why in full.
fn last_run_ui(ui: &mut egui::Ui, entry: &ScriptEntry) {
    let state = &entry.state;
    let at = state.last_run_at.map(|t| t.with_timezone(&Local));
    let line = messages::last_run_line(at.as_ref(), state.last_outcome);
    let (mark, color) = match state.last_outcome {
        Some(RunOutcome::Ok) => (widgets::Mark::Ok, widgets::ok_color(ui)),
        Some(RunOutcome::Avertissement) => (widgets::Mark::Warning, widgets::warn_color(ui)),
        Some(RunOutcome::Echec) => (widgets::Mark::Failed, widgets::error_color(ui)),
        None => (widgets::Mark::Skipped, ui.visuals().weak_text_color()),
    };
    ui.horizontal_wrapped(|ui| {
        widgets::mark_ui(ui, mark);
        ui.label(RichText::new(line).color(color));
    });
    if let Some(reason) = &state.last_reason {
        ui.label(RichText::new(messages::run_reason(reason)).color(color));
    }
}

/// The form; returns whether it is to be closed.
fn form_ui(ui: &mut egui::Ui, ctx: &mut AppCtx, editor: &mut Editor) -> bool {
    let title = match &editor.original {
        Some(o) => format!("Modifier le script « {} »", o.name),
        None => "Nouveau script de sauvegarde".to_owned(),
    };
    widgets::section_ui(ui, &title);

    egui::Grid::new("script-champs")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            let label = ui.label("Nom du script");
            ui.add(egui::TextEdit::singleline(&mut editor.draft.name).desired_width(PATH_WIDTH))
                .labelled_by(label.id);
            ui.end_row();
            problem_row_ui(ui, editor, &[ScriptField::Name]);

            let label = ui.label("Tous les");
            ui.horizontal(|ui| {
                ui.add(egui::TextEdit::singleline(&mut editor.draft.every).desired_width(50.0))
                    .labelled_by(label.id);
                egui::ComboBox::from_id_salt("script-unite")
                    .selected_text(messages::frequency_unit_label(editor.draft.unit))
                    .show_ui(ui, |ui| {
                        for unit in FrequencyUnit::ALL {
                            ui.selectable_value(
                                &mut editor.draft.unit,
                                unit,
                                messages::frequency_unit_label(unit),
                            );
                        }
                    })
                    .response
                    .accessible_name("Unité de la fréquence");
            });
            ui.end_row();
            problem_row_ui(ui, editor, &[ScriptField::Every]);

            let label = ui.label("À partir du");
            ui.horizontal(|ui| {
                ui.add(
                    egui::TextEdit::singleline(&mut editor.draft.start_date)
                        .desired_width(SHORT_WIDTH)
                        .hint_text("JJ/MM/AAAA"),
                )
                .labelled_by(label.id);
                ui.label("à");
                ui.add(
                    egui::TextEdit::singleline(&mut editor.draft.time)
                        .desired_width(60.0)
                        .hint_text("HH:MM"),
                )
                .accessible_name("Heure");
                if ui.add(egui::Button::new("Actualiser la date")).clicked() {
                    editor.draft.refresh_start_date(&ctx.now());
                }
            });
            ui.end_row();
            problem_row_ui(ui, editor, &[ScriptField::StartDate, ScriptField::Time]);

            ui.label("");
            ui.checkbox(&mut editor.draft.enabled, "Exécution automatique");
            ui.end_row();

            let label = ui.label("Nombre de sauvegardes à conserver");
            ui.add(egui::TextEdit::singleline(&mut editor.draft.keep).desired_width(50.0))
                .labelled_by(label.id);
            ui.end_row();
            problem_row_ui(ui, editor, &[ScriptField::Keep]);
        });

    ui.add_space(8.0);
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.label(RichText::new("Destination").strong());
        for kind in DestinationKind::ALL {
            ui.radio_value(
                &mut editor.draft.kind,
                kind,
                messages::destination_kind_label(kind),
            );
        }
        ui.add_space(6.0);
        match editor.draft.kind {
            DestinationKind::Folder => folder_ui(ui, ctx, editor, ScriptField::Folder),
            DestinationKind::Removable => folder_ui(ui, ctx, editor, ScriptField::RemovableFolder),
            DestinationKind::Ftp => ftp_ui(ui, editor),
        }
    });

    ui.add_space(10.0);
    let dirty = editor.is_dirty();
    let mut close = false;
    ui.horizontal_wrapped(|ui| {
        let checking = editor.validation.is_pending();
        let save = ui.add_enabled(
            !editor.saving && !checking,
            egui::Button::new("Enregistrer"),
        );
        if save.clicked() {
            validate(ui.ctx(), ctx, editor);
        }
        if checking {
            widgets::pending_ui(ui, "Vérification…");
        }
        // Named apart from the navigation panel's "Quitter", which closes the
        // centre: a screen reader says which one it is.
        let quit = ui
            .add(egui::Button::new("Quitter"))
            .accessible_name("Quitter le script");
        if quit.clicked() {
            if dirty {
                editor.confirm_quit = true;
            } else {
                close = true;
            }
        }
        if dirty {
            ui.label(
                RichText::new("Modifications non enregistrées").color(widgets::warn_color(ui)),
            );
        }
    });
    if !editor.problems.is_empty() && !editor.saving {
        ui.horizontal_wrapped(|ui| {
            widgets::failed_ui(
                ui,
                "Rien n'a été enregistré : corrigez d'abord les champs signalés en rouge.",
            );
        });
    }
    if let Some(failure) = &editor.failure {
        egui::Frame::group(ui.style()).show(ui, |ui| widgets::explanation_ui(ui, failure));
    }
    if let Some(Outcome::Failed(e)) = ctx.outcome(Action::SaveScript) {
        let e = e.clone();
        egui::Frame::group(ui.style()).show(ui, |ui| widgets::explanation_ui(ui, &e));
    }
    close
}

/// Checks the form on a worker thread; the script goes to the shell when
/// every field is good (see `editor_ui`).
fn validate(egui_ctx: &egui::Context, ctx: &mut AppCtx, editor: &mut Editor) {
    editor.failure = None;
    ctx.clear_outcome(Action::SaveScript);
    let book = match ctx.scripts() {
        Ok(book) => book.clone(),
        Err(e) => {
            editor.failure = Some(messages::book_error(e));
            return;
        }
    };
    let mut draft = editor.draft.clone();
    let original = editor.original.clone();
    // The folders as they are, for the checks (the fields hold them as the
    // window writes them); the fields as typed are kept for the problems.
    let typed = draft.clone();
    draft.folder = ctx.typed_text(&draft.folder);
    draft.removable_folder = ctx.typed_text(&draft.removable_folder);
    let home = ctx.home.clone();
    editor
        .validation
        .start(egui_ctx, "centre-verification-script", move || {
            let result = SecretKey::load_or_create(&home)
                .map_err(|e| messages::secret_error(&e))
                .map(|key| {
                    let search = VolumeSearch::from_env();
                    let removable = |p: &std::path::Path| destination::removable::mark(p, &search);
                    draft.validate(&book, original.as_ref(), &key, &removable)
                });
            (typed, result)
        });
}

/// The problems of `fields` under them, in red, in the grid's second column.
fn problem_row_ui(ui: &mut egui::Ui, editor: &Editor, fields: &[ScriptField]) {
    let problems: Vec<String> = fields.iter().filter_map(|f| editor.problem(*f)).collect();
    if problems.is_empty() {
        return;
    }
    ui.label("");
    ui.vertical(|ui| {
        for problem in problems {
            ui.horizontal_wrapped(|ui| widgets::failed_ui(ui, &problem));
        }
    });
    ui.end_row();
}

/// A folder destination (local or network, or on a removable disk) with
/// "Parcourir…".
fn folder_ui(ui: &mut egui::Ui, ctx: &AppCtx, editor: &mut Editor, field: ScriptField) {
    let (label, title) = if field == ScriptField::RemovableFolder {
        ui.label(
            RichText::new(
                "Branchez le support amovible, puis choisissez le dossier où ranger les \
                 sauvegardes : le support sera reconnu où qu'il soit branché.",
            )
            .weak(),
        );
        (
            "Dossier sur le support amovible",
            "Dossier sur le support amovible",
        )
    } else {
        ("Dossier de sauvegarde", "Dossier de sauvegarde")
    };
    let label_response = ui.label(label);
    ui.horizontal(|ui| {
        let text = if field == ScriptField::RemovableFolder {
            &mut editor.draft.removable_folder
        } else {
            &mut editor.draft.folder
        };
        ui.add(egui::TextEdit::singleline(text).desired_width(PATH_WIDTH))
            .labelled_by(label_response.id);
        let current = ctx.typed_path(text);
        let browse = ui
            .add_enabled(!editor.browse.is_pending(), egui::Button::new("Parcourir…"))
            .accessible_name(format!("Parcourir… : {label}"));
        if browse.clicked() {
            editor.browse_field = field;
            widgets::FileDialog::pick_folder(title)
                .near(current)
                .open(&mut editor.browse, ui.ctx());
        }
    });
    if let Some(problem) = editor.problem(field) {
        ui.horizontal_wrapped(|ui| widgets::failed_ui(ui, &problem));
    }
}

/// "Site distant (FTP)": server, port, user, password, remote folder, security,
/// passive mode.
fn ftp_ui(ui: &mut egui::Ui, editor: &mut Editor) {
    let stored_password = matches!(
        editor.original.as_ref().map(|o| &o.destination),
        Some(crate::backup::Destination::Ftp(f)) if f.password_encrypted.is_some()
    );
    let previous_security = editor.draft.ftp_security;
    egui::Grid::new("script-ftp")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            let rows: [(&str, ScriptField); 3] = [
                ("Serveur", ScriptField::FtpHost),
                ("Port", ScriptField::FtpPort),
                ("Utilisateur", ScriptField::FtpUser),
            ];
            for (label, field) in rows {
                let label_response = ui.label(label);
                let (text, width) = match field {
                    ScriptField::FtpHost => (&mut editor.draft.ftp_host, 260.0),
                    ScriptField::FtpPort => (&mut editor.draft.ftp_port, 70.0),
                    _ => (&mut editor.draft.ftp_user, 200.0),
                };
                ui.add(egui::TextEdit::singleline(text).desired_width(width))
                    .labelled_by(label_response.id);
                ui.end_row();
                problem_row_ui(ui, editor, &[field]);
            }

            let label_response = ui.label("Mot de passe");
            ui.horizontal(|ui| {
                ui.add(
                    egui::TextEdit::singleline(&mut editor.draft.ftp_password)
                        .password(true)
                        .desired_width(200.0),
                )
                .labelled_by(label_response.id);
                if stored_password {
                    ui.label(
                        RichText::new("laisser vide pour garder le mot de passe enregistré").weak(),
                    );
                }
            });
            ui.end_row();

            let label_response = ui.label("Dossier distant");
            ui.add(egui::TextEdit::singleline(&mut editor.draft.ftp_folder).desired_width(260.0))
                .labelled_by(label_response.id);
            ui.end_row();
            problem_row_ui(ui, editor, &[ScriptField::FtpFolder]);

            ui.label("Sécurité");
            ui.vertical(|ui| {
                for security in FtpSecurity::ALL {
                    ui.radio_value(
                        &mut editor.draft.ftp_security,
                        security,
                        messages::ftp_security_label(security),
                    );
                }
                if editor.draft.ftp_security == FtpSecurity::Plain {
                    ui.label(
                        RichText::new(messages::plain_ftp_warning())
                            .color(widgets::error_color(ui)),
                    );
                }
            });
            ui.end_row();

            ui.label("");
            ui.checkbox(&mut editor.draft.ftp_passive, "Mode passif");
            ui.end_row();
        });
    // The usual port follows the security chosen, unless another was typed.
    if editor.draft.ftp_security != previous_security
        && editor.draft.ftp_port.trim() == previous_security.default_port().to_string()
    {
        editor.draft.ftp_port = editor.draft.ftp_security.default_port().to_string();
    }
}

/// The way to the module from elsewhere (Accueil).
pub(crate) fn link_to_module_ui(ui: &mut egui::Ui, ctx: &mut AppCtx) {
    if ui.link(ScreenId::Sauvegardes.title()).clicked() {
        ctx.push(Command::Navigate(ScreenId::Sauvegardes));
    }
}
