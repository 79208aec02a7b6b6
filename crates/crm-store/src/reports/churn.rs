//! Churn analysis (RPT-4): churn warnings confirmed lost, of the scope's customers, and what
//! the monthly rates are computed from.

use chrono::NaiveDate;

use crm_core::access::Scope;
use crm_core::churn::ChurnStatus;
use crm_core::reports::{ChurnHistory, ChurnRow, Loss, Period, ReasonTotal, ReportFilter};
use crm_core::store::StoreError;

use super::{push_customers, push_customers_of, push_period};
use crate::Db;
use crate::churn::date;
use crate::sql::{RowExt, Sql, store_error};

/// `… WHERE …`: the lost warnings `w` of the customers `c` of the scope and filter.
fn losses(select: &str, scope: &Scope, filter: &ReportFilter) -> Sql {
    let mut sql = Sql::new(select);
    sql.push(
        " FROM churn_warnings w JOIN customers c ON c.id = w.customer_id \
         LEFT JOIN dictionary_entries rs ON rs.id = w.reason_id WHERE w.confirmed_at IS NOT NULL AND w.status = ",
    );
    sql.bind(ChurnStatus::Lost.code());
    push_customers(&mut sql, scope, filter);
    sql
}

/// The `limit` latest losses confirmed in the period and the count per reason of them all.
pub async fn lost(
    db: &Db,
    scope: &Scope,
    filter: &ReportFilter,
    period: Period,
    limit: i64,
) -> Result<(Vec<ChurnRow>, Vec<ReasonTotal>), StoreError> {
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    let mut sql = losses(
        "SELECT w.id, w.customer_id, c.name AS customer_name, c.owner_id, \
         (SELECT COALESCE(u.display_name, u.username) FROM users u WHERE u.id = c.owner_id) AS owner_name, \
         w.last_order_date, w.reason_id, rs.label AS reason_label, w.confirmed_at, w.closed_at",
        scope,
        filter,
    );
    push_period(&mut sql, "w.confirmed_at", period);
    sql.push(" ORDER BY w.confirmed_at DESC, w.id DESC LIMIT ").bind(limit);
    let mut rows = Vec::new();
    for r in sql.query().fetch_all(&mut *conn).await.map_err(store_error)? {
        rows.push(ChurnRow {
            warning_id: r.id("id")?,
            customer_id: r.id("customer_id")?,
            customer_name: r.text("customer_name")?,
            owner_id: r.opt_id("owner_id")?,
            owner: r.opt_text("owner_name")?,
            last_order_date: date(&r, "last_order_date")?,
            reason_id: r.opt_id("reason_id")?,
            reason: r.opt_text("reason_label")?,
            confirmed_at: r.time("confirmed_at")?,
            reactivated_at: r.opt_time("closed_at")?,
        });
    }
    let mut sql = losses("SELECT w.reason_id, MAX(rs.label) AS label, COUNT(*) AS n", scope, filter);
    push_period(&mut sql, "w.confirmed_at", period);
    sql.push(" GROUP BY w.reason_id");
    let mut reasons = Vec::new();
    for r in sql.query().fetch_all(&mut *conn).await.map_err(store_error)? {
        reasons.push(ReasonTotal {
            reason_id: r.opt_id("reason_id")?,
            reason: r.opt_text("label")?,
            count: r.int("n")?,
            share: None,
        });
    }
    Ok((rows, reasons))
}

/// The customers' first orders by month, and the losses confirmed before `span` ends and
/// not undone before it starts.
pub async fn history(db: &Db, scope: &Scope, filter: &ReportFilter, span: Period) -> Result<ChurnHistory, StoreError> {
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    // The first orders come from the kept totals per customer and currency, not from every order.
    let mut sql = Sql::new(
        "SELECT substr(f.first_order, 1, 7) AS ym, COUNT(*) AS n FROM (SELECT MIN(t.first_order_date) AS first_order \
         FROM customer_order_totals t",
    );
    push_customers_of(&mut sql, "t", scope, filter);
    sql.push(" GROUP BY t.customer_id) f GROUP BY substr(f.first_order, 1, 7)");
    let mut history = ChurnHistory::default();
    for r in sql.query().fetch_all(&mut *conn).await.map_err(store_error)? {
        let ym = r.text("ym")?;
        let month = NaiveDate::parse_from_str(&format!("{ym}-01"), "%Y-%m-%d")
            .map_err(|_| StoreError::Other(format!("bad order month {ym:?}").into()))?;
        history.first_orders.push((month, r.int("n")?));
    }
    let mut sql = losses(
        "SELECT w.customer_id, w.confirmed_at, w.closed_at, (SELECT MIN(t.first_order_date) \
         FROM customer_order_totals t WHERE t.customer_id = w.customer_id) AS first_order",
        scope,
        filter,
    );
    if let Some(to) = span.to {
        sql.push(" AND w.confirmed_at < ").bind(to);
    }
    if let Some(from) = span.from {
        sql.push(" AND (w.closed_at IS NULL OR w.closed_at >= ").bind(from).push(")");
    }
    for r in sql.query().fetch_all(&mut *conn).await.map_err(store_error)? {
        let first_order = match r.opt_text("first_order")? {
            Some(_) => Some(date(&r, "first_order")?),
            None => None,
        };
        history.losses.push(Loss {
            customer_id: r.id("customer_id")?,
            confirmed_at: r.time("confirmed_at")?,
            closed_at: r.opt_time("closed_at")?,
            first_order,
        });
    }
    Ok(history)
}
