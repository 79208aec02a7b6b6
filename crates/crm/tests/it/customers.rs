//! Customers through the real server (CUS-1..8, CUS-10, INT-6): records, scope by division and
//! owner, lists and search, contacts and vCards, interactions and attachments, orders,
//! duplicates and merge, assignment and sharing, the 360 view.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// Two divisions with their people: a director and two account managers in 华东, an account
/// manager in 华北, and an executive over both.
struct World {
    app: TestApp,
    east: String,
    director: String,
    manager: String,
    colleague: String,
    north_manager: String,
    executive: String,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let east = app.division("华东").await;
    let north = app.division("华北").await;
    let director = app.user("dongfang", "director", &[east]).await;
    let manager = app.user("wangwei", "manager", &[east]).await;
    let colleague = app.user("liming", "manager", &[east]).await;
    let north_manager = app.user("zhaolei", "manager", &[north]).await;
    let executive = app.user("boss", "executive", &[]).await;
    World { app, east: east.to_string(), director, manager, colleague, north_manager, executive }
}

fn ids(page: &Value) -> Vec<&str> {
    page["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect()
}

fn names(page: &Value) -> Vec<&str> {
    page["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect()
}

async fn problem(r: reqwest::Response, status: StatusCode) -> Value {
    let actual = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(actual, status, "{body}");
    body
}

fn error_fields(problem: &Value) -> Vec<(&str, &str)> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect()
}

async fn get_with(app: &TestApp, path: &str, token: &str, accept: &str) -> reqwest::Response {
    app.client.get(app.url(path)).bearer_auth(token).header("Accept", accept).send().await.unwrap()
}

// ---- CUS-1: the record ----------------------------------------------------------------------

#[tokio::test]
async fn a_customer_is_created_with_every_field_numbered_and_shown_with_dictionary_labels() {
    let w = world().await;
    let app = &w.app;
    let level = app.dictionary_entry(&w.manager, "customer_level", "大客户").await;
    let region = app.dictionary_entry(&w.manager, "region", "深圳市").await;
    let industry = app.dictionary_entry(&w.manager, "industry", "信息技术").await;
    let body = json!({
        "name": "深圳华为技术有限公司", "status": "active", "level_id": level, "region_id": region,
        "industry_id": industry, "size": "large", "lifecycle_stage": "stability", "satisfaction": 4, "credit": 5,
        "phone": "0755-2878 0808", "fax": "0755-2878 0809", "website": "https://www.huawei.com",
        "address": "深圳市龙岗区坂田华为基地", "postcode": "518129", "tax_number": "914403001922038216",
        "licence_number": "440301103097413", "legal_representative": "赵明路", "registered_capital": "4104113.182",
        "annual_turnover": "704174000000.00", "bank": "招商银行深圳分行", "bank_account": "755900000000001",
        "tags": ["战略", "ICT", "战略"], "notes": "重点客户\n每季度拜访"
    });
    let r = app.post_json("/api/v1/customers", Some(&w.manager), &body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(r.headers()["etag"], "\"1\"");
    let c: Value = r.json().await.unwrap();
    let today = chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap());
    assert_eq!(c["number"], format!("KH{}0001", today.format("%Y%m%d")));
    assert_eq!(c["division_id"], w.east);
    assert_eq!(c["division"]["label"], "华东");
    assert_eq!(c["owner_id"], app.user_id("wangwei").await);
    assert_eq!(c["owner"]["label"], "wangwei");
    assert_eq!(c["level"], json!({"id": level, "label": "大客户"}));
    assert_eq!(c["region"]["label"], "深圳市");
    assert_eq!(c["industry"]["label"], "信息技术");
    assert_eq!((c["status"].as_str(), c["size"].as_str()), (Some("active"), Some("large")));
    assert_eq!((c["satisfaction"].as_i64(), c["credit"].as_i64()), (Some(4), Some(5)));
    assert_eq!(c["registered_capital"], "4104113.182");
    assert_eq!(c["annual_turnover"], "704174000000.00");
    assert_eq!(c["tags"], json!(["ICT", "战略"]));
    assert_eq!(c["notes"], "重点客户\n每季度拜访");
    assert_eq!(app.get_ok(&location, &w.manager).await, c);
    // The global search reads the labels its own way (CUS-6); its hit is the same record.
    let found = app.get_ok("/api/v1/search?q=华为技术", &w.manager).await;
    assert_eq!(found["customers"], json!([c]));

    // The next customer takes the next number; a prospect is the default status.
    let second = app.create_customer(&w.manager, &json!({"name": "上海贝尔"})).await;
    assert_eq!(second["number"], format!("KH{}0002", today.format("%Y%m%d")));
    assert_eq!(second["status"], "prospect");
}

#[tokio::test]
async fn bad_customer_input_names_every_field() {
    let w = world().await;
    let app = &w.app;
    let region = app.dictionary_entry(&w.manager, "region", "广东省").await;
    let body = json!({
        "name": " ", "status": "vip", "satisfaction": 9, "registered_capital": "12.345678", "level_id": region,
        "region_id": "0190c3a4-0000-7000-8000-000000000000"
    });
    let r = app.post_json("/api/v1/customers", Some(&w.manager), &body).await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        error_fields(&p),
        [
            ("name", "required"),
            ("status", "invalid_choice"),
            ("satisfaction", "out_of_range"),
            ("registered_capital", "out_of_range")
        ]
    );
    let r = app.post_json("/api/v1/customers", Some(&w.manager), &json!({"name": "甲", "level_id": region})).await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error_fields(&p), [("level_id", "wrong_kind")]);
    let r = app.post_json("/api/v1/customers", Some(&w.manager), &json!({"name": "甲", "satisfaction": "high"})).await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(p["errors"][0]["field"], "satisfaction");
    let r = app
        .client
        .post(app.url("/api/v1/customers"))
        .bearer_auth(&w.manager)
        .header("Content-Type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::BAD_REQUEST).await;
    // An executive reads and assigns but does not create; a stranger's division is unknown.
    let r = app.post_json("/api/v1/customers", Some(&w.executive), &json!({"name": "甲"})).await;
    problem(r, StatusCode::FORBIDDEN).await;
    let r = app
        .post_json(
            "/api/v1/customers",
            Some(&w.director),
            &json!({"name": "甲", "division_id": "0190c3a4-0000-7000-8000-000000000000"}),
        )
        .await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error_fields(&p), [("division_id", "unknown_division")]);
    // A manager cannot hand a new customer to someone else.
    let li = app.user_id("liming").await;
    let r = app.post_json("/api/v1/customers", Some(&w.manager), &json!({"name": "甲", "owner_id": li})).await;
    problem(r, StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn a_stale_edit_is_refused_with_412_and_every_change_is_audited_with_old_and_new_values() {
    let w = world().await;
    let app = &w.app;
    let c = app
        .create_customer(&w.manager, &json!({"name": "杭州娃哈哈", "phone": "0571-1234567", "tags": ["饮料"]}))
        .await;
    let path = format!("/api/v1/customers/{}", c["id"].as_str().unwrap());

    let r = app.patch_json(&path, &w.manager, Some("\"1\""), &json!({"name": "杭州娃哈哈集团", "phone": null})).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["etag"], "\"2\"");
    let updated: Value = r.json().await.unwrap();
    assert_eq!((updated["name"].as_str(), updated["phone"].as_str()), (Some("杭州娃哈哈集团"), None));
    assert_eq!(updated["tags"], json!(["饮料"]));

    let r = app.patch_json(&path, &w.colleague, Some("\"2\""), &json!({"notes": "不是我的"})).await;
    problem(r, StatusCode::NOT_FOUND).await;
    let r = app.patch_json(&path, &w.director, Some("\"1\""), &json!({"notes": "旧版本"})).await;
    problem(r, StatusCode::PRECONDITION_FAILED).await;
    let r = app.patch_json(&path, &w.director, None, &json!({"owner_id": null})).await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error_fields(&p), [("owner_id", "unknown_field")]);

    let log = app.get_ok(&format!("{path}/audit-log"), &w.manager).await;
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["update", "create"]);
    assert_eq!(log["items"][0]["old_values"], json!({"name": "杭州娃哈哈", "phone": "0571-1234567"}));
    assert_eq!(log["items"][0]["new_values"], json!({"name": "杭州娃哈哈集团", "phone": null}));
    assert_eq!(log["items"][0]["division_id"], w.east);
    assert_eq!(log["items"][1]["new_values"]["tags"], json!(["饮料"]));

    // Only directors and above delete; the record and its audit trail's subject are gone.
    problem(app.delete(&path, &w.manager).await, StatusCode::FORBIDDEN).await;
    assert_eq!(app.delete(&path, &w.director).await.status(), StatusCode::NO_CONTENT);
    problem(app.get(&path, Some(&w.director)).await, StatusCode::NOT_FOUND).await;
}

