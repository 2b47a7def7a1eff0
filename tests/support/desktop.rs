//! A throw-away X desktop for tests: Xvfb on a free display, `trayer` as the tray
//! host, and helpers around `xdotool` and `import`. Everything started here is
//! killed on drop.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A running Xvfb (and whatever else the test started on it).
pub struct Desktop {
    pub display: String,
    children: Vec<Child>,
}

impl Desktop {
    /// Starts Xvfb on the first free display from :91. Tests of one binary run in
    /// parallel: each takes its own number from a counter before looking.
    pub fn start() -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(91);
        loop {
            let n = NEXT.fetch_add(1, Ordering::SeqCst);
            assert!(n < 400, "no free X display for Xvfb");
            if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                || Path::new(&format!("/tmp/.X{n}-lock")).exists()
            {
                continue;
            }
            let display = format!(":{n}");
            let child = Command::new("Xvfb")
                .args([&display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("Xvfb must be installed (bash .ci/setup installs it)");
            let mut desktop = Self {
                display: display.clone(),
                children: vec![child],
            };
            if wait_until(Duration::from_secs(10), || {
                Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
            }) {
                return desktop;
            }
            desktop.stop();
        }
    }

    /// A command that runs on this display.
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env("DISPLAY", &self.display)
            .env_remove("WAYLAND_DISPLAY");
        c
    }

    /// Starts a long-running program on this display; it is killed on drop.
    pub fn spawn(&mut self, mut cmd: Command) {
        let child = cmd
            .env("DISPLAY", &self.display)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        self.children.push(child);
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

    /// The whole screen as a PNG at `path`.
    pub fn screenshot(&self, path: &Path) {
        let status = self
            .command("import")
            .args(["-window", "root"])
            .arg(path)
            .status()
            .expect("import (imagemagick)");
        assert!(status.success(), "import failed");
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

/// Polls `f` until it is true or `timeout` passes.
pub fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

/// Where tests leave screenshots for people to look at.
pub fn artefacts_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("captures");
    std::fs::create_dir_all(&dir).expect("captures dir");
    dir
}
