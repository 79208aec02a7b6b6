//! Customers through the real server (CUS-1..8, CUS-10, INT-6): records, scope by division and
//! owner, lists and search, contacts and vCards, interactions and attachments, orders,
//! duplicates and merge, assignment and sharing, the 360 view.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// Two divisions with their people: a director and two account managers in 华东, an account
/// manager in 华北, and an executive over both.
struct World {
    app: TestApp,
    east: String,
    director: String,
    manager: String,
    colleague: String,
    north_manager: String,
    executive: String,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let east = app.division("华东").await;
    let north = app.division("华北").await;
    let director = app.user("dongfang", "director", &[east]).await;
    let manager = app.user("wangwei", "manager", &[east]).await;
    let colleague = app.user("liming", "manager", &[east]).await;
    let north_manager = app.user("zhaolei", "manager", &[north]).await;
    let executive = app.user("boss", "executive", &[]).await;
    World { app, east: east.to_string(), director, manager, colleague, north_manager, executive }
}

fn ids(page: &Value) -> Vec<&str> {
    page["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect()
}

fn names(page: &Value) -> Vec<&str> {
    page["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect()
}

async fn problem(r: reqwest::Response, status: StatusCode) -> Value {
    let actual = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(actual, status, "{body}");
    body
}

fn error_fields(problem: &Value) -> Vec<(&str, &str)> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect()
}

async fn get_with(app: &TestApp, path: &str, token: &str, accept: &str) -> reqwest::Response {
    app.client.get(app.url(path)).bearer_auth(token).header("Accept", accept).send().await.unwrap()
}

// ---- CUS-1: the record ----------------------------------------------------------------------

#[tokio::test]
async fn a_customer_is_created_with_every_field_numbered_and_shown_with_dictionary_labels() {
    let w = world().await;
    let app = &w.app;
    let level = app.dictionary_entry(&w.manager, "customer_level", "大客户").await;
    let region = app.dictionary_entry(&w.manager, "region", "深圳市").await;
    let industry = app.dictionary_entry(&w.manager, "industry", "信息技术").await;
    let body = json!({
        "name": "深圳华为技术有限公司", "status": "active", "level_id": level, "region_id": region,
        "industry_id": industry, "size": "large", "lifecycle_stage": "stability", "satisfaction": 4, "credit": 5,
        "phone": "0755-2878 0808", "fax": "0755-2878 0809", "website": "https://www.huawei.com",
        "address": "深圳市龙岗区坂田华为基地", "postcode": "518129", "tax_number": "914403001922038216",
        "licence_number": "440301103097413", "legal_representative": "赵明路", "registered_capital": "4104113.182",
        "annual_turnover": "704174000000.00", "bank": "招商银行深圳分行", "bank_account": "755900000000001",
        "tags": ["战略", "ICT", "战略"], "notes": "重点客户\n每季度拜访"
    });
    let r = app.post_json("/api/v1/customers", Some(&w.manager), &body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(r.headers()["etag"], "\"1\"");
    let c: Value = r.json().await.unwrap();
    let today = chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap());
    assert_eq!(c["number"], format!("KH{}0001", today.format("%Y%m%d")));
    assert_eq!(c["division_id"], w.east);
    assert_eq!(c["division"]["label"], "华东");
    assert_eq!(c["owner_id"], app.user_id("wangwei").await);
    assert_eq!(c["owner"]["label"], "wangwei");
    assert_eq!(c["level"], json!({"id": level, "label": "大客户"}));
    assert_eq!(c["region"]["label"], "深圳市");
    assert_eq!(c["industry"]["label"], "信息技术");
    assert_eq!((c["status"].as_str(), c["size"].as_str()), (Some("active"), Some("large")));
    assert_eq!((c["satisfaction"].as_i64(), c["credit"].as_i64()), (Some(4), Some(5)));
    assert_eq!(c["registered_capital"], "4104113.182");
    assert_eq!(c["annual_turnover"], "704174000000.00");
    assert_eq!(c["tags"], json!(["ICT", "战略"]));
    assert_eq!(c["notes"], "重点客户\n每季度拜访");
    assert_eq!(app.get_ok(&location, &w.manager).await, c);

    // The next customer takes the next number; a prospect is the default status.
    let second = app.create_customer(&w.manager, &json!({"name": "上海贝尔"})).await;
    assert_eq!(second["number"], format!("KH{}0002", today.format("%Y%m%d")));
    assert_eq!(second["status"], "prospect");
}

#[tokio::test]
async fn bad_customer_input_names_every_field() {
    let w = world().await;
    let app = &w.app;
    let region = app.dictionary_entry(&w.manager, "region", "广东省").await;
    let body = json!({
        "name": " ", "status": "vip", "satisfaction": 9, "registered_capital": "12.345678", "level_id": region,
        "region_id": "0190c3a4-0000-7000-8000-000000000000"
    });
    let r = app.post_json("/api/v1/customers", Some(&w.manager), &body).await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        error_fields(&p),
        [
            ("name", "required"),
            ("status", "invalid_choice"),
            ("satisfaction", "out_of_range"),
            ("registered_capital", "out_of_range")
        ]
    );
    let r = app.post_json("/api/v1/customers", Some(&w.manager), &json!({"name": "甲", "level_id": region})).await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error_fields(&p), [("level_id", "wrong_kind")]);
    let r = app.post_json("/api/v1/customers", Some(&w.manager), &json!({"name": "甲", "satisfaction": "high"})).await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(p["errors"][0]["field"], "satisfaction");
    let r = app
        .client
        .post(app.url("/api/v1/customers"))
        .bearer_auth(&w.manager)
        .header("Content-Type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::BAD_REQUEST).await;
    // An executive reads and assigns but does not create; a stranger's division is unknown.
    let r = app.post_json("/api/v1/customers", Some(&w.executive), &json!({"name": "甲"})).await;
    problem(r, StatusCode::FORBIDDEN).await;
    let r = app
        .post_json(
            "/api/v1/customers",
            Some(&w.director),
            &json!({"name": "甲", "division_id": "0190c3a4-0000-7000-8000-000000000000"}),
        )
        .await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error_fields(&p), [("division_id", "unknown_division")]);
    // A manager cannot hand a new customer to someone else.
    let li = app.user_id("liming").await;
    let r = app.post_json("/api/v1/customers", Some(&w.manager), &json!({"name": "甲", "owner_id": li})).await;
    problem(r, StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn a_stale_edit_is_refused_with_412_and_every_change_is_audited_with_old_and_new_values() {
    let w = world().await;
    let app = &w.app;
    let c = app
        .create_customer(&w.manager, &json!({"name": "杭州娃哈哈", "phone": "0571-1234567", "tags": ["饮料"]}))
        .await;
    let path = format!("/api/v1/customers/{}", c["id"].as_str().unwrap());

    let r = app.patch_json(&path, &w.manager, Some("\"1\""), &json!({"name": "杭州娃哈哈集团", "phone": null})).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["etag"], "\"2\"");
    let updated: Value = r.json().await.unwrap();
    assert_eq!((updated["name"].as_str(), updated["phone"].as_str()), (Some("杭州娃哈哈集团"), None));
    assert_eq!(updated["tags"], json!(["饮料"]));

    let r = app.patch_json(&path, &w.colleague, Some("\"2\""), &json!({"notes": "不是我的"})).await;
    problem(r, StatusCode::NOT_FOUND).await;
    let r = app.patch_json(&path, &w.director, Some("\"1\""), &json!({"notes": "旧版本"})).await;
    problem(r, StatusCode::PRECONDITION_FAILED).await;
    let r = app.patch_json(&path, &w.director, None, &json!({"owner_id": null})).await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error_fields(&p), [("owner_id", "unknown_field")]);

    let log = app.get_ok(&format!("{path}/audit-log"), &w.manager).await;
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["update", "create"]);
    assert_eq!(log["items"][0]["old_values"], json!({"name": "杭州娃哈哈", "phone": "0571-1234567"}));
    assert_eq!(log["items"][0]["new_values"], json!({"name": "杭州娃哈哈集团", "phone": null}));
    assert_eq!(log["items"][0]["division_id"], w.east);
    assert_eq!(log["items"][1]["new_values"]["tags"], json!(["饮料"]));

    // Only directors and above delete; the record and its audit trail's subject are gone.
    problem(app.delete(&path, &w.manager).await, StatusCode::FORBIDDEN).await;
    assert_eq!(app.delete(&path, &w.director).await.status(), StatusCode::NO_CONTENT);
    problem(app.get(&path, Some(&w.director)).await, StatusCode::NOT_FOUND).await;
}

