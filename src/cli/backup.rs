//! `backup list|run|run-due|verify|restore`: the backup scripts, a backup now,
//! the scripts whose time has come (for the system's scheduler), reading back
//! every backup kept, and putting a backup in place of the store. The
//! commands that change the scripts themselves are in `backup_scripts.rs`.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::Subcommand;
use serde::Serialize;

use super::confirm::{Question, confirm};
use super::error::explained;
use super::output::{self, say};
use super::progress::Bar;
use super::{CliError, backup_scripts, ensure_home, exit_code, plain};
use crate::backup::book::ScriptBook;
use crate::backup::destination::Place;
use crate::backup::reason::{RunReason, VerifyProblem};
use crate::backup::restore::{self, RestoreChoice};
use crate::backup::run::{self, BackupContext, RunReport, Trigger};
use crate::backup::{DestinationKind, Frequency, RunOutcome, ScriptEntry, schedule};
use crate::fsutil::human_size;
use crate::home::Home;
use crate::jobs::{Cancel, NoProgress};
use crate::messages::{self, Explanation};
use crate::service::persist::PersistedState;

#[derive(Subcommand)]
pub(super) enum BackupCmd {
    /// Liste les scripts de sauvegarde, leur prochaine exécution et leur dernier résultat
    List {
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Exécute un script de sauvegarde maintenant
    Run {
        /// Le nom du script
        #[arg(value_name = "NOM")]
        name: String,
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Exécute les scripts dont l'heure est venue (pour le planificateur du système) ;
    /// code de sortie 1 si une sauvegarde a échoué
    #[command(name = "run-due")]
    RunDue {
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Relit chaque sauvegarde conservée à son emplacement et la vérifie ; code de
    /// sortie 1 si l'une est absente ou abîmée
    Verify {
        /// Le nom du script
        #[arg(
            value_name = "NOM",
            required_unless_present = "all",
            conflicts_with = "all"
        )]
        name: Option<String>,
        /// Tous les scripts
        #[arg(long)]
        all: bool,
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Crée un script de sauvegarde (« Nouveau »), avec les règles du formulaire
    // Boxed: the form's fields make these two much larger than the others.
    Add(Box<backup_scripts::AddArgs>),
    /// Modifie un script de sauvegarde (« Modifier ») : seules les valeurs indiquées
    /// changent
    Modify(Box<backup_scripts::ModifyArgs>),
    /// Supprime un script de sauvegarde ; les sauvegardes qu'il a faites sont conservées
    Remove(backup_scripts::RemoveArgs),
    /// Vérifie sauvegardes.toml, le fichier des scripts, et indique l'erreur qu'il
    /// contient
    Check,
    /// Repousse l'exécution automatique de scripts de N jours (« Repousser »),
    /// par exemple avant une clôture d'exercice
    Postpone(backup_scripts::PostponeArgs),
    /// Annule le report : les scripts reprennent leur calendrier (« Annuler le
    /// report »), par exemple après une clôture d'exercice
    Resume(backup_scripts::ResumeArgs),
    /// Restaure une sauvegarde à la place de la base (une copie de la base actuelle est
    /// d'abord conservée « avant restauration »)
    Restore {
        /// Le script qui a fait la sauvegarde
        #[arg(long, value_name = "NOM")]
        script: Option<String>,
        /// Le fichier de sauvegarde (.iea.zip) ; avec --script, son nom à l'emplacement du script
        #[arg(long, value_name = "FICHIER", required_unless_present = "latest")]
        file: Option<PathBuf>,
        /// La plus récente sauvegarde du script
        #[arg(long, requires = "script", conflicts_with = "file")]
        latest: bool,
        /// Ne demande pas de confirmation
        #[arg(long)]
        yes: bool,
    },
}

impl BackupCmd {
    pub(super) fn json(&self) -> bool {
        matches!(
            self,
            Self::List { json: true }
                | Self::Run { json: true, .. }
                | Self::RunDue { json: true }
                | Self::Verify { json: true, .. }
        )
    }

    /// Whether the command writes under `IEA_HOME` (and so logs there); the
    /// ones that only read create nothing.
    pub(super) fn writes(&self) -> bool {
        !matches!(self, Self::List { .. } | Self::Check)
    }
}

pub(super) fn run(home: &Home, cmd: BackupCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        BackupCmd::List { json } => list(home, json),
        BackupCmd::Run { name, json } => run_now(home, &name, json),
        BackupCmd::RunDue { json } => run_due(home, json),
        BackupCmd::Verify { name, all, json } => verify(home, name, all, json),
        BackupCmd::Add(args) => backup_scripts::add(home, &args),
        BackupCmd::Modify(args) => backup_scripts::modify(home, &args),
        BackupCmd::Remove(args) => backup_scripts::remove(home, &args),
        BackupCmd::Check => backup_scripts::check(home),
        BackupCmd::Postpone(args) => backup_scripts::postpone(home, &args),
        BackupCmd::Resume(args) => backup_scripts::resume(home, &args),
        BackupCmd::Restore {
            script,
            file,
            latest,
            yes,
        } => {
            // The flags name the backup; the domain finds it. clap already
            // refuses --latest without --script and a restore with neither
            // --file nor --latest.
            let choice = match (script, file) {
                (Some(script), _) if latest => RestoreChoice::Latest { script },
                (Some(script), Some(file)) => RestoreChoice::InScript { script, file },
                (None, Some(file)) => RestoreChoice::File(file),
                (_, None) => {
                    return Err(CliError::usage(plain(
                        "Sauvegarde à restaurer non indiquée",
                        "Indiquez --file FICHIER ou --latest.",
                        "Pour l'aide : iea-maintenance backup restore --help",
                    ))
                    .into());
                }
            };
            restore(home, choice, yes)
        }
    }
}

/// The backup context of the installation, `IEA_HOME` made first.
fn context(home: &Home) -> Result<BackupContext, CliError> {
    ensure_home(home)?;
    BackupContext::load(home).map_err(explained(messages::run_error))
}

/// `backup list --json`.
#[derive(Serialize)]
struct ListJson<'a> {
    assistance: bool,
    scripts: Vec<ScriptJson<'a>>,
}

