//! Storage of quotes, contracts and payments. Each reaches its division through its
//! customer, whose scope every read applies.

mod contract;
mod payments;
mod quotes;

pub(crate) use payments::ITEM_RECEIVED;

use async_trait::async_trait;
use chrono::NaiveDate;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crm_core::access::{AuditStamp, Scope};
use crm_core::listing::{ListRequest, Page};
use crm_core::sales::contracts::{
    Contract, ContractStore, NewContract, NewPayment, NewPlanItem, NewQuote, Payment, PlanItem, PriceLine, Quote,
    QuoteRevision, Receivable, ReceivablesBy,
};
use crm_core::store::StoreError;

use crate::Db;
use crate::sql::{Arg, RowExt, Sql, store_error};

/// The priced columns that quote and contract lines share.
const LINE_COLUMNS: &str =
    "product_id, description, quantity, unit_price, discount_rate, tax_rate, subtotal, discount, tax, total";

fn price_line(r: &AnyRow) -> Result<PriceLine, StoreError> {
    Ok(PriceLine {
        product_id: r.opt_id("product_id")?,
        description: r.opt_text("description")?,
        quantity: r.int("quantity")?,
        unit_price: r.int("unit_price")?,
        discount: r.int("discount_rate")?,
        tax_rate: r.int("tax_rate")?,
        subtotal: r.int("subtotal")?,
        discount_amount: r.int("discount")?,
        tax: r.int("tax")?,
        total: r.int("total")?,
    })
}

/// Inserts lines numbered from 1 under the key columns (`quote_id, revision` or `contract_id`).
async fn insert_lines(
    conn: &mut AnyConnection,
    table: &str,
    key: &[(&str, Arg)],
    lines: &[PriceLine],
) -> Result<(), StoreError> {
    for (position, l) in (1_i64..).zip(lines) {
        let mut sql = Sql::new("INSERT INTO ");
        sql.push(table).push(" (");
        for (column, _) in key {
            sql.push(column).push(", ");
        }
        sql.push("position, ").push(LINE_COLUMNS).push(") VALUES (");
        for (_, value) in key {
            sql.bind(value.clone()).push(", ");
        }
        sql.bind(position).push(", ").bind(l.product_id).push(", ").bind(l.description.clone()).push(", ");
        sql.bind(l.quantity).push(", ").bind(l.unit_price).push(", ").bind(l.discount).push(", ").bind(l.tax_rate);
        sql.push(", ").bind(l.subtotal).push(", ").bind(l.discount_amount).push(", ").bind(l.tax).push(", ");
        sql.bind(l.total).push(")");
        sql.query().execute(&mut *conn).await.map_err(store_error)?;
    }
    Ok(())
}

fn date(r: &AnyRow, col: &str) -> Result<NaiveDate, StoreError> {
    let text = r.text(col)?;
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| StoreError::Other(format!("bad {col} {text:?}").into()))
}

fn opt_date(r: &AnyRow, col: &str) -> Result<Option<NaiveDate>, StoreError> {
    match r.opt_text(col)? {
        Some(_) => date(r, col).map(Some),
        None => Ok(None),
    }
}

#[async_trait]
impl ContractStore for Db {
    async fn list_quotes(&self, scope: &Scope, req: &ListRequest) -> Result<Page<Quote>, StoreError> {
        quotes::list(self, scope, req).await
    }
    async fn get_quote(&self, scope: &Scope, id: Uuid) -> Result<Quote, StoreError> {
        quotes::get(self, scope, id).await
    }
    async fn quote_revisions(&self, scope: &Scope, id: Uuid) -> Result<Vec<QuoteRevision>, StoreError> {
        quotes::revisions(self, scope, id).await
    }
    async fn create_quote(&self, new: &NewQuote, today: NaiveDate, stamp: &AuditStamp) -> Result<Quote, StoreError> {
        quotes::create(self, new, today, stamp).await
    }
    async fn save_quote(
        &self,
        scope: &Scope,
        next: &Quote,
        version: i64,
        stamp: &AuditStamp,
    ) -> Result<Quote, StoreError> {
        quotes::save(self, scope, next, version, stamp).await
    }

    async fn list_contracts(&self, scope: &Scope, req: &ListRequest) -> Result<Page<Contract>, StoreError> {
        contract::list(self, scope, req).await
    }
    async fn get_contract(&self, scope: &Scope, id: Uuid) -> Result<Contract, StoreError> {
        contract::get(self, scope, id).await
    }
    async fn create_contract(
        &self,
        new: &NewContract,
        today: NaiveDate,
        stamp: &AuditStamp,
    ) -> Result<Contract, StoreError> {
        contract::create(self, new, today, stamp).await
    }
    async fn save_contract(
        &self,
        scope: &Scope,
        next: &Contract,
        version: i64,
        stamp: &AuditStamp,
    ) -> Result<Contract, StoreError> {
        contract::save(self, scope, next, version, stamp).await
    }

    async fn plan_items(
        &self,
        scope: &Scope,
        contract_id: Uuid,
        today: NaiveDate,
    ) -> Result<Vec<PlanItem>, StoreError> {
        payments::plan_items(self, scope, contract_id, today).await
    }
    async fn add_plan_items(
        &self,
        scope: &Scope,
        contract_id: Uuid,
        items: &[NewPlanItem],
        stamp: &AuditStamp,
    ) -> Result<(), StoreError> {
        payments::add_plan_items(self, scope, contract_id, items, stamp).await
    }
    async fn list_payments(&self, scope: &Scope, req: &ListRequest) -> Result<Page<Payment>, StoreError> {
        payments::list(self, scope, req).await
    }
    async fn get_payment(&self, scope: &Scope, id: Uuid) -> Result<Payment, StoreError> {
        payments::get(self, scope, id).await
    }
    async fn create_payment(&self, new: &NewPayment, stamp: &AuditStamp) -> Result<Payment, StoreError> {
        payments::create(self, new, stamp).await
    }
    async fn save_payment(
        &self,
        scope: &Scope,
        next: &Payment,
        version: i64,
        stamp: &AuditStamp,
    ) -> Result<Payment, StoreError> {
        payments::save(self, scope, next, version, stamp).await
    }
    async fn delete_payment(&self, scope: &Scope, id: Uuid, stamp: &AuditStamp) -> Result<(), StoreError> {
        payments::delete(self, scope, id, stamp).await
    }
    async fn receivables(
        &self,
        scope: &Scope,
        by: ReceivablesBy,
        today: NaiveDate,
    ) -> Result<Vec<Receivable>, StoreError> {
        payments::receivables(self, scope, by, today).await
    }
}
