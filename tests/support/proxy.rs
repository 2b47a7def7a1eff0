//! A small but real HTTP proxy on 127.0.0.1 for the network tests.
//!
//! It opens `CONNECT host:port` tunnels (what clients do for `https://`) and
//! forwards plain requests in absolute form (`GET http://host:port/path`, what
//! clients do for `http://`), optionally requiring `Proxy-Authorization: Basic`
//! (407 otherwise). It keeps every request it was asked, so a test can prove that
//! traffic went through it and with which credentials. It only ever connects to
//! loopback addresses (anything else gets a 403): no test can reach the outside
//! through it. It listens on a free port and stops when dropped, joining its
//! threads.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::io::{self, Read, Write as _};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::https::{read_request, reason};

const POLL: Duration = Duration::from_millis(50);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One request the proxy was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyRequest {
    /// `CONNECT`, `GET`, `POST`…
    pub method: String,
    /// `host:port` for CONNECT, the absolute address otherwise.
    pub target: String,
    /// The `Proxy-Authorization` header as received, if any.
    pub authorization: Option<String>,
    /// Whether the proxy let it through (credentials accepted or not required).
    pub accepted: bool,
}

struct Shared {
    stop: AtomicBool,
    credentials: Option<String>,
    requests: Mutex<Vec<ProxyRequest>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

/// An HTTP proxy with CONNECT, on 127.0.0.1.
pub struct ConnectProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl ConnectProxy {
    /// A proxy that asks for no identification.
    pub fn start() -> Self {
        Self::with(None)
    }

    /// A proxy that answers 407 unless `Proxy-Authorization: Basic` carries
    /// `user:password`.
    pub fn with_basic_auth(user: &str, password: &str) -> Self {
        Self::with(Some(format!(
            "Basic {}",
            BASE64.encode(format!("{user}:{password}"))
        )))
    }

    fn with(credentials: Option<String>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            credentials,
            requests: Mutex::new(Vec::new()),
            workers: Mutex::new(Vec::new()),
        });
        let state = Arc::clone(&shared);
        let accept = std::thread::Builder::new()
            .name(format!("test-proxy-{}", addr.port()))
            .spawn(move || {
                for stream in listener.incoming() {
                    if state.stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let worker_state = Arc::clone(&state);
                    let worker = std::thread::Builder::new()
                        .name("test-proxy-connexion".to_owned())
                        .spawn(move || serve(stream, &worker_state));
                    let mut workers = lock(&state.workers);
                    workers.retain(|w| !w.is_finished());
                    if let Ok(w) = worker {
                        workers.push(w);
                    }
                }
            })
            .expect("accept thread");
        Self {
            addr,
            shared,
            accept: Some(accept),
        }
    }

    /// `127.0.0.1`.
    pub fn host(&self) -> String {
        self.addr.ip().to_string()
    }

    /// The port listened on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:PORT`, as an `HTTPS_PROXY` value.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request the proxy was asked, in order.
    pub fn requests(&self) -> Vec<ProxyRequest> {
        lock(&self.shared.requests).clone()
    }

    /// How many requests it let through.
    pub fn accepted(&self) -> usize {
        lock(&self.shared.requests)
            .iter()
            .filter(|r| r.accepted)
            .count()
    }

    /// How many requests it refused with 407.
    pub fn refused(&self) -> usize {
        lock(&self.shared.requests)
            .iter()
            .filter(|r| !r.accepted)
            .count()
    }
}

impl Drop for ConnectProxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
        let workers: Vec<_> = lock(&self.shared.workers).drain(..).collect();
        for w in workers {
            let _ = w.join();
        }
    }
}

fn answer(stream: &mut TcpStream, status: u16, extra: &str) {
    let _ = write!(
        stream,
        "HTTP/1.1 {status} {}\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n",
        reason(status)
    );
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Both);
}

/// `host:port` of an authority, `None` unless it is a loopback address.
fn loopback_target(authority: &str, default_port: u16) -> Option<SocketAddr> {
    let with_port = if authority
        .rsplit_once(':')
        .is_some_and(|(h, p)| p.parse::<u16>().is_ok() && (!h.contains(':') || h.ends_with(']')))
    {
        authority.to_owned()
    } else {
        format!("{authority}:{default_port}")
    };
    let host = with_port
        .rsplit_once(':')
        .map(|(h, _)| h.trim_start_matches('[').trim_end_matches(']'))?;
    let loopback_name = host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if !loopback_name {
        return None;
    }
    with_port
        .to_socket_addrs()
        .ok()?
        .find(|a| a.ip().is_loopback())
}

