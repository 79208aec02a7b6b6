use std::collections::HashMap;

use chrono::NaiveDate;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crm_core::access::{AuditStamp, Scope};
use crm_core::listing::{ListRequest, Page};
use crm_core::sales::contracts::{Contract, ContractStatus, NewContract, PriceLine};
use crm_core::store::StoreError;

use super::{LINE_COLUMNS, date, insert_lines, opt_date, price_line};
use crate::Db;
use crate::audit::{self, Change};
use crate::base_data::{number_for, take_ahead};
use crate::customers::{division_of, scoped};
use crate::listing::{Kind, ListSpec, find_where, list as list_rows};
use crate::sql::{Arg, RowExt, Sql, store_error};

const ENTITY: &str = "contracts";

pub const LIST: ListSpec = ListSpec {
    from: "contracts k JOIN customers c ON c.id = k.customer_id",
    columns: "k.id, k.number, k.customer_id, c.name AS customer_name, k.quote_id, k.renewal_of_id, k.title, \
        k.signed_on, k.starts_on, k.ends_on, k.currency, k.amount, k.status, k.reminder_days, k.expiring, k.notes, \
        (SELECT CAST(COALESCE(SUM(p.amount), 0) AS BIGINT) FROM payment_plan_items p WHERE p.contract_id = k.id) \
        AS planned, \
        (SELECT CAST(COALESCE(SUM(r.amount), 0) AS BIGINT) FROM payments r WHERE r.contract_id = k.id) AS received, \
        k.created_at, k.updated_at, k.version",
    id: "k.id",
    default_sort: "-created_at",
    sorts: &[
        ("created_at", "k.created_at", Kind::Text),
        ("number", "k.number", Kind::Text),
        ("ends_on", "k.ends_on", Kind::Text),
        ("amount", "k.amount", Kind::Int),
    ],
    filters: &[
        ("customer_id", "k.customer_id", Kind::Text),
        ("status", "k.status", Kind::Text),
        ("currency", "k.currency", Kind::Text),
        ("number", "k.number", Kind::Text),
        ("quote_id", "k.quote_id", Kind::Text),
        ("renewal_of_id", "k.renewal_of_id", Kind::Text),
        ("expiring", "k.expiring", Kind::Bool),
        ("ends_on", "k.ends_on", Kind::Text),
        ("division_id", "c.division_id", Kind::Text),
    ],
    search: &["k.number", "k.title", "c.name"],
    division: None,
    owner: None,
};

fn from_row(r: &AnyRow, lines: Vec<PriceLine>) -> Result<Contract, StoreError> {
    let status = r.text("status")?;
    Ok(Contract {
        id: r.id("id")?,
        number: r.text("number")?,
        customer_id: r.id("customer_id")?,
        customer_name: r.text("customer_name")?,
        quote_id: r.opt_id("quote_id")?,
        renewal_of_id: r.opt_id("renewal_of_id")?,
        title: r.text("title")?,
        signed_on: opt_date(r, "signed_on")?,
        starts_on: date(r, "starts_on")?,
        ends_on: date(r, "ends_on")?,
        currency: r.text("currency")?,
        amount: r.int("amount")?,
        status: ContractStatus::parse("status", &status)
            .map_err(|_| StoreError::Other(format!("bad contract status {status:?}").into()))?,
        reminder_days: r.int("reminder_days")?,
        expiring: r.flag("expiring")?,
        lines,
        notes: r.opt_text("notes")?,
        planned: r.int("planned")?,
        received: r.int("received")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        version: r.int("version")?,
    })
}

async fn load(conn: &mut AnyConnection, rows: &[AnyRow]) -> Result<Vec<Contract>, StoreError> {
    let ids: Vec<String> = rows.iter().map(|r| r.text("id")).collect::<Result<_, _>>()?;
    let mut lines: HashMap<String, Vec<PriceLine>> = HashMap::new();
    if !ids.is_empty() {
        let mut sql = Sql::new("SELECT contract_id, ");
        sql.push(LINE_COLUMNS).push(" FROM contract_lines WHERE ");
        sql.bind_in("contract_id", &ids).push(" ORDER BY contract_id, position");
        for r in sql.query().fetch_all(&mut *conn).await.map_err(store_error)? {
            lines.entry(r.text("contract_id")?).or_default().push(price_line(&r)?);
        }
    }
    rows.iter().map(|r| from_row(r, lines.remove(&r.text("id")?).unwrap_or_default())).collect()
}

