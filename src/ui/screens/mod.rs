//! The screens of the centre, one file each, and [`registry`]: the one list of
//! the navigation panel. Every screen is a struct keeping its own form and
//! request state, implementing [`Screen`](super::Screen): it draws itself and pushes
//! [`Command`](super::Command)s for the shell to apply.
//!
//! A new screen is a file here implementing [`Screen`](super::Screen), and one entry in
//! [`registry`] (its [`ScreenId`] names it on the command line).
//! "Configuration incorrecte" and "Base de données inaccessible" are not in the
//! list: the shell shows them in place of the screens that cannot work.

pub mod a_propos;
pub mod accueil;
pub mod assistance;
pub mod base;
pub mod chemins;
pub mod cloture;
pub mod comptes;
pub mod config_error;
pub mod connexion;
pub mod extractions;
pub mod inaccessible;
pub mod journal;
pub mod licences;
pub mod mises_a_jour;
pub mod restauration;
pub mod sauvegardes;
pub mod support;
pub mod transfert;

pub use a_propos::APropos;
pub use accueil::Accueil;
pub use assistance::AssistanceScreen;
pub use base::BaseScreen;
pub use chemins::Chemins;
pub use cloture::Cloture;
pub use comptes::Comptes;
pub use config_error::ConfigErrorScreen;
pub use connexion::Connexion;
pub use extractions::Extractions;
pub use inaccessible::Inaccessible;
pub use journal::Journal;
pub use licences::Licences;
pub use mises_a_jour::MisesAJour;
pub use restauration::Restauration;
pub use sauvegardes::Sauvegardes;
pub use support::SupportScreen;
pub use transfert::Transfert;

use super::screen::Entry;

/// Every entry of the navigation panel, in its order: the screens of this
/// version, and — greyed, with nothing behind them — the screens of the
/// original product it does not have yet.
pub fn registry() -> Vec<Entry> {
    vec![
        Entry::built(Accueil::default()),
        Entry::built(Comptes::default()),
        Entry::built(Licences::default()),
        Entry::built(Sauvegardes::default()),
        Entry::built(Restauration::default()),
        Entry::built(MisesAJour::default()),
        Entry::built(Transfert::default()),
        Entry::built(Cloture::default()),
        Entry::built(Extractions::default()),
        Entry::built(Connexion::default()),
        Entry::built(Chemins::default()),
        Entry::built(BaseScreen::default()),
        Entry::built(Journal::default()),
        Entry::built(SupportScreen::default()),
        Entry::built(AssistanceScreen::default()),
        Entry::built(APropos::default()),
    ]
}
