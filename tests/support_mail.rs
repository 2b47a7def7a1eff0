//! "Demande d'assistance à distance…" against a real SMTP server on 127.0.0.1
//! (tests/support/smtp.rs): the request is prefilled as the guides ask, the mail
//! arrives once with its report attached, STARTTLS and TLS verify the server with
//! the configuration's extra authority, the password travels only inside the
//! encrypted AUTH exchange and nowhere else, and each failure gives its own typed
//! error with French words.

mod support;

use std::fmt::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use iea_maintenance::config::{Config, DEFAULT_SUPPORT_ADDRESS, MailSecurity};
use iea_maintenance::demo::{DemoOptions, build_demo};
use iea_maintenance::home::Home;
use iea_maintenance::installation::{Installation, SUPPORT_KEY_FILE_NAME};
use iea_maintenance::jobs::{Cancel, NoProgress};
use iea_maintenance::messages;
use iea_maintenance::secrets::{KEY_FILE_NAME, SecretKey};
use iea_maintenance::support as mail_support;
use iea_maintenance::support::{AddressRole, SmtpStep, SupportError, SupportRequest};

use support::https::{TestCa, loopback_cert, unused_port};
use support::smtp::{Received, SmtpOptions, SmtpServer, SmtpTls};

const SENDER: &str = "paie@asso-exemple.fr";
const USER: &str = "paie@asso-exemple.fr";
const PASSWORD: &str = "Mot-De-Passe-Messagerie-7q!";
const LICENCE: &str = "LIC-4242-SECRETE-9876";

fn home() -> (tempfile::TempDir, Home) {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = Home::at(dir.path());
    home.ensure().expect("home");
    (dir, home)
}

fn with_demo_store(home: &Home) {
    build_demo(
        home,
        &home.default_store_path(),
        &DemoOptions {
            payslips: 200,
            ..Default::default()
        },
        &NoProgress,
        &Cancel::new(),
    )
    .expect("demo store");
}

/// Points the mail settings of `home` at the loopback server.
fn configure(home: &Home, port: u16, security: MailSecurity, edit: impl FnOnce(&mut Config)) {
    let mut config = Config::load(home).expect("config");
    config.mail.smtp_host = "127.0.0.1".into();
    config.mail.smtp_port = port;
    config.mail.security = security;
    config.mail.sender = SENDER.into();
    edit(&mut config);
    config.save(home).expect("save config");
}

/// One MIME part: its headers (raw) and its decoded body.
struct Part {
    headers: String,
    body: Vec<u8>,
}

/// A parameter of a MIME header (`boundary=…`, `filename=…`), including the
/// RFC 2231 continuations lettre writes for long values (`filename*0="…"`).
fn header_param(headers: &str, param: &str) -> Option<String> {
    let unfolded = headers.replace("\r\n ", " ").replace("\r\n\t", " ");
    let mut pieces: Vec<(u32, String)> = Vec::new();
    for segment in unfolded.split([';', '\r', '\n']).map(str::trim) {
        let Some((name, value)) = segment.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches('"').to_owned();
        let name = name.trim().to_ascii_lowercase();
        if name == param {
            return Some(value);
        }
        if let Some(index) = name
            .strip_prefix(&format!("{param}*"))
            .and_then(|n| n.trim_end_matches('*').parse::<u32>().ok())
        {
            pieces.push((index, value));
        }
    }
    pieces.sort();
    (!pieces.is_empty()).then(|| pieces.into_iter().map(|(_, v)| v).collect())
}

