//! API of the access module: sign-in, users, roles, divisions, audit log.

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crm_core::Error;
use crm_core::access::actions::{self as access, AccessSettings};
use crm_core::access::{
    AuditEntry, Division, DivisionPatch, Module, NewDivision, NewRole, Role, RolePatch, SessionKind, User, UserInput,
    UserPatchInput,
};
use crm_core::listing::ListRequest;
use crm_core::patch::Patch;

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::extract::{
    ApiActor, ApiJson, Created, IfMatch, ListFormat, ListQuery, ListResponse, Tagged, bearer_token, parse_id,
};

type Result<T> = std::result::Result<T, AppError>;

#[derive(Deserialize, ToSchema)]
pub struct LoginInput {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginUser {
    id: uuid::Uuid,
    username: String,
    roles: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LoginOutput {
    token: String,
    user: LoginUser,
}

/// The client address used for sign-in throttling.
pub fn client_key(connect: &ConnectInfo<std::net::SocketAddr>) -> String {
    connect.0.ip().to_string()
}

/// Signs in and returns a bearer token.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginInput,
    responses((status = 200, body = LoginOutput), (status = 401), (status = 403), (status = 429)))]
pub async fn login(
    State(state): State<AppState>,
    connect: ConnectInfo<std::net::SocketAddr>,
    ApiJson(input): ApiJson<LoginInput>,
) -> Result<axum::Json<LoginOutput>> {
    let mut missing = Vec::new();
    if input.username.trim().is_empty() {
        missing.push(crm_core::FieldError::new("username", "required"));
    }
    if input.password.is_empty() {
        missing.push(crm_core::FieldError::new("password", "required"));
    }
    if !missing.is_empty() {
        return Err(Error::Invalid(missing).into());
    }
    let settings: &AccessSettings = &state.access;
    let login =
        access::login(&state.db, settings, &input.username, &input.password, &client_key(&connect), SessionKind::Api)
            .await
            .map_err(|e| match e {
                Error::Unauthenticated => AppError::WrongCredentials,
                other => other.into(),
            })?;
    Ok(axum::Json(LoginOutput {
        token: login.token,
        user: LoginUser { id: login.user.id, username: login.user.username, roles: login.user.roles },
    }))
}

/// Revokes the token of this request.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", responses((status = 204), (status = 401)))]
pub async fn logout(State(state): State<AppState>, _actor: ApiActor, headers: HeaderMap) -> Result<StatusCode> {
    let token = bearer_token(&headers).ok_or(Error::Unauthenticated)?;
    access::logout(&state.db, token).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- divisions ----------------------------------------------------------------------------

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DivisionInput {
    #[serde(default)]
    name: String,
    #[serde(default)]
    code: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DivisionPatchInput {
    name: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    code: Patch<String>,
}

#[utoipa::path(get, path = "/divisions", tag = "divisions", responses((status = 200, body = Vec<Division>)))]
pub async fn list_divisions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ListQuery(req): ListQuery,
    format: ListFormat,
) -> Result<ListResponse<Division>> {
    let (db, actor) = (&state.db, &actor);
    let fetch = |r: ListRequest| async move { access::list_divisions(db, actor, &r).await };
    ListResponse::of(actor, Module::Divisions, "divisions", req, format, fetch).await
}

#[utoipa::path(post, path = "/divisions", tag = "divisions", request_body = DivisionInput,
    responses((status = 201, body = Division), (status = 409), (status = 422)))]
pub async fn create_division(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<DivisionInput>,
) -> Result<impl IntoResponse> {
    let new = NewDivision::parse(&input.name, input.code.as_deref().unwrap_or(""))?;
    let d = access::create_division(&state.db, &actor, new).await?;
    Ok(Created::at(format!("/api/v1/divisions/{}", d.id), d))
}

#[utoipa::path(get, path = "/divisions/{id}", tag = "divisions", responses((status = 200, body = Division), (status = 404)))]
pub async fn show_division(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    let d = access::get_division(&state.db, &actor, parse_id(&id)?).await?;
    Ok(Tagged::of(d))
}

#[utoipa::path(patch, path = "/divisions/{id}", tag = "divisions", request_body = DivisionPatchInput,
    responses((status = 200, body = Division), (status = 412), (status = 422)))]
pub async fn update_division(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<DivisionPatchInput>,
) -> Result<impl IntoResponse> {
    let patch = DivisionPatch::parse(input.name.as_deref(), input.code)?;
    let d = access::update_division(&state.db, &actor, parse_id(&id)?, version, patch).await?;
    Ok(Tagged::of(d))
}

