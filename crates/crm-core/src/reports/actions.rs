//! The report use cases (RPT-1..8). Each checks the `reports.view` right first and reads
//! within the caller's scope; downloads also need `reports.export`, checked where the file is
//! made. To add a report: its rows and rules in a file of this module, a sum in `ReportStore`,
//! a use case here, and a line in the API's and the pages' route tables.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};

use super::{
    AgeingRow, ChurnMonthSpan, ChurnRow, ChurnTotals, CompositionBy, CompositionRow, ContributionRow,
    ContributionTotals, Dashboard, DashboardKind, OwnerPerformance, Report, ReportParams, RfmCustomer, RfmSegment,
    RfmSegmentRow, RfmTotals, ServiceBy, ServiceRow, ServiceSums, TaskFigures, WarningFigures, WorkBy, chart_months,
    churn_rates, composition as compose, merge_work, reason_totals, rfm_summary,
};
use crate::access::{Action, Actor, DataScope, Module};
use crate::churn::ChurnStatus;
use crate::churn::actions as churn;
use crate::error::{Error, FieldError, Validator};
use crate::listing::{ListRequest, Sort};
use crate::money::parse_currency;
use crate::sales::opportunities::actions as opportunities;
use crate::schedule::TaskStatus;
use crate::schedule::actions as schedule;
use crate::service::ServiceStatus;
use crate::store::Store;

/// Today in the actor's time zone.
pub fn today(actor: &Actor, now: DateTime<Utc>) -> NaiveDate {
    let tz: chrono_tz::Tz = actor.time_zone.parse().unwrap_or(chrono_tz::Asia::Shanghai);
    now.with_timezone(&tz).date_naive()
}

/// Customer contribution (RPT-1): the `limit` largest customers of each currency in the
/// period, with shares and ABC classes; the totals cover every customer.
pub async fn contribution<S: Store>(
    store: &S,
    actor: &Actor,
    params: &ReportParams,
) -> Result<Report<ContributionRow, ContributionTotals>, Error> {
    actor.require(Module::Reports, Action::View)?;
    let mut v = Validator::default();
    let filter = params.filter(&mut v);
    let limit = params.limit(&mut v);
    v.finish()?;
    let data = store.contribution(&actor.scope(), &filter, limit).await?;
    Ok(Report { items: data.rows(), totals: ContributionTotals { currencies: data.currencies } })
}

/// The totals of a composition: what it counts by and how many customers in all.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CompositionTotals {
    pub by: CompositionBy,
    pub count: i64,
}

const COMPOSITION_BY: [(&str, CompositionBy); 5] = [
    ("level", CompositionBy::Level),
    ("credit", CompositionBy::Credit),
    ("satisfaction", CompositionBy::Satisfaction),
    ("region", CompositionBy::Region),
    ("industry", CompositionBy::Industry),
];

/// Customer composition (RPT-2) `by=level|credit|satisfaction|region|industry`; by region
/// the provinces, or the cities of `region_id`.
pub async fn composition<S: Store>(
    store: &S,
    actor: &Actor,
    params: &ReportParams,
) -> Result<Report<CompositionRow, CompositionTotals>, Error> {
    actor.require(Module::Reports, Action::View)?;
    let mut v = Validator::default();
    let filter = params.filter(&mut v);
    let by = params.by(&mut v, &COMPOSITION_BY);
    let province = v.check(super::optional_id("region_id", params.region_id.as_deref())).flatten();
    v.finish()?;
    let by = by.unwrap_or(CompositionBy::Level);
    let province = province.filter(|_| by == CompositionBy::Region);
    let period = filter.period(&actor.time_zone);
    let cells = store.customer_counts(&actor.scope(), &filter, period, by, province).await?;
    let province = province.map(|p| p.to_string());
    let items = compose(by, cells, province.as_deref());
    let count = items.iter().map(|r| r.count).sum();
    Ok(Report { items, totals: CompositionTotals { by, count } })
}

