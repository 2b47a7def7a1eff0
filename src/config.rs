//! `config.toml`: the connection settings, the application paths and the e-mail
//! settings for support, read into validated types.
//!
//! The file is read into a raw form (every value with its place in the file), then
//! validated into [`Config`]. A file that cannot be read or holds a bad value gives a
//! [`ConfigError`] naming the line and the key; such a file is never overwritten
//! silently: [`reset_keeping_copy`] first keeps a dated copy. Saving is atomic.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;
use url::Url;

use crate::fsutil;
use crate::home::Home;

/// Default address of the authentication server (PROTOCOL.md).
pub const DEFAULT_AUTH_URL: &str = "https://impact-emploi.urssaf.fr";
/// Default address of the update server (PROTOCOL.md).
pub const DEFAULT_UPDATE_URL: &str = "https://impact-emploi.urssaf.fr/updates";
/// Default Net-entreprises authentication address (PROTOCOL.md).
pub const DEFAULT_NET_ENTREPRISES_URL: &str =
    "https://services.net-entreprises.fr/authentifier/1.0/";
/// The support address of the original product (seed 000).
pub const DEFAULT_SUPPORT_ADDRESS: &str = "impact-emploi-association@urssaf.fr";

/// "Type de connexion".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionKind {
    /// "Connexion directe par réseau local".
    Direct,
    /// "Connexion par l'intermédiaire d'un serveur proxy".
    Proxy,
    /// "Connexion en utilisant les paramètres du système".
    System,
}

/// "Mode de connexion".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionMode {
    /// Normal: addresses as typed, short timeouts.
    Normal,
    /// Étendu: longer timeouts and retries for slow links.
    Extended,
    /// Sécurisé: `https://` only, certificates verified. The default.
    Secure,
}

/// Security of the SMTP link used for support mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailSecurity {
    /// Plain connection upgraded with STARTTLS.
    Starttls,
    /// TLS from the first byte.
    Tls,
    /// No encryption (local relays only).
    None,
}

/// Proxy settings, used when the connection kind is [`ConnectionKind::Proxy`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxySettings {
    /// Host name or address of the proxy.
    pub host: String,
    /// TCP port, 1–65535.
    pub port: u16,
    /// Optional user name.
    pub user: String,
    /// The proxy password, encrypted with the installation's key
    /// (`crate::secrets`); never in clear in the file.
    pub password_encrypted: Option<String>,
}

/// The connection settings ("Paramètres de connexion").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionSettings {
    /// Type de connexion.
    pub kind: ConnectionKind,
    /// Mode de connexion.
    pub mode: ConnectionMode,
    /// Proxy, meaningful for [`ConnectionKind::Proxy`].
    pub proxy: ProxySettings,
    /// Adresse du serveur d'authentification.
    pub auth_url: Url,
    /// Adresse du serveur de mise à jour.
    pub update_url: Url,
    /// Adresse d'authentification Net Entreprise.
    pub net_entreprises_url: Url,
    /// An extra certificate authority (PEM file) trusted in addition to the usual
    /// roots, for networks that inspect TLS with their own authority.
    pub extra_ca_file: Option<PathBuf>,
}

/// Where the application keeps its data ("Configurer les chemins de l'application").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathSettings {
    /// The active payroll store.
    pub store: PathBuf,
    /// Staging folder for backups in preparation.
    pub staging: PathBuf,
    /// Folder of the daily log files.
    pub logs: PathBuf,
    /// Stores opened before, offered by "Changer de base de données".
    pub known_stores: Vec<PathBuf>,
}

/// E-mail settings used to write to support.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// SMTP server; empty when sending is not configured.
    pub smtp_host: String,
    /// SMTP port, 1–65535.
    pub smtp_port: u16,
    /// Link security.
    pub security: MailSecurity,
    /// SMTP user, empty for none.
    pub user: String,
    /// The SMTP password, encrypted with the installation's key (`crate::secrets`).
    pub password_encrypted: Option<String>,
    /// Sender address, empty when not configured.
    pub sender: String,
    /// Support address.
    pub support_address: String,
}

/// The whole validated configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Connection settings.
    pub connection: ConnectionSettings,
    /// Application paths.
    pub paths: PathSettings,
    /// Support e-mail settings.
    pub mail: MailSettings,
}

