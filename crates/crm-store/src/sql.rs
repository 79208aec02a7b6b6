//! Building portable SQL with `$N` placeholders (understood by SQLite and PostgreSQL alike),
//! the text codecs of ids and times, and the mapping of database errors to `StoreError`.

use chrono::{DateTime, NaiveDateTime, Utc};
use sqlx::AnyConnection;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, Row};
use uuid::Uuid;

use crm_core::store::StoreError;

use crate::database::Backend;

/// A value bound to a placeholder. NULLs carry their type: PostgreSQL refuses a text NULL
/// for a BIGINT column, and a statement prepared with one misreads later integers.
#[derive(Debug, Clone)]
pub enum Arg {
    Text(String),
    Int(i64),
    Bool(bool),
    NullText,
    NullInt,
    NullBool,
    Bytes(Vec<u8>),
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_string())
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(v.clone())
    }
}
impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}
impl From<Uuid> for Arg {
    fn from(v: Uuid) -> Self {
        Arg::Text(v.to_string())
    }
}
impl From<DateTime<Utc>> for Arg {
    fn from(v: DateTime<Utc>) -> Self {
        Arg::Text(ts(v))
    }
}
impl From<Vec<u8>> for Arg {
    fn from(v: Vec<u8>) -> Self {
        Arg::Bytes(v)
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Arg::NullInt, Arg::Int)
    }
}
impl From<Option<bool>> for Arg {
    fn from(v: Option<bool>) -> Self {
        v.map_or(Arg::NullBool, Arg::Bool)
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        v.map_or(Arg::NullText, Arg::Text)
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        v.map_or(Arg::NullText, Into::into)
    }
}
impl From<Option<Uuid>> for Arg {
    fn from(v: Option<Uuid>) -> Self {
        v.map_or(Arg::NullText, Into::into)
    }
}
impl From<Option<DateTime<Utc>>> for Arg {
    fn from(v: Option<DateTime<Utc>>) -> Self {
        v.map_or(Arg::NullText, Into::into)
    }
}

/// SQL text with its arguments; `bind` appends the next `$N` placeholder.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Self { text: text.to_string(), args: Vec::new() }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// ` LIMIT n`, written out rather than bound. PostgreSQL plans a prepared statement afresh
    /// for each execution until a plan without the parameters' values costs no more; with the
    /// row limit a parameter that never happened, and a page of customers spent 3–9 ms planning
    /// six joined tables against 0.4 ms executing. With the limit in the text the statement's
    /// plan is kept after five executions.
    pub fn push_limit(&mut self, n: i64) -> &mut Self {
        self.push(" LIMIT ").push(&n.to_string())
    }

    pub fn bind(&mut self, arg: impl Into<Arg>) -> &mut Self {
        self.args.push(arg.into());
        self.text.push('$');
        self.text.push_str(&self.args.len().to_string());
        self
    }

    /// `column IN ($1, $2, …)`; an empty list matches nothing.
    pub fn bind_in<T: Into<Arg> + Clone>(&mut self, column: &str, values: &[T]) -> &mut Self {
        if values.is_empty() {
            return self.push("1 = 0");
        }
        self.push(column).push(" IN (");
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(v.clone());
        }
        self.push(")")
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Appends another fragment, renumbering its placeholders after this one's.
    pub fn append(&mut self, other: &Sql) -> &mut Self {
        let offset = self.args.len();
        let mut chars = other.text.chars().peekable();
        while let Some(c) = chars.next() {
            self.text.push(c);
            if c == '$' {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                if let Ok(n) = digits.parse::<usize>() {
                    self.text.push_str(&(n + offset).to_string());
                }
            }
        }
        self.args.extend(other.args.iter().cloned());
        self
    }

    #[cfg(test)]
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn query(&self) -> Query<'_, Any, AnyArguments<'_>> {
        let mut q = sqlx::query(&self.text);
        for arg in &self.args {
            q = match arg {
                Arg::Text(s) => q.bind(s.clone()),
                Arg::Int(i) => q.bind(*i),
                Arg::Bool(b) => q.bind(*b),
                Arg::NullText => q.bind(None::<String>),
                Arg::NullInt => q.bind(None::<i64>),
                Arg::NullBool => q.bind(None::<bool>),
                Arg::Bytes(b) => q.bind(b.clone()),
            };
        }
        q
    }
}

/// Statements that run one after the other in the caller's transaction, sent together where
/// the database allows it. An SQLite connection is a thread of its own, and every request is a
/// hand-off to it and back that costs more than a small insert: SQLite gets the batch as one
/// multi-statement request, so the single writer's transaction is not a chain of hand-offs.
/// PostgreSQL prepares one statement per request, so there they go one by one.
#[derive(Debug, Default)]
pub struct Batch {
    statements: Vec<Sql>,
}

impl Batch {
    pub fn push(&mut self, statement: Sql) -> &mut Self {
        self.statements.push(statement);
        self
    }

