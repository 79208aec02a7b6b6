//! Opportunity pages (销售机会, SAL-1..5): the list with its stale filter, the form, the
//! record with assignment, stage and close, the development plan, the pipeline board
//! and the stages administrators keep.

mod board;
mod plan;
mod record;
mod stages;

use axum::Router;
use axum::routing::{get, post};

use crm_core::access::Actor;
use crm_core::base_data::DictionaryKind;
use crm_core::sales::opportunities::{PipelineStage, actions as opportunities};

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::web::customers::{entries, entry_choices};
use crate::http::web::layout::Choice;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/opportunities", get(record::list).post(record::create))
        .route("/opportunities/new", get(record::new))
        .route("/opportunities/{id}", get(record::show).post(record::update))
        .route("/opportunities/{id}/edit", get(record::edit))
        .route("/opportunities/{id}/assign", post(record::assign))
        .route("/opportunities/{id}/stage", post(record::move_to_stage))
        .route("/opportunities/{id}/close", post(record::close))
        .route("/opportunities/{id}/delete", post(record::delete))
        .route("/opportunities/{id}/plan", get(plan::show))
        .route("/opportunities/{id}/plan-items", post(plan::add))
        .route("/opportunities/{id}/plan-items/{item_id}", post(plan::update))
        .route("/pipeline", get(board::board))
        .route("/pipeline-stages", get(stages::list).post(stages::create))
        .route("/pipeline-stages/{id}", post(stages::update))
        .route("/pipeline-stages/{id}/delete", post(stages::delete))
}

/// The stages as choices; `open_only` leaves out the won and lost stages, which only the close
/// rules enter.
async fn stage_choices(state: &AppState, actor: &Actor, open_only: bool) -> Result<Vec<Choice>, AppError> {
    let stages: Vec<PipelineStage> = opportunities::list_stages(&state.db, actor).await?;
    Ok(stages
        .into_iter()
        .filter(|s| !open_only || s.outcome.is_none())
        .map(|s| Choice::new(s.id.to_string(), s.name))
        .collect())
}

async fn dictionary(state: &AppState, actor: &Actor, kind: DictionaryKind) -> Result<Vec<Choice>, AppError> {
    Ok(entry_choices(entries(state, actor, kind).await?))
}
