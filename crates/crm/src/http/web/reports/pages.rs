//! The report pages: each handler runs its report's use case, and either answers the file
//! (`format=csv|xlsx`, as the API does) or fills a `ReportPage` with charts and a table.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::Utc;
use rust_decimal::Decimal;

use crm_core::access::actions as access;
use crm_core::access::{Action, Module};
use crm_core::reports::actions::{self as reports, Rfm};
use crm_core::reports::{AgeingBucket, ReportParams};

use super::Chart;
use crate::http::AppState;
use crate::http::api::reports::{Params, report_params, respond, respond_rfm};
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
    path: &'static str,
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

impl ReportPage {
    fn value<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or("")
    }
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

/// Links to the report as CSV and Excel with the page's filters, for who may export.
pub fn downloads(web: &WebUser, path: &str, params: &ReportParams) -> Vec<(&'static str, String)> {
    if !web.actor.can(Module::Reports, Action::Export) {
        return Vec::new();
    }
    ["csv", "xlsx"].into_iter().map(|f| (f, link_to(path, params, &[("format", f.to_string())]))).collect()
}

impl ReportPage {
    async fn new(
        state: &AppState,
        web: &WebUser,
        title: &str,
        path: &'static str,
        params: ReportParams,
    ) -> Result<Self, AppError> {
        let divisions = if web.actor.can(Module::Divisions, Action::View) {
            let page = access::list_divisions(&state.db, &web.actor, &everything()).await?;
            page.items.into_iter().map(|d| Choice::new(d.id.to_string(), d.name)).collect()
        } else {
            Vec::new()
        };
        let owners = if web.actor.can(Module::Users, Action::View) {
            let page = access::list_users(&state.db, &web.actor, &everything()).await?;
            page.items
                .into_iter()
                .map(|u| Choice::new(u.id.to_string(), u.display_name.unwrap_or(u.username)))
                .collect()
        } else {
            Vec::new()
        };
        Ok(Self {
            l: Layout::new(web, title).with_fields("report"),
            path,
            downloads: downloads(web, path, &params),
            params,
            divisions,
            owners,
            by: Vec::new(),
            charts: Vec::new(),
            notes: Vec::new(),
            headers: Vec::new(),
            rows: Vec::new(),
        })
    }

    fn by(mut self, codes: &[&str]) -> Self {
        self.by = codes.iter().map(|c| (c.to_string(), self.l.t_code("report-by", c))).collect();
        self
    }

    fn headers(mut self, keys: &[&str]) -> Self {
        self.headers = keys.iter().map(|k| self.l.t(&format!("report-col-{k}"))).collect();
        self
    }
}