    /// Runs every statement, stopping at the first error; the rows they return, in order.
    pub async fn fetch_all(&self, conn: &mut AnyConnection) -> Result<Vec<AnyRow>, StoreError> {
        if Backend::of(conn) == Backend::Sqlite {
            let mut all = Sql::default();
            for statement in &self.statements {
                if !all.is_empty() {
                    all.push(";\n");
                }
                all.append(statement);
            }
            // Only a whole stream runs every statement: `fetch_optional` would stop at the
            // first statement's result.
            return all.query().fetch_all(conn).await.map_err(store_error);
        }
        let mut rows = Vec::new();
        for statement in &self.statements {
            rows.extend(statement.query().fetch_all(&mut *conn).await.map_err(store_error)?);
        }
        Ok(rows)
    }

    pub async fn execute(&self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        self.fetch_all(conn).await.map(drop)
    }
}

/// Multi-row `INSERT`s into one table: rows gather into one statement that is sent when the
/// next row would pass `MAX_BINDS` placeholders (well under SQLite's 32,766 and PostgreSQL's
/// 65,535), so a bulk write takes a statement per few hundred rows instead of one per row.
/// Full statements share one text, so each connection prepares it once. On SQLite the
/// placeholders are anonymous `?`: SQLite looks a numbered one up by a linear scan, which
/// makes binding a statement of n values cost n².
pub struct Rows {
    head: String,
    /// What follows the rows in each statement, e.g. an `ON CONFLICT` clause.
    tail: String,
    width: usize,
    anonymous: bool,
    sql: Sql,
    written: u64,
}

const MAX_BINDS: usize = 8_000;

impl Rows {
    /// Rows with numbered placeholders, which both databases understand.
    pub fn new(table: &str, columns: &[&str]) -> Self {
        let head = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        Self { sql: Sql::new(&head), head, tail: String::new(), width: columns.len(), anonymous: false, written: 0 }
    }

    /// The same rows, each statement ending with `tail`.
    pub fn with_tail(self, tail: &str) -> Self {
        Self { tail: tail.to_string(), ..self }
    }

    /// Rows with the placeholders that bind fastest on `backend`, for large batches.
    pub fn bulk(backend: Backend, table: &str, columns: &[&str]) -> Self {
        Self { anonymous: backend == Backend::Sqlite, ..Self::new(table, columns) }
    }

    /// Adds a row (one value per column, in order), sending the statement first if it is full.
    pub async fn push(
        &mut self,
        conn: &mut AnyConnection,
        row: impl IntoIterator<Item = Arg>,
    ) -> Result<(), StoreError> {
        if self.sql.args.len() + self.width > MAX_BINDS {
            self.flush(conn).await?;
        }
        self.add(row);
        Ok(())
    }

    /// Adds a row without ever sending: for the few rows of one record, which end up in one
    /// statement (`into_sql`) that joins a `Batch`.
    pub fn add(&mut self, row: impl IntoIterator<Item = Arg>) {
        let first = self.sql.args.is_empty();
        self.sql.push(if first { "(" } else { ", (" });
        for (i, value) in row.into_iter().enumerate() {
            if i > 0 {
                self.sql.push(", ");
            }
            if self.anonymous {
                self.sql.push("?").args.push(value);
            } else {
                self.sql.bind(value);
            }
        }
        self.sql.push(")");
    }

    /// The statement of the rows added, for a `Batch`.
    pub fn into_sql(mut self) -> Sql {
        self.sql.push(&self.tail);
        self.sql
    }

    async fn flush(&mut self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        if !self.sql.args.is_empty() {
            self.sql.push(&self.tail);
            self.written += self.sql.query().execute(&mut *conn).await.map_err(store_error)?.rows_affected();
            self.sql = Sql::new(&self.head);
        }
        Ok(())
    }

    /// Sends the rows still gathered; the count of rows written by all the statements.
    pub async fn finish(mut self, conn: &mut AnyConnection) -> Result<u64, StoreError> {
        self.flush(conn).await?;
        Ok(self.written)
    }
}

/// Times are stored as fixed-width UTC text, so text order is time order on both backends.
pub fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

pub fn parse_ts(s: &str) -> Result<DateTime<Utc>, StoreError> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.fZ")
        .map(|n| n.and_utc())
        .map_err(|e| StoreError::Other(format!("bad timestamp {s:?}: {e}").into()))
}

pub fn parse_id(s: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(s).map_err(|e| StoreError::Other(format!("bad id {s:?}: {e}").into()))
}

/// Typed reads from a row, with decoding failures as `StoreError`.
pub trait RowExt {
    fn text(&self, col: &str) -> Result<String, StoreError>;
    fn opt_text(&self, col: &str) -> Result<Option<String>, StoreError>;
    fn int(&self, col: &str) -> Result<i64, StoreError>;
    fn opt_int(&self, col: &str) -> Result<Option<i64>, StoreError>;
    fn flag(&self, col: &str) -> Result<bool, StoreError>;
    fn id(&self, col: &str) -> Result<Uuid, StoreError>;
    fn opt_id(&self, col: &str) -> Result<Option<Uuid>, StoreError>;
    fn time(&self, col: &str) -> Result<DateTime<Utc>, StoreError>;
    fn opt_time(&self, col: &str) -> Result<Option<DateTime<Utc>>, StoreError>;
    fn bytes(&self, col: &str) -> Result<Vec<u8>, StoreError>;
}

