//! "Clôturer un exercice" (seed 002, "Clôture d'exercice"): on the left the
//! dossiers of the store ("liste des dossiers du tiers"), on the right the years
//! of the chosen dossier, newest first, with their payslips and their state; an
//! open year is chosen there.
//!
//! Under the years, the prerequisites of the guide, each with its green tick or
//! red barred circle and, where the centre can fix it, the button that does:
//! "Sauvegarder maintenant" (a run of a backup script), "Repousser toutes les
//! sauvegardes de 2 jours", "Déconnecter" next to a session left behind by a
//! crash. They are checked in the background, again after each fix and on
//! "Actualiser". "Clôturer" stays greyed, saying why, while one is unmet.
//!
//! "Clôturer" asks first, naming the dossier, the year and the three steps; the
//! closing is then a job of the shell ([`Command::CloseYear`]): the steps with
//! the current one highlighted, a progress bar, and "Annuler" until the second
//! step commits (cancelling leaves the store untouched). The end screen gives
//! the counts moved, the totals in euros, the duration, and the guide's reminder
//! to start the automatic backups again, with the button that does. Closed years
//! stay readable below ("Exercices clôturés (consultation)").

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDate;
use eframe::egui::{self, RichText};

use crate::closing::{
    self, ClosingStep, DossierInfo, ExerciseInfo, Prerequisite, PrerequisiteKind, Prerequisites,
    Totals,
};
use crate::messages::{self, Explanation};
use crate::store::Store;
use crate::store::sessions::SessionInfo;
use crate::ui::screen::{NavGroup, Screen, ScreenId};
use crate::ui::task::Task;
use crate::ui::widgets;
use crate::ui::{Action, AppCtx, Command, Outcome, RunningJob};

/// Width of the column of dossiers, in points.
const DOSSIERS_WIDTH: f32 = 220.0;

/// "Repousser toutes les sauvegardes de 2 jours": the guide's minimum.
const POSTPONE_DAYS: u32 = 2;

/// The guide's warning before a closing.
const WARNING: [&str; 3] = [
    "Impact emploi doit être fermé sur tous les postes et être relancé uniquement quand la \
     clôture est terminée.",
    "La clôture verrouille la base de données : Impact emploi ne sera plus utilisable durant \
     l'opération.",
    "Sur une grosse base, l'opération peut durer plusieurs heures : lancez-la le soir sur le \
     poste serveur, qui doit rester allumé le temps du traitement.",
];

/// What is read of the store: its dossiers and every year of each.
#[derive(Debug, Clone)]
struct Listing {
    dossiers: Vec<DossierInfo>,
    exercises: Vec<ExerciseInfo>,
}

/// A closing waiting for its confirmation.
#[derive(Debug, Clone)]
struct Asked {
    dossier_id: i64,
    dossier: String,
    year: i32,
}

/// What the prerequisites were last checked against: a change of any of them
/// checks them again.
type CheckKey = (u64, u64, u64, u64);

/// The "Clôturer un exercice" screen.
#[derive(Debug, Default)]
pub struct Cloture {
    last_pass: Option<u64>,
    listing: Task<Result<Listing, Explanation>>,
    /// The store generation the listing was read at.
    listed_for: Option<u64>,
    prerequisites: Task<Result<Prerequisites, Explanation>>,
    checked_for: Option<CheckKey>,
    /// The dossier chosen.
    dossier: Option<i64>,
    /// The open year chosen.
    year: Option<i32>,
    /// The script "Sauvegarder maintenant" runs when there are several.
    backup_script: Option<String>,
    /// This screen sent the last change of the scripts' schedule: its outcome
    /// is shown here.
    sent_schedule: bool,
    asked: Option<Asked>,
    /// What the running closing is about, for the progress view.
    closing: Option<Asked>,
}

impl Cloture {
    fn start_listing(&mut self, egui_ctx: &egui::Context, ctx: &AppCtx, path: PathBuf) {
        self.listed_for = Some(ctx.store_generation());
        self.listing
            .start(egui_ctx, "centre-cloture-exercices", move || {
                let store = Store::open_read_only(&path).map_err(|e| messages::store_error(&e))?;
                let conn = store.connection();
                let dossiers =
                    closing::dossiers(conn).map_err(|e| messages::store_error(&store.err(e)))?;
                let exercises = closing::exercises(conn, None)
                    .map_err(|e| messages::store_error(&store.err(e)))?;
                Ok(Listing {
                    dossiers,
                    exercises,
                })
            });
    }

