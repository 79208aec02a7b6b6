//! Division pages (版块, ACL-2): list, create, edit, delete.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;

use crm_core::access::actions as access;
use crm_core::access::{Action, Division, DivisionPatch, Module, NewDivision};
use crm_core::patch::Patch;

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::parse_id;
use crate::http::web::forms::{FormData, FormState, Posted};
use crate::http::web::layout::{self, Layout, Pager, deleted, list_request, see_other};
use crate::http::web::session::WebUser;

#[derive(Template)]
#[template(path = "access/divisions.html")]
struct ListPage {
    l: Layout,
    divisions: Vec<Division>,
    q: String,
    pager: Pager,
    can_create: bool,
}

pub async fn list(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let query = FormData(query);
    let (q, cursor) = (query.get("q"), query.get("cursor"));
    let page = access::list_divisions(&state.db, &web.actor, &list_request(q, cursor, &[])?).await?;
    layout::ok(&ListPage {
        l: Layout::new(&web, "divisions-title"),
        pager: Pager::new("/divisions", &[("q", q)], cursor, page.next_cursor.as_deref()),
        divisions: page.items,
        q: q.to_string(),
        can_create: web.actor.can(Module::Divisions, Action::Create),
    })
}

#[derive(Template)]
#[template(path = "access/division_form.html")]
struct FormPage {
    l: Layout,
    division: Option<Division>,
    /// Where the form posts: the list while creating, the division while editing.
    record_path: String,
    form: FormState,
    can_edit: bool,
    can_delete: bool,
}

impl FormPage {
    fn new(web: &WebUser, division: Option<Division>, form: FormState) -> Self {
        let (title, right) =
            if division.is_some() { ("divisions-edit", Action::Edit) } else { ("divisions-new", Action::Create) };
        Self {
            l: Layout::new(web, title),
            can_edit: web.actor.can(Module::Divisions, right),
            can_delete: division.is_some() && web.actor.can(Module::Divisions, Action::Delete),
            record_path: division.as_ref().map_or_else(|| "/divisions".to_string(), |d| format!("/divisions/{}", d.id)),
            division,
            form,
        }
    }
}

fn values_of(d: &Division) -> FormState {
    FormState::new(vec![
        ("name".into(), d.name.clone()),
        ("code".into(), d.code.clone().unwrap_or_default()),
        ("version".into(), d.version.to_string()),
    ])
}

pub async fn new(web: WebUser) -> Result<Response, AppError> {
    layout::ok(&FormPage::new(&web, None, FormState::default()))
}

pub async fn create(State(state): State<AppState>, Posted { user: web, form }: Posted) -> Result<Response, AppError> {
    let result = match NewDivision::parse(form.get("name"), form.get("code")) {
        Ok(new) => access::create_division(&state.db, &web.actor, new).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other("/divisions", "created")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            layout::invalid(&FormPage::new(&web, None, refused))
        }
    }
}

pub async fn edit(State(state): State<AppState>, web: WebUser, Path(id): Path<String>) -> Result<Response, AppError> {
    let division = access::get_division(&state.db, &web.actor, parse_id(&id)?).await?;
    let form = values_of(&division);
    layout::ok(&FormPage::new(&web, Some(division), form))
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result = match DivisionPatch::parse(Some(form.get("name")), Patch::Set(form.get("code").to_string())) {
        Ok(patch) => access::update_division(&state.db, &web.actor, id, form.version(), patch).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other("/divisions", "saved")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            let division = access::get_division(&state.db, &web.actor, id).await?;
            layout::invalid(&FormPage::new(&web, Some(division), refused))
        }
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, .. }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    deleted(access::delete_division(&state.db, &web.actor, id).await, "/divisions", &format!("/divisions/{id}"))
}
