//! Use cases of opportunities and the pipeline, called alike from the API, the web pages and
//! the jobs. Each starts with the policy check and reads through the actor's scope; a workflow
//! step the record's state does not allow is `InvalidState`, naming the state.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    AssignInput, BoardColumn, CloseInput, Closing, ForecastBy, ForecastRow, FunnelRow, NewOpportunity,
    NewPipelineStage, NewPlanItem, Opportunity, OpportunityInput, OpportunityPatch, OpportunityPatchInput,
    OpportunityStatus, Outcome, PipelineFilter, PipelineStage, PipelineStageInput, PipelineStagePatch,
    PipelineStagePatchInput, PlanItem, PlanItemInput, PlanItemPatch, PlanItemPatchInput, Report, ReportTotals,
    StageInput, StaleRun, WonCustomer, add_amount,
};
use crate::access::{Action, Actor, AuditStamp, Module, Scope};
use crate::base_data::DictionaryKind;
use crate::customers::actions::{check_entries, check_owner, division_in_scope, finish, missing, only_division, today};
use crate::customers::{CustomerInput, CustomerStatus, NewCustomer};
use crate::error::{Error, FieldError};
use crate::listing::{ListRequest, Page};
use crate::patch::Patch;
use crate::store::Store;

// ---- pipeline stages ----------------------------------------------------------------------

/// Stages are read by whoever works with opportunities or administers base data.
pub async fn list_stages<S: Store>(store: &S, actor: &Actor) -> Result<Vec<PipelineStage>, Error> {
    if !actor.can(Module::Sales, Action::View) {
        actor.require(Module::Dictionary, Action::View)?;
    }
    Ok(store.list_pipeline_stages().await?)
}

pub async fn get_stage<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<PipelineStage, Error> {
    if !actor.can(Module::Sales, Action::View) {
        actor.require(Module::Dictionary, Action::View)?;
    }
    Ok(store.get_pipeline_stage(id).await?)
}

/// Stages are base data: administrators edit them like the dictionary.
pub async fn create_stage<S: Store>(
    store: &S,
    actor: &Actor,
    input: PipelineStageInput,
) -> Result<PipelineStage, Error> {
    actor.require(Module::Dictionary, Action::Create)?;
    let new = NewPipelineStage::parse(input)?;
    Ok(store.create_pipeline_stage(&new, &AuditStamp::of(actor)).await?)
}

pub async fn update_stage<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    input: PipelineStagePatchInput,
) -> Result<PipelineStage, Error> {
    actor.require(Module::Dictionary, Action::Edit)?;
    let patch = PipelineStagePatch::parse(input)?;
    Ok(store.update_pipeline_stage(id, version, &patch, &AuditStamp::of(actor)).await?)
}

/// The won and lost stages are what closing relies on: they stay.
pub async fn delete_stage<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<(), Error> {
    actor.require(Module::Dictionary, Action::Delete)?;
    if store.get_pipeline_stage(id).await?.outcome.is_some() {
        return Err(Error::Conflict { code: "closing_stage".into(), field: None });
    }
    Ok(store.delete_pipeline_stage(id, &AuditStamp::of(actor)).await?)
}

// ---- opportunities ------------------------------------------------------------------------

pub async fn list<S: Store>(store: &S, actor: &Actor, req: &ListRequest) -> Result<Page<Opportunity>, Error> {
    actor.require(Module::Sales, Action::View)?;
    Ok(store.list_opportunities(&actor.scope(), req).await?)
}

pub async fn get<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<Opportunity, Error> {
    actor.require(Module::Sales, Action::View)?;
    Ok(store.get_opportunity(&actor.scope(), id).await?)
}

fn state(o: &Opportunity) -> Error {
    Error::InvalidState { state: o.status.code().into() }
}

/// The opportunity as its editor reads it before a change: still open, and theirs to change (SAL-2).
async fn editable<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<Opportunity, Error> {
    actor.require(Module::Sales, Action::Edit)?;
    let o = store.get_opportunity(&actor.scope(), id).await?;
    if !o.status.is_open() {
        return Err(state(&o));
    }
    if !o.editable_by(actor.user_id, actor.can(Module::Sales, Action::Assign)) {
        return Err(Error::Forbidden("sales.assign".into()));
    }
    Ok(o)
}

/// The linked customer must be one the actor sees.
async fn check_customer<S: Store>(store: &S, actor: &Actor, customer_id: Option<Uuid>) -> Result<(), Error> {
    if let Some(id) = customer_id {
        store.get_customer(&actor.scope(), id).await.map_err(missing("customer_id"))?;
    }
    Ok(())
}

