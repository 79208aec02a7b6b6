//! Customer reports: contribution with ABC classes (RPT-1), composition (RPT-2) and RFM
//! segments (RPT-6). Order figures count orders that are not cancelled, per currency: amounts
//! of different currencies are never added together (SAL-10).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::ratio;
use crate::money;

/// ABC class of a customer (RPT-1). Customers are ranked by their total in a currency; a
/// customer is A while the customers ranked before it hold less than 80 % of the total (so
/// the one that crosses 80 % is still A), B while they hold less than 95 %, else C.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
pub enum AbcClass {
    A,
    B,
    C,
}

impl AbcClass {
    pub const ALL: [AbcClass; 3] = [AbcClass::A, AbcClass::B, AbcClass::C];

    /// The share held by the customers ranked before, as `numerator / denominator`, under
    /// which a customer is of this class; C has no bound.
    pub fn bound(self) -> Option<(i64, i64)> {
        match self {
            AbcClass::A => Some((4, 5)),
            AbcClass::B => Some((19, 20)),
            AbcClass::C => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            AbcClass::A => "A",
            AbcClass::B => "B",
            AbcClass::C => "C",
        }
    }
}

/// The class of a customer whose predecessors in the ranking hold `before` of `grand`.
pub fn abc_class(before: i64, grand: i64) -> AbcClass {
    let under = |(n, d): (i64, i64)| i128::from(before) * i128::from(d) < i128::from(grand) * i128::from(n);
    AbcClass::ALL.into_iter().find(|c| c.bound().is_none_or(under)).unwrap_or(AbcClass::C)
}

/// A customer's total in one currency with its rank and the running total up to and
/// including it, as the store ranks them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankedTotal {
    pub rank: i64,
    pub customer_id: Uuid,
    pub customer_name: String,
    pub currency: String,
    pub total: i64,
    pub orders: i64,
    pub running: i64,
}

/// The customers and total of one class in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ClassSum {
    pub abc_class: AbcClass,
    pub customers: i64,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub total: i64,
}

/// The figures of one currency over every ranked customer, not only the rows returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ContributionCurrency {
    pub currency: String,
    pub customers: i64,
    pub orders: i64,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub total: i64,
    pub classes: Vec<ClassSum>,
}

/// What the store reads for the contribution report: the top rows of each currency and the
/// sums of every currency and class.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contribution {
    pub rows: Vec<RankedTotal>,
    pub currencies: Vec<ContributionCurrency>,
}

/// A row of the contribution report: one customer in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ContributionRow {
    pub rank: i64,
    pub customer_id: Uuid,
    pub customer_name: String,
    pub currency: String,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String, example = "12800.00")]
    pub total: i64,
    pub orders: i64,
    /// Share of the currency's total, exact to 6 decimal places (`"0.125"`).
    #[schema(value_type = String)]
    pub share: Option<Decimal>,
    #[schema(value_type = String)]
    pub cumulative_share: Option<Decimal>,
    pub abc_class: AbcClass,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ContributionTotals {
    pub currencies: Vec<ContributionCurrency>,
}

impl Contribution {
    /// The report's rows: shares of each currency's total, and each customer's class.
    pub fn rows(&self) -> Vec<ContributionRow> {
        self.rows
            .iter()
            .map(|r| {
                let grand = self.currencies.iter().find(|c| c.currency == r.currency).map_or(0, |c| c.total);
                ContributionRow {
                    rank: r.rank,
                    customer_id: r.customer_id,
                    customer_name: r.customer_name.clone(),
                    currency: r.currency.clone(),
                    total: r.total,
                    orders: r.orders,
                    share: ratio(r.total, grand),
                    cumulative_share: ratio(r.running, grand),
                    abc_class: abc_class(r.running - r.total, grand),
                }
            })
            .collect()
    }
}

code_enum! {
    /// What the customer composition counts by (RPT-2).
    CompositionBy {
        Level = "level",
        Credit = "credit",
        Satisfaction = "satisfaction",
        Region = "region",
        Industry = "industry",
    }
}

/// A count of customers with one value, as the store reads it: the value (a dictionary
/// entry's id or a rating), its label, and for regions the entry's parent (the province).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompositionCell {
    pub key: Option<String>,
    pub label: Option<String>,
    pub parent_id: Option<String>,
    pub parent_label: Option<String>,
    pub count: i64,
}

