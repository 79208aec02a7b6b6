//! Churn warnings: reads through their customer's scope, the set-based detection, and every
//! write in one transaction with its audit rows (and, on confirmation or reactivation, the
//! customer's status).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crm_core::FieldError;
use crm_core::access::{AuditStamp, Scope};
use crm_core::churn::{ChurnMeasure, ChurnStatus, ChurnWarning, NewMeasure};
use crm_core::customers::{Customer, CustomerStatus};
use crm_core::listing::{ListRequest, Page};
use crm_core::notifications::NotificationKind;
use crm_core::store::StoreError;

use crate::Db;
use crate::audit::{self, Change};
use crate::customers::{customer, scoped};
use crate::listing::{Kind, ListSpec, find_where, list as list_rows};
use crate::notifications;
use crate::sql::{RowExt, Sql, store_error};

const ENTITY: &str = "churn_warnings";

const FROM: &str = "churn_warnings w \
    JOIN customers c ON c.id = w.customer_id \
    LEFT JOIN users ow ON ow.id = c.owner_id \
    LEFT JOIN dictionary_entries rs ON rs.id = w.reason_id";

const COLUMNS: &str = "w.id, w.customer_id, c.name AS customer_name, c.division_id, c.owner_id, \
    COALESCE(ow.display_name, ow.username) AS owner_name, w.last_order_date, w.status, w.reason_id, \
    rs.label AS reason_label, w.confirmed_at, w.confirmed_by, w.closed_at, w.created_at, w.updated_at, w.version";

/// Scope is the customer's, applied by `scoped`.
const LIST: ListSpec = ListSpec {
    from: FROM,
    columns: COLUMNS,
    id: "w.id",
    default_sort: "-created_at",
    sorts: &[
        ("created_at", "w.created_at", Kind::Text),
        ("updated_at", "w.updated_at", Kind::Text),
        ("last_order_date", "w.last_order_date", Kind::Text),
        ("customer_name", "c.name", Kind::Text),
    ],
    filters: &[
        ("status", "w.status", Kind::Text),
        ("customer_id", "w.customer_id", Kind::Text),
        ("owner_id", "c.owner_id", Kind::Text),
        ("division_id", "c.division_id", Kind::Text),
        ("reason_id", "w.reason_id", Kind::Text),
    ],
    search: &["c.name"],
    division: None,
    owner: None,
};

/// A date column (`YYYY-MM-DD`).
pub(crate) fn date(r: &AnyRow, col: &str) -> Result<NaiveDate, StoreError> {
    let text = r.text(col)?;
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| StoreError::Other(format!("bad {col} {text:?}").into()))
}

fn from_row(r: &AnyRow, measures: Vec<ChurnMeasure>) -> Result<ChurnWarning, StoreError> {
    let status = r.text("status")?;
    Ok(ChurnWarning {
        id: r.id("id")?,
        customer_id: r.id("customer_id")?,
        customer_name: r.text("customer_name")?,
        division_id: r.id("division_id")?,
        owner_id: r.opt_id("owner_id")?,
        owner: customer::reference(r, "owner_id", "owner_name")?,
        last_order_date: date(r, "last_order_date")?,
        status: ChurnStatus::parse("status", &status)
            .map_err(|_| StoreError::Other(format!("bad churn warning status {status:?}").into()))?,
        measures,
        reason_id: r.opt_id("reason_id")?,
        reason: customer::reference(r, "reason_id", "reason_label")?,
        confirmed_at: r.opt_time("confirmed_at")?,
        confirmed_by: r.opt_id("confirmed_by")?,
        closed_at: r.opt_time("closed_at")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        version: r.int("version")?,
    })
}

/// Warnings of the rows with their measures, newest first (one more query for the whole batch).
async fn load(conn: &mut AnyConnection, rows: &[AnyRow]) -> Result<Vec<ChurnWarning>, StoreError> {
    let ids: Vec<String> = rows.iter().map(|r| r.text("id")).collect::<Result<_, _>>()?;
    let mut measures: HashMap<String, Vec<ChurnMeasure>> = HashMap::new();
    if !ids.is_empty() {
        let mut sql = Sql::new(
            "SELECT m.id, m.warning_id, m.taken_on, m.text, m.author_id, \
             COALESCE(u.display_name, u.username) AS author_name, m.created_at \
             FROM churn_measures m LEFT JOIN users u ON u.id = m.author_id WHERE ",
        );
        sql.bind_in("m.warning_id", &ids).push(" ORDER BY m.warning_id, m.created_at DESC, m.id DESC");
        for r in sql.query().fetch_all(&mut *conn).await.map_err(store_error)? {
            measures.entry(r.text("warning_id")?).or_default().push(ChurnMeasure {
                id: r.id("id")?,
                date: date(&r, "taken_on")?,
                text: r.text("text")?,
                author_id: r.opt_id("author_id")?,
                author: customer::reference(&r, "author_id", "author_name")?,
                created_at: r.time("created_at")?,
            });
        }
    }
    rows.iter().map(|r| from_row(r, measures.remove(&r.text("id")?).unwrap_or_default())).collect()
}

