//! « Transfert database vers Urssaf » as a person uses it, against the
//! loopback authentication server and the official tus server: the
//! prerequisites found on the store, « Transférer » greyed with the reason
//! next to it, the data items sent anyway, « Oui », the rows « Progression »,
//! « C », « T », the success and « Message à envoyer » with « Copier les
//! destinataires » and « Copier le contenu »; a server that says « GO » later
//! is seen without reopening the centre; the proxy window of step 5bis.

use std::path::{Path, PathBuf};

use chrono::{Local, TimeZone, Utc};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use iea_maintenance::config::{Config, ConfigError, ConnectionMode};
use iea_maintenance::store::Store;
use iea_maintenance::transfer::prereq::DataCheck;
use iea_maintenance::ui::{CentreApp, ScreenId};

use crate::https::{Reply, TestCa, TestServer, loopback_cert};
use crate::sauvegardes::{add_script, backup_folder, centre_now, daily};
use crate::support::{
    Workstation, centre, click, click_and_read_clipboard, fixed_workstation, is_disabled, settle,
    shows, shows_part, snapshot, store_with_payroll, workstation,
};
use crate::tus::TusServer;

const RECIPIENTS: [&str; 2] = [
    "reprise@urssaf.test",
    "impact-emploi-association@urssaf.test",
];
const SUBJECT: &str = "Service Impact Emploi Association – Reprise de données";

/// The servers of a workstation: the authentication server's transfer calls
/// and the secure space.
struct Servers {
    auth: TestServer,
    tus: Option<TusServer>,
    _dir: tempfile::TempDir,
}

impl Servers {
    /// The server saying « GO » (with the tus server behind it) or not.
    fn open(&self, open: bool) {
        let answer = match &self.tus {
            Some(tus) if open => serde_json::json!({
                "open": true, "upload_url": tus.url(),
                "recipients": RECIPIENTS, "subject": SUBJECT,
            }),
            _ => serde_json::json!({
                "open": false,
                "message": "La reprise de votre association est prévue le 12 janvier 2027.",
            }),
        };
        self.auth
            .route("GET", "/api/v1/transfer", Reply::json(200, &answer));
    }
}

/// Points `ws` at new servers (trusting their authority); with `tus`, the
/// official tus server stands behind.
fn servers(ws: &Workstation, tus: bool) -> Servers {
    servers_with(ws, tus, None)
}

/// As [`servers`]; the secure space lets only `allow_from` in.
fn servers_with(ws: &Workstation, tus: bool, allow_from: Option<&str>) -> Servers {
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = TestCa::new("Autorite de test transfert");
    let cert = loopback_cert(&ca);
    let servers = Servers {
        auth: TestServer::https(&cert),
        tus: tus.then(|| TusServer::start(dir.path(), &cert, allow_from)),
        _dir: dir,
    };
    servers.open(tus);
    servers.auth.route(
        "POST",
        "/api/v1/transfer/complete",
        Reply::json(200, &serde_json::json!({"receipt": "ACC-2026-01-7731"})),
    );
    let ca_file = ca.write_pem(ws.home.root());
    let url = servers.auth.url();
    Config::modify(&ws.home, |c| {
        c.connection.mode = ConnectionMode::Secure;
        c.connection.auth_url = url.parse().expect("url");
        c.connection.extra_ca_file = Some(ca_file);
        Ok::<(), ConfigError>(())
    })
    .expect("config");
    servers
}

/// The payroll store of the screen tests with a verified backup newer than
/// its last change.
fn store_backed_up(ws: &Workstation) -> PathBuf {
    let store = store_with_payroll(ws);
    let folder = backup_folder(ws);
    add_script(ws, daily("Quotidienne", Local::now().date_naive(), &folder));
    let ctx = iea_maintenance::backup::run::BackupContext::load(&ws.home).expect("context");
    let report = iea_maintenance::backup::run::run_script(
        &ctx,
        "Quotidienne",
        iea_maintenance::backup::run::Trigger::Manuel,
        &iea_maintenance::jobs::NoProgress,
        &iea_maintenance::jobs::Cancel::new(),
    )
    .expect("backup");
    assert_eq!(report.outcome, iea_maintenance::backup::RunOutcome::Ok);
    store
}

/// What a screen reader says for a red barred circle.
const FAILED_MARK: &str = "En échec";

fn failed_marks(harness: &Harness<'_, CentreApp>) -> usize {
    harness.query_all_by_label(FAILED_MARK).count()
}

/// Ticks « Transférer quand même » for `check`.
fn accept(harness: &mut Harness<'_, CentreApp>, check: DataCheck) {
    let label = format!(
        "Transférer quand même : {}",
        iea_maintenance::messages::data_check_label(check)
    );
    harness.get_by_label(&label).scroll_to_me();
    harness.run_ok();
    harness.get_by_label(&label).click();
    settle(harness);
}

