//! The two calls of the transfer to the authentication server (PROTOCOL.md,
//! "Database transfer"): whether the transfer is open for this installation
//! (the seed's « GO »), where to upload and who receives the report
//! ([`status`]); and the completion of the uploads, which gives the receipt
//! ([`complete`]). Both go through the connection settings' link, with the
//! step-by-step diagnosis of the server test when they fail.

use serde::{Deserialize, Serialize};
use url::Url;

use crate::config::ConnectionSettings;
use crate::connection::install_crypto_provider;
use crate::connection::servers::{Answer, Failure, Link, ServerProblem, Step, join, redact};
use crate::installation::Installation;

/// The longest server message kept.
const MAX_MESSAGE_CHARS: usize = 500;

/// What the server says of the transfer of this installation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferStatus {
    /// « GO »: the stores may be sent.
    Open {
        /// Where uploads are created (tus).
        upload_url: Url,
        /// Who receives the report.
        recipients: Vec<String>,
        /// The subject the report starts with.
        subject: String,
    },
    /// Not yet, or no longer: the server says why.
    Closed {
        /// The server's words.
        message: String,
    },
}

/// Why the server did not say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ServerError {
    /// No answer, or an answer that is not the service's: the step and what
    /// went wrong (never a password).
    #[error("{step:?}: {problem}")]
    Unreachable {
        /// The step that failed.
        step: Step,
        /// What went wrong.
        problem: ServerProblem,
    },
    /// The server refused this installation (401/403, licence key).
    #[error("refused ({status}): {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The server's message, if any.
        message: String,
    },
}

/// One file of the completion call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompletedFile {
    /// The address of its upload.
    pub upload_url: String,
    /// SHA-256 of the file sent.
    pub sha256: String,
    /// Its size.
    pub size: u64,
    /// The store it holds.
    pub store_name: String,
}

#[derive(Deserialize)]
struct StatusAnswer {
    open: bool,
    #[serde(default)]
    upload_url: Option<String>,
    #[serde(default)]
    recipients: Vec<String>,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Serialize)]
struct CompleteRequest<'a> {
    installation_id: String,
    files: &'a [CompletedFile],
}

#[derive(Deserialize)]
struct CompleteAnswer {
    receipt: String,
}

/// The seed's subject, when the server gives none.
pub const DEFAULT_SUBJECT: &str = "Service Impact Emploi Association – Reprise de données";

/// `GET {A}/api/v1/transfer?installation_id=…` with the licence key.
pub fn status(
    settings: &ConnectionSettings,
    proxy_password: Option<&str>,
    installation: &Installation,
) -> Result<TransferStatus, ServerError> {
    install_crypto_provider();
    let link = Link::new(settings, proxy_password)
        .map_err(|(step, problem)| ServerError::Unreachable { step, problem })?;
    let mut url = join(&settings.auth_url, "api/v1/transfer");
    url.query_pairs_mut()
        .append_pair("installation_id", &installation.installation_id.to_string());
    let key = installation.licence_key.clone();
    link.call(
        &url,
        |client, left| {
            client
                .get(url.clone())
                .header("X-Licence-Key", key.as_str())
                .timeout(left)
        },
        judge_status,
    )
    .map_err(|f| unreachable(f, proxy_password))?
}

/// `POST {A}/api/v1/transfer/complete`: the files received, for the receipt.
pub fn complete(
    settings: &ConnectionSettings,
    proxy_password: Option<&str>,
    installation: &Installation,
    files: &[CompletedFile],
) -> Result<String, ServerError> {
    install_crypto_provider();
    let link = Link::new(settings, proxy_password)
        .map_err(|(step, problem)| ServerError::Unreachable { step, problem })?;
    let url = join(&settings.auth_url, "api/v1/transfer/complete");
    let body = CompleteRequest {
        installation_id: installation.installation_id.to_string(),
        files,
    };
    let key = installation.licence_key.clone();
    link.call(
        &url,
        |client, left| {
            client
                .post(url.clone())
                .header("X-Licence-Key", key.as_str())
                .json(&body)
                .timeout(left)
        },
        |answer| {
            if let Some(refusal) = refused(answer) {
                return Ok(Err(refusal));
            }
            if answer.status != 200 {
                return Err(answer.status_failure());
            }
            let parsed: CompleteAnswer = serde_json::from_slice(&answer.body).map_err(|_| {
                Failure::fixed(Step::Protocol, ServerProblem::NotTheService(String::new()))
            })?;
            Ok(Ok(clean(&parsed.receipt)))
        },
    )
    .map_err(|f| unreachable(f, proxy_password))?
}

