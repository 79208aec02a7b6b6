//! Prices and quantities as the API shows them: exact decimal strings over the integer
//! 1/10,000 units of `crate::money`, never floating point.

use serde::Serializer;

use crate::error::FieldError;
use crate::money;

/// `#[serde(serialize_with)]` for an amount in units: `128000000` → `"12800.00"`.
pub fn serialize<S: Serializer>(units: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&money::format_units(*units))
}

pub fn serialize_option<S: Serializer>(units: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match units {
        Some(u) => serialize(u, s),
        None => s.serialize_none(),
    }
}

/// A decimal string that may not be below zero (prices, costs, stock).
pub fn parse_non_negative(field: &str, text: &str) -> Result<i64, FieldError> {
    let units = money::parse_amount(field, text)?;
    if units < 0 { Err(FieldError::new(field, "negative")) } else { Ok(units) }
}

/// Like `parse_non_negative`, with a blank value meaning none.
pub fn parse_optional_non_negative(field: &str, text: &str) -> Result<Option<i64>, FieldError> {
    if text.trim().is_empty() { Ok(None) } else { parse_non_negative(field, text).map(Some) }
}

/// A currency code: three ASCII letters, upper-cased (`cny` → `CNY`).
pub fn parse_currency(text: &str) -> Result<String, FieldError> {
    let code = text.trim().to_ascii_uppercase();
    if code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(FieldError::new("currency", "invalid_currency"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_amounts_and_odd_currencies_are_refused() {
        assert_eq!(parse_non_negative("price", "-0.01").unwrap_err().code, "negative");
        assert_eq!(parse_non_negative("price", "0.10").unwrap(), 1_000);
        assert_eq!(parse_currency(" usd ").unwrap(), "USD");
        assert_eq!(parse_currency("人民币").unwrap_err().code, "invalid_currency");
        assert_eq!(parse_currency("EURO").unwrap_err().code, "invalid_currency");
    }
}
