//! The report pages: each handler runs its report's use case and hands the report to `show`,
//! which answers the file (`format=csv|xlsx`, as the API does) or fills a `ReportPage` with
//! the filters, and lets the handler add its charts and table.

use askama::Template;
use axum::response::Response;
use chrono::Utc;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crm_core::access::actions as access;
use crm_core::access::{Action, Module};
use crm_core::reports::actions::{self as reports, Rfm};
use crm_core::reports::{AgeingBucket, ReportParams};
use crm_core::sales::opportunities::actions as opportunities;
use crm_core::sales::opportunities::{Amount, ForecastBy, ForecastRow};

use super::Chart;
use crate::http::api::reports::{Download, ReportRequest};
use crate::http::error::AppError;
use crate::http::extract::ListFormat;
use crate::http::web::layout::{self, Choice, Layout, everything, href};
use crate::http::web::session::WebUser;

/// A cell of a report's table.
#[derive(Debug, Clone)]
pub struct Cell {
    pub text: String,
    pub href: Option<String>,
    pub num: bool,
}

fn text(t: impl Into<String>) -> Cell {
    Cell { text: t.into(), href: None, num: false }
}

fn num(t: impl ToString) -> Cell {
    Cell { text: t.to_string(), href: None, num: true }
}

fn link(t: impl Into<String>, href: String) -> Cell {
    Cell { text: t.into(), href: Some(href), num: false }
}

/// A share as a percentage to one decimal place, for display only.
fn percent(share: &Option<Decimal>) -> String {
    share.map_or_else(|| "—".into(), |s| format!("{}%", (s * Decimal::from(100)).round_dp(1)))
}

