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

/// Where a request stands in the workflow (SVC-2): its status and what each step recorded.
/// The steps below are how a request moves, for the actions (which first check that the step
/// is allowed) and for the data generator alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub status: ServiceStatus,
    pub handler_id: Option<Uuid>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub handling: Option<String>,
    pub handled_at: Option<DateTime<Utc>>,
    pub result: Option<String>,
    pub satisfaction: Option<i64>,
    pub feedback_at: Option<DateTime<Utc>>,
    pub archived_at: Option<DateTime<Utc>>,
    pub rounds: i64,
}

impl Default for Progress {
    /// A request just taken: new, in its first round.
    fn default() -> Self {
        Self {
            status: ServiceStatus::Created,
            handler_id: None,
            assigned_at: None,
            handling: None,
            handled_at: None,
            result: None,
            satisfaction: None,
            feedback_at: None,
            archived_at: None,
            rounds: 1,
        }
    }
}

impl Progress {
    /// Given to a handler, or to another one while assigned.
    pub fn assign(self, handler_id: Uuid, at: DateTime<Utc>) -> Self {
        Self { status: ServiceStatus::Assigned, handler_id: Some(handler_id), assigned_at: Some(at), ..self }
    }

    pub fn handle(self, handling: String, at: DateTime<Utc>) -> Self {
        Self { status: ServiceStatus::Handled, handling: Some(handling), handled_at: Some(at), ..self }
    }

    /// The customer's feedback: archived with a rating of 3 or more, otherwise back to its
    /// handler for another round.
    pub fn answer(self, result: String, satisfaction: i64, at: DateTime<Utc>) -> Self {
        let answered = Self { result: Some(result), satisfaction: Some(satisfaction), feedback_at: Some(at), ..self };
        if FeedbackInput::archives(satisfaction) {
            Self { status: ServiceStatus::Archived, archived_at: Some(at), ..answered }
        } else {
            Self { status: ServiceStatus::Assigned, rounds: answered.rounds + 1, ..answered }
        }
    }

    /// The time of the latest step, none while new.
    pub fn last_step(&self) -> Option<DateTime<Utc>> {
        [self.assigned_at, self.handled_at, self.feedback_at, self.archived_at].into_iter().flatten().max()
    }
}

impl ServiceRequest {
    pub fn progress(&self) -> Progress {
        Progress {
            status: self.status,
            handler_id: self.handler_id,
            assigned_at: self.assigned_at,
            handling: self.handling.clone(),
            handled_at: self.handled_at,
            result: self.result.clone(),
            satisfaction: self.satisfaction,
            feedback_at: self.feedback_at,
            archived_at: self.archived_at,
            rounds: self.rounds,
        }
    }

    /// The request after a step taken at `at` brought it to `progress`.
    pub fn advanced(&self, progress: Progress, at: DateTime<Utc>) -> ServiceRequest {
        let Progress {
            status,
            handler_id,
            assigned_at,
            handling,
            handled_at,
            result,
            satisfaction,
            feedback_at,
            archived_at,
            rounds,
        } = progress;
        ServiceRequest {
            status,
            handler_id,
            assigned_at,
            handling,
            handled_at,
            result,
            satisfaction,
            feedback_at,
            archived_at,
            rounds,
            updated_at: at,
            ..self.clone()
        }
    }
}

/// A request taken at `created_at` and moved through the workflow since, written at once with
/// its customer by `load_histories` (the data generator of `crm demo`, issue 4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastServiceRequest {
    pub new: NewServiceRequest,
    pub created_at: DateTime<Utc>,
    pub progress: Progress,
}

impl PastServiceRequest {
    pub fn updated_at(&self) -> DateTime<Utc> {
        self.progress.last_step().map_or(self.created_at, |at| at.max(self.created_at))
    }

    /// The satisfaction of a customer with these requests (SVC-5): the rounded average of the
    /// ratings of the archived ones, none without one.
    pub fn satisfaction_of(requests: &[PastServiceRequest]) -> Option<i64> {
        let ratings = requests
            .iter()
            .filter(|r| r.progress.status == ServiceStatus::Archived)
            .filter_map(|r| r.progress.satisfaction);
        let (sum, count) = ratings.fold((0, 0), |(sum, count), rating| (sum + rating, count + 1));
        rounded_average(sum, count)
    }
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
    fn feedback_below_three_sends_a_request_back_for_another_round_and_three_archives_it() {
        let (handler, at) = (Uuid::now_v7(), DateTime::<Utc>::UNIX_EPOCH);
        let handled = Progress::default().assign(handler, at).handle("重启".into(), at + Duration::hours(1));
        let back = handled.clone().answer("仍有问题".into(), 2, at + Duration::hours(2));
        assert_eq!((back.status, back.rounds, back.archived_at), (ServiceStatus::Assigned, 2, None));
        let done =
            back.handle("更换".into(), at + Duration::hours(3)).answer("好了".into(), 3, at + Duration::hours(4));
        assert_eq!((done.status, done.rounds, done.satisfaction), (ServiceStatus::Archived, 2, Some(3)));
        assert_eq!((done.archived_at, done.last_step()), (done.feedback_at, Some(at + Duration::hours(4))));
        assert_eq!(done.handler_id, Some(handler));
    }

    #[test]
    fn a_customer_is_as_satisfied_as_its_archived_requests_rated() {
        let new = NewServiceRequest {
            customer_id: Uuid::now_v7(),
            type_id: Uuid::now_v7(),
            summary: "s".into(),
            request: "r".into(),
            created_by: None,
            targets: Targets::DEFAULT,
        };
        let at = DateTime::<Utc>::UNIX_EPOCH;
        let rated = |rating| {
            let progress = Progress::default().assign(Uuid::now_v7(), at).handle("h".into(), at);
            PastServiceRequest { new: new.clone(), created_at: at, progress: progress.answer("r".into(), rating, at) }
        };
        let open = PastServiceRequest { new: new.clone(), created_at: at, progress: Progress::default() };
        assert_eq!(PastServiceRequest::satisfaction_of(std::slice::from_ref(&open)), None);
        assert_eq!(PastServiceRequest::satisfaction_of(&[rated(4), rated(5), rated(1), open]), Some(5));
    }

    #[test]
    fn targets_must_resolve_no_sooner_than_they_respond() {
        let input = SlaInput { response_minutes: Some(60), resolution_minutes: Some(30) };
        assert!(matches!(input.parse(), Err(Error::Invalid(_))));
        let ok = SlaInput { response_minutes: Some(30), resolution_minutes: Some(60) }.parse().unwrap();
        assert_eq!(ok, Targets { response_minutes: 30, resolution_minutes: 60 });
    }
}
