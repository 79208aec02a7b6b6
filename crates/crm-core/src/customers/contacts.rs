//! Contacts (联系人, CUS-2): people at a customer, one of them primary, with a reports-to
//! hierarchy that forms the customer's organisation chart.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{Error, FieldError, Validator, optional_date, optional_text, required_text};
use crate::patch::Patch;

code_enum! {
    Gender { Male = "male", Female = "female" }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Contact {
    pub id: Uuid,
    pub customer_id: Uuid,
    /// The customer's name, for lists, search results and vCards.
    pub customer_name: String,
    pub name: String,
    pub gender: Option<Gender>,
    /// Title or position (职务).
    pub title: Option<String>,
    /// Office phone.
    pub phone: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub birthday: Option<NaiveDate>,
    /// Another contact of the same customer.
    pub reports_to_id: Option<Uuid>,
    /// The customer's primary contact; at most one per customer.
    pub primary: bool,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

const NAME_MAX: usize = 60;
const TITLE_MAX: usize = 60;
const PHONE_MAX: usize = 40;
const EMAIL_MAX: usize = 200;
const NOTES_MAX: usize = 2000;

fn parse_email(value: &str) -> Result<Option<String>, FieldError> {
    let email = optional_text("email", value, EMAIL_MAX)?;
    match &email {
        Some(e) => match e.split_once('@') {
            Some((local, domain)) if !local.is_empty() && domain.contains('.') && !e.contains(char::is_whitespace) => {
                Ok(email)
            }
            _ => Err(FieldError::new("email", "invalid_email")),
        },
        None => Ok(None),
    }
}

fn parse_birthday(value: &str) -> Result<Option<NaiveDate>, FieldError> {
    let date = optional_date("birthday", value)?;
    if date.is_some_and(|d| d > Utc::now().date_naive()) {
        return Err(FieldError::new("birthday", "in_the_future"));
    }
    Ok(date)
}

/// Raw input for a new contact.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    pub customer_id: Option<Uuid>,
    #[serde(default)]
    pub name: String,
    /// `male` or `female`.
    pub gender: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
    /// `YYYY-MM-DD`.
    pub birthday: Option<String>,
    pub reports_to_id: Option<Uuid>,
    pub primary: Option<bool>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContact {
    pub customer_id: Uuid,
    pub name: String,
    pub gender: Option<Gender>,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub birthday: Option<NaiveDate>,
    pub reports_to_id: Option<Uuid>,
    pub primary: bool,
    pub notes: Option<String>,
}

impl NewContact {
    pub fn parse(input: ContactInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let customer_id = v.check(input.customer_id.ok_or_else(|| FieldError::new("customer_id", "required")));
        let name = v.check(required_text("name", &input.name, NAME_MAX));
        let gender = v.check(Gender::parse_optional("gender", input.gender.as_deref().unwrap_or("")));
        let title = v.check(optional_text("title", input.title.as_deref().unwrap_or(""), TITLE_MAX));
        let phone = v.check(optional_text("phone", input.phone.as_deref().unwrap_or(""), PHONE_MAX));
        let mobile = v.check(optional_text("mobile", input.mobile.as_deref().unwrap_or(""), PHONE_MAX));
        let email = v.check(parse_email(input.email.as_deref().unwrap_or("")));
        let birthday = v.check(parse_birthday(input.birthday.as_deref().unwrap_or("")));
        let notes = v.check(optional_text("notes", input.notes.as_deref().unwrap_or(""), NOTES_MAX));
        v.finish()?;
        let invalid = || Error::invalid("contact", "invalid");
        Ok(Self {
            customer_id: customer_id.ok_or_else(invalid)?,
            name: name.ok_or_else(invalid)?,
            gender: gender.ok_or_else(invalid)?,
            title: title.ok_or_else(invalid)?,
            phone: phone.ok_or_else(invalid)?,
            mobile: mobile.ok_or_else(invalid)?,
            email: email.ok_or_else(invalid)?,
            birthday: birthday.ok_or_else(invalid)?,
            reports_to_id: input.reports_to_id,
            primary: input.primary.unwrap_or(false),
            notes: notes.ok_or_else(invalid)?,
        })
    }
}

/// Raw input for a contact update; the customer cannot change (merge moves contacts).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPatchInput {
    pub name: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub gender: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub title: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub phone: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub mobile: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub email: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub birthday: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub reports_to_id: Patch<Uuid>,
    pub primary: Option<bool>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub notes: Patch<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactPatch {
    pub name: Option<String>,
    pub gender: Patch<Gender>,
    pub title: Patch<String>,
    pub phone: Patch<String>,
    pub mobile: Patch<String>,
    pub email: Patch<String>,
    pub birthday: Patch<NaiveDate>,
    pub reports_to_id: Patch<Uuid>,
    pub primary: Option<bool>,
    pub notes: Patch<String>,
}

impl ContactPatch {
    pub fn parse(input: ContactPatchInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let patch = Self {
            name: input.name.and_then(|n| v.check(required_text("name", &n, NAME_MAX))),
            gender: v.patch(input.gender, |g| Gender::parse_optional("gender", g)),
            title: v.patch(input.title, |t| optional_text("title", t, TITLE_MAX)),
            phone: v.patch(input.phone, |p| optional_text("phone", p, PHONE_MAX)),
            mobile: v.patch(input.mobile, |m| optional_text("mobile", m, PHONE_MAX)),
            email: v.patch(input.email, parse_email),
            birthday: v.patch(input.birthday, parse_birthday),
            reports_to_id: input.reports_to_id,
            primary: input.primary,
            notes: v.patch(input.notes, |n| optional_text("notes", n, NOTES_MAX)),
        };
        v.finish()?;
        Ok(patch)
    }

    pub fn apply(&self, c: &Contact, at: DateTime<Utc>) -> Contact {
        Contact {
            name: self.name.clone().unwrap_or_else(|| c.name.clone()),
            gender: self.gender.clone().apply(c.gender),
            title: self.title.clone().apply(c.title.clone()),
            phone: self.phone.clone().apply(c.phone.clone()),
            mobile: self.mobile.clone().apply(c.mobile.clone()),
            email: self.email.clone().apply(c.email.clone()),
            birthday: self.birthday.clone().apply(c.birthday),
            reports_to_id: self.reports_to_id.clone().apply(c.reports_to_id),
            primary: self.primary.unwrap_or(c.primary),
            notes: self.notes.clone().apply(c.notes.clone()),
            updated_at: at,
            version: c.version + 1,
            ..c.clone()
        }
    }
}

/// Checks that `contact_id` (`None` for a new contact) may report to `manager_id`: a contact
/// of the same customer (`colleagues`), not itself, and not someone who reports to it.
pub fn check_reports_to(colleagues: &[Contact], contact_id: Option<Uuid>, manager_id: Uuid) -> Result<(), FieldError> {
    if !colleagues.iter().any(|c| c.id == manager_id) {
        return Err(FieldError::new("reports_to_id", "not_found"));
    }
    // Walking up from the new manager and meeting the contact itself would close a loop.
    let mut current = Some(manager_id);
    for _ in 0..=colleagues.len() {
        let Some(id) = current else { break };
        if Some(id) == contact_id {
            return Err(FieldError::new("reports_to_id", "reports_to_cycle"));
        }
        current = colleagues.iter().find(|c| c.id == id).and_then(|c| c.reports_to_id);
    }
    Ok(())
}

/// A node of a customer's organisation chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OrgNode {
    pub contact: Contact,
    #[schema(no_recursion)]
    pub reports: Vec<OrgNode>,
}

/// The contacts of one customer as trees by `reports_to_id`, primary contact and then names
/// first. Contacts whose manager is missing are roots; a cycle (only possible by editing the
/// database behind the product's back) is broken rather than looped over.
pub fn org_chart(mut contacts: Vec<Contact>) -> Vec<OrgNode> {
    contacts.sort_by(|a, b| b.primary.cmp(&a.primary).then_with(|| a.name.cmp(&b.name)).then(a.id.cmp(&b.id)));
    let ids: HashSet<Uuid> = contacts.iter().map(|c| c.id).collect();
    let mut children: BTreeMap<Uuid, Vec<Contact>> = BTreeMap::new();
    let mut roots = Vec::new();
    for c in contacts {
        match c.reports_to_id.filter(|m| ids.contains(m) && *m != c.id) {
            Some(manager) => children.entry(manager).or_default().push(c),
            None => roots.push(c),
        }
    }
    fn build(contact: Contact, children: &mut BTreeMap<Uuid, Vec<Contact>>) -> OrgNode {
        let reports = children.remove(&contact.id).unwrap_or_default();
        OrgNode { reports: reports.into_iter().map(|c| build(c, children)).collect(), contact }
    }
    let mut chart: Vec<OrgNode> = roots.into_iter().map(|c| build(c, &mut children)).collect();
    // Whatever is left sits on a cycle: show it from an arbitrary member.
    while let Some(&first) = children.keys().next() {
        let mut stuck = children.remove(&first).unwrap_or_default();
        if let Some(c) = stuck.pop() {
            if !stuck.is_empty() {
                children.insert(first, stuck);
            }
            chart.push(build(c, &mut children));
        }
    }
    chart
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(name: &str, reports_to: Option<Uuid>) -> Contact {
        let now = Utc::now();
        Contact {
            id: Uuid::now_v7(),
            customer_id: Uuid::nil(),
            customer_name: "华为".into(),
            name: name.into(),
            gender: None,
            title: None,
            phone: None,
            mobile: None,
            email: None,
            birthday: None,
            reports_to_id: reports_to,
            primary: false,
            notes: None,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    #[test]
    fn bad_contact_fields_are_named() {
        let input = ContactInput {
            name: "".into(),
            email: Some("zhang@".into()),
            birthday: Some("1980-13-01".into()),
            gender: Some("m".into()),
            ..Default::default()
        };
        let Err(Error::Invalid(errs)) = NewContact::parse(input) else { panic!("invalid") };
        let fields: Vec<_> = errs.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert_eq!(
            fields,
            [
                ("customer_id", "required"),
                ("name", "required"),
                ("gender", "invalid_choice"),
                ("email", "invalid_email"),
                ("birthday", "invalid_date")
            ]
        );
    }

    #[test]
    fn reporting_lines_stay_within_the_customer_and_never_loop() {
        let boss = contact("老板", None);
        let manager = contact("经理", Some(boss.id));
        let clerk = contact("职员", Some(manager.id));
        let all = vec![boss.clone(), manager.clone(), clerk.clone()];
        assert!(check_reports_to(&all, None, clerk.id).is_ok());
        assert!(check_reports_to(&all, Some(clerk.id), boss.id).is_ok());
        assert_eq!(check_reports_to(&all, Some(boss.id), clerk.id).unwrap_err().code, "reports_to_cycle");
        assert_eq!(check_reports_to(&all, Some(boss.id), boss.id).unwrap_err().code, "reports_to_cycle");
        assert_eq!(check_reports_to(&all, Some(manager.id), clerk.id).unwrap_err().code, "reports_to_cycle");
        assert_eq!(check_reports_to(&all, None, Uuid::now_v7()).unwrap_err().code, "not_found");
    }

    #[test]
    fn the_org_chart_is_a_tree_by_reporting_line() {
        let boss = contact("老板", None);
        let a = contact("甲", Some(boss.id));
        let b = contact("乙", Some(a.id));
        let stray = contact("丙", Some(Uuid::now_v7()));
        let chart = org_chart(vec![b.clone(), stray.clone(), a.clone(), boss.clone()]);
        let roots: Vec<_> = chart.iter().map(|n| n.contact.name.as_str()).collect();
        assert_eq!(roots, ["丙", "老板"]);
        assert_eq!(chart[1].reports[0].contact.id, a.id);
        assert_eq!(chart[1].reports[0].reports[0].contact.id, b.id);
    }

    #[test]
    fn a_cycle_in_stored_data_still_shows_every_contact_once() {
        let mut a = contact("甲", None);
        let b = contact("乙", Some(a.id));
        a.reports_to_id = Some(b.id);
        let chart = org_chart(vec![a, b]);
        fn count(nodes: &[OrgNode]) -> usize {
            nodes.iter().map(|n| 1 + count(&n.reports)).sum()
        }
        assert_eq!(count(&chart), 2);
    }
}
