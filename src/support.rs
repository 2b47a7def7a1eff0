//! "Demande d'assistance à distance…": a message to the support team, prefilled
//! with the installation's facts, and the support report that goes with it.
//!
//! [`compose`] gathers what support needs (versions, host, installation id, the
//! store, the connection state and its history, the last server test, the recent
//! log lines, the configuration) into a [`SupportRequest`]: the address, the
//! subject the practical guides ask for (`Serveur de connexion <version>`), a
//! French body with a place for the user's contact details, and the report as a
//! text file. [`send`] mails it over SMTP (lettre, rustls, a timeout on every
//! step); when that cannot work, the screen offers the guides' fallback: copy the
//! recipients, copy the content, save the report ([`save_report`]) and send it
//! from the usual mailbox.
//!
//! No secret ever leaves through here: the report renders the configuration field
//! by field and only says whether a password is stored, the licence key is never
//! shown, and the SMTP password is decrypted at the last moment, handed to the
//! SMTP client and never put in an error or a log line.

use std::fmt::{self, Write as _};
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{
    Certificate, CertificateStore, SmtpConnection, TlsParameters,
};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;

use crate::config::{Config, ConfigError, MailSecurity, MailSettings};
use crate::connection::servers::ServerTestReport;
use crate::diagnostics::Diagnosis;
use crate::fsutil;
use crate::home::Home;
use crate::installation::Installation;
use crate::messages;
use crate::secrets::{SecretError, SecretKey};
use crate::service::persist::PersistedState;
use crate::store::{Store, StoreError, StoreSummary};

/// How long each network step of [`send`] may take (connecting, then every
/// command and its answer) before the server is said not to answer.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(20);

/// How many log lines the report carries.
pub const REPORT_LOG_LINES: usize = 200;

/// A message to support, ready to send or to copy into a mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportRequest {
    /// The recipient(s), comma-separated: the support address of the configuration.
    pub to: String,
    /// The subject ("Serveur de connexion 3.1.0" by default).
    pub subject: String,
    /// The body, in French, with a place for the user's contact details.
    pub body: String,
    /// File name of the attached report (`rapport-support-AAAAMMJJ-HHMMSS.txt`).
    pub report_name: String,
    /// The support report ([`report_text`]).
    pub report: String,
}

/// Which address of the message is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressRole {
    /// The sender (`mail.sender`).
    Sender,
    /// A recipient (the request's "À").
    Recipient,
}

/// The SMTP step a server refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpStep {
    /// Its greeting or the answer to EHLO: it takes no message from us.
    Greeting,
    /// `MAIL FROM`: the sender.
    Sender,
    /// `RCPT TO`: a recipient.
    Recipient,
    /// `DATA` and the message itself (size, content).
    Message,
}

impl fmt::Display for SmtpStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Greeting => "greeting",
            Self::Sender => "sender",
            Self::Recipient => "recipient",
            Self::Message => "message",
        })
    }
}

