//! The FTP site destination ("Site distant (FTP)"): plain FTP, explicit FTPS
//! (`AUTH TLS` on the usual port) or implicit FTPS (TLS from the first byte),
//! through suppaftp's blocking client and rustls.
//!
//! FTPS trusts exactly what every other call of the program trusts
//! ([`crate::connection::client::tls_config`]: the usual roots plus the extra
//! authority file of the connection settings); verification is never switched off,
//! and the data connections are protected too (`PBSZ 0`, `PROT P`). No call can
//! hang: connecting is limited to [`CONNECT_TIMEOUT`] (and so is the wait for the
//! server's greeting), every read and write on the control and data sockets to
//! [`IO_TIMEOUT`].
//!
//! An archive is delivered the way the [`Location`] contract asks: sent in binary
//! under a temporary name ([`PARTIAL_PREFIX`]), its size at the site checked
//! (`SIZE`, or the listing when the server refuses `SIZE`), read back whole and
//! its SHA-256 compared, and only then renamed to its final name, never over an
//! existing archive. When anything fails the temporary file is deleted, on a new
//! connection when the old one died. A lost control connection is reopened at the
//! next call.
//!
//! The proxy settings of the connection screen do not apply here: an HTTP proxy
//! does not carry FTP's separate data connections, so the site is reached
//! directly.

use crate::backup::archive::hex;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sha2::{Digest, Sha256};
use suppaftp::list::ListParser;
use suppaftp::types::{FileType, Response};
use suppaftp::{
    FtpError, FtpResult, ImplFtpStream, Mode, Status, TlsConnector, TlsStream, TransferStream,
};

use super::{
    Access, DestinationError, Location, PARTIAL_PREFIX, Place, SiteUnreachable, StoredBackup,
    parse_archive_name,
};
use crate::backup::script::{Destination, FtpSecurity, FtpSettings};
use crate::jobs::Cancel;

/// The longest wait for a TCP connection (control or data) and for the server's
/// greeting.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest wait for any read or write on the control and data connections.
pub const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// How long closing a session waits for the answer to `QUIT`.
const QUIT_TIMEOUT: Duration = Duration::from_secs(2);

/// The size of the pieces files are sent and read in (cancellation is checked
/// between pieces).
const CHUNK_BYTES: usize = 64 * 1024;

/// The client: one type for the three kinds of link (a plain session simply has
/// no TLS connector).
type Ftp = ImplFtpStream<FtpsStream>;

// ---------------------------------------------------------------------------
// The destination.

/// An FTP site opened for a run: the session stays open across calls and is
/// reopened when it was lost.
pub struct FtpLocation {
    settings: FtpSettings,
    /// The decrypted password, kept to reopen a lost session; never shown.
    password: String,
    link: Link,
    site: Site,
    session: Option<Ftp>,
}

impl std::fmt::Debug for FtpLocation {
    /// Shows the site without the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FtpLocation")
            .field("site", &self.place())
            .field("security", &self.settings.security)
            .field("passive", &self.settings.passive)
            .field("connected", &self.session.is_some())
            .finish_non_exhaustive()
    }
}

impl FtpLocation {
    /// Connects to the site, secures the link as the settings say, logs in with the
    /// password decrypted by `access.key` (an empty password when none is stored),
    /// and goes into the remote folder, creating what is missing of it.
    pub fn connect(settings: &FtpSettings, access: &Access<'_>) -> Result<Self, DestinationError> {
        let password = match &settings.password_encrypted {
            Some(stored) => access
                .key
                .decrypt(stored)
                .map_err(|_| DestinationError::Secret)?,
            None => String::new(),
        };
        let link = Link::of(settings, access)?;
        let site = Site::of(settings);
        let session = open(settings, &password, &link, &site)?;
        Ok(Self {
            settings: settings.clone(),
            password,
            link,
            site,
            session: Some(session),
        })
    }

    /// "Tester": connects, logs in, goes into the remote folder (creating it when
    /// missing) and says goodbye (`QUIT`, on drop).
    pub fn test_connection(
        settings: &FtpSettings,
        access: &Access<'_>,
    ) -> Result<(), DestinationError> {
        Self::connect(settings, access).map(drop)
    }

    /// The open session, opened again when it was lost.
    fn session(&mut self) -> Result<&mut Ftp, DestinationError> {
        let session = match self.session.take() {
            Some(session) => session,
            None => open(&self.settings, &self.password, &self.link, &self.site)?,
        };
        Ok(self.session.insert(session))
    }

    /// Tells `e` as a destination error, and forgets the session when the error
    /// was not a plain answer of the server (the control connection can no longer
    /// be trusted to be in step).
    fn fail(&mut self, e: &FtpError, target: Target<'_>) -> DestinationError {
        if !matches!(e, FtpError::UnexpectedResponse(_)) {
            self.session = None;
        }
        classify(e, &self.site, target)
    }