/// A row of the composition: the value (`key`, none for customers without one), its label
/// and how many customers have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CompositionRow {
    pub key: Option<String>,
    pub label: Option<String>,
    pub count: i64,
    #[schema(value_type = String)]
    pub share: Option<Decimal>,
    /// For regions: whether the row is a province whose cities `region_id=key` shows.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub drill_down: bool,
}

/// The rows of a composition, largest first. By region, cities are counted with their
/// province unless `province` is given, which shows that province's cities (and the
/// customers placed in the province itself) instead.
pub fn composition(by: CompositionBy, cells: Vec<CompositionCell>, province: Option<&str>) -> Vec<CompositionRow> {
    let mut rows: Vec<CompositionRow> = Vec::new();
    let total: i64 = cells.iter().map(|c| c.count).sum();
    for cell in cells {
        let (key, label, drill_down) = match (by, province) {
            (CompositionBy::Region, None) => match cell.parent_id {
                Some(parent) => (Some(parent), cell.parent_label, true),
                None => (cell.key, cell.label, true),
            },
            _ => (cell.key, cell.label, false),
        };
        match rows.iter_mut().find(|r| r.key == key) {
            Some(row) => row.count += cell.count,
            None => rows.push(CompositionRow {
                drill_down: drill_down && key.is_some(),
                key,
                label,
                count: cell.count,
                share: None,
            }),
        }
    }
    let total = rows.iter().map(|r| r.count).sum::<i64>().max(total);
    for row in &mut rows {
        row.share = ratio(row.count, total);
    }
    // Ratings read best in their order; dictionary values by size.
    match by {
        CompositionBy::Credit | CompositionBy::Satisfaction => {
            rows.sort_by(|a, b| (a.key.is_none(), &a.key).cmp(&(b.key.is_none(), &b.key)))
        }
        _ => rows.sort_by(|a, b| (b.count, a.key.is_none(), &a.label).cmp(&(a.count, b.key.is_none(), &b.label))),
    }
    rows
}

code_enum! {
    /// The eight classic RFM segments (RPT-6), by whether recency (R), frequency (F) and
    /// monetary value (M) are high: R F M high 重要价值 … all low 一般挽留.
    RfmSegment {
        ImportantValue = "important_value",
        ImportantDevelop = "important_develop",
        ImportantKeep = "important_keep",
        ImportantRetain = "important_retain",
        GeneralValue = "general_value",
        GeneralDevelop = "general_develop",
        GeneralKeep = "general_keep",
        GeneralRetain = "general_retain",
    }
}

impl RfmSegment {
    /// Whether recency, frequency and monetary value are high in this segment: the inverse
    /// of `rfm_segment_of` (a unit test holds the two together).
    pub fn high(self) -> [bool; 3] {
        match self {
            RfmSegment::ImportantValue => [true, true, true],
            RfmSegment::ImportantDevelop => [true, false, true],
            RfmSegment::ImportantKeep => [false, true, true],
            RfmSegment::ImportantRetain => [false, false, true],
            RfmSegment::GeneralValue => [true, true, false],
            RfmSegment::GeneralDevelop => [true, false, false],
            RfmSegment::GeneralKeep => [false, true, false],
            RfmSegment::GeneralRetain => [false, false, false],
        }
    }
}

/// The segment of high (`true`) or low recency, frequency and monetary value.
pub fn rfm_segment_of(r: bool, f: bool, m: bool) -> RfmSegment {
    match (r, f, m) {
        (true, true, true) => RfmSegment::ImportantValue,
        (true, false, true) => RfmSegment::ImportantDevelop,
        (false, true, true) => RfmSegment::ImportantKeep,
        (false, false, true) => RfmSegment::ImportantRetain,
        (true, true, false) => RfmSegment::GeneralValue,
        (true, false, false) => RfmSegment::GeneralDevelop,
        (false, true, false) => RfmSegment::GeneralKeep,
        (false, false, false) => RfmSegment::GeneralRetain,
    }
}

