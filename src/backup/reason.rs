//! Why a backup run was not plainly OK, and what a verification found wrong, as
//! facts: a stable code and its parameters, never a sentence. The reason of the
//! last run is kept in the scripts file (`last_reason`) and each run's in the run
//! journal (`backup_runs.reason`, as JSON text); `messages` says them in French
//! when they are shown, so a stored reason reads in the words of the program
//! that shows it.
//!
//! Older versions stored French sentences in both places. They still read: as
//! [`RunReason::Legacy`], shown as written.

use std::path::PathBuf;

use serde::{Deserialize, Deserializer, Serialize};

use super::archive::ArchiveFault;
use super::destination::DestinationFault;
use crate::diagnostics::SystemError;

/// Why a run is not plainly OK: it failed, its archive waits on this computer,
/// or it went through with warnings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", content = "params", rename_all = "snake_case")]
pub enum RunReason {
    /// The staging folder could not be created or written.
    StagingUnusable {
        /// The staging folder.
        path: PathBuf,
        /// The system error, classified.
        system: SystemError,
    },
    /// The archive could not be made (snapshot, check, compression).
    ArchiveFailed {
        /// Why.
        fault: ArchiveFault,
    },
    /// The destination is unavailable: the verified archive waits in staging and
    /// is delivered when the destination is back.
    KeptInStaging {
        /// Why the destination could not be used.
        fault: DestinationFault,
    },
    /// The delivery failed; no new backup at the destination.
    DeliveryFailed {
        /// Why.
        fault: DestinationFault,
    },
    /// The backup is at its destination and verified, but something needs
    /// attention.
    Warnings {
        /// What, in the order found.
        warnings: Vec<RunWarning>,
    },
    /// A sentence stored by an older version, shown as written.
    Legacy {
        /// The sentence.
        text: String,
    },
}

/// What needs attention after a run that put its backup in place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", content = "params", rename_all = "snake_case")]
pub enum RunWarning {
    /// The FTP site is used without encryption.
    PlainFtp,
    /// The oldest backups beyond the count to keep could not be removed.
    PruneFailed {
        /// Why.
        fault: DestinationFault,
    },
    /// An archive that waited on this computer reached its destination.
    DeliveredLate {
        /// The archive's file name.
        archive: String,
    },
}

/// Why a kept backup failed its verification (`backup verify`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", content = "params", rename_all = "snake_case")]
pub enum VerifyProblem {
    /// It was fetched, but does not match its manifest or cannot be read.
    Archive {
        /// Why.
        fault: ArchiveFault,
    },
    /// It could not be fetched from its destination.
    Destination {
        /// Why.
        fault: DestinationFault,
    },
}

impl RunReason {
    /// The text kept in the run journal (`backup_runs.reason`): the code and its
    /// parameters as JSON.
    pub fn to_stored(&self) -> serde_json::Result<String> {
        serde_json::to_string(self)
    }

    /// A reason read from the run journal: JSON written by [`Self::to_stored`],
    /// or the French sentence an older version wrote there.
    pub fn from_stored(text: &str) -> Self {
        serde_json::from_str(text).unwrap_or_else(|_| Self::Legacy {
            text: text.to_owned(),
        })
    }
}

/// A reason as the scripts file holds it: a table with its code (this version),
/// or a sentence (older versions).
#[derive(Deserialize)]
#[serde(untagged)]
enum StoredReason {
    Text(String),
    Coded(RunReason),
}

/// Reads `last_reason` in the scripts file, old sentences included (serde's
/// `deserialize_with`).
pub(crate) fn stored_or_legacy<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<RunReason>, D::Error> {
    Ok(
        Option::<StoredReason>::deserialize(d)?.map(|stored| match stored {
            StoredReason::Text(text) => RunReason::Legacy { text },
            StoredReason::Coded(reason) => reason,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::destination::DestinationFaultKind;

    fn missing() -> DestinationFault {
        DestinationFault {
            kind: DestinationFaultKind::Missing {
                what: "/srv/partage/sauvegardes".into(),
            },
            technical: "location unavailable: /srv/partage/sauvegardes".into(),
        }
    }

    #[test]
    fn a_reason_is_stored_as_a_code_with_its_parameters_and_reads_back() {
        let reasons = [
            RunReason::KeptInStaging { fault: missing() },
            RunReason::Warnings {
                warnings: vec![
                    RunWarning::PlainFtp,
                    RunWarning::PruneFailed { fault: missing() },
                    RunWarning::DeliveredLate {
                        archive: "Quotidienne-20260301-230003.iea.zip".into(),
                    },
                ],
            },
            RunReason::StagingUnusable {
                path: PathBuf::from("/var/tmp/iea"),
                system: SystemError::ReadOnly,
            },
        ];
        for reason in reasons {
            let stored = reason.to_stored().expect("json");
            let value: serde_json::Value = serde_json::from_str(&stored).expect("valid json");
            assert!(value["code"].is_string(), "{stored}");
            assert_eq!(RunReason::from_stored(&stored), reason);
        }
        let stored = RunReason::KeptInStaging { fault: missing() }
            .to_stored()
            .expect("json");
        assert!(stored.contains(r#""code":"kept_in_staging""#), "{stored}");
        assert!(stored.contains(r#""code":"missing""#), "{stored}");
        assert!(stored.contains("/srv/partage/sauvegardes"), "{stored}");
    }

    #[test]
    fn an_old_sentence_in_the_journal_reads_as_written() {
        let old = "Échec : le dossier de préparation des sauvegardes « /tmp/x » est inutilisable.";
        assert_eq!(
            RunReason::from_stored(old),
            RunReason::Legacy { text: old.into() }
        );
    }
}
