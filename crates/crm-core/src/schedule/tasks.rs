//! The task record (TSK-1) and its inputs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::customers::Ref;
use crate::error::{Error, FieldError, Validator, optional_text, optional_time, required_text};
use crate::patch::Patch;

code_enum! {
    /// How urgent a task is; lists sort by this order.
    Priority { Low = "low", Normal = "normal", High = "high", Urgent = "urgent" }
}

code_enum! {
    /// 待办 → 已完成, or 已取消.
    TaskStatus { Open = "open", Done = "done", Cancelled = "cancelled" }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Task {
    pub id: Uuid,
    /// The division of the linked customer, opportunity or service request; without a link,
    /// the one given or the owner's first division the creator may see.
    pub division_id: Uuid,
    pub title: String,
    pub notes: Option<String>,
    pub owner_id: Uuid,
    pub owner: Ref,
    pub due_at: Option<DateTime<Utc>>,
    pub priority: Priority,
    pub status: TaskStatus,
    pub customer_id: Option<Uuid>,
    pub customer: Option<Ref>,
    pub opportunity_id: Option<Uuid>,
    pub opportunity: Option<Ref>,
    pub service_request_id: Option<Uuid>,
    pub service_request: Option<Ref>,
    pub created_by: Option<Uuid>,
    pub creator: Option<Ref>,
    /// When it was last marked done.
    pub completed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl Task {
    /// Still open after its due time.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.status == TaskStatus::Open && self.due_at.is_some_and(|d| d < now)
    }

    /// The task with a new status; `completed_at` says when it was done, and only while it is.
    pub fn with_status(&self, status: TaskStatus, at: DateTime<Utc>) -> Task {
        let completed_at = match status {
            TaskStatus::Done if self.status == TaskStatus::Done => self.completed_at,
            TaskStatus::Done => Some(at),
            _ => None,
        };
        Task { status, completed_at, updated_at: at, ..self.clone() }
    }
}

const TITLE_MAX: usize = 200;
const NOTES_MAX: usize = 5000;

/// Raw input for a new task.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskInput {
    #[serde(default)]
    pub title: String,
    /// Defaults to the creator; anyone else needs `schedule.assign` (TSK-4).
    pub owner_id: Option<Uuid>,
    /// RFC 3339, e.g. `2026-03-01T18:00:00+08:00`; stored in UTC.
    pub due_at: Option<String>,
    /// Defaults to `normal`.
    pub priority: Option<String>,
    /// Defaults to `open`.
    pub status: Option<String>,
    pub customer_id: Option<Uuid>,
    pub opportunity_id: Option<Uuid>,
    pub service_request_id: Option<Uuid>,
    pub notes: Option<String>,
    /// For a task linked to no record; defaults to the owner's first division.
    pub division_id: Option<Uuid>,
}

/// A validated new task; the action resolves its owner and division.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    pub title: String,
    pub notes: Option<String>,
    pub owner_id: Option<Uuid>,
    pub due_at: Option<DateTime<Utc>>,
    pub priority: Priority,
    pub status: TaskStatus,
    pub customer_id: Option<Uuid>,
    pub opportunity_id: Option<Uuid>,
    pub service_request_id: Option<Uuid>,
    pub division_id: Option<Uuid>,
}

fn parse_priority(value: Option<&str>) -> Result<Priority, FieldError> {
    Ok(Priority::parse_optional("priority", value.unwrap_or(""))?.unwrap_or(Priority::Normal))
}

fn parse_status(value: Option<&str>) -> Result<TaskStatus, FieldError> {
    Ok(TaskStatus::parse_optional("status", value.unwrap_or(""))?.unwrap_or(TaskStatus::Open))
}

