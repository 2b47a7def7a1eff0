//! "Paramètres de connexion", laid out like the original window: "Type de
//! connexion" (proxy, direct, system settings) with the proxy's host, port, user
//! and password, "Mode de connexion" (Normal, Étendu, Sécurisé), the three server
//! addresses, an optional extra certificate authority, then "Tester l'accès aux
//! serveurs", "Enregistrer" and "Quitter".
//!
//! The form keeps the raw text of each field apart from the validated settings;
//! each field is checked as it is typed and its problem is written next to it.
//! The test runs on the values as typed (once they are valid), on a worker thread;
//! at the end of each address its mark shows the state of the test: nothing, a
//! spinner, a green tick or a red barred circle with the failing step and the
//! problem under it. Saving is refused while a field is wrong, so a bad value
//! never reaches `config.toml`; a new proxy password is encrypted before it is
//! written, and the stored one is never shown.

use std::path::PathBuf;

use eframe::egui::{self, RichText};
use url::Url;

use crate::config::{self, Config, ConnectionKind, ConnectionMode, ConnectionSettings};
use crate::connection::client;
use crate::connection::servers::{ServerName, ServerResult, ServerTestReport};
use crate::fsutil::EntryKind;
use crate::messages;
use crate::ui::screen::{NavGroup, Screen, ScreenId};
use crate::ui::task::Task;
use crate::ui::widgets::{self, PathCheck, PathFact};
use crate::ui::{Action, AppCtx, Command, Outcome, PasswordChange, Secret};

/// Width of the address fields, in points.
const URL_WIDTH: f32 = 440.0;

/// Indent of the proxy's fields under their radio button.
const PROXY_INDENT: f32 = 24.0;

/// The raw values of the form.
#[derive(Clone, PartialEq, Eq)]
struct ConnectionForm {
    kind: ConnectionKind,
    mode: ConnectionMode,
    proxy_host: String,
    proxy_port: String,
    proxy_user: String,
    /// A new password typed; empty keeps the stored one.
    proxy_password: String,
    /// The stored password is to be removed.
    forget_password: bool,
    auth_url: String,
    update_url: String,
    net_entreprises_url: String,
    extra_ca_file: String,
}

impl std::fmt::Debug for ConnectionForm {
    /// Everything but the typed password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionForm")
            .field("kind", &self.kind)
            .field("mode", &self.mode)
            .field("proxy_host", &self.proxy_host)
            .field("proxy_port", &self.proxy_port)
            .field("proxy_user", &self.proxy_user)
            .field("proxy_password_typed", &!self.proxy_password.is_empty())
            .field("forget_password", &self.forget_password)
            .field("auth_url", &self.auth_url)
            .field("update_url", &self.update_url)
            .field("net_entreprises_url", &self.net_entreprises_url)
            .field("extra_ca_file", &self.extra_ca_file)
            .finish()
    }
}

impl ConnectionForm {
    /// The form of the saved settings, the certificate authority's path
    /// written as the window writes it.
    fn from_settings(c: &ConnectionSettings, ctx: &AppCtx) -> Self {
        Self {
            kind: c.kind,
            mode: c.mode,
            proxy_host: c.proxy.host.clone(),
            proxy_port: c.proxy.port.to_string(),
            proxy_user: c.proxy.user.clone(),
            proxy_password: String::new(),
            forget_password: false,
            auth_url: c.auth_url.to_string(),
            update_url: c.update_url.to_string(),
            net_entreprises_url: c.net_entreprises_url.to_string(),
            extra_ca_file: c
                .extra_ca_file
                .as_ref()
                .map(|p| ctx.path_text(p))
                .unwrap_or_default(),
        }
    }

    fn password_change(&self) -> PasswordChange {
        if !self.proxy_password.is_empty() {
            PasswordChange::Replace(Secret::new(self.proxy_password.clone()))
        } else if self.forget_password {
            PasswordChange::Remove
        } else {
            PasswordChange::Keep
        }
    }
}

