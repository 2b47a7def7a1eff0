//! `iea-maintenance`: the service manager and maintenance centre of Impact emploi
//! association, a payroll program for small French non-profit associations.
//!
//! One binary runs as the resident service (tray icon, scheduler) or as the
//! maintenance centre window. Both work on the same embedded SQLite payroll store
//! and the same `config.toml` under `IEA_HOME`. Everything outside [`ui`] and
//! [`tray`] is free of GUI crates: the command line ([`cli`]), the service and
//! the window call the same domain functions.

pub mod accounts;
pub mod assistance;
pub mod autostart;
pub mod backup;
pub mod cli;
pub mod closing;
pub mod config;
pub mod connection;
pub mod demo;
pub mod diagnostics;
pub mod fsutil;
pub mod home;
pub mod identifiers;
pub mod installation;
pub mod instance;
pub mod jobs;
pub mod licences;
pub mod logging;
pub mod messages;
pub mod queries;
pub mod secrets;
pub mod service;
pub mod status;
pub mod store;
pub mod support;
pub mod transfer;
pub mod tray;
pub mod ui;
pub mod updates;
