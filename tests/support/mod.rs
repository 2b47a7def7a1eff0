//! Helpers shared by the integration tests: loopback peers written here, servers
//! written elsewhere, throw-away desktops, the update peer.

pub mod desktop;
pub mod external;
pub mod ftp;
pub mod https;
pub mod licence_server;
pub mod net_entreprises;
pub mod proxy;
pub mod smtp;
pub mod tus;
pub mod updates;
