//! Small pieces shared by the screens: titles, labelled text fields, the state of a
//! request next to its button (spinner, green tick, red cross), the tray's state
//! icons, French numbers and pay periods; and the two pieces of background work
//! every path field needs — its check ([`PathCheck`]) and its "Parcourir…"
//! dialog ([`FileDialog`]) — so that no field waits on the disk while it draws.

use std::borrow::Cow;
use std::path::{MAIN_SEPARATOR, Path, PathBuf};

use eframe::egui::{self, Color32, RichText};

use super::ctx::{AppCtx, Outcome};
use super::task::Task;
use crate::fsutil::{self, EntryKind, EntryProblem};
use crate::home::Home;
use crate::messages::Explanation;
use crate::service::state::TrayIconKind;

/// Green of a success.
pub fn ok_color(ui: &egui::Ui) -> Color32 {
    if ui.visuals().dark_mode {
        Color32::from_rgb(90, 200, 120)
    } else {
        Color32::from_rgb(0, 130, 50)
    }
}

/// Orange of a warning.
pub fn warn_color(ui: &egui::Ui) -> Color32 {
    if ui.visuals().dark_mode {
        ui.visuals().warn_fg_color
    } else {
        Color32::from_rgb(190, 100, 0)
    }
}

/// Red of a failure.
pub fn error_color(ui: &egui::Ui) -> Color32 {
    ui.visuals().error_fg_color
}

/// The screen's title, with some space below.
pub fn title_ui(ui: &mut egui::Ui, title: &str) {
    ui.add_space(4.0);
    ui.heading(title);
    ui.add_space(10.0);
}

/// A section title inside a screen.
pub fn section_ui(ui: &mut egui::Ui, title: &str) {
    ui.add_space(12.0);
    ui.label(RichText::new(title).strong().size(15.0));
    ui.add_space(4.0);
}

/// A single-line text field named by `label` for screen readers (and tests).
pub fn labelled_field_ui(
    ui: &mut egui::Ui,
    label: &str,
    text: &mut String,
    width: f32,
) -> egui::Response {
    let label = ui.label(label);
    ui.add(egui::TextEdit::singleline(text).desired_width(width))
        .labelled_by(label.id)
}

/// The marks at the end of a line: the original product's green tick and red
/// barred circle, an orange warning triangle, a grey dash for what was not checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// Green tick: good.
    Ok,
    /// Orange triangle: works, but deserves attention.
    Warning,
    /// Red barred circle: failed.
    Failed,
    /// Grey dash: not checked.
    Skipped,
}

impl Mark {
    /// What a screen reader says for the mark.
    fn spoken(self) -> &'static str {
        match self {
            Self::Ok => "Bon",
            Self::Warning => "À surveiller",
            Self::Failed => "En échec",
            Self::Skipped => "Non vérifié",
        }
    }
}

/// Paints a mark the size of a line of text. Drawn rather than written, so that
/// it never depends on a font having the symbol.
pub fn mark_ui(ui: &mut egui::Ui, mark: Mark) -> egui::Response {
    let side = ui.text_style_height(&egui::TextStyle::Body);
    let (rect, response) = ui.allocate_exact_size(egui::vec2(side, side), egui::Sense::hover());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, mark.spoken()));
    if !ui.is_rect_visible(rect) {
        return response;
    }
    let painter = ui.painter();
    let c = rect.center();
    let r = side * 0.42;
    let white = egui::Stroke::new(side * 0.13, Color32::WHITE);
    match mark {
        Mark::Ok => {
            painter.circle_filled(c, r, ok_color(ui));
            painter.line_segment(
                [
                    c + egui::vec2(-0.45 * r, 0.0),
                    c + egui::vec2(-0.1 * r, 0.38 * r),
                ],
                white,
            );
            painter.line_segment(
                [
                    c + egui::vec2(-0.1 * r, 0.38 * r),
                    c + egui::vec2(0.5 * r, -0.4 * r),
                ],
                white,
            );
        }
        Mark::Failed => {
            let red = egui::Stroke::new(side * 0.14, error_color(ui));
            painter.circle_stroke(c, r * 0.9, red);
            let d = r * 0.9 * std::f32::consts::FRAC_1_SQRT_2;
            painter.line_segment([c + egui::vec2(-d, -d), c + egui::vec2(d, d)], red);
        }
        Mark::Warning => {
            let top = c + egui::vec2(0.0, -r);
            let left = c + egui::vec2(-r * 1.05, r * 0.85);
            let right = c + egui::vec2(r * 1.05, r * 0.85);
            painter.add(egui::Shape::convex_polygon(
                vec![top, right, left],
                warn_color(ui),
                egui::Stroke::NONE,
            ));
            painter.line_segment(
                [
                    c + egui::vec2(0.0, -0.45 * r),
                    c + egui::vec2(0.0, 0.25 * r),
                ],
                white,
            );
            painter.circle_filled(c + egui::vec2(0.0, 0.55 * r), side * 0.07, Color32::WHITE);
        }
        Mark::Skipped => {
            let grey = egui::Stroke::new(side * 0.12, ui.visuals().weak_text_color());
            painter.line_segment(
                [c + egui::vec2(-0.5 * r, 0.0), c + egui::vec2(0.5 * r, 0.0)],
                grey,
            );
        }
    }
    response
}

