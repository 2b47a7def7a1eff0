//! The licence manager per workstation against a real HTTPS licence server on
//! 127.0.0.1 that follows PROTOCOL.md: the server's list merged with the
//! store's and this workstation, the local list without a connection (and no
//! reset then), each answer of a reset, this workstation's authentication at
//! once after a reset (and its new id when it was the one reset), and an
//! `IEA_HOME` copied from another computer.

mod support;

use iea_maintenance::config::{Config, ConnectionMode};
use iea_maintenance::connection::auth::{self, AuthError};
use iea_maintenance::home::Home;
use iea_maintenance::installation::Installation;
use iea_maintenance::licences::{
    self, FingerprintCheck, LicenceError, LicenceFailure, ResetOutcome, WorkstationState,
};
use iea_maintenance::messages;
use iea_maintenance::secrets::SecretKey;
use iea_maintenance::service::persist::PersistedState;
use iea_maintenance::service::state::ConnectionState;
use iea_maintenance::store::Store;
use support::https::{TestCa, loopback_cert, unused_port};
use support::licence_server::{LicenceServer, Seat};
use url::Url;

const KEY: &str = "IEA-LIC-2026-TEST";
const OTHER: &str = "aaaaaaaa-0000-4000-8000-000000000001";
const OLD: &str = "aaaaaaaa-0000-4000-8000-000000000002";
const LOCAL_ONLY: &str = "aaaaaaaa-0000-4000-8000-000000000003";

struct Workstation {
    dir: tempfile::TempDir,
    home: Home,
    installation: Installation,
}

impl Workstation {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        home.ensure().expect("home");
        let mut installation = Installation::load_or_create(&home).expect("identity");
        KEY.clone_into(&mut installation.licence_key);
        installation.save(&home).expect("identity");
        let path = home.default_store_path();
        std::fs::create_dir_all(path.parent().expect("folder")).expect("folder");
        let store = Store::create(&path).expect("store");
        store
            .connection()
            .execute(
                "INSERT INTO workstations (id, hostname, last_seen) VALUES
                   (?1, 'POSTE-ACCUEIL', '2026-11-20T17:00:00+00:00'),
                   (?2, 'ANCIEN-PORTABLE', '2025-03-01T10:00:00+00:00')",
                [OTHER, LOCAL_ONLY],
            )
            .expect("workstations");
        Self {
            dir,
            home,
            installation,
        }
    }

    fn this(&self) -> String {
        self.installation.workstation_id.to_string()
    }

    /// Points the authentication address at `url`, trusting `ca`.
    fn use_server(&self, url: &str, ca: &TestCa) {
        let mut config = Config::defaults(&self.home);
        config.connection.mode = ConnectionMode::Secure;
        config.connection.auth_url = Url::parse(url).expect("url");
        config.connection.extra_ca_file = Some(ca.write_pem(self.dir.path()));
        config.save(&self.home).expect("config");
    }

    fn store(&self) -> std::path::PathBuf {
        self.home.default_store_path()
    }
}

/// A workstation and a server where this workstation and POSTE-ACCUEIL hold the
/// licence twice, and an old laptop was reset.
fn duplicate() -> (Workstation, LicenceServer, TestCa) {
    let ws = Workstation::new();
    let ca = TestCa::new("Autorite de test licences");
    let server = LicenceServer::start(
        &loopback_cert(&ca),
        &ws.installation.installation_id.to_string(),
        KEY,
        vec![
            Seat::new(&ws.this(), "POSTE-COMPTA", "duplicate"),
            Seat::new(OTHER, "POSTE-ACCUEIL", "duplicate"),
            Seat::new(OLD, "VIEUX-PC", "reset"),
        ],
    );
    ws.use_server(&server.url(), &ca);
    (ws, server, ca)
}