#[test]
fn from_the_prerequisites_to_the_report_to_send() {
    let ws = workstation();
    let store = store_backed_up(&ws);
    let servers = servers(&ws, true);
    let mut harness = centre(&ws, ScreenId::Transfert);

    // The prerequisites found on the store, « Transférer » greyed, why next to it.
    assert!(shows(&harness, "Prérequis"));
    assert!(shows(&harness, "Concernant vos données"));
    assert!(shows(&harness, "Concernant votre installation"));
    assert_eq!(failed_marks(&harness), 2, "exit date and risk codes");
    assert!(shows_part(
        &harness,
        "Les Amis – ancien établissement (SIRET 73282932000082)"
    ));
    assert!(shows_part(&harness, "aucun code risque actif"));
    assert!(shows_part(&harness, "Où corriger : Dans Impact emploi"));
    assert!(is_disabled(&harness, "Transférer"));
    assert!(shows_part(&harness, "2 prérequis ne sont pas remplis"));
    assert!(shows_part(&harness, "L'antivirus ne peut pas être vérifié"));

    // Sent anyway, each named for the report.
    accept(&mut harness, DataCheck::ExitDateSet);
    assert!(shows_part(&harness, "un prérequis n'est pas rempli"));
    accept(&mut harness, DataCheck::OneRiskCode);
    assert!(!is_disabled(&harness, "Transférer"));
    assert!(shows_part(&harness, "Le serveur a donné le « GO »"));

    crate::support::click_in_view(&mut harness, "Transférer");
    assert!(shows(
        &harness,
        "Confirmer le transfert des bases de données ?"
    ));
    assert!(
        servers.tus.as_ref().expect("tus").uploads().is_empty(),
        "nothing before « Oui »"
    );
    click(&mut harness, "Oui");

    // The end: the rows, the success, the message to send.
    assert!(
        shows_part(&harness, "effectué avec succès"),
        "the end window"
    );
    for column in ["Progression", "C", "T"] {
        assert!(shows(&harness, column), "{column}");
    }
    assert!(shows(&harness, "Message à envoyer"));
    let uploads = servers.tus.as_ref().expect("tus").uploads();
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0].metadata["store_name"], "impact-emploi.iea");
    assert_eq!(uploads[0].received(), uploads[0].size);

    // No SMTP settings: « Envoyer le rapport » greyed, saying why; copying works.
    assert!(is_disabled(&harness, "Envoyer le rapport"));
    assert!(shows_part(
        &harness,
        "La messagerie du support n'est pas réglée"
    ));
    let recipients = click_and_read_clipboard(&mut harness, "Copier les destinataires");
    assert_eq!(recipients.as_deref(), Some(RECIPIENTS.join(", ").as_str()));
    let content = click_and_read_clipboard(&mut harness, "Copier le contenu").expect("content");
    assert!(
        content.starts_with(&format!("Objet : {SUBJECT} – ")),
        "{content}"
    );
    assert!(
        content.contains("Accusé de réception : ACC-2026-01-7731"),
        "{content}"
    );
    assert!(content.contains(&uploads[0].sha256()), "{content}");
    for check in [DataCheck::ExitDateSet, DataCheck::OneRiskCode] {
        let label = iea_maintenance::messages::data_check_label(check);
        assert!(content.contains(label), "{label} in {content}");
    }
    assert!(shows(&harness, "Objet et contenu copiés."));

    // Back to the list: the last transfer is remembered, its message reachable.
    click(&mut harness, "Retour à la liste des bases");
    assert!(shows_part(
        &harness,
        "Dernier transfert : 1 base(s) reçue(s)"
    ));
    let _ = store;
}

#[test]
fn a_go_given_later_is_seen_without_reopening_the_centre() {
    let ws = workstation();
    store_backed_up(&ws);
    let servers = servers(&ws, true);
    servers.open(false);
    let mut harness = centre(&ws, ScreenId::Transfert);
    assert!(is_disabled(&harness, "Transférer"));
    assert!(shows_part(&harness, "prévue le 12 janvier 2027"));

    // The server opens; the screen asks again by itself (every 30 s).
    servers.open(true);
    for _ in 0..130 {
        harness.step();
    }
    settle(&mut harness);
    assert!(!shows_part(&harness, "prévue le 12 janvier 2027"));
    assert!(
        shows_part(&harness, "prérequis ne sont pas remplis"),
        "only the data left"
    );
}

