//! The board, the funnel and the forecast (SAL-4), and the stale check (SAL-5). They read the
//! pipeline's totals kept by every write; only a date range, which the totals know to the
//! month at best, makes them add up the opportunities themselves.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;
use uuid::Uuid;

use crm_core::access::{AuditStamp, Scope};
use crm_core::notifications::NotificationKind;
use crm_core::sales::opportunities::{
    BoardColumn, ForecastBy, ForecastRow, FunnelRow, Opportunity, PipelineFilter, StaleRun, add_amount, weighted_units,
};
use crm_core::store::StoreError;

use super::{record, stages};
use crate::Db;
use crate::audit::{self, Change};
use crate::listing::push_scope;
use crate::notifications;
use crate::sql::{RowExt, Sql, store_error};

const OPEN: &str = "o.status IN ('unassigned', 'assigned')";

/// ` AND …`: the board and reports cover what the scope owns — its divisions' opportunities
/// or, for an own-scope reader, their own pipeline — narrowed by the filter. `alias` is the
/// table with `division_id` and `owner_id` columns; `dates` whether it has the close date.
pub(crate) fn push_filter(sql: &mut Sql, scope: &Scope, filter: &PipelineFilter, alias: &str, dates: bool) {
    let col = |name: &str| format!("{alias}.{name}");
    push_scope(sql, scope, Some(&col("division_id")), Some(&col("owner_id")));
    if let Some(d) = filter.division_id {
        sql.push(" AND ").push(&col("division_id")).push(" = ").bind(d);
    }
    if let Some(u) = filter.owner_id {
        sql.push(" AND ").push(&col("owner_id")).push(" = ").bind(u);
    }
    if dates {
        if let Some(from) = filter.from {
            sql.push(" AND ").push(&col("expected_close_date")).push(" >= ").bind(from.to_string());
        }
        if let Some(to) = filter.to {
            sql.push(" AND ").push(&col("expected_close_date")).push(" <= ").bind(to.to_string());
        }
    }
}

/// (count, amount) per stage and currency.
async fn stage_sums(
    conn: &mut AnyConnection,
    scope: &Scope,
    filter: &PipelineFilter,
) -> Result<HashMap<Uuid, Vec<(String, i64, i64)>>, StoreError> {
    let mut sql = if filter.from.is_none() && filter.to.is_none() {
        let mut sql = Sql::new(
            "SELECT t.stage_id, t.currency, CAST(SUM(t.count) AS BIGINT) AS n, CAST(SUM(t.amount) AS BIGINT) AS a \
             FROM pipeline_totals t WHERE 1 = 1",
        );
        push_filter(&mut sql, scope, filter, "t", false);
        sql.push(" GROUP BY t.stage_id, t.currency");
        sql
    } else {
        let mut sql = Sql::new(
            "SELECT o.stage_id, o.currency, COUNT(*) AS n, CAST(SUM(o.amount) AS BIGINT) AS a \
             FROM opportunities o WHERE 1 = 1",
        );
        push_filter(&mut sql, scope, filter, "o", true);
        sql.push(" GROUP BY o.stage_id, o.currency");
        sql
    };
    sql.push(" ORDER BY 2");
    let mut sums: HashMap<Uuid, Vec<(String, i64, i64)>> = HashMap::new();
    for r in sql.query().fetch_all(&mut *conn).await.map_err(store_error)? {
        let n = r.int("n")?;
        if n != 0 {
            sums.entry(r.id("stage_id")?).or_default().push((r.text("currency")?, n, r.int("a")?));
        }
    }
    Ok(sums)
}

