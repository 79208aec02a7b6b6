//! Sales opportunities through the real server (SAL-1..5): assignment and who may edit,
//! every workflow step and the ones the state forbids, development plans, winning into a
//! customer and losing with a reason, the pipeline's stages, board, funnel and forecast, the
//! division scope, and the stale check.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crm_core::sales::opportunities::actions as opportunities;

use crate::helpers::TestApp;
use crate::web::Browser;

/// 华东 with a director and two account managers, 华北 with a director, and an administrator.
struct World {
    app: TestApp,
    director: String,
    manager: String,
    colleague: String,
    colleague_id: String,
    north_director: String,
    admin: String,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let east = app.division("华东").await;
    let north = app.division("华北").await;
    let director = app.user("dongfang", "director", &[east]).await;
    let manager = app.user("wangwei", "manager", &[east]).await;
    let colleague = app.user("liming", "manager", &[east]).await;
    let colleague_id = app.user_id("liming").await;
    let north_director = app.user("zhaolei", "director", &[north]).await;
    let admin = app.user("root", "admin", &[]).await;
    World { app, director, manager, colleague, colleague_id, north_director, admin }
}

fn id(record: &Value) -> &str {
    record["id"].as_str().unwrap()
}

async fn problem(r: reqwest::Response, status: StatusCode) -> Value {
    let actual = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(actual, status, "{body}");
    body
}

async fn ok(r: reqwest::Response) -> Value {
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn fields(problem: &Value) -> Vec<(&str, &str)> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect()
}

async fn opportunity(w: &World, token: &str, body: Value) -> Value {
    w.app.created("/api/v1/opportunities", token, &body).await
}

async fn action(w: &World, token: &str, o: &Value, verb: &str, body: Value) -> reqwest::Response {
    w.app.post_json(&format!("/api/v1/opportunities/{}/{verb}", id(o)), Some(token), &body).await
}

/// An opportunity the manager created and the director assigned to the colleague.
async fn assigned(w: &World, body: Value) -> Value {
    let o = opportunity(w, &w.manager, body).await;
    ok(action(w, &w.director, &o, "assign", json!({"assignee_id": w.colleague_id})).await).await
}

async fn stage_id(w: &World, name: &str) -> String {
    let stages = w.app.get_ok("/api/v1/pipeline-stages", &w.director).await;
    let stage = stages["items"].as_array().unwrap().iter().find(|s| s["name"] == name);
    stage.unwrap_or_else(|| panic!("no stage {name}"))["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn an_opportunity_is_created_unassigned_in_the_first_stage_with_its_number() {
    let w = world().await;
    let source = w.app.dictionary_entry(&w.manager, "opportunity_source", "展会").await;
    let r = w
        .app
        .post_json(
            "/api/v1/opportunities",
            Some(&w.manager),
            &json!({"customer_name": "华星科技", "summary": "采购 ERP 系统", "source_id": source,
                "contact_name": "陈经理", "contact_phone": "13800138000", "amount": "128000.50",
                "expected_close_date": "2026-12-31"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let o: Value = r.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/opportunities/{}", id(&o)));
    assert_eq!(o["status"], "unassigned");
    assert!(o["number"].as_str().unwrap().starts_with("JH"), "{o}");
    assert_eq!((o["stage"]["label"].as_str(), o["probability"].as_i64()), (Some("发现机会"), Some(10)));
    assert_eq!((o["amount"].as_str(), o["currency"].as_str()), (Some("128000.50"), Some("CNY")));
    assert_eq!(o["source"]["label"], "展会");
    assert_eq!(o["owner_id"], o["created_by"]);
    let r = w.app.get(&location, Some(&w.manager)).await;
    assert_eq!(r.headers()["etag"], "\"1\"");

    let bad = w
        .app
        .post_json(
            "/api/v1/opportunities",
            Some(&w.manager),
            &json!({"customer_name": " ", "summary": "x", "probability": 120, "amount": "1.23456",
                "source_id": w.app.dictionary_entry(&w.manager, "region", "北京市").await}),
        )
        .await;
    let bad = problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        fields(&bad),
        [("customer_name", "required"), ("probability", "out_of_range"), ("amount", "out_of_range")]
    );
    let wrong_kind = json!({"customer_name": "x", "summary": "x",
        "source_id": w.app.dictionary_entry(&w.manager, "region", "北京市").await});
    let r = w.app.post_json("/api/v1/opportunities", Some(&w.manager), &wrong_kind).await;
    assert_eq!(fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), [("source_id", "wrong_kind")]);
    let won = json!({"customer_name": "x", "summary": "x", "stage_id": stage_id(&w, "赢单").await});
    let r = w.app.post_json("/api/v1/opportunities", Some(&w.manager), &won).await;
    assert_eq!(fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), [("stage_id", "closing_stage")]);
}

#[tokio::test]
async fn only_a_director_assigns_and_then_the_creator_can_no_longer_edit() {
    // SAL-2
    let w = world().await;
    let o = opportunity(&w, &w.manager, json!({"customer_name": "华星科技", "summary": "ERP"})).await;
    // The creator edits while unassigned.
    let r = w
        .app
        .patch_json(
            &format!("/api/v1/opportunities/{}", id(&o)),
            &w.manager,
            Some("\"1\""),
            &json!({"summary": "ERP 二期"}),
        )
        .await;
    assert_eq!(ok(r).await["version"], 2);
    // An account manager may not assign.
    let r = action(&w, &w.manager, &o, "assign", json!({"assignee_id": w.colleague_id})).await;
    problem(r, StatusCode::FORBIDDEN).await;
    // Nobody outside the division takes it.
    let outsider = w.app.user_id("zhaolei").await;
    let r = action(&w, &w.director, &o, "assign", json!({"assignee_id": outsider})).await;
    assert_eq!(fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), [("assignee_id", "not_in_division")]);

    let a = ok(action(&w, &w.director, &o, "assign", json!({"assignee_id": w.colleague_id})).await).await;
    assert_eq!(a["status"], "assigned");
    assert_eq!(a["assignee_id"].as_str(), Some(w.colleague_id.as_str()));
    assert_eq!(a["owner_id"], a["assignee_id"]);
    assert!(a["assigned_at"].is_string());

    let path = format!("/api/v1/opportunities/{}", id(&o));
    // The creator still reads it but may not change it; the assignee and the director may.
    assert_eq!(w.app.get_ok(&path, &w.manager).await["status"], "assigned");
    let r = w.app.patch_json(&path, &w.manager, None, &json!({"summary": "改"})).await;
    problem(r, StatusCode::FORBIDDEN).await;
    let r = w.app.patch_json(&path, &w.colleague, None, &json!({"amount": "5000"})).await;
    assert_eq!(ok(r).await["amount"], "5000.00");
    let r = w.app.patch_json(&path, &w.director, Some("\"3\""), &json!({"probability": 35})).await;
    problem(r, StatusCode::PRECONDITION_FAILED).await;
    let r = w.app.patch_json(&path, &w.director, Some("\"4\""), &json!({"probability": 35})).await;
    assert_eq!(ok(r).await["probability"], 35);

    // Every step is in the audit log.
    let log = w.app.get_ok(&format!("/api/v1/audit-log?entity=opportunities&entity_id={}", id(&o)), &w.admin).await;
    let mut actions: Vec<&str> =
        log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    actions.sort_unstable();
    assert_eq!(actions, ["assign", "create", "update", "update", "update"]);
}

