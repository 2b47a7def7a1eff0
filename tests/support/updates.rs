//! The update server's side of PROTOCOL.md, for the update tests: a loopback
//! HTTPS peer serving `manifest.json`, its minisign signature and packages
//! (with `Range`, `If-Range` and `ETag` as a real file server answers them,
//! and the faults a real one cannot stage: a cut in the middle, a 200 to a
//! range, a wrong `Content-Range`, a slow link); the test key that signs
//! manifests in the minisign format (prehashed or not); packages made of the
//! program's own binaries; and an installation of its own whose program is a
//! copy of the binary under test.

#![allow(dead_code)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use iea_maintenance::config::{Config, ConnectionMode};
use iea_maintenance::home::Home;
use ring::signature::{Ed25519KeyPair, KeyPair as _};
use serde_json::{Value, json};

use super::https::{Request, ServerStream, TestCa, loopback_cert, read_request, reason};

/// The program under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_iea-maintenance");

/// The path under which the peer serves the update server ("…/updates").
pub const BASE_PATH: &str = "/updates";

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

// ---------------------------------------------------------------------------
// The test key and minisign signatures.

/// A minisign key pair: the project's test key (trusted by debug builds), or
/// a key made now that nobody trusts.
pub struct TestKey {
    key_id: [u8; 8],
    pair: Ed25519KeyPair,
}

impl TestKey {
    /// The project's test key, `tests/support/cles/test.key` (a minisign
    /// secret key file without password, as `minisign -G -W` writes it).
    pub fn project() -> Self {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/cles/test.key");
        let text = std::fs::read_to_string(&path).expect("test key");
        let line = text.lines().nth(1).expect("key line");
        let bytes = BASE64.decode(line.trim()).expect("base64");
        // alg(2) kdf(2) cksum(2) salt(32) ops(8) mem(8), then key id(8),
        // secret key (seed 32 + public 32), checksum(32).
        assert_eq!(&bytes[2..4], [0, 0], "the test key has no password");
        let key_id: [u8; 8] = bytes[54..62].try_into().expect("key id");
        let seed = &bytes[62..94];
        let public = &bytes[94..126];
        let pair = Ed25519KeyPair::from_seed_and_public_key(seed, public).expect("key pair");
        Self { key_id, pair }
    }

    /// A key made now, unknown to the program.
    pub fn unknown() -> Self {
        let rng = ring::rand::SystemRandom::new();
        let seed: [u8; 32] = ring::rand::generate(&rng).expect("seed").expose();
        let key_id: [u8; 8] = ring::rand::generate(&rng).expect("id").expose();
        let pair = Ed25519KeyPair::from_seed_unchecked(&seed).expect("pair");
        Self { key_id, pair }
    }

    /// This key's public half as a minisign public key (base64).
    pub fn public_base64(&self) -> String {
        let mut bin = b"Ed".to_vec();
        bin.extend_from_slice(&self.key_id);
        bin.extend_from_slice(self.pair.public_key().as_ref());
        BASE64.encode(bin)
    }

    /// A minisign signature of `data` with `trusted_comment`: prehashed
    /// (BLAKE2b-512, what minisign signs by default) or legacy.
    pub fn sign(&self, data: &[u8], trusted_comment: &str, prehashed: bool) -> String {
        use blake2::Digest as _;
        let (alg, message): (&[u8], Vec<u8>) = if prehashed {
            (b"ED", blake2::Blake2b512::digest(data).to_vec())
        } else {
            (b"Ed", data.to_vec())
        };
        let signature = self.pair.sign(&message);
        let mut line = alg.to_vec();
        line.extend_from_slice(&self.key_id);
        line.extend_from_slice(signature.as_ref());
        let mut global = signature.as_ref().to_vec();
        global.extend_from_slice(trusted_comment.as_bytes());
        let global = self.pair.sign(&global);
        format!(
            "untrusted comment: signature from minisign secret key\n{}\ntrusted comment: {}\n{}\n",
            BASE64.encode(line),
            trusted_comment,
            BASE64.encode(global.as_ref())
        )
    }
}

