//! Assistance mode end to end: support's code generator (the real
//! `assistance-code` program, built by `cargo build --examples`, which
//! `.ci/run` does) prints a code from a copy of the installation's data
//! folder, and the library accepts it on the workstation.
//!
//! When the program has not been built (for example `cargo test --test
//! assistance` alone), the tests that need it fail and say how to build it:
//! a test that passes without doing its work would prove nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::{DateTime, Local, NaiveDate, TimeZone as _};
use iea_maintenance::assistance::{self, AssistanceError, AssistanceOutcome};
use iea_maintenance::home::Home;
use iea_maintenance::installation::{self, Installation};
use iea_maintenance::service::persist::PersistedState;

/// `target/<profile>/examples/assistance-code`, beside the folder of this
/// test; fails the test when it is missing.
fn generator() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile> above the test executable");
    let path = profile_dir
        .join("examples")
        .join(format!("assistance-code{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "le générateur de codes du support est introuvable ({}) : construisez-le avec \
         `cargo build --examples` (`.ci/run` le fait) avant de lancer ces tests",
        path.display()
    );
    path
}

fn run(program: &Path, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .env_remove("IEA_HOME")
        .output()
        .expect("run assistance-code")
}

/// The code printed on the standard output, checked to read "1234 5678".
fn printed_code(out: &Output) -> String {
    assert!(
        out.status.success(),
        "assistance-code failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout.clone()).expect("utf-8");
    let code = stdout.trim_end_matches('\n');
    let shape_ok = code.len() == 9
        && code
            .char_indices()
            .all(|(i, c)| if i == 4 { c == ' ' } else { c.is_ascii_digit() });
    assert!(shape_ok, "unexpected output: {stdout:?}");
    code.to_owned()
}

fn noon(date: NaiveDate) -> DateTime<Local> {
    Local
        .from_local_datetime(&date.and_hms_opt(12, 0, 0).expect("noon"))
        .single()
        .expect("unambiguous")
}

fn workstation() -> (tempfile::TempDir, Home) {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = Home::at(dir.path());
    home.ensure().expect("ensure");
    Installation::load_or_create(&home).expect("installation");
    installation::support_key(&home).expect("support key");
    (dir, home)
}

#[test]
fn support_codes_switch_assistance_mode_on_and_off() {
    let program = generator();
    let (dir, home) = workstation();
    let root = dir.path().to_str().expect("utf-8 path");
    let day = NaiveDate::from_ymd_opt(2026, 3, 10).expect("date");

    let enable_code = printed_code(&run(
        &program,
        &["--home", root, "enable", "--date", "2026-03-10"],
    ));
    // Same answer with the French word and the same date: the code is a function
    // of the installation, the action and the date only.
    assert_eq!(
        printed_code(&run(
            &program,
            &["--home", root, "activer", "--date", "2026-03-10"]
        )),
        enable_code
    );
    // Yesterday's code works today.
    let yesterday_code = printed_code(&run(
        &program,
        &["--home", root, "enable", "--date", "2026-03-09"],
    ));
    assert_ne!(yesterday_code, enable_code);
    let outcome = assistance::enable(&home, &yesterday_code, noon(day)).expect("enable");
    assert_eq!(outcome, AssistanceOutcome::Enabled);
    assert!(PersistedState::load(&home).assistance);

    // The enable code does not disable; the disable code does.
    assert!(matches!(
        assistance::disable(&home, &enable_code, noon(day)),
        Err(AssistanceError::WrongCode { .. })
    ));
    let disable_code = printed_code(&run(
        &program,
        &["--home", root, "disable", "--date", "2026-03-10"],
    ));
    let outcome =
        assistance::disable(&home, &disable_code.replace(' ', "-"), noon(day)).expect("disable");
    assert_eq!(outcome, AssistanceOutcome::Disabled);
    assert!(!PersistedState::load(&home).assistance);

    // A code from the day before yesterday is refused.
    let old_code = printed_code(&run(
        &program,
        &["--home", root, "enable", "--date", "2026-03-08"],
    ));
    assert!(matches!(
        assistance::enable(&home, &old_code, noon(day)),
        Err(AssistanceError::WrongCode { .. })
    ));
}

#[test]
fn the_generator_creates_nothing_and_explains_in_french() {
    let program = generator();
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().to_str().expect("utf-8 path");
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };

    // No installation at all.
    let out = run(&program, &["--home", root, "enable"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("installation.toml"));
    assert!(listing().is_empty(), "created: {:?}", listing());

    // An installation without its support key.
    let home = Home::at(dir.path());
    Installation::load_or_create(&home).expect("installation");
    let out = run(&program, &["--home", root, "disable"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Clé d'assistance absente"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(listing(), ["installation.toml"]);

    // Usage mistakes: exit status 2 and the usage in French.
    for args in [
        &["--home", root][..],
        &["--home", root, "enable", "--date", "10/03/2026"][..],
        &["enable"][..],
        &["--home", root, "ouvrir"][..],
    ] {
        let out = run(&program, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("Usage : assistance-code"),
            "{args:?}"
        );
    }
}