// ---- ACL-2, ACL-3: scope --------------------------------------------------------------------

#[tokio::test]
async fn a_manager_of_one_division_never_sees_another_divisions_customers() {
    let w = world().await;
    let app = &w.app;
    let east = app.create_customer(&w.manager, &json!({"name": "华东电器", "phone": "021-5555 0001"})).await;
    let north = app.create_customer(&w.north_manager, &json!({"name": "华北电器", "phone": "010-5555 0002"})).await;
    app.created(
        "/api/v1/contacts",
        &w.north_manager,
        &json!({"customer_id": north["id"], "name": "北方联系人", "mobile": "13900000002"}),
    )
    .await;
    let north_path = format!("/api/v1/customers/{}", north["id"].as_str().unwrap());

    for path in [
        north_path.clone(),
        format!("{north_path}/overview"),
        format!("{north_path}/contacts"),
        format!("{north_path}/audit-log"),
        format!("{north_path}/contacts.vcf"),
    ] {
        problem(app.get(&path, Some(&w.manager)).await, StatusCode::NOT_FOUND).await;
        problem(app.get(&path, Some(&w.director)).await, StatusCode::NOT_FOUND).await;
    }
    let list = app.get_ok("/api/v1/customers?count=true", &w.director).await;
    assert_eq!((ids(&list), list["total"].as_i64()), (vec![east["id"].as_str().unwrap()], Some(1)));
    let found = app.get_ok("/api/v1/customers?q=电器&count=true", &w.director).await;
    assert_eq!((names(&found), found["total"].as_i64()), (vec!["华东电器"], Some(1)));
    let search = app.get_ok("/api/v1/search?q=电器", &w.director).await;
    assert_eq!(search["customers"].as_array().unwrap().len(), 1);
    let search = app.get_ok("/api/v1/search?q=联系人", &w.director).await;
    assert_eq!(search["contacts"], json!([]));
    let lookup = app.get_ok("/api/v1/lookup/phone/010-5555-0002", &w.director).await;
    assert_eq!((lookup["customers"].clone(), lookup["contacts"].clone()), (json!([]), json!([])));
    let lookup = app.get_ok("/api/v1/lookup/phone/13900000002", &w.manager).await;
    assert_eq!(lookup["contacts"], json!([]));
    let csv = get_with(app, "/api/v1/customers", &w.director, "text/csv").await.text().await.unwrap();
    assert!(csv.contains("华东电器") && !csv.contains("华北电器"), "{csv}");
    let r = app
        .post_json(
            &format!("/api/v1/customers/{}/merge", east["id"].as_str().unwrap()),
            Some(&w.director),
            &json!({"from_id": north["id"]}),
        )
        .await;
    problem(r, StatusCode::NOT_FOUND).await;
    let r = app.post_json(&format!("{north_path}/merge"), Some(&w.director), &json!({"from_id": east["id"]})).await;
    problem(r, StatusCode::NOT_FOUND).await;
    let r = app
        .post_json(
            "/api/v1/interactions",
            Some(&w.manager),
            &json!({
                "customer_id": north["id"], "occurred_at": "2026-03-01T10:00:00+08:00", "summary": "越界"
            }),
        )
        .await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error_fields(&p), [("customer_id", "not_found")]);

    // The executive sees both divisions.
    let all = app.get_ok("/api/v1/customers?count=true", &w.executive).await;
    assert_eq!(all["total"], 2);
    app.get_ok(&format!("{north_path}/overview"), &w.executive).await;
}

