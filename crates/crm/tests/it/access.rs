//! ACL-1..7 through the real API.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp};

#[tokio::test]
async fn login_returns_a_token_and_wrong_credentials_are_401() {
    let app = TestApp::spawn().await;
    app.user("alice", "admin", &[]).await;
    let r = app.post_json("/api/v1/auth/login", None, &json!({"username": "alice", "password": PASSWORD})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["user"]["username"], "alice");
    assert_eq!(body["user"]["roles"], json!(["admin"]));
    assert!(body["token"].as_str().unwrap().len() >= 32);

    let r = app.post_json("/api/v1/auth/login", None, &json!({"username": "alice", "password": "nope-nope"})).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = app.post_json("/api/v1/auth/login", None, &json!({"username": "nobody", "password": "nope-nope"})).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn requests_without_a_valid_token_are_401() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/api/v1/users", None).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/api/v1/users", Some("forged")).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_logged_out_token_is_rejected() {
    let app = TestApp::spawn().await;
    let token = app.user("alice", "admin", &[]).await;
    assert_eq!(app.get("/api/v1/users", Some(&token)).await.status(), StatusCode::OK);
    let r = app.post_json("/api/v1/auth/logout", Some(&token), &json!({})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/v1/users", Some(&token)).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_administrator_revokes_every_token_of_a_user() {
    let app = TestApp::spawn().await;
    let admin = app.user("root", "admin", &[]).await;
    let east = app.division("华东").await;
    let phone = app.user("bob", "manager", &[east]).await;
    let laptop = app.login("bob", PASSWORD).await;
    let users = app.get_ok("/api/v1/users?username=bob", &admin).await;
    let bob_id = users["items"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(app.delete(&format!("/api/v1/users/{bob_id}/sessions"), &admin).await.status(), StatusCode::NO_CONTENT);
    for token in [&phone, &laptop] {
        assert_eq!(app.get(&format!("/api/v1/users/{bob_id}"), Some(token)).await.status(), StatusCode::UNAUTHORIZED);
    }
    // The administrator's own token still works.
    assert_eq!(app.get("/api/v1/users", Some(&admin)).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn freezing_a_user_stops_their_token_and_their_login_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.user("admin", "admin", &[]).await;
    let east = app.division("华东").await;
    let bob = app.user("bob", "manager", &[east]).await;
    assert_eq!(app.get("/api/v1/dictionary-entries?kind=customer_level", Some(&bob)).await.status(), StatusCode::OK);

    let users = app.get_ok("/api/v1/users?username=bob", &admin).await;
    let bob_id = users["items"][0]["id"].as_str().unwrap().to_string();
    let r = app.patch_json(&format!("/api/v1/users/{bob_id}"), &admin, None, &json!({"frozen": true})).await;
    assert_eq!(r.status(), StatusCode::OK);

    assert_eq!(app.get("/api/v1/dictionary-entries", Some(&bob)).await.status(), StatusCode::UNAUTHORIZED);
    let r = app.post_json("/api/v1/auth/login", None, &json!({"username": "bob", "password": PASSWORD})).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "account_frozen");
}

#[tokio::test]
async fn repeated_failed_logins_are_throttled_with_429() {
    let app = TestApp::spawn().await;
    app.user("alice", "admin", &[]).await;
    for _ in 0..5 {
        let r =
            app.post_json("/api/v1/auth/login", None, &json!({"username": "alice", "password": "wrong-wrong"})).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused while throttled.
    let r = app.post_json("/api/v1/auth/login", None, &json!({"username": "alice", "password": PASSWORD})).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
}

/// Each default role against each endpoint of this issue: allowed (2xx) or forbidden (403).
#[tokio::test]
async fn every_default_role_gets_exactly_its_rights() {
    let app = TestApp::spawn().await;
    let east = app.division("华东").await;
    let mut tokens = Vec::new();
    for role in ["admin", "executive", "director", "manager", "division_admin"] {
        tokens.push((role, app.user(&format!("{role}1"), role, &[east]).await));
    }
    // (method, path, body, roles allowed)
    let checks: Vec<(&str, &str, Value, &[&str])> = vec![
        ("GET", "/api/v1/users", Value::Null, &["admin", "executive", "director", "division_admin"]),
        ("GET", "/api/v1/roles", Value::Null, &["admin", "division_admin"]),
        (
            "POST",
            "/api/v1/roles",
            json!({"code": "r_{n}", "name": "R{n}", "permissions": ["products.view"]}),
            &["admin"],
        ),
        ("GET", "/api/v1/divisions", Value::Null, &["admin", "executive", "director", "division_admin"]),
        ("POST", "/api/v1/divisions", json!({"name": "版块{n}"}), &["admin"]),
        ("GET", "/api/v1/audit-log", Value::Null, &["admin", "executive", "division_admin"]),
        (
            "GET",
            "/api/v1/dictionary-entries",
            Value::Null,
            &["admin", "executive", "director", "manager", "division_admin"],
        ),
        ("POST", "/api/v1/dictionary-entries", json!({"kind": "industry", "label": "行业{n}"}), &["admin"]),
        ("GET", "/api/v1/products", Value::Null, &["admin", "executive", "director", "manager"]),
        ("POST", "/api/v1/products", json!({"name": "产品{n}", "price": "1.00"}), &["admin"]),
        ("GET", "/api/v1/inventory", Value::Null, &["admin", "executive", "director", "manager"]),
    ];
    for (i, (method, path, body, allowed)) in checks.iter().enumerate() {
        for (n, (role, token)) in tokens.iter().enumerate() {
            let body = serde_json::from_str::<Value>(&body.to_string().replace("{n}", &format!("{i}_{n}"))).unwrap();
            let r = match *method {
                "GET" => app.get(path, Some(token)).await,
                _ => app.post_json(path, Some(token), &body).await,
            };
            let status = r.status();
            if allowed.contains(role) {
                assert!(status.is_success(), "{role} {method} {path}: {status} {}", r.text().await.unwrap());
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{role} {method} {path}");
            }
        }
    }
}

#[tokio::test]
async fn a_division_admin_sees_and_manages_only_users_of_their_division() {
    let app = TestApp::spawn().await;
    let east = app.division("华东").await;
    let north = app.division("华北").await;
    let east_admin = app.user("east.admin", "division_admin", &[east]).await;
    app.user("east.rep", "manager", &[east]).await;
    app.user("north.rep", "manager", &[north]).await;
    let admin = app.user("root", "admin", &[]).await;

    let list = app.get_ok("/api/v1/users?count=true", &east_admin).await;
    let names: Vec<&str> = list["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["east.admin", "east.rep"]);
    assert_eq!(list["total"], 2);

    let all = app.get_ok("/api/v1/users?username=north.rep", &admin).await;
    let north_id = all["items"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(app.get(&format!("/api/v1/users/{north_id}"), Some(&east_admin)).await.status(), StatusCode::NOT_FOUND);
    let r = app.patch_json(&format!("/api/v1/users/{north_id}"), &east_admin, None, &json!({"frozen": true})).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let divisions = app.get_ok("/api/v1/divisions", &east_admin).await;
    assert_eq!(divisions["items"].as_array().unwrap().len(), 1);
    assert_eq!(app.get(&format!("/api/v1/divisions/{north}"), Some(&east_admin)).await.status(), StatusCode::NOT_FOUND);

    // Creating a user in another division, or with more rights than one's own, is refused.
    let r = app
        .post_json(
            "/api/v1/users",
            Some(&east_admin),
            &json!({
                "username": "sneaky", "password": PASSWORD, "roles": ["manager"], "division_ids": [north]
            }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_json(
            "/api/v1/users",
            Some(&east_admin),
            &json!({
                "username": "sneaky", "password": PASSWORD, "roles": ["admin"], "division_ids": [east]
            }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "roles");
}

#[tokio::test]
async fn an_administrator_creates_users_of_every_role() {
    let app = TestApp::spawn().await;
    let admin = app.user("root", "admin", &[]).await;
    let east = app.division("华东").await;
    for role in ["executive", "director", "manager", "division_admin", "admin"] {
        let r = app
            .post_json(
                "/api/v1/users",
                Some(&admin),
                &json!({"username": format!("u.{role}"), "password": PASSWORD, "roles": [role], "division_ids": [east]}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{role}");
    }
    let r = app
        .post_json(
            "/api/v1/users",
            Some(&admin),
            &json!({"username": "tz.user", "password": PASSWORD, "roles": ["manager"], "time_zone": "Asia/Beijing"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "time_zone");
}

#[tokio::test]
async fn changes_are_audited_with_old_and_new_values() {
    let app = TestApp::spawn().await;
    let admin = app.user("root", "admin", &[]).await;
    let r = app.post_json("/api/v1/divisions", Some(&admin), &json!({"name": "华南", "code": "S"})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let d: Value = r.json().await.unwrap();
    let id = d["id"].as_str().unwrap();
    let r = app.patch_json(&format!("/api/v1/divisions/{id}"), &admin, Some("\"1\""), &json!({"name": "华南区"})).await;
    assert_eq!(r.status(), StatusCode::OK);

    let log = app.get_ok(&format!("/api/v1/audit-log?entity=divisions&entity_id={id}"), &admin).await;
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["action"], "update");
    assert_eq!(items[0]["actor_name"], "root");
    assert_eq!(items[0]["old_values"], json!({"name": "华南"}));
    assert_eq!(items[0]["new_values"], json!({"name": "华南区"}));
    assert_eq!(items[1]["action"], "create");
    assert_eq!(items[1]["new_values"]["code"], "S");
}

#[tokio::test]
async fn roles_are_data_that_an_administrator_creates_and_grants() {
    let app = TestApp::spawn().await;
    let admin = app.user("root", "admin", &[]).await;
    let east = app.division("华东").await;
    let r = app
        .post_json("/api/v1/roles", Some(&admin), &json!({
            "code": "stock_keeper", "name": "仓管", "permissions": ["inventory.view", "products.view"], "data_scope": "division"
        }))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let keeper = app.user("keeper", "stock_keeper", &[east]).await;
    assert_eq!(app.get("/api/v1/inventory", Some(&keeper)).await.status(), StatusCode::OK);
    assert_eq!(app.get("/api/v1/users", Some(&keeper)).await.status(), StatusCode::FORBIDDEN);

    // A role in use cannot be deleted; a built-in role never.
    let roles = app.get_ok("/api/v1/roles?code=stock_keeper", &admin).await;
    let id = roles["items"][0]["id"].as_str().unwrap();
    assert_eq!(app.delete(&format!("/api/v1/roles/{id}"), &admin).await.status(), StatusCode::CONFLICT);
    let roles = app.get_ok("/api/v1/roles?code=manager", &admin).await;
    let id = roles["items"][0]["id"].as_str().unwrap();
    assert_eq!(app.delete(&format!("/api/v1/roles/{id}"), &admin).await.status(), StatusCode::CONFLICT);

    let r = app
        .post_json("/api/v1/roles", Some(&admin), &json!({"code": "x", "name": "X", "permissions": ["nope.view"]}))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_user_with_two_roles_and_two_divisions_has_the_union_of_their_rights() {
    let app = TestApp::spawn().await;
    let admin = app.user("root", "admin", &[]).await;
    let (east, north, south) = (app.division("华东").await, app.division("华北").await, app.division("华南").await);
    let r = app
        .post_json(
            "/api/v1/roles",
            Some(&admin),
            &json!({
                "code": "stock_keeper", "name": "仓管", "permissions": ["inventory.view"], "data_scope": "own"
            }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = app
        .post_json(
            "/api/v1/users",
            Some(&admin),
            &json!({
                "username": "two.hats", "password": PASSWORD, "roles": ["stock_keeper", "director"],
                "division_ids": [east, north]
            }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    for (name, division, manager) in
        [("东方公司", east, "m.east"), ("北方公司", north, "m.north"), ("南方公司", south, "m.south")]
    {
        let manager = app.user(manager, "manager", &[division]).await;
        app.create_customer(&manager, &json!({"name": name})).await;
    }

    let token = app.login("two.hats", PASSWORD).await;
    // Inventory comes from one role, customers from the other; the director's division scope
    // is the wider of the two and covers both divisions, and no more.
    assert_eq!(app.get("/api/v1/inventory", Some(&token)).await.status(), StatusCode::OK);
    let customers = app.get_ok("/api/v1/customers?sort=name", &token).await;
    let mut names: Vec<&str> =
        customers["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    assert_eq!(names, ["东方公司", "北方公司"]);
    assert_eq!(app.get("/api/v1/roles", Some(&token)).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn users_who_have_not_signed_in_lately_are_listed_as_inactive() {
    let app = TestApp::spawn().await;
    let admin = app.user("root", "admin", &[]).await;
    let east = app.division("华东").await;
    app.user("active", "manager", &[east]).await;
    // A user created long ago who never signed in.
    let input = crm_core::access::UserInput {
        username: "dormant".into(),
        password: PASSWORD.into(),
        roles: vec!["manager".into()],
        division_ids: vec![east],
        ..Default::default()
    };
    let new = crm_core::access::NewUser::parse(input).unwrap();
    let mut stamp = crm_core::access::AuditStamp::of(&crm_core::access::Actor::system());
    stamp.at -= chrono::Duration::days(30);
    crm_core::access::AccessStore::create_user(&app.db, &new, &stamp).await.unwrap();

    let inactive = app.get_ok("/api/v1/users/inactive", &admin).await;
    let names: Vec<&str> =
        inactive["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["dormant"]);
}
