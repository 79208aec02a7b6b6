//! Knowledge base articles (SVC-4) and their search documents, which use the tokens and the
//! index conditions of the customer search with a kind of their own (`article`).

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crm_core::access::{AuditStamp, Scope};
use crm_core::customers::search::document;
use crm_core::listing::{ListRequest, Page};
use crm_core::service::{Article, NewArticle, ServiceRequest};
use crm_core::store::StoreError;

use crate::Db;
use crate::audit::{self, Change};
use crate::customers::customer;
use crate::customers::index::DocumentQuery;
use crate::listing::{Kind, ListSpec, find, list as list_rows};
use crate::sql::{RowExt, Sql, store_error};

const ENTITY: &str = "knowledge_articles";
/// The kinds of the articles' search documents, as `customer` and `contact` are theirs: the
/// whole article, and its title alone.
const KIND: &str = "article";
const TITLE_KIND: &str = "article_title";

const COLUMNS: &str = "a.id, a.title, a.category, a.tags, a.body, a.created_by, \
    COALESCE(cr.display_name, cr.username) AS creator_name, a.created_at, a.updated_at, a.version";
const FROM: &str = "knowledge_articles a LEFT JOIN users cr ON cr.id = a.created_by";

const LIST: ListSpec = ListSpec {
    from: FROM,
    columns: COLUMNS,
    id: "a.id",
    default_sort: "-created_at",
    sorts: &[
        ("created_at", "a.created_at", Kind::Text),
        ("updated_at", "a.updated_at", Kind::Text),
        ("title", "a.title", Kind::Text),
    ],
    filters: &[("category", "a.category", Kind::Text)],
    search: &[],
    division: None,
    owner: None,
};

fn other(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Other(Box::new(e))
}

fn from_row(r: &AnyRow) -> Result<Article, StoreError> {
    Ok(Article {
        id: r.id("id")?,
        title: r.text("title")?,
        category: r.text("category")?,
        tags: serde_json::from_str(&r.text("tags")?).map_err(other)?,
        body: r.text("body")?,
        created_by: r.opt_id("created_by")?,
        creator: customer::reference(r, "created_by", "creator_name")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        version: r.int("version")?,
    })
}

