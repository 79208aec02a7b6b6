//! The SQL that differs between SQLite and PostgreSQL. Everything else is written once.

use std::path::Path;

use crm_core::store::StoreError;

use crate::database::{Backend, Db};
use crate::sql::store_error;

pub fn schema_query(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "SELECT m.name AS table_name, p.name AS column_name \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'"
        }
        Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT) AS table_name, CAST(column_name AS TEXT) AS column_name \
             FROM information_schema.columns WHERE table_schema = current_schema()"
        }
    }
}

/// `BEGIN IMMEDIATE` on SQLite takes the write lock up front, so a transaction that reads
/// before it writes cannot fail half-way on another process's lock.
pub fn begin_write(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    }
}

/// A consistent copy of a live SQLite database (`VACUUM INTO` reads one snapshot).
pub async fn backup(db: &Db, target: &Path) -> Result<(), StoreError> {
    match db.backend {
        Backend::Sqlite => {
            if target.exists() {
                return Err(StoreError::Conflict {
                    constraint: "backup_target_exists".into(),
                    field: Some("file".into()),
                });
            }
            sqlx::query("VACUUM INTO $1")
                .bind(target.display().to_string())
                .execute(&db.reader)
                .await
                .map(|_| ())
                .map_err(store_error)
        }
        Backend::Postgres => Err(StoreError::Other(
            "crm backup copies SQLite databases; for PostgreSQL use pg_dump (and pg_restore to restore)".into(),
        )),
    }
}
