//! `queries list|show|run`: the predefined extraction queries of « Extractions
//! de données » on the command line. `list` gives their numbers and titles,
//! `show N` their parameters (kind, form, default) and their SQL, and `run N
//! [--param nom=valeur]… [--format xlsx|xml|txt|json] --output FICHIER`
//! writes the result to a file, streaming, with a progress bar on a terminal.
//! A refused value names the parameter and the expected form (exit 2); an
//! existing file is replaced only after « oui » or with `--yes`. The store is
//! only read: these commands create nothing under `IEA_HOME`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use serde::Serialize;

use super::confirm::{Question, confirm};
use super::error::explained;
use super::output::{self, say};
use super::progress::Bar;
use super::usage::between;
use super::{CliError, load_config, plain};
use crate::home::Home;
use crate::jobs::Cancel;
use crate::messages;
use crate::queries::params::{self, Choices, ParamSpec};
use crate::queries::{Catalogue, Column, ExportFormat, ExportReport, Query, QueryError, export};
use crate::store::Store;

#[derive(Subcommand)]
pub(super) enum QueriesCmd {
    /// Liste les requêtes prédéfinies : numéro, titre, paramètres
    List {
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Montre une requête : ses paramètres (forme attendue, valeur par défaut), ses colonnes et son SQL
    Show {
        /// Le numéro de la requête (voir « queries list »)
        #[arg(value_name = "NUMÉRO", value_parser = between(1u32, 9999))]
        number: u32,
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Exécute une requête et enregistre son résultat dans un fichier (XLSX, XML, TXT ou JSON)
    Run {
        /// Le numéro de la requête (voir « queries list »)
        #[arg(value_name = "NUMÉRO", value_parser = between(1u32, 9999))]
        number: u32,
        /// Valeur d'un paramètre, par exemple --param du=01/2026 (répétable) ; un paramètre omis prend sa valeur par défaut
        #[arg(long = "param", value_name = "NOM=VALEUR")]
        params: Vec<String>,
        /// Format du fichier : xlsx, xml, txt ou json (par défaut : d'après l'extension du fichier)
        #[arg(long, value_name = "FORMAT", value_parser = ["xlsx", "xml", "txt", "json"], hide_possible_values = true)]
        format: Option<String>,
        /// Le fichier à écrire
        #[arg(long, value_name = "FICHIER")]
        output: PathBuf,
        /// Remplace un fichier existant sans poser de question
        #[arg(long)]
        yes: bool,
        /// Compte rendu en JSON
        #[arg(long)]
        json: bool,
    },
}

impl QueriesCmd {
    pub(super) fn json(&self) -> bool {
        match self {
            Self::List { json } | Self::Show { json, .. } | Self::Run { json, .. } => *json,
        }
    }
}

/// A parameter in `list --json` and `show --json`.
#[derive(Serialize)]
struct ParamJson<'a> {
    #[serde(flatten)]
    spec: &'a ParamSpec,
    /// The form expected, in French.
    form: &'static str,
}

/// A query in `list --json` and `show --json`.
#[derive(Serialize)]
struct QueryJson<'a> {
    number: u32,
    title: &'a str,
    label: String,
    description: &'a str,
    parameters: Vec<ParamJson<'a>>,
    columns: Vec<Column>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sql: Option<&'a str>,
}

impl<'a> QueryJson<'a> {
    fn new(q: &'a Query, with_sql: bool) -> Self {
        Self {
            number: q.number,
            title: &q.title,
            label: messages::query_label(q),
            description: &q.description,
            parameters: q
                .params
                .iter()
                .map(|spec| ParamJson {
                    spec,
                    form: messages::expected_form(spec.kind),
                })
                .collect(),
            columns: q.visible_columns(),
            sql: with_sql.then_some(q.sql.as_str()),
        }
    }
}

/// A parameter's value in `run --json`.
#[derive(Serialize)]
struct ValueJson {
    name: String,
    value: String,
}

/// `run --json`: what was written.
#[derive(Serialize)]
struct RunJson<'a> {
    query: u32,
    title: &'a str,
    parameters: Vec<ValueJson>,
    #[serde(flatten)]
    report: &'a ExportReport,
}

