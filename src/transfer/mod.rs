//! « Transfert database vers Urssaf » (seed 004, « Reprise de données »): the
//! payroll stores of the association sent to the secure space (« Sharebox »)
//! of the new online service, as PROTOCOL.md's "Database transfer" describes.
//!
//! - [`prereq`]: every « Prérequis » of the seed checked by the program, with
//!   the offending rows and where to fix them.
//! - [`server`]: whether the transfer is open (« GO »), and its completion.
//! - [`tus`]: resumable uploads (tus 1.0.0) to the secure space.
//! - [`job`]: « Transférer », per store « C » (the verified archive of the
//!   backup code) then « T » (the upload), resumed after any stop.
//! - [`state`]: what the next run needs, in `IEA_HOME/transfert/etat.json`.
//! - [`report`]: the report e-mail of seed step 6 (« Envoyer le rapport »).

pub mod job;
pub mod prereq;
pub mod report;
pub mod server;
pub mod state;
pub mod tus;

pub use job::{
    FallbackProxy, Gauge, NoTransferProgress, ProxyPassword, StepState, StoreOutcome, StoreRow,
    TransferError, TransferProgress, TransferReport, TransferRequest, run, save_fallback_proxy,
};
pub use prereq::{Acknowledged, Blocker, DataCheck, InstallationCheck, Prerequisites, check};
pub use server::{TransferStatus, status};
