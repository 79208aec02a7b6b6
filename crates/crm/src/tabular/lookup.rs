//! What import rows and options name in words — a division, a user, a product, a dictionary
//! entry — turned into ids, each list read once per import through its use case.

use std::collections::HashMap;

use indicatif::ProgressBar;
use uuid::Uuid;

use crm_core::access::{AccessStore, Actor};
use crm_core::base_data::actions as base_data;
use crm_core::listing::ListRequest;
use crm_core::{Error, FieldError};
use crm_store::Db;

use super::export::every_page;

/// A division by its name; `field` names the option or column in the error.
pub async fn division_named(db: &Db, field: &str, name: &str) -> Result<Uuid, Error> {
    match db.division_by_name(name.trim()).await? {
        Some(division) => Ok(division.id),
        None => Err(Error::Invalid(vec![FieldError::with_param(field, "unknown_division", name.trim())])),
    }
}

/// A user by user name; `field` names the option or column in the error.
pub async fn user_named(db: &Db, field: &str, username: &str) -> Result<Uuid, Error> {
    let username = username.trim().to_ascii_lowercase();
    match db.login_record(&username).await? {
        Some(record) => Ok(record.user_id),
        None => Err(Error::Invalid(vec![FieldError::with_param(field, "unknown_user", username)])),
    }
}

/// Ids by name; a name that several records share is ambiguous.
#[derive(Debug, Default)]
struct Names(HashMap<String, Vec<Uuid>>);

impl Names {
    fn add(&mut self, name: String, id: Uuid) {
        self.0.entry(name).or_default().push(id);
    }

    fn get(&self, name: &str) -> Option<&[Uuid]> {
        self.0.get(name).map(Vec::as_slice)
    }
}

/// Products by name and model.
#[derive(Debug, Default)]
pub struct Products {
    by_name_and_model: HashMap<(String, String), Uuid>,
    by_name: Names,
}

impl Products {
    pub async fn load(db: &Db, actor: &Actor) -> Result<Self, Error> {
        let fetch = |r: ListRequest| async move { base_data::list_products(db, actor, &r).await };
        let mut index = Self::default();
        for p in every_page(ListRequest::first("name", 1), fetch, &ProgressBar::hidden()).await? {
            index.by_name_and_model.insert((p.name.clone(), p.model.clone().unwrap_or_default()), p.id);
            index.by_name.add(p.name, p.id);
        }
        Ok(index)
    }

    /// The product a row names; without a model, the only product of that name (or the one
    /// without a model).
    pub fn find(&self, field: &str, name: &str, model: Option<&str>, errors: &mut Vec<FieldError>) -> Option<Uuid> {
        let (name, model) = (name.trim(), model.map_or("", str::trim));
        if name.is_empty() {
            errors.push(FieldError::new(field, "required"));
            return None;
        }
        if let Some(id) = self.by_name_and_model.get(&(name.to_string(), model.to_string())) {
            return Some(*id);
        }
        match self.by_name.get(name) {
            Some([only]) if model.is_empty() => Some(*only),
            Some([_, _, ..]) if model.is_empty() => {
                errors.push(FieldError::new(field, "ambiguous_product"));
                None
            }
            _ => {
                errors.push(FieldError::with_param(field, "unknown_product", format!("{name} {model}").trim()));
                None
            }
        }
    }
}

/// Enabled dictionary entries of one kind by label (`客户等级` → 大客户 → its id).
#[derive(Debug, Default)]
pub struct Labels(Names);

impl Labels {
    pub async fn load(db: &Db, actor: &Actor, kind: &str) -> Result<Self, Error> {
        let fetch = |r: ListRequest| async move { base_data::list_dictionary_entries(db, actor, &r).await };
        let req = ListRequest {
            filters: vec![("kind".into(), kind.into()), ("enabled".into(), "true".into())],
            ..ListRequest::first("position", 1)
        };
        let mut labels = Names::default();
        for entry in every_page(req, fetch, &ProgressBar::hidden()).await? {
            labels.add(entry.label, entry.id);
        }
        Ok(Self(labels))
    }

    /// The entry a cell names; blank is none.
    pub fn find(&self, field: &str, label: &str, errors: &mut Vec<FieldError>) -> Option<Uuid> {
        let label = label.trim();
        if label.is_empty() {
            return None;
        }
        match self.0.get(label) {
            Some([only]) => Some(*only),
            Some(_) => {
                errors.push(FieldError::with_param(field, "ambiguous_label", label));
                None
            }
            None => {
                errors.push(FieldError::with_param(field, "unknown_label", label));
                None
            }
        }
    }
}
