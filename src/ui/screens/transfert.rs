//! « Transfert database vers Urssaf » (Maintenir, seed 004 « Reprise de
//! données »): the seed's procedure with the program doing the checking.
//!
//! - « Transférer » is enabled when the server says « GO » for this
//!   installation; greyed, the reason is written next to it. The server and
//!   the prerequisites are asked again on their own every
//!   [`REFRESH_SECS`] seconds: no « close and reopen the centre ».
//! - « Prérequis »: every item of the seed, checked on each store ticked, with
//!   the offending rows and where to fix them; a data item may be sent anyway
//!   (« Transférer quand même »), the report then names it. The backup and
//!   the sessions block.
//! - The list of stores: the active one ticked; « Ajouter » takes another
//!   store, checked to be one of ours (never created); « Supprimer » only
//!   takes it off this list, and says so.
//! - « Transférer », confirmed with « Oui »: one row per store, « Progression »
//!   (bytes, speed, time left), « C » and « T », and « Annuler ».
//! - When the direct way to Sharebox fails, the window of step 5bis asks for
//!   the proxy (the connection settings' one offered first), then « Exécuter ».
//! - The end: the success, then « Message à envoyer » with « Envoyer le
//!   rapport », « Copier les destinataires » and « Copier le contenu ».

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use eframe::egui::{self, RichText};

use crate::home::Home;
use crate::messages::{self, Explanation};
use crate::transfer::prereq::{DataFinding, InstallationCheck, StoreCheck};
use crate::transfer::report::{self, ReportError, ReportFacts};
use crate::transfer::{
    self, Acknowledged, FallbackProxy, Prerequisites, ProxyPassword, StepState, StoreRow,
    TransferError, TransferProgress, TransferReport, TransferRequest, TransferStatus,
};
use crate::ui::screen::{NavGroup, Screen, ScreenId};
use crate::ui::task::Task;
use crate::ui::widgets;
use crate::ui::{AppCtx, Command};

/// The server and the prerequisites are asked again this often (seconds).
pub const REFRESH_SECS: f64 = 30.0;

/// Offending rows shown per item (the count says the rest).
const ROWS_SHOWN: usize = 20;

/// Width of the path field.
const FIELD_WIDTH: f32 = 420.0;

/// A store of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Listed {
    path: PathBuf,
    ticked: bool,
}

/// The fields of the proxy window (step 5bis), as typed.
#[derive(Debug, Clone, Default)]
struct ProxyForm {
    host: String,
    port: String,
    user: String,
    password: String,
    /// A password is saved in the connection settings: used when none is typed.
    saved_password: bool,
    save: bool,
    problem: Option<String>,
}

/// What is read of the last transfer (the state file), for the list and the
/// report.
#[derive(Debug, Clone)]
struct LastTransfer {
    /// The stores of the last run.
    stores: Vec<PathBuf>,
    /// Its report, once a store was received.
    facts: Option<ReportFacts>,
    /// The session's name, the manager's by default.
    manager: String,
}

/// The job's rows, fed by the worker, read by the window.
struct Board {
    rows: Arc<Mutex<Vec<StoreRow>>>,
    waker: egui::Context,
}

impl TransferProgress for Board {
    fn row(&self, index: usize, row: &StoreRow) {
        if let Ok(mut rows) = self.rows.lock() {
            if rows.len() <= index {
                rows.resize(index + 1, row.clone());
            }
            rows[index] = row.clone();
        }
        self.waker.request_repaint();
    }
}

/// The key the prerequisites were checked for: the stores ticked and the
/// generations of what they depend on.
type PrereqKey = (Vec<PathBuf>, u64, u64, u64);

/// The « Transfert database vers Urssaf » screen.
#[derive(Debug, Default)]
#[allow(clippy::struct_excessive_bools)] // independent states of the screen, not modes
pub struct Transfert {
    last_pass: Option<u64>,
    status: Task<Result<TransferStatus, Explanation>>,
    status_for: Option<u64>,
    status_at: Option<f64>,
    list: Vec<Listed>,
    add_text: String,
    adding: Task<Result<PathBuf, Explanation>>,
    browse: Task<Option<PathBuf>>,
    note: Option<String>,
    prereq: Task<Prerequisites>,
    prereq_for: Option<PrereqKey>,
    prereq_at: Option<f64>,
    acknowledged: BTreeSet<Acknowledged>,
    asked: bool,
    job: Task<Result<TransferReport, TransferError>>,
    rows: Arc<Mutex<Vec<StoreRow>>>,
    /// The request of the job under way (the proxy window runs it again).
    request: Option<TransferRequest>,
    proxy: Option<ProxyForm>,
    /// The job ended and its result was seen: the list is shown again.
    dismissed: bool,
    last: Task<Result<LastTransfer, Explanation>>,
    manager: Option<String>,
    show_message: bool,
    send: Task<Result<(), Explanation>>,
    copied: Option<&'static str>,
    saved_proxy: bool,
    /// The last transfer is to be read again (a run just ended).
    need_last: bool,
}

impl std::fmt::Debug for Board {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Board")
    }
}