// ---- ACL-2, ACL-3: scope --------------------------------------------------------------------

#[tokio::test]
async fn a_manager_of_one_division_never_sees_another_divisions_customers() {
    let w = world().await;
    let app = &w.app;
    let east = app.create_customer(&w.manager, &json!({"name": "华东电器", "phone": "021-5555 0001"})).await;
    let north = app.create_customer(&w.north_manager, &json!({"name": "华北电器", "phone": "010-5555 0002"})).await;
    app.created(
        "/api/v1/contacts",
        &w.north_manager,
        &json!({"customer_id": north["id"], "name": "北方联系人", "mobile": "13900000002"}),
    )
    .await;
    let north_path = format!("/api/v1/customers/{}", north["id"].as_str().unwrap());

    for path in [
        north_path.clone(),
        format!("{north_path}/overview"),
        format!("{north_path}/contacts"),
        format!("{north_path}/audit-log"),
        format!("{north_path}/contacts.vcf"),
    ] {
        problem(app.get(&path, Some(&w.manager)).await, StatusCode::NOT_FOUND).await;
        problem(app.get(&path, Some(&w.director)).await, StatusCode::NOT_FOUND).await;
    }
    let list = app.get_ok("/api/v1/customers?count=true", &w.director).await;
    assert_eq!((ids(&list), list["total"].as_i64()), (vec![east["id"].as_str().unwrap()], Some(1)));
    let found = app.get_ok("/api/v1/customers?q=电器&count=true", &w.director).await;
    assert_eq!((names(&found), found["total"].as_i64()), (vec!["华东电器"], Some(1)));
    let search = app.get_ok("/api/v1/search?q=电器", &w.director).await;
    assert_eq!(search["customers"].as_array().unwrap().len(), 1);
    let search = app.get_ok("/api/v1/search?q=联系人", &w.director).await;
    assert_eq!(search["contacts"], json!([]));
    let lookup = app.get_ok("/api/v1/lookup/phone/010-5555-0002", &w.director).await;
    assert_eq!((lookup["customers"].clone(), lookup["contacts"].clone()), (json!([]), json!([])));
    let lookup = app.get_ok("/api/v1/lookup/phone/13900000002", &w.manager).await;
    assert_eq!(lookup["contacts"], json!([]));
    let csv = get_with(app, "/api/v1/customers", &w.director, "text/csv").await.text().await.unwrap();
    assert!(csv.contains("华东电器") && !csv.contains("华北电器"), "{csv}");
    let r = app
        .post_json(
            &format!("/api/v1/customers/{}/merge", east["id"].as_str().unwrap()),
            Some(&w.director),
            &json!({"from_id": north["id"]}),
        )
        .await;
    problem(r, StatusCode::NOT_FOUND).await;
    let r = app.post_json(&format!("{north_path}/merge"), Some(&w.director), &json!({"from_id": east["id"]})).await;
    problem(r, StatusCode::NOT_FOUND).await;
    let r = app
        .post_json(
            "/api/v1/interactions",
            Some(&w.manager),
            &json!({
                "customer_id": north["id"], "occurred_at": "2026-03-01T10:00:00+08:00", "summary": "越界"
            }),
        )
        .await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error_fields(&p), [("customer_id", "not_found")]);

    // The executive sees both divisions.
    let all = app.get_ok("/api/v1/customers?count=true", &w.executive).await;
    assert_eq!(all["total"], 2);
    app.get_ok(&format!("{north_path}/overview"), &w.executive).await;
}

#[tokio::test]
async fn an_own_scope_manager_sees_the_customers_they_own_and_those_shared_with_them() {
    let w = world().await;
    let app = &w.app;
    let mine = app.create_customer(&w.manager, &json!({"name": "王的客户"})).await;
    let theirs = app.create_customer(&w.colleague, &json!({"name": "李的客户"})).await;
    let theirs_path = format!("/api/v1/customers/{}", theirs["id"].as_str().unwrap());

    let page = app.get_ok("/api/v1/customers?count=true", &w.manager).await;
    assert_eq!((names(&page), page["total"].as_i64()), (vec!["王的客户"], Some(1)));
    problem(app.get(&theirs_path, Some(&w.manager)).await, StatusCode::NOT_FOUND).await;
    let division = app.get_ok("/api/v1/customers?count=true", &w.director).await;
    assert_eq!(division["total"], 2);

    // 李 shares the customer with 王, who then reads and edits it like its owner.
    let wang = app.user_id("wangwei").await;
    let r = app.post_json(&format!("{theirs_path}/shares"), Some(&w.colleague), &json!({"user_id": wang})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let shares = app.get_ok(&format!("{theirs_path}/shares"), &w.colleague).await;
    assert_eq!(shares[0]["user"]["label"], "wangwei");
    let page = app.get_ok("/api/v1/customers?sort=name&count=true", &w.manager).await;
    assert_eq!((page["total"].as_i64(), names(&page)), (Some(2), vec!["李的客户", "王的客户"]));
    let r = app.patch_json(&theirs_path, &w.manager, None, &json!({"notes": "共享后可编辑"})).await;
    assert_eq!(r.status(), StatusCode::OK);
    // A user of another division cannot be given a share.
    let zhao = app.user_id("zhaolei").await;
    let r = app.post_json(&format!("{theirs_path}/shares"), Some(&w.colleague), &json!({"user_id": zhao})).await;
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error_fields(&p), [("user_id", "not_in_division")]);

    let r = app.delete(&format!("{theirs_path}/shares/{wang}"), &w.colleague).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    problem(app.get(&theirs_path, Some(&w.manager)).await, StatusCode::NOT_FOUND).await;
    app.get_ok(&format!("/api/v1/customers/{}", mine["id"].as_str().unwrap()), &w.manager).await;
}

// ---- CUS-6: lists, search, saved filters, bulk actions --------------------------------------

