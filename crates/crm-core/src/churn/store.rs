use async_trait::async_trait;
use chrono::NaiveDate;
use uuid::Uuid;

use super::{ChurnWarning, NewMeasure};
use crate::access::{AuditStamp, Scope};
use crate::listing::{ListRequest, Page};
use crate::store::StoreError;

/// Storage of churn warnings. A warning is visible exactly when its customer is. Every write
/// is one transaction with its audit rows; at most one warning per customer is open, which
/// the database enforces.
#[async_trait]
pub trait ChurnStore {
    /// Filters: `status`, `customer_id`, `owner_id`, `division_id`, `closed` (`true`/`false`).
    /// Sorts: `created_at`, `updated_at`, `last_order_date`, `customer_name`.
    async fn list_churn_warnings(&self, scope: &Scope, req: &ListRequest) -> Result<Page<ChurnWarning>, StoreError>;
    async fn get_churn_warning(&self, scope: &Scope, id: Uuid) -> Result<ChurnWarning, StoreError>;
    /// Warns every active customer whose last order is before `last_order_before` and that has
    /// no open warning, with set-based statements over chunks of customers; processes running
    /// it together warn each customer once. Returns how many were warned.
    async fn detect_churn(&self, last_order_before: NaiveDate, stamp: &AuditStamp) -> Result<u64, StoreError>;
    /// Adds the measure and puts the warning, still at `old`'s version, in `delaying`.
    async fn add_churn_measure(
        &self,
        old: &ChurnWarning,
        measure: &NewMeasure,
        stamp: &AuditStamp,
    ) -> Result<ChurnWarning, StoreError>;
    /// Marks the warning, still at `old`'s version, and its customer `lost` with the reason.
    async fn confirm_churn(
        &self,
        old: &ChurnWarning,
        reason_id: Uuid,
        stamp: &AuditStamp,
    ) -> Result<ChurnWarning, StoreError>;
}
