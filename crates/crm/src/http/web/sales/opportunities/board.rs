//! The pipeline board (SAL-4): a column per stage with its count and amounts, cards dragged
//! between columns by a small script or moved with each card's form. The funnel and the
//! forecast are report pages (web::reports).

use askama::Template;
use axum::response::Response;

use crm_core::access::{Action, Module};
use crm_core::sales::opportunities::actions as opportunities;
use crm_core::sales::opportunities::{BoardColumn, PipelineStage, ReportParams};

use super::stage_choices;
use crate::http::api::reports::ReportRequest;
use crate::http::error::AppError;
use crate::http::web::layout::{self, Choice, Layout};
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

pub async fn board(r: ReportRequest<WebUser>) -> Result<Response, AppError> {
    let (filter, _) = r.params.parse()?;
    let (web, actor) = (&r.reader, r.actor());
    let columns = opportunities::board(&r.state.db, actor, &filter).await?;
    layout::ok(&BoardPage {
        l: Layout::new(web, "pipeline-title").with_fields("opportunity"),
        columns,
        stages: stage_choices(&r.state, actor, false).await?,
        filters: Filters::of(&r.params),
        can_move: actor.can(Module::Sales, Action::Edit),
        can_create: actor.can(Module::Sales, Action::Create),
    })
}