/// Each field's value once checked, or its problem in French.
#[derive(Debug, Clone)]
struct Checked {
    auth_url: Result<Url, String>,
    update_url: Result<Url, String>,
    net_entreprises_url: Result<Url, String>,
    proxy_host: Result<String, String>,
    proxy_port: Result<u16, String>,
    extra_ca_file: Result<Option<PathBuf>, String>,
    /// The certificate authority's file is being checked: the form is not
    /// valid yet, and nothing is wrong either.
    ca_checking: bool,
}

impl Checked {
    /// Checks every field. The proxy's fields are checked when the proxy is
    /// chosen; otherwise they cannot be edited, and a value left wrong there
    /// gives way to the saved one (`saved_proxy`) rather than block the form.
    /// The certificate authority's file was checked in the background: `ca`.
    fn of(form: &ConnectionForm, ca: &PathFact, saved_proxy: &config::ProxySettings) -> Self {
        let url = |text: &str| {
            config::check_url(text, form.mode).map_err(|p| messages::value_problem(&p))
        };
        let host = form.proxy_host.trim();
        let mut proxy_host = if host.is_empty() {
            if form.kind == ConnectionKind::Proxy {
                Err(messages::value_problem(
                    &config::ValueProblem::MissingProxyHost,
                ))
            } else {
                Ok(String::new())
            }
        } else if config::is_host_name(host) {
            Ok(host.to_owned())
        } else {
            Err(messages::value_problem(&config::ValueProblem::BadHost))
        };
        let mut proxy_port = form
            .proxy_port
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| messages::value_problem(&config::ValueProblem::PortOutOfRange));
        if form.kind != ConnectionKind::Proxy {
            if proxy_host.is_err() {
                proxy_host = Ok(saved_proxy.host.clone());
            }
            if proxy_port.is_err() {
                proxy_port = Ok(saved_proxy.port);
            }
        }
        let extra_ca_file = match ca {
            PathFact::Empty => Ok(None),
            PathFact::Found(path) => Ok(Some(path.clone())),
            PathFact::Checking => Err(String::new()),
            PathFact::Problem(_, problem) => {
                Err(messages::entry_problem(EntryKind::File, *problem))
            }
        };
        Self {
            auth_url: url(&form.auth_url),
            update_url: url(&form.update_url),
            net_entreprises_url: url(&form.net_entreprises_url),
            proxy_host,
            proxy_port,
            extra_ca_file,
            ca_checking: matches!(ca, PathFact::Checking),
        }
    }

    /// The settings the form describes, when every field is good; the stored
    /// proxy password is `stored_password`.
    fn settings(
        &self,
        form: &ConnectionForm,
        stored_password: Option<&String>,
    ) -> Option<ConnectionSettings> {
        let (Ok(auth_url), Ok(update_url), Ok(net_entreprises_url)) = (
            self.auth_url.clone(),
            self.update_url.clone(),
            self.net_entreprises_url.clone(),
        ) else {
            return None;
        };
        let (Ok(host), Ok(port), Ok(extra_ca_file)) = (
            self.proxy_host.clone(),
            self.proxy_port.clone(),
            self.extra_ca_file.clone(),
        ) else {
            return None;
        };
        Some(ConnectionSettings {
            kind: form.kind,
            mode: form.mode,
            proxy: config::ProxySettings {
                host,
                port,
                user: form.proxy_user.trim().to_owned(),
                password_encrypted: stored_password.cloned(),
            },
            auth_url,
            update_url,
            net_entreprises_url,
            extra_ca_file,
        })
    }
}

/// The "Paramètres de connexion" screen.
#[derive(Debug, Default)]
pub struct Connexion {
    form: Option<ConnectionForm>,
    saved: Option<ConnectionForm>,
    /// The form sent with the last "Enregistrer": once saved, it becomes the
    /// saved form (its typed password now stored).
    saving: Option<ConnectionForm>,
    seeded_for: Option<u64>,
    refused: bool,
    confirm_quit: bool,
    /// The certificate authority's file, checked on a worker thread.
    ca_check: PathCheck,
    /// Its "Parcourir…" dialog, open on a worker thread.
    browse: Task<Option<PathBuf>>,
}

