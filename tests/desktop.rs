//! The tray as a person sees it: under Xvfb with `trayer` as the tray host, the
//! service's icon appears, a right-click opens its menu, and "Ouvrir le centre de
//! maintenance…" opens the centre's window.
//!
//! Every step waits for what a person would see (a window in the tree, a
//! colour on the screen, a process gone) up to a generous deadline, never for a
//! fixed time: the test holds on a loaded machine with other X servers around.

#![allow(clippy::print_stdout, clippy::many_single_char_names)]

mod support;

use std::process::{Command, Stdio};

use support::desktop::{Desktop, READY_WITHIN, artefacts_dir, running, wait_until};
use support::https::{TestServer, answers};

const BIN: &str = env!("CARGO_BIN_EXE_iea-maintenance");

#[test]
fn tray_icon_menu_opens_the_maintenance_centre() {
    let home = tempfile::tempdir().expect("home");
    let xdg = tempfile::tempdir().expect("xdg");
    let status = Command::new(BIN)
        .args(["demo", "--payslips", "600"])
        .env("IEA_HOME", home.path())
        .stdout(Stdio::null())
        .status()
        .expect("demo");
    assert!(status.success(), "demo store");
    // The service authenticates at start: against a loopback server, never the vendor's.
    let server = TestServer::http().with_protocol_routes();
    server.route(
        "POST",
        "/api/v1/authenticate",
        answers::auth_ok("Association de test", "2027-12-31"),
    );
    point_at(home.path(), &server);
    // A daily backup that should have run yesterday evening: the service runs it
    // on its own, with nobody at the screen.
    let backups = home.path().join("Sauvegardes");
    std::fs::create_dir_all(&backups).expect("backups folder");
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
                    time: chrono::NaiveTime::from_hms_opt(23, 0, 0).expect("time"),
                    enabled: true,
                    keep: 5,
                    destination: iea_maintenance::backup::Destination::Folder {
                        path: backups.clone(),
                    },
                },
                None,
            )
        },
    )
    .expect("script");

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
    let mut trayer_runs = true;
    // Ready as a tray host once it owns the tray selection of the screen.
    let trayer_up = wait_until(READY_WITHIN, || {
        trayer_runs = desk.all_running();
        !trayer_runs || desk.selection_owned("_NET_SYSTEM_TRAY_S0")
    });
    assert!(
        trayer_up && trayer_runs,
        "trayer did not start (running: {trayer_runs}):\n{}",
        desk.logs()
    );

    let mut service = desk.command(BIN);
    service
        .env("IEA_HOME", home.path())
        .env("XDG_CONFIG_HOME", xdg.path().join("config"))
        .env("XDG_RUNTIME_DIR", xdg.path())
        .env("XDG_DATA_HOME", xdg.path().join("data"))
        .env("XDG_CACHE_HOME", xdg.path().join("cache"));
    desk.spawn(service);

    // The icon is embedded in trayer: trayer grows from nothing to the icon's
    // width. Its windows are looked up each time: the panel may come after the
    // first one.
    let mut icon_box = None;
    let embedded = wait_until(READY_WITHIN, || {
        icon_box = desk
            .search(&["--class", "trayer"])
            .iter()
            .filter_map(|w| desk.geometry(w))
            .find(|(_, _, w, h)| *w >= 16 && *h >= 16);
        icon_box.is_some() && desk.window_tree().contains("iea-maintenance")
    });
    let shots = artefacts_dir();
    desk.screenshot("bureau-icone.png");
    if !embedded {
        stop_programs(home.path());
    }
    assert!(
        embedded,
        "the tray icon did not appear in trayer:\n{}",
        desk.logs()
    );
    let (x, y, w, h) = icon_box.expect("icon geometry");
    let (cx, cy) = (x + w / 2, y + h / 2);

    // Authenticated against the loopback server, and the backup that was due
    // has run.
    let connected = wait_until(READY_WITHIN, || {
        iea_maintenance::service::persist::PersistedState::load(&iea_maintenance::home::Home::at(
            home.path(),
        ))
        .state_key()
            == "connected"
    });
    if !connected {
        stop_programs(home.path());
    }
    assert!(connected, "the service did not authenticate");
    let backed_up = wait_until(READY_WITHIN, || {
        std::fs::read_dir(&backups).is_ok_and(|rd| {
            rd.filter_map(Result::ok)
                .any(|e| e.file_name().to_string_lossy().ends_with(".iea.zip"))
        })
    });
    if !backed_up {
        stop_programs(home.path());
    }
    assert!(backed_up, "the service did not run the backup that was due");

    // The tray shows what the service knows at its next look: a right-click
    // before that opens a menu that the service then replaces, which closes it
    // under the keys. Ready is the view of a connected installation with
    // nothing to warn about, in the service's log and on the screen: the blue
    // ball, without the heart of "not yet verified" in its lower right corner.
    let settled = settled_view();
    let settled_line = iea_maintenance::messages::tray_line(&settled.status);
    let shown = wait_until(READY_WITHIN, || {
        last_status(home.path()).as_deref() == Some(settled_line.as_str())
    });
    let (mut r, mut b, mut corner) = (0, 0, (0, 0, 0));
    let blue = shown
        && wait_until(READY_WITHIN, || {
            let shot = desk.screenshot("bureau-connecte.png");
            (r, _, b) = mean_colour(&shot, (x, y, w, h));
            corner = mean_colour(&shot, (x + w / 2, y + h / 2, w / 2, h / 2));
            b > r && corner.2 > corner.0
        });
    if !blue {
        stop_programs(home.path());
    }
    assert!(
        shown,
        "the service never showed « {} »: {:?}",
        settled_line,
        last_status(home.path())
    );
    assert!(
        blue,
        "the connected icon should be the blue ball without the heart \
         (r={r}, b={b}, lower right corner {corner:?})"
    );

    let windows_before = window_ids(&desk.window_tree());
    desk.xdotool(&["mousemove", &cx.to_string(), &cy.to_string(), "click", "3"]);
    // The menu is a new window in the tree; it is shown once it is viewable.
    let mut new_windows = Vec::new();
    let menu_open = wait_until(READY_WITHIN, || {
        new_windows = window_ids(&desk.window_tree())
            .into_iter()
            .filter(|id| !windows_before.contains(id))
            .collect();
        new_windows.iter().any(|id| desk.viewable(id))
    });
    desk.screenshot("bureau-menu.png");
    if !menu_open {
        stop_programs(home.path());
    }
    assert!(menu_open, "the right-click menu did not open");

    // Down moves over the usable entries only: count those above "Ouvrir le
    // centre de maintenance…" in the menu the service shows now (connected).
    let downs = downs_to_open_centre(&settled);
    let mut keys = vec!["key"];
    keys.extend(std::iter::repeat_n("Down", downs));
    keys.push("Return");
    desk.xdotool(&keys);
    let mut centre = Vec::new();
    let opened = wait_until(READY_WITHIN, || {
        // xdotool's name search is a regular expression that trips on the en dash.
        centre = desk.search(&["--name", "Centre de maintenance"]);
        !centre.is_empty()
    });
    // The capture is taken once the window is on the screen with something
    // drawn in it (more than its background colour).
    let drawn = opened
        && wait_until(READY_WITHIN, || {
            let Some(area) = centre
                .iter()
                .filter(|id| desk.viewable(id))
                .find_map(|id| desk.geometry(id))
                .filter(|(_, _, w, h)| *w > 0 && *h > 0)
            else {
                return false;
            };
            colours_in(&desk.screenshot("bureau-centre.png"), area) > 2
        });
    let tree = desk.window_tree();

    // Regression: once its menu had opened and it had started the centre, the
    // service had Mesa's OpenGL stack (libGL, LLVM, the software rasteriser)
    // loaded for the rest of the day. It never draws with OpenGL.
    let service_pid = std::fs::read_to_string(home.path().join("locks/service.instance.lock"))
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok())
        .expect("the service's pid in its lock");
    let maps = std::fs::read_to_string(format!("/proc/{service_pid}/maps")).unwrap_or_default();
    let gl: Vec<&str> = maps
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .filter(|lib| {
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
        .collect();
    let rss = std::fs::read_to_string(format!("/proc/{service_pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS"))
        .map(str::to_owned)
        .unwrap_or_default();
    println!("service after its menu and the centre: {rss}");

    // Assistance mode with the code of the day: the red beetle replaces the ball.
    let o = Command::new(BIN)
        .args([
            "assistance",
            "enable",
            "--code",
            &todays_enable_code(home.path()),
        ])
        .env("IEA_HOME", home.path())
        .output()
        .expect("assistance");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let beetle = wait_until(READY_WITHIN, || {
        let shot = desk.screenshot("bureau-scarabee.png");
        let (r, _, b) = mean_colour(&shot, (x, y, w, h));
        r > b + 20
    });

    // A second start of the service hands over to the running one and exits.
    let second = desk
        .command(BIN)
        .env("IEA_HOME", home.path())
        .output()
        .expect("second start");
    stop_programs(home.path());
    assert!(
        beetle,
        "the icon did not turn into the red beetle in assistance mode"
    );
    assert_eq!(second.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("déjà lancé"),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert!(opened, "the maintenance centre window did not open");
    assert!(gl.is_empty(), "OpenGL loaded in the service: {gl:?}");
    assert!(drawn, "the maintenance centre window stayed empty");
    assert!(
        tree.contains("\"Impact emploi – Centre de maintenance\""),
        "window title: {tree}"
    );
    let logs = iea_maintenance::logging::recent_lines(&home.path().join("logs"), 200)
        .expect("logs")
        .join("\n");
    assert!(
        logs.contains("Ouvrir le centre de maintenance…"),
        "the entry chosen was not « Ouvrir le centre de maintenance… »: {logs}"
    );
    println!("captures : {}", shots.display());
}

/// Stops the service and the centre by the pids in their instance locks, and
/// waits until both are gone.
fn stop_programs(home: &std::path::Path) {
    let mut pids = Vec::new();
    for name in ["centre", "service"] {
        let lock = home.join("locks").join(format!("{name}.instance.lock"));
        if let Some(pid) = std::fs::read_to_string(lock)
            .ok()
            .and_then(|s| s.trim().parse::<u32>().ok())
        {
            let _ = Command::new("kill").arg(pid.to_string()).status();
            pids.push(pid);
        }
    }
    wait_until(READY_WITHIN, || !pids.iter().any(|pid| running(*pid)));
}

/// The window ids (`0x…`) in the output of `xwininfo -root -tree`.
fn window_ids(tree: &str) -> Vec<String> {
    tree.lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| w.starts_with("0x"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn without_a_tray_host_the_service_says_so_and_opens_the_centre() {
    let home = tempfile::tempdir().expect("home");
    let xdg = tempfile::tempdir().expect("xdg");
    assert!(
        Command::new(BIN)
            .args(["demo", "--payslips", "100"])
            .env("IEA_HOME", home.path())
            .stdout(Stdio::null())
            .status()
            .expect("demo")
            .success()
    );
    let server = TestServer::http().with_protocol_routes();
    point_at(home.path(), &server);
    let mut desk = Desktop::start();
    desk.start_session_bus();
    let stderr_path = home.path().join("service-stderr.txt");
    let mut service = desk
        .command(BIN)
        .env("IEA_HOME", home.path())
        .env("XDG_CONFIG_HOME", xdg.path().join("config"))
        .env("XDG_RUNTIME_DIR", xdg.path())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr_path).expect("stderr file"))
        .spawn()
        .expect("service");
    let opened = wait_until(READY_WITHIN, || {
        !desk.search(&["--name", "Centre de maintenance"]).is_empty()
    });
    stop_programs(home.path());
    let _ = service.kill();
    let _ = service.wait();
    let said = std::fs::read_to_string(&stderr_path).expect("stderr");
    assert!(said.contains("Aucune zone de notification"), "{said}");
    assert!(opened, "the centre did not open in place of the icon");
}

/// Points the three addresses of the installation at a loopback server.
fn point_at(home: &std::path::Path, server: &TestServer) {
    std::fs::write(
        home.join("config.toml"),
        format!(
            "[connection]\nmode = \"normal\"\nauth_url = \"{}\"\nupdate_url = \"{}\"\n\
             net_entreprises_url = \"{}\"\n",
            server.url(),
            server.url_of("/updates"),
            server.url_of("/authentifier/1.0/")
        ),
    )
    .expect("config");
}

/// The code support would give today to enable assistance mode.
fn todays_enable_code(home: &std::path::Path) -> String {
    use iea_maintenance::assistance::{AssistanceAction, code_for};
    let h = iea_maintenance::home::Home::at(home);
    let installation =
        iea_maintenance::installation::Installation::load_or_create(&h).expect("installation");
    let key = iea_maintenance::installation::support_key(&h).expect("support key");
    code_for(
        &key,
        AssistanceAction::Enable,
        &installation.installation_id,
        chrono::Local::now().date_naive(),
    )
}

/// The mean colour (0–255) of a rectangle of a screenshot.
fn mean_colour(img: &image::RgbImage, (x, y, w, h): (i32, i32, i32, i32)) -> (u32, u32, u32) {
    let (mut r, mut g, mut b, mut n) = (0u64, 0u64, 0u64, 0u64);
    for py in y.max(0)..(y + h) {
        for px in x.max(0)..(x + w) {
            if let Some(p) = img.get_pixel_checked(px as u32, py as u32) {
                r += u64::from(p[0]);
                g += u64::from(p[1]);
                b += u64::from(p[2]);
                n += 1;
            }
        }
    }
    assert!(n > 0, "empty rectangle");
    ((r / n) as u32, (g / n) as u32, (b / n) as u32)
}
/// How many distinct colours a rectangle of a screenshot holds.
fn colours_in(img: &image::RgbImage, (x, y, w, h): (i32, i32, i32, i32)) -> usize {
    let mut seen = std::collections::HashSet::new();
    for py in y.max(0)..(y + h) {
        for px in x.max(0)..(x + w) {
            if let Some(p) = img.get_pixel_checked(px as u32, py as u32) {
                seen.insert(p.0);
            }
        }
    }
    seen.len()
}

/// What the tray shows for a connected installation with nothing to warn about.
fn settled_view() -> iea_maintenance::service::state::TrayView {
    use iea_maintenance::service::state::{
        Capabilities, ConnectionState, ServiceInputs, tray_view,
    };
    tray_view(
        &ServiceInputs {
            connection: ConnectionState::Connected,
            assistance: false,
            store_problem: None,
            backup_warnings: Vec::new(),
        },
        Capabilities::CURRENT,
    )
}

/// The status the service last logged for its tray, if any.
fn last_status(home: &std::path::Path) -> Option<String> {
    iea_maintenance::logging::recent_lines(&home.join("logs"), 500)
        .ok()?
        .iter()
        .rev()
        .find(|l| l.contains("état du gestionnaire de services"))
        .and_then(|l| l.split_once("status=").map(|(_, s)| s.trim().to_owned()))
}

/// How many presses of Down reach "Ouvrir le centre de maintenance…" in the
/// menu of `view` (greyed entries are skipped by GTK).
fn downs_to_open_centre(view: &iea_maintenance::service::state::TrayView) -> usize {
    use iea_maintenance::service::state::{MenuAction, MenuEntry};
    let mut downs = 0;
    for entry in &view.menu {
        match entry {
            MenuEntry::Action { action, enabled } => {
                if *enabled {
                    downs += 1;
                }
                if *action == MenuAction::OpenCentre {
                    return downs;
                }
            }
            MenuEntry::Submenu { .. } => downs += 1,
            MenuEntry::Info(_) | MenuEntry::Separator => {}
        }
    }
    panic!("no « Ouvrir le centre de maintenance… » in the menu");
}
