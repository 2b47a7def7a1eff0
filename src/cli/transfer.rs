//! `transfer check|run|report`: « Transfert database vers Urssaf » (seed 004)
//! for administrators' scripts. `check` says every prerequisite of each store
//! (exit 1 while one blocks); `run` confirms with « oui », then shows one
//! progress bar per store; a data item may be sent anyway with `--accept`, and
//! the proxy of step 5bis is given with `--proxy`; `report` writes the report
//! of step 6, and with `--send` sends it through the support's SMTP settings.

use std::collections::BTreeSet;
use std::io::{self, BufRead as _, IsTerminal as _};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

use super::confirm::{Question, confirm};
use super::error::explained;
use super::output::{self, say};
use super::{CliError, ensure_home, exit_code, load_config};
use crate::config::Config;
use crate::home::Home;
use crate::installation::Installation;
use crate::jobs::Cancel;
use crate::messages;
use crate::transfer::prereq::{DataCheck, InstallationCheck, StoreFindings};
use crate::transfer::report::{self, ReportError};
use crate::transfer::{
    self, Acknowledged, FallbackProxy, ProxyPassword, StoreRow, TransferError, TransferProgress,
    TransferRequest, TransferStatus,
};

/// Lines of offending rows shown per item on a terminal (all of them in JSON).
const ROWS_SHOWN: usize = 10;

#[derive(Subcommand)]
pub(super) enum TransferCmd {
    /// Vérifie les prérequis du transfert sur chaque base (« Prérequis ») ; code de
    /// sortie 1 tant qu'un prérequis bloque
    Check(CheckArgs),
    /// Transfère les bases vers Sharebox (« Transférer ») ; reprend un transfert
    /// interrompu là où il s'est arrêté
    Run(Box<RunArgs>),
    /// Le rapport à communiquer à l'équipe IEA (« Envoyer le rapport »)
    Report(ReportArgs),
}

impl TransferCmd {
    pub(super) fn json(&self) -> bool {
        match self {
            Self::Check(a) => a.json,
            Self::Run(a) => a.json,
            Self::Report(a) => a.json,
        }
    }

    /// Whether the command writes under `IEA_HOME` (and logs).
    pub(super) fn writes(&self) -> bool {
        match self {
            Self::Check(_) => false,
            Self::Run(_) => true,
            Self::Report(a) => a.send,
        }
    }
}

#[derive(Args)]
pub(super) struct CheckArgs {
    /// Une base à transférer (plusieurs fois possible) ; par défaut, la base active
    #[arg(long = "base", value_name = "FICHIER")]
    bases: Vec<PathBuf>,
    /// Sortie JSON
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
#[allow(clippy::struct_excessive_bools)] // the command's flags
pub(super) struct RunArgs {
    /// Une base à transférer (plusieurs fois possible) ; par défaut, la base active
    #[arg(long = "base", value_name = "FICHIER")]
    bases: Vec<PathBuf>,
    /// Transfère malgré un prérequis sur les données non rempli, qui sera cité
    /// dans le rapport : noms-dossiers, dossiers-simulation, date-sortie,
    /// code-risque, employeurs-archives, salaries-archives (plusieurs fois possible)
    #[arg(long = "accept", value_name = "ELEMENT", value_parser = parse_check)]
    accept: Vec<DataCheck>,
    /// Le proxy à utiliser pour Sharebox quand la connexion directe ne s'établit pas
    #[arg(long, value_name = "HOTE:PORT", value_parser = parse_proxy)]
    proxy: Option<(String, u16)>,
    /// L'utilisateur du proxy
    #[arg(long, value_name = "NOM", requires = "proxy")]
    proxy_user: Option<String>,
    /// Lit le mot de passe du proxy sur l'entrée standard (une ligne), jamais en argument
    #[arg(long, requires = "proxy")]
    proxy_password_stdin: bool,
    /// Enregistre ce proxy dans les paramètres de connexion (mot de passe chiffré)
    #[arg(long, requires = "proxy")]
    save_proxy: bool,
    /// Confirme sans poser de question
    #[arg(long)]
    yes: bool,
    /// Sortie JSON
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub(super) struct ReportArgs {
    /// Envoie le rapport par la messagerie du support (paramètres SMTP)
    #[arg(long)]
    send: bool,
    /// Le nom du gestionnaire, à la fin de l'objet ; par défaut, celui de la session
    #[arg(long, value_name = "NOM")]
    manager: Option<String>,
    /// Sortie JSON
    #[arg(long)]
    json: bool,
}

fn parse_check(text: &str) -> Result<DataCheck, String> {
    DataCheck::from_code(text).ok_or_else(|| {
        format!(
            "élément inconnu ; les éléments sont : {}",
            DataCheck::ALL.map(DataCheck::code).join(", ")
        )
    })
}

fn parse_proxy(text: &str) -> Result<(String, u16), String> {
    let (host, port) = text
        .trim()
        .rsplit_once(':')
        .ok_or("attendu : HOTE:PORT (par exemple proxy.asso.local:3128)")?;
    let port: u16 = port
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or("le port va de 1 à 65535")?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err("l'adresse du proxy manque".to_owned());
    }
    Ok((host.to_owned(), port))
}

pub(super) fn run(home: &Home, cmd: TransferCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        TransferCmd::Check(args) => check(home, &args),
        TransferCmd::Run(args) => send(home, &args),
        TransferCmd::Report(args) => report_cmd(home, &args),
    }
}