/// Why a support request could not be sent or saved. No variant carries a
/// password, a key or a stored (encrypted) secret.
#[derive(Debug, thiserror::Error)]
pub enum SupportError {
    /// No SMTP server or no sender address in the configuration.
    #[error("support mail is not configured (SMTP server or sender missing)")]
    NotConfigured,
    /// `config.toml` could not be read. (Only the file is in the message: the
    /// parser's text may quote a value.)
    #[error("configuration unusable: {}", .0.path().display())]
    Config(#[from] ConfigError),
    /// An address of the message is not an e-mail address.
    #[error("invalid {role:?} address: {address}")]
    Address {
        /// Which one.
        role: AddressRole,
        /// The address as written.
        address: String,
    },
    /// The SMTP server could not be reached or stopped answering.
    #[error("cannot talk to SMTP server {host}:{port}: {detail}")]
    Connection {
        /// The server.
        host: String,
        /// Its port.
        port: u16,
        /// No answer within [`SEND_TIMEOUT`].
        timed_out: bool,
        /// The system's or the client's message.
        detail: String,
    },
    /// The encrypted link could not be set up: certificate not trusted, wrong
    /// name, STARTTLS not offered, TLS spoken by only one side.
    #[error("TLS with SMTP server {host}:{port} failed: {detail}")]
    Tls {
        /// The server.
        host: String,
        /// Its port.
        port: u16,
        /// What the TLS library or the server said.
        detail: String,
    },
    /// The extra certificate authority of the configuration cannot be used.
    #[error("extra certificate authority {path}: {detail}")]
    ExtraCa {
        /// The file (`connection.extra_ca_file`).
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
    },
    /// A password is stored but the link is not encrypted and the server is not
    /// on this computer: the password is not sent in clear.
    #[error("refusing to send the SMTP password unencrypted to {host}")]
    PasswordInClear {
        /// The server.
        host: String,
    },
    /// The server refused the user name and password (or offers no way to log in).
    #[error("SMTP authentication refused for user {user:?}: {code:?} {message}")]
    Authentication {
        /// The user name of the configuration (not secret).
        user: String,
        /// The SMTP reply code, when the server answered one.
        code: Option<u16>,
        /// The server's text, or the client's when the server gave none.
        message: String,
    },
    /// The server refused a step of the sending with an SMTP error code.
    #[error("SMTP server refused the {step}: {code} {message}")]
    Refused {
        /// Which step.
        step: SmtpStep,
        /// The SMTP reply code (550, 554, 452…).
        code: u16,
        /// The server's text.
        message: String,
    },
    /// The server answered something that is not SMTP.
    #[error("unexpected answer from SMTP server {host}:{port}: {detail}")]
    Protocol {
        /// The server.
        host: String,
        /// Its port.
        port: u16,
        /// The client's message.
        detail: String,
    },
    /// The SMTP password could not be decrypted (key file missing or damaged).
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The report could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The system error.
        source: io::Error,
    },
}

/// Whether support mail can be sent: an SMTP server and a sender are set.
pub fn sending_configured(config: &Config) -> bool {
    !config.mail.smtp_host.trim().is_empty() && !config.mail.sender.trim().is_empty()
}

/// Prepares a support request for the installation at `home`: the support
/// address, the default subject, the French body with the installation's facts
/// and a place for the user's contact details, and the report (the facts are
/// [`SupportFacts`]; `messages` writes them out).
///
/// Meant for installations in trouble, so everything that cannot be read (a
/// damaged configuration, a store that does not open, no identity file) is
/// described in the text rather than refused: today it never fails, and the
/// `Result` keeps the screens' error path ready. Runs [`diagnose`] when the store
/// does not open, which may take a few seconds on a hung share: call it off the
/// GUI thread.
///
/// [`diagnose`]: crate::diagnostics::diagnose
pub fn compose(home: &Home) -> Result<SupportRequest, SupportError> {
    crate::fsutil::debug_assert_not_ui_thread("support::compose");
    let facts = SupportFacts::gather(home);
    Ok(SupportRequest {
        to: facts.config().mail.support_address.clone(),
        subject: messages::support_subject(),
        body: messages::support_body(&facts),
        report_name: facts.report_name(),
        report: scrub(home, facts.config(), messages::support_report(&facts)),
    })
}

/// The support report of the installation at `home`: versions, current state and
/// its recent history, the last server test, the store (and the diagnosis when
/// it does not open), the recent log lines and the configuration without any
/// secret. Plain text, French headings.
pub fn report_text(home: &Home) -> String {
    let facts = SupportFacts::gather(home);
    scrub(home, facts.config(), messages::support_report(&facts))
}

