//! The list and the warning page with its two steps: a measure (暂缓流失), the confirmed loss
//! (确认流失).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use crm_core::Error;
use crm_core::access::{Action, Module};
use crm_core::base_data::DictionaryKind;
use crm_core::churn::actions as churn;
use crm_core::churn::{ChurnStatus, ChurnWarning, ConfirmInput, MeasureInput};

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::parse_id;
use crate::http::web::customers::{code_choices, entries, entry_choices};
use crate::http::web::forms::{self, FormData, FormState, Posted};
use crate::http::web::layout::{self, Choice, Layout, Pager, list_request};
use crate::http::web::session::WebUser;

/// The views of the list, each a preset filter: the open warnings (the default), the lost
/// customers, everything.
const VIEWS: [&str; 3] = ["open", "lost", "all"];

/// Days from `date` to today in the page's time zone.
fn days_since(l: &Layout, date: &NaiveDate) -> i64 {
    (Utc::now().with_timezone(&l.tz).date_naive() - *date).num_days()
}

#[derive(Template)]
#[template(path = "churn/list.html")]
struct ListPage {
    l: Layout,
    items: Vec<ChurnWarning>,
    q: String,
    view: String,
    views: Vec<Choice>,
    status: String,
    statuses: Vec<Choice>,
    pager: Pager,
}

impl ListPage {
    fn days(&self, date: &NaiveDate) -> i64 {
        days_since(&self.l, date)
    }
}

pub async fn list(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let query = FormData(query);
    let (q, cursor, customer, owner) =
        (query.get("q"), query.get("cursor"), query.get("customer_id"), query.get("owner_id"));
    let view = if VIEWS.contains(&query.get("view")) { query.get("view") } else { "open" };
    let (status, closed) = match view {
        "open" => (query.get("status"), "false"),
        "lost" => (ChurnStatus::Lost.code(), ""),
        _ => (query.get("status"), ""),
    };
    let filters = [("status", status), ("closed", closed), ("customer_id", customer), ("owner_id", owner)];
    let page = churn::list(&state.db, &web.actor, &list_request(q, cursor, &filters)?).await?;
    let params =
        [("q", q), ("view", view), ("status", query.get("status")), ("customer_id", customer), ("owner_id", owner)];
    layout::ok(&ListPage {
        l: Layout::new(&web, "churn-title").with_fields("churn"),
        pager: Pager::new("/churn-warnings", &params, cursor, page.next_cursor.as_deref()),
        items: page.items,
        q: q.to_string(),
        view: view.to_string(),
        views: VIEWS.iter().map(|v| Choice::new(*v, web.lang.t(&format!("churn-view-{v}")))).collect(),
        status: query.get("status").to_string(),
        statuses: code_choices(web.lang, "churn-status", ChurnStatus::ALL.iter().map(|s| s.code())),
    })
}

#[derive(Template)]
#[template(path = "churn/show.html")]
struct ShowPage {
    l: Layout,
    w: ChurnWarning,
    /// Values and errors of the two step forms.
    workflow: FormState,
    reasons: Vec<Choice>,
    can_measure: bool,
    can_confirm: bool,
}

impl ShowPage {
    fn days(&self, date: &NaiveDate) -> i64 {
        days_since(&self.l, date)
    }
}

async fn render_show(
    state: &AppState,
    web: &WebUser,
    id: Uuid,
    workflow: FormState,
    status: StatusCode,
) -> Result<Response, AppError> {
    let w = churn::get(&state.db, &web.actor, id).await?;
    let allowed = w.allowed_actions(web.actor.can(Module::Churn, Action::Edit));
    let can_confirm = allowed.contains(&"confirm");
    let reasons = if can_confirm {
        entry_choices(entries(state, &web.actor, DictionaryKind::ChurnReason).await?)
    } else {
        Vec::new()
    };
    let l = Layout::new(web, "churn-record").with_fields("churn");
    let page = ShowPage { l, workflow, reasons, can_measure: allowed.contains(&"measures"), can_confirm, w };
    layout::render(status, &page)
}

pub async fn show(State(state): State<AppState>, web: WebUser, Path(id): Path<String>) -> Result<Response, AppError> {
    // A measure is most often recorded the day it is taken.
    let today = Utc::now().with_timezone(&layout::time_zone(&web.actor.time_zone)).date_naive();
    let form = FormState::new(vec![("date".into(), today.to_string())]);
    render_show(&state, &web, parse_id(&id)?, form, StatusCode::OK).await
}

pub async fn add_measure(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let input = MeasureInput { date: form.get("date").to_string(), text: form.get("text").to_string() };
    let result = churn::add_measure(&state.db, &web.actor, id, form.version(), input).await;
    let render = |refused, status| render_show(&state, &web, id, refused, status);
    forms::after_step(web.lang, &format!("/churn-warnings/{id}"), "saved", &form, result, render).await
}

pub async fn confirm(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result = match form.id("reason_id") {
        Ok(reason_id) => churn::confirm(&state.db, &web.actor, id, form.version(), ConfirmInput { reason_id }).await,
        Err(e) => Err(Error::Invalid(vec![e])),
    };
    let render = |refused, status| render_show(&state, &web, id, refused, status);
    forms::after_step(web.lang, &format!("/churn-warnings/{id}"), "saved", &form, result, render).await
}