/// A 401 or 403 is the server refusing this installation: an answer, said
/// with its message, not a failure to reach it.
fn refused(answer: &Answer) -> Option<ServerError> {
    matches!(answer.status, 401 | 403).then(|| ServerError::Refused {
        status: answer.status,
        message: serde_json::from_slice::<serde_json::Value>(&answer.body)
            .ok()
            .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(clean))
            .unwrap_or_default(),
    })
}

fn unreachable(f: Failure, proxy_password: Option<&str>) -> ServerError {
    ServerError::Unreachable {
        step: f.step,
        problem: redact(f.problem, proxy_password),
    }
}

fn judge_status(answer: &Answer) -> Result<Result<TransferStatus, ServerError>, Failure> {
    if let Some(refusal) = refused(answer) {
        return Ok(Err(refusal));
    }
    if answer.status != 200 {
        return Err(answer.status_failure());
    }
    let unreadable = || Failure::fixed(Step::Protocol, ServerProblem::NotTheService(String::new()));
    let parsed: StatusAnswer = serde_json::from_slice(&answer.body).map_err(|_| unreadable())?;
    if !parsed.open {
        return Ok(Ok(TransferStatus::Closed {
            message: clean(parsed.message.as_deref().unwrap_or_default()),
        }));
    }
    let upload_url = parsed
        .upload_url
        .as_deref()
        .and_then(|u| Url::parse(u.trim()).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(unreadable)?;
    Ok(Ok(TransferStatus::Open {
        upload_url,
        recipients: parsed
            .recipients
            .iter()
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .collect(),
        subject: parsed
            .subject
            .as_deref()
            .map(clean)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| DEFAULT_SUBJECT.to_owned()),
    }))
}

/// A server's text on one line, cut to a reasonable length.
fn clean(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= MAX_MESSAGE_CHARS {
        flat
    } else {
        let mut cut: String = flat.chars().take(MAX_MESSAGE_CHARS).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            location: None,
            body: body.as_bytes().to_vec(),
            headers: reqwest::header::HeaderMap::new(),
        }
    }

    #[test]
    fn the_status_answers_read_as_the_protocol_says() {
        let open = judge_status(&answer(
            200,
            r#"{"open":true,"upload_url":"https://sharebox.example/files/",
               "recipients":["a@urssaf.fr"," "],"subject":"Reprise","extra":1}"#,
        ))
        .expect("answer")
        .expect("open");
        assert_eq!(
            open,
            TransferStatus::Open {
                upload_url: Url::parse("https://sharebox.example/files/").expect("url"),
                recipients: vec!["a@urssaf.fr".into()],
                subject: "Reprise".into(),
            }
        );
        assert_eq!(
            judge_status(&answer(200, r#"{"open":false,"message":"Pas  encore"}"#))
                .expect("answer")
                .expect("closed"),
            TransferStatus::Closed {
                message: "Pas encore".into()
            }
        );
        assert!(judge_status(&answer(200, r#"{"open":true}"#)).is_err());
        let refusal = judge_status(&answer(403, r#"{"message":"Licence inconnue"}"#))
            .expect("answer")
            .expect_err("refused");
        assert_eq!(
            refusal,
            ServerError::Refused {
                status: 403,
                message: "Licence inconnue".into()
            }
        );
    }
}
