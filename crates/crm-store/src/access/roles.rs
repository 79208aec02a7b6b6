use std::collections::BTreeSet;

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crm_core::access::{AuditStamp, DataScope, Grant, NewRole, Permission, Role, RolePatch, Scope};
use crm_core::listing::{ListRequest, Page};
use crm_core::store::StoreError;

use crate::Db;
use crate::audit::{self, Change};
use crate::listing::{Kind, ListSpec, find, list as list_rows};
use crate::sql::{RowExt, Sql, store_error};

const COLUMNS: &str = "r.id, r.code, r.name, r.description, r.permissions, r.data_scope, r.builtin, r.created_at, r.updated_at, r.version";

const LIST: ListSpec = ListSpec {
    from: "roles r",
    columns: COLUMNS,
    id: "r.id",
    default_sort: "created_at",
    sorts: &[
        ("created_at", "r.created_at", Kind::Text),
        ("code", "r.code", Kind::Text),
        ("name", "r.name", Kind::Text),
    ],
    filters: &[("code", "r.code", Kind::Text), ("data_scope", "r.data_scope", Kind::Text)],
    search: &["r.code", "r.name"],
    division: None,
    owner: None,
};

fn from_row(r: &AnyRow) -> Result<Role, StoreError> {
    let Grant { permissions, data_scope } = grant_from_row(r, "permissions", "data_scope")?;
    Ok(Role {
        id: r.id("id")?,
        code: r.text("code")?,
        name: r.text("name")?,
        description: r.opt_text("description")?,
        permissions,
        data_scope,
        builtin: r.flag("builtin")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        version: r.int("version")?,
    })
}

/// What a role grants, from its permissions and data scope columns under the given names.
pub fn grant_from_row(r: &AnyRow, permissions: &str, data_scope: &str) -> Result<Grant, StoreError> {
    let permissions: BTreeSet<Permission> =
        serde_json::from_str(&r.text(permissions)?).map_err(|e| StoreError::Other(Box::new(e)))?;
    let scope = r.text(data_scope)?;
    let data_scope = DataScope::parse(&scope).ok_or_else(|| StoreError::Other(format!("bad scope {scope}").into()))?;
    Ok(Grant { permissions, data_scope })
}

fn permissions_json(p: &BTreeSet<Permission>) -> String {
    serde_json::to_string(p).unwrap_or_else(|_| "[]".into())
}

pub async fn list(db: &Db, req: &ListRequest) -> Result<Page<Role>, StoreError> {
    let page = list_rows(&db.reader, &LIST, &Scope::everything(), &Sql::default(), req).await?;
    page.try_map(|r| from_row(&r))
}

pub async fn get<'c, E: sqlx::Executor<'c, Database = sqlx::Any>>(conn: E, id: Uuid) -> Result<Role, StoreError> {
    from_row(&find(conn, &LIST, &Scope::everything(), id).await?)
}

pub async fn by_codes(db: &Db, codes: &[String]) -> Result<Vec<Role>, StoreError> {
    let mut sql = Sql::new("SELECT ");
    sql.push(COLUMNS).push(" FROM roles r WHERE ").bind_in("r.code", codes).push(" ORDER BY r.code");
    sql.query().fetch_all(&db.reader).await.map_err(store_error)?.iter().map(from_row).collect()
}

pub async fn insert(
    conn: &mut AnyConnection,
    new: &NewRole,
    builtin: bool,
    stamp: &AuditStamp,
) -> Result<Role, StoreError> {
    let role = Role {
        id: Uuid::now_v7(),
        code: new.code.clone(),
        name: new.name.clone(),
        description: new.description.clone(),
        permissions: new.permissions.clone(),
        data_scope: new.data_scope,
        builtin,
        created_at: stamp.at,
        updated_at: stamp.at,
        version: 1,
    };
    let mut sql = Sql::new(
        "INSERT INTO roles (id, code, name, description, permissions, data_scope, builtin, created_at, updated_at, version) VALUES (",
    );
    sql.bind(role.id).push(", ").bind(&role.code).push(", ").bind(&role.name).push(", ");
    sql.bind(role.description.clone()).push(", ").bind(permissions_json(&role.permissions)).push(", ");
    sql.bind(role.data_scope.code()).push(", ").bind(builtin).push(", ").bind(stamp.at).push(", ");
    sql.bind(stamp.at).push(", 1)");
    sql.query().execute(&mut *conn).await.map_err(store_error)?;
    let change = Change {
        entity: "roles",
        entity_id: role.id,
        action: "create",
        division_id: None,
        old: None,
        new: Some(&role),
    };
    audit::record(conn, stamp, change).await?;
    Ok(role)
}

pub async fn create(db: &Db, new: &NewRole, stamp: &AuditStamp) -> Result<Role, StoreError> {
    let mut tx = db.begin_write().await?;
    let role = insert(&mut tx, new, false, stamp).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(role)
}

pub async fn update(
    db: &Db,
    id: Uuid,
    version: Option<i64>,
    patch: &RolePatch,
    stamp: &AuditStamp,
) -> Result<Role, StoreError> {
    let mut tx = db.begin_write().await?;
    let old = get(&mut *tx, id).await?;
    if version.is_some_and(|v| v != old.version) {
        return Err(StoreError::Stale);
    }
    let new = Role {
        name: patch.name.clone().unwrap_or_else(|| old.name.clone()),
        description: patch.description.clone().apply(old.description.clone()),
        permissions: patch.permissions.clone().unwrap_or_else(|| old.permissions.clone()),
        data_scope: patch.data_scope.unwrap_or(old.data_scope),
        updated_at: stamp.at,
        version: old.version + 1,
        ..old.clone()
    };
    let mut sql = Sql::new("UPDATE roles SET name = ");
    sql.bind(&new.name).push(", description = ").bind(new.description.clone());
    sql.push(", permissions = ").bind(permissions_json(&new.permissions));
    sql.push(", data_scope = ").bind(new.data_scope.code()).push(", updated_at = ").bind(stamp.at);
    sql.push(", version = version + 1 WHERE id = ").bind(id).push(" AND version = ").bind(old.version);
    if sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    let change = Change {
        entity: "roles",
        entity_id: id,
        action: "update",
        division_id: None,
        old: Some(&old),
        new: Some(&new),
    };
    audit::record(&mut tx, stamp, change).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(new)
}

pub async fn delete(db: &Db, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    let old = get(&mut *tx, id).await?;
    if old.builtin {
        return Err(StoreError::Conflict { constraint: "builtin_role".into(), field: None });
    }
    let mut sql = Sql::new("DELETE FROM roles WHERE id = ");
    sql.bind(id);
    sql.query().execute(&mut *tx).await.map_err(|e| match store_error(e) {
        StoreError::Conflict { .. } => StoreError::Conflict { constraint: "role_in_use".into(), field: None },
        other => other,
    })?;
    let change =
        Change { entity: "roles", entity_id: id, action: "delete", division_id: None, old: Some(&old), new: None };
    audit::record(&mut tx, stamp, change).await?;
    tx.commit().await.map_err(store_error)
}