#[tokio::test]
async fn lists_filter_by_any_field_sort_and_page_with_a_cursor() {
    let w = world().await;
    let app = &w.app;
    let major = app.dictionary_entry(&w.director, "customer_level", "大客户").await;
    let guangdong = app.dictionary_entry(&w.director, "region", "广东省").await;
    let shenzhen = app.dictionary_entry(&w.director, "region", "深圳市").await;
    let wang = app.user_id("wangwei").await;
    let li = app.user_id("liming").await;
    for (name, level, region, owner, tags, status) in [
        ("甲公司", Some(&major), Some(&shenzhen), &wang, vec!["重点"], "active"),
        ("乙公司", None, Some(&guangdong), &wang, vec![], "prospect"),
        ("丙公司", Some(&major), None, &li, vec!["重点", "华南"], "active"),
        ("丁公司", None, None, &li, vec![], "lost"),
        ("戊公司", None, Some(&shenzhen), &wang, vec!["华南"], "active"),
    ] {
        let body = json!({"name": name, "level_id": level, "region_id": region, "owner_id": owner, "tags": tags, "status": status});
        app.create_customer(&w.director, &body).await;
    }
    let director = &w.director;
    let get = |query: &str| {
        let path = format!("/api/v1/customers?{query}");
        async move { app.get_ok(&path, director).await }
    };
    assert_eq!(names(&get(&format!("level_id={major}&sort=name")).await), ["丙公司", "甲公司"]);
    // A province finds the customers of its cities too.
    assert_eq!(names(&get(&format!("region_id={guangdong}&sort=name")).await), ["乙公司", "戊公司", "甲公司"]);
    assert_eq!(names(&get(&format!("region_id={shenzhen}&sort=-name")).await), ["甲公司", "戊公司"]);
    // A customer moved to another province's city leaves the first province's list for the other.
    let zhejiang = app.dictionary_entry(director, "region", "浙江省").await;
    let hangzhou = app.dictionary_entry(director, "region", "杭州市").await;
    let jia = &get("q=甲公司").await["items"][0];
    let path = format!("/api/v1/customers/{}", jia["id"].as_str().unwrap());
    let r = app.patch_json(&path, director, Some("\"1\""), &json!({"region_id": hangzhou})).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(names(&get(&format!("region_id={guangdong}&sort=name")).await), ["乙公司", "戊公司"]);
    assert_eq!(names(&get(&format!("region_id={zhejiang}&sort=name")).await), ["甲公司"]);
    assert_eq!(names(&get(&format!("region_id={hangzhou}&sort=name")).await), ["甲公司"]);
    assert_eq!(names(&get(&format!("region_id={shenzhen}&sort=name")).await), ["戊公司"]);
    assert_eq!(names(&get(&format!("owner_id={li}&sort=name")).await), ["丁公司", "丙公司"]);
    assert_eq!(names(&get("tag=重点&status=active&sort=name").await), ["丙公司", "甲公司"]);
    assert_eq!(get("status=lost&count=true").await["total"], 1);
    let p = problem(app.get("/api/v1/customers?colour=red", Some(&w.director)).await, StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(error_fields(&p), [("colour", "unknown_filter")]);
    let p =
        problem(app.get("/api/v1/customers?sort=fax", Some(&w.director)).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error_fields(&p), [("sort", "not_sortable")]);

    // Keyset pages in creation order, newest first by default.
    let first = get("limit=2&count=true").await;
    assert_eq!((names(&first), first["total"].as_i64()), (vec!["戊公司", "丁公司"], Some(5)));
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = get(&format!("limit=2&cursor={cursor}")).await;
    assert_eq!(names(&second), ["丙公司", "乙公司"]);
    let third = get(&format!("limit=2&cursor={}", second["next_cursor"].as_str().unwrap())).await;
    assert_eq!((names(&third), third["next_cursor"].clone()), (vec!["甲公司"], Value::Null));
    let by_number = get("sort=number&limit=5").await;
    assert_eq!(names(&by_number), ["甲公司", "乙公司", "丙公司", "丁公司", "戊公司"]);
    let selection =
        format!("ids={},{}", first["items"][0]["id"].as_str().unwrap(), third["items"][0]["id"].as_str().unwrap());
    assert_eq!(names(&get(&format!("{selection}&sort=name")).await), ["戊公司", "甲公司"]);

    // CSV: one flat row per customer, labels instead of ids.
    let r = get_with(app, &format!("/api/v1/customers?{selection}&sort=name"), &w.director, "text/csv").await;
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("id,number,name,division,owner,status,level,region"), "{csv}");
    assert!(lines[2].contains("甲公司") && lines[2].contains("大客户") && lines[2].contains("杭州市"), "{csv}");
}

