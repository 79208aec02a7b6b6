//! Reports (RPT-1..3, 5..8): every figure compared with sums made here from the rows the test
//! inserted, period edges, division and own scope in JSON and in the CSV and Excel files.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::helpers::{TestApp, fresh_database_url};

struct World {
    app: TestApp,
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
    World { app, east_director, north_director, executive, wang, li, customers, orders }
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

    // The `to` day is in, the day after out; `from` likewise.
    let april =
        w.app.get_ok("/api/v1/reports/customer-contribution?from=2026-03-31&to=2026-04-01", &w.east_director).await;
    assert_eq!(rows_of(&april), expected_totals(&w, "2026-03-31", "2026-04-01", east));
    assert_eq!(rows_of(&april).len(), 2);

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
    let mut listed = 0;
    for s in segments {
        let code = s["segment"].as_str().unwrap();
        let customers = w.app.get_ok(&format!("/api/v1/reports/rfm?to=2026-04-30&segment={code}"), &w.executive).await;
        let items = customers["items"].as_array().unwrap();
        assert_eq!(items.len() as i64, s["customers"].as_i64().unwrap(), "{code}");
        for c in items {
            assert_eq!(c["segment"], code);
            assert!((1..=5).contains(&c["r"].as_i64().unwrap()));
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

    // Dashboards: a manager's own figures with room for tasks and churn warnings; a
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
