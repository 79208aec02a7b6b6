//! Churn analysis (RPT-4): the customers whose loss was confirmed (CHN-3) in the period, the
//! totals per reason, and the churn rate per month.
//!
//! The churn rate of a month is `lost / active_at_start`, exact to 6 places:
//! - `lost`: churn warnings confirmed lost (`confirmed_at`) within the month, in the reader's
//!   time zone — losses a new order has since undone included, since they were losses then;
//! - `active_at_start`: the customers who, at the month's first moment, had bought — a not
//!   cancelled order dated before the month's first day — and were not lost: no warning of
//!   theirs confirmed lost before that moment and not yet closed by a new order then.
//!
//! The customer's status cannot be read as it was on a past day (a status set by hand leaves
//! no dated history), so "active" is read from what is dated: orders and the confirmations
//! and reactivations of churn warnings. Customers count in the reader's scope and under the
//! filter's division and owner as they are now.

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Period, ratio};

/// Months the rate chart covers at most: the last ones of a longer period.
pub const MAX_MONTHS: usize = 36;
/// Months the chart covers when the period leaves its start open.
const DEFAULT_MONTHS: u32 = 12;

/// A customer whose loss was confirmed in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ChurnRow {
    pub warning_id: Uuid,
    pub customer_id: Uuid,
    pub customer_name: String,
    pub owner_id: Option<Uuid>,
    /// The customer's owner now.
    pub owner: Option<String>,
    /// The last order before the loss (when the warning was raised).
    pub last_order_date: NaiveDate,
    pub reason_id: Option<Uuid>,
    /// The reason's label (流失原因).
    pub reason: Option<String>,
    pub confirmed_at: DateTime<Utc>,
    /// When a new order has since won the customer back; none while lost.
    pub reactivated_at: Option<DateTime<Utc>>,
}

/// Losses confirmed in the period for one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ReasonTotal {
    pub reason_id: Option<Uuid>,
    pub reason: Option<String>,
    pub count: i64,
    /// Of all the losses in the period, exact to 6 places.
    #[schema(value_type = Option<String>)]
    pub share: Option<Decimal>,
}

/// The churn rate of one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ChurnMonth {
    /// `YYYY-MM`.
    pub month: String,
    pub active_at_start: i64,
    pub lost: i64,
    /// `lost / active_at_start`, exact to 6 places; none without active customers.
    #[schema(value_type = Option<String>)]
    pub rate: Option<Decimal>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ChurnTotals {
    /// Losses confirmed in the period (every one, not only the rows returned).
    pub lost: i64,
    /// Largest first.
    pub reasons: Vec<ReasonTotal>,
    /// Oldest first.
    pub months: Vec<ChurnMonth>,
}

/// A month of the chart: its first day and its span in the reader's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChurnMonthSpan {
    pub first_day: NaiveDate,
    pub period: Period,
}

/// A confirmed loss as the rate needs it: whose, when, when undone, and the customer's first
/// not cancelled order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loss {
    pub customer_id: Uuid,
    pub confirmed_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub first_order: Option<NaiveDate>,
}

/// What the store reads for the rates of the months.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChurnHistory {
    /// Customers who have bought, by the first day of the month of their first order.
    pub first_orders: Vec<(NaiveDate, i64)>,
    /// The losses confirmed before the last month's end and not undone before the first
    /// month's start.
    pub losses: Vec<Loss>,
}

/// The first days of the months the chart covers: from the month of `from` to the month of
/// `to` (default: the month of `today`); with `from` open, the `DEFAULT_MONTHS` months up to
/// `to`'s; at most the last `MAX_MONTHS`.
pub fn chart_months(from: Option<NaiveDate>, to: Option<NaiveDate>, today: NaiveDate) -> Vec<NaiveDate> {
    let first = |d: NaiveDate| d - chrono::Days::new(u64::from(d.day0()));
    let last = first(to.unwrap_or(today));
    let start = match from {
        Some(f) => first(f),
        None => last.checked_sub_months(Months::new(DEFAULT_MONTHS - 1)).unwrap_or(last),
    };
    let mut months: Vec<NaiveDate> = std::iter::successors(Some(start), |m| m.checked_add_months(Months::new(1)))
        .take_while(|m| *m <= last)
        .collect();
    let drop = months.len().saturating_sub(MAX_MONTHS);
    months.drain(..drop);
    months
}

