//! The customer record (客户信息, CUS-1) and what is done to it as a whole: duplicates and
//! merge (CUS-7), assignment and sharing (CUS-8), bulk actions and saved filters (CUS-6),
//! the 360 view (CUS-5).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Attachment, Contact, Interaction, Order};
use crate::access::AuditEntry;
use crate::error::{Error, FieldError, Validator, optional_text, required_text};
use crate::money::{self, parse_optional_non_negative};
use crate::patch::Patch;

code_enum! {
    /// 潜在客户 / 正式客户 / 流失.
    CustomerStatus { Prospect = "prospect", Active = "active", Lost = "lost" }
}

code_enum! {
    /// Company size (企业规模) in the bands of China's SME classification.
    CompanySize { Micro = "micro", Small = "small", Medium = "medium", Large = "large" }
}

code_enum! {
    /// Customer lifecycle stage: 考察期, 形成期, 稳定期, 退化期.
    LifecycleStage { Exploration = "exploration", Formation = "formation", Stability = "stability", Decline = "decline" }
}

/// A linked record as the API shows it: its id and a display label (a dictionary entry's
/// label, a user's display name, a division's name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Ref {
    pub id: Uuid,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Customer {
    pub id: Uuid,
    /// 客户编号, generated from the `customer` number sequence.
    pub number: String,
    pub name: String,
    pub division_id: Uuid,
    pub division: Ref,
    pub owner_id: Option<Uuid>,
    pub owner: Option<Ref>,
    pub status: CustomerStatus,
    pub level_id: Option<Uuid>,
    pub level: Option<Ref>,
    pub region_id: Option<Uuid>,
    pub region: Option<Ref>,
    pub industry_id: Option<Uuid>,
    pub industry: Option<Ref>,
    pub size: Option<CompanySize>,
    pub lifecycle_stage: Option<LifecycleStage>,
    /// 1–5.
    pub satisfaction: Option<i64>,
    /// 1–5.
    pub credit: Option<i64>,
    pub phone: Option<String>,
    pub fax: Option<String>,
    pub website: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub tax_number: Option<String>,
    pub licence_number: Option<String>,
    pub legal_representative: Option<String>,
    /// 注册资金 in 万元 (ten thousand yuan).
    #[serde(serialize_with = "money::serialize_option")]
    #[schema(value_type = Option<String>, example = "500.00")]
    pub registered_capital: Option<i64>,
    #[serde(serialize_with = "money::serialize_option")]
    #[schema(value_type = Option<String>, example = "12800000.00")]
    pub annual_turnover: Option<i64>,
    pub bank: Option<String>,
    pub bank_account: Option<String>,
    pub tags: Vec<String>,
    pub notes: Option<String>,
    /// Date of the latest order that is not cancelled; churn detection reads it.
    pub last_order_date: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

const NAME_MAX: usize = 200;
const PHONE_MAX: usize = 40;
const WEBSITE_MAX: usize = 200;
const ADDRESS_MAX: usize = 300;
const POSTCODE_MAX: usize = 20;
const REGISTRATION_MAX: usize = 40;
const PERSON_MAX: usize = 60;
const BANK_MAX: usize = 100;
const NOTES_MAX: usize = 5000;
const TAG_MAX: usize = 30;
const TAGS_MAX: usize = 20;

fn parse_rating(field: &str, value: i64) -> Result<i64, FieldError> {
    if (1..=5).contains(&value) { Ok(value) } else { Err(FieldError::with_param(field, "out_of_range", "1-5")) }
}

/// A tag as stored: trimmed, at most 30 characters.
pub fn parse_tag(field: &str, value: &str) -> Result<String, FieldError> {
    required_text(field, value, TAG_MAX)
}

/// Tags trimmed, sorted, without blanks and repeats (the order they are stored and shown in).
fn parse_tags(values: &[String]) -> Result<Vec<String>, FieldError> {
    let mut tags =
        values.iter().filter(|v| !v.trim().is_empty()).map(|v| parse_tag("tags", v)).collect::<Result<Vec<_>, _>>()?;
    tags.sort();
    tags.dedup();
    if tags.len() > TAGS_MAX {
        return Err(FieldError::with_param("tags", "too_many", TAGS_MAX));
    }
    Ok(tags)
}

/// The optional text fields of a customer with their limits, in one table for create and update.
const TEXT_FIELDS: [(&str, usize); 12] = [
    ("phone", PHONE_MAX),
    ("fax", PHONE_MAX),
    ("website", WEBSITE_MAX),
    ("address", ADDRESS_MAX),
    ("postcode", POSTCODE_MAX),
    ("tax_number", REGISTRATION_MAX),
    ("licence_number", REGISTRATION_MAX),
    ("legal_representative", PERSON_MAX),
    ("bank", BANK_MAX),
    ("bank_account", REGISTRATION_MAX),
    ("notes", NOTES_MAX),
    ("name", NAME_MAX),
];

fn max_of(field: &str) -> usize {
    TEXT_FIELDS.iter().find(|(f, _)| *f == field).map_or(NAME_MAX, |(_, m)| *m)
}

fn text(v: &mut Validator, field: &str, value: Option<&str>) -> Option<Option<String>> {
    v.check(optional_text(field, value.unwrap_or(""), max_of(field)))
}

fn text_patch(v: &mut Validator, field: &str, patch: Patch<String>) -> Patch<String> {
    v.patch(patch, |t| optional_text(field, t, max_of(field)))
}

/// Raw input for a new customer, as forms, JSON and imports give it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    #[serde(default)]
    pub name: String,
    /// Defaults to the creator's division when they have exactly one.
    pub division_id: Option<Uuid>,
    /// Defaults to the creator; someone else only with `customers.assign`.
    pub owner_id: Option<Uuid>,
    /// `prospect` (default), `active`, `lost`.
    pub status: Option<String>,
    pub level_id: Option<Uuid>,
    pub region_id: Option<Uuid>,
    pub industry_id: Option<Uuid>,
    /// `micro`, `small`, `medium`, `large`.
    pub size: Option<String>,
    /// `exploration`, `formation`, `stability`, `decline`.
    pub lifecycle_stage: Option<String>,
    pub satisfaction: Option<i64>,
    pub credit: Option<i64>,
    pub phone: Option<String>,
    pub fax: Option<String>,
    pub website: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub tax_number: Option<String>,
    pub licence_number: Option<String>,
    pub legal_representative: Option<String>,
    /// A decimal string, 万元.
    pub registered_capital: Option<String>,
    /// A decimal string.
    pub annual_turnover: Option<String>,
    pub bank: Option<String>,
    pub bank_account: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomer {
    pub name: String,
    pub division_id: Uuid,
    pub owner_id: Option<Uuid>,
    pub status: CustomerStatus,
    pub level_id: Option<Uuid>,
    pub region_id: Option<Uuid>,
    pub industry_id: Option<Uuid>,
    pub size: Option<CompanySize>,
    pub lifecycle_stage: Option<LifecycleStage>,
    pub satisfaction: Option<i64>,
    pub credit: Option<i64>,
    pub phone: Option<String>,
    pub fax: Option<String>,
    pub website: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub tax_number: Option<String>,
    pub licence_number: Option<String>,
    pub legal_representative: Option<String>,
    pub registered_capital: Option<i64>,
    pub annual_turnover: Option<i64>,
    pub bank: Option<String>,
    pub bank_account: Option<String>,
    pub tags: Vec<String>,
    pub notes: Option<String>,
}

impl NewCustomer {
    /// `default_division` is the creator's only division, `default_owner` the creator.
    pub fn parse(
        input: CustomerInput,
        default_division: Option<Uuid>,
        default_owner: Option<Uuid>,
    ) -> Result<Self, Error> {
        let mut v = Validator::default();
        let name = v.check(required_text("name", &input.name, NAME_MAX));
        let division_id =
            v.check(input.division_id.or(default_division).ok_or_else(|| FieldError::new("division_id", "required")));
        let status = v
            .check(CustomerStatus::parse_optional("status", input.status.as_deref().unwrap_or("")))
            .map(|s| s.unwrap_or(CustomerStatus::Prospect));
        let size = v.check(CompanySize::parse_optional("size", input.size.as_deref().unwrap_or("")));
        let lifecycle_stage =
            v.check(LifecycleStage::parse_optional("lifecycle_stage", input.lifecycle_stage.as_deref().unwrap_or("")));
        let satisfaction = input.satisfaction.map(|s| v.check(parse_rating("satisfaction", s)));
        let credit = input.credit.map(|c| v.check(parse_rating("credit", c)));
        let phone = text(&mut v, "phone", input.phone.as_deref());
        let fax = text(&mut v, "fax", input.fax.as_deref());
        let website = text(&mut v, "website", input.website.as_deref());
        let address = text(&mut v, "address", input.address.as_deref());
        let postcode = text(&mut v, "postcode", input.postcode.as_deref());
        let tax_number = text(&mut v, "tax_number", input.tax_number.as_deref());
        let licence_number = text(&mut v, "licence_number", input.licence_number.as_deref());
        let legal_representative = text(&mut v, "legal_representative", input.legal_representative.as_deref());
        let registered_capital = v.check(parse_optional_non_negative(
            "registered_capital",
            input.registered_capital.as_deref().unwrap_or(""),
        ));
        let annual_turnover =
            v.check(parse_optional_non_negative("annual_turnover", input.annual_turnover.as_deref().unwrap_or("")));
        let bank = text(&mut v, "bank", input.bank.as_deref());
        let bank_account = text(&mut v, "bank_account", input.bank_account.as_deref());
        let tags = v.check(parse_tags(&input.tags));
        let notes = text(&mut v, "notes", input.notes.as_deref());
        v.finish()?;
        let invalid = || Error::invalid("customer", "invalid");
        Ok(Self {
            name: name.ok_or_else(invalid)?,
            division_id: division_id.ok_or_else(invalid)?,
            owner_id: input.owner_id.or(default_owner),
            status: status.ok_or_else(invalid)?,
            level_id: input.level_id,
            region_id: input.region_id,
            industry_id: input.industry_id,
            size: size.ok_or_else(invalid)?,
            lifecycle_stage: lifecycle_stage.ok_or_else(invalid)?,
            satisfaction: satisfaction.flatten(),
            credit: credit.flatten(),
            phone: phone.ok_or_else(invalid)?,
            fax: fax.ok_or_else(invalid)?,
            website: website.ok_or_else(invalid)?,
            address: address.ok_or_else(invalid)?,
            postcode: postcode.ok_or_else(invalid)?,
            tax_number: tax_number.ok_or_else(invalid)?,
            licence_number: licence_number.ok_or_else(invalid)?,
            legal_representative: legal_representative.ok_or_else(invalid)?,
            registered_capital: registered_capital.ok_or_else(invalid)?,
            annual_turnover: annual_turnover.ok_or_else(invalid)?,
            bank: bank.ok_or_else(invalid)?,
            bank_account: bank_account.ok_or_else(invalid)?,
            tags: tags.ok_or_else(invalid)?,
            notes: notes.ok_or_else(invalid)?,
        })
    }

    /// What a duplicate check compares.
    pub fn probe(&self) -> DuplicateProbe {
        DuplicateProbe {
            name: Some(self.name.clone()),
            phone: self.phone.clone(),
            tax_number: self.tax_number.clone(),
            licence_number: self.licence_number.clone(),
        }
    }
}

/// Raw input for a customer update: absent keeps a field, `null` clears an optional one.
/// Owner and division change through `assign` (CUS-8) and are not part of an edit.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerPatchInput {
    pub name: Option<String>,
    pub status: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub level_id: Patch<Uuid>,
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub region_id: Patch<Uuid>,
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub industry_id: Patch<Uuid>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub size: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub lifecycle_stage: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub satisfaction: Patch<i64>,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub credit: Patch<i64>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub phone: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub fax: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub website: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub address: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub postcode: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub tax_number: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub licence_number: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub legal_representative: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub registered_capital: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub annual_turnover: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub bank: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub bank_account: Patch<String>,
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub notes: Patch<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerPatch {
    pub name: Option<String>,
    pub status: Option<CustomerStatus>,
    pub level_id: Patch<Uuid>,
    pub region_id: Patch<Uuid>,
    pub industry_id: Patch<Uuid>,
    pub size: Patch<CompanySize>,
    pub lifecycle_stage: Patch<LifecycleStage>,
    pub satisfaction: Patch<i64>,
    pub credit: Patch<i64>,
    pub phone: Patch<String>,
    pub fax: Patch<String>,
    pub website: Patch<String>,
    pub address: Patch<String>,
    pub postcode: Patch<String>,
    pub tax_number: Patch<String>,
    pub licence_number: Patch<String>,
    pub legal_representative: Patch<String>,
    pub registered_capital: Patch<i64>,
    pub annual_turnover: Patch<i64>,
    pub bank: Patch<String>,
    pub bank_account: Patch<String>,
    pub tags: Option<Vec<String>>,
    pub notes: Patch<String>,
}

fn rating_patch(v: &mut Validator, field: &str, patch: Patch<i64>) -> Patch<i64> {
    match patch {
        Patch::Set(r) => v.check(parse_rating(field, r)).map_or(Patch::Keep, Patch::Set),
        other => other,
    }
}

impl CustomerPatch {
    pub fn parse(input: CustomerPatchInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let name = input.name.and_then(|n| v.check(required_text("name", &n, NAME_MAX)));
        let status = input.status.and_then(|s| v.check(CustomerStatus::parse("status", &s)));
        let size = v.patch(input.size, |s| CompanySize::parse_optional("size", s));
        let lifecycle_stage = v.patch(input.lifecycle_stage, |s| LifecycleStage::parse_optional("lifecycle_stage", s));
        let satisfaction = rating_patch(&mut v, "satisfaction", input.satisfaction);
        let credit = rating_patch(&mut v, "credit", input.credit);
        let patch = Self {
            name,
            status,
            level_id: input.level_id,
            region_id: input.region_id,
            industry_id: input.industry_id,
            size,
            lifecycle_stage,
            satisfaction,
            credit,
            phone: text_patch(&mut v, "phone", input.phone),
            fax: text_patch(&mut v, "fax", input.fax),
            website: text_patch(&mut v, "website", input.website),
            address: text_patch(&mut v, "address", input.address),
            postcode: text_patch(&mut v, "postcode", input.postcode),
            tax_number: text_patch(&mut v, "tax_number", input.tax_number),
            licence_number: text_patch(&mut v, "licence_number", input.licence_number),
            legal_representative: text_patch(&mut v, "legal_representative", input.legal_representative),
            registered_capital: v
                .patch(input.registered_capital, |t| parse_optional_non_negative("registered_capital", t)),
            annual_turnover: v.patch(input.annual_turnover, |t| parse_optional_non_negative("annual_turnover", t)),
            bank: text_patch(&mut v, "bank", input.bank),
            bank_account: text_patch(&mut v, "bank_account", input.bank_account),
            tags: input.tags.and_then(|t| v.check(parse_tags(&t))),
            notes: text_patch(&mut v, "notes", input.notes),
        };
        v.finish()?;
        Ok(patch)
    }

    /// The customer after the patch. Labels of changed references are left for the store to
    /// read back; here they are dropped rather than left stale.
    pub fn apply(&self, c: &Customer, at: DateTime<Utc>) -> Customer {
        let reference = |patch: &Patch<Uuid>, id: Option<Uuid>, label: &Option<Ref>| {
            let new = patch.clone().apply(id);
            (new, if new == id { label.clone() } else { None })
        };
        let (level_id, level) = reference(&self.level_id, c.level_id, &c.level);
        let (region_id, region) = reference(&self.region_id, c.region_id, &c.region);
        let (industry_id, industry) = reference(&self.industry_id, c.industry_id, &c.industry);
        Customer {
            name: self.name.clone().unwrap_or_else(|| c.name.clone()),
            status: self.status.unwrap_or(c.status),
            level_id,
            level,
            region_id,
            region,
            industry_id,
            industry,
            size: self.size.clone().apply(c.size),
            lifecycle_stage: self.lifecycle_stage.clone().apply(c.lifecycle_stage),
            satisfaction: self.satisfaction.clone().apply(c.satisfaction),
            credit: self.credit.clone().apply(c.credit),
            phone: self.phone.clone().apply(c.phone.clone()),
            fax: self.fax.clone().apply(c.fax.clone()),
            website: self.website.clone().apply(c.website.clone()),
            address: self.address.clone().apply(c.address.clone()),
            postcode: self.postcode.clone().apply(c.postcode.clone()),
            tax_number: self.tax_number.clone().apply(c.tax_number.clone()),
            licence_number: self.licence_number.clone().apply(c.licence_number.clone()),
            legal_representative: self.legal_representative.clone().apply(c.legal_representative.clone()),
            registered_capital: self.registered_capital.clone().apply(c.registered_capital),
            annual_turnover: self.annual_turnover.clone().apply(c.annual_turnover),
            bank: self.bank.clone().apply(c.bank.clone()),
            bank_account: self.bank_account.clone().apply(c.bank_account.clone()),
            tags: self.tags.clone().unwrap_or_else(|| c.tags.clone()),
            notes: self.notes.clone().apply(c.notes.clone()),
            updated_at: at,
            version: c.version + 1,
            ..c.clone()
        }
    }
}

// ---- duplicates and merge (CUS-7) ---------------------------------------------------------

/// The identifying fields a duplicate check compares; `None` is not compared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DuplicateProbe {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub tax_number: Option<String>,
    pub licence_number: Option<String>,
}