    /// Finishes a transfer whose outcome no longer matters (cancelled, or failed on
    /// our side), keeping the session only if the server answered.
    fn settle(&mut self, transfer: TransferStream<FtpsStream>) {
        if let Err(e) = transfer.finish() {
            let _ = self.fail(&e, Target::Session);
        }
    }

    /// The error of a transfer whose data connection failed with `error`: the
    /// server's answer on the control connection when it gave one (a full disk
    /// says 552 and closes the data connection), else the connection error.
    fn transfer_failed(
        &mut self,
        transfer: TransferStream<FtpsStream>,
        error: &io::Error,
        target: Target<'_>,
    ) -> DestinationError {
        match transfer.finish() {
            Err(reply @ FtpError::UnexpectedResponse(_)) => self.fail(&reply, target),
            Err(other) => {
                let _ = self.fail(&other, target);
                classify_io(error, &self.site)
            }
            Ok(()) => classify_io(error, &self.site),
        }
    }

    /// Sends the file under `name`; returns the bytes sent.
    fn upload(
        &mut self,
        file: &mut File,
        local: &Path,
        name: &str,
        cancel: &Cancel,
    ) -> Result<u64, DestinationError> {
        let ftp = self.session()?;
        let mut transfer = match ftp.put_with_stream(name) {
            Ok(transfer) => transfer,
            Err(e) => return Err(self.fail(&e, Target::Write)),
        };
        arm(&transfer);
        let mut buf = vec![0_u8; CHUNK_BYTES];
        let mut sent = 0_u64;
        loop {
            if cancel.is_cancelled() {
                // Ending the data connection ends the upload; the server keeps
                // what it got under the temporary name, which the caller deletes.
                self.settle(transfer);
                return Err(DestinationError::Cancelled);
            }
            let n = match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    self.settle(transfer);
                    return Err(local_io(local, source));
                }
            };
            if let Err(e) = transfer.write_all(&buf[..n]) {
                return Err(self.transfer_failed(transfer, &e, Target::Write));
            }
            sent += n as u64;
        }
        if let Err(e) = transfer.flush() {
            return Err(self.transfer_failed(transfer, &e, Target::Write));
        }
        match transfer.finish() {
            Ok(()) => Ok(sent),
            Err(e) => Err(self.fail(&e, Target::Write)),
        }
    }

    /// Reads the remote file `name` whole, handing each piece to `sink`; returns
    /// the bytes read.
    fn download(
        &mut self,
        name: &str,
        cancel: Option<&Cancel>,
        sink: &mut dyn FnMut(&[u8]) -> Result<(), DestinationError>,
    ) -> Result<u64, DestinationError> {
        let ftp = self.session()?;
        let mut transfer = match ftp.retr_as_stream(name) {
            Ok(transfer) => transfer,
            Err(e) => return Err(self.fail(&e, Target::File(name))),
        };
        arm(&transfer);
        let mut buf = vec![0_u8; CHUNK_BYTES];
        let mut received = 0_u64;
        loop {
            if cancel.is_some_and(Cancel::is_cancelled) {
                self.settle(transfer);
                return Err(DestinationError::Cancelled);
            }
            let n = match transfer.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.transfer_failed(transfer, &e, Target::File(name))),
            };
            if let Err(e) = sink(&buf[..n]) {
                self.settle(transfer);
                return Err(e);
            }
            received += n as u64;
        }
        match transfer.finish() {
            Ok(()) => Ok(received),
            Err(e) => Err(self.fail(&e, Target::File(name))),
        }
    }

    /// The lines a data command sends (`MLSD`, `NLST`, `LIST`), or `None` when the
    /// server refuses the command (not implemented, or nothing to list).
    fn data_lines(&mut self, command: &str) -> Result<Option<Vec<String>>, DestinationError> {
        let ftp = self.session()?;
        let transfer =
            match ftp.custom_data_command(command, &[Status::AboutToSend, Status::AlreadyOpen]) {
                Ok((_, transfer)) => transfer,
                Err(FtpError::UnexpectedResponse(r)) if reply_code(&r) >= 500 => return Ok(None),
                Err(e) => return Err(self.fail(&e, Target::Folder)),
            };
        arm(&transfer);
        let mut reader = BufReader::new(transfer);
        let mut lines = Vec::new();
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) => break,
                Ok(_) => {
                    let text = String::from_utf8_lossy(&line);
                    let text = text.trim_end_matches(['\r', '\n']);
                    if !text.is_empty() {
                        lines.push(text.to_owned());
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(self.transfer_failed(reader.into_inner(), &e, Target::Folder));
                }
            }
        }
        match reader.into_inner().finish() {
            Ok(()) => Ok(Some(lines)),
            Err(e) => Err(self.fail(&e, Target::Folder)),
        }
    }

    /// The entries of the remote folder with their MLSD facts, `None` when the
    /// server has no MLSD.
    fn mlsd(&mut self) -> Result<Option<Vec<Entry>>, DestinationError> {
        Ok(self
            .data_lines("MLSD")?
            .map(|lines| lines.iter().filter_map(|l| parse_mlsd_line(l)).collect()))
    }

    /// The file names of the remote folder (MLSD, else NLST).
    fn names(&mut self) -> Result<Vec<String>, DestinationError> {
        if let Some(entries) = self.mlsd()? {
            return Ok(entries
                .into_iter()
                .filter(|e| e.is_file)
                .map(|e| e.name)
                .collect());
        }
        self.nlst()
    }

    /// NLST's names (some servers answer 550 for an empty folder: no name).
    fn nlst(&mut self) -> Result<Vec<String>, DestinationError> {
        Ok(self
            .data_lines("NLST")?
            .unwrap_or_default()
            .iter()
            .map(|n| n.rsplit('/').next().unwrap_or(n).to_owned())
            .collect())
    }

    /// `SIZE name`, `None` when the server refuses it.
    fn size_command(&mut self, name: &str) -> Result<Option<u64>, DestinationError> {
        let ftp = self.session()?;
        match ftp.size(name) {
            Ok(size) => Ok(Some(size as u64)),
            Err(FtpError::UnexpectedResponse(r)) if reply_code(&r) >= 500 => Ok(None),
            Err(FtpError::BadResponse) => Ok(None),
            Err(e) => Err(self.fail(&e, Target::File(name))),
        }
    }

    /// The sizes the listing shows (MLSD facts, else a `LIST` read the usual Unix
    /// or DOS way); empty when the server lists nothing usable.
    fn listed_sizes(&mut self) -> Result<HashMap<String, u64>, DestinationError> {
        if let Some(entries) = self.mlsd()? {
            return Ok(entries
                .into_iter()
                .filter(|e| e.is_file)
                .filter_map(|e| Some((e.name, e.size?)))
                .collect());
        }
        let lines = self.data_lines("LIST")?.unwrap_or_default();
        Ok(lines
            .iter()
            .filter_map(|l| {
                ListParser::parse_posix(l)
                    .or_else(|_| ListParser::parse_dos(l))
                    .ok()
            })
            .filter(suppaftp::list::File::is_file)
            .map(|f| (f.name().to_owned(), f.size() as u64))
            .collect())
    }

    /// The size of the remote file `name` as the server tells it (SIZE, else the
    /// listing), `None` when it does not tell.
    fn remote_size(&mut self, name: &str) -> Result<Option<u64>, DestinationError> {
        if let Some(size) = self.size_command(name)? {
            return Ok(Some(size));
        }
        Ok(self.listed_sizes()?.get(name).copied())
    }

    /// Fails when an archive called `name` is already in the folder.
    fn refuse_existing(&mut self, name: &str) -> Result<(), DestinationError> {
        if self.names()?.iter().any(|n| n == name) {
            return Err(DestinationError::Io {
                what: self.site.file_url(name),
                source: io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "an archive of that name is already there",
                ),
            });
        }
        Ok(())
    }

    /// Everything [`Location::put`] does but the cleanup. `sent` tells the caller
    /// whether a temporary file may exist.
    fn deliver(
        &mut self,
        local: &Path,
        final_name: &str,
        partial: &str,
        sha256_hex: &str,
        cancel: &Cancel,
        sent: &mut bool,
    ) -> Result<u64, DestinationError> {
        if cancel.is_cancelled() {
            return Err(DestinationError::Cancelled);
        }
        let mut file = File::open(local).map_err(|e| local_io(local, e))?;
        let size = file.metadata().map_err(|e| local_io(local, e))?.len();
        self.refuse_existing(final_name)?;
        *sent = true;
        let written = self.upload(&mut file, local, partial, cancel)?;
        if written != size {
            return Err(self.mismatch(format!(
                "the local archive changed while it was sent: {written} bytes sent, {size} expected"
            )));
        }
        if cancel.is_cancelled() {
            return Err(DestinationError::Cancelled);
        }
        // The size the site lists. When it tells none (SIZE refused and the
        // temporary name hidden from listings), the count read back below still
        // compares the sizes.
        if let Some(remote) = self.remote_size(partial)?
            && remote != size
        {
            return Err(self.mismatch(format!(
                "size at the site {remote} bytes, local archive {size} bytes"
            )));
        }
        let mut hasher = Sha256::new();
        let read_back = self.download(partial, Some(cancel), &mut |chunk| {
            hasher.update(chunk);
            Ok(())
        })?;
        if read_back != size {
            return Err(self.mismatch(format!(
                "read back {read_back} bytes, local archive {size} bytes"
            )));
        }
        let digest = hex(&hasher.finalize());
        if !digest.eq_ignore_ascii_case(sha256_hex.trim()) {
            return Err(self.mismatch(format!(
                "sha-256 read back {digest}, expected {}",
                sha256_hex.trim()
            )));
        }
        if cancel.is_cancelled() {
            return Err(DestinationError::Cancelled);
        }
        self.refuse_existing(final_name)?;
        let ftp = self.session()?;
        match ftp.rename(partial, final_name) {
            Ok(()) => Ok(size),
            Err(e) => Err(self.fail(&e, Target::Write)),
        }
    }

    fn mismatch(&self, detail: String) -> DestinationError {
        DestinationError::Mismatch {
            what: self.site.folder_url.clone(),
            detail,
        }
    }

    /// Deletes the temporary file `partial`, best effort: on the session when it
    /// still works, else on a new one.
    fn discard(&mut self, partial: &str) {
        for _attempt in 0..2 {
            let ftp = match self.session() {
                Ok(ftp) => ftp,
                Err(e) => {
                    tracing::warn!(fichier = partial, erreur = %e, "FTP : fichier temporaire non supprimé");
                    return;
                }
            };
            match ftp.rm(partial) {
                // Deleted, or an answer (absent, refused): nothing more can be done.
                Ok(()) | Err(FtpError::UnexpectedResponse(_)) => return,
                Err(e) => {
                    // The session died: the next attempt opens a new one.
                    let _ = self.fail(&e, Target::File(partial));
                }
            }
        }
    }
}