// ---------------------------------------------------------------------------
// Manifests and packages.

/// A manifest of `releases` with this sequence and expiry.
pub fn manifest(sequence: u64, expires: DateTime<Utc>, releases: &[Value]) -> Vec<u8> {
    serde_json::to_vec_pretty(&json!({
        "product": "iea-maintenance",
        "sequence": sequence,
        "expires": expires.to_rfc3339(),
        "releases": releases,
    }))
    .expect("manifest")
}

/// A manifest that expires in a month.
pub fn fresh_manifest(sequence: u64, releases: &[Value]) -> Vec<u8> {
    manifest(sequence, Utc::now() + chrono::Duration::days(30), releases)
}

/// A release of `version` whose package for this computer is `package`
/// (served at `file`, relative to the update server), with its true size and
/// SHA-256 unless given.
pub fn release(version: &str, file: &str, package: &[u8]) -> Value {
    release_with(version, file, package.len() as u64, &sha256_hex(package))
}

/// A release whose package is announced with `size` and `sha256`.
pub fn release_with(version: &str, file: &str, size: u64, sha256: &str) -> Value {
    json!({
        "version": version,
        "date": "2026-11-02",
        "title": format!("Mise à jour {version}"),
        "notes": format!(
            "# Lisez-moi V{version}\n\n**Sécurité informatique** : connexion au serveur en \
             mode sécurisé.\n\n- Correction de la DSN\n- Rapport des caisses OPCO\n\n\
             [Fiches pratiques](https://www.impact-emploi-association.fr/)"
        ),
        "schema_version": 6,
        "min_version": "3.0.0",
        "packages": {
            iea_maintenance::updates::TARGET: {"url": file, "size": size, "sha256": sha256}
        }
    })
}

/// The SHA-256 of `bytes`, hexadecimal.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    digest.as_ref().iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// A package holding `binary` as the program (stored, not compressed: the
/// tests make many).
pub fn package_of(binary: &Path) -> Vec<u8> {
    let bytes = std::fs::read(binary).expect("binary");
    package_of_bytes(&bytes)
}

/// A package holding `bytes` as the program.
pub fn package_of_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .unix_permissions(0o755)
            .large_file(bytes.len() > u32::MAX as usize / 2);
        zip.start_file(iea_maintenance::updates::BINARY_NAME, options)
            .expect("entry");
        zip.write_all(bytes).expect("write");
        zip.finish().expect("finish");
    }
    out.into_inner()
}

/// A program of the examples (`cargo build --examples` builds them).
pub fn example(name: &str) -> PathBuf {
    let path = Path::new(BIN)
        .parent()
        .expect("target folder")
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "{} est introuvable : lancez `cargo build --examples` (`.ci/run` le fait) avant ces tests",
        path.display()
    );
    path
}

// ---------------------------------------------------------------------------
// The peer.

/// A fault the peer plays on its next answers to a package (never to the
/// manifest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answers as a file server does.
    None,
    /// Announces the whole file, sends `n` bytes of it, then closes (once).
    CutAfter(u64),
    /// Answers 200 with the whole file to a range request (always).
    IgnoreRange,
    /// Answers 206 to a range with a `Content-Range` of another range.
    WrongContentRange,
    /// Sends the body in 64 KiB pieces with this pause between them.
    Slow(Duration),
}

struct Served {
    bytes: Arc<Vec<u8>>,
    etag: String,
}

struct Shared {
    stop: AtomicBool,
    files: Mutex<HashMap<String, Served>>,
    fault: Mutex<Fault>,
    requests: Mutex<Vec<Request>>,
}

