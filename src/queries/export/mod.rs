//! The exports of a query's rows: XLSX, XML, TXT and JSON, written into a
//! temporary file beside the target and put in place only when whole (a crash
//! or « Annuler » leaves no half file), never over an existing file unless the
//! caller says the user agreed.
//!
//! Rows come either straight from the query ([`write_query`]: the command
//! line, a million rows in a few megabytes of memory) or from the result view's
//! table in the order it shows ([`write_table`]).

mod json;
mod txt;
mod xlsx;
mod xml;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, NaiveDate};

use super::QueryError;
use super::catalogue::{Column, ColumnKind, Query};
use super::params::Values;
use super::run::{self, Cell, RowSink};
use super::table::ResultTable;
use crate::jobs::{Cancel, Phase, Progress};

pub use xlsx::MAX_ROWS_PER_SHEET;

/// The formats of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// An Excel workbook.
    Xlsx,
    /// XML described by `assets/schemas/extraction.xsd`.
    Xml,
    /// Tab-separated text for spreadsheets.
    Txt,
    /// JSON, for scripts.
    Json,
}

impl ExportFormat {
    /// The formats the window offers.
    pub const WINDOW: [Self; 3] = [Self::Xlsx, Self::Xml, Self::Txt];

    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Xlsx => "xlsx",
            Self::Xml => "xml",
            Self::Txt => "txt",
            Self::Json => "json",
        }
    }

    /// The format of a name or an extension (`xlsx`, `rapport.XML`).
    pub fn from_name(name: &str) -> Option<Self> {
        let ext = Path::new(name)
            .extension()
            .map_or_else(|| name.to_owned(), |e| e.to_string_lossy().into_owned())
            .to_ascii_lowercase();
        [Self::Xlsx, Self::Xml, Self::Txt, Self::Json]
            .into_iter()
            .find(|f| f.extension() == ext)
    }
}

/// Why an export file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A file is already there and the user did not agree to replace it.
    #[error("a file already exists at {path}")]
    Exists {
        /// The target.
        path: PathBuf,
    },
    /// The folder of the target does not exist.
    #[error("folder not found: {folder}")]
    FolderNotFound {
        /// The target.
        path: PathBuf,
        /// Its folder.
        folder: PathBuf,
    },
    /// The system refused to create, write or rename the file.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The target.
        path: PathBuf,
        /// The system error.
        source: io::Error,
    },
    /// The XLSX writer failed.
    #[error("cannot write the workbook {path}: {detail}")]
    Xlsx {
        /// The target.
        path: PathBuf,
        /// What the writer said.
        detail: String,
    },
}

