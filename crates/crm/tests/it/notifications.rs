//! The notification centre through the real server (CFG-3, TSK-3, CUS-10, ACL-6): notices of
//! assignments written with the change, of late and stale records written by the jobs once
//! however often they run, of birthdays and inactive users; each user reads only their own.

use chrono::{Duration, Months, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crm_core::churn::actions as churn;
use crm_core::notifications::actions as notifications;
use crm_core::sales::opportunities::actions as opportunities;
use crm_core::service::actions as service;

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

async fn notices(w: &World, token: &str) -> Vec<Value> {
    w.app.get_ok("/api/v1/notifications", token).await["items"].as_array().unwrap().clone()
}

async fn unread(w: &World, token: &str) -> i64 {
    w.app.get_ok("/api/v1/notifications/unread-count", token).await["unread"].as_i64().unwrap()
}

fn kinds(items: &[Value]) -> Vec<&str> {
    items.iter().map(|n| n["kind"].as_str().unwrap()).collect()
}

/// An opportunity the manager created and the director assigned to the colleague.
async fn assigned_opportunity(w: &World) -> Value {
    let body = json!({"customer_name": "华星科技", "summary": "采购 ERP 系统", "amount": "1000"});
    let o = w.app.created("/api/v1/opportunities", &w.manager, &body).await;
    let path = format!("/api/v1/opportunities/{}/assign", o["id"].as_str().unwrap());
    let r = w.app.post_json(&path, Some(&w.director), &json!({"assignee_id": w.colleague_id})).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

#[tokio::test]
async fn an_assignment_notifies_the_assignee_only_and_reading_it_clears_the_count() {
    let w = world().await;
    let o = assigned_opportunity(&w).await;
    let items = notices(&w, &w.colleague).await;
    assert_eq!(kinds(&items), ["opportunity_assigned"]);
    let notice = &items[0];
    assert_eq!(notice["entity_id"], o["id"]);
    assert_eq!(notice["link"], format!("/opportunities/{}", o["id"].as_str().unwrap()));
    assert_eq!(notice["subject"], format!("{} 采购 ERP 系统", o["number"].as_str().unwrap()));
    assert!(notice["read_at"].is_null());
    assert_eq!(unread(&w, &w.colleague).await, 1);
    // Nobody else hears of it: not the director who assigned it, not the creator.
    assert!(notices(&w, &w.director).await.is_empty());
    assert!(notices(&w, &w.manager).await.is_empty());

    // Another user cannot mark it: it is not theirs.
    let read = format!("/api/v1/notifications/{}/read", notice["id"].as_str().unwrap());
    let r = w.app.post_json(&read, Some(&w.manager), &json!({})).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(unread(&w, &w.colleague).await, 1);

    let r = w.app.post_json(&read, Some(&w.colleague), &json!({})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(unread(&w, &w.colleague).await, 0);
    let unread_items = w.app.get_ok("/api/v1/notifications?unread=true", &w.colleague).await;
    assert!(unread_items["items"].as_array().unwrap().is_empty());
    // Marking it again is harmless.
    assert_eq!(w.app.post_json(&read, Some(&w.colleague), &json!({})).await.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn assigning_oneself_writes_no_notice() {
    let w = world().await;
    let body = json!({"customer_name": "华星科技", "summary": "自己跟进", "amount": "1"});
    let o = w.app.created("/api/v1/opportunities", &w.manager, &body).await;
    let path = format!("/api/v1/opportunities/{}/assign", o["id"].as_str().unwrap());
    let director_id = w.app.user_id("dongfang").await;
    let r = w.app.post_json(&path, Some(&w.director), &json!({"assignee_id": director_id})).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(notices(&w, &w.director).await.is_empty());
}

#[tokio::test]
async fn the_handler_of_a_service_request_hears_of_the_assignment_and_of_the_missed_deadline_once() {
    let w = world().await;
    let customer = w.app.create_customer(&w.manager, &json!({"name": "华星科技"})).await;
    let complaint = w.app.dictionary_entry(&w.manager, "service_type", "投诉").await;
    let body = json!({"customer_id": customer["id"], "type_id": complaint, "summary": "登录缓慢", "request": "很慢"});
    let r = w.app.created("/api/v1/service-requests", &w.manager, &body).await;
    let path = format!("/api/v1/service-requests/{}/assign", r["id"].as_str().unwrap());
    let assigned = w.app.post_json(&path, Some(&w.director), &json!({"handler_id": w.colleague_id})).await;
    assert_eq!(assigned.status(), StatusCode::OK);
    assert_eq!(kinds(&notices(&w, &w.colleague).await), ["service_assigned"]);

    // Far past the resolution target: the check flags it and tells the handler, once.
    let later = Utc::now() + Duration::days(30);
    assert_eq!(service::check_sla(&w.app.db, later).await.unwrap().flagged, 1);
    service::check_sla(&w.app.db, later + Duration::hours(1)).await.unwrap();
    let items = notices(&w, &w.colleague).await;
    assert_eq!(kinds(&items), ["sla_breached", "service_assigned"]);
    assert_eq!(items[0]["link"], format!("/service-requests/{}", r["id"].as_str().unwrap()));
    assert!(notices(&w, &w.manager).await.is_empty(), "the creator is told only while it is unassigned");
}

#[tokio::test]
async fn an_opportunity_gone_stale_is_told_to_the_one_working_on_it() {
    let w = world().await;
    let o = assigned_opportunity(&w).await;
    let later = Utc::now() + Duration::days(31);
    assert_eq!(opportunities::flag_stale(&w.app.db, later, 30).await.unwrap().flagged, 1);
    assert_eq!(opportunities::flag_stale(&w.app.db, later, 30).await.unwrap().flagged, 0);
    let items = notices(&w, &w.colleague).await;
    assert_eq!(kinds(&items), ["opportunity_stale", "opportunity_assigned"]);
    assert_eq!(items[0]["entity_id"], o["id"]);
}

#[tokio::test]
async fn the_owner_hears_of_a_contacts_birthday_once_that_day() {
    let w = world().await;
    let today = crm_core::customers::actions::today();
    let customer = w.app.create_customer(&w.manager, &json!({"name": "华星科技"})).await;
    let born = today.format("1980-%m-%d").to_string();
    let other_day = (today + Duration::days(1)).format("1980-%m-%d").to_string();
    for (name, birthday) in [("陈经理", born.as_str()), ("李总", other_day.as_str())] {
        let body = json!({"customer_id": customer["id"], "name": name, "birthday": birthday});
        w.app.created("/api/v1/contacts", &w.manager, &body).await;
    }
    assert_eq!(notifications::notify_birthdays(&w.app.db, today).await.unwrap().written, 1);
    assert_eq!(notifications::notify_birthdays(&w.app.db, today).await.unwrap().written, 0);
    let items = notices(&w, &w.manager).await;
    assert_eq!(kinds(&items), ["contact_birthday"]);
    assert_eq!(items[0]["subject"], "陈经理（华星科技）");
    assert_eq!(items[0]["link"], format!("/customers/{}", customer["id"].as_str().unwrap()));
}

#[tokio::test]
async fn inactive_users_are_reported_to_those_who_manage_their_accounts() {
    let w = world().await;
    // Everyone signed in today; a month on, everyone has been away for more than 14 days.
    let later = Utc::now() + Duration::days(30);
    notifications::notify_inactive_users(&w.app.db, later, 14).await.unwrap();
    let about = |items: Vec<Value>| -> Vec<String> {
        let mut names: Vec<String> = items.iter().map(|n| n["subject"].as_str().unwrap().to_string()).collect();
        names.sort();
        names
    };
    // The administrator sees every division; the directors theirs; managers have no right to.
    assert_eq!(about(notices(&w, &w.admin).await), ["dongfang", "liming", "wangwei", "zhaolei"]);
    assert_eq!(about(notices(&w, &w.director).await), ["liming", "wangwei"]);
    assert_eq!(about(notices(&w, &w.north_director).await), Vec::<String>::new());
    assert!(notices(&w, &w.manager).await.is_empty());
    // Once per absence.
    let again = notifications::notify_inactive_users(&w.app.db, later, 14).await.unwrap();
    assert_eq!(again.written, 0);
}

#[tokio::test]
async fn the_header_counts_unread_notices_and_opening_one_marks_it_and_shows_its_record() {
    let w = world().await;
    let o = assigned_opportunity(&w).await;
    let browser = Browser::new(&w.app);
    browser.sign_in("liming").await;
    let home = browser.get_text("/").await;
    assert!(home.contains(r#"href="/notifications""#) && home.contains(r#"<span class="count">1</span>"#), "{home}");
    let page = browser.get_text("/notifications").await;
    assert!(page.contains("采购 ERP 系统") && page.contains("已指派给你"), "{page}");
    let notice = notices(&w, &w.colleague).await[0]["id"].as_str().unwrap().to_string();

    let r = browser.get(&format!("/notifications/{notice}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.url().path(), format!("/opportunities/{}", o["id"].as_str().unwrap()));
    assert_eq!(unread(&w, &w.colleague).await, 0);
    let home = browser.get_text("/").await;
    assert!(!home.contains(r#"<span class="count">"#), "{home}");

    // Someone else's notice is not found.
    let other = Browser::new(&w.app);
    other.sign_in("wangwei").await;
    assert_eq!(other.get(&format!("/notifications/{notice}")).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn owners_are_reminded_of_tasks_due_soon_and_gone_overdue_and_attendees_of_appointments() {
    let w = world().await;
    let now = Utc::now();
    let at = |minutes: i64| (now + Duration::minutes(minutes)).to_rfc3339();
    let task = |title: &str, minutes: i64| json!({"title": title, "owner_id": w.colleague_id, "due_at": at(minutes)});
    let soon = w.app.created("/api/v1/tasks", &w.director, &task("回访华星", 20)).await;
    w.app.created("/api/v1/tasks", &w.director, &task("准备报价", 120)).await;
    let colleague_id = w.colleague_id.clone();
    let director_id = w.app.user_id("dongfang").await;
    let meeting = json!({"title": "周例会", "starts_at": at(10), "ends_at": at(70),
        "attendee_ids": [colleague_id, director_id], "kind": "meeting"});
    w.app.created("/api/v1/events", &w.director, &meeting).await;
    let later = json!({"title": "客户拜访", "starts_at": at(90), "ends_at": at(150), "attendee_ids": [w.colleague_id]});
    w.app.created("/api/v1/events", &w.director, &later).await;
    let reminders = |items: Vec<Value>| -> Vec<(String, String)> {
        let mut found: Vec<(String, String)> = items
            .iter()
            .filter(|n| n["kind"] != "task_assigned")
            .map(|n| (n["kind"].as_str().unwrap().to_string(), n["subject"].as_str().unwrap().to_string()))
            .collect();
        found.sort();
        found
    };
    let pair = |k: &str, s: &str| (k.to_string(), s.to_string());

    // Thirty minutes ahead: the task due in 20 minutes and the meeting in 10, nothing later.
    assert_eq!(notifications::remind(&w.app.db, now, 30).await.unwrap().written, 3);
    assert_eq!(notifications::remind(&w.app.db, now + Duration::minutes(1), 30).await.unwrap().written, 0);
    let colleague = reminders(notices(&w, &w.colleague).await);
    assert_eq!(colleague, [pair("event_starting", "周例会"), pair("task_due", "回访华星")]);
    assert_eq!(reminders(notices(&w, &w.director).await), [pair("event_starting", "周例会")]);

    // Past its due time, the task is overdue: told once more.
    let run = notifications::remind(&w.app.db, now + Duration::minutes(25), 30).await.unwrap();
    assert_eq!(run.written, 1);
    // Moved to tomorrow, it is reminded again before its new time.
    let path = format!("/api/v1/tasks/{}", soon["id"].as_str().unwrap());
    let r = w.app.patch_json(&path, &w.colleague, None, &json!({"due_at": at(24 * 60)})).await;
    assert_eq!(r.status(), StatusCode::OK);
    notifications::remind(&w.app.db, now + Duration::minutes(24 * 60 - 10), 30).await.unwrap();
    let due: Vec<_> = reminders(notices(&w, &w.colleague).await).into_iter().filter(|(k, _)| k == "task_due").collect();
    assert_eq!(due.len(), 2, "{due:?}");
}

#[tokio::test]
async fn a_churn_warning_is_told_to_the_customers_owner_once() {
    let w = world().await;
    let customer = w.app.create_customer(&w.manager, &json!({"name": "长江物流", "status": "active"})).await;
    let long_ago = Utc::now().date_naive().checked_sub_months(Months::new(8)).unwrap();
    let order = json!({"customer_id": customer["id"], "order_date": long_ago.to_string(),
        "lines": [{"description": "设备维保", "quantity": "1", "unit_price": "100.00"}]});
    w.app.created("/api/v1/orders", &w.manager, &order).await;
    assert_eq!(churn::detect(&w.app.db, 6).await.unwrap().warned, 1);
    churn::detect(&w.app.db, 6).await.unwrap();
    let items = notices(&w, &w.manager).await;
    assert_eq!(kinds(&items), ["churn_warning"]);
    assert_eq!(items[0]["subject"], "长江物流");
    assert!(items[0]["link"].as_str().unwrap().starts_with("/churn-warnings/"));
    assert!(notices(&w, &w.director).await.is_empty());
}
