use std::collections::HashMap;

use chrono::NaiveDate;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crm_core::access::{AuditStamp, Scope};
use crm_core::listing::{ListRequest, Page};
use crm_core::sales::contracts::{NewQuote, PriceLine, Quote, QuoteRevision, QuoteStatus};
use crm_core::store::StoreError;

use super::{LINE_COLUMNS, insert_lines, opt_date, price_line};
use crate::Db;
use crate::audit::{self, Change};
use crate::base_data::{number_for, take_ahead};
use crate::customers::{division_of, scoped};
use crate::listing::{Kind, ListSpec, find_where, list as list_rows};
use crate::sql::{Arg, RowExt, Sql, store_error};

const ENTITY: &str = "quotes";

const LIST: ListSpec = ListSpec {
    from: "quotes q JOIN customers c ON c.id = q.customer_id",
    columns: "q.id, q.number, q.customer_id, c.name AS customer_name, q.title, q.summary, q.currency, \
        q.valid_until, q.status, q.revision, q.subtotal, q.discount, q.tax, q.total, \
        (SELECT k.id FROM contracts k WHERE k.quote_id = q.id) AS contract_id, q.created_at, q.updated_at, q.version",
    id: "q.id",
    default_sort: "-created_at",
    sorts: &[
        ("created_at", "q.created_at", Kind::Text),
        ("number", "q.number", Kind::Text),
        ("total", "q.total", Kind::Int),
    ],
    filters: &[
        ("customer_id", "q.customer_id", Kind::Text),
        ("status", "q.status", Kind::Text),
        ("currency", "q.currency", Kind::Text),
        ("number", "q.number", Kind::Text),
        ("division_id", "c.division_id", Kind::Text),
    ],
    search: &["q.number", "q.title", "c.name"],
    division: None,
    owner: None,
};

fn from_row(r: &AnyRow, lines: Vec<PriceLine>) -> Result<Quote, StoreError> {
    let status = r.text("status")?;
    Ok(Quote {
        id: r.id("id")?,
        number: r.text("number")?,
        customer_id: r.id("customer_id")?,
        customer_name: r.text("customer_name")?,
        title: r.text("title")?,
        summary: r.opt_text("summary")?,
        currency: r.text("currency")?,
        valid_until: opt_date(r, "valid_until")?,
        status: QuoteStatus::parse("status", &status)
            .map_err(|_| StoreError::Other(format!("bad quote status {status:?}").into()))?,
        revision: r.int("revision")?,
        lines,
        subtotal: r.int("subtotal")?,
        discount: r.int("discount")?,
        tax: r.int("tax")?,
        total: r.int("total")?,
        contract_id: r.opt_id("contract_id")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        version: r.int("version")?,
    })
}

