//! Opportunities: reads in the caller's scope, and every write in one transaction with its
//! audit row and the change to the board's totals.

use chrono::NaiveDate;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crm_core::access::{AuditStamp, Scope};
use crm_core::customers::{CustomerStatus, NewContact, Ref};
use crm_core::listing::{ListRequest, Page};
use crm_core::notifications::NotificationKind;
use crm_core::sales::opportunities::{
    Closing, NewOpportunity, Opportunity, OpportunityPatch, OpportunityStatus, Outcome, PipelineStage, WonCustomer,
};
use crm_core::store::StoreError;

use super::stages;
use crate::Db;
use crate::audit::{self, Change};
use crate::base_data::next_number;
use crate::customers::{contacts, customer};
use crate::listing::{Kind, ListSpec, find_where, list as list_rows, push_scope};
use crate::notifications;
use crate::sql::{RowExt, Sql, store_error};

const ENTITY: &str = "opportunities";

pub const FROM: &str = "opportunities o \
    JOIN pipeline_stages st ON st.id = o.stage_id \
    LEFT JOIN dictionary_entries src ON src.id = o.source_id \
    LEFT JOIN dictionary_entries lr ON lr.id = o.loss_reason_id \
    LEFT JOIN users cr ON cr.id = o.created_by \
    LEFT JOIN users asg ON asg.id = o.assignee_id";

pub const COLUMNS: &str = "o.id, o.number, o.division_id, o.customer_name, o.customer_id, o.source_id, \
    src.label AS source_label, o.probability, o.summary, o.contact_name, o.contact_phone, o.description, o.status, \
    o.created_by, COALESCE(cr.display_name, cr.username) AS creator_name, o.assignee_id, \
    COALESCE(asg.display_name, asg.username) AS assignee_name, o.assigned_at, o.owner_id, o.stage_id, \
    st.name AS stage_name, o.amount, o.currency, o.expected_close_date, o.loss_reason_id, \
    lr.label AS loss_reason_label, o.closed_at, o.last_activity_at, o.stale_since, o.created_at, o.updated_at, \
    o.version";

/// Scope is applied by `push_list_scope` (owner or creator), not by the spec's columns.
const LIST: ListSpec = ListSpec {
    from: FROM,
    columns: COLUMNS,
    id: "o.id",
    default_sort: "-created_at",
    sorts: &[
        ("created_at", "o.created_at", Kind::Text),
        ("updated_at", "o.updated_at", Kind::Text),
        ("number", "o.number", Kind::Text),
        ("customer_name", "o.customer_name", Kind::Text),
        ("amount", "o.amount", Kind::Int),
        ("probability", "o.probability", Kind::Int),
        ("expected_close_date", "COALESCE(o.expected_close_date, '')", Kind::Text),
    ],
    // A status or stage matches a large share of all opportunities. Written as expressions, they
    // keep SQLite (which has no statistics) from reading every match through the status or stage
    // index and sorting them; it walks the sort's index and filters instead. PostgreSQL plans
    // from its statistics either way.
    filters: &[
        ("status", "(o.status || '')", Kind::Text),
        ("stage_id", "(o.stage_id || '')", Kind::Text),
        ("assignee_id", "o.assignee_id", Kind::Text),
        ("owner_id", "o.owner_id", Kind::Text),
        ("created_by", "o.created_by", Kind::Text),
        ("division_id", "o.division_id", Kind::Text),
        ("customer_id", "o.customer_id", Kind::Text),
        ("source_id", "o.source_id", Kind::Text),
        ("currency", "o.currency", Kind::Text),
        ("number", "o.number", Kind::Text),
        ("expected_close_date", "o.expected_close_date", Kind::Text),
    ],
    search: &["o.customer_name", "o.summary", "o.number", "o.contact_name"],
    division: None,
    owner: None,
};

/// ` AND …`: the opportunities `o` the scope may list — those of its divisions and, for an
/// own-scope reader, those they own or created (a creator still reads what they handed on).
fn push_list_scope(sql: &mut Sql, scope: &Scope) {
    push_scope(sql, scope, Some("o.division_id"), None);
    if let Some(user) = scope.owner_id {
        sql.push(" AND (o.owner_id = ").bind(user).push(" OR o.created_by = ").bind(user).push(")");
    }
}

fn scoped(scope: &Scope) -> Sql {
    let mut sql = Sql::default();
    push_list_scope(&mut sql, scope);
    sql
}

