//! The web UI through a browser-like client: sign-in, CSRF, navigation by role, forms that
//! keep the input and show messages beside fields, first-run setup, assets.

use reqwest::header::{ACCEPT_LANGUAGE, CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};

use crm_core::access::actions as access;
use crm_core::access::{Actor, Module};
use crm_core::listing::ListRequest;

use crate::helpers::{PASSWORD, TestApp};

/// One browser: its own cookies, redirects followed like a browser does.
pub struct Browser {
    pub client: Client,
    base: String,
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        Self::with(app, Client::builder().cookie_store(true))
    }

    /// A browser that stops at redirects, to look at them.
    pub fn stopping_at_redirects(app: &TestApp) -> Self {
        Self::with(app, Client::builder().cookie_store(true).redirect(Policy::none()))
    }

    fn with(app: &TestApp, builder: reqwest::ClientBuilder) -> Self {
        Self { client: builder.build().unwrap(), base: app.address.clone() }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    pub async fn get_text(&self, path: &str) -> String {
        let r = self.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "GET {path}");
        r.text().await.unwrap()
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client.post(format!("{}{path}", self.base)).form(form).send().await.unwrap()
    }

    /// Signs in through the form and returns the CSRF token of the pages that follow.
    pub async fn sign_in(&self, username: &str) -> String {
        let page = self.get_text("/login").await;
        let r = self
            .post("/login", &[("csrf", &csrf_of(&page)), ("username", username), ("password", PASSWORD), ("next", "")])
            .await;
        assert_eq!(r.status(), StatusCode::OK, "sign-in of {username}");
        csrf_of(&r.text().await.unwrap())
    }
}

