//! One running copy per installation: the first start of the service (or of the
//! centre) becomes the primary and listens on a local socket in `IEA_HOME/locks`;
//! a second start finds the primary's lock taken, hands it its request over the
//! socket ("ouvre le centre sur tel écran") and exits.
//!
//! The lock is an OS file lock, released by the system when the process dies, so a
//! crash never blocks the next start.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::home::Home;

/// Errors of the single-instance mechanism.
#[derive(Debug, thiserror::Error)]
pub enum InstanceError {
    /// The lock or socket could not be set up.
    #[error("cannot set up {path}: {source}")]
    Setup {
        /// The lock or socket path.
        path: PathBuf,
        /// The system error.
        source: std::io::Error,
    },
    /// Another copy holds the lock but does not answer on its socket.
    #[error("the running copy does not answer on {path}")]
    NoAnswer {
        /// The socket.
        path: PathBuf,
    },
}

/// The name of the resident service's copy.
pub const SERVICE: &str = "service";

/// The outcome of [`acquire`].
#[derive(Debug)]
pub enum Acquired {
    /// This process is the only copy; requests from later starts arrive here.
    Primary(Primary),
    /// Another copy runs and has received the request.
    Forwarded,
}

/// Held by the primary for its whole life.
#[derive(Debug)]
pub struct Primary {
    _lock: File,
    /// Requests sent by later starts, one line each.
    pub requests: mpsc::Receiver<String>,
}

/// Becomes the primary copy named `name` ("service", "centre") in `home`, or hands
/// `request` to the running one.
pub fn acquire(home: &Home, name: &str, request: &str) -> Result<Acquired, InstanceError> {
    let dir = home.locks_dir();
    let lock_path = dir.join(format!("{name}.instance.lock"));
    let setup = |path: &PathBuf| {
        let path = path.clone();
        move |source| InstanceError::Setup { path, source }
    };
    std::fs::create_dir_all(&dir).map_err(setup(&dir))?;
    let mut lock = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(setup(&lock_path))?;
    match lock.try_lock() {
        Ok(()) => {
            lock.set_len(0).ok();
            let _ = write!(lock, "{}", std::process::id());
            let requests = listen(home, name)?;
            Ok(Acquired::Primary(Primary {
                _lock: lock,
                requests,
            }))
        }
        Err(TryLockError::WouldBlock) => {
            forward(home, name, request)?;
            Ok(Acquired::Forwarded)
        }
        Err(TryLockError::Error(source)) => Err(InstanceError::Setup {
            path: lock_path,
            source,
        }),
    }
}

/// Whether a copy named `name` runs for `home` now: its lock is held. Creates
/// nothing, and asks the running copy nothing (a command that only wants to
/// know whether the service will retry an authentication must not open its
/// centre). The service itself, asking from within, is running.
pub fn is_running(home: &Home, name: &str) -> bool {
    let lock_path = home.locks_dir().join(format!("{name}.instance.lock"));
    let Ok(lock) = File::open(&lock_path) else {
        // No lock file: no copy ever ran here.
        return false;
    };
    match lock.try_lock_shared() {
        // Taken at once, so nobody holds it; released when `lock` is dropped.
        Ok(()) => false,
        Err(TryLockError::WouldBlock) => true,
        Err(TryLockError::Error(e)) => {
            tracing::warn!(error = %e, lock = %lock_path.display(), "verrou illisible");
            false
        }
    }
}

#[cfg(unix)]
fn listen(home: &Home, name: &str) -> Result<mpsc::Receiver<String>, InstanceError> {
    use std::os::unix::net::UnixListener;

    let path = home.socket_path(name);
    // We hold the lock: any socket file left is from a copy that died.
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path).map_err(|source| InstanceError::Setup {
        path: path.clone(),
        source,
    })?;
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name(format!("instance-{name}"))
        .spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut line = String::new();
                if BufReader::new(&stream).read_line(&mut line).is_ok() {
                    let _ = stream.write_all(b"ok\n");
                    if tx.send(line.trim().to_owned()).is_err() {
                        break;
                    }
                }
            }
        })
        .map_err(|source| InstanceError::Setup { path, source })?;
    Ok(rx)
}

#[cfg(unix)]
fn forward(home: &Home, name: &str, request: &str) -> Result<(), InstanceError> {
    use std::os::unix::net::UnixStream;

    let path = home.socket_path(name);
    // The primary may be starting: give it a moment to bind its socket.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Ok(mut stream) = UnixStream::connect(&path) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            if stream.write_all(format!("{request}\n").as_bytes()).is_ok() {
                let mut answer = String::new();
                if BufReader::new(&stream).read_line(&mut answer).is_ok() && answer.trim() == "ok" {
                    return Ok(());
                }
            }
        }
        if Instant::now() >= deadline {
            return Err(InstanceError::NoAnswer { path });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[cfg(not(unix))]
fn listen(home: &Home, name: &str) -> Result<mpsc::Receiver<String>, InstanceError> {
    // Without local sockets, later starts cannot reach us; they are told so.
    let _ = (home, name);
    let (_tx, rx) = mpsc::channel();
    Ok(rx)
}

#[cfg(not(unix))]
fn forward(home: &Home, name: &str, _request: &str) -> Result<(), InstanceError> {
    Err(InstanceError::NoAnswer {
        path: home.socket_path(name),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_start_hands_its_request_to_the_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        let Acquired::Primary(primary) = acquire(&home, "centre", "accueil").expect("first") else {
            panic!("the first start must be primary");
        };
        assert!(matches!(
            acquire(&home, "centre", "chemins").expect("second"),
            Acquired::Forwarded
        ));
        assert_eq!(
            primary
                .requests
                .recv_timeout(Duration::from_secs(5))
                .expect("request"),
            "chemins"
        );
        // Another name is independent.
        assert!(matches!(
            acquire(&home, "service", "").expect("other"),
            Acquired::Primary(_)
        ));
        drop(primary);
        assert!(matches!(
            acquire(&home, "centre", "accueil").expect("again"),
            Acquired::Primary(_)
        ));
    }

    #[test]
    fn is_running_sees_the_lock_of_a_live_copy_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        assert!(!is_running(&home, "service"), "nothing ever ran");
        assert!(!home.locks_dir().exists(), "asking creates nothing");
        let Acquired::Primary(primary) = acquire(&home, "service", "").expect("first") else {
            panic!("the first start must be primary");
        };
        assert!(is_running(&home, "service"));
        assert!(!is_running(&home, "centre"));
        // Asking did not take the lock from the running copy.
        assert!(is_running(&home, "service"));
        drop(primary);
        assert!(!is_running(&home, "service"), "a copy that ended");
    }
}
