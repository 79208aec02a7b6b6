//! Which column of a file holds which field of a record kind: found by the API field name,
//! the Chinese label or the English label, or given explicitly (the UI's mapping step, the
//! command line's `--map HEADER=FIELD`).

use crm_core::FieldError;

use super::read::Row;

/// An importable field of a record kind.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The API field name (`price`).
    pub name: &'static str,
    /// Chinese column labels; the first is the one the UI shows (`单价`).
    pub zh: &'static [&'static str],
    pub en: &'static str,
    pub required: bool,
}

/// The column of each field, and the columns that no field takes.
#[derive(Debug, Clone)]
pub struct Mapping {
    fields: &'static [Field],
    /// Per field, in `fields` order.
    columns: Vec<Option<usize>>,
    /// Columns left out of the import, as (column index, header).
    pub ignored: Vec<(usize, String)>,
}

/// How a header is compared: without surrounding blanks, a byte order mark, or the `*` that
/// templates put on required columns; case and `_`/space/`-` do not matter for Latin letters.
fn normalize(header: &str) -> String {
    let h = header.trim().trim_start_matches('\u{feff}').trim().trim_end_matches(['*', '＊']).trim();
    h.chars()
        .map(|c| match c {
            ' ' | '-' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

fn matches(field: &Field, header: &str) -> bool {
    let h = normalize(header);
    !h.is_empty() && (h == field.name || h == normalize(field.en) || field.zh.iter().any(|label| h == normalize(label)))
}

/// Column letters as a spreadsheet shows them: 0 → A, 26 → AA.
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + u8::try_from(rem).unwrap_or(0)));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

impl Mapping {
    /// Maps `headers` to `fields`: first the `explicit` pairs (header → field name; a field of
    /// `-` or nothing leaves the column out), then every other header by name or label.
    /// Refused when a required field has no column or two columns claim one field.
    pub fn new(
        fields: &'static [Field],
        headers: &[String],
        explicit: &[(String, String)],
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut taken: Vec<Option<usize>> = vec![None; headers.len()];
        let mut decided = vec![false; headers.len()];
        for (header, target) in explicit {
            let Some(column) = headers.iter().position(|h| h.trim() == header.trim()) else {
                errors.push(FieldError::with_param(header.trim(), "no_such_column", header.trim()));
                continue;
            };
            decided[column] = true;
            let target = target.trim();
            if target.is_empty() || target == "-" {
                continue;
            }
            match fields.iter().position(|f| f.name == target || matches(f, target)) {
                Some(field) => taken[column] = Some(field),
                None => {
                    let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
                    errors.push(FieldError::with_param(header.trim(), "no_such_field", names.join(", ")));
                }
            }
        }
        for (column, header) in headers.iter().enumerate() {
            if !decided[column] {
                taken[column] = fields.iter().position(|f| matches(f, header));
            }
        }
        let mut columns = vec![None; fields.len()];
        for (index, field) in fields.iter().enumerate() {
            let claimed: Vec<usize> = (0..headers.len()).filter(|c| taken[*c] == Some(index)).collect();
            match claimed.as_slice() {
                [] if field.required => {
                    errors.push(FieldError::with_param(field.name, "missing_column", field.zh.first().unwrap_or(&"")))
                }
                [] => {}
                [only] => columns[index] = Some(*only),
                several => {
                    let names: Vec<String> = several.iter().map(|c| headers[*c].trim().to_string()).collect();
                    errors.push(FieldError::with_param(field.name, "duplicate_column", names.join(", ")));
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let ignored = taken
            .iter()
            .enumerate()
            .filter(|(_, field)| field.is_none())
            .map(|(column, _)| (column, headers[column].trim().to_string()))
            .collect();
        Ok(Self { fields, columns, ignored })
    }

    /// The column holding a field, if the file has one.
    pub fn column_of(&self, field: &str) -> Option<usize> {
        let index = self.fields.iter().position(|f| f.name == field)?;
        self.columns.get(index).copied().flatten()
    }

    pub fn record<'a>(&'a self, row: &'a Row) -> Record<'a> {
        Record { mapping: self, row }
    }
}

/// One row read through a mapping: cells by field name.
pub struct Record<'a> {
    mapping: &'a Mapping,
    row: &'a Row,
}

impl Record<'_> {
    pub fn number(&self) -> usize {
        self.row.number
    }

    /// The cell of a field, as written; blank when the file has no column for it.
    pub fn text(&self, field: &str) -> String {
        self.mapping.column_of(field).map_or_else(String::new, |c| self.row.cell(c).to_string())
    }

    /// The cell of a field, or `None` when blank or absent (so the domain's default applies).
    pub fn optional(&self, field: &str) -> Option<String> {
        Some(self.text(field)).filter(|t| !t.trim().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[Field] = &[
        Field { name: "name", zh: &["产品名称", "名称"], en: "Product name", required: true },
        Field { name: "price", zh: &["单价"], en: "Price", required: false },
        Field { name: "model", zh: &["型号"], en: "Model", required: false },
    ];

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    fn codes(errors: &[FieldError]) -> Vec<(&str, &str)> {
        errors.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect()
    }

    #[test]
    fn headers_match_api_names_chinese_or_english_labels() {
        let m = Mapping::new(FIELDS, &headers(&[" 产品名称* ", "PRICE", "颜色", "Model"]), &[]).unwrap();
        assert_eq!((m.column_of("name"), m.column_of("price"), m.column_of("model")), (Some(0), Some(1), Some(3)));
        assert_eq!(m.ignored, [(2, "颜色".to_string())]);
        let m = Mapping::new(FIELDS, &headers(&["product name"]), &[]).unwrap();
        assert_eq!(m.column_of("name"), Some(0));
    }

    #[test]
    fn a_missing_required_column_and_a_field_claimed_twice_are_refused() {
        let errors = Mapping::new(FIELDS, &headers(&["单价", "price"]), &[]).unwrap_err();
        assert_eq!(codes(&errors), [("name", "missing_column"), ("price", "duplicate_column")]);
        assert_eq!(errors[1].param.as_deref(), Some("单价, price"));
    }

    #[test]
    fn an_explicit_mapping_wins_and_can_leave_a_column_out() {
        let pairs = [("品名".to_string(), "name".to_string()), ("单价".to_string(), "-".to_string())];
        let m = Mapping::new(FIELDS, &headers(&["品名", "单价"]), &pairs).unwrap();
        assert_eq!((m.column_of("name"), m.column_of("price")), (Some(0), None));
        assert_eq!(m.ignored, [(1, "单价".to_string())]);
        let bad = [("品名".to_string(), "colour".to_string()), ("无".to_string(), "name".to_string())];
        let errors = Mapping::new(FIELDS, &headers(&["品名"]), &bad).unwrap_err();
        assert_eq!(codes(&errors), [("品名", "no_such_field"), ("无", "no_such_column"), ("name", "missing_column")]);
    }

    #[test]
    fn a_record_reads_cells_by_field() {
        let m = Mapping::new(FIELDS, &headers(&["名称", "单价"]), &[]).unwrap();
        let row = Row { number: 2, cells: vec!["服务器".into(), "  ".into()] };
        let r = m.record(&row);
        assert_eq!((r.text("name"), r.optional("price"), r.optional("model")), ("服务器".into(), None, None));
    }

    #[test]
    fn columns_are_lettered_like_a_spreadsheet() {
        assert_eq!([0, 25, 26, 701].map(column_letter), ["A", "Z", "AA", "ZZ"]);
    }
}
