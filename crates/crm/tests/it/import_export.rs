//! Import and export with real files (CUS-9, BAS-2): the `crm` binary on CSV in UTF-8 and
//! GB18030 and on .xlsx, all-or-nothing imports, and exports that respect rights.

use std::path::{Path, PathBuf};
use std::process::Output;

use reqwest::StatusCode;
use serde_json::json;

use crm_core::access::{AccessStore as _, Actor, NewRole, Scope, UserInput, actions as access};
use crm_core::base_data::actions as base_data;
use crm_core::base_data::{BaseDataStore, InventoryInput, ProductInput};
use crm_core::listing::ListRequest;
use crm_store::Db;

use crate::helpers::{TestApp, fresh_database_url, open_db, output_text as text, run_crm};

const HEADER: &str = "产品名称,型号,单位,单价,成本,币种,批次";
const ROWS: &str = "服务器,R740,台,12800.00,9000,CNY,2024A\n交换机,S5720-52X,台,3500.5,,usd,\n网线,,米,0.1234,,,B-7\n";

/// A fresh database and a folder for its files.
async fn fresh() -> (String, PathBuf) {
    let (url, dir) = fresh_database_url().await;
    let dir = dir.unwrap_or_else(|| std::env::temp_dir().join("crm-tests").join(uuid::Uuid::now_v7().to_string()));
    std::fs::create_dir_all(&dir).unwrap();
    (url, dir)
}

fn crm(db: &str, args: &[&str]) -> Output {
    run_crm(args, db, None)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

fn import_ok(db: &str, file: &str) -> String {
    let o = crm(db, &["import", "products", file]);
    assert!(o.status.success(), "{}", text(&o));
    text(&o)
}

fn import_refused(db: &str, args: &[&str]) -> String {
    let o = crm(db, args);
    assert!(!o.status.success(), "{}", text(&o));
    text(&o)
}

/// The products of a database as (name, model, unit, price, cost, currency, batch).
async fn products(url: &str) -> Vec<[String; 7]> {
    let db = open_db(url).await;
    let page = db.list_products(&ListRequest::first("name", 500)).await.unwrap();
    let json = serde_json::to_value(&page.items).unwrap();
    let field = |p: &serde_json::Value, f: &str| p[f].as_str().unwrap_or_default().to_string();
    json.as_array()
        .unwrap()
        .iter()
        .map(|p| ["name", "model", "unit", "price", "cost", "currency", "batch"].map(|f| field(p, f)))
        .collect()
}

async fn audit_rows(db: &Db, entity: &str) -> usize {
    let req = ListRequest { filters: vec![("entity".into(), entity.into())], ..ListRequest::first("at", 500) };
    db.list_audit(&Scope::everything(), &req).await.unwrap().items.len()
}

#[tokio::test]
async fn a_gb18030_csv_and_a_utf8_bom_csv_with_chinese_headers_import_the_same_products() {
    let content = format!("{HEADER}\n{ROWS}");
    let (gb18030, _, unmappable) = encoding_rs::GB18030.encode(&content);
    assert!(!unmappable);
    let (first, dir) = fresh().await;
    let bom = write(&dir, "utf8.csv", &[b"\xEF\xBB\xBF", content.as_bytes()].concat());
    let out = import_ok(&first, &bom);
    assert!(out.contains("imported 3"), "{out}");
    let (second, dir) = fresh().await;
    import_ok(&second, &write(&dir, "gb.csv", &gb18030));

    let imported = products(&first).await;
    assert_eq!(imported, products(&second).await);
    assert_eq!(imported[0], ["交换机", "S5720-52X", "台", "3500.50", "", "USD", ""].map(String::from));
    assert_eq!(imported[1], ["服务器", "R740", "台", "12800.00", "9000.00", "CNY", "2024A"].map(String::from));
    assert_eq!(imported[2], ["网线", "", "米", "0.1234", "", "CNY", "B-7"].map(String::from));
    assert_eq!(audit_rows(&open_db(&first).await, "products").await, 3, "one audit row per product");
}

#[tokio::test]
async fn an_xlsx_export_imports_into_a_fresh_database_as_the_same_products() {
    let (first, dir) = fresh().await;
    import_ok(&first, &write(&dir, "in.csv", format!("name,model,unit,price,cost,currency,batch\n{ROWS}").as_bytes()));
    let xlsx = dir.join("products.xlsx").display().to_string();
    let o = crm(&first, &["export", "products", "-o", &xlsx]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));

    let (second, _) = fresh().await;
    let out = import_ok(&second, &xlsx);
    assert!(out.contains("(version) ignored"), "export-only columns are named and skipped: {out}");
    assert_eq!(products(&first).await, products(&second).await);
    assert_eq!(products(&second).await.len(), 3);

    let csv = dir.join("products.txt").display().to_string();
    let o = crm(&second, &["export", "products", "--format", "csv", "-o", &csv, "--filter", "currency=CNY"]);
    assert!(o.status.success(), "{}", text(&o));
    let bytes = std::fs::read(&csv).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBFid,name,model,unit,price,cost,currency,batch"),
        "BOM, then fields in order"
    );
    assert_eq!(String::from_utf8_lossy(&bytes).lines().count(), 3, "a header and the two CNY products");
}

