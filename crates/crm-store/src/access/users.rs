use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crm_core::access::{AuditStamp, LoginRecord, NewUser, Scope, User, UserPatch};
use crm_core::listing::{ListRequest, Page};
use crm_core::store::StoreError;

use crate::Db;
use crate::audit::{self, Change};
use crate::listing::{Kind, ListSpec, list as list_rows};
use crate::sql::{RowExt, Sql, store_error};

pub const COLUMNS: &str = "u.id, u.username, u.display_name, u.email, u.frozen, u.locale, u.time_zone, u.last_login_at, \
                       u.created_at, u.updated_at, u.version";

const LIST: ListSpec = ListSpec {
    from: "users u",
    columns: COLUMNS,
    id: "u.id",
    default_sort: "username",
    sorts: &[
        ("username", "u.username", Kind::Text),
        ("created_at", "u.created_at", Kind::Text),
        ("last_login_at", "COALESCE(u.last_login_at, '')", Kind::Text),
    ],
    filters: &[("frozen", "u.frozen", Kind::Bool), ("username", "u.username", Kind::Text)],
    search: &["u.username", "u.display_name", "u.email"],
    division: None,
    owner: None,
};

/// Users are in scope through any of their divisions.
fn push_user_scope(sql: &mut Sql, scope: &Scope) {
    if let Some(divisions) = &scope.divisions {
        let ids: Vec<String> = divisions.iter().map(ToString::to_string).collect();
        sql.push(" AND EXISTS (SELECT 1 FROM user_divisions sd WHERE sd.user_id = u.id AND ");
        sql.bind_in("sd.division_id", &ids).push(")");
    }
}

/// Reads users with their role codes and division ids (two queries for the whole batch).
async fn load(conn: &mut AnyConnection, rows: &[AnyRow]) -> Result<Vec<User>, StoreError> {
    let ids: Vec<String> = rows.iter().map(|r| r.text("id")).collect::<Result<_, _>>()?;
    let mut roles: HashMap<String, Vec<String>> = HashMap::new();
    let mut divisions: HashMap<String, Vec<Uuid>> = HashMap::new();
    if !ids.is_empty() {
        let mut sql = Sql::new("SELECT ur.user_id, r.code FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ");
        sql.bind_in("ur.user_id", &ids).push(" ORDER BY r.code");
        for r in sql.query().fetch_all(&mut *conn).await.map_err(store_error)? {
            roles.entry(r.text("user_id")?).or_default().push(r.text("code")?);
        }
        let mut sql = Sql::new("SELECT ud.user_id, ud.division_id FROM user_divisions ud WHERE ");
        sql.bind_in("ud.user_id", &ids).push(" ORDER BY ud.division_id");
        for r in sql.query().fetch_all(&mut *conn).await.map_err(store_error)? {
            divisions.entry(r.text("user_id")?).or_default().push(r.id("division_id")?);
        }
    }
    rows.iter()
        .map(|r| {
            let id = r.text("id")?;
            from_row(r, roles.remove(&id).unwrap_or_default(), divisions.remove(&id).unwrap_or_default())
        })
        .collect()
}

/// A user from the `COLUMNS` of a row, with the role codes and divisions read beside it.
pub fn from_row(r: &AnyRow, roles: Vec<String>, division_ids: Vec<Uuid>) -> Result<User, StoreError> {
    Ok(User {
        id: r.id("id")?,
        username: r.text("username")?,
        display_name: r.opt_text("display_name")?,
        email: r.opt_text("email")?,
        roles,
        division_ids,
        frozen: r.flag("frozen")?,
        locale: r.text("locale")?,
        time_zone: r.text("time_zone")?,
        last_login_at: r.opt_time("last_login_at")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        version: r.int("version")?,
    })
}

pub async fn list(db: &Db, scope: &Scope, req: &ListRequest) -> Result<Page<User>, StoreError> {
    let mut extra = Sql::default();
    push_user_scope(&mut extra, scope);
    if let Some(division) = req.filter("division_id") {
        extra.push(" AND EXISTS (SELECT 1 FROM user_divisions fd WHERE fd.user_id = u.id AND fd.division_id = ");
        extra.bind(division).push(")");
    }
    let mut req = req.clone();
    req.filters.retain(|(name, _)| name != "division_id");
    let page = list_rows(&db.reader, &LIST, scope, &extra, &req).await?;
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    let users = load(&mut conn, &page.items).await?;
    Ok(Page { items: users, next_cursor: page.next_cursor, total: page.total })
}

