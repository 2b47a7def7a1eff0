//! The FTP destination against a real FTP server on 127.0.0.1
//! (tests/support/ftp.rs): deliver, list, fetch and remove archives over plain
//! FTP, explicit and implicit FTPS (the server's certificate signed by an
//! authority made at test time and given as the extra authority file of the
//! connection settings) and in active mode; the size and SHA-256 checks seen in
//! the commands the server received; and each failure with its own typed error
//! and nothing left behind at the site: an unknown authority, a wrong password,
//! a full site, a connection cut in the middle of an upload, a server that says
//! nothing, a copy that comes back different.

mod support;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use iea_maintenance::backup::destination::ftp::FtpLocation;
use iea_maintenance::backup::destination::{
    Access, DestinationError, Location, PARTIAL_PREFIX, SiteUnreachable, VolumeSearch, archive_name,
};
use iea_maintenance::backup::{FtpSecurity, FtpSettings};
use iea_maintenance::config::{Config, ConnectionSettings};
use iea_maintenance::home::Home;
use iea_maintenance::jobs::Cancel;
use iea_maintenance::messages;
use iea_maintenance::secrets::SecretKey;

use support::ftp::{FtpOptions, FtpServer, ServerSecurity};
use support::https::{TestCa, Validity, issue, loopback_cert, unused_port};

const USER: &str = "paie";
const PASSWORD: &str = "Mot-De-Passe-FTP-5k!";
const SCRIPT: &str = "paie";

/// A workstation (its key and connection settings), the folder the server
/// serves, and an authority the settings trust.
struct World {
    dir: tempfile::TempDir,
    key: SecretKey,
    connection: ConnectionSettings,
    search: VolumeSearch,
    ca: TestCa,
}

impl World {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path().join("home"));
        home.ensure().expect("home");
        let key = SecretKey::load_or_create(&home).expect("key");
        let ca = TestCa::new("Autorite FTP de test");
        let mut connection = Config::defaults(&home).connection;
        connection.extra_ca_file = Some(ca.write_pem(dir.path()));
        std::fs::create_dir_all(dir.path().join("site")).expect("site");
        std::fs::create_dir_all(dir.path().join("local")).expect("local");
        Self {
            dir,
            key,
            connection,
            search: VolumeSearch::default(),
            ca,
        }
    }

    /// The folder the server serves.
    fn site(&self) -> PathBuf {
        self.dir.path().join("site")
    }

    fn local(&self, name: &str) -> PathBuf {
        self.dir.path().join("local").join(name)
    }

    fn access(&self) -> Access<'_> {
        Access {
            key: &self.key,
            search: &self.search,
            connection: &self.connection,
        }
    }

    fn server(&self, options: FtpOptions) -> FtpServer {
        FtpServer::start(&self.site(), options)
    }

    /// A plain server, or an FTPS one presenting a certificate of the trusted
    /// authority.
    fn server_for(&self, security: FtpSecurity, options: FtpOptions) -> FtpServer {
        let options = match security {
            FtpSecurity::Plain => options,
            FtpSecurity::Explicit => {
                options.secured(ServerSecurity::Explicit, &loopback_cert(&self.ca))
            }
            FtpSecurity::Implicit => {
                options.secured(ServerSecurity::Implicit, &loopback_cert(&self.ca))
            }
        };
        self.server(options)
    }

    fn settings(&self, server: &FtpServer, security: FtpSecurity, folder: &str) -> FtpSettings {
        FtpSettings {
            host: "127.0.0.1".into(),
            port: server.port(),
            user: USER.into(),
            password_encrypted: Some(self.key.encrypt(PASSWORD)),
            folder: folder.into(),
            security,
            passive: true,
        }
    }

    fn connect(&self, settings: &FtpSettings) -> Result<FtpLocation, DestinationError> {
        FtpLocation::connect(settings, &self.access())
    }

    /// A local archive of `len` bytes taken at `hour`:00 on 2 January 2026:
    /// its path, final name and SHA-256.
    fn archive(&self, hour: u32, len: usize) -> (PathBuf, String, String) {
        let at = NaiveDate::from_ymd_opt(2026, 1, 2)
            .and_then(|d| d.and_hms_opt(hour, 0, 0))
            .expect("date");
        let name = archive_name(SCRIPT, at);
        let bytes: Vec<u8> = (0..len)
            .map(|i| (i.wrapping_mul(31) ^ (i >> 7) ^ hour as usize) as u8)
            .collect();
        let path = self.local(&name);
        std::fs::write(&path, &bytes).expect("write archive");
        (path, name, sha256(&bytes))
    }

    /// The names in the served folder (and under `sub`).
    fn files_at_site(&self, sub: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.site().join(sub))
            .expect("read site")
            .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
            .collect();
        names.sort();
        names
    }
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}

