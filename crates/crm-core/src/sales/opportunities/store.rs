use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{
    BoardColumn, Closing, ForecastBy, ForecastRow, FunnelRow, NewOpportunity, NewPipelineStage, NewPlanItem,
    Opportunity, OpportunityPatch, PipelineFilter, PipelineStage, PipelineStagePatch, PlanItem, PlanItemPatch,
    StaleRun,
};
use crate::access::{AuditStamp, Scope};
use crate::listing::{ListRequest, Page};
use crate::store::StoreError;

/// Storage of opportunities, their plan items and the pipeline. Reads take the caller's
/// `Scope`: an opportunity is visible in its division and, to an own-scope caller, when they
/// own it or created it; the board and reports cover what the caller owns. Every write is one
/// transaction with its audit rows and keeps the board's per-stage totals in step.
#[async_trait]
pub trait OpportunityStore {
    /// In board order.
    async fn list_pipeline_stages(&self) -> Result<Vec<PipelineStage>, StoreError>;
    async fn get_pipeline_stage(&self, id: Uuid) -> Result<PipelineStage, StoreError>;
    async fn create_pipeline_stage(
        &self,
        new: &NewPipelineStage,
        stamp: &AuditStamp,
    ) -> Result<PipelineStage, StoreError>;
    async fn update_pipeline_stage(
        &self,
        id: Uuid,
        version: Option<i64>,
        patch: &PipelineStagePatch,
        stamp: &AuditStamp,
    ) -> Result<PipelineStage, StoreError>;
    /// Refused with `Conflict { "in_use" }` while opportunities are in the stage.
    async fn delete_pipeline_stage(&self, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError>;

    /// Filters: `status`, `stage_id`, `assignee_id`, `owner_id`, `created_by`, `division_id`,
    /// `customer_id`, `source_id`, `currency`, `stale`; `q` searches customer name, summary,
    /// number and contact. Sorts: `created_at`, `updated_at`, `number`, `customer_name`,
    /// `amount`, `probability`, `expected_close_date`.
    async fn list_opportunities(&self, scope: &Scope, req: &ListRequest) -> Result<Page<Opportunity>, StoreError>;
    async fn get_opportunity(&self, scope: &Scope, id: Uuid) -> Result<Opportunity, StoreError>;
    /// Creates the opportunities in one transaction, numbered in order from the
    /// `opportunity` sequence for the day `today`.
    async fn create_opportunities(
        &self,
        new: &[NewOpportunity],
        today: NaiveDate,
        stamp: &AuditStamp,
    ) -> Result<Vec<Opportunity>, StoreError>;
    async fn update_opportunity(
        &self,
        scope: &Scope,
        id: Uuid,
        version: Option<i64>,
        patch: &OpportunityPatch,
        stamp: &AuditStamp,
    ) -> Result<Opportunity, StoreError>;
    async fn delete_opportunity(&self, scope: &Scope, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError>;
    /// Sets the assignee (and so the owner), the assignment time and status `assigned`.
    async fn assign_opportunity(
        &self,
        scope: &Scope,
        id: Uuid,
        version: Option<i64>,
        assignee_id: Uuid,
        stamp: &AuditStamp,
    ) -> Result<Opportunity, StoreError>;
    /// Moves an open opportunity to an open stage, taking the stage's probability.
    async fn move_opportunity(
        &self,
        scope: &Scope,
        id: Uuid,
        version: Option<i64>,
        stage: &PipelineStage,
        stamp: &AuditStamp,
    ) -> Result<Opportunity, StoreError>;
    /// Closes the opportunity into the won or lost stage, creating or converting its customer
    /// and contact when won, all in one transaction.
    async fn close_opportunity(
        &self,
        scope: &Scope,
        id: Uuid,
        version: Option<i64>,
        closing: &Closing,
        stamp: &AuditStamp,
    ) -> Result<Opportunity, StoreError>;

    /// The plan of a visible opportunity, by date.
    async fn list_plan_items(&self, scope: &Scope, opportunity_id: Uuid) -> Result<Vec<PlanItem>, StoreError>;
    async fn create_plan_item(
        &self,
        scope: &Scope,
        opportunity_id: Uuid,
        new: &NewPlanItem,
        stamp: &AuditStamp,
    ) -> Result<PlanItem, StoreError>;
    async fn update_plan_item(
        &self,
        scope: &Scope,
        opportunity_id: Uuid,
        item_id: Uuid,
        version: Option<i64>,
        patch: &PlanItemPatch,
        stamp: &AuditStamp,
    ) -> Result<PlanItem, StoreError>;

    /// Every stage with its count and amounts (from the per-stage totals, not by reading the
    /// opportunities) and its `cards` most recently active opportunities.
    async fn pipeline_board(
        &self,
        scope: &Scope,
        filter: &PipelineFilter,
        cards: u32,
    ) -> Result<Vec<BoardColumn>, StoreError>;
    /// Count and amounts per stage; with a date range, of the opportunities expected to close in it.
    async fn sales_funnel(&self, scope: &Scope, filter: &PipelineFilter) -> Result<Vec<FunnelRow>, StoreError>;
    /// Open opportunities by month of expected close or by owner, with weighted amounts.
    async fn sales_forecast(
        &self,
        scope: &Scope,
        filter: &PipelineFilter,
        by: ForecastBy,
    ) -> Result<Vec<ForecastRow>, StoreError>;
    /// Flags open opportunities with no activity (nor interaction with their customer) since
    /// `cutoff`, once each, and clears the flag of those active again.
    async fn flag_stale_opportunities(&self, cutoff: DateTime<Utc>, stamp: &AuditStamp)
    -> Result<StaleRun, StoreError>;
}