pub async fn get(db: &Db, scope: &Scope, id: Uuid) -> Result<User, StoreError> {
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    get_in(&mut conn, scope, id).await
}

async fn set_roles(conn: &mut AnyConnection, user_id: Uuid, codes: &[String]) -> Result<(), StoreError> {
    let mut sql = Sql::new("DELETE FROM user_roles WHERE user_id = ");
    sql.bind(user_id);
    sql.query().execute(&mut *conn).await.map_err(store_error)?;
    let mut sql = Sql::new("INSERT INTO user_roles (user_id, role_id) SELECT ");
    sql.bind(user_id).push(", r.id FROM roles r WHERE ").bind_in("r.code", codes);
    let inserted = sql.query().execute(&mut *conn).await.map_err(store_error)?.rows_affected();
    if inserted as usize != codes.len() {
        return Err(StoreError::Invalid(crm_core::FieldError::new("roles", "unknown_role")));
    }
    Ok(())
}

async fn set_divisions(conn: &mut AnyConnection, user_id: Uuid, ids: &[Uuid]) -> Result<(), StoreError> {
    let mut sql = Sql::new("DELETE FROM user_divisions WHERE user_id = ");
    sql.bind(user_id);
    sql.query().execute(&mut *conn).await.map_err(store_error)?;
    for id in ids {
        let mut sql = Sql::new("INSERT INTO user_divisions (user_id, division_id) VALUES (");
        sql.bind(user_id).push(", ").bind(*id).push(")");
        sql.query().execute(&mut *conn).await.map_err(|e| match store_error(e) {
            StoreError::Conflict { constraint, .. } if constraint == "in_use" => {
                StoreError::Invalid(crm_core::FieldError::new("division_ids", "unknown_division"))
            }
            other => other,
        })?;
    }
    Ok(())
}

pub async fn insert(conn: &mut AnyConnection, new: &NewUser, stamp: &AuditStamp) -> Result<User, StoreError> {
    let mut division_ids = new.division_ids.clone();
    division_ids.sort();
    division_ids.dedup();
    let mut roles = new.roles.clone();
    roles.sort();
    roles.dedup();
    let user = User {
        id: Uuid::now_v7(),
        username: new.username.as_str().to_string(),
        display_name: new.display_name.clone(),
        email: new.email.clone(),
        roles,
        division_ids,
        frozen: false,
        locale: new.locale.clone(),
        time_zone: new.time_zone.clone(),
        last_login_at: None,
        created_at: stamp.at,
        updated_at: stamp.at,
        version: 1,
    };
    let mut sql = Sql::new(
        "INSERT INTO users (id, username, password_hash, display_name, email, frozen, locale, time_zone, created_at, updated_at, version) VALUES (",
    );
    sql.bind(user.id).push(", ").bind(&user.username).push(", ").bind(&new.password_hash).push(", ");
    sql.bind(user.display_name.clone()).push(", ").bind(user.email.clone()).push(", ").bind(false).push(", ");
    sql.bind(&user.locale).push(", ").bind(&user.time_zone).push(", ").bind(stamp.at).push(", ").bind(stamp.at);
    sql.push(", 1)");
    sql.query().execute(&mut *conn).await.map_err(store_error)?;
    set_roles(conn, user.id, &user.roles).await?;
    set_divisions(conn, user.id, &user.division_ids).await?;
    let change = Change {
        entity: "users",
        entity_id: user.id,
        action: "create",
        division_id: user.division_ids.first().copied(),
        old: None,
        new: Some(&user),
    };
    audit::record(conn, stamp, change).await?;
    Ok(user)
}

