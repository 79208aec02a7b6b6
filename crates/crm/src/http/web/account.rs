//! "My account": the signed-in user's language, time zone, display name and password.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use crm_core::Error;
use crm_core::access::User;
use crm_core::access::actions as access;

use super::forms::{FormState, Posted};
use super::layout::{self, Choice, Layout};
use super::session::{SESSION_COOKIE, WebUser, passwords_match, set_cookie};
use super::{LANG_COOKIE, TIME_ZONES, locales};
use crate::http::AppState;
use crate::http::error::AppError;
use crate::i18n::Lang;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    l: Layout,
    user: User,
    settings: FormState,
    password: FormState,
    locales: Vec<Choice>,
    time_zones: &'static [&'static str],
}

fn settings_of(user: &User) -> FormState {
    FormState::new(vec![
        ("display_name".into(), user.display_name.clone().unwrap_or_default()),
        ("locale".into(), user.locale.clone()),
        ("time_zone".into(), user.time_zone.clone()),
    ])
}

async fn own_user(state: &AppState, web: &WebUser) -> Result<User, AppError> {
    let id = web.actor.user_id.ok_or(Error::Unauthenticated)?;
    Ok(access::get_user(&state.db, &web.actor, id).await?)
}

fn page(web: &WebUser, user: User, settings: FormState, password: FormState) -> AccountPage {
    let l = Layout::new(web, "account-title");
    AccountPage { l, user, settings, password, locales: locales(), time_zones: &TIME_ZONES }
}

pub async fn show(State(state): State<AppState>, web: WebUser) -> Result<Response, AppError> {
    let user = own_user(&state, &web).await?;
    let settings = settings_of(&user);
    layout::ok(&page(&web, user, settings, FormState::default()))
}

pub async fn update(State(state): State<AppState>, Posted { user: web, form }: Posted) -> Result<Response, AppError> {
    let locale = form.get("locale").to_string();
    let time_zone = form.get("time_zone").trim().to_string();
    // Blank keeps the current time zone; anything else is checked by the use case.
    let result = access::update_own_account(
        &state.db,
        &web.actor,
        Some(locale.clone()),
        (!time_zone.is_empty()).then_some(time_zone),
        Some(form.get("display_name").to_string()),
        None,
    )
    .await
    .map(|_| ());
    match result {
        Ok(()) => {
            let mut response = layout::see_other("/account", "saved");
            // The page should speak the language just chosen, on this browser too.
            if let Some(lang) = Lang::from_code(&locale) {
                let set = set_cookie(&state, LANG_COOKIE, lang.code(), 365 * 24 * 3600, false);
                response.headers_mut().append(axum::http::header::SET_COOKIE, set);
            }
            Ok(response)
        }
        Err(e) => {
            let settings = FormState::from_form(&form).refused(web.lang, e)?;
            let user = own_user(&state, &web).await?;
            layout::invalid(&page(&web, user, settings, FormState::default()))
        }
    }
}

pub async fn change_password(
    State(state): State<AppState>,
    Posted { user: web, form }: Posted,
) -> Result<Response, AppError> {
    let refused = match passwords_match(web.lang, &form) {
        Err(refused) => refused,
        Ok(()) => {
            let change = (form.get("current_password").to_string(), form.get("password").to_string());
            match access::update_own_account(&state.db, &web.actor, None, None, None, Some(change)).await {
                Ok(_) => {
                    // A new password ends every session, this one included.
                    let clear = set_cookie(&state, SESSION_COOKIE, "", 0, true);
                    let mut response = Redirect::to("/login?flash=password_changed").into_response();
                    response.headers_mut().append(axum::http::header::SET_COOKIE, clear);
                    return Ok(response);
                }
                Err(e) => FormState::from_form(&form).refused(web.lang, e)?,
            }
        }
    };
    let user = own_user(&state, &web).await?;
    let settings = settings_of(&user);
    layout::invalid(&page(&web, user, settings, refused))
}
