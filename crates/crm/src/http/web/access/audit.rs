//! The audit log (审计日志, ACL-5): newest first, filtered by record type or record, each
//! change shown as field, old value, new value. Read-only: there is no form here.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde_json::Value;

use crm_core::access::AuditEntry;
use crm_core::access::actions as access;

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::web::forms::FormData;
use crate::http::web::layout::{self, Choice, Layout, Pager, everything, list_request, t_or};
use crate::http::web::session::WebUser;
use crate::i18n::Lang;

/// Record types written to the log, as their API resource names.
const ENTITIES: [&str; 12] = [
    "users",
    "roles",
    "divisions",
    "dictionary-entries",
    "number-sequences",
    "products",
    "inventory",
    "customers",
    "contacts",
    "interactions",
    "attachments",
    "orders",
];

pub struct Change {
    pub field: String,
    pub old: String,
    pub new: String,
}

pub struct Row {
    pub entry: AuditEntry,
    pub entity: String,
    pub action: String,
    /// Enough of the record id to tell records apart; the link carries the whole id.
    pub short_id: String,
    pub changes: Vec<Change>,
}

#[derive(Template)]
#[template(path = "access/audit.html")]
struct ListPage {
    l: Layout,
    rows: Vec<Row>,
    entities: Vec<Choice>,
    entity: String,
    entity_id: String,
    pager: Pager,
}

/// A logged value as a person reads it: text without quotes, lists joined, nothing as a dash,
/// division ids by name, a linked record by its label.
fn readable(lang: Lang, names: &[Choice], value: Option<&Value>) -> String {
    match value {
        Some(Value::Object(record)) => match record.get("label").or_else(|| record.get("name")) {
            Some(label) => readable(lang, names, Some(label)),
            None => Value::Object(record.clone()).to_string(),
        },
        None | Some(Value::Null) => "—".into(),
        Some(Value::String(s)) if s.is_empty() => "—".into(),
        Some(Value::String(s)) => names.iter().find(|c| c.value == *s).map_or_else(|| s.clone(), |c| c.label.clone()),
        Some(Value::Bool(b)) => lang.t(if *b { "yes" } else { "no" }),
        Some(Value::Array(items)) if items.is_empty() => "—".into(),
        Some(Value::Array(items)) => {
            items.iter().map(|v| readable(lang, names, Some(v))).collect::<Vec<_>>().join(", ")
        }
        Some(other) => other.to_string(),
    }
}

fn changes(lang: Lang, names: &[Choice], entry: &AuditEntry) -> Vec<Change> {
    let empty = serde_json::Map::new();
    let old = entry.old_values.as_ref().and_then(Value::as_object).unwrap_or(&empty);
    let new = entry.new_values.as_ref().and_then(Value::as_object).unwrap_or(&empty);
    let fields = new.keys().chain(old.keys().filter(|k| !new.contains_key(*k)));
    let blank = |v: Option<&Value>| readable(lang, names, v) == "—";
    // A linked record is logged as its id and as itself with a label: the label says it.
    let shown_by_label = |f: &str| f.strip_suffix("_id").is_some_and(|r| new.contains_key(r) || old.contains_key(r));
    fields
        .filter(|f| *f != "id" && !shown_by_label(f))
        // What a new record leaves empty is no change worth a line.
        .filter(|f| entry.old_values.is_some() || !blank(new.get(*f)))
        .map(|f| Change {
            field: label(lang, f, new.contains_key(&format!("{f}_id")) || old.contains_key(&format!("{f}_id"))),
            old: readable(lang, names, old.get(f)),
            new: readable(lang, names, new.get(f)),
        })
        .collect()
}

/// A field's label; a linked record (`level`, logged beside `level_id`) is named like its id field.
fn label(lang: Lang, field: &str, linked: bool) -> String {
    let name = if linked { format!("{field}_id") } else { field.to_string() };
    t_or(lang, &format!("field-{}", name.replace('_', "-")), field)
}

fn entity_label(lang: Lang, entity: &str) -> String {
    t_or(lang, &format!("entity-{entity}"), entity)
}

