//! The main cases of FTP, SMTP and the proxy against servers written elsewhere,
//! started here on 127.0.0.1 (tests/support/external.rs): pyftpdlib for FTP and
//! explicit FTPS, aiosmtpd for SMTP with STARTTLS, tinyproxy for the CONNECT
//! proxy with Basic authentication. The same cases run against the peers
//! written here in `backup_ftp.rs`, `support_mail.rs` and `servers.rs`; those peers
//! also stage the faults (silence, drops, quotas) that these servers cannot.
//!
//! Certificates come from an authority made at test time; the workstation
//! trusts it through the extra authority file of its connection settings.

mod support;

#[path = "support/install.rs"]
#[allow(dead_code)]
mod install;

use std::path::PathBuf;

use iea_maintenance::backup::destination::ftp::FtpLocation;
use iea_maintenance::backup::destination::{Access, DestinationError, VolumeSearch};
use iea_maintenance::backup::restore::{self, RestoreSource};
use iea_maintenance::backup::run::{self, Trigger};
use iea_maintenance::backup::{Destination, FtpSecurity, FtpSettings, RunOutcome};
use iea_maintenance::config::{
    Config, ConfigError, ConnectionKind, ConnectionMode, ConnectionSettings,
    DEFAULT_SUPPORT_ADDRESS, MailSecurity, ProxySettings,
};
use iea_maintenance::connection::servers::{ServerProblem, Step, test_servers};
use iea_maintenance::home::Home;
use iea_maintenance::jobs::{Cancel, NoProgress};
use iea_maintenance::secrets::SecretKey;
use iea_maintenance::support::{self as mail_support, SupportError};

use install::Install;
use support::external::{Aiosmtpd, PyFtpd, Tinyproxy};
use support::https::{TestCa, TestServer, loopback_cert};

const FTP_USER: &str = "paie";
const FTP_PASSWORD: &str = "Mot-De-Passe-FTP-5k!";

/// An installation with a demo store, a site served by pyftpdlib, and a script
/// that backs up to it.
struct FtpWorld {
    install: Install,
    site: PathBuf,
    server: PyFtpd,
    settings: FtpSettings,
}

impl FtpWorld {
    /// pyftpdlib serving a new folder; for explicit FTPS, a certificate from
    /// `ca`, which the workstation trusts.
    fn new(security: FtpSecurity, ca: &TestCa, server_password: &str) -> Self {
        let install = Install::new(400);
        let site = install.folder("site");
        let cert = loopback_cert(ca);
        let server = PyFtpd::start(
            install.dir.path(),
            &site,
            FTP_USER,
            server_password,
            (security == FtpSecurity::Explicit).then_some(&cert),
        );
        // The workstation trusts an authority of its own until the test says
        // to trust `ca` ([`FtpWorld::trust`]): `ca` may be a stranger.
        let ca_file = TestCa::new("Autorite FTP du poste").write_pem(install.dir.path());
        Config::modify(&install.home, |c| {
            c.connection.extra_ca_file = Some(ca_file);
            Ok::<_, ConfigError>(())
        })
        .expect("config");
        let key = SecretKey::load_or_create(&install.home).expect("key");
        let settings = FtpSettings {
            host: "127.0.0.1".into(),
            port: server.port(),
            user: FTP_USER.into(),
            password_encrypted: Some(key.encrypt(FTP_PASSWORD)),
            folder: "/sauvegardes".into(),
            security,
            passive: true,
        };
        Self {
            install,
            site,
            server,
            settings,
        }
    }

    /// The workstation trusts `ca` (in place of the authority made for it).
    fn trust(&self, ca: &TestCa) {
        let file = ca.write_pem(self.install.dir.path());
        Config::modify(&self.install.home, |c| {
            c.connection.extra_ca_file = Some(file);
            Ok::<_, ConfigError>(())
        })
        .expect("config");
    }

