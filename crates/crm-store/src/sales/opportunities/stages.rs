//! The pipeline's stages: shipped defaults, edited by administrators.

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crm_core::access::AuditStamp;
use crm_core::base_data::DictionaryKind;
use crm_core::sales::opportunities::{NewPipelineStage, Outcome, PipelineStage, PipelineStagePatch, default_stages};
use crm_core::store::StoreError;

use crate::Db;
use crate::audit::{self, Change};
use crate::sql::{RowExt, Sql, store_error};

const ENTITY: &str = "pipeline-stages";

const COLUMNS: &str = "id, name, position, probability, outcome, created_at, updated_at, version";

fn from_row(r: &AnyRow) -> Result<PipelineStage, StoreError> {
    let outcome = r
        .opt_text("outcome")?
        .map(|o| Outcome::parse("outcome", &o).map_err(|_| StoreError::Other(format!("bad outcome {o:?}").into())))
        .transpose()?;
    Ok(PipelineStage {
        id: r.id("id")?,
        name: r.text("name")?,
        position: r.int("position")?,
        probability: r.int("probability")?,
        outcome,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        version: r.int("version")?,
    })
}

pub async fn list_in(conn: &mut AnyConnection) -> Result<Vec<PipelineStage>, StoreError> {
    let mut sql = Sql::new("SELECT ");
    sql.push(COLUMNS).push(" FROM pipeline_stages ORDER BY position, name");
    sql.query().fetch_all(conn).await.map_err(store_error)?.iter().map(from_row).collect()
}

pub async fn list(db: &Db) -> Result<Vec<PipelineStage>, StoreError> {
    list_in(&mut *db.reader.acquire().await.map_err(store_error)?).await
}

pub async fn get_in(conn: &mut AnyConnection, id: Uuid) -> Result<PipelineStage, StoreError> {
    let mut sql = Sql::new("SELECT ");
    sql.push(COLUMNS).push(" FROM pipeline_stages WHERE id = ").bind(id);
    from_row(&sql.query().fetch_optional(conn).await.map_err(store_error)?.ok_or(StoreError::NotFound)?)
}

pub async fn get(db: &Db, id: Uuid) -> Result<PipelineStage, StoreError> {
    get_in(&mut *db.reader.acquire().await.map_err(store_error)?, id).await
}

/// The stage an opportunity enters when it closes this way.
pub async fn closing(conn: &mut AnyConnection, outcome: Outcome) -> Result<PipelineStage, StoreError> {
    let mut sql = Sql::new("SELECT ");
    sql.push(COLUMNS).push(" FROM pipeline_stages WHERE outcome = ").bind(outcome.code());
    from_row(&sql.query().fetch_optional(conn).await.map_err(store_error)?.ok_or(StoreError::NotFound)?)
}

fn change<'a>(
    action: &'a str,
    old: Option<&'a PipelineStage>,
    new: Option<&'a PipelineStage>,
) -> Change<'a, PipelineStage> {
    Change { entity: ENTITY, entity_id: new.or(old).map_or(Uuid::nil(), |s| s.id), action, division_id: None, old, new }
}

async fn insert(conn: &mut AnyConnection, s: &PipelineStage) -> Result<(), StoreError> {
    let mut sql = Sql::new("INSERT INTO pipeline_stages (");
    sql.push(COLUMNS).push(") VALUES (").bind(s.id).push(", ").bind(&s.name).push(", ").bind(s.position);
    sql.push(", ").bind(s.probability).push(", ").bind(s.outcome.map(Outcome::code)).push(", ");
    sql.bind(s.created_at).push(", ").bind(s.updated_at).push(", ").bind(s.version).push(")");
    sql.query().execute(&mut *conn).await.map(|_| ()).map_err(store_error)
}

/// Writes the shipped stages and loss reasons, once per database (a database seeded before
/// opportunities existed gets them on its next start); like the other defaults, not audited.
pub async fn seed(conn: &mut AnyConnection, at: DateTime<Utc>) -> Result<(), StoreError> {
    if list_in(conn).await?.is_empty() {
        for (position, (name, probability, outcome)) in (1..).zip(default_stages()) {
            let stage = PipelineStage {
                id: Uuid::now_v7(),
                name: name.into(),
                position: position * 10,
                probability,
                outcome,
                created_at: at,
                updated_at: at,
                version: 1,
            };
            insert(conn, &stage).await?;
        }
    }
    crate::base_data::seed_kind(conn, DictionaryKind::OpportunityLossReason, at).await
}

pub async fn create(db: &Db, new: &NewPipelineStage, stamp: &AuditStamp) -> Result<PipelineStage, StoreError> {
    let mut tx = db.begin_write().await?;
    let position = match new.position {
        Some(p) => p,
        // After the last open stage: the closing stages stay at the end of the board.
        None => {
            let row = sqlx::query("SELECT COALESCE(MAX(position), 0) AS p FROM pipeline_stages WHERE outcome IS NULL")
                .fetch_one(&mut *tx)
                .await
                .map_err(store_error)?;
            row.int("p")? + 1
        }
    };
    let stage = PipelineStage {
        id: Uuid::now_v7(),
        name: new.name.clone(),
        position,
        probability: new.probability,
        outcome: new.outcome,
        created_at: stamp.at,
        updated_at: stamp.at,
        version: 1,
    };
    insert(&mut tx, &stage).await?;
    audit::record(&mut tx, stamp, change("create", None, Some(&stage))).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(stage)
}

pub async fn update(
    db: &Db,
    id: Uuid,
    version: Option<i64>,
    patch: &PipelineStagePatch,
    stamp: &AuditStamp,
) -> Result<PipelineStage, StoreError> {
    let mut tx = db.begin_write().await?;
    let old = get_in(&mut tx, id).await?;
    if version.is_some_and(|v| v != old.version) {
        return Err(StoreError::Stale);
    }
    let new = patch.apply(&old, stamp.at);
    let mut sql = Sql::new("UPDATE pipeline_stages SET name = ");
    sql.bind(&new.name).push(", position = ").bind(new.position).push(", probability = ").bind(new.probability);
    sql.push(", updated_at = ").bind(stamp.at).push(", version = version + 1 WHERE id = ").bind(id);
    sql.push(" AND version = ").bind(old.version);
    if sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    audit::record(&mut tx, stamp, change("update", Some(&old), Some(&new))).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(new)
}

pub async fn delete(db: &Db, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    let old = get_in(&mut tx, id).await?;
    // The board's totals refer to the stage without a foreign key; empty rows go with it.
    let mut sql = Sql::new("DELETE FROM pipeline_totals WHERE count = 0 AND stage_id = ");
    sql.bind(id);
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    let mut sql = Sql::new("DELETE FROM pipeline_stages WHERE id = ");
    sql.bind(id);
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    audit::record(&mut tx, stamp, change("delete", Some(&old), None)).await?;
    tx.commit().await.map_err(store_error)
}