impl NewTask {
    pub fn parse(input: TaskInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let title = v.check(required_text("title", &input.title, TITLE_MAX));
        let notes = v.check(optional_text("notes", input.notes.as_deref().unwrap_or(""), NOTES_MAX));
        let due_at = v.check(optional_time("due_at", input.due_at.as_deref().unwrap_or("")));
        let priority = v.check(parse_priority(input.priority.as_deref()));
        let status = v.check(parse_status(input.status.as_deref()));
        v.finish()?;
        let invalid = || Error::invalid("task", "invalid");
        Ok(Self {
            title: title.ok_or_else(invalid)?,
            notes: notes.ok_or_else(invalid)?,
            owner_id: input.owner_id,
            due_at: due_at.ok_or_else(invalid)?,
            priority: priority.ok_or_else(invalid)?,
            status: status.ok_or_else(invalid)?,
            customer_id: input.customer_id,
            opportunity_id: input.opportunity_id,
            service_request_id: input.service_request_id,
            division_id: input.division_id,
        })
    }
}

/// Raw input for an update; the owner changes through `assign`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskPatchInput {
    pub title: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub notes: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub due_at: Patch<String>,
    pub priority: Option<String>,
    /// `done` records `completed_at`; `open` reopens the task.
    pub status: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub customer_id: Patch<Uuid>,
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub opportunity_id: Patch<Uuid>,
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub service_request_id: Patch<Uuid>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskPatch {
    pub title: Option<String>,
    pub notes: Patch<String>,
    pub due_at: Patch<DateTime<Utc>>,
    pub priority: Option<Priority>,
    pub status: Option<TaskStatus>,
    pub customer_id: Patch<Uuid>,
    pub opportunity_id: Patch<Uuid>,
    pub service_request_id: Patch<Uuid>,
}

impl TaskPatch {
    pub fn parse(input: TaskPatchInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let patch = Self {
            title: input.title.and_then(|t| v.check(required_text("title", &t, TITLE_MAX))),
            notes: v.patch(input.notes, |n| optional_text("notes", n, NOTES_MAX)),
            due_at: v.patch(input.due_at, |d| optional_time("due_at", d)),
            priority: input.priority.and_then(|p| v.check(Priority::parse("priority", &p))),
            status: input.status.and_then(|s| v.check(TaskStatus::parse("status", &s))),
            customer_id: input.customer_id,
            opportunity_id: input.opportunity_id,
            service_request_id: input.service_request_id,
        };
        v.finish()?;
        Ok(patch)
    }

    pub fn apply(&self, t: &Task, at: DateTime<Utc>) -> Task {
        let changed = Task {
            title: self.title.clone().unwrap_or_else(|| t.title.clone()),
            notes: self.notes.clone().apply(t.notes.clone()),
            due_at: self.due_at.clone().apply(t.due_at),
            priority: self.priority.unwrap_or(t.priority),
            customer_id: self.customer_id.clone().apply(t.customer_id),
            opportunity_id: self.opportunity_id.clone().apply(t.opportunity_id),
            service_request_id: self.service_request_id.clone().apply(t.service_request_id),
            updated_at: at,
            ..t.clone()
        };
        changed.with_status(self.status.unwrap_or(t.status), at)
    }
}

/// `POST /tasks/{id}/assign` (TSK-4).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskAssignInput {
    pub owner_id: Option<Uuid>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_task_is_open_and_normal_unless_told_otherwise() {
        let t = NewTask::parse(TaskInput { title: " 回访 ".into(), ..Default::default() }).unwrap();
        assert_eq!((t.title.as_str(), t.priority, t.status), ("回访", Priority::Normal, TaskStatus::Open));
    }

    #[test]
    fn bad_fields_are_all_named() {
        let input = TaskInput {
            title: " ".into(),
            due_at: Some("tomorrow".into()),
            priority: Some("asap".into()),
            ..Default::default()
        };
        let Err(Error::Invalid(errs)) = NewTask::parse(input) else { panic!("invalid") };
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "due_at", "priority"]);
    }

    #[test]
    fn due_times_with_an_offset_are_stored_as_the_utc_instant() {
        let input =
            TaskInput { title: "x".into(), due_at: Some("2026-03-01T18:00:00+08:00".into()), ..Default::default() };
        let t = NewTask::parse(input).unwrap();
        assert_eq!(t.due_at.unwrap().to_rfc3339(), "2026-03-01T10:00:00+00:00");
    }
}