impl RowExt for AnyRow {
    fn text(&self, col: &str) -> Result<String, StoreError> {
        self.try_get(col).map_err(store_error)
    }
    fn opt_text(&self, col: &str) -> Result<Option<String>, StoreError> {
        self.try_get(col).map_err(store_error)
    }
    fn int(&self, col: &str) -> Result<i64, StoreError> {
        self.try_get(col).map_err(store_error)
    }
    fn opt_int(&self, col: &str) -> Result<Option<i64>, StoreError> {
        self.try_get(col).map_err(store_error)
    }
    fn flag(&self, col: &str) -> Result<bool, StoreError> {
        // SQLite hands back computed booleans as integers; columns declared BOOLEAN as bools.
        self.try_get::<bool, _>(col).or_else(|_| self.try_get::<i64, _>(col).map(|i| i != 0)).map_err(store_error)
    }
    fn id(&self, col: &str) -> Result<Uuid, StoreError> {
        parse_id(&self.text(col)?)
    }
    fn opt_id(&self, col: &str) -> Result<Option<Uuid>, StoreError> {
        self.opt_text(col)?.as_deref().map(parse_id).transpose()
    }
    fn time(&self, col: &str) -> Result<DateTime<Utc>, StoreError> {
        parse_ts(&self.text(col)?)
    }
    fn opt_time(&self, col: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.opt_text(col)?.as_deref().map(parse_ts).transpose()
    }
    fn bytes(&self, col: &str) -> Result<Vec<u8>, StoreError> {
        self.try_get(col).map_err(store_error)
    }
}

/// Maps database errors: unique violations to `Conflict` named `{table}_{columns}_key`
/// (the index names of the migrations), foreign-key violations to `Conflict { "in_use" }`.
pub fn store_error(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        sqlx::Error::Database(db) => {
            let message = db.message();
            if db.is_unique_violation() {
                let constraint = db.constraint().map(str::to_string).unwrap_or_else(|| sqlite_unique_name(message));
                let field = constraint_field(&constraint);
                StoreError::Conflict { constraint, field }
            } else if db.is_foreign_key_violation() {
                StoreError::Conflict { constraint: "in_use".into(), field: None }
            } else {
                StoreError::Other(Box::new(e))
            }
        }
        _ => StoreError::Other(Box::new(e)),
    }
}

/// SQLite says `UNIQUE constraint failed: divisions.name` for column indexes and
/// `UNIQUE constraint failed: index 'x_key'` for expression indexes.
fn sqlite_unique_name(message: &str) -> String {
    let detail = message.trim_start_matches("UNIQUE constraint failed: ");
    if let Some(index) = detail.strip_prefix("index '") {
        return index.trim_end_matches('\'').to_string();
    }
    let mut table = "";
    let columns: Vec<&str> = detail
        .split(", ")
        .filter_map(|tc| tc.split_once('.'))
        .map(|(t, c)| {
            table = t;
            c
        })
        .collect();
    format!("{table}_{}_key", columns.join("_"))
}

/// The input field a unique index concerns: its last column (`divisions_name_key` → `name`).
fn constraint_field(constraint: &str) -> Option<String> {
    const FIELDS: [(&str, &str); 13] = [
        ("divisions_name_key", "name"),
        ("divisions_code_key", "code"),
        ("roles_code_key", "code"),
        ("users_username_key", "username"),
        ("dictionary_entries_kind_parent_label_key", "label"),
        ("dictionary_entries_kind_code_key", "code"),
        ("products_name_model_key", "name"),
        ("inventory_division_id_product_id_warehouse_location_key", "location"),
        ("number_sequences_pkey", "kind"),
        ("customers_number_key", "number"),
        ("contacts_customer_id_is_primary_key", "primary"),
        ("orders_number_key", "number"),
        ("saved_filters_user_id_name_key", "name"),
    ];
    FIELDS.iter().find(|(c, _)| *c == constraint).map(|(_, f)| f.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_number_their_placeholders_in_order() {
        let mut sql = Sql::new("SELECT * FROM t WHERE a = ");
        sql.bind("x").push(" AND ").bind_in("b", &[1_i64, 2]);
        assert_eq!(sql.text(), "SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)");
        let mut outer = Sql::new("SELECT ");
        outer.bind(1_i64).push(" FROM t").append(&sql);
        assert!(outer.text().ends_with("WHERE a = $2 AND b IN ($3, $4)"));
    }

    #[test]
    fn sqlite_unique_messages_name_the_same_index_as_postgres() {
        assert_eq!(sqlite_unique_name("UNIQUE constraint failed: divisions.name"), "divisions_name_key");
        assert_eq!(
            sqlite_unique_name("UNIQUE constraint failed: index 'products_name_model_key'"),
            "products_name_model_key"
        );
    }

    #[test]
    fn times_round_trip_through_text() {
        let t = Utc::now();
        let back = parse_ts(&ts(t)).unwrap();
        assert_eq!(back.timestamp_micros(), t.timestamp_micros());
    }
}
