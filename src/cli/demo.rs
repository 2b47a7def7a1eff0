//! `demo [--payslips N] [--seed S] [--force]`: builds a realistic demo store
//! in `IEA_HOME` and makes it the active store. An existing store is replaced
//! only with `--force`, and only once the new one is whole.

use std::process::ExitCode;

use clap::Args;

use super::error::explained;
use super::output::say;
use super::progress::Bar;
use super::usage::between;
use super::{ensure_home, load_config};
use crate::config::{self, Config};
use crate::demo::{self, DemoOptions};
use crate::home::Home;
use crate::jobs::Cancel;
use crate::messages;

/// The most payslips a demo store may have: ten times the benchmarks' store,
/// a few gigabytes on disk.
const MAX_PAYSLIPS: u64 = 10_000_000;

#[derive(Args)]
pub(super) struct DemoArgs {
    // The default written with its thousands separator, as every number the
    // program shows.
    #[arg(
        long,
        help = "Nombre de bulletins de salaire à créer (par défaut : 20\u{202f}000)",
        value_name = "N",
        default_value_t = 20_000,
        hide_default_value = true,
        value_parser = between(1u64, MAX_PAYSLIPS)
    )]
    payslips: u64,
    /// Graine : la même graine donne la même base (par défaut : 1)
    #[arg(
        long,
        value_name = "S",
        default_value_t = 1,
        hide_default_value = true,
        value_parser = between(0u64, u64::MAX)
    )]
    seed: u64,
    /// Remplace la base existante (elle n'est remplacée qu'une fois la nouvelle complète)
    #[arg(long)]
    force: bool,
}

pub(super) fn run(home: &Home, args: &DemoArgs) -> anyhow::Result<ExitCode> {
    ensure_home(home)?;
    let path = load_config(home)?.paths.store;
    let options = DemoOptions {
        payslips: args.payslips,
        seed: args.seed,
        overwrite: args.force,
    };
    let report = demo::build_demo(home, &path, &options, &Bar::new(), &Cancel::new())
        .map_err(explained(messages::demo_error))?;
    Config::modify(home, |config| {
        config.set_active_store(&path);
        Ok::<_, config::ConfigError>(())
    })
    .map_err(explained(messages::config_error))?;
    let n = |count: u64| messages::integer(i128::from(count));
    say!(
        "Base de démonstration créée : {}\n  {} dossiers, {} employeurs, {} salariés, {} bulletins de salaire, {} utilisateurs, {} postes\n  en {}",
        report.path.display(),
        n(report.dossiers),
        n(report.employers),
        n(report.employees),
        n(report.payslips),
        n(report.users),
        n(report.workstations),
        messages::duration_text(report.elapsed)
    )?;
    Ok(ExitCode::SUCCESS)
}
