//! The opportunity record (SAL-1), its workflow inputs (SAL-2, SAL-3) and its plan items.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::base_data::DEFAULT_CURRENCY;
use crate::customers::{NewCustomer, Ref};
use crate::error::{Error, FieldError, Validator, optional_date, optional_text, required_date, required_text};
use crate::money::{self, parse_currency, parse_non_negative};
use crate::patch::Patch;

code_enum! {
    /// 未指派 → 已指派 → 开发成功 / 开发失败.
    OpportunityStatus { Unassigned = "unassigned", Assigned = "assigned", Won = "won", Lost = "lost" }
}

impl OpportunityStatus {
    /// Not yet won or lost: still in the pipeline.
    pub fn is_open(self) -> bool {
        matches!(self, OpportunityStatus::Unassigned | OpportunityStatus::Assigned)
    }
}

code_enum! {
    /// How an opportunity ends; also marks the two closing stages of the pipeline.
    Outcome { Won = "won", Lost = "lost" }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Opportunity {
    pub id: Uuid,
    /// From the `opportunity` number sequence.
    pub number: String,
    pub division_id: Uuid,
    /// The customer as named when the opportunity came in; it may not be in the system yet.
    pub customer_name: String,
    /// The customer, once known or created by winning the opportunity.
    pub customer_id: Option<Uuid>,
    /// A dictionary entry of kind `opportunity_source`.
    pub source_id: Option<Uuid>,
    pub source: Option<Ref>,
    /// Chance of success in percent.
    pub probability: i64,
    pub summary: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub description: Option<String>,
    pub status: OpportunityStatus,
    pub created_by: Option<Uuid>,
    pub creator: Option<Ref>,
    pub assignee_id: Option<Uuid>,
    pub assignee: Option<Ref>,
    pub assigned_at: Option<DateTime<Utc>>,
    /// Whose pipeline it is in: the assignee, the creator while unassigned.
    pub owner_id: Option<Uuid>,
    pub stage_id: Uuid,
    pub stage: Ref,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String, example = "12800.00")]
    pub amount: i64,
    pub currency: String,
    pub expected_close_date: Option<NaiveDate>,
    /// A dictionary entry of kind `opportunity_loss_reason`, once lost.
    pub loss_reason_id: Option<Uuid>,
    pub loss_reason: Option<Ref>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The last change or plan entry, or interaction with the customer seen by the stale check.
    pub last_activity_at: DateTime<Utc>,
    /// Set by the `stale-opportunities` job when nothing happened for too long (SAL-5).
    pub stale_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl Opportunity {
    /// Whether `user` may change it (SAL-2): the creator until it is assigned, then the
    /// assignee; a holder of `sales.assign` (a director) always.
    pub fn editable_by(&self, user: Option<Uuid>, directs: bool) -> bool {
        directs
            || match self.status {
                OpportunityStatus::Unassigned => user.is_some() && user == self.created_by,
                _ => user.is_some() && user == self.assignee_id,
            }
    }
}

const NAME_MAX: usize = 200;
const SUMMARY_MAX: usize = 500;
const CONTACT_MAX: usize = 100;
const PHONE_MAX: usize = 40;
const DESCRIPTION_MAX: usize = 5000;
const PLAN_TEXT_MAX: usize = 2000;

fn parse_probability(value: i64) -> Result<i64, FieldError> {
    if (0..=100).contains(&value) {
        Ok(value)
    } else {
        Err(FieldError::with_param("probability", "out_of_range", "0-100"))
    }
}

fn parse_money(text: &str) -> Result<i64, FieldError> {
    if text.trim().is_empty() { Ok(0) } else { parse_non_negative("amount", text) }
}

