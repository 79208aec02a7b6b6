//! Churn analysis (RPT-4) through the real server: losses confirmed through the API, their
//! times moved into the past in the database, and every row, reason total and monthly rate
//! compared with what this test computes from the facts it made — on the reader's days
//! (Asia/Shanghai) at the month's edges, in division and own scope, in the files and the page.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use reqwest::StatusCode;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Value, json};

use crm_core::churn::actions as churn;

use crate::helpers::{Staff, TestApp, fresh_database_url, set_time};

/// A loss: confirmed at (UTC), for a reason, and undone by a new order at (UTC).
struct Loss {
    confirmed_at: &'static str,
    reason: &'static str,
    reactivated_at: Option<&'static str>,
}

/// A customer as made: division, owner (a username), orders (date, cancelled) and loss.
struct Fact {
    name: &'static str,
    division: &'static str,
    owner: &'static str,
    orders: Vec<(&'static str, bool)>,
    loss: Option<Loss>,
}

fn facts() -> Vec<Fact> {
    let loss = |confirmed_at, reason, reactivated_at| Some(Loss { confirmed_at, reason, reactivated_at });
    let fact = |name, division, owner, orders, loss| Fact { name, division, owner, orders, loss };
    vec![
        // 00:30 on March 1st in Shanghai, still February in UTC.
        fact(
            "华星科技",
            "east",
            "wangwei",
            vec![("2024-11-03", false), ("2024-12-20", false)],
            loss("2026-02-28T16:30:00Z", "价格因素", None),
        ),
        // 23:59 on March 31st in Shanghai.
        fact(
            "远航物流",
            "east",
            "wangwei",
            vec![("2024-12-01", false)],
            loss("2026-03-31T15:59:00Z", "服务不满意", None),
        ),
        // 00:00 on April 1st in Shanghai: April's.
        fact("东方机械", "east", "liming", vec![("2024-10-09", false)], loss("2026-03-31T16:00:00Z", "价格因素", None)),
        // Lost in January, won back on February 10th: lost at February's start, not March's.
        fact(
            "星辰软件",
            "east",
            "liming",
            vec![("2024-12-15", false)],
            loss("2026-01-15T02:00:00Z", "被竞争对手挖走", Some("2026-02-10T00:00:00Z")),
        ),
        fact(
            "北方重工",
            "north",
            "zhaolei",
            vec![("2024-12-24", false)],
            loss("2026-03-10T01:00:00Z", "被竞争对手挖走", None),
        ),
        // Active, never lost.
        fact("长江电子", "east", "wangwei", vec![("2024-12-02", false)], None),
        // First bought in March: in April's base only.
        fact("未来材料", "east", "liming", vec![("2026-03-05", false)], None),
        // Never bought, or only a cancelled order: in no base.
        fact("南山食品", "east", "wangwei", vec![], None),
        fact("西湖茶业", "east", "liming", vec![("2025-01-05", true)], None),
    ]
}

struct World {
    app: TestApp,
    facts: Vec<Fact>,
    /// Customer ids, as `facts`.
    ids: Vec<String>,
    staff: Staff,
}

async fn world() -> World {
    let (url, _) = fresh_database_url().await;
    let app = TestApp::spawn_on(&url).await;
    let staff = app.staff().await;
    let (director, north_director) = (&staff.director, &staff.north_director);
    let facts = facts();
    let mut ids = Vec::new();
    for f in &facts {
        let token = if f.division == "north" { north_director } else { director };
        let mut body = json!({"name": f.name, "status": "active"});
        if !f.owner.is_empty() {
            body["owner_id"] = json!(app.user_id(f.owner).await);
        }
        let c = app.create_customer(token, &body).await;
        let id = c["id"].as_str().unwrap().to_string();
        for (date, cancelled) in &f.orders {
            let mut order = json!({"customer_id": id, "order_date": date,
                "lines": [{"description": "设备维保", "quantity": "1", "unit_price": "100.00"}]});
            if *cancelled {
                order["status"] = json!("cancelled");
            }
            app.created("/api/v1/orders", token, &order).await;
        }
        ids.push(id);
    }
    churn::detect(&app.db, 6).await.unwrap();
    for (f, id) in facts.iter().zip(&ids) {
        let Some(loss) = &f.loss else { continue };
        let token = if f.division == "north" { north_director } else { director };
        let warnings = app.get_ok(&format!("/api/v1/churn-warnings?customer_id={id}"), token).await;
        let warning = warnings["items"][0]["id"].as_str().unwrap().to_string();
        let reason = app.dictionary_entry(token, "churn_reason", loss.reason).await;
        let path = format!("/api/v1/churn-warnings/{warning}/confirm");
        let r = app.post_json(&path, Some(token), &json!({"reason_id": reason})).await;
        assert_eq!(r.status(), StatusCode::OK, "confirm {}", f.name);
        set_time(&url, "churn_warnings", "confirmed_at", &warning, loss.confirmed_at).await;
        if let Some(at) = loss.reactivated_at {
            // A new order wins the customer back; its time is then moved to the past.
            let today = Utc::now().date_naive().to_string();
            let order = json!({"customer_id": id, "order_date": today,
                "lines": [{"description": "设备维保", "quantity": "1", "unit_price": "100.00"}]});
            app.created("/api/v1/orders", token, &order).await;
            set_time(&url, "churn_warnings", "closed_at", &warning, at).await;
        }
    }
    World { app, facts, ids, staff }
}

/// A UTC time as the wall-clock time in Shanghai (UTC+8, no summer time).
fn shanghai(at: &str) -> NaiveDateTime {
    (at.parse::<DateTime<Utc>>().unwrap() + Duration::hours(8)).naive_utc()
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Losses confirmed on the Shanghai days `from..=to` of the customers `visible` lets through,
/// as (customer, owner, last order before the loss, reason, won back).
fn expected_rows(
    w: &World,
    from: &str,
    to: &str,
    visible: impl Fn(&Fact) -> bool,
) -> BTreeSet<(String, String, String, String, bool)> {
    w.facts
        .iter()
        .filter(|f| visible(f))
        .filter_map(|f| {
            let loss = f.loss.as_ref()?;
            let on = shanghai(loss.confirmed_at).date();
            let last = f.orders.iter().filter(|o| !o.1).map(|o| o.0).max()?;
            (on >= day(from) && on <= day(to)).then(|| {
                let row = (f.name, f.owner, last, loss.reason, loss.reactivated_at.is_some());
                (row.0.into(), row.1.into(), row.2.into(), row.3.into(), row.4)
            })
        })
        .collect()
}

fn rows_of(report: &Value) -> BTreeSet<(String, String, String, String, bool)> {
    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (text(&r["customer_name"]), text(&r["owner"]), text(&r["last_order_date"]), text(&r["reason"]), {
                !r["reactivated_at"].is_null()
            })
        })
        .collect()
}

