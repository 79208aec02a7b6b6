//! Quotes (报价, SAL-7): priced lines for a customer, versioned once sent, and turned into a
//! contract when accepted.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::pricing::{PriceLine, PriceLineInput, Totals, minor_digits, parse_lines};
use crate::base_data::DEFAULT_CURRENCY;
use crate::error::{Error, FieldError, Validator, optional_date, optional_text, required_text};
use crate::money::{self, parse_currency};
use crate::patch::Patch;

code_enum! {
    /// draft → sent → accepted / rejected; an accepted quote can become a contract.
    QuoteStatus {
        Draft = "draft",
        Sent = "sent",
        Accepted = "accepted",
        Rejected = "rejected",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Quote {
    pub id: Uuid,
    /// From the `quote` number sequence.
    pub number: String,
    pub customer_id: Uuid,
    pub customer_name: String,
    pub title: String,
    pub summary: Option<String>,
    pub currency: String,
    pub valid_until: Option<NaiveDate>,
    pub status: QuoteStatus,
    /// The current version's number: 1, then one more for each change of a sent quote's prices.
    pub revision: i64,
    pub lines: Vec<PriceLine>,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String, example = "12800.00")]
    pub subtotal: i64,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub discount: i64,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub tax: i64,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub total: i64,
    /// The contract made from this quote, once there is one.
    pub contract_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// One version of a quote's prices, kept readable after a later version replaces it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct QuoteRevision {
    pub revision: i64,
    pub title: String,
    pub currency: String,
    pub lines: Vec<PriceLine>,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub subtotal: i64,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub discount: i64,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub tax: i64,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub total: i64,
    pub created_at: DateTime<Utc>,
}

const TITLE_MAX: usize = 200;
const SUMMARY_MAX: usize = 2000;

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteInput {
    pub customer_id: Option<Uuid>,
    #[serde(default)]
    pub title: String,
    pub summary: Option<String>,
    /// Defaults to `CNY`.
    pub currency: Option<String>,
    /// `YYYY-MM-DD`.
    pub valid_until: Option<String>,
    #[serde(default)]
    pub lines: Vec<PriceLineInput>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQuote {
    pub customer_id: Uuid,
    pub title: String,
    pub summary: Option<String>,
    pub currency: String,
    pub valid_until: Option<NaiveDate>,
    pub lines: Vec<PriceLine>,
    pub totals: Totals,
}

impl NewQuote {
    pub fn parse(input: QuoteInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let customer_id = v.check(input.customer_id.ok_or_else(|| FieldError::new("customer_id", "required")));
        let title = v.check(required_text("title", &input.title, TITLE_MAX));
        let summary = v.check(optional_text("summary", input.summary.as_deref().unwrap_or(""), SUMMARY_MAX));
        let currency = v.check(parse_currency(input.currency.as_deref().unwrap_or(DEFAULT_CURRENCY)));
        let valid_until = v.check(optional_date("valid_until", input.valid_until.as_deref().unwrap_or("")));
        let lines = parse_lines(&mut v, currency.as_deref().unwrap_or(DEFAULT_CURRENCY), input.lines);
        v.finish()?;
        let invalid = || Error::invalid("quote", "invalid");
        let (lines, totals) = lines.ok_or_else(invalid)?;
        Ok(Self {
            customer_id: customer_id.ok_or_else(invalid)?,
            title: title.ok_or_else(invalid)?,
            summary: summary.ok_or_else(invalid)?,
            currency: currency.ok_or_else(invalid)?,
            valid_until: valid_until.ok_or_else(invalid)?,
            lines,
            totals,
        })
    }
}

/// Raw input for a quote update; `lines`, when given, replace all lines.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuotePatchInput {
    pub title: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub summary: Patch<String>,
    pub currency: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub valid_until: Patch<String>,
    pub lines: Option<Vec<PriceLineInput>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuotePatch {
    pub title: Option<String>,
    pub summary: Patch<String>,
    pub currency: Option<String>,
    pub valid_until: Patch<NaiveDate>,
    pub lines: Option<(Vec<PriceLine>, Totals)>,
}

impl QuotePatch {
    /// `current_currency` prices the lines when the patch keeps the currency.
    pub fn parse(input: QuotePatchInput, current_currency: &str) -> Result<Self, Error> {
        let mut v = Validator::default();
        let currency = input.currency.and_then(|c| v.check(parse_currency(&c)));
        let pricing_currency = currency.clone().unwrap_or_else(|| current_currency.to_string());
        let patch = Self {
            title: input.title.and_then(|t| v.check(required_text("title", &t, TITLE_MAX))),
            summary: v.patch(input.summary, |s| optional_text("summary", s, SUMMARY_MAX)),
            valid_until: v.patch(input.valid_until, |d| optional_date("valid_until", d)),
            lines: input.lines.and_then(|l| parse_lines(&mut v, &pricing_currency, l)),
            currency,
        };
        v.finish()?;
        Ok(patch)
    }

    /// The quote after the patch. A change of prices (lines or currency) of a quote that was
    /// sent makes a new version, which is a draft to send again (SAL-7).
    pub fn apply(&self, q: &Quote, at: DateTime<Utc>) -> Result<Quote, Error> {
        let currency = self.currency.clone().unwrap_or_else(|| q.currency.clone());
        let (lines, totals) = match &self.lines {
            Some((lines, totals)) => (lines.clone(), *totals),
            None if currency != q.currency => {
                let digits = minor_digits(&currency);
                let lines: Option<Vec<PriceLine>> = q.lines.iter().map(|l| l.repriced(digits)).collect();
                let lines = lines.ok_or_else(|| Error::invalid("currency", "out_of_range"))?;
                let totals = Totals::of(&lines).ok_or_else(|| Error::invalid("lines", "out_of_range"))?;
                (lines, totals)
            }
            None => {
                (q.lines.clone(), Totals { subtotal: q.subtotal, discount: q.discount, tax: q.tax, total: q.total })
            }
        };
        let repriced = lines != q.lines || currency != q.currency;
        let new_version = repriced && q.status == QuoteStatus::Sent;
        Ok(Quote {
            title: self.title.clone().unwrap_or_else(|| q.title.clone()),
            summary: self.summary.clone().apply(q.summary.clone()),
            valid_until: self.valid_until.clone().apply(q.valid_until),
            currency,
            status: if new_version { QuoteStatus::Draft } else { q.status },
            revision: if new_version { q.revision + 1 } else { q.revision },
            lines,
            subtotal: totals.subtotal,
            discount: totals.discount,
            tax: totals.tax,
            total: totals.total,
            updated_at: at,
            version: q.version + 1,
            ..q.clone()
        })
    }
}

/// A workflow step of a quote: `POST /quotes/{id}/send|accept|reject`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteStep {
    Send,
    Accept,
    Reject,
}