/// The index of the first command starting with `prefix` at or after `from`.
fn position(commands: &[String], prefix: &str, from: usize) -> usize {
    commands[from..]
        .iter()
        .position(|c| c.starts_with(prefix))
        .map_or_else(
            || panic!("no {prefix:?} after #{from} in {commands:#?}"),
            |i| i + from,
        )
}

fn assert_no_password(server: &FtpServer, error: Option<&DestinationError>) {
    for c in server.commands() {
        assert!(!c.contains(PASSWORD), "password recorded in {c:?}");
    }
    if let Some(e) = error {
        assert!(!format!("{e} {e:?}").contains(PASSWORD), "{e:?}");
    }
}

/// Put, check what the server was asked, list, fetch, remove.
fn round_trip(security: FtpSecurity, passive: bool) -> (World, FtpServer) {
    let world = World::new();
    let server = world.server_for(security, FtpOptions::new(USER, PASSWORD));
    let mut settings = world.settings(&server, security, "/");
    settings.passive = passive;
    let mut location = world.connect(&settings).expect("connect");
    assert_eq!(
        messages::place(&location.place()),
        format!(
            "{}://{USER}@127.0.0.1:{}/",
            if security == FtpSecurity::Implicit {
                "ftps"
            } else {
                "ftp"
            },
            server.port()
        )
    );
    // Strangers in the folder are never listed: another script whose name
    // starts alike, a file that is not an archive.
    std::fs::write(
        world.site().join("paie-compta-20260101-100000.iea.zip"),
        b"autre",
    )
    .expect("stranger");
    std::fs::write(world.site().join("lisez-moi.txt"), b"texte").expect("stranger");

    let (local, name, sha) = world.archive(10, 200_000);
    let written = location
        .put(&local, &name, &sha, &Cancel::new())
        .expect("put");
    assert_eq!(written, 200_000);
    let partial = format!("{PARTIAL_PREFIX}{name}");

    // The checks really ran, in order: the upload under the temporary name, the
    // size the site lists, the copy read back, then the rename.
    let commands = server.commands();
    let stor = position(&commands, &format!("STOR {partial}"), 0);
    let size = position(&commands, &format!("SIZE {partial}"), stor);
    let retr = position(&commands, &format!("RETR {partial}"), size);
    let rnfr = position(&commands, &format!("RNFR {partial}"), retr);
    assert_eq!(commands[rnfr + 1], format!("RNTO {name}"));
    assert!(commands.contains(&"TYPE I".to_owned()), "{commands:#?}");
    assert_eq!(
        std::fs::read(world.site().join(&name)).expect("delivered"),
        std::fs::read(&local).expect("local")
    );
    assert!(!world.site().join(&partial).exists());

    let (local2, name2, sha2) = world.archive(11, 1_000);
    location
        .put(&local2, &name2, &sha2, &Cancel::new())
        .expect("second put");
    let listed = location.list(SCRIPT).expect("list");
    assert_eq!(
        listed
            .iter()
            .map(|b| (b.name.as_str(), b.size_bytes))
            .collect::<Vec<_>>(),
        vec![(name.as_str(), 200_000), (name2.as_str(), 1_000)]
    );
    assert!(listed[0].taken_at < listed[1].taken_at);

    let back = world.local("rapatriee.zip");
    assert_eq!(location.fetch(&name, &back).expect("fetch"), 200_000);
    assert_eq!(
        std::fs::read(&back).expect("fetched"),
        std::fs::read(&local).expect("local")
    );

    location.remove(&name).expect("remove");
    let listed = location.list(SCRIPT).expect("list again");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, name2);
    assert!(!world.site().join(&name).exists());
    drop(location);
    assert_no_password(&server, None);
    assert!(server.commands().contains(&"PASS".to_owned()));
    (world, server)
}

