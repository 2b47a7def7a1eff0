//! The blue ball button and "Tester tous les comptes" against a real HTTPS
//! Net-entreprises peer on 127.0.0.1 that follows PROTOCOL.md: every answer of
//! the table ends in its own verdict and its own French, a refusal is never
//! tried again (not even in Étendu mode), the SIRET is checked before anything
//! is sent, a second test within a minute waits for a confirmation, the request
//! is the protocol's with the values exactly as typed, and testing every account
//! keeps a bounded number of calls in flight and one call per set of
//! credentials.

mod support;

use std::collections::HashSet;
use std::time::Duration;

use iea_maintenance::accounts::net_entreprises::{
    self, LineOutcome, Source, TestError, test_all, test_one,
};
use iea_maintenance::accounts::{
    AccountChanges, AccountError, Actor, CredentialsChange, PasswordChange, Role, Secret, Target,
    save,
};
use iea_maintenance::config::{Config, ConnectionMode};
use iea_maintenance::connection::net_entreprises::CredentialVerdict;
use iea_maintenance::home::Home;
use iea_maintenance::jobs::{Cancel, NoProgress};
use iea_maintenance::messages;
use iea_maintenance::store::Store;
use support::https::{TestCa, loopback_cert};
use support::net_entreprises::{Forced, NetEntreprisesPeer, Standing};
use url::Url;

const SIRET: &str = "73282932000074";
const OTHER_SIRET: &str = "44306184100047";

/// A workstation whose Net-entreprises address is the peer's, its store
/// holding the accounts "admin" and "dupont".
struct Workstation {
    dir: tempfile::TempDir,
    home: Home,
    store: Store,
}

impl Workstation {
    fn new(peer: &NetEntreprisesPeer, ca: &TestCa, mode: ConnectionMode) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        home.ensure().expect("home");
        let mut config = Config::defaults(&home);
        config.connection.mode = mode;
        config.connection.net_entreprises_url = Url::parse(&peer.url()).expect("url");
        config.connection.extra_ca_file = Some(ca.write_pem(dir.path()));
        config.save(&home).expect("config");
        let path = home.default_store_path();
        std::fs::create_dir_all(path.parent().expect("folder")).expect("folder");
        let store = Store::create(&path).expect("store");
        let ws = Self { dir, home, store };
        ws.add("admin", Role::Administrateur);
        ws.add("dupont", Role::Gestionnaire);
        ws
    }

    fn add(&self, login: &str, role: Role) {
        save(
            &self.home,
            &self.store,
            &Actor::command_line(),
            &Target::New {
                login: login.to_owned(),
            },
            &AccountChanges {
                display_name: Some(format!("Compte {login}")),
                role: Some(role),
                password: Some(PasswordChange {
                    old: None,
                    new: "Mot-de-passe-1".to_owned(),
                    confirmation: "Mot-de-passe-1".to_owned(),
                }),
                ..AccountChanges::default()
            },
        )
        .expect("account");
    }

    fn set_credentials(&self, login: &str, siret: &str, nom: &str, prenom: &str, password: &str) {
        save(
            &self.home,
            &self.store,
            &Actor::command_line(),
            &Target::Existing {
                login: login.to_owned(),
            },
            &AccountChanges {
                net_entreprises: Some(CredentialsChange::Set {
                    siret: siret.to_owned(),
                    last_name: nom.to_owned(),
                    first_name: prenom.to_owned(),
                    password: Some(Secret(password.to_owned())),
                }),
                ..AccountChanges::default()
            },
        )
        .expect("credentials");
    }

    fn test(&self, login: &str, confirmed: bool) -> Result<net_entreprises::Tested, TestError> {
        test_one(
            &self.home,
            &self.store,
            &Actor::command_line(),
            &Source::Stored {
                login: login.to_owned(),
            },
            confirmed,
        )
    }
}

fn peer() -> (NetEntreprisesPeer, TestCa) {
    let ca = TestCa::new("Autorite de test Net-entreprises");
    let peer = NetEntreprisesPeer::start(&loopback_cert(&ca));
    (peer, ca)
}

