//! The parameters of a query ("Paramètres de la requête"): their kinds, their
//! defaults and the validation of what the user typed, the same for the
//! window's Paramètre / Valeur table and for `queries run --param`.
//!
//! A value is typed as the user knows it: a date `JJ/MM/AAAA`, a month
//! `MM/AAAA`, a year `AAAA` (the ISO forms are taken too), a dossier by its
//! name, an employer by its SIRET or its name; « tous » for every dossier or
//! employer where the query allows it. Each refusal is a [`ParamProblem`]
//! naming the parameter and what was expected; `messages` says it in French.

use chrono::{Datelike, Months, NaiveDate};

/// The kind of a parameter: its form field and its validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamKind {
    /// A day, `JJ/MM/AAAA`.
    Date,
    /// A pay period, `MM/AAAA`.
    Month,
    /// A year, `AAAA`.
    Year,
    /// A dossier of the store, or all of them.
    Dossier,
    /// An employer of the store, or all of them.
    Employer,
}

impl ParamKind {
    pub(super) fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "date" => Self::Date,
            "month" => Self::Month,
            "year" => Self::Year,
            "dossier" => Self::Dossier,
            "employer" => Self::Employer,
            _ => return None,
        })
    }
}

/// The default value of a parameter, reckoned from today and the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DefaultRule {
    /// Date: today.
    Today,
    /// Date: 1 January of this year.
    StartOfYear,
    /// Date: 31 December of this year.
    EndOfYear,
    /// Date: the first day of this month.
    StartOfMonth,
    /// Date: the last day of this month.
    EndOfMonth,
    /// Month: this month.
    CurrentMonth,
    /// Month: last month.
    PreviousMonth,
    /// Month: January of this year.
    January,
    /// Year: this year.
    CurrentYear,
    /// Year: last year.
    PreviousYear,
    /// Dossier or employer: all of them.
    All,
    /// Dossier: the first dossier in production that is not archived (by
    /// name); employer: the first employer in activity of that dossier.
    First,
}

impl DefaultRule {
    pub(super) fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "today" => Self::Today,
            "start_of_year" => Self::StartOfYear,
            "end_of_year" => Self::EndOfYear,
            "start_of_month" => Self::StartOfMonth,
            "end_of_month" => Self::EndOfMonth,
            "current_month" => Self::CurrentMonth,
            "previous_month" => Self::PreviousMonth,
            "january" => Self::January,
            "current_year" => Self::CurrentYear,
            "previous_year" => Self::PreviousYear,
            "all" => Self::All,
            "first" => Self::First,
            _ => return None,
        })
    }

    /// Whether the rule gives a value of `kind`.
    pub(super) fn suits(self, kind: ParamKind) -> bool {
        match self {
            Self::Today
            | Self::StartOfYear
            | Self::EndOfYear
            | Self::StartOfMonth
            | Self::EndOfMonth => kind == ParamKind::Date,
            Self::CurrentMonth | Self::PreviousMonth | Self::January => kind == ParamKind::Month,
            Self::CurrentYear | Self::PreviousYear => kind == ParamKind::Year,
            Self::All | Self::First => matches!(kind, ParamKind::Dossier | ParamKind::Employer),
        }
    }
}

/// A parameter of a query.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ParamSpec {
    /// Its name: `:name` in the SQL, `--param name=…` on the command line.
    pub name: String,
    /// Its kind.
    pub kind: ParamKind,
    /// Its label in the "Paramètre" column, in French.
    pub label: String,
    /// Its default value.
    pub default: DefaultRule,
}

/// A dossier or employer parameter: all of them, or one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every dossier (or employer).
    All,
    /// One of them.
    One {
        /// Its id in the store.
        id: i64,
        /// Its name, for the form, the file name and the export's header.
        name: String,
    },
}

/// A validated parameter value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamValue {
    /// A day.
    Date(NaiveDate),
    /// A month: its first day.
    Month(NaiveDate),
    /// A year.
    Year(i32),
    /// A dossier, or all.
    Dossier(Scope),
    /// An employer, or all.
    Employer(Scope),
}

impl ParamValue {
    /// The value as the form shows it and as it is typed back: `31/12/2026`,
    /// `03/2026`, `2026`, the dossier's name or « tous ».
    pub fn text(&self) -> String {
        match self {
            Self::Date(d) => d.format("%d/%m/%Y").to_string(),
            Self::Month(d) => d.format("%m/%Y").to_string(),
            Self::Year(y) => format!("{y:04}"),
            Self::Dossier(Scope::All) | Self::Employer(Scope::All) => ALL.to_owned(),
            Self::Dossier(Scope::One { name, .. }) | Self::Employer(Scope::One { name, .. }) => {
                name.clone()
            }
        }
    }

