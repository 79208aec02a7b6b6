//! Who holds a customer (CUS-8): its owner with the history of assignments, the users it is
//! shared with, and bulk changes of a selection (CUS-6).

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crm_core::access::{AuditStamp, Scope};
use crm_core::customers::{Assignment, Customer, Ref, Share};
use crm_core::listing::{ListRequest, Page};
use crm_core::store::StoreError;

use super::customer::{change, get_in, reference, write};
use crate::Db;
use crate::audit::{self, Change};
use crate::listing::{Kind, ListSpec, list as list_rows};
use crate::sql::{RowExt, Sql, store_error};

/// Reads every customer of the selection in scope first, so that one unknown id changes nothing.
async fn selection(conn: &mut AnyConnection, scope: &Scope, ids: &[Uuid]) -> Result<Vec<Customer>, StoreError> {
    let mut customers = Vec::with_capacity(ids.len());
    for id in ids {
        customers.push(get_in(conn, scope, *id).await?);
    }
    Ok(customers)
}

pub async fn assign(
    db: &Db,
    scope: &Scope,
    ids: &[Uuid],
    owner_id: Uuid,
    note: Option<&str>,
    stamp: &AuditStamp,
) -> Result<u64, StoreError> {
    let mut tx = db.begin_write().await?;
    let mut changed = 0;
    for old in selection(&mut tx, scope, ids).await? {
        if old.owner_id == Some(owner_id) {
            continue;
        }
        let draft = Customer { owner_id: Some(owner_id), updated_at: stamp.at, ..old.clone() };
        write(&mut tx, &draft, old.version).await?;
        let mut sql = Sql::new(
            "INSERT INTO customer_assignments (id, customer_id, from_owner_id, to_owner_id, note, assigned_by_id, \
             assigned_by_name, assigned_at) VALUES (",
        );
        sql.bind(Uuid::now_v7()).push(", ").bind(old.id).push(", ").bind(old.owner_id).push(", ").bind(owner_id);
        sql.push(", ").bind(note).push(", ").bind(stamp.actor_id).push(", ").bind(&stamp.actor_name).push(", ");
        sql.bind(stamp.at).push(")");
        sql.query().execute(&mut *tx).await.map_err(store_error)?;
        let new = get_in(&mut tx, &Scope::everything(), old.id).await?;
        audit::record(&mut tx, stamp, change("assign", Some(&old), Some(&new))).await?;
        changed += 1;
    }
    tx.commit().await.map_err(store_error)?;
    Ok(changed)
}

pub async fn tag(
    db: &Db,
    scope: &Scope,
    ids: &[Uuid],
    tag: &str,
    add: bool,
    stamp: &AuditStamp,
) -> Result<u64, StoreError> {
    let mut tx = db.begin_write().await?;
    let mut changed = 0;
    for old in selection(&mut tx, scope, ids).await? {
        if old.tags.iter().any(|t| t == tag) == add {
            continue;
        }
        let mut sql = if add {
            let mut sql = Sql::new("INSERT INTO customer_tags (customer_id, tag) VALUES (");
            sql.bind(old.id).push(", ").bind(tag).push(")");
            sql
        } else {
            let mut sql = Sql::new("DELETE FROM customer_tags WHERE customer_id = ");
            sql.bind(old.id).push(" AND tag = ").bind(tag);
            sql
        };
        sql.query().execute(&mut *tx).await.map_err(store_error)?;
        sql = Sql::new("UPDATE customers SET version = version + 1, updated_at = ");
        sql.bind(stamp.at).push(" WHERE id = ").bind(old.id);
        sql.query().execute(&mut *tx).await.map_err(store_error)?;
        let new = get_in(&mut tx, &Scope::everything(), old.id).await?;
        audit::record(&mut tx, stamp, change("update", Some(&old), Some(&new))).await?;
        changed += 1;
    }
    tx.commit().await.map_err(store_error)?;
    Ok(changed)
}

const ASSIGNMENTS: ListSpec = ListSpec {
    from: "customer_assignments ca LEFT JOIN users fu ON fu.id = ca.from_owner_id \
           LEFT JOIN users tu ON tu.id = ca.to_owner_id",
    columns: "ca.id, ca.customer_id, ca.from_owner_id, COALESCE(fu.display_name, fu.username) AS from_owner_name, \
              ca.to_owner_id, COALESCE(tu.display_name, tu.username) AS to_owner_name, ca.note, ca.assigned_by_id, \
              ca.assigned_by_name, ca.assigned_at",
    id: "ca.id",
    default_sort: "-assigned_at",
    sorts: &[("assigned_at", "ca.assigned_at", Kind::Text)],
    filters: &[
        ("customer_id", "ca.customer_id", Kind::Text),
        ("from_owner_id", "ca.from_owner_id", Kind::Text),
        ("to_owner_id", "ca.to_owner_id", Kind::Text),
    ],
    search: &[],
    division: None,
    owner: None,
};

