//! Figures of the home page's dashboard (RPT-8) that no report has: the company by division,
//! open tasks and churn warnings by owner or division, and the system's health.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::any::AnyRow;

use crm_core::access::Scope;
use crm_core::churn::ChurnStatus;
use crm_core::reports::{DivisionFigures, ReportFilter, SystemHealth, WorkBy, WorkCounts};
use crm_core::sales::opportunities::add_amount;
use crm_core::schedule::TaskStatus;
use crm_core::store::StoreError;

use super::{push_customers, push_orders};
use crate::Db;
use crate::customers::customer::push_customer_scope;
use crate::dialect::database_size;
use crate::listing::push_scope;
use crate::schedule::task_scope;
use crate::sql::{RowExt, Sql, store_error};

/// Each division of the scope with its orders dated `from`..=`to`, its open pipeline (from
/// the pipeline's totals) and its open service requests: four grouped statements.
pub async fn divisions(
    db: &Db,
    scope: &Scope,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<DivisionFigures>, StoreError> {
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    let mut sql = Sql::new("SELECT d.id, d.name FROM divisions d WHERE 1 = 1");
    push_scope(&mut sql, scope, Some("d.id"), None);
    sql.push(" ORDER BY d.name");
    let mut figures = Vec::new();
    for r in sql.query().fetch_all(&mut *conn).await.map_err(store_error)? {
        figures.push(DivisionFigures { division_id: r.id("id")?, division: r.text("name")?, ..Default::default() });
    }
    let filter = ReportFilter { from: Some(from), to: Some(to), ..Default::default() };
    let mut sql = Sql::new(
        "SELECT c.division_id AS k, o.currency, COUNT(*) AS n, CAST(SUM(o.total) AS BIGINT) AS a \
         FROM orders o JOIN customers c ON c.id = o.customer_id WHERE 1 = 1",
    );
    push_orders(&mut sql, &filter);
    push_customers(&mut sql, scope, &filter);
    sql.push(" GROUP BY c.division_id, o.currency ORDER BY 2");
    for r in sql.query().fetch_all(&mut *conn).await.map_err(store_error)? {
        if let Some(f) = figures.iter_mut().find(|f| Some(f.division_id) == r.id("k").ok()) {
            f.orders += r.int("n")?;
            add_amount(&mut f.order_totals, &r.text("currency")?, r.int("a")?, None);
        }
    }
    let mut sql = Sql::new(
        "SELECT t.division_id AS k, t.currency, CAST(SUM(t.count) AS BIGINT) AS n, CAST(SUM(t.amount) AS BIGINT) AS a \
         FROM pipeline_totals t JOIN pipeline_stages st ON st.id = t.stage_id WHERE st.outcome IS NULL",
    );
    push_scope(&mut sql, scope, Some("t.division_id"), Some("t.owner_id"));
    sql.push(" GROUP BY t.division_id, t.currency ORDER BY 2");
    for r in sql.query().fetch_all(&mut *conn).await.map_err(store_error)? {
        if let Some(f) = figures.iter_mut().find(|f| Some(f.division_id) == r.id("k").ok()) {
            f.open_opportunities += r.int("n")?;
            add_amount(&mut f.pipeline, &r.text("currency")?, r.int("a")?, None);
        }
    }
    let mut sql = Sql::new(
        "SELECT c.division_id AS k, COUNT(*) AS n FROM service_requests r JOIN customers c ON c.id = r.customer_id \
         WHERE r.status <> 'archived'",
    );
    push_customers(&mut sql, scope, &ReportFilter::default());
    sql.push(" GROUP BY c.division_id");
    for r in sql.query().fetch_all(&mut *conn).await.map_err(store_error)? {
        if let Some(f) = figures.iter_mut().find(|f| Some(f.division_id) == r.id("k").ok()) {
            f.open_service_requests += r.int("n")?;
        }
    }
    Ok(figures)
}

/// `SELECT key AS k, name, COUNT(*) AS n` `extra` `FROM from`, grouped `by` the `owner` or
/// `division` column, whose users or divisions name the rows; `conditions` follow `WHERE`.
fn grouped(by: WorkBy, owner: &str, division: &str, extra: &Sql, from: &str, conditions: &Sql) -> Sql {
    let (key, name, join) = match by {
        WorkBy::Owner => (owner, "COALESCE(g.display_name, g.username)", "users"),
        WorkBy::Division => (division, "g.name", "divisions"),
    };
    let mut sql = Sql::new("SELECT ");
    sql.push(key).push(" AS k, MAX(").push(name).push(") AS name, COUNT(*) AS n").append(extra);
    sql.push(" FROM ").push(from).push(" LEFT JOIN ").push(join).push(" g ON g.id = ").push(key);
    sql.push(" WHERE ").append(conditions).push(" GROUP BY ").push(key);
    sql
}

async fn counts(
    db: &Db,
    sql: &Sql,
    fill: impl Fn(&mut WorkCounts, &AnyRow) -> Result<(), StoreError>,
) -> Result<Vec<WorkCounts>, StoreError> {
    let mut counts = Vec::new();
    for r in sql.query().fetch_all(&db.reader).await.map_err(store_error)? {
        let mut c = WorkCounts { id: r.opt_id("k")?, name: r.opt_text("name")?, ..Default::default() };
        fill(&mut c, &r)?;
        counts.push(c);
    }
    Ok(counts)
}

pub async fn tasks(db: &Db, scope: &Scope, by: WorkBy, now: DateTime<Utc>) -> Result<Vec<WorkCounts>, StoreError> {
    let mut overdue = Sql::new(", CAST(SUM(CASE WHEN t.due_at < ");
    overdue.bind(now).push(" THEN 1 ELSE 0 END) AS BIGINT) AS overdue");
    let mut open = Sql::new("t.status = ");
    open.bind(TaskStatus::Open.code()).append(&task_scope(scope));
    let sql = grouped(by, "t.owner_id", "t.division_id", &overdue, "tasks t", &open);
    counts(db, &sql, |c, r| {
        c.open_tasks = r.int("n")?;
        c.overdue_tasks = r.int("overdue")?;
        Ok(())
    })
    .await
}

pub async fn warnings(db: &Db, scope: &Scope, by: WorkBy) -> Result<Vec<WorkCounts>, StoreError> {
    let mut open = Sql::new("w.closed_at IS NULL AND w.status <> ");
    open.bind(ChurnStatus::Lost.code());
    push_customer_scope(&mut open, scope);
    let from = "churn_warnings w JOIN customers c ON c.id = w.customer_id";
    let sql = grouped(by, "c.owner_id", "c.division_id", &Sql::default(), from, &open);
    counts(db, &sql, |c, r| {
        c.open_warnings = r.int("n")?;
        Ok(())
    })
    .await
}

/// The tables whose rows the administrator's dashboard counts.
const COUNTED: [&str; 6] = ["users", "customers", "contacts", "orders", "opportunities", "service_requests"];

pub async fn health(db: &Db) -> Result<SystemHealth, StoreError> {
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    let size = Sql::new(database_size(db.backend)).query().fetch_one(&mut *conn).await.map_err(store_error)?;
    let mut counts = Vec::new();
    for table in COUNTED {
        let sql = Sql::new(&format!("SELECT COUNT(*) AS n FROM {table}"));
        let row = sql.query().fetch_one(&mut *conn).await.map_err(store_error)?;
        counts.push((table.to_string(), row.int("n")?));
    }
    Ok(SystemHealth { jobs: Vec::new(), database_bytes: size.int("n").ok(), counts })
}
