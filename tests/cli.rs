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
