//! `doctor [--json]`: the read-only diagnosis of the access to the store
//! (path, rights, free space, locks, integrity) and the next step to take.
//! Exit code 1 when the store cannot be used as it is.

use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use super::output::{self, say};
use super::{exit_code, load_config};
use crate::diagnostics::{self, Diagnosis};
use crate::home::Home;
use crate::messages::{self, Explanation};

#[derive(Args)]
pub(super) struct DoctorArgs {
    /// Sortie JSON
    #[arg(long)]
    pub(super) json: bool,
}

/// `doctor --json`.
#[derive(Serialize)]
struct DoctorJson<'a> {
    diagnosis: &'a Diagnosis,
    healthy: bool,
    next_step: Explanation,
}

pub(super) fn run(home: &Home, args: &DoctorArgs) -> anyhow::Result<ExitCode> {
    let config = load_config(home)?;
    let diagnosis = diagnostics::diagnose(&config.paths.store);
    if args.json {
        output::json(&DoctorJson {
            diagnosis: &diagnosis,
            healthy: diagnosis.is_healthy(),
            next_step: messages::conclusion(&diagnosis),
        })?;
    } else {
        say!("{}", messages::diagnosis_report(&diagnosis))?;
    }
    Ok(exit_code(diagnosis.is_usable()))
}