impl Location for FtpLocation {
    fn place(&self) -> Place {
        Destination::Ftp(self.settings.clone()).place()
    }

    fn put(
        &mut self,
        local: &Path,
        final_name: &str,
        sha256_hex: &str,
        cancel: &Cancel,
    ) -> Result<u64, DestinationError> {
        let partial = format!("{PARTIAL_PREFIX}{final_name}");
        let mut sent = false;
        let result = self.deliver(local, final_name, &partial, sha256_hex, cancel, &mut sent);
        if result.is_err() && sent {
            self.discard(&partial);
        }
        result
    }

    fn list(&mut self, script: &str) -> Result<Vec<StoredBackup>, DestinationError> {
        let entries = match self.mlsd()? {
            Some(entries) => entries,
            None => self
                .nlst()?
                .into_iter()
                .map(|name| Entry {
                    name,
                    size: None,
                    is_file: true,
                })
                .collect(),
        };
        let mut listed: Option<HashMap<String, u64>> = None;
        let mut found = Vec::new();
        for entry in entries.into_iter().filter(|e| e.is_file) {
            let Some(taken_at) = parse_archive_name(script, &entry.name) else {
                continue;
            };
            let size = if let Some(size) = entry.size {
                size
            } else if let Some(size) = self.size_command(&entry.name)? {
                size
            } else {
                if listed.is_none() {
                    listed = Some(self.listed_sizes()?);
                }
                listed
                    .as_ref()
                    .and_then(|l| l.get(&entry.name).copied())
                    .unwrap_or(0)
            };
            found.push(StoredBackup {
                name: entry.name,
                size_bytes: size,
                taken_at,
            });
        }
        found.sort_by(|a, b| a.taken_at.cmp(&b.taken_at).then(a.name.cmp(&b.name)));
        Ok(found)
    }