/// Writes the request's report to `path`, atomically.
pub fn save_report(request: &SupportRequest, path: &Path) -> Result<(), SupportError> {
    crate::fsutil::debug_assert_not_ui_thread("support::save_report");
    fsutil::write_atomic(path, request.report.as_bytes()).map_err(|source| SupportError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Sends `request` through the SMTP server of the configuration of `home`:
/// From the configured sender, To the request's recipients, the body as text and
/// the report as a `text/plain` attachment.
///
/// The link follows `mail.security`: STARTTLS required (never continuing in
/// clear), TLS from the first byte, or none (local relays). Certificates are
/// checked against the usual roots (Mozilla's and the system's) plus
/// `connection.extra_ca_file`. The password, stored encrypted, is decrypted here
/// and never sent over an unencrypted link to another computer. Each network step
/// gives up after [`SEND_TIMEOUT`].
pub fn send(home: &Home, request: &SupportRequest) -> Result<(), SupportError> {
    send_as(home, request, Outgoing::SupportRequest)
}

/// Which message [`send_as`] sends: it is named in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outgoing {
    /// The request for remote assistance.
    SupportRequest,
    /// The report of the database transfer (seed 004, step 6).
    TransferReport,
}

impl Outgoing {
    /// The log's words once it went, and when it did not.
    fn log_words(self) -> (&'static str, &'static str) {
        match self {
            Self::SupportRequest => (
                "demande d'assistance envoyée",
                "demande d'assistance non envoyée",
            ),
            Self::TransferReport => (
                "rapport de reprise de données envoyé",
                "rapport de reprise de données non envoyé",
            ),
        }
    }
}

/// [`send`] for another message than a support request (the transfer's
/// report): the same SMTP settings and checks.
pub fn send_as(home: &Home, request: &SupportRequest, kind: Outgoing) -> Result<(), SupportError> {
    let (sent, not_sent) = kind.log_words();
    crate::fsutil::debug_assert_not_ui_thread("support::send");
    crate::connection::install_crypto_provider();
    let config = Config::load(home)?;
    if !sending_configured(&config) {
        return Err(SupportError::NotConfigured);
    }
    let mail = &config.mail;
    let host = mail.smtp_host.trim().to_owned();
    let port = mail.smtp_port;
    let message = build_message(mail, request)?;
    let password_stored = mail.password_encrypted.is_some() && !mail.user.trim().is_empty();
    if password_stored && mail.security == MailSecurity::None && !is_loopback(&host) {
        return Err(SupportError::PasswordInClear { host });
    }
    let credentials = credentials(home, mail)?;
    let tls = match mail.security {
        MailSecurity::None => None,
        MailSecurity::Starttls | MailSecurity::Tls => Some(tls_parameters(
            &host,
            port,
            config.connection.extra_ca_file.as_deref(),
        )?),
    };
    let link = Link {
        host: &host,
        port,
        security: mail.security,
        tls: tls.as_ref(),
        user: mail.user.trim(),
    };
    let result = link.transmit(&message, credentials.as_ref());
    match &result {
        Ok(()) => tracing::info!(
            serveur = %host,
            port,
            destinataires = %request.to,
            rapport = %request.report_name,
            "{sent}"
        ),
        Err(e) => tracing::warn!(
            serveur = %host,
            port,
            destinataires = %request.to,
            erreur = %e,
            "{not_sent}"
        ),
    }
    result
}

// ---------------------------------------------------------------------------
// Sending.

/// The mail as the server will receive it.
fn build_message(mail: &MailSettings, request: &SupportRequest) -> Result<Message, SupportError> {
    let sender = mail.sender.trim();
    let from: Mailbox = sender.parse().map_err(|_| SupportError::Address {
        role: AddressRole::Sender,
        address: sender.to_owned(),
    })?;
    let mut builder = Message::builder()
        .from(from.clone())
        .reply_to(from)
        .subject(request.subject.trim())
        .message_id(None)
        .user_agent(format!(
            "iea-maintenance {}",
            crate::updates::program_version()
        ));
    let mut recipients = 0;
    for address in request.to.split([',', ';']).map(str::trim) {
        if address.is_empty() {
            continue;
        }
        let to: Mailbox = address.parse().map_err(|_| SupportError::Address {
            role: AddressRole::Recipient,
            address: address.to_owned(),
        })?;
        builder = builder.to(to);
        recipients += 1;
    }
    if recipients == 0 {
        return Err(SupportError::Address {
            role: AddressRole::Recipient,
            address: request.to.clone(),
        });
    }
    let text_utf8 =
        ContentType::parse("text/plain; charset=utf-8").unwrap_or(ContentType::TEXT_PLAIN);
    builder
        .multipart(
            MultiPart::mixed()
                .singlepart(SinglePart::plain(request.body.clone()))
                .singlepart(
                    Attachment::new(request.report_name.clone())
                        .body(request.report.clone(), text_utf8),
                ),
        )
        .map_err(|e| SupportError::Address {
            role: AddressRole::Recipient,
            address: format!("{} ({e})", request.to),
        })
}

/// The SMTP credentials: the user of the configuration with the decrypted
/// password, or none when no user is set.
fn credentials(home: &Home, mail: &MailSettings) -> Result<Option<Credentials>, SupportError> {
    let user = mail.user.trim();
    if user.is_empty() {
        return Ok(None);
    }
    let password = match &mail.password_encrypted {
        Some(stored) => SecretKey::load_or_create(home)?.decrypt(stored)?,
        None => String::new(),
    };
    Ok(Some(Credentials::new(user.to_owned(), password)))
}

/// Whether `host` names this computer (a relay there may see a password in clear).
fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// TLS settings for `host`: Mozilla's roots, the system's, and the extra
/// authority of the configuration. Verification is never switched off.
fn tls_parameters(
    host: &str,
    port: u16,
    extra_ca: Option<&Path>,
) -> Result<TlsParameters, SupportError> {
    let tls_error = |detail: String| SupportError::Tls {
        host: host.to_owned(),
        port,
        detail,
    };
    let mut builder =
        TlsParameters::builder(host.to_owned()).certificate_store(CertificateStore::WebpkiRoots);
    // lettre refuses the whole set when one root does not parse; the system's store
    // may hold such a certificate, so only those rustls accepts are handed over.
    let mut probe = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        if probe.add(cert.clone()).is_ok()
            && let Ok(root) = Certificate::from_der(cert.to_vec())
        {
            builder = builder.add_root_certificate(root);
        }
    }
    if let Some(path) = extra_ca {
        for root in extra_roots(path)? {
            builder = builder.add_root_certificate(root);
        }
    }
    builder.build_rustls().map_err(|e| tls_error(e.to_string()))
}

