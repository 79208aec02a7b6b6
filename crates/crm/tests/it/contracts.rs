//! Quotes, contracts, orders from contracts, payments and receivables through the real
//! server (SAL-7..10): exact totals, versions, workflow states and rights, reminders,
//! receivables per customer and owner never adding currencies, and division scope.

use chrono::{Days, FixedOffset, NaiveDate, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, fresh_database_url, output_text, run_crm};

/// 华东 with a director and two account managers (own scope), 华北 with an account manager,
/// and a customer of each 华东 manager.
struct World {
    app: TestApp,
    director: String,
    manager: String,
    colleague: String,
    north: String,
    customer: String,
    other_customer: String,
}

async fn world_on(app: TestApp) -> World {
    let east = app.division("华东").await;
    let north_division = app.division("华北").await;
    let director = app.user("dongfang", "director", &[east]).await;
    let manager = app.user("wangwei", "manager", &[east]).await;
    let colleague = app.user("liming", "manager", &[east]).await;
    let north = app.user("zhaolei", "manager", &[north_division]).await;
    let customer = app.create_customer(&manager, &json!({"name": "杭州娃哈哈集团"})).await;
    let other_customer = app.create_customer(&colleague, &json!({"name": "宁波港集团"})).await;
    World {
        app,
        director,
        manager,
        colleague,
        north,
        customer: id(&customer).to_string(),
        other_customer: id(&other_customer).to_string(),
    }
}

async fn world() -> World {
    world_on(TestApp::spawn().await).await
}

fn id(record: &Value) -> &str {
    record["id"].as_str().unwrap()
}

async fn status_of(r: reqwest::Response, status: StatusCode) -> Value {
    let actual = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "{body}");
    body
}

/// The company's calendar day (China Standard Time), as the server numbers and dates records.
fn today() -> NaiveDate {
    Utc::now().with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap()).date_naive()
}

fn days_from_today(days: i64) -> String {
    let t = today();
    let d = if days >= 0 {
        t.checked_add_days(Days::new(days as u64))
    } else {
        t.checked_sub_days(Days::new(days.unsigned_abs()))
    };
    d.unwrap().to_string()
}

fn line(description: &str, quantity: &str, unit_price: &str, discount: &str, tax_rate: &str) -> Value {
    json!({"description": description, "quantity": quantity, "unit_price": unit_price, "discount": discount, "tax_rate": tax_rate})
}

async fn post(app: &TestApp, path: &str, token: &str, body: &Value) -> reqwest::Response {
    app.post_json(path, Some(token), body).await
}

/// A contract of `customer` for `amount` in `currency`, active.
async fn active_contract(w: &World, customer: &str, amount: &str, currency: &str) -> Value {
    let c = w
        .app
        .created(
            "/api/v1/contracts",
            &w.manager,
            &json!({"customer_id": customer, "title": "年度维保", "starts_on": "2026-01-01", "ends_on": "2026-12-31",
                    "amount": amount, "currency": currency}),
        )
        .await;
    let r = post(&w.app, &format!("/api/v1/contracts/{}/activate", id(&c)), &w.director, &json!({})).await;
    status_of(r, StatusCode::OK).await
}

// ---- SAL-7, SAL-10: quotes ------------------------------------------------------------------

#[tokio::test]
async fn merging_customers_moves_their_quotes_and_contracts_onto_the_survivor() {
    let w = world().await;
    let quote = w
        .app
        .created(
            "/api/v1/quotes",
            &w.colleague,
            &json!({"customer_id": w.other_customer, "title": "报价", "lines": [line("服务", "1", "100.00", "", "")]}),
        )
        .await;
    let contract = w
        .app
        .created(
            "/api/v1/contracts",
            &w.colleague,
            &json!({"customer_id": w.other_customer, "title": "合同", "starts_on": "2026-01-01", "ends_on": "2026-12-31",
                    "amount": "500.00"}),
        )
        .await;
    let r = post(
        &w.app,
        &format!("/api/v1/customers/{}/merge", w.customer),
        &w.director,
        &json!({"from_id": w.other_customer}),
    )
    .await;
    status_of(r, StatusCode::OK).await;
    for path in [format!("/api/v1/quotes/{}", id(&quote)), format!("/api/v1/contracts/{}", id(&contract))] {
        let record = w.app.get_ok(&path, &w.director).await;
        assert_eq!(record["customer_id"], w.customer.as_str(), "{path}");
    }
}