impl ExportError {
    /// The target file.
    pub fn path(&self) -> &PathBuf {
        match self {
            Self::Exists { path }
            | Self::FolderNotFound { path, .. }
            | Self::Io { path, .. }
            | Self::Xlsx { path, .. } => path,
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExportReport {
    /// The file written.
    pub path: PathBuf,
    /// Its format.
    pub format: ExportFormat,
    /// Rows written (the header aside).
    pub rows: u64,
    /// Worksheets of an XLSX (1 for the other formats).
    pub sheets: u32,
    /// The file's size.
    pub bytes: u64,
    /// Time taken, the query included.
    #[serde(serialize_with = "millis")]
    pub elapsed: Duration,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

/// What an export says of itself: the query, its parameters, its columns, when.
#[derive(Debug, Clone)]
pub struct ExportMeta {
    /// The query's number.
    pub number: u32,
    /// Its title.
    pub title: String,
    /// Its parameters: name, label, value (ISO dates, names).
    pub params: Vec<(String, String, String)>,
    /// The columns written.
    pub columns: Vec<Column>,
    /// When the rows were read.
    pub generated_at: DateTime<FixedOffset>,
}

impl ExportMeta {
    /// The meta of `query` run with `values` at `generated_at`.
    pub fn new(query: &Query, values: &Values, generated_at: DateTime<FixedOffset>) -> Self {
        Self {
            number: query.number,
            title: query.title.clone(),
            params: values
                .0
                .iter()
                .map(|(s, v)| (s.name.clone(), s.label.clone(), v.iso()))
                .collect(),
            columns: query.visible_columns(),
            generated_at,
        }
    }
}

/// A file being written: a temporary file beside the target, put in place by
/// [`commit`](Self::commit), removed if dropped before.
struct PendingFile {
    tmp: PathBuf,
    target: PathBuf,
    overwrite: bool,
    committed: bool,
}

impl PendingFile {
    fn create(target: &Path, overwrite: bool) -> Result<(Self, File), ExportError> {
        crate::fsutil::debug_assert_not_ui_thread("export::PendingFile::create");
        let folder = crate::fsutil::parent_dir(target);
        if !folder.is_dir() {
            return Err(ExportError::FolderNotFound {
                path: target.to_path_buf(),
                folder: folder.to_path_buf(),
            });
        }
        if !overwrite && target.exists() {
            return Err(ExportError::Exists {
                path: target.to_path_buf(),
            });
        }
        let (tmp, file) =
            crate::fsutil::temp_beside(target, false).map_err(|source| ExportError::Io {
                path: target.to_path_buf(),
                source,
            })?;
        Ok((
            Self {
                tmp,
                target: target.to_path_buf(),
                overwrite,
                committed: false,
            },
            file,
        ))
    }

    fn io(&self, source: io::Error) -> ExportError {
        ExportError::Io {
            path: self.target.clone(),
            source,
        }
    }

    /// Flushes `file` and puts it in place: a rename when replacing is agreed,
    /// else a hard link that fails if a file appeared meanwhile.
    fn commit(mut self, file: File) -> Result<u64, ExportError> {
        file.sync_all().map_err(|e| self.io(e))?;
        let bytes = file.metadata().map_err(|e| self.io(e))?.len();
        drop(file);
        if self.overwrite {
            std::fs::rename(&self.tmp, &self.target).map_err(|e| self.io(e))?;
        } else {
            match std::fs::hard_link(&self.tmp, &self.target) {
                Ok(()) => {
                    let _ = std::fs::remove_file(&self.tmp);
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    return Err(ExportError::Exists {
                        path: self.target.clone(),
                    });
                }
                // File systems without hard links (a USB key in FAT): check,
                // then rename.
                Err(_) if !self.target.exists() => {
                    std::fs::rename(&self.tmp, &self.target).map_err(|e| self.io(e))?;
                }
                Err(_) => {
                    return Err(ExportError::Exists {
                        path: self.target.clone(),
                    });
                }
            }
        }
        self.committed = true;
        crate::fsutil::sync_dir(crate::fsutil::parent_dir(&self.target)).map_err(|e| self.io(e))?;
        Ok(bytes)
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// A writer of one format: rows in, then `finish`.
trait FormatWriter: RowSink {
    /// Ends the file; gives back the file to commit and the sheets written.
    fn finish(self: Box<Self>) -> Result<(File, u32), ExportError>;
}

fn writer(
    format: ExportFormat,
    meta: &ExportMeta,
    file: File,
    target: &Path,
) -> Result<Box<dyn FormatWriter>, ExportError> {
    let io_err = |source| ExportError::Io {
        path: target.to_path_buf(),
        source,
    };
    Ok(match format {
        ExportFormat::Txt => Box::new(
            txt::TxtWriter::new(BufWriter::with_capacity(1 << 16, file), meta, target)
                .map_err(io_err)?,
        ),
        ExportFormat::Xml => Box::new(
            xml::XmlWriter::new(BufWriter::with_capacity(1 << 16, file), meta, target)
                .map_err(io_err)?,
        ),
        ExportFormat::Json => Box::new(
            json::JsonWriter::new(BufWriter::with_capacity(1 << 16, file), meta, target)
                .map_err(io_err)?,
        ),
        ExportFormat::Xlsx => Box::new(xlsx::XlsxWriter::new(
            file,
            meta,
            target,
            MAX_ROWS_PER_SHEET,
        )?),
    })
}

/// Counts rows into a writer, reporting progress and checking the cancel flag.
struct Counted<'a> {
    inner: &'a mut dyn FormatWriter,
    rows: u64,
    progress: &'a dyn Progress,
    cancel: &'a Cancel,
    cancelled: bool,
}

impl RowSink for Counted<'_> {
    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), ExportError> {
        self.inner.row(cells)?;
        self.rows += 1;
        if self.rows.is_multiple_of(2048) {
            self.progress.advance(self.rows);
            self.cancelled = self.cancel.is_cancelled();
        }
        Ok(())
    }
}

/// Runs `query` on the store at `store_path` (read-only) and writes its rows
/// to `target` as `format`, streaming: memory stays flat whatever the count.
#[allow(clippy::too_many_arguments)]
pub fn write_query(
    store_path: &Path,
    query: &Query,
    values: &Values,
    format: ExportFormat,
    target: &Path,
    overwrite: bool,
    generated_at: DateTime<FixedOffset>,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<ExportReport, QueryError> {
    let started = Instant::now();
    let meta = ExportMeta::new(query, values, generated_at);
    let (pending, file) = PendingFile::create(target, overwrite)?;
    let mut writer = writer(format, &meta, file, target)?;
    let stats = {
        // The query reports its rows as the export's.
        let mut counted = Counted {
            inner: writer.as_mut(),
            rows: 0,
            progress: &NoCounts,
            cancel,
            cancelled: false,
        };
        run::run_on_store(
            store_path,
            query,
            values,
            &mut counted,
            &Renamed(progress),
            cancel,
        )?
    };
    let (file, sheets) = writer.finish()?;
    cancel.check().map_err(|_| QueryError::Cancelled)?;
    let bytes = pending.commit(file)?;
    Ok(ExportReport {
        path: target.to_path_buf(),
        format,
        rows: stats.rows,
        sheets,
        bytes,
        elapsed: started.elapsed(),
    })
}

/// Writes the rows of `table` in `order` (or as they are) to `target`.
#[allow(clippy::too_many_arguments)]
pub fn write_table(
    table: &ResultTable,
    order: Option<&[u32]>,
    meta: &ExportMeta,
    format: ExportFormat,
    target: &Path,
    overwrite: bool,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<ExportReport, QueryError> {
    crate::fsutil::debug_assert_not_ui_thread("export::write_table");
    let started = Instant::now();
    let (pending, file) = PendingFile::create(target, overwrite)?;
    let mut writer = writer(format, meta, file, target)?;
    let total = table.len() as u64;
    progress.phase(Phase::QueryExport, total);
    let mut counted = Counted {
        inner: writer.as_mut(),
        rows: 0,
        progress,
        cancel,
        cancelled: false,
    };
    for i in 0..table.len() {
        let row = order.map_or(i, |o| o[i] as usize);
        counted.row(&table.row(row))?;
        if counted.cancelled {
            return Err(QueryError::Cancelled);
        }
    }
    progress.advance(total);
    let rows = counted.rows;
    let (file, sheets) = writer.finish()?;
    cancel.check().map_err(|_| QueryError::Cancelled)?;
    let bytes = pending.commit(file)?;
    Ok(ExportReport {
        path: target.to_path_buf(),
        format,
        rows,
        sheets,
        bytes,
        elapsed: started.elapsed(),
    })
}

/// Progress that takes no counts (the query reports them).
struct NoCounts;

impl Progress for NoCounts {
    fn phase(&self, _phase: Phase, _total: u64) {}
    fn advance(&self, _done: u64) {}
}

/// The query's progress, said as the export's: one phase for the user.
struct Renamed<'a>(&'a dyn Progress);

impl Progress for Renamed<'_> {
    fn phase(&self, _phase: Phase, total: u64) {
        self.0.phase(Phase::QueryExport, total);
    }
    fn advance(&self, done: u64) {
        self.0.advance(done);
    }
}

/// The file name suggested for an export: the query's number and title, then
/// its parameters (« tous » left out), in lower case without accents:
/// `35-employeurs-caisse-opco-association-les-amis-du-theatre.xlsx`.
pub fn suggested_file_name(query: &Query, values: &Values, format: ExportFormat) -> String {
    let mut parts = vec![query.number.to_string(), slug(&query.title)];
    for (_, value) in &values.0 {
        let text = value.iso();
        if text != super::params::ALL {
            parts.push(slug(&text));
        }
    }
    let mut name = parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    // Room for the extension within the 255 bytes of most file systems.
    if name.len() > 120 {
        let mut cut = 120;
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        name.truncate(cut);
        name = name.trim_end_matches('-').to_owned();
    }
    format!("{name}.{}", format.extension())
}

/// `text` in lower case, accents removed, anything but letters and digits as
/// single dashes.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'à' | 'â' | 'ä' | 'á' => 'a',
            'ç' => 'c',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' => 'i',
            'ô' | 'ö' | 'ó' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ÿ' => 'y',
            'œ' => {
                out.push('o');
                'e'
            }
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// `cents` as a decimal pushed onto `line` (no allocation: exports call it
/// millions of times).
pub(crate) fn push_decimal(line: &mut String, cents: i64, separator: char) {
    use std::fmt::Write as _;
    let abs = cents.unsigned_abs();
    if cents < 0 {
        line.push('-');
    }
    let _ = write!(line, "{}{separator}{:02}", abs / 100, abs % 100);
}

/// The year, month and day of a stored date `AAAA-MM-JJ`, by shape alone (the
/// store's checks vouch for the rest): fast enough for a million rows.
pub fn iso_date(text: &str) -> Option<(&str, &str, &str)> {
    let b = text.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    shaped.then(|| (&text[0..4], &text[5..7], &text[8..10]))
}

/// The year and month of a stored month `AAAA-MM`, by shape alone.
pub fn iso_month(text: &str) -> Option<(&str, &str)> {
    let b = text.as_bytes();
    let shaped = b.len() == 7
        && b[4] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || c.is_ascii_digit());
    shaped.then(|| (&text[0..4], &text[5..7]))
}

/// A stored date (`AAAA-MM-JJ`), if it is one.
pub(crate) fn stored_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// A stored month (`AAAA-MM`): its first day, if it is one.
pub(crate) fn stored_month(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").ok()
}

/// The kinds of the columns, in order.
fn kinds(columns: &[Column]) -> Vec<ColumnKind> {
    columns.iter().map(|c| c.kind).collect()
}

/// Writes all of `bytes`, mapping nothing: a helper for the text writers.
fn put<W: Write>(w: &mut W, bytes: &[u8]) -> io::Result<()> {
    w.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queries::catalogue::Catalogue;
    use crate::queries::params::{ParamValue, Scope};

    #[test]
    fn file_names_say_the_query_and_its_parameters() {
        let q = Catalogue::builtin().get(35).expect("35");
        let values = Values(vec![(
            q.params[0].clone(),
            ParamValue::Dossier(Scope::One {
                id: 1,
                name: "Association Les Amis du Théâtre".into(),
            }),
        )]);
        assert_eq!(
            suggested_file_name(q, &values, ExportFormat::Xlsx),
            "35-employeurs-caisse-opco-association-les-amis-du-theatre.xlsx"
        );
        let all = Values(vec![(q.params[0].clone(), ParamValue::Dossier(Scope::All))]);
        assert_eq!(
            suggested_file_name(q, &all, ExportFormat::Txt),
            "35-employeurs-caisse-opco.txt"
        );
        let q2 = Catalogue::builtin().get(2).expect("2");
        let d = |m| NaiveDate::from_ymd_opt(2026, m, 1).expect("d");
        let values = Values(vec![
            (q2.params[0].clone(), ParamValue::Month(d(1))),
            (q2.params[1].clone(), ParamValue::Month(d(6))),
            (q2.params[2].clone(), ParamValue::Dossier(Scope::All)),
        ]);
        assert_eq!(
            suggested_file_name(q2, &values, ExportFormat::Xml),
            "2-bulletins-d-une-periode-avec-leurs-totaux-2026-01-2026-06.xml"
        );
    }

    #[test]
    fn formats_are_known_by_name_and_extension() {
        assert_eq!(ExportFormat::from_name("XLSX"), Some(ExportFormat::Xlsx));
        assert_eq!(
            ExportFormat::from_name("export.Txt"),
            Some(ExportFormat::Txt)
        );
        assert_eq!(ExportFormat::from_name("x.csv"), None);
        let mut line = String::new();
        push_decimal(&mut line, -123_405, ',');
        line.push(' ');
        push_decimal(&mut line, 7, '.');
        assert_eq!(line, "-1234,05 0.07");
    }

    #[test]
    fn an_existing_file_is_never_replaced_without_agreement() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("a.txt");
        std::fs::write(&target, b"garder").expect("write");
        assert!(matches!(
            PendingFile::create(&target, false),
            Err(ExportError::Exists { .. })
        ));
        // A file that appears while the export runs is not replaced either.
        let other = dir.path().join("b.txt");
        let (pending, mut file) = PendingFile::create(&other, false).expect("create");
        file.write_all(b"nouveau").expect("write");
        std::fs::write(&other, b"arrive entre-temps").expect("write");
        assert!(matches!(
            pending.commit(file),
            Err(ExportError::Exists { .. })
        ));
        assert_eq!(std::fs::read(&other).expect("read"), b"arrive entre-temps");
        let (pending, mut file) = PendingFile::create(&target, true).expect("create");
        file.write_all(b"remplace").expect("write");
        pending.commit(file).expect("commit");
        assert_eq!(std::fs::read(&target).expect("read"), b"remplace");
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("e").file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }
}