    /// The value in a file name or an export's header: ISO dates, names.
    pub fn iso(&self) -> String {
        match self {
            Self::Date(d) => d.format("%Y-%m-%d").to_string(),
            Self::Month(d) => d.format("%Y-%m").to_string(),
            _ => self.text(),
        }
    }

    /// The value bound to the statement: ISO text for days and months, a
    /// number for years, an id (or NULL for all) for dossiers and employers.
    pub(super) fn bind(&self) -> rusqlite::types::Value {
        use rusqlite::types::Value;
        match self {
            Self::Date(_) | Self::Month(_) => Value::Text(self.iso()),
            Self::Year(y) => Value::Integer(i64::from(*y)),
            Self::Dossier(Scope::All) | Self::Employer(Scope::All) => Value::Null,
            Self::Dossier(Scope::One { id, .. }) | Self::Employer(Scope::One { id, .. }) => {
                Value::Integer(*id)
            }
        }
    }

    /// The value's key in ordering checks: "Au" must not come before "Du".
    fn order_key(&self) -> Option<NaiveDate> {
        match self {
            Self::Date(d) | Self::Month(d) => Some(*d),
            Self::Year(y) => NaiveDate::from_ymd_opt(*y, 1, 1),
            _ => None,
        }
    }
}

/// The word that means "every dossier" or "every employer".
pub const ALL: &str = "tous";

/// The validated values of a query's parameters, in the order of its form.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Values(pub Vec<(ParamSpec, ParamValue)>);

impl Values {
    /// The value of the parameter named `name`.
    pub fn get(&self, name: &str) -> Option<&ParamValue> {
        self.0.iter().find(|(s, _)| s.name == name).map(|(_, v)| v)
    }
}

/// A dossier a parameter may name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DossierChoice {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Whether it is archived.
    pub archived: bool,
    /// Whether it is a simulation dossier.
    pub simulation: bool,
}

/// An employer a parameter may name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EmployerChoice {
    /// Its id.
    pub id: i64,
    /// Its dossier.
    pub dossier_id: i64,
    /// Its name.
    pub name: String,
    /// Its SIRET.
    pub siret: String,
    /// Whether it is archived.
    pub archived: bool,
}

/// The dossiers and employers of the store, for the defaults and the checks
/// of dossier and employer parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Choices {
    /// Dossiers, by name.
    pub dossiers: Vec<DossierChoice>,
    /// Employers, by dossier then name.
    pub employers: Vec<EmployerChoice>,
}