#[tokio::test]
async fn a_bad_row_in_the_middle_changes_nothing_exits_non_zero_and_names_the_row_and_field() {
    let (db, dir) = fresh().await;
    let file = write(
        &dir,
        "bad.csv",
        format!("{HEADER}\n服务器,R740,台,12800,,,\n\n交换机,S5720,台,12.345678,,人民币,\n网线,,米,1,,,\n").as_bytes(),
    );
    let out = import_refused(&db, &["import", "products", &file]);
    assert!(out.contains("row 4: price: 超出范围"), "{out}");
    assert!(out.contains("row 4: currency: 须为三个字母的货币代码"), "{out}");
    assert!(out.contains("/ a three-letter currency code"), "reasons in both languages: {out}");
    assert!(out.contains("1 of 3 rows are bad; nothing was imported"), "{out}");
    assert!(!out.contains("row 2") && !out.contains("row 5"), "{out}");
    assert!(products(&db).await.is_empty());
    assert_eq!(audit_rows(&open_db(&db).await, "products").await, 0);
}

#[tokio::test]
async fn a_dry_run_changes_nothing_and_lists_every_bad_row() {
    let (db, dir) = fresh().await;
    let good = write(&dir, "good.csv", format!("{HEADER}\n{ROWS}").as_bytes());
    let o = crm(&db, &["import", "products", &good, "--dry-run"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("all 3 rows pass; nothing was written"), "{}", text(&o));
    assert!(products(&db).await.is_empty());

    let bad = write(&dir, "bad.csv", format!("{HEADER}\n,R1,,abc,,,\n好,,,,-1,,\n").as_bytes());
    let out = import_refused(&db, &["import", "products", &bad, "--dry-run"]);
    for line in
        ["row 2: name: 必填 / required", "row 2: price: 须为数字", "row 3: cost: 不能为负数 / must not be negative"]
    {
        assert!(out.contains(line), "{line} in {out}");
    }
    assert!(products(&db).await.is_empty());
}

#[tokio::test]
async fn duplicates_inside_the_file_and_against_the_database_are_reported_per_row() {
    let (db, dir) = fresh().await;
    import_ok(&db, &write(&dir, "first.csv", "name,model\n服务器,R740\n".as_bytes()));
    let file =
        write(&dir, "again.csv", "产品名称,型号\n服务器,R740\n服务器,R750\n交换机,\n服务器,R750\n交换机,\n".as_bytes());
    let out = import_refused(&db, &["import", "products", &file, "--dry-run"]);
    assert!(out.contains("row 2: name: 已存在 / already exists"), "{out}");
    assert!(out.contains("row 5: name: 与第 3 行重复 / same as row 3"), "{out}");
    assert!(out.contains("row 6: name: 与第 4 行重复 / same as row 4"), "{out}");
    assert!(!out.contains("row 3:") && !out.contains("row 4:"), "{out}");
    assert_eq!(products(&db).await.len(), 1);
}

#[tokio::test]
async fn files_that_cannot_be_read_or_mapped_are_refused_with_the_reason() {
    let (db, dir) = fresh().await;
    let latin1 = write(&dir, "latin1.csv", b"name,unit\nCaf\xE9 cr\xE8me \xFF,x\n");
    let out = import_refused(&db, &["import", "products", &latin1]);
    assert!(out.contains("file: ") && out.contains("neither UTF-8 nor GB18030"), "{out}");

    let no_name = write(&dir, "no-name.csv", "型号,单价\nR740,1\n".as_bytes());
    let out = import_refused(&db, &["import", "products", &no_name]);
    assert!(out.contains("name: 缺少这一列（产品名称）"), "{out}");

    // An explicit mapping reads a file whose headers are neither field names nor labels.
    let own = write(&dir, "own.csv", "品种,规格,颜色\n服务器,R740,红\n".as_bytes());
    let out = import_ok_with(&db, &["import", "products", &own, "--map", "品种=name", "--map", "规格=model"]);
    assert!(out.contains("column C (颜色) ignored"), "{out}");
    assert_eq!(products(&db).await[0][..2], ["服务器".to_string(), "R740".to_string()]);

    let out = import_refused(&db, &["import", "products", &own, "--map", "品种=name", "--division", "华东"]);
    assert!(out.contains("division: "), "{out}");
}

fn import_ok_with(db: &str, args: &[&str]) -> String {
    let o = crm(db, args);
    assert!(o.status.success(), "{}", text(&o));
    text(&o)
}

/// The price list of the Maven sales data set, read through an explicit column mapping.
#[tokio::test]
async fn a_real_price_list_imports_with_a_column_mapping() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/datasets/maven-crm-sales-opportunities/products.csv");
    if !file.exists() {
        return;
    }
    let (db, _) = fresh().await;
    let args = ["import", "products", file.to_str().unwrap(), "--map", "product=name", "--map", "series=model"];
    let out = import_ok_with(&db, &[&args[..], &["--map", "sales_price=price"]].concat());
    assert!(out.contains("imported 7"), "{out}");
    let all = products(&db).await;
    assert!(all.iter().any(|p| p[0] == "GTK 500" && p[1] == "GTK" && p[3] == "26768.00"), "{all:?}");
}