/// One script, its schedule and what the installation remembers of it.
#[derive(Serialize)]
struct ScriptJson<'a> {
    name: &'a str,
    enabled: bool,
    frequency: Frequency,
    start_date: String,
    time: String,
    keep: u8,
    destination: DestinationJson,
    next_run: String,
    due: bool,
    last_run_at: Option<DateTime<Utc>>,
    last_outcome: Option<RunOutcome>,
    last_reason: Option<messages::Worded<'a, RunReason>>,
    last_good_at: Option<DateTime<Utc>>,
    postponed_until: Option<DateTime<Utc>>,
    pending: &'a [String],
    stale: bool,
    date_anomaly: Option<String>,
}

/// Where a script's backups go: its kind and one line (never a password).
#[derive(Serialize)]
struct DestinationJson {
    #[serde(rename = "type")]
    kind: DestinationKind,
    description: String,
}

impl<'a> ScriptJson<'a> {
    fn new(e: &'a ScriptEntry, now: &DateTime<chrono::Local>) -> Self {
        let s = &e.script;
        Self {
            name: &s.name,
            enabled: s.enabled,
            frequency: s.frequency,
            start_date: s.start_date.to_string(),
            time: s.time.format("%H:%M").to_string(),
            keep: s.keep,
            destination: DestinationJson {
                kind: s.destination.kind(),
                description: messages::place(&s.destination.place()),
            },
            next_run: schedule::next_run(s, &e.state, now).to_rfc3339(),
            due: schedule::is_due(e, now),
            last_run_at: e.state.last_run_at,
            last_outcome: e.state.last_outcome,
            last_reason: e
                .state
                .last_reason
                .as_ref()
                .map(messages::run_reason_worded),
            last_good_at: e.state.last_good_at,
            postponed_until: e.state.postponed_until,
            pending: &e.state.pending,
            stale: schedule::staleness(e, now).is_some(),
            date_anomaly: schedule::date_anomaly(e, now).map(|a| messages::date_anomaly(&a)),
        }
    }
}

