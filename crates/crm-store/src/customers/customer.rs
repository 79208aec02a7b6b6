use std::collections::HashMap;

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use chrono::{DateTime, NaiveDate, Utc};
use crm_core::FieldError;
use crm_core::access::{AuditStamp, Scope};
use crm_core::customers::search::phone_digits;
use crm_core::customers::{
    CompanySize, Customer, CustomerPatch, CustomerStatus, Duplicate, DuplicateProbe, LifecycleStage, NewCustomer, Ref,
};
use crm_core::listing::{ListRequest, Page};
use crm_core::store::StoreError;

use super::index::{self, DocumentQuery, Entity};
use crate::Db;
use crate::audit::{self, Change};
use crate::base_data::{number_for, take_ahead};
use crate::listing::{Kind, ListSpec, find_sql, find_where, list as list_rows, push_scope};
use crate::sql::{Arg, Batch, RowExt, Sql, store_error};

pub const ENTITY: &str = "customers";

pub const FROM: &str = "customers c \
    JOIN divisions dv ON dv.id = c.division_id \
    LEFT JOIN users ow ON ow.id = c.owner_id \
    LEFT JOIN dictionary_entries lv ON lv.id = c.level_id \
    LEFT JOIN dictionary_entries rg ON rg.id = c.region_id \
    LEFT JOIN dictionary_entries ind ON ind.id = c.industry_id";

/// The customer's own columns; the labels of what it links to come beside them, joined
/// (`COLUMNS`) or looked up per row (`SEARCH_COLUMNS`).
macro_rules! own_columns {
    () => {
        "c.id, c.number, c.name, c.division_id, c.owner_id, c.status, c.level_id, c.region_id, c.industry_id, \
         c.size, c.lifecycle_stage, c.satisfaction, c.credit, c.phone, c.fax, c.website, c.address, c.postcode, \
         c.tax_number, c.licence_number, c.legal_representative, c.registered_capital, c.annual_turnover, c.bank, \
         c.bank_account, c.notes, c.last_order_date, c.created_at, c.updated_at, c.version"
    };
}

const COLUMNS: &str = concat!(
    own_columns!(),
    ", dv.name AS division_name, COALESCE(ow.display_name, ow.username) AS owner_name, lv.label AS level_label, \
     rg.label AS region_label, ind.label AS industry_label"
);

/// The columns for `customers c` alone. PostgreSQL plans a search afresh for its words each
/// time, and ordering the six joins of `FROM` took 4.3 ms of each search statement at a
/// million customers (0.3 ms with the labels looked up); a page of hits has few labels.
const SEARCH_COLUMNS: &str = concat!(
    own_columns!(),
    ", (SELECT dv.name FROM divisions dv WHERE dv.id = c.division_id) AS division_name, \
     (SELECT COALESCE(ow.display_name, ow.username) FROM users ow WHERE ow.id = c.owner_id) AS owner_name, \
     (SELECT lv.label FROM dictionary_entries lv WHERE lv.id = c.level_id) AS level_label, \
     (SELECT rg.label FROM dictionary_entries rg WHERE rg.id = c.region_id) AS region_label, \
     (SELECT ind.label FROM dictionary_entries ind WHERE ind.id = c.industry_id) AS industry_label"
);

