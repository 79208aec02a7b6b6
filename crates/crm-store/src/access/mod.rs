//! Storage of the access module.

mod divisions;
mod roles;
mod sessions;
mod users;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crm_core::access::{
    AccessStore, AuditEntry, AuditStamp, Division, DivisionPatch, LoginRecord, NewDivision, NewRole, NewSession,
    NewUser, Role, RolePatch, Scope, SessionRecord, User, UserPatch,
};
use crm_core::listing::{ListRequest, Page};
use crm_core::store::StoreError;

use crate::Db;

#[async_trait]
impl AccessStore for Db {
    async fn list_roles(&self, req: &ListRequest) -> Result<Page<Role>, StoreError> {
        roles::list(self, req).await
    }
    async fn get_role(&self, id: Uuid) -> Result<Role, StoreError> {
        roles::get(&self.reader, id).await
    }
    async fn roles_by_codes(&self, codes: &[String]) -> Result<Vec<Role>, StoreError> {
        roles::by_codes(self, codes).await
    }
    async fn create_role(&self, new: &NewRole, stamp: &AuditStamp) -> Result<Role, StoreError> {
        roles::create(self, new, stamp).await
    }
    async fn update_role(
        &self,
        id: Uuid,
        version: Option<i64>,
        patch: &RolePatch,
        stamp: &AuditStamp,
    ) -> Result<Role, StoreError> {
        roles::update(self, id, version, patch, stamp).await
    }
    async fn delete_role(&self, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError> {
        roles::delete(self, id, stamp).await
    }

    async fn list_divisions(&self, scope: &Scope, req: &ListRequest) -> Result<Page<Division>, StoreError> {
        divisions::list(self, scope, req).await
    }
    async fn get_division(&self, scope: &Scope, id: Uuid) -> Result<Division, StoreError> {
        divisions::get(&self.reader, scope, id).await
    }
    async fn division_by_name(&self, name: &str) -> Result<Option<Division>, StoreError> {
        divisions::by_name(self, name).await
    }
    async fn create_division(&self, new: &NewDivision, stamp: &AuditStamp) -> Result<Division, StoreError> {
        divisions::create(self, new, stamp).await
    }
    async fn update_division(
        &self,
        scope: &Scope,
        id: Uuid,
        version: Option<i64>,
        patch: &DivisionPatch,
        stamp: &AuditStamp,
    ) -> Result<Division, StoreError> {
        divisions::update(self, scope, id, version, patch, stamp).await
    }
    async fn delete_division(&self, scope: &Scope, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError> {
        divisions::delete(self, scope, id, stamp).await
    }

    async fn list_users(&self, scope: &Scope, req: &ListRequest) -> Result<Page<User>, StoreError> {
        users::list(self, scope, req).await
    }
    async fn get_user(&self, scope: &Scope, id: Uuid) -> Result<User, StoreError> {
        users::get(self, scope, id).await
    }
    async fn create_user(&self, new: &NewUser, stamp: &AuditStamp) -> Result<User, StoreError> {
        let mut tx = self.begin_write().await?;
        let user = users::insert(&mut tx, new, stamp).await?;
        tx.commit().await.map_err(crate::sql::store_error)?;
        Ok(user)
    }
    async fn update_user(
        &self,
        scope: &Scope,
        id: Uuid,
        version: Option<i64>,
        patch: &UserPatch,
        stamp: &AuditStamp,
    ) -> Result<User, StoreError> {
        users::update(self, scope, id, version, patch, stamp).await
    }
    async fn count_users(&self) -> Result<i64, StoreError> {
        users::count(&self.reader).await
    }
    async fn login_record(&self, username: &str) -> Result<Option<LoginRecord>, StoreError> {
        users::login_record(self, username).await
    }
    async fn record_login(&self, user_id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
        users::record_login(self, user_id, at).await
    }
    async fn inactive_users(&self, scope: &Scope, since: DateTime<Utc>) -> Result<Vec<User>, StoreError> {
        users::inactive(self, scope, since).await
    }

    async fn create_session(&self, session: &NewSession) -> Result<(), StoreError> {
        sessions::create(self, session).await
    }
    async fn find_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<SessionRecord>, StoreError> {
        sessions::find(self, token_hash, now).await
    }
    async fn revoke_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        sessions::revoke(self, token_hash, now).await
    }
    async fn revoke_user_sessions(&self, user_id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
        sessions::revoke_user(self, user_id, now).await
    }
    async fn create_first_admin(
        &self,
        setup_token_hash: &str,
        new: &NewUser,
        stamp: &AuditStamp,
    ) -> Result<User, StoreError> {
        sessions::create_first_admin(self, setup_token_hash, new, stamp).await
    }

    async fn record_login_failure(&self, key: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        sessions::record_failure(self, key, at).await
    }
    async fn count_login_failures(&self, key: &str, since: DateTime<Utc>) -> Result<i64, StoreError> {
        sessions::count_failures(self, key, since).await
    }
    async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
        sessions::clear_failures(self, key).await
    }

    async fn list_audit(&self, scope: &Scope, req: &ListRequest) -> Result<Page<AuditEntry>, StoreError> {
        crate::audit::list_audit(self, scope, req).await
    }
}

pub(crate) use roles::insert as insert_role;