/// What is wrong with one value of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueProblem {
    /// Not a valid web address.
    BadUrl,
    /// A scheme other than `http` or `https`.
    BadScheme,
    /// `http://` while the mode is Sécurisé.
    HttpInSecureMode,
    /// A port outside 1–65535.
    PortOutOfRange,
    /// The proxy is chosen but has no host.
    MissingProxyHost,
    /// A host name with spaces or other characters that cannot be in one.
    BadHost,
    /// Not an e-mail address.
    BadEmail,
    /// An empty path.
    EmptyPath,
    /// A value outside the allowed list.
    UnknownChoice {
        /// The values allowed.
        allowed: &'static [&'static str],
    },
    /// A value of the wrong type (text where a number is expected…).
    WrongType {
        /// The parser's own words, kept for the details.
        detail: String,
    },
}

/// Errors of reading, validating and writing `config.toml`.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The system error.
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("{path}: syntax error at line {line}: {detail}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The parser's message.
        detail: String,
    },
    /// A key the program does not know (often a typing mistake).
    #[error("{path}: unknown key `{key}` at line {line}")]
    UnknownKey {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The key as written.
        key: String,
    },
    /// A known key with a bad value.
    #[error("{path}: invalid value for `{key}` at line {line}: {problem:?}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 when the value is a default, not in the file).
        line: usize,
        /// Dotted key, for example `connection.auth_url`.
        key: String,
        /// What is wrong.
        problem: ValueProblem,
    },
    /// The file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The system error.
        source: std::io::Error,
    },
}

impl ConfigError {
    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            Self::Read { path, .. }
            | Self::Syntax { path, .. }
            | Self::UnknownKey { path, .. }
            | Self::Invalid { path, .. }
            | Self::Write { path, .. } => path,
        }
    }
}

// ---------------------------------------------------------------------------
// Raw form, as read from the file.

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    connection: RawConnection,
    #[serde(default)]
    paths: RawPaths,
    #[serde(default)]
    mail: RawMail,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConnection {
    kind: Option<Spanned<String>>,
    mode: Option<Spanned<String>>,
    auth_url: Option<Spanned<String>>,
    update_url: Option<Spanned<String>>,
    net_entreprises_url: Option<Spanned<String>>,
    extra_ca_file: Option<Spanned<String>>,
    #[serde(default)]
    proxy: RawProxy,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProxy {
    host: Option<Spanned<String>>,
    port: Option<Spanned<i64>>,
    user: Option<Spanned<String>>,
    password: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPaths {
    store: Option<Spanned<String>>,
    staging: Option<Spanned<String>>,
    logs: Option<Spanned<String>>,
    known_stores: Option<Spanned<Vec<String>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMail {
    smtp_host: Option<Spanned<String>>,
    smtp_port: Option<Spanned<i64>>,
    security: Option<Spanned<String>>,
    user: Option<Spanned<String>>,
    password: Option<Spanned<String>>,
    sender: Option<Spanned<String>>,
    support_address: Option<Spanned<String>>,
}

// The written form: plain values, in a stable order.

#[derive(Serialize)]
struct FileConfig<'a> {
    connection: FileConnection<'a>,
    paths: FilePaths,
    mail: FileMail<'a>,
}

#[derive(Serialize)]
struct FileConnection<'a> {
    kind: ConnectionKind,
    mode: ConnectionMode,
    auth_url: &'a str,
    update_url: &'a str,
    net_entreprises_url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    extra_ca_file: Option<String>,
    proxy: FileProxy<'a>,
}

#[derive(Serialize)]
struct FileProxy<'a> {
    host: &'a str,
    port: u16,
    user: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<&'a str>,
}

#[derive(Serialize)]
struct FilePaths {
    store: String,
    staging: String,
    logs: String,
    known_stores: Vec<String>,
}

#[derive(Serialize)]
struct FileMail<'a> {
    smtp_host: &'a str,
    smtp_port: u16,
    security: MailSecurity,
    user: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<&'a str>,
    sender: &'a str,
    support_address: &'a str,
}

// ---------------------------------------------------------------------------