fn reference(r: &AnyRow, id: &str, label: &str) -> Result<Option<Ref>, StoreError> {
    customer::reference(r, id, label)
}

fn date(text: Option<String>) -> Result<Option<NaiveDate>, StoreError> {
    text.map(|t| NaiveDate::parse_from_str(&t, "%Y-%m-%d").map_err(|e| StoreError::Other(Box::new(e)))).transpose()
}

pub fn from_row(r: &AnyRow) -> Result<Opportunity, StoreError> {
    let status = r.text("status")?;
    Ok(Opportunity {
        id: r.id("id")?,
        number: r.text("number")?,
        division_id: r.id("division_id")?,
        customer_name: r.text("customer_name")?,
        customer_id: r.opt_id("customer_id")?,
        source_id: r.opt_id("source_id")?,
        source: reference(r, "source_id", "source_label")?,
        probability: r.int("probability")?,
        summary: r.text("summary")?,
        contact_name: r.opt_text("contact_name")?,
        contact_phone: r.opt_text("contact_phone")?,
        description: r.opt_text("description")?,
        status: OpportunityStatus::parse("status", &status)
            .map_err(|_| StoreError::Other(format!("bad opportunity status {status:?}").into()))?,
        created_by: r.opt_id("created_by")?,
        creator: reference(r, "created_by", "creator_name")?,
        assignee_id: r.opt_id("assignee_id")?,
        assignee: reference(r, "assignee_id", "assignee_name")?,
        assigned_at: r.opt_time("assigned_at")?,
        owner_id: r.opt_id("owner_id")?,
        stage_id: r.id("stage_id")?,
        stage: Ref { id: r.id("stage_id")?, label: r.text("stage_name")? },
        amount: r.int("amount")?,
        currency: r.text("currency")?,
        expected_close_date: date(r.opt_text("expected_close_date")?)?,
        loss_reason_id: r.opt_id("loss_reason_id")?,
        loss_reason: reference(r, "loss_reason_id", "loss_reason_label")?,
        closed_at: r.opt_time("closed_at")?,
        last_activity_at: r.time("last_activity_at")?,
        stale_since: r.opt_time("stale_since")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        version: r.int("version")?,
    })
}

/// The `stale` filter as a condition of its own, written so that the partial indexes of the
/// flagged rows serve it.
fn stale_filter(req: &ListRequest) -> Result<(Sql, ListRequest), StoreError> {
    let mut sql = Sql::default();
    let mut rest = req.clone();
    rest.filters.retain(|(name, _)| name != "stale");
    match req.filter("stale") {
        None => {}
        Some("true" | "1") => {
            sql.push(" AND o.stale_since IS NOT NULL");
        }
        Some("false" | "0") => {
            sql.push(" AND o.stale_since IS NULL");
        }
        Some(_) => return Err(StoreError::Invalid(crm_core::FieldError::new("stale", "invalid_filter"))),
    }
    Ok((sql, rest))
}

pub async fn list(db: &Db, scope: &Scope, req: &ListRequest) -> Result<Page<Opportunity>, StoreError> {
    let (mut extra, req) = stale_filter(req)?;
    extra.append(&scoped(scope));
    list_rows(&db.reader, &LIST, &Scope::everything(), &extra, &req).await?.try_map(|r| from_row(&r))
}

pub async fn get_in(conn: &mut AnyConnection, scope: &Scope, id: Uuid) -> Result<Opportunity, StoreError> {
    from_row(&find_where(conn, &LIST, &Scope::everything(), &scoped(scope), id).await?)
}

pub async fn get(db: &Db, scope: &Scope, id: Uuid) -> Result<Opportunity, StoreError> {
    get_in(&mut *db.reader.acquire().await.map_err(store_error)?, scope, id).await
}

/// Adds (`sign` 1) or removes (-1) the opportunity's share of the pipeline's totals.
async fn count_in_totals(conn: &mut AnyConnection, o: &Opportunity, sign: i64) -> Result<(), StoreError> {
    let owner = o.owner_id.map(|u| u.to_string()).unwrap_or_default();
    let month = o.expected_close_date.map(|d| d.format("%Y-%m").to_string()).unwrap_or_default();
    let weighted = o
        .amount
        .checked_mul(o.probability * sign)
        .ok_or_else(|| StoreError::Invalid(crm_core::FieldError::new("amount", "out_of_range")))?;
    let mut sql = Sql::new(
        "INSERT INTO pipeline_totals (division_id, stage_id, owner_id, currency, close_month, count, amount, \
         weighted) VALUES (",
    );
    sql.bind(o.division_id).push(", ").bind(o.stage_id).push(", ").bind(owner).push(", ").bind(&o.currency);
    sql.push(", ").bind(month).push(", ").bind(sign).push(", ").bind(sign * o.amount).push(", ").bind(weighted);
    sql.push(
        ") ON CONFLICT (division_id, stage_id, owner_id, currency, close_month) DO UPDATE SET \
         count = pipeline_totals.count + excluded.count, amount = pipeline_totals.amount + excluded.amount, \
         weighted = pipeline_totals.weighted + excluded.weighted",
    );
    sql.query().execute(&mut *conn).await.map(|_| ()).map_err(store_error)
}

