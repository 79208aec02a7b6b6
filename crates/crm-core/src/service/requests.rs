//! The service request record (SVC-1), its workflow inputs (SVC-2) and the service level
//! targets (SVC-3).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::customers::Ref;
use crate::error::{Error, FieldError, Validator, required_text};

code_enum! {
    /// 新创建 → 已分配 → 已处理 → 已归档; feedback below 3 goes back to 已分配.
    ServiceStatus { Created = "created", Assigned = "assigned", Handled = "handled", Archived = "archived" }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ServiceRequest {
    pub id: Uuid,
    /// From the `service_request` number sequence.
    pub number: String,
    /// The customer's division, copied when the request is created.
    pub division_id: Uuid,
    pub customer_id: Uuid,
    pub customer: Ref,
    /// A dictionary entry of kind `service_type` (咨询, 建议, 投诉).
    pub type_id: Uuid,
    #[serde(rename = "type")]
    pub service_type: Ref,
    pub summary: String,
    pub request: String,
    pub status: ServiceStatus,
    pub created_by: Option<Uuid>,
    pub creator: Option<Ref>,
    pub handler_id: Option<Uuid>,
    pub handler: Option<Ref>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub handling: Option<String>,
    pub handled_at: Option<DateTime<Utc>>,
    pub result: Option<String>,
    /// 1–5, from the last feedback.
    pub satisfaction: Option<i64>,
    pub feedback_at: Option<DateTime<Utc>>,
    pub archived_at: Option<DateTime<Utc>>,
    /// How many times it was handled; feedback below 3 starts another round.
    pub rounds: i64,
    /// Assignment is due by then (the type's response target).
    pub respond_by: DateTime<Utc>,
    /// Archiving is due by then (the type's resolution target).
    pub resolve_by: DateTime<Utc>,
    /// Set by the `sla-check` job once a target is missed.
    pub overdue_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl ServiceRequest {
    /// Whether `user` may record the handling: the handler, or a holder of `service.assign`.
    pub fn handled_by(&self, user: Option<Uuid>, directs: bool) -> bool {
        directs || (user.is_some() && user == self.handler_id)
    }

    /// Whether `user` may edit it or record the customer's feedback: who took the request, or a
    /// holder of `service.assign`.
    pub fn owned_by(&self, user: Option<Uuid>, directs: bool) -> bool {
        directs || (user.is_some() && user == self.created_by)
    }

    /// The workflow steps `user` may take now, by API action name, for the UI to offer.
    pub fn allowed_actions(&self, user: Option<Uuid>, can_edit: bool, directs: bool) -> Vec<&'static str> {
        let mut actions = Vec::new();
        match self.status {
            ServiceStatus::Created | ServiceStatus::Assigned if directs => actions.push("assign"),
            _ => {}
        }
        if can_edit && self.status == ServiceStatus::Assigned && self.handled_by(user, directs) {
            actions.push("handle");
        }
        if can_edit && self.status == ServiceStatus::Handled && self.owned_by(user, directs) {
            actions.push("feedback");
        }
        actions
    }
}

/// The rounded (half up) average of satisfaction ratings, in integers only: the customer's
/// satisfaction is this over its archived requests (SVC-5).
pub fn rounded_average(sum: i64, count: i64) -> Option<i64> {
    (count > 0).then(|| (2 * sum + count) / (2 * count))
}

const SUMMARY_MAX: usize = 500;
const TEXT_MAX: usize = 5000;

/// Raw input for a new service request.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceRequestInput {
    pub customer_id: Option<Uuid>,
    pub type_id: Option<Uuid>,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub request: String,
}

/// A validated new request; the store numbers it and copies the customer's division.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewServiceRequest {
    pub customer_id: Uuid,
    pub type_id: Uuid,
    pub summary: String,
    pub request: String,
    pub created_by: Option<Uuid>,
    pub targets: Targets,
}

impl NewServiceRequest {
    pub fn parse(input: ServiceRequestInput, creator: Option<Uuid>, targets: Targets) -> Result<Self, Error> {
        let mut v = Validator::default();
        let customer_id = v.check(input.customer_id.ok_or_else(|| FieldError::new("customer_id", "required")));
        let type_id = v.check(input.type_id.ok_or_else(|| FieldError::new("type_id", "required")));
        let summary = v.check(required_text("summary", &input.summary, SUMMARY_MAX));
        let request = v.check(required_text("request", &input.request, TEXT_MAX));
        v.finish()?;
        match (customer_id, type_id, summary, request) {
            (Some(customer_id), Some(type_id), Some(summary), Some(request)) => {
                Ok(Self { customer_id, type_id, summary, request, created_by: creator, targets })
            }
            _ => Err(Error::invalid("service_request", "invalid")),
        }
    }
}

/// Raw input for an update of what was asked; the rest changes through the actions.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceRequestPatchInput {
    pub type_id: Option<Uuid>,
    pub summary: Option<String>,
    pub request: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceRequestPatch {
    pub type_id: Option<Uuid>,
    pub summary: Option<String>,
    pub request: Option<String>,
}

impl ServiceRequestPatch {
    pub fn parse(input: ServiceRequestPatchInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let patch = Self {
            type_id: input.type_id,
            summary: input.summary.and_then(|s| v.check(required_text("summary", &s, SUMMARY_MAX))),
            request: input.request.and_then(|r| v.check(required_text("request", &r, TEXT_MAX))),
        };
        v.finish()?;
        Ok(patch)
    }