fn decode_qp(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let bytes = text.replace("=\r\n", "").into_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&String::from_utf8_lossy(&bytes[i + 1..i + 3]), 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// The parts of a `multipart/mixed` message, bodies decoded.
fn parts(message: &Received) -> Vec<Part> {
    let text = message.text();
    let (head, _) = text.split_once("\r\n\r\n").expect("headers");
    let boundary = header_param(head, "boundary").expect("multipart boundary");
    text.split(&format!("--{boundary}"))
        .skip(1)
        .filter(|chunk| !chunk.starts_with("--"))
        .map(|chunk| {
            let chunk = chunk.trim_start_matches("\r\n");
            let (headers, body) = chunk.split_once("\r\n\r\n").unwrap_or((chunk, ""));
            let body = body.trim_end_matches("\r\n");
            let encoding = headers.to_ascii_lowercase();
            let body = if encoding.contains("content-transfer-encoding: base64") {
                let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
                BASE64.decode(compact).expect("base64 part")
            } else if encoding.contains("content-transfer-encoding: quoted-printable") {
                decode_qp(body)
            } else {
                body.as_bytes().to_vec()
            };
            Part {
                headers: headers.to_owned(),
                body,
            }
        })
        .collect()
}

fn attachment(message: &Received) -> Part {
    parts(message)
        .into_iter()
        .find(|p| p.headers.to_ascii_lowercase().contains("attachment"))
        .expect("an attachment")
}

fn crlf_to_lf(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace("\r\n", "\n")
}

/// Every `tracing` event of this test binary, at every level, from the first
/// call on. Process-wide: a thread-scoped subscriber misses events whose call
/// sites other test threads registered first.
fn captured_logs() -> String {
    static BUFFER: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    #[derive(Clone)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("buffer").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = BUFFER.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = Buffer(Arc::clone(&buffer));
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("global subscriber");
        buffer
    });
    String::from_utf8_lossy(&buffer.lock().expect("buffer")).into_owned()
}

#[test]
fn compose_prefills_the_subject_the_address_and_the_installation_facts() {
    let (_dir, home) = home();
    with_demo_store(&home);
    let request = mail_support::compose(&home).expect("compose");
    let version = env!("CARGO_PKG_VERSION");

    assert_eq!(request.subject, format!("Serveur de connexion {version}"));
    assert_eq!(request.to, DEFAULT_SUPPORT_ADDRESS);
    let installation = Installation::load(&home)
        .expect("installation")
        .expect("created by compose");
    let store = home.default_store_path();
    for fact in [
        format!("Version du programme : {version}"),
        format!(
            "Nom du poste : {}",
            iea_maintenance::installation::hostname()
        ),
        format!(
            "Identifiant d'installation : {}",
            installation.installation_id
        ),
        format!("Base de données : {}", store.display()),
        format!("version de base {}", iea_maintenance::store::SCHEMA_VERSION),
        "200 bulletins".to_owned(),
        "État de la connexion : Connexion au serveur non vérifiée".to_owned(),
        "Mode assistance : désactivé".to_owned(),
        "Vos coordonnées : …".to_owned(),
        request.report_name.clone(),
    ] {
        assert!(
            request.body.contains(&fact),
            "{fact:?} missing:\n{}",
            request.body
        );
    }
    let name = &request.report_name;
    assert!(
        name.starts_with("rapport-support-")
            && Path::new(name).extension().is_some_and(|e| e == "txt")
            && name.len() == 35,
        "{name}"
    );
    for section in [
        "== Versions ==",
        "== État ==",
        "== Dernier test des serveurs ==",
        "== Base de données ==",
        "== Configuration (sans aucun secret) ==",
        "== Journal",
    ] {
        assert!(
            request.report.contains(section),
            "{section}:\n{}",
            request.report
        );
    }
    assert!(request.report.contains("Contenu : "), "{}", request.report);
}