#[test]
fn every_answer_of_the_table_ends_in_its_own_verdict_and_its_own_french() {
    let (peer, ca) = peer();
    let ws = Workstation::new(&peer, &ca, ConnectionMode::Secure);
    peer.declarant(
        SIRET,
        "DUPONT",
        "Claire",
        "Bon-mot-de-passe",
        Standing::Active,
    );
    peer.declarant(
        OTHER_SIRET,
        "MARTIN",
        "Paul",
        "Expire-2026",
        Standing::Expired,
    );
    peer.declarant(
        SIRET,
        "PETIT",
        "Luc",
        "Pas-inscrit",
        Standing::NotRegistered,
    );
    peer.token_lifetime(Duration::from_mins(90));

    let mut titles = HashSet::new();
    let mut check = |login: &str, expected: &str| -> CredentialVerdict {
        let tested = ws.test(login, true).expect("tested");
        assert_eq!(tested.verdict.code(), expected, "{tested:?}");
        let x = messages::verdict_explanation(&tested);
        assert!(
            titles.insert(x.title.clone()),
            "same French twice: {}",
            x.title
        );
        assert!(!x.todo.is_empty(), "{x:?}");
        tested.verdict
    };

    // 200: the token's lifetime from `Expires`.
    ws.set_credentials("dupont", SIRET, "DUPONT", "Claire", "Bon-mot-de-passe");
    match check("dupont", "valid") {
        CredentialVerdict::Valid {
            expires: Some(_),
            lifetime_secs: Some(secs),
        } => assert!((5399..=5401).contains(&secs), "{secs}"),
        other => panic!("{other:?}"),
    }
    let ok = ws.test("dupont", true).expect("tested");
    assert!(
        messages::verdict_explanation(&ok)
            .what
            .contains("environ 1 h 30")
    );

    // 401, each realm.
    ws.set_credentials("dupont", SIRET, "DUPONT", "Claire", "mauvais");
    check("dupont", "wrong_credentials");
    ws.set_credentials("dupont", OTHER_SIRET, "MARTIN", "Paul", "Expire-2026");
    check("dupont", "password_expired");
    ws.set_credentials("dupont", SIRET, "PETIT", "Luc", "Pas-inscrit");
    check("dupont", "not_registered");
    peer.force(Forced::OtherRealm("Maintenance annuelle".to_owned()));
    assert_eq!(
        check("dupont", "unauthorized"),
        CredentialVerdict::Unauthorized {
            realm: "Maintenance annuelle".to_owned()
        }
    );
    // 403, 407, 422, 429, 404, 503, a redirect.
    for (forced, code) in [
        (Forced::Dangerous, "dangerous"),
        (Forced::InvalidParameters, "invalid_parameters"),
        (Forced::TooManyRequests(120), "too_many_requests"),
        (Forced::Unavailable, "unavailable"),
        (
            Forced::Redirect("https://maintenance.invalid/page?x=1".to_owned()),
            "redirected",
        ),
    ] {
        peer.force(forced);
        check("dupont", code);
    }
    peer.force(Forced::NotFound);
    assert_eq!(
        ws.test("dupont", true).expect("tested").verdict,
        CredentialVerdict::Unavailable { status: 404 }
    );
    peer.stop_forcing();
    // Three wrong passwords in a row lock the account on the portal: 403.
    ws.set_credentials("dupont", SIRET, "DUPONT", "Claire", "encore-faux");
    for _ in 0..2 {
        ws.test("dupont", true).expect("tested");
    }
    assert!(peer.is_locked(SIRET, "DUPONT", "Claire"));
    check("dupont", "locked");
    // Nothing listens: no answer at all.
    let mut config = Config::load(&ws.home).expect("config");
    config.connection.net_entreprises_url = Url::parse(&format!(
        "https://127.0.0.1:{}/authentifier/1.0/",
        support::https::unused_port()
    ))
    .expect("url");
    config.save(&ws.home).expect("config");
    check("dupont", "unreachable");
    drop(ws.dir);
}

