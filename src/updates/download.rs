//! "Télécharger": the package of a release, downloaded into
//! `IEA_HOME/mises-a-jour/telechargements`, resumable, and checked before it is
//! kept.
//!
//! The bytes go to `<paquet>.part`; beside it, `<paquet>.part.json` records what
//! they are (address, expected size and SHA-256, the server's `ETag`). After a
//! cut, the next try asks for the rest (`Range: bytes=N-` with `If-Range:
//! <ETag>`, rustup's way): only a 206 whose `Content-Range` is exactly
//! `bytes N-(taille-1)/taille` continues the partial file; a 200 (the server
//! ignored the range, or the file changed) starts it again from zero with that
//! very answer; any other partial answer is dropped and the file asked again
//! whole. A server announcing another size than the manifest's is refused
//! before a byte is written; a file whose SHA-256 differs is removed. Only a
//! package whose size and SHA-256 match is renamed to its final name, so a
//! file with that name is always a verified package.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek as _, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::manifest::{Accepted, ManifestError, Release, UpdateClient};
use super::{TARGET, UpdateDirs};
use crate::connection::client::display_url;
use crate::home::Home;
use crate::jobs::{Cancel, JobError, JobKind, JobLock, Phase, Progress};

/// The size of each read from the network and write to the disk.
const CHUNK_BYTES: usize = 256 * 1024;

/// A package downloaded and checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Downloaded {
    /// The release's version.
    pub version: String,
    /// The verified package.
    pub path: PathBuf,
    /// Its size.
    pub size: u64,
    /// Its SHA-256.
    pub sha256: String,
    /// Bytes already there from an earlier, interrupted try.
    pub resumed_from: u64,
    /// Whether the server made the download start again from zero.
    pub restarted: bool,
    /// Whether it was already downloaded and checked (nothing fetched).
    pub already_there: bool,
}

/// Why a package was not downloaded. A refused package is never kept.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// The manifest could not be had or was refused.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// No release of that version in the manifest.
    #[error("no release {version} in the manifest")]
    UnknownVersion {
        /// The version asked.
        version: String,
    },
    /// No newer release than the running one.
    #[error("no newer release")]
    NothingNewer,
    /// The release has no package for this computer.
    #[error("release {version} has no package for {target}")]
    NoPackage {
        /// The release.
        version: String,
        /// This computer's target.
        target: String,
    },
    /// The server could not be reached, or stopped answering.
    #[error("{url}: {detail}")]
    Unreachable {
        /// What was asked.
        url: String,
        /// What the client said (never a password).
        detail: String,
    },
    /// The server answered, but not with the package.
    #[error("{url}: HTTP {status}")]
    Status {
        /// What was asked.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The download stopped before the end; what came is kept for a resume.
    #[error("interrupted after {done} of {size} bytes: {detail}")]
    Interrupted {
        /// Bytes kept.
        done: u64,
        /// Bytes expected.
        size: u64,
        /// What the client said.
        detail: String,
    },
    /// The server's file has another size than the manifest says (announced,
    /// or found when more bytes came than expected). Refused; nothing kept.
    #[error("size {found} instead of {expected}")]
    SizeMismatch {
        /// The manifest's size.
        expected: u64,
        /// What the server announced or sent.
        found: u64,
    },
    /// The package's SHA-256 differs from the manifest's. Refused; removed.
    #[error("SHA-256 {found} instead of {expected}")]
    ShaMismatch {
        /// The manifest's.
        expected: String,
        /// The downloaded file's.
        found: String,
    },
    /// A job of the same kind runs, or "Annuler" was asked.
    #[error(transparent)]
    Job(#[from] JobError),
    /// The download folder could not be written.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The system error.
        source: std::io::Error,
    },
}

/// What `<paquet>.part.json` records beside a partial file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct PartRecord {
    url: String,
    size: u64,
    sha256: String,
    etag: Option<String>,
}