/// The tray's picture of a state, as a texture loaded once per window, with
/// what a screen reader says of it.
fn state_texture(ui: &egui::Ui, kind: TrayIconKind) -> (Option<egui::TextureHandle>, &'static str) {
    let (name, png): (&str, &[u8]) = match kind {
        TrayIconKind::Ball => (
            "boule-bleue",
            include_bytes!("../../assets/icons/boule-bleue-32.png"),
        ),
        TrayIconKind::BallHeart => (
            "boule-bleue-coeur",
            include_bytes!("../../assets/icons/boule-bleue-coeur-32.png"),
        ),
        TrayIconKind::Beetle => (
            "scarabee-rouge",
            include_bytes!("../../assets/icons/scarabee-rouge-32.png"),
        ),
    };
    let spoken = match kind {
        TrayIconKind::Ball => "Boule bleue",
        TrayIconKind::BallHeart => "Boule bleue avec un cœur rouge",
        TrayIconKind::Beetle => "Scarabée rouge",
    };
    let id = egui::Id::unique(("icone-etat", name));
    let texture = ui
        .ctx()
        .data_mut(|d| d.get_temp::<Option<egui::TextureHandle>>(id));
    let texture = texture.unwrap_or_else(|| {
        let loaded = image::load_from_memory_with_format(png, image::ImageFormat::Png)
            .map_err(|e| tracing::warn!(error = %e, icon = name, "icône illisible"))
            .ok()
            .map(|img| {
                let pixels = img.to_rgba8();
                let dimensions = [pixels.width() as usize, pixels.height() as usize];
                let color = egui::ColorImage::from_rgba_unmultiplied(dimensions, pixels.as_raw());
                ui.ctx()
                    .load_texture(name, color, egui::TextureOptions::LINEAR)
            });
        ui.ctx().data_mut(|d| d.insert_temp(id, loaded.clone()));
        loaded
    });
    (texture, spoken)
}

/// The tray's icon of a state (blue ball, ball with the red heart, red beetle),
/// the size of a line of text, so that the centre speaks of the states with the
/// pictures users know from the seed's guides.
pub fn state_icon_ui(ui: &mut egui::Ui, kind: TrayIconKind) -> egui::Response {
    let (texture, spoken) = state_texture(ui, kind);
    let side = ui.text_style_height(&egui::TextStyle::Body) * 1.5;
    let response = match texture {
        Some(texture) => ui.add(
            egui::Image::new(egui::load::SizedTexture::new(
                texture.id(),
                egui::vec2(side, side),
            ))
            .sense(egui::Sense::hover()),
        ),
        None => {
            ui.allocate_exact_size(egui::vec2(side, side), egui::Sense::hover())
                .1
        }
    };
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, spoken));
    response
}

/// A button showing the tray's picture of a state beside `label` (seed 001's
/// blue ball button that tests the Net-entreprises credentials); its name for
/// screen readers and tests is `label`.
pub fn state_icon_button_ui(
    ui: &mut egui::Ui,
    kind: TrayIconKind,
    label: &str,
    enabled: bool,
) -> egui::Response {
    let (texture, _) = state_texture(ui, kind);
    let side = ui.text_style_height(&egui::TextStyle::Body) * 1.4;
    let button = match texture {
        Some(texture) => egui::Button::image_and_text(
            egui::Image::new(egui::load::SizedTexture::new(
                texture.id(),
                egui::vec2(side, side),
            )),
            label,
        ),
        None => egui::Button::new(label),
    };
    ui.add_enabled(enabled, button)
}