    fn fetch(&mut self, name: &str, to: &Path) -> Result<u64, DestinationError> {
        let mut file = File::create(to).map_err(|e| local_io(to, e))?;
        let result = self
            .download(name, None, &mut |chunk| {
                file.write_all(chunk).map_err(|e| local_io(to, e))
            })
            .and_then(|n| file.sync_all().map(|()| n).map_err(|e| local_io(to, e)));
        if result.is_err() {
            drop(file);
            let _ = std::fs::remove_file(to);
        }
        result
    }

    fn remove(&mut self, name: &str) -> Result<(), DestinationError> {
        let ftp = self.session()?;
        match ftp.rm(name) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.fail(&e, Target::File(name))),
        }
    }
}

impl Drop for FtpLocation {
    /// Says goodbye (`QUIT`), without waiting long for the answer.
    fn drop(&mut self) {
        if let Some(mut ftp) = self.session.take() {
            let _ = ftp.get_ref().set_read_timeout(Some(QUIT_TIMEOUT));
            let _ = ftp.quit();
        }
    }
}

// ---------------------------------------------------------------------------
// Opening a session.

/// How the link is protected, with the TLS configuration when there is one.
enum Link {
    Plain,
    Explicit(Arc<rustls::ClientConfig>),
    Implicit(Arc<rustls::ClientConfig>),
}

impl Link {
    fn of(settings: &FtpSettings, access: &Access<'_>) -> Result<Self, DestinationError> {
        let config = || -> Result<Arc<rustls::ClientConfig>, DestinationError> {
            let mut config =
                crate::connection::client::tls_config(access.connection).map_err(|e| {
                    DestinationError::Tls {
                        detail: e.to_string(),
                    }
                })?;
            // The configuration is made for HTTP/1.1; FTP servers negotiate no ALPN.
            config.alpn_protocols.clear();
            Ok(Arc::new(config))
        };
        Ok(match settings.security {
            FtpSecurity::Plain => Self::Plain,
            FtpSecurity::Explicit => Self::Explicit(config()?),
            FtpSecurity::Implicit => Self::Implicit(config()?),
        })
    }
}

