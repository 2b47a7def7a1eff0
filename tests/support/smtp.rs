//! A small but real SMTP server on 127.0.0.1 for the support-mail tests: EHLO and
//! HELO, STARTTLS or TLS from the first byte (rustls, with a certificate the test
//! provides), AUTH PLAIN and LOGIN recording the credentials, MAIL FROM, RCPT TO
//! (with recipients it refuses on demand), DATA with dot-unstuffing, RSET, NOOP
//! and QUIT. Every accepted message is kept (envelope and raw data) for the
//! test's assertions. It listens on a free port and stops when dropped.

#![allow(dead_code)]

use super::https::ServerStream as Stream;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

/// How the server protects the link.
#[derive(Clone, Default)]
pub enum SmtpTls {
    /// Plain SMTP only.
    #[default]
    None,
    /// Plain at first, STARTTLS offered (and required before AUTH or MAIL).
    StartTls(Arc<rustls::ServerConfig>),
    /// TLS from the first byte ("SMTPS").
    Implicit(Arc<rustls::ServerConfig>),
}

/// What the server accepts.
#[derive(Clone, Default)]
pub struct SmtpOptions {
    /// Link protection.
    pub tls: SmtpTls,
    /// When set, AUTH is offered, these credentials are accepted and MAIL is
    /// refused (530) until a client logged in.
    pub credentials: Option<(String, String)>,
    /// Recipients refused with `550 5.1.1` (compared without case).
    pub refused_recipients: Vec<String>,
}

/// One message the server accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The EHLO/HELO name.
    pub helo: String,
    /// Whether the message came over TLS.
    pub tls: bool,
    /// The user the client logged in as, if it did.
    pub user: Option<String>,
    /// `MAIL FROM`.
    pub mail_from: String,
    /// `RCPT TO`, in order.
    pub rcpt_to: Vec<String>,
    /// The message as sent, dot-unstuffed, CRLF line ends, without the final dot.
    pub data: Vec<u8>,
}

impl Received {
    /// The data as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }

    /// The value of a header (first occurrence, unfolded), if present.
    pub fn header(&self, name: &str) -> Option<String> {
        let text = self.text();
        let head = text.split("\r\n\r\n").next().unwrap_or_default();
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(v) = &mut value {
                if line.starts_with([' ', '\t']) {
                    v.push(' ');
                    v.push_str(line.trim());
                    continue;
                }
                break;
            }
            if let Some((key, rest)) = line.split_once(':')
                && key.eq_ignore_ascii_case(name)
            {
                value = Some(rest.trim().to_owned());
            }
        }
        value
    }
}

/// Everything the server saw.
#[derive(Debug, Default)]
struct Log {
    messages: Vec<Received>,
    logins: Vec<(String, String)>,
    sessions: usize,
}