/// Raw input for a new opportunity.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpportunityInput {
    #[serde(default)]
    pub customer_name: String,
    pub customer_id: Option<Uuid>,
    pub source_id: Option<Uuid>,
    /// Percent; defaults to the stage's probability.
    pub probability: Option<i64>,
    #[serde(default)]
    pub summary: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub description: Option<String>,
    /// Defaults to the creator's only division.
    pub division_id: Option<Uuid>,
    /// Defaults to the first stage of the pipeline.
    pub stage_id: Option<Uuid>,
    /// A decimal string; defaults to 0.
    pub amount: Option<String>,
    /// Defaults to `CNY`.
    pub currency: Option<String>,
    /// `YYYY-MM-DD`.
    pub expected_close_date: Option<String>,
}

/// A validated new opportunity. The store numbers it; a missing stage is the pipeline's first
/// open stage and a missing probability the stage's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOpportunity {
    pub division_id: Uuid,
    pub customer_name: String,
    pub customer_id: Option<Uuid>,
    pub source_id: Option<Uuid>,
    pub probability: Option<i64>,
    pub summary: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub description: Option<String>,
    pub stage_id: Option<Uuid>,
    pub amount: i64,
    pub currency: String,
    pub expected_close_date: Option<NaiveDate>,
    pub created_by: Option<Uuid>,
}

fn text(v: &mut Validator, field: &str, value: Option<&str>, max: usize) -> Option<Option<String>> {
    v.check(optional_text(field, value.unwrap_or(""), max))
}

impl NewOpportunity {
    /// `default_division` is the creator's only division.
    pub fn parse(
        input: OpportunityInput,
        default_division: Option<Uuid>,
        creator: Option<Uuid>,
    ) -> Result<Self, Error> {
        let mut v = Validator::default();
        let customer_name = v.check(required_text("customer_name", &input.customer_name, NAME_MAX));
        let summary = v.check(required_text("summary", &input.summary, SUMMARY_MAX));
        let division_id =
            v.check(input.division_id.or(default_division).ok_or_else(|| FieldError::new("division_id", "required")));
        let probability = input.probability.map(|p| v.check(parse_probability(p)));
        let contact_name = text(&mut v, "contact_name", input.contact_name.as_deref(), CONTACT_MAX);
        let contact_phone = text(&mut v, "contact_phone", input.contact_phone.as_deref(), PHONE_MAX);
        let description = text(&mut v, "description", input.description.as_deref(), DESCRIPTION_MAX);
        let amount = v.check(parse_money(input.amount.as_deref().unwrap_or("")));
        let currency = v.check(parse_currency(input.currency.as_deref().unwrap_or(DEFAULT_CURRENCY)));
        let expected_close_date =
            v.check(optional_date("expected_close_date", input.expected_close_date.as_deref().unwrap_or("")));
        v.finish()?;
        let invalid = || Error::invalid("opportunity", "invalid");
        Ok(Self {
            division_id: division_id.ok_or_else(invalid)?,
            customer_name: customer_name.ok_or_else(invalid)?,
            customer_id: input.customer_id,
            source_id: input.source_id,
            probability: probability.map(|p| p.ok_or_else(invalid)).transpose()?,
            summary: summary.ok_or_else(invalid)?,
            contact_name: contact_name.ok_or_else(invalid)?,
            contact_phone: contact_phone.ok_or_else(invalid)?,
            description: description.ok_or_else(invalid)?,
            stage_id: input.stage_id,
            amount: amount.ok_or_else(invalid)?,
            currency: currency.ok_or_else(invalid)?,
            expected_close_date: expected_close_date.ok_or_else(invalid)?,
            created_by: creator,
        })
    }
}

/// Raw input for an update; status, assignee and stage change through their actions.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpportunityPatchInput {
    pub customer_name: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub customer_id: Patch<Uuid>,
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub source_id: Patch<Uuid>,
    pub probability: Option<i64>,
    pub summary: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub contact_name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub contact_phone: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub description: Patch<String>,
    pub amount: Option<String>,
    pub currency: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub expected_close_date: Patch<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpportunityPatch {
    pub customer_name: Option<String>,
    pub customer_id: Patch<Uuid>,
    pub source_id: Patch<Uuid>,
    pub probability: Option<i64>,
    pub summary: Option<String>,
    pub contact_name: Patch<String>,
    pub contact_phone: Patch<String>,
    pub description: Patch<String>,
    pub amount: Option<i64>,
    pub currency: Option<String>,
    pub expected_close_date: Patch<NaiveDate>,
}

