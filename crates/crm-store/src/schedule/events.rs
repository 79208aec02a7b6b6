//! Events with their attendees, the overlaps of a period, and calendar feed tokens.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crm_core::access::{AuditStamp, Scope};
use crm_core::customers::Ref;
use crm_core::listing::{ListRequest, Page};
use crm_core::schedule::{Booking, Conflict, Event, EventKind, Range};
use crm_core::store::StoreError;

use super::code;
use crate::Db;
use crate::audit::{self, Change};
use crate::customers::customer::reference;
use crate::database::Backend;
use crate::dialect::lock_users;
use crate::listing::{Kind, ListSpec, find_where, list as list_rows, push_scope};
use crate::sql::{Arg, RowExt, Sql, store_error};

const ENTITY: &str = "events";

const LIST: ListSpec = ListSpec {
    from: "events e LEFT JOIN customers c ON c.id = e.customer_id LEFT JOIN users cr ON cr.id = e.created_by",
    columns: "e.id, e.division_id, e.title, e.kind, e.starts_at, e.ends_at, e.location, e.notes, e.customer_id, \
        c.name AS customer_name, e.created_by, COALESCE(cr.display_name, cr.username) AS creator_name, \
        e.created_at, e.updated_at, e.version",
    id: "e.id",
    default_sort: "starts_at",
    sorts: &[("starts_at", "e.starts_at", Kind::Text), ("created_at", "e.created_at", Kind::Text)],
    filters: &[
        ("division_id", "e.division_id", Kind::Text),
        ("customer_id", "e.customer_id", Kind::Text),
        ("kind", "e.kind", Kind::Text),
        ("created_by", "e.created_by", Kind::Text),
    ],
    search: &["e.title", "e.location"],
    division: None,
    owner: None,
};

/// ` AND EXISTS …`: `user` attends the event.
fn push_attends(sql: &mut Sql, user: impl Into<Arg>) {
    sql.push(" AND EXISTS (SELECT 1 FROM event_attendees a WHERE a.event_id = e.id AND a.user_id = ").bind(user);
    sql.push(")");
}

/// ` AND …`: the events of the scope's divisions and, for an own-scope reader, those they
/// organise or attend.
fn scoped(scope: &Scope) -> Sql {
    let mut sql = Sql::default();
    push_scope(&mut sql, scope, Some("e.division_id"), None);
    if let Some(user) = scope.owner_id {
        sql.push(" AND (e.created_by = ").bind(user).push(" OR EXISTS (SELECT 1 FROM event_attendees a ");
        sql.push("WHERE a.event_id = e.id AND a.user_id = ").bind(user).push("))");
    }
    sql
}

fn from_row(r: &AnyRow) -> Result<Event, StoreError> {
    Ok(Event {
        id: r.id("id")?,
        division_id: r.id("division_id")?,
        title: r.text("title")?,
        kind: code(r, "kind", EventKind::parse)?,
        starts_at: r.time("starts_at")?,
        ends_at: r.time("ends_at")?,
        location: r.opt_text("location")?,
        notes: r.opt_text("notes")?,
        customer_id: r.opt_id("customer_id")?,
        customer: reference(r, "customer_id", "customer_name")?,
        attendee_ids: Vec::new(),
        attendees: Vec::new(),
        created_by: r.opt_id("created_by")?,
        creator: reference(r, "created_by", "creator_name")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        version: r.int("version")?,
    })
}

/// Fills in the attendees of the events, by name, with one query.
async fn with_attendees<'c, E>(conn: E, mut events: Vec<Event>) -> Result<Vec<Event>, StoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    if events.is_empty() {
        return Ok(events);
    }
    let ids: Vec<Uuid> = events.iter().map(|e| e.id).collect();
    let mut sql = Sql::new(
        "SELECT a.event_id, a.user_id, COALESCE(u.display_name, u.username) AS name \
         FROM event_attendees a JOIN users u ON u.id = a.user_id WHERE ",
    );
    sql.bind_in("a.event_id", &ids).push(" ORDER BY u.username");
    let mut of_event: HashMap<Uuid, Vec<Ref>> = HashMap::new();
    for r in sql.query().fetch_all(conn).await.map_err(store_error)? {
        of_event.entry(r.id("event_id")?).or_default().push(Ref { id: r.id("user_id")?, label: r.text("name")? });
    }
    for e in &mut events {
        e.attendees = of_event.remove(&e.id).unwrap_or_default();
        e.attendee_ids = e.attendees.iter().map(|a| a.id).collect();
    }
    Ok(events)
}

