//! Service requests: reads in the caller's scope, and every write in one transaction with its
//! audit row (and, on archiving, the customer's satisfaction).

use chrono::{Duration, NaiveDate};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crm_core::FieldError;
use crm_core::access::{AuditStamp, Scope};
use crm_core::customers::{Customer, Ref};
use crm_core::listing::{ListRequest, Page};
use crm_core::notifications::NotificationKind;
use crm_core::service::{NewServiceRequest, PastServiceRequest, ServiceRequest, ServiceStatus, rounded_average};
use crm_core::store::StoreError;

use crate::audit::{self, Change};
use crate::base_data::{next_numbers, number_for, take_ahead};
use crate::customers::customer;
use crate::listing::{Kind, ListSpec, find_where, list as list_rows, push_scope};
use crate::notifications;
use crate::sql::{Arg, RowExt, Rows, Sql, store_error, ts};
use crate::{Backend, Db};

const ENTITY: &str = "service_requests";

const FROM: &str = "service_requests r \
    JOIN customers c ON c.id = r.customer_id \
    JOIN dictionary_entries t ON t.id = r.type_id \
    LEFT JOIN users cr ON cr.id = r.created_by \
    LEFT JOIN users h ON h.id = r.handler_id";

const COLUMNS: &str = "r.id, r.number, r.division_id, r.customer_id, c.name AS customer_name, r.type_id, \
    t.label AS type_label, r.summary, r.request, r.status, r.created_by, \
    COALESCE(cr.display_name, cr.username) AS creator_name, r.handler_id, \
    COALESCE(h.display_name, h.username) AS handler_name, r.assigned_at, r.handling, r.handled_at, r.result, \
    r.satisfaction, r.feedback_at, r.archived_at, r.rounds, r.respond_by, r.resolve_by, r.overdue_since, \
    r.created_at, r.updated_at, r.version";

/// Scope is applied by `push_list_scope` (handler or creator), not by the spec's columns.
const LIST: ListSpec = ListSpec {
    from: FROM,
    columns: COLUMNS,
    id: "r.id",
    default_sort: "-created_at",
    sorts: &[
        ("created_at", "r.created_at", Kind::Text),
        ("updated_at", "r.updated_at", Kind::Text),
        ("number", "r.number", Kind::Text),
        ("resolve_by", "r.resolve_by", Kind::Text),
    ],
    filters: &[
        ("status", "r.status", Kind::Text),
        ("type_id", "r.type_id", Kind::Text),
        ("customer_id", "r.customer_id", Kind::Text),
        ("handler_id", "r.handler_id", Kind::Text),
        ("created_by", "r.created_by", Kind::Text),
        ("division_id", "r.division_id", Kind::Text),
        ("number", "r.number", Kind::Text),
    ],
    search: &["r.summary", "r.number", "c.name"],
    division: None,
    owner: None,
};

/// ` AND …`: the requests the scope may read — those of its divisions and, for an own-scope
/// reader, those they took or handle.
fn push_list_scope(sql: &mut Sql, scope: &Scope) {
    push_scope(sql, scope, Some("r.division_id"), None);
    if let Some(user) = scope.owner_id {
        sql.push(" AND (r.handler_id = ").bind(user).push(" OR r.created_by = ").bind(user).push(")");
    }
}

fn scoped(scope: &Scope) -> Sql {
    let mut sql = Sql::default();
    push_list_scope(&mut sql, scope);
    sql
}

fn from_row(r: &AnyRow) -> Result<ServiceRequest, StoreError> {
    let status = r.text("status")?;
    Ok(ServiceRequest {
        id: r.id("id")?,
        number: r.text("number")?,
        division_id: r.id("division_id")?,
        customer_id: r.id("customer_id")?,
        customer: Ref { id: r.id("customer_id")?, label: r.text("customer_name")? },
        type_id: r.id("type_id")?,
        service_type: Ref { id: r.id("type_id")?, label: r.text("type_label")? },
        summary: r.text("summary")?,
        request: r.text("request")?,
        status: ServiceStatus::parse("status", &status)
            .map_err(|_| StoreError::Other(format!("bad service request status {status:?}").into()))?,
        created_by: r.opt_id("created_by")?,
        creator: customer::reference(r, "created_by", "creator_name")?,
        handler_id: r.opt_id("handler_id")?,
        handler: customer::reference(r, "handler_id", "handler_name")?,
        assigned_at: r.opt_time("assigned_at")?,
        handling: r.opt_text("handling")?,
        handled_at: r.opt_time("handled_at")?,
        result: r.opt_text("result")?,
        satisfaction: r.opt_int("satisfaction")?,
        feedback_at: r.opt_time("feedback_at")?,
        archived_at: r.opt_time("archived_at")?,
        rounds: r.int("rounds")?,
        respond_by: r.time("respond_by")?,
        resolve_by: r.time("resolve_by")?,
        overdue_since: r.opt_time("overdue_since")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        version: r.int("version")?,
    })
}