#[test]
fn supprimer_takes_a_store_off_the_list_only_and_ajouter_refuses_a_stranger() {
    let ws = workstation();
    let store = store_backed_up(&ws);
    let _servers = servers(&ws, false);
    let mut harness = centre(&ws, ScreenId::Transfert);
    let stranger = ws.home.root().join("notes.iea");
    std::fs::write(&stranger, "pas une base").expect("stranger");
    crate::support::set_field(&mut harness, "Autre base", &stranger.display().to_string());
    click(&mut harness, "Ajouter");
    assert!(shows_part(
        &harness,
        "n'est pas une base de données Impact emploi"
    ));
    let other = ws.home.root().join("autre.iea");
    drop(Store::create(&other).expect("another store"));
    crate::support::set_field(&mut harness, "Autre base", &other.display().to_string());
    click(&mut harness, "Ajouter");
    assert!(shows(&harness, &other.display().to_string()));
    click(
        &mut harness,
        &format!("Supprimer {} de la liste", other.display()),
    );
    assert!(shows_part(&harness, "a été retirée de cette liste"));
    assert!(other.exists(), "the store itself is untouched");
    assert!(store.exists());
}

/// The state of a transfer finished on Thursday 12 November 2026, as the
/// state file keeps it (fixed, for the picture).
fn finished_transfer(ws: &Workstation, store: &Path) {
    use iea_maintenance::transfer::state::{
        ArchiveRecord, Completion, RunRecord, StoreRecord, StoreStamp, TransferState, UploadRecord,
    };
    let at = |h: u32, m: u32| {
        Local
            .with_ymd_and_hms(2026, 11, 12, h, m, 0)
            .single()
            .expect("time")
            .with_timezone(&Utc)
    };
    let state = TransferState {
        format: 1,
        stores: vec![StoreRecord {
            store: store.to_path_buf(),
            archive: Some(ArchiveRecord {
                file_name: "transfert-impact-emploi-1a2b3c4d-20261112-093000.iea.zip".into(),
                size_bytes: 48_211_577,
                sha256: "9f2c4b1e7a0d36c58e21f4a9b7d03e6c1a5f8e2d4c7b9a0e3f6d1c8b5a2e7f40".into(),
                database_sha256: "0".repeat(64),
                database_size: 141_557_760,
                made_at: at(9, 30),
                stamp: StoreStamp {
                    store: None,
                    wal: None,
                },
            }),
            upload: Some(UploadRecord {
                endpoint: "https://sharebox.urssaf.test/files/".into(),
                url: "https://sharebox.urssaf.test/files/5d1f".into(),
                archive_sha256: "9f2c".into(),
                created_at: at(9, 31),
                received_at: Some(at(9, 42)),
            }),
            completion: Some(Completion {
                receipt: "ACC-2026-01-7731".into(),
                completed_at: at(9, 42),
            }),
        }],
        last_run: Some(RunRecord {
            started_at: at(9, 29),
            ended_at: Some(at(9, 42)),
            stores: vec![store.to_path_buf()],
            recipients: RECIPIENTS.map(str::to_owned).to_vec(),
            subject: SUBJECT.into(),
            acknowledged: vec![iea_maintenance::transfer::Acknowledged {
                store: store.to_path_buf(),
                check: DataCheck::OneRiskCode,
            }],
        }),
    };
    state.save(&ws.home).expect("state");
    let mut identity =
        iea_maintenance::installation::Installation::load_or_create(&ws.home).expect("identity");
    identity.installation_id = uuid::Uuid::from_u128(0x7e57_0000_0000_4000_8000_0000_0000_2026);
    identity.save(&ws.home).expect("identity");
}

#[test]
fn transfert_snapshot() {
    let ws = fixed_workstation("transfert");
    let store = store_with_payroll(&ws);
    // A verified backup at 9:00 on the frozen day, after the last change.
    Store::open(&store)
        .expect("open")
        .connection()
        .execute_batch(&format!(
            "INSERT INTO audit_log (at, actor, action, detail)
               VALUES ('{}', 'dupont', 'bulletin', 'Bulletin calculé');
             INSERT INTO backup_runs (script, trigger, started_at, ended_at, destination,
                                      archive, size_bytes, outcome)
               VALUES ('Quotidienne', 'manuel', '{}', '{}', '{{}}',
                       'Quotidienne-20261112-090000.iea.zip', 1234, 'ok');",
            Local
                .with_ymd_and_hms(2026, 11, 10, 17, 0, 0)
                .single()
                .expect("t")
                .to_rfc3339(),
            Local
                .with_ymd_and_hms(2026, 11, 12, 9, 0, 0)
                .single()
                .expect("t")
                .to_rfc3339(),
            Local
                .with_ymd_and_hms(2026, 11, 12, 9, 1, 0)
                .single()
                .expect("t")
                .to_rfc3339(),
        ))
        .expect("journal");
    let _servers = servers(&ws, true);
    let mut harness = centre_now(&ws, ScreenId::Transfert);
    assert!(is_disabled(&harness, "Transférer"));
    snapshot(&mut harness, "transfert");
}