    fn check_key(ctx: &AppCtx) -> CheckKey {
        (
            ctx.store_generation(),
            ctx.scripts_generation(),
            ctx.sessions_generation(),
            ctx.state_generation(),
        )
    }

    fn start_check(&mut self, egui_ctx: &egui::Context, ctx: &AppCtx, path: PathBuf) {
        self.checked_for = Some(Self::check_key(ctx));
        let home = ctx.home.clone();
        let now = ctx.now();
        self.prerequisites
            .start(egui_ctx, "centre-cloture-prerequis", move || {
                closing::prerequisites(&home, &path, now).map_err(|e| messages::store_error(&e))
            });
    }

    // -----------------------------------------------------------------------
    // Dossiers and years.

    fn listing(&self) -> Option<&Listing> {
        self.listing.latest().and_then(|r| r.as_ref().ok())
    }

    fn dossiers_ui(&mut self, ui: &mut egui::Ui) {
        widgets::section_ui(ui, "Dossiers");
        if self.listing.is_pending() && !self.listing.has_result() {
            ui.horizontal(|ui| widgets::pending_ui(ui, "Lecture des dossiers…"));
            return;
        }
        if let Some(failure) = self.listing.failure() {
            ui.horizontal_wrapped(|ui| {
                widgets::failed_ui(
                    ui,
                    &format!("La lecture s'est arrêtée ({}).", failure.reason()),
                );
            });
        }
        let dossiers = match self.listing.latest() {
            Some(Ok(listing)) => listing.dossiers.clone(),
            Some(Err(e)) => {
                let e = e.clone();
                egui::Frame::group(ui.style()).show(ui, |ui| widgets::explanation_ui(ui, &e));
                return;
            }
            None => return,
        };
        if dossiers.is_empty() {
            ui.label("Cette base ne contient aucun dossier.");
            return;
        }
        ui.label(RichText::new("Sélectionnez le dossier souhaité :").weak());
        for dossier in &dossiers {
            let selected = self.dossier == Some(dossier.id);
            let response = ui.add(egui::Button::selectable(selected, dossier.name.as_str()));
            if response.clicked() && !selected {
                self.dossier = Some(dossier.id);
                self.year = None;
            }
            let mut notes = Vec::new();
            if dossier.state == "simulation" {
                notes.push("simulation");
            }
            if dossier.archived {
                notes.push("archivé");
            }
            if !notes.is_empty() {
                ui.label(
                    RichText::new(format!("  {}", notes.join(", ")))
                        .weak()
                        .small(),
                );
            }
        }
        // A dossier that disappeared (another store) is no longer chosen.
        if self
            .dossier
            .is_some_and(|id| !dossiers.iter().any(|d| d.id == id))
        {
            self.dossier = None;
            self.year = None;
        }
    }

    /// The years of the chosen dossier, newest first.
    fn dossier_years(&self) -> Vec<ExerciseInfo> {
        let (Some(listing), Some(id)) = (self.listing(), self.dossier) else {
            return Vec::new();
        };
        let mut years: Vec<ExerciseInfo> = listing
            .exercises
            .iter()
            .filter(|e| e.dossier_id == id)
            .cloned()
            .collect();
        years.sort_by_key(|e| std::cmp::Reverse(e.year));
        years
    }

    fn dossier_name(&self, id: i64) -> Option<String> {
        self.listing()?
            .dossiers
            .iter()
            .find(|d| d.id == id)
            .map(|d| d.name.clone())
    }

    fn years_ui(&mut self, ui: &mut egui::Ui) {
        widgets::section_ui(ui, "Exercices");
        if self.dossier.is_none() {
            ui.label(RichText::new("Choisissez d'abord un dossier dans la liste.").weak());
            return;
        }
        let years = self.dossier_years();
        if years.is_empty() {
            ui.label("Ce dossier n'a encore aucun exercice.");
            return;
        }
        if self
            .year
            .is_some_and(|y| !years.iter().any(|e| e.year == y && !e.closed))
        {
            self.year = None;
        }
        ui.label(RichText::new("Choisissez l'année (exercice) à clôturer :").weak());
        for exercise in &years {
            let selected = !exercise.closed && self.year == Some(exercise.year);
            let button = egui::Button::selectable(selected, year_line(exercise));
            if ui.add_enabled(!exercise.closed, button).clicked() {
                self.year = Some(exercise.year);
            }
        }
    }

