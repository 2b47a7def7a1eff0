//! Helpers shared by the integration tests: loopback peers, throw-away desktops.

pub mod desktop;
pub mod ftp;
pub mod https;
pub mod proxy;
pub mod smtp;
