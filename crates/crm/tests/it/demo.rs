//! `crm demo` (issue 4 point 1), run as a real process on fresh databases.

use std::collections::{HashMap, HashSet};
use std::process::Output;

use chrono::{Duration, Utc};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{TestApp, fresh_database_url, open_db, output_text as text, run_crm};
use crm_core::access::{AccessStore, Actor};
use crm_core::base_data::actions as base_data;
use crm_core::customers::actions as customers;
use crm_core::listing::ListRequest;
use crm_core::sales::opportunities::actions as opportunities;
use crm_core::service::actions as service;
use crm_core::service::{ServiceRequest, ServiceStatus, ServiceStore};

const DEMO_PASSWORD: &str = "demo-password-7";

fn demo(db: &str, extra: &[&str], stdin: Option<&str>) -> Output {
    let mut args = vec!["demo", "--customers", "30", "--seed", "7"];
    args.extend_from_slice(extra);
    run_crm(&args, db, stdin)
}

/// Every customer's number and name, in number order.
async fn numbers_and_names(url: &str) -> Vec<(String, String)> {
    let db = open_db(url).await;
    let mut req = ListRequest::first("number", 500);
    req.count = true;
    let page = customers::list_customers(&db, &Actor::system(), &req).await.unwrap();
    db.close().await;
    page.items.into_iter().map(|c| (c.number, c.name)).collect()
}

async fn count(url: &str, what: &str) -> i64 {
    let db = open_db(url).await;
    let mut req = ListRequest::first("-created_at", 1);
    req.sort = None;
    req.count = true;
    let system = Actor::system();
    let total = match what {
        "customers" => customers::list_customers(&db, &system, &req).await.unwrap().total,
        "contacts" => customers::list_contacts(&db, &system, &req).await.unwrap().total,
        "interactions" => customers::list_interactions(&db, &system, &req).await.unwrap().total,
        "opportunities" => opportunities::list(&db, &system, &req).await.unwrap().total,
        "service_requests" => service::list(&db, &system, &req).await.unwrap().total,
        _ => customers::list_orders(&db, &system, &req).await.unwrap().total,
    };
    db.close().await;
    total.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_fills_a_fresh_database_with_the_designed_counts_and_refuses_a_second_run() {
    let (url, _) = fresh_database_url().await;
    let o = demo(&url, &[], None);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("password of every demo user"), "{out}");
    assert_eq!(count(&url, "customers").await, 30);
    assert_eq!(count(&url, "contacts").await, 90);
    assert_eq!(count(&url, "interactions").await, 300);
    assert_eq!(count(&url, "orders").await, 60);
    assert_eq!(count(&url, "opportunities").await, 15);
    assert_eq!(count(&url, "service_requests").await, 6);
    assert!(out.contains(", 6 service requests in"), "{out}");
    check_service_requests(&url, 6).await;
    check_province_filter(&url).await;

    let again = demo(&url, &[], None);
    assert!(!again.status.success());
    assert!(text(&again).contains("--force"), "{}", text(&again));
    assert_eq!(count(&url, "customers").await, 30);

    let forced = demo(&url, &["--force"], None);
    assert!(forced.status.success(), "{}", text(&forced));
    assert_eq!(count(&url, "customers").await, 60);
}