impl QuoteStep {
    /// The status the step leads to, or the refusal naming the current state.
    pub fn next(self, from: QuoteStatus) -> Result<QuoteStatus, Error> {
        use QuoteStatus::*;
        match (self, from) {
            (QuoteStep::Send, Draft) => Ok(Sent),
            (QuoteStep::Accept, Sent) => Ok(Accepted),
            (QuoteStep::Reject, Sent) => Ok(Rejected),
            _ => Err(Error::InvalidState { state: from.code().to_string() }),
        }
    }
}

/// Only drafts and sent quotes change; accepted and rejected ones are final.
pub fn check_editable(q: &Quote) -> Result<(), Error> {
    match q.status {
        QuoteStatus::Draft | QuoteStatus::Sent => Ok(()),
        other => Err(Error::InvalidState { state: other.code().to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> QuoteInput {
        QuoteInput {
            customer_id: Some(Uuid::now_v7()),
            title: "年度服务".into(),
            lines: vec![PriceLineInput {
                description: Some("安装".into()),
                quantity: "3".into(),
                unit_price: "0.10".into(),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    fn quote(status: QuoteStatus) -> Quote {
        let new = NewQuote::parse(input()).unwrap();
        Quote {
            id: Uuid::now_v7(),
            number: "BJ1".into(),
            customer_id: new.customer_id,
            customer_name: "客户".into(),
            title: new.title,
            summary: None,
            currency: new.currency,
            valid_until: None,
            status,
            revision: 1,
            lines: new.lines,
            subtotal: new.totals.subtotal,
            discount: new.totals.discount,
            tax: new.totals.tax,
            total: new.totals.total,
            contract_id: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            version: 1,
        }
    }

    fn new_lines(price: &str) -> QuotePatchInput {
        QuotePatchInput {
            lines: Some(vec![PriceLineInput {
                description: Some("安装".into()),
                unit_price: price.into(),
                ..Default::default()
            }]),
            ..Default::default()
        }
    }

    #[test]
    fn changing_a_sent_quotes_prices_makes_a_new_draft_version() {
        let sent = quote(QuoteStatus::Sent);
        let patch = QuotePatch::parse(new_lines("5"), "CNY").unwrap();
        let next = patch.apply(&sent, Utc::now()).unwrap();
        assert_eq!(
            (next.revision, next.status, money::format_units(next.total)),
            (2, QuoteStatus::Draft, "5.00".into())
        );
        let draft = quote(QuoteStatus::Draft);
        let same = patch.apply(&draft, Utc::now()).unwrap();
        assert_eq!((same.revision, same.status), (1, QuoteStatus::Draft));
        let retitled = QuotePatch::parse(QuotePatchInput { title: Some("新".into()), ..Default::default() }, "CNY");
        assert_eq!(retitled.unwrap().apply(&sent, Utc::now()).unwrap().revision, 1);
    }

    #[test]
    fn steps_follow_the_workflow_and_name_the_state_otherwise() {
        assert_eq!(QuoteStep::Send.next(QuoteStatus::Draft).unwrap(), QuoteStatus::Sent);
        assert_eq!(QuoteStep::Accept.next(QuoteStatus::Sent).unwrap(), QuoteStatus::Accepted);
        let Err(Error::InvalidState { state }) = QuoteStep::Accept.next(QuoteStatus::Draft) else { panic!() };
        assert_eq!(state, "draft");
        assert!(check_editable(&quote(QuoteStatus::Accepted)).is_err());
    }
}
