//! The list, the form, and the record page with its workflow: assign, handle, feedback (SVC-2).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use uuid::Uuid;

use crm_core::Error;
use crm_core::access::{Action, Module};
use crm_core::base_data::DictionaryKind;
use crm_core::customers::actions as customers;
use crm_core::listing::ListRequest;
use crm_core::service::actions as service;
use crm_core::service::{
    Article, ArticleLinkInput, AssignInput, FeedbackInput, HandleInput, ServiceRequest, ServiceRequestInput,
    ServiceRequestPatchInput, ServiceStatus,
};

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::parse_id;
use crate::http::web::customers::{code_choices, colleagues, entries, entry_choices, of_division};
use crate::http::web::forms::{FormData, FormState, Posted};
use crate::http::web::layout::{self, Choice, Layout, Pager, deleted, list_request, see_other};
use crate::http::web::session::WebUser;

/// The views of the list: each a preset filter.
const VIEWS: [&str; 5] = ["all", "mine", "queue", "overdue", "archived"];

#[derive(Template)]
#[template(path = "service/list.html")]
struct ListPage {
    l: Layout,
    items: Vec<ServiceRequest>,
    q: String,
    view: String,
    views: Vec<Choice>,
    status: String,
    type_id: String,
    handler_id: String,
    /// Colleagues to filter by handler; none for a user who may not list users.
    handlers: Vec<Choice>,
    customer: Option<Choice>,
    from: String,
    to: String,
    statuses: Vec<Choice>,
    types: Vec<Choice>,
    pager: Pager,
    can_create: bool,
}

pub async fn list(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let query = FormData(query);
    let (q, cursor, view) = (query.get("q"), query.get("cursor"), query.get("view"));
    let (type_id, customer, handler) = (query.get("type_id"), query.get("customer_id"), query.get("handler_id"));
    let (from, to) = (query.get("from"), query.get("to"));
    let me = web.actor.user_id.map(|u| u.to_string()).unwrap_or_default();
    let (status, handler, overdue) = match view {
        "mine" => (query.get("status"), me.as_str(), ""),
        "queue" => (ServiceStatus::Created.code(), handler, ""),
        "overdue" => (query.get("status"), handler, "true"),
        "archived" => (ServiceStatus::Archived.code(), handler, ""),
        _ => (query.get("status"), handler, ""),
    };
    let filters = [
        ("status", status),
        ("type_id", type_id),
        ("customer_id", customer),
        ("handler_id", handler),
        ("overdue", overdue),
        ("from", from),
        ("to", to),
    ];
    let page = service::list(&state.db, &web.actor, &list_request(q, cursor, &filters)?).await?;
    let params = [
        ("q", q),
        ("view", view),
        ("status", query.get("status")),
        ("type_id", type_id),
        ("customer_id", customer),
        ("handler_id", query.get("handler_id")),
        ("from", from),
        ("to", to),
    ];
    let directs = web.actor.can(Module::Service, Action::Assign);
    let views = VIEWS
        .iter()
        .filter(|v| directs || !matches!(**v, "queue"))
        .map(|v| Choice::new(*v, web.lang.t(&format!("service-view-{v}"))))
        .collect();
    layout::ok(&ListPage {
        l: Layout::new(&web, "service-title").with_fields("service"),
        pager: Pager::new("/service-requests", &params, cursor, page.next_cursor.as_deref()),
        items: page.items,
        q: q.to_string(),
        view: if view.is_empty() { "all".into() } else { view.to_string() },
        views,
        status: query.get("status").to_string(),
        type_id: type_id.to_string(),
        handler_id: query.get("handler_id").to_string(),
        handlers: colleagues(&state, &web.actor).await?.into_iter().map(|c| c.choice).collect(),
        customer: customer_filter(&state, &web, customer).await?,
        from: from.to_string(),
        to: to.to_string(),
        statuses: code_choices(web.lang, "service-status", ServiceStatus::ALL.iter().map(|s| s.code())),
        types: entry_choices(entries(&state, &web.actor, DictionaryKind::ServiceType).await?),
        can_create: web.actor.can(Module::Service, Action::Create),
    })
}