/// Scope is applied by `push_customer_scope` (owner or shared), not by the spec's columns.
const LIST: ListSpec = ListSpec {
    from: FROM,
    columns: COLUMNS,
    id: "c.id",
    default_sort: "-created_at",
    sorts: &[
        ("name", "c.name", Kind::Text),
        ("number", "c.number", Kind::Text),
        ("created_at", "c.created_at", Kind::Text),
        ("updated_at", "c.updated_at", Kind::Text),
        ("last_order_date", "COALESCE(c.last_order_date, '')", Kind::Text),
        ("satisfaction", "COALESCE(c.satisfaction, 0)", Kind::Int),
        ("credit", "COALESCE(c.credit, 0)", Kind::Int),
    ],
    filters: &[
        ("name", "c.name", Kind::Text),
        ("number", "c.number", Kind::Text),
        ("division_id", "c.division_id", Kind::Text),
        ("owner_id", "c.owner_id", Kind::Text),
        ("status", "c.status", Kind::Text),
        ("level_id", "c.level_id", Kind::Text),
        ("industry_id", "c.industry_id", Kind::Text),
        ("size", "c.size", Kind::Text),
        ("lifecycle_stage", "c.lifecycle_stage", Kind::Text),
        ("satisfaction", "c.satisfaction", Kind::Int),
        ("credit", "c.credit", Kind::Int),
        ("phone", "c.phone", Kind::Text),
        ("fax", "c.fax", Kind::Text),
        ("website", "c.website", Kind::Text),
        ("address", "c.address", Kind::Text),
        ("postcode", "c.postcode", Kind::Text),
        ("tax_number", "c.tax_number", Kind::Text),
        ("licence_number", "c.licence_number", Kind::Text),
        ("legal_representative", "c.legal_representative", Kind::Text),
        ("bank", "c.bank", Kind::Text),
        ("bank_account", "c.bank_account", Kind::Text),
        ("last_order_date", "c.last_order_date", Kind::Text),
    ],
    search: &[],
    division: None,
    owner: None,
};

/// ` AND …`: the customers `c` the scope may see — those of its divisions and, for an
/// own-scope reader, those they own or that are shared with them (ACL-3). Every read of
/// customers and of the records reached through them goes through here.
pub fn push_customer_scope(sql: &mut Sql, scope: &Scope) {
    push_scope(sql, scope, Some("c.division_id"), None);
    if let Some(user) = scope.owner_id {
        sql.push(" AND (c.owner_id = ").bind(user);
        sql.push(" OR EXISTS (SELECT 1 FROM customer_shares sh WHERE sh.customer_id = c.id AND sh.user_id = ");
        sql.bind(user).push("))");
    }
}

/// The scope's conditions as a fragment, for `list` and `find_where`.
pub fn scoped(scope: &Scope) -> Sql {
    let mut sql = Sql::default();
    push_customer_scope(&mut sql, scope);
    sql
}

/// A linked record from its id column and the column of its label.
pub fn reference(r: &AnyRow, id: &str, label: &str) -> Result<Option<Ref>, StoreError> {
    Ok(match r.opt_id(id)? {
        Some(id) => Some(Ref { id, label: r.opt_text(label)?.unwrap_or_default() }),
        None => None,
    })
}

pub fn code<T>(r: &AnyRow, col: &str, parse: fn(&str, &str) -> Result<T, FieldError>) -> Result<Option<T>, StoreError> {
    r.opt_text(col)?
        .map(|v| parse(col, &v).map_err(|_| StoreError::Other(format!("bad {col} {v:?}").into())))
        .transpose()
}

fn date(text: Option<String>) -> Result<Option<NaiveDate>, StoreError> {
    text.map(|t| NaiveDate::parse_from_str(&t, "%Y-%m-%d").map_err(|e| StoreError::Other(Box::new(e)))).transpose()
}

fn from_row(r: &AnyRow, tags: Vec<String>) -> Result<Customer, StoreError> {
    Ok(Customer {
        id: r.id("id")?,
        number: r.text("number")?,
        name: r.text("name")?,
        division_id: r.id("division_id")?,
        division: Ref { id: r.id("division_id")?, label: r.text("division_name")? },
        owner_id: r.opt_id("owner_id")?,
        owner: reference(r, "owner_id", "owner_name")?,
        status: code(r, "status", CustomerStatus::parse)?.unwrap_or(CustomerStatus::Prospect),
        level_id: r.opt_id("level_id")?,
        level: reference(r, "level_id", "level_label")?,
        region_id: r.opt_id("region_id")?,
        region: reference(r, "region_id", "region_label")?,
        industry_id: r.opt_id("industry_id")?,
        industry: reference(r, "industry_id", "industry_label")?,
        size: code(r, "size", CompanySize::parse)?,
        lifecycle_stage: code(r, "lifecycle_stage", LifecycleStage::parse)?,
        satisfaction: r.opt_int("satisfaction")?,
        credit: r.opt_int("credit")?,
        phone: r.opt_text("phone")?,
        fax: r.opt_text("fax")?,
        website: r.opt_text("website")?,
        address: r.opt_text("address")?,
        postcode: r.opt_text("postcode")?,
        tax_number: r.opt_text("tax_number")?,
        licence_number: r.opt_text("licence_number")?,
        legal_representative: r.opt_text("legal_representative")?,
        registered_capital: r.opt_int("registered_capital")?,
        annual_turnover: r.opt_int("annual_turnover")?,
        bank: r.opt_text("bank")?,
        bank_account: r.opt_text("bank_account")?,
        tags,
        notes: r.opt_text("notes")?,
        last_order_date: date(r.opt_text("last_order_date")?)?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        version: r.int("version")?,
    })
}

