//! Contribution with ABC classes, composition and RFM scores (RPT-1, 2, 6).

use chrono::NaiveDate;
use uuid::Uuid;

use crm_core::access::Scope;
use crm_core::reports::{
    AbcClass, ClassSum, CompositionBy, CompositionCell, Contribution, ContributionCurrency, Period, RankedTotal,
    ReportFilter, RfmCell, RfmCustomer, RfmCuts, RfmSegment, abc_class, cuts_in_histogram, quintile_places,
};
use crm_core::store::StoreError;

use super::{push_customers, push_orders, push_period};
use crate::Db;
use crate::sql::{RowExt, Sql, store_error};

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
fn per_customer(scope: &Scope, filter: &ReportFilter, currency: Option<&str>, all_time: bool) -> Sql {
    let mut customers = Sql::default();
    push_customers(&mut customers, scope, filter);
    let alias = if all_time { "t" } else { "o" };
    let mut sql = Sql::new("WITH per AS (SELECT ");
    if all_time {
        sql.push(
            "t.customer_id, t.currency, t.total, t.orders, t.last_order_date AS last_date \
             FROM customer_order_totals t",
        );
    } else {
        sql.push(
            "o.customer_id, o.currency, CAST(SUM(o.total) AS BIGINT) AS total, COUNT(*) AS orders, \
             MAX(o.order_date) AS last_date FROM orders o",
        );
    }
    if !customers.is_empty() {
        sql.push(&format!(" JOIN customers c ON c.id = {alias}.customer_id"));
    }
    sql.push(" WHERE 1 = 1");
    if let Some(currency) = currency {
        sql.push(&format!(" AND {alias}.currency = ")).bind(currency);
    }
    if !all_time {
        push_orders(&mut sql, filter);
    }
    sql.append(&customers);
    if !all_time {
        sql.push(" GROUP BY o.customer_id, o.currency");
    }
    sql.push(")");
    sql
}

/// Per currency: the orders of the scope's customers in the period and their total, added up
/// without grouping by customer; over all of time also how many customers had them (one kept
/// row each). Over a period that count is the ranking's, as counting distinct customers here
/// would sort them once more.
async fn currency_sums(
    db: &Db,
    scope: &Scope,
    filter: &ReportFilter,
    all_time: bool,
) -> Result<Vec<ContributionCurrency>, StoreError> {
    let mut customers = Sql::default();
    push_customers(&mut customers, scope, filter);
    let (alias, mut sql) = if all_time {
        let sql = Sql::new(
            "SELECT t.currency, COUNT(*) AS customers, CAST(SUM(t.orders) AS BIGINT) AS orders, \
             CAST(SUM(t.total) AS BIGINT) AS total FROM customer_order_totals t",
        );
        ("t", sql)
    } else {
        let sql = Sql::new(
            "SELECT o.currency, 0 AS customers, COUNT(*) AS orders, CAST(SUM(o.total) AS BIGINT) AS total \
             FROM orders o",
        );
        ("o", sql)
    };
    if !customers.is_empty() {
        sql.push(&format!(" JOIN customers c ON c.id = {alias}.customer_id"));
    }
    sql.push(" WHERE 1 = 1");
    if !all_time {
        push_orders(&mut sql, filter);
    }
    sql.append(&customers).push(&format!(" GROUP BY {alias}.currency ORDER BY {alias}.currency"));
    let mut currencies = Vec::new();
    for r in sql.query().fetch_all(&db.reader).await.map_err(store_error)? {
        currencies.push(ContributionCurrency {
            currency: r.text("currency")?,
            customers: r.int("customers")?,
            orders: r.int("orders")?,
            total: r.int("total")?,
            classes: Vec::new(),
        });
    }
    Ok(currencies)
}

/// The bounded classes with their bounds as `numerator / denominator`.
fn bounded_classes() -> Vec<(AbcClass, i64, i64)> {
    AbcClass::ALL.into_iter().filter_map(|c| c.bound().map(|(n, d)| (c, n, d))).collect()
}