/// The certificates of the extra authority file, each checked.
fn extra_roots(path: &Path) -> Result<Vec<Certificate>, SupportError> {
    let ca_error = |detail: String| SupportError::ExtraCa {
        path: path.to_path_buf(),
        detail,
    };
    let pem = std::fs::read(path).map_err(|e| ca_error(e.to_string()))?;
    let ders = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ca_error(format!("not a PEM file: {e}")))?;
    if ders.is_empty() {
        return Err(ca_error("no certificate in the file".to_owned()));
    }
    let mut probe = rustls::RootCertStore::empty();
    ders.into_iter()
        .map(|der| {
            probe
                .add(der.clone())
                .map_err(|e| ca_error(format!("unusable certificate: {e}")))?;
            Certificate::from_der(der.to_vec()).map_err(|e| ca_error(e.to_string()))
        })
        .collect()
}

/// One SMTP conversation.
struct Link<'a> {
    host: &'a str,
    port: u16,
    security: MailSecurity,
    tls: Option<&'a TlsParameters>,
    user: &'a str,
}

/// Where the conversation was when something failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Connect,
    StartTls,
    Auth,
    Smtp(SmtpStep),
}

impl Link<'_> {
    fn transmit(
        &self,
        message: &Message,
        credentials: Option<&Credentials>,
    ) -> Result<(), SupportError> {
        let hello = ClientId::default();
        let wrapper = match self.security {
            MailSecurity::Tls => self.tls,
            MailSecurity::Starttls | MailSecurity::None => None,
        };
        let mut conn = SmtpConnection::connect(
            (self.host, self.port),
            Some(SEND_TIMEOUT),
            &hello,
            wrapper,
            None,
        )
        .map_err(|e| self.error(Stage::Connect, &e))?;
        let result = self.converse(&mut conn, &hello, message, credentials);
        if result.is_ok() {
            // The message is accepted; a failed goodbye changes nothing.
            let _ = conn.quit();
        } else {
            conn.abort();
        }
        result
    }

    fn converse(
        &self,
        conn: &mut SmtpConnection,
        hello: &ClientId,
        message: &Message,
        credentials: Option<&Credentials>,
    ) -> Result<(), SupportError> {
        if self.security == MailSecurity::Starttls {
            let Some(tls) = self.tls else {
                return Err(self.tls_error("no TLS parameters".to_owned()));
            };
            // Never go on in clear when the server does not offer STARTTLS: the
            // password and the report would travel unencrypted.
            if !conn.can_starttls() {
                return Err(self.tls_error("the server does not offer STARTTLS".to_owned()));
            }
            conn.starttls(tls, hello)
                .map_err(|e| self.error(Stage::StartTls, &e))?;
        }
        if let Some(credentials) = credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .map_err(|e| self.error(Stage::Auth, &e))?;
        }
        let envelope = message.envelope();
        let email = message.formatted();
        let mut options = Vec::new();
        if !email.is_ascii() {
            if !conn.server_info().supports_feature(Extension::EightBitMime) {
                return Err(SupportError::Protocol {
                    host: self.host.to_owned(),
                    port: self.port,
                    detail: "message needs 8BITMIME, which the server does not offer".to_owned(),
                });
            }
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        // An address with accents (allowed by the configuration) needs SMTPUTF8.
        let non_ascii = envelope
            .from()
            .is_some_and(|a| !AsRef::<str>::as_ref(a).is_ascii())
            || envelope
                .to()
                .iter()
                .any(|a| !AsRef::<str>::as_ref(a).is_ascii());
        if non_ascii {
            if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
                return Err(SupportError::Protocol {
                    host: self.host.to_owned(),
                    port: self.port,
                    detail: "an address has non-ASCII characters and the server does not \
                             offer SMTPUTF8"
                        .to_owned(),
                });
            }
            options.push(MailParameter::SmtpUtfEight);
        }
        conn.command(Mail::new(envelope.from().cloned(), options))
            .map_err(|e| self.error(Stage::Smtp(SmtpStep::Sender), &e))?;
        for to in envelope.to() {
            conn.command(Rcpt::new(to.clone(), Vec::new()))
                .map_err(|e| self.error(Stage::Smtp(SmtpStep::Recipient), &e))?;
        }
        conn.command(Data)
            .map_err(|e| self.error(Stage::Smtp(SmtpStep::Message), &e))?;
        conn.message(&email)
            .map_err(|e| self.error(Stage::Smtp(SmtpStep::Message), &e))?;
        Ok(())
    }

    fn tls_error(&self, detail: String) -> SupportError {
        SupportError::Tls {
            host: self.host.to_owned(),
            port: self.port,
            detail,
        }
    }

    /// Turns lettre's error at `stage` into ours. lettre's errors carry the
    /// server's text and the system's, never the credentials.
    fn error(&self, stage: Stage, e: &lettre::transport::smtp::Error) -> SupportError {
        let detail = error_chain(e);
        if let Some(code) = e.status() {
            let code = code.to_string().parse::<u16>().unwrap_or_default();
            let message = server_text(e);
            return match stage {
                // 530: authentication required; 534/535/538/454: refused or unavailable.
                Stage::Auth => self.auth_error(Some(code), message),
                _ if matches!(code, 530 | 534 | 535 | 538) => self.auth_error(Some(code), message),
                Stage::StartTls => self.tls_error(format!("{code} {message}")),
                Stage::Connect => SupportError::Refused {
                    step: SmtpStep::Greeting,
                    code,
                    message,
                },
                Stage::Smtp(step) => SupportError::Refused {
                    step,
                    code,
                    message,
                },
            };
        }
        if has_tls_cause(e) || e.is_tls() {
            return self.tls_error(detail);
        }
        if e.is_timeout() {
            return SupportError::Connection {
                host: self.host.to_owned(),
                port: self.port,
                timed_out: true,
                detail,
            };
        }
        if e.is_client() && stage == Stage::Auth {
            return self.auth_error(None, detail);
        }
        if e.is_response() || e.is_client() {
            // Plain text from a TLS port (or TLS bytes from a plain one) reads as
            // garbage: say so when TLS is in play.
            return if self.security == MailSecurity::Tls && stage == Stage::Connect {
                self.tls_error(detail)
            } else {
                SupportError::Protocol {
                    host: self.host.to_owned(),
                    port: self.port,
                    detail,
                }
            };
        }
        SupportError::Connection {
            host: self.host.to_owned(),
            port: self.port,
            timed_out: false,
            detail,
        }
    }

    fn auth_error(&self, code: Option<u16>, message: String) -> SupportError {
        SupportError::Authentication {
            user: self.user.to_owned(),
            code,
            message,
        }
    }
}