pub async fn update(
    db: &Db,
    scope: &Scope,
    id: Uuid,
    version: Option<i64>,
    patch: &UserPatch,
    stamp: &AuditStamp,
) -> Result<User, StoreError> {
    let mut tx = db.begin_write().await?;
    let old = get_in(&mut tx, scope, id).await?;
    if version.is_some_and(|v| v != old.version) {
        return Err(StoreError::Stale);
    }
    let mut new = User {
        display_name: patch.display_name.clone().apply(old.display_name.clone()),
        email: patch.email.clone().apply(old.email.clone()),
        roles: patch.roles.clone().unwrap_or_else(|| old.roles.clone()),
        division_ids: patch.division_ids.clone().unwrap_or_else(|| old.division_ids.clone()),
        frozen: patch.frozen.unwrap_or(old.frozen),
        locale: patch.locale.clone().unwrap_or_else(|| old.locale.clone()),
        time_zone: patch.time_zone.clone().unwrap_or_else(|| old.time_zone.clone()),
        updated_at: stamp.at,
        version: old.version + 1,
        ..old.clone()
    };
    new.roles.sort();
    new.roles.dedup();
    new.division_ids.sort();
    new.division_ids.dedup();
    let mut sql = Sql::new("UPDATE users SET display_name = ");
    sql.bind(new.display_name.clone()).push(", email = ").bind(new.email.clone());
    sql.push(", frozen = ").bind(new.frozen).push(", locale = ").bind(&new.locale);
    sql.push(", time_zone = ").bind(&new.time_zone).push(", updated_at = ").bind(stamp.at);
    if let Some(hash) = &patch.password_hash {
        sql.push(", password_hash = ").bind(hash);
    }
    sql.push(", version = version + 1 WHERE id = ").bind(id).push(" AND version = ").bind(old.version);
    if sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    if new.roles != old.roles {
        set_roles(&mut tx, id, &new.roles).await?;
    }
    if new.division_ids != old.division_ids {
        set_divisions(&mut tx, id, &new.division_ids).await?;
    }
    let change = Change {
        entity: "users",
        entity_id: id,
        action: if patch.password_hash.is_some() { "change_password" } else { "update" },
        division_id: new.division_ids.first().copied(),
        old: Some(&old),
        new: Some(&new),
    };
    audit::record(&mut tx, stamp, change).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(new)
}

pub async fn get_in(conn: &mut AnyConnection, scope: &Scope, id: Uuid) -> Result<User, StoreError> {
    let mut sql = Sql::new("SELECT ");
    sql.push(COLUMNS).push(" FROM users u WHERE u.id = ").bind(id);
    push_user_scope(&mut sql, scope);
    let row = sql.query().fetch_optional(&mut *conn).await.map_err(store_error)?.ok_or(StoreError::NotFound)?;
    load(conn, &[row]).await?.pop().ok_or(StoreError::NotFound)
}

pub async fn count<'c, E: sqlx::Executor<'c, Database = sqlx::Any>>(conn: E) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM users").fetch_one(conn).await.map_err(store_error)?;
    row.int("n")
}

pub async fn login_record(db: &Db, username: &str) -> Result<Option<LoginRecord>, StoreError> {
    let mut sql = Sql::new("SELECT id, password_hash, frozen FROM users WHERE username = ");
    sql.bind(username);
    let row = sql.query().fetch_optional(&db.reader).await.map_err(store_error)?;
    row.map(|r| {
        Ok(LoginRecord { user_id: r.id("id")?, password_hash: r.text("password_hash")?, frozen: r.flag("frozen")? })
    })
    .transpose()
}

pub async fn record_login(db: &Db, user_id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
    let mut sql = Sql::new("UPDATE users SET last_login_at = ");
    sql.bind(at).push(" WHERE id = ").bind(user_id);
    sql.query().execute(&db.writer).await.map(|_| ()).map_err(store_error)
}

pub async fn inactive(db: &Db, scope: &Scope, since: DateTime<Utc>) -> Result<Vec<User>, StoreError> {
    let mut sql = Sql::new("SELECT ");
    sql.push(COLUMNS).push(" FROM users u WHERE u.frozen = ").bind(false);
    sql.push(" AND COALESCE(u.last_login_at, u.created_at) < ").bind(since);
    push_user_scope(&mut sql, scope);
    sql.push(" ORDER BY COALESCE(u.last_login_at, u.created_at), u.id LIMIT 500");
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    let rows = sql.query().fetch_all(&mut *conn).await.map_err(store_error)?;
    load(&mut conn, &rows).await
}