#[test]
fn plain_ftp_puts_lists_fetches_and_removes() {
    let (_world, server) = round_trip(FtpSecurity::Plain, true);
    let commands = server.commands();
    assert!(
        !commands.iter().any(|c| c.starts_with("AUTH")),
        "{commands:#?}"
    );
    assert!(commands.iter().any(|c| c == "PASV"), "{commands:#?}");
    assert!(server.transfers().iter().all(|t| !t.tls));
    assert_eq!(commands.last().map(String::as_str), Some("QUIT"));
}

#[test]
fn explicit_ftps_secures_the_login_and_every_data_connection() {
    let (_world, server) = round_trip(FtpSecurity::Explicit, true);
    let commands = server.commands();
    let auth = position(&commands, "AUTH TLS", 0);
    let pbsz = position(&commands, "PBSZ 0", auth);
    let prot = position(&commands, "PROT P", pbsz);
    let user = position(&commands, "USER paie", 0);
    assert!(auth < user && prot < user, "{commands:#?}");
    let transfers = server.transfers();
    assert!(transfers.len() >= 6, "{transfers:#?}");
    assert!(transfers.iter().all(|t| t.tls), "{transfers:#?}");
}

#[test]
fn implicit_ftps_secures_everything_from_the_first_byte() {
    let (_world, server) = round_trip(FtpSecurity::Implicit, true);
    let commands = server.commands();
    assert!(
        !commands.iter().any(|c| c.starts_with("AUTH")),
        "{commands:#?}"
    );
    assert!(commands.contains(&"PROT P".to_owned()), "{commands:#?}");
    let transfers = server.transfers();
    assert!(transfers.iter().all(|t| t.tls), "{transfers:#?}");
}

#[test]
fn active_mode_uses_port() {
    let (_world, server) = round_trip(FtpSecurity::Plain, false);
    let commands = server.commands();
    assert!(
        commands.iter().any(|c| c.starts_with("PORT ")),
        "{commands:#?}"
    );
    assert!(!commands.iter().any(|c| c == "PASV" || c == "EPSV"));
}

#[test]
fn active_mode_over_explicit_ftps() {
    let (_world, server) = round_trip(FtpSecurity::Explicit, false);
    assert!(server.commands().iter().any(|c| c.starts_with("PORT ")));
    assert!(server.transfers().iter().all(|t| t.tls));
}

#[test]
fn certificates_are_verified_and_the_problem_named() {
    let world = World::new();
    let stranger = TestCa::new("Autorite inconnue");
    let cases = [
        (loopback_cert(&stranger), "certificate: unknown authority"),
        (
            issue(&world.ca, &["127.0.0.1", "localhost"], Validity::Expired),
            "certificate: expired",
        ),
        (
            issue(&world.ca, &["ftp.autre-asso.fr"], Validity::Current),
            "certificate: issued for another name",
        ),
    ];
    for (cert, expected) in &cases {
        for (security, server_security) in [
            (FtpSecurity::Explicit, ServerSecurity::Explicit),
            (FtpSecurity::Implicit, ServerSecurity::Implicit),
        ] {
            let server =
                world.server(FtpOptions::new(USER, PASSWORD).secured(server_security, cert));
            let settings = world.settings(&server, security, "/");
            match world.connect(&settings) {
                Err(DestinationError::Tls { detail }) => {
                    assert_eq!(&detail, expected, "{security:?}");
                }
                other => panic!("{security:?} {expected}: expected Tls, got {other:?}"),
            }
            // Nothing was sent in clear after the refusal: no login at all.
            assert!(
                !server.commands().iter().any(|c| c.starts_with("USER")),
                "{:#?}",
                server.commands()
            );
        }
    }
}