impl Connexion {
    /// Takes the answers of the screen's background work that arrived: the
    /// check of the certificate authority's file, the file chosen in a dialog.
    fn take_answers(&mut self, ctx: &AppCtx) {
        self.ca_check.poll();
        if self.browse.poll()
            && let Some(Some(picked)) = self.browse.take()
            && let Some(form) = &mut self.form
        {
            form.extra_ca_file = ctx.path_text(&picked);
        }
    }

    fn form_ui(
        &mut self,
        ui: &mut egui::Ui,
        ctx: &mut AppCtx,
        form: &mut ConnectionForm,
        saved: &ConnectionForm,
        config: &Config,
    ) {
        let ca = self
            .ca_check
            .fact(ui.ctx(), ctx, EntryKind::File, &form.extra_ca_file);
        let checked = Checked::of(form, &ca, &config.connection.proxy);
        let stored_password = config.connection.proxy.password_encrypted.as_ref();

        kind_ui(ui, form, &checked, stored_password.is_some());
        mode_ui(ui, form);

        ui.add_space(6.0);
        // A copy: the buttons below push commands into `ctx`.
        let report = ctx.server_test().cloned();
        let report = report.as_ref();
        let testing = ctx.is_pending(Action::TestServers);
        let results: Vec<Option<&ServerResult>> = [
            (ServerName::Authentification, &checked.auth_url),
            (ServerName::MiseAJour, &checked.update_url),
            (ServerName::NetEntreprises, &checked.net_entreprises_url),
        ]
        .into_iter()
        .map(|(name, check)| {
            check
                .as_ref()
                .ok()
                .and_then(|url| result_for(report, form, name, url))
        })
        .collect();
        for ((label, text, check), result) in [
            (
                "Adresse du serveur d'authentification :",
                &mut form.auth_url,
                &checked.auth_url,
            ),
            (
                "Adresse du serveur de mise à jour :",
                &mut form.update_url,
                &checked.update_url,
            ),
            (
                "Adresse d'authentification Net Entreprise :",
                &mut form.net_entreprises_url,
                &checked.net_entreprises_url,
            ),
        ]
        .into_iter()
        .zip(results.iter().copied())
        {
            address_ui(ui, label, text, check, result, testing);
        }
        let browsing = self.browse.is_pending();
        if ca_file_ui(ui, &mut form.extra_ca_file, &checked, browsing) {
            widgets::FileDialog::pick_file("Autorité de certification supplémentaire")
                .filter("Certificats (PEM)", &["pem", "crt", "cer"])
                .near(ctx.typed_path(&form.extra_ca_file))
                .open(&mut self.browse, ui.ctx());
        }

        ui.add_space(12.0);
        let settings = checked.settings(form, stored_password);
        let all_current = results.iter().all(Option::is_some);
        test_ui(
            ui,
            ctx,
            form,
            settings.as_ref().ok_or(checked.ca_checking),
            report.filter(|_| all_current),
        );

        ui.add_space(10.0);
        let dirty = form != saved;
        ui.horizontal_wrapped(|ui| {
            let save = ui.add_enabled(dirty, egui::Button::new("Enregistrer"));
            if save.clicked() {
                match &settings {
                    Some(settings) => {
                        self.refused = false;
                        self.saving = Some(form.clone());
                        ctx.push(Command::SaveConnection {
                            settings: Box::new(settings.clone()),
                            proxy_password: form.password_change(),
                        });
                    }
                    None => self.refused = true,
                }
            }
            // Named apart from the navigation panel's "Quitter", which closes the
            // centre: a screen reader says which one it is.
            let quit = ui
                .add(egui::Button::new("Quitter"))
                .accessible_name("Quitter les paramètres de connexion");
            if quit.clicked() {
                if dirty {
                    self.confirm_quit = true;
                } else {
                    ctx.push(Command::Navigate(ScreenId::Accueil));
                }
            }
            if dirty {
                ui.label(
                    RichText::new("Modifications non enregistrées").color(widgets::warn_color(ui)),
                );
            }
        });
        if self.refused {
            ui.horizontal_wrapped(|ui| {
                widgets::failed_ui(
                    ui,
                    if checked.ca_checking {
                        "Le fichier de l'autorité de certification est encore en cours de \
                         vérification : rien n'a été enregistré."
                    } else {
                        "Rien n'a été enregistré : corrigez d'abord les champs signalés en rouge."
                    },
                );
            });
        }
        if ctx.outcome(Action::SaveConnection).is_some() {
            ui.horizontal_wrapped(|ui| {
                widgets::outcome_ui(ui, ctx.outcome(Action::SaveConnection), "Enregistrement…");
            });
        }

        ui.add_space(6.0);
        ui.separator();
        authentication_ui(ui, ctx, dirty);
    }

