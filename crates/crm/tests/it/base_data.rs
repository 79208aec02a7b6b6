//! Base data through the real server: the dictionary (BAS-1), numbering (BAS-3), products
//! and stock (SAL-6).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crm_core::base_data::BaseDataStore;

use crate::helpers::TestApp;

fn labels(page: &Value) -> Vec<&str> {
    page["items"].as_array().unwrap().iter().map(|e| e["label"].as_str().unwrap()).collect()
}

async fn created(r: reqwest::Response) -> Value {
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn problem(r: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(r.status(), status);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    r.json().await.unwrap()
}

fn error_fields(problem: &Value) -> Vec<&str> {
    problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect()
}

async fn entry_id(app: &TestApp, token: &str, query: &str) -> String {
    let page = app.get_ok(&format!("/api/v1/dictionary-entries?{query}"), token).await;
    page["items"][0]["id"].as_str().unwrap_or_else(|| panic!("no entry for {query}")).to_string()
}

#[tokio::test]
async fn a_new_database_ships_the_customer_levels_in_order_and_every_province_with_its_cities() {
    let app = TestApp::spawn().await;
    let admin = app.user("root", "admin", &[]).await;

    let levels = app.get_ok("/api/v1/dictionary-entries?kind=customer_level", &admin).await;
    assert_eq!(labels(&levels), ["普通客户", "重点开发客户", "大客户", "合作伙伴", "战略合作伙伴"]);
    assert_eq!(levels["items"][0]["editable"], false);
    let services = app.get_ok("/api/v1/dictionary-entries?kind=service_type", &admin).await;
    assert_eq!(labels(&services), ["咨询", "建议", "投诉"]);

    let provinces = app.get_ok("/api/v1/dictionary-entries?kind=region&top_level=true&count=true", &admin).await;
    assert_eq!(provinces["total"], 31);
    let guangdong = entry_id(&app, &admin, "kind=region&label=广东省").await;
    let cities = app.get_ok(&format!("/api/v1/dictionary-entries?parent_id={guangdong}&limit=500"), &admin).await;
    assert!(labels(&cities).contains(&"深圳市"), "{cities}");
    assert_eq!(labels(&cities)[0], "广州市");

    for kind in ["industry", "opportunity_source", "churn_reason", "interaction_kind"] {
        let page = app.get_ok(&format!("/api/v1/dictionary-entries?kind={kind}&count=true"), &admin).await;
        assert!(page["total"].as_i64().unwrap() >= 5, "{kind}: {page}");
    }
    let found = app.get_ok("/api/v1/dictionary-entries?kind=region&q=深圳", &admin).await;
    assert_eq!(labels(&found), ["深圳市"]);
}

#[tokio::test]
async fn an_administrator_adds_edits_disables_and_deletes_an_entry_and_each_change_is_audited() {
    let app = TestApp::spawn().await;
    let admin = app.user("root", "admin", &[]).await;
    let industries = app.get_ok("/api/v1/dictionary-entries?kind=industry&sort=-position&limit=1", &admin).await;
    let last_position = industries["items"][0]["position"].as_i64().unwrap();

    let r = app
        .post_json("/api/v1/dictionary-entries", Some(&admin), &json!({"kind": "industry", "label": "新能源"}))
        .await;
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let entry = created(r).await;
    assert_eq!(entry["position"], last_position + 1);
    assert_eq!((entry["editable"].as_bool(), entry["enabled"].as_bool()), (Some(true), Some(true)));
    let id = entry["id"].as_str().unwrap();

    let r = app.patch_json(&location, &admin, Some("\"1\""), &json!({"label": "新能源汽车", "code": "nev"})).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["etag"], "\"2\"");
    let r = app.patch_json(&location, &admin, Some("\"1\""), &json!({"label": "旧值"})).await;
    problem(r, StatusCode::PRECONDITION_FAILED).await;

    let r = app.patch_json(&location, &admin, None, &json!({"enabled": false})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let disabled = app.get_ok("/api/v1/dictionary-entries?kind=industry&enabled=false", &admin).await;
    assert_eq!(labels(&disabled), ["新能源汽车"]);

    // The same label twice under one kind is a conflict naming the field.
    let r = app
        .post_json("/api/v1/dictionary-entries", Some(&admin), &json!({"kind": "industry", "label": "新能源汽车"}))
        .await;
    let body = problem(r, StatusCode::CONFLICT).await;
    assert_eq!(error_fields(&body), ["label"]);

    assert_eq!(app.delete(&location, &admin).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get(&location, Some(&admin)).await.status(), StatusCode::NOT_FOUND);

    let log = app.get_ok(&format!("/api/v1/audit-log?entity=dictionary-entries&entity_id={id}"), &admin).await;
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["delete", "update", "update", "create"]);
    let rename = &log["items"][2];
    assert_eq!(rename["old_values"], json!({"label": "新能源", "code": null}));
    assert_eq!(rename["new_values"], json!({"label": "新能源汽车", "code": "nev"}));
    assert_eq!(rename["actor_name"], "root");
    assert_eq!(log["items"][0]["old_values"]["label"], "新能源汽车");
}

