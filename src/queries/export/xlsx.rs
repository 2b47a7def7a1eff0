//! XLSX with `rust_xlsxwriter` in "constant memory" mode: each row goes to a
//! temporary file in the target's folder as soon as it is written, so that a
//! million rows take as little memory as ten. The header row is bold, frozen
//! and filtered; amounts are numbers with a euro format, hours and rates
//! numbers with two decimals, dates and months real dates (`jj/mm/aaaa`,
//! `mm/aaaa`). Past the 1,048,576 rows of a worksheet, a new sheet starts with
//! the header again.

use std::fs::File;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, Worksheet, XlsxError};

use super::{ExportError, ExportMeta, FormatWriter, kinds, stored_date, stored_month};
use crate::queries::catalogue::ColumnKind;
use crate::queries::run::{Cell, RowSink};

/// The rows of a worksheet, its header row included (Excel's limit).
pub const MAX_ROWS_PER_SHEET: u32 = 1_048_576;

/// Excel's limit on the characters of a cell.
const MAX_CELL_CHARS: usize = 32_767;

pub(super) struct XlsxWriter {
    path: PathBuf,
    file: File,
    workbook: Workbook,
    kinds: Vec<ColumnKind>,
    labels: Vec<String>,
    formats: Formats,
    /// Rows of a sheet, header included.
    rows_per_sheet: u32,
    /// The sheet being written (its index) and its next row.
    sheet: usize,
    next_row: u32,
}

struct Formats {
    header: Format,
    money: Format,
    hundredths: Format,
    date: Format,
    month: Format,
}

impl Formats {
    fn new() -> Self {
        Self {
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0x00DD_E6F0))
                .set_border_bottom(FormatBorder::Thin),
            money: Format::new().set_num_format("#,##0.00 \"€\""),
            hundredths: Format::new().set_num_format("0.00"),
            date: Format::new().set_num_format("dd/mm/yyyy"),
            month: Format::new().set_num_format("mm/yyyy"),
        }
    }
}

/// The width of a column of `kind` headed `label`, in characters.
fn width(kind: ColumnKind, label: &str) -> f64 {
    let base: f64 = match kind {
        ColumnKind::Text | ColumnKind::Key => 28.0,
        ColumnKind::Money => 14.0,
        ColumnKind::Date => 12.0,
        ColumnKind::Integer | ColumnKind::Hundredths | ColumnKind::Month => 10.0,
    };
    base.max(label.chars().count() as f64 + 4.0)
}

/// Days since Excel's epoch (1899-12-30) of a date: the number Excel stores.
fn excel_serial(date: chrono::NaiveDate) -> f64 {
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default();
    (date - epoch).num_days() as f64
}

impl XlsxWriter {
    pub(super) fn new(
        file: File,
        meta: &ExportMeta,
        path: &Path,
        rows_per_sheet: u32,
    ) -> Result<Self, ExportError> {
        let xlsx = |e: XlsxError| ExportError::Xlsx {
            path: path.to_path_buf(),
            detail: e.to_string(),
        };
        let mut workbook = Workbook::new();
        // Its rows wait in the target's folder rather than in /tmp, which may
        // be in memory.
        workbook
            .set_tempdir(crate::fsutil::parent_dir(path))
            .map_err(xlsx)?;
        let properties = rust_xlsxwriter::DocProperties::new()
            .set_title(format!("{}. {}", meta.number, meta.title))
            .set_author("Impact emploi association");
        workbook.set_properties(&properties);
        let mut writer = Self {
            path: path.to_path_buf(),
            file,
            workbook,
            kinds: kinds(&meta.columns),
            labels: meta.columns.iter().map(|c| c.label.clone()).collect(),
            formats: Formats::new(),
            rows_per_sheet: rows_per_sheet.max(2),
            sheet: 0,
            next_row: 0,
        };
        writer.new_sheet().map_err(xlsx)?;
        Ok(writer)
    }

    fn xlsx(&self, e: &XlsxError) -> ExportError {
        ExportError::Xlsx {
            path: self.path.clone(),
            detail: e.to_string(),
        }
    }

