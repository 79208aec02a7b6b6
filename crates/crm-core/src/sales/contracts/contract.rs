//! Contracts (合同, SAL-8): terms, amount and lines (copied from an accepted quote or typed),
//! status from draft to active to expired or terminated, renewal as a linked successor, and
//! the expiry reminder flag.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::pricing::{PriceLine, PriceLineInput, parse_lines};
use super::quotes::Quote;
use crate::base_data::DEFAULT_CURRENCY;
use crate::error::{Error, FieldError, Validator, optional_date, optional_text, required_date, required_text};
use crate::money::{self, parse_currency, parse_non_negative};
use crate::patch::Patch;

code_enum! {
    /// draft → active → expired (past its end, set by the `contract-reminders` job) or terminated.
    ContractStatus {
        Draft = "draft",
        Active = "active",
        Expired = "expired",
        Terminated = "terminated",
    }
}

/// Days before its end that a contract is flagged as expiring, unless it says otherwise.
pub const DEFAULT_REMINDER_DAYS: i64 = 30;
const REMINDER_DAYS_MAX: i64 = 366;
const TITLE_MAX: usize = 200;
const NOTES_MAX: usize = 2000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Contract {
    pub id: Uuid,
    /// From the `contract` number sequence.
    pub number: String,
    pub customer_id: Uuid,
    pub customer_name: String,
    /// The accepted quote it was made from.
    pub quote_id: Option<Uuid>,
    /// The contract this one renews.
    pub renewal_of_id: Option<Uuid>,
    pub title: String,
    pub signed_on: Option<NaiveDate>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub currency: String,
    /// The lines' total, or the amount agreed when there are no lines.
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String, example = "12800.00")]
    pub amount: i64,
    pub status: ContractStatus,
    /// How many days before `ends_on` the contract is flagged as expiring.
    pub reminder_days: i64,
    /// Set by the `contract-reminders` job while an active contract ends within its reminder days.
    pub expiring: bool,
    pub lines: Vec<PriceLine>,
    pub notes: Option<String>,
    /// The sum of the payment plan.
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub planned: i64,
    /// The sum of the payments received.
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub received: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl Contract {
    /// Whether the job should flag it as expiring on `today`.
    pub fn is_expiring(&self, today: NaiveDate) -> bool {
        self.status == ContractStatus::Active
            && today.checked_add_days(Days::new(self.reminder_days.unsigned_abs())).is_none_or(|d| self.ends_on <= d)
    }

    /// Whether the job should mark it expired on `today`.
    pub fn is_past_end(&self, today: NaiveDate) -> bool {
        self.status == ContractStatus::Active && self.ends_on < today
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractInput {
    pub customer_id: Option<Uuid>,
    #[serde(default)]
    pub title: String,
    pub signed_on: Option<String>,
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
    /// Defaults to `CNY`.
    pub currency: Option<String>,
    /// A decimal string; required without lines, computed from them otherwise.
    pub amount: Option<String>,
    #[serde(default)]
    pub lines: Vec<PriceLineInput>,
    /// Defaults to 30.
    pub reminder_days: Option<i64>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContract {
    pub customer_id: Uuid,
    pub quote_id: Option<Uuid>,
    pub renewal_of_id: Option<Uuid>,
    pub title: String,
    pub signed_on: Option<NaiveDate>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub currency: String,
    pub amount: i64,
    pub reminder_days: i64,
    pub lines: Vec<PriceLine>,
    pub notes: Option<String>,
}

fn reminder_days(v: &mut Validator, days: Option<i64>) -> Option<i64> {
    match days {
        None => Some(DEFAULT_REMINDER_DAYS),
        Some(d) if (0..=REMINDER_DAYS_MAX).contains(&d) => Some(d),
        Some(_) => {
            v.push(FieldError::with_param("reminder_days", "out_of_range", REMINDER_DAYS_MAX));
            None
        }
    }
}

fn check_period(v: &mut Validator, starts_on: Option<NaiveDate>, ends_on: Option<NaiveDate>) {
    if let (Some(s), Some(e)) = (starts_on, ends_on)
        && e < s
    {
        v.push(FieldError::new("ends_on", "before_start"));
    }
}

impl NewContract {
    pub fn parse(input: ContractInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let customer_id = v.check(input.customer_id.ok_or_else(|| FieldError::new("customer_id", "required")));
        let title = v.check(required_text("title", &input.title, TITLE_MAX));
        let signed_on = v.check(optional_date("signed_on", input.signed_on.as_deref().unwrap_or("")));
        let starts_on = v.check(required_date("starts_on", &input.starts_on));
        let ends_on = v.check(required_date("ends_on", &input.ends_on));
        check_period(&mut v, starts_on, ends_on);
        let currency = v.check(parse_currency(input.currency.as_deref().unwrap_or(DEFAULT_CURRENCY)));
        let priced = if input.lines.is_empty() {
            None
        } else {
            parse_lines(&mut v, currency.as_deref().unwrap_or(DEFAULT_CURRENCY), input.lines)
        };
        let amount = match (&priced, input.amount.as_deref().map(str::trim).filter(|a| !a.is_empty())) {
            (Some((_, totals)), _) => Some(totals.total),
            (None, Some(text)) => v.check(parse_non_negative("amount", text)),
            (None, None) => {
                v.push(FieldError::new("amount", "required"));
                None
            }
        };
        let reminder_days = reminder_days(&mut v, input.reminder_days);
        let notes = v.check(optional_text("notes", input.notes.as_deref().unwrap_or(""), NOTES_MAX));
        v.finish()?;
        let invalid = || Error::invalid("contract", "invalid");
        Ok(Self {
            customer_id: customer_id.ok_or_else(invalid)?,
            quote_id: None,
            renewal_of_id: None,
            title: title.ok_or_else(invalid)?,
            signed_on: signed_on.ok_or_else(invalid)?,
            starts_on: starts_on.ok_or_else(invalid)?,
            ends_on: ends_on.ok_or_else(invalid)?,
            currency: currency.ok_or_else(invalid)?,
            amount: amount.ok_or_else(invalid)?,
            reminder_days: reminder_days.ok_or_else(invalid)?,
            lines: priced.map(|(lines, _)| lines).unwrap_or_default(),
            notes: notes.ok_or_else(invalid)?,
        })
    }
}

/// The terms of a contract made from a quote: `POST /quotes/{id}/contract`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FromQuoteInput {
    /// Defaults to the quote's title.
    pub title: Option<String>,
    pub signed_on: Option<String>,
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
    pub reminder_days: Option<i64>,
    pub notes: Option<String>,
}

impl NewContract {
    /// The quote's customer, currency, lines and total, with the terms given.
    pub fn from_quote(quote: &Quote, input: FromQuoteInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let title = v.check(required_text("title", input.title.as_deref().unwrap_or(&quote.title), TITLE_MAX));
        let signed_on = v.check(optional_date("signed_on", input.signed_on.as_deref().unwrap_or("")));
        let starts_on = v.check(required_date("starts_on", &input.starts_on));
        let ends_on = v.check(required_date("ends_on", &input.ends_on));
        check_period(&mut v, starts_on, ends_on);
        let reminder_days = reminder_days(&mut v, input.reminder_days);
        let notes = v.check(optional_text("notes", input.notes.as_deref().unwrap_or(""), NOTES_MAX));
        v.finish()?;
        let invalid = || Error::invalid("contract", "invalid");
        Ok(Self {
            customer_id: quote.customer_id,
            quote_id: Some(quote.id),
            renewal_of_id: None,
            title: title.ok_or_else(invalid)?,
            signed_on: signed_on.ok_or_else(invalid)?,
            starts_on: starts_on.ok_or_else(invalid)?,
            ends_on: ends_on.ok_or_else(invalid)?,
            currency: quote.currency.clone(),
            amount: quote.total,
            reminder_days: reminder_days.ok_or_else(invalid)?,
            lines: quote.lines.clone(),
            notes: notes.ok_or_else(invalid)?,
        })
    }

    /// The successor of `old`: the same terms for a period of the same length starting the
    /// day after it ends, unless other dates are given.
    pub fn renewal_of(old: &Contract, input: RenewInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let default_start = old.ends_on.succ_opt().unwrap_or(old.ends_on);
        let starts_on = match input.starts_on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(text) => v.check(required_date("starts_on", text)),
            None => Some(default_start),
        };
        let ends_on = match input.ends_on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(text) => v.check(required_date("ends_on", text)),
            None => starts_on.and_then(|s| s.checked_add_signed(old.ends_on - old.starts_on)),
        };
        check_period(&mut v, starts_on, ends_on);
        let title = v.check(required_text("title", input.title.as_deref().unwrap_or(&old.title), TITLE_MAX));
        v.finish()?;
        let invalid = || Error::invalid("contract", "invalid");
        Ok(Self {
            customer_id: old.customer_id,
            quote_id: None,
            renewal_of_id: Some(old.id),
            title: title.ok_or_else(invalid)?,
            signed_on: None,
            starts_on: starts_on.ok_or_else(invalid)?,
            ends_on: ends_on.ok_or_else(invalid)?,
            currency: old.currency.clone(),
            amount: old.amount,
            reminder_days: old.reminder_days,
            lines: old.lines.clone(),
            notes: old.notes.clone(),
        })
    }
}