fn serve(mut client: TcpStream, shared: &Shared) {
    let _ = client.set_read_timeout(Some(POLL));
    let _ = client.set_write_timeout(Some(Duration::from_secs(5)));
    let Some((request, leftover)) = read_request(&mut client, &shared.stop) else {
        return;
    };
    let authorization = request.header("Proxy-Authorization").map(str::to_owned);
    let accepted = shared
        .credentials
        .as_ref()
        .is_none_or(|expected| authorization.as_deref() == Some(expected.as_str()));
    lock(&shared.requests).push(ProxyRequest {
        method: request.method.clone(),
        target: request.path.clone(),
        authorization,
        accepted,
    });
    if !accepted {
        answer(
            &mut client,
            407,
            "Proxy-Authenticate: Basic realm=\"proxy de test\"\r\n",
        );
        return;
    }

    if request.method.eq_ignore_ascii_case("CONNECT") {
        let Some(target) = loopback_target(&request.path, 443) else {
            answer(&mut client, 403, "");
            return;
        };
        let Ok(upstream) = TcpStream::connect_timeout(&target, Duration::from_secs(2)) else {
            answer(&mut client, 502, "");
            return;
        };
        if client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .is_err()
        {
            return;
        }
        relay(&client, upstream, &leftover, &shared.stop);
        return;
    }

    // Absolute form: METHOD http://host[:port]/path HTTP/1.1
    let Some(rest) = request.path.strip_prefix("http://") else {
        answer(&mut client, 400, "");
        return;
    };
    let (authority, path) = rest.find('/').map_or((rest, "/"), |at| rest.split_at(at));
    let Some(target) = loopback_target(authority, 80) else {
        answer(&mut client, 403, "");
        return;
    };
    let Ok(mut upstream) = TcpStream::connect_timeout(&target, Duration::from_secs(2)) else {
        answer(&mut client, 502, "");
        return;
    };
    let mut head = format!("{} {path} HTTP/1.1\r\n", request.method);
    for (name, value) in &request.headers {
        let hop = [
            "proxy-authorization",
            "proxy-connection",
            "connection",
            "keep-alive",
        ];
        if hop.iter().any(|h| name.eq_ignore_ascii_case(h)) {
            continue;
        }
        if name.eq_ignore_ascii_case("transfer-encoding")
            || name.eq_ignore_ascii_case("content-length")
        {
            continue;
        }
        let _ = write!(head, "{name}: {value}\r\n");
    }
    let _ = write!(
        head,
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        request.body.len()
    );
    if upstream.write_all(head.as_bytes()).is_err() || upstream.write_all(&request.body).is_err() {
        answer(&mut client, 502, "");
        return;
    }
    relay(&client, upstream, &[], &shared.stop);
}

/// Copies both ways until the server side closes (or the client does), or the
/// proxy stops.
fn relay(client: &TcpStream, mut upstream: TcpStream, leftover: &[u8], stop: &AtomicBool) {
    if !leftover.is_empty() && upstream.write_all(leftover).is_err() {
        return;
    }
    let _ = upstream.set_read_timeout(Some(POLL));
    let (Ok(client_reader), Ok(upstream_writer)) = (client.try_clone(), upstream.try_clone())
    else {
        return;
    };
    std::thread::scope(|scope| {
        scope.spawn(move || {
            pump(client_reader, &upstream_writer, stop);
            // The client finished sending: the server may still answer.
            let _ = upstream_writer.shutdown(Shutdown::Write);
        });
        pump(upstream, client, stop);
        // The server finished: end the client's side too, which also ends the
        // other pump (its reads return 0).
        let _ = client.shutdown(Shutdown::Both);
    });
}

fn pump(mut from: TcpStream, mut to: &TcpStream, stop: &AtomicBool) {
    let mut buf = [0_u8; 16 * 1024];
    while !stop.load(Ordering::SeqCst) {
        match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(_) => break,
        }
    }
}