/// A visible customer that resembles a new one (撞单).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Duplicate {
    pub id: Uuid,
    pub number: String,
    pub name: String,
    /// The first field that matched, in the order `name`, `phone`, `tax_number`, `licence_number`.
    pub matched_on: String,
    /// Every field that matched.
    pub matched_fields: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeInput {
    /// The customer that is merged into this one and then removed.
    pub from_id: Option<Uuid>,
}

// ---- assignment and sharing (CUS-8) -------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentInput {
    pub owner_id: Option<Uuid>,
    pub note: Option<String>,
}

const NOTE_MAX: usize = 500;

impl AssignmentInput {
    pub fn parse(self) -> Result<(Uuid, Option<String>), Error> {
        let mut v = Validator::default();
        let owner = v.check(self.owner_id.ok_or_else(|| FieldError::new("owner_id", "required")));
        let note = v.check(optional_text("note", self.note.as_deref().unwrap_or(""), NOTE_MAX));
        v.finish()?;
        match (owner, note) {
            (Some(owner), Some(note)) => Ok((owner, note)),
            _ => Err(Error::invalid("assignment", "invalid")),
        }
    }
}

/// One change of a customer's owner; the history is kept for good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Assignment {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub from_owner: Option<Ref>,
    pub to_owner: Option<Ref>,
    pub note: Option<String>,
    pub assigned_by_id: Option<Uuid>,
    pub assigned_by_name: String,
    pub assigned_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareInput {
    pub user_id: Option<Uuid>,
}

