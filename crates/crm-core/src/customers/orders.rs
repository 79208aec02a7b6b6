//! Orders as the customer view needs them (历史订单, CUS-4): lines of product, quantity and
//! unit price with exact amounts. The sales module extends them (SAL-8).

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::base_data::DEFAULT_CURRENCY;
use crate::error::{Error, FieldError, Validator, optional_text, required_date};
use crate::money::{self, parse_currency, parse_non_negative};
use crate::patch::Patch;

code_enum! {
    OrderStatus {
        Pending = "pending",
        Confirmed = "confirmed",
        Shipped = "shipped",
        Completed = "completed",
        Cancelled = "cancelled",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OrderLine {
    pub product_id: Option<Uuid>,
    pub description: Option<String>,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String, example = "3")]
    pub quantity: i64,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String, example = "0.10")]
    pub unit_price: i64,
    /// quantity × unit price, rounded half away from zero to 4 decimals.
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String, example = "0.30")]
    pub amount: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Order {
    pub id: Uuid,
    /// From the `order` number sequence.
    pub number: String,
    pub customer_id: Uuid,
    pub customer_name: String,
    /// The contract the order was placed under (SAL-8), if any.
    pub contract_id: Option<Uuid>,
    pub order_date: NaiveDate,
    pub currency: String,
    pub status: OrderStatus,
    pub lines: Vec<OrderLine>,
    /// The sum of the line amounts.
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String, example = "12800.00")]
    pub total: i64,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// A decimal given as a JSON string or number, kept as its text: quantities are often sent
/// as plain numbers, and going through the text keeps them exact.
pub fn decimal_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        String(String),
        Number(serde_json::Number),
    }
    Ok(match Text::deserialize(d)? {
        Text::String(s) => s,
        Text::Number(n) => n.to_string(),
    })
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderLineInput {
    pub product_id: Option<Uuid>,
    /// Defaults to the product's name.
    pub description: Option<String>,
    /// A decimal (string or number); defaults to 1.
    #[serde(default, deserialize_with = "decimal_text")]
    #[schema(value_type = String)]
    pub quantity: String,
    /// A decimal string.
    #[serde(default)]
    pub unit_price: String,
}

/// A line as validated; the description may still be filled in from the product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrderLine {
    pub product_id: Option<Uuid>,
    pub description: Option<String>,
    pub quantity: i64,
    pub unit_price: i64,
    pub amount: i64,
}

impl From<&NewOrderLine> for OrderLine {
    fn from(l: &NewOrderLine) -> Self {
        Self {
            product_id: l.product_id,
            description: l.description.clone(),
            quantity: l.quantity,
            unit_price: l.unit_price,
            amount: l.amount,
        }
    }
}

/// quantity × unit price in stored units, rounded half away from zero (四舍五入) to 4 decimals.
fn line_amount(quantity: i64, unit_price: i64) -> Option<i64> {
    let exact = money::from_units(quantity).checked_mul(money::from_units(unit_price))?;
    money::to_units(exact.round_dp_with_strategy(money::SCALE, RoundingStrategy::MidpointAwayFromZero))
}

const DESCRIPTION_MAX: usize = 200;
const NOTES_MAX: usize = 2000;
const LINES_MAX: usize = 500;

/// The parts every line of goods has, checked: what it is, how many (1 by default), at what
/// price. Orders, quotes and contracts parse their lines through it; errors name the line.
pub(crate) struct LineBasics {
    pub description: Option<String>,
    pub quantity: i64,
    pub unit_price: i64,
}

/// At least one line and at most `LINES_MAX`.
pub(crate) fn check_line_count(v: &mut Validator, count: usize) -> bool {
    if count == 0 {
        v.push(FieldError::new("lines", "required"));
        return false;
    }
    if count > LINES_MAX {
        v.push(FieldError::with_param("lines", "too_many", LINES_MAX));
        return false;
    }
    true
}