#[test]
fn transfert_end_snapshot() {
    let ws = fixed_workstation("transfert-fin");
    let store = store_with_payroll(&ws);
    let _servers = servers(&ws, false);
    finished_transfer(&ws, &store);
    let mut harness = centre_now(&ws, ScreenId::Transfert);
    click(&mut harness, "Voir le message à envoyer");
    crate::support::set_field(&mut harness, "Nom du gestionnaire", "Marie Dupont");
    assert!(shows(&harness, &format!("{SUBJECT} – Marie Dupont")));
    assert!(shows(&harness, "Copier les destinataires"));
    assert!(shows(&harness, "Copier le contenu"));
    snapshot(&mut harness, "transfert-message");
}

/// Offers `host:port` (user « paie », no password saved) as the proxy of the
/// connection settings; the connection kind stays direct.
fn proxy_in_settings(ws: &Workstation, host: &str, port: u16) {
    Config::modify(&ws.home, |c| {
        c.connection.proxy.host = host.into();
        c.connection.proxy.port = port;
        c.connection.proxy.user = "paie".into();
        Ok::<(), ConfigError>(())
    })
    .expect("proxy");
}

/// Accepts the two data items of the payroll store, then « Transférer », « Oui ».
fn transfer_now(harness: &mut Harness<'_, CentreApp>) {
    accept(harness, DataCheck::ExitDateSet);
    accept(harness, DataCheck::OneRiskCode);
    crate::support::click_in_view(harness, "Transférer");
    click(harness, "Oui");
}

#[test]
fn the_proxy_window_appears_when_the_direct_way_fails_and_executes_through_the_proxy() {
    let ws = workstation();
    store_backed_up(&ws);
    let servers = servers_with(&ws, true, Some("127.0.0.2"));
    let proxy_dir = tempfile::tempdir().expect("tempdir");
    let proxy = crate::external::Tinyproxy::start_with(
        proxy_dir.path(),
        "paie",
        "Proxy-Paie-2026",
        "Bind 127.0.0.2\n",
    );
    proxy_in_settings(&ws, "127.0.0.1", proxy.port());
    let mut harness = centre(&ws, ScreenId::Transfert);
    transfer_now(&mut harness);

    // Step 5bis: the seed's window, the proxy of the settings offered first.
    assert!(shows(
        &harness,
        "La connexion à Sharebox en mode direct n'a pu s'établir"
    ));
    assert!(shows_part(
        &harness,
        "l'adresse, le port, ainsi que les identifiants"
    ));
    assert!(servers.tus.as_ref().expect("tus").uploads().is_empty());
    harness
        .get_by_label("Mot de passe")
        .set_text_value_accesskit("Proxy-Paie-2026");
    settle(&mut harness);
    harness
        .get_by_label(
            "Enregistrer ce proxy dans les paramètres de connexion (mot de passe chiffré)",
        )
        .click();
    settle(&mut harness);
    click(&mut harness, "Exécuter");

    assert!(
        shows_part(&harness, "effectué avec succès"),
        "the end window"
    );
    assert!(shows_part(
        &harness,
        &format!(
            "Le transfert est passé par le proxy 127.0.0.1:{}",
            proxy.port()
        )
    ));
    let uploads = servers.tus.as_ref().expect("tus").uploads();
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0].received(), uploads[0].size);
    assert!(
        proxy.log().contains("CONNECT 127.0.0.1:"),
        "{}",
        proxy.log()
    );
    let saved = Config::load(&ws.home).expect("config").connection.proxy;
    assert!(saved.password_encrypted.is_some(), "kept, encrypted");
}

#[test]
fn transfert_proxy_snapshot() {
    let ws = fixed_workstation("transfert-proxy");
    let store = store_with_payroll(&ws);
    Store::open(&store)
        .expect("open")
        .connection()
        .execute_batch(&format!(
            "INSERT INTO backup_runs (script, trigger, started_at, ended_at, destination,
                                      archive, size_bytes, outcome)
               VALUES ('Quotidienne', 'manuel', '{now}', '{now}', '{{}}', 'x.iea.zip', 1, 'ok');",
            now = Utc::now().to_rfc3339()
        ))
        .expect("journal");
    let _servers = servers_with(&ws, true, Some("127.0.0.2"));
    proxy_in_settings(&ws, "proxy.asso.local", 3128);
    let mut harness = centre_now(&ws, ScreenId::Transfert);
    transfer_now(&mut harness);
    assert!(shows(
        &harness,
        "La connexion à Sharebox en mode direct n'a pu s'établir"
    ));
    snapshot(&mut harness, "transfert-proxy");
}
