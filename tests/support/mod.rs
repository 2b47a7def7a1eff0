//! Helpers shared by the integration tests: loopback peers written here, servers
//! written elsewhere, throw-away desktops, the update peer.

pub mod desktop;
pub mod external;
pub mod ftp;
pub mod https;
pub mod proxy;
pub mod smtp;
pub mod updates;