pub(crate) fn parse_line_basics(
    v: &mut Validator,
    index: usize,
    product_id: Option<Uuid>,
    description: Option<&str>,
    quantity: &str,
    unit_price: &str,
) -> Option<LineBasics> {
    let field = |name: &str| format!("lines[{index}].{name}");
    let description = v.check(optional_text(&field("description"), description.unwrap_or(""), DESCRIPTION_MAX));
    if product_id.is_none() && description.as_ref().is_some_and(Option::is_none) {
        v.push(FieldError::new(field("description"), "required"));
    }
    let quantity = if quantity.trim().is_empty() {
        Some(10_i64.pow(money::SCALE))
    } else {
        v.check(parse_non_negative(&field("quantity"), quantity))
    };
    let unit_price = if unit_price.trim().is_empty() {
        v.push(FieldError::new(field("unit_price"), "required"));
        None
    } else {
        v.check(parse_non_negative(&field("unit_price"), unit_price))
    };
    Some(LineBasics { description: description?, quantity: quantity?, unit_price: unit_price? })
}

fn parse_lines(v: &mut Validator, lines: Vec<OrderLineInput>) -> Option<(Vec<NewOrderLine>, i64)> {
    if !check_line_count(v, lines.len()) {
        return None;
    }
    let mut parsed = Vec::with_capacity(lines.len());
    let mut total = Some(Decimal::ZERO);
    for (i, line) in lines.into_iter().enumerate() {
        let basics =
            parse_line_basics(v, i, line.product_id, line.description.as_deref(), &line.quantity, &line.unit_price);
        let Some(LineBasics { description, quantity, unit_price }) = basics else {
            continue;
        };
        let Some(amount) = line_amount(quantity, unit_price) else {
            v.push(FieldError::new(format!("lines[{i}].quantity"), "out_of_range"));
            continue;
        };
        total = total.and_then(|t| t.checked_add(Decimal::from(amount)));
        parsed.push(NewOrderLine { product_id: line.product_id, description, quantity, unit_price, amount });
    }
    match total.and_then(|t| i64::try_from(t).ok()) {
        Some(total) => Some((parsed, total)),
        None => {
            v.push(FieldError::new("lines", "out_of_range"));
            None
        }
    }
}

/// Raw input for a new order.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderInput {
    pub customer_id: Option<Uuid>,
    /// A contract of the same customer the order is placed under.
    pub contract_id: Option<Uuid>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub order_date: String,
    /// Defaults to `CNY`.
    pub currency: Option<String>,
    /// `pending` (default), `confirmed`, `shipped`, `completed`, `cancelled`.
    pub status: Option<String>,
    #[serde(default)]
    pub lines: Vec<OrderLineInput>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub customer_id: Uuid,
    pub contract_id: Option<Uuid>,
    pub order_date: NaiveDate,
    pub currency: String,
    pub status: OrderStatus,
    pub lines: Vec<NewOrderLine>,
    pub total: i64,
    pub notes: Option<String>,
}

impl NewOrder {
    pub fn parse(input: OrderInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let customer_id = v.check(input.customer_id.ok_or_else(|| FieldError::new("customer_id", "required")));
        let order_date = v.check(required_date("order_date", &input.order_date));
        let currency = v.check(parse_currency(input.currency.as_deref().unwrap_or(DEFAULT_CURRENCY)));
        let status = v
            .check(OrderStatus::parse_optional("status", input.status.as_deref().unwrap_or("")))
            .map(|s| s.unwrap_or(OrderStatus::Pending));
        let lines = parse_lines(&mut v, input.lines);
        let notes = v.check(optional_text("notes", input.notes.as_deref().unwrap_or(""), NOTES_MAX));
        v.finish()?;
        let invalid = || Error::invalid("order", "invalid");
        let (lines, total) = lines.ok_or_else(invalid)?;
        Ok(Self {
            customer_id: customer_id.ok_or_else(invalid)?,
            contract_id: input.contract_id,
            order_date: order_date.ok_or_else(invalid)?,
            currency: currency.ok_or_else(invalid)?,
            status: status.ok_or_else(invalid)?,
            lines,
            total,
            notes: notes.ok_or_else(invalid)?,
        })
    }
}

