//! "Démarrer avec la session": starting the resident service at login.
//!
//! On Linux desktops this is an XDG autostart entry,
//! `$XDG_CONFIG_HOME/autostart/iea-maintenance.desktop`. The entry starts the
//! same executable with the same `IEA_HOME` as the one that wrote it.

use std::path::{Path, PathBuf};

use crate::fsutil;
use crate::home::HOME_ENV;

/// Errors of reading or changing the autostart entry.
#[derive(Debug, thiserror::Error)]
pub enum AutostartError {
    /// The user's configuration folder could not be determined.
    #[error("no configuration folder for this user")]
    NoConfigFolder,
    /// The entry could not be written or removed.
    #[error("cannot change {path}: {source}")]
    Io {
        /// The entry's path.
        path: PathBuf,
        /// The system error.
        source: std::io::Error,
    },
}

/// Where the autostart entry lives.
pub fn entry_path() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|d| {
        d.config_dir()
            .join("autostart")
            .join("iea-maintenance.desktop")
    })
}

/// Whether the service starts with the session.
pub fn is_enabled() -> bool {
    fsutil::debug_assert_not_ui_thread("autostart::is_enabled");
    entry_path().is_some_and(|p| p.is_file())
}

/// Makes the service start with the session, running `exe`. Returns the entry's path.
pub fn enable(exe: &Path) -> Result<PathBuf, AutostartError> {
    fsutil::debug_assert_not_ui_thread("autostart::enable");
    let path = entry_path().ok_or(AutostartError::NoConfigFolder)?;
    let io = |source| AutostartError::Io {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(fsutil::parent_dir(&path)).map_err(io)?;
    let home = std::env::var_os(HOME_ENV).filter(|v| !v.is_empty());
    let exec = match home {
        Some(h) => format!(
            "env {HOME_ENV}={} {}",
            quote(&Path::new(&h).to_string_lossy()),
            quote(&exe.to_string_lossy())
        ),
        None => quote(&exe.to_string_lossy()),
    };
    let text = format!(
        "[Desktop Entry]\n\
         Type=Application\n\
         Name=Impact emploi – Gestionnaire de services\n\
         Comment=Icône de connexion et sauvegardes programmées d'Impact emploi\n\
         Exec={exec}\n\
         Terminal=false\n\
         X-GNOME-Autostart-enabled=true\n"
    );
    fsutil::write_atomic(&path, text.as_bytes()).map_err(io)?;
    Ok(path)
}

/// Stops starting the service with the session.
pub fn disable() -> Result<(), AutostartError> {
    fsutil::debug_assert_not_ui_thread("autostart::disable");
    let path = entry_path().ok_or(AutostartError::NoConfigFolder)?;
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(AutostartError::Io { path, source }),
    }
}

/// Quotes an argument of a desktop entry's `Exec` key.
fn quote(s: &str) -> String {
    let escaped = s
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('`', "\\`")
        .replace('$', "\\$");
    format!("\"{escaped}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_arguments_are_quoted() {
        assert_eq!(
            quote("/opt/iea maintenance/bin"),
            "\"/opt/iea maintenance/bin\""
        );
        assert_eq!(quote("a\"b$c"), "\"a\\\"b\\$c\"");
    }
}