#[test]
fn explicit_ftps_against_a_server_without_tls_is_a_tls_error() {
    let world = World::new();
    let server = world.server(FtpOptions::new(USER, PASSWORD));
    let settings = world.settings(&server, FtpSecurity::Explicit, "/");
    match world.connect(&settings) {
        Err(DestinationError::Tls { detail }) => {
            assert!(detail.contains("AUTH TLS"), "{detail}");
        }
        other => panic!("expected Tls, got {other:?}"),
    }
    assert!(!server.commands().iter().any(|c| c.starts_with("USER")));
}

#[test]
fn a_wrong_password_is_a_refused_login() {
    let world = World::new();
    let server = world.server_for(FtpSecurity::Explicit, FtpOptions::new(USER, "autre"));
    let settings = world.settings(&server, FtpSecurity::Explicit, "/");
    let error = world.connect(&settings).expect_err("refused");
    assert!(
        matches!(&error, DestinationError::LoginRefused { user } if user == USER),
        "{error:?}"
    );
    assert!(!error.is_unavailable());
    assert_no_password(&server, Some(&error));
}

#[test]
fn no_stored_password_logs_in_with_an_empty_one() {
    let world = World::new();
    let server = world.server(FtpOptions::new(USER, ""));
    let mut settings = world.settings(&server, FtpSecurity::Plain, "/");
    settings.password_encrypted = None;
    FtpLocation::test_connection(&settings, &world.access()).expect("empty password");
    let commands = server.commands();
    assert!(commands.contains(&"USER paie".to_owned()));
}

#[test]
fn a_password_encrypted_by_another_installation_is_a_secret_error() {
    let world = World::new();
    let other = World::new();
    let server = world.server(FtpOptions::new(USER, PASSWORD));
    let mut settings = world.settings(&server, FtpSecurity::Plain, "/");
    settings.password_encrypted = Some(other.key.encrypt(PASSWORD));
    assert!(matches!(
        world.connect(&settings),
        Err(DestinationError::Secret)
    ));
    assert_eq!(server.sessions(), 0);
}

#[test]
fn a_missing_remote_folder_is_created() {
    let world = World::new();
    let server = world.server_for(FtpSecurity::Explicit, FtpOptions::new(USER, PASSWORD));
    let settings = world.settings(&server, FtpSecurity::Explicit, "/sauvegardes/iea");
    FtpLocation::test_connection(&settings, &world.access()).expect("test");
    assert!(world.site().join("sauvegardes/iea").is_dir());
    let commands = server.commands();
    let first = position(&commands, "MKD sauvegardes", 0);
    position(&commands, "MKD iea", first);
    assert_eq!(commands.last().map(String::as_str), Some("QUIT"));

    // Once there, it is simply used.
    let mut location = world.connect(&settings).expect("connect");
    let (local, name, sha) = world.archive(9, 5_000);
    location
        .put(&local, &name, &sha, &Cancel::new())
        .expect("put");
    assert_eq!(world.files_at_site("sauvegardes/iea"), vec![name]);
    assert_eq!(
        server
            .commands()
            .iter()
            .filter(|c| c.starts_with("MKD"))
            .count(),
        2
    );
}

#[test]
fn a_folder_that_cannot_be_created_is_missing() {
    let world = World::new();
    // A file where the folder should be: CWD and MKD both fail.
    std::fs::write(world.site().join("sauvegardes"), b"un fichier").expect("file");
    let server = world.server(FtpOptions::new(USER, PASSWORD));
    let settings = world.settings(&server, FtpSecurity::Plain, "/sauvegardes");
    match world.connect(&settings) {
        Err(e @ DestinationError::Missing { .. }) => {
            assert!(e.to_string().contains("ftp://127.0.0.1/sauvegardes"), "{e}");
            assert!(e.is_unavailable());
        }
        other => panic!("expected Missing, got {other:?}"),
    }
}

