//! What a screen of the centre is: its name on the command line ([`ScreenId`]),
//! the [`Screen`] trait every screen implements — its title, its entry and group
//! in the navigation panel, whether it works without a store or without a valid
//! `config.toml`, and how it draws — and the entries of the navigation panel
//! ([`Entry`]): the screens of this version, and the original product's screens
//! it does not have yet, greyed. The list itself is `screens::registry`.

use std::sync::OnceLock;

use eframe::egui;

use super::AppCtx;

/// The screens of the centre, in the order of the navigation panel. The
/// command line (`centre --screen NAME`) and the service name them by their
/// [`slug`](Self::slug).
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
    /// "Extractions de données": the predefined queries and their exports.
    Extractions,
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
    pub const ALL: [Self; 16] = [
        Self::Accueil,
        Self::ComptesUtilisateurs,
        Self::Licences,
        Self::Sauvegardes,
        Self::Restauration,
        Self::MisesAJour,
        Self::Transfert,
        Self::Cloture,
        Self::Extractions,
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
            Self::Extractions => "extractions",
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

    /// What the registry says of the screen.
    fn info(self) -> ScreenInfo {
        infos()
            .iter()
            .copied()
            .find(|i| i.id == self)
            // The registry lists every screen (a test checks it); should one be
            // forgotten, it shows as not built rather than stop the program.
            .unwrap_or(ScreenInfo {
                id: self,
                title: self.slug(),
                nav_label: self.slug(),
                group: NavGroup::Home,
                built: false,
                works_without_store: false,
                works_without_config: false,
            })
    }

    /// The screen's full French title.
    pub fn title(self) -> &'static str {
        self.info().title
    }

    /// The words of the screen's entry in the navigation panel.
    pub fn nav_label(self) -> &'static str {
        self.info().nav_label
    }

    /// Whether this version has the screen; the others are greyed in the navigation.
    pub fn is_built(self) -> bool {
        self.info().built
    }

    /// Whether the screen stays reachable when the store cannot be opened (the
    /// others give way to "Base de données inaccessible").
    pub fn works_without_store(self) -> bool {
        self.info().works_without_store
    }

    /// Whether the screen stays reachable when `config.toml` is invalid (the
    /// others give way to "Configuration incorrecte").
    pub fn works_without_config(self) -> bool {
        self.info().works_without_config
    }
}

/// The groups of the navigation panel, as the original product shows them:
/// some under a heading ("Administrer", "Maintenir"…), the others set apart
/// by a little space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NavGroup {
    /// "Accueil", at the top.
    Home,
    /// "Administrer".
    Administer,
    /// "Maintenir".
    Maintain,
    /// The year-end closing.
    Closing,
    /// The payroll data: "Extractions de données".
    Data,
    /// The settings of this workstation and its journal.
    Settings,
    /// "Demande de support technique".
    Support,
    /// "À propos", at the bottom.
    About,
}

impl NavGroup {
    /// The heading above the group's entries, if it has one.
    pub fn heading(self) -> Option<&'static str> {
        match self {
            Self::Administer => Some("Administrer"),
            Self::Maintain => Some("Maintenir"),
            Self::Support => Some(crate::messages::SUPPORT_SUBMENU),
            Self::Home | Self::Closing | Self::Data | Self::Settings | Self::About => None,
        }
    }
}

/// A screen of the centre: a struct in `src/ui/screens/<name>.rs` keeping its
/// own form and request state while the user moves between screens, listed
/// once in `screens::registry`. It draws itself and pushes
/// [`Command`](super::Command)s for the shell to apply; it never changes the
/// shared state itself, and never waits on the disk or the network while it
/// draws (that is background work: a [`Task`](super::task::Task)).
pub trait Screen: std::fmt::Debug {
    /// Which screen this is (its name on the command line).
    fn id(&self) -> ScreenId;

    /// The screen's full French title.
    fn title(&self) -> &'static str;

    /// The words of its entry in the navigation panel.
    fn nav_label(&self) -> &'static str {
        self.title()
    }

    /// The group of its entry in the navigation panel.
    fn nav_group(&self) -> NavGroup;

    /// Whether it stays reachable when the store cannot be opened; the others
    /// give way to "Base de données inaccessible".
    fn works_without_store(&self) -> bool {
        false
    }

    /// Whether it stays reachable when `config.toml` is invalid (it does not
    /// read it); the others give way to "Configuration incorrecte".
    fn works_without_config(&self) -> bool {
        false
    }

    /// Draws the screen and pushes its commands into `ctx`.
    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx);

    /// Takes the answers of the screen's background work that arrived. The
    /// shell calls it every frame, whether the screen is shown or not.
    fn poll(&mut self, _ctx: &mut AppCtx) {}

    /// Whether the screen waits for background work (tests wait until none
    /// does). A dialog waiting for the user does not count.
    fn is_busy(&self) -> bool {
        false
    }
}

