//! Priced lines of quotes and contracts (SAL-7, SAL-10): quantity × unit price, less a
//! discount, plus tax, computed exactly.
//!
//! Rounding rule: each line is rounded on its own, to the currency's minor unit (2 decimals;
//! 0 for currencies without one, such as JPY), half away from zero (四舍五入), in this order:
//! subtotal = quantity × unit price; discount = subtotal × discount %; tax = (subtotal −
//! discount) × tax rate %; total = subtotal − discount + tax. The quote's figures are the sums
//! of its lines', so they always add up on the printed page.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::customers::{LineBasics, check_line_count, decimal_text, parse_line_basics};
use crate::error::{FieldError, Validator};
use crate::money::{self, parse_non_negative};

/// Currencies whose minor unit is the whole unit (ISO 4217 exponent 0).
const NO_MINOR_UNIT: [&str; 6] = ["JPY", "KRW", "VND", "CLP", "ISK", "UGX"];

/// Decimals of the currency's minor unit: 2, or 0 for yen, won and the like.
pub fn minor_digits(currency: &str) -> u32 {
    if NO_MINOR_UNIT.contains(&currency) { 0 } else { 2 }
}

/// Rates are percentages with up to 4 decimals; 100% is the largest discount.
const HUNDRED: i64 = 100 * 10_000;

/// A line as stored and shown: its inputs, then its computed amounts (all in 1/10,000 units).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PriceLine {
    pub product_id: Option<Uuid>,
    pub description: Option<String>,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String, example = "3")]
    pub quantity: i64,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String, example = "0.10")]
    pub unit_price: i64,
    /// Discount in percent.
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String, example = "5.00")]
    pub discount: i64,
    /// Tax rate in percent.
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String, example = "13.00")]
    pub tax_rate: i64,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub subtotal: i64,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub discount_amount: i64,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub tax: i64,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub total: i64,
}

/// The sums of the lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub subtotal: i64,
    pub discount: i64,
    pub tax: i64,
    pub total: i64,
}

impl Totals {
    pub fn of(lines: &[PriceLine]) -> Option<Self> {
        lines.iter().try_fold(Totals::default(), |t, l| {
            Some(Totals {
                subtotal: t.subtotal.checked_add(l.subtotal)?,
                discount: t.discount.checked_add(l.discount_amount)?,
                tax: t.tax.checked_add(l.tax)?,
                total: t.total.checked_add(l.total)?,
            })
        })
    }
}

fn round(d: Decimal, digits: u32) -> Decimal {
    d.round_dp_with_strategy(digits, RoundingStrategy::MidpointAwayFromZero)
}

impl PriceLine {
    /// Computes the amounts of a line; `None` when they leave the stored range.
    pub fn compute(
        product_id: Option<Uuid>,
        description: Option<String>,
        quantity: i64,
        unit_price: i64,
        discount: i64,
        tax_rate: i64,
        digits: u32,
    ) -> Option<Self> {
        let percent = |units: i64| money::from_units(units) / Decimal::ONE_HUNDRED;
        let subtotal = round(money::from_units(quantity).checked_mul(money::from_units(unit_price))?, digits);
        let discount_amount = round(subtotal.checked_mul(percent(discount))?, digits);
        let net = subtotal - discount_amount;
        let tax = round(net.checked_mul(percent(tax_rate))?, digits);
        Some(Self {
            product_id,
            description,
            quantity,
            unit_price,
            discount,
            tax_rate,
            subtotal: money::to_units(subtotal)?,
            discount_amount: money::to_units(discount_amount)?,
            tax: money::to_units(tax)?,
            total: money::to_units(net.checked_add(tax)?)?,
        })
    }

    /// The same line priced in a currency with another minor unit.
    pub fn repriced(&self, digits: u32) -> Option<Self> {
        Self::compute(
            self.product_id,
            self.description.clone(),
            self.quantity,
            self.unit_price,
            self.discount,
            self.tax_rate,
            digits,
        )
    }
}

/// A line as sent: decimals as strings (or JSON numbers for the quantity).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceLineInput {
    pub product_id: Option<Uuid>,
    /// Defaults to the product's name.
    pub description: Option<String>,
    /// A decimal; defaults to 1.
    #[serde(default, deserialize_with = "decimal_text")]
    #[schema(value_type = String)]
    pub quantity: String,
    #[serde(default, deserialize_with = "decimal_text")]
    #[schema(value_type = String)]
    pub unit_price: String,
    /// Percent, 0–100; defaults to 0.
    #[serde(default, deserialize_with = "decimal_text")]
    #[schema(value_type = String)]
    pub discount: String,
    /// Percent; defaults to 0.
    #[serde(default, deserialize_with = "decimal_text")]
    #[schema(value_type = String)]
    pub tax_rate: String,
}

fn rate(field: &str, text: &str, max: Option<i64>) -> Result<i64, FieldError> {
    if text.trim().is_empty() {
        return Ok(0);
    }
    let units = parse_non_negative(field, text.trim().trim_end_matches('%'))?;
    match max {
        Some(max) if units > max => Err(FieldError::with_param(field, "above_maximum", "100")),
        _ => Ok(units),
    }
}

