//! The development plan page (客户开发计划, SAL-3): the steps by date, a form for the next one,
//! and each step's result (执行结果) recorded once done.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use uuid::Uuid;

use crm_core::access::{Action, Module};
use crm_core::patch::Patch;
use crm_core::sales::opportunities::actions as opportunities;
use crm_core::sales::opportunities::{Opportunity, OpportunityStatus, PlanItem, PlanItemInput, PlanItemPatchInput};

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::parse_id;
use crate::http::web::forms::{FormState, Posted};
use crate::http::web::layout::{self, Layout, see_other};
use crate::http::web::session::WebUser;

#[derive(Template)]
#[template(path = "sales/opportunities/plan.html")]
struct PlanPage {
    l: Layout,
    o: Opportunity,
    items: Vec<PlanItem>,
    /// The new step's form.
    form: FormState,
    /// The item whose result was refused, with its messages.
    refused: Option<(Uuid, FormState)>,
    can_plan: bool,
}

impl PlanPage {
    /// The messages of one item's result form, if it is the one refused.
    fn result_error(&self, item: &Uuid) -> Option<String> {
        self.refused
            .as_ref()
            .filter(|(id, _)| id == item)
            .and_then(|(_, f)| f.error("result").or_else(|| f.notice.clone()))
    }
}

async fn render(
    state: &AppState,
    web: &WebUser,
    id: Uuid,
    form: FormState,
    refused: Option<(Uuid, FormState)>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let o = opportunities::get(&state.db, &web.actor, id).await?;
    let items = opportunities::plan_items(&state.db, &web.actor, id).await?;
    let actor = &web.actor;
    let can_plan = o.status == OpportunityStatus::Assigned
        && actor.can(Module::Sales, Action::Edit)
        && o.editable_by(actor.user_id, actor.can(Module::Sales, Action::Assign));
    let page =
        PlanPage { l: Layout::new(web, "opportunities-plan").with_fields("plan"), o, items, form, refused, can_plan };
    layout::render(status, &page)
}

pub async fn show(State(state): State<AppState>, web: WebUser, Path(id): Path<String>) -> Result<Response, AppError> {
    render(&state, &web, parse_id(&id)?, FormState::default(), None, StatusCode::OK).await
}

pub async fn add(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let input =
        PlanItemInput { planned_on: form.get("planned_on").to_string(), content: form.get("content").to_string() };
    match opportunities::add_plan_item(&state.db, &web.actor, id, input).await {
        Ok(_) => Ok(see_other(&format!("/opportunities/{id}/plan"), "created")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            render(&state, &web, id, refused, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// Records the result of a step.
pub async fn update(
    State(state): State<AppState>,
    Path((id, item_id)): Path<(String, String)>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let (id, item_id) = (parse_id(&id)?, parse_id(&item_id)?);
    let patch = PlanItemPatchInput { result: Patch::Set(form.get("result").to_string()), ..Default::default() };
    match opportunities::update_plan_item(&state.db, &web.actor, id, item_id, form.version(), patch).await {
        Ok(_) => Ok(see_other(&format!("/opportunities/{id}/plan#item-{item_id}"), "saved")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render(&state, &web, id, FormState::default(), Some((item_id, refused)), status).await
        }
    }
}