/// The site as messages show it.
#[derive(Debug, Clone)]
struct Site {
    host: String,
    port: u16,
    user: String,
    /// `ftp://host/folder`.
    folder_url: String,
}

impl Site {
    fn of(settings: &FtpSettings) -> Self {
        let host = if settings.host.contains(':') && !settings.host.starts_with('[') {
            format!("[{}]", settings.host)
        } else {
            settings.host.clone()
        };
        let folder = settings.folder.trim().trim_end_matches('/');
        let folder = if folder.starts_with('/') {
            folder.to_owned()
        } else {
            format!("/{folder}")
        };
        Self {
            host: settings.host.clone(),
            port: settings.port,
            user: settings.user.clone(),
            folder_url: format!("ftp://{host}{folder}"),
        }
    }

    fn file_url(&self, name: &str) -> String {
        format!("{}/{name}", self.folder_url.trim_end_matches('/'))
    }

    fn unreachable(&self, cause: SiteUnreachable) -> DestinationError {
        DestinationError::Unreachable {
            host: self.host.clone(),
            port: self.port,
            cause,
        }
    }
}

/// rustls with the time limits set on every socket it secures (the control
/// connection of implicit FTPS is opened by suppaftp itself, without them).
#[derive(Debug)]
struct TimedTls {
    config: Arc<rustls::ClientConfig>,
    /// Whether the next socket is the control connection of implicit FTPS, whose
    /// first read waits for the greeting.
    greeting_next: AtomicBool,
}

impl TimedTls {
    fn new(config: &Arc<rustls::ClientConfig>, greeting_next: bool) -> Self {
        Self {
            config: Arc::clone(config),
            greeting_next: AtomicBool::new(greeting_next),
        }
    }
}

impl TlsConnector for TimedTls {
    type Stream = FtpsStream;

    fn connect(&self, domain: &str, stream: TcpStream) -> FtpResult<Self::Stream> {
        let read = if self.greeting_next.swap(false, Ordering::SeqCst) {
            CONNECT_TIMEOUT
        } else {
            IO_TIMEOUT
        };
        set_timeouts(&stream, read).map_err(FtpError::ConnectionError)?;
        let name = rustls::pki_types::ServerName::try_from(domain.to_owned())
            .map_err(|e| FtpError::SecureError(e.to_string()))?;
        let conn = rustls::ClientConnection::new(Arc::clone(&self.config), name)
            .map_err(|e| FtpError::SecureError(e.to_string()))?;
        Ok(FtpsStream {
            tls: rustls::StreamOwned::new(conn, stream),
            close_on_drop: true,
        })
    }
}

/// A TLS connection of the session (control or data). Unlike suppaftp's own
/// rustls stream, dropping it never tries to finish a handshake that did not
/// complete: against a server that never answers, that would wait out the time
/// limit a second time.
#[derive(Debug)]
struct FtpsStream {
    tls: rustls::StreamOwned<rustls::ClientConnection, TcpStream>,
    /// Whether dropping it says `close_notify` (not once the socket was handed
    /// back as plain TCP).
    close_on_drop: bool,
}

impl TlsStream for FtpsStream {
    type InnerStream = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;

    fn tcp_stream(mut self) -> FtpResult<TcpStream> {
        let tcp = self
            .tls
            .sock
            .try_clone()
            .map_err(FtpError::ConnectionError)?;
        self.close_on_drop = false;
        Ok(tcp)
    }

    fn get_ref(&self) -> &TcpStream {
        &self.tls.sock
    }

    fn mut_ref(&mut self) -> &mut Self::InnerStream {
        &mut self.tls
    }
}

impl Drop for FtpsStream {
    fn drop(&mut self) {
        if self.close_on_drop && !self.tls.conn.is_handshaking() {
            let _ = self.tls.flush();
            self.tls.conn.send_close_notify();
            let _ = self.tls.conn.write_tls(&mut self.tls.sock);
        }
    }
}

fn set_timeouts(stream: &TcpStream, read: Duration) -> io::Result<()> {
    stream.set_read_timeout(Some(read))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))
}

/// Sets the time limits on a transfer's data socket (active-mode sockets are
/// accepted by suppaftp without them).
fn arm(transfer: &TransferStream<FtpsStream>) {
    let _ = set_timeouts(transfer.get_ref().get_ref(), IO_TIMEOUT);
}

/// The host as TLS and the resolver want it (no IPv6 brackets).
fn bare_host(host: &str) -> &str {
    host.trim().trim_start_matches('[').trim_end_matches(']')
}

