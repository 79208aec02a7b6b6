//! Number sequences (编码规则, BAS-3): human record numbers such as `KH202611230001`, made of
//! a prefix, the date and a counter that restarts whenever the formatted date changes.

use std::fmt::Write;

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{Error, FieldError, Validator};

/// The numbered record types and their shipped prefixes.
pub const DEFAULT_PREFIXES: [(&str, &str); 6] = [
    ("customer", "KH"),
    ("opportunity", "JH"),
    ("service_request", "FW"),
    ("quote", "BJ"),
    ("contract", "HT"),
    ("order", "DD"),
];
pub const DEFAULT_DATE_FORMAT: &str = "%Y%m%d";
pub const DEFAULT_WIDTH: i64 = 4;

const PREFIX_MAX: usize = 10;
const WIDTH_RANGE: std::ops::RangeInclusive<i64> = 1..=10;

/// The numbering rule of one record type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct NumberSequence {
    pub id: Uuid,
    /// The record type: `customer`, `opportunity`, `service_request`, `quote`, `contract`, `order`.
    pub kind: String,
    pub prefix: String,
    /// strftime-style: a year (`%Y` or `%y`), optionally month (`%m`) and day (`%d`), with `-` `/` `.` `_` between.
    pub date_format: String,
    /// Minimum digits of the counter, zero-padded.
    pub width: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl NumberSequence {
    /// The formatted date a counter runs in, e.g. `20261123`.
    pub fn period(&self, date: NaiveDate) -> Result<String, FieldError> {
        let items: Vec<Item> = StrftimeItems::new(&self.date_format).collect();
        let mut out = String::new();
        // A format outside what `parse_date_format` admits (edited behind the product's back)
        // must not panic the caller, so formatting goes through `write!`.
        write!(out, "{}", date.format_with_items(items.iter()))
            .map_err(|_| FieldError::new("date_format", "invalid_date_format"))?;
        Ok(out)
    }

    /// The number for a counter value in a period: `KH` + `20261123` + `0001`.
    pub fn number(&self, period: &str, counter: i64) -> String {
        let width = usize::try_from(self.width).unwrap_or(1);
        format!("{}{}{:0width$}", self.prefix, period, counter)
    }
}

/// Prefixes appear in numbers people type and in URLs: ASCII letters, digits, `-`, `_`.
pub fn parse_prefix(value: &str) -> Result<String, FieldError> {
    let v = value.trim();
    if v.chars().count() > PREFIX_MAX {
        return Err(FieldError::with_param("prefix", "too_long", PREFIX_MAX));
    }
    if v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        Ok(v.to_string())
    } else {
        Err(FieldError::new("prefix", "invalid_prefix"))
    }
}

/// Only year, year-month and year-month-day formats are accepted: the counter restarts when
/// the formatted date changes, so a format that repeats over time (`%m` alone, `%Y%d`)
/// would hand out the same number twice. Empty means one counter forever.
pub fn parse_date_format(value: &str) -> Result<String, FieldError> {
    let v = value.trim();
    let invalid = || FieldError::new("date_format", "invalid_date_format");
    let mut specifiers = Vec::new();
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' => specifiers.push(chars.next().ok_or_else(invalid)?),
            '-' | '/' | '.' | '_' => {}
            _ => return Err(invalid()),
        }
    }
    match specifiers.as_slice() {
        [] | ['Y' | 'y'] | ['Y' | 'y', 'm'] | ['Y' | 'y', 'm', 'd'] => Ok(v.to_string()),
        _ => Err(invalid()),
    }
}

pub fn parse_width(value: i64) -> Result<i64, FieldError> {
    if WIDTH_RANGE.contains(&value) {
        Ok(value)
    } else {
        Err(FieldError::with_param("width", "out_of_range", format!("{}-{}", WIDTH_RANGE.start(), WIDTH_RANGE.end())))
    }
}

/// Raw input for a change of a numbering rule.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NumberSequencePatchInput {
    pub prefix: Option<String>,
    pub date_format: Option<String>,
    pub width: Option<i64>,
}

/// A change of a numbering rule; it applies from the next number taken.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NumberSequencePatch {
    pub prefix: Option<String>,
    pub date_format: Option<String>,
    pub width: Option<i64>,
}

impl NumberSequencePatch {
    pub fn parse(input: NumberSequencePatchInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let prefix = input.prefix.and_then(|p| v.check(parse_prefix(&p)));
        let date_format = input.date_format.and_then(|f| v.check(parse_date_format(&f)));
        let width = input.width.and_then(|w| v.check(parse_width(w)));
        v.finish()?;
        Ok(Self { prefix, date_format, width })
    }

    pub fn apply(&self, sequence: &NumberSequence, at: DateTime<Utc>) -> NumberSequence {
        NumberSequence {
            prefix: self.prefix.clone().unwrap_or_else(|| sequence.prefix.clone()),
            date_format: self.date_format.clone().unwrap_or_else(|| sequence.date_format.clone()),
            width: self.width.unwrap_or(sequence.width),
            updated_at: at,
            version: sequence.version + 1,
            ..sequence.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customers() -> NumberSequence {
        let now = Utc::now();
        NumberSequence {
            id: Uuid::now_v7(),
            kind: "customer".into(),
            prefix: "KH".into(),
            date_format: DEFAULT_DATE_FORMAT.into(),
            width: DEFAULT_WIDTH,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    #[test]
    fn a_customer_number_is_prefix_date_and_a_four_digit_counter() {
        let seq = customers();
        let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let period = seq.period(day).unwrap();
        assert_eq!(seq.number(&period, 1), "KH202611230001");
        assert_eq!(seq.number(&period, 12345), "KH2026112312345");
    }

    #[test]
    fn only_formats_that_never_repeat_are_accepted() {
        for ok in ["", "%Y", "%y%m", "%Y-%m-%d", "%Y/%m"] {
            assert!(parse_date_format(ok).is_ok(), "{ok}");
        }
        for bad in ["%m", "%Y%d", "%d%m%Y", "%H", "%Y年", "%", "%Y%m%d%H"] {
            assert_eq!(parse_date_format(bad).unwrap_err().code, "invalid_date_format", "{bad}");
        }
    }

    #[test]
    fn a_patch_reports_every_bad_field() {
        let input =
            NumberSequencePatchInput { prefix: Some("客户".into()), date_format: Some("%m".into()), width: Some(0) };
        let Err(Error::Invalid(errs)) = NumberSequencePatch::parse(input) else { panic!("expected invalid") };
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["prefix", "date_format", "width"]);
    }

    #[test]
    fn a_tampered_format_is_an_error_not_a_panic() {
        let seq = NumberSequence { date_format: "%Y%H".into(), ..customers() };
        assert!(seq.period(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()).is_err());
    }
}