/// The `closed` filter (`true`: closed by a new order; `false`: open) as a condition of its
/// own; the rest stays with the list helper.
fn extra_filters(req: &ListRequest) -> Result<(Sql, ListRequest), StoreError> {
    let mut sql = Sql::default();
    let mut rest = req.clone();
    rest.filters.retain(|(name, _)| name != "closed");
    match req.filter("closed") {
        None => {}
        Some("true" | "1") => {
            sql.push(" AND w.closed_at IS NOT NULL");
        }
        Some("false" | "0") => {
            sql.push(" AND w.closed_at IS NULL");
        }
        Some(_) => return Err(StoreError::Invalid(FieldError::new("closed", "invalid_filter"))),
    }
    Ok((sql, rest))
}

pub async fn list(db: &Db, scope: &Scope, req: &ListRequest) -> Result<Page<ChurnWarning>, StoreError> {
    let (mut extra, req) = extra_filters(req)?;
    extra.append(&scoped(scope));
    let page = list_rows(&db.reader, &LIST, &Scope::everything(), &extra, &req).await?;
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    let items = load(&mut conn, &page.items).await?;
    Ok(Page { items, next_cursor: page.next_cursor, total: page.total })
}

async fn get_in(conn: &mut AnyConnection, scope: &Scope, id: Uuid) -> Result<ChurnWarning, StoreError> {
    let row = find_where(&mut *conn, &LIST, &Scope::everything(), &scoped(scope), id).await?;
    load(conn, &[row]).await?.pop().ok_or(StoreError::NotFound)
}

pub async fn get(db: &Db, scope: &Scope, id: Uuid) -> Result<ChurnWarning, StoreError> {
    get_in(&mut *db.reader.acquire().await.map_err(store_error)?, scope, id).await
}

async fn log(
    conn: &mut AnyConnection,
    stamp: &AuditStamp,
    action: &str,
    old: &ChurnWarning,
    new: &ChurnWarning,
) -> Result<(), StoreError> {
    let change = Change {
        entity: ENTITY,
        entity_id: new.id,
        action,
        division_id: Some(new.division_id),
        old: Some(old),
        new: Some(new),
    };
    audit::record(conn, stamp, change).await
}

/// The time part (`xxxxxxxx-xxxx`) of a fresh UUIDv7, other than `previous`. The rows one
/// statement writes take it followed by the rest of their customer's id (`-7xxx-yxxx-…`,
/// random bits): ids made in SQL, unique per statement and customer, and ordered in time like
/// the ids the application makes.
fn id_head(previous: &str) -> String {
    loop {
        let head = Uuid::now_v7().to_string()[..13].to_string();
        // Two chunks of one run started within the same millisecond.
        if head != previous {
            return head;
        }
        std::thread::yield_now();
    }
}

/// About how many quiet customers one transaction warns: a chunk takes a fraction of a second,
/// so that other writers (on SQLite, all of them) never wait long behind the detection.
const CHUNK: i64 = 10_000;

/// ` AND …`: the active customers whose last order is before `before`, after the day `after`
/// and up to the day `upto` (one before `before`). Whole days, so that both databases read a
/// plain range of the customers' (status, last order date, id) index.
fn push_quiet(sql: &mut Sql, before: NaiveDate, after: Option<&str>, upto: Option<&str>) {
    sql.push(" AND c.status = ").bind(CustomerStatus::Active.code());
    match upto {
        Some(day) => sql.push(" AND c.last_order_date <= ").bind(day),
        None => sql.push(" AND c.last_order_date < ").bind(before.to_string()),
    };
    if let Some(day) = after {
        sql.push(" AND c.last_order_date > ").bind(day);
    }
}