#[tokio::test]
async fn winning_creates_the_customer_with_the_contact_and_links_it() {
    // SAL-3
    let w = world().await;
    let o = assigned(
        &w,
        json!({"customer_name": "远航物流有限公司", "summary": "仓储系统", "contact_name": "孙丽", "contact_phone": "021-55556666"}),
    )
    .await;
    // Closing needs an outcome it knows.
    let r = action(&w, &w.colleague, &o, "close", json!({"outcome": "maybe"})).await;
    assert_eq!(fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), [("outcome", "invalid_choice")]);
    let won = ok(action(&w, &w.colleague, &o, "close", json!({"outcome": "won"})).await).await;
    assert_eq!((won["status"].as_str(), won["stage"]["label"].as_str()), (Some("won"), Some("赢单")));
    assert_eq!(won["probability"], 100);
    let customer_id = won["customer_id"].as_str().expect("linked customer");
    let customer = w.app.get_ok(&format!("/api/v1/customers/{customer_id}"), &w.colleague).await;
    assert_eq!((customer["name"].as_str(), customer["status"].as_str()), (Some("远航物流有限公司"), Some("active")));
    assert_eq!(customer["owner_id"].as_str(), Some(w.colleague_id.as_str()));
    let contacts = w.app.get_ok(&format!("/api/v1/contacts?customer_id={customer_id}"), &w.colleague).await;
    let contact = &contacts["items"][0];
    assert_eq!((contact["name"].as_str(), contact["phone"].as_str()), (Some("孙丽"), Some("021-55556666")));
    assert_eq!(contact["primary"], true);

    // Closed is closed.
    for (verb, body) in [
        ("close", json!({"outcome": "won"})),
        ("assign", json!({"assignee_id": w.colleague_id})),
        ("stage", json!({"stage_id": stage_id(&w, "需求分析").await})),
        ("plan-items", json!({"planned_on": "2026-05-01", "content": "回访"})),
    ] {
        let r = action(&w, &w.director, &o, verb, body).await;
        let p = problem(r, StatusCode::CONFLICT).await;
        assert!(p["detail"].as_str().unwrap().contains("won"), "{verb}: {p}");
    }
    let r = w
        .app
        .patch_json(&format!("/api/v1/opportunities/{}", id(&o)), &w.director, None, &json!({"summary": "x"}))
        .await;
    problem(r, StatusCode::CONFLICT).await;
}

