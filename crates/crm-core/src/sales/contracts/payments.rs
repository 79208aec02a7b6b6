//! Payments (回款, SAL-9): a payment plan per contract, receipts applied to it, overdue plan
//! items, and the receivables per customer or owner, one row per currency (SAL-10).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{Error, FieldError, Validator, optional_text, required_date};
use crate::money::{self, parse_currency, parse_non_negative};
use crate::patch::Patch;

const NOTE_MAX: usize = 500;
const METHOD_MAX: usize = 50;
const PLAN_MAX: usize = 120;

/// One instalment of a contract's payment plan, with what was received against it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PlanItem {
    pub id: Uuid,
    pub contract_id: Uuid,
    pub due_on: NaiveDate,
    pub currency: String,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String, example = "6400.00")]
    pub amount: i64,
    pub note: Option<String>,
    /// Payments applied to this item.
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub received: i64,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub outstanding: i64,
    /// Past due and not fully received.
    pub overdue: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanItemInput {
    #[serde(default)]
    pub due_on: String,
    #[serde(default)]
    pub amount: String,
    pub note: Option<String>,
}

/// `POST /contracts/{id}/payment-plan`: instalments to add to the plan.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    #[serde(default)]
    pub items: Vec<PlanItemInput>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPlanItem {
    pub due_on: NaiveDate,
    pub amount: i64,
    pub note: Option<String>,
}

impl NewPlanItem {
    pub fn parse_all(input: PlanInput) -> Result<Vec<Self>, Error> {
        let mut v = Validator::default();
        if input.items.is_empty() {
            v.push(FieldError::new("items", "required"));
        }
        if input.items.len() > PLAN_MAX {
            v.push(FieldError::with_param("items", "too_many", PLAN_MAX));
        }
        let mut items = Vec::new();
        for (i, item) in input.items.into_iter().enumerate() {
            let field = |name: &str| format!("items[{i}].{name}");
            let due_on = v.check(required_date(&field("due_on"), &item.due_on));
            let amount = v.check(positive(&field("amount"), &item.amount));
            let note = v.check(optional_text(&field("note"), item.note.as_deref().unwrap_or(""), NOTE_MAX));
            if let (Some(due_on), Some(amount), Some(note)) = (due_on, amount, note) {
                items.push(NewPlanItem { due_on, amount, note });
            }
        }
        v.finish()?;
        Ok(items)
    }
}

/// An amount that must be more than zero.
fn positive(field: &str, text: &str) -> Result<i64, FieldError> {
    if text.trim().is_empty() {
        return Err(FieldError::new(field, "required"));
    }
    match parse_non_negative(field, text)? {
        0 => Err(FieldError::new(field, "not_positive")),
        units => Ok(units),
    }
}

/// A payment received (回款) under a contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Payment {
    pub id: Uuid,
    pub contract_id: Uuid,
    pub contract_number: String,
    pub customer_id: Uuid,
    pub customer_name: String,
    /// The plan item it pays, if it was applied to one.
    pub plan_item_id: Option<Uuid>,
    pub received_on: NaiveDate,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String, example = "6400.00")]
    pub amount: i64,
    pub currency: String,
    /// How it was paid, e.g. 银行转账.
    pub method: Option<String>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    pub contract_id: Option<Uuid>,
    #[serde(default)]
    pub received_on: String,
    #[serde(default)]
    pub amount: String,
    /// Defaults to the contract's currency, and must be it.
    pub currency: Option<String>,
    pub method: Option<String>,
    pub note: Option<String>,
    pub plan_item_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    pub contract_id: Uuid,
    pub plan_item_id: Option<Uuid>,
    pub received_on: NaiveDate,
    pub amount: i64,
    /// `None`: the contract's.
    pub currency: Option<String>,
    pub method: Option<String>,
    pub note: Option<String>,
}

impl NewPayment {
    pub fn parse(input: PaymentInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let contract_id = v.check(input.contract_id.ok_or_else(|| FieldError::new("contract_id", "required")));
        let received_on = v.check(required_date("received_on", &input.received_on));
        let amount = v.check(positive("amount", &input.amount));
        let currency = match input.currency.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => v.check(parse_currency(c)).map(Some),
            None => Some(None),
        };
        let method = v.check(optional_text("method", input.method.as_deref().unwrap_or(""), METHOD_MAX));
        let note = v.check(optional_text("note", input.note.as_deref().unwrap_or(""), NOTE_MAX));
        v.finish()?;
        let invalid = || Error::invalid("payment", "invalid");
        Ok(Self {
            contract_id: contract_id.ok_or_else(invalid)?,
            plan_item_id: input.plan_item_id,
            received_on: received_on.ok_or_else(invalid)?,
            amount: amount.ok_or_else(invalid)?,
            currency: currency.ok_or_else(invalid)?,
            method: method.ok_or_else(invalid)?,
            note: note.ok_or_else(invalid)?,
        })
    }
}