async fn log(
    conn: &mut AnyConnection,
    stamp: &AuditStamp,
    action: &str,
    old: Option<&Opportunity>,
    new: Option<&Opportunity>,
) -> Result<(), StoreError> {
    let Some(any) = new.or(old) else { return Ok(()) };
    let change = Change { entity: ENTITY, entity_id: any.id, action, division_id: Some(any.division_id), old, new };
    audit::record(conn, stamp, change).await
}

/// Writes the changed record over `old` (if its version is still `old`'s), moves its share of
/// the totals, logs `action` and returns the record as stored.
async fn save(
    conn: &mut AnyConnection,
    old: &Opportunity,
    new: &Opportunity,
    action: &str,
    stamp: &AuditStamp,
) -> Result<Opportunity, StoreError> {
    let mut sql = Sql::new("UPDATE opportunities SET customer_name = ");
    sql.bind(&new.customer_name).push(", customer_id = ").bind(new.customer_id);
    sql.push(", source_id = ").bind(new.source_id).push(", probability = ").bind(new.probability);
    sql.push(", summary = ").bind(&new.summary).push(", contact_name = ").bind(new.contact_name.clone());
    sql.push(", contact_phone = ").bind(new.contact_phone.clone());
    sql.push(", description = ").bind(new.description.clone()).push(", status = ").bind(new.status.code());
    sql.push(", assignee_id = ").bind(new.assignee_id).push(", assigned_at = ").bind(new.assigned_at);
    sql.push(", owner_id = ").bind(new.owner_id).push(", stage_id = ").bind(new.stage_id);
    sql.push(", amount = ").bind(new.amount).push(", currency = ").bind(&new.currency);
    sql.push(", expected_close_date = ").bind(new.expected_close_date.map(|d| d.to_string()));
    sql.push(", loss_reason_id = ").bind(new.loss_reason_id).push(", closed_at = ").bind(new.closed_at);
    sql.push(", last_activity_at = ").bind(new.last_activity_at).push(", stale_since = ").bind(new.stale_since);
    sql.push(", updated_at = ").bind(new.updated_at).push(", version = version + 1 WHERE id = ").bind(old.id);
    sql.push(" AND version = ").bind(old.version);
    if sql
        .query()
        .execute(&mut *conn)
        .await
        .map_err(|e| match store_error(e) {
            // A link that went away between the check and the write.
            StoreError::Conflict { constraint, .. } if constraint == "in_use" => StoreError::NotFound,
            other => other,
        })?
        .rows_affected()
        == 0
    {
        return Err(StoreError::Stale);
    }
    let stored = get_in(conn, &Scope::everything(), old.id).await?;
    count_in_totals(conn, old, -1).await?;
    count_in_totals(conn, &stored, 1).await?;
    log(conn, stamp, action, Some(old), Some(&stored)).await?;
    Ok(stored)
}

/// The record the caller may change, at the version they read.
async fn current(
    conn: &mut AnyConnection,
    scope: &Scope,
    id: Uuid,
    version: Option<i64>,
) -> Result<Opportunity, StoreError> {
    let old = get_in(conn, scope, id).await?;
    if version.is_some_and(|v| v != old.version) {
        return Err(StoreError::Stale);
    }
    Ok(old)
}

/// The first open stage of the board, where new opportunities start by default.
async fn first_stage(conn: &mut AnyConnection) -> Result<PipelineStage, StoreError> {
    stages::list_in(conn).await?.into_iter().find(|s| s.outcome.is_none()).ok_or(StoreError::NotFound)
}

