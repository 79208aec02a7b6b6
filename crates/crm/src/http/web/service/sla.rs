//! Response and resolution targets per service type (SVC-3), as administrators keep them.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use uuid::Uuid;

use crm_core::Error;
use crm_core::access::{Action, Module};
use crm_core::service::actions as service;
use crm_core::service::{Sla, SlaInput};

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::parse_id;
use crate::http::web::forms::{FormState, Posted};
use crate::http::web::layout::{self, Layout, see_other};
use crate::http::web::session::WebUser;

pub struct Row {
    pub sla: Sla,
    pub form: FormState,
}

#[derive(Template)]
#[template(path = "service/sla.html")]
struct ListPage {
    l: Layout,
    rows: Vec<Row>,
    can_edit: bool,
}

/// Every type's targets, with the form of `refused` (a type's) shown as posted.
async fn page(state: &AppState, web: &WebUser, refused: Option<(Uuid, FormState)>) -> Result<ListPage, AppError> {
    let mut refused = refused;
    let rows = service::list_sla(&state.db, &web.actor)
        .await?
        .into_iter()
        .map(|sla| {
            let form = match refused.take_if(|(id, _)| *id == sla.type_id) {
                Some((_, form)) => form,
                None => FormState::new(vec![
                    ("response_minutes".into(), sla.response_minutes.to_string()),
                    ("resolution_minutes".into(), sla.resolution_minutes.to_string()),
                ]),
            };
            Row { sla, form }
        })
        .collect();
    Ok(ListPage {
        l: Layout::new(web, "sla-title").with_fields("sla"),
        rows,
        can_edit: web.actor.can(Module::Dictionary, Action::Edit),
    })
}

pub async fn list(State(state): State<AppState>, web: WebUser) -> Result<Response, AppError> {
    layout::ok(&page(&state, &web, None).await?)
}

pub async fn update(
    State(state): State<AppState>,
    Path(type_id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let type_id = parse_id(&type_id)?;
    let result = match (form.number("response_minutes"), form.number("resolution_minutes")) {
        (Ok(response_minutes), Ok(resolution_minutes)) => {
            service::set_sla(&state.db, &web.actor, type_id, SlaInput { response_minutes, resolution_minutes }).await
        }
        (Err(e), _) | (_, Err(e)) => Err(Error::Invalid(vec![e])),
    };
    match result {
        Ok(_) => Ok(see_other("/service-sla", "saved")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            layout::invalid(&page(&state, &web, Some((type_id, refused))).await?)
        }
    }
}
