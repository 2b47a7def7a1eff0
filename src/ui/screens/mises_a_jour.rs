//! "Gérer les mises à jour" (Maintenir), the seed's "Comment relancer une mise
//! à jour" step by step:
//! - « Actualiser » fetches the signed list of releases (a refused one is
//!   explained, nothing of it shown); the list gives version, date, title and
//!   whether it is installed or available, and the chosen release's
//!   "Lisez-moi" is shown formatted, with its links.
//! - « Télécharger / Installer » leads through the steps: the download (progress,
//!   speed, time left, « Annuler »), the warning that every workstation must be
//!   closed — enforced: the connected sessions are named and « OK » waits for
//!   them to end —, the assistant (« Suivant », « Suivant », « Installer »), the
//!   installation, then « Mise à jour de la base de données » and its end
//!   message with the OPCO report, which it offers to open.
//!
//! The steps that change something are the shell's jobs ([`Command`]s); this
//! screen reads, on worker threads, who is connected, the store's schema and
//! the record of the last installation. When the program is replaced, the
//! centre starts again on the new one, on this screen, which then offers the
//! database update. Opened from the tray's "Mettre à jour Impact Emploi
//! maintenant…", it refreshes at once and chooses the newest release.

use std::fmt::Write as _;

use eframe::egui::{self, RichText};
use egui_commonmark::{CommonMarkCache, CommonMarkViewer};

use crate::fsutil::human_size;
use crate::messages::{self, Explanation};
use crate::store::sessions::SessionInfo;
use crate::ui::screen::{NavGroup, Screen, ScreenId};
use crate::ui::task::Task;
use crate::ui::widgets;
use crate::ui::{Action, AppCtx, Command, RunningJob, UpdateResult, UpdateStep};
use crate::updates::database::{self, DatabaseStatus};
use crate::updates::install::{InstallRecord, InstallState};
use crate::updates::manifest::Release;
use crate::updates::{install, program_version};

/// How often the connected sessions are looked at while the warning waits.
const SESSIONS_EVERY_SECS: f64 = 3.0;

/// Where the user is in the seed's steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Step {
    /// The list of releases.
    #[default]
    List,
    /// The download (progress, then « OK »).
    Download,
    /// "Vérifiez que le logiciel soit bien fermé sur chaque poste".
    Warning,
    /// The assistant's pages: 0 and 1 « Suivant », 2 « Installer ».
    Assistant(u8),
    /// The installation, then its end.
    Install,
}

/// What is read from the disk when the screen is entered.
#[derive(Debug, Clone)]
struct Local {
    /// The store's schema against the program's.
    database: Result<DatabaseStatus, Explanation>,
    /// The last installation.
    record: Option<InstallRecord>,
}

/// The "Gérer les mises à jour" screen.
#[derive(Default)]
pub struct MisesAJour {
    last_pass: Option<u64>,
    /// The release chosen in the list.
    chosen: Option<String>,
    /// The « Actualiser » answer the choice was made from.
    chosen_for: Option<u64>,
    step: Step,
    local: Task<Local>,
    sessions: Task<Vec<SessionInfo>>,
    sessions_at: Option<f64>,
    /// Where the download's speed is measured from: (time, bytes).
    speed_from: Option<(f64, u64)>,
    notes: CommonMarkCache,
}

impl std::fmt::Debug for MisesAJour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MisesAJour")
            .field("chosen", &self.chosen)
            .field("step", &self.step)
            .finish_non_exhaustive()
    }
}

impl MisesAJour {
    fn read_local(&mut self, egui_ctx: &egui::Context, ctx: &AppCtx) {
        let home = ctx.home.clone();
        self.local
            .start(egui_ctx, "centre-etat-mises-a-jour", move || Local {
                database: database::status(&home).map_err(|e| messages::database_update_error(&e)),
                record: InstallRecord::load(&home),
            });
    }

    fn read_sessions(&mut self, egui_ctx: &egui::Context, ctx: &AppCtx) {
        let home = ctx.home.clone();
        self.sessions_at = Some(egui_ctx.input(|i| i.time));
        self.sessions
            .start(egui_ctx, "centre-sessions-mise-a-jour", move || {
                install::live_sessions(&home)
            });
    }

