//! A small but real FTP server on 127.0.0.1 for the FTP destination tests,
//! serving a folder on disk (a temporary folder of the test).
//!
//! It speaks plain FTP, explicit FTPS (`AUTH TLS`, then `PBSZ`/`PROT P` for
//! protected data connections) or implicit FTPS (TLS from the first byte), with a
//! certificate the test provides (rustls). Commands: USER, PASS (one account;
//! anything else is refused with 530), SYST, FEAT, PWD, CWD, CDUP, MKD, TYPE,
//! PASV, EPSV, PORT, LIST, NLST, MLSD, SIZE, STOR, RETR, DELE, RNFR/RNTO, NOOP,
//! ABOR, QUIT, AUTH TLS, PBSZ, PROT. Like common servers, LIST and NLST hide
//! names starting with a dot unless asked `-a`; MLSD shows everything.
//!
//! Faults on demand ([`FtpOptions`]): a quota (a STOR going beyond it gets 552,
//! and the partial data is removed unless the test keeps it), dropping the control
//! and data connections after N bytes of a STOR (the bytes received so far stay
//! on disk, as with a real server), commands refused with 502, downloads with a
//! byte changed, a slow STOR, and silence (connections accepted, never a word).
//!
//! Every command received is recorded (PASS without its argument), and every
//! data connection with whether it was TLS. It listens on a free port and stops
//! when dropped (sessions poll a stop flag).

#![allow(dead_code)]

use std::fmt::Write as _;
use std::fs;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use super::https::{ServerStream as Stream, TestCert};

/// How often blocked control reads look at the stop flag.
const POLL: Duration = Duration::from_millis(50);
/// A control connection silent for this long is closed.
const IDLE_LIMIT: Duration = Duration::from_mins(1);
/// The longest wait for a data connection or a data read/write.
const DATA_TIMEOUT: Duration = Duration::from_secs(10);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How the server protects its link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServerSecurity {
    /// Plain FTP; `AUTH TLS` is refused.
    #[default]
    Plain,
    /// Plain at first, `AUTH TLS` offered.
    Explicit,
    /// TLS from the first byte; data connections protected unless `PROT C`.
    Implicit,
}

/// What the server accepts and how it misbehaves.
#[derive(Clone, Default)]
pub struct FtpOptions {
    /// The one user name accepted.
    pub user: String,
    /// Its password.
    pub password: String,
    /// Link protection.
    pub security: ServerSecurity,
    /// The TLS configuration (required for Explicit and Implicit); see
    /// [`FtpOptions::tls_config`].
    pub certificate: Option<Arc<rustls::ServerConfig>>,
    /// The most bytes all the files may take together.
    pub quota_bytes: Option<u64>,
    /// Whether a STOR refused for the quota leaves what it wrote (real servers
    /// often do); by default it is removed.
    pub keep_partial_over_quota: bool,
    /// Drop the control and data connections once a STOR received this many
    /// bytes (what was received stays on disk).
    pub drop_after_bytes: Option<u64>,
    /// Accept connections and never say a word.
    pub silent: bool,
    /// Commands answered `502 Command not implemented` (upper case: "SIZE").
    pub refused_commands: Vec<String>,
    /// RETR sends the file with one byte changed.
    pub corrupt_downloads: bool,
    /// A pause after each piece (16 KiB) a STOR reads: a slow site, for
    /// cancelling in the middle of an upload.
    pub store_pause: Option<Duration>,
}

impl FtpOptions {
    /// A plain server for `user` with `password`.
    pub fn new(user: &str, password: &str) -> Self {
        Self {
            user: user.to_owned(),
            password: password.to_owned(),
            ..Self::default()
        }
    }

    /// The same, explicit or implicit FTPS with `cert`.
    #[must_use]
    pub fn secured(mut self, security: ServerSecurity, cert: &TestCert) -> Self {
        self.security = security;
        self.certificate = Some(Self::tls_config(cert));
        self
    }

