//! Writing a table as CSV or .xlsx. Records become rows through their JSON form, so a file
//! has the same field names and values as the API: amounts stay exact decimal text.

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Serialize;

/// The file formats of exports and downloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FileFormat {
    Csv,
    Xlsx,
}

impl FileFormat {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(Self::Csv),
            "xlsx" => Some(Self::Xlsx),
            _ => None,
        }
    }

    /// The format a file name's extension says, if any.
    pub fn of_path(path: &std::path::Path) -> Option<Self> {
        path.extension().and_then(|e| e.to_str()).and_then(Self::parse)
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Int(i64),
    Bool(bool),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Bool(b) => b.to_string(),
        }
    }

    fn from_json(value: Option<&serde_json::Value>) -> Self {
        use serde_json::Value;
        match value {
            None | Some(Value::Null) => Cell::Empty,
            Some(Value::String(s)) => Cell::Text(s.clone()),
            Some(Value::Bool(b)) => Cell::Bool(*b),
            Some(Value::Number(n)) => n.as_i64().map_or_else(|| Cell::Text(n.to_string()), Cell::Int),
            Some(other) => Cell::Text(other.to_string()),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot turn the records into rows: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot write the workbook: {0}")]
    Xlsx(#[from] XlsxError),
    #[error("{0} rows do not fit in one sheet (at most 1,048,575); export as CSV")]
    TooManyRows(usize),
}

/// Excel's last row, less the header.
const XLSX_MAX_ROWS: usize = 1_048_575;
/// Integers beyond 2^53 lose digits as spreadsheet numbers, so they are written as text.
const XLSX_EXACT_INT: i64 = 1 << 53;

impl Sheet {
    /// One column per field (in the order the records have them), one row per record;
    /// nested values as JSON text.
    pub fn of<T: Serialize>(records: &[T]) -> Result<Self, WriteError> {
        let values: Vec<serde_json::Value> = records.iter().map(serde_json::to_value).collect::<Result<_, _>>()?;
        let mut headers: Vec<String> = Vec::new();
        for value in &values {
            if let serde_json::Value::Object(map) = value {
                for key in map.keys() {
                    if !headers.contains(key) {
                        headers.push(key.clone());
                    }
                }
            }
        }
        let rows = values.iter().map(|v| headers.iter().map(|h| Cell::from_json(v.get(h))).collect()).collect();
        Ok(Self { headers, rows })
    }

    /// CSV; `bom` puts a UTF-8 byte order mark first, without which Excel reads Chinese as
    /// the local code page.
    pub fn to_csv(&self, bom: bool) -> Result<Vec<u8>, WriteError> {
        let start = if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() };
        let mut out = csv::Writer::from_writer(start);
        // Without records there are no field names, and an empty record would be written `""`.
        if !self.headers.is_empty() {
            out.write_record(&self.headers)?;
        }
        for row in &self.rows {
            out.write_record(row.iter().map(Cell::text))?;
        }
        out.into_inner().map_err(|e| WriteError::Csv(e.into_error().into()))
    }

    /// A workbook of one sheet: bold header kept in view, columns as wide as their contents.
    pub fn to_xlsx(&self, sheet_name: &str) -> Result<Vec<u8>, WriteError> {
        if self.rows.len() > XLSX_MAX_ROWS {
            return Err(WriteError::TooManyRows(self.rows.len()));
        }
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name)?;
        let bold = Format::new().set_bold();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| display_width(h)).collect();
        for (c, header) in self.headers.iter().enumerate() {
            sheet.write_string_with_format(0, column(c), header, &bold)?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).map_err(|_| WriteError::TooManyRows(self.rows.len()))?;
            for (c, cell) in row.iter().enumerate() {
                let col = column(c);
                match cell {
                    Cell::Empty => {}
                    Cell::Text(s) => {
                        sheet.write_string(r, col, s)?;
                    }
                    Cell::Int(i) if i.abs() <= XLSX_EXACT_INT => {
                        sheet.write_number(r, col, *i as f64)?;
                    }
                    Cell::Int(i) => {
                        sheet.write_string(r, col, i.to_string())?;
                    }
                    Cell::Bool(b) => {
                        sheet.write_boolean(r, col, *b)?;
                    }
                }
                if let Some(w) = widths.get_mut(c) {
                    *w = (*w).max(display_width(&cell.text()));
                }
            }
        }
        for (c, w) in widths.iter().enumerate() {
            let width = (*w).clamp(6, 60) + 2;
            sheet.set_column_width(column(c), u16::try_from(width).unwrap_or(62))?;
        }
        sheet.set_freeze_panes(1, 0)?;
        Ok(book.save_to_buffer()?)
    }

    pub fn to_file(&self, format: FileFormat, sheet_name: &str) -> Result<Vec<u8>, WriteError> {
        match format {
            FileFormat::Csv => self.to_csv(true),
            FileFormat::Xlsx => self.to_xlsx(sheet_name),
        }
    }
}

