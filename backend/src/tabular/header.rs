//! The header row, and matching its names to an import's fields whatever way the bureau wrote them.

use super::error::{Column, Missing, Place, Position, Snippet, TableError, ValueError};
use super::forms::fold_width;
use super::{Cell, Row};

/// The header row: its names as written (trimmed), up to the last column with a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub position: Position,
    pub names: Vec<String>,
}

/// A field an import reads, and the column names it may be written under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnSpec {
    pub field: &'static str,
    /// Compared ignoring case, spaces, and full-width/half-width forms (`（）`, `：`). The field's own
    /// name is not implied: list it if it is accepted.
    pub aliases: &'static [&'static str],
    pub required: bool,
}

/// How a header's columns map to fields.
#[derive(Debug, Clone)]
pub struct Columns {
    position: Position,
    names: Vec<String>,
    /// For each field found, its column index.
    fields: Vec<(&'static str, usize)>,
    unknown: Vec<String>,
}

/// The form of a name that matching compares: folded to half-width, no whitespace, lower case.
pub fn normalize_name(name: &str) -> String {
    fold_width(name).chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

impl Columns {
    /// Maps each header name to the first spec with a matching alias. Names matching no spec are listed
    /// by [`Columns::unknown`]; a required spec without a column, or two columns for one field, is an error.
    pub fn map(header: &Header, specs: &[ColumnSpec]) -> Result<Columns, TableError> {
        let aliases: Vec<Vec<String>> =
            specs.iter().map(|spec| spec.aliases.iter().map(|a| normalize_name(a)).collect()).collect();
        let mut found: Vec<Vec<usize>> = vec![Vec::new(); specs.len()];
        let mut unknown = Vec::new();
        for (index, name) in header.names.iter().enumerate() {
            let normal = normalize_name(name);
            if normal.is_empty() {
                continue;
            }
            match aliases.iter().position(|a| a.contains(&normal)) {
                Some(spec) => found[spec].push(index),
                None => unknown.push(name.clone()),
            }
        }
        if let Some((spec, columns)) = specs.iter().zip(&found).find(|(_, columns)| columns.len() > 1) {
            return Err(TableError::DuplicateColumn {
                position: header.position.clone(),
                field: spec.field,
                columns: columns.iter().map(|&i| Snippet::new(&header.names[i])).collect(),
            });
        }
        let missing: Vec<Missing> = specs
            .iter()
            .zip(&found)
            .filter(|(spec, columns)| spec.required && columns.is_empty())
            .map(|(spec, _)| Missing { field: spec.field, aliases: spec.aliases })
            .collect();
        if !missing.is_empty() {
            return Err(TableError::MissingColumns {
                position: header.position.clone(),
                missing,
                found: header.names.iter().filter(|n| !n.is_empty()).map(|n| Snippet::new(n)).collect(),
            });
        }
        let fields = specs.iter().zip(&found).filter_map(|(spec, c)| c.first().map(|&i| (spec.field, i))).collect();
        Ok(Columns { position: header.position.clone(), names: header.names.clone(), fields, unknown })
    }

    /// The column index of a field, when the header has it.
    pub fn index(&self, field: &str) -> Option<usize> {
        self.fields.iter().find(|(f, _)| *f == field).map(|&(_, i)| i)
    }

    /// Header names that match no field, as written: a warning for the person importing, not an error.
    pub fn unknown(&self) -> &[String] {
        &self.unknown
    }

    /// Where the header is.
    pub fn position(&self) -> &Position {
        &self.position
    }

    /// A field's cell in `row`, or `None` when the header has no such column or the cell is blank.
    pub fn cell<'r>(&self, row: &'r Row, field: &str) -> Option<&'r Cell> {
        self.index(field).and_then(|i| row.cells.get(i)).filter(|c| !c.is_empty())
    }

    /// The place of a field's cell in `row`, for messages.
    pub fn place(&self, row: &Row, field: &str) -> Place {
        let column = self.index(field).map(|index| Column { index, name: self.names[index].clone() });
        Place { position: row.position.clone(), column }
    }

    /// A problem with a field's cell in `row`, placed.
    pub fn error(&self, row: &Row, field: &str, problem: ValueError) -> TableError {
        TableError::Value { place: self.place(row, field), problem }
    }