/// Raw input for an order update; `lines`, when given, replace all lines.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderPatchInput {
    pub order_date: Option<String>,
    pub currency: Option<String>,
    pub status: Option<String>,
    pub lines: Option<Vec<OrderLineInput>>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub notes: Patch<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderPatch {
    pub order_date: Option<NaiveDate>,
    pub currency: Option<String>,
    pub status: Option<OrderStatus>,
    pub lines: Option<(Vec<NewOrderLine>, i64)>,
    pub notes: Patch<String>,
}

impl OrderPatch {
    pub fn parse(input: OrderPatchInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let patch = Self {
            order_date: input.order_date.and_then(|d| v.check(required_date("order_date", &d))),
            currency: input.currency.and_then(|c| v.check(parse_currency(&c))),
            status: input.status.and_then(|s| v.check(OrderStatus::parse("status", &s))),
            lines: input.lines.and_then(|l| parse_lines(&mut v, l)),
            notes: v.patch(input.notes, |n| optional_text("notes", n, NOTES_MAX)),
        };
        v.finish()?;
        Ok(patch)
    }

    pub fn apply(&self, o: &Order, at: DateTime<Utc>) -> Order {
        let (lines, total) = match &self.lines {
            Some((lines, total)) => (lines.iter().map(OrderLine::from).collect(), *total),
            None => (o.lines.clone(), o.total),
        };
        Order {
            order_date: self.order_date.unwrap_or(o.order_date),
            currency: self.currency.clone().unwrap_or_else(|| o.currency.clone()),
            status: self.status.unwrap_or(o.status),
            lines,
            total,
            notes: self.notes.clone().apply(o.notes.clone()),
            updated_at: at,
            version: o.version + 1,
            ..o.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(quantity: &str, unit_price: &str) -> OrderLineInput {
        OrderLineInput {
            description: Some("服务".into()),
            quantity: quantity.into(),
            unit_price: unit_price.into(),
            ..Default::default()
        }
    }

    fn order(lines: Vec<OrderLineInput>) -> Result<NewOrder, Error> {
        NewOrder::parse(OrderInput {
            customer_id: Some(Uuid::now_v7()),
            order_date: "2026-03-01".into(),
            lines,
            ..Default::default()
        })
    }

    #[test]
    fn three_at_ten_cents_is_exactly_thirty_cents() {
        let o = order(vec![line("3", "0.10")]).unwrap();
        assert_eq!(money::format_units(o.total), "0.30");
        assert_eq!((o.currency.as_str(), o.status), ("CNY", OrderStatus::Pending));
    }

    #[test]
    fn large_amounts_and_fractions_stay_exact_and_round_half_away_from_zero() {
        let o = order(vec![line("1000", "99999999.9999"), line("0.3333", "0.0015")]).unwrap();
        assert_eq!(money::format_units(o.lines[0].amount), "99999999999.90");
        // 0.3333 × 0.0015 = 0.00049995 → 0.0005
        assert_eq!(money::format_units(o.lines[1].amount), "0.0005");
        assert_eq!(money::format_units(o.total), "99999999999.9005");
    }

    #[test]
    fn amounts_beyond_the_stored_range_are_an_error_not_an_overflow() {
        let Err(Error::Invalid(errs)) = order(vec![line("99999999", "99999999")]) else { panic!("invalid") };
        assert_eq!(errs[0].field, "lines[0].quantity");
    }

    #[test]
    fn each_bad_line_names_its_position() {
        let Err(Error::Invalid(errs)) = order(vec![line("1", "1"), line("-1", "abc"), OrderLineInput::default()])
        else {
            panic!("invalid")
        };
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["lines[1].quantity", "lines[1].unit_price", "lines[2].description", "lines[2].unit_price"]);
        let Err(Error::Invalid(errs)) = order(vec![]) else { panic!("invalid") };
        assert_eq!(errs[0].field, "lines");
    }

    #[test]
    fn quantities_may_be_json_numbers() {
        let l: OrderLineInput = serde_json::from_str(r#"{"quantity": 2.5, "unit_price": "4"}"#).unwrap();
        assert_eq!(l.quantity, "2.5");
    }
}