impl Config {
    /// The defaults of a new installation rooted at `home`.
    pub fn defaults(home: &Home) -> Self {
        Self {
            connection: ConnectionSettings {
                kind: ConnectionKind::Direct,
                mode: ConnectionMode::Secure,
                proxy: ProxySettings {
                    host: String::new(),
                    port: 8080,
                    user: String::new(),
                    password_encrypted: None,
                },
                auth_url: parse_const_url(DEFAULT_AUTH_URL),
                update_url: parse_const_url(DEFAULT_UPDATE_URL),
                net_entreprises_url: parse_const_url(DEFAULT_NET_ENTREPRISES_URL),
                extra_ca_file: None,
            },
            paths: PathSettings {
                store: home.default_store_path(),
                staging: home.staging_dir(),
                logs: home.logs_dir(),
                known_stores: Vec::new(),
            },
            mail: MailSettings {
                smtp_host: String::new(),
                smtp_port: 587,
                security: MailSecurity::Starttls,
                user: String::new(),
                password_encrypted: None,
                sender: String::new(),
                support_address: DEFAULT_SUPPORT_ADDRESS.to_owned(),
            },
        }
    }

    /// Reads `config.toml` of `home`; a missing file gives the defaults.
    pub fn load(home: &Home) -> Result<Self, ConfigError> {
        crate::fsutil::debug_assert_not_ui_thread("Config::load");
        let path = home.config_file();
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&text, &path, home),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::defaults(home)),
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }

    /// Validates the text of a configuration file. `path` names the file in errors;
    /// relative paths in the file are taken from the root of `home`.
    pub fn parse(text: &str, path: &Path, home: &Home) -> Result<Self, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| toml_error(text, path, &e))?;
        let v = Validator { text, path, home };
        let defaults = Self::defaults(home);

        let c = &raw.connection;
        let kind = v.choice(
            c.kind.as_ref(),
            "connection.kind",
            &["direct", "proxy", "system"],
            defaults.connection.kind,
            |s| match s {
                "direct" => Some(ConnectionKind::Direct),
                "proxy" => Some(ConnectionKind::Proxy),
                "system" => Some(ConnectionKind::System),
                _ => None,
            },
        )?;
        let mode = v.choice(
            c.mode.as_ref(),
            "connection.mode",
            &["normal", "extended", "secure"],
            defaults.connection.mode,
            |s| match s {
                "normal" => Some(ConnectionMode::Normal),
                "extended" => Some(ConnectionMode::Extended),
                "secure" => Some(ConnectionMode::Secure),
                _ => None,
            },
        )?;
        let auth_url = v.url(
            c.auth_url.as_ref(),
            "connection.auth_url",
            mode,
            DEFAULT_AUTH_URL,
        )?;
        let update_url = v.url(
            c.update_url.as_ref(),
            "connection.update_url",
            mode,
            DEFAULT_UPDATE_URL,
        )?;
        let net_entreprises_url = v.url(
            c.net_entreprises_url.as_ref(),
            "connection.net_entreprises_url",
            mode,
            DEFAULT_NET_ENTREPRISES_URL,
        )?;
        let proxy_host = Validator::text(c.proxy.host.as_ref());
        if !proxy_host.is_empty() && !is_host_name(&proxy_host) {
            return Err(v.invalid(
                c.proxy.host.as_ref(),
                "connection.proxy.host",
                ValueProblem::BadHost,
            ));
        }
        if kind == ConnectionKind::Proxy && proxy_host.is_empty() {
            return Err(v.invalid(
                c.proxy.host.as_ref(),
                "connection.proxy.host",
                ValueProblem::MissingProxyHost,
            ));
        }
        let proxy = ProxySettings {
            host: proxy_host,
            port: v.port(c.proxy.port.as_ref(), "connection.proxy.port", 8080)?,
            user: Validator::text(c.proxy.user.as_ref()),
            password_encrypted: Validator::secret(c.proxy.password.as_ref()),
        };
        let extra_ca_file = match &c.extra_ca_file {
            Some(text) if text.get_ref().trim().is_empty() => None,
            Some(_) => Some(v.path(
                c.extra_ca_file.as_ref(),
                "connection.extra_ca_file",
                Path::new(""),
            )?),
            None => None,
        };

        let p = &raw.paths;
        let paths = PathSettings {
            store: v.path(p.store.as_ref(), "paths.store", &defaults.paths.store)?,
            staging: v.path(p.staging.as_ref(), "paths.staging", &defaults.paths.staging)?,
            logs: v.path(p.logs.as_ref(), "paths.logs", &defaults.paths.logs)?,
            known_stores: match &p.known_stores {
                None => Vec::new(),
                Some(list) => list
                    .get_ref()
                    .iter()
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| home.root().join(s.trim()))
                    .collect(),
            },
        };

        let m = &raw.mail;
        let support_address = m
            .support_address
            .as_ref()
            .map_or(DEFAULT_SUPPORT_ADDRESS.to_owned(), |s| {
                s.get_ref().trim().to_owned()
            });
        if !is_email(&support_address) {
            return Err(v.invalid(
                m.support_address.as_ref(),
                "mail.support_address",
                ValueProblem::BadEmail,
            ));
        }
        let sender = Validator::text(m.sender.as_ref());
        if !sender.is_empty() && !is_email(&sender) {
            return Err(v.invalid(m.sender.as_ref(), "mail.sender", ValueProblem::BadEmail));
        }
        let smtp_host = Validator::text(m.smtp_host.as_ref());
        if !smtp_host.is_empty() && !is_host_name(&smtp_host) {
            return Err(v.invalid(
                m.smtp_host.as_ref(),
                "mail.smtp_host",
                ValueProblem::BadHost,
            ));
        }
        let mail = MailSettings {
            smtp_host,
            smtp_port: v.port(m.smtp_port.as_ref(), "mail.smtp_port", 587)?,
            security: v.choice(
                m.security.as_ref(),
                "mail.security",
                &["starttls", "tls", "none"],
                MailSecurity::Starttls,
                |s| match s {
                    "starttls" => Some(MailSecurity::Starttls),
                    "tls" => Some(MailSecurity::Tls),
                    "none" => Some(MailSecurity::None),
                    _ => None,
                },
            )?,
            user: Validator::text(m.user.as_ref()),
            password_encrypted: Validator::secret(m.password.as_ref()),
            sender,
            support_address,
        };

        Ok(Self {
            connection: ConnectionSettings {
                kind,
                mode,
                proxy,
                auth_url,
                update_url,
                net_entreprises_url,
                extra_ca_file,
            },
            paths,
            mail,
        })
    }

    /// The text of the file for this configuration.
    pub fn to_toml(&self) -> String {
        let file = FileConfig {
            connection: FileConnection {
                kind: self.connection.kind,
                mode: self.connection.mode,
                auth_url: self.connection.auth_url.as_str(),
                update_url: self.connection.update_url.as_str(),
                net_entreprises_url: self.connection.net_entreprises_url.as_str(),
                extra_ca_file: self
                    .connection
                    .extra_ca_file
                    .as_ref()
                    .map(|p| p.to_string_lossy().into_owned()),
                proxy: FileProxy {
                    host: &self.connection.proxy.host,
                    port: self.connection.proxy.port,
                    user: &self.connection.proxy.user,
                    password: self.connection.proxy.password_encrypted.as_deref(),
                },
            },
            paths: FilePaths {
                store: self.paths.store.to_string_lossy().into_owned(),
                staging: self.paths.staging.to_string_lossy().into_owned(),
                logs: self.paths.logs.to_string_lossy().into_owned(),
                known_stores: self
                    .paths
                    .known_stores
                    .iter()
                    .map(|p| p.to_string_lossy().into_owned())
                    .collect(),
            },
            mail: FileMail {
                smtp_host: &self.mail.smtp_host,
                smtp_port: self.mail.smtp_port,
                security: self.mail.security,
                user: &self.mail.user,
                password: self.mail.password_encrypted.as_deref(),
                sender: &self.mail.sender,
                support_address: &self.mail.support_address,
            },
        };
        let body = toml::to_string_pretty(&file).unwrap_or_default();
        format!(
            "# Configuration d'Impact emploi – gestionnaire de services et centre de maintenance.\n\
             # Modifiez-la de préférence depuis le centre de maintenance.\n\n{body}"
        )
    }

    /// Writes this whole configuration to `config.toml` atomically, under the
    /// configuration lock. It replaces whatever another program wrote meanwhile:
    /// use it to set up an installation; a change to a running one goes through
    /// [`Config::modify`].
    pub fn save(&self, home: &Home) -> Result<(), ConfigError> {
        crate::fsutil::debug_assert_not_ui_thread("Config::save");
        let _lock = ConfigLock::acquire(home)?;
        self.write(home)
    }

    /// Changes `config.toml` without losing another writer's change: takes the
    /// configuration lock (waiting for the other writers, in this process or
    /// another), reads the file as it is now, applies `change`, and writes it
    /// atomically when something changed. A file that cannot be read or holds a bad
    /// value is left as it is and the error returned. `change` may refuse (its
    /// error is returned and nothing is written). Every change the programs make to
    /// the configuration goes through here.
    pub fn modify<T, E>(
        home: &Home,
        change: impl FnOnce(&mut Config) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<ConfigError>,
    {
        let _lock = ConfigLock::acquire(home)?;
        let before = Self::load(home)?;
        let mut config = before.clone();
        let value = change(&mut config)?;
        if config != before || !home.config_file().exists() {
            config.write(home)?;
        }
        Ok(value)
    }

    /// The atomic write itself; the caller holds the lock.
    fn write(&self, home: &Home) -> Result<(), ConfigError> {
        let path = home.config_file();
        std::fs::create_dir_all(home.root()).map_err(|source| ConfigError::Write {
            path: path.clone(),
            source,
        })?;
        fsutil::write_atomic(&path, self.to_toml().as_bytes())
            .map_err(|source| ConfigError::Write { path, source })
    }

    /// Makes `store` the active store and remembers it among the known stores.
    pub fn set_active_store(&mut self, store: &Path) {
        self.paths.store = store.to_path_buf();
        self.remember_store(store);
    }

    /// Adds `store` to the known stores when it is not there yet.
    pub fn remember_store(&mut self, store: &Path) {
        if !self.paths.known_stores.iter().any(|p| p == store) {
            self.paths.known_stores.push(store.to_path_buf());
        }
    }
}