/// Warns every active customer whose last order is before `before` and that has no open
/// warning. The customers are taken in chunks of days along the customers' (status, last
/// order date, id) index, each chunk one INSERT … SELECT with its audit rows written alike, in
/// a transaction of its own. The unique index on open warnings makes a customer warned by a
/// concurrent run a conflict that is skipped, not a second warning.
pub async fn detect(db: &Db, before: NaiveDate, stamp: &AuditStamp) -> Result<u64, StoreError> {
    let mut warned = 0;
    let mut after: Option<String> = None;
    let mut head = String::new();
    loop {
        // The day of the CHUNK-th quiet customer ends the chunk.
        let mut sql = Sql::new("SELECT c.last_order_date FROM customers c WHERE 1 = 1");
        push_quiet(&mut sql, before, after.as_deref(), None);
        sql.push(" ORDER BY c.last_order_date LIMIT 1 OFFSET ").bind(CHUNK - 1);
        let upto = match sql.query().fetch_optional(&db.reader).await.map_err(store_error)? {
            Some(r) => Some(r.text("last_order_date")?),
            None => None,
        };
        head = id_head(&head);
        // Each chunk has a time of its own, by which its audit statement finds its warnings.
        let chunk = AuditStamp { at: Utc::now(), ..stamp.clone() };
        warned += detect_chunk(db, before, after.as_deref(), upto.as_deref(), &head, &chunk).await?;
        match upto {
            Some(day) => after = Some(day),
            None => return Ok(warned),
        }
    }
}

async fn detect_chunk(
    db: &Db,
    before: NaiveDate,
    after: Option<&str>,
    upto: Option<&str>,
    head: &str,
    stamp: &AuditStamp,
) -> Result<u64, StoreError> {
    let mut tx = db.begin_write().await?;
    let mut sql = Sql::new(
        "INSERT INTO churn_warnings (id, customer_id, last_order_date, status, created_at, updated_at, version) SELECT ",
    );
    sql.bind(head).push(" || substr(c.id, 14), c.id, c.last_order_date, ").bind(ChurnStatus::Warning.code());
    sql.push(", ").bind(stamp.at).push(", ").bind(stamp.at).push(", 1 FROM customers c WHERE 1 = 1");
    push_quiet(&mut sql, before, after, upto);
    // A count, not NOT EXISTS: PostgreSQL turns NOT EXISTS into an anti join that reads every
    // open warning for each chunk; a scalar subquery stays one index probe per customer.
    sql.push(" AND (SELECT COUNT(*) FROM churn_warnings o WHERE o.customer_id = c.id AND o.closed_at IS NULL) = 0");
    sql.push(" ON CONFLICT DO NOTHING");
    let warned = sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected();
    if warned > 0 {
        // Ids, dates and codes need no JSON escaping.
        let mut sql = Sql::new(
            "INSERT INTO audit_log (id, at, actor_id, actor_name, entity, entity_id, action, division_id, old_values, \
             new_values) SELECT w.id, ",
        );
        sql.bind(stamp.at).push(", ").bind(stamp.actor_id).push(", ").bind(&stamp.actor_name).push(", ");
        sql.bind(ENTITY).push(", w.id, 'detect', c.division_id, NULL, ");
        sql.push("'{\"customer_id\":\"' || w.customer_id || '\",\"last_order_date\":\"' || w.last_order_date");
        sql.push(" || '\",\"status\":\"' || w.status || '\"}' FROM churn_warnings w JOIN customers c ON c.id = w.customer_id");
        sql.push(" WHERE w.created_at = ").bind(stamp.at).push(" AND substr(w.id, 1, 13) = ").bind(head);
        sql.query().execute(&mut *tx).await.map_err(store_error)?;
        // Each customer's owner hears of the warning.
        let mut found = Sql::new(
            "SELECT w.id, c.owner_id AS user_id, c.name AS subject, w.last_order_date AS tag \
             FROM churn_warnings w JOIN customers c ON c.id = w.customer_id WHERE w.created_at = ",
        );
        found.bind(stamp.at).push(" AND substr(w.id, 1, 13) = ").bind(head);
        let kind = NotificationKind::ChurnWarning;
        notifications::notify_found(&mut tx, kind, "churn-warnings", "churn", &found, stamp.at).await?;
    }
    tx.commit().await.map_err(store_error)?;
    Ok(warned)
}

/// Updates the open warning `old` if it is still at its version: `set` is the SQL of the
/// columns to change (starting with `, `).
async fn write(conn: &mut AnyConnection, old: &ChurnWarning, set: &Sql, at: DateTime<Utc>) -> Result<(), StoreError> {
    let mut sql = Sql::new("UPDATE churn_warnings SET updated_at = ");
    sql.bind(at).append(set).push(", version = version + 1 WHERE id = ").bind(old.id);
    sql.push(" AND version = ").bind(old.version).push(" AND closed_at IS NULL");
    if sql.query().execute(&mut *conn).await.map_err(store_error)?.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    Ok(())
}

