use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crm_core::access::{AuditStamp, Scope};
use crm_core::base_data::{DictionaryEntry, DictionaryEntryPatch, DictionaryKind, NewDictionaryEntry};
use crm_core::listing::{ListRequest, Page};
use crm_core::store::StoreError;

use crate::Db;
use crate::audit::{self, Change};
use crate::listing::{Kind, ListSpec, find, list as list_rows};
use crate::sql::{RowExt, Sql, store_error};

const ENTITY: &str = "dictionary-entries";

const COLUMNS: &str = "d.id, d.kind, d.parent_id, d.code, d.label, d.position, d.editable, d.enabled, d.created_at, d.updated_at, d.version";

const LIST: ListSpec = ListSpec {
    from: "dictionary_entries d",
    columns: COLUMNS,
    id: "d.id",
    default_sort: "position",
    sorts: &[
        ("position", "d.position", Kind::Int),
        ("label", "d.label", Kind::Text),
        ("created_at", "d.created_at", Kind::Text),
    ],
    filters: &[
        ("kind", "d.kind", Kind::Text),
        ("parent_id", "d.parent_id", Kind::Text),
        ("top_level", "(d.parent_id IS NULL)", Kind::Bool),
        ("code", "d.code", Kind::Text),
        ("label", "d.label", Kind::Text),
        ("enabled", "d.enabled", Kind::Bool),
        ("editable", "d.editable", Kind::Bool),
    ],
    search: &["d.label"],
    division: None,
    owner: None,
};

fn from_row(r: &AnyRow) -> Result<DictionaryEntry, StoreError> {
    let kind = r.text("kind")?;
    Ok(DictionaryEntry {
        id: r.id("id")?,
        kind: DictionaryKind::parse(&kind)
            .map_err(|_| StoreError::Other(format!("bad dictionary kind {kind}").into()))?,
        parent_id: r.opt_id("parent_id")?,
        code: r.opt_text("code")?,
        label: r.text("label")?,
        position: r.int("position")?,
        editable: r.flag("editable")?,
        enabled: r.flag("enabled")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        version: r.int("version")?,
    })
}

pub async fn list(db: &Db, req: &ListRequest) -> Result<Page<DictionaryEntry>, StoreError> {
    let page = list_rows(&db.reader, &LIST, &Scope::everything(), &Sql::default(), req).await?;
    page.try_map(|r| from_row(&r))
}

pub async fn get<'c, E>(conn: E, id: Uuid) -> Result<DictionaryEntry, StoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    from_row(&find(conn, &LIST, &Scope::everything(), id).await?)
}

/// Rows per INSERT statement: well under the bind limits of both backends.
const ROWS_PER_INSERT: usize = 100;

/// Inserts entries with multi-row statements, so that seeding hundreds of regions stays fast.
pub async fn insert_rows(conn: &mut AnyConnection, entries: &[DictionaryEntry]) -> Result<(), StoreError> {
    for chunk in entries.chunks(ROWS_PER_INSERT) {
        let mut sql = Sql::new(
            "INSERT INTO dictionary_entries \
             (id, kind, parent_id, code, label, position, editable, enabled, created_at, updated_at, version) VALUES ",
        );
        for (i, e) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.bind(e.id).push(", ").bind(e.kind.code()).push(", ").bind(e.parent_id).push(", ");
            sql.bind(e.code.clone()).push(", ").bind(&e.label).push(", ").bind(e.position).push(", ");
            sql.bind(e.editable).push(", ").bind(e.enabled).push(", ").bind(e.created_at).push(", ");
            sql.bind(e.updated_at).push(", ").bind(e.version).push(")");
        }
        sql.query().execute(&mut *conn).await.map_err(store_error)?;
    }
    Ok(())
}

/// After the last entry of the same kind under the same parent.
async fn next_position(conn: &mut AnyConnection, new: &NewDictionaryEntry) -> Result<i64, StoreError> {
    let mut sql = Sql::new("SELECT COALESCE(MAX(position), 0) + 1 AS n FROM dictionary_entries WHERE kind = ");
    sql.bind(new.kind.code()).push(" AND COALESCE(parent_id, '') = ");
    sql.bind(new.parent_id.map(|p| p.to_string()).unwrap_or_default());
    sql.query().fetch_one(&mut *conn).await.map_err(store_error)?.int("n")
}

pub async fn create(db: &Db, new: &NewDictionaryEntry, stamp: &AuditStamp) -> Result<DictionaryEntry, StoreError> {
    let mut tx = db.begin_write().await?;
    let position = match new.position {
        Some(p) => p,
        None => next_position(&mut tx, new).await?,
    };
    let entry = DictionaryEntry {
        id: Uuid::now_v7(),
        kind: new.kind,
        parent_id: new.parent_id,
        code: new.code.clone(),
        label: new.label.clone(),
        position,
        editable: new.editable,
        enabled: new.enabled,
        created_at: stamp.at,
        updated_at: stamp.at,
        version: 1,
    };
    insert_rows(&mut tx, std::slice::from_ref(&entry)).await?;
    let change = Change {
        entity: ENTITY,
        entity_id: entry.id,
        action: "create",
        division_id: None,
        old: None,
        new: Some(&entry),
    };
    audit::record(&mut tx, stamp, change).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(entry)
}

fn not_editable() -> StoreError {
    StoreError::Conflict { constraint: "entry_not_editable".into(), field: None }
}

pub async fn update(
    db: &Db,
    id: Uuid,
    version: Option<i64>,
    patch: &DictionaryEntryPatch,
    stamp: &AuditStamp,
) -> Result<DictionaryEntry, StoreError> {
    let mut tx = db.begin_write().await?;
    let old = get(&mut *tx, id).await?;
    if version.is_some_and(|v| v != old.version) {
        return Err(StoreError::Stale);
    }
    if !old.editable && patch.changes_fixed_fields(&old) {
        return Err(not_editable());
    }
    let new = patch.apply(&old, stamp.at);
    let mut sql = Sql::new("UPDATE dictionary_entries SET label = ");
    sql.bind(&new.label).push(", code = ").bind(new.code.clone()).push(", position = ").bind(new.position);
    sql.push(", editable = ").bind(new.editable).push(", enabled = ").bind(new.enabled);
    sql.push(", updated_at = ").bind(stamp.at).push(", version = version + 1 WHERE id = ").bind(id);
    sql.push(" AND version = ").bind(old.version);
    if sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    let change =
        Change { entity: ENTITY, entity_id: id, action: "update", division_id: None, old: Some(&old), new: Some(&new) };
    audit::record(&mut tx, stamp, change).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(new)
}

pub async fn delete(db: &Db, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    let old = get(&mut *tx, id).await?;
    if !old.editable {
        return Err(not_editable());
    }
    let mut sql = Sql::new("DELETE FROM dictionary_entries WHERE id = ");
    sql.bind(id);
    // Child entries and the records of other modules refer to entries by foreign key.
    sql.query().execute(&mut *tx).await.map_err(|e| match store_error(e) {
        StoreError::Conflict { .. } => {
            StoreError::Conflict { constraint: "dictionary_entry_in_use".into(), field: None }
        }
        other => other,
    })?;
    let change =
        Change { entity: ENTITY, entity_id: id, action: "delete", division_id: None, old: Some(&old), new: None };
    audit::record(&mut tx, stamp, change).await?;
    tx.commit().await.map_err(store_error)
}