/// The `overdue` and period (`from`, `to`) filters as conditions of their own; the rest stays
/// with the list helper.
fn extra_filters(req: &ListRequest) -> Result<(Sql, ListRequest), StoreError> {
    let mut sql = Sql::default();
    let mut rest = req.clone();
    rest.filters.retain(|(name, _)| !matches!(name.as_str(), "overdue" | "from" | "to"));
    match req.filter("overdue") {
        None => {}
        Some("true" | "1") => {
            sql.push(" AND r.overdue_since IS NOT NULL AND r.status <> ").bind(ServiceStatus::Archived.code());
        }
        Some("false" | "0") => {
            sql.push(" AND (r.overdue_since IS NULL OR r.status = ").bind(ServiceStatus::Archived.code()).push(")");
        }
        Some(_) => return Err(StoreError::Invalid(FieldError::new("overdue", "invalid_filter"))),
    }
    let day = |field: &str| -> Result<Option<NaiveDate>, StoreError> {
        req.filter(field)
            .map(|d| {
                NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|_| StoreError::Invalid(FieldError::new(field, "invalid_filter")))
            })
            .transpose()
    };
    let start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| ts(t.and_utc()));
    if let Some(from) = day("from")?.and_then(start) {
        sql.push(" AND r.created_at >= ").bind(from);
    }
    if let Some(to) = day("to")?.map(|d| d + Duration::days(1)).and_then(start) {
        sql.push(" AND r.created_at < ").bind(to);
    }
    Ok((sql, rest))
}

pub async fn list(db: &Db, scope: &Scope, req: &ListRequest) -> Result<Page<ServiceRequest>, StoreError> {
    let (mut extra, req) = extra_filters(req)?;
    extra.append(&scoped(scope));
    list_rows(&db.reader, &LIST, &Scope::everything(), &extra, &req).await?.try_map(|r| from_row(&r))
}

async fn get_in(conn: &mut AnyConnection, scope: &Scope, id: Uuid) -> Result<ServiceRequest, StoreError> {
    from_row(&find_where(conn, &LIST, &Scope::everything(), &scoped(scope), id).await?)
}

pub async fn get(db: &Db, scope: &Scope, id: Uuid) -> Result<ServiceRequest, StoreError> {
    get_in(&mut *db.reader.acquire().await.map_err(store_error)?, scope, id).await
}

async fn log(
    conn: &mut AnyConnection,
    stamp: &AuditStamp,
    action: &str,
    old: Option<&ServiceRequest>,
    new: Option<&ServiceRequest>,
) -> Result<(), StoreError> {
    let Some(any) = new.or(old) else { return Ok(()) };
    let change = Change { entity: ENTITY, entity_id: any.id, action, division_id: Some(any.division_id), old, new };
    audit::record(conn, stamp, change).await
}

pub async fn create(
    db: &Db,
    scope: &Scope,
    new: &NewServiceRequest,
    today: NaiveDate,
    stamp: &AuditStamp,
) -> Result<ServiceRequest, StoreError> {
    let ahead = take_ahead(db, "service_request", today).await?;
    let mut tx = db.begin_write().await?;
    let customer = customer::get_in(&mut tx, scope, new.customer_id).await?;
    let id = Uuid::now_v7();
    let number = number_for(&mut tx, ahead.as_deref(), "service_request", today).await?;
    let (respond_by, resolve_by) = new.targets.deadlines(stamp.at);
    let mut sql = Sql::new(
        "INSERT INTO service_requests (id, number, division_id, customer_id, type_id, summary, request, status, \
         created_by, rounds, respond_by, resolve_by, created_at, updated_at, version) VALUES (",
    );
    sql.bind(id).push(", ").bind(&number).push(", ").bind(customer.division_id).push(", ").bind(customer.id);
    sql.push(", ").bind(new.type_id).push(", ").bind(&new.summary).push(", ").bind(&new.request).push(", ");
    sql.bind(ServiceStatus::Created.code()).push(", ").bind(new.created_by).push(", 1, ").bind(respond_by);
    sql.push(", ").bind(resolve_by).push(", ").bind(stamp.at).push(", ").bind(stamp.at).push(", 1)");
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    let r = get_in(&mut tx, &Scope::everything(), id).await?;
    log(&mut tx, stamp, "create", None, Some(&r)).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(r)
}

/// The columns `load` writes: `overdue_since` stays unset for the `sla-check` job, which flags
/// the open requests found late with their audit rows and notices, as it does for any other.
const LOAD_COLUMNS: [&str; 23] = [
    "id",
    "number",
    "division_id",
    "customer_id",
    "type_id",
    "summary",
    "request",
    "status",
    "created_by",
    "handler_id",
    "assigned_at",
    "handling",
    "handled_at",
    "result",
    "satisfaction",
    "feedback_at",
    "archived_at",
    "rounds",
    "respond_by",
    "resolve_by",
    "created_at",
    "updated_at",
    "version",
];

