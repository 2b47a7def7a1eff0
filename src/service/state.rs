//! The resident service's state machine, in plain Rust: from what is known of the
//! installation (authentication result, assistance mode, store and backup
//! problems) to what the tray shows — the icon, the one-line status and which menu
//! entries can be used. The worst state wins.
//!
//! Everything here is facts: the status line and the menu's lines are
//! [`TrayLine`]s and the entries [`MenuAction`]s, which `messages` says in French
//! for the tray, the notifications and the centre.

use serde::{Deserialize, Serialize};

use crate::backup::run::LateScript;
use crate::store::StoreFault;

/// What the last authentication said (PROTOCOL.md, authentication server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ConnectionState {
    /// No authentication has been made yet.
    Unknown,
    /// Case 1: connected to the production server.
    Connected,
    /// Case 2: no answer, or an unexpected one.
    Unreachable {
        /// When the next automatic try is due (RFC 3339), if one is planned.
        next_retry: Option<String>,
    },
    /// Case 3: authorisation refused.
    AuthRefused {
        /// The server's message.
        message: String,
    },
    /// Case 3: licence withdrawn; consultation only.
    LicenceRefused {
        /// The server's message.
        message: String,
    },
    /// The same licence on two workstations.
    LicenceDuplicate {
        /// The server's message.
        message: String,
    },
}

impl ConnectionState {
    /// The key `status --json` prints.
    pub fn key(&self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Connected => "connected",
            Self::Unreachable { .. } => "unreachable",
            Self::AuthRefused { .. } => "auth_refused",
            Self::LicenceRefused { .. } => "licence_refused",
            Self::LicenceDuplicate { .. } => "licence_duplicate",
        }
    }
}

/// Everything the tray's look depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceInputs {
    /// Last authentication result.
    pub connection: ConnectionState,
    /// Assistance mode on.
    pub assistance: bool,
    /// The active store cannot be used, and why.
    pub store_problem: Option<StoreAlarm>,
    /// What needs attention in the backups.
    pub backup_warnings: Vec<BackupAlarm>,
}

/// Why the active store cannot be used, as the tray says it in a few words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreAlarm {
    /// `config.toml` cannot be read, so which store is active is not known.
    ConfigUnreadable,
    /// The active store does not open.
    DoesNotOpen {
        /// Why.
        fault: StoreFault,
    },
}

/// What needs attention in the backups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackupAlarm {
    /// A script's backups fall behind.
    Late(LateScript),
    /// The scripts file cannot be read.
    ScriptsUnreadable,
}

/// Which capabilities this build has; entries of the others are greyed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Connection settings screen and authentication.
    pub connection: bool,
    /// Updates.
    pub updates: bool,
    /// Support requests and assistance mode.
    pub support: bool,
}

impl Capabilities {
    /// The capabilities of this build.
    pub const CURRENT: Self = Self {
        connection: true,
        updates: true,
        support: true,
    };
}

/// The three icons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayIconKind {
    /// Blue ball: connected.
    Ball,
    /// Blue ball with a red heart: failing or not yet verified.
    BallHeart,
    /// Red beetle: assistance mode.
    Beetle,
}

/// What a menu entry does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MenuAction {
    /// Paramètres de connexion…
    ConnectionSettings,
    /// Relancer l'authentification auprès du serveur
    RetryAuthentication,
    /// Configurer les chemins de l'application…
    ConfigurePaths,
    /// Ouvrir le centre de maintenance…
    OpenCentre,
    /// Mettre à jour Impact Emploi maintenant…
    UpdateNow,
    /// Explorer le répertoire de l'application…
    ExploreFolder,
    /// Demande d'assistance à distance…
    RemoteAssistance,
    /// Activer le mode assistance…
    EnableAssistance,
    /// Désactiver le mode assistance…
    DisableAssistance,
    /// Changer de base de données…
    ChangeDatabase,
    /// À propos du Tiers de confiance…
    About,
    /// Quitter le gestionnaire de services
    Quit,
    /// "Gestion des licences par poste": the status line of a duplicate
    /// licence opens it.
    ManageLicences,
}