fn ratio(part: i64, whole: i64) -> Option<Decimal> {
    (whole > 0).then(|| {
        (Decimal::from(part) / Decimal::from(whole)).round_dp_with_strategy(6, RoundingStrategy::MidpointAwayFromZero)
    })
}

/// (month, active at its start, lost in it, rate) of the months `first_days`, computed from
/// the facts by the rule the report documents.
fn expected_months(
    w: &World,
    first_days: &[&str],
    visible: impl Fn(&Fact) -> bool,
) -> Vec<(String, i64, i64, Option<Decimal>)> {
    first_days
        .iter()
        .map(|first| {
            let start = day(first).and_hms_opt(0, 0, 0).unwrap();
            let end = day(first).checked_add_months(chrono::Months::new(1)).unwrap().and_hms_opt(0, 0, 0).unwrap();
            let seen = || w.facts.iter().filter(|f| visible(f));
            let active = seen()
                .filter(|f| f.orders.iter().any(|(d, cancelled)| !cancelled && day(d) < day(first)))
                .filter(|f| {
                    !f.loss.as_ref().is_some_and(|l| {
                        shanghai(l.confirmed_at) < start && l.reactivated_at.is_none_or(|r| shanghai(r) >= start)
                    })
                })
                .count() as i64;
            let lost = seen()
                .filter_map(|f| f.loss.as_ref())
                .filter(|l| shanghai(l.confirmed_at) >= start && shanghai(l.confirmed_at) < end)
                .count() as i64;
            (first[..7].to_string(), active, lost, ratio(lost, active))
        })
        .collect()
}

fn months_of(report: &Value) -> Vec<(String, i64, i64, Option<Decimal>)> {
    report["totals"]["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let rate = m["rate"].as_str().map(|r| r.parse().unwrap());
            (
                m["month"].as_str().unwrap().to_string(),
                m["active_at_start"].as_i64().unwrap(),
                m["lost"].as_i64().unwrap(),
                rate,
            )
        })
        .collect()
}