/// Each month's losses, customers active at its start and rate, by the rule of this module.
pub fn churn_rates(months: &[ChurnMonthSpan], history: &ChurnHistory) -> Vec<ChurnMonth> {
    months
        .iter()
        .map(|m| {
            let (Some(start), Some(end)) = (m.period.from, m.period.to) else {
                return ChurnMonth {
                    month: m.first_day.format("%Y-%m").to_string(),
                    active_at_start: 0,
                    lost: 0,
                    rate: None,
                };
            };
            let bought: i64 =
                history.first_orders.iter().filter(|(month, _)| *month < m.first_day).map(|(_, n)| n).sum();
            let mut lost_then: Vec<Uuid> = history
                .losses
                .iter()
                .filter(|l| l.confirmed_at < start && l.closed_at.is_none_or(|c| c >= start))
                .filter(|l| l.first_order.is_some_and(|d| d < m.first_day))
                .map(|l| l.customer_id)
                .collect();
            lost_then.sort_unstable();
            lost_then.dedup();
            let active = bought - lost_then.len() as i64;
            let lost = history.losses.iter().filter(|l| l.confirmed_at >= start && l.confirmed_at < end).count() as i64;
            ChurnMonth {
                month: m.first_day.format("%Y-%m").to_string(),
                active_at_start: active,
                lost,
                rate: ratio(lost, active),
            }
        })
        .collect()
}

/// The reasons' totals with their shares of `lost`, largest first, then by label.
pub fn reason_totals(mut counts: Vec<ReasonTotal>) -> (i64, Vec<ReasonTotal>) {
    let lost = counts.iter().map(|r| r.count).sum();
    for r in &mut counts {
        r.share = ratio(r.count, lost);
    }
    counts.sort_by(|a, b| (b.count, &a.reason).cmp(&(a.count, &b.reason)));
    (lost, counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn the_chart_covers_the_months_of_the_period_at_most_thirty_six() {
        let today = day("2026-05-20");
        assert_eq!(
            chart_months(Some(day("2026-01-31")), Some(day("2026-03-01")), today),
            [day("2026-01-01"), day("2026-02-01"), day("2026-03-01")]
        );
        let open = chart_months(None, None, today);
        assert_eq!((open.len(), open[0], open[11]), (12, day("2025-06-01"), day("2026-05-01")));
        let long = chart_months(Some(day("2000-01-01")), None, today);
        assert_eq!((long.len(), long[0]), (MAX_MONTHS, day("2023-06-01")));
    }

    #[test]
    fn the_rate_divides_the_months_losses_by_the_buying_customers_not_lost_at_its_start() {
        let customer = |n: u128| Uuid::from_u128(n);
        let march = ChurnMonthSpan {
            first_day: day("2026-03-01"),
            period: Period { from: Some(at("2026-02-28T16:00:00Z")), to: Some(at("2026-03-31T16:00:00Z")) },
        };
        let history = ChurnHistory {
            // Four customers bought before March, one first in March (not counted).
            first_orders: vec![(day("2025-01-01"), 3), (day("2026-02-01"), 1), (day("2026-03-01"), 1)],
            losses: vec![
                // Lost in January, still lost: out of the base.
                Loss {
                    customer_id: customer(1),
                    confirmed_at: at("2026-01-10T00:00:00Z"),
                    closed_at: None,
                    first_order: Some(day("2025-01-03")),
                },
                // Lost in January, won back in February: in the base.
                Loss {
                    customer_id: customer(2),
                    confirmed_at: at("2026-01-10T00:00:00Z"),
                    closed_at: Some(at("2026-02-10T00:00:00Z")),
                    first_order: Some(day("2025-01-04")),
                },
                // Lost on March 1st at 00:30 in Shanghai: a March loss, in the base at its start.
                Loss {
                    customer_id: customer(3),
                    confirmed_at: at("2026-02-28T16:30:00Z"),
                    closed_at: None,
                    first_order: Some(day("2025-01-05")),
                },
                // Lost on March 31st at 23:59 in Shanghai, and won back since: a March loss.
                Loss {
                    customer_id: customer(4),
                    confirmed_at: at("2026-03-31T15:59:00Z"),
                    closed_at: Some(at("2026-04-02T00:00:00Z")),
                    first_order: Some(day("2026-02-03")),
                },
                // April 1st in Shanghai: not March's.
                Loss {
                    customer_id: customer(2),
                    confirmed_at: at("2026-03-31T16:00:00Z"),
                    closed_at: None,
                    first_order: Some(day("2025-01-04")),
                },
            ],
        };
        let rates = churn_rates(&[march], &history);
        assert_eq!(rates[0].month, "2026-03");
        assert_eq!((rates[0].active_at_start, rates[0].lost), (3, 2));
        assert_eq!(rates[0].rate.unwrap().to_string(), "0.666667");
        let empty = churn_rates(&[march], &ChurnHistory::default());
        assert_eq!((empty[0].active_at_start, empty[0].rate), (0, None));
    }

    #[test]
    fn reasons_share_the_losses_largest_first() {
        let reason =
            |label: &str, count| ReasonTotal { reason_id: None, reason: Some(label.into()), count, share: None };
        let (lost, rows) = reason_totals(vec![reason("价格", 1), reason("服务", 3)]);
        assert_eq!(lost, 4);
        assert_eq!(rows[0].reason.as_deref(), Some("服务"));
        assert_eq!(rows.iter().map(|r| r.share.unwrap().to_string()).collect::<Vec<_>>(), ["0.75", "0.25"]);
    }
}
