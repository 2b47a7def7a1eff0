//! A throw-away X desktop for tests: Xvfb on a display it chose itself, a
//! session bus, `trayer` as the tray host, and helpers around `xdotool` and
//! `import`. Everything started here is killed on drop.
//!
//! Each piece is waited for by what shows it is ready (Xvfb and dbus-daemon
//! write a line when they accept connections; a window appears in the tree),
//! polled up to [`READY_WITHIN`]: a loaded machine may be slow, never wrong.
//! No display number is ever guessed: another X server starting at the same
//! moment (a second test run, a developer's own Xvfb) cannot take ours. What a
//! desktop writes (screenshots it reads, the programs' error output) stays in a
//! folder of its own; captures for people are published whole into
//! [`artefacts_dir`], so two runs at once never read each other's files.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long any piece of the desktop may take to become ready. Generous on
/// purpose: it only bounds a failure, and a run that succeeds never waits it out.
pub const READY_WITHIN: Duration = Duration::from_mins(2);

/// A running Xvfb (and whatever else the test started on it).
pub struct Desktop {
    pub display: String,
    children: Vec<Child>,
    /// This desktop's own files: screenshots being read, programs' stderr.
    files: tempfile::TempDir,
    /// The session bus address, once [`Desktop::start_session_bus`] ran.
    bus: Option<String>,
    /// The read end of Xvfb's `-displayfd` pipe, kept open so that a late
    /// write from Xvfb never meets a closed pipe.
    displayfd: Option<std::io::PipeReader>,
}

impl Desktop {
    /// Starts Xvfb on a display it picks itself (`-displayfd`): the server
    /// takes the first display whose lock it can create, so no other server can
    /// come between the choice and the start. It writes the number once it
    /// accepts connections, which is also its readiness.
    pub fn start() -> Self {
        let (reader, writer) = std::io::pipe().expect("pipe for -displayfd");
        // The pipe's write end is Xvfb's standard output: `-displayfd 1` needs
        // no file descriptor passed by number.
        let mut command = Command::new("Xvfb");
        command
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(Stdio::null());
        let child = command
            .spawn()
            .expect("Xvfb must be installed (bash .ci/setup installs the package xvfb)");
        // Our copy of the write end goes with the command: end of file on the
        // read end then means Xvfb stopped.
        drop(command);
        let mut desktop = Self {
            display: String::new(),
            children: vec![child],
            files: tempfile::tempdir().expect("desktop files"),
            bus: None,
            displayfd: None,
        };
        let (line, reader) = first_line(reader, READY_WITHIN);
        let number: u32 = match line.as_deref().map(str::trim).map(str::parse) {
            Some(Ok(n)) => n,
            other => {
                desktop.stop();
                panic!("Xvfb did not say which display it took within {READY_WITHIN:?}: {other:?}");
            }
        };
        desktop.display = format!(":{number}");
        desktop.displayfd = reader;
        desktop
    }

