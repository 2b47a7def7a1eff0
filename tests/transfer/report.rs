//! The report of seed step 6 reaches aiosmtpd (STARTTLS, authentication)
//! through the support's SMTP settings, to the recipients the server gave,
//! with the seed's subject and every store's name, size, SHA-256 and receipt,
//! the dates and the prerequisites sent anyway. When sending fails, the
//! report stays whole to copy.

use iea_maintenance::config::{Config, ConfigError, MailSecurity};
use iea_maintenance::jobs::Cancel;
use iea_maintenance::secrets::SecretKey;
use iea_maintenance::transfer::report::{self, ReportError};
use iea_maintenance::transfer::{NoTransferProgress, run};

use crate::support::external::Aiosmtpd;
use crate::{RECIPIENTS, SUBJECT, World};

const MAIL_USER: &str = "paie@asso.test";
const MAIL_PASSWORD: &str = "Mot-De-Passe-SMTP-9q!";

#[test]
fn the_report_arrives_with_the_seed_s_subject_and_every_store() {
    let world = World::new(1_000);
    let server = Aiosmtpd::start(
        world.install.dir.path(),
        MAIL_USER,
        MAIL_PASSWORD,
        &world.cert,
    );
    let home = &world.install.home;
    let stored = SecretKey::load_or_create(home)
        .expect("key")
        .encrypt(MAIL_PASSWORD);
    Config::modify(home, |c| {
        c.mail.smtp_host = "127.0.0.1".into();
        c.mail.smtp_port = server.port();
        c.mail.security = MailSecurity::Starttls;
        c.mail.sender = MAIL_USER.into();
        c.mail.user = MAIL_USER.into();
        c.mail.password_encrypted = Some(stored);
        Ok::<_, ConfigError>(())
    })
    .expect("mail settings");

    assert!(matches!(
        report::facts(home, "Marie Dupont"),
        Err(ReportError::NothingReceived)
    ));
    let done = run(home, &world.request(), &NoTransferProgress, &Cancel::new()).expect("transfer");
    let facts = report::facts(home, "Marie Dupont").expect("facts");
    let mail = report::compose(&facts);
    report::send(home, &mail).unwrap_or_else(|e| panic!("send: {e:?}\n{}", server.log()));

    let received = server.messages();
    assert_eq!(received.len(), 1, "{}", server.log());
    let m = &received[0];
    assert!(m.tls, "sent over STARTTLS");
    assert_eq!(m.user.as_deref(), Some(MAIL_USER));
    assert_eq!(m.rcpt_tos, RECIPIENTS);
    assert_eq!(
        m.subject,
        "Service Impact Emploi Association – Reprise de données – Marie Dupont"
    );
    assert!(m.subject.starts_with(SUBJECT));
    let body = &m.parts.iter().find(|p| !p.attachment).expect("body").text;
    let store = &done.stores[0];
    for expected in [
        "impact-emploi.iea",
        store.sha256.as_str(),
        store.receipt.as_str(),
        &format!("{} octets", store.size_bytes),
        "Reçue par Sharebox le",
        "Prérequis acceptés tels quels",
        &facts.installation_id,
    ] {
        assert!(
            body.contains(expected),
            "{expected:?} missing from:\n{body}"
        );
    }
    for acknowledged in &facts.acknowledged {
        let label = iea_maintenance::messages::data_check_label(acknowledged.check);
        assert!(body.contains(label), "{label:?} missing from:\n{body}");
    }
    assert!(!body.contains(MAIL_PASSWORD));
    let attachment = m
        .parts
        .iter()
        .find(|p| p.attachment)
        .expect("facts attached");
    let json: serde_json::Value = serde_json::from_str(&attachment.text).expect("json");
    assert_eq!(json["stores"][0]["sha256"], store.sha256.as_str());

    // A refused password: an error that says what to do, the report intact
    // for « Copier les destinataires » and « Copier le contenu ».
    let wrong = SecretKey::load_or_create(home)
        .expect("key")
        .encrypt("faux");
    Config::modify(home, |c| {
        c.mail.password_encrypted = Some(wrong);
        Ok::<_, ConfigError>(())
    })
    .expect("wrong password");
    let failed = report::send(home, &mail).expect_err("refused");
    let said = iea_maintenance::messages::report_error(&failed);
    assert!(said.todo.contains("Copier le contenu"), "{}", said.todo);
    assert!(!format!("{failed:?}{said:?}").contains("faux"));
    assert_eq!(server.messages().len(), 1);
}
