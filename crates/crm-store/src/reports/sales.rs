//! Sales performance by owner and receivables ageing (RPT-5).

use chrono::{Days, NaiveDate};

use crm_core::access::Scope;
use crm_core::reports::{AgeingBucket, AgeingCell, PerformanceCell, Period, ReportFilter};
use crm_core::sales::opportunities::OpportunityStatus;
use crm_core::store::StoreError;

use super::{push_customers, push_period};
use crate::Db;
use crate::sales::{ITEM_RECEIVED, push_pipeline_filter};
use crate::sql::{RowExt, Sql, store_error};

/// Open opportunities as they stand, and those won or lost in the period, per owner, status
/// and currency. The filter's period is of the closing time here, not of the expected close.
/// The open ones are the board's kept totals (counted as `assigned`, with or without an
/// owner: the report does not tell them apart), so only the closed ones are read one by one.
pub async fn performance(
    db: &Db,
    scope: &Scope,
    filter: &ReportFilter,
    period: Period,
) -> Result<Vec<PerformanceCell>, StoreError> {
    let mut sql = Sql::new(
        "SELECT k.owner_id, MAX(COALESCE(u.display_name, u.username)) AS owner_name, k.status, k.currency, \
         CAST(SUM(k.n) AS BIGINT) AS n, CAST(SUM(k.a) AS BIGINT) AS a, CAST(SUM(k.w) AS BIGINT) AS w FROM (\
         SELECT NULLIF(t.owner_id, '') AS owner_id, 'assigned' AS status, t.currency, t.count AS n, t.amount AS a, \
         t.weighted AS w FROM pipeline_totals t JOIN pipeline_stages st ON st.id = t.stage_id \
         WHERE st.outcome IS NULL AND t.count <> 0",
    );
    push_pipeline_filter(&mut sql, scope, filter, "t", false);
    sql.push(
        " UNION ALL SELECT o.owner_id, o.status, o.currency, 1, o.amount, o.amount * o.probability \
         FROM opportunities o WHERE o.status IN ('won', 'lost')",
    );
    push_period(&mut sql, "o.closed_at", period);
    push_pipeline_filter(&mut sql, scope, filter, "o", false);
    sql.push(
        ") k LEFT JOIN users u ON u.id = k.owner_id GROUP BY k.owner_id, k.status, k.currency ORDER BY k.currency",
    );
    let mut cells = Vec::new();
    for r in sql.query().fetch_all(&db.reader).await.map_err(store_error)? {
        let status = r.text("status")?;
        cells.push(PerformanceCell {
            owner_id: r.opt_id("owner_id")?,
            owner: r.opt_text("owner_name")?,
            status: OpportunityStatus::parse("status", &status)
                .map_err(|_| StoreError::Other(format!("bad opportunity status {status:?}").into()))?,
            currency: r.text("currency")?,
            count: r.int("n")?,
            amount: r.int("a")?,
            weighted_percent: r.int("w")?,
        });
    }
    Ok(cells)
}

/// What is open of each plan item, bucketed by its due date against `today`, summed per
/// customer, currency and bucket.
pub async fn ageing(
    db: &Db,
    scope: &Scope,
    filter: &ReportFilter,
    today: NaiveDate,
) -> Result<Vec<AgeingCell>, StoreError> {
    let mut case = Sql::new("CASE");
    for bucket in AgeingBucket::ALL {
        match bucket.upper_days().and_then(|d| today.checked_sub_days(Days::new(d.unsigned_abs()))) {
            Some(day) => {
                case.push(" WHEN p.due_on >= ").bind(day.to_string()).push(" THEN '").push(bucket.code()).push("'")
            }
            None => case.push(" ELSE '").push(bucket.code()).push("' END"),
        };
    }
    let mut sql = Sql::new("SELECT x.customer_id, MAX(x.customer_name) AS customer_name, x.currency, x.bucket, ");
    sql.push(
        "CAST(SUM(x.open) AS BIGINT) AS open FROM (SELECT c.id AS customer_id, c.name AS customer_name, k.currency, ",
    );
    sql.append(&case);
    sql.push(" AS bucket, p.amount - ").push(ITEM_RECEIVED).push(" AS open FROM payment_plan_items p ");
    sql.push("JOIN contracts k ON k.id = p.contract_id JOIN customers c ON c.id = k.customer_id ");
    sql.push("WHERE k.status IN ('active', 'expired')");
    push_customers(&mut sql, scope, filter);
    sql.push(") x WHERE x.open > 0 GROUP BY x.customer_id, x.currency, x.bucket");
    let mut cells = Vec::new();
    for r in sql.query().fetch_all(&db.reader).await.map_err(store_error)? {
        let bucket = r.text("bucket")?;
        cells.push(AgeingCell {
            customer_id: r.id("customer_id")?,
            customer_name: r.text("customer_name")?,
            currency: r.text("currency")?,
            bucket: AgeingBucket::parse("bucket", &bucket)
                .map_err(|_| StoreError::Other(format!("bad bucket {bucket:?}").into()))?,
            open: r.int("open")?,
        });
    }
    Ok(cells)
}
