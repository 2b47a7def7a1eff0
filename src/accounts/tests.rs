//! The accounts' rules on real stores in temporary folders: never without an
//! administrator, rights enforced by the store itself, Argon2id and the
//! re-hashing of weaker hashes, who may change what, one transaction for both
//! tabs, "Déconnecter" and the audit log.

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use super::*;
use crate::home::Home;
use crate::store::Store;

const ADMIN_PASSWORD: &str = "Admin-2026!";
const DUPONT_PASSWORD: &str = "Dupont-2026!";

struct Fixture {
    _dir: tempfile::TempDir,
    home: Home,
    store: Store,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = Home::at(dir.path());
    let store = Store::create(&dir.path().join("paie.iea")).expect("create");
    store
        .connection()
        .execute_batch(
            "INSERT INTO dossiers (id, name, state, created_at) VALUES
               (1, 'Association Les Amis du Quartier', 'production', '2024-01-01'),
               (2, 'Club de foot', 'production', '2024-01-01');",
        )
        .expect("dossiers");
    Fixture {
        _dir: dir,
        home,
        store,
    }
}

fn new_password(p: &str) -> PasswordChange {
    PasswordChange {
        old: None,
        new: p.to_owned(),
        confirmation: p.to_owned(),
    }
}

fn add(fx: &Fixture, actor: &Actor, login: &str, role: Role, password: &str) -> Saved {
    save(
        &fx.home,
        &fx.store,
        actor,
        &Target::New {
            login: login.to_owned(),
        },
        &AccountChanges {
            display_name: Some(format!("Nom de {login}")),
            role: Some(role),
            password: Some(new_password(password)),
            ..AccountChanges::default()
        },
    )
    .expect("account added")
}

/// A store with "admin" (administrateur) and "dupont" (gestionnaire).
fn two_accounts() -> Fixture {
    let fx = fixture();
    let cli = Actor::command_line();
    add(&fx, &cli, "admin", Role::Administrateur, ADMIN_PASSWORD);
    add(&fx, &cli, "dupont", Role::Gestionnaire, DUPONT_PASSWORD);
    fx
}

fn role_of(fx: &Fixture, login: &str) -> String {
    fx.store
        .connection()
        .query_row("SELECT role FROM users WHERE login = ?1", [login], |r| {
            r.get(0)
        })
        .expect("role")
}

fn now() -> DateTime<Utc> {
    Utc::now()
}

#[test]
fn the_last_administrator_cannot_be_removed_nor_demoted() {
    let fx = two_accounts();
    let admin = identify(&fx.store, "admin", ADMIN_PASSWORD).expect("identified");
    match remove(&fx.store, &admin, "admin", now()) {
        Err(AccountError::LastAdministrator { login }) => assert_eq!(login, "admin"),
        other => panic!("removed the last administrator: {other:?}"),
    }
    let demote = AccountChanges {
        role: Some(Role::Gestionnaire),
        ..AccountChanges::default()
    };
    let target = Target::Existing {
        login: "admin".to_owned(),
    };
    assert!(matches!(
        save(&fx.home, &fx.store, &admin, &target, &demote),
        Err(AccountError::LastAdministrator { .. })
    ));
    assert_eq!(role_of(&fx, "admin"), "administrateur");

    // The store refuses it by itself too, whoever writes.
    let c = fx.store.connection();
    let e = c
        .execute("DELETE FROM users WHERE login = 'admin'", [])
        .expect_err("store refuses");
    assert!(e.to_string().contains("IEA_DERNIER_ADMINISTRATEUR"), "{e}");
    let e = c
        .execute(
            "UPDATE users SET role = 'consultation' WHERE login = 'admin'",
            [],
        )
        .expect_err("store refuses");
    assert!(e.to_string().contains("IEA_DERNIER_ADMINISTRATEUR"), "{e}");
    // Nor by a replace of the row.
    let e = c
        .execute(
            "INSERT OR REPLACE INTO users (id, login, display_name, role, password_hash, created_at)
             SELECT id, login, display_name, 'gestionnaire', password_hash, created_at
             FROM users WHERE login = 'admin'",
            [],
        )
        .expect_err("store refuses a replace");
    assert!(e.to_string().contains("IEA_SANS_ADMINISTRATEUR"), "{e}");

    // With a second administrator, the first may go.
    let cli = Actor::command_line();
    add(&fx, &cli, "martin", Role::Administrateur, "Martin-2026!");
    remove(&fx.store, &admin, "admin", now()).expect("another administrator remains");
    assert!(matches!(
        identify(&fx.store, "admin", ADMIN_PASSWORD),
        Err(AccountError::BadCredentials)
    ));
}