    fn closed_years_ui(&self, ui: &mut egui::Ui) {
        let closed: Vec<ExerciseInfo> = self
            .dossier_years()
            .into_iter()
            .filter(|e| e.closed)
            .collect();
        if closed.is_empty() {
            return;
        }
        widgets::section_ui(ui, "Exercices clôturés (consultation)");
        ui.label(
            RichText::new(
                "Les éléments des années clôturées restent consultables ; ils ne sont plus \
                 modifiables.",
            )
            .weak(),
        );
        egui::ScrollArea::horizontal()
            .id_salt("cloture-consultation")
            .show(ui, |ui| {
                egui::Grid::new("cloture-exercices-clotures")
                    .num_columns(9)
                    .striped(true)
                    .spacing([16.0, 4.0])
                    .show(ui, |ui| {
                        for title in [
                            "Exercice",
                            "Clôturé le",
                            "Bulletins",
                            "Brut",
                            "Net",
                            "Cotisations salariales",
                            "Cotisations patronales",
                            "PAS",
                            "Déclarations",
                        ] {
                            ui.label(RichText::new(title).strong());
                        }
                        ui.end_row();
                        for e in &closed {
                            let t = &e.totals;
                            ui.label(e.year.to_string());
                            ui.label(e.closed_at.as_deref().map(date_fr).unwrap_or_default());
                            ui.label(widgets::count(t.payslips));
                            ui.label(messages::money(t.gross_cents));
                            ui.label(messages::money(t.net_cents));
                            ui.label(messages::money(t.employee_contrib_cents));
                            ui.label(messages::money(t.employer_contrib_cents));
                            ui.label(messages::money(t.pas_cents));
                            ui.label(widgets::count(t.declarations));
                            ui.end_row();
                        }
                    });
            });
    }

    // -----------------------------------------------------------------------
    // Prerequisites and their fixes.

