//! Exact money: an amount in 1/10,000 units of a currency, stored as an integer.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize, Serializer};

use crate::error::FieldError;

/// Money scale in the database: amounts are stored as integer ten-thousandths.
pub const SCALE: u32 = 4;

/// Parses a decimal string (`"12800.00"`) into stored units, refusing more than 4 decimals.
pub fn parse_amount(field: &str, text: &str) -> Result<i64, FieldError> {
    let d: Decimal = text.trim().parse().map_err(|_| FieldError::new(field, "not_a_number"))?;
    to_units(d).ok_or_else(|| FieldError::new(field, "out_of_range"))
}

pub fn to_units(d: Decimal) -> Option<i64> {
    if d.scale() > SCALE && d.normalize().scale() > SCALE {
        return None;
    }
    let scaled = d.checked_mul(Decimal::from(10_i64.pow(SCALE)))?;
    i64::try_from(scaled.normalize()).ok()
}

pub fn from_units(units: i64) -> Decimal {
    Decimal::new(units, SCALE)
}

/// Formats stored units with two decimals (more only when the amount has them).
pub fn format_units(units: i64) -> String {
    let d = from_units(units).normalize();
    if d.scale() < 2 { format!("{:.2}", d) } else { d.to_string() }
}

/// An amount with its currency, as the API shows it: `{"amount": "12800.00", "currency": "CNY"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Money {
    pub amount: String,
    pub currency: String,
}

// The API shows stored units as exact decimal strings, never floating point.

/// `#[serde(serialize_with)]` for an amount in units: `128000000` → `"12800.00"`.
pub fn serialize<S: Serializer>(units: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_units(*units))
}

pub fn serialize_option<S: Serializer>(units: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match units {
        Some(u) => serialize(u, s),
        None => s.serialize_none(),
    }
}

/// A decimal string that may not be below zero (prices, costs, stock).
pub fn parse_non_negative(field: &str, text: &str) -> Result<i64, FieldError> {
    let units = parse_amount(field, text)?;
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
    fn three_times_ten_cents_is_exactly_thirty_cents() {
        let ten = parse_amount("price", "0.10").unwrap();
        assert_eq!(format_units(ten * 3), "0.30");
    }

    #[test]
    fn amounts_keep_up_to_four_decimals_and_refuse_more() {
        assert_eq!(parse_amount("price", "12800").unwrap(), 128_000_000);
        assert_eq!(format_units(128_000_000), "12800.00");
        assert_eq!(format_units(12_345), "1.2345");
        assert_eq!(parse_amount("price", "1.23456").unwrap_err().code, "out_of_range");
        assert_eq!(parse_amount("price", "abc").unwrap_err().code, "not_a_number");
        assert_eq!(parse_amount("price", "1.50000").unwrap(), 15_000);
    }

    #[test]
    fn large_amounts_stay_exact() {
        let big = parse_amount("amount", "99999999999.9999").unwrap();
        assert_eq!(format_units(big), "99999999999.9999");
    }

    #[test]
    fn negative_amounts_and_odd_currencies_are_refused() {
        assert_eq!(parse_non_negative("price", "-0.01").unwrap_err().code, "negative");
        assert_eq!(parse_non_negative("price", "0.10").unwrap(), 1_000);
        assert_eq!(parse_currency(" usd ").unwrap(), "USD");
        assert_eq!(parse_currency("人民币").unwrap_err().code, "invalid_currency");
        assert_eq!(parse_currency("EURO").unwrap_err().code, "invalid_currency");
    }
}