#[tokio::test]
async fn winning_converts_a_linked_prospect_and_keeps_its_contacts() {
    let w = world().await;
    let prospect = w.app.create_customer(&w.manager, &json!({"name": "新锐电子"})).await;
    assert_eq!(prospect["status"], "prospect");
    w.app
        .created(
            "/api/v1/contacts",
            &w.manager,
            &json!({"customer_id": id(&prospect), "name": "周强", "primary": true}),
        )
        .await;
    let o = assigned(
        &w,
        json!({"customer_name": "新锐电子", "customer_id": id(&prospect), "summary": "芯片测试", "contact_name": "周强"}),
    )
    .await;
    let won = ok(action(&w, &w.colleague, &o, "close", json!({"outcome": "won"})).await).await;
    assert_eq!(won["customer_id"].as_str(), Some(id(&prospect)));
    let customer = w.app.get_ok(&format!("/api/v1/customers/{}", id(&prospect)), &w.director).await;
    assert_eq!(customer["status"], "active");
    // The contact of that name exists already: no second one.
    let contacts = w.app.get_ok(&format!("/api/v1/contacts?customer_id={}", id(&prospect)), &w.director).await;
    assert_eq!(contacts["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn losing_needs_a_reason_from_the_dictionary() {
    let w = world().await;
    let o = assigned(&w, json!({"customer_name": "华星科技", "summary": "ERP"})).await;
    let r = action(&w, &w.colleague, &o, "close", json!({"outcome": "lost"})).await;
    assert_eq!(fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), [("reason_id", "required")]);
    let churn = w.app.dictionary_entry(&w.colleague, "churn_reason", "其他").await;
    let r = action(&w, &w.colleague, &o, "close", json!({"outcome": "lost", "reason_id": churn})).await;
    assert_eq!(fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), [("reason_id", "wrong_kind")]);
    let reason = w.app.dictionary_entry(&w.colleague, "opportunity_loss_reason", "选择了竞争对手").await;
    let lost = ok(action(&w, &w.colleague, &o, "close", json!({"outcome": "lost", "reason_id": reason})).await).await;
    assert_eq!((lost["status"].as_str(), lost["stage"]["label"].as_str()), (Some("lost"), Some("输单")));
    assert_eq!(lost["loss_reason"]["label"], "选择了竞争对手");
    assert_eq!((lost["probability"].as_i64(), lost["customer_id"].as_str()), (Some(0), None));
}

#[tokio::test]
async fn an_unassigned_opportunity_cannot_be_planned_or_closed() {
    let w = world().await;
    let o = opportunity(&w, &w.manager, json!({"customer_name": "华星科技", "summary": "ERP"})).await;
    for (verb, body) in
        [("close", json!({"outcome": "won"})), ("plan-items", json!({"planned_on": "2026-05-01", "content": "拜访"}))]
    {
        let p = problem(action(&w, &w.director, &o, verb, body).await, StatusCode::CONFLICT).await;
        assert!(p["detail"].as_str().unwrap().contains("unassigned"), "{p}");
    }
    // The board's won column is entered through the close rules, not around them.
    let won = stage_id(&w, "赢单").await;
    let r = action(&w, &w.director, &o, "stage", json!({"stage_id": won})).await;
    problem(r, StatusCode::CONFLICT).await;
}

#[tokio::test]
async fn the_assignee_plans_steps_and_records_their_results() {
    // SAL-3
    let w = world().await;
    let o = assigned(&w, json!({"customer_name": "华星科技", "summary": "ERP"})).await;
    let bad = action(&w, &w.colleague, &o, "plan-items", json!({"planned_on": "五月", "content": ""})).await;
    let bad = problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&bad), [("planned_on", "invalid_date"), ("content", "required")]);
    // The creator handed it on: the plan is not theirs.
    let r = action(&w, &w.manager, &o, "plan-items", json!({"planned_on": "2026-05-01", "content": "拜访"})).await;
    problem(r, StatusCode::FORBIDDEN).await;
    let later = w
        .app
        .created(
            &format!("/api/v1/opportunities/{}/plan-items", id(&o)),
            &w.colleague,
            &json!({"planned_on": "2026-05-20", "content": "方案演示"}),
        )
        .await;
    let first = w
        .app
        .created(
            &format!("/api/v1/opportunities/{}/plan-items", id(&o)),
            &w.colleague,
            &json!({"planned_on": "2026-05-01", "content": "上门拜访，了解需求"}),
        )
        .await;
    assert!(first["result"].is_null());
    let item_path = format!("/api/v1/opportunities/{}/plan-items/{}", id(&o), id(&first));
    let r = w.app.patch_json(&item_path, &w.colleague, Some("\"1\""), &json!({"result": "客户确认预算 50 万"})).await;
    let done = ok(r).await;
    assert_eq!((done["result"].as_str(), done["version"].as_i64()), (Some("客户确认预算 50 万"), Some(2)));
    let r = w.app.patch_json(&item_path, &w.colleague, Some("\"1\""), &json!({"result": "x"})).await;
    problem(r, StatusCode::PRECONDITION_FAILED).await;
    let plan = w.app.get_ok(&format!("/api/v1/opportunities/{}/plan-items", id(&o)), &w.manager).await;
    let ids: Vec<&str> = plan["items"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(ids, [id(&first), id(&later)]);
    assert_eq!(plan["items"][0]["result"], "客户确认预算 50 万");
}

