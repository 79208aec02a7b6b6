//! Use cases of the access module, called alike from the API, the web pages and the CLI.

use chrono::{Duration, Utc};
use uuid::Uuid;

use super::users::UserInput;
use super::{
    Action, Actor, AuditEntry, AuditStamp, DataScope, Division, DivisionPatch, Grant, Module, NewDivision, NewRole,
    NewSession, NewUser, Role, RolePatch, SessionKind, User, UserPatch, hash_token, new_token, password,
};
use crate::error::{Error, FieldError};
use crate::listing::{ListRequest, Page};
use crate::store::Store;

/// Tunable rules of sign-in, from the configuration.
#[derive(Debug, Clone)]
pub struct AccessSettings {
    pub session_hours: i64,
    pub max_login_failures: i64,
    pub login_failure_window_minutes: i64,
    pub inactive_after_days: i64,
}

impl Default for AccessSettings {
    fn default() -> Self {
        Self { session_hours: 12, max_login_failures: 5, login_failure_window_minutes: 15, inactive_after_days: 14 }
    }
}

const CLIENT_LIMIT_FACTOR: i64 = 10;

/// A signed-in session: the secret token (shown once) and, for the web, its CSRF token.
#[derive(Debug, Clone)]
pub struct Login {
    pub token: String,
    pub csrf_token: Option<String>,
    pub user: User,
}

/// Checks a password and opens a session (ACL-4, ACL-7). Failures are counted per
/// username and per client address; past the limit every attempt is refused for a while.
pub async fn login<S: Store>(
    store: &S,
    settings: &AccessSettings,
    username: &str,
    password_text: &str,
    client: &str,
    kind: SessionKind,
) -> Result<Login, Error> {
    let now = Utc::now();
    let username = username.trim().to_ascii_lowercase();
    let keys = [format!("user:{username}"), format!("client:{client}")];
    // Many people may share one address (an office NAT, a reverse proxy), so an address
    // gets more attempts than a single user name.
    let limits = [settings.max_login_failures, settings.max_login_failures * CLIENT_LIMIT_FACTOR];
    let since = now - Duration::minutes(settings.login_failure_window_minutes);
    for (key, limit) in keys.iter().zip(limits) {
        if store.count_login_failures(key, since).await? >= limit {
            return Err(Error::RateLimited);
        }
    }
    let record = store.login_record(&username).await?;
    let hash = record.as_ref().map_or(password::decoy_hash(), |r| r.password_hash.as_str());
    let password_ok = password::verify(password_text, hash);
    let Some(record) = record.filter(|_| password_ok) else {
        for key in &keys {
            store.record_login_failure(key, now).await?;
        }
        return Err(Error::Unauthenticated);
    };
    if record.frozen {
        return Err(Error::Frozen);
    }
    store.clear_login_failures(&keys[0]).await?;
    store.record_login(record.user_id, now).await?;
    let token = new_token();
    let csrf_token = (kind == SessionKind::Web).then(new_token);
    store
        .create_session(&NewSession {
            token_hash: hash_token(&token),
            kind,
            user_id: Some(record.user_id),
            csrf_token: csrf_token.clone(),
            expires_at: now + Duration::hours(settings.session_hours),
        })
        .await?;
    let user = store.get_user(&crate::access::Scope::everything(), record.user_id).await?;
    Ok(Login { token, csrf_token, user })
}

pub async fn logout<S: Store>(store: &S, token: &str) -> Result<(), Error> {
    store.revoke_session(&hash_token(token), Utc::now()).await?;
    Ok(())
}

/// The actor behind a session token, with its CSRF token for web sessions.
/// Frozen users, revoked and expired sessions are refused.
pub async fn authenticate<S: Store>(store: &S, token: &str) -> Result<(Actor, Option<String>), Error> {
    let session = store.find_session(&hash_token(token), Utc::now()).await?.ok_or(Error::Unauthenticated)?;
    let user = match (session.kind, session.user) {
        (SessionKind::Web | SessionKind::Api, Some(user)) => user,
        _ => return Err(Error::Unauthenticated),
    };
    if user.frozen {
        return Err(Error::Frozen);
    }
    Ok((actor_of(user, &session.grants), session.csrf_token))
}