#[test]
fn a_refusal_is_never_tried_again_even_in_extended_mode() {
    let (peer, ca) = peer();
    let ws = Workstation::new(&peer, &ca, ConnectionMode::Extended);
    peer.declarant(
        SIRET,
        "DUPONT",
        "Claire",
        "Bon-mot-de-passe",
        Standing::Active,
    );
    ws.set_credentials("dupont", SIRET, "DUPONT", "Claire", "faux");
    let tested = ws.test("dupont", false).expect("tested");
    assert_eq!(tested.verdict, CredentialVerdict::WrongCredentials);
    assert_eq!(tested.refusals, 1);
    assert_eq!(peer.request_count(), 1, "one call, never repeated");
    // A 503, which Étendu mode retries for the server test, is not retried here.
    peer.force(Forced::Unavailable);
    ws.test("dupont", true).expect("tested");
    assert_eq!(peer.request_count(), 2);
    // The refusals in a row are counted and said.
    peer.stop_forcing();
    let again = ws.test("dupont", true).expect("tested");
    assert_eq!(again.refusals, 2, "a 503 is no refusal");
    assert!(
        messages::verdict_explanation(&again)
            .what
            .contains("2e refus de suite")
    );
}

#[test]
fn the_siret_is_checked_before_anything_is_sent() {
    let (peer, ca) = peer();
    let ws = Workstation::new(&peer, &ca, ConnectionMode::Secure);
    for (siret, what) in [
        ("73282932000075", "wrong key"),
        ("7328293200007", "13 digits"),
        ("73282932000074 ", "a trailing space"),
    ] {
        let typed = Source::Typed {
            login: Some("dupont".to_owned()),
            siret: siret.to_owned(),
            last_name: "DUPONT".to_owned(),
            first_name: "Claire".to_owned(),
            password: Some(Secret("x".to_owned())),
        };
        let refused = test_one(&ws.home, &ws.store, &Actor::command_line(), &typed, true);
        assert!(
            matches!(&refused, Err(TestError::Account(AccountError::Fields { problems }))
                if problems[0].field == iea_maintenance::accounts::AccountField::Siret),
            "{what}: {refused:?}"
        );
    }
    assert_eq!(peer.request_count(), 0, "nothing was sent");
}

#[test]
fn a_second_test_of_the_same_account_within_a_minute_waits_for_a_confirmation() {
    let (peer, ca) = peer();
    let ws = Workstation::new(&peer, &ca, ConnectionMode::Secure);
    peer.declarant(
        SIRET,
        "DUPONT",
        "Claire",
        "Bon-mot-de-passe",
        Standing::Active,
    );
    ws.set_credentials("dupont", SIRET, "DUPONT", "Claire", "Bon-mot-de-passe");
    ws.test("dupont", false).expect("first test");
    match ws.test("dupont", false) {
        Err(TestError::RecentlyTested { accounts }) => {
            assert_eq!(accounts.len(), 1);
            assert_eq!(accounts[0].logins, ["dupont"]);
            assert!(accounts[0].seconds_ago < 60);
            let x = messages::test_error(&TestError::RecentlyTested { accounts });
            assert!(x.what.contains("moins d'une minute"), "{x:?}");
            assert!(x.what.contains("Trois échecs"), "{x:?}");
        }
        other => panic!("no confirmation asked: {other:?}"),
    }
    assert_eq!(peer.request_count(), 1);
    // The same portal account held by another user is the same account.
    ws.set_credentials("admin", SIRET, "DUPONT", "Claire", "Bon-mot-de-passe");
    assert!(matches!(
        ws.test("admin", false),
        Err(TestError::RecentlyTested { .. })
    ));
    ws.test("dupont", true).expect("confirmed");
    assert_eq!(peer.request_count(), 2);
}