#[tokio::test]
async fn quote_totals_are_exact_rounded_per_line_half_away_from_zero() {
    let w = world().await;
    let q = w
        .app
        .created(
            "/api/v1/quotes",
            &w.manager,
            &json!({"customer_id": w.customer, "title": "年度服务报价", "lines": [
                line("螺丝", "3", "0.10", "", ""),
                line("整机", "1", "999999999999.99", "", ""),
                line("安装", "1", "10.00", "33.3333", "13"),
                {"description": "调试", "quantity": 1, "unit_price": "0.25", "discount": "50"},
            ]}),
        )
        .await;
    assert!(q["number"].as_str().unwrap().starts_with("BJ"), "{q}");
    assert_eq!(
        (q["status"].as_str(), q["currency"].as_str(), q["revision"].as_i64()),
        (Some("draft"), Some("CNY"), Some(1))
    );
    let lines = q["lines"].as_array().unwrap();
    assert_eq!(lines[0]["total"], "0.30");
    assert_eq!(lines[1]["total"], "999999999999.99");
    // 10.00 less 33.3333% (3.333333 → 3.33) is 6.67; 13% tax of it (0.8671) is 0.87.
    let third = &lines[2];
    assert_eq!(
        (&third["discount_amount"], &third["tax"], &third["total"]),
        (&json!("3.33"), &json!("0.87"), &json!("7.54"))
    );
    // Half a cent rounds away from zero: 50% of 0.25 = 0.125 → 0.13 off, 0.12 left.
    assert_eq!((&lines[3]["discount_amount"], &lines[3]["total"]), (&json!("0.13"), &json!("0.12")));
    assert_eq!(q["subtotal"], "1000000000010.54");
    assert_eq!(q["discount"], "3.46");
    assert_eq!(q["tax"], "0.87");
    assert_eq!(q["total"], "1000000000007.95");

    let r = post(
        &w.app,
        "/api/v1/quotes",
        &w.manager,
        &json!({"customer_id": w.customer, "title": "",
        "lines": [line("x", "-1", "abc", "120", "")]}),
    )
    .await;
    let problem = status_of(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["title", "lines[0].quantity", "lines[0].unit_price", "lines[0].discount"]);
}

#[tokio::test]
async fn changing_a_sent_quotes_lines_makes_a_new_version_and_keeps_the_old_one_readable() {
    let w = world().await;
    let app = &w.app;
    let q = app
        .created(
            "/api/v1/quotes",
            &w.manager,
            &json!({"customer_id": w.customer, "title": "报价", "lines": [line("服务", "2", "100", "", "")]}),
        )
        .await;
    let path = format!("/api/v1/quotes/{}", id(&q));
    // A draft is edited in place.
    let r = app.patch_json(&path, &w.manager, None, &json!({"lines": [line("服务", "2", "150", "", "")]})).await;
    let q = status_of(r, StatusCode::OK).await;
    assert_eq!((q["revision"].as_i64(), q["total"].as_str()), (Some(1), Some("300.00")));
    let sent = status_of(post(app, &format!("{path}/send"), &w.manager, &json!({})).await, StatusCode::OK).await;
    assert_eq!(sent["status"], "sent");
    // A stale edit is refused.
    let r = app.patch_json(&path, &w.manager, Some("\"1\""), &json!({"title": "新标题"})).await;
    assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED);
    let r = app.patch_json(&path, &w.manager, None, &json!({"lines": [line("服务", "2", "120", "10", "")]})).await;
    let v2 = status_of(r, StatusCode::OK).await;
    assert_eq!(
        (v2["revision"].as_i64(), v2["status"].as_str(), v2["total"].as_str()),
        (Some(2), Some("draft"), Some("216.00"))
    );
    let versions = app.get_ok(&format!("{path}/versions"), &w.manager).await;
    let versions = versions.as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!((versions[0]["revision"].as_i64(), versions[0]["total"].as_str()), (Some(1), Some("300.00")));
    assert_eq!(versions[0]["lines"][0]["unit_price"], "150.00");
    assert_eq!((versions[1]["revision"].as_i64(), versions[1]["total"].as_str()), (Some(2), Some("216.00")));
    // Every change is in the audit log.
    let executive = app.user("boss", "executive", &[]).await;
    let audit = app.get_ok(&format!("/api/v1/audit-log?entity=quotes&entity_id={}", id(&q)), &executive).await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 4, "{audit}");
}

#[tokio::test]
async fn quote_steps_follow_the_workflow_need_their_rights_and_an_accepted_quote_becomes_one_contract() {
    let w = world().await;
    let app = &w.app;
    let q = app
        .created(
            "/api/v1/quotes",
            &w.manager,
            &json!({"customer_id": w.customer, "title": "设备报价", "currency": "usd",
            "lines": [line("设备", "2", "1000", "5", "13"), line("安装", "1", "200", "", "6")]}),
        )
        .await;
    let path = format!("/api/v1/quotes/{}", id(&q));
    let terms = json!({"starts_on": "2026-01-01", "ends_on": "2026-12-31"});
    // Not accepted yet: no contract, and no acceptance before it is sent.
    let problem =
        status_of(post(app, &format!("{path}/contract"), &w.manager, &terms).await, StatusCode::CONFLICT).await;
    assert!(problem["detail"].as_str().unwrap().contains("draft"), "{problem}");
    status_of(post(app, &format!("{path}/accept"), &w.director, &json!({})).await, StatusCode::CONFLICT).await;
    status_of(post(app, &format!("{path}/send"), &w.manager, &json!({})).await, StatusCode::OK).await;
    // Recording the customer's answer needs the approve right, which account managers lack.
    status_of(post(app, &format!("{path}/accept"), &w.manager, &json!({})).await, StatusCode::FORBIDDEN).await;
    let accepted = status_of(post(app, &format!("{path}/accept"), &w.director, &json!({})).await, StatusCode::OK).await;
    assert_eq!(accepted["status"], "accepted");
    let problem =
        status_of(post(app, &format!("{path}/reject"), &w.director, &json!({})).await, StatusCode::CONFLICT).await;
    assert!(problem["detail"].as_str().unwrap().contains("accepted"), "{problem}");
    // Final: no more edits.
    let r = app.patch_json(&path, &w.manager, None, &json!({"title": "改"})).await;
    status_of(r, StatusCode::CONFLICT).await;

    let r = post(app, &format!("{path}/contract"), &w.manager, &json!({"starts_on": "2026-01-01"})).await;
    let problem = status_of(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem["errors"][0]["field"], "ends_on");
    let c = app.created(&format!("{path}/contract"), &w.manager, &terms).await;
    assert!(c["number"].as_str().unwrap().starts_with("HT"), "{c}");
    assert_eq!(
        (c["status"].as_str(), c["quote_id"].as_str(), c["currency"].as_str()),
        (Some("draft"), Some(id(&q)), Some("USD"))
    );
    assert_eq!(c["amount"], accepted["total"]);
    assert_eq!(c["lines"], accepted["lines"]);
    assert_eq!(app.get_ok(&path, &w.manager).await["contract_id"], c["id"]);
    status_of(post(app, &format!("{path}/contract"), &w.manager, &terms).await, StatusCode::CONFLICT).await;
}

