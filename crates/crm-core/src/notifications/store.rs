use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{NewNotification, NoticeRun, Notification};
use crate::listing::{ListRequest, Page};
use crate::store::StoreError;

/// Storage of notices. Every read is of one recipient's notices.
#[async_trait]
pub trait NotificationStore {
    /// Writes the notices whose key the recipient has not had yet; the count written.
    async fn notify(&self, notices: &[NewNotification], at: DateTime<Utc>) -> Result<u64, StoreError>;
    /// Filters: `unread` (`true`/`false`), `kind`. Sort: `created_at`.
    async fn list_notifications(&self, user_id: Uuid, req: &ListRequest) -> Result<Page<Notification>, StoreError>;
    async fn count_unread_notifications(&self, user_id: Uuid) -> Result<i64, StoreError>;
    /// Marks one notice of the user read (again is fine) and answers it; `NotFound` if it is
    /// not theirs.
    async fn mark_notification_read(
        &self,
        user_id: Uuid,
        id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<Notification, StoreError>;
    /// Marks every notice of the user read; the count marked.
    async fn mark_all_notifications_read(&self, user_id: Uuid, at: DateTime<Utc>) -> Result<u64, StoreError>;
    /// Reminders (TSK-3): to owners of open tasks due within `ahead` of `now` or gone overdue
    /// in the last day, and to attendees of events starting within `ahead`; once per task or
    /// event and time, so a task moved to another time is reminded again.
    async fn notify_due(&self, now: DateTime<Utc>, ahead: chrono::Duration) -> Result<NoticeRun, StoreError>;
    /// Notices to the customers' owners about their contacts whose birthday is `day` (month
    /// and day), keyed by contact and year.
    async fn notify_birthdays(&self, day: NaiveDate, at: DateTime<Utc>) -> Result<NoticeRun, StoreError>;
}
