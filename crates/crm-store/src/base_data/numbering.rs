use chrono::{DateTime, NaiveDate, Utc};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crm_core::access::{AuditStamp, Scope};
use crm_core::base_data::{DEFAULT_DATE_FORMAT, DEFAULT_PREFIXES, DEFAULT_WIDTH, NumberSequence, NumberSequencePatch};
use crm_core::listing::{ListRequest, Page};
use crm_core::store::StoreError;

use crate::Db;
use crate::audit::{self, Change};
use crate::database::Backend;
use crate::listing::{Kind, ListSpec, list as list_rows};
use crate::sql::{RowExt, Sql, store_error};

const ENTITY: &str = "number-sequences";

/// Unqualified, so that the same list serves SELECT and UPDATE … RETURNING.
const COLUMNS: &str = "id, kind, prefix, date_format, width, created_at, updated_at, version";

const LIST: ListSpec = ListSpec {
    from: "number_sequences",
    columns: COLUMNS,
    id: "id",
    default_sort: "kind",
    sorts: &[("kind", "kind", Kind::Text)],
    filters: &[("kind", "kind", Kind::Text), ("prefix", "prefix", Kind::Text)],
    search: &[],
    division: None,
    owner: None,
};

fn from_row(r: &AnyRow) -> Result<NumberSequence, StoreError> {
    Ok(NumberSequence {
        id: r.id("id")?,
        kind: r.text("kind")?,
        prefix: r.text("prefix")?,
        date_format: r.text("date_format")?,
        width: r.int("width")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        version: r.int("version")?,
    })
}

pub async fn list(db: &Db, req: &ListRequest) -> Result<Page<NumberSequence>, StoreError> {
    let page = list_rows(&db.reader, &LIST, &Scope::everything(), &Sql::default(), req).await?;
    page.try_map(|r| from_row(&r))
}

pub async fn get<'c, E>(conn: E, kind: &str) -> Result<NumberSequence, StoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let mut sql = Sql::new("SELECT ");
    sql.push(COLUMNS).push(" FROM number_sequences WHERE kind = ").bind(kind);
    from_row(&sql.query().fetch_optional(conn).await.map_err(store_error)?.ok_or(StoreError::NotFound)?)
}

/// The shipped rules (BAS-3): `KH` + `%Y%m%d` + 4 digits for customers, and so on.
pub async fn insert_defaults(conn: &mut AnyConnection, at: DateTime<Utc>) -> Result<(), StoreError> {
    let mut sql = Sql::new("INSERT INTO number_sequences (");
    sql.push(COLUMNS).push(") VALUES ");
    for (i, (kind, prefix)) in DEFAULT_PREFIXES.iter().enumerate() {
        sql.push(if i == 0 { "(" } else { ", (" });
        sql.bind(Uuid::now_v7()).push(", ").bind(*kind).push(", ").bind(*prefix).push(", ");
        sql.bind(DEFAULT_DATE_FORMAT).push(", ").bind(DEFAULT_WIDTH).push(", ").bind(at).push(", ").bind(at);
        sql.push(", 1)");
    }
    sql.query().execute(conn).await.map(|_| ()).map_err(store_error)
}

pub async fn update(
    db: &Db,
    kind: &str,
    version: Option<i64>,
    patch: &NumberSequencePatch,
    stamp: &AuditStamp,
) -> Result<NumberSequence, StoreError> {
    let mut tx = db.begin_write().await?;
    let old = get(&mut *tx, kind).await?;
    if version.is_some_and(|v| v != old.version) {
        return Err(StoreError::Stale);
    }
    let new = patch.apply(&old, stamp.at);
    let mut sql = Sql::new("UPDATE number_sequences SET prefix = ");
    sql.bind(&new.prefix).push(", date_format = ").bind(&new.date_format).push(", width = ").bind(new.width);
    sql.push(", updated_at = ").bind(stamp.at).push(", version = version + 1 WHERE id = ").bind(old.id);
    sql.push(" AND version = ").bind(old.version);
    if sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    let change = Change {
        entity: ENTITY,
        entity_id: old.id,
        action: "update",
        division_id: None,
        old: Some(&old),
        new: Some(&new),
    };
    audit::record(&mut tx, stamp, change).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(new)
}

