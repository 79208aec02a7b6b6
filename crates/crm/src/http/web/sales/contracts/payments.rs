//! Receivables (应收, SAL-9, SAL-10): what each customer or owner still owes, one row and one
//! total per currency, and the latest receipts.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;

use crm_core::sales::contracts::actions as sales;
use crm_core::sales::contracts::{Payment, Receivables, ReceivablesBy};

use crate::http::AppState;
use crate::http::error::AppError;
use crate::http::web::forms::FormData;
use crate::http::web::layout::{self, Layout, Pager, list_request};
use crate::http::web::session::WebUser;

#[derive(Template)]
#[template(path = "sales/contracts/payments.html")]
struct ListPage {
    l: Layout,
    receivables: Receivables,
    payments: Vec<Payment>,
    pager: Pager,
}

impl ListPage {
    fn by_owner(&self) -> bool {
        self.receivables.by == ReceivablesBy::Owner
    }
}

pub async fn list(
    State(state): State<AppState>,
    web: WebUser,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let query = FormData(query);
    let by = if query.get("by") == "owner" { ReceivablesBy::Owner } else { ReceivablesBy::Customer };
    let cursor = query.get("cursor");
    let receivables = sales::receivables(&state.db, &web.actor, by).await?;
    let page = sales::list_payments(&state.db, &web.actor, &list_request("", cursor, &[])?).await?;
    layout::ok(&ListPage {
        l: Layout::new(&web, "payments-title").with_fields("payment"),
        pager: Pager::new("/payments", &[("by", by.code())], cursor, page.next_cursor.as_deref()),
        receivables,
        payments: page.items,
    })
}