impl Transfert {
    /// The stores ticked, in the order of the list.
    fn ticked(&self) -> Vec<PathBuf> {
        self.list
            .iter()
            .filter(|l| l.ticked)
            .map(|l| l.path.clone())
            .collect()
    }

    fn start_status(&mut self, egui_ctx: &egui::Context, ctx: &AppCtx) {
        self.status_for = Some(ctx.config_generation());
        self.status_at = Some(egui_ctx.input(|i| i.time));
        let home = ctx.home.clone();
        self.status
            .start(egui_ctx, "centre-transfert-serveur", move || {
                server_status(&home)
            });
    }

    fn prereq_key(&self, ctx: &AppCtx) -> PrereqKey {
        (
            self.ticked(),
            ctx.store_generation(),
            ctx.scripts_generation(),
            ctx.sessions_generation(),
        )
    }

    fn start_prereq(&mut self, egui_ctx: &egui::Context, ctx: &AppCtx) {
        let key = self.prereq_key(ctx);
        let stores = key.0.clone();
        self.prereq_for = Some(key);
        self.prereq_at = Some(egui_ctx.input(|i| i.time));
        let home = ctx.home.clone();
        let now = ctx.now();
        self.prereq
            .start(egui_ctx, "centre-transfert-prerequis", move || {
                transfer::check(&home, &stores, now)
            });
    }

    fn start_last(&mut self, egui_ctx: &egui::Context, home: &Home) {
        let home = home.clone();
        let manager = self.manager.clone();
        self.last
            .start(egui_ctx, "centre-transfert-dernier", move || {
                read_last(&home, manager)
            });
    }

    // -----------------------------------------------------------------------
    // The list of stores.