#[test]
fn the_request_is_the_protocol_s_with_the_values_exactly_as_typed() {
    let (peer, ca) = peer();
    let ws = Workstation::new(&peer, &ca, ConnectionMode::Secure);
    peer.declarant(SIRET, " Dupont", "Zoé & Léa", "p<a>s'\"", Standing::Active);
    let typed = Source::Typed {
        login: Some("dupont".to_owned()),
        siret: SIRET.to_owned(),
        last_name: " Dupont".to_owned(),
        first_name: "Zoé & Léa".to_owned(),
        password: Some(Secret("p<a>s'\"".to_owned())),
    };
    let tested =
        test_one(&ws.home, &ws.store, &Actor::command_line(), &typed, false).expect("tested");
    assert!(tested.verdict.is_valid(), "{tested:?}");
    let sent = &peer.requests()[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.path, support::net_entreprises::PATH);
    assert_eq!(sent.header("Content-Type"), Some("application/xml"));
    assert!(
        sent.header("User-Agent")
            .is_some_and(|ua| ua.starts_with("Client-DSN (iea-maintenance/")),
        "{sent:?}"
    );
    let body = sent.body_text();
    assert!(body.contains("<siret>73282932000074</siret>"), "{body}");
    assert!(body.contains("<nom> Dupont</nom>"), "{body}");
    assert!(body.contains("<prenom>Zoé &amp; Léa</prenom>"), "{body}");
    assert!(body.contains("<service>25</service>"), "{body}");
    // Typed credentials are tested without being saved.
    let saved: i64 = ws
        .store
        .connection()
        .query_row(
            "SELECT count(*) FROM net_entreprises_credentials",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(saved, 0);
}

#[test]
fn testing_every_account_keeps_calls_bounded_and_shares_identical_credentials() {
    let (peer, ca) = peer();
    let ws = Workstation::new(&peer, &ca, ConnectionMode::Secure);
    peer.answer_after(Duration::from_millis(150));
    // 22 accounts: 19 with credentials of their own (one with a wrong
    // password), 3 sharing one set (seed 001: the same settings for every user).
    for n in 0..20 {
        let login = format!("gestionnaire{n:02}");
        ws.add(&login, Role::Gestionnaire);
        let nom = format!("NOM{n:02}");
        peer.declarant(SIRET, &nom, "Prénom", "Secret-commun", Standing::Active);
        let password = if n == 7 { "faux" } else { "Secret-commun" };
        ws.set_credentials(&login, SIRET, &nom, "Prénom", password);
    }
    peer.declarant(
        OTHER_SIRET,
        "PARTAGE",
        "Compte",
        "Partage-1",
        Standing::Active,
    );
    for login in ["admin", "dupont", "gestionnaire00"] {
        ws.set_credentials(login, OTHER_SIRET, "PARTAGE", "Compte", "Partage-1");
    }
    let report = test_all(
        &ws.home,
        ws.store.path(),
        &Actor::command_line(),
        false,
        &NoProgress,
        &Cancel::new(),
    )
    .expect("tested");
    assert_eq!(report.lines.len(), 22, "every account with credentials");
    assert_eq!(report.calls, 20, "one call for the three sharing one set");
    assert_eq!(peer.request_count(), 20);
    let max = peer.max_in_flight();
    assert!(
        (2..=net_entreprises::MAX_CONCURRENT_TESTS).contains(&max),
        "calls in flight: {max}"
    );
    let wrong: Vec<&str> = report
        .lines
        .iter()
        .filter(|l| !l.is_valid())
        .map(|l| l.login.as_str())
        .collect();
    assert_eq!(wrong, ["gestionnaire07"]);
    assert!(messages::test_all_summary(&report).starts_with("21 comptes sur 22"));

    // At once again: every account was tested a moment ago, nothing is sent.
    let again = test_all(
        &ws.home,
        ws.store.path(),
        &Actor::command_line(),
        false,
        &NoProgress,
        &Cancel::new(),
    );
    assert!(matches!(again, Err(TestError::RecentlyTested { .. })));
    assert_eq!(peer.request_count(), 20);
}

#[test]
fn another_password_of_the_same_portal_account_waits_for_a_confirmation() {
    let (peer, ca) = peer();
    let ws = Workstation::new(&peer, &ca, ConnectionMode::Secure);
    peer.declarant(SIRET, "DUPONT", "Claire", "Le-bon", Standing::Active);
    ws.set_credentials("admin", SIRET, "DUPONT", "Claire", "Le-bon");
    ws.set_credentials("dupont", SIRET, "DUPONT", "Claire", "Un-autre");
    let report = test_all(
        &ws.home,
        ws.store.path(),
        &Actor::command_line(),
        false,
        &NoProgress,
        &Cancel::new(),
    )
    .expect("tested");
    assert_eq!(peer.request_count(), 1, "the portal account is asked once");
    let dupont = report
        .lines
        .iter()
        .find(|l| l.login == "dupont")
        .expect("line");
    assert_eq!(
        dupont.outcome,
        LineOutcome::SameAccountJustTested {
            tested_with: "admin".to_owned()
        }
    );
    assert!(messages::account_line_text(dupont).contains("à confirmer"));
}
