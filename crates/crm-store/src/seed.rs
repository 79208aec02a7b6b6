//! Shipped defaults, written once into each database: the five roles and the base data, and
//! the pipeline's stages with the loss reasons. Each set is marked done by its own key, so a
//! database from before a set existed gets it on its next start.

use crm_core::access::{Actor, AuditStamp, default_roles};
use crm_core::store::StoreError;

use crate::Db;
use crate::database::Backend;
use crate::sql::{RowExt, Sql, store_error};

/// The sets of defaults, in the order they are written.
#[derive(Debug, Clone, Copy)]
enum Set {
    /// Roles and base data.
    Foundation,
    /// Pipeline stages and opportunity loss reasons (issue 5).
    Pipeline,
}

const SETS: [Set; 2] = [Set::Foundation, Set::Pipeline];

impl Set {
    /// The settings key that marks the set written.
    fn key(self) -> &'static str {
        match self {
            Set::Foundation => "defaults_seeded",
            Set::Pipeline => "pipeline_seeded",
        }
    }

    async fn write(self, conn: &mut sqlx::AnyConnection, stamp: &AuditStamp) -> Result<(), StoreError> {
        match self {
            Set::Foundation => {
                for role in default_roles() {
                    crate::access::insert_role(conn, &role, true, stamp).await?;
                }
                crate::base_data::seed(conn, stamp).await
            }
            Set::Pipeline => crate::sales::seed_stages(conn, stamp.at).await,
        }
    }
}

async fn seeded(conn: &mut sqlx::AnyConnection, key: &str) -> Result<bool, StoreError> {
    let mut sql = Sql::new("SELECT COUNT(*) AS n FROM settings WHERE key = ");
    sql.bind(key);
    Ok(sql.query().fetch_one(&mut *conn).await.map_err(store_error)?.int("n")? > 0)
}

pub async fn ensure_defaults(db: &Db) -> Result<(), StoreError> {
    // The usual case, a database seeded long ago, takes no lock.
    let mut missing = false;
    {
        let mut conn = db.reader.acquire().await.map_err(store_error)?;
        for set in SETS {
            missing |= !seeded(&mut conn, set.key()).await?;
        }
    }
    if !missing {
        return Ok(());
    }
    let mut tx = db.begin_write().await?;
    // Servers started together on a new database each find no defaults; only one may write
    // them. SQLite's write transaction already excludes the others; PostgreSQL's does not.
    if db.backend == Backend::Postgres {
        sqlx::query("LOCK TABLE settings IN SHARE ROW EXCLUSIVE MODE").execute(&mut *tx).await.map_err(store_error)?;
    }
    let stamp = AuditStamp::of(&Actor::system());
    for set in SETS {
        if seeded(&mut tx, set.key()).await? {
            continue;
        }
        set.write(&mut tx, &stamp).await?;
        let mut sql = Sql::new("INSERT INTO settings (key, value) VALUES (");
        sql.bind(set.key()).push(", ").bind(stamp.at).push(")");
        sql.query().execute(&mut *tx).await.map_err(store_error)?;
    }
    // Ended at once, not left to the connection's next use: the lock would be held till then.
    tx.commit().await.map_err(store_error)
}