    fn list_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        widgets::section_ui(ui, "Bases de données à transférer");
        ui.label(
            RichText::new(
                "Par défaut, votre base de données « active » est cochée. Ces actions n'ont \
                 aucun impact sur la gestion de vos bases dans le logiciel.",
            )
            .weak(),
        );
        let active = ctx.store_path().map(Path::to_path_buf);
        let mut remove = None;
        egui::Grid::new("transfert-bases")
            .num_columns(3)
            .spacing([12.0, 4.0])
            .show(ui, |ui| {
                for (i, listed) in self.list.iter_mut().enumerate() {
                    let shown = ctx.path_text(&listed.path);
                    ui.checkbox(&mut listed.ticked, shown.as_str())
                        .on_hover_text("Cochée : la base sera transférée");
                    if active.as_deref() == Some(listed.path.as_path()) {
                        ui.label(RichText::new("base active").weak());
                    } else {
                        ui.label("");
                    }
                    let button = ui
                        .add(egui::Button::new("Supprimer"))
                        .accessible_name(format!("Supprimer {shown} de la liste"));
                    if button.clicked() {
                        remove = Some(i);
                    }
                    ui.end_row();
                }
            });
        if let Some(i) = remove {
            let gone = self.list.remove(i);
            self.note = Some(format!(
                "« {} » a été retirée de cette liste. La base elle-même n'est ni supprimée ni \
                 modifiée.",
                ctx.path_text(&gone.path)
            ));
        }
        ui.add_space(4.0);
        ui.horizontal_wrapped(|ui| {
            let label = ui.label("Autre base");
            ui.add(egui::TextEdit::singleline(&mut self.add_text).desired_width(FIELD_WIDTH))
                .labelled_by(label.id);
            let browse = ui.add_enabled(!self.browse.is_pending(), egui::Button::new("Parcourir…"));
            if browse.clicked() {
                let near = ctx.typed_path(&self.add_text);
                widgets::FileDialog::pick_file("Ajouter une base Impact emploi")
                    .filter("Base Impact emploi", &["iea"])
                    .near(near)
                    .open(&mut self.browse, ui.ctx());
            }
            let add = ui.add_enabled(
                !self.add_text.trim().is_empty() && !self.adding.is_pending(),
                egui::Button::new("Ajouter"),
            );
            if add.clicked() {
                let path = ctx.typed_path(&self.add_text);
                self.adding
                    .start(ui.ctx(), "centre-transfert-ajout", move || {
                        crate::store::catalog::probe(&path)
                            .map(|_| path)
                            .map_err(|e| messages::store_error(&e))
                    });
            }
            if self.adding.is_pending() {
                widgets::pending_ui(ui, "Vérification de la base…");
            }
        });
        if let Some(Err(e)) = self.adding.latest() {
            let e = e.clone();
            ui.horizontal_wrapped(|ui| widgets::failed_ui(ui, &e.what));
        }
        if let Some(note) = &self.note {
            ui.label(RichText::new(ctx.shown(note).into_owned()).weak());
        }
    }

    // -----------------------------------------------------------------------
    // The prerequisites.

    fn prerequisites_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        widgets::section_ui(ui, "Prérequis");
        let Some(found) = self.prereq.latest().cloned() else {
            if self.prereq.is_pending() {
                ui.horizontal(|ui| widgets::pending_ui(ui, "Vérification des prérequis…"));
            }
            return;
        };
        for store in &found.stores {
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.label(
                    RichText::new(format!("Base « {} »", ctx.path_text(&store.store))).strong(),
                );
                self.store_prerequisites_ui(ui, ctx, store);
            });
            ui.add_space(6.0);
        }
        ui.horizontal_wrapped(|ui| {
            let refresh = ui
                .add_enabled(!self.prereq.is_pending(), egui::Button::new("Actualiser"))
                .accessible_name("Actualiser les prérequis");
            if refresh.clicked() {
                self.start_prereq(ui.ctx(), ctx);
            }
            if self.prereq.is_pending() {
                widgets::pending_ui(ui, "Vérification des prérequis…");
            } else {
                ui.label(
                    RichText::new(format!(
                        "Vérifiés le {} ; vérifiés de nouveau toutes les {} secondes.",
                        found.checked_at.format("%d/%m/%Y à %H:%M"),
                        REFRESH_SECS as u32
                    ))
                    .weak(),
                );
            }
        });
    }

    fn store_prerequisites_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx, store: &StoreCheck) {
        let findings = match &store.result {
            Ok(f) => f,
            Err(fault) => {
                widgets::explanation_ui(ui, &messages::store_fault(fault));
                return;
            }
        };
        ui.label(RichText::new("Concernant vos données").underline());
        for data in &findings.data {
            self.data_ui(ui, &store.store, data);
        }
        ui.add_space(4.0);
        ui.label(RichText::new("Concernant votre installation").underline());
        let i = &findings.installation;
        installation_line_ui(
            ui,
            InstallationCheck::RecentBackup,
            i.backup_met(),
            &messages::backup_detail(i.last_backup, i.last_change),
        );
        if !i.backup_met() && ui.link(ScreenId::Sauvegardes.title()).clicked() {
            ctx.push(Command::Navigate(ScreenId::Sauvegardes));
        }
        let connected: Vec<String> = i
            .connected()
            .iter()
            .map(|s| messages::session_who(s))
            .collect();
        installation_line_ui(
            ui,
            InstallationCheck::NobodyConnected,
            connected.is_empty(),
            &if connected.is_empty() {
                "Personne n'utilise Impact emploi.".to_owned()
            } else {
                format!("Connecté(s) : {}.", connected.join(", "))
            },
        );
        let services: Vec<String> = i
            .running_services()
            .iter()
            .map(|s| messages::service_seen(s))
            .collect();
        installation_line_ui(
            ui,
            InstallationCheck::NoOtherService,
            services.is_empty(),
            &if services.is_empty() {
                "Aucun autre poste n'a son gestionnaire de services lancé.".to_owned()
            } else {
                format!("Lancé sur : {}.", services.join(", "))
            },
        );
        ui.horizontal_wrapped(|ui| {
            widgets::mark_ui(ui, widgets::Mark::Warning);
            ui.label(messages::installation_check_label(
                InstallationCheck::Antivirus,
            ));
        });
        ui.label(RichText::new(messages::ANTIVIRUS_REMINDER).weak());
    }

    fn data_ui(&mut self, ui: &mut egui::Ui, store: &Path, data: &DataFinding) {
        ui.horizontal_wrapped(|ui| {
            widgets::mark_ui(
                ui,
                if data.met() {
                    widgets::Mark::Ok
                } else {
                    widgets::Mark::Failed
                },
            );
            ui.label(messages::data_check_label(data.check));
        });
        if data.met() {
            return;
        }
        ui.indent(("transfert-lignes", store, data.check.code()), |ui| {
            for row in data.rows.iter().take(ROWS_SHOWN) {
                ui.label(
                    RichText::new(format!("• {}", messages::offence_line(row)))
                        .color(widgets::error_color(ui)),
                );
            }
            if data.total > ROWS_SHOWN as u64 {
                ui.label(format!(
                    "… et {} autre(s) ligne(s).",
                    data.total - ROWS_SHOWN as u64
                ));
            }
            ui.label(
                RichText::new(format!(
                    "Où corriger : {}",
                    messages::data_check_fix(data.check)
                ))
                .weak(),
            );
            let key = Acknowledged {
                store: store.to_path_buf(),
                check: data.check,
            };
            let mut accepted = self.acknowledged.contains(&key);
            let label = "Transférer quand même (ce point sera cité dans le rapport)";
            let response = ui
                .checkbox(&mut accepted, label)
                .on_hover_text(messages::data_check_label(data.check));
            let response = response.accessible_name(format!(
                "Transférer quand même : {}",
                messages::data_check_label(data.check)
            ));
            if response.changed() {
                if accepted {
                    self.acknowledged.insert(key);
                } else {
                    self.acknowledged.remove(&key);
                }
            }
        });
    }

    // -----------------------------------------------------------------------
    // « Transférer », its confirmation, the job.

    /// Why « Transférer » is greyed, if it is.
    fn blocked_reason(&self, ctx: &AppCtx) -> Option<String> {
        match self.status.latest() {
            None if self.status.is_pending() => {
                return Some("Interrogation du serveur d'authentification…".to_owned());
            }
            None => return Some("Le serveur n'a pas encore été interrogé.".to_owned()),
            Some(Err(e)) => return Some(e.what.clone()),
            Some(Ok(TransferStatus::Closed { message })) => {
                return Some(messages::transfer_closed(message));
            }
            Some(Ok(TransferStatus::Open { .. })) => {}
        }
        if self.ticked().is_empty() {
            return Some("Cochez au moins une base de données à transférer.".to_owned());
        }
        if ctx.running_backup().is_some() || ctx.running_restore().is_some() {
            return Some(
                "Une sauvegarde ou une restauration est en cours : attendez sa fin.".to_owned(),
            );
        }
        let Some(found) = self.prereq.latest() else {
            return Some("Vérification des prérequis…".to_owned());
        };
        if self.prereq_for.as_ref().map(|k| &k.0) != Some(&self.ticked()) {
            return Some("Vérification des prérequis…".to_owned());
        }
        let blockers = found.blockers(&self.acknowledged);
        match blockers.len() {
            0 => None,
            1 => Some(
                "Transfert impossible : un prérequis n'est pas rempli (en rouge ci-dessous)."
                    .to_owned(),
            ),
            n => Some(format!(
                "Transfert impossible : {n} prérequis ne sont pas remplis (en rouge ci-dessous)."
            )),
        }
    }

    fn transfer_button_ui(&mut self, ui: &mut egui::Ui, ctx: &AppCtx) {
        let reason = self.blocked_reason(ctx);
        ui.horizontal_wrapped(|ui| {
            let button = ui.add_enabled(reason.is_none(), egui::Button::new("Transférer"));
            if button.clicked() {
                self.asked = true;
            }
            match reason {
                Some(reason) => {
                    ui.label(RichText::new(reason).color(widgets::warn_color(ui)));
                }
                None => {
                    ui.label(
                        RichText::new("Le serveur a donné le « GO » : le transfert est ouvert.")
                            .color(widgets::ok_color(ui)),
                    );
                }
            }
        });
    }

    fn confirm_ui(&mut self, ui: &egui::Ui, ctx: &AppCtx) {
        if !self.asked {
            return;
        }
        let stores = self.ticked();
        let shown: Vec<String> = stores.iter().map(|p| ctx.path_text(p)).collect();
        let decided = widgets::confirm_modal_ui(
            ui,
            "confirmer-transfert",
            "Confirmer le transfert des bases de données ?",
            "Oui",
            |ui| {
                ui.label("Les bases suivantes vont être transférées vers l'espace sécurisé « Sharebox » :");
                for s in &shown {
                    ui.label(format!("• {s}"));
                }
                ui.add_space(6.0);
                ui.label(
                    "Vos bases ne sont pas modifiées. Un transfert interrompu reprend là où il \
                     s'est arrêté.",
                );
            },
        );
        match decided {
            Some(true) => {
                self.asked = false;
                let request = TransferRequest {
                    stores,
                    acknowledged: self.acknowledged.clone(),
                    proxy: None,
                };
                self.start_job(ui.ctx(), ctx, request);
            }
            Some(false) => self.asked = false,
            None => {}
        }
    }

    fn start_job(&mut self, egui_ctx: &egui::Context, ctx: &AppCtx, request: TransferRequest) {
        self.saved_proxy = request.proxy.as_ref().is_some_and(|p| p.save);
        self.request = Some(request.clone());
        self.dismissed = false;
        self.show_message = false;
        self.proxy = None;
        if let Ok(mut rows) = self.rows.lock() {
            rows.clear();
        }
        let board = Board {
            rows: Arc::clone(&self.rows),
            waker: egui_ctx.clone(),
        };
        let home = ctx.home.clone();
        self.job
            .start_job(egui_ctx, "centre-transfert", move |_progress, cancel| {
                transfer::run(&home, &request, &board, cancel)
            });
    }

    /// The rows of the job: « Progression », « C », « T ».
    fn rows_ui(&self, ui: &mut egui::Ui) {
        let rows = self.rows.lock().map(|r| r.clone()).unwrap_or_default();
        egui::Grid::new("transfert-progression")
            .num_columns(4)
            .striped(true)
            .spacing([16.0, 6.0])
            .show(ui, |ui| {
                for title in ["Base", "Progression", "C", "T"] {
                    ui.label(RichText::new(title).strong());
                }
                ui.end_row();
                for row in &rows {
                    ui.label(row.name.as_str());
                    ui.vertical(|ui| {
                        let fraction = row.gauge.fraction();
                        let phase = row
                            .gauge
                            .phase
                            .map(messages::phase_label)
                            .unwrap_or_default();
                        ui.add(
                            egui::ProgressBar::new(fraction.unwrap_or(
                                if row.transfer == StepState::Done
                                    || row.transfer == StepState::AlreadyDone
                                {
                                    1.0
                                } else {
                                    0.0
                                },
                            ))
                            .desired_width(300.0)
                            .text(messages::gauge_text(&row.gauge)),
                        )
                        .accessible_name(format!("Progression de {}", row.name));
                        if !phase.is_empty() {
                            ui.label(RichText::new(phase).weak().small());
                        }
                    });
                    step_ui(ui, "C", &row.name, row.compression);
                    step_ui(ui, "T", &row.name, row.transfer);
                    ui.end_row();
                }
            });
        ui.add_space(4.0);
        ui.label(
            RichText::new(
                "C : indicateur de Compression de votre base ; T : indicateur de Transfert de \
                 votre base vers l'espace sécurisé « Sharebox ».",
            )
            .weak()
            .small(),
        );
    }

    fn running_ui(&self, ui: &mut egui::Ui) {
        widgets::section_ui(ui, "Transfert des bases de données");
        ui.label(messages::NO_INPUT_NEEDED);
        ui.add_space(8.0);
        self.rows_ui(ui);
        ui.add_space(8.0);
        ui.horizontal_wrapped(|ui| {
            let cancel = ui
                .add_enabled(!self.job.is_cancelling(), egui::Button::new("Annuler"))
                .accessible_name("Annuler le transfert");
            if cancel.clicked() {
                self.job.cancel();
            }
            if self.job.is_cancelling() {
                widgets::pending_ui(ui, "Annulation à la prochaine étape sûre…");
            } else {
                ui.label(
                    RichText::new(
                        "Annuler garde ce qui est déjà envoyé : le prochain « Transférer » \
                         reprend là où le transfert s'est arrêté.",
                    )
                    .weak(),
                );
            }
        });
    }

    // -----------------------------------------------------------------------
    // The proxy window (step 5bis).

    fn open_proxy_window(&mut self, ctx: &AppCtx) {
        let saved = ctx.config().map(|c| c.connection.proxy.clone());
        let mut form = ProxyForm {
            port: "8080".to_owned(),
            ..ProxyForm::default()
        };
        if let Some(saved) = saved
            && !saved.host.trim().is_empty()
        {
            form.host.clone_from(&saved.host);
            form.port = saved.port.to_string();
            form.user.clone_from(&saved.user);
            form.saved_password = saved.password_encrypted.is_some();
        }
        self.proxy = Some(form);
    }

    fn proxy_ui(&mut self, ui: &egui::Ui, ctx: &AppCtx) {
        let Some(mut form) = self.proxy.take() else {
            return;
        };
        let why = match self.job.latest() {
            Some(Err(e @ TransferError::NotEstablished { .. })) => messages::transfer_error(e).what,
            _ => String::new(),
        };
        let mut run = false;
        let mut close = false;
        egui::Modal::new(egui::Id::unique("transfert-proxy")).show(ui.ctx(), |ui| {
            ui.set_max_width(560.0);
            ui.heading(messages::DIRECT_FAILED_TITLE);
            ui.add_space(6.0);
            ui.label(RichText::new(&why).color(widgets::error_color(ui)));
            ui.add_space(4.0);
            ui.label(messages::DIRECT_FAILED_TODO);
            ui.add_space(8.0);
            egui::Grid::new("transfert-proxy-champs")
                .num_columns(2)
                .spacing([12.0, 6.0])
                .show(ui, |ui| {
                    let l = ui.label("Adresse du proxy");
                    ui.add(egui::TextEdit::singleline(&mut form.host).desired_width(260.0))
                        .labelled_by(l.id);
                    ui.end_row();
                    let l = ui.label("Port");
                    ui.add(egui::TextEdit::singleline(&mut form.port).desired_width(80.0))
                        .labelled_by(l.id);
                    ui.end_row();
                    let l = ui.label("Utilisateur");
                    ui.add(egui::TextEdit::singleline(&mut form.user).desired_width(200.0))
                        .labelled_by(l.id);
                    ui.end_row();
                    let l = ui.label("Mot de passe");
                    let hint = if form.saved_password {
                        "mot de passe enregistré"
                    } else {
                        ""
                    };
                    ui.add(
                        egui::TextEdit::singleline(&mut form.password)
                            .password(true)
                            .hint_text(hint)
                            .desired_width(200.0),
                    )
                    .labelled_by(l.id);
                    ui.end_row();
                });
            ui.checkbox(
                &mut form.save,
                "Enregistrer ce proxy dans les paramètres de connexion (mot de passe chiffré)",
            );
            if let Some(problem) = &form.problem {
                ui.label(RichText::new(problem).color(widgets::error_color(ui)));
            }
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui.add(egui::Button::new("Exécuter")).clicked() {
                    run = true;
                }
                if ui.add(egui::Button::new("Annuler")).clicked() {
                    close = true;
                }
            });
        });
        if close {
            self.dismissed = true;
            return;
        }
        if run {
            match proxy_of(&form) {
                Ok(proxy) => {
                    if let Some(mut request) = self.request.clone() {
                        request.proxy = Some(proxy);
                        self.start_job(ui.ctx(), ctx, request);
                    }
                    return;
                }
                Err(problem) => form.problem = Some(problem),
            }
        }
        self.proxy = Some(form);
    }

    // -----------------------------------------------------------------------
    // The end: success, then « Message à envoyer ».

    fn end_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx, report: &TransferReport) {
        widgets::section_ui(ui, "Transfert des bases de données");
        self.rows_ui(ui);
        ui.add_space(10.0);
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal_wrapped(|ui| widgets::done_ui(ui, messages::SUCCESS));
            if let Some(via) = &report.via_proxy {
                ui.label(format!("Le transfert est passé par le proxy {via}."));
            }
            ui.label(messages::TELL_THE_TEAM);
        });
        ui.add_space(8.0);
        self.message_ui(ui, ctx);
    }

    fn message_ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        widgets::section_ui(ui, "Message à envoyer");
        let facts = match self.last.latest() {
            Some(Ok(last)) => last.facts.clone(),
            Some(Err(e)) => {
                let e = e.clone();
                widgets::explanation_ui(ui, &e);
                return;
            }
            None => None,
        };
        let Some(mut facts) = facts else {
            if self.last.is_pending() {
                ui.horizontal(|ui| widgets::pending_ui(ui, "Préparation du rapport…"));
            }
            return;
        };
        let default_manager = self
            .last
            .latest()
            .and_then(|l| l.as_ref().ok())
            .map(|l| l.manager.clone())
            .unwrap_or_default();
        let manager = self.manager.get_or_insert(default_manager);
        manager.trim().clone_into(&mut facts.manager);
        let mail = report::compose(&facts);
        egui::Grid::new("transfert-message")
            .num_columns(2)
            .spacing([12.0, 6.0])
            .show(ui, |ui| {
                let to = ui.label("À");
                ui.label(RichText::new(mail.to.join(", ")).strong())
                    .labelled_by(to.id);
                ui.end_row();
                let l = ui.label("Nom du gestionnaire");
                ui.add(egui::TextEdit::singleline(manager).desired_width(260.0))
                    .labelled_by(l.id);
                ui.end_row();
                let subject = ui.label("Objet");
                ui.label(mail.subject.as_str()).labelled_by(subject.id);
                ui.end_row();
            });
        // The paths of the content as the window writes them (the copy keeps
        // them as they are).
        let shown_body = ctx.shown(&mail.body).into_owned();
        egui::ScrollArea::vertical()
            .id_salt("transfert-contenu")
            .max_height(320.0)
            .show(ui, |ui| {
                let mut text: &str = &shown_body;
                ui.add(
                    egui::TextEdit::multiline(&mut text)
                        .font(egui::TextStyle::Monospace)
                        .desired_width(f32::INFINITY),
                )
                .accessible_name("Contenu du rapport");
            });
        ui.add_space(8.0);
        let unsendable = match ctx.config() {
            _ if mail.to.is_empty() => Some("Le serveur n'a donné aucun destinataire."),
            Some(c) if !crate::support::sending_configured(c) => Some(
                "La messagerie du support n'est pas réglée (serveur d'envoi et expéditeur) : \
                 copiez les destinataires et le contenu dans votre messagerie.",
            ),
            None => Some("La configuration n'est pas lisible."),
            Some(_) => None,
        };
        ui.horizontal_wrapped(|ui| {
            let send = ui.add_enabled(
                unsendable.is_none() && !self.send.is_pending(),
                egui::Button::new("Envoyer le rapport"),
            );
            if send.clicked() {
                let home = ctx.home.clone();
                let mail = mail.clone();
                self.send
                    .start(ui.ctx(), "centre-transfert-rapport", move || {
                        report::send(&home, &mail).map_err(|e| messages::report_error(&e))
                    });
            }
            if let Some(why) = unsendable {
                ui.label(RichText::new(why).color(widgets::warn_color(ui)));
            }
            if self.send.is_pending() {
                widgets::pending_ui(ui, "Envoi du rapport…");
            }
        });
        match self.send.latest() {
            Some(Ok(())) if !self.send.is_pending() => {
                ui.horizontal_wrapped(|ui| {
                    widgets::done_ui(
                        ui,
                        &format!("Le rapport a été envoyé à {}.", mail.to.join(", ")),
                    );
                });
            }
            Some(Err(e)) if !self.send.is_pending() => {
                let e = e.clone();
                ui.horizontal_wrapped(|ui| widgets::failed_ui(ui, &e.what));
                ui.label(e.todo.as_str());
            }
            _ => {}
        }
        ui.add_space(6.0);
        ui.horizontal_wrapped(|ui| {
            if ui
                .add(egui::Button::new("Copier les destinataires"))
                .clicked()
            {
                ctx.push(Command::CopyToClipboard(mail.to.join(", ")));
                self.copied = Some("Destinataires copiés.");
            }
            if ui.add(egui::Button::new("Copier le contenu")).clicked() {
                ctx.push(Command::CopyToClipboard(format!(
                    "Objet : {}\n\n{}",
                    mail.subject, mail.body
                )));
                self.copied = Some("Objet et contenu copiés.");
            }
            if let Some(copied) = self.copied {
                widgets::done_ui(ui, copied);
            }
        });
        ui.add_space(8.0);
        if ui
            .add(egui::Button::new("Retour à la liste des bases"))
            .clicked()
        {
            self.dismissed = true;
            self.show_message = false;
        }
    }

    /// The last transfer, when one reached Sharebox: a line and « Envoyer le
    /// rapport ».
    fn last_transfer_ui(&mut self, ui: &mut egui::Ui) {
        let Some(Ok(LastTransfer {
            facts: Some(facts), ..
        })) = self.last.latest()
        else {
            return;
        };
        let line = format!(
            "Dernier transfert : {} base(s) reçue(s) par Sharebox, le {}.",
            facts.stores.len(),
            facts
                .ended_at
                .unwrap_or(facts.started_at)
                .with_timezone(&chrono::Local)
                .format("%d/%m/%Y à %H:%M")
        );
        ui.horizontal_wrapped(|ui| {
            widgets::mark_ui(ui, widgets::Mark::Ok);
            ui.label(line);
            if ui
                .add(egui::Button::new("Voir le message à envoyer"))
                .clicked()
            {
                self.show_message = true;
            }
        });
    }
}