impl Choices {
    /// Reads the dossiers and employers of the store.
    pub fn read(conn: &rusqlite::Connection) -> rusqlite::Result<Self> {
        let dossiers = conn
            .prepare(
                "SELECT id, name, archived, state = 'simulation' FROM dossiers
                 ORDER BY name COLLATE NOCASE, id",
            )?
            .query_map([], |r| {
                Ok(DossierChoice {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    archived: r.get(2)?,
                    simulation: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let employers = conn
            .prepare(
                "SELECT e.id, e.dossier_id, e.name, e.siret, e.archived
                 FROM employers e JOIN dossiers d ON d.id = e.dossier_id
                 ORDER BY d.name COLLATE NOCASE, e.name COLLATE NOCASE, e.siret",
            )?
            .query_map([], |r| {
                Ok(EmployerChoice {
                    id: r.get(0)?,
                    dossier_id: r.get(1)?,
                    name: r.get(2)?,
                    siret: r.get(3)?,
                    archived: r.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            dossiers,
            employers,
        })
    }

    /// The dossier a payroll manager works on first: in production, not
    /// archived, first by name; else the first dossier.
    pub fn working_dossier(&self) -> Option<&DossierChoice> {
        self.dossiers
            .iter()
            .find(|d| !d.archived && !d.simulation)
            .or_else(|| self.dossiers.first())
    }

    /// The first employer in activity of the working dossier, else the first.
    fn first_employer(&self) -> Option<&EmployerChoice> {
        let dossier = self.working_dossier().map(|d| d.id);
        self.employers
            .iter()
            .find(|e| Some(e.dossier_id) == dossier && !e.archived)
            .or_else(|| self.employers.first())
    }

    /// The employer's name with its SIRET, as lists show it.
    pub fn employer_label(e: &EmployerChoice) -> String {
        format!("{} ({})", e.name, e.siret)
    }
}

/// What is wrong with a value typed for a parameter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ProblemKind {
    /// Nothing was typed.
    Empty,
    /// Not a day `JJ/MM/AAAA`, or a day that does not exist (31/02).
    NotADate,
    /// Not a month `MM/AAAA`.
    NotAMonth,
    /// Not a year `AAAA`.
    NotAYear,
    /// A year outside the payroll years this program knows.
    YearOutOfRange {
        /// First year accepted.
        min: i32,
        /// Last year accepted.
        max: i32,
    },
    /// No dossier of the store has this name.
    UnknownDossier {
        /// Some names that exist, to help.
        known: Vec<String>,
    },
    /// The store has no dossier at all.
    NoDossier,
    /// No employer has this SIRET or name.
    UnknownEmployer,
    /// Several employers have this name (the SIRET tells them apart).
    SeveralEmployers {
        /// How many.
        count: usize,
    },
    /// The store has no employer at all.
    NoEmployer,
    /// The end of the range comes before its start.
    EndBeforeStart {
        /// The label of the start.
        start_label: String,
        /// The start, as typed.
        start_text: String,
    },
    /// No parameter of that name (command line).
    UnknownParam {
        /// The parameters of the query.
        known: Vec<String>,
    },
    /// The same parameter given twice (command line).
    Repeated,
    /// `--param` without `=` (command line).
    NotNameValue,
}

/// A parameter's value refused, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ParamProblem {
    /// The parameter's name.
    pub name: String,
    /// Its label ("Du mois").
    pub label: String,
    /// Its kind, when the parameter exists (for the expected form).
    pub kind: Option<ParamKind>,
    /// What was typed.
    pub text: String,
    /// What is wrong (boxed: a problem travels in a `Result` at every check).
    #[serde(flatten)]
    pub problem: Box<ProblemKind>,
}

/// Years a query may ask for: the store's own bounds on exercises.
pub const YEARS: (i32, i32) = (1990, 2200);

/// The default value of `spec` on `today`.
pub fn default_value(spec: &ParamSpec, today: NaiveDate, choices: &Choices) -> ParamValue {
    let year = today.year();
    let first_of = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(today);
    let this_month = first_of(year, today.month());
    match spec.default {
        DefaultRule::Today => ParamValue::Date(today),
        DefaultRule::StartOfYear => ParamValue::Date(first_of(year, 1)),
        DefaultRule::EndOfYear => {
            ParamValue::Date(NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(today))
        }
        DefaultRule::StartOfMonth => ParamValue::Date(this_month),
        DefaultRule::EndOfMonth => ParamValue::Date(
            this_month
                .checked_add_months(Months::new(1))
                .and_then(|d| d.pred_opt())
                .unwrap_or(today),
        ),
        DefaultRule::CurrentMonth => ParamValue::Month(this_month),
        DefaultRule::PreviousMonth => ParamValue::Month(
            this_month
                .checked_sub_months(Months::new(1))
                .unwrap_or(this_month),
        ),
        DefaultRule::January => ParamValue::Month(first_of(year, 1)),
        DefaultRule::CurrentYear => ParamValue::Year(year),
        DefaultRule::PreviousYear => ParamValue::Year(year - 1),
        DefaultRule::All => scope_value(spec.kind, Scope::All),
        DefaultRule::First => {
            let scope = match spec.kind {
                ParamKind::Employer => choices.first_employer().map(|e| Scope::One {
                    id: e.id,
                    name: e.name.clone(),
                }),
                _ => choices.working_dossier().map(|d| Scope::One {
                    id: d.id,
                    name: d.name.clone(),
                }),
            };
            scope_value(spec.kind, scope.unwrap_or(Scope::All))
        }
    }
}

fn scope_value(kind: ParamKind, scope: Scope) -> ParamValue {
    if kind == ParamKind::Employer {
        ParamValue::Employer(scope)
    } else {
        ParamValue::Dossier(scope)
    }
}

/// The default values of every parameter of a query, in its order.
pub fn defaults(params: &[ParamSpec], today: NaiveDate, choices: &Choices) -> Values {
    Values(
        params
            .iter()
            .map(|p| (p.clone(), default_value(p, today, choices)))
            .collect(),
    )
}

/// Whether `text` says "all": « tous », « Tous les dossiers »…
fn means_all(text: &str) -> bool {
    let t = text.trim().to_lowercase();
    t == ALL || t == "toutes" || t.starts_with("tous les ")
}

/// Checks the text typed for one parameter.
pub fn parse_value(
    spec: &ParamSpec,
    text: &str,
    choices: &Choices,
) -> Result<ParamValue, ParamProblem> {
    let refuse = |problem| ParamProblem {
        name: spec.name.clone(),
        label: spec.label.clone(),
        kind: Some(spec.kind),
        text: text.to_owned(),
        problem: Box::new(problem),
    };
    let t = text.trim();
    if t.is_empty() {
        return Err(refuse(ProblemKind::Empty));
    }
    match spec.kind {
        ParamKind::Date => parse_date(t)
            .map(ParamValue::Date)
            .ok_or_else(|| refuse(ProblemKind::NotADate)),
        ParamKind::Month => parse_month(t)
            .map(ParamValue::Month)
            .ok_or_else(|| refuse(ProblemKind::NotAMonth)),
        ParamKind::Year => {
            let y: i32 = t
                .parse()
                .ok()
                .filter(|_| t.len() == 4)
                .ok_or_else(|| refuse(ProblemKind::NotAYear))?;
            if (YEARS.0..=YEARS.1).contains(&y) {
                Ok(ParamValue::Year(y))
            } else {
                Err(refuse(ProblemKind::YearOutOfRange {
                    min: YEARS.0,
                    max: YEARS.1,
                }))
            }
        }
        ParamKind::Dossier => {
            if means_all(t) {
                return Ok(ParamValue::Dossier(Scope::All));
            }
            if choices.dossiers.is_empty() {
                return Err(refuse(ProblemKind::NoDossier));
            }
            choices
                .dossiers
                .iter()
                .find(|d| d.name.trim().to_lowercase() == t.to_lowercase())
                .map(|d| {
                    ParamValue::Dossier(Scope::One {
                        id: d.id,
                        name: d.name.clone(),
                    })
                })
                .ok_or_else(|| {
                    refuse(ProblemKind::UnknownDossier {
                        known: choices
                            .dossiers
                            .iter()
                            .take(10)
                            .map(|d| d.name.clone())
                            .collect(),
                    })
                })
        }
        ParamKind::Employer => {
            if means_all(t) {
                return Ok(ParamValue::Employer(Scope::All));
            }
            if choices.employers.is_empty() {
                return Err(refuse(ProblemKind::NoEmployer));
            }
            let digits: String = t.chars().filter(|c| !c.is_whitespace()).collect();
            let found: Vec<&EmployerChoice> =
                if digits.len() == 14 && digits.chars().all(|c| c.is_ascii_digit()) {
                    choices
                        .employers
                        .iter()
                        .filter(|e| e.siret == digits)
                        .collect()
                } else {
                    let wanted = t.to_lowercase();
                    choices
                        .employers
                        .iter()
                        .filter(|e| {
                            e.name.trim().to_lowercase() == wanted
                                || Choices::employer_label(e).to_lowercase() == wanted
                        })
                        .collect()
                };
            match found.as_slice() {
                [one] => Ok(ParamValue::Employer(Scope::One {
                    id: one.id,
                    name: one.name.clone(),
                })),
                [] => Err(refuse(ProblemKind::UnknownEmployer)),
                many => Err(refuse(ProblemKind::SeveralEmployers { count: many.len() })),
            }
        }
    }
}

/// `JJ/MM/AAAA` (or `AAAA-MM-JJ`), a day that exists.
fn parse_date(t: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(t, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(t, "%Y-%m-%d"))
        .ok()
        .filter(|d| (YEARS.0..=YEARS.1).contains(&d.year()) && t.len() == 10)
}

/// `MM/AAAA` (or `AAAA-MM`): its first day.
fn parse_month(t: &str) -> Option<NaiveDate> {
    let (month, year) = if let Some((m, y)) = t.split_once('/') {
        (m, y)
    } else {
        let (y, m) = t.split_once('-')?;
        (m, y)
    };
    if year.len() != 4 || month.is_empty() || month.len() > 2 {
        return None;
    }
    let y: i32 = year.parse().ok()?;
    let m: u32 = month.parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, 1).filter(|d| (YEARS.0..=YEARS.1).contains(&d.year()))
}

/// Checks every value typed for `params` (name → text; a parameter not given
/// takes its default) and the order of ranges ("Au" not before "Du"). All the
/// problems are returned at once.
pub fn validate(
    params: &[ParamSpec],
    typed: &[(String, String)],
    today: NaiveDate,
    choices: &Choices,
) -> Result<Values, Vec<ParamProblem>> {
    let mut problems = Vec::new();
    for (i, (name, text)) in typed.iter().enumerate() {
        let problem = if !params.iter().any(|p| &p.name == name) {
            Some(ProblemKind::UnknownParam {
                known: params.iter().map(|p| p.name.clone()).collect(),
            })
        } else if typed[..i].iter().any(|(n, _)| n == name) {
            Some(ProblemKind::Repeated)
        } else {
            None
        };
        if let Some(problem) = problem {
            let spec = params.iter().find(|p| &p.name == name);
            problems.push(ParamProblem {
                name: name.clone(),
                label: spec.map(|s| s.label.clone()).unwrap_or_default(),
                kind: spec.map(|s| s.kind),
                text: text.clone(),
                problem: Box::new(problem),
            });
        }
    }
    let mut values = Vec::new();
    for spec in params {
        let value = match typed.iter().find(|(n, _)| n == &spec.name) {
            Some((_, text)) => match parse_value(spec, text, choices) {
                Ok(v) => v,
                Err(p) => {
                    problems.push(p);
                    continue;
                }
            },
            None => default_value(spec, today, choices),
        };
        values.push((spec.clone(), value));
    }
    problems.extend(order_problems(&values));
    if problems.is_empty() {
        Ok(Values(values))
    } else {
        Err(problems)
    }
}

/// "Au" before "Du": two consecutive parameters of the same dated kind form a
/// range, and the second must not come before the first.
pub fn order_problems(values: &[(ParamSpec, ParamValue)]) -> Vec<ParamProblem> {
    values
        .windows(2)
        .filter_map(|pair| {
            let [(start_spec, start), (end_spec, end)] = pair else {
                return None;
            };
            (start_spec.kind == end_spec.kind && end.order_key()? < start.order_key()?).then(|| {
                ParamProblem {
                    name: end_spec.name.clone(),
                    label: end_spec.label.clone(),
                    kind: Some(end_spec.kind),
                    text: end.text(),
                    problem: Box::new(ProblemKind::EndBeforeStart {
                        start_label: start_spec.label.clone(),
                        start_text: start.text(),
                    }),
                }
            })
        })
        .collect()
}

/// `--param nom=valeur` split at its first `=`.
pub fn split_name_value(arg: &str) -> Result<(String, String), ParamProblem> {
    match arg.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.to_owned()))
        }
        _ => Err(ParamProblem {
            name: arg.to_owned(),
            label: String::new(),
            kind: None,
            text: arg.to_owned(),
            problem: Box::new(ProblemKind::NotNameValue),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, kind: ParamKind, default: DefaultRule) -> ParamSpec {
        ParamSpec {
            name: name.to_owned(),
            kind,
            label: name.to_owned(),
            default,
        }
    }

    fn choices() -> Choices {
        Choices {
            dossiers: vec![
                DossierChoice {
                    id: 2,
                    name: "Comité (clos)".into(),
                    archived: true,
                    simulation: false,
                },
                DossierChoice {
                    id: 1,
                    name: "Les Amis".into(),
                    archived: false,
                    simulation: false,
                },
            ],
            employers: vec![
                EmployerChoice {
                    id: 10,
                    dossier_id: 1,
                    name: "Foyer rural".into(),
                    siret: "73282932000074".into(),
                    archived: false,
                },
                EmployerChoice {
                    id: 11,
                    dossier_id: 1,
                    name: "Foyer rural".into(),
                    siret: "73282932000082".into(),
                    archived: false,
                },
            ],
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 15).expect("date")
    }

    #[test]
    fn defaults_are_reckoned_from_today_and_the_store() {
        let c = choices();
        let value = |kind, rule| default_value(&spec("p", kind, rule), today(), &c).text();
        assert_eq!(
            value(ParamKind::Date, DefaultRule::StartOfYear),
            "01/01/2026"
        );
        assert_eq!(
            value(ParamKind::Date, DefaultRule::EndOfMonth),
            "31/03/2026"
        );
        assert_eq!(
            value(ParamKind::Month, DefaultRule::PreviousMonth),
            "02/2026"
        );
        assert_eq!(value(ParamKind::Year, DefaultRule::PreviousYear), "2025");
        assert_eq!(value(ParamKind::Dossier, DefaultRule::First), "Les Amis");
        assert_eq!(value(ParamKind::Dossier, DefaultRule::All), "tous");
        assert_eq!(
            value(ParamKind::Employer, DefaultRule::First),
            "Foyer rural"
        );
    }

    #[test]
    fn french_and_iso_forms_are_read_and_bad_ones_named() {
        let c = choices();
        let date = spec("du", ParamKind::Date, DefaultRule::Today);
        assert_eq!(
            parse_value(&date, " 29/02/2024 ", &c),
            Ok(ParamValue::Date(
                NaiveDate::from_ymd_opt(2024, 2, 29).expect("d")
            ))
        );
        assert!(parse_value(&date, "2024-02-29", &c).is_ok());
        for bad in ["31/02/2024", "1/1/24", "demain", "2024-13-01"] {
            let e = parse_value(&date, bad, &c).expect_err(bad);
            assert_eq!(*e.problem, ProblemKind::NotADate, "{bad}");
            assert_eq!(e.name, "du");
        }
        let month = spec("au", ParamKind::Month, DefaultRule::January);
        assert_eq!(
            parse_value(&month, "3/2026", &c).map(|v| v.iso()),
            Ok("2026-03".into())
        );
        assert_eq!(
            parse_value(&month, "2026-03", &c).map(|v| v.iso()),
            Ok("2026-03".into())
        );
        assert!(parse_value(&month, "13/2026", &c).is_err());
        let year = spec("annee", ParamKind::Year, DefaultRule::CurrentYear);
        assert_eq!(
            parse_value(&year, "1850", &c).map_err(|e| *e.problem),
            Err(ProblemKind::YearOutOfRange {
                min: 1990,
                max: 2200
            })
        );
        assert_eq!(
            parse_value(&year, "26", &c).map_err(|e| *e.problem),
            Err(ProblemKind::NotAYear)
        );
        assert_eq!(
            parse_value(&year, "", &c).map_err(|e| *e.problem),
            Err(ProblemKind::Empty)
        );
    }

    #[test]
    fn dossiers_and_employers_are_found_by_name_or_siret() {
        let c = choices();
        let dossier = spec("dossier", ParamKind::Dossier, DefaultRule::First);
        assert_eq!(
            parse_value(&dossier, "les amis", &c),
            Ok(ParamValue::Dossier(Scope::One {
                id: 1,
                name: "Les Amis".into()
            }))
        );
        assert_eq!(
            parse_value(&dossier, "Tous les dossiers", &c),
            Ok(ParamValue::Dossier(Scope::All))
        );
        assert!(matches!(
            parse_value(&dossier, "Inconnu", &c).map_err(|e| *e.problem),
            Err(ProblemKind::UnknownDossier { .. })
        ));
        let employer = spec("employeur", ParamKind::Employer, DefaultRule::First);
        assert_eq!(
            parse_value(&employer, "732 829 320 00082", &c),
            Ok(ParamValue::Employer(Scope::One {
                id: 11,
                name: "Foyer rural".into()
            }))
        );
        assert_eq!(
            parse_value(&employer, "Foyer rural", &c).map_err(|e| *e.problem),
            Err(ProblemKind::SeveralEmployers { count: 2 })
        );
        assert!(parse_value(&employer, "Foyer rural (73282932000074)", &c).is_ok());
    }

    #[test]
    fn every_problem_is_said_at_once_with_ranges_in_order() {
        let params = [
            spec("du", ParamKind::Month, DefaultRule::January),
            spec("au", ParamKind::Month, DefaultRule::CurrentMonth),
            spec("dossier", ParamKind::Dossier, DefaultRule::All),
        ];
        let c = choices();
        let typed = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect()
        };
        let ok = validate(&params, &typed(&[("au", "02/2026")]), today(), &c).expect("ok");
        assert_eq!(ok.get("du").map(ParamValue::text), Some("01/2026".into()));
        let e = validate(
            &params,
            &typed(&[("du", "05/2026"), ("au", "02/2026")]),
            today(),
            &c,
        )
        .expect_err("order");
        assert!(matches!(*e[0].problem, ProblemKind::EndBeforeStart { .. }));
        assert_eq!(e[0].name, "au");
        let e = validate(
            &params,
            &typed(&[
                ("mois", "x"),
                ("du", "x"),
                ("du", "01/2026"),
                ("dossier", "?"),
            ]),
            today(),
            &c,
        )
        .expect_err("several");
        let codes: Vec<_> = e.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(codes, ["mois", "du", "du", "dossier"]);
        assert!(split_name_value("du").is_err());
        assert_eq!(
            split_name_value("du=01/2026=x"),
            Ok(("du".into(), "01/2026=x".into()))
        );
    }
}
