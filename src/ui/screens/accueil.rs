//! "Accueil": the active store at a glance — its file, size and schema version,
//! its dossiers with their employers, employees, payslips and first and last pay
//! periods — and the connection state: when the server cannot be reached or
//! refuses the licence, what to do (the practical guide's cases 2 and 3), with
//! "Relancer l'authentification auprès du serveur" and a way to the connection
//! settings; in assistance mode, the red beetle and a way to "Mode assistance";
//! the last good backup of the scripts, and in red the scripts whose backups
//! fall behind, with a way to "Sauvegarder / Restaurer".
//! Every number is read from the store by
//! [`Store::summary`], on a worker thread (a store of a million payslips takes a
//! while); the previous figures stay on screen while they are read again.

use std::path::PathBuf;

use eframe::egui::{self, RichText};

use crate::backup::run;
use crate::fsutil;
use crate::messages;
use crate::service::state::{ConnectionState, TrayIconKind};
use crate::store::{Store, StoreError, StoreSummary};
use crate::ui::screen::{NavGroup, Screen, ScreenId};
use crate::ui::screens::sauvegardes;
use crate::ui::task::{Task, TaskState};
use crate::ui::widgets;
use crate::ui::{Action, AppCtx, Command, StoreState};

/// The Accueil screen.
#[derive(Debug, Default)]
pub struct Accueil {
    summary: Task<Result<StoreSummary, StoreError>>,
    /// The store generation the last read was started for.
    read_for: Option<u64>,
    /// The pass the screen was last drawn in.
    last_pass: Option<u64>,
}

impl Accueil {
    fn start_reading(&mut self, egui_ctx: &egui::Context, path: PathBuf) {
        start_reading(&mut self.summary, egui_ctx, path);
    }

    fn content_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx, path: Option<&PathBuf>) {
        widgets::section_ui(ui, "Base de données active");
        let summary = self.summary.latest().and_then(|r| r.as_ref().ok()).cloned();
        let summary = summary.as_ref();
        egui::Grid::new("accueil-base")
            .num_columns(2)
            .spacing([24.0, 6.0])
            .show(ui, |ui| {
                ui.label("Fichier");
                ui.label(path.map_or_else(String::new, |p| ctx.path_text(p)));
                ui.end_row();
                if let Some(s) = summary {
                    ui.label("Taille");
                    ui.label(fsutil::human_size(s.size_bytes));
                    ui.end_row();
                    ui.label("Version du schéma");
                    ui.label(s.schema_version.to_string());
                    ui.end_row();
                    ui.label("Comptes utilisateurs");
                    ui.label(widgets::count(s.users));
                    ui.end_row();
                    ui.label("Postes de travail connus");
                    ui.label(widgets::count(s.workstations));
                    ui.end_row();
                }
            });

        ui.add_space(6.0);
        refresh_ui(ui, &mut self.summary, path);

        widgets::section_ui(ui, "Sauvegardes");
        backups_ui(ui, ctx);

        widgets::section_ui(ui, "Connexion au serveur");
        connection_ui(ui, ctx);

        widgets::section_ui(ui, "Dossiers");
        match summary {
            None if self.summary.is_pending() => {
                ui.horizontal(|ui| widgets::pending_ui(ui, "Comptage des dossiers…"));
            }
            None => {}
            Some(s) if s.dossiers.is_empty() => {
                ui.label("Cette base ne contient aucun dossier.");
            }
            Some(s) => dossiers_ui(ui, s),
        }
    }
}

impl Screen for Accueil {
    fn id(&self) -> ScreenId {
        ScreenId::Accueil
    }

    fn title(&self) -> &'static str {
        "Accueil"
    }

    fn nav_group(&self) -> NavGroup {
        NavGroup::Home
    }

    /// Draws the screen.
    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        self.summary.poll();
        widgets::title_ui(ui, "Accueil");

        let path = ctx.store_path().map(std::path::Path::to_path_buf);
        if matches!(ctx.store, StoreState::Opening | StoreState::Retrying(_)) {
            ui.horizontal(|ui| widgets::pending_ui(ui, "Ouverture de la base de données…"));
            return;
        }
        let entered = widgets::entered(&mut self.last_pass, ui);
        if let Some(path) = &path
            && (entered || self.read_for != Some(ctx.store_generation()))
            && !self.summary.is_pending()
        {
            self.read_for = Some(ctx.store_generation());
            // Figures of another store must not stay on screen.
            if self
                .summary
                .latest()
                .and_then(|r| r.as_ref().ok())
                .is_some_and(|s| &s.path != path)
            {
                self.summary.clear();
            }
            self.start_reading(ui.ctx(), path.clone());
        }

        egui::ScrollArea::both()
            .auto_shrink(false)
            .show(ui, |ui| self.content_ui(ui, ctx, path.as_ref()));
    }

    /// Takes the result of the screen's background work if it is done (the shell
    /// calls this every frame, shown or not).
    fn poll(&mut self, _ctx: &mut AppCtx) {
        self.summary.poll();
    }

    /// Whether the summary is being read.
    fn is_busy(&self) -> bool {
        self.summary.is_pending()
    }
}