pub async fn add_measure(
    db: &Db,
    old: &ChurnWarning,
    measure: &NewMeasure,
    stamp: &AuditStamp,
) -> Result<ChurnWarning, StoreError> {
    let mut tx = db.begin_write().await?;
    let mut set = Sql::new(", status = ");
    set.bind(ChurnStatus::Delaying.code());
    write(&mut tx, old, &set, stamp.at).await?;
    let mut sql =
        Sql::new("INSERT INTO churn_measures (id, warning_id, taken_on, text, author_id, created_at) VALUES (");
    sql.bind(Uuid::now_v7()).push(", ").bind(old.id).push(", ").bind(measure.date.to_string()).push(", ");
    sql.bind(&measure.text).push(", ").bind(measure.author_id).push(", ").bind(stamp.at).push(")");
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    let new = get_in(&mut tx, &Scope::everything(), old.id).await?;
    log(&mut tx, stamp, "measure", old, &new).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(new)
}

pub async fn confirm(
    db: &Db,
    old: &ChurnWarning,
    reason_id: Uuid,
    stamp: &AuditStamp,
) -> Result<ChurnWarning, StoreError> {
    let mut tx = db.begin_write().await?;
    let mut set = Sql::new(", status = ");
    set.bind(ChurnStatus::Lost.code()).push(", reason_id = ").bind(reason_id);
    set.push(", confirmed_at = ").bind(stamp.at).push(", confirmed_by = ").bind(stamp.actor_id);
    write(&mut tx, old, &set, stamp.at).await?;
    set_customer_status(&mut tx, old.customer_id, CustomerStatus::Lost, "churn_lost", stamp).await?;
    let new = get_in(&mut tx, &Scope::everything(), old.id).await?;
    log(&mut tx, stamp, "confirm", old, &new).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(new)
}

/// Gives the customer `status` unless it has it already, logging `action`.
async fn set_customer_status(
    conn: &mut AnyConnection,
    customer_id: Uuid,
    status: CustomerStatus,
    action: &str,
    stamp: &AuditStamp,
) -> Result<(), StoreError> {
    let everything = Scope::everything();
    let old = customer::get_in(conn, &everything, customer_id).await?;
    if old.status == status {
        return Ok(());
    }
    customer::write(conn, &Customer { status, updated_at: stamp.at, ..old.clone() }, old.version).await?;
    let new = customer::get_in(conn, &everything, customer_id).await?;
    audit::record(conn, stamp, customer::change(action, Some(&old), Some(&new))).await
}

/// Closes the customer's open warning, if any, logging `action`.
async fn close_open(
    conn: &mut AnyConnection,
    customer_id: Uuid,
    action: &str,
    stamp: &AuditStamp,
) -> Result<(), StoreError> {
    let mut sql = Sql::new("SELECT id FROM churn_warnings WHERE customer_id = ");
    sql.bind(customer_id).push(" AND closed_at IS NULL");
    let Some(row) = sql.query().fetch_optional(&mut *conn).await.map_err(store_error)? else { return Ok(()) };
    let old = get_in(conn, &Scope::everything(), row.id("id")?).await?;
    let mut set = Sql::new(", closed_at = ");
    set.bind(stamp.at);
    write(conn, &old, &set, stamp.at).await?;
    let new = get_in(conn, &Scope::everything(), old.id).await?;
    log(conn, stamp, action, &old, &new).await
}

/// A new order reactivates its customer (CHN-3), in the order's transaction: a lost customer
/// is active again, and its open warning — lost or not — is closed.
pub async fn reactivate(conn: &mut AnyConnection, customer_id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError> {
    close_open(conn, customer_id, "reactivate", stamp).await?;
    // Most orders are for active customers: a glance at the status spares reading the record.
    let mut sql = Sql::new("SELECT status FROM customers WHERE id = ");
    sql.bind(customer_id);
    let status = sql.query().fetch_one(&mut *conn).await.map_err(store_error)?.text("status")?;
    if status == CustomerStatus::Lost.code() {
        set_customer_status(conn, customer_id, CustomerStatus::Active, "reactivate", stamp).await?;
    }
    Ok(())
}

/// Before a merge moves the warnings of `from` to `into`: if both customers have an open
/// warning, the merged one's is closed, since a customer has at most one.
pub async fn before_merge(
    conn: &mut AnyConnection,
    into: Uuid,
    from: Uuid,
    stamp: &AuditStamp,
) -> Result<(), StoreError> {
    let mut sql = Sql::new("SELECT COUNT(*) AS n FROM churn_warnings WHERE customer_id = ");
    sql.bind(into).push(" AND closed_at IS NULL");
    if sql.query().fetch_one(&mut *conn).await.map_err(store_error)?.int("n")? > 0 {
        close_open(conn, from, "merge", stamp).await?;
    }
    Ok(())
}