/// The first address of the host that accepts a TCP connection in time.
fn reach(settings: &FtpSettings, site: &Site) -> Result<(SocketAddr, TcpStream), DestinationError> {
    let addresses: Vec<SocketAddr> = (bare_host(&settings.host), settings.port)
        .to_socket_addrs()
        .map_err(|_| site.unreachable(SiteUnreachable::UnknownHost))?
        .collect();
    let mut last = site.unreachable(SiteUnreachable::UnknownHost);
    for address in addresses {
        match TcpStream::connect_timeout(&address, CONNECT_TIMEOUT) {
            Ok(stream) => return Ok((address, stream)),
            Err(e) => last = classify_io(&e, site),
        }
    }
    Err(last)
}

/// Opens a session: connects, secures, logs in, sets the data connection mode
/// and goes into the remote folder.
fn open(
    settings: &FtpSettings,
    password: &str,
    link: &Link,
    site: &Site,
) -> Result<Ftp, DestinationError> {
    let session = Target::Session;
    let domain = bare_host(&settings.host);
    let (address, stream) = reach(settings, site)?;
    let mut ftp = if let Link::Implicit(config) = link {
        // suppaftp opens the implicit connection itself, without a time limit
        // on connecting: the connection just made proved the server reachable
        // in time, so it is closed and the real one follows at once.
        drop(stream);
        let mut ftp = Ftp::connect_secure_implicit(address, TimedTls::new(config, true), domain)
            .map_err(|e| classify(&e, site, session))?;
        // suppaftp does not ask for protected data connections after an
        // implicit connection; servers differ in their default, so ask.
        for command in ["PBSZ 0", "PROT P"] {
            ftp.custom_command(command, &[Status::CommandOk])
                .map_err(|e| tls_refused(&e, site, command))?;
        }
        ftp
    } else {
        set_timeouts(&stream, CONNECT_TIMEOUT).map_err(|e| classify_io(&e, site))?;
        let ftp = Ftp::connect_with_stream(stream).map_err(|e| classify(&e, site, session))?;
        if let Link::Explicit(config) = link {
            ftp.into_secure(TimedTls::new(config, false), domain)
                .map_err(|e| tls_refused(&e, site, "AUTH TLS"))?
        } else {
            ftp
        }
    };
    ftp.get_ref()
        .set_read_timeout(Some(IO_TIMEOUT))
        .map_err(|e| classify_io(&e, site))?;
    ftp = ftp.passive_stream_builder(|address| {
        let stream = TcpStream::connect_timeout(&address, CONNECT_TIMEOUT)
            .map_err(FtpError::ConnectionError)?;
        set_timeouts(&stream, IO_TIMEOUT).map_err(FtpError::ConnectionError)?;
        Ok(stream)
    });
    // suppaftp logs its commands, the password included, at the `log` crate's
    // trace level; the program installs no `log` logger, so they go nowhere.
    ftp.login(settings.user.as_str(), password)
        .map_err(|e| classify(&e, site, session))?;
    // Binary for the whole session (a session reopened in the middle of a
    // delivery must not read the archive back as text).
    ftp.transfer_type(FileType::Binary)
        .map_err(|e| classify(&e, site, session))?;
    if settings.passive {
        let ipv6 = ftp.get_ref().peer_addr().is_ok_and(|a| a.is_ipv6());
        if ipv6 {
            ftp.set_mode(Mode::ExtendedPassive);
        } else {
            // PASV, with the address of the control connection instead of the one
            // in the answer: servers behind NAT often announce a private address.
            ftp.set_mode(Mode::Passive);
            ftp.set_passive_nat_workaround(true);
        }
    } else {
        ftp = ftp.active_mode(CONNECT_TIMEOUT);
    }
    enter_folder(&mut ftp, &settings.folder, site)?;
    Ok(ftp)
}

