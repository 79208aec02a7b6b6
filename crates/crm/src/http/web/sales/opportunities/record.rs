//! The list, the form, and the record page with its workflow: assign (SAL-2), move along the
//! pipeline, close as won or lost (SAL-3).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use crm_core::access::{Action, Module};
use crm_core::base_data::{DEFAULT_CURRENCY, DictionaryKind};
use crm_core::money::format_units;
use crm_core::patch::Patch;
use crm_core::sales::opportunities::actions as opportunities;
use crm_core::sales::opportunities::{
    AssignInput, CloseInput, Opportunity, OpportunityInput, OpportunityPatchInput, OpportunityStatus, StageInput,
};
use crm_core::{Error, FieldError};
use uuid::Uuid;

use super::{dictionary, stage_choices};
use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::parse_id;
use crate::http::web::customers::{code_choices, colleagues, of_division};
use crate::http::web::forms::{self, FormData, FormState, Posted};
use crate::http::web::layout::{self, Choice, Layout, Pager, deleted, list_request, see_other};
use crate::http::web::session::WebUser;

#[derive(Template)]
#[template(path = "sales/opportunities/list.html")]
struct ListPage {
    l: Layout,
    items: Vec<Opportunity>,
    q: String,
    status: String,
    stage: String,
    stale: bool,
    statuses: Vec<Choice>,
    stages: Vec<Choice>,
    pager: Pager,
    can_create: bool,
}

pub async fn list(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let query = FormData(query);
    let (q, status, stage, cursor) = (query.get("q"), query.get("status"), query.get("stage_id"), query.get("cursor"));
    let stale = if query.get("stale") == "true" { "true" } else { "" };
    let customer = query.get("customer_id");
    let filters = [("status", status), ("stage_id", stage), ("stale", stale), ("customer_id", customer)];
    let page = opportunities::list(&state.db, &web.actor, &list_request(q, cursor, &filters)?).await?;
    let params = [("q", q), ("status", status), ("stage_id", stage), ("stale", stale), ("customer_id", customer)];
    layout::ok(&ListPage {
        l: Layout::new(&web, "opportunities-title").with_fields("opportunity"),
        pager: Pager::new("/opportunities", &params, cursor, page.next_cursor.as_deref()),
        items: page.items,
        q: q.to_string(),
        status: status.to_string(),
        stage: stage.to_string(),
        stale: !stale.is_empty(),
        statuses: status_choices(&web),
        stages: stage_choices(&state, &web.actor, false).await?,
        can_create: web.actor.can(Module::Sales, Action::Create),
    })
}

fn status_choices(web: &WebUser) -> Vec<Choice> {
    code_choices(web.lang, "opportunity-status", OpportunityStatus::ALL.iter().map(|s| s.code()))
}

#[derive(Template)]
#[template(path = "sales/opportunities/form.html")]
struct FormPage {
    l: Layout,
    opportunity: Option<Opportunity>,
    record_path: String,
    form: FormState,
    sources: Vec<Choice>,
    stages: Vec<Choice>,
}

impl FormPage {
    async fn new(
        state: &AppState,
        web: &WebUser,
        opportunity: Option<Opportunity>,
        form: FormState,
    ) -> Result<Self, AppError> {
        let title = if opportunity.is_some() { "opportunities-edit" } else { "opportunities-new" };
        let mut sources = dictionary(state, &web.actor, DictionaryKind::OpportunitySource).await?;
        // A source disabled since stays selectable on the record that has it.
        if let Some(source) = opportunity.as_ref().and_then(|o| o.source.as_ref())
            && !sources.iter().any(|c| c.value == source.id.to_string())
        {
            sources.push(Choice::new(source.id.to_string(), &source.label));
        }
        Ok(Self {
            l: Layout::new(web, title).with_fields("opportunity"),
            record_path: opportunity
                .as_ref()
                .map_or_else(|| "/opportunities".to_string(), |o| format!("/opportunities/{}", o.id)),
            stages: stage_choices(state, &web.actor, true).await?,
            sources,
            opportunity,
            form,
        })
    }
}

