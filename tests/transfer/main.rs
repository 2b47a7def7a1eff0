//! « Transfert database vers Urssaf » end to end, against the official tus
//! server (@tus/server, Node) as the secure space and the loopback HTTPS peer
//! as the authentication server (its transfer calls), on installations with
//! demo stores: the prerequisites on spoiled stores, uploads whole and resumed
//! after a cut, a store changed after its compression, SIGKILL during « C » and
//! during « T », the proxy fallback through tinyproxy, the report through
//! aiosmtpd, and the command line.

#[path = "../support/mod.rs"]
#[allow(dead_code)]
mod support;

#[path = "../support/install.rs"]
#[allow(dead_code, private_interfaces)]
mod install;

mod cli;
mod crash;
mod domain;
mod prerequisites;
mod proxy;
mod report;

use std::collections::BTreeSet;
use std::path::PathBuf;

use iea_maintenance::backup::Destination;
use iea_maintenance::backup::RunOutcome;
use iea_maintenance::backup::run::{self, Trigger};
use iea_maintenance::config::{Config, ConnectionMode};
use iea_maintenance::installation::Installation;
use iea_maintenance::jobs::{Cancel, NoProgress};
use iea_maintenance::transfer::{Acknowledged, TransferRequest};

use install::Install;
use support::https::{Reply, TestCa, TestCert, TestServer, loopback_cert};
use support::tus::TusServer;

/// The licence key of the test installations (sent as `X-Licence-Key`).
pub const LICENCE: &str = "LIC-TRANSFERT-0001";

/// The recipients the server gives.
pub const RECIPIENTS: [&str; 2] = [
    "reprise@urssaf.test",
    "impact-emploi-association@urssaf.test",
];

/// The subject the server gives.
pub const SUBJECT: &str = "Service Impact Emploi Association – Reprise de données";

/// An installation with a demo store, its backup made, the authentication
/// server peer saying « GO », and the official tus server behind it.
pub(crate) struct World {
    /// The installation.
    pub(crate) install: Install,
    /// The authority of the test certificates (trusted by the installation).
    pub ca: TestCa,
    /// The certificate of both servers.
    pub cert: TestCert,
    /// The secure space.
    pub tus: TusServer,
    /// The authentication server's transfer calls.
    pub auth: TestServer,
}

impl World {
    /// A world whose store is a demo of `payslips` payslips.
    pub fn new(payslips: u64) -> Self {
        Self::with_tus(payslips, None)
    }

    /// As [`new`](Self::new); the secure space lets only `allow_from` in.
    pub fn with_tus(payslips: u64, allow_from: Option<&str>) -> Self {
        let install = Install::new(payslips);
        let ca = TestCa::new("Autorite de test transfert");
        let cert = loopback_cert(&ca);
        let tus = TusServer::start(install.dir.path(), &cert, allow_from);
        let auth = TestServer::https(&cert);
        let world = Self {
            install,
            ca,
            cert,
            tus,
            auth,
        };
        world.open(&world.tus.url());
        world.auth.handle(|request| {
            if request.method == "POST" && request.path == "/api/v1/transfer/complete" {
                let files = request.json()["files"].as_array().map_or(0, Vec::len);
                Reply::json(
                    200,
                    &serde_json::json!({"receipt": format!("ACC-2026-{files:02}-7731")}),
                )
            } else {
                Reply::json(404, &serde_json::json!({"error": "not found"}))
            }
        });
        let ca_file = world.ca.write_pem(world.install.dir.path());
        let auth_url = world.auth.url();
        Config::modify(&world.install.home, |c| {
            c.connection.mode = ConnectionMode::Secure;
            c.connection.auth_url = auth_url.parse().expect("url");
            c.connection.extra_ca_file = Some(ca_file);
            Ok::<(), iea_maintenance::config::ConfigError>(())
        })
        .expect("config");
        let mut identity = Installation::load_or_create(&world.install.home).expect("identity");
        LICENCE.clone_into(&mut identity.licence_key);
        identity.save(&world.install.home).expect("save identity");
        world.backup_now();
        world
    }

    /// The server says « GO » with this upload address.
    pub fn open(&self, upload_url: &str) {
        self.auth.route(
            "GET",
            "/api/v1/transfer",
            Reply::json(
                200,
                &serde_json::json!({
                    "open": true,
                    "upload_url": upload_url,
                    "recipients": RECIPIENTS,
                    "subject": SUBJECT,
                }),
            ),
        );
    }

    /// A verified backup of the store, newer than its last change.
    pub fn backup_now(&self) {
        if iea_maintenance::backup::book::ScriptBook::load(&self.install.home)
            .expect("scripts")
            .entries
            .is_empty()
        {
            let folder = self.install.folder("sauvegardes");
            self.install
                .add_script("Quotidienne", 5, Destination::Folder { path: folder });
        }
        let report = run::run_script(
            &self.install.ctx(),
            "Quotidienne",
            Trigger::Manuel,
            &NoProgress,
            &Cancel::new(),
        )
        .expect("backup");
        assert_eq!(report.outcome, RunOutcome::Ok, "{:?}", report.reason);
    }

    /// The active store.
    pub fn store(&self) -> PathBuf {
        self.install.store()
    }

    /// A request for the active store, every unmet data item acknowledged.
    pub fn request(&self) -> TransferRequest {
        let stores = vec![self.store()];
        let found =
            iea_maintenance::transfer::check(&self.install.home, &stores, chrono::Local::now());
        let mut acknowledged = BTreeSet::new();
        for s in &found.stores {
            for d in &s.result.as_ref().expect("store checked").data {
                if !d.met() {
                    acknowledged.insert(Acknowledged {
                        store: s.store.clone(),
                        check: d.check,
                    });
                }
            }
        }
        TransferRequest {
            stores,
            acknowledged,
            proxy: None,
        }
    }

    /// The completion calls the server received, their bodies.
    pub fn completions(&self) -> Vec<serde_json::Value> {
        self.auth
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path == "/api/v1/transfer/complete")
            .map(support::https::Request::json)
            .collect()
    }
}