    /// "Abandonner les modifications ?" after "Quitter" with unsaved changes.
    fn quit_modal_ui(
        &mut self,
        ui: &egui::Ui,
        ctx: &mut AppCtx,
        form: &mut ConnectionForm,
        saved: &ConnectionForm,
    ) {
        if !self.confirm_quit {
            return;
        }
        let decided = widgets::confirm_modal_ui(
            ui,
            "connexion-abandonner",
            messages::DISCARD_CHANGES_TITLE,
            messages::DISCARD_CHANGES,
            |ui| {
                ui.label(
                    "Les paramètres de connexion modifiés n'ont pas été enregistrés. Si vous \
                     quittez maintenant, ces modifications seront perdues et les paramètres \
                     enregistrés resteront en vigueur.",
                );
            },
        );
        match decided {
            Some(true) => {
                self.confirm_quit = false;
                self.refused = false;
                *form = saved.clone();
                ctx.push(Command::Navigate(ScreenId::Accueil));
            }
            Some(false) => self.confirm_quit = false,
            None => {}
        }
    }
}

impl Screen for Connexion {
    fn id(&self) -> ScreenId {
        ScreenId::Connexion
    }

    fn title(&self) -> &'static str {
        "Paramètres de connexion"
    }

    fn nav_group(&self) -> NavGroup {
        NavGroup::Settings
    }

    fn works_without_store(&self) -> bool {
        true
    }

    /// Draws the screen.
    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        self.take_answers(ctx);
        widgets::title_ui(ui, "Paramètres de connexion");
        let Some(config) = ctx.config().cloned() else {
            return;
        };
        // Fill the form from the configuration when it changed, unless the user
        // has edits of their own that were not just saved.
        if self.seeded_for != Some(ctx.config_generation()) {
            let saved = ConnectionForm::from_settings(&config.connection, ctx);
            if self.form.is_none()
                || self.form == self.saved
                || (self.form.is_some() && self.form == self.saving)
            {
                self.form = Some(saved.clone());
            }
            self.saved = Some(saved);
            self.saving = None;
            self.seeded_for = Some(ctx.config_generation());
        }
        let (Some(mut form), Some(saved)) = (self.form.clone(), self.saved.clone()) else {
            return;
        };

        egui::ScrollArea::vertical()
            .auto_shrink(false)
            .show(ui, |ui| {
                self.form_ui(ui, ctx, &mut form, &saved, &config);
            });
        self.quit_modal_ui(ui, ctx, &mut form, &saved);
        if self.form.as_ref() != Some(&form) {
            self.refused = false;
            ctx.clear_outcome(Action::SaveConnection);
        }
        self.form = Some(form);
    }

    fn poll(&mut self, ctx: &mut AppCtx) {
        self.take_answers(ctx);
    }

    /// Whether the certificate authority's file is being checked.
    fn is_busy(&self) -> bool {
        self.ca_check.is_busy()
    }
}

