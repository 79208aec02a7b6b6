//! Service requests through the real server (SVC-1..3, SVC-5): the whole lifecycle with the
//! round trip of poor feedback, who may take each step (403) and in which state (409), the
//! satisfaction roll-up into the customer, the SLA check and the overdue list, the views'
//! filters and the division scope.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crm_core::service::actions as service;

use crate::helpers::{TestApp, fresh_database_url, output_text, run_crm};
use crate::web::Browser;

/// 华东 with a director, an account manager who takes requests and a colleague who handles
/// them; 华北 with a director; an administrator; and a customer of the manager's in 华东.
struct World {
    app: TestApp,
    url: String,
    director: String,
    manager: String,
    colleague: String,
    colleague_id: String,
    north_director: String,
    admin: String,
    customer: String,
    complaint: String,
    question: String,
}

async fn world() -> World {
    let (url, _) = fresh_database_url().await;
    let app = TestApp::spawn_on(&url).await;
    let east = app.division("华东").await;
    let north = app.division("华北").await;
    let director = app.user("dongfang", "director", &[east]).await;
    let manager = app.user("wangwei", "manager", &[east]).await;
    let colleague = app.user("liming", "manager", &[east]).await;
    let colleague_id = app.user_id("liming").await;
    let north_director = app.user("zhaolei", "director", &[north]).await;
    let admin = app.user("root", "admin", &[]).await;
    let customer = app.create_customer(&manager, &json!({"name": "华星科技"})).await["id"].as_str().unwrap().into();
    let complaint = app.dictionary_entry(&manager, "service_type", "投诉").await;
    let question = app.dictionary_entry(&manager, "service_type", "咨询").await;
    World { app, url, director, manager, colleague, colleague_id, north_director, admin, customer, complaint, question }
}

fn id(record: &Value) -> &str {
    record["id"].as_str().unwrap()
}

async fn expect(r: reqwest::Response, status: StatusCode) -> Value {
    let actual = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(actual, status, "{body}");
    body
}

async fn request(w: &World, summary: &str) -> Value {
    let body = json!({"customer_id": w.customer, "type_id": w.complaint, "summary": summary,
        "request": "客户反映系统登录缓慢"});
    w.app.created("/api/v1/service-requests", &w.manager, &body).await
}

async fn step(w: &World, token: &str, r: &Value, verb: &str, body: Value) -> reqwest::Response {
    w.app.post_json(&format!("/api/v1/service-requests/{}/{verb}", id(r)), Some(token), &body).await
}

fn ids(page: &Value) -> Vec<&str> {
    page["items"].as_array().unwrap().iter().map(id).collect()
}

