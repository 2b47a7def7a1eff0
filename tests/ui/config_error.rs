//! An invalid `config.toml`: the centre says which file, line and setting, lets the
//! user retry after fixing it by hand, or — after a confirmation — keeps a dated
//! copy and goes back to the defaults, saying where the copy is.

use crate::support::{
    centre, click, fixed_workstation, shows, shows_part, store_with_payroll, workstation,
};
use iea_maintenance::config::Config;
use iea_maintenance::ui::ScreenId;

const BAD: &str =
    "[connection]\nmode = \"secure\"\nauth_ulr = \"https://impact-emploi.urssaf.fr\"\n";

#[test]
fn an_unknown_key_is_named_with_its_line() {
    let ws = workstation();
    store_with_payroll(&ws);
    std::fs::write(ws.home.config_file(), BAD).expect("write");
    let harness = centre(&ws, ScreenId::Accueil);
    assert!(shows(&harness, "Fichier de configuration incorrect"));
    assert!(shows_part(&harness, "Ligne 3"));
    assert!(shows_part(&harness, "auth_ulr"));
    assert!(shows(
        &harness,
        &ws.home.config_file().display().to_string()
    ));
    assert!(!shows(&harness, "Base de données active"));
    assert_eq!(
        std::fs::read_to_string(ws.home.config_file()).expect("read"),
        BAD
    );
}

#[test]
fn reessayer_reads_the_fixed_file() {
    let ws = workstation();
    store_with_payroll(&ws);
    std::fs::write(ws.home.config_file(), BAD).expect("write");
    let mut harness = centre(&ws, ScreenId::Accueil);
    std::fs::write(ws.home.config_file(), BAD.replace("auth_ulr", "auth_url")).expect("fix");
    click(&mut harness, "Réessayer");
    assert!(!shows(&harness, "Fichier de configuration incorrect"));
    assert!(shows(&harness, "Base de données active"));
    assert!(shows(&harness, "13"));
}

#[test]
fn reset_keeps_a_copy_after_confirmation() {
    let ws = workstation();
    store_with_payroll(&ws);
    std::fs::write(ws.home.config_file(), BAD).expect("write");
    let mut harness = centre(&ws, ScreenId::Accueil);

    click(
        &mut harness,
        "Conserver une copie et rétablir les valeurs par défaut",
    );
    assert!(shows(&harness, "Rétablir les valeurs par défaut ?"));
    click(&mut harness, "Annuler");
    assert_eq!(
        std::fs::read_to_string(ws.home.config_file()).expect("read"),
        BAD,
        "nothing changes without confirmation"
    );

    click(
        &mut harness,
        "Conserver une copie et rétablir les valeurs par défaut",
    );
    click(&mut harness, "Rétablir les valeurs par défaut");
    let copies: Vec<_> = std::fs::read_dir(ws.home.root())
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".sauvegarde"))
        .collect();
    assert_eq!(copies.len(), 1, "one dated copy");
    assert_eq!(std::fs::read_to_string(&copies[0]).expect("copy"), BAD);
    assert_eq!(
        Config::load(&ws.home).expect("defaults"),
        Config::defaults(&ws.home)
    );
    assert!(
        shows_part(&harness, &copies[0].display().to_string()),
        "says where the copy is"
    );
    assert!(
        shows(&harness, "Base de données active"),
        "the centre works again"
    );
}

#[test]
fn journal_and_a_propos_stay_reachable() {
    let ws = workstation();
    std::fs::write(ws.home.config_file(), BAD).expect("write");
    let mut harness = centre(&ws, ScreenId::Accueil);
    click(&mut harness, "Journal");
    assert!(shows(&harness, "Dossier des journaux :"));
    click(&mut harness, "À propos");
    assert!(shows(&harness, "À propos du Tiers de confiance"));
    click(&mut harness, "Configurer les chemins");
    assert!(shows(&harness, "Fichier de configuration incorrect"));
}

#[test]
fn config_error_snapshot() {
    let ws = fixed_workstation("configuration");
    std::fs::write(ws.home.config_file(), BAD).expect("write");
    let mut harness = centre(&ws, ScreenId::Accueil);
    crate::support::snapshot(&mut harness, "configuration-incorrecte");
}
