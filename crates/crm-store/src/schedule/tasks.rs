//! Tasks: reads in the caller's scope, each write in one transaction with its audit row.

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crm_core::access::{AuditStamp, Scope};
use crm_core::customers::Ref;
use crm_core::listing::{ListRequest, Page};
use crm_core::notifications::NotificationKind;
use crm_core::schedule::{Priority, Task, TaskStatus};
use crm_core::store::StoreError;

use super::{code, time_filter};
use crate::Db;
use crate::audit::{self, Change};
use crate::customers::customer::reference;
use crate::listing::{Kind, ListSpec, find_where, list as list_rows, push_scope};
use crate::notifications;
use crate::sql::{RowExt, Sql, store_error};

const ENTITY: &str = "tasks";

const FROM: &str = "tasks t \
    JOIN users o ON o.id = t.owner_id \
    LEFT JOIN customers c ON c.id = t.customer_id \
    LEFT JOIN opportunities op ON op.id = t.opportunity_id \
    LEFT JOIN service_requests sr ON sr.id = t.service_request_id \
    LEFT JOIN users cr ON cr.id = t.created_by";

const COLUMNS: &str = "t.id, t.division_id, t.title, t.notes, t.owner_id, COALESCE(o.display_name, o.username) AS owner_name, \
    t.due_at, t.priority, t.status, t.customer_id, c.name AS customer_name, t.opportunity_id, \
    op.summary AS opportunity_name, t.service_request_id, sr.number AS service_request_name, t.created_by, \
    COALESCE(cr.display_name, cr.username) AS creator_name, t.completed_at, t.created_at, t.updated_at, t.version";

/// Scope is applied by `push_task_scope` (owner or creator), not by the spec's columns.
const LIST: ListSpec = ListSpec {
    from: FROM,
    columns: COLUMNS,
    id: "t.id",
    default_sort: "due_at",
    sorts: &[
        // Tasks without a due time come last.
        ("due_at", "COALESCE(t.due_at, '9999')", Kind::Text),
        (
            "priority",
            "CAST(CASE t.priority WHEN 'low' THEN 0 WHEN 'normal' THEN 1 WHEN 'high' THEN 2 ELSE 3 END AS BIGINT)",
            Kind::Int,
        ),
        ("created_at", "t.created_at", Kind::Text),
        ("updated_at", "t.updated_at", Kind::Text),
    ],
    filters: &[
        ("owner_id", "t.owner_id", Kind::Text),
        ("status", "t.status", Kind::Text),
        ("priority", "t.priority", Kind::Text),
        ("customer_id", "t.customer_id", Kind::Text),
        ("opportunity_id", "t.opportunity_id", Kind::Text),
        ("service_request_id", "t.service_request_id", Kind::Text),
        ("division_id", "t.division_id", Kind::Text),
        ("created_by", "t.created_by", Kind::Text),
    ],
    search: &["t.title", "c.name"],
    division: None,
    owner: None,
};

/// ` AND …`: the tasks of the scope's divisions and, for an own-scope reader, those they own
/// or created.
pub(crate) fn scoped(scope: &Scope) -> Sql {
    let mut sql = Sql::default();
    push_scope(&mut sql, scope, Some("t.division_id"), None);
    if let Some(user) = scope.owner_id {
        sql.push(" AND (t.owner_id = ").bind(user).push(" OR t.created_by = ").bind(user).push(")");
    }
    sql
}

fn from_row(r: &AnyRow) -> Result<Task, StoreError> {
    Ok(Task {
        id: r.id("id")?,
        division_id: r.id("division_id")?,
        title: r.text("title")?,
        notes: r.opt_text("notes")?,
        owner_id: r.id("owner_id")?,
        owner: Ref { id: r.id("owner_id")?, label: r.text("owner_name")? },
        due_at: r.opt_time("due_at")?,
        priority: code(r, "priority", Priority::parse)?,
        status: code(r, "status", TaskStatus::parse)?,
        customer_id: r.opt_id("customer_id")?,
        customer: reference(r, "customer_id", "customer_name")?,
        opportunity_id: r.opt_id("opportunity_id")?,
        opportunity: reference(r, "opportunity_id", "opportunity_name")?,
        service_request_id: r.opt_id("service_request_id")?,
        service_request: reference(r, "service_request_id", "service_request_name")?,
        created_by: r.opt_id("created_by")?,
        creator: reference(r, "created_by", "creator_name")?,
        completed_at: r.opt_time("completed_at")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        version: r.int("version")?,
    })
}

/// The due-time filters as conditions of their own; the rest stays with the list helper.
fn due_filters(req: &ListRequest) -> Result<(Sql, ListRequest), StoreError> {
    let mut sql = Sql::default();
    if let Some(before) = time_filter(req, "due_before")? {
        sql.push(" AND t.due_at < ").bind(before);
    }
    if let Some(after) = time_filter(req, "due_after")? {
        sql.push(" AND t.due_at >= ").bind(after);
    }
    let mut rest = req.clone();
    rest.filters.retain(|(name, _)| !matches!(name.as_str(), "due_before" | "due_after"));
    Ok((sql, rest))
}

