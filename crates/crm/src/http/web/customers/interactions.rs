//! The interaction form (交往记录, CUS-3): when, in the user's time zone, how, where, with
//! whom, what; the files attached to it.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::Utc;
use chrono_tz::Tz;

use crm_core::Error;
use crm_core::access::{Action, Module};
use crm_core::customers::actions as customers;
use crm_core::customers::{Attachment, Customer, Interaction, InteractionInput, InteractionPatchInput};
use crm_core::listing::{ListParams, ListRequest, MAX_LIMIT};
use crm_core::patch::Patch;

use super::interaction_kinds;
use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::parse_id;
use crate::http::web::forms::{FormData, FormState, Posted};
use crate::http::web::layout::{self, Choice, LOCAL_TIME, Layout, deleted, see_other, time_zone, typed_time};
use crate::http::web::session::WebUser;

#[derive(Template)]
#[template(path = "customers/interaction_form.html")]
struct FormPage {
    l: Layout,
    customer: Customer,
    interaction: Option<Interaction>,
    files: Vec<Attachment>,
    record_path: String,
    form: FormState,
    kinds: Vec<Choice>,
    contacts: Vec<Choice>,
    can_edit: bool,
    can_delete: bool,
    can_upload: bool,
}

impl FormPage {
    async fn new(
        state: &AppState,
        web: &WebUser,
        customer: Customer,
        interaction: Option<Interaction>,
        form: FormState,
    ) -> Result<Self, AppError> {
        let (title, right) = if interaction.is_some() {
            ("interactions-edit", Action::Edit)
        } else {
            ("interactions-new", Action::Create)
        };
        let all = |sort: &str, filter: (&str, String)| {
            let params =
                ListParams { limit: Some(MAX_LIMIT.to_string()), sort: Some(sort.into()), ..Default::default() };
            ListRequest::parse(params, vec![(filter.0.to_string(), filter.1)])
        };
        let contacts =
            customers::list_contacts(&state.db, &web.actor, &all("name", ("customer_id", customer.id.to_string()))?)
                .await?
                .items;
        let files = match &interaction {
            Some(i) => {
                let req = all("created_at", ("interaction_id", i.id.to_string()))?;
                customers::list_attachments(&state.db, &web.actor, &req).await?.items
            }
            None => Vec::new(),
        };
        let mut kinds = interaction_kinds(state, &web.actor).await?;
        if let Some(kind) = interaction.as_ref().and_then(|i| i.kind.as_ref())
            && !kinds.iter().any(|k| k.value == kind.id.to_string())
        {
            kinds.push(Choice::new(kind.id.to_string(), &kind.label));
        }
        Ok(Self {
            l: Layout::new(web, title).with_fields("interaction"),
            record_path: interaction.as_ref().map_or_else(
                || format!("/customers/{}/interactions", customer.id),
                |i| format!("/interactions/{}", i.id),
            ),
            contacts: contacts.into_iter().map(|c| Choice::new(c.id.to_string(), c.name)).collect(),
            kinds,
            can_edit: web.actor.can(Module::Customers, right),
            can_delete: interaction.is_some() && web.actor.can(Module::Customers, Action::Delete),
            can_upload: interaction.is_some() && web.actor.can(Module::Customers, Action::Create),
            files,
            customer,
            interaction,
            form,
        })
    }
}

fn values_of(i: &Interaction, tz: Tz) -> FormState {
    FormState::new(vec![
        ("occurred_at".to_string(), i.occurred_at.with_timezone(&tz).format(LOCAL_TIME).to_string()),
        ("kind_id".to_string(), i.kind_id.map(|id| id.to_string()).unwrap_or_default()),
        ("contact_id".to_string(), i.contact_id.map(|id| id.to_string()).unwrap_or_default()),
        ("place".to_string(), i.place.clone().unwrap_or_default()),
        ("summary".to_string(), i.summary.clone()),
        ("detail".to_string(), i.detail.clone().unwrap_or_default()),
        ("version".to_string(), i.version.to_string()),
    ])
}

