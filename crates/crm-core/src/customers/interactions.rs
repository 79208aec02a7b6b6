//! Interactions (交往记录, CUS-3): visits, calls, e-mails, meetings with a customer, and the
//! files attached to them (or to the customer), kept in the database.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::Ref;
use crate::error::{Error, FieldError, Validator, optional_text, required_text, required_time};
use crate::patch::Patch;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Interaction {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub occurred_at: DateTime<Utc>,
    /// A dictionary entry of kind `interaction_kind`.
    pub kind_id: Option<Uuid>,
    pub kind: Option<Ref>,
    pub place: Option<String>,
    pub summary: String,
    pub detail: Option<String>,
    /// A contact of the same customer.
    pub contact_id: Option<Uuid>,
    pub contact: Option<Ref>,
    pub author_id: Option<Uuid>,
    pub author_name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

const PLACE_MAX: usize = 200;
const SUMMARY_MAX: usize = 200;
const DETAIL_MAX: usize = 20_000;

/// Raw input for a new interaction.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InteractionInput {
    pub customer_id: Option<Uuid>,
    /// RFC 3339, e.g. `2026-03-01T14:30:00+08:00`; stored in UTC.
    #[serde(default)]
    pub occurred_at: String,
    pub kind_id: Option<Uuid>,
    pub place: Option<String>,
    #[serde(default)]
    pub summary: String,
    pub detail: Option<String>,
    pub contact_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInteraction {
    pub customer_id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub kind_id: Option<Uuid>,
    pub place: Option<String>,
    pub summary: String,
    pub detail: Option<String>,
    pub contact_id: Option<Uuid>,
}

impl NewInteraction {
    pub fn parse(input: InteractionInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let customer_id = v.check(input.customer_id.ok_or_else(|| FieldError::new("customer_id", "required")));
        let occurred_at = v.check(required_time("occurred_at", &input.occurred_at));
        let place = v.check(optional_text("place", input.place.as_deref().unwrap_or(""), PLACE_MAX));
        let summary = v.check(required_text("summary", &input.summary, SUMMARY_MAX));
        let detail = v.check(optional_text("detail", input.detail.as_deref().unwrap_or(""), DETAIL_MAX));
        v.finish()?;
        let invalid = || Error::invalid("interaction", "invalid");
        Ok(Self {
            customer_id: customer_id.ok_or_else(invalid)?,
            occurred_at: occurred_at.ok_or_else(invalid)?,
            kind_id: input.kind_id,
            place: place.ok_or_else(invalid)?,
            summary: summary.ok_or_else(invalid)?,
            detail: detail.ok_or_else(invalid)?,
            contact_id: input.contact_id,
        })
    }
}

/// Raw input for an interaction update; the customer and author stay.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InteractionPatchInput {
    pub occurred_at: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub kind_id: Patch<Uuid>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub place: Patch<String>,
    pub summary: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub detail: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub contact_id: Patch<Uuid>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InteractionPatch {
    pub occurred_at: Option<DateTime<Utc>>,
    pub kind_id: Patch<Uuid>,
    pub place: Patch<String>,
    pub summary: Option<String>,
    pub detail: Patch<String>,
    pub contact_id: Patch<Uuid>,
}

impl InteractionPatch {
    pub fn parse(input: InteractionPatchInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let patch = Self {
            occurred_at: input.occurred_at.and_then(|t| v.check(required_time("occurred_at", &t))),
            kind_id: input.kind_id,
            place: v.patch(input.place, |p| optional_text("place", p, PLACE_MAX)),
            summary: input.summary.and_then(|s| v.check(required_text("summary", &s, SUMMARY_MAX))),
            detail: v.patch(input.detail, |d| optional_text("detail", d, DETAIL_MAX)),
            contact_id: input.contact_id,
        };
        v.finish()?;
        Ok(patch)
    }

    pub fn apply(&self, i: &Interaction, at: DateTime<Utc>) -> Interaction {
        let kind_id = self.kind_id.clone().apply(i.kind_id);
        let contact_id = self.contact_id.clone().apply(i.contact_id);
        Interaction {
            occurred_at: self.occurred_at.unwrap_or(i.occurred_at),
            kind: if kind_id == i.kind_id { i.kind.clone() } else { None },
            kind_id,
            place: self.place.clone().apply(i.place.clone()),
            summary: self.summary.clone().unwrap_or_else(|| i.summary.clone()),
            detail: self.detail.clone().apply(i.detail.clone()),
            contact: if contact_id == i.contact_id { i.contact.clone() } else { None },
            contact_id,
            updated_at: at,
            version: i.version + 1,
            ..i.clone()
        }
    }
}

// ---- attachments --------------------------------------------------------------------------

/// Attachments larger than this are refused.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

/// A stored file's description; its bytes are fetched separately.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Attachment {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub interaction_id: Option<Uuid>,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_by_id: Option<Uuid>,
    pub uploaded_by_name: String,
    pub created_at: DateTime<Utc>,
}

