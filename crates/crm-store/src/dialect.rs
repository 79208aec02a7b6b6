//! The SQL that differs between SQLite and PostgreSQL. Everything else is written once.

use std::path::Path;

use crm_core::store::StoreError;

use crate::database::{Backend, Db};
use crate::sql::{Sql, store_error};

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

/// ` AND …`: the search document `alias` (a row of `customer_search`) holds every token.
/// SQLite asks its FTS5 index for the documents; PostgreSQL its GIN index on the token array.
pub fn push_tokens_match(backend: Backend, sql: &mut Sql, alias: &str, tokens: &[String]) {
    match backend {
        Backend::Sqlite => {
            // Each token quoted as an FTS5 string: tokens hold no quotes, and quoting keeps
            // words such as `or` and `not` from being read as operators.
            let query: Vec<String> = tokens.iter().map(|t| format!("\"{}\"", t.replace('"', ""))).collect();
            sql.push(" AND ")
                .push(alias)
                .push(".doc_id IN (SELECT rowid FROM customer_search_fts WHERE customer_search_fts MATCH ");
            sql.bind(query.join(" ")).push(")");
        }
        Backend::Postgres => {
            sql.push(" AND string_to_array(").push(alias).push(".tokens, ' ') @> string_to_array(");
            sql.bind(tokens.join(" ")).push(", ' ')");
        }
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
