use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::password;
use crate::error::{Error, FieldError, Validator, optional_text};
use crate::patch::Patch;

/// A user account as others see it; the password hash never leaves the store.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    /// Role codes.
    pub roles: Vec<String>,
    pub division_ids: Vec<Uuid>,
    pub frozen: bool,
    pub locale: String,
    pub time_zone: String,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// Login names: 3–40 letters, digits, `.`, `_`, `-` (ASCII, so they can be typed anywhere).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let v = value.trim();
        if v.is_empty() {
            return Err(FieldError::new("username", "required"));
        }
        let ok_chars = v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !ok_chars || !(3..=40).contains(&v.len()) {
            return Err(FieldError::new("username", "invalid_username"));
        }
        Ok(Self(v.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub const DEFAULT_LOCALE: &str = "zh-CN";
pub const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";

pub fn parse_locale(value: &str) -> Result<String, FieldError> {
    match value {
        "zh-CN" | "en" => Ok(value.to_string()),
        _ => Err(FieldError::with_param("locale", "invalid_choice", "zh-CN,en")),
    }
}

/// An IANA time-zone name that the tz database knows (`Asia/Shanghai`, `UTC`).
pub fn parse_time_zone(value: &str) -> Result<String, FieldError> {
    let v = value.trim();
    match v.parse::<chrono_tz::Tz>() {
        Ok(_) => Ok(v.to_string()),
        Err(_) => Err(FieldError::new("time_zone", "invalid_time_zone")),
    }
}

fn parse_email(value: &str) -> Result<Option<String>, FieldError> {
    let v = optional_text("email", value, 200)?;
    match &v {
        Some(e) if !(e.contains('@') && !e.starts_with('@') && !e.ends_with('@')) => {
            Err(FieldError::new("email", "invalid_email"))
        }
        _ => Ok(v),
    }
}

/// A user to create; the password is already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: Username,
    pub password_hash: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub roles: Vec<String>,
    pub division_ids: Vec<Uuid>,
    pub locale: String,
    pub time_zone: String,
}

/// Raw input for a new user, as forms, JSON and the CLI give it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub division_ids: Vec<Uuid>,
    #[serde(default)]
    pub locale: Option<String>,
    #[serde(default)]
    pub time_zone: Option<String>,
}

impl NewUser {
    pub fn parse(input: UserInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let username = v.check(Username::parse(&input.username));
        v.check(password::check_strength(&input.password));
        let display_name = v.check(optional_text("display_name", input.display_name.as_deref().unwrap_or(""), 60));
        let email = v.check(parse_email(input.email.as_deref().unwrap_or("")));
        if input.roles.is_empty() {
            v.push(FieldError::new("roles", "required"));
        }
        let locale = v.check(parse_locale(input.locale.as_deref().unwrap_or(DEFAULT_LOCALE)));
        let time_zone = v.check(parse_time_zone(input.time_zone.as_deref().unwrap_or(DEFAULT_TIME_ZONE)));
        v.finish()?;
        let (Some(username), Some(display_name), Some(email), Some(locale), Some(time_zone)) =
            (username, display_name, email, locale, time_zone)
        else {
            return Err(Error::invalid("user", "invalid"));
        };
        Ok(Self {
            username,
            password_hash: password::hash(&input.password)?,
            display_name,
            email,
            roles: input.roles,
            division_ids: input.division_ids,
            locale,
            time_zone,
        })
    }
}

/// Changes to a user; `password_hash` is set by the password-change action only.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub display_name: Patch<String>,
    pub email: Patch<String>,
    pub roles: Option<Vec<String>>,
    pub division_ids: Option<Vec<Uuid>>,
    pub frozen: Option<bool>,
    pub locale: Option<String>,
    pub time_zone: Option<String>,
    pub password_hash: Option<String>,
}

/// Raw input for a user update.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatchInput {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub display_name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub email: Patch<String>,
    pub roles: Option<Vec<String>>,
    pub division_ids: Option<Vec<Uuid>>,
    pub frozen: Option<bool>,
    pub locale: Option<String>,
    pub time_zone: Option<String>,
    /// A new password, set by an administrator.
    pub password: Option<String>,
}

impl UserPatch {
    pub fn parse(input: UserPatchInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let display_name = v.patch(input.display_name, |s| optional_text("display_name", s, 60));
        let email = v.patch(input.email, parse_email);
        if input.roles.as_ref().is_some_and(|r| r.is_empty()) {
            v.push(FieldError::new("roles", "required"));
        }
        let locale = input.locale.and_then(|l| v.check(parse_locale(&l)));
        let time_zone = input.time_zone.and_then(|t| v.check(parse_time_zone(&t)));
        if let Some(p) = &input.password {
            v.check(password::check_strength(p));
        }
        v.finish()?;
        let password_hash = input.password.map(|p| password::hash(&p)).transpose()?;
        Ok(Self {
            display_name,
            email,
            roles: input.roles,
            division_ids: input.division_ids,
            frozen: input.frozen,
            locale,
            time_zone,
            password_hash,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_zones_are_checked_against_the_tz_database() {
        assert_eq!(parse_time_zone(" Asia/Shanghai ").unwrap(), "Asia/Shanghai");
        assert_eq!(parse_time_zone("Asia/Beijing").unwrap_err().code, "invalid_time_zone");
    }

    #[test]
    fn usernames_are_ascii_and_case_folded() {
        assert_eq!(Username::parse(" Zhang.San ").unwrap().as_str(), "zhang.san");
        assert_eq!(Username::parse("张三").unwrap_err().code, "invalid_username");
        assert_eq!(Username::parse("").unwrap_err().code, "required");
    }

    #[test]
    fn a_new_user_reports_every_bad_field_at_once() {
        let input = UserInput { username: "x".into(), password: "short".into(), ..Default::default() };
        let Err(Error::Invalid(errs)) = NewUser::parse(input) else { panic!("expected invalid") };
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["username", "password", "roles"]);
    }
}
