//! Reading a table from CSV (UTF-8 with or without BOM, or GB18030 as older Excel saves it)
//! or from the first sheet of an .xlsx workbook, as text cells with spreadsheet row numbers.

use std::borrow::Cow;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crm_core::FieldError;

/// A table read from a file: the header row and the data rows after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    /// Rows with at least one non-blank cell; blank rows are skipped but still counted.
    pub rows: Vec<Row>,
}

/// One data row; `number` is the row number a spreadsheet shows (the header is usually row 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub number: usize,
    pub cells: Vec<String>,
}

impl Row {
    /// The cell of a column; a short row has blanks at its end.
    pub fn cell(&self, column: usize) -> &str {
        self.cells.get(column).map_or("", String::as_str)
    }
}

/// Problems of a whole file are reported as errors of the field `file`.
fn file_error(code: &str, param: impl ToString) -> FieldError {
    FieldError::with_param("file", code, param)
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads a CSV or .xlsx file, told apart by content (an .xlsx file is a zip archive).
pub fn read(bytes: &[u8]) -> Result<Table, FieldError> {
    if bytes.starts_with(ZIP_MAGIC) { read_xlsx(bytes) } else { read_csv(bytes) }
}

/// Text as UTF-8 when it is valid UTF-8, else GB18030; both decoded strictly, so a file in
/// any other encoding is refused instead of imported as mojibake.
pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, FieldError> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(FieldError::new("file", "utf16_file"));
    }
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return std::str::from_utf8(rest)
            .map(Cow::Borrowed)
            .map_err(|e| file_error("invalid_utf8", e.valid_up_to() + UTF8_BOM.len()));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Cow::Borrowed(text)),
        Err(e) => encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .ok_or_else(|| file_error("unknown_encoding", e.valid_up_to())),
    }
}

/// Comma, unless the header line has none but has tabs or semicolons (Excel's "Unicode text"
/// and some European locales).
fn delimiter(text: &str) -> u8 {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or_default();
    let count = |c: char| first.chars().filter(|x| *x == c).count();
    if count(',') > 0 {
        b','
    } else if count('\t') > 0 {
        b'\t'
    } else if count(';') > 0 {
        b';'
    } else {
        b','
    }
}

pub fn read_csv(bytes: &[u8]) -> Result<Table, FieldError> {
    let text = decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(&text))
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    // A spreadsheet shows one row per record (even when a quoted cell spans lines) and one
    // per empty line, which the reader skips: count the line breaks between records.
    let bytes = text.as_bytes();
    let (mut number, mut previous_end) = (0_usize, 0_usize);
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                return Err(file_error("malformed_csv", line));
            }
        }
        let from = record.position().map_or(previous_end, |p| usize::try_from(p.byte()).unwrap_or(previous_end));
        let start =
            from + bytes.get(from..).map_or(0, |rest| rest.iter().take_while(|b| matches!(b, b'\r' | b'\n')).count());
        let blank_lines = bytes.get(previous_end..start).map_or(0, |gap| gap.iter().filter(|b| **b == b'\n').count());
        number += 1 + blank_lines;
        previous_end = usize::try_from(reader.position().byte()).unwrap_or(start);
        rows.push(Row { number, cells: record.iter().map(str::to_string).collect() });
    }
    table(rows)
}

pub fn read_xlsx(bytes: &[u8]) -> Result<Table, FieldError> {
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(|e| file_error("unreadable_xlsx", e.to_string()))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| FieldError::new("file", "no_sheet"))?
        .map_err(|e| file_error("unreadable_xlsx", e.to_string()))?;
    let (first_row, first_column) = range.start().unwrap_or((0, 0));
    let (first_row, first_column) = (first_row as usize, first_column as usize);
    let rows = range
        .rows()
        .enumerate()
        .map(|(i, cells)| Row {
            number: first_row + i + 1,
            cells: std::iter::repeat_n(String::new(), first_column).chain(cells.iter().map(cell_text)).collect(),
        })
        .collect();
    table(rows)
}

/// A cell as the text its user typed: whole numbers without a decimal point, dates as
/// `YYYY-MM-DD`. Numbers come as binary floats; the shortest decimal that reads back as the
/// same float is the one the spreadsheet stored, so amounts keep their exact digits.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.is_finite() => f.to_string(),
        Data::Float(_) => String::new(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => match d.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.format("%Y-%m-%d").to_string(),
            Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => d.as_f64().to_string(),
        },
        Data::Error(e) => e.to_string(),
    }
}