/// `POST /contracts/{id}/renew`: every field optional.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenewInput {
    pub title: Option<String>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractPatchInput {
    pub title: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub signed_on: Patch<String>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    /// Only for a contract without lines.
    pub amount: Option<String>,
    pub reminder_days: Option<i64>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub notes: Patch<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContractPatch {
    pub title: Option<String>,
    pub signed_on: Patch<NaiveDate>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub amount: Option<i64>,
    pub reminder_days: Option<i64>,
    pub notes: Patch<String>,
}

impl ContractPatch {
    pub fn parse(input: ContractPatchInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let patch = Self {
            title: input.title.and_then(|t| v.check(required_text("title", &t, TITLE_MAX))),
            signed_on: v.patch(input.signed_on, |d| optional_date("signed_on", d)),
            starts_on: input.starts_on.and_then(|d| v.check(required_date("starts_on", &d))),
            ends_on: input.ends_on.and_then(|d| v.check(required_date("ends_on", &d))),
            amount: input.amount.and_then(|a| v.check(parse_non_negative("amount", &a))),
            reminder_days: match input.reminder_days {
                Some(d) => reminder_days(&mut v, Some(d)),
                None => None,
            },
            notes: v.patch(input.notes, |n| optional_text("notes", n, NOTES_MAX)),
        };
        v.finish()?;
        Ok(patch)
    }

    /// The contract after the patch: only drafts and active contracts change, and the amount
    /// of a contract with lines is their total.
    pub fn apply(&self, c: &Contract, at: DateTime<Utc>) -> Result<Contract, Error> {
        check_open(c)?;
        if self.amount.is_some() && !c.lines.is_empty() {
            return Err(Error::invalid("amount", "computed_from_lines"));
        }
        let next = Contract {
            title: self.title.clone().unwrap_or_else(|| c.title.clone()),
            signed_on: self.signed_on.clone().apply(c.signed_on),
            starts_on: self.starts_on.unwrap_or(c.starts_on),
            ends_on: self.ends_on.unwrap_or(c.ends_on),
            amount: self.amount.unwrap_or(c.amount),
            reminder_days: self.reminder_days.unwrap_or(c.reminder_days),
            notes: self.notes.clone().apply(c.notes.clone()),
            updated_at: at,
            version: c.version + 1,
            ..c.clone()
        };
        if next.ends_on < next.starts_on {
            return Err(Error::invalid("ends_on", "before_start"));
        }
        Ok(next)
    }
}

/// Contracts that ended or were terminated are final.
pub fn check_open(c: &Contract) -> Result<(), Error> {
    match c.status {
        ContractStatus::Draft | ContractStatus::Active => Ok(()),
        other => Err(Error::InvalidState { state: other.code().to_string() }),
    }
}

/// A workflow step of a contract: `POST /contracts/{id}/activate|terminate|renew`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractStep {
    Activate,
    Terminate,
    Renew,
}