fn values_of(o: &Opportunity) -> FormState {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    FormState::new(vec![
        ("customer_name".into(), o.customer_name.clone()),
        ("source_id".into(), o.source_id.map(|s| s.to_string()).unwrap_or_default()),
        ("summary".into(), o.summary.clone()),
        ("contact_name".into(), text(&o.contact_name)),
        ("contact_phone".into(), text(&o.contact_phone)),
        ("probability".into(), o.probability.to_string()),
        ("amount".into(), format_units(o.amount)),
        ("currency".into(), o.currency.clone()),
        ("expected_close_date".into(), o.expected_close_date.map(|d| d.to_string()).unwrap_or_default()),
        ("description".into(), text(&o.description)),
        ("version".into(), o.version.to_string()),
    ])
}

/// The ids and numbers of the form, each parsed or a field error.
struct Picked {
    source_id: Option<Uuid>,
    stage_id: Option<Uuid>,
    probability: Option<i64>,
}

fn picked(form: &FormData) -> Result<Picked, Error> {
    let (source_id, stage_id, probability) = (form.id("source_id"), form.id("stage_id"), form.number("probability"));
    let errors: Vec<FieldError> = [source_id.as_ref().err(), stage_id.as_ref().err(), probability.as_ref().err()]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    match (source_id, stage_id, probability) {
        (Ok(source_id), Ok(stage_id), Ok(probability)) => Ok(Picked { source_id, stage_id, probability }),
        _ => Err(Error::Invalid(errors)),
    }
}

fn text(form: &FormData, name: &str) -> Option<String> {
    Some(form.get(name).to_string())
}

pub async fn new(State(state): State<AppState>, web: WebUser) -> Result<Response, AppError> {
    let form = FormState::new(vec![("currency".into(), DEFAULT_CURRENCY.into())]);
    layout::ok(&FormPage::new(&state, &web, None, form).await?)
}