/// The first non-blank row is the header; blank rows after it are dropped.
fn table(rows: Vec<Row>) -> Result<Table, FieldError> {
    let is_blank = |r: &Row| r.cells.iter().all(|c| c.trim().is_empty());
    let mut rows = rows.into_iter().filter(|r| !is_blank(r));
    let header = rows.next().ok_or_else(|| FieldError::new("file", "empty_file"))?;
    let mut headers = header.cells;
    while headers.last().is_some_and(|h| h.trim().is_empty()) {
        headers.pop();
    }
    Ok(Table { headers, rows: rows.collect() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(t: &Table) -> Vec<usize> {
        t.rows.iter().map(|r| r.number).collect()
    }

    #[test]
    fn utf8_with_and_without_bom_and_gb18030_read_the_same() {
        let text = "产品名称,单价\n服务器,12800.00\n";
        let (gbk, _, unmappable) = encoding_rs::GB18030.encode(text);
        assert!(!unmappable);
        let with_bom = [UTF8_BOM, text.as_bytes()].concat();
        let tables = [read(text.as_bytes()), read(&with_bom), read(&gbk)].map(Result::unwrap);
        assert_eq!(tables[0].headers, ["产品名称", "单价"]);
        assert_eq!(tables[0].rows, [Row { number: 2, cells: vec!["服务器".into(), "12800.00".into()] }]);
        assert!(tables.iter().all(|t| *t == tables[0]));
    }

    #[test]
    fn bytes_that_are_neither_utf8_nor_gb18030_are_refused() {
        let e = read(b"name\n\xFF\xFF\xFF\n").unwrap_err();
        assert_eq!((e.field.as_str(), e.code.as_str(), e.param.as_deref()), ("file", "unknown_encoding", Some("5")));
        assert_eq!(read(b"\xFF\xFEn\0a\0").unwrap_err().code, "utf16_file");
        assert_eq!(read(b"\xEF\xBB\xBFname\n\xFF").unwrap_err().code, "invalid_utf8");
        assert_eq!(read(b"").unwrap_err().code, "empty_file");
    }

    #[test]
    fn row_numbers_count_blank_lines_and_multi_line_cells_like_a_spreadsheet() {
        let t = read(b"\nname,notes\na,\"two\nlines\"\n\n,\nb,x\n").unwrap();
        assert_eq!(t.headers, ["name", "notes"]);
        assert_eq!(numbers(&t), [3, 6]);
        assert_eq!(t.rows[0].cell(1), "two\nlines");
        assert_eq!(t.rows[1].cell(7), "");
    }

    #[test]
    fn tabs_or_semicolons_separate_when_the_header_has_no_comma() {
        assert_eq!(read(b"name\tprice\na\t1\n").unwrap().rows[0].cells, ["a", "1"]);
        assert_eq!(read(b"name;price\na;1,5\n").unwrap().rows[0].cells, ["a", "1,5"]);
    }

    #[test]
    fn an_xlsx_sheet_reads_with_its_row_numbers_and_exact_amounts() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(1, 1, "产品名称").unwrap();
        sheet.write_string(1, 2, "单价").unwrap();
        sheet.write_string(1, 3, "日期").unwrap();
        sheet.write_string(2, 1, "服务器").unwrap();
        sheet.write_number(2, 2, 0.1 + 0.2).unwrap();
        sheet.write_string(4, 1, "交换机").unwrap();
        sheet.write_number(4, 2, 12800.5).unwrap();
        sheet.write_number(4, 4, 13800138000.0).unwrap();
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2024, 3, 9).unwrap();
        let format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        sheet.write_datetime_with_format(4, 3, &date, &format).unwrap();
        let bytes = book.save_to_buffer().unwrap();

        let t = read(&bytes).unwrap();
        assert_eq!(t.headers, ["", "产品名称", "单价", "日期"]);
        assert_eq!(numbers(&t), [3, 5]);
        // 0.1 + 0.2 is not 0.3 in binary: it is shown with every digit, and the domain
        // refuses an amount with so many decimals rather than rounding it silently.
        assert_eq!(t.rows[0].cell(2), "0.30000000000000004");
        assert_eq!(t.rows[1].cells, ["", "交换机", "12800.5", "2024-03-09", "13800138000"]);
    }

    #[test]
    fn a_zip_that_is_no_workbook_is_refused() {
        assert_eq!(read(b"PK\x03\x04garbage").unwrap_err().code, "unreadable_xlsx");
    }
}
