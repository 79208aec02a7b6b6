//! The notification centre (CFG-3): the user's notices, newest first; opening one marks it
//! read and goes to its record.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crm_core::notifications::Notification;
use crm_core::notifications::actions as notifications;

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::parse_id;
use crate::http::web::forms::{FormData, Posted};
use crate::http::web::layout::{self, Layout, Pager, list_request, see_other};
use crate::http::web::session::WebUser;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list))
        .route("/notifications/read-all", post(mark_all_read))
        .route("/notifications/{id}", get(open))
}

pub struct Row {
    pub notice: Notification,
    pub text: String,
}

#[derive(Template)]
#[template(path = "notifications/list.html")]
struct ListPage {
    l: Layout,
    rows: Vec<Row>,
    unread_only: bool,
    pager: Pager,
}

pub async fn list(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let query = FormData(query);
    let (cursor, unread) = (query.get("cursor"), query.get("unread"));
    let page = notifications::list(&state.db, &web.actor, &list_request("", cursor, &[("unread", unread)])?).await?;
    let l = Layout::new(&web, "notifications-title");
    let rows = page
        .items
        .into_iter()
        .map(|notice| Row { text: l.t_with(&notice_key(&notice), "subject", &notice.subject), notice })
        .collect();
    layout::ok(&ListPage {
        pager: Pager::new("/notifications", &[("unread", unread)], cursor, page.next_cursor.as_deref()),
        unread_only: unread == "true",
        rows,
        l,
    })
}

fn notice_key(n: &Notification) -> String {
    format!("notice-{}", n.kind.code().replace('_', "-"))
}

/// Marks the notice read and shows its record.
pub async fn open(State(state): State<AppState>, web: WebUser, Path(id): Path<String>) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let notice = notifications::mark_read(&state.db, &web.actor, id).await?;
    Ok(Redirect::to(&notice.link()).into_response())
}

pub async fn mark_all_read(
    State(state): State<AppState>,
    Posted { user: web, .. }: Posted,
) -> Result<Response, AppError> {
    notifications::mark_all_read(&state.db, &web.actor).await?;
    Ok(see_other("/notifications", "notifications_read"))
}