/// Effective rights of a user, with their roles read from the store.
pub async fn actor_for<S: Store>(store: &S, user: User) -> Result<Actor, Error> {
    let grants: Vec<Grant> = store.roles_by_codes(&user.roles).await?.into_iter().map(Role::into_grant).collect();
    Ok(actor_of(user, &grants))
}

/// Effective rights of a user: the union of their roles' permissions and the widest data scope.
fn actor_of(user: User, grants: &[Grant]) -> Actor {
    Actor {
        user_id: Some(user.id),
        permissions: grants.iter().flat_map(|g| g.permissions.iter().copied()).collect(),
        data_scope: grants.iter().map(|g| g.data_scope).max().unwrap_or(DataScope::Own),
        role_codes: user.roles,
        username: user.username,
        division_ids: user.division_ids,
        locale: user.locale,
        time_zone: user.time_zone,
    }
}

/// Issues the one-time link for creating the first administrator, if there are no users yet.
pub async fn issue_setup_token<S: Store>(store: &S) -> Result<Option<String>, Error> {
    if store.count_users().await? > 0 {
        return Ok(None);
    }
    let token = new_token();
    store
        .create_session(&NewSession {
            token_hash: hash_token(&token),
            kind: SessionKind::Setup,
            user_id: None,
            csrf_token: None,
            expires_at: Utc::now() + Duration::hours(24),
        })
        .await?;
    Ok(Some(token))
}

pub async fn setup_token_valid<S: Store>(store: &S, token: &str) -> Result<bool, Error> {
    let session = store.find_session(&hash_token(token), Utc::now()).await?;
    Ok(session.is_some_and(|s| s.kind == SessionKind::Setup) && store.count_users().await? == 0)
}

/// Creates the first administrator through the setup link (no fixed default password).
pub async fn create_first_admin<S: Store>(store: &S, token: &str, mut input: UserInput) -> Result<User, Error> {
    input.roles = vec!["admin".into()];
    let new = NewUser::parse(input)?;
    let stamp = AuditStamp::of(&Actor::system());
    store.create_first_admin(&hash_token(token), &new, &stamp).await.map_err(|e| match Error::from(e) {
        Error::NotFound => Error::Unauthenticated,
        other => other,
    })
}

// ---- divisions -------------------------------------------------------------------------

pub async fn list_divisions<S: Store>(store: &S, actor: &Actor, req: &ListRequest) -> Result<Page<Division>, Error> {
    actor.require(Module::Divisions, Action::View)?;
    Ok(store.list_divisions(&actor.division_scope(), req).await?)
}

pub async fn get_division<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<Division, Error> {
    actor.require(Module::Divisions, Action::View)?;
    Ok(store.get_division(&actor.division_scope(), id).await?)
}

pub async fn create_division<S: Store>(store: &S, actor: &Actor, new: NewDivision) -> Result<Division, Error> {
    actor.require(Module::Divisions, Action::Create)?;
    Ok(store.create_division(&new, &AuditStamp::of(actor)).await?)
}

pub async fn update_division<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    patch: DivisionPatch,
) -> Result<Division, Error> {
    actor.require(Module::Divisions, Action::Edit)?;
    Ok(store.update_division(&actor.division_scope(), id, version, &patch, &AuditStamp::of(actor)).await?)
}

pub async fn delete_division<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<(), Error> {
    actor.require(Module::Divisions, Action::Delete)?;
    Ok(store.delete_division(&actor.division_scope(), id, &AuditStamp::of(actor)).await?)
}

// ---- roles -----------------------------------------------------------------------------

