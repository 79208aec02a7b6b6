//! The customer pages through a browser-like client (CUS-1..10): the list with its filters,
//! search, saved filters and bulk actions; the customer form with the duplicate warning and
//! stale edits; the 360 page with contacts, org chart, interactions, files and orders;
//! assignment, sharing and merge; the contact, interaction and order forms.

use reqwest::StatusCode;
use reqwest::header::{ACCEPT_LANGUAGE, CONTENT_DISPOSITION, CONTENT_TYPE};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::web::Browser;

/// 华东 with a director and two account managers, 华北 with an account manager.
struct World {
    app: TestApp,
    /// API tokens, to set up and look at records as each user.
    director: String,
    manager: String,
    north: String,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let east = app.division("华东").await;
    let north_division = app.division("华北").await;
    let director = app.user("dongfang", "director", &[east]).await;
    let manager = app.user("wangwei", "manager", &[east]).await;
    app.user("liming", "manager", &[east]).await;
    let north = app.user("zhaolei", "manager", &[north_division]).await;
    World { app, director, manager, north }
}

fn id(record: &Value) -> &str {
    record["id"].as_str().unwrap()
}

/// A browser signed in as `username`, with the CSRF token of its forms.
async fn signed_in(app: &TestApp, username: &str) -> (Browser, String) {
    let browser = Browser::new(app);
    let csrf = browser.sign_in(username).await;
    (browser, csrf)
}

/// The text of an element's start tag through the end of the element's first line: enough to
/// look at one field of a form.
fn field<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html.find(&format!("id=\"f-{id}\"")).unwrap_or_else(|| panic!("no field {id} in {html}"));
    let start = html[..at].rfind("<div class=\"field").unwrap();
    let end = html[at..].find("</div>").map_or(html.len(), |e| at + e);
    &html[start..end]
}

