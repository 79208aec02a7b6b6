//! Response and resolution targets per service type, and the `sla-check` flagging (SVC-3).

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crm_core::access::AuditStamp;
use crm_core::customers::Ref;
use crm_core::notifications::NotificationKind;
use crm_core::service::{ServiceStatus, Sla, SlaRun, Targets};
use crm_core::store::StoreError;

use crate::Db;
use crate::audit::{self, Change};
use crate::notifications;
use crate::sql::{RowExt, Sql, store_error};

const SELECT: &str = "SELECT d.id, d.label, s.response_minutes, s.resolution_minutes FROM dictionary_entries d \
    LEFT JOIN service_sla s ON s.type_id = d.id WHERE d.kind = 'service_type'";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Sla, StoreError> {
    let (response, resolution) = (r.opt_int("response_minutes")?, r.opt_int("resolution_minutes")?);
    let targets = match (response, resolution) {
        (Some(response_minutes), Some(resolution_minutes)) => Targets { response_minutes, resolution_minutes },
        _ => Targets::DEFAULT,
    };
    Ok(Sla {
        type_id: r.id("id")?,
        service_type: Ref { id: r.id("id")?, label: r.text("label")? },
        response_minutes: targets.response_minutes,
        resolution_minutes: targets.resolution_minutes,
        configured: response.is_some(),
    })
}

pub async fn targets(db: &Db, type_id: Uuid) -> Result<Targets, StoreError> {
    let mut sql = Sql::new("SELECT response_minutes, resolution_minutes FROM service_sla WHERE type_id = ");
    sql.bind(type_id);
    match sql.query().fetch_optional(&db.reader).await.map_err(store_error)? {
        Some(r) => Ok(Targets {
            response_minutes: r.int("response_minutes")?,
            resolution_minutes: r.int("resolution_minutes")?,
        }),
        None => Ok(Targets::DEFAULT),
    }
}

pub async fn list(db: &Db) -> Result<Vec<Sla>, StoreError> {
    let mut sql = Sql::new(SELECT);
    sql.push(" ORDER BY d.position, d.label");
    let rows = sql.query().fetch_all(&db.reader).await.map_err(store_error)?;
    rows.iter().map(from_row).collect()
}

pub async fn set(db: &Db, type_id: Uuid, targets: Targets, stamp: &AuditStamp) -> Result<Sla, StoreError> {
    let mut tx = db.begin_write().await?;
    let mut sql = Sql::new(SELECT);
    sql.push(" AND d.id = ").bind(type_id);
    let row = sql.query().fetch_optional(&mut *tx).await.map_err(store_error)?;
    let old = from_row(&row.ok_or(StoreError::NotFound)?)?;
    let mut sql = Sql::new(
        "INSERT INTO service_sla (type_id, response_minutes, resolution_minutes, updated_at, version) VALUES (",
    );
    sql.bind(type_id).push(", ").bind(targets.response_minutes).push(", ").bind(targets.resolution_minutes);
    sql.push(", ").bind(stamp.at).push(", 1) ON CONFLICT (type_id) DO UPDATE SET response_minutes = ");
    sql.push("excluded.response_minutes, resolution_minutes = excluded.resolution_minutes, ");
    sql.push("updated_at = excluded.updated_at, version = service_sla.version + 1");
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    let new = Sla {
        response_minutes: targets.response_minutes,
        resolution_minutes: targets.resolution_minutes,
        configured: true,
        ..old.clone()
    };
    let change = Change {
        entity: "service_sla",
        entity_id: type_id,
        action: "update",
        division_id: None,
        old: Some(&old),
        new: Some(&new),
    };
    audit::record(&mut tx, stamp, change).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(new)
}

#[derive(Serialize)]
struct OverdueFlag {
    overdue_since: DateTime<Utc>,
}

/// Flags each request found late, with its audit row. The UPDATE is conditional on the flag
/// still being unset, so processes running the check together flag each request once.
pub async fn flag_overdue(db: &Db, now: DateTime<Utc>, stamp: &AuditStamp) -> Result<SlaRun, StoreError> {
    let mut tx = db.begin_write().await?;
    let mut sql = Sql::new("SELECT id, division_id FROM service_requests WHERE overdue_since IS NULL AND status <> ");
    sql.bind(ServiceStatus::Archived.code()).push(" AND (resolve_by < ").bind(now);
    sql.push(" OR (status = ").bind(ServiceStatus::Created.code()).push(" AND respond_by < ").bind(now).push("))");
    let rows = sql.query().fetch_all(&mut *tx).await.map_err(store_error)?;
    let mut run = SlaRun::default();
    for r in &rows {
        let (id, division_id) = (r.id("id")?, r.id("division_id")?);
        let mut sql = Sql::new("UPDATE service_requests SET overdue_since = ");
        sql.bind(stamp.at).push(" WHERE id = ").bind(id).push(" AND overdue_since IS NULL");
        if sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected() == 0 {
            continue;
        }
        run.flagged += 1;
        let new = OverdueFlag { overdue_since: stamp.at };
        let change = Change {
            entity: "service_requests",
            entity_id: id,
            action: "overdue",
            division_id: Some(division_id),
            old: None,
            new: Some(&new),
        };
        audit::record(&mut tx, stamp, change).await?;
    }
    // The handler of each request found late hears of it, or its creator while unassigned.
    let mut found = Sql::new(
        "SELECT id, COALESCE(handler_id, created_by) AS user_id, number || ' ' || summary AS subject, \
         '' AS tag FROM service_requests WHERE overdue_since = ",
    );
    found.bind(stamp.at);
    let kind = NotificationKind::SlaBreached;
    notifications::notify_found(&mut tx, kind, "service-requests", "sla", &found, stamp.at).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(run)
}