    fn prerequisites_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx, store_path: &Path) {
        let latest = self.prerequisites.latest().cloned();
        match latest {
            None if self.prerequisites.is_pending() => {
                ui.horizontal(|ui| widgets::pending_ui(ui, "Vérification des prérequis…"));
            }
            None => {}
            Some(Err(e)) => {
                egui::Frame::group(ui.style()).show(ui, |ui| widgets::explanation_ui(ui, &e));
            }
            Some(Ok(found)) => {
                for item in &found.items {
                    self.prerequisite_ui(ui, ctx, item);
                }
            }
        }
        if let Some(failure) = self.prerequisites.failure() {
            ui.horizontal_wrapped(|ui| {
                widgets::failed_ui(
                    ui,
                    &format!("La vérification s'est arrêtée ({}).", failure.reason()),
                );
            });
        }
        ui.add_space(4.0);
        ui.horizontal_wrapped(|ui| {
            let refresh = ui
                .add_enabled(
                    !self.prerequisites.is_pending(),
                    egui::Button::new("Actualiser"),
                )
                .accessible_name("Actualiser les prérequis");
            if refresh.clicked() {
                self.start_check(ui.ctx(), ctx, store_path.to_path_buf());
            }
            if self.prerequisites.is_pending() && self.prerequisites.has_result() {
                widgets::pending_ui(ui, "Vérification des prérequis…");
            }
        });
    }

    fn prerequisite_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx, item: &Prerequisite) {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal_wrapped(|ui| {
                let mark = if item.met {
                    widgets::Mark::Ok
                } else {
                    widgets::Mark::Failed
                };
                widgets::mark_ui(ui, mark);
                ui.label(RichText::new(messages::prerequisite_label(item.kind)).strong());
            });
            let detail = messages::prerequisite_detail(item);
            if !detail.is_empty() {
                let color = if item.met {
                    ui.visuals().text_color()
                } else {
                    widgets::error_color(ui)
                };
                ui.label(RichText::new(detail).color(color));
            }
            if !item.met {
                ui.label(RichText::new(messages::prerequisite_todo(item.kind)).weak());
            }
            match item.kind {
                PrerequisiteKind::RecentBackup if !item.met => self.backup_fix_ui(ui, ctx),
                PrerequisiteKind::BackupsPostponed if !item.met => self.postpone_fix_ui(ui, ctx),
                PrerequisiteKind::NobodyConnected => sessions_ui(ui, ctx, &item.sessions),
                _ => {}
            }
        });
    }

    /// "Sauvegarder maintenant": a run of the script chosen (the only one, or
    /// the one picked in the list), with its progress.
    fn backup_fix_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        let names: Vec<String> = ctx
            .scripts()
            .map(|b| b.entries.iter().map(|e| e.script.name.clone()).collect())
            .unwrap_or_default();
        if names.is_empty() {
            ui.horizontal_wrapped(|ui| {
                ui.label("Aucun script de sauvegarde : créez-en un dans");
                if ui.link(ScreenId::Sauvegardes.title()).clicked() {
                    ctx.push(Command::Navigate(ScreenId::Sauvegardes));
                }
            });
            return;
        }
        if self
            .backup_script
            .as_ref()
            .is_none_or(|chosen| !names.contains(chosen))
        {
            self.backup_script = names.first().cloned();
        }
        let Some(script) = self.backup_script.clone() else {
            return;
        };
        let running = ctx.running_backup().cloned();
        ui.horizontal_wrapped(|ui| {
            if names.len() > 1 {
                let label = ui.label("Script");
                egui::ComboBox::from_id_salt("cloture-script")
                    .selected_text(script.as_str())
                    .show_ui(ui, |ui| {
                        for name in &names {
                            ui.selectable_value(&mut self.backup_script, Some(name.clone()), name);
                        }
                    })
                    .response
                    .labelled_by(label.id);
            }
            let run = ui.add_enabled(
                running.is_none(),
                egui::Button::new("Sauvegarder maintenant"),
            );
            if run.clicked() {
                ctx.push(Command::RunBackup(script.clone()));
            }
        });
        if let Some(running) = running {
            super::sauvegardes::running_ui(
                ui,
                ctx,
                &running,
                "Annuler la sauvegarde",
                Command::CancelBackup,
            );
        } else if let Some(Err(e)) = ctx.backup_result(&script) {
            let e = e.clone();
            ui.horizontal_wrapped(|ui| widgets::failed_ui(ui, &e.what));
            if !e.todo.is_empty() {
                ui.label(e.todo.as_str());
            }
        }
    }

    /// "Repousser toutes les sauvegardes de 2 jours".
    fn postpone_fix_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        let names: Vec<String> = ctx
            .scripts()
            .map(|b| b.entries.iter().map(|e| e.script.name.clone()).collect())
            .unwrap_or_default();
        let busy = ctx.is_pending(Action::ScheduleScripts);
        ui.horizontal_wrapped(|ui| {
            let postpone = ui.add_enabled(
                !names.is_empty() && !busy,
                egui::Button::new("Repousser toutes les sauvegardes de 2 jours"),
            );
            if postpone.clicked() {
                self.sent_schedule = true;
                ctx.push(Command::PostponeScripts {
                    names,
                    days: POSTPONE_DAYS,
                });
            }
        });
        if self.sent_schedule
            && let Some(Outcome::Failed(_)) = ctx.outcome(Action::ScheduleScripts)
        {
            ui.horizontal_wrapped(|ui| {
                widgets::outcome_ui(ui, ctx.outcome(Action::ScheduleScripts), "Enregistrement…");
            });
        }
    }

    // -----------------------------------------------------------------------
    // "Clôturer", its confirmation, the job and its end.

    fn close_button_ui(&mut self, ui: &mut egui::Ui, ctx: &AppCtx) {
        let reason = self.blocked_reason(ctx);
        ui.horizontal_wrapped(|ui| {
            let close = ui.add_enabled(reason.is_none(), egui::Button::new("Clôturer"));
            if close.clicked()
                && let (Some(dossier_id), Some(year)) = (self.dossier, self.year)
            {
                self.asked = Some(Asked {
                    dossier_id,
                    dossier: self.dossier_name(dossier_id).unwrap_or_default(),
                    year,
                });
            }
            if let Some(reason) = reason {
                ui.label(RichText::new(reason).color(widgets::warn_color(ui)));
            }
        });
    }

    /// Why "Clôturer" is greyed, if it is.
    fn blocked_reason(&self, ctx: &AppCtx) -> Option<String> {
        if self.dossier.is_none() || self.year.is_none() {
            return Some("Choisissez d'abord un dossier et un exercice ouvert.".to_owned());
        }
        if ctx.running_restore().is_some() {
            return Some("Une restauration est en cours : attendez qu'elle se termine.".to_owned());
        }
        if ctx.running_backup().is_some() {
            return Some("Une sauvegarde est en cours : attendez qu'elle se termine.".to_owned());
        }
        if self.prerequisites.is_pending() {
            return Some("Vérification des prérequis en cours…".to_owned());
        }
        match self.prerequisites.latest() {
            None => Some("Les prérequis n'ont pas encore été vérifiés.".to_owned()),
            Some(Err(_)) => Some(
                "Les prérequis n'ont pas pu être vérifiés : la clôture ne peut pas être lancée."
                    .to_owned(),
            ),
            Some(Ok(found)) if found.all_met() => None,
            Some(Ok(found)) => {
                let unmet = found.items.iter().filter(|p| !p.met).count();
                Some(if unmet > 1 {
                    format!(
                        "Clôture impossible : {unmet} prérequis ne sont pas remplis (en rouge \
                         ci-dessous)."
                    )
                } else {
                    "Clôture impossible : un prérequis n'est pas rempli (en rouge ci-dessous)."
                        .to_owned()
                })
            }
        }
    }

    fn confirm_ui(&mut self, ui: &egui::Ui, ctx: &mut AppCtx) {
        let Some(asked) = self.asked.clone() else {
            return;
        };
        let decided = widgets::confirm_modal_ui(
            ui,
            "confirmer-cloture",
            &format!("Clôturer l'exercice {} ?", asked.year),
            "Clôturer l'exercice",
            |ui| {
                ui.label(format!("Dossier : {}", asked.dossier));
                ui.label(format!("Exercice : {}", asked.year));
                ui.add_space(6.0);
                ui.label("L'opération de clôture se déroule en 3 étapes :");
                for line in step_lines(asked.year) {
                    ui.label(format!("• {line}"));
                }
                ui.add_space(6.0);
                ui.label(
                    RichText::new(
                        "Impact emploi ne sera plus utilisable durant l'opération. Les bulletins \
                         et déclarations de l'exercice ne seront plus modifiables ensuite.",
                    )
                    .strong(),
                );
            },
        );
        match decided {
            Some(true) => {
                self.asked = None;
                ctx.push(Command::CloseYear {
                    dossier_id: asked.dossier_id,
                    year: asked.year,
                    dossier: asked.dossier.clone(),
                });
                self.closing = Some(asked);
            }
            Some(false) => self.asked = None,
            None => {}
        }
    }

    /// The closing under way: its three steps, the current one highlighted, the
    /// progress of that step and "Annuler" while the store is still untouched.
    fn running_ui(&self, ui: &mut egui::Ui, ctx: &mut AppCtx, running: &RunningJob) {
        widgets::section_ui(ui, &format!("Clôture en cours : {}", running.subject));
        ui.label(
            RichText::new("ATTENTION : cette opération peut durer plusieurs heures.")
                .strong()
                .color(widgets::warn_color(ui)),
        );
        ui.label(
            "Impact emploi ne doit pas être relancé avant la fin. Laissez ce poste allumé \
             jusqu'à la fin du traitement.",
        );
        ui.add_space(8.0);
        let year = self.closing.as_ref().map_or(0, |c| c.year);
        let phase = running.progress.as_ref().map(|p| p.phase);
        let current = phase
            .and_then(|p| ClosingStep::ALL.iter().position(|s| s.phase() == p))
            .unwrap_or(0);
        for (i, line) in step_lines(year).iter().enumerate() {
            ui.horizontal_wrapped(|ui| match i.cmp(&current) {
                std::cmp::Ordering::Less => {
                    widgets::mark_ui(ui, widgets::Mark::Ok);
                    ui.label(line.as_str());
                }
                std::cmp::Ordering::Equal => {
                    ui.spinner();
                    ui.label(
                        RichText::new(line.as_str())
                            .strong()
                            .color(ui.visuals().strong_text_color()),
                    )
                    .highlight();
                }
                std::cmp::Ordering::Greater => {
                    widgets::mark_ui(ui, widgets::Mark::Skipped);
                    ui.label(RichText::new(line.as_str()).weak());
                }
            });
        }
        ui.add_space(8.0);
        let fraction = running
            .progress
            .as_ref()
            .and_then(crate::ui::JobProgress::fraction);
        let bar_text = running.progress.as_ref().map_or_else(
            || "Préparation…".to_owned(),
            |p| {
                if p.total > 0 {
                    format!(
                        "{} : {} / {}",
                        messages::phase_label(p.phase),
                        widgets::count(p.done),
                        widgets::count(p.total)
                    )
                } else {
                    messages::phase_label(p.phase).to_owned()
                }
            },
        );
        ui.add(
            egui::ProgressBar::new(fraction.unwrap_or(0.0))
                .desired_width(420.0)
                .text(bar_text)
                .animate(fraction.is_none()),
        );
        ui.add_space(6.0);
        let committed = current >= 2;
        ui.horizontal_wrapped(|ui| {
            let cancel = ui
                .add_enabled(
                    !committed && !running.cancelling,
                    egui::Button::new("Annuler"),
                )
                .accessible_name("Annuler la clôture");
            if cancel.clicked() {
                ctx.push(Command::CancelClosing);
            }
            if committed {
                ui.label(
                    RichText::new(
                        "L'exercice est clôturé ; la réindexation se termine et ne peut plus \
                         être annulée.",
                    )
                    .weak(),
                );
            } else if running.cancelling {
                widgets::pending_ui(ui, "Annulation à la prochaine étape sûre…");
            } else {
                ui.label(
                    RichText::new(
                        "Annuler avant la fin de la 2ème étape laisse la base intacte : rien \
                         n'est modifié.",
                    )
                    .weak(),
                );
            }
        });
    }

    /// How the last closing ended: the end screen, or what went wrong.
    fn result_ui(ui: &mut egui::Ui, ctx: &mut AppCtx) {
        let Some(result) = ctx.closing_result() else {
            return;
        };
        match result {
            Ok(report) => {
                let (payslips, declarations, totals, elapsed) = (
                    report.payslips_moved,
                    report.declarations_moved,
                    report.totals,
                    report.elapsed,
                );
                ui.horizontal_wrapped(|ui| {
                    widgets::done_ui(
                        ui,
                        &format!(
                            "L'exercice {} du dossier « {} » est clôturé.",
                            report.year, report.dossier
                        ),
                    );
                });
                ui.add_space(8.0);
                report_grid_ui(ui, payslips, declarations, &totals, elapsed);
                ui.add_space(10.0);
                egui::Frame::group(ui.style()).show(ui, |ui| {
                    ui.set_width(ui.available_width());
                    ui.label(RichText::new(messages::CLOSING_BACKUP_REMINDER).strong());
                    ui.add_space(4.0);
                    Self::restart_backups_ui(ui, ctx);
                });
            }
            Err(e) => {
                let e = e.clone();
                egui::Frame::group(ui.style()).show(ui, |ui| {
                    ui.set_width(ui.available_width());
                    ui.horizontal_wrapped(|ui| {
                        widgets::mark_ui(ui, widgets::Mark::Failed);
                        ui.label(RichText::new(&e.title).strong());
                    });
                    widgets::explanation_ui(ui, &e);
                });
            }
        }
        ui.add_space(10.0);
        if ui
            .add(egui::Button::new("Retour à la liste des exercices"))
            .clicked()
        {
            ctx.push(Command::DismissClosing);
        }
    }

    /// "Relancer les sauvegardes automatiques": the postponement of every
    /// script is cancelled.
    fn restart_backups_ui(ui: &mut egui::Ui, ctx: &mut AppCtx) {
        let names: Vec<String> = ctx
            .scripts()
            .map(|b| b.entries.iter().map(|e| e.script.name.clone()).collect())
            .unwrap_or_default();
        let busy = ctx.is_pending(Action::ScheduleScripts);
        ui.horizontal_wrapped(|ui| {
            let restart = ui.add_enabled(
                !names.is_empty() && !busy,
                egui::Button::new("Relancer les sauvegardes automatiques"),
            );
            if restart.clicked() {
                ctx.push(Command::ClearPostponement(names));
            }
            widgets::outcome_ui(ui, ctx.outcome(Action::ScheduleScripts), "Enregistrement…");
        });
    }
}

