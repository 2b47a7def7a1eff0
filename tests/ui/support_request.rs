//! "Demande d'assistance à distance" against a real SMTP server on loopback: the
//! message prepared in the background is sent with the subject as edited and the
//! report attached; without SMTP settings "Envoyer" is greyed with the missing
//! settings named, and the guides' way (copy the recipients, copy the content)
//! still works.

use crate::smtp::{SmtpOptions, SmtpServer};
use crate::support::{
    centre, click_and_read_clipboard, click_in_view, is_disabled, set_field, set_text, shows,
    shows_part, store_with_payroll, workstation,
};
use egui_kittest::kittest::Queryable;
use iea_maintenance::config::{Config, DEFAULT_SUPPORT_ADDRESS, MailSecurity};
use iea_maintenance::messages;
use iea_maintenance::ui::ScreenId;

const SUBJECT: &str = "Serveur de connexion 3.1.0 - poste compta";

#[test]
fn envoyer_sends_one_message_with_the_subject_and_the_report() {
    let ws = workstation();
    store_with_payroll(&ws);
    let server = SmtpServer::start(SmtpOptions::default());
    let mut config = Config::load(&ws.home).expect("defaults");
    config.mail.smtp_host = "127.0.0.1".into();
    config.mail.smtp_port = server.port();
    config.mail.security = MailSecurity::None;
    config.mail.sender = "paie@asso-quartier.fr".into();
    config.save(&ws.home).expect("save");

    let mut harness = centre(&ws, ScreenId::Support);
    assert!(shows(&harness, DEFAULT_SUPPORT_ADDRESS), "À");
    let subject = harness
        .get_by_role_and_label(eframe::egui::Role::TextInput, "Objet")
        .value()
        .unwrap_or_default();
    assert_eq!(subject, "Serveur de connexion 3.1.0", "the guides' subject");
    assert!(!is_disabled(&harness, "Envoyer"));

    set_field(&mut harness, "Objet", SUBJECT);
    set_text(
        &mut harness,
        eframe::egui::Role::MultilineTextInput,
        "Message",
        "Bonjour,\nle coeur rouge reste affiché.\nMarie Dupont, 01 23 45 67 89",
    );
    click_in_view(&mut harness, "Envoyer");
    assert!(shows_part(&harness, messages::SUPPORT_SENT));

    let received = server.messages();
    assert_eq!(received.len(), 1, "one message");
    let message = &received[0];
    assert_eq!(message.header("Subject").as_deref(), Some(SUBJECT));
    assert_eq!(message.rcpt_to, [DEFAULT_SUPPORT_ADDRESS]);
    assert_eq!(message.mail_from, "paie@asso-quartier.fr");
    let text = message.text();
    assert!(text.contains("Marie Dupont"), "the message as typed");
    assert!(text.contains("rapport-support-"), "the report is attached");
}

#[test]
fn without_smtp_envoyer_is_greyed_and_the_content_can_be_copied() {
    let ws = workstation();
    store_with_payroll(&ws);
    let mut harness = centre(&ws, ScreenId::Support);
    assert!(is_disabled(&harness, "Envoyer"));
    assert!(shows_part(&harness, "section [mail]"));
    assert!(shows_part(&harness, "smtp_host"));
    assert!(shows_part(&harness, "sender"));

    let recipients = click_and_read_clipboard(&mut harness, "Copier les destinataires");
    assert_eq!(recipients.as_deref(), Some(DEFAULT_SUPPORT_ADDRESS));
    assert!(shows(&harness, "Adresse de l'assistance copiée."));

    set_field(&mut harness, "Objet", SUBJECT);
    let content = click_and_read_clipboard(&mut harness, "Copier le contenu").expect("copied");
    assert!(
        content.starts_with(&format!("Objet : {SUBJECT}")),
        "{content}"
    );
    assert!(content.contains("Rapport de support – Impact emploi association"));

    // The report can be read on screen.
    harness
        .get_by_role_and_label(eframe::egui::Role::DisclosureTriangle, "Voir le rapport")
        .click();
    crate::support::settle(&mut harness);
    let report = harness
        .get_by_role_and_label(eframe::egui::Role::MultilineTextInput, "Rapport joint")
        .value()
        .unwrap_or_default();
    assert!(report.starts_with("Rapport de support – Impact emploi association"));
    assert!(!shows(&harness, messages::SUPPORT_SENT));
}
