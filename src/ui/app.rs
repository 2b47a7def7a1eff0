//! The centre's shell ([`CentreApp`]): each frame it takes the answers of the
//! background work that arrived, draws the navigation panel, the status bar and
//! the screen chosen (or the one that stands in for it when the configuration
//! or the store cannot be used), then applies the commands the screens pushed.
//!
//! The rest of the shell has a file per concern, the way rerun splits its
//! `App`: the shared state in `ctx.rs`, the commands in `command.rs`, applying
//! them in `apply.rs`, the background work in `background.rs`; the screens
//! themselves are listed in `screens/mod.rs`.

use std::path::Path;
use std::sync::mpsc::Receiver;

use chrono::{DateTime, Local};
use eframe::egui;

use super::background::{self, Background};
use super::command::Command;
use super::ctx::{AppCtx, StoreState};
use super::screen::{Entry, Screen, ScreenId};
use super::screens::{self, ConfigErrorScreen, Inaccessible};
use super::widgets::{self, PathDisplay};
use crate::fsutil;
use crate::home::Home;

/// Which screen fills the central panel this frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    /// The configuration is being read for the first time.
    Reading,
    Screen(ScreenId),
    ConfigError,
    Inaccessible,
}

/// The maintenance centre: shell and screens.
#[derive(Debug)]
pub struct CentreApp {
    pub(super) ctx: AppCtx,
    screen: ScreenId,
    /// The entries of the navigation panel, each screen with its own state,
    /// kept while the user moves between them.
    screens: Vec<Entry>,
    config_error: ConfigErrorScreen,
    inaccessible: Inaccessible,
    pub(super) background: Background,
    requests: Option<Receiver<ScreenId>>,
    /// The program's file when the window opened: when an installation
    /// replaces it, the centre starts again on the new program.
    pub(super) program: Option<crate::service::restart::ProgramWatch>,
    started: bool,
    pub(super) quit_requested: bool,
}

impl CentreApp {
    /// The centre of `home`, showing `screen` first (Accueil for a screen this
    /// version does not have). Nothing is read here: the configuration is read
    /// and the store opened from the first frame on, on worker threads.
    pub fn new(home: Home, screen: ScreenId) -> Self {
        Self {
            ctx: AppCtx::new(home),
            screen: if screen.is_built() {
                screen
            } else {
                ScreenId::Accueil
            },
            screens: screens::registry(),
            config_error: ConfigErrorScreen::default(),
            inaccessible: Inaccessible::default(),
            background: Background::default(),
            requests: None,
            program: None,
            started: false,
            quit_requested: false,
        }
    }

    /// Screens asked by later starts of the centre.
    pub fn set_requests(&mut self, requests: Receiver<ScreenId>) {
        self.requests = Some(requests);
    }

    /// Restarts the centre on the program's file when an installation
    /// replaces it (the real window does; tests do not).
    pub fn follow_program(&mut self) {
        self.program = crate::service::restart::ProgramWatch::start();
    }

    /// Starts the centre again on the new program, on the same screen, unless
    /// a job runs (it is asked again at the next refresh).
    pub(super) fn restart_on_new_program(&mut self) {
        let busy = [
            background::Work::Backup,
            background::Work::Closing,
            background::Work::Update,
            background::Work::Action(super::Action::Restore),
        ]
        .into_iter()
        .any(|w| self.background.is_pending(w));
        let Some(program) = self.program.clone().filter(|_| !busy) else {
            return;
        };
        tracing::info!("nouveau programme installé : le centre de maintenance redémarre");
        let e = crate::service::restart::exec(
            program.path(),
            &[
                "centre".to_owned(),
                "--screen".to_owned(),
                self.screen.slug().to_owned(),
            ],
        );
        tracing::error!(error = %e, "le centre n'a pas pu redémarrer sur le nouveau programme");
        self.program = None;
    }

    /// The selected screen (what the navigation panel highlights).
    pub fn screen(&self) -> ScreenId {
        self.screen
    }

    /// The shared state.
    pub fn ctx(&self) -> &AppCtx {
        &self.ctx
    }

    /// Freezes the clock the screens reckon with at `now` (`None`: the real
    /// clock again). Tests and snapshots use it so that the dates shown — next
    /// runs, anomalies, staleness — do not change with the day.
    pub fn set_clock(&mut self, now: Option<DateTime<Local>>) {
        self.ctx.clock = now;
    }

    /// Writes the paths under `actual` as under `shown`, and takes paths typed
    /// under `shown` as under `actual`. The screen tests give each run a folder
    /// of its own and show it as one fixed folder, so that the paths on their
    /// pictures stay the same from run to run.
    pub fn show_paths_as(&mut self, actual: &Path, shown: &Path) {
        self.ctx.paths = PathDisplay::new(actual, shown);
    }

    /// Makes every save dialog answer "`folder`, the file name proposed"
    /// without showing the system's dialog: the screen tests cannot click in
    /// it, and still go through the rest of the flow (the name proposed, the
    /// question before a file is replaced).
    pub fn answer_save_dialogs_in(&mut self, folder: &Path) {
        self.ctx.saved_in = widgets::SavedIn(Some(folder.to_path_buf()));
    }