/// The server's text of a negative reply (lettre keeps it as the error's source).
fn server_text(e: &lettre::transport::smtp::Error) -> String {
    std::error::Error::source(e).map_or_else(String::new, ToString::to_string)
}

/// The error and its causes on one line, the inner messages of I/O errors
/// included (their `source` skips them).
fn error_chain(e: &lettre::transport::smtp::Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let line = c.to_string();
        if !text.contains(&line) {
            let _ = write!(text, ": {line}");
        }
        cause = c.source();
    }
    text
}

/// Whether a rustls error is among the causes (a certificate the roots do not
/// vouch for, a handshake failure): rustls reports them inside I/O errors.
fn has_tls_cause(e: &lettre::transport::smtp::Error) -> bool {
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        if c.is::<rustls::Error>() {
            return true;
        }
        if let Some(inner) = c.downcast_ref::<io::Error>().and_then(io::Error::get_ref)
            && inner.is::<rustls::Error>()
        {
            return true;
        }
        cause = c.source();
    }
    false
}

// ---------------------------------------------------------------------------
// The facts of the request and the report.

/// Everything the request's body and the report say, read once: facts only,
/// which `messages` writes out in French. It holds the configuration and the
/// installation as read (a licence key among them): only `messages` decides what
/// is shown, and it shows whether a secret is stored, never the secret.
#[derive(Debug)]
pub struct SupportFacts {
    /// When the facts were read.
    pub now: chrono::DateTime<chrono::Local>,
    /// The application folder (`IEA_HOME`).
    pub home_dir: PathBuf,
    /// `config.toml`.
    pub config_file: PathBuf,
    /// The configuration as read.
    pub config: Result<Config, ConfigError>,
    /// The defaults, used in the report when the configuration cannot be read.
    pub defaults: Config,
    /// The installation's identity, or why it is unavailable.
    pub installation: Result<Installation, String>,
    /// This computer's name.
    pub host_name: String,
    /// The operating system: `linux (Debian GNU/Linux 12 (bookworm)), x86_64`.
    pub operating_system: String,
    /// The service's persisted state (connection, assistance mode, history).
    pub persisted: PersistedState,
    /// The store's contents, or why it does not open.
    pub store: Result<StoreSummary, StoreError>,
    /// The store's size on disk.
    pub store_size_bytes: u64,
    /// The diagnosis, when the store does not open.
    pub diagnosis: Option<Diagnosis>,
    /// The last test of the servers, when one was made.
    pub server_test: Option<ServerTestReport>,
    /// The last [`REPORT_LOG_LINES`] log lines at most.
    pub log_lines: io::Result<Vec<String>>,
}