/// A spinner with what is being done.
pub fn pending_ui(ui: &mut egui::Ui, what: &str) {
    ui.spinner();
    ui.label(RichText::new(shown(ui, what)).italics());
}

/// A green tick and a sentence.
pub fn done_ui(ui: &mut egui::Ui, text: &str) {
    mark_ui(ui, Mark::Ok);
    if !text.is_empty() {
        ui.label(RichText::new(shown(ui, text)).color(ok_color(ui)));
    }
}

/// A red cross and a sentence.
pub fn failed_ui(ui: &mut egui::Ui, text: &str) {
    mark_ui(ui, Mark::Failed);
    ui.label(RichText::new(shown(ui, text)).color(error_color(ui)));
}

/// The state of a command next to its button: nothing, a spinner, a green tick or
/// a red cross with what happened (and what to do).
pub fn outcome_ui(ui: &mut egui::Ui, outcome: Option<&Outcome>, pending_text: &str) {
    match outcome {
        None => {}
        Some(Outcome::Pending) => pending_ui(ui, pending_text),
        Some(Outcome::Done(text)) => done_ui(ui, text),
        Some(Outcome::Failed(e)) => {
            ui.vertical(|ui| {
                ui.horizontal_wrapped(|ui| failed_ui(ui, &e.what));
                if !e.todo.is_empty() {
                    ui.label(shown(ui, &e.todo));
                }
            });
        }
    }
}

/// A French explanation: what happened, why it matters, what to do.
pub fn explanation_ui(ui: &mut egui::Ui, e: &Explanation) {
    ui.label(
        RichText::new(shown(ui, &e.what))
            .color(error_color(ui))
            .strong(),
    );
    if !e.why.is_empty() {
        ui.add_space(4.0);
        ui.label(shown(ui, &e.why));
    }
    if !e.todo.is_empty() {
        ui.add_space(4.0);
        ui.label(RichText::new(format!("Que faire : {}", shown(ui, &e.todo))));
    }
}

/// Whether a screen is drawn again after it was not shown (the user came back to
/// it): `last_pass` keeps the pass it was last drawn in. Screens read their data
/// again then, so that what they show is never stale from an earlier visit.
pub fn entered(last_pass: &mut Option<u64>, ui: &egui::Ui) -> bool {
    let pass = ui.ctx().cumulative_pass_nr();
    let entered = last_pass.is_none_or(|last| last + 1 < pass);
    *last_pass = Some(pass);
    entered
}

/// A count with French digit grouping ("1 250 000"), no-break spaces between groups.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    out
}

/// A pay period stored as `AAAA-MM`, shown as `MM/AAAA`; anything else as stored.
pub fn period(stored: &str) -> String {
    match stored.split_once('-') {
        Some((year, month)) if year.len() == 4 && month.len() == 2 => format!("{month}/{year}"),
        _ => stored.to_owned(),
    }
}

/// How the centre writes paths: as they are, unless one folder is to be written
/// as another. The screen tests give each run a folder of its own and have it
/// written as one fixed folder, so that the paths on their pictures are the same
/// from run to run ([`CentreApp::show_paths_as`](super::CentreApp::show_paths_as)).
/// A path typed under the folder as written means the same path under the folder
/// as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathDisplay {
    /// The folder as it is, and as it is written.
    folder: Option<(String, String)>,
}

impl PathDisplay {
    /// Paths under `actual` written as under `shown`.
    pub fn new(actual: &Path, shown: &Path) -> Self {
        Self {
            folder: Some((actual.display().to_string(), shown.display().to_string())),
        }
    }

