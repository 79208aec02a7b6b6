//! Numbering rules (编码规则, BAS-3): prefix, date format and counter digits of the human
//! numbers of customers, opportunities, service requests, quotes, contracts and orders.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use crm_core::Error;
use crm_core::access::{Action, Module};
use crm_core::base_data::actions as base_data;
use crm_core::base_data::{NumberSequence, NumberSequencePatchInput};

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::web::forms::{FormState, Posted};
use crate::http::web::layout::{self, Layout, everything, see_other};
use crate::http::web::session::WebUser;

pub struct Row {
    pub sequence: NumberSequence,
    /// The number the rule gives today's first record.
    pub example: String,
    pub form: FormState,
}

#[derive(Template)]
#[template(path = "base_data/numbering.html")]
struct ListPage {
    l: Layout,
    rows: Vec<Row>,
    can_edit: bool,
}

fn values_of(s: &NumberSequence) -> FormState {
    FormState::new(vec![
        ("prefix".into(), s.prefix.clone()),
        ("date_format".into(), s.date_format.clone()),
        ("width".into(), s.width.to_string()),
        ("version".into(), s.version.to_string()),
    ])
}

fn example(s: &NumberSequence) -> String {
    let today = chrono::Utc::now().with_timezone(&layout::DEFAULT_TIME_ZONE).date_naive();
    s.period(today).map(|period| s.number(&period, 1)).unwrap_or_default()
}

/// The list, with the form of `refused` (a kind and its state) shown as posted.
async fn page(state: &AppState, web: &WebUser, refused: Option<(&str, FormState)>) -> Result<ListPage, AppError> {
    let sequences = base_data::list_number_sequences(&state.db, &web.actor, &everything()).await?;
    let mut refused = refused;
    let rows = sequences
        .items
        .into_iter()
        .map(|sequence| {
            let form = match refused.take_if(|(kind, _)| *kind == sequence.kind) {
                Some((_, form)) => form,
                None => values_of(&sequence),
            };
            Row { example: example(&sequence), form, sequence }
        })
        .collect();
    Ok(ListPage {
        l: Layout::new(web, "numbering-title"),
        rows,
        can_edit: web.actor.can(Module::Dictionary, Action::Edit),
    })
}

pub async fn list(State(state): State<AppState>, web: WebUser) -> Result<Response, AppError> {
    layout::ok(&page(&state, &web, None).await?)
}

pub async fn update(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let result = match form.get("width").trim().parse::<i64>() {
        Ok(width) => {
            let input = NumberSequencePatchInput {
                prefix: Some(form.get("prefix").to_string()),
                date_format: Some(form.get("date_format").to_string()),
                width: Some(width),
            };
            base_data::update_number_sequence(&state.db, &web.actor, &kind, form.version(), input).await
        }
        Err(_) => Err(Error::invalid("width", "not_a_number")),
    };
    match result {
        Ok(_) => Ok(see_other("/numbering", "saved")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            layout::invalid(&page(&state, &web, Some((&kind, refused))).await?)
        }
    }
}
