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

/// Locks the users' rows until the transaction ends, in id order so that two transactions
/// locking overlapping sets cannot deadlock. Only PostgreSQL needs it: SQLite's write
/// transaction already excludes every other writer.
pub async fn lock_users(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    ids: &[uuid::Uuid],
) -> Result<(), StoreError> {
    if backend == Backend::Sqlite || ids.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new("SELECT id FROM users WHERE ");
    sql.bind_in("id", ids).push(" ORDER BY id FOR UPDATE");
    sql.query().fetch_all(&mut *conn).await.map(drop).map_err(store_error)
}

/// The FTS5 index of one kind of search document (`customer`, `contact`, `article`,
/// `article_title`) on SQLite.
fn fts_table(entity: &str) -> &'static str {
    match entity {
        "contact" => "contact_search_fts",
        "article" => "article_search_fts",
        "article_title" => "article_title_search_fts",
        _ => "customer_search_fts",
    }
}

/// The table of the search documents of a kind: the knowledge base keeps its own.
fn documents_table(entity: &str) -> &'static str {
    if entity.starts_with("article") { "knowledge_search" } else { "customer_search" }
}

/// ` AND …`: the search document `alias` (a row of `customer_search` or `knowledge_search`)
/// holds every token; with `entity`, only documents of that kind (a fixed code). SQLite asks
/// the FTS5 index of each kind for the documents; PostgreSQL its GIN index on the token array.
pub fn push_tokens_match(
    backend: Backend,
    sql: &mut Sql,
    alias: &str,
    entity: Option<&'static str>,
    tokens: &[String],
) {
    match backend {
        Backend::Sqlite => {
            let entities = match entity {
                Some(entity) => vec![entity],
                None => vec!["customer", "contact"],
            };
            sql.push(" AND (");
            for (i, entity) in entities.into_iter().enumerate() {
                let table = fts_table(entity);
                sql.push(if i == 0 { "" } else { " OR " }).push(alias).push(".doc_id IN (SELECT rowid FROM ");
                sql.push(table).push(" WHERE ").push(table).push(" MATCH ").bind(fts_query(tokens)).push(")");
            }
            sql.push(")");
        }
        Backend::Postgres => {
            if let Some(entity) = entity {
                sql.push(" AND ").push(alias).push(".entity = '").push(entity).push("'");
            }
            sql.push(" AND string_to_array(").push(alias).push(".tokens, ' ') @> string_to_array(");
            sql.bind(tokens.join(" ")).push(", ' ')");
        }
    }
}

/// A search that starts from the matching documents of one kind: pushes the head of its
/// `FROM` clause (the documents as `s`; the record's tables follow after a cross join, linked
/// in the `WHERE` clause) and returns the order, newest document first. SQLite walks the
/// kind's FTS5 index from the newest rowid down and stops at the limit however common the
/// word. PostgreSQL reads the kind's partial GIN index and sorts the matches: its statistics
/// are of the whole token column, so given the choice it walked the primary key backwards for
/// a word common among customers but absent from contacts, through all four million
/// documents (1.75 s at a million customers); `+ 0` takes that choice away. But the GIN
/// index yields every match of a common word before the sort (83,000 of 100,000 articles:
/// 0.42 s), so PostgreSQL is first given a `window`: only the newest documents of the kind,
/// read backwards on the primary key. When those hold a page of matches, the page is the
/// same as the whole search's; see `search_windows`.
pub fn push_documents_first(
    backend: Backend,
    sql: &mut Sql,
    entity: &'static str,
    window: Option<u32>,
) -> &'static str {
    match backend {
        Backend::Sqlite => {
            sql.push(fts_table(entity)).push(" CROSS JOIN ").push(documents_table(entity)).push(" s CROSS JOIN ");
            match entity {
                "contact" => "contact_search_fts.rowid DESC",
                "article" => "article_search_fts.rowid DESC",
                "article_title" => "article_title_search_fts.rowid DESC",
                _ => "customer_search_fts.rowid DESC",
            }
        }
        Backend::Postgres => {
            match window {
                Some(n) => {
                    sql.push("(SELECT * FROM ").push(documents_table(entity)).push(" WHERE entity = '").push(entity);
                    sql.push("' ORDER BY doc_id DESC").push_limit(i64::from(n)).push(") s CROSS JOIN ");
                }
                None => {
                    sql.push(documents_table(entity)).push(" s CROSS JOIN ");
                }
            }
            "s.doc_id + 0 DESC"
        }
    }
}

/// The windows a search of at most `limit` records tries in turn (see `push_documents_first`):
/// the last, `None`, is the whole index. 25 documents a record: a word in one document of
/// 25 fills the page from the window (16 ms at 100,000 articles); rarer words are cheap in
/// the GIN index.
pub fn search_windows(backend: Backend, limit: u32) -> Vec<Option<u32>> {
    match backend {
        Backend::Sqlite => vec![None],
        Backend::Postgres => vec![Some(limit.saturating_mul(25)), None],
    }
}

/// ` AND …`: the documents `s` of a `push_documents_first` search of `entity` (written as a
/// literal so PostgreSQL can use its partial index) hold every token.
pub fn push_documents_match(backend: Backend, sql: &mut Sql, entity: &'static str, tokens: &[String]) {
    match backend {
        Backend::Sqlite => {
            let table = fts_table(entity);
            sql.push(" AND s.doc_id = ").push(table).push(".rowid AND ").push(table).push(" MATCH ");
            sql.bind(fts_query(tokens));
        }
        Backend::Postgres => push_tokens_match(backend, sql, "s", Some(entity), tokens),
    }
}

/// The tokens as an FTS5 query, each quoted as a string: tokens hold no quotes, and quoting
/// keeps words such as `or` and `not` from being read as operators.
fn fts_query(tokens: &[String]) -> String {
    let quoted: Vec<String> = tokens.iter().map(|t| format!("\"{}\"", t.replace('"', ""))).collect();
    quoted.join(" ")
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

/// Whole seconds from the time `from` to the time `to` (both UTC text columns).
pub fn seconds_between(backend: Backend, from: &str, to: &str) -> String {
    match backend {
        Backend::Sqlite => format!("CAST(ROUND((julianday({to}) - julianday({from})) * 86400) AS BIGINT)"),
        Backend::Postgres => {
            format!("CAST(EXTRACT(EPOCH FROM (CAST({to} AS TIMESTAMPTZ) - CAST({from} AS TIMESTAMPTZ))) AS BIGINT)")
        }
    }
}

/// The size of the database in bytes, as `n`.
pub fn database_size(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "SELECT page_count * page_size AS n FROM pragma_page_count(), pragma_page_size()",
        Backend::Postgres => "SELECT CAST(pg_database_size(current_database()) AS BIGINT) AS n",
    }
}