/// Parses and prices the lines, each error naming its line (`lines[2].discount`).
pub fn parse_lines(v: &mut Validator, currency: &str, lines: Vec<PriceLineInput>) -> Option<(Vec<PriceLine>, Totals)> {
    if !check_line_count(v, lines.len()) {
        return None;
    }
    let digits = minor_digits(currency);
    let mut parsed = Vec::with_capacity(lines.len());
    let mut complete = true;
    for (i, line) in lines.into_iter().enumerate() {
        let field = |name: &str| format!("lines[{i}].{name}");
        let basics =
            parse_line_basics(v, i, line.product_id, line.description.as_deref(), &line.quantity, &line.unit_price);
        let discount = v.check(rate(&field("discount"), &line.discount, Some(HUNDRED)));
        let tax_rate = v.check(rate(&field("tax_rate"), &line.tax_rate, Some(HUNDRED)));
        let (Some(LineBasics { description, quantity, unit_price }), Some(discount), Some(tax_rate)) =
            (basics, discount, tax_rate)
        else {
            complete = false;
            continue;
        };
        match PriceLine::compute(line.product_id, description, quantity, unit_price, discount, tax_rate, digits) {
            Some(priced) => parsed.push(priced),
            None => {
                v.push(FieldError::new(field("quantity"), "out_of_range"));
                complete = false;
            }
        }
    }
    if !complete {
        return None;
    }
    match Totals::of(&parsed) {
        Some(totals) => Some((parsed, totals)),
        None => {
            v.push(FieldError::new("lines", "out_of_range"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(quantity: &str, unit_price: &str, discount: &str, tax_rate: &str) -> PriceLineInput {
        PriceLineInput {
            description: Some("服务".into()),
            quantity: quantity.into(),
            unit_price: unit_price.into(),
            discount: discount.into(),
            tax_rate: tax_rate.into(),
            ..Default::default()
        }
    }

    fn priced(currency: &str, lines: Vec<PriceLineInput>) -> Result<(Vec<PriceLine>, Totals), Vec<FieldError>> {
        let mut v = Validator::default();
        let out = parse_lines(&mut v, currency, lines);
        match v.finish() {
            Ok(()) => Ok(out.unwrap()),
            Err(crate::Error::Invalid(errors)) => Err(errors),
            Err(other) => panic!("{other}"),
        }
    }

    #[test]
    fn three_at_ten_cents_is_exactly_thirty_cents() {
        let (_, t) = priced("CNY", vec![line("3", "0.10", "", "")]).unwrap();
        assert_eq!(money::format_units(t.total), "0.30");
    }

    #[test]
    fn discount_and_tax_round_per_line_half_away_from_zero() {
        // 10.00 less 33.3333% = 3.333333 → 3.33; tax 13% of 6.67 = 0.8671 → 0.87.
        let (lines, t) = priced("CNY", vec![line("1", "10", "33.3333", "13")]).unwrap();
        let l = &lines[0];
        let shown: Vec<_> = [l.subtotal, l.discount_amount, l.tax, l.total].map(money::format_units).into();
        assert_eq!(shown, ["10.00", "3.33", "0.87", "7.54"]);
        // Half a cent rounds up: 50% of 0.25 = 0.125 → 0.13.
        let (lines, _) = priced("CNY", vec![line("1", "0.25", "50", "")]).unwrap();
        assert_eq!(money::format_units(lines[0].discount_amount), "0.13");
        assert_eq!(money::format_units(lines[0].total), "0.12");
        assert_eq!(money::format_units(t.total), "7.54");
    }

    #[test]
    fn the_quote_totals_are_the_sums_of_the_rounded_lines() {
        // Three lines of 1/3 × 1.00: each 0.33, so the total is 0.99, as printed.
        let third = || line("0.3333", "1", "", "");
        let (_, t) = priced("CNY", vec![third(), third(), third()]).unwrap();
        assert_eq!(money::format_units(t.subtotal), "0.99");
    }

    #[test]
    fn large_amounts_stay_exact() {
        let (_, t) = priced("CNY", vec![line("1", "999999999999.99", "", ""), line("1", "0.01", "", "")]).unwrap();
        assert_eq!(money::format_units(t.total), "1000000000000.00");
        let err = priced("CNY", vec![line("99999999", "99999999", "", "")]).unwrap_err();
        assert_eq!(err[0].field, "lines[0].quantity");
    }

    #[test]
    fn yen_have_no_minor_unit() {
        let (lines, _) = priced("JPY", vec![line("3", "33.5", "", "")]).unwrap();
        assert_eq!(money::format_units(lines[0].total), "101.00");
    }

    #[test]
    fn rates_are_percentages_up_to_a_hundred_and_bad_lines_name_their_place() {
        let err = priced("CNY", vec![line("1", "1", "101", "-1"), line("x", "", "", "")]).unwrap_err();
        let fields: Vec<_> = err.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert_eq!(
            fields,
            [
                ("lines[0].discount", "above_maximum"),
                ("lines[0].tax_rate", "negative"),
                ("lines[1].quantity", "not_a_number"),
                ("lines[1].unit_price", "required")
            ]
        );
    }
}