// ---- SAL-8: contracts and orders ------------------------------------------------------------

#[tokio::test]
async fn contracts_are_activated_terminated_and_renewed_by_the_rules_of_their_state() {
    let w = world().await;
    let app = &w.app;
    let c = app
        .created(
            "/api/v1/contracts",
            &w.manager,
            &json!({"customer_id": w.customer, "title": "维保合同",
            "starts_on": "2026-01-01", "ends_on": "2026-12-31", "amount": "12800"}),
        )
        .await;
    assert_eq!(
        (c["status"].as_str(), c["amount"].as_str(), c["reminder_days"].as_i64()),
        (Some("draft"), Some("12800.00"), Some(30))
    );
    let path = format!("/api/v1/contracts/{}", id(&c));
    status_of(post(app, &format!("{path}/terminate"), &w.director, &json!({})).await, StatusCode::CONFLICT).await;
    status_of(post(app, &format!("{path}/renew"), &w.manager, &json!({})).await, StatusCode::CONFLICT).await;
    status_of(post(app, &format!("{path}/activate"), &w.manager, &json!({})).await, StatusCode::FORBIDDEN).await;
    let active = status_of(post(app, &format!("{path}/activate"), &w.director, &json!({})).await, StatusCode::OK).await;
    assert_eq!(
        (active["status"].as_str(), active["signed_on"].as_str()),
        (Some("active"), Some(today().to_string().as_str()))
    );
    status_of(post(app, &format!("{path}/activate"), &w.director, &json!({})).await, StatusCode::CONFLICT).await;

    let next = app.created(&format!("{path}/renew"), &w.manager, &json!({})).await;
    assert_eq!((next["renewal_of_id"].as_str(), next["status"].as_str()), (Some(id(&c)), Some("draft")));
    assert_eq!((next["starts_on"].as_str(), next["ends_on"].as_str()), (Some("2027-01-01"), Some("2027-12-31")));
    assert_eq!(next["amount"], "12800.00");
    status_of(post(app, &format!("{path}/renew"), &w.manager, &json!({})).await, StatusCode::CONFLICT).await;

    let terminated =
        status_of(post(app, &format!("{path}/terminate"), &w.director, &json!({})).await, StatusCode::OK).await;
    assert_eq!(terminated["status"], "terminated");
    let r = app.patch_json(&path, &w.manager, None, &json!({"notes": "晚了"})).await;
    let problem = status_of(r, StatusCode::CONFLICT).await;
    assert!(problem["detail"].as_str().unwrap().contains("terminated"), "{problem}");
    let r = app
        .patch_json(&format!("/api/v1/contracts/{}", id(&next)), &w.manager, None, &json!({"ends_on": "2026-01-01"}))
        .await;
    let problem = status_of(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem["errors"][0]["field"], "ends_on");
}