    fn connect(&self) -> Result<FtpLocation, DestinationError> {
        let config = Config::load(&self.install.home).expect("config");
        let key = SecretKey::load_or_create(&self.install.home).expect("key");
        let search = VolumeSearch::default();
        FtpLocation::connect(
            &self.settings,
            &Access {
                key: &key,
                search: &search,
                connection: &config.connection,
            },
        )
    }

    /// The names in the site's backup folder.
    fn files_at_site(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.site.join("sauvegardes"))
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

/// A backup run to the site, the listing, then a restore from the site brings
/// back what the store lost.
fn backup_list_and_restore(security: FtpSecurity) {
    let ca = TestCa::new("Autorite FTP de test");
    let world = FtpWorld::new(security, &ca, FTP_PASSWORD);
    world.trust(&ca);
    world
        .install
        .add_script("Distante", 3, Destination::Ftp(world.settings.clone()));
    let ctx = world.install.ctx();

    let report = run::run_script(
        &ctx,
        "Distante",
        Trigger::Manuel,
        &NoProgress,
        &Cancel::new(),
    )
    .expect("run");
    // Plain FTP delivers, with the warning that everything travels in clear.
    let expected = match security {
        FtpSecurity::Plain => RunOutcome::Avertissement,
        FtpSecurity::Explicit | FtpSecurity::Implicit => RunOutcome::Ok,
    };
    assert_eq!(
        report.outcome,
        expected,
        "{security:?}: {report:?}\n{}",
        world.server.log()
    );
    let archive = report.archive.clone().expect("archive name");
    // Exactly the archive, under its final name, nothing partial left.
    assert_eq!(
        world.files_at_site(),
        std::slice::from_ref(&archive),
        "{security:?}"
    );
    let on_disk = std::fs::metadata(world.site.join("sauvegardes").join(&archive))
        .expect("archive at the site")
        .len();
    assert_eq!(report.size_bytes, Some(on_disk));

    let listed = run::list_backups(&ctx, "Distante").expect("list");
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].name, archive);
    assert_eq!(listed[0].size_bytes, on_disk);
    let restorable = restore::restorable(&ctx, "Distante").expect("restorable");
    assert_eq!(restorable, listed);

    let before = world.install.count("SELECT count(*) FROM payslips");
    world
        .install
        .sql("DELETE FROM payslips WHERE period LIKE '2023-%'");
    assert!(world.install.count("SELECT count(*) FROM payslips") < before);
    let restored = restore::restore(
        &ctx,
        &RestoreSource::Stored {
            script: "Distante".into(),
            name: archive,
        },
        &NoProgress,
        &Cancel::new(),
    )
    .expect("restore from the site");
    assert!(restored.safety_copy.is_some());
    assert_eq!(world.install.count("SELECT count(*) FROM payslips"), before);
    assert_eq!(world.install.integrity(), "ok");
}

#[test]
fn pyftpdlib_plain_ftp_backup_list_and_restore() {
    backup_list_and_restore(FtpSecurity::Plain);
}

#[test]
fn pyftpdlib_explicit_ftps_backup_list_and_restore() {
    backup_list_and_restore(FtpSecurity::Explicit);
}

#[test]
fn pyftpdlib_refuses_a_wrong_password() {
    let ca = TestCa::new("Autorite FTP de test");
    let world = FtpWorld::new(FtpSecurity::Explicit, &ca, "un-autre-mot-de-passe");
    world.trust(&ca);
    let error = world.connect().expect_err("refused");
    assert!(
        matches!(&error, DestinationError::LoginRefused { user } if user == FTP_USER),
        "{error:?}\n{}",
        world.server.log()
    );
    assert!(!error.is_unavailable());
    assert!(!format!("{error} {error:?}").contains(FTP_PASSWORD));
}