/// Customers of the rows with their tags (one more query for the whole batch).
async fn load(conn: &mut AnyConnection, rows: &[AnyRow]) -> Result<Vec<Customer>, StoreError> {
    let ids: Vec<String> = rows.iter().map(|r| r.text("id")).collect::<Result<_, _>>()?;
    let mut tags: HashMap<String, Vec<String>> = HashMap::new();
    if !ids.is_empty() {
        let mut sql = Sql::new("SELECT customer_id, tag FROM customer_tags WHERE ");
        sql.bind_in("customer_id", &ids).push(" ORDER BY tag");
        for r in sql.query().fetch_all(&mut *conn).await.map_err(store_error)? {
            tags.entry(r.text("customer_id")?).or_default().push(r.text("tag")?);
        }
    }
    rows.iter().map(|r| from_row(r, tags.remove(&r.text("id")?).unwrap_or_default())).collect()
}

/// Takes the list filters that are not plain columns out of the request into SQL conditions:
/// `tag`, `region_id` (a province also finds its cities), `ids` (a comma-separated selection),
/// `phone_digits` (a phone lookup), and `q`.
fn special_filters(db: &Db, req: &ListRequest) -> Result<(Sql, ListRequest), StoreError> {
    let mut extra = Sql::default();
    let mut rest = req.clone();
    rest.filters.clear();
    rest.q = None;
    for (name, value) in &req.filters {
        match name.as_str() {
            "tag" => {
                extra.push(" AND EXISTS (SELECT 1 FROM customer_tags ft WHERE ft.customer_id = c.id AND ft.tag = ");
                extra.bind(value).push(")");
            }
            "region_id" => {
                // The customers of the region's province (the province index gives them in name
                // order) that are in the region itself or, for a province, in any of its cities.
                extra.push(" AND c.province_id = ");
                push_province_of(&mut extra, value);
                extra.push(" AND (c.province_id = ").bind(value).push(" OR c.region_id = ").bind(value).push(")");
            }
            "ids" => {
                let ids: Vec<String> =
                    value.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
                if ids.iter().any(|id| Uuid::parse_str(id).is_err()) {
                    return Err(StoreError::Invalid(FieldError::new("ids", "invalid_filter")));
                }
                extra.push(" AND ").bind_in("c.id", &ids);
            }
            "phone_digits" => index::push_phone(&mut extra, "c.id", Entity::Customer, value),
            _ => rest.filters.push((name.clone(), value.clone())),
        }
    }
    if let Some(q) = &req.q {
        index::push_search(db.backend, &mut extra, "c.id", None, q);
    }
    Ok((extra, rest))
}

pub async fn list(db: &Db, scope: &Scope, req: &ListRequest) -> Result<Page<Customer>, StoreError> {
    let (mut extra, rest) = special_filters(db, req)?;
    extra.append(&scoped(scope));
    let page = list_rows(&db.reader, &LIST, &Scope::everything(), &extra, &rest).await?;
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    let items = load(&mut conn, &page.items).await?;
    Ok(Page { items, next_cursor: page.next_cursor, total: page.total })
}