/// Log entries as the audit pages show them; the customer page shows its trail the same way.
pub async fn rows(state: &AppState, web: &WebUser, entries: Vec<AuditEntry>) -> Result<Vec<Row>, AppError> {
    let lang = web.lang;
    let names = match access::list_divisions(&state.db, &web.actor, &everything()).await {
        Ok(page) => page.items.into_iter().map(|d| Choice::new(d.id.to_string(), d.name)).collect(),
        Err(crm_core::Error::Forbidden(_)) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    Ok(entries
        .into_iter()
        .map(|entry| Row {
            entity: entity_label(lang, &entry.entity),
            action: t_or(lang, &format!("audit-action-{}", entry.action.replace('_', "-")), &entry.action),
            changes: changes(lang, &names, &entry),
            short_id: entry.entity_id.simple().to_string().chars().skip(24).collect(),
            entry,
        })
        .collect())
}

pub async fn list(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let query = FormData(query);
    let (entity, entity_id, cursor) = (query.get("entity"), query.get("entity_id"), query.get("cursor"));
    // A mangled record id finds nothing rather than failing.
    let entity_id = if entity_id.is_empty() || uuid::Uuid::parse_str(entity_id).is_ok() { entity_id } else { "-" };
    let filters = [("entity", entity), ("entity_id", entity_id)];
    let page = access::list_audit(&state.db, &web.actor, &list_request("", cursor, &filters)?).await?;
    let lang = web.lang;
    layout::ok(&ListPage {
        l: Layout::new(&web, "audit-title"),
        rows: rows(&state, &web, page.items).await?,
        entities: ENTITIES.iter().map(|e| Choice::new(*e, entity_label(lang, e))).collect(),
        entity: entity.to_string(),
        entity_id: entity_id.to_string(),
        pager: Pager::new("/audit", &filters, cursor, page.next_cursor.as_deref()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changes_read_as_field_old_new() {
        let entry = AuditEntry {
            id: uuid::Uuid::now_v7(),
            at: chrono::Utc::now(),
            actor_id: None,
            actor_name: "admin".into(),
            entity: "users".into(),
            entity_id: uuid::Uuid::now_v7(),
            action: "update".into(),
            division_id: None,
            old_values: Some(json!({"frozen": false, "roles": ["manager"], "display_name": null})),
            new_values: Some(json!({"frozen": true, "roles": ["manager", "director"], "display_name": "张三"})),
        };
        let east = Choice::new("01a20999-0323-745f-a510-984d869cdbec", "华东");
        let entry = AuditEntry {
            old_values: Some(json!({"frozen": false, "roles": ["manager"], "display_name": null, "division_ids": []})),
            new_values: Some(json!({
                "frozen": true, "roles": ["manager", "director"], "display_name": "张三", "division_ids": [east.value]
            })),
            ..entry
        };
        let rows = changes(Lang::En, &[east], &entry);
        let frozen = rows.iter().find(|c| c.old == "no").unwrap();
        assert_eq!(frozen.new, "yes");
        assert!(rows.iter().any(|c| c.old == "manager" && c.new == "manager, director"));
        assert!(rows.iter().any(|c| c.old == "—" && c.new == "张三"));
        assert!(rows.iter().any(|c| c.new == "华东"), "divisions by name");
    }

    #[test]
    fn a_new_record_shows_what_it_has_and_linked_records_by_label() {
        let entry = AuditEntry {
            id: uuid::Uuid::now_v7(),
            at: chrono::Utc::now(),
            actor_id: None,
            actor_name: "wang".into(),
            entity: "customers".into(),
            entity_id: uuid::Uuid::now_v7(),
            action: "create".into(),
            division_id: None,
            old_values: None,
            new_values: Some(json!({
                "name": "华为", "fax": null, "level_id": "01a2", "level": {"id": "01a2", "label": "大客户"}, "tags": []
            })),
        };
        let rows = changes(Lang::En, &[], &entry);
        let shown: Vec<_> = rows.iter().map(|c| c.new.as_str()).collect();
        assert_eq!(shown, ["华为", "大客户"]);
        assert_eq!(rows[1].field, Lang::En.t("field-level-id"));
    }
}
