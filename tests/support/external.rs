//! Servers written elsewhere, started by the tests on 127.0.0.1 and stopped on
//! drop: pyftpdlib (FTP and explicit FTPS), aiosmtpd (SMTP with STARTTLS) and
//! tinyproxy (an HTTP CONNECT proxy with Basic authentication). They check our
//! clients against what real sites run; the peers written here
//! (tests/support/ftp.rs, smtp.rs, proxy.rs) stay for the faults a real server
//! cannot stage.
//!
//! `bash .ci/setup` installs them. When one is missing, the test fails and names
//! what to install: a test that passed without its server would prove nothing.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::https::TestCert;

/// How long a server may take to accept connections. Generous: it bounds a
/// failure only; a server that starts is used as soon as it is ready.
const READY_WITHIN: Duration = Duration::from_mins(1);

/// One server process; killed and reaped on drop.
struct Process {
    child: Child,
    /// Kept open: the Python servers stop when it closes, even when the test
    /// process dies without running its drops.
    _stdin: Option<ChildStdin>,
    port: u16,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The Python interpreter the tests run: the `python3` of the PATH, the one
/// `.ci/setup` installs the modules for with `python3 -m pip`.
const PYTHON: &str = "python3";

/// Fails the test unless `python3` can import `modules`, naming the packages
/// that bring them.
fn require_python(modules: &[&str], packages: &str) {
    let probe = Command::new(PYTHON)
        .arg("-c")
        .arg(format!("import {}", modules.join(", ")))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output();
    match probe {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "{packages} manque(nt) pour ce test : lancez `bash .ci/setup` \
             (ou `python3 -m pip install {packages}`). {}",
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => panic!(
            "python3 est introuvable ({e}) : installez Python 3 puis lancez `bash .ci/setup`"
        ),
    }
}

/// A script of tests/support.
fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("support")
        .join(name)
}

/// Starts a Python server that prints its port on its first line once it
/// accepts connections; its standard error goes to `log`.
fn start_python(args: &[&std::ffi::OsStr], log: &Path, what: &str) -> Process {
    let mut child = Command::new(PYTHON)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).expect("server log"))
        .spawn()
        .unwrap_or_else(|e| panic!("{what} : python3 ne démarre pas ({e})"));
    let stdin = child.stdin.take();
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    // A pipe read has no time limit of its own: read on a thread.
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let port = rx
        .recv_timeout(READY_WITHIN)
        .ok()
        .and_then(|l| l.trim().parse::<u16>().ok());
    let process = Process {
        child,
        _stdin: stdin,
        port: port.unwrap_or(0),
    };
    if port.is_none() {
        drop(process);
        panic!(
            "{what} did not start within {READY_WITHIN:?}: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
    }
    process
}

// ---------------------------------------------------------------------------
// FTP.

/// pyftpdlib serving one folder to one user, plain or explicit FTPS.
pub struct PyFtpd {
    process: Process,
    log: PathBuf,
}

impl PyFtpd {
    /// Serves `root` to `user`/`password`; with `tls`, explicit FTPS only
    /// (TLS required on the control and data connections). Its files (log,
    /// certificate) go to `dir`.
    pub fn start(
        dir: &Path,
        root: &Path,
        user: &str,
        password: &str,
        tls: Option<&TestCert>,
    ) -> Self {
        require_python(&["pyftpdlib", "OpenSSL"], "pyftpdlib pyopenssl");
        let log = dir.join("pyftpdlib.log");
        let mut args = vec![
            script("pyftpdlib_server.py").into_os_string(),
            root.as_os_str().to_owned(),
            user.into(),
            password.into(),
        ];
        if let Some(cert) = tls {
            let (cert, key) = cert.write_pem_files(dir);
            args.push(cert.into_os_string());
            args.push(key.into_os_string());
        }
        let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsString::as_os_str).collect();
        let process = start_python(&args, &log, "pyftpdlib");
        Self { process, log }
    }

    /// Its port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.process.port
    }

    /// What the server logged so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

// ---------------------------------------------------------------------------
// SMTP.

/// A message as aiosmtpd received it, read by Python's `email` package.
#[derive(Debug, serde::Deserialize)]
pub struct ReceivedMail {
    /// `MAIL FROM`.
    pub mail_from: String,
    /// `RCPT TO`, in order.
    pub rcpt_tos: Vec<String>,
    /// Whether the session was under TLS when the message came.
    pub tls: bool,
    /// The user the session authenticated as.
    pub user: Option<String>,
    /// Decoded headers.
    pub subject: String,
    /// `From`.
    pub from: String,
    /// `To`.
    pub to: String,
    /// Every leaf part, decoded.
    pub parts: Vec<MailPart>,
}