/// The customers with one combination of scores (RPT-6), as the store counts them. Each score
/// is 1–5, 5 the most recent, most frequent or largest: customers are ranked by a dimension,
/// lowest first; its cut values are the values of the customers at the end of the first to
/// fourth fifth of that ranking (places `(j × n + 4) / 5` of `n`, j = 1…4), and a customer
/// scores 1 plus the number of cut values below its own. So each score holds about a fifth of
/// the customers, and customers with equal values (the same day of last order, the same
/// number of orders) always score alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RfmCell {
    pub r: i64,
    pub f: i64,
    pub m: i64,
    pub customers: i64,
    pub monetary: i64,
}

/// The average score of each dimension over every scored customer, as `(sum, count)`.
fn score_sums(cells: &[RfmCell]) -> ([i64; 3], i64) {
    let mut sums = [0; 3];
    let mut n = 0;
    for c in cells {
        sums[0] += c.r * c.customers;
        sums[1] += c.f * c.customers;
        sums[2] += c.m * c.customers;
        n += c.customers;
    }
    (sums, n)
}

/// The segment of each cell. A score is high when it is above the average of that score over
/// the customers in the report (score × customers > sum of scores), so "high" means better
/// than the typical customer the reader can see.
pub fn rfm_segments(cells: &[RfmCell]) -> Vec<(RfmCell, RfmSegment)> {
    let (sums, n) = score_sums(cells);
    let high = |score: i64, sum: i64| score * n > sum;
    cells.iter().map(|c| (*c, rfm_segment_of(high(c.r, sums[0]), high(c.f, sums[1]), high(c.m, sums[2])))).collect()
}

/// A row of the RFM summary: one segment, its customers and their monetary value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RfmSegmentRow {
    pub segment: RfmSegment,
    pub customers: i64,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub monetary: i64,
    #[schema(value_type = String)]
    pub share: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RfmTotals {
    pub currency: String,
    pub customers: i64,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub monetary: i64,
    /// The average scores high and low are measured against, exact to 6 places.
    #[schema(value_type = Vec<String>)]
    pub average_scores: Vec<Option<Decimal>>,
}

/// The summary: every segment in order, with its customers.
pub fn rfm_summary(currency: &str, cells: &[RfmCell]) -> (Vec<RfmSegmentRow>, RfmTotals) {
    let (sums, n) = score_sums(cells);
    let monetary: i64 = cells.iter().map(|c| c.monetary).sum();
    let segments = rfm_segments(cells);
    let items = RfmSegment::ALL
        .iter()
        .map(|s| {
            let (customers, value) = segments
                .iter()
                .filter(|(_, seg)| seg == s)
                .fold((0, 0), |(n, v), (c, _)| (n + c.customers, v + c.monetary));
            RfmSegmentRow { segment: *s, customers, monetary: value, share: ratio(customers, n) }
        })
        .collect();
    let totals = RfmTotals {
        currency: currency.to_string(),
        customers: n,
        monetary,
        average_scores: sums.iter().map(|s| ratio(*s, n)).collect(),
    };
    (items, totals)
}