/// The stores named, or the active one.
fn stores(home: &Home, bases: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    if bases.is_empty() {
        return Ok(vec![load_config(home)?.paths.store]);
    }
    Ok(bases
        .iter()
        .map(|b| std::path::absolute(b).unwrap_or_else(|_| b.clone()))
        .collect())
}

fn check(home: &Home, args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let stores = stores(home, &args.bases)?;
    let found = transfer::check(home, &stores, chrono::Local::now());
    let server = server_status(home);
    let may = found.blockers(&BTreeSet::new()).is_empty();
    if args.json {
        let stores: Vec<serde_json::Value> = found
            .stores
            .iter()
            .map(|s| match &s.result {
                Ok(f) => json!({
                    "store": s.store,
                    "data": f.data.iter().map(|d| json!({
                        "check": d.check.code(),
                        "label": messages::data_check_label(d.check),
                        "met": d.met(),
                        "total": d.total,
                        "rows": d.rows.iter().map(|r| messages::Worded {
                            fact: r,
                            text: messages::offence_line(r),
                        }).collect::<Vec<_>>(),
                        "fix": (!d.met()).then(|| messages::data_check_fix(d.check)),
                    })).collect::<Vec<_>>(),
                    "installation": installation_json(f),
                    "error": null,
                }),
                Err(fault) => json!({"store": s.store, "error": messages::store_fault(fault)}),
            })
            .collect();
        output::json(&json!({
            "server": server.as_ref().map_or_else(
                |e| json!({"open": false, "error": e}),
                |(open, message)| json!({"open": open, "message": message}),
            ),
            "stores": stores,
            "may_transfer": may,
        }))?;
        return Ok(exit_code(may));
    }
    match &server {
        Ok((true, _)) => say!("✔ Le transfert est ouvert pour votre installation (« GO »).")?,
        Ok((false, message)) => say!("✘ {message}")?,
        Err(e) => say!("✘ {e}")?,
    }
    for s in &found.stores {
        say!("\nBase « {} »", s.store.display())?;
        let f = match &s.result {
            Ok(f) => f,
            Err(fault) => {
                say!("✘ {}", messages::store_fault(fault).one_line())?;
                continue;
            }
        };
        say!("Concernant vos données :")?;
        for d in &f.data {
            if d.met() {
                say!("  ✔ {}", messages::data_check_label(d.check))?;
                continue;
            }
            say!(
                "  ✘ {} — {} ligne(s) ; à accepter tel quel : --accept {}",
                messages::data_check_label(d.check),
                d.total,
                d.check.code()
            )?;
            for row in d.rows.iter().take(ROWS_SHOWN) {
                say!("      • {}", messages::offence_line(row))?;
            }
            if d.total > ROWS_SHOWN as u64 {
                say!(
                    "      … et {} autre(s) (--json les donne toutes)",
                    d.total - ROWS_SHOWN as u64
                )?;
            }
            say!("      {}", messages::data_check_fix(d.check))?;
        }
        say!("Concernant votre installation :")?;
        for (check, met, detail) in installation_lines(f) {
            let mark = if check == InstallationCheck::Antivirus {
                "!"
            } else if met {
                "✔"
            } else {
                "✘"
            };
            say!(
                "  {mark} {} — {detail}",
                messages::installation_check_label(check)
            )?;
            if !met {
                say!("      {}", messages::installation_check_todo(check))?;
            }
        }
    }
    Ok(exit_code(may))
}