    /// Puts the reports meant for the desktop in `folder` instead of the
    /// user's desktop (the screen tests give each run a folder of its own).
    pub fn set_desktop(&mut self, folder: &Path) {
        self.ctx.desktop = Some(folder.to_path_buf());
    }

    /// Whether "Quitter" was chosen.
    pub fn quit_requested(&self) -> bool {
        self.quit_requested
    }

    /// Whether any work runs in the background (reading the settings, opening
    /// the store, commands, jobs, screens' requests). Tests wait for this to
    /// become false.
    pub fn is_busy(&self) -> bool {
        !self.started
            || self.background.is_busy()
            || self.inaccessible.is_busy()
            || self.built_screens().any(Screen::is_busy)
    }

    /// Shows `screen` and brings the window forward (a later start asked for it).
    pub fn bring_forward(&mut self, egui_ctx: &egui::Context, screen: ScreenId) {
        self.navigate(screen);
        egui_ctx.send_viewport_cmd(egui::ViewportCommand::Visible(true));
        egui_ctx.send_viewport_cmd(egui::ViewportCommand::Minimized(false));
        egui_ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
    }

    pub(super) fn navigate(&mut self, screen: ScreenId) {
        if screen.is_built() {
            self.screen = screen;
        }
    }

    /// Draws one frame of the whole window into `ui` and applies the commands the
    /// screens pushed.
    pub fn frame_ui(&mut self, ui: &mut egui::Ui) {
        // The window's thread never waits on a disk or a network: in debug
        // builds the file helpers fail when called while the mark is held.
        let _ui_thread = fsutil::mark_ui_thread();
        let egui_ctx = ui.ctx().clone();
        self.ctx.paths.publish(&egui_ctx);
        self.ctx.saved_in.publish(&egui_ctx);
        if !self.started {
            self.started = true;
            self.load(&egui_ctx);
        }
        self.poll_background(&egui_ctx);
        for entry in &mut self.screens {
            if let Entry::Built(screen) = entry {
                screen.poll(&mut self.ctx);
            }
        }
        self.inaccessible.poll();
        self.refresh_when_due(&egui_ctx);

        egui::Panel::bottom("barre-etat").show(ui, |ui| self.status_bar_ui(ui));
        egui::Panel::left("navigation")
            .resizable(false)
            .exact_size(240.0)
            .show(ui, |ui| self.navigation_ui(ui));
        egui::CentralPanel::default().show(ui, |ui| {
            self.notice_ui(ui);
            self.screen_ui(ui);
        });

        self.apply_commands(&egui_ctx);
    }

    fn shown(&self) -> Shown {
        match &self.ctx.config {
            None => Shown::Reading,
            Some(Err(_)) if !self.screen.works_without_config() => Shown::ConfigError,
            Some(_)
                if matches!(
                    self.ctx.store,
                    StoreState::Failed(_) | StoreState::Retrying(_)
                ) && !self.screen.works_without_store() =>
            {
                Shown::Inaccessible
            }
            Some(_) => Shown::Screen(self.screen),
        }
    }

    /// The screens of this version.
    fn built_screens(&self) -> impl Iterator<Item = &dyn Screen> {
        self.screens.iter().filter_map(|e| match e {
            Entry::Built(s) => Some(s.as_ref()),
            Entry::Planned(_) => None,
        })
    }

    fn screen_ui(&mut self, ui: &mut egui::Ui) {
        let shown = self.shown();
        let ctx = &mut self.ctx;
        match shown {
            Shown::Reading => {
                ui.horizontal(|ui| widgets::pending_ui(ui, "Lecture des réglages…"));
            }
            Shown::ConfigError => self.config_error.ui(ui, ctx),
            Shown::Inaccessible => self.inaccessible.ui(ui, ctx),
            Shown::Screen(id) => {
                // The navigation never selects a screen this version does not have.
                let screen = self.screens.iter_mut().find_map(|e| match e {
                    Entry::Built(s) if s.id() == id => Some(s),
                    _ => None,
                });
                if let Some(screen) = screen {
                    screen.ui(ui, ctx);
                }
            }
        }
    }

    fn navigation_ui(&mut self, ui: &mut egui::Ui) {
        ui.add_space(8.0);
        ui.heading("Centre de maintenance");
        ui.add_space(8.0);
        let infos: Vec<_> = self.screens.iter().map(Entry::info).collect();
        // Consecutive entries of one group form a block: under its heading, or
        // set apart by a little space when it has none.
        for block in infos.chunk_by(|a, b| a.group == b.group) {
            let heading = block.first().and_then(|i| i.group.heading());
            if let Some(heading) = heading {
                ui.add_space(6.0);
                ui.label(egui::RichText::new(heading).strong());
            }
            for info in block {
                let indent = if heading.is_some() { 14.0 } else { 0.0 };
                ui.horizontal(|ui| {
                    ui.add_space(indent);
                    let button = egui::Button::selectable(self.screen == info.id, info.nav_label);
                    if ui.add_enabled(info.built, button).clicked() {
                        self.ctx.push(Command::Navigate(info.id));
                    }
                });
            }
            if heading.is_none() && block.len() > 1 {
                ui.add_space(4.0);
            }
        }
        ui.add_space(6.0);
        ui.separator();
        if ui.add(egui::Button::new("Quitter")).clicked() {
            self.ctx.push(Command::Quit);
        }
    }