impl SupportFacts {
    /// Reads the facts of the installation at `home`. Runs [`diagnose`] when the
    /// store does not open, which may take a few seconds on a hung share.
    ///
    /// [`diagnose`]: crate::diagnostics::diagnose
    pub fn gather(home: &Home) -> Self {
        let config = Config::load(home);
        let defaults = Config::defaults(home);
        let effective = config.as_ref().unwrap_or(&defaults);
        let store_path = effective.paths.store.clone();
        let logs = effective.paths.logs.clone();
        let store = Store::open_read_only(&store_path).and_then(|s| s.summary());
        // The diagnosis takes a few seconds at worst; only a store in trouble needs it.
        let diagnosis = store
            .is_err()
            .then(|| crate::diagnostics::diagnose(&store_path));
        Self {
            now: chrono::Local::now(),
            home_dir: home.root().to_path_buf(),
            config_file: home.config_file(),
            installation: Installation::load_or_create(home).map_err(|e| e.to_string()),
            host_name: crate::installation::hostname(),
            operating_system: operating_system(),
            persisted: PersistedState::load(home),
            store,
            store_size_bytes: crate::store::size_on_disk(&store_path),
            diagnosis,
            server_test: ServerTestReport::load_last(home),
            log_lines: crate::logging::recent_lines(&logs, REPORT_LOG_LINES),
            config,
            defaults,
        }
    }

    /// The configuration in use (the defaults when the file cannot be read).
    pub fn config(&self) -> &Config {
        self.config.as_ref().unwrap_or(&self.defaults)
    }

    /// File name of the report: `rapport-support-AAAAMMJJ-HHMMSS.txt`.
    pub fn report_name(&self) -> String {
        format!("rapport-support-{}.txt", self.now.format("%Y%m%d-%H%M%S"))
    }
}

/// `linux (Debian GNU/Linux 12 (bookworm)), x86_64`.
fn operating_system() -> String {
    let pretty = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim().trim_matches('"').to_owned())
        });
    match pretty {
        Some(name) => format!(
            "{} ({name}), {}",
            std::env::consts::OS,
            std::env::consts::ARCH
        ),
        None => format!("{}, {}", std::env::consts::OS, std::env::consts::ARCH),
    }
}

