use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{Article, NewArticle, NewServiceRequest, ServiceRequest, Sla, SlaRun, Targets};
use crate::access::{AuditStamp, Scope};
use crate::listing::{ListRequest, Page};
use crate::store::StoreError;

/// Storage of service requests and the service level targets. A request is visible in its
/// division and, to an own-scope caller, when they took it or handle it. Every write is one
/// transaction with its audit rows.
#[async_trait]
pub trait ServiceStore {
    /// Filters: `status`, `type_id`, `customer_id`, `handler_id`, `created_by`, `division_id`,
    /// `overdue` (`true`/`false`), `from`/`to` (dates of creation, inclusive). Sorts:
    /// `created_at`, `updated_at`, `number`, `resolve_by`.
    async fn list_service_requests(&self, scope: &Scope, req: &ListRequest)
    -> Result<Page<ServiceRequest>, StoreError>;
    async fn get_service_request(&self, scope: &Scope, id: Uuid) -> Result<ServiceRequest, StoreError>;
    /// Numbers the request from the `service_request` sequence for the day `today`, in the
    /// division of its customer (which must be in `scope`).
    async fn create_service_request(
        &self,
        scope: &Scope,
        new: &NewServiceRequest,
        today: NaiveDate,
        stamp: &AuditStamp,
    ) -> Result<ServiceRequest, StoreError>;
    /// Writes `new` over `old` if the row is still at `old`'s version, logging `action`. When
    /// `new` is archived, the customer's satisfaction becomes the rounded average of its
    /// archived requests' ratings in the same transaction (SVC-5).
    async fn save_service_request(
        &self,
        old: &ServiceRequest,
        new: &ServiceRequest,
        action: &str,
        stamp: &AuditStamp,
    ) -> Result<ServiceRequest, StoreError>;
    async fn delete_service_request(&self, old: &ServiceRequest, stamp: &AuditStamp) -> Result<(), StoreError>;

    /// The targets of a service type, the defaults if it has none.
    async fn service_targets(&self, type_id: Uuid) -> Result<Targets, StoreError>;
    /// Every service type with its targets.
    async fn list_service_sla(&self) -> Result<Vec<Sla>, StoreError>;
    async fn set_service_sla(&self, type_id: Uuid, targets: Targets, stamp: &AuditStamp) -> Result<Sla, StoreError>;
    /// Flags the requests not archived that missed a target by `now` (not assigned by their
    /// response deadline, or not archived by their resolution deadline), once each.
    async fn flag_overdue_service_requests(&self, now: DateTime<Utc>, stamp: &AuditStamp)
    -> Result<SlaRun, StoreError>;

    /// Filters: `category`, `tag`. Sorts: `created_at`, `updated_at`, `title`. With `q`, the
    /// articles holding every word of it (Chinese words of two characters and more, English
    /// words), those with the words in their title first, then the newest: one page of at most
    /// `limit`, not continued.
    async fn list_articles(&self, req: &ListRequest) -> Result<Page<Article>, StoreError>;
    async fn get_article(&self, id: Uuid) -> Result<Article, StoreError>;
    /// Writes the article and its search document in one transaction.
    async fn create_article(
        &self,
        new: &NewArticle,
        created_by: Option<Uuid>,
        stamp: &AuditStamp,
    ) -> Result<Article, StoreError>;
    async fn update_article(&self, old: &Article, new: &NewArticle, stamp: &AuditStamp) -> Result<Article, StoreError>;
    async fn delete_article(&self, old: &Article, stamp: &AuditStamp) -> Result<(), StoreError>;
    /// The articles linked from a request, by title.
    async fn request_articles(&self, request_id: Uuid) -> Result<Vec<Article>, StoreError>;
    /// Links (`linked`) or unlinks an article from the request; linking twice changes nothing.
    async fn link_article(
        &self,
        request: &ServiceRequest,
        article_id: Uuid,
        linked: bool,
        stamp: &AuditStamp,
    ) -> Result<(), StoreError>;
}
