//! The tus resumable upload protocol 1.0.0, as PROTOCOL.md asks it of the
//! secure space (« Sharebox »): the core protocol with the creation and
//! termination extensions, `Upload-Checksum` (sha256) on every PATCH where the
//! server offers the checksum extension, and `POST` with
//! `X-HTTP-Method-Override: PATCH` where a proxy refuses PATCH.
//!
//! [`Sharebox::connect`] asks the server what it offers (`OPTIONS`), walking
//! the way step by step as the server test does, so that a connection that
//! cannot be established is told apart ([`TusError::NotEstablished`]: the
//! centre then offers the proxy window of seed 004, step 5bis).
//! [`Sharebox::upload`] sends a file from an offset in chunks sized on the
//! measured speed, and after a cut asks the server where it stands (`HEAD`)
//! and goes on from there: bytes the server kept are never sent again.
//!
//! Each chunk goes as one buffer, read from the file while the chunk before
//! it is on the wire: the HTTP client then writes it in full TLS records, and
//! the link does not wait for the disk between chunks. (A body read through
//! `std::io::Read` goes in pieces of 8 KiB, each its own TLS record; with it,
//! and each chunk read only once the one before was answered, the loopback
//! benchmark took 1.6 to 2.1 times as long as `curl`.) The gauge and
//! « Annuler » therefore act between chunks, which last about
//! [`CHUNK_SECONDS`] at the measured speed.

use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use reqwest::blocking::{Body, Client, RequestBuilder, Response};
use sha2::{Digest as _, Sha256};
use url::Url;

use crate::config::ConnectionSettings;
use crate::connection::client::{self, ClientError, build_client_with_tls};
use crate::connection::servers::{
    Answer, Failure, Link, ServerProblem, Step, redact, reqwest_failure,
};
use crate::connection::{Timeouts, install_crypto_provider, timeouts};
use crate::jobs::Cancel;

/// The protocol version spoken.
pub const TUS_VERSION: &str = "1.0.0";

/// The first chunk, before any speed is known: a few seconds on the slowest
/// line a chunk is given time for.
pub const FIRST_CHUNK: usize = 256 * 1024;
/// The smallest chunk.
pub const MIN_CHUNK: usize = 256 * 1024;
/// The largest chunk (memory: a chunk is read before it is sent, so that its
/// checksum can go in the headers, and the next one is read meanwhile: twice
/// this at most).
pub const MAX_CHUNK: usize = 32 * 1024 * 1024;
/// A chunk lasts about this long at the measured speed: the gauge moves and
/// « Annuler » is heard at least this often, and a cut costs little, while
/// fast links send few requests.
pub const CHUNK_SECONDS: f64 = 2.0;
/// The slowest speed a chunk is given time for, before any is measured.
const MIN_RATE: f64 = 64.0 * 1024.0;
/// Consecutive failed attempts on one upload before the run gives up (the
/// next « Transférer » resumes from the server's offset all the same).
pub const MAX_ATTEMPTS: u32 = 4;

/// What the server offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Capabilities {
    /// The checksum extension with sha256: every PATCH carries its checksum.
    pub checksum_sha256: bool,
    /// The termination extension: an upload no longer wanted is removed.
    pub termination: bool,
    /// `Tus-Max-Size`, when given.
    pub max_size: Option<u64>,
}

/// Why an upload did not go through. None carries a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TusError {
    /// The connection to the secure space could not be established at all
    /// (name, connection, secure link, proxy): the proxy window's case.
    #[error("connection not established ({step:?}): {problem}")]
    NotEstablished {
        /// Where it broke.
        step: Step,
        /// What went wrong.
        problem: ServerProblem,
    },
    /// The connection broke or went silent during the upload, more times in a
    /// row than [`MAX_ATTEMPTS`].
    #[error("connection lost: {problem}")]
    Lost {
        /// The last problem.
        problem: ServerProblem,
    },
    /// The address does not answer as a tus 1.0.0 server.
    #[error("not a tus 1.0.0 server: {detail}")]
    NotTus {
        /// What was missing or wrong.
        detail: String,
    },
    /// The server answered a status the protocol does not give here.
    #[error("{method} answered HTTP {status}")]
    Status {
        /// The request.
        method: &'static str,
        /// The status.
        status: u16,
    },
    /// The server no longer has the upload (404, 410): it must be created again.
    #[error("upload gone")]
    Gone,
    /// The file is larger than the server accepts.
    #[error("file of {size} bytes, the server accepts {max}")]
    TooLarge {
        /// The file's size.
        size: u64,
        /// `Tus-Max-Size`.
        max: u64,
    },
    /// The file to send could not be read.
    #[error("cannot read {path}: {detail}")]
    Read {
        /// The file.
        path: String,
        /// The system's words.
        detail: String,
    },
    /// « Annuler ».
    #[error("cancelled")]
    Cancelled,
}