/// Writes requests taken in the past, each with its customer's division, with multi-row
/// statements in the caller's transaction: numbered from the `service_request` sequence for
/// `today` like `create`, with the deadlines of their targets from the time they were taken.
/// Returns the number of rows written.
pub(crate) async fn load(
    conn: &mut AnyConnection,
    backend: Backend,
    requests: &[(Uuid, &PastServiceRequest)],
    today: NaiveDate,
) -> Result<u64, StoreError> {
    let numbers = next_numbers(conn, "service_request", today, requests.len()).await?;
    let mut rows = Rows::bulk(backend, ENTITY, &LOAD_COLUMNS);
    for ((division_id, r), number) in requests.iter().zip(numbers) {
        let (new, p) = (&r.new, &r.progress);
        let (respond_by, resolve_by) = new.targets.deadlines(r.created_at);
        let row: [Arg; 23] = [
            Uuid::now_v7().into(),
            number.into(),
            (*division_id).into(),
            new.customer_id.into(),
            new.type_id.into(),
            new.summary.clone().into(),
            new.request.clone().into(),
            p.status.code().into(),
            new.created_by.into(),
            p.handler_id.into(),
            p.assigned_at.into(),
            p.handling.clone().into(),
            p.handled_at.into(),
            p.result.clone().into(),
            p.satisfaction.into(),
            p.feedback_at.into(),
            p.archived_at.into(),
            p.rounds.into(),
            respond_by.into(),
            resolve_by.into(),
            r.created_at.into(),
            r.updated_at().into(),
            1.into(),
        ];
        rows.push(conn, row).await?;
    }
    rows.finish(conn).await
}

pub async fn save(
    db: &Db,
    old: &ServiceRequest,
    new: &ServiceRequest,
    action: &str,
    stamp: &AuditStamp,
) -> Result<ServiceRequest, StoreError> {
    let mut tx = db.begin_write().await?;
    let mut sql = Sql::new("UPDATE service_requests SET type_id = ");
    sql.bind(new.type_id).push(", summary = ").bind(&new.summary).push(", request = ").bind(&new.request);
    sql.push(", status = ").bind(new.status.code()).push(", handler_id = ").bind(new.handler_id);
    sql.push(", assigned_at = ").bind(new.assigned_at).push(", handling = ").bind(new.handling.clone());
    sql.push(", handled_at = ").bind(new.handled_at).push(", result = ").bind(new.result.clone());
    sql.push(", satisfaction = ").bind(new.satisfaction).push(", feedback_at = ").bind(new.feedback_at);
    sql.push(", archived_at = ").bind(new.archived_at).push(", rounds = ").bind(new.rounds);
    sql.push(", overdue_since = ").bind(new.overdue_since);
    sql.push(", updated_at = ").bind(new.updated_at).push(", version = version + 1 WHERE id = ").bind(old.id);
    sql.push(" AND version = ").bind(old.version);
    if sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    let stored = get_in(&mut tx, &Scope::everything(), old.id).await?;
    log(&mut tx, stamp, action, Some(old), Some(&stored)).await?;
    if let Some(handler) = stored.handler_id.filter(|h| old.handler_id != Some(*h)) {
        let subject = format!("{} {}", stored.number, stored.summary);
        let record = ("service-requests", stored.id);
        notifications::assigned(&mut tx, NotificationKind::ServiceAssigned, record, subject, handler, stamp).await?;
    }
    if stored.status == ServiceStatus::Archived {
        roll_up_satisfaction(&mut tx, stored.customer_id, stamp).await?;
    }
    tx.commit().await.map_err(store_error)?;
    Ok(stored)
}

/// The customer's satisfaction becomes the rounded (half up) average of the ratings of its
/// archived requests (SVC-5), logged as a change of the customer.
async fn roll_up_satisfaction(
    conn: &mut AnyConnection,
    customer_id: Uuid,
    stamp: &AuditStamp,
) -> Result<(), StoreError> {
    let mut sql = Sql::new(
        "SELECT CAST(COALESCE(SUM(satisfaction), 0) AS BIGINT) AS total, COUNT(satisfaction) AS n \
         FROM service_requests WHERE customer_id = ",
    );
    sql.bind(customer_id).push(" AND status = ").bind(ServiceStatus::Archived.code());
    let row = sql.query().fetch_one(&mut *conn).await.map_err(store_error)?;
    let average = rounded_average(row.int("total")?, row.int("n")?);
    let everything = Scope::everything();
    let old = customer::get_in(conn, &everything, customer_id).await?;
    if old.satisfaction == average {
        return Ok(());
    }
    let draft = Customer { satisfaction: average, updated_at: stamp.at, ..old.clone() };
    customer::write(conn, &draft, old.version).await?;
    let new = customer::get_in(conn, &everything, customer_id).await?;
    audit::record(conn, stamp, customer::change("satisfaction", Some(&old), Some(&new))).await
}

pub async fn delete(db: &Db, old: &ServiceRequest, stamp: &AuditStamp) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    let mut sql = Sql::new("DELETE FROM service_requests WHERE id = ");
    sql.bind(old.id).push(" AND version = ").bind(old.version);
    if sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    log(&mut tx, stamp, "delete", Some(old), None).await?;
    tx.commit().await.map_err(store_error)
}
