use chrono::NaiveDate;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crm_core::access::{AuditStamp, Scope};
use crm_core::listing::{ListRequest, Page};
use crm_core::sales::contracts::{NewPayment, NewPlanItem, Payment, PlanItem, Receivable, ReceivablesBy};
use crm_core::store::StoreError;

use super::contract::{self, log};
use super::date;
use crate::Db;
use crate::audit::Change;
use crate::customers::scoped;
use crate::listing::{Kind, ListSpec, find_where, list as list_rows};
use crate::sql::{RowExt, Sql, store_error};

const PLAN_ENTITY: &str = "payment-plan-items";
const ENTITY: &str = "payments";

/// What was paid against each plan item `p`.
pub(crate) const ITEM_RECEIVED: &str =
    "(SELECT CAST(COALESCE(SUM(r.amount), 0) AS BIGINT) FROM payments r WHERE r.plan_item_id = p.id)";

fn plan_item(r: &AnyRow, today: NaiveDate) -> Result<PlanItem, StoreError> {
    let due_on = date(r, "due_on")?;
    let amount = r.int("amount")?;
    let received = r.int("received")?;
    Ok(PlanItem {
        id: r.id("id")?,
        contract_id: r.id("contract_id")?,
        due_on,
        currency: r.text("currency")?,
        amount,
        note: r.opt_text("note")?,
        received,
        outstanding: (amount - received).max(0),
        overdue: due_on < today && received < amount,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        version: r.int("version")?,
    })
}

pub async fn plan_items(
    db: &Db,
    scope: &Scope,
    contract_id: Uuid,
    today: NaiveDate,
) -> Result<Vec<PlanItem>, StoreError> {
    let mut sql = Sql::new("SELECT p.id, p.contract_id, p.due_on, k.currency, p.amount, p.note, ");
    sql.push(ITEM_RECEIVED).push(
        " AS received, p.created_at, p.updated_at, p.version FROM payment_plan_items p \
         JOIN contracts k ON k.id = p.contract_id JOIN customers c ON c.id = k.customer_id WHERE p.contract_id = ",
    );
    sql.bind(contract_id).append(&scoped(scope)).push(" ORDER BY p.due_on, p.id");
    let rows = sql.query().fetch_all(&db.reader).await.map_err(store_error)?;
    rows.iter().map(|r| plan_item(r, today)).collect()
}

pub async fn add_plan_items(
    db: &Db,
    scope: &Scope,
    contract_id: Uuid,
    items: &[NewPlanItem],
    stamp: &AuditStamp,
) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    let contract = contract::get_in(&mut tx, scope, contract_id).await?;
    for item in items {
        let id = Uuid::now_v7();
        let mut sql = Sql::new(
            "INSERT INTO payment_plan_items (id, contract_id, due_on, amount, note, created_at, updated_at, version) \
             VALUES (",
        );
        sql.bind(id).push(", ").bind(contract_id).push(", ").bind(item.due_on.to_string()).push(", ");
        sql.bind(item.amount).push(", ").bind(item.note.clone()).push(", ").bind(stamp.at).push(", ");
        sql.bind(stamp.at).push(", 1)");
        sql.query().execute(&mut *tx).await.map_err(store_error)?;
        let logged = serde_json::json!({
            "contract_id": contract_id,
            "due_on": item.due_on,
            "amount": crm_core::money::format_units(item.amount),
            "currency": contract.currency,
            "note": item.note,
        });
        let change = Change {
            entity: PLAN_ENTITY,
            entity_id: id,
            action: "create",
            division_id: None,
            old: None,
            new: Some(&logged),
        };
        log(&mut tx, stamp, change, contract.customer_id).await?;
    }
    tx.commit().await.map_err(store_error)
}

const LIST: ListSpec = ListSpec {
    from: "payments r JOIN contracts k ON k.id = r.contract_id JOIN customers c ON c.id = k.customer_id",
    columns: "r.id, r.contract_id, k.number AS contract_number, k.customer_id, c.name AS customer_name, \
        r.plan_item_id, r.received_on, r.amount, r.currency, r.method, r.note, r.created_at, r.updated_at, r.version",
    id: "r.id",
    default_sort: "-received_on",
    sorts: &[
        ("received_on", "r.received_on", Kind::Text),
        ("amount", "r.amount", Kind::Int),
        ("created_at", "r.created_at", Kind::Text),
    ],
    filters: &[
        ("contract_id", "r.contract_id", Kind::Text),
        ("customer_id", "k.customer_id", Kind::Text),
        ("plan_item_id", "r.plan_item_id", Kind::Text),
        ("currency", "r.currency", Kind::Text),
        ("received_on", "r.received_on", Kind::Text),
        ("division_id", "c.division_id", Kind::Text),
    ],
    search: &["k.number", "c.name", "r.method", "r.note"],
    division: None,
    owner: None,
};

fn from_row(r: &AnyRow) -> Result<Payment, StoreError> {
    Ok(Payment {
        id: r.id("id")?,
        contract_id: r.id("contract_id")?,
        contract_number: r.text("contract_number")?,
        customer_id: r.id("customer_id")?,
        customer_name: r.text("customer_name")?,
        plan_item_id: r.opt_id("plan_item_id")?,
        received_on: date(r, "received_on")?,
        amount: r.int("amount")?,
        currency: r.text("currency")?,
        method: r.opt_text("method")?,
        note: r.opt_text("note")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        version: r.int("version")?,
    })
}

pub async fn list(db: &Db, scope: &Scope, req: &ListRequest) -> Result<Page<Payment>, StoreError> {
    let page = list_rows(&db.reader, &LIST, &Scope::everything(), &scoped(scope), req).await?;
    page.try_map(|r| from_row(&r))
}