/// The local name of a release's package: made here, never taken from the
/// server, so that no address can name a file elsewhere.
pub fn package_file_name(version: &str) -> String {
    let safe: String = version
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("iea-maintenance-{safe}-{TARGET}.zip")
}

/// Where the verified package of `version` is kept once downloaded.
pub fn package_path(home: &Home, version: &str) -> PathBuf {
    UpdateDirs::of(home)
        .downloads_dir()
        .join(package_file_name(version))
}

/// The release of `version` in `accepted`, or the newest newer one.
pub fn choose<'a>(
    accepted: &'a Accepted,
    version: Option<&str>,
) -> Result<&'a Release, DownloadError> {
    match version {
        Some(v) => accepted
            .manifest
            .release(v)
            .ok_or_else(|| DownloadError::UnknownVersion {
                version: v.to_owned(),
            }),
        None => accepted
            .manifest
            .newest()
            .ok_or(DownloadError::NothingNewer),
    }
}

/// Whether the verified package of `release` is already downloaded (size and
/// SHA-256 checked again).
pub fn verified_package(home: &Home, release: &Release) -> Option<PathBuf> {
    let package = release.package()?;
    let path = package_path(home, &release.version);
    let (size, sha) = hash_file(&path).ok()?;
    (size == package.size && sha.eq_ignore_ascii_case(&package.sha256)).then_some(path)
}