impl Screen for Cloture {
    fn id(&self) -> ScreenId {
        ScreenId::Cloture
    }

    fn title(&self) -> &'static str {
        "Clôturer un exercice"
    }

    fn nav_group(&self) -> NavGroup {
        NavGroup::Closing
    }

    /// Draws the screen.
    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        Screen::poll(self, ctx);
        widgets::title_ui(ui, ScreenId::Cloture.title());
        let Some(store_path) = ctx.store_path().map(Path::to_path_buf) else {
            return;
        };
        let entered = widgets::entered(&mut self.last_pass, ui);

        if let Some(running) = ctx.running_closing().cloned() {
            egui::ScrollArea::vertical()
                .auto_shrink(false)
                .show(ui, |ui| self.running_ui(ui, ctx, &running));
            return;
        }
        if ctx.closing_result().is_some() {
            egui::ScrollArea::vertical()
                .auto_shrink(false)
                .show(ui, |ui| Self::result_ui(ui, ctx));
            return;
        }
        if !matches!(ctx.store, crate::ui::StoreState::Open(_)) {
            ui.horizontal(|ui| widgets::pending_ui(ui, "Ouverture de la base de données…"));
            return;
        }

        if (entered || self.listed_for != Some(ctx.store_generation()))
            && !self.listing.is_pending()
        {
            self.start_listing(ui.ctx(), ctx, store_path.clone());
        }
        if entered || self.checked_for != Some(Self::check_key(ctx)) {
            self.start_check(ui.ctx(), ctx, store_path.clone());
        }

        egui::ScrollArea::vertical()
            .auto_shrink(false)
            .show(ui, |ui| {
                ui.label(
                    "La clôture d'exercice transfère les bulletins et les déclarations d'une \
                     année d'un dossier vers les tables des exercices clôturés : ils restent \
                     consultables, mais ne sont plus modifiables, et le calcul des bulletins \
                     et des déclarations est plus rapide.",
                );
                ui.add_space(8.0);
                ui.horizontal_top(|ui| {
                    ui.vertical(|ui| {
                        ui.set_width(DOSSIERS_WIDTH);
                        self.dossiers_ui(ui);
                        ui.add_space(16.0);
                        warning_ui(ui);
                    });
                    ui.separator();
                    ui.vertical(|ui| {
                        self.years_ui(ui);
                        ui.add_space(8.0);
                        self.close_button_ui(ui, ctx);
                        widgets::section_ui(ui, "Prérequis à la clôture d'exercice");
                        self.prerequisites_ui(ui, ctx, &store_path);
                    });
                });
                self.closed_years_ui(ui);
            });
        self.confirm_ui(ui, ctx);
    }

    /// Takes the result of the screen's background work if it is done (the shell
    /// calls this every frame, shown or not).
    fn poll(&mut self, _ctx: &mut AppCtx) {
        self.listing.poll();
        self.prerequisites.poll();
    }

    /// Whether the dossiers or the prerequisites are being read.
    fn is_busy(&self) -> bool {
        self.listing.is_pending() || self.prerequisites.is_pending()
    }
}

