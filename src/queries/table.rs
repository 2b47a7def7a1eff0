//! The rows of a query kept in memory for « Visualisation du résultat de la
//! requête »: column by column, numbers in plain vectors and texts as indexes
//! into the column's distinct values (names, dates and months repeat on every
//! payslip), so that a million payslips take tens of megabytes, not hundreds.
//! The view reads any cell in constant time, sorts on any column on a worker
//! thread, and exports the rows in the order shown.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;

use super::ExportError;
use super::catalogue::Column;
use super::run::{Cell, RowSink};

/// A null in a text column.
const NULL_CODE: u32 = u32::MAX;

/// One column's values.
#[derive(Debug, Clone)]
enum ColumnData {
    /// Numbers; `None` for NULL (a `Vec<Option<i64>>` would double the size).
    Numbers { values: Vec<i64>, nulls: Vec<u64> },
    /// Texts as codes into `distinct`; [`NULL_CODE`] for NULL.
    Texts {
        distinct: Vec<Box<str>>,
        codes: Vec<u32>,
    },
}

/// The rows of a query, in memory.
#[derive(Debug, Clone)]
pub struct ResultTable {
    columns: Vec<Column>,
    data: Vec<ColumnData>,
    rows: usize,
}

impl ResultTable {
    /// The columns (the visible ones of the query).
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The cell of `row`, `col` (both within bounds).
    pub fn cell(&self, row: usize, col: usize) -> Cell<'_> {
        match &self.data[col] {
            ColumnData::Numbers { values, nulls } => {
                if is_null(nulls, row) {
                    Cell::Null
                } else {
                    Cell::Int(values[row])
                }
            }
            ColumnData::Texts { distinct, codes } => match codes[row] {
                NULL_CODE => Cell::Null,
                code => Cell::Text(Cow::Borrowed(&distinct[code as usize])),
            },
        }
    }

    /// The cells of `row`.
    pub fn row(&self, row: usize) -> Vec<Cell<'_>> {
        (0..self.columns.len()).map(|c| self.cell(row, c)).collect()
    }

    /// The order of the rows sorted on `col` (NULLs first, ties in their
    /// original order), reversed when `descending`.
    pub fn sorted_order(&self, col: usize, descending: bool) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.rows as u32).collect();
        match &self.data[col] {
            ColumnData::Numbers { values, nulls } => {
                let key = |r: u32| (!is_null(nulls, r as usize)).then(|| values[r as usize]);
                order.sort_by(|a, b| directed(key(*a).cmp(&key(*b)), descending));
            }
            ColumnData::Texts { distinct, codes } => {
                // Rank the distinct texts once (French-ish: case and accents
                // aside), then sort the rows by rank.
                let mut by_text: Vec<u32> = (0..distinct.len() as u32).collect();
                by_text.sort_by_cached_key(|&i| collation_key(&distinct[i as usize]));
                let mut rank = vec![0u32; distinct.len()];
                for (r, &i) in by_text.iter().enumerate() {
                    rank[i as usize] = r as u32 + 1;
                }
                let key = |r: u32| match codes[r as usize] {
                    NULL_CODE => 0,
                    c => rank[c as usize],
                };
                order.sort_by(|a, b| directed(key(*a).cmp(&key(*b)), descending));
            }
        }
        order
    }

    /// Bytes held by the table, roughly (for the benchmark and the logs).
    pub fn heap_bytes(&self) -> usize {
        self.data
            .iter()
            .map(|d| match d {
                ColumnData::Numbers { values, nulls } => {
                    values.capacity() * 8 + nulls.capacity() * 8
                }
                ColumnData::Texts { distinct, codes } => {
                    codes.capacity() * 4 + distinct.iter().map(|s| s.len() + 16).sum::<usize>()
                }
            })
            .sum()
    }
}

fn directed(o: Ordering, descending: bool) -> Ordering {
    if descending { o.reverse() } else { o }
}

fn is_null(nulls: &[u64], row: usize) -> bool {
    nulls
        .get(row / 64)
        .is_some_and(|word| word & (1 << (row % 64)) != 0)
}

/// A key that sorts texts as a French reader expects: without regard to case
/// and accents first, then as written.
fn collation_key(text: &str) -> (String, String) {
    let folded: String = text
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'â' | 'ä' | 'á' | 'æ' => 'a',
            'ç' => 'c',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' => 'i',
            'ô' | 'ö' | 'ó' | 'œ' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ÿ' => 'y',
            other => other,
        })
        .collect();
    (folded, text.to_owned())
}

/// Builds a [`ResultTable`] from the rows of a query.
#[derive(Debug)]
pub struct TableBuilder {
    table: ResultTable,
    lookups: Vec<HashMap<Box<str>, u32>>,
}