#[tokio::test]
async fn the_reminder_job_flags_contracts_ending_soon_and_expires_those_past_their_end() {
    let (url, _) = fresh_database_url().await;
    let w = world_on(TestApp::spawn_on(&url).await).await;
    let app = &w.app;
    let mut ids = Vec::new();
    for (title, starts, ends) in [("将到期", -300, 10), ("已过期", -300, -5), ("远期", -10, 200), ("草稿", -300, 3)]
    {
        let c = app
            .created(
                "/api/v1/contracts",
                &w.manager,
                &json!({"customer_id": w.customer, "title": title,
                "starts_on": days_from_today(starts), "ends_on": days_from_today(ends), "amount": "100"}),
            )
            .await;
        if title != "草稿" {
            status_of(
                post(app, &format!("/api/v1/contracts/{}/activate", id(&c)), &w.director, &json!({})).await,
                StatusCode::OK,
            )
            .await;
        }
        ids.push(id(&c).to_string());
    }
    let o = run_crm(&["jobs", "run", "contract-reminders"], &url, None);
    assert!(o.status.success(), "{}", output_text(&o));
    assert!(output_text(&o).contains("flagged 1 contracts as expiring, marked 1 as expired"), "{}", output_text(&o));
    let expiring = app.get_ok("/api/v1/contracts?expiring=true", &w.manager).await;
    let titles: Vec<&str> =
        expiring["items"].as_array().unwrap().iter().map(|c| c["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["将到期"]);
    let expired = app.get_ok(&format!("/api/v1/contracts/{}", ids[1]), &w.manager).await;
    assert_eq!((expired["status"].as_str(), expired["expiring"].as_bool()), (Some("expired"), Some(false)));
    // A second run (another instance, or the next hour) changes nothing more.
    let o = run_crm(&["jobs", "run", "contract-reminders"], &url, None);
    assert!(output_text(&o).contains("flagged 0 contracts as expiring, marked 0 as expired"), "{}", output_text(&o));
    // An expired contract can still be renewed.
    app.created(
        &format!("/api/v1/contracts/{}/renew", ids[1]),
        &w.manager,
        &json!({"starts_on": days_from_today(1), "ends_on": days_from_today(366)}),
    )
    .await;
}

#[tokio::test]
async fn an_order_from_a_contract_joins_the_customers_order_history_with_its_lines() {
    let w = world().await;
    let app = &w.app;
    let c = app
        .created(
            "/api/v1/contracts",
            &w.manager,
            &json!({"customer_id": w.customer, "title": "供货合同",
            "starts_on": "2026-01-01", "ends_on": "2026-12-31",
            "lines": [line("纯净水", "100", "2.50", "10", "13"), line("配送", "1", "80", "", "6")]}),
        )
        .await;
    // 250 less 10% = 225, plus 13% tax = 254.25; 80 plus 6% = 84.80.
    assert_eq!(c["amount"], "339.05");
    let path = format!("/api/v1/contracts/{}/orders", id(&c));
    status_of(post(app, &path, &w.manager, &json!({})).await, StatusCode::CONFLICT).await;
    status_of(
        post(app, &format!("/api/v1/contracts/{}/activate", id(&c)), &w.director, &json!({})).await,
        StatusCode::OK,
    )
    .await;
    let r = post(app, &path, &w.manager, &json!({"lines": [{"line": 3}]})).await;
    let problem = status_of(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem["errors"][0]["field"], "lines[0].line");

    let order = app
        .created(&path, &w.manager, &json!({"order_date": "2026-03-01", "lines": [{"line": 1, "quantity": 40}]}))
        .await;
    assert_eq!(
        (order["contract_id"].as_str(), order["customer_id"].as_str()),
        (Some(id(&c)), Some(w.customer.as_str()))
    );
    assert_eq!(order["lines"][0]["description"], "纯净水");
    assert_eq!(
        (order["lines"][0]["quantity"].as_str(), order["lines"][0]["unit_price"].as_str()),
        (Some("40.00"), Some("2.25"))
    );
    assert_eq!(order["total"], "90.00");
    let all = app.created(&path, &w.manager, &json!({"order_date": "2026-04-01"})).await;
    assert_eq!((all["lines"].as_array().unwrap().len(), all["total"].as_str()), (2, Some("305.00")));

    let history = app.get_ok(&format!("/api/v1/orders?customer_id={}", w.customer), &w.manager).await;
    let numbers: Vec<&str> =
        history["items"].as_array().unwrap().iter().map(|o| o["number"].as_str().unwrap()).collect();
    assert_eq!(numbers, [all["number"].as_str().unwrap(), order["number"].as_str().unwrap()]);
    let customer = app.get_ok(&format!("/api/v1/customers/{}", w.customer), &w.manager).await;
    assert_eq!(customer["last_order_date"], "2026-04-01");
    let of_contract = app.get_ok(&format!("/api/v1/orders?contract_id={}", id(&c)), &w.manager).await;
    assert_eq!(of_contract["items"].as_array().unwrap().len(), 2);
    // A direct order may name the contract only for the same customer.
    let r = post(
        app,
        "/api/v1/orders",
        &w.director,
        &json!({"customer_id": w.other_customer, "contract_id": id(&c),
        "order_date": "2026-05-01", "lines": [{"description": "x", "unit_price": "1"}]}),
    )
    .await;
    let problem = status_of(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        (problem["errors"][0]["field"].as_str(), problem["errors"][0]["code"].as_str()),
        (Some("contract_id"), Some("other_customer"))
    );
}

// ---- SAL-9, SAL-10: payments and receivables ------------------------------------------------

#[tokio::test]
async fn a_payment_plan_with_receipts_shows_what_is_outstanding_and_overdue() {
    let w = world().await;
    let app = &w.app;
    let c = active_contract(&w, &w.customer, "12000", "CNY").await;
    let plan_path = format!("/api/v1/contracts/{}/payment-plan", id(&c));
    let r = post(app, &plan_path, &w.manager, &json!({"items": [{"due_on": "2020-02-30", "amount": "0"}]})).await;
    let problem = status_of(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem["errors"].as_array().unwrap().len(), 2, "{problem}");
    let plan = app
        .created(
            &plan_path,
            &w.manager,
            &json!({"items": [
                {"due_on": "2020-01-31", "amount": "4000", "note": "首付"},
                {"due_on": "2020-06-30", "amount": "4000"},
                {"due_on": "2999-12-31", "amount": "4000"},
            ]}),
        )
        .await;
    let items = plan.as_array().unwrap();
    assert_eq!(items.len(), 3);
    let pay = |amount: &str, item: Option<&str>| json!({"contract_id": id(&c), "received_on": "2020-02-01", "amount": amount, "method": "银行转账", "plan_item_id": item});
    app.created("/api/v1/payments", &w.manager, &pay("4000", Some(id(&items[0])))).await;
    app.created("/api/v1/payments", &w.manager, &pay("1000", Some(id(&items[1])))).await;
    let loose = app.created("/api/v1/payments", &w.manager, &pay("500.50", None)).await;
    assert_eq!((loose["currency"].as_str(), loose["contract_number"].as_str()), (Some("CNY"), c["number"].as_str()));

    let plan = app.get_ok(&plan_path, &w.manager).await;
    let flags: Vec<(&str, &str, bool)> = plan
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["received"].as_str().unwrap(), i["outstanding"].as_str().unwrap(), i["overdue"].as_bool().unwrap()))
        .collect();
    assert_eq!(flags, [("4000.00", "0.00", false), ("1000.00", "3000.00", true), ("0.00", "4000.00", false)]);
    let c = app.get_ok(&format!("/api/v1/contracts/{}", id(&c)), &w.manager).await;
    assert_eq!((c["planned"].as_str(), c["received"].as_str()), (Some("12000.00"), Some("5500.50")));

    // A receipt in another currency than the contract's is refused, as is one for a draft.
    let mut usd = pay("10", None);
    usd["currency"] = json!("USD");
    let problem =
        status_of(post(app, "/api/v1/payments", &w.manager, &usd).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        (problem["errors"][0]["field"].as_str(), problem["errors"][0]["code"].as_str()),
        (Some("currency"), Some("currency_mismatch"))
    );
    let draft = app
        .created("/api/v1/contracts", &w.manager, &json!({"customer_id": w.customer, "title": "草稿", "starts_on": "2026-01-01", "ends_on": "2026-12-31", "amount": "1"}))
        .await;
    let r = post(
        app,
        "/api/v1/payments",
        &w.manager,
        &json!({"contract_id": id(&draft), "received_on": "2026-01-02", "amount": "1"}),
    )
    .await;
    status_of(r, StatusCode::CONFLICT).await;
    let r = post(
        app,
        "/api/v1/payments",
        &w.manager,
        &json!({"contract_id": id(&draft), "received_on": "2026-01-02", "amount": "1", "plan_item_id": id(&items[0])}),
    )
    .await;
    status_of(r, StatusCode::CONFLICT).await;
    // A receipt is corrected with its version; a stale correction is refused.
    let path = format!("/api/v1/payments/{}", id(&loose));
    let r = app.patch_json(&path, &w.manager, Some("\"1\""), &json!({"amount": "600", "note": "更正"})).await;
    let fixed = status_of(r, StatusCode::OK).await;
    assert_eq!(
        (fixed["amount"].as_str(), fixed["note"].as_str(), fixed["version"].as_i64()),
        (Some("600.00"), Some("更正"), Some(2))
    );
    assert_eq!(
        app.patch_json(&path, &w.manager, Some("\"1\""), &json!({"note": "x"})).await.status(),
        StatusCode::PRECONDITION_FAILED
    );
    let r = app.patch_json(&path, &w.manager, None, &json!({"amount": "-1"})).await;
    status_of(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let c = app.get_ok(&format!("/api/v1/contracts/{}", id(&c)), &w.manager).await;
    assert_eq!(c["received"], "5600.00");
    // Managers may not delete receipts; directors may.
    assert_eq!(
        app.delete(&format!("/api/v1/payments/{}", id(&loose)), &w.manager).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.delete(&format!("/api/v1/payments/{}", id(&loose)), &w.director).await.status(),
        StatusCode::NO_CONTENT
    );
    let payments = app.get_ok(&format!("/api/v1/payments?contract_id={}", id(&c)), &w.manager).await;
    assert_eq!(payments["items"].as_array().unwrap().len(), 2);
}

/// A contract's customer, currency, plan (due date, amount) and receipts on its first item.
type Setup<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], &'a [&'a str]);