/// The customers of one currency ranked by their total: the top `limit` and the rows where
/// the running total crosses a class's bound. Over all of time the walk goes down an index of
/// the kept totals and stops after the last crossing; over a period it also counts the
/// customers ranked.
fn ranking(scope: &Scope, filter: &ReportFilter, currency: &ContributionCurrency, all_time: bool, limit: i64) -> Sql {
    let mut sql = per_customer(scope, filter, Some(&currency.currency), all_time);
    sql.push(
        ", ranked AS (SELECT customer_id, total, orders, ROW_NUMBER() OVER w AS place, \
         CAST(SUM(total) OVER w AS BIGINT) AS running",
    );
    if !all_time {
        sql.push(", COUNT(*) OVER () AS customers");
    }
    // The names by a subquery, not a join, so that the ranking streams through the filter
    // rather than being stored first.
    sql.push(
        " FROM per WINDOW w AS (ORDER BY total DESC, customer_id ROWS UNBOUNDED PRECEDING)) \
         SELECT r.*, (SELECT cu.name FROM customers cu WHERE cu.id = r.customer_id) AS customer_name \
         FROM ranked r WHERE r.place <= ",
    );
    sql.bind(limit);
    let bounded = bounded_classes();
    for (_, n, d) in &bounded {
        sql.push(&format!(" OR ((r.running - r.total) * {d} < ")).bind(currency.total);
        sql.push(&format!(" * {n} AND r.running * {d} >= ")).bind(currency.total).push(&format!(" * {n})"));
    }
    if all_time {
        // Each bound is crossed once: past the top rows and the crossings nothing is needed.
        sql.push(" LIMIT ").bind(limit + bounded.len() as i64);
    }
    sql
}

