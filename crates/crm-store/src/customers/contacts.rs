use chrono::NaiveDate;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crm_core::access::{AuditStamp, Scope};
use crm_core::customers::{Contact, ContactPatch, Gender, NewContact};
use crm_core::listing::{ListRequest, Page};
use crm_core::store::StoreError;

use super::customer::{division_of, push_customer_scope, scoped};
use super::index::{self, DocumentQuery, Entity};
use crate::Db;
use crate::audit::{self, Change};
use crate::listing::{Kind, ListSpec, find_where, list as list_rows};
use crate::sql::{RowExt, Sql, store_error};

const ENTITY: &str = "contacts";

const FROM: &str = "contacts ct JOIN customers c ON c.id = ct.customer_id";

const COLUMNS: &str = "ct.id, ct.customer_id, c.name AS customer_name, ct.name, ct.gender, ct.title, \
    ct.phone, ct.mobile, ct.email, ct.birthday, ct.reports_to_id, ct.is_primary, ct.notes, ct.created_at, \
    ct.updated_at, ct.version";

/// Scope is the customer's, applied by `push_customer_scope`.
const LIST: ListSpec = ListSpec {
    from: FROM,
    columns: COLUMNS,
    id: "ct.id",
    default_sort: "name",
    sorts: &[
        ("name", "ct.name", Kind::Text),
        ("created_at", "ct.created_at", Kind::Text),
        ("updated_at", "ct.updated_at", Kind::Text),
        ("birthday", "COALESCE(ct.birthday, '')", Kind::Text),
    ],
    filters: &[
        ("customer_id", "ct.customer_id", Kind::Text),
        ("name", "ct.name", Kind::Text),
        ("gender", "ct.gender", Kind::Text),
        ("title", "ct.title", Kind::Text),
        ("phone", "ct.phone", Kind::Text),
        ("mobile", "ct.mobile", Kind::Text),
        ("email", "ct.email", Kind::Text),
        ("birthday", "ct.birthday", Kind::Text),
        ("reports_to_id", "ct.reports_to_id", Kind::Text),
        ("primary", "ct.is_primary", Kind::Bool),
        ("division_id", "c.division_id", Kind::Text),
    ],
    search: &[],
    division: None,
    owner: None,
};

fn from_row(r: &AnyRow) -> Result<Contact, StoreError> {
    let gender = r
        .opt_text("gender")?
        .map(|g| Gender::parse("gender", &g).map_err(|_| StoreError::Other(format!("bad gender {g:?}").into())))
        .transpose()?;
    let birthday = r
        .opt_text("birthday")?
        .map(|b| NaiveDate::parse_from_str(&b, "%Y-%m-%d").map_err(|e| StoreError::Other(Box::new(e))))
        .transpose()?;
    Ok(Contact {
        id: r.id("id")?,
        customer_id: r.id("customer_id")?,
        customer_name: r.text("customer_name")?,
        name: r.text("name")?,
        gender,
        title: r.opt_text("title")?,
        phone: r.opt_text("phone")?,
        mobile: r.opt_text("mobile")?,
        email: r.opt_text("email")?,
        birthday,
        reports_to_id: r.opt_id("reports_to_id")?,
        primary: r.flag("is_primary")?,
        notes: r.opt_text("notes")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        version: r.int("version")?,
    })
}

/// `q` searches the contacts' own documents; `phone_digits` looks a number up.
pub async fn list(db: &Db, scope: &Scope, req: &ListRequest) -> Result<Page<Contact>, StoreError> {
    let mut extra = Sql::default();
    let mut rest = req.clone();
    rest.q = None;
    rest.filters.retain(|(name, value)| {
        if name == "phone_digits" {
            index::push_phone(&mut extra, "ct.id", Entity::Contact, value);
            false
        } else {
            true
        }
    });
    if let Some(q) = &req.q {
        index::push_search(db.backend, &mut extra, "ct.id", Some(Entity::Contact), q);
    }
    extra.append(&scoped(scope));
    let page = list_rows(&db.reader, &LIST, &Scope::everything(), &extra, &rest).await?;
    page.try_map(|r| from_row(&r))
}

/// Contacts whose document matches `q` (global search), newest first.
pub async fn search(db: &Db, scope: &Scope, q: &str, limit: u32) -> Result<Vec<Contact>, StoreError> {
    let query = DocumentQuery { columns: COLUMNS, from: FROM, id: "ct.id", entity: Entity::Contact.code() };
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    let rows = query.fetch(&mut conn, db.backend, q, &scoped(scope), limit).await?;
    rows.iter().map(from_row).collect()
}

pub async fn get_in(conn: &mut AnyConnection, scope: &Scope, id: Uuid) -> Result<Contact, StoreError> {
    from_row(&find_where(&mut *conn, &LIST, &Scope::everything(), &scoped(scope), id).await?)
}

pub async fn get(db: &Db, scope: &Scope, id: Uuid) -> Result<Contact, StoreError> {
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    get_in(&mut conn, scope, id).await
}

pub async fn of_customer(db: &Db, scope: &Scope, customer_id: Uuid) -> Result<Vec<Contact>, StoreError> {
    let mut sql = Sql::new("SELECT ");
    sql.push(COLUMNS).push(" FROM ").push(FROM).push(" WHERE ct.customer_id = ").bind(customer_id);
    push_customer_scope(&mut sql, scope);
    sql.push(" ORDER BY ct.name, ct.id");
    let rows = sql.query().fetch_all(&db.reader).await.map_err(store_error)?;
    rows.iter().map(from_row).collect()
}

