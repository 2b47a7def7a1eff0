//! The screens of the centre, one file each. Every screen is a struct keeping its
//! own form and request state, with `ui(&mut self, ui, ctx)` drawing it and pushing
//! [`Command`](super::Command)s for the shell to apply, and `is_busy()` telling
//! whether it waits for background work.

pub mod a_propos;
pub mod accueil;
pub mod assistance;
pub mod base;
pub mod chemins;
pub mod cloture;
pub mod config_error;
pub mod connexion;
pub mod inaccessible;
pub mod journal;
pub mod restauration;
pub mod sauvegardes;
pub mod support;

pub use a_propos::APropos;
pub use accueil::Accueil;
pub use assistance::AssistanceScreen;
pub use base::BaseScreen;
pub use chemins::Chemins;
pub use cloture::Cloture;
pub use config_error::ConfigErrorScreen;
pub use connexion::Connexion;
pub use inaccessible::Inaccessible;
pub use journal::Journal;
pub use restauration::Restauration;
pub use sauvegardes::Sauvegardes;
pub use support::SupportScreen;