pub async fn list(db: &Db, scope: &Scope, req: &ListRequest) -> Result<Page<Contract>, StoreError> {
    let page = list_rows(&db.reader, &LIST, &Scope::everything(), &scoped(scope), req).await?;
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    let items = load(&mut conn, &page.items).await?;
    Ok(Page { items, next_cursor: page.next_cursor, total: page.total })
}

pub async fn get_in(conn: &mut AnyConnection, scope: &Scope, id: Uuid) -> Result<Contract, StoreError> {
    let row = find_where(&mut *conn, &LIST, &Scope::everything(), &scoped(scope), id).await?;
    load(conn, &[row]).await?.pop().ok_or(StoreError::NotFound)
}

pub async fn get(db: &Db, scope: &Scope, id: Uuid) -> Result<Contract, StoreError> {
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    get_in(&mut conn, scope, id).await
}

/// Audit rows of the payments module's records name the contract's customer's division.
pub async fn log<T: serde::Serialize>(
    conn: &mut AnyConnection,
    stamp: &AuditStamp,
    change: Change<'_, T>,
    customer_id: Uuid,
) -> Result<(), StoreError> {
    let division_id = Some(division_of(conn, customer_id).await?);
    audit::record(conn, stamp, Change { division_id, ..change }).await
}

fn change<'a>(action: &'a str, old: Option<&'a Contract>, new: Option<&'a Contract>, id: Uuid) -> Change<'a, Contract> {
    Change { entity: ENTITY, entity_id: id, action, division_id: None, old, new }
}

pub async fn create(db: &Db, new: &NewContract, today: NaiveDate, stamp: &AuditStamp) -> Result<Contract, StoreError> {
    let id = Uuid::now_v7();
    let ahead = take_ahead(db, "contract", today).await?;
    let mut tx = db.begin_write().await?;
    let number = number_for(&mut tx, ahead.as_deref(), "contract", today).await?;
    let mut sql = Sql::new(
        "INSERT INTO contracts (id, number, customer_id, quote_id, renewal_of_id, title, signed_on, starts_on, \
         ends_on, currency, amount, status, reminder_days, expiring, notes, created_at, updated_at, version) VALUES (",
    );
    sql.bind(id).push(", ").bind(&number).push(", ").bind(new.customer_id).push(", ").bind(new.quote_id);
    sql.push(", ").bind(new.renewal_of_id).push(", ").bind(&new.title).push(", ");
    sql.bind(new.signed_on.map(|d| d.to_string())).push(", ").bind(new.starts_on.to_string()).push(", ");
    sql.bind(new.ends_on.to_string()).push(", ").bind(&new.currency).push(", ").bind(new.amount).push(", ");
    sql.bind(ContractStatus::Draft.code()).push(", ").bind(new.reminder_days).push(", ").bind(false).push(", ");
    sql.bind(new.notes.clone()).push(", ").bind(stamp.at).push(", ").bind(stamp.at).push(", 1)");
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    insert_lines(&mut tx, "contract_lines", &[("contract_id", Arg::from(id))], &new.lines).await?;
    let contract = get_in(&mut tx, &Scope::everything(), id).await?;
    log(&mut tx, stamp, change("create", None, Some(&contract), id), contract.customer_id).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(contract)
}

pub async fn save(
    db: &Db,
    scope: &Scope,
    next: &Contract,
    version: i64,
    stamp: &AuditStamp,
) -> Result<Contract, StoreError> {
    let mut tx = db.begin_write().await?;
    let old = get_in(&mut tx, scope, next.id).await?;
    if old.version != version {
        return Err(StoreError::Stale);
    }
    let mut sql = Sql::new("UPDATE contracts SET title = ");
    sql.bind(&next.title).push(", signed_on = ").bind(next.signed_on.map(|d| d.to_string()));
    sql.push(", starts_on = ").bind(next.starts_on.to_string()).push(", ends_on = ").bind(next.ends_on.to_string());
    sql.push(", amount = ").bind(next.amount).push(", status = ").bind(next.status.code());
    sql.push(", reminder_days = ").bind(next.reminder_days).push(", expiring = ").bind(next.expiring);
    sql.push(", notes = ").bind(next.notes.clone()).push(", updated_at = ").bind(stamp.at);
    sql.push(", version = version + 1 WHERE id = ").bind(next.id).push(" AND version = ").bind(version);
    if sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    let saved = get_in(&mut tx, &Scope::everything(), next.id).await?;
    log(&mut tx, stamp, change("update", Some(&old), Some(&saved), next.id), old.customer_id).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(saved)
}
