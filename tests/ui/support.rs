//! Helpers shared by the screen tests (`tests/ui/*.rs`): a temporary `IEA_HOME`
//! with a real store holding known payroll rows, and a harness that runs the whole
//! centre — shell, navigation and screens — until its background work is done.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use iea_maintenance::config::Config;
use iea_maintenance::home::Home;
use iea_maintenance::store::Store;
use iea_maintenance::ui::{CentreApp, ScreenId};

/// The window size of every test, frozen so that snapshots compare.
pub const WINDOW: [f32; 2] = [1000.0, 700.0];

/// The folder the snapshots show their installations in, the same at every run.
pub const SHOWN_ROOT: &str = "/tmp/iea-instantanes";

/// A workstation of its own: an `IEA_HOME` removed at the end of the test.
pub struct Workstation {
    /// Keeps the folder alive; removed with it.
    _dir: tempfile::TempDir,
    /// The installation.
    pub home: Home,
    /// For a snapshot: the run's own folder, and the fixed folder the centre
    /// shows it as.
    shown_as: Option<(PathBuf, PathBuf)>,
}

impl Workstation {
    /// The active store path of the default configuration.
    pub fn store_path(&self) -> PathBuf {
        self.home.default_store_path()
    }

    /// `path` as the centre shows it (and as a person types it) on this
    /// workstation: under [`SHOWN_ROOT`] for a snapshot's.
    pub fn shown(&self, path: &Path) -> String {
        match &self.shown_as {
            Some((actual, shown)) => match path.strip_prefix(actual) {
                Ok(rest) => shown.join(rest).display().to_string(),
                Err(_) => path.display().to_string(),
            },
            None => path.display().to_string(),
        }
    }
}

/// A new `IEA_HOME` in a temporary folder, its standard folders created.
pub fn workstation() -> Workstation {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = Home::at(dir.path());
    home.ensure().expect("ensure");
    Workstation {
        _dir: dir,
        home,
        shown_as: None,
    }
}

/// An `IEA_HOME` for a snapshot, `<run>/<name>`: the run's folder is its own
/// (`/tmp/iea-instantanes-XXXXXX`, removed at the end), so that two runs on one
/// machine never meet, and the centre shows it as [`SHOWN_ROOT`], so that the
/// paths on the pictures are the same at every run. It sits at the same depth
/// as the folder shown: a diagnosis lists as many parent folders.
pub fn fixed_workstation(name: &str) -> Workstation {
    let run = tempfile::Builder::new()
        .prefix("iea-instantanes-")
        .tempdir_in("/tmp")
        .expect("run folder");
    let root = run.path().join(name);
    std::fs::create_dir_all(&root).expect("root");
    let home = Home::at(&root);
    home.ensure().expect("ensure");
    Workstation {
        shown_as: Some((run.path().to_path_buf(), PathBuf::from(SHOWN_ROOT))),
        _dir: run,
        home,
    }
}

/// The centre of `ws`, showing `screen` first, its paths shown as the
/// workstation shows them.
pub fn centre_app(ws: &Workstation, screen: ScreenId) -> CentreApp {
    let mut app = CentreApp::new(ws.home.clone(), screen);
    if let Some((actual, shown)) = &ws.shown_as {
        app.show_paths_as(actual, shown);
    }
    app
}

