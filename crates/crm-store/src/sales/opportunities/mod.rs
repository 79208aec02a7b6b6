//! Storage of opportunities, their development plans and the pipeline.

mod pipeline;
mod plan;
mod record;
mod stages;

pub(crate) use pipeline::push_filter as push_pipeline_filter;
pub(crate) use stages::seed as seed_stages;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crm_core::access::{AuditStamp, Scope};
use crm_core::listing::{ListRequest, Page};
use crm_core::sales::OpportunityStore;
use crm_core::sales::opportunities::{
    BoardColumn, Closing, ForecastBy, ForecastRow, FunnelRow, NewOpportunity, NewPipelineStage, NewPlanItem,
    Opportunity, OpportunityPatch, PipelineFilter, PipelineStage, PipelineStagePatch, PlanItem, PlanItemPatch,
    StaleRun,
};
use crm_core::store::StoreError;

use crate::Db;

#[async_trait]
impl OpportunityStore for Db {
    async fn list_pipeline_stages(&self) -> Result<Vec<PipelineStage>, StoreError> {
        stages::list(self).await
    }
    async fn get_pipeline_stage(&self, id: Uuid) -> Result<PipelineStage, StoreError> {
        stages::get(self, id).await
    }
    async fn create_pipeline_stage(
        &self,
        new: &NewPipelineStage,
        stamp: &AuditStamp,
    ) -> Result<PipelineStage, StoreError> {
        stages::create(self, new, stamp).await
    }
    async fn update_pipeline_stage(
        &self,
        id: Uuid,
        version: Option<i64>,
        patch: &PipelineStagePatch,
        stamp: &AuditStamp,
    ) -> Result<PipelineStage, StoreError> {
        stages::update(self, id, version, patch, stamp).await
    }
    async fn delete_pipeline_stage(&self, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError> {
        stages::delete(self, id, stamp).await
    }

    async fn list_opportunities(&self, scope: &Scope, req: &ListRequest) -> Result<Page<Opportunity>, StoreError> {
        record::list(self, scope, req).await
    }
    async fn get_opportunity(&self, scope: &Scope, id: Uuid) -> Result<Opportunity, StoreError> {
        record::get(self, scope, id).await
    }
    async fn create_opportunities(
        &self,
        new: &[NewOpportunity],
        today: NaiveDate,
        stamp: &AuditStamp,
    ) -> Result<Vec<Opportunity>, StoreError> {
        record::create_many(self, new, today, stamp).await
    }
    async fn update_opportunity(
        &self,
        scope: &Scope,
        id: Uuid,
        version: Option<i64>,
        patch: &OpportunityPatch,
        stamp: &AuditStamp,
    ) -> Result<Opportunity, StoreError> {
        record::update(self, scope, id, version, patch, stamp).await
    }
    async fn delete_opportunity(&self, scope: &Scope, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError> {
        record::delete(self, scope, id, stamp).await
    }
    async fn assign_opportunity(
        &self,
        scope: &Scope,
        id: Uuid,
        version: Option<i64>,
        assignee_id: Uuid,
        stamp: &AuditStamp,
    ) -> Result<Opportunity, StoreError> {
        record::assign(self, scope, id, version, assignee_id, stamp).await
    }
    async fn move_opportunity(
        &self,
        scope: &Scope,
        id: Uuid,
        version: Option<i64>,
        stage: &PipelineStage,
        stamp: &AuditStamp,
    ) -> Result<Opportunity, StoreError> {
        record::move_to(self, scope, id, version, stage, stamp).await
    }
    async fn close_opportunity(
        &self,
        scope: &Scope,
        id: Uuid,
        version: Option<i64>,
        closing: &Closing,
        stamp: &AuditStamp,
    ) -> Result<Opportunity, StoreError> {
        record::close(self, scope, id, version, closing, stamp).await
    }

    async fn list_plan_items(&self, scope: &Scope, opportunity_id: Uuid) -> Result<Vec<PlanItem>, StoreError> {
        plan::list(self, scope, opportunity_id).await
    }
    async fn create_plan_item(
        &self,
        scope: &Scope,
        opportunity_id: Uuid,
        new: &NewPlanItem,
        stamp: &AuditStamp,
    ) -> Result<PlanItem, StoreError> {
        plan::create(self, scope, opportunity_id, new, stamp).await
    }
    async fn update_plan_item(
        &self,
        scope: &Scope,
        opportunity_id: Uuid,
        item_id: Uuid,
        version: Option<i64>,
        patch: &PlanItemPatch,
        stamp: &AuditStamp,
    ) -> Result<PlanItem, StoreError> {
        plan::update(self, scope, opportunity_id, item_id, version, patch, stamp).await
    }

    async fn pipeline_board(
        &self,
        scope: &Scope,
        filter: &PipelineFilter,
        cards: u32,
    ) -> Result<Vec<BoardColumn>, StoreError> {
        pipeline::board(self, scope, filter, cards).await
    }
    async fn sales_funnel(&self, scope: &Scope, filter: &PipelineFilter) -> Result<Vec<FunnelRow>, StoreError> {
        pipeline::funnel(self, scope, filter).await
    }
    async fn sales_forecast(
        &self,
        scope: &Scope,
        filter: &PipelineFilter,
        by: ForecastBy,
    ) -> Result<Vec<ForecastRow>, StoreError> {
        pipeline::forecast(self, scope, filter, by).await
    }
    async fn flag_stale_opportunities(
        &self,
        cutoff: DateTime<Utc>,
        stamp: &AuditStamp,
    ) -> Result<StaleRun, StoreError> {
        pipeline::flag_stale(self, cutoff, stamp).await
    }
}
