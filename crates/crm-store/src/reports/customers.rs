//! Contribution with ABC classes, composition and RFM scores (RPT-1, 2, 6).

use chrono::NaiveDate;
use uuid::Uuid;

use crm_core::access::Scope;
use crm_core::reports::{
    AbcClass, ClassSum, CompositionBy, CompositionCell, Contribution, ContributionCurrency, Period, RankedTotal,
    ReportFilter, RfmCell, RfmCustomer, RfmSegment,
};
use crm_core::store::StoreError;

use super::{push_customers, push_orders, push_period};
use crate::Db;
use crate::sql::{RowExt, Sql, store_error};

/// `CASE … END`: the ABC class of a ranked row, by the bounds of `AbcClass`.
fn class_case() -> String {
    let mut case = String::from("CASE");
    for class in AbcClass::ALL {
        match class.bound() {
            Some((n, d)) => {
                case.push_str(&format!(" WHEN (running - total) * {d} < grand * {n} THEN '{}'", class.code()))
            }
            None => case.push_str(&format!(" ELSE '{}' END", class.code())),
        }
    }
    case
}

fn parse_class(code: &str) -> Result<AbcClass, StoreError> {
    AbcClass::ALL
        .into_iter()
        .find(|c| c.code() == code)
        .ok_or_else(|| StoreError::Other(format!("bad class {code:?}").into()))
}

/// Whether the filter's days hold every order there is, so that the kept totals per customer
/// answer instead of the orders themselves. The earliest and latest dates come from an index.
async fn covers_all_time(db: &Db, filter: &ReportFilter) -> Result<bool, StoreError> {
    if filter.from.is_none() && filter.to.is_none() {
        return Ok(true);
    }
    let sql = Sql::new(
        "SELECT (SELECT MIN(order_date) FROM orders) AS first_date, (SELECT MAX(order_date) FROM orders) AS last_date",
    );
    let row = sql.query().fetch_one(&db.reader).await.map_err(store_error)?;
    let (first, last) = (row.opt_text("first_date")?, row.opt_text("last_date")?);
    let from_ok = match (filter.from, first) {
        (Some(from), Some(first)) => from.to_string() <= first,
        _ => true,
    };
    let to_ok = match (filter.to, last) {
        (Some(to), Some(last)) => to.to_string() >= last,
        _ => true,
    };
    Ok(from_ok && to_ok)
}

/// `WITH per AS (…)`: each customer of the scope with its orders' total, count and latest
/// date per currency (or in `currency` only) in the filter's period. Over all of time they are
/// the kept `customer_order_totals`, read without the customers when the scope is everything,
/// so that ranking them walks an index.
async fn per_customer(
    db: &Db,
    scope: &Scope,
    filter: &ReportFilter,
    currency: Option<&str>,
) -> Result<Sql, StoreError> {
    let mut customers = Sql::default();
    push_customers(&mut customers, scope, filter);
    let mut sql = Sql::new("WITH per AS (SELECT ");
    if covers_all_time(db, filter).await? {
        sql.push(
            "t.customer_id, t.currency, t.total, t.orders, t.last_order_date AS last_date FROM customer_order_totals t",
        );
        if !customers.is_empty() {
            sql.push(" JOIN customers c ON c.id = t.customer_id");
        }
        sql.push(" WHERE 1 = 1");
        if let Some(currency) = currency {
            sql.push(" AND t.currency = ").bind(currency);
        }
        sql.append(&customers).push(")");
        return Ok(sql);
    }
    sql.push(
        "o.customer_id, o.currency, CAST(SUM(o.total) AS BIGINT) AS total, COUNT(*) AS orders, \
         MAX(o.order_date) AS last_date FROM orders o JOIN customers c ON c.id = o.customer_id WHERE 1 = 1",
    );
    if let Some(currency) = currency {
        sql.push(" AND o.currency = ").bind(currency);
    }
    push_orders(&mut sql, filter);
    sql.append(&customers).push(" GROUP BY o.customer_id, o.currency)");
    Ok(sql)
}