    pub fn apply(&self, r: &ServiceRequest, at: DateTime<Utc>) -> ServiceRequest {
        ServiceRequest {
            type_id: self.type_id.unwrap_or(r.type_id),
            summary: self.summary.clone().unwrap_or_else(|| r.summary.clone()),
            request: self.request.clone().unwrap_or_else(|| r.request.clone()),
            updated_at: at,
            ..r.clone()
        }
    }
}

/// `POST /service-requests/{id}/assign`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignInput {
    pub handler_id: Option<Uuid>,
}

/// `POST /service-requests/{id}/handle`: what was done (处理).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandleInput {
    #[serde(default)]
    pub handling: String,
}

impl HandleInput {
    pub fn parse(self) -> Result<String, Error> {
        required_text("handling", &self.handling, TEXT_MAX).map_err(|e| Error::Invalid(vec![e]))
    }
}

/// `POST /service-requests/{id}/feedback`: the customer's answer (反馈) and rating 1–5.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackInput {
    #[serde(default)]
    pub result: String,
    pub satisfaction: Option<i64>,
}

impl FeedbackInput {
    /// The result text and the rating.
    pub fn parse(self) -> Result<(String, i64), Error> {
        let mut v = Validator::default();
        let result = v.check(required_text("result", &self.result, TEXT_MAX));
        let satisfaction = v.check(match self.satisfaction {
            Some(s) if (1..=5).contains(&s) => Ok(s),
            Some(_) => Err(FieldError::with_param("satisfaction", "out_of_range", "1-5")),
            None => Err(FieldError::new("satisfaction", "required")),
        });
        v.finish()?;
        match (result, satisfaction) {
            (Some(r), Some(s)) => Ok((r, s)),
            _ => Err(Error::invalid("feedback", "invalid")),
        }
    }

    /// A rating of 3 or more archives the request; below that it goes back to its handler.
    pub fn archives(satisfaction: i64) -> bool {
        satisfaction >= 3
    }
}

/// Response and resolution targets in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Targets {
    pub response_minutes: i64,
    pub resolution_minutes: i64,
}

impl Targets {
    /// For a type with no targets of its own: assigned within 4 hours, closed within 3 days.
    pub const DEFAULT: Targets = Targets { response_minutes: 4 * 60, resolution_minutes: 3 * 24 * 60 };

    /// (respond by, resolve by) for a request made at `at`.
    pub fn deadlines(self, at: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        (at + Duration::minutes(self.response_minutes), at + Duration::minutes(self.resolution_minutes))
    }
}

/// The targets of one service type (SVC-3); `configured` is false while the defaults apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Sla {
    pub type_id: Uuid,
    #[serde(rename = "type")]
    pub service_type: Ref,
    pub response_minutes: i64,
    pub resolution_minutes: i64,
    pub configured: bool,
}

/// `PUT /service-sla/{type_id}`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaInput {
    pub response_minutes: Option<i64>,
    pub resolution_minutes: Option<i64>,
}

impl SlaInput {
    pub fn parse(self) -> Result<Targets, Error> {
        const MAX: i64 = 366 * 24 * 60;
        let mut v = Validator::default();
        let minutes = |field: &str, value: Option<i64>| match value {
            Some(m) if (1..=MAX).contains(&m) => Ok(m),
            Some(_) => Err(FieldError::with_param(field, "out_of_range", format!("1-{MAX}"))),
            None => Err(FieldError::new(field, "required")),
        };
        let response = v.check(minutes("response_minutes", self.response_minutes));
        let resolution = v.check(minutes("resolution_minutes", self.resolution_minutes));
        v.finish()?;
        match (response, resolution) {
            (Some(r), Some(s)) if s >= r => Ok(Targets { response_minutes: r, resolution_minutes: s }),
            (Some(_), Some(_)) => Err(Error::invalid("resolution_minutes", "before_response")),
            _ => Err(Error::invalid("sla", "invalid")),
        }
    }
}

/// What one `sla-check` run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SlaRun {
    pub flagged: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn satisfaction_averages_round_half_up() {
        assert_eq!(rounded_average(0, 0), None);
        assert_eq!(rounded_average(7, 2), Some(4));
        assert_eq!(rounded_average(5, 2), Some(3));
        assert_eq!(rounded_average(10, 3), Some(3));
        assert_eq!(rounded_average(11, 3), Some(4));
    }

    #[test]
    fn feedback_needs_a_result_and_a_rating_from_one_to_five() {
        let bad = FeedbackInput { result: " ".into(), satisfaction: Some(6) };
        let Err(Error::Invalid(errs)) = bad.parse() else { panic!("invalid") };
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["result", "satisfaction"]);
        assert!(FeedbackInput::archives(3) && !FeedbackInput::archives(2));
    }

    #[test]
    fn targets_must_resolve_no_sooner_than_they_respond() {
        let input = SlaInput { response_minutes: Some(60), resolution_minutes: Some(30) };
        assert!(matches!(input.parse(), Err(Error::Invalid(_))));
        let ok = SlaInput { response_minutes: Some(30), resolution_minutes: Some(60) }.parse().unwrap();
        assert_eq!(ok, Targets { response_minutes: 30, resolution_minutes: 60 });
    }
}
