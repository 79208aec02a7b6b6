//! Reports (RPT-1..3, 5..8): every figure compared with sums made here from the rows the test
//! inserted, period edges, division and own scope in JSON and in the CSV and Excel files.

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use reqwest::StatusCode;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, fresh_database_url};

struct World {
    app: TestApp,
    /// The database's URL, to set times the API cannot.
    url: String,
    east_director: String,
    north_director: String,
    executive: String,
    wang: String,
    li: String,
    /// (customer id, name, division "east"/"north", owner "wang"/"li"/"").
    customers: Vec<(String, String, &'static str, &'static str)>,
    /// (customer index, date, currency, total in whole yuan/dollars, cancelled).
    orders: Vec<(usize, &'static str, &'static str, i64, bool)>,
}

async fn world() -> World {
    let (url, _) = fresh_database_url().await;
    let app = TestApp::spawn_on(&url).await;
    let east = app.division("华东").await;
    let north = app.division("华北").await;
    let east_director = app.user("dongfang", "director", &[east]).await;
    let north_director = app.user("zhaolei", "director", &[north]).await;
    let executive = app.user("boss", "executive", &[]).await;
    let wang = app.user("wangwei", "manager", &[east]).await;
    let li = app.user("liming", "manager", &[east]).await;
    let (wang_id, li_id) = (app.user_id("wangwei").await, app.user_id("liming").await);
    let vip = app.dictionary_entry(&east_director, "customer_level", "大客户").await;
    let mut customers = Vec::new();
    let specs = [
        ("华星科技", "east", "wang"),
        ("远航物流", "east", "wang"),
        ("东方机械", "east", "li"),
        ("北方重工", "north", ""),
        ("星辰软件", "east", "li"),
    ];
    for (i, (name, division, owner)) in specs.into_iter().enumerate() {
        let (token, owner_id) = match (division, owner) {
            ("east", "wang") => (&east_director, Some(&wang_id)),
            ("east", _) => (&east_director, Some(&li_id)),
            _ => (&north_director, None),
        };
        let mut body = json!({"name": name, "credit": (i % 3 + 1) as i64});
        if let Some(o) = owner_id {
            body["owner_id"] = json!(o);
        }
        if i < 2 {
            body["level_id"] = json!(vip);
        }
        let c = app.create_customer(token, &body).await;
        customers.push((c["id"].as_str().unwrap().to_string(), name.to_string(), division, owner));
    }
    let orders = vec![
        (0, "2026-03-01", "CNY", 700, false),
        (0, "2026-03-31", "CNY", 100, false),
        (1, "2026-03-15", "CNY", 150, false),
        (2, "2026-03-10", "CNY", 40, false),
        (2, "2026-03-20", "USD", 999, false),
        (4, "2026-03-05", "CNY", 10, false),
        (4, "2026-03-06", "CNY", 5_000, true),
        (3, "2026-03-02", "CNY", 8_000, false),
        // Outside March: the day before and the day after.
        (1, "2026-02-28", "CNY", 1_000, false),
        (2, "2026-04-01", "CNY", 2_000, false),
    ];
    for &(i, date, currency, whole, cancelled) in &orders {
        let token = if customers[i].2 == "north" { &north_director } else { &east_director };
        let mut body = json!({"customer_id": customers[i].0, "order_date": date, "currency": currency,
            "lines": [{"description": "服务", "quantity": "1", "unit_price": money(whole)}]});
        if cancelled {
            body["status"] = json!("cancelled");
        }
        app.created("/api/v1/orders", token, &body).await;
    }
    World { app, url, east_director, north_director, executive, wang, li, customers, orders }
}

fn money(whole: i64) -> String {
    format!("{whole}.00")
}

fn dec(v: &Value) -> Decimal {
    v.as_str().unwrap_or_else(|| panic!("decimal string: {v}")).parse().unwrap()
}

/// Totals per (customer name, currency) of the orders in `from..=to` of the customers `who`
/// may see, computed from the inserted rows.
fn expected_totals(
    w: &World,
    from: &str,
    to: &str,
    visible: impl Fn(&str, &str) -> bool,
) -> BTreeMap<(String, String), i64> {
    let mut totals = BTreeMap::new();
    for &(i, date, currency, whole, cancelled) in &w.orders {
        let (_, name, division, owner) = &w.customers[i];
        if !cancelled && date >= from && date <= to && visible(division, owner) {
            *totals.entry((name.clone(), currency.to_string())).or_insert(0) += whole;
        }
    }
    totals
}

/// RFM scores per customer name from the inserted CNY orders up to `to`: in each dimension a
/// customer scores 1 plus how many of the values at the end of the 1st to 4th fifth of the
/// customers ranked by it (lowest first) are below its own.
fn expected_rfm(w: &World, to: &str) -> BTreeMap<String, (i64, i64, i64)> {
    let mut per: BTreeMap<String, (&str, i64, i64)> = BTreeMap::new();
    for &(i, date, currency, whole, cancelled) in &w.orders {
        if currency == "CNY" && !cancelled && date <= to {
            let e = per.entry(w.customers[i].1.clone()).or_insert(("", 0, 0));
            *e = (e.0.max(date), e.1 + 1, e.2 + whole);
        }
    }
    fn score<T: Ord + Copy>(mut all: Vec<T>, v: T) -> i64 {
        all.sort();
        1 + (1..=4).filter(|j| all[(j * all.len()).div_ceil(5) - 1] < v).count() as i64
    }
    let days: Vec<&str> = per.values().map(|p| p.0).collect();
    let counts: Vec<i64> = per.values().map(|p| p.1).collect();
    let totals: Vec<i64> = per.values().map(|p| p.2).collect();
    per.iter()
        .map(|(name, p)| {
            (name.clone(), (score(days.clone(), p.0), score(counts.clone(), p.1), score(totals.clone(), p.2)))
        })
        .collect()
}

fn rows_of(report: &Value) -> BTreeMap<(String, String), i64> {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let whole = dec(&r["total"]).try_into().unwrap();
            ((r["customer_name"].as_str().unwrap().to_string(), r["currency"].as_str().unwrap().to_string()), whole)
        })
        .collect()
}

const MARCH: &str = "/api/v1/reports/customer-contribution?from=2026-03-01&to=2026-03-31";

