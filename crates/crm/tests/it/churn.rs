//! Churn warnings through the real server (CHN-1..3): the detection job with its threshold,
//! once per customer even when two runs race, measures and the confirmed loss with its
//! reason, who may act (403) in which state (409) and who sees what (404, lists, counts), the
//! reactivation a new order brings, and the pages.

use chrono::{Months, NaiveDate, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crm_core::churn::actions as churn;

use crate::helpers::{TestApp, fresh_database_url, output_text, run_crm, test_config};
use crate::web::{Browser, csrf_of};

/// 华东 with a director, an account manager who owns the customers, a colleague of theirs and
/// an executive; 华北 with a director; an administrator.
struct World {
    app: TestApp,
    url: String,
    director: String,
    manager: String,
    colleague: String,
    executive: String,
    north_director: String,
    admin: String,
}

async fn world() -> World {
    let (url, _) = fresh_database_url().await;
    let app = TestApp::spawn_on(&url).await;
    let east = app.division("华东").await;
    let north = app.division("华北").await;
    let director = app.user("dongfang", "director", &[east]).await;
    let manager = app.user("wangwei", "manager", &[east]).await;
    let colleague = app.user("liming", "manager", &[east]).await;
    let executive = app.user("gaoyuan", "executive", &[east, north]).await;
    let north_director = app.user("zhaolei", "director", &[north]).await;
    let admin = app.user("root", "admin", &[]).await;
    World { app, url, director, manager, colleague, executive, north_director, admin }
}

fn id(record: &Value) -> &str {
    record["id"].as_str().unwrap()
}

fn months_ago(months: u32) -> NaiveDate {
    Utc::now().date_naive().checked_sub_months(Months::new(months)).unwrap()
}

async fn expect(r: reqwest::Response, status: StatusCode) -> Value {
    let actual = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(actual, status, "{body}");
    body
}

async fn order(w: &World, customer: &str, date: NaiveDate) -> Value {
    let body = json!({"customer_id": customer, "order_date": date.to_string(),
        "lines": [{"description": "设备维保", "quantity": "1", "unit_price": "12800.00"}]});
    w.app.created("/api/v1/orders", &w.manager, &body).await
}

/// An active customer of the manager's whose last order is `months` old.
async fn customer(w: &World, name: &str, months: u32) -> String {
    let c = w.app.create_customer(&w.manager, &json!({"name": name, "status": "active"})).await;
    order(w, id(&c), months_ago(months)).await;
    id(&c).to_string()
}

async fn warnings(w: &World, token: &str, query: &str) -> Vec<Value> {
    w.app.get_ok(&format!("/api/v1/churn-warnings?{query}"), token).await["items"].as_array().unwrap().clone()
}

/// The one warning of the customer, after detection.
async fn warning_of(w: &World, customer: &str) -> Value {
    let found = warnings(w, &w.director, &format!("customer_id={customer}")).await;
    assert_eq!(found.len(), 1, "{found:?}");
    found[0].clone()
}

async fn step(w: &World, token: &str, warning: &Value, verb: &str, body: Value) -> reqwest::Response {
    w.app.post_json(&format!("/api/v1/churn-warnings/{}/{verb}", id(warning)), Some(token), &body).await
}

async fn status_of_customer(w: &World, customer: &str) -> String {
    w.app.get_ok(&format!("/api/v1/customers/{customer}"), &w.director).await["status"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn detection_warns_each_quiet_active_customer_once_with_its_last_order_date() {
    let w = world().await;
    let quiet = customer(&w, "华星科技", 7).await;
    let recent = customer(&w, "东方电气", 5).await;
    let prospect = w.app.create_customer(&w.manager, &json!({"name": "未来材料"})).await;
    let lost = customer(&w, "长江物流", 8).await;
    let r = w.app.patch_json(&format!("/api/v1/customers/{lost}"), &w.manager, None, &json!({"status": "lost"})).await;
    expect(r, StatusCode::OK).await;

    assert_eq!(churn::detect(&w.app.db, 6).await.unwrap().warned, 1);
    let all = warnings(&w, &w.director, "").await;
    assert_eq!(all.len(), 1, "{all:?}");
    let warning = &all[0];
    assert_eq!(warning["customer_id"], quiet.as_str());
    assert_eq!(warning["customer_name"], "华星科技");
    assert_eq!(warning["last_order_date"], months_ago(7).to_string());
    assert_eq!(warning["status"], "warning");
    assert_eq!(warning["measures"], json!([]));
    assert_eq!(warning["closed_at"], Value::Null);
    for other in [recent.as_str(), id(&prospect), lost.as_str()] {
        assert!(warnings(&w, &w.director, &format!("customer_id={other}")).await.is_empty(), "{other} warned");
    }

    // A second run, here from the command line as the daily job would, warns nobody again.
    let o = run_crm(&["jobs", "run", "churn-detection"], &w.url, None);
    assert!(o.status.success(), "{}", output_text(&o));
    assert!(output_text(&o).contains("warned 0"), "{}", output_text(&o));
    assert_eq!(warnings(&w, &w.director, "").await.len(), 1);
    // The job's audit row names the warning.
    let log =
        w.app.get_ok(&format!("/api/v1/audit-log?entity=churn_warnings&entity_id={}", id(warning)), &w.admin).await;
    assert_eq!(log["items"][0]["action"], "detect", "{log}");
    assert_eq!(log["items"][0]["new_values"]["last_order_date"], months_ago(7).to_string());
}

#[tokio::test]
async fn two_concurrent_detection_runs_warn_each_customer_exactly_once() {
    let w = world().await;
    let mut customers = Vec::new();
    for name in ["华星科技", "东方电气", "长江物流", "南山食品"] {
        customers.push(customer(&w, name, 9).await);
    }
    let (a, b) = tokio::join!(churn::detect(&w.app.db, 6), churn::detect(&w.app.db, 6));
    assert_eq!(a.unwrap().warned + b.unwrap().warned, 4);
    let (c, d) = tokio::join!(churn::detect(&w.app.db, 6), churn::detect(&w.app.db, 6));
    assert_eq!(c.unwrap().warned + d.unwrap().warned, 0);
    for c in &customers {
        warning_of(&w, c).await;
    }
    let page = w.app.get_ok("/api/v1/churn-warnings?count=true", &w.director).await;
    assert_eq!(page["total"], 4);
}

#[tokio::test]
async fn the_threshold_comes_from_the_configuration() {
    let w = world().await;
    let c = customer(&w, "华星科技", 4).await;
    let mut config = test_config(&w.url);
    let summary = crm::jobs::run_now(&w.app.db, &config, "churn-detection").await.unwrap();
    assert!(summary.contains("warned 0"), "{summary}");
    config.churn.inactive_after_months = 3;
    let summary = crm::jobs::run_now(&w.app.db, &config, "churn-detection").await.unwrap();
    assert!(summary.contains("warned 1"), "{summary}");
    assert_eq!(warning_of(&w, &c).await["last_order_date"], months_ago(4).to_string());
}

#[tokio::test]
async fn measures_delay_the_loss_and_confirming_it_loses_the_customer_with_the_reason() {
    let w = world().await;
    let c = customer(&w, "华星科技", 7).await;
    churn::detect(&w.app.db, 6).await.unwrap();
    let warning = warning_of(&w, &c).await;

    let r = step(&w, &w.manager, &warning, "measures", json!({"date": "2026-03-02", "text": "上门拜访，给予九折优惠"}))
        .await;
    let delayed = expect(r, StatusCode::OK).await;
    assert_eq!(delayed["status"], "delaying");
    assert_eq!(delayed["measures"][0]["date"], "2026-03-02");
    assert_eq!(delayed["measures"][0]["text"], "上门拜访，给予九折优惠");
    assert_eq!(delayed["measures"][0]["author"]["label"], "wangwei");
    let r = step(&w, &w.director, &delayed, "measures", json!({"date": "2026-03-09", "text": "总监电话回访"})).await;
    let twice = expect(r, StatusCode::OK).await;
    assert_eq!(twice["measures"].as_array().unwrap().len(), 2);
    assert_eq!(twice["measures"][0]["text"], "总监电话回访", "newest first");

    // Show carries the version as ETag; a stale If-Match is refused.
    let r = w.app.get(&format!("/api/v1/churn-warnings/{}", id(&warning)), Some(&w.manager)).await;
    assert_eq!(r.headers()["etag"], format!("\"{}\"", twice["version"]));
    let r = w
        .app
        .client
        .post(w.app.url(&format!("/api/v1/churn-warnings/{}/confirm", id(&warning))))
        .bearer_auth(&w.manager)
        .header("If-Match", "\"1\"")
        .json(&json!({"reason_id": w.app.dictionary_entry(&w.manager, "churn_reason", "其他").await}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED);

    let reason = w.app.dictionary_entry(&w.manager, "churn_reason", "价格因素").await;
    let r = step(&w, &w.manager, &warning, "confirm", json!({"reason_id": reason})).await;
    let lost = expect(r, StatusCode::OK).await;
    assert_eq!(lost["status"], "lost");
    assert_eq!(lost["reason_id"], reason.as_str());
    assert_eq!(lost["reason"]["label"], "价格因素");
    assert!(lost["confirmed_at"].is_string());
    assert_eq!(status_of_customer(&w, &c).await, "lost");

    // A lost warning takes no more steps: 409 naming the state.
    for (verb, body) in
        [("confirm", json!({"reason_id": reason})), ("measures", json!({"date": "2026-04-01", "text": "再试一次"}))]
    {
        let problem = expect(step(&w, &w.manager, &warning, verb, body).await, StatusCode::CONFLICT).await;
        assert!(problem["detail"].as_str().unwrap().contains("lost"), "{problem}");
    }
    // Both the warning's and the customer's changes are in the audit log.
    let log =
        w.app.get_ok(&format!("/api/v1/audit-log?entity=churn_warnings&entity_id={}", id(&warning)), &w.admin).await;
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["confirm", "measure", "measure", "detect"]);
    let log = w.app.get_ok(&format!("/api/v1/audit-log?entity=customers&entity_id={c}"), &w.admin).await;
    assert_eq!(log["items"][0]["action"], "churn_lost", "{log}");
    assert_eq!(log["items"][0]["new_values"]["status"], "lost");
}

#[tokio::test]
async fn only_those_who_see_the_customer_see_its_warning_and_only_editors_act_on_it() {
    let w = world().await;
    let c = customer(&w, "华星科技", 7).await;
    churn::detect(&w.app.db, 6).await.unwrap();
    let warning = warning_of(&w, &c).await;
    let path = format!("/api/v1/churn-warnings/{}", id(&warning));
    let measure = json!({"date": "2026-03-02", "text": "上门拜访"});

    // The executive reads but does not act; the administrator has no churn rights at all.
    w.app.get_ok(&path, &w.executive).await;
    expect(step(&w, &w.executive, &warning, "measures", measure.clone()).await, StatusCode::FORBIDDEN).await;
    expect(w.app.get("/api/v1/churn-warnings", Some(&w.admin)).await, StatusCode::FORBIDDEN).await;
    // Another division's director and a colleague who does not own the customer: not found,
    // not listed, not counted.
    for token in [&w.north_director, &w.colleague] {
        expect(w.app.get(&path, Some(token)).await, StatusCode::NOT_FOUND).await;
        expect(step(&w, token, &warning, "measures", measure.clone()).await, StatusCode::NOT_FOUND).await;
        let page = w.app.get_ok("/api/v1/churn-warnings?count=true", token).await;
        assert_eq!(page["total"], 0, "{page}");
        assert_eq!(page["items"], json!([]));
    }
    // The customer's owner and their director act on it.
    expect(step(&w, &w.manager, &warning, "measures", measure.clone()).await, StatusCode::OK).await;
    let page = w.app.get_ok("/api/v1/churn-warnings?status=delaying&count=true", &w.director).await;
    assert_eq!(page["total"], 1);
    // Sharing the customer with the colleague shows them its warning.
    let colleague_id = w.app.user_id("liming").await;
    let r = w
        .app
        .post_json(&format!("/api/v1/customers/{c}/shares"), Some(&w.manager), &json!({"user_id": colleague_id}))
        .await;
    assert!(r.status().is_success(), "{}", r.status());
    w.app.get_ok(&path, &w.colleague).await;
}

#[tokio::test]
async fn a_new_order_reactivates_a_lost_customer_and_closes_its_warning() {
    let w = world().await;
    let lost = customer(&w, "华星科技", 7).await;
    let waiting = customer(&w, "东方电气", 8).await;
    churn::detect(&w.app.db, 6).await.unwrap();
    let reason = w.app.dictionary_entry(&w.manager, "churn_reason", "其他").await;
    let lost_warning = warning_of(&w, &lost).await;
    expect(step(&w, &w.manager, &lost_warning, "confirm", json!({"reason_id": reason})).await, StatusCode::OK).await;
    assert_eq!(status_of_customer(&w, &lost).await, "lost");

    order(&w, &lost, Utc::now().date_naive()).await;
    assert_eq!(status_of_customer(&w, &lost).await, "active");
    let closed = w.app.get_ok(&format!("/api/v1/churn-warnings/{}", id(&lost_warning)), &w.manager).await;
    assert!(closed["closed_at"].is_string(), "{closed}");
    assert_eq!(closed["status"], "lost", "the status stays readable");
    // Closed warnings take no steps: 409 naming the state.
    let problem =
        expect(step(&w, &w.manager, &closed, "confirm", json!({"reason_id": reason})).await, StatusCode::CONFLICT)
            .await;
    assert!(problem["detail"].as_str().unwrap().contains("closed"), "{problem}");

    // An order also closes a warning still open, without touching the active customer's status.
    let open = warning_of(&w, &waiting).await;
    order(&w, &waiting, Utc::now().date_naive()).await;
    let closed = w.app.get_ok(&format!("/api/v1/churn-warnings/{}", id(&open)), &w.manager).await;
    assert!(closed["closed_at"].is_string(), "{closed}");
    assert_eq!(status_of_customer(&w, &waiting).await, "active");
    assert!(warnings(&w, &w.director, "closed=false").await.is_empty());
    assert_eq!(warnings(&w, &w.director, "closed=true").await.len(), 2);
    // Their orders are recent now: no new warning.
    assert_eq!(churn::detect(&w.app.db, 6).await.unwrap().warned, 0);
}

#[tokio::test]
async fn a_customer_merged_into_another_keeps_one_open_warning() {
    let w = world().await;
    let survivor = customer(&w, "华星科技", 7).await;
    let merged = customer(&w, "华星科技有限公司", 9).await;
    churn::detect(&w.app.db, 6).await.unwrap();
    let r = w
        .app
        .post_json(&format!("/api/v1/customers/{survivor}/merge"), Some(&w.director), &json!({"from_id": merged}))
        .await;
    expect(r, StatusCode::OK).await;
    let all = warnings(&w, &w.director, &format!("customer_id={survivor}")).await;
    assert_eq!(all.len(), 2);
    assert_eq!(all.iter().filter(|w| w["closed_at"].is_null()).count(), 1);
}

#[tokio::test]
async fn bad_input_names_the_field_and_changes_nothing() {
    let w = world().await;
    let c = customer(&w, "华星科技", 7).await;
    churn::detect(&w.app.db, 6).await.unwrap();
    let warning = warning_of(&w, &c).await;
    let service_type = w.app.dictionary_entry(&w.manager, "service_type", "投诉").await;
    let unknown = uuid::Uuid::now_v7().to_string();
    let cases = [
        ("measures", json!({"date": "2026-03-02"}), "text", "required"),
        ("measures", json!({"date": "2026-02-30", "text": "上门拜访"}), "date", "invalid_date"),
        ("measures", json!({"text": "上门拜访"}), "date", "required"),
        ("confirm", json!({}), "reason_id", "required"),
        ("confirm", json!({"reason_id": unknown}), "reason_id", "not_found"),
        ("confirm", json!({"reason_id": service_type}), "reason_id", "wrong_kind"),
    ];
    for (verb, body, field, code) in cases {
        let problem = expect(step(&w, &w.manager, &warning, verb, body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        assert_eq!(problem["errors"][0]["code"], code, "{problem}");
    }
    let r = w
        .app
        .client
        .post(w.app.url(&format!("/api/v1/churn-warnings/{}/measures", id(&warning))))
        .bearer_auth(&w.manager)
        .header("Content-Type", "application/json")
        .body("{\"date\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let unchanged = w.app.get_ok(&format!("/api/v1/churn-warnings/{}", id(&warning)), &w.manager).await;
    assert_eq!(unchanged, warning);
    assert_eq!(status_of_customer(&w, &c).await, "active");
}

#[tokio::test]
async fn the_pages_list_warnings_and_offer_only_the_steps_allowed() {
    let w = world().await;
    let c = customer(&w, "华星科技", 7).await;
    churn::detect(&w.app.db, 6).await.unwrap();
    let warning = warning_of(&w, &c).await;
    let page_path = format!("/churn-warnings/{}", id(&warning));

    let manager = Browser::new(&w.app);
    manager.sign_in("wangwei").await;
    let list = manager.get_text("/churn-warnings").await;
    assert!(list.contains("华星科技") && list.contains(&months_ago(7).to_string()), "{list}");
    assert!(list.contains("href=\"/churn-warnings\""), "the navigation leads to the list");
    let page = manager.get_text(&page_path).await;
    assert!(page.contains("/measures\"") && page.contains("/confirm\""), "{page}");
    assert!(page.contains("价格因素"), "the reasons are offered");
    let customer_page = manager.get_text(&format!("/customers/{c}")).await;
    assert!(customer_page.contains(&format!("href=\"{page_path}\"")), "the customer page links its warning");

    // A measure without text is refused next to its field; with text it is listed.
    let csrf = csrf_of(&page);
    let r =
        manager.post(&format!("{page_path}/measures"), &[("csrf", &csrf), ("date", "2026-03-02"), ("text", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("id=\"e-w-text\""));
    let r = manager
        .post(&format!("{page_path}/measures"), &[("csrf", &csrf), ("date", "2026-03-02"), ("text", "上门拜访")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains("上门拜访") && page.contains("暂缓流失"), "{page}");
    let reason = w.app.dictionary_entry(&w.manager, "churn_reason", "价格因素").await;
    let r = manager.post(&format!("{page_path}/confirm"), &[("csrf", &csrf), ("reason_id", &reason)]).await;
    let page = r.text().await.unwrap();
    assert!(page.contains("确认流失") && !page.contains("/confirm\""), "no more steps once lost: {page}");

    // The executive sees the warning without forms, in English when asked.
    let executive = Browser::new(&w.app);
    executive.sign_in("gaoyuan").await;
    executive.get("/lang/en").await;
    let page = executive.get_text(&page_path).await;
    assert!(page.contains("Lost") && !page.contains("/measures\""), "{page}");
}