#[test]
fn a_single_account_without_administrator_acts_as_one_and_a_second_must_be_one() {
    let fx = fixture();
    let first = Actor::first_account();
    add(&fx, &first, "seul", Role::Gestionnaire, "Seul-compte-1");
    // Once there is an account, "first account" is over.
    let again = save(
        &fx.home,
        &fx.store,
        &first,
        &Target::New {
            login: "autre".to_owned(),
        },
        &AccountChanges {
            display_name: Some("Autre".to_owned()),
            role: Some(Role::Administrateur),
            password: Some(new_password("Autre-compte-1")),
            ..AccountChanges::default()
        },
    );
    assert!(matches!(
        again,
        Err(AccountError::NotAllowed {
            what: Denied::NotFirstAccount
        })
    ));
    // The only account acts as the administrator (seed 001, single workstation).
    let seul = identify(&fx.store, "seul", "Seul-compte-1").expect("identified");
    assert!(seul.user().expect("user").acts_as_administrator);
    let list = list(fx.store.connection(), now()).expect("list");
    assert!(list.users[0].acts_as_administrator);
    assert!(
        list.rights_of(list.users[0].id)
            .iter()
            .all(|r| r.level == Level::Modification)
    );
    // A second account must be an administrator.
    let second = save(
        &fx.home,
        &fx.store,
        &seul,
        &Target::New {
            login: "martin".to_owned(),
        },
        &AccountChanges {
            display_name: Some("Martin".to_owned()),
            role: Some(Role::Gestionnaire),
            password: Some(new_password("Martin-2026!")),
            ..AccountChanges::default()
        },
    );
    assert!(
        matches!(second, Err(AccountError::WithoutAdministrator)),
        "{second:?}"
    );
    let e = fx
        .store
        .connection()
        .execute(
            "INSERT INTO users (login, display_name, role, password_hash, created_at)
             VALUES ('x', 'X', 'consultation', '$argon2id$x', '2026-01-01')",
            [],
        )
        .expect_err("store refuses");
    assert!(e.to_string().contains("IEA_SANS_ADMINISTRATEUR"), "{e}");
    add(&fx, &seul, "admin", Role::Administrateur, ADMIN_PASSWORD);
    // And the last account cannot be deleted.
    let admin = identify(&fx.store, "admin", ADMIN_PASSWORD).expect("identified");
    remove(&fx.store, &admin, "seul", now()).expect("removed");
    let e = fx
        .store
        .connection()
        .execute("DELETE FROM users", [])
        .expect_err("store refuses");
    assert!(e.to_string().contains("IEA_"), "{e}");
}