#[tokio::test]
async fn contribution_ranks_customers_per_currency_with_shares_and_abc_classes_in_the_readers_scope() {
    let w = world().await;
    let east = |d: &str, _: &str| d == "east";
    let report = w.app.get_ok(MARCH, &w.east_director).await;
    assert_eq!(rows_of(&report), expected_totals(&w, "2026-03-01", "2026-03-31", east));
    // CNY: 华星 800, 远航 150, 东方 40, 星辰 10 of 1000: shares .8 .15 .04 .01.
    let cny: Vec<&Value> = report["items"].as_array().unwrap().iter().filter(|r| r["currency"] == "CNY").collect();
    let names: Vec<_> = cny.iter().map(|r| r["customer_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["华星科技", "远航物流", "东方机械", "星辰软件"]);
    let shares: Vec<_> = cny.iter().map(|r| dec(&r["share"])).collect();
    assert_eq!(shares, ["0.8", "0.15", "0.04", "0.01"].map(|s| s.parse::<Decimal>().unwrap()));
    let cumulative: Vec<_> = cny.iter().map(|r| dec(&r["cumulative_share"])).collect();
    assert_eq!(cumulative, ["0.8", "0.95", "0.99", "1"].map(|s| s.parse::<Decimal>().unwrap()));
    let classes: Vec<_> = cny.iter().map(|r| r["abc_class"].as_str().unwrap()).collect();
    assert_eq!(classes, ["A", "B", "C", "C"]);
    assert_eq!(cny.iter().map(|r| r["rank"].as_i64().unwrap()).collect::<Vec<_>>(), [1, 2, 3, 4]);
    // Totals per currency, never mixed; the cancelled order is not counted.
    let totals = &report["totals"]["currencies"];
    assert_eq!((totals[0]["currency"].as_str(), dec(&totals[0]["total"])), (Some("CNY"), "1000".parse().unwrap()));
    assert_eq!((totals[1]["currency"].as_str(), dec(&totals[1]["total"])), (Some("USD"), "999".parse().unwrap()));
    let classes: Vec<_> = totals[0]["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["abc_class"].as_str().unwrap(), c["customers"].as_i64().unwrap()))
        .collect();
    assert_eq!(classes, [("A", 1), ("B", 1), ("C", 2)]);
    let class_totals: Vec<_> = totals[0]["classes"].as_array().unwrap().iter().map(|c| dec(&c["total"])).collect();
    assert_eq!(class_totals, ["800", "150", "50"].map(|s| s.parse::<Decimal>().unwrap()));
    // The classes' sums cover every customer, not only the rows asked for.
    let top = w.app.get_ok(&format!("{MARCH}&limit=1"), &w.east_director).await;
    assert_eq!(top["items"].as_array().unwrap().len(), 2, "the first of each currency");
    assert_eq!(top["totals"], report["totals"]);

    // The `to` day is in, the day after out; `from` likewise.
    let april =
        w.app.get_ok("/api/v1/reports/customer-contribution?from=2026-03-31&to=2026-04-01", &w.east_director).await;
    assert_eq!(rows_of(&april), expected_totals(&w, "2026-03-31", "2026-04-01", east));
    assert_eq!(rows_of(&april).len(), 2);
    // A currency without orders in the period (USD only on 03-20) has no totals row.
    let currencies: Vec<_> = april["totals"]["currencies"].as_array().unwrap().iter().map(|c| &c["currency"]).collect();
    assert_eq!(currencies, ["CNY"]);

    // Scope: the north director sees north only, a manager their own customers only, the
    // executive everything; `owner_id` and `division_id` narrow further.
    let north = w.app.get_ok(MARCH, &w.north_director).await;
    assert_eq!(rows_of(&north), expected_totals(&w, "2026-03-01", "2026-03-31", |d, _| d == "north"));
    let wang = w.app.get_ok(MARCH, &w.wang).await;
    assert_eq!(rows_of(&wang), expected_totals(&w, "2026-03-01", "2026-03-31", |_, o| o == "wang"));
    assert_eq!(dec(&wang["totals"]["currencies"][0]["total"]), "950".parse().unwrap());
    let all = w.app.get_ok(MARCH, &w.executive).await;
    assert_eq!(rows_of(&all), expected_totals(&w, "2026-03-01", "2026-03-31", |_, _| true));
    let li_id = w.app.user_id("liming").await;
    let li = w.app.get_ok(&format!("{MARCH}&owner_id={li_id}"), &w.executive).await;
    assert_eq!(rows_of(&li), expected_totals(&w, "2026-03-01", "2026-03-31", |_, o| o == "li"));
    let top = w.app.get_ok(&format!("{MARCH}&limit=1"), &w.executive).await;
    assert_eq!(top["items"].as_array().unwrap().len(), 2, "one per currency");
    assert_eq!(top["totals"]["currencies"][0]["customers"], 5);

    // Bad input names the field and changes nothing; without the right, 403.
    let r = w.app.get("/api/v1/reports/customer-contribution?from=2026-13-01&limit=0", Some(&w.executive)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    let fields: Vec<_> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["from", "limit"]);
    let admin = w.app.user("root", "admin", &[]).await;
    assert_eq!(w.app.get(MARCH, Some(&admin)).await.status(), StatusCode::FORBIDDEN);
}

/// Over all of time contribution and RFM read the customers' kept order totals; they answer
/// exactly what the orders of a period holding every counted order add up to (RPT-1, RPT-6).
#[tokio::test]
async fn all_time_contribution_and_rfm_read_the_kept_totals_and_equal_the_sums_of_the_orders() {
    let w = world().await;
    // A cancelled order long ago: a period from the day after holds every counted order but
    // not every order, so that report is summed from the orders themselves.
    let body = json!({"customer_id": w.customers[3].0, "order_date": "2000-01-01", "status": "cancelled",
        "lines": [{"description": "服务", "quantity": "1", "unit_price": "1"}]});
    w.app.created("/api/v1/orders", &w.north_director, &body).await;
    let all = w.app.get_ok("/api/v1/reports/customer-contribution", &w.executive).await;
    assert_eq!(rows_of(&all), expected_totals(&w, "0000", "9999", |_, _| true));

    let li = format!("&owner_id={}", w.app.user_id("liming").await);
    let readers =
        [(&w.executive, ""), (&w.east_director, ""), (&w.north_director, ""), (&w.wang, ""), (&w.executive, &li)];
    for (token, narrowed) in readers {
        let rfm = w.app.get_ok(&format!("/api/v1/reports/rfm?x=1{narrowed}"), token).await;
        let mut reports =
            vec!["customer-contribution?limit=2".to_string(), "customer-contribution?x=1".into(), "rfm?x=1".into()];
        for s in rfm["items"].as_array().unwrap() {
            reports.push(format!("rfm?segment={}", s["segment"].as_str().unwrap()));
        }
        for report in reports {
            let kept = w.app.get_ok(&format!("/api/v1/reports/{report}{narrowed}"), token).await;
            let summed = w.app.get_ok(&format!("/api/v1/reports/{report}&from=2000-01-02{narrowed}"), token).await;
            assert_eq!((&kept["items"], &kept["totals"]), (&summed["items"], &summed["totals"]), "{report}{narrowed}");
        }
    }

    // The all-time figures come from the kept table: a change made there behind the orders'
    // back shows in them and not in the period's.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&w.url).await.unwrap();
    let sql =
        format!("UPDATE customer_order_totals SET total = total + 10000 WHERE customer_id = '{}'", w.customers[0].0);
    assert_eq!(sqlx::query(&sql).execute(&pool).await.unwrap().rows_affected(), 1);
    pool.close().await;
    let huaxing = |report: &Value| rows_of(report)[&("华星科技".to_string(), "CNY".to_string())];
    let path = "/api/v1/reports/customer-contribution";
    assert_eq!(huaxing(&w.app.get_ok(path, &w.executive).await), 801);
    assert_eq!(huaxing(&w.app.get_ok(&format!("{path}?from=2000-01-02"), &w.executive).await), 800);
}

/// Over a period, places in the ranking by total are found in buckets of nearby totals and
/// then among one bucket's customers: here many customers share buckets and totals, the
/// class bounds and the fifths fall inside such buckets, past the rows asked for (RPT-1, RPT-6).
#[tokio::test]
async fn period_ranking_finds_class_bounds_and_fifths_among_customers_with_nearby_and_equal_totals() {
    let (url, _) = fresh_database_url().await;
    let app = TestApp::spawn_on(&url).await;
    let east = app.division("华东").await;
    let director = app.user("dongfang", "director", &[east]).await;
    // (id, total in cents, orders, last day of March): ten of 5,000.00, forty within
    // 100.00–100.22 (a bucket of their own, ties among them), ten small ones.
    let mut customers: Vec<(String, i64, i64, u32)> = Vec::new();
    for i in 0..60i64 {
        let cents = match i {
            0..10 => 500_000,
            10..50 => 10_000 + (i * 7) % 23,
            _ => 100 + i,
        };
        let c = app.create_customer(&director, &json!({"name": format!("客户{i:02}")})).await;
        let id = c["id"].as_str().unwrap().to_string();
        let day = 1 + (i * 11 % 28) as u32;
        // Every fourth customer orders twice, the total split over two days.
        let parts = if i % 4 == 0 {
            vec![(cents / 2, day.min(20)), (cents - cents / 2, day.max(21))]
        } else {
            vec![(cents, day)]
        };
        for (amount, d) in &parts {
            let body = json!({"customer_id": id, "order_date": format!("2026-03-{d:02}"), "lines": [{"description": "服务",
                "quantity": "1", "unit_price": format!("{}.{:02}", amount / 100, amount % 100)}]});
            app.created("/api/v1/orders", &director, &body).await;
        }
        customers.push((id, cents, parts.len() as i64, parts.iter().map(|p| p.1).max().unwrap()));
    }
    // A cancelled order long ago: from the day after, the period holds every counted order,
    // so its report is summed from the orders and can be held against the kept totals.
    let body = json!({"customer_id": customers[0].0, "order_date": "2000-01-01", "status": "cancelled",
        "lines": [{"description": "服务", "quantity": "1", "unit_price": "1"}]});
    app.created("/api/v1/orders", &director, &body).await;

    // Contribution, computed here: largest total first, ties by customer id; a customer's
    // class is where the running total stands before it.
    let mut ranked = customers.clone();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let grand: i64 = ranked.iter().map(|c| c.1).sum();
    let (mut running, mut classes) = (0, BTreeMap::<&str, (i64, i64)>::new());
    let mut expected_rows = Vec::new();
    for (place, c) in ranked.iter().enumerate() {
        let class = if running * 5 < grand * 4 {
            "A"
        } else if running * 20 < grand * 19 {
            "B"
        } else {
            "C"
        };
        running += c.1;
        let e = classes.entry(class).or_insert((0, 0));
        *e = (e.0 + 1, e.1 + c.1);
        if place < 5 {
            expected_rows.push((place as i64 + 1, c.0.clone(), c.1, class));
        }
    }
    // The bounds fall inside the tied 5,000s (80 %) and inside the 100.xx bucket (95 %).
    assert_eq!((classes["A"].0, classes["B"].0), (9, 15));
    let cents = |v: &Value| i64::try_from(dec(v) * Decimal::from(100)).unwrap();
    let path = "/api/v1/reports/customer-contribution?from=2026-03-01&to=2026-03-31&limit=5";
    let report = app.get_ok(path, &director).await;
    let rows: Vec<_> = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let class = r["abc_class"].as_str().unwrap();
            (r["rank"].as_i64().unwrap(), r["customer_id"].as_str().unwrap().to_string(), cents(&r["total"]), class)
        })
        .collect();
    assert_eq!(rows, expected_rows);
    let got: BTreeMap<&str, (i64, i64)> = report["totals"]["currencies"][0]["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["abc_class"].as_str().unwrap(), (c["customers"].as_i64().unwrap(), cents(&c["total"]))))
        .collect();
    assert_eq!(got, classes);

    // RFM over March, computed here: a score is 1 plus how many of the values ending the 1st
    // to 4th fifth (lowest first) are below the customer's own. The fifths of the totals fall
    // inside the 100.xx bucket.
    fn score<T: Ord + Copy>(all: &[T], v: T) -> i64 {
        let mut all = all.to_vec();
        all.sort();
        1 + (1..=4).filter(|j| all[(j * all.len()).div_ceil(5) - 1] < v).count() as i64
    }
    let days: Vec<u32> = customers.iter().map(|c| c.3).collect();
    let counts: Vec<i64> = customers.iter().map(|c| c.2).collect();
    let totals: Vec<i64> = customers.iter().map(|c| c.1).collect();
    let expected: BTreeMap<&str, (i64, i64, i64)> = customers
        .iter()
        .map(|c| (c.0.as_str(), (score(&days, c.3), score(&counts, c.2), score(&totals, c.1))))
        .collect();
    let march = "/api/v1/reports/rfm?from=2026-03-01&to=2026-03-31";
    let rfm = app.get_ok(march, &director).await;
    let mut listed = 0;
    for s in rfm["items"].as_array().unwrap() {
        let segment = s["segment"].as_str().unwrap();
        let members = app.get_ok(&format!("{march}&segment={segment}"), &director).await;
        for c in members["items"].as_array().unwrap() {
            let scores = (c["r"].as_i64().unwrap(), c["f"].as_i64().unwrap(), c["m"].as_i64().unwrap());
            assert_eq!(scores, expected[c["customer_id"].as_str().unwrap()], "{c}");
            listed += 1;
        }
    }
    assert_eq!(listed, customers.len());

    // The same reports over all of time come from the kept totals, ranked by walking an index.
    for report in ["customer-contribution?limit=5", "customer-contribution?limit=20", "rfm?x=1"] {
        let kept = app.get_ok(&format!("/api/v1/reports/{report}"), &director).await;
        let summed = app.get_ok(&format!("/api/v1/reports/{report}&from=2000-01-02"), &director).await;
        assert_eq!((&kept["items"], &kept["totals"]), (&summed["items"], &summed["totals"]), "{report}");
    }
}

#[tokio::test]
async fn exports_hold_the_rows_of_the_json_and_need_the_export_right() {
    let w = world().await;
    let report = w.app.get_ok(MARCH, &w.east_director).await;
    let items = report["items"].as_array().unwrap();
    let r = w.app.get(&format!("{MARCH}&format=csv"), Some(&w.east_director)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    let mut csv = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = csv.headers().unwrap().clone();
    let lines: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert_eq!(lines.len(), items.len());
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    for (line, item) in lines.iter().zip(items) {
        assert_eq!(&line[col("customer_name")], item["customer_name"].as_str().unwrap());
        assert_eq!(&line[col("total")], item["total"].as_str().unwrap());
        assert_eq!(&line[col("abc_class")], item["abc_class"].as_str().unwrap());
    }
    assert!(!text.contains("北方重工"), "another division's customer in the file");

    let r = w.app.get(&format!("{MARCH}&format=xlsx"), Some(&w.east_director)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    let header = &rows[0];
    let name_col = header.iter().position(|h| h == "customer_name").unwrap();
    let total_col = header.iter().position(|h| h == "total").unwrap();
    assert_eq!(rows.len() - 1, items.len());
    for (row, item) in rows[1..].iter().zip(items) {
        assert_eq!(row[name_col], item["customer_name"].as_str().unwrap());
        assert_eq!(row[total_col], item["total"].as_str().unwrap());
    }

    // Managers have reports.view but not reports.export.
    assert_eq!(w.app.get(&format!("{MARCH}&format=csv"), Some(&w.wang)).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn composition_counts_customers_by_level_credit_and_region_within_scope() {
    let w = world().await;
    let by_level = w.app.get_ok("/api/v1/reports/customer-composition?by=level", &w.east_director).await;
    let counts: Vec<_> = by_level["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["label"].as_str(), r["count"].as_i64().unwrap()))
        .collect();
    // Four east customers: two 大客户, two without a level.
    assert_eq!(counts, [(Some("大客户"), 2), (None, 2)]);
    assert_eq!(by_level["totals"]["count"], 4);
    assert_eq!(dec(&by_level["items"][0]["share"]), "0.5".parse().unwrap());

    let by_credit = w.app.get_ok("/api/v1/reports/customer-composition?by=credit", &w.wang).await;
    let mut expected: BTreeMap<String, i64> = BTreeMap::new();
    for (i, (_, _, _, owner)) in w.customers.iter().enumerate() {
        if *owner == "wang" {
            *expected.entry(((i % 3) + 1).to_string()).or_default() += 1;
        }
    }
    let actual: BTreeMap<String, i64> = by_credit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["key"].as_str().unwrap().to_string(), r["count"].as_i64().unwrap()))
        .collect();
    assert_eq!(actual, expected);

    let north = w.app.get_ok("/api/v1/reports/customer-composition?by=industry", &w.north_director).await;
    assert_eq!(north["totals"]["count"], 1);
    let r = w.app.get("/api/v1/reports/customer-composition?by=colour", Some(&w.wang)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn service_analysis_counts_requests_by_type_and_status_with_average_times_and_satisfaction() {
    let w = world().await;
    let complaint = w.app.dictionary_entry(&w.east_director, "service_type", "投诉").await;
    let question = w.app.dictionary_entry(&w.east_director, "service_type", "咨询").await;
    let new = |customer: usize, type_id: &str| json!({"customer_id": w.customers[customer].0, "type_id": type_id, "summary": "问题", "request": "登录缓慢"});
    let a = w.app.created("/api/v1/service-requests", &w.east_director, &new(0, &complaint)).await;
    w.app.created("/api/v1/service-requests", &w.east_director, &new(2, &complaint)).await;
    w.app.created("/api/v1/service-requests", &w.east_director, &new(1, &question)).await;
    w.app.created("/api/v1/service-requests", &w.north_director, &new(3, &question)).await;
    let wang_id = w.app.user_id("wangwei").await;
    let path = format!("/api/v1/service-requests/{}", a["id"].as_str().unwrap());
    let steps = [
        ("assign", json!({"handler_id": wang_id})),
        ("handle", json!({"handling": "重启服务"})),
        ("feedback", json!({"result": "已解决", "satisfaction": 4})),
    ];
    for (verb, body) in steps {
        let r = w.app.post_json(&format!("{path}/{verb}"), Some(&w.east_director), &body).await;
        assert_eq!(r.status(), StatusCode::OK, "{verb}");
    }

    let by_type = w.app.get_ok("/api/v1/reports/service-analysis", &w.east_director).await;
    let rows: Vec<_> = by_type["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["type"].as_str().unwrap(), r["count"].as_i64().unwrap()))
        .collect();
    assert_eq!(rows, [("投诉", 2), ("咨询", 1)]);
    assert_eq!(by_type["totals"]["count"], 3);
    assert_eq!(dec(&by_type["items"][0]["avg_satisfaction"]), Decimal::from(4));
    assert_eq!(by_type["items"][0]["rated"], 1);
    assert!(by_type["items"][0]["avg_response_minutes"].as_i64().is_some());
    assert!(by_type["items"][1]["avg_response_minutes"].is_null());

    let by_status = w.app.get_ok("/api/v1/reports/service-analysis?by=status", &w.east_director).await;
    let rows: Vec<_> = by_status["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["status"].as_str().unwrap(), r["count"].as_i64().unwrap()))
        .collect();
    assert_eq!(rows, [("created", 2), ("archived", 1)]);
    // Wang's own customers: 华星 and 远航 — one complaint and one question.
    let wang = w.app.get_ok("/api/v1/reports/service-analysis", &w.wang).await;
    assert_eq!(wang["totals"]["count"], 2);
    let north = w.app.get_ok("/api/v1/reports/service-analysis", &w.north_director).await;
    assert_eq!(north["totals"]["count"], 1);
    // A period that ended yesterday holds none of today's requests.
    let old = w.app.get_ok("/api/v1/reports/service-analysis?from=2020-01-01&to=2020-12-31", &w.east_director).await;
    assert_eq!(old["totals"]["count"], 0);
}

#[tokio::test]
async fn rfm_scores_quintiles_and_lists_each_segments_customers() {
    let w = world().await;
    let report = w.app.get_ok("/api/v1/reports/rfm?to=2026-04-30", &w.executive).await;
    let segments = report["items"].as_array().unwrap();
    assert_eq!(segments.len(), 8);
    // Every customer with a CNY order that is not cancelled is in exactly one segment.
    assert_eq!(report["totals"]["customers"], 5);
    assert_eq!(segments.iter().map(|s| s["customers"].as_i64().unwrap()).sum::<i64>(), 5);
    let expected_monetary: i64 = w.orders.iter().filter(|o| o.2 == "CNY" && !o.4).map(|o| o.3).sum();
    assert_eq!(dec(&report["totals"]["monetary"]), Decimal::from(expected_monetary));
    // Each dimension's scores step up at the values of the 1st to 4th fifth of the customers
    // ranked by it: equal values score alike (华星 and 远航 both have two orders).
    let expected = expected_rfm(&w, "2026-04-30");
    assert_eq!(expected["北方重工"], (1, 1, 5));
    assert_eq!(expected["华星科技"].1, expected["远航物流"].1);
    let mut listed = 0;
    for s in segments {
        let code = s["segment"].as_str().unwrap();
        let customers = w.app.get_ok(&format!("/api/v1/reports/rfm?to=2026-04-30&segment={code}"), &w.executive).await;
        let items = customers["items"].as_array().unwrap();
        assert_eq!(items.len() as i64, s["customers"].as_i64().unwrap(), "{code}");
        for c in items {
            assert_eq!(c["segment"], code);
            let scores = (c["r"].as_i64().unwrap(), c["f"].as_i64().unwrap(), c["m"].as_i64().unwrap());
            assert_eq!(scores, expected[c["customer_name"].as_str().unwrap()], "{c}");
        }
        listed += items.len();
    }
    assert_eq!(listed, 5);
    // A manager's RFM covers their own customers only.
    let wang = w.app.get_ok("/api/v1/reports/rfm?to=2026-04-30", &w.wang).await;
    assert_eq!(wang["totals"]["customers"], 2);
    let r = w.app.get("/api/v1/reports/rfm?segment=vip", Some(&w.wang)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let _ = &w.li;
}

#[tokio::test]
async fn report_pages_draw_an_svg_chart_and_a_table_in_chinese_and_english_within_scope() {
    let w = world().await;
    let director = crate::web::Browser::new(&w.app);
    director.sign_in("dongfang").await;
    let pages = [
        ("/reports", "客户贡献分析", "Customer contribution"),
        ("/reports/customer-contribution?from=2026-03-01&to=2026-03-31", "累计占比", "Cumulative share"),
        ("/reports/customer-composition?by=level", "大客户", "By level"),
        ("/reports/service-analysis", "客户服务分析", "Service analysis"),
        ("/reports/rfm", "重要价值客户", "Important value"),
        ("/reports/sales-performance", "赢单率", "Win rate"),
        ("/reports/receivables-ageing", "逾期 90 天以上", "Over 90 days overdue"),
    ];
    for (path, zh, en) in pages {
        let page = director.get_text(path).await;
        assert!(page.contains(r#"<html lang="zh-CN">"#) && page.contains(zh), "{path}: {page}");
        if path != "/reports" {
            // No receivables here: the ageing has no currency to chart.
            let charted = !path.contains("ageing");
            assert!(page.contains(r#"<svg viewBox"#) == charted && page.contains("table-wrap"), "{path}: {page}");
            assert!(page.contains("format=xlsx"), "{path}: a director downloads");
        }
        let r = director.client.get(w.app.url(path)).header("Accept-Language", "en").send().await.unwrap();
        assert!(r.text().await.unwrap().contains(en), "{path}");
    }
    // The chart and the table hold the director's division only: bars of 华星 and no 北方重工.
    let page = director.get_text("/reports/customer-contribution?from=2026-03-01&to=2026-03-31").await;
    assert!(page.contains("<title>华星科技: 800.00</title>"), "{page}");
    assert!(!page.contains("北方重工"), "{page}");
    let r = director.get("/reports/customer-contribution?format=xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("customer-contribution.xlsx"));
    // An RFM segment links to exactly its customers.
    let rfm = director.get_text("/reports/rfm?segment=important_value").await;
    let listed = w.app.get_ok("/api/v1/reports/rfm?segment=important_value", &w.east_director).await;
    for c in listed["items"].as_array().unwrap() {
        assert!(rfm.contains(&format!("/customers/{}", c["customer_id"].as_str().unwrap())), "{rfm}");
    }
    let rows = rfm.matches("<tr><td").count();
    assert_eq!(rows, listed["items"].as_array().unwrap().len().max(1), "{rfm}");

    // Dashboards: a manager's own figures with their tasks and churn warnings; a
    // director's team by owner; the executive's divisions; the administrator's system health.
    let manager = crate::web::Browser::new(&w.app);
    manager.sign_in("wangwei").await;
    let home = manager.get_text("/").await;
    assert!(home.contains("本月订单") && home.contains("我的任务") && home.contains("流失预警"), "{home}");
    assert!(!home.contains("format=xlsx") && !manager.get_text("/reports/rfm").await.contains("format=xlsx"));
    assert!(director.get_text("/").await.contains("团队业绩"));
    let executive = crate::web::Browser::new(&w.app);
    executive.sign_in("boss").await;
    let home = executive.get_text("/").await;
    assert!(home.contains("各版块") && home.contains("华北") && home.contains("华东"), "{home}");
    w.app.user("root", "admin", &[]).await;
    let admin = crate::web::Browser::new(&w.app);
    admin.sign_in("root").await;
    let home = admin.get_text("/").await;
    assert!(home.contains("系统状态") && home.contains("customers 5"), "{home}");
    assert!(!home.contains("本月订单"), "no business figures for the administrator");
}

/// The rows of a report's `field` keyed as `entry` says.
fn keyed<K: Ord, V>(report: &Value, field: &str, entry: impl Fn(&Value) -> (K, V)) -> BTreeMap<K, V> {
    report[field].as_array().unwrap().iter().map(entry).collect()
}

async fn set_time(w: &World, table: &str, column: &str, id: &str, at: &str) {
    crate::helpers::set_time(&w.url, table, column, id, at).await;
}

/// A user of the east division whose time zone is `zone`, with a token.
async fn user_in_zone(w: &World, username: &str, role: &str, zone: &str) -> String {
    let admin = w.app.user(&format!("admin.{username}"), "admin", &[]).await;
    let divisions = w.app.get_ok("/api/v1/divisions", &admin).await;
    let east = divisions["items"].as_array().unwrap().iter().find(|d| d["name"] == "华东").unwrap()["id"].clone();
    let body =
        json!({"username": username, "password": PASSWORD, "roles": [role], "division_ids": [east], "time_zone": zone});
    w.app.created("/api/v1/users", &admin, &body).await;
    w.app.login(username, PASSWORD).await
}

/// Whether the UTC time `at` falls on a day in `from..=to` for a reader `offset` hours east of
/// UTC (Shanghai keeps +8 all year).
fn on_days(at: &str, offset: i64, from: Option<&str>, to: Option<&str>) -> bool {
    let at: DateTime<Utc> = at.parse().unwrap();
    let day = (at + chrono::Duration::hours(offset)).date_naive().to_string();
    from.is_none_or(|f| day.as_str() >= f) && to.is_none_or(|t| day.as_str() <= t)
}

#[tokio::test]
async fn a_request_late_on_march_31st_utc_is_april_in_shanghai_and_march_in_utc() {
    // RPT-3, RPT-7: periods are the reader's days.
    let w = world().await;
    let utc = user_in_zone(&w, "utc.director", "director", "UTC").await;
    let kind = w.app.dictionary_entry(&w.east_director, "service_type", "咨询").await;
    let times = ["2026-03-31T17:00:00Z", "2026-03-31T16:00:00Z", "2026-03-31T15:59:59.999999Z"];
    for at in times {
        let body = json!({"customer_id": w.customers[0].0, "type_id": kind, "summary": "问题", "request": "请回电"});
        let r = w.app.created("/api/v1/service-requests", &w.east_director, &body).await;
        set_time(&w, "service_requests", "created_at", r["id"].as_str().unwrap(), at).await;
    }
    let count = |token: &str, from: &'static str, to: &'static str| {
        let path = format!("/api/v1/reports/service-analysis?from={from}&to={to}");
        let app = &w.app;
        let token = token.to_string();
        async move { app.get_ok(&path, &token).await["totals"]["count"].as_i64().unwrap() }
    };
    let expected = |offset: i64, from: &str, to: &str| {
        times.iter().filter(|at| on_days(at, offset, Some(from), Some(to))).count() as i64
    };
    // Shanghai: 17:00 and 16:00 UTC are already April 1st; 15:59:59.999999 is still March.
    assert_eq!(count(&w.east_director, "2026-04-01", "2026-04-30").await, 2);
    assert_eq!(count(&w.east_director, "2026-03-01", "2026-03-31").await, 1);
    assert_eq!(expected(8, "2026-04-01", "2026-04-30"), 2);
    // UTC: all three are March 31st, none April.
    assert_eq!(count(&utc, "2026-03-01", "2026-03-31").await, 3);
    assert_eq!(count(&utc, "2026-04-01", "2026-04-30").await, 0);
    assert_eq!(expected(0, "2026-03-01", "2026-03-31"), 3);
    // One day alone: Shanghai's April 1st holds the two, UTC's March 31st the three.
    assert_eq!(count(&w.east_director, "2026-04-01", "2026-04-01").await, 2);
    assert_eq!(count(&utc, "2026-03-31", "2026-03-31").await, 3);
    // The page shows the same count in the reader's days.
    let browser = crate::web::Browser::new(&w.app);
    browser.sign_in("dongfang").await;
    let page = browser.get_text("/reports/service-analysis?from=2026-04-01&to=2026-04-30").await;
    assert!(page.contains("<title>咨询: 2</title>"), "{page}");
}

/// An opportunity of the performance test: owner, currency, amount, stage, and how it ended
/// (won or lost, and when, in UTC).
struct Deal {
    owner: &'static str,
    currency: &'static str,
    amount: &'static str,
    stage: &'static str,
    closed: Option<(&'static str, &'static str)>,
}

/// One owner's figures as the API gives them, amounts as decimals per currency.
#[derive(Debug, Default, PartialEq)]
struct Figures {
    open: i64,
    won: i64,
    lost: i64,
    win_rate: Option<Decimal>,
    conversion_rate: Option<Decimal>,
    /// currency → (open amount, weighted amount)
    pipeline: BTreeMap<String, (Decimal, Decimal)>,
    won_amounts: BTreeMap<String, Decimal>,
}

fn figures_of(row: &Value) -> Figures {
    let rate = |v: &Value| v.as_str().map(|s| s.parse::<Decimal>().unwrap());
    let amounts = |v: &Value| -> Vec<(String, Decimal, Option<Decimal>)> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|a| (a["currency"].as_str().unwrap().to_string(), dec(&a["amount"]), a.get("weighted").map(dec)))
            .collect()
    };
    Figures {
        open: row["open"].as_i64().unwrap(),
        won: row["won"].as_i64().unwrap(),
        lost: row["lost"].as_i64().unwrap(),
        win_rate: rate(&row["win_rate"]),
        conversion_rate: rate(&row["conversion_rate"]),
        pipeline: amounts(&row["pipeline"]).into_iter().map(|(c, a, w)| (c, (a, w.unwrap()))).collect(),
        won_amounts: amounts(&row["won_amounts"]).into_iter().map(|(c, a, _)| (c, a)).collect(),
    }
}

fn rate(part: i64, whole: i64) -> Option<Decimal> {
    (whole > 0).then(|| (Decimal::from(part) / Decimal::from(whole)).round_dp(6))
}

/// The figures of `deals`, computed here: open ones as they stand, closed ones on the reader's
/// days `from..=to` (`offset` hours east of UTC). The weighted amount is Σ amount ×
/// probability ÷ 100, rounded once to 1/10,000, half away from zero.
fn expected_figures<'a>(
    deals: impl Iterator<Item = &'a Deal>,
    probability: &BTreeMap<&str, i64>,
    offset: i64,
    from: Option<&str>,
    to: Option<&str>,
) -> Figures {
    let mut f = Figures::default();
    let mut weighted: BTreeMap<String, Decimal> = BTreeMap::new();
    for d in deals {
        let amount: Decimal = d.amount.parse().unwrap();
        match d.closed {
            None => {
                f.open += 1;
                f.pipeline.entry(d.currency.into()).or_default().0 += amount;
                *weighted.entry(d.currency.into()).or_default() += amount * Decimal::from(probability[d.stage]);
            }
            Some((outcome, at)) if on_days(at, offset, from, to) => {
                if outcome == "won" {
                    f.won += 1;
                    *f.won_amounts.entry(d.currency.into()).or_default() += amount;
                } else {
                    f.lost += 1;
                }
            }
            Some(_) => {}
        }
    }
    for (currency, w) in weighted {
        let w = (w / Decimal::from(100)).round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero);
        f.pipeline.get_mut(&currency).unwrap().1 = w;
    }
    f.win_rate = rate(f.won, f.won + f.lost);
    f.conversion_rate = rate(f.won, f.open + f.won + f.lost);
    f
}

#[tokio::test]
async fn sales_performance_matches_figures_computed_from_the_opportunities_per_owner_scope_and_period() {
    // RPT-5: open pipeline with weighted amounts, won and lost in the period, win and
    // conversion rates per owner; the reader's days bound the period; divisions stay apart.
    let w = world().await;
    let north_id = w.app.user_id("zhaolei").await;
    let owners: BTreeMap<&str, String> =
        [("wang", w.app.user_id("wangwei").await), ("li", w.app.user_id("liming").await), ("north", north_id.clone())]
            .into();
    let stages = w.app.get_ok("/api/v1/pipeline-stages", &w.east_director).await;
    let stage_ids: BTreeMap<String, String> = stages["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap().to_string(), s["id"].as_str().unwrap().to_string()))
        .collect();
    let probability: BTreeMap<&str, i64> = [("发现机会", 10), ("需求分析", 30), ("谈判审核", 80)].into();
    let deal = |owner, currency, amount, stage, closed| Deal { owner, currency, amount, stage, closed };
    let deals = [
        deal("wang", "CNY", "1000.00", "发现机会", None),
        deal("wang", "CNY", "333.33", "需求分析", None),
        // 0.0003 × 80 % = 0.00024: 0.0002 once rounded.
        deal("wang", "USD", "0.0003", "谈判审核", None),
        // 23:59:59 on March 31st in Shanghai, 15:59:59 UTC.
        deal("wang", "CNY", "500.00", "发现机会", Some(("won", "2026-03-31T15:59:59Z"))),
        // Midnight of March 1st in Shanghai, still February 28th in UTC.
        deal("wang", "CNY", "80.00", "发现机会", Some(("lost", "2026-02-28T16:00:00Z"))),
        // Midnight of April 1st in Shanghai, still March 31st in UTC.
        deal("li", "USD", "200.00", "发现机会", Some(("won", "2026-03-31T16:00:00Z"))),
        deal("li", "CNY", "90.00", "发现机会", Some(("lost", "2026-02-28T15:59:59Z"))),
        deal("li", "CNY", "50.00", "发现机会", Some(("won", "2026-03-15T04:00:00Z"))),
        deal("li", "CNY", "10.00", "发现机会", None),
        deal("north", "CNY", "7777.00", "需求分析", None),
        deal("north", "CNY", "123.00", "发现机会", Some(("won", "2026-03-20T02:00:00Z"))),
    ];
    let reason = w.app.dictionary_entry(&w.east_director, "opportunity_loss_reason", "其他").await;
    for (i, d) in deals.iter().enumerate() {
        let director = if d.owner == "north" { &w.north_director } else { &w.east_director };
        let body = json!({"customer_name": format!("新客户{i}"), "summary": "采购", "amount": d.amount, "currency": d.currency});
        let o = w.app.created("/api/v1/opportunities", director, &body).await;
        let path = format!("/api/v1/opportunities/{}", o["id"].as_str().unwrap());
        let app = &w.app;
        let act = |verb: &'static str, body: Value| {
            let path = format!("{path}/{verb}");
            async move {
                let r = app.post_json(&path, Some(director), &body).await;
                assert_eq!(r.status(), StatusCode::OK, "{verb}: {}", r.text().await.unwrap());
            }
        };
        act("assign", json!({"assignee_id": owners[d.owner]})).await;
        if d.stage != "发现机会" {
            act("stage", json!({"stage_id": stage_ids[d.stage]})).await;
        }
        if let Some((outcome, at)) = d.closed {
            let mut body = json!({"outcome": outcome});
            if outcome == "lost" {
                body["reason_id"] = json!(reason);
            }
            act("close", body).await;
            set_time(&w, "opportunities", "closed_at", o["id"].as_str().unwrap(), at).await;
        }
    }

    let utc = user_in_zone(&w, "utc.boss", "executive", "UTC").await;
    let march = (Some("2026-03-01"), Some("2026-03-31"));
    let april = (Some("2026-04-01"), Some("2026-04-30"));
    // (reader, zone offset, owners they see, period)
    type View<'a> = (&'a str, i64, &'a [&'a str], (Option<&'a str>, Option<&'a str>));
    let views: [View; 7] = [
        (&w.east_director, 8, &["wang", "li"], march),
        (&w.east_director, 8, &["wang", "li"], april),
        (&utc, 0, &["wang", "li", "north"], march),
        (&utc, 0, &["wang", "li", "north"], april),
        (&w.north_director, 8, &["north"], march),
        (&w.wang, 8, &["wang"], (None, None)),
        (&w.executive, 8, &["wang", "li", "north"], (Some("2026-02-28"), Some("2026-02-28"))),
    ];
    for (token, offset, visible, (from, to)) in views {
        let query = [("from", from), ("to", to)]
            .iter()
            .filter_map(|(k, v)| v.map(|v| format!("{k}={v}")))
            .collect::<Vec<_>>()
            .join("&");
        let report = w.app.get_ok(&format!("/api/v1/reports/sales-performance?{query}"), token).await;
        let rows = keyed(&report, "items", |r| (r["owner_id"].as_str().unwrap().to_string(), figures_of(r)));
        let expected: BTreeMap<String, Figures> = visible
            .iter()
            .map(|o| {
                let mine = deals.iter().filter(|d| d.owner == *o);
                (owners[o].clone(), expected_figures(mine, &probability, offset, from, to))
            })
            .collect();
        assert_eq!(rows, expected, "{query} offset {offset} {visible:?}");
        let all = deals.iter().filter(|d| visible.contains(&d.owner));
        assert_eq!(figures_of(&report["totals"]), expected_figures(all, &probability, offset, from, to), "{query}");
    }
    // Spot checks of the rules on hand-made numbers: wang in March in Shanghai won one
    // (500) and lost one of three open: win rate 1/2, conversion 1/5; 1000 × 10 % + 333.33 ×
    // 30 % = 199.999.
    let report = w.app.get_ok("/api/v1/reports/sales-performance?from=2026-03-01&to=2026-03-31", &w.wang).await;
    let wang = figures_of(&report["items"][0]);
    assert_eq!((wang.open, wang.won, wang.lost), (3, 1, 1));
    assert_eq!((wang.win_rate, wang.conversion_rate), (Some("0.5".parse().unwrap()), Some("0.2".parse().unwrap())));
    assert_eq!(wang.pipeline["CNY"], ("1333.33".parse().unwrap(), "199.999".parse().unwrap()));
    assert_eq!(wang.pipeline["USD"], ("0.0003".parse().unwrap(), "0.0002".parse().unwrap()));
    // `owner_id` and `division_id` narrow what the reader sees, never widen it.
    let li = w.app.get_ok(&format!("/api/v1/reports/sales-performance?owner_id={}", owners["li"]), &w.executive).await;
    assert_eq!(li["items"].as_array().unwrap().len(), 1);
    let r = w.app.get_ok(&format!("/api/v1/reports/sales-performance?owner_id={north_id}"), &w.east_director).await;
    assert_eq!(r["items"].as_array().unwrap().len(), 0, "another division's owner: {r}");
    assert_eq!(r["totals"]["open"], 0);

    // The funnel and the forecast pages draw their charts from the same opportunities, with
    // the filters and downloads of every report page.
    let browser = crate::web::Browser::new(&w.app);
    browser.sign_in("dongfang").await;
    let funnel = browser.get_text("/reports/sales-funnel").await;
    assert!(!funnel.contains("<meter"), "{funnel}");
    // East: 发现机会 holds wang's 1000 and li's 10; 赢单 three, 输单 two.
    for bar in [
        "<title>发现机会: 2</title>",
        "<title>赢单: 3</title>",
        "<title>输单: 2</title>",
        "<title>发现机会: 1,010.00</title>",
        "金额 · USD",
    ] {
        assert!(funnel.contains(bar), "{bar}: {funnel}");
    }
    assert!(!funnel.contains("7,777.00"), "another division's pipeline");
    let forecast = browser.get_text("/reports/forecast?by=owner").await;
    // Weighted by owner: wang 199.999 CNY, li 1.00 CNY.
    assert!(forecast.contains("<title>wangwei: 199.999</title>") && forecast.contains("<title>liming: 1.00</title>"));
    for page in [&funnel, &forecast] {
        assert!(page.contains(r#"<svg viewBox"#) && page.contains("table-wrap"), "{page}");
        assert!(page.contains(r#"name="division_id""#) && page.contains(r#"name="owner_id""#), "{page}");
        assert!(page.contains("format=csv") && page.contains("format=xlsx"), "{page}");
    }
    let r = browser.get(&format!("/reports/sales-funnel?owner_id={}&format=csv", owners["li"])).await;
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    assert!(csv.contains("amount_CNY") && csv.contains("amount_USD"), "{csv}");
}

/// The bucket of an item `days` past due, as the report names it.
fn bucket_of(days: i64) -> &'static str {
    if days <= 0 {
        "not_due"
    } else if days <= 30 {
        "days_0_30"
    } else if days <= 60 {
        "days_31_60"
    } else if days <= 90 {
        "days_61_90"
    } else {
        "days_over_90"
    }
}

const BUCKETS: [&str; 5] = ["not_due", "days_0_30", "days_31_60", "days_61_90", "days_over_90"];

#[tokio::test]
async fn receivables_ageing_buckets_what_is_open_per_customer_and_currency_by_days_overdue_today() {
    // RPT-5, SAL-9, SAL-10: ageing as of today in the reader's zone, receipts deducted,
    // drafts left out, currencies apart, divisions apart.
    let w = world().await;
    // Shanghai keeps +8 all year: today there.
    let today: NaiveDate = (Utc::now() + chrono::Duration::hours(8)).date_naive();
    let day = |offset: i64| {
        if offset >= 0 { today + Days::new(offset as u64) } else { today - Days::new(offset.unsigned_abs()) }
    };
    // (customer, currency, [(days overdue, amount, received)]): each boundary of the buckets.
    type Plan = (usize, &'static str, &'static [(i64, i64, i64)]);
    let plans: [Plan; 4] = [
        (0, "CNY", &[(-5, 1_000, 0), (0, 200, 50), (1, 300, 0), (30, 400, 400), (31, 500, 100), (60, 600, 0)]),
        (0, "USD", &[(61, 700, 0), (90, 800, 0), (91, 900, 0), (400, 1_000, 999)]),
        (2, "CNY", &[(45, 111, 0), (120, 222, 22)]),
        (3, "CNY", &[(10, 5_000, 0)]),
    ];
    for &(customer, currency, items) in &plans {
        let director = if w.customers[customer].2 == "north" { &w.north_director } else { &w.east_director };
        let body = json!({"customer_id": w.customers[customer].0, "title": "合同", "starts_on": "2020-01-01",
            "ends_on": "2030-12-31", "amount": "100000", "currency": currency});
        let c = w.app.created("/api/v1/contracts", director, &body).await;
        let path = format!("/api/v1/contracts/{}", c["id"].as_str().unwrap());
        let r = w.app.post_json(&format!("{path}/activate"), Some(director), &json!({})).await;
        assert_eq!(r.status(), StatusCode::OK);
        let lines: Vec<Value> = items
            .iter()
            .map(|(days, amount, _)| json!({"due_on": day(-days).to_string(), "amount": money(*amount)}))
            .collect();
        let plan = w.app.created(&format!("{path}/payment-plan"), director, &json!({"items": lines})).await;
        // Receipts against the item due that day (the plan comes back in order of due date).
        for (days, _, received) in items.iter().filter(|i| i.2 > 0) {
            let due = day(-days).to_string();
            let item = plan.as_array().unwrap().iter().find(|i| i["due_on"] == due.as_str()).unwrap();
            let body = json!({"contract_id": c["id"], "received_on": today.to_string(), "amount": money(*received),
                "plan_item_id": item["id"]});
            w.app.created("/api/v1/payments", director, &body).await;
        }
    }
    // A draft contract promises nothing yet.
    let draft = json!({"customer_id": w.customers[1].0, "title": "草稿", "starts_on": "2020-01-01",
        "ends_on": "2030-12-31", "amount": "5"});
    let draft = w.app.created("/api/v1/contracts", &w.east_director, &draft).await;
    let path = format!("/api/v1/contracts/{}/payment-plan", draft["id"].as_str().unwrap());
    w.app.created(&path, &w.east_director, &json!({"items": [{"due_on": day(-200).to_string(), "amount": "5"}]})).await;

    // Expected: per (customer, currency) and per currency, what is open in each bucket.
    type Sums = BTreeMap<&'static str, i64>;
    let expected = |visible: &dyn Fn(usize) -> bool| {
        let mut rows: BTreeMap<(String, String), Sums> = BTreeMap::new();
        let mut totals: BTreeMap<String, Sums> = BTreeMap::new();
        for &(customer, currency, items) in &plans {
            if !visible(customer) {
                continue;
            }
            for &(days, amount, received) in items {
                if amount == received {
                    continue;
                }
                let bucket = bucket_of(days);
                let key = (w.customers[customer].1.clone(), currency.to_string());
                for sums in [rows.entry(key).or_default(), totals.entry(currency.to_string()).or_default()] {
                    *sums.entry(bucket).or_default() += amount - received;
                    if bucket != "not_due" {
                        *sums.entry("overdue").or_default() += amount - received;
                    }
                }
            }
        }
        (rows, totals)
    };
    let sums_of = |row: &Value| -> Sums {
        BUCKETS
            .iter()
            .chain(["overdue"].iter())
            .filter_map(|b| {
                let whole = i64::try_from(dec(&row[*b])).unwrap();
                (whole != 0).then_some((*b, whole))
            })
            .collect()
    };
    let views: [(&str, &dyn Fn(usize) -> bool); 4] = [
        (&w.east_director, &|c| w.customers[c].2 == "east"),
        (&w.north_director, &|c| w.customers[c].2 == "north"),
        (&w.wang, &|c| w.customers[c].3 == "wang"),
        (&w.executive, &|_| true),
    ];
    for (token, visible) in views {
        let report = w.app.get_ok("/api/v1/reports/receivables-ageing", token).await;
        let text = |r: &Value, field: &str| r[field].as_str().unwrap().to_string();
        let rows = keyed(&report, "items", |r| ((text(r, "customer_name"), text(r, "currency")), sums_of(r)));
        let totals = keyed(&report, "totals", |r| (text(r, "currency"), sums_of(r)));
        assert_eq!((rows, totals), expected(visible));
    }
    // By hand for 华星科技 in CNY: 1000 not due; 150 due today is not overdue yet; 300 one day
    // late; 400 paid; 400 of 500 at 31 days; 600 at 60.
    let report = w.app.get_ok("/api/v1/reports/receivables-ageing", &w.east_director).await;
    let row = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["customer_name"] == "华星科技" && r["currency"] == "CNY")
        .unwrap();
    let row = BUCKETS.map(|b| row[b].as_str().unwrap().to_string());
    assert_eq!(row, ["1150.00", "300.00", "1000.00", "0.00", "0.00"]);
    // The period does not apply: ageing is as of today.
    let old = w.app.get_ok("/api/v1/reports/receivables-ageing?from=2000-01-01&to=2000-01-31", &w.east_director).await;
    assert_eq!(old["items"], report["items"]);
    // The division filter cannot reach another division.
    let north = w.app.get_ok("/api/v1/divisions", &w.executive).await;
    let north_id = north["items"].as_array().unwrap().iter().find(|d| d["name"] == "华北").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = w.app.get_ok(&format!("/api/v1/reports/receivables-ageing?division_id={north_id}"), &w.east_director).await;
    assert_eq!(r["items"].as_array().unwrap().len(), 0, "{r}");
    let r = w.app.get_ok(&format!("/api/v1/reports/receivables-ageing?division_id={north_id}"), &w.executive).await;
    assert_eq!(r["items"].as_array().unwrap().len(), 1, "{r}");
}
