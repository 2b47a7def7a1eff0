//! Command-line entry of `iea-maintenance`: parses the arguments, then calls the
//! library. Without argument it starts the resident service (tray icon); the
//! sub-commands open the maintenance centre, build a demo store, print the status
//! or diagnose the store. Exit status: 0 success, 1 failure, 2 bad usage.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;

use anyhow::Context;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use iea_maintenance::config::{self, Config};
use iea_maintenance::home::Home;
use iea_maintenance::instance::{self, Acquired};
use iea_maintenance::jobs::{Cancel, Phase, Progress};
use iea_maintenance::messages;
use iea_maintenance::ui::{self, ScreenId};
use iea_maintenance::{autostart, demo, diagnostics, logging, status, tray};

const HELP_TEMPLATE: &str = "\
{before-help}{name} {version} — {about}

Utilisation : {usage}

{all-args}{after-help}";

/// Help of the sub-commands: their own sentence, no program banner.
const SUB_HELP_TEMPLATE: &str = "\
{about}

Utilisation : {usage}

{all-args}{after-help}";

/// Gestionnaire de services et centre de maintenance d'Impact emploi association.
#[derive(Parser)]
#[command(
    name = "iea-maintenance",
    version,
    about = "gestionnaire de services et centre de maintenance d'Impact emploi",
    after_help = "Sans commande : démarre le gestionnaire de services (icône dans la zone de \
                  notification). Toutes les données sont sous le dossier IEA_HOME \
                  (variable d'environnement) ou, à défaut, dans le dossier de données de \
                  l'utilisateur.\nCodes de sortie : 0 succès, 1 échec, 2 mauvaise utilisation.",
    help_template = HELP_TEMPLATE,
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    #[command(flatten)]
    common: CommonFlags,
}

#[derive(Args)]
struct CommonFlags {
    /// Affiche cette aide
    #[arg(short = 'h', long = "help", action = clap::ArgAction::Help, global = true)]
    help: Option<bool>,
    /// Affiche la version
    #[arg(short = 'V', long = "version", action = clap::ArgAction::Version)]
    version: Option<bool>,
}

#[derive(Subcommand)]
#[command(
    subcommand_help_heading = "Commandes",
    subcommand_value_name = "COMMANDE"
)]
enum Cmd {
    /// Ouvre le centre de maintenance (ou l'amène au premier plan s'il est déjà ouvert)
    #[command(help_template = SUB_HELP_TEMPLATE)]
    Centre {
        /// Écran à afficher : accueil (par défaut), chemins, base, journal, a-propos
        #[arg(
            long,
            value_name = "ÉCRAN",
            default_value = "accueil",
            hide_default_value = true
        )]
        screen: String,
    },
    #[command(
        about = "Crée une base de démonstration réaliste dans IEA_HOME",
        help_template = SUB_HELP_TEMPLATE
    )]
    Demo {
        /// Nombre de bulletins de salaire à créer (par défaut : 20000)
        #[arg(
            long,
            value_name = "N",
            default_value_t = 20_000,
            hide_default_value = true
        )]
        payslips: u64,
        /// Graine : la même graine donne la même base (par défaut : 1)
        #[arg(long, value_name = "S", default_value_t = 1, hide_default_value = true)]
        seed: u64,
        /// Remplace la base existante (elle n'est remplacée qu'une fois la nouvelle complète)
        #[arg(long)]
        force: bool,
    },
    /// Affiche l'état de l'installation
    #[command(help_template = SUB_HELP_TEMPLATE)]
    Status {
        /// Sortie JSON sur une ligne
        #[arg(long)]
        json: bool,
    },
    /// Diagnostique l'accès à la base de données
    #[command(help_template = SUB_HELP_TEMPLATE)]
    Doctor {
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Vérifie ou réinitialise le fichier de configuration
    #[command(
        subcommand,
        help_template = SUB_HELP_TEMPLATE,
        subcommand_help_heading = "Commandes",
        subcommand_value_name = "COMMANDE"
    )]
    Config(ConfigCmd),
    /// Teste l'accès aux serveurs (authentification, mise à jour, Net-entreprises)
    #[command(
        subcommand,
        help_template = SUB_HELP_TEMPLATE,
        subcommand_help_heading = "Commandes",
        subcommand_value_name = "COMMANDE"
    )]
    Servers(ServersCmd),
    /// Authentification auprès du serveur Impact emploi
    #[command(
        subcommand,
        help_template = SUB_HELP_TEMPLATE,
        subcommand_help_heading = "Commandes",
        subcommand_value_name = "COMMANDE"
    )]
    Auth(AuthCmd),
    /// Mode assistance (avec le mot de passe du jour donné par l'assistance)
    #[command(
        subcommand,
        help_template = SUB_HELP_TEMPLATE,
        subcommand_help_heading = "Commandes",
        subcommand_value_name = "COMMANDE"
    )]
    Assistance(AssistanceCmd),
    /// Démarrage du gestionnaire de services avec la session
    #[command(
        subcommand,
        help_template = SUB_HELP_TEMPLATE,
        subcommand_help_heading = "Commandes",
        subcommand_value_name = "COMMANDE"
    )]
    Autostart(AutostartCmd),
    /// Sauvegardes et restaurations de la base
    #[command(
        subcommand,
        help_template = SUB_HELP_TEMPLATE,
        subcommand_help_heading = "Commandes",
        subcommand_value_name = "COMMANDE"
    )]
    Backup(BackupCmd),
    /// Clôture un exercice : les bulletins et déclarations de l'année passent dans les exercices clôturés
    #[command(name = "close-year", help_template = SUB_HELP_TEMPLATE)]
    CloseYear {
        /// Nom du dossier
        #[arg(long, value_name = "NOM")]
        dossier: String,
        /// Année de l'exercice à clôturer
        #[arg(long, value_name = "AAAA")]
        year: i32,
        /// Confirme sans poser de question
        #[arg(long)]
        yes: bool,
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Exercices des dossiers, ouverts et clôturés, avec leurs totaux
    #[command(
        subcommand,
        help_template = SUB_HELP_TEMPLATE,
        subcommand_help_heading = "Commandes",
        subcommand_value_name = "COMMANDE"
    )]
    Exercises(ExercisesCmd),
    /// Sessions d'Impact emploi ouvertes sur la base (« Déblocage accès au site »)
    #[command(
        subcommand,
        help_template = SUB_HELP_TEMPLATE,
        subcommand_help_heading = "Commandes",
        subcommand_value_name = "COMMANDE"
    )]
    Sessions(SessionsCmd),
}