/// A customer of an RFM segment with its figures and scores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RfmCustomer {
    pub customer_id: Uuid,
    pub customer_name: String,
    pub last_order_date: NaiveDate,
    /// Days from the last order to the end of the period (or today).
    pub recency_days: i64,
    pub frequency: i64,
    #[serde(serialize_with = "money::serialize")]
    #[schema(value_type = String)]
    pub monetary: i64,
    pub r: i64,
    pub f: i64,
    pub m: i64,
    pub segment: RfmSegment,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_customer_crossing_eighty_percent_is_still_a_and_crossing_ninety_five_still_b() {
        // Totals 70, 20, 6, 4 of 100: before each 0, 70, 90, 96.
        assert_eq!(abc_class(0, 100), AbcClass::A);
        assert_eq!(abc_class(70, 100), AbcClass::A);
        assert_eq!(abc_class(80, 100), AbcClass::B);
        assert_eq!(abc_class(90, 100), AbcClass::B);
        assert_eq!(abc_class(95, 100), AbcClass::C);
        assert_eq!(abc_class(96, 100), AbcClass::C);
    }

    #[test]
    fn contribution_rows_carry_shares_of_their_own_currency() {
        let id = Uuid::nil();
        let ranked = |rank, currency: &str, total, running| RankedTotal {
            rank,
            customer_id: id,
            customer_name: "x".into(),
            currency: currency.into(),
            total,
            orders: 1,
            running,
        };
        let currency = |c: &str, total| ContributionCurrency {
            currency: c.into(),
            customers: 2,
            orders: 2,
            total,
            classes: Vec::new(),
        };
        let data = Contribution {
            rows: vec![ranked(1, "CNY", 90, 90), ranked(2, "CNY", 10, 100), ranked(1, "USD", 5, 5)],
            currencies: vec![currency("CNY", 100), currency("USD", 5)],
        };
        let rows = data.rows();
        assert_eq!(rows[1].share.unwrap().to_string(), "0.1");
        assert_eq!(rows[1].cumulative_share.unwrap().to_string(), "1");
        assert_eq!((rows[0].abc_class, rows[1].abc_class, rows[2].abc_class), (AbcClass::A, AbcClass::B, AbcClass::A));
    }

    #[test]
    fn cities_count_with_their_province_until_it_is_opened() {
        let cell = |key: &str, parent: Option<&str>, count| CompositionCell {
            key: Some(key.into()),
            label: Some(key.into()),
            parent_id: parent.map(Into::into),
            parent_label: parent.map(Into::into),
            count,
        };
        let cells = vec![
            cell("杭州", Some("浙江"), 3),
            cell("宁波", Some("浙江"), 2),
            cell("广东", None, 4),
            CompositionCell { key: None, label: None, parent_id: None, parent_label: None, count: 1 },
        ];
        let rows = composition(CompositionBy::Region, cells.clone(), None);
        let counts: Vec<_> = rows.iter().map(|r| (r.label.as_deref(), r.count, r.drill_down)).collect();
        assert_eq!(counts, [(Some("浙江"), 5, true), (Some("广东"), 4, true), (None, 1, false)]);
        assert_eq!(rows[0].share.unwrap().to_string(), "0.5");
        let cities = composition(CompositionBy::Region, cells[..2].to_vec(), Some("浙江"));
        assert_eq!(cities.iter().map(|r| r.count).collect::<Vec<_>>(), [3, 2]);
    }

    #[test]
    fn ratings_are_listed_in_order_with_the_unrated_last() {
        let cell = |key: Option<&str>, count| CompositionCell {
            key: key.map(Into::into),
            label: key.map(Into::into),
            parent_id: None,
            parent_label: None,
            count,
        };
        let rows =
            composition(CompositionBy::Credit, vec![cell(None, 9), cell(Some("5"), 1), cell(Some("2"), 3)], None);
        assert_eq!(rows.iter().map(|r| r.key.as_deref()).collect::<Vec<_>>(), [Some("2"), Some("5"), None]);
    }

    #[test]
    fn a_score_above_the_average_is_high() {
        let cell = |r, f, m, customers| RfmCell { r, f, m, customers, monetary: 10 * customers };
        // Averages: r = (5 + 1 + 3) / 3 = 3, f = 3, m = 3.
        let cells = [cell(5, 5, 5, 1), cell(1, 1, 1, 1), cell(3, 3, 4, 1)];
        let segments: Vec<_> = rfm_segments(&cells).into_iter().map(|(_, s)| s).collect();
        assert_eq!(segments, [RfmSegment::ImportantValue, RfmSegment::GeneralRetain, RfmSegment::ImportantRetain]);
        let (rows, totals) = rfm_summary("CNY", &cells);
        assert_eq!(rows.len(), 8);
        assert_eq!(rows[0].customers, 1);
        assert_eq!(totals.customers, 3);
        assert_eq!(totals.average_scores[2].unwrap().to_string(), "3.333333");
    }

    #[test]
    fn a_segments_high_scores_give_back_the_segment() {
        for segment in RfmSegment::ALL {
            let [r, f, m] = segment.high();
            assert_eq!(rfm_segment_of(r, f, m), *segment);
        }
    }

    #[test]
    fn every_combination_of_high_and_low_has_its_own_segment() {
        let mut all: Vec<_> = [true, false]
            .into_iter()
            .flat_map(|r| [true, false].into_iter().flat_map(move |f| [true, false].map(|m| rfm_segment_of(r, f, m))))
            .collect();
        all.sort_by_key(|s| s.code());
        all.dedup();
        assert_eq!(all.len(), 8);
    }
}
