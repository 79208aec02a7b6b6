//! Tasks and the calendar through the real server (TSK-1, TSK-2, TSK-4): task CRUD with
//! complete and assign, who may give a task to whom, the my/team/overdue views and the division
//! scope; events with the overlap warning on UTC instants, range listing and scope; the
//! iCalendar feed; and the pages.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::web::{Browser, csrf_of};

/// 华东 with a director, two account managers (王伟 with a customer, 李明) and 华北 with a
/// director, an account manager and a customer; an executive over both.
struct World {
    app: TestApp,
    director: String,
    manager: String,
    manager_id: String,
    colleague: String,
    colleague_id: String,
    north_director: String,
    north_manager_id: String,
    executive: String,
    customer: String,
    north_customer: String,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let east = app.division("华东").await;
    let north = app.division("华北").await;
    let director = app.user("dongfang", "director", &[east]).await;
    let manager = app.user("wangwei", "manager", &[east]).await;
    let colleague = app.user("liming", "manager", &[east]).await;
    let north_director = app.user("zhaolei", "director", &[north]).await;
    let north_manager = app.user("zhangsan", "manager", &[north]).await;
    let executive = app.user("gaoguan", "executive", &[east]).await;
    let customer = app.create_customer(&manager, &json!({"name": "华星科技"})).await["id"].as_str().unwrap().into();
    let north_customer =
        app.create_customer(&north_manager, &json!({"name": "北辰贸易"})).await["id"].as_str().unwrap().into();
    World {
        manager_id: app.user_id("wangwei").await,
        colleague_id: app.user_id("liming").await,
        north_manager_id: app.user_id("zhangsan").await,
        app,
        director,
        manager,
        colleague,
        north_director,
        executive,
        customer,
        north_customer,
    }
}

fn id(record: &Value) -> &str {
    record["id"].as_str().unwrap()
}

