//! "Extractions de données" (seed 002, « Exécuter une requête »): the
//! predefined queries, run as the guide says.
//!
//! 1. The drop-down list of the predefined queries, numbered like the original
//!    ("35. Employeurs-caisse OPCO"), then « Valider ».
//! 2. « Exécuter une requête » is then enabled.
//! 3. The window "Paramètres de la requête": a Paramètre / Valeur table, each
//!    value typed (date, month, year, dossier, employer) with its default and
//!    its own check next to it.
//! 4. « Valider » runs the query on a worker thread, on a read-only connection.
//! 5. The window "Visualisation du résultat de la requête": the first rows as
//!    soon as they come, then all of them in a virtualised table (a million
//!    rows scroll smoothly), sortable on any column, money in euros and dates
//!    in French, with the row count and the time taken; « Exporter en XLSX… »,
//!    « … XML… », « … TXT… » through the system's save dialog, the file name
//!    proposed from the query and its parameters, and a question before an
//!    existing file is replaced.
//!
//! The query and the exports show their progress and stop on « Annuler »; the
//! window keeps answering meanwhile.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use eframe::egui::{self, RichText};
use egui_extras::{Column as TableColumn, TableBuilder};

use crate::messages::{self, Explanation};
use crate::queries::export::{self, ExportError, ExportMeta};
use crate::queries::params::{self, Choices, ParamKind, Values};
use crate::queries::run::{self, Cell, RowSink};
use crate::queries::table::TableBuilder as RowsBuilder;
use crate::queries::{Catalogue, ExportFormat, ExportReport, Query, QueryError, ResultTable};
use crate::store::Store;
use crate::ui::screen::{NavGroup, Screen, ScreenId};
use crate::ui::task::Task;
use crate::ui::widgets;
use crate::ui::{AppCtx, JobProgress};

/// Rows shown before the query ends: enough to fill the window.
const PREVIEW_ROWS: usize = 200;

/// The label of the drop-down list.
const LIST_LABEL: &str = "Requêtes prédéfinies";

/// The "Tous les dossiers" entry of a dossier's list.
const ALL_DOSSIERS: &str = "Tous les dossiers";

/// A finished query: its rows and how long it took.
#[derive(Debug)]
struct Finished {
    table: Arc<ResultTable>,
    elapsed: std::time::Duration,
}

/// The "Paramètres de la requête" window: the text of each value.
#[derive(Debug)]
struct ParamsForm {
    number: u32,
    texts: Vec<String>,
}

/// A sort of the result: its column, its direction, and the rows' order.
type Sorted = (usize, bool, Arc<Vec<u32>>);

/// An export asked: its format and file, and whether replacing was agreed.
#[derive(Debug, Clone)]
struct ExportAsk {
    format: ExportFormat,
    path: PathBuf,
}

/// The "Visualisation du résultat de la requête" window.
#[derive(Debug)]
struct ResultView {
    number: u32,
    values: Values,
    meta: ExportMeta,
    run: Task<Result<Finished, QueryError>>,
    /// The first rows, filled by the worker before the query ends.
    preview: Arc<Mutex<Option<Arc<ResultTable>>>>,
    sort: Task<Sorted>,
    dialog: Task<Option<PathBuf>>,
    dialog_format: Option<ExportFormat>,
    /// A file exists: the question before it is replaced.
    replace: Option<ExportAsk>,
    export: Task<(ExportAsk, Result<ExportReport, QueryError>)>,
    export_outcome: Option<Result<ExportReport, Explanation>>,
    /// Wakes the window when background work of this view ends.
    waker: egui::Context,
}

/// The "Extractions de données" screen.
#[derive(Debug, Default)]
pub struct Extractions {
    last_pass: Option<u64>,
    /// The query chosen in the list.
    chosen: Option<u32>,
    /// The query confirmed by « Valider »: « Exécuter une requête » acts on it.
    validated: Option<u32>,
    /// The dossiers and employers of the store, for the parameters.
    choices: Task<Result<Choices, Explanation>>,
    choices_for: Option<u64>,
    form: Option<ParamsForm>,
    result: Option<ResultView>,
}