/// Totals per customer and currency ranked within their currency, with running and grand
/// totals; then the top `limit` of each currency and the sums per currency and class in one
/// statement, so the orders are read once.
pub async fn contribution(
    db: &Db,
    scope: &Scope,
    filter: &ReportFilter,
    limit: i64,
) -> Result<Contribution, StoreError> {
    let mut sql = per_customer(db, scope, filter, None).await?;
    sql.push(
        ", ranked AS (SELECT customer_id, currency, total, orders, \
         ROW_NUMBER() OVER (PARTITION BY currency ORDER BY total DESC, customer_id) AS place, \
         CAST(SUM(total) OVER (PARTITION BY currency ORDER BY total DESC, customer_id ROWS UNBOUNDED PRECEDING) AS BIGINT) AS running, \
         CAST(SUM(total) OVER (PARTITION BY currency) AS BIGINT) AS grand FROM per) \
         SELECT 'row' AS kind, r.place, r.customer_id, cu.name AS customer_name, r.currency, r.total, r.orders, r.running, \
         '' AS abc FROM ranked r JOIN customers cu ON cu.id = r.customer_id WHERE r.place <= ",
    );
    sql.bind(limit);
    sql.push(" UNION ALL SELECT 'class' AS kind, COUNT(*) AS place, NULL AS customer_id, NULL AS customer_name, x.currency, ");
    sql.push(
        "CAST(SUM(x.total) AS BIGINT) AS total, CAST(SUM(x.orders) AS BIGINT) AS orders, 0 AS running, x.abc FROM ",
    );
    sql.push("(SELECT currency, total, orders, ")
        .push(&class_case())
        .push(" AS abc FROM ranked) x GROUP BY x.currency, x.abc");
    let mut data = Contribution::default();
    for r in sql.query().fetch_all(&db.reader).await.map_err(store_error)? {
        let currency = r.text("currency")?;
        let (count, total, orders) = (r.int("place")?, r.int("total")?, r.int("orders")?);
        if r.text("kind")? == "row" {
            data.rows.push(RankedTotal {
                rank: count,
                customer_id: r.id("customer_id")?,
                customer_name: r.text("customer_name")?,
                currency,
                total,
                orders,
                running: r.int("running")?,
            });
            continue;
        }
        let sum = ClassSum { abc_class: parse_class(&r.text("abc")?)?, customers: count, total };
        match data.currencies.iter_mut().find(|c| c.currency == currency) {
            Some(c) => {
                c.customers += count;
                c.orders += orders;
                c.total += total;
                c.classes.push(sum);
            }
            None => data.currencies.push(ContributionCurrency {
                currency,
                customers: count,
                orders,
                total,
                classes: vec![sum],
            }),
        }
    }
    data.currencies.sort_by(|a, b| a.currency.cmp(&b.currency));
    for c in &mut data.currencies {
        c.classes.sort_by_key(|s| s.abc_class);
    }
    data.rows.sort_by(|a, b| (&a.currency, a.rank).cmp(&(&b.currency, b.rank)));
    Ok(data)
}

/// Counts customers by one column first (an index's worth of work), then labels the few
/// groups from the dictionary.
pub async fn counts(
    db: &Db,
    scope: &Scope,
    filter: &ReportFilter,
    period: Period,
    by: CompositionBy,
    province: Option<Uuid>,
) -> Result<Vec<CompositionCell>, StoreError> {
    let column = match by {
        CompositionBy::Level => "c.level_id",
        CompositionBy::Region => "c.region_id",
        CompositionBy::Industry => "c.industry_id",
        CompositionBy::Credit => "CAST(c.credit AS TEXT)",
        CompositionBy::Satisfaction => "CAST(c.satisfaction AS TEXT)",
    };
    let mut sql = Sql::new("SELECT g.k, d.label, d.parent_id, p.label AS parent_label, g.n FROM (SELECT ");
    sql.push(column).push(" AS k, COUNT(*) AS n FROM customers c WHERE 1 = 1");
    push_customers(&mut sql, scope, filter);
    push_period(&mut sql, "c.created_at", period);
    if let Some(p) = province {
        sql.push(" AND c.region_id IN (SELECT e.id FROM dictionary_entries e WHERE e.id = ").bind(p);
        sql.push(" OR e.parent_id = ").bind(p).push(")");
    }
    sql.push(" GROUP BY ")
        .push(column)
        .push(") g LEFT JOIN dictionary_entries d ON d.id = g.k LEFT JOIN dictionary_entries p ON p.id = d.parent_id");
    let rated = matches!(by, CompositionBy::Credit | CompositionBy::Satisfaction);
    let mut cells = Vec::new();
    for r in sql.query().fetch_all(&db.reader).await.map_err(store_error)? {
        let key = r.opt_text("k")?;
        cells.push(CompositionCell {
            label: if rated { key.clone() } else { r.opt_text("label")? },
            key,
            parent_id: r.opt_text("parent_id")?,
            parent_label: r.opt_text("parent_label")?,
            count: r.int("n")?,
        });
    }
    Ok(cells)
}