async fn expect(r: reqwest::Response, status: StatusCode) -> Value {
    let actual = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(actual, status, "{text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// The `field`s of a 422 problem.
fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect()
}

fn titles(page: &Value) -> Vec<&str> {
    page["items"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap()).collect()
}

async fn task(w: &World, token: &str, body: Value) -> Value {
    w.app.created("/api/v1/tasks", token, &body).await
}

// ---- tasks ----------------------------------------------------------------------------------

#[tokio::test]
async fn a_task_is_created_read_changed_completed_reopened_and_deleted() {
    let w = world().await;
    let body = json!({"title": "回访华星科技", "due_at": "2026-03-01T18:00:00+08:00", "priority": "high",
        "customer_id": w.customer, "notes": "带上报价单"});
    let r = w.app.post_json("/api/v1/tasks", Some(&w.manager), &body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let t: Value = r.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/tasks/{}", id(&t)));
    // Stored and shown as the UTC instant; the owner is the creator; open and in the customer's division.
    assert_eq!(t["due_at"], "2026-03-01T10:00:00Z");
    assert_eq!((t["owner_id"].as_str(), t["status"].as_str()), (Some(w.manager_id.as_str()), Some("open")));
    assert_eq!(t["customer"]["label"], "华星科技");
    let customer = w.app.get_ok(&format!("/api/v1/customers/{}", w.customer), &w.manager).await;
    assert_eq!(t["division_id"], customer["division_id"]);

    let r = w.app.get(&location, Some(&w.manager)).await;
    assert_eq!(r.headers()["etag"], "\"1\"");
    let stale = w.app.patch_json(&location, &w.manager, Some("\"7\""), &json!({"title": "x"})).await;
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    let changed =
        w.app.patch_json(&location, &w.manager, Some("\"1\""), &json!({"priority": "urgent", "due_at": null})).await;
    let changed = expect(changed, StatusCode::OK).await;
    assert_eq!((changed["priority"].as_str(), changed["due_at"].is_null()), (Some("urgent"), true));
    assert_eq!(changed["version"], 2);

    let done = w.app.post_json(&format!("{location}/complete"), Some(&w.manager), &json!({})).await;
    let done = expect(done, StatusCode::OK).await;
    assert_eq!(done["status"], "done");
    assert!(done["completed_at"].is_string());
    let again = w.app.post_json(&format!("{location}/complete"), Some(&w.manager), &json!({})).await;
    assert_eq!(expect(again, StatusCode::CONFLICT).await["detail"], "state: done");
    let reopened =
        expect(w.app.patch_json(&location, &w.manager, None, &json!({"status": "open"})).await, StatusCode::OK).await;
    assert!(reopened["completed_at"].is_null());

    // Someone who did not make it and holds no delete right may not delete it; its creator may.
    let d = w.app.delete(&location, &w.colleague).await;
    assert_eq!(d.status(), StatusCode::NOT_FOUND, "an own-scope colleague does not even see it");
    assert_eq!(w.app.delete(&location, &w.manager).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(w.app.get(&location, Some(&w.manager)).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn tasks_are_given_to_others_only_with_the_assign_right_and_within_the_division() {
    let w = world().await;
    // An account manager gives tasks to themselves only.
    let r =
        w.app.post_json("/api/v1/tasks", Some(&w.manager), &json!({"title": "跟进", "owner_id": w.colleague_id})).await;
    assert_eq!(expect(r, StatusCode::FORBIDDEN).await["detail"], "requires schedule.assign");
    // A director gives them to members of their division …
    let t =
        task(&w, &w.director, json!({"title": "拜访华星", "owner_id": w.manager_id, "customer_id": w.customer})).await;
    assert_eq!(t["owner_id"], w.manager_id.as_str());
    assert_eq!(t["owner"]["label"], "wangwei");
    // … not to another division's people, with or without a record to follow up.
    let r = w
        .app
        .post_json("/api/v1/tasks", Some(&w.director), &json!({"title": "x", "owner_id": w.north_manager_id}))
        .await;
    assert_eq!(fields(&expect(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["owner_id"]);
    let body = json!({"title": "x", "owner_id": w.north_manager_id, "customer_id": w.customer});
    let r = w.app.post_json("/api/v1/tasks", Some(&w.director), &body).await;
    assert_eq!(fields(&expect(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["owner_id"]);
    let assign = format!("/api/v1/tasks/{}/assign", id(&t));
    let r = w.app.post_json(&assign, Some(&w.director), &json!({"owner_id": w.north_manager_id})).await;
    assert_eq!(fields(&expect(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["owner_id"]);
    // The manager may not pass it on; the director may, to a colleague of the division.
    let r = w.app.post_json(&assign, Some(&w.manager), &json!({"owner_id": w.colleague_id})).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = w.app.post_json(&assign, Some(&w.director), &json!({"owner_id": w.colleague_id})).await;
    let moved = expect(r, StatusCode::OK).await;
    assert_eq!((moved["owner_id"].as_str(), moved["version"].as_i64()), (Some(w.colleague_id.as_str()), Some(2)));
    // The new owner now sees it among their tasks; the old one no longer does.
    let mine = w.app.get_ok("/api/v1/tasks?view=mine", &w.colleague).await;
    assert_eq!(titles(&mine), ["拜访华星"]);
    assert!(titles(&w.app.get_ok("/api/v1/tasks", &w.manager).await).is_empty());
    // Each new owner is told, in the notification centre; who takes a task is not.
    let notices = w.app.get_ok("/api/v1/notifications", &w.manager).await;
    let kinds: Vec<_> = notices["items"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["task_assigned"]);
    assert_eq!(notices["items"][0]["link"], format!("/tasks/{}", id(&t)));
    let notices = w.app.get_ok("/api/v1/notifications", &w.colleague).await;
    assert_eq!(notices["items"][0]["subject"], "拜访华星");
    assert!(w.app.get_ok("/api/v1/notifications", &w.director).await["items"].as_array().unwrap().is_empty());
    // An executive gives tasks to anyone, in the owner's division.
    let t = task(&w, &w.executive, json!({"title": "北区复盘", "owner_id": w.north_manager_id})).await;
    let north = w.app.get_ok("/api/v1/tasks?view=team", &w.north_director).await;
    assert_eq!(titles(&north), ["北区复盘"]);
    assert_ne!(t["division_id"], moved["division_id"]);
}

#[tokio::test]
async fn the_views_show_exactly_mine_the_teams_and_the_overdue_tasks_in_scope() {
    let w = world().await;
    let past = (Utc::now() - Duration::hours(2)).to_rfc3339();
    let future = (Utc::now() + Duration::days(2)).to_rfc3339();
    task(&w, &w.manager, json!({"title": "A 逾期", "due_at": past, "priority": "low"})).await;
    task(&w, &w.manager, json!({"title": "B 未到期", "due_at": future, "priority": "urgent"})).await;
    task(&w, &w.director, json!({"title": "C 李明逾期", "due_at": past, "owner_id": w.colleague_id})).await;
    let d = task(&w, &w.colleague, json!({"title": "D 已完成", "due_at": past})).await;
    w.app.post_json(&format!("/api/v1/tasks/{}/complete", id(&d)), Some(&w.colleague), &json!({})).await;
    task(&w, &w.manager, json!({"title": "E 无期限"})).await;

    let mine = w.app.get_ok("/api/v1/tasks?view=mine", &w.manager).await;
    assert_eq!(titles(&mine), ["A 逾期", "B 未到期", "E 无期限"], "by due time, none last");
    assert_eq!(titles(&w.app.get_ok("/api/v1/tasks?view=overdue", &w.manager).await), ["A 逾期"]);
    let team = w.app.get_ok("/api/v1/tasks?view=team&count=true&sort=created_at", &w.director).await;
    assert_eq!(titles(&team), ["A 逾期", "B 未到期", "C 李明逾期", "D 已完成", "E 无期限"]);
    assert_eq!(team["total"], 5);
    let overdue = w.app.get_ok("/api/v1/tasks?view=overdue&sort=created_at", &w.director).await;
    assert_eq!(titles(&overdue), ["A 逾期", "C 李明逾期"]);
    let urgent_first = w.app.get_ok("/api/v1/tasks?view=mine&sort=-priority", &w.manager).await;
    assert_eq!(titles(&urgent_first), ["B 未到期", "E 无期限", "A 逾期"]);
    let filtered = w.app.get_ok(&format!("/api/v1/tasks?owner_id={}&status=done", w.colleague_id), &w.director).await;
    assert_eq!(titles(&filtered), ["D 已完成"]);
    // Another division's director sees none of them, counted or opened.
    let north = w.app.get_ok("/api/v1/tasks?view=team&count=true", &w.north_director).await;
    assert_eq!((titles(&north).len(), north["total"].as_i64()), (0, Some(0)));
    assert_eq!(
        w.app.get(&format!("/api/v1/tasks/{}", id(&d)), Some(&w.north_director)).await.status(),
        StatusCode::NOT_FOUND
    );
    let r = w.app.get("/api/v1/tasks?view=later", Some(&w.manager)).await;
    assert_eq!(fields(&expect(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["view"]);
}

#[tokio::test]
async fn bad_task_input_is_refused_naming_each_field_and_changes_nothing() {
    let w = world().await;
    let body = json!({"title": " ", "due_at": "明天", "priority": "asap"});
    let r = w
        .app
        .client
        .post(w.app.url("/api/v1/tasks"))
        .bearer_auth(&w.manager)
        .header("Accept-Language", "en")
        .json(&body)
        .send()
        .await
        .unwrap();
    let problem = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&problem), ["title", "due_at", "priority"]);
    assert_eq!(problem["errors"][0]["message"], "required");
    // Links must be records the caller can see: another division's customer, a colleague's.
    let r = w
        .app
        .post_json("/api/v1/tasks", Some(&w.manager), &json!({"title": "x", "customer_id": w.north_customer}))
        .await;
    let problem = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!((fields(&problem), problem["errors"][0]["code"].as_str()), (vec!["customer_id"], Some("not_found")));
    let r =
        w.app.post_json("/api/v1/tasks", Some(&w.colleague), &json!({"title": "x", "customer_id": w.customer})).await;
    assert_eq!(fields(&expect(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["customer_id"]);
    let body = json!({"title": "x", "opportunity_id": w.customer});
    let r = w.app.post_json("/api/v1/tasks", Some(&w.manager), &body).await;
    assert_eq!(fields(&expect(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["opportunity_id"]);
    let r = w.app.post_json("/api/v1/tasks", Some(&w.manager), &json!({"title": "x", "colour": "red"})).await;
    assert_eq!(fields(&expect(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["colour"]);
    assert!(titles(&w.app.get_ok("/api/v1/tasks", &w.manager).await).is_empty());
}

#[tokio::test]
async fn a_merged_customers_tasks_and_appointments_follow_it() {
    let w = world().await;
    let twin = w.app.create_customer(&w.manager, &json!({"name": "华星科技有限公司"})).await;
    let t = task(&w, &w.manager, json!({"title": "催款", "customer_id": id(&twin)})).await;
    let body = json!({"title": "拜访", "customer_id": id(&twin), "starts_at": "2026-03-02T10:00:00+08:00",
        "ends_at": "2026-03-02T11:00:00+08:00"});
    let e = w.app.created("/api/v1/events", &w.manager, &body).await;
    let merge = format!("/api/v1/customers/{}/merge", w.customer);
    expect(w.app.post_json(&merge, Some(&w.director), &json!({"from_id": id(&twin)})).await, StatusCode::OK).await;
    let t = w.app.get_ok(&format!("/api/v1/tasks/{}", id(&t)), &w.manager).await;
    assert_eq!(t["customer_id"], w.customer.as_str());
    let e = w.app.get_ok(&format!("/api/v1/events/{}", id(&e)), &w.manager).await;
    assert_eq!(e["customer"]["label"], "华星科技");
}

// ---- events ---------------------------------------------------------------------------------

fn period(starts: &str, ends: &str) -> Value {
    json!({"starts_at": starts, "ends_at": ends})
}

async fn event(w: &World, token: &str, title: &str, starts: &str, ends: &str) -> reqwest::Response {
    w.app.post_json("/api/v1/events", Some(token), &json!({"title": title, "starts_at": starts, "ends_at": ends})).await
}

#[tokio::test]
async fn of_two_overlapping_bookings_made_at_once_one_is_refused() {
    let w = world().await;
    for round in 0..5 {
        let (starts, ends) =
            (format!("2026-04-0{}T10:00:00+08:00", round + 1), format!("2026-04-0{}T11:00:00+08:00", round + 1));
        let (a, b) = tokio::join!(
            event(&w, &w.manager, "拜访华星", &starts, &ends),
            event(&w, &w.manager, "电话会", &starts, &ends),
        );
        let mut statuses = [a.status(), b.status()];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT], "round {round}");
    }
}

#[tokio::test]
async fn an_overlapping_event_is_refused_with_its_conflicts_unless_confirmed() {
    let w = world().await;
    let first = expect(
        event(&w, &w.manager, "拜访华星", "2026-03-02T10:00:00+08:00", "2026-03-02T11:00:00+08:00").await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(first["starts_at"], "2026-03-02T02:00:00Z");
    assert_eq!(first["attendee_ids"], json!([w.manager_id]));

    let r = event(&w, &w.manager, "电话会", "2026-03-02T10:30:00+08:00", "2026-03-02T11:30:00+08:00").await;
    let problem = expect(r, StatusCode::CONFLICT).await;
    let conflicts = problem["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{problem}");
    assert_eq!(conflicts[0]["event_id"], first["id"]);
    assert_eq!(conflicts[0]["title"], "拜访华星");
    assert_eq!(conflicts[0]["starts_at"], "2026-03-02T02:00:00Z");
    assert_eq!(conflicts[0]["attendee_id"], w.manager_id.as_str());
    assert_eq!(conflicts[0]["attendee"], "wangwei");

    // Touching ends do not overlap.
    expect(
        event(&w, &w.manager, "午餐", "2026-03-02T11:00:00+08:00", "2026-03-02T12:00:00+08:00").await,
        StatusCode::CREATED,
    )
    .await;
    // The same instant written in UTC overlaps; the same wall clock in UTC does not.
    let r = event(&w, &w.manager, "UTC 电话", "2026-03-02T02:30:00Z", "2026-03-02T02:45:00Z").await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    expect(
        event(&w, &w.manager, "伦敦电话", "2026-03-02T10:00:00Z", "2026-03-02T10:30:00Z").await,
        StatusCode::CREATED,
    )
    .await;
    // Confirmed, it is created anyway.
    let body =
        json!({"title": "电话会", "starts_at": "2026-03-02T10:30:00+08:00", "ends_at": "2026-03-02T11:30:00+08:00"});
    let forced = w.app.created("/api/v1/events?confirm_conflict=true", &w.manager, &body).await;

    // Inviting someone busy then is refused for them; others' clashes are reported per attendee.
    let body = json!({"title": "部门会议", "kind": "meeting", "starts_at": "2026-03-02T09:00:00+08:00",
        "ends_at": "2026-03-02T10:15:00+08:00", "attendee_ids": [w.manager_id, w.colleague_id]});
    let problem = expect(w.app.post_json("/api/v1/events", Some(&w.director), &body).await, StatusCode::CONFLICT).await;
    let clashes: Vec<(&str, &str)> = problem["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["attendee"].as_str().unwrap(), c["title"].as_str().unwrap()))
        .collect();
    assert_eq!(clashes, [("wangwei", "拜访华星")]);

    // Moving an event into another is refused the same way; confirmed, it moves.
    let path = format!("/api/v1/events/{}", id(&forced));
    let r = w
        .app
        .patch_json(&path, &w.manager, None, &period("2026-03-02T11:30:00+08:00", "2026-03-02T12:30:00+08:00"))
        .await;
    assert_eq!(expect(r, StatusCode::CONFLICT).await["conflicts"][0]["title"], "午餐");
    let r = w
        .app
        .patch_json(&path, &w.manager, None, &period("2026-03-02T13:00:00+08:00", "2026-03-02T14:00:00+08:00"))
        .await;
    assert_eq!(expect(r, StatusCode::OK).await["starts_at"], "2026-03-02T05:00:00Z");
    // An end before the start names the field.
    let r = event(&w, &w.manager, "倒序", "2026-03-02T15:00:00+08:00", "2026-03-02T14:00:00+08:00").await;
    assert_eq!(fields(&expect(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["ends_at"]);
}

#[tokio::test]
async fn events_are_listed_by_range_for_a_person_or_the_team_within_the_scope() {
    let w = world().await;
    let visit = expect(
        event(&w, &w.manager, "拜访", "2026-03-02T10:00:00+08:00", "2026-03-02T11:00:00+08:00").await,
        StatusCode::CREATED,
    )
    .await;
    expect(
        event(&w, &w.colleague, "培训", "2026-03-05T10:00:00+08:00", "2026-03-05T11:00:00+08:00").await,
        StatusCode::CREATED,
    )
    .await;
    expect(
        event(&w, &w.manager, "下月", "2026-04-02T10:00:00+08:00", "2026-04-02T11:00:00+08:00").await,
        StatusCode::CREATED,
    )
    .await;

    let march = "from=2026-03-01T00:00:00%2B08:00&to=2026-04-01T00:00:00%2B08:00";
    let team = w.app.get_ok(&format!("/api/v1/events?{march}"), &w.director).await;
    assert_eq!(titles(&team), ["拜访", "培训"]);
    let one = w.app.get_ok(&format!("/api/v1/events?{march}&attendee_id={}", w.colleague_id), &w.director).await;
    assert_eq!(titles(&one), ["培训"]);
    // An account manager sees their own calendar only; another division's director nothing.
    assert_eq!(titles(&w.app.get_ok(&format!("/api/v1/events?{march}"), &w.manager).await), ["拜访"]);
    assert!(titles(&w.app.get_ok(&format!("/api/v1/events?{march}"), &w.north_director).await).is_empty());
    let path = format!("/api/v1/events/{}", id(&visit));
    assert_eq!(w.app.get(&path, Some(&w.north_director)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(w.app.get(&path, Some(&w.colleague)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(w.app.get(&path, Some(&w.director)).await.status(), StatusCode::OK);
    // The range is required and bounded.
    let r = w.app.get("/api/v1/events", Some(&w.manager)).await;
    assert_eq!(fields(&expect(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["from", "to"]);
    let r = w.app.get("/api/v1/events?from=2026-01-01&to=2027-06-01", Some(&w.manager)).await;
    assert_eq!(expect(r, StatusCode::UNPROCESSABLE_ENTITY).await["errors"][0]["code"], "range_too_long");
    // A clash with an event the caller may not read names the person busy, not the event.
    let body = json!({"title": "同行", "starts_at": "2026-03-05T10:30:00+08:00", "ends_at": "2026-03-05T10:45:00+08:00",
        "attendee_ids": [w.manager_id, w.colleague_id]});
    let problem = expect(w.app.post_json("/api/v1/events", Some(&w.manager), &body).await, StatusCode::CONFLICT).await;
    let clash = &problem["conflicts"][0];
    assert_eq!((clash["attendee"].as_str(), clash["title"].is_null()), (Some("liming"), true), "{problem}");
    // Another division's people cannot be invited.
    let body = json!({"title": "联席会", "starts_at": "2026-03-02T10:30:00+08:00", "ends_at": "2026-03-02T10:45:00+08:00",
        "attendee_ids": [w.north_manager_id]});
    let r = w.app.post_json("/api/v1/events", Some(&w.director), &body).await;
    assert_eq!(fields(&expect(r, StatusCode::UNPROCESSABLE_ENTITY).await), ["attendee_ids"]);
}

#[tokio::test]
async fn the_calendar_feed_serves_the_users_events_in_utc_with_escaped_text() {
    let w = world().await;
    let body = json!({"title": "报价; 合同, 签字", "starts_at": "2026-03-02T10:00:00+08:00", "ends_at": "2026-03-02T11:00:00+08:00",
        "notes": "第一行\n第二行"});
    let now = Utc::now();
    let soon = |h: i64| (now + Duration::hours(h)).to_rfc3339();
    let mut body = body;
    body["starts_at"] = json!(soon(24));
    body["ends_at"] = json!(soon(25));
    w.app.created("/api/v1/events", &w.manager, &body).await;
    w.app
        .created(
            "/api/v1/events",
            &w.colleague,
            &json!({"title": "李明的私事", "starts_at": soon(26), "ends_at": soon(27)}),
        )
        .await;

    let feed =
        expect(w.app.post_json("/api/v1/calendar-feeds", Some(&w.manager), &json!({})).await, StatusCode::CREATED)
            .await;
    let path = feed["path"].as_str().unwrap().to_string();
    assert!(path.starts_with("/calendar/") && path.ends_with(".ics"), "{path}");
    let r = w.app.client.get(w.app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/calendar; charset=utf-8");
    let text = r.text().await.unwrap();
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n") && text.ends_with("END:VCALENDAR\r\n"), "{text}");
    assert!(text.contains("SUMMARY:报价\\; 合同\\, 签字\r\n"), "{text}");
    assert!(text.contains("DESCRIPTION:第一行\\n第二行\r\n"), "{text}");
    let start = (now + Duration::hours(24)).format("DTSTART:%Y%m%dT%H%M%SZ\r\n").to_string();
    assert!(text.contains(&start), "{start} in {text}");
    assert!(!text.contains("李明的私事"), "{text}");

    // A wrong token, and the old token once a new one is made, are not found.
    assert_eq!(
        w.app.client.get(w.app.url("/calendar/nonsense.ics")).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    w.app.post_json("/api/v1/calendar-feeds", Some(&w.manager), &json!({})).await;
    assert_eq!(w.app.client.get(w.app.url(&path)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
}

// ---- pages ----------------------------------------------------------------------------------

/// The fields of the event form as a browser posts them: an appointment at local times.
fn event_form<'a>(csrf: &'a str, title: &'a str, starts: &'a str, ends: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("title", title),
        ("kind", "appointment"),
        ("starts_at", starts),
        ("ends_at", ends),
        ("customer_id", ""),
        ("location", ""),
        ("notes", ""),
    ]
}

#[tokio::test]
async fn the_task_and_calendar_pages_work_in_chinese_and_english() {
    let w = world().await;
    task(&w, &w.manager, json!({"title": "回访华星", "customer_id": w.customer, "due_at": (Utc::now() - Duration::hours(1)).to_rfc3339()})).await;
    let browser = Browser::new(&w.app);
    let csrf = browser.sign_in("wangwei").await;
    let home = browser.get_text("/").await;
    assert!(home.contains(r#"href="/tasks""#) && home.contains(r#"href="/calendar""#), "{home}");
    let tasks = browser.get_text("/tasks?view=overdue").await;
    assert!(tasks.contains("回访华星") && tasks.contains("逾期"), "{tasks}");
    let customer = browser.get_text(&format!("/customers/{}", w.customer)).await;
    assert!(customer.contains(&format!("/tasks?view=team&amp;customer_id={}", w.customer)), "{customer}");

    // A new appointment from the form, in the user's time zone (Shanghai).
    let form = event_form(&csrf, "拜访华星", "2026-03-02T10:00", "2026-03-02T11:00");
    let r = browser.post("/events", &form).await;
    assert_eq!(r.status(), StatusCode::OK);
    let week = r.text().await.unwrap();
    assert!(week.contains("10:00–11:00 拜访华星") || week.contains("10:00–11:00</span> 拜访华星"), "{week}");
    let listed = w.app.get_ok("/api/v1/events?from=2026-03-02&to=2026-03-03", &w.manager).await;
    assert_eq!(listed["items"][0]["starts_at"], "2026-03-02T02:00:00Z");

    // An overlapping one shows the clash and a button to save anyway.
    let clash = event_form(&csrf, "电话", "2026-03-02T10:30", "2026-03-02T10:45");
    let r = browser.post("/events", &clash).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let page = r.text().await.unwrap();
    assert!(page.contains("仍然保存") && page.contains("拜访华星"), "{page}");
    let mut anyway = clash.clone();
    anyway.push(("confirm_conflict", "true"));
    assert_eq!(browser.post("/events", &anyway).await.status(), StatusCode::OK);
    assert_eq!(
        w.app.get_ok("/api/v1/events?from=2026-03-02&to=2026-03-03", &w.manager).await["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    for view in ["month", "week", "day"] {
        let zh = browser.get_text(&format!("/calendar?view={view}&date=2026-03-02")).await;
        assert!(zh.contains("拜访华星") && zh.contains(r#"<html lang="zh-CN">"#), "{view}: {zh}");
        let en = browser
            .client
            .get(w.app.url(&format!("/calendar?view={view}&date=2026-03-02")))
            .header("Accept-Language", "en")
            .send()
            .await
            .unwrap();
        let en = en.text().await.unwrap();
        assert!(en.contains("Subscribe in a calendar app"), "{view}: {en}");
    }

    // The feed address is made on the calendar page and shown once.
    let page = browser.get_text("/calendar").await;
    let r = browser.post("/calendar/feed", &[("csrf", &csrf_of(&page))]).await;
    let page = r.text().await.unwrap();
    let start = page.find("/calendar/").map(|i| &page[i..]).unwrap();
    let path = start.split(".ics").next().unwrap().to_string() + ".ics";
    assert!(path.len() > "/calendar/.ics".len() + 32, "{page}");
    let r = w.app.client.get(w.app.url(&path)).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "text/calendar; charset=utf-8");
    assert!(r.text().await.unwrap().starts_with("BEGIN:VCALENDAR\r\n"));

    // A task from the form, then done from the list.
    let form = browser.get_text(&format!("/tasks/new?customer_id={}", w.customer)).await;
    assert!(form.contains("截止时间"), "{form}");
    let fields = [
        ("csrf", csrf.as_str()),
        ("title", "寄样品"),
        ("due_at", "2026-03-03T09:00"),
        ("priority", "high"),
        ("customer_id", w.customer.as_str()),
        ("notes", ""),
    ];
    let r = browser.post("/tasks", &fields).await;
    assert_eq!(r.status(), StatusCode::OK);
    let t = w.app.get_ok("/api/v1/tasks?q=寄样品", &w.manager).await;
    assert_eq!(t["items"][0]["due_at"], "2026-03-03T01:00:00Z");
    let r =
        browser.post(&format!("/tasks/{}/complete", id(&t["items"][0])), &[("csrf", &csrf), ("back", "/tasks")]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(w.app.get_ok("/api/v1/tasks?q=寄样品", &w.manager).await["items"][0]["status"], "done");
    // A missing title is shown beside the field, in the user's language.
    let r = browser.post("/tasks", &[("csrf", csrf.as_str()), ("title", ""), ("priority", "normal")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("必填"));
}