#[tokio::test]
async fn a_locked_entry_can_be_reordered_and_disabled_but_not_changed_or_deleted() {
    let app = TestApp::spawn().await;
    let admin = app.user("root", "admin", &[]).await;
    let id = entry_id(&app, &admin, "kind=customer_level&label=大客户").await;
    let path = format!("/api/v1/dictionary-entries/{id}");

    let body = problem(app.patch_json(&path, &admin, None, &json!({"label": "VIP"})).await, StatusCode::CONFLICT).await;
    assert_eq!(body["detail"], "entry_not_editable");
    let r = app.patch_json(&path, &admin, None, &json!({"editable": true})).await;
    problem(r, StatusCode::CONFLICT).await;
    let body = problem(app.delete(&path, &admin).await, StatusCode::CONFLICT).await;
    assert_eq!(body["detail"], "entry_not_editable");

    let r = app.patch_json(&path, &admin, None, &json!({"enabled": false, "position": 99, "label": "大客户"})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let entry: Value = r.json().await.unwrap();
    assert_eq!((entry["enabled"].as_bool(), entry["position"].as_i64()), (Some(false), Some(99)));
    let levels = app.get_ok("/api/v1/dictionary-entries?kind=customer_level&enabled=true", &admin).await;
    assert_eq!(labels(&levels), ["普通客户", "重点开发客户", "合作伙伴", "战略合作伙伴"]);
}

#[tokio::test]
async fn an_entry_in_use_cannot_be_deleted_only_disabled() {
    let app = TestApp::spawn().await;
    let admin = app.user("root", "admin", &[]).await;
    let abroad = created(
        app.post_json(
            "/api/v1/dictionary-entries",
            Some(&admin),
            &json!({"kind": "region", "label": "海外", "code": "XX"}),
        )
        .await,
    )
    .await;
    let parent_id = abroad["id"].as_str().unwrap();
    let singapore = created(
        app.post_json(
            "/api/v1/dictionary-entries",
            Some(&admin),
            &json!({"kind": "region", "label": "新加坡", "parent_id": parent_id}),
        )
        .await,
    )
    .await;
    assert_eq!(singapore["position"], 1);

    let parent_path = format!("/api/v1/dictionary-entries/{parent_id}");
    let body = problem(app.delete(&parent_path, &admin).await, StatusCode::CONFLICT).await;
    assert_eq!(body["detail"], "dictionary_entry_in_use");
    assert_eq!(app.patch_json(&parent_path, &admin, None, &json!({"enabled": false})).await.status(), StatusCode::OK);

    let child_path = format!("/api/v1/dictionary-entries/{}", singapore["id"].as_str().unwrap());
    assert_eq!(app.delete(&child_path, &admin).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.delete(&parent_path, &admin).await.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn bad_input_is_422_naming_every_field_and_never_a_500() {
    let app = TestApp::spawn().await;
    let admin = app.user("root", "admin", &[]).await;
    let r = app.post_json("/api/v1/dictionary-entries", Some(&admin), &json!({"kind": "colour", "label": " "})).await;
    let body = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error_fields(&body), ["kind", "label"]);
    assert_eq!(body["errors"][0]["code"], "invalid_choice");

    // A parent of another kind, or one that does not exist.
    let level = entry_id(&app, &admin, "kind=customer_level&label=大客户").await;
    for parent in [level.as_str(), "0190f0f0-0000-7000-8000-000000000000"] {
        let r = app
            .post_json(
                "/api/v1/dictionary-entries",
                Some(&admin),
                &json!({"kind": "region", "label": "某地", "parent_id": parent}),
            )
            .await;
        assert_eq!(error_fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["parent_id"]);
    }
    let r = app
        .post_json(
            "/api/v1/dictionary-entries",
            Some(&admin),
            &json!({"kind": "region", "label": "x", "parent_id": "nope"}),
        )
        .await;
    assert_eq!(error_fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["parent_id"]);
    let id = entry_id(&app, &admin, "kind=industry").await;
    let r = app.patch_json(&format!("/api/v1/dictionary-entries/{id}"), &admin, None, &json!({"kind": "region"})).await;
    assert_eq!(error_fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["kind"]);

    let r = app
        .post_json(
            "/api/v1/products",
            Some(&admin),
            &json!({"name": "", "price": "abc", "cost": "-1", "currency": "人民币"}),
        )
        .await;
    let body = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error_fields(&body), ["name", "price", "cost", "currency"]);
    assert_eq!(body["errors"][1]["code"], "not_a_number");
    let r = app.post_json("/api/v1/products", Some(&admin), &json!({"name": "X", "price": 12.5})).await;
    assert_eq!(error_fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["price"]);
    let r = app.post_json("/api/v1/products", Some(&admin), &json!({"name": "X", "price": "1.23456"})).await;
    assert_eq!(error_fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["price"]);

    let r = app.get("/api/v1/products?sort=cost", Some(&admin)).await;
    problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let r = app.get("/api/v1/inventory?quantity=abc", Some(&admin)).await;
    problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let r = app.get("/api/v1/dictionary-entries?enabled=maybe", Some(&admin)).await;
    problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
}

#[tokio::test]
async fn a_manager_sees_base_data_but_cannot_change_it() {
    let app = TestApp::spawn().await;
    let east = app.division("华东").await;
    let manager = app.user("bob", "manager", &[east]).await;
    let director = app.user("dora", "director", &[east]).await;
    let admin = app.user("root", "admin", &[]).await;
    let product =
        created(app.post_json("/api/v1/products", Some(&admin), &json!({"name": "服务器", "price": "100"})).await)
            .await;
    let product_id = product["id"].as_str().unwrap();

    for path in ["/api/v1/dictionary-entries", "/api/v1/products", "/api/v1/inventory", "/api/v1/number-sequences"] {
        assert_eq!(app.get(path, Some(&manager)).await.status(), StatusCode::OK, "{path}");
    }
    let r =
        app.post_json("/api/v1/dictionary-entries", Some(&manager), &json!({"kind": "industry", "label": "x"})).await;
    assert_eq!(problem(r, StatusCode::FORBIDDEN).await["detail"], "requires dictionary.create");
    let r = app.post_json("/api/v1/products", Some(&manager), &json!({"name": "x"})).await;
    problem(r, StatusCode::FORBIDDEN).await;
    let r = app.patch_json(&format!("/api/v1/products/{product_id}"), &manager, None, &json!({"price": "1"})).await;
    problem(r, StatusCode::FORBIDDEN).await;
    let r = app.patch_json("/api/v1/number-sequences/customer", &manager, None, &json!({"prefix": "C"})).await;
    problem(r, StatusCode::FORBIDDEN).await;
    let stock = json!({"product_id": product_id, "warehouse": "上海仓"});
    problem(app.post_json("/api/v1/inventory", Some(&manager), &stock).await, StatusCode::FORBIDDEN).await;

    // A director keeps the stock of their division.
    let row = created(app.post_json("/api/v1/inventory", Some(&director), &stock).await).await;
    assert_eq!(row["division_id"], east.to_string());
    problem(app.post_json("/api/v1/products", Some(&director), &json!({"name": "y"})).await, StatusCode::FORBIDDEN)
        .await;
}

#[tokio::test]
async fn prices_stay_exact_decimals_and_a_name_and_model_are_unique() {
    let app = TestApp::spawn().await;
    let admin = app.user("root", "admin", &[]).await;
    let mut prices = Vec::new();
    for model in ["A", "B", "C"] {
        let p = created(
            app.post_json("/api/v1/products", Some(&admin), &json!({"name": "螺丝", "model": model, "price": "0.10"}))
                .await,
        )
        .await;
        assert_eq!(p["currency"], "CNY");
        prices.push(p["price"].as_str().unwrap().parse::<Decimal>().unwrap());
    }
    assert_eq!(prices.iter().sum::<Decimal>(), "0.30".parse::<Decimal>().unwrap());

    let big = created(
        app.post_json(
            "/api/v1/products",
            Some(&admin),
            &json!({"name": "整厂设备", "price": "99999999999.9999", "cost": "12800", "currency": "usd", "unit": "套"}),
        )
        .await,
    )
    .await;
    let shown = app.get_ok(&format!("/api/v1/products/{}", big["id"].as_str().unwrap()), &admin).await;
    assert_eq!((shown["price"].as_str(), shown["cost"].as_str()), (Some("99999999999.9999"), Some("12800.00")));
    assert_eq!(shown["currency"], "USD");

    let r = app.post_json("/api/v1/products", Some(&admin), &json!({"name": "螺丝", "model": "A"})).await;
    let body = problem(r, StatusCode::CONFLICT).await;
    assert_eq!(error_fields(&body), ["name"]);
    let r = app.post_json("/api/v1/products", Some(&admin), &json!({"name": "整厂设备"})).await;
    problem(r, StatusCode::CONFLICT).await;

    let page = app.get_ok("/api/v1/products?q=螺丝&sort=-model&count=true", &admin).await;
    assert_eq!(page["total"], 3);
    let models: Vec<&str> = page["items"].as_array().unwrap().iter().map(|p| p["model"].as_str().unwrap()).collect();
    assert_eq!(models, ["C", "B", "A"]);

    let r = app.client.get(app.url("/api/v1/products?sort=price")).bearer_auth(&admin).header("accept", "text/csv");
    let text = r.send().await.unwrap().text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let price_col = reader.headers().unwrap().iter().position(|h| h == "price").unwrap();
    let first = reader.records().next().unwrap().unwrap();
    assert_eq!(&first[price_col], "0.10");
}

#[tokio::test]
async fn a_stale_product_edit_is_412_and_a_product_with_stock_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let east = app.division("华东").await;
    let admin = app.user("root", "admin", &[]).await;
    let r = app.post_json("/api/v1/products", Some(&admin), &json!({"name": "打印机", "price": "1999"})).await;
    assert_eq!(r.headers()["etag"], "\"1\"");
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let product = created(r).await;

    let r = app.patch_json(&location, &admin, Some("\"1\""), &json!({"price": "1899.50", "cost": null})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app.patch_json(&location, &admin, Some("\"1\""), &json!({"price": "1.00"})).await;
    problem(r, StatusCode::PRECONDITION_FAILED).await;
    let now = app.get_ok(&location, &admin).await;
    assert_eq!((now["price"].as_str(), now["version"].as_i64()), (Some("1899.50"), Some(2)));

    let stock = json!({"product_id": product["id"], "division_id": east, "warehouse": "总仓", "quantity": "3"});
    let row = created(app.post_json("/api/v1/inventory", Some(&admin), &stock).await).await;
    let body = problem(app.delete(&location, &admin).await, StatusCode::CONFLICT).await;
    assert_eq!(body["detail"], "product_in_use");
    // The same product at the same place of the same division is one row.
    problem(app.post_json("/api/v1/inventory", Some(&admin), &stock).await, StatusCode::CONFLICT).await;

    let row_path = format!("/api/v1/inventory/{}", row["id"].as_str().unwrap());
    assert_eq!(app.delete(&row_path, &admin).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.delete(&location, &admin).await.status(), StatusCode::NO_CONTENT);
    let log = app
        .get_ok(&format!("/api/v1/audit-log?entity=products&entity_id={}", product["id"].as_str().unwrap()), &admin)
        .await;
    assert_eq!(log["items"][1]["old_values"], json!({"price": "1999.00"}));
    assert_eq!(log["items"][1]["new_values"], json!({"price": "1899.50"}));
}

#[tokio::test]
async fn a_director_sees_only_the_stock_of_their_division() {
    let app = TestApp::spawn().await;
    let east = app.division("华东").await;
    let north = app.division("华北").await;
    let admin = app.user("root", "admin", &[]).await;
    let east_director = app.user("east.director", "director", &[east]).await;
    let north_director = app.user("north.director", "director", &[north]).await;
    let product =
        created(app.post_json("/api/v1/products", Some(&admin), &json!({"name": "显示器", "model": "27寸"})).await)
            .await;
    let product_id = product["id"].as_str().unwrap();

    let stock = |warehouse: &str, quantity: &str| json!({"product_id": product_id, "warehouse": warehouse, "location": "A-01", "quantity": quantity});
    let east_row =
        created(app.post_json("/api/v1/inventory", Some(&east_director), &stock("上海仓", "10.5")).await).await;
    assert_eq!(east_row["product_name"], "显示器");
    assert_eq!(east_row["quantity"], "10.50");
    let north_row =
        created(app.post_json("/api/v1/inventory", Some(&north_director), &stock("北京仓", "7")).await).await;
    let north_path = format!("/api/v1/inventory/{}", north_row["id"].as_str().unwrap());

    let seen = app.get_ok(&format!("/api/v1/inventory?product_id={product_id}&count=true"), &east_director).await;
    assert_eq!(seen["total"], 1);
    assert_eq!(seen["items"][0]["warehouse"], "上海仓");
    let filtered = app.get_ok(&format!("/api/v1/inventory?division_id={north}&count=true"), &east_director).await;
    assert_eq!(filtered["total"], 0);
    assert_eq!(app.get(&north_path, Some(&east_director)).await.status(), StatusCode::NOT_FOUND);
    let r = app.patch_json(&north_path, &east_director, None, &json!({"quantity": "0"})).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Stock cannot be put into another division either.
    let into_north = json!({"product_id": product_id, "division_id": north, "warehouse": "北京仓"});
    let r = app.post_json("/api/v1/inventory", Some(&east_director), &into_north).await;
    assert_eq!(error_fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["division_id"]);
    // An administrator of no division must say which one.
    let r = app.post_json("/api/v1/inventory", Some(&admin), &stock("总仓", "1")).await;
    assert_eq!(error_fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["division_id"]);
    let r = app
        .post_json(
            "/api/v1/inventory",
            Some(&admin),
            &json!({"product_id": uuid::Uuid::now_v7(), "division_id": east, "warehouse": "x"}),
        )
        .await;
    assert_eq!(error_fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["product_id"]);

    let all = app.get_ok("/api/v1/inventory?sort=-quantity&count=true", &admin).await;
    assert_eq!(all["total"], 2);
    assert_eq!(all["items"][0]["warehouse"], "上海仓");
    let r = app
        .patch_json(&north_path, &north_director, Some("\"1\""), &json!({"quantity": "6.25", "location": null}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let row: Value = r.json().await.unwrap();
    assert_eq!((row["quantity"].as_str(), row["location"].is_null()), (Some("6.25"), true));
    let log = app
        .get_ok(&format!("/api/v1/audit-log?entity=inventory&entity_id={}", north_row["id"].as_str().unwrap()), &admin)
        .await;
    assert_eq!(log["items"][0]["division_id"], north.to_string());
    assert_eq!(log["items"][0]["old_values"], json!({"quantity": "7.00", "location": "A-01"}));
    assert_eq!(log["items"][0]["new_values"], json!({"quantity": "6.25", "location": null}));
}

#[tokio::test]
async fn numbering_rules_are_listed_and_edited_with_validation() {
    let app = TestApp::spawn().await;
    let admin = app.user("root", "admin", &[]).await;
    let rules = app.get_ok("/api/v1/number-sequences", &admin).await;
    let prefixes: BTreeSet<(&str, &str)> = rules["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["kind"].as_str().unwrap(), r["prefix"].as_str().unwrap()))
        .collect();
    let expected = [
        ("contract", "HT"),
        ("customer", "KH"),
        ("opportunity", "JH"),
        ("order", "DD"),
        ("quote", "BJ"),
        ("service_request", "FW"),
    ];
    assert_eq!(prefixes, expected.into_iter().collect());

    let path = "/api/v1/number-sequences/customer";
    let r = app.patch_json(path, &admin, None, &json!({"prefix": "客户", "date_format": "%m", "width": 0})).await;
    let body = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error_fields(&body), ["prefix", "date_format", "width"]);
    let r =
        app.patch_json(path, &admin, Some("\"1\""), &json!({"prefix": "C-", "date_format": "%Y%m", "width": 5})).await;
    assert_eq!(r.status(), StatusCode::OK);
    problem(app.patch_json(path, &admin, Some("\"1\""), &json!({"width": 6})).await, StatusCode::PRECONDITION_FAILED)
        .await;
    let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    assert_eq!(app.db.next_number("customer", day).await.unwrap(), "C-20261100001");
    problem(app.get("/api/v1/number-sequences/invoice", Some(&admin)).await, StatusCode::NOT_FOUND).await;
    let log = app.get_ok("/api/v1/audit-log?entity=number-sequences", &admin).await;
    assert_eq!(log["items"][0]["new_values"], json!({"prefix": "C-", "date_format": "%Y%m", "width": 5}));
}

#[tokio::test]
async fn numbers_count_up_within_a_day_restart_the_next_and_never_repeat_under_concurrency() {
    let app = TestApp::spawn().await;
    let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    assert_eq!(app.db.next_number("customer", day).await.unwrap(), "KH202611230001");
    assert_eq!(app.db.next_number("customer", day).await.unwrap(), "KH202611230002");
    assert_eq!(app.db.next_number("order", day).await.unwrap(), "DD202611230001");
    let next_day = day.succ_opt().unwrap();
    assert_eq!(app.db.next_number("customer", next_day).await.unwrap(), "KH202611240001");
    // A taker still on the day before (a time zone short of midnight) counts on in the newer
    // day's period: starting the older day's counter again would repeat its numbers.
    assert_eq!(app.db.next_number("customer", day).await.unwrap(), "KH202611240002");
    assert_eq!(app.db.next_number("customer", next_day).await.unwrap(), "KH202611240003");
    assert!(app.db.next_number("invoice", day).await.is_err());

    let mut takers = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let db = app.db.clone();
        takers.spawn(async move { db.next_number("opportunity", day).await.unwrap() });
    }
    let numbers: BTreeSet<String> = takers.join_all().await.into_iter().collect();
    assert_eq!(numbers.len(), 50);
    assert_eq!(numbers.first().map(String::as_str), Some("JH202611230001"));
    assert_eq!(numbers.last().map(String::as_str), Some("JH202611230050"));
}