impl TableBuilder {
    /// An empty table of `columns` (the visible columns of the query).
    pub fn new(columns: Vec<Column>) -> Self {
        let data = columns
            .iter()
            .map(|c| {
                if c.kind.is_numeric() {
                    ColumnData::Numbers {
                        values: Vec::new(),
                        nulls: Vec::new(),
                    }
                } else {
                    ColumnData::Texts {
                        distinct: Vec::new(),
                        codes: Vec::new(),
                    }
                }
            })
            .collect();
        let lookups = columns.iter().map(|_| HashMap::new()).collect();
        Self {
            table: ResultTable {
                columns,
                data,
                rows: 0,
            },
            lookups,
        }
    }

    /// Rows so far.
    pub fn len(&self) -> usize {
        self.table.rows
    }

    /// Whether no row came yet.
    pub fn is_empty(&self) -> bool {
        self.table.rows == 0
    }

    /// The table as it is now (the first rows, for a view that shows them
    /// before the query ends).
    pub fn snapshot(&self) -> ResultTable {
        self.table.clone()
    }

    /// The finished table.
    pub fn finish(mut self) -> ResultTable {
        for d in &mut self.table.data {
            match d {
                ColumnData::Numbers { values, nulls } => {
                    values.shrink_to_fit();
                    nulls.shrink_to_fit();
                }
                ColumnData::Texts { distinct, codes } => {
                    distinct.shrink_to_fit();
                    codes.shrink_to_fit();
                }
            }
        }
        self.table
    }
}

impl RowSink for TableBuilder {
    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), ExportError> {
        let row = self.table.rows;
        for ((data, lookup), cell) in self.table.data.iter_mut().zip(&mut self.lookups).zip(cells) {
            match data {
                ColumnData::Numbers { values, nulls } => {
                    if row / 64 >= nulls.len() {
                        nulls.push(0);
                    }
                    match cell {
                        Cell::Int(i) => values.push(*i),
                        // A text in a numeric column (a bad value in the store)
                        // is kept as NULL rather than a wrong number.
                        Cell::Null | Cell::Text(_) => {
                            values.push(0);
                            nulls[row / 64] |= 1 << (row % 64);
                        }
                    }
                }
                ColumnData::Texts { distinct, codes } => {
                    let code = match cell {
                        Cell::Null => NULL_CODE,
                        Cell::Int(i) => intern(distinct, lookup, &i.to_string()),
                        Cell::Text(t) => intern(distinct, lookup, t),
                    };
                    codes.push(code);
                }
            }
        }
        self.table.rows += 1;
        Ok(())
    }
}

fn intern(distinct: &mut Vec<Box<str>>, lookup: &mut HashMap<Box<str>, u32>, text: &str) -> u32 {
    if let Some(code) = lookup.get(text) {
        return *code;
    }
    let code = distinct.len() as u32;
    distinct.push(text.into());
    lookup.insert(text.into(), code);
    code
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queries::catalogue::ColumnKind;

    fn table() -> ResultTable {
        let columns = vec![
            Column {
                key: "nom".into(),
                kind: ColumnKind::Text,
                label: "Nom".into(),
            },
            Column {
                key: "brut".into(),
                kind: ColumnKind::Money,
                label: "Brut".into(),
            },
        ];
        let mut b = TableBuilder::new(columns);
        for (name, gross) in [
            (Some("Émile"), Some(300)),
            (Some("durand"), None),
            (None, Some(100)),
            (Some("Dupont"), Some(200)),
            (Some("Émile"), Some(50)),
        ] {
            let cells = [
                name.map_or(Cell::Null, |n| Cell::Text(n.into())),
                gross.map_or(Cell::Null, Cell::Int),
            ];
            b.row(&cells).expect("row");
        }
        b.finish()
    }

    #[test]
    fn cells_come_back_as_they_went_in() {
        let t = table();
        assert_eq!(t.len(), 5);
        assert_eq!(t.cell(0, 0), Cell::Text("Émile".into()));
        assert_eq!(t.cell(1, 1), Cell::Null);
        assert_eq!(t.cell(2, 0), Cell::Null);
        assert_eq!(t.cell(4, 1), Cell::Int(50));
    }

    #[test]
    fn sorting_puts_nulls_first_and_ignores_case_and_accents() {
        let t = table();
        assert_eq!(t.sorted_order(0, false), [2, 3, 1, 0, 4]);
        assert_eq!(t.sorted_order(1, false), [1, 4, 2, 3, 0]);
        assert_eq!(t.sorted_order(1, true), [0, 3, 2, 4, 1]);
    }
}