/// The running server.
pub struct SmtpServer {
    addr: SocketAddr,
    log: Arc<Mutex<Log>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl SmtpServer {
    /// Starts a server on a free port of 127.0.0.1.
    pub fn start(options: SmtpOptions) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("local address");
        let log = Arc::new(Mutex::new(Log::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let options = Arc::new(options);
        let thread = {
            let (log, stop) = (Arc::clone(&log), Arc::clone(&stop));
            std::thread::Builder::new()
                .name("smtp-test-server".into())
                .spawn(move || accept_loop(&listener, &options, &log, &stop))
                .expect("spawn the SMTP server")
        };
        Self {
            addr,
            log,
            stop,
            thread: Some(thread),
        }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The messages accepted so far.
    pub fn messages(&self) -> Vec<Received> {
        self.log.lock().expect("log").messages.clone()
    }

    /// Every (user, password) a client tried, accepted or not.
    pub fn logins(&self) -> Vec<(String, String)> {
        self.log.lock().expect("log").logins.clone()
    }

    /// How many connections were made.
    pub fn sessions(&self) -> usize {
        self.log.lock().expect("log").sessions
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn accept_loop(
    listener: &TcpListener,
    options: &Arc<SmtpOptions>,
    log: &Arc<Mutex<Log>>,
    stop: &Arc<AtomicBool>,
) {
    let mut sessions = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((tcp, _)) => {
                log.lock().expect("log").sessions += 1;
                let (options, log) = (Arc::clone(options), Arc::clone(log));
                sessions.push(std::thread::spawn(move || {
                    // A session that fails (client gone, bad TLS) just ends.
                    let _ = Session::run(tcp, &options, &log);
                }));
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(_) => break,
        }
    }
    for session in sessions {
        let _ = session.join();
    }
}

fn tls_stream(config: &Arc<rustls::ServerConfig>, tcp: TcpStream) -> io::Result<Stream> {
    let conn = rustls::ServerConnection::new(Arc::clone(config)).map_err(io::Error::other)?;
    Ok(Stream::Tls(Box::new(rustls::StreamOwned::new(conn, tcp))))
}

struct Session<'a> {
    stream: Option<Stream>,
    /// Bytes read but not yet consumed as lines.
    pending: Vec<u8>,
    options: &'a SmtpOptions,
    log: &'a Mutex<Log>,
    tls: bool,
    helo: String,
    user: Option<String>,
    mail_from: Option<String>,
    rcpt_to: Vec<String>,
}

impl<'a> Session<'a> {
    fn run(tcp: TcpStream, options: &'a SmtpOptions, log: &'a Mutex<Log>) -> io::Result<()> {
        tcp.set_nonblocking(false)?;
        tcp.set_read_timeout(Some(Duration::from_secs(30)))?;
        tcp.set_write_timeout(Some(Duration::from_secs(30)))?;
        let (stream, tls) = match &options.tls {
            SmtpTls::Implicit(config) => (tls_stream(config, tcp)?, true),
            SmtpTls::None | SmtpTls::StartTls(_) => (Stream::Plain(tcp), false),
        };
        let mut session = Session {
            stream: Some(stream),
            pending: Vec::new(),
            options,
            log,
            tls,
            helo: String::new(),
            user: None,
            mail_from: None,
            rcpt_to: Vec::new(),
        };
        let result = session.converse();
        if let Some(stream) = &session.stream {
            let _ = stream.tcp().shutdown(Shutdown::Both);
        }
        result
    }

    fn stream(&mut self) -> io::Result<&mut Stream> {
        self.stream
            .as_mut()
            .ok_or_else(|| io::Error::other("stream taken"))
    }

    fn reply(&mut self, text: &str) -> io::Result<()> {
        let stream = self.stream()?;
        stream.write_all(text.as_bytes())?;
        stream.write_all(b"\r\n")?;
        stream.flush()
    }

    /// One line without its CRLF, `None` at the end of the connection.
    fn line(&mut self) -> io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(end) = self.pending.iter().position(|b| *b == b'\n') {
                let mut line: Vec<u8> = self.pending.drain(..=end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(Some(line));
            }
            let mut buf = [0u8; 4096];
            let n = self.stream()?.read(&mut buf)?;
            if n == 0 {
                return Ok(None);
            }
            self.pending.extend_from_slice(&buf[..n]);
        }
    }

    fn text_line(&mut self) -> io::Result<Option<String>> {
        Ok(self
            .line()?
            .map(|l| String::from_utf8_lossy(&l).into_owned()))
    }

    fn ehlo_lines(&self) -> Vec<String> {
        let mut lines = vec!["localhost bonjour".to_owned(), "8BITMIME".to_owned()];
        if matches!(self.options.tls, SmtpTls::StartTls(_)) && !self.tls {
            lines.push("STARTTLS".to_owned());
        }
        if self.options.credentials.is_some() {
            lines.push("AUTH PLAIN LOGIN".to_owned());
        }
        lines.push("SIZE 10485760".to_owned());
        lines
    }

    /// Whether STARTTLS must come first (never AUTH or MAIL in clear when offered).
    fn tls_required(&self) -> bool {
        matches!(self.options.tls, SmtpTls::StartTls(_)) && !self.tls
    }

    fn converse(&mut self) -> io::Result<()> {
        self.reply("220 localhost ESMTP serveur de test")?;
        while let Some(line) = self.text_line()? {
            let (verb, arg) = line
                .split_once(' ')
                .map_or((line.as_str(), ""), |(v, a)| (v, a.trim()));
            match verb.to_ascii_uppercase().as_str() {
                "EHLO" => {
                    arg.clone_into(&mut self.helo);
                    let lines = self.ehlo_lines();
                    let last = lines.len() - 1;
                    for (i, l) in lines.iter().enumerate() {
                        let sep = if i == last { ' ' } else { '-' };
                        self.reply(&format!("250{sep}{l}"))?;
                    }
                }
                "HELO" => {
                    arg.clone_into(&mut self.helo);
                    self.reply("250 localhost")?;
                }
                "STARTTLS" => {
                    let SmtpTls::StartTls(config) = &self.options.tls else {
                        self.reply("502 5.5.1 STARTTLS non proposé")?;
                        continue;
                    };
                    if self.tls {
                        self.reply("503 5.5.1 déjà en TLS")?;
                        continue;
                    }
                    let config = Arc::clone(config);
                    self.reply("220 2.0.0 prêt pour TLS")?;
                    // The client waits for the 220 before its handshake: nothing
                    // may be buffered from the plain part.
                    if !self.pending.is_empty() {
                        return Err(io::Error::other("data pipelined after STARTTLS"));
                    }
                    let Some(Stream::Plain(tcp)) = self.stream.take() else {
                        return Err(io::Error::other("not a plain stream"));
                    };
                    self.stream = Some(tls_stream(&config, tcp)?);
                    self.tls = true;
                    // RFC 3207: forget everything learnt before the handshake.
                    self.helo.clear();
                    self.user = None;
                    self.reset();
                }
                "AUTH" => self.auth(arg)?,
                "MAIL" => {
                    if self.tls_required() {
                        self.reply("530 5.7.0 STARTTLS d'abord")?;
                    } else if self.options.credentials.is_some() && self.user.is_none() {
                        self.reply("530 5.7.0 Authentication required")?;
                    } else {
                        self.reset();
                        self.mail_from = Some(address_of(arg, "FROM:"));
                        self.reply("250 2.1.0 Ok")?;
                    }
                }
                "RCPT" => {
                    if self.mail_from.is_none() {
                        self.reply("503 5.5.1 MAIL d'abord")?;
                        continue;
                    }
                    let to = address_of(arg, "TO:");
                    if self
                        .options
                        .refused_recipients
                        .iter()
                        .any(|r| r.eq_ignore_ascii_case(&to))
                    {
                        self.reply(&format!(
                            "550 5.1.1 <{to}>: Recipient address rejected: User unknown"
                        ))?;
                    } else {
                        self.rcpt_to.push(to);
                        self.reply("250 2.1.5 Ok")?;
                    }
                }
                "DATA" => {
                    if self.rcpt_to.is_empty() {
                        self.reply("503 5.5.1 RCPT d'abord")?;
                        continue;
                    }
                    self.reply("354 Fin des données par <CR><LF>.<CR><LF>")?;
                    let data = self.data()?;
                    let received = Received {
                        helo: self.helo.clone(),
                        tls: self.tls,
                        user: self.user.clone(),
                        mail_from: self.mail_from.clone().unwrap_or_default(),
                        rcpt_to: std::mem::take(&mut self.rcpt_to),
                        data,
                    };
                    self.log.lock().expect("log").messages.push(received);
                    self.reset();
                    self.reply("250 2.0.0 Ok: queued")?;
                }
                "RSET" => {
                    self.reset();
                    self.reply("250 2.0.0 Ok")?;
                }
                "NOOP" => self.reply("250 2.0.0 Ok")?,
                "QUIT" => {
                    self.reply("221 2.0.0 Au revoir")?;
                    return Ok(());
                }
                _ => self.reply("502 5.5.2 commande inconnue")?,
            }
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.mail_from = None;
        self.rcpt_to.clear();
    }

    /// The message up to the lone dot, dot-unstuffed, lines joined with CRLF.
    fn data(&mut self) -> io::Result<Vec<u8>> {
        let mut data = Vec::new();
        loop {
            let Some(line) = self.line()? else {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed in DATA",
                ));
            };
            if line == b"." {
                return Ok(data);
            }
            let line = line.strip_prefix(b".").unwrap_or(&line);
            data.extend_from_slice(line);
            data.extend_from_slice(b"\r\n");
        }
    }

    fn auth(&mut self, arg: &str) -> io::Result<()> {
        if self.options.credentials.is_none() {
            return self.reply("502 5.5.1 AUTH non proposé");
        }
        if self.tls_required() {
            return self.reply("530 5.7.0 STARTTLS d'abord");
        }
        let (mechanism, initial) = arg
            .split_once(' ')
            .map_or((arg, None), |(m, i)| (m, Some(i.trim().to_owned())));
        let login = match mechanism.to_ascii_uppercase().as_str() {
            "PLAIN" => {
                let response = if let Some(r) = initial {
                    r
                } else {
                    self.reply("334 ")?;
                    self.text_line()?.unwrap_or_default()
                };
                decode(&response).and_then(|plain| {
                    let mut parts = plain.split('\0');
                    let _authzid = parts.next()?;
                    Some((parts.next()?.to_owned(), parts.next()?.to_owned()))
                })
            }
            "LOGIN" => {
                let user = if let Some(r) = initial {
                    r
                } else {
                    self.reply("334 VXNlcm5hbWU6")?;
                    self.text_line()?.unwrap_or_default()
                };
                self.reply("334 UGFzc3dvcmQ6")?;
                let password = self.text_line()?.unwrap_or_default();
                decode(&user).zip(decode(&password))
            }
            _ => return self.reply("504 5.5.4 mécanisme inconnu"),
        };
        let Some((user, password)) = login else {
            return self.reply("501 5.5.2 réponse illisible");
        };
        let accepted = self.options.credentials.as_ref() == Some(&(user.clone(), password.clone()));
        self.log
            .lock()
            .expect("log")
            .logins
            .push((user.clone(), password));
        if accepted {
            self.user = Some(user);
            self.reply("235 2.7.0 Authentication successful")
        } else {
            self.reply("535 5.7.8 Authentication credentials invalid")
        }
    }
}

fn decode(b64: &str) -> Option<String> {
    BASE64
        .decode(b64.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
}

/// `<a@b.fr>` out of `FROM:<a@b.fr> BODY=8BITMIME`.
fn address_of(arg: &str, prefix: &str) -> String {
    let rest = match arg.get(..prefix.len()) {
        Some(head) if head.eq_ignore_ascii_case(prefix) => &arg[prefix.len()..],
        _ => arg,
    }
    .trim();
    let inner = rest
        .strip_prefix('<')
        .and_then(|r| r.split_once('>'))
        .map_or_else(
            || rest.split_whitespace().next().unwrap_or_default(),
            |(a, _)| a,
        );
    inner.to_owned()
}