/// Service analysis (RPT-3) `by=type|status` of requests created in the period.
pub async fn service_analysis<S: Store>(
    store: &S,
    actor: &Actor,
    params: &ReportParams,
) -> Result<Report<ServiceRow, ServiceRow>, Error> {
    actor.require(Module::Reports, Action::View)?;
    let mut v = Validator::default();
    let filter = params.filter(&mut v);
    let by = params.by(&mut v, &[("type", ServiceBy::Type), ("status", ServiceBy::Status)]);
    v.finish()?;
    let period = filter.period(&actor.time_zone);
    let sums = store.service_sums(&actor.scope(), &filter, period, by.unwrap_or(ServiceBy::Type)).await?;
    let mut total = ServiceSums::default();
    sums.iter().for_each(|s| total.add(s));
    Ok(Report { items: sums.iter().map(ServiceSums::row).collect(), totals: total.row() })
}

/// Churn analysis (RPT-4): the `limit` latest losses confirmed in the period with owner, last
/// order date and reason; the totals per reason of every loss in the period; and the churn
/// rate of each month the period touches (see `reports::churn` for the rule).
pub async fn churn_analysis<S: Store>(
    store: &S,
    actor: &Actor,
    params: &ReportParams,
    now: DateTime<Utc>,
) -> Result<Report<ChurnRow, ChurnTotals>, Error> {
    actor.require(Module::Reports, Action::View)?;
    let mut v = Validator::default();
    let filter = params.filter(&mut v);
    let limit = params.limit(&mut v);
    v.finish()?;
    let scope = actor.scope();
    let (items, reasons) = store.churn_losses(&scope, &filter, filter.period(&actor.time_zone), limit).await?;
    let (lost, reasons) = reason_totals(reasons);
    let months: Vec<ChurnMonthSpan> = chart_months(filter.from, filter.to, today(actor, now))
        .into_iter()
        .map(|first_day| {
            let (first, last) = month_of(first_day);
            let month = super::ReportFilter { from: Some(first), to: Some(last), ..Default::default() };
            ChurnMonthSpan { first_day, period: month.period(&actor.time_zone) }
        })
        .collect();
    let span =
        super::Period { from: months.first().and_then(|m| m.period.from), to: months.last().and_then(|m| m.period.to) };
    let history = store.churn_history(&scope, &filter, span).await?;
    Ok(Report { items, totals: ChurnTotals { lost, reasons, months: churn_rates(&months, &history) } })
}

/// RFM (RPT-6): either the eight segments, or with `segment` that segment's customers.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(untagged)]
pub enum Rfm {
    Segments(Report<RfmSegmentRow, RfmTotals>),
    Customers(Report<RfmCustomer, RfmTotals>),
}

/// RFM scores of the customers with orders in one currency (`currency`, default CNY) in the
/// period; recency counts to the period's end, or today.
pub async fn rfm<S: Store>(store: &S, actor: &Actor, params: &ReportParams, now: DateTime<Utc>) -> Result<Rfm, Error> {
    actor.require(Module::Reports, Action::View)?;
    let mut v = Validator::default();
    let filter = params.filter(&mut v);
    let limit = params.limit(&mut v);
    let currency = match params.currency.as_deref().map(str::trim).unwrap_or("") {
        "" => Some("CNY".to_string()),
        text => v.check(parse_currency(text).map_err(|e| FieldError { field: "currency".into(), ..e })),
    };
    let segment = v.check(RfmSegment::parse_optional("segment", params.segment.as_deref().unwrap_or(""))).flatten();
    v.finish()?;
    let currency = currency.unwrap_or_default();
    let scope = actor.scope();
    let Some(segment) = segment else {
        let cells = store.rfm_cells(&scope, &filter, &currency).await?;
        let (items, totals) = rfm_summary(&currency, &cells);
        return Ok(Rfm::Segments(Report { items, totals }));
    };
    let as_of = filter.to.unwrap_or_else(|| today(actor, now));
    let (cells, customers) = store.rfm_segment(&scope, &filter, &currency, segment, as_of, limit).await?;
    let (_, totals) = rfm_summary(&currency, &cells);
    Ok(Rfm::Customers(Report { items: customers, totals }))
}