pub async fn list(db: &Db, scope: &Scope, range: Range, req: &ListRequest) -> Result<Page<Event>, StoreError> {
    let mut extra = Sql::new(" AND e.ends_at > ");
    extra.bind(range.from).push(" AND e.starts_at < ").bind(range.to);
    if let Some(attendee) = req.filter("attendee_id") {
        push_attends(&mut extra, attendee);
    }
    extra.append(&scoped(scope));
    let mut rest = req.clone();
    rest.filters.retain(|(name, _)| name != "attendee_id");
    let page = list_rows(&db.reader, &LIST, &Scope::everything(), &extra, &rest).await?.try_map(|r| from_row(&r))?;
    let items = with_attendees(&db.reader, page.items).await?;
    Ok(Page { items, ..page })
}

async fn get_in(conn: &mut AnyConnection, scope: &Scope, id: Uuid) -> Result<Event, StoreError> {
    let event = from_row(&find_where(&mut *conn, &LIST, &Scope::everything(), &scoped(scope), id).await?)?;
    with_attendees(conn, vec![event]).await?.pop().ok_or(StoreError::NotFound)
}

pub async fn get(db: &Db, scope: &Scope, id: Uuid) -> Result<Event, StoreError> {
    get_in(&mut *db.reader.acquire().await.map_err(store_error)?, scope, id).await
}

/// The events of `attendees` that overlap the period, read in the caller's write transaction
/// after locking the attendees' rows on PostgreSQL (SQLite's write transaction excludes every
/// other writer already), so that no booking of theirs can slip in before this one commits.
async fn conflicts(
    conn: &mut AnyConnection,
    backend: Backend,
    attendees: &[Uuid],
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    except: Option<Uuid>,
) -> Result<Vec<Conflict>, StoreError> {
    let mut sql = Sql::new(
        "SELECT e.id, e.title, e.starts_at, e.ends_at, e.division_id, e.created_by, a.user_id, \
         COALESCE(u.display_name, u.username) AS attendee_name \
         FROM events e JOIN event_attendees a ON a.event_id = e.id JOIN users u ON u.id = a.user_id WHERE ",
    );
    // Half-open periods: an event that ends as this one starts does not overlap it.
    sql.bind_in("a.user_id", attendees).push(" AND e.starts_at < ").bind(ends_at);
    sql.push(" AND e.ends_at > ").bind(starts_at);
    if let Some(id) = except {
        sql.push(" AND e.id <> ").bind(id);
    }
    sql.push(" ORDER BY e.starts_at, e.id, u.username");
    lock_users(conn, backend, attendees).await?;
    let rows = sql.query().fetch_all(&mut *conn).await.map_err(store_error)?;
    rows.iter()
        .map(|r| {
            Ok(Conflict {
                event_id: r.id("id")?,
                title: Some(r.text("title")?),
                starts_at: r.time("starts_at")?,
                ends_at: r.time("ends_at")?,
                attendee_id: r.id("user_id")?,
                attendee: r.text("attendee_name")?,
                division_id: r.id("division_id")?,
                created_by: r.opt_id("created_by")?,
            })
        })
        .collect()
}

async fn log(
    conn: &mut AnyConnection,
    stamp: &AuditStamp,
    action: &str,
    old: Option<&Event>,
    new: Option<&Event>,
) -> Result<(), StoreError> {
    let Some(any) = new.or(old) else { return Ok(()) };
    let change = Change { entity: ENTITY, entity_id: any.id, action, division_id: Some(any.division_id), old, new };
    audit::record(conn, stamp, change).await
}

async fn write_attendees(conn: &mut AnyConnection, event: &Event) -> Result<(), StoreError> {
    let mut sql = Sql::new("DELETE FROM event_attendees WHERE event_id = ");
    sql.bind(event.id);
    sql.query().execute(&mut *conn).await.map_err(store_error)?;
    for user in &event.attendee_ids {
        let mut sql = Sql::new("INSERT INTO event_attendees (event_id, user_id) VALUES (");
        sql.bind(event.id).push(", ").bind(*user).push(")");
        sql.query().execute(&mut *conn).await.map_err(store_error)?;
    }
    Ok(())
}