/// The secure space at one upload address, through the connection settings
/// (or the proxy given in the fallback window).
pub struct Sharebox {
    settings: ConnectionSettings,
    proxy_password: Option<String>,
    client: Client,
    limits: Timeouts,
    /// Where uploads are created.
    pub endpoint: Url,
    /// What the server offers.
    pub capabilities: Capabilities,
    /// Set once a PATCH was refused on the way: every later one is a POST
    /// with `X-HTTP-Method-Override`.
    patch_by_post: AtomicBool,
}

impl std::fmt::Debug for Sharebox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sharebox")
            .field("endpoint", &self.endpoint.as_str())
            .field("capabilities", &self.capabilities)
            .finish_non_exhaustive()
    }
}

/// What one upload did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sent {
    /// The offset it started from (what the server already had).
    pub resumed_from: u64,
    /// The bytes of the file this run put on the wire, repeats included (a
    /// chunk cut on the way counts whole: at most this much).
    pub bytes_sent: u64,
    /// How many times it had to ask the server where it stood after a cut.
    pub resumptions: u32,
}

impl Sharebox {
    /// Asks the server at `endpoint` what it offers (`OPTIONS`), walking the
    /// way there step by step. `proxy_password` is the decrypted password of
    /// the proxy of `settings`, if any.
    pub fn connect(
        settings: &ConnectionSettings,
        proxy_password: Option<&str>,
        endpoint: &Url,
    ) -> Result<Self, TusError> {
        install_crypto_provider();
        let not_established = |step: Step, problem: ServerProblem| TusError::NotEstablished {
            step,
            problem: redact(problem, proxy_password),
        };
        let link =
            Link::new(settings, proxy_password).map_err(|(step, p)| not_established(step, p))?;
        let answer = link
            .call(
                endpoint,
                |c, left| {
                    c.request(reqwest::Method::OPTIONS, endpoint.clone())
                        .timeout(left)
                },
                |answer: &Answer| Ok(answer.clone()),
            )
            .map_err(|f: Failure| match f.step {
                Step::Dns | Step::Tcp | Step::Tls | Step::Proxy => {
                    not_established(f.step, f.problem)
                }
                _ => TusError::Lost {
                    problem: redact(f.problem, proxy_password),
                },
            })?;
        if !matches!(answer.status, 200 | 204) {
            return Err(TusError::Status {
                method: "OPTIONS",
                status: answer.status,
            });
        }
        let header = |name: &str| {
            answer
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_ascii_lowercase()
        };
        let versions = header("tus-version");
        if !versions.split(',').any(|v| v.trim() == TUS_VERSION) {
            return Err(TusError::NotTus {
                detail: format!("Tus-Version: {versions:?}"),
            });
        }
        let extensions: Vec<String> = header("tus-extension")
            .split(',')
            .map(|e| e.trim().to_owned())
            .collect();
        if !extensions.iter().any(|e| e == "creation") {
            return Err(TusError::NotTus {
                detail: "no creation extension".to_owned(),
            });
        }
        let capabilities = Capabilities {
            checksum_sha256: extensions.iter().any(|e| e == "checksum")
                && header("tus-checksum-algorithm")
                    .split(',')
                    .any(|a| a.trim() == "sha256"),
            termination: extensions.iter().any(|e| e == "termination"),
            max_size: header("tus-max-size").trim().parse().ok(),
        };
        let client = client::tls_config(settings)
            .and_then(|tls| build_client_with_tls(settings, proxy_password, tls))
            .map_err(|e: ClientError| {
                let (step, problem) = ServerProblem::from_client_error(&e);
                not_established(step, problem)
            })?;
        Ok(Self {
            settings: settings.clone(),
            proxy_password: proxy_password.map(str::to_owned),
            client,
            limits: timeouts(settings.mode),
            endpoint: endpoint.clone(),
            capabilities,
            patch_by_post: AtomicBool::new(false),
        })
    }

