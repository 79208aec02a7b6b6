use chrono::{DateTime, Utc};
use uuid::Uuid;

use crm_core::access::{AuditStamp, NewSession, NewUser, Scope, SessionKind, SessionRecord, User};
use crm_core::store::StoreError;

use super::users;
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

pub async fn find(db: &Db, token_hash: &str, now: DateTime<Utc>) -> Result<Option<SessionRecord>, StoreError> {
    let mut sql = Sql::new("SELECT kind, user_id, csrf_token FROM sessions WHERE token_hash = ");
    sql.bind(token_hash).push(" AND revoked_at IS NULL AND expires_at > ").bind(now);
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    let Some(row) = sql.query().fetch_optional(&mut *conn).await.map_err(store_error)? else {
        return Ok(None);
    };
    let user: Option<User> = match row.opt_id("user_id")? {
        Some(id) => Some(users::get_in(&mut conn, &Scope::everything(), id).await?),
        None => None,
    };
    Ok(Some(SessionRecord { kind: kind(&row.text("kind")?)?, user, csrf_token: row.opt_text("csrf_token")? }))
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
