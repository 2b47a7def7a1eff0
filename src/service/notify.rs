//! Desktop notifications of the service: one per change of state that needs the
//! user; a click opens the centre on the screen that helps. Where no notification
//! server runs (a bare session), the tray's status line still says it all.

use crate::service::actions;
use crate::service::auth_loop::helping_screen;
use crate::service::persist::PersistedState;
use crate::service::screens;
use crate::service::state::{Capabilities, ServiceInputs, tray_view};

/// Shows the notification for `state` on a small thread (waiting for the click).
pub fn state_changed(state: &PersistedState) {
    let inputs = ServiceInputs {
        connection: state.connection.clone(),
        assistance: state.assistance,
        store_problem: None,
        backup_warnings: Vec::new(),
    };
    let line = tray_view(&inputs, Capabilities::CURRENT).status_line;
    let screen = helping_screen(state);
    let body =
        format!("{line}\nCliquez ici pour ouvrir le centre de maintenance et voir que faire.");
    let _ = std::thread::Builder::new()
        .name("notification".into())
        .spawn(move || {
            let shown = notify_rust::Notification::new()
                .appname("Impact emploi")
                .summary("Impact emploi – connexion au serveur")
                .body(&body)
                .action("default", "Ouvrir le centre de maintenance")
                .timeout(notify_rust::Timeout::Never)
                .show();
            match shown {
                Ok(handle) => handle.wait_for_action(|action| {
                    if action == "default" {
                        let _ = actions::spawn_centre(screen);
                    }
                }),
                Err(e) => tracing::info!(error = %e, "notification non affichée"),
            }
        });
}

/// Shows that a script's backups fall behind; a click opens the backup module.
pub fn backup_late(line: &str) {
    let body = format!(
        "{line}\nCliquez ici pour ouvrir le module de sauvegardes du centre de maintenance."
    );
    let _ = std::thread::Builder::new()
        .name("notification".into())
        .spawn(move || {
            let shown = notify_rust::Notification::new()
                .appname("Impact emploi")
                .summary("Impact emploi – sauvegardes en retard")
                .body(&body)
                .action("default", "Ouvrir le module de sauvegardes")
                .timeout(notify_rust::Timeout::Never)
                .show();
            match shown {
                Ok(handle) => handle.wait_for_action(|action| {
                    if action == "default" {
                        let _ = actions::spawn_centre(screens::SAUVEGARDES);
                    }
                }),
                Err(e) => tracing::info!(error = %e, "notification non affichée"),
            }
        });
}