/// The installation items of a store: (item, met, what was found).
fn installation_lines(f: &StoreFindings) -> Vec<(InstallationCheck, bool, String)> {
    let i = &f.installation;
    let connected: Vec<String> = i
        .connected()
        .iter()
        .map(|s| messages::session_who(s))
        .collect();
    let services: Vec<String> = i
        .running_services()
        .iter()
        .map(|s| messages::service_seen(s))
        .collect();
    vec![
        (
            InstallationCheck::RecentBackup,
            i.backup_met(),
            messages::backup_detail(i.last_backup, i.last_change),
        ),
        (
            InstallationCheck::NobodyConnected,
            connected.is_empty(),
            if connected.is_empty() {
                "Personne n'utilise Impact emploi.".to_owned()
            } else {
                format!("Connecté(s) : {}.", connected.join(", "))
            },
        ),
        (
            InstallationCheck::NoOtherService,
            services.is_empty(),
            if services.is_empty() {
                "Aucun autre poste n'a son gestionnaire de services lancé.".to_owned()
            } else {
                format!("Lancé sur : {}.", services.join(", "))
            },
        ),
        (
            InstallationCheck::Antivirus,
            true,
            messages::ANTIVIRUS_REMINDER.to_owned(),
        ),
    ]
}

fn installation_json(f: &StoreFindings) -> Vec<serde_json::Value> {
    installation_lines(f)
        .into_iter()
        .map(|(check, met, detail)| {
            json!({
                "check": check,
                "label": messages::installation_check_label(check),
                "met": met,
                "detail": detail,
                "todo": (!met).then(|| messages::installation_check_todo(check)),
            })
        })
        .collect()
}

/// Whether the server says « GO »: (open, its words), or why it did not say.
fn server_status(home: &Home) -> Result<(bool, String), String> {
    let config = Config::load(home).map_err(|e| messages::config_error(&e).one_line())?;
    let installation = Installation::load(home)
        .map_err(|e| messages::installation_error(&e).one_line())?
        .ok_or_else(|| "Cette installation n'a pas encore d'identité.".to_owned())?;
    let settings = &config.connection;
    let password = crate::secrets::reveal(home, settings.proxy.password_encrypted.as_deref())
        .ok()
        .flatten()
        .filter(|_| settings.kind == crate::config::ConnectionKind::Proxy);
    match transfer::status(settings, password.as_deref(), &installation) {
        Ok(TransferStatus::Open { .. }) => Ok((true, String::new())),
        Ok(TransferStatus::Closed { message }) => Ok((false, messages::transfer_closed(&message))),
        Err(e) => Err(messages::transfer_server_problem(&e)),
    }
}

/// One progress bar per store on the terminal: the gauge, « C » and « T ».
struct Bars {
    multi: MultiProgress,
    slots: std::sync::Mutex<Vec<Option<ProgressBar>>>,
    drawn: bool,
}

impl Bars {
    fn new(count: usize) -> Self {
        let drawn = io::stderr().is_terminal();
        let multi = MultiProgress::new();
        if !drawn {
            multi.set_draw_target(ProgressDrawTarget::hidden());
        }
        Self {
            multi,
            slots: std::sync::Mutex::new(vec![None; count]),
            drawn,
        }
    }
}