fn change<'a>(
    action: &'a str,
    division_id: Uuid,
    old: Option<&'a Contact>,
    new: Option<&'a Contact>,
) -> Change<'a, Contact> {
    Change {
        entity: ENTITY,
        entity_id: new.or(old).map_or(Uuid::nil(), |c| c.id),
        action,
        division_id: Some(division_id),
        old,
        new,
    }
}

/// Takes the primary flag from the customer's current primary contact (other than `except`).
async fn take_primary(
    conn: &mut AnyConnection,
    customer_id: Uuid,
    except: Option<Uuid>,
    stamp: &AuditStamp,
) -> Result<(), StoreError> {
    let mut sql = Sql::new("SELECT ct.id FROM contacts ct WHERE ct.is_primary = ");
    sql.bind(true).push(" AND ct.customer_id = ").bind(customer_id);
    let ids: Vec<Uuid> = sql
        .query()
        .fetch_all(&mut *conn)
        .await
        .map_err(store_error)?
        .iter()
        .map(|r| r.id("id"))
        .collect::<Result<_, _>>()?;
    for id in ids.into_iter().filter(|id| Some(*id) != except) {
        let old = get_in(conn, &Scope::everything(), id).await?;
        let mut sql = Sql::new("UPDATE contacts SET is_primary = ");
        sql.bind(false).push(", updated_at = ").bind(stamp.at).push(", version = version + 1 WHERE id = ").bind(id);
        sql.query().execute(&mut *conn).await.map_err(store_error)?;
        let new = Contact { primary: false, updated_at: stamp.at, version: old.version + 1, ..old.clone() };
        let division = division_of(conn, customer_id).await?;
        audit::record(conn, stamp, change("update", division, Some(&old), Some(&new))).await?;
    }
    Ok(())
}

pub async fn create(db: &Db, new: &NewContact, stamp: &AuditStamp) -> Result<Contact, StoreError> {
    db.write((new.clone(), stamp.clone()), move |conn, (new, stamp)| Box::pin(insert(conn, new, stamp))).await
}

/// One contact with its search document and audit entry, inside the caller's transaction.
pub async fn insert(tx: &mut AnyConnection, new: &NewContact, stamp: &AuditStamp) -> Result<Contact, StoreError> {
    let id = Uuid::now_v7();
    let division = division_of(&mut *tx, new.customer_id).await?;
    if new.primary {
        take_primary(tx, new.customer_id, None, stamp).await?;
    }
    let mut sql = Sql::new(
        "INSERT INTO contacts (id, customer_id, name, gender, title, phone, mobile, email, birthday, reports_to_id, \
         is_primary, notes, created_at, updated_at, version) VALUES (",
    );
    sql.bind(id).push(", ").bind(new.customer_id).push(", ").bind(&new.name).push(", ");
    sql.bind(new.gender.map(Gender::code)).push(", ").bind(new.title.clone()).push(", ");
    sql.bind(new.phone.clone()).push(", ").bind(new.mobile.clone()).push(", ").bind(new.email.clone()).push(", ");
    sql.bind(new.birthday.map(|b| b.to_string())).push(", ").bind(new.reports_to_id).push(", ");
    sql.bind(new.primary).push(", ").bind(new.notes.clone()).push(", ").bind(stamp.at).push(", ").bind(stamp.at);
    sql.push(", 1)");
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    let contact = get_in(tx, &Scope::everything(), id).await?;
    index::contact_document(&contact).insert(tx).await?;
    audit::record(tx, stamp, change("create", division, None, Some(&contact))).await?;
    Ok(contact)
}

pub async fn update(
    db: &Db,
    scope: &Scope,
    id: Uuid,
    version: Option<i64>,
    patch: &ContactPatch,
    stamp: &AuditStamp,
) -> Result<Contact, StoreError> {
    let mut tx = db.begin_write().await?;
    let old = get_in(&mut tx, scope, id).await?;
    if version.is_some_and(|v| v != old.version) {
        return Err(StoreError::Stale);
    }
    let new = patch.apply(&old, stamp.at);
    if new.primary && !old.primary {
        take_primary(&mut tx, old.customer_id, Some(id), stamp).await?;
    }
    let mut sql = Sql::new("UPDATE contacts SET name = ");
    sql.bind(&new.name).push(", gender = ").bind(new.gender.map(Gender::code));
    sql.push(", title = ").bind(new.title.clone()).push(", phone = ").bind(new.phone.clone());
    sql.push(", mobile = ").bind(new.mobile.clone()).push(", email = ").bind(new.email.clone());
    sql.push(", birthday = ").bind(new.birthday.map(|b| b.to_string()));
    sql.push(", reports_to_id = ").bind(new.reports_to_id).push(", is_primary = ").bind(new.primary);
    sql.push(", notes = ").bind(new.notes.clone()).push(", updated_at = ").bind(stamp.at);
    sql.push(", version = version + 1 WHERE id = ").bind(id).push(" AND version = ").bind(old.version);
    if sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    index::contact_document(&new).replace(&mut tx).await?;
    let division = division_of(&mut tx, old.customer_id).await?;
    audit::record(&mut tx, stamp, change("update", division, Some(&old), Some(&new))).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(new)
}

pub async fn delete(db: &Db, scope: &Scope, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    let old = get_in(&mut tx, scope, id).await?;
    index::forget(&mut tx, id).await?;
    // Reports and interactions keep existing without the contact (ON DELETE SET NULL).
    let mut sql = Sql::new("DELETE FROM contacts WHERE id = ");
    sql.bind(id);
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    let division = division_of(&mut tx, old.customer_id).await?;
    audit::record(&mut tx, stamp, change("delete", division, Some(&old), None)).await?;
    tx.commit().await.map_err(store_error)
}