/// The test result of server `name` when it is about the form as it stands: the
/// same address, mode and type of connection (a value changed since the test
/// leaves the address without a mark).
fn result_for<'a>(
    report: Option<&'a ServerTestReport>,
    form: &ConnectionForm,
    name: ServerName,
    url: &Url,
) -> Option<&'a ServerResult> {
    let report = report.filter(|r| r.mode == form.mode && r.kind == form.kind)?;
    report
        .result(name)
        .filter(|r| r.url == client::display_url(url))
}

/// "Type de connexion": the three choices, with the proxy's fields under the
/// first one, usable only when it is chosen.
fn kind_ui(ui: &mut egui::Ui, form: &mut ConnectionForm, checked: &Checked, stored: bool) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.label(RichText::new("Type de connexion").strong());
        ui.radio_value(
            &mut form.kind,
            ConnectionKind::Proxy,
            "Connexion par l'intermédiaire d'un serveur proxy",
        );
        ui.horizontal(|ui| {
            ui.add_space(PROXY_INDENT);
            ui.add_enabled_ui(form.kind == ConnectionKind::Proxy, |ui| {
                ui.vertical(|ui| proxy_fields_ui(ui, form, checked, stored));
            });
        });
        ui.radio_value(
            &mut form.kind,
            ConnectionKind::Direct,
            "Connexion directe par réseau local",
        );
        ui.radio_value(
            &mut form.kind,
            ConnectionKind::System,
            "Connexion en utilisant les paramètres du système",
        );
    });
}

fn proxy_fields_ui(ui: &mut egui::Ui, form: &mut ConnectionForm, checked: &Checked, stored: bool) {
    // Fixed sizes: a text field in a grid otherwise shrinks to the column width
    // of the frame before.
    let height = ui.spacing().interact_size.y;
    egui::Grid::new("connexion-proxy")
        .num_columns(4)
        .spacing([8.0, 4.0])
        .show(ui, |ui| {
            let host = ui.label("Serveur proxy");
            ui.add_sized(
                [220.0, height],
                egui::TextEdit::singleline(&mut form.proxy_host),
            )
            .labelled_by(host.id);
            let port = ui.label("Port");
            ui.add_sized(
                [70.0, height],
                egui::TextEdit::singleline(&mut form.proxy_port),
            )
            .labelled_by(port.id);
            ui.end_row();

            let user = ui.label("Utilisateur");
            ui.add_sized(
                [220.0, height],
                egui::TextEdit::singleline(&mut form.proxy_user),
            )
            .labelled_by(user.id);
            let password = ui.label("Mot de passe");
            let hint = if stored && !form.forget_password {
                "(enregistré)"
            } else {
                ""
            };
            let field = ui
                .add_sized(
                    [150.0, height],
                    egui::TextEdit::singleline(&mut form.proxy_password)
                        .password(true)
                        .hint_text(hint),
                )
                .labelled_by(password.id);
            if stored {
                field.on_hover_text(
                    "Un mot de passe est enregistré (chiffré). Il n'est jamais affiché ; \
                     tapez-en un autre pour le remplacer.",
                );
            }
            ui.end_row();
        });
    let problems: Vec<&String> = [
        checked.proxy_host.as_ref().err(),
        checked.proxy_port.as_ref().err(),
    ]
    .into_iter()
    .flatten()
    .collect();
    for problem in problems {
        ui.horizontal_wrapped(|ui| widgets::failed_ui(ui, problem));
    }
    if stored && form.proxy_password.is_empty() {
        ui.horizontal_wrapped(|ui| {
            if form.forget_password {
                ui.label(
                    RichText::new("Le mot de passe enregistré sera supprimé à l'enregistrement.")
                        .color(widgets::warn_color(ui)),
                );
                if ui
                    .add(egui::Button::new("Garder le mot de passe"))
                    .clicked()
                {
                    form.forget_password = false;
                }
            } else if ui
                .add(egui::Button::new("Supprimer le mot de passe enregistré"))
                .clicked()
            {
                form.forget_password = true;
            }
        });
    }
}