/// `WITH per AS …, scored AS …`: each customer with orders in `currency` in the period, with
/// the date of its last order, its orders and their total, scored in quintiles.
async fn scored(db: &Db, scope: &Scope, filter: &ReportFilter, currency: &str) -> Result<Sql, StoreError> {
    let mut sql = per_customer(db, scope, filter, Some(currency)).await?;
    sql.push(
        ", scored AS (SELECT customer_id, last_date, orders AS frequency, total AS monetary, \
         CAST(NTILE(5) OVER (ORDER BY last_date, customer_id) AS BIGINT) AS r, \
         CAST(NTILE(5) OVER (ORDER BY orders, customer_id) AS BIGINT) AS f, \
         CAST(NTILE(5) OVER (ORDER BY total, customer_id) AS BIGINT) AS m FROM per) ",
    );
    Ok(sql)
}

pub async fn rfm_cells(
    db: &Db,
    scope: &Scope,
    filter: &ReportFilter,
    currency: &str,
) -> Result<Vec<RfmCell>, StoreError> {
    let mut sql = scored(db, scope, filter, currency).await?;
    sql.push("SELECT r, f, m, COUNT(*) AS n, CAST(SUM(monetary) AS BIGINT) AS total FROM scored GROUP BY r, f, m ORDER BY r, f, m");
    let rows = sql.query().fetch_all(&db.reader).await.map_err(store_error)?;
    rows.iter()
        .map(|r| {
            Ok(RfmCell {
                r: r.int("r")?,
                f: r.int("f")?,
                m: r.int("m")?,
                customers: r.int("n")?,
                monetary: r.int("total")?,
            })
        })
        .collect()
}

pub async fn rfm_customers(
    db: &Db,
    scope: &Scope,
    filter: &ReportFilter,
    currency: &str,
    cells: &[(RfmCell, RfmSegment)],
    as_of: NaiveDate,
    limit: i64,
) -> Result<Vec<RfmCustomer>, StoreError> {
    let mut sql = scored(db, scope, filter, currency).await?;
    sql.push("SELECT s.*, cu.name FROM scored s JOIN customers cu ON cu.id = s.customer_id WHERE (1 = 0");
    for (cell, _) in cells {
        sql.push(" OR (s.r = ")
            .bind(cell.r)
            .push(" AND s.f = ")
            .bind(cell.f)
            .push(" AND s.m = ")
            .bind(cell.m)
            .push(")");
    }
    sql.push(") ORDER BY s.monetary DESC, s.customer_id LIMIT ").bind(limit);
    let mut customers = Vec::new();
    for r in sql.query().fetch_all(&db.reader).await.map_err(store_error)? {
        let (rs, fs, ms) = (r.int("r")?, r.int("f")?, r.int("m")?);
        let segment = cells
            .iter()
            .find(|(c, _)| (c.r, c.f, c.m) == (rs, fs, ms))
            .map(|(_, s)| *s)
            .ok_or_else(|| StoreError::Other("customer outside the asked cells".into()))?;
        let last = r.text("last_date")?;
        let last_order_date = NaiveDate::parse_from_str(&last, "%Y-%m-%d")
            .map_err(|_| StoreError::Other(format!("bad order date {last:?}").into()))?;
        customers.push(RfmCustomer {
            customer_id: r.id("customer_id")?,
            customer_name: r.text("name")?,
            last_order_date,
            recency_days: (as_of - last_order_date).num_days(),
            frequency: r.int("frequency")?,
            monetary: r.int("monetary")?,
            r: rs,
            f: fs,
            m: ms,
            segment,
        });
    }
    Ok(customers)
}
