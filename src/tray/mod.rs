//! The tray icon of the resident service: platform glue only. It draws what
//! [`crate::service::state::tray_view`] computes and hands menu clicks to
//! [`crate::service::actions`]. On Linux the icon lives on the GTK main thread
//! (libappindicator, falling back to an XEmbed icon where no
//! StatusNotifier host runs).

use std::cell::RefCell;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use tray_icon::menu::{IsMenuItem, Menu, MenuEvent, MenuItem, PredefinedMenuItem, Submenu};
use tray_icon::{Icon, TrayIcon, TrayIconBuilder};

use crate::home::Home;
use crate::messages;
use crate::service::actions::{self, Effect};
use crate::service::auth_loop::{self, AuthLoop};
use crate::service::state::{self, Capabilities, MenuAction, MenuEntry, TrayIconKind, TrayView};

/// How often the service looks at the metadata of the state file, the config and
/// the store (the store itself is opened only when one of them moved).
const REFRESH: Duration = Duration::from_secs(3);

/// How the tray ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayExit {
    /// "Quitter le gestionnaire de services".
    Quit,
    /// The program's file was replaced by an installation: start again on it.
    Restart,
}

thread_local! {
    static RESTART: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Why the tray could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum TrayError {
    /// No graphical session (no `DISPLAY`/`WAYLAND_DISPLAY`, or GTK refused).
    #[error("no graphical session: {0}")]
    NoDisplay(String),
    /// A session, but nothing to hold tray icons.
    #[error("no tray host in this session")]
    NoTrayHost,
    /// The icon could not be created.
    #[error("cannot create the tray icon: {0}")]
    Icon(String),
}

/// The icon image of a state, decoded from the PNGs in `assets/icons`.
pub fn icon_rgba(kind: TrayIconKind) -> Result<(Vec<u8>, u32, u32), TrayError> {
    let bytes: &[u8] = match kind {
        TrayIconKind::Ball => include_bytes!("../../assets/icons/boule-bleue-64.png"),
        TrayIconKind::BallHeart => include_bytes!("../../assets/icons/boule-bleue-coeur-64.png"),
        TrayIconKind::Beetle => include_bytes!("../../assets/icons/scarabee-rouge-64.png"),
    };
    let img = image::load_from_memory(bytes)
        .map_err(|e| TrayError::Icon(e.to_string()))?
        .into_rgba8();
    let (w, h) = img.dimensions();
    Ok((img.into_raw(), w, h))
}

fn icon(kind: TrayIconKind) -> Result<Icon, TrayError> {
    let (rgba, w, h) = icon_rgba(kind)?;
    Icon::from_rgba(rgba, w, h).map_err(|e| TrayError::Icon(e.to_string()))
}

struct TrayState {
    home: Home,
    program: Option<crate::service::restart::ProgramWatch>,
    auth: AuthLoop,
    watch: crate::service::ChangeWatch,
    tray: TrayIcon,
    view: TrayView,
}

thread_local! {
    static TRAY: RefCell<Option<TrayState>> = const { RefCell::new(None) };
}

/// Whether something in this session can hold a tray icon: a StatusNotifier
/// watcher on the session bus, or an XEmbed system tray on the X display.
#[cfg(target_os = "linux")]
pub fn has_tray_host() -> bool {
    sni_watcher_present() || xembed_tray_present()
}

#[cfg(target_os = "linux")]
fn sni_watcher_present() -> bool {
    use gtk::gio;
    let Ok(bus) = gio::bus_get_sync(gio::BusType::Session, gio::Cancellable::NONE) else {
        return false;
    };
    let reply = bus.call_sync(
        Some("org.freedesktop.DBus"),
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus",
        "NameHasOwner",
        Some(&("org.kde.StatusNotifierWatcher",).into()),
        Some(gtk::glib::VariantTy::new("(b)").expect("valid type")),
        gio::DBusCallFlags::NONE,
        1000,
        gio::Cancellable::NONE,
    );
    reply
        .ok()
        .and_then(|v| v.get::<(bool,)>())
        .is_some_and(|(b,)| b)
}

#[cfg(target_os = "linux")]
fn xembed_tray_present() -> bool {
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::ConnectionExt;
    let Ok((conn, screen)) = x11rb::connect(None) else {
        return false;
    };
    let name = format!("_NET_SYSTEM_TRAY_S{screen}");
    let Ok(Ok(atom)) = conn
        .intern_atom(false, name.as_bytes())
        .map(x11rb::cookie::Cookie::reply)
    else {
        return false;
    };
    let owner = conn
        .get_selection_owner(atom.atom)
        .ok()
        .and_then(|c| c.reply().ok())
        .map_or(0, |r| r.owner);
    let _ = conn.flush();
    owner != 0
}

/// Runs the tray until "Quitter le gestionnaire de services". `requests` carries
/// what later starts of the service ask for (a screen of the centre to open).
#[cfg(target_os = "linux")]
pub fn run(home: Home, requests: Receiver<String>) -> Result<TrayExit, TrayError> {
    use gtk::glib;

    gtk::init().map_err(|e| TrayError::NoDisplay(e.to_string()))?;
    if !has_tray_host() {
        return Err(TrayError::NoTrayHost);
    }
    let view = state::tray_view(
        &crate::service::current_inputs(&home),
        Capabilities::CURRENT,
    );
    let icon_dir = home.locks_dir().join("icones");
    let _ = std::fs::create_dir_all(&icon_dir);
    let tray = TrayIconBuilder::new()
        .with_id("iea-maintenance")
        .with_icon(icon(view.icon)?)
        .with_menu(Box::new(build_menu(&view)))
        .with_tooltip(messages::tray_line(&view.status))
        .with_title("Impact emploi")
        .with_temp_dir_path(icon_dir)
        .build()
        .map_err(|e| TrayError::Icon(e.to_string()))?;
    tracing::info!(status = %messages::tray_line(&view.status), "icône de notification affichée");
    // The proof an installation waits for: this version's service is up.
    if let Err(e) = crate::updates::install::Health::record_up(&home) {
        tracing::warn!(error = %e, "état de santé non enregistré");
    }
    let program = crate::service::restart::ProgramWatch::start();
    let auth = AuthLoop::start(home.clone(), |state| {
        if auth_loop::needs_user(state) {
            crate::service::notify::state_changed(state);
        }
    })
    .map_err(|e| TrayError::Icon(e.to_string()))?;
    let mut watch = crate::service::ChangeWatch::default();
    watch.changed(&home);
    TRAY.with(|t| {
        *t.borrow_mut() = Some(TrayState {
            home,
            program,
            auth,
            watch,
            tray,
            view,
        });
    });

    MenuEvent::set_event_handler(Some(|event: MenuEvent| {
        let id = event.id().0.clone();
        glib::MainContext::default().invoke(move || on_menu(&id));
    }));
    std::thread::Builder::new()
        .name("service-requests".into())
        .spawn(move || {
            for request in requests {
                glib::MainContext::default().invoke(move || on_request(&request));
            }
        })
        .map_err(|e| TrayError::Icon(e.to_string()))?;
    glib::timeout_add_local(REFRESH, || {
        refresh();
        glib::ControlFlow::Continue
    });
    gtk::main();
    if let Some(state) = TRAY.with(|t| t.borrow_mut().take()) {
        state.auth.stop();
    }
    if RESTART.with(std::cell::Cell::get) {
        Ok(TrayExit::Restart)
    } else {
        Ok(TrayExit::Quit)
    }
}

/// Tray icons need a GTK-free glue on other platforms; not part of this version.
#[cfg(not(target_os = "linux"))]
pub fn run(_home: Home, _requests: Receiver<String>) -> Result<TrayExit, TrayError> {
    Err(TrayError::NoTrayHost)
}

#[cfg(not(target_os = "linux"))]
pub fn has_tray_host() -> bool {
    false
}

fn build_menu(view: &TrayView) -> Menu {
    let menu = Menu::new();
    for item in build_items(&view.menu) {
        let _ = menu.append(item.as_ref());
    }
    menu
}

fn build_items(entries: &[MenuEntry]) -> Vec<Box<dyn IsMenuItem>> {
    let mut out: Vec<Box<dyn IsMenuItem>> = Vec::new();
    for (n, entry) in entries.iter().enumerate() {
        match entry {
            // A line whose click helps (the duplicate licence) is enabled and
            // opens its screen; the others are only words.
            MenuEntry::Info(line) => {
                out.push(Box::new(match line.opens() {
                    Some(action) => {
                        MenuItem::with_id(action.id(), messages::tray_line(line), true, None)
                    }
                    None => MenuItem::with_id(
                        format!("info-{n}"),
                        messages::tray_line(line),
                        false,
                        None,
                    ),
                }));
            }
            MenuEntry::Separator => out.push(Box::new(PredefinedMenuItem::separator())),
            MenuEntry::Action { action, enabled } => out.push(Box::new(MenuItem::with_id(
                action.id(),
                messages::menu_label(*action),
                *enabled,
                None,
            ))),
            MenuEntry::Submenu { submenu, entries } => {
                let items = build_items(entries);
                let refs: Vec<&dyn IsMenuItem> = items.iter().map(AsRef::as_ref).collect();
                if let Ok(sub) = Submenu::with_items(messages::submenu_label(*submenu), true, &refs)
                {
                    out.push(Box::new(sub));
                }
            }
        }
    }
    out
}

/// Re-reads the inputs and redraws only what changed.
fn refresh() {
    TRAY.with(|t| {
        let mut guard = t.borrow_mut();
        let Some(state) = guard.as_mut() else { return };
        if state
            .program
            .as_ref()
            .is_some_and(crate::service::restart::ProgramWatch::replaced)
        {
            RESTART.with(|r| r.set(true));
            quit();
            return;
        }
        if !state.watch.changed(&state.home) {
            return;
        }
        let view = state::tray_view(
            &crate::service::current_inputs(&state.home),
            Capabilities::CURRENT,
        );
        if view == state.view {
            return;
        }
        // Assistance mode has just ended: authenticate at once rather than at the
        // next period (seed 000: the heart stays until it succeeds).
        let assistance_ended =
            state.view.icon == TrayIconKind::Beetle && view.icon != TrayIconKind::Beetle;
        if assistance_ended {
            state.auth.retry_now();
        }
        if view.icon != state.view.icon
            && let Ok(i) = icon(view.icon)
        {
            let _ = state.tray.set_icon(Some(i));
        }
        if view.menu != state.view.menu {
            state.tray.set_menu(Some(Box::new(build_menu(&view))));
        }
        let status = messages::tray_line(&view.status);
        let _ = state.tray.set_tooltip(Some(&status));
        tracing::info!(status = %status, "état du gestionnaire de services");
        state.view = view;
    });
}

fn on_menu(id: &str) {
    let Some(action) = MenuAction::from_id(id) else {
        return;
    };
    let handles = TRAY.with(|t| {
        t.borrow()
            .as_ref()
            .map(|s| (s.home.clone(), s.auth.clone()))
    });
    let Some((home, auth)) = handles else { return };
    tracing::info!(entry = messages::menu_label(action), "menu de l'icône");
    match actions::perform(&home, action) {
        Ok(Effect::Quit) => quit(),
        Ok(Effect::RetryAuthentication) => auth.retry_now(),
        Ok(Effect::Done) => {}
        Err(e) => tracing::warn!(error = %e, "action du menu impossible"),
    }
}

/// A later start of the service asked for something: today, to open the centre.
fn on_request(request: &str) {
    let screen = request
        .strip_prefix("centre ")
        .unwrap_or(crate::service::screens::ACCUEIL);
    if let Err(e) = actions::spawn_centre(screen) {
        tracing::warn!(error = %e, "ouverture du centre impossible");
    }
}

#[cfg(target_os = "linux")]
fn quit() {
    tracing::info!("arrêt du gestionnaire de services");
    gtk::main_quit();
}

#[cfg(not(target_os = "linux"))]
fn quit() {}
