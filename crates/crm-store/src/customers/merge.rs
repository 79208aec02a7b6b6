//! Merging two customers (CUS-7): every record of the merged customer moves to the survivor
//! in one transaction, then the merged customer is removed.

use std::collections::BTreeMap;

use uuid::Uuid;

use crm_core::access::{AuditStamp, Scope};
use crm_core::customers::Customer;
use crm_core::store::StoreError;

use super::customer::{self, get_in, refresh_order_figures};
use super::index;
use crate::Db;
use crate::audit::{self, Change};
use crate::sql::{Sql, store_error};

/// Every table whose rows belong to a customer through a column: merging repoints them.
/// A module that adds such a table adds one line here.
const MOVED: [(&str, &str); 14] = [
    ("contacts", "customer_id"),
    ("interactions", "customer_id"),
    ("attachments", "customer_id"),
    ("orders", "customer_id"),
    ("customer_assignments", "customer_id"),
    ("customer_search", "customer_id"),
    ("customer_phones", "customer_id"),
    ("opportunities", "customer_id"),
    ("quotes", "customer_id"),
    ("contracts", "customer_id"),
    ("service_requests", "customer_id"),
    ("churn_warnings", "customer_id"),
    ("tasks", "customer_id"),
    ("events", "customer_id"),
];

/// Tables keyed by customer and something else (a tag, a user): rows the survivor already
/// has are dropped instead of moved.
const MERGED: [(&str, &str); 2] = [("customer_tags", "tag"), ("customer_shares", "user_id")];

pub async fn merge(db: &Db, scope: &Scope, into: Uuid, from: Uuid, stamp: &AuditStamp) -> Result<Customer, StoreError> {
    let mut tx = db.begin_write().await?;
    let survivor = get_in(&mut tx, scope, into).await?;
    let merged = get_in(&mut tx, scope, from).await?;

    // The survivor keeps its own primary contact, so the merged one's steps down first.
    let mut sql = Sql::new("UPDATE contacts SET is_primary = ");
    sql.bind(false).push(" WHERE customer_id = ").bind(from).push(" AND is_primary = ").bind(true);
    sql.push(" AND EXISTS (SELECT 1 FROM contacts p WHERE p.customer_id = ").bind(into);
    sql.push(" AND p.is_primary = ").bind(true).push(")");
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    // The merged customer's own search document and phones go with it; its contacts' move.
    index::forget(&mut tx, from).await?;
    crate::churn::before_merge(&mut tx, into, from, stamp).await?;

    let mut moved = BTreeMap::new();
    for (table, column) in MOVED {
        let mut sql = Sql::new("UPDATE ");
        sql.push(table).push(" SET ").push(column).push(" = ").bind(into);
        sql.push(" WHERE ").push(column).push(" = ").bind(from);
        let n = sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected();
        moved.insert(table, n);
    }
    for (table, key) in MERGED {
        let mut sql = Sql::new("UPDATE ");
        sql.push(table).push(" SET customer_id = ").bind(into).push(" WHERE customer_id = ").bind(from);
        sql.push(" AND ").push(key).push(" NOT IN (SELECT s.").push(key).push(" FROM ").push(table);
        sql.push(" s WHERE s.customer_id = ").bind(into).push(")");
        let n = sql.query().execute(&mut *tx).await.map_err(store_error)?.rows_affected();
        moved.insert(table, n);
        let mut sql = Sql::new("DELETE FROM ");
        sql.push(table).push(" WHERE customer_id = ").bind(from);
        sql.query().execute(&mut *tx).await.map_err(store_error)?;
    }

    // The merged customer's totals go (it has no orders left) before the customer does.
    refresh_order_figures(&mut tx, from).await?;
    let mut sql = Sql::new("DELETE FROM customers WHERE id = ");
    sql.bind(from);
    sql.query().execute(&mut *tx).await.map_err(|e| match store_error(e) {
        StoreError::Conflict { .. } => StoreError::Conflict { constraint: "customer_in_use".into(), field: None },
        other => other,
    })?;
    refresh_order_figures(&mut tx, into).await?;
    let mut sql = Sql::new("UPDATE customers SET version = version + 1, updated_at = ");
    sql.bind(stamp.at).push(" WHERE id = ").bind(into);
    sql.query().execute(&mut *tx).await.map_err(store_error)?;
    let result = get_in(&mut tx, &Scope::everything(), into).await?;

    audit::record(&mut tx, stamp, customer::change("merged_into", Some(&merged), None)).await?;
    let summary = serde_json::json!({
        "merged_from": { "id": merged.id, "number": merged.number, "name": merged.name },
        "moved": moved,
    });
    let change = Change {
        entity: customer::ENTITY,
        entity_id: into,
        action: "merge",
        division_id: Some(survivor.division_id),
        old: None,
        new: Some(&summary),
    };
    audit::record(&mut tx, stamp, change).await?;
    tx.commit().await.map_err(store_error)?;
    Ok(result)
}
