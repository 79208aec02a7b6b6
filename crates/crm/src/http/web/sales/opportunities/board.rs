//! The pipeline board (SAL-4): a column per stage with its count and amounts, cards dragged
//! between columns by a small script or moved with each card's form; and the funnel and
//! forecast pages, whose bars are `<meter>` elements so they draw without script or styles.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;

use crm_core::access::{Action, Module};
use crm_core::sales::opportunities::actions as opportunities;
use crm_core::sales::opportunities::{
    Amount, BoardColumn, ForecastBy, ForecastRow, FunnelRow, PipelineStage, Report, ReportParams,
};

use super::stage_choices;
use crate::http::AppState;
use crate::http::api::sales::report_response;
use crate::http::error::AppError;
use crate::http::extract::ListFormat;
use crate::http::web::layout::{self, Choice, Layout, href};
use crate::http::web::session::WebUser;

/// The filters of the board and the reports, as typed.
#[derive(Debug, Default)]
struct Filters {
    from: String,
    to: String,
}

impl Filters {
    fn of(params: &ReportParams) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Self { from: text(&params.from), to: text(&params.to) }
    }
}

type Params = Result<Query<ReportParams>, axum::extract::rejection::QueryRejection>;

fn params(params: Params) -> Result<ReportParams, AppError> {
    params.map(|Query(p)| p).map_err(|e| AppError::BadRequest(e.body_text()))
}

#[derive(Template)]
#[template(path = "sales/opportunities/board.html")]
struct BoardPage {
    l: Layout,
    columns: Vec<BoardColumn>,
    /// Open stages, for each card's form.
    stages: Vec<Choice>,
    filters: Filters,
    can_move: bool,
    can_create: bool,
}

impl BoardPage {
    fn stage_class(&self, stage: &PipelineStage) -> &'static str {
        match stage.outcome.map(|o| o.code()) {
            Some("won") => "won",
            Some("lost") => "lost",
            _ => "open",
        }
    }
}

pub async fn board(State(state): State<AppState>, web: WebUser, query: Params) -> Result<Response, AppError> {
    let params = params(query)?;
    let (filter, _) = params.parse()?;
    let columns = opportunities::board(&state.db, &web.actor, &filter).await?;
    layout::ok(&BoardPage {
        l: Layout::new(&web, "pipeline-title").with_fields("opportunity"),
        columns,
        stages: stage_choices(&state, &web.actor, false).await?,
        filters: Filters::of(&params),
        can_move: web.actor.can(Module::Sales, Action::Edit),
        can_create: web.actor.can(Module::Sales, Action::Create),
    })
}

/// Links to the report as CSV and Excel files with the same filters, for who may export.
fn downloads(web: &WebUser, path: &str, params: &ReportParams) -> Vec<(&'static str, String)> {
    if !web.actor.can(Module::Reports, Action::Export) {
        return Vec::new();
    }
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let (from, to, by) = (text(&params.from), text(&params.to), text(&params.by));
    ["csv", "xlsx"]
        .into_iter()
        .map(|format| {
            let query = [("from", from.as_str()), ("to", to.as_str()), ("by", by.as_str()), ("format", format)];
            (format, href(path, &query))
        })
        .collect()
}

/// The largest amount of a report's rows in each currency, the scale of that currency's bars.
fn scale<'a>(rows: impl Iterator<Item = &'a [Amount]>) -> Vec<(String, i64)> {
    let mut max: Vec<(String, i64)> = Vec::new();
    for a in rows.flatten() {
        match max.iter_mut().find(|(c, _)| *c == a.currency) {
            Some((_, m)) => *m = (*m).max(a.amount),
            None => max.push((a.currency.clone(), a.amount)),
        }
    }
    max
}

#[derive(Template)]
#[template(path = "sales/opportunities/funnel.html")]
struct FunnelPage {
    l: Layout,
    downloads: Vec<(&'static str, String)>,
    report: Report<FunnelRow>,
    max_count: i64,
    scale: Vec<(String, i64)>,
    filters: Filters,
}

impl FunnelPage {
    fn max_of(&self, currency: &str) -> i64 {
        self.scale.iter().find(|(c, _)| c == currency).map_or(1, |(_, m)| (*m).max(1))
    }
}

pub async fn funnel(
    State(state): State<AppState>,
    web: WebUser,
    query: Params,
    format: ListFormat,
) -> Result<Response, AppError> {
    let params = params(query)?;
    let (filter, _) = params.parse()?;
    let report = opportunities::funnel(&state.db, &web.actor, &filter).await?;
    if matches!(format, ListFormat::Download(_)) {
        return report_response(&web.actor, report, |r| &r.amounts, format, "sales-funnel");
    }
    layout::ok(&FunnelPage {
        l: Layout::new(&web, "funnel-title").with_fields("report"),
        downloads: downloads(&web, "/reports/sales-funnel", &params),
        max_count: report.items.iter().map(|r| r.count).max().unwrap_or(0).max(1),
        scale: scale(report.items.iter().map(|r| r.amounts.as_slice())),
        report,
        filters: Filters::of(&params),
    })
}

#[derive(Template)]
#[template(path = "sales/opportunities/forecast.html")]
struct ForecastPage {
    l: Layout,
    downloads: Vec<(&'static str, String)>,
    report: Report<ForecastRow>,
    by_owner: bool,
    scale: Vec<(String, i64)>,
    filters: Filters,
}

impl ForecastPage {
    fn max_of(&self, currency: &str) -> i64 {
        self.scale.iter().find(|(c, _)| c == currency).map_or(1, |(_, m)| (*m).max(1))
    }

    /// The row's heading: its month or owner, or what it lacks.
    fn heading(&self, row: &ForecastRow) -> String {
        match (&row.month, &row.owner) {
            (Some(month), _) => month.clone(),
            (None, Some(owner)) => owner.clone(),
            (None, None) if self.by_owner => self.l.t("forecast-no-owner"),
            (None, None) => self.l.t("forecast-no-date"),
        }
    }
}

pub async fn forecast(
    State(state): State<AppState>,
    web: WebUser,
    query: Params,
    format: ListFormat,
) -> Result<Response, AppError> {
    let params = params(query)?;
    let (filter, by) = params.parse()?;
    let report = opportunities::forecast(&state.db, &web.actor, &filter, by).await?;
    if matches!(format, ListFormat::Download(_)) {
        return report_response(&web.actor, report, |r| &r.amounts, format, "forecast");
    }
    layout::ok(&ForecastPage {
        l: Layout::new(&web, "forecast-title").with_fields("report"),
        downloads: downloads(&web, "/reports/forecast", &params),
        by_owner: by == ForecastBy::Owner,
        scale: scale(report.items.iter().map(|r| r.amounts.as_slice())),
        report,
        filters: Filters::of(&params),
    })
}