pub async fn create(db: &Db, e: &Event, check: bool, stamp: &AuditStamp) -> Result<Booking, StoreError> {
    let mut tx = db.begin_write().await?;
    if check {
        let found = conflicts(&mut tx, db.backend, &e.attendee_ids, e.starts_at, e.ends_at, None).await?;
        if !found.is_empty() {
            return Ok(Booking::Clashes(found));
        }
    }
    let mut sql = Sql::new(
        "INSERT INTO events (id, division_id, title, kind, starts_at, ends_at, location, notes, customer_id, \
         created_by, created_at, updated_at, version) VALUES (",
    );
    sql.bind(e.id).push(", ").bind(e.division_id).push(", ").bind(&e.title).push(", ").bind(e.kind.code());
    sql.push(", ").bind(e.starts_at).push(", ").bind(e.ends_at).push(", ").bind(e.location.clone());
    sql.push(", ").bind(e.notes.clone()).push(", ").bind(e.customer_id).push(", ").bind(e.created_by);
    sql.push(", ").bind(e.created_at).push(", ").bind(e.updated_at).push(", 1)");
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    write_attendees(&mut tx, e).await?;
    let stored = get_in(&mut tx, &Scope::everything(), e.id).await?;
    log(&mut tx, stamp, "create", None, Some(&stored)).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(Booking::Booked(Box::new(stored)))
}

pub async fn save(db: &Db, old: &Event, new: &Event, check: bool, stamp: &AuditStamp) -> Result<Booking, StoreError> {
    let mut tx = db.begin_write().await?;
    if check {
        let found = conflicts(&mut tx, db.backend, &new.attendee_ids, new.starts_at, new.ends_at, Some(old.id)).await?;
        if !found.is_empty() {
            return Ok(Booking::Clashes(found));
        }
    }
    let mut sql = Sql::new("UPDATE events SET title = ");
    sql.bind(&new.title).push(", kind = ").bind(new.kind.code()).push(", starts_at = ").bind(new.starts_at);
    sql.push(", ends_at = ").bind(new.ends_at).push(", location = ").bind(new.location.clone());
    sql.push(", notes = ").bind(new.notes.clone()).push(", customer_id = ").bind(new.customer_id);
    sql.push(", updated_at = ").bind(new.updated_at).push(", version = version + 1 WHERE id = ").bind(old.id);
    sql.push(" AND version = ").bind(old.version);
    if sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    if new.attendee_ids != old.attendee_ids {
        write_attendees(&mut tx, new).await?;
    }
    let stored = get_in(&mut tx, &Scope::everything(), old.id).await?;
    log(&mut tx, stamp, "update", Some(old), Some(&stored)).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(Booking::Booked(Box::new(stored)))
}

pub async fn delete(db: &Db, old: &Event, stamp: &AuditStamp) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    let mut sql = Sql::new("DELETE FROM events WHERE id = ");
    sql.bind(old.id).push(" AND version = ").bind(old.version);
    if sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    log(&mut tx, stamp, "delete", Some(old), None).await?;
    tx.commit().await.map_err(store_error)
}

pub async fn set_feed(db: &Db, user_id: Uuid, token_hash: &str, stamp: &AuditStamp) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    let mut sql = Sql::new("DELETE FROM calendar_feeds WHERE user_id = ");
    sql.bind(user_id);
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    let mut sql = Sql::new("INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES (");
    sql.bind(user_id).push(", ").bind(token_hash).push(", ").bind(stamp.at).push(")");
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    let change = Change::<()> {
        entity: "calendar_feeds",
        entity_id: user_id,
        action: "reset",
        division_id: None,
        old: None,
        new: None,
    };
    audit::record(&mut tx, stamp, change).await?;
    tx.commit().await.map_err(store_error)
}

pub async fn feed_user(db: &Db, token_hash: &str) -> Result<Option<Uuid>, StoreError> {
    let mut sql = Sql::new("SELECT user_id FROM calendar_feeds WHERE token_hash = ");
    sql.bind(token_hash);
    let row = sql.query().fetch_optional(&db.reader).await.map_err(store_error)?;
    row.map(|r| r.id("user_id")).transpose()
}

pub async fn has_feed(db: &Db, user_id: Uuid) -> Result<bool, StoreError> {
    let mut sql = Sql::new("SELECT user_id FROM calendar_feeds WHERE user_id = ");
    sql.bind(user_id);
    Ok(sql.query().fetch_optional(&db.reader).await.map_err(store_error)?.is_some())
}