/// The update server on 127.0.0.1, HTTPS with a certificate of its own test
/// authority.
pub struct UpdatePeer {
    addr: SocketAddr,
    pub ca: TestCa,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl UpdatePeer {
    /// Starts the peer on a free port.
    pub fn start() -> Self {
        let ca = TestCa::new("Autorité de test des mises à jour");
        let cert = loopback_cert(&ca);
        let tls = cert.server_config();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("address");
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            files: Mutex::new(HashMap::new()),
            fault: Mutex::new(Fault::None),
            requests: Mutex::new(Vec::new()),
        });
        let state = Arc::clone(&shared);
        let accept = std::thread::Builder::new()
            .name(format!("pair-mises-a-jour-{}", addr.port()))
            .spawn(move || {
                let mut workers = Vec::new();
                for stream in listener.incoming() {
                    if state.stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let state = Arc::clone(&state);
                    let tls = Arc::clone(&tls);
                    workers.push(std::thread::spawn(move || serve(stream, &tls, &state)));
                    workers.retain(|w: &JoinHandle<()>| !w.is_finished());
                }
                for w in workers {
                    let _ = w.join();
                }
            })
            .expect("accept thread");
        Self {
            addr,
            ca,
            shared,
            accept: Some(accept),
        }
    }

    /// The update server's address: `https://127.0.0.1:PORT/updates`.
    pub fn url(&self) -> String {
        format!("https://{}{BASE_PATH}", self.addr)
    }

    /// Serves `bytes` at `BASE_PATH/name`.
    pub fn put(&self, name: &str, bytes: Vec<u8>) {
        let etag = format!("\"{}\"", &sha256_hex(&bytes)[..16]);
        lock(&self.shared.files).insert(
            format!("{BASE_PATH}/{name}"),
            Served {
                bytes: Arc::new(bytes),
                etag,
            },
        );
    }

    /// Serves a manifest and its signature by `key` (sequence in the trusted
    /// comment, prehashed).
    pub fn publish(&self, manifest: &[u8], key: &TestKey) {
        let sequence = serde_json::from_slice::<Value>(manifest).expect("json")["sequence"]
            .as_u64()
            .expect("sequence");
        self.publish_signed(
            manifest,
            &key.sign(manifest, &format!("sequence:{sequence}"), true),
        );
    }

    /// Serves a manifest with this signature file.
    pub fn publish_signed(&self, manifest: &[u8], signature: &str) {
        self.put("manifest.json", manifest.to_vec());
        self.put("manifest.json.minisig", signature.as_bytes().to_vec());
    }

    /// The fault of the next answers.
    pub fn set_fault(&self, fault: Fault) {
        *lock(&self.shared.fault) = fault;
    }

    /// Every request read so far.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared.requests).clone()
    }

    /// The requests for `name` (under `BASE_PATH`).
    pub fn requests_for(&self, name: &str) -> Vec<Request> {
        let path = format!("{BASE_PATH}/{name}");
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    /// Writes the test authority's certificate in `dir`, for `extra_ca_file`.
    pub fn write_ca(&self, dir: &Path) -> PathBuf {
        self.ca.write_pem(dir)
    }
}

impl Drop for UpdatePeer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