/// A line of an installation item: its mark, its label and what was found.
fn installation_line_ui(ui: &mut egui::Ui, check: InstallationCheck, met: bool, detail: &str) {
    ui.horizontal_wrapped(|ui| {
        widgets::mark_ui(
            ui,
            if met {
                widgets::Mark::Ok
            } else {
                widgets::Mark::Failed
            },
        );
        ui.label(messages::installation_check_label(check));
    });
    let color = if met {
        ui.visuals().weak_text_color()
    } else {
        widgets::error_color(ui)
    };
    ui.indent(("transfert-installation", check as u8), |ui| {
        ui.label(RichText::new(detail).color(color));
        if !met {
            ui.label(RichText::new(messages::installation_check_todo(check)).weak());
        }
    });
}

/// A cell of « C » or « T »: its mark, said by screen readers.
fn step_ui(ui: &mut egui::Ui, column: &str, store: &str, state: StepState) {
    ui.horizontal(|ui| {
        let mark = match state {
            StepState::Waiting => widgets::Mark::Skipped,
            StepState::Running => {
                ui.spinner();
                ui.label(RichText::new(messages::step_state(state)).small())
                    .on_hover_text(format!("{column} : {store}"));
                return;
            }
            StepState::Done | StepState::AlreadyDone => widgets::Mark::Ok,
            StepState::Failed => widgets::Mark::Failed,
            StepState::Cancelled => widgets::Mark::Warning,
        };
        widgets::mark_ui(ui, mark);
        ui.label(RichText::new(messages::step_state(state)).small())
            .on_hover_text(format!("{column} : {store}"));
    });
}

