//! What import rows and options name in words — a division, a user, a product, a dictionary
//! entry — turned into ids, each list read once per import through its use case.

use std::collections::HashMap;

use indicatif::ProgressBar;
use uuid::Uuid;

use crm_core::access::{AccessStore, Actor};
use crm_core::base_data::DictionaryEntry;
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

/// The enabled dictionary entries of one kind, in their order.
pub(crate) async fn enabled_entries(db: &Db, actor: &Actor, kind: &str) -> Result<Vec<DictionaryEntry>, Error> {
    let fetch = |r: ListRequest| async move { base_data::list_dictionary_entries(db, actor, &r).await };
    let req = ListRequest {
        filters: vec![("kind".into(), kind.into()), ("enabled".into(), "true".into())],
        ..ListRequest::first("position", 1)
    };
    every_page(req, fetch, &ProgressBar::hidden()).await
}

/// Enabled dictionary entries of one kind by label (`客户等级` → 大客户 → its id).
#[derive(Debug, Default)]
pub struct Labels(Names);

impl Labels {
    pub async fn load(db: &Db, actor: &Actor, kind: &str) -> Result<Self, Error> {
        let mut labels = Names::default();
        for entry in enabled_entries(db, actor, kind).await? {
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

/// Regions by label: a province (广东省) or a city (深圳市). Files often give the short name
/// (广东, 深圳, 内蒙, 广西), which stands for the one region whose label adds only a suffix
/// (省, 市, …自治区, 特别行政区). A municipality is both a province and a city of the same
/// name (北京市), and a short name can be a province and a city (吉林): a province wins then,
/// as short area names in Chinese lists name provinces.
#[derive(Debug, Default)]
pub struct Regions {
    /// (label, id, is a province), in dictionary order.
    entries: Vec<(String, Uuid, bool)>,
}

impl Regions {
    pub async fn load(db: &Db, actor: &Actor) -> Result<Self, Error> {
        let entries = enabled_entries(db, actor, "region").await?;
        Ok(Self { entries: entries.into_iter().map(|e| (e.label, e.id, e.parent_id.is_none())).collect() })
    }

    /// The region a cell names; blank is none.
    pub fn find(&self, field: &str, cell: &str, errors: &mut Vec<FieldError>) -> Option<Uuid> {
        let cell = cell.trim();
        if cell.is_empty() {
            return None;
        }
        let exact: Vec<_> = self.entries.iter().filter(|(label, ..)| label == cell).collect();
        let found = if exact.is_empty() {
            self.entries.iter().filter(|(label, ..)| label.strip_prefix(cell).is_some_and(is_region_suffix)).collect()
        } else {
            exact
        };
        let provinces: Vec<_> = found.iter().filter(|(_, _, province)| *province).collect();
        match (found.as_slice(), provinces.as_slice()) {
            ([(_, id, _)], _) | (_, [(_, id, _)]) => Some(*id),
            ([], _) => {
                errors.push(FieldError::with_param(field, "unknown_label", cell));
                None
            }
            _ => {
                errors.push(FieldError::with_param(field, "ambiguous_label", cell));
                None
            }
        }
    }
}

/// What a region's full label adds to its short name.
fn is_region_suffix(rest: &str) -> bool {
    matches!(rest, "省" | "市" | "特别行政区") || (rest.ends_with("自治区") && rest.chars().count() <= 6)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regions() -> (Regions, [Uuid; 7]) {
        let ids = [(); 7].map(|_| Uuid::now_v7());
        let labels = [("北京市", true), ("北京市", false), ("吉林省", true), ("吉林市", false), ("内蒙古自治区", true)];
        let mut entries: Vec<_> = labels.iter().zip(ids).map(|((l, p), id)| (l.to_string(), id, *p)).collect();
        entries.push(("朝阳市".into(), ids[5], false));
        entries.push(("朝阳市".into(), ids[6], false));
        (Regions { entries }, ids)
    }

    #[test]
    fn a_region_is_found_by_its_label_or_short_name_and_a_province_wins() {
        let (regions, ids) = regions();
        let mut errors = Vec::new();
        assert_eq!(regions.find("region", " 北京市 ", &mut errors), Some(ids[0]));
        assert_eq!(regions.find("region", "北京", &mut errors), Some(ids[0]));
        assert_eq!(regions.find("region", "吉林", &mut errors), Some(ids[2]));
        assert_eq!(regions.find("region", "吉林市", &mut errors), Some(ids[3]));
        assert_eq!(regions.find("region", "内蒙", &mut errors), Some(ids[4]));
        assert_eq!(regions.find("region", "", &mut errors), None);
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn an_unknown_or_ambiguous_region_is_a_row_error() {
        let (regions, _) = regions();
        let mut errors = Vec::new();
        assert_eq!(regions.find("region", "火星", &mut errors), None);
        assert_eq!(regions.find("region", "朝阳", &mut errors), None);
        assert_eq!(regions.find("region", "北", &mut errors), None);
        let codes: Vec<_> = errors.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["unknown_label", "ambiguous_label", "unknown_label"]);
    }
}