fn column(index: usize) -> u16 {
    u16::try_from(index).unwrap_or(u16::MAX)
}

/// Characters as a spreadsheet lays them out: CJK and other wide characters take two
/// columns; only the longest line of a cell counts.
fn display_width(text: &str) -> usize {
    text.lines().map(|line| line.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()).max().unwrap_or(0)
}

fn is_wide(c: char) -> bool {
    matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tabular::read;

    #[derive(Serialize)]
    struct Item {
        name: &'static str,
        price: &'static str,
        tags: Vec<&'static str>,
        version: i64,
        enabled: bool,
        notes: Option<&'static str>,
    }

    fn items() -> Vec<Item> {
        vec![
            Item { name: "服务器", price: "12800.00", tags: vec!["a"], version: 1, enabled: true, notes: None },
            Item {
                name: "交换机, 48 口", price: "0.1234", tags: vec![], version: 9, enabled: false, notes: Some("x")
            },
        ]
    }

    #[test]
    fn csv_starts_with_a_bom_when_asked_and_reads_back() {
        let sheet = Sheet::of(&items()).unwrap();
        assert_eq!(sheet.headers, ["name", "price", "tags", "version", "enabled", "notes"]);
        let bytes = sheet.to_csv(true).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBFname,price,"));
        assert!(!sheet.to_csv(false).unwrap().starts_with(b"\xEF"));
        let table = read::read(&bytes).unwrap();
        assert_eq!(table.rows[1].cells, ["交换机, 48 口", "0.1234", "[]", "9", "false", "x"]);
        assert_eq!(table.rows[0].cells[2], "[\"a\"]");
    }

    #[test]
    fn xlsx_keeps_amounts_as_exact_text_and_reads_back_with_calamine() {
        let bytes = Sheet::of(&items()).unwrap().to_xlsx("products").unwrap();
        let table = read::read(&bytes).unwrap();
        assert_eq!(table.headers, ["name", "price", "tags", "version", "enabled", "notes"]);
        assert_eq!(table.rows[0].cells, ["服务器", "12800.00", "[\"a\"]", "1", "true", ""]);
        assert_eq!(table.rows[1].number, 3);

        use calamine::Reader;
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), ["products"]);
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        assert_eq!(range.get_value((1, 1)), Some(&calamine::Data::String("12800.00".into())));
        assert_eq!(range.get_value((2, 3)), Some(&calamine::Data::Float(9.0)));
    }

    #[test]
    fn wide_characters_count_double_for_column_widths() {
        assert_eq!(display_width("服务器"), 6);
        assert_eq!(display_width("ab\nabcd"), 4);
    }

    #[test]
    fn formats_come_from_names_and_extensions() {
        assert_eq!(FileFormat::parse("XLSX"), Some(FileFormat::Xlsx));
        assert_eq!(FileFormat::of_path(std::path::Path::new("out/产品.csv")), Some(FileFormat::Csv));
        assert_eq!(FileFormat::of_path(std::path::Path::new("out")), None);
    }
}