#[tokio::test]
async fn stage_moves_take_the_stages_probability_and_closing_stages_follow_the_close_rules() {
    // SAL-4
    let w = world().await;
    let o = assigned(&w, json!({"customer_name": "华星科技", "summary": "ERP", "contact_name": "陈经理"})).await;
    let analysis = stage_id(&w, "需求分析").await;
    let moved = ok(action(&w, &w.colleague, &o, "stage", json!({"stage_id": analysis})).await).await;
    assert_eq!((moved["stage"]["label"].as_str(), moved["probability"].as_i64()), (Some("需求分析"), Some(30)));
    let r = action(&w, &w.colleague, &o, "stage", json!({"stage_id": uuid::Uuid::now_v7()})).await;
    assert_eq!(fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), [("stage_id", "not_found")]);
    // Into 输单 only with a reason, as closing.
    let lost = stage_id(&w, "输单").await;
    let r = action(&w, &w.colleague, &o, "stage", json!({"stage_id": lost})).await;
    assert_eq!(fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), [("reason_id", "required")]);
    // Into 赢单 creates the customer, as closing.
    let won = stage_id(&w, "赢单").await;
    let closed = ok(action(&w, &w.colleague, &o, "stage", json!({"stage_id": won})).await).await;
    assert_eq!(closed["status"], "won");
    assert!(closed["customer_id"].is_string());
}