impl MenuAction {
    /// A stable identifier, used as the tray menu item id.
    pub fn id(self) -> &'static str {
        match self {
            Self::ConnectionSettings => "connexion",
            Self::RetryAuthentication => "relancer-authentification",
            Self::ConfigurePaths => "chemins",
            Self::OpenCentre => "centre",
            Self::UpdateNow => "mise-a-jour",
            Self::ExploreFolder => "explorer",
            Self::RemoteAssistance => "assistance-distance",
            Self::EnableAssistance => "activer-assistance",
            Self::DisableAssistance => "desactiver-assistance",
            Self::ChangeDatabase => "changer-base",
            Self::About => "a-propos",
            Self::Quit => "quitter",
            Self::ManageLicences => "gestion-licences",
        }
    }

    /// Every action, for looking an id up.
    pub const ALL: [Self; 13] = [
        Self::ConnectionSettings,
        Self::RetryAuthentication,
        Self::ConfigurePaths,
        Self::OpenCentre,
        Self::UpdateNow,
        Self::ExploreFolder,
        Self::RemoteAssistance,
        Self::EnableAssistance,
        Self::DisableAssistance,
        Self::ChangeDatabase,
        Self::About,
        Self::Quit,
        Self::ManageLicences,
    ];

    /// The action whose [`id`](Self::id) is `id`.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.id() == id)
    }
}

/// A submenu of the tray menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Submenu {
    /// "Demande de support technique" (seed 001).
    Support,
}

/// A line of the tray's state: the status line and the disabled lines at the top
/// of the menu, from the worst to the mildest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayLine {
    /// Assistance mode: no call to the production server.
    Assistance,
    /// The active store cannot be used.
    StoreUnusable(StoreAlarm),
    /// No authentication was made yet.
    ConnectionUnverified,
    /// The server did not answer, or not as expected.
    ConnectionFailed {
        /// When the next automatic try is due (RFC 3339), if one is planned.
        next_retry: Option<String>,
    },
    /// The authentication server refused.
    AuthRefused,
    /// The licence was withdrawn: consultation only.
    LicenceRefused,
    /// The same licence on two workstations.
    LicenceDuplicate,
    /// Something needs attention in the backups.
    Backup(BackupAlarm),
    /// All is well.
    Connected,
}

impl TrayLine {
    /// What a click on the line does, when it does something: the status line
    /// of a duplicate licence opens the licence manager, where the fix is.
    pub fn opens(&self) -> Option<MenuAction> {
        match self {
            Self::LicenceDuplicate => Some(MenuAction::ManageLicences),
            _ => None,
        }
    }
}

/// One line of the tray menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuEntry {
    /// A disabled line of text (the status, warnings).
    Info(TrayLine),
    /// A separator.
    Separator,
    /// An action, enabled or greyed.
    Action {
        /// What it does.
        action: MenuAction,
        /// Whether it can be used now.
        enabled: bool,
    },
    /// A submenu.
    Submenu {
        /// Which.
        submenu: Submenu,
        /// Its entries.
        entries: Vec<MenuEntry>,
    },
}

/// What the tray shows for a set of inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayView {
    /// The icon.
    pub icon: TrayIconKind,
    /// The status (the worst problem, or that all is well).
    pub status: TrayLine,
    /// The menu, top to bottom.
    pub menu: Vec<MenuEntry>,
}