/// Sales performance by owner (RPT-5): open pipeline, opportunities won and lost in the
/// period, win and conversion rates.
pub async fn sales_performance<S: Store>(
    store: &S,
    actor: &Actor,
    params: &ReportParams,
) -> Result<Report<OwnerPerformance, OwnerPerformance>, Error> {
    actor.require(Module::Reports, Action::View)?;
    let filter = params.parse_filter()?;
    let cells = store.owner_performance(&actor.scope(), &filter, filter.period(&actor.time_zone)).await?;
    let (items, totals) = OwnerPerformance::of(&cells);
    Ok(Report { items, totals })
}

/// Receivables ageing (RPT-5): what is open of active contracts' plan items by days overdue
/// today, per customer and currency. The period does not apply: ageing is as of today.
pub async fn receivables_ageing<S: Store>(
    store: &S,
    actor: &Actor,
    params: &ReportParams,
    now: DateTime<Utc>,
) -> Result<Report<AgeingRow, Vec<AgeingRow>>, Error> {
    actor.require(Module::Reports, Action::View)?;
    let filter = params.parse_filter()?;
    let cells = store.receivables_ageing(&actor.scope(), &filter, today(actor, now)).await?;
    let (items, totals) = AgeingRow::of(&cells);
    Ok(Report { items, totals })
}

/// Stale opportunities listed on the dashboard.
const DASHBOARD_STALE: u32 = 10;

/// The first and last day of the month of `day`.
pub fn month_of(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = day.with_day(1).unwrap_or(day);
    let last = first.checked_add_months(chrono::Months::new(1)).and_then(|d| d.checked_sub_days(Days::new(1)));
    (first, last.unwrap_or(day))
}

/// The dashboard of the home page (RPT-8) for `actor`: each part they have the rights for,
/// in their own scope.
pub async fn dashboard<S: Store>(store: &S, actor: &Actor, now: DateTime<Utc>) -> Result<Dashboard, Error> {
    let mut d = Dashboard::default();
    if actor.can(Module::Users, Action::Create) && actor.data_scope == DataScope::All {
        let mut health = store.system_health().await?;
        health.jobs = store.list_jobs().await?.into_iter().map(Into::into).collect();
        d.health = Some(health);
    }
    if !actor.can(Module::Reports, Action::View) {
        return Ok(d);
    }
    let kind = match actor.data_scope {
        DataScope::Own => DashboardKind::Own,
        DataScope::Division => DashboardKind::Team,
        DataScope::All => DashboardKind::Company,
    };
    d.kind = Some(kind);
    let (first, last) = month_of(today(actor, now));
    let month = ReportParams { from: Some(first.to_string()), to: Some(last.to_string()), ..Default::default() };
    d.month_orders = Some(
        contribution(store, actor, &ReportParams { limit: Some("1".into()), ..month.clone() }).await?.totals.currencies,
    );
    if actor.can(Module::Service, Action::View) {
        let by_status = ReportParams { by: Some("status".into()), ..Default::default() };
        let rows = service_analysis(store, actor, &by_status).await?.items;
        d.open_service =
            Some(rows.into_iter().filter(|r| r.status.is_some_and(|s| s != ServiceStatus::Archived)).collect());
    }
    if actor.can(Module::Sales, Action::View) {
        d.pipeline = Some(opportunities::funnel(store, actor, &Default::default()).await?);
        let mut stale = ListRequest::first("last_activity_at", DASHBOARD_STALE);
        stale.sort = None;
        stale.filters.push(("stale".into(), "true".into()));
        d.stale = Some(opportunities::list(store, actor, &stale).await?.items);
        if kind == DashboardKind::Team {
            let r = sales_performance(store, actor, &month).await?;
            d.by_owner = Some((r.items, r.totals));
        }
    }
    if kind == DashboardKind::Company {
        d.by_division = Some(store.division_figures(&actor.scope(), first, last).await?);
    }
    open_work(store, actor, kind, now, &mut d).await?;
    Ok(d)
}

