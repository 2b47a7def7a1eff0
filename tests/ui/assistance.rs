//! "Mode assistance" with real codes of the day (PROTOCOL.md), computed from the
//! installation's identity and support key as support would: switching it on
//! shows the original product's warning before its "OK" and writes the state
//! file; a wrong code says how many tries remain; switching it off takes the
//! disable code; after five wrong codes, entry is locked.

use crate::support::{
    centre, click, click_in_view, fixed_workstation, is_disabled, set_field, shows, shows_part,
    store_with_payroll, workstation,
};
use chrono::Local;
use iea_maintenance::assistance::{self, AssistanceAction, MAX_FAILURES};
use iea_maintenance::installation::{self, Installation};
use iea_maintenance::messages;
use iea_maintenance::service::persist::PersistedState;
use iea_maintenance::ui::ScreenId;

const CODE_FIELD: &str = "Mot de passe du jour";
const ENABLE: &str = "Activer le mode assistance";
const DISABLE: &str = "Désactiver le mode assistance";

/// Today's code for `action` as support reads it out ("1234 5678").
fn code(ws: &crate::support::Workstation, action: AssistanceAction) -> String {
    let installation = Installation::load_or_create(&ws.home).expect("installation");
    let key = installation::support_key(&ws.home).expect("support key");
    assistance::display_code(&assistance::code_for(
        &key,
        action,
        &installation.installation_id,
        Local::now().date_naive(),
    ))
}

/// A wrong code: today's code with its last digit changed.
fn wrong(code: &str) -> String {
    let mut digits: Vec<char> = code.chars().collect();
    if let Some(last) = digits.last_mut() {
        *last = if *last == '0' { '1' } else { '0' };
    }
    digits.into_iter().collect()
}

#[test]
fn the_right_code_enables_after_the_warning_and_the_disable_code_disables() {
    let ws = workstation();
    store_with_payroll(&ws);
    let enable = code(&ws, AssistanceAction::Enable);
    let mut harness = centre(&ws, ScreenId::Assistance);
    assert!(shows(&harness, "Le mode assistance est désactivé."));
    assert!(is_disabled(&harness, ENABLE), "no code typed yet");

    set_field(&mut harness, CODE_FIELD, &enable);
    assert!(
        !shows(&harness, messages::ASSISTANCE_WARNING),
        "the warning comes with the confirmation"
    );
    click_in_view(&mut harness, ENABLE);
    // The seed's dialog: the warning, then "OK".
    assert!(shows(&harness, messages::ASSISTANCE_WARNING));
    assert!(
        !PersistedState::load(&ws.home).assistance,
        "nothing changes before OK"
    );
    click(&mut harness, "OK");
    assert!(
        PersistedState::load(&ws.home).assistance,
        "state file says assistance"
    );
    assert_eq!(PersistedState::load(&ws.home).state_key(), "assistance");
    assert!(shows_part(&harness, "Le mode assistance est activé"));
    assert!(shows(&harness, "Scarabée rouge"), "the red beetle is shown");
    assert!(
        shows(
            &harness,
            "Mode assistance : déconnecté du serveur de production"
        ),
        "status bar"
    );

    // The enable code does not disable.
    let disable = code(&ws, AssistanceAction::Disable);
    set_field(&mut harness, CODE_FIELD, &enable);
    click_in_view(&mut harness, DISABLE);
    assert!(PersistedState::load(&ws.home).assistance);
    assert!(shows_part(&harness, "Il vous reste 4 essais"));

    set_field(&mut harness, CODE_FIELD, &disable);
    click_in_view(&mut harness, DISABLE);
    assert!(!PersistedState::load(&ws.home).assistance);
    assert!(shows_part(&harness, "Le mode assistance est désactivé"));
    assert!(
        shows(&harness, "Connexion au serveur non vérifiée"),
        "status bar: the heart until the next authentication"
    );
}

#[test]
fn a_wrong_code_says_how_many_tries_remain_then_entry_is_locked() {
    let ws = workstation();
    store_with_payroll(&ws);
    let bad = wrong(&code(&ws, AssistanceAction::Enable));
    let mut harness = centre(&ws, ScreenId::Assistance);

    set_field(&mut harness, CODE_FIELD, &bad);
    click_in_view(&mut harness, ENABLE);
    click(&mut harness, "OK");
    assert!(!PersistedState::load(&ws.home).assistance);
    assert!(shows_part(&harness, "n'est pas le mot de passe du jour"));
    assert!(shows_part(&harness, "Il vous reste 4 essais"));
    assert_eq!(
        assistance::status(&ws.home, Local::now()).failures,
        1,
        "the count survives in IEA_HOME"
    );

    // "Annuler" on the warning sends nothing and counts nothing.
    set_field(&mut harness, CODE_FIELD, &bad);
    click_in_view(&mut harness, ENABLE);
    click(&mut harness, "Annuler");
    assert_eq!(assistance::status(&ws.home, Local::now()).failures, 1);

    for _ in 1..MAX_FAILURES {
        set_field(&mut harness, CODE_FIELD, &bad);
        click_in_view(&mut harness, ENABLE);
        click(&mut harness, "OK");
    }
    assert!(shows_part(&harness, "la saisie est bloquée jusqu'à"));
    assert!(is_disabled(&harness, ENABLE), "no entry while locked");
    assert!(!PersistedState::load(&ws.home).assistance);
}

#[test]
fn assistance_snapshot() {
    let ws = fixed_workstation("assistance");
    store_with_payroll(&ws);
    let enable = code(&ws, AssistanceAction::Enable);
    let mut harness = centre(&ws, ScreenId::Assistance);
    set_field(&mut harness, CODE_FIELD, &enable);
    click_in_view(&mut harness, ENABLE);
    click(&mut harness, "OK");
    assert!(PersistedState::load(&ws.home).assistance);
    crate::support::snapshot(&mut harness, "assistance");
}

#[test]
fn assistance_warning_snapshot() {
    let ws = fixed_workstation("assistance-avertissement");
    store_with_payroll(&ws);
    let mut harness = centre(&ws, ScreenId::Assistance);
    // A fixed code: the dialog does not show it, and nothing is checked yet.
    set_field(&mut harness, CODE_FIELD, "1234 5678");
    click_in_view(&mut harness, ENABLE);
    crate::support::snapshot(&mut harness, "assistance-avertissement");
}