/// ` AND …`: the `tag` filter, on the JSON array of tags.
fn tag_filter(req: &ListRequest) -> Result<(Sql, ListRequest), StoreError> {
    let mut sql = Sql::default();
    let mut rest = req.clone();
    rest.filters.retain(|(name, _)| name != "tag");
    rest.q = None;
    if let Some(tag) = req.filter("tag") {
        let quoted = serde_json::to_string(tag).map_err(other)?;
        let pattern = format!("%{}%", quoted.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        sql.push(" AND a.tags LIKE ").bind(pattern).push(" ESCAPE '\\'");
    }
    Ok((sql, rest))
}

pub async fn list(db: &Db, req: &ListRequest) -> Result<Page<Article>, StoreError> {
    let (mut extra, rest) = tag_filter(req)?;
    let q = req.q.as_deref().map(str::trim).unwrap_or_default();
    if q.is_empty() {
        return list_rows(&db.reader, &LIST, &Scope::everything(), &extra, &rest).await?.try_map(|r| from_row(&r));
    }
    // A search: one ranked page, articles with the words in their title first, each part
    // newest first, each read as the global search reads customers.
    if let Some(category) = rest.filter("category") {
        extra.push(" AND a.category = ").bind(category.to_string());
    }
    if let Some((name, _)) = rest.filters.iter().find(|(name, _)| name != "category") {
        return Err(StoreError::Invalid(crm_core::FieldError::new(name.clone(), "unknown_filter")));
    }
    let mut items: Vec<Article> = Vec::new();
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    for kind in [TITLE_KIND, KIND] {
        let query = DocumentQuery { columns: COLUMNS, from: FROM, id: "a.id", entity: kind };
        for row in query.fetch(&mut conn, db.backend, q, &extra, req.limit).await? {
            let a = from_row(&row)?;
            if items.len() < req.limit as usize && !items.iter().any(|i| i.id == a.id) {
                items.push(a);
            }
        }
    }
    Ok(Page { items, next_cursor: None, total: None })
}

async fn get_in(conn: &mut AnyConnection, id: Uuid) -> Result<Article, StoreError> {
    from_row(&find(conn, &LIST, &Scope::everything(), id).await?)
}

pub async fn get(db: &Db, id: Uuid) -> Result<Article, StoreError> {
    get_in(&mut *db.reader.acquire().await.map_err(store_error)?, id).await
}

/// Rewrites the article's search documents: the whole article, and the title alone.
async fn index(conn: &mut AnyConnection, id: Uuid, a: &NewArticle) -> Result<(), StoreError> {
    let mut sql = Sql::new("DELETE FROM knowledge_search WHERE entity_id = ");
    sql.bind(id);
    sql.query().execute(&mut *conn).await.map_err(store_error)?;
    let mut texts = vec![Some(a.title.as_str()), Some(a.category.as_str()), Some(a.body.as_str())];
    texts.extend(a.tags.iter().map(|t| Some(t.as_str())));
    for (kind, tokens) in [(KIND, document(&texts, &[])), (TITLE_KIND, document(&[Some(a.title.as_str())], &[]))] {
        let mut sql = Sql::new("INSERT INTO knowledge_search (entity, entity_id, tokens) VALUES (");
        sql.bind(kind).push(", ").bind(id).push(", ").bind(tokens).push(")");
        sql.query().execute(&mut *conn).await.map_err(store_error)?;
    }
    Ok(())
}

async fn log(
    conn: &mut AnyConnection,
    stamp: &AuditStamp,
    action: &str,
    old: Option<&Article>,
    new: Option<&Article>,
) -> Result<(), StoreError> {
    let Some(any) = new.or(old) else { return Ok(()) };
    let change = Change { entity: ENTITY, entity_id: any.id, action, division_id: None, old, new };
    audit::record(conn, stamp, change).await
}

pub async fn create(
    db: &Db,
    new: &NewArticle,
    created_by: Option<Uuid>,
    stamp: &AuditStamp,
) -> Result<Article, StoreError> {
    let mut tx = db.begin_write().await?;
    let id = Uuid::now_v7();
    let tags = serde_json::to_string(&new.tags).map_err(other)?;
    let mut sql = Sql::new(
        "INSERT INTO knowledge_articles (id, title, category, tags, body, created_by, created_at, updated_at, \
         version) VALUES (",
    );
    sql.bind(id).push(", ").bind(&new.title).push(", ").bind(&new.category).push(", ").bind(tags).push(", ");
    sql.bind(&new.body).push(", ").bind(created_by).push(", ").bind(stamp.at).push(", ").bind(stamp.at).push(", 1)");
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    index(&mut tx, id, new).await?;
    let a = get_in(&mut tx, id).await?;
    log(&mut tx, stamp, "create", None, Some(&a)).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(a)
}

pub async fn update(db: &Db, old: &Article, new: &NewArticle, stamp: &AuditStamp) -> Result<Article, StoreError> {
    let mut tx = db.begin_write().await?;
    let tags = serde_json::to_string(&new.tags).map_err(other)?;
    let mut sql = Sql::new("UPDATE knowledge_articles SET title = ");
    sql.bind(&new.title).push(", category = ").bind(&new.category).push(", tags = ").bind(tags);
    sql.push(", body = ").bind(&new.body).push(", updated_at = ").bind(stamp.at);
    sql.push(", version = version + 1 WHERE id = ").bind(old.id).push(" AND version = ").bind(old.version);
    if sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    index(&mut tx, old.id, new).await?;
    let a = get_in(&mut tx, old.id).await?;
    log(&mut tx, stamp, "update", Some(old), Some(&a)).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(a)
}

pub async fn delete(db: &Db, old: &Article, stamp: &AuditStamp) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    // The document goes first: SQLite's index triggers read it as it is deleted.
    let mut sql = Sql::new("DELETE FROM knowledge_search WHERE entity_id = ");
    sql.bind(old.id);
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    let mut sql = Sql::new("DELETE FROM knowledge_articles WHERE id = ");
    sql.bind(old.id).push(" AND version = ").bind(old.version);
    if sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    log(&mut tx, stamp, "delete", Some(old), None).await?;
    tx.commit().await.map_err(store_error)
}

pub async fn request_articles(db: &Db, request_id: Uuid) -> Result<Vec<Article>, StoreError> {
    let mut sql = Sql::new("SELECT ");
    sql.push(COLUMNS).push(" FROM ").push(FROM);
    sql.push(" JOIN service_request_articles l ON l.article_id = a.id WHERE l.request_id = ").bind(request_id);
    sql.push(" ORDER BY a.title, a.id");
    let rows = sql.query().fetch_all(&db.reader).await.map_err(store_error)?;
    rows.iter().map(from_row).collect()
}

#[derive(serde::Serialize)]
struct Link {
    article_id: Uuid,
}

pub async fn link(
    db: &Db,
    request: &ServiceRequest,
    article_id: Uuid,
    linked: bool,
    stamp: &AuditStamp,
) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    let sql = if linked {
        let mut sql = Sql::new("INSERT INTO service_request_articles (request_id, article_id) VALUES (");
        sql.bind(request.id).push(", ").bind(article_id).push(") ON CONFLICT (request_id, article_id) DO NOTHING");
        sql
    } else {
        let mut sql = Sql::new("DELETE FROM service_request_articles WHERE request_id = ");
        sql.bind(request.id).push(" AND article_id = ").bind(article_id);
        sql
    };
    if sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected() > 0 {
        let link = Link { article_id };
        let (action, old, new) =
            if linked { ("link_article", None, Some(&link)) } else { ("unlink_article", Some(&link), None) };
        let change = Change {
            entity: "service_requests",
            entity_id: request.id,
            action,
            division_id: Some(request.division_id),
            old,
            new,
        };
        audit::record(&mut tx, stamp, change).await?;
    }
    tx.commit().await.map_err(store_error)
}