/// Customers whose own document matches `q` (global search), newest first.
pub async fn search(db: &Db, scope: &Scope, q: &str, limit: u32) -> Result<Vec<Customer>, StoreError> {
    let query =
        DocumentQuery { columns: SEARCH_COLUMNS, from: "customers c", id: "c.id", entity: Entity::Customer.code() };
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    let rows = query.fetch(&mut conn, db.backend, q, &scoped(scope), limit).await?;
    load(&mut conn, &rows).await
}

pub async fn get(db: &Db, scope: &Scope, id: Uuid) -> Result<Customer, StoreError> {
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    get_in(&mut conn, scope, id).await
}

pub async fn get_in(conn: &mut AnyConnection, scope: &Scope, id: Uuid) -> Result<Customer, StoreError> {
    let row = find_where(&mut *conn, &LIST, &Scope::everything(), &scoped(scope), id).await?;
    load(conn, &[row]).await?.pop().ok_or(StoreError::NotFound)
}

pub async fn find_duplicates(
    db: &Db,
    scope: &Scope,
    probe: &DuplicateProbe,
    except: Option<Uuid>,
) -> Result<Vec<Duplicate>, StoreError> {
    let digits = probe.phone.as_deref().and_then(phone_digits);
    // Each criterion finds its candidates through its own index; the union drives the join.
    // One WHERE with OR, sorted by created_at, let SQLite walk the whole division instead.
    let mut candidates: Vec<Sql> = Vec::new();
    if let Some(name) = &probe.name {
        let mut c = Sql::new("SELECT n.id FROM customers n WHERE LOWER(n.name) = LOWER(");
        c.bind(name).push(")");
        candidates.push(c);
    }
    if let Some(digits) = &digits {
        let mut c = Sql::new("SELECT p.customer_id FROM customer_phones p WHERE p.entity = 'customer' AND p.digits = ");
        c.bind(digits);
        candidates.push(c);
    }
    if let Some(tax) = &probe.tax_number {
        let mut c = Sql::new("SELECT t.id FROM customers t WHERE t.tax_number = ");
        c.bind(tax);
        candidates.push(c);
    }
    if let Some(licence) = &probe.licence_number {
        let mut c = Sql::new("SELECT l.id FROM customers l WHERE l.licence_number = ");
        c.bind(licence);
        candidates.push(c);
    }
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT c.id, c.number, c.name, c.phone, c.tax_number, c.licence_number FROM (");
    for (i, c) in candidates.iter().enumerate() {
        if i > 0 {
            sql.push(" UNION ");
        }
        sql.append(c);
    }
    // CROSS JOIN keeps SQLite from reordering the loops; PostgreSQL plans it like any join.
    sql.push(") m CROSS JOIN customers c WHERE c.id = m.id");
    if let Some(id) = except {
        sql.push(" AND c.id <> ").bind(id);
    }
    push_customer_scope(&mut sql, scope);
    sql.push(" ORDER BY c.created_at LIMIT 20");
    let rows = sql.query().fetch_all(&db.reader).await.map_err(store_error)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let same = |a: Option<&str>, b: Option<String>| a.is_some() && a.map(str::to_string) == b;
        let name = r.text("name")?;
        let mut matched = Vec::new();
        if probe.name.as_ref().is_some_and(|n| n.to_lowercase() == name.to_lowercase()) {
            matched.push("name".to_string());
        }
        let phone = r.opt_text("phone")?.as_deref().and_then(phone_digits);
        if digits.is_some() && digits == phone {
            matched.push("phone".to_string());
        }
        if same(probe.tax_number.as_deref(), r.opt_text("tax_number")?) {
            matched.push("tax_number".to_string());
        }
        if same(probe.licence_number.as_deref(), r.opt_text("licence_number")?) {
            matched.push("licence_number".to_string());
        }
        let Some(first) = matched.first().cloned() else { continue };
        out.push(Duplicate {
            id: r.id("id")?,
            number: r.text("number")?,
            name,
            matched_on: first,
            matched_fields: matched,
        });
    }
    Ok(out)
}

async fn set_tags(conn: &mut AnyConnection, customer_id: Uuid, tags: &[String]) -> Result<(), StoreError> {
    let mut batch = Batch::default();
    let mut sql = Sql::new("DELETE FROM customer_tags WHERE customer_id = ");
    sql.bind(customer_id);
    batch.push(sql);
    push_tags(&mut batch, customer_id, tags);
    batch.execute(conn).await
}

