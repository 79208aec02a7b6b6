//! The home page's open tasks and churn warnings per role (RPT-8), through the real server:
//! an account manager's own with the next due and the latest raised, a director's team by
//! owner, an executive's company by division — every figure compared with counts made here
//! from the tasks and warnings the test created, and nothing outside the reader's scope.

use chrono::{Duration, Months, Utc};
use reqwest::StatusCode;
use serde_json::json;

use crm_core::churn::actions as churn;

use crate::helpers::{TestApp, fresh_database_url};
use crate::web::Browser;

/// A task: its owner, due in days from now (none: no due time) and status.
struct TaskSpec {
    owner: &'static str,
    due_in_days: Option<i64>,
    status: &'static str,
}

/// A customer: its division, owner, and what became of its churn warning (`none`: it bought
/// recently and has none).
struct CustomerSpec {
    name: &'static str,
    division: &'static str,
    owner: &'static str,
    warning: &'static str,
}

const TASKS: [TaskSpec; 9] = [
    TaskSpec { owner: "wangwei", due_in_days: Some(-1), status: "open" },
    TaskSpec { owner: "wangwei", due_in_days: Some(1), status: "open" },
    TaskSpec { owner: "wangwei", due_in_days: Some(3), status: "open" },
    TaskSpec { owner: "wangwei", due_in_days: None, status: "open" },
    TaskSpec { owner: "wangwei", due_in_days: Some(-2), status: "done" },
    TaskSpec { owner: "wangwei", due_in_days: Some(-3), status: "cancelled" },
    TaskSpec { owner: "liming", due_in_days: Some(-5), status: "open" },
    TaskSpec { owner: "liming", due_in_days: Some(2), status: "open" },
    TaskSpec { owner: "zhaolei", due_in_days: Some(-1), status: "open" },
];

const CUSTOMERS: [CustomerSpec; 7] = [
    CustomerSpec { name: "华星科技", division: "华东", owner: "wangwei", warning: "warning" },
    CustomerSpec { name: "远航物流", division: "华东", owner: "wangwei", warning: "delaying" },
    CustomerSpec { name: "东方机械", division: "华东", owner: "wangwei", warning: "lost" },
    CustomerSpec { name: "长江电子", division: "华东", owner: "wangwei", warning: "none" },
    CustomerSpec { name: "星辰软件", division: "华东", owner: "liming", warning: "warning" },
    CustomerSpec { name: "南山食品", division: "华东", owner: "liming", warning: "lost" },
    CustomerSpec { name: "北方重工", division: "华北", owner: "zhaolei", warning: "warning" },
];

struct World {
    app: TestApp,
    /// Task ids, as `TASKS`.
    tasks: Vec<String>,
    /// Warning ids, as `CUSTOMERS` (empty for `none`).
    warnings: Vec<String>,
}

async fn world() -> World {
    let (url, _) = fresh_database_url().await;
    let app = TestApp::spawn_on(&url).await;
    let staff = app.staff().await;
    let (director, north_director) = (&staff.director, &staff.north_director);
    let token = |division: &str| if division == "华北" { north_director } else { director };
    let mut tasks = Vec::new();
    for (i, t) in TASKS.iter().enumerate() {
        let division = if t.owner == "zhaolei" { "华北" } else { "华东" };
        let mut body = json!({"title": format!("任务{i}"), "owner_id": app.user_id(t.owner).await, "status": t.status});
        if let Some(days) = t.due_in_days {
            body["due_at"] = json!((Utc::now() + Duration::days(days)).to_rfc3339());
        }
        tasks.push(app.created("/api/v1/tasks", token(division), &body).await["id"].as_str().unwrap().to_string());
    }
    let mut customers = Vec::new();
    for c in &CUSTOMERS {
        let body = json!({"name": c.name, "status": "active", "owner_id": app.user_id(c.owner).await});
        let customer = app.create_customer(token(c.division), &body).await["id"].as_str().unwrap().to_string();
        let months = if c.warning == "none" { 1 } else { 7 };
        let date = Utc::now().date_naive().checked_sub_months(Months::new(months)).unwrap();
        let order = json!({"customer_id": customer, "order_date": date.to_string(),
            "lines": [{"description": "设备维保", "quantity": "1", "unit_price": "100.00"}]});
        app.created("/api/v1/orders", token(c.division), &order).await;
        customers.push(customer);
    }
    churn::detect(&app.db, 6).await.unwrap();
    let mut warnings = Vec::new();
    for (c, customer) in CUSTOMERS.iter().zip(&customers) {
        let found = app.get_ok(&format!("/api/v1/churn-warnings?customer_id={customer}"), token(c.division)).await;
        let Some(id) = found["items"][0]["id"].as_str().map(str::to_string) else {
            assert_eq!(c.warning, "none", "{}", c.name);
            warnings.push(String::new());
            continue;
        };
        let step = match c.warning {
            "delaying" => Some(("measures", json!({"date": "2026-11-01", "text": "上门拜访"}))),
            "lost" => {
                let reason = app.dictionary_entry(token(c.division), "churn_reason", "价格因素").await;
                Some(("confirm", json!({"reason_id": reason})))
            }
            _ => None,
        };
        if let Some((verb, body)) = step {
            let path = format!("/api/v1/churn-warnings/{id}/{verb}");
            let r = app.post_json(&path, Some(token(c.division)), &body).await;
            assert_eq!(r.status(), StatusCode::OK, "{verb} {}", c.name);
        }
        warnings.push(id);
    }
    World { app, tasks, warnings }
}