#[derive(Template)]
#[template(path = "reports/index.html")]
struct IndexPage {
    l: Layout,
    links: Vec<(&'static str, String)>,
}

const REPORTS: [(&str, &str); 8] = [
    ("/reports/customer-contribution", "report-contribution-title"),
    ("/reports/customer-composition", "report-composition-title"),
    ("/reports/service-analysis", "report-service-title"),
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

fn is_file(format: &ListFormat) -> bool {
    matches!(format, ListFormat::Download(_))
}

pub async fn contribution(
    State(state): State<AppState>,
    web: WebUser,
    params: Params,
    format: ListFormat,
) -> Result<Response, AppError> {
    let params = report_params(params)?;
    let report = reports::contribution(&state.db, &web.actor, &params).await?;
    if is_file(&format) {
        return respond(&web.actor, &report, format, "customer-contribution");
    }
    let path = "/reports/customer-contribution";
    let mut page = ReportPage::new(&state, &web, "report-contribution-title", path, params).await?.headers(&[
        "rank",
        "customer",
        "currency",
        "total",
        "orders",
        "share",
        "cumulative-share",
        "abc-class",
    ]);
    for c in &report.totals.currencies {
        let rows = report.items.iter().filter(|r| r.currency == c.currency).take(20);
        let bars = rows.map(|r| {
            (r.customer_name.clone(), r.total, page.l.money(&r.total), Some(format!("/customers/{}", r.customer_id)))
        });
        page.charts
            .push(Chart::new(format!("{} · {}", page.l.t("report-contribution-title"), c.currency), bars.collect()));
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
    layout::ok(&page)
}

pub async fn composition(
    State(state): State<AppState>,
    web: WebUser,
    params: Params,
    format: ListFormat,
) -> Result<Response, AppError> {
    let params = report_params(params)?;
    let report = reports::composition(&state.db, &web.actor, &params).await?;
    if is_file(&format) {
        return respond(&web.actor, &report, format, "customer-composition");
    }
    let path = "/reports/customer-composition";
    let mut page = ReportPage::new(&state, &web, "report-composition-title", path, params)
        .await?
        .by(&["level", "credit", "satisfaction", "region", "industry"])
        .headers(&["label", "count", "share"]);
    let unset = page.l.t("report-not-set");
    let drill = |key: &Option<String>, drill: bool| {
        key.as_ref()
            .filter(|_| drill && page.params.region_id.is_none())
            .map(|k| link_to(path, &page.params, &[("region_id", k.clone())]))
    };
    let label = |l: &Option<String>| l.clone().unwrap_or_else(|| unset.clone());
    let bars =
        report.items.iter().map(|r| (label(&r.label), r.count, r.count.to_string(), drill(&r.key, r.drill_down)));
    page.charts.push(Chart::new(page.l.t_code("report-by", report.totals.by.code()), bars.collect()));
    page.notes.push(page.l.t_with("report-customers-note", "count", report.totals.count));
    page.rows = report
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
    layout::ok(&page)
}

pub async fn service(
    State(state): State<AppState>,
    web: WebUser,
    params: Params,
    format: ListFormat,
) -> Result<Response, AppError> {
    let params = report_params(params)?;
    let report = reports::service_analysis(&state.db, &web.actor, &params).await?;
    if is_file(&format) {
        return respond(&web.actor, &report, format, "service-analysis");
    }
    let mut page = ReportPage::new(&state, &web, "report-service-title", "/reports/service-analysis", params)
        .await?
        .by(&["type", "status"])
        .headers(&["label", "count", "open", "avg-response", "avg-handling", "avg-satisfaction"]);
    let name = |r: &crm_core::reports::ServiceRow| match (r.status, &r.service_type) {
        (Some(s), _) => page.l.t_code("service-status", s.code()),
        (None, Some(t)) => t.clone(),
        _ => page.l.t("report-not-set"),
    };
    let minutes = |m: Option<i64>| m.map_or_else(|| "—".to_string(), |m| page.l.t_with("report-minutes", "n", m));
    let bars = report.items.iter().map(|r| (name(r), r.count, r.count.to_string(), None));
    page.charts.push(Chart::new(page.l.t("report-service-title"), bars.collect()));
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
    let mut rows: Vec<Vec<Cell>> = report.items.iter().map(|r| row(r, name(r))).collect();
    rows.push(row(&report.totals, page.l.t("report-total")));
    page.rows = rows;
    layout::ok(&page)
}

pub async fn rfm(
    State(state): State<AppState>,
    web: WebUser,
    params: Params,
    format: ListFormat,
) -> Result<Response, AppError> {
    let params = report_params(params)?;
    let report = reports::rfm(&state.db, &web.actor, &params, Utc::now()).await?;
    if is_file(&format) {
        return respond_rfm(&web.actor, &report, format);
    }
    let path = "/reports/rfm";
    let mut page = ReportPage::new(&state, &web, "report-rfm-title", path, params).await?;
    page.notes.push(page.l.t("report-rfm-rule"));
    match report {
        Rfm::Segments(r) => {
            page = page.headers(&["segment", "customers", "monetary", "share"]);
            page.notes.push(page.l.t_with("report-rfm-currency", "currency", &r.totals.currency));
            let segment = |s: crm_core::reports::RfmSegment| page.l.t_code("rfm-segment", s.code());
            let to =
                |s: crm_core::reports::RfmSegment| link_to(path, &page.params, &[("segment", s.code().to_string())]);
            let bars =
                r.items.iter().map(|s| (segment(s.segment), s.customers, s.customers.to_string(), Some(to(s.segment))));
            page.charts.push(Chart::new(page.l.t("report-rfm-title"), bars.collect()));
            page.rows = r
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
        }
        Rfm::Customers(r) => {
            page = page.headers(&["customer", "last-order", "recency", "frequency", "monetary", "scores"]);
            let bars = r.items.iter().take(20).map(|c| {
                (
                    c.customer_name.clone(),
                    c.monetary,
                    page.l.money(&c.monetary),
                    Some(format!("/customers/{}", c.customer_id)),
                )
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
    layout::ok(&page)
}

pub async fn performance(
    State(state): State<AppState>,
    web: WebUser,
    params: Params,
    format: ListFormat,
) -> Result<Response, AppError> {
    let params = report_params(params)?;
    let report = reports::sales_performance(&state.db, &web.actor, &params).await?;
    if is_file(&format) {
        return respond(&web.actor, &report, format, "sales-performance");
    }
    let mut page = ReportPage::new(&state, &web, "report-performance-title", "/reports/sales-performance", params)
        .await?
        .headers(&["owner", "open", "won", "lost", "win-rate", "conversion-rate", "pipeline", "won-amount"]);
    let owner = |o: &Option<String>| o.clone().unwrap_or_else(|| page.l.t("report-not-set"));
    let amounts = |a: &[crm_core::sales::opportunities::Amount]| {
        a.iter().map(|a| page.l.amount(&a.amount, &a.currency)).collect::<Vec<_>>().join(" · ")
    };
    let bars = report.items.iter().map(|r| (owner(&r.owner), r.won, r.won.to_string(), None));
    page.charts.push(Chart::new(page.l.t("report-col-won"), bars.collect()));
    let row = |r: &crm_core::reports::OwnerPerformance, name: String| {
        vec![
            text(name),
            num(r.open),
            num(r.won),
            num(r.lost),
            num(percent(&r.win_rate)),
            num(percent(&r.conversion_rate)),
            num(amounts(&r.pipeline)),
            num(amounts(&r.won_amounts)),
        ]
    };
    let mut rows: Vec<Vec<Cell>> = report.items.iter().map(|r| row(r, owner(&r.owner))).collect();
    rows.push(row(&report.totals, page.l.t("report-total")));
    page.rows = rows;
    layout::ok(&page)
}

pub async fn ageing(
    State(state): State<AppState>,
    web: WebUser,
    params: Params,
    format: ListFormat,
) -> Result<Response, AppError> {
    let params = report_params(params)?;
    let report = reports::receivables_ageing(&state.db, &web.actor, &params, Utc::now()).await?;
    if is_file(&format) {
        return respond(&web.actor, &report, format, "receivables-ageing");
    }
    let mut page =
        ReportPage::new(&state, &web, "report-ageing-title", "/reports/receivables-ageing", params).await?.headers(&[
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
            (page.l.t_code("report-col", &b.code().replace('_', "-")), t.bucket(*b), page.l.money(&t.bucket(*b)), None)
        });
        page.charts.push(Chart::new(format!("{} · {}", page.l.t("report-ageing-title"), t.currency), bars.collect()));
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
    layout::ok(&page)
}