/// A year in the list: "2024 — 10 bulletins — ouvert" or "… — clôturé le
/// 31/01/2025".
pub(crate) fn year_line(e: &ExerciseInfo) -> String {
    let payslips = match e.totals.payslips {
        0 => "aucun bulletin".to_owned(),
        1 => "1 bulletin".to_owned(),
        n => format!("{} bulletins", widgets::count(n)),
    };
    let state = if e.closed {
        match e.closed_at.as_deref() {
            Some(at) => format!("clôturé le {}", date_fr(at)),
            None => "clôturé".to_owned(),
        }
    } else {
        "ouvert".to_owned()
    };
    format!("{} — {payslips} — {state}", e.year)
}

/// An ISO date or date-time as JJ/MM/AAAA; anything else as stored.
fn date_fr(stored: &str) -> String {
    stored
        .get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map_or_else(|| stored.to_owned(), |d| d.format("%d/%m/%Y").to_string())
}

/// The three steps of the guide, in its words.
fn step_lines(year: i32) -> [String; 3] {
    [
        "1ère étape : Arrêt du serveur – Réparation de la base (opération technique) – \
         Impact emploi ne sera donc plus utilisable durant l'opération de clôture"
            .to_owned(),
        format!("2ème étape : Clôture de l'exercice {year} pour le dossier sélectionné"),
        "3ème étape : Réindexation de la base (opération technique) afin d'améliorer les \
         performances de celle-ci"
            .to_owned(),
    ]
}

