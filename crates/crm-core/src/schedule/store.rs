use async_trait::async_trait;
use uuid::Uuid;

use super::{Booking, Event, Range, Task};
use crate::access::{AuditStamp, Scope};
use crate::listing::{ListRequest, Page};
use crate::store::StoreError;

/// Storage of tasks, events and calendar feeds. A task is visible in its division and, to an
/// own-scope reader, when they own it or created it; an event when they organise or attend it.
/// Every write is one transaction with its audit rows.
#[async_trait]
pub trait ScheduleStore {
    /// Filters: `owner_id`, `status`, `priority`, `customer_id`, `opportunity_id`,
    /// `service_request_id`, `division_id`, `created_by`, `due_before`/`due_after` (RFC 3339).
    /// Sorts: `due_at` (tasks without one last), `priority` (urgent first when descending),
    /// `created_at`, `updated_at`.
    async fn list_tasks(&self, scope: &Scope, req: &ListRequest) -> Result<Page<Task>, StoreError>;
    async fn get_task(&self, scope: &Scope, id: Uuid) -> Result<Task, StoreError>;
    /// Writes `task` as given (its id, division and owner resolved by the action).
    async fn create_task(&self, task: &Task, stamp: &AuditStamp) -> Result<Task, StoreError>;
    /// Writes `new` over `old` if the row is still at `old`'s version, logging `action`.
    async fn save_task(&self, old: &Task, new: &Task, action: &str, stamp: &AuditStamp) -> Result<Task, StoreError>;
    async fn delete_task(&self, old: &Task, stamp: &AuditStamp) -> Result<(), StoreError>;

    /// The events that overlap `range`. Filters: `attendee_id`, `division_id`, `customer_id`,
    /// `kind`, `created_by`. Sorts: `starts_at` (default), `created_at`.
    async fn list_events(&self, scope: &Scope, range: Range, req: &ListRequest) -> Result<Page<Event>, StoreError>;
    async fn get_event(&self, scope: &Scope, id: Uuid) -> Result<Event, StoreError>;
    /// Writes the event with its attendees, unless `check` finds it overlapping another event of
    /// the same attendees: the clashes are then answered and nothing is written. The check is
    /// made in the write transaction, with the attendees locked, so that two bookings made at
    /// once cannot both pass it.
    async fn create_event(&self, event: &Event, check: bool, stamp: &AuditStamp) -> Result<Booking, StoreError>;
    /// Writes `new` over `old`, checked like `create_event`.
    async fn save_event(
        &self,
        old: &Event,
        new: &Event,
        check: bool,
        stamp: &AuditStamp,
    ) -> Result<Booking, StoreError>;
    async fn delete_event(&self, old: &Event, stamp: &AuditStamp) -> Result<(), StoreError>;

    /// Gives the user a new feed token (its hash), replacing the old one.
    async fn set_calendar_feed(&self, user_id: Uuid, token_hash: &str, stamp: &AuditStamp) -> Result<(), StoreError>;
    /// The user whose feed token has this hash.
    async fn calendar_feed_user(&self, token_hash: &str) -> Result<Option<Uuid>, StoreError>;
    /// Whether the user has a feed address.
    async fn has_calendar_feed(&self, user_id: Uuid) -> Result<bool, StoreError>;
}
