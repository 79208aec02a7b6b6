use sqlx::any::AnyRow;
use uuid::Uuid;

use crm_core::access::{AuditStamp, Scope};
use crm_core::customers::{NewSavedFilter, SavedFilter};
use crm_core::listing::{ListRequest, Page};
use crm_core::store::StoreError;

use crate::Db;
use crate::listing::{Kind, ListSpec, list as list_rows};
use crate::sql::{RowExt, Sql, store_error};

// Saved filters are a user's own preferences, not business data, so they are not audited.

const LIST: ListSpec = ListSpec {
    from: "saved_filters f",
    columns: "f.id, f.name, f.query, f.created_at",
    id: "f.id",
    default_sort: "name",
    sorts: &[("name", "f.name", Kind::Text), ("created_at", "f.created_at", Kind::Text)],
    filters: &[("name", "f.name", Kind::Text)],
    search: &["f.name"],
    division: None,
    owner: None,
};

fn from_row(r: &AnyRow) -> Result<SavedFilter, StoreError> {
    Ok(SavedFilter {
        id: r.id("id")?,
        name: r.text("name")?,
        query: r.text("query")?,
        created_at: r.time("created_at")?,
    })
}

pub async fn list(db: &Db, user_id: Uuid, req: &ListRequest) -> Result<Page<SavedFilter>, StoreError> {
    let mut extra = Sql::new(" AND f.user_id = ");
    extra.bind(user_id);
    let page = list_rows(&db.reader, &LIST, &Scope::everything(), &extra, req).await?;
    page.try_map(|r| from_row(&r))
}

pub async fn create(db: &Db, new: &NewSavedFilter, stamp: &AuditStamp) -> Result<SavedFilter, StoreError> {
    let filter =
        SavedFilter { id: Uuid::now_v7(), name: new.name.clone(), query: new.query.clone(), created_at: stamp.at };
    let mut sql = Sql::new("INSERT INTO saved_filters (id, user_id, name, query, created_at) VALUES (");
    sql.bind(filter.id).push(", ").bind(new.user_id).push(", ").bind(&filter.name).push(", ").bind(&filter.query);
    sql.push(", ").bind(stamp.at).push(")");
    sql.query().execute(&db.writer).await.map_err(store_error)?;
    Ok(filter)
}

pub async fn delete(db: &Db, user_id: Uuid, id: Uuid) -> Result<(), StoreError> {
    let mut sql = Sql::new("DELETE FROM saved_filters WHERE id = ");
    sql.bind(id).push(" AND user_id = ").bind(user_id);
    match sql.query().execute(&db.writer).await.map_err(store_error)?.rows_affected() {
        0 => Err(StoreError::NotFound),
        _ => Ok(()),
    }
}
