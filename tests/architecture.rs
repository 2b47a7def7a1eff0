//! Rules of the house that the compiler does not check: the domain never sees the
//! GUI. Only `src/ui/`, `src/tray/` and `src/main.rs` may name a GUI crate.

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