impl OpportunityPatch {
    pub fn parse(input: OpportunityPatchInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let patch = Self {
            customer_name: input.customer_name.and_then(|n| v.check(required_text("customer_name", &n, NAME_MAX))),
            customer_id: input.customer_id,
            source_id: input.source_id,
            probability: input.probability.and_then(|p| v.check(parse_probability(p))),
            summary: input.summary.and_then(|s| v.check(required_text("summary", &s, SUMMARY_MAX))),
            contact_name: v.patch(input.contact_name, |t| optional_text("contact_name", t, CONTACT_MAX)),
            contact_phone: v.patch(input.contact_phone, |t| optional_text("contact_phone", t, PHONE_MAX)),
            description: v.patch(input.description, |t| optional_text("description", t, DESCRIPTION_MAX)),
            amount: input.amount.and_then(|a| v.check(parse_money(&a))),
            currency: input.currency.and_then(|c| v.check(parse_currency(&c))),
            expected_close_date: v.patch(input.expected_close_date, |d| optional_date("expected_close_date", d)),
        };
        v.finish()?;
        Ok(patch)
    }

    /// The record after the patch; labels of changed links are filled in by the store.
    pub fn apply(&self, o: &Opportunity, at: DateTime<Utc>) -> Opportunity {
        Opportunity {
            customer_name: self.customer_name.clone().unwrap_or_else(|| o.customer_name.clone()),
            customer_id: self.customer_id.clone().apply(o.customer_id),
            source_id: self.source_id.clone().apply(o.source_id),
            probability: self.probability.unwrap_or(o.probability),
            summary: self.summary.clone().unwrap_or_else(|| o.summary.clone()),
            contact_name: self.contact_name.clone().apply(o.contact_name.clone()),
            contact_phone: self.contact_phone.clone().apply(o.contact_phone.clone()),
            description: self.description.clone().apply(o.description.clone()),
            amount: self.amount.unwrap_or(o.amount),
            currency: self.currency.clone().unwrap_or_else(|| o.currency.clone()),
            expected_close_date: self.expected_close_date.clone().apply(o.expected_close_date),
            last_activity_at: at,
            stale_since: None,
            updated_at: at,
            version: o.version + 1,
            ..o.clone()
        }
    }
}

/// `POST /opportunities/{id}/assign`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignInput {
    pub assignee_id: Option<Uuid>,
}

/// `POST /opportunities/{id}/close`: `won`, or `lost` with the reason.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseInput {
    #[serde(default)]
    pub outcome: String,
    /// A dictionary entry of kind `opportunity_loss_reason`; required when lost.
    pub reason_id: Option<Uuid>,
}

/// `POST /opportunities/{id}/stage`. Moving into the won or lost stage closes the
/// opportunity by the same rules as `close`, so a lost one needs `reason_id`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageInput {
    pub stage_id: Option<Uuid>,
    pub reason_id: Option<Uuid>,
}

/// The customer a won opportunity leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WonCustomer {
    /// Created from the opportunity's customer name, in its division, for its owner.
    New(Box<NewCustomer>),
    /// Linked already; a prospect becomes an active customer.
    Existing(Uuid),
}

/// How the store closes an opportunity, in one transaction with what it creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closing {
    /// The contact (name, phone) is added to the customer unless it has one of that name; a
    /// new customer is numbered for the day `today`.
    Won {
        customer: WonCustomer,
        contact: Option<(String, Option<String>)>,
        today: NaiveDate,
    },
    Lost {
        reason_id: Uuid,
    },
}