#[tokio::test]
async fn search_finds_chinese_of_one_two_and_more_characters_and_english_words() {
    let w = world().await;
    let app = &w.app;
    let huawei =
        app.create_customer(&w.manager, &json!({"name": "深圳华为技术有限公司", "phone": "0755-28780808"})).await;
    let acme = app.create_customer(&w.manager, &json!({"name": "Acme Trading Co., Ltd."})).await;
    app.create_customer(&w.manager, &json!({"name": "上海贝尔股份有限公司"})).await;
    app.created(
        "/api/v1/contacts",
        &w.manager,
        &json!({"customer_id": acme["id"], "name": "欧阳娜娜", "email": "nana.ouyang@acme.example", "mobile": "139 1234 5678"}),
    )
    .await;
    let manager = &w.manager;
    let find = |q: &str| {
        let path = format!("/api/v1/customers?q={}&sort=name", urlencode(q));
        async move { names(&app.get_ok(&path, manager).await).into_iter().map(str::to_string).collect::<Vec<_>>() }
    };
    assert_eq!(find("华").await, ["深圳华为技术有限公司"]);
    assert_eq!(find("华为").await, ["深圳华为技术有限公司"]);
    assert_eq!(find("华为技术").await, ["深圳华为技术有限公司"]);
    assert_eq!(find("有限公司").await, ["上海贝尔股份有限公司", "深圳华为技术有限公司"]);
    assert_eq!(find("acme").await, ["Acme Trading Co., Ltd."]);
    assert_eq!(find("TRADING acme").await, ["Acme Trading Co., Ltd."]);
    assert_eq!(find(huawei["number"].as_str().unwrap()).await, ["深圳华为技术有限公司"]);
    assert_eq!(find("0755-2878 0808").await, ["深圳华为技术有限公司"]);
    // Contacts' names, phones and e-mails find their customer.
    assert_eq!(find("娜娜").await, ["Acme Trading Co., Ltd."]);
    assert_eq!(find("13912345678").await, ["Acme Trading Co., Ltd."]);
    assert_eq!(find("nana.ouyang@acme.example").await, ["Acme Trading Co., Ltd."]);
    for absent in ["腾讯", "华为腾", "globex", "为华", "。"] {
        assert!(find(absent).await.is_empty(), "{absent}");
    }
    // Edits are searchable at once, and the old name no longer is.
    let path = format!("/api/v1/customers/{}", huawei["id"].as_str().unwrap());
    assert_eq!(app.patch_json(&path, &w.manager, None, &json!({"name": "华为终端"})).await.status(), StatusCode::OK);
    assert_eq!(find("终端").await, ["华为终端"]);
    assert!(find("深圳").await.is_empty());

    let both = app.get_ok("/api/v1/search?q=娜娜", &w.manager).await;
    assert_eq!(both["customers"][0]["name"], "Acme Trading Co., Ltd.");
    assert_eq!(both["contacts"][0]["name"], "欧阳娜娜");
    assert_eq!(both["contacts"][0]["customer_name"], "Acme Trading Co., Ltd.");
    let contacts = app.get_ok("/api/v1/contacts?q=ouyang", &w.manager).await;
    assert_eq!(names(&contacts), ["欧阳娜娜"]);
    // Another manager of the division finds none of it.
    assert!(app.get_ok("/api/v1/search?q=华为", &w.colleague).await["customers"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_search_page_is_the_newest_matches_when_the_newest_customers_lack_a_common_word() {
    let (url, _) = crate::helpers::fresh_database_url().await;
    let app = TestApp::spawn_on(&url).await;
    let east = app.division("华东").await;
    let manager = app.user("wangwei", "manager", &[east]).await;
    let colleague = app.user("liming", "manager", &[east]).await;
    // The word is in more customers than a page of two counts as rare (80), and behind more
    // customers without it than a page of two looks at first (50). On PostgreSQL the customers
    // without it also start three buckets of documents later, so the search walks empty
    // buckets before it finds the word.
    app.create_customer(&colleague, &json!({"name": "蓝鲸物流 0"})).await;
    for i in 0..81 {
        app.create_customer(&manager, &json!({"name": format!("蓝鲸科技 {i}")})).await;
    }
    if crate::helpers::is_postgres() {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        sqlx::query("SELECT setval(pg_get_serial_sequence('customer_search', 'doc_id'), 3 * 16384 + MAX(doc_id)) FROM customer_search")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    for i in 0..51 {
        app.create_customer(&manager, &json!({"name": format!("恒瑞贸易 {i}")})).await;
    }
    let found = |token: &str| {
        let app = &app;
        let token = token.to_string();
        async move {
            let page = app.get_ok("/api/v1/search?q=蓝鲸&limit=2", &token).await;
            page["customers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["name"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(found(&manager).await, ["蓝鲸科技 80", "蓝鲸科技 79"]);
    // Only the colleague's own customer, found behind all of the manager's.
    assert_eq!(found(&colleague).await, ["蓝鲸物流 0"]);
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn phone_lookup_finds_customers_and_contacts_however_the_number_is_written() {
    let w = world().await;
    let app = &w.app;
    let c = app.create_customer(&w.manager, &json!({"name": "北京燕京啤酒", "phone": "(010) 8888-6666"})).await;
    app.created(
        "/api/v1/contacts",
        &w.manager,
        &json!({"customer_id": c["id"], "name": "张三", "phone": "010-88886666", "mobile": "+86 138 0013 8000"}),
    )
    .await;
    let found = app.get_ok("/api/v1/lookup/phone/01088886666", &w.manager).await;
    assert_eq!(found["number"], "01088886666");
    assert_eq!(found["customers"][0]["name"], "北京燕京啤酒");
    assert_eq!(found["contacts"][0]["name"], "张三");
    // A caller on the same exchange shows up without the area code.
    let local = app.get_ok("/api/v1/lookup/phone/8888%206666", &w.manager).await;
    assert_eq!(local["customers"][0]["name"], "北京燕京啤酒");
    let mobile = app.get_ok("/api/v1/lookup/phone/008613800138000", &w.manager).await;
    assert_eq!((mobile["customers"].clone(), mobile["contacts"][0]["name"].clone()), (json!([]), json!("张三")));
    let nothing = app.get_ok("/api/v1/lookup/phone/13900000000", &w.manager).await;
    assert_eq!((nothing["customers"].clone(), nothing["contacts"].clone()), (json!([]), json!([])));
    let p =
        problem(app.get("/api/v1/lookup/phone/abc", Some(&w.manager)).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error_fields(&p), [("number", "invalid_phone")]);
    // The colleague next door does not own the customer.
    let hidden = app.get_ok("/api/v1/lookup/phone/01088886666", &w.colleague).await;
    assert_eq!((hidden["customers"].clone(), hidden["contacts"].clone()), (json!([]), json!([])));
}

#[tokio::test]
async fn saved_filters_belong_to_their_user() {
    let w = world().await;
    let app = &w.app;
    let f = app
        .created("/api/v1/saved-filters", &w.manager, &json!({"name": "重点客户", "query": "?tag=重点&status=active"}))
        .await;
    assert_eq!(f["query"], "tag=重点&status=active");
    let r =
        app.post_json("/api/v1/saved-filters", Some(&w.manager), &json!({"name": "重点客户", "query": "x=1"})).await;
    let p = problem(r, StatusCode::CONFLICT).await;
    assert_eq!(p["errors"][0]["field"], "name");
    app.created("/api/v1/saved-filters", &w.colleague, &json!({"name": "重点客户", "query": "tag=重点"})).await;
    assert_eq!(names(&app.get_ok("/api/v1/saved-filters", &w.manager).await), ["重点客户"]);
    let path = format!("/api/v1/saved-filters/{}", f["id"].as_str().unwrap());
    problem(app.delete(&path, &w.colleague).await, StatusCode::NOT_FOUND).await;
    assert_eq!(app.delete(&path, &w.manager).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get_ok("/api/v1/saved-filters", &w.manager).await["items"], json!([]));
    let r = app.post_json("/api/v1/saved-filters", Some(&w.manager), &json!({"name": ""})).await;
    assert_eq!(error_fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), [("name", "required")]);
}

#[tokio::test]
async fn bulk_assign_and_tag_check_every_id_against_the_scope() {
    let w = world().await;
    let app = &w.app;
    let a = app.create_customer(&w.manager, &json!({"name": "客户甲"})).await;
    let b = app.create_customer(&w.manager, &json!({"name": "客户乙"})).await;
    let other = app.create_customer(&w.colleague, &json!({"name": "别人的客户"})).await;
    let north = app.create_customer(&w.north_manager, &json!({"name": "华北客户"})).await;
    let (a, b) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());

    let r = app
        .post_json(
            "/api/v1/customers/bulk",
            Some(&w.manager),
            &json!({"action": "add_tag", "ids": [a, b], "tag": "年会"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["updated"], 2);
    assert_eq!(names(&app.get_ok("/api/v1/customers?tag=年会&sort=name", &w.manager).await), ["客户乙", "客户甲"]);
    // One id outside the caller's scope and nothing changes.
    let r = app
        .post_json(
            "/api/v1/customers/bulk",
            Some(&w.manager),
            &json!({"action": "add_tag", "ids": [a, other["id"]], "tag": "x"}),
        )
        .await;
    assert_eq!(error_fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), [("ids", "not_found")]);
    assert_eq!(app.get_ok("/api/v1/customers?tag=x&count=true", &w.director).await["total"], 0);
    // Assigning needs the assign right, and the new owner must work in the division.
    let li = app.user_id("liming").await;
    let assign = json!({"action": "assign", "ids": [a, b], "owner_id": li, "note": "调岗"});
    problem(app.post_json("/api/v1/customers/bulk", Some(&w.manager), &assign).await, StatusCode::FORBIDDEN).await;
    let r = app
        .post_json(
            "/api/v1/customers/bulk",
            Some(&w.director),
            &json!({"action": "assign", "ids": [a, north["id"]], "owner_id": li}),
        )
        .await;
    assert_eq!(error_fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), [("ids", "not_found")]);
    let r = app.post_json("/api/v1/customers/bulk", Some(&w.director), &assign).await;
    assert_eq!(r.json::<Value>().await.unwrap()["updated"], 2);
    assert_eq!(app.get_ok("/api/v1/customers?count=true", &w.manager).await["total"], 0);
    assert_eq!(app.get_ok("/api/v1/customers?count=true", &w.colleague).await["total"], 3);
    let history = app.get_ok(&format!("/api/v1/customers/{a}/assignments"), &w.colleague).await;
    assert_eq!(history["items"][0]["to_owner"]["label"], "liming");
    assert_eq!(history["items"][0]["from_owner"]["label"], "wangwei");
    assert_eq!(history["items"][0]["note"], "调岗");
    let r = app
        .post_json(
            "/api/v1/customers/bulk",
            Some(&w.director),
            &json!({"action": "remove_tag", "ids": [a], "tag": "年会"}),
        )
        .await;
    assert_eq!(r.json::<Value>().await.unwrap()["updated"], 1);
    let r = app.post_json("/api/v1/customers/bulk", Some(&w.director), &json!({"action": "paint", "ids": [a]})).await;
    assert_eq!(error_fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), [("action", "invalid_choice")]);
}

// ---- CUS-2, CUS-10: contacts, organisation chart, vCard ---------------------------------------

#[tokio::test]
async fn contacts_have_one_primary_and_report_within_their_customer_without_cycles() {
    let w = world().await;
    let app = &w.app;
    let c = app.create_customer(&w.manager, &json!({"name": "宁波港集团"})).await;
    let other = app.create_customer(&w.manager, &json!({"name": "舟山港"})).await;
    let manager = &w.manager;
    let contact = |body: Value| async move { app.created("/api/v1/contacts", manager, &body).await };
    let boss = contact(json!({"customer_id": c["id"], "name": "陈总", "title": "总经理", "primary": true})).await;
    assert_eq!(boss["primary"], true);
    let buyer = contact(json!({
        "customer_id": c["id"], "name": "刘采购", "gender": "female", "title": "采购经理", "reports_to_id": boss["id"],
        "phone": "0574-8765 4321", "mobile": "13600000001", "email": "liu@nbport.example", "birthday": "1985-07-01"
    }))
    .await;
    assert_eq!((buyer["birthday"].as_str(), buyer["gender"].as_str()), (Some("1985-07-01"), Some("female")));
    let clerk =
        contact(json!({"customer_id": c["id"], "name": "小王", "reports_to_id": buyer["id"], "primary": true})).await;
    // The new primary contact takes the flag from the old one.
    let boss_now = app.get_ok(&format!("/api/v1/contacts/{}", boss["id"].as_str().unwrap()), &w.manager).await;
    assert_eq!((boss_now["primary"].as_bool(), boss_now["version"].as_i64()), (Some(false), Some(2)));
    let primaries =
        app.get_ok(&format!("/api/v1/customers/{}/contacts?primary=true", c["id"].as_str().unwrap()), &w.manager).await;
    assert_eq!(names(&primaries), ["小王"]);

    // Reporting lines stay inside the customer and never loop.
    let boss_path = format!("/api/v1/contacts/{}", boss["id"].as_str().unwrap());
    let r = app.patch_json(&boss_path, &w.manager, None, &json!({"reports_to_id": clerk["id"]})).await;
    assert_eq!(
        error_fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        [("reports_to_id", "reports_to_cycle")]
    );
    let stranger = contact(json!({"customer_id": other["id"], "name": "外人"})).await;
    let r = app.patch_json(&boss_path, &w.manager, None, &json!({"reports_to_id": stranger["id"]})).await;
    assert_eq!(error_fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), [("reports_to_id", "not_found")]);
    let r = app
        .post_json(
            "/api/v1/contacts",
            Some(&w.manager),
            &json!({
                "customer_id": c["id"], "name": "", "email": "not-an-email", "birthday": "1985-02-30"
            }),
        )
        .await;
    assert_eq!(
        error_fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        [("name", "required"), ("email", "invalid_email"), ("birthday", "invalid_date")]
    );
    let r = app.patch_json(&boss_path, &w.manager, Some("\"1\""), &json!({"title": "董事长"})).await;
    problem(r, StatusCode::PRECONDITION_FAILED).await;

    let chart = app.get_ok(&format!("/api/v1/customers/{}/org-chart", c["id"].as_str().unwrap()), &w.manager).await;
    assert_eq!(chart.as_array().unwrap().len(), 1, "{chart}");
    assert_eq!(chart[0]["contact"]["name"], "陈总");
    assert_eq!(chart[0]["reports"][0]["contact"]["name"], "刘采购");
    assert_eq!(chart[0]["reports"][0]["reports"][0]["contact"]["name"], "小王");

    // Deleting a manager leaves the reports without one; only directors delete.
    let buyer_path = format!("/api/v1/contacts/{}", buyer["id"].as_str().unwrap());
    problem(app.delete(&buyer_path, &w.manager).await, StatusCode::FORBIDDEN).await;
    assert_eq!(app.delete(&buyer_path, &w.director).await.status(), StatusCode::NO_CONTENT);
    let clerk_now = app.get_ok(&format!("/api/v1/contacts/{}", clerk["id"].as_str().unwrap()), &w.manager).await;
    assert_eq!(clerk_now["reports_to_id"], Value::Null);
    assert!(app.get_ok("/api/v1/search?q=刘采购", &w.manager).await["contacts"].as_array().unwrap().is_empty());
    problem(app.get(&boss_path, Some(&w.colleague)).await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn a_contact_exports_as_a_vcard_with_escaped_chinese_text() {
    let w = world().await;
    let app = &w.app;
    let c = app.create_customer(&w.manager, &json!({"name": "北京华为, 有限公司"})).await;
    let zhang = app
        .created(
            "/api/v1/contacts",
            &w.manager,
            &json!({
                "customer_id": c["id"], "name": "欧阳娜娜", "gender": "female", "title": "采购部; 经理",
                "phone": "010-8888 6666", "mobile": "13800138000", "email": "nana@example.cn",
                "birthday": "1990-05-17", "notes": "喜欢喝茶, 不抽烟\n周一不在"
            }),
        )
        .await;
    let r =
        get_with(app, &format!("/api/v1/contacts/{}", zhang["id"].as_str().unwrap()), &w.manager, "text/vcard").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/vcard; charset=utf-8");
    let card = r.text().await.unwrap();
    let unfolded = card.replace("\r\n ", "");
    let lines: Vec<&str> = unfolded.split("\r\n").collect();
    assert_eq!(&lines[..2], ["BEGIN:VCARD", "VERSION:4.0"]);
    for expected in [
        "FN:欧阳娜娜",
        "N:欧阳;娜娜;;;",
        "GENDER:F",
        "ORG:北京华为\\, 有限公司",
        "TITLE:采购部\\; 经理",
        "TEL;TYPE=work,voice:010-8888 6666",
        "TEL;TYPE=cell:13800138000",
        "EMAIL;TYPE=work:nana@example.cn",
        "BDAY:19900517",
        "NOTE:喜欢喝茶\\, 不抽烟\\n周一不在",
    ] {
        assert!(lines.contains(&expected), "{expected} in {card}");
    }
    assert!(card.ends_with("END:VCARD\r\n"));

    app.created("/api/v1/contacts", &w.manager, &json!({"customer_id": c["id"], "name": "张三"})).await;
    let path = format!("/api/v1/customers/{}/contacts.vcf", c["id"].as_str().unwrap());
    let r = app.get(&path, Some(&w.manager)).await;
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("filename*=UTF-8''"));
    let all = r.text().await.unwrap();
    assert_eq!(all.matches("BEGIN:VCARD").count(), 2);
    let same =
        get_with(app, &format!("/api/v1/customers/{}/contacts", c["id"].as_str().unwrap()), &w.manager, "text/vcard")
            .await;
    assert_eq!(same.text().await.unwrap(), all);
    problem(app.get(&path, Some(&w.colleague)).await, StatusCode::NOT_FOUND).await;
}

// ---- CUS-3: interactions and attachments ----------------------------------------------------

async fn upload(
    app: &TestApp,
    path: &str,
    token: &str,
    file_name: &str,
    content_type: &str,
    data: Vec<u8>,
) -> reqwest::Response {
    app.client
        .post(app.url(&format!("{path}?file_name={}", urlencode(file_name))))
        .bearer_auth(token)
        .header("Content-Type", content_type)
        .body(data)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn interactions_record_visits_with_attachments_streamed_back_with_their_type() {
    let w = world().await;
    let app = &w.app;
    let c = app.create_customer(&w.manager, &json!({"name": "苏州纳米所"})).await;
    let other = app.create_customer(&w.manager, &json!({"name": "无锡物联网"})).await;
    let contact = app.created("/api/v1/contacts", &w.manager, &json!({"customer_id": c["id"], "name": "周工"})).await;
    let stranger =
        app.created("/api/v1/contacts", &w.manager, &json!({"customer_id": other["id"], "name": "吴工"})).await;
    let visit = app.dictionary_entry(&w.manager, "interaction_kind", "拜访").await;
    let level = app.dictionary_entry(&w.manager, "customer_level", "大客户").await;

    let i = app
        .created(
            "/api/v1/interactions",
            &w.manager,
            &json!({
                "customer_id": c["id"], "occurred_at": "2026-03-02T09:30:00+08:00", "kind_id": visit,
                "place": "苏州工业园区", "summary": "技术交流", "detail": "介绍新产品，对方有采购意向", "contact_id": contact["id"]
            }),
        )
        .await;
    assert_eq!(i["occurred_at"], "2026-03-02T01:30:00Z");
    assert_eq!(i["kind"]["label"], "拜访");
    assert_eq!(i["contact"], json!({"id": contact["id"], "label": "周工"}));
    assert_eq!(i["author_name"], "wangwei");
    app.created(
        "/api/v1/interactions",
        &w.manager,
        &json!({"customer_id": c["id"], "occurred_at": "2026-03-05T15:00:00+08:00", "summary": "电话回访"}),
    )
    .await;
    let r = app
        .post_json(
            "/api/v1/interactions",
            Some(&w.manager),
            &json!({"customer_id": c["id"], "occurred_at": "yesterday", "summary": "", "kind_id": level, "contact_id": stranger["id"]}),
        )
        .await;
    assert_eq!(
        error_fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        [("occurred_at", "invalid_datetime"), ("summary", "required")]
    );
    let r = app
        .post_json(
            "/api/v1/interactions",
            Some(&w.manager),
            &json!({"customer_id": c["id"], "occurred_at": "2026-03-01T00:00:00Z", "summary": "x", "kind_id": level, "contact_id": stranger["id"]}),
        )
        .await;
    assert_eq!(
        error_fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        [("kind_id", "wrong_kind"), ("contact_id", "other_customer")]
    );
    let list = app.get_ok(&format!("/api/v1/interactions?customer_id={}", c["id"].as_str().unwrap()), &w.manager).await;
    let summaries: Vec<&str> =
        list["items"].as_array().unwrap().iter().map(|i| i["summary"].as_str().unwrap()).collect();
    assert_eq!(summaries, ["电话回访", "技术交流"]);
    let i_path = format!("/api/v1/interactions/{}", i["id"].as_str().unwrap());
    let r = app.patch_json(&i_path, &w.manager, Some("\"1\""), &json!({"place": null, "summary": "技术交流会"})).await;
    assert_eq!(r.status(), StatusCode::OK);
    problem(
        app.patch_json(&i_path, &w.manager, Some("\"1\""), &json!({"summary": "旧"})).await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;

    // Files go into the database and come back byte for byte with their type and name.
    let pdf: Vec<u8> = b"%PDF-1.4\n".iter().copied().chain((0..=255u8).cycle().take(300_000)).collect();
    let r = upload(app, &format!("{i_path}/attachments"), &w.manager, "报价单 v2.pdf", "application/pdf", pdf.clone())
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let a: Value = r.json().await.unwrap();
    assert_eq!((a["size"].as_i64(), a["content_type"].as_str()), (Some(pdf.len() as i64), Some("application/pdf")));
    let r = app.get(&format!("/api/v1/attachments/{}/content", a["id"].as_str().unwrap()), Some(&w.manager)).await;
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    let disposition = r.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(
        disposition.starts_with("attachment;") && disposition.contains("UTF-8''%E6%8A%A5%E4%BB%B7%E5%8D%95%20v2.pdf"),
        "{disposition}"
    );
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
    let note = upload(
        app,
        &format!("/api/v1/customers/{}/attachments", c["id"].as_str().unwrap()),
        &w.manager,
        "纪要.txt",
        "application/octet-stream",
        "会议纪要".as_bytes().to_vec(),
    )
    .await;
    let note: Value = note.json().await.unwrap();
    assert_eq!(note["content_type"], "text/plain; charset=utf-8");
    let files = app.get_ok(&format!("/api/v1/customers/{}/attachments", c["id"].as_str().unwrap()), &w.manager).await;
    assert_eq!(files["items"].as_array().unwrap().len(), 2);
    let of_visit = app.get_ok(&format!("{i_path}/attachments"), &w.manager).await;
    assert_eq!(ids(&of_visit), [a["id"].as_str().unwrap()]);

    let too_big = vec![0u8; 10 * 1024 * 1024 + 1];
    let r =
        upload(app, &format!("{i_path}/attachments"), &w.manager, "big.bin", "application/octet-stream", too_big).await;
    assert_eq!(error_fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), [("file", "too_large")]);
    let r = upload(app, &format!("{i_path}/attachments"), &w.manager, "", "text/plain", b"x".to_vec()).await;
    assert_eq!(error_fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), [("file_name", "required")]);
    let r = app.get(&format!("/api/v1/attachments/{}/content", a["id"].as_str().unwrap()), Some(&w.colleague)).await;
    problem(r, StatusCode::NOT_FOUND).await;
    let r = upload(app, &format!("{i_path}/attachments"), &w.colleague, "x.txt", "text/plain", b"x".to_vec()).await;
    problem(r, StatusCode::NOT_FOUND).await;

    // Deleting the interaction removes its files with it.
    assert_eq!(app.delete(&i_path, &w.director).await.status(), StatusCode::NO_CONTENT);
    problem(
        app.get(&format!("/api/v1/attachments/{}", a["id"].as_str().unwrap()), Some(&w.manager)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    app.get_ok(&format!("/api/v1/attachments/{}", note["id"].as_str().unwrap()), &w.manager).await;
}

// ---- CUS-4: orders ---------------------------------------------------------------------------

#[tokio::test]
async fn order_totals_are_exact_and_the_customer_keeps_its_last_order_date() {
    let w = world().await;
    let app = &w.app;
    let c = app.create_customer(&w.manager, &json!({"name": "义乌小商品城"})).await;
    let c_path = format!("/api/v1/customers/{}", c["id"].as_str().unwrap());
    let admin = app.user("root", "admin", &[]).await;
    let product = app.created("/api/v1/products", &admin, &json!({"name": "螺丝钉", "price": "0.10"})).await;

    let o = app
        .created(
            "/api/v1/orders",
            &w.manager,
            &json!({
                "customer_id": c["id"], "order_date": "2026-02-01",
                "lines": [{"product_id": product["id"], "quantity": 3, "unit_price": "0.10"}]
            }),
        )
        .await;
    assert_eq!(o["total"], "0.30");
    assert_eq!((o["currency"].as_str(), o["status"].as_str()), (Some("CNY"), Some("pending")));
    assert_eq!(o["lines"][0]["description"], "螺丝钉");
    assert_eq!((o["lines"][0]["quantity"].as_str(), o["lines"][0]["amount"].as_str()), (Some("3.00"), Some("0.30")));
    assert!(o["number"].as_str().unwrap().starts_with("DD"));
    assert_eq!(app.get_ok(&c_path, &w.manager).await["last_order_date"], "2026-02-01");

    let big = app
        .created(
            "/api/v1/orders",
            &w.manager,
            &json!({
                "customer_id": c["id"], "order_date": "2026-03-15", "currency": "usd", "status": "confirmed",
                "lines": [
                    {"description": "生产线", "quantity": "2", "unit_price": "49999999999.9999"},
                    {"description": "安装调试", "quantity": "0.3333", "unit_price": "0.0015"}
                ]
            }),
        )
        .await;
    assert_eq!(big["total"], "100000000000.0003");
    assert_eq!(big["currency"], "USD");
    assert_eq!(app.get_ok(&c_path, &w.manager).await["last_order_date"], "2026-03-15");

    // A cancelled order no longer counts as the last one; lines can be replaced.
    let big_path = format!("/api/v1/orders/{}", big["id"].as_str().unwrap());
    let r = app.patch_json(&big_path, &w.manager, Some("\"1\""), &json!({"status": "cancelled"})).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(app.get_ok(&c_path, &w.manager).await["last_order_date"], "2026-02-01");
    problem(
        app.patch_json(&big_path, &w.manager, Some("\"1\""), &json!({"notes": "x"})).await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    let r = app
        .patch_json(
            &big_path,
            &w.manager,
            None,
            &json!({"lines": [{"description": "改单", "quantity": "7", "unit_price": "0.01"}]}),
        )
        .await;
    let changed: Value = r.json().await.unwrap();
    assert_eq!((changed["total"].as_str(), changed["lines"].as_array().unwrap().len()), (Some("0.07"), 1));

    let r = app
        .post_json(
            "/api/v1/orders",
            Some(&w.manager),
            &json!({"customer_id": c["id"], "order_date": "2026-13-01", "lines": [{"quantity": "-1", "unit_price": "abc"}, {"product_id": "0190c3a4-0000-7000-8000-000000000000", "unit_price": "1"}]}),
        )
        .await;
    assert_eq!(
        error_fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        [
            ("order_date", "invalid_date"),
            ("lines[0].description", "required"),
            ("lines[0].quantity", "negative"),
            ("lines[0].unit_price", "not_a_number")
        ]
    );
    let r = app
        .post_json(
            "/api/v1/orders",
            Some(&w.manager),
            &json!({"customer_id": c["id"], "order_date": "2026-01-01", "lines": [{"product_id": "0190c3a4-0000-7000-8000-000000000000", "unit_price": "1"}]}),
        )
        .await;
    assert_eq!(
        error_fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        [("lines[0].product_id", "not_found")]
    );
    let r = app
        .post_json(
            "/api/v1/orders",
            Some(&w.manager),
            &json!({"customer_id": c["id"], "order_date": "2026-01-01", "lines": []}),
        )
        .await;
    assert_eq!(error_fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), [("lines", "required")]);

    let list =
        app.get_ok(&format!("/api/v1/orders?customer_id={}&count=true", c["id"].as_str().unwrap()), &w.manager).await;
    assert_eq!(list["total"], 2);
    assert_eq!(app.get_ok("/api/v1/orders?count=true", &w.colleague).await["total"], 0);
    // A customer with order history is merged, never deleted; nor is a product on an order.
    let p = problem(app.delete(&c_path, &w.director).await, StatusCode::CONFLICT).await;
    assert_eq!(p["detail"], "customer_in_use");
    problem(
        app.delete(&format!("/api/v1/products/{}", product["id"].as_str().unwrap()), &admin).await,
        StatusCode::CONFLICT,
    )
    .await;
}

// ---- CUS-7: duplicates and merge -------------------------------------------------------------

#[tokio::test]
async fn a_duplicate_customer_is_refused_with_the_matches_until_confirmed() {
    let w = world().await;
    let app = &w.app;
    let first = app
        .create_customer(
            &w.manager,
            &json!({"name": "Acme Trading", "phone": "021-6666 8888", "tax_number": "91310000MA1K000001", "licence_number": "310000000000001"}),
        )
        .await;
    for (body, matched_on) in [
        (json!({"name": "ACME TRADING"}), "name"),
        (json!({"name": "阿克米", "phone": "+86 21 66668888"}), "phone"),
        (json!({"name": "阿克米", "tax_number": "91310000MA1K000001"}), "tax_number"),
        (json!({"name": "阿克米", "licence_number": "310000000000001"}), "licence_number"),
    ] {
        let r = app.post_json("/api/v1/customers", Some(&w.manager), &body).await;
        let p = problem(r, StatusCode::CONFLICT).await;
        assert_eq!(p["code"], "duplicate");
        assert_eq!(
            p["duplicates"],
            json!([{"id": first["id"], "number": first["number"], "name": "Acme Trading", "matched_on": matched_on, "matched_fields": [matched_on]}]),
            "{body}"
        );
    }
    let r = app
        .post_json("/api/v1/customers", Some(&w.manager), &json!({"name": "Acme Trading", "phone": "021-66668888"}))
        .await;
    let p = problem(r, StatusCode::CONFLICT).await;
    assert_eq!(p["duplicates"][0]["matched_fields"], json!(["name", "phone"]));
    // Confirmed, it is created anyway; a customer the caller cannot see is no duplicate.
    let r = app
        .post_json("/api/v1/customers?confirm_duplicate=true", Some(&w.manager), &json!({"name": "Acme Trading"}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = app.post_json("/api/v1/customers", Some(&w.north_manager), &json!({"name": "Acme Trading"})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(app.get_ok("/api/v1/customers?q=acme&count=true", &w.executive).await["total"], 3);
}

#[tokio::test]
async fn merging_moves_every_related_record_to_the_survivor_and_removes_the_other() {
    let w = world().await;
    let app = &w.app;
    let keep = app.create_customer(&w.manager, &json!({"name": "中石化华东", "tags": ["能源"]})).await;
    let gone = app
        .create_customer(
            &w.manager,
            &json!({"name": "中国石化华东分公司", "phone": "021-5000 1234", "tags": ["能源", "国企"]}),
        )
        .await;
    let (keep_id, gone_id) = (keep["id"].as_str().unwrap(), gone["id"].as_str().unwrap());
    let kept_primary = app
        .created("/api/v1/contacts", &w.manager, &json!({"customer_id": keep_id, "name": "孙经理", "primary": true}))
        .await;
    let moved_primary = app
        .created(
            "/api/v1/contacts",
            &w.manager,
            &json!({"customer_id": gone_id, "name": "钱主任", "primary": true, "mobile": "13700000007"}),
        )
        .await;
    let interaction = app
        .created(
            "/api/v1/interactions",
            &w.manager,
            &json!({"customer_id": gone_id, "occurred_at": "2026-01-10T10:00:00+08:00", "summary": "年度采购洽谈", "contact_id": moved_primary["id"]}),
        )
        .await;
    let file = upload(
        app,
        &format!("/api/v1/interactions/{}/attachments", interaction["id"].as_str().unwrap()),
        &w.manager,
        "合同.pdf",
        "application/pdf",
        b"%PDF".to_vec(),
    )
    .await
    .json::<Value>()
    .await
    .unwrap();
    let order = app
        .created(
            "/api/v1/orders",
            &w.manager,
            &json!({"customer_id": gone_id, "order_date": "2026-01-20", "lines": [{"description": "燃料油", "quantity": "10", "unit_price": "5000"}]}),
        )
        .await;
    let li = app.user_id("liming").await;
    app.post_json(&format!("/api/v1/customers/{gone_id}/shares"), Some(&w.manager), &json!({"user_id": li})).await;
    app.post_json(
        &format!("/api/v1/customers/{gone_id}/assign"),
        Some(&w.director),
        &json!({"owner_id": app.user_id("wangwei").await}),
    )
    .await;
    let wang_to_li = app
        .post_json(&format!("/api/v1/customers/{gone_id}/assign"), Some(&w.director), &json!({"owner_id": li}))
        .await;
    assert_eq!(wang_to_li.status(), StatusCode::OK);
    let back = app
        .post_json(
            &format!("/api/v1/customers/{gone_id}/assign"),
            Some(&w.director),
            &json!({"owner_id": app.user_id("wangwei").await}),
        )
        .await;
    assert_eq!(back.status(), StatusCode::OK);

    // Into itself is a conflict; only directors (edit and delete) merge.
    let merge = format!("/api/v1/customers/{keep_id}/merge");
    let p = problem(app.post_json(&merge, Some(&w.director), &json!({"from_id": keep_id})).await, StatusCode::CONFLICT)
        .await;
    assert_eq!(p["detail"], "merge_into_itself");
    problem(app.post_json(&merge, Some(&w.manager), &json!({"from_id": gone_id})).await, StatusCode::FORBIDDEN).await;
    let r = app.post_json(&merge, Some(&w.director), &json!({})).await;
    assert_eq!(error_fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), [("from_id", "required")]);

    let r = app.post_json(&merge, Some(&w.director), &json!({"from_id": gone_id})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let merged: Value = r.json().await.unwrap();
    assert_eq!(merged["tags"], json!(["国企", "能源"]));
    assert_eq!(merged["last_order_date"], "2026-01-20");
    problem(app.get(&format!("/api/v1/customers/{gone_id}"), Some(&w.director)).await, StatusCode::NOT_FOUND).await;

    let contacts = app.get_ok(&format!("/api/v1/customers/{keep_id}/contacts?sort=name"), &w.manager).await;
    assert_eq!(names(&contacts), ["孙经理", "钱主任"]);
    let primaries = app.get_ok(&format!("/api/v1/customers/{keep_id}/contacts?primary=true"), &w.manager).await;
    assert_eq!(ids(&primaries), [kept_primary["id"].as_str().unwrap()]);
    let moved = app.get_ok(&format!("/api/v1/interactions/{}", interaction["id"].as_str().unwrap()), &w.manager).await;
    assert_eq!((moved["customer_id"].as_str(), moved["contact"]["label"].as_str()), (Some(keep_id), Some("钱主任")));
    let moved = app.get_ok(&format!("/api/v1/attachments/{}", file["id"].as_str().unwrap()), &w.manager).await;
    assert_eq!(moved["customer_id"], keep_id);
    let moved = app.get_ok(&format!("/api/v1/orders/{}", order["id"].as_str().unwrap()), &w.manager).await;
    assert_eq!((moved["customer_id"].as_str(), moved["customer_name"].as_str()), (Some(keep_id), Some("中石化华东")));
    let history = app.get_ok(&format!("/api/v1/customers/{keep_id}/assignments"), &w.manager).await;
    assert_eq!(history["items"].as_array().unwrap().len(), 2);
    let shares = app.get_ok(&format!("/api/v1/customers/{keep_id}/shares"), &w.manager).await;
    assert_eq!(shares[0]["user"]["id"], li);
    // The moved contact's phone and name are found under the survivor; the merged name is not.
    let lookup = app.get_ok("/api/v1/lookup/phone/13700000007", &w.manager).await;
    assert_eq!(lookup["contacts"][0]["customer_id"], keep_id);
    assert_eq!(names(&app.get_ok("/api/v1/customers?q=钱主任", &w.manager).await), ["中石化华东"]);
    assert!(app.get_ok("/api/v1/customers?q=分公司", &w.manager).await["items"].as_array().unwrap().is_empty());
    assert!(
        app.get_ok("/api/v1/lookup/phone/02150001234", &w.manager).await["customers"].as_array().unwrap().is_empty()
    );

    let log = app.get_ok(&format!("/api/v1/customers/{keep_id}/audit-log"), &w.manager).await;
    assert_eq!(log["items"][0]["action"], "merge");
    assert_eq!(log["items"][0]["new_values"]["merged_from"]["id"], gone_id);
    assert_eq!(log["items"][0]["new_values"]["moved"]["orders"], 1);
    let admin = app.user("auditor", "admin", &[]).await;
    let gone_log = app.get_ok(&format!("/api/v1/audit-log?entity=customers&entity_id={gone_id}"), &admin).await;
    assert_eq!(gone_log["items"][0]["action"], "merged_into");
    assert_eq!(gone_log["items"][0]["old_values"]["name"], "中国石化华东分公司");
}

// ---- CUS-8: assign and share ----------------------------------------------------------------

#[tokio::test]
async fn assigning_a_customer_keeps_its_history_and_needs_the_assign_right() {
    let w = world().await;
    let app = &w.app;
    let c = app.create_customer(&w.manager, &json!({"name": "青岛啤酒"})).await;
    let path = format!("/api/v1/customers/{}", c["id"].as_str().unwrap());
    app.created(
        "/api/v1/interactions",
        &w.manager,
        &json!({"customer_id": c["id"], "occurred_at": "2026-02-01T10:00:00+08:00", "summary": "初次拜访"}),
    )
    .await;
    let li = app.user_id("liming").await;
    let zhao = app.user_id("zhaolei").await;
    problem(
        app.post_json(&format!("{path}/assign"), Some(&w.manager), &json!({"owner_id": li})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let r = app.post_json(&format!("{path}/assign"), Some(&w.director), &json!({"owner_id": zhao})).await;
    assert_eq!(error_fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), [("owner_id", "not_in_division")]);
    let r = app.post_json(&format!("{path}/assign"), Some(&w.director), &json!({"note": "x"})).await;
    assert_eq!(error_fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await), [("owner_id", "required")]);

    let r = app
        .post_json(&format!("{path}/assign"), Some(&w.director), &json!({"owner_id": li, "note": "王伟离职交接"}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let assigned: Value = r.json().await.unwrap();
    assert_eq!(
        (assigned["owner_id"].as_str(), assigned["owner"]["label"].as_str()),
        (Some(li.as_str()), Some("liming"))
    );
    // The new owner sees the customer with its history; the old one no longer does.
    problem(app.get(&path, Some(&w.manager)).await, StatusCode::NOT_FOUND).await;
    let overview = app.get_ok(&format!("{path}/overview"), &w.colleague).await;
    assert_eq!(overview["interactions"]["items"][0]["summary"], "初次拜访");
    let history = app.get_ok(&format!("{path}/assignments"), &w.colleague).await;
    assert_eq!(history["items"][0]["note"], "王伟离职交接");
    assert_eq!(history["items"][0]["assigned_by_name"], "dongfang");
    let log = app.get_ok(&format!("{path}/audit-log"), &w.colleague).await;
    assert_eq!(log["items"][0]["action"], "assign");
    assert_eq!(log["items"][0]["new_values"]["owner_id"], li);
    // The executive may assign across divisions too.
    let r = app
        .post_json(&format!("{path}/assign"), Some(&w.executive), &json!({"owner_id": app.user_id("wangwei").await}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

// ---- CUS-5: the 360 view ---------------------------------------------------------------------

#[tokio::test]
async fn the_360_overview_shows_every_section_newest_first_with_links_to_page_them() {
    let w = world().await;
    let app = &w.app;
    let c = app.create_customer(&w.manager, &json!({"name": "格力电器"})).await;
    let id = c["id"].as_str().unwrap();
    for n in 1..=12 {
        app.created(
            "/api/v1/interactions",
            &w.manager,
            &json!({"customer_id": id, "occurred_at": format!("2026-01-{n:02}T09:00:00+08:00"), "summary": format!("第{n}次拜访")}),
        )
        .await;
    }
    app.created("/api/v1/contacts", &w.manager, &json!({"customer_id": id, "name": "董明珠"})).await;
    app.created(
        "/api/v1/orders",
        &w.manager,
        &json!({"customer_id": id, "order_date": "2026-01-05", "lines": [{"description": "空调", "quantity": "100", "unit_price": "2999"}]}),
    )
    .await;
    upload(
        app,
        &format!("/api/v1/customers/{id}/attachments"),
        &w.manager,
        "资质.png",
        "image/png",
        vec![137, 80, 78, 71],
    )
    .await;
    app.patch_json(&format!("/api/v1/customers/{id}"), &w.manager, None, &json!({"status": "active"})).await;

    let o = app.get_ok(&format!("/api/v1/customers/{id}/overview"), &w.manager).await;
    assert_eq!(o["customer"]["status"], "active");
    assert_eq!(o["contacts"]["items"][0]["name"], "董明珠");
    let visits = o["interactions"]["items"].as_array().unwrap();
    assert_eq!((visits.len(), visits[0]["summary"].as_str()), (10, Some("第12次拜访")));
    let next = o["interactions"]["next_cursor"].as_str().unwrap();
    let href = o["interactions"]["href"].as_str().unwrap();
    let rest = app.get_ok(&format!("{href}&limit=10&cursor={next}"), &w.manager).await;
    let summaries: Vec<&str> =
        rest["items"].as_array().unwrap().iter().map(|i| i["summary"].as_str().unwrap()).collect();
    assert_eq!(summaries, ["第2次拜访", "第1次拜访"]);
    assert_eq!(o["orders"]["items"][0]["total"], "299900.00");
    assert_eq!(o["attachments"]["items"][0]["file_name"], "资质.png");
    let actions: Vec<&str> =
        o["audit"]["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["update", "create"]);
    assert_eq!(o["assignments"]["items"], json!([]));
    for section in ["contacts", "interactions", "orders", "attachments", "assignments", "audit"] {
        let href = o[section]["href"].as_str().unwrap();
        app.get_ok(href, &w.manager).await;
    }
    problem(app.get(&format!("/api/v1/customers/{id}/overview"), Some(&w.north_manager)).await, StatusCode::NOT_FOUND)
        .await;
}

/// Creates that arrive together share the writer's transactions on SQLite (group commit): every
/// one is answered only once it is stored, each gets its own number and audit entry, and a
/// write the store refuses in their midst changes none of the others.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_are_each_stored_numbered_and_audited_and_a_refused_one_spoils_none() {
    use crm_core::access::AuditStamp;
    use crm_core::customers::{CustomerInput, CustomerStore, NewCustomer};
    use crm_core::store::StoreError;

    let w = world().await;
    let east: uuid::Uuid = w.east.parse().unwrap();
    let app = std::sync::Arc::new(w.app);
    let mut creates = Vec::new();
    for i in 0..24 {
        let (app, token) = (app.clone(), w.manager.clone());
        creates.push(tokio::spawn(async move {
            let created = app.create_customer(&token, &json!({"name": format!("并发客户{i}")})).await;
            // Answered only after the commit: the record is there for the next request.
            let path = format!("/api/v1/customers/{}", created["id"].as_str().unwrap());
            let read = app.get_ok(&path, &token).await;
            assert_eq!(read["name"], created["name"]);
            let log = app.get_ok(&format!("{path}/audit-log"), &token).await;
            let actions: Vec<&str> =
                log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
            assert_eq!(actions, ["create"]);
            created["number"].as_str().unwrap().to_string()
        }));
    }
    // A division that does not exist passes no check before the store: its insert fails inside
    // whatever transaction it shares. Spread over the burst, some share one with the others.
    let mut refused = Vec::new();
    for i in 0..8 {
        let app = app.clone();
        refused.push(tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(2 * i)).await;
            let input = CustomerInput {
                name: "无处可去".into(),
                division_id: Some(uuid::Uuid::now_v7()),
                ..Default::default()
            };
            let new = NewCustomer::parse(input, None, None).unwrap();
            let stamp = AuditStamp { actor_id: None, actor_name: "test".into(), at: chrono::Utc::now() };
            app.db.create_customer(&new, chrono::Utc::now().date_naive(), &stamp).await
        }));
    }
    let mut numbers = Vec::new();
    for create in creates {
        numbers.push(create.await.unwrap());
    }
    for refused in refused {
        match refused.await.unwrap() {
            Err(StoreError::Invalid(e)) => {
                assert_eq!((e.field.as_str(), e.code.as_str()), ("division_id", "unknown_division"))
            }
            other => panic!("expected the unknown division to be refused, got {other:?}"),
        }
    }
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 24, "every create has a number of its own");
    let page = app.get_ok(&format!("/api/v1/customers?division_id={east}&limit=100&count=true"), &w.manager).await;
    assert_eq!(page["total"], 24);
    assert!(names(&page).iter().all(|n| n.starts_with("并发客户")));
}
