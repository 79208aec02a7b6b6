//! Development plans (SAL-3): the items of a visible opportunity.

use chrono::NaiveDate;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crm_core::access::{AuditStamp, Scope};
use crm_core::sales::opportunities::{NewPlanItem, Opportunity, PlanItem, PlanItemPatch};
use crm_core::store::StoreError;

use super::record;
use crate::Db;
use crate::audit::{self, Change};
use crate::sql::{RowExt, Sql, store_error};

const ENTITY: &str = "plan-items";

const COLUMNS: &str = "id, opportunity_id, planned_on, content, result, created_at, updated_at, version";

fn from_row(r: &AnyRow) -> Result<PlanItem, StoreError> {
    let planned_on = r.text("planned_on")?;
    Ok(PlanItem {
        id: r.id("id")?,
        opportunity_id: r.id("opportunity_id")?,
        planned_on: NaiveDate::parse_from_str(&planned_on, "%Y-%m-%d")
            .map_err(|_| StoreError::Other(format!("bad plan date {planned_on:?}").into()))?,
        content: r.text("content")?,
        result: r.opt_text("result")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        version: r.int("version")?,
    })
}

pub async fn list(db: &Db, scope: &Scope, opportunity_id: Uuid) -> Result<Vec<PlanItem>, StoreError> {
    let mut conn = db.reader.acquire().await.map_err(store_error)?;
    record::get_in(&mut conn, scope, opportunity_id).await?;
    let mut sql = Sql::new("SELECT ");
    sql.push(COLUMNS).push(" FROM opportunity_plan_items WHERE opportunity_id = ").bind(opportunity_id);
    sql.push(" ORDER BY planned_on, id");
    sql.query().fetch_all(&mut *conn).await.map_err(store_error)?.iter().map(from_row).collect()
}

async fn get_in(conn: &mut AnyConnection, opportunity_id: Uuid, id: Uuid) -> Result<PlanItem, StoreError> {
    let mut sql = Sql::new("SELECT ");
    sql.push(COLUMNS).push(" FROM opportunity_plan_items WHERE id = ").bind(id);
    sql.push(" AND opportunity_id = ").bind(opportunity_id);
    from_row(&sql.query().fetch_optional(conn).await.map_err(store_error)?.ok_or(StoreError::NotFound)?)
}

fn change<'a>(
    action: &'a str,
    of: &Opportunity,
    old: Option<&'a PlanItem>,
    new: Option<&'a PlanItem>,
) -> Change<'a, PlanItem> {
    Change {
        entity: ENTITY,
        entity_id: new.or(old).map_or(Uuid::nil(), |i| i.id),
        action,
        division_id: Some(of.division_id),
        old,
        new,
    }
}

pub async fn create(
    db: &Db,
    scope: &Scope,
    opportunity_id: Uuid,
    new: &NewPlanItem,
    stamp: &AuditStamp,
) -> Result<PlanItem, StoreError> {
    let mut tx = db.begin_write().await?;
    let of = record::get_in(&mut tx, scope, opportunity_id).await?;
    let item = PlanItem {
        id: Uuid::now_v7(),
        opportunity_id,
        planned_on: new.planned_on,
        content: new.content.clone(),
        result: None,
        created_at: stamp.at,
        updated_at: stamp.at,
        version: 1,
    };
    let mut sql = Sql::new("INSERT INTO opportunity_plan_items (");
    sql.push(COLUMNS).push(") VALUES (").bind(item.id).push(", ").bind(opportunity_id).push(", ");
    sql.bind(item.planned_on.to_string()).push(", ").bind(&item.content).push(", ").bind(item.result.clone());
    sql.push(", ").bind(stamp.at).push(", ").bind(stamp.at).push(", 1)");
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    record::touch(&mut tx, opportunity_id, stamp).await?;
    audit::record(&mut tx, stamp, change("create", &of, None, Some(&item))).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(item)
}

pub async fn update(
    db: &Db,
    scope: &Scope,
    opportunity_id: Uuid,
    id: Uuid,
    version: Option<i64>,
    patch: &PlanItemPatch,
    stamp: &AuditStamp,
) -> Result<PlanItem, StoreError> {
    let mut tx = db.begin_write().await?;
    let of = record::get_in(&mut tx, scope, opportunity_id).await?;
    let old = get_in(&mut tx, opportunity_id, id).await?;
    if version.is_some_and(|v| v != old.version) {
        return Err(StoreError::Stale);
    }
    let new = patch.apply(&old, stamp.at);
    let mut sql = Sql::new("UPDATE opportunity_plan_items SET planned_on = ");
    sql.bind(new.planned_on.to_string()).push(", content = ").bind(&new.content);
    sql.push(", result = ").bind(new.result.clone()).push(", updated_at = ").bind(stamp.at);
    sql.push(", version = version + 1 WHERE id = ").bind(id).push(" AND version = ").bind(old.version);
    if sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected() == 0 {
        return Err(StoreError::Stale);
    }
    record::touch(&mut tx, opportunity_id, stamp).await?;
    audit::record(&mut tx, stamp, change("update", &of, Some(&old), Some(&new))).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(new)
}