impl ContractStep {
    /// The status the step leaves the contract in, or the refusal naming the current state.
    pub fn next(self, from: ContractStatus) -> Result<ContractStatus, Error> {
        use ContractStatus::*;
        match (self, from) {
            (ContractStep::Activate, Draft) => Ok(Active),
            (ContractStep::Terminate, Active) => Ok(Terminated),
            (ContractStep::Renew, Active | Expired) => Ok(from),
            _ => Err(Error::InvalidState { state: from.code().to_string() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ContractInput {
        ContractInput {
            customer_id: Some(Uuid::now_v7()),
            title: "年度维保".into(),
            starts_on: "2026-01-01".into(),
            ends_on: "2026-12-31".into(),
            amount: Some("12800".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_contract_needs_an_amount_or_lines_and_ends_after_it_starts() {
        let c = NewContract::parse(input()).unwrap();
        assert_eq!((c.amount, c.reminder_days, c.currency.as_str()), (128_000_000, 30, "CNY"));
        let Err(Error::Invalid(errors)) =
            NewContract::parse(ContractInput { amount: None, ends_on: "2025-12-31".into(), ..input() })
        else {
            panic!("invalid")
        };
        let fields: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert_eq!(fields, [("ends_on", "before_start"), ("amount", "required")]);
    }

    #[test]
    fn steps_follow_the_workflow() {
        assert_eq!(ContractStep::Activate.next(ContractStatus::Draft).unwrap(), ContractStatus::Active);
        assert!(ContractStep::Terminate.next(ContractStatus::Draft).is_err());
        assert!(ContractStep::Renew.next(ContractStatus::Terminated).is_err());
    }

    #[test]
    fn a_renewal_runs_as_long_again_from_the_day_after_the_end() {
        let new = NewContract::parse(input()).unwrap();
        let old = Contract {
            id: Uuid::now_v7(),
            number: "HT1".into(),
            customer_id: new.customer_id,
            customer_name: "客户".into(),
            quote_id: None,
            renewal_of_id: None,
            title: new.title,
            signed_on: None,
            starts_on: new.starts_on,
            ends_on: new.ends_on,
            currency: new.currency,
            amount: new.amount,
            status: ContractStatus::Active,
            reminder_days: 30,
            expiring: false,
            lines: Vec::new(),
            notes: None,
            planned: 0,
            received: 0,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            version: 1,
        };
        let next = NewContract::renewal_of(&old, RenewInput::default()).unwrap();
        assert_eq!((next.starts_on.to_string(), next.ends_on.to_string()), ("2027-01-01".into(), "2027-12-31".into()));
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(!old.is_expiring(day("2026-11-30")) && old.is_expiring(day("2026-12-01")));
        assert!(!old.is_past_end(day("2026-12-31")) && old.is_past_end(day("2027-01-01")));
    }
}