/// A user a customer is shared with: they see it as if they owned it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Share {
    pub customer_id: Uuid,
    pub user: Ref,
    pub shared_by_name: String,
    pub shared_at: DateTime<Utc>,
}

// ---- bulk actions and saved filters (CUS-6) -----------------------------------------------

/// `{"action": "assign", "ids": [...], "owner_id": ..., "note": ...}` or
/// `{"action": "add_tag" | "remove_tag", "ids": [...], "tag": "..."}`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkInput {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub ids: Vec<Uuid>,
    pub owner_id: Option<Uuid>,
    pub tag: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkAction {
    Assign { owner_id: Uuid, note: Option<String> },
    AddTag(String),
    RemoveTag(String),
}

const BULK_MAX: usize = 1000;

impl BulkInput {
    pub fn parse(self) -> Result<(BulkAction, Vec<Uuid>), Error> {
        let mut v = Validator::default();
        let mut ids = self.ids;
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            v.push(FieldError::new("ids", "required"));
        } else if ids.len() > BULK_MAX {
            v.push(FieldError::with_param("ids", "too_many", BULK_MAX));
        }
        let tag = |v: &mut Validator| v.check(parse_tag("tag", self.tag.as_deref().unwrap_or("")));
        let action = match self.action.as_str() {
            "assign" => {
                let owner = v.check(self.owner_id.ok_or_else(|| FieldError::new("owner_id", "required")));
                let note = v.check(optional_text("note", self.note.as_deref().unwrap_or(""), NOTE_MAX));
                owner.zip(note).map(|(owner_id, note)| BulkAction::Assign { owner_id, note })
            }
            "add_tag" => tag(&mut v).map(BulkAction::AddTag),
            "remove_tag" => tag(&mut v).map(BulkAction::RemoveTag),
            _ => {
                v.push(FieldError::with_param("action", "invalid_choice", "assign,add_tag,remove_tag"));
                None
            }
        };
        v.finish()?;
        action.map(|a| (a, ids)).ok_or_else(|| Error::invalid("action", "invalid"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct BulkResult {
    pub updated: u64,
}

/// A list query a user saved under a name, e.g. `level_id=…&status=active`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SavedFilter {
    pub id: Uuid,
    pub name: String,
    /// The query string of the customer list, without the leading `?`.
    pub query: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SavedFilterInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub query: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSavedFilter {
    pub user_id: Uuid,
    pub name: String,
    pub query: String,
}

impl NewSavedFilter {
    pub fn parse(input: SavedFilterInput, user_id: Uuid) -> Result<Self, Error> {
        let mut v = Validator::default();
        let name = v.check(required_text("name", &input.name, 60));
        let query = v.check(optional_text("query", input.query.trim_start_matches('?'), 2000));
        v.finish()?;
        match (name, query) {
            (Some(name), Some(query)) => Ok(Self { user_id, name, query: query.unwrap_or_default() }),
            _ => Err(Error::invalid("saved_filter", "invalid")),
        }
    }
}

// ---- reads that span records --------------------------------------------------------------

/// `GET /search`: customers and contacts whose text matches.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchResults {
    pub customers: Vec<Customer>,
    pub contacts: Vec<Contact>,
}

/// The customers and contacts a phone number belongs to (INT-6).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PhoneLookup {
    /// The number as looked up: its national digits.
    pub number: String,
    pub customers: Vec<Customer>,
    pub contacts: Vec<Contact>,
}

/// One section of the 360 view: its newest items, the cursor of the next page, and the list
/// that pages it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Section<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
    pub href: String,
}

