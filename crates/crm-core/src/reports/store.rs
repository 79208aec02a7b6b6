use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::{
    AgeingCell, ChurnHistory, ChurnRow, CompositionBy, CompositionCell, Contribution, DivisionFigures, PerformanceCell,
    Period, ReasonTotal, ReportFilter, RfmCell, RfmCustomer, RfmSegment, ServiceBy, ServiceSums, SystemHealth, WorkBy,
    WorkCounts,
};
use crate::access::Scope;
use crate::store::StoreError;

/// The sums behind the reports, each over the records the scope may read (customers, and the
/// orders, requests and contracts reached through them, by the customer's scope; opportunities
/// by their own division and owner), narrowed by the filter's division and owner.
#[async_trait]
pub trait ReportStore {
    /// Not cancelled orders dated in the filter's period, summed per customer and currency,
    /// ranked; the first `limit` of each currency and the sums of every currency and class.
    async fn contribution(&self, scope: &Scope, filter: &ReportFilter, limit: i64) -> Result<Contribution, StoreError>;
    /// Customers created in the period counted by one of their values.
    async fn customer_counts(
        &self,
        scope: &Scope,
        filter: &ReportFilter,
        period: Period,
        by: CompositionBy,
        province: Option<uuid::Uuid>,
    ) -> Result<Vec<CompositionCell>, StoreError>;
    /// Service requests created in the period, summed by type or status.
    async fn service_sums(
        &self,
        scope: &Scope,
        filter: &ReportFilter,
        period: Period,
        by: ServiceBy,
    ) -> Result<Vec<ServiceSums>, StoreError>;
    /// The customers with orders in `currency` in the period, scored 1–5 against the cut
    /// values of their own figures (see `RfmCell`), counted per combination of scores.
    async fn rfm_cells(&self, scope: &Scope, filter: &ReportFilter, currency: &str)
    -> Result<Vec<RfmCell>, StoreError>;
    /// The cells as `rfm_cells` counts them and, in the same pass, the customers of
    /// `segment` (see `rfm_segments`), the `limit` with the largest monetary value first.
    /// `as_of` is the day recency is counted to.
    async fn rfm_segment(
        &self,
        scope: &Scope,
        filter: &ReportFilter,
        currency: &str,
        segment: RfmSegment,
        as_of: NaiveDate,
        limit: i64,
    ) -> Result<(Vec<RfmCell>, Vec<RfmCustomer>), StoreError>;
    /// Churn warnings confirmed lost in the period: the `limit` latest and the count per reason.
    async fn churn_losses(
        &self,
        scope: &Scope,
        filter: &ReportFilter,
        period: Period,
        limit: i64,
    ) -> Result<(Vec<ChurnRow>, Vec<ReasonTotal>), StoreError>;
    /// The first orders of the customers by month, and the losses relevant to the months
    /// `span` covers (see `ChurnHistory`).
    async fn churn_history(
        &self,
        scope: &Scope,
        filter: &ReportFilter,
        span: Period,
    ) -> Result<ChurnHistory, StoreError>;
    /// Opportunities per owner, status and currency: open ones now, closed ones closed in the period.
    async fn owner_performance(
        &self,
        scope: &Scope,
        filter: &ReportFilter,
        period: Period,
    ) -> Result<Vec<PerformanceCell>, StoreError>;
    /// What is still open of the plan items of active and expired contracts, per customer,
    /// currency and age on `today`.
    async fn receivables_ageing(
        &self,
        scope: &Scope,
        filter: &ReportFilter,
        today: NaiveDate,
    ) -> Result<Vec<AgeingCell>, StoreError>;
    /// Each visible division's orders dated `month` (first to last day), open opportunities
    /// and open service requests.
    async fn division_figures(
        &self,
        scope: &Scope,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DivisionFigures>, StoreError>;
    /// Open tasks of the scope (and those due before `now`) per task owner or division.
    async fn task_counts(&self, scope: &Scope, by: WorkBy, now: DateTime<Utc>) -> Result<Vec<WorkCounts>, StoreError>;
    /// Open churn warnings, neither lost nor closed, of the scope's customers per customer
    /// owner or division.
    async fn warning_counts(&self, scope: &Scope, by: WorkBy) -> Result<Vec<WorkCounts>, StoreError>;
    /// The database's size and row counts (jobs come from the job store).
    async fn system_health(&self) -> Result<SystemHealth, StoreError>;
}