/// A file with its bytes, for download.
#[derive(Debug, Clone)]
pub struct AttachmentContent {
    pub attachment: Attachment,
    pub data: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub customer_id: Uuid,
    pub interaction_id: Option<Uuid>,
    pub file_name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

const FILE_NAME_MAX: usize = 200;

/// Types guessed from the file name when the client sends none (or only octet-stream).
const TYPES_BY_EXTENSION: [(&str, &str); 16] = [
    ("pdf", "application/pdf"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("txt", "text/plain; charset=utf-8"),
    ("csv", "text/csv; charset=utf-8"),
    ("doc", "application/msword"),
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("xls", "application/vnd.ms-excel"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("ppt", "application/vnd.ms-powerpoint"),
    ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("zip", "application/zip"),
    ("eml", "message/rfc822"),
];
const OCTET_STREAM: &str = "application/octet-stream";

/// The last path segment of a client's file name, without control characters.
fn parse_file_name(value: &str) -> Result<String, FieldError> {
    let base = value.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base.chars().filter(|c| !c.is_control()).collect();
    required_text("file_name", &clean, FILE_NAME_MAX)
}

/// A media type such as `application/pdf`, with parameters; anything odd becomes octet-stream
/// rather than an error, since the browser's guess is no reason to refuse a file.
fn parse_content_type(value: Option<&str>, file_name: &str) -> String {
    let token = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "!#$&^_.+-".contains(c));
    let given = value.map(|v| v.trim().to_ascii_lowercase()).filter(|v| {
        let essence = v.split(';').next().unwrap_or_default().trim();
        v.len() <= 100 && v.is_ascii() && essence.split_once('/').is_some_and(|(t, s)| token(t) && token(s))
    });
    match given {
        Some(t) if !t.starts_with(OCTET_STREAM) => t,
        _ => {
            let ext = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
            TYPES_BY_EXTENSION.iter().find(|(e, _)| *e == ext).map_or(OCTET_STREAM, |(_, t)| t).to_string()
        }
    }
}

impl NewAttachment {
    pub fn parse(
        customer_id: Uuid,
        interaction_id: Option<Uuid>,
        file_name: &str,
        content_type: Option<&str>,
        data: Vec<u8>,
    ) -> Result<Self, Error> {
        let mut v = Validator::default();
        let file_name = v.check(parse_file_name(file_name));
        if data.is_empty() {
            v.push(FieldError::new("file", "required"));
        } else if data.len() > MAX_ATTACHMENT_BYTES {
            v.push(FieldError::with_param("file", "too_large", format!("{} MiB", MAX_ATTACHMENT_BYTES >> 20)));
        }
        v.finish()?;
        let file_name = file_name.ok_or_else(|| Error::invalid("file_name", "required"))?;
        let content_type = parse_content_type(content_type, &file_name);
        Ok(Self { customer_id, interaction_id, file_name, content_type, data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc_3339_and_stored_in_utc() {
        let input = InteractionInput {
            customer_id: Some(Uuid::now_v7()),
            occurred_at: "2026-03-01T14:30:00+08:00".into(),
            summary: "拜访采购部".into(),
            ..Default::default()
        };
        let i = NewInteraction::parse(input).unwrap();
        assert_eq!(i.occurred_at.to_rfc3339(), "2026-03-01T06:30:00+00:00");
        let bad = InteractionInput { occurred_at: "2026-03-01 14:30".into(), ..Default::default() };
        let Err(Error::Invalid(errs)) = NewInteraction::parse(bad) else { panic!("invalid") };
        let fields: Vec<_> = errs.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert_eq!(fields, [("customer_id", "required"), ("occurred_at", "invalid_datetime"), ("summary", "required")]);
    }

    #[test]
    fn file_names_lose_their_folders_and_types_are_guessed_when_missing() {
        let a = NewAttachment::parse(Uuid::nil(), None, "C:\\Users\\王\\报价单.PDF", None, vec![1]).unwrap();
        assert_eq!((a.file_name.as_str(), a.content_type.as_str()), ("报价单.PDF", "application/pdf"));
        let b = NewAttachment::parse(Uuid::nil(), None, "x.bin", Some("Image/PNG"), vec![1]).unwrap();
        assert_eq!(b.content_type, "image/png");
        let c = NewAttachment::parse(Uuid::nil(), None, "x", Some("not a type"), vec![1]).unwrap();
        assert_eq!(c.content_type, OCTET_STREAM);
    }

    #[test]
    fn empty_and_oversized_files_are_refused() {
        let Err(Error::Invalid(errs)) = NewAttachment::parse(Uuid::nil(), None, "a.txt", None, vec![]) else {
            panic!("invalid")
        };
        assert_eq!((errs[0].field.as_str(), errs[0].code.as_str()), ("file", "required"));
        let big = vec![0; MAX_ATTACHMENT_BYTES + 1];
        let Err(Error::Invalid(errs)) = NewAttachment::parse(Uuid::nil(), None, "a.txt", None, big) else {
            panic!("invalid")
        };
        assert_eq!(errs[0].code, "too_large");
    }
}
