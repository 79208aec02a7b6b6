//! The data dictionary (数据字典, BAS-1): typed lists of values (levels, regions, service
//! types, …) that records refer to by entry id.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{Error, FieldError, Validator, optional_text, required_text};
use crate::patch::Patch;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DictionaryKind {
    CustomerLevel,
    Region,
    Industry,
    ServiceType,
    OpportunitySource,
    ChurnReason,
    InteractionKind,
    OpportunityLossReason,
}

impl DictionaryKind {
    pub const ALL: [DictionaryKind; 8] = [
        DictionaryKind::CustomerLevel,
        DictionaryKind::Region,
        DictionaryKind::Industry,
        DictionaryKind::ServiceType,
        DictionaryKind::OpportunitySource,
        DictionaryKind::ChurnReason,
        DictionaryKind::InteractionKind,
        DictionaryKind::OpportunityLossReason,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DictionaryKind::CustomerLevel => "customer_level",
            DictionaryKind::Region => "region",
            DictionaryKind::Industry => "industry",
            DictionaryKind::ServiceType => "service_type",
            DictionaryKind::OpportunitySource => "opportunity_source",
            DictionaryKind::ChurnReason => "churn_reason",
            DictionaryKind::InteractionKind => "interaction_kind",
            DictionaryKind::OpportunityLossReason => "opportunity_loss_reason",
        }
    }

    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let v = value.trim();
        if v.is_empty() {
            return Err(FieldError::new("kind", "required"));
        }
        Self::ALL.into_iter().find(|k| k.code() == v).ok_or_else(|| {
            let codes: Vec<&str> = Self::ALL.iter().map(|k| k.code()).collect();
            FieldError::with_param("kind", "invalid_choice", codes.join(","))
        })
    }
}

/// One value of the dictionary.
///
/// Shipped entries that reports and other modules rely on (customer levels, service types,
/// interaction kinds, regions) are not `editable`: their label, code and the flag itself are
/// fixed and they cannot be deleted. They can still be reordered (`position`) and disabled
/// (`enabled`), since that only hides a value from pickers without changing the records that
/// use it. The `editable` lock is one-way through the product. Kind and parent are set at
/// creation; an entry still referenced (by child entries or records) cannot be deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DictionaryEntry {
    pub id: Uuid,
    pub kind: DictionaryKind,
    /// The entry this one sits under, e.g. a city's province.
    pub parent_id: Option<Uuid>,
    /// A stable code for programs and imports, e.g. the administrative code of a region.
    pub code: Option<String>,
    pub label: String,
    pub position: i64,
    pub editable: bool,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// Raw input for a new entry, as forms, JSON and imports give it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DictionaryEntryInput {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub parent_id: Option<Uuid>,
    /// Defaults to after the last entry of the same kind and parent.
    #[serde(default)]
    pub position: Option<i64>,
    #[serde(default)]
    pub editable: Option<bool>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDictionaryEntry {
    pub kind: DictionaryKind,
    pub parent_id: Option<Uuid>,
    pub code: Option<String>,
    pub label: String,
    pub position: Option<i64>,
    pub editable: bool,
    pub enabled: bool,
}

const LABEL_MAX: usize = 100;
const CODE_MAX: usize = 40;
const POSITION_MAX: i64 = 1_000_000;

fn parse_position(value: i64) -> Result<i64, FieldError> {
    if (0..=POSITION_MAX).contains(&value) {
        Ok(value)
    } else {
        Err(FieldError::with_param("position", "out_of_range", format!("0-{POSITION_MAX}")))
    }
}

impl NewDictionaryEntry {
    pub fn parse(input: DictionaryEntryInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let kind = v.check(DictionaryKind::parse(&input.kind));
        let label = v.check(required_text("label", &input.label, LABEL_MAX));
        let code = v.check(optional_text("code", input.code.as_deref().unwrap_or(""), CODE_MAX));
        let position = input.position.and_then(|p| v.check(parse_position(p)));
        v.finish()?;
        let (Some(kind), Some(label), Some(code)) = (kind, label, code) else {
            return Err(Error::invalid("dictionary_entry", "invalid"));
        };
        Ok(Self {
            kind,
            parent_id: input.parent_id,
            code,
            label,
            position,
            editable: input.editable.unwrap_or(true),
            enabled: input.enabled.unwrap_or(true),
        })
    }

