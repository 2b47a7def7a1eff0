//! "Comptes utilisateurs / Droits d'accès" as a person uses it, on a real store
//! and a real HTTPS Net-entreprises peer on 127.0.0.1: identification, the
//! table with the sessions, « Modifier » with its three tabs, the blue ball's
//! green tick, « Enregistrer » of both tabs, the problems next to the fields,
//! « Quitter » with unsaved changes, « Déconnecter » without a password on a
//! session left by a crash (and refused on a live one), the last administrator,
//! a second test within a minute and « Tester tous les comptes ».

use chrono::{DateTime, Local, TimeZone as _, Utc};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use iea_maintenance::accounts::{
    self, AccountChanges, Actor, CredentialsChange, PasswordChange, Role, Secret, Target,
};
use iea_maintenance::config::Config;
use iea_maintenance::home::Home;
use iea_maintenance::store::Store;
use iea_maintenance::ui::{CentreApp, ScreenId};
use url::Url;

use crate::https::{TestCa, loopback_cert};
use crate::net_entreprises::{NetEntreprisesPeer, Standing};
use crate::support::{
    WINDOW, Workstation, click, fixed_workstation, is_disabled, set_field, set_text, settle, shows,
    shows_part, snapshot, store_with_payroll, workstation,
};

const ADMIN_PASSWORD: &str = "Admin-2026!";
const DUPONT_PASSWORD: &str = "Dupont-2026!";
const SIRET: &str = "73282932000074";
const CLUB: &str = "Club de foot Essai";

/// What a screen reader says of the green tick and the red barred circle.
const OK_MARK: &str = "Bon";
const FAILED_MARK: &str = "En échec";

/// 22/11/2026 at 10:00, local time: the centre's frozen clock.
fn now() -> DateTime<Local> {
    Local
        .with_ymd_and_hms(2026, 11, 22, 10, 0, 0)
        .single()
        .expect("now")
}

fn add(home: &Home, store: &Store, login: &str, name: &str, role: Role, password: &str) {
    accounts::save(
        home,
        store,
        &Actor::command_line(),
        &Target::New {
            login: login.to_owned(),
        },
        &AccountChanges {
            display_name: Some(name.to_owned()),
            role: Some(role),
            password: Some(PasswordChange {
                old: None,
                new: password.to_owned(),
                confirmation: password.to_owned(),
            }),
            ..AccountChanges::default()
        },
    )
    .expect("account");
}

/// A store with payroll and three accounts: "admin", "dupont" (whose session
/// was left by a crash the day before `at`) and "martin" (working at `at`).
fn accounts_store_at(ws: &Workstation, at: DateTime<Local>) -> std::path::PathBuf {
    let path = store_with_payroll(ws);
    let store = Store::open(&path).expect("store");
    add(
        &ws.home,
        &store,
        "admin",
        "Administrateur",
        Role::Administrateur,
        ADMIN_PASSWORD,
    );
    add(
        &ws.home,
        &store,
        "dupont",
        "Claire Dupont",
        Role::Gestionnaire,
        DUPONT_PASSWORD,
    );
    add(
        &ws.home,
        &store,
        "martin",
        "Julien Martin",
        Role::Consultation,
        "Martin-2026!",
    );
    let beat = |at: DateTime<Local>| at.with_timezone(&Utc).to_rfc3339();
    store
        .connection()
        .execute_batch(&format!(
            "INSERT INTO workstations (id, hostname) VALUES
               ('11111111-1111-1111-1111-111111111111', 'POSTE-COMPTA'),
               ('22222222-2222-2222-2222-222222222222', 'POSTE-ACCUEIL');
             INSERT INTO sessions (user_id, workstation_id, started_at, heartbeat_at)
               SELECT id, '11111111-1111-1111-1111-111111111111', '{}', '{}'
               FROM users WHERE login = 'dupont';
             INSERT INTO sessions (user_id, workstation_id, started_at, heartbeat_at)
               SELECT id, '22222222-2222-2222-2222-222222222222', '{}', '{}'
               FROM users WHERE login = 'martin';",
            beat(at - chrono::Duration::hours(26)),
            beat(at - chrono::Duration::hours(18)),
            beat(at - chrono::Duration::hours(2)),
            beat(at - chrono::Duration::minutes(1)),
        ))
        .expect("sessions");
    path
}