#[tokio::test]
async fn a_scoped_user_exports_only_their_divisions_inventory_and_export_needs_the_right() {
    let (url, dir) = fresh().await;
    let db = open_db(&url).await;
    let system = Actor::system();
    let east = access::create_division(&db, &system, crm_core::access::NewDivision::parse("华东", "").unwrap()).await;
    let west = access::create_division(&db, &system, crm_core::access::NewDivision::parse("西南", "").unwrap()).await;
    let (east, west) = (east.unwrap().id, west.unwrap().id);
    let server = ProductInput { name: "服务器".into(), ..Default::default() };
    let product = base_data::create_product(&db, &system, server).await.unwrap();
    for (division, warehouse) in [(east, "上海仓"), (west, "成都仓")] {
        let item = InventoryInput {
            product_id: Some(product.id),
            division_id: Some(division),
            warehouse: warehouse.into(),
            quantity: Some("10".into()),
            ..Default::default()
        };
        base_data::create_inventory_item(&db, &system, item).await.unwrap();
    }
    let rights = ["inventory.view".to_string(), "inventory.export".to_string()];
    let role = NewRole::parse("stock_clerk", "库管", "", &rights, "division").unwrap();
    access::create_role(&db, &system, role).await.unwrap();
    for (username, role) in [("clerk", "stock_clerk"), ("wang", "manager")] {
        let input = UserInput {
            username: username.into(),
            password: crate::helpers::PASSWORD.into(),
            roles: vec![role.into()],
            division_ids: vec![east],
            ..Default::default()
        };
        access::create_user(&db, &system, input).await.unwrap();
    }

    let file = dir.join("stock.xlsx").display().to_string();
    let o = crm(&url, &["export", "inventory", "-o", &file, "--as", "clerk"]);
    assert!(o.status.success(), "{}", text(&o));
    let table = crm::tabular::read(&std::fs::read(&file).unwrap()).unwrap();
    let warehouse = table.headers.iter().position(|h| h == "warehouse").unwrap();
    let warehouses: Vec<&str> = table.rows.iter().map(|r| r.cell(warehouse)).collect();
    assert_eq!(warehouses, ["上海仓"]);

    let o = crm(&url, &["export", "inventory", "-o", &file]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(crm::tabular::read(&std::fs::read(&file).unwrap()).unwrap().rows.len(), 2, "the system sees all");

    let out = import_refused(&url, &["export", "inventory", "-o", &file, "--as", "wang"]);
    assert!(out.contains("inventory.export"), "{out}");
    let out = import_refused(&url, &["export", "inventory", "-o", &file, "--as", "nobody"]);
    assert!(out.contains("no user nobody"), "{out}");
}

#[tokio::test]
async fn list_downloads_need_the_export_right_and_open_in_calamine() {
    let app = TestApp::spawn().await;
    let admin = app.user("root", "admin", &[]).await;
    let east = app.division("华东").await;
    let manager = app.user("wang", "manager", &[east]).await;
    for i in 0..520 {
        let body = json!({"name": format!("产品{i:03}"), "price": "12800.10"});
        assert_eq!(app.post_json("/api/v1/products", Some(&admin), &body).await.status(), StatusCode::CREATED);
    }

    let r = app.get("/api/v1/products?format=csv", Some(&manager)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/products", Some(&manager)).await.status(), StatusCode::OK, "viewing stays allowed");
    let r = app.get("/api/v1/products?format=pdf", Some(&admin)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let r = app.get("/api/v1/products?format=xlsx&sort=-name", Some(&admin)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert_eq!(r.headers()["content-disposition"], "attachment; filename=\"products.xlsx\"");
    let bytes = r.bytes().await.unwrap();
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.height(), 521, "every page, not only the first");
    let name = (0..sheet.width()).find(|c| sheet.get_value((0, *c as u32)) == Some(&"name".into())).unwrap();
    let price = (0..sheet.width()).find(|c| sheet.get_value((0, *c as u32)) == Some(&"price".into())).unwrap();
    assert_eq!(sheet.get_value((1, name as u32)), Some(&calamine::Data::String("产品519".into())));
    assert_eq!(sheet.get_value((1, price as u32)), Some(&calamine::Data::String("12800.10".into())));

    let r = app.get("/api/v1/products?format=csv&name=产品007", Some(&admin)).await;
    assert_eq!(r.headers()["content-disposition"], "attachment; filename=\"products.csv\"");
    let body = r.bytes().await.unwrap();
    assert!(body.starts_with(b"\xEF\xBB\xBFid,name,"), "{}", String::from_utf8_lossy(&body));
    assert_eq!(String::from_utf8_lossy(&body).lines().count(), 2);

    // Audit rows need audit.export; the administrator has it.
    let r = app.get("/api/v1/audit-log?format=csv&entity=products", Some(&admin)).await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[test]
fn import_and_export_have_help() {
    for args in [["import", "--help"], ["export", "--help"]] {
        let o = crm("sqlite://unused.db", &args);
        assert!(o.status.success(), "{args:?}");
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.contains("Usage") && out.contains("--as"), "{out}");
    }
}

#[tokio::test]
async fn stock_imports_into_a_division_by_product_name_and_model() {
    let (url, dir) = fresh().await;
    import_ok(&url, &write(&dir, "products.csv", format!("{HEADER}\n{ROWS}服务器,R750,台,1,,,\n").as_bytes()));
    let db = open_db(&url).await;
    let system = Actor::system();
    let mut divisions = Vec::new();
    for name in ["华东", "西南"] {
        let new = crm_core::access::NewDivision::parse(name, "").unwrap();
        divisions.push(access::create_division(&db, &system, new).await.unwrap().id);
    }
    let east = divisions[0];
    let clerk = UserInput {
        username: "clerk".into(),
        password: crate::helpers::PASSWORD.into(),
        roles: vec!["director".into()],
        division_ids: vec![east],
        ..Default::default()
    };
    access::create_user(&db, &system, clerk).await.unwrap();

    let stock = "产品,型号,仓库,货位,数量\n服务器,R740,上海仓,A-01,10\n交换机,,上海仓,,5.5\n";
    let file = write(&dir, "stock.csv", stock.as_bytes());
    let out = import_refused(&url, &["import", "inventory", &file]);
    assert!(out.contains("row 2: division: 必填 / required"), "the system has no division of its own: {out}");
    let out = import_refused(&url, &["import", "inventory", &file, "--as", "clerk", "--division", "西南"]);
    assert!(out.contains("row 2: division: 未知版块"), "a division outside the user's scope: {out}");
    let out = import_ok_with(&url, &["import", "inventory", &file, "--as", "clerk"]);
    assert!(out.contains("imported 2"), "{out}");

    let again = "产品,型号,仓库,货位,数量\n服务器,,北京仓,,1\n网线,,北京仓,,1\n路由器,,北京仓,,1\n交换机,,上海仓,,2\n";
    let file = write(&dir, "again.csv", again.as_bytes());
    let out = import_refused(&url, &["import", "inventory", &file, "--division", "华东"]);
    assert!(out.contains("row 2: product: 有多个同名产品，请填写型号"), "{out}");
    assert!(out.contains("row 4: product: 没有这个产品：路由器"), "{out}");
    assert!(out.contains("row 5: location: 已存在"), "{out}");
    assert!(!out.contains("row 3"), "{out}");
    let stock = db.list_inventory(&Scope::everything(), &ListRequest::first("warehouse", 50)).await.unwrap();
    assert_eq!(stock.items.len(), 2);
    assert!(stock.items.iter().all(|i| i.division_id == east));
}

/// The look-ups a customers import needs: dictionary labels, owners and divisions by name.
#[tokio::test]
async fn rows_name_dictionary_entries_users_and_divisions_in_words() {
    use crm::tabular::lookup::{Labels, division_named, user_named};
    let (url, _) = fresh().await;
    let db = open_db(&url).await;
    let system = Actor::system();
    let levels = Labels::load(&db, &system, "customer_level").await.unwrap();
    let mut errors = Vec::new();
    assert!(levels.find("level", " 大客户 ", &mut errors).is_some());
    assert_eq!(levels.find("level", "", &mut errors), None);
    assert_eq!(levels.find("level", "金牌客户", &mut errors), None);
    assert_eq!(errors.len(), 1);
    assert_eq!((errors[0].code.as_str(), errors[0].param.as_deref()), ("unknown_label", Some("金牌客户")));

    let east = access::create_division(&db, &system, crm_core::access::NewDivision::parse("华东", "").unwrap());
    let east = east.await.unwrap().id;
    assert_eq!(division_named(&db, "division", "华东").await.unwrap(), east);
    assert!(division_named(&db, "division", "华北").await.is_err());
    let wang = UserInput {
        username: "wang".into(),
        password: crate::helpers::PASSWORD.into(),
        roles: vec!["manager".into()],
        division_ids: vec![east],
        ..Default::default()
    };
    let wang = access::create_user(&db, &system, wang).await.unwrap().id;
    assert_eq!(user_named(&db, "owner", "Wang").await.unwrap(), wang);
    let Err(crm_core::Error::Invalid(e)) = user_named(&db, "owner", "li").await else { panic!("unknown user") };
    assert_eq!((e[0].field.as_str(), e[0].code.as_str()), ("owner", "unknown_user"));
}

/// 5,448 real company names (with `*ST` prefixes and mixed scripts) read the same from the
/// UTF-8-BOM original and from a GB18030 copy, as a customers import will read them.
#[test]
fn the_a_share_company_list_reads_alike_in_utf8_and_gb18030() {
    let file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets/china-a-share-companies/stock_basic.csv");
    let Ok(bytes) = std::fs::read(&file) else { return };
    let table = crm::tabular::read(&bytes).unwrap();
    assert_eq!(table.headers, ["ts_code", "symbol", "name", "area", "industry", "list_date"]);
    assert_eq!(table.rows.len(), 5448);
    assert_eq!(table.rows[0].number, 2);
    assert!(table.rows.iter().any(|r| r.cell(2).starts_with("*ST")));

    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap()).unwrap();
    let (gb18030, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    assert_ne!(gb18030.as_ref(), text.as_bytes());
    assert_eq!(crm::tabular::read(&gb18030).unwrap(), table);
}