    /// Creates an upload of `size` bytes with `metadata` (keys and plain
    /// values; encoded here as tus requires) and returns its address.
    pub fn create(&self, size: u64, metadata: &[(&str, &str)]) -> Result<Url, TusError> {
        if let Some(max) = self.capabilities.max_size
            && size > max
        {
            return Err(TusError::TooLarge { size, max });
        }
        let encoded = metadata
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k} {}",
                    base64::engine::general_purpose::STANDARD.encode(v.as_bytes())
                )
            })
            .collect::<Vec<_>>()
            .join(",");
        let response = self.send(
            "POST",
            tus(self.client.post(self.endpoint.clone()))
                .header("Upload-Length", size.to_string())
                .header("Upload-Metadata", encoded)
                .header(reqwest::header::CONTENT_LENGTH, "0")
                .timeout(self.limits.request),
        )?;
        if response.status().as_u16() != 201 {
            return Err(TusError::Status {
                method: "POST",
                status: response.status().as_u16(),
            });
        }
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| TusError::NotTus {
                detail: "201 without Location".to_owned(),
            })?;
        self.endpoint.join(location).map_err(|_| TusError::NotTus {
            detail: "unreadable Location".to_owned(),
        })
    }

    /// Where the upload at `upload` stands on the server (`HEAD`): the bytes
    /// it has. [`TusError::Gone`] when it no longer has the upload.
    pub fn offset(&self, upload: &Url) -> Result<u64, TusError> {
        let response = self.send(
            "HEAD",
            tus(self.client.head(upload.clone()))
                .header(reqwest::header::CACHE_CONTROL, "no-store")
                .timeout(self.limits.request),
        )?;
        match response.status().as_u16() {
            200 | 204 => upload_offset(&response),
            404 | 410 | 403 => Err(TusError::Gone),
            status => Err(TusError::Status {
                method: "HEAD",
                status,
            }),
        }
    }

    /// Removes an upload no longer wanted (termination extension), so that
    /// the server does not keep an outdated copy. Gone already is fine.
    pub fn terminate(&self, upload: &Url) -> Result<(), TusError> {
        if !self.capabilities.termination {
            return Ok(());
        }
        let response = self.send(
            "DELETE",
            tus(self.client.delete(upload.clone())).timeout(self.limits.request),
        )?;
        match response.status().as_u16() {
            200 | 204 | 404 | 410 => Ok(()),
            status => Err(TusError::Status {
                method: "DELETE",
                status,
            }),
        }
    }

    /// Sends `file` (`size` bytes) to `upload`, from the server's offset
    /// `from` to the end. `sent` is told each time the server has more (its
    /// offset); a cut is followed by a `HEAD` and the upload goes on from
    /// what the server kept, up to [`MAX_ATTEMPTS`] times in a row.
    pub fn upload(
        &self,
        upload: &Url,
        file: &Path,
        size: u64,
        from: u64,
        sent: &(dyn Fn(u64) + Sync),
        cancel: &Cancel,
    ) -> Result<Sent, TusError> {
        let read_error = |e: io::Error| TusError::Read {
            path: file.display().to_string(),
            detail: e.to_string(),
        };
        let mut source = std::fs::File::open(file).map_err(read_error)?;
        let mut report = Sent {
            resumed_from: from,
            ..Sent::default()
        };
        let mut offset = from;
        let mut chunk = FIRST_CHUNK;
        let mut rate: Option<f64> = None;
        let mut failures = 0_u32;
        // The chunk read while the one before it went: (its offset, its bytes).
        let mut ahead: Option<(u64, Vec<u8>)> = None;
        sent(offset);
        while offset < size {
            if cancel.is_cancelled() {
                return Err(TusError::Cancelled);
            }
            let wanted = chunk.min(usize::try_from(size - offset).unwrap_or(chunk));
            let mut data = match ahead.take() {
                Some((at, data)) if at == offset && !data.is_empty() => data,
                _ => read_at(&mut source, offset, wanted).map_err(read_error)?,
            };
            data.truncate(wanted);
            let len = data.len();
            // The next chunk is read while this one is on the wire.
            let next_at = offset + len as u64;
            let next_len = rate
                // Before any speed is known, as much as a chunk may hold: the
                // second chunk takes what the measured speed wants of it.
                .map_or(MAX_CHUNK, next_chunk)
                .min(usize::try_from(size - next_at).unwrap_or(MAX_CHUNK));
            let started = Instant::now();
            let (result, next) = std::thread::scope(|scope| {
                let reader = (next_len > 0).then(|| {
                    let source = &mut source;
                    scope.spawn(move || read_at(source, next_at, next_len))
                });
                let result = self.patch(upload, offset, data, rate);
                (result, reader.map(std::thread::ScopedJoinHandle::join))
            });
            ahead = match next {
                Some(Ok(Ok(data))) => Some((next_at, data)),
                // Read again when needed, where the error is told.
                _ => None,
            };
            report.bytes_sent += len as u64;
            match result {
                Ok(new_offset) if new_offset > offset && new_offset <= size => {
                    let secs = started.elapsed().as_secs_f64().max(0.001);
                    let measured = (new_offset - offset) as f64 / secs;
                    let smoothed = rate.map_or(measured, |r| 0.5 * r + 0.5 * measured);
                    rate = Some(smoothed);
                    chunk = next_chunk(smoothed);
                    offset = new_offset;
                    sent(offset);
                    failures = 0;
                }
                Ok(_) => {
                    return Err(TusError::NotTus {
                        detail: "PATCH did not move the offset".to_owned(),
                    });
                }
                Err(Attempt::Stop(e)) => return Err(e),
                Err(Attempt::Again(mut problem)) => {
                    if cancel.is_cancelled() {
                        return Err(TusError::Cancelled);
                    }
                    failures += 1;
                    loop {
                        if failures >= MAX_ATTEMPTS {
                            return Err(TusError::Lost {
                                problem: redact(problem, self.proxy_password.as_deref()),
                            });
                        }
                        pause(Duration::from_millis(250 << failures), cancel)?;
                        // Where does the server stand? It kept what it received.
                        match self.offset(upload) {
                            Ok(at) if at <= size => {
                                offset = at;
                                sent(offset);
                                report.resumptions += 1;
                                break;
                            }
                            Ok(_) => {
                                return Err(TusError::NotTus {
                                    detail: "offset beyond the file".to_owned(),
                                });
                            }
                            Err(TusError::Lost { problem: p }) => {
                                problem = p;
                                failures += 1;
                            }
                            Err(other) => return Err(other),
                        }
                    }
                    chunk = (chunk / 2).max(MIN_CHUNK);
                }
            }
        }
        Ok(report)
    }

    /// One PATCH (or its POST stand-in) of `data` at `offset`, sent as one
    /// buffer.
    fn patch(
        &self,
        upload: &Url,
        offset: u64,
        data: Vec<u8>,
        rate: Option<f64>,
    ) -> Result<u64, Attempt> {
        let len = data.len();
        let checksum = self.capabilities.checksum_sha256.then(|| {
            format!(
                "sha256 {}",
                base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&data))
            )
        });
        // Time for the chunk at a quarter of the speed seen, and the request
        // limit of the mode on top: slow links get their time, a dead one is
        // noticed.
        let expected = len as f64 / rate.map_or(MIN_RATE, |r| (r / 4.0).max(MIN_RATE));
        let limit = self.limits.request + Duration::from_secs_f64(expected.min(3600.0));
        let by_post = self.patch_by_post.load(Ordering::Relaxed);
        let body = Body::from(data);
        let request = if by_post {
            self.client
                .post(upload.clone())
                .header("X-HTTP-Method-Override", "PATCH")
        } else {
            self.client.patch(upload.clone())
        };
        let mut request = tus(request)
            .header("Upload-Offset", offset.to_string())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/offset+octet-stream",
            )
            .timeout(limit)
            .body(body);
        if let Some(sum) = &checksum {
            request = request.header("Upload-Checksum", sum.as_str());
        }
        let response = match request.send() {
            Ok(r) => r,
            Err(e) => {
                let Failure { problem, .. } = reqwest_failure(&e, limit.as_secs());
                return Err(Attempt::Again(problem));
            }
        };
        match response.status().as_u16() {
            200 | 204 => upload_offset(&response).map_err(Attempt::Stop),
            // A proxy on the way refuses PATCH: the same as a POST.
            405 | 501 if !by_post => {
                tracing::info!(
                    "PATCH refusé en chemin : envoi par POST avec X-HTTP-Method-Override"
                );
                self.patch_by_post.store(true, Ordering::Relaxed);
                Err(Attempt::Again(ServerProblem::UnexpectedHttp(
                    response.status().as_u16(),
                )))
            }
            // Offset conflict (the server has more, or less, than thought),
            // checksum mismatch, a locked upload, a server or gateway in trouble:
            // ask where it stands and go on.
            409 | 423 | 460 | 500 | 502..=504 => Err(Attempt::Again(
                ServerProblem::UnexpectedHttp(response.status().as_u16()),
            )),
            404 | 410 => Err(Attempt::Stop(TusError::Gone)),
            status => Err(Attempt::Stop(TusError::Status {
                method: "PATCH",
                status,
            })),
        }
    }

    /// Sends a request that is not a PATCH: a network failure is a lost
    /// connection (the caller tries again or stops).
    fn send(&self, method: &'static str, request: RequestBuilder) -> Result<Response, TusError> {
        request.send().map_err(|e| {
            let Failure { problem, .. } = reqwest_failure(&e, self.limits.request.as_secs());
            tracing::debug!(method, %problem, "appel au serveur de dépôt sans réponse");
            TusError::Lost {
                problem: redact(problem, self.proxy_password.as_deref()),
            }
        })
    }

    /// The connection settings this link uses (with the fallback proxy when
    /// one was given).
    pub fn settings(&self) -> &ConnectionSettings {
        &self.settings
    }
}

