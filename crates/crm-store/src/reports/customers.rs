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

/// `SELECT …` for `per`: each customer of the scope with orders in `currency` in the filter's
/// period, with their total, count and latest date. Over all of time they are the kept
/// `customer_order_totals`, read without the customers when the scope is everything, so that
/// ranking them walks an index.
fn per_customer(scope: &Scope, filter: &ReportFilter, currency: &str, all_time: bool) -> Sql {
    let mut sql = Sql::new("SELECT ");
    let alias = if all_time {
        sql.push("t.customer_id, t.total, t.orders, t.last_order_date AS last_date FROM customer_order_totals t");
        "t"
    } else {
        sql.push(
            "o.customer_id, CAST(SUM(o.total) AS BIGINT) AS total, COUNT(*) AS orders, \
             MAX(o.order_date) AS last_date FROM orders o",
        );
        "o"
    };
    push_customers_of(&mut sql, alias, scope, filter);
    sql.push(&format!(" AND {alias}.currency = ")).bind(currency);
    if !all_time {
        push_orders(&mut sql, filter);
        // One currency: grouping by the customer alone sorts shorter keys.
        sql.push(" GROUP BY o.customer_id");
    }
    sql
}

/// The currencies of the kept totals, each found by one index seek from the last: every
/// currency an order not cancelled has is among them. Those without orders in a report's
/// period and scope rank nobody and are left out.
async fn currencies(db: &Db) -> Result<Vec<String>, StoreError> {
    let sql = Sql::new(
        "WITH RECURSIVE c (currency) AS (SELECT MIN(currency) FROM customer_order_totals UNION ALL \
         SELECT (SELECT MIN(t.currency) FROM customer_order_totals t WHERE t.currency > c.currency) \
         FROM c WHERE c.currency IS NOT NULL) SELECT currency FROM c WHERE currency IS NOT NULL",
    );
    let rows = sql.query().fetch_all(&db.reader).await.map_err(store_error)?;
    rows.iter().map(|r| r.text("currency")).collect()
}

/// The bounded classes with their bounds as `numerator / denominator`.
fn bounded_classes() -> Vec<(AbcClass, i64, i64)> {
    AbcClass::ALL.into_iter().filter_map(|c| c.bound().map(|(n, d)| (c, n, d))).collect()
}

/// `, hist AS …`: the customers of `per` in buckets of their total, each bucket with its
/// customers, their total and its lowest and highest total. A bucket is the total's order of
/// magnitude and first three digits, so buckets follow the totals' order and each holds totals
/// within 1 % of each other however the totals spread. Over a period, finding a place in the
/// ranking by total then needs the few thousand buckets and the customers of one bucket only,
/// instead of sorting every customer by total (which took longer than adding them up).
fn push_histogram(sql: &mut Sql) {
    let mut bucket = String::from("CASE WHEN total < 1000 THEN total");
    for k in 1..16 {
        bucket.push_str(&format!(
            " WHEN total < 1{zeros} THEN {k}000 + total / 1{digits}",
            zeros = "0".repeat(k + 3),
            digits = "0".repeat(k)
        ));
    }
    bucket.push_str(" ELSE 16000 + total / 10000000000000000 END");
    sql.push(&format!(
        ", hist AS MATERIALIZED (SELECT b, COUNT(*) AS n, CAST(SUM(total) AS BIGINT) AS s, MIN(total) AS lo, \
         MAX(total) AS hi FROM (SELECT {bucket} AS b, total FROM per) x GROUP BY b)"
    ));
}

