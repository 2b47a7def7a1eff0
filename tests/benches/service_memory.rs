//! The resident service's memory, measured as a person uses it: under Xvfb with
//! `trayer` as the tray host, the service starts, authenticates against a
//! loopback server, runs the backup that was due, has its menu opened, and
//! starts the centre (a second start of the program asks it to); then it stays
//! idle. `VmRSS` (and its anonymous and file-backed parts) is read from
//! `/proc/PID/status` after each step and during the idle time, beside `trayer`,
//! a plain GTK tray program that does less, in the same run. It also says
//! whether Mesa's OpenGL stack was loaded into the service (it must not be).
//!
//! `cargo bench --bench service_memory`; `SERVICE_IDLE_SECS` sets the idle time
//! (default 300; 3600 for the hour of the target). It asserts nothing.

#![allow(clippy::print_stdout, dead_code)]

#[path = "../support/mod.rs"]
mod support;

use std::error::Error;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::desktop::{Desktop, READY_WITHIN, running, wait_until};
use support::https::{TestServer, answers};

const BIN: &str = env!("CARGO_BIN_EXE_iea-maintenance");

/// `VmRSS`, `RssAnon`, `RssFile` and `VmHWM` of `pid`, in kB.
fn memory(pid: u32) -> [u64; 4] {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    [
        field("VmRSS:"),
        field("RssAnon:"),
        field("RssFile:"),
        field("VmHWM:"),
    ]
}

fn mb(kb: u64) -> String {
    format!("{:.1} Mo", kb as f64 / 1024.0)
}

fn report(step: &str, service: u32, trayer: Option<u32>) {
    let [rss, anon, file, hwm] = memory(service);
    let beside = trayer.map_or_else(String::new, |t| format!(" ; trayer {}", mb(memory(t)[0])));
    println!(
        "{step:<38} service {} (anonyme {}, fichiers {}, pic {}){beside}",
        mb(rss),
        mb(anon),
        mb(file),
        mb(hwm)
    );
}

/// Whether Mesa's OpenGL libraries are mapped in `pid`.
fn gl_loaded(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/maps"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .any(|lib| {
            [
                "libGL",
                "libEGL",
                "libLLVM",
                "swrast",
                "libgallium",
                "_dri.so",
            ]
            .iter()
            .any(|g| lib.contains(g))
        })
}

fn pid_in_lock(home: &Path, name: &str) -> Option<u32> {
    std::fs::read_to_string(home.join("locks").join(format!("{name}.instance.lock")))
        .ok()
        .and_then(|s| s.trim().parse().ok())
}