/// The rows of a query into the table, the first ones also into the preview.
struct Collect {
    rows: RowsBuilder,
    preview: Arc<Mutex<Option<Arc<ResultTable>>>>,
    waker: egui::Context,
    previewed: bool,
}

impl RowSink for Collect {
    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), ExportError> {
        self.rows.row(cells)?;
        if !self.previewed && self.rows.len() >= PREVIEW_ROWS {
            self.previewed = true;
            if let Ok(mut slot) = self.preview.lock() {
                *slot = Some(Arc::new(self.rows.snapshot()));
            }
            self.waker.request_repaint();
        }
        Ok(())
    }
}

impl Extractions {
    fn query(number: u32) -> Option<&'static Query> {
        Catalogue::builtin().get(number)
    }

    fn read_choices(&mut self, egui_ctx: &egui::Context, ctx: &AppCtx) {
        let Some(path) = ctx.store_path().map(std::path::Path::to_path_buf) else {
            return;
        };
        self.choices_for = Some(ctx.store_generation());
        self.choices
            .start(egui_ctx, "centre-extractions-dossiers", move || {
                let store = Store::open_read_only(&path).map_err(|e| messages::store_error(&e))?;
                Choices::read(store.connection()).map_err(|e| messages::store_error(&store.err(e)))
            });
    }

    fn choices(&self) -> Option<&Choices> {
        self.choices.latest().and_then(|r| r.as_ref().ok())
    }

    // -----------------------------------------------------------------------
    // Steps 1 and 2: the list, « Valider », « Exécuter une requête ».

    fn list_ui(&mut self, ui: &mut egui::Ui, ctx: &AppCtx) {
        let catalogue = Catalogue::builtin();
        ui.label("Déroulez la liste des requêtes prédéfinies, sélectionnez la requête à appliquer, puis cliquez sur « Valider ».");
        ui.add_space(6.0);
        ui.horizontal_wrapped(|ui| {
            let label = ui.label(LIST_LABEL);
            let selected = self.chosen.and_then(Self::query).map_or_else(
                || "Choisissez une requête…".to_owned(),
                messages::query_label,
            );
            egui::ComboBox::from_id_salt("extractions-requetes")
                .selected_text(selected)
                .width(380.0)
                .height(420.0)
                .show_ui(ui, |ui| {
                    for q in catalogue.queries() {
                        let response = ui.selectable_value(
                            &mut self.chosen,
                            Some(q.number),
                            messages::query_label(q),
                        );
                        response.on_hover_text(q.description.as_str());
                    }
                })
                .response
                .labelled_by(label.id);
            let validate = ui.add_enabled(self.chosen.is_some(), egui::Button::new("Valider"));
            if validate.clicked() {
                self.validated = self.chosen;
            }
        });
        if let Some(q) = self.validated.and_then(Self::query) {
            ui.add_space(8.0);
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.label(RichText::new(messages::query_label(q)).strong());
                ui.label(&q.description);
            });
        }
        ui.add_space(8.0);
        let ready = self.validated.is_some() && self.choices().is_some();
        let running = self.result.as_ref().is_some_and(|r| r.run.is_pending());
        let run = ui.add_enabled(ready && !running, egui::Button::new(messages::RUN_QUERY));
        if run.clicked()
            && let (Some(number), Some(choices)) = (self.validated, self.choices())
            && let Some(q) = Self::query(number)
        {
            let today = ctx.now().date_naive();
            let defaults = params::defaults(&q.params, today, choices);
            self.form = Some(ParamsForm {
                number,
                texts: defaults.0.iter().map(|(_, v)| v.text()).collect(),
            });
        }
        match self.choices.latest() {
            Some(Err(e)) => {
                let e = e.clone();
                ui.add_space(8.0);
                egui::Frame::group(ui.style()).show(ui, |ui| widgets::explanation_ui(ui, &e));
            }
            None if self.choices.is_pending() => {
                ui.horizontal(|ui| widgets::pending_ui(ui, "Lecture des dossiers…"));
            }
            _ => {}
        }
    }

    // -----------------------------------------------------------------------
    // Steps 3 and 4: "Paramètres de la requête".

    fn params_window_ui(&mut self, egui_ctx: &egui::Context, ctx: &AppCtx) {
        let Some(form) = &mut self.form else {
            return;
        };
        let Some(q) = Self::query(form.number) else {
            self.form = None;
            return;
        };
        let choices = self
            .choices
            .latest()
            .and_then(|r| r.as_ref().ok())
            .cloned()
            .unwrap_or_default();
        let mut open = true;
        let mut validated: Option<Values> = None;
        let mut cancelled = false;
        egui::Window::new(messages::PARAMS_WINDOW_TITLE)
            .id(egui::Id::unique("extractions-parametres"))
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .default_pos([300.0, 140.0])
            .show(egui_ctx, |ui| {
                ui.label(RichText::new(messages::query_label(q)).strong());
                ui.label(RichText::new("Renseignez les valeurs souhaitées dans la colonne « Valeur », puis validez.").weak());
                ui.add_space(6.0);
                // Each value checked as typed; ranges ("Au" after "Du") once
                // both are valid.
                let parsed: Vec<Result<params::ParamValue, params::ParamProblem>> = q
                    .params
                    .iter()
                    .zip(&form.texts)
                    .map(|(spec, text)| params::parse_value(spec, text, &choices))
                    .collect();
                let mut problems: Vec<Option<String>> =
                    parsed.iter().map(|r| r.as_ref().err().map(messages::param_problem_short)).collect();
                if parsed.iter().all(Result::is_ok) {
                    let pairs: Vec<_> = q
                        .params
                        .iter()
                        .cloned()
                        .zip(parsed.iter().filter_map(|r| r.as_ref().ok().cloned()))
                        .collect();
                    for p in params::order_problems(&pairs) {
                        if let Some(i) = q.params.iter().position(|s| s.name == p.name) {
                            problems[i] = Some(messages::param_problem_short(&p));
                        }
                    }
                }
                egui::Grid::new("extractions-parametres-grille")
                    .num_columns(2)
                    .striped(true)
                    .spacing([16.0, 6.0])
                    .show(ui, |ui| {
                        ui.label(RichText::new("Paramètre").strong());
                        ui.label(RichText::new("Valeur").strong());
                        ui.end_row();
                        for (i, spec) in q.params.iter().enumerate() {
                            let label = ui.label(&spec.label);
                            ui.vertical(|ui| {
                                let text = &mut form.texts[i];
                                match spec.kind {
                                    ParamKind::Dossier => dossier_combo_ui(ui, text, &choices, label.id, i),
                                    kind => {
                                        let hint = match kind {
                                            ParamKind::Date => "JJ/MM/AAAA",
                                            ParamKind::Month => "MM/AAAA",
                                            ParamKind::Year => "AAAA",
                                            _ => "SIRET ou nom",
                                        };
                                        let width = if kind == ParamKind::Employer { 300.0 } else { 110.0 };
                                        ui.add(
                                            egui::TextEdit::singleline(text)
                                                .desired_width(width)
                                                .hint_text(hint),
                                        )
                                        .labelled_by(label.id);
                                    }
                                }
                                if let Some(problem) = &problems[i] {
                                    ui.horizontal_wrapped(|ui| {
                                        ui.set_max_width(360.0);
                                        widgets::failed_ui(ui, problem);
                                    });
                                }
                            });
                            ui.end_row();
                        }
                    });
                if q.params.is_empty() {
                    ui.label("Cette requête n'a aucun paramètre.");
                }
                ui.add_space(8.0);
                ui.horizontal(|ui| {
                    let ok = problems.iter().all(Option::is_none);
                    if ui.add_enabled(ok, egui::Button::new("Valider")).clicked() {
                        validated = Some(Values(
                            q.params.iter().cloned().zip(parsed.into_iter().filter_map(Result::ok)).collect(),
                        ));
                    }
                    if ui.button("Annuler").clicked() {
                        cancelled = true;
                    }
                });
            });
        if !open || cancelled {
            self.form = None;
        }
        if let Some(values) = validated {
            self.form = None;
            self.start_run(egui_ctx, ctx, q, values);
        }
    }

    fn start_run(
        &mut self,
        egui_ctx: &egui::Context,
        ctx: &AppCtx,
        q: &'static Query,
        values: Values,
    ) {
        let Some(path) = ctx.store_path().map(std::path::Path::to_path_buf) else {
            return;
        };
        let meta = ExportMeta::new(q, &values, ctx.now().fixed_offset());
        let preview = Arc::new(Mutex::new(None));
        let mut view = ResultView {
            number: q.number,
            values: values.clone(),
            meta,
            run: Task::default(),
            preview: Arc::clone(&preview),
            sort: Task::default(),
            dialog: Task::default(),
            dialog_format: None,
            replace: None,
            export: Task::default(),
            export_outcome: None,
            waker: egui_ctx.clone(),
        };
        let waker = egui_ctx.clone();
        view.run
            .start_job(egui_ctx, "centre-extraction", move |progress, cancel| {
                let mut sink = Collect {
                    rows: RowsBuilder::new(q.visible_columns()),
                    preview,
                    waker,
                    previewed: false,
                };
                let stats = run::run_on_store(&path, q, &values, &mut sink, progress, cancel)?;
                Ok(Finished {
                    table: Arc::new(sink.rows.finish()),
                    elapsed: stats.elapsed,
                })
            });
        self.result = Some(view);
    }

    // -----------------------------------------------------------------------
    // Step 5: "Visualisation du résultat de la requête".

    fn result_window_ui(&mut self, egui_ctx: &egui::Context, ctx: &AppCtx) {
        let Some(view) = &mut self.result else {
            return;
        };
        let mut open = true;
        let frozen = ctx.clock_is_frozen();
        egui::Window::new(messages::RESULT_WINDOW_TITLE)
            .id(egui::Id::unique("extractions-resultat"))
            .open(&mut open)
            .collapsible(false)
            .default_pos([260.0, 50.0])
            .default_size([720.0, 540.0])
            .resizable(true)
            .show(egui_ctx, |ui| view.ui(ui, frozen));
        if !open {
            if let Some(view) = &self.result {
                view.run.cancel();
                view.export.cancel();
            }
            self.result = None;
        }
    }
}