/// The connection state with its icon; what to do when it fails; the ways to
/// try again, to the settings and to assistance mode.
fn connection_ui(ui: &mut egui::Ui, ctx: &mut AppCtx) {
    let assistance = ctx.persisted.assistance;
    let connected = ctx.persisted.connection == ConnectionState::Connected;
    ui.horizontal(|ui| {
        widgets::state_icon_ui(
            ui,
            if assistance {
                TrayIconKind::Beetle
            } else if connected {
                TrayIconKind::Ball
            } else {
                TrayIconKind::BallHeart
            },
        );
        ui.label(ctx.connection_line());
    });
    if assistance {
        ui.label(
            "Votre installation est déconnectée du serveur de production car vous êtes en mode              assistance. Désactivez-le avant d'effectuer la procédure de connexion au serveur.",
        );
        if ui.link("Mode assistance").clicked() {
            ctx.push(Command::Navigate(ScreenId::Assistance));
        }
        return;
    }
    if connected {
        return;
    }
    // A state never checked needs no alarm: the buttons below are enough.
    let unknown = ctx.persisted.connection == ConnectionState::Unknown;
    if let Some(e) = messages::connection_state_explanation(
        &ctx.persisted.connection,
        ctx.support_address(),
        crate::updates::program_version(),
    )
    .filter(|_| !unknown)
    {
        ui.add_space(4.0);
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_max_width(720.0);
            widgets::explanation_ui(ui, &e);
            ui.add_space(4.0);
            if ui.link("Mode assistance").clicked() {
                ctx.push(Command::Navigate(ScreenId::Assistance));
            }
        });
    }
    ui.add_space(4.0);
    ui.horizontal_wrapped(|ui| {
        let retry = ui.add_enabled(
            !ctx.is_pending(Action::Authenticate),
            egui::Button::new("Relancer l'authentification auprès du serveur"),
        );
        if retry.clicked() {
            ctx.push(Command::RetryAuthentication);
        }
        if ui
            .add(egui::Button::new("Paramètres de connexion…"))
            .clicked()
        {
            ctx.push(Command::Navigate(ScreenId::Connexion));
        }
    });
    if ctx.outcome(Action::Authenticate).is_some() {
        ui.horizontal_wrapped(|ui| {
            widgets::outcome_ui(
                ui,
                ctx.outcome(Action::Authenticate),
                "Authentification en cours…",
            );
        });
    }
}

/// "Dernière sauvegarde": the most recent good backup among the scripts, and
/// the scripts whose backups fall behind, in red.
fn backups_ui(ui: &mut egui::Ui, ctx: &mut AppCtx) {
    let now = ctx.now();
    let (line, stale) = match ctx.scripts() {
        Err(e) => (Err(messages::book_error(e).what), Vec::new()),
        Ok(book) if book.entries.is_empty() => {
            (Err("Aucun script de sauvegarde".to_owned()), Vec::new())
        }
        Ok(book) => {
            let last = book
                .entries
                .iter()
                .filter_map(|e| e.state.last_good_at.map(|at| (at, &e.script.name)))
                .max_by_key(|(at, _)| *at);
            let line = match last {
                Some((at, name)) => Ok(messages::last_backup_line(
                    name,
                    &at.with_timezone(&chrono::Local),
                )),
                None => Err("Aucune sauvegarde réussie".to_owned()),
            };
            let late = run::late_scripts(book, &now);
            let stale = late
                .iter()
                .map(|l| messages::staleness_line(&l.script, &l.staleness))
                .collect::<Vec<_>>();
            (line, stale)
        }
    };
    ui.horizontal_wrapped(|ui| {
        ui.label("Dernière sauvegarde :");
        match &line {
            Ok(text) => {
                widgets::mark_ui(ui, widgets::Mark::Ok);
                ui.label(text.as_str());
            }
            Err(text) => {
                widgets::mark_ui(ui, widgets::Mark::Warning);
                ui.label(RichText::new(text.as_str()).color(widgets::warn_color(ui)));
            }
        }
    });
    for warning in &stale {
        ui.label(
            RichText::new(warning.as_str())
                .strong()
                .color(widgets::error_color(ui)),
        );
    }
    ui.horizontal_wrapped(|ui| {
        if line.is_err() || !stale.is_empty() {
            ui.label("Pour planifier ou lancer une sauvegarde :");
        }
        sauvegardes::link_to_module_ui(ui, ctx);
    });
}

