//! Rules of the house that the compiler does not check: the domain never sees the
//! GUI. Only `src/ui/`, `src/tray/` and `src/main.rs` may name a GUI crate, and
//! only `src/ui/`, `src/tray/`, `src/cli/` and `src/main.rs` may name the centre
//! or the tray modules (`crate::ui`, `crate::tray`): everything else, `messages`
//! included, is used by the command line and the service, which never link them.

use std::path::{Path, PathBuf};

const GUI_CRATES: [&str; 9] = [
    "egui",
    "eframe",
    "egui_extras",
    "egui_kittest",
    "tray_icon",
    "gtk",
    "rfd",
    "winit",
    "muda",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("list src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Whether `line` names `krate` as a path root (`use gtk::…`, `gtk::init()`, `extern crate gtk`).
fn names_crate(line: &str, krate: &str) -> bool {
    let code = line.split("//").next().unwrap_or_default();
    code.match_indices(krate).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = &code[at + krate.len()..];
        let starts_path = before.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':'));
        starts_path
            && (after.starts_with("::")
                || (code.trim_start().starts_with("extern crate") && after.trim().starts_with(';')))
    })
}

#[test]
fn no_domain_module_imports_a_gui_crate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() > 10, "src/ looks empty: {files:?}");
    let mut offences = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&root).expect("under src");
        let allowed =
            rel.starts_with("ui") || rel.starts_with("tray") || rel == Path::new("main.rs");
        if allowed {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("read");
        for (n, line) in text.lines().enumerate() {
            for krate in GUI_CRATES {
                if names_crate(line, krate) {
                    offences.push(format!("src/{}:{}: {}", rel.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "GUI crates in the domain:\n{}",
        offences.join("\n")
    );
}

#[test]
fn the_detector_sees_what_it_must() {
    assert!(names_crate("use egui::Ui;", "egui"));
    assert!(names_crate("    gtk::init();", "gtk"));
    assert!(names_crate(
        "let x = tray_icon::Icon::from_rgba(..);",
        "tray_icon"
    ));
    assert!(names_crate("extern crate gtk;", "gtk"));
    assert!(!names_crate("// gtk::init() in a comment", "gtk"));
    assert!(!names_crate("use crate::messages;", "egui"));
    assert!(!names_crate("let legui = my_egui::x;", "egui"));
}

#[test]
fn messages_stay_free_of_gui_crates_too() {
    // messages is used by the command line, the service and the logs: plain text only.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/messages");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() > 3, "src/messages/ looks empty: {files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        for krate in GUI_CRATES {
            assert!(
                !text.lines().any(|l| names_crate(l, krate)),
                "{} names {krate}",
                file.display()
            );
        }
    }
}

/// The front-end modules the domain must not name.
const FRONT_ENDS: [&str; 2] = ["ui", "tray"];

/// The paths that lead to the crate's root from a file at `rel` (under `src/`):
/// `crate`, the library's name, and as many `super` as the file is deep.
fn roots_for(rel: &Path) -> Vec<String> {
    let mut depth = rel.components().count();
    if rel.file_name().is_some_and(|n| n == "mod.rs") {
        depth -= 1;
    }
    let mut roots = vec!["crate".to_owned(), "iea_maintenance".to_owned()];
    if depth >= 1 && rel != Path::new("lib.rs") && rel != Path::new("main.rs") {
        roots.push(vec!["super"; depth].join("::"));
    }
    roots
}

/// `code` without its `//` comments (doc comments included).
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The first line of `code` (comments removed) that names `crate::ui`,
/// `crate::tray` (or the same through another of `roots`), directly
/// (`crate::ui::ScreenId`, `use crate::tray;`) or in a group (`use crate::{ui, …}`,
/// over several lines too). `None` when there is none.
fn names_front_end(code: &str, roots: &[String]) -> Option<usize> {
    let code = without_comments(code);
    let line_of = |at: usize| code[..at].matches('\n').count() + 1;
    for root in roots {
        for (at, _) in code.match_indices(root.as_str()) {
            if code[..at]
                .chars()
                .next_back()
                .is_some_and(|c| is_ident(c) || c == ':')
            {
                continue;
            }
            let Some(rest) = code[at + root.len()..].trim_start().strip_prefix("::") else {
                continue;
            };
            let rest = rest.trim_start();
            if let Some(group) = rest.strip_prefix('{') {
                if group_names_front_end(group) {
                    return Some(line_of(at));
                }
            } else if FRONT_ENDS.iter().any(|fe| {
                rest.strip_prefix(fe)
                    .is_some_and(|after| !after.starts_with(is_ident))
            }) {
                return Some(line_of(at));
            }
        }
    }
    None
}

/// Whether the top level of a `{…}` group (its text after `{`) holds a
/// front-end module: `ui`, `tray::X`, `ui as gui`, `tray::{…}`.
fn group_names_front_end(group: &str) -> bool {
    let mut depth = 0usize;
    let mut item = String::new();
    for c in group.chars() {
        match c {
            '{' => {
                depth += 1;
                item.push(c);
            }
            '}' if depth == 0 => return item_is_front_end(&item),
            '}' => {
                depth -= 1;
                item.push(c);
            }
            ',' if depth == 0 => {
                if item_is_front_end(&item) {
                    return true;
                }
                item.clear();
            }
            _ => item.push(c),
        }
    }
    item_is_front_end(&item)
}

fn item_is_front_end(item: &str) -> bool {
    let item = item.trim();
    FRONT_ENDS.iter().any(|fe| {
        item.strip_prefix(fe)
            .is_some_and(|after| !after.starts_with(is_ident))
    })
}

#[test]
fn only_the_front_ends_name_the_centre_and_the_tray() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() > 10, "src/ looks empty: {files:?}");
    assert!(
        files.iter().any(|f| f.starts_with(root.join("messages"))),
        "messages/ must be checked too"
    );
    let mut offences = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&root).expect("under src");
        let allowed = rel.starts_with("ui")
            || rel.starts_with("tray")
            || rel.starts_with("cli")
            || rel == Path::new("main.rs");
        if allowed {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("read");
        if let Some(line) = names_front_end(&text, &roots_for(rel)) {
            let shown = text.lines().nth(line - 1).unwrap_or_default().trim();
            offences.push(format!("src/{}:{line}: {shown}", rel.display()));
        }
    }
    assert!(
        offences.is_empty(),
        "the domain names the centre or the tray:\n{}",
        offences.join("\n")
    );
}