/// One leaf part of a received message.
#[derive(Debug, serde::Deserialize)]
pub struct MailPart {
    /// Such as `text/plain`.
    pub content_type: String,
    /// The attachment's file name.
    pub filename: Option<String>,
    /// `Content-Disposition: attachment`.
    pub attachment: bool,
    /// The decoded text.
    pub text: String,
}

/// aiosmtpd requiring STARTTLS and authentication, keeping what it receives.
pub struct Aiosmtpd {
    process: Process,
    folder: PathBuf,
    log: PathBuf,
}

impl Aiosmtpd {
    /// Accepts `user`/`password` once the session is under TLS with `cert`.
    /// Its files (log, certificate, messages) go to `dir`.
    pub fn start(dir: &Path, user: &str, password: &str, cert: &TestCert) -> Self {
        require_python(&["aiosmtpd"], "aiosmtpd");
        let folder = dir.join("courriers");
        std::fs::create_dir_all(&folder).expect("mail folder");
        let log = dir.join("aiosmtpd.log");
        let (cert, key) = cert.write_pem_files(dir);
        let args = [
            script("aiosmtpd_server.py").into_os_string(),
            folder.clone().into_os_string(),
            user.into(),
            password.into(),
            cert.into_os_string(),
            key.into_os_string(),
        ];
        let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsString::as_os_str).collect();
        let process = start_python(&args, &log, "aiosmtpd");
        Self {
            process,
            folder,
            log,
        }
    }

    /// Its port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.process.port
    }

    /// The messages received so far, in order.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.folder)
            .expect("mail folder")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|f| {
                serde_json::from_slice(&std::fs::read(f).expect("message"))
                    .unwrap_or_else(|e| panic!("{}: {e}", f.display()))
            })
            .collect()
    }

    /// What the server logged so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

// ---------------------------------------------------------------------------
// HTTP CONNECT proxy.

/// tinyproxy asking for Basic credentials.
pub struct Tinyproxy {
    process: Process,
    log: PathBuf,
}

impl Tinyproxy {
    /// Accepts `user`/`password` (Basic; tinyproxy's configuration takes
    /// letters, digits and `-_.` there, no other sign). Its files
    /// (configuration, log) go to `dir`.
    pub fn start(dir: &Path, user: &str, password: &str) -> Self {
        Self::start_with(dir, user, password, "")
    }

    /// As [`start`](Self::start), with more lines of configuration (such as
    /// `Bind 127.0.0.2`: the address its outgoing connections come from).
    pub fn start_with(dir: &Path, user: &str, password: &str, extra: &str) -> Self {
        let log = dir.join("tinyproxy.log");
        // tinyproxy cannot be asked for a port of the system's choosing: take a
        // free one, and take another if something else got it first.
        let mut last_log = String::new();
        for _ in 0..5 {
            let port = super::https::unused_port();
            let config = dir.join("tinyproxy.conf");
            std::fs::write(
                &config,
                format!(
                    "Port {port}\nListen 127.0.0.1\nTimeout 60\nMaxClients 50\n\
                     LogFile \"{}\"\nLogLevel Info\nDisableViaHeader Yes\n\
                     BasicAuth {user} {password}\n{extra}",
                    log.display()
                ),
            )
            .expect("tinyproxy.conf");
            let errors = dir.join("tinyproxy.err");
            let child = match Command::new("tinyproxy")
                .arg("-d")
                .arg("-c")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&errors).expect("tinyproxy.err"))
                .spawn()
            {
                Ok(child) => child,
                Err(e) => panic!(
                    "tinyproxy est introuvable ({e}) : lancez `bash .ci/setup` \
                     (ou `apt-get install tinyproxy`)"
                ),
            };
            let mut process = Process {
                child,
                _stdin: None,
                port,
            };
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let deadline = Instant::now() + READY_WITHIN;
            loop {
                if TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok() {
                    return Self { process, log };
                }
                if process.child.try_wait().ok().flatten().is_some() || Instant::now() > deadline {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            drop(process);
            last_log = format!(
                "{}{}",
                std::fs::read_to_string(&errors).unwrap_or_default(),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        panic!("tinyproxy did not start: {last_log}");
    }

    /// Its port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.process.port
    }

    /// What the proxy logged so far: one line per request it handled.
    pub fn log(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut text);
        }
        text
    }
}