#[test]
fn a_full_site_is_full_and_keeps_nothing() {
    for keep_partial in [false, true] {
        let world = World::new();
        let options = FtpOptions {
            quota_bytes: Some(50_000),
            keep_partial_over_quota: keep_partial,
            ..FtpOptions::new(USER, PASSWORD)
        };
        let server = world.server_for(FtpSecurity::Explicit, options);
        let settings = world.settings(&server, FtpSecurity::Explicit, "/");
        let mut location = world.connect(&settings).expect("connect");
        let (local, name, sha) = world.archive(10, 300_000);
        let error = location
            .put(&local, &name, &sha, &Cancel::new())
            .expect_err("full");
        assert!(
            matches!(&error, DestinationError::Full { what } if what == "ftp://127.0.0.1/"),
            "keep {keep_partial}: {error:?}"
        );
        assert!(error.is_unavailable());
        assert!(
            world.files_at_site("").is_empty(),
            "keep {keep_partial}: {:?}",
            world.files_at_site("")
        );
        assert!(location.list(SCRIPT).expect("list").is_empty());
        // The session is still good for the next archive, which fits.
        let (small, small_name, small_sha) = world.archive(11, 10_000);
        location
            .put(&small, &small_name, &small_sha, &Cancel::new())
            .expect("small put");
        assert_eq!(world.files_at_site(""), vec![small_name]);
    }
}

#[test]
fn a_connection_cut_during_the_upload_leaves_nothing_behind() {
    for security in [FtpSecurity::Plain, FtpSecurity::Explicit] {
        let world = World::new();
        let options = FtpOptions {
            drop_after_bytes: Some(64 * 1024),
            ..FtpOptions::new(USER, PASSWORD)
        };
        let server = world.server_for(security, options);
        let settings = world.settings(&server, security, "/");
        let mut location = world.connect(&settings).expect("connect");
        let (local, name, sha) = world.archive(10, 512 * 1024);
        let error = location
            .put(&local, &name, &sha, &Cancel::new())
            .expect_err("cut");
        assert!(
            matches!(&error, DestinationError::Unreachable { .. }),
            "{security:?}: {error:?}"
        );
        assert!(error.is_unavailable());
        // The server kept the 64 KiB it received; the client removed them on a
        // new connection.
        assert!(
            world.files_at_site("").is_empty(),
            "{security:?}: {:?}",
            world.files_at_site("")
        );
        assert_eq!(server.sessions(), 2, "{security:?}");
        let commands = server.commands();
        let stor = position(&commands, &format!("STOR {PARTIAL_PREFIX}{name}"), 0);
        let login = position(&commands, "USER", stor);
        position(&commands, &format!("DELE {PARTIAL_PREFIX}{name}"), login);
        assert!(!commands.iter().any(|c| c.starts_with("RNFR")));
        // The new session serves the next calls.
        assert!(location.list(SCRIPT).expect("list").is_empty());
    }
}

/// A server that accepts the connection and never says a word ends in
/// Unreachable "pas de réponse": the greeting's time limit ran out, not the
/// system's. How long that takes is measured by the `time_limits` benchmark,
/// beside curl waiting as long.
fn silent_server_is_unreachable(security: FtpSecurity) {
    let world = World::new();
    let options = FtpOptions {
        silent: true,
        ..FtpOptions::new(USER, PASSWORD)
    };
    let server = world.server_for(security, options);
    let settings = world.settings(&server, security, "/");
    let error = world.connect(&settings).expect_err("silence");
    match &error {
        DestinationError::Unreachable { host, port, cause } => {
            assert_eq!(host, "127.0.0.1");
            assert_eq!(*port, server.port());
            assert_eq!(cause, &SiteUnreachable::NoAnswer);
            let details = messages::destination_error(&error).details;
            assert!(details.contains("pas de réponse"), "{details}");
        }
        other => panic!("{security:?}: expected Unreachable, got {other:?}"),
    }
    assert!(error.is_unavailable());
}

#[test]
fn a_silent_server_is_unreachable() {
    // The three waits run side by side: the test takes one time limit.
    std::thread::scope(|scope| {
        for security in [
            FtpSecurity::Plain,
            FtpSecurity::Explicit,
            FtpSecurity::Implicit,
        ] {
            scope.spawn(move || silent_server_is_unreachable(security));
        }
    });
}

