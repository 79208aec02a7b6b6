//! Reports (统计报表, RPT-1..8): the filters every report shares, the figures of each
//! report and the rules that turn sums into shares, classes and segments. The store adds up
//! the records in the caller's scope; the rules here are written once and tested beside them.
//!
//! A period is `from`..=`to`, both days inclusive. Dates of records that are dates (an
//! order's `order_date`) are compared as they are; times (a service request's `created_at`,
//! an opportunity's `closed_at`, a customer's `created_at`) fall in the period when they fall
//! between the start of `from` and the end of `to` in the reader's time zone.

pub mod actions;
mod churn;
mod customers;
mod dashboard;
mod sales;
mod service;
mod store;

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, FieldError, Validator, optional_date};

pub use churn::{
    ChurnHistory, ChurnMonth, ChurnMonthSpan, ChurnRow, ChurnTotals, Loss, MAX_MONTHS, ReasonTotal, chart_months,
    churn_rates, reason_totals,
};
pub use customers::{
    AbcClass, ClassSum, CompositionBy, CompositionCell, CompositionRow, Contribution, ContributionCurrency,
    ContributionRow, ContributionTotals, RankedTotal, RfmCell, RfmCustomer, RfmSegment, RfmSegmentRow, RfmTotals,
    abc_class, composition, rfm_segment_of, rfm_segments, rfm_summary,
};
pub use dashboard::{
    Dashboard, DashboardKind, DivisionFigures, JobHealth, SystemHealth, TaskFigures, WarningFigures, WorkBy,
    WorkCounts, merge_work, open_pipeline,
};
pub use sales::{AgeingBucket, AgeingCell, AgeingRow, OwnerPerformance, PerformanceCell};
pub use service::{ServiceBy, ServiceRow, ServiceSums, ServiceTotals};
pub use store::ReportStore;

/// Which records a report covers, within the caller's scope: a period and, optionally, one
/// division or one owner.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub division_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
}

/// The period of a filter as times: `[from, to)` in UTC, from the days in a time zone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Period {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// The start of `day` in `tz` as UTC; at a midnight a clock change skips, the next hour's.
fn start_of(day: NaiveDate, tz: chrono_tz::Tz) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    match tz.from_local_datetime(&midnight).earliest() {
        Some(t) => t.with_timezone(&Utc),
        None => (midnight + chrono::Duration::hours(1)).and_utc(),
    }
}

impl ReportFilter {
    /// The period as UTC times, from the days in the time zone `tz` (an IANA name).
    pub fn period(&self, tz: &str) -> Period {
        let tz: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::Asia::Shanghai);
        Period {
            from: self.from.map(|d| start_of(d, tz)),
            to: self.to.and_then(|d| d.checked_add_days(Days::new(1))).map(|d| start_of(d, tz)),
        }
    }
}

/// The query parameters of every report (`from`, `to`, `division_id`, `owner_id`, `by`, …);
/// each report reads the ones that apply to it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportParams {
    pub from: Option<String>,
    pub to: Option<String>,
    pub division_id: Option<String>,
    pub owner_id: Option<String>,
    pub by: Option<String>,
    /// RFM: the segment whose customers to list.
    pub segment: Option<String>,
    /// RFM: the currency whose orders measure the monetary value.
    pub currency: Option<String>,
    /// Customer composition by region: the province whose cities to show.
    pub region_id: Option<String>,
    /// How many ranked rows to return.
    pub limit: Option<String>,
}

fn optional_id(field: &str, value: Option<&str>) -> Result<Option<Uuid>, FieldError> {
    match value.map(str::trim).unwrap_or("") {
        "" => Ok(None),
        text => Uuid::parse_str(text).map(Some).map_err(|_| FieldError::new(field, "invalid_id")),
    }
}

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 10_000;