    fn status_bar_ui(&self, ui: &mut egui::Ui) {
        ui.horizontal_wrapped(|ui| {
            // The connection line says "Mode assistance…" when the mode is on.
            ui.label(self.ctx.connection_line());
            ui.separator();
            let path = self.ctx.store_path().map(|p| self.ctx.path_text(p));
            let store = match (&self.ctx.store, path) {
                (_, None) if !self.ctx.config_read() => "Base : lecture des réglages…".to_owned(),
                (_, None) => "Base : configuration à corriger".to_owned(),
                (_, Some(p)) if self.ctx.running_closing.is_some() => {
                    format!("Base : {p} – clôture d'exercice en cours")
                }
                (StoreState::Failed(crate::store::StoreError::NeedsUpdate { .. }), Some(p)) => {
                    format!("Base à mettre à jour : {p}")
                }
                (StoreState::Failed(_), Some(p)) => format!("Base inaccessible : {p}"),
                (StoreState::Opening | StoreState::Retrying(_), Some(p)) => {
                    format!("Base : {p} – ouverture…")
                }
                (_, Some(p)) => match self.ctx.store_size {
                    Some(size) => format!("Base : {p} ({})", fsutil::human_size(size)),
                    None => format!("Base : {p}"),
                },
            };
            ui.label(store);
        });
    }

    fn notice_ui(&mut self, ui: &mut egui::Ui) {
        let mut close = false;
        if let Some(notice) = &self.ctx.notice {
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    widgets::mark_ui(ui, widgets::Mark::Ok);
                    ui.label(self.ctx.shown(notice));
                    if ui.add(egui::Button::new("Fermer")).clicked() {
                        close = true;
                    }
                });
            });
            ui.add_space(8.0);
        }
        if close {
            self.ctx.notice = None;
        }
    }
}

impl eframe::App for CentreApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        let asked: Vec<ScreenId> = self
            .requests
            .as_ref()
            .map(|rx| rx.try_iter().collect())
            .unwrap_or_default();
        for screen in asked {
            self.bring_forward(ctx, screen);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.frame_ui(ui);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    #[cfg(debug_assertions)]
    use crate::ui::NavGroup;

    /// A screen that reads `config.toml` while it draws: what no screen may do.
    #[derive(Debug)]
    #[cfg(debug_assertions)]
    struct ReadsWhileDrawing;

    #[cfg(debug_assertions)]
    impl Screen for ReadsWhileDrawing {
        fn id(&self) -> ScreenId {
            ScreenId::Accueil
        }

        fn title(&self) -> &'static str {
            "Accueil"
        }

        fn nav_group(&self) -> NavGroup {
            NavGroup::Home
        }

        fn ui(&mut self, _ui: &mut egui::Ui, ctx: &mut AppCtx) {
            let _ = Config::load(&ctx.home);
        }
    }

    /// The centre of a fresh `IEA_HOME` with `screen` as its only screen, its
    /// configuration already known (so that the screen is shown at once).
    #[cfg(debug_assertions)]
    fn centre_with(home: &Home, screen: impl Screen + 'static) -> CentreApp {
        let mut app = CentreApp::new(home.clone(), ScreenId::Accueil);
        app.screens = vec![Entry::built(screen)];
        app.ctx.config = Some(Ok(Config::defaults(home)));
        app.started = true;
        app
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "Config::load called on the UI thread")]
    fn a_screen_that_reads_a_file_while_it_draws_fails_in_debug_builds() {
        let dir = tempfile::tempdir().expect("tempdir");
        let app = centre_with(&Home::at(dir.path()), ReadsWhileDrawing);
        let mut harness =
            egui_kittest::Harness::new_ui_state(|ui, app: &mut CentreApp| app.frame_ui(ui), app);
        harness.step();
    }

    #[test]
    fn the_mark_holds_during_a_frame_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        let mut harness = egui_kittest::Harness::new_ui_state(
            |ui, state: &mut (CentreApp, bool)| {
                state.0.frame_ui(ui);
                // Still inside the test's frame, but after the shell's.
                state.1 = fsutil::is_ui_thread();
            },
            (CentreApp::new(home.clone(), ScreenId::Accueil), true),
        );
        harness.step();
        assert!(!harness.state().1, "the shell lifts its mark at the end");
        assert!(!fsutil::is_ui_thread());
        // And the test thread may read the disk between frames.
        assert!(Config::load(&home).is_ok());
    }
}
