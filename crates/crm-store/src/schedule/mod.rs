//! Storage of the schedule module: tasks, events with their attendees, calendar feeds.

mod events;
mod tasks;

pub(crate) use tasks::scoped as task_scope;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use uuid::Uuid;

use crm_core::FieldError;
use crm_core::access::{AuditStamp, Scope};
use crm_core::listing::{ListRequest, Page};
use crm_core::schedule::{Booking, Event, Range, ScheduleStore, Task};
use crm_core::store::StoreError;

use crate::Db;
use crate::customers::customer;

#[async_trait]
impl ScheduleStore for Db {
    async fn list_tasks(&self, scope: &Scope, req: &ListRequest) -> Result<Page<Task>, StoreError> {
        tasks::list(self, scope, req).await
    }
    async fn get_task(&self, scope: &Scope, id: Uuid) -> Result<Task, StoreError> {
        tasks::get(self, scope, id).await
    }
    async fn create_task(&self, task: &Task, stamp: &AuditStamp) -> Result<Task, StoreError> {
        tasks::create(self, task, stamp).await
    }
    async fn save_task(&self, old: &Task, new: &Task, action: &str, stamp: &AuditStamp) -> Result<Task, StoreError> {
        tasks::save(self, old, new, action, stamp).await
    }
    async fn delete_task(&self, old: &Task, stamp: &AuditStamp) -> Result<(), StoreError> {
        tasks::delete(self, old, stamp).await
    }
    async fn list_events(&self, scope: &Scope, range: Range, req: &ListRequest) -> Result<Page<Event>, StoreError> {
        events::list(self, scope, range, req).await
    }
    async fn get_event(&self, scope: &Scope, id: Uuid) -> Result<Event, StoreError> {
        events::get(self, scope, id).await
    }
    async fn create_event(&self, event: &Event, check: bool, stamp: &AuditStamp) -> Result<Booking, StoreError> {
        events::create(self, event, check, stamp).await
    }
    async fn save_event(
        &self,
        old: &Event,
        new: &Event,
        check: bool,
        stamp: &AuditStamp,
    ) -> Result<Booking, StoreError> {
        events::save(self, old, new, check, stamp).await
    }
    async fn delete_event(&self, old: &Event, stamp: &AuditStamp) -> Result<(), StoreError> {
        events::delete(self, old, stamp).await
    }
    async fn set_calendar_feed(&self, user_id: Uuid, token_hash: &str, stamp: &AuditStamp) -> Result<(), StoreError> {
        events::set_feed(self, user_id, token_hash, stamp).await
    }
    async fn calendar_feed_user(&self, token_hash: &str) -> Result<Option<Uuid>, StoreError> {
        events::feed_user(self, token_hash).await
    }
    async fn has_calendar_feed(&self, user_id: Uuid) -> Result<bool, StoreError> {
        events::has_feed(self, user_id).await
    }
}

/// A required code column (`priority`, `status`, `kind`).
fn code<T>(r: &AnyRow, col: &str, parse: fn(&str, &str) -> Result<T, FieldError>) -> Result<T, StoreError> {
    customer::code(r, col, parse)?.ok_or_else(|| StoreError::Other(format!("{col} is empty").into()))
}

/// An RFC 3339 filter value (`due_before`, …) as stored time text.
fn time_filter(req: &ListRequest, field: &str) -> Result<Option<String>, StoreError> {
    req.filter(field)
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|t| crate::sql::ts(t.with_timezone(&Utc)))
                .map_err(|_| StoreError::Invalid(FieldError::new(field, "invalid_filter")))
        })
        .transpose()
}
