//! The maintenance centre ("Centre de maintenance"): an egui window whose left
//! panel lists the screens of the original product, grouped as its users know them
//! ("Administrer", "Maintenir"…), with a status bar at the bottom.
//!
//! The shell ([`CentreApp`]) owns the runtime state ([`AppCtx`]: configuration,
//! open store, service state) and applies once per frame the [`Command`]s that
//! screens push; screens never change that state themselves. Work that takes time
//! (reading a store's summary, probing stores, diagnosing, switching stores) runs on
//! named threads and shows its state next to the control that started it. This is
//! the only module, with `tray`, that knows about egui.

pub mod screens;

mod app;
mod task;
mod widgets;

use std::sync::mpsc::{self, Receiver};

use eframe::egui;

pub use app::{
    Action, AppCtx, BackupResult, CentreApp, Command, Outcome, PasswordChange, RunningJob, Secret,
    StoreState,
};
pub use task::JobProgress;

use crate::home::Home;

/// The window's title (with an en dash, like the original product).
pub const WINDOW_TITLE: &str = "Impact emploi – Centre de maintenance";

/// The screens of the centre, in the order of the navigation panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScreenId {
    /// "Accueil": the active store at a glance.
    Accueil,
    /// "Paramètres de connexion".
    Connexion,
    /// "Administrer" › "Comptes utilisateurs".
    ComptesUtilisateurs,
    /// "Administrer" › "Gestionnaire de licences".
    Licences,
    /// "Maintenir" › "Sauvegarder / Restaurer": the "Module de sauvegardes".
    Sauvegardes,
    /// "Maintenir" › "Restaurer une sauvegarde".
    Restauration,
    /// "Maintenir" › "Gérer les mises à jour".
    MisesAJour,
    /// "Maintenir" › "Transfert database vers Urssaf".
    Transfert,
    /// "Clôturer un exercice".
    Cloture,
    /// "Configurer les chemins de l'application".
    Chemins,
    /// "Changer de base de données".
    Base,
    /// "Journal": the recent log lines.
    Journal,
    /// "À propos du Tiers de confiance".
    APropos,
    /// "Demande de support technique" › "Mode assistance": turn assistance mode on
    /// or off with the code of the day.
    Assistance,
    /// "Demande de support technique" › "Demande d'assistance à distance": write
    /// to support with the diagnostic report attached.
    Support,
}

impl ScreenId {
    /// Every screen, in the order of the navigation panel.
    pub const ALL: [Self; 15] = [
        Self::Accueil,
        Self::ComptesUtilisateurs,
        Self::Licences,
        Self::Sauvegardes,
        Self::Restauration,
        Self::MisesAJour,
        Self::Transfert,
        Self::Cloture,
        Self::Connexion,
        Self::Chemins,
        Self::Base,
        Self::Journal,
        Self::Support,
        Self::Assistance,
        Self::APropos,
    ];

    /// The name used on the command line (`centre --screen NAME`).
    pub fn slug(self) -> &'static str {
        match self {
            Self::Accueil => "accueil",
            Self::Connexion => "connexion",
            Self::ComptesUtilisateurs => "comptes",
            Self::Licences => "licences",
            Self::Sauvegardes => "sauvegardes",
            Self::Restauration => "restaurer",
            Self::MisesAJour => "mises-a-jour",
            Self::Transfert => "transfert",
            Self::Cloture => "cloture",
            Self::Chemins => "chemins",
            Self::Base => "base",
            Self::Journal => "journal",
            Self::APropos => "a-propos",
            Self::Assistance => "assistance",
            Self::Support => "support",
        }
    }

    /// The screen whose [`slug`](Self::slug) is `slug`.
    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.slug() == slug.trim())
    }

    /// The screen's full French title.
    pub fn title(self) -> &'static str {
        match self {
            Self::Accueil => "Accueil",
            Self::Connexion => "Paramètres de connexion",
            Self::ComptesUtilisateurs => "Comptes utilisateurs",
            Self::Licences => "Gestionnaire de licences",
            Self::Sauvegardes => "Sauvegarder / Restaurer",
            Self::Restauration => "Restaurer une sauvegarde",
            Self::MisesAJour => "Gérer les mises à jour",
            Self::Transfert => "Transfert database vers Urssaf",
            Self::Cloture => "Clôturer un exercice",
            Self::Chemins => "Configurer les chemins de l'application",
            Self::Base => "Changer de base de données",
            Self::Journal => "Journal",
            Self::APropos => "À propos du Tiers de confiance",
            Self::Assistance => "Mode assistance",
            Self::Support => "Demande d'assistance à distance",
        }
    }

    /// The words of the screen's entry in the navigation panel.
    pub fn nav_label(self) -> &'static str {
        match self {
            Self::Chemins => "Configurer les chemins",
            Self::APropos => "À propos",
            other => other.title(),
        }
    }

    /// Whether this version has the screen; the others are greyed in the navigation.
    pub fn is_built(self) -> bool {
        matches!(
            self,
            Self::Accueil
                | Self::Sauvegardes
                | Self::Restauration
                | Self::Cloture
                | Self::Connexion
                | Self::Chemins
                | Self::Base
                | Self::Journal
                | Self::Support
                | Self::Assistance
                | Self::APropos
        )
    }

    /// Whether the screen stays reachable when the store cannot be opened (the
    /// others give way to "Base de données inaccessible"). Connection settings,
    /// assistance mode and support requests are what a user needs precisely when
    /// nothing else works; so is restoring a backup (a damaged store is the first
    /// reason to restore one), and the backup scripts can be set up before the
    /// store is there.
    pub fn works_without_store(self) -> bool {
        matches!(
            self,
            Self::Sauvegardes
                | Self::Restauration
                | Self::Connexion
                | Self::Chemins
                | Self::Base
                | Self::Journal
                | Self::Support
                | Self::Assistance
                | Self::APropos
        )
    }

    /// Whether the screen stays reachable when `config.toml` is invalid (the
    /// others give way to "Configuration incorrecte"): those that do not read it.
    pub fn works_without_config(self) -> bool {
        matches!(
            self,
            Self::Journal | Self::Support | Self::Assistance | Self::APropos
        )
    }
}

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
    fn slugs_round_trip_and_titles_are_distinct() {
        let mut titles = std::collections::HashSet::new();
        for s in ScreenId::ALL {
            assert_eq!(ScreenId::from_slug(s.slug()), Some(s));
            assert!(titles.insert(s.title()));
        }
        assert_eq!(ScreenId::from_slug("inconnu"), None);
    }

    #[test]
    fn built_screens_are_the_eleven_of_this_version() {
        let built: Vec<_> = ScreenId::ALL.into_iter().filter(|s| s.is_built()).collect();
        assert_eq!(
            built,
            [
                ScreenId::Accueil,
                ScreenId::Sauvegardes,
                ScreenId::Restauration,
                ScreenId::Cloture,
                ScreenId::Connexion,
                ScreenId::Chemins,
                ScreenId::Base,
                ScreenId::Journal,
                ScreenId::Support,
                ScreenId::Assistance,
                ScreenId::APropos
            ]
        );
        for s in [
            ScreenId::Connexion,
            ScreenId::Support,
            ScreenId::Assistance,
            ScreenId::Restauration,
        ] {
            assert!(s.works_without_store(), "{s:?}");
        }
    }

    #[test]
    fn the_icon_decodes() {
        let icon = window_icon().expect("icon");
        assert_eq!((icon.width, icon.height), (256, 256));
    }
}
