//! Storage of churn warnings (CHN-1..3), and the hooks the customers module calls: a new order
//! reactivates its customer, a merge keeps one open warning.

mod warnings;

pub(crate) use warnings::{before_merge, date, reactivate};

use async_trait::async_trait;
use chrono::NaiveDate;
use uuid::Uuid;

use crm_core::access::{AuditStamp, Scope};
use crm_core::churn::{ChurnStore, ChurnWarning, NewMeasure};
use crm_core::listing::{ListRequest, Page};
use crm_core::store::StoreError;

use crate::Db;

#[async_trait]
impl ChurnStore for Db {
    async fn list_churn_warnings(&self, scope: &Scope, req: &ListRequest) -> Result<Page<ChurnWarning>, StoreError> {
        warnings::list(self, scope, req).await
    }
    async fn get_churn_warning(&self, scope: &Scope, id: Uuid) -> Result<ChurnWarning, StoreError> {
        warnings::get(self, scope, id).await
    }
    async fn detect_churn(&self, last_order_before: NaiveDate, stamp: &AuditStamp) -> Result<u64, StoreError> {
        warnings::detect(self, last_order_before, stamp).await
    }
    async fn add_churn_measure(
        &self,
        old: &ChurnWarning,
        measure: &NewMeasure,
        stamp: &AuditStamp,
    ) -> Result<ChurnWarning, StoreError> {
        warnings::add_measure(self, old, measure, stamp).await
    }
    async fn confirm_churn(
        &self,
        old: &ChurnWarning,
        reason_id: Uuid,
        stamp: &AuditStamp,
    ) -> Result<ChurnWarning, StoreError> {
        warnings::confirm(self, old, reason_id, stamp).await
    }
}