/// The customer 360 view (CUS-5).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Overview {
    pub customer: Customer,
    pub contacts: Section<Contact>,
    pub interactions: Section<Interaction>,
    pub orders: Section<Order>,
    pub attachments: Section<Attachment>,
    pub assignments: Section<Assignment>,
    pub audit: Section<AuditEntry>,
}

/// A customer as one flat row of a CSV export: labels instead of linked ids, tags joined.
#[derive(Debug, Clone, Serialize)]
pub struct CustomerExportRow {
    pub id: Uuid,
    pub number: String,
    pub name: String,
    pub division: String,
    pub owner: Option<String>,
    pub status: &'static str,
    pub level: Option<String>,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub size: Option<&'static str>,
    pub lifecycle_stage: Option<&'static str>,
    pub satisfaction: Option<i64>,
    pub credit: Option<i64>,
    pub phone: Option<String>,
    pub fax: Option<String>,
    pub website: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub tax_number: Option<String>,
    pub licence_number: Option<String>,
    pub legal_representative: Option<String>,
    pub registered_capital: Option<String>,
    pub annual_turnover: Option<String>,
    pub bank: Option<String>,
    pub bank_account: Option<String>,
    pub tags: String,
    pub notes: Option<String>,
    pub last_order_date: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Customer> for CustomerExportRow {
    fn from(c: Customer) -> Self {
        let label = |r: Option<Ref>| r.map(|r| r.label);
        Self {
            id: c.id,
            number: c.number,
            name: c.name,
            division: c.division.label,
            owner: label(c.owner),
            status: c.status.code(),
            level: label(c.level),
            region: label(c.region),
            industry: label(c.industry),
            size: c.size.map(CompanySize::code),
            lifecycle_stage: c.lifecycle_stage.map(LifecycleStage::code),
            satisfaction: c.satisfaction,
            credit: c.credit,
            phone: c.phone,
            fax: c.fax,
            website: c.website,
            address: c.address,
            postcode: c.postcode,
            tax_number: c.tax_number,
            licence_number: c.licence_number,
            legal_representative: c.legal_representative,
            registered_capital: c.registered_capital.map(money::format_units),
            annual_turnover: c.annual_turnover.map(money::format_units),
            bank: c.bank,
            bank_account: c.bank_account,
            tags: c.tags.join(";"),
            notes: c.notes,
            last_order_date: c.last_order_date,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> CustomerInput {
        CustomerInput { name: " 北京华为 ".into(), ..Default::default() }
    }

    #[test]
    fn a_customer_defaults_to_a_prospect_of_the_creators_division_owned_by_the_creator() {
        let (division, owner) = (Uuid::now_v7(), Uuid::now_v7());
        let c = NewCustomer::parse(input(), Some(division), Some(owner)).unwrap();
        assert_eq!((c.name.as_str(), c.division_id, c.owner_id), ("北京华为", division, Some(owner)));
        assert_eq!(c.status, CustomerStatus::Prospect);
        let Err(Error::Invalid(errs)) = NewCustomer::parse(input(), None, Some(owner)) else { panic!("invalid") };
        assert_eq!(errs[0].field, "division_id");
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let bad = CustomerInput {
            name: " ".into(),
            status: Some("vip".into()),
            satisfaction: Some(6),
            credit: Some(0),
            registered_capital: Some("-5".into()),
            annual_turnover: Some("1.23456".into()),
            size: Some("huge".into()),
            tags: vec!["标".repeat(31)],
            ..Default::default()
        };
        let Err(Error::Invalid(errs)) = NewCustomer::parse(bad, Some(Uuid::now_v7()), None) else { panic!("invalid") };
        let fields: Vec<_> = errs.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert_eq!(
            fields,
            [
                ("name", "required"),
                ("status", "invalid_choice"),
                ("size", "invalid_choice"),
                ("satisfaction", "out_of_range"),
                ("credit", "out_of_range"),
                ("registered_capital", "negative"),
                ("annual_turnover", "out_of_range"),
                ("tags", "too_long"),
            ]
        );
    }

    #[test]
    fn tags_are_trimmed_and_repeats_dropped() {
        let with_tags =
            CustomerInput { tags: vec![" VIP ".into(), "VIP".into(), "".into(), "华东".into()], ..input() };
        let c = NewCustomer::parse(with_tags, Some(Uuid::now_v7()), None).unwrap();
        assert_eq!(c.tags, ["VIP", "华东"]);
    }

    #[test]
    fn a_patch_clears_with_null_and_checks_ratings() {
        let p = CustomerPatch::parse(CustomerPatchInput {
            phone: Patch::Clear,
            satisfaction: Patch::Set(4),
            annual_turnover: Patch::Set("12800.5".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            (p.phone, p.satisfaction, p.annual_turnover),
            (Patch::Clear, Patch::Set(4), Patch::Set(128_005_000))
        );
        let Err(Error::Invalid(errs)) =
            CustomerPatch::parse(CustomerPatchInput { credit: Patch::Set(9), ..Default::default() })
        else {
            panic!("invalid")
        };
        assert_eq!(errs[0].field, "credit");
    }

    #[test]
    fn bulk_input_needs_ids_and_what_the_action_needs() {
        let Err(Error::Invalid(errs)) = BulkInput { action: "assign".into(), ..Default::default() }.parse() else {
            panic!("invalid")
        };
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["ids", "owner_id"]);
        let id = Uuid::now_v7();
        let (action, ids) =
            BulkInput {
                action: "add_tag".into(), ids: vec![id, id], tag: Some(" 重点 ".into()), ..Default::default()
            }
            .parse()
            .unwrap();
        assert_eq!((action, ids), (BulkAction::AddTag("重点".into()), vec![id]));
    }
}
