//! The contact form (联系人, CUS-2): who a contact reports to, among the same customer's
//! contacts; the primary contact; the vCard of one contact (CUS-10).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use crm_core::Error;
use crm_core::access::{Action, Module};
use crm_core::customers::actions as customers;
use crm_core::customers::{Contact, ContactInput, ContactPatchInput, Customer, Gender};
use crm_core::listing::{ListParams, ListRequest, MAX_LIMIT};
use crm_core::patch::Patch;

use super::code_choices;
use super::overview::download_headers;
use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::parse_id;
use crate::http::web::forms::{FormData, FormState, Posted};
use crate::http::web::layout::{self, Choice, Layout, deleted, see_other};
use crate::http::web::session::WebUser;

#[derive(Template)]
#[template(path = "customers/contact_form.html")]
struct FormPage {
    l: Layout,
    customer: Customer,
    contact: Option<Contact>,
    record_path: String,
    form: FormState,
    genders: Vec<Choice>,
    /// The customer's other contacts.
    managers: Vec<Choice>,
    can_edit: bool,
    can_delete: bool,
}

impl FormPage {
    async fn new(
        state: &AppState,
        web: &WebUser,
        customer: Customer,
        contact: Option<Contact>,
        form: FormState,
    ) -> Result<Self, AppError> {
        let (title, right) =
            if contact.is_some() { ("contacts-edit", Action::Edit) } else { ("contacts-new", Action::Create) };
        let params = ListParams { limit: Some(MAX_LIMIT.to_string()), sort: Some("name".into()), ..Default::default() };
        let req = ListRequest::parse(params, vec![("customer_id".into(), customer.id.to_string())])?;
        let colleagues = customers::list_contacts(&state.db, &web.actor, &req).await?.items;
        let this = contact.as_ref().map(|c| c.id);
        Ok(Self {
            l: Layout::new(web, title).with_fields("contact"),
            record_path: contact
                .as_ref()
                .map_or_else(|| format!("/customers/{}/contacts", customer.id), |c| format!("/contacts/{}", c.id)),
            genders: code_choices(web.lang, "gender", Gender::ALL.iter().map(|g| g.code())),
            managers: colleagues
                .into_iter()
                .filter(|c| Some(c.id) != this)
                .map(|c| {
                    let label = match &c.title {
                        Some(title) => format!("{}（{title}）", c.name),
                        None => c.name.clone(),
                    };
                    Choice::new(c.id.to_string(), label)
                })
                .collect(),
            can_edit: web.actor.can(Module::Customers, right),
            can_delete: contact.is_some() && web.actor.can(Module::Customers, Action::Delete),
            customer,
            contact,
            form,
        })
    }
}

const TEXT_FIELDS: [&str; 6] = ["title", "phone", "mobile", "email", "birthday", "notes"];

fn values_of(c: &Contact) -> FormState {
    let text = |t: &Option<String>| t.clone().unwrap_or_default();
    let texts = [
        text(&c.title),
        text(&c.phone),
        text(&c.mobile),
        text(&c.email),
        c.birthday.map(|d| d.to_string()).unwrap_or_default(),
        text(&c.notes),
    ];
    let mut values = vec![
        ("name".to_string(), c.name.clone()),
        ("gender".to_string(), c.gender.map(|g| g.code()).unwrap_or_default().to_string()),
        ("reports_to_id".to_string(), c.reports_to_id.map(|id| id.to_string()).unwrap_or_default()),
        ("version".to_string(), c.version.to_string()),
    ];
    values.extend(TEXT_FIELDS.iter().zip(texts).map(|(name, value)| (name.to_string(), value)));
    if c.primary {
        values.push(("primary".to_string(), "true".to_string()));
    }
    FormState::new(values)
}

fn text(form: &FormData, name: &str) -> Option<String> {
    Some(form.get(name).to_string())
}

fn input_of(customer_id: uuid::Uuid, form: &FormData) -> Result<ContactInput, Error> {
    let reports_to_id = form.id("reports_to_id").map_err(|e| Error::Invalid(vec![e]))?;
    Ok(ContactInput {
        customer_id: Some(customer_id),
        name: form.get("name").to_string(),
        gender: text(form, "gender"),
        title: text(form, "title"),
        phone: text(form, "phone"),
        mobile: text(form, "mobile"),
        email: text(form, "email"),
        birthday: text(form, "birthday"),
        reports_to_id,
        primary: Some(form.opt("primary").is_some()),
        notes: text(form, "notes"),
    })
}

fn patch_of(form: &FormData) -> Result<ContactPatchInput, Error> {
    let reports_to_id = form.id("reports_to_id").map_err(|e| Error::Invalid(vec![e]))?;
    let set = |name: &str| Patch::Set(form.get(name).to_string());
    Ok(ContactPatchInput {
        name: Some(form.get("name").to_string()),
        gender: set("gender"),
        title: set("title"),
        phone: set("phone"),
        mobile: set("mobile"),
        email: set("email"),
        birthday: set("birthday"),
        reports_to_id: reports_to_id.map_or(Patch::Clear, Patch::Set),
        primary: Some(form.opt("primary").is_some()),
        notes: set("notes"),
    })
}

fn back_to(customer_id: uuid::Uuid) -> String {
    format!("/customers/{customer_id}#contacts")
}

pub async fn new(State(state): State<AppState>, web: WebUser, Path(id): Path<String>) -> Result<Response, AppError> {
    let customer = customers::get_customer(&state.db, &web.actor, parse_id(&id)?).await?;
    layout::ok(&FormPage::new(&state, &web, customer, None, FormState::default()).await?)
}

pub async fn create(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let customer = customers::get_customer(&state.db, &web.actor, parse_id(&id)?).await?;
    let result = match input_of(customer.id, &form) {
        Ok(input) => customers::create_contact(&state.db, &web.actor, input).await,
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
    let contact = customers::get_contact(&state.db, &web.actor, parse_id(&id)?).await?;
    let customer = customers::get_customer(&state.db, &web.actor, contact.customer_id).await?;
    let form = values_of(&contact);
    layout::ok(&FormPage::new(&state, &web, customer, Some(contact), form).await?)
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let contact = customers::get_contact(&state.db, &web.actor, parse_id(&id)?).await?;
    let result = match patch_of(&form) {
        Ok(patch) => customers::update_contact(&state.db, &web.actor, contact.id, form.version(), patch).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(saved) => Ok(see_other(&back_to(saved.customer_id), "saved")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            let customer = customers::get_customer(&state.db, &web.actor, contact.customer_id).await?;
            layout::invalid(&FormPage::new(&state, &web, customer, Some(contact), refused).await?)
        }
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, .. }: Posted,
) -> Result<Response, AppError> {
    let contact = customers::get_contact(&state.db, &web.actor, parse_id(&id)?).await?;
    let result = customers::delete_contact(&state.db, &web.actor, contact.id).await;
    deleted(result, &back_to(contact.customer_id), &format!("/contacts/{}", contact.id))
}

/// One contact as a vCard file, made by the same serializer as the API's.
pub async fn vcard(State(state): State<AppState>, web: WebUser, Path(id): Path<String>) -> Result<Response, AppError> {
    let (contact, card) = customers::contact_vcard(&state.db, &web.actor, parse_id(&id)?).await?;
    let name = format!("{}.vcf", contact.name);
    Ok((download_headers("text/vcard; charset=utf-8", &name), card).into_response())
}
