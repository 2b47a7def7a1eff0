//! The secure space of the database transfer for the tests: the official tus
//! server (`@tus/server` with `@tus/file-store`, Node), installed by `bash
//! .ci/setup` into `tests/support/tus/node_modules` and started here over
//! HTTPS on a free port of 127.0.0.1 (`tests/support/tus/server.mjs`). It stops when
//! dropped, and by itself when the test process dies (its standard input
//! closes).
//!
//! [`CutRelay`] stands between the program and the server for the one fault
//! a real server cannot stage: the connection cut in the middle of an upload.

#![allow(dead_code)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use sha2::{Digest as _, Sha256};

use super::https::TestCert;

/// The folder of the server's script and modules.
fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("support")
        .join("tus")
}

/// An upload as the server keeps it.
#[derive(Debug, Clone)]
pub struct StoredUpload {
    /// Its id (the last part of its address).
    pub id: String,
    /// The bytes received so far.
    pub data: PathBuf,
    /// The length announced at creation.
    pub size: u64,
    /// The metadata, decoded.
    pub metadata: HashMap<String, String>,
}

impl StoredUpload {
    /// The bytes the server has.
    pub fn received(&self) -> u64 {
        std::fs::metadata(&self.data).map_or(0, |m| m.len())
    }

    /// The SHA-256 of what the server has.
    pub fn sha256(&self) -> String {
        let bytes = std::fs::read(&self.data).expect("upload data");
        Sha256::digest(&bytes)
            .iter()
            .fold(String::with_capacity(64), |mut hex, b| {
                let _ = write!(hex, "{b:02x}");
                hex
            })
    }
}

/// The official tus server over HTTPS.
pub struct TusServer {
    child: Child,
    _stdin: Option<ChildStdin>,
    port: u16,
    /// Where it keeps the uploads.
    pub store: PathBuf,
    log: PathBuf,
}

impl Drop for TusServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl TusServer {
    /// Serves uploads into `dir/depot` with `cert`; with `allow_from`, a
    /// firewall lets only that source address in.
    pub fn start(dir: &Path, cert: &TestCert, allow_from: Option<&str>) -> Self {
        let modules = folder().join("node_modules").join("@tus").join("server");
        assert!(
            modules.is_dir(),
            "le serveur tus (@tus/server) n'est pas installé : lancez `bash .ci/setup` \
             (ou `npm ci --prefix tests/support/tus`)"
        );
        let store = dir.join("depot");
        std::fs::create_dir_all(&store).expect("upload folder");
        let tls = dir.join("tus-tls");
        std::fs::create_dir_all(&tls).expect("tls folder");
        let (cert_pem, key_pem) = cert.write_pem_files(&tls);
        let log = dir.join("tus.log");
        let mut cmd = Command::new("node");
        cmd.arg(folder().join("server.mjs"))
            .arg("--dir")
            .arg(&store)
            .arg("--cert")
            .arg(&cert_pem)
            .arg("--key")
            .arg(&key_pem);
        if let Some(address) = allow_from {
            cmd.arg("--allow-from").arg(address);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("tus log"))
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "node est introuvable ({e}) : installez Node.js puis lancez `bash .ci/setup`"
                )
            });
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let port = rx
            .recv_timeout(Duration::from_mins(1))
            .ok()
            .and_then(|l| l.trim().parse::<u16>().ok());
        let server = Self {
            child,
            _stdin: stdin,
            port: port.unwrap_or(0),
            store,
            log,
        };
        assert!(
            port.is_some(),
            "the tus server did not start: {}",
            server.log()
        );
        server
    }

    /// Its port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The upload address (`upload_url` of the transfer server).
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}/files/", self.port)
    }

    /// What it logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Every upload it keeps.
    pub fn uploads(&self) -> Vec<StoredUpload> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&self.store).expect("upload folder") {
            let path = entry.expect("entry").path();
            if path.extension().is_none_or(|x| x != "json") {
                continue;
            }
            let info: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&path).expect("info")).expect("json");
            let id = info["id"].as_str().expect("id").to_owned();
            let metadata = info["metadata"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                        .collect()
                })
                .unwrap_or_default();
            out.push(StoredUpload {
                data: self.store.join(&id),
                size: info["size"].as_u64().unwrap_or(0),
                id,
                metadata,
            });
        }
        out
    }
}

