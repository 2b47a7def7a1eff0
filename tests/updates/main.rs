//! Updates end to end, against a loopback HTTPS update peer and with the
//! program's own binaries: the manifest refused for each bad input before any
//! use, downloads resumed or restarted as PROTOCOL.md says and refused when
//! their size or SHA-256 differ, installations (self-check, replacement, the
//! previous binary kept, the way back), the database update with its backup
//! and the OPCO report on the demo store, and SIGKILL at many instants.

#![allow(dead_code)]

#[path = "../support/desktop.rs"]
mod desktop;
#[path = "../support/https.rs"]
mod https;
#[path = "../support/proxy.rs"]
mod proxy;
#[path = "../support/updates.rs"]
mod updates;

mod crash;
mod database;
mod desktop_install;
mod download;
mod install;
mod manifest;
