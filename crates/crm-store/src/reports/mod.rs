//! The sums behind the reports (RPT-1..8): one set-based statement per report, in the
//! caller's scope, adding up in the database so that nothing per customer or per order comes
//! back but the rows a report shows.

mod churn;
mod customers;
mod dashboard;
mod sales;
mod service;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crm_core::access::Scope;
use crm_core::reports::{
    AgeingCell, ChurnHistory, ChurnRow, CompositionBy, CompositionCell, Contribution, DivisionFigures, PerformanceCell,
    Period, ReasonTotal, ReportFilter, ReportStore, RfmCell, RfmCustomer, RfmSegment, ServiceBy, ServiceSums,
    SystemHealth, WorkBy, WorkCounts,
};
use crm_core::store::StoreError;

use crate::Db;
use crate::customers::customer::push_customer_scope;
use crate::sql::Sql;

/// ` AND …`: the customers `c` of the scope, narrowed to the filter's division and owner.
fn push_customers(sql: &mut Sql, scope: &Scope, filter: &ReportFilter) {
    push_customer_scope(sql, scope);
    if let Some(d) = filter.division_id {
        sql.push(" AND c.division_id = ").bind(d);
    }
    if let Some(u) = filter.owner_id {
        sql.push(" AND c.owner_id = ").bind(u);
    }
}

/// ` [JOIN customers c …] WHERE 1 = 1 AND …`: the rows of `alias` whose customer (by
/// `alias.customer_id`) is one of the scope's, narrowed by the filter. The customers are
/// joined only when something narrows: for a reader who sees everyone, looking up every
/// row's customer read a customer row at random per row.
fn push_customers_of(sql: &mut Sql, alias: &str, scope: &Scope, filter: &ReportFilter) {
    let mut customers = Sql::default();
    push_customers(&mut customers, scope, filter);
    if !customers.is_empty() {
        sql.push(&format!(" JOIN customers c ON c.id = {alias}.customer_id"));
    }
    sql.push(" WHERE 1 = 1").append(&customers);
}

/// ` AND …`: the time `column` (UTC text) falls in the period.
fn push_period(sql: &mut Sql, column: &str, period: Period) {
    if let Some(from) = period.from {
        sql.push(" AND ").push(column).push(" >= ").bind(from);
    }
    if let Some(to) = period.to {
        sql.push(" AND ").push(column).push(" < ").bind(to);
    }
}

/// ` AND …`: not cancelled orders `o` dated in the filter's days, both inclusive.
fn push_orders(sql: &mut Sql, filter: &ReportFilter) {
    sql.push(" AND o.status <> 'cancelled'");
    if let Some(from) = filter.from {
        sql.push(" AND o.order_date >= ").bind(from.to_string());
    }
    if let Some(to) = filter.to {
        sql.push(" AND o.order_date <= ").bind(to.to_string());
    }
}

#[async_trait]
impl ReportStore for Db {
    async fn contribution(&self, scope: &Scope, filter: &ReportFilter, limit: i64) -> Result<Contribution, StoreError> {
        customers::contribution(self, scope, filter, limit).await
    }
    async fn customer_counts(
        &self,
        scope: &Scope,
        filter: &ReportFilter,
        period: Period,
        by: CompositionBy,
        province: Option<Uuid>,
    ) -> Result<Vec<CompositionCell>, StoreError> {
        customers::counts(self, scope, filter, period, by, province).await
    }
    async fn service_sums(
        &self,
        scope: &Scope,
        filter: &ReportFilter,
        period: Period,
        by: ServiceBy,
    ) -> Result<Vec<ServiceSums>, StoreError> {
        service::sums(self, scope, filter, period, by).await
    }
    async fn rfm_cells(
        &self,
        scope: &Scope,
        filter: &ReportFilter,
        currency: &str,
    ) -> Result<Vec<RfmCell>, StoreError> {
        customers::rfm_cells(self, scope, filter, currency).await
    }
    async fn rfm_segment(
        &self,
        scope: &Scope,
        filter: &ReportFilter,
        currency: &str,
        segment: RfmSegment,
        as_of: NaiveDate,
        limit: i64,
    ) -> Result<(Vec<RfmCell>, Vec<RfmCustomer>), StoreError> {
        customers::rfm_segment(self, scope, filter, currency, segment, as_of, limit).await
    }
    async fn churn_losses(
        &self,
        scope: &Scope,
        filter: &ReportFilter,
        period: Period,
        limit: i64,
    ) -> Result<(Vec<ChurnRow>, Vec<ReasonTotal>), StoreError> {
        churn::lost(self, scope, filter, period, limit).await
    }
    async fn churn_history(
        &self,
        scope: &Scope,
        filter: &ReportFilter,
        span: Period,
    ) -> Result<ChurnHistory, StoreError> {
        churn::history(self, scope, filter, span).await
    }
    async fn owner_performance(
        &self,
        scope: &Scope,
        filter: &ReportFilter,
        period: Period,
    ) -> Result<Vec<PerformanceCell>, StoreError> {
        sales::performance(self, scope, filter, period).await
    }
    async fn receivables_ageing(
        &self,
        scope: &Scope,
        filter: &ReportFilter,
        today: NaiveDate,
    ) -> Result<Vec<AgeingCell>, StoreError> {
        sales::ageing(self, scope, filter, today).await
    }
    async fn division_figures(
        &self,
        scope: &Scope,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DivisionFigures>, StoreError> {
        dashboard::divisions(self, scope, from, to).await
    }
    async fn task_counts(&self, scope: &Scope, by: WorkBy, now: DateTime<Utc>) -> Result<Vec<WorkCounts>, StoreError> {
        dashboard::tasks(self, scope, by, now).await
    }
    async fn warning_counts(&self, scope: &Scope, by: WorkBy) -> Result<Vec<WorkCounts>, StoreError> {
        dashboard::warnings(self, scope, by).await
    }
    async fn system_health(&self) -> Result<SystemHealth, StoreError> {
        dashboard::health(self).await
    }
}