/// Keeps a dated copy of the current `config.toml` (when there is one) beside it,
/// then writes the defaults. Returns the copy's path.
pub fn reset_keeping_copy(home: &Home) -> Result<Option<PathBuf>, ConfigError> {
    crate::fsutil::debug_assert_not_ui_thread("config::reset_keeping_copy");
    let _lock = ConfigLock::acquire(home)?;
    let path = home.config_file();
    let copy = if path.exists() {
        let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
        let copy = path.with_file_name(format!("config.toml.{stamp}.sauvegarde"));
        std::fs::copy(&path, &copy).map_err(|source| ConfigError::Write {
            path: copy.clone(),
            source,
        })?;
        fsutil::sync_dir(fsutil::parent_dir(&copy)).map_err(|source| ConfigError::Write {
            path: copy.clone(),
            source,
        })?;
        Some(copy)
    } else {
        None
    };
    Config::defaults(home).write(home)?;
    Ok(copy)
}

/// The exclusive lock every writer of `config.toml` holds (`locks/config.lock`),
/// released when dropped, and by the system if the process dies.
struct ConfigLock {
    _file: std::fs::File,
}

impl ConfigLock {
    fn acquire(home: &Home) -> Result<Self, ConfigError> {
        let dir = home.locks_dir();
        let path = dir.join("config.lock");
        let error = |source| ConfigError::Write {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(&dir).map_err(error)?;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(error)?;
        file.lock().map_err(error)?;
        Ok(Self { _file: file })
    }
}

fn parse_const_url(s: &str) -> Url {
    Url::parse(s).unwrap_or_else(|e| panic!("built-in address {s} is invalid: {e}"))
}

/// A plain check that `s` looks like `name@domain.tld`.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
        && !domain.contains('@')
}

