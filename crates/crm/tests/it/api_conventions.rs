//! The conventions of shared/API.md that every resource shares.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test]
async fn health_readiness_and_metrics_answer_without_auth() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/healthz", None).await.text().await.unwrap(), "ok");
    assert_eq!(app.get("/readyz", None).await.text().await.unwrap(), "ok");
    let metrics = app.get("/metrics", None).await.text().await.unwrap();
    assert!(
        metrics.contains("crm_http_requests_total{method=\"GET\",route=\"/readyz\",status=\"200\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("crm_http_request_duration_seconds_bucket{route=\"/healthz\""), "{metrics}");
}

#[tokio::test]
async fn the_openapi_description_lists_the_api_generated_from_the_code() {
    let app = TestApp::spawn().await;
    let doc: Value = app.get("/api/v1/openapi.json", None).await.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/auth/login",
        "/users",
        "/users/{id}",
        "/roles",
        "/divisions/{id}",
        "/audit-log",
        "/dictionary-entries",
        "/products",
        "/inventory",
    ] {
        assert!(doc["paths"].get(path).is_some(), "missing {path}");
    }
    assert!(doc["components"]["schemas"].get("Division").is_some());
}

#[tokio::test]
async fn malformed_json_is_400_and_invalid_fields_are_422_naming_each_field() {
    let app = TestApp::spawn().await;
    let admin = app.user("root", "admin", &[]).await;
    let r = app
        .client
        .post(app.url("/api/v1/divisions"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], 400);

    let r = app.post_json("/api/v1/divisions", Some(&admin), &json!({"name": "  "})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"], json!([{"field": "name", "code": "required", "message": "必填"}]));

    let r = app
        .client
        .post(app.url("/api/v1/divisions"))
        .bearer_auth(&admin)
        .header("accept-language", "en")
        .json(&json!({"name": 42}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "name");
    assert_eq!(body["title"], "Invalid input");

    let r = app.post_json("/api/v1/divisions", Some(&admin), &json!({"name": "X", "colour": "red"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "colour");
}

#[tokio::test]
async fn a_stale_if_match_is_412_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.user("root", "admin", &[]).await;
    let r = app.post_json("/api/v1/divisions", Some(&admin), &json!({"name": "华东"})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(r.headers()["etag"], "\"1\"");

    let r = app.get(&location, Some(&admin)).await;
    assert_eq!(r.headers()["etag"], "\"1\"");
    let first = app.patch_json(&location, &admin, Some("\"1\""), &json!({"name": "华东一区"})).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.headers()["etag"], "\"2\"");
    let second = app.patch_json(&location, &admin, Some("\"1\""), &json!({"name": "华东二区"})).await;
    assert_eq!(second.status(), StatusCode::PRECONDITION_FAILED);
    let now: Value = app.get_ok(&location, &admin).await;
    assert_eq!(now["name"], "华东一区");
    assert_eq!(now["version"], 2);
}

#[tokio::test]
async fn lists_page_with_cursors_sort_count_and_filter() {
    let app = TestApp::spawn().await;
    let admin = app.user("root", "admin", &[]).await;
    for i in 0..7 {
        let r = app
            .post_json("/api/v1/divisions", Some(&admin), &json!({"name": format!("D{i}"), "code": format!("c{i}")}))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/divisions?limit=3&sort=-name".to_string();
    loop {
        let page = app.get_ok(&path, &admin).await;
        for d in page["items"].as_array().unwrap() {
            seen.push(d["name"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/divisions?limit=3&sort=-name&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, ["D6", "D5", "D4", "D3", "D2", "D1", "D0"]);

    let filtered = app.get_ok("/api/v1/divisions?code=c3&count=true", &admin).await;
    assert_eq!(filtered["total"], 1);
    assert_eq!(filtered["items"][0]["name"], "D3");
    let counted = app.get_ok("/api/v1/divisions?limit=2&count=true", &admin).await;
    assert_eq!(counted["total"], 7);
    assert_eq!(counted["items"].as_array().unwrap().len(), 2);
    assert!(filtered.get("next_cursor").is_some());
    let plain = app.get_ok("/api/v1/divisions", &admin).await;
    assert!(plain.get("total").is_none());

    let r = app.get("/api/v1/divisions?sort=password", Some(&admin)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.get("/api/v1/divisions?limit=501", Some(&admin)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.get("/api/v1/divisions?colour=red", Some(&admin)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn lists_answer_csv_when_asked() {
    let app = TestApp::spawn().await;
    let admin = app.user("root", "admin", &[]).await;
    app.post_json("/api/v1/divisions", Some(&admin), &json!({"name": "华东, 一区", "code": "E"})).await;
    let r = app
        .client
        .get(app.url("/api/v1/divisions"))
        .bearer_auth(&admin)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = r.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let name_col = headers.iter().position(|h| h == "name").unwrap();
    let row = reader.records().next().unwrap().unwrap();
    assert_eq!(&row[name_col], "华东, 一区");
}

#[tokio::test]
async fn unknown_api_paths_are_404_problems() {
    let app = TestApp::spawn().await;
    let r = app.get("/api/v1/nothing-here", None).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
}
