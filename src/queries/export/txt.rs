//! TXT: tab-separated text with a header row, for spreadsheets.
//!
//! UTF-8 **with a byte order mark** and **CRLF** line ends: Excel in French
//! reads a text file without a BOM as Windows-1252 (« Théâtre » would show as
//! « ThÃ©Ã¢tre ») and splits nothing but the lines it is given; with the BOM it
//! knows the file is UTF-8, and CRLF is the line end every Windows tool
//! expects (LibreOffice reads both). Numbers are written the French way
//! (`1234,56`, no thousands separator) and dates `JJ/MM/AAAA`, so that a
//! French spreadsheet takes them as numbers and dates. A value holding a tab,
//! a line end or a double quote is put between double quotes, its quotes
//! doubled: the "excel-tab" dialect of Python's csv module and of spreadsheets.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::{ExportError, ExportMeta, FormatWriter, iso_date, iso_month, kinds, push_decimal, put};
use crate::queries::catalogue::ColumnKind;
use crate::queries::run::{Cell, RowSink};

/// The byte order mark that tells spreadsheets the file is UTF-8.
pub(super) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The line end.
pub(super) const EOL: &[u8] = b"\r\n";

pub(super) struct TxtWriter {
    path: PathBuf,
    out: BufWriter<File>,
    kinds: Vec<ColumnKind>,
    line: String,
}

impl TxtWriter {
    pub(super) fn new(
        mut out: BufWriter<File>,
        meta: &ExportMeta,
        path: &Path,
    ) -> io::Result<Self> {
        put(&mut out, BOM)?;
        let mut line = String::new();
        for (i, c) in meta.columns.iter().enumerate() {
            if i > 0 {
                line.push('\t');
            }
            push_field(&mut line, &c.label);
        }
        put(&mut out, line.as_bytes())?;
        put(&mut out, EOL)?;
        Ok(Self {
            path: path.to_path_buf(),
            out,
            kinds: kinds(&meta.columns),
            line,
        })
    }
}

/// `text`, quoted if it must be.
fn push_field(line: &mut String, text: &str) {
    if text.contains(['\t', '\n', '\r', '"']) {
        line.push('"');
        line.push_str(&text.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(text);
    }
}

impl RowSink for TxtWriter {
    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), ExportError> {
        use std::fmt::Write as _;
        self.line.clear();
        for (i, (cell, kind)) in cells.iter().zip(&self.kinds).enumerate() {
            if i > 0 {
                self.line.push('\t');
            }
            match (cell, kind) {
                (Cell::Null, _) => {}
                (Cell::Int(v), ColumnKind::Money | ColumnKind::Hundredths) => {
                    push_decimal(&mut self.line, *v, ',');
                }
                (Cell::Int(v), _) => {
                    let _ = write!(self.line, "{v}");
                }
                (Cell::Text(t), ColumnKind::Date) => match iso_date(t) {
                    Some((y, m, d)) => {
                        self.line.push_str(d);
                        self.line.push('/');
                        self.line.push_str(m);
                        self.line.push('/');
                        self.line.push_str(y);
                    }
                    None => push_field(&mut self.line, t),
                },
                (Cell::Text(t), ColumnKind::Month) => match iso_month(t) {
                    Some((y, m)) => {
                        self.line.push_str(m);
                        self.line.push('/');
                        self.line.push_str(y);
                    }
                    None => push_field(&mut self.line, t),
                },
                (Cell::Text(t), _) => push_field(&mut self.line, t),
            }
        }
        self.line.push_str("\r\n");
        self.out
            .write_all(self.line.as_bytes())
            .map_err(|source| ExportError::Io {
                path: self.path.clone(),
                source,
            })
    }
}

impl FormatWriter for TxtWriter {
    fn finish(self: Box<Self>) -> Result<(File, u32), ExportError> {
        let path = self.path;
        let file = self.out.into_inner().map_err(|e| ExportError::Io {
            path,
            source: e.into_error(),
        })?;
        Ok((file, 1))
    }
}