/// The generator writes each customer's province beside its city: a province's list (CUS-6)
/// holds exactly the customers whose region is the province or one of its cities.
async fn check_province_filter(url: &str) {
    let db = open_db(url).await;
    let system = Actor::system();
    let all = customers::list_customers(&db, &system, &ListRequest::first("number", 500)).await.unwrap();
    let mut expected: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for c in &all.items {
        let Some(region_id) = c.region_id else { continue };
        let region = base_data::get_dictionary_entry(&db, &system, region_id).await.unwrap();
        expected.entry(region.parent_id.unwrap_or(region_id)).or_default().push(c.id);
    }
    assert!(expected.len() > 1, "the demo customers are spread over several provinces");
    for (province, ids) in expected {
        let mut req = ListRequest::first("number", 500);
        req.filters.push(("region_id".into(), province.to_string()));
        let listed = customers::list_customers(&db, &system, &req).await.unwrap();
        assert_eq!(listed.items.iter().map(|c| c.id).collect::<Vec<_>>(), ids);
    }
    db.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_is_the_same_for_the_same_seed() {
    let (first, _) = fresh_database_url().await;
    let (second, _) = fresh_database_url().await;
    for url in [&first, &second] {
        let o = demo(url, &["--password-stdin"], Some(&format!("{DEMO_PASSWORD}\n")));
        assert!(o.status.success(), "{}", text(&o));
        assert!(!text(&o).contains(DEMO_PASSWORD), "the password read is not printed");
    }
    let (a, b) = (numbers_and_names(&first).await, numbers_and_names(&second).await);
    assert_eq!(a.len(), 30);
    assert_eq!(a, b);
    assert!(a.iter().all(|(_, name)| name.ends_with("公司")), "{a:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_users_of_every_role_sign_in_and_chinese_search_finds_demo_customers() {
    let (url, _) = fresh_database_url().await;
    let o = demo(&url, &["--password-stdin"], Some(&format!("{DEMO_PASSWORD}\n")));
    assert!(o.status.success(), "{}", text(&o));
    let names = numbers_and_names(&url).await;
    let app = TestApp::spawn_on(&url).await;
    let mut roles = std::collections::BTreeSet::new();
    for division in ["huadong", "huabei", "huanan"] {
        for role in ["director", "manager", "division_admin"] {
            let token = app.login(&format!("{division}_{role}"), DEMO_PASSWORD).await;
            assert!(!token.is_empty());
            roles.insert(role);
        }
    }
    for role in ["admin", "executive"] {
        let token = app.login(role, DEMO_PASSWORD).await;
        assert!(!token.is_empty());
        roles.insert(role);
    }
    let users = app.get_ok("/api/v1/roles", &app.login("admin", DEMO_PASSWORD).await).await;
    for role in users["items"].as_array().unwrap() {
        assert!(roles.contains(role["code"].as_str().unwrap()), "no demo user for {role}");
    }

    // The first customer is in the first division (华东).
    let director = app.login("huadong_director", DEMO_PASSWORD).await;
    let (_, name) = &names[0];
    let two: String = name.chars().take(2).collect();
    let found = app.get_ok(&format!("/api/v1/search?q={two}"), &director).await;
    let hits: Vec<&str> = found["customers"].as_array().unwrap().iter().filter_map(|c| c["name"].as_str()).collect();
    assert!(hits.contains(&name.as_str()), "{two} → {found}");
    let bad = app.post_json("/api/v1/auth/login", None, &json!({"username": "admin", "password": "x"})).await;
    assert_eq!(bad.status().as_u16(), 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_service_requests_are_at_every_step_of_their_workflow() {
    let (url, _) = fresh_database_url().await;
    let o = run_crm(&["demo", "--customers", "250", "--seed", "7"], &url, None);
    assert!(o.status.success(), "{}", text(&o));
    let requests = check_service_requests(&url, 50).await;
    let statuses: HashSet<_> = requests.iter().map(|r| r.status.code()).collect();
    assert_eq!(statuses, ServiceStatus::ALL.iter().map(|s| s.code()).collect(), "{requests:?}");
    let archived = requests.iter().filter(|r| r.status == ServiceStatus::Archived).count();
    assert!(archived > requests.len() / 2, "mostly archived: {archived}");
    assert!(requests.iter().any(|r| r.rounds == 2), "some were sent back once");
}

/// The generated service requests (one per five customers) are each of a generated customer,
/// taken and handled by the manager of its division, with their steps in order and fields as
/// their status gives them; the customer's satisfaction is its archived request's rating.
async fn check_service_requests(url: &str, expected: usize) -> Vec<ServiceRequest> {
    let db = open_db(url).await;
    let system = Actor::system();
    let customers = customers::list_customers(&db, &system, &ListRequest::first("number", 500)).await.unwrap();
    let customers: HashMap<_, _> = customers.items.into_iter().map(|c| (c.id, c)).collect();
    let mut managers = HashMap::new();
    for (name, code) in [("华东", "huadong"), ("华北", "huabei"), ("华南", "huanan")] {
        let division = db.division_by_name(name).await.unwrap().unwrap();
        let manager = db.login_record(&format!("{code}_manager")).await.unwrap().unwrap();
        managers.insert(division.id, manager.user_id);
    }
    let requests = service::list(&db, &system, &ListRequest::first("number", 500)).await.unwrap().items;
    assert_eq!(requests.len(), expected);
    let numbers: HashSet<_> = requests.iter().map(|r| r.number.as_str()).collect();
    assert_eq!(numbers.len(), expected, "numbered once each");
    let now = Utc::now();
    for r in &requests {
        let c = &customers[&r.customer_id];
        assert_eq!(r.division_id, c.division_id, "{r:?}");
        assert_eq!(r.created_by, Some(managers[&r.division_id]), "{r:?}");
        assert_eq!(c.owner_id, r.created_by, "{r:?}");
        assert_eq!(r.handler_id.is_some(), r.status != ServiceStatus::Created, "{r:?}");
        assert!(r.handler_id.is_none() || r.handler_id == r.created_by, "{r:?}");
        assert!(!r.summary.is_empty() && r.request.contains("来电反映"), "{r:?}");
        assert_eq!(r.overdue_since, None, "left to the sla-check job");

        let targets = db.service_targets(r.type_id).await.unwrap();
        assert_eq!(r.respond_by - r.created_at, Duration::minutes(targets.response_minutes));
        assert_eq!(r.resolve_by - r.created_at, Duration::minutes(targets.resolution_minutes));
        let steps = [Some(c.created_at), Some(r.created_at), r.assigned_at, r.handled_at, r.feedback_at, r.archived_at];
        let times: Vec<_> = steps.into_iter().flatten().collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{r:?}");
        assert!(times.last().is_some_and(|t| *t <= now.max(c.created_at)), "{r:?}");
        assert_eq!(r.updated_at, times.last().copied().unwrap().max(r.created_at), "{r:?}");

        assert_eq!(r.assigned_at.is_some(), r.handler_id.is_some(), "{r:?}");
        assert_eq!(r.handled_at.is_some(), r.handling.is_some(), "{r:?}");
        assert_eq!(r.feedback_at.is_some(), r.satisfaction.is_some() && r.result.is_some(), "{r:?}");
        match r.status {
            ServiceStatus::Created => assert!(r.assigned_at.is_none() && r.rounds == 1, "{r:?}"),
            ServiceStatus::Assigned => {
                let sent_back = r.satisfaction.is_some_and(|s| s < 3) && r.handled_at.is_some();
                assert!(if r.rounds == 1 { r.handled_at.is_none() } else { sent_back }, "{r:?}");
            }
            ServiceStatus::Handled => assert!(r.handled_at.is_some() && r.archived_at.is_none(), "{r:?}"),
            ServiceStatus::Archived => {
                assert!(r.satisfaction.is_some_and(|s| (3..=5).contains(&s)), "{r:?}");
                assert_eq!(r.archived_at, r.feedback_at, "{r:?}");
                assert_eq!(c.satisfaction, r.satisfaction, "rolled up into the customer: {r:?}");
            }
        }
    }
    db.close().await;
    requests
}
