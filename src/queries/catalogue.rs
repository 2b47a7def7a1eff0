//! The catalogue of predefined queries: one `.sql` file each under
//! `src/queries/catalogue/`, embedded in the binary, in the spirit of
//! Datasette's canned queries (SQL plus metadata whose named parameters become
//! form fields).
//!
//! A file opens with a header of `-- key: value` comment lines:
//!
//! ```sql
//! -- number: 35
//! -- title: Employeurs-caisse OPCO
//! -- description: What the query gives, for the drop-down list's tooltip.
//! -- param: dossier | dossier | Dossier de travail | first
//! -- column: siret | text | SIRET
//! SELECT … WHERE (:dossier IS NULL OR e.dossier_id = :dossier) …
//! ```
//!
//! `param: name | kind | label | default` declares `:name` (kinds: `date`,
//! `month`, `year`, `dossier`, `employer`; defaults in [`DefaultRule`]);
//! `column: key | kind | label` declares the statement's columns in order
//! (kinds in [`ColumnKind`]; `key` columns only order the rows and are never
//! shown). Other comment lines are free text.

use std::sync::OnceLock;

use super::params::{DefaultRule, ParamKind, ParamSpec};

/// The files of `src/queries/catalogue/`, listed by the build script.
const FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));

/// How a column's values are typed, shown and exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// Text as it is.
    Text,
    /// A whole number.
    Integer,
    /// An amount in cents, shown and exported in euros.
    Money,
    /// A number stored in hundredths (hours, rates in percent), shown with two
    /// decimals.
    Hundredths,
    /// A date stored `AAAA-MM-JJ`, shown `JJ/MM/AAAA`, exported as a date.
    Date,
    /// A pay period stored `AAAA-MM`, shown `MM/AAAA`, exported as a date.
    Month,
    /// A sort key: read to order the rows, never shown nor exported.
    Key,
}

impl ColumnKind {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "text" => Self::Text,
            "integer" => Self::Integer,
            "money" => Self::Money,
            "hundredths" => Self::Hundredths,
            "date" => Self::Date,
            "month" => Self::Month,
            "key" => Self::Key,
            _ => return None,
        })
    }

    /// The kind's name in the files and in the XML export's `type` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Integer => "integer",
            Self::Money => "money",
            Self::Hundredths => "hundredths",
            Self::Date => "date",
            Self::Month => "month",
            Self::Key => "key",
        }
    }

    /// Whether the values are numbers (stored as integers).
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            Self::Integer | Self::Money | Self::Hundredths | Self::Key
        )
    }
}

/// A column of a query's result.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Column {
    /// Its name in exports: the XML's `nom` attribute, the JSON's key.
    pub key: String,
    /// How its values are typed.
    pub kind: ColumnKind,
    /// Its heading, in French.
    pub label: String,
}

/// A predefined query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Its number, as the original product numbers them ("35").
    pub number: u32,
    /// Its title ("Employeurs-caisse OPCO").
    pub title: String,
    /// What it gives, in French.
    pub description: String,
    /// Its parameters, in the order of the form.
    pub params: Vec<ParamSpec>,
    /// The statement's columns, in order (sort keys included).
    pub columns: Vec<Column>,
    /// The statement (the header included: SQLite skips comments).
    pub sql: String,
    /// The file it came from.
    pub file: String,
}

impl Query {
    /// The columns shown and exported (the sort keys left out).
    pub fn visible_columns(&self) -> Vec<Column> {
        self.columns
            .iter()
            .filter(|c| c.kind != ColumnKind::Key)
            .cloned()
            .collect()
    }

    /// The parameter named `name`.
    pub fn param(&self, name: &str) -> Option<&ParamSpec> {
        self.params.iter().find(|p| p.name == name)
    }

