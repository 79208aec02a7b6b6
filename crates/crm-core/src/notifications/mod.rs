//! The notification centre (CFG-3, TSK-3, CUS-10, ACL-6): notices to one user about a
//! record — something assigned to them, late, about to churn, a contact's birthday. Notices
//! are written in the transaction of the change or by the jobs that detect the condition;
//! each has a key that makes writing it twice a no-op, so jobs may run as often as they like.

pub mod actions;
mod store;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

pub use store::NotificationStore;

code_enum! {
    /// What a notice is about; the UI words it as `notice-<kind>`.
    NotificationKind {
        OpportunityAssigned = "opportunity_assigned",
        OpportunityStale = "opportunity_stale",
        ServiceAssigned = "service_assigned",
        TaskAssigned = "task_assigned",
        TaskDue = "task_due",
        TaskOverdue = "task_overdue",
        EventStarting = "event_starting",
        ChurnWarning = "churn_warning",
        SlaBreached = "sla_breached",
        ContactBirthday = "contact_birthday",
        InactiveUser = "inactive_user",
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Notification {
    pub id: Uuid,
    pub user_id: Uuid,
    pub kind: NotificationKind,
    /// The kind of record it is about, as its path is named: `opportunities`, `users`, …
    pub entity: String,
    pub entity_id: Uuid,
    /// The record's name or number when the notice was written.
    pub subject: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

impl Notification {
    /// The page of the record the notice is about.
    pub fn link(&self) -> String {
        format!("/{}/{}", self.entity, self.entity_id)
    }
}

/// A notice to write. `key` is unique per recipient: the same key is written once.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotification {
    pub user_id: Uuid,
    pub kind: NotificationKind,
    pub entity: &'static str,
    pub entity_id: Uuid,
    pub subject: String,
    pub key: String,
}

/// What a job that writes notices did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoticeRun {
    pub written: u64,
}