/// [`accounts_store_at`] the frozen clock's [`now`].
fn accounts_store(ws: &Workstation) -> std::path::PathBuf {
    accounts_store_at(ws, now())
}

/// A Net-entreprises peer knowing DUPONT Claire, the workstation pointed at it.
fn peer(ws: &Workstation) -> NetEntreprisesPeer {
    let ca = TestCa::new("Autorite de test Net-entreprises");
    let peer = NetEntreprisesPeer::start(&loopback_cert(&ca));
    peer.declarant(SIRET, "DUPONT", "Claire", "Net-E-2026", Standing::Active);
    let mut config = Config::load(&ws.home).expect("config");
    config.connection.net_entreprises_url = Url::parse(&peer.url()).expect("url");
    config.connection.extra_ca_file = Some(ca.write_pem(ws.home.root()));
    config.save(&ws.home).expect("config");
    peer
}

/// The centre on "Comptes utilisateurs", its clock frozen.
fn comptes(ws: &Workstation) -> Harness<'static, CentreApp> {
    let mut app = crate::support::centre_app(ws, ScreenId::ComptesUtilisateurs);
    app.set_clock(Some(now()));
    let mut harness = Harness::builder()
        .with_size(WINDOW)
        .with_theme(eframe::egui::Theme::Light)
        .build_ui_state(|ui, app: &mut CentreApp| app.frame_ui(ui), app);
    settle(&mut harness);
    harness
}

fn identify(harness: &mut Harness<'_, CentreApp>, login: &str, password: &str) {
    set_field(harness, "Utilisateur", login);
    set_text(
        harness,
        eframe::egui::Role::PasswordInput,
        "Mot de passe",
        password,
    );
    click(harness, "Valider");
}

fn marks(harness: &Harness<'_, CentreApp>, spoken: &str) -> usize {
    harness
        .query_all_by_role_and_label(eframe::egui::Role::Image, spoken)
        .count()
}

