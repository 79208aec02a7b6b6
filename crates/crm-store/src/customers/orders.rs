use std::collections::HashMap;

use chrono::NaiveDate;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crm_core::access::{AuditStamp, Scope};
use crm_core::customers::{NewOrder, Order, OrderLine, OrderPatch, OrderStatus};
use crm_core::listing::{ListRequest, Page};
use crm_core::store::StoreError;

use super::customer::{division_of, refresh_order_figures, scoped};
use crate::Db;
use crate::audit::{self, Change};
use crate::base_data::{number_for, take_ahead};
use crate::listing::{Kind, ListSpec, find_where, list as list_rows};
use crate::sql::{RowExt, Sql, store_error};

const ENTITY: &str = "orders";

const FROM: &str = "orders o JOIN customers c ON c.id = o.customer_id";

const COLUMNS: &str = "o.id, o.number, o.customer_id, c.name AS customer_name, o.contract_id, o.order_date, o.currency, o.status, \
    o.total, o.notes, o.created_at, o.updated_at, o.version";

/// Scope is the customer's, applied by `push_customer_scope`.
const LIST: ListSpec = ListSpec {
    from: FROM,
    columns: COLUMNS,
    id: "o.id",
    default_sort: "-order_date",
    sorts: &[
        ("order_date", "o.order_date", Kind::Text),
        ("number", "o.number", Kind::Text),
        ("total", "o.total", Kind::Int),
        ("created_at", "o.created_at", Kind::Text),
        ("updated_at", "o.updated_at", Kind::Text),
    ],
    filters: &[
        ("customer_id", "o.customer_id", Kind::Text),
        ("contract_id", "o.contract_id", Kind::Text),
        ("number", "o.number", Kind::Text),
        ("status", "o.status", Kind::Text),
        ("currency", "o.currency", Kind::Text),
        ("order_date", "o.order_date", Kind::Text),
        ("division_id", "c.division_id", Kind::Text),
    ],
    search: &["o.number"],
    division: None,
    owner: None,
};

fn from_row(r: &AnyRow, lines: Vec<OrderLine>) -> Result<Order, StoreError> {
    let bad = |what: &str, v: String| StoreError::Other(format!("bad {what} {v:?}").into());
    let status = r.text("status")?;
    let date = r.text("order_date")?;
    Ok(Order {
        id: r.id("id")?,
        number: r.text("number")?,
        customer_id: r.id("customer_id")?,
        customer_name: r.text("customer_name")?,
        contract_id: r.opt_id("contract_id")?,
        order_date: NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| bad("order date", date.clone()))?,
        currency: r.text("currency")?,
        status: OrderStatus::parse("status", &status).map_err(|_| bad("order status", status.clone()))?,
        lines,
        total: r.int("total")?,
        notes: r.opt_text("notes")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        version: r.int("version")?,
    })
}

/// Orders of the rows with their lines (one more query for the whole batch).
async fn load(conn: &mut AnyConnection, rows: &[AnyRow]) -> Result<Vec<Order>, StoreError> {
    let ids: Vec<String> = rows.iter().map(|r| r.text("id")).collect::<Result<_, _>>()?;
    let mut lines: HashMap<String, Vec<OrderLine>> = HashMap::new();
    if !ids.is_empty() {
        let mut sql =
            Sql::new("SELECT order_id, product_id, description, quantity, unit_price, amount FROM order_lines WHERE ");
        sql.bind_in("order_id", &ids).push(" ORDER BY order_id, position");
        for r in sql.query().fetch_all(&mut *conn).await.map_err(store_error)? {
            lines.entry(r.text("order_id")?).or_default().push(OrderLine {
                product_id: r.opt_id("product_id")?,
                description: r.opt_text("description")?,
                quantity: r.int("quantity")?,
                unit_price: r.int("unit_price")?,
                amount: r.int("amount")?,
            });
        }
    }
    rows.iter().map(|r| from_row(r, lines.remove(&r.text("id")?).unwrap_or_default())).collect()
}

pub async fn list(db: &Db, scope: &Scope, req: &ListRequest) -> Result<Page<Order>, StoreError> {
    let page = list_rows(&db.reader, &LIST, &Scope::everything(), &scoped(scope), req).await?;
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    let items = load(&mut conn, &page.items).await?;
    Ok(Page { items, next_cursor: page.next_cursor, total: page.total })
}

async fn get_in(conn: &mut AnyConnection, scope: &Scope, id: Uuid) -> Result<Order, StoreError> {
    let row = find_where(&mut *conn, &LIST, &Scope::everything(), &scoped(scope), id).await?;
    load(conn, &[row]).await?.pop().ok_or(StoreError::NotFound)
}

pub async fn get(db: &Db, scope: &Scope, id: Uuid) -> Result<Order, StoreError> {
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    get_in(&mut conn, scope, id).await
}