#[test]
fn plain_smtp_delivers_the_request_once_with_its_report_attached() {
    let (_dir, home) = home();
    with_demo_store(&home);
    let server = SmtpServer::start(SmtpOptions::default());
    configure(&home, server.port(), MailSecurity::None, |_| {});
    let request = mail_support::compose(&home).expect("compose");

    mail_support::send(&home, &request).expect("send");

    let received = server.messages();
    assert_eq!(received.len(), 1, "{received:#?}");
    let mail = &received[0];
    assert!(!mail.tls);
    assert_eq!(mail.mail_from, SENDER);
    assert_eq!(mail.rcpt_to, [DEFAULT_SUPPORT_ADDRESS]);
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some(format!("Serveur de connexion {}", env!("CARGO_PKG_VERSION")).as_str())
    );
    assert!(
        mail.header("To")
            .is_some_and(|to| to.contains(DEFAULT_SUPPORT_ADDRESS)),
        "{:?}",
        mail.header("To")
    );
    assert!(
        mail.header("From")
            .is_some_and(|from| from.contains(SENDER)),
        "{:?}",
        mail.header("From")
    );
    let report = attachment(mail);
    let file_name = header_param(&report.headers, "filename")
        .unwrap_or_else(|| panic!("no file name in {}", mail.text()));
    assert_eq!(file_name, request.report_name);
    assert!(
        report.headers.to_ascii_lowercase().contains("text/plain"),
        "{}",
        report.headers
    );
    // The part's last line break belongs to the MIME boundary that follows.
    assert_eq!(
        crlf_to_lf(&report.body).trim_end(),
        request.report.trim_end()
    );
    let body = parts(mail)
        .into_iter()
        .find(|p| !p.headers.to_ascii_lowercase().contains("attachment"))
        .expect("a text part");
    assert_eq!(crlf_to_lf(&body.body).trim_end(), request.body.trim_end());
}

#[test]
fn starttls_with_a_stored_password_keeps_every_secret_out_of_mail_report_and_logs() {
    let (dir, home) = home();
    let ca = TestCa::new("Autorite de test SMTP");
    let ca_file = ca.write_pem(dir.path());
    let server = SmtpServer::start(SmtpOptions {
        tls: SmtpTls::StartTls(loopback_cert(&ca).server_config()),
        credentials: Some((USER.into(), PASSWORD.into())),
        ..SmtpOptions::default()
    });
    let key = SecretKey::load_or_create(&home).expect("key");
    let stored = key.encrypt(PASSWORD);
    let proxy_stored = key.encrypt("proxy-secret-123");
    configure(&home, server.port(), MailSecurity::Starttls, |c| {
        c.mail.user = USER.into();
        c.mail.password_encrypted = Some(stored.clone());
        c.connection.proxy.password_encrypted = Some(proxy_stored.clone());
        c.connection.extra_ca_file = Some(ca_file.clone());
    });
    let mut installation = Installation::load_or_create(&home).expect("installation");
    installation.licence_key = LICENCE.into();
    installation.save(&home).expect("save installation");

    captured_logs();
    let request = mail_support::compose(&home).expect("compose");
    mail_support::send(&home, &request).expect("send over STARTTLS");
    let logs = captured_logs();

    assert_eq!(server.logins(), [(USER.to_owned(), PASSWORD.to_owned())]);
    let received = server.messages();
    assert_eq!(received.len(), 1);
    assert!(received[0].tls, "the message must travel encrypted");
    assert_eq!(received[0].user.as_deref(), Some(USER));
    let port = format!("port={}", server.port());
    assert!(
        logs.lines()
            .any(|l| l.contains("demande d'assistance envoyée") && l.contains(&port)),
        "no success line in the logs:\n{logs}"
    );

    // What must never show: the password, its stored forms, the key files.
    let mut forbidden = vec![
        PASSWORD.to_owned(),
        stored.clone(),
        stored.trim_start_matches("v1:").to_owned(),
        proxy_stored.clone(),
        "proxy-secret-123".to_owned(),
        LICENCE.to_owned(),
        BASE64.encode(PASSWORD),
    ];
    iea_maintenance::installation::support_key(&home).expect("support key");
    for file in [KEY_FILE_NAME, SUPPORT_KEY_FILE_NAME] {
        let bytes = std::fs::read(home.root().join(file)).expect("key file");
        forbidden.push(BASE64.encode(&bytes));
        forbidden.push(bytes.iter().fold(String::new(), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        }));
    }
    let mail = &received[0];
    let mut places = vec![
        ("mail as received", mail.text()),
        ("report", request.report.clone()),
        ("body", request.body.clone()),
        (
            "report written after sending",
            mail_support::report_text(&home),
        ),
        ("captured logs", logs),
    ];
    for part in parts(mail) {
        places.push(("decoded MIME part", crlf_to_lf(&part.body)));
    }
    for entry in std::fs::read_dir(home.logs_dir()).expect("logs dir") {
        let path = entry.expect("entry").path();
        places.push((
            "log file",
            std::fs::read_to_string(&path).unwrap_or_default(),
        ));
    }
    for (place, text) in &places {
        for secret in &forbidden {
            assert!(
                secret.len() < 8 || !text.contains(secret.as_str()),
                "a secret ({} chars) appears in the {place}",
                secret.len()
            );
        }
    }
    assert!(
        request
            .report
            .contains("mot de passe : (enregistré, chiffré)")
    );
    assert!(request.report.contains("Clé de licence : renseignée"));
}