/// Host names and IP addresses: letters, digits, dots, dashes, colons (IPv6), brackets.
pub fn is_host_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']' | '_'))
}

/// Validates a server address for a connection mode.
pub fn check_url(text: &str, mode: ConnectionMode) -> Result<Url, ValueProblem> {
    let url = Url::parse(text.trim()).map_err(|_| ValueProblem::BadUrl)?;
    match url.scheme() {
        "http" if mode == ConnectionMode::Secure => return Err(ValueProblem::HttpInSecureMode),
        "http" | "https" => {}
        _ => return Err(ValueProblem::BadScheme),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(ValueProblem::BadUrl);
    }
    Ok(url)
}

struct Validator<'a> {
    text: &'a str,
    path: &'a Path,
    home: &'a Home,
}

impl Validator<'_> {
    fn line_of<T>(&self, value: Option<&Spanned<T>>) -> usize {
        value.map_or(0, |v| line_at(self.text, v.span().start))
    }

    fn invalid<T>(
        &self,
        value: Option<&Spanned<T>>,
        key: &str,
        problem: ValueProblem,
    ) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.to_path_buf(),
            line: self.line_of(value),
            key: key.to_owned(),
            problem,
        }
    }

    /// An encrypted secret as stored (opaque text), `None` when absent or empty.
    fn secret(value: Option<&Spanned<String>>) -> Option<String> {
        value
            .map(|v| v.get_ref().trim().to_owned())
            .filter(|s| !s.is_empty())
    }

    fn text(value: Option<&Spanned<String>>) -> String {
        value
            .map(|v| v.get_ref().trim().to_owned())
            .unwrap_or_default()
    }

    fn choice<T: Copy>(
        &self,
        value: Option<&Spanned<String>>,
        key: &str,
        allowed: &'static [&'static str],
        default: T,
        map: impl Fn(&str) -> Option<T>,
    ) -> Result<T, ConfigError> {
        match value {
            None => Ok(default),
            Some(v) => map(v.get_ref().trim())
                .ok_or_else(|| self.invalid(value, key, ValueProblem::UnknownChoice { allowed })),
        }
    }

    fn url(
        &self,
        value: Option<&Spanned<String>>,
        key: &str,
        mode: ConnectionMode,
        default: &str,
    ) -> Result<Url, ConfigError> {
        let text = value.map_or(default, |v| v.get_ref().as_str());
        check_url(text, mode).map_err(|problem| self.invalid(value, key, problem))
    }

    fn port(
        &self,
        value: Option<&Spanned<i64>>,
        key: &str,
        default: u16,
    ) -> Result<u16, ConfigError> {
        match value {
            None => Ok(default),
            Some(v) => u16::try_from(*v.get_ref())
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| self.invalid(value, key, ValueProblem::PortOutOfRange)),
        }
    }

    fn path(
        &self,
        value: Option<&Spanned<String>>,
        key: &str,
        default: &Path,
    ) -> Result<PathBuf, ConfigError> {
        match value {
            None => Ok(default.to_path_buf()),
            Some(v) if v.get_ref().trim().is_empty() => {
                Err(self.invalid(value, key, ValueProblem::EmptyPath))
            }
            Some(v) => Ok(self.home.root().join(v.get_ref().trim())),
        }
    }
}