/// The guide's warning, in a frame.
fn warning_ui(ui: &mut egui::Ui) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal_wrapped(|ui| {
            widgets::mark_ui(ui, widgets::Mark::Warning);
            ui.label(
                RichText::new("Attention")
                    .strong()
                    .color(widgets::warn_color(ui)),
            );
        });
        for line in WARNING {
            ui.label(format!("• {line}"));
        }
    });
}

/// The sessions of the store: who is connected (to be asked to close Impact
/// emploi), and the sessions left behind by a crash, each with "Déconnecter".
fn sessions_ui(ui: &mut egui::Ui, ctx: &mut AppCtx, sessions: &[SessionInfo]) {
    let busy = ctx.is_pending(Action::DisconnectSession);
    for session in sessions {
        ui.horizontal_wrapped(|ui| {
            if session.active {
                widgets::mark_ui(ui, widgets::Mark::Failed);
                ui.label(format!(
                    "{} : connecté. Demandez-lui de fermer Impact emploi.",
                    messages::session_who(session)
                ));
            } else {
                widgets::mark_ui(ui, widgets::Mark::Warning);
                ui.label(format!(
                    "{} : session interrompue (dernier signe de vie le {}).",
                    messages::session_who(session),
                    date_time_fr(&session.heartbeat_at)
                ));
                let disconnect = ui
                    .add_enabled(!busy, egui::Button::new("Déconnecter"))
                    .accessible_name(format!("Déconnecter {}", messages::session_who(session)));
                if disconnect.clicked() {
                    ctx.push(Command::DisconnectSession { id: session.id });
                }
            }
        });
    }
    if let Some(outcome @ (Outcome::Pending | Outcome::Failed(_))) =
        ctx.outcome(Action::DisconnectSession)
    {
        ui.horizontal_wrapped(|ui| widgets::outcome_ui(ui, Some(outcome), "Déconnexion…"));
    }
}

