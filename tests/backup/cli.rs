//! `backup list|run|run-due|verify|restore` with the real binary.

use iea_maintenance::backup::Destination;
use iea_maintenance::service::persist::PersistedState;

use crate::{Install, archives, lose_a_year, text};

#[test]
fn list_run_verify_and_restore_from_the_command_line() {
    let install = Install::new(1_500);
    let folder = install.folder("Sauvegardes");
    install.add_script(
        "Quotidienne",
        5,
        Destination::Folder {
            path: folder.clone(),
        },
    );

    let o = install.cli(&["backup", "list"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("Quotidienne — prochaine exécution le "),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("jamais exécuté"), "{}", text(&o));

    let o = install.cli(&["backup", "run", "Quotidienne", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(json["outcome"], "ok");
    let name = json["archive"].as_str().expect("archive").to_owned();
    assert_eq!(archives(&folder), vec![name.clone()]);

    let o = install.cli(&["backup", "list", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(json["scripts"][0]["name"], "Quotidienne");
    assert_eq!(json["scripts"][0]["last_outcome"], "ok");
    assert_eq!(json["scripts"][0]["stale"], false);

    let o = install.cli(&["backup", "verify", "Quotidienne"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("vérifiée"), "{}", text(&o));

    let o = install.cli(&["backup", "run", "Inconnu"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("Aucun script de sauvegarde ne s'appelle « Inconnu »"),
        "{}",
        text(&o)
    );

    // A restore asks first; without a terminal it needs --yes.
    let before = install.payslips();
    lose_a_year(&install);
    let o = install.cli(&["backup", "restore", "--script", "Quotidienne", "--latest"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--yes"), "{}", text(&o));
    assert!(install.payslips() < before);
    let o = install.cli(&[
        "backup",
        "restore",
        "--script",
        "Quotidienne",
        "--latest",
        "--yes",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("s'est déroulée avec succès"),
        "{}",
        text(&o)
    );
    assert_eq!(install.payslips(), before);

    // A damaged backup is found by verify.
    let path = folder.join(&name);
    let mut bytes = std::fs::read(&path).expect("read");
    let at = bytes.len() / 3;
    bytes[at] ^= 0xFF;
    std::fs::write(&path, bytes).expect("write");
    let o = install.cli(&["backup", "verify", "--all"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("ÉCHEC"), "{}", text(&o));

    // From a file, with no script at all (a new computer with only the key).
    let o = install.cli(&[
        "backup",
        "restore",
        "--file",
        path.to_str().expect("utf-8"),
        "--yes",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}

#[test]
fn run_due_skips_in_assistance_mode_and_fails_when_a_run_fails() {
    let install = Install::new(300);
    let folder = install.folder("Sauvegardes");
    install.add_script(
        "Quotidienne",
        5,
        Destination::Folder {
            path: folder.clone(),
        },
    );
    iea_maintenance::backup::book::ScriptBook::modify(&install.home, |book| {
        let e = book.get_mut("Quotidienne").expect("script");
        e.script.start_date = chrono::Local::now().date_naive() - chrono::Duration::days(2);
        Ok(())
    })
    .expect("date");

    let mut state = PersistedState {
        assistance: true,
        ..PersistedState::default()
    };
    state.save(&install.home).expect("state");
    let o = install.cli(&["backup", "run-due"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("ATTENTION en mode assistance"),
        "{}",
        text(&o)
    );
    assert!(archives(&folder).is_empty());

    state.assistance = false;
    state.save(&install.home).expect("state");
    std::fs::remove_dir(&folder).expect("folder gone");
    let o = install.cli(&["backup", "run-due"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("Emplacement indisponible"),
        "{}",
        text(&o)
    );

    std::fs::create_dir(&folder).expect("folder back");
    let o = install.cli(&["backup", "run-due"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        archives(&folder).len(),
        1,
        "the waiting archive was delivered"
    );
}

#[test]
fn json_gives_the_reason_as_a_code_with_its_parameters_and_its_sentence() {
    let install = Install::new(100);
    let away = install.dir.path().join("Partage-absent");
    install.add_script("Quotidienne", 5, Destination::Folder { path: away.clone() });

    let o = install.cli(&["backup", "run", "Quotidienne", "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(json["outcome"], "echec");
    let reason = &json["reason"];
    assert_eq!(reason["code"], "kept_in_staging", "{reason}");
    assert_eq!(reason["params"]["fault"]["code"], "missing", "{reason}");
    assert_eq!(
        reason["params"]["fault"]["params"]["what"],
        away.display().to_string(),
        "{reason}"
    );
    assert_eq!(json["destination"]["code"], "folder", "{json}");
    assert_eq!(
        json["destination"]["text"],
        away.display().to_string(),
        "{json}"
    );
    let sentence = reason["text"].as_str().expect("text");
    assert!(
        sentence.starts_with("Emplacement indisponible"),
        "{sentence}"
    );
    assert!(sentence.contains("conservée sur ce poste"), "{sentence}");

    let o = install.cli(&["backup", "list", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let last = &json["scripts"][0]["last_reason"];
    assert_eq!(last["code"], "kept_in_staging", "{last}");
    assert_eq!(last["text"], sentence, "{last}");

    // The same sentence in the plain list.
    let o = install.cli(&["backup", "list"]);
    assert!(text(&o).contains(sentence), "{}", text(&o));
}
