use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crm_core::access::{AuditStamp, Scope};
use crm_core::customers::{
    Attachment, AttachmentContent, Interaction, InteractionPatch, NewAttachment, NewInteraction,
};
use crm_core::listing::{ListRequest, Page};
use crm_core::store::StoreError;

use super::customer::{division_of, reference, scoped};
use crate::Db;
use crate::audit::{self, Change};
use crate::listing::{Kind, ListSpec, find_where, list as list_rows};
use crate::sql::{RowExt, Sql, store_error};

const ENTITY: &str = "interactions";

const FROM: &str = "interactions i JOIN customers c ON c.id = i.customer_id \
    LEFT JOIN dictionary_entries k ON k.id = i.kind_id \
    LEFT JOIN contacts ct ON ct.id = i.contact_id";

const COLUMNS: &str = "i.id, i.customer_id, i.occurred_at, i.kind_id, k.label AS kind_label, i.place, i.summary, \
    i.detail, i.contact_id, ct.name AS contact_name, i.author_id, i.author_name, i.created_at, i.updated_at, i.version";

/// Scope is the customer's, applied by `push_customer_scope`.
const LIST: ListSpec = ListSpec {
    from: FROM,
    columns: COLUMNS,
    id: "i.id",
    default_sort: "-occurred_at",
    sorts: &[
        ("occurred_at", "i.occurred_at", Kind::Text),
        ("created_at", "i.created_at", Kind::Text),
        ("updated_at", "i.updated_at", Kind::Text),
    ],
    filters: &[
        ("customer_id", "i.customer_id", Kind::Text),
        ("contact_id", "i.contact_id", Kind::Text),
        ("kind_id", "i.kind_id", Kind::Text),
        ("author_id", "i.author_id", Kind::Text),
        ("place", "i.place", Kind::Text),
        ("division_id", "c.division_id", Kind::Text),
    ],
    search: &["i.summary", "i.place"],
    division: None,
    owner: None,
};

fn from_row(r: &AnyRow) -> Result<Interaction, StoreError> {
    Ok(Interaction {
        id: r.id("id")?,
        customer_id: r.id("customer_id")?,
        occurred_at: r.time("occurred_at")?,
        kind_id: r.opt_id("kind_id")?,
        kind: reference(r, "kind_id", "kind_label")?,
        place: r.opt_text("place")?,
        summary: r.text("summary")?,
        detail: r.opt_text("detail")?,
        contact_id: r.opt_id("contact_id")?,
        contact: reference(r, "contact_id", "contact_name")?,
        author_id: r.opt_id("author_id")?,
        author_name: r.text("author_name")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        version: r.int("version")?,
    })
}

pub async fn list(db: &Db, scope: &Scope, req: &ListRequest) -> Result<Page<Interaction>, StoreError> {
    let page = list_rows(&db.reader, &LIST, &Scope::everything(), &scoped(scope), req).await?;
    page.try_map(|r| from_row(&r))
}

pub async fn get_in(conn: &mut AnyConnection, scope: &Scope, id: Uuid) -> Result<Interaction, StoreError> {
    from_row(&find_where(&mut *conn, &LIST, &Scope::everything(), &scoped(scope), id).await?)
}

pub async fn get(db: &Db, scope: &Scope, id: Uuid) -> Result<Interaction, StoreError> {
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    get_in(&mut conn, scope, id).await
}

pub async fn create(db: &Db, new: &NewInteraction, stamp: &AuditStamp) -> Result<Interaction, StoreError> {
    db.write((new.clone(), stamp.clone()), move |conn, (new, stamp)| Box::pin(insert(conn, new, stamp))).await
}