/// What [`fill_payroll`] wrote.
pub struct Expected {
    /// Dossier names.
    pub dossiers: [&'static str; 2],
}

/// Creates the default store of `ws` with [`fill_payroll`]'s rows.
pub fn store_with_payroll(ws: &Workstation) -> PathBuf {
    let path = ws.store_path();
    std::fs::create_dir_all(path.parent().expect("parent")).expect("folder");
    let store = Store::create(&path).expect("create");
    fill_payroll(&store);
    path
}

/// Two dossiers with known counts:
/// - "Association Les Amis du Quartier", production: employers 1 active of 2,
///   3 employees, 12 payslips from 11/2023 to 06/2024;
/// - "Club de foot Essai", simulation, archived: 1 of 1, 1 employee, 1 payslip
///   in 01/2024.
///
/// Totals: 2 of 3 employers active, 4 employees, 13 payslips.
pub fn fill_payroll(store: &Store) -> Expected {
    let c = store.connection();
    c.execute_batch(
        "INSERT INTO dossiers (id, name, state, archived, created_at) VALUES
            (1, 'Association Les Amis du Quartier', 'production', 0, '2023-01-10'),
            (2, 'Club de foot Essai', 'simulation', 1, '2023-06-01');
         INSERT INTO employers (id, dossier_id, siret, name, ccn_code, archived) VALUES
            (1, 1, '73282932000074', 'Les Amis du Quartier', '1518', 0),
            (2, 1, '73282932000082', 'Les Amis – ancien établissement', '1518', 1),
            (3, 2, '44306184100047', 'Club de foot Essai', '2511', 0);
         INSERT INTO employees (id, employer_id, nir, last_name, first_name, birth_date) VALUES
            (1, 1, '284037512345678', 'Dupont', 'Marie', '1984-03-02'),
            (2, 1, '190017512345612', 'Martin', 'Paul', '1990-01-15'),
            (3, 2, '275067512345699', 'Durand', 'Anne', '1975-06-20'),
            (4, 3, '198127512345633', 'Petit', 'Luc', '1998-12-01');
         INSERT INTO contracts (id, employer_id, employee_id, kind, start_date, weekly_hours_centi) VALUES
            (1, 1, 1, 'CDI', '2023-01-01', 3500),
            (2, 1, 2, 'CDD', '2024-03-01', 2000),
            (3, 2, 3, 'CDI', '2020-09-01', 3500),
            (4, 3, 4, 'CUI', '2024-01-01', 2400);",
    )
    .expect("rows");
    let mut slips: Vec<(i64, i64, i64, String)> = Vec::new();
    for m in 1..=6 {
        slips.push((1, 1, 1, format!("2024-{m:02}")));
    }
    for m in 3..=6 {
        slips.push((1, 2, 2, format!("2024-{m:02}")));
    }
    slips.push((2, 3, 3, "2023-11".to_owned()));
    slips.push((2, 3, 3, "2023-12".to_owned()));
    slips.push((3, 4, 4, "2024-01".to_owned()));
    for (employer, employee, contract, period) in slips {
        c.execute(
            "INSERT INTO payslips (employer_id, employee_id, contract_id, period, gross_cents,
                employee_contrib_cents, employer_contrib_cents, net_cents, pas_cents, hours_centi)
             VALUES (?1, ?2, ?3, ?4, 200000, 44000, 60000, 156000, 0, 15167)",
            (employer, employee, contract, period),
        )
        .expect("payslip");
    }
    Expected {
        dossiers: ["Association Les Amis du Quartier", "Club de foot Essai"],
    }
}

/// Writes a configuration whose active store is `store`.
pub fn use_store(ws: &Workstation, store: &Path) -> Config {
    let mut config = Config::load(&ws.home).expect("config");
    config.set_active_store(store);
    config.save(&ws.home).expect("save");
    config
}

/// The whole centre in a harness of the frozen window size, showing `screen`,
/// already settled.
pub fn centre(ws: &Workstation, screen: ScreenId) -> Harness<'static, CentreApp> {
    let app = centre_app(ws, screen);
    let mut harness = Harness::builder()
        .with_size(WINDOW)
        .with_theme(eframe::egui::Theme::Light)
        .build_ui_state(|ui, app: &mut CentreApp| app.frame_ui(ui), app);
    settle(&mut harness);
    harness
}

