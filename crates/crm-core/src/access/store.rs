use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    AuditEntry, AuditStamp, Division, DivisionPatch, Grant, NewDivision, NewRole, NewUser, Role, RolePatch, Scope,
    User, UserPatch,
};
use crate::listing::{ListRequest, Page};
use crate::store::StoreError;

/// What login needs to know about an account.
#[derive(Debug, Clone)]
pub struct LoginRecord {
    pub user_id: Uuid,
    pub password_hash: String,
    pub frozen: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// Browser session behind a cookie, with a CSRF token.
    Web,
    /// Bearer token for the API.
    Api,
    /// One-time link for creating the first administrator; has no user.
    Setup,
}

impl SessionKind {
    pub fn code(self) -> &'static str {
        match self {
            SessionKind::Web => "web",
            SessionKind::Api => "api",
            SessionKind::Setup => "setup",
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub token_hash: String,
    pub kind: SessionKind,
    pub user_id: Option<Uuid>,
    pub csrf_token: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// A live (unexpired, unrevoked) session, its user and what the user's roles grant —
/// everything a request needs to know about its caller, read in one go.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub kind: SessionKind,
    pub user: Option<User>,
    pub grants: Vec<Grant>,
    pub csrf_token: Option<String>,
}

/// Storage of users, roles, divisions, sessions, login throttling and the audit log.
/// Reads of division-bound records take the caller's `Scope`; writes take an `AuditStamp`.
#[async_trait]
pub trait AccessStore {
    async fn list_roles(&self, req: &ListRequest) -> Result<Page<Role>, StoreError>;
    async fn get_role(&self, id: Uuid) -> Result<Role, StoreError>;
    async fn roles_by_codes(&self, codes: &[String]) -> Result<Vec<Role>, StoreError>;
    async fn create_role(&self, new: &NewRole, stamp: &AuditStamp) -> Result<Role, StoreError>;
    async fn update_role(
        &self,
        id: Uuid,
        version: Option<i64>,
        patch: &RolePatch,
        stamp: &AuditStamp,
    ) -> Result<Role, StoreError>;
    /// Refused with `Conflict { constraint: "role_in_use" }` while users hold the role.
    async fn delete_role(&self, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError>;

    async fn list_divisions(&self, scope: &Scope, req: &ListRequest) -> Result<Page<Division>, StoreError>;
    async fn get_division(&self, scope: &Scope, id: Uuid) -> Result<Division, StoreError>;
    async fn division_by_name(&self, name: &str) -> Result<Option<Division>, StoreError>;
    async fn create_division(&self, new: &NewDivision, stamp: &AuditStamp) -> Result<Division, StoreError>;
    async fn update_division(
        &self,
        scope: &Scope,
        id: Uuid,
        version: Option<i64>,
        patch: &DivisionPatch,
        stamp: &AuditStamp,
    ) -> Result<Division, StoreError>;
    /// Refused with `Conflict { constraint: "division_in_use" }` while records belong to it.
    async fn delete_division(&self, scope: &Scope, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError>;

    async fn list_users(&self, scope: &Scope, req: &ListRequest) -> Result<Page<User>, StoreError>;
    async fn get_user(&self, scope: &Scope, id: Uuid) -> Result<User, StoreError>;
    async fn create_user(&self, new: &NewUser, stamp: &AuditStamp) -> Result<User, StoreError>;
    async fn update_user(
        &self,
        scope: &Scope,
        id: Uuid,
        version: Option<i64>,
        patch: &UserPatch,
        stamp: &AuditStamp,
    ) -> Result<User, StoreError>;
    async fn count_users(&self) -> Result<i64, StoreError>;
    async fn login_record(&self, username: &str) -> Result<Option<LoginRecord>, StoreError>;
    async fn record_login(&self, user_id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// Unfrozen users in scope whose last login (or creation) is before `since` (ACL-6).
    async fn inactive_users(&self, scope: &Scope, since: DateTime<Utc>) -> Result<Vec<User>, StoreError>;

    async fn create_session(&self, session: &NewSession) -> Result<(), StoreError>;
    async fn find_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<SessionRecord>, StoreError>;
    async fn revoke_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<(), StoreError>;
    async fn revoke_user_sessions(&self, user_id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Creates the first administrator with a setup token, only while no user exists.
    async fn create_first_admin(
        &self,
        setup_token_hash: &str,
        new: &NewUser,
        stamp: &AuditStamp,
    ) -> Result<User, StoreError>;

    async fn record_login_failure(&self, key: &str, at: DateTime<Utc>) -> Result<(), StoreError>;
    async fn count_login_failures(&self, key: &str, since: DateTime<Utc>) -> Result<i64, StoreError>;
    async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError>;

    async fn list_audit(&self, scope: &Scope, req: &ListRequest) -> Result<Page<AuditEntry>, StoreError>;
}