/// `p.total BETWEEN … OR …`: the total of `per`'s row `p` falls in one of the first `most`
/// buckets of `table` (rows of `push_histogram` with `lo` and `hi`), whose bounds are read once
/// each. The customers so picked are kept (`within`) and only they are joined to the buckets:
/// joining `per` to them tested every customer against every bucket, and PostgreSQL read
/// `per` once per bucket, which took longer than the histogram itself.
fn in_buckets(table: &str, most: usize) -> String {
    let bound = |column: &str, i: usize| format!("(SELECT {column} FROM {table} ORDER BY b LIMIT 1 OFFSET {i})");
    let each: Vec<String> =
        (0..most).map(|i| format!("p.total BETWEEN {} AND {}", bound("lo", i), bound("hi", i))).collect();
    format!("({})", each.join(" OR "))
}

/// The customers of one currency ranked by their total: the top `limit` and the rows where
/// the running total crosses a class's bound, each with the currency's sums (`sums`) over
/// every customer ranked. Over all of time the walk goes down an index of the kept totals and
/// stops after the last crossing. Over a period the customers' figures are added up once;
/// the top rows are the largest `limit` of them, and a crossing is found in the buckets of
/// `push_histogram` (largest first, with the customers and total above each) and then among
/// the customers of the bucket it falls in.
fn ranking(scope: &Scope, filter: &ReportFilter, currency: &str, all_time: bool, limit: i64) -> Sql {
    let mut sql = Sql::new(if all_time { "WITH per AS NOT MATERIALIZED (" } else { "WITH per AS MATERIALIZED (" });
    sql.append(&per_customer(scope, filter, currency, all_time));
    sql.push(
        "), sums AS MATERIALIZED (SELECT COUNT(*) AS customers, CAST(SUM(orders) AS BIGINT) AS all_orders, \
         CAST(SUM(total) AS BIGINT) AS grand FROM per)",
    );
    let bounded = bounded_classes();
    let crosses = |before: &str, after: &str| -> String {
        let bounds: Vec<String> = bounded
            .iter()
            .map(|(_, n, d)| format!("({before} * {d} < s.grand * {n} AND {after} * {d} >= s.grand * {n})"))
            .collect();
        bounds.join(" OR ")
    };
    let window = "ROWS UNBOUNDED PRECEDING";
    // The rows of a source numbered and summed from the largest total down.
    let numbered = "SELECT customer_id, total, orders, ROW_NUMBER() OVER w AS place, \
                    CAST(SUM(total) OVER w AS BIGINT) AS running FROM ";
    let by_total = format!(" WINDOW w AS (ORDER BY total DESC, customer_id {window})");
    if all_time {
        sql.push(", ranked AS (").push(numbered).push("per").push(&by_total).push(") ");
    } else {
        push_histogram(&mut sql);
        sql.push(&format!(
            ", above AS (SELECT b, lo, hi, s, CAST(SUM(n) OVER w - n AS BIGINT) AS n_before, \
             CAST(SUM(s) OVER w - s AS BIGINT) AS s_before FROM hist WINDOW w AS (ORDER BY b DESC {window})), \
             crossing AS MATERIALIZED (SELECT a.* FROM above a CROSS JOIN sums s WHERE {}), \
             within AS MATERIALIZED (SELECT * FROM per p WHERE {}), ranked AS (",
            crosses("a.s_before", "(a.s_before + a.s)"),
            in_buckets("crossing", bounded.len())
        ));
        sql.push(numbered).push("(SELECT * FROM per ORDER BY total DESC, customer_id LIMIT ").bind(limit);
        sql.push(") top").push(&by_total).push(&format!(
            " UNION ALL \
             SELECT * FROM (SELECT p.customer_id, p.total, p.orders, c.n_before + ROW_NUMBER() OVER w AS place, \
             CAST(c.s_before + SUM(p.total) OVER w AS BIGINT) AS running \
             FROM within p CROSS JOIN crossing c WHERE p.total BETWEEN c.lo AND c.hi \
             WINDOW w AS (PARTITION BY c.b ORDER BY p.total DESC, p.customer_id {window})) inside WHERE place > "
        ));
        sql.bind(limit).push(") ");
    }
    // The names by a subquery, not a join, so that the ranking streams through the filter
    // rather than being stored first.
    sql.push(
        "SELECT r.*, s.*, (SELECT cu.name FROM customers cu WHERE cu.id = r.customer_id) AS customer_name \
         FROM ranked r CROSS JOIN sums s WHERE r.place <= ",
    );
    sql.bind(limit).push(" OR ").push(&crosses("(r.running - r.total)", "r.running"));
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
    let mut data = Contribution { rows: Vec::new(), currencies: Vec::new() };
    let bounded = bounded_classes();
    for code in currencies(db).await? {
        let sql = ranking(scope, filter, &code, all_time, limit);
        let rows = sql.query().fetch_all(&db.reader).await.map_err(store_error)?;
        let Some(first) = rows.first() else { continue };
        let mut currency = ContributionCurrency {
            currency: code,
            customers: first.int("customers")?,
            orders: first.int("all_orders")?,
            total: first.int("grand")?,
            classes: Vec::new(),
        };
        let grand = currency.total;
        // (customers, total) of the ranking up to the end of each bounded class.
        let mut ends = vec![(0, 0); bounded.len()];
        for r in &rows {
            let (place, total, running) = (r.int("place")?, r.int("total")?, r.int("running")?);
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
        data.currencies.push(currency);
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
        sql.push(" AND c.province_id = ").bind(p);
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

/// Whether `per_customer` over all of time reads the kept totals alone, so that walking one
/// of their indexes yields the customers in the order of a dimension.
fn walks_kept_totals(scope: &Scope, filter: &ReportFilter, all_time: bool) -> bool {
    let mut narrowing = Sql::default();
    push_customers(&mut narrowing, scope, filter);
    all_time && narrowing.is_empty()
}

/// The places, counted from 1 in the ranking by a dimension lowest first, where the first to
/// fourth fifth of `n` customers end (see `RfmCell`).
fn fifth_place(j: i64, n: &str) -> String {
    format!("({j} * {n} + 4) / 5")
}

/// The RFM scores with the column of `per` each scores: recency, frequency, monetary value.
const SCORES: [(&str, &str); 3] = [("r", "last_date"), ("f", "orders"), ("m", "total")];

/// `WITH …, cuts AS …, cells AS …`: the RFM cells of the customers with orders in `currency` in
/// the period, and `per` (each customer's last order day, orders and total) and `cuts`
/// (`r1`…`m4`, see `RfmCell`) for picking a segment's customers.
///
/// Over the kept totals no customer is sorted: every step walks an index. Otherwise the
/// customers are sorted twice, into the buckets of `push_histogram` and into the groups below;
/// everything else is a pass over them or works on a few thousand rows. The monetary cut
/// values come first: read at their places in the ranking by total (over the kept totals an
/// index walk with an offset, otherwise numbered within the buckets holding those places).
/// Then the customers are grouped by last order day, number of orders and monetary score
/// (`g`: a few thousand groups; over the kept totals a walk down their index by day and
/// orders, each group counting its customers and total above each monetary cut value, turned
/// into the same rows). The recency and frequency cut values are found in those groups, and
/// the cells are the groups' sums.
fn rfm_basis(scope: &Scope, filter: &ReportFilter, currency: &str, all_time: bool) -> Sql {
    let indexed = walks_kept_totals(scope, filter, all_time);
    // Over the kept totals `per` is read again by each part, so each walks the index it needs.
    let mut sql = Sql::new(if indexed { "WITH per AS NOT MATERIALIZED (" } else { "WITH per AS MATERIALIZED (" });
    sql.append(&per_customer(scope, filter, currency, all_time));
    sql.push(")");
    if indexed {
        sql.push(", k AS MATERIALIZED (SELECT COUNT(*) AS n FROM per)");
    } else {
        // The buckets holding a fifth's place, with the customers below each, and the
        // customers of those buckets numbered on from there.
        push_histogram(&mut sql);
        let holds: Vec<String> = (1..=4)
            .map(|j| format!("(h.n_before < {p} AND {p} <= h.n_before + h.n)", p = fifth_place(j, "k.n")))
            .collect();
        sql.push(&format!(
            ", k AS MATERIALIZED (SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM hist), \
             placed AS (SELECT b, lo, hi, n, CAST(SUM(n) OVER (ORDER BY b ROWS UNBOUNDED PRECEDING) - n AS BIGINT) \
             AS n_before FROM hist), \
             holding AS MATERIALIZED (SELECT h.* FROM placed h CROSS JOIN k WHERE {}), \
             within AS MATERIALIZED (SELECT total FROM per p WHERE {}), \
             ranked AS (SELECT p.total, h.n_before + ROW_NUMBER() OVER (PARTITION BY h.b ORDER BY p.total) AS place \
             FROM within p CROSS JOIN holding h WHERE p.total BETWEEN h.lo AND h.hi)",
            holds.join(" OR "),
            in_buckets("holding", 4)
        ));
    }
    sql.push(", mc AS MATERIALIZED (SELECT ");
    let monetary: Vec<String> = (1..=4)
        .map(|j| {
            if indexed {
                // `(j × n − 1) / 5` is the place less one, and 0 when there is no customer.
                format!(
                    "(SELECT total FROM per ORDER BY total LIMIT 1 OFFSET (SELECT ({j} * n - 1) / 5 FROM k)) AS m{j}"
                )
            } else {
                format!("MIN(CASE WHEN place = {} THEN total END) AS m{j}", fifth_place(j, "k.n"))
            }
        })
        .collect();
    sql.push(&monetary.join(", "));
    if !indexed {
        sql.push(" FROM ranked CROSS JOIN k");
    }
    sql.push(")");
    if indexed {
        // Grouping by day and orders alone follows the index; the monetary split is counted.
        sql.push(", wide AS MATERIALIZED (SELECT last_date, orders, COUNT(*) AS n0, SUM(total) AS s0");
        for j in 1..=4 {
            sql.push(&format!(
                ", COUNT(CASE WHEN total > m{j} THEN 1 END) AS n{j}, \
                 SUM(CASE WHEN total > m{j} THEN total ELSE 0 END) AS s{j}"
            ));
        }
        sql.push(" FROM per CROSS JOIN mc GROUP BY last_date, orders)");
        // Monetary score `m` holds the customers above cut value m−1 but not above cut value m.
        let band = |prefix: &str| -> String {
            let steps: String = (1..=4).map(|m| format!(" WHEN {m} THEN {prefix}{} - {prefix}{m}", m - 1)).collect();
            format!("CASE bands.m{steps} ELSE {prefix}4 END")
        };
        sql.push(&format!(
            ", bands (m) AS (VALUES (1), (2), (3), (4), (5)), g AS (SELECT last_date, orders, bands.m, \
             {} AS n, {} AS s FROM wide CROSS JOIN bands)",
            band("n"),
            band("s")
        ));
    } else {
        sql.push(&format!(
            ", g AS MATERIALIZED (SELECT last_date, orders, m, COUNT(*) AS n, SUM(total) AS s \
             FROM (SELECT last_date, orders, total{} FROM per CROSS JOIN mc) x GROUP BY last_date, orders, m)",
            score_case(SCORES[2].0, SCORES[2].1)
        ));
    }
    let mut cuts = Vec::new();
    for (score, column) in &SCORES[..2] {
        sql.push(&format!(
            ", {score}_seen AS (SELECT {column} AS v, SUM(SUM(n)) OVER (ORDER BY {column}) AS seen FROM g GROUP BY {column})"
        ));
        cuts.extend((1..=4).map(|j| {
            format!("(SELECT MIN(v) FROM {score}_seen, k WHERE seen >= {}) AS {score}{j}", fifth_place(j, "k.n"))
        }));
    }
    sql.push(", cuts AS MATERIALIZED (SELECT mc.*, ").push(&cuts.join(", ")).push(" FROM mc)");
    sql.push(
        ", cells AS (SELECT r, f, m, CAST(SUM(n) AS BIGINT) AS n, CAST(SUM(s) AS BIGINT) AS total FROM (SELECT g.*",
    );
    for (score, column) in &SCORES[..2] {
        sql.push(&score_case(score, column));
    }
    sql.push(" FROM g CROSS JOIN cuts) scored GROUP BY r, f, m HAVING SUM(n) > 0) ");
    sql
}

/// `, CASE … END AS {score}`: 1 plus the number of the dimension's cut values below `column`.
fn score_case(score: &str, column: &str) -> String {
    let steps: String = (1..=4).rev().map(|j| format!(" WHEN {column} > {score}{j} THEN {}", j + 1)).collect();
    format!(", CASE{steps} ELSE 1 END AS {score}")
}

pub async fn rfm_cells(
    db: &Db,
    scope: &Scope,
    filter: &ReportFilter,
    currency: &str,
) -> Result<Vec<RfmCell>, StoreError> {
    let mut sql = rfm_basis(scope, filter, currency, covers_all_time(db, filter).await?);
    sql.push("SELECT r, f, m, n, total FROM cells ORDER BY r, f, m");
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
    let mut sql = rfm_basis(scope, filter, currency, covers_all_time(db, filter).await?);
    // The segment's rule is `rfm_segments`': a score is high above its average over all the
    // customers scored, here from the cells so that the customers are read once more only.
    // Scores grow with their dimension, so a high score is a value above the cut value below
    // the lowest high score (`{score}_floor`; none when no score is high, and score 1 never is,
    // being the least), and each customer is tested with three comparisons; only the page's
    // customers are scored. The segment's customers are picked into a work table before the
    // page is sorted out of them: otherwise the order by total invites walking (or sorting)
    // every customer by total and testing each against the rule until the page is full, all
    // million of them when the segment is empty.
    sql.push(", averages AS (SELECT SUM(n) AS n, SUM(r * n) AS r, SUM(f * n) AS f, SUM(m * n) AS m FROM cells)");
    let mut rule = Vec::new();
    for score in ["r", "f", "m"] {
        let floors: String = (1..=4).map(|j| format!(" WHEN {} * a.n > a.{score} THEN c.{score}{j}", j + 1)).collect();
        rule.push(format!("CASE{floors} END AS {score}_floor"));
    }
    sql.push(", rule AS MATERIALIZED (SELECT ").push(&rule.join(", ")).push(" FROM averages a CROSS JOIN cuts c)");
    sql.push(
        ", members AS MATERIALIZED (SELECT per.customer_id, per.last_date, per.orders, per.total \
         FROM per CROSS JOIN rule WHERE 1 = 1",
    );
    for ((score, column), high) in SCORES.into_iter().zip(segment.high()) {
        let not = if high { "" } else { "NOT " };
        sql.push(&format!(" AND {not}COALESCE(per.{column} > rule.{score}_floor, 1 = 0)"));
    }
    // The names of the page's customers only, not of every one in the segment.
    sql.push(
        ") SELECT 'cell' AS kind, r, f, m, n, total AS monetary, NULL AS customer_id, NULL AS last_date, \
         NULL AS frequency, NULL AS name FROM cells UNION ALL \
         SELECT 'customer', x.r, x.f, x.m, 1, x.total, x.customer_id, x.last_date, x.orders, \
         (SELECT cu.name FROM customers cu WHERE cu.id = x.customer_id) \
         FROM (SELECT p.*",
    );
    for (score, column) in SCORES {
        sql.push(&score_case(score, column));
    }
    sql.push(" FROM (SELECT * FROM members ORDER BY total DESC, customer_id LIMIT ");
    sql.bind(limit).push(") p CROSS JOIN cuts) x");
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