/// The dossier's drop-down list: « Tous les dossiers » and each dossier.
fn dossier_combo_ui(
    ui: &mut egui::Ui,
    text: &mut String,
    choices: &Choices,
    label: egui::Id,
    i: usize,
) {
    let shown = if params::ALL == text.trim() {
        ALL_DOSSIERS.to_owned()
    } else {
        text.clone()
    };
    egui::ComboBox::from_id_salt(("extractions-dossier", i))
        .selected_text(shown)
        .width(300.0)
        .show_ui(ui, |ui| {
            ui.selectable_value(text, params::ALL.to_owned(), ALL_DOSSIERS);
            for d in &choices.dossiers {
                let mut name = d.name.clone();
                if d.archived {
                    name.push_str(" (archivé)");
                }
                ui.selectable_value(text, d.name.clone(), name);
            }
        })
        .response
        .labelled_by(label);
}

impl ResultView {
    fn query(&self) -> Option<&'static Query> {
        Catalogue::builtin().get(self.number)
    }

    /// The table shown: the whole result, or the first rows while it comes.
    fn table(&self) -> Option<Arc<ResultTable>> {
        match self.run.latest() {
            Some(Ok(done)) => Some(Arc::clone(&done.table)),
            _ => self.preview.lock().ok().and_then(|p| p.clone()),
        }
    }

    fn poll(&mut self) {
        self.run.poll();
        self.sort.poll();
        if self.dialog.poll()
            && let Some(Some(path)) = self.dialog.take()
            && let Some(format) = self.dialog_format.take()
        {
            self.start_export(ExportAsk { format, path }, false);
        }
        if self.export.poll()
            && let Some((ask, result)) = self.export.take()
        {
            match result {
                Err(QueryError::Export(ExportError::Exists { .. })) => self.replace = Some(ask),
                Err(e) => self.export_outcome = Some(Err(messages::query_error(&e))),
                Ok(report) => self.export_outcome = Some(Ok(report)),
            }
        }
    }

    fn is_busy(&self) -> bool {
        self.run.is_pending()
            || self.sort.is_pending()
            || self.export.is_pending()
            || self.dialog.is_pending()
    }

    fn start_export(&mut self, ask: ExportAsk, overwrite: bool) {
        let (Some(table), egui_ctx) = (self.finished_table(), self.waker.clone()) else {
            return;
        };
        let order = self.order();
        let meta = self.meta.clone();
        self.export_outcome = None;
        self.export.start_job(
            &egui_ctx,
            "centre-extraction-export",
            move |progress, cancel| {
                let result = export::write_table(
                    &table,
                    order.as_deref().map(Vec::as_slice),
                    &meta,
                    ask.format,
                    &ask.path,
                    overwrite,
                    progress,
                    cancel,
                );
                (ask, result)
            },
        );
    }

    fn finished_table(&self) -> Option<Arc<ResultTable>> {
        match self.run.latest() {
            Some(Ok(done)) => Some(Arc::clone(&done.table)),
            _ => None,
        }
    }

    /// The rows' order of the sort shown, if any.
    fn order(&self) -> Option<Arc<Vec<u32>>> {
        self.sort.latest().map(|(_, _, order)| Arc::clone(order))
    }

    fn ui(&mut self, ui: &mut egui::Ui, frozen: bool) {
        let Some(q) = self.query() else {
            return;
        };
        ui.label(RichText::new(messages::query_label(q)).strong());
        let summary: Vec<String> = self
            .values
            .0
            .iter()
            .map(|(spec, value)| {
                let text = match value {
                    params::ParamValue::Dossier(params::Scope::All) => ALL_DOSSIERS.to_owned(),
                    params::ParamValue::Employer(params::Scope::All) => {
                        "Tous les employeurs".to_owned()
                    }
                    v => v.text(),
                };
                format!("{} : {text}", spec.label)
            })
            .collect();
        if !summary.is_empty() {
            ui.label(RichText::new(summary.join(" — ")).weak());
        }
        ui.add_space(4.0);
        self.status_ui(ui, frozen);
        self.export_ui(ui);
        ui.add_space(4.0);
        if let Some(table) = self.table() {
            // Wide results scroll sideways inside the window rather than
            // widen it past the screen.
            egui::ScrollArea::horizontal()
                .id_salt("extractions-defilement")
                .auto_shrink(false)
                .show(ui, |ui| self.table_ui(ui, &table));
        }
    }

    fn status_ui(&mut self, ui: &mut egui::Ui, frozen: bool) {
        if self.run.is_pending() {
            let read = self.run.progress().map_or(0, |p: &JobProgress| p.done);
            ui.horizontal_wrapped(|ui| {
                widgets::pending_ui(
                    ui,
                    &format!(
                        "Exécution de la requête… {} lues",
                        messages::rows_count(read)
                    ),
                );
                let cancel = ui
                    .add_enabled(!self.run.is_cancelling(), egui::Button::new("Annuler"))
                    .accessible_name("Annuler la requête");
                if cancel.clicked() {
                    self.run.cancel();
                }
            });
            return;
        }
        if let Some(failure) = self.run.failure() {
            ui.horizontal_wrapped(|ui| {
                widgets::failed_ui(
                    ui,
                    &format!("La requête s'est arrêtée ({}).", failure.reason()),
                );
            });
            return;
        }
        match self.run.latest() {
            Some(Ok(done)) => {
                let elapsed = if frozen {
                    std::time::Duration::ZERO
                } else {
                    done.elapsed
                };
                ui.horizontal_wrapped(|ui| {
                    ui.label(
                        RichText::new(format!(
                            "{} — en {}",
                            capitalized(&messages::rows_count(done.table.len() as u64)),
                            messages::duration_text(elapsed)
                        ))
                        .strong(),
                    );
                    if self.sort.is_pending() {
                        widgets::pending_ui(ui, "Tri…");
                    }
                });
            }
            Some(Err(e)) => {
                let e = messages::query_error(e);
                egui::Frame::group(ui.style()).show(ui, |ui| widgets::explanation_ui(ui, &e));
            }
            None => {}
        }
    }

    fn export_ui(&mut self, ui: &mut egui::Ui) {
        let ready = self.finished_table().is_some();
        let busy = self.export.is_pending() || self.dialog.is_pending() || self.replace.is_some();
        ui.horizontal_wrapped(|ui| {
            for format in ExportFormat::WINDOW {
                let label = format!("Exporter en {}…", messages::format_label(format));
                if ui
                    .add_enabled(ready && !busy, egui::Button::new(label))
                    .clicked()
                    && let Some(q) = self.query()
                {
                    let name = export::suggested_file_name(q, &self.values, format);
                    self.dialog_format = Some(format);
                    widgets::FileDialog::save_file(
                        &format!("Exporter le résultat en {}", messages::format_label(format)),
                        &name,
                    )
                    .filter(messages::format_label(format), extensions(format))
                    .open(&mut self.dialog, ui.ctx());
                }
            }
        });
        if self.export.is_pending() {
            let progress = self.export.progress().cloned();
            let fraction = progress.as_ref().and_then(JobProgress::fraction);
            ui.horizontal(|ui| {
                ui.add(
                    egui::ProgressBar::new(fraction.unwrap_or(0.0))
                        .desired_width(320.0)
                        .text(messages::phase_label(crate::jobs::Phase::QueryExport))
                        .animate(fraction.is_none()),
                );
                let cancel = ui
                    .add_enabled(!self.export.is_cancelling(), egui::Button::new("Annuler"))
                    .accessible_name("Annuler l'export");
                if cancel.clicked() {
                    self.export.cancel();
                }
            });
        }
        match &self.export_outcome {
            Some(Ok(report)) => {
                let text = messages::export_done(report);
                ui.horizontal_wrapped(|ui| widgets::done_ui(ui, &text));
            }
            Some(Err(e)) => {
                let e = e.clone();
                egui::Frame::group(ui.style()).show(ui, |ui| widgets::explanation_ui(ui, &e));
            }
            None => {}
        }
        if let Some(ask) = self.replace.clone() {
            let answer = widgets::confirm_modal_ui(
                ui,
                "extractions-remplacer",
                "Remplacer le fichier ?",
                "Remplacer",
                |ui| {
                    ui.label(widgets::shown(ui, &messages::replace_question(&ask.path)));
                },
            );
            match answer {
                Some(true) => {
                    self.replace = None;
                    self.start_export(ask, true);
                }
                Some(false) => self.replace = None,
                None => {}
            }
        }
    }

    fn table_ui(&mut self, ui: &mut egui::Ui, table: &Arc<ResultTable>) {
        let columns = table.columns().to_vec();
        let sortable = self.finished_table().is_some() && !self.sort.is_pending();
        let current = self.sort.latest().map(|(c, d, _)| (*c, *d));
        let order = self.order().filter(|o| o.len() == table.len());
        let mut clicked: Option<usize> = None;
        let row_height = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
        ui.separator();
        let mut builder = TableBuilder::new(ui)
            .id_salt(("extractions-table", self.number))
            .striped(true)
            .resizable(true)
            .auto_shrink(false)
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center));
        // Each column as wide as what it shows (in the rows drawn), within
        // bounds: a long name is cut rather than push the others away.
        for _ in &columns {
            builder = builder.column(TableColumn::auto().at_least(60.0).at_most(240.0).clip(true));
        }
        builder
            .header(row_height + 4.0, |mut header| {
                for (i, c) in columns.iter().enumerate() {
                    header.col(|ui| {
                        let button = egui::Button::new(RichText::new(c.label.as_str()).strong())
                            .frame(false);
                        let response = ui
                            .add_enabled(sortable, button)
                            .accessible_name(format!("Trier par {}", c.label));
                        if response.clicked() {
                            clicked = Some(i);
                        }
                        match current {
                            Some((col, descending)) if col == i => sort_mark_ui(ui, descending),
                            _ => {}
                        }
                    });
                }
            })
            .body(|body| {
                body.rows(row_height, table.len(), |mut row| {
                    let index = row.index();
                    let r = order.as_ref().map_or(index, |o| o[index] as usize);
                    for (col, c) in columns.iter().enumerate() {
                        row.col(|ui| {
                            let text = messages::cell_text(&table.cell(r, col), c.kind);
                            if c.kind.is_numeric() {
                                ui.with_layout(
                                    egui::Layout::right_to_left(egui::Align::Center),
                                    |ui| {
                                        ui.label(text);
                                    },
                                );
                            } else {
                                ui.label(text);
                            }
                        });
                    }
                });
            });
        if let Some(col) = clicked {
            let descending = matches!(current, Some((c, false)) if c == col);
            let table = Arc::clone(table);
            let egui_ctx = self.waker.clone();
            self.sort
                .start(&egui_ctx, "centre-extraction-tri", move || {
                    (
                        col,
                        descending,
                        Arc::new(table.sorted_order(col, descending)),
                    )
                });
        }
    }
}

