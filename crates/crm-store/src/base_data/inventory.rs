use std::collections::HashSet;

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crm_core::access::{AuditStamp, Scope};
use crm_core::base_data::{InventoryItem, InventoryPatch, NewInventoryItem};
use crm_core::listing::{ListRequest, Page};
use crm_core::store::StoreError;

use crate::Db;
use crate::audit::{self, Change};
use crate::listing::{Kind, ListSpec, find, list as list_rows};
use crate::sql::{RowExt, Sql, store_error};

const ENTITY: &str = "inventory";

const FROM: &str = "inventory i JOIN products p ON p.id = i.product_id";

const COLUMNS: &str = "i.id, i.product_id, p.name AS product_name, i.division_id, i.warehouse, i.location, \
                       i.quantity, i.notes, i.created_at, i.updated_at, i.version";

const LIST: ListSpec = ListSpec {
    from: FROM,
    columns: COLUMNS,
    id: "i.id",
    default_sort: "warehouse",
    sorts: &[
        ("warehouse", "i.warehouse", Kind::Text),
        ("location", "i.location", Kind::Text),
        ("product_name", "p.name", Kind::Text),
        ("quantity", "i.quantity", Kind::Int),
        ("created_at", "i.created_at", Kind::Text),
        ("updated_at", "i.updated_at", Kind::Text),
    ],
    filters: &[
        ("product_id", "i.product_id", Kind::Text),
        ("division_id", "i.division_id", Kind::Text),
        ("warehouse", "i.warehouse", Kind::Text),
        ("location", "i.location", Kind::Text),
    ],
    search: &["p.name", "i.warehouse", "i.location"],
    division: Some("i.division_id"),
    owner: None,
};

/// "No location" is stored as '' rather than NULL, so that the unique index treats it as one
/// value on both backends (NULLs never collide in a unique index).
fn location_column(location: &Option<String>) -> String {
    location.clone().unwrap_or_default()
}

fn from_row(r: &AnyRow) -> Result<InventoryItem, StoreError> {
    Ok(InventoryItem {
        id: r.id("id")?,
        product_id: r.id("product_id")?,
        product_name: r.text("product_name")?,
        division_id: r.id("division_id")?,
        warehouse: r.text("warehouse")?,
        location: Some(r.text("location")?).filter(|l| !l.is_empty()),
        quantity: r.int("quantity")?,
        notes: r.opt_text("notes")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        version: r.int("version")?,
    })
}

pub async fn list(db: &Db, scope: &Scope, req: &ListRequest) -> Result<Page<InventoryItem>, StoreError> {
    let page = list_rows(&db.reader, &LIST, scope, &Sql::default(), req).await?;
    page.try_map(|r| from_row(&r))
}

pub async fn get<'c, E>(conn: E, scope: &Scope, id: Uuid) -> Result<InventoryItem, StoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    from_row(&find(conn, &LIST, scope, id).await?)
}

pub async fn create(db: &Db, new: &NewInventoryItem, stamp: &AuditStamp) -> Result<InventoryItem, StoreError> {
    let mut tx = db.begin_write().await?;
    let item = insert(&mut tx, new, stamp).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(item)
}

/// All stock rows or none: the first refused insert drops the transaction.
pub async fn create_many(
    db: &Db,
    new: &[NewInventoryItem],
    stamp: &AuditStamp,
) -> Result<Vec<InventoryItem>, StoreError> {
    let mut tx = db.begin_write().await?;
    let mut items = Vec::with_capacity(new.len());
    for n in new {
        items.push(insert(&mut tx, n, stamp).await?);
    }
    tx.commit().await.map_err(store_error)?;
    Ok(items)
}

async fn insert(
    conn: &mut AnyConnection,
    new: &NewInventoryItem,
    stamp: &AuditStamp,
) -> Result<InventoryItem, StoreError> {
    let id = Uuid::now_v7();
    let mut sql = Sql::new(
        "INSERT INTO inventory (id, product_id, division_id, warehouse, location, quantity, notes, created_at, updated_at, version) VALUES (",
    );
    sql.bind(id).push(", ").bind(new.product_id).push(", ").bind(new.division_id).push(", ");
    sql.bind(&new.warehouse).push(", ").bind(location_column(&new.location)).push(", ").bind(new.quantity);
    sql.push(", ").bind(new.notes.clone()).push(", ").bind(stamp.at).push(", ").bind(stamp.at).push(", 1)");
    sql.query().execute(&mut *conn).await.map_err(store_error)?;
    // Read back for the product's name.
    let item = get(&mut *conn, &Scope::everything(), id).await?;
    let change = Change {
        entity: ENTITY,
        entity_id: id,
        action: "create",
        division_id: Some(item.division_id),
        old: None,
        new: Some(&item),
    };
    audit::record(conn, stamp, change).await?;
    Ok(item)
}

/// Keys are looked up by product in chunks, to stay under the backends' limits on bound values.
pub async fn taken_keys(
    db: &Db,
    keys: &[(Uuid, Uuid, String, String)],
) -> Result<HashSet<(Uuid, Uuid, String, String)>, StoreError> {
    const CHUNK: usize = 500;
    let wanted: HashSet<&(Uuid, Uuid, String, String)> = keys.iter().collect();
    let mut products: Vec<Uuid> = keys.iter().map(|k| k.1).collect();
    products.sort_unstable();
    products.dedup();
    let mut taken = HashSet::new();
    for chunk in products.chunks(CHUNK) {
        let mut sql = Sql::new("SELECT i.division_id, i.product_id, i.warehouse, i.location FROM inventory i WHERE ");
        sql.bind_in("i.product_id", chunk);
        for row in sql.query().fetch_all(&db.reader).await.map_err(store_error)? {
            let key = (row.id("division_id")?, row.id("product_id")?, row.text("warehouse")?, row.text("location")?);
            if wanted.contains(&key) {
                taken.insert(key);
            }
        }
    }
    Ok(taken)
}

pub async fn update(
    db: &Db,
    scope: &Scope,
    id: Uuid,
    version: Option<i64>,
    patch: &InventoryPatch,
    stamp: &AuditStamp,
) -> Result<InventoryItem, StoreError> {
    let mut tx = db.begin_write().await?;
    let old = get(&mut *tx, scope, id).await?;
    if version.is_some_and(|v| v != old.version) {
        return Err(StoreError::Stale);
    }
    let new = patch.apply(&old, stamp.at);
    let mut sql = Sql::new("UPDATE inventory SET warehouse = ");
    sql.bind(&new.warehouse).push(", location = ").bind(location_column(&new.location));
    sql.push(", quantity = ").bind(new.quantity).push(", notes = ").bind(new.notes.clone());
    sql.push(", updated_at = ").bind(stamp.at).push(", version = version + 1 WHERE id = ").bind(id);
    sql.push(" AND version = ").bind(old.version);
    if sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    let change = Change {
        entity: ENTITY,
        entity_id: id,
        action: "update",
        division_id: Some(old.division_id),
        old: Some(&old),
        new: Some(&new),
    };
    audit::record(&mut tx, stamp, change).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(new)
}

pub async fn delete(db: &Db, scope: &Scope, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    let old = get(&mut *tx, scope, id).await?;
    let mut sql = Sql::new("DELETE FROM inventory WHERE id = ");
    sql.bind(id);
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    let change = Change {
        entity: ENTITY,
        entity_id: id,
        action: "delete",
        division_id: Some(old.division_id),
        old: Some(&old),
        new: None,
    };
    audit::record(&mut tx, stamp, change).await?;
    tx.commit().await.map_err(store_error)
}