/// "Mode de connexion": the three modes, and what the chosen one means.
fn mode_ui(ui: &mut egui::Ui, form: &mut ConnectionForm) {
    ui.add_space(6.0);
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.label(RichText::new("Mode de connexion").strong());
        ui.horizontal(|ui| {
            ui.radio_value(&mut form.mode, ConnectionMode::Normal, "Normal");
            ui.add_space(12.0);
            ui.radio_value(&mut form.mode, ConnectionMode::Extended, "Étendu");
            ui.add_space(12.0);
            ui.radio_value(&mut form.mode, ConnectionMode::Secure, "Sécurisé");
        });
        let meaning = match form.mode {
            ConnectionMode::Normal => {
                "Les adresses sont utilisées telles quelles, en http:// ou https://."
            }
            ConnectionMode::Extended => {
                "Pour les liaisons lentes ou filtrées : attentes plus longues et nouveaux essais."
            }
            ConnectionMode::Secure => {
                "Adresses https:// seulement, certificats vérifiés. C'est le mode recommandé."
            }
        };
        ui.label(RichText::new(meaning).weak());
    });
}

/// One address: its label, the field with its mark at the end, then its
/// problem (the field's, or the failing step of the last test).
fn address_ui(
    ui: &mut egui::Ui,
    label: &str,
    text: &mut String,
    check: &Result<Url, String>,
    result: Option<&ServerResult>,
    testing: bool,
) {
    ui.add_space(4.0);
    let label_response = ui.label(label);
    ui.horizontal(|ui| {
        ui.add(egui::TextEdit::singleline(text).desired_width(URL_WIDTH))
            .labelled_by(label_response.id);
        if testing && check.is_ok() {
            ui.add(egui::Spinner::new()).widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::ProgressIndicator, true, "Test en cours")
            });
        } else if let Some(r) = result {
            let mark = if r.ok {
                widgets::Mark::Ok
            } else {
                widgets::Mark::Failed
            };
            widgets::mark_ui(ui, mark).on_hover_text(result_text(r));
        }
    });
    match check {
        Err(problem) => {
            ui.horizontal_wrapped(|ui| widgets::failed_ui(ui, problem));
        }
        Ok(_) => {
            if let Some(r) = result.filter(|r| !r.ok) {
                ui.horizontal_wrapped(|ui| {
                    let text = RichText::new(result_text(r)).color(if testing {
                        ui.visuals().weak_text_color()
                    } else {
                        widgets::error_color(ui)
                    });
                    ui.label(text);
                });
            }
        }
    }
}

/// What the test said of one server, in French: the failing step and the
/// problem, or that it answered.
fn result_text(r: &ServerResult) -> String {
    if r.ok {
        format!("Le serveur a répondu en {} ms.", r.elapsed_ms)
    } else {
        let problem = r
            .problem
            .as_ref()
            .map_or_else(String::new, messages::server_problem);
        format!(
            "Échec à l'étape «\u{a0}{}\u{a0}» : {problem}.",
            messages::server_step(r.step)
        )
    }
}

/// "Autorité de certification supplémentaire": an optional PEM file, its
/// check under it. Returns whether "Parcourir…" was clicked.
fn ca_file_ui(ui: &mut egui::Ui, text: &mut String, checked: &Checked, browsing: bool) -> bool {
    ui.add_space(4.0);
    let label = "Autorité de certification supplémentaire (facultatif) :";
    let label_response = ui.label(label);
    let browse = ui.horizontal(|ui| {
        ui.add(
            egui::TextEdit::singleline(text)
                .desired_width(URL_WIDTH)
                .hint_text("aucune"),
        )
        .labelled_by(label_response.id)
        .on_hover_text(
            "Seulement si votre informaticien vous l'a donnée : certains réseaux d'entreprise \
             inspectent les connexions avec leur propre autorité de certification (fichier PEM).",
        );
        ui.add_enabled(!browsing, egui::Button::new("Parcourir…"))
            .accessible_name("Parcourir… : autorité de certification")
            .clicked()
    });
    if checked.ca_checking {
        ui.horizontal_wrapped(|ui| widgets::pending_ui(ui, "Vérification…"));
    } else if let Err(problem) = &checked.extra_ca_file {
        ui.horizontal_wrapped(|ui| widgets::failed_ui(ui, problem));
    }
    browse.inner
}