#[test]
fn pyftpdlib_with_a_certificate_of_an_unknown_authority_is_refused_before_the_login() {
    let stranger = TestCa::new("Autorite inconnue");
    // The server presents a certificate of `stranger`; the workstation trusts
    // only its own authority.
    let world = FtpWorld::new(FtpSecurity::Explicit, &stranger, FTP_PASSWORD);
    match world.connect() {
        Err(DestinationError::Tls { detail }) => {
            assert_eq!(detail, "certificate: unknown authority");
        }
        other => panic!("expected Tls, got {other:?}\n{}", world.server.log()),
    }
    // No login was attempted: pyftpdlib logs each one it sees.
    let log = world.server.log();
    assert!(!log.contains("USER '"), "{log}");
    assert!(!log.contains(FTP_PASSWORD), "{log}");
}

// ---------------------------------------------------------------------------
// SMTP.

const MAIL_USER: &str = "paie@asso-exemple.fr";
const MAIL_PASSWORD: &str = "Mot-De-Passe-Messagerie-7q!";

/// A workstation with a demo store whose mail settings point at aiosmtpd
/// (STARTTLS), storing `password` for `MAIL_USER`.
fn mail_world(password: &str) -> (tempfile::TempDir, Home, Aiosmtpd) {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = Home::at(dir.path().join("iea"));
    home.ensure().expect("home");
    let ca = TestCa::new("Autorite SMTP de test");
    let ca_file = ca.write_pem(dir.path());
    let server = Aiosmtpd::start(dir.path(), MAIL_USER, MAIL_PASSWORD, &loopback_cert(&ca));
    let stored = SecretKey::load_or_create(&home)
        .expect("key")
        .encrypt(password);
    Config::modify(&home, |c| {
        c.mail.smtp_host = "127.0.0.1".into();
        c.mail.smtp_port = server.port();
        c.mail.security = MailSecurity::Starttls;
        c.mail.sender = MAIL_USER.into();
        c.mail.user = MAIL_USER.into();
        c.mail.password_encrypted = Some(stored);
        c.connection.extra_ca_file = Some(ca_file);
        Ok::<_, ConfigError>(())
    })
    .expect("config");
    (dir, home, server)
}

#[test]
fn aiosmtpd_receives_the_support_request_whole_over_starttls() {
    let (_dir, home, server) = mail_world(MAIL_PASSWORD);
    let request = mail_support::compose(&home).expect("compose");
    mail_support::send(&home, &request).unwrap_or_else(|e| {
        panic!("send over STARTTLS: {e:?}\n{}", server.log());
    });

    let received = server.messages();
    assert_eq!(received.len(), 1, "{received:#?}");
    let mail = &received[0];
    assert!(mail.tls, "the message must travel encrypted");
    assert_eq!(mail.user.as_deref(), Some(MAIL_USER));
    assert_eq!(mail.mail_from, MAIL_USER);
    assert_eq!(mail.rcpt_tos, [DEFAULT_SUPPORT_ADDRESS]);
    assert_eq!(mail.subject, request.subject);
    assert!(mail.to.contains(DEFAULT_SUPPORT_ADDRESS), "{}", mail.to);
    assert!(mail.from.contains(MAIL_USER), "{}", mail.from);
    // Read back by Python's own MIME parser: the body and the report, whole.
    let body = mail
        .parts
        .iter()
        .find(|p| !p.attachment)
        .expect("a text part");
    assert_eq!(body.content_type, "text/plain");
    assert_eq!(
        body.text.replace("\r\n", "\n").trim_end(),
        request.body.trim_end()
    );
    let report = mail
        .parts
        .iter()
        .find(|p| p.attachment)
        .expect("the report attached");
    assert_eq!(
        report.filename.as_deref(),
        Some(request.report_name.as_str())
    );
    assert_eq!(report.content_type, "text/plain");
    assert_eq!(
        report.text.replace("\r\n", "\n").trim_end(),
        request.report.trim_end()
    );
    assert!(!report.text.contains(MAIL_PASSWORD));
}

