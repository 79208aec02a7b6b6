//! Shipped defaults, written once into a new database: the five roles, the base data and
//! the pipeline's stages.

use crm_core::access::{Actor, AuditStamp, default_roles};
use crm_core::store::StoreError;

use crate::Db;
use crate::database::Backend;
use crate::sql::{RowExt, Sql, store_error};

const SEEDED_KEY: &str = "defaults_seeded";

async fn seeded(conn: &mut sqlx::AnyConnection) -> Result<bool, StoreError> {
    let mut sql = Sql::new("SELECT COUNT(*) AS n FROM settings WHERE key = ");
    sql.bind(SEEDED_KEY);
    Ok(sql.query().fetch_one(&mut *conn).await.map_err(store_error)?.int("n")? > 0)
}

pub async fn ensure_defaults(db: &Db) -> Result<(), StoreError> {
    // The usual case, a database seeded long ago, takes no lock.
    if seeded(&mut *db.reader.acquire().await.map_err(store_error)?).await? {
        return Ok(());
    }
    let mut tx = db.begin_write().await?;
    // Servers started together on a new database each find no defaults; only one may write
    // them. SQLite's write transaction already excludes the others; PostgreSQL's does not.
    if db.backend == Backend::Postgres {
        sqlx::query("LOCK TABLE settings IN SHARE ROW EXCLUSIVE MODE").execute(&mut *tx).await.map_err(store_error)?;
    }
    // Ended at once, not left to the connection's next use: the lock would be held till then.
    if seeded(&mut tx).await? {
        return tx.rollback().await.map_err(store_error);
    }
    let stamp = AuditStamp::of(&Actor::system());
    for role in default_roles() {
        crate::access::insert_role(&mut tx, &role, true, &stamp).await?;
    }
    crate::base_data::seed(&mut tx, &stamp).await?;
    crate::sales::seed_stages(&mut tx, stamp.at).await?;
    let mut sql = Sql::new("INSERT INTO settings (key, value) VALUES (");
    sql.bind(SEEDED_KEY).push(", ").bind(stamp.at).push(")");
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    tx.commit().await.map_err(store_error)
}