#[test]
fn nothing_listening_is_unreachable() {
    let world = World::new();
    let settings = FtpSettings {
        host: "127.0.0.1".into(),
        port: unused_port(),
        user: USER.into(),
        password_encrypted: None,
        folder: "/".into(),
        security: FtpSecurity::Plain,
        passive: true,
    };
    match world.connect(&settings) {
        Err(DestinationError::Unreachable { host, port, cause }) => {
            assert_eq!(cause, SiteUnreachable::Refused);
            let said =
                messages::destination_error(&DestinationError::Unreachable { host, port, cause });
            assert!(
                said.details.contains("Détail : connexion refusée"),
                "{}",
                said.details
            );
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }
}

#[test]
fn without_size_the_listing_gives_the_size() {
    let world = World::new();
    let options = FtpOptions {
        refused_commands: vec!["SIZE".into()],
        ..FtpOptions::new(USER, PASSWORD)
    };
    let server = world.server(options);
    let settings = world.settings(&server, FtpSecurity::Plain, "/");
    let mut location = world.connect(&settings).expect("connect");
    let (local, name, sha) = world.archive(10, 70_000);
    location
        .put(&local, &name, &sha, &Cancel::new())
        .expect("put");
    let commands = server.commands();
    let stor = position(&commands, "STOR", 0);
    let size = position(&commands, "SIZE", stor);
    let mlsd = position(&commands, "MLSD", size);
    let retr = position(&commands, "RETR", mlsd);
    position(&commands, "RNFR", retr);
    let listed = location.list(SCRIPT).expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].size_bytes, 70_000);
}

#[test]
fn without_size_nor_mlsd_the_old_commands_do() {
    let world = World::new();
    let options = FtpOptions {
        refused_commands: vec!["SIZE".into(), "MLSD".into()],
        ..FtpOptions::new(USER, PASSWORD)
    };
    let server = world.server(options);
    let settings = world.settings(&server, FtpSecurity::Plain, "/");
    let mut location = world.connect(&settings).expect("connect");
    let (local, name, sha) = world.archive(10, 70_000);
    location
        .put(&local, &name, &sha, &Cancel::new())
        .expect("put");
    let commands = server.commands();
    let stor = position(&commands, "STOR", 0);
    // The temporary name is hidden from LIST: the count read back checks the size.
    let list = position(&commands, "LIST", stor);
    position(&commands, "RETR", list);
    let listed = location.list(SCRIPT).expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, name);
    assert_eq!(listed[0].size_bytes, 70_000);
    assert!(server.commands().iter().any(|c| c == "NLST"));
}

#[test]
fn a_copy_that_reads_back_different_is_a_mismatch_and_is_removed() {
    let world = World::new();
    let options = FtpOptions {
        corrupt_downloads: true,
        ..FtpOptions::new(USER, PASSWORD)
    };
    let server = world.server_for(FtpSecurity::Explicit, options);
    let settings = world.settings(&server, FtpSecurity::Explicit, "/");
    let mut location = world.connect(&settings).expect("connect");
    let (local, name, sha) = world.archive(10, 40_000);
    match location.put(&local, &name, &sha, &Cancel::new()) {
        Err(DestinationError::Mismatch { what, detail }) => {
            assert_eq!(what, "ftp://127.0.0.1/");
            assert!(detail.starts_with("sha-256"), "{detail}");
        }
        other => panic!("expected Mismatch, got {other:?}"),
    }
    assert!(world.files_at_site("").is_empty());
    let commands = server.commands();
    position(&commands, &format!("DELE {PARTIAL_PREFIX}{name}"), 0);
    assert!(!commands.iter().any(|c| c.starts_with("RNFR")));
}