pub async fn board(
    db: &Db,
    scope: &Scope,
    filter: &PipelineFilter,
    cards: u32,
) -> Result<Vec<BoardColumn>, StoreError> {
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    let mut sums = stage_sums(&mut conn, scope, filter).await?;
    let stages = stages::list_in(&mut conn).await?;
    // Every column's newest cards in one statement: a branch per stage, each reading its
    // stage's index up to the limit.
    let mut sql = Sql::default();
    for (i, stage) in stages.iter().enumerate() {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push("SELECT * FROM (SELECT ").push(record::COLUMNS).push(" FROM ").push(record::FROM);
        sql.push(" WHERE o.stage_id = ").bind(stage.id);
        push_filter(&mut sql, scope, filter, "o", true);
        sql.push(" ORDER BY o.updated_at DESC, o.id DESC").push_limit(i64::from(cards));
        sql.push(&format!(") c{i}"));
    }
    let mut cards_of: HashMap<Uuid, Vec<Opportunity>> = HashMap::new();
    if !stages.is_empty() {
        for row in sql.query().fetch_all(&mut *conn).await.map_err(store_error)? {
            let card = record::from_row(&row)?;
            cards_of.entry(card.stage_id).or_default().push(card);
        }
    }
    let mut columns = Vec::with_capacity(stages.len());
    for stage in stages {
        // A union promises no order across its branches, nor keeps theirs.
        let mut cards = cards_of.remove(&stage.id).unwrap_or_default();
        cards.sort_by_key(|c| std::cmp::Reverse((c.updated_at, c.id)));
        let (mut count, mut amounts) = (0, Vec::new());
        for (currency, n, amount) in sums.remove(&stage.id).unwrap_or_default() {
            count += n;
            add_amount(&mut amounts, &currency, amount, None);
        }
        columns.push(BoardColumn { stage, count, amounts, cards });
    }
    Ok(columns)
}

pub async fn funnel(db: &Db, scope: &Scope, filter: &PipelineFilter) -> Result<Vec<FunnelRow>, StoreError> {
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    let mut sums = stage_sums(&mut conn, scope, filter).await?;
    let mut rows = Vec::new();
    for stage in stages::list_in(&mut conn).await? {
        let (mut count, mut amounts) = (0, Vec::new());
        for (currency, n, amount) in sums.remove(&stage.id).unwrap_or_default() {
            count += n;
            add_amount(&mut amounts, &currency, amount, None);
        }
        rows.push(FunnelRow {
            stage_id: stage.id,
            stage: stage.name,
            position: stage.position,
            probability: stage.probability,
            outcome: stage.outcome,
            count,
            amounts,
        });
    }
    Ok(rows)
}

pub async fn forecast(
    db: &Db,
    scope: &Scope,
    filter: &PipelineFilter,
    by: ForecastBy,
) -> Result<Vec<ForecastRow>, StoreError> {
    // Without a date range the totals hold every figure: open stages, by month or owner.
    let sql = if filter.from.is_none() && filter.to.is_none() {
        let key = match by {
            ForecastBy::Month => "t.close_month",
            ForecastBy::Owner => "t.owner_id",
        };
        let mut sql = Sql::new("SELECT ");
        sql.push(key).push(
            " AS k, MAX(COALESCE(ow.display_name, ow.username)) AS owner_name, t.currency, \
             CAST(SUM(t.count) AS BIGINT) AS n, CAST(SUM(t.amount) AS BIGINT) AS a, \
             CAST(SUM(t.weighted) AS BIGINT) AS w FROM pipeline_totals t \
             JOIN pipeline_stages st ON st.id = t.stage_id LEFT JOIN users ow ON ow.id = t.owner_id \
             WHERE st.outcome IS NULL",
        );
        push_filter(&mut sql, scope, filter, "t", false);
        sql.push(" GROUP BY ").push(key).push(", t.currency");
        sql
    } else {
        let key = match by {
            ForecastBy::Month => "SUBSTR(o.expected_close_date, 1, 7)",
            ForecastBy::Owner => "o.owner_id",
        };
        let mut sql = Sql::new("SELECT ");
        sql.push(key).push(
            " AS k, MAX(COALESCE(ow.display_name, ow.username)) AS owner_name, o.currency, COUNT(*) AS n, \
             CAST(SUM(o.amount) AS BIGINT) AS a, CAST(SUM(o.amount * o.probability) AS BIGINT) AS w \
             FROM opportunities o LEFT JOIN users ow ON ow.id = o.owner_id WHERE ",
        );
        sql.push(OPEN);
        push_filter(&mut sql, scope, filter, "o", true);
        sql.push(" GROUP BY ").push(key).push(", o.currency");
        sql
    };
    let mut rows: Vec<ForecastRow> = Vec::new();
    for r in sql.query().fetch_all(&db.reader).await.map_err(store_error)? {
        let n = r.int("n")?;
        if n == 0 {
            continue;
        }
        // The totals say '' where the opportunities have no month or owner.
        let k = r.opt_text("k")?.filter(|k| !k.is_empty());
        let (month, owner_id, owner) = match by {
            ForecastBy::Month => (k, None, None),
            ForecastBy::Owner => (None, k.as_deref().map(crate::sql::parse_id).transpose()?, r.opt_text("owner_name")?),
        };
        let row = match rows.iter_mut().position(|x| x.month == month && x.owner_id == owner_id) {
            Some(i) => &mut rows[i],
            None => {
                rows.push(ForecastRow { month, owner_id, owner, count: 0, amounts: Vec::new() });
                let last = rows.len() - 1;
                &mut rows[last]
            }
        };
        row.count += n;
        add_amount(&mut row.amounts, &r.text("currency")?, r.int("a")?, Some(weighted_units(r.int("w")?)));
    }
    // Months in order with the undated last; owners by name. Sorted here: the databases put NULLs apart.
    match by {
        ForecastBy::Month => rows.sort_by(|a, b| (a.month.is_none(), &a.month).cmp(&(b.month.is_none(), &b.month))),
        ForecastBy::Owner => rows.sort_by(|a, b| (a.owner.is_none(), &a.owner).cmp(&(b.owner.is_none(), &b.owner))),
    }
    Ok(rows)
}