/// The CSRF token of the first form of a page.
pub fn csrf_of(html: &str) -> String {
    let start = html.find(r#"name="csrf" value=""#).expect("a form with a CSRF token") + r#"name="csrf" value=""#.len();
    html[start..].split('"').next().unwrap().to_string()
}

async fn divisions(app: &TestApp) -> Vec<String> {
    let page = access::list_divisions(&app.db, &Actor::system(), &ListRequest::first("name", 100)).await.unwrap();
    page.items.into_iter().map(|d| d.name).collect()
}

#[tokio::test]
async fn the_login_page_is_chinese_for_chinese_browsers_and_english_for_english_ones() {
    let app = TestApp::spawn().await;
    let browser = Browser::new(&app);
    let zh = browser.client.get(app.url("/login")).header(ACCEPT_LANGUAGE, "zh-CN,zh;q=0.9").send().await.unwrap();
    let zh = zh.text().await.unwrap();
    assert!(zh.contains(r#"<html lang="zh-CN">"#), "{zh}");
    assert!(zh.contains("用户名") && zh.contains("登录"), "{zh}");

    let en = browser.client.get(app.url("/login")).header(ACCEPT_LANGUAGE, "en-US,en;q=0.9").send().await.unwrap();
    let en = en.text().await.unwrap();
    assert!(en.contains(r#"<html lang="en">"#), "{en}");
    assert!(en.contains("User name") && en.contains("Sign in"), "{en}");
}

#[tokio::test]
async fn the_language_switch_sets_a_cookie_and_returns_to_the_page() {
    let app = TestApp::spawn().await;
    let browser = Browser::new(&app);
    let r = browser.client.get(app.url("/lang/en?next=/login")).header(ACCEPT_LANGUAGE, "zh-CN").send().await.unwrap();
    assert_eq!(r.url().path(), "/login");
    let page = r.text().await.unwrap();
    assert!(page.contains(r#"<html lang="en">"#), "{page}");
    // Links elsewhere are not followed.
    let r = Browser::stopping_at_redirects(&app).get("/lang/en?next=//evil.example").await;
    assert_eq!(r.headers()[LOCATION], "/");
}

#[tokio::test]
async fn signing_in_through_the_form_sets_the_session_cookie_and_shows_the_home_page() {
    let app = TestApp::spawn().await;
    app.user("admin", "admin", &[]).await;
    let browser = Browser::stopping_at_redirects(&app);
    let page = browser.get_text("/login").await;
    let r = browser
        .post("/login", &[("csrf", &csrf_of(&page)), ("username", "admin"), ("password", PASSWORD), ("next", "/users")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/users");
    let cookie = r
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("crm_session="))
        .expect("session cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }

    let r = browser.get("/").await;
    assert!(r.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    let home = r.text().await.unwrap();
    assert!(home.contains("admin"), "{home}");
    assert!(home.contains(r#"action="/logout""#), "{home}");
}

#[tokio::test]
async fn pages_need_a_session_and_signing_out_ends_it() {
    let app = TestApp::spawn().await;
    app.user("admin", "admin", &[]).await;
    let anonymous = Browser::stopping_at_redirects(&app);
    let r = anonymous.get("/users?q=a").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/login?next=%2Fusers%3Fq%3Da");

    let browser = Browser::new(&app);
    let csrf = browser.sign_in("admin").await;
    assert_eq!(browser.get("/users").await.url().path(), "/users");
    let r = browser.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(r.url().path(), "/login");
    assert_eq!(browser.get("/users").await.url().path(), "/login");
}

#[tokio::test]
async fn wrong_passwords_frozen_users_and_throttling_are_shown_on_the_login_page() {
    let app = TestApp::spawn().await;
    app.user("admin", "admin", &[]).await;
    let east = app.division("华东").await;
    app.user("bob", "manager", &[east]).await;
    let browser = Browser::new(&app);
    let attempt = |username: &'static str, password: &'static str| {
        let browser = &browser;
        async move {
            let page = browser.get_text("/login").await;
            let form = [("csrf", csrf_of(&page)), ("username", username.into()), ("password", password.into())];
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = browser.client.post(format!("{}/login", browser.base)).header(ACCEPT_LANGUAGE, "zh-CN").form(&form);
            let r = r.send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };

    let (status, page) = attempt("admin", "wrong-password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(page.contains("用户名或密码错误"), "{page}");
    assert!(page.contains(r#"value="admin""#), "the user name is kept: {page}");

    let bob = app.get_ok("/api/v1/users?username=bob", &app.login("admin", PASSWORD).await).await;
    let bob_id = bob["items"][0]["id"].as_str().unwrap().parse().unwrap();
    let patch = crm_core::access::UserPatch { frozen: Some(true), ..Default::default() };
    access::update_user(&app.db, &Actor::system(), bob_id, None, patch).await.unwrap();
    let (status, page) = attempt("bob", PASSWORD).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("账号已冻结"), "{page}");

    for _ in 0..5 {
        attempt("admin", "wrong-password").await;
    }
    let (status, page) = attempt("admin", PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.contains("尝试次数过多"), "{page}");
}

#[tokio::test]
async fn a_post_without_or_with_a_wrong_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.user("admin", "admin", &[]).await;
    let browser = Browser::new(&app);
    let csrf = browser.sign_in("admin").await;

    let r = browser.post("/divisions", &[("name", "华东")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("表单已过期"));
    let r = browser.post("/divisions", &[("name", "华东"), ("csrf", "forged-token")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(divisions(&app).await, Vec::<String>::new());

    let r = browser.post("/divisions", &[("name", "华东"), ("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.url().path(), "/divisions");
    assert_eq!(divisions(&app).await, ["华东"]);
}

#[tokio::test]
async fn navigation_shows_users_and_roles_to_an_admin_and_hides_them_from_a_manager() {
    let app = TestApp::spawn().await;
    let east = app.division("华东").await;
    app.user("admin", "admin", &[]).await;
    app.user("bob", "manager", &[east]).await;

    let admin = Browser::new(&app);
    admin.sign_in("admin").await;
    let home = admin.get_text("/").await;
    for link in [r#"href="/users""#, r#"href="/roles""#, r#"href="/divisions""#, r#"href="/audit""#] {
        assert!(home.contains(link), "{link} in {home}");
    }

    let manager = Browser::new(&app);
    manager.sign_in("bob").await;
    let home = manager.get_text("/").await;
    for link in [r#"href="/users""#, r#"href="/roles""#, r#"href="/audit""#] {
        assert!(!home.contains(link), "{link} in {home}");
    }
    assert_eq!(manager.get("/users").await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_user_form_with_a_blank_username_is_shown_again_with_the_message_beside_the_field() {
    let app = TestApp::spawn().await;
    app.user("admin", "admin", &[]).await;
    let browser = Browser::new(&app);
    let csrf = browser.sign_in("admin").await;
    let r = browser
        .client
        .post(app.url("/users"))
        .header(ACCEPT_LANGUAGE, "zh-CN")
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", " "),
            ("display_name", "张三"),
            ("password", "long-enough-password"),
            ("roles", "manager"),
            ("locale", "zh-CN"),
            ("time_zone", "Asia/Shanghai"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains(r#"<p class="error" id="e-username">必填</p>"#), "{page}");
    assert!(page.contains(r#"value="张三""#), "the input is kept: {page}");
    assert!(!page.contains("long-enough-password"), "passwords are not echoed");
    assert!(page.contains(r#"value="manager" checked"#), "the chosen role stays chosen");
}

#[tokio::test]
async fn an_administrator_creates_edits_and_freezes_a_user_through_the_forms() {
    let app = TestApp::spawn().await;
    let east = app.division("华东").await.to_string();
    // An administrator may grant only roles within their own rights: not the business roles.
    app.user("admin", "admin", &[]).await;
    let browser = Browser::new(&app);
    let csrf = browser.sign_in("admin").await;
    let r = browser
        .post(
            "/users",
            &[
                ("csrf", &csrf),
                ("username", "zhang.san"),
                ("display_name", "张三"),
                ("password", PASSWORD),
                ("roles", "division_admin"),
                ("division_ids", &east),
                ("locale", "zh-CN"),
                ("time_zone", "Asia/Shanghai"),
            ],
        )
        .await;
    let (status, user_path) = (r.status(), r.url().path().to_string());
    let page = r.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(user_path.starts_with("/users/"), "{user_path}");
    let version = page.split(r#"name="version" value=""#).nth(1).unwrap().split('"').next().unwrap().to_string();

    let r = browser
        .post(
            &user_path,
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("display_name", "张三丰"),
                ("roles", "division_admin"),
                ("division_ids", &east),
                ("locale", "zh-CN"),
                ("time_zone", "Asia/Beijing"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "no such time zone");
    assert!(r.text().await.unwrap().contains(r#"id="e-time_zone""#));

    let edit = [
        ("csrf", csrf.as_str()),
        ("version", version.as_str()),
        ("display_name", "张三丰"),
        ("roles", "division_admin"),
        ("division_ids", east.as_str()),
        ("locale", "zh-CN"),
        ("time_zone", "Europe/London"),
    ];
    assert_eq!(browser.post(&user_path, &edit).await.status(), StatusCode::OK);
    let r = browser.post(&user_path, &edit).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "the second save of the same version is stale");

    browser.post(&format!("{user_path}/freeze"), &[("csrf", &csrf), ("frozen", "true")]).await;
    let list = browser.get_text("/users?status=frozen").await;
    assert!(list.contains("zhang.san") && list.contains("张三丰"), "{list}");
    let audit = browser.get_text("/audit?entity=users").await;
    assert!(audit.contains("张三丰") && audit.contains("Europe/London"), "{audit}");
}

#[tokio::test]
async fn a_role_is_created_with_its_permission_grid() {
    let app = TestApp::spawn().await;
    app.user("admin", "admin", &[]).await;
    let browser = Browser::new(&app);
    let csrf = browser.sign_in("admin").await;
    let form = browser.get_text("/roles/new").await;
    assert!(form.contains(r#"value="customers.view""#), "{form}");
    let r = browser
        .post(
            "/roles",
            &[
                ("csrf", &csrf),
                ("code", "key_account"),
                ("name", "大客户经理"),
                ("data_scope", "division"),
                ("permissions", "customers.view"),
                ("permissions", "customers.edit"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains(r#"客户 · 修改" checked"#), "the grid shows the saved permissions: {page}");
    let roles = access::list_roles(&app.db, &Actor::system(), &ListRequest::first("code", 100)).await.unwrap();
    let role = roles.items.iter().find(|r| r.code == "key_account").unwrap();
    assert_eq!(role.permissions.len(), 2);
    assert!(role.permissions.iter().all(|p| p.module == Module::Customers));
}

#[tokio::test]
async fn my_account_checks_the_time_zone_and_shows_times_in_it() {
    let app = TestApp::spawn().await;
    app.user("admin", "admin", &[]).await;
    let browser = Browser::new(&app);
    let csrf = browser.sign_in("admin").await;
    let r = browser
        .post("/account", &[("csrf", &csrf), ("display_name", ""), ("locale", "en"), ("time_zone", "Mars/Olympus")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains(r#"id="e-time_zone""#));

    let r = browser
        .post("/account", &[("csrf", &csrf), ("display_name", "管理员"), ("locale", "en"), ("time_zone", "UTC")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains(r#"<html lang="en">"#), "the chosen language applies at once: {page}");
    assert!(page.contains(r#"value="UTC""#), "{page}");
}

#[tokio::test]
async fn the_setup_link_creates_the_first_admin_once_and_is_refused_afterwards() {
    let app = TestApp::spawn().await;
    let token = access::issue_setup_token(&app.db).await.unwrap().unwrap();
    let browser = Browser::new(&app);
    let page = browser.get_text(&format!("/setup?token={token}")).await;
    let form = [
        ("csrf", csrf_of(&page)),
        ("token", token.clone()),
        ("username", "root".to_string()),
        ("password", PASSWORD.to_string()),
        ("password_again", PASSWORD.to_string()),
        ("time_zone", "Asia/Shanghai".to_string()),
    ];
    let r = browser.client.post(app.url("/setup")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.url().path(), "/login");

    assert_eq!(browser.get(&format!("/setup?token={token}")).await.status(), StatusCode::NOT_FOUND);
    let again: Vec<_> =
        form.iter().map(|(k, v)| (*k, if *k == "username" { "intruder".to_string() } else { v.clone() })).collect();
    let r = browser.client.post(app.url("/setup")).form(&again).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let users = access::list_users(&app.db, &Actor::system(), &ListRequest::first("username", 10)).await.unwrap();
    let names: Vec<_> = users.items.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names, ["root"]);
    browser.sign_in("root").await;
}

#[tokio::test]
async fn pages_declare_the_viewport_for_phones() {
    let app = TestApp::spawn().await;
    app.user("admin", "admin", &[]).await;
    let browser = Browser::new(&app);
    let viewport = r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#;
    assert!(browser.get_text("/login").await.contains(viewport));
    browser.sign_in("admin").await;
    for path in ["/", "/users", "/users/new", "/roles", "/divisions", "/audit", "/account"] {
        assert!(browser.get_text(path).await.contains(viewport), "{path}");
    }
}

#[tokio::test]
async fn an_unknown_page_gives_the_html_404_page() {
    let app = TestApp::spawn().await;
    let r = Browser::new(&app).client.get(app.url("/no/such/page")).header(ACCEPT_LANGUAGE, "en").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    let page = r.text().await.unwrap();
    assert!(page.contains("404") && page.contains("Not found"), "{page}");
}

#[tokio::test]
async fn assets_are_served_with_a_long_cache_lifetime() {
    let app = TestApp::spawn().await;
    let browser = Browser::new(&app);
    let page = browser.get_text("/login").await;
    let css = page.split(r#"<link rel="stylesheet" href=""#).nth(1).unwrap().split('"').next().unwrap();
    let r = browser.get(css).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[CONTENT_TYPE], "text/css; charset=utf-8");
    assert!(r.headers()[CACHE_CONTROL].to_str().unwrap().contains("max-age=31536000"));
    assert!(r.text().await.unwrap().contains("@media"));
    for asset in ["/assets/app.js", "/assets/icon.svg"] {
        assert_eq!(browser.get(asset).await.status(), StatusCode::OK, "{asset}");
    }
    assert_eq!(browser.get("/assets/secret.txt").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn dictionary_entries_are_listed_by_kind_created_disabled_and_deleted() {
    let app = TestApp::spawn().await;
    app.user("admin", "admin", &[]).await;
    let browser = Browser::new(&app);
    let csrf = browser.sign_in("admin").await;
    let levels = browser.get_text("/dictionary?kind=customer_level").await;
    assert!(levels.contains("大客户") && levels.contains("系统内置"), "{levels}");
    let regions = browser.get_text("/dictionary?kind=region").await;
    assert!(regions.contains("parent_id="), "regions open onto their cities: {regions}");

    let r = browser
        .post("/dictionary", &[("csrf", &csrf), ("kind", "industry"), ("label", "半导体"), ("position", "x")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains(r#"id="e-position""#));
    let r = browser
        .post("/dictionary", &[("csrf", &csrf), ("kind", "industry"), ("label", "半导体"), ("enabled", "true")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.url().query().unwrap_or_default().contains("kind=industry"));
    let page = r.text().await.unwrap();
    let id = page.split("/dictionary/").find_map(|rest| {
        let (id, after) = rest.split_once('"')?;
        after.starts_with(">半导体").then(|| id.to_string())
    });
    let id = id.expect("the new entry is listed");

    let (system, entry_id) = (Actor::system(), id.parse().unwrap());
    browser.post(&format!("/dictionary/{id}/enabled"), &[("csrf", &csrf), ("enabled", "false")]).await;
    let entry = crm_core::base_data::actions::get_dictionary_entry(&app.db, &system, entry_id).await;
    assert!(!entry.unwrap().enabled);
    let r = browser.post(&format!("/dictionary/{id}/delete"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let entry = crm_core::base_data::actions::get_dictionary_entry(&app.db, &system, entry_id).await;
    assert!(entry.is_err(), "deleted");

    // A built-in entry stays, with the reason.
    let req = ListRequest::parse(Default::default(), vec![("kind".into(), "customer_level".into())]).unwrap();
    let levels = crm_core::base_data::actions::list_dictionary_entries(&app.db, &system, &req).await.unwrap();
    let locked = levels.items[0].id;
    let r = browser.post(&format!("/dictionary/{locked}/delete"), &[("csrf", &csrf)]).await;
    assert_eq!(r.url().path(), format!("/dictionary/{locked}"));
    assert!(r.text().await.unwrap().contains("系统内置条目不能删除"));
}

#[tokio::test]
async fn products_and_their_stock_are_kept_through_the_forms() {
    let app = TestApp::spawn().await;
    let east = app.division("华东").await.to_string();
    app.user("admin", "admin", &[]).await;
    let browser = Browser::new(&app);
    let csrf = browser.sign_in("admin").await;

    let product =
        [("csrf", csrf.as_str()), ("name", "服务器"), ("model", "X1"), ("price", "12800"), ("enabled", "true")];
    let bad: Vec<_> = product.iter().map(|(k, v)| (*k, if *k == "price" { "很贵" } else { v })).collect();
    let r = browser.post("/products", &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains(r#"id="e-price""#) && page.contains(r#"value="服务器""#), "{page}");

    let r = browser.post("/products", &product).await;
    assert_eq!(r.status(), StatusCode::OK);
    let list = r.text().await.unwrap();
    assert!(list.contains("12,800.00 CNY"), "{list}");
    let product_id = list.split("/inventory?product_id=").nth(1).unwrap().split('"').next().unwrap().to_string();

    let r = browser
        .post(
            "/inventory",
            &[
                ("csrf", &csrf),
                ("product_id", &product_id),
                ("division_id", &east),
                ("warehouse", "上海仓"),
                ("location", "A-01"),
                ("quantity", "120"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let stock = browser.get_text(&format!("/inventory?product_id={product_id}")).await;
    assert!(stock.contains("上海仓") && stock.contains(">120<") && stock.contains("华东"), "{stock}");
}

#[tokio::test]
async fn numbering_rules_are_changed_per_record_type() {
    let app = TestApp::spawn().await;
    app.user("admin", "admin", &[]).await;
    let browser = Browser::new(&app);
    let csrf = browser.sign_in("admin").await;
    let page = browser.get_text("/numbering").await;
    assert!(page.contains("客户编号") && page.contains("<code>KH"), "{page}");
    let version = page.split(r#"name="version" value=""#).nth(1).unwrap().split('"').next().unwrap().to_string();

    let form = [("csrf", csrf.as_str()), ("version", &version), ("prefix", "C-"), ("date_format", "%Y"), ("width", "")];
    let r = browser.post("/numbering/customer", &form).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains(r#"id="e-customerwidth""#) && page.contains(r#"value="C-""#), "{page}");

    let form =
        [("csrf", csrf.as_str()), ("version", &version), ("prefix", "C-"), ("date_format", "%Y"), ("width", "5")];
    let page = browser.post("/numbering/customer", &form).await.text().await.unwrap();
    let year = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).format("%Y").to_string();
    assert!(page.contains(&format!("<code>C-{year}00001</code>")), "{page}");
}