/// "Tester l'accès aux serveurs" and the summary of the last test.
/// `settings` are the form's when every field is good; otherwise whether a
/// field is still being checked (then nothing is wrong yet).
fn test_ui(
    ui: &mut egui::Ui,
    ctx: &mut AppCtx,
    form: &ConnectionForm,
    settings: Result<&ConnectionSettings, bool>,
    report: Option<&ServerTestReport>,
) {
    let checking = settings == Err(true);
    let settings = settings.ok();
    let testing = ctx.is_pending(Action::TestServers);
    ui.horizontal_wrapped(|ui| {
        let button = ui.add_enabled(
            settings.is_some() && !testing,
            egui::Button::new("Tester l'accès aux serveurs"),
        );
        if button.clicked()
            && let Some(settings) = settings
        {
            let proxy_password =
                (!form.proxy_password.is_empty()).then(|| Secret::new(form.proxy_password.clone()));
            let mut settings = settings.clone();
            if form.forget_password {
                settings.proxy.password_encrypted = None;
            }
            ctx.push(Command::TestServers {
                settings: Box::new(settings),
                proxy_password,
            });
        }
        if testing {
            widgets::pending_ui(ui, "Test des serveurs en cours…");
        } else if checking {
            widgets::pending_ui(ui, "Vérification des champs…");
        } else if settings.is_none() {
            ui.label(
                RichText::new("Corrigez d'abord les champs signalés en rouge.")
                    .color(widgets::warn_color(ui)),
            );
        } else if let Some(Outcome::Failed(e)) = ctx.outcome(Action::TestServers) {
            widgets::failed_ui(ui, &e.what);
        }
    });
    // The summary speaks of the addresses on screen only: `report` is given
    // when each of them has its result.
    let Some(report) = report else {
        return;
    };
    let summary = messages::server_test_summary(report);
    ui.horizontal_wrapped(|ui| {
        if report.all_ok() {
            widgets::done_ui(ui, &summary);
        } else {
            widgets::failed_ui(ui, &summary);
        }
    });
    if let Some(advice) = messages::server_advice(report) {
        ui.horizontal_top(|ui| {
            widgets::mark_ui(ui, widgets::Mark::Warning);
            ui.vertical(|ui| {
                for paragraph in advice.lines().filter(|l| !l.trim().is_empty()) {
                    ui.label(paragraph);
                }
            });
        });
    }
}

/// "Relancer l'authentification auprès du serveur", refused in assistance mode.
fn authentication_ui(ui: &mut egui::Ui, ctx: &mut AppCtx, dirty: bool) {
    let assistance = ctx.persisted.assistance;
    let pending = ctx.is_pending(Action::Authenticate);
    ui.horizontal_wrapped(|ui| {
        ui.label(ctx.connection_line());
        ui.add_space(8.0);
        let button = ui.add_enabled(
            !assistance && !pending,
            egui::Button::new("Relancer l'authentification auprès du serveur"),
        );
        if button.clicked() {
            ctx.push(Command::RetryAuthentication);
        }
        widgets::outcome_ui(
            ui,
            ctx.outcome(Action::Authenticate),
            "Authentification en cours…",
        );
    });
    if assistance {
        ui.horizontal_wrapped(|ui| {
            widgets::state_icon_ui(ui, crate::service::state::TrayIconKind::Beetle);
            ui.label(
                "Le mode assistance est activé : votre installation est déconnectée du serveur \
                 de production. Désactivez d'abord le mode assistance pour vous authentifier.",
            );
            if ui.link("Mode assistance").clicked() {
                ctx.push(Command::Navigate(ScreenId::Assistance));
            }
        });
    } else if dirty {
        ui.label(
            RichText::new(
                "L'authentification utilise les paramètres enregistrés : enregistrez d'abord \
                 vos modifications.",
            )
            .weak(),
        );
    }
}