fn list(home: &Home, json: bool) -> anyhow::Result<ExitCode> {
    let book = ScriptBook::load(home).map_err(explained(messages::book_error))?;
    let now = chrono::Local::now();
    let assistance = PersistedState::load(home).assistance;
    if json {
        output::json(&ListJson {
            assistance,
            scripts: book
                .entries
                .iter()
                .map(|e| ScriptJson::new(e, &now))
                .collect(),
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    if assistance {
        say!("{}", messages::ASSISTANCE_WARNING)?;
    }
    if book.entries.is_empty() {
        say!("{}", messages::NO_SCRIPT)?;
    }
    for e in &book.entries {
        let s = &e.script;
        say!(
            "{}",
            messages::next_run_line(&s.name, &schedule::next_run(s, &e.state, &now))
        )?;
        say!(
            "  {}, à conserver : {}, vers {}{}",
            messages::frequency_text(s.frequency),
            s.keep,
            messages::place(&s.destination.place()),
            if s.enabled {
                ""
            } else {
                " (exécution automatique désactivée)"
            }
        )?;
        match e.state.last_outcome {
            Some(outcome) => say!(
                "  dernier résultat : {}{}",
                messages::outcome_label(outcome),
                e.state
                    .last_reason
                    .as_ref()
                    .map(|r| format!(" — {}", messages::run_reason(r)))
                    .unwrap_or_default()
            )?,
            None => say!("  jamais exécuté")?,
        }
        if let Some(a) = schedule::date_anomaly(e, &now) {
            say!("  {}", messages::date_anomaly(&a))?;
        }
        if let Some(st) = schedule::staleness(e, &now) {
            say!("  {}", messages::staleness_line(&s.name, &st))?;
        }
        if !e.state.pending.is_empty() {
            say!("  en attente de dépôt : {}", e.state.pending.join(", "))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `backup run --json`: what the run came to.
#[derive(Serialize)]
struct RunJson<'a> {
    script: &'a str,
    trigger: &'static str,
    started_at: DateTime<Utc>,
    ended_at: DateTime<Utc>,
    outcome: &'static str,
    reason: Option<messages::Worded<'a, RunReason>>,
    archive: Option<&'a str>,
    size_bytes: Option<u64>,
    /// The archive file's SHA-256, lower-case hex.
    sha256: Option<&'a str>,
    destination: messages::Worded<'a, Place>,
    removed: &'a [String],
    kept_in_staging: bool,
}

impl<'a> From<&'a RunReport> for RunJson<'a> {
    fn from(r: &'a RunReport) -> Self {
        Self {
            script: &r.script,
            trigger: r.trigger.code(),
            started_at: r.started_at,
            ended_at: r.ended_at,
            outcome: r.outcome.code(),
            reason: r.reason.as_ref().map(messages::run_reason_worded),
            archive: r.archive.as_deref(),
            size_bytes: r.size_bytes,
            sha256: r.archive_sha256.as_deref(),
            destination: messages::place_worded(&r.destination),
            removed: &r.removed,
            kept_in_staging: r.kept_in_staging,
        }
    }
}

fn run_now(home: &Home, name: &str, json: bool) -> anyhow::Result<ExitCode> {
    let ctx = context(home)?;
    let report = run::run_script(&ctx, name, Trigger::Manuel, &Bar::new(), &Cancel::new())
        .map_err(explained(messages::run_error))?;
    if json {
        output::json(&RunJson::from(&report))?;
    } else {
        say!("{}", messages::run_report_text(&report))?;
    }
    Ok(exit_code(report.outcome.delivered()))
}

/// `backup run-due --json`: what the scheduler's pass did.
#[derive(Serialize)]
struct DueJson<'a> {
    /// The runs and late deliveries, in order.
    runs: Vec<RunJson<'a>>,
    /// Due, but not run: assistance mode is on.
    skipped_for_assistance: &'a [String],
    /// Due, but another backup, a restore or a closing held the store.
    skipped_busy: &'a [String],
    /// Whether a run or a delivery failed (exit code 1).
    failed: bool,
}

fn run_due(home: &Home, json: bool) -> anyhow::Result<ExitCode> {
    let ctx = context(home)?;
    let assistance = PersistedState::load(home).assistance;
    let report = run::run_due(&ctx, &chrono::Local::now(), assistance, &Cancel::new())
        .map_err(explained(messages::run_error))?;
    if json {
        output::json(&DueJson {
            runs: report.runs.iter().map(RunJson::from).collect(),
            skipped_for_assistance: &report.skipped_for_assistance,
            skipped_busy: &report.skipped_busy,
            failed: report.any_failed(),
        })?;
        return Ok(exit_code(!report.any_failed()));
    }
    if !report.skipped_for_assistance.is_empty() {
        say!(
            "{} Non exécutés : {}",
            messages::ASSISTANCE_WARNING,
            report.skipped_for_assistance.join(", ")
        )?;
    }
    for name in &report.skipped_busy {
        say!("{name} : une autre sauvegarde est en cours, il sera exécuté au prochain passage.")?;
    }
    for r in &report.runs {
        say!("{}", messages::run_report_text(r))?;
    }
    if report.runs.is_empty()
        && report.skipped_for_assistance.is_empty()
        && report.skipped_busy.is_empty()
    {
        say!("Aucune sauvegarde à exécuter maintenant.")?;
    }
    Ok(exit_code(!report.any_failed()))
}

/// `backup verify --json`: every script asked, every backup it keeps.
#[derive(Serialize)]
struct VerifyJson {
    scripts: Vec<VerifiedScriptJson>,
    /// Whether every script has backups and every one was read back whole
    /// (exit code 0).
    ok: bool,
}

/// One script: its backups as read back, or why they could not be listed.
#[derive(Serialize)]
struct VerifiedScriptJson {
    script: String,
    backups: Vec<VerifiedBackupJson>,
    /// Why the destination could not be read (its French explanation).
    error: Option<Explanation>,
}

/// One backup kept at the destination.
#[derive(Serialize)]
struct VerifiedBackupJson {
    name: String,
    size_bytes: u64,
    /// The local time in its name.
    taken_at: String,
    /// Read back whole and matching its manifest.
    ok: bool,
    /// Why not: its code, parameters and French sentence.
    #[serde(serialize_with = "worded_problem")]
    problem: Option<VerifyProblem>,
}

/// A verification's problem as the other `--json` facts: code, params, text.
#[allow(clippy::ref_option)] // serde's `serialize_with` hands the field by reference
fn worded_problem<S: serde::Serializer>(
    problem: &Option<VerifyProblem>,
    s: S,
) -> Result<S::Ok, S::Error> {
    problem
        .as_ref()
        .map(|p| messages::Worded {
            fact: p,
            text: messages::verify_problem(p),
        })
        .serialize(s)
}

fn verify(home: &Home, name: Option<String>, all: bool, json: bool) -> anyhow::Result<ExitCode> {
    let ctx = context(home)?;
    let names: Vec<String> = if all {
        ScriptBook::load(home)
            .map_err(explained(messages::book_error))?
            .entries
            .into_iter()
            .map(|e| e.script.name)
            .collect()
    } else {
        name.into_iter().collect()
    };
    let mut scripts = Vec::new();
    for name in names {
        let found = run::verify_script(&ctx, &name, &NoProgress, &Cancel::new());
        let (backups, error) = match found {
            Ok(list) => (
                list.into_iter()
                    .map(|v| VerifiedBackupJson {
                        ok: v.problem.is_none(),
                        name: v.backup.name,
                        size_bytes: v.backup.size_bytes,
                        taken_at: v.backup.taken_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
                        problem: v.problem,
                    })
                    .collect(),
                None,
            ),
            Err(e) => (Vec::new(), Some(messages::run_error(&e))),
        };
        if !json {
            say_verified(&name, &backups, error.as_ref())?;
        }
        scripts.push(VerifiedScriptJson {
            script: name,
            backups,
            error,
        });
    }
    // A script with no backup at its destination is a failure too: there is
    // nothing to restore from.
    let ok = scripts
        .iter()
        .all(|s| s.error.is_none() && !s.backups.is_empty() && s.backups.iter().all(|b| b.ok));
    if json {
        output::json(&VerifyJson { scripts, ok })?;
    }
    Ok(exit_code(ok))
}

/// The text of `backup verify` for one script.
fn say_verified(
    name: &str,
    backups: &[VerifiedBackupJson],
    error: Option<&Explanation>,
) -> anyhow::Result<()> {
    if let Some(e) = error {
        say!("{name} : {}", e.one_line())?;
        return Ok(());
    }
    if backups.is_empty() {
        say!("{name} : aucune sauvegarde à l'emplacement.")?;
    }
    for b in backups {
        match &b.problem {
            None => say!(
                "{name} : {} ({}) — vérifiée",
                b.name,
                human_size(b.size_bytes)
            )?,
            Some(problem) => say!(
                "{name} : {} — ÉCHEC : {}",
                b.name,
                messages::verify_problem(problem)
            )?,
        }
    }
    Ok(())
}

fn restore(home: &Home, choice: RestoreChoice, yes: bool) -> anyhow::Result<ExitCode> {
    let ctx = context(home)?;
    let source = choice
        .resolve(&ctx)
        .map_err(explained(messages::restore_error))?;
    let what = messages::restore_source_subject(&source);
    let store = ctx.store_path.display();
    confirm(
        yes,
        &Question {
            announce: format!(
                "La base {store} va être remplacée par {what}.\nUne copie de la base actuelle \
                 sera conservée (« avant restauration »)."
            ),
            unasked: format!("La restauration remplace la base {store} par {what}."),
            action: "Restauration",
        },
    )?;
    let report = restore::restore(&ctx, &source, &Bar::new(), &Cancel::new())
        .map_err(explained(messages::restore_error))?;
    say!("{}", messages::restore_success(&report))?;
    Ok(ExitCode::SUCCESS)
}
