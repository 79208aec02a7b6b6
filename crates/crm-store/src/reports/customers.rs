//! Contribution with ABC classes, composition and RFM scores (RPT-1, 2, 6).

use chrono::NaiveDate;
use uuid::Uuid;

use crm_core::access::Scope;
use crm_core::reports::{
    AbcClass, ClassSum, CompositionBy, CompositionCell, Contribution, ContributionCurrency, Period, RankedTotal,
    ReportFilter, RfmCell, RfmCustomer, RfmSegment, abc_class,
};
use crm_core::store::StoreError;

use super::{push_customers, push_customers_of, push_orders, push_period};
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

/// `SELECT …` for `per`: each customer of the scope with its orders' total, count and latest
/// date per currency (or in `currency` only) in the filter's period. Over all of time they are
/// the kept `customer_order_totals`, read without the customers when the scope is everything,
/// so that ranking them walks an index.
fn per_customer(scope: &Scope, filter: &ReportFilter, currency: Option<&str>, all_time: bool) -> Sql {
    let mut sql = Sql::new("SELECT ");
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
    let alias = if all_time { "t" } else { "o" };
    push_customers_of(&mut sql, alias, scope, filter);
    if let Some(currency) = currency {
        sql.push(&format!(" AND {alias}.currency = ")).bind(currency);
    }
    if !all_time {
        push_orders(&mut sql, filter);
    }
    if !all_time {
        sql.push(" GROUP BY o.customer_id, o.currency");
    }
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
    push_customers_of(&mut sql, alias, scope, filter);
    if !all_time {
        push_orders(&mut sql, filter);
    }
    sql.push(&format!(" GROUP BY {alias}.currency ORDER BY {alias}.currency"));
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
    let mut sql = Sql::new("WITH per AS (");
    sql.append(&per_customer(scope, filter, Some(&currency.currency), all_time));
    sql.push(
        "), ranked AS (SELECT customer_id, total, orders, ROW_NUMBER() OVER w AS place, \
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

/// The dimensions of RFM: each score's name (also the prefix of its cut values' columns) and
/// the column of `per` it measures.
const DIMENSIONS: [(&str, &str); 3] = [("r", "last_date"), ("f", "orders"), ("m", "total")];

/// `WITH per AS …, scored AS …`: each customer with orders in `currency` in the
/// period, with the date of its last order, its orders and their total, and its scores.
///
/// A dimension's cut values are the values at the places where the first to fourth fifth of
/// the ranking by it ends (`cuts`, one row `r1`…`m4`); a customer scores 1 plus the number
/// of cut values below its own (see `RfmCell`). They are found in each dimension's histogram
/// with its running count, so that no customer is ranked one by one, and in the statement
/// that scores, so that the customers' figures are added up once.
fn scored(scope: &Scope, filter: &ReportFilter, currency: &str, all_time: bool) -> Sql {
    // A period's figures are added up once and kept for the histograms and the scores; the
    // kept totals are read again by each, so that a histogram can walk an index in its order.
    let mut sql = Sql::new(if all_time { "WITH per AS NOT MATERIALIZED (" } else { "WITH per AS MATERIALIZED (" });
    sql.append(&per_customer(scope, filter, Some(currency), all_time));
    sql.push("), k AS (SELECT COUNT(*) AS n FROM per)");
    for (score, column) in DIMENSIONS {
        sql.push(&format!(
            ", {score}_seen AS (SELECT {column} AS v, SUM(COUNT(*)) OVER (ORDER BY {column}) AS seen \
             FROM per GROUP BY {column})"
        ));
    }
    let cuts: Vec<String> = DIMENSIONS
        .iter()
        .flat_map(|(score, _)| {
            (1..=4).map(move |j| {
                format!("(SELECT MIN(v) FROM {score}_seen, k WHERE seen >= ({j} * k.n + 4) / 5) AS {score}{j}")
            })
        })
        .collect();
    // Materialized, or each score's every step would look its cut value up again.
    sql.push(", cuts AS MATERIALIZED (SELECT ").push(&cuts.join(", ")).push(")");
    // Scored once into a work table: counting the cells and picking a segment's customers
    // both read it, and computing the scores row by row inside the grouping was slower.
    sql.push(", scored AS MATERIALIZED (SELECT per.customer_id, per.last_date, per.orders AS frequency, per.total AS monetary");
    for (score, column) in DIMENSIONS {
        let steps: String = (1..=4).rev().map(|j| format!(" WHEN {column} > {score}{j} THEN {}", j + 1)).collect();
        sql.push(&format!(", CASE{steps} ELSE 1 END AS {score}"));
    }
    sql.push(" FROM per CROSS JOIN cuts) ");
    sql
}

pub async fn rfm_cells(
    db: &Db,
    scope: &Scope,
    filter: &ReportFilter,
    currency: &str,
) -> Result<Vec<RfmCell>, StoreError> {
    let mut sql = scored(scope, filter, currency, covers_all_time(db, filter).await?);
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

pub async fn rfm_segment(
    db: &Db,
    scope: &Scope,
    filter: &ReportFilter,
    currency: &str,
    segment: RfmSegment,
    as_of: NaiveDate,
    limit: i64,
) -> Result<(Vec<RfmCell>, Vec<RfmCustomer>), StoreError> {
    let mut sql = scored(scope, filter, currency, covers_all_time(db, filter).await?);
    // The segment's rule is `rfm_segments`': a score is high above its average over all
    // the customers scored, here from the cells so that the customers are read once.
    sql.push(
        ", cells AS (SELECT r, f, m, COUNT(*) AS n, CAST(SUM(monetary) AS BIGINT) AS total FROM scored GROUP BY r, f, m), \
         averages AS (SELECT SUM(n) AS n, SUM(r * n) AS r, SUM(f * n) AS f, SUM(m * n) AS m FROM cells) \
         SELECT 'cell' AS kind, r, f, m, n, total AS monetary, NULL AS customer_id, NULL AS last_date, \
         NULL AS frequency, NULL AS name FROM cells UNION ALL \
         SELECT 'customer', x.r, x.f, x.m, 1, x.monetary, x.customer_id, x.last_date, x.frequency, \
         (SELECT cu.name FROM customers cu WHERE cu.id = x.customer_id) FROM (SELECT s.* FROM scored s CROSS JOIN averages a WHERE 1 = 1",
    );
    for (score, high) in ["r", "f", "m"].into_iter().zip(segment.high()) {
        sql.push(&format!(" AND s.{score} * a.n {} a.{score}", if high { ">" } else { "<=" }));
    }
    // The names of the page's customers only, not of every one in the segment.
    sql.push(" ORDER BY s.monetary DESC, s.customer_id LIMIT ").bind(limit).push(") x");
    let (mut cells, mut customers) = (Vec::new(), Vec::new());
    for r in sql.query().fetch_all(&db.reader).await.map_err(store_error)? {
        let (rs, fs, ms, monetary) = (r.int("r")?, r.int("f")?, r.int("m")?, r.int("monetary")?);
        if r.text("kind")? == "cell" {
            cells.push(RfmCell { r: rs, f: fs, m: ms, customers: r.int("n")?, monetary });
            continue;
        }
        let last_order_date = parse_day(&r.text("last_date")?)?;
        customers.push(RfmCustomer {
            customer_id: r.id("customer_id")?,
            customer_name: r.text("name")?,
            last_order_date,
            recency_days: (as_of - last_order_date).num_days(),
            frequency: r.int("frequency")?,
            monetary,
            r: rs,
            f: fs,
            m: ms,
            segment,
        });
    }
    cells.sort_by_key(|c| (c.r, c.f, c.m));
    customers.sort_by(|a, b| b.monetary.cmp(&a.monetary).then(a.customer_id.cmp(&b.customer_id)));
    Ok((cells, customers))
}
