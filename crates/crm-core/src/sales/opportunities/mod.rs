//! Sales opportunities (SAL-1..5): assignment, development plans, the pipeline and its board,
//! the funnel and forecast, and stale opportunities.

pub mod actions;
mod opportunity;
mod pipeline;
mod store;

pub use opportunity::{
    AssignInput, CloseInput, Closing, NewOpportunity, NewPlanItem, Opportunity, OpportunityInput, OpportunityPatch,
    OpportunityPatchInput, OpportunityStatus, Outcome, PlanItem, PlanItemInput, PlanItemPatch, PlanItemPatchInput,
    StageInput, WonCustomer,
};
pub use pipeline::{
    Amount, BoardColumn, ForecastBy, ForecastRow, FunnelRow, NewPipelineStage, PipelineFilter, PipelineStage,
    PipelineStageInput, PipelineStagePatch, PipelineStagePatchInput, Report, ReportParams, ReportTotals, StaleRun,
    add_amount, default_stages, weighted_units,
};
pub use store::OpportunityStore;