    /// `text` (a path, or a sentence naming paths) as the window writes it.
    pub fn text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match &self.folder {
            Some((actual, shown)) if text.contains(actual.as_str()) => {
                Cow::Owned(text.replace(actual.as_str(), shown))
            }
            _ => Cow::Borrowed(text),
        }
    }

    /// `path` as the window writes it.
    pub fn path(&self, path: &Path) -> String {
        self.text(&path.display().to_string()).into_owned()
    }

    /// A path typed as the window writes it, back to the path as it is.
    pub fn typed(&self, text: &str) -> String {
        if let Some((actual, shown)) = &self.folder
            && let Some(rest) = text.trim().strip_prefix(shown.as_str())
            && (rest.is_empty() || rest.starts_with(MAIN_SEPARATOR))
        {
            return format!("{actual}{rest}");
        }
        text.to_owned()
    }

    fn id() -> egui::Id {
        egui::Id::unique("iea-ecriture-des-chemins")
    }

    /// Makes this the way the widgets write paths in the frames of `egui_ctx`.
    pub fn publish(&self, egui_ctx: &egui::Context) {
        egui_ctx.data_mut(|d| d.insert_temp(Self::id(), self.clone()));
    }

    /// The way paths are written in the frame of `ui`.
    pub fn of(ui: &egui::Ui) -> Self {
        ui.ctx()
            .data(|d| d.get_temp::<Self>(Self::id()))
            .unwrap_or_default()
    }
}

/// `text` with no-break spaces inside the French quotation marks, so that a
/// line never ends on « nor starts with » (the typed values they quote are
/// what users compare with the portal, letter by letter).
pub fn unbroken_quotes(text: &str) -> String {
    text.replace("« ", "«\u{a0}").replace(" »", "\u{a0}»")
}

/// An answer as a verdict: the green tick or the red barred circle before its
/// title, then what happened, why, and what to do (the Net-entreprises test,
/// the licence server's list).
pub fn verdict_ui(ui: &mut egui::Ui, ok: bool, x: &Explanation) {
    ui.horizontal_wrapped(|ui| {
        mark_ui(ui, if ok { Mark::Ok } else { Mark::Failed });
        let color = if ok { ok_color(ui) } else { error_color(ui) };
        ui.label(RichText::new(&x.title).strong().color(color));
    });
    ui.add_space(4.0);
    ui.label(unbroken_quotes(&shown(ui, &x.what)));
    if !x.why.is_empty() {
        ui.add_space(4.0);
        ui.label(unbroken_quotes(&shown(ui, &x.why)));
    }
    if !x.todo.is_empty() {
        ui.add_space(4.0);
        ui.label(unbroken_quotes(&format!(
            "Que faire : {}",
            shown(ui, &x.todo)
        )));
    }
}

/// `text` (a sentence that may name paths) as the window writes it.
pub fn shown(ui: &egui::Ui, text: &str) -> String {
    PathDisplay::of(ui).text(text).into_owned()
}

/// A path typed in a field: trimmed, and taken from `IEA_HOME` when relative
/// (as `config.toml` does).
pub fn typed_path(home: &Home, text: &str) -> PathBuf {
    let p = Path::new(text.trim());
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        home.root().join(p)
    }
}

/// The folder a file dialog opens in: the folder of `current` if it exists.
/// It asks the system: on the dialog's worker thread only.
fn dialog_folder(current: &Path) -> Option<PathBuf> {
    let dir = if current.is_dir() {
        current
    } else {
        current.parent()?
    };
    dir.is_dir().then(|| dir.to_path_buf())
}

/// What a file dialog asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DialogKind {
    /// An existing file.
    PickFile,
    /// An existing folder.
    PickFolder,
    /// A file to write.
    SaveFile,
}