#[test]
fn from_the_list_to_a_saved_change_with_a_green_test() {
    let ws = fixed_workstation("comptes");
    let path = accounts_store(&ws);
    let peer = peer(&ws);
    peer.clock(now().with_timezone(&Utc));
    let mut harness = comptes(&ws);

    // The list, as the seed shows it, before anyone is identified.
    for text in ["admin", "Claire Dupont", "Julien Martin", "Consultation"] {
        assert!(shows(&harness, text), "{text}");
    }
    assert!(shows(&harness, "POSTE-COMPTA"));
    assert!(shows(
        &harness,
        "dernier signe de vie le 21/11/2026 à 16:00, interrompue"
    ));
    assert!(is_disabled(&harness, "Nouveau"), "identification first");

    identify(&mut harness, "admin", ADMIN_PASSWORD);
    assert!(shows(
        &harness,
        "Identifié : Administrateur (administrateur)"
    ));
    assert!(!is_disabled(&harness, "Nouveau"));
    click(&mut harness, "dupont");
    snapshot(&mut harness, "comptes");

    click(&mut harness, "Modifier");
    assert!(shows(&harness, "Compte « dupont »"));
    set_field(&mut harness, "Nom détaillé", "Claire Dupont-Morel");
    click(&mut harness, "Droits d'accès");
    harness
        .get_by_role_and_label(
            eframe::egui::Role::RadioButton,
            &format!("Consultation : {CLUB}"),
        )
        .click();
    settle(&mut harness);
    snapshot(&mut harness, "comptes-droits");
    click(&mut harness, "Net Entreprise");
    set_field(&mut harness, "SIRET", SIRET);
    set_field(&mut harness, "Nom", "DUPONT");
    set_field(&mut harness, "Prénom", "Claire");
    set_text(
        &mut harness,
        eframe::egui::Role::PasswordInput,
        "Mot de passe",
        "Net-E-2026",
    );
    click(&mut harness, "Tester les identifiants");
    assert!(shows(
        &harness,
        "Vérification des identifiants de connexion"
    ));
    assert!(shows(&harness, "Identifiants Net-entreprises valides"));
    assert!(shows_part(
        &harness,
        "Le jeton délivré est valable jusqu'au 22/11/2026 à 11:30 (environ 1 h 30)."
    ));
    assert_eq!(marks(&harness, OK_MARK), 1, "the green tick");
    assert_eq!(peer.request_count(), 1);
    snapshot(&mut harness, "comptes-test-net-entreprises");
    click(&mut harness, "Fermer");

    click(&mut harness, "Enregistrer");
    assert!(
        shows(
            &harness,
            "Le compte « dupont » a été enregistré : nom détaillé, droit d'accès, identifiants \
             Net-entreprises."
        ),
        "both tabs saved"
    );
    assert!(shows(&harness, "Claire Dupont-Morel"));
    assert!(shows(&harness, &format!("SIRET {SIRET}")));
    assert!(shows(&harness, "Identifiants valides"), "the last test");
    let store = Store::open(&path).expect("store");
    let (level, encrypted): (String, String) = store
        .connection()
        .query_row(
            "SELECT r.level, n.password_encrypted FROM user_rights r
             JOIN net_entreprises_credentials n ON n.user_id = r.user_id
             JOIN users u ON u.id = r.user_id WHERE u.login = 'dupont'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("saved");
    assert_eq!(level, "consultation");
    assert!(encrypted.starts_with("v1:") && !encrypted.contains("Net-E-2026"));
    let audit = store.recent_audit(10).expect("audit");
    assert!(
        audit
            .iter()
            .all(|l| l.actor == "admin" || l.action != "net_entreprises.saved")
    );
    assert!(
        audit
            .iter()
            .any(|l| l.action == "net_entreprises.saved" && l.actor == "admin")
    );
}

#[test]
fn the_form_says_what_is_wrong_next_to_each_field_and_saves_nothing() {
    let ws = workstation();
    let path = accounts_store(&ws);
    let mut harness = comptes(&ws);
    identify(&mut harness, "admin", ADMIN_PASSWORD);
    click(&mut harness, "Nouveau");
    set_field(&mut harness, "Utilisateur", "paul");
    set_field(&mut harness, "Nom détaillé", "Paul Petit");
    set_text(
        &mut harness,
        eframe::egui::Role::PasswordInput,
        "Mot de passe",
        "Bonjour-2026",
    );
    set_text(
        &mut harness,
        eframe::egui::Role::PasswordInput,
        "Confirmer",
        "Bonjour-2025",
    );
    click(&mut harness, "Net Entreprise");
    set_field(&mut harness, "SIRET", "73282932000075");
    assert!(
        shows_part(&harness, "leur clé de contrôle ne correspond pas"),
        "the SIRET is checked as it is typed"
    );
    set_field(&mut harness, "SIRET", SIRET);
    set_field(&mut harness, "Nom", "PETIT ");
    assert!(shows_part(
        &harness,
        "Attention : ce champ finit par une espace"
    ));
    click(&mut harness, "Enregistrer");
    // The first tab with a problem is shown, the problem next to its field.
    assert!(shows(
        &harness,
        "La confirmation ne correspond pas au mot de passe : tapez le même deux fois."
    ));
    assert!(shows_part(&harness, "Des champs sont à corriger"));
    click(&mut harness, "Net Entreprise");
    assert!(
        shows(&harness, "Ce champ est obligatoire."),
        "the first name"
    );
    let users: i64 = Store::open(&path)
        .expect("store")
        .connection()
        .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .expect("count");
    assert_eq!(users, 3, "nothing was saved");
}

#[test]
fn leaving_with_unsaved_changes_asks_first() {
    let ws = workstation();
    accounts_store(&ws);
    let mut harness = comptes(&ws);
    identify(&mut harness, "admin", ADMIN_PASSWORD);
    click(&mut harness, "Nouveau");
    set_field(&mut harness, "Utilisateur", "brouillon");
    click(&mut harness, "Quitter le compte");
    assert!(shows(&harness, "Abandonner les modifications ?"));
    click(&mut harness, "Annuler");
    assert!(shows(&harness, "Nouveau compte"), "the form is still there");
    click(&mut harness, "Quitter le compte");
    click(&mut harness, "Abandonner les modifications");
    assert!(shows(&harness, "Claire Dupont"), "back to the table");
}

#[test]
fn deconnecter_closes_a_crashed_session_without_a_password_and_refuses_a_live_one() {
    let ws = workstation();
    // The real clock: the store's refusal reckons with the real time.
    accounts_store_at(&ws, Local::now());
    let mut harness = crate::support::centre(&ws, ScreenId::ComptesUtilisateurs);
    click(&mut harness, "martin");
    click(&mut harness, "Déconnecter");
    assert!(shows_part(
        &harness,
        "La session de Julien Martin sur POSTE-ACCUEIL est active"
    ));
    click(&mut harness, "dupont");
    click(&mut harness, "Déconnecter");
    assert!(shows(
        &harness,
        "La session de Claire Dupont sur POSTE-COMPTA a été fermée. Vous pouvez relancer \
         Impact emploi."
    ));
    assert!(!shows(&harness, "POSTE-COMPTA"), "the table is read again");
}

#[test]
fn a_manager_changes_their_own_password_with_the_old_one_and_nothing_else() {
    let ws = workstation();
    let path = accounts_store(&ws);
    let mut harness = comptes(&ws);
    identify(&mut harness, "dupont", DUPONT_PASSWORD);
    assert!(shows(&harness, "Identifié : Claire Dupont (gestionnaire)"));
    assert!(is_disabled(&harness, "Nouveau"));
    click(&mut harness, "admin");
    assert!(is_disabled(&harness, "Modifier"), "not another's account");
    click(&mut harness, "dupont");
    click(&mut harness, "Modifier");
    assert!(shows(&harness, "Ancien mot de passe"));
    set_text(
        &mut harness,
        eframe::egui::Role::PasswordInput,
        "Ancien mot de passe",
        "faux",
    );
    set_text(
        &mut harness,
        eframe::egui::Role::PasswordInput,
        "Mot de passe",
        "Nouveau-2026",
    );
    set_text(
        &mut harness,
        eframe::egui::Role::PasswordInput,
        "Confirmer",
        "Nouveau-2026",
    );
    click(&mut harness, "Enregistrer");
    assert!(shows(
        &harness,
        "L'ancien mot de passe tapé n'est pas celui du compte."
    ));
    set_text(
        &mut harness,
        eframe::egui::Role::PasswordInput,
        "Ancien mot de passe",
        DUPONT_PASSWORD,
    );
    click(&mut harness, "Enregistrer");
    assert!(shows(
        &harness,
        "Le compte « dupont » a été enregistré : mot de passe."
    ));
    let store = Store::open(&path).expect("store");
    assert!(accounts::identify(&store, "dupont", "Nouveau-2026").is_ok());
}

#[test]
fn the_last_administrator_stays() {
    let ws = workstation();
    accounts_store(&ws);
    let mut harness = comptes(&ws);
    identify(&mut harness, "admin", ADMIN_PASSWORD);
    click(&mut harness, "admin");
    click(&mut harness, "Supprimer");
    assert!(shows(&harness, "Supprimer le compte « admin » ?"));
    click(&mut harness, "Supprimer le compte");
    assert!(shows_part(&harness, "est le dernier administrateur"));
    assert!(shows(&harness, "admin"));
}

#[test]
fn a_second_test_within_a_minute_asks_then_every_account_is_tested() {
    let ws = fixed_workstation("comptes-tous");
    let path = accounts_store(&ws);
    let peer = peer(&ws);
    peer.clock(now().with_timezone(&Utc));
    peer.declarant(SIRET, "MARTIN", "Julien", "Autre-2026", Standing::Active);
    let store = Store::open(&path).expect("store");
    for (login, nom, prenom, password) in [
        ("dupont", "DUPONT", "Claire", "Net-E-2026"),
        ("martin", "MARTIN", "Julien", "mauvais"),
    ] {
        accounts::save(
            &ws.home,
            &store,
            &Actor::command_line(),
            &Target::Existing {
                login: login.to_owned(),
            },
            &AccountChanges {
                net_entreprises: Some(CredentialsChange::Set {
                    siret: SIRET.to_owned(),
                    last_name: nom.to_owned(),
                    first_name: prenom.to_owned(),
                    password: Some(Secret(password.to_owned())),
                }),
                ..AccountChanges::default()
            },
        )
        .expect("credentials");
    }
    let mut harness = comptes(&ws);
    identify(&mut harness, "admin", ADMIN_PASSWORD);
    click(&mut harness, "dupont");
    click(&mut harness, "Modifier");
    click(&mut harness, "Net Entreprise");
    click(&mut harness, "Tester les identifiants");
    assert!(shows(&harness, "Identifiants Net-entreprises valides"));
    click(&mut harness, "Fermer");
    click(&mut harness, "Tester les identifiants");
    assert!(shows_part(&harness, "a déjà été testé il y a"));
    assert_eq!(
        peer.request_count(),
        1,
        "nothing sent before the confirmation"
    );
    click(&mut harness, "Tester de nouveau");
    assert!(shows(&harness, "Identifiants Net-entreprises valides"));
    assert_eq!(peer.request_count(), 2);
    click(&mut harness, "Fermer");
    click(&mut harness, "Quitter le compte");

    // The green tick of the identification stays behind the window.
    let (ok_before, failed_before) = (marks(&harness, OK_MARK), marks(&harness, FAILED_MARK));
    click(&mut harness, "Tester tous les comptes");
    assert!(
        shows_part(&harness, "a déjà été testé il y a"),
        "dupont, a moment ago"
    );
    click(&mut harness, "Tester de nouveau");
    assert!(shows_part(
        &harness,
        "dupont (Claire Dupont) : Identifiants valides"
    ));
    assert!(shows(
        &harness,
        "martin (Julien Martin) : Compte inconnu ou mot de passe incorrect"
    ));
    assert!(shows_part(
        &harness,
        "1 compte sur 2 a des identifiants valides"
    ));
    assert_eq!(marks(&harness, OK_MARK), ok_before + 1);
    assert_eq!(marks(&harness, FAILED_MARK), failed_before + 1);
    assert_eq!(peer.request_count(), 4);
    snapshot(&mut harness, "comptes-tester-tous");
    click(&mut harness, "Fermer");
    // Each account's last test in the table.
    assert!(shows(&harness, "Identifiants valides"));
    assert!(shows(&harness, "Compte inconnu ou mot de passe incorrect"));
}

#[test]
fn a_store_without_accounts_creates_its_first_administrator() {
    let ws = workstation();
    store_with_payroll(&ws);
    let mut harness = comptes(&ws);
    assert!(shows_part(
        &harness,
        "Cette base n'a encore aucun compte utilisateur"
    ));
    click(&mut harness, "Créer le premier compte");
    set_field(&mut harness, "Utilisateur", "Administrateur");
    set_field(&mut harness, "Nom détaillé", "Administrateur");
    set_text(
        &mut harness,
        eframe::egui::Role::PasswordInput,
        "Mot de passe",
        ADMIN_PASSWORD,
    );
    set_text(
        &mut harness,
        eframe::egui::Role::PasswordInput,
        "Confirmer",
        ADMIN_PASSWORD,
    );
    click(&mut harness, "Enregistrer");
    assert!(shows(&harness, "Le compte « Administrateur » a été créé."));
    identify(&mut harness, "Administrateur", ADMIN_PASSWORD);
    assert!(shows(
        &harness,
        "Identifié : Administrateur (administrateur)"
    ));
}