/// Downloads the package of `release` with `client`, resuming an earlier try,
/// and checks it. Holds the download lock for its whole run.
pub fn download(
    home: &Home,
    accepted: &Accepted,
    release: &Release,
    client: &UpdateClient,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Downloaded, DownloadError> {
    let _lock = JobLock::acquire(home, JobKind::UpdateDownload)?;
    let package = release.package().ok_or_else(|| DownloadError::NoPackage {
        version: release.version.clone(),
        target: TARGET.to_owned(),
    })?;
    let url = accepted.package_url(package)?;
    let dir = UpdateDirs::of(home).downloads_dir();
    std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
    let name = package_file_name(&release.version);
    let target = dir.join(&name);
    let part = dir.join(format!("{name}.part"));
    let record_path = dir.join(format!("{name}.part.json"));
    let expected = PartRecord {
        url: url.to_string(),
        size: package.size,
        sha256: package.sha256.to_ascii_lowercase(),
        etag: None,
    };
    let done = |resumed_from, restarted, already_there| Downloaded {
        version: release.version.clone(),
        path: target.clone(),
        size: package.size,
        sha256: expected.sha256.clone(),
        resumed_from,
        restarted,
        already_there,
    };

    progress.phase(Phase::UpdateCheck, 0);
    if verified_package(home, release).is_some() {
        return Ok(done(0, false, true));
    }
    let _ = std::fs::remove_file(&target);

    // What an earlier try left, if it is of the same package.
    let previous: Option<PartRecord> = std::fs::read(&record_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let part_len = std::fs::metadata(&part).map_or(0, |m| m.len());
    let resume = match previous {
        Some(p)
            if p.url == expected.url
                && p.size == expected.size
                && p.sha256 == expected.sha256
                && p.etag.is_some()
                && part_len > 0
                && part_len < expected.size =>
        {
            Some((part_len, p.etag))
        }
        _ => None,
    };
    if resume.is_none() {
        let _ = std::fs::remove_file(&part);
        let _ = std::fs::remove_file(&record_path);
    }
    cancel.check()?;

    let shown = display_url(&url);
    let unreachable = |detail: String| DownloadError::Unreachable {
        url: shown.clone(),
        detail: client.redact(detail),
    };
    let mut request = client.client.get(url.clone());
    if let Some((offset, Some(etag))) = &resume {
        request = request
            .header(reqwest::header::RANGE, format!("bytes={offset}-"))
            .header(reqwest::header::IF_RANGE, etag.as_str());
    }
    let mut response = request
        .send()
        .map_err(|e| unreachable(e.without_url().to_string()))?;
    let mut offset = 0;
    let mut restarted = false;
    let status = response.status().as_u16();
    match (status, &resume) {
        (206, Some((from, _))) => {
            let range = header(&response, reqwest::header::CONTENT_RANGE);
            if range.as_deref()
                == Some(&format!(
                    "bytes {from}-{}/{}",
                    expected.size - 1,
                    expected.size
                ))
            {
                offset = *from;
            } else {
                // A part of something else: drop it and ask the whole file.
                tracing::info!(content_range = ?range, "reprise refusée : le téléchargement recommence");
                restarted = true;
                response = client
                    .client
                    .get(url.clone())
                    .send()
                    .map_err(|e| unreachable(e.without_url().to_string()))?;
            }
        }
        (200, Some(_)) => {
            tracing::info!("le serveur a répondu 200 à la reprise : le téléchargement recommence");
            restarted = true;
        }
        _ => {}
    }
    let status = response.status().as_u16();
    if status != 200 && !(status == 206 && offset > 0) {
        return Err(DownloadError::Status { url: shown, status });
    }
    if offset == 0 {
        // Whole file: its announced length must be the manifest's.
        if let Some(length) = response.content_length()
            && length != expected.size
        {
            tracing::warn!(
                expected = expected.size,
                found = length,
                "paquet refusé : taille"
            );
            let _ = std::fs::remove_file(&part);
            let _ = std::fs::remove_file(&record_path);
            return Err(DownloadError::SizeMismatch {
                expected: expected.size,
                found: length,
            });
        }
    }
    let etag = header(&response, reqwest::header::ETAG)
        .or_else(|| resume.as_ref().and_then(|(_, e)| e.clone()));
    // Recorded before the first byte: a crash in the middle can resume.
    let record = PartRecord {
        etag,
        ..expected.clone()
    };
    let record_bytes =
        serde_json::to_vec(&record).map_err(|e| io_err(&record_path)(std::io::Error::other(e)))?;
    crate::fsutil::write_atomic(&record_path, &record_bytes).map_err(io_err(&record_path))?;

    let mut file = OpenOptions::new()
        .create(true)
        .read(true)
        .write(true)
        .truncate(false)
        .open(&part)
        .map_err(io_err(&part))?;
    let mut hasher = Sha256::new();
    if offset > 0 {
        // The bytes kept count in the hash: read them back once.
        file.seek(SeekFrom::Start(0)).map_err(io_err(&part))?;
        let mut kept = (&mut file).take(offset);
        let mut buf = vec![0_u8; CHUNK_BYTES];
        loop {
            let n = kept.read(&mut buf).map_err(io_err(&part))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        file.seek(SeekFrom::Start(offset)).map_err(io_err(&part))?;
    } else {
        file.set_len(0).map_err(io_err(&part))?;
    }
    file.set_len(offset).map_err(io_err(&part))?;

    progress.phase(Phase::UpdateDownload, expected.size);
    progress.advance(offset);
    let received = receive(
        &mut response,
        &mut file,
        &mut hasher,
        &part,
        offset,
        expected.size,
        client,
        progress,
        cancel,
    );
    let written = match received {
        Ok(written) => written,
        Err(e @ DownloadError::SizeMismatch { .. }) => {
            drop(file);
            tracing::warn!(
                expected = expected.size,
                "paquet refusé : plus long qu'annoncé"
            );
            let _ = std::fs::remove_file(&part);
            let _ = std::fs::remove_file(&record_path);
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    drop(file);
    if written < expected.size {
        return Err(DownloadError::Interrupted {
            done: written,
            size: expected.size,
            detail: "end of the answer".to_owned(),
        });
    }

    progress.phase(Phase::UpdateCheck, 0);
    let found = crate::backup::archive::hex(&hasher.finalize());
    if found != expected.sha256 {
        tracing::warn!(expected = %expected.sha256, found = %found, "paquet refusé : SHA-256");
        let _ = std::fs::remove_file(&part);
        let _ = std::fs::remove_file(&record_path);
        return Err(DownloadError::ShaMismatch {
            expected: expected.sha256,
            found,
        });
    }
    crate::fsutil::rename_durable(&part, &target).map_err(io_err(&target))?;
    let _ = std::fs::remove_file(&record_path);
    tracing::info!(
        version = %release.version,
        size = expected.size,
        resumed_from = offset,
        restarted,
        "paquet de mise à jour téléchargé et vérifié"
    );
    Ok(done(offset, restarted, false))
}

/// A header's value as text.
fn header(
    response: &reqwest::blocking::Response,
    name: reqwest::header::HeaderName,
) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The size and SHA-256 of a file.
pub fn hash_file(path: &Path) -> std::io::Result<(u64, String)> {
    crate::fsutil::debug_assert_not_ui_thread("download::hash_file");
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0_u8; CHUNK_BYTES];
    let mut size = 0;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((size, crate::backup::archive::hex(&hasher.finalize())))
}

/// Bytes flushed to the disk while the download goes on, so that the flush at
/// the end waits for the last few only.
const SYNC_EVERY_BYTES: usize = 8 * 1024 * 1024;

/// Chunks read ahead of the writer.
const CHUNKS_AHEAD: usize = 16;

/// Receives the answer's body into `file` from `written` on, hashing it: one
/// thread reads from the network while another writes, hashes and flushes to
/// the disk every [`SYNC_EVERY_BYTES`]. Whatever happens, what was written is
/// flushed before this returns, so a resumed download starts from bytes on the
/// disk. Returns the size written, flushed.
#[allow(clippy::too_many_arguments)]
fn receive(
    response: &mut impl Read,
    file: &mut File,
    hasher: &mut Sha256,
    part: &Path,
    mut written: u64,
    size: u64,
    client: &UpdateClient,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<u64, DownloadError> {
    let (to_writer, chunks) = std::sync::mpsc::sync_channel::<(Vec<u8>, usize)>(CHUNKS_AHEAD);
    let (to_reader, spare) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || -> std::io::Result<()> {
            let mut unsynced = 0;
            let result = (|| {
                for (chunk, n) in chunks {
                    file.write_all(&chunk[..n])?;
                    hasher.update(&chunk[..n]);
                    unsynced += n;
                    if unsynced >= SYNC_EVERY_BYTES {
                        file.sync_data()?;
                        unsynced = 0;
                    }
                    // The reader may have stopped: the buffer is then dropped.
                    let _ = to_reader.send(chunk);
                }
                Ok(())
            })();
            let synced = file.sync_all();
            result.and(synced)
        });
        let read = (|| {
            loop {
                cancel.check()?;
                let mut buf = spare.try_recv().unwrap_or_else(|_| vec![0_u8; CHUNK_BYTES]);
                let n = match response.read(&mut buf) {
                    Ok(0) => return Ok(()),
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        return Err(DownloadError::Interrupted {
                            done: written,
                            size,
                            detail: client.redact(e.to_string()),
                        });
                    }
                };
                if written + n as u64 > size {
                    return Err(DownloadError::SizeMismatch {
                        expected: size,
                        found: written + n as u64,
                    });
                }
                if to_writer.send((buf, n)).is_err() {
                    // The writer stopped on an error, said below.
                    return Ok(());
                }
                written += n as u64;
                progress.advance(written);
            }
        })();
        drop(to_writer);
        let wrote = writer
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the writer panicked")));
        // A disk error comes first: it is why the reading stopped.
        wrote.map_err(io_err(part))?;
        read.map(|()| written)
    })
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> DownloadError + '_ {
    move |source| DownloadError::Io {
        path: path.to_path_buf(),
        source,
    }
}