#[derive(Template)]
#[template(path = "reports/report.html")]
struct ReportPage {
    l: Layout,
    path: String,
    params: ReportParams,
    divisions: Vec<Choice>,
    owners: Vec<Choice>,
    /// (code, label) of `by`, if the report groups in ways.
    by: Vec<(String, String)>,
    downloads: Vec<(&'static str, String)>,
    charts: Vec<Chart>,
    notes: Vec<String>,
    headers: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

/// The query of the page with its filters, for links to files and to other views.
fn query(params: &ReportParams) -> Vec<(&'static str, String)> {
    let v = |x: &Option<String>| x.clone().unwrap_or_default();
    vec![
        ("from", v(&params.from)),
        ("to", v(&params.to)),
        ("division_id", v(&params.division_id)),
        ("owner_id", v(&params.owner_id)),
        ("by", v(&params.by)),
        ("segment", v(&params.segment)),
        ("currency", v(&params.currency)),
        ("region_id", v(&params.region_id)),
        ("limit", v(&params.limit)),
    ]
}

/// `path` with the page's filters and `extra` (which replace filters of the same name).
fn link_to(path: &str, params: &ReportParams, extra: &[(&'static str, String)]) -> String {
    let mut q = query(params);
    q.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
    q.extend(extra.iter().cloned());
    let pairs: Vec<(&str, &str)> = q.iter().map(|(k, v)| (*k, v.as_str())).collect();
    href(path, &pairs)
}

/// A row per item, then the row of their total.
fn with_total<T>(
    items: &[T],
    total: &T,
    total_label: String,
    label: impl Fn(&T) -> String,
    row: impl Fn(&T, String) -> Vec<Cell>,
) -> Vec<Vec<Cell>> {
    items.iter().map(|r| row(r, label(r))).chain([row(total, total_label)]).collect()
}

/// Answers a report page: with `format=csv|xlsx` the file as the API gives it, else the page
/// of the report `name` with its filters and downloads, which `fill` completes.
async fn show<D: Download>(
    r: ReportRequest<WebUser>,
    report: D,
    name: &'static str,
    title: &str,
    fill: impl FnOnce(&mut ReportPage, &D),
) -> Result<Response, AppError> {
    if matches!(r.format, ListFormat::Download(_)) {
        return r.answer(&report, name);
    }
    let mut page = ReportPage::new(&r, title, name).await?;
    fill(&mut page, &report);
    layout::ok(&page)
}

impl ReportPage {
    async fn new(r: &ReportRequest<WebUser>, title: &str, name: &str) -> Result<Self, AppError> {
        let (db, web) = (&r.state.db, &r.reader);
        let divisions = if web.actor.can(Module::Divisions, Action::View) {
            let page = access::list_divisions(db, &web.actor, &everything()).await?;
            page.items.into_iter().map(|d| Choice::new(d.id.to_string(), d.name)).collect()
        } else {
            Vec::new()
        };
        let owners = if web.actor.can(Module::Users, Action::View) {
            let page = access::list_users(db, &web.actor, &everything()).await?;
            page.items
                .into_iter()
                .map(|u| Choice::new(u.id.to_string(), u.display_name.unwrap_or(u.username)))
                .collect()
        } else {
            Vec::new()
        };
        let path = format!("/reports/{name}");
        let downloads = if web.actor.can(Module::Reports, Action::Export) {
            let file = |f: &'static str| (f, link_to(&path, &r.params, &[("format", f.to_string())]));
            vec![file("csv"), file("xlsx")]
        } else {
            Vec::new()
        };
        Ok(Self {
            l: Layout::new(web, title).with_fields("report"),
            path,
            downloads,
            params: r.params.clone(),
            divisions,
            owners,
            by: Vec::new(),
            charts: Vec::new(),
            notes: Vec::new(),
            headers: Vec::new(),
            rows: Vec::new(),
        })
    }

    fn value<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or("")
    }

    fn by(&mut self, codes: &[&str]) {
        self.by = codes.iter().map(|c| (c.to_string(), self.l.t_code("report-by", c))).collect();
    }

    fn headers(&mut self, keys: &[&str]) {
        self.headers = keys.iter().map(|k| self.l.t(&format!("report-col-{k}"))).collect();
    }

    /// Amounts of several currencies in one cell, each with its currency; the weighted ones
    /// where `weighted`.
    fn amounts(&self, amounts: &[Amount], weighted: bool) -> String {
        let shown = amounts.iter().filter_map(|a| {
            let units = if weighted { a.weighted? } else { a.amount };
            Some(self.l.amount(&units, &a.currency))
        });
        let text = shown.collect::<Vec<_>>().join(" · ");
        if text.is_empty() { "—".into() } else { text }
    }

    /// A chart per currency of `rows` (label, amounts), the bars sized by `size`, so that no
    /// bar adds one currency to another.
    fn currency_charts(&mut self, caption: &str, rows: &[(String, &[Amount])], size: fn(&Amount) -> Option<i64>) {
        let mut currencies: Vec<&str> = rows.iter().flat_map(|(_, a)| a.iter().map(|a| a.currency.as_str())).collect();
        currencies.sort_unstable();
        currencies.dedup();
        for currency in currencies {
            let bars = rows.iter().filter_map(|(label, amounts)| {
                let units = amounts.iter().find(|a| a.currency == currency).and_then(size)?;
                Some((label.clone(), units, self.l.money(&units), None))
            });
            self.charts.push(Chart::new(format!("{caption} · {currency}"), bars.collect()));
        }
    }
}

#[derive(Template)]
#[template(path = "reports/index.html")]
struct IndexPage {
    l: Layout,
    links: Vec<(&'static str, String)>,
}

const REPORTS: [(&str, &str); 9] = [
    ("/reports/customer-contribution", "report-contribution-title"),
    ("/reports/customer-composition", "report-composition-title"),
    ("/reports/service-analysis", "report-service-title"),
    ("/reports/churn-analysis", "report-churn-title"),
    ("/reports/rfm", "report-rfm-title"),
    ("/reports/sales-funnel", "funnel-title"),
    ("/reports/forecast", "forecast-title"),
    ("/reports/sales-performance", "report-performance-title"),
    ("/reports/receivables-ageing", "report-ageing-title"),
];

pub async fn index(web: WebUser) -> Result<Response, AppError> {
    web.actor.require(Module::Reports, Action::View)?;
    let l = Layout::new(&web, "report-index-title");
    let links = REPORTS.iter().map(|(path, key)| (*path, l.t(key))).collect();
    layout::ok(&IndexPage { l, links })
}

pub async fn contribution(r: ReportRequest<WebUser>) -> Result<Response, AppError> {
    let report = reports::contribution(&r.state.db, r.actor(), &r.params).await?;
    show(r, report, "customer-contribution", "report-contribution-title", |page, report| {
        page.headers(&["rank", "customer", "currency", "total", "orders", "share", "cumulative-share", "abc-class"]);
        for c in &report.totals.currencies {
            let rows = report.items.iter().filter(|r| r.currency == c.currency).take(20);
            let bars = rows.map(|r| {
                let customer = format!("/customers/{}", r.customer_id);
                (r.customer_name.clone(), r.total, page.l.money(&r.total), Some(customer))
            });
            let caption = format!("{} · {}", page.l.t("report-contribution-title"), c.currency);
            page.charts.push(Chart::new(caption, bars.collect()));
            for class in &c.classes {
                page.notes.push(page.l.lang.t_args(
                    "report-class-note",
                    &[
                        ("class", class.abc_class.code().to_string()),
                        ("customers", class.customers.to_string()),
                        ("total", page.l.amount(&class.total, &c.currency)),
                    ],
                ));
            }
        }
        page.rows = report
            .items
            .iter()
            .map(|r| {
                vec![
                    num(r.rank),
                    link(r.customer_name.clone(), format!("/customers/{}", r.customer_id)),
                    text(r.currency.clone()),
                    num(page.l.money(&r.total)),
                    num(r.orders),
                    num(percent(&r.share)),
                    num(percent(&r.cumulative_share)),
                    text(r.abc_class.code()),
                ]
            })
            .collect();
    })
    .await
}

pub async fn composition(r: ReportRequest<WebUser>) -> Result<Response, AppError> {
    let report = reports::composition(&r.state.db, r.actor(), &r.params).await?;
    show(r, report, "customer-composition", "report-composition-title", |page, report| {
        page.by(&["level", "credit", "satisfaction", "region", "industry"]);
        page.headers(&["label", "count", "share"]);
        let unset = page.l.t("report-not-set");
        let drill = |key: &Option<String>, drill: bool| {
            key.as_ref()
                .filter(|_| drill && page.params.region_id.is_none())
                .map(|k| link_to(&page.path, &page.params, &[("region_id", k.clone())]))
        };
        let label = |l: &Option<String>| l.clone().unwrap_or_else(|| unset.clone());
        let bars =
            report.items.iter().map(|r| (label(&r.label), r.count, r.count.to_string(), drill(&r.key, r.drill_down)));
        let chart = Chart::new(page.l.t_code("report-by", report.totals.by.code()), bars.collect());
        let rows = report
            .items
            .iter()
            .map(|r| {
                let name = match drill(&r.key, r.drill_down) {
                    Some(href) => link(label(&r.label), href),
                    None => text(label(&r.label)),
                };
                vec![name, num(r.count), num(percent(&r.share))]
            })
            .collect();
        page.charts.push(chart);
        page.notes.push(page.l.t_with("report-customers-note", "count", report.totals.count));
        page.rows = rows;
    })
    .await
}

pub async fn service(r: ReportRequest<WebUser>) -> Result<Response, AppError> {
    let report = reports::service_analysis(&r.state.db, r.actor(), &r.params).await?;
    show(r, report, "service-analysis", "report-service-title", |page, report| {
        page.by(&["type", "status"]);
        page.headers(&["label", "count", "open", "avg-response", "avg-handling", "avg-satisfaction"]);
        let name = |r: &crm_core::reports::ServiceRow| match (r.status, &r.service_type) {
            (Some(s), _) => page.l.t_code("service-status", s.code()),
            (None, Some(t)) => t.clone(),
            _ => page.l.t("report-not-set"),
        };
        let minutes = |m: Option<i64>| m.map_or_else(|| "—".to_string(), |m| page.l.t_with("report-minutes", "n", m));
        let bars = report.items.iter().map(|r| (name(r), r.count, r.count.to_string(), None));
        let chart = Chart::new(page.l.t("report-service-title"), bars.collect());
        let row = |r: &crm_core::reports::ServiceRow, label: String| {
            vec![
                text(label),
                num(r.count),
                num(r.open),
                num(minutes(r.avg_response_minutes)),
                num(minutes(r.avg_handling_minutes)),
                num(r.avg_satisfaction.map_or_else(|| "—".into(), |s| s.round_dp(2).to_string())),
            ]
        };
        let rows = with_total(&report.items, &report.totals, page.l.t("report-total"), name, row);
        page.charts.push(chart);
        page.rows = rows;
    })
    .await
}

/// Churn analysis (RPT-4): the monthly churn rate as a chart, the losses per reason, and the
/// customers lost in the period.
pub async fn churn(r: ReportRequest<WebUser>) -> Result<Response, AppError> {
    let report = reports::churn_analysis(&r.state.db, r.actor(), &r.params, Utc::now()).await?;
    show(r, report, "churn-analysis", "report-churn-title", |page, report| {
        page.headers(&["customer", "owner", "last-order", "reason", "confirmed-at", "reactivated-at"]);
        page.notes.push(page.l.t("report-churn-rule"));
        page.notes.push(page.l.t_with("report-churn-lost", "count", report.totals.lost));
        let millionths =
            |rate: &Option<Decimal>| rate.and_then(|r| (r * Decimal::from(1_000_000)).to_i64()).unwrap_or(0);
        let bars = report.totals.months.iter().map(|m| {
            let value = format!("{} ({}/{})", percent(&m.rate), m.lost, m.active_at_start);
            (m.month.clone(), millionths(&m.rate), value, None)
        });
        page.charts.push(Chart::new(page.l.t("report-churn-rate"), bars.collect()));
        let reason = |r: &Option<String>| r.clone().unwrap_or_else(|| page.l.t("report-not-set"));
        let bars = report.totals.reasons.iter().map(|r| {
            let value = format!("{} ({})", r.count, percent(&r.share));
            (reason(&r.reason), r.count, value, None)
        });
        page.charts.push(Chart::new(page.l.t("report-churn-reasons"), bars.collect()));
        page.rows = report
            .items
            .iter()
            .map(|c| {
                vec![
                    link(c.customer_name.clone(), format!("/customers/{}", c.customer_id)),
                    text(c.owner.clone().unwrap_or_else(|| page.l.t("report-not-set"))),
                    text(c.last_order_date.to_string()),
                    link(reason(&c.reason), format!("/churn-warnings/{}", c.warning_id)),
                    text(page.l.time(&c.confirmed_at)),
                    text(page.l.time_opt(&c.reactivated_at)),
                ]
            })
            .collect();
    })
    .await
}

pub async fn rfm(r: ReportRequest<WebUser>) -> Result<Response, AppError> {
    let report = reports::rfm(&r.state.db, r.actor(), &r.params, Utc::now()).await?;
    show(r, report, "rfm", "report-rfm-title", |page, report| {
        page.notes.push(page.l.t("report-rfm-rule"));
        match report {
            Rfm::Segments(r) => {
                page.headers(&["segment", "customers", "monetary", "share"]);
                page.notes.push(page.l.t_with("report-rfm-currency", "currency", &r.totals.currency));
                let segment = |s: crm_core::reports::RfmSegment| page.l.t_code("rfm-segment", s.code());
                let to = |s: crm_core::reports::RfmSegment| {
                    link_to(&page.path, &page.params, &[("segment", s.code().to_string())])
                };
                let bars = r
                    .items
                    .iter()
                    .map(|s| (segment(s.segment), s.customers, s.customers.to_string(), Some(to(s.segment))));
                let chart = Chart::new(page.l.t("report-rfm-title"), bars.collect());
                let rows = r
                    .items
                    .iter()
                    .map(|s| {
                        vec![
                            link(segment(s.segment), to(s.segment)),
                            num(s.customers),
                            num(page.l.money(&s.monetary)),
                            num(percent(&s.share)),
                        ]
                    })
                    .collect();
                page.charts.push(chart);
                page.rows = rows;
            }
            Rfm::Customers(r) => {
                page.headers(&["customer", "last-order", "recency", "frequency", "monetary", "scores"]);
                let bars = r.items.iter().take(20).map(|c| {
                    let customer = format!("/customers/{}", c.customer_id);
                    (c.customer_name.clone(), c.monetary, page.l.money(&c.monetary), Some(customer))
                });
                page.charts.push(Chart::new(r.totals.currency.clone(), bars.collect()));
                page.rows = r
                    .items
                    .iter()
                    .map(|c| {
                        vec![
                            link(c.customer_name.clone(), format!("/customers/{}", c.customer_id)),
                            text(c.last_order_date.to_string()),
                            num(c.recency_days),
                            num(c.frequency),
                            num(page.l.money(&c.monetary)),
                            text(format!("R{} F{} M{}", c.r, c.f, c.m)),
                        ]
                    })
                    .collect();
            }
        }
    })
    .await
}

pub async fn performance(r: ReportRequest<WebUser>) -> Result<Response, AppError> {
    let report = reports::sales_performance(&r.state.db, r.actor(), &r.params).await?;
    show(r, report, "sales-performance", "report-performance-title", |page, report| {
        page.headers(&["owner", "open", "won", "lost", "win-rate", "conversion-rate", "pipeline", "won-amount"]);
        let owner = |o: &Option<String>| o.clone().unwrap_or_else(|| page.l.t("report-not-set"));
        let bars = report.items.iter().map(|r| (owner(&r.owner), r.won, r.won.to_string(), None));
        let chart = Chart::new(page.l.t("report-col-won"), bars.collect());
        let row = |r: &crm_core::reports::OwnerPerformance, name: String| {
            vec![
                text(name),
                num(r.open),
                num(r.won),
                num(r.lost),
                num(percent(&r.win_rate)),
                num(percent(&r.conversion_rate)),
                num(page.amounts(&r.pipeline, false)),
                num(page.amounts(&r.won_amounts, false)),
            ]
        };
        let total = page.l.t("report-total");
        let rows = with_total(&report.items, &report.totals, total, |r| owner(&r.owner), row);
        page.charts.push(chart);
        page.rows = rows;
    })
    .await
}

pub async fn ageing(r: ReportRequest<WebUser>) -> Result<Response, AppError> {
    let report = reports::receivables_ageing(&r.state.db, r.actor(), &r.params, Utc::now()).await?;
    show(r, report, "receivables-ageing", "report-ageing-title", |page, report| {
        page.headers(&[
            "customer",
            "currency",
            "not-due",
            "days-0-30",
            "days-31-60",
            "days-61-90",
            "days-over-90",
            "overdue",
        ]);
        for t in &report.totals {
            let bars = AgeingBucket::ALL.iter().map(|b| {
                let label = page.l.t_code("report-col", &b.code().replace('_', "-"));
                (label, t.bucket(*b), page.l.money(&t.bucket(*b)), None)
            });
            let caption = format!("{} · {}", page.l.t("report-ageing-title"), t.currency);
            page.charts.push(Chart::new(caption, bars.collect()));
        }
        let row = |r: &crm_core::reports::AgeingRow| {
            let name = match (&r.customer_id, &r.customer_name) {
                (Some(id), Some(n)) => link(n.clone(), format!("/customers/{id}")),
                _ => text(page.l.t("report-total")),
            };
            let mut cells = vec![name, text(r.currency.clone())];
            cells.extend(AgeingBucket::ALL.iter().map(|b| num(page.l.money(&r.bucket(*b)))));
            cells.push(num(page.l.money(&r.overdue)));
            cells
        };
        page.rows = report.items.iter().chain(report.totals.iter()).map(row).collect();
    })
    .await
}

/// The funnel (SAL-4, RPT-5): opportunities per stage, a chart of their count and one of
/// their amounts per currency. The period is of the expected close date.
pub async fn funnel(r: ReportRequest<WebUser>) -> Result<Response, AppError> {
    let (filter, _) = r.params.parse()?;
    let report = opportunities::funnel(&r.state.db, r.actor(), &filter).await?;
    show(r, report, "sales-funnel", "funnel-title", |page, report| {
        page.headers(&["stage", "probability", "count", "amount"]);
        let bars = report.items.iter().map(|s| (s.stage.clone(), s.count, s.count.to_string(), None));
        page.charts.push(Chart::new(page.l.t("report-col-count"), bars.collect()));
        let amounts: Vec<_> = report.items.iter().map(|s| (s.stage.clone(), s.amounts.as_slice())).collect();
        page.currency_charts(&page.l.t("report-col-amount"), &amounts, |a| Some(a.amount));
        let mut rows: Vec<Vec<Cell>> = report
            .items
            .iter()
            .map(|s| {
                let probability = format!("{}%", s.probability);
                vec![text(s.stage.clone()), num(probability), num(s.count), num(page.amounts(&s.amounts, false))]
            })
            .collect();
        let totals = &report.totals;
        rows.push(vec![
            text(page.l.t("report-total")),
            text(""),
            num(totals.count),
            num(page.amounts(&totals.amounts, false)),
        ]);
        page.rows = rows;
    })
    .await
}

/// The weighted forecast (SAL-4, RPT-5) of open opportunities by month of expected close or
/// by owner, with a chart of the weighted amounts per currency.
pub async fn forecast(r: ReportRequest<WebUser>) -> Result<Response, AppError> {
    let (filter, by) = r.params.parse()?;
    let report = opportunities::forecast(&r.state.db, r.actor(), &filter, by).await?;
    show(r, report, "forecast", "forecast-title", |page, report| {
        page.by(&["month", "owner"]);
        page.headers(&[if by == ForecastBy::Owner { "owner" } else { "month" }, "count", "amount", "weighted"]);
        page.notes.push(page.l.t("forecast-hint"));
        let heading = |row: &ForecastRow| match (&row.month, &row.owner) {
            (Some(month), _) => month.clone(),
            (None, Some(owner)) => owner.clone(),
            (None, None) if by == ForecastBy::Owner => page.l.t("forecast-no-owner"),
            (None, None) => page.l.t("forecast-no-date"),
        };
        let weighted: Vec<_> = report.items.iter().map(|r| (heading(r), r.amounts.as_slice())).collect();
        let line = |label: String, count: i64, amounts: &[Amount]| {
            vec![text(label), num(count), num(page.amounts(amounts, false)), num(page.amounts(amounts, true))]
        };
        let mut rows: Vec<Vec<Cell>> = report.items.iter().map(|r| line(heading(r), r.count, &r.amounts)).collect();
        rows.push(line(page.l.t("report-total"), report.totals.count, &report.totals.amounts));
        page.rows = rows;
        page.currency_charts(&page.l.t("report-col-weighted"), &weighted, |a| a.weighted);
    })
    .await
}