/// A TCP relay in front of a server: it passes bytes both ways untouched (TLS
/// included), counts what the client sends, and once that count reaches a
/// threshold cuts every connection, once.
pub struct CutRelay {
    port: u16,
    sent: Arc<AtomicU64>,
    cut_done: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    streams: Arc<Mutex<Vec<TcpStream>>>,
}

impl CutRelay {
    /// Relays to `127.0.0.1:target`, cutting when the client has sent
    /// `cut_after` bytes.
    pub fn start(target: u16, cut_after: u64) -> Self {
        Self::start_with(target, cut_after, None)
    }

    /// Relays to `127.0.0.1:target` without cutting, passing what the client
    /// sends at `bytes_per_sec` at most (a slow line, to stop a program in
    /// the middle of an upload).
    pub fn slow(target: u16, bytes_per_sec: u64) -> Self {
        Self::start_with(target, u64::MAX, Some(bytes_per_sec))
    }

    fn start_with(target: u16, cut_after: u64, rate: Option<u64>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let sent = Arc::new(AtomicU64::new(0));
        let cut_done = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let streams: Arc<Mutex<Vec<TcpStream>>> = Arc::new(Mutex::new(Vec::new()));
        let (s, c, st, list) = (
            Arc::clone(&sent),
            Arc::clone(&cut_done),
            Arc::clone(&stop),
            Arc::clone(&streams),
        );
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], target)))
                else {
                    continue;
                };
                {
                    let mut list = list.lock().expect("lock");
                    list.push(client.try_clone().expect("clone"));
                    list.push(server.try_clone().expect("clone"));
                }
                let (c_in, s_out) = (
                    client.try_clone().expect("clone"),
                    server.try_clone().expect("clone"),
                );
                let (sent, cut_done, list2) = (Arc::clone(&s), Arc::clone(&c), Arc::clone(&list));
                std::thread::spawn(move || {
                    let counter = (sent, cut_done, cut_after, list2);
                    pump(c_in, s_out, Some(&counter), rate);
                });
                std::thread::spawn(move || pump(server, client, None, None));
            }
        });
        Self {
            port,
            sent,
            cut_done,
            stop,
            streams,
        }
    }

    /// Its port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The bytes the client sent through it.
    pub fn client_bytes(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }

    /// Whether the cut happened.
    pub fn cut(&self) -> bool {
        self.cut_done.load(Ordering::SeqCst)
    }
}

impl Drop for CutRelay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], self.port)));
        for s in self.streams.lock().expect("lock").iter() {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

type Counter = (
    Arc<AtomicU64>,
    Arc<AtomicBool>,
    u64,
    Arc<Mutex<Vec<TcpStream>>>,
);

/// Copies `from` to `to`; on the client side, counts and cuts, and keeps to
/// `rate` bytes per second when given.
fn pump(mut from: TcpStream, mut to: TcpStream, counter: Option<&Counter>, rate: Option<u64>) {
    let mut buf = vec![0_u8; if rate.is_some() { 16 * 1024 } else { 64 * 1024 }];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if let Some((sent, cut_done, cut_after, streams)) = counter {
            let total = sent.fetch_add(n as u64, Ordering::SeqCst) + n as u64;
            if total >= *cut_after && !cut_done.swap(true, Ordering::SeqCst) {
                for s in streams.lock().expect("lock").drain(..) {
                    let _ = s.shutdown(Shutdown::Both);
                }
                break;
            }
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
        if let Some(rate) = rate {
            std::thread::sleep(Duration::from_secs_f64(n as f64 / rate.max(1) as f64));
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}