#[test]
fn the_front_end_detector_sees_what_it_must() {
    let top = roots_for(Path::new("support.rs"));
    let deep = roots_for(Path::new("service/notify.rs"));
    let found = |code: &str, roots: &[String]| names_front_end(code, roots).is_some();
    assert!(found("use crate::ui::ScreenId;", &top));
    assert!(found(
        "let _ = spawn_centre(crate::ui::ScreenId::Sauvegardes.slug());",
        &deep
    ));
    assert!(found("use iea_maintenance::tray;", &top));
    assert!(found("use crate::{backup, ui};", &top));
    assert!(found(
        "use crate::{\n    backup::run,\n    tray::run as start,\n};",
        &top
    ));
    assert!(found("use crate::{ui::{ScreenId, app}, messages};", &top));
    assert!(found("use super::ui::ScreenId;", &top));
    assert!(found("use super::super::tray;", &deep));
    assert_eq!(
        names_front_end("//! The service.\n\nuse crate::ui;\n", &top),
        Some(3)
    );

    assert!(!found("// crate::ui::ScreenId in a comment", &top));
    assert!(!found("/// Opens [`crate::ui`] for the user.", &top));
    assert!(!found("use crate::messages;", &top));
    assert!(!found("use crate::ui_helpers::x;", &top));
    assert!(!found("use crate::backup::ui;", &top));
    assert!(!found("use crate::{backup::{ui, run}, messages};", &top));
    assert!(!found("use crate::service::state::tray_view;", &top));
    assert!(!found("let tray = crate::service::screens::ACCUEIL;", &top));
    assert!(
        !found("use super::ui::ScreenId;", &deep),
        "super of a nested module"
    );
}