#[test]
fn rights_are_enforced_by_the_store() {
    let fx = two_accounts();
    let c = fx.store.connection();
    let dupont: i64 = c
        .query_row("SELECT id FROM users WHERE login = 'dupont'", [], |r| {
            r.get(0)
        })
        .expect("id");
    let admin: i64 = c
        .query_row("SELECT id FROM users WHERE login = 'admin'", [], |r| {
            r.get(0)
        })
        .expect("id");
    c.execute(
        "INSERT INTO user_rights (user_id, dossier_id, level) VALUES (?1, 1, 'modification')",
        [dupont],
    )
    .expect("a consistent right");

    // Even on a connection without foreign keys, as another program might open it.
    let other = Connection::open(fx.store.path()).expect("other connection");
    other
        .pragma_update(None, "foreign_keys", false)
        .expect("fk off");
    for (sql, what) in [
        (
            format!("INSERT INTO user_rights VALUES ({dupont}, 99, 'consultation')"),
            "a dossier that does not exist",
        ),
        (
            "INSERT INTO user_rights VALUES (999, 1, 'consultation')".to_owned(),
            "a user that does not exist",
        ),
        (
            format!("INSERT INTO user_rights VALUES ({admin}, 2, 'consultation')"),
            "a right of an administrator",
        ),
        (
            format!("INSERT INTO user_rights VALUES ({dupont}, 2, 'lecture')"),
            "an unknown level",
        ),
        (
            format!("UPDATE user_rights SET dossier_id = 42 WHERE user_id = {dupont}"),
            "a move to a dossier that does not exist",
        ),
        (
            format!("UPDATE users SET role = 'consultation' WHERE id = {dupont}"),
            "a consultation account with a modification right",
        ),
        (
            format!("UPDATE users SET role = 'administrateur' WHERE id = {dupont}"),
            "an administrator with rights of their own",
        ),
    ] {
        assert!(other.execute(&sql, []).is_err(), "accepted {what}: {sql}");
    }
    // What goes with a dossier goes, even without foreign keys.
    other
        .execute_batch(
            "DELETE FROM user_rights WHERE dossier_id = 2;
             INSERT INTO dossiers (id, name, state, created_at) VALUES (3, 'Éphémère', 'simulation', '2024-01-01');",
        )
        .expect("dossier 3");
    other
        .execute(
            "INSERT INTO user_rights VALUES (?1, 3, 'consultation')",
            [dupont],
        )
        .expect("right on 3");
    other
        .execute("DELETE FROM dossiers WHERE id = 3", [])
        .expect("dossier removed");
    let left: i64 = other
        .query_row(
            "SELECT count(*) FROM user_rights WHERE dossier_id = 3",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(left, 0);
}

#[test]
fn rights_through_the_domain_follow_the_role() {
    let fx = two_accounts();
    let admin = identify(&fx.store, "admin", ADMIN_PASSWORD).expect("identified");
    let dupont = Target::Existing {
        login: "dupont".to_owned(),
    };
    let saved = save(
        &fx.home,
        &fx.store,
        &admin,
        &dupont,
        &AccountChanges {
            rights: Some(vec![(1, Level::Modification), (2, Level::Consultation)]),
            ..AccountChanges::default()
        },
    )
    .expect("rights");
    assert!(matches!(&saved.changes[..], [Change::Rights { dossiers }] if dossiers.len() == 2));
    // A dossier that does not exist.
    assert!(matches!(
        save(
            &fx.home,
            &fx.store,
            &admin,
            &dupont,
            &AccountChanges {
                rights: Some(vec![(77, Level::Consultation)]),
                ..AccountChanges::default()
            },
        ),
        Err(AccountError::UnknownDossier { .. })
    ));
    // To consultation: the modification right is lowered, and said.
    let saved = save(
        &fx.home,
        &fx.store,
        &admin,
        &dupont,
        &AccountChanges {
            role: Some(Role::Consultation),
            ..AccountChanges::default()
        },
    )
    .expect("role");
    assert!(
        saved.changes.contains(&Change::RightsLowered {
            dossiers: vec!["Association Les Amis du Quartier".to_owned()]
        }),
        "{saved:?}"
    );
    assert!(matches!(
        save(
            &fx.home,
            &fx.store,
            &admin,
            &dupont,
            &AccountChanges {
                rights: Some(vec![(1, Level::Modification)]),
                ..AccountChanges::default()
            },
        ),
        Err(AccountError::ConsultationModifies { .. })
    ));
    // To administrator: the rows go, every right is implied.
    save(
        &fx.home,
        &fx.store,
        &admin,
        &dupont,
        &AccountChanges {
            role: Some(Role::Administrateur),
            ..AccountChanges::default()
        },
    )
    .expect("administrator");
    let rows: i64 = fx
        .store
        .connection()
        .query_row("SELECT count(*) FROM user_rights", [], |r| r.get(0))
        .expect("count");
    assert_eq!(rows, 0);
    assert!(matches!(
        save(
            &fx.home,
            &fx.store,
            &admin,
            &dupont,
            &AccountChanges {
                rights: Some(vec![(1, Level::Consultation)]),
                ..AccountChanges::default()
            },
        ),
        Err(AccountError::AdministratorRights { .. })
    ));
}

#[test]
fn weaker_hashes_are_replaced_at_identification() {
    use argon2::password_hash::{PasswordHasher as _, SaltString};
    let fx = two_accounts();
    let weak = argon2::Argon2::new(
        argon2::Algorithm::Argon2i,
        argon2::Version::V0x13,
        argon2::Params::new(4096, 1, 1, None).expect("params"),
    )
    .hash_password(
        b"Ancien-mot-1",
        &SaltString::encode_b64(b"sel-de-l-ancien!").expect("salt"),
    )
    .expect("hash")
    .to_string();
    fx.store
        .connection()
        .execute(
            "UPDATE users SET password_hash = ?1 WHERE login = 'dupont'",
            [&weak],
        )
        .expect("weak hash");
    assert!(matches!(
        identify(&fx.store, "dupont", "mauvais"),
        Err(AccountError::BadCredentials)
    ));
    let stored = |fx: &Fixture| -> String {
        fx.store
            .connection()
            .query_row(
                "SELECT password_hash FROM users WHERE login = 'dupont'",
                [],
                |r| r.get(0),
            )
            .expect("hash")
    };
    assert_eq!(stored(&fx), weak, "a refusal changes nothing");
    let me = identify(&fx.store, "DUPONT", "Ancien-mot-1").expect("identified");
    assert_eq!(me.audit_name(), "dupont", "the login as stored");
    let now_stored = stored(&fx);
    assert_ne!(now_stored, weak);
    assert_eq!(
        password::parameters(&now_stored),
        Some(("argon2id".to_owned(), 19456, 2, 1))
    );
    assert!(password::verify("Ancien-mot-1", &now_stored));
    let audit = fx.store.recent_audit(5).expect("audit");
    assert_eq!(audit[0].action, "user.password_rehashed");
    assert!(!audit[0].detail.contains("Ancien-mot-1"));
    // Once strong, identification writes nothing more.
    identify(&fx.store, "dupont", "Ancien-mot-1").expect("identified");
    assert_eq!(stored(&fx), now_stored);
}

#[test]
fn a_user_changes_their_own_password_with_the_old_one_and_an_administrator_anyone_s() {
    let fx = two_accounts();
    let dupont = identify(&fx.store, "dupont", DUPONT_PASSWORD).expect("identified");
    let me = Target::Existing {
        login: "dupont".to_owned(),
    };
    let change = |old: Option<&str>, new: &str| AccountChanges {
        password: Some(PasswordChange {
            old: old.map(str::to_owned),
            new: new.to_owned(),
            confirmation: new.to_owned(),
        }),
        ..AccountChanges::default()
    };
    let without_old = save(
        &fx.home,
        &fx.store,
        &dupont,
        &me,
        &change(None, "Nouveau-1234"),
    );
    assert!(
        matches!(&without_old, Err(AccountError::Fields { problems })
            if problems[0].field == AccountField::OldPassword),
        "{without_old:?}"
    );
    assert!(matches!(
        save(
            &fx.home,
            &fx.store,
            &dupont,
            &me,
            &change(Some("pas-le-bon"), "Nouveau-1234")
        ),
        Err(AccountError::WrongOldPassword)
    ));
    save(
        &fx.home,
        &fx.store,
        &dupont,
        &me,
        &change(Some(DUPONT_PASSWORD), "Nouveau-1234"),
    )
    .expect("own password changed");
    identify(&fx.store, "dupont", "Nouveau-1234").expect("new password");

    // Not anyone else's, nor one's own role or rights.
    let admin_target = Target::Existing {
        login: "admin".to_owned(),
    };
    assert!(matches!(
        save(
            &fx.home,
            &fx.store,
            &dupont,
            &admin_target,
            &change(None, "Pirate-1234")
        ),
        Err(AccountError::NotAllowed {
            what: Denied::OtherAccount
        })
    ));
    assert!(matches!(
        save(
            &fx.home,
            &fx.store,
            &dupont,
            &me,
            &AccountChanges {
                role: Some(Role::Administrateur),
                ..AccountChanges::default()
            }
        ),
        Err(AccountError::NotAllowed { what: Denied::Role })
    ));
    assert!(matches!(
        remove(&fx.store, &dupont, "admin", now()),
        Err(AccountError::NotAllowed { .. })
    ));

    // The administrator sets Dupont's without the old one.
    let admin = identify(&fx.store, "admin", ADMIN_PASSWORD).expect("identified");
    save(
        &fx.home,
        &fx.store,
        &admin,
        &me,
        &change(None, "Remis-par-admin"),
    )
    .expect("set by the administrator");
    identify(&fx.store, "dupont", "Remis-par-admin").expect("new password");
    // A short or mistyped password is refused next to its field.
    let refused = save(
        &fx.home,
        &fx.store,
        &admin,
        &me,
        &AccountChanges {
            password: Some(PasswordChange {
                old: None,
                new: "Bonjour-2026".to_owned(),
                confirmation: "Bonjour-2025".to_owned(),
            }),
            ..AccountChanges::default()
        },
    );
    assert!(
        matches!(&refused, Err(AccountError::Fields { problems })
            if problems[0].field == AccountField::Confirmation),
        "{refused:?}"
    );
    // No password in the audit log.
    for line in fx.store.recent_audit(50).expect("audit") {
        for secret in [
            "Nouveau-1234",
            "Remis-par-admin",
            DUPONT_PASSWORD,
            ADMIN_PASSWORD,
        ] {
            assert!(!line.detail.contains(secret), "{line:?}");
        }
    }
}

#[test]
fn both_tabs_are_saved_in_one_transaction_and_the_net_password_is_encrypted() {
    let fx = two_accounts();
    let admin = identify(&fx.store, "admin", ADMIN_PASSWORD).expect("identified");
    let dupont = Target::Existing {
        login: "dupont".to_owned(),
    };
    let both = AccountChanges {
        display_name: Some("Claire Dupont".to_owned()),
        net_entreprises: Some(CredentialsChange::Set {
            siret: "73282932000074".to_owned(),
            last_name: " DUPONT".to_owned(),
            first_name: "Clàire".to_owned(),
            password: Some(Secret("Mot de passe Net-E 1!".to_owned())),
        }),
        ..AccountChanges::default()
    };
    // The second half fails: the first is not kept either.
    fx.store
        .connection()
        .execute_batch(
            "CREATE TEMP TRIGGER echec BEFORE INSERT ON net_entreprises_credentials
             BEGIN SELECT RAISE(ABORT, 'panne simulée'); END;",
        )
        .expect("trigger");
    assert!(save(&fx.home, &fx.store, &admin, &dupont, &both).is_err());
    let name: String = fx
        .store
        .connection()
        .query_row(
            "SELECT display_name FROM users WHERE login = 'dupont'",
            [],
            |r| r.get(0),
        )
        .expect("name");
    assert_eq!(name, "Nom de dupont", "nothing of the failed save was kept");
    fx.store
        .connection()
        .execute_batch("DROP TRIGGER temp.echec")
        .expect("drop");

    let saved = save(&fx.home, &fx.store, &admin, &dupont, &both).expect("saved");
    assert_eq!(saved.changes, [Change::DisplayName, Change::NetEntreprises]);
    let (siret, last, first, encrypted): (String, String, String, String) = fx
        .store
        .connection()
        .query_row(
            "SELECT siret, last_name, first_name, password_encrypted FROM net_entreprises_credentials",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("row");
    assert_eq!(
        (siret.as_str(), last.as_str(), first.as_str()),
        ("73282932000074", " DUPONT", "Clàire"),
        "kept exactly as typed"
    );
    assert!(encrypted.starts_with("v1:"));
    assert!(!encrypted.contains("Mot de passe"));
    let clear = credentials_of(&fx.home, &fx.store, "dupont")
        .expect("read")
        .expect("some");
    assert_eq!(clear.password(), "Mot de passe Net-E 1!");

    // A SIRET that fails its key is refused, and nothing changes.
    let bad = AccountChanges {
        net_entreprises: Some(CredentialsChange::Set {
            siret: "73282932000075".to_owned(),
            last_name: "DUPONT".to_owned(),
            first_name: "Claire".to_owned(),
            password: None,
        }),
        ..AccountChanges::default()
    };
    let refused = save(&fx.home, &fx.store, &admin, &dupont, &bad);
    assert!(
        matches!(&refused, Err(AccountError::Fields { problems })
            if problems == &[FieldProblem { field: AccountField::Siret, issue: FieldIssue::SiretKey }]),
        "{refused:?}"
    );
    // Saving the same again changes nothing.
    let again = save(
        &fx.home,
        &fx.store,
        &admin,
        &dupont,
        &AccountChanges {
            net_entreprises: Some(CredentialsChange::Set {
                siret: "73282932000074".to_owned(),
                last_name: " DUPONT".to_owned(),
                first_name: "Clàire".to_owned(),
                password: None,
            }),
            ..AccountChanges::default()
        },
    )
    .expect("same");
    assert!(again.changes.is_empty(), "{again:?}");
}

#[test]
fn regression_a_new_account_gets_its_rights_and_credentials_not_the_audit_row_s_id() {
    // The id of a new account was read after its audit line was written: its
    // rights and credentials went to the audit row's id, and the store
    // refused them.
    let fx = two_accounts();
    let admin = identify(&fx.store, "admin", ADMIN_PASSWORD).expect("identified");
    let saved = save(
        &fx.home,
        &fx.store,
        &admin,
        &Target::New {
            login: "martin".to_owned(),
        },
        &AccountChanges {
            display_name: Some("Julien Martin".to_owned()),
            role: Some(Role::Gestionnaire),
            password: Some(new_password("Martin-2026!")),
            rights: Some(vec![(2, Level::Modification)]),
            net_entreprises: Some(CredentialsChange::Set {
                siret: "73282932000074".to_owned(),
                last_name: "MARTIN".to_owned(),
                first_name: "Julien".to_owned(),
                password: Some(Secret("Net-E-2026".to_owned())),
            }),
        },
    )
    .expect("created with both tabs");
    assert_eq!(saved.changes.first(), Some(&Change::Created));
    let (level, last_name): (String, String) = fx
        .store
        .connection()
        .query_row(
            "SELECT r.level, n.last_name FROM users u
             JOIN user_rights r ON r.user_id = u.id AND r.dossier_id = 2
             JOIN net_entreprises_credentials n ON n.user_id = u.id
             WHERE u.login = 'martin'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the new account's own rows");
    assert_eq!(
        (level.as_str(), last_name.as_str()),
        ("modification", "MARTIN")
    );
}

#[test]
fn disconnect_closes_a_crashed_session_and_refuses_a_live_one() {
    let fx = two_accounts();
    let now = DateTime::parse_from_rfc3339("2026-11-22T10:00:00+00:00")
        .expect("now")
        .with_timezone(&Utc);
    fx.store
        .connection()
        .execute_batch(
            "INSERT INTO workstations (id, hostname) VALUES
               ('11111111-1111-1111-1111-111111111111', 'POSTE-COMPTA'),
               ('22222222-2222-2222-2222-222222222222', 'POSTE-ACCUEIL');
             INSERT INTO sessions (user_id, workstation_id, started_at, heartbeat_at)
               SELECT id, '11111111-1111-1111-1111-111111111111',
                 '2026-11-22T08:00:00+00:00', '2026-11-22T09:58:00+00:00'
               FROM users WHERE login = 'dupont';
             INSERT INTO sessions (user_id, workstation_id, started_at, heartbeat_at)
               SELECT id, '22222222-2222-2222-2222-222222222222',
                 '2026-11-20T08:00:00+00:00', '2026-11-20T17:00:00+00:00'
               FROM users WHERE login = 'admin';",
        )
        .expect("sessions");
    let dupont = identify(&fx.store, "dupont", DUPONT_PASSWORD).expect("identified");
    // Dupont is working: refused, with the names.
    match disconnect_user(&fx.store, &dupont, "dupont", now) {
        Err(AccountError::Disconnect(crate::store::sessions::DisconnectError::Active {
            session,
        })) => assert_eq!(
            crate::messages::session_who(&session),
            "Nom de dupont sur POSTE-COMPTA"
        ),
        other => panic!("a live session was not refused: {other:?}"),
    }
    // Nor may Dupont close the administrator's.
    assert!(matches!(
        disconnect_user(&fx.store, &dupont, "admin", now),
        Err(AccountError::NotAllowed { .. })
    ));
    // Nor can a working account be deleted.
    let admin = identify(&fx.store, "admin", ADMIN_PASSWORD).expect("identified");
    assert!(matches!(
        remove(&fx.store, &admin, "dupont", now),
        Err(AccountError::ActiveSession { .. })
    ));
    // The session left by a crash is closed.
    let closed = disconnect_user(&fx.store, &admin, "admin", now).expect("closed");
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0].hostname, "POSTE-ACCUEIL");
    assert!(matches!(
        disconnect_user(&fx.store, &admin, "admin", now),
        Err(AccountError::NoSession { .. })
    ));
    let audit = fx.store.recent_audit(1).expect("audit");
    assert_eq!(audit[0].action, "session.disconnected");
    assert_eq!(audit[0].actor, "admin");
}

#[test]
fn every_change_is_in_the_audit_log_with_who_did_it() {
    let fx = two_accounts();
    let admin = identify(&fx.store, "admin", ADMIN_PASSWORD).expect("identified");
    save(
        &fx.home,
        &fx.store,
        &admin,
        &Target::Existing {
            login: "dupont".to_owned(),
        },
        &AccountChanges {
            role: Some(Role::Consultation),
            rights: Some(vec![(2, Level::Consultation)]),
            ..AccountChanges::default()
        },
    )
    .expect("saved");
    let lines = fx.store.recent_audit(10).expect("audit");
    let actions: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| (l.actor.as_str(), l.action.as_str()))
        .collect();
    assert_eq!(
        actions[..2],
        [
            ("admin", "user.role_changed"),
            ("admin", "user.right_changed")
        ]
    );
    assert_eq!(
        lines[0].detail,
        "login=dupont role=gestionnaire->consultation"
    );
    assert_eq!(
        lines[1].detail,
        "login=dupont dossier=Club de foot niveau=consultation"
    );
    // The accounts made from the command line name the system account.
    assert_eq!(actions[2].1, "user.created");
    assert!(
        actions[2].0.starts_with("ligne de commande ("),
        "{actions:?}"
    );
    assert_eq!(lines[2].detail, "login=dupont role=gestionnaire");
    assert!(lines.iter().all(|l| !l.at.is_empty()), "when");
}
