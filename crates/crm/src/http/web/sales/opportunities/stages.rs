//! The pipeline's stages (SAL-4) as administrators keep them: name, board position and
//! default probability; new stages; deleting a stage no opportunity is in. The won and lost
//! stages stay.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use uuid::Uuid;

use crm_core::access::{Action, Module};
use crm_core::sales::opportunities::actions as opportunities;
use crm_core::sales::opportunities::{PipelineStage, PipelineStageInput, PipelineStagePatchInput};
use crm_core::{Error, FieldError};

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::parse_id;
use crate::http::web::forms::{FormData, FormState, Posted};
use crate::http::web::layout::{self, Layout, deleted, see_other};
use crate::http::web::session::WebUser;

pub struct Row {
    pub stage: PipelineStage,
    pub form: FormState,
}

#[derive(Template)]
#[template(path = "sales/opportunities/stages.html")]
struct ListPage {
    l: Layout,
    rows: Vec<Row>,
    /// The new stage's form.
    form: FormState,
    can_edit: bool,
    can_create: bool,
    can_delete: bool,
}

fn values_of(s: &PipelineStage) -> FormState {
    FormState::new(vec![
        ("name".into(), s.name.clone()),
        ("position".into(), s.position.to_string()),
        ("probability".into(), s.probability.to_string()),
        ("version".into(), s.version.to_string()),
    ])
}

/// The list, with the form of `refused` (a stage, or none for the new one) shown as posted.
async fn page(
    state: &AppState,
    web: &WebUser,
    refused: Option<(Option<Uuid>, FormState)>,
) -> Result<ListPage, AppError> {
    let stages = opportunities::list_stages(&state.db, &web.actor).await?;
    let (refused_id, mut refused_form) = match refused {
        Some((id, form)) => (id, Some(form)),
        None => (None, None),
    };
    let form = if refused_id.is_none() { refused_form.take().unwrap_or_default() } else { FormState::default() };
    let rows = stages
        .into_iter()
        .map(|stage| {
            let form = match refused_form.take_if(|_| refused_id == Some(stage.id)) {
                Some(form) => form,
                None => values_of(&stage),
            };
            Row { form, stage }
        })
        .collect();
    let actor = &web.actor;
    Ok(ListPage {
        l: Layout::new(web, "stages-title").with_fields("stage"),
        rows,
        form,
        can_edit: actor.can(Module::Dictionary, Action::Edit),
        can_create: actor.can(Module::Dictionary, Action::Create),
        can_delete: actor.can(Module::Dictionary, Action::Delete),
    })
}

pub async fn list(State(state): State<AppState>, web: WebUser) -> Result<Response, AppError> {
    layout::ok(&page(&state, &web, None).await?)
}

/// The whole numbers of the form, or the field errors of those that are not.
fn numbers(form: &FormData) -> Result<(Option<i64>, Option<i64>), Error> {
    match (form.number("position"), form.number("probability")) {
        (Ok(position), Ok(probability)) => Ok((position, probability)),
        (position, probability) => {
            let errors: Vec<FieldError> = [position.err(), probability.err()].into_iter().flatten().collect();
            Err(Error::Invalid(errors))
        }
    }
}

pub async fn create(State(state): State<AppState>, Posted { user: web, form }: Posted) -> Result<Response, AppError> {
    let result = match numbers(&form) {
        Ok((position, probability)) => {
            let input = PipelineStageInput {
                name: form.get("name").to_string(),
                position,
                probability: probability.unwrap_or(0),
            };
            opportunities::create_stage(&state.db, &web.actor, input).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other("/pipeline-stages", "created")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            layout::invalid(&page(&state, &web, Some((None, refused))).await?)
        }
    }
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result = match numbers(&form) {
        Ok((position, probability)) => {
            let input = PipelineStagePatchInput { name: Some(form.get("name").to_string()), position, probability };
            opportunities::update_stage(&state.db, &web.actor, id, form.version(), input).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other("/pipeline-stages", "saved")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            layout::invalid(&page(&state, &web, Some((Some(id), refused))).await?)
        }
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, .. }: Posted,
) -> Result<Response, AppError> {
    let result = opportunities::delete_stage(&state.db, &web.actor, parse_id(&id)?).await;
    deleted(result, "/pipeline-stages", "/pipeline-stages")
}