    /// A parent must be a top-level entry of the same kind, which keeps the tree two levels
    /// deep (province → city) and free of cycles.
    pub fn check_parent(&self, parent: &DictionaryEntry) -> Result<(), Error> {
        if parent.kind != self.kind || parent.parent_id.is_some() {
            return Err(Error::invalid("parent_id", "invalid_parent"));
        }
        Ok(())
    }
}

/// Raw input for an entry update; kind and parent cannot change.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DictionaryEntryPatchInput {
    pub label: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub code: Patch<String>,
    pub position: Option<i64>,
    pub editable: Option<bool>,
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DictionaryEntryPatch {
    pub label: Option<String>,
    pub code: Patch<String>,
    pub position: Option<i64>,
    pub editable: Option<bool>,
    pub enabled: Option<bool>,
}

impl DictionaryEntryPatch {
    pub fn parse(input: DictionaryEntryPatchInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let label = input.label.and_then(|l| v.check(required_text("label", &l, LABEL_MAX)));
        let code = v.patch(input.code, |c| optional_text("code", c, CODE_MAX));
        let position = input.position.and_then(|p| v.check(parse_position(p)));
        v.finish()?;
        Ok(Self { label, code, position, editable: input.editable, enabled: input.enabled })
    }

    /// Whether the patch would change what a non-editable entry keeps fixed; writing the
    /// current value again is no change.
    pub fn changes_fixed_fields(&self, entry: &DictionaryEntry) -> bool {
        let label = self.label.as_ref().is_some_and(|l| *l != entry.label);
        let code = self.code.clone().apply(entry.code.clone()) != entry.code;
        let editable = self.editable.is_some_and(|e| e != entry.editable);
        label || code || editable
    }

    /// The entry after the patch, stamped with the time of the change.
    pub fn apply(&self, entry: &DictionaryEntry, at: DateTime<Utc>) -> DictionaryEntry {
        DictionaryEntry {
            label: self.label.clone().unwrap_or_else(|| entry.label.clone()),
            code: self.code.clone().apply(entry.code.clone()),
            position: self.position.unwrap_or(entry.position),
            editable: self.editable.unwrap_or(entry.editable),
            enabled: self.enabled.unwrap_or(entry.enabled),
            updated_at: at,
            version: entry.version + 1,
            ..entry.clone()
        }
    }
}

/// A list of shipped values of one kind: `(code, label)` in display order.
pub struct DefaultEntries {
    pub kind: DictionaryKind,
    pub editable: bool,
    pub entries: &'static [(&'static str, &'static str)],
}