/// (open, overdue) tasks of the owners `of` lets through, from `TASKS`.
fn task_counts(of: impl Fn(&str) -> bool) -> (usize, usize) {
    let open: Vec<_> = TASKS.iter().filter(|t| of(t.owner) && t.status == "open").collect();
    (open.len(), open.iter().filter(|t| t.due_in_days.is_some_and(|d| d < 0)).count())
}

/// Open warnings (neither lost nor without one) of the customers `of` lets through.
fn warning_count(of: impl Fn(&CustomerSpec) -> bool) -> usize {
    CUSTOMERS.iter().filter(|c| of(c) && matches!(c.warning, "warning" | "delaying")).count()
}

fn east_owner(owner: &str) -> bool {
    owner != "zhaolei"
}

/// The dashboard's row of one owner or division.
fn row(name: &str, (open, overdue): (usize, usize), warnings: usize) -> String {
    format!(
        r#"<tr><td>{name}</td><td class="num">{open}</td><td class="num">{overdue}</td><td class="num">{warnings}</td></tr>"#
    )
}

async fn home_of(w: &World, username: &str) -> String {
    let browser = Browser::new(&w.app);
    browser.sign_in(username).await;
    browser.get_text("/").await
}

#[tokio::test]
async fn an_account_manager_sees_their_own_open_and_overdue_tasks_and_open_warnings_with_links() {
    let w = world().await;
    let home = home_of(&w, "wangwei").await;
    let (open, overdue) = task_counts(|o| o == "wangwei");
    assert_eq!((open, overdue), (4, 1));
    assert!(home.contains("我的任务") && home.contains("我的流失预警"), "{home}");
    assert!(
        home.contains(&format!("未完成任务 {open} 项")) && home.contains(&format!("已逾期 {overdue} 项")),
        "{home}"
    );
    let warnings = warning_count(|c| c.owner == "wangwei");
    assert!(home.contains(&format!("待处理预警 {warnings} 个")), "{home}");
    // The next due link to the open tasks, soonest first (the one without a due time last);
    // done, cancelled and others' tasks are not there.
    let links: Vec<usize> = (0..TASKS.len()).filter_map(|i| home.find(&format!("/tasks/{}\"", w.tasks[i]))).collect();
    let open_ones: Vec<usize> = (0..4).map(|i| home.find(&format!("/tasks/{}\"", w.tasks[i])).unwrap()).collect();
    assert_eq!(links, open_ones, "{home}");
    assert!(open_ones.windows(2).all(|p| p[0] < p[1]), "soonest first: {home}");
    // The open warnings link to them; the lost one, the colleague's and the north's do not show.
    for (i, c) in CUSTOMERS.iter().enumerate().filter(|(_, c)| c.warning != "none") {
        let shown = home.contains(&format!("/churn-warnings/{}\"", w.warnings[i]));
        assert_eq!(shown, c.owner == "wangwei" && c.warning != "lost", "{}: {home}", c.name);
    }
    assert!(home.contains("暂缓流失") && !home.contains("id=\"dashboard-work\""), "{home}");
}

#[tokio::test]
async fn a_director_sees_the_teams_work_by_owner_and_an_executive_the_company_by_division() {
    let w = world().await;
    let home = home_of(&w, "dongfang").await;
    let (open, overdue) = task_counts(east_owner);
    assert!(home.contains("团队任务") && home.contains(&format!("未完成任务 {open} 项")), "{home}");
    assert!(home.contains(&format!("已逾期 {overdue} 项")), "{home}");
    assert!(home.contains(&format!("待处理预警 {} 个", warning_count(|c| c.division == "华东"))), "{home}");
    for owner in ["liming", "wangwei"] {
        let expected = row(owner, task_counts(|o| o == owner), warning_count(|c| c.owner == owner));
        assert!(home.contains(&expected), "{expected}: {home}");
    }
    assert!(!home.contains("zhaolei") && !home.contains(&w.tasks[8]), "nothing of the north: {home}");
    let north = CUSTOMERS.iter().position(|c| c.division == "华北").unwrap();
    assert!(!home.contains(&w.warnings[north]), "{home}");
    // The team's next tasks name their owner.
    assert!(home.contains(&format!("/tasks/{}\"", w.tasks[6])), "{home}");

    let home = home_of(&w, "boss").await;
    let (open, overdue) = task_counts(|_| true);
    assert!(home.contains("全公司任务") && home.contains(&format!("未完成任务 {open} 项")), "{home}");
    assert!(home.contains(&format!("已逾期 {overdue} 项")), "{home}");
    assert!(home.contains(&format!("待处理预警 {} 个", warning_count(|_| true))), "{home}");
    for division in ["华东", "华北"] {
        let owners = |o: &str| east_owner(o) == (division == "华东");
        let expected = row(division, task_counts(owners), warning_count(|c| c.division == division));
        assert!(home.contains(&expected), "{expected}: {home}");
    }
    assert!(w.tasks.iter().all(|t| !home.contains(t.as_str())), "counts only, no task list: {home}");
    let browser = Browser::new(&w.app);
    browser.sign_in("boss").await;
    let r = browser.client.get(w.app.url("/")).header("Accept-Language", "en").send().await.unwrap();
    assert!(r.text().await.unwrap().contains(&format!("Open tasks: {open}")));
}