#[test]
fn the_server_s_list_is_merged_with_the_store_s_and_this_workstation() {
    let (ws, server, _ca) = duplicate();
    let view = licences::licence_view(&ws.home, Some(&ws.store())).expect("view");
    assert_eq!(view.server_missing, None);
    let licence = view.licence.as_ref().expect("licence");
    assert_eq!(licence.holder, support::licence_server::HOLDER);
    assert_eq!(licence.seats, Some(3));
    let rows: Vec<(&str, Option<WorkstationState>, bool, bool, bool)> = view
        .rows
        .iter()
        .map(|r| {
            (
                r.hostname.as_str(),
                r.state.clone(),
                r.this_one,
                r.on_server,
                r.in_store,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                "POSTE-COMPTA",
                Some(WorkstationState::Duplicate),
                true,
                true,
                false
            ),
            (
                "POSTE-ACCUEIL",
                Some(WorkstationState::Duplicate),
                false,
                true,
                true
            ),
            (
                "VIEUX-PC",
                Some(WorkstationState::Reset),
                false,
                true,
                false
            ),
            ("ANCIEN-PORTABLE", None, false, false, true),
        ]
    );
    let duplicates: Vec<&str> = view
        .duplicates()
        .iter()
        .map(|r| r.hostname.as_str())
        .collect();
    assert_eq!(duplicates, ["POSTE-COMPTA", "POSTE-ACCUEIL"]);
    assert!(view.can_reset());
    assert_eq!(
        messages::workstation_state(&view.rows[3], true),
        "Inconnu du serveur"
    );
    // The call carried the licence key and the installation id.
    let asked = &server.requests_to("GET", "/api/v1/licence")[0];
    assert_eq!(asked.header("X-Licence-Key"), Some(KEY));
    assert!(asked.path.ends_with(&format!(
        "installation_id={}",
        ws.installation.installation_id
    )));
}

#[test]
fn without_a_connection_the_local_list_is_shown_and_the_reset_refused() {
    let ws = Workstation::new();
    let ca = TestCa::new("Autorite de test");
    ws.use_server(&format!("https://127.0.0.1:{}", unused_port()), &ca);
    let view = licences::licence_view(&ws.home, Some(&ws.store())).expect("view");
    assert!(
        matches!(
            view.server_missing,
            Some(LicenceFailure::Unreachable { .. })
        ),
        "{view:?}"
    );
    assert!(!view.can_reset());
    let names: Vec<&str> = view.rows.iter().map(|r| r.hostname.as_str()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.contains(&"POSTE-ACCUEIL") && names.contains(&"ANCIEN-PORTABLE"));
    assert!(
        view.rows.iter().any(|r| r.this_one),
        "this workstation is listed"
    );
    assert!(view.rows.iter().all(|r| r.state.is_none()));
    let x = messages::licence_failure(
        view.server_missing.as_ref().expect("missing"),
        "support@example.org",
        "3.1.0",
    );
    assert!(x.why.contains("n'est pas proposé"), "{x:?}");
    let refused = licences::reset_workstations(
        &ws.home,
        Some(&ws.store()),
        &["POSTE-ACCUEIL".to_owned()],
        "admin",
    );
    assert!(matches!(refused, Err(LicenceError::ServerViewMissing(_))));
}

#[test]
fn each_answer_of_a_reset_is_kept_and_each_reset_asked_once() {
    let (ws, server, _ca) = duplicate();
    let report = licences::reset_workstations(
        &ws.home,
        Some(&ws.store()),
        &["poste-accueil".to_owned(), OLD.to_owned()],
        "admin",
    )
    .expect("reset");
    let outcomes: Vec<(&str, &ResetOutcome)> = report
        .results
        .iter()
        .map(|r| (r.hostname.as_str(), &r.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("POSTE-ACCUEIL", &ResetOutcome::Reset),
            ("VIEUX-PC", &ResetOutcome::UnknownWorkstation),
        ]
    );
    let posts = server.requests();
    let resets: Vec<&str> = posts
        .iter()
        .filter(|r| r.path.ends_with("/reset"))
        .map(|r| r.path.as_str())
        .collect();
    assert_eq!(resets.len(), 2, "each asked once: {resets:?}");
    let body = posts
        .iter()
        .find(|r| r.path.ends_with("/reset"))
        .expect("reset")
        .json();
    assert_eq!(body["requested_by"], "admin");
    assert_eq!(
        body["installation_id"],
        ws.installation.installation_id.to_string()
    );
    // The fourth reset of the day: refused, with the time to wait.
    server.resets_made(3);
    let report = licences::reset_workstations(&ws.home, Some(&ws.store()), &[ws.this()], "admin")
        .expect("asked");
    match &report.results[0].outcome {
        ResetOutcome::TooManyResets {
            retry_after: Some(at),
        } => assert!(at.contains("T00:00:00"), "{at}"),
        other => panic!("{other:?}"),
    }
    assert!(report.new_workstation_id.is_none());
    assert!(messages::reset_line(&report.results[0]).contains("Nouvel essai possible"));
    // An unknown name is refused before anything is asked.
    assert!(matches!(
        licences::reset_workstations(&ws.home, None, &["NULLE-PART".to_owned()], "admin"),
        Err(LicenceError::UnknownWorkstation { .. })
    ));
    // The audit log has every reset asked.
    let store = Store::open(&ws.store()).expect("store");
    let audit = store.recent_audit(10).expect("audit");
    assert!(audit.iter().any(|l| l.action == "licence.workstation_reset"
        && l.detail.contains("POSTE-ACCUEIL")
        && l.detail.contains("resultat=reset")));
}