/// (reason, count, share) computed from the expected rows.
fn expected_reasons(
    rows: &BTreeSet<(String, String, String, String, bool)>,
) -> BTreeSet<(String, i64, Option<Decimal>)> {
    let total = rows.len() as i64;
    let reasons: BTreeSet<&String> = rows.iter().map(|r| &r.3).collect();
    reasons
        .into_iter()
        .map(|reason| {
            let n = rows.iter().filter(|r| &r.3 == reason).count() as i64;
            (reason.clone(), n, ratio(n, total))
        })
        .collect()
}

fn reasons_of(report: &Value) -> BTreeSet<(String, i64, Option<Decimal>)> {
    report["totals"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let share = r["share"].as_str().map(|s| s.parse().unwrap());
            (r["reason"].as_str().unwrap().to_string(), r["count"].as_i64().unwrap(), share)
        })
        .collect()
}

const PATH: &str = "/api/v1/reports/churn-analysis";

/// Asserts every figure of the report for `from..=to` (whose months are `months`) as `token`
/// reads it, with `extra` query parameters, against the facts `visible` lets through.
async fn check(
    w: &World,
    token: &str,
    from: &str,
    to: &str,
    months: &[&str],
    extra: &str,
    visible: impl Fn(&Fact) -> bool,
) -> Value {
    let report = w.app.get_ok(&format!("{PATH}?from={from}&to={to}{extra}"), token).await;
    let rows = expected_rows(w, from, to, &visible);
    assert_eq!(rows_of(&report), rows, "{report}");
    assert_eq!(report["totals"]["lost"], rows.len(), "{report}");
    assert_eq!(reasons_of(&report), expected_reasons(&rows), "{report}");
    assert_eq!(months_of(&report), expected_months(w, months, &visible), "{report}");
    report
}