/// Creates an opportunity (SAL-1), unassigned, in the given stage or the pipeline's first.
pub async fn create<S: Store>(store: &S, actor: &Actor, input: OpportunityInput) -> Result<Opportunity, Error> {
    actor.require(Module::Sales, Action::Create)?;
    let mut new = NewOpportunity::parse(input, only_division(actor), actor.user_id)?;
    let mut errors = check_entries(store, &[("source_id", new.source_id, DictionaryKind::OpportunitySource)]).await?;
    if !division_in_scope(store, actor, new.division_id).await? {
        errors.push(FieldError::with_param("division_id", "unknown_division", new.division_id));
    }
    let stages = store.list_pipeline_stages().await?;
    let stage = match new.stage_id {
        Some(id) => stages.iter().find(|s| s.id == id),
        None => stages.iter().find(|s| s.outcome.is_none()),
    };
    match stage {
        Some(s) if s.outcome.is_none() => {
            new.stage_id = Some(s.id);
            new.probability = new.probability.or(Some(s.probability));
        }
        Some(_) => errors.push(FieldError::new("stage_id", "closing_stage")),
        None => errors.push(FieldError::new("stage_id", "not_found")),
    }
    finish(errors)?;
    check_customer(store, actor, new.customer_id).await?;
    let mut created = store.create_opportunities(&[new], today(), &AuditStamp::of(actor)).await?;
    created.pop().ok_or(Error::NotFound)
}

pub async fn update<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    input: OpportunityPatchInput,
) -> Result<Opportunity, Error> {
    let patch = OpportunityPatch::parse(input)?;
    editable(store, actor, id).await?;
    let source = match patch.source_id {
        Patch::Set(id) => Some(id),
        _ => None,
    };
    finish(check_entries(store, &[("source_id", source, DictionaryKind::OpportunitySource)]).await?)?;
    if let Patch::Set(customer_id) = patch.customer_id {
        check_customer(store, actor, Some(customer_id)).await?;
    }
    Ok(store.update_opportunity(&actor.scope(), id, version, &patch, &AuditStamp::of(actor)).await?)
}

pub async fn delete<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<(), Error> {
    actor.require(Module::Sales, Action::Delete)?;
    Ok(store.delete_opportunity(&actor.scope(), id, &AuditStamp::of(actor)).await?)
}

/// Assigns (or reassigns) an open opportunity to a user of its division (SAL-2).
pub async fn assign<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    input: AssignInput,
) -> Result<Opportunity, Error> {
    actor.require(Module::Sales, Action::Assign)?;
    let assignee_id = input.assignee_id.ok_or_else(|| Error::invalid("assignee_id", "required"))?;
    let scope = actor.scope();
    let o = store.get_opportunity(&scope, id).await?;
    if !o.status.is_open() {
        return Err(state(&o));
    }
    if let Some(e) = check_owner(store, actor, assignee_id, o.division_id).await? {
        return Err(Error::Invalid(vec![FieldError { field: "assignee_id".into(), ..e }]));
    }
    store.assign_opportunity(&scope, id, version, assignee_id, &AuditStamp::of(actor)).await?;
    // The assignee may be someone else: an own-scope assigner reads the result as the system would.
    Ok(store.get_opportunity(&Scope { owner_id: None, ..scope }, id).await?)
}

/// Closes an assigned opportunity (SAL-3): won creates the customer (or converts the
/// prospect) with the contact and links it; lost records the reason.
pub async fn close<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    input: CloseInput,
) -> Result<Opportunity, Error> {
    let outcome = Outcome::parse("outcome", &input.outcome).map_err(|e| Error::Invalid(vec![e]))?;
    let o = editable(store, actor, id).await?;
    close_as(store, actor, o, version, outcome, input.reason_id).await
}

async fn close_as<S: Store>(
    store: &S,
    actor: &Actor,
    o: Opportunity,
    version: Option<i64>,
    outcome: Outcome,
    reason_id: Option<Uuid>,
) -> Result<Opportunity, Error> {
    if o.status != OpportunityStatus::Assigned {
        return Err(state(&o));
    }
    let closing = match outcome {
        Outcome::Lost => {
            let reason_id = reason_id.ok_or_else(|| Error::invalid("reason_id", "required"))?;
            finish(
                check_entries(store, &[("reason_id", Some(reason_id), DictionaryKind::OpportunityLossReason)]).await?,
            )?;
            Closing::Lost { reason_id }
        }
        Outcome::Won => {
            let customer = match o.customer_id {
                Some(id) => WonCustomer::Existing(id),
                None => {
                    let input = CustomerInput {
                        name: o.customer_name.clone(),
                        division_id: Some(o.division_id),
                        owner_id: o.owner_id,
                        status: Some(CustomerStatus::Active.code().into()),
                        ..Default::default()
                    };
                    WonCustomer::New(Box::new(NewCustomer::parse(input, None, None)?))
                }
            };
            let contact = o.contact_name.clone().map(|name| (name, o.contact_phone.clone()));
            Closing::Won { customer, contact, today: today() }
        }
    };
    let scope = actor.scope();
    Ok(store.close_opportunity(&scope, o.id, version.or(Some(o.version)), &closing, &AuditStamp::of(actor)).await?)
}