/// One interaction with its audit entry, inside the caller's transaction.
async fn insert(tx: &mut AnyConnection, new: &NewInteraction, stamp: &AuditStamp) -> Result<Interaction, StoreError> {
    let id = Uuid::now_v7();
    let mut sql = Sql::new(
        "INSERT INTO interactions (id, customer_id, occurred_at, kind_id, place, summary, detail, contact_id, \
         author_id, author_name, created_at, updated_at, version) VALUES (",
    );
    sql.bind(id).push(", ").bind(new.customer_id).push(", ").bind(new.occurred_at).push(", ").bind(new.kind_id);
    sql.push(", ").bind(new.place.clone()).push(", ").bind(&new.summary).push(", ").bind(new.detail.clone());
    sql.push(", ").bind(new.contact_id).push(", ").bind(stamp.actor_id).push(", ").bind(&stamp.actor_name);
    sql.push(", ").bind(stamp.at).push(", ").bind(stamp.at).push(", 1)");
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    let interaction = get_in(&mut *tx, &Scope::everything(), id).await?;
    let change = Change {
        entity: ENTITY,
        entity_id: id,
        action: "create",
        division_id: Some(division_of(&mut *tx, new.customer_id).await?),
        old: None,
        new: Some(&interaction),
    };
    audit::record(tx, stamp, change).await?;
    Ok(interaction)
}

pub async fn update(
    db: &Db,
    scope: &Scope,
    id: Uuid,
    version: Option<i64>,
    patch: &InteractionPatch,
    stamp: &AuditStamp,
) -> Result<Interaction, StoreError> {
    let mut tx = db.begin_write().await?;
    let old = get_in(&mut tx, scope, id).await?;
    if version.is_some_and(|v| v != old.version) {
        return Err(StoreError::Stale);
    }
    let draft = patch.apply(&old, stamp.at);
    let mut sql = Sql::new("UPDATE interactions SET occurred_at = ");
    sql.bind(draft.occurred_at).push(", kind_id = ").bind(draft.kind_id).push(", place = ").bind(draft.place.clone());
    sql.push(", summary = ").bind(&draft.summary).push(", detail = ").bind(draft.detail.clone());
    sql.push(", contact_id = ").bind(draft.contact_id).push(", updated_at = ").bind(stamp.at);
    sql.push(", version = version + 1 WHERE id = ").bind(id).push(" AND version = ").bind(old.version);
    if sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    let new = get_in(&mut tx, &Scope::everything(), id).await?;
    let change = Change {
        entity: ENTITY,
        entity_id: id,
        action: "update",
        division_id: Some(division_of(&mut tx, old.customer_id).await?),
        old: Some(&old),
        new: Some(&new),
    };
    audit::record(&mut tx, stamp, change).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(new)
}

/// Removes the interaction and its attachments.
pub async fn delete(db: &Db, scope: &Scope, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    let old = get_in(&mut tx, scope, id).await?;
    let mut sql = Sql::new("DELETE FROM interactions WHERE id = ");
    sql.bind(id);
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    let change = Change {
        entity: ENTITY,
        entity_id: id,
        action: "delete",
        division_id: Some(division_of(&mut tx, old.customer_id).await?),
        old: Some(&old),
        new: None,
    };
    audit::record(&mut tx, stamp, change).await?;
    tx.commit().await.map_err(store_error)
}

// ---- attachments --------------------------------------------------------------------------

const ATTACHMENT_FROM: &str = "attachments a JOIN customers c ON c.id = a.customer_id";

/// Everything but the bytes.
const ATTACHMENT_COLUMNS: &str = "a.id, a.customer_id, a.interaction_id, a.file_name, a.content_type, a.size, \
    a.uploaded_by_id, a.uploaded_by_name, a.created_at";

const ATTACHMENTS: ListSpec = ListSpec {
    from: ATTACHMENT_FROM,
    columns: ATTACHMENT_COLUMNS,
    id: "a.id",
    default_sort: "-created_at",
    sorts: &[
        ("created_at", "a.created_at", Kind::Text),
        ("file_name", "a.file_name", Kind::Text),
        ("size", "a.size", Kind::Int),
    ],
    filters: &[
        ("customer_id", "a.customer_id", Kind::Text),
        ("interaction_id", "a.interaction_id", Kind::Text),
        ("content_type", "a.content_type", Kind::Text),
    ],
    search: &["a.file_name"],
    division: None,
    owner: None,
};

