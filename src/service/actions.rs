//! What the tray's menu entries do, free of any GUI crate: start the centre on
//! the right screen as a child process, open the application folder in the file
//! manager. The tray glue only maps clicks to these.

use std::path::Path;
use std::process::{Command, Stdio};

use super::screens;
use super::state::MenuAction;
use crate::home::Home;

/// What the tray must do after an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Nothing more.
    Done,
    /// Leave the service.
    Quit,
    /// Authenticate now (the service's authentication loop does it).
    RetryAuthentication,
}

/// Errors of performing a menu action.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// A program could not be started.
    #[error("cannot start {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// The system error.
        source: std::io::Error,
    },
    /// The entry's capability is not in this version.
    #[error("{0:?} is not available in this version")]
    Unavailable(MenuAction),
}

/// The centre screen an entry opens, by its `--screen` name.
pub fn centre_screen(action: MenuAction) -> Option<&'static str> {
    match action {
        MenuAction::OpenCentre => Some(screens::ACCUEIL),
        MenuAction::ConnectionSettings => Some(screens::CONNEXION),
        MenuAction::ConfigurePaths => Some(screens::CHEMINS),
        MenuAction::RemoteAssistance => Some(screens::SUPPORT),
        MenuAction::EnableAssistance | MenuAction::DisableAssistance => Some(screens::ASSISTANCE),
        MenuAction::ChangeDatabase => Some(screens::BASE),
        MenuAction::About => Some(screens::A_PROPOS),
        MenuAction::ManageLicences => Some(screens::LICENCES),
        MenuAction::UpdateNow => Some(screens::MISES_A_JOUR),
        _ => None,
    }
}

/// Performs a menu action.
pub fn perform(home: &Home, action: MenuAction) -> Result<Effect, ActionError> {
    if let Some(screen) = centre_screen(action) {
        spawn_centre(screen)?;
        return Ok(Effect::Done);
    }
    match action {
        MenuAction::ExploreFolder => {
            open_folder(home.root()).map_err(|source| ActionError::Spawn {
                program: "file manager".into(),
                source,
            })?;
            Ok(Effect::Done)
        }
        MenuAction::Quit => Ok(Effect::Quit),
        MenuAction::RetryAuthentication => Ok(Effect::RetryAuthentication),
        other => Err(ActionError::Unavailable(other)),
    }
}

/// Starts `iea-maintenance centre --screen SCREEN` as a child process. When a
/// centre is already open, the child hands it the screen and exits at once.
pub fn spawn_centre(screen: &str) -> Result<(), ActionError> {
    let exe = std::env::current_exe().map_err(|source| ActionError::Spawn {
        program: "iea-maintenance".into(),
        source,
    })?;
    // The service runs with GTK's OpenGL off (see `service::GL_OFF`); the centre
    // draws with its own renderer and keeps the desktop's setting.
    spawn_detached(
        Command::new(exe)
            .args(["centre", "--screen", screen])
            .env_remove(super::GL_OFF.0),
    )
}

/// Opens `folder` in the desktop's file manager (the service's menu and the
/// centre's buttons both use it).
pub fn open_folder(folder: &Path) -> std::io::Result<()> {
    crate::fsutil::debug_assert_not_ui_thread("actions::open_folder");
    if !folder.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("dossier introuvable : {}", folder.display()),
        ));
    }
    let program = if cfg!(target_os = "windows") {
        "explorer"
    } else if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    spawn_reaped(Command::new(program).arg(folder))
}

/// Starts a child and reaps it on a small thread, so no zombie is left.
fn spawn_detached(cmd: &mut Command) -> Result<(), ActionError> {
    spawn_reaped(cmd).map_err(|source| ActionError::Spawn {
        program: cmd.get_program().to_string_lossy().into_owned(),
        source,
    })
}

fn spawn_reaped(cmd: &mut Command) -> std::io::Result<()> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let mut child = cmd.stdin(Stdio::null()).spawn()?;
    tracing::info!(program, pid = child.id(), "programme lancé");
    let _ = std::thread::Builder::new()
        .name("reap-child".into())
        .spawn(move || {
            let _ = child.wait();
        });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_open_the_right_screens() {
        assert_eq!(centre_screen(MenuAction::OpenCentre), Some("accueil"));
        assert_eq!(centre_screen(MenuAction::ConfigurePaths), Some("chemins"));
        assert_eq!(centre_screen(MenuAction::ChangeDatabase), Some("base"));
        assert_eq!(centre_screen(MenuAction::About), Some("a-propos"));
        assert_eq!(
            centre_screen(MenuAction::ConnectionSettings),
            Some("connexion")
        );
        assert_eq!(centre_screen(MenuAction::RemoteAssistance), Some("support"));
        assert_eq!(
            centre_screen(MenuAction::EnableAssistance),
            Some("assistance")
        );
        assert_eq!(
            centre_screen(MenuAction::DisableAssistance),
            Some("assistance")
        );
        assert_eq!(centre_screen(MenuAction::Quit), None);
    }

    #[test]
    fn quit_quits_and_update_now_opens_the_updates_screen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        assert_eq!(
            perform(&home, MenuAction::Quit).expect("quit"),
            Effect::Quit
        );
        assert_eq!(centre_screen(MenuAction::UpdateNow), Some("mises-a-jour"));
    }
}