/// Customers ranked by their total in each currency, the top `limit` of each, and the sums
/// of each ABC class. A class is a run of the ranking, so its sums are where the run ends:
/// the walk over the ranking returns, beside the top rows, only the rows where the running
/// total crosses a class's bound, instead of grouping every customer by class.
pub async fn contribution(
    db: &Db,
    scope: &Scope,
    filter: &ReportFilter,
    limit: i64,
) -> Result<Contribution, StoreError> {
    let all_time = covers_all_time(db, filter).await?;
    let mut data = Contribution { rows: Vec::new(), currencies: currency_sums(db, scope, filter, all_time).await? };
    let bounded = bounded_classes();
    for currency in &mut data.currencies {
        let grand = currency.total;
        let sql = ranking(scope, filter, currency, all_time, limit);
        // (customers, total) of the ranking up to the end of each bounded class.
        let mut ends = vec![(0, 0); bounded.len()];
        for r in sql.query().fetch_all(&db.reader).await.map_err(store_error)? {
            let (place, total, running) = (r.int("place")?, r.int("total")?, r.int("running")?);
            if !all_time {
                currency.customers = r.int("customers")?;
            }
            let (from, to) = (abc_class(running - total, grand), abc_class(running, grand));
            for ((class, _, _), end) in bounded.iter().zip(&mut ends) {
                if from <= *class && *class < to {
                    *end = (place, running);
                }
            }
            if place <= limit {
                data.rows.push(RankedTotal {
                    rank: place,
                    customer_id: r.id("customer_id")?,
                    customer_name: r.text("customer_name")?,
                    currency: currency.currency.clone(),
                    total,
                    orders: r.int("orders")?,
                    running,
                });
            }
        }
        let mut before = (0, 0);
        let last = (currency.customers, grand);
        for (class, end) in AbcClass::ALL.into_iter().zip(ends.into_iter().chain([last])) {
            if end.0 > before.0 {
                currency.classes.push(ClassSum {
                    abc_class: class,
                    customers: end.0 - before.0,
                    total: end.1 - before.1,
                });
            }
            before = end;
        }
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

fn parse_day(text: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| StoreError::Other(format!("bad order date {text:?}").into()))
}

/// The histograms of the last order's day and of the number of orders, and the monetary
/// values at the quintile places of the ranking by it. Over all of time each is its own
/// statement walking an index of the kept totals; over a period one statement, so that the
/// customers' figures are added up once.
pub async fn rfm_cuts(db: &Db, scope: &Scope, filter: &ReportFilter, currency: &str) -> Result<RfmCuts, StoreError> {
    const HISTOGRAMS: [&str; 3] = [
        "SELECT 'r' AS dimension, last_date AS day, CAST(0 AS BIGINT) AS v, COUNT(*) AS n FROM per GROUP BY last_date",
        "SELECT 'f' AS dimension, '' AS day, orders AS v, COUNT(*) AS n FROM per GROUP BY orders",
        "SELECT 'm' AS dimension, '' AS day, x.total AS v, x.place AS n FROM (SELECT total, ROW_NUMBER() OVER (ORDER BY total) AS place FROM per) x, \
         (SELECT COUNT(*) AS k FROM per) c WHERE (x.place - 1) * 5 / c.k < x.place * 5 / c.k AND (x.place - 1) * 5 / c.k < 4",
    ];
    let all_time = covers_all_time(db, filter).await?;
    let statements: Vec<String> =
        if all_time { HISTOGRAMS.map(String::from).to_vec() } else { vec![HISTOGRAMS.join(" UNION ALL ")] };
    let mut rows = Vec::new();
    for statement in statements {
        let mut sql = per_customer(scope, filter, Some(currency), all_time);
        sql.push(" ").push(&statement);
        rows.extend(sql.query().fetch_all(&db.reader).await.map_err(store_error)?);
    }
    let (mut days, mut counts, mut ranked) = (Vec::new(), Vec::new(), Vec::new());
    for r in rows {
        let (v, n) = (r.int("v")?, r.int("n")?);
        match r.text("dimension")?.as_str() {
            "r" => days.push((parse_day(&r.text("day")?)?, n)),
            "f" => counts.push((v, n)),
            _ => ranked.push((n, v)),
        }
    }
    days.sort();
    counts.sort();
    let customers = days.iter().map(|(_, n)| n).sum();
    let monetary = quintile_places(customers)
        .into_iter()
        .filter_map(|place| ranked.iter().find(|(p, _)| *p == place).map(|(_, v)| *v))
        .collect();
    Ok(RfmCuts {
        currency: currency.to_string(),
        recency: cuts_in_histogram(&days),
        frequency: cuts_in_histogram(&counts),
        monetary,
    })
}

/// `CASE … END`: the score of `column` against its cut values.
fn push_score<T: Clone + Into<crate::sql::Arg>>(sql: &mut Sql, column: &str, cuts: &[T]) {
    sql.push("CASE");
    for (i, cut) in cuts.iter().enumerate().rev() {
        sql.push(&format!(" WHEN {column} > ")).bind(cut.clone()).push(&format!(" THEN {}", i + 2));
    }
    sql.push(" ELSE 1 END");
}

/// `WITH per AS …, scored AS …`: each customer with orders in the cuts' currency in the
/// period, with the date of its last order, its orders and their total, and its scores.
async fn scored(db: &Db, scope: &Scope, filter: &ReportFilter, cuts: &RfmCuts) -> Result<Sql, StoreError> {
    let mut sql = per_customer(scope, filter, Some(&cuts.currency), covers_all_time(db, filter).await?);
    sql.push(", scored AS (SELECT customer_id, last_date, orders AS frequency, total AS monetary, ");
    let days: Vec<String> = cuts.recency.iter().map(NaiveDate::to_string).collect();
    push_score(&mut sql, "last_date", &days);
    sql.push(" AS r, ");
    push_score(&mut sql, "orders", &cuts.frequency);
    sql.push(" AS f, ");
    push_score(&mut sql, "total", &cuts.monetary);
    sql.push(" AS m FROM per) ");
    Ok(sql)
}

pub async fn rfm_cells(
    db: &Db,
    scope: &Scope,
    filter: &ReportFilter,
    cuts: &RfmCuts,
) -> Result<Vec<RfmCell>, StoreError> {
    let mut sql = scored(db, scope, filter, cuts).await?;
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
    cuts: &RfmCuts,
    cells: &[(RfmCell, RfmSegment)],
    as_of: NaiveDate,
    limit: i64,
) -> Result<Vec<RfmCustomer>, StoreError> {
    let mut sql = scored(db, scope, filter, cuts).await?;
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
        let last_order_date = parse_day(&r.text("last_date")?)?;
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