/// Raw input for a receipt's correction.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentPatchInput {
    pub received_on: Option<String>,
    pub amount: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub method: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub note: Patch<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentPatch {
    pub received_on: Option<NaiveDate>,
    pub amount: Option<i64>,
    pub method: Patch<String>,
    pub note: Patch<String>,
}

impl PaymentPatch {
    pub fn parse(input: PaymentPatchInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let patch = Self {
            received_on: input.received_on.and_then(|d| v.check(required_date("received_on", &d))),
            amount: input.amount.and_then(|a| v.check(positive("amount", &a))),
            method: v.patch(input.method, |m| optional_text("method", m, METHOD_MAX)),
            note: v.patch(input.note, |n| optional_text("note", n, NOTE_MAX)),
        };
        v.finish()?;
        Ok(patch)
    }

    pub fn apply(&self, p: &Payment, at: DateTime<Utc>) -> Payment {
        Payment {
            received_on: self.received_on.unwrap_or(p.received_on),
            amount: self.amount.unwrap_or(p.amount),
            method: self.method.clone().apply(p.method.clone()),
            note: self.note.clone().apply(p.note.clone()),
            updated_at: at,
            version: p.version + 1,
            ..p.clone()
        }
    }
}

code_enum! {
    /// What receivables are summed by: `GET /receivables?by=customer|owner`.
    ReceivablesBy {
        Customer = "customer",
        Owner = "owner",
    }
}

/// What is due from one customer (or to one owner) in one currency. Contracts count from
/// their activation: drafts promise nothing yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Receivable {
    /// The customer's or the owner's id; `None` for customers without an owner.
    pub id: Option<Uuid>,
    pub name: Option<String>,
    pub currency: String,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub planned: i64,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub received: i64,
    /// planned − received.
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub outstanding: i64,
    /// What is still open of the plan items past their due date.
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub overdue: i64,
}

/// The sums of one currency: amounts of different currencies are never added together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CurrencyTotal {
    pub currency: String,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub planned: i64,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub received: i64,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub outstanding: i64,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub overdue: i64,
}

/// `GET /receivables`: rows by customer or owner and currency, and one total per currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Receivables {
    pub by: ReceivablesBy,
    pub items: Vec<Receivable>,
    pub totals: Vec<CurrencyTotal>,
}

impl Receivables {
    pub fn of(by: ReceivablesBy, items: Vec<Receivable>) -> Self {
        let mut totals: Vec<CurrencyTotal> = Vec::new();
        for r in &items {
            match totals.iter_mut().find(|t| t.currency == r.currency) {
                Some(t) => {
                    t.planned += r.planned;
                    t.received += r.received;
                    t.outstanding += r.outstanding;
                    t.overdue += r.overdue;
                }
                None => totals.push(CurrencyTotal {
                    currency: r.currency.clone(),
                    planned: r.planned,
                    received: r.received,
                    outstanding: r.outstanding,
                    overdue: r.overdue,
                }),
            }
        }
        totals.sort_by(|a, b| a.currency.cmp(&b.currency));
        Self { by, items, totals }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_items_need_a_date_and_a_positive_amount() {
        let input = PlanInput {
            items: vec![
                PlanItemInput { due_on: "2026-01-31".into(), amount: "6400".into(), note: None },
                PlanItemInput { due_on: "31/01/2026".into(), amount: "0".into(), note: None },
            ],
        };
        let Err(Error::Invalid(errors)) = NewPlanItem::parse_all(input) else { panic!("invalid") };
        let fields: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert_eq!(fields, [("items[1].due_on", "invalid_date"), ("items[1].amount", "not_positive")]);
    }

    #[test]
    fn totals_keep_each_currency_apart() {
        let row = |currency: &str, planned: i64| Receivable {
            id: None,
            name: None,
            currency: currency.into(),
            planned,
            received: 0,
            outstanding: planned,
            overdue: 0,
        };
        let r = Receivables::of(ReceivablesBy::Customer, vec![row("CNY", 10), row("USD", 5), row("CNY", 7)]);
        let totals: Vec<_> = r.totals.iter().map(|t| (t.currency.as_str(), t.planned)).collect();
        assert_eq!(totals, [("CNY", 17), ("USD", 5)]);
    }
}