/// A file dialog ("Parcourir…", "Enregistrer le rapport…"). It runs on a worker
/// thread: it waits for the user, and finding the folder it opens in may wait
/// for a network share. Its answer — the path chosen, or `None` — arrives in
/// the screen's `Task<Option<PathBuf>>`.
#[derive(Debug, Clone)]
pub struct FileDialog {
    title: String,
    kind: DialogKind,
    near: Option<PathBuf>,
    file_name: Option<String>,
    filters: Vec<(&'static str, &'static [&'static str])>,
}

impl FileDialog {
    fn new(title: &str, kind: DialogKind) -> Self {
        Self {
            title: title.to_owned(),
            kind,
            near: None,
            file_name: None,
            filters: Vec::new(),
        }
    }

    /// A dialog choosing an existing file.
    pub fn pick_file(title: &str) -> Self {
        Self::new(title, DialogKind::PickFile)
    }

    /// A dialog choosing an existing folder.
    pub fn pick_folder(title: &str) -> Self {
        Self::new(title, DialogKind::PickFolder)
    }

    /// A dialog naming a file to write, `file_name` proposed.
    pub fn save_file(title: &str, file_name: &str) -> Self {
        let mut dialog = Self::new(title, DialogKind::SaveFile);
        dialog.file_name = Some(file_name.to_owned());
        dialog
    }

    /// Opens in the folder of `current` (the path in the field), when it exists.
    pub fn near(mut self, current: PathBuf) -> Self {
        self.near = Some(current);
        self
    }

    /// Offers a filter named `name` for files ending in one of `extensions`.
    pub fn filter(mut self, name: &'static str, extensions: &'static [&'static str]) -> Self {
        self.filters.push((name, extensions));
        self
    }

    /// Opens the dialog on a worker thread; the answer lands in `task`. A
    /// dialog still open for `task` is left to the user. Where the screen tests
    /// answer save dialogs themselves ([`SavedIn`]), the answer is the file
    /// name proposed in their folder, on the same worker thread.
    pub fn open(self, task: &mut Task<Option<PathBuf>>, egui_ctx: &egui::Context) {
        if task.is_pending() {
            return;
        }
        if self.kind == DialogKind::SaveFile
            && let Some(folder) = SavedIn::of(egui_ctx).0
        {
            let name = self.file_name.clone().unwrap_or_default();
            task.start(egui_ctx, "centre-choix-fichier", move || {
                Some(folder.join(name))
            });
            return;
        }
        task.start(egui_ctx, "centre-choix-fichier", move || self.run());
    }

    /// Shows the dialog and waits for the user.
    fn run(self) -> Option<PathBuf> {
        let mut dialog = rfd::FileDialog::new().set_title(&self.title);
        for (name, extensions) in &self.filters {
            dialog = dialog.add_filter(*name, extensions);
        }
        if let Some(name) = &self.file_name {
            dialog = dialog.set_file_name(name);
        }
        if let Some(dir) = self.near.as_deref().and_then(dialog_folder) {
            dialog = dialog.set_directory(dir);
        }
        match self.kind {
            DialogKind::PickFile => dialog.pick_file(),
            DialogKind::PickFolder => dialog.pick_folder(),
            DialogKind::SaveFile => dialog.save_file(),
        }
    }
}

/// Where the save dialogs answer on their own: the screen tests cannot click
/// in the system's dialog, so they name a folder and every save dialog answers
/// "this folder, the file name proposed" (see
/// [`CentreApp::answer_save_dialogs_in`](super::CentreApp::answer_save_dialogs_in)).
/// `None` in the program: the system's dialog opens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SavedIn(pub Option<PathBuf>);

impl SavedIn {
    fn id() -> egui::Id {
        egui::Id::unique("iea-dialogues-enregistrement")
    }

    /// Makes this the answer of the save dialogs opened in `egui_ctx`'s frames.
    pub fn publish(&self, egui_ctx: &egui::Context) {
        if self.0.is_some() {
            egui_ctx.data_mut(|d| d.insert_temp(Self::id(), self.clone()));
        }
    }

    fn of(egui_ctx: &egui::Context) -> Self {
        egui_ctx
            .data(|d| d.get_temp::<Self>(Self::id()))
            .unwrap_or_default()
    }
}

/// What is known of the path typed in a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathFact {
    /// Nothing typed.
    Empty,
    /// Being checked.
    Checking,
    /// It names what it must.
    Found(PathBuf),
    /// It does not, and why.
    Problem(PathBuf, EntryProblem),
}

/// The check of a path field ([`fsutil::check_entry`]), run on a worker thread
/// each time the text changes or the centre creates a folder. One check runs
/// at a time: text typed meanwhile is checked next.
#[derive(Debug, Default)]
pub struct PathCheck {
    /// The text checked, the folder generation it was checked at, the path
    /// and the answer.
    task: Task<(String, u64, PathBuf, Result<(), EntryProblem>)>,
}

impl PathCheck {
    /// Takes the answer if it arrived.
    pub fn poll(&mut self) {
        self.task.poll();
    }

    /// Whether a check runs.
    pub fn is_busy(&self) -> bool {
        self.task.is_pending()
    }

    /// What is known of `text`, a path that must name a `kind` (a field always
    /// asks for the same kind); starts its check when it was not checked yet.
    pub fn fact(
        &mut self,
        egui_ctx: &egui::Context,
        ctx: &AppCtx,
        kind: EntryKind,
        text: &str,
    ) -> PathFact {
        let text = text.trim();
        if text.is_empty() {
            return PathFact::Empty;
        }
        let generation = ctx.fs_generation();
        if let Some((checked, at, path, answer)) = self.task.latest()
            && checked == text
            && *at == generation
        {
            return match answer {
                Ok(()) => PathFact::Found(path.clone()),
                Err(problem) => PathFact::Problem(path.clone(), *problem),
            };
        }
        if !self.task.is_pending() {
            let key = text.to_owned();
            let path = ctx.typed_path(text);
            self.task
                .start(egui_ctx, "centre-verification-chemin", move || {
                    let answer = fsutil::check_entry(&path, kind);
                    (key, generation, path, answer)
                });
        }
        PathFact::Checking
    }
}

/// A confirmation dialog before anything that changes data: `body` says what will
/// happen; the answer is `Some(true)` for `confirm_label`, `Some(false)` for
/// "Annuler" or Escape, `None` while the user has not answered.
pub fn confirm_modal_ui(
    ui: &egui::Ui,
    id: &str,
    title: &str,
    confirm_label: &str,
    body: impl FnOnce(&mut egui::Ui),
) -> Option<bool> {
    let mut decided: Option<bool> = None;
    let modal = egui::Modal::new(egui::Id::unique(id)).show(ui.ctx(), |ui| {
        ui.set_max_width(520.0);
        ui.heading(title);
        ui.add_space(8.0);
        body(ui);
        ui.add_space(10.0);
        ui.horizontal(|ui| {
            if ui.add(egui::Button::new(confirm_label)).clicked() {
                decided = Some(true);
            }
            if ui.add(egui::Button::new("Annuler")).clicked() {
                decided = Some(false);
            }
        });
    });
    if modal.should_close() && decided.is_none() {
        decided = Some(false);
    }
    decided
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_in_french() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1\u{a0}000");
        assert_eq!(count(1_250_000), "1\u{a0}250\u{a0}000");
    }

    #[test]
    fn periods_read_month_first() {
        assert_eq!(period("2024-03"), "03/2024");
        assert_eq!(period("bizarre"), "bizarre");
    }

    #[test]
    fn a_folder_can_be_shown_as_another_and_typed_back() {
        let display = PathDisplay::new(
            Path::new("/tmp/iea-instantanes-Ab12cd"),
            Path::new("/tmp/iea-instantanes"),
        );
        assert_eq!(
            display.path(Path::new("/tmp/iea-instantanes-Ab12cd/base/paie.iea")),
            "/tmp/iea-instantanes/base/paie.iea"
        );
        assert_eq!(
            display.text("Le dossier « /tmp/iea-instantanes-Ab12cd/base » est introuvable."),
            "Le dossier « /tmp/iea-instantanes/base » est introuvable."
        );
        assert_eq!(
            display.typed(" /tmp/iea-instantanes/base/paie.iea "),
            "/tmp/iea-instantanes-Ab12cd/base/paie.iea"
        );
        assert_eq!(
            display.typed("/tmp/iea-instantanes"),
            "/tmp/iea-instantanes-Ab12cd"
        );
        // Only the folder itself: a sibling whose name begins the same is left.
        assert_eq!(
            display.typed("/tmp/iea-instantanes-autre/x"),
            "/tmp/iea-instantanes-autre/x"
        );
        assert_eq!(display.path(Path::new("/mnt/serveur")), "/mnt/serveur");
        let plain = PathDisplay::default();
        assert_eq!(plain.typed(" /srv/paie.iea"), " /srv/paie.iea");
        assert_eq!(plain.text("/srv/paie.iea"), "/srv/paie.iea");
    }

    #[test]
    fn relative_paths_are_taken_from_the_home() {
        let home = Home::at("/srv/iea");
        assert_eq!(
            typed_path(&home, " paie.iea "),
            PathBuf::from("/srv/iea/paie.iea")
        );
        assert_eq!(
            typed_path(&home, "/data/paie.iea"),
            PathBuf::from("/data/paie.iea")
        );
    }
}