/// A stored RFC 3339 instant as local "JJ/MM/AAAA à HH:MM"; anything else as stored.
fn date_time_fr(stored: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(stored).map_or_else(
        |_| stored.to_owned(),
        |t| {
            t.with_timezone(&chrono::Local)
                .format("%d/%m/%Y à %H:%M")
                .to_string()
        },
    )
}

/// The counts moved and the totals of the closed year, in euros, and the time
/// the closing took.
fn report_grid_ui(
    ui: &mut egui::Ui,
    payslips: u64,
    declarations: u64,
    totals: &Totals,
    elapsed: Duration,
) {
    egui::Grid::new("cloture-bilan")
        .num_columns(2)
        .striped(true)
        .spacing([24.0, 4.0])
        .show(ui, |ui| {
            let rows = [
                ("Bulletins transférés", widgets::count(payslips)),
                ("Déclarations transférées", widgets::count(declarations)),
                ("Salaire brut", messages::money(totals.gross_cents)),
                ("Net", messages::money(totals.net_cents)),
                (
                    "Cotisations salariales",
                    messages::money(totals.employee_contrib_cents),
                ),
                (
                    "Cotisations patronales",
                    messages::money(totals.employer_contrib_cents),
                ),
                (
                    "Prélèvement à la source (PAS)",
                    messages::money(totals.pas_cents),
                ),
                ("Durée", duration_fr(elapsed)),
            ];
            for (label, value) in rows {
                ui.label(label);
                ui.label(RichText::new(value).strong());
                ui.end_row();
            }
        });
}

/// A duration in words: "moins d'une seconde", "42 s", "3 min 05 s", "2 h 07 min".
fn duration_fr(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0 => "moins d'une seconde".to_owned(),
        1..60 => format!("{secs} s"),
        60..3600 => format!("{} min {:02} s", secs / 60, secs % 60),
        _ => format!("{} h {:02} min", secs / 3600, secs % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_french() {
        assert_eq!(
            duration_fr(Duration::from_millis(300)),
            "moins d'une seconde"
        );
        assert_eq!(duration_fr(Duration::from_secs(42)), "42 s");
        assert_eq!(duration_fr(Duration::from_secs(185)), "3 min 05 s");
        assert_eq!(duration_fr(Duration::from_mins(127)), "2 h 07 min");
    }

    #[test]
    fn closing_dates_read_day_first() {
        assert_eq!(date_fr("2025-01-31T18:02:00+01:00"), "31/01/2025");
        assert_eq!(date_fr("2025-01-31"), "31/01/2025");
        assert_eq!(date_fr("bizarre"), "bizarre");
    }
}