#[utoipa::path(delete, path = "/divisions/{id}", tag = "divisions", responses((status = 204), (status = 409)))]
pub async fn delete_division(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    access::delete_division(&state.db, &actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- roles --------------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct RoleView {
    id: uuid::Uuid,
    code: String,
    name: String,
    description: Option<String>,
    permissions: Vec<String>,
    data_scope: crm_core::access::DataScope,
    builtin: bool,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
    version: i64,
}

impl crm_core::store::Versioned for RoleView {
    fn version(&self) -> i64 {
        self.version
    }
}

impl From<Role> for RoleView {
    fn from(r: Role) -> Self {
        Self {
            id: r.id,
            code: r.code,
            name: r.name,
            description: r.description,
            permissions: r.permissions.iter().map(ToString::to_string).collect(),
            data_scope: r.data_scope,
            builtin: r.builtin,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleInput {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    permissions: Vec<String>,
    #[serde(default)]
    data_scope: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RolePatchInput {
    name: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    description: Patch<String>,
    permissions: Option<Vec<String>>,
    data_scope: Option<String>,
}

#[utoipa::path(get, path = "/roles", tag = "roles", responses((status = 200, body = Vec<RoleView>)))]
pub async fn list_roles(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ListQuery(req): ListQuery,
    format: ListFormat,
) -> Result<ListResponse<RoleView>> {
    let (db, actor) = (&state.db, &actor);
    let fetch = |r: ListRequest| async move { Ok(access::list_roles(db, actor, &r).await?.map(RoleView::from)) };
    ListResponse::of(actor, Module::Roles, "roles", req, format, fetch).await
}

#[utoipa::path(post, path = "/roles", tag = "roles", request_body = RoleInput,
    responses((status = 201, body = RoleView), (status = 409), (status = 422)))]
pub async fn create_role(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<RoleInput>,
) -> Result<impl IntoResponse> {
    let new = NewRole::parse(
        &input.code,
        &input.name,
        input.description.as_deref().unwrap_or(""),
        &input.permissions,
        input.data_scope.as_deref().unwrap_or("own"),
    )?;
    let r = access::create_role(&state.db, &actor, new).await?;
    Ok(Created::at(format!("/api/v1/roles/{}", r.id), RoleView::from(r)))
}

#[utoipa::path(get, path = "/roles/{id}", tag = "roles", responses((status = 200, body = RoleView), (status = 404)))]
pub async fn show_role(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    let r = access::get_role(&state.db, &actor, parse_id(&id)?).await?;
    Ok(Tagged::of(RoleView::from(r)))
}

#[utoipa::path(patch, path = "/roles/{id}", tag = "roles", request_body = RolePatchInput,
    responses((status = 200, body = RoleView), (status = 412), (status = 422)))]
pub async fn update_role(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<RolePatchInput>,
) -> Result<impl IntoResponse> {
    let patch = RolePatch::parse(
        input.name.as_deref(),
        input.description,
        input.permissions.as_deref(),
        input.data_scope.as_deref(),
    )?;
    let r = access::update_role(&state.db, &actor, parse_id(&id)?, version, patch).await?;
    Ok(Tagged::of(RoleView::from(r)))
}

#[utoipa::path(delete, path = "/roles/{id}", tag = "roles", responses((status = 204), (status = 409)))]
pub async fn delete_role(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    access::delete_role(&state.db, &actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- users --------------------------------------------------------------------------------

#[utoipa::path(get, path = "/users", tag = "users", responses((status = 200, body = Vec<User>)))]
pub async fn list_users(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ListQuery(req): ListQuery,
    format: ListFormat,
) -> Result<ListResponse<User>> {
    let (db, actor) = (&state.db, &actor);
    let fetch = |r: ListRequest| async move { access::list_users(db, actor, &r).await };
    ListResponse::of(actor, Module::Users, "users", req, format, fetch).await
}

#[utoipa::path(post, path = "/users", tag = "users", request_body = UserInput,
    responses((status = 201, body = User), (status = 409), (status = 422)))]
pub async fn create_user(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<UserInput>,
) -> Result<impl IntoResponse> {
    let u = access::create_user(&state.db, &actor, input).await?;
    Ok(Created::at(format!("/api/v1/users/{}", u.id), u))
}

#[utoipa::path(get, path = "/users/{id}", tag = "users", responses((status = 200, body = User), (status = 404)))]
pub async fn show_user(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<impl IntoResponse> {
    let u = access::get_user(&state.db, &actor, parse_id(&id)?).await?;
    Ok(Tagged::of(u))
}

#[utoipa::path(patch, path = "/users/{id}", tag = "users", request_body = UserPatchInput,
    responses((status = 200, body = User), (status = 412), (status = 422)))]
pub async fn update_user(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(input): ApiJson<UserPatchInput>,
) -> Result<impl IntoResponse> {
    let patch = crm_core::access::UserPatch::parse(input)?;
    let u = access::update_user(&state.db, &actor, parse_id(&id)?, version, patch).await?;
    Ok(Tagged::of(u))
}

/// Ends every session and API token of the user.
#[utoipa::path(delete, path = "/users/{id}/sessions", tag = "users", responses((status = 204), (status = 404)))]
pub async fn revoke_sessions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    access::revoke_sessions(&state.db, &actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Users who have not signed in for the configured number of days (ACL-6).
#[utoipa::path(get, path = "/users/inactive", tag = "users", responses((status = 200, body = Vec<User>)))]
pub async fn inactive_users(State(state): State<AppState>, ApiActor(actor): ApiActor) -> Result<impl IntoResponse> {
    let users = access::inactive_users(&state.db, &actor, &state.access).await?;
    Ok(axum::Json(crm_core::listing::Page { items: users, next_cursor: None, total: None }))
}

// ---- audit --------------------------------------------------------------------------------

#[utoipa::path(get, path = "/audit-log", tag = "audit", responses((status = 200, body = Vec<AuditEntry>)))]
pub async fn list_audit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ListQuery(req): ListQuery,
    format: ListFormat,
) -> Result<ListResponse<AuditEntry>> {
    let (db, actor) = (&state.db, &actor);
    let fetch = |r: ListRequest| async move { access::list_audit(db, actor, &r).await };
    ListResponse::of(actor, Module::Audit, "audit-log", req, format, fetch).await
}
