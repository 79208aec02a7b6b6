//! Notices of the notification centre. `insert` is also called inside other modules' write
//! transactions, so that a notice is written with the change it tells of, or not at all.

use async_trait::async_trait;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crm_core::access::{AuditStamp, Scope};
use crm_core::listing::{ListRequest, Page};
use crm_core::notifications::{NewNotification, NoticeRun, Notification, NotificationKind, NotificationStore};
use crm_core::schedule::TaskStatus;
use crm_core::store::StoreError;

use crate::Db;
use crate::listing::{Kind, ListSpec, find, list as list_rows};
use crate::sql::{Arg, RowExt, Rows, Sql, store_error};

const LIST: ListSpec = ListSpec {
    from: "notifications n",
    columns: "n.id, n.user_id, n.kind, n.entity, n.entity_id, n.subject, n.created_at, n.read_at",
    id: "n.id",
    default_sort: "-created_at",
    sorts: &[("created_at", "n.created_at", Kind::Text)],
    filters: &[("kind", "n.kind", Kind::Text), ("unread", "(n.read_at IS NULL)", Kind::Bool)],
    search: &[],
    division: None,
    owner: Some("n.user_id"),
};

fn from_row(r: &AnyRow) -> Result<Notification, StoreError> {
    let kind = r.text("kind")?;
    Ok(Notification {
        id: r.id("id")?,
        user_id: r.id("user_id")?,
        kind: NotificationKind::parse("kind", &kind)
            .map_err(|_| StoreError::Other(format!("bad notification kind {kind:?}").into()))?,
        entity: r.text("entity")?,
        entity_id: r.id("entity_id")?,
        subject: r.text("subject")?,
        created_at: r.time("created_at")?,
        read_at: r.opt_time("read_at")?,
    })
}

const COLUMNS: [&str; 8] = ["id", "user_id", "kind", "entity", "entity_id", "subject", "dedupe_key", "created_at"];
const ON_CONFLICT: &str = " ON CONFLICT (user_id, dedupe_key) DO NOTHING";

fn values(n: &NewNotification, at: DateTime<Utc>) -> [Arg; 8] {
    [
        Uuid::now_v7().into(),
        n.user_id.into(),
        n.kind.code().into(),
        n.entity.into(),
        n.entity_id.into(),
        n.subject.as_str().into(),
        n.key.as_str().into(),
        at.into(),
    ]
}

/// Writes the notice unless its recipient had its key already; 1 if written, else 0.
pub async fn insert(conn: &mut AnyConnection, n: &NewNotification, at: DateTime<Utc>) -> Result<u64, StoreError> {
    let mut rows = Rows::new("notifications", &COLUMNS).with_tail(ON_CONFLICT);
    rows.push(conn, values(n, at)).await?;
    rows.finish(conn).await
}