/// `CWD` into `folder` one component at a time, creating (`MKD`) the missing
/// ones. An absolute folder starts from `/`, a relative one from the login folder.
fn enter_folder(ftp: &mut Ftp, folder: &str, site: &Site) -> Result<(), DestinationError> {
    let folder = folder.trim();
    let target = Target::Folder;
    if folder.starts_with('/') {
        ftp.cwd("/").map_err(|e| classify(&e, site, target))?;
    }
    for part in folder.split('/').filter(|p| !p.is_empty() && *p != ".") {
        match ftp.cwd(part) {
            Ok(()) => {}
            Err(FtpError::UnexpectedResponse(r)) if reply_code(&r) == 550 => {
                ftp.mkdir(part).map_err(|e| classify(&e, site, target))?;
                ftp.cwd(part).map_err(|e| classify(&e, site, target))?;
            }
            Err(e) => return Err(classify(&e, site, target)),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Listings.

/// A line of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    name: String,
    size: Option<u64>,
    is_file: bool,
}

/// `type=file;size=1234;modify=20260101120000; name` (RFC 3659).
fn parse_mlsd_line(line: &str) -> Option<Entry> {
    let (facts, name) = line.split_once(' ')?;
    if name.is_empty() {
        return None;
    }
    let mut kind = None;
    let mut size = None;
    for fact in facts.split(';') {
        if let Some((key, value)) = fact.split_once('=') {
            match key.to_ascii_lowercase().as_str() {
                "type" => kind = Some(value.to_ascii_lowercase()),
                "size" => size = value.parse().ok(),
                _ => {}
            }
        }
    }
    Some(Entry {
        name: name.to_owned(),
        size,
        is_file: kind.as_deref().is_none_or(|k| k == "file"),
    })
}

// ---------------------------------------------------------------------------
// Errors.

/// What a command was about, to tell its refusal.
#[derive(Debug, Clone, Copy)]
enum Target<'a> {
    /// Connecting, logging in, settings of the session.
    Session,
    /// The remote folder (CWD, MKD, listings).
    Folder,
    /// Writing the file (STOR, RNTO).
    Write,
    /// An existing file (RETR, SIZE, DELE).
    File(&'a str),
}

/// The reply code, read from the reply itself (suppaftp's `Status` does not know
/// every code).
fn reply_code(response: &Response) -> u32 {
    response
        .body
        .get(..3)
        .and_then(|c| std::str::from_utf8(c).ok())
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| response.status.code())
}

/// The reply on one line, at most 200 characters.
fn reply_text(response: &Response) -> String {
    let text = String::from_utf8_lossy(&response.body);
    let joined = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    joined.chars().take(200).collect()
}

/// Whether a refusal speaks of rights rather than absence.
fn speaks_of_permission(text: &str) -> bool {
    let text = text.to_lowercase();
    [
        "permission",
        "denied",
        "not allowed",
        "access",
        "forbidden",
        "refus",
        "interdit",
    ]
    .iter()
    .any(|w| text.contains(w))
}

/// The destination error of an FTP error.
fn classify(e: &FtpError, site: &Site, target: Target<'_>) -> DestinationError {
    match e {
        FtpError::ConnectionError(io) => classify_io(io, site),
        FtpError::SecureError(detail) => DestinationError::Tls {
            detail: detail.clone(),
        },
        FtpError::UnexpectedResponse(response) => classify_reply(response, site, target),
        FtpError::BadResponse => DestinationError::Protocol {
            detail: "unreadable reply".to_owned(),
        },
        FtpError::InvalidAddress(e) => DestinationError::Protocol {
            detail: format!("bad address in the passive mode reply: {e}"),
        },
        FtpError::DataConnectionAlreadyOpen => DestinationError::Protocol {
            detail: "a data connection is already open".to_owned(),
        },
    }
}

/// The destination error of a refusal.
fn classify_reply(response: &Response, site: &Site, target: Target<'_>) -> DestinationError {
    let code = reply_code(response);
    let text = reply_text(response);
    let folder = || site.folder_url.clone();
    match code {
        530 | 331 | 332 | 430 => DestinationError::LoginRefused {
            user: site.user.clone(),
        },
        452 | 552 => DestinationError::Full { what: folder() },
        421 => site.unreachable(SiteUnreachable::ServiceUnavailable { reply: text }),
        425 => site.unreachable(SiteUnreachable::NoDataConnection { reply: text }),
        426 => site.unreachable(SiteUnreachable::TransferAborted { reply: text }),
        553 => DestinationError::PermissionDenied { what: folder() },
        550 => match target {
            _ if speaks_of_permission(&text) => {
                DestinationError::PermissionDenied { what: folder() }
            }
            Target::Folder => DestinationError::Missing { what: folder() },
            Target::File(name) => DestinationError::Missing {
                what: site.file_url(name),
            },
            Target::Write => DestinationError::PermissionDenied { what: folder() },
            Target::Session => DestinationError::Protocol { detail: text },
        },
        _ => DestinationError::Protocol { detail: text },
    }
}

/// The destination error of a socket error: TLS when rustls speaks, else the
/// site is unreachable.
fn classify_io(e: &io::Error, site: &Site) -> DestinationError {
    if let Some(tls) = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        return DestinationError::Tls {
            detail: describe_tls(tls),
        };
    }
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
            site.unreachable(SiteUnreachable::NoAnswer)
        }
        io::ErrorKind::ConnectionRefused => site.unreachable(SiteUnreachable::Refused),
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe
        | io::ErrorKind::UnexpectedEof
        | io::ErrorKind::NotConnected => site.unreachable(SiteUnreachable::Dropped),
        io::ErrorKind::InvalidData => DestinationError::Protocol {
            detail: e.to_string(),
        },
        _ => site.unreachable(SiteUnreachable::System {
            detail: e.to_string(),
        }),
    }
}

/// A rustls error in a few words, naming the certificate problem when there is
/// one: `certificate: unknown authority`, `certificate: expired`,
/// `certificate: issued for another name`.
fn describe_tls(e: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(cert) => match cert {
            C::UnknownIssuer => "certificate: unknown authority".to_owned(),
            C::Expired | C::ExpiredContext { .. } => "certificate: expired".to_owned(),
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                "certificate: issued for another name".to_owned()
            }
            other => format!("certificate: {other:?}"),
        },
        other => other.to_string(),
    }
}