fn push_tags(batch: &mut Batch, customer_id: Uuid, tags: &[String]) {
    for tag in tags {
        let mut sql = Sql::new("INSERT INTO customer_tags (customer_id, tag) VALUES (");
        sql.bind(customer_id).push(", ").bind(tag).push(")");
        batch.push(sql);
    }
}

/// The writable columns of a customer (`WRITABLE`, in order) with their values.
pub fn values(c: &Customer) -> [(&'static str, Arg); 25] {
    [
        ("name", c.name.clone().into()),
        ("division_id", c.division_id.into()),
        ("owner_id", c.owner_id.into()),
        ("status", c.status.code().into()),
        ("level_id", c.level_id.into()),
        ("region_id", c.region_id.into()),
        ("industry_id", c.industry_id.into()),
        ("size", c.size.map(CompanySize::code).into()),
        ("lifecycle_stage", c.lifecycle_stage.map(LifecycleStage::code).into()),
        ("satisfaction", c.satisfaction.into()),
        ("credit", c.credit.into()),
        ("phone", c.phone.clone().into()),
        ("fax", c.fax.clone().into()),
        ("website", c.website.clone().into()),
        ("address", c.address.clone().into()),
        ("postcode", c.postcode.clone().into()),
        ("tax_number", c.tax_number.clone().into()),
        ("licence_number", c.licence_number.clone().into()),
        ("legal_representative", c.legal_representative.clone().into()),
        ("registered_capital", c.registered_capital.into()),
        ("annual_turnover", c.annual_turnover.into()),
        ("bank", c.bank.clone().into()),
        ("bank_account", c.bank_account.clone().into()),
        ("notes", c.notes.clone().into()),
        ("updated_at", c.updated_at.into()),
    ]
}

/// Appends `, column = $n` for every writable column of a customer, in the order of `WRITABLE`.
fn push_values(sql: &mut Sql, c: &Customer, first_separator: &str, assign: bool) {
    for (i, (column, value)) in values(c).into_iter().enumerate() {
        sql.push(if i == 0 { first_separator } else { ", " });
        if assign {
            sql.push(column).push(" = ");
        }
        sql.bind(value);
    }
}

/// The province of a region (migration 0017), as a value: the region's parent, or the region
/// itself when it is a province. Customers keep it beside their region; the region filter
/// looks for the filter's.
fn push_province_of(sql: &mut Sql, region_id: impl Into<Arg>) {
    sql.push("(SELECT COALESCE(r.parent_id, r.id) FROM dictionary_entries r WHERE r.id = ").bind(region_id).push(")");
}

pub const WRITABLE: &str = "name, division_id, owner_id, status, level_id, region_id, industry_id, size, lifecycle_stage, \
    satisfaction, credit, phone, fax, website, address, postcode, tax_number, licence_number, legal_representative, \
    registered_capital, annual_turnover, bank, bank_account, notes, updated_at";

pub async fn create(db: &Db, new: &NewCustomer, today: NaiveDate, stamp: &AuditStamp) -> Result<Customer, StoreError> {
    let ahead = take_ahead(db, "customer", today).await?;
    db.write((new.clone(), stamp.clone(), ahead), move |conn, (new, stamp, ahead)| {
        Box::pin(insert(conn, new, ahead.as_deref(), today, stamp))
    })
    .await
}

/// Creates all customers of an import (CUS-9) in one transaction: all or none, numbered in
/// order from the `customer` sequence.
pub async fn create_many(
    db: &Db,
    new: &[NewCustomer],
    today: NaiveDate,
    stamp: &AuditStamp,
) -> Result<Vec<Customer>, StoreError> {
    let mut tx = db.begin_write().await?;
    let mut created = Vec::with_capacity(new.len());
    for customer in new {
        created.push(insert(&mut tx, customer, None, today, stamp).await?);
    }
    tx.commit().await.map_err(store_error)?;
    Ok(created)
}

/// The record a new customer becomes, before the database fills in the labels.
pub fn draft(new: &NewCustomer, id: Uuid, number: String, at: DateTime<Utc>) -> Customer {
    Customer {
        id,
        number,
        name: new.name.clone(),
        division_id: new.division_id,
        division: Ref { id: new.division_id, label: String::new() },
        owner_id: new.owner_id,
        owner: None,
        status: new.status,
        level_id: new.level_id,
        level: None,
        region_id: new.region_id,
        region: None,
        industry_id: new.industry_id,
        industry: None,
        size: new.size,
        lifecycle_stage: new.lifecycle_stage,
        satisfaction: new.satisfaction,
        credit: new.credit,
        phone: new.phone.clone(),
        fax: new.fax.clone(),
        website: new.website.clone(),
        address: new.address.clone(),
        postcode: new.postcode.clone(),
        tax_number: new.tax_number.clone(),
        licence_number: new.licence_number.clone(),
        legal_representative: new.legal_representative.clone(),
        registered_capital: new.registered_capital,
        annual_turnover: new.annual_turnover,
        bank: new.bank.clone(),
        bank_account: new.bank_account.clone(),
        tags: new.tags.clone(),
        notes: new.notes.clone(),
        last_order_date: None,
        created_at: at,
        updated_at: at,
        version: 1,
    }
}

/// One customer with its number (taken `ahead`, see `take_ahead`, or here), tags, search index
/// rows and audit entry, inside the caller's transaction.
pub async fn insert(
    tx: &mut AnyConnection,
    new: &NewCustomer,
    ahead: Option<&str>,
    today: NaiveDate,
    stamp: &AuditStamp,
) -> Result<Customer, StoreError> {
    let number = number_for(&mut *tx, ahead, "customer", today).await?;
    let draft = draft(new, Uuid::now_v7(), number, stamp.at);
    // The record, its tags and search rows, and the read-back for the labels of its references
    // go in one batch: this runs in the single writer's transaction.
    let mut batch = Batch::default();
    let mut sql = Sql::new("INSERT INTO customers (id, number, created_at, version, province_id, ");
    sql.push(WRITABLE).push(") VALUES (").bind(draft.id).push(", ").bind(&draft.number).push(", ");
    sql.bind(stamp.at).push(", 1, ");
    push_province_of(&mut sql, draft.region_id);
    push_values(&mut sql, &draft, ", ", false);
    sql.push(")");
    batch.push(sql);
    push_tags(&mut batch, draft.id, &draft.tags);
    index::customer_document(&draft).push_insert(&mut batch);
    batch.push(find_sql(&LIST, &Scope::everything(), &Sql::default(), draft.id));
    let rows = batch.fetch_all(&mut *tx).await.map_err(|e| match e {
        StoreError::Conflict { constraint, .. } if constraint == "in_use" => {
            StoreError::Invalid(FieldError::new("division_id", "unknown_division"))
        }
        other => other,
    })?;
    let row = rows.last().ok_or(StoreError::NotFound)?;
    // The tags are the ones just written.
    let customer = from_row(row, draft.tags.clone())?;
    audit::record(tx, stamp, change("create", None, Some(&customer))).await?;
    Ok(customer)
}

/// An audit change of a customer; `old` or `new` gives its id and division.
pub fn change<'a>(action: &'a str, old: Option<&'a Customer>, new: Option<&'a Customer>) -> Change<'a, Customer> {
    let any = new.or(old);
    Change {
        entity: ENTITY,
        entity_id: any.map_or(Uuid::nil(), |c| c.id),
        action,
        division_id: any.map(|c| c.division_id),
        old,
        new,
    }
}