pub async fn list_roles<S: Store>(store: &S, actor: &Actor, req: &ListRequest) -> Result<Page<Role>, Error> {
    actor.require(Module::Roles, Action::View)?;
    Ok(store.list_roles(req).await?)
}

pub async fn get_role<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<Role, Error> {
    actor.require(Module::Roles, Action::View)?;
    Ok(store.get_role(id).await?)
}

pub async fn create_role<S: Store>(store: &S, actor: &Actor, new: NewRole) -> Result<Role, Error> {
    actor.require(Module::Roles, Action::Create)?;
    Ok(store.create_role(&new, &AuditStamp::of(actor)).await?)
}

pub async fn update_role<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    patch: RolePatch,
) -> Result<Role, Error> {
    actor.require(Module::Roles, Action::Edit)?;
    Ok(store.update_role(id, version, &patch, &AuditStamp::of(actor)).await?)
}

pub async fn delete_role<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<(), Error> {
    actor.require(Module::Roles, Action::Delete)?;
    Ok(store.delete_role(id, &AuditStamp::of(actor)).await?)
}

// ---- users -----------------------------------------------------------------------------

/// Checks that the roles exist and that whoever grants them does not hand out more than
/// they may: those who edit roles may grant any role (they could change the role itself);
/// others — a division administrator — only roles that reach no further than their own
/// data scope and carry no administrative right they lack themselves, in their own divisions.
async fn check_grants<S: Store>(
    store: &S,
    actor: &Actor,
    roles: Option<&[String]>,
    division_ids: Option<&[Uuid]>,
) -> Result<(), Error> {
    let mut errors = Vec::new();
    if let Some(codes) = roles {
        let found = store.roles_by_codes(codes).await?;
        let grants_anything = actor.can(Module::Roles, Action::Edit);
        for code in codes {
            match found.iter().find(|r| &r.code == code) {
                None => errors.push(FieldError::with_param("roles", "unknown_role", code)),
                Some(role) if !grants_anything && exceeds(actor, role) => {
                    errors.push(FieldError::with_param("roles", "role_exceeds_your_rights", code))
                }
                Some(_) => {}
            }
        }
    }
    if let Some(ids) = division_ids {
        let scope = actor.division_scope();
        for id in ids {
            if store.get_division(&scope, *id).await.is_err() {
                errors.push(FieldError::with_param("division_ids", "unknown_division", id));
            }
        }
        if scope.divisions.is_some() && ids.is_empty() {
            errors.push(FieldError::new("division_ids", "required"));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(Error::Invalid(errors)) }
}

/// Whether a role reaches further than the actor: a wider data scope, or an administrative
/// right the actor does not hold.
fn exceeds(actor: &Actor, role: &Role) -> bool {
    const ADMINISTRATIVE: [Module; 4] = [Module::Users, Module::Roles, Module::Divisions, Module::Audit];
    role.data_scope > actor.data_scope
        || role.permissions.iter().any(|p| ADMINISTRATIVE.contains(&p.module) && !actor.permissions.contains(p))
}

pub async fn list_users<S: Store>(store: &S, actor: &Actor, req: &ListRequest) -> Result<Page<User>, Error> {
    actor.require(Module::Users, Action::View)?;
    Ok(store.list_users(&actor.division_scope(), req).await?)
}

pub async fn get_user<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<User, Error> {
    if actor.user_id != Some(id) {
        actor.require(Module::Users, Action::View)?;
    }
    let scope = if actor.user_id == Some(id) { crate::access::Scope::everything() } else { actor.division_scope() };
    Ok(store.get_user(&scope, id).await?)
}

/// Everything `create_user` checks except the divisions, without writing: lets the command
/// line refuse a user before it creates the divisions named for them.
pub async fn check_new_user<S: Store>(store: &S, actor: &Actor, input: UserInput) -> Result<(), Error> {
    actor.require(Module::Users, Action::Create)?;
    let new = NewUser::parse(input)?;
    check_grants(store, actor, Some(&new.roles), None).await?;
    if store.login_record(new.username.as_str()).await?.is_some() {
        return Err(Error::Conflict { code: "users_username_key".into(), field: Some("username".into()) });
    }
    Ok(())
}

pub async fn create_user<S: Store>(store: &S, actor: &Actor, input: UserInput) -> Result<User, Error> {
    actor.require(Module::Users, Action::Create)?;
    let new = NewUser::parse(input)?;
    check_grants(store, actor, Some(&new.roles), Some(&new.division_ids)).await?;
    Ok(store.create_user(&new, &AuditStamp::of(actor)).await?)
}

pub async fn update_user<S: Store>(
    store: &S,
    actor: &Actor,
    id: Uuid,
    version: Option<i64>,
    patch: UserPatch,
) -> Result<User, Error> {
    actor.require(Module::Users, Action::Edit)?;
    if actor.user_id == Some(id) && patch.frozen == Some(true) {
        return Err(Error::invalid("frozen", "cannot_freeze_yourself"));
    }
    check_grants(store, actor, patch.roles.as_deref(), patch.division_ids.as_deref()).await?;
    let revoke = patch.frozen == Some(true) || patch.password_hash.is_some();
    let user = store.update_user(&actor.division_scope(), id, version, &patch, &AuditStamp::of(actor)).await?;
    if revoke {
        // Freezing takes effect at once (ACL-4): open sessions and tokens stop working.
        store.revoke_user_sessions(id, Utc::now()).await?;
    }
    Ok(user)
}

/// A user's own settings: language, time zone, display name, and the password, which
/// needs the current one. A new password ends every session of the user, this one included.
pub async fn update_own_account<S: Store>(
    store: &S,
    actor: &Actor,
    locale: Option<String>,
    time_zone: Option<String>,
    display_name: Option<String>,
    password_change: Option<(String, String)>,
) -> Result<User, Error> {
    let id = actor.user_id.ok_or(Error::Unauthenticated)?;
    if let Some((current, _)) = &password_change {
        let record = store.login_record(&actor.username).await?.ok_or(Error::Unauthenticated)?;
        if !password::verify(current, &record.password_hash) {
            return Err(Error::invalid("current_password", "wrong_password"));
        }
    }
    let changes_password = password_change.is_some();
    let patch = UserPatch::parse(super::users::UserPatchInput {
        locale,
        time_zone,
        display_name: display_name.map_or(crate::patch::Patch::Keep, crate::patch::Patch::Set),
        password: password_change.map(|(_, new)| new),
        ..Default::default()
    })?;
    let user = store.update_user(&crate::access::Scope::everything(), id, None, &patch, &AuditStamp::of(actor)).await?;
    if changes_password {
        store.revoke_user_sessions(id, Utc::now()).await?;
    }
    Ok(user)
}

/// Ends every session and API token of a user (ACL-7), e.g. after a lost phone.
pub async fn revoke_sessions<S: Store>(store: &S, actor: &Actor, id: Uuid) -> Result<(), Error> {
    actor.require(Module::Users, Action::Edit)?;
    store.get_user(&actor.division_scope(), id).await?;
    store.revoke_user_sessions(id, Utc::now()).await?;
    Ok(())
}

/// Users who have not signed in for the configured number of days (ACL-6).
pub async fn inactive_users<S: Store>(store: &S, actor: &Actor, settings: &AccessSettings) -> Result<Vec<User>, Error> {
    actor.require(Module::Users, Action::View)?;
    let since = Utc::now() - Duration::days(settings.inactive_after_days);
    Ok(store.inactive_users(&actor.division_scope(), since).await?)
}

// ---- audit -----------------------------------------------------------------------------

pub async fn list_audit<S: Store>(store: &S, actor: &Actor, req: &ListRequest) -> Result<Page<AuditEntry>, Error> {
    actor.require(Module::Audit, Action::View)?;
    Ok(store.list_audit(&actor.division_scope(), req).await?)
}