/// Lines of the given revisions of the quotes, by (quote id, revision).
async fn lines_of(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<HashMap<(String, i64), Vec<PriceLine>>, StoreError> {
    let mut lines: HashMap<(String, i64), Vec<PriceLine>> = HashMap::new();
    if ids.is_empty() {
        return Ok(lines);
    }
    let mut sql = Sql::new("SELECT quote_id, revision, ");
    sql.push(LINE_COLUMNS).push(" FROM quote_lines WHERE ");
    sql.bind_in("quote_id", ids).push(" ORDER BY quote_id, revision, position");
    for r in sql.query().fetch_all(&mut *conn).await.map_err(store_error)? {
        lines.entry((r.text("quote_id")?, r.int("revision")?)).or_default().push(price_line(&r)?);
    }
    Ok(lines)
}

async fn load(conn: &mut AnyConnection, rows: &[AnyRow]) -> Result<Vec<Quote>, StoreError> {
    let ids: Vec<String> = rows.iter().map(|r| r.text("id")).collect::<Result<_, _>>()?;
    let mut lines = lines_of(conn, &ids).await?;
    rows.iter().map(|r| from_row(r, lines.remove(&(r.text("id")?, r.int("revision")?)).unwrap_or_default())).collect()
}

pub async fn list(db: &Db, scope: &Scope, req: &ListRequest) -> Result<Page<Quote>, StoreError> {
    let page = list_rows(&db.reader, &LIST, &Scope::everything(), &scoped(scope), req).await?;
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    let items = load(&mut conn, &page.items).await?;
    Ok(Page { items, next_cursor: page.next_cursor, total: page.total })
}

async fn get_in(conn: &mut AnyConnection, scope: &Scope, id: Uuid) -> Result<Quote, StoreError> {
    let row = find_where(&mut *conn, &LIST, &Scope::everything(), &scoped(scope), id).await?;
    load(conn, &[row]).await?.pop().ok_or(StoreError::NotFound)
}

pub async fn get(db: &Db, scope: &Scope, id: Uuid) -> Result<Quote, StoreError> {
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    get_in(&mut conn, scope, id).await
}

pub async fn revisions(db: &Db, scope: &Scope, id: Uuid) -> Result<Vec<QuoteRevision>, StoreError> {
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    get_in(&mut conn, scope, id).await?;
    let mut sql = Sql::new(
        "SELECT revision, title, currency, subtotal, discount, tax, total, created_at FROM quote_revisions \
         WHERE quote_id = ",
    );
    sql.bind(id).push(" ORDER BY revision");
    let rows = sql.query().fetch_all(&mut *conn).await.map_err(store_error)?;
    let mut lines = lines_of(&mut conn, &[id.to_string()]).await?;
    rows.iter()
        .map(|r| {
            let revision = r.int("revision")?;
            Ok(QuoteRevision {
                revision,
                title: r.text("title")?,
                currency: r.text("currency")?,
                lines: lines.remove(&(id.to_string(), revision)).unwrap_or_default(),
                subtotal: r.int("subtotal")?,
                discount: r.int("discount")?,
                tax: r.int("tax")?,
                total: r.int("total")?,
                created_at: r.time("created_at")?,
            })
        })
        .collect()
}

/// Writes the quote's current prices as its revision `q.revision`, replacing that revision
/// if it exists (a draft being edited) or adding it (a new version).
async fn write_revision(conn: &mut AnyConnection, q: &Quote, replace: bool) -> Result<(), StoreError> {
    if replace {
        for table in ["quote_lines", "quote_revisions"] {
            let mut sql = Sql::new("DELETE FROM ");
            sql.push(table).push(" WHERE quote_id = ").bind(q.id).push(" AND revision = ").bind(q.revision);
            sql.query().execute(&mut *conn).await.map_err(store_error)?;
        }
    }
    let mut sql = Sql::new(
        "INSERT INTO quote_revisions (quote_id, revision, title, currency, subtotal, discount, tax, total, created_at) \
         VALUES (",
    );
    sql.bind(q.id).push(", ").bind(q.revision).push(", ").bind(&q.title).push(", ").bind(&q.currency).push(", ");
    sql.bind(q.subtotal).push(", ").bind(q.discount).push(", ").bind(q.tax).push(", ").bind(q.total).push(", ");
    sql.bind(q.updated_at).push(")");
    sql.query().execute(&mut *conn).await.map_err(store_error)?;
    let key = [("quote_id", Arg::from(q.id)), ("revision", Arg::from(q.revision))];
    insert_lines(conn, "quote_lines", &key, &q.lines).await
}

async fn log(
    conn: &mut AnyConnection,
    stamp: &AuditStamp,
    action: &str,
    old: Option<&Quote>,
    new: Option<&Quote>,
) -> Result<(), StoreError> {
    let Some(any) = new.or(old) else { return Ok(()) };
    let division_id = Some(division_of(conn, any.customer_id).await?);
    audit::record(conn, stamp, Change { entity: ENTITY, entity_id: any.id, action, division_id, old, new }).await
}

pub async fn create(db: &Db, new: &NewQuote, today: NaiveDate, stamp: &AuditStamp) -> Result<Quote, StoreError> {
    let id = Uuid::now_v7();
    let ahead = take_ahead(db, "quote", today).await?;
    let mut tx = db.begin_write().await?;
    let number = number_for(&mut tx, ahead.as_deref(), "quote", today).await?;
    let mut sql = Sql::new(
        "INSERT INTO quotes (id, number, customer_id, title, summary, currency, valid_until, status, revision, \
         subtotal, discount, tax, total, created_at, updated_at, version) VALUES (",
    );
    sql.bind(id).push(", ").bind(&number).push(", ").bind(new.customer_id).push(", ").bind(&new.title).push(", ");
    sql.bind(new.summary.clone()).push(", ").bind(&new.currency).push(", ");
    sql.bind(new.valid_until.map(|d| d.to_string())).push(", ").bind(QuoteStatus::Draft.code()).push(", 1, ");
    let t = new.totals;
    sql.bind(t.subtotal).push(", ").bind(t.discount).push(", ").bind(t.tax).push(", ").bind(t.total).push(", ");
    sql.bind(stamp.at).push(", ").bind(stamp.at).push(", 1)");
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    let draft = Quote {
        id,
        number,
        customer_id: new.customer_id,
        customer_name: String::new(),
        title: new.title.clone(),
        summary: new.summary.clone(),
        currency: new.currency.clone(),
        valid_until: new.valid_until,
        status: QuoteStatus::Draft,
        revision: 1,
        lines: new.lines.clone(),
        subtotal: t.subtotal,
        discount: t.discount,
        tax: t.tax,
        total: t.total,
        contract_id: None,
        created_at: stamp.at,
        updated_at: stamp.at,
        version: 1,
    };
    write_revision(&mut tx, &draft, false).await?;
    let quote = get_in(&mut tx, &Scope::everything(), id).await?;
    log(&mut tx, stamp, "create", None, Some(&quote)).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(quote)
}

pub async fn save(db: &Db, scope: &Scope, next: &Quote, version: i64, stamp: &AuditStamp) -> Result<Quote, StoreError> {
    let mut tx = db.begin_write().await?;
    let old = get_in(&mut tx, scope, next.id).await?;
    if old.version != version {
        return Err(StoreError::Stale);
    }
    let mut sql = Sql::new("UPDATE quotes SET title = ");
    sql.bind(&next.title).push(", summary = ").bind(next.summary.clone()).push(", currency = ").bind(&next.currency);
    sql.push(", valid_until = ").bind(next.valid_until.map(|d| d.to_string()));
    sql.push(", status = ").bind(next.status.code()).push(", revision = ").bind(next.revision);
    sql.push(", subtotal = ").bind(next.subtotal).push(", discount = ").bind(next.discount);
    sql.push(", tax = ").bind(next.tax).push(", total = ").bind(next.total).push(", updated_at = ").bind(stamp.at);
    sql.push(", version = version + 1 WHERE id = ").bind(next.id).push(" AND version = ").bind(version);
    if sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    let repriced = next.lines != old.lines || next.currency != old.currency || next.title != old.title;
    if next.revision != old.revision || repriced {
        write_revision(&mut tx, next, next.revision == old.revision).await?;
    }
    let saved = get_in(&mut tx, &Scope::everything(), next.id).await?;
    log(&mut tx, stamp, "update", Some(&old), Some(&saved)).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(saved)
}