#[derive(Subcommand)]
enum SessionsCmd {
    /// Liste les sessions : utilisateur, poste, début, dernier signe de vie
    List {
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
    /// Ferme une session restée ouverte après un arrêt brutal du poste (refusé pour une session active)
    Disconnect {
        /// Le numéro de la session (voir « sessions list »)
        #[arg(value_name = "NUMÉRO")]
        id: i64,
    },
}

#[derive(Subcommand)]
enum ExercisesCmd {
    /// Liste les exercices, du plus récent au plus ancien, par dossier
    #[command(help_template = SUB_HELP_TEMPLATE)]
    List {
        /// Seulement ce dossier
        #[arg(long, value_name = "NOM")]
        dossier: Option<String>,
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum BackupCmd {
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
    RunDue,
    /// Relit chaque sauvegarde conservée à son emplacement et la vérifie
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
    },
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

#[derive(Subcommand)]
enum ConfigCmd {
    /// Vérifie config.toml et indique la ligne et la clé en cause
    Check,
    /// Conserve une copie datée de config.toml puis rétablit les valeurs par défaut
    Reset,
}

#[derive(Subcommand)]
enum ServersCmd {
    /// Teste les trois adresses en même temps ; code de sortie 0 seulement si toutes répondent
    Test {
        /// Sortie JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum AuthCmd {
    /// Relance l'authentification maintenant et affiche l'état obtenu
    Retry,
}

#[derive(Subcommand)]
enum AssistanceCmd {
    /// Active le mode assistance
    Enable {
        /// Le mot de passe du jour donné par l'assistance (les espaces sont permis)
        #[arg(long, value_name = "CODE")]
        code: String,
    },
    /// Désactive le mode assistance
    Disable {
        /// Le mot de passe du jour donné par l'assistance (les espaces sont permis)
        #[arg(long, value_name = "CODE")]
        code: String,
    },
    /// Indique si le mode assistance est actif
    Status,
}

#[derive(Subcommand)]
enum AutostartCmd {
    /// Démarrer avec la session
    Enable,
    /// Ne plus démarrer avec la session
    Disable,
    /// Indique si le démarrage avec la session est actif
    Status,
}

fn main() -> ExitCode {
    let matches = match Cli::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => return usage_error(&e),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => return usage_error(&e),
    };
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("Erreur : {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  cause : {cause}");
            }
            ExitCode::from(1)
        }
    }
}

/// Prints clap's help and version as they are, and its errors in French.
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::{ContextKind, ErrorKind};
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    let value = |k| e.get(k).map(ToString::to_string).unwrap_or_default();
    let message = match e.kind() {
        ErrorKind::InvalidSubcommand => {
            format!(
                "commande inconnue : « {} »",
                value(ContextKind::InvalidSubcommand)
            )
        }
        ErrorKind::UnknownArgument => {
            format!("option inconnue : « {} »", value(ContextKind::InvalidArg))
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => format!(
            "valeur incorrecte « {} » pour {}",
            value(ContextKind::InvalidValue),
            value(ContextKind::InvalidArg)
        ),
        ErrorKind::MissingRequiredArgument => {
            format!(
                "argument obligatoire manquant : {}",
                value(ContextKind::InvalidArg)
            )
        }
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "une commande est attendue".to_owned()
        }
        _ => "arguments incorrects".to_owned(),
    };
    eprintln!("Erreur : {message}.\nPour l'aide : iea-maintenance --help");
    ExitCode::from(2)
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let home = Home::from_env().map_err(|e| anyhow::anyhow!("{}", messages::home_error(&e)))?;
    settle_interrupted_restore(&home);
    settle_interrupted_closing(&home);
    match cli.command {
        None => run_service(&home),
        Some(Cmd::Centre { screen }) => {
            let Some(screen) = ScreenId::from_slug(&screen) else {
                let names: Vec<&str> = ScreenId::ALL
                    .iter()
                    .filter(|s| s.is_built())
                    .map(|s| s.slug())
                    .collect();
                eprintln!(
                    "Erreur : écran inconnu « {screen} ». Écrans disponibles : {}.",
                    names.join(", ")
                );
                return Ok(ExitCode::from(2));
            };
            run_centre(&home, screen)
        }
        Some(Cmd::Demo {
            payslips,
            seed,
            force,
        }) => run_demo(&home, payslips, seed, force),
        Some(Cmd::Status { json }) => run_status(&home, json),
        Some(Cmd::Doctor { json }) => run_doctor(&home, json),
        Some(Cmd::Config(cmd)) => run_config(&home, &cmd),
        Some(Cmd::Autostart(cmd)) => run_autostart(&cmd),
        Some(Cmd::Servers(ServersCmd::Test { json })) => run_servers_test(&home, json),
        Some(Cmd::Auth(AuthCmd::Retry)) => run_auth_retry(&home),
        Some(Cmd::Assistance(cmd)) => run_assistance(&home, &cmd),
        Some(Cmd::Backup(cmd)) => run_backup(&home, cmd),
        Some(Cmd::CloseYear {
            dossier,
            year,
            yes,
            json,
        }) => run_close_year(&home, &dossier, year, yes, json),
        Some(Cmd::Exercises(ExercisesCmd::List { dossier, json })) => {
            run_exercises_list(&home, dossier.as_deref(), json)
        }
        Some(Cmd::Sessions(cmd)) => run_sessions(&home, &cmd),
    }
}