/// A screen of the original product that this version does not have yet: its
/// entry is shown greyed, and no screen stands behind it.
#[derive(Debug, Clone, Copy)]
pub struct Planned {
    /// Which screen.
    pub id: ScreenId,
    /// Its title, which is also its entry's words.
    pub title: &'static str,
    /// Its group in the navigation panel.
    pub group: NavGroup,
}

/// An entry of the navigation panel.
#[derive(Debug)]
pub enum Entry {
    /// A screen of this version.
    Built(Box<dyn Screen>),
    /// A screen this version does not have yet.
    Planned(Planned),
}

impl Entry {
    /// An entry for a screen of this version.
    pub fn built(screen: impl Screen + 'static) -> Self {
        Self::Built(Box::new(screen))
    }

    /// An entry for a screen this version does not have yet.
    pub fn planned(id: ScreenId, title: &'static str, group: NavGroup) -> Self {
        Self::Planned(Planned { id, title, group })
    }

    /// What the entry says of its screen.
    pub fn info(&self) -> ScreenInfo {
        match self {
            Self::Built(s) => ScreenInfo {
                id: s.id(),
                title: s.title(),
                nav_label: s.nav_label(),
                group: s.nav_group(),
                built: true,
                works_without_store: s.works_without_store(),
                works_without_config: s.works_without_config(),
            },
            Self::Planned(p) => ScreenInfo {
                id: p.id,
                title: p.title,
                nav_label: p.title,
                group: p.group,
                built: false,
                works_without_store: false,
                works_without_config: false,
            },
        }
    }
}

/// What the navigation and the command line know of a screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScreenInfo {
    /// Which screen.
    pub id: ScreenId,
    /// Its full French title.
    pub title: &'static str,
    /// The words of its entry in the navigation panel.
    pub nav_label: &'static str,
    /// The group of its entry.
    pub group: NavGroup,
    /// Whether this version has it.
    pub built: bool,
    /// Whether it works when the store cannot be opened.
    pub works_without_store: bool,
    /// Whether it works when `config.toml` is invalid.
    pub works_without_config: bool,
}

/// What the registry says of every screen, read once.
fn infos() -> &'static [ScreenInfo] {
    static INFOS: OnceLock<Vec<ScreenInfo>> = OnceLock::new();
    INFOS.get_or_init(|| super::screens::registry().iter().map(Entry::info).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_lists_every_screen_once_in_the_order_of_the_navigation() {
        let ids: Vec<ScreenId> = super::super::screens::registry()
            .iter()
            .map(|e| e.info().id)
            .collect();
        assert_eq!(ids, ScreenId::ALL);
    }

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
    fn built_screens_are_the_sixteen_of_this_version() {
        let built: Vec<_> = ScreenId::ALL.into_iter().filter(|s| s.is_built()).collect();
        assert_eq!(
            built,
            [
                ScreenId::Accueil,
                ScreenId::ComptesUtilisateurs,
                ScreenId::Licences,
                ScreenId::Sauvegardes,
                ScreenId::Restauration,
                ScreenId::MisesAJour,
                ScreenId::Transfert,
                ScreenId::Cloture,
                ScreenId::Extractions,
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
    fn what_works_without_a_store_or_a_configuration_is_unchanged() {
        let without_store: Vec<_> = ScreenId::ALL
            .into_iter()
            .filter(|s| s.works_without_store())
            .collect();
        assert_eq!(
            without_store,
            [
                ScreenId::Licences,
                ScreenId::Sauvegardes,
                ScreenId::Restauration,
                ScreenId::MisesAJour,
                ScreenId::Connexion,
                ScreenId::Chemins,
                ScreenId::Base,
                ScreenId::Journal,
                ScreenId::Support,
                ScreenId::Assistance,
                ScreenId::APropos
            ]
        );
        let without_config: Vec<_> = ScreenId::ALL
            .into_iter()
            .filter(|s| s.works_without_config())
            .collect();
        assert_eq!(
            without_config,
            [
                ScreenId::Journal,
                ScreenId::Support,
                ScreenId::Assistance,
                ScreenId::APropos
            ]
        );
        assert_eq!(ScreenId::Chemins.nav_label(), "Configurer les chemins");
        assert_eq!(ScreenId::APropos.nav_label(), "À propos");
        assert_eq!(ScreenId::Licences.title(), "Gestionnaire de licences");
        assert_eq!(
            ScreenId::ComptesUtilisateurs.title(),
            "Comptes utilisateurs / Droits d'accès"
        );
        assert_eq!(
            ScreenId::ComptesUtilisateurs.nav_label(),
            "Comptes utilisateurs"
        );
    }
}