    /// Parses one catalogue file.
    pub fn parse(file: &str, text: &str) -> Result<Self, CatalogueError> {
        let err = |line: usize, problem| CatalogueError {
            file: file.to_owned(),
            line,
            problem,
        };
        let mut number = None;
        let mut title = None;
        let mut description = String::new();
        let mut params: Vec<ParamSpec> = Vec::new();
        let mut columns: Vec<Column> = Vec::new();
        let mut body_seen = false;
        for (i, line) in text.lines().enumerate() {
            let n = i + 1;
            let trimmed = line.trim();
            let Some(comment) = trimmed.strip_prefix("--") else {
                if !trimmed.is_empty() {
                    body_seen = true;
                }
                continue;
            };
            if body_seen {
                continue;
            }
            let comment = comment.trim();
            let Some((key, value)) = comment.split_once(':') else {
                continue;
            };
            // Only `word: value` lines are metadata; other comments are prose.
            if key.is_empty() || !key.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                continue;
            }
            let value = value.trim();
            match key {
                "number" => {
                    number = Some(
                        value
                            .parse::<u32>()
                            .ok()
                            .filter(|v| *v > 0)
                            .ok_or_else(|| err(n, CatalogueProblem::BadNumber))?,
                    );
                }
                "title" if !value.is_empty() => title = Some(value.to_owned()),
                "description" => {
                    if !description.is_empty() {
                        description.push(' ');
                    }
                    description.push_str(value);
                }
                "param" => params.push(parse_param(value).map_err(|p| err(n, p))?),
                "column" => columns.push(parse_column(value).map_err(|p| err(n, p))?),
                other => return Err(err(n, CatalogueProblem::UnknownKey(other.to_owned()))),
            }
        }
        let number = number.ok_or_else(|| err(0, CatalogueProblem::Missing("number")))?;
        let title = title.ok_or_else(|| err(0, CatalogueProblem::Missing("title")))?;
        if columns.iter().all(|c| c.kind == ColumnKind::Key) {
            return Err(err(0, CatalogueProblem::Missing("column")));
        }
        if !body_seen {
            return Err(err(0, CatalogueProblem::Missing("SQL")));
        }
        for (i, p) in params.iter().enumerate() {
            if params[..i].iter().any(|q| q.name == p.name) {
                return Err(err(0, CatalogueProblem::DuplicateParam(p.name.clone())));
            }
        }
        Ok(Self {
            number,
            title,
            description,
            params,
            columns,
            sql: text.to_owned(),
            file: file.to_owned(),
        })
    }
}

fn fields(value: &str, count: usize) -> Option<Vec<&str>> {
    let parts: Vec<&str> = value.split('|').map(str::trim).collect();
    (parts.len() == count && parts.iter().all(|p| !p.is_empty())).then_some(parts)
}

fn is_name(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && text.starts_with(|c: char| c.is_ascii_lowercase())
}

fn parse_param(value: &str) -> Result<ParamSpec, CatalogueProblem> {
    let bad = || CatalogueProblem::BadParam(value.to_owned());
    let parts = fields(value, 4).ok_or_else(bad)?;
    if !is_name(parts[0]) {
        return Err(bad());
    }
    let kind = ParamKind::parse(parts[1]).ok_or_else(bad)?;
    let default = DefaultRule::parse(parts[3]).ok_or_else(bad)?;
    if !default.suits(kind) {
        return Err(CatalogueProblem::DefaultNotForKind(value.to_owned()));
    }
    Ok(ParamSpec {
        name: parts[0].to_owned(),
        kind,
        label: parts[2].to_owned(),
        default,
    })
}

fn parse_column(value: &str) -> Result<Column, CatalogueProblem> {
    let bad = || CatalogueProblem::BadColumn(value.to_owned());
    let parts = fields(value, 3).ok_or_else(bad)?;
    if !is_name(parts[0]) {
        return Err(bad());
    }
    Ok(Column {
        key: parts[0].to_owned(),
        kind: ColumnKind::parse(parts[1]).ok_or_else(bad)?,
        label: parts[2].to_owned(),
    })
}

/// What is wrong with a catalogue file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogueProblem {
    /// A required key (or the SQL) is missing.
    Missing(&'static str),
    /// `number` is not a whole number from 1.
    BadNumber,
    /// A `key:` line that is not metadata this program knows.
    UnknownKey(String),
    /// A `param:` line that is not `name | kind | label | default`.
    BadParam(String),
    /// A default that does not suit the parameter's kind.
    DefaultNotForKind(String),
    /// Two parameters of the same name.
    DuplicateParam(String),
    /// A `column:` line that is not `key | kind | label`.
    BadColumn(String),
    /// Two files with the same number.
    DuplicateNumber(u32),
}

/// A catalogue file that cannot be used, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {problem:?}")]
pub struct CatalogueError {
    /// The file.
    pub file: String,
    /// The line (0: the file as a whole).
    pub line: usize,
    /// What is wrong.
    pub problem: CatalogueProblem,
}

/// The predefined queries, by number.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    queries: Vec<Query>,
    rejected: Vec<CatalogueError>,
}