fn serve(stream: TcpStream, tls: &Arc<rustls::ServerConfig>, shared: &Shared) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
    let Ok(conn) = rustls::ServerConnection::new(Arc::clone(tls)) else {
        return;
    };
    let mut io = ServerStream::Tls(Box::new(rustls::StreamOwned::new(conn, stream)));
    let Some((request, _)) = read_request(&mut io, &shared.stop) else {
        io.close();
        return;
    };
    lock(&shared.requests).push(request.clone());
    let served = lock(&shared.files)
        .get(&request.path)
        .map(|s| (Arc::clone(&s.bytes), s.etag.clone()));
    let Some((bytes, etag)) = served else {
        let _ = write!(
            io,
            "HTTP/1.1 404 {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            reason(404)
        );
        io.close();
        return;
    };
    // Faults are the packages'; the manifest and its signature are served
    // plainly.
    let fault = if request.path.contains("/manifest.json") {
        Fault::None
    } else {
        *lock(&shared.fault)
    };
    let len = bytes.len() as u64;
    let range_from = request
        .header("Range")
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|n| n.parse::<u64>().ok())
        .filter(|_| request.header("If-Range").is_none_or(|tag| tag == etag));
    let (status, from, content_range) = match (range_from, fault) {
        (Some(_), Fault::IgnoreRange) | (None, _) => (200, 0, None),
        (Some(n), _) if n >= len => (416, len, Some(format!("bytes */{len}"))),
        (Some(n), Fault::WrongContentRange) => {
            (206, n, Some(format!("bytes 0-{}/{len}", len - n - 1)))
        }
        (Some(n), _) => (206, n, Some(format!("bytes {n}-{}/{len}", len - 1))),
    };
    let body = &bytes[from as usize..];
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Length: {}\r\nETag: {etag}\r\nAccept-Ranges: bytes\r\nConnection: close\r\n",
        reason(status),
        body.len()
    );
    if let Some(range) = content_range {
        let _ = write!(head, "Content-Range: {range}\r\n");
    }
    head.push_str("\r\n");
    if io.write_all(head.as_bytes()).is_err() {
        return;
    }
    let (limit, pause) = match fault {
        Fault::CutAfter(n) => {
            // Once: the next answer is whole.
            *lock(&shared.fault) = Fault::None;
            (n.min(body.len() as u64) as usize, None)
        }
        Fault::Slow(pause) => (body.len(), Some(pause)),
        _ => (body.len(), None),
    };
    for chunk in body[..limit].chunks(64 * 1024) {
        if shared.stop.load(Ordering::SeqCst) || io.write_all(chunk).is_err() {
            return;
        }
        if let Some(pause) = pause {
            let _ = io.flush();
            std::thread::sleep(pause);
        }
    }
    let _ = io.flush();
    io.close();
}

// ---------------------------------------------------------------------------
// An installation whose program is a copy of the binary under test.

/// A workstation of its own: `IEA_HOME`, its program (a copy of the binary
/// under test in a folder of its own, which an installation replaces), and the
/// connection settings pointing at an update peer.
pub struct Workstation {
    pub dir: tempfile::TempDir,
    pub home: Home,
    pub program: PathBuf,
}

impl Workstation {
    /// A workstation whose updates come from `peer` (Sécurisé mode, the peer's
    /// authority as extra authority), without a store.
    pub fn new(peer: &UpdatePeer) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path().join("iea"));
        home.ensure().expect("home");
        let app = dir.path().join("programme");
        std::fs::create_dir_all(&app).expect("app folder");
        let program = app.join("iea-maintenance");
        std::fs::copy(BIN, &program).expect("copy of the program");
        let mut config = Config::defaults(&home);
        config.connection.mode = ConnectionMode::Secure;
        config.connection.update_url = peer.url().parse().expect("url");
        config.connection.auth_url = "https://127.0.0.1:9/".parse().expect("url");
        config.connection.extra_ca_file = Some(peer.write_ca(dir.path()));
        config.save(&home).expect("config");
        Self { dir, home, program }
    }

    /// The program of this workstation run with `args` on its `IEA_HOME`.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run the program")
    }

    /// The command of [`Self::run`], to adjust.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.program);
        c.args(args)
            .env("IEA_HOME", self.home.root())
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::null());
        c
    }

    /// The version the program of this workstation gives.
    pub fn program_version(&self) -> String {
        let out = Command::new(&self.program)
            .args(["update", "self-check"])
            .output()
            .expect("self-check");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout).expect("json")["version"]
            .as_str()
            .expect("version")
            .to_owned()
    }

    /// The folder of the program.
    pub fn app_dir(&self) -> PathBuf {
        self.program.parent().expect("folder").to_path_buf()
    }
}

/// The standard output of a run, as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The error output of a run, as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
