//! The command line end to end: the real binary on temporary `IEA_HOME`s.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_iea-maintenance");

fn run(home: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("IEA_HOME", home)
        .env("XDG_CONFIG_HOME", home.join("xdg-config"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("run the binary")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn status_json(home: &Path) -> (i32, serde_json::Value) {
    let o = run(home, &["status", "--json"]);
    let json = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("status --json is not JSON ({e}): {}", text(&o)));
    (o.status.code().expect("exit code"), json)
}

#[test]
fn help_is_in_french_and_bad_usage_exits_2() {
    let home = tempfile::tempdir().expect("home");
    let o = run(home.path(), &["--help"]);
    assert_eq!(o.status.code(), Some(0));
    let t = text(&o);
    for word in [
        "Utilisation",
        "Commandes",
        "centre",
        "demo",
        "status",
        "doctor",
        "Affiche cette aide",
    ] {
        assert!(t.contains(word), "help lacks {word}: {t}");
    }
    let o = run(home.path(), &["inconnue"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("commande inconnue"), "{}", text(&o));
    let o = run(home.path(), &["status", "--pas-une-option"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("option inconnue"), "{}", text(&o));
    let o = run(home.path(), &["centre", "--screen", "nulle-part"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("écran inconnu"), "{}", text(&o));
}

#[test]
fn status_without_a_store_fails_and_creates_nothing() {
    let home = tempfile::tempdir().expect("home");
    let (code, json) = status_json(home.path());
    assert_eq!(code, 1);
    assert_eq!(json["state"], "unknown");
    assert_eq!(json["assistance"], false);
    assert!(json["store"]["error"].is_string());
    assert!(json["store"]["schema_version"].is_null());
    let store = json["store"]["path"].as_str().expect("path");
    assert!(
        !Path::new(store).exists(),
        "status must never create a store"
    );
}

#[test]
fn demo_store_status_and_refusal_to_overwrite() {
    let home = tempfile::tempdir().expect("home");
    let o = run(home.path(), &["demo", "--payslips", "3000", "--seed", "7"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("Base de démonstration créée"));

    let (code, json) = status_json(home.path());
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(json["home"], home.path().to_string_lossy().as_ref());
    assert_eq!(
        json["store"]["schema_version"],
        iea_maintenance::store::SCHEMA_VERSION
    );
    assert_eq!(json["store"]["payslips"], 3000);
    assert!(json["store"]["dossiers"].as_u64().expect("dossiers") >= 2);
    assert!(json["store"]["size_bytes"].as_u64().expect("size") > 0);
    assert_eq!(json["state"], "unknown");

    // A second demo refuses to overwrite, and leaves the store as it was.
    let path = json["store"]["path"].as_str().expect("path").to_owned();
    let before = std::fs::read(&path).expect("store bytes");
    let o = run(home.path(), &["demo", "--payslips", "100"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("existe déjà"), "{}", text(&o));
    assert_eq!(std::fs::read(&path).expect("store bytes"), before);

    // --force replaces it.
    let o = run(home.path(), &["demo", "--payslips", "100", "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(status_json(home.path()).1["store"]["payslips"], 100);

    // The plain status speaks French.
    let o = run(home.path(), &["status"]);
    assert!(text(&o).contains("bulletins de salaire"), "{}", text(&o));
}

#[test]
fn doctor_explains_a_missing_store_and_passes_a_good_one() {
    let home = tempfile::tempdir().expect("home");
    let o = run(home.path(), &["doctor"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("introuvable"), "{}", text(&o));

    assert!(
        run(home.path(), &["demo", "--payslips", "500"])
            .status
            .success()
    );
    let o = run(home.path(), &["doctor", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(json["healthy"], true);
    assert!(
        json["diagnosis"]["checks"]
            .as_array()
            .expect("checks")
            .len()
            >= 5
    );
}

#[test]
fn a_bad_config_is_located_kept_and_can_be_reset() {
    let home = tempfile::tempdir().expect("home");
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        "[connection]\nmode = \"secure\"\nauth_url = \"http://impact-emploi.urssaf.fr:80\"\n",
    )
    .expect("write");
    let o = run(home.path(), &["config", "check"]);
    assert_eq!(o.status.code(), Some(1));
    let t = text(&o);
    assert!(
        t.contains('3') && t.contains("auth_url"),
        "line and key: {t}"
    );
    let o = run(home.path(), &["status"]);
    assert_eq!(o.status.code(), Some(1));
    // Never overwritten silently.
    assert!(
        std::fs::read_to_string(&config)
            .expect("read")
            .contains("http://")
    );

    let o = run(home.path(), &["config", "reset"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let copies: Vec<_> = std::fs::read_dir(home.path())
        .expect("list")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".sauvegarde"))
        .collect();
    assert_eq!(copies.len(), 1);
    assert!(
        std::fs::read_to_string(copies[0].path())
            .expect("copy")
            .contains("http://")
    );
    assert_eq!(
        run(home.path(), &["config", "check"]).status.code(),
        Some(0)
    );
}

#[test]
fn assistance_mode_shows_in_status() {
    let home = tempfile::tempdir().expect("home");
    assert!(
        run(home.path(), &["demo", "--payslips", "100"])
            .status
            .success()
    );
    std::fs::write(
        home.path().join("state.json"),
        r#"{"connection":{"state":"connected"},"assistance":true,"updated_at":null}"#,
    )
    .expect("state");
    let (code, json) = status_json(home.path());
    assert_eq!(code, 0);
    assert_eq!(json["state"], "assistance");
    assert_eq!(json["assistance"], true);
}

#[test]
fn autostart_entry_is_written_and_removed() {
    let home = tempfile::tempdir().expect("home");
    let entry = home
        .path()
        .join("xdg-config/autostart/iea-maintenance.desktop");
    let o = run(home.path(), &["autostart", "enable"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let content = std::fs::read_to_string(&entry).expect("entry");
    assert!(content.contains(BIN), "{content}");
    assert!(content.contains("IEA_HOME="), "{content}");
    assert!(text(&run(home.path(), &["autostart", "status"])).contains("activé"));
    assert_eq!(
        run(home.path(), &["autostart", "disable"]).status.code(),
        Some(0)
    );
    assert!(!entry.exists());
    assert!(text(&run(home.path(), &["autostart", "status"])).contains("désactivé"));
}

#[test]
fn the_service_without_a_desktop_says_so_in_french() {
    let home = tempfile::tempdir().expect("home");
    let o = run(home.path(), &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("Aucune session graphique"),
        "{}",
        text(&o)
    );
}

/// Regression: the audit log's actor was "utilisateur inconnu" whenever `USER`
/// was unset (a program started by a scheduler or `env -i`): it is the
/// operating system's account, as `id -un` says it.
#[test]
fn the_audit_names_the_system_account_without_user_in_the_environment() {
    let home = tempfile::tempdir().expect("home");
    let o = run(home.path(), &["demo", "--payslips", "200"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = Command::new(BIN)
        .args(["assistance", "enable", "--code", "00000000"])
        .env("IEA_HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("xdg-config"))
        .env_remove("USER")
        .env_remove("USERNAME")
        .env_remove("LOGNAME")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("run the binary");
    assert_eq!(o.status.code(), Some(1), "a wrong code: {}", text(&o));
    let id = Command::new("id").arg("-un").output().expect("id -un");
    let account = String::from_utf8_lossy(&id.stdout).trim().to_owned();
    assert!(!account.is_empty());
    let store = home.path().join("donnees").join("impact-emploi.iea");
    let conn =
        rusqlite::Connection::open_with_flags(&store, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("store");
    let actor: String = conn
        .query_row(
            "SELECT actor FROM audit_log WHERE action LIKE 'assistance.%' ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("the refused code is in the audit log");
    assert_eq!(actor, account);
}

/// Runs the binary with its standard output already closed by the reader, as
/// `… | head -c 10` leaves it once `head` has read enough.
fn run_with_closed_stdout(home: &Path, args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    Command::new(BIN)
        .args(args)
        .env("IEA_HOME", home)
        .env("XDG_CONFIG_HOME", home.join("xdg-config"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(std::process::Stdio::null())
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the binary")
        .wait_with_output()
        .expect("run the binary")
}

/// Regression: `exercises list --json | head -c 10` panicked ("failed printing
/// to stdout: Broken pipe") with a backtrace. Every command ends quietly when
/// its reader stops early, with the exit code of success, as ripgrep does.
#[test]
fn regression_a_reader_that_stops_early_ends_every_command_quietly() {
    let home = tempfile::tempdir().expect("home");
    assert!(
        run(home.path(), &["demo", "--payslips", "200"])
            .status
            .success()
    );
    for args in [
        &["exercises", "list", "--json"][..],
        &["exercises", "list"],
        &["status", "--json"],
        &["status"],
        &["doctor", "--json"],
        &["doctor"],
        &["sessions", "list", "--json"],
        &["sessions", "list"],
        &["backup", "list", "--json"],
        &["backup", "list"],
        &["config", "check"],
        &["autostart", "status"],
        &["assistance", "status"],
        &["--help"],
        &["--version"],
    ] {
        let o = run_with_closed_stdout(home.path(), args);
        let said = String::from_utf8_lossy(&o.stderr);
        assert!(!said.contains("panicked"), "{args:?}: {said}");
        assert!(!said.contains("Broken pipe"), "{args:?}: {said}");
        assert_eq!(o.status.code(), Some(0), "{args:?}: {said}");
    }
    // A failure whose JSON cannot be written keeps its exit code, quietly.
    let o = run_with_closed_stdout(
        home.path(),
        &["exercises", "list", "--dossier", "Inconnu", "--json"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
}

/// Regression: `demo --payslips 18446744073709551615` aborted the process.
/// Every number of the command line has bounds, and a value outside them is a
/// bad usage, said in French with the argument and its range.
#[test]
fn regression_numbers_out_of_range_are_refused_in_french() {
    let home = tempfile::tempdir().expect("home");
    let cases: [(&[&str], &str, &str); 5] = [
        (
            &["demo", "--payslips", "18446744073709551615"],
            "--payslips",
            "de 1 à 10\u{202f}000\u{202f}000",
        ),
        (&["demo", "--payslips", "0"], "--payslips", "de 1 à"),
        (
            &["demo", "--seed", "18446744073709551616"],
            "--seed",
            "de 0 à 18\u{202f}446\u{202f}744\u{202f}073\u{202f}709\u{202f}551\u{202f}615",
        ),
        (
            &[
                "close-year",
                "--dossier",
                "Asso",
                "--year",
                "99999",
                "--yes",
            ],
            "--year",
            "de 1\u{202f}900 à 2\u{202f}100",
        ),
        (&["sessions", "disconnect", "0"], "<NUMÉRO>", "de 1 à"),
    ];
    for (args, name, range) in cases {
        let o = run(home.path(), args);
        let said = text(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {said}");
        assert!(said.contains("valeur incorrecte"), "{args:?}: {said}");
        assert!(said.contains(name), "{args:?}: {said}");
        assert!(said.contains(range), "{args:?}: {said}");
        assert!(said.contains("nombre entier"), "{args:?}: {said}");
        assert!(!said.contains("panicked"), "{args:?}: {said}");
    }
    assert!(
        !home.path().join("donnees").exists(),
        "a refused demo creates nothing"
    );
}

#[test]
fn errors_are_json_with_json_and_explained_with_their_details_without() {
    let home = tempfile::tempdir().expect("home");
    // Text: the explanation, then its technical details.
    let o = run(home.path(), &["exercises", "list"]);
    assert_eq!(o.status.code(), Some(1));
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(said.starts_with("Base de données inaccessible"), "{said}");
    assert!(said.contains("Détails techniques :"), "{said}");
    assert!(o.stdout.is_empty());

    // JSON: one object on the standard output, the same five parts.
    let o = run(home.path(), &["exercises", "list", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&o)));
    let error = &json["error"];
    assert_eq!(error["title"], "Base de données inaccessible");
    for part in ["what", "why", "todo", "details"] {
        assert!(error[part].is_string(), "{part}: {json}");
    }
    assert!(!error["details"].as_str().unwrap_or_default().is_empty());

    assert!(
        run(home.path(), &["demo", "--payslips", "100"])
            .status
            .success()
    );
    // The dossier is looked up without regard to case; an unknown one is
    // named with the dossiers there are.
    let o = run(
        home.path(),
        &[
            "exercises",
            "list",
            "--dossier",
            "association les amis du théâtre",
            "--json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = run(
        home.path(),
        &["exercises", "list", "--dossier", "Inconnu", "--json"],
    );
    assert_eq!(o.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(json["error"]["title"], "Dossier introuvable");
    assert!(
        json["error"]["todo"]
            .as_str()
            .is_some_and(|t| t.contains("« Association Les Amis du Théâtre »")),
        "{json}"
    );

    // A bad usage is JSON too when JSON was asked for.
    let o = run(home.path(), &["status", "--json", "--pas-une-option"]);
    assert_eq!(o.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(
        json["error"]["what"]
            .as_str()
            .is_some_and(|w| w.contains("Option inconnue")),
        "{json}"
    );
    assert_eq!(json["error"]["title"], "Mauvaise utilisation");
}

#[test]
fn regression_help_follows_french_typography_in_every_command() {
    let home = tempfile::tempdir().expect("home");
    for args in [
        &["--help"][..],
        &["backup", "--help"][..],
        &["backup", "verify", "--help"][..],
        &["exercises", "list", "--help"][..],
        &["sessions", "disconnect", "--help"][..],
    ] {
        let o = run(home.path(), args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        let t = text(&o);
        assert!(t.contains("Utilisation : iea-maintenance"), "{args:?}: {t}");
        assert!(t.contains("Options :\n"), "{args:?}: {t}");
        for english in ["Usage:", "Commands:", "Options:", "Arguments:"] {
            assert!(!t.contains(english), "{args:?} says {english}: {t}");
        }
    }
    assert!(text(&run(home.path(), &["backup", "--help"])).contains("Commandes :\n"));
    assert!(
        text(&run(home.path(), &["backup", "verify", "--help"])).contains("Arguments :\n  [NOM]")
    );
    // Numbers carry their thousands separator, in help and in reports.
    assert!(text(&run(home.path(), &["demo", "--help"])).contains("(par défaut : 20\u{202f}000)"));
    let o = run(home.path(), &["demo", "--payslips", "1500"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("1\u{202f}500 bulletins de salaire"),
        "{}",
        text(&o)
    );
}

/// The subcommands listed under « Commandes : » in a help text.
fn subcommands(help: &str) -> Vec<String> {
    help.split("Commandes :\n")
        .nth(1)
        .map(|rest| {
            rest.lines()
                .take_while(|l| !l.trim().is_empty())
                .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
                .filter_map(|l| l.split_whitespace().next())
                .filter(|c| *c != "help")
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Regression: clap's own English (« [possible values: …] », « [default: …] »)
/// showed in the help of `queries run` and `users add`.
#[test]
fn regression_no_help_of_any_command_says_clap_s_english() {
    let home = tempfile::tempdir().expect("home");
    let mut todo: Vec<Vec<String>> = vec![vec![]];
    let mut seen = 0;
    while let Some(path) = todo.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let o = run(home.path(), &args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        let t = text(&o);
        for english in [
            "Usage:",
            "Commands:",
            "Options:",
            "Arguments:",
            "[default:",
            "[possible values:",
            "[aliases:",
            "[env:",
            "Print help",
        ] {
            assert!(!t.contains(english), "{args:?} says {english}: {t}");
        }
        seen += 1;
        for sub in subcommands(&t) {
            let mut next = path.clone();
            next.push(sub);
            todo.push(next);
        }
    }
    // Every command group and its commands were read, not only the top.
    assert!(seen > 60, "{seen} helps read");
}

#[test]
fn regression_status_in_text_says_the_connection_state_in_french() {
    let home = tempfile::tempdir().expect("home");
    let o = run(home.path(), &["demo", "--payslips", "3000"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = run(home.path(), &["status"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let t = text(&o);
    assert!(
        t.contains("Connexion : Connexion au serveur non vérifiée"),
        "{t}"
    );
    assert!(t.contains("3\u{202f}000 bulletins de salaire"), "{t}");
    assert!(!t.contains("unknown"), "{t}");

    for (state, line, key) in [
        (
            r#"{"state":"licence_refused","message":"Licence retirée"}"#,
            "Connexion : Licence non reconnue : consultation seulement",
            "licence_refused",
        ),
        (
            r#"{"state":"licence_duplicate","message":"Doublon"}"#,
            "Connexion : Licence identique sur 2 postes",
            "licence_duplicate",
        ),
    ] {
        std::fs::write(
            home.path().join("state.json"),
            format!(r#"{{"connection":{state},"assistance":false,"updated_at":null}}"#),
        )
        .expect("state");
        let t = text(&run(home.path(), &["status"]));
        assert!(t.contains(line), "{t}");
        assert!(!t.contains(key), "{t}");
        // The JSON keeps its key, for scripts.
        assert_eq!(status_json(home.path()).1["state"], key);
    }
    std::fs::write(
        home.path().join("state.json"),
        r#"{"connection":{"state":"connected"},"assistance":true,"updated_at":null}"#,
    )
    .expect("state");
    let t = text(&run(home.path(), &["status"]));
    assert!(t.contains("Connexion : Mode assistance"), "{t}");
}

#[test]
fn regression_the_first_command_creates_the_support_key_and_looking_creates_nothing() {
    use iea_maintenance::assistance::{AssistanceAction, code_for, display_code};
    use iea_maintenance::home::Home;
    use iea_maintenance::installation::{Installation, read_support_key};

    let home = tempfile::tempdir().expect("home");
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(home.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    // The commands that only look create nothing, not even an identity.
    for args in [
        &["status"][..],
        &["doctor"][..],
        &["config", "check"][..],
        &["backup", "list"][..],
        &["exercises", "list"][..],
    ] {
        run(home.path(), args);
        assert!(listing().is_empty(), "{args:?} created {:?}", listing());
    }

    // An installation used from the command line only: its first command that
    // writes creates the identity and the support key.
    let o = run(home.path(), &["backup", "run-due"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let h = Home::at(home.path());
    let installation = Installation::load(&h)
        .expect("readable")
        .expect("identity created");
    // What support's code generator reads, without creating anything.
    let key = read_support_key(&h).expect("support key created");

    // A later command keeps them, and a code support computes from them works.
    let o = run(home.path(), &["assistance", "status"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        Installation::load(&h).expect("readable").as_ref(),
        Some(&installation)
    );
    let code = display_code(&code_for(
        &key,
        AssistanceAction::Enable,
        &installation.installation_id,
        chrono::Local::now().date_naive(),
    ));
    let o = run(home.path(), &["assistance", "enable", "--code", &code]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}
