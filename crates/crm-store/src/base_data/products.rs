use std::collections::HashSet;

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crm_core::access::{AuditStamp, Scope};
use crm_core::base_data::{NewProduct, Product, ProductPatch};
use crm_core::listing::{ListRequest, Page};
use crm_core::store::StoreError;

use crate::Db;
use crate::audit::{self, Change};
use crate::listing::{Kind, ListSpec, find, list as list_rows};
use crate::sql::{RowExt, Sql, store_error};

const ENTITY: &str = "products";

const COLUMNS: &str = "p.id, p.name, p.model, p.unit, p.price, p.cost, p.currency, p.batch, p.enabled, \
                       p.created_at, p.updated_at, p.version";

const LIST: ListSpec = ListSpec {
    from: "products p",
    columns: COLUMNS,
    id: "p.id",
    default_sort: "name",
    sorts: &[
        ("name", "p.name", Kind::Text),
        ("model", "COALESCE(p.model, '')", Kind::Text),
        ("price", "p.price", Kind::Int),
        ("created_at", "p.created_at", Kind::Text),
        ("updated_at", "p.updated_at", Kind::Text),
    ],
    filters: &[
        ("name", "p.name", Kind::Text),
        ("model", "p.model", Kind::Text),
        ("unit", "p.unit", Kind::Text),
        ("batch", "p.batch", Kind::Text),
        ("currency", "p.currency", Kind::Text),
        ("enabled", "p.enabled", Kind::Bool),
    ],
    search: &["p.name", "p.model", "p.batch"],
    division: None,
    owner: None,
};

fn from_row(r: &AnyRow) -> Result<Product, StoreError> {
    Ok(Product {
        id: r.id("id")?,
        name: r.text("name")?,
        model: r.opt_text("model")?,
        unit: r.opt_text("unit")?,
        price: r.int("price")?,
        cost: r.opt_int("cost")?,
        currency: r.text("currency")?,
        batch: r.opt_text("batch")?,
        enabled: r.flag("enabled")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        version: r.int("version")?,
    })
}

pub async fn list(db: &Db, req: &ListRequest) -> Result<Page<Product>, StoreError> {
    let page = list_rows(&db.reader, &LIST, &Scope::everything(), &Sql::default(), req).await?;
    page.try_map(|r| from_row(&r))
}

pub async fn get<'c, E>(conn: E, id: Uuid) -> Result<Product, StoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    from_row(&find(conn, &LIST, &Scope::everything(), id).await?)
}

pub async fn create(db: &Db, new: &NewProduct, stamp: &AuditStamp) -> Result<Product, StoreError> {
    let mut tx = db.begin_write().await?;
    let product = insert(&mut tx, new, stamp).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(product)
}

/// All products or none: the first refused insert drops the transaction.
pub async fn create_many(db: &Db, new: &[NewProduct], stamp: &AuditStamp) -> Result<Vec<Product>, StoreError> {
    let mut tx = db.begin_write().await?;
    let mut products = Vec::with_capacity(new.len());
    for n in new {
        products.push(insert(&mut tx, n, stamp).await?);
    }
    tx.commit().await.map_err(store_error)?;
    Ok(products)
}

async fn insert(conn: &mut AnyConnection, new: &NewProduct, stamp: &AuditStamp) -> Result<Product, StoreError> {
    let product = Product {
        id: Uuid::now_v7(),
        name: new.name.clone(),
        model: new.model.clone(),
        unit: new.unit.clone(),
        price: new.price,
        cost: new.cost,
        currency: new.currency.clone(),
        batch: new.batch.clone(),
        enabled: new.enabled,
        created_at: stamp.at,
        updated_at: stamp.at,
        version: 1,
    };
    let mut sql = Sql::new(
        "INSERT INTO products (id, name, model, unit, price, cost, currency, batch, enabled, created_at, updated_at, version) VALUES (",
    );
    sql.bind(product.id).push(", ").bind(&product.name).push(", ").bind(product.model.clone()).push(", ");
    sql.bind(product.unit.clone()).push(", ").bind(product.price).push(", ");
    sql.bind(product.cost);
    sql.push(", ");
    sql.bind(&product.currency).push(", ").bind(product.batch.clone()).push(", ").bind(product.enabled);
    sql.push(", ").bind(stamp.at).push(", ").bind(stamp.at).push(", 1)");
    sql.query().execute(&mut *conn).await.map_err(store_error)?;
    let change = Change {
        entity: ENTITY,
        entity_id: product.id,
        action: "create",
        division_id: None,
        old: None,
        new: Some(&product),
    };
    audit::record(conn, stamp, change).await?;
    Ok(product)
}

/// Keys are looked up by name in chunks, to stay under the backends' limits on bound values.
pub async fn taken_keys(db: &Db, keys: &[(String, String)]) -> Result<HashSet<(String, String)>, StoreError> {
    const CHUNK: usize = 500;
    let wanted: HashSet<&(String, String)> = keys.iter().collect();
    let mut names: Vec<&str> = keys.iter().map(|(name, _)| name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let mut taken = HashSet::new();
    for chunk in names.chunks(CHUNK) {
        let mut sql = Sql::new("SELECT p.name, COALESCE(p.model, '') AS model FROM products p WHERE ");
        sql.bind_in("p.name", chunk);
        for row in sql.query().fetch_all(&db.reader).await.map_err(store_error)? {
            let key = (row.text("name")?, row.text("model")?);
            if wanted.contains(&key) {
                taken.insert(key);
            }
        }
    }
    Ok(taken)
}

pub async fn update(
    db: &Db,
    id: Uuid,
    version: Option<i64>,
    patch: &ProductPatch,
    stamp: &AuditStamp,
) -> Result<Product, StoreError> {
    let mut tx = db.begin_write().await?;
    let old = get(&mut *tx, id).await?;
    if version.is_some_and(|v| v != old.version) {
        return Err(StoreError::Stale);
    }
    let new = patch.apply(&old, stamp.at);
    let mut sql = Sql::new("UPDATE products SET name = ");
    sql.bind(&new.name).push(", model = ").bind(new.model.clone()).push(", unit = ").bind(new.unit.clone());
    sql.push(", price = ").bind(new.price).push(", cost = ");
    sql.bind(new.cost);
    sql.push(", currency = ").bind(&new.currency).push(", batch = ").bind(new.batch.clone());
    sql.push(", enabled = ").bind(new.enabled).push(", updated_at = ").bind(stamp.at);
    sql.push(", version = version + 1 WHERE id = ").bind(id).push(" AND version = ").bind(old.version);
    if sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    let change =
        Change { entity: ENTITY, entity_id: id, action: "update", division_id: None, old: Some(&old), new: Some(&new) };
    audit::record(&mut tx, stamp, change).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(new)
}

pub async fn delete(db: &Db, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    let old = get(&mut *tx, id).await?;
    let mut sql = Sql::new("DELETE FROM products WHERE id = ");
    sql.bind(id);
    sql.query().execute(&mut *tx).await.map_err(|e| match store_error(e) {
        StoreError::Conflict { .. } => StoreError::Conflict { constraint: "product_in_use".into(), field: None },
        other => other,
    })?;
    let change =
        Change { entity: ENTITY, entity_id: id, action: "delete", division_id: None, old: Some(&old), new: None };
    audit::record(&mut tx, stamp, change).await?;
    tx.commit().await.map_err(store_error)
}