#[tokio::test]
async fn a_request_goes_round_again_on_poor_feedback_and_is_archived_on_good_feedback() {
    let w = world().await;
    let r = w
        .app
        .post_json(
            "/api/v1/service-requests",
            Some(&w.manager),
            &json!({"customer_id": w.customer, "type_id": w.complaint, "summary": "登录缓慢", "request": "每次登录要一分钟"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let created: Value = r.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/service-requests/{}", id(&created)));
    assert!(created["number"].as_str().unwrap().starts_with("FW"), "{created}");
    assert_eq!((created["status"].as_str(), created["type"]["label"].as_str()), (Some("created"), Some("投诉")));
    assert_eq!(created["customer"]["label"], "华星科技");
    assert_eq!(created["rounds"], 1);

    let assigned =
        expect(step(&w, &w.director, &created, "assign", json!({"handler_id": w.colleague_id})).await, StatusCode::OK)
            .await;
    assert_eq!(
        (assigned["status"].as_str(), assigned["handler"]["label"].as_str()),
        (Some("assigned"), Some("liming"))
    );
    assert!(assigned["assigned_at"].is_string());
    let handled =
        expect(step(&w, &w.colleague, &created, "handle", json!({"handling": "清理了缓存"})).await, StatusCode::OK)
            .await;
    assert_eq!(handled["status"], "handled");
    assert!(handled["handled_at"].is_string());

    // Poor feedback: back to the handler for another round.
    let again = expect(
        step(&w, &w.manager, &created, "feedback", json!({"result": "仍然很慢", "satisfaction": 2})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!((again["status"].as_str(), again["rounds"].as_i64()), (Some("assigned"), Some(2)));
    assert_eq!(again["handler_id"].as_str(), Some(w.colleague_id.as_str()));
    let customer = w.app.get_ok(&format!("/api/v1/customers/{}", w.customer), &w.manager).await;
    assert!(customer["satisfaction"].is_null(), "only archived requests count: {customer}");

    expect(step(&w, &w.colleague, &created, "handle", json!({"handling": "升级了服务器"})).await, StatusCode::OK).await;
    let archived = expect(
        step(&w, &w.manager, &created, "feedback", json!({"result": "满意", "satisfaction": 4})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!((archived["status"].as_str(), archived["satisfaction"].as_i64()), (Some("archived"), Some(4)));
    assert!(archived["archived_at"].is_string() && archived["feedback_at"].is_string());
    let customer = w.app.get_ok(&format!("/api/v1/customers/{}", w.customer), &w.manager).await;
    assert_eq!(customer["satisfaction"], 4);

    // Archived: read-only, every change answers 409 naming the state.
    for (verb, body) in [
        ("assign", json!({"handler_id": w.colleague_id})),
        ("handle", json!({"handling": "x"})),
        ("feedback", json!({"result": "x", "satisfaction": 5})),
    ] {
        let p = expect(step(&w, &w.director, &created, verb, body).await, StatusCode::CONFLICT).await;
        assert!(p["detail"].as_str().unwrap().contains("archived"), "{verb}: {p}");
    }
    let r = w.app.patch_json(&location, &w.director, None, &json!({"summary": "改"})).await;
    expect(r, StatusCode::CONFLICT).await;
    expect(w.app.delete(&location, &w.director).await, StatusCode::CONFLICT).await;

    // Each step is in the audit log.
    let audit = w.app.get_ok(&format!("/api/v1/audit-log?entity_id={}", id(&created)), &w.admin).await;
    let mut actions: Vec<&str> =
        audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    actions.sort_unstable();
    assert_eq!(actions, ["assign", "create", "feedback", "feedback", "handle", "handle"]);

    // A second request archived with 5: the customer has the average of 4 and 5, rounded half up.
    let second = request(&w, "发票问题").await;
    expect(step(&w, &w.director, &second, "assign", json!({"handler_id": w.colleague_id})).await, StatusCode::OK).await;
    expect(step(&w, &w.colleague, &second, "handle", json!({"handling": "重开发票"})).await, StatusCode::OK).await;
    expect(step(&w, &w.manager, &second, "feedback", json!({"result": "好", "satisfaction": 5})).await, StatusCode::OK)
        .await;
    let customer = w.app.get_ok(&format!("/api/v1/customers/{}", w.customer), &w.manager).await;
    assert_eq!(customer["satisfaction"], 5, "4.5 rounds half up");
}

#[tokio::test]
async fn steps_out_of_order_are_409_and_steps_by_the_wrong_person_are_403() {
    let w = world().await;
    let r = request(&w, "登录缓慢").await;
    for (verb, body) in [("handle", json!({"handling": "x"})), ("feedback", json!({"result": "x", "satisfaction": 5}))]
    {
        let p = expect(step(&w, &w.director, &r, verb, body).await, StatusCode::CONFLICT).await;
        assert!(p["detail"].as_str().unwrap().contains("created"), "{verb}: {p}");
    }
    // Only holders of service.assign assign.
    expect(step(&w, &w.manager, &r, "assign", json!({"handler_id": w.colleague_id})).await, StatusCode::FORBIDDEN)
        .await;
    expect(step(&w, &w.admin, &r, "assign", json!({"handler_id": w.colleague_id})).await, StatusCode::FORBIDDEN).await;
    expect(step(&w, &w.director, &r, "assign", json!({"handler_id": w.colleague_id})).await, StatusCode::OK).await;
    // Only the handler (or a director) handles; the manager who took it does not.
    expect(step(&w, &w.manager, &r, "handle", json!({"handling": "x"})).await, StatusCode::FORBIDDEN).await;
    let p =
        expect(step(&w, &w.colleague, &r, "handle", json!({"handling": " "})).await, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    assert_eq!(p["errors"][0]["field"], "handling");
    expect(step(&w, &w.colleague, &r, "handle", json!({"handling": "处理完毕"})).await, StatusCode::OK).await;
    // Feedback comes from who took the request, not from the handler.
    expect(
        step(&w, &w.colleague, &r, "feedback", json!({"result": "x", "satisfaction": 5})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let p = expect(
        step(&w, &w.manager, &r, "feedback", json!({"result": "x", "satisfaction": 6})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "satisfaction");
    // A stale version is refused.
    let r2 = w
        .app
        .client
        .post(w.app.url(&format!("/api/v1/service-requests/{}/feedback", id(&r))))
        .bearer_auth(&w.manager)
        .header("If-Match", "\"1\"")
        .json(&json!({"result": "好", "satisfaction": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(r2.status(), StatusCode::PRECONDITION_FAILED);
}

#[tokio::test]
async fn bad_input_is_422_with_every_field_and_creates_nothing() {
    let w = world().await;
    let r = w
        .app
        .post_json(
            "/api/v1/service-requests",
            Some(&w.manager),
            &json!({"type_id": w.app.dictionary_entry(&w.manager, "region", "北京市").await, "summary": " "}),
        )
        .await;
    let p = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["customer_id", "summary", "request"]);
    let r = w
        .app
        .post_json(
            "/api/v1/service-requests",
            Some(&w.manager),
            &json!({"customer_id": w.customer, "type_id": w.app.dictionary_entry(&w.manager, "region", "北京市").await,
                "summary": "x", "request": "y"}),
        )
        .await;
    let p = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        (p["errors"][0]["field"].as_str(), p["errors"][0]["code"].as_str()),
        (Some("type_id"), Some("wrong_kind"))
    );
    let list = w.app.get_ok("/api/v1/service-requests", &w.director).await;
    assert!(ids(&list).is_empty());
}

#[tokio::test]
async fn another_division_sees_nothing_and_an_own_scope_user_sees_what_they_took_or_handle() {
    let w = world().await;
    let r = request(&w, "登录缓慢").await;
    let path = format!("/api/v1/service-requests/{}", id(&r));
    expect(w.app.get(&path, Some(&w.north_director)).await, StatusCode::NOT_FOUND).await;
    expect(
        step(&w, &w.north_director, &r, "assign", json!({"handler_id": w.colleague_id})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert!(ids(&w.app.get_ok("/api/v1/service-requests", &w.north_director).await).is_empty());
    assert!(ids(&w.app.get_ok("/api/v1/service-requests?overdue=true", &w.north_director).await).is_empty());
    // A customer of another division cannot be named.
    let north_customer = w.app.create_customer(&w.north_director, &json!({"name": "北方重工"})).await;
    let body = json!({"customer_id": id(&north_customer), "type_id": w.question, "summary": "x", "request": "y"});
    let p = expect(
        w.app.post_json("/api/v1/service-requests", Some(&w.manager), &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "customer_id");
    // The colleague sees it only once it is theirs to handle.
    expect(w.app.get(&path, Some(&w.colleague)).await, StatusCode::NOT_FOUND).await;
    expect(step(&w, &w.director, &r, "assign", json!({"handler_id": w.colleague_id})).await, StatusCode::OK).await;
    assert_eq!(w.app.get_ok(&path, &w.colleague).await["status"], "assigned");
    // A handler from another division is refused.
    let north_id = w.app.user_id("zhaolei").await;
    let p = expect(
        step(&w, &w.director, &r, "assign", json!({"handler_id": north_id})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "handler_id");
}

#[tokio::test]
async fn the_views_filter_by_status_handler_type_customer_and_period() {
    let w = world().await;
    let open = request(&w, "未分配").await;
    let mine = request(&w, "已分配").await;
    expect(step(&w, &w.director, &mine, "assign", json!({"handler_id": w.colleague_id})).await, StatusCode::OK).await;
    let body = json!({"customer_id": w.customer, "type_id": w.question, "summary": "咨询价格", "request": "价格"});
    let asked = w.app.created("/api/v1/service-requests", &w.manager, &body).await;

    let queue = w.app.get_ok("/api/v1/service-requests?status=created", &w.director).await;
    assert_eq!(ids(&queue), [id(&asked), id(&open)]);
    let handler = w.app.get_ok(&format!("/api/v1/service-requests?handler_id={}", w.colleague_id), &w.colleague).await;
    assert_eq!(ids(&handler), [id(&mine)]);
    let by_type = w.app.get_ok(&format!("/api/v1/service-requests?type_id={}", w.question), &w.director).await;
    assert_eq!(ids(&by_type), [id(&asked)]);
    let by_customer = w.app.get_ok(&format!("/api/v1/service-requests?customer_id={}", w.customer), &w.director).await;
    assert_eq!(ids(&by_customer).len(), 3);
    let today = Utc::now().date_naive();
    let period =
        w.app.get_ok(&format!("/api/v1/service-requests?from={today}&to={today}&status=archived"), &w.director).await;
    assert!(ids(&period).is_empty());
    let period =
        w.app.get_ok(&format!("/api/v1/service-requests?from={}", today + Duration::days(1)), &w.director).await;
    assert!(ids(&period).is_empty());
    let period = w.app.get_ok(&format!("/api/v1/service-requests?to={today}"), &w.director).await;
    assert_eq!(ids(&period).len(), 3);
    expect(
        w.app.get("/api/v1/service-requests?from=yesterday", Some(&w.director)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    expect(
        w.app.get("/api/v1/service-requests?overdue=maybe", Some(&w.director)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
}

#[tokio::test]
async fn the_sla_check_flags_late_requests_once_and_directors_list_them() {
    let w = world().await;
    // Complaints must be answered within 30 minutes and closed within 2 hours.
    let r = w
        .app
        .client
        .put(w.app.url(&format!("/api/v1/service-sla/{}", w.complaint)))
        .bearer_auth(&w.admin)
        .json(&json!({"response_minutes": 30, "resolution_minutes": 120}))
        .send()
        .await
        .unwrap();
    let sla = expect(r, StatusCode::OK).await;
    assert_eq!((sla["configured"].as_bool(), sla["type"]["label"].as_str()), (Some(true), Some("投诉")));
    let r = w
        .app
        .client
        .put(w.app.url(&format!("/api/v1/service-sla/{}", w.complaint)))
        .bearer_auth(&w.director)
        .json(&json!({"response_minutes": 1, "resolution_minutes": 2}))
        .send()
        .await
        .unwrap();
    expect(r, StatusCode::FORBIDDEN).await;
    let list = w.app.get_ok("/api/v1/service-sla", &w.manager).await;
    let question = list["items"].as_array().unwrap().iter().find(|s| s["type_id"] == w.question.as_str()).unwrap();
    assert_eq!((question["response_minutes"].as_i64(), question["configured"].as_bool()), (Some(240), Some(false)));

    let unanswered = request(&w, "无人响应").await;
    let answered = request(&w, "已响应").await;
    expect(step(&w, &w.director, &answered, "assign", json!({"handler_id": w.colleague_id})).await, StatusCode::OK)
        .await;
    let body = json!({"customer_id": w.customer, "type_id": w.question, "summary": "咨询", "request": "价格"});
    let question = w.app.created("/api/v1/service-requests", &w.manager, &body).await;

    // An hour on: the unanswered complaint missed its response target only.
    let run = service::check_sla(&w.app.db, Utc::now() + Duration::hours(1)).await.unwrap();
    assert_eq!(run.flagged, 1);
    assert_eq!(ids(&w.app.get_ok("/api/v1/service-requests?overdue=true", &w.director).await), [id(&unanswered)]);
    // Three hours on the assigned complaint missed its resolution target; the question (4h) not yet.
    assert_eq!(service::check_sla(&w.app.db, Utc::now() + Duration::hours(3)).await.unwrap().flagged, 1);
    let overdue = w.app.get_ok("/api/v1/service-requests?overdue=true", &w.director).await;
    assert_eq!(ids(&overdue), [id(&answered), id(&unanswered)]);
    let not = w.app.get_ok("/api/v1/service-requests?overdue=false", &w.director).await;
    assert_eq!(ids(&not), [id(&question)]);
    assert!(ids(&w.app.get_ok("/api/v1/service-requests?overdue=true", &w.north_director).await).is_empty());

    // The job through the command line: nothing is flagged twice, by any number of runs.
    let o = run_crm(&["jobs", "run", "sla-check"], &w.url, None);
    assert!(output_text(&o).contains("flagged 0 overdue service requests"), "{}", output_text(&o));
    let o = run_crm(&["jobs", "list"], &w.url, None);
    assert!(output_text(&o).contains("sla-check"), "{}", output_text(&o));
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
    let r = request(&w, "登录缓慢").await;
    let (browser, _) = signed_in(&w.app, "dongfang").await;
    let home = browser.get_text("/").await;
    assert!(home.contains(r#"href="/service-requests""#), "{home}");
    let pages = [
        ("/service-requests".to_string(), "待分配", "Unassigned"),
        ("/service-requests?view=overdue".into(), "已超时", "Overdue"),
        ("/service-requests/new".into(), "服务类型", "Service type"),
        (format!("/service-requests/{}", id(&r)), "响应时限", "Respond by"),
    ];
    for (path, zh_text, en_text) in pages {
        let zh = browser.get_text(&path).await;
        assert!(zh.contains(r#"<html lang="zh-CN">"#) && zh.contains(zh_text), "{path}: {zh}");
        assert!(zh.contains(r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#));
        let en = browser.client.get(w.app.url(&path)).header("Accept-Language", "en").send().await.unwrap();
        let en = en.text().await.unwrap();
        assert!(en.contains(r#"<html lang="en">"#) && en.contains(en_text), "{path}: {en}");
    }
    // Another division neither lists nor opens it.
    let (north, _) = signed_in(&w.app, "zhaolei").await;
    assert!(!north.get_text("/service-requests").await.contains("登录缓慢"));
    assert_eq!(north.get(&format!("/service-requests/{}", id(&r))).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn who_took_a_request_edits_it_in_the_page_and_a_director_deletes_it_there() {
    let w = world().await;
    let r = request(&w, "打印机卡纸").await;
    let record = format!("/service-requests/{}", id(&r));
    let (manager, csrf) = signed_in(&w.app, "wangwei").await;
    let page = manager.get_text(&record).await;
    assert!(page.contains(&format!(r#"href="{record}/edit""#)), "{page}");
    assert!(!page.contains(&format!(r#"action="{record}/delete""#)), "managers may not delete");
    let form = manager.get_text(&format!("{record}/edit")).await;
    assert!(form.contains("打印机卡纸") && form.contains(r#"name="version" value="1""#), "{form}");

    // A stale version is refused and changes nothing; a blank summary names the field.
    let stale = [
        ("csrf", csrf.as_str()),
        ("type_id", w.question.as_str()),
        ("summary", "改"),
        ("request", "x"),
        ("version", "7"),
    ];
    assert_ne!(manager.post(&record, &stale).await.status(), StatusCode::OK);
    let blank = [
        ("csrf", csrf.as_str()),
        ("type_id", w.question.as_str()),
        ("summary", ""),
        ("request", "x"),
        ("version", "1"),
    ];
    let r = manager.post(&record, &blank).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("必填"));
    let ok = [
        ("csrf", csrf.as_str()),
        ("type_id", w.question.as_str()),
        ("summary", "打印机卡纸（二楼）"),
        ("request", "二楼打印机每天卡纸"),
        ("version", "1"),
    ];
    assert_eq!(manager.post(&record, &ok).await.status(), StatusCode::OK);
    let saved = w.app.get_ok(&format!("/api/v1{record}"), &w.manager).await;
    assert_eq!(
        (saved["summary"].as_str(), saved["type_id"].as_str()),
        (Some("打印机卡纸（二楼）"), Some(w.question.as_str()))
    );

    let (director, dcsrf) = signed_in(&w.app, "dongfang").await;
    assert!(director.get_text(&record).await.contains(&format!(r#"action="{record}/delete""#)));
    let r = director.post(&format!("{record}/delete"), &[("csrf", dcsrf.as_str())]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(w.app.get(&format!("/api/v1{record}"), Some(&w.manager)).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_request_goes_from_the_form_round_the_loop_offering_only_the_allowed_steps() {
    let w = world().await;
    let (manager, csrf) = signed_in(&w.app, "wangwei").await;
    let r = manager
        .post(
            "/service-requests",
            &[("csrf", &csrf), ("customer_id", ""), ("type_id", ""), ("summary", ""), ("request", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("必填"));
    let new = manager.get_text(&format!("/service-requests/new?customer_id={}", w.customer)).await;
    assert!(new.contains(&format!(r#"value="{}" selected"#, w.customer)), "{new}");
    let r = manager
        .post(
            "/service-requests",
            &[
                ("csrf", &csrf),
                ("customer_id", &w.customer),
                ("type_id", &w.complaint),
                ("summary", "登录缓慢"),
                ("request", "每次登录要一分钟"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let record = r.url().path().to_string();
    let page = r.text().await.unwrap();
    assert!(page.contains("新创建"), "{page}");
    // The account manager who took it may not assign, handle nor record feedback yet.
    for verb in ["assign", "handle", "feedback"] {
        assert!(!page.contains(&format!(r#"action="{record}/{verb}""#)), "{verb}: {page}");
    }

    let (director, dcsrf) = signed_in(&w.app, "dongfang").await;
    let queue = director.get_text("/service-requests?view=queue").await;
    assert!(queue.contains("登录缓慢"), "{queue}");
    let page = director.get_text(&record).await;
    assert!(page.contains(&format!(r#"action="{record}/assign""#)), "{page}");
    let r = director.post(&format!("{record}/assign"), &[("csrf", &dcsrf), ("handler_id", &w.colleague_id)]).await;
    assert_eq!(r.status(), StatusCode::OK);

    // The director filters by handler from a list of colleagues, and by customer as a chip.
    let by_handler = director.get_text(&format!("/service-requests?handler_id={}", w.colleague_id)).await;
    assert!(by_handler.contains(r#"<select name="handler_id""#) && by_handler.contains("登录缓慢"), "{by_handler}");
    let by_other = director.get_text(&format!("/service-requests?handler_id={}", w.app.user_id("wangwei").await)).await;
    assert!(!by_other.contains("登录缓慢"), "{by_other}");
    let by_customer = director.get_text(&format!("/service-requests?customer_id={}", w.customer)).await;
    assert!(by_customer.contains(r#"class="chip""#) && by_customer.contains("华星科技"), "{by_customer}");

    let (colleague, ccsrf) = signed_in(&w.app, "liming").await;
    let mine = colleague.get_text("/service-requests?view=mine").await;
    assert!(mine.contains("登录缓慢"), "{mine}");
    let page = colleague.get_text(&record).await;
    assert!(page.contains(&format!(r#"action="{record}/handle""#)), "{page}");
    assert!(
        !page.contains(&format!(r#"action="{record}/assign""#))
            && !page.contains(&format!(r#"action="{record}/feedback""#))
    );
    let r = colleague.post(&format!("{record}/handle"), &[("csrf", &ccsrf), ("handling", " ")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = colleague.post(&format!("{record}/handle"), &[("csrf", &ccsrf), ("handling", "清理了缓存")]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("已处理"));

    let page = manager.get_text(&record).await;
    assert!(page.contains(&format!(r#"action="{record}/feedback""#)), "{page}");
    let r = manager
        .post(&format!("{record}/feedback"), &[("csrf", &csrf), ("result", "仍然很慢"), ("satisfaction", "2")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains("已分配") && !page.contains(&format!(r#"action="{record}/feedback""#)), "{page}");
    let r = colleague.post(&format!("{record}/handle"), &[("csrf", &ccsrf), ("handling", "升级了服务器")]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = manager
        .post(&format!("{record}/feedback"), &[("csrf", &csrf), ("result", "满意"), ("satisfaction", "4")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains("已归档"), "{page}");
    // Archived: no step is offered to anyone.
    let page = director.get_text(&record).await;
    for verb in ["assign", "handle", "feedback"] {
        assert!(!page.contains(&format!(r#"action="{record}/{verb}""#)), "{verb}: {page}");
    }
    assert!(director.get_text("/service-requests?view=archived").await.contains("登录缓慢"));
}

#[tokio::test]
async fn who_took_a_request_edits_it_until_archived_and_directors_delete_it() {
    let w = world().await;
    let r = request(&w, "登录缓慢").await;
    let path = format!("/api/v1/service-requests/{}", id(&r));
    let etag = w.app.get(&path, Some(&w.manager)).await.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(etag, "\"1\"");
    let saved = expect(
        w.app.patch_json(&path, &w.manager, Some(&etag), &json!({"summary": "登录很慢", "type_id": w.question})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!((saved["summary"].as_str(), saved["type"]["label"].as_str()), (Some("登录很慢"), Some("咨询")));
    expect(
        w.app.patch_json(&path, &w.manager, Some(&etag), &json!({"summary": "x"})).await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    expect(step(&w, &w.director, &r, "assign", json!({"handler_id": w.colleague_id})).await, StatusCode::OK).await;
    // The handler reads it but does not rewrite what the customer asked.
    expect(w.app.patch_json(&path, &w.colleague, None, &json!({"summary": "x"})).await, StatusCode::FORBIDDEN).await;
    expect(w.app.delete(&path, &w.manager).await, StatusCode::FORBIDDEN).await;
    assert_eq!(w.app.delete(&path, &w.director).await.status(), StatusCode::NO_CONTENT);
    expect(w.app.get(&path, Some(&w.director)).await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn merging_customers_moves_their_service_requests() {
    let w = world().await;
    let r = request(&w, "登录缓慢").await;
    let survivor = w.app.create_customer(&w.manager, &json!({"name": "华星科技集团"})).await;
    let merge = format!("/api/v1/customers/{}/merge", id(&survivor));
    expect(w.app.post_json(&merge, Some(&w.director), &json!({"from_id": w.customer})).await, StatusCode::OK).await;
    let moved = w.app.get_ok(&format!("/api/v1/service-requests/{}", id(&r)), &w.director).await;
    assert_eq!(moved["customer_id"], survivor["id"]);
}

// ---- knowledge base (SVC-4) ---------------------------------------------------------------

async fn article(w: &World, title: &str, category: &str, tags: &[&str], body: &str) -> Value {
    let input = json!({"title": title, "category": category, "tags": tags, "body": body});
    w.app.created("/api/v1/knowledge-articles", &w.manager, &input).await
}

async fn titles(w: &World, query: &str) -> Vec<String> {
    let page = w.app.get_ok(&format!("/api/v1/knowledge-articles?{query}"), &w.north_director).await;
    page["items"].as_array().unwrap().iter().map(|a| a["title"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn the_knowledge_base_finds_chinese_and_english_words_inside_longer_text_title_matches_first() {
    let w = world().await;
    article(&w, "打印机无法连接", "硬件", &["打印"], "请先检查网络设置，然后重新安装驱动程序。").await;
    article(&w, "重置登录密码", "账号", &["登录", "密码"], "在登录页点击**忘记密码**，按提示操作。").await;
    article(&w, "VPN connection drops", "Network", &["vpn"], "Reconnect and check the *firewall* settings.").await;
    let newest = article(&w, "网络设置指南", "网络", &[], "Network setup for the office printer.").await;

    // Two-character Chinese words inside longer text, English words in any case.
    assert_eq!(titles(&w, "q=驱动").await, ["打印机无法连接"]);
    assert_eq!(titles(&w, "q=忘记密码").await, ["重置登录密码"]);
    assert_eq!(titles(&w, "q=FIREWALL").await, ["VPN connection drops"]);
    // Both words, anywhere: the article with them in its title ranks first, then the newest.
    assert_eq!(titles(&w, "q=网络设置").await, ["网络设置指南", "打印机无法连接"]);
    // Neither has it in its title: the newest first.
    assert_eq!(titles(&w, "q=network").await, ["网络设置指南", "VPN connection drops"]);
    assert_eq!(titles(&w, "q=connection").await, ["VPN connection drops"]);
    // Misses.
    assert!(titles(&w, "q=退款").await.is_empty());
    assert!(titles(&w, "q=printer%20refund").await.is_empty());
    // Filters, with and without a search.
    assert_eq!(titles(&w, "category=账号").await, ["重置登录密码"]);
    assert_eq!(titles(&w, "tag=登录").await, ["重置登录密码"]);
    assert_eq!(titles(&w, "q=设置&category=网络").await, ["网络设置指南"]);

    // A change is searchable at once; the old words are gone.
    let path = format!("/api/v1/knowledge-articles/{}", id(&newest));
    let r = w.app.patch_json(&path, &w.manager, Some("\"1\""), &json!({"body": "办公室无线网络的配置步骤"})).await;
    assert_eq!(expect(r, StatusCode::OK).await["version"], 2);
    assert!(titles(&w, "q=printer").await.is_empty());
    assert_eq!(titles(&w, "q=无线").await, ["网络设置指南"]);
    expect(
        w.app.patch_json(&path, &w.manager, Some("\"1\""), &json!({"title": "x"})).await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    expect(w.app.delete(&path, &w.manager).await, StatusCode::FORBIDDEN).await;
    assert_eq!(w.app.delete(&path, &w.director).await.status(), StatusCode::NO_CONTENT);
    assert!(titles(&w, "q=无线").await.is_empty());
}

#[tokio::test]
async fn a_search_page_is_the_newest_matches_however_common_or_rare_the_word() {
    let w = world().await;
    // The rare word is only in the oldest article, behind more documents than a page of one
    // looks at first; the common word is in every article.
    article(&w, "旧手册", "常见", &[], "稀有型号的维修步骤").await;
    for i in 0..30 {
        article(&w, &format!("常见问题 {i}"), "常见", &[], "客户常问的系统设置").await;
    }
    assert_eq!(titles(&w, "q=稀有&limit=1").await, ["旧手册"]);
    assert_eq!(titles(&w, "q=系统&limit=2").await, ["常见问题 29", "常见问题 28"]);
    assert_eq!(titles(&w, "q=系统&limit=2&category=常见").await, ["常见问题 29", "常见问题 28"]);
    assert_eq!(titles(&w, "q=维修&limit=2").await, ["旧手册"]);
}

#[tokio::test]
async fn articles_are_checked_and_need_the_service_rights() {
    let w = world().await;
    let r = w
        .app
        .post_json("/api/v1/knowledge-articles", Some(&w.manager), &json!({"title": " ", "tags": ["x".repeat(31)]}))
        .await;
    let p = expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["title", "category", "tags", "body"]);
    let body = json!({"title": "t", "category": "c", "body": "b"});
    expect(w.app.post_json("/api/v1/knowledge-articles", Some(&w.admin), &body).await, StatusCode::FORBIDDEN).await;
    expect(w.app.get("/api/v1/knowledge-articles", Some(&w.admin)).await, StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn requests_link_articles_until_archived_in_their_own_division_only() {
    let w = world().await;
    let a = article(&w, "重置登录密码", "账号", &[], "点击忘记密码。").await;
    let r = request(&w, "无法登录").await;
    let links = format!("/api/v1/service-requests/{}/articles", id(&r));
    let link = json!({"article_id": id(&a)});
    assert_eq!(w.app.post_json(&links, Some(&w.manager), &link).await.status(), StatusCode::NO_CONTENT);
    // Twice is once.
    assert_eq!(w.app.post_json(&links, Some(&w.manager), &link).await.status(), StatusCode::NO_CONTENT);
    let linked = w.app.get_ok(&links, &w.director).await;
    assert_eq!(linked["items"].as_array().unwrap().len(), 1);
    assert_eq!(linked["items"][0]["title"], "重置登录密码");
    // Not the colleague's before it is theirs to handle; never another division's.
    expect(w.app.post_json(&links, Some(&w.colleague), &link).await, StatusCode::NOT_FOUND).await;
    expect(w.app.get(&links, Some(&w.north_director)).await, StatusCode::NOT_FOUND).await;
    let p = expect(
        w.app.post_json(&links, Some(&w.manager), &json!({"article_id": uuid::Uuid::now_v7()})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "article_id");
    let unlink = format!("{links}/{}", id(&a));
    assert_eq!(w.app.delete(&unlink, &w.manager).await.status(), StatusCode::NO_CONTENT);
    assert!(w.app.get_ok(&links, &w.manager).await["items"].as_array().unwrap().is_empty());

    expect(step(&w, &w.director, &r, "assign", json!({"handler_id": w.colleague_id})).await, StatusCode::OK).await;
    assert_eq!(w.app.post_json(&links, Some(&w.colleague), &link).await.status(), StatusCode::NO_CONTENT);
    expect(step(&w, &w.colleague, &r, "handle", json!({"handling": "已告知步骤"})).await, StatusCode::OK).await;
    expect(step(&w, &w.manager, &r, "feedback", json!({"result": "好", "satisfaction": 5})).await, StatusCode::OK)
        .await;
    expect(w.app.delete(&unlink, &w.director).await, StatusCode::CONFLICT).await;
}

#[tokio::test]
async fn knowledge_pages_search_render_markdown_safely_and_link_from_the_request_page() {
    let w = world().await;
    let (manager, csrf) = signed_in(&w.app, "wangwei").await;
    let r =
        manager.post("/knowledge-articles", &[("csrf", &csrf), ("title", ""), ("category", ""), ("body", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = manager
        .post(
            "/knowledge-articles",
            &[
                ("csrf", &csrf),
                ("title", "重置登录密码"),
                ("category", "账号"),
                ("tags", "登录，密码"),
                ("body", "点击**忘记密码**。<script>alert(1)</script> [看这里](javascript:alert(1))"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let article = r.url().path().to_string();
    let page = r.text().await.unwrap();
    assert!(page.contains("<strong>忘记密码</strong>") && page.contains("&lt;script&gt;"), "{page}");
    assert!(!page.contains("<script>alert") && !page.contains("javascript:"), "{page}");
    for (path, zh_text, en_text) in
        [("/knowledge-articles?q=密码", "重置登录密码", "Knowledge base"), ("/knowledge-articles/new", "标签", "Tags")]
    {
        let zh = manager.get_text(path).await;
        assert!(zh.contains(zh_text), "{path}: {zh}");
        let en = manager.client.get(w.app.url(path)).header("Accept-Language", "en").send().await.unwrap();
        assert!(en.text().await.unwrap().contains(en_text), "{path}");
    }
    assert!(!manager.get_text("/knowledge-articles?q=退款").await.contains("重置登录密码"));

    let req = request(&w, "无法登录").await;
    let record = format!("/service-requests/{}", id(&req));
    let article_id = article.trim_start_matches("/knowledge-articles/");
    let r = manager.post(&format!("{record}/articles"), &[("csrf", &csrf), ("article_id", article_id)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains(&format!(r#"href="{article}""#)), "{page}");
    let r = manager.post(&format!("{record}/articles/unlink"), &[("csrf", &csrf), ("article_id", article_id)]).await;
    assert!(!r.text().await.unwrap().contains(&format!(r#"href="{article}""#)));

    // Edited through its form (a stale form is refused), then deleted by a director.
    let form = manager.get_text(&format!("{article}/edit")).await;
    assert!(form.contains("登录, 密码") || form.contains("密码, 登录"), "{form}");
    let edit = [
        ("csrf", csrf.as_str()),
        ("version", "1"),
        ("title", "找回密码"),
        ("category", "账号"),
        ("tags", ""),
        ("body", "步骤"),
    ];
    let r = manager.post(&article, &edit).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("找回密码"));
    assert_ne!(manager.post(&article, &edit).await.status(), StatusCode::OK);
    let (director, dcsrf) = signed_in(&w.app, "dongfang").await;
    let r = director.post(&format!("{article}/delete"), &[("csrf", &dcsrf)]).await;
    assert_eq!(r.url().path(), "/knowledge-articles");
    assert_eq!(director.get(&article).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn administrators_set_the_service_levels_on_their_page() {
    let w = world().await;
    let (admin, csrf) = signed_in(&w.app, "root").await;
    let page = admin.get_text("/service-sla").await;
    assert!(page.contains("投诉") && page.contains("响应时限") && page.contains(r#"value="240""#), "{page}");
    let path = format!("/service-sla/{}", w.complaint);
    let r = admin.post(&path, &[("csrf", &csrf), ("response_minutes", "60"), ("resolution_minutes", "30")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin.post(&path, &[("csrf", &csrf), ("response_minutes", "30"), ("resolution_minutes", "120")]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let sla = w.app.get_ok("/api/v1/service-sla", &w.manager).await;
    let complaint = sla["items"].as_array().unwrap().iter().find(|s| s["type_id"] == w.complaint.as_str()).unwrap();
    assert_eq!(
        (complaint["response_minutes"].as_i64(), complaint["resolution_minutes"].as_i64()),
        (Some(30), Some(120))
    );
    // A manager reads them without a way to change them.
    let (manager, _) = signed_in(&w.app, "wangwei").await;
    let page = manager.get_text("/service-sla").await;
    assert!(page.contains("disabled") && !page.contains(r#"<button type="submit">"#), "{page}");
}