#[test]
fn implicit_tls_delivers_with_the_extra_authority() {
    let (dir, home) = home();
    let ca = TestCa::new("Autorite de test SMTPS");
    let ca_file = ca.write_pem(dir.path());
    let server = SmtpServer::start(SmtpOptions {
        tls: SmtpTls::Implicit(loopback_cert(&ca).server_config()),
        ..SmtpOptions::default()
    });
    configure(&home, server.port(), MailSecurity::Tls, |c| {
        c.connection.extra_ca_file = Some(ca_file);
    });
    let request = mail_support::compose(&home).expect("compose");
    mail_support::send(&home, &request).expect("send over TLS");
    let received = server.messages();
    assert_eq!(received.len(), 1);
    assert!(received[0].tls);
}

#[test]
fn an_unknown_authority_is_a_tls_error_and_no_password_leaves() {
    let (dir, home) = home();
    let trusted = TestCa::new("Autorite de confiance");
    let stranger = TestCa::new("Autorite inconnue");
    let server = SmtpServer::start(SmtpOptions {
        tls: SmtpTls::StartTls(loopback_cert(&stranger).server_config()),
        credentials: Some((USER.into(), PASSWORD.into())),
        ..SmtpOptions::default()
    });
    let stored = SecretKey::load_or_create(&home)
        .expect("key")
        .encrypt(PASSWORD);
    configure(&home, server.port(), MailSecurity::Starttls, |c| {
        c.mail.user = USER.into();
        c.mail.password_encrypted = Some(stored);
        c.connection.extra_ca_file = Some(trusted.write_pem(dir.path()));
    });
    let request = mail_support::compose(&home).expect("compose");
    let err = mail_support::send(&home, &request).expect_err("untrusted certificate");
    assert!(matches!(err, SupportError::Tls { .. }), "{err:?}");
    assert!(server.logins().is_empty(), "the password was sent");
    assert!(server.messages().is_empty());
    let x = messages::support_error(&err);
    assert_eq!(x.title, "Liaison sécurisée impossible");
    assert!(!format!("{err} {err:?} {x:?}").contains(PASSWORD));
}

#[test]
fn a_server_without_starttls_is_refused_rather_than_used_in_clear() {
    let (_dir, home) = home();
    let server = SmtpServer::start(SmtpOptions::default());
    configure(&home, server.port(), MailSecurity::Starttls, |_| {});
    let request = mail_support::compose(&home).expect("compose");
    let err = mail_support::send(&home, &request).expect_err("no STARTTLS");
    assert!(matches!(err, SupportError::Tls { .. }), "{err:?}");
    assert!(server.messages().is_empty());
}

#[test]
fn a_refused_recipient_is_a_typed_error_with_french_words() {
    let (_dir, home) = home();
    let server = SmtpServer::start(SmtpOptions {
        refused_recipients: vec![DEFAULT_SUPPORT_ADDRESS.into()],
        ..SmtpOptions::default()
    });
    configure(&home, server.port(), MailSecurity::None, |_| {});
    let request = mail_support::compose(&home).expect("compose");
    let err = mail_support::send(&home, &request).expect_err("recipient refused");
    match &err {
        SupportError::Refused {
            step: SmtpStep::Recipient,
            code: 550,
            message,
        } => assert!(message.contains("User unknown"), "{message}"),
        other => panic!("expected a refused recipient, got {other:?}"),
    }
    assert!(server.messages().is_empty());
    let x = messages::support_error(&err);
    assert!(
        x.what.contains("a refusé l'adresse du destinataire"),
        "{x:#?}"
    );
    assert!(x.what.contains("code 550"), "{x:#?}");
    assert!(x.why.contains("rien n'est perdu"), "{x:#?}");
    for button in [
        "« Copier les destinataires »",
        "« Copier le contenu »",
        "« Enregistrer le rapport… »",
    ] {
        assert!(x.todo.contains(button), "{button}: {x:#?}");
    }
}

