//! Sales figures beside the funnel and forecast (RPT-5): performance by owner with win and
//! conversion rates, and the ageing of receivables.

use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::ratio;
use crate::money;
use crate::sales::opportunities::{Amount, OpportunityStatus, add_amount};

/// Opportunities of one owner, status and currency, as the store counts them: the open ones
/// now, the won and lost ones closed in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerformanceCell {
    pub owner_id: Option<Uuid>,
    pub owner: Option<String>,
    pub status: OpportunityStatus,
    pub currency: String,
    pub count: i64,
    pub amount: i64,
    /// Σ amount × probability, in amount units times percent.
    pub weighted_percent: i64,
}

/// One owner's pipeline and results. The win rate is won ÷ (won + lost); the conversion
/// rate is won ÷ every opportunity counted (open, won and lost).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct OwnerPerformance {
    pub owner_id: Option<Uuid>,
    pub owner: Option<String>,
    pub open: i64,
    pub won: i64,
    pub lost: i64,
    #[schema(value_type = Option<String>)]
    pub win_rate: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub conversion_rate: Option<Decimal>,
    /// Open amounts with their weighted amounts, per currency.
    pub pipeline: Vec<Amount>,
    /// Won amounts per currency.
    pub won_amounts: Vec<Amount>,
}

impl OwnerPerformance {
    fn add(&mut self, cell: &PerformanceCell) {
        match cell.status {
            OpportunityStatus::Won => {
                self.won += cell.count;
                add_amount(&mut self.won_amounts, &cell.currency, cell.amount, None);
            }
            OpportunityStatus::Lost => self.lost += cell.count,
            _ => {
                self.open += cell.count;
                let weighted = crate::sales::opportunities::weighted_units(cell.weighted_percent);
                add_amount(&mut self.pipeline, &cell.currency, cell.amount, Some(weighted));
            }
        }
        self.win_rate = ratio(self.won, self.won + self.lost);
        self.conversion_rate = ratio(self.won, self.open + self.won + self.lost);
    }

    /// One row per owner (by name, the unowned last) and the row of their sum.
    pub fn of(cells: &[PerformanceCell]) -> (Vec<OwnerPerformance>, OwnerPerformance) {
        let mut rows: Vec<OwnerPerformance> = Vec::new();
        let mut total = OwnerPerformance::default();
        for cell in cells {
            match rows.iter_mut().find(|r| r.owner_id == cell.owner_id) {
                Some(row) => row.add(cell),
                None => {
                    let mut row =
                        OwnerPerformance { owner_id: cell.owner_id, owner: cell.owner.clone(), ..Default::default() };
                    row.add(cell);
                    rows.push(row);
                }
            }
            total.add(cell);
        }
        rows.sort_by(|a, b| (a.owner.is_none(), &a.owner).cmp(&(b.owner.is_none(), &b.owner)));
        (rows, total)
    }
}

code_enum! {
    /// How long what is due has been overdue: not yet due, 0–30, 31–60, 61–90, over 90 days.
    AgeingBucket {
        NotDue = "not_due",
        Days0To30 = "days_0_30",
        Days31To60 = "days_31_60",
        Days61To90 = "days_61_90",
        DaysOver90 = "days_over_90",
    }
}

impl AgeingBucket {
    /// The bucket of an item `days` past its due date (negative: not yet due).
    pub fn of(days: i64) -> Self {
        match days {
            ..=0 => AgeingBucket::NotDue,
            1..=30 => AgeingBucket::Days0To30,
            31..=60 => AgeingBucket::Days31To60,
            61..=90 => AgeingBucket::Days61To90,
            _ => AgeingBucket::DaysOver90,
        }
    }

    /// The latest days overdue of the bucket before this one: the store's boundaries.
    pub fn upper_days(self) -> Option<i64> {
        match self {
            AgeingBucket::NotDue => Some(0),
            AgeingBucket::Days0To30 => Some(30),
            AgeingBucket::Days31To60 => Some(60),
            AgeingBucket::Days61To90 => Some(90),
            AgeingBucket::DaysOver90 => None,
        }
    }
}

/// What is still open of one customer's plan items in one currency and bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgeingCell {
    pub customer_id: Uuid,
    pub customer_name: String,
    pub currency: String,
    pub bucket: AgeingBucket,
    pub open: i64,
}

/// A row of the ageing: one customer (none in the totals) and currency, what is open in each
/// bucket, and what is overdue in all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct AgeingRow {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
    pub currency: String,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub not_due: i64,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub days_0_30: i64,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub days_31_60: i64,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub days_61_90: i64,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub days_over_90: i64,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub overdue: i64,
}