/// The small triangle of the sorted column, drawn (the window's fonts have
/// no arrow), pointing up for an ascending sort.
fn sort_mark_ui(ui: &mut egui::Ui, descending: bool) {
    let side = ui.text_style_height(&egui::TextStyle::Body) * 0.6;
    let (rect, response) = ui.allocate_exact_size(egui::vec2(side, side), egui::Sense::hover());
    let spoken = if descending {
        "tri décroissant"
    } else {
        "tri croissant"
    };
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, spoken));
    let color = ui.visuals().strong_text_color();
    let (top, bottom) = (rect.top(), rect.bottom());
    let points = if descending {
        vec![
            rect.left_top(),
            rect.right_top(),
            egui::pos2(rect.center().x, bottom),
        ]
    } else {
        vec![
            egui::pos2(rect.center().x, top),
            rect.right_bottom(),
            rect.left_bottom(),
        ]
    };
    ui.painter().add(egui::Shape::convex_polygon(
        points,
        color,
        egui::Stroke::NONE,
    ));
}

fn extensions(format: ExportFormat) -> &'static [&'static str] {
    match format {
        ExportFormat::Xlsx => &["xlsx"],
        ExportFormat::Xml => &["xml"],
        ExportFormat::Txt => &["txt"],
        ExportFormat::Json => &["json"],
    }
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

impl Screen for Extractions {
    fn id(&self) -> ScreenId {
        ScreenId::Extractions
    }

    fn title(&self) -> &'static str {
        messages::EXTRACTIONS_TITLE
    }

    fn nav_group(&self) -> NavGroup {
        NavGroup::Data
    }

    fn ui(&mut self, ui: &mut egui::Ui, ctx: &mut AppCtx) {
        Screen::poll(self, ctx);
        widgets::title_ui(ui, messages::EXTRACTIONS_TITLE);
        let entered = widgets::entered(&mut self.last_pass, ui);
        if (entered || self.choices_for != Some(ctx.store_generation()))
            && !self.choices.is_pending()
        {
            self.read_choices(ui.ctx(), ctx);
        }
        self.list_ui(ui, ctx);
        let egui_ctx = ui.ctx().clone();
        self.params_window_ui(&egui_ctx, ctx);
        if let Some(view) = &mut self.result {
            view.waker = egui_ctx.clone();
        }
        self.result_window_ui(&egui_ctx, ctx);
    }

    fn poll(&mut self, _ctx: &mut AppCtx) {
        self.choices.poll();
        if let Some(view) = &mut self.result {
            view.poll();
        }
    }

    fn is_busy(&self) -> bool {
        // The save dialog counts: in the screen tests it answers at once.
        self.choices.is_pending() || self.result.as_ref().is_some_and(ResultView::is_busy)
    }
}
