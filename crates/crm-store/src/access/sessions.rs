use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crm_core::access::{AuditStamp, Grant, NewSession, NewUser, SessionKind, SessionRecord, User};
use crm_core::store::StoreError;

use super::{roles, users};
use crate::Db;
use crate::sql::{RowExt, Sql, store_error};

fn kind(code: &str) -> Result<SessionKind, StoreError> {
    match code {
        "web" => Ok(SessionKind::Web),
        "api" => Ok(SessionKind::Api),
        "setup" => Ok(SessionKind::Setup),
        other => Err(StoreError::Other(format!("unknown session kind {other}").into())),
    }
}

pub async fn create(db: &Db, s: &NewSession) -> Result<(), StoreError> {
    let mut sql =
        Sql::new("INSERT INTO sessions (token_hash, kind, user_id, csrf_token, created_at, expires_at) VALUES (");
    sql.bind(&s.token_hash).push(", ").bind(s.kind.code()).push(", ").bind(s.user_id).push(", ");
    sql.bind(s.csrf_token.clone()).push(", ").bind(Utc::now()).push(", ").bind(s.expires_at).push(")");
    sql.query().execute(&db.writer).await.map(|_| ()).map_err(store_error)
}

/// The session with its user, role codes, grants and divisions in one query — it runs on
/// every request. A user with several roles and divisions comes back as one row per pair.
pub async fn find(db: &Db, token_hash: &str, now: DateTime<Utc>) -> Result<Option<SessionRecord>, StoreError> {
    let mut sql = Sql::new("SELECT s.kind, s.user_id, s.csrf_token, ");
    sql.push(users::COLUMNS);
    sql.push(", r.code AS role_code, r.permissions AS role_permissions, r.data_scope AS role_data_scope");
    sql.push(", ud.division_id FROM sessions s LEFT JOIN users u ON u.id = s.user_id");
    sql.push(" LEFT JOIN user_roles ur ON ur.user_id = u.id LEFT JOIN roles r ON r.id = ur.role_id");
    sql.push(" LEFT JOIN user_divisions ud ON ud.user_id = u.id");
    sql.push(" WHERE s.token_hash = ").bind(token_hash).push(" AND s.revoked_at IS NULL AND s.expires_at > ").bind(now);
    let rows = sql.query().fetch_all(&db.reader).await.map_err(store_error)?;
    let Some(first) = rows.first() else { return Ok(None) };
    let mut grants: BTreeMap<String, Grant> = BTreeMap::new();
    let mut divisions: BTreeSet<Uuid> = BTreeSet::new();
    for row in &rows {
        if let Some(code) = row.opt_text("role_code")?
            && let Entry::Vacant(slot) = grants.entry(code)
        {
            slot.insert(roles::grant_from_row(row, "role_permissions", "role_data_scope")?);
        }
        divisions.extend(row.opt_id("division_id")?);
    }
    let user = match first.opt_id("user_id")? {
        Some(_) => Some(users::from_row(first, grants.keys().cloned().collect(), divisions.into_iter().collect())?),
        None => None,
    };
    Ok(Some(SessionRecord {
        kind: kind(&first.text("kind")?)?,
        user,
        grants: grants.into_values().collect(),
        csrf_token: first.opt_text("csrf_token")?,
    }))
}

pub async fn revoke(db: &Db, token_hash: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    let mut sql = Sql::new("UPDATE sessions SET revoked_at = ");
    sql.bind(now).push(" WHERE token_hash = ").bind(token_hash).push(" AND revoked_at IS NULL");
    sql.query().execute(&db.writer).await.map(|_| ()).map_err(store_error)
}

pub async fn revoke_user(db: &Db, user_id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
    let mut sql = Sql::new("UPDATE sessions SET revoked_at = ");
    sql.bind(now).push(" WHERE user_id = ").bind(user_id).push(" AND revoked_at IS NULL");
    sql.query().execute(&db.writer).await.map(|_| ()).map_err(store_error)
}

/// Uses up the setup token and creates the administrator in one transaction, so two
/// browsers racing through the same link cannot both create one.
pub async fn create_first_admin(
    db: &Db,
    setup_token_hash: &str,
    new: &NewUser,
    stamp: &AuditStamp,
) -> Result<User, StoreError> {
    let mut tx = db.begin_write().await?;
    let mut sql = Sql::new("UPDATE sessions SET revoked_at = ");
    sql.bind(stamp.at).push(" WHERE token_hash = ").bind(setup_token_hash);
    sql.push(" AND kind = 'setup' AND revoked_at IS NULL AND expires_at > ").bind(stamp.at);
    if sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected() != 1
        || users::count(&mut *tx).await? > 0
    {
        return Err(StoreError::NotFound);
    }
    let user = users::insert(&mut tx, new, stamp).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(user)
}

pub async fn record_failure(db: &Db, key: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
    let mut sql = Sql::new("INSERT INTO login_failures (id, key, at) VALUES (");
    sql.bind(Uuid::now_v7()).push(", ").bind(key).push(", ").bind(at).push(")");
    sql.query().execute(&db.writer).await.map(|_| ()).map_err(store_error)
}

pub async fn count_failures(db: &Db, key: &str, since: DateTime<Utc>) -> Result<i64, StoreError> {
    let mut sql = Sql::new("SELECT COUNT(*) AS n FROM login_failures WHERE key = ");
    sql.bind(key).push(" AND at > ").bind(since);
    sql.query().fetch_one(&db.reader).await.map_err(store_error)?.int("n")
}

pub async fn clear_failures(db: &Db, key: &str) -> Result<(), StoreError> {
    let mut sql = Sql::new("DELETE FROM login_failures WHERE key = ");
    sql.bind(key);
    sql.query().execute(&db.writer).await.map(|_| ()).map_err(store_error)
}