/// `Tus-Resumable` on a request.
fn tus(request: RequestBuilder) -> RequestBuilder {
    request.header("Tus-Resumable", TUS_VERSION)
}

/// What became of one PATCH.
enum Attempt {
    /// Worth asking where the server stands and trying again.
    Again(ServerProblem),
    /// Not worth it.
    Stop(TusError),
}

/// The size of the next chunk at `rate` bytes per second.
fn next_chunk(rate: f64) -> usize {
    let wanted = (rate * CHUNK_SECONDS) as usize;
    wanted.clamp(MIN_CHUNK, MAX_CHUNK)
}

/// `Upload-Offset` of an answer.
fn upload_offset(response: &Response) -> Result<u64, TusError> {
    response
        .headers()
        .get("upload-offset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| TusError::NotTus {
            detail: "no Upload-Offset".to_owned(),
        })
}

/// Waits `delay`, or less when « Annuler » comes.
fn pause(delay: Duration, cancel: &Cancel) -> Result<(), TusError> {
    let until = Instant::now() + delay;
    while Instant::now() < until {
        if cancel.is_cancelled() {
            return Err(TusError::Cancelled);
        }
        std::thread::sleep(Duration::from_millis(50).min(until - Instant::now()));
    }
    Ok(())
}

/// `len` bytes of `file` from `offset` (fewer only at its end).
fn read_at(file: &mut std::fs::File, offset: u64, len: usize) -> io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(offset))?;
    let mut data = Vec::with_capacity(len);
    file.take(len as u64).read_to_end(&mut data)?;
    if data.len() < len {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "file shorter than announced",
        ));
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_follow_the_speed_within_bounds() {
        assert_eq!(next_chunk(1.0), MIN_CHUNK);
        assert_eq!(next_chunk(1_000_000.0), 2_000_000);
        assert_eq!(next_chunk(1e12), MAX_CHUNK);
    }

    #[test]
    fn chunks_are_read_at_their_offset_and_a_short_file_is_an_error() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("archive");
        std::fs::write(&path, (0..100_u8).collect::<Vec<_>>()).expect("write");
        let mut file = std::fs::File::open(&path).expect("open");
        assert_eq!(
            read_at(&mut file, 10, 5).expect("read"),
            vec![10, 11, 12, 13, 14]
        );
        assert_eq!(
            read_at(&mut file, 95, 5).expect("read"),
            vec![95, 96, 97, 98, 99]
        );
        let short = read_at(&mut file, 98, 5).expect_err("past the end");
        assert_eq!(short.kind(), io::ErrorKind::UnexpectedEof);
    }
}
