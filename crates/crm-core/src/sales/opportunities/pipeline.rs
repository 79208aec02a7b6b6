//! The pipeline (销售漏斗, SAL-4): configurable stages, the board, the funnel and the
//! weighted forecast. Amounts are summed per currency, never across currencies (SAL-10).

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Opportunity, Outcome};
use crate::error::{Error, FieldError, Validator, required_text};
use crate::money;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PipelineStage {
    pub id: Uuid,
    pub name: String,
    /// Board order, left to right.
    pub position: i64,
    /// The probability an opportunity takes on entering the stage, in percent.
    pub probability: i64,
    /// `won` or `lost` for the two closing stages, which only the close rules enter.
    pub outcome: Option<Outcome>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// The shipped stages: (name, probability, outcome).
pub fn default_stages() -> Vec<(&'static str, i64, Option<Outcome>)> {
    vec![
        ("发现机会", 10, None),
        ("验证机会", 20, None),
        ("需求分析", 30, None),
        ("价值说明", 40, None),
        ("认知分析", 60, None),
        ("建议报价", 70, None),
        ("谈判审核", 80, None),
        ("赢单", 100, Some(Outcome::Won)),
        ("输单", 0, Some(Outcome::Lost)),
    ]
}

const STAGE_NAME_MAX: usize = 40;
const POSITION_MAX: i64 = 1_000_000;

fn parse_probability(value: i64) -> Result<i64, FieldError> {
    if (0..=100).contains(&value) {
        Ok(value)
    } else {
        Err(FieldError::with_param("probability", "out_of_range", "0-100"))
    }
}

fn parse_position(value: i64) -> Result<i64, FieldError> {
    if (0..=POSITION_MAX).contains(&value) {
        Ok(value)
    } else {
        Err(FieldError::with_param("position", "out_of_range", format!("0-{POSITION_MAX}")))
    }
}

/// A new stage; the closing stages ship with the product and are not created.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PipelineStageInput {
    #[serde(default)]
    pub name: String,
    /// Defaults to after the last open stage.
    pub position: Option<i64>,
    #[serde(default)]
    pub probability: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPipelineStage {
    pub name: String,
    pub position: Option<i64>,
    pub probability: i64,
    pub outcome: Option<Outcome>,
}

impl NewPipelineStage {
    pub fn parse(input: PipelineStageInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let name = v.check(required_text("name", &input.name, STAGE_NAME_MAX));
        let position = input.position.map(|p| v.check(parse_position(p)));
        let probability = v.check(parse_probability(input.probability));
        v.finish()?;
        match (name, probability) {
            (Some(name), Some(probability)) => {
                Ok(Self { name, position: position.flatten(), probability, outcome: None })
            }
            _ => Err(Error::invalid("stage", "invalid")),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PipelineStagePatchInput {
    pub name: Option<String>,
    pub position: Option<i64>,
    pub probability: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PipelineStagePatch {
    pub name: Option<String>,
    pub position: Option<i64>,
    pub probability: Option<i64>,
}

impl PipelineStagePatch {
    pub fn parse(input: PipelineStagePatchInput) -> Result<Self, Error> {
        let mut v = Validator::default();
        let patch = Self {
            name: input.name.and_then(|n| v.check(required_text("name", &n, STAGE_NAME_MAX))),
            position: input.position.and_then(|p| v.check(parse_position(p))),
            probability: input.probability.and_then(|p| v.check(parse_probability(p))),
        };
        v.finish()?;
        Ok(patch)
    }

    pub fn apply(&self, s: &PipelineStage, at: DateTime<Utc>) -> PipelineStage {
        PipelineStage {
            name: self.name.clone().unwrap_or_else(|| s.name.clone()),
            position: self.position.unwrap_or(s.position),
            probability: self.probability.unwrap_or(s.probability),
            updated_at: at,
            version: s.version + 1,
            ..s.clone()
        }
    }
}

/// An amount in one currency; `weighted` (amount × probability) only in the forecast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Amount {
    pub currency: String,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String, example = "12800.00")]
    pub amount: i64,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "money::serialize_option")]
    #[schema(value_type = Option<String>)]
    pub weighted: Option<i64>,
}

/// Adds `amount` (and `weighted`) to the entry of its currency, keeping currencies apart.
pub fn add_amount(amounts: &mut Vec<Amount>, currency: &str, amount: i64, weighted: Option<i64>) {
    match amounts.iter_mut().find(|a| a.currency == currency) {
        Some(a) => {
            a.amount += amount;
            a.weighted = match (a.weighted, weighted) {
                (Some(x), Some(y)) => Some(x + y),
                (x, y) => x.or(y),
            };
        }
        None => {
            amounts.push(Amount { currency: currency.to_string(), amount, weighted });
            amounts.sort_by(|a, b| a.currency.cmp(&b.currency));
        }
    }
}

/// One column of the board: the stage, its count and amounts over every visible
/// opportunity in it, and the most recently active cards.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BoardColumn {
    pub stage: PipelineStage,
    pub count: i64,
    pub amounts: Vec<Amount>,
    pub cards: Vec<Opportunity>,
}

/// Which opportunities the board and reports cover, within the caller's scope: the period
/// is of the expected close date.
pub use crate::reports::{ReportFilter as PipelineFilter, ReportParams};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForecastBy {
    Month,
    Owner,
}