/// The error of a step that secures the link (`AUTH TLS`, `PBSZ`, `PROT`): a
/// refusal means the server does not offer TLS that way.
fn tls_refused(e: &FtpError, site: &Site, command: &str) -> DestinationError {
    match e {
        FtpError::UnexpectedResponse(response) => DestinationError::Tls {
            detail: format!("{command} refused: {}", reply_text(response)),
        },
        other => classify(other, site, Target::Session),
    }
}

fn local_io(path: &Path, source: io::Error) -> DestinationError {
    DestinationError::Io {
        what: path.display().to_string(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(text: &str) -> Response {
        let code: u32 = text[..3].parse().expect("code");
        Response::new(Status::from(code), text.as_bytes().to_vec())
    }

    fn site() -> Site {
        Site::of(&FtpSettings {
            host: "ftp.asso.fr".into(),
            port: 21,
            user: "paie".into(),
            password_encrypted: None,
            folder: "sauvegardes/iea/".into(),
            security: FtpSecurity::Explicit,
            passive: true,
        })
    }

    #[test]
    fn site_urls_name_the_folder() {
        let s = site();
        assert_eq!(s.folder_url, "ftp://ftp.asso.fr/sauvegardes/iea");
        assert_eq!(
            s.file_url("a.zip"),
            "ftp://ftp.asso.fr/sauvegardes/iea/a.zip"
        );
        let mut root = FtpSettings {
            host: "::1".into(),
            port: 990,
            user: "u".into(),
            password_encrypted: None,
            folder: "/".into(),
            security: FtpSecurity::Implicit,
            passive: true,
        };
        assert_eq!(Site::of(&root).folder_url, "ftp://[::1]/");
        root.folder = String::new();
        assert_eq!(Site::of(&root).file_url("b.zip"), "ftp://[::1]/b.zip");
    }

    #[test]
    fn replies_become_destination_errors() {
        let s = site();
        let e = |text: &str, target| classify_reply(&response(text), &s, target);
        assert!(matches!(
            e("530 Login incorrect.", Target::Session),
            DestinationError::LoginRefused { user } if user == "paie"
        ));
        assert!(matches!(
            e("552 Quota exceeded", Target::Write),
            DestinationError::Full { .. }
        ));
        assert!(matches!(
            e("452 Insufficient storage", Target::Write),
            DestinationError::Full { .. }
        ));
        assert!(matches!(
            e("550 No such directory", Target::Folder),
            DestinationError::Missing { what } if what == "ftp://ftp.asso.fr/sauvegardes/iea"
        ));
        assert!(matches!(
            e(
                "550 Create directory operation failed: Permission denied",
                Target::Folder
            ),
            DestinationError::PermissionDenied { .. }
        ));
        assert!(matches!(
            e("550 a.zip: No such file", Target::File("a.zip")),
            DestinationError::Missing { what } if what.ends_with("/a.zip")
        ));
        assert!(matches!(
            e("553 Could not create file.", Target::Write),
            DestinationError::PermissionDenied { .. }
        ));
        assert!(matches!(
            e("421 Too many users", Target::Session),
            DestinationError::Unreachable { .. }
        ));
        assert!(matches!(
            e("504 Command not implemented for that parameter", Target::Session),
            DestinationError::Protocol { detail } if detail.starts_with("504")
        ));
        // A code suppaftp's Status does not know is still read.
        assert_eq!(reply_code(&response("534 Policy requires SSL")), 534);
    }

    #[test]
    fn socket_errors_become_destination_errors() {
        let s = site();
        let timeout = io::Error::from(io::ErrorKind::WouldBlock);
        assert!(matches!(
            classify_io(&timeout, &s),
            DestinationError::Unreachable {
                cause: SiteUnreachable::NoAnswer,
                port: 21,
                ..
            }
        ));
        let tls = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        assert!(matches!(
            classify_io(&tls, &s),
            DestinationError::Tls { detail } if detail == "certificate: unknown authority"
        ));
        let expired = rustls::Error::InvalidCertificate(rustls::CertificateError::Expired);
        assert_eq!(describe_tls(&expired), "certificate: expired");
    }

    #[test]
    fn mlsd_lines_are_read() {
        assert_eq!(
            parse_mlsd_line(
                "type=file;size=1234;modify=20260101120000; paie-20260101-120000.iea.zip"
            ),
            Some(Entry {
                name: "paie-20260101-120000.iea.zip".into(),
                size: Some(1234),
                is_file: true
            })
        );
        assert_eq!(
            parse_mlsd_line("Type=dir;Modify=20260101120000; un dossier").map(|e| e.is_file),
            Some(false)
        );
        assert_eq!(parse_mlsd_line("sans-faits"), None);
    }

    #[test]
    fn hex_is_lower_case() {
        assert_eq!(hex(&[0x00, 0xab, 0x7f]), "00ab7f");
    }
}