/// Loads the configuration or explains in French why it cannot be used.
fn load_config(home: &Home) -> anyhow::Result<Config> {
    Config::load(home).map_err(|e| {
        anyhow::anyhow!(
            "{}\nPour repartir des valeurs par défaut en gardant une copie : \
             iea-maintenance config reset",
            messages::config_error(&e)
        )
    })
}

fn logs_dir(home: &Home) -> PathBuf {
    Config::load(home).map_or_else(|_| home.logs_dir(), |c| c.paths.logs)
}

fn run_service(home: &Home) -> anyhow::Result<ExitCode> {
    home.ensure()
        .map_err(|e| anyhow::anyhow!("{}", messages::home_error(&e)))?;
    let _log = logging::init(&logs_dir(home), "service");
    iea_maintenance::connection::install_crypto_provider();
    // The installation's identity and its support key exist from the first start
    // (PROTOCOL.md), so that support can compute unlock codes for it.
    iea_maintenance::installation::Installation::load_or_create(home)
        .map_err(|e| anyhow::anyhow!("{}", messages::installation_error(&e)))?;
    iea_maintenance::installation::support_key(home)
        .map_err(|e| anyhow::anyhow!("{}", messages::installation_error(&e)))?;
    let primary = match instance::acquire(home, "service", "centre accueil")
        .context("impossible de vérifier si le gestionnaire de services est déjà lancé")?
    {
        Acquired::Forwarded => {
            eprintln!(
                "Le gestionnaire de services est déjà lancé : le centre de maintenance s'ouvre."
            );
            return Ok(ExitCode::SUCCESS);
        }
        Acquired::Primary(p) => p,
    };
    if let Err(e) = iea_maintenance::service::scheduler::spawn(home.clone()) {
        tracing::error!(error = %e, "planificateur des sauvegardes non démarré");
        eprintln!("Les sauvegardes automatiques n'ont pas pu démarrer : {e}");
    }
    match tray::run(home.clone(), primary.requests) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(tray::TrayError::NoTrayHost) => {
            tracing::warn!("aucune zone de notification");
            eprintln!(
                "Aucune zone de notification n'a été trouvée sur ce bureau : l'icône du \
                 gestionnaire de services ne peut pas s'afficher.\n\
                 Le centre de maintenance s'ouvre à la place."
            );
            let exe = std::env::current_exe().context("programme introuvable")?;
            let status = std::process::Command::new(exe)
                .args(["centre", "--screen", "accueil"])
                .status()
                .context("impossible d'ouvrir le centre de maintenance")?;
            Ok(if status.success() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Err(tray::TrayError::NoDisplay(detail)) => {
            tracing::error!(detail, "pas de session graphique");
            eprintln!(
                "Aucune session graphique n'est disponible : le gestionnaire de services a \
                 besoin d'un bureau pour afficher son icône.\n\
                 Les commandes « status », « doctor » et « demo » fonctionnent sans bureau."
            );
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e).context("l'icône du gestionnaire de services n'a pas pu être créée"),
    }
}

fn run_centre(home: &Home, screen: ScreenId) -> anyhow::Result<ExitCode> {
    home.ensure()
        .map_err(|e| anyhow::anyhow!("{}", messages::home_error(&e)))?;
    let _log = logging::init(&logs_dir(home), "centre");
    let primary = match instance::acquire(home, "centre", screen.slug())
        .context("impossible de vérifier si le centre de maintenance est déjà ouvert")?
    {
        Acquired::Forwarded => return Ok(ExitCode::SUCCESS),
        Acquired::Primary(p) => p,
    };
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("centre-requests".into())
        .spawn(move || {
            for request in primary.requests {
                let screen = ScreenId::from_slug(&request).unwrap_or(ScreenId::Accueil);
                if tx.send(screen).is_err() {
                    break;
                }
            }
        })
        .context("impossible de démarrer le centre de maintenance")?;
    ui::run_centre(ui::CentreOptions {
        home: home.clone(),
        screen,
        requests: Some(rx),
    })
    .map_err(|e| {
        anyhow::anyhow!(
            "la fenêtre du centre de maintenance n'a pas pu s'ouvrir ({e}). Vérifiez que \
             vous êtes dans une session graphique."
        )
    })?;
    Ok(ExitCode::SUCCESS)
}

/// An indicatif bar fed by a job.
struct Bar(indicatif::ProgressBar);

impl Progress for Bar {
    fn phase(&self, phase: Phase, total: u64) {
        self.0.set_length(total);
        self.0.set_position(0);
        self.0.set_message(messages::phase_label(phase));
    }
    fn advance(&self, done: u64) {
        self.0.set_position(done);
    }
}

fn run_demo(home: &Home, payslips: u64, seed: u64, force: bool) -> anyhow::Result<ExitCode> {
    home.ensure()
        .map_err(|e| anyhow::anyhow!("{}", messages::home_error(&e)))?;
    let path = load_config(home)?.paths.store;
    let bar = indicatif::ProgressBar::new(0);
    if std::io::stderr().is_terminal() {
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg:24} [{bar:40}] {pos}/{len} ({eta})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
    } else {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let options = demo::DemoOptions {
        payslips,
        seed,
        overwrite: force,
    };
    let report = demo::build_demo(home, &path, &options, &Bar(bar.clone()), &Cancel::new());
    bar.finish_and_clear();
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{}", messages::demo_error(&e));
            return Ok(ExitCode::from(1));
        }
    };
    Config::modify(home, |config| {
        config.set_active_store(&path);
        Ok::<_, config::ConfigError>(())
    })
    .map_err(|e| anyhow::anyhow!("{}", messages::config_error(&e)))?;
    println!(
        "Base de démonstration créée : {}\n  {} dossiers, {} employeurs, {} salariés, {} bulletins de salaire, {} utilisateurs, {} postes\n  en {:.1} s",
        report.path.display(),
        report.dossiers,
        report.employers,
        report.employees,
        report.payslips,
        report.users,
        report.workstations,
        report.elapsed.as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn run_status(home: &Home, json: bool) -> anyhow::Result<ExitCode> {
    let (status, store_error) = match status::collect(home) {
        Ok(s) => s,
        Err(e) => {
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "version": env!("CARGO_PKG_VERSION"),
                        "home": home.root(),
                        "error": e.to_string(),
                    })
                );
            }
            anyhow::bail!("{}", messages::config_error(&e));
        }
    };
    if json {
        println!("{}", serde_json::to_string(&status)?);
    } else {
        println!("Impact emploi – iea-maintenance {}", status.version);
        println!("Dossier de l'installation : {}", status.home.display());
        println!("Base de données : {}", status.store.path.display());
        if let (Some(v), Some(d), Some(p)) = (
            status.store.schema_version,
            status.store.dossiers,
            status.store.payslips,
        ) {
            println!(
                "  version du schéma {v}, {}, {d} dossiers, {p} bulletins de salaire",
                iea_maintenance::fsutil::human_size(status.store.size_bytes)
            );
        }
        println!(
            "Connexion : {}{}",
            status.state,
            if status.assistance {
                " (mode assistance)"
            } else {
                ""
            }
        );
    }
    if let Some(e) = store_error {
        if !json {
            eprintln!("{}", messages::store_error(&e));
            eprintln!("Pour un diagnostic détaillé : iea-maintenance doctor");
        }
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn run_doctor(home: &Home, json: bool) -> anyhow::Result<ExitCode> {
    let config = load_config(home)?;
    let diagnosis = diagnostics::diagnose(&config.paths.store);
    let healthy = diagnosis.is_healthy();
    // Low free space is a warning to act on, not a store that cannot be used.
    let usable = healthy
        || matches!(
            diagnosis.conclusion,
            diagnostics::Conclusion::LowSpace { .. }
        );
    if json {
        let conclusion = messages::conclusion(&diagnosis);
        println!(
            "{}",
            serde_json::json!({
                "diagnosis": diagnosis,
                "healthy": healthy,
                "next_step": {
                    "title": conclusion.title,
                    "what": conclusion.what,
                    "why": conclusion.why,
                    "todo": conclusion.todo,
                },
            })
        );
    } else {
        println!("{}", messages::diagnosis_report(&diagnosis));
    }
    Ok(if usable {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn run_config(home: &Home, cmd: &ConfigCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        ConfigCmd::Check => match Config::load(home) {
            Ok(_) => {
                println!("{} : configuration correcte.", home.config_file().display());
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                eprintln!("{}", messages::config_error(&e));
                Ok(ExitCode::from(1))
            }
        },
        ConfigCmd::Reset => {
            let copy = config::reset_keeping_copy(home)
                .map_err(|e| anyhow::anyhow!("{}", messages::config_error(&e)))?;
            if let Some(copy) = copy {
                println!("Copie de l'ancienne configuration : {}", copy.display());
            }
            println!(
                "Valeurs par défaut rétablies dans {}.",
                home.config_file().display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn run_autostart(cmd: &AutostartCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        AutostartCmd::Enable => {
            let exe = std::env::current_exe().context("programme introuvable")?;
            let path = autostart::enable(&exe)
                .context("le démarrage avec la session n'a pas pu être activé")?;
            println!("Démarrage avec la session activé ({}).", path.display());
        }
        AutostartCmd::Disable => {
            autostart::disable()
                .context("le démarrage avec la session n'a pas pu être désactivé")?;
            println!("Démarrage avec la session désactivé.");
        }
        AutostartCmd::Status => {
            println!(
                "Démarrage avec la session : {}",
                if autostart::is_enabled() {
                    "activé"
                } else {
                    "désactivé"
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn run_servers_test(home: &Home, json: bool) -> anyhow::Result<ExitCode> {
    use iea_maintenance::connection::servers;
    iea_maintenance::connection::install_crypto_provider();
    let config = load_config(home)?;
    let proxy_password = proxy_password(home, &config)?;
    let report = servers::test_servers(&config.connection, proxy_password.as_deref());
    if let Err(e) = report.save_last(home) {
        tracing::warn!(error = %e, "dernier test des serveurs non enregistré");
    }
    let message = |r: &servers::ServerResult| {
        r.problem
            .as_ref()
            .map_or_else(|| "accessible".to_owned(), messages::server_problem)
    };
    if json {
        let results: Vec<serde_json::Value> = report
            .results
            .iter()
            .map(|r| {
                serde_json::json!({
                    "name": r.name,
                    "url": r.url,
                    "ok": r.ok,
                    "step": r.step,
                    "message": message(r),
                    "elapsed_ms": r.elapsed_ms,
                })
            })
            .collect();
        println!("{}", serde_json::json!({ "results": results }));
    } else {
        for r in &report.results {
            println!(
                "{} {} — {}{}",
                if r.ok { "✔" } else { "✘" },
                r.url,
                message(r),
                if r.ok {
                    String::new()
                } else {
                    format!(" (étape : {})", messages::server_step(r.step))
                }
            );
        }
        if report.all_ok() {
            println!("{}", messages::SERVERS_OK);
        } else if let Some(advice) = messages::server_advice(&report) {
            println!("{advice}");
        }
    }
    Ok(if report.all_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The proxy password, decrypted, when one is stored.
fn proxy_password(home: &Home, config: &Config) -> anyhow::Result<Option<String>> {
    let Some(stored) = &config.connection.proxy.password_encrypted else {
        return Ok(None);
    };
    let key = iea_maintenance::secrets::SecretKey::load_or_create(home)
        .map_err(|e| anyhow::anyhow!("{}", messages::secret_error(&e)))?;
    key.decrypt(stored)
        .map(Some)
        .map_err(|e| anyhow::anyhow!("{}", messages::secret_error(&e)))
}

fn run_auth_retry(home: &Home) -> anyhow::Result<ExitCode> {
    iea_maintenance::connection::install_crypto_provider();
    home.ensure()
        .map_err(|e| anyhow::anyhow!("{}", messages::home_error(&e)))?;
    let _log = logging::init(&logs_dir(home), "cli");
    let state = iea_maintenance::connection::auth::authenticate_now(home)
        .map_err(|e| anyhow::anyhow!("{}", messages::auth_error(&e)))?;
    let config = load_config(home)?;
    println!("État : {}", state.state_key());
    let inputs = iea_maintenance::service::state::ServiceInputs {
        connection: state.connection.clone(),
        assistance: state.assistance,
        store_problem: None,
        backup_warnings: Vec::new(),
    };
    println!(
        "{}",
        messages::tray_line(
            &iea_maintenance::service::state::tray_view(
                &inputs,
                iea_maintenance::service::state::Capabilities::CURRENT
            )
            .status
        )
    );
    if let Some(explanation) = messages::connection_state_explanation(
        &state.connection,
        &config.mail.support_address,
        env!("CARGO_PKG_VERSION"),
    ) {
        println!("{explanation}");
    }
    Ok(
        if state.connection == iea_maintenance::service::state::ConnectionState::Connected {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        },
    )
}

fn run_assistance(home: &Home, cmd: &AssistanceCmd) -> anyhow::Result<ExitCode> {
    use iea_maintenance::assistance;
    home.ensure()
        .map_err(|e| anyhow::anyhow!("{}", messages::home_error(&e)))?;
    let _log = logging::init(&logs_dir(home), "cli");
    let now = chrono::Local::now();
    let result = match cmd {
        AssistanceCmd::Status => {
            let s = assistance::status(home, now);
            println!(
                "Mode assistance : {}",
                if s.enabled { "activé" } else { "désactivé" }
            );
            if let Some(until) = s.locked_until {
                println!(
                    "Saisie du mot de passe du jour bloquée jusqu'à {} après 5 essais erronés.",
                    until.format("%H:%M")
                );
            }
            return Ok(ExitCode::SUCCESS);
        }
        AssistanceCmd::Enable { code } => assistance::enable(home, code, now),
        AssistanceCmd::Disable { code } => assistance::disable(home, code, now),
    };
    match result {
        Ok(outcome) => {
            println!("{}", messages::assistance_outcome(&outcome));
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{}", messages::assistance_error(&e));
            Ok(ExitCode::from(1))
        }
    }
}

/// A restore cut short by a crash is settled before anything else opens the
/// store, and the user is told which way it went.
fn settle_interrupted_restore(home: &Home) {
    match iea_maintenance::backup::restore::recover_interrupted(home) {
        Ok(Some(recovery)) => eprintln!("{}", messages::recovery_note(&recovery)),
        Ok(None) => {}
        Err(e) => eprintln!("{}", messages::restore_error(&e)),
    }
}

/// A closing cut short by a crash (its marker left beside the configured store)
/// is settled at every start, and the user is told whether the year was closed.
fn settle_interrupted_closing(home: &Home) {
    let Ok(config) = Config::load(home) else {
        return;
    };
    match iea_maintenance::closing::recover_interrupted(&config.paths.store) {
        Ok(Some(recovery)) => eprintln!("{}", messages::closing_recovery_note(&recovery)),
        Ok(None) => {}
        Err(e) => eprintln!("{}", messages::closing_error(&e)),
    }
}

/// The id of the dossier named `name` (without regard to case), or the French
/// error listing the dossiers.
fn dossier_id(store: &iea_maintenance::store::Store, name: &str) -> anyhow::Result<i64> {
    let list = iea_maintenance::closing::dossiers(store.connection())
        .map_err(|e| anyhow::anyhow!("{}", messages::store_error(&store.err(e))))?;
    list.iter()
        .find(|d| d.name == name)
        .or_else(|| {
            list.iter()
                .find(|d| d.name.to_lowercase() == name.to_lowercase())
        })
        .map(|d| d.id)
        .ok_or_else(|| {
            let names: Vec<String> = list.iter().map(|d| format!("« {} »", d.name)).collect();
            anyhow::anyhow!(
                "Aucun dossier ne s'appelle « {name} ». Dossiers : {}.",
                names.join(", ")
            )
        })
}

fn totals_json(t: &iea_maintenance::closing::Totals) -> serde_json::Value {
    serde_json::json!({
        "payslips": t.payslips,
        "gross_cents": t.gross_cents,
        "net_cents": t.net_cents,
        "employee_contrib_cents": t.employee_contrib_cents,
        "employer_contrib_cents": t.employer_contrib_cents,
        "pas_cents": t.pas_cents,
        "declarations": t.declarations,
        "declarations_total_cents": t.declarations_total_cents,
    })
}

fn run_close_year(
    home: &Home,
    dossier: &str,
    year: i32,
    yes: bool,
    json: bool,
) -> anyhow::Result<ExitCode> {
    use iea_maintenance::closing::{self, CloseRequest};
    use iea_maintenance::store::Store;
    home.ensure()
        .map_err(|e| anyhow::anyhow!("{}", messages::home_error(&e)))?;
    let _log = logging::init(&logs_dir(home), "cloture");
    let store_path = load_config(home)?.paths.store;
    let dossier_id = {
        let store = Store::open(&store_path)
            .map_err(|e| anyhow::anyhow!("{}", messages::store_error(&e)))?;
        dossier_id(&store, dossier)?
    };
    let found = closing::prerequisites(home, &store_path, chrono::Local::now())
        .map_err(|e| anyhow::anyhow!("{}", messages::store_error(&e)))?;
    if !found.all_met() {
        eprintln!("La clôture ne peut pas commencer : des prérequis ne sont pas remplis.");
        for p in &found.items {
            eprintln!("{}", messages::prerequisite_line(p));
        }
        for s in found
            .items
            .iter()
            .flat_map(|p| &p.sessions)
            .filter(|s| !s.active)
        {
            eprintln!(
                "Pour fermer la session interrompue de {} : iea-maintenance sessions disconnect {}",
                messages::session_who(s),
                s.id
            );
        }
        return Ok(ExitCode::from(1));
    }
    if !yes {
        if !std::io::stdin().is_terminal() {
            eprintln!(
                "Erreur : la clôture de l'exercice {year} du dossier « {dossier} » fige ses \
                 bulletins et déclarations. Ajoutez --yes pour confirmer sans question."
            );
            return Ok(ExitCode::from(2));
        }
        eprint!(
            "L'exercice {year} du dossier « {dossier} » va être clôturé : ses bulletins et \
             déclarations ne pourront plus être modifiés.\nImpact emploi ne pourra pas être \
             utilisé pendant l'opération, qui peut être longue.\nTapez « oui » pour continuer : "
        );
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !answer.trim().eq_ignore_ascii_case("oui") {
            eprintln!("Clôture abandonnée : rien n'a été modifié.");
            return Ok(ExitCode::from(1));
        }
    }
    let bar = terminal_bar();
    let result = closing::close_year(
        home,
        &store_path,
        &CloseRequest { dossier_id, year },
        true,
        &Bar(bar.clone()),
        &Cancel::new(),
    );
    bar.finish_and_clear();
    match result {
        Ok(report) => {
            if json {
                let steps: Vec<_> = closing::ClosingStep::ALL
                    .iter()
                    .zip(report.step_durations)
                    .map(|(step, d)| {
                        serde_json::json!({"step": messages::phase_label(step.phase()), "elapsed_ms": d.as_millis() as u64})
                    })
                    .collect();
                println!(
                    "{}",
                    serde_json::json!({
                        "dossier": report.dossier,
                        "year": report.year,
                        "payslips_moved": report.payslips_moved,
                        "declarations_moved": report.declarations_moved,
                        "totals": totals_json(&report.totals),
                        "elapsed_ms": report.elapsed.as_millis() as u64,
                        "steps": steps,
                    })
                );
            } else {
                println!("{}", messages::close_report_text(&report));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{}", messages::closing_error(&e));
            Ok(ExitCode::from(1))
        }
    }
}

fn run_exercises_list(home: &Home, dossier: Option<&str>, json: bool) -> anyhow::Result<ExitCode> {
    use iea_maintenance::store::Store;
    let store_path = load_config(home)?.paths.store;
    let store =
        Store::open(&store_path).map_err(|e| anyhow::anyhow!("{}", messages::store_error(&e)))?;
    let only = dossier.map(|name| dossier_id(&store, name)).transpose()?;
    let list = iea_maintenance::closing::exercises(store.connection(), only)
        .map_err(|e| anyhow::anyhow!("{}", messages::store_error(&store.err(e))))?;
    if json {
        let items: Vec<_> = list
            .iter()
            .map(|x| {
                serde_json::json!({
                    "dossier_id": x.dossier_id,
                    "dossier": x.dossier,
                    "year": x.year,
                    "closed": x.closed,
                    "closed_at": x.closed_at,
                    "totals": totals_json(&x.totals),
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(items));
        return Ok(ExitCode::SUCCESS);
    }
    if list.is_empty() {
        println!("Aucun exercice.");
    }
    for x in &list {
        let state = if x.closed { "clôturé" } else { "ouvert" };
        println!(
            "{} — {} — {state} — {} bulletin(s), brut {}, net {}, cotisations {} + {}, {} déclaration(s)",
            x.dossier,
            x.year,
            x.totals.payslips,
            messages::money(x.totals.gross_cents),
            messages::money(x.totals.net_cents),
            messages::money(x.totals.employee_contrib_cents),
            messages::money(x.totals.employer_contrib_cents),
            x.totals.declarations
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A progress bar on the terminal, hidden when stderr is not one.
fn terminal_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    if std::io::stderr().is_terminal() {
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg:28} [{bar:40}] {percent:>3} %")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
    } else {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar
}

fn backup_context(home: &Home) -> anyhow::Result<iea_maintenance::backup::run::BackupContext> {
    home.ensure()
        .map_err(|e| anyhow::anyhow!("{}", messages::home_error(&e)))?;
    iea_maintenance::backup::run::BackupContext::load(home)
        .map_err(|e| anyhow::anyhow!("{}", messages::run_error(&e)))
}

fn run_backup(home: &Home, cmd: BackupCmd) -> anyhow::Result<ExitCode> {
    use iea_maintenance::backup::run::{self, Trigger};
    let _log = logging::init(&logs_dir(home), "sauvegarde");
    match cmd {
        BackupCmd::List { json } => backup_list(home, json),
        BackupCmd::Run { name, json } => {
            let ctx = backup_context(home)?;
            let bar = terminal_bar();
            let result = run::run_script(
                &ctx,
                &name,
                Trigger::Manuel,
                &Bar(bar.clone()),
                &Cancel::new(),
            );
            bar.finish_and_clear();
            let report = match result {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("{}", messages::run_error(&e));
                    return Ok(ExitCode::from(1));
                }
            };
            if json {
                println!("{}", run_report_json(&report));
            } else {
                println!("{}", messages::run_report_text(&report));
            }
            Ok(if report.outcome.delivered() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        BackupCmd::RunDue => {
            let ctx = backup_context(home)?;
            let assistance =
                iea_maintenance::service::persist::PersistedState::load(home).assistance;
            let report = run::run_due(&ctx, &chrono::Local::now(), assistance, &Cancel::new())
                .map_err(|e| anyhow::anyhow!("{}", messages::run_error(&e)))?;
            if !report.skipped_for_assistance.is_empty() {
                println!(
                    "{}",
                    messages::assistance_skipped(&report.skipped_for_assistance)
                );
            }
            for name in &report.skipped_busy {
                println!(
                    "{name} : une autre sauvegarde est en cours, il sera exécuté au prochain passage."
                );
            }
            for r in &report.runs {
                println!("{}", messages::run_report_text(r));
            }
            if report.runs.is_empty()
                && report.skipped_for_assistance.is_empty()
                && report.skipped_busy.is_empty()
            {
                println!("Aucune sauvegarde à exécuter maintenant.");
            }
            Ok(if report.any_failed() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        BackupCmd::Verify { name, all } => {
            let ctx = backup_context(home)?;
            let names: Vec<String> = if all {
                iea_maintenance::backup::book::ScriptBook::load(home)
                    .map_err(|e| anyhow::anyhow!("{}", messages::book_error(&e)))?
                    .entries
                    .iter()
                    .map(|e| e.script.name.clone())
                    .collect()
            } else {
                name.into_iter().collect()
            };
            let mut bad = 0usize;
            for name in names {
                match run::verify_script(
                    &ctx,
                    &name,
                    &iea_maintenance::jobs::NoProgress,
                    &Cancel::new(),
                ) {
                    Ok(list) => {
                        if list.is_empty() {
                            println!("{name} : aucune sauvegarde à l'emplacement.");
                            bad += 1;
                        }
                        for v in list {
                            match v.problem {
                                None => println!(
                                    "{name} : {} ({}) — vérifiée",
                                    v.backup.name,
                                    iea_maintenance::fsutil::human_size(v.backup.size_bytes)
                                ),
                                Some(problem) => {
                                    bad += 1;
                                    println!(
                                        "{name} : {} — ÉCHEC : {}",
                                        v.backup.name,
                                        messages::verify_problem(&problem)
                                    );
                                }
                            }
                        }
                    }
                    Err(e) => {
                        bad += 1;
                        println!("{name} : {}", messages::run_error(&e).one_line());
                    }
                }
            }
            Ok(if bad == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        BackupCmd::Restore {
            script,
            file,
            latest,
            yes,
        } => backup_restore(home, script, file, latest, yes),
    }
}

fn backup_list(home: &Home, json: bool) -> anyhow::Result<ExitCode> {
    use iea_maintenance::backup::{book::ScriptBook, schedule};
    let book =
        ScriptBook::load(home).map_err(|e| anyhow::anyhow!("{}", messages::book_error(&e)))?;
    let now = chrono::Local::now();
    let assistance = iea_maintenance::service::persist::PersistedState::load(home).assistance;
    if json {
        let scripts: Vec<_> = book
            .entries
            .iter()
            .map(|e| {
                let s = &e.script;
                serde_json::json!({
                    "name": s.name,
                    "enabled": s.enabled,
                    "frequency": { "every": s.frequency.every, "unit": s.frequency.unit },
                    "start_date": s.start_date.to_string(),
                    "time": s.time.format("%H:%M").to_string(),
                    "keep": s.keep,
                    "destination": { "type": s.destination.kind(), "description": messages::place(&s.destination.place()) },
                    "next_run": schedule::next_run(s, &e.state, &now).to_rfc3339(),
                    "due": schedule::is_due(e, &now),
                    "last_run_at": e.state.last_run_at,
                    "last_outcome": e.state.last_outcome,
                    "last_reason": e.state.last_reason.as_ref().map(messages::run_reason_worded),
                    "last_good_at": e.state.last_good_at,
                    "postponed_until": e.state.postponed_until,
                    "pending": e.state.pending,
                    "stale": schedule::staleness(e, &now).is_some(),
                    "date_anomaly": schedule::date_anomaly(e, &now).map(|a| messages::date_anomaly(&a)),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({ "assistance": assistance, "scripts": scripts })
        );
        return Ok(ExitCode::SUCCESS);
    }
    if assistance {
        println!("{}", messages::ASSISTANCE_WARNING);
    }
    if book.entries.is_empty() {
        println!(
            "Aucun script de sauvegarde. Créez-en un dans le centre de maintenance (Sauvegarder / Restaurer)."
        );
    }
    for e in &book.entries {
        let s = &e.script;
        println!(
            "{}",
            messages::next_run_line(&s.name, &schedule::next_run(s, &e.state, &now))
        );
        println!(
            "  {}, à conserver : {}, vers {}{}",
            messages::frequency_text(s.frequency),
            s.keep,
            messages::place(&s.destination.place()),
            if s.enabled {
                ""
            } else {
                " (exécution automatique désactivée)"
            }
        );
        match e.state.last_outcome {
            Some(outcome) => println!(
                "  dernier résultat : {}{}",
                messages::outcome_label(outcome),
                e.state
                    .last_reason
                    .as_ref()
                    .map(|r| format!(" — {}", messages::run_reason(r)))
                    .unwrap_or_default()
            ),
            None => println!("  jamais exécuté"),
        }
        if let Some(a) = schedule::date_anomaly(e, &now) {
            println!("  {}", messages::date_anomaly(&a));
        }
        if let Some(st) = schedule::staleness(e, &now) {
            println!("  {}", messages::staleness_line(&s.name, &st));
        }
        if !e.state.pending.is_empty() {
            println!("  en attente de dépôt : {}", e.state.pending.join(", "));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn run_report_json(r: &iea_maintenance::backup::run::RunReport) -> serde_json::Value {
    serde_json::json!({
        "script": r.script,
        "trigger": r.trigger.code(),
        "started_at": r.started_at,
        "ended_at": r.ended_at,
        "outcome": r.outcome.code(),
        "reason": r.reason.as_ref().map(messages::run_reason_worded),
        "archive": r.archive,
        "size_bytes": r.size_bytes,
        "destination": messages::place_worded(&r.destination),
        "removed": r.removed,
        "kept_in_staging": r.kept_in_staging,
    })
}

fn backup_restore(
    home: &Home,
    script: Option<String>,
    file: Option<PathBuf>,
    latest: bool,
    yes: bool,
) -> anyhow::Result<ExitCode> {
    use iea_maintenance::backup::restore::{self, RestoreSource};
    let ctx = backup_context(home)?;
    let source = match (script, file) {
        (Some(script), _) if latest => {
            let list = restore::restorable(&ctx, &script)
                .map_err(|e| anyhow::anyhow!("{}", messages::restore_error(&e)))?;
            let Some(newest) = list.last() else {
                eprintln!("Le script « {script} » n'a aucune sauvegarde à son emplacement.");
                return Ok(ExitCode::from(1));
            };
            if script == restore::SAFETY_LABEL {
                RestoreSource::Safety {
                    name: newest.name.clone(),
                }
            } else {
                RestoreSource::Stored {
                    script,
                    name: newest.name.clone(),
                }
            }
        }
        (Some(script), Some(file)) => {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if script == restore::SAFETY_LABEL {
                RestoreSource::Safety { name }
            } else {
                RestoreSource::Stored { script, name }
            }
        }
        (None, Some(file)) => RestoreSource::File(file),
        (_, None) => {
            eprintln!("Erreur : indiquez --file FICHIER ou --latest.");
            return Ok(ExitCode::from(2));
        }
    };
    let what = match &source {
        RestoreSource::File(p) => format!("le fichier {}", p.display()),
        RestoreSource::Stored { script, name } => {
            format!("la sauvegarde {name} du script « {script} »")
        }
        RestoreSource::Safety { name } => format!("la copie {name} (avant restauration)"),
    };
    if !yes {
        if !std::io::stdin().is_terminal() {
            eprintln!(
                "Erreur : la restauration remplace la base {} par {what}. Ajoutez --yes pour \
                 confirmer sans question.",
                ctx.store_path.display()
            );
            return Ok(ExitCode::from(2));
        }
        eprint!(
            "La base {} va être remplacée par {what}.\nUne copie de la base actuelle sera \
             conservée (« avant restauration »).\nTapez « oui » pour continuer : ",
            ctx.store_path.display()
        );
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !answer.trim().eq_ignore_ascii_case("oui") {
            eprintln!("Restauration abandonnée : rien n'a été modifié.");
            return Ok(ExitCode::from(1));
        }
    }
    let bar = terminal_bar();
    let result = restore::restore(&ctx, &source, &Bar(bar.clone()), &Cancel::new());
    bar.finish_and_clear();
    match result {
        Ok(report) => {
            println!("{}", messages::restore_success(&report));
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{}", messages::restore_error(&e));
            Ok(ExitCode::from(1))
        }
    }
}

fn run_sessions(home: &Home, cmd: &SessionsCmd) -> anyhow::Result<ExitCode> {
    use iea_maintenance::store::{Store, sessions};
    let store_path = load_config(home)?.paths.store;
    let store =
        Store::open(&store_path).map_err(|e| anyhow::anyhow!("{}", messages::store_error(&e)))?;
    let now = chrono::Utc::now();
    let all = sessions::sessions(store.connection(), now)
        .map_err(|e| anyhow::anyhow!("{}", messages::store_error(&store.err(e))))?;
    match cmd {
        SessionsCmd::List { json } => {
            if *json {
                let list: Vec<_> = all
                    .iter()
                    .map(|s| {
                        serde_json::json!({
                            "id": s.id,
                            "login": s.login,
                            "user": s.user_name,
                            "workstation": s.hostname,
                            "started_at": s.started_at,
                            "heartbeat_at": s.heartbeat_at,
                            "active": s.active,
                        })
                    })
                    .collect();
                println!("{}", serde_json::json!({ "sessions": list }));
            } else if all.is_empty() {
                println!("Aucune session ouverte sur la base.");
            } else {
                for s in &all {
                    println!(
                        "{} : {} depuis {}, dernier signe de vie {} — {}",
                        s.id,
                        messages::session_who(s),
                        s.started_at,
                        s.heartbeat_at,
                        if s.active {
                            "active"
                        } else {
                            "interrompue (peut être fermée)"
                        }
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        SessionsCmd::Disconnect { id } => match sessions::disconnect(&store, *id, now) {
            Ok(session) => {
                tracing::info!(session = id, who = %messages::session_who(&session), "session interrompue fermée");
                println!("{}", messages::session_closed(&session));
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                eprintln!("{}", messages::disconnect_error(&e));
                Ok(ExitCode::from(1))
            }
        },
    }
}