fn assignment_from_row(r: &AnyRow) -> Result<Assignment, StoreError> {
    Ok(Assignment {
        id: r.id("id")?,
        customer_id: r.id("customer_id")?,
        from_owner: reference(r, "from_owner_id", "from_owner_name")?,
        to_owner: reference(r, "to_owner_id", "to_owner_name")?,
        note: r.opt_text("note")?,
        assigned_by_id: r.opt_id("assigned_by_id")?,
        assigned_by_name: r.text("assigned_by_name")?,
        assigned_at: r.time("assigned_at")?,
    })
}

/// The history of one customer the scope may see.
pub async fn list_assignments(
    db: &Db,
    scope: &Scope,
    customer_id: Uuid,
    req: &ListRequest,
) -> Result<Page<Assignment>, StoreError> {
    super::customer::get(db, scope, customer_id).await?;
    let mut extra = Sql::new(" AND ca.customer_id = ");
    extra.bind(customer_id);
    let mut req = req.clone();
    req.filters.retain(|(name, _)| name != "customer_id");
    let page = list_rows(&db.reader, &ASSIGNMENTS, &Scope::everything(), &extra, &req).await?;
    page.try_map(|r| assignment_from_row(&r))
}

const SHARE_COLUMNS: &str = "SELECT sh.customer_id, sh.user_id, COALESCE(u.display_name, u.username) AS user_name, \
    sh.shared_by_name, sh.shared_at FROM customer_shares sh JOIN users u ON u.id = sh.user_id WHERE sh.customer_id = ";

fn share_from_row(r: &AnyRow) -> Result<Share, StoreError> {
    Ok(Share {
        customer_id: r.id("customer_id")?,
        user: Ref { id: r.id("user_id")?, label: r.text("user_name")? },
        shared_by_name: r.text("shared_by_name")?,
        shared_at: r.time("shared_at")?,
    })
}

async fn shares_in(conn: &mut AnyConnection, customer_id: Uuid) -> Result<Vec<Share>, StoreError> {
    let mut sql = Sql::new(SHARE_COLUMNS);
    sql.bind(customer_id).push(" ORDER BY sh.shared_at, sh.user_id");
    sql.query().fetch_all(&mut *conn).await.map_err(store_error)?.iter().map(share_from_row).collect()
}

pub async fn list_shares(db: &Db, scope: &Scope, customer_id: Uuid) -> Result<Vec<Share>, StoreError> {
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    get_in(&mut conn, scope, customer_id).await?;
    shares_in(&mut conn, customer_id).await
}

fn share_change<'a>(
    action: &'a str,
    customer: &Customer,
    old: Option<&'a serde_json::Value>,
    new: Option<&'a serde_json::Value>,
) -> Change<'a, serde_json::Value> {
    Change {
        entity: super::customer::ENTITY,
        entity_id: customer.id,
        action,
        division_id: Some(customer.division_id),
        old,
        new,
    }
}

/// Sharing twice is one share.
pub async fn share(
    db: &Db,
    scope: &Scope,
    customer_id: Uuid,
    user_id: Uuid,
    stamp: &AuditStamp,
) -> Result<Share, StoreError> {
    let mut tx = db.begin_write().await?;
    let customer = get_in(&mut tx, scope, customer_id).await?;
    let existing = shares_in(&mut tx, customer_id).await?;
    if let Some(share) = existing.into_iter().find(|s| s.user.id == user_id) {
        return Ok(share);
    }
    let mut sql = Sql::new("INSERT INTO customer_shares (customer_id, user_id, shared_by_name, shared_at) VALUES (");
    sql.bind(customer_id).push(", ").bind(user_id).push(", ").bind(&stamp.actor_name).push(", ").bind(stamp.at);
    sql.push(")");
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    let logged = serde_json::json!({ "shared_with": user_id });
    audit::record(&mut tx, stamp, share_change("share", &customer, None, Some(&logged))).await?;
    let share = shares_in(&mut tx, customer_id).await?.into_iter().find(|s| s.user.id == user_id);
    tx.commit().await.map_err(store_error)?;
    share.ok_or(StoreError::NotFound)
}

pub async fn unshare(
    db: &Db,
    scope: &Scope,
    customer_id: Uuid,
    user_id: Uuid,
    stamp: &AuditStamp,
) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    let customer = get_in(&mut tx, scope, customer_id).await?;
    let mut sql = Sql::new("DELETE FROM customer_shares WHERE customer_id = ");
    sql.bind(customer_id).push(" AND user_id = ").bind(user_id);
    if sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    let logged = serde_json::json!({ "shared_with": user_id });
    audit::record(&mut tx, stamp, share_change("unshare", &customer, Some(&logged), None)).await?;
    tx.commit().await.map_err(store_error)
}