    /// The chosen release, in the last list.
    fn chosen_release<'a>(&self, ctx: &'a AppCtx) -> Option<&'a Release> {
        let accepted = ctx.updates().accepted.as_ref()?;
        accepted.manifest.release(self.chosen.as_deref()?)
    }

    fn refresh_ui(ui: &mut egui::Ui, ctx: &mut AppCtx) {
        ui.horizontal_wrapped(|ui| {
            ui.label(format!("Version installée : {}", program_version()));
            ui.add_space(12.0);
            let busy = ctx.is_pending(Action::RefreshUpdates) || ctx.updates().running.is_some();
            if ui
                .add_enabled(!busy, egui::Button::new("Actualiser"))
                .clicked()
            {
                ctx.push(Command::RefreshUpdates);
            }
            widgets::outcome_ui(
                ui,
                ctx.outcome(Action::RefreshUpdates)
                    .filter(|o| !matches!(o, crate::ui::Outcome::Failed(_))),
                "Lecture de la liste des mises à jour…",
            );
        });
        if let Some(crate::ui::Outcome::Failed(e)) = ctx.outcome(Action::RefreshUpdates) {
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
    }

    fn list_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        let Some(accepted) = ctx.updates().accepted.clone() else {
            ui.label(
                RichText::new("Cliquez sur « Actualiser » pour voir les mises à jour proposées.")
                    .weak(),
            );
            return;
        };
        // A new answer: the newest release is chosen (the tray's entry opens
        // the flow on it).
        if self.chosen_for != Some(ctx.updates().generation) {
            self.chosen_for = Some(ctx.updates().generation);
            let still_there = self
                .chosen
                .as_deref()
                .is_some_and(|v| accepted.manifest.release(v).is_some());
            if !still_there {
                self.chosen = accepted
                    .manifest
                    .newest()
                    .or_else(|| accepted.manifest.releases_newest_first().first().copied())
                    .map(|r| r.version.clone());
            }
        }
        let releases = accepted.manifest.releases_newest_first();
        if releases.is_empty() {
            ui.label("Aucune mise à jour n'est proposée pour le moment.");
            return;
        }
        egui::Grid::new("mises-a-jour-liste")
            .num_columns(4)
            .striped(true)
            .spacing([18.0, 6.0])
            .show(ui, |ui| {
                for heading in ["Version", "Date", "Titre", "État"] {
                    ui.label(RichText::new(heading).strong());
                }
                ui.end_row();
                for r in releases {
                    let selected = self.chosen.as_deref() == Some(r.version.as_str());
                    if ui
                        .add(egui::Button::selectable(selected, r.version.as_str()))
                        .on_hover_text(messages::release_line(r))
                        .clicked()
                    {
                        self.chosen = Some(r.version.clone());
                    }
                    ui.label(messages::iso_date_fr(&r.date));
                    ui.label(r.title.as_str());
                    let state = if r.is_installed() {
                        "Installée"
                    } else if r.is_newer() {
                        "Disponible"
                    } else {
                        "Plus ancienne"
                    };
                    ui.label(state);
                    ui.end_row();
                }
            });
        let Some(release) = self.chosen_release(ctx).cloned() else {
            return;
        };
        widgets::section_ui(ui, &format!("Lisez-moi de la version {}", release.version));
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            egui::ScrollArea::vertical()
                .id_salt("lisez-moi")
                .max_height(220.0)
                .show(ui, |ui| {
                    if release.notes.trim().is_empty() {
                        ui.label(RichText::new("Pas de notes pour cette version.").weak());
                    } else {
                        CommonMarkViewer::new().show(ui, &mut self.notes, &release.notes);
                    }
                });
        });
        ui.add_space(8.0);
        ui.horizontal_wrapped(|ui| {
            let installable = release.is_newer() && release.package().is_some();
            let button = ui.add_enabled(
                installable && ctx.updates().running.is_none(),
                egui::Button::new("Télécharger / Installer"),
            );
            if button.clicked() {
                ctx.push(Command::DismissUpdate);
                ctx.push(Command::DownloadUpdate(release.version.clone()));
                self.step = Step::Download;
                self.speed_from = None;
            }
            if !release.is_newer() {
                ui.label(
                    RichText::new("Cette version n'est pas plus récente que la version installée.")
                        .weak(),
                );
            } else if release.package().is_none() {
                ui.label(RichText::new("Pas de paquet pour ce type d'ordinateur.").weak());
            }
        });
    }

    /// A job of an update under way: its phase, its bar and, for the
    /// download, the size, the speed and the time left; « Annuler ».
    fn running_ui(
        &mut self,
        ui: &mut egui::Ui,
        ctx: &mut AppCtx,
        step: UpdateStep,
        running: &RunningJob,
    ) {
        let now = ui.ctx().input(|i| i.time);
        let progress = running.progress.as_ref();
        let phase = progress.map_or("Préparation…", |p| messages::phase_label(p.phase));
        let fraction = progress.and_then(crate::ui::JobProgress::fraction);
        ui.horizontal(|ui| {
            ui.add(
                egui::ProgressBar::new(fraction.unwrap_or(0.0))
                    .desired_width(360.0)
                    .text(phase)
                    .animate(fraction.is_none()),
            );
            let cancellable = step != UpdateStep::Install;
            if cancellable
                && ui
                    .add_enabled(!running.cancelling, egui::Button::new("Annuler"))
                    .clicked()
            {
                ctx.push(Command::CancelUpdate);
            }
        });
        if let Some(p) = progress.filter(|p| p.phase == crate::jobs::Phase::UpdateDownload) {
            let (t0, b0) = *self.speed_from.get_or_insert((now, p.done));
            let elapsed = now - t0;
            let mut line = format!("{} sur {}", human_size(p.done), human_size(p.total));
            if elapsed > 0.5 && p.done > b0 {
                let speed = (p.done - b0) as f64 / elapsed;
                let left = p.total.saturating_sub(p.done) as f64 / speed;
                let _ = write!(
                    line,
                    " – {}/s – reste {}",
                    human_size(speed as u64),
                    time_left(left)
                );
            }
            ui.label(line);
        }
        if running.cancelling {
            ui.horizontal(|ui| widgets::pending_ui(ui, "Annulation…"));
        }
    }

    fn failed_ui(ui: &mut egui::Ui, e: &Explanation) {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal_wrapped(|ui| {
                widgets::mark_ui(ui, widgets::Mark::Failed);
                ui.label(RichText::new(&e.title).strong());
            });
            widgets::explanation_ui(ui, e);
        });
    }

    fn download_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        widgets::section_ui(ui, "Téléchargement");
        ui.label(
            "La mise à jour est en cours de téléchargement. Patientez jusqu'à la fin du \
             téléchargement.",
        );
        if let Some((step, running)) = ctx.updates().running.clone() {
            self.running_ui(ui, ctx, step, &running);
            return;
        }
        match ctx.updates().result.clone() {
            Some(UpdateResult::Downloaded(done)) => {
                ui.horizontal_wrapped(|ui| {
                    widgets::done_ui(
                        ui,
                        &format!(
                            "Le téléchargement est terminé : {} ({}), taille et empreinte \
                             SHA-256 vérifiées.",
                            done.version,
                            human_size(done.size)
                        ),
                    );
                });
                if ui.button("OK").clicked() {
                    self.step = Step::Warning;
                    self.read_sessions(ui.ctx(), ctx);
                }
            }
            Some(UpdateResult::Failed(_, e)) => {
                Self::failed_ui(ui, &e);
                ui.horizontal(|ui| {
                    if ui.button("Réessayer").clicked()
                        && let Some(v) = self.chosen.clone()
                    {
                        ctx.push(Command::DownloadUpdate(v));
                        self.speed_from = None;
                    }
                    if ui.button("Retour à la liste").clicked() {
                        self.step = Step::List;
                        ctx.push(Command::DismissUpdate);
                    }
                });
            }
            _ => {}
        }
    }

    fn warning_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        widgets::section_ui(ui, "Fermeture d'Impact emploi sur chaque poste");
        ui.label(messages::CLOSE_EVERY_WORKSTATION);
        let now = ui.ctx().input(|i| i.time);
        if !self.sessions.is_pending()
            && self
                .sessions_at
                .is_none_or(|t| now - t >= SESSIONS_EVERY_SECS)
        {
            self.read_sessions(ui.ctx(), ctx);
        }
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_secs_f64(SESSIONS_EVERY_SECS));
        ui.add_space(6.0);
        let live = self.sessions.latest().cloned();
        match &live {
            None => {
                ui.horizontal(|ui| widgets::pending_ui(ui, "Recherche des postes connectés…"))
                    .response
            }
            Some(live) if live.is_empty() => {
                ui.horizontal_wrapped(|ui| {
                    widgets::done_ui(ui, "Plus personne n'est connecté à la base de données.");
                })
                .response
            }
            Some(live) => {
                ui.vertical(|ui| {
                    ui.horizontal_wrapped(|ui| {
                        widgets::mark_ui(ui, widgets::Mark::Warning);
                        ui.label(
                            RichText::new(
                                "En attente de la fermeture d'Impact emploi sur ces postes :",
                            )
                            .strong(),
                        );
                    });
                    for s in live {
                        ui.label(format!("– {}", messages::session_who(s)));
                    }
                    ui.label(
                        RichText::new(
                            "Une session restée ouverte après un arrêt brutal d'un poste se \
                             ferme depuis « Clôturer un exercice » (« Déconnecter »).",
                        )
                        .weak(),
                    );
                })
                .response
            }
        };
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            let clear = live.as_ref().is_some_and(Vec::is_empty);
            if ui.add_enabled(clear, egui::Button::new("OK")).clicked() {
                self.step = Step::Assistant(0);
            }
            if ui.button("Annuler").clicked() {
                self.step = Step::List;
                ctx.push(Command::DismissUpdate);
            }
        });
    }

    fn assistant_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx, page: u8) {
        let version = self.chosen.clone().unwrap_or_default();
        widgets::section_ui(ui, "Assistant de mise à jour d'Impact emploi");
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            match page {
                0 => {
                    ui.label(RichText::new("Bienvenue dans l'assistant de mise à jour").strong());
                    ui.label(format!(
                        "L'assistant va installer la version {version} d'Impact emploi à la \
                         place de la version {}.",
                        program_version()
                    ));
                }
                1 => {
                    ui.label(RichText::new("Ce que fait l'installation").strong());
                    ui.label(
                        "Le nouveau programme est vérifié avant de remplacer l'actuel ; la \
                         version actuelle est conservée. Le gestionnaire de services redémarre \
                         de lui-même sur la nouvelle version : inutile de le quitter. S'il ne \
                         redémarre pas, la version actuelle revient automatiquement.",
                    );
                }
                _ => {
                    ui.label(RichText::new("Prêt à installer").strong());
                    ui.label(format!(
                        "Cliquez sur « Installer » pour installer la version {version}. Ensuite, \
                         la base de données sera mise à jour (« Mise à jour de la base de \
                         données »), après une sauvegarde vérifiée."
                    ));
                }
            }
        });
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            if page < 2 {
                if ui.button("Suivant").clicked() {
                    self.step = Step::Assistant(page + 1);
                }
            } else if ui.button("Installer").clicked() {
                ctx.push(Command::InstallUpdate(version.clone()));
                self.step = Step::Install;
            }
            if ui.button("Annuler").clicked() {
                self.step = Step::List;
                ctx.push(Command::DismissUpdate);
            }
        });
    }

    fn install_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        widgets::section_ui(ui, "Installation");
        if let Some((step, running)) = ctx.updates().running.clone() {
            ui.label("L'installation est en cours. Merci de patienter jusqu'à la fin.");
            self.running_ui(ui, ctx, step, &running);
            return;
        }
        match ctx.updates().result.clone() {
            Some(UpdateResult::Installed(done)) => {
                ui.horizontal_wrapped(|ui| widgets::done_ui(ui, "L'installation est terminée."));
                ui.label(messages::installed_text(&done));
                ui.label(
                    RichText::new(
                        "Le centre de maintenance redémarre sur la nouvelle version pour la mise \
                         à jour de la base de données…",
                    )
                    .italics(),
                );
            }
            Some(UpdateResult::Failed(_, e)) => {
                Self::failed_ui(ui, &e);
                if ui.button("Retour à la liste").clicked() {
                    self.step = Step::List;
                    ctx.push(Command::DismissUpdate);
                }
            }
            _ => {}
        }
    }

    /// « Mise à jour de la base de données », when the store needs it, and its end.
    fn database_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        let running_database = matches!(ctx.updates().running, Some((UpdateStep::Database, _)));
        let result = ctx.updates().result.clone();
        let ended = matches!(
            result,
            Some(UpdateResult::DatabaseUpdated(_) | UpdateResult::Failed(UpdateStep::Database, _))
        );
        let status = self.local.latest().map(|l| l.database.clone());
        let needs = matches!(&status, Some(Ok(s)) if s.needs_update());
        if !(needs || running_database || ended) {
            return;
        }
        widgets::section_ui(ui, "Mise à jour de la base de données");
        if let Some((UpdateStep::Database, running)) = ctx.updates().running.clone() {
            ui.label("La base de données est en cours de mise à jour. Merci de patienter.");
            self.running_ui(ui, ctx, UpdateStep::Database, &running);
            return;
        }
        match result {
            Some(UpdateResult::DatabaseUpdated(done)) => {
                ui.horizontal_wrapped(|ui| {
                    widgets::done_ui(ui, "La mise à jour de la base de données est terminée.");
                });
                for line in messages::database_updated_text(&done).lines() {
                    ui.label(ctx.shown(line).into_owned());
                }
                if let Some((_, files)) = &done.report {
                    let file = files.desktop.clone().unwrap_or_else(|| files.kept.clone());
                    ui.horizontal(|ui| {
                        if ui.button("Ouvrir le rapport").clicked() {
                            ctx.push(Command::OpenFile(file.clone()));
                        }
                        widgets::outcome_ui(ui, ctx.outcome(Action::OpenFile), "Ouverture…");
                    });
                }
                if ui.button("OK").clicked() {
                    ctx.push(Command::DismissUpdate);
                    self.read_local(ui.ctx(), ctx);
                }
            }
            Some(UpdateResult::Failed(UpdateStep::Database, e)) => {
                Self::failed_ui(ui, &e);
                if ui.button("Réessayer").clicked() {
                    ctx.push(Command::UpdateDatabase);
                }
            }
            _ => {
                if let Some(Ok(s)) = &status {
                    ui.label(ctx.shown(&format!(
                        "La base de données « {} » est en version de base {} ; cette version du \
                         programme utilise la version de base {}. Une sauvegarde vérifiée est \
                         faite avant la mise à jour.",
                        s.path.display(),
                        s.found,
                        s.supported
                    )).into_owned());
                }
                ui.label(messages::CLOSE_EVERY_WORKSTATION_FOR_DATABASE);
                if ui
                    .add_enabled(
                        ctx.updates().running.is_none(),
                        egui::Button::new("Mise à jour de la base de données"),
                    )
                    .clicked()
                {
                    ctx.push(Command::UpdateDatabase);
                }
            }
        }
    }

    /// What the last installation became, when it is this version's or was
    /// undone.
    fn record_ui(&self, ui: &mut egui::Ui) {
        let Some(record) = self.local.latest().and_then(|l| l.record.clone()) else {
            return;
        };
        match record.state {
            InstallState::Confirmed if record.to_version == program_version() => {
                ui.horizontal_wrapped(|ui| {
                    widgets::done_ui(
                        ui,
                        &format!(
                            "La version {} est installée (la version {} est conservée).",
                            record.to_version, record.from_version
                        ),
                    );
                });
            }
            InstallState::RolledBack { .. } if record.from_version == program_version() => {
                ui.horizontal_wrapped(|ui| {
                    widgets::mark_ui(ui, widgets::Mark::Warning);
                    ui.label(format!(
                        "La version {} n'a pas démarré : la version {} a été remise en place.",
                        record.to_version, record.from_version
                    ));
                });
            }
            _ => {}
        }
    }
}