async fn set_lines(conn: &mut AnyConnection, order_id: Uuid, lines: &[OrderLine]) -> Result<(), StoreError> {
    let mut sql = Sql::new("DELETE FROM order_lines WHERE order_id = ");
    sql.bind(order_id);
    sql.query().execute(&mut *conn).await.map_err(store_error)?;
    for (position, line) in (1_i64..).zip(lines) {
        let mut sql = Sql::new(
            "INSERT INTO order_lines (order_id, position, product_id, description, quantity, unit_price, amount) VALUES (",
        );
        sql.bind(order_id).push(", ").bind(position).push(", ").bind(line.product_id).push(", ");
        sql.bind(line.description.clone()).push(", ").bind(line.quantity).push(", ").bind(line.unit_price);
        sql.push(", ").bind(line.amount).push(")");
        sql.query().execute(&mut *conn).await.map_err(store_error)?;
    }
    Ok(())
}

async fn log(
    conn: &mut AnyConnection,
    stamp: &AuditStamp,
    action: &str,
    old: Option<&Order>,
    new: Option<&Order>,
) -> Result<(), StoreError> {
    let Some(any) = new.or(old) else { return Ok(()) };
    let change = Change {
        entity: ENTITY,
        entity_id: any.id,
        action,
        division_id: Some(division_of(conn, any.customer_id).await?),
        old,
        new,
    };
    audit::record(conn, stamp, change).await
}

pub async fn create(db: &Db, new: &NewOrder, today: NaiveDate, stamp: &AuditStamp) -> Result<Order, StoreError> {
    let ahead = take_ahead(db, "order", today).await?;
    db.write((new.clone(), stamp.clone(), ahead), move |conn, (new, stamp, ahead)| {
        Box::pin(insert(conn, new, ahead.as_deref(), today, stamp))
    })
    .await
}

/// One order with its number (taken `ahead`, see `take_ahead`, or here), lines, the
/// customer's figures and audit entry, inside the caller's transaction.
async fn insert(
    tx: &mut AnyConnection,
    new: &NewOrder,
    ahead: Option<&str>,
    today: NaiveDate,
    stamp: &AuditStamp,
) -> Result<Order, StoreError> {
    let id = Uuid::now_v7();
    let lines: Vec<OrderLine> = new.lines.iter().map(OrderLine::from).collect();
    let number = number_for(&mut *tx, ahead, "order", today).await?;
    let mut sql = Sql::new(
        "INSERT INTO orders (id, number, customer_id, contract_id, order_date, currency, status, total, notes, \
         created_at, updated_at, version) VALUES (",
    );
    sql.bind(id).push(", ").bind(&number).push(", ").bind(new.customer_id).push(", ").bind(new.contract_id).push(", ");
    sql.bind(new.order_date.to_string()).push(", ").bind(&new.currency).push(", ").bind(new.status.code());
    sql.push(", ").bind(new.total).push(", ").bind(new.notes.clone()).push(", ").bind(stamp.at).push(", ");
    sql.bind(stamp.at).push(", 1)");
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    set_lines(&mut *tx, id, &lines).await?;
    refresh_order_figures(&mut *tx, new.customer_id).await?;
    if new.status != OrderStatus::Cancelled {
        crate::churn::reactivate(&mut *tx, new.customer_id, stamp).await?;
    }
    let order = get_in(&mut *tx, &Scope::everything(), id).await?;
    log(&mut *tx, stamp, "create", None, Some(&order)).await?;
    Ok(order)
}

pub async fn update(
    db: &Db,
    scope: &Scope,
    id: Uuid,
    version: Option<i64>,
    patch: &OrderPatch,
    stamp: &AuditStamp,
) -> Result<Order, StoreError> {
    let mut tx = db.begin_write().await?;
    let old = get_in(&mut tx, scope, id).await?;
    if version.is_some_and(|v| v != old.version) {
        return Err(StoreError::Stale);
    }
    let new = patch.apply(&old, stamp.at);
    let mut sql = Sql::new("UPDATE orders SET order_date = ");
    sql.bind(new.order_date.to_string()).push(", currency = ").bind(&new.currency);
    sql.push(", status = ").bind(new.status.code()).push(", total = ").bind(new.total);
    sql.push(", notes = ").bind(new.notes.clone()).push(", updated_at = ").bind(stamp.at);
    sql.push(", version = version + 1 WHERE id = ").bind(id).push(" AND version = ").bind(old.version);
    if sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    if patch.lines.is_some() {
        set_lines(&mut tx, id, &new.lines).await?;
    }
    refresh_order_figures(&mut tx, old.customer_id).await?;
    log(&mut tx, stamp, "update", Some(&old), Some(&new)).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(new)
}

pub async fn delete(db: &Db, scope: &Scope, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    let old = get_in(&mut tx, scope, id).await?;
    let mut sql = Sql::new("DELETE FROM orders WHERE id = ");
    sql.bind(id);
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    refresh_order_figures(&mut tx, old.customer_id).await?;
    log(&mut tx, stamp, "delete", Some(&old), None).await?;
    tx.commit().await.map_err(store_error)
}