/// Runs frames until the centre has no background work left and the ui is still.
pub fn settle(harness: &mut Harness<'_, CentreApp>) {
    let deadline = Instant::now() + Duration::from_mins(1);
    loop {
        harness.step();
        if !harness.state().is_busy() && harness.run_ok().is_some() && !harness.state().is_busy() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the centre's background work did not finish"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Clicks the button named `label` (exactly) and settles.
pub fn click(harness: &mut Harness<'_, CentreApp>, label: &str) {
    harness
        .get_by_role_and_label(eframe::egui::Role::Button, label)
        .click();
    settle(harness);
}

/// Replaces the text of the field named `label` and settles.
pub fn set_field(harness: &mut Harness<'_, CentreApp>, label: &str, text: &str) {
    harness
        .get_by_role_and_label(eframe::egui::Role::TextInput, label)
        .set_text_value_accesskit(text);
    settle(harness);
}

/// Whether some node is labelled exactly `label`.
pub fn shows(harness: &Harness<'_, CentreApp>, label: &str) -> bool {
    harness.query_all_by_label(label).next().is_some()
}

/// Whether some node's label contains `part`.
pub fn shows_part(harness: &Harness<'_, CentreApp>, part: &str) -> bool {
    harness.query_all_by_label_contains(part).next().is_some()
}

/// Whether the button named `label` is disabled.
pub fn is_disabled(harness: &Harness<'_, CentreApp>, label: &str) -> bool {
    harness
        .get_by_role_and_label(eframe::egui::Role::Button, label)
        .accesskit_node()
        .is_disabled()
}

/// Takes a snapshot named `name` without the mouse cursor in it.
pub fn snapshot(harness: &mut Harness<'_, CentreApp>, name: &str) {
    harness.remove_cursor();
    harness.run_ok();
    harness.snapshot(name);
}

/// Scrolls the button named `label` (exactly) into view, clicks it and settles:
/// for the long forms whose buttons may sit below the fold.
pub fn click_in_view(harness: &mut Harness<'_, CentreApp>, label: &str) {
    harness
        .get_by_role_and_label(eframe::egui::Role::Button, label)
        .scroll_to_me();
    harness.run_ok();
    click(harness, label);
}

/// Clicks the button named `label` and runs the frames of the click only, then
/// returns the text the centre put on the clipboard in the last of them.
pub fn click_and_read_clipboard(
    harness: &mut Harness<'_, CentreApp>,
    label: &str,
) -> Option<String> {
    harness
        .get_by_role_and_label(eframe::egui::Role::Button, label)
        .scroll_to_me();
    harness.run_ok();
    harness
        .get_by_role_and_label(eframe::egui::Role::Button, label)
        .click();
    harness.step();
    let copied = harness
        .output()
        .platform_output
        .commands
        .iter()
        .find_map(|c| match c {
            eframe::egui::OutputCommand::CopyText(text) => Some(text.clone()),
            _ => None,
        });
    settle(harness);
    copied
}

/// Whether the radio button named `label` is the one chosen.
pub fn is_checked(harness: &Harness<'_, CentreApp>, label: &str) -> bool {
    harness
        .get_by_role_and_label(eframe::egui::Role::RadioButton, label)
        .accesskit_node()
        .toggled()
        .is_some_and(|t| t == eframe::egui::accesskit::Toggled::True)
}

/// Replaces the text of the field of `role` named `label` (a password field, a
/// multiline field) and settles.
pub fn set_text(
    harness: &mut Harness<'_, CentreApp>,
    role: eframe::egui::Role,
    label: &str,
    text: &str,
) {
    harness
        .get_by_role_and_label(role, label)
        .set_text_value_accesskit(text);
    settle(harness);
}

/// Clicks the link named `label` (exactly) and settles.
pub fn click_link(harness: &mut Harness<'_, CentreApp>, label: &str) {
    harness
        .get_by_role_and_label(eframe::egui::Role::Link, label)
        .scroll_to_me();
    harness.run_ok();
    harness
        .get_by_role_and_label(eframe::egui::Role::Link, label)
        .click();
    settle(harness);
}
