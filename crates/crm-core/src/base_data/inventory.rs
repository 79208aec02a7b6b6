//! Stock (库存, SAL-6): quantities of a product by warehouse and location. Stock rows belong
//! to a division and are read through the actor's division scope.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{Error, FieldError, Validator, optional_text, required_text};
use crate::money::{self, parse_non_negative, parse_optional_non_negative};
use crate::patch::Patch;

const WAREHOUSE_MAX: usize = 60;
const LOCATION_MAX: usize = 60;
const NOTES_MAX: usize = 500;

/// One stock row: a product at a warehouse location, unique per division.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct InventoryItem {
    pub id: Uuid,
    pub product_id: Uuid,
    pub product_name: String,
    pub division_id: Uuid,
    pub warehouse: String,
    pub location: Option<String>,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String, example = "120.00")]
    pub quantity: i64,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// Raw input for a new stock row.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InventoryInput {
    #[serde(default)]
    pub product_id: Option<Uuid>,
    /// Defaults to the actor's division when they have exactly one.
    #[serde(default)]
    pub division_id: Option<Uuid>,
    #[serde(default)]
    pub warehouse: String,
    #[serde(default)]
    pub location: Option<String>,
    /// A decimal string; defaults to `"0"`.
    #[serde(default)]
    pub quantity: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInventoryItem {
    pub product_id: Uuid,
    pub division_id: Uuid,
    pub warehouse: String,
    pub location: Option<String>,
    pub quantity: i64,
    pub notes: Option<String>,
}

impl NewInventoryItem {
    /// `default_division` is the actor's only division, if they have exactly one.
    pub fn parse(input: InventoryInput, default_division: Option<Uuid>) -> Result<Self, Error> {
        let mut v = Validator::default();
        let product_id = v.check(input.product_id.ok_or_else(|| FieldError::new("product_id", "required")));
        let division_id =
            v.check(input.division_id.or(default_division).ok_or_else(|| FieldError::new("division_id", "required")));
        let warehouse = v.check(required_text("warehouse", &input.warehouse, WAREHOUSE_MAX));
        let location = v.check(optional_text("location", input.location.as_deref().unwrap_or(""), LOCATION_MAX));
        let quantity = v
            .check(parse_optional_non_negative("quantity", input.quantity.as_deref().unwrap_or("")))
            .map(|q| q.unwrap_or(0));
        let notes = v.check(optional_text("notes", input.notes.as_deref().unwrap_or(""), NOTES_MAX));
        v.finish()?;
        let (Some(product_id), Some(division_id), Some(warehouse), Some(location), Some(quantity), Some(notes)) =
            (product_id, division_id, warehouse, location, quantity, notes)
        else {
            return Err(Error::invalid("inventory", "invalid"));
        };
        Ok(Self { product_id, division_id, warehouse, location, quantity, notes })
    }

    /// What makes a stock row unique: division, product, warehouse and location (none is blank).
    pub fn key(&self) -> (Uuid, Uuid, String, String) {
        (self.division_id, self.product_id, self.warehouse.clone(), self.location.clone().unwrap_or_default())
    }
}

/// Raw input for a stock update. Product and division are fixed: moving stock to another
/// division is a separate, explicit action (ACL-2).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InventoryPatchInput {
    pub warehouse: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub location: Patch<String>,
    pub quantity: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub notes: Patch<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InventoryPatch {
    pub warehouse: Option<String>,
    pub location: Patch<String>,
    pub quantity: Option<i64>,
    pub notes: Patch<String>,
}

impl InventoryPatch {
    pub fn parse(input: InventoryPatchInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let warehouse = input.warehouse.and_then(|w| v.check(required_text("warehouse", &w, WAREHOUSE_MAX)));
        let location = v.patch(input.location, |l| optional_text("location", l, LOCATION_MAX));
        let quantity = input.quantity.and_then(|q| v.check(parse_non_negative("quantity", &q)));
        let notes = v.patch(input.notes, |n| optional_text("notes", n, NOTES_MAX));
        v.finish()?;
        Ok(Self { warehouse, location, quantity, notes })
    }

    pub fn apply(&self, item: &InventoryItem, at: DateTime<Utc>) -> InventoryItem {
        InventoryItem {
            warehouse: self.warehouse.clone().unwrap_or_else(|| item.warehouse.clone()),
            location: self.location.clone().apply(item.location.clone()),
            quantity: self.quantity.unwrap_or(item.quantity),
            notes: self.notes.clone().apply(item.notes.clone()),
            updated_at: at,
            version: item.version + 1,
            ..item.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_division_defaults_to_the_actors_only_one_and_is_required_otherwise() {
        let division = Uuid::now_v7();
        let input =
            InventoryInput { product_id: Some(Uuid::now_v7()), warehouse: "上海仓".into(), ..Default::default() };
        let item = NewInventoryItem::parse(input.clone(), Some(division)).unwrap();
        assert_eq!((item.division_id, item.quantity, item.location), (division, 0, None));
        let Err(Error::Invalid(errs)) = NewInventoryItem::parse(input, None) else { panic!("expected invalid") };
        assert_eq!(errs[0].field, "division_id");
    }

    #[test]
    fn quantities_are_exact_decimals_and_not_negative() {
        let input = InventoryInput {
            product_id: Some(Uuid::now_v7()),
            division_id: Some(Uuid::now_v7()),
            warehouse: "北京仓".into(),
            quantity: Some("2.5".into()),
            ..Default::default()
        };
        assert_eq!(NewInventoryItem::parse(input.clone(), None).unwrap().quantity, 25_000);
        let negative = InventoryInput { quantity: Some("-1".into()), ..input };
        let Err(Error::Invalid(errs)) = NewInventoryItem::parse(negative, None) else { panic!("expected invalid") };
        assert_eq!((errs[0].field.as_str(), errs[0].code.as_str()), ("quantity", "negative"));
    }
}