/// Computes the tray's look. Pure: same inputs, same view.
pub fn tray_view(inputs: &ServiceInputs, caps: Capabilities) -> TrayView {
    let icon = if inputs.assistance {
        TrayIconKind::Beetle
    } else if inputs.connection == ConnectionState::Connected && inputs.store_problem.is_none() {
        TrayIconKind::Ball
    } else {
        TrayIconKind::BallHeart
    };

    // Lines from worst to mildest; the first is the status line.
    let mut lines: Vec<TrayLine> = Vec::new();
    if inputs.assistance {
        lines.push(TrayLine::Assistance);
    }
    if let Some(problem) = &inputs.store_problem {
        lines.push(TrayLine::StoreUnusable(problem.clone()));
    }
    if !inputs.assistance {
        let line = match &inputs.connection {
            ConnectionState::Connected => None,
            ConnectionState::Unknown => Some(TrayLine::ConnectionUnverified),
            ConnectionState::Unreachable { next_retry } => Some(TrayLine::ConnectionFailed {
                next_retry: next_retry.clone(),
            }),
            ConnectionState::AuthRefused { .. } => Some(TrayLine::AuthRefused),
            ConnectionState::LicenceRefused { .. } => Some(TrayLine::LicenceRefused),
            ConnectionState::LicenceDuplicate { .. } => Some(TrayLine::LicenceDuplicate),
        };
        lines.extend(line);
    }
    lines.extend(inputs.backup_warnings.iter().cloned().map(TrayLine::Backup));
    let status = lines.first().cloned().unwrap_or(TrayLine::Connected);
    if lines.is_empty() {
        lines.push(TrayLine::Connected);
    }

    let act = |action: MenuAction, enabled: bool| MenuEntry::Action { action, enabled };
    let mut menu: Vec<MenuEntry> = lines.into_iter().map(MenuEntry::Info).collect();
    menu.push(MenuEntry::Separator);
    menu.extend([
        act(MenuAction::ConnectionSettings, caps.connection),
        act(
            MenuAction::RetryAuthentication,
            caps.connection && !inputs.assistance,
        ),
        act(MenuAction::ConfigurePaths, true),
        act(MenuAction::OpenCentre, true),
        act(MenuAction::UpdateNow, caps.updates),
        act(MenuAction::ExploreFolder, true),
        MenuEntry::Submenu {
            submenu: Submenu::Support,
            entries: vec![
                act(MenuAction::RemoteAssistance, caps.support),
                if inputs.assistance {
                    act(MenuAction::DisableAssistance, caps.support)
                } else {
                    act(MenuAction::EnableAssistance, caps.support)
                },
                act(MenuAction::ChangeDatabase, true),
            ],
        },
        act(MenuAction::About, true),
        MenuEntry::Separator,
        act(MenuAction::Quit, true),
    ]);
    TrayView { icon, status, menu }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::tray_line;

    /// A script that never had a good backup.
    fn late() -> BackupAlarm {
        BackupAlarm::Late(LateScript {
            script: "Quotidienne".into(),
            staleness: crate::backup::schedule::Staleness {
                last_good_at: None,
                overdue_since: chrono::Utc::now(),
            },
        })
    }

    fn file_not_found() -> StoreAlarm {
        StoreAlarm::DoesNotOpen {
            fault: crate::store::StoreError::FileNotFound {
                path: "/srv/paie/base.iea".into(),
            }
            .fault(),
        }
    }

    fn inputs(connection: ConnectionState) -> ServiceInputs {
        ServiceInputs {
            connection,
            assistance: false,
            store_problem: None,
            backup_warnings: Vec::new(),
        }
    }

    const ALL_CAPS: Capabilities = Capabilities {
        connection: true,
        updates: true,
        support: true,
    };

    fn actions(menu: &[MenuEntry]) -> Vec<(MenuAction, bool)> {
        let mut out = Vec::new();
        for e in menu {
            match e {
                MenuEntry::Action { action, enabled } => out.push((*action, *enabled)),
                MenuEntry::Submenu { entries, .. } => out.extend(actions(entries)),
                _ => {}
            }
        }
        out
    }

    #[test]
    fn connected_gives_the_blue_ball() {
        let v = tray_view(&inputs(ConnectionState::Connected), ALL_CAPS);
        assert_eq!(v.icon, TrayIconKind::Ball);
        assert_eq!(tray_line(&v.status), "Connecté au serveur Impact emploi");
        assert_eq!(v.menu[0], MenuEntry::Info(v.status.clone()));
    }

    #[test]
    fn every_failure_gives_the_heart_with_its_own_line() {
        let cases = [
            ConnectionState::Unknown,
            ConnectionState::Unreachable { next_retry: None },
            ConnectionState::AuthRefused {
                message: "x".into(),
            },
            ConnectionState::LicenceRefused {
                message: "x".into(),
            },
            ConnectionState::LicenceDuplicate {
                message: "x".into(),
            },
        ];
        let mut seen = std::collections::HashSet::new();
        for c in cases {
            let v = tray_view(&inputs(c), ALL_CAPS);
            assert_eq!(v.icon, TrayIconKind::BallHeart);
            assert!(
                seen.insert(tray_line(&v.status)),
                "status lines must differ"
            );
        }
    }

    #[test]
    fn assistance_wins_over_everything() {
        let mut i = inputs(ConnectionState::AuthRefused {
            message: "x".into(),
        });
        i.assistance = true;
        i.store_problem = Some(file_not_found());
        i.backup_warnings.push(late());
        let v = tray_view(&i, ALL_CAPS);
        assert_eq!(v.icon, TrayIconKind::Beetle);
        assert!(tray_line(&v.status).starts_with("Mode assistance"));
        let acts = actions(&v.menu);
        assert!(acts.contains(&(MenuAction::DisableAssistance, true)));
        assert!(!acts.iter().any(|(a, _)| *a == MenuAction::EnableAssistance));
        // No call to the authentication server in assistance mode.
        assert!(acts.contains(&(MenuAction::RetryAuthentication, false)));
    }

    #[test]
    fn store_problem_beats_a_good_connection_and_backup_warnings() {
        let mut i = inputs(ConnectionState::Connected);
        i.backup_warnings.push(late());
        assert_eq!(tray_view(&i, ALL_CAPS).icon, TrayIconKind::Ball);
        assert_eq!(
            tray_line(&tray_view(&i, ALL_CAPS).status),
            "Sauvegarde « Quotidienne » en retard : aucune sauvegarde réussie"
        );
        i.store_problem = Some(file_not_found());
        let v = tray_view(&i, ALL_CAPS);
        assert_eq!(v.icon, TrayIconKind::BallHeart);
        assert!(tray_line(&v.status).starts_with("Base de données inaccessible"));
    }

    #[test]
    fn menu_order_follows_the_original() {
        let v = tray_view(&inputs(ConnectionState::Connected), ALL_CAPS);
        let order: Vec<MenuAction> = actions(&v.menu).into_iter().map(|(a, _)| a).collect();
        assert_eq!(
            order,
            vec![
                MenuAction::ConnectionSettings,
                MenuAction::RetryAuthentication,
                MenuAction::ConfigurePaths,
                MenuAction::OpenCentre,
                MenuAction::UpdateNow,
                MenuAction::ExploreFolder,
                MenuAction::RemoteAssistance,
                MenuAction::EnableAssistance,
                MenuAction::ChangeDatabase,
                MenuAction::About,
                MenuAction::Quit,
            ]
        );
    }

    #[test]
    fn every_capability_is_built_and_every_entry_works() {
        let v = tray_view(&inputs(ConnectionState::Unknown), Capabilities::CURRENT);
        for (action, enabled) in actions(&v.menu) {
            assert!(enabled, "{action:?}");
        }
        assert!(actions(&v.menu).contains(&(MenuAction::UpdateNow, true)));
    }

    #[test]
    fn the_status_line_of_a_duplicate_licence_opens_the_licence_manager() {
        let v = tray_view(
            &inputs(ConnectionState::LicenceDuplicate {
                message: "x".into(),
            }),
            ALL_CAPS,
        );
        assert_eq!(v.status.opens(), Some(MenuAction::ManageLicences));
        assert_eq!(v.menu[0], MenuEntry::Info(TrayLine::LicenceDuplicate));
        let v = tray_view(&inputs(ConnectionState::Connected), ALL_CAPS);
        assert_eq!(v.status.opens(), None);
    }

    #[test]
    fn ids_round_trip() {
        for a in MenuAction::ALL {
            assert_eq!(MenuAction::from_id(a.id()), Some(a));
        }
    }
}
