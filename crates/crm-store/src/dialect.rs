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
            sql.push(" AND ")
                .push(alias)
                .push(".doc_id IN (SELECT rowid FROM customer_search_fts WHERE customer_search_fts MATCH ");
            sql.bind(fts_query(tokens)).push(")");
        }
        Backend::Postgres => {
            sql.push(" AND string_to_array(").push(alias).push(".tokens, ' ') @> string_to_array(");
            sql.bind(tokens.join(" ")).push(", ' ')");
        }
    }
}

/// A search that starts from the matching documents: the head of its `FROM` clause (the
/// documents as `s`, the tables of the records to follow after a cross join, linked in the
/// `WHERE` clause), the condition that matches every token, and the order newest document
/// first. SQLite walks its FTS5 index from the newest rowid down and stops at the limit
/// however common the word; PostgreSQL's planner picks the GIN index or the primary key read
/// backwards from the statistics of the token array.
pub fn push_documents_first(backend: Backend, sql: &mut Sql) -> &'static str {
    match backend {
        Backend::Sqlite => {
            sql.push("customer_search_fts CROSS JOIN customer_search s CROSS JOIN ");
            "customer_search_fts.rowid DESC"
        }
        Backend::Postgres => {
            sql.push("customer_search s CROSS JOIN ");
            "s.doc_id DESC"
        }
    }
}

/// ` AND …`: the documents `s` of a `push_documents_first` search describe records of
/// `entity` (a fixed code, written as a literal so PostgreSQL can use its partial index) and
/// hold every token.
pub fn push_documents_match(backend: Backend, sql: &mut Sql, entity: &'static str, tokens: &[String]) {
    match backend {
        Backend::Sqlite => {
            sql.push(" AND s.doc_id = customer_search_fts.rowid AND customer_search_fts MATCH ");
            sql.bind(format!("entity : \"{entity}\" AND {}", fts_query(tokens)));
        }
        Backend::Postgres => {
            sql.push(" AND s.entity = '").push(entity).push("'");
            push_tokens_match(backend, sql, "s", tokens);
        }
    }
}

/// The tokens as an FTS5 query on the `tokens` column, each quoted as a string: tokens hold
/// no quotes, and quoting keeps words such as `or` and `not` from being read as operators.
fn fts_query(tokens: &[String]) -> String {
    let quoted: Vec<String> = tokens.iter().map(|t| format!("\"{}\"", t.replace('"', ""))).collect();
    format!("tokens : ({})", quoted.join(" "))
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