#[test]
fn after_a_reset_this_workstation_authenticates_at_once_and_gets_the_blue_ball() {
    let (ws, _server, _ca) = duplicate();
    let before = auth::authenticate_now(&ws.home).expect("authenticated");
    assert!(matches!(
        before.connection,
        ConnectionState::LicenceDuplicate { .. }
    ));
    let report = licences::reset_workstations(
        &ws.home,
        Some(&ws.store()),
        &["POSTE-ACCUEIL".to_owned()],
        "admin",
    )
    .expect("reset");
    assert!(report.all_reset());
    assert!(report.new_workstation_id.is_none(), "another one was reset");
    let after = report
        .authentication
        .as_ref()
        .expect("authenticated again")
        .as_ref()
        .expect("no error");
    assert_eq!(after.connection, ConnectionState::Connected);
    assert_eq!(
        PersistedState::load(&ws.home).connection,
        ConnectionState::Connected,
        "what the tray reads"
    );
    let lines = messages::reset_report_lines(&report, "support@example.org", "3.1.0");
    assert!(lines.iter().any(|l| l.contains("boule bleue")), "{lines:?}");
}

#[test]
fn resetting_this_workstation_gives_it_a_new_id_under_which_it_registers() {
    let (ws, server, _ca) = duplicate();
    let report =
        licences::reset_workstations(&ws.home, None, &[ws.this()], "admin").expect("reset");
    let new = report.new_workstation_id.clone().expect("a new id");
    assert_ne!(new, ws.this());
    let now = Installation::load_or_create(&ws.home).expect("identity");
    assert_eq!(now.workstation_id.to_string(), new);
    assert_eq!(now.installation_id, ws.installation.installation_id);
    assert!(matches!(
        report.authentication,
        Some(Ok(ref s)) if s.connection == ConnectionState::Connected
    ));
    let seats = server.seats();
    assert!(
        seats.iter().any(|s| s.id == new && s.state == "active"),
        "{seats:?}"
    );
}

#[test]
fn a_home_copied_from_another_computer_is_not_presented_and_takes_a_new_id_when_agreed() {
    let (ws, server, _ca) = duplicate();
    let machine = licences::machine_id().expect("this system has a machine id");
    assert_eq!(
        licences::check_fingerprint(&ws.home).expect("check"),
        FingerprintCheck::Recorded,
        "an existing installation records its computer"
    );
    assert_eq!(
        Installation::load_or_create(&ws.home)
            .expect("identity")
            .workstation_id,
        ws.installation.workstation_id,
        "and keeps its id"
    );
    // The same folder as if it came from another computer.
    let mut copied = Installation::load_or_create(&ws.home).expect("identity");
    let key = SecretKey::load_or_create(&ws.home).expect("key");
    copied.machine_fingerprint = Some(licences::fingerprint(&key, &format!("{machine}-autre")));
    copied.save(&ws.home).expect("identity");
    assert_eq!(
        licences::check_fingerprint(&ws.home).expect("check"),
        FingerprintCheck::Changed
    );
    let asked = server.requests().len();
    assert!(matches!(
        auth::authenticate_now(&ws.home),
        Err(AuthError::CopiedInstallation)
    ));
    assert_eq!(
        server.requests().len(),
        asked,
        "the copy's id was not presented"
    );
    let x = messages::auth_error(&AuthError::CopiedInstallation);
    assert!(x.todo.contains("Prendre un nouvel identifiant"), "{x:?}");

    let done =
        licences::take_new_workstation_id(&ws.home, Some(&ws.store()), "admin").expect("new id");
    assert_eq!(done.old, ws.this());
    assert_ne!(done.new, done.old);
    assert_eq!(
        licences::check_fingerprint(&ws.home).expect("check"),
        FingerprintCheck::Matches
    );
    assert!(matches!(
        done.authentication,
        Some(Ok(ref s)) if s.connection == ConnectionState::Connected
    ));
}