pub async fn create_many(
    db: &Db,
    new: &[NewOpportunity],
    today: NaiveDate,
    stamp: &AuditStamp,
) -> Result<Vec<Opportunity>, StoreError> {
    let mut tx = db.begin_write().await?;
    let mut default_stage: Option<PipelineStage> = None;
    let mut created = Vec::with_capacity(new.len());
    for n in new {
        let (stage_id, stage_probability) = match n.stage_id {
            Some(id) => (id, None),
            None => {
                if default_stage.is_none() {
                    default_stage = Some(first_stage(&mut tx).await?);
                }
                let s = default_stage.as_ref().ok_or(StoreError::NotFound)?;
                (s.id, Some(s.probability))
            }
        };
        let probability = match n.probability.or(stage_probability) {
            Some(p) => p,
            None => stages::get_in(&mut tx, stage_id).await?.probability,
        };
        let id = Uuid::now_v7();
        let number = next_number(&mut tx, "opportunity", today).await?;
        let mut sql = Sql::new(
            "INSERT INTO opportunities (id, number, division_id, customer_name, customer_id, source_id, probability, \
             summary, contact_name, contact_phone, description, status, created_by, owner_id, stage_id, amount, \
             currency, expected_close_date, last_activity_at, created_at, updated_at, version) VALUES (",
        );
        sql.bind(id).push(", ").bind(&number).push(", ").bind(n.division_id).push(", ").bind(&n.customer_name);
        sql.push(", ").bind(n.customer_id).push(", ").bind(n.source_id).push(", ").bind(probability).push(", ");
        sql.bind(&n.summary).push(", ").bind(n.contact_name.clone()).push(", ").bind(n.contact_phone.clone());
        sql.push(", ").bind(n.description.clone()).push(", ").bind(OpportunityStatus::Unassigned.code());
        sql.push(", ").bind(n.created_by).push(", ").bind(n.created_by).push(", ").bind(stage_id).push(", ");
        sql.bind(n.amount).push(", ").bind(&n.currency).push(", ");
        sql.bind(n.expected_close_date.map(|d| d.to_string())).push(", ").bind(stamp.at).push(", ");
        sql.bind(stamp.at).push(", ").bind(stamp.at).push(", 1)");
        sql.query().execute(&mut *tx).await.map_err(|e| match store_error(e) {
            StoreError::Conflict { constraint, .. } if constraint == "in_use" => {
                StoreError::Invalid(crm_core::FieldError::new("division_id", "unknown_division"))
            }
            other => other,
        })?;
        let o = get_in(&mut tx, &Scope::everything(), id).await?;
        count_in_totals(&mut tx, &o, 1).await?;
        log(&mut tx, stamp, "create", None, Some(&o)).await?;
        created.push(o);
    }
    tx.commit().await.map_err(store_error)?;
    Ok(created)
}

pub async fn update(
    db: &Db,
    scope: &Scope,
    id: Uuid,
    version: Option<i64>,
    patch: &OpportunityPatch,
    stamp: &AuditStamp,
) -> Result<Opportunity, StoreError> {
    let mut tx = db.begin_write().await?;
    let old = current(&mut tx, scope, id, version).await?;
    let saved = save(&mut tx, &old, &patch.apply(&old, stamp.at), "update", stamp).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(saved)
}

pub async fn delete(db: &Db, scope: &Scope, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    let old = get_in(&mut tx, scope, id).await?;
    let mut sql = Sql::new("DELETE FROM opportunities WHERE id = ");
    sql.bind(id);
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    count_in_totals(&mut tx, &old, -1).await?;
    log(&mut tx, stamp, "delete", Some(&old), None).await?;
    tx.commit().await.map_err(store_error)
}

pub async fn assign(
    db: &Db,
    scope: &Scope,
    id: Uuid,
    version: Option<i64>,
    assignee_id: Uuid,
    stamp: &AuditStamp,
) -> Result<Opportunity, StoreError> {
    let mut tx = db.begin_write().await?;
    let old = current(&mut tx, scope, id, version).await?;
    let new = Opportunity {
        status: OpportunityStatus::Assigned,
        assignee_id: Some(assignee_id),
        assigned_at: Some(stamp.at),
        owner_id: Some(assignee_id),
        last_activity_at: stamp.at,
        stale_since: None,
        updated_at: stamp.at,
        ..old.clone()
    };
    let saved = save(&mut tx, &old, &new, "assign", stamp).await?;
    let subject = format!("{} {}", saved.number, saved.summary);
    let record = ("opportunities", saved.id);
    notifications::assigned(&mut tx, NotificationKind::OpportunityAssigned, record, subject, assignee_id, stamp)
        .await?;
    tx.commit().await.map_err(store_error)?;
    Ok(saved)
}

