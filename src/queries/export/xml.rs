//! XML: UTF-8, one `<ligne>` element per row, each value in an element named
//! by its type (`<texte>`, `<entier>`, `<montant>`, `<nombre>`, `<date>`,
//! `<mois>`, `<vide>` for no value) carrying the column's name; the file is
//! described by `assets/schemas/extraction.xsd`. Text is escaped, and the few
//! characters XML 1.0 cannot hold at all (control characters) are replaced by
//! U+FFFD rather than written as a file no reader accepts.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::{
    ExportError, ExportMeta, FormatWriter, kinds, push_decimal, put, stored_date, stored_month,
};
use crate::queries::catalogue::ColumnKind;
use crate::queries::run::{Cell, RowSink};

pub(super) struct XmlWriter {
    path: PathBuf,
    out: BufWriter<File>,
    kinds: Vec<ColumnKind>,
    names: Vec<String>,
    line: String,
}

/// The `type` attribute of a column.
fn type_name(kind: ColumnKind) -> &'static str {
    match kind {
        ColumnKind::Text | ColumnKind::Key => "texte",
        ColumnKind::Integer => "entier",
        ColumnKind::Money => "montant",
        ColumnKind::Hundredths => "nombre",
        ColumnKind::Date => "date",
        ColumnKind::Month => "mois",
    }
}

/// `text` escaped for an element's content or an attribute's value.
fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Kept as written: a raw CR would be read back as a LF.
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

impl XmlWriter {
    pub(super) fn new(
        mut out: BufWriter<File>,
        meta: &ExportMeta,
        path: &Path,
    ) -> io::Result<Self> {
        let mut head =
            String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<extraction requete=\"");
        head.push_str(&meta.number.to_string());
        head.push_str("\" titre=\"");
        push_escaped(&mut head, &meta.title);
        head.push_str("\" generee-le=\"");
        head.push_str(
            &meta
                .generated_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        );
        head.push_str("\">\n  <parametres>\n");
        for (name, label, value) in &meta.params {
            head.push_str("    <parametre nom=\"");
            push_escaped(&mut head, name);
            head.push_str("\" libelle=\"");
            push_escaped(&mut head, label);
            head.push_str("\">");
            push_escaped(&mut head, value);
            head.push_str("</parametre>\n");
        }
        head.push_str("  </parametres>\n  <colonnes>\n");
        for c in &meta.columns {
            head.push_str("    <colonne nom=\"");
            push_escaped(&mut head, &c.key);
            head.push_str("\" type=\"");
            head.push_str(type_name(c.kind));
            head.push_str("\" libelle=\"");
            push_escaped(&mut head, &c.label);
            head.push_str("\"/>\n");
        }
        head.push_str("  </colonnes>\n  <lignes>\n");
        put(&mut out, head.as_bytes())?;
        Ok(Self {
            path: path.to_path_buf(),
            out,
            kinds: kinds(&meta.columns),
            names: meta
                .columns
                .iter()
                .map(|c| {
                    let mut n = String::new();
                    push_escaped(&mut n, &c.key);
                    n
                })
                .collect(),
            line: String::new(),
        })
    }

    fn io(&self, source: io::Error) -> ExportError {
        ExportError::Io {
            path: self.path.clone(),
            source,
        }
    }
}

impl RowSink for XmlWriter {
    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), ExportError> {
        use std::fmt::Write as _;
        let line = &mut self.line;
        line.clear();
        line.push_str("    <ligne>");
        for ((cell, kind), name) in cells.iter().zip(&self.kinds).zip(&self.names) {
            let element = match (cell, kind) {
                (Cell::Null, _) => "vide",
                (Cell::Int(_), ColumnKind::Money) => "montant",
                (Cell::Int(_), ColumnKind::Hundredths) => "nombre",
                (Cell::Int(_), _) => "entier",
                (Cell::Text(t), ColumnKind::Date) if stored_date(t).is_some() => "date",
                (Cell::Text(t), ColumnKind::Month) if stored_month(t).is_some() => "mois",
                (Cell::Text(_), _) => "texte",
            };
            line.push('<');
            line.push_str(element);
            line.push_str(" nom=\"");
            line.push_str(name);
            if matches!(cell, Cell::Null) {
                line.push_str("\"/>");
                continue;
            }
            line.push_str("\">");
            match (cell, kind) {
                (Cell::Int(v), ColumnKind::Money | ColumnKind::Hundredths) => {
                    push_decimal(line, *v, '.');
                }
                (Cell::Int(v), _) => {
                    let _ = write!(line, "{v}");
                }
                (Cell::Text(t), _) => push_escaped(line, t),
                (Cell::Null, _) => {}
            }
            line.push_str("</");
            line.push_str(element);
            line.push('>');
        }
        line.push_str("</ligne>\n");
        let result = self.out.write_all(self.line.as_bytes());
        result.map_err(|e| self.io(e))
    }
}

impl FormatWriter for XmlWriter {
    fn finish(mut self: Box<Self>) -> Result<(File, u32), ExportError> {
        let end = self.out.write_all(b"  </lignes>\n</extraction>\n");
        end.map_err(|e| self.io(e))?;
        let path = self.path;
        let file = self.out.into_inner().map_err(|e| ExportError::Io {
            path,
            source: e.into_error(),
        })?;
        Ok((file, 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_impossible_characters_replaced() {
        let mut out = String::new();
        push_escaped(&mut out, "A & B <c> \"d\" e\r\nf\u{1}g\tü");
        assert_eq!(
            out,
            "A &amp; B &lt;c&gt; &quot;d&quot; e&#13;\nf\u{FFFD}g\tü"
        );
    }
}