#[tokio::test]
async fn churn_analysis_lists_the_losses_confirmed_on_the_readers_days_with_reasons_and_monthly_rates() {
    let w = world().await;
    let everyone = |_: &Fact| true;
    // March in Shanghai: 华星 (still February in UTC), 远航 (23:59) and 北方; not 东方 (April
    // 1st at 00:00) nor 星辰 (January).
    let march = check(&w, &w.staff.executive, "2026-03-01", "2026-03-31", &["2026-03-01"], "", everyone).await;
    let names: BTreeSet<_> = rows_of(&march).into_iter().map(|r| r.0).collect();
    assert_eq!(names, BTreeSet::from(["华星科技".into(), "远航物流".into(), "北方重工".into()]));
    // Six customers had bought before March and none was lost then (星辰 was won back in
    // February): 3 of 6.
    assert_eq!(months_of(&march)[0], ("2026-03".into(), 6, 3, Some("0.5".parse().unwrap())));
    let row = march["items"].as_array().unwrap().iter().find(|r| r["customer_name"] == "华星科技").unwrap().clone();
    assert_eq!(row["customer_id"], w.ids[0].as_str());
    assert_eq!(row["confirmed_at"], "2026-02-28T16:30:00Z");
    assert_eq!(row["last_order_date"], "2024-12-20");

    // January to April: 星辰's loss, undone since, is January's, and it is out of February's base.
    let months = ["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01"];
    let spring = check(&w, &w.staff.executive, "2026-01-01", "2026-04-30", &months, "", everyone).await;
    assert_eq!(spring["totals"]["lost"], 5);
    assert_eq!(months_of(&spring)[1].1, 5, "星辰 is lost at February's start");
    assert_eq!(months_of(&spring)[3].1, 4, "April: 未来材料 joins, March's three losses leave");
    let top = &spring["totals"]["reasons"][0];
    assert_eq!((top["count"].as_i64(), top["share"].as_str()), (Some(2), Some("0.4")));

    // One day: only 远航, lost at 23:59 on the 31st.
    check(&w, &w.staff.executive, "2026-03-31", "2026-03-31", &["2026-03-01"], "", everyone).await;
    // Without a period: every loss, and the chart's twelve months up to this one.
    let all = w.app.get_ok(PATH, &w.staff.executive).await;
    assert_eq!(all["totals"]["lost"], 5);
    assert_eq!(all["totals"]["months"].as_array().unwrap().len(), 12);
    // `limit` keeps the latest rows; the totals still count every loss.
    let one = w.app.get_ok(&format!("{PATH}?from=2026-01-01&to=2026-04-30&limit=1"), &w.staff.executive).await;
    assert_eq!(one["items"].as_array().unwrap().len(), 1);
    assert_eq!(one["items"][0]["customer_name"], "东方机械");
    assert_eq!(one["totals"]["lost"], 5);

    // Bad input names the field; without the reports right, 403.
    let r = w.app.get(&format!("{PATH}?from=2026-02-30&division_id=x"), Some(&w.staff.executive)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    let fields: Vec<_> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["from", "division_id"]);
    let admin = w.app.user("root", "admin", &[]).await;
    assert_eq!(w.app.get(PATH, Some(&admin)).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn churn_analysis_counts_only_the_customers_the_reader_may_see_and_the_filters_name() {
    let w = world().await;
    let months = ["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01"];
    let (from, to) = ("2026-01-01", "2026-04-30");
    let east = |f: &Fact| f.division == "east";
    let report = check(&w, &w.staff.director, from, to, &months, "", east).await;
    assert!(!report.to_string().contains("北方重工"));
    check(&w, &w.staff.north_director, from, to, &months, "", |f| f.division == "north").await;
    // An account manager: their own customers only, in the rows and in the rates.
    let own = check(&w, &w.staff.wang, from, to, &months, "", |f| f.owner == "wangwei").await;
    assert_eq!(months_of(&own)[2], ("2026-03".into(), 3, 2, ratio(2, 3)));
    check(&w, &w.staff.colleague, from, to, &months, "", |f| f.owner == "liming").await;
    // The filters narrow the executive's company to a division or an owner.
    let north_id = w.app.get_ok("/api/v1/divisions", &w.staff.executive).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "华北")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    check(&w, &w.staff.executive, from, to, &months, &format!("&division_id={north_id}"), |f| f.division == "north")
        .await;
    let li = w.app.user_id("liming").await;
    check(&w, &w.staff.executive, from, to, &months, &format!("&owner_id={li}"), |f| f.owner == "liming").await;
    // A manager may not narrow to what they cannot see: another owner's customers are none.
    let mine_only = check(&w, &w.staff.wang, from, to, &months, &format!("&owner_id={li}"), |_| false).await;
    assert_eq!(mine_only["totals"]["lost"], 0);
}

#[tokio::test]
async fn churn_analysis_downloads_its_rows_and_draws_the_monthly_rate_on_its_page() {
    let w = world().await;
    let query = "from=2026-01-01&to=2026-04-30";
    let report = w.app.get_ok(&format!("{PATH}?{query}"), &w.staff.director).await;
    let r = w.app.get(&format!("{PATH}?{query}&format=csv"), Some(&w.staff.director)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    let mut csv = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = csv.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("{name}: {headers:?}"));
    let lines: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    let items = report["items"].as_array().unwrap();
    assert_eq!(lines.len(), items.len());
    for (line, item) in lines.iter().zip(items) {
        for field in ["customer_name", "owner", "last_order_date", "reason"] {
            assert_eq!(line[column(field)], *item[field].as_str().unwrap(), "{field}");
        }
    }
    let r = w.app.get(&format!("{PATH}?{query}&format=xlsx"), Some(&w.staff.director)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("churn-analysis.xlsx"));
    assert_eq!(w.app.get(&format!("{PATH}?format=csv"), Some(&w.staff.wang)).await.status(), StatusCode::FORBIDDEN);

    let browser = crate::web::Browser::new(&w.app);
    browser.sign_in("dongfang").await;
    let page = browser.get_text(&format!("/reports/churn-analysis?{query}")).await;
    assert!(page.contains("客户流失分析") && page.contains("<svg viewBox"), "{page}");
    // March's bar: 2 of the east's 5 customers active at its start.
    let march = &months_of(&report)[2];
    assert_eq!((march.1, march.2), (5, 2));
    assert!(page.contains("<title>2026-03: 40.0% (2/5)</title>"), "{page}");
    assert!(page.contains("<title>价格因素: 2 (50.0%)</title>"), "{page}");
    assert!(page.contains(&format!("/customers/{}", w.ids[0])) && !page.contains("北方重工"), "{page}");
    // Times in the reader's zone: 华星's loss shows on March 1st.
    assert!(page.contains("2026-03-01 00:30"), "{page}");
    assert!(page.contains("format=xlsx") && browser.get_text("/reports").await.contains("/reports/churn-analysis"));
    let r =
        browser.client.get(w.app.url("/reports/churn-analysis")).header("Accept-Language", "en").send().await.unwrap();
    assert!(r.text().await.unwrap().contains("Monthly churn rate"));
}