#[tokio::test]
async fn the_list_shows_only_the_customers_a_user_may_see() {
    let w = world().await;
    let app = &w.app;
    app.create_customer(&w.manager, &json!({"name": "杭州娃哈哈集团"})).await;
    app.create_customer(&w.north, &json!({"name": "北京小米科技"})).await;

    let (manager, _) = signed_in(app, "wangwei").await;
    let page = manager.get_text("/customers").await;
    assert!(page.contains("杭州娃哈哈集团"), "{page}");
    assert!(!page.contains("北京小米科技"), "{page}");

    // A director of 华东 sees the division, still not 华北.
    let (director, _) = signed_in(app, "dongfang").await;
    let page = director.get_text("/customers").await;
    assert!(page.contains("杭州娃哈哈集团") && !page.contains("北京小米科技"), "{page}");
    assert!(page.contains("共 1 个客户"), "{page}");

    // Another division's customer is not found, page or form.
    let north = app.get_ok("/api/v1/customers", &w.north).await;
    let xiaomi = north["items"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(manager.get(&format!("/customers/{xiaomi}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(director.get(&format!("/customers/{xiaomi}/edit")).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn searching_the_list_finds_a_two_character_chinese_word_and_filters_narrow_it() {
    let w = world().await;
    let app = &w.app;
    app.create_customer(&w.manager, &json!({"name": "深圳华为技术有限公司", "status": "active"})).await;
    app.create_customer(&w.manager, &json!({"name": "杭州娃哈哈集团", "tags": ["饮料"]})).await;
    let (browser, _) = signed_in(app, "wangwei").await;

    let page = browser.get_text("/customers?q=%E5%8D%8E%E4%B8%BA").await;
    assert!(page.contains("深圳华为技术有限公司") && !page.contains("杭州娃哈哈集团"), "{page}");
    assert!(page.contains(r#"value="华为""#), "the search stays in the box: {page}");

    let page = browser.get_text("/customers?status=active").await;
    assert!(page.contains("深圳华为技术有限公司") && !page.contains("杭州娃哈哈集团"), "{page}");
    let page = browser.get_text("/customers?tag=%E9%A5%AE%E6%96%99").await;
    assert!(!page.contains("深圳华为技术有限公司") && page.contains("杭州娃哈哈集团"), "{page}");
    // Mangled paging is a message, not a failure.
    assert_eq!(browser.get("/customers?cursor=%25%25").await.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_customer_without_a_name_is_shown_again_with_the_message_beside_the_name() {
    let w = world().await;
    let (browser, csrf) = signed_in(&w.app, "wangwei").await;
    let r =
        browser.post("/customers", &[("csrf", &csrf), ("name", " "), ("phone", "0571-8888"), ("credit", "9")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(field(&page, "name").contains("必填"), "{}", field(&page, "name"));
    assert!(field(&page, "credit").contains(r#"class="error""#), "{}", field(&page, "credit"));
    assert!(field(&page, "phone").contains(r#"value="0571-8888""#), "the input is kept");
    assert!(w.app.get_ok("/api/v1/customers", &w.manager).await["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_duplicate_is_shown_with_a_link_to_it_and_created_anyway_once_confirmed() {
    let w = world().await;
    let app = &w.app;
    let existing = app.create_customer(&w.manager, &json!({"name": "杭州娃哈哈集团", "phone": "0571-86032866"})).await;
    let (browser, csrf) = signed_in(app, "wangwei").await;

    let form = [("csrf", csrf.as_str()), ("name", "杭州娃哈哈饮料"), ("phone", "0571 8603 2866")];
    let r = browser.post("/customers", &form).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let page = r.text().await.unwrap();
    assert!(page.contains(&format!(r#"href="/customers/{}""#, id(&existing))), "open existing: {page}");
    assert!(page.contains("杭州娃哈哈集团") && page.contains("相同：电话"), "{page}");
    assert!(page.contains(r#"name="confirm_duplicate" value="true""#), "{page}");
    assert!(page.contains(r#"value="杭州娃哈哈饮料""#), "the input is kept");

    let mut confirmed = form.to_vec();
    confirmed.push(("confirm_duplicate", "true"));
    let r = browser.post("/customers", &confirmed).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.url().path().starts_with("/customers/"));
    assert!(r.text().await.unwrap().contains("杭州娃哈哈饮料"));
    assert_eq!(app.get_ok("/api/v1/customers", &w.manager).await["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn an_edit_saves_every_field_and_a_stale_one_is_refused_with_a_message() {
    let w = world().await;
    let app = &w.app;
    let c = app.create_customer(&w.manager, &json!({"name": "杭州娃哈哈集团", "phone": "0571-1"})).await;
    let (browser, csrf) = signed_in(app, "wangwei").await;
    let edit = browser.get_text(&format!("/customers/{}/edit", id(&c))).await;
    assert!(edit.contains(r#"name="version" value="1""#), "{edit}");

    let save = |name: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("version", "1".to_string()),
            ("name", name.to_string()),
            ("status", "active".to_string()),
            ("phone", String::new()),
            ("tags", "饮料，重点".to_string()),
            ("registered_capital", "500".to_string()),
        ]
    };
    let form: Vec<(&str, String)> = save("娃哈哈集团");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = browser.post(&format!("/customers/{}", id(&c)), &form).await;
    assert_eq!(r.url().path(), format!("/customers/{}", id(&c)));
    let page = r.text().await.unwrap();
    assert!(page.contains("已保存") && page.contains("500.00 万元"), "{page}");
    let saved = app.get_ok(&format!("/api/v1/customers/{}", id(&c)), &w.manager).await;
    assert_eq!((saved["status"].as_str(), saved["phone"].as_str()), (Some("active"), None));
    assert_eq!(saved["tags"], json!(["重点", "饮料"]));

    // The same form again still says version 1: someone else saved in between.
    let form: Vec<(&str, String)> = save("娃哈哈");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = browser.post(&format!("/customers/{}", id(&c)), &form).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("记录已被他人修改"), "{page}");
    assert!(page.contains(r#"value="娃哈哈""#), "the input is kept");
    let kept = app.get_ok(&format!("/api/v1/customers/{}", id(&c)), &w.manager).await;
    assert_eq!(kept["name"], "娃哈哈集团");
}

/// A customer with a boss, a manager who reports to the boss, an interaction and an order.
async fn customer_with_history(w: &World) -> Value {
    let app = &w.app;
    let c = app.create_customer(&w.manager, &json!({"name": "深圳华为技术有限公司"})).await;
    let boss = app
        .created("/api/v1/contacts", &w.manager, &json!({"customer_id": id(&c), "name": "任正非", "primary": true}))
        .await;
    app.created(
        "/api/v1/contacts",
        &w.manager,
        &json!({"customer_id": id(&c), "name": "徐直军", "title": "轮值董事长", "reports_to_id": id(&boss)}),
    )
    .await;
    app.created(
        "/api/v1/interactions",
        &w.manager,
        &json!({"customer_id": id(&c), "occurred_at": "2026-03-01T06:30:00Z", "summary": "拜访采购部"}),
    )
    .await;
    app.created(
        "/api/v1/orders",
        &w.manager,
        &json!({"customer_id": id(&c), "order_date": "2026-03-02",
                "lines": [{"description": "安装服务", "quantity": "3", "unit_price": "0.10"}]}),
    )
    .await;
    c
}

#[tokio::test]
async fn the_360_page_shows_contacts_interactions_and_orders_with_exact_totals() {
    let w = world().await;
    let c = customer_with_history(&w).await;
    let (browser, _) = signed_in(&w.app, "wangwei").await;
    let page = browser.get_text(&format!("/customers/{}", id(&c))).await;
    for part in ["<h1>深圳华为技术有限公司</h1>", "任正非", "主联系人", "拜访采购部", "安装服务", "0.30 CNY"]
    {
        assert!(page.contains(part), "{part} missing: {page}");
    }
    // Times in the user's time zone (Asia/Shanghai by default).
    assert!(page.contains("2026-03-01 14:30"), "{page}");
    assert!(page.contains(r#"id="audit""#) && page.contains("创建了"), "{page}");
    // An account manager may not reassign or merge.
    assert!(!page.contains("/assign\"") && !page.contains("/merge\""), "{page}");
}

#[tokio::test]
async fn the_org_chart_nests_a_contact_under_the_one_they_report_to() {
    let w = world().await;
    let c = customer_with_history(&w).await;
    let (browser, _) = signed_in(&w.app, "wangwei").await;
    let page = browser.get_text(&format!("/customers/{}", id(&c))).await;
    let chart = &page[page.find(r#"<ul class="org">"#).expect("an org chart")..];
    let chart = &chart[..chart.find(r#"<div class="table-wrap">"#).unwrap()];
    let boss = chart.find("任正非").unwrap();
    let nested = chart[boss..].find("<ul>").map(|at| boss + at).expect("a list under the boss");
    let report = chart.find("徐直军").unwrap();
    assert!(boss < nested && nested < report, "{chart}");
}

#[tokio::test]
async fn contacts_interactions_and_orders_are_added_through_their_forms() {
    let w = world().await;
    let app = &w.app;
    let c = customer_with_history(&w).await;
    let customer = id(&c);
    let (browser, csrf) = signed_in(app, "wangwei").await;

    // A contact reports to another contact of the same customer.
    let form = browser.get_text(&format!("/customers/{customer}/contacts/new")).await;
    assert!(form.contains("任正非") && form.contains("徐直军"), "{form}");
    let contacts = app.get_ok(&format!("/api/v1/contacts?customer_id={customer}&name=徐直军"), &w.manager).await;
    let xu = contacts["items"][0]["id"].as_str().unwrap().to_string();
    let r = browser
        .post(
            &format!("/customers/{customer}/contacts"),
            &[("csrf", &csrf), ("name", "张三"), ("email", "zhang@"), ("reports_to_id", &xu)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(field(&page, "email").contains(r#"class="error""#), "{page}");
    let r = browser
        .post(
            &format!("/customers/{customer}/contacts"),
            &[("csrf", &csrf), ("name", "张三"), ("email", "zhang@example.com"), ("reports_to_id", &xu)],
        )
        .await;
    assert_eq!(r.url().path(), format!("/customers/{customer}"));
    let zhang = app.get_ok(&format!("/api/v1/contacts?customer_id={customer}&name=张三"), &w.manager).await;
    assert_eq!(zhang["items"][0]["reports_to_id"], xu.as_str());
    let card = browser.get(&format!("/contacts/{}/vcard", zhang["items"][0]["id"].as_str().unwrap())).await;
    assert!(card.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/vcard"));
    assert!(card.text().await.unwrap().contains("FN:张三"));

    // An interaction's time is typed in the user's time zone.
    let r = browser
        .post(
            &format!("/customers/{customer}/interactions"),
            &[("csrf", &csrf), ("occurred_at", "2026-04-01T09:15"), ("summary", "电话回访"), ("place", "")],
        )
        .await;
    assert_eq!(r.url().path(), format!("/customers/{customer}"));
    let found = app.get_ok(&format!("/api/v1/interactions?customer_id={customer}&sort=-occurred_at"), &w.manager).await;
    assert_eq!(found["items"][0]["occurred_at"], "2026-04-01T01:15:00Z");

    // An order's total is the server's, exact; a bad line is named by its row.
    let order = |price: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("order_date", "2026-04-02".into()),
            ("currency", "CNY".into()),
            ("status", "pending".into()),
            ("product_id", String::new()),
            ("description", "咨询".into()),
            ("quantity", "2.5".into()),
            ("unit_price", "12800.5".into()),
            ("product_id", String::new()),
            ("description", String::new()),
            ("quantity", String::new()),
            ("unit_price", String::new()),
            ("product_id", String::new()),
            ("description", "差旅".into()),
            ("quantity", "1".into()),
            ("unit_price", price.into()),
        ]
    };
    let bad: Vec<(&str, String)> = order("-1");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = browser.post(&format!("/customers/{customer}/orders"), &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("第 2 行 单价"), "the second line typed is named: {page}");
    assert!(page.contains(r#"value="12800.5""#), "the lines are kept");
    let good: Vec<(&str, String)> = order("99.99");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = browser.post(&format!("/customers/{customer}/orders"), &good).await;
    assert_eq!(r.url().path(), format!("/customers/{customer}"));
    assert!(r.text().await.unwrap().contains("32,101.24 CNY"), "2.5 × 12800.5 + 99.99");
}

#[tokio::test]
async fn a_file_is_uploaded_to_the_customer_and_downloaded_again() {
    let w = world().await;
    let c = customer_with_history(&w).await;
    let (browser, csrf) = signed_in(&w.app, "wangwei").await;
    let upload = |file: reqwest::multipart::Part| {
        let form =
            reqwest::multipart::Form::new().text("csrf", csrf.clone()).text("interaction_id", "").part("file", file);
        browser.client.post(w.app.url(&format!("/customers/{}/attachments", id(&c)))).multipart(form).send()
    };
    let r = upload(reqwest::multipart::Part::bytes(Vec::new()).file_name("")).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains(r#"id="e-upload-file""#));

    let part = reqwest::multipart::Part::bytes("报价单内容".as_bytes().to_vec()).file_name("报价单.txt");
    let r = upload(part).await.unwrap();
    assert_eq!(r.url().path(), format!("/customers/{}", id(&c)));
    let page = r.text().await.unwrap();
    let at = page.find("/attachments/").expect("a download link");
    let link = &page[at..at + "/attachments/".len() + 36];
    let r = browser.get(link).await;
    assert!(r.headers()[CONTENT_DISPOSITION].to_str().unwrap().contains("UTF-8''%E6%8A%A5"), "{:?}", r.headers());
    assert_eq!(r.text().await.unwrap(), "报价单内容");

    // Without the form's token, nothing is stored.
    let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(vec![1]).file_name("x"));
    let r = browser.client.post(w.app.url(&format!("/customers/{}/attachments", id(&c)))).multipart(form).send();
    assert_eq!(r.await.unwrap().status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_director_assigns_tags_and_exports_the_checked_customers() {
    let w = world().await;
    let app = &w.app;
    let a = app.create_customer(&w.manager, &json!({"name": "甲公司"})).await;
    let b = app.create_customer(&w.manager, &json!({"name": "乙公司"})).await;
    app.create_customer(&w.manager, &json!({"name": "丙公司"})).await;
    let li = app.user_id("liming").await;
    let (browser, csrf) = signed_in(app, "dongfang").await;
    let list = browser.get_text("/customers").await;
    assert!(list.contains(r#"name="ids""#) && list.contains(r#"value="assign""#), "{list}");

    // Nothing checked: the list again, with the message.
    let r = browser.post("/customers/bulk?q=", &[("csrf", &csrf), ("action", "assign"), ("owner_id", &li)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let checked = [("csrf", csrf.as_str()), ("ids", id(&a)), ("ids", id(&b))];
    let mut assign = checked.to_vec();
    assign.extend([("action", "assign"), ("owner_id", li.as_str())]);
    let r = browser.post("/customers/bulk?status=prospect", &assign).await;
    assert_eq!(r.url().query(), Some("status=prospect&flash=bulk_assigned"));
    let mut tag = checked.to_vec();
    tag.extend([("action", "add_tag"), ("tag", "重点")]);
    browser.post("/customers/bulk", &tag).await;
    let mine = app.get_ok("/api/v1/customers?tag=%E9%87%8D%E7%82%B9&sort=name", &w.director).await;
    let owners: Vec<&str> =
        mine["items"].as_array().unwrap().iter().map(|c| c["owner"]["label"].as_str().unwrap()).collect();
    assert_eq!(owners, ["liming", "liming"]);

    let mut export = checked.to_vec();
    export.push(("action", "export"));
    let r = browser.post("/customers/bulk", &export).await;
    assert!(r.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/csv"));
    let csv = r.text().await.unwrap();
    assert_eq!(csv.lines().count(), 3, "a header and the two checked customers: {csv}");
    assert!(csv.contains("甲公司") && csv.contains("乙公司") && !csv.contains("丙公司"), "{csv}");
}

#[tokio::test]
async fn a_saved_filter_is_listed_opens_its_view_and_is_deleted() {
    let w = world().await;
    let (browser, csrf) = signed_in(&w.app, "wangwei").await;
    let r = browser.post("/customers/filters?status=active&q=%E5%8D%8E", &[("csrf", &csrf), ("name", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field(&r.text().await.unwrap(), "save-name").contains("必填"));

    let r = browser.post("/customers/filters?status=active&q=%E5%8D%8E", &[("csrf", &csrf), ("name", "华字头")]).await;
    let page = r.text().await.unwrap();
    assert!(page.contains(r#"href="/customers?q=%E5%8D%8E&#38;status=active""#), "{page}");
    let saved = w.app.get_ok("/api/v1/saved-filters", &w.manager).await;
    let filter = saved["items"][0]["id"].as_str().unwrap();
    browser.post(&format!("/customers/filters/{filter}/delete"), &[("csrf", &csrf)]).await;
    assert!(!browser.get_text("/customers").await.contains("华字头"));
}

#[tokio::test]
async fn a_director_reassigns_shares_and_merges_from_the_360_page() {
    let w = world().await;
    let app = &w.app;
    let keep = customer_with_history(&w).await;
    let dup = app.create_customer(&w.manager, &json!({"name": "华为技术"})).await;
    app.created("/api/v1/contacts", &w.manager, &json!({"customer_id": id(&dup), "name": "孟晚舟"})).await;
    let li = app.user_id("liming").await;
    let (browser, csrf) = signed_in(app, "dongfang").await;
    let path = format!("/customers/{}", id(&keep));

    let r = browser.post(&format!("{path}/assign"), &[("csrf", &csrf), ("owner_id", ""), ("note", "")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field(&r.text().await.unwrap(), "assign-owner_id").contains("必填"));
    let r = browser.post(&format!("{path}/assign"), &[("csrf", &csrf), ("owner_id", &li), ("note", "交接")]).await;
    let page = r.text().await.unwrap();
    assert!(page.contains("wangwei") && page.contains("交接"), "the history: {page}");
    browser.post(&format!("{path}/share"), &[("csrf", &csrf), ("user_id", &app.user_id("wangwei").await)]).await;
    let shares = app.get_ok(&format!("/api/v1/customers/{}/shares", id(&keep)), &w.manager).await;
    assert_eq!(shares.as_array().unwrap().len(), 1, "shared with its former owner, who still sees it: {shares}");

    // Merge: find the other customer, confirm, and its contacts move here.
    let found = browser.get_text(&format!("{path}/merge?q=%E5%8D%8E%E4%B8%BA%E6%8A%80%E6%9C%AF")).await;
    assert!(found.contains(&format!("merge?from_id={}", id(&dup))), "{found}");
    let confirm = browser.get_text(&format!("{path}/merge?from_id={}", id(&dup))).await;
    assert!(confirm.contains(r#"name="from_id""#) && confirm.contains("华为技术"), "{confirm}");
    let r = browser.post(&format!("{path}/merge"), &[("csrf", &csrf), ("from_id", id(&dup))]).await;
    assert_eq!(r.url().path(), path);
    assert!(r.text().await.unwrap().contains("孟晚舟"));
    assert_eq!(browser.get(&format!("/customers/{}", id(&dup))).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn customer_pages_speak_chinese_and_english_and_fit_a_phone() {
    let w = world().await;
    let c = customer_with_history(&w).await;
    let (browser, _) = signed_in(&w.app, "wangwei").await;
    let home = browser.get_text("/").await;
    assert!(home.contains(r#"href="/customers""#) && home.contains("客户"), "navigation: {home}");
    for path in ["/customers".to_string(), "/customers/new".into(), format!("/customers/{}", id(&c))] {
        let zh = browser.get_text(&path).await;
        assert!(zh.contains(r#"<html lang="zh-CN">"#), "{zh}");
        assert!(zh.contains(r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#));
        let en = browser.client.get(w.app.url(&path)).header(ACCEPT_LANGUAGE, "en").send().await.unwrap();
        let en = en.text().await.unwrap();
        assert!(en.contains(r#"<html lang="en">"#), "{en}");
    }
    let en = browser.client.get(w.app.url("/customers/new")).header(ACCEPT_LANGUAGE, "en").send().await.unwrap();
    let en = en.text().await.unwrap();
    assert!(en.contains("Customer name") && en.contains("Business licence number"), "{en}");
    let en = browser.client.get(w.app.url(&format!("/customers/{}", id(&c)))).header(ACCEPT_LANGUAGE, "en");
    let en = en.send().await.unwrap().text().await.unwrap();
    assert!(en.contains("Organisation chart") && en.contains("Interactions") && en.contains("Orders"), "{en}");
}

#[tokio::test]
async fn users_without_the_customers_right_see_no_customers() {
    let app = TestApp::spawn().await;
    app.user("admin", "admin", &[]).await;
    let (browser, _) = signed_in(&app, "admin").await;
    assert!(!browser.get_text("/").await.contains(r#"href="/customers""#));
    assert_eq!(browser.get("/customers").await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn each_section_of_the_360_page_pages_on_its_own() {
    let w = world().await;
    let app = &w.app;
    let c = app.create_customer(&w.manager, &json!({"name": "杭州娃哈哈集团"})).await;
    for n in 1..=12 {
        let body = json!({"customer_id": id(&c), "name": format!("联系人{n:02}")});
        app.created("/api/v1/contacts", &w.manager, &body).await;
    }
    let (browser, _) = signed_in(app, "wangwei").await;
    let page = browser.get_text(&format!("/customers/{}", id(&c))).await;
    assert!(page.contains("联系人12") && !page.contains("联系人02"), "newest first, ten of them");
    let at = page.find("?contacts=").expect("a link to the next contacts");
    let start = page[..at].rfind('"').unwrap() + 1;
    let next = &page[start..at + page[at..].find('"').unwrap()];
    assert!(next.ends_with("#contacts"), "{next}");
    let rest = browser.get_text(&next.replace("&#38;", "&")).await;
    assert!(rest.contains("联系人02") && rest.contains("联系人01") && !rest.contains("联系人12"), "{rest}");
}

/// The value of a hidden field of a page.
fn hidden<'a>(html: &'a str, name: &str) -> &'a str {
    let key = format!(r#"name="{name}" value=""#);
    let start = html.find(&key).unwrap_or_else(|| panic!("no {name}")) + key.len();
    &html[start..start + html[start..].find('"').unwrap()]
}

#[tokio::test]
async fn the_import_wizard_maps_columns_lists_every_bad_row_and_imports_all_or_nothing() {
    let w = world().await;
    let app = &w.app;
    app.create_customer(&w.manager, &json!({"name": "杭州娃哈哈集团"})).await;
    let (browser, csrf) = signed_in(app, "wangwei").await;
    assert!(browser.get_text("/customers").await.contains(r#"href="/customers/import""#));

    let csv = "客户名称,电话,所在城市,备注\n深圳华为,0755-1,深圳,\n,0571-2,杭州,没有名称\n杭州娃哈哈集团,,杭州,重复\n北京小米,010-3,北京,\n";
    let upload = |bytes: Vec<u8>| {
        let part = reqwest::multipart::Part::bytes(bytes).file_name("客户.csv");
        let form = reqwest::multipart::Form::new().text("csrf", csrf.clone()).part("file", part);
        browser.client.post(app.url("/customers/import")).multipart(form).send()
    };
    let r = upload(b"\xff\xfe\x00garbage".to_vec()).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains(r#"id="e-file""#));

    let r = upload(csv.as_bytes().to_vec()).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let mapping = r.text().await.unwrap();
    // Known headers are matched; the others wait to be chosen.
    let selects: Vec<&str> = mapping.split(r#"<select name="map""#).skip(1).collect();
    assert_eq!(selects.len(), 4);
    assert!(selects[0].contains(r#"value="name" selected"#) && selects[1].contains(r#"value="phone" selected"#));
    assert!(selects[2].contains(r#"value="-" selected"#), "{}", selects[2]);

    let step = |action: &'static str, maps: [&'static str; 4]| {
        let mut form = vec![
            ("csrf", csrf.clone()),
            ("file_name", hidden(&mapping, "file_name").to_string()),
            ("data", hidden(&mapping, "data").to_string()),
            ("division", String::new()),
            ("owner", String::new()),
            ("action", action.to_string()),
        ];
        form.extend(maps.iter().map(|m| ("map", m.to_string())));
        browser.client.post(app.url("/customers/import/check")).form(&form).send()
    };
    let r = step("check", ["name", "phone", "region", "notes"]).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let report = r.text().await.unwrap();
    assert!(report.contains("第 3 行 客户名称：必填"), "the row in the middle: {report}");
    assert!(report.contains("第 4 行 客户名称：与已有客户"), "the duplicate: {report}");
    assert!(!report.contains(r#"value="import""#), "no import while rows are bad");

    // An import with bad rows writes nothing either.
    let r = step("import", ["name", "phone", "region", "notes"]).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.get_ok("/api/v1/customers", &w.manager).await["items"].as_array().unwrap().len(), 1);

    // Without the bad rows the dry run passes and the import writes every row.
    let good = "客户名称,电话,所在城市\n深圳华为,0755-1,深圳\n北京小米,010-3,北京\n";
    let r = upload(good.as_bytes().to_vec()).await.unwrap();
    let mapping = r.text().await.unwrap();
    let step = |action: &'static str| {
        let mut form = vec![
            ("csrf", csrf.clone()),
            ("file_name", hidden(&mapping, "file_name").to_string()),
            ("data", hidden(&mapping, "data").to_string()),
            ("action", action.to_string()),
        ];
        form.extend(["name", "phone", "region"].iter().map(|m| ("map", m.to_string())));
        browser.client.post(app.url("/customers/import/check")).form(&form).send()
    };
    let report = step("check").await.unwrap().text().await.unwrap();
    assert!(report.contains("2 行全部通过检查") && report.contains(r#"value="import""#), "{report}");
    let r = step("import").await.unwrap();
    assert_eq!(r.url().path(), "/customers");
    let list = r.text().await.unwrap();
    assert!(list.contains("导入完成") && list.contains("深圳华为") && list.contains("北京小米"), "{list}");
    let imported = app.get_ok("/api/v1/customers?q=%E5%8D%8E%E4%B8%BA", &w.manager).await;
    assert_eq!(imported["items"][0]["region"]["label"], "深圳市");
}