/// The customer the list is filtered to, as (id, name): shown as a chip, since a customer
/// is chosen on its own page or by search rather than from a list of them all.
async fn customer_filter(state: &AppState, web: &WebUser, id: &str) -> Result<Option<Choice>, AppError> {
    if id.is_empty() {
        return Ok(None);
    }
    let customer = customers::get_customer(&state.db, &web.actor, parse_id(id)?).await?;
    Ok(Some(Choice::new(id, customer.name)))
}

/// How many customers the form offers to choose from; a customer's page links with its id.
const CUSTOMER_CHOICES: u32 = 500;

#[derive(Template)]
#[template(path = "service/form.html")]
struct FormPage {
    l: Layout,
    form: FormState,
    /// Customers to choose from for a new request; an edited request keeps its customer.
    customers: Vec<Choice>,
    types: Vec<Choice>,
    /// The request being edited; none for a new one.
    editing: Option<Uuid>,
}

impl FormPage {
    async fn new(state: &AppState, web: &WebUser, form: FormState, editing: Option<Uuid>) -> Result<Self, AppError> {
        let customers = if editing.is_some() {
            Vec::new()
        } else {
            let req = ListRequest::first("name", CUSTOMER_CHOICES);
            let page = customers::list_customers(&state.db, &web.actor, &req).await?;
            page.items.into_iter().map(|c| Choice::new(c.id.to_string(), c.name)).collect()
        };
        let title = if editing.is_some() { "service-edit" } else { "service-new" };
        Ok(Self {
            l: Layout::new(web, title).with_fields("service"),
            customers,
            types: entry_choices(entries(state, &web.actor, DictionaryKind::ServiceType).await?),
            form,
            editing,
        })
    }

    fn action(&self) -> String {
        self.editing.map_or_else(|| "/service-requests".into(), |id| format!("/service-requests/{id}"))
    }
}

pub async fn new(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let form = FormState::new(vec![("customer_id".into(), FormData(query).get("customer_id").to_string())]);
    layout::ok(&FormPage::new(&state, &web, form, None).await?)
}

pub async fn edit(State(state): State<AppState>, web: WebUser, Path(id): Path<String>) -> Result<Response, AppError> {
    let r = service::get(&state.db, &web.actor, parse_id(&id)?).await?;
    let form = FormState::new(vec![
        ("type_id".into(), r.type_id.to_string()),
        ("summary".into(), r.summary.clone()),
        ("request".into(), r.request.clone()),
        ("version".into(), r.version.to_string()),
    ]);
    layout::ok(&FormPage::new(&state, &web, form, Some(r.id)).await?)
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result = match form.id("type_id") {
        Ok(type_id) => {
            let input = ServiceRequestPatchInput {
                type_id,
                summary: Some(form.get("summary").to_string()),
                request: Some(form.get("request").to_string()),
            };
            service::update(&state.db, &web.actor, id, form.version(), input).await
        }
        Err(e) => Err(Error::Invalid(vec![e])),
    };
    match result {
        Ok(r) => Ok(see_other(&format!("/service-requests/{}", r.id), "saved")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            layout::invalid(&FormPage::new(&state, &web, refused, Some(id)).await?)
        }
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, .. }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result = service::delete(&state.db, &web.actor, id).await;
    deleted(result, "/service-requests", &format!("/service-requests/{id}"))
}

pub async fn create(State(state): State<AppState>, Posted { user: web, form }: Posted) -> Result<Response, AppError> {
    let result = match (form.id("customer_id"), form.id("type_id")) {
        (Ok(customer_id), Ok(type_id)) => {
            let input = ServiceRequestInput {
                customer_id,
                type_id,
                summary: form.get("summary").to_string(),
                request: form.get("request").to_string(),
            };
            service::create(&state.db, &web.actor, input).await
        }
        (Err(e), _) | (_, Err(e)) => Err(Error::Invalid(vec![e])),
    };
    match result {
        Ok(r) => Ok(see_other(&format!("/service-requests/{}", r.id), "created")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            layout::invalid(&FormPage::new(&state, &web, refused, None).await?)
        }
    }
}

#[derive(Template)]
#[template(path = "service/show.html")]
struct ShowPage {
    l: Layout,
    r: ServiceRequest,
    /// Errors of the workflow forms.
    workflow: FormState,
    handlers: Vec<Choice>,
    ratings: Vec<Choice>,
    can_assign: bool,
    can_handle: bool,
    can_feedback: bool,
    can_edit: bool,
    can_delete: bool,
    articles: Vec<Article>,
    /// Articles to link, when the user may link them.
    article_choices: Vec<Choice>,
}