/// The shipped dictionary (BAS-1, CUS-1, SVC-1) except regions, which come from the official
/// list of administrative divisions. Values that reports and workflows key on are locked.
pub fn default_entries() -> Vec<DefaultEntries> {
    vec![
        DefaultEntries {
            kind: DictionaryKind::CustomerLevel,
            editable: false,
            entries: &[
                ("ordinary", "普通客户"),
                ("key_prospect", "重点开发客户"),
                ("major", "大客户"),
                ("partner", "合作伙伴"),
                ("strategic_partner", "战略合作伙伴"),
            ],
        },
        DefaultEntries {
            kind: DictionaryKind::ServiceType,
            editable: false,
            entries: &[("consultation", "咨询"), ("suggestion", "建议"), ("complaint", "投诉")],
        },
        DefaultEntries {
            kind: DictionaryKind::InteractionKind,
            editable: false,
            entries: &[
                ("visit", "拜访"),
                ("call", "电话"),
                ("email", "邮件"),
                ("meeting", "会议"),
                ("message", "短信/微信"),
            ],
        },
        DefaultEntries {
            kind: DictionaryKind::Industry,
            editable: true,
            entries: &[
                ("manufacturing", "制造业"),
                ("information_technology", "信息技术"),
                ("telecom", "电信"),
                ("finance", "金融"),
                ("wholesale_retail", "批发零售"),
                ("construction", "建筑业"),
                ("real_estate", "房地产"),
                ("transport_logistics", "交通物流"),
                ("energy", "能源"),
                ("healthcare", "医疗健康"),
                ("education", "教育"),
                ("public_sector", "政府及公共事业"),
                ("agriculture", "农林牧渔"),
                ("media", "文化传媒"),
                ("hospitality", "住宿餐饮"),
                ("professional_services", "专业服务"),
                ("other", "其他"),
            ],
        },
        DefaultEntries {
            kind: DictionaryKind::OpportunitySource,
            editable: true,
            entries: &[
                ("phone_inquiry", "电话咨询"),
                ("website", "网站"),
                ("exhibition", "展会"),
                ("referral", "客户介绍"),
                ("advertising", "广告"),
                ("other", "其他"),
            ],
        },
        DefaultEntries {
            kind: DictionaryKind::ChurnReason,
            editable: true,
            entries: &[
                ("price", "价格因素"),
                ("service", "服务不满意"),
                ("competitor", "被竞争对手挖走"),
                ("business_change", "客户业务变化"),
                ("contact_left", "联系人离职"),
                ("other", "其他"),
            ],
        },
        DefaultEntries {
            kind: DictionaryKind::OpportunityLossReason,
            editable: true,
            entries: &[
                ("price", "价格没有竞争力"),
                ("competitor", "选择了竞争对手"),
                ("no_budget", "客户没有预算"),
                ("no_need", "需求取消或延后"),
                ("no_decision", "客户无法决策"),
                ("product_fit", "产品不满足需求"),
                ("other", "其他"),
            ],
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(editable: bool) -> DictionaryEntry {
        let now = Utc::now();
        DictionaryEntry {
            id: Uuid::now_v7(),
            kind: DictionaryKind::CustomerLevel,
            parent_id: None,
            code: Some("major".into()),
            label: "大客户".into(),
            position: 3,
            editable,
            enabled: true,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    #[test]
    fn an_unknown_kind_and_a_blank_label_are_reported_together() {
        let input = DictionaryEntryInput { kind: "colour".into(), label: " ".into(), ..Default::default() };
        let Err(Error::Invalid(errs)) = NewDictionaryEntry::parse(input) else { panic!("expected invalid") };
        let codes: Vec<_> = errs.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert_eq!(codes, [("kind", "invalid_choice"), ("label", "required")]);
    }

    #[test]
    fn reordering_or_disabling_a_locked_entry_changes_no_fixed_field() {
        let locked = entry(false);
        let hide = DictionaryEntryPatch { enabled: Some(false), position: Some(9), ..Default::default() };
        assert!(!hide.changes_fixed_fields(&locked));
        let same_label = DictionaryEntryPatch { label: Some("大客户".into()), ..Default::default() };
        assert!(!same_label.changes_fixed_fields(&locked));
        let rename = DictionaryEntryPatch { label: Some("VIP".into()), ..Default::default() };
        assert!(rename.changes_fixed_fields(&locked));
        let clear_code = DictionaryEntryPatch { code: Patch::Clear, ..Default::default() };
        assert!(clear_code.changes_fixed_fields(&locked));
        let unlock = DictionaryEntryPatch { editable: Some(true), ..Default::default() };
        assert!(unlock.changes_fixed_fields(&locked));
    }

    #[test]
    fn a_parent_must_be_a_top_level_entry_of_the_same_kind() {
        let province = DictionaryEntry { kind: DictionaryKind::Region, ..entry(false) };
        let city = DictionaryEntry { parent_id: Some(province.id), ..province.clone() };
        let new = NewDictionaryEntry::parse(DictionaryEntryInput {
            kind: "region".into(),
            label: "深圳市".into(),
            ..Default::default()
        })
        .unwrap();
        assert!(new.check_parent(&province).is_ok());
        assert!(new.check_parent(&city).is_err());
        assert!(new.check_parent(&entry(true)).is_err());
    }

    #[test]
    fn the_five_customer_levels_ship_in_the_order_of_the_spec() {
        let defaults = default_entries();
        let levels = defaults.iter().find(|d| d.kind == DictionaryKind::CustomerLevel).unwrap();
        let labels: Vec<_> = levels.entries.iter().map(|(_, l)| *l).collect();
        assert_eq!(labels, ["普通客户", "重点开发客户", "大客户", "合作伙伴", "战略合作伙伴"]);
    }
}