fn pid_of(program: &str) -> Option<u32> {
    let out = Command::new("pgrep")
        .args(["-n", "-x", program])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

fn main() -> Result<(), Box<dyn Error>> {
    let idle = Duration::from_secs(
        std::env::var("SERVICE_IDLE_SECS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(300),
    );
    let home = tempfile::tempdir()?;
    let xdg = tempfile::tempdir()?;
    let status = Command::new(BIN)
        .args(["demo", "--payslips", "2000"])
        .env("IEA_HOME", home.path())
        .stdout(Stdio::null())
        .status()?;
    assert!(status.success(), "demo store");
    let server = TestServer::http().with_protocol_routes();
    server.route(
        "POST",
        "/api/v1/authenticate",
        answers::auth_ok("Association de test", "2027-12-31"),
    );
    std::fs::write(
        home.path().join("config.toml"),
        format!(
            "[connection]\nmode = \"normal\"\nauth_url = \"{}\"\nupdate_url = \"{}\"\n\
             net_entreprises_url = \"{}\"\n",
            server.url(),
            server.url_of("/updates"),
            server.url_of("/authentifier/1.0/")
        ),
    )?;
    let backups = home.path().join("Sauvegardes");
    std::fs::create_dir_all(&backups)?;
    iea_maintenance::backup::book::ScriptBook::modify(
        &iea_maintenance::home::Home::at(home.path()),
        |book| {
            book.upsert(
                iea_maintenance::backup::BackupScript {
                    name: "Quotidienne".to_owned(),
                    frequency: iea_maintenance::backup::Frequency {
                        every: 1,
                        unit: iea_maintenance::backup::FrequencyUnit::Jours,
                    },
                    start_date: chrono::Local::now().date_naive() - chrono::Duration::days(1),
                    time: chrono::NaiveTime::from_hms_opt(23, 0, 0).unwrap_or_default(),
                    enabled: true,
                    keep: 5,
                    destination: iea_maintenance::backup::Destination::Folder {
                        path: backups.clone(),
                    },
                },
                None,
            )
        },
    )?;

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
    ]);
    trayer.args(["--height", "32", "--SetDockType", "true"]);
    desk.spawn(trayer);
    if !wait_until(READY_WITHIN, || desk.selection_owned("_NET_SYSTEM_TRAY_S0")) {
        return Err(format!("trayer did not start:\n{}", desk.logs()).into());
    }
    let trayer_pid = pid_of("trayer");
    let env = |c: &mut Command| {
        c.env("IEA_HOME", home.path())
            .env("XDG_CONFIG_HOME", xdg.path().join("config"))
            .env("XDG_RUNTIME_DIR", xdg.path())
            .env("XDG_DATA_HOME", xdg.path().join("data"))
            .env("XDG_CACHE_HOME", xdg.path().join("cache"));
    };
    let mut service = desk.command(BIN);
    env(&mut service);
    desk.spawn(service);

    let mut icon = None;
    let shown = wait_until(READY_WITHIN, || {
        icon = desk
            .search(&["--class", "trayer"])
            .iter()
            .filter_map(|w| desk.geometry(w))
            .find(|(_, _, w, h)| *w >= 16 && *h >= 16);
        icon.is_some() && desk.window_tree().contains("iea-maintenance")
    });
    let (Some((x, y, w, h)), true) = (icon, shown) else {
        return Err(format!("no icon in trayer:\n{}", desk.logs()).into());
    };
    let pid = pid_in_lock(home.path(), "service").ok_or("no service pid")?;
    report("icône affichée", pid, trayer_pid);

    let backed_up = wait_until(READY_WITHIN, || {
        std::fs::read_dir(&backups).is_ok_and(|rd| {
            rd.filter_map(Result::ok)
                .any(|e| e.file_name().to_string_lossy().ends_with(".iea.zip"))
        })
    });
    if !backed_up {
        return Err("the due backup did not run".into());
    }
    std::thread::sleep(Duration::from_secs(2));
    report("authentifié, sauvegarde faite", pid, trayer_pid);

    let (cx, cy) = (x + w / 2, y + h / 2);
    desk.xdotool(&["mousemove", &cx.to_string(), &cy.to_string(), "click", "3"]);
    std::thread::sleep(Duration::from_secs(2));
    desk.xdotool(&["key", "Escape"]);
    std::thread::sleep(Duration::from_secs(1));
    report("menu ouvert puis fermé", pid, trayer_pid);

    // A second start hands over to the service, which starts the centre.
    let mut second = desk.command(BIN);
    env(&mut second);
    second
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    let opened = wait_until(READY_WITHIN, || {
        !desk.search(&["--name", "Centre de maintenance"]).is_empty()
    });
    if !opened {
        return Err(format!("the centre did not open:\n{}", desk.logs()).into());
    }
    if let Some(centre) = pid_in_lock(home.path(), "centre") {
        let _ = Command::new("kill").arg(centre.to_string()).status();
        wait_until(READY_WITHIN, || !running(centre));
    }
    report("centre lancé puis fermé", pid, trayer_pid);

    let started = Instant::now();
    let step = Duration::from_mins(1).min(idle);
    while started.elapsed() < idle {
        std::thread::sleep(step);
        report(
            &format!("au repos depuis {} s", started.elapsed().as_secs()),
            pid,
            trayer_pid,
        );
    }
    println!(
        "OpenGL chargé dans le service : {}",
        if gl_loaded(pid) { "oui" } else { "non" }
    );
    let _ = Command::new("kill").arg(pid.to_string()).status();
    wait_until(READY_WITHIN, || !running(pid));
    Ok(())
}