async fn get_in(conn: &mut sqlx::AnyConnection, scope: &Scope, id: Uuid) -> Result<Payment, StoreError> {
    from_row(&find_where(&mut *conn, &LIST, &Scope::everything(), &scoped(scope), id).await?)
}

pub async fn get(db: &Db, scope: &Scope, id: Uuid) -> Result<Payment, StoreError> {
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    get_in(&mut conn, scope, id).await
}

pub async fn create(db: &Db, new: &NewPayment, stamp: &AuditStamp) -> Result<Payment, StoreError> {
    let id = Uuid::now_v7();
    let mut tx = db.begin_write().await?;
    let mut sql = Sql::new(
        "INSERT INTO payments (id, contract_id, plan_item_id, received_on, amount, currency, method, note, \
         created_at, updated_at, version) VALUES (",
    );
    sql.bind(id).push(", ").bind(new.contract_id).push(", ").bind(new.plan_item_id).push(", ");
    sql.bind(new.received_on.to_string()).push(", ").bind(new.amount).push(", ").bind(new.currency.clone());
    sql.push(", ").bind(new.method.clone()).push(", ").bind(new.note.clone()).push(", ").bind(stamp.at);
    sql.push(", ").bind(stamp.at).push(", 1)");
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    let payment = get_in(&mut tx, &Scope::everything(), id).await?;
    let change =
        Change { entity: ENTITY, entity_id: id, action: "create", division_id: None, old: None, new: Some(&payment) };
    log(&mut tx, stamp, change, payment.customer_id).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(payment)
}

pub async fn save(
    db: &Db,
    scope: &Scope,
    next: &Payment,
    version: i64,
    stamp: &AuditStamp,
) -> Result<Payment, StoreError> {
    let mut tx = db.begin_write().await?;
    let old = get_in(&mut tx, scope, next.id).await?;
    if old.version != version {
        return Err(StoreError::Stale);
    }
    let mut sql = Sql::new("UPDATE payments SET received_on = ");
    sql.bind(next.received_on.to_string()).push(", amount = ").bind(next.amount);
    sql.push(", method = ").bind(next.method.clone()).push(", note = ").bind(next.note.clone());
    sql.push(", updated_at = ").bind(stamp.at).push(", version = version + 1 WHERE id = ").bind(next.id);
    sql.push(" AND version = ").bind(version);
    if sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    let saved = get_in(&mut tx, &Scope::everything(), next.id).await?;
    let change = Change {
        entity: ENTITY,
        entity_id: next.id,
        action: "update",
        division_id: None,
        old: Some(&old),
        new: Some(&saved),
    };
    log(&mut tx, stamp, change, saved.customer_id).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(saved)
}

pub async fn delete(db: &Db, scope: &Scope, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    let old = get_in(&mut tx, scope, id).await?;
    let mut sql = Sql::new("DELETE FROM payments WHERE id = ");
    sql.bind(id);
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    let change =
        Change { entity: ENTITY, entity_id: id, action: "delete", division_id: None, old: Some(&old), new: None };
    log(&mut tx, stamp, change, old.customer_id).await?;
    tx.commit().await.map_err(store_error)
}

/// Sums per contract in a derived table, then per customer or owner and currency: a
/// contract's plan and receipts are summed once each, whatever the joins.
pub async fn receivables(
    db: &Db,
    scope: &Scope,
    by: ReceivablesBy,
    today: NaiveDate,
) -> Result<Vec<Receivable>, StoreError> {
    let (key_id, key_name) = match by {
        ReceivablesBy::Customer => ("c.id", "c.name"),
        ReceivablesBy::Owner => ("c.owner_id", "COALESCE(u.display_name, u.username)"),
    };
    let mut sql = Sql::new("SELECT x.key_id, x.key_name, x.currency, CAST(SUM(x.planned) AS BIGINT) AS planned, ");
    sql.push("CAST(SUM(x.received) AS BIGINT) AS received, CAST(SUM(x.overdue) AS BIGINT) AS overdue FROM (SELECT ");
    sql.push(key_id).push(" AS key_id, ").push(key_name).push(" AS key_name, k.currency, ");
    sql.push("(SELECT COALESCE(SUM(p.amount), 0) FROM payment_plan_items p WHERE p.contract_id = k.id) AS planned, ");
    sql.push("(SELECT COALESCE(SUM(r.amount), 0) FROM payments r WHERE r.contract_id = k.id) AS received, ");
    sql.push("(SELECT COALESCE(SUM(p.amount - ").push(ITEM_RECEIVED).push("), 0) FROM payment_plan_items p ");
    sql.push("WHERE p.contract_id = k.id AND p.due_on < ").bind(today.to_string());
    sql.push(" AND p.amount > ").push(ITEM_RECEIVED).push(") AS overdue ");
    sql.push("FROM contracts k JOIN customers c ON c.id = k.customer_id LEFT JOIN users u ON u.id = c.owner_id ");
    sql.push("WHERE k.status IN ('active', 'expired')").append(&scoped(scope));
    sql.push(") x GROUP BY x.key_id, x.key_name, x.currency ORDER BY x.key_name, x.currency");
    let rows = sql.query().fetch_all(&db.reader).await.map_err(store_error)?;
    let mut items = Vec::with_capacity(rows.len());
    for r in &rows {
        let (planned, received) = (r.int("planned")?, r.int("received")?);
        if planned == 0 && received == 0 {
            continue;
        }
        items.push(Receivable {
            id: r.opt_id("key_id")?,
            name: r.opt_text("key_name")?,
            currency: r.text("currency")?,
            planned,
            received,
            outstanding: planned - received,
            overdue: r.int("overdue")?,
        });
    }
    Ok(items)
}
