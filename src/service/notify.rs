//! Desktop notifications of the service: one per change of state that needs the
//! user; a click opens the centre on the screen that helps. Where no notification
//! server runs (a bare session), the tray's status line still says it all.

use crate::backup::run::LateScript;
use crate::messages::{self, Notification};
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
    let status = tray_view(&inputs, Capabilities::CURRENT).status;
    show(messages::state_notification(&status), helping_screen(state));
}

/// Shows that a new version is available (once per version); a click opens
/// "Gérer les mises à jour". Nothing is installed without a person's click.
pub fn new_version(release: &crate::updates::manifest::Release) {
    show(
        messages::new_version_notification(release),
        screens::MISES_A_JOUR,
    );
}

/// Shows that a script's backups fall behind; a click opens the backup module.
pub fn backup_late(late: &LateScript) {
    show(messages::late_notification(late), screens::SAUVEGARDES);
}

/// Shows that this `IEA_HOME` comes from another computer; a click opens the
/// licence manager, where this workstation takes its own id.
pub fn copied_installation() {
    show(messages::copied_notification(), screens::LICENCES);
}

/// Shows `words` on a small thread that waits for the click, which opens the
/// centre on `screen`.
fn show(words: Notification, screen: &'static str) {
    let _ = std::thread::Builder::new()
        .name("notification".into())
        .spawn(move || {
            let shown = notify_rust::Notification::new()
                .appname("Impact emploi")
                .summary(words.summary)
                .body(&words.body)
                .action("default", words.action)
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