/// "2 min 05 s", "12 s".
fn time_left(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    if s >= 60 {
        format!("{} min {:02} s", s / 60, s % 60)
    } else {
        format!("{s} s")
    }
}

impl Screen for MisesAJour {
    fn id(&self) -> ScreenId {
        ScreenId::MisesAJour
    }

    fn title(&self) -> &'static str {
        messages::UPDATES_TITLE
    }

    fn nav_group(&self) -> NavGroup {
        NavGroup::Maintain
    }

    /// A store that needs its update does not open: this screen is where it
    /// gets it.
    fn works_without_store(&self) -> bool {
        true
    }

    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        Screen::poll(self, ctx);
        widgets::title_ui(ui, messages::UPDATES_TITLE);
        if widgets::entered(&mut self.last_pass, ui) {
            self.read_local(ui.ctx(), ctx);
            if ctx.updates().accepted.is_none() && !ctx.is_pending(Action::RefreshUpdates) {
                ctx.push(Command::RefreshUpdates);
            }
        }
        // The store is opened again after a database update: read its state.
        if matches!(ctx.updates().result, Some(UpdateResult::DatabaseUpdated(_)))
            && self
                .local
                .latest()
                .is_some_and(|l| matches!(&l.database, Ok(s) if s.needs_update()))
            && !self.local.is_pending()
        {
            self.read_local(ui.ctx(), ctx);
        }
        egui::ScrollArea::vertical()
            .auto_shrink(false)
            .show(ui, |ui| {
                self.record_ui(ui);
                match self.step {
                    Step::List => {
                        Self::refresh_ui(ui, ctx);
                        ui.add_space(6.0);
                        self.list_ui(ui, ctx);
                        self.database_ui(ui, ctx);
                    }
                    Step::Download => self.download_ui(ui, ctx),
                    Step::Warning => self.warning_ui(ui, ctx),
                    Step::Assistant(page) => self.assistant_ui(ui, ctx, page),
                    Step::Install => self.install_ui(ui, ctx),
                }
            });
    }

    fn poll(&mut self, _ctx: &mut AppCtx) {
        self.local.poll();
        self.sessions.poll();
    }

    fn is_busy(&self) -> bool {
        self.local.is_pending() || self.sessions.is_pending()
    }
}
