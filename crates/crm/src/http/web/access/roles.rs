//! Role pages (ACL-1, ACL-3): roles are data, edited as a grid of modules × actions
//! plus how far the role's reads reach.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;

use crm_core::Error;
use crm_core::access::actions as access;
use crm_core::access::{Action, DataScope, Module, NewRole, Role, RolePatch};
use crm_core::patch::Patch;

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::parse_id;
use crate::http::web::forms::{FormData, FormState, Posted};
use crate::http::web::layout::{self, Choice, Layout, Pager, deleted, list_request, see_other};
use crate::http::web::session::WebUser;
use crate::i18n::Lang;

#[derive(Template)]
#[template(path = "access/roles.html")]
struct ListPage {
    l: Layout,
    roles: Vec<Role>,
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
    let page = access::list_roles(&state.db, &web.actor, &list_request(q, cursor, &[])?).await?;
    layout::ok(&ListPage {
        l: Layout::new(&web, "roles-title"),
        pager: Pager::new("/roles", &[("q", q)], cursor, page.next_cursor.as_deref()),
        roles: page.items,
        q: q.to_string(),
        can_create: web.actor.can(Module::Roles, Action::Create),
    })
}

/// One checkbox of the permission grid.
pub struct Cell {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

/// One module of the permission grid, with a box per action.
pub struct Row {
    pub label: String,
    pub cells: Vec<Cell>,
}

fn grid(lang: Lang, form: &FormState) -> Vec<Row> {
    Module::ALL
        .iter()
        .map(|m| Row {
            label: lang.t(&format!("module-{}", m.code())),
            cells: Action::ALL
                .iter()
                .map(|a| {
                    let value = format!("{}.{}", m.code(), a.code());
                    Cell {
                        checked: form.checked("permissions", &value),
                        label: lang.t(&format!("action-{}", a.code())),
                        value,
                    }
                })
                .collect(),
        })
        .collect()
}

pub fn scopes(lang: Lang) -> Vec<Choice> {
    [DataScope::Own, DataScope::Division, DataScope::All]
        .iter()
        .map(|s| Choice::new(s.code(), lang.t(&format!("scope-{}", s.code()))))
        .collect()
}

#[derive(Template)]
#[template(path = "access/role_form.html")]
struct FormPage {
    l: Layout,
    role: Option<Role>,
    /// Where the form posts: the list while creating, the role while editing.
    record_path: String,
    form: FormState,
    actions: Vec<String>,
    grid: Vec<Row>,
    scopes: Vec<Choice>,
    can_edit: bool,
    can_delete: bool,
}

impl FormPage {
    fn new(web: &WebUser, role: Option<Role>, form: FormState) -> Self {
        let lang = web.lang;
        let (title, right) = if role.is_some() { ("roles-edit", Action::Edit) } else { ("roles-new", Action::Create) };
        Self {
            l: Layout::new(web, title),
            actions: Action::ALL.iter().map(|a| lang.t(&format!("action-{}", a.code()))).collect(),
            grid: grid(lang, &form),
            scopes: scopes(lang),
            can_edit: web.actor.can(Module::Roles, right),
            can_delete: role.as_ref().is_some_and(|r| !r.builtin) && web.actor.can(Module::Roles, Action::Delete),
            record_path: role.as_ref().map_or_else(|| "/roles".to_string(), |r| format!("/roles/{}", r.id)),
            role,
            form,
        }
    }
}

fn values_of(role: &Role) -> FormState {
    let mut values = vec![
        ("code".to_string(), role.code.clone()),
        ("name".to_string(), role.name.clone()),
        ("description".to_string(), role.description.clone().unwrap_or_default()),
        ("data_scope".to_string(), role.data_scope.code().to_string()),
        ("version".to_string(), role.version.to_string()),
    ];
    values.extend(role.permissions.iter().map(|p| ("permissions".to_string(), p.to_string())));
    FormState::new(values)
}

pub async fn new(web: WebUser) -> Result<Response, AppError> {
    let form = FormState::new(vec![("data_scope".into(), DataScope::Own.code().into())]);
    layout::ok(&FormPage::new(&web, None, form))
}

pub async fn create(State(state): State<AppState>, Posted { user: web, form }: Posted) -> Result<Response, AppError> {
    let permissions = form.all("permissions");
    let result = match NewRole::parse(
        form.get("code"),
        form.get("name"),
        form.get("description"),
        &permissions,
        form.get("data_scope"),
    ) {
        Ok(new) => access::create_role(&state.db, &web.actor, new).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(role) => Ok(see_other(&format!("/roles/{}", role.id), "created")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            layout::invalid(&FormPage::new(&web, None, refused))
        }
    }
}

pub async fn edit(State(state): State<AppState>, web: WebUser, Path(id): Path<String>) -> Result<Response, AppError> {
    let role = access::get_role(&state.db, &web.actor, parse_id(&id)?).await?;
    let form = values_of(&role);
    layout::ok(&FormPage::new(&web, Some(role), form))
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let permissions = form.all("permissions");
    let patch = RolePatch::parse(
        Some(form.get("name")),
        Patch::Set(form.get("description").to_string()),
        Some(&permissions),
        Some(form.get("data_scope")),
    );
    let result = match patch {
        Ok(patch) => access::update_role(&state.db, &web.actor, id, form.version(), patch).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(role) => Ok(see_other(&format!("/roles/{}", role.id), "saved")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            let role = access::get_role(&state.db, &web.actor, id).await?;
            layout::invalid(&FormPage::new(&web, Some(role), refused))
        }
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, .. }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let result: Result<(), Error> = access::delete_role(&state.db, &web.actor, id).await;
    deleted(result, "/roles", &format!("/roles/{id}"))
}