/// What the audit log shows of a stale flag set or cleared.
#[derive(serde::Serialize)]
struct StaleFlag {
    stale_since: Option<DateTime<Utc>>,
}

/// ` AND …`: the opportunity `o` had an interaction with its customer since the cutoff.
fn push_recent_interaction(sql: &mut Sql, cutoff: DateTime<Utc>) {
    sql.push(" EXISTS (SELECT 1 FROM interactions i WHERE i.customer_id = o.customer_id AND i.occurred_at >= ");
    sql.bind(cutoff).push(")");
}

async fn ids(conn: &mut AnyConnection, sql: &Sql) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
    let rows = sql.query().fetch_all(&mut *conn).await.map_err(store_error)?;
    rows.iter().map(|r| Ok((r.id("id")?, r.id("division_id")?))).collect()
}

/// Sets (or clears) the flag of each listed opportunity still in the expected state, each
/// with its audit row; returns how many changed.
async fn set_flags(
    conn: &mut AnyConnection,
    rows: &[(Uuid, Uuid)],
    flag: Option<DateTime<Utc>>,
    stamp: &AuditStamp,
) -> Result<u64, StoreError> {
    let mut changed = 0;
    for (id, division_id) in rows {
        let mut sql = Sql::new("UPDATE opportunities SET stale_since = ");
        sql.bind(flag).push(" WHERE id = ").bind(*id).push(" AND stale_since IS ");
        sql.push(if flag.is_some() { "NULL" } else { "NOT NULL" });
        if sql.query().execute(&mut *conn).await.map_err(store_error)?.rows_affected() == 0 {
            continue;
        }
        changed += 1;
        let new = StaleFlag { stale_since: flag };
        let action = if flag.is_some() { "stale" } else { "active" };
        let change = Change {
            entity: "opportunities",
            entity_id: *id,
            action,
            division_id: Some(*division_id),
            old: None,
            new: Some(&new),
        };
        audit::record(conn, stamp, change).await?;
    }
    Ok(changed)
}

pub async fn flag_stale(db: &Db, cutoff: DateTime<Utc>, stamp: &AuditStamp) -> Result<StaleRun, StoreError> {
    let mut tx = db.begin_write().await?;
    let mut sql = Sql::new("SELECT o.id, o.division_id FROM opportunities o WHERE ");
    sql.push(OPEN).push(" AND o.stale_since IS NULL AND o.last_activity_at < ").bind(cutoff).push(" AND NOT");
    push_recent_interaction(&mut sql, cutoff);
    let to_flag = ids(&mut tx, &sql).await?;
    let mut sql = Sql::new("SELECT o.id, o.division_id FROM opportunities o WHERE ");
    sql.push(OPEN).push(" AND o.stale_since IS NOT NULL AND (o.last_activity_at >= ").bind(cutoff).push(" OR");
    push_recent_interaction(&mut sql, cutoff);
    sql.push(")");
    let to_clear = ids(&mut tx, &sql).await?;
    let flagged = set_flags(&mut tx, &to_flag, Some(stamp.at), stamp).await?;
    let cleared = set_flags(&mut tx, &to_clear, None, stamp).await?;
    // The one working on each newly stale opportunity hears of it.
    let mut found = Sql::new(
        "SELECT o.id, COALESCE(o.assignee_id, o.owner_id) AS user_id, o.number || ' ' || o.summary AS subject, \
         o.stale_since AS tag FROM opportunities o WHERE o.stale_since = ",
    );
    found.bind(stamp.at);
    let kind = NotificationKind::OpportunityStale;
    notifications::notify_found(&mut tx, kind, "opportunities", "stale", &found, stamp.at).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(StaleRun { flagged, cleared })
}