#[test]
fn a_wrong_password_is_an_authentication_error() {
    let (_dir, home) = home();
    let ca = TestCa::new("Autorite de test AUTH");
    let ca_file = ca.write_pem(home.root());
    let server = SmtpServer::start(SmtpOptions {
        tls: SmtpTls::StartTls(loopback_cert(&ca).server_config()),
        credentials: Some((USER.into(), PASSWORD.into())),
        ..SmtpOptions::default()
    });
    let stored = SecretKey::load_or_create(&home)
        .expect("key")
        .encrypt("ancien-mot-de-passe");
    configure(&home, server.port(), MailSecurity::Starttls, |c| {
        c.mail.user = USER.into();
        c.mail.password_encrypted = Some(stored);
        c.connection.extra_ca_file = Some(ca_file);
    });
    let request = mail_support::compose(&home).expect("compose");
    let err = mail_support::send(&home, &request).expect_err("wrong password");
    assert!(
        matches!(
            &err,
            SupportError::Authentication { user, code: Some(535), .. } if user == USER
        ),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains("ancien-mot-de-passe"));
    assert!(server.messages().is_empty());
}

/// The refusal is told apart from a time-out (`timed_out: false`): it does
/// not wait for the time limit. How long it takes is measured by the
/// `time_limits` benchmark, beside a plain TCP connection refused alike.
#[test]
fn nothing_listening_is_a_connection_error_not_a_time_out() {
    let (_dir, home) = home();
    configure(&home, unused_port(), MailSecurity::None, |_| {});
    let request = mail_support::compose(&home).expect("compose");
    let err = mail_support::send(&home, &request).expect_err("nobody there");
    assert!(
        matches!(
            &err,
            SupportError::Connection {
                timed_out: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        messages::support_error(&err).title,
        "Serveur d'envoi injoignable"
    );
}

#[test]
fn sending_without_configuration_says_so() {
    let (_dir, home) = home();
    let request = mail_support::compose(&home).expect("compose");
    assert!(!mail_support::sending_configured(
        &Config::load(&home).expect("config")
    ));
    let err = mail_support::send(&home, &request).expect_err("not configured");
    assert!(matches!(err, SupportError::NotConfigured), "{err:?}");
    let x = messages::support_error(&err);
    assert!(x.todo.contains("« Copier le contenu »"), "{x:#?}");
}

#[test]
fn a_bad_recipient_is_refused_before_any_network() {
    let (_dir, home) = home();
    configure(&home, unused_port(), MailSecurity::None, |_| {});
    let mut request = mail_support::compose(&home).expect("compose");
    request.to = "assistance".into();
    let err = mail_support::send(&home, &request).expect_err("bad address");
    assert!(
        matches!(
            &err,
            SupportError::Address {
                role: AddressRole::Recipient,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn save_report_writes_the_same_report() {
    let (dir, home) = home();
    let request: SupportRequest = mail_support::compose(&home).expect("compose");
    let path = dir.path().join(&request.report_name);
    mail_support::save_report(&request, &path).expect("save");
    assert_eq!(
        std::fs::read_to_string(&path).expect("read back"),
        request.report
    );
    let missing = dir.path().join("absent").join("rapport.txt");
    let err = mail_support::save_report(&request, &missing).expect_err("no folder");
    assert!(matches!(err, SupportError::Io { .. }), "{err:?}");
    assert!(!Path::new(&missing).exists());
}