/// The proxy of the window, checked.
fn proxy_of(form: &ProxyForm) -> Result<FallbackProxy, String> {
    let host = form.host.trim();
    if host.is_empty() {
        return Err("Indiquez l'adresse du proxy.".to_owned());
    }
    let port: u16 = form
        .port
        .trim()
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or("Le port est un nombre de 1 à 65535.")?;
    let password = if !form.password.is_empty() {
        ProxyPassword::Typed(form.password.clone())
    } else if form.saved_password {
        ProxyPassword::Saved
    } else {
        ProxyPassword::None
    };
    Ok(FallbackProxy {
        host: host.to_owned(),
        port,
        user: form.user.trim().to_owned(),
        password,
        save: form.save,
    })
}

/// Whether the server says « GO ».
fn server_status(home: &Home) -> Result<TransferStatus, Explanation> {
    let config = crate::config::Config::load(home).map_err(|e| messages::config_error(&e))?;
    let installation = crate::installation::Installation::load_or_create(home)
        .map_err(|e| messages::installation_error(&e))?;
    let settings = &config.connection;
    let password = match (&settings.kind, &settings.proxy.password_encrypted) {
        (crate::config::ConnectionKind::Proxy, Some(stored)) => Some(
            crate::secrets::SecretKey::load_or_create(home)
                .and_then(|k| k.decrypt(stored))
                .map_err(|e| messages::secret_error(&e))?,
        ),
        _ => None,
    };
    transfer::status(settings, password.as_deref(), &installation).map_err(|e| Explanation {
        title: "Serveur d'authentification injoignable".to_owned(),
        what: messages::transfer_server_problem(&e),
        ..Explanation::default()
    })
}