    /// A rustls configuration presenting `cert`, without ALPN (FTP has none).
    pub fn tls_config(cert: &TestCert) -> Arc<rustls::ServerConfig> {
        let mut config = (*cert.server_config()).clone();
        config.alpn_protocols.clear();
        Arc::new(config)
    }
}

/// A data connection the server opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataTransfer {
    /// The command it served (`STOR name`, `MLSD`…).
    pub command: String,
    /// Whether it was TLS.
    pub tls: bool,
}

#[derive(Debug, Default)]
struct Log {
    commands: Vec<String>,
    transfers: Vec<DataTransfer>,
    sessions: usize,
}

struct Shared {
    options: FtpOptions,
    root: PathBuf,
    log: Mutex<Log>,
    stop: AtomicBool,
}

impl Shared {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

/// The running server.
pub struct FtpServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl FtpServer {
    /// Serves `root` on a free port of 127.0.0.1.
    pub fn start(root: &Path, options: FtpOptions) -> Self {
        assert!(
            options.security == ServerSecurity::Plain || options.certificate.is_some(),
            "FTPS needs a certificate"
        );
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared {
            options,
            root: root.to_path_buf(),
            log: Mutex::new(Log::default()),
            stop: AtomicBool::new(false),
        });
        let state = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("ftp-test-{}", addr.port()))
            .spawn(move || accept_loop(&listener, &state))
            .expect("spawn the FTP server");
        Self {
            addr,
            shared,
            thread: Some(thread),
        }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every command received so far, in order, as sent (`PASS` without its
    /// argument).
    pub fn commands(&self) -> Vec<String> {
        lock(&self.shared.log).commands.clone()
    }

    /// Every data connection opened so far.
    pub fn transfers(&self) -> Vec<DataTransfer> {
        lock(&self.shared.log).transfers.clone()
    }

    /// How many connections were accepted.
    pub fn sessions(&self) -> usize {
        lock(&self.shared.log).sessions
    }
}

impl Drop for FtpServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    let mut sessions = Vec::new();
    // Silent mode: connections held open, unread, until the server stops.
    let mut held = Vec::new();
    while !shared.stopped() {
        match listener.accept() {
            Ok((tcp, _)) => {
                lock(&shared.log).sessions += 1;
                if shared.options.silent {
                    held.push(tcp);
                    continue;
                }
                let state = Arc::clone(shared);
                let session = std::thread::Builder::new()
                    .name("ftp-test-session".into())
                    .spawn(move || {
                        let _ = Session::run(tcp, &state);
                    })
                    .expect("spawn an FTP session");
                sessions.push(session);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(_) => break,
        }
    }
    drop(held);
    for session in sessions {
        let _ = session.join();
    }
}

/// Wraps `tcp` in server TLS and completes the handshake (retrying through the
/// short read timeouts of the control connection).
fn secure(
    config: &Arc<rustls::ServerConfig>,
    tcp: TcpStream,
    stop: &AtomicBool,
) -> io::Result<Stream> {
    let conn = rustls::ServerConnection::new(Arc::clone(config)).map_err(io::Error::other)?;
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let deadline = Instant::now() + DATA_TIMEOUT;
    while tls.conn.is_handshaking() {
        match tls.conn.complete_io(&mut tls.sock) {
            Ok((0, 0)) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "closed during the handshake",
                ));
            }
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) =>
            {
                if stop.load(Ordering::SeqCst) || Instant::now() > deadline {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "handshake"));
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(Stream::Tls(Box::new(tls)))
}