#[test]
fn an_archive_already_there_is_never_replaced() {
    let world = World::new();
    let server = world.server(FtpOptions::new(USER, PASSWORD));
    let settings = world.settings(&server, FtpSecurity::Plain, "/");
    let mut location = world.connect(&settings).expect("connect");
    let (local, name, sha) = world.archive(10, 1_000);
    std::fs::write(world.site().join(&name), b"deja la").expect("existing");
    match location.put(&local, &name, &sha, &Cancel::new()) {
        Err(DestinationError::Io { what, source }) => {
            assert_eq!(source.kind(), std::io::ErrorKind::AlreadyExists);
            assert!(what.ends_with(&name), "{what}");
        }
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
    assert_eq!(
        std::fs::read(world.site().join(&name)).expect("kept"),
        b"deja la"
    );
    assert!(!server.commands().iter().any(|c| c.starts_with("STOR")));
}

#[test]
fn a_cancelled_put_sends_nothing() {
    let world = World::new();
    let server = world.server(FtpOptions::new(USER, PASSWORD));
    let settings = world.settings(&server, FtpSecurity::Plain, "/");
    let mut location = world.connect(&settings).expect("connect");
    let (local, name, sha) = world.archive(10, 1_000);
    let cancel = Cancel::new();
    cancel.cancel();
    assert!(matches!(
        location.put(&local, &name, &sha, &cancel),
        Err(DestinationError::Cancelled)
    ));
    assert!(!server.commands().iter().any(|c| c.starts_with("STOR")));
    assert!(world.files_at_site("").is_empty());
}

#[test]
fn a_put_cancelled_during_the_upload_leaves_nothing_behind() {
    let world = World::new();
    let options = FtpOptions {
        store_pause: Some(Duration::from_millis(5)),
        ..FtpOptions::new(USER, PASSWORD)
    };
    let server = world.server_for(FtpSecurity::Explicit, options);
    let settings = world.settings(&server, FtpSecurity::Explicit, "/");
    let mut location = world.connect(&settings).expect("connect");
    let (local, name, sha) = world.archive(10, 1024 * 1024);
    let partial = world.site().join(format!("{PARTIAL_PREFIX}{name}"));
    let cancel = Cancel::new();
    let result = std::thread::scope(|scope| {
        let watcher = cancel.clone();
        // Cancels as soon as the first bytes reached the site.
        scope.spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(20);
            while std::fs::metadata(&partial).map_or(0, |m| m.len()) == 0
                && Instant::now() < deadline
            {
                std::thread::sleep(Duration::from_millis(2));
            }
            watcher.cancel();
        });
        location.put(&local, &name, &sha, &cancel)
    });
    assert!(
        matches!(result, Err(DestinationError::Cancelled)),
        "{result:?}"
    );
    assert!(
        world.files_at_site("").is_empty(),
        "{:?}",
        world.files_at_site("")
    );
    let commands = server.commands();
    position(&commands, &format!("DELE {PARTIAL_PREFIX}{name}"), 0);
    assert!(!commands.iter().any(|c| c.starts_with("RNFR")));
    // The session goes on.
    assert!(location.list(SCRIPT).expect("list").is_empty());
}

#[test]
fn fetching_or_removing_an_absent_archive_says_it_is_missing() {
    let world = World::new();
    let server = world.server(FtpOptions::new(USER, PASSWORD));
    let settings = world.settings(&server, FtpSecurity::Plain, "/");
    let mut location = world.connect(&settings).expect("connect");
    let to = world.local("absente.zip");
    match location.fetch("paie-20260102-100000.iea.zip", &to) {
        Err(DestinationError::Missing { what }) => {
            assert_eq!(what, "ftp://127.0.0.1/paie-20260102-100000.iea.zip");
        }
        other => panic!("expected Missing, got {other:?}"),
    }
    assert!(!Path::new(&to).exists());
    assert!(matches!(
        location.remove("paie-20260102-100000.iea.zip"),
        Err(DestinationError::Missing { .. })
    ));
    // The session is still usable.
    assert!(location.list(SCRIPT).expect("list").is_empty());
}

#[test]
fn regression_a_script_added_on_the_command_line_logs_in_with_the_password_read_from_stdin() {
    // An installation of the world, with a store and the world's connection
    // settings (its authority trusted), run through the real binary: the script
    // added with the password on standard input, then run.
    let world = World::new();
    let (_home, server, report) = ftp_install_with_a_backup(&world);
    assert_eq!(report["outcome"], "ok", "{report}");
    let name = report["archive"].as_str().expect("archive");
    assert_eq!(world.files_at_site("sauvegardes"), [name]);
    assert_eq!(
        report["sha256"].as_str().expect("sha256"),
        sha256(&std::fs::read(world.site().join("sauvegardes").join(name)).expect("read"))
    );
    assert_no_password(&server, None);
}