/// Planned and received sums of each (customer, currency), computed here from what the test
/// posted rather than by the server.
#[tokio::test]
async fn receivables_per_customer_and_owner_keep_each_currency_apart() {
    let w = world().await;
    let app = &w.app;
    let setups: [Setup; 3] = [
        (&w.customer, "CNY", &[("2020-01-31", "1000.10"), ("2999-01-31", "2000")], &["300.05"]),
        (&w.customer, "USD", &[("2020-01-31", "500")], &["500"]),
        (&w.other_customer, "CNY", &[("2020-03-31", "800")], &[]),
    ];
    for (customer, currency, plan, receipts) in setups {
        let c = w
            .app
            .created(
                "/api/v1/contracts",
                &w.director,
                &json!({"customer_id": customer, "title": "合同",
                "starts_on": "2026-01-01", "ends_on": "2026-12-31", "amount": "9999", "currency": currency}),
            )
            .await;
        status_of(
            post(app, &format!("/api/v1/contracts/{}/activate", id(&c)), &w.director, &json!({})).await,
            StatusCode::OK,
        )
        .await;
        let items: Vec<Value> = plan.iter().map(|(due, amount)| json!({"due_on": due, "amount": amount})).collect();
        let plan = app
            .created(&format!("/api/v1/contracts/{}/payment-plan", id(&c)), &w.director, &json!({"items": items}))
            .await;
        for amount in receipts {
            app.created(
                "/api/v1/payments",
                &w.director,
                &json!({"contract_id": id(&c), "received_on": "2020-02-01",
                "amount": amount, "plan_item_id": id(&plan[0])}),
            )
            .await;
        }
    }
    // A draft contract promises nothing yet.
    app.created(
        "/api/v1/contracts",
        &w.director,
        &json!({"customer_id": w.customer, "title": "草稿",
        "starts_on": "2026-01-01", "ends_on": "2026-12-31", "amount": "5"}),
    )
    .await;

    let by_customer = app.get_ok("/api/v1/receivables?by=customer", &w.director).await;
    let rows: Vec<(&str, &str, &str, &str, &str, &str)> = by_customer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap(),
                r["currency"].as_str().unwrap(),
                r["planned"].as_str().unwrap(),
                r["received"].as_str().unwrap(),
                r["outstanding"].as_str().unwrap(),
                r["overdue"].as_str().unwrap(),
            )
        })
        .collect();
    let mut expected = vec![
        ("杭州娃哈哈集团", "CNY", "3000.10", "300.05", "2700.05", "700.05"),
        ("杭州娃哈哈集团", "USD", "500.00", "500.00", "0.00", "0.00"),
        ("宁波港集团", "CNY", "800.00", "0.00", "800.00", "800.00"),
    ];
    expected.sort();
    let mut sorted = rows.clone();
    sorted.sort();
    assert_eq!(sorted, expected);
    let totals: Vec<(&str, &str)> = by_customer["totals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["currency"].as_str().unwrap(), t["outstanding"].as_str().unwrap()))
        .collect();
    assert_eq!(totals, [("CNY", "3500.05"), ("USD", "0.00")]);

    let by_owner = app.get_ok("/api/v1/receivables?by=owner", &w.director).await;
    let mut rows: Vec<(&str, &str, &str)> = by_owner["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), r["currency"].as_str().unwrap(), r["outstanding"].as_str().unwrap()))
        .collect();
    rows.sort();
    assert_eq!(rows, [("liming", "CNY", "800.00"), ("wangwei", "CNY", "2700.05"), ("wangwei", "USD", "0.00")]);
    let owners: Vec<&str> = by_owner["items"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(owners.contains(&app.user_id("wangwei").await.as_str()), "{by_owner}");

    // An own-scope manager sees only their customers' receivables.
    let mine = app.get_ok("/api/v1/receivables", &w.colleague).await;
    let names: Vec<&str> = mine["items"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["宁波港集团"]);
    let r = app.get("/api/v1/receivables?by=region", Some(&w.director)).await;
    status_of(r, StatusCode::UNPROCESSABLE_ENTITY).await;
}

// ---- scope ----------------------------------------------------------------------------------

#[tokio::test]
async fn another_division_sees_no_quote_contract_payment_or_receivable() {
    let w = world().await;
    let app = &w.app;
    let q = app
        .created(
            "/api/v1/quotes",
            &w.manager,
            &json!({"customer_id": w.customer, "title": "报价", "lines": [line("服务", "1", "1", "", "")]}),
        )
        .await;
    let c = active_contract(&w, &w.customer, "100", "CNY").await;
    app.created(
        &format!("/api/v1/contracts/{}/payment-plan", id(&c)),
        &w.manager,
        &json!({"items": [{"due_on": "2020-01-01", "amount": "100"}]}),
    )
    .await;
    let p = app
        .created(
            "/api/v1/payments",
            &w.manager,
            &json!({"contract_id": id(&c), "received_on": "2020-01-01", "amount": "40"}),
        )
        .await;

    for list in ["/api/v1/quotes?count=true", "/api/v1/contracts?count=true", "/api/v1/payments?count=true"] {
        let page = app.get_ok(list, &w.north).await;
        assert_eq!((page["items"].as_array().unwrap().len(), page["total"].as_i64()), (0, Some(0)), "{list}");
        assert_eq!(app.get_ok(list, &w.manager).await["total"], 1, "{list}");
    }
    let receivables = app.get_ok("/api/v1/receivables", &w.north).await;
    assert_eq!(
        (receivables["items"].as_array().unwrap().len(), receivables["totals"].as_array().unwrap().len()),
        (0, 0)
    );
    for path in [
        format!("/api/v1/quotes/{}", id(&q)),
        format!("/api/v1/quotes/{}/versions", id(&q)),
        format!("/api/v1/contracts/{}", id(&c)),
        format!("/api/v1/contracts/{}/payment-plan", id(&c)),
        format!("/api/v1/payments/{}", id(&p)),
    ] {
        assert_eq!(app.get(&path, Some(&w.north)).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let payment = format!("/api/v1/payments/{}", id(&p));
    assert_eq!(app.patch_json(&payment, &w.north, None, &json!({"note": "x"})).await.status(), StatusCode::NOT_FOUND);
    let quote = format!("/api/v1/quotes/{}", id(&q));
    assert_eq!(app.patch_json(&quote, &w.north, None, &json!({"title": "x"})).await.status(), StatusCode::NOT_FOUND);
    let r = post(app, &format!("/api/v1/contracts/{}/orders", id(&c)), &w.north, &json!({})).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = post(app, &format!("/api/v1/quotes/{}/send", id(&q)), &w.north, &json!({})).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = post(
        app,
        "/api/v1/payments",
        &w.north,
        &json!({"contract_id": id(&c), "received_on": "2020-01-01", "amount": "1"}),
    )
    .await;
    let problem = status_of(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        (problem["errors"][0]["field"].as_str(), problem["errors"][0]["code"].as_str()),
        (Some("contract_id"), Some("not_found"))
    );
    let r = post(
        app,
        "/api/v1/quotes",
        &w.north,
        &json!({"customer_id": w.customer, "title": "x", "lines": [line("a", "1", "1", "", "")]}),
    )
    .await;
    status_of(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    // Within the division, an own-scope colleague sees only the records of their own customers.
    assert_eq!(
        app.get(&format!("/api/v1/contracts/{}", id(&c)), Some(&w.colleague)).await.status(),
        StatusCode::NOT_FOUND
    );
}

// ---- pages ----------------------------------------------------------------------------------

mod pages {
    use reqwest::StatusCode;
    use reqwest::header::{ACCEPT_LANGUAGE, CONTENT_TYPE};
    use serde_json::json;

    use super::{World, id, line, post, status_of, world};
    use crate::web::{Browser, csrf_of};

    async fn signed_in(w: &World, username: &str) -> (Browser, String) {
        let browser = Browser::new(&w.app);
        let csrf = browser.sign_in(username).await;
        (browser, csrf)
    }

    async fn english(browser: &Browser, w: &World, path: &str) -> String {
        let r = browser.client.get(w.app.url(path)).header(ACCEPT_LANGUAGE, "en").send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "GET {path}");
        r.text().await.unwrap()
    }

    #[tokio::test]
    async fn the_customer_page_leads_to_that_customers_quotes_and_contracts_only() {
        let w = world().await;
        for customer in [&w.customer, &w.other_customer] {
            let body = json!({"customer_id": customer, "title": format!("报价 {customer}"), "lines": [line("服务", "1", "1.00", "", "")]});
            w.app.created("/api/v1/quotes", &w.director, &body).await;
        }
        let (browser, _) = signed_in(&w, "dongfang").await;
        let page = english(&browser, &w, &format!("/customers/{}", w.customer)).await;
        for link in [
            "/opportunities?customer_id=",
            "/quotes?customer_id=",
            "/contracts?customer_id=",
            "/service-requests?customer_id=",
            "/service-requests/new?customer_id=",
        ] {
            assert!(page.contains(&format!("{link}{}", w.customer)), "{link}");
        }
        let quotes = english(&browser, &w, &format!("/quotes?customer_id={}", w.customer)).await;
        assert!(quotes.contains(&format!("报价 {}", w.customer)));
        assert!(!quotes.contains(&format!("报价 {}", w.other_customer)), "only this customer's quotes");
    }

    #[tokio::test]
    async fn quote_contract_and_payment_pages_speak_chinese_and_english_and_fit_a_phone() {
        let w = world().await;
        let app = &w.app;
        let q = app
            .created(
                "/api/v1/quotes",
                &w.manager,
                &json!({"customer_id": w.customer, "title": "年度服务报价",
                "valid_until": "2026-12-31", "lines": [line("安装服务", "3", "333.33", "10", "13")]}),
            )
            .await;
        for (step, token) in [("send", &w.manager), ("accept", &w.director)] {
            status_of(post(app, &format!("/api/v1/quotes/{}/{step}", id(&q)), token, &json!({})).await, StatusCode::OK)
                .await;
        }
        let c = app
            .created(
                &format!("/api/v1/quotes/{}/contract", id(&q)),
                &w.manager,
                &json!({"starts_on": "2026-01-01", "ends_on": "2026-12-31"}),
            )
            .await;
        status_of(
            post(app, &format!("/api/v1/contracts/{}/activate", id(&c)), &w.director, &json!({})).await,
            StatusCode::OK,
        )
        .await;
        let plan_path = format!("/api/v1/contracts/{}/payment-plan", id(&c));
        app.created(&plan_path, &w.manager, &json!({"items": [{"due_on": "2020-01-31", "amount": "500"}]})).await;
        app.created(
            "/api/v1/payments",
            &w.manager,
            &json!({"contract_id": id(&c), "received_on": "2020-02-01", "amount": "200", "method": "银行转账"}),
        )
        .await;

        let (browser, _) = signed_in(&w, "wangwei").await;
        let home = browser.get_text("/").await;
        for href in ["/quotes", "/contracts", "/payments"] {
            assert!(home.contains(&format!(r#"href="{href}""#)), "navigation lacks {href}");
        }
        let paths = [
            "/quotes".to_string(),
            "/quotes/new".into(),
            format!("/quotes/{}", id(&q)),
            format!("/quotes/{}/print", id(&q)),
            "/contracts".into(),
            "/contracts?expiring=true&status=active".into(),
            format!("/contracts/{}", id(&c)),
            "/payments".into(),
            "/payments?by=owner".into(),
        ];
        for path in &paths {
            let zh = browser.get_text(path).await;
            assert!(zh.contains(r#"<html lang="zh-CN">"#), "{path}: {zh}");
            assert!(zh.contains(r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#), "{path}");
            let en = english(&browser, &w, path).await;
            assert!(en.contains(r#"<html lang="en">"#), "{path}: {en}");
        }
        // 3 × 333.33 = 999.99, less 10% (100.00) = 899.99, plus 13% (117.00) = 1,016.99.
        let editor = browser.get_text(&format!("/quotes/{}", id(&q))).await;
        assert!(editor.contains("折扣 %") && editor.contains("税率 %") && editor.contains("1,016.99"), "{editor}");
        assert!(editor.contains("/assets/quotes.js?v=") && editor.contains("已接受"), "{editor}");
        let print = english(&browser, &w, &format!("/quotes/{}/print", id(&q))).await;
        assert!(print.contains("Quotation") && print.contains("1,016.99 CNY") && print.contains("安装服务"), "{print}");
        assert!(!print.contains("<nav"), "the printable page has no navigation: {print}");
        let contract = english(&browser, &w, &format!("/contracts/{}", id(&c))).await;
        assert!(
            contract.contains("Payment plan") && contract.contains("Overdue") && contract.contains("银行转账"),
            "{contract}"
        );
        let receivables = browser.get_text("/payments").await;
        assert!(receivables.contains("杭州娃哈哈集团") && receivables.contains("300.00"), "{receivables}");
        let script = browser
            .get(&editor[editor.find("/assets/quotes.js").unwrap()..].split('"').next().unwrap().replace("&amp;", "&"))
            .await;
        assert_eq!(script.status(), StatusCode::OK);
        assert!(script.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/javascript"));
        // Other divisions see none of it.
        let north = Browser::new(&w.app);
        north.sign_in("zhaolei").await;
        assert_eq!(north.get(&format!("/quotes/{}", id(&q))).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(north.get(&format!("/contracts/{}", id(&c))).await.status(), StatusCode::NOT_FOUND);
        assert!(!north.get_text("/payments").await.contains("杭州娃哈哈集团"));
    }

    #[tokio::test]
    async fn a_quote_is_written_in_the_editor_becomes_a_contract_and_its_payments_are_recorded() {
        let w = world().await;
        let (manager, csrf) = signed_in(&w, "wangwei").await;
        let new = manager.get_text("/quotes/new").await;
        assert!(new.contains("杭州娃哈哈集团"), "the customers to choose: {new}");
        let mut form =
            vec![("csrf", csrf.as_str()), ("customer_id", w.customer.as_str()), ("title", ""), ("currency", "CNY")];
        let lines = [
            ("product_id", ""),
            ("description", "螺丝"),
            ("quantity", "3"),
            ("unit_price", "0.10"),
            ("discount", ""),
            ("tax_rate", ""),
        ];
        form.extend(lines);
        let r = manager.post("/quotes", &form).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = r.text().await.unwrap();
        assert!(page.contains("必填") && page.contains(r#"value="螺丝""#), "{page}");
        form[2] = ("title", "小额报价");
        let r = manager.post("/quotes", &form).await;
        assert_eq!(r.status(), StatusCode::OK);
        let quote_path = r.url().path().to_string();
        let page = r.text().await.unwrap();
        assert!(page.contains("0.30"), "{page}");
        let r = manager.post(&format!("{quote_path}/send"), &[("csrf", &csrf)]).await;
        assert!(r.text().await.unwrap().contains("已发送"));
        assert_eq!(
            manager.post(&format!("{quote_path}/accept"), &[("csrf", &csrf)]).await.status(),
            StatusCode::FORBIDDEN
        );

        let (director, director_csrf) = signed_in(&w, "dongfang").await;
        director.post(&format!("{quote_path}/accept"), &[("csrf", &director_csrf)]).await;
        let r = director
            .post(
                &format!("{quote_path}/contract"),
                &[("csrf", &director_csrf), ("starts_on", "2026-01-01"), ("ends_on", "2025-01-01")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("不能早于开始日期"));
        let r = director
            .post(
                &format!("{quote_path}/contract"),
                &[("csrf", &director_csrf), ("starts_on", "2026-01-01"), ("ends_on", "2026-12-31")],
            )
            .await;
        let contract_path = r.url().path().to_string();
        assert!(contract_path.starts_with("/contracts/"), "{contract_path}");
        let r = director.post(&format!("{contract_path}/activate"), &[("csrf", &director_csrf)]).await;
        assert!(r.text().await.unwrap().contains("执行中"));

        let page = manager.get_text(&contract_path).await;
        let csrf = csrf_of(&page);
        let r = manager
            .post(
                &format!("{contract_path}/payment-plan"),
                &[("csrf", &csrf), ("due_on", "2020-01-31"), ("amount", "0"), ("note", "")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("必须大于零"));
        let r = manager
            .post(
                &format!("{contract_path}/payment-plan"),
                &[("csrf", &csrf), ("due_on", "2020-01-31"), ("amount", "0.30"), ("note", "全款")],
            )
            .await;
        let page = r.text().await.unwrap();
        assert!(page.contains("逾期") && page.contains("全款"), "{page}");
        let r = manager
            .post(
                &format!("{contract_path}/payments"),
                &[
                    ("csrf", &csrf),
                    ("received_on", "2020-02-01"),
                    ("amount", "0.30"),
                    ("plan_item_id", ""),
                    ("method", "现金"),
                    ("note", ""),
                ],
            )
            .await;
        let page = r.text().await.unwrap();
        assert!(page.contains("现金"), "{page}");
        let r = manager.post(&format!("{contract_path}/orders"), &[("csrf", &csrf)]).await;
        assert!(r.url().path().starts_with("/orders/"), "{}", r.url());
        assert!(manager.get_text(&contract_path).await.contains("DD"), "the order is listed on the contract");
    }
}