impl ReportParams {
    pub fn parse(&self) -> Result<(PipelineFilter, ForecastBy), Error> {
        let mut v = Validator::default();
        let filter = self.filter(&mut v);
        let by = self.by(&mut v, &[("month", ForecastBy::Month), ("owner", ForecastBy::Owner)]);
        v.finish()?;
        Ok((filter, by.unwrap_or(ForecastBy::Month)))
    }
}

/// A funnel row: one stage with the count and amounts of its opportunities.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FunnelRow {
    pub stage_id: Uuid,
    pub stage: String,
    pub position: i64,
    pub probability: i64,
    pub outcome: Option<Outcome>,
    pub count: i64,
    pub amounts: Vec<Amount>,
}

/// A forecast row: the open opportunities expected to close in one month (`month`, none for
/// those without a date) or of one owner, with their amounts and weighted amounts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ForecastRow {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub count: i64,
    pub amounts: Vec<Amount>,
}

/// Row sums as the store reads them: `weighted_percent` is Σ amount × probability, in
/// amount units times percent, so the division by 100 happens once, exactly.
pub fn weighted_units(weighted_percent: i64) -> i64 {
    let exact = Decimal::new(weighted_percent, 2).round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    i64::try_from(exact).unwrap_or(i64::MAX)
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ReportTotals {
    pub count: i64,
    pub amounts: Vec<Amount>,
}

/// A report as API.md fixes it: `{"items": [...], "totals": {...}}`.
#[derive(Debug, Clone, Serialize)]
pub struct Report<T> {
    pub items: Vec<T>,
    pub totals: ReportTotals,
}

impl<T: Serialize> Report<T> {
    /// The rows as lines of a spreadsheet (RPT-7): each row's own fields, then its amounts in
    /// a column per currency (`amount_CNY`, `weighted_CNY`, …), so no column mixes currencies.
    pub fn lines(&self, amounts: impl Fn(&T) -> &[Amount]) -> Vec<serde_json::Value> {
        let mut currencies: Vec<&str> =
            self.items.iter().flat_map(|r| amounts(r).iter().map(|a| a.currency.as_str())).collect();
        currencies.sort_unstable();
        currencies.dedup();
        let weighted = self.items.iter().any(|r| amounts(r).iter().any(|a| a.weighted.is_some()));
        let text = |units: Option<i64>| units.map_or(serde_json::Value::Null, |u| money::format_units(u).into());
        self.items
            .iter()
            .map(|row| {
                let mut line = match serde_json::to_value(row) {
                    Ok(serde_json::Value::Object(map)) => map,
                    _ => serde_json::Map::new(),
                };
                line.remove("amounts");
                for currency in &currencies {
                    let a = amounts(row).iter().find(|a| a.currency == *currency);
                    line.insert(format!("amount_{currency}"), text(a.map(|a| a.amount)));
                    if weighted {
                        line.insert(format!("weighted_{currency}"), text(a.and_then(|a| a.weighted)));
                    }
                }
                serde_json::Value::Object(line)
            })
            .collect()
    }
}

/// What one run of the stale check did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StaleRun {
    /// Open opportunities newly flagged as stale.
    pub flagged: u64,
    /// Flagged ones with activity again, no longer stale.
    pub cleared: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_stages_rise_in_probability_and_end_won_then_lost() {
        let stages = default_stages();
        assert_eq!(stages.len(), 9);
        assert_eq!(stages[0], ("发现机会", 10, None));
        assert_eq!(stages[7].2, Some(Outcome::Won));
        assert_eq!(stages[8], ("输单", 0, Some(Outcome::Lost)));
    }

    #[test]
    fn currencies_are_summed_apart() {
        let mut amounts = Vec::new();
        add_amount(&mut amounts, "USD", 100, None);
        add_amount(&mut amounts, "CNY", 5, Some(1));
        add_amount(&mut amounts, "USD", 1, None);
        assert_eq!(
            amounts.iter().map(|a| (a.currency.as_str(), a.amount)).collect::<Vec<_>>(),
            [("CNY", 5), ("USD", 101)]
        );
    }

    #[test]
    fn weighted_amounts_round_half_away_from_zero_once() {
        // 0.0003 × 50 % = 0.00015 → 0.0002
        assert_eq!(weighted_units(3 * 50), 2);
        assert_eq!(weighted_units(128_000_000 * 70), 89_600_000);
    }

    #[test]
    fn report_lines_keep_a_column_per_currency() {
        let row = |month: &str, amounts: Vec<Amount>| ForecastRow {
            month: Some(month.into()),
            owner_id: None,
            owner: None,
            count: 1,
            amounts,
        };
        let amount = |currency: &str, amount| Amount { currency: currency.into(), amount, weighted: Some(amount / 2) };
        let report = Report {
            items: vec![row("2026-03", vec![amount("USD", 10_000)]), row("2026-04", vec![amount("CNY", 30_000)])],
            totals: ReportTotals::default(),
        };
        let lines = report.lines(|r| &r.amounts);
        assert_eq!(
            lines[0],
            serde_json::json!({"month": "2026-03", "count": 1, "amount_CNY": null, "weighted_CNY": null,
                "amount_USD": "1.00", "weighted_USD": "0.50"})
        );
        assert_eq!(lines[1]["amount_CNY"], "3.00");
    }

    #[test]
    fn report_parameters_are_checked_together() {
        let p = ReportParams { from: Some("x".into()), by: Some("week".into()), ..Default::default() };
        let Err(Error::Invalid(errs)) = p.parse() else { panic!("invalid") };
        assert_eq!(errs.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["from", "by"]);
    }
}
