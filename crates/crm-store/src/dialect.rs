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
/// the FTS5 index of each kind for the documents; PostgreSQL its GIN index on the token array
/// (each kind's index also holds the document's bucket, see `Slice::Buckets`).
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
        Backend::Postgres => match entity {
            Some(entity) => {
                sql.push(" AND ").push(alias).push(".entity = '").push(entity).push("' AND ");
                sql.push(&words_and_bucket(alias)).push(" @> string_to_array(").bind(tokens.join(" ")).push(", ' ')");
            }
            None => {
                sql.push(" AND string_to_array(").push(alias).push(".tokens, ' ') @> string_to_array(");
                sql.bind(tokens.join(" ")).push(", ' ')");
            }
        },
    }
}

/// Which of a kind's search documents one statement of a search reads. SQLite walks the
/// kind's FTS5 index from the newest rowid down and stops at the limit however common the
/// word, so it reads `All` at once. PostgreSQL's GIN index yields every match of a word, in
/// no order, before the sort: a word in 60,000 customers cost 0.25–0.6 s a page at a million.
/// So PostgreSQL reads slices, newest first (`DocumentQuery::fetch` chooses them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slice {
    /// Every document of the kind holding the words (SQLite).
    All,
    /// The newest `n` documents of the kind, read backwards on `(entity, doc_id)`: for a word
    /// in many of them, a page costs `n` rows however many older documents hold it.
    Newest(u32),
    /// The documents holding the words when there are fewer than `n` (counted just before),
    /// read whole. PostgreSQL is told so: for a word its statistics do not list, it assumes
    /// 0.5 % of the documents (5,000 customers at a million) and planned the search of a word
    /// in three of them for parallel workers (6 ms against 0.3).
    Rare(u32),
    /// The documents of buckets `from` down to `to`: a bucket holds the documents whose ids
    /// share `doc_id >> 14` (16,384 ids). Each kind's GIN index holds the bucket as one more
    /// token, `~` and its number (written as in migration 0020), so that the index intersects
    /// the words' documents with the buckets': a bucket holding 220 customers with a common
    /// word is read in 1.3 ms, one holding none in 0.2 ms.
    Buckets { from: i64, to: i64 },
}

/// A bucket's documents share their ids but for these low bits (`Slice::Buckets`).
const BUCKET_BITS: u32 = 14;

/// The bucket (`Slice::Buckets`) of a document id.
pub fn bucket_of(doc_id: i64) -> i64 {
    doc_id >> BUCKET_BITS
}

/// The expression each kind's GIN index is on: the words of the document `alias` and its bucket.
fn words_and_bucket(alias: &str) -> String {
    format!("(string_to_array({alias}.tokens, ' ') || ('~' || ({alias}.doc_id >> {BUCKET_BITS})::text))")
}

/// A search that starts from the matching documents of one kind: pushes the head of its
/// `FROM` clause (the documents of `slice` holding every token as `s`; the record's tables
/// follow after a cross join, linked in the `WHERE` clause, where `push_documents_match`
/// adds SQLite's part) and returns the order, newest document first. On PostgreSQL the
/// statistics are of the whole token column, so given the choice it walked the primary key
/// backwards for a word common among customers but absent from contacts, through all four
/// million documents (1.75 s at a million customers); `+ 0` takes that choice away.
pub fn push_documents_first(
    backend: Backend,
    sql: &mut Sql,
    entity: &'static str,
    tokens: &[String],
    slice: Slice,
) -> &'static str {
    let table = documents_table(entity);
    match backend {
        Backend::Sqlite => {
            sql.push(fts_table(entity)).push(" CROSS JOIN ").push(table).push(" s CROSS JOIN ");
            match entity {
                "contact" => "contact_search_fts.rowid DESC",
                "article" => "article_search_fts.rowid DESC",
                "article_title" => "article_title_search_fts.rowid DESC",
                _ => "customer_search_fts.rowid DESC",
            }
        }
        Backend::Postgres => {
            sql.push("(SELECT * FROM ");
            if let Slice::Newest(n) = slice {
                sql.push("(SELECT * FROM ").push(table).push(" WHERE entity = '").push(entity);
                sql.push("' ORDER BY doc_id DESC").push_limit(i64::from(n)).push(") d WHERE 1 = 1");
            } else {
                sql.push(table).push(" d WHERE 1 = 1");
            }
            push_tokens_match(backend, sql, "d", Some(entity), tokens);
            if let Slice::Buckets { from, to } = slice {
                let buckets: Vec<String> = (to..=from).rev().map(|b| format!("~{b}")).collect();
                sql.push(" AND ").push(&words_and_bucket("d")).push(" && string_to_array(");
                sql.bind(buckets.join(" ")).push(", ' ')");
            }
            if let Slice::Rare(n) = slice {
                sql.push(" ORDER BY d.doc_id + 0 DESC").push_limit(i64::from(n));
            }
            sql.push(") s CROSS JOIN ");
            "s.doc_id + 0 DESC"
        }
    }
}

/// ` AND …`: on SQLite, the documents `s` of a `push_documents_first` search of `entity` are
/// those its FTS5 index holds every token in (PostgreSQL has chosen them in the `FROM` clause).
pub fn push_documents_match(backend: Backend, sql: &mut Sql, entity: &'static str, tokens: &[String]) {
    if backend == Backend::Sqlite {
        let table = fts_table(entity);
        sql.push(" AND s.doc_id = ").push(table).push(".rowid AND ").push(table).push(" MATCH ");
        sql.bind(fts_query(tokens));
    }
}

/// `SELECT` what PostgreSQL's statistics of `entity`'s GIN index (kept by ANALYZE) say of the
/// tokens: how many of them are among its most common words (`listed`), the smallest share of
/// the documents holding one of those (`share`), the number of documents (`documents`), and
/// the newest document's id (`newest`, 0 when there is none). PostgreSQL only; kept as a
/// prepared statement, as planning the statistics view took a millisecond.
pub fn search_outline(entity: &'static str, tokens: &[String]) -> Sql {
    let table = documents_table(entity);
    let index = format!("'{table}_{entity}_tokens_idx'");
    let mut sql = Sql::new("SELECT COUNT(*) AS listed, CAST(COALESCE(MIN(e.share), 0) AS DOUBLE PRECISION) AS share, ");
    sql.push("(SELECT CAST(reltuples AS DOUBLE PRECISION) FROM pg_class WHERE oid = to_regclass(").push(&index);
    sql.push(")) AS documents, (SELECT COALESCE(MAX(doc_id), 0) FROM ").push(table).push(" WHERE entity = '");
    sql.push(entity).push("') AS newest FROM pg_stats t CROSS JOIN LATERAL unnest(");
    sql.push("CAST(CAST(t.most_common_elems AS TEXT) AS TEXT[]), t.most_common_elem_freqs) AS e (word, share) ");
    sql.push("WHERE t.schemaname = current_schema() AND t.tablename = ").push(&index);
    sql.push(" AND e.word = ANY(string_to_array(").bind(tokens.join(" ")).push(", ' '))");
    sql
}

/// `SELECT` how many of `entity`'s documents hold every token, counted up to `cap`, as
/// `matches`. PostgreSQL only.
pub fn count_documents(entity: &'static str, tokens: &[String], cap: u32) -> Sql {
    let mut sql = Sql::new("SELECT COUNT(*) AS matches FROM (SELECT 1 FROM ");
    sql.push(documents_table(entity)).push(" s WHERE 1 = 1");
    push_tokens_match(Backend::Postgres, &mut sql, "s", Some(entity), tokens);
    sql.push_limit(i64::from(cap)).push(") m");
    sql
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
