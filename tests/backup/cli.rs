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

/// When the script named `name` is postponed until, as the scripts file says.
fn postponed_until(install: &Install, name: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    iea_maintenance::backup::book::ScriptBook::load(&install.home)
        .expect("scripts")
        .get(name)
        .expect("script")
        .state
        .postponed_until
}

#[test]
fn regression_backups_are_postponed_and_resumed_from_the_command_line() {
    let install = Install::new(300);
    let folder = install.folder("Sauvegardes");
    for name in ["Quotidienne", "Hebdomadaire"] {
        install.add_script(
            name,
            5,
            Destination::Folder {
                path: folder.clone(),
            },
        );
    }

    let o = install.cli(&["backup", "postpone", "Quotidienne", "--days", "3"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("La sauvegarde automatique de « Quotidienne » est repoussée de 3 jours."),
        "{}",
        text(&o)
    );
    assert!(
        text(&o).contains("Quotidienne — prochaine exécution le "),
        "{}",
        text(&o)
    );
    let until = postponed_until(&install, "Quotidienne").expect("postponed");
    let ahead = until - chrono::Utc::now();
    assert!(
        ahead > chrono::Duration::days(2) && ahead <= chrono::Duration::days(4),
        "{ahead:?}"
    );
    assert_eq!(postponed_until(&install, "Hebdomadaire"), None);

    // A name no script has changes nothing, even beside a good one.
    let o = install.cli(&[
        "backup",
        "postpone",
        "Hebdomadaire",
        "Inconnu",
        "--days",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("Aucun script de sauvegarde ne s'appelle « Inconnu »"),
        "{}",
        text(&o)
    );
    assert_eq!(postponed_until(&install, "Hebdomadaire"), None);

    // Bad usage: neither names nor --all, or days out of range.
    for args in [
        &["backup", "postpone", "--days", "2"][..],
        &["backup", "postpone", "--all", "--days", "0"][..],
        &["backup", "postpone", "--all", "--days", "366"][..],
        &["backup", "postpone", "--all", "Quotidienne", "--days", "2"][..],
    ] {
        let o = install.cli(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
    }

    let o = install.cli(&["backup", "postpone", "--all", "--days", "2"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains(
            "Les sauvegardes automatiques de « Hebdomadaire » et « Quotidienne » sont repoussées de 2 jours."
        ),
        "{}",
        text(&o)
    );
    assert!(postponed_until(&install, "Hebdomadaire").is_some());
    assert!(
        postponed_until(&install, "Quotidienne") > Some(until),
        "postponing again adds"
    );
    // `backup list --json` shows it.
    let o = install.cli(&["backup", "list", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(json["scripts"][0]["postponed_until"].is_string(), "{json}");

    let o = install.cli(&["backup", "resume", "quotidienne"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("« Quotidienne » n'est plus repoussée"),
        "{}",
        text(&o)
    );
    assert_eq!(postponed_until(&install, "Quotidienne"), None);
    let o = install.cli(&["backup", "resume", "--all"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("« Hebdomadaire »"), "{}", text(&o));
    assert_eq!(postponed_until(&install, "Hebdomadaire"), None);
    let o = install.cli(&["backup", "resume", "--all"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("Aucune sauvegarde automatique n'était repoussée"),
        "{}",
        text(&o)
    );
}

/// The one JSON document a `--json` command wrote on its standard output.
fn json_of(o: &std::process::Output) -> serde_json::Value {
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(out.lines().count(), 1, "one line of JSON: {out}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(o)))
}

#[test]
fn regression_run_verify_and_run_due_answer_in_json_with_the_archive_sha256() {
    let install = Install::new(300);
    let folder = install.folder("Sauvegardes");
    install.add_script(
        "Quotidienne",
        5,
        Destination::Folder {
            path: folder.clone(),
        },
    );

    // backup run --json gives the archive's SHA-256, that of the file delivered.
    let o = install.cli(&["backup", "run", "Quotidienne", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let run = json_of(&o);
    let name = run["archive"].as_str().expect("archive");
    let sha = run["sha256"].as_str().expect("sha256");
    assert_eq!(sha.len(), 64, "{run}");
    assert_eq!(
        sha,
        iea_maintenance::backup::archive::sha256_file(&folder.join(name)).expect("hash")
    );

    // backup verify --json: each backup read back, and the verdict.
    let o = install.cli(&["backup", "verify", "--all", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v = json_of(&o);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["scripts"][0]["script"], "Quotidienne");
    assert_eq!(v["scripts"][0]["backups"][0]["name"], name);
    assert_eq!(v["scripts"][0]["backups"][0]["ok"], true);
    assert!(v["scripts"][0]["error"].is_null(), "{v}");
    let o = install.cli(&["backup", "verify", "Inconnu", "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v = json_of(&o);
    assert_eq!(v["ok"], false);
    assert!(v["scripts"][0]["error"]["title"].is_string(), "{v}");

    let path = folder.join(name);
    let mut bytes = std::fs::read(&path).expect("read");
    let at = bytes.len() / 3;
    bytes[at] ^= 0xFF;
    std::fs::write(&path, bytes).expect("write");
    let o = install.cli(&["backup", "verify", "Quotidienne", "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v = json_of(&o);
    assert_eq!(v["ok"], false);
    assert_eq!(v["scripts"][0]["backups"][0]["ok"], false);
    let problem = &v["scripts"][0]["backups"][0]["problem"];
    assert!(problem["text"].is_string(), "{v}");
    assert!(problem["code"].is_string(), "{v}");

    // backup run-due --json: nothing due, then a due script in assistance mode,
    // then run.
    let o = install.cli(&["backup", "run-due", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let due = json_of(&o);
    assert_eq!(due["runs"], serde_json::json!([]));
    assert_eq!(due["failed"], false);
    iea_maintenance::backup::book::ScriptBook::modify(&install.home, |book| {
        let e = book.get_mut("Quotidienne").expect("script");
        e.state.last_run_at = None;
        e.script.start_date = chrono::Local::now().date_naive() - chrono::Duration::days(2);
        Ok(())
    })
    .expect("due");
    let mut state = PersistedState {
        assistance: true,
        ..PersistedState::default()
    };
    state.save(&install.home).expect("state");
    let due = json_of(&install.cli(&["backup", "run-due", "--json"]));
    assert_eq!(
        due["skipped_for_assistance"],
        serde_json::json!(["Quotidienne"])
    );
    state.assistance = false;
    state.save(&install.home).expect("state");
    let o = install.cli(&["backup", "run-due", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let due = json_of(&o);
    assert_eq!(due["runs"][0]["script"], "Quotidienne", "{due}");
    assert_eq!(due["runs"][0]["trigger"], "automatique");
    assert_eq!(due["runs"][0]["outcome"], "ok");
    assert_eq!(due["runs"][0]["sha256"].as_str().map(str::len), Some(64));
}

#[test]
fn regression_backup_check_names_the_line_the_key_and_what_is_wrong() {
    let install = Install::new(100);
    let path = iea_maintenance::backup::book::ScriptBook::path(&install.home);
    let o = install.cli(&["backup", "check"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("n'existe pas encore"), "{}", text(&o));
    assert!(!path.exists(), "checking creates nothing");

    install.add_script(
        "Quotidienne",
        5,
        Destination::Folder {
            path: install.folder("Sauvegardes"),
        },
    );
    let o = install.cli(&["backup", "check"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("fichier correct, 1 script de sauvegarde"),
        "{}",
        text(&o)
    );

    let good = std::fs::read_to_string(&path).expect("scripts file");
    let line_of = |text: &str, start: &str| {
        text.lines()
            .position(|l| l.starts_with(start))
            .expect("line")
            + 1
    };
    let cases = [
        (
            good.replace("time = \"23:00:00\"", "time = \"25:99\""),
            "time",
            "il faut une heure écrite HH:MM:SS",
        ),
        (
            good.replace("unit = \"jours\"", "unit = \"quinzaine\""),
            "unit",
            "il faut \"jours\", \"semaines\" ou \"mois\"",
        ),
        (good.replace("keep = 5\n", ""), "keep", "cette clé manque"),
    ];
    for (bad, key, what) in cases {
        assert_ne!(bad, good, "{key}: the case changes the file");
        std::fs::write(&path, &bad).expect("write");
        let o = install.cli(&["backup", "check"]);
        let said = text(&o);
        assert_eq!(o.status.code(), Some(1), "{said}");
        let line = if key == "keep" {
            // A missing key is reported at its script's table.
            line_of(&bad, "[[script]]")
        } else {
            line_of(&bad, &format!("{key} ="))
        };
        assert!(
            said.contains(&format!("à la ligne {line}, clé « {key} » : {what}")),
            "{key}: {said}"
        );
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            bad,
            "a bad file is never replaced"
        );
    }
}

/// Runs the binary on `install` with `input` on its standard input.
fn cli_with_input(install: &Install, args: &[&str], input: &str) -> std::process::Output {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let mut child = Command::new(crate::BIN)
        .args(args)
        .env("IEA_HOME", install.home.root())
        .env("XDG_CONFIG_HOME", install.dir.path().join("xdg-config"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

fn book(install: &Install) -> iea_maintenance::backup::book::ScriptBook {
    iea_maintenance::backup::book::ScriptBook::load(&install.home).expect("scripts")
}

/// The FTP password stored for the script `name`, decrypted.
fn stored_password(install: &Install, name: &str) -> Option<String> {
    let book = book(install);
    let Destination::Ftp(settings) = &book.get(name).expect("script").script.destination else {
        panic!("an FTP script");
    };
    iea_maintenance::secrets::reveal(&install.home, settings.password_encrypted.as_deref())
        .expect("decrypt")
}

#[test]
fn regression_backup_scripts_are_added_modified_and_removed_from_the_command_line() {
    use iea_maintenance::backup::{FrequencyUnit, FtpSecurity};

    let install = Install::new(200);
    let folder = install.folder("Sauvegardes");
    let folder_arg = folder.to_str().expect("utf-8");

    // The form's rules and messages, every refused value at once; nothing saved.
    let o = install.cli(&[
        "backup",
        "add",
        "Hebdo",
        "--folder",
        "relatif",
        "--keep",
        "0",
        "--at",
        "25:00",
        "--from",
        "31/02/2026",
    ]);
    let said = text(&o);
    assert_eq!(o.status.code(), Some(2), "{said}");
    assert!(said.contains("Rien n'a été enregistré"), "{said}");
    for line in [
        "Nombre de sauvegardes à conserver (--keep) : Entre 1 et 99.",
        "Heure (--at) : Heure attendue au format HH:MM.",
        "À partir du (--from) : Date attendue au format JJ/MM/AAAA.",
        "Dossier de sauvegarde (--folder) : Indiquez un chemin complet",
    ] {
        assert!(said.contains(line), "{line}: {said}");
    }
    assert!(book(&install).entries.is_empty());
    // No destination at all.
    let o = install.cli(&["backup", "add", "Hebdo"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--folder DOSSIER"), "{}", text(&o));

    let o = install.cli(&[
        "backup",
        "add",
        "Hebdo",
        "--folder",
        folder_arg,
        "--every",
        "2",
        "--unit",
        "semaines",
        "--at",
        "22h30",
        "--keep",
        "7",
        "--from",
        "01/06/2026",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("Le script « Hebdo » a été créé."),
        "{}",
        text(&o)
    );
    let script = book(&install).get("Hebdo").expect("saved").script.clone();
    assert_eq!(
        (script.frequency.every, script.frequency.unit, script.keep),
        (2, FrequencyUnit::Semaines, 7)
    );
    assert_eq!(script.time.to_string(), "22:30:00");
    assert_eq!(script.start_date.to_string(), "2026-06-01");
    assert!(script.enabled);
    // It works: a backup now.
    let o = install.cli(&["backup", "run", "Hebdo", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(archives(&folder).len(), 1);

    // Names are unique, case aside.
    let o = install.cli(&["backup", "add", "HEBDO", "--folder", folder_arg]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("Nom du script (NOM) : Un autre script porte déjà ce nom."),
        "{}",
        text(&o)
    );

    // An FTP site: the password is never an argument. Without a terminal it
    // must come from the standard input.
    let ftp = [
        "backup",
        "add",
        "Distante",
        "--ftp",
        "ftp.asso.fr",
        "--ftp-user",
        "paie",
        "--ftp-folder",
        "/sauvegardes",
    ];
    let o = install.cli(&ftp);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--password-stdin"), "{}", text(&o));
    assert!(book(&install).get("Distante").is_none());
    let mut with_stdin = ftp.to_vec();
    with_stdin.push("--password-stdin");
    let o = cli_with_input(&install, &with_stdin, "S3cret !\n");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!text(&o).contains("S3cret"), "{}", text(&o));
    let file = std::fs::read_to_string(iea_maintenance::backup::book::ScriptBook::path(
        &install.home,
    ))
    .expect("file");
    assert!(!file.contains("S3cret"), "{file}");
    assert_eq!(
        stored_password(&install, "Distante").as_deref(),
        Some("S3cret !")
    );

    // A change touches only what is given; the password stays.
    let o = install.cli(&[
        "backup",
        "modify",
        "distante",
        "--ftp-security",
        "implicite",
        "--keep",
        "9",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("Le script « Distante » a été enregistré."),
        "{}",
        text(&o)
    );
    let Destination::Ftp(settings) = book(&install)
        .get("Distante")
        .expect("script")
        .script
        .destination
        .clone()
    else {
        panic!("ftp");
    };
    assert_eq!(
        (settings.security, settings.port),
        (FtpSecurity::Implicit, 990)
    );
    assert_eq!(settings.folder, "/sauvegardes");
    assert_eq!(
        stored_password(&install, "Distante").as_deref(),
        Some("S3cret !")
    );
    let o = cli_with_input(
        &install,
        &["backup", "modify", "Distante", "--password-stdin"],
        "Nouveau-Secret\n",
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        stored_password(&install, "Distante").as_deref(),
        Some("Nouveau-Secret")
    );
    // FTP options on a folder script, a bad value: refused, nothing changed.
    let before = book(&install);
    for args in [
        &["backup", "modify", "Hebdo", "--ftp-user", "x"][..],
        &["backup", "modify", "Hebdo", "--every", "100"][..],
    ] {
        let o = install.cli(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
    }
    assert_eq!(book(&install), before);
    // Renamed: its state stays with it.
    let o = install.cli(&["backup", "modify", "Hebdo", "--name", "Hebdomadaire"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let entry = book(&install)
        .get("Hebdomadaire")
        .cloned()
        .expect("renamed");
    assert!(entry.state.last_good_at.is_some(), "{entry:?}");
    let o = install.cli(&["backup", "modify", "Inconnu", "--keep", "3"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));

    // Removing asks « oui »; the backups already made stay, and it says so.
    let o = install.cli(&["backup", "remove", "Hebdomadaire"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--yes"), "{}", text(&o));
    let o = install.cli(&["backup", "remove", "Hebdomadaire", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("Les sauvegardes qu'il a faites sont conservées"),
        "{}",
        text(&o)
    );
    assert!(book(&install).get("Hebdomadaire").is_none());
    assert_eq!(archives(&folder).len(), 1, "the backup made is kept");
    let o = install.cli(&["backup", "remove", "Hebdomadaire", "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}

#[test]
fn regression_the_ftp_password_typed_on_a_terminal_is_not_shown() {
    use std::io::{Read as _, Write as _};
    use std::process::{Command, Stdio};
    use std::sync::{Arc, Mutex};

    // util-linux's `script` gives the program a terminal of its own.
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("`script` (util-linux) is missing: test skipped");
        return;
    }
    let install = Install::new(100);
    let command = format!(
        "{} backup add Distante --ftp ftp.asso.fr --ftp-user paie",
        crate::BIN
    );
    let mut child = Command::new("script")
        .args(["-qfec", &command, "/dev/null"])
        .env("IEA_HOME", install.home.root())
        .env_remove("DISPLAY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let reader = {
        let seen = Arc::clone(&seen);
        let mut out = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            let mut buf = [0u8; 256];
            while let Ok(n) = out.read(&mut buf) {
                if n == 0 {
                    break;
                }
                seen.lock().expect("lock").extend_from_slice(&buf[..n]);
            }
        })
    };
    let shown = || String::from_utf8_lossy(&seen.lock().expect("lock")).into_owned();
    // Type only once the prompt is there, as a person would (the terminal
    // echoes what comes before).
    let deadline = std::time::Instant::now() + std::time::Duration::from_mins(1);
    while !shown().contains("rien ne s'affiche") {
        assert!(
            std::time::Instant::now() < deadline,
            "no prompt: {}",
            shown()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // The prompt comes just before the echo is switched off.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"Tape-Au-Clavier\n").expect("type");
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("no end after typing: {}", shown());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    drop(stdin);
    reader.join().expect("reader");
    let shown = shown();
    assert!(status.success(), "{shown}");
    assert!(
        shown.contains("Le script « Distante » a été créé."),
        "{shown}"
    );
    assert!(
        !shown.contains("Tape-Au-Clavier"),
        "the password was shown: {shown}"
    );
    assert_eq!(
        stored_password(&install, "Distante").as_deref(),
        Some("Tape-Au-Clavier")
    );
}