/// Ends a data connection gracefully: TLS `close_notify`, our half closed, then
/// a short wait for the client to close its side.
fn finish_data(mut data: Stream) {
    if let Stream::Tls(s) = &mut data {
        s.conn.send_close_notify();
        let _ = s.flush();
    }
    let _ = data.tcp().shutdown(Shutdown::Write);
    let _ = data.tcp().set_read_timeout(Some(Duration::from_secs(2)));
    let mut sink = [0_u8; 4096];
    let mut tcp = data.tcp();
    while matches!(tcp.read(&mut sink), Ok(n) if n > 0) {}
}

/// The total size of the files under `dir`.
fn total_size(dir: &Path) -> u64 {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => total_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// Why a session ends early.
#[derive(Debug)]
enum End {
    /// The client said QUIT, closed, or the server stops.
    Normal,
    /// The fault mode cut the connections.
    Dropped,
}

struct Session<'a> {
    control: Option<Stream>,
    pending: Vec<u8>,
    shared: &'a Shared,
    tls: bool,
    user: Option<String>,
    logged_in: bool,
    cwd: Vec<String>,
    protect_data: bool,
    passive: Option<TcpListener>,
    active: Option<SocketAddr>,
    rename_from: Option<PathBuf>,
}

impl<'a> Session<'a> {
    fn run(tcp: TcpStream, shared: &'a Shared) -> io::Result<()> {
        tcp.set_nonblocking(false)?;
        tcp.set_nodelay(true)?;
        tcp.set_read_timeout(Some(POLL))?;
        tcp.set_write_timeout(Some(DATA_TIMEOUT))?;
        let options = &shared.options;
        let implicit = options.security == ServerSecurity::Implicit;
        let control = match (&options.certificate, implicit) {
            (Some(config), true) => secure(config, tcp, &shared.stop)?,
            _ => Stream::Plain(tcp),
        };
        let mut session = Session {
            control: Some(control),
            pending: Vec::new(),
            shared,
            tls: implicit,
            user: None,
            logged_in: false,
            cwd: Vec::new(),
            protect_data: implicit,
            passive: None,
            active: None,
            rename_from: None,
        };
        let result = session.converse();
        if let Some(control) = &mut session.control {
            match result {
                // A cut: no goodbye, no close_notify.
                Ok(End::Dropped) => {
                    let _ = control.tcp().shutdown(Shutdown::Both);
                }
                _ => control.close(),
            }
        }
        result.map(|_| ())
    }

    fn control(&mut self) -> io::Result<&mut Stream> {
        self.control
            .as_mut()
            .ok_or_else(|| io::Error::other("no control connection"))
    }

    fn reply(&mut self, text: &str) -> io::Result<()> {
        // One write per reply: two small writes would wait for the delayed ACK.
        let control = self.control()?;
        control.write_all(format!("{text}\r\n").as_bytes())?;
        control.flush()
    }

