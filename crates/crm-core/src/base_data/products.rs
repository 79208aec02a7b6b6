//! Products and their price list (产品, SAL-6).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{Error, Validator, optional_text, required_text};
use crate::money::{self, parse_currency, parse_non_negative, parse_optional_non_negative};
use crate::patch::Patch;

pub const DEFAULT_CURRENCY: &str = "CNY";

const NAME_MAX: usize = 100;
const MODEL_MAX: usize = 60;
const UNIT_MAX: usize = 20;
const BATCH_MAX: usize = 60;

/// A product; the name and model together are unique.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Product {
    pub id: Uuid,
    pub name: String,
    pub model: Option<String>,
    pub unit: Option<String>,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String, example = "12800.00")]
    pub price: i64,
    #[serde(serialize_with = "money::serialize_option")]
    #[schema(value_type = Option<String>, example = "9000.00")]
    pub cost: Option<i64>,
    pub currency: String,
    pub batch: Option<String>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// Raw input for a new product; amounts are decimal strings.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub unit: Option<String>,
    /// Defaults to `"0.00"`.
    #[serde(default)]
    pub price: Option<String>,
    #[serde(default)]
    pub cost: Option<String>,
    /// Defaults to `CNY`.
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub batch: Option<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProduct {
    pub name: String,
    pub model: Option<String>,
    pub unit: Option<String>,
    pub price: i64,
    pub cost: Option<i64>,
    pub currency: String,
    pub batch: Option<String>,
    pub enabled: bool,
}

impl NewProduct {
    pub fn parse(input: ProductInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let name = v.check(required_text("name", &input.name, NAME_MAX));
        let model = v.check(optional_text("model", input.model.as_deref().unwrap_or(""), MODEL_MAX));
        let unit = v.check(optional_text("unit", input.unit.as_deref().unwrap_or(""), UNIT_MAX));
        // A blank or absent price is a free item, not an error.
        let price =
            v.check(parse_optional_non_negative("price", input.price.as_deref().unwrap_or(""))).map(|p| p.unwrap_or(0));
        let cost = v.check(parse_optional_non_negative("cost", input.cost.as_deref().unwrap_or("")));
        let currency = v.check(parse_currency(input.currency.as_deref().unwrap_or(DEFAULT_CURRENCY)));
        let batch = v.check(optional_text("batch", input.batch.as_deref().unwrap_or(""), BATCH_MAX));
        v.finish()?;
        let (Some(name), Some(model), Some(unit), Some(price), Some(cost), Some(currency), Some(batch)) =
            (name, model, unit, price, cost, currency, batch)
        else {
            return Err(Error::invalid("product", "invalid"));
        };
        Ok(Self { name, model, unit, price, cost, currency, batch, enabled: input.enabled.unwrap_or(true) })
    }

    /// What makes a product unique: its name and model (no model counts as a blank one).
    pub fn key(&self) -> (String, String) {
        (self.name.clone(), self.model.clone().unwrap_or_default())
    }
}

/// Raw input for a product update: absent keeps a field, `null` clears an optional one.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductPatchInput {
    pub name: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub model: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub unit: Patch<String>,
    pub price: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub cost: Patch<String>,
    pub currency: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub batch: Patch<String>,
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductPatch {
    pub name: Option<String>,
    pub model: Patch<String>,
    pub unit: Patch<String>,
    pub price: Option<i64>,
    pub cost: Patch<i64>,
    pub currency: Option<String>,
    pub batch: Patch<String>,
    pub enabled: Option<bool>,
}

impl ProductPatch {
    pub fn parse(input: ProductPatchInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let name = input.name.and_then(|n| v.check(required_text("name", &n, NAME_MAX)));
        let model = v.patch(input.model, |m| optional_text("model", m, MODEL_MAX));
        let unit = v.patch(input.unit, |u| optional_text("unit", u, UNIT_MAX));
        let price = input.price.and_then(|p| v.check(parse_non_negative("price", &p)));
        let cost = v.patch(input.cost, |c| parse_optional_non_negative("cost", c));
        let currency = input.currency.and_then(|c| v.check(parse_currency(&c)));
        let batch = v.patch(input.batch, |b| optional_text("batch", b, BATCH_MAX));
        v.finish()?;
        Ok(Self { name, model, unit, price, cost, currency, batch, enabled: input.enabled })
    }

    pub fn apply(&self, product: &Product, at: DateTime<Utc>) -> Product {
        Product {
            name: self.name.clone().unwrap_or_else(|| product.name.clone()),
            model: self.model.clone().apply(product.model.clone()),
            unit: self.unit.clone().apply(product.unit.clone()),
            price: self.price.unwrap_or(product.price),
            cost: self.cost.clone().apply(product.cost),
            currency: self.currency.clone().unwrap_or_else(|| product.currency.clone()),
            batch: self.batch.clone().apply(product.batch.clone()),
            enabled: self.enabled.unwrap_or(product.enabled),
            updated_at: at,
            version: product.version + 1,
            ..product.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_product_defaults_to_price_zero_in_yuan() {
        let p = NewProduct::parse(ProductInput { name: " 服务器 ".into(), ..Default::default() }).unwrap();
        assert_eq!((p.name.as_str(), p.price, p.currency.as_str(), p.enabled), ("服务器", 0, "CNY", true));
    }

    #[test]
    fn bad_amounts_name_their_fields() {
        let input = ProductInput {
            name: "服务器".into(),
            price: Some("abc".into()),
            cost: Some("-1".into()),
            currency: Some("RMB1".into()),
            ..Default::default()
        };
        let Err(Error::Invalid(errs)) = NewProduct::parse(input) else { panic!("expected invalid") };
        let codes: Vec<_> = errs.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert_eq!(codes, [("price", "not_a_number"), ("cost", "negative"), ("currency", "invalid_currency")]);
    }

    #[test]
    fn a_patch_clears_the_cost_with_null_or_blank() {
        let blank = ProductPatchInput { cost: Patch::Set(" ".into()), ..Default::default() };
        assert_eq!(ProductPatch::parse(blank).unwrap().cost, Patch::Clear);
        let set = ProductPatchInput { cost: Patch::Set("0.10".into()), ..Default::default() };
        assert_eq!(ProductPatch::parse(set).unwrap().cost, Patch::Set(1_000));
    }
}
