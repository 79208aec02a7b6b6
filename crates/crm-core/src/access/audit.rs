use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::Actor;

/// Who makes a change and when; every store write takes one and writes the audit row
/// in the same transaction (ACL-5).
#[derive(Debug, Clone)]
pub struct AuditStamp {
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    pub at: DateTime<Utc>,
}

impl AuditStamp {
    pub fn of(actor: &Actor) -> Self {
        Self { actor_id: actor.user_id, actor_name: actor.username.clone(), at: Utc::now() }
    }
}

/// One row of the audit log: read-only through the product.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    /// The record type, as its API resource name (`divisions`, `products`, …).
    pub entity: String,
    pub entity_id: Uuid,
    /// `create`, `update`, `delete`, or a workflow action.
    pub action: String,
    pub division_id: Option<Uuid>,
    #[schema(value_type = Object)]
    pub old_values: Option<serde_json::Value>,
    #[schema(value_type = Object)]
    pub new_values: Option<serde_json::Value>,
}