#[tokio::test]
async fn a_user_of_another_division_sees_none_of_it() {
    let w = world().await;
    let o = opportunity(&w, &w.manager, json!({"customer_name": "华星科技", "summary": "ERP", "amount": "100"})).await;
    let path = format!("/api/v1/opportunities/{}", id(&o));
    assert_eq!(w.app.get(&path, Some(&w.north_director)).await.status(), StatusCode::NOT_FOUND);
    let r = action(&w, &w.north_director, &o, "assign", json!({"assignee_id": w.colleague_id})).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let list = w.app.get_ok("/api/v1/opportunities", &w.north_director).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let board = w.app.get_ok("/api/v1/pipeline", &w.north_director).await;
    for column in board["items"].as_array().unwrap() {
        assert_eq!((column["count"].as_i64(), column["cards"].as_array().unwrap().len()), (Some(0), 0), "{column}");
    }
    let funnel = w.app.get_ok("/api/v1/reports/sales-funnel", &w.north_director).await;
    assert_eq!(funnel["totals"]["count"], 0);
    let forecast = w.app.get_ok("/api/v1/reports/forecast", &w.north_director).await;
    assert_eq!(forecast["items"].as_array().unwrap().len(), 0);
    // The colleague in the same division, own scope, sees what they neither own nor created as little.
    assert_eq!(w.app.get(&path, Some(&w.colleague)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(w.app.get_ok("/api/v1/opportunities", &w.director).await["items"].as_array().unwrap().len(), 1);
}

/// Σ amount and Σ amount × probability / 100 of the rows, in 1/10,000 units, computed here
/// apart from the server's SQL.
fn sums(rows: &[(i64, i64)]) -> (i64, i64) {
    let amount = rows.iter().map(|(a, _)| a).sum();
    let weighted_percent: i128 = rows.iter().map(|(a, p)| i128::from(*a) * i128::from(*p)).sum();
    // Half away from zero, like the server.
    let weighted = (weighted_percent * 2 + 100) / 200;
    (amount, i64::try_from(weighted).unwrap())
}

fn units(text: &str) -> i64 {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let fraction = format!("{fraction:0<4}");
    whole.parse::<i64>().unwrap() * 10_000 + fraction.parse::<i64>().unwrap()
}

#[tokio::test]
async fn funnel_and_forecast_add_up_per_stage_month_and_owner_and_never_across_currencies() {
    // SAL-4, SAL-10
    let w = world().await;
    let analysis = stage_id(&w, "需求分析").await;
    // (amount, currency, close date, stage?) — three at 0.10 must add up to exactly 0.30.
    let specs = [
        ("0.10", "CNY", "2026-03-05", false),
        ("0.10", "CNY", "2026-03-28", false),
        ("0.10", "CNY", "2026-04-01", true),
        ("99999.99", "CNY", "2026-04-15", true),
        ("0.0003", "USD", "2026-03-10", false),
        ("2500", "USD", "2026-04-30", true),
    ];
    let mut rows = Vec::new();
    for (amount, currency, date, move_on) in specs {
        let o = assigned(
            &w,
            json!({"customer_name": "客户", "summary": "x", "amount": amount, "currency": currency,
                "expected_close_date": date}),
        )
        .await;
        let probability = if move_on {
            ok(action(&w, &w.colleague, &o, "stage", json!({"stage_id": analysis})).await).await["probability"]
                .as_i64()
                .unwrap()
        } else {
            10
        };
        rows.push((units(amount), currency, &date[..7], probability));
    }
    // One more, lost: in the funnel's 输单 column, not in the forecast.
    let gone = assigned(
        &w,
        json!({"customer_name": "客户", "summary": "x", "amount": "7", "expected_close_date": "2026-03-01"}),
    )
    .await;
    let reason = w.app.dictionary_entry(&w.colleague, "opportunity_loss_reason", "其他").await;
    ok(action(&w, &w.colleague, &gone, "close", json!({"outcome": "lost", "reason_id": reason})).await).await;

    let funnel = w.app.get_ok("/api/v1/reports/sales-funnel", &w.director).await;
    let stage = |name: &str| funnel["items"].as_array().unwrap().iter().find(|r| r["stage"] == name).unwrap().clone();
    let amount_in = |row: &Value, currency: &str| {
        row["amounts"].as_array().unwrap().iter().find(|a| a["currency"] == currency).map(|a| a["amount"].clone())
    };
    let first = stage("发现机会");
    assert_eq!(first["count"], 3);
    assert_eq!(amount_in(&first, "CNY"), Some(json!("0.20")));
    assert_eq!(amount_in(&first, "USD"), Some(json!("0.0003")));
    let analysis_row = stage("需求分析");
    let (cny, _) = sums(&rows.iter().filter(|r| r.1 == "CNY" && r.3 == 30).map(|r| (r.0, r.3)).collect::<Vec<_>>());
    assert_eq!(amount_in(&analysis_row, "CNY"), Some(json!(crm_core::money::format_units(cny))));
    assert_eq!(amount_in(&stage("输单"), "CNY"), Some(json!("7.00")));
    assert_eq!(funnel["totals"]["count"], 7);
    let total_cny: i64 = rows.iter().filter(|r| r.1 == "CNY").map(|r| r.0).sum::<i64>() + 70_000;
    let totals = funnel["totals"]["amounts"].as_array().unwrap();
    assert_eq!(totals.len(), 2, "one total per currency: {totals:?}");
    assert_eq!(totals[0], json!({"currency": "CNY", "amount": crm_core::money::format_units(total_cny)}));

    // A date range narrows the funnel to what is expected to close in it.
    let march = w.app.get_ok("/api/v1/reports/sales-funnel?from=2026-03-01&to=2026-03-31", &w.director).await;
    assert_eq!(march["totals"]["count"], 4);

    let forecast = w.app.get_ok("/api/v1/reports/forecast?by=month", &w.director).await;
    let months: Vec<&str> =
        forecast["items"].as_array().unwrap().iter().map(|r| r["month"].as_str().unwrap()).collect();
    assert_eq!(months, ["2026-03", "2026-04"]);
    for row in forecast["items"].as_array().unwrap() {
        let month = row["month"].as_str().unwrap();
        for a in row["amounts"].as_array().unwrap() {
            let currency = a["currency"].as_str().unwrap();
            let picked: Vec<(i64, i64)> =
                rows.iter().filter(|r| r.1 == currency && r.2 == month).map(|r| (r.0, r.3)).collect();
            let (amount, weighted) = sums(&picked);
            assert_eq!(units(a["amount"].as_str().unwrap()), amount, "{month} {currency}");
            assert_eq!(units(a["weighted"].as_str().unwrap()), weighted, "{month} {currency}");
        }
    }
    // 0.0003 USD at 10 % is 0.00003, which rounds to 0.0000.
    let march_usd = &forecast["items"][0]["amounts"].as_array().unwrap()[1];
    assert_eq!((march_usd["currency"].as_str(), march_usd["weighted"].as_str()), (Some("USD"), Some("0.00")));

    let by_owner = w.app.get_ok("/api/v1/reports/forecast?by=owner", &w.director).await;
    assert_eq!(by_owner["items"].as_array().unwrap().len(), 1);
    assert_eq!(by_owner["items"][0]["owner_id"].as_str(), Some(w.colleague_id.as_str()));
    assert_eq!(by_owner["items"][0]["count"], 6);
    let r = w.app.get("/api/v1/reports/forecast?by=week", Some(&w.director)).await;
    problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;

    // As a file (RPT-7): one column per currency, for who may export reports.
    let r = w.app.get("/api/v1/reports/forecast?by=month&format=csv", Some(&w.director)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = r.text().await.unwrap();
    let head = csv.trim_start_matches('\u{feff}').lines().next().unwrap();
    assert_eq!(head, "month,count,amount_CNY,weighted_CNY,amount_USD,weighted_USD", "{csv}");
    assert!(csv.lines().nth(1).unwrap().starts_with("2026-03,3,0.20,0.02,0.0003,0.00"), "{csv}");
    let r = w.app.get("/api/v1/reports/sales-funnel?format=csv", Some(&w.colleague)).await;
    problem(r, StatusCode::FORBIDDEN).await;

    // The board's column totals are the funnel's.
    let board = w.app.get_ok("/api/v1/pipeline", &w.director).await;
    let column = board["items"].as_array().unwrap().iter().find(|c| c["stage"]["name"] == "需求分析").unwrap();
    assert_eq!(column["count"], analysis_row["count"]);
    assert_eq!(column["amounts"], analysis_row["amounts"]);
    assert_eq!(column["cards"].as_array().unwrap().len(), 3);
    let updated: Vec<&str> =
        column["cards"].as_array().unwrap().iter().map(|c| c["updated_at"].as_str().unwrap()).collect();
    assert!(updated.windows(2).all(|w| w[0] >= w[1]), "most recently active first: {updated:?}");
    for column in board["items"].as_array().unwrap() {
        let stage = column["stage"]["id"].as_str().unwrap();
        assert!(column["cards"].as_array().unwrap().iter().all(|c| c["stage_id"] == stage), "{column}");
    }
}

#[tokio::test]
async fn the_stale_check_flags_an_idle_opportunity_once_and_activity_clears_it() {
    // SAL-5
    let w = world().await;
    let idle = assigned(&w, json!({"customer_name": "华星科技", "summary": "ERP"})).await;
    let customer = w.app.create_customer(&w.manager, &json!({"name": "远航物流"})).await;
    let talked =
        assigned(&w, json!({"customer_name": "远航物流", "customer_id": id(&customer), "summary": "仓储"})).await;
    // A month and a day from now, an interaction with 远航物流 the day before keeps its opportunity fresh.
    let later = Utc::now() + Duration::days(31);
    w.app
        .created(
            "/api/v1/interactions",
            &w.manager,
            &json!({"customer_id": id(&customer), "occurred_at": (later - Duration::days(1)).to_rfc3339(), "summary": "电话回访"}),
        )
        .await;
    let run = opportunities::flag_stale(&w.app.db, later, 30).await.unwrap();
    assert_eq!((run.flagged, run.cleared), (1, 0));
    // Not twice.
    assert_eq!(opportunities::flag_stale(&w.app.db, later, 30).await.unwrap().flagged, 0);

    let stale = w.app.get_ok("/api/v1/opportunities?stale=true", &w.colleague).await;
    let ids: Vec<&str> = stale["items"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(ids, [id(&idle)]);
    assert_eq!(w.app.get_ok("/api/v1/opportunities?stale=true", &w.director).await["items"][0]["id"], idle["id"]);
    let fresh = w.app.get_ok("/api/v1/opportunities?stale=false", &w.colleague).await;
    assert_eq!(fresh["items"].as_array().unwrap().iter().map(id).collect::<Vec<_>>(), [id(&talked)]);
    let r = w.app.get("/api/v1/opportunities?stale=maybe", Some(&w.colleague)).await;
    problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        w.app.get_ok(&format!("/api/v1/opportunities/{}", id(&talked)), &w.director).await["stale_since"].is_null()
    );

    // A plan entry is activity: the flag goes.
    w.app
        .created(
            &format!("/api/v1/opportunities/{}/plan-items", id(&idle)),
            &w.colleague,
            &json!({"planned_on": "2026-06-01", "content": "再次拜访"}),
        )
        .await;
    assert!(w.app.get_ok(&format!("/api/v1/opportunities/{}", id(&idle)), &w.colleague).await["stale_since"].is_null());
    assert_eq!(w.app.get_ok("/api/v1/opportunities?stale=true", &w.colleague).await["items"], json!([]));
}

#[tokio::test]
async fn the_stale_job_runs_by_name_from_the_command_line() {
    let (url, _) = crate::helpers::fresh_database_url().await;
    let out = crate::helpers::run_crm(&["jobs", "run", "stale-opportunities"], &url, None);
    assert!(out.status.success(), "{}", crate::helpers::output_text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("flagged 0 stale opportunities"));
}

#[tokio::test]
async fn administrators_edit_the_stages_and_the_closing_ones_stay() {
    // SAL-4
    let w = world().await;
    let stages = w.app.get_ok("/api/v1/pipeline-stages", &w.director).await;
    let names: Vec<(&str, i64)> = stages["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["probability"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        names,
        [
            ("发现机会", 10),
            ("验证机会", 20),
            ("需求分析", 30),
            ("价值说明", 40),
            ("认知分析", 60),
            ("建议报价", 70),
            ("谈判审核", 80),
            ("赢单", 100),
            ("输单", 0)
        ]
    );
    let body = json!({"name": "商务谈判", "probability": 85});
    let r = w.app.post_json("/api/v1/pipeline-stages", Some(&w.director), &body).await;
    problem(r, StatusCode::FORBIDDEN).await;
    let created = w.app.created("/api/v1/pipeline-stages", &w.admin, &body).await;
    let path = format!("/api/v1/pipeline-stages/{}", id(&created));
    let r = w.app.patch_json(&path, &w.admin, Some("\"1\""), &json!({"probability": 101})).await;
    problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let r = w.app.patch_json(&path, &w.admin, Some("\"1\""), &json!({"probability": 90, "position": 75})).await;
    assert_eq!(ok(r).await["probability"], 90);
    let stages = w.app.get_ok("/api/v1/pipeline-stages", &w.director).await;
    assert_eq!(stages["items"][7]["name"], "商务谈判");
    let won = stage_id(&w, "赢单").await;
    let r = w.app.delete(&format!("/api/v1/pipeline-stages/{won}"), &w.admin).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    // A stage in use stays; an empty one goes.
    let o = opportunity(&w, &w.manager, json!({"customer_name": "x", "summary": "x", "stage_id": id(&created)})).await;
    assert_eq!(o["probability"], 90);
    assert_eq!(w.app.delete(&path, &w.admin).await.status(), StatusCode::CONFLICT);
    assert_eq!(
        w.app.delete(&format!("/api/v1/opportunities/{}", id(&o)), &w.director).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(w.app.delete(&path, &w.admin).await.status(), StatusCode::NO_CONTENT);
}

// ---- pages --------------------------------------------------------------------------------

async fn signed_in(app: &TestApp, username: &str) -> (Browser, String) {
    let browser = Browser::new(app);
    let csrf = browser.sign_in(username).await;
    (browser, csrf)
}

#[tokio::test]
async fn the_pages_speak_chinese_and_english_and_fit_a_phone() {
    let w = world().await;
    let o = assigned(
        &w,
        json!({"customer_name": "华星科技", "summary": "ERP", "amount": "100", "expected_close_date": "2026-09-01"}),
    )
    .await;
    w.app
        .created(
            &format!("/api/v1/opportunities/{}/plan-items", id(&o)),
            &w.colleague,
            &json!({"planned_on": "2026-05-01", "content": "上门拜访"}),
        )
        .await;
    let (browser, _) = signed_in(&w.app, "liming").await;
    let home = browser.get_text("/").await;
    assert!(home.contains(r#"href="/opportunities""#) && home.contains(r#"href="/pipeline""#), "{home}");
    let pages = [
        ("/opportunities".to_string(), "销售机会", "Sales opportunities"),
        ("/opportunities/new".into(), "客户名称", "Customer name"),
        (format!("/opportunities/{}", id(&o)), "结束开发", "Close"),
        (format!("/opportunities/{}/edit", id(&o)), "预计成交日期", "Expected close"),
        (format!("/opportunities/{}/plan", id(&o)), "记录执行结果", "Record result"),
        ("/pipeline".into(), "发现机会", "Drag a card"),
        ("/reports/sales-funnel".into(), "销售漏斗分析", "Sales funnel"),
        ("/reports/forecast".into(), "加权金额", "Weighted"),
    ];
    for (path, zh_text, en_text) in pages {
        let zh = browser.get_text(&path).await;
        assert!(zh.contains(r#"<html lang="zh-CN">"#) && zh.contains(zh_text), "{path}: {zh}");
        assert!(zh.contains(r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#));
        let en = browser.client.get(w.app.url(&path)).header("Accept-Language", "en").send().await.unwrap();
        let en = en.text().await.unwrap();
        assert!(en.contains(r#"<html lang="en">"#) && en.contains(en_text), "{path}: {en}");
    }
    let board = browser.get_text("/pipeline").await;
    assert!(board.contains("华星科技") && board.contains("100.00 CNY") && board.contains("pipeline.js"), "{board}");
    // A director downloads the reports from their pages.
    let (director, _) = signed_in(&w.app, "dongfang").await;
    let page = director.get_text("/reports/forecast?by=owner").await;
    assert!(page.contains("/reports/forecast?by=owner&#38;format=xlsx"), "{page}");
    let r = director.get("/reports/forecast?by=owner&format=xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("forecast.xlsx"));
    assert!(!browser.get_text("/reports/forecast").await.contains("format=xlsx"));
    assert_eq!(browser.get("/assets/pipeline.js").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_opportunity_goes_from_the_form_through_assignment_and_plan_to_lost_on_the_board() {
    let w = world().await;
    let (manager, csrf) = signed_in(&w.app, "wangwei").await;
    let r = manager
        .post("/opportunities", &[("csrf", &csrf), ("customer_name", ""), ("summary", "x"), ("amount", "abc")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("必填") && page.contains("须为数字"), "{page}");
    let r = manager
        .post(
            "/opportunities",
            &[
                ("csrf", &csrf),
                ("customer_name", "远航物流"),
                ("summary", "仓储系统"),
                ("amount", "3000"),
                ("currency", "CNY"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let record_url = r.url().path().to_string();
    assert!(record_url.starts_with("/opportunities/"), "{record_url}");
    let id = record_url.trim_start_matches("/opportunities/").to_string();
    // An account manager has no assign form.
    assert!(!r.text().await.unwrap().contains("/assign\""));

    let (director, csrf) = signed_in(&w.app, "dongfang").await;
    let page = director.get_text(&record_url).await;
    assert!(page.contains(&format!(r#"action="/opportunities/{id}/assign""#)), "{page}");
    let r = director.post(&format!("{record_url}/assign"), &[("csrf", &csrf), ("assignee_id", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = director.post(&format!("{record_url}/assign"), &[("csrf", &csrf), ("assignee_id", &w.colleague_id)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("已指派"));

    let (colleague, csrf) = signed_in(&w.app, "liming").await;
    let plan = format!("{record_url}/plan");
    let r = colleague
        .post(&format!("{record_url}/plan-items"), &[("csrf", &csrf), ("planned_on", ""), ("content", "")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = colleague
        .post(
            &format!("{record_url}/plan-items"),
            &[("csrf", &csrf), ("planned_on", "2026-05-01"), ("content", "上门拜访")],
        )
        .await;
    assert_eq!(r.url().path(), plan);
    let items = w.app.get_ok(&format!("/api/v1/opportunities/{id}/plan-items"), &w.colleague).await;
    let item = items["items"][0]["id"].as_str().unwrap().to_string();
    let r = colleague
        .post(
            &format!("{record_url}/plan-items/{item}"),
            &[("csrf", &csrf), ("version", "1"), ("result", "客户有兴趣")],
        )
        .await;
    assert!(r.text().await.unwrap().contains("客户有兴趣"));

    // On the board: a move with the card's form, then a drop on 输单, which needs a reason.
    let board = colleague.get_text("/pipeline").await;
    assert!(board.contains("远航物流") && board.contains(r#"name="back" value="board""#));
    let analysis = stage_id(&w, "需求分析").await;
    let stage_url = format!("{record_url}/stage");
    let r = colleague.post(&stage_url, &[("csrf", &csrf), ("back", "board"), ("stage_id", &analysis)]).await;
    assert_eq!(r.url().path(), "/pipeline");
    assert_eq!(w.app.get_ok(&format!("/api/v1/opportunities/{id}"), &w.colleague).await["probability"], 30);
    let lost = stage_id(&w, "输单").await;
    let r = colleague.post(&stage_url, &[("csrf", &csrf), ("back", "board"), ("stage_id", &lost)]).await;
    assert_eq!(r.url().path(), record_url);
    assert!(r.text().await.unwrap().contains("终止开发需要选择原因"));
    assert_eq!(w.app.get_ok(&format!("/api/v1/opportunities/{id}"), &w.colleague).await["status"], "assigned");
    let reason = w.app.dictionary_entry(&w.colleague, "opportunity_loss_reason", "客户没有预算").await;
    let r = colleague
        .post(&format!("{record_url}/close"), &[("csrf", &csrf), ("outcome", "lost"), ("reason_id", &reason)])
        .await;
    assert!(r.text().await.unwrap().contains("客户没有预算"));
    assert_eq!(w.app.get_ok(&format!("/api/v1/opportunities/{id}"), &w.colleague).await["status"], "lost");
}

#[tokio::test]
async fn the_board_shows_a_division_its_own_cards_and_flags_stale_ones() {
    let w = world().await;
    let o = assigned(&w, json!({"customer_name": "华星科技", "summary": "ERP"})).await;
    opportunities::flag_stale(&w.app.db, Utc::now() + Duration::days(31), 30).await.unwrap();
    let (colleague, _) = signed_in(&w.app, "liming").await;
    let board = colleague.get_text("/pipeline").await;
    assert!(board.contains("华星科技") && board.contains("久未跟进"), "{board}");
    let stale = colleague.get_text("/opportunities?stale=true").await;
    assert!(stale.contains("华星科技"), "{stale}");

    let (north, _) = signed_in(&w.app, "zhaolei").await;
    for path in ["/pipeline", "/opportunities", "/reports/sales-funnel", "/reports/forecast"] {
        assert!(!north.get_text(path).await.contains("华星科技"), "{path}");
    }
    assert_eq!(north.get(&format!("/opportunities/{}", id(&o))).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn administrators_keep_the_stages_on_their_page() {
    let w = world().await;
    let (admin, csrf) = signed_in(&w.app, "root").await;
    let page = admin.get_text("/pipeline-stages").await;
    assert!(page.contains("谈判审核") && page.contains(r#"href="/pipeline-stages""#), "{page}");
    let en = admin.client.get(w.app.url("/pipeline-stages")).header("Accept-Language", "en").send().await.unwrap();
    assert!(en.text().await.unwrap().contains("New stage"));
    let r = admin
        .post("/pipeline-stages", &[("csrf", &csrf), ("name", "商务谈判"), ("position", ""), ("probability", "abc")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin
        .post("/pipeline-stages", &[("csrf", &csrf), ("name", "商务谈判"), ("position", "75"), ("probability", "85")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let discovery = stage_id(&w, "发现机会").await;
    let r = admin
        .post(
            &format!("/pipeline-stages/{discovery}"),
            &[("csrf", &csrf), ("version", "1"), ("name", "发现机会"), ("position", "10"), ("probability", "15")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let stages = w.app.get_ok("/api/v1/pipeline-stages", &w.director).await;
    let names: Vec<(&str, i64)> = stages["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["probability"].as_i64().unwrap()))
        .collect();
    assert_eq!((names[0], names[7]), (("发现机会", 15), ("商务谈判", 85)));
    // A director reads the page but changes nothing.
    let (director, csrf) = signed_in(&w.app, "dongfang").await;
    assert!(director.get_text("/pipeline-stages").await.contains(" disabled"));
    let r = director.post("/pipeline-stages", &[("csrf", &csrf), ("name", "x"), ("probability", "1")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}