/// Writes a customer's columns (not its number, tags or creation) and bumps its version,
/// if `version` is still the stored one.
pub async fn write(conn: &mut AnyConnection, c: &Customer, version: i64) -> Result<(), StoreError> {
    let mut sql = Sql::new("UPDATE customers SET version = version + 1, province_id = ");
    push_province_of(&mut sql, c.region_id);
    push_values(&mut sql, c, ", ", true);
    sql.push(" WHERE id = ").bind(c.id).push(" AND version = ").bind(version);
    if sql.query().execute(&mut *conn).await.map_err(store_error)?.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    Ok(())
}

pub async fn update(
    db: &Db,
    scope: &Scope,
    id: Uuid,
    version: Option<i64>,
    patch: &CustomerPatch,
    stamp: &AuditStamp,
) -> Result<Customer, StoreError> {
    let mut tx = db.begin_write().await?;
    let old = get_in(&mut tx, scope, id).await?;
    if version.is_some_and(|v| v != old.version) {
        return Err(StoreError::Stale);
    }
    let draft = patch.apply(&old, stamp.at);
    write(&mut tx, &draft, old.version).await?;
    if patch.tags.is_some() {
        set_tags(&mut tx, id, &draft.tags).await?;
    }
    let new = get_in(&mut tx, &Scope::everything(), id).await?;
    index::customer_document(&new).replace(&mut tx).await?;
    audit::record(&mut tx, stamp, change("update", Some(&old), Some(&new))).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(new)
}

