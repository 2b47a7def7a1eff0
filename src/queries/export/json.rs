//! JSON, for administrators' scripts: one object with the query, its
//! parameters, its columns and its rows as arrays; amounts and hundredths as
//! decimal numbers (`1234.56`, written from the cents, never through a float),
//! dates and months as ISO strings, no value as `null`. Rows are written as
//! they come, so a million rows take no more memory than ten.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{ExportError, ExportMeta, FormatWriter, kinds, push_decimal, put};
use crate::queries::catalogue::{Column, ColumnKind};
use crate::queries::run::{Cell, RowSink};

pub(super) struct JsonWriter {
    path: PathBuf,
    out: BufWriter<File>,
    kinds: Vec<ColumnKind>,
    line: String,
    first: bool,
}

#[derive(Serialize)]
struct Head<'a> {
    query: u32,
    title: &'a str,
    generated_at: String,
    parameters: Vec<Param<'a>>,
    columns: &'a [Column],
}

#[derive(Serialize)]
struct Param<'a> {
    name: &'a str,
    label: &'a str,
    value: &'a str,
}

impl JsonWriter {
    pub(super) fn new(
        mut out: BufWriter<File>,
        meta: &ExportMeta,
        path: &Path,
    ) -> io::Result<Self> {
        let head = Head {
            query: meta.number,
            title: &meta.title,
            generated_at: meta.generated_at.to_rfc3339(),
            parameters: meta
                .params
                .iter()
                .map(|(name, label, value)| Param { name, label, value })
                .collect(),
            columns: &meta.columns,
        };
        let mut text = serde_json::to_string(&head).map_err(io::Error::other)?;
        // Opens the rows inside the same object: `{…,"rows":[`.
        text.pop();
        text.push_str(",\"rows\":[");
        put(&mut out, text.as_bytes())?;
        Ok(Self {
            path: path.to_path_buf(),
            out,
            kinds: kinds(&meta.columns),
            line: String::new(),
            first: true,
        })
    }

    fn io(&self, source: io::Error) -> ExportError {
        ExportError::Io {
            path: self.path.clone(),
            source,
        }
    }
}

impl RowSink for JsonWriter {
    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), ExportError> {
        use std::fmt::Write as _;
        let line = &mut self.line;
        line.clear();
        if !self.first {
            line.push(',');
        }
        self.first = false;
        line.push_str("\n[");
        for (i, (cell, kind)) in cells.iter().zip(&self.kinds).enumerate() {
            if i > 0 {
                line.push(',');
            }
            match (cell, kind) {
                (Cell::Null, _) => line.push_str("null"),
                (Cell::Int(v), ColumnKind::Money | ColumnKind::Hundredths) => {
                    push_decimal(line, *v, '.');
                }
                (Cell::Int(v), _) => {
                    let _ = write!(line, "{v}");
                }
                (Cell::Text(t), _) => {
                    let quoted = serde_json::to_string(t.as_ref()).unwrap_or_default();
                    line.push_str(&quoted);
                }
            }
        }
        line.push(']');
        let result = self.out.write_all(self.line.as_bytes());
        result.map_err(|e| self.io(e))
    }
}

impl FormatWriter for JsonWriter {
    fn finish(mut self: Box<Self>) -> Result<(File, u32), ExportError> {
        let end = self.out.write_all(b"\n]}\n");
        end.map_err(|e| self.io(e))?;
        let path = self.path;
        let file = self.out.into_inner().map_err(|e| ExportError::Io {
            path,
            source: e.into_error(),
        })?;
        Ok((file, 1))
    }
}