impl ReportParams {
    /// The period, division and owner, with any error recorded in `v`.
    pub fn filter(&self, v: &mut Validator) -> ReportFilter {
        let date = |v: &mut Validator, field: &str, value: &Option<String>| {
            v.check(optional_date(field, value.as_deref().unwrap_or(""))).flatten()
        };
        let from = date(v, "from", &self.from);
        let to = date(v, "to", &self.to);
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            v.push(FieldError::new("to", "before_from"));
        }
        let division_id = v.check(optional_id("division_id", self.division_id.as_deref())).flatten();
        let owner_id = v.check(optional_id("owner_id", self.owner_id.as_deref())).flatten();
        ReportFilter { from, to, division_id, owner_id }
    }

    /// `by` as one of `choices` (code, value); blank is the first.
    pub fn by<T: Copy>(&self, v: &mut Validator, choices: &[(&str, T)]) -> Option<T> {
        let text = self.by.as_deref().map(str::trim).unwrap_or("");
        let found = if text.is_empty() { choices.first() } else { choices.iter().find(|(code, _)| *code == text) };
        if found.is_none() {
            let codes: Vec<&str> = choices.iter().map(|(code, _)| *code).collect();
            v.push(FieldError::with_param("by", "invalid_choice", codes.join(",")));
        }
        found.map(|(_, value)| *value)
    }

    /// `limit`: 1 to `MAX_LIMIT` ranked rows, `DEFAULT_LIMIT` when blank.
    pub fn limit(&self, v: &mut Validator) -> i64 {
        match self.limit.as_deref().map(str::trim).unwrap_or("") {
            "" => DEFAULT_LIMIT,
            text => v
                .check(
                    text.parse::<i64>()
                        .ok()
                        .filter(|n| (1..=MAX_LIMIT).contains(n))
                        .ok_or_else(|| FieldError::with_param("limit", "out_of_range", format!("1-{MAX_LIMIT}"))),
                )
                .unwrap_or(DEFAULT_LIMIT),
        }
    }

    /// The report's filter alone, for reports without other parameters.
    pub fn parse_filter(&self) -> Result<ReportFilter, Error> {
        let mut v = Validator::default();
        let filter = self.filter(&mut v);
        v.finish()?;
        Ok(filter)
    }
}

/// A report as API.md fixes it: `{"items": [...], "totals": {...}}`.
#[derive(Debug, Clone, Serialize)]
pub struct Report<R, T> {
    pub items: Vec<R>,
    pub totals: T,
}

/// Decimal places of the shares and rates the API gives.
pub const RATIO_PLACES: u32 = 6;

/// `part / whole` as an exact decimal rounded to `RATIO_PLACES`; none of nothing.
pub fn ratio(part: i64, whole: i64) -> Option<Decimal> {
    if whole == 0 {
        return None;
    }
    Decimal::from(part)
        .checked_div(Decimal::from(whole))
        .map(|d| d.round_dp_with_strategy(RATIO_PLACES, RoundingStrategy::MidpointAwayFromZero).normalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_runs_from_the_start_of_from_to_the_end_of_to_in_the_readers_zone() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let f = ReportFilter { from: day("2026-03-01"), to: day("2026-03-31"), ..Default::default() };
        let p = f.period("Asia/Shanghai");
        assert_eq!(p.from.unwrap().to_rfc3339(), "2026-02-28T16:00:00+00:00");
        assert_eq!(p.to.unwrap().to_rfc3339(), "2026-03-31T16:00:00+00:00");
        assert_eq!(f.period("UTC").to.unwrap().to_rfc3339(), "2026-04-01T00:00:00+00:00");
    }

    #[test]
    fn report_parameters_are_checked_together_and_to_may_not_precede_from() {
        let p = ReportParams {
            from: Some("2026-05-02".into()),
            to: Some("2026-05-01".into()),
            owner_id: Some("x".into()),
            by: Some("week".into()),
            limit: Some("0".into()),
            ..Default::default()
        };
        let mut v = Validator::default();
        p.filter(&mut v);
        assert_eq!(p.by(&mut v, &[("level", 1), ("region", 2)]), None);
        p.limit(&mut v);
        let Err(Error::Invalid(errs)) = v.finish() else { panic!("invalid") };
        let fields: Vec<_> = errs.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert_eq!(
            fields,
            [("to", "before_from"), ("owner_id", "invalid_id"), ("by", "invalid_choice"), ("limit", "out_of_range")]
        );
    }

    #[test]
    fn ratios_are_exact_to_six_places() {
        assert_eq!(ratio(1, 3).unwrap().to_string(), "0.333333");
        assert_eq!(ratio(2, 3).unwrap().to_string(), "0.666667");
        assert_eq!(ratio(5, 0), None);
    }
}