/// The kind and the contact chosen in the form's selects.
fn chosen(form: &FormData) -> Result<(Option<uuid::Uuid>, Option<uuid::Uuid>), Error> {
    match (form.id("kind_id"), form.id("contact_id")) {
        (Ok(kind), Ok(contact)) => Ok((kind, contact)),
        (kind, contact) => Err(Error::Invalid(kind.err().into_iter().chain(contact.err()).collect())),
    }
}

fn input_of(customer_id: uuid::Uuid, tz: Tz, form: &FormData) -> Result<InteractionInput, Error> {
    let (kind_id, contact_id) = chosen(form)?;
    Ok(InteractionInput {
        customer_id: Some(customer_id),
        occurred_at: typed_time(tz, form.get("occurred_at")),
        kind_id,
        place: Some(form.get("place").to_string()),
        summary: form.get("summary").to_string(),
        detail: Some(form.get("detail").to_string()),
        contact_id,
    })
}

fn patch_of(tz: Tz, form: &FormData) -> Result<InteractionPatchInput, Error> {
    let (kind_id, contact_id) = chosen(form)?;
    Ok(InteractionPatchInput {
        occurred_at: Some(typed_time(tz, form.get("occurred_at"))),
        kind_id: kind_id.map_or(Patch::Clear, Patch::Set),
        place: Patch::Set(form.get("place").to_string()),
        summary: Some(form.get("summary").to_string()),
        detail: Patch::Set(form.get("detail").to_string()),
        contact_id: contact_id.map_or(Patch::Clear, Patch::Set),
    })
}

fn tz_of(web: &WebUser) -> Tz {
    time_zone(&web.actor.time_zone)
}

fn back_to(customer_id: uuid::Uuid) -> String {
    format!("/customers/{customer_id}#interactions")
}

pub async fn new(State(state): State<AppState>, web: WebUser, Path(id): Path<String>) -> Result<Response, AppError> {
    let customer = customers::get_customer(&state.db, &web.actor, parse_id(&id)?).await?;
    let now = Utc::now().with_timezone(&tz_of(&web)).format(LOCAL_TIME).to_string();
    let form = FormState::new(vec![("occurred_at".into(), now)]);
    layout::ok(&FormPage::new(&state, &web, customer, None, form).await?)
}

pub async fn create(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let customer = customers::get_customer(&state.db, &web.actor, parse_id(&id)?).await?;
    let result = match input_of(customer.id, tz_of(&web), &form) {
        Ok(input) => customers::create_interaction(&state.db, &web.actor, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other(&back_to(customer.id), "created")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            layout::invalid(&FormPage::new(&state, &web, customer, None, refused).await?)
        }
    }
}

pub async fn edit(State(state): State<AppState>, web: WebUser, Path(id): Path<String>) -> Result<Response, AppError> {
    let interaction = customers::get_interaction(&state.db, &web.actor, parse_id(&id)?).await?;
    let customer = customers::get_customer(&state.db, &web.actor, interaction.customer_id).await?;
    let form = values_of(&interaction, tz_of(&web));
    layout::ok(&FormPage::new(&state, &web, customer, Some(interaction), form).await?)
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let interaction = customers::get_interaction(&state.db, &web.actor, parse_id(&id)?).await?;
    let result = match patch_of(tz_of(&web), &form) {
        Ok(patch) => customers::update_interaction(&state.db, &web.actor, interaction.id, form.version(), patch).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(saved) => Ok(see_other(&back_to(saved.customer_id), "saved")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            let customer = customers::get_customer(&state.db, &web.actor, interaction.customer_id).await?;
            layout::invalid(&FormPage::new(&state, &web, customer, Some(interaction), refused).await?)
        }
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, .. }: Posted,
) -> Result<Response, AppError> {
    let interaction = customers::get_interaction(&state.db, &web.actor, parse_id(&id)?).await?;
    let result = customers::delete_interaction(&state.db, &web.actor, interaction.id).await;
    deleted(result, &back_to(interaction.customer_id), &format!("/interactions/{}", interaction.id))
}