/// Tasks and churn warnings listed on the dashboard.
const DASHBOARD_NEXT: u32 = 5;

/// The open tasks and churn warnings of the dashboard (RPT-8), each if the reader may see
/// them: an account manager's own (tasks they own, warnings of customers they own), with the
/// next due and the latest raised; a director's team, the same and by owner; an executive's
/// company by division.
async fn open_work<S: Store>(
    store: &S,
    actor: &Actor,
    kind: DashboardKind,
    now: DateTime<Utc>,
    d: &mut Dashboard,
) -> Result<(), Error> {
    let (tasks, warnings) = (actor.can(Module::Schedule, Action::View), actor.can(Module::Churn, Action::View));
    let scope = actor.scope();
    let by = if kind == DashboardKind::Company { WorkBy::Division } else { WorkBy::Owner };
    let task_counts = if tasks { store.task_counts(&scope, by, now).await? } else { Vec::new() };
    let warning_counts = if warnings { store.warning_counts(&scope, by).await? } else { Vec::new() };
    let (mut rows, mut total) = merge_work(task_counts, warning_counts);
    // Own scope also reads tasks one created for others and customers shared with one.
    let mine = (kind == DashboardKind::Own).then(|| actor.user_id.map(|u| ("owner_id".to_string(), u.to_string())));
    if mine.is_some() {
        rows.retain(|r| r.id == actor.user_id);
        total = rows.pop().unwrap_or_default();
    } else {
        d.work = Some(rows);
    }
    let listed = |sort: &str, descending: bool, filters: &[(&str, &str)]| {
        let mut req = ListRequest::first(sort, DASHBOARD_NEXT);
        req.sort = Some(Sort { field: sort.into(), descending });
        req.filters = filters.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        req.filters.extend(mine.iter().flatten().cloned());
        req
    };
    let company = kind == DashboardKind::Company;
    if tasks {
        let next = if company {
            Vec::new()
        } else {
            let req = listed("due_at", false, &[("status", TaskStatus::Open.code())]);
            schedule::list_tasks(store, actor, &req).await?.items
        };
        d.tasks = Some(TaskFigures { open: total.open_tasks, overdue: total.overdue_tasks, next });
    }
    if warnings {
        let mut latest = Vec::new();
        if !company {
            for status in [ChurnStatus::Warning, ChurnStatus::Delaying] {
                let req = listed("created_at", true, &[("status", status.code()), ("closed", "false")]);
                latest.extend(churn::list(store, actor, &req).await?.items);
            }
            latest.sort_by_key(|w| std::cmp::Reverse((w.created_at, w.id)));
            latest.truncate(DASHBOARD_NEXT as usize);
        }
        d.warnings = Some(WarningFigures { open: total.open_warnings, latest });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_runs_from_its_first_to_its_last_day() {
        let day = NaiveDate::from_ymd_opt(2028, 2, 14).unwrap();
        assert_eq!(
            month_of(day),
            (NaiveDate::from_ymd_opt(2028, 2, 1).unwrap(), NaiveDate::from_ymd_opt(2028, 2, 29).unwrap())
        );
    }

    #[test]
    fn today_is_the_readers_day() {
        let now: DateTime<Utc> = "2026-03-31T17:00:00Z".parse().unwrap();
        let actor = Actor::system();
        assert_eq!(today(&actor, now), NaiveDate::from_ymd_opt(2026, 4, 1).unwrap());
    }
}