#[tokio::test]
async fn an_own_scope_manager_sees_the_customers_they_own_and_those_shared_with_them() {
    let w = world().await;
    let app = &w.app;
    let mine = app.create_customer(&w.manager, &json!({"name": "王的客户"})).await;
    let theirs = app.create_customer(&w.colleague, &json!({"name": "李的客户"})).await;
    let theirs_path = format!("/api/v1/customers/{}", theirs["id"].as_str().unwrap());

    let page = app.get_ok("/api/v1/customers?count=true", &w.manager).await;
    assert_eq!((names(&page), page["total"].as_i64()), (vec!["王的客户"], Some(1)));
    problem(app.get(&theirs_path, Some(&w.manager)).await, StatusCode::NOT_FOUND).await;
    let division = app.get_ok("/api/v1/customers?count=true", &w.director).await;
    assert_eq!(division["total"], 2);

    // 李 shares the customer with 王, who then reads and edits it like its owner.
    let wang = app.user_id("wangwei").await;
    let r = app.post_json(&format!("{theirs_path}/shares"), Some(&w.colleague), &json!({"user_id": wang})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let shares = app.get_ok(&format!("{theirs_path}/shares"), &w.colleague).await;
    assert_eq!(shares[0]["user"]["label"], "wangwei");
    let page = app.get_ok("/api/v1/customers?sort=name&count=true", &w.manager).await;
    assert_eq!((page["total"].as_i64(), names(&page)), (Some(2), vec!["李的客户", "王的客户"]));
    let r = app.patch_json(&theirs_path, &w.manager, None, &json!({"notes": "共享后可编辑"})).await;
    assert_eq!(r.status(), StatusCode::OK);
    // A user of another division cannot be given a share.
    let zhao = app.user_id("zhaolei").await;
    let r = app.post_json(&format!("{theirs_path}/shares"), Some(&w.colleague), &json!({"user_id": zhao})).await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error_fields(&p), [("user_id", "not_in_division")]);

    let r = app.delete(&format!("{theirs_path}/shares/{wang}"), &w.colleague).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    problem(app.get(&theirs_path, Some(&w.manager)).await, StatusCode::NOT_FOUND).await;
    app.get_ok(&format!("/api/v1/customers/{}", mine["id"].as_str().unwrap()), &w.manager).await;
}