/// The state file's last transfer and its report.
fn read_last(home: &Home, manager: Option<String>) -> Result<LastTransfer, Explanation> {
    let state = transfer::state::TransferState::load(home)
        .map_err(|e| messages::transfer_error(&TransferError::State(e)))?;
    let manager = manager.unwrap_or_else(report::default_manager);
    let facts = match report::facts(home, &manager) {
        Ok(f) => Some(f),
        Err(ReportError::NothingReceived) => None,
        Err(e) => return Err(messages::report_error(&e)),
    };
    Ok(LastTransfer {
        stores: state.last_run.map(|r| r.stores).unwrap_or_default(),
        facts,
        manager,
    })
}

impl Screen for Transfert {
    fn id(&self) -> ScreenId {
        ScreenId::Transfert
    }

    fn title(&self) -> &'static str {
        messages::TRANSFER_TITLE
    }

    fn nav_group(&self) -> NavGroup {
        NavGroup::Maintain
    }

    /// Draws the screen.
    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        Screen::poll(self, ctx);
        widgets::title_ui(ui, ScreenId::Transfert.title());
        let entered = widgets::entered(&mut self.last_pass, ui);
        if entered || self.need_last {
            self.need_last = false;
            self.start_last(ui.ctx(), &ctx.home.clone());
        }
        if self.job.is_pending() {
            egui::ScrollArea::vertical()
                .auto_shrink(false)
                .show(ui, |ui| self.running_ui(ui));
            return;
        }
        if !self.dismissed
            && let Some(Ok(report)) = self.job.latest()
        {
            let report = report.clone();
            egui::ScrollArea::vertical()
                .auto_shrink(false)
                .show(ui, |ui| self.end_ui(ui, ctx, &report));
            return;
        }
        if self.show_message {
            egui::ScrollArea::vertical()
                .auto_shrink(false)
                .show(ui, |ui| self.message_ui(ui, ctx));
            return;
        }
        let Some(active) = ctx.store_path().map(Path::to_path_buf) else {
            return;
        };
        if self.list.is_empty() && self.note.is_none() {
            self.list.push(Listed {
                path: active,
                ticked: true,
            });
        }
        let now = ui.input(|i| i.time);
        let due = |at: Option<f64>| at.is_none_or(|t| now - t >= REFRESH_SECS);
        if (entered || self.status_for != Some(ctx.config_generation()) || due(self.status_at))
            && !self.status.is_pending()
        {
            self.start_status(ui.ctx(), ctx);
        }
        if (entered
            || self.prereq_for.as_ref() != Some(&self.prereq_key(ctx))
            || due(self.prereq_at))
            && !self.prereq.is_pending()
            && !self.ticked().is_empty()
        {
            self.start_prereq(ui.ctx(), ctx);
        }
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_secs_f64(REFRESH_SECS));

        egui::ScrollArea::vertical()
            .auto_shrink(false)
            .show(ui, |ui| {
                ui.label(
                    "Cette fonctionnalité est destinée à faciliter la reprise de vos bases de \
                     données afin de les intégrer dans le nouveau service Impact emploi \
                     association. Cette action doit être exécutée uniquement à partir du moment \
                     où le GO vous est donné.",
                );
                ui.add_space(6.0);
                if let Some(Err(e)) = self.job.latest() {
                    let e = messages::transfer_error(e);
                    egui::Frame::group(ui.style()).show(ui, |ui| {
                        ui.set_width(ui.available_width());
                        ui.horizontal_wrapped(|ui| {
                            widgets::mark_ui(ui, widgets::Mark::Failed);
                            ui.label(RichText::new(&e.title).strong());
                        });
                        widgets::explanation_ui(ui, &e);
                    });
                    if self.rows.lock().is_ok_and(|r| !r.is_empty()) {
                        ui.add_space(4.0);
                        self.rows_ui(ui);
                    }
                    ui.add_space(6.0);
                }
                self.last_transfer_ui(ui);
                self.transfer_button_ui(ui, ctx);
                ui.add_space(6.0);
                self.list_ui(ui, ctx);
                ui.add_space(8.0);
                self.prerequisites_ui(ui, ctx);
            });
        self.confirm_ui(ui, ctx);
        self.proxy_ui(ui, ctx);
    }

    /// Takes the answers of the screen's background work.
    fn poll(&mut self, ctx: &mut AppCtx) {
        self.status.poll();
        self.prereq.poll();
        self.send.poll();
        if self.last.poll()
            && let Some(Ok(last)) = self.last.latest()
        {
            // The stores of an interrupted transfer come back to the list.
            for store in last.stores.clone() {
                if !self.list.iter().any(|l| l.path == store) {
                    self.list.push(Listed {
                        path: store,
                        ticked: true,
                    });
                }
            }
        }
        if self.adding.poll()
            && let Some(Ok(path)) = self.adding.latest().cloned()
        {
            if !self.list.iter().any(|l| l.path == path) {
                self.list.push(Listed { path, ticked: true });
            }
            self.add_text.clear();
            self.note = None;
        }
        if self.browse.poll()
            && let Some(Some(path)) = self.browse.take()
        {
            self.add_text = ctx.path_text(&path);
        }
        if self.job.poll() {
            match self.job.latest() {
                Some(Ok(_)) => {
                    if self.saved_proxy {
                        ctx.push(Command::ReloadConfig);
                    }
                    // The report of this run is read at the next frame.
                    self.last.clear();
                    self.need_last = true;
                }
                Some(Err(TransferError::NotEstablished { .. })) => self.open_proxy_window(ctx),
                _ => {}
            }
        }
    }

    /// Whether the server, the prerequisites, a store added, the transfer or
    /// the report are being worked on.
    fn is_busy(&self) -> bool {
        self.status.is_pending()
            || self.prereq.is_pending()
            || self.adding.is_pending()
            || self.job.is_pending()
            || self.last.is_pending()
            || self.send.is_pending()
    }
}