/// One step of a customer development plan (客户开发计划, SAL-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PlanItem {
    pub id: Uuid,
    pub opportunity_id: Uuid,
    pub planned_on: NaiveDate,
    pub content: String,
    /// 执行结果, recorded after the step is done.
    pub result: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanItemInput {
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub planned_on: String,
    #[serde(default)]
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPlanItem {
    pub planned_on: NaiveDate,
    pub content: String,
}

impl NewPlanItem {
    pub fn parse(input: PlanItemInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let planned_on = v.check(required_date("planned_on", &input.planned_on));
        let content = v.check(required_text("content", &input.content, PLAN_TEXT_MAX));
        v.finish()?;
        match (planned_on, content) {
            (Some(planned_on), Some(content)) => Ok(Self { planned_on, content }),
            _ => Err(Error::invalid("plan_item", "invalid")),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanItemPatchInput {
    pub planned_on: Option<String>,
    pub content: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub result: Patch<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanItemPatch {
    pub planned_on: Option<NaiveDate>,
    pub content: Option<String>,
    pub result: Patch<String>,
}

impl PlanItemPatch {
    pub fn parse(input: PlanItemPatchInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let patch = Self {
            planned_on: input.planned_on.and_then(|d| v.check(required_date("planned_on", &d))),
            content: input.content.and_then(|c| v.check(required_text("content", &c, PLAN_TEXT_MAX))),
            result: v.patch(input.result, |r| optional_text("result", r, PLAN_TEXT_MAX)),
        };
        v.finish()?;
        Ok(patch)
    }

    pub fn apply(&self, item: &PlanItem, at: DateTime<Utc>) -> PlanItem {
        PlanItem {
            planned_on: self.planned_on.unwrap_or(item.planned_on),
            content: self.content.clone().unwrap_or_else(|| item.content.clone()),
            result: self.result.clone().apply(item.result.clone()),
            updated_at: at,
            version: item.version + 1,
            ..item.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> OpportunityInput {
        OpportunityInput { customer_name: "华星科技".into(), summary: "采购 ERP".into(), ..Default::default() }
    }

    #[test]
    fn a_new_opportunity_defaults_to_nothing_in_cny_in_the_creators_division() {
        let d = Uuid::now_v7();
        let o = NewOpportunity::parse(input(), Some(d), None).unwrap();
        assert_eq!((o.division_id, o.amount, o.currency.as_str(), o.probability), (d, 0, "CNY", None));
    }

    #[test]
    fn bad_fields_are_reported_together() {
        let bad = OpportunityInput {
            customer_name: " ".into(),
            probability: Some(101),
            amount: Some("-1".into()),
            expected_close_date: Some("2026-13-01".into()),
            ..input()
        };
        let Err(Error::Invalid(errs)) = NewOpportunity::parse(bad, None, None) else { panic!("invalid") };
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["customer_name", "division_id", "probability", "amount", "expected_close_date"]);
    }

    #[test]
    fn the_creator_edits_until_assignment_then_only_the_assignee_and_directors() {
        let creator = Uuid::now_v7();
        let assignee = Uuid::now_v7();
        let now = Utc::now();
        let mut o = Opportunity {
            id: Uuid::now_v7(),
            number: "JH1".into(),
            division_id: Uuid::now_v7(),
            customer_name: "x".into(),
            customer_id: None,
            source_id: None,
            source: None,
            probability: 10,
            summary: "x".into(),
            contact_name: None,
            contact_phone: None,
            description: None,
            status: OpportunityStatus::Unassigned,
            created_by: Some(creator),
            creator: None,
            assignee_id: None,
            assignee: None,
            assigned_at: None,
            owner_id: Some(creator),
            stage_id: Uuid::now_v7(),
            stage: Ref { id: Uuid::now_v7(), label: String::new() },
            amount: 0,
            currency: "CNY".into(),
            expected_close_date: None,
            loss_reason_id: None,
            loss_reason: None,
            closed_at: None,
            last_activity_at: now,
            stale_since: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        assert!(o.editable_by(Some(creator), false));
        o.status = OpportunityStatus::Assigned;
        o.assignee_id = Some(assignee);
        assert!(!o.editable_by(Some(creator), false));
        assert!(o.editable_by(Some(assignee), false));
        assert!(o.editable_by(Some(creator), true));
        assert!(!o.editable_by(None, false));
    }
}