impl AgeingRow {
    pub fn bucket(&self, bucket: AgeingBucket) -> i64 {
        match bucket {
            AgeingBucket::NotDue => self.not_due,
            AgeingBucket::Days0To30 => self.days_0_30,
            AgeingBucket::Days31To60 => self.days_31_60,
            AgeingBucket::Days61To90 => self.days_61_90,
            AgeingBucket::DaysOver90 => self.days_over_90,
        }
    }

    fn add(&mut self, bucket: AgeingBucket, open: i64) {
        let slot = match bucket {
            AgeingBucket::NotDue => &mut self.not_due,
            AgeingBucket::Days0To30 => &mut self.days_0_30,
            AgeingBucket::Days31To60 => &mut self.days_31_60,
            AgeingBucket::Days61To90 => &mut self.days_61_90,
            AgeingBucket::DaysOver90 => &mut self.days_over_90,
        };
        *slot += open;
        if bucket != AgeingBucket::NotDue {
            self.overdue += open;
        }
    }

    /// Rows per customer and currency (most overdue first) and one total per currency.
    pub fn of(cells: &[AgeingCell]) -> (Vec<AgeingRow>, Vec<AgeingRow>) {
        let mut rows: Vec<AgeingRow> = Vec::new();
        let mut totals: Vec<AgeingRow> = Vec::new();
        for c in cells {
            let row = match rows.iter().position(|r| r.customer_id == Some(c.customer_id) && r.currency == c.currency) {
                Some(i) => &mut rows[i],
                None => {
                    rows.push(AgeingRow {
                        customer_id: Some(c.customer_id),
                        customer_name: Some(c.customer_name.clone()),
                        currency: c.currency.clone(),
                        ..Default::default()
                    });
                    let last = rows.len() - 1;
                    &mut rows[last]
                }
            };
            row.add(c.bucket, c.open);
            let total = match totals.iter().position(|r| r.currency == c.currency) {
                Some(i) => &mut totals[i],
                None => {
                    totals.push(AgeingRow { currency: c.currency.clone(), ..Default::default() });
                    let last = totals.len() - 1;
                    &mut totals[last]
                }
            };
            total.add(c.bucket, c.open);
        }
        rows.sort_by(|a, b| {
            (&a.currency, std::cmp::Reverse(a.overdue), &a.customer_name).cmp(&(
                &b.currency,
                std::cmp::Reverse(b.overdue),
                &b.customer_name,
            ))
        });
        totals.sort_by(|a, b| a.currency.cmp(&b.currency));
        (rows, totals)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_buckets_are_0_30_31_60_61_90_and_over_90_days_overdue() {
        let buckets: Vec<_> = [-5, 0, 1, 30, 31, 60, 61, 90, 91].map(AgeingBucket::of).to_vec();
        use AgeingBucket::*;
        assert_eq!(
            buckets,
            [NotDue, NotDue, Days0To30, Days0To30, Days31To60, Days31To60, Days61To90, Days61To90, DaysOver90]
        );
    }

    #[test]
    fn ageing_adds_up_per_customer_and_currency_and_totals_per_currency() {
        let id = Uuid::now_v7();
        let cell = |currency: &str, bucket, open| AgeingCell {
            customer_id: id,
            customer_name: "甲".into(),
            currency: currency.into(),
            bucket,
            open,
        };
        let (rows, totals) = AgeingRow::of(&[
            cell("CNY", AgeingBucket::NotDue, 5),
            cell("CNY", AgeingBucket::DaysOver90, 7),
            cell("USD", AgeingBucket::Days31To60, 2),
        ]);
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].not_due, rows[0].days_over_90, rows[0].overdue), (5, 7, 7));
        assert_eq!(
            totals.iter().map(|t| (t.currency.as_str(), t.overdue)).collect::<Vec<_>>(),
            [("CNY", 7), ("USD", 2)]
        );
    }

    #[test]
    fn win_rate_counts_closed_and_conversion_every_opportunity() {
        let cell = |status, count| PerformanceCell {
            owner_id: None,
            owner: None,
            status,
            currency: "CNY".into(),
            count,
            amount: 100 * count,
            weighted_percent: 0,
        };
        let (rows, total) = OwnerPerformance::of(&[
            cell(OpportunityStatus::Won, 1),
            cell(OpportunityStatus::Lost, 3),
            cell(OpportunityStatus::Assigned, 4),
        ]);
        assert_eq!(rows.len(), 1);
        assert_eq!(total.win_rate.unwrap().to_string(), "0.25");
        assert_eq!(total.conversion_rate.unwrap().to_string(), "0.125");
        assert_eq!(total.won_amounts[0].amount, 100);
    }
}