/// 1-based line of a byte offset.
fn line_at(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map_or(1, |head| head.bytes().filter(|b| *b == b'\n').count() + 1)
}

/// Turns a TOML error into a located [`ConfigError`].
fn toml_error(text: &str, path: &Path, err: &toml::de::Error) -> ConfigError {
    let line = err.span().map_or(1, |s| line_at(text, s.start));
    let message = err.message().to_owned();
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let key = rest.split('`').next().unwrap_or_default().to_owned();
        return ConfigError::UnknownKey {
            path: path.to_path_buf(),
            line,
            key,
        };
    }
    if message.starts_with("invalid type") || message.starts_with("invalid value") {
        let key = text
            .lines()
            .nth(line.saturating_sub(1))
            .and_then(|l| l.split_once('='))
            .map(|(k, _)| k.trim().to_owned())
            .unwrap_or_default();
        return ConfigError::Invalid {
            path: path.to_path_buf(),
            line,
            key,
            problem: ValueProblem::WrongType { detail: message },
        };
    }
    ConfigError::Syntax {
        path: path.to_path_buf(),
        line,
        detail: message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn home() -> (tempfile::TempDir, Home) {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        (dir, home)
    }

    #[test]
    fn missing_file_gives_the_protocol_defaults() {
        let (_d, home) = home();
        let c = Config::load(&home).expect("defaults");
        assert_eq!(c.connection.mode, ConnectionMode::Secure);
        assert_eq!(
            c.connection.auth_url.as_str(),
            "https://impact-emploi.urssaf.fr/"
        );
        assert_eq!(c.connection.update_url.as_str(), DEFAULT_UPDATE_URL);
        assert_eq!(
            c.connection.net_entreprises_url.as_str(),
            DEFAULT_NET_ENTREPRISES_URL
        );
        assert_eq!(c.mail.support_address, DEFAULT_SUPPORT_ADDRESS);
        assert_eq!(c.paths.store, home.default_store_path());
        assert!(!home.config_file().exists(), "loading must not write");
    }

    #[test]
    fn saved_config_reads_back_identical() {
        let (_d, home) = home();
        let mut c = Config::defaults(&home);
        c.connection.kind = ConnectionKind::Proxy;
        c.connection.proxy.host = "proxy.asso.local".into();
        c.connection.proxy.port = 3128;
        c.connection.mode = ConnectionMode::Extended;
        c.connection.auth_url = Url::parse("http://impact-emploi.urssaf.fr:80").expect("url");
        c.mail.smtp_host = "smtp.asso.fr".into();
        c.mail.sender = "paie@asso.fr".into();
        c.mail.password_encrypted = Some("v1:AAAA".into());
        c.connection.proxy.password_encrypted = Some("v1:BBBB".into());
        c.connection.extra_ca_file = Some(home.root().join("ca-entreprise.pem"));
        c.set_active_store(&home.root().join("autre.iea"));
        c.save(&home).expect("save");
        assert_eq!(Config::load(&home).expect("load"), c);
    }

    /// The keys of the README's reference of `config.toml`, as `section.key`.
    fn documented_keys(readme: &str) -> Vec<String> {
        let section = readme
            .split("## Le fichier `config.toml`")
            .nth(1)
            .expect("README has the config.toml reference");
        let mut keys: Vec<String> = section
            .lines()
            .take_while(|l| !l.starts_with("## "))
            .filter_map(|l| {
                let cell = l.strip_prefix("| `[")?.split(" |").next()?;
                let (table, key) = cell.split_once("]` `")?;
                Some(format!("{table}.{}", key.trim_end_matches('`')))
            })
            .collect();
        keys.sort();
        keys
    }

    /// Every `section.key` of a TOML document.
    fn written_keys(table: &toml::Table, prefix: &str, out: &mut Vec<String>) {
        for (key, value) in table {
            match value {
                toml::Value::Table(t) => written_keys(t, &format!("{prefix}{key}."), out),
                _ => out.push(format!("{prefix}{key}")),
            }
        }
    }

    #[test]
    fn the_readme_documents_every_key_and_its_example_is_valid() {
        let (_d, home) = home();
        let readme = include_str!("../README.md");
        let mut c = Config::defaults(&home);
        c.connection.extra_ca_file = Some(home.root().join("ca.pem"));
        c.connection.proxy.password_encrypted = Some("v1:AAAA".into());
        c.mail.password_encrypted = Some("v1:BBBB".into());
        let file: toml::Table = toml::from_str(&c.to_toml()).expect("toml");
        let mut written = Vec::new();
        written_keys(&file, "", &mut written);
        written.sort();
        assert_eq!(documented_keys(readme), written);

        let example = readme
            .split("## Le fichier `config.toml`")
            .nth(1)
            .and_then(|s| s.split("```toml\n").nth(1))
            .and_then(|s| s.split("```").next())
            .expect("an example");
        let parsed = Config::parse(example, &home.config_file(), &home).expect("valid example");
        assert_eq!(parsed.connection.kind, ConnectionKind::Proxy);
        assert_eq!(parsed.mail.security, MailSecurity::Starttls);
    }

    #[test]
    fn two_writers_at_once_keep_both_changes() {
        // The centre saving its connection settings while a worker switches stores:
        // each writer changes its own part, and neither change may be lost.
        let (_d, home) = home();
        Config::defaults(&home).save(&home).expect("save");
        let rounds = 40;
        std::thread::scope(|s| {
            s.spawn(|| {
                for i in 0..rounds {
                    Config::modify(&home, |c| {
                        c.remember_store(&home.root().join(format!("base-{i}.iea")));
                        Ok::<_, ConfigError>(())
                    })
                    .expect("modify paths");
                }
            });
            s.spawn(|| {
                for i in 0..rounds {
                    Config::modify(&home, |c| {
                        c.connection.proxy.port = 3000 + i;
                        Ok::<_, ConfigError>(())
                    })
                    .expect("modify connection");
                }
            });
        });
        let c = Config::load(&home).expect("load");
        for i in 0..rounds {
            let store = home.root().join(format!("base-{i}.iea"));
            assert!(
                c.paths.known_stores.contains(&store),
                "lost {}",
                store.display()
            );
        }
        assert_eq!(c.connection.proxy.port, 3000 + rounds - 1);
    }

    #[test]
    fn a_refused_change_writes_nothing_and_a_bad_file_is_kept() {
        let (_d, home) = home();
        Config::defaults(&home).save(&home).expect("save");
        let before = std::fs::read(home.config_file()).expect("read");
        let refused: Result<(), ConfigError> = Config::modify(&home, |c| {
            c.connection.proxy.port = 1;
            Err(ConfigError::Write {
                path: home.config_file(),
                source: std::io::Error::other("refused"),
            })
        });
        assert!(refused.is_err());
        assert_eq!(std::fs::read(home.config_file()).expect("read"), before);

        std::fs::write(home.config_file(), "[connection\n").expect("write");
        let r = Config::modify(&home, |c| {
            c.connection.proxy.port = 2;
            Ok::<_, ConfigError>(())
        });
        assert!(matches!(r, Err(ConfigError::Syntax { .. })), "{r:?}");
        assert_eq!(
            std::fs::read_to_string(home.config_file()).expect("read"),
            "[connection\n"
        );
    }

    #[test]
    fn syntax_error_names_the_line() {
        let (_d, home) = home();
        let text = "[connection]\nmode = \"secure\"\nauth_url = \"https://x.fr\n";
        match Config::parse(text, &home.config_file(), &home) {
            Err(ConfigError::Syntax { line, .. }) => assert_eq!(line, 3),
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let (_d, home) = home();
        let text = "[connection]\nmode = \"secure\"\nauth_ulr = \"https://x.fr\"\n";
        match Config::parse(text, &home.config_file(), &home) {
            Err(ConfigError::UnknownKey { line, key, .. }) => {
                assert_eq!((line, key.as_str()), (3, "auth_ulr"));
            }
            other => panic!("expected an unknown key, got {other:?}"),
        }
    }

    #[test]
    fn http_address_is_refused_in_secure_mode() {
        let (_d, home) = home();
        let text =
            "[connection]\nmode = \"secure\"\n\nauth_url = \"http://impact-emploi.urssaf.fr:80\"\n";
        match Config::parse(text, &home.config_file(), &home) {
            Err(ConfigError::Invalid {
                line, key, problem, ..
            }) => {
                assert_eq!(line, 4);
                assert_eq!(key, "connection.auth_url");
                assert_eq!(problem, ValueProblem::HttpInSecureMode);
            }
            other => panic!("expected an invalid value, got {other:?}"),
        }
        let ok =
            "[connection]\nmode = \"normal\"\nauth_url = \"http://impact-emploi.urssaf.fr:80\"\n";
        assert!(Config::parse(ok, &home.config_file(), &home).is_ok());
    }

    #[test]
    fn bad_port_and_wrong_types_are_located() {
        let (_d, home) = home();
        let text = "[mail]\nsmtp_port = 70000\n";
        assert!(matches!(
            Config::parse(text, &home.config_file(), &home),
            Err(ConfigError::Invalid {
                line: 2,
                problem: ValueProblem::PortOutOfRange,
                ..
            })
        ));
        let text = "[connection.proxy]\nport = \"abc\"\n";
        match Config::parse(text, &home.config_file(), &home) {
            Err(ConfigError::Invalid {
                line,
                key,
                problem: ValueProblem::WrongType { .. },
                ..
            }) => {
                assert_eq!((line, key.as_str()), (2, "port"));
            }
            other => panic!("expected a type error, got {other:?}"),
        }
    }

    #[test]
    fn proxy_kind_needs_a_host() {
        let (_d, home) = home();
        let text = "[connection]\nkind = \"proxy\"\n";
        assert!(matches!(
            Config::parse(text, &home.config_file(), &home),
            Err(ConfigError::Invalid {
                problem: ValueProblem::MissingProxyHost,
                ..
            })
        ));
    }

    #[test]
    fn reset_keeps_a_copy_of_the_bad_file() {
        let (_d, home) = home();
        std::fs::write(home.config_file(), "ceci n'est pas du TOML = = =").expect("write");
        assert!(Config::load(&home).is_err());
        let copy = reset_keeping_copy(&home).expect("reset").expect("a copy");
        assert_eq!(
            std::fs::read_to_string(&copy).expect("copy"),
            "ceci n'est pas du TOML = = ="
        );
        assert_eq!(
            Config::load(&home).expect("defaults"),
            Config::defaults(&home)
        );
    }
}
