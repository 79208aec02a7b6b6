//! The churn warning record, its measures and the inputs of its two workflow steps.

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::customers::Ref;
use crate::error::{Error, FieldError, Validator, required_date, required_text};

code_enum! {
    /// 流失预警 → 暂缓流失 (a measure was taken) → 确认流失.
    ChurnStatus { Warning = "warning", Delaying = "delaying", Lost = "lost" }
}

/// What a warning's state is called when an action is refused: its status, or `closed` once a
/// new order closed it.
const CLOSED: &str = "closed";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ChurnWarning {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub customer_name: String,
    /// The customer's division and owner now: a warning is seen by whoever sees its customer.
    pub division_id: Uuid,
    pub owner_id: Option<Uuid>,
    pub owner: Option<Ref>,
    /// The customer's last order when the warning was raised.
    pub last_order_date: NaiveDate,
    pub status: ChurnStatus,
    /// Newest first.
    pub measures: Vec<ChurnMeasure>,
    /// A dictionary entry of kind `churn_reason`, once the loss is confirmed.
    pub reason_id: Option<Uuid>,
    pub reason: Option<Ref>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub confirmed_by: Option<Uuid>,
    /// When a new order reactivated the customer; `null` while the warning is open. The
    /// status stays what it was (`warning`, `delaying` or `lost`).
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl ChurnWarning {
    /// `closed`, or the status.
    pub fn state(&self) -> &'static str {
        if self.closed_at.is_some() { CLOSED } else { self.status.code() }
    }

    /// Whether measures can be taken or the loss confirmed: open and not lost yet.
    pub fn undecided(&self) -> bool {
        self.closed_at.is_none() && self.status != ChurnStatus::Lost
    }

    /// The workflow steps a user with the `churn.edit` right (`can_edit`) may take now, by
    /// API action name.
    pub fn allowed_actions(&self, can_edit: bool) -> Vec<&'static str> {
        if can_edit && self.undecided() { vec!["measures", "confirm"] } else { Vec::new() }
    }
}

/// A measure taken to keep the customer (挽留措施, CHN-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ChurnMeasure {
    pub id: Uuid,
    /// The day it was taken.
    pub date: NaiveDate,
    pub text: String,
    pub author_id: Option<Uuid>,
    pub author: Option<Ref>,
    pub created_at: DateTime<Utc>,
}

const TEXT_MAX: usize = 2000;

/// `POST /churn-warnings/{id}/measures`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasureInput {
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMeasure {
    pub date: NaiveDate,
    pub text: String,
    pub author_id: Option<Uuid>,
}

impl MeasureInput {
    pub fn parse(self, author_id: Option<Uuid>) -> Result<NewMeasure, Error> {
        let mut v = Validator::default();
        let date = v.check(required_date("date", &self.date));
        let text = v.check(required_text("text", &self.text, TEXT_MAX));
        v.finish()?;
        match (date, text) {
            (Some(date), Some(text)) => Ok(NewMeasure { date, text, author_id }),
            _ => Err(Error::invalid("measure", "invalid")),
        }
    }
}

/// `POST /churn-warnings/{id}/confirm`: why the customer is lost (流失原因).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmInput {
    pub reason_id: Option<Uuid>,
}

impl ConfirmInput {
    pub fn parse(self) -> Result<Uuid, Error> {
        self.reason_id.ok_or_else(|| Error::Invalid(vec![FieldError::new("reason_id", "required")]))
    }
}

/// What one `churn-detection` run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DetectionRun {
    pub warned: u64,
}

/// Customers whose last order is before this day are warned: `today` less `months`.
pub fn inactive_since(today: NaiveDate, months: u32) -> NaiveDate {
    today.checked_sub_months(Months::new(months)).unwrap_or(NaiveDate::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warning(status: ChurnStatus, closed: bool) -> ChurnWarning {
        let now = Utc::now();
        ChurnWarning {
            id: Uuid::now_v7(),
            customer_id: Uuid::now_v7(),
            customer_name: "华东机电".into(),
            division_id: Uuid::now_v7(),
            owner_id: None,
            owner: None,
            last_order_date: now.date_naive(),
            status,
            measures: Vec::new(),
            reason_id: None,
            reason: None,
            confirmed_at: None,
            confirmed_by: None,
            closed_at: closed.then_some(now),
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    #[test]
    fn only_an_open_undecided_warning_offers_its_steps_to_an_editor() {
        assert_eq!(warning(ChurnStatus::Warning, false).allowed_actions(true), ["measures", "confirm"]);
        assert_eq!(warning(ChurnStatus::Delaying, false).allowed_actions(true), ["measures", "confirm"]);
        assert!(warning(ChurnStatus::Warning, false).allowed_actions(false).is_empty());
        assert!(warning(ChurnStatus::Lost, false).allowed_actions(true).is_empty());
        assert!(warning(ChurnStatus::Delaying, true).allowed_actions(true).is_empty());
        assert_eq!(warning(ChurnStatus::Delaying, true).state(), "closed");
        assert_eq!(warning(ChurnStatus::Lost, false).state(), "lost");
    }

    #[test]
    fn a_measure_needs_a_date_and_a_text() {
        let bad = MeasureInput { date: "2026-13-01".into(), text: " ".into() };
        let Err(Error::Invalid(errs)) = bad.parse(None) else { panic!("invalid") };
        let fields: Vec<_> = errs.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert_eq!(fields, [("date", "invalid_date"), ("text", "required")]);
    }

    #[test]
    fn the_threshold_counts_calendar_months_back_from_today() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(inactive_since(day("2026-11-24"), 6), day("2026-05-24"));
        // A month without the day ends at its last day.
        assert_eq!(inactive_since(day("2026-08-31"), 6), day("2026-02-28"));
    }
}