    /// Starts a session bus (`dbus-daemon --session`) for the programs of this
    /// desktop and returns its address once the daemon prints it, which it
    /// does when it accepts connections. The daemon is stopped on drop.
    pub fn start_session_bus(&mut self) -> String {
        let mut child = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .env("DISPLAY", &self.display)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon must be installed (bash .ci/setup installs the package dbus-x11)");
        let stdout = child.stdout.take().expect("dbus-daemon stdout");
        self.children.push(child);
        let (line, _) = first_line(stdout, READY_WITHIN);
        let address = line
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| panic!("dbus-daemon gave no address within {READY_WITHIN:?}"));
        self.bus = Some(address.clone());
        address
    }

    /// A command that runs on this display (and on its session bus, when one
    /// was started).
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env("DISPLAY", &self.display)
            .env_remove("WAYLAND_DISPLAY");
        if let Some(bus) = &self.bus {
            c.env("DBUS_SESSION_BUS_ADDRESS", bus);
        }
        c
    }

    /// Starts a long-running program on this display; it is killed on drop.
    /// Its error output goes to a file that [`Desktop::logs`] reads.
    pub fn spawn(&mut self, mut cmd: Command) {
        let program = Path::new(cmd.get_program()).file_name().map_or_else(
            || "programme".to_owned(),
            |n| n.to_string_lossy().into_owned(),
        );
        let log = self
            .files
            .path()
            .join(format!("{}-{program}.log", self.children.len()));
        let child = cmd
            .env("DISPLAY", &self.display)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("program log"))
            .spawn()
            .unwrap_or_else(|e| {
                panic!("{program} does not start ({e}): bash .ci/setup installs it")
            });
        self.children.push(child);
    }

    /// Whether every program started with [`Desktop::spawn`] still runs.
    pub fn all_running(&mut self) -> bool {
        self.children
            .iter_mut()
            .all(|c| c.try_wait().is_ok_and(|status| status.is_none()))
    }

    /// What the programs started here wrote on their error output, for
    /// failure messages.
    pub fn logs(&self) -> String {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.files.path())
            .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        names.retain(|p| p.extension().is_some_and(|x| x == "log"));
        names.sort();
        names
            .iter()
            .map(|p| {
                format!(
                    "--- {}\n{}",
                    p.display(),
                    std::fs::read_to_string(p).unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Output of `xdotool ARGS` (empty on failure).
    pub fn xdotool(&self, args: &[&str]) -> String {
        let out = self
            .command("xdotool")
            .args(args)
            .output()
            .expect("xdotool");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Window ids matching `xdotool search ARGS`.
    pub fn search(&self, args: &[&str]) -> Vec<String> {
        let mut all = vec!["search"];
        all.extend_from_slice(args);
        self.xdotool(&all)
            .lines()
            .map(str::to_owned)
            .filter(|l| !l.is_empty())
            .collect()
    }

    /// (x, y, width, height) of a window.
    pub fn geometry(&self, window: &str) -> Option<(i32, i32, i32, i32)> {
        let out = self.xdotool(&["getwindowgeometry", "--shell", window]);
        let get = |k: &str| {
            out.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}=")))
                .and_then(|v| v.parse().ok())
        };
        Some((get("X")?, get("Y")?, get("WIDTH")?, get("HEIGHT")?))
    }

    /// Whether some client owns the selection `name` on this display (a tray
    /// host owns `_NET_SYSTEM_TRAY_S0` once it accepts icons).
    pub fn selection_owned(&self, name: &str) -> bool {
        use x11rb::protocol::xproto::ConnectionExt as _;
        let Ok((conn, _)) = x11rb::connect(Some(&self.display)) else {
            return false;
        };
        let Some(atom) = conn
            .intern_atom(false, name.as_bytes())
            .ok()
            .and_then(|c| c.reply().ok())
        else {
            return false;
        };
        conn.get_selection_owner(atom.atom)
            .ok()
            .and_then(|c| c.reply().ok())
            .is_some_and(|r| r.owner != x11rb::NONE)
    }

    /// Whether a window is mapped and viewable (`xwininfo -id`).
    pub fn viewable(&self, window: &str) -> bool {
        self.command("xwininfo")
            .args(["-id", window])
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("IsViewable"))
    }

    /// The whole screen now, also published as `name` (a PNG file name) in
    /// [`artefacts_dir`] for people to look at. The image is taken and read in
    /// this desktop's own folder, then copied under a name of its own and
    /// renamed: a capture there is always whole, whoever took it last.
    pub fn screenshot(&self, name: &str) -> image::RgbImage {
        let own = self.files.path().join(name);
        let status = self
            .command("import")
            .args(["-window", "root"])
            .arg(&own)
            .status()
            .expect("import (imagemagick)");
        assert!(status.success(), "import failed");
        let image = image::open(&own).expect("screenshot").into_rgb8();
        let shown = artefacts_dir().join(name);
        let partial = shown.with_extension(format!("{}.partiel", std::process::id()));
        std::fs::copy(&own, &partial).expect("copy capture");
        std::fs::rename(&partial, &shown).expect("publish capture");
        image
    }

    /// Names of all windows in the tree (`xwininfo -root -tree`).
    pub fn window_tree(&self) -> String {
        let out = self
            .command("xwininfo")
            .args(["-root", "-tree"])
            .output()
            .expect("xwininfo");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn stop(&mut self) {
        for child in self.children.iter_mut().rev() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.children.clear();
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The first line `from` gives within `timeout` (None on end of file, an error
/// or the time running out), and `from` back when the line came, to keep open.
/// The read runs on a thread: a pipe read has no time limit of its own.
fn first_line<R: Read + Send + 'static>(from: R, timeout: Duration) -> (Option<String>, Option<R>) {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(from);
        let mut line = String::new();
        let got = match reader.read_line(&mut line) {
            Ok(n) if n > 0 && line.ends_with('\n') => Some(line),
            _ => None,
        };
        let _ = tx.send((got, reader.into_inner()));
    });
    match rx.recv_timeout(timeout) {
        Ok((line, from)) => (line, Some(from)),
        Err(_) => (None, None),
    }
}

/// Polls `f` until it is true or `timeout` passes.
pub fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if f() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Whether a process still runs (its /proc entry exists and is not a zombie).
pub fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        // The state follows the command name, which is in parentheses.
        stat.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X")
    })
}

/// Where tests leave screenshots for people to look at.
pub fn artefacts_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("captures");
    std::fs::create_dir_all(&dir).expect("captures dir");
    dir
}
