use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Validator, optional_text, required_text};
use crate::patch::Patch;

/// A business unit (版块, ACL-2). Every business record belongs to exactly one.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Division {
    pub id: Uuid,
    pub name: String,
    pub code: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(Debug, Clone)]
pub struct NewDivision {
    pub name: String,
    pub code: Option<String>,
}

impl NewDivision {
    pub fn parse(name: &str, code: &str) -> Result<Self, Error> {
        let mut v = Validator::default();
        let name = v.check(required_text("name", name, 60));
        let code = v.check(optional_text("code", code, 20));
        v.finish()?;
        Ok(Self { name: name.unwrap_or_default(), code: code.flatten() })
    }
}

#[derive(Debug, Clone, Default)]
pub struct DivisionPatch {
    pub name: Option<String>,
    pub code: Patch<String>,
}

impl DivisionPatch {
    pub fn parse(name: Option<&str>, code: Patch<String>) -> Result<Self, Error> {
        let mut v = Validator::default();
        let name = name.and_then(|n| v.check(required_text("name", n, 60)));
        let code = v.patch(code, |c| optional_text("code", c, 20));
        v.finish()?;
        Ok(Self { name, code })
    }
}