impl ShowPage {
    fn record_path(&self) -> String {
        format!("/service-requests/{}", self.r.id)
    }

    fn articles_path(&self) -> String {
        format!("/service-requests/{}/articles", self.r.id)
    }
}

/// How many articles the link form offers, by title; the knowledge base page searches them all.
const ARTICLE_CHOICES: u32 = 200;

async fn render_show(
    state: &AppState,
    web: &WebUser,
    id: Uuid,
    workflow: FormState,
    status: StatusCode,
) -> Result<Response, AppError> {
    let r = service::get(&state.db, &web.actor, id).await?;
    let actor = &web.actor;
    let allowed = r.allowed_actions(
        actor.user_id,
        actor.can(Module::Service, Action::Edit),
        actor.can(Module::Service, Action::Assign),
    );
    let can_assign = allowed.contains(&"assign");
    let directs = actor.can(Module::Service, Action::Assign);
    let can_link = r.status != ServiceStatus::Archived
        && actor.can(Module::Service, Action::Edit)
        && (r.owned_by(actor.user_id, directs) || r.handled_by(actor.user_id, directs));
    let article_choices = if can_link {
        let page = service::list_articles(&state.db, actor, &ListRequest::first("title", ARTICLE_CHOICES)).await?;
        page.items.into_iter().map(|a| Choice::new(a.id.to_string(), a.title)).collect()
    } else {
        Vec::new()
    };
    let handlers = if can_assign { of_division(&colleagues(state, actor).await?, r.division_id) } else { Vec::new() };
    let page = ShowPage {
        l: Layout::new(web, "service-record").with_fields("service"),
        workflow,
        handlers,
        ratings: (1..=5)
            .rev()
            .map(|n| Choice::new(n.to_string(), web.lang.t(&format!("service-rating-{n}"))))
            .collect(),
        can_assign,
        can_handle: allowed.contains(&"handle"),
        can_feedback: allowed.contains(&"feedback"),
        can_edit: r.status != ServiceStatus::Archived
            && actor.can(Module::Service, Action::Edit)
            && r.owned_by(actor.user_id, directs),
        can_delete: actor.can(Module::Service, Action::Delete),
        articles: service::request_articles(&state.db, actor, r.id).await?,
        article_choices,
        r,
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
    result: Result<ServiceRequest, Error>,
) -> Result<Response, AppError> {
    match result {
        Ok(_) => Ok(see_other(&format!("/service-requests/{id}"), "saved")),
        Err(e) => {
            let refused = FormState::from_form(form).refused(web.lang, e)?;
            render_show(state, web, id, refused, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub async fn assign(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result = match form.id("handler_id") {
        Ok(handler_id) => service::assign(&state.db, &web.actor, id, form.version(), AssignInput { handler_id }).await,
        Err(e) => Err(Error::Invalid(vec![e])),
    };
    after_step(&state, &web, id, &form, result).await
}

pub async fn handle(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let input = HandleInput { handling: form.get("handling").to_string() };
    let result = service::handle(&state.db, &web.actor, id, form.version(), input).await;
    after_step(&state, &web, id, &form, result).await
}

pub async fn feedback(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result = match form.number("satisfaction") {
        Ok(satisfaction) => {
            let input = FeedbackInput { result: form.get("result").to_string(), satisfaction };
            service::feedback(&state.db, &web.actor, id, form.version(), input).await
        }
        Err(e) => Err(Error::Invalid(vec![e])),
    };
    after_step(&state, &web, id, &form, result).await
}

/// Links (or unlinks) an article from the request page.
async fn linking(
    state: &AppState,
    web: &WebUser,
    id: &str,
    form: &FormData,
    linked: bool,
) -> Result<Response, AppError> {
    let id = parse_id(id)?;
    let result = match form.id("article_id") {
        Ok(article_id) => {
            service::link_article(&state.db, &web.actor, id, ArticleLinkInput { article_id }, linked).await
        }
        Err(e) => Err(Error::Invalid(vec![e])),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/service-requests/{id}#articles"), "saved")),
        Err(e) => {
            let refused = FormState::from_form(form).refused(web.lang, e)?;
            render_show(state, web, id, refused, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub async fn link_article(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    linking(&state, &web, &id, &form, true).await
}

pub async fn unlink_article(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    linking(&state, &web, &id, &form, false).await
}
