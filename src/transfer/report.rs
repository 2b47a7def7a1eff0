//! The report of seed step 6 (« Communiquer les informations »): the message
//! the IEA team expects once the stores are received, to the recipients the
//! server gave, with the subject « Service Impact Emploi Association – Reprise
//! de données – [Nom du gestionnaire] ».
//!
//! Its facts ([`ReportFacts`]) come from the state file, so that the report
//! can be sent (or copied) later, from the centre or `transfer report`: the
//! installation, each store's name, size, SHA-256 and receipt, the dates, and
//! the prerequisites sent anyway. `messages` writes it in French; it goes
//! through the support's SMTP settings ([`crate::support::send_as`]), and its
//! facts as JSON are attached for the team's tools.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::prereq::Acknowledged;
use super::state::{StateError, TransferState};
use crate::home::Home;
use crate::installation::{Installation, InstallationError};
use crate::support::{SupportError, SupportRequest};

/// One store of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportedStore {
    /// The store's file.
    pub store: PathBuf,
    /// Its name.
    pub name: String,
    /// The size of the archive sent.
    pub size_bytes: u64,
    /// Its SHA-256.
    pub sha256: String,
    /// When its snapshot was taken.
    pub made_at: DateTime<Utc>,
    /// When the secure space had it whole.
    pub received_at: Option<DateTime<Utc>>,
    /// The server's receipt.
    pub receipt: String,
    /// When the server acknowledged it.
    pub completed_at: DateTime<Utc>,
}

/// Everything the report says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportFacts {
    /// The installation.
    pub installation_id: String,
    /// This workstation's name.
    pub hostname: String,
    /// The program's version.
    pub version: String,
    /// « [Nom du gestionnaire] » of the subject.
    pub manager: String,
    /// The start of the last run.
    pub started_at: DateTime<Utc>,
    /// Its end.
    pub ended_at: Option<DateTime<Utc>>,
    /// The stores received.
    pub stores: Vec<ReportedStore>,
    /// The data items sent anyway.
    pub acknowledged: Vec<Acknowledged>,
    /// Who receives the report.
    pub recipients: Vec<String>,
    /// The subject the server gave, before « – [Nom du gestionnaire] ».
    pub subject: String,
}

/// The report, ready to send or to copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransferMail {
    /// The recipients.
    pub to: Vec<String>,
    /// The subject.
    pub subject: String,
    /// The body, in French.
    pub body: String,
    /// The attachment's file name.
    pub attachment_name: String,
    /// The facts as JSON.
    pub attachment: String,
}

/// Why there is no report, or it was not sent.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// No store has been received yet.
    #[error("no store received yet")]
    NothingReceived,
    /// The state file.
    #[error(transparent)]
    State(#[from] StateError),
    /// The workstation's identity.
    #[error(transparent)]
    Installation(#[from] InstallationError),
    /// The server gave no recipient.
    #[error("no recipient")]
    NoRecipient,
    /// The mail could not be sent.
    #[error(transparent)]
    Send(#[from] SupportError),
}

/// The name of the payroll manager by default: the session's full name, or
/// its login.
pub fn default_manager() -> String {
    let real = whoami::realname().unwrap_or_default();
    let real = real.trim();
    if real.is_empty() {
        whoami::username().unwrap_or_default()
    } else {
        real.to_owned()
    }
}

/// The facts of the last run's report, from the state file of `home`.
pub fn facts(home: &Home, manager: &str) -> Result<ReportFacts, ReportError> {
    crate::fsutil::debug_assert_not_ui_thread("transfer::report::facts");
    let state = TransferState::load(home)?;
    let run = state.last_run.clone().ok_or(ReportError::NothingReceived)?;
    let installation = Installation::load(home)?;
    let stores: Vec<ReportedStore> = run
        .stores
        .iter()
        .filter_map(|path| {
            let record = state.record(path)?;
            let completion = record.completion.as_ref()?;
            let archive = record.archive.as_ref()?;
            Some(ReportedStore {
                store: path.clone(),
                name: super::job::store_name(path),
                size_bytes: archive.size_bytes,
                sha256: archive.sha256.clone(),
                made_at: archive.made_at,
                received_at: record.upload.as_ref().and_then(|u| u.received_at),
                receipt: completion.receipt.clone(),
                completed_at: completion.completed_at,
            })
        })
        .collect();
    if stores.is_empty() {
        return Err(ReportError::NothingReceived);
    }
    Ok(ReportFacts {
        installation_id: installation
            .map(|i| i.installation_id.to_string())
            .unwrap_or_default(),
        hostname: crate::installation::hostname(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        manager: manager.trim().to_owned(),
        started_at: run.started_at,
        ended_at: run.ended_at,
        stores,
        acknowledged: run.acknowledged,
        recipients: run.recipients,
        subject: run.subject,
    })
}

/// The report of `facts`, in French.
pub fn compose(facts: &ReportFacts) -> TransferMail {
    TransferMail {
        to: facts.recipients.clone(),
        subject: crate::messages::transfer_report_subject(&facts.subject, &facts.manager),
        body: crate::messages::transfer_report_body(facts),
        attachment_name: format!(
            "reprise-de-donnees-{}.json",
            facts
                .ended_at
                .unwrap_or(facts.started_at)
                .format("%Y%m%d-%H%M%S")
        ),
        attachment: serde_json::to_string_pretty(facts).unwrap_or_default(),
    }
}

/// Sends `mail` through the support's SMTP settings of `home`.
pub fn send(home: &Home, mail: &TransferMail) -> Result<(), ReportError> {
    if mail.to.is_empty() {
        return Err(ReportError::NoRecipient);
    }
    let request = SupportRequest {
        to: mail.to.join(", "),
        subject: mail.subject.clone(),
        body: mail.body.clone(),
        report_name: mail.attachment_name.clone(),
        report: mail.attachment.clone(),
    };
    crate::support::send_as(home, &request, crate::support::Outgoing::TransferReport)?;
    Ok(())
}