impl TransferProgress for Bars {
    fn row(&self, index: usize, row: &StoreRow) {
        if !self.drawn {
            return;
        }
        let Ok(mut bars) = self.slots.lock() else {
            return;
        };
        let Some(slot) = bars.get_mut(index) else {
            return;
        };
        let bar = slot.get_or_insert_with(|| {
            let bar = self.multi.add(ProgressBar::new(0));
            bar.set_style(
                ProgressStyle::with_template("{prefix:24} [{bar:30}] {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_prefix(row.name.clone());
            bar
        });
        bar.set_length(row.gauge.total.max(1));
        bar.set_position(row.gauge.done);
        bar.set_message(format!(
            "C : {} · T : {} · {}",
            messages::step_state(row.compression),
            messages::step_state(row.transfer),
            messages::gauge_text(&row.gauge)
        ));
    }
}

impl Drop for Bars {
    fn drop(&mut self) {
        if let Ok(bars) = self.slots.lock() {
            for bar in bars.iter().flatten() {
                bar.finish_and_clear();
            }
        }
    }
}

fn send(home: &Home, args: &RunArgs) -> anyhow::Result<ExitCode> {
    ensure_home(home)?;
    let stores = stores(home, &args.bases)?;
    let acknowledged: BTreeSet<Acknowledged> = stores
        .iter()
        .flat_map(|store| {
            args.accept.iter().map(|check| Acknowledged {
                store: store.clone(),
                check: *check,
            })
        })
        .collect();
    let proxy = match &args.proxy {
        None => None,
        Some((host, port)) => {
            let password = if args.proxy_password_stdin {
                let mut line = String::new();
                io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .context("le mot de passe du proxy n'a pas pu être lu sur l'entrée standard")?;
                ProxyPassword::Typed(line.trim_end_matches(['\r', '\n']).to_owned())
            } else {
                // The proxy saved in the settings keeps its saved password.
                let saved = load_config(home)?.connection.proxy;
                if saved.host == *host && saved.port == *port && saved.password_encrypted.is_some()
                {
                    ProxyPassword::Saved
                } else {
                    ProxyPassword::None
                }
            };
            Some(FallbackProxy {
                host: host.clone(),
                port: *port,
                user: args.proxy_user.clone().unwrap_or_default(),
                password,
                save: args.save_proxy,
            })
        }
    };
    let names: Vec<String> = stores
        .iter()
        .map(|s| format!("« {} »", s.display()))
        .collect();
    confirm(
        args.yes,
        &Question {
            announce: format!(
                "Les bases suivantes vont être transférées vers Sharebox : {}.\nElles ne sont pas \
                 modifiées ; un transfert interrompu reprend là où il s'est arrêté.",
                names.join(", ")
            ),
            unasked: format!(
                "Le transfert envoie vers Sharebox les bases {}.",
                names.join(", ")
            ),
            action: "Transfert",
        },
    )?;
    let request = TransferRequest {
        stores,
        acknowledged,
        proxy,
    };
    let bars = Bars::new(request.stores.len());
    let result = transfer::run(home, &request, &bars, &Cancel::new());
    drop(bars);
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            let mut explanation = messages::transfer_error(&e);
            if matches!(
                e,
                TransferError::NotEstablished {
                    via_proxy: None,
                    ..
                }
            ) {
                explanation.todo = format!(
                    "{}\nRelancez avec le proxy : iea-maintenance transfer run --proxy \
                     HOTE:PORT [--proxy-user NOM --proxy-password-stdin] [--save-proxy]",
                    explanation.todo
                );
            }
            if let TransferError::Prerequisites { blockers } = &e
                && blockers
                    .iter()
                    .any(|b| matches!(b, transfer::Blocker::Data(..)))
            {
                explanation.todo = format!(
                    "{}\nPour transférer malgré un point sur les données : --accept ELEMENT \
                     (voir iea-maintenance transfer check).",
                    explanation.todo
                );
            }
            return Err(CliError::failure(explanation).into());
        }
    };
    if args.json {
        output::json(&report)?;
        return Ok(ExitCode::SUCCESS);
    }
    say!("{}", messages::SUCCESS)?;
    for s in &report.stores {
        if s.already_received {
            say!(
                "✔ « {} » : déjà reçue (accusé de réception {}).",
                s.name,
                s.receipt
            )?;
        } else {
            say!(
                "✔ « {} » : {} envoyés, SHA-256 {}, accusé de réception {}.",
                s.name,
                crate::fsutil::human_size(s.size_bytes),
                s.sha256,
                s.receipt
            )?;
        }
    }
    say!("Communiquez cette information à l'équipe IEA : iea-maintenance transfer report --send")?;
    Ok(ExitCode::SUCCESS)
}

fn report_cmd(home: &Home, args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let manager = args.manager.clone().unwrap_or_else(report::default_manager);
    let facts = report::facts(home, &manager)
        .map_err(explained(|e: &ReportError| messages::report_error(e)))?;
    let mail = report::compose(&facts);
    let sent = if args.send {
        ensure_home(home)?;
        Some(report::send(home, &mail))
    } else {
        None
    };
    if args.json {
        output::json(&json!({
            "to": mail.to,
            "subject": mail.subject,
            "body": mail.body,
            "facts": facts,
            "sent": sent.as_ref().map(Result::is_ok),
            "error": sent.as_ref().and_then(|r| r.as_ref().err()).map(messages::report_error),
        }))?;
    } else {
        say!("À : {}", mail.to.join(", "))?;
        say!("Objet : {}", mail.subject)?;
        say!("\n{}", mail.body)?;
    }
    match sent {
        Some(Err(e)) => {
            if args.json {
                return Ok(ExitCode::from(1));
            }
            Err(CliError::failure(messages::report_error(&e)).into())
        }
        Some(Ok(())) => {
            if !args.json {
                super::output::note!("Le rapport a été envoyé à {}.", mail.to.join(", "));
            }
            Ok(ExitCode::SUCCESS)
        }
        None => Ok(ExitCode::SUCCESS),
    }
}
