//! `crm import customers` with real files (CUS-9): Chinese headers in GB18030 and .xlsx,
//! dictionary labels by name, all-or-nothing batches, repeats within the file and the CUS-7
//! duplicate rule against stored customers, and the division scope of the importing user.

use std::path::{Path, PathBuf};
use std::process::Output;

use indicatif::ProgressBar;
use uuid::Uuid;

use crm::tabular::customers::Customers;
use crm::tabular::import::{Options, run};
use crm::tabular::{Cell, Sheet};
use crm_core::access::{AccessStore as _, Actor, NewDivision, Scope, UserInput, actions as access};
use crm_core::base_data::actions as base_data;
use crm_core::base_data::{BaseDataStore as _, DictionaryEntryInput};
use crm_core::customers::actions as customers;
use crm_core::customers::{Customer, CustomerInput, CustomerStore as _};
use crm_core::listing::ListRequest;
use crm_store::Db;

use crate::helpers::{PASSWORD, TestApp, fresh_database_url, open_db, output_text as text, run_crm};

const HEADER: &str = "客户名称,电话,地区,客户等级,行业,地址,税号,标签,状态,满意度,注册资金";

/// A fresh database with the divisions 华东 and 西南, the industry 软件 next to the shipped ones, and the
/// user `clerk` (a director in 华东 only); its URL and a folder for files.
async fn fresh() -> (String, PathBuf, Db) {
    let (url, dir) = fresh_database_url().await;
    let dir = dir.unwrap_or_else(|| std::env::temp_dir().join("crm-tests").join(Uuid::now_v7().to_string()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = open_db(&url).await;
    setup(&db).await;
    (url, dir, db)
}

async fn setup(db: &Db) -> Uuid {
    let system = Actor::system();
    let east = access::create_division(db, &system, NewDivision::parse("华东", "").unwrap()).await.unwrap().id;
    access::create_division(db, &system, NewDivision::parse("西南", "").unwrap()).await.unwrap();
    let software = DictionaryEntryInput { kind: "industry".into(), label: "软件".into(), ..Default::default() };
    base_data::create_dictionary_entry(db, &system, software).await.unwrap();
    let clerk = UserInput {
        username: "clerk".into(),
        password: PASSWORD.into(),
        roles: vec!["director".into()],
        division_ids: vec![east],
        ..Default::default()
    };
    access::create_user(db, &system, clerk).await.unwrap();
    east
}

fn crm(db: &str, args: &[&str]) -> Output {
    run_crm(args, db, None)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

fn import(db: &str, file: &str, extra: &[&str], ok: bool) -> String {
    let o = crm(db, &[&["import", "customers", file], extra].concat());
    assert_eq!(o.status.success(), ok, "{}", text(&o));
    text(&o)
}

async fn all_customers(db: &Db) -> Vec<Customer> {
    db.list_customers(&Scope::everything(), &ListRequest::first("number", 500)).await.unwrap().items
}

async fn audit_rows(db: &Db) -> usize {
    let req = ListRequest { filters: vec![("entity".into(), "customers".into())], ..ListRequest::first("at", 500) };
    db.list_audit(&Scope::everything(), &req).await.unwrap().items.len()
}

#[tokio::test]
async fn a_gb18030_csv_with_chinese_headers_imports_customers_with_their_labels() {
    let (url, dir, db) = fresh().await;
    let content = format!(
        "{HEADER}\n\
         深圳华强电子有限公司,0755-83210000,深圳市,大客户,制造业,深圳市福田区华强北路1号,91440300MA5DXXXX01,重点、华南；VIP,正式客户,4,500.5\n\
         杭州云帆软件有限公司,,浙江,普通客户,软件,,,,prospect,,\n\
         成都蓉城贸易公司,028-8888 6666,四川省,,,,,,流失,,\n\
         北京燕山石化公司,,北京,,,,,,,,\n\
         长春一汽配件厂,,吉林,,,,,,,,\n"
    );
    let (gb18030, _, unmappable) = encoding_rs::GB18030.encode(&content);
    assert!(!unmappable);
    let file = write(&dir, "customers.csv", &gb18030);
    let out = import(&url, &file, &["--division", "华东", "--owner", "clerk"], true);
    assert!(out.contains("imported 5"), "{out}");

    let imported = all_customers(&db).await;
    assert_eq!(imported.len(), 5);
    assert!(imported.iter().all(|c| c.number.starts_with("KH") && c.division.label == "华东"), "{imported:?}");
    assert!(imported.iter().all(|c| c.owner.as_ref().is_some_and(|o| o.label == "clerk")), "{imported:?}");
    let named = |name: &str| imported.iter().find(|c| c.name == name).unwrap();
    let huaqiang = named("深圳华强电子有限公司");
    let label = |r: &Option<crm_core::customers::Ref>| r.as_ref().map(|r| r.label.clone()).unwrap_or_default();
    assert_eq!(
        (label(&huaqiang.region), label(&huaqiang.level), label(&huaqiang.industry)),
        ("深圳市".into(), "大客户".into(), "制造业".into())
    );
    assert_eq!(huaqiang.tags, ["VIP", "华南", "重点"]);
    assert_eq!((huaqiang.status.code(), huaqiang.satisfaction), ("active", Some(4)));
    assert_eq!(label(&named("杭州云帆软件有限公司").region), "浙江省", "a province without its suffix");
    assert_eq!(named("成都蓉城贸易公司").status.code(), "lost");
    let beijing = named("北京燕山石化公司").region.clone().unwrap();
    let province = db.get_dictionary_entry(beijing.id).await.unwrap();
    assert_eq!((beijing.label.as_str(), province.parent_id), ("北京市", None), "the municipality as a province");
    assert_eq!(label(&named("长春一汽配件厂").region), "吉林省", "a short name that is a province and a city");
    assert_eq!(audit_rows(&db).await, 5, "one audit row per customer, written with it");
}

#[tokio::test]
async fn an_xlsx_with_english_labels_and_api_names_imports() {
    let (url, dir, db) = fresh().await;
    let sheet = Sheet {
        headers: ["Customer name", "phone", "Level", "credit", "Tags"].map(String::from).to_vec(),
        rows: vec![
            vec![
                Cell::Text("南京紫金机械厂".into()),
                Cell::Text("025-5201 3344".into()),
                Cell::Empty,
                Cell::Int(5),
                Cell::Empty,
            ],
            vec![
                Cell::Text("Acme (Shanghai) Ltd.".into()),
                Cell::Empty,
                Cell::Text("合作伙伴".into()),
                Cell::Empty,
                Cell::Text("外资,Key".into()),
            ],
        ],
    };
    let file = write(&dir, "customers.xlsx", &sheet.to_xlsx("客户").unwrap());
    let out = import(&url, &file, &["--as", "clerk"], true);
    assert!(out.contains("imported 2"), "{out}");
    let imported = all_customers(&db).await;
    assert_eq!(imported.len(), 2);
    assert!(imported.iter().all(|c| c.division.label == "华东"), "the clerk's only division by default");
    let nanjing = imported.iter().find(|c| c.name == "南京紫金机械厂").unwrap();
    assert_eq!(nanjing.credit, Some(5));
    let acme = imported.iter().find(|c| c.name == "Acme (Shanghai) Ltd.").unwrap();
    assert_eq!(acme.level.as_ref().map(|l| l.label.as_str()), Some("合作伙伴"));
    assert_eq!(acme.tags, ["Key", "外资"]);
}

#[tokio::test]
async fn a_bad_row_in_the_middle_changes_nothing_and_every_problem_is_listed_by_row_and_column() {
    let (url, dir, db) = fresh().await;
    let content = format!(
        "{HEADER}\n\
         好公司,,,,,,,,,,\n\
         金牌公司,,,金牌客户,,,,,,,\n\
         满意公司,,火星,,,,,,已签约,9,-1\n\
         另一家好公司,,,,,,,,,,\n"
    );
    let file = write(&dir, "bad.csv", content.as_bytes());
    for extra in [&["--division", "华东"][..], &["--division", "华东", "--dry-run"]] {
        let out = import(&url, &file, extra, false);
        assert!(out.contains("row 3: level: 数据字典中没有“金牌客户”"), "{out}");
        assert!(out.contains("row 4: region: 数据字典中没有“火星”"), "{out}");
        assert!(out.contains("row 4: status: 须为以下之一"), "{out}");
        assert!(out.contains("row 4: satisfaction: 超出范围 1-5"), "{out}");
        assert!(out.contains("row 4: registered_capital: 不能为负数"), "{out}");
        assert!(!out.contains("row 2") && !out.contains("row 5"), "{out}");
        assert!(out.contains("4 行中有 2 行有误"), "{out}");
    }
    assert!(all_customers(&db).await.is_empty());
    assert_eq!(audit_rows(&db).await, 0);
}

#[tokio::test]
async fn repeats_in_the_file_and_existing_customers_are_named_and_a_dry_run_changes_nothing() {
    let (url, dir, db) = fresh().await;
    let north = NewDivision::parse("华北", "").unwrap();
    let north = access::create_division(&db, &Actor::system(), north).await.unwrap().id;
    let existing = CustomerInput {
        name: "北京华夏科技有限公司".into(),
        division_id: Some(north),
        tax_number: Some("91110000700000000X".into()),
        ..Default::default()
    };
    let existing = customers::create_customer(&db, &Actor::system(), existing, false).await.unwrap();

    let content = "客户名称,电话,税号\n\
        北京华夏科技有限公司,,\n\
        上海新星公司,021-6688 9900,\n\
        上海新星分公司,02166889900,\n\
        上海新星公司,,\n\
        天津海河公司,,91110000700000000X\n";
    let file = write(&dir, "dupes.csv", content.as_bytes());
    let out = import(&url, &file, &["--division", "华北"], false);
    let number = &existing.number;
    assert!(out.contains(&format!("row 2: name: 与已有客户 {number} 重复")), "{out}");
    assert!(out.contains("row 4: phone: 与第 3 行重复 / same as row 3"), "{out}");
    assert!(out.contains("row 5: name: 与第 3 行重复"), "{out}");
    assert!(out.contains(&format!("row 6: tax_number: 与已有客户 {number} 重复")), "{out}");
    assert!(!out.contains("row 3:"), "{out}");
    assert_eq!(all_customers(&db).await.len(), 1);

    let good = write(&dir, "good.csv", "客户名称,电话\n上海新星公司,021-6688 9900\n".as_bytes());
    let out = import(&url, &good, &["--division", "华北", "--dry-run"], true);
    assert!(out.contains("1 行全部通过检查"), "{out}");
    assert_eq!(all_customers(&db).await.len(), 1, "a dry run writes nothing");
    assert_eq!(audit_rows(&db).await, 1);
}

#[tokio::test]
async fn a_division_the_importing_user_cannot_see_is_refused() {
    let (url, dir, db) = fresh().await;
    let file = write(&dir, "one.csv", "客户名称\n重庆山城公司\n".as_bytes());
    let out = import(&url, &file, &["--as", "clerk", "--division", "西南"], false);
    assert!(out.contains("division: 未知版块"), "{out}");
    let out = import(&url, &file, &[], false);
    assert!(out.contains("division: 必填"), "the system has no division of its own: {out}");
    let out = import(&url, &file, &["--division", "华东", "--owner", "nobody"], false);
    assert!(out.contains("owner: 没有用户 nobody"), "{out}");
    assert!(all_customers(&db).await.is_empty());
}

/// The search index is written with the customers: a two-character query through the API
/// finds them at once.
#[tokio::test]
async fn imported_customers_are_found_by_a_chinese_search_through_the_api() {
    let app = TestApp::spawn().await;
    let east = setup(&app.db).await;
    let bytes = "客户名称,电话\n珠海格力电器股份有限公司,0756-8669999\n美的集团股份有限公司,\n";
    let table = crm::tabular::read(bytes.as_bytes()).unwrap();
    let options = Options { division: Some("华东".into()), ..Default::default() };
    let report = run::<Customers>(&app.db, &Actor::system(), &table, &options, &ProgressBar::hidden()).await.unwrap();
    assert_eq!((report.written, report.errors.len()), (2, 0), "{report:?}");

    let token = app.user("zhou", "director", &[east]).await;
    let found = app.get_ok("/api/v1/search?q=格力", &token).await;
    let hits = found["customers"].as_array().unwrap();
    assert_eq!(hits.len(), 1, "{found}");
    assert_eq!(hits[0]["name"], "珠海格力电器股份有限公司");
    assert!(hits[0]["number"].as_str().unwrap().starts_with("KH"), "{found}");
    let found = app.get_ok("/api/v1/search?q=美的", &token).await;
    assert_eq!(found["customers"].as_array().unwrap().len(), 1, "{found}");
}