    fn current(&mut self) -> Result<&mut Worksheet, XlsxError> {
        self.workbook.worksheet_from_index(self.sheet)
    }

    /// Closes the sheet being written: its filter over every row written.
    fn close_sheet(&mut self) -> Result<(), XlsxError> {
        let last_row = self.next_row.saturating_sub(1);
        let last_col = self.kinds.len().saturating_sub(1) as u16;
        self.current()?.autofilter(0, 0, last_row, last_col)?;
        Ok(())
    }

    /// A new sheet with its header row, frozen.
    fn new_sheet(&mut self) -> Result<(), XlsxError> {
        let count = self.workbook.worksheets().len();
        let name = if count == 0 {
            "Résultat".to_owned()
        } else {
            format!("Résultat ({})", count + 1)
        };
        let sheet = self.workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(name)?;
        sheet.set_freeze_panes(1, 0)?;
        for (col, (kind, label)) in self.kinds.iter().zip(&self.labels).enumerate() {
            let col = col as u16;
            sheet.set_column_width(col, width(*kind, label))?;
            sheet.write_string_with_format(0, col, label, &self.formats.header)?;
        }
        self.sheet = count;
        self.next_row = 1;
        Ok(())
    }

    fn write_row(&mut self, cells: &[Cell<'_>]) -> Result<(), XlsxError> {
        if self.next_row >= self.rows_per_sheet {
            self.close_sheet()?;
            self.new_sheet()?;
        }
        let row = self.next_row;
        let sheet = self.workbook.worksheet_from_index(self.sheet)?;
        let f = &self.formats;
        for (col, (cell, kind)) in cells.iter().zip(&self.kinds).enumerate() {
            let col = col as u16;
            match (cell, kind) {
                (Cell::Null, _) => {}
                (Cell::Int(v), ColumnKind::Money) => {
                    sheet.write_number_with_format(row, col, *v as f64 / 100.0, &f.money)?;
                }
                (Cell::Int(v), ColumnKind::Hundredths) => {
                    sheet.write_number_with_format(row, col, *v as f64 / 100.0, &f.hundredths)?;
                }
                (Cell::Int(v), _) => {
                    sheet.write_number(row, col, *v as f64)?;
                }
                (Cell::Text(t), ColumnKind::Date) if let Some(d) = stored_date(t) => {
                    sheet.write_number_with_format(row, col, excel_serial(d), &f.date)?;
                }
                (Cell::Text(t), ColumnKind::Month) if let Some(d) = stored_month(t) => {
                    sheet.write_number_with_format(row, col, excel_serial(d), &f.month)?;
                }
                (Cell::Text(t), _) => {
                    if t.chars().count() > MAX_CELL_CHARS {
                        let cut: String = t.chars().take(MAX_CELL_CHARS).collect();
                        sheet.write_string(row, col, cut)?;
                    } else {
                        sheet.write_string(row, col, t.as_ref())?;
                    }
                }
            }
        }
        self.next_row += 1;
        Ok(())
    }
}

impl RowSink for XlsxWriter {
    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), ExportError> {
        self.write_row(cells).map_err(|e| self.xlsx(&e))
    }
}

impl FormatWriter for XlsxWriter {
    fn finish(mut self: Box<Self>) -> Result<(File, u32), ExportError> {
        self.close_sheet().map_err(|e| self.xlsx(&e))?;
        let sheets = self.workbook.worksheets().len() as u32;
        let file = self.file.try_clone().map_err(|source| ExportError::Io {
            path: self.path.clone(),
            source,
        })?;
        let mut out = std::io::BufWriter::with_capacity(1 << 16, &self.file);
        let saved = self.workbook.save_to_writer(&mut out);
        let flushed = std::io::Write::flush(&mut out);
        drop(out);
        saved.map_err(|e| self.xlsx(&e))?;
        flushed.map_err(|source| ExportError::Io {
            path: self.path.clone(),
            source,
        })?;
        Ok((file, sheets))
    }
}