/// Moves an opportunity along the pipeline (SAL-4). The won and lost stages are entered only
/// through the close rules.
pub async fn move_to_stage<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    input: StageInput,
) -> Result<Opportunity, Error> {
    let stage_id = input.stage_id.ok_or_else(|| Error::invalid("stage_id", "required"))?;
    let o = editable(store, actor, id).await?;
    let stage = store.get_pipeline_stage(stage_id).await.map_err(missing("stage_id"))?;
    match stage.outcome {
        Some(outcome) => close_as(store, actor, o, version, outcome, input.reason_id).await,
        None => Ok(store.move_opportunity(&actor.scope(), id, version, &stage, &AuditStamp::of(actor)).await?),
    }
}

// ---- development plans --------------------------------------------------------------------

pub async fn plan_items<S: Store>(store: &S, actor: &Actor, opportunity_id: Uuid) -> Result<Vec<PlanItem>, Error> {
    actor.require(Module::Sales, Action::View)?;
    Ok(store.list_plan_items(&actor.scope(), opportunity_id).await?)
}

/// The plan is the assignee's (SAL-3): it is kept while the opportunity is assigned.
async fn plannable<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<Opportunity, Error> {
    let o = editable(store, actor, id).await?;
    if o.status != OpportunityStatus::Assigned {
        return Err(state(&o));
    }
    Ok(o)
}

pub async fn add_plan_item<S: Store>(
    store: &S,
    actor: &Actor,
    opportunity_id: Uuid,
    input: PlanItemInput,
) -> Result<PlanItem, Error> {
    let new = NewPlanItem::parse(input)?;
    plannable(store, actor, opportunity_id).await?;
    Ok(store.create_plan_item(&actor.scope(), opportunity_id, &new, &AuditStamp::of(actor)).await?)
}

/// Changes a plan item or records its result (执行结果).
pub async fn update_plan_item<S: Store>(
    store: &S,
    actor: &Actor,
    opportunity_id: Uuid,
    item_id: Uuid,
    version: Option<i64>,
    input: PlanItemPatchInput,
) -> Result<PlanItem, Error> {
    let patch = PlanItemPatch::parse(input)?;
    plannable(store, actor, opportunity_id).await?;
    let stamp = AuditStamp::of(actor);
    Ok(store.update_plan_item(&actor.scope(), opportunity_id, item_id, version, &patch, &stamp).await?)
}

// ---- board and reports --------------------------------------------------------------------

/// Cards per column of the board; the column's count and amounts cover all of its opportunities.
pub const BOARD_CARDS: u32 = 20;

pub async fn board<S: Store>(store: &S, actor: &Actor, filter: &PipelineFilter) -> Result<Vec<BoardColumn>, Error> {
    actor.require(Module::Sales, Action::View)?;
    Ok(store.pipeline_board(&actor.scope(), filter, BOARD_CARDS).await?)
}

fn totals<'a>(rows: impl Iterator<Item = (i64, &'a [super::Amount])>) -> ReportTotals {
    let mut totals = ReportTotals::default();
    for (count, amounts) in rows {
        totals.count += count;
        for a in amounts {
            add_amount(&mut totals.amounts, &a.currency, a.amount, a.weighted);
        }
    }
    totals
}

/// The funnel (SAL-4, RPT-5): count and amount per stage, per currency.
pub async fn funnel<S: Store>(store: &S, actor: &Actor, filter: &PipelineFilter) -> Result<Report<FunnelRow>, Error> {
    actor.require(Module::Sales, Action::View)?;
    let items = store.sales_funnel(&actor.scope(), filter).await?;
    let totals = totals(items.iter().map(|r| (r.count, r.amounts.as_slice())));
    Ok(Report { items, totals })
}

/// The weighted forecast (amount × probability) of open opportunities by month of expected
/// close or by owner.
pub async fn forecast<S: Store>(
    store: &S,
    actor: &Actor,
    filter: &PipelineFilter,
    by: ForecastBy,
) -> Result<Report<ForecastRow>, Error> {
    actor.require(Module::Sales, Action::View)?;
    let items = store.sales_forecast(&actor.scope(), filter, by).await?;
    let totals = totals(items.iter().map(|r| (r.count, r.amounts.as_slice())));
    Ok(Report { items, totals })
}

// ---- stale opportunities ------------------------------------------------------------------

/// The `stale-opportunities` job (SAL-5): flags open opportunities without activity for
/// `days` days, for their owners and directors to see in lists and on the board.
pub async fn flag_stale<S: Store>(store: &S, now: DateTime<Utc>, days: i64) -> Result<StaleRun, Error> {
    let cutoff = now - chrono::Duration::days(days);
    Ok(store.flag_stale_opportunities(cutoff, &AuditStamp::of(&Actor::system())).await?)
}