/// Reads the summary of the store at `path` on a worker thread.
fn start_reading(
    summary: &mut Task<Result<StoreSummary, StoreError>>,
    egui_ctx: &egui::Context,
    path: PathBuf,
) {
    summary.start(egui_ctx, "centre-accueil-resume", move || {
        Store::open_read_only(&path)?.summary()
    });
}

/// "Actualiser" and the state of the reading next to it.
fn refresh_ui(
    ui: &mut egui::Ui,
    summary: &mut Task<Result<StoreSummary, StoreError>>,
    path: Option<&PathBuf>,
) {
    ui.horizontal_wrapped(|ui| {
        let refresh = ui.add_enabled(
            !summary.is_pending() && path.is_some(),
            egui::Button::new("Actualiser"),
        );
        if refresh.clicked()
            && let Some(path) = path
        {
            start_reading(summary, ui.ctx(), path.clone());
        }
        match (summary.state(), summary.failure(), summary.latest()) {
            (TaskState::Pending, _, _) => widgets::pending_ui(ui, "Lecture de la base…"),
            (TaskState::Failed, Some(failure), _) => widgets::failed_ui(
                ui,
                &format!(
                    "La lecture de la base s'est arrêtée ({}).",
                    failure.reason()
                ),
            ),
            (TaskState::Done, _, Some(Err(e))) => {
                widgets::failed_ui(ui, &messages::store_error(e).what);
            }
            _ => {}
        }
    });
}

/// The table of dossiers with a total line.
fn dossiers_ui(ui: &mut egui::Ui, s: &StoreSummary) {
    let none = "–";
    egui::Grid::new("accueil-dossiers")
        .num_columns(8)
        .striped(true)
        .spacing([18.0, 6.0])
        .show(ui, |ui| {
            for header in [
                "Dossier",
                "État",
                "Archivé",
                "Employeurs\nactifs / total",
                "Salariés",
                "Bulletins",
                "Première\npériode",
                "Dernière\npériode",
            ] {
                ui.label(RichText::new(header).strong());
            }
            ui.end_row();
            for d in &s.dossiers {
                ui.label(d.name.as_str());
                ui.label(messages::dossier_state_label(d.state));
                ui.label(if d.archived { "Oui" } else { "Non" });
                ui.label(format!(
                    "{} / {}",
                    widgets::count(d.active_employers),
                    widgets::count(d.employers)
                ));
                ui.label(widgets::count(d.employees));
                ui.label(widgets::count(d.payslips));
                ui.label(
                    d.first_period
                        .as_deref()
                        .map_or_else(|| none.to_owned(), widgets::period),
                );
                ui.label(
                    d.last_period
                        .as_deref()
                        .map_or_else(|| none.to_owned(), widgets::period),
                );
                ui.end_row();
            }
            let active: u64 = s.dossiers.iter().map(|d| d.active_employers).sum();
            let total = match s.dossiers.len() {
                1 => "Total (1 dossier)".to_owned(),
                n => format!("Total ({} dossiers)", widgets::count(n as u64)),
            };
            ui.label(RichText::new(total).strong());
            ui.label("");
            ui.label("");
            ui.label(
                RichText::new(format!(
                    "{} / {}",
                    widgets::count(active),
                    widgets::count(s.employers)
                ))
                .strong(),
            );
            ui.label(RichText::new(widgets::count(s.employees)).strong());
            ui.label(RichText::new(widgets::count(s.payslips)).strong());
            let first = s
                .dossiers
                .iter()
                .filter_map(|d| d.first_period.as_deref())
                .min();
            let last = s
                .dossiers
                .iter()
                .filter_map(|d| d.last_period.as_deref())
                .max();
            ui.label(first.map_or_else(|| none.to_owned(), widgets::period));
            ui.label(last.map_or_else(|| none.to_owned(), widgets::period));
            ui.end_row();
        });
}
