use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crm_core::access::{AuditStamp, Division, DivisionPatch, NewDivision, Scope};
use crm_core::listing::{ListRequest, Page};
use crm_core::store::StoreError;

use crate::Db;
use crate::audit::{self, Change};
use crate::listing::{Kind, ListSpec, find, list as list_rows};
use crate::sql::{RowExt, Sql, store_error};

const COLUMNS: &str = "d.id, d.name, d.code, d.created_at, d.updated_at, d.version";

const LIST: ListSpec = ListSpec {
    from: "divisions d",
    columns: COLUMNS,
    id: "d.id",
    default_sort: "name",
    sorts: &[("name", "d.name", Kind::Text), ("created_at", "d.created_at", Kind::Text)],
    filters: &[("code", "d.code", Kind::Text), ("name", "d.name", Kind::Text)],
    search: &["d.name", "d.code"],
    division: Some("d.id"),
    owner: None,
};

fn from_row(r: &AnyRow) -> Result<Division, StoreError> {
    Ok(Division {
        id: r.id("id")?,
        name: r.text("name")?,
        code: r.opt_text("code")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        version: r.int("version")?,
    })
}

pub async fn list(db: &Db, scope: &Scope, req: &ListRequest) -> Result<Page<Division>, StoreError> {
    let page = list_rows(&db.reader, &LIST, scope, &Sql::default(), req).await?;
    page.try_map(|r| from_row(&r))
}

pub async fn get<'c, E>(conn: E, scope: &Scope, id: Uuid) -> Result<Division, StoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    from_row(&find(conn, &LIST, scope, id).await?)
}

pub async fn by_name(db: &Db, name: &str) -> Result<Option<Division>, StoreError> {
    let mut sql = Sql::new("SELECT ");
    sql.push(COLUMNS).push(" FROM divisions d WHERE d.name = ").bind(name);
    sql.query().fetch_optional(&db.reader).await.map_err(store_error)?.as_ref().map(from_row).transpose()
}

pub async fn insert(conn: &mut AnyConnection, new: &NewDivision, stamp: &AuditStamp) -> Result<Division, StoreError> {
    let division = Division {
        id: Uuid::now_v7(),
        name: new.name.clone(),
        code: new.code.clone(),
        created_at: stamp.at,
        updated_at: stamp.at,
        version: 1,
    };
    let mut sql = Sql::new("INSERT INTO divisions (id, name, code, created_at, updated_at, version) VALUES (");
    sql.bind(division.id).push(", ").bind(&division.name).push(", ").bind(division.code.clone()).push(", ");
    sql.bind(stamp.at).push(", ").bind(stamp.at).push(", 1)");
    sql.query().execute(&mut *conn).await.map_err(store_error)?;
    let change = Change {
        entity: "divisions",
        entity_id: division.id,
        action: "create",
        division_id: Some(division.id),
        old: None,
        new: Some(&division),
    };
    audit::record(conn, stamp, change).await?;
    Ok(division)
}

pub async fn create(db: &Db, new: &NewDivision, stamp: &AuditStamp) -> Result<Division, StoreError> {
    let mut tx = db.begin_write().await?;
    let division = insert(&mut tx, new, stamp).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(division)
}

pub async fn update(
    db: &Db,
    scope: &Scope,
    id: Uuid,
    version: Option<i64>,
    patch: &DivisionPatch,
    stamp: &AuditStamp,
) -> Result<Division, StoreError> {
    let mut tx = db.begin_write().await?;
    let old = get(&mut *tx, scope, id).await?;
    if version.is_some_and(|v| v != old.version) {
        return Err(StoreError::Stale);
    }
    let new = Division {
        name: patch.name.clone().unwrap_or_else(|| old.name.clone()),
        code: patch.code.clone().apply(old.code.clone()),
        updated_at: stamp.at,
        version: old.version + 1,
        ..old.clone()
    };
    let mut sql = Sql::new("UPDATE divisions SET name = ");
    sql.bind(&new.name).push(", code = ").bind(new.code.clone()).push(", updated_at = ").bind(stamp.at);
    sql.push(", version = version + 1 WHERE id = ").bind(id).push(" AND version = ").bind(old.version);
    let done = sql.query().execute(&mut *tx).await.map_err(store_error)?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    let change = Change {
        entity: "divisions",
        entity_id: id,
        action: "update",
        division_id: Some(id),
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
    let mut sql = Sql::new("DELETE FROM divisions WHERE id = ");
    sql.bind(id);
    sql.query().execute(&mut *tx).await.map_err(|e| match store_error(e) {
        StoreError::Conflict { .. } => StoreError::Conflict { constraint: "division_in_use".into(), field: None },
        other => other,
    })?;
    let change = Change {
        entity: "divisions",
        entity_id: id,
        action: "delete",
        division_id: Some(id),
        old: Some(&old),
        new: None,
    };
    audit::record(&mut tx, stamp, change).await?;
    tx.commit().await.map_err(store_error)
}
