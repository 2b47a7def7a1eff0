//! The maintenance centre ("Centre de maintenance"): an egui window whose left
//! panel lists the screens of the original product, grouped as its users know them
//! ("Administrer", "Maintenir"…), with a status bar at the bottom.
//!
//! The shell ([`CentreApp`], `app.rs`) owns the runtime state ([`AppCtx`],
//! `ctx.rs`: configuration, open store, service state) and applies once per frame
//! the [`Command`]s that screens push (`command.rs`, applied in `apply.rs`);
//! screens never change that state themselves. The screens are listed once, in
//! `screens/mod.rs`, behind the [`Screen`] trait (`screen.rs`). Nothing here
//! waits on a disk or a network while the window draws: that work runs as a
//! `Task` (`task.rs`) on a named thread — the shell's own in `background.rs` —
//! and shows its state next to the control that started it; in debug builds the
//! file helpers fail when the UI thread calls them. This is the only module,
//! with `tray`, that knows about egui.

pub mod screens;

mod admin;
mod app;
mod apply;
mod background;
mod command;
mod ctx;
mod screen;
mod task;
mod widgets;

use std::sync::mpsc::{self, Receiver};

use eframe::egui;

pub use admin::{
    AdminAction, AdminCommand, AdminState, CredentialAnswer, ResetAnswer, TestAllAnswer,
};
pub use app::CentreApp;
pub use command::{Action, Command, PasswordChange, Secret};
pub use ctx::{
    AppCtx, BackupResult, ClosingResult, Outcome, RunningJob, StoreState, UpdateResult, UpdateStep,
    UpdatesState,
};
pub use screen::{Entry, NavGroup, Planned, Screen, ScreenId, ScreenInfo};
pub use task::JobProgress;

use crate::home::Home;

/// The window's title (with an en dash, like the original product).
pub const WINDOW_TITLE: &str = "Impact emploi – Centre de maintenance";

/// How the centre starts.
#[derive(Debug)]
pub struct CentreOptions {
    /// The installation.
    pub home: Home,
    /// The screen shown first (Accueil when this version does not have it).
    pub screen: ScreenId,
    /// Screens asked by later starts (`centre --screen X` while the centre is
    /// open); each brings the window forward.
    pub requests: Option<Receiver<ScreenId>>,
}

/// The application icon, decoded from the PNG built into the binary.
fn window_icon() -> Option<egui::IconData> {
    const ICON_PNG: &[u8] = include_bytes!("../../assets/icons/application-256.png");
    match image::load_from_memory_with_format(ICON_PNG, image::ImageFormat::Png) {
        Ok(img) => {
            let rgba = img.to_rgba8();
            let (width, height) = rgba.dimensions();
            Some(egui::IconData {
                rgba: rgba.into_raw(),
                width,
                height,
            })
        }
        Err(e) => {
            tracing::warn!(error = %e, "icône de la fenêtre illisible");
            None
        }
    }
}

/// Forwards the screens asked by later starts to the window, waking it up for
/// each one, so the window needs no polling to notice them.
fn forward_requests(requests: Receiver<ScreenId>, egui_ctx: egui::Context) -> Receiver<ScreenId> {
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("centre-premier-plan".into())
        .spawn(move || {
            for screen in requests {
                if tx.send(screen).is_err() {
                    break;
                }
                egui_ctx.request_repaint();
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "les demandes d'affichage ne seront pas suivies");
    }
    rx
}

/// Opens the maintenance centre window and runs it until it is closed.
pub fn run_centre(opts: CentreOptions) -> Result<(), eframe::Error> {
    let mut viewport = egui::ViewportBuilder::default()
        .with_title(WINDOW_TITLE)
        .with_app_id("iea-maintenance-centre")
        .with_inner_size([1000.0, 700.0])
        .with_min_inner_size([760.0, 520.0]);
    if let Some(icon) = window_icon() {
        viewport = viewport.with_icon(std::sync::Arc::new(icon));
    }
    let options = eframe::NativeOptions {
        viewport,
        ..Default::default()
    };
    let CentreOptions {
        home,
        screen,
        requests,
    } = opts;
    eframe::run_native(
        WINDOW_TITLE,
        options,
        Box::new(move |cc| {
            // Follow the desktop's light or dark theme; light when it says neither,
            // like the office programs payroll managers work with.
            cc.egui_ctx
                .options_mut(|o| o.fallback_theme = egui::Theme::Light);
            let mut app = CentreApp::new(home, screen);
            app.follow_program();
            if let Some(requests) = requests {
                app.set_requests(forward_requests(requests, cc.egui_ctx.clone()));
            }
            Ok(Box::new(app))
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_screen_the_service_opens_exists() {
        // The service names screens without linking the centre: each name must
        // still open one, and one that is built.
        for slug in crate::service::screens::ALL {
            let screen = ScreenId::from_slug(slug);
            assert!(screen.is_some_and(ScreenId::is_built), "{slug}");
        }
    }

    #[test]
    fn the_icon_decodes() {
        let icon = window_icon().expect("icon");
        assert_eq!((icon.width, icon.height), (256, 256));
    }
}
