//! User pages (ACL-1, ACL-2, ACL-4, ACL-7): list and search, create, edit, freeze,
//! reset the password, end every session.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use crm_core::Error;
use crm_core::access::actions as access;
use crm_core::access::{Action, Module, User, UserInput, UserPatch, UserPatchInput};
use crm_core::patch::Patch;

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::parse_id;
use crate::http::web::forms::{FormData, FormState, Posted};
use crate::http::web::layout::{self, Choice, Layout, Pager, everything, list_request, see_other};
use crate::http::web::session::{WebUser, passwords_match};
use crate::http::web::{TIME_ZONES, locales};

/// A blank choice keeps the default (or the current value).
fn optional(value: &str) -> Option<String> {
    Some(value.trim().to_string()).filter(|v| !v.is_empty())
}

/// Role and division names, to show users' grants by name and offer them in the form.
/// A user who may not list roles or divisions sees codes and no choices.
struct Grants {
    roles: Vec<Choice>,
    divisions: Vec<Choice>,
}

impl Grants {
    async fn load(state: &AppState, web: &WebUser) -> Result<Self, AppError> {
        let roles = match access::list_roles(&state.db, &web.actor, &everything()).await {
            Ok(page) => page.items.into_iter().map(|r| Choice::new(r.code, r.name)).collect(),
            Err(Error::Forbidden(_)) => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        let divisions = match access::list_divisions(&state.db, &web.actor, &everything()).await {
            Ok(page) => page.items.into_iter().map(|d| Choice::new(d.id.to_string(), d.name)).collect(),
            Err(Error::Forbidden(_)) => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        Ok(Self { roles, divisions })
    }

    fn names(choices: &[Choice], values: impl Iterator<Item = String>) -> String {
        values
            .map(|v| choices.iter().find(|c| c.value == v).map_or(v, |c| c.label.clone()))
            .collect::<Vec<_>>()
            .join("、")
    }
}

pub struct UserRow {
    pub user: User,
    pub roles: String,
    pub divisions: String,
}

#[derive(Template)]
#[template(path = "access/users.html")]
struct ListPage {
    l: Layout,
    rows: Vec<UserRow>,
    q: String,
    status: String,
    pager: Pager,
    can_create: bool,
}

pub async fn list(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let query = FormData(query);
    let (q, status, cursor) = (query.get("q"), query.get("status"), query.get("cursor"));
    let frozen = match status {
        "frozen" => "true",
        "active" => "false",
        _ => "",
    };
    let req = list_request(q, cursor, &[("frozen", frozen)])?;
    let page = access::list_users(&state.db, &web.actor, &req).await?;
    let grants = Grants::load(&state, &web).await?;
    let filters = [("q", q), ("status", status)];
    let pager = Pager::new("/users", &filters, cursor, page.next_cursor.as_deref());
    let rows = page
        .items
        .into_iter()
        .map(|user| UserRow {
            roles: Grants::names(&grants.roles, user.roles.iter().cloned()),
            divisions: Grants::names(&grants.divisions, user.division_ids.iter().map(ToString::to_string)),
            user,
        })
        .collect();
    layout::ok(&ListPage {
        l: Layout::new(&web, "users-title"),
        rows,
        q: q.to_string(),
        status: status.to_string(),
        pager,
        can_create: web.actor.can(Module::Users, Action::Create),
    })
}

#[derive(Template)]
#[template(path = "access/user_form.html")]
struct FormPage {
    l: Layout,
    /// `None` while creating.
    user: Option<User>,
    /// Where the form posts: the list while creating, the user while editing.
    record_path: String,
    form: FormState,
    password: FormState,
    roles: Vec<Choice>,
    divisions: Vec<Choice>,
    locales: Vec<Choice>,
    time_zones: &'static [&'static str],
    can_edit: bool,
}

impl FormPage {
    async fn build(
        state: &AppState,
        web: &WebUser,
        user: Option<User>,
        form: FormState,
        password: FormState,
    ) -> Result<Self, AppError> {
        let grants = Grants::load(state, web).await?;
        let (title, right) = if user.is_some() { ("users-edit", Action::Edit) } else { ("users-new", Action::Create) };
        Ok(Self {
            l: Layout::new(web, title),
            record_path: user.as_ref().map_or_else(|| "/users".to_string(), |u| format!("/users/{}", u.id)),
            user,
            form,
            password,
            roles: grants.roles,
            divisions: grants.divisions,
            locales: locales(),
            time_zones: &TIME_ZONES,
            can_edit: web.actor.can(Module::Users, right),
        })
    }
}

fn values_of(user: &User) -> FormState {
    let mut values = vec![
        ("username".to_string(), user.username.clone()),
        ("display_name".to_string(), user.display_name.clone().unwrap_or_default()),
        ("email".to_string(), user.email.clone().unwrap_or_default()),
        ("locale".to_string(), user.locale.clone()),
        ("time_zone".to_string(), user.time_zone.clone()),
        ("version".to_string(), user.version.to_string()),
    ];
    values.extend(user.roles.iter().map(|r| ("roles".to_string(), r.clone())));
    values.extend(user.division_ids.iter().map(|d| ("division_ids".to_string(), d.to_string())));
    FormState::new(values)
}

/// The division ids of the form; a mangled one is a message beside the field.
fn division_ids(form: &FormData) -> Result<Vec<uuid::Uuid>, Error> {
    form.all("division_ids")
        .iter()
        .map(|v| uuid::Uuid::parse_str(v).map_err(|_| Error::invalid("division_ids", "invalid_id")))
        .collect()
}

pub async fn new(State(state): State<AppState>, web: WebUser) -> Result<Response, AppError> {
    let form = FormState::new(vec![
        ("locale".into(), web.lang.code().into()),
        ("time_zone".into(), layout::DEFAULT_TIME_ZONE.name().into()),
    ]);
    layout::ok(&FormPage::build(&state, &web, None, form, FormState::default()).await?)
}

pub async fn create(State(state): State<AppState>, Posted { user: web, form }: Posted) -> Result<Response, AppError> {
    let created = async {
        let input = UserInput {
            username: form.get("username").to_string(),
            password: form.get("password").to_string(),
            display_name: Some(form.get("display_name").to_string()),
            email: Some(form.get("email").to_string()),
            roles: form.all("roles"),
            division_ids: division_ids(&form)?,
            locale: Some(form.get("locale").to_string()),
            time_zone: optional(form.get("time_zone")),
        };
        access::create_user(&state.db, &web.actor, input).await
    }
    .await;
    match created {
        Ok(user) => Ok(see_other(&format!("/users/{}", user.id), "created")),
        Err(e) => {
            let refused = FormState::from_form(&form).refused(web.lang, e)?;
            layout::invalid(&FormPage::build(&state, &web, None, refused, FormState::default()).await?)
        }
    }
}

pub async fn edit(State(state): State<AppState>, web: WebUser, Path(id): Path<String>) -> Result<Response, AppError> {
    let user = access::get_user(&state.db, &web.actor, parse_id(&id)?).await?;
    let form = values_of(&user);
    layout::ok(&FormPage::build(&state, &web, Some(user), form, FormState::default()).await?)
}

/// Applies one change to a user and goes back to the user's page; a refused change shows
/// the page again with the messages on `form` (the details) or `password` (the reset).
async fn apply(
    state: &AppState,
    web: &WebUser,
    id: &str,
    form: &FormData,
    input: Result<UserPatchInput, Error>,
    flash: &str,
    password_form: bool,
) -> Result<Response, AppError> {
    let id = parse_id(id)?;
    let result = match input.and_then(UserPatch::parse) {
        Ok(patch) => access::update_user(&state.db, &web.actor, id, form.version(), patch).await,
        Err(e) => Err(e),
    };
    let e = match result {
        Ok(user) => return Ok(see_other(&format!("/users/{}", user.id), flash)),
        Err(e) => e,
    };
    let user = access::get_user(&state.db, &web.actor, id).await?;
    let refused = FormState::from_form(form).refused(web.lang, e)?;
    let (details, password) = if password_form { (values_of(&user), refused) } else { (refused, FormState::default()) };
    layout::invalid(&FormPage::build(state, web, Some(user), details, password).await?)
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let input = division_ids(&form).map(|division_ids| UserPatchInput {
        display_name: Patch::Set(form.get("display_name").to_string()),
        email: Patch::Set(form.get("email").to_string()),
        roles: Some(form.all("roles")),
        division_ids: Some(division_ids),
        locale: Some(form.get("locale").to_string()),
        time_zone: optional(form.get("time_zone")),
        ..Default::default()
    });
    apply(&state, &web, &id, &form, input, "saved", false).await
}

/// Freezes (ACL-4) or unfreezes a user, as the posted `frozen` field says.
pub async fn set_frozen(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let frozen = form.get("frozen") == "true";
    let input = Ok(UserPatchInput { frozen: Some(frozen), ..Default::default() });
    apply(&state, &web, &id, &form, input, if frozen { "frozen" } else { "unfrozen" }, false).await
}

/// Sets a new password chosen by the administrator; the user's sessions end.
pub async fn reset_password(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    if let Err(refused) = passwords_match(web.lang, &form) {
        let user = access::get_user(&state.db, &web.actor, parse_id(&id)?).await?;
        let details = values_of(&user);
        return layout::invalid(&FormPage::build(&state, &web, Some(user), details, refused).await?);
    }
    let input = Ok(UserPatchInput { password: Some(form.get("password").to_string()), ..Default::default() });
    apply(&state, &web, &id, &form, input, "password_reset", true).await
}

/// Ends every session and API token of the user (ACL-7).
pub async fn revoke_sessions(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { user: web, .. }: Posted,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    access::revoke_sessions(&state.db, &web.actor, id).await?;
    if web.actor.user_id == Some(id) {
        return Ok(Redirect::to("/login").into_response());
    }
    Ok(see_other(&format!("/users/{id}"), "sessions_revoked"))
}