    /// One command line, `None` at the end of the connection or on a stop.
    fn line(&mut self) -> io::Result<Option<String>> {
        let mut idle_since = Instant::now();
        loop {
            if let Some(end) = self.pending.iter().position(|b| *b == b'\n') {
                let mut line: Vec<u8> = self.pending.drain(..=end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(Some(String::from_utf8_lossy(&line).into_owned()));
            }
            if self.shared.stopped() || idle_since.elapsed() > IDLE_LIMIT {
                return Ok(None);
            }
            let mut buf = [0_u8; 4096];
            match self.control()?.read(&mut buf) {
                Ok(0) => return Ok(None),
                Ok(n) => {
                    self.pending.extend_from_slice(&buf[..n]);
                    idle_since = Instant::now();
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
                Err(e) => return Err(e),
            }
        }
    }

    fn record(&self, line: &str) {
        let shown = if line
            .get(..4)
            .is_some_and(|v| v.eq_ignore_ascii_case("PASS"))
        {
            "PASS".to_owned()
        } else {
            line.to_owned()
        };
        lock(&self.shared.log).commands.push(shown);
    }

    fn converse(&mut self) -> io::Result<End> {
        self.reply("220 Serveur FTP de test")?;
        while let Some(line) = self.line()? {
            self.record(&line);
            let (verb, arg) = line
                .split_once(' ')
                .map_or((line.as_str(), ""), |(v, a)| (v, a.trim()));
            let verb = verb.to_ascii_uppercase();
            if self
                .shared
                .options
                .refused_commands
                .iter()
                .any(|r| r.eq_ignore_ascii_case(&verb))
            {
                self.reply("502 Command not implemented.")?;
                continue;
            }
            let open = matches!(
                verb.as_str(),
                "USER" | "PASS" | "AUTH" | "PBSZ" | "PROT" | "SYST" | "FEAT" | "NOOP" | "QUIT"
            );
            if !open && !self.logged_in {
                self.reply("530 Please login with USER and PASS.")?;
                continue;
            }
            match verb.as_str() {
                "USER" => {
                    self.user = Some(arg.to_owned());
                    self.logged_in = false;
                    self.reply("331 Please specify the password.")?;
                }
                "PASS" => {
                    let options = &self.shared.options;
                    let ok = self.user.as_deref() == Some(options.user.as_str())
                        && arg == options.password;
                    if ok {
                        self.logged_in = true;
                        self.reply("230 Login successful.")?;
                    } else {
                        self.reply("530 Login incorrect.")?;
                    }
                }
                "AUTH" => self.auth(arg)?,
                "PBSZ" => self.reply("200 PBSZ=0")?,
                "PROT" => match arg.to_ascii_uppercase().as_str() {
                    "P" if self.tls => {
                        self.protect_data = true;
                        self.reply("200 PROT now Private.")?;
                    }
                    "C" => {
                        self.protect_data = false;
                        self.reply("200 PROT now Clear.")?;
                    }
                    _ => self.reply("536 PROT level not supported.")?,
                },
                "SYST" => self.reply("215 UNIX Type: L8")?,
                "FEAT" => self.feat()?,
                "NOOP" => self.reply("200 NOOP ok.")?,
                "QUIT" => {
                    self.reply("221 Goodbye.")?;
                    return Ok(End::Normal);
                }
                "PWD" => {
                    let path = format!("/{}", self.cwd.join("/"));
                    self.reply(&format!("257 \"{path}\" is the current directory"))?;
                }
                "CWD" => {
                    let (parts, path) = self.resolve(arg);
                    if path.is_dir() {
                        self.cwd = parts;
                        self.reply("250 Directory successfully changed.")?;
                    } else {
                        self.reply("550 Failed to change directory.")?;
                    }
                }
                "CDUP" => {
                    self.cwd.pop();
                    self.reply("250 Directory successfully changed.")?;
                }
                "MKD" => {
                    let (parts, path) = self.resolve(arg);
                    if path.exists() || !path.parent().is_some_and(Path::is_dir) {
                        self.reply("550 Create directory operation failed.")?;
                    } else {
                        fs::create_dir(&path)?;
                        self.reply(&format!("257 \"/{}\" created", parts.join("/")))?;
                    }
                }
                "TYPE" => self.reply("200 Type set.")?,
                "PASV" => {
                    let listener = TcpListener::bind("127.0.0.1:0")?;
                    let port = listener.local_addr()?.port();
                    self.passive = Some(listener);
                    self.active = None;
                    self.reply(&format!(
                        "227 Entering Passive Mode (127,0,0,1,{},{}).",
                        port / 256,
                        port % 256
                    ))?;
                }
                "EPSV" => {
                    let listener = TcpListener::bind("127.0.0.1:0")?;
                    let port = listener.local_addr()?.port();
                    self.passive = Some(listener);
                    self.active = None;
                    self.reply(&format!("229 Entering Extended Passive Mode (|||{port}|)"))?;
                }
                "PORT" => match parse_port(arg) {
                    Some(addr) => {
                        self.active = Some(addr);
                        self.passive = None;
                        self.reply("200 PORT command successful.")?;
                    }
                    None => self.reply("501 Illegal PORT command.")?,
                },
                "LIST" | "NLST" | "MLSD" => self.listing(&verb, arg, &line)?,
                "SIZE" => {
                    let (_, path) = self.resolve(arg);
                    match fs::metadata(&path) {
                        Ok(m) if m.is_file() => self.reply(&format!("213 {}", m.len()))?,
                        _ => self.reply("550 Could not get file size.")?,
                    }
                }
                "STOR" => {
                    if let End::Dropped = self.stor(arg, &line)? {
                        return Ok(End::Dropped);
                    }
                }
                "RETR" => self.retr(arg, &line)?,
                "DELE" => {
                    let (_, path) = self.resolve(arg);
                    if path.is_file() && fs::remove_file(&path).is_ok() {
                        self.reply("250 Delete operation successful.")?;
                    } else {
                        self.reply("550 Delete operation failed.")?;
                    }
                }
                "RNFR" => {
                    let (_, path) = self.resolve(arg);
                    if path.exists() {
                        self.rename_from = Some(path);
                        self.reply("350 Ready for RNTO.")?;
                    } else {
                        self.reply("550 RNFR command failed.")?;
                    }
                }
                "RNTO" => {
                    let (_, path) = self.resolve(arg);
                    match self.rename_from.take() {
                        Some(from) if fs::rename(&from, &path).is_ok() => {
                            self.reply("250 Rename successful.")?;
                        }
                        Some(_) => self.reply("550 Rename failed.")?,
                        None => self.reply("503 RNFR required first.")?,
                    }
                }
                "ABOR" => self.reply("226 No transfer to ABOR.")?,
                _ => self.reply("502 Command not implemented.")?,
            }
        }
        Ok(End::Normal)
    }

    fn auth(&mut self, arg: &str) -> io::Result<()> {
        let config = match (
            &self.shared.options.certificate,
            self.shared.options.security,
        ) {
            (Some(config), ServerSecurity::Explicit) => Arc::clone(config),
            _ => return self.reply("502 AUTH not available."),
        };
        if self.tls {
            return self.reply("503 Already using TLS.");
        }
        if !matches!(arg.to_ascii_uppercase().as_str(), "TLS" | "SSL" | "TLS-C") {
            return self.reply("504 Unknown AUTH type.");
        }
        self.reply("234 Proceed with negotiation.")?;
        if !self.pending.is_empty() {
            return Err(io::Error::other("data pipelined after AUTH TLS"));
        }
        let Some(Stream::Plain(tcp)) = self.control.take() else {
            return Err(io::Error::other("not a plain stream"));
        };
        self.control = Some(secure(&config, tcp, &self.shared.stop)?);
        self.tls = true;
        // RFC 4217: a new login is needed after AUTH.
        self.user = None;
        self.logged_in = false;
        Ok(())
    }

    fn feat(&mut self) -> io::Result<()> {
        let mut features = vec!["MLSD", "SIZE", "EPSV", "PASV", "UTF8"];
        if self.shared.options.security == ServerSecurity::Explicit {
            features.extend(["AUTH TLS", "PBSZ", "PROT"]);
        } else if self.shared.options.security == ServerSecurity::Implicit {
            features.extend(["PBSZ", "PROT"]);
        }
        let refused = &self.shared.options.refused_commands;
        let mut text = String::from("211-Features:\r\n");
        for f in features {
            let verb = f.split(' ').next().unwrap_or(f);
            if !refused.iter().any(|r| r.eq_ignore_ascii_case(verb)) {
                let _ = write!(text, " {f}\r\n");
            }
        }
        text.push_str("211 End");
        self.reply(&text)
    }

    /// The path components and the file on disk of a path argument (never
    /// outside the root).
    fn resolve(&self, arg: &str) -> (Vec<String>, PathBuf) {
        let mut parts = if arg.starts_with('/') {
            Vec::new()
        } else {
            self.cwd.clone()
        };
        for p in arg.split('/') {
            match p {
                "" | "." => {}
                ".." => {
                    parts.pop();
                }
                other => parts.push(other.to_owned()),
            }
        }
        let path = parts
            .iter()
            .fold(self.shared.root.clone(), |acc, p| acc.join(p));
        (parts, path)
    }

    /// Opens the data connection (after the 150 was sent): accepts on the
    /// passive listener or connects to the PORT address, then TLS when `PROT P`.
    fn open_data(&mut self, command: &str) -> io::Result<Stream> {
        let tcp = if let Some(listener) = self.passive.take() {
            listener.set_nonblocking(true)?;
            let deadline = Instant::now() + DATA_TIMEOUT;
            loop {
                match listener.accept() {
                    Ok((tcp, _)) => break tcp,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        if self.shared.stopped() || Instant::now() > deadline {
                            return Err(io::Error::new(
                                io::ErrorKind::TimedOut,
                                "no data connection",
                            ));
                        }
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(e) => return Err(e),
                }
            }
        } else if let Some(addr) = self.active.take() {
            TcpStream::connect_timeout(&addr, DATA_TIMEOUT)?
        } else {
            return Err(io::Error::other("no PASV/EPSV/PORT before the transfer"));
        };
        tcp.set_nonblocking(false)?;
        tcp.set_read_timeout(Some(DATA_TIMEOUT))?;
        tcp.set_write_timeout(Some(DATA_TIMEOUT))?;
        let tls = self.protect_data;
        lock(&self.shared.log).transfers.push(DataTransfer {
            command: command.to_owned(),
            tls,
        });
        match (&self.shared.options.certificate, tls) {
            (Some(config), true) => secure(&Arc::clone(config), tcp, &self.shared.stop),
            _ => Ok(Stream::Plain(tcp)),
        }
    }

    /// Sends `bytes` on a new data connection and answers 226 (or 425/426).
    fn send_data(&mut self, command: &str, bytes: &[u8]) -> io::Result<()> {
        if self.passive.is_none() && self.active.is_none() {
            return self.reply("425 Use PORT or PASV first.");
        }
        self.reply("150 Here comes the data.")?;
        let Ok(mut data) = self.open_data(command) else {
            return self.reply("425 Failed to establish connection.");
        };
        if data.write_all(bytes).and_then(|()| data.flush()).is_ok() {
            finish_data(data);
            self.reply("226 Transfer complete.")
        } else {
            data.close();
            self.reply("426 Failure writing network stream.")
        }
    }

    fn listing(&mut self, verb: &str, arg: &str, line: &str) -> io::Result<()> {
        let all = arg
            .split_whitespace()
            .any(|a| a.starts_with('-') && a.contains('a'));
        let path_arg = arg
            .split_whitespace()
            .find(|a| !a.starts_with('-'))
            .unwrap_or("");
        let (_, dir) = self.resolve(path_arg);
        let Ok(read) = fs::read_dir(&dir) else {
            return self.reply("550 Failed to open directory.");
        };
        let mut entries: Vec<(String, fs::Metadata)> = read
            .filter_map(Result::ok)
            .filter_map(|e| Some((e.file_name().into_string().ok()?, e.metadata().ok()?)))
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut text = String::new();
        for (name, meta) in &entries {
            let hidden = name.starts_with('.') && verb != "MLSD" && !all;
            if hidden {
                continue;
            }
            let _ = match verb {
                "NLST" => write!(text, "{name}\r\n"),
                "MLSD" => {
                    let kind = if meta.is_dir() { "dir" } else { "file" };
                    write!(
                        text,
                        "type={kind};size={};modify={}; {name}\r\n",
                        meta.len(),
                        mlsd_time(meta)
                    )
                }
                _ => {
                    let kind = if meta.is_dir() { 'd' } else { '-' };
                    write!(
                        text,
                        "{kind}rw-r--r--    1 ftp      ftp      {:>10} Jan 01 12:00 {name}\r\n",
                        meta.len()
                    )
                }
            };
        }
        self.send_data(line, text.as_bytes())
    }

    fn retr(&mut self, arg: &str, line: &str) -> io::Result<()> {
        let (_, path) = self.resolve(arg);
        let Ok(mut bytes) = fs::read(&path) else {
            return self.reply("550 Failed to open file.");
        };
        if self.shared.options.corrupt_downloads && !bytes.is_empty() {
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0x55;
        }
        self.send_data(line, &bytes)
    }

    fn stor(&mut self, arg: &str, line: &str) -> io::Result<End> {
        let (_, path) = self.resolve(arg);
        if !path.parent().is_some_and(Path::is_dir) || path.is_dir() {
            self.reply("553 Could not create file.")?;
            return Ok(End::Normal);
        }
        if self.passive.is_none() && self.active.is_none() {
            self.reply("425 Use PORT or PASV first.")?;
            return Ok(End::Normal);
        }
        let options = self.shared.options.clone();
        let existing = total_size(&self.shared.root) - fs::metadata(&path).map_or(0, |m| m.len());
        self.reply("150 Ok to send data.")?;
        let Ok(mut data) = self.open_data(line) else {
            self.reply("425 Failed to establish connection.")?;
            return Ok(End::Normal);
        };
        let mut file = fs::File::create(&path)?;
        let mut received = 0_u64;
        let mut buf = vec![0_u8; 16 * 1024];
        loop {
            let room = options
                .drop_after_bytes
                .map_or(buf.len() as u64, |limit| limit.saturating_sub(received))
                .min(buf.len() as u64) as usize;
            if room == 0 {
                // The fault: what was received stays, both connections are cut.
                file.sync_all()?;
                drop(file);
                let _ = data.tcp().shutdown(Shutdown::Both);
                return Ok(End::Dropped);
            }
            let n = match data.read(&mut buf[..room]) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // A TLS client that closed without close_notify: the data ends.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
                Err(_) => {
                    drop(file);
                    let _ = data.tcp().shutdown(Shutdown::Both);
                    self.reply("426 Failure reading network stream.")?;
                    return Ok(End::Normal);
                }
            };
            if let Some(quota) = options.quota_bytes
                && existing + received + n as u64 > quota
            {
                drop(file);
                // Closed with unread data: the client's writes fail.
                drop(data);
                if !options.keep_partial_over_quota {
                    let _ = fs::remove_file(&path);
                }
                self.reply("552 Requested file action aborted. Exceeded storage allocation.")?;
                return Ok(End::Normal);
            }
            file.write_all(&buf[..n])?;
            file.flush()?;
            received += n as u64;
            if let Some(pause) = options.store_pause {
                std::thread::sleep(pause);
            }
        }
        file.sync_all()?;
        drop(file);
        finish_data(data);
        self.reply("226 Transfer complete.")?;
        Ok(End::Normal)
    }
}

/// `h1,h2,h3,h4,p1,p2`.
fn parse_port(arg: &str) -> Option<SocketAddr> {
    let numbers: Vec<u8> = arg
        .split(',')
        .map(|p| p.trim().parse().ok())
        .collect::<Option<_>>()?;
    let [h1, h2, h3, h4, p1, p2] = numbers[..] else {
        return None;
    };
    Some(SocketAddr::from((
        [h1, h2, h3, h4],
        u16::from(p1) * 256 + u16::from(p2),
    )))
}

/// The modification time as MLSD writes it (UTC, `AAAAMMJJHHMMSS`).
fn mlsd_time(meta: &fs::Metadata) -> String {
    let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
    chrono::DateTime::<chrono::Utc>::from(modified)
        .format("%Y%m%d%H%M%S")
        .to_string()
}