impl Catalogue {
    /// The queries built into the program.
    pub fn builtin() -> &'static Self {
        static BUILTIN: OnceLock<Catalogue> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let catalogue = Self::from_files(FILES);
            // The tests refuse any rejected file; should one slip through, the
            // others stay usable.
            for e in &catalogue.rejected {
                tracing::error!(error = %e, "requête du catalogue ignorée");
            }
            catalogue
        })
    }

    /// The catalogue of `files` (name, text): the files that parse, sorted by
    /// number, and the others with why.
    pub fn from_files(files: &[(&str, &str)]) -> Self {
        let mut catalogue = Self::default();
        for (name, text) in files {
            match Query::parse(name, text) {
                Ok(q) if catalogue.queries.iter().any(|o| o.number == q.number) => {
                    catalogue.rejected.push(CatalogueError {
                        file: (*name).to_owned(),
                        line: 0,
                        problem: CatalogueProblem::DuplicateNumber(q.number),
                    });
                }
                Ok(q) => catalogue.queries.push(q),
                Err(e) => catalogue.rejected.push(e),
            }
        }
        catalogue.queries.sort_by_key(|q| q.number);
        catalogue
    }

    /// The queries, by number.
    pub fn queries(&self) -> &[Query] {
        &self.queries
    }

    /// The query numbered `number`.
    pub fn get(&self, number: u32) -> Option<&Query> {
        self.queries.iter().find(|q| q.number == number)
    }

    /// The files that could not be used.
    pub fn rejected(&self) -> &[CatalogueError] {
        &self.rejected
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_file_parses_and_numbers_are_unique() {
        let catalogue = Catalogue::builtin();
        assert!(
            catalogue.rejected().is_empty(),
            "{:?}",
            catalogue.rejected()
        );
        assert!(catalogue.queries().len() >= 15);
        assert_eq!(FILES.len(), catalogue.queries().len());
        let opco = catalogue.get(35).expect("query 35");
        assert_eq!(opco.title, "Employeurs-caisse OPCO");
        assert_eq!(opco.params.len(), 1);
        assert_eq!(opco.params[0].kind, ParamKind::Dossier);
    }

    #[test]
    fn a_header_is_read_and_prose_comments_are_left_alone() {
        let q = Query::parse(
            "t.sql",
            "-- number: 7\n-- title: Essai\n-- description: Un essai.\n\
             -- Note without a key colon after one word is prose\n\
             -- param: du | month | Du mois | january\n\
             -- column: periode | month | Période\n-- column: k | key | ordre\n\
             SELECT :du, 1\n-- after: the body, ignored\n",
        )
        .expect("parse");
        assert_eq!(q.number, 7);
        assert_eq!(q.params[0].default, DefaultRule::January);
        assert_eq!(q.visible_columns().len(), 1);
        assert_eq!(q.columns.len(), 2);
    }

    #[test]
    fn bad_headers_are_refused_with_their_line() {
        let cases = [
            (
                "-- title: T\n-- column: a | text | A\nSELECT 1",
                0,
                "number",
            ),
            ("-- number: x\n", 1, "number"),
            (
                "-- number: 1\n-- title: T\n-- colour: red\n-- column: a | text | A\nSELECT 1",
                3,
                "key",
            ),
            (
                "-- number: 1\n-- title: T\n-- param: du | day | Du | today\nSELECT 1",
                3,
                "param",
            ),
            (
                "-- number: 1\n-- title: T\n-- param: du | date | Du | january\nSELECT 1",
                3,
                "default",
            ),
            (
                "-- number: 1\n-- title: T\n-- column: a | euros | A\nSELECT 1",
                3,
                "column",
            ),
            (
                "-- number: 1\n-- title: T\n-- column: a | text | A\n",
                0,
                "sql",
            ),
        ];
        for (text, line, what) in cases {
            let e = Query::parse("t.sql", text).expect_err(what);
            assert_eq!(e.line, line, "{what}: {e:?}");
        }
        let c = Catalogue::from_files(&[
            (
                "a.sql",
                "-- number: 1\n-- title: A\n-- column: a | text | A\nSELECT 1",
            ),
            (
                "b.sql",
                "-- number: 1\n-- title: B\n-- column: a | text | A\nSELECT 1",
            ),
        ]);
        assert_eq!(c.queries().len(), 1);
        assert_eq!(
            c.rejected()[0].problem,
            CatalogueProblem::DuplicateNumber(1)
        );
    }
}