pub async fn delete(db: &Db, scope: &Scope, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    let old = get_in(&mut tx, scope, id).await?;
    index::forget_customer(&mut tx, id).await?;
    let mut sql = Sql::new("DELETE FROM customers WHERE id = ");
    sql.bind(id);
    // Orders and the records of later modules refer to customers without cascading.
    sql.query().execute(&mut *tx).await.map_err(|e| match store_error(e) {
        StoreError::Conflict { .. } => StoreError::Conflict { constraint: "customer_in_use".into(), field: None },
        other => other,
    })?;
    audit::record(&mut tx, stamp, change("delete", Some(&old), None)).await?;
    tx.commit().await.map_err(store_error)
}

/// The division of a customer, for the audit rows of the records that hang off it.
pub async fn division_of(conn: &mut AnyConnection, customer_id: Uuid) -> Result<Uuid, StoreError> {
    let mut sql = Sql::new("SELECT division_id FROM customers WHERE id = ");
    sql.bind(customer_id);
    sql.query().fetch_optional(&mut *conn).await.map_err(store_error)?.ok_or(StoreError::NotFound)?.id("division_id")
}

/// The sums per customer and currency of the orders that are not cancelled, as the rows of
/// `customer_order_totals`; callers narrow it with ` AND …` and close it with `GROUP_TOTALS`.
pub const ORDER_TOTALS: &str = "INSERT INTO customer_order_totals (customer_id, currency, total, orders, \
    first_order_date, last_order_date) SELECT customer_id, currency, SUM(total), COUNT(*), MIN(order_date), \
    MAX(order_date) FROM orders WHERE status <> 'cancelled'";
pub const GROUP_TOTALS: &str = " GROUP BY customer_id, currency";

/// Recomputes what is denormalised from the customer's orders that are not cancelled: the
/// date of its latest one and its totals per currency (RPT-1, RPT-6). Recomputing rather than
/// adding keeps them exact whatever the write was. The customer's row is updated first: on
/// PostgreSQL its lock queues writers of the same customer's orders, so the totals below are
/// computed from what the one before committed.
pub async fn refresh_order_figures(conn: &mut AnyConnection, customer_id: Uuid) -> Result<(), StoreError> {
    let mut sql = Sql::new(
        "UPDATE customers SET last_order_date = (SELECT MAX(o.order_date) FROM orders o WHERE o.customer_id = ",
    );
    sql.bind(customer_id).push(" AND o.status <> 'cancelled') WHERE id = ").bind(customer_id);
    sql.query().execute(&mut *conn).await.map_err(store_error)?;
    let mut sql = Sql::new("DELETE FROM customer_order_totals WHERE customer_id = ");
    sql.bind(customer_id);
    sql.query().execute(&mut *conn).await.map_err(store_error)?;
    let mut sql = Sql::new(ORDER_TOTALS);
    sql.push(" AND customer_id = ").bind(customer_id).push(GROUP_TOTALS);
    sql.query().execute(&mut *conn).await.map(|_| ()).map_err(store_error)
}