/// Belt and braces: masks every stored secret (encrypted texts, and the
/// passwords they hold when the key is there) should one have slipped into a log
/// line the report quotes. The report's own lines never write them.
fn scrub(home: &Home, config: &Config, mut report: String) -> String {
    let stored: Vec<&String> = [
        config.mail.password_encrypted.as_ref(),
        config.connection.proxy.password_encrypted.as_ref(),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.trim().is_empty())
    .collect();
    if stored.is_empty() {
        return report;
    }
    let mut secrets: Vec<String> = stored.iter().map(|s| s.trim().to_owned()).collect();
    // Only read an existing key: the report never creates one.
    if home.root().join(crate::secrets::KEY_FILE_NAME).is_file()
        && let Ok(key) = SecretKey::load_or_create(home)
    {
        secrets.extend(stored.iter().filter_map(|s| key.decrypt(s).ok()));
    }
    for secret in secrets {
        // Very short passwords would mask ordinary words; they are not masked.
        if secret.chars().count() >= 4 && report.contains(&secret) {
            report = report.replace(&secret, messages::SECRET_MASKED);
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConnectionKind, ConnectionMode};
    use crate::connection::servers::{ServerName, ServerProblem, ServerResult, Step};
    use crate::service::state::ConnectionState;

    fn home() -> (tempfile::TempDir, Home) {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        home.ensure().expect("home");
        (dir, home)
    }

    #[test]
    fn the_report_says_whether_secrets_are_stored_never_what_they_are() {
        let (_dir, home) = home();
        let key = SecretKey::load_or_create(&home).expect("key");
        let smtp = key.encrypt("smtp-secret-42");
        let proxy = key.encrypt("proxy-secret-43");
        let mut config = Config::defaults(&home);
        config.mail.user = "paie@asso.fr".into();
        config.mail.password_encrypted = Some(smtp.clone());
        config.connection.proxy.user = "jdupont".into();
        config.connection.proxy.password_encrypted = Some(proxy.clone());
        config.save(&home).expect("save");
        let mut installation = Installation::load_or_create(&home).expect("installation");
        installation.licence_key = "LIC-0001-SECRETE".into();
        installation.save(&home).expect("save installation");
        // A line that should never have been logged: the report masks it.
        std::fs::write(
            home.logs_dir().join("iea-maintenance.2026-11-22.log"),
            format!("2026-11-22 10:00:00 WARN fuite {smtp} smtp-secret-42 proxy-secret-43\n"),
        )
        .expect("log");

        let report = report_text(&home);
        assert!(
            report
                .contains("Utilisateur SMTP : paie@asso.fr ; mot de passe : (enregistré, chiffré)"),
            "{report}"
        );
        assert!(
            report.contains("utilisateur : jdupont ; mot de passe : (enregistré, chiffré)"),
            "{report}"
        );
        assert!(report.contains("Clé de licence : renseignée"), "{report}");
        assert!(
            report.contains("WARN fuite (masqué) (masqué) (masqué)"),
            "{report}"
        );
        for secret in [
            smtp.as_str(),
            proxy.as_str(),
            "smtp-secret-42",
            "proxy-secret-43",
            "LIC-0001-SECRETE",
        ] {
            assert!(!report.contains(secret), "{secret} in:\n{report}");
        }
    }

    #[test]
    fn a_damaged_configuration_is_described_without_quoting_its_values() {
        let (_dir, home) = home();
        // A password typed by hand, as a number: the parser's text would quote it.
        std::fs::write(home.config_file(), "[mail]\npassword = 314159265\n").expect("write");
        assert!(Config::load(&home).is_err());
        let request = compose(&home).expect("compose works on a damaged installation");
        assert_eq!(request.to, crate::config::DEFAULT_SUPPORT_ADDRESS);
        assert!(
            request
                .report
                .contains("Fichier illisible, réglages par défaut utilisés ci-dessous"),
            "{}",
            request.report
        );
        assert!(request.report.contains("ligne 2"), "{}", request.report);
        assert!(!request.report.contains("314159265"), "{}", request.report);
    }

    #[test]
    fn a_store_that_does_not_open_is_described_with_the_diagnosis() {
        let (_dir, home) = home();
        let request = compose(&home).expect("compose");
        assert!(request.body.contains("ne s'ouvre pas"), "{}", request.body);
        assert!(
            request.report.contains("Conclusion du diagnostic : "),
            "{}",
            request.report
        );
        assert!(
            request
                .report
                .contains("Rapport de diagnostic de la base de données"),
            "{}",
            request.report
        );
    }

    #[test]
    fn state_history_and_server_test_read_in_french() {
        let (_dir, home) = home();
        let mut state = PersistedState::default();
        state.set_connection(
            ConnectionState::AuthRefused {
                message: "Autorisation refusée pour ce poste".into(),
            },
            "réponse du serveur",
        );
        state.save(&home).expect("state");
        ServerTestReport {
            at: "2026-11-22T10:00:00+01:00".into(),
            mode: ConnectionMode::Secure,
            kind: ConnectionKind::Direct,
            results: vec![
                ServerResult {
                    name: ServerName::Authentification,
                    url: "https://impact-emploi.urssaf.fr/".into(),
                    ok: true,
                    step: Step::Ok,
                    problem: None,
                    elapsed_ms: 120,
                },
                ServerResult {
                    name: ServerName::MiseAJour,
                    url: "https://impact-emploi.urssaf.fr/updates".into(),
                    ok: false,
                    step: Step::Tcp,
                    problem: Some(ServerProblem::ConnectionRefused),
                    elapsed_ms: 3,
                },
            ],
        }
        .save_last(&home)
        .expect("server test");

        let request = compose(&home).expect("compose");
        assert!(
            request.body.contains(
                "État de la connexion : Serveur d'authentification : autorisation refusée \
                 (message du serveur : Autorisation refusée pour ce poste)"
            ),
            "{}",
            request.body
        );
        let report = &request.report;
        assert!(
            report.contains(
                "Serveur d'authentification : autorisation refusée [auth_refused] – réponse du \
                 serveur"
            ),
            "{report}"
        );
        assert!(
            report.contains("Le 2026-11-22T10:00:00+01:00 (mode Sécurisé"),
            "{report}"
        );
        assert!(
            report.contains("https://impact-emploi.urssaf.fr/updates"),
            "{report}"
        );
        assert!(report.contains("Connexion refusée"), "{report}");
    }

    #[test]
    fn sending_needs_a_server_and_a_sender() {
        let (_dir, home) = home();
        let mut config = Config::defaults(&home);
        assert!(!sending_configured(&config));
        config.mail.smtp_host = "smtp.asso.fr".into();
        assert!(!sending_configured(&config));
        config.mail.sender = "paie@asso.fr".into();
        assert!(sending_configured(&config));
    }

    #[test]
    fn a_password_is_never_sent_in_clear_to_another_computer() {
        let (_dir, home) = home();
        let key = SecretKey::load_or_create(&home).expect("key");
        let mut config = Config::defaults(&home);
        config.mail.smtp_host = "smtp.example.invalid".into();
        config.mail.smtp_port = 25;
        config.mail.security = MailSecurity::None;
        config.mail.sender = "paie@asso.fr".into();
        config.mail.user = "paie@asso.fr".into();
        config.mail.password_encrypted = Some(key.encrypt("en-clair-jamais"));
        config.save(&home).expect("save");
        let request = compose(&home).expect("compose");
        let err = send(&home, &request).expect_err("refused");
        assert!(
            matches!(&err, SupportError::PasswordInClear { host } if host == "smtp.example.invalid"),
            "{err:?}"
        );
        assert!(is_loopback("127.0.0.1") && is_loopback("::1") && is_loopback("[::1]"));
        assert!(is_loopback("localhost") && !is_loopback("smtp.asso.fr"));
        assert!(!is_loopback("10.0.0.1"));
    }

    #[test]
    fn an_extra_authority_file_must_hold_a_certificate() {
        let (dir, _home) = home();
        let bad = dir.path().join("ca.pem");
        std::fs::write(&bad, "pas un certificat\n").expect("write");
        assert!(matches!(
            extra_roots(&bad),
            Err(SupportError::ExtraCa { detail, .. }) if detail.contains("no certificate")
        ));
        assert!(matches!(
            extra_roots(&dir.path().join("absent.pem")),
            Err(SupportError::ExtraCa { .. })
        ));
    }

    #[test]
    fn the_report_file_is_named_after_the_time() {
        let (_dir, home) = home();
        let request = compose(&home).expect("compose");
        let stamp = request
            .report_name
            .strip_prefix("rapport-support-")
            .and_then(|s| s.strip_suffix(".txt"))
            .expect("name");
        let (date, time) = stamp.split_once('-').expect("date-time");
        assert_eq!((date.len(), time.len()), (8, 6), "{stamp}");
        assert!(date.chars().chain(time.chars()).all(|c| c.is_ascii_digit()));
        assert_eq!(request.subject, messages::support_subject());
    }
}