/// Tells `assignee` that the record was assigned to them, unless they did it themselves.
pub async fn assigned(
    conn: &mut AnyConnection,
    kind: NotificationKind,
    (entity, entity_id): (&'static str, Uuid),
    subject: String,
    assignee: Uuid,
    stamp: &AuditStamp,
) -> Result<(), StoreError> {
    if stamp.actor_id == Some(assignee) {
        return Ok(());
    }
    let key = format!("assign:{entity_id}:{}", stamp.at.to_rfc3339());
    let notice = NewNotification { user_id: assignee, kind, entity, entity_id, subject, key };
    insert(conn, &notice, stamp.at).await.map(drop)
}

/// Notices about the records a query finds: it answers `id` (the record), `user_id` (the
/// recipient; rows without one are skipped), `subject` and `tag` (what makes this occasion
/// another than an earlier one of the same record, e.g. its due time). Each is keyed
/// `{key}:{id}:{tag}`. Written in batches: a first churn detection finds hundreds of thousands.
pub async fn notify_found(
    conn: &mut AnyConnection,
    kind: NotificationKind,
    entity: &'static str,
    key: &str,
    query: &Sql,
    at: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let rows = query.query().fetch_all(&mut *conn).await.map_err(store_error)?;
    let mut notices = Rows::new("notifications", &COLUMNS).with_tail(ON_CONFLICT);
    for r in &rows {
        let Some(user_id) = r.opt_id("user_id")? else { continue };
        let entity_id = r.id("id")?;
        let key = format!("{key}:{entity_id}:{}", r.text("tag")?);
        let notice = NewNotification { user_id, kind, entity, entity_id, subject: r.text("subject")?, key };
        notices.push(conn, values(&notice, at)).await?;
    }
    notices.finish(conn).await
}

/// The `MM-DD` days whose birthdays fall on `day`: on 28 February of a common year, the
/// people born on 29 February too.
fn birthday_days(day: NaiveDate) -> Vec<String> {
    let mut days = vec![day.format("%m-%d").to_string()];
    if day.month() == 2 && day.day() == 28 && NaiveDate::from_ymd_opt(day.year(), 2, 29).is_none() {
        days.push("02-29".to_string());
    }
    days
}

#[async_trait]
impl NotificationStore for Db {
    async fn notify(&self, notices: &[NewNotification], at: DateTime<Utc>) -> Result<u64, StoreError> {
        if notices.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin_write().await?;
        let mut rows = Rows::new("notifications", &COLUMNS).with_tail(ON_CONFLICT);
        for n in notices {
            rows.push(&mut tx, values(n, at)).await?;
        }
        let written = rows.finish(&mut tx).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(written)
    }

    async fn list_notifications(&self, user_id: Uuid, req: &ListRequest) -> Result<Page<Notification>, StoreError> {
        let scope = Scope { divisions: None, owner_id: Some(user_id) };
        list_rows(&self.reader, &LIST, &scope, &Sql::default(), req).await?.try_map(|r| from_row(&r))
    }

    async fn count_unread_notifications(&self, user_id: Uuid) -> Result<i64, StoreError> {
        let mut sql = Sql::new("SELECT COUNT(*) AS n FROM notifications WHERE user_id = ");
        sql.bind(user_id).push(" AND read_at IS NULL");
        sql.query().fetch_one(&self.reader).await.map_err(store_error)?.int("n")
    }

    async fn mark_notification_read(
        &self,
        user_id: Uuid,
        id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<Notification, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut sql = Sql::new("UPDATE notifications SET read_at = COALESCE(read_at, ");
        sql.bind(at).push(") WHERE id = ").bind(id).push(" AND user_id = ").bind(user_id);
        sql.query().execute(&mut *tx).await.map_err(store_error)?;
        let scope = Scope { divisions: None, owner_id: Some(user_id) };
        let notice = from_row(&find(&mut *tx, &LIST, &scope, id).await?)?;
        tx.commit().await.map_err(store_error)?;
        Ok(notice)
    }

    async fn mark_all_notifications_read(&self, user_id: Uuid, at: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut sql = Sql::new("UPDATE notifications SET read_at = ");
        sql.bind(at).push(" WHERE user_id = ").bind(user_id).push(" AND read_at IS NULL");
        Ok(sql.query().execute(&self.writer).await.map_err(store_error)?.rows_affected())
    }

    async fn notify_due(&self, now: DateTime<Utc>, ahead: Duration) -> Result<NoticeRun, StoreError> {
        let open = TaskStatus::Open.code();
        let mut tx = self.begin_write().await?;
        let mut written = 0;
        let tasks =
            "SELECT t.id, t.owner_id AS user_id, t.title AS subject, t.due_at AS tag FROM tasks t WHERE t.status = ";
        let mut due = Sql::new(tasks);
        due.bind(open).push(" AND t.due_at > ").bind(now).push(" AND t.due_at <= ").bind(now + ahead);
        written += notify_found(&mut tx, NotificationKind::TaskDue, "tasks", "due", &due, now).await?;
        // A day back, not further: a task overdue for months is not news every minute.
        let mut overdue = Sql::new(tasks);
        overdue.bind(open).push(" AND t.due_at <= ").bind(now).push(" AND t.due_at > ").bind(now - Duration::days(1));
        written += notify_found(&mut tx, NotificationKind::TaskOverdue, "tasks", "overdue", &overdue, now).await?;
        let mut starting = Sql::new(
            "SELECT e.id, a.user_id, e.title AS subject, e.starts_at AS tag FROM events e \
             JOIN event_attendees a ON a.event_id = e.id WHERE e.starts_at > ",
        );
        starting.bind(now).push(" AND e.starts_at <= ").bind(now + ahead);
        written += notify_found(&mut tx, NotificationKind::EventStarting, "events", "starts", &starting, now).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(NoticeRun { written })
    }

    async fn notify_birthdays(&self, day: NaiveDate, at: DateTime<Utc>) -> Result<NoticeRun, StoreError> {
        let mut sql = Sql::new(
            "SELECT c.id, c.name, c.customer_id, cu.name AS customer_name, cu.owner_id FROM contacts c \
             JOIN customers cu ON cu.id = c.customer_id WHERE cu.owner_id IS NOT NULL AND ",
        );
        sql.bind_in("substr(c.birthday, 6)", &birthday_days(day));
        let rows = sql.query().fetch_all(&self.reader).await.map_err(store_error)?;
        let notices = rows
            .iter()
            .map(|r| {
                Ok(NewNotification {
                    user_id: r.id("owner_id")?,
                    kind: NotificationKind::ContactBirthday,
                    entity: "customers",
                    entity_id: r.id("customer_id")?,
                    subject: format!("{}（{}）", r.text("name")?, r.text("customer_name")?),
                    key: format!("birthday:{}:{}", r.id("id")?, day.year()),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(NoticeRun { written: self.notify(&notices, at).await? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_born_on_29_february_are_remembered_on_28_february_of_common_years() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(birthday_days(day(2026, 2, 28)), ["02-28", "02-29"]);
        assert_eq!(birthday_days(day(2028, 2, 28)), ["02-28"]);
        assert_eq!(birthday_days(day(2026, 11, 24)), ["11-24"]);
    }
}