fn attachment_from_row(r: &AnyRow) -> Result<Attachment, StoreError> {
    Ok(Attachment {
        id: r.id("id")?,
        customer_id: r.id("customer_id")?,
        interaction_id: r.opt_id("interaction_id")?,
        file_name: r.text("file_name")?,
        content_type: r.text("content_type")?,
        size: r.int("size")?,
        uploaded_by_id: r.opt_id("uploaded_by_id")?,
        uploaded_by_name: r.text("uploaded_by_name")?,
        created_at: r.time("created_at")?,
    })
}

pub async fn list_attachments(db: &Db, scope: &Scope, req: &ListRequest) -> Result<Page<Attachment>, StoreError> {
    let page = list_rows(&db.reader, &ATTACHMENTS, &Scope::everything(), &scoped(scope), req).await?;
    page.try_map(|r| attachment_from_row(&r))
}

async fn attachment_in(conn: &mut AnyConnection, scope: &Scope, id: Uuid) -> Result<Attachment, StoreError> {
    attachment_from_row(&find_where(&mut *conn, &ATTACHMENTS, &Scope::everything(), &scoped(scope), id).await?)
}

pub async fn get_attachment(db: &Db, scope: &Scope, id: Uuid) -> Result<AttachmentContent, StoreError> {
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    let attachment = attachment_in(&mut conn, scope, id).await?;
    let mut sql = Sql::new("SELECT data FROM attachments WHERE id = ");
    sql.bind(id);
    let row = sql.query().fetch_optional(&mut *conn).await.map_err(store_error)?.ok_or(StoreError::NotFound)?;
    Ok(AttachmentContent { attachment, data: row.bytes("data")? })
}

pub async fn create_attachment(db: &Db, new: &NewAttachment, stamp: &AuditStamp) -> Result<Attachment, StoreError> {
    let attachment = Attachment {
        id: Uuid::now_v7(),
        customer_id: new.customer_id,
        interaction_id: new.interaction_id,
        file_name: new.file_name.clone(),
        content_type: new.content_type.clone(),
        size: i64::try_from(new.data.len()).map_err(|e| StoreError::Other(Box::new(e)))?,
        uploaded_by_id: stamp.actor_id,
        uploaded_by_name: stamp.actor_name.clone(),
        created_at: stamp.at,
    };
    let mut tx = db.begin_write().await?;
    let mut sql = Sql::new(
        "INSERT INTO attachments (id, customer_id, interaction_id, file_name, content_type, size, uploaded_by_id, \
         uploaded_by_name, created_at, data) VALUES (",
    );
    sql.bind(attachment.id).push(", ").bind(attachment.customer_id).push(", ").bind(attachment.interaction_id);
    sql.push(", ").bind(&attachment.file_name).push(", ").bind(&attachment.content_type).push(", ");
    sql.bind(attachment.size).push(", ").bind(attachment.uploaded_by_id).push(", ");
    sql.bind(&attachment.uploaded_by_name).push(", ").bind(stamp.at).push(", ").bind(new.data.clone()).push(")");
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    let change = Change {
        entity: "attachments",
        entity_id: attachment.id,
        action: "create",
        division_id: Some(division_of(&mut tx, new.customer_id).await?),
        old: None,
        new: Some(&attachment),
    };
    audit::record(&mut tx, stamp, change).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(attachment)
}

pub async fn delete_attachment(db: &Db, scope: &Scope, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    let old = attachment_in(&mut tx, scope, id).await?;
    let mut sql = Sql::new("DELETE FROM attachments WHERE id = ");
    sql.bind(id);
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    let change = Change {
        entity: "attachments",
        entity_id: id,
        action: "delete",
        division_id: Some(division_of(&mut tx, old.customer_id).await?),
        old: Some(&old),
        new: None,
    };
    audit::record(&mut tx, stamp, change).await?;
    tx.commit().await.map_err(store_error)
}