#[test]
fn aiosmtpd_refuses_a_wrong_password() {
    let (_dir, home, server) = mail_world("ancien-mot-de-passe");
    let request = mail_support::compose(&home).expect("compose");
    let err = mail_support::send(&home, &request).expect_err("wrong password");
    assert!(
        matches!(
            &err,
            SupportError::Authentication { user, code: Some(535), .. } if user == MAIL_USER
        ),
        "{err:?}\n{}",
        server.log()
    );
    assert!(!format!("{err} {err:?}").contains("ancien-mot-de-passe"));
    assert!(server.messages().is_empty());
}

// ---------------------------------------------------------------------------
// CONNECT proxy.

const PROXY_USER: &str = "paie";
const PROXY_PASSWORD: &str = "Mot-de-passe-proxy-7q";

/// Secure mode, through tinyproxy, towards an HTTPS server with PROTOCOL.md's
/// three services and a certificate of an authority the settings trust.
struct ProxyWorld {
    dir: tempfile::TempDir,
    server: TestServer,
    proxy: Tinyproxy,
    settings: ConnectionSettings,
}

fn proxy_world() -> ProxyWorld {
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = TestCa::new("Autorite de test");
    let ca_file = ca.write_pem(dir.path());
    let server = TestServer::https(&loopback_cert(&ca)).with_protocol_routes();
    let proxy = Tinyproxy::start(dir.path(), PROXY_USER, PROXY_PASSWORD);
    let base = server.url();
    let url = |s: &str| url::Url::parse(s).expect("url");
    let settings = ConnectionSettings {
        kind: ConnectionKind::Proxy,
        mode: ConnectionMode::Secure,
        proxy: ProxySettings {
            host: "127.0.0.1".into(),
            port: proxy.port(),
            user: PROXY_USER.into(),
            password_encrypted: None,
        },
        auth_url: url(&base),
        update_url: url(&format!("{base}/updates")),
        net_entreprises_url: url(&format!("{base}/authentifier/1.0/")),
        extra_ca_file: Some(ca_file),
    };
    ProxyWorld {
        dir,
        server,
        proxy,
        settings,
    }
}

#[test]
fn tinyproxy_carries_the_server_test_with_the_right_credentials() {
    let w = proxy_world();
    let report = test_servers(&w.settings, Some(PROXY_PASSWORD));
    assert!(report.all_ok(), "{report:#?}\n{}", w.proxy.log());
    assert_eq!(w.server.request_count(), 3);
    // Each went through the tunnel: tinyproxy logs the CONNECT it served.
    let authority = w.server.addr().to_string();
    assert!(
        w.proxy.log().contains(&format!("CONNECT {authority}")),
        "{}",
        w.proxy.log()
    );
    let saved = serde_json::to_string(&report).expect("json");
    assert!(!saved.contains(PROXY_PASSWORD), "{saved}");
    drop(w.dir);
}

#[test]
fn tinyproxy_refusing_the_credentials_is_a_proxy_refusal() {
    let mut w = proxy_world();
    // A wrong password: tinyproxy answers 401, not 407.
    let report = test_servers(&w.settings, Some("pas-le-bon"));
    assert_eq!(report.results.len(), 3, "{report:#?}");
    for r in &report.results {
        assert!(!r.ok, "{report:#?}");
        assert_eq!(r.step, Step::Proxy, "{report:#?}");
        assert_eq!(r.problem, Some(ServerProblem::ProxyRefused), "{report:#?}");
    }
    // No credentials at all: tinyproxy asks for them with 407.
    w.settings.proxy.user.clear();
    let report = test_servers(&w.settings, None);
    for r in &report.results {
        assert_eq!(r.step, Step::Proxy, "{report:#?}");
        assert_eq!(r.problem, Some(ServerProblem::ProxyRefused), "{report:#?}");
    }
    assert_eq!(w.server.request_count(), 0, "nothing reached the server");
}
