//! Storage of the service module: service requests and the service level targets.

mod knowledge;
mod requests;
mod sla;

pub(crate) use requests::load as load_requests;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crm_core::access::{AuditStamp, Scope};
use crm_core::listing::{ListRequest, Page};
use crm_core::service::{Article, NewArticle, NewServiceRequest, ServiceRequest, ServiceStore, Sla, SlaRun, Targets};
use crm_core::store::StoreError;

use crate::Db;

#[async_trait]
impl ServiceStore for Db {
    async fn list_service_requests(
        &self,
        scope: &Scope,
        req: &ListRequest,
    ) -> Result<Page<ServiceRequest>, StoreError> {
        requests::list(self, scope, req).await
    }
    async fn get_service_request(&self, scope: &Scope, id: Uuid) -> Result<ServiceRequest, StoreError> {
        requests::get(self, scope, id).await
    }
    async fn create_service_request(
        &self,
        scope: &Scope,
        new: &NewServiceRequest,
        today: NaiveDate,
        stamp: &AuditStamp,
    ) -> Result<ServiceRequest, StoreError> {
        requests::create(self, scope, new, today, stamp).await
    }
    async fn save_service_request(
        &self,
        old: &ServiceRequest,
        new: &ServiceRequest,
        action: &str,
        stamp: &AuditStamp,
    ) -> Result<ServiceRequest, StoreError> {
        requests::save(self, old, new, action, stamp).await
    }
    async fn delete_service_request(&self, old: &ServiceRequest, stamp: &AuditStamp) -> Result<(), StoreError> {
        requests::delete(self, old, stamp).await
    }
    async fn service_targets(&self, type_id: Uuid) -> Result<Targets, StoreError> {
        sla::targets(self, type_id).await
    }
    async fn list_service_sla(&self) -> Result<Vec<Sla>, StoreError> {
        sla::list(self).await
    }
    async fn set_service_sla(&self, type_id: Uuid, targets: Targets, stamp: &AuditStamp) -> Result<Sla, StoreError> {
        sla::set(self, type_id, targets, stamp).await
    }
    async fn flag_overdue_service_requests(
        &self,
        now: DateTime<Utc>,
        stamp: &AuditStamp,
    ) -> Result<SlaRun, StoreError> {
        sla::flag_overdue(self, now, stamp).await
    }
    async fn list_articles(&self, req: &ListRequest) -> Result<Page<Article>, StoreError> {
        knowledge::list(self, req).await
    }
    async fn get_article(&self, id: Uuid) -> Result<Article, StoreError> {
        knowledge::get(self, id).await
    }
    async fn create_article(
        &self,
        new: &NewArticle,
        created_by: Option<Uuid>,
        stamp: &AuditStamp,
    ) -> Result<Article, StoreError> {
        knowledge::create(self, new, created_by, stamp).await
    }
    async fn update_article(&self, old: &Article, new: &NewArticle, stamp: &AuditStamp) -> Result<Article, StoreError> {
        knowledge::update(self, old, new, stamp).await
    }
    async fn delete_article(&self, old: &Article, stamp: &AuditStamp) -> Result<(), StoreError> {
        knowledge::delete(self, old, stamp).await
    }
    async fn request_articles(&self, request_id: Uuid) -> Result<Vec<Article>, StoreError> {
        knowledge::request_articles(self, request_id).await
    }
    async fn link_article(
        &self,
        request: &ServiceRequest,
        article_id: Uuid,
        linked: bool,
        stamp: &AuditStamp,
    ) -> Result<(), StoreError> {
        knowledge::link(self, request, article_id, linked, stamp).await
    }
}
