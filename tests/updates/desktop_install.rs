//! Installing while the resident service runs, under Xvfb with `trayer` as
//! the tray host: nobody quits the service by hand; it restarts itself on the
//! new program (same process, the new version) and its icon comes back. When
//! the new version's service does not come up, the previous binary is put back
//! by itself, the service started again on it, and the user told.

use std::path::Path;
use std::process::Command;

use chrono::Utc;
use iea_maintenance::updates::install::Health;

use crate::desktop::{Desktop, READY_WITHIN, running, wait_until};
use crate::updates::{
    TestKey, UpdatePeer, Workstation, example, fresh_manifest, package_of, release, stderr, stdout,
};

/// A desktop with a session bus and `trayer` holding the tray selection.
fn desktop_with_tray() -> Desktop {
    let mut desk = Desktop::start();
    desk.start_session_bus();
    let mut trayer = desk.command("trayer");
    trayer.args([
        "--edge",
        "top",
        "--align",
        "right",
        "--widthtype",
        "request",
        "--height",
        "32",
        "--SetDockType",
        "true",
        "--transparent",
        "false",
        "--tint",
        "0xdddddd",
    ]);
    desk.spawn(trayer);
    assert!(
        wait_until(READY_WITHIN, || desk.selection_owned("_NET_SYSTEM_TRAY_S0")),
        "trayer did not start:\n{}",
        desk.logs()
    );
    desk
}

/// The workstation's programs on this desktop: its `IEA_HOME` and a session of
/// its own.
fn on_desktop(desk: &Desktop, ws: &Workstation, program: &Path, args: &[&str]) -> Command {
    let xdg = ws.dir.path().join("xdg");
    let _ = std::fs::create_dir_all(&xdg);
    let mut c = desk.command(program.to_str().expect("path"));
    c.args(args)
        .env("IEA_HOME", ws.home.root())
        .env("HOME", ws.dir.path())
        .env("XDG_CONFIG_HOME", xdg.join("config"))
        .env("XDG_RUNTIME_DIR", &xdg)
        .env("XDG_DATA_HOME", xdg.join("data"))
        .env("XDG_CACHE_HOME", xdg.join("cache"));
    c
}

/// Stops the service of `ws` (by the pid of its instance lock), whoever
/// started it, when the test ends however it ends.
struct StopService<'a>(&'a Workstation);

impl Drop for StopService<'_> {
    fn drop(&mut self) {
        let lock = self.0.home.locks_dir().join("service.instance.lock");
        if let Some(pid) = std::fs::read_to_string(lock)
            .ok()
            .and_then(|s| s.trim().parse::<u32>().ok())
        {
            let _ = Command::new("kill").arg(pid.to_string()).status();
            wait_until(READY_WITHIN, || !running(pid));
        }
    }
}

/// The log lines of `ws`, for failure messages.
fn logs_of(ws: &Workstation) -> String {
    iea_maintenance::logging::recent_lines(&ws.home.logs_dir(), 300)
        .map(|l| l.join("\n"))
        .unwrap_or_default()
}

/// Waits until the service of `ws` says it is up on `version`, after `since`.
fn up_on(ws: &Workstation, version: &str, since: chrono::DateTime<Utc>) -> Option<Health> {
    let mut found = None;
    wait_until(READY_WITHIN, || {
        found = Health::load(&ws.home).filter(|h| h.version == version && h.at >= since);
        found.is_some()
    });
    found
}

#[test]
fn installing_while_the_service_runs_brings_it_back_on_the_new_version() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    let package = package_of(&example("version-suivante"));
    peer.put("paquet.zip", package.clone());
    peer.publish(
        &fresh_manifest(2, &[release("3.2.0", "paquet.zip", &package)]),
        &TestKey::project(),
    );
    let mut desk = desktop_with_tray();
    let _stop = StopService(&ws);
    let started = Utc::now();
    desk.spawn(on_desktop(&desk, &ws, &ws.program, &[]));
    let before =
        up_on(&ws, "3.1.0", started).unwrap_or_else(|| panic!("service not up:\n{}", desk.logs()));
    desk.screenshot("mise-a-jour-avant.png");

    let out = on_desktop(&desk, &ws, &ws.program, &["update", "install", "--yes"])
        .output()
        .expect("install");
    assert!(
        out.status.success(),
        "{}\n{}\n{}\n{}",
        stdout(&out),
        stderr(&out),
        desk.logs(),
        logs_of(&ws)
    );
    assert!(
        stdout(&out).contains("Le gestionnaire de services a redémarré avec la nouvelle version."),
        "{}",
        stdout(&out)
    );
    let after = Health::load(&ws.home).expect("health");
    assert_eq!(after.version, "3.2.0");
    assert_eq!(
        after.pid, before.pid,
        "the same process, restarted in place on the new program"
    );
    assert!(
        desk.all_running(),
        "the service never stopped:\n{}",
        desk.logs()
    );
    let back = wait_until(READY_WITHIN, || {
        desk.window_tree().contains("iea-maintenance")
    });
    desk.screenshot("mise-a-jour-apres.png");
    assert!(back, "the icon is back in the tray");
    assert_eq!(ws.program_version(), "3.2.0");
}

#[test]
fn a_new_version_whose_service_does_not_come_up_is_rolled_back_by_itself() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    let package = package_of(&example("version-sans-service"));
    peer.put("paquet.zip", package.clone());
    peer.publish(
        &fresh_manifest(2, &[release("3.2.0", "paquet.zip", &package)]),
        &TestKey::project(),
    );
    let mut desk = desktop_with_tray();
    let _stop = StopService(&ws);
    let started = Utc::now();
    desk.spawn(on_desktop(&desk, &ws, &ws.program, &[]));
    up_on(&ws, "3.1.0", started).unwrap_or_else(|| panic!("service not up:\n{}", desk.logs()));

    let installing = Utc::now();
    let out = on_desktop(&desk, &ws, &ws.program, &["update", "install", "--yes"])
        .output()
        .expect("install");
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("Retour à la version précédente"), "{err}");
    assert!(
        err.contains("La version 3.1.0 a été remise en place automatiquement."),
        "{err}"
    );
    assert_eq!(ws.program_version(), "3.1.0");
    // Started again on the previous version, with its icon.
    let again = up_on(&ws, "3.1.0", installing);
    let back = wait_until(READY_WITHIN, || {
        desk.window_tree().contains("iea-maintenance")
    });
    desk.screenshot("mise-a-jour-retour.png");
    assert!(
        again.is_some(),
        "the service was not started again:\n{}",
        desk.logs()
    );
    assert!(back, "the icon is back in the tray");
}