pub async fn list(db: &Db, scope: &Scope, req: &ListRequest) -> Result<Page<Task>, StoreError> {
    let (mut extra, req) = due_filters(req)?;
    extra.append(&scoped(scope));
    list_rows(&db.reader, &LIST, &Scope::everything(), &extra, &req).await?.try_map(|r| from_row(&r))
}

async fn get_in(conn: &mut AnyConnection, scope: &Scope, id: Uuid) -> Result<Task, StoreError> {
    from_row(&find_where(conn, &LIST, &Scope::everything(), &scoped(scope), id).await?)
}

pub async fn get(db: &Db, scope: &Scope, id: Uuid) -> Result<Task, StoreError> {
    get_in(&mut *db.reader.acquire().await.map_err(store_error)?, scope, id).await
}

async fn log(
    conn: &mut AnyConnection,
    stamp: &AuditStamp,
    action: &str,
    old: Option<&Task>,
    new: Option<&Task>,
) -> Result<(), StoreError> {
    let Some(any) = new.or(old) else { return Ok(()) };
    let change = Change { entity: ENTITY, entity_id: any.id, action, division_id: Some(any.division_id), old, new };
    audit::record(conn, stamp, change).await
}

/// Tells the task's owner it was given to them (TSK-4), unless they took it themselves.
async fn notify_owner(conn: &mut AnyConnection, t: &Task, stamp: &AuditStamp) -> Result<(), StoreError> {
    let kind = NotificationKind::TaskAssigned;
    notifications::assigned(conn, kind, (ENTITY, t.id), t.title.clone(), t.owner_id, stamp).await
}

pub async fn create(db: &Db, t: &Task, stamp: &AuditStamp) -> Result<Task, StoreError> {
    let mut tx = db.begin_write().await?;
    let mut sql = Sql::new(
        "INSERT INTO tasks (id, division_id, title, notes, owner_id, due_at, priority, status, customer_id, \
         opportunity_id, service_request_id, created_by, completed_at, created_at, updated_at, version) VALUES (",
    );
    sql.bind(t.id).push(", ").bind(t.division_id).push(", ").bind(&t.title).push(", ").bind(t.notes.clone());
    sql.push(", ").bind(t.owner_id).push(", ").bind(t.due_at).push(", ").bind(t.priority.code());
    sql.push(", ").bind(t.status.code()).push(", ").bind(t.customer_id).push(", ").bind(t.opportunity_id);
    sql.push(", ").bind(t.service_request_id).push(", ").bind(t.created_by).push(", ").bind(t.completed_at);
    sql.push(", ").bind(t.created_at).push(", ").bind(t.updated_at).push(", 1)");
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    let stored = get_in(&mut tx, &Scope::everything(), t.id).await?;
    log(&mut tx, stamp, "create", None, Some(&stored)).await?;
    notify_owner(&mut tx, &stored, stamp).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(stored)
}

pub async fn save(db: &Db, old: &Task, new: &Task, action: &str, stamp: &AuditStamp) -> Result<Task, StoreError> {
    let mut tx = db.begin_write().await?;
    let mut sql = Sql::new("UPDATE tasks SET title = ");
    sql.bind(&new.title).push(", notes = ").bind(new.notes.clone()).push(", owner_id = ").bind(new.owner_id);
    sql.push(", due_at = ").bind(new.due_at).push(", priority = ").bind(new.priority.code());
    sql.push(", status = ").bind(new.status.code()).push(", customer_id = ").bind(new.customer_id);
    sql.push(", opportunity_id = ").bind(new.opportunity_id);
    sql.push(", service_request_id = ").bind(new.service_request_id);
    sql.push(", completed_at = ").bind(new.completed_at).push(", updated_at = ").bind(new.updated_at);
    sql.push(", version = version + 1 WHERE id = ").bind(old.id).push(" AND version = ").bind(old.version);
    if sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    let stored = get_in(&mut tx, &Scope::everything(), old.id).await?;
    log(&mut tx, stamp, action, Some(old), Some(&stored)).await?;
    if stored.owner_id != old.owner_id {
        notify_owner(&mut tx, &stored, stamp).await?;
    }
    tx.commit().await.map_err(store_error)?;
    Ok(stored)
}

pub async fn delete(db: &Db, old: &Task, stamp: &AuditStamp) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    let mut sql = Sql::new("DELETE FROM tasks WHERE id = ");
    sql.bind(old.id).push(" AND version = ").bind(old.version);
    if sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    log(&mut tx, stamp, "delete", Some(old), None).await?;
    tx.commit().await.map_err(store_error)
}