/// The number of one record of `kind` whose write is still to begin, or `None` to take it in
/// that write (`number_for`).
///
/// On PostgreSQL the counter's row lock, taken inside a create's transaction, is held until
/// that transaction's commit has waited for the disk, so every create of the kind would queue
/// on it. There the number is taken beforehand, in a short transaction of its own that does
/// not wait for the disk: the record carrying the number commits later in the same log, and
/// its flush makes the counter durable too. A create that fails after taking its number leaves
/// a gap; numbers stay unique and in order (BAS-3). On SQLite every write queues behind the one
/// writer anyway, and taking the number inside the write costs no commit of its own.
pub(crate) async fn take_ahead(db: &Db, kind: &str, today: NaiveDate) -> Result<Option<String>, StoreError> {
    if db.backend() == Backend::Sqlite {
        return Ok(None);
    }
    let mut tx = db.begin_write().await?;
    sqlx::query("SET LOCAL synchronous_commit = off").execute(&mut *tx).await.map_err(store_error)?;
    let number = next_number(&mut tx, kind, today).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(Some(number))
}

/// The number a record of `kind` carries: the one taken ahead, else the next one taken in
/// the caller's write transaction.
pub(crate) async fn number_for(
    conn: &mut AnyConnection,
    ahead: Option<&str>,
    kind: &str,
    today: NaiveDate,
) -> Result<String, StoreError> {
    match ahead {
        Some(number) => Ok(number.to_owned()),
        None => next_number(conn, kind, today).await,
    }
}

/// Takes the next number of `kind` inside the caller's write transaction, so the number
/// and the record that carries it commit or roll back together. The counter is not a
/// change anyone makes, so it neither bumps the rule's version nor writes an audit row.
pub(crate) async fn next_number(conn: &mut AnyConnection, kind: &str, today: NaiveDate) -> Result<String, StoreError> {
    let mut numbers = next_numbers(conn, kind, today, 1).await?;
    numbers.pop().ok_or(StoreError::NotFound)
}

/// Takes the next `count` numbers of `kind` at once, in order (bulk writes).
pub(crate) async fn next_numbers(
    conn: &mut AnyConnection,
    kind: &str,
    today: NaiveDate,
    count: usize,
) -> Result<Vec<String>, StoreError> {
    // Counting on from the stored counter is right while the period stays the same, so one
    // statement does it (this runs in the single writer's transaction on SQLite); the first
    // number of a new period sets the counter again. The update takes the row lock on
    // PostgreSQL, so concurrent takers queue here and each reads what its predecessor committed.
    let count = i64::try_from(count).unwrap_or(i64::MAX);
    let mut sql = Sql::new("UPDATE number_sequences SET last_value = last_value + ");
    sql.bind(count).push(" WHERE kind = ").bind(kind);
    sql.push(" RETURNING ").push(COLUMNS).push(", period, period_day, last_value");
    let row = sql.query().fetch_optional(&mut *conn).await.map_err(store_error)?.ok_or(StoreError::NotFound)?;
    let sequence = from_row(&row)?;
    let stored = row.text("period")?;
    // A period never goes back: a taker whose today is before the day the stored period began
    // (in a time zone that has not reached midnight yet) counts on in the newer period, since
    // starting the older one's counter again would repeat the numbers it already gave.
    let day = today.to_string();
    let behind = row.opt_text("period_day")?.is_some_and(|began| began > day);
    let period = sequence.period(today).map_err(StoreError::Invalid)?;
    let (period, first, last) = if stored == period || behind {
        let last = row.int("last_value")?;
        (stored, last - count + 1, last)
    } else {
        let mut sql = Sql::new("UPDATE number_sequences SET period = ");
        sql.bind(&period).push(", period_day = ").bind(day).push(", last_value = ").bind(count);
        sql.push(" WHERE id = ").bind(sequence.id);
        sql.query().execute(&mut *conn).await.map_err(store_error)?;
        (period, 1, count)
    };
    Ok((first..=last).map(|counter| sequence.number(&period, counter)).collect())
}
