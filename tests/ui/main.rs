//! The maintenance centre's screens, driven through `egui_kittest` as a person
//! would: each module is one screen (or the shell), against real stores in
//! temporary `IEA_HOME`s and real servers on loopback. One test program for all
//! of them, so that the suite links the centre once.

#![allow(dead_code)]

#[path = "../support/external.rs"]
mod external;
#[path = "../support/https.rs"]
mod https;
#[path = "../support/licence_server.rs"]
mod licence_server;
#[path = "../support/net_entreprises.rs"]
mod net_entreprises;
#[path = "../support/smtp.rs"]
mod smtp;
mod support;
#[path = "../support/tus.rs"]
mod tus;
#[path = "../support/updates.rs"]
mod updates;

mod a_propos;
mod accueil;
mod assistance;
mod base;
mod chemins;
mod cloture;
mod comptes;
mod config_error;
mod connexion;
mod extractions;
mod inaccessible;
mod journal;
mod licences;
mod mises_a_jour;
mod navigation;
mod restauration;
mod sauvegardes;
mod support_request;
mod transfert;
