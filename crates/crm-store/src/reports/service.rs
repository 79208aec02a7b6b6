//! Service analysis (RPT-3): requests of the scope's customers created in the period, with
//! the sums their averages are made of.

use crm_core::access::Scope;
use crm_core::reports::{Period, ReportFilter, ServiceBy, ServiceSums};
use crm_core::service::ServiceStatus;
use crm_core::store::StoreError;

use super::{push_customers_of, push_period};
use crate::Db;
use crate::dialect::seconds_between;
use crate::sql::{RowExt, Sql, store_error};

pub async fn sums(
    db: &Db,
    scope: &Scope,
    filter: &ReportFilter,
    period: Period,
    by: ServiceBy,
) -> Result<Vec<ServiceSums>, StoreError> {
    let key = match by {
        ServiceBy::Type => "r.type_id",
        // An expression, not the column: grouping by the column walked its index and read
        // every request's row out of order.
        ServiceBy::Status => "CAST(r.status AS TEXT)",
    };
    let response = seconds_between(db.backend, "r.created_at", "r.assigned_at");
    let handling = seconds_between(db.backend, "r.created_at", "r.handled_at");
    let mut sql = Sql::new("SELECT ");
    sql.push(key).push(" AS k, MAX(t.label) AS label, COUNT(*) AS n, ");
    sql.push("CAST(SUM(CASE WHEN r.status <> 'archived' THEN 1 ELSE 0 END) AS BIGINT) AS open, ");
    sql.push("CAST(SUM(CASE WHEN r.assigned_at IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS responded, ");
    sql.push("CAST(SUM(CASE WHEN r.assigned_at IS NULL THEN 0 ELSE ").push(&response).push(" END) AS BIGINT) AS rs, ");
    sql.push("CAST(SUM(CASE WHEN r.handled_at IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS handled, ");
    sql.push("CAST(SUM(CASE WHEN r.handled_at IS NULL THEN 0 ELSE ").push(&handling).push(" END) AS BIGINT) AS hs, ");
    sql.push("CAST(SUM(CASE WHEN r.satisfaction IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS rated, ");
    sql.push("CAST(COALESCE(SUM(r.satisfaction), 0) AS BIGINT) AS sat FROM service_requests r ");
    sql.push("LEFT JOIN dictionary_entries t ON t.id = r.type_id");
    push_customers_of(&mut sql, "r", scope, filter);
    push_period(&mut sql, "r.created_at", period);
    sql.push(" GROUP BY ").push(key);
    let mut rows = Vec::new();
    for r in sql.query().fetch_all(&db.reader).await.map_err(store_error)? {
        let k = r.text("k")?;
        let (type_id, type_label, status) = match by {
            ServiceBy::Type => (Some(crate::sql::parse_id(&k)?), r.opt_text("label")?, None),
            ServiceBy::Status => {
                let status = ServiceStatus::parse("status", &k)
                    .map_err(|_| StoreError::Other(format!("bad service request status {k:?}").into()))?;
                (None, None, Some(status))
            }
        };
        rows.push(ServiceSums {
            type_id,
            type_label,
            status,
            count: r.int("n")?,
            open: r.int("open")?,
            responded: r.int("responded")?,
            response_seconds: r.int("rs")?,
            handled: r.int("handled")?,
            handling_seconds: r.int("hs")?,
            rated: r.int("rated")?,
            satisfaction_sum: r.int("sat")?,
        });
    }
    // Types by how many requests they had; statuses in the order of the workflow.
    match by {
        ServiceBy::Type => rows.sort_by(|a, b| (b.count, &a.type_label).cmp(&(a.count, &b.type_label))),
        ServiceBy::Status => {
            rows.sort_by_key(|r| r.status.and_then(|s| ServiceStatus::ALL.iter().position(|x| *x == s)))
        }
    }
    Ok(rows)
}