pub(super) fn run(home: &Home, cmd: &QueriesCmd) -> anyhow::Result<ExitCode> {
    let catalogue = Catalogue::builtin();
    match cmd {
        QueriesCmd::List { json } => {
            if *json {
                let list: Vec<QueryJson<'_>> = catalogue
                    .queries()
                    .iter()
                    .map(|q| QueryJson::new(q, false))
                    .collect();
                output::json(&list)?;
                return Ok(ExitCode::SUCCESS);
            }
            for q in catalogue.queries() {
                let names: Vec<&str> = q.params.iter().map(|p| p.name.as_str()).collect();
                let label = messages::query_label(q);
                if names.is_empty() {
                    say!("{label}")?;
                } else {
                    say!("{label}  [{}]", names.join(", "))?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        QueriesCmd::Show { number, json } => {
            let q = query(catalogue, *number)?;
            if *json {
                output::json(&QueryJson::new(q, true))?;
            } else {
                say!("{}", show_text(q))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        QueriesCmd::Run {
            number,
            params: typed,
            format,
            output: target,
            yes,
            json,
        } => run_query(
            home,
            catalogue,
            *number,
            typed,
            format.as_deref(),
            target,
            *yes,
            *json,
        ),
    }
}

fn query(catalogue: &Catalogue, number: u32) -> Result<&Query, CliError> {
    catalogue
        .get(number)
        .ok_or_else(|| CliError::usage(messages::query_error(&QueryError::UnknownQuery { number })))
}

/// `queries show N` as text.
fn show_text(q: &Query) -> String {
    use std::fmt::Write as _;
    let mut text = format!("{}\n{}\n", messages::query_label(q), q.description);
    if q.params.is_empty() {
        text.push_str("\nParamètres : aucun\n");
    } else {
        text.push_str("\nParamètres :\n");
        for p in &q.params {
            let _ = writeln!(
                text,
                "  {:<10} {} ({}) : {} ; par défaut : {}",
                p.name,
                p.label,
                messages::kind_label(p.kind),
                messages::expected_form(p.kind),
                messages::default_label(p.default, p.kind)
            );
        }
    }
    text.push_str("\nColonnes :\n");
    for c in q.visible_columns() {
        let _ = writeln!(
            text,
            "  {:<24} {} ({})",
            c.key,
            c.label,
            messages::column_kind_label(c.kind)
        );
    }
    text.push_str("\nSQL :\n");
    text.push_str(q.sql.trim_end());
    text
}

#[allow(clippy::too_many_arguments)]
fn run_query(
    home: &Home,
    catalogue: &Catalogue,
    number: u32,
    typed: &[String],
    format: Option<&str>,
    target: &std::path::Path,
    yes: bool,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let q = query(catalogue, number)?;
    let format = match format {
        Some(name) => ExportFormat::from_name(name),
        None => ExportFormat::from_name(&target.to_string_lossy()),
    }
    .ok_or_else(|| {
        CliError::usage(plain(
            "Format inconnu",
            format!(
                "Le format du fichier « {} » n'est pas reconnu.",
                target.display()
            ),
            "Donnez un fichier .xlsx, .xml, .txt ou .json, ou le format avec --format \
             xlsx|xml|txt|json.",
        ))
    })?;
    // Every `--param` is read before anything else: all the refused values
    // are said at once.
    let mut pairs = Vec::new();
    let mut problems = Vec::new();
    for arg in typed {
        match params::split_name_value(arg) {
            Ok(pair) => pairs.push(pair),
            Err(p) => problems.push(p),
        }
    }
    let store_path = load_config(home)?.paths.store;
    let choices = {
        let store = Store::open_read_only(&store_path).map_err(explained(messages::store_error))?;
        Choices::read(store.connection())
            .map_err(|e| store.err(e))
            .map_err(explained(messages::store_error))?
    };
    let now = chrono::Local::now();
    let values = match params::validate(&q.params, &pairs, now.date_naive(), &choices) {
        Ok(values) if problems.is_empty() => values,
        Ok(_) => return Err(CliError::usage(messages::params_error(&problems)).into()),
        Err(more) => {
            problems.extend(more);
            return Err(CliError::usage(messages::params_error(&problems)).into());
        }
    };
    let exists = target.exists();
    if exists {
        confirm(
            yes,
            &Question {
                announce: messages::replace_question(target),
                unasked: format!("Le fichier « {} » existe déjà.", target.display()),
                action: "Extraction",
            },
        )?;
    }
    let report = export::write_query(
        &store_path,
        q,
        &values,
        format,
        target,
        exists,
        now.fixed_offset(),
        &Bar::new(),
        &Cancel::new(),
    )
    .map_err(explained(messages::query_error))?;
    if json {
        output::json(&RunJson {
            query: q.number,
            title: &q.title,
            parameters: values
                .0
                .iter()
                .map(|(s, v)| ValueJson {
                    name: s.name.clone(),
                    value: v.iso(),
                })
                .collect(),
            report: &report,
        })?;
    } else {
        say!("{}", messages::export_done(&report))?;
    }
    Ok(ExitCode::SUCCESS)
}