pub async fn move_to(
    db: &Db,
    scope: &Scope,
    id: Uuid,
    version: Option<i64>,
    stage: &PipelineStage,
    stamp: &AuditStamp,
) -> Result<Opportunity, StoreError> {
    let mut tx = db.begin_write().await?;
    let old = current(&mut tx, scope, id, version).await?;
    let new = Opportunity {
        stage_id: stage.id,
        probability: stage.probability,
        last_activity_at: stamp.at,
        stale_since: None,
        updated_at: stamp.at,
        ..old.clone()
    };
    let saved = save(&mut tx, &old, &new, "stage", stamp).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(saved)
}

/// The customer a won opportunity links to: created, or converted from a prospect, with the
/// opportunity's contact unless the customer has a contact of that name.
async fn won_customer(
    conn: &mut AnyConnection,
    customer: &WonCustomer,
    contact: Option<&(String, Option<String>)>,
    today: NaiveDate,
    stamp: &AuditStamp,
) -> Result<Uuid, StoreError> {
    let everything = Scope::everything();
    let id = match customer {
        WonCustomer::New(new) => customer::insert(conn, new, None, today, stamp).await?.id,
        WonCustomer::Existing(id) => {
            let old = customer::get_in(conn, &everything, *id).await?;
            if old.status == CustomerStatus::Prospect {
                let draft = crm_core::customers::Customer {
                    status: CustomerStatus::Active,
                    updated_at: stamp.at,
                    ..old.clone()
                };
                customer::write(conn, &draft, old.version).await?;
                let new = customer::get_in(conn, &everything, *id).await?;
                audit::record(conn, stamp, customer::change("update", Some(&old), Some(&new))).await?;
            }
            *id
        }
    };
    if let Some((name, phone)) = contact {
        let mut sql = Sql::new("SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN name = ");
        sql.bind(name.clone()).push(" THEN 1 ELSE 0 END), 0) AS same FROM contacts WHERE customer_id = ").bind(id);
        let row = sql.query().fetch_one(&mut *conn).await.map_err(store_error)?;
        let (count, same) = (row.int("n")?, row.int("same")?);
        if same == 0 {
            let new = NewContact {
                customer_id: id,
                name: name.clone(),
                gender: None,
                title: None,
                phone: phone.clone(),
                mobile: None,
                email: None,
                birthday: None,
                reports_to_id: None,
                primary: count == 0,
                notes: None,
            };
            contacts::insert(conn, &new, stamp).await?;
        }
    }
    Ok(id)
}

pub async fn close(
    db: &Db,
    scope: &Scope,
    id: Uuid,
    version: Option<i64>,
    closing: &Closing,
    stamp: &AuditStamp,
) -> Result<Opportunity, StoreError> {
    let mut tx = db.begin_write().await?;
    let old = current(&mut tx, scope, id, version).await?;
    let closed = Opportunity {
        closed_at: Some(stamp.at),
        last_activity_at: stamp.at,
        stale_since: None,
        updated_at: stamp.at,
        ..old.clone()
    };
    let (new, action) = match closing {
        Closing::Won { customer, contact, today } => {
            let stage = stages::closing(&mut tx, Outcome::Won).await?;
            let customer_id = won_customer(&mut tx, customer, contact.as_ref(), *today, stamp).await?;
            let new = Opportunity {
                status: OpportunityStatus::Won,
                stage_id: stage.id,
                probability: stage.probability,
                customer_id: Some(customer_id),
                ..closed
            };
            (new, "won")
        }
        Closing::Lost { reason_id } => {
            let stage = stages::closing(&mut tx, Outcome::Lost).await?;
            let new = Opportunity {
                status: OpportunityStatus::Lost,
                stage_id: stage.id,
                probability: stage.probability,
                loss_reason_id: Some(*reason_id),
                ..closed
            };
            (new, "lost")
        }
    };
    let saved = save(&mut tx, &old, &new, action, stamp).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(saved)
}

/// Marks activity on the opportunity (a plan entry) without changing its version: the
/// record as the user edits it is unchanged, only no longer stale.
pub async fn touch(conn: &mut AnyConnection, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError> {
    let mut sql = Sql::new("UPDATE opportunities SET last_activity_at = ");
    sql.bind(stamp.at).push(", stale_since = NULL WHERE id = ").bind(id);
    sql.query().execute(&mut *conn).await.map(|_| ()).map_err(store_error)
}