    /// Reads an optional field: `None` when absent or blank, else `read`'s value or its error, placed.
    pub fn parse<T>(
        &self,
        row: &Row,
        field: &str,
        read: impl FnOnce(&Cell) -> Result<T, ValueError>,
    ) -> Result<Option<T>, TableError> {
        self.cell(row, field).map(read).transpose().map_err(|problem| self.error(row, field, problem))
    }

    /// Reads a field that must be given: blank (or absent) is [`ValueError::Empty`], placed.
    pub fn require<T>(
        &self,
        row: &Row,
        field: &str,
        read: impl FnOnce(&Cell) -> Result<T, ValueError>,
    ) -> Result<T, TableError> {
        self.parse(row, field, read)?.ok_or_else(|| self.error(row, field, ValueError::Empty))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tabular::forms::parse_number;

    const SPECS: &[ColumnSpec] = &[
        ColumnSpec {
            field: "section", aliases: &["section", "断面", "断面编码", "断面代码"], required: true
        },
        ColumnSpec { field: "value", aliases: &["value", "检测值（mg/L）", "检测值"], required: true },
        ColumnSpec { field: "sampled_at", aliases: &["sampled at", "采样时间"], required: false },
    ];

    fn header(names: &[&str]) -> Header {
        Header { position: Position::Line(1), names: names.iter().map(|s| s.to_string()).collect() }
    }

    #[test]
    fn names_match_ignoring_case_spaces_and_width() {
        let h = header(&["断面 编码", "检测值(mg/l)", "SampledAt", "备注", ""]);
        let c = Columns::map(&h, SPECS).expect("mapped");
        assert_eq!((c.index("section"), c.index("value"), c.index("sampled_at")), (Some(0), Some(1), Some(2)));
        assert_eq!(c.unknown(), ["备注"]);
        assert!(Columns::map(&header(&["ＳＥＣＴＩＯＮ", "检测值："]), SPECS).is_err(), "检测值： is no alias");
        let c = Columns::map(&header(&["ＳＥＣＴＩＯＮ", "检测值：", "Value"]), SPECS).expect("mapped");
        assert_eq!((c.index("value"), c.index("sampled_at")), (Some(2), None));
        assert_eq!(c.unknown(), ["检测值："]);
    }

    #[test]
    fn missing_required_columns_are_named_with_what_was_found() {
        let e = Columns::map(&header(&["断面", "备注"]), SPECS).expect_err("missing");
        let TableError::MissingColumns { ref missing, ref found, .. } = e else { panic!("{e:?}") };
        assert_eq!(missing.iter().map(|m| m.field).collect::<Vec<_>>(), ["value"]);
        assert_eq!(found.iter().map(Snippet::as_str).collect::<Vec<_>>(), ["断面", "备注"]);
        assert_eq!(
            e.to_string(),
            "header (line 1): missing required column value (written as value / 检测值（mg/L） / 检测值); \
             found \"断面\", \"备注\""
        );
        assert_eq!(
            e.zh(),
            "表头（第 1 行）缺少必需的列：value（列名可为 value、检测值（mg/L）、检测值）；现有列：“断面”、“备注”"
        );
    }

    #[test]
    fn two_columns_for_one_field_are_refused() {
        let e = Columns::map(&header(&["断面", "断面编码", "检测值"]), SPECS).expect_err("duplicate");
        assert!(matches!(e, TableError::DuplicateColumn { field: "section", .. }), "{e:?}");
        assert_eq!(e.to_string(), "header (line 1): columns \"断面\", \"断面编码\" all give section; keep one");
    }

    #[test]
    fn cells_are_read_and_their_errors_placed() {
        let c = Columns::map(&header(&["断面", "检测值"]), SPECS).expect("mapped");
        let row = Row { position: Position::Line(4), cells: vec![Cell::from_text("S1"), Cell::from_text("1.2.3")] };
        assert_eq!(c.cell(&row, "section").map(Cell::as_str), Some("S1"));
        assert!(c.cell(&row, "sampled_at").is_none());
        assert_eq!(c.parse(&row, "sampled_at", |cell| parse_number(cell.as_str())).expect("absent"), None);
        let e = c.require(&row, "value", Cell::number).expect_err("bad number");
        assert_eq!(e.to_string(), "line 4, column \"检测值\": '1.2.3' is not a number");
        let blank = Row { position: Position::Line(5), cells: vec![Cell::from_text("S1"), Cell::from_text("")] };
        let e = c.require(&blank, "value", Cell::number).expect_err("blank");
        assert_eq!(e.zh(), "第 5 行“检测值”列：单元格为空");
    }
}