/// An installation of `world` (its connection settings, a small demo store)
/// with the script "Distante" added through the real binary to an explicit
/// FTPS site, and one backup made there. Returns the installation's root, the
/// server and `backup run --json`'s report.
fn ftp_install_with_a_backup(world: &World) -> (Home, FtpServer, serde_json::Value) {
    use iea_maintenance::demo::{DemoOptions, build_demo};
    use iea_maintenance::jobs::NoProgress;

    let home = Home::at(world.dir.path().join("home"));
    let mut config = Config::defaults(&home);
    config.connection = world.connection.clone();
    config.save(&home).expect("config");
    build_demo(
        &home,
        &home.default_store_path(),
        &DemoOptions {
            payslips: 50,
            seed: 3,
            overwrite: false,
        },
        &NoProgress,
        &Cancel::new(),
    )
    .expect("store");
    let server = world.server_for(FtpSecurity::Explicit, FtpOptions::new(USER, PASSWORD));
    let port = server.port().to_string();
    let (out, said) = run_cli(
        &home,
        &[
            "backup",
            "add",
            "Distante",
            "--ftp",
            "127.0.0.1",
            "--ftp-port",
            &port,
            "--ftp-user",
            USER,
            "--ftp-folder",
            "/sauvegardes",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{said}");
    let (out, said) = run_cli(&home, &["backup", "run", "Distante", "--json"], "");
    assert_eq!(out.status.code(), Some(0), "{said}");
    let report = serde_json::from_slice(&out.stdout).expect("json");
    (home, server, report)
}

/// Runs the real binary on `home` with `input` on its standard input; what it
/// said, both streams, never holding the password.
fn run_cli(home: &Home, args: &[&str], input: &str) -> (std::process::Output, String) {
    use std::io::Write as _;
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_iea-maintenance"))
        .args(args)
        .env("IEA_HOME", home.root())
        .env_remove("DISPLAY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("stdin");
    let out = child.wait_with_output().expect("wait");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!said.contains(PASSWORD), "the password was printed: {said}");
    (out, said)
}

/// Regression: a damaged backup on an FTP site was reported under the name of
/// the local temporary copy made to check it, a file that no longer exists.
#[test]
fn regression_a_damaged_backup_on_an_ftp_site_is_named_as_on_the_site() {
    let world = World::new();
    let (home, server, report) = ftp_install_with_a_backup(&world);
    let port = server.port();
    let cli = |args: &[&str], input: &str| run_cli(&home, args, input);
    let name = report["archive"].as_str().expect("archive");

    let on_site = world.site().join("sauvegardes").join(name);
    let mut bytes = std::fs::read(&on_site).expect("read");
    let middle = bytes.len() / 2;
    for b in &mut bytes[middle..middle + 64] {
        *b = !*b;
    }
    std::fs::write(&on_site, &bytes).expect("damage");
    let (out, said) = cli(&["backup", "verify", "Distante"], "");
    assert_eq!(out.status.code(), Some(1), "{said}");
    let address = format!("ftp://{USER}@127.0.0.1:{port}/sauvegardes/{name}");
    assert!(
        said.contains(&address),
        "the file on the site is named: {said}"
    );
    assert!(
        !said.contains("verification-"),
        "no temporary copy named: {said}"
    );
    let (out, said) = cli(&["backup", "verify", "Distante", "--json"], "");
    assert_eq!(out.status.code(), Some(1), "{said}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let problem = &json["scripts"][0]["backups"][0]["problem"];
    assert!(
        problem["text"]
            .as_str()
            .is_some_and(|t| t.contains(&address)),
        "{problem}"
    );
    assert!(!problem.to_string().contains("verification-"), "{problem}");
    assert_no_password(&server, None);
}