pub async fn create(State(state): State<AppState>, Posted { user: web, form }: Posted) -> Result<Response, AppError> {
    let result = match picked(&form) {
        Ok(p) => {
            let input = OpportunityInput {
                customer_name: form.get("customer_name").to_string(),
                customer_id: None,
                source_id: p.source_id,
                probability: p.probability,
                summary: form.get("summary").to_string(),
                contact_name: text(&form, "contact_name"),
                contact_phone: text(&form, "contact_phone"),
                description: text(&form, "description"),
                division_id: None,
                stage_id: p.stage_id,
                amount: text(&form, "amount"),
                currency: Some(form.get("currency").trim().to_string()).filter(|c| !c.is_empty()),
                expected_close_date: text(&form, "expected_close_date"),
            };
            opportunities::create(&state.db, &web.actor, input).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(o) => Ok(see_other(&format!("/opportunities/{}", o.id), "created")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            layout::invalid(&FormPage::new(&state, &web, None, refused).await?)
        }
    }
}

pub async fn edit(State(state): State<AppState>, web: WebUser, Path(id): Path<String>) -> Result<Response, AppError> {
    let o = opportunities::get(&state.db, &web.actor, parse_id(&id)?).await?;
    let form = values_of(&o);
    layout::ok(&FormPage::new(&state, &web, Some(o), form).await?)
}

/// A text field of an edit form: blank clears it.
fn set(form: &FormData, name: &str) -> Patch<String> {
    Patch::Set(form.get(name).to_string())
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let o = opportunities::get(&state.db, &web.actor, parse_id(&id)?).await?;
    let result = match picked(&form) {
        Ok(p) => {
            let patch = OpportunityPatchInput {
                customer_name: text(&form, "customer_name"),
                customer_id: Patch::Keep,
                source_id: p.source_id.map_or(Patch::Clear, Patch::Set),
                probability: p.probability,
                summary: text(&form, "summary"),
                contact_name: set(&form, "contact_name"),
                contact_phone: set(&form, "contact_phone"),
                description: set(&form, "description"),
                amount: text(&form, "amount"),
                currency: text(&form, "currency"),
                expected_close_date: set(&form, "expected_close_date"),
            };
            opportunities::update(&state.db, &web.actor, o.id, form.version(), patch).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(saved) => Ok(see_other(&format!("/opportunities/{}", saved.id), "saved")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            layout::invalid(&FormPage::new(&state, &web, Some(o), refused).await?)
        }
    }
}

#[derive(Template)]
#[template(path = "sales/opportunities/show.html")]
struct ShowPage {
    l: Layout,
    o: Opportunity,
    /// Errors of the assign, stage and close forms.
    workflow: FormState,
    assignees: Vec<Choice>,
    stages: Vec<Choice>,
    reasons: Vec<Choice>,
    can_edit: bool,
    can_assign: bool,
    can_close: bool,
    can_delete: bool,
}

impl ShowPage {
    fn record_path(&self) -> String {
        format!("/opportunities/{}", self.o.id)
    }
}

async fn render_show(
    state: &AppState,
    web: &WebUser,
    id: Uuid,
    workflow: FormState,
    status: StatusCode,
) -> Result<Response, AppError> {
    let o = opportunities::get(&state.db, &web.actor, id).await?;
    let actor = &web.actor;
    let open = o.status.is_open();
    let can_edit = open
        && actor.can(Module::Sales, Action::Edit)
        && o.editable_by(actor.user_id, actor.can(Module::Sales, Action::Assign));
    let can_assign = open && actor.can(Module::Sales, Action::Assign);
    let assignees = if can_assign { of_division(&colleagues(state, actor).await?, o.division_id) } else { Vec::new() };
    let page = ShowPage {
        l: Layout::new(web, "opportunities-record").with_fields("opportunity"),
        workflow,
        assignees,
        stages: stage_choices(state, actor, true).await?,
        reasons: dictionary(state, actor, DictionaryKind::OpportunityLossReason).await?,
        can_edit,
        can_assign,
        can_close: can_edit && o.status == OpportunityStatus::Assigned,
        can_delete: actor.can(Module::Sales, Action::Delete),
        o,
    };
    layout::render(status, &page)
}

pub async fn show(State(state): State<AppState>, web: WebUser, Path(id): Path<String>) -> Result<Response, AppError> {
    render_show(&state, &web, parse_id(&id)?, FormState::default(), StatusCode::OK).await
}

/// After a workflow step: the record again, or the record with the step's messages.
async fn after_step(
    state: &AppState,
    web: &WebUser,
    id: Uuid,
    form: &FormData,
    result: Result<Opportunity, Error>,
    flash: &str,
) -> Result<Response, AppError> {
    let render = |refused, status| render_show(state, web, id, refused, status);
    forms::after_step(web.lang, &format!("/opportunities/{id}"), flash, form, result, render).await
}

pub async fn assign(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result = match form.id("assignee_id") {
        Ok(assignee_id) => opportunities::assign(&state.db, &web.actor, id, None, AssignInput { assignee_id }).await,
        Err(e) => Err(Error::Invalid(vec![e])),
    };
    after_step(&state, &web, id, &form, result, "assigned").await
}

/// Moves the card along the pipeline: from the record page, or from the board (`back=board`),
/// where a drop into the lost column that needs a reason leads to the record's close form.
pub async fn move_to_stage(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result = match (form.id("stage_id"), form.id("reason_id")) {
        (Ok(stage_id), Ok(reason_id)) => {
            opportunities::move_to_stage(&state.db, &web.actor, id, None, StageInput { stage_id, reason_id }).await
        }
        (Err(e), _) | (_, Err(e)) => Err(Error::Invalid(vec![e])),
    };
    if form.get("back") == "board" {
        return match result {
            Ok(_) => Ok(see_other("/pipeline", "saved")),
            Err(Error::Invalid(_)) => Ok(see_other(&format!("/opportunities/{id}#close"), "reason_needed")),
            Err(e) => Err(e.into()),
        };
    }
    after_step(&state, &web, id, &form, result, "saved").await
}

pub async fn close(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result = match form.id("reason_id") {
        Ok(reason_id) => {
            let input = CloseInput { outcome: form.get("outcome").to_string(), reason_id };
            opportunities::close(&state.db, &web.actor, id, None, input).await
        }
        Err(e) => Err(Error::Invalid(vec![e])),
    };
    after_step(&state, &web, id, &form, result, "saved").await
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, .. }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result = opportunities::delete(&state.db, &web.actor, id).await;
    deleted(result, "/opportunities", &format!("/opportunities/{id}"))
}
