//! Audit rows (ACL-5), written inside the transaction of the change they describe.

use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::AnyConnection;
use uuid::Uuid;

use crm_core::access::{AuditEntry, AuditStamp, Scope};
use crm_core::listing::{ListRequest, Page};
use crm_core::store::StoreError;

use crate::Db;
use crate::listing::{Kind, ListSpec, list};
use crate::sql::{RowExt, Sql, store_error};

/// Bookkeeping fields that change with every write and say nothing in the log.
const UNLOGGED: [&str; 3] = ["created_at", "updated_at", "version"];

fn as_object<T: Serialize>(value: Option<&T>) -> Map<String, Value> {
    match value.map(serde_json::to_value) {
        Some(Ok(Value::Object(mut map))) => {
            for key in UNLOGGED {
                map.remove(key);
            }
            map
        }
        _ => Map::new(),
    }
}

/// Old and new values of the fields that differ (all fields for a create or delete).
fn diff<T: Serialize>(old: Option<&T>, new: Option<&T>) -> (Option<Value>, Option<Value>) {
    let (old, new) = (as_object(old), as_object(new));
    if old.is_empty() || new.is_empty() {
        let wrap = |m: Map<String, Value>| (!m.is_empty()).then_some(Value::Object(m));
        return (wrap(old), wrap(new));
    }
    let changed: Vec<&String> = new.keys().filter(|k| old.get(*k) != new.get(*k)).collect();
    let pick = |m: &Map<String, Value>| {
        Value::Object(changed.iter().map(|k| ((*k).clone(), m.get(*k).cloned().unwrap_or(Value::Null))).collect())
    };
    (Some(pick(&old)), Some(pick(&new)))
}

/// One change to one record, to be logged.
pub struct Change<'a, T> {
    pub entity: &'a str,
    pub entity_id: Uuid,
    pub action: &'a str,
    pub division_id: Option<Uuid>,
    pub old: Option<&'a T>,
    pub new: Option<&'a T>,
}

pub async fn record<T: Serialize>(
    conn: &mut AnyConnection,
    stamp: &AuditStamp,
    change: Change<'_, T>,
) -> Result<(), StoreError> {
    let (old_values, new_values) = diff(change.old, change.new);
    let mut sql = Sql::new(
        "INSERT INTO audit_log (id, at, actor_id, actor_name, entity, entity_id, action, division_id, old_values, new_values) VALUES (",
    );
    sql.bind(Uuid::now_v7()).push(", ").bind(stamp.at).push(", ").bind(stamp.actor_id).push(", ");
    sql.bind(&stamp.actor_name).push(", ").bind(change.entity).push(", ").bind(change.entity_id).push(", ");
    sql.bind(change.action).push(", ").bind(change.division_id).push(", ");
    sql.bind(old_values.map(|v| v.to_string())).push(", ").bind(new_values.map(|v| v.to_string())).push(")");
    sql.query().execute(conn).await.map(|_| ()).map_err(store_error)
}

pub const AUDIT_LIST: ListSpec = ListSpec {
    from: "audit_log a",
    columns: "a.id, a.at, a.actor_id, a.actor_name, a.entity, a.entity_id, a.action, a.division_id, a.old_values, a.new_values",
    id: "a.id",
    default_sort: "-at",
    sorts: &[("at", "a.id", Kind::Text)],
    filters: &[
        ("entity", "a.entity", Kind::Text),
        ("entity_id", "a.entity_id", Kind::Text),
        ("actor_id", "a.actor_id", Kind::Text),
        ("action", "a.action", Kind::Text),
        ("division_id", "a.division_id", Kind::Text),
    ],
    search: &["a.actor_name", "a.entity"],
    division: Some("a.division_id"),
    owner: None,
};

fn json(text: Option<String>) -> Option<Value> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

pub async fn list_audit(db: &Db, scope: &Scope, req: &ListRequest) -> Result<Page<AuditEntry>, StoreError> {
    // Rows of records without a division (roles, base data) are for actors who see every division.
    let page = list(&db.reader, &AUDIT_LIST, scope, &Sql::default(), req).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for r in &page.items {
        items.push(AuditEntry {
            id: r.id("id")?,
            at: r.time("at")?,
            actor_id: r.opt_id("actor_id")?,
            actor_name: r.text("actor_name")?,
            entity: r.text("entity")?,
            entity_id: r.id("entity_id")?,
            action: r.text("action")?,
            division_id: r.opt_id("division_id")?,
            old_values: json(r.opt_text("old_values")?),
            new_values: json(r.opt_text("new_values")?),
        });
    }
    Ok(Page { items, next_cursor: page.next_cursor, total: page.total })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_update_logs_only_the_fields_that_changed() {
        let old = json!({"name": "华东", "code": "E", "version": 1});
        let new = json!({"name": "华东区", "code": "E", "version": 2});
        let (o, n) = diff(Some(&old), Some(&new));
        assert_eq!(o, Some(json!({"name": "华东"})));
        assert_eq!(n, Some(json!({"name": "华东区"})));
    }
}
